//! Latency: the CDF of each client region's reads and writes.

use super::*;

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
            p.series.extend(quantile_slos(point, key));
            panels.push(p);
        }
    }
    (!panels.is_empty()).then(|| Figure {
        stem: "latency-cdf".into(),
        title: point_title(summary, point, "request latency"),
        panels,
    })
}

/// SLOs on a client region's latency quantile (`clients.R.KEY.p99_ms`) as
/// markers where the curve must pass to their left: at (bound, level), in
/// the region's colour, `SLO <= 150ms: p99 us-east-1`.
fn quantile_slos(point: &Value, key: &str) -> Option<Series> {
    let mut s = Series {
        name: String::new(),
        color: GREYS[3],
        ..Series::default()
    };
    for v in point["slo"].as_array().into_iter().flatten() {
        let metric = v["metric"].as_str().unwrap_or_default();
        let segs: Vec<&str> = metric.split('.').collect();
        let ["clients", region, k, q] = segs.as_slice() else {
            continue;
        };
        let level = match *q {
            "p50_ms" => 0.5,
            "p90_ms" => 0.9,
            "p99_ms" => 0.99,
            "p999_ms" => 0.999,
            _ => continue,
        };
        let Some(at) = v["max"].as_f64().or(v["min"].as_f64()) else {
            continue;
        };
        if *k == key && at > 0.0 {
            s.markers.push((
                at,
                level,
                format!(
                    " SLO {}: {} {region}",
                    v["bound"].as_str().unwrap_or_default(),
                    q.trim_end_matches("_ms")
                ),
            ));
        }
    }
    (!s.markers.is_empty()).then_some(s)
}

/// SLO bounds on figures under `prefix`, as reference lines (in ms).
pub(super) fn slo_lines(point: &Value, prefix: &str) -> Vec<RefLine> {
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
