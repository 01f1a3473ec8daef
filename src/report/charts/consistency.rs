//! Consistency: conflicts, session anomalies and stale reads over time and by age.

use super::*;

/// Write conflicts and lost updates per second over time, a panel per
/// active-active dataset, failure windows (a clock step) shaded. Reads
/// `datasets.D.conflicts.{conflicts,lost_updates}_per_s_by_bucket`; absent
/// without an active-active dataset.
pub fn conflicts(summary: &Value, point: &Value) -> Option<Figure> {
    let f = &point["figures"];
    let mut panels = Vec::new();
    for (ds, d) in f["datasets"].as_object().into_iter().flatten() {
        let Some(c) = d.get("conflicts").filter(|c| !c.is_null()) else {
            continue;
        };
        let mut p = Panel::lines(
            format!("{ds}: write conflicts and updates lost to conflict resolution"),
            Axis::from_zero("time since the warm-up ended (s)"),
            Axis::from_zero("writes per second"),
        );
        for (key, name, color) in [
            ("conflicts_per_s_by_bucket", "conflicting pairs", 0),
            ("lost_updates_per_s_by_bucket", "lost updates", 3),
        ] {
            if let Some(s) = time_series(summary, c.get(key), 1.0, name, color) {
                p.series.push(s);
            }
        }
        p.windows.extend(failure_windows(f));
        if !p.series.is_empty() {
            panels.push(p);
        }
    }
    (!panels.is_empty()).then(|| Figure {
        stem: "conflicts".into(),
        title: point_title(summary, point, "conflicts"),
        panels,
    })
}

/// The per-user anomalies (`clients.R.timeline.anomalies_per_s.KIND`, in
/// scenarios with users): key, panel title, unit.
pub(super) const ANOMALIES: [(&str, &str, &str); 3] = [
    (
        "read_your_writes",
        "Read-your-writes violations, per client region",
        "reads missing the user's own write per second",
    ),
    (
        "monotonic_reads",
        "Monotonic-read violations, per client region",
        "reads older than the user's last per second",
    ),
    (
        "session_misses",
        "Session misses, per client region",
        "requests finding no session per second",
    ),
];

/// Whether a client region's figures hold any read (a region that only
/// writes has no stale share to draw).
pub fn makes_reads(client: &Value) -> bool {
    mean(client, "read_latency.count").is_some_and(|n| n > 0.0)
}

/// Panels of stale reads over time drawn at most: the staleness-age chart
/// shows every bound at once.
pub(super) const STALE_PANELS: usize = 4;

