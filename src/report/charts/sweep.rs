//! Sweeps: each SLO's figure across the points of a sweep.

use super::*;

/// A swept value on a numeric axis: a number, or a duration in ms.
pub(super) fn numeric(v: &Value) -> Option<(f64, bool)> {
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
pub(super) fn numeric_axis(values: &[&Value]) -> Option<(Vec<f64>, String, bool)> {
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
            // A value that is a section (a placement) is named by its
            // point's label (the sweep's `names`), not spelled out.
            let name = |p: &Value| {
                let v = &p["parameters"][*first];
                if v.is_object() || v.is_array() {
                    p["label"].as_str().unwrap_or_default().to_string()
                } else {
                    crate::report::format::parameter(v)
                }
            };
            let mut categories: Vec<String> = Vec::new();
            for p in points {
                let v = name(p);
                if !categories.contains(&v) {
                    categories.push(v);
                }
            }
            let xs = points
                .iter()
                .map(|p| {
                    let v = name(p);
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
                        crate::report::format::parameter(&p["parameters"][*k])
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
