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
    summary_owned(plan, records.iter().map(|r| (*r).clone()).collect())
}

/// [`summary`], taking the records: each run's figures move into the
/// summary instead of being copied, so a large model's figures are held
/// once, not twice.
pub fn summary_owned(plan: &Plan, records: Vec<RunRecord>) -> Value {
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
    let mut by_point: Vec<Vec<Value>> = vec![Vec::new(); plan.points.len()];
    for r in records {
        by_point[r.key.point as usize].push(r.figures);
    }
    let points: Vec<Value> = plan
        .points
        .iter()
        .zip(by_point)
        .map(|(p, owned)| {
            let runs: Vec<&Value> = owned.iter().collect();
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
            let figures = aggregate(&runs);
            let random = ps
                .failures
                .iter()
                .any(|f| matches!(f.timing, crate::scenario::FailureTiming::Random { .. }));
            let incidents = super::incidents::pooled(&runs, random);
            let replications = runs.len();
            drop(runs);
            let mut point = json!({
                "label": p.label,
                "parameters": parameters,
                "staleness_age_edges_ms": edges,
                "replications": replications,
                "precision": precision,
                "slo": slo,
            });
            if let Some(i) = incidents {
                point["incidents"] = i;
            }
            if let Some(m) = ps.metastability {
                point["metastability"] = json!({
                    "within_ms": m.within.as_millis_f64(),
                    "tolerance": m.tolerance,
                });
            }
            // Moved in, not through `json!`, which would copy them.
            let map = point.as_object_mut().expect("an object");
            map.insert("figures".into(), figures);
            map.insert("runs".into(), Value::Array(owned));
            point
        })
        .collect();
    let mut summary = json!({
        "scenario": s.name,
        "description": s.description,
        "seed": s.seed,
        "replications": s.replications,
        "warmup_s": s.warmup.as_secs_f64(),
        "duration_s": s.duration.as_secs_f64(),
        "bucket_s": s.bucket.as_secs_f64(),
        "availability_threshold": s.availability_threshold,
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
    });
    let map = summary.as_object_mut().expect("an object");
    if let Some(r) = &s.residency {
        // The rules as the map outlines them: where each one's data may rest.
        let name = |i: usize| s.regions[i].name.clone();
        let rules: Vec<Value> = r
            .rules
            .iter()
            .map(|k| {
                json!({
                    "rule": k.label,
                    "home": name(usize::from(k.home.0)),
                    "allowed": (0..s.regions.len()).filter(|&i| k.allowed[i]).map(name).collect::<Vec<_>>(),
                })
            })
            .collect();
        map.insert("residency".into(), Value::Array(rules));
    }
    map.insert("points".into(), Value::Array(points));
    summary
}
