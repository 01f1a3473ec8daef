//! Capacity: the utilisation of app tiers, commit paths and link transmitters.

use super::*;

/// Utilisation over time of every station with finite capacity (app tiers
/// in their region's colour, commit paths and links after them), with 80 %
/// and 100 % marked and failure windows shaded: where load went when a
/// region was lost. Reads `app_tiers.R`, `datasets.D.commit` and
/// `network.A.B.transmit` `.utilisation_by_bucket`; absent without them.
pub fn utilisation(summary: &Value, point: &Value) -> Option<Figure> {
    let f = &point["figures"];
    let mut p = Panel::lines(
        "Utilisation: share of each station's servers busy",
        Axis::from_zero("time since the warm-up ended (s)"),
        Axis::from_zero("utilisation (%)"),
    );
    let add = |p: &mut Panel, st: &Value, name: String, color: usize| {
        if let Some(mut s) = time_series(
            summary,
            st.get("utilisation_by_bucket"),
            100.0,
            &name,
            color,
        ) {
            // A share's interval ends past 0 % or 100 % say nothing.
            for b in &mut s.band {
                *b = (b.0, b.1.max(0.0), b.2.min(100.0));
            }
            p.series.push(s);
        }
    };
    for (region, st) in f["app_tiers"].as_object().into_iter().flatten() {
        add(
            &mut p,
            st,
            format!("app {region}"),
            region_color(summary, region),
        );
    }
    // Other stations after the regions' colours.
    let mut next = keys(summary.get("regions"))
        .len()
        .max(keys(summary.get("region_colors")).len());
    for (ds, d) in f["datasets"].as_object().into_iter().flatten() {
        if let Some(st) = d.get("commit") {
            add(&mut p, st, format!("commit {ds}"), next);
            next += 1;
        }
    }
    for (from, tos) in f["network"].as_object().into_iter().flatten() {
        for (to, l) in tos.as_object().into_iter().flatten() {
            if let Some(st) = l.get("transmit") {
                add(&mut p, st, format!("link {from}->{to}"), next);
                next += 1;
            }
        }
    }
    if p.series.is_empty() {
        return None;
    }
    for (at, label) in [(80.0, " 80 %"), (100.0, " 100 %: saturated")] {
        p.hlines.push(RefLine {
            at,
            label: label.into(),
        });
    }
    p.windows.extend(failure_windows(f));
    Some(Figure {
        stem: "utilisation".into(),
        title: point_title(summary, point, "utilisation"),
        panels: vec![p],
    })
}
