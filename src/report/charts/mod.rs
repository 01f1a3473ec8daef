//! Charts for design reviews, drawn from `summary.json` alone.
//!
//! Each chart is one small function from a scenario's summary (and one
//! sweep point) to an optional [`Figure`]; it returns `None` until the data
//! it needs exists, so adding a metric and its chart is one function and
//! one line in [`POINT_CHARTS`] or [`SCENARIO_CHARTS`]. Functions written
//! ahead of their data document the summary paths they read.

mod availability;
mod capacity;
mod compact;
mod comparison;
mod consistency;
mod figure;
mod latency;
mod metastability;
mod render;
mod replication;
mod sweep;
mod topology;
mod world;

pub use availability::*;
pub use capacity::*;
pub use comparison::*;
pub use consistency::*;
pub use latency::*;
pub use metastability::*;
pub use replication::*;
pub use sweep::*;
pub use topology::*;

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
    sustaining_load,
    consistency,
    conflicts,
    staleness_age,
    t_visibility,
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

/// Whether a copy's figures (`datasets.D.replicas.R`) say no write reached
/// it in the measured span: it has no lag to draw.
fn no_write_reached(replica: &Value) -> bool {
    replica["lag"]["count"]["mean"].as_f64() == Some(0.0)
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
    let map = region_colors(summaries);
    summaries
        .iter()
        .map(|s| {
            let mut s = s.clone();
            s["region_colors"] = map.clone();
            s
        })
        .collect()
}

/// The region-to-colour map of [`with_region_colors`]: each region's
/// palette index, in order of first appearance over `summaries`.
pub fn region_colors(summaries: &[Value]) -> Value {
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
    Value::Object(map)
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

/// A duration in milliseconds as a label: three significant digits in the
/// unit its size reads best in (8.65ms, 91.8s, 9.89min).
fn ms_text(v: f64) -> String {
    let (unit, per) = crate::units::span_unit(v);
    format!("{}{unit}", render::short(v / per))
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

/// The unit of a figure path (as SLOs read it), as an axis suffix, and
/// the factor to it.
fn unit_of(metric: &str) -> (&'static str, f64) {
    crate::metrics::unit_of(metric).map_or(("", 1.0), Unit::axis)
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
                readable_time_axes(&mut f);
                if swept {
                    f.stem = format!("{}-p{}", f.stem, k + 1);
                }
                out.push((Some(k), f));
            }
        }
    }
    for chart in SCENARIO_CHARTS {
        out.extend(chart(summary).into_iter().map(|mut f| {
            readable_time_axes(&mut f);
            (None, f)
        }));
    }
    out
}

/// An axis label whose unit is a duration (`... (s)`, `... (ms)`,
/// `... (swept, ms)`): the label without that unit and its closing
/// parenthesis, and the unit in milliseconds.
fn time_unit_of(label: &str) -> Option<(&str, f64)> {
    for (unit, ms) in [("ms)", 1.0), ("s)", 1e3)] {
        if let Some(head) = label.strip_suffix(unit) {
            if head.ends_with('(') || head.ends_with(' ') {
                return Some((head, ms));
            }
        }
    }
    None
}

/// Linear time axes (labelled `(s)` or `(ms)`) in the unit their range
/// reads best in ([`crate::units::span_unit`]: ms, s, min, h, days), every
/// position on them (points, bands, markers, reference lines, windows)
/// converted: a year of availability reads 0 to 365 days.
fn readable_time_axes(f: &mut Figure) {
    for p in &mut f.panels {
        let Panel {
            x,
            y,
            series,
            hlines,
            vlines,
            windows,
            ..
        } = p;
        let mut xs: Vec<&mut f64> = Vec::new();
        let mut ys: Vec<&mut f64> = Vec::new();
        for s in series.iter_mut() {
            for q in &mut s.points {
                xs.push(&mut q.0);
                ys.push(&mut q.1);
            }
            for b in &mut s.band {
                xs.push(&mut b.0);
                ys.push(&mut b.1);
                ys.push(&mut b.2);
            }
            for m in &mut s.markers {
                xs.push(&mut m.0);
                ys.push(&mut m.1);
            }
        }
        for w in windows.iter_mut() {
            xs.push(&mut w.from);
            xs.push(&mut w.to);
        }
        xs.extend(vlines.iter_mut().map(|l| &mut l.at));
        ys.extend(hlines.iter_mut().map(|l| &mut l.at));
        readable_time_axis(x, xs);
        readable_time_axis(y, ys);
    }
}

/// One axis of [`readable_time_axes`], with every position on it.
fn readable_time_axis(axis: &mut Axis, positions: Vec<&mut f64>) {
    if !matches!(axis.scale, Scale::Linear) {
        return;
    }
    let Some((head, ms)) = time_unit_of(&axis.label) else {
        return;
    };
    let max = positions.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
    let (unit, unit_ms) = crate::units::span_unit(max * ms);
    let k = ms / unit_ms;
    if k != 1.0 {
        axis.label = format!("{head}{unit})");
        for v in positions {
            *v *= k;
        }
    }
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
    use super::{metric_words, ms_text};

    #[test]
    fn durations_on_labels_read_in_their_unit() {
        assert_eq!(ms_text(8.65), "8.65ms");
        assert_eq!(ms_text(1999.0), "1999ms");
        assert_eq!(ms_text(91_770.0), "91.8s");
        assert_eq!(ms_text(593_511.0), "9.89min");
        assert_eq!(ms_text(0.0), "0ms");
    }

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
