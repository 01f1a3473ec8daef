//! Availability and failover: availability over time, the failover timeline of each incident, and how long recovery took.

use super::*;

/// Availability over time per client region, failure windows shaded and
/// failover milestones marked. Reads `clients.R.timeline.availability` (one
/// share per bucket), `failures[] {label, start_ms, end_ms}` and
/// `failovers[] {dataset, detection_ms, dns_95_ms, promotion_ms}` of a
/// point's figures (milestones of scheduled failures only); absent when
/// every request succeeded and nothing failed.
pub fn availability(summary: &Value, point: &Value) -> Option<Figure> {
    let f = &point["figures"];
    let mut p = Panel::lines(
        "Availability: share of requests that succeeded",
        Axis::from_zero("time since the warm-up ended (s)"),
        Axis::new("availability (%)", Scale::Linear),
    );
    // Nothing failed anywhere: a flat line at 100 % says less than the
    // table does.
    let clients = f["clients"].as_object();
    let all_succeeded = clients.into_iter().flatten().all(|(_, c)| {
        c.get("requests")
            .and_then(|r| mean(r, "availability"))
            .is_none_or(|a| a >= 1.0)
    });
    if all_succeeded && f["failures"].as_array().is_none_or(Vec::is_empty) {
        return None;
    }
    for (region, c) in clients.into_iter().flatten() {
        if let Some(s) = time_series(
            summary,
            c.get("timeline").and_then(|t| t.get("availability")),
            100.0,
            region,
            region_color(summary, region),
        ) {
            p.series.push(s);
        }
    }
    if p.series.is_empty() {
        return None;
    }
    p.windows.extend(failure_windows(f));
    // SLOs on a region's availability: the line it must stay above.
    for v in point["slo"].as_array().into_iter().flatten() {
        let metric = v["metric"].as_str().unwrap_or_default();
        let segs: Vec<&str> = metric.split('.').collect();
        if let (["clients", region, "requests", "availability"], Some(min)) =
            (segs.as_slice(), v["min"].as_f64())
        {
            let label = format!(" SLO {}: {region}", v["bound"].as_str().unwrap_or_default());
            if p.hlines.iter().all(|l| l.at != 100.0 * min) {
                p.hlines.push(RefLine {
                    at: 100.0 * min,
                    label,
                });
            }
        }
    }
    // Random failures strike at different times in each replication: the
    // mean of their milestones marks no moment of any run (the recovery
    // distribution chart shows them instead).
    let random = point["incidents"]["random_failures"].as_bool() == Some(true);
    for fo in f["failovers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|_| !random)
    {
        for (key, label) in [
            ("detection_ms", "detected"),
            ("dns_95_ms", "DNS 95 %"),
            ("promotion_ms", "promoted"),
        ] {
            if let Some(at) = mean(fo, key) {
                p.vlines.push(RefLine {
                    at: at / 1000.0,
                    label: format!(" {label}"),
                });
            }
        }
    }
    Some(Figure {
        stem: "availability".into(),
        title: point_title(summary, point, "availability"),
        panels: vec![p],
    })
}

/// Incidents a timeline chart draws, one panel each.
pub(super) const TIMELINE_PANELS: usize = 4;

/// The failover timeline of each incident of a scenario with scheduled
/// failures (the first [`TIMELINE_PANELS`]): one row per client region and
/// operation, a bar from the failure start to the moment that region's
/// reads or writes were back, and the incident's milestones as vertical
/// lines. Times are means over replications, from the failure start.
/// Reads `incidents` of the point and `figures.incidents.K`.
pub fn failover_timeline(summary: &Value, point: &Value) -> Option<Figure> {
    if point["incidents"]["random_failures"].as_bool() != Some(false) {
        return None;
    }
    let list = point["figures"]["incidents"].as_array()?;
    let mut panels = Vec::new();
    for (k, inc) in list.iter().take(TIMELINE_PANELS).enumerate() {
        let clients = inc["clients"].as_object()?;
        let mut rows = Vec::new();
        let mut series = Vec::new();
        let mut latest: f64 = 0.0;
        // The first region on top: rows are listed bottom-up.
        let n = 2 * clients.len();
        for (i, (region, c)) in clients.iter().enumerate() {
            for (j, (op, key)) in [("reads", "read_rto_ms"), ("writes", "write_rto_ms")]
                .into_iter()
                .enumerate()
            {
                let y = (n - 1 - (2 * i + j)) as f64;
                rows.push((y, format!("{region} {op}")));
                let Some(rto) = mean(c, key) else {
                    continue;
                };
                let at = rto / 1000.0;
                latest = latest.max(at);
                let color = region_color(summary, region);
                series.push(Series {
                    name: region.clone(),
                    color,
                    points: vec![(0.0, y), (at, y)],
                    ..Series::default()
                });
                // Its own one-point series: a place keeps its label
                // however many bars there are.
                series.push(Series {
                    color,
                    points: vec![(at, y)],
                    markers: vec![(
                        at,
                        y,
                        if rto == 0.0 {
                            " never failed".to_string()
                        } else {
                            format!(" back {}", ms_text(rto))
                        },
                    )],
                    ..Series::default()
                });
            }
        }
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        let rows: Vec<String> = rows.into_iter().map(|(_, r)| r).collect();
        let mut vlines = Vec::new();
        for (key, label) in [
            ("detection_ms", "detected"),
            ("dns_95_ms", "DNS 95 %"),
            ("promotion_ms", "promoted"),
            ("availability_back_ms", "availability back"),
        ] {
            if let Some(at) = mean(inc, key).filter(|&v| v > 0.0) {
                latest = latest.max(at / 1000.0);
                vlines.push(RefLine {
                    at: at / 1000.0,
                    label: format!(" {label}"),
                });
            }
        }
        // The failure's end, when it is inside the picture (a ten-minute
        // outage would otherwise squeeze a one-minute failover to a
        // sliver), or when nothing else happened: then it is the picture.
        // A planned switchover is a moment, not a span: no end to mark.
        let end = mean(inc, "failure_end_ms")
            .map(|e| e / 1000.0)
            .filter(|&e| e > 0.0);
        if let Some(e) = end.filter(|&e| latest == 0.0 || e <= 1.5 * latest) {
            vlines.push(RefLine {
                at: e,
                label: " failure ends".into(),
            });
        }
        let mut p = Panel::lines(
            format!(
                "Incident {}: {} at {:.0} s{}",
                k + 1,
                inc["label"].as_str().unwrap_or("failure"),
                mean(inc, "start_ms").unwrap_or(0.0) / 1000.0,
                end.map_or(String::new(), |e| format!(", lasting {e:.0} s"))
            ),
            Axis::from_zero("time since the failure started (s)"),
            Axis::new("", Scale::Categories(rows)),
        );
        p.series = series;
        p.vlines = vlines;
        p.vlines.extend(rto_objectives(point));
        panels.push(p);
    }
    (!panels.is_empty()).then(|| Figure {
        stem: "failover-timeline".into(),
        title: point_title(summary, point, "failover timeline"),
        panels,
    })
}

/// The recovery-time objectives of a point's SLOs (on a `read_rto_ms` or
/// `write_rto_ms`), once per bound, in seconds from the failure start: the
/// line a region's bar must end before.
fn rto_objectives(point: &Value) -> Vec<RefLine> {
    let mut out: Vec<RefLine> = Vec::new();
    for v in point["slo"].as_array().into_iter().flatten() {
        let metric = v["metric"].as_str().unwrap_or_default();
        if !(metric.ends_with(".read_rto_ms") || metric.ends_with(".write_rto_ms")) {
            continue;
        }
        let Some(max) = v["max"].as_f64() else {
            continue;
        };
        let at = max / 1000.0;
        if out.iter().all(|l| l.at != at) {
            out.push(RefLine {
                at,
                label: format!(" SLO {}", v["bound"].as_str().unwrap_or_default()),
            });
        }
    }
    out
}

/// For random failures: how recovery times and lost-write windows spread
/// over every incident of every replication, as distribution curves per
/// client region. Reads each run's `incidents`.
pub fn recovery_distribution(summary: &Value, point: &Value) -> Option<Figure> {
    if point["incidents"]["random_failures"].as_bool() != Some(true) {
        return None;
    }
    let incidents: Vec<&Value> = point["runs"]
        .as_array()?
        .iter()
        .filter_map(|r| r["incidents"].as_array())
        .flatten()
        .collect();
    if incidents.is_empty() {
        return None;
    }
    // (value, share of incidents at or below it), one point per incident.
    let curve = |values: Vec<f64>| -> Vec<(f64, f64)> {
        let mut v = values;
        v.sort_by(f64::total_cmp);
        let n = v.len() as f64;
        v.iter()
            .enumerate()
            .map(|(i, &x)| (x, 100.0 * (i + 1) as f64 / n))
            .collect()
    };
    let regions = keys(
        point["figures"]["clients"]
            .as_object()
            .map(|_| &point["figures"]["clients"]),
    );
    let mut panels = Vec::new();
    for (op, key) in [("Writes", "write_rto_ms"), ("Reads", "read_rto_ms")] {
        let mut p = Panel::lines(
            format!("{op}: time until back, over {} incidents", incidents.len()),
            Axis::from_zero("recovery time from the failure start (s)"),
            Axis::from_zero("incidents at or below (%)"),
        );
        for region in &regions {
            let values: Vec<f64> = incidents
                .iter()
                .filter_map(|i| i["clients"][region.as_str()][key].as_f64())
                .map(|ms| ms / 1000.0)
                .collect();
            if values.is_empty() {
                continue;
            }
            p.series.push(Series {
                name: region.clone(),
                color: region_color(summary, region),
                points: curve(values),
                ..Series::default()
            });
        }
        if !p.series.is_empty() {
            panels.push(p);
        }
    }
    let lost: Vec<f64> = incidents
        .iter()
        .filter_map(|i| i["lost_window_ms"].as_f64())
        .collect();
    let none_lost = lost.iter().all(|&w| w == 0.0);
    if !none_lost {
        let mut p = Panel::lines(
            "Lost-write window (RPO) over every incident",
            Axis::from_zero("commit-time window of the lost writes (s)"),
            Axis::from_zero("incidents at or below (%)"),
        );
        p.series.push(Series {
            name: "every incident".into(),
            color: GREYS[3],
            points: curve(lost.iter().map(|ms| ms / 1000.0).collect()),
            ..Series::default()
        });
        panels.push(p);
    }
    Some(Figure {
        stem: "recovery-distribution".into(),
        title: point_title(
            summary,
            point,
            if none_lost {
                "recovery across incidents (no acknowledged write lost)"
            } else {
                "recovery across incidents"
            },
        ),
        panels,
    })
}
