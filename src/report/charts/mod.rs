//! Charts for design reviews, drawn from `summary.json` alone.
//!
//! Each chart is one small function from a scenario's summary (and one
//! sweep point) to an optional [`Figure`]; it returns `None` until the data
//! it needs exists, so adding a metric and its chart is one function and
//! one line in [`POINT_CHARTS`] or [`SCENARIO_CHARTS`]. Functions written
//! ahead of their data document the summary paths they read.

mod figure;
mod render;
mod world;

pub use render::Placed;

pub use figure::{
    Axis, Figure, Marks, Panel, RefLine, Scale, Series, Window, COAST, GREY, GREYS, PALETTE,
};

use crate::error::{Error, Result};
use crate::metrics::Unit;
use crate::report::aggregate::{at, series_at, series_len};
use crate::report::write_file;
use rayon::prelude::*;
use serde_json::Value;
use std::path::Path;

/// A chart of one sweep point (or of the scenario when it has no sweep).
type PointChart = fn(summary: &Value, point: &Value) -> Option<Figure>;
/// Charts of a whole scenario.
type ScenarioChart = fn(summary: &Value) -> Vec<Figure>;

/// Per-point charts, in page order.
pub const POINT_CHARTS: &[PointChart] = &[
    latency_cdf,
    replication_lag,
    availability,
    utilisation,
    failover_timeline,
    recovery_distribution,
    consistency,
    conflicts,
    staleness_age,
];
/// Whole-scenario charts, in page order.
pub const SCENARIO_CHARTS: &[ScenarioChart] = &[topology, sweep_slos, strategies];

/// Lays `fig` out as it is drawn: the image's (width, height) and the box
/// of every text the layout placed (title, legend entries, labels).
pub fn render_layout(fig: &Figure) -> std::result::Result<(u32, u32, Vec<render::Placed>), String> {
    let (w, h) = render::size(fig);
    render::svg_with_layout(fig).map(|(_, boxes)| (w, h, boxes))
}

/// A chart as written: its file stem, title and SVG text.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// File name without extension, under `NAME/charts/`.
    pub stem: String,
    /// The figure's title.
    pub title: String,
    /// Index of the sweep point it shows, if it shows one.
    pub point: Option<usize>,
    /// The SVG document.
    pub svg: String,
}

fn mean(v: &Value, path: &str) -> Option<f64> {
    at(v, path)?.get("mean")?.as_f64()
}

/// The means of an aggregated series (elements without one left out).
fn means(v: Option<&Value>) -> Vec<f64> {
    (0..series_len(v))
        .filter_map(|i| series_at(v, i).0)
        .collect()
}

/// The band of an aggregated figure: its interval, or for an extreme its
/// range over replications.
fn band_of(e: &Value) -> Option<(f64, f64)> {
    let pair = |a: &str, b: &str| Some((e[a].as_f64()?, e[b].as_f64()?));
    pair("ci_low", "ci_high").or_else(|| pair("min", "max"))
}

fn keys(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_object)
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// Colour index of a region: its position in the scenario, so a region has
/// one colour in every chart.
fn region_color(summary: &Value, region: &str) -> usize {
    if let Some(c) = summary["region_colors"][region].as_u64() {
        return c as usize;
    }
    keys(summary.get("regions"))
        .iter()
        .position(|r| r == region)
        .unwrap_or(0)
}

/// The summaries with one region-to-colour map for the whole report
/// (`region_colors`: each region's palette index, in order of first
/// appearance over all scenarios), so that a region has one colour on every
/// chart of the page, in every scenario.
pub fn with_region_colors(summaries: &[Value]) -> Vec<Value> {
    let mut order: Vec<String> = Vec::new();
    for s in summaries {
        for r in keys(s.get("regions")) {
            if !order.contains(&r) {
                order.push(r);
            }
        }
    }
    let map: serde_json::Map<String, Value> = order
        .iter()
        .enumerate()
        .map(|(i, r)| (r.clone(), Value::from(i)))
        .collect();
    summaries
        .iter()
        .map(|s| {
            let mut s = s.clone();
            s["region_colors"] = Value::Object(map.clone());
            s
        })
        .collect()
}

