//! Long ("tidy") tables of every figure, for notebooks and spreadsheets:
//! one row per number, as OMNeT++'s scalar export and k6's summary export
//! give them.
//!
//! - `NAME/figures.csv`: `point,replication,figure,unit,value`, every
//!   number of every run's figures (a series or a list one row per element,
//!   its index the last part of the path);
//! - `NAME/estimates.csv`: `point,figure,unit,mean,low,high,n`, every
//!   figure aggregated over the replications (`low` and `high`: the
//!   confidence interval's ends, or the least and largest run for figures
//!   that are a minimum or a maximum; empty with one replication; a
//!   series one row per element, its index the last part of the path, and
//!   one row with only `n` when it has no element).
//!
//! - `NAME/buckets.csv`: `point,bucket,start_s,region,figure,unit,mean,low,high,n`,
//!   every series with a value per bucket (availability, request rates,
//!   stale shares, anomalies, current lag, utilisation, conflicts), one row
//!   per bucket: `start_s` the bucket's start in seconds of the measured
//!   span, `region` the client region, app tier or replica the series
//!   belongs to (empty for a whole-scenario or whole-dataset series),
//!   `figure` the series' path as in `estimates.csv` without the index.
//!
//! Numbers are written exactly as `summary.json` writes them (the same
//! shortest round-trip text), so a value read from either file is the same
//! `f64`. Units are those of [`crate::units`] (`ms`, `s`, `share`,
//! `count`, `per_s`; empty for a figure without one, such as an index).

use crate::units::unit_word;
use serde_json::Value;

