//! Precision targets: after each round of runs, points whose named figures
//! are not yet precise enough get another batch of replications. The
//! decision depends only on the runs' results, so it is deterministic.

use super::{RunKey, RunRecord};
use crate::analysis::aggregate::number_at;
use crate::scenario::{Plan, Precision};
use crate::stats::interval;
use serde_json::{json, Value};

/// The 95 % half-width of `values` relative to their mean (infinite when
/// undefined: fewer than two values, or a zero mean with any spread).
fn relative_half_width(values: &[f64]) -> f64 {
    match interval(values, 0.95) {
        Some(i) => match i.high {
            Some(h) if i.mean != 0.0 => (h - i.mean) / i.mean.abs(),
            Some(h) if h == i.mean => 0.0,
            _ => f64::INFINITY,
        },
        None => f64::INFINITY,
    }
}

/// The least precise of the target's figures: (path, relative half-width).
pub fn worst(p: &Precision, runs: &[&Value]) -> (String, f64) {
    p.metrics
        .iter()
        .map(|m| {
            let xs: Vec<f64> = runs.iter().filter_map(|r| number_at(r, m)).collect();
            (m.clone(), relative_half_width(&xs))
        })
        .fold((String::new(), f64::NEG_INFINITY), |a, b| {
            if b.1 > a.1 {
                b
            } else {
                a
            }
        })
}

/// The target's figures that no run has a value of (a latency of an
/// operation nobody sent, a milestone that never happened): no number of
/// replications makes them precise.
pub fn absent(p: &Precision, runs: &[&Value]) -> Vec<String> {
    p.metrics
        .iter()
        .filter(|m| !runs.iter().any(|r| number_at(r, m).is_some()))
        .cloned()
        .collect()
}

/// The precision outcome of one point, for summary.json.
pub fn status(p: &Precision, runs: &[&Value]) -> Value {
    let (metric, w) = worst(p, runs);
    json!({
        "target_relative_half_width": p.relative_half_width,
        "achieved": w <= p.relative_half_width,
        "least_precise_metric": metric,
        "least_precise_relative_half_width": if w.is_finite() { Some(w) } else { None },
        "absent_metrics": absent(p, runs),
        "replications": runs.len(),
        "max_replications": p.max_replications,
    })
}

/// The next round: a batch for every point that has a target, is not
/// precise enough and is below its cap.
pub fn next_round(plans: &[Plan], records: &[RunRecord]) -> Vec<RunKey> {
    let mut keys = Vec::new();
    for (pi, plan) in plans.iter().enumerate() {
        for (qi, point) in plan.points.iter().enumerate() {
            let Some(p) = &point.scenario.precision else {
                continue;
            };
            let runs: Vec<&Value> = records
                .iter()
                .filter(|r| r.key.plan as usize == pi && r.key.point as usize == qi)
                .map(|r| &r.figures)
                .collect();
            let n = runs.len() as u32;
            if n >= p.max_replications || worst(p, &runs).1 <= p.relative_half_width {
                continue;
            }
            if !absent(p, &runs).is_empty() {
                // Absent from every run so far: more runs will not make
                // it precise (the status names it).
                continue;
            }
            let upto = (n + p.batch).min(p.max_replications);
            keys.extend((n..upto).map(|replication| RunKey {
                plan: pi as u32,
                point: qi as u32,
                replication,
            }));
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_half_width_by_hand() {
        // mean 2, sd 1, half-width 4.302653 / sqrt(3) = 2.484140: relative 1.242070.
        assert!((relative_half_width(&[1.0, 2.0, 3.0]) - 1.242_070).abs() < 1e-5);
        assert_eq!(relative_half_width(&[5.0, 5.0]), 0.0);
        assert_eq!(relative_half_width(&[0.0, 0.0]), 0.0);
        assert_eq!(relative_half_width(&[1.0]), f64::INFINITY);
        assert_eq!(relative_half_width(&[-1.0, 1.0]), f64::INFINITY);
    }
}
