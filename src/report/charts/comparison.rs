//! Comparisons: scenarios side by side, and placement strategies swept on one workload.

use super::*;

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
    // NaN: the scenario has no such figure (no replica, no read), drawn
    // as "n/a".
    let worst = |s: &Value, group: &str, tail: &str| -> f64 {
        let mut best = f64::NAN;
        for p in s["points"].as_array().into_iter().flatten() {
            for (_, c) in p["figures"][group].as_object().into_iter().flatten() {
                if group == "datasets" {
                    for (_, r) in c["replicas"].as_object().into_iter().flatten() {
                        if let Some(v) = mean(r, tail) {
                            best = best.max(v);
                        }
                    }
                } else if let Some(v) = mean(c, tail) {
                    best = best.max(v);
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
        let log = lo.is_finite() && hi / lo > 20.0;
        let y = if log {
            // Bars rise from a decade below the smallest, so it shows.
            let mut a = Axis::new(format!("{unit}, log scale"), Scale::Log);
            a.include = Some(10f64.powf(lo.log10().floor() - 1.0));
            a
        } else {
            Axis::from_zero(*unit)
        };
        if names.len() > MAX_UPRIGHT {
            panels.push(lollipops(title, &names, y, &values, i));
            continue;
        }
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

/// Beyond this many scenarios their names would overprint under upright
/// bars: each gets a row instead ([`lollipops`]).
const MAX_UPRIGHT: usize = 6;

/// One row per scenario, first on top, its name beside it: a line from the
/// axis's start to its value, the value written at the end ("n/a" where
/// the scenario has no such figure). `value_axis` becomes the x axis.
fn lollipops(
    title: &str,
    names: &[String],
    value_axis: Axis,
    values: &[f64],
    color: usize,
) -> Panel {
    let n = names.len();
    let row = |k: usize| (n - 1 - k) as f64;
    let mut rows: Vec<String> = names.to_vec();
    rows.reverse();
    let start = value_axis.include.unwrap_or(0.0);
    let mut p = Panel::lines(title, value_axis, Axis::new("", Scale::Categories(rows)));
    for (k, &v) in values.iter().enumerate() {
        let y = row(k);
        if v.is_nan() {
            p.series.push(Series {
                color,
                points: vec![(start, y)],
                markers: vec![(start, y, " n/a".into())],
                labels_only: true,
                ..Series::default()
            });
            continue;
        }
        p.series.push(Series {
            color,
            points: vec![(start, y), (v, y)],
            ..Series::default()
        });
        // Its own one-point series: a place keeps its label however many
        // rows there are.
        p.series.push(Series {
            color,
            points: vec![(v, y)],
            // Milliseconds in the unit they read best in: 593,511 reads
            // "9.89min".
            markers: vec![(v, y, format!(" {}", ms_text(v)))],
            ..Series::default()
        });
    }
    p
}

/// Write strategies side by side: for a sweep over a dataset's
/// `placement`, one bar per point in each panel: the slowest region's
/// write p50 and p99, the worst region's share of reads stale at the first
/// bound, conflicts per second and lost updates (share of writes) over
/// every dataset, with residency rules residency violations, and with a
/// `cost` section the monthly bill (transfer and replicated writes). Reads
/// `clients.R.write_latency`, `clients.R.stale_reads.T.share`,
/// `datasets.D.conflicts`, `residency.violations`,
/// `cost.total_usd_per_month`.
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
    if points.iter().any(|p| !p["figures"]["cost"].is_null()) {
        metrics.push((
            "Monthly network bill (transfer, replicated writes, internet egress)".into(),
            "USD a month",
            Box::new(|p: &Value| mean(&p["figures"], "cost.total_usd_per_month").unwrap_or(0.0)),
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
                // The palette's black (index 6) is too heavy for a bar.
                color: i % 6,
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
