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

/// Where a straight line on the map from `a` to `b` (lon, lat) runs the
/// shorter way around the globe: itself when the two are less than 180
/// degrees of longitude apart, else two pieces, each from one end to the
/// map's edge (`x0` west, `x1` east) it leaves by, latitude interpolated.
fn link_pieces(a: (f64, f64), b: (f64, f64), x0: f64, x1: f64) -> Vec<[(f64, f64); 2]> {
    if (b.0 - a.0).abs() <= 180.0 {
        return vec![[a, b]];
    }
    // West end first: the short way leaves it westwards, the other end
    // eastwards.
    let (w, e) = if a.0 < b.0 { (a, b) } else { (b, a) };
    let lat_at = |from: (f64, f64), to_lon: f64, lon: f64, to_lat: f64| {
        from.1 + (lon - from.0) / (to_lon - from.0) * (to_lat - from.1)
    };
    vec![
        [w, (x0, lat_at(w, e.0 - 360.0, x0, e.1))],
        [e, (x1, lat_at(e, w.0 + 360.0, x1, w.1))],
    ]
}

/// Each region's roles in dataset `d` of a point, in words: `catalog
/// primary`, `profiles EU shard home`; a copy that no write reached says so.
fn roles_of(d: &Value, ds: &str, region: &str) -> Option<String> {
    let role = d["roles"][region].as_str()?;
    let idle =
        no_write_reached(&d["replicas"][region]) && !role.contains("home") && role != "primary";
    Some(if idle {
        format!("{ds} {role} (no write reached it)")
    } else {
        format!("{ds} {role}")
    })
}

/// The regions on a map, links by mean one-way delay, each region's copies
/// named by their placement roles, and each residency rule's allowed
/// regions outlined: the first point's, and again for every point whose
/// roles differ from it (a sweep that moves a replica). Reads `regions`,
/// `network_mean_ms`, `residency` and each point's `datasets.D.roles`.
pub fn topology(summary: &Value) -> Vec<Figure> {
    let points: &[Value] = summary["points"].as_array().map_or(&[], Vec::as_slice);
    let roles = |p: &Value| {
        p["figures"]["datasets"].as_object().map(|o| {
            o.iter()
                .map(|(k, d)| (k.clone(), d["roles"].clone()))
                .collect::<Vec<_>>()
        })
    };
    let first = points.first().and_then(roles);
    let shown: Vec<usize> = (0..points.len())
        .filter(|&k| k == 0 || roles(&points[k]) != first)
        .collect();
    if shown.is_empty() {
        return map(summary, None, "topology".into(), false)
            .into_iter()
            .collect();
    }
    // Titled by point only when the maps differ between points.
    let labelled = shown.len() > 1;
    shown
        .into_iter()
        .filter_map(|k| {
            let stem = if k == 0 {
                "topology".to_string()
            } else {
                format!("topology-p{}", k + 1)
            };
            map(summary, points.get(k), stem, labelled)
        })
        .collect()
}

/// One map, of `point`'s roles; `labelled`: its title names the point.
fn map(summary: &Value, point: Option<&Value>, stem: String, labelled: bool) -> Option<Figure> {
    let regions = summary["regions"].as_object()?;
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
        return None;
    }
    let rules: &[Value] = summary["residency"].as_array().map_or(&[], Vec::as_slice);
    let hidden = regions.len() - placed.len();
    let mut p = Panel::lines(
        if hidden > 0 {
            format!("{hidden} region(s) without coordinates not shown")
        } else if rules.is_empty() {
            "Regions by location, links by mean one-way delay".to_string()
        } else {
            "Regions by location; outlines: where each residency rule lets its data rest"
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
                    for [u, v] in link_pieces((a.1, a.2), (b.1, b.2), x0, x1) {
                        s.points.extend([u, v, (f64::NAN, f64::NAN)]);
                    }
                }
            }
        }
        if !s.points.is_empty() {
            p.series.push(s);
        }
    }
    // Each rule's allowed regions, outlined: a box around them, named.
    for (k, rule) in rules.iter().enumerate() {
        let allowed: Vec<_> = placed
            .iter()
            .filter(|r| {
                rule["allowed"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|n| n.as_str() == Some(r.0.as_str())))
            })
            .collect();
        if allowed.is_empty() {
            continue;
        }
        // Nested boxes stay apart when two rules allow the same region.
        let pad = 4.0 + 1.5 * k as f64;
        let fold = |f: fn(&(&String, f64, f64, String)) -> f64| {
            allowed
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |a, r| {
                    (a.0.min(f(r)), a.1.max(f(r)))
                })
        };
        let (zx0, zx1) = fold(|r| r.1);
        let (zy0, zy1) = fold(|r| r.2);
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
            markers: vec![(
                zx0 - pad,
                zy1 + pad,
                format!(
                    "{} data may rest here",
                    rule["rule"].as_str().unwrap_or("rule")
                ),
            )],
            labels_only: true,
            ..Series::default()
        });
    }
    let datasets = point.and_then(|p| p["figures"]["datasets"].as_object());
    for (name, lon, lat, zone) in &placed {
        let roles: Vec<String> = datasets
            .into_iter()
            .flatten()
            .filter_map(|(ds, d)| roles_of(d, ds, name))
            .collect();
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
    p.hover = false;
    // The map's extent, so the coastline clipping is the drawn range.
    p.x.include = Some(x0);
    p.y.include = Some(y0);
    p.series.push(Series {
        name: String::new(),
        color: COAST,
        points: vec![(x1, y1), (f64::NAN, f64::NAN), (x0, y0)],
        ..Series::default()
    });
    let what = match point {
        Some(pt) if labelled => format!("topology{}", point_label(summary, pt)),
        _ => "topology".to_string(),
    };
    Some(Figure {
        stem,
        title: format!(
            "{}: {what}",
            summary["scenario"].as_str().unwrap_or_default()
        ),
        panels: vec![p],
    })
}

#[cfg(test)]
mod tests {
    use super::link_pieces;

    #[test]
    fn links_take_the_shorter_way_around() {
        // Oregon to Tokyo crosses the Pacific: two pieces, each to the edge
        // it leaves by, at the latitude of the wrapped straight line.
        let pieces = link_pieces((-120.0, 45.0), (140.0, 35.0), -130.0, 150.0);
        assert_eq!(pieces.len(), 2);
        let [(a, b), (c, d)] = [pieces[0][0], pieces[0][1]];
        assert_eq!((a, b), (-120.0, 45.0));
        assert_eq!(c, -130.0);
        // 10 of the 100 degrees westwards: a tenth of the way to 35.
        assert!((d - 44.0).abs() < 1e-9, "{d}");
        let [(e, f), (g, h)] = [pieces[1][0], pieces[1][1]];
        assert_eq!((e, f), (140.0, 35.0));
        assert_eq!(g, 150.0);
        assert!((h - 36.0).abs() < 1e-9, "{h}");
        // Virginia to Frankfurt stays one straight line.
        assert_eq!(
            link_pieces((-77.0, 39.0), (8.7, 50.1), -130.0, 150.0).len(),
            1
        );
    }
}
