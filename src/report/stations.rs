//! The stations of a point (app tiers, commit paths, link transmitters) as
//! rows of text, for the printed table, summary.md and the page alike.

use super::aggregate::at;
use super::format::{estimate, Shown};
use serde_json::Value;

/// A header and one row per station with finite capacity in the figures
/// `f` of a point; nothing when it has none.
pub fn rows(f: &Value) -> Vec<Vec<String>> {
    let mut stations: Vec<(String, &Value)> = Vec::new();
    for (region, st) in f["app_tiers"].as_object().into_iter().flatten() {
        stations.push((format!("app tier {region}"), st));
    }
    for (ds, d) in f["datasets"].as_object().into_iter().flatten() {
        if let Some(st) = d.get("commit") {
            stations.push((format!("commit {ds}"), st));
        }
    }
    for (from, tos) in f["network"].as_object().into_iter().flatten() {
        for (to, l) in tos.as_object().into_iter().flatten() {
            if let Some(st) = l.get("transmit") {
                stations.push((format!("link {from} -> {to}"), st));
            }
        }
    }
    if stations.is_empty() {
        return Vec::new();
    }
    let mut rows = vec![[
        "station", "busy", "busy max", "jobs/s", "wait", "queue", "shed",
    ]
    .iter()
    .map(|c| c.to_string())
    .collect::<Vec<_>>()];
    for (name, st) in stations {
        let peak = at(st, "utilisation_by_bucket.mean")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().filter_map(Value::as_f64).reduce(f64::max))
            .map_or("-".into(), |m| format!("{:.1}%", m * 100.0));
        rows.push(vec![
            name,
            estimate(Shown::Share, at(st, "utilisation")),
            peak,
            estimate(Shown::Count, at(st, "admitted_per_s")),
            estimate(Shown::Duration, at(st, "wait_ms")),
            estimate(Shown::Count, at(st, "queue_length")),
            estimate(Shown::Share, at(st, "rejected_share")),
        ]);
    }
    rows
}