/// End of each bucket, in seconds after the warm-up.
fn bucket_ends(summary: &Value, n: usize) -> Vec<f64> {
    let w = summary["bucket_s"].as_f64().unwrap_or(1.0);
    let d = summary["duration_s"].as_f64().unwrap_or(w * n as f64);
    (1..=n).map(|i| (w * i as f64).min(d)).collect()
}

/// A distribution curve from a latency figure: (value, level) points and
/// markers at p50, p99 and p99.9.
fn cdf_series(summary: &Value, latency: &Value, name: &str, color: usize) -> Option<Series> {
    let levels: Vec<f64> = summary["quantile_levels"]
        .as_array()?
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    let values = means(latency.get("quantiles_ms"));
    if values.is_empty() || values.len() != levels.len() {
        return None;
    }
    let points: Vec<(f64, f64)> = values.iter().copied().zip(levels.iter().copied()).collect();
    let markers = [(0.5, "p50"), (0.99, "p99"), (0.999, "p99.9")]
        .iter()
        .filter_map(|&(q, label)| {
            let i = levels.iter().position(|&l| (l - q).abs() < 1e-12)?;
            Some((values[i], q, format!(" {label} {}", ms_text(values[i]))))
        })
        .collect();
    Some(Series {
        name: name.to_string(),
        color,
        points,
        markers,
        ..Series::default()
    })
}

fn ms_text(v: f64) -> String {
    if v >= 1000.0 {
        format!("{:.2}s", v / 1000.0)
    } else if v >= 10.0 {
        format!("{v:.0}ms")
    } else {
        format!("{v:.1}ms")
    }
}

/// A time series with its confidence band from an aggregated series.
fn time_series(
    summary: &Value,
    values: Option<&Value>,
    scale: f64,
    name: &str,
    color: usize,
) -> Option<Series> {
    let t = bucket_ends(summary, series_len(values));
    let mut s = Series {
        name: name.to_string(),
        color,
        ..Series::default()
    };
    for (i, &x) in t.iter().enumerate() {
        let (Some(m), band) = series_at(values, i) else {
            continue;
        };
        s.points.push((x, m * scale));
        if let Some((lo, hi)) = band {
            s.band.push((x, lo * scale, hi * scale));
        }
    }
    (!s.points.is_empty()).then_some(s)
}

fn point_label(summary: &Value, point: &Value) -> String {
    if summary["sweep"].is_null() {
        String::new()
    } else {
        format!(" [{}]", point["label"].as_str().unwrap_or_default())
    }
}

/// A point chart's title: `SCENARIO: WHAT [POINT]` (the point only in a
/// sweep).
fn point_title(summary: &Value, point: &Value, what: &str) -> String {
    format!(
        "{}: {what}{}",
        summary["scenario"].as_str().unwrap_or_default(),
        point_label(summary, point)
    )
}

/// Latency CDF per client region, reads and writes: log-scaled latency,
/// tail-stretched percentiles, p50/p99/p99.9 marked. Reads
/// `clients.R.{read,write}_latency.quantiles_ms`.
pub fn latency_cdf(summary: &Value, point: &Value) -> Option<Figure> {
    let clients = point["figures"]["clients"].as_object()?;
    let mut panels = Vec::new();
    for (op, key) in [("Reads", "read_latency"), ("Writes", "write_latency")] {
        let mut p = Panel::lines(
            format!("{op}: latency seen by users, per client region"),
            Axis::new("latency, send to receipt (ms, log scale)", Scale::Log),
            Axis::new("requests at or below (percentile)", Scale::Nines),
        );
        for (region, c) in clients {
            if let Some(s) = cdf_series(summary, &c[key], region, region_color(summary, region)) {
                p.series.push(s);
            }
        }
        if !p.series.is_empty() {
            panels.push(p);
        }
    }
    (!panels.is_empty()).then(|| Figure {
        stem: "latency-cdf".into(),
        title: point_title(summary, point, "request latency"),
        panels,
    })
}

