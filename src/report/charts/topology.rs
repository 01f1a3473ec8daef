//! Topology: the regions on a map, with the links between them.

use super::*;

/// Latency classes of links on the topology figure (mean one-way, ms), in
/// greys from light to dark: colours belong to regions.
pub(super) const LINK_CLASSES: [(f64, &str, usize); 4] = [
    (50.0, "link < 50 ms one way", GREYS[0]),
    (100.0, "link 50-100 ms", GREYS[1]),
    (150.0, "link 100-150 ms", GREYS[2]),
    (f64::INFINITY, "link >= 150 ms", GREYS[3]),
];

/// The coastlines inside `view` (lon0, lat0, lon1, lat1), as one series of
/// segments broken where they leave it.
pub(super) fn coastlines(view: (f64, f64, f64, f64)) -> Series {
    let mut points = Vec::new();
    for line in world::COASTLINES {
        let mut open = false;
        for &(x, y) in line.iter() {
            let (lon, lat) = (f64::from(x) / 10.0, f64::from(y) / 10.0);
            if lon >= view.0 && lon <= view.2 && lat >= view.1 && lat <= view.3 {
                points.push((lon, lat));
                open = true;
            } else if open {
                points.push((f64::NAN, f64::NAN));
                open = false;
            }
        }
        if open {
            points.push((f64::NAN, f64::NAN));
        }
    }
    Series {
        name: String::new(),
        color: COAST,
        points,
        ..Series::default()
    }
}

/// Regions placed by coordinates over the world's coastlines, each in its
/// colour, links in greys by mean one-way delay, primaries and replicas
/// labelled, one outline per jurisdiction (where data may reside). Reads
/// `regions`, `network_mean_ms` and the first point's `datasets`.
pub fn topology(summary: &Value) -> Vec<Figure> {
    let Some(regions) = summary["regions"].as_object() else {
        return Vec::new();
    };
    let placed: Vec<(&String, f64, f64, String)> = regions
        .iter()
        .filter_map(|(name, r)| {
            Some((
                name,
                r["lon"].as_f64()?,
                r["lat"].as_f64()?,
                r["jurisdiction"].as_str()?.to_string(),
            ))
        })
        .collect();
    if placed.len() < 2 {
        return Vec::new();
    }
    let hidden = regions.len() - placed.len();
    let mut p = Panel::lines(
        if hidden > 0 {
            format!("{hidden} region(s) without coordinates not shown")
        } else {
            "Regions by location; grey outlines: where each jurisdiction's data may rest"
                .to_string()
        },
        Axis::new("longitude (degrees)", Scale::Linear),
        Axis::new("latitude (degrees)", Scale::Linear),
    );
    // The view: the regions with room around them, at least 60 x 30 degrees.
    let (mut x0, mut x1, mut y0, mut y1) = placed.iter().fold(
        (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ),
        |a, r| (a.0.min(r.1), a.1.max(r.1), a.2.min(r.2), a.3.max(r.2)),
    );
    let grow = |lo: &mut f64, hi: &mut f64, min: f64, limit: f64| {
        let pad = ((min - (*hi - *lo)) / 2.0).max(0.0) + 12.0;
        *lo = (*lo - pad).max(-limit);
        *hi = (*hi + pad).min(limit);
    };
    grow(&mut x0, &mut x1, 60.0, 180.0);
    grow(&mut y0, &mut y1, 30.0, 90.0);
    p.series.push(coastlines((x0, y0, x1, y1)));
    for (limit, label, color) in LINK_CLASSES {
        let mut s = Series {
            name: label.to_string(),
            color,
            ..Series::default()
        };
        for (i, a) in placed.iter().enumerate() {
            for b in &placed[i + 1..] {
                let d = summary["network_mean_ms"][a.0][b.0]
                    .as_f64()
                    .unwrap_or(f64::NAN);
                let lower = LINK_CLASSES
                    .iter()
                    .map(|c| c.0)
                    .filter(|&l| l < limit)
                    .fold(0.0, f64::max);
                if d >= lower && d < limit {
                    // One series per class; NaN breaks the line between links.
                    s.points.extend([(a.1, a.2), (b.1, b.2)]);
                    s.points.push((f64::NAN, f64::NAN));
                }
            }
        }
        if !s.points.is_empty() {
            p.series.push(s);
        }
    }
    let mut zones: Vec<String> = placed.iter().map(|r| r.3.clone()).collect();
    zones.sort();
    zones.dedup();
    for zone in &zones {
        let members: Vec<_> = placed.iter().filter(|r| &r.3 == zone).collect();
        let pad = 4.0;
        let (zx0, zx1) = members
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |a, r| {
                (a.0.min(r.1), a.1.max(r.1))
            });
        let (zy0, zy1) = members
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |a, r| {
                (a.0.min(r.2), a.1.max(r.2))
            });
        p.series.push(Series {
            name: String::new(),
            color: GREY,
            points: vec![
                (zx0 - pad, zy0 - pad),
                (zx1 + pad, zy0 - pad),
                (zx1 + pad, zy1 + pad),
                (zx0 - pad, zy1 + pad),
                (zx0 - pad, zy0 - pad),
            ],
            markers: vec![(zx0 - pad, zy1 + pad, format!("{zone} zone"))],
            labels_only: true,
            ..Series::default()
        });
    }
    let datasets = summary["points"][0]["figures"]["datasets"].as_object();
    for (name, lon, lat, zone) in &placed {
        let mut roles = Vec::new();
        for (ds, d) in datasets.into_iter().flatten() {
            let copy = d["replicas"].get(name.as_str()).is_some();
            let placement = crate::report::placement_of(d);
            if placement == "active-active" && copy {
                roles.push(format!("{ds} active-active copy"));
            } else if placement == "geo-sharded" && copy {
                roles.push(format!("{ds} shard replica"));
            } else if d["primary"].as_str() == Some(name.as_str()) {
                roles.push(format!("{ds} primary"));
            } else if d["replicas"].get(name.as_str()).is_some() {
                roles.push(format!("{ds} replica"));
            }
        }
        let roles = if roles.is_empty() {
            String::new()
        } else {
            format!(": {}", roles.join(", "))
        };
        // Each region in its colour; its legend entry names it.
        p.series.push(Series {
            name: (*name).clone(),
            color: region_color(summary, name),
            points: vec![(*lon, *lat)],
            markers: vec![(*lon, *lat, format!("{name} [{zone}]{roles}"))],
            ..Series::default()
        });
    }
    // The map's extent, so the coastline clipping is the drawn range.
    p.x.include = Some(x0);
    p.y.include = Some(y0);
    p.series.push(Series {
        name: String::new(),
        color: COAST,
        points: vec![(x1, y1), (f64::NAN, f64::NAN), (x0, y0)],
        ..Series::default()
    });
    vec![Figure {
        stem: "topology".into(),
        title: format!(
            "{}: topology",
            summary["scenario"].as_str().unwrap_or_default()
        ),
        panels: vec![p],
    }]
}
