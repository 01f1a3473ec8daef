//! An SLO's verdict at one point, from its replications' figures: the
//! value judged (the mean, or with `confidence` the interval's far end)
//! against the bound.

use super::aggregate::number_at;
use crate::scenario::Slo;
use serde_json::{json, Value};

/// The verdict of one SLO at one point, as it appears in summary.json:
/// the measured mean, the value judged (the mean, or with `confidence` the
/// interval's far end), and the comparison with the bound that decided it
/// (`45.96s > 1s` when it failed).
pub fn verdict(slo: &Slo, runs: &[&Value]) -> Value {
    let values: Vec<f64> = runs
        .iter()
        .filter_map(|r| number_at(r, &slo.metric))
        .collect();
    let spread = super::spread_of(&slo.metric);
    let judged = spread
        .interval(&values, slo.confidence.unwrap_or(0.95))
        .map(|i| match slo.confidence {
            None => (i.mean, i.mean, i.mean),
            Some(_) => (i.mean, i.low.unwrap_or(i.mean), i.high.unwrap_or(i.mean)),
        });
    let show = |x: f64| slo.unit.show(x);
    let (mean, shown, comparison, pass) = match judged {
        None => (None, None, "no data".to_string(), false),
        Some((mean, low, high)) => {
            let over = slo.max.filter(|&m| high > m);
            let under = slo.min.filter(|&m| low < m);
            // The value the verdict turned on, and how it compares.
            let (shown, comparison) = match (over, under) {
                (Some(m), _) => (high, format!("{} > {}", show(high), show(m))),
                (None, Some(m)) => (low, format!("{} < {}", show(low), show(m))),
                (None, None) => {
                    let shown = match (slo.confidence, slo.min, slo.max) {
                        (None, ..) => mean,
                        (Some(_), None, Some(_)) => high,
                        (Some(_), Some(_), None) => low,
                        (Some(_), ..) => mean,
                    };
                    (shown, format!("{} {}", show(shown), slo.bound_text()))
                }
            };
            (
                Some(mean),
                Some(shown),
                comparison,
                over.is_none() && under.is_none(),
            )
        }
    };
    json!({
        "name": slo.name,
        "metric": slo.metric,
        "bound": slo.bound_text(),
        "max": slo.max,
        "min": slo.min,
        "judged_on": slo.judged_on(),
        "mean": mean,
        "mean_text": mean.map(show).unwrap_or_else(|| "no data".into()),
        "judged": shown,
        "judged_text": shown.map(show).unwrap_or_else(|| "no data".into()),
        "comparison": comparison,
        "replications": values.len(),
        "verdict": if pass { "pass" } else { "fail" },
    })
}