/// Consistency violations over time: for each staleness bound (up to
/// [`STALE_PANELS`]), the share of each client region's reads that were
/// stale at it (`clients.R.timeline.stale_share.T`), then one panel per
/// kind of [`ANOMALIES`] (scenarios with users), per client region.
pub fn consistency(summary: &Value, point: &Value) -> Option<Figure> {
    let f = &point["figures"];
    let clients = f["clients"].as_object()?;
    let bounds = clients
        .values()
        .next()
        .map(|c| keys(c["timeline"].get("stale_share")))
        .unwrap_or_default();
    let mut panels = Vec::new();
    let mut never = Vec::new();
    for bound in &bounds {
        if panels.len() == STALE_PANELS {
            break;
        }
        let mut p = Panel::lines(
            format!("Reads stale at T = {bound}, per client region"),
            Axis::from_zero("time since the warm-up ended (s)"),
            Axis::from_zero(format!("reads missing a write {bound}+ old (%)")),
        );
        for (region, c) in clients.iter().filter(|(_, c)| makes_reads(c)) {
            if let Some(s) = time_series(
                summary,
                c["timeline"]["stale_share"].get(bound.as_str()),
                100.0,
                region,
                region_color(summary, region),
            ) {
                p.series.push(s);
            }
        }
        // SLOs on a region's share stale at this bound: the whole run's
        // share is judged, drawn as the line the buckets hover around.
        for v in point["slo"].as_array().into_iter().flatten() {
            let metric = v["metric"].as_str().unwrap_or_default();
            let segs: Vec<&str> = metric.split('.').collect();
            if let (["clients", region, "stale_reads", b, "share"], Some(max)) =
                (segs.as_slice(), v["max"].as_f64())
            {
                if b == bound {
                    p.hlines.push(RefLine {
                        at: 100.0 * max,
                        label: format!(
                            " SLO {} over the run: {region}",
                            v["bound"].as_str().unwrap_or_default()
                        ),
                    });
                }
            }
        }
        // A bound no read reached says so in the title, not in a flat panel.
        if p.series.iter().all(|s| s.points.iter().all(|q| q.1 == 0.0)) {
            never.push(bound.clone());
        } else {
            panels.push(p);
        }
    }
    let mut users = false;
    for (key, title, unit) in ANOMALIES {
        let mut p = Panel::lines(
            title,
            Axis::from_zero("time since the warm-up ended (s)"),
            Axis::from_zero(unit),
        );
        for (region, c) in clients {
            let series = c["timeline"]
                .get("anomalies_per_s")
                .and_then(|a| a.get(key));
            if let Some(s) =
                time_series(summary, series, 1.0, region, region_color(summary, region))
            {
                p.series.push(s);
            }
        }
        if p.series.is_empty() {
            continue;
        }
        users = true;
        if p.series.iter().all(|s| s.points.iter().all(|q| q.1 == 0.0)) {
            never.push(key.replace('_', " "));
        } else {
            p.windows.extend(failure_windows(f));
            panels.push(p);
        }
    }
    let none = if never.is_empty() {
        String::new()
    } else {
        let (bounds, kinds): (Vec<&String>, Vec<&String>) =
            never.iter().partition(|n| bounds.contains(n));
        let mut parts = Vec::new();
        if !bounds.is_empty() {
            parts.push(format!(
                "none stale at T = {}",
                bounds
                    .iter()
                    .map(|b| b.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !kinds.is_empty() {
            parts.push(format!(
                "no {}",
                kinds
                    .iter()
                    .map(|b| b.as_str())
                    .collect::<Vec<_>>()
                    .join(", no ")
            ));
        }
        format!(" ({})", parts.join("; "))
    };
    (!panels.is_empty()).then(|| Figure {
        stem: "consistency".into(),
        title: format!(
            "{}{none}",
            point_title(
                summary,
                point,
                if users {
                    "stale reads and per-user anomalies over time"
                } else {
                    "stale reads over time"
                }
            )
        ),
        panels,
    })
}

/// The staleness-age curve per client region: the share of its reads
/// stale at bound T, for every T (log scale), the declared bounds and the
/// SLOs on stale shares marked. Reads `clients.R.stale_share_by_age` at the
/// point's `staleness_age_edges_ms`.
pub fn staleness_age(summary: &Value, point: &Value) -> Option<Figure> {
    let edges: Vec<f64> = point["staleness_age_edges_ms"]
        .as_array()?
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    let clients = point["figures"]["clients"].as_object()?;
    // (region, mean share at each age, interval ends at each age)
    type Curve<'a> = (&'a String, Vec<f64>, Vec<(f64, f64)>);
    let curves: Vec<Curve> = clients
        .iter()
        .map(|(region, c)| {
            let a = c.get("stale_share_by_age");
            let m = means(a);
            let band = (0..series_len(a))
                .map(|i| series_at(a, i).1.unwrap_or((f64::NAN, f64::NAN)))
                .collect();
            (region, m, band)
        })
        .filter(|(_, m, _)| m.len() == edges.len() && m.iter().any(|&x| x > 0.0))
        .collect();
    if curves.is_empty() {
        return None;
    }
    // Show the ages where the curves move: from the last age below which
    // every curve is flat to the first age at which every curve is zero.
    let moves = |i: usize| {
        curves.iter().any(|(_, m, _)| {
            let start = m[1.min(m.len() - 1)];
            (m[i] - start).abs() > 0.01 * start
        })
    };
    let zero = |i: usize| curves.iter().all(|(_, m, _)| m[i] == 0.0);
    let first = (1..edges.len())
        .find(|&i| moves(i))
        .unwrap_or(1)
        .saturating_sub(1)
        .max(1);
    let last = (first..edges.len())
        .find(|&i| zero(i))
        .unwrap_or(edges.len() - 1);
    let mut p = Panel::lines(
        "Share of reads stale at T, for every staleness bound T",
        Axis::new("staleness bound T (ms, log scale)", Scale::Log),
        Axis::from_zero("reads stale at T (%)"),
    );
    for (region, m, band) in &curves {
        let mut s = Series {
            name: (*region).clone(),
            color: region_color(summary, region),
            ..Series::default()
        };
        for i in first..=last {
            s.points.push((edges[i], m[i] * 100.0));
            if band[i].0.is_finite() && band[i].1.is_finite() {
                s.band
                    .push((edges[i], band[i].0 * 100.0, band[i].1 * 100.0));
            }
        }
        p.series.push(s);
    }
    let bounds = keys(clients.values().next().and_then(|c| c.get("stale_reads")));
    for b in &bounds {
        if let Ok(d) = crate::scenario::parse_duration(b) {
            let ms = d.as_millis_f64();
            if ms > 0.0 {
                p.vlines.push(RefLine {
                    at: ms,
                    label: format!(" T = {b}"),
                });
            }
        }
    }
    // SLOs on a stale share: a marker at (T, bound).
    let mut slos = Series {
        name: String::new(),
        color: 6,
        ..Series::default()
    };
    for v in point["slo"].as_array().into_iter().flatten() {
        let metric = v["metric"].as_str().unwrap_or_default();
        let segs: Vec<&str> = metric.split('.').collect();
        let Some(k) = segs.iter().position(|&s| s == "stale_reads") else {
            continue;
        };
        let (Some(bound), Some(max)) = (segs.get(k + 1), v["max"].as_f64()) else {
            continue;
        };
        let Ok(d) = crate::scenario::parse_duration(bound) else {
            continue;
        };
        if d.as_millis_f64() > 0.0 {
            slos.markers.push((
                d.as_millis_f64(),
                max * 100.0,
                format!(
                    " SLO {}: {}",
                    v["bound"].as_str().unwrap_or_default(),
                    segs[1]
                ),
            ));
        }
    }
    if !slos.markers.is_empty() {
        p.series.push(slos);
    }
    Some(Figure {
        stem: "staleness-age".into(),
        title: point_title(summary, point, "how stale reads are"),
        panels: vec![p],
    })
}

/// The t-visibility curves of each leaderless dataset with probe times:
/// a panel per dataset and region whose writes were probed (the write's
/// coordinator), the share of probe reads that saw a write against the
/// time after its commit they started, one line per reading region and a
/// grey one for every pair of the dataset. Reads `datasets.D.quorum`.
pub fn t_visibility(summary: &Value, point: &Value) -> Option<Figure> {
    /// (x, share in %, its band in shares).
    type Point = (f64, f64, Option<(f64, f64)>);
    let datasets = point["figures"]["datasets"].as_object()?;
    let mut panels = Vec::new();
    for (name, d) in datasets {
        let Some(q) = d.get("quorum") else { continue };
        let times = keys(q.get("t_visibility"));
        if times.is_empty() {
            continue;
        }
        let curve = |v: &Value| -> Vec<Point> {
            times
                .iter()
                .enumerate()
                .filter_map(|(i, t)| {
                    let e = &v["t_visibility"][t]["share"];
                    let m = e["mean"].as_f64()?;
                    Some((i as f64, m * 100.0, band_of(e)))
                })
                .collect()
        };
        let series = |label: String, color: usize, points: Vec<Point>| {
            let mut s = Series {
                name: label,
                color,
                ..Series::default()
            };
            for (x, y, band) in points {
                s.points.push((x, y));
                if let Some((lo, hi)) = band {
                    s.band.push((x, lo * 100.0, hi * 100.0));
                }
            }
            s
        };
        let all = curve(q);
        for (writer, row) in q["pairs"].as_object().into_iter().flatten() {
            let lines: Vec<Series> = row
                .as_object()
                .into_iter()
                .flatten()
                .map(|(reader, pair)| (reader, curve(pair)))
                .filter(|(_, points)| !points.is_empty())
                .map(|(reader, points)| {
                    series(
                        format!("read in {reader}"),
                        region_color(summary, reader),
                        points,
                    )
                })
                .collect();
            if lines.is_empty() {
                continue;
            }
            let mut p = Panel::lines(
                format!("{name}: writes coordinated in {writer}"),
                Axis::new(
                    "time after the commit the read starts",
                    Scale::Categories(times.clone()),
                ),
                Axis::from_zero("reads that see the write (%)"),
            );
            p.series = lines;
            p.series
                .push(series("every pair".into(), GREY, all.clone()));
            panels.push(p);
        }
    }
    if panels.is_empty() {
        return None;
    }
    Some(Figure {
        stem: "t-visibility".into(),
        title: point_title(summary, point, "how soon reads see writes (t-visibility)"),
        panels,
    })
}
