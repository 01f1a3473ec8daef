//! `summary.json` of one scenario file: its settings, then one entry per
//! sweep point (one, `base`, without a sweep) with the aggregated figures
//! and each run's own.

use super::aggregate::{aggregate, CONFIDENCE};
use super::slo::verdict;
use crate::runner::RunRecord;
use crate::scenario::{Plan, SweepMode};
use serde_json::{json, Map, Value};

/// What the report says about common random numbers.
pub const COMMON_RANDOM_NUMBERS: &str = "Replication r of every sweep point draws from the same \
per-component random streams (seed, r, component), so points differ by their parameters, not by \
sampling noise.";

/// The summary of `plan` from its runs' records (in run order).
pub fn summary(plan: &Plan, records: &[&RunRecord]) -> Value {
    let s = plan.base();
    let regions: Map<String, Value> = s
        .regions
        .iter()
        .map(|r| {
            (
                r.name.clone(),
                json!({
                    "jurisdiction": r.jurisdiction,
                    "lat": r.coords.map(|c| c.0),
                    "lon": r.coords.map(|c| c.1),
                }),
            )
        })
        .collect();
    // Mean one-way delays: the network the results were simulated on.
    let network: Map<String, Value> = s
        .regions
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let row: Map<String, Value> = s
                .regions
                .iter()
                .enumerate()
                .map(|(j, b)| {
                    let d = s.network.delay(
                        crate::scenario::RegionId(i as u16),
                        crate::scenario::RegionId(j as u16),
                    );
                    (b.name.clone(), json!(d.mean_nanos() / 1e6))
                })
                .collect();
            (a.name.clone(), Value::Object(row))
        })
        .collect();
    let points: Vec<Value> = plan
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let runs: Vec<&Value> = records
                .iter()
                .filter(|r| r.key.point as usize == i)
                .map(|r| &r.figures)
                .collect();
            // Typed: numbers as numbers, distributions as objects.
            let parameters: Map<String, Value> = p
                .parameters
                .iter()
                .map(|(k, text, v)| {
                    let typed =
                        serde_json::to_value(v).unwrap_or_else(|_| Value::String(text.clone()));
                    (k.clone(), typed)
                })
                .collect();
            let slo: Vec<Value> = p.scenario.slos.iter().map(|s| verdict(s, &runs)).collect();
            let precision = p
                .scenario
                .precision
                .as_ref()
                .map(|target| crate::runner::precision::status(target, &runs));
            let ps = &p.scenario;
            let edges: Vec<f64> =
                crate::metrics::Staleness::new(&ps.staleness_bounds, ps.warmup + ps.duration)
                    .edges
                    .iter()
                    .map(|e| e.as_millis_f64())
                    .collect();
            json!({
                "label": p.label,
                "parameters": parameters,
                "staleness_age_edges_ms": edges,
                "replications": runs.len(),
                "precision": precision,
                "slo": slo,
                "figures": aggregate(&runs),
                "runs": runs,
            })
        })
        .collect();
    json!({
        "scenario": s.name,
        "description": s.description,
        "seed": s.seed,
        "replications": s.replications,
        "warmup_s": s.warmup.as_secs_f64(),
        "duration_s": s.duration.as_secs_f64(),
        "bucket_s": s.bucket.as_secs_f64(),
        "confidence_level": CONFIDENCE,
        "intervals": crate::stats::SPREAD_NOTE,
        "quantile_levels": crate::metrics::QUANTILE_LEVELS,
        "overrides": plan.sets.iter().map(|x| x.display()).collect::<Vec<_>>(),
        "sweep": plan.sweep.as_ref().map(|w| json!({
            "mode": match w.mode { SweepMode::Product => "product", SweepMode::Zip => "zip" },
            "parameters": w.parameters,
            "common_random_numbers": COMMON_RANDOM_NUMBERS,
        })),
        "warnings": plan.warnings(),
        "regions": regions,
        "network_mean_ms": network,
        "points": points,
    })
}
