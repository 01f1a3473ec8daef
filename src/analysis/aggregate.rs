//! Replications to estimates: every number of the per-run figures becomes
//! its mean with a Student-t confidence interval across replications. The
//! walk is generic over the JSON tree, so any figure added later is
//! aggregated (and addressable by an SLO) without code here.

use crate::stats::Spread;
use serde_json::{json, Map, Value};

/// The confidence level of the intervals in reports.
pub const CONFIDENCE: f64 = 0.95;

/// Aggregates the figures of several runs of one point: objects key by key
/// (every run's keys, in the first run's order, then as later runs add
/// them; a run without a key counts as [`crate::metrics::absent_figure`]
/// says), arrays element by element, numbers by the
/// spread that fits the figure ([`super::spread_of`] its path): `{mean, ci_low,
/// ci_high, n}`, or `{mean, min, max, n}` for extremes (nulls skipped;
/// interval ends null below two values); strings and booleans from the
/// first run.
pub fn aggregate(runs: &[&Value]) -> Value {
    aggregate_at(runs, "")
}

fn aggregate_at(runs: &[&Value], path: &str) -> Value {
    let present: Vec<&Value> = runs.iter().copied().filter(|v| !v.is_null()).collect();
    let Some(first) = present.first() else {
        return Value::Null;
    };
    let child = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match first {
        Value::Object(o) => {
            // Every key of every run, in the first run's order, then in the
            // order later runs add them (links that carried traffic in
            // some replications only).
            let mut keys: Vec<&String> = o.keys().collect();
            let mut seen: std::collections::BTreeSet<&String> = o.keys().collect();
            for v in &present[1..] {
                for k in v.as_object().into_iter().flat_map(Map::keys) {
                    if seen.insert(k) {
                        keys.push(k);
                    }
                }
            }
            let mut out = Map::new();
            for k in keys {
                let path = child(k);
                let filler = crate::metrics::absent_figure(&path);
                let children: Vec<&Value> = present
                    .iter()
                    .filter_map(|v| v.get(k).or(filler.as_ref()))
                    .collect();
                out.insert(k.clone(), aggregate_at(&children, &path));
            }
            Value::Object(out)
        }
        // A series (per bucket, or a curve): one object of arrays, not an
        // object per element. At 120 buckets for each of hundreds of
        // replicas, objects per element were most of a summary's memory.
        Value::Array(a) if a.iter().all(|v| v.is_number() || v.is_null()) => series(&present, path),
        Value::Array(_) => {
            let len = present
                .iter()
                .filter_map(|v| v.as_array().map(Vec::len))
                .max()
                .unwrap_or(0);
            Value::Array(
                (0..len)
                    .map(|i| {
                        let children: Vec<&Value> =
                            present.iter().filter_map(|v| v.get(i)).collect();
                        aggregate_at(&children, &child(&i.to_string()))
                    })
                    .collect(),
            )
        }
        Value::Number(_) => {
            let xs: Vec<f64> = present.iter().filter_map(|v| v.as_f64()).collect();
            estimate(super::spread_of(path), &xs, CONFIDENCE)
        }
        other => (*other).clone(),
    }
}

/// The aggregate of the number arrays `present` at `path`, element by
/// element: `{mean: [...], ci_low: [...], ci_high: [...], n}` (an element
/// without values is null in each array).
fn series(present: &[&Value], path: &str) -> Value {
    let len = present
        .iter()
        .filter_map(|v| v.as_array().map(Vec::len))
        .max()
        .unwrap_or(0);
    // Every element of a series has the spread of its first.
    let spread = super::spread_of(&format!("{path}.0"));
    let (mut mean, mut low, mut high) = (Vec::new(), Vec::new(), Vec::new());
    let mut n = 0;
    for i in 0..len {
        let xs: Vec<f64> = present
            .iter()
            .filter_map(|v| v.get(i).and_then(Value::as_f64))
            .collect();
        match spread.interval(&xs, CONFIDENCE) {
            Some(iv) => {
                mean.push(json!(iv.mean));
                low.push(json!(iv.low));
                high.push(json!(iv.high));
                n = n.max(iv.n);
            }
            None => {
                mean.push(Value::Null);
                low.push(Value::Null);
                high.push(Value::Null);
            }
        }
    }
    let (lo, hi) = match spread {
        Spread::Range => ("min", "max"),
        Spread::Mean { .. } => ("ci_low", "ci_high"),
    };
    let mut out = Map::new();
    out.insert("mean".into(), Value::Array(mean));
    out.insert(lo.into(), Value::Array(low));
    out.insert(hi.into(), Value::Array(high));
    out.insert("n".into(), json!(n));
    Value::Object(out)
}