/// SLO bounds on figures under `prefix`, as reference lines (in ms).
fn slo_lines(point: &Value, prefix: &str) -> Vec<RefLine> {
    point["slo"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| {
            v["metric"].as_str().is_some_and(|m| {
                m.starts_with(prefix) && crate::metrics::unit_of(m) == Some(Unit::Millis)
            })
        })
        .flat_map(|v| {
            let name = v["name"].as_str().unwrap_or_default().to_string();
            let bound = v["bound"].as_str().unwrap_or_default().to_string();
            [v["max"].as_f64(), v["min"].as_f64()]
                .into_iter()
                .flatten()
                .map(move |at| RefLine {
                    at,
                    label: format!(" SLO {bound}: {name}"),
                })
        })
        .collect()
}

/// Replication lag: the current lag over time per replica (with its 95 %
/// band and SLO bounds) and the lag distribution. Reads
/// `datasets.D.replicas.R.{current_lag_ms, lag.quantiles_ms}`.
pub fn replication_lag(summary: &Value, point: &Value) -> Option<Figure> {
    let datasets = point["figures"]["datasets"].as_object()?;
    let several = datasets
        .values()
        .filter(|d| d["replicas"].as_object().is_some_and(|r| !r.is_empty()))
        .count()
        > 1;
    let mut time_panels = Vec::new();
    let mut distribution_panels = Vec::new();
    // A panel pair per dataset when there are several, so that each
    // replica is drawn in its region's colour without two lines sharing it.
    for (ds, d) in datasets {
        let of = if several {
            format!(" of {ds}")
        } else {
            String::new()
        };
        let mut over_time = Panel::lines(
            format!("Current lag{of}: how far each replica trails its primary"),
            Axis::from_zero("time since the warm-up ended (s)"),
            Axis::from_zero("current lag (ms)"),
        );
        let mut distribution = Panel::lines(
            format!("Lag of each write{of}: commit at the primary to apply at the replica"),
            Axis::new("replication lag (ms, log scale)", Scale::Log),
            Axis::new("writes at or below (percentile)", Scale::Nines),
        );
        for (region, r) in d["replicas"].as_object().into_iter().flatten() {
            let color = region_color(summary, region);
            if let Some(s) = time_series(summary, r.get("current_lag_ms"), 1.0, region, color) {
                over_time.series.push(s);
            }
            if let Some(s) = cdf_series(summary, &r["lag"], region, color) {
                distribution.series.push(s);
            }
            let prefix = format!("datasets.{ds}.replicas.{region}.");
            over_time.hlines.extend(slo_lines(point, &prefix));
            distribution.vlines.extend(slo_lines(point, &prefix));
        }
        if !over_time.series.is_empty() {
            time_panels.push(over_time);
            distribution_panels.push(distribution);
        }
    }
    if time_panels.is_empty() {
        return None;
    }
    time_panels.extend(distribution_panels);
    Some(Figure {
        stem: "replication-lag".into(),
        title: point_title(summary, point, "replication lag"),
        panels: time_panels,
    })
}

/// Availability over time per client region, failure windows shaded and
/// failover milestones marked. Reads `clients.R.timeline.availability` (one
/// share per bucket), `failures[] {label, start_ms, end_ms}` and
/// `failovers[] {dataset, detection_ms, dns_95_ms, promotion_ms}` of a
/// point's figures; absent when every request succeeded and nothing failed.
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
    for fo in f["failovers"].as_array().into_iter().flatten() {
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

/// The scheduled failures of a point's figures `f` as shaded windows, in
/// seconds of the measured span.
fn failure_windows(f: &Value) -> Vec<Window> {
    f["failures"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|w| {
            let (a, b) = (mean(w, "start_ms")?, mean(w, "end_ms")?);
            Some(Window {
                from: a / 1000.0,
                to: b / 1000.0,
                label: format!(" {}", w["label"].as_str().unwrap_or("failure")),
            })
        })
        .collect()
}

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

/// Incidents a timeline chart draws, one panel each.
const TIMELINE_PANELS: usize = 4;

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
        let end = mean(inc, "failure_end_ms").map(|e| e / 1000.0);
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
        panels.push(p);
    }
    (!panels.is_empty()).then(|| Figure {
        stem: "failover-timeline".into(),
        title: point_title(summary, point, "failover timeline"),
        panels,
    })
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

