//! Metastability: the load that keeps a design down after its trigger
//! ended (retries, jobs offered, backlog), and how long coming back took
//! over replications.

use super::*;

/// For a scenario with a `metastability` section: per bucket, the jobs
/// offered to each app tier and commit path (every attempt), the retries
/// each client region sent, and the backlog waiting at each station,
/// failure windows shaded; with two or more replications, how long each
/// came back after the failure ended, as a distribution over them. Reads
/// `metastability`, `app_tiers.R` and `datasets.D.commit`
/// `.offered_per_s_by_bucket` and `.queue_by_bucket`, `clients.R.timeline
/// .retries_per_s` and each run's `metastability`.
pub fn sustaining_load(summary: &Value, point: &Value) -> Option<Figure> {
    let f = &point["figures"];
    let m = f.get("metastability")?;
    let windows = failure_windows(f);
    let mut stations: Vec<(String, &Value, usize)> = Vec::new();
    for (region, st) in f["app_tiers"].as_object().into_iter().flatten() {
        stations.push((format!("app {region}"), st, region_color(summary, region)));
    }
    let mut next = keys(summary.get("regions"))
        .len()
        .max(keys(summary.get("region_colors")).len());
    for (ds, d) in f["datasets"].as_object().into_iter().flatten() {
        if let Some(st) = d.get("commit") {
            stations.push((format!("commit {ds}"), st, next));
            next += 1;
        }
    }
    let time = || Axis::from_zero("time since the warm-up ended (s)");
    let mut panels = Vec::new();
    let mut offered = Panel::lines(
        "Offered: attempts reaching each station per second",
        time(),
        Axis::from_zero("jobs offered / s"),
    );
    let mut backlog = Panel::lines(
        "Backlog: mean jobs waiting for a server",
        time(),
        Axis::from_zero("jobs waiting"),
    );
    for (name, st, color) in &stations {
        offered.series.extend(time_series(
            summary,
            st.get("offered_per_s_by_bucket"),
            1.0,
            name,
            *color,
        ));
        backlog.series.extend(time_series(
            summary,
            st.get("queue_by_bucket"),
            1.0,
            name,
            *color,
        ));
    }
    let mut retries = Panel::lines(
        "Retries: sent per second by each client region",
        time(),
        Axis::from_zero("retries / s"),
    );
    for (region, c) in f["clients"].as_object().into_iter().flatten() {
        retries.series.extend(time_series(
            summary,
            c.get("timeline").and_then(|t| t.get("retries_per_s")),
            1.0,
            &format!("clients {region}"),
            region_color(summary, region),
        ));
    }
    for mut p in [offered, retries, backlog] {
        if p.series.is_empty() {
            continue;
        }
        p.windows.extend(windows.iter().cloned());
        panels.push(p);
    }
    if let Some(p) = back_distribution(summary, point) {
        panels.push(p);
    }
    if panels.is_empty() {
        return None;
    }
    let within = point["metastability"]["within_ms"].as_f64().unwrap_or(0.0);
    let verdict = match at(m, "metastable.mean").and_then(Value::as_f64) {
        None => "not known".to_string(),
        Some(x) if point["replications"].as_u64().unwrap_or(1) > 1 => {
            format!("metastable in {:.0} % of runs", 100.0 * x)
        }
        Some(x) if x > 0.0 => format!(
            "metastable (not back {} after the failure)",
            crate::report::format::duration_ms(within)
        ),
        Some(_) => "back in time".to_string(),
    };
    Some(Figure {
        stem: "sustaining-load".into(),
        title: point_title(summary, point, &format!("sustaining load, {verdict}")),
        panels,
    })
}

/// With two or more replications: for each station and client region,
/// the share of replications back within each time after the failure
/// ended (a run not back never reaches it: the curve stops below 100 %).
fn back_distribution(summary: &Value, point: &Value) -> Option<Panel> {
    let runs = point["runs"].as_array()?;
    if runs.len() < 2 {
        return None;
    }
    let n = runs.len() as f64;
    let m = &point["figures"]["metastability"];
    let mut next = keys(summary.get("regions"))
        .len()
        .max(keys(summary.get("region_colors")).len());
    let mut series = Vec::new();
    let mut counts = Vec::new();
    for (group, label) in [
        ("app_tiers", "app"),
        ("commit", "commit"),
        ("clients", "clients"),
    ] {
        for name in keys(m.get(group)) {
            let mut values: Vec<f64> = runs
                .iter()
                .filter_map(|r| r["metastability"][group][name.as_str()]["back_after_ms"].as_f64())
                .map(|ms| ms / 1000.0)
                .collect();
            values.sort_by(f64::total_cmp);
            let color = if group == "commit" {
                next += 1;
                next - 1
            } else {
                region_color(summary, &name)
            };
            counts.push(format!("{label} {name} {}", values.len()));
            if values.is_empty() {
                continue;
            }
            // A step: none back before the first run's time, one more at
            // each run's.
            let mut points = vec![(0.0, 0.0)];
            for (i, &x) in values.iter().enumerate() {
                points.push((x, 100.0 * i as f64 / n));
                points.push((x, 100.0 * (i + 1) as f64 / n));
            }
            series.push(Series {
                name: format!("{label} {name}"),
                color,
                points,
                ..Series::default()
            });
        }
    }
    let mut p = Panel::lines(
        format!(
            "Back after the failure ended; of {} runs back: {}",
            runs.len(),
            counts.join(", ")
        ),
        Axis::from_zero("time from the failure's end (s)"),
        Axis::from_zero("replications back by then (%)"),
    );
    p.series = series;
    if let Some(within) = point["metastability"]["within_ms"].as_f64() {
        p.vlines.push(RefLine {
            at: within / 1000.0,
            label: " within".into(),
        });
    }
    (!p.series.is_empty()).then_some(p)
}