/// Number of elements of an aggregated series (see [`aggregate`]).
pub fn series_len(v: Option<&Value>) -> usize {
    v.and_then(|v| v["mean"].as_array()).map_or(0, Vec::len)
}

/// Element `i` of an aggregated series: its mean, and its interval (or,
/// for extremes, its range over replications) when it has one.
pub fn series_at(v: Option<&Value>, i: usize) -> (Option<f64>, Option<(f64, f64)>) {
    let Some(v) = v else {
        return (None, None);
    };
    let get = |k: &str| v.get(k).and_then(|a| a.get(i)).and_then(Value::as_f64);
    let pair = |a: &str, b: &str| Some((get(a)?, get(b)?));
    (
        get("mean"),
        pair("ci_low", "ci_high").or_else(|| pair("min", "max")),
    )
}

/// `{mean, ci_low, ci_high, n}` of `xs` at `confidence`; for extremes
/// `{mean, min, max, n}`, so the report names the method it used.
pub fn estimate(spread: Spread, xs: &[f64], confidence: f64) -> Value {
    match (spread, spread.interval(xs, confidence)) {
        (_, None) => Value::Null,
        (Spread::Range, Some(i)) => json!({"mean": i.mean, "min": i.low, "max": i.high, "n": i.n}),
        (Spread::Mean { .. }, Some(i)) => {
            json!({"mean": i.mean, "ci_low": i.low, "ci_high": i.high, "n": i.n})
        }
    }
}

/// The value at a dotted `path` of `v` (`clients.eu-west-1.read_latency`).
/// The number at `path` of one run's figures: 0 for the traffic of a link
/// the run does not list (it carried nothing), `None` where the run has no
/// such figure.
pub fn number_at(run: &Value, path: &str) -> Option<f64> {
    match at(run, path) {
        Some(v) => v.as_f64(),
        None if crate::metrics::absent_means_zero(path) => Some(0.0),
        None => None,
    }
}

pub fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |node, seg| match node {
        Value::Object(o) => o.get(seg),
        Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_become_intervals_and_structure_is_kept() {
        let a = json!({"x": 1.0, "s": "us-east-1", "series": [1, 10], "none": null});
        let b = json!({"x": 2.0, "s": "us-east-1", "series": [3, 10], "none": null});
        let c = json!({"x": 3.0, "s": "us-east-1", "series": [5, 10], "none": null});
        let agg = aggregate(&[&a, &b, &c]);
        assert_eq!(agg["x"]["mean"], 2.0);
        assert_eq!(agg["x"]["n"], 3);
        let half = 4.302_652_7 / 3f64.sqrt();
        assert!((agg["x"]["ci_high"].as_f64().unwrap() - 2.0 - half).abs() < 1e-5);
        assert_eq!(agg["s"], "us-east-1");
        // A series is one object of arrays.
        assert_eq!(agg["series"]["mean"], json!([3.0, 10.0]));
        assert_eq!(agg["series"]["ci_low"][1], 10.0);
        assert_eq!(agg["series"]["n"], 3);
        let series = agg.get("series");
        assert_eq!(series_len(series), 2);
        assert_eq!(series_at(series, 1), (Some(10.0), Some((10.0, 10.0))));
        assert_eq!(series_at(series, 2), (None, None));
        assert_eq!(agg["none"], Value::Null);
        assert_eq!(at(&agg, "series.mean.1"), Some(&json!(10.0)));
        assert_eq!(at(&agg, "x.nope"), None);
    }

    #[test]
    fn one_run_has_no_interval() {
        let a = json!({"x": 4});
        let agg = aggregate(&[&a]);
        assert_eq!(
            agg["x"],
            json!({"mean": 4.0, "ci_low": null, "ci_high": null, "n": 1})
        );
    }
}