/// The per-user anomalies (`clients.R.timeline.anomalies_per_s.KIND`, in
/// scenarios with users): key, panel title, unit.
const ANOMALIES: [(&str, &str, &str); 3] = [
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
const STALE_PANELS: usize = 4;

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
        Axis::from_zero("reads missing a write committed T or more before (%)"),
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

/// The unit of a figure path (as SLOs read it), as an axis suffix, and
/// the factor to it.
fn unit_of(metric: &str) -> (&'static str, f64) {
    crate::metrics::unit_of(metric).map_or(("", 1.0), Unit::axis)
}

/// A swept value on a numeric axis: a number, or a duration in ms.
fn numeric(v: &Value) -> Option<(f64, bool)> {
    match v {
        Value::Number(n) => n.as_f64().map(|x| (x, false)),
        Value::String(t) => crate::scenario::parse_duration(t)
            .ok()
            .map(|d| (d.as_millis_f64(), true)),
        _ => None,
    }
}

/// Positions for swept values on a numeric axis: the values themselves
/// when they are numbers or durations; for values of one shape that differ
/// in a single number or duration (`{exponential: {mean: 2ms}}`), that one.
/// Also what the axis shows (`: exponential mean`) and whether it is a
/// duration (in ms).
fn numeric_axis(values: &[&Value]) -> Option<(Vec<f64>, String, bool)> {
    if values.is_empty() {
        return None;
    }
    if let Some(direct) = values
        .iter()
        .map(|v| numeric(v))
        .collect::<Option<Vec<_>>>()
    {
        let is_duration = direct.iter().all(|d| d.1);
        return Some((
            direct.iter().map(|d| d.0).collect(),
            String::new(),
            is_duration,
        ));
    }
    fn leaves(v: &Value, at: String, out: &mut Vec<(String, Value)>) {
        match v {
            Value::Object(o) => {
                for (k, x) in o {
                    let next = if at.is_empty() {
                        k.clone()
                    } else {
                        format!("{at} {k}")
                    };
                    leaves(x, next, out);
                }
            }
            other => out.push((at, other.clone())),
        }
    }
    let flat: Vec<Vec<(String, Value)>> = values
        .iter()
        .map(|v| {
            let mut out = Vec::new();
            leaves(v, String::new(), &mut out);
            out
        })
        .collect();
    let keys: Vec<&String> = flat[0].iter().map(|(k, _)| k).collect();
    if flat
        .iter()
        .any(|f| f.iter().map(|(k, _)| k).ne(keys.iter().copied()))
    {
        return None;
    }
    let varying: Vec<usize> = (0..keys.len())
        .filter(|&i| flat.iter().any(|f| f[i].1 != flat[0][i].1))
        .collect();
    let [i] = varying[..] else {
        return None;
    };
    let direct = flat
        .iter()
        .map(|f| numeric(&f[i].1))
        .collect::<Option<Vec<_>>>()?;
    let is_duration = direct.iter().all(|d| d.1);
    Some((
        direct.iter().map(|d| d.0).collect(),
        format!(": {}", keys[i]),
        is_duration,
    ))
}

/// A figure's path in words for an axis: `...stale_reads.500ms.share` is
/// "reads stale at 500ms", `...read_latency.p99_ms` "read latency p99".
pub fn metric_words(metric: &str) -> String {
    let parts: Vec<&str> = metric.split('.').collect();
    let n = parts.len();
    if n >= 3 && parts[n - 3] == "stale_reads" {
        let what = if parts[n - 1] == "count" {
            "stale reads"
        } else {
            "reads stale"
        };
        return format!("{what} at {}", parts[n - 2]);
    }
    // The unit goes on the axis, from the unit table: the words drop it.
    let leaf = parts[n - 1];
    let last = match crate::metrics::unit_of(leaf) {
        Some(Unit::Millis) => leaf.trim_end_matches("_ms"),
        Some(Unit::PerSecond) => leaf.trim_end_matches("_per_s"),
        Some(Unit::Seconds) => leaf.trim_end_matches("_s"),
        _ => leaf,
    };
    let prev = if n >= 2 { parts[n - 2] } else { "" };
    format!("{prev} {last}")
        .replace('_', " ")
        .trim()
        .to_string()
}

/// For a sweep: each SLO's metric against the first swept parameter (on a
/// numeric axis when its values are numbers or durations, log-scaled when
/// they span a decade), one line per combination of the other parameters,
/// or for a zip sweep one line with the others' values labelled at each
/// point; 95 % bands, the bound drawn.
pub fn sweep_slos(summary: &Value) -> Vec<Figure> {
    let Some(params) = summary["sweep"]["parameters"].as_array() else {
        return Vec::new();
    };
    let params: Vec<&str> = params.iter().filter_map(Value::as_str).collect();
    let points: &[Value] = summary["points"].as_array().map_or(&[], Vec::as_slice);
    let Some((first, rest)) = params.split_first() else {
        return Vec::new();
    };
    let zip = summary["sweep"]["mode"] == "zip";
    let short = crate::scenario::variants::short_paths(&params);
    let short_of = |k: &str| {
        let i = params.iter().position(|p| *p == k).unwrap_or(0);
        short[i].clone()
    };
    // Where each point sits on the x axis.
    let firsts: Vec<&Value> = points.iter().map(|p| &p["parameters"][*first]).collect();
    let (x_axis, xs): (Axis, Vec<f64>) =
        if let Some((vals, what, is_duration)) = numeric_axis(&firsts) {
            let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let log = lo > 0.0 && hi / lo >= 10.0;
            let label = format!(
                "{}{what} (swept{}{})",
                short[0],
                if is_duration { ", ms" } else { "" },
                if log { ", log scale" } else { "" }
            );
            (
                Axis::new(label, if log { Scale::Log } else { Scale::Linear }),
                vals,
            )
        } else {
            let mut categories: Vec<String> = Vec::new();
            for p in points {
                let v = super::format::parameter(&p["parameters"][*first]);
                if !categories.contains(&v) {
                    categories.push(v);
                }
            }
            let xs = points
                .iter()
                .map(|p| {
                    let v = super::format::parameter(&p["parameters"][*first]);
                    categories.iter().position(|c| *c == v).unwrap_or(0) as f64
                })
                .collect();
            (
                Axis::new(
                    format!("{} (swept)", short[0]),
                    Scale::Categories(categories),
                ),
                xs,
            )
        };
    let slos = points
        .first()
        .and_then(|p| p["slo"].as_array().cloned())
        .unwrap_or_default();
    let mut out = Vec::new();
    for (i, slo) in slos.iter().enumerate() {
        let metric = slo["metric"].as_str().unwrap_or_default();
        let (unit, scale) = unit_of(metric);
        let what = metric_words(metric);
        let mut panel = Panel::lines(
            format!(
                "{} ({})",
                slo["name"].as_str().unwrap_or_default(),
                slo["bound"].as_str().unwrap_or_default()
            ),
            x_axis.clone(),
            Axis::from_zero(format!("{} ({unit})", what.trim())),
        );
        let mut lines: Vec<Series> = Vec::new();
        for (p, &x) in points.iter().zip(&xs) {
            let others = rest
                .iter()
                .map(|k| {
                    format!(
                        "{}={}",
                        short_of(k),
                        super::format::parameter(&p["parameters"][*k])
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            let name = if rest.is_empty() {
                "mean, 95 % band".to_string()
            } else if zip {
                format!(
                    "zipped with {}",
                    rest.iter()
                        .map(|k| short_of(k))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                others.clone()
            };
            let Some(e) = at(&p["figures"], metric) else {
                continue;
            };
            let Some(m) = e["mean"].as_f64() else {
                continue;
            };
            let k = match lines.iter().position(|s| s.name == name) {
                Some(k) => k,
                None => {
                    lines.push(Series {
                        name: name.clone(),
                        color: lines.len(),
                        ..Series::default()
                    });
                    lines.len() - 1
                }
            };
            lines[k].points.push((x, m * scale));
            if let Some((lo, hi)) = band_of(e) {
                lines[k].band.push((x, lo * scale, hi * scale));
            }
            if zip && !rest.is_empty() {
                lines[k].markers.push((x, m * scale, format!(" {others}")));
            }
        }
        for l in &mut lines {
            // Points in x order, so lines join neighbours.
            let mut order: Vec<usize> = (0..l.points.len()).collect();
            order.sort_by(|&a, &b| l.points[a].0.total_cmp(&l.points[b].0));
            l.points = order.iter().map(|&j| l.points[j]).collect();
            l.band.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        // Spanning orders of magnitude (an overloaded point): log scale,
        // with interval ends below the smallest mean clamped into view.
        let ms: Vec<f64> = lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.1))
            .collect();
        let lo = ms.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = ms.iter().copied().fold(0.0, f64::max);
        if lo > 0.0 && hi / lo > 30.0 {
            panel.y = Axis::new(format!("{} (log scale)", panel.y.label), Scale::Log);
            for l in &mut lines {
                for b in &mut l.band {
                    b.1 = b.1.max(lo / 3.0);
                }
            }
        }
        panel.series = lines;
        for key in ["max", "min"] {
            if let Some(b) = slo[key].as_f64() {
                panel.hlines.push(RefLine {
                    at: b * scale,
                    label: format!(" SLO {}", slo["bound"].as_str().unwrap_or_default()),
                });
            }
        }
        out.push(Figure {
            stem: format!("sweep-slo-{}", i + 1),
            title: format!(
                "{}: SLO across the sweep",
                summary["scenario"].as_str().unwrap_or_default()
            ),
            panels: vec![panel],
        });
    }
    out
}

/// Latency classes of links on the topology figure (mean one-way, ms), in
/// greys from light to dark: colours belong to regions.
const LINK_CLASSES: [(f64, &str, usize); 4] = [
    (50.0, "link < 50 ms one way", GREYS[0]),
    (100.0, "link 50-100 ms", GREYS[1]),
    (150.0, "link 100-150 ms", GREYS[2]),
    (f64::INFINITY, "link >= 150 ms", GREYS[3]),
];

/// The coastlines inside `view` (lon0, lat0, lon1, lat1), as one series of
/// segments broken where they leave it.
fn coastlines(view: (f64, f64, f64, f64)) -> Series {
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
            if d["primary"].as_str() == Some("") && d["replicas"].get(name.as_str()).is_some() {
                roles.push(format!("{ds} active-active copy"));
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

/// Headline figures side by side across scenarios, one panel per figure:
/// the worst client region or replica over every sweep point of each
/// scenario, on a log axis when the bars span more than 20x (an overloaded
/// scenario's minutes of lag would flatten milliseconds to nothing).
pub fn comparison(summaries: &[Value]) -> Option<Figure> {
    if summaries.len() < 2 {
        return None;
    }
    let names: Vec<String> = summaries
        .iter()
        .map(|s| {
            let name = s["scenario"].as_str().unwrap_or_default();
            match s["points"].as_array().map_or(0, Vec::len) {
                n if n > 1 => format!("{name} (worst of {n} points)"),
                _ => name.to_string(),
            }
        })
        .collect();
    let worst = |s: &Value, group: &str, tail: &str| -> f64 {
        let mut best = 0.0f64;
        for p in s["points"].as_array().into_iter().flatten() {
            for (_, c) in p["figures"][group].as_object().into_iter().flatten() {
                if group == "datasets" {
                    for (_, r) in c["replicas"].as_object().into_iter().flatten() {
                        best = best.max(mean(r, tail).unwrap_or(0.0));
                    }
                } else {
                    best = best.max(mean(c, tail).unwrap_or(0.0));
                }
            }
        }
        best
    };
    let metrics = [
        (
            "Slowest region's read p99",
            "read p99 (ms)",
            "clients",
            "read_latency.p99_ms",
        ),
        (
            "Slowest region's write p99",
            "write p99 (ms)",
            "clients",
            "write_latency.p99_ms",
        ),
        (
            "Worst replica's lag p99",
            "lag p99 (ms)",
            "datasets",
            "lag.p99_ms",
        ),
    ];
    let mut panels = Vec::new();
    for (i, (title, unit, group, tail)) in metrics.iter().enumerate() {
        let values: Vec<f64> = summaries.iter().map(|s| worst(s, group, tail)).collect();
        let lo = values
            .iter()
            .copied()
            .filter(|&v| v > 0.0)
            .fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(0.0, f64::max);
        let y = if lo.is_finite() && hi / lo > 20.0 {
            // Bars rise from a decade below the smallest, so it shows.
            let mut a = Axis::new(format!("{unit}, log scale"), Scale::Log);
            a.include = Some(10f64.powf(lo.log10().floor() - 1.0));
            a
        } else {
            Axis::from_zero(*unit)
        };
        let mut p = Panel::lines(
            *title,
            Axis::new("scenario", Scale::Categories(names.clone())),
            y,
        );
        p.marks = Marks::Bars;
        // The panel's title says what the bars are: no legend entry.
        p.series.push(Series {
            name: String::new(),
            color: i,
            points: values
                .iter()
                .enumerate()
                .map(|(k, &v)| (k as f64, v))
                .collect(),
            ..Series::default()
        });
        panels.push(p);
    }
    Some(Figure {
        stem: "comparison".into(),
        title: "Scenarios side by side (the worst point of each)".into(),
        panels,
    })
}

/// Write strategies side by side: for a sweep over a dataset's
/// `placement`, one bar per point in each panel: the slowest region's
/// write p50 and p99, the worst region's share of reads stale at the first
/// bound, conflicts per second and lost updates (share of writes) over
/// every dataset, and, with residency rules, residency violations. Reads
/// `clients.R.write_latency`, `clients.R.stale_reads.T.share`,
/// `datasets.D.conflicts`, `residency.violations`.
pub fn strategies(summary: &Value) -> Vec<Figure> {
    let swept_placement = summary["sweep"]["parameters"].as_array().is_some_and(|ps| {
        ps.iter()
            .any(|p| p.as_str().is_some_and(|p| p.ends_with(".placement")))
    });
    let points: &[Value] = summary["points"].as_array().map_or(&[], Vec::as_slice);
    if !swept_placement || points.len() < 2 {
        return Vec::new();
    }
    let labels: Vec<String> = points
        .iter()
        .map(|p| p["label"].as_str().unwrap_or_default().to_string())
        .collect();
    let worst_client = |p: &Value, path: &str| -> f64 {
        p["figures"]["clients"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(_, c)| mean(c, path))
            .fold(0.0, f64::max)
    };
    let over_datasets = |p: &Value, path: &str, max: bool| -> f64 {
        let values = p["figures"]["datasets"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(_, d)| mean(d, path));
        if max {
            values.fold(0.0, f64::max)
        } else {
            values.sum()
        }
    };
    let bound = points[0]["figures"]["clients"]
        .as_object()
        .and_then(|c| c.values().next())
        .map(|c| keys(c.get("stale_reads")))
        .and_then(|b| b.into_iter().next());
    type Metric<'a> = (String, &'static str, Box<dyn Fn(&Value) -> f64 + 'a>);
    let mut metrics: Vec<Metric> = vec![
        (
            "Write latency p50, slowest client region".into(),
            "ms",
            Box::new(|p: &Value| worst_client(p, "write_latency.p50_ms")),
        ),
        (
            "Write latency p99, slowest client region".into(),
            "ms",
            Box::new(|p: &Value| worst_client(p, "write_latency.p99_ms")),
        ),
    ];
    if let Some(b) = bound {
        let path = format!("stale_reads.{b}.share");
        metrics.push((
            format!("Reads stale at T = {b}, worst client region"),
            "%",
            Box::new(move |p: &Value| 100.0 * worst_client(p, &path)),
        ));
    }
    metrics.push((
        "Write conflicts, every dataset".into(),
        "conflicts per second",
        Box::new(|p: &Value| over_datasets(p, "conflicts.conflicts_per_s", false)),
    ));
    metrics.push((
        "Lost updates, worst dataset".into(),
        "% of writes",
        Box::new(|p: &Value| 100.0 * over_datasets(p, "conflicts.lost_update_share", true)),
    ));
    if points.iter().any(|p| !p["figures"]["residency"].is_null()) {
        metrics.push((
            "Residency violations".into(),
            "writes at rest where they may not be",
            Box::new(|p: &Value| mean(&p["figures"], "residency.violations").unwrap_or(0.0)),
        ));
    }
    let panels = metrics
        .iter()
        .enumerate()
        .map(|(i, (title, unit, value))| {
            let mut p = Panel::lines(
                title.clone(),
                Axis::new("strategy", Scale::Categories(labels.clone())),
                Axis::from_zero(*unit),
            );
            p.marks = Marks::Bars;
            p.series.push(Series {
                name: String::new(),
                color: i,
                points: points
                    .iter()
                    .enumerate()
                    .map(|(k, pt)| (k as f64, value(pt)))
                    .collect(),
                ..Series::default()
            });
            p
        })
        .collect();
    vec![Figure {
        stem: "strategies".into(),
        title: format!(
            "{}: write strategies side by side",
            summary["scenario"].as_str().unwrap_or_default()
        ),
        panels,
    }]
}

/// Every figure of a scenario: per-point charts (suffixed `-pK` in a
/// sweep), then whole-scenario charts.
pub fn figures(summary: &Value) -> Vec<(Option<usize>, Figure)> {
    let points: &[Value] = summary["points"].as_array().map_or(&[], Vec::as_slice);
    let swept = !summary["sweep"].is_null();
    let mut out = Vec::new();
    for chart in POINT_CHARTS {
        for (k, p) in points.iter().enumerate() {
            if let Some(mut f) = chart(summary, p) {
                if swept {
                    f.stem = format!("{}-p{}", f.stem, k + 1);
                }
                out.push((Some(k), f));
            }
        }
    }
    for chart in SCENARIO_CHARTS {
        out.extend(chart(summary).into_iter().map(|f| (None, f)));
    }
    out
}

pub fn write_figure(dir: &Path, f: &Figure, point: Option<usize>) -> Result<Rendered> {
    let internal = |e: String| Error::Internal(format!("drawing chart {}: {e}", f.stem));
    let svg = render::svg(f).map_err(internal)?;
    write_file(&dir.join(format!("{}.svg", f.stem)), svg.as_bytes())?;
    let png = dir.join(format!("{}.png", f.stem));
    render::png(f, &png).map_err(internal)?;
    Ok(Rendered {
        stem: f.stem.clone(),
        title: f.title.clone(),
        point,
        svg,
    })
}

/// Draws every chart of a scenario into `dir` (SVG and PNG).
pub fn write_scenario_charts(dir: &Path, summary: &Value) -> Result<Vec<Rendered>> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    // Drawn in parallel (on the caller's rayon pool), gathered in order.
    figures(summary)
        .into_par_iter()
        .map(|(point, f)| write_figure(dir, &f, point))
        .collect()
}

/// Draws the cross-scenario comparison into `dir`, if there are two or
/// more scenarios.
pub fn write_comparison(dir: &Path, summaries: &[Value]) -> Result<Option<Rendered>> {
    comparison(summaries)
        .map(|f| write_figure(dir, &f, None))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::metric_words;

    #[test]
    fn metrics_read_as_words_on_axes() {
        assert_eq!(
            metric_words("clients.eu-west-1.stale_reads.500ms.share"),
            "reads stale at 500ms"
        );
        assert_eq!(
            metric_words("clients.b.stale_reads.0ms.count"),
            "stale reads at 0ms"
        );
        assert_eq!(
            metric_words("clients.b.read_latency.p99_ms"),
            "read latency p99"
        );
        assert_eq!(
            metric_words("datasets.users.replicas.b.current_lag_max_ms"),
            "b current lag max"
        );
        assert_eq!(metric_words("network.a.b.messages_per_s"), "b messages");
        assert_eq!(
            metric_words("clients.b.requests.availability"),
            "requests availability"
        );
    }
}
