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