/// A JSON number as `summary.json` writes it; empty for `null`.
fn number_text(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// Calls `f(path, x)` for every value `x` under `v` that `leaf` accepts,
/// in document order, without looking inside it; `path` is dotted, list
/// elements by index. Other scalars (texts, flags, nulls) are passed over.
fn walk(
    v: &Value,
    path: &mut String,
    leaf: &dyn Fn(&Value) -> bool,
    f: &mut dyn FnMut(&str, &Value),
) {
    if leaf(v) {
        return f(path, v);
    }
    let mut step = |key: &str, x: &Value, f: &mut dyn FnMut(&str, &Value)| {
        let len = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
        walk(x, path, leaf, f);
        path.truncate(len);
    };
    match v {
        Value::Object(o) => o.iter().for_each(|(k, x)| step(k, x, f)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| step(&i.to_string(), x, f)),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new())
}

fn finish(w: csv::Writer<Vec<u8>>) -> String {
    let bytes = w.into_inner().expect("writing to memory cannot fail");
    String::from_utf8(bytes).expect("CSV of UTF-8 fields is UTF-8")
}

/// `figures.csv` of a summary: every number of every run's figures.
pub fn figures_csv(summary: &Value) -> String {
    let mut w = writer();
    let _ = w.write_record(["point", "replication", "figure", "unit", "value"]);
    for p in summary["points"].as_array().into_iter().flatten() {
        let label = p["label"].as_str().unwrap_or_default();
        for (r, run) in p["runs"].as_array().into_iter().flatten().enumerate() {
            let replication = r.to_string();
            walk(
                run,
                &mut String::new(),
                &Value::is_number,
                &mut |path, v| {
                    let _ = w.write_record([
                        label,
                        &replication,
                        path,
                        unit_word(path),
                        &number_text(v),
                    ]);
                },
            );
        }
    }
    finish(w)
}

/// Whether `v` is an aggregated figure: `{mean, ci_low, ci_high, n}` or
/// `{mean, min, max, n}`.
fn is_estimate(v: &Value) -> bool {
    v.get("mean").is_some() && v.get("n").is_some()
}

/// The interval (or range) of an estimate: its two ends.
fn ends(e: &Value) -> (&Value, &Value) {
    if e.get("ci_low").is_some() {
        (&e["ci_low"], &e["ci_high"])
    } else {
        (&e["min"], &e["max"])
    }
}

/// Calls `f(point label, path, estimate)` for every aggregated figure of
/// every point of `summary`, in document order.
fn each_estimate(summary: &Value, f: &mut dyn FnMut(&str, &str, &Value)) {
    for p in summary["points"].as_array().into_iter().flatten() {
        let label = p["label"].as_str().unwrap_or_default();
        walk(
            &p["figures"],
            &mut String::new(),
            &is_estimate,
            &mut |path, e| f(label, path, e),
        );
    }
}

/// Element `i` of a series' list `v` as text (empty for `null` or none).
fn element(v: &Value, i: usize) -> String {
    number_text(v.get(i).unwrap_or(&Value::Null))
}

/// `estimates.csv` of a summary: every figure aggregated over the
/// replications, a series one row per bucket.
pub fn estimates_csv(summary: &Value) -> String {
    let mut w = writer();
    let _ = w.write_record(["point", "figure", "unit", "mean", "low", "high", "n"]);
    each_estimate(summary, &mut |label, path, e| {
        let (low, high) = ends(e);
        let n = number_text(&e["n"]);
        match &e["mean"] {
            // A series without elements (nothing measured): its n.
            Value::Array(means) if means.is_empty() => {
                let _ = w.write_record([label, path, unit_word(path), "", "", "", &n]);
            }
            // A series: element i of each list.
            Value::Array(means) => {
                for (i, m) in means.iter().enumerate() {
                    let _ = w.write_record([
                        label,
                        &format!("{path}.{i}"),
                        unit_word(path),
                        &number_text(m),
                        &element(low, i),
                        &element(high, i),
                        &n,
                    ]);
                }
            }
            mean => {
                let _ = w.write_record([
                    label,
                    path,
                    unit_word(path),
                    &number_text(mean),
                    &number_text(low),
                    &number_text(high),
                    &n,
                ]);
            }
        }
    });
    finish(w)
}

/// The region a figure belongs to: the client region of `clients.R.`, the
/// app tier's of `app_tiers.R.`, the copy's of `datasets.D.replicas.R.`;
/// none for others. (A copy named `R#k`, one of several in a region, is
/// in `R`.)
fn region_of(figure: &str) -> &str {
    let parts: Vec<&str> = figure.split('.').collect();
    match parts.as_slice() {
        ["clients" | "app_tiers", r, ..] => r,
        ["datasets", _, "replicas", r, ..] => r.split('#').next().unwrap_or(r),
        _ => "",
    }
}

/// `buckets.csv` of a summary: every per-bucket series, aggregated over the
/// replications, one row per bucket.
pub fn buckets_csv(summary: &Value) -> String {
    let mut w = writer();
    let _ = w.write_record([
        "point", "bucket", "start_s", "region", "figure", "unit", "mean", "low", "high", "n",
    ]);
    let bucket_s = summary["bucket_s"].as_f64().unwrap_or(f64::NAN);
    each_estimate(summary, &mut |label, path, e| {
        let Value::Array(means) = &e["mean"] else {
            return;
        };
        if !crate::units::per_bucket(path) {
            return;
        }
        let (low, high) = ends(e);
        let n = number_text(&e["n"]);
        for (i, m) in means.iter().enumerate() {
            let start = serde_json::Number::from_f64(i as f64 * bucket_s)
                .map_or_else(String::new, |x| x.to_string());
            let _ = w.write_record([
                label,
                &i.to_string(),
                &start,
                region_of(path),
                path,
                unit_word(path),
                &number_text(m),
                &element(low, i),
                &element(high, i),
                &n,
            ]);
        }
    });
    finish(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_number_is_a_row_with_its_unit() {
        let s = json!({"points": [{"label": "base", "runs": [
            {"events": 7, "clients": {"b": {"write_latency": {"p99_ms": 78.5, "quantiles_ms": [1.0, 2.5]}}}}
        ], "figures": {
            "events": {"mean": 7.0, "ci_low": null, "ci_high": null, "n": 1},
            "clients": {"b": {"write_latency": {"max_ms": {"mean": 78.5, "min": 70.0, "max": 80.0, "n": 2}},
                "timeline": {"reads_per_s": {"mean": [1.0, 2.0], "ci_low": [0.5, 1.5], "ci_high": [1.5, 2.5], "n": 2}}}}
        }}]});
        assert_eq!(
            figures_csv(&s),
            "point,replication,figure,unit,value\n\
             base,0,events,count,7\n\
             base,0,clients.b.write_latency.p99_ms,ms,78.5\n\
             base,0,clients.b.write_latency.quantiles_ms.0,ms,1.0\n\
             base,0,clients.b.write_latency.quantiles_ms.1,ms,2.5\n"
        );
        assert_eq!(
            estimates_csv(&s),
            "point,figure,unit,mean,low,high,n\n\
             base,events,count,7.0,,,1\n\
             base,clients.b.write_latency.max_ms,ms,78.5,70.0,80.0,2\n\
             base,clients.b.timeline.reads_per_s.0,per_s,1.0,0.5,1.5,2\n\
             base,clients.b.timeline.reads_per_s.1,per_s,2.0,1.5,2.5,2\n"
        );
        let mut s = s;
        s["bucket_s"] = json!(10.0);
        // Quantile curves are not per bucket: only the timeline is here.
        assert_eq!(
            buckets_csv(&s),
            "point,bucket,start_s,region,figure,unit,mean,low,high,n\n\
             base,0,0.0,b,clients.b.timeline.reads_per_s,per_s,1.0,0.5,1.5,2\n\
             base,1,10.0,b,clients.b.timeline.reads_per_s,per_s,2.0,1.5,2.5,2\n"
        );
        assert_eq!(region_of("datasets.d.replicas.eu.current_lag_ms"), "eu");
        assert_eq!(region_of("datasets.d.replicas.eu#2.lag.mean_ms"), "eu");
        assert_eq!(region_of("app_tiers.us.utilisation_by_bucket"), "us");
        assert_eq!(region_of("timeline.writes_per_s"), "");
        assert_eq!(
            region_of("datasets.d.conflicts.conflicts_per_s_by_bucket"),
            ""
        );
    }
}
