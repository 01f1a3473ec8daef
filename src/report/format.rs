//! How figures read, in every report: the terminal table, summary.md,
//! index.html and SLO lines use these, so a figure reads the same
//! everywhere.

use serde_json::Value;

/// The unit a figure is shown in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shown {
    /// A duration given in ms: `0.43ms`, `18.6ms`, `64.83s`.
    Duration,
    /// A share given as a fraction: `2.80%`.
    Share,
    /// A count, or a mean of counts: `3.5`.
    Count,
}

/// (scale, decimals, unit) for showing `v` of `kind`; interval ends use
/// the mean's so that `64.83s±1.21` reads as one quantity.
fn scale_of(kind: Shown, v: f64) -> (f64, usize, &'static str) {
    match kind {
        Shown::Duration if v.abs() >= 1000.0 => (1e-3, 2, "s"),
        Shown::Duration if v.abs() >= 10.0 => (1.0, 1, "ms"),
        Shown::Duration => (1.0, 2, "ms"),
        Shown::Share => (100.0, 2, "%"),
        Shown::Count => (1.0, 1, ""),
    }
}

/// One value: `18.6ms`, `64.83s`, `2.80%`.
pub fn value(kind: Shown, v: f64) -> String {
    let (scale, d, unit) = scale_of(kind, v);
    format!("{:.d$}{unit}", v * scale)
}

/// How [`estimate`] writes a figure over several replications, said once
/// for the table, `summary.md` and the page.
pub const SPREAD_NOTE: &str =
    "figures are means over replications; ± is the 95 % interval half-width; \
(low-high) is that interval where it is cut at 0 (or at 100 % for a share); [min-max] is the range \
over replications, given for maxima and minima";

/// A duration in ms as it reads everywhere.
pub fn duration_ms(v: f64) -> String {
    value(Shown::Duration, v)
}

/// An aggregated figure: the mean alone with one replication; for an
/// interval `{mean, ci_low, ci_high}`, `mean±half` when it is symmetric at
/// the precision shown, `mean (low-high)` when cut at zero; for an extreme
/// `{mean, min, max}`, `mean [min-max]`, the range over replications.
/// `-` without data.
pub fn estimate(kind: Shown, v: Option<&Value>) -> String {
    let Some(mean) = v.and_then(|v| v.get("mean")).and_then(Value::as_f64) else {
        return "-".into();
    };
    let end = |k: &str| v.and_then(|v| v.get(k)).and_then(Value::as_f64);
    let (scale, d, _) = scale_of(kind, mean);
    let at = |x: f64| format!("{:.d$}", x * scale);
    if let (Some(lo), Some(hi)) = (end("min"), end("max")) {
        return format!("{} [{}-{}]", value(kind, mean), at(lo), at(hi));
    }
    match (end("ci_low"), end("ci_high")) {
        (Some(lo), Some(hi)) if at(hi - mean) == at(mean - lo) => {
            format!("{}±{}", value(kind, mean), at(hi - mean))
        }
        (Some(lo), Some(hi)) => format!("{} ({}-{})", value(kind, mean), at(lo), at(hi)),
        _ => value(kind, mean),
    }
}

/// A swept value as short text: `4ms`, `150`, `exponential mean 4ms`.
pub fn parameter(v: &Value) -> String {
    match v {
        Value::String(t) => t.clone(),
        // A swept `null` unsets the field: "none" says so to a reader.
        Value::Null => "none".into(),
        Value::Object(o) => o
            .iter()
            .map(|(k, x)| format!("{k} {}", parameter(x)))
            .collect::<Vec<_>>()
            .join(" "),
        Value::Array(a) => a.iter().map(parameter).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// The swept parameters of a summary's points as rows: a header (point,
/// then each parameter's short name), then each point's label and values.
/// Empty without a sweep.
pub fn sweep_rows(summary: &Value) -> Vec<Vec<String>> {
    let Some(params) = summary["sweep"]["parameters"].as_array() else {
        return Vec::new();
    };
    let params: Vec<&str> = params.iter().filter_map(Value::as_str).collect();
    let points = summary["points"].as_array().map_or(&[][..], Vec::as_slice);
    // With a `cost` section, each point's monthly bill: the column a
    // review compares designs by.
    let priced = points.iter().any(|p| !p["figures"]["cost"].is_null());
    let mut header: Vec<String> = std::iter::once("point".to_string())
        .chain(crate::scenario::variants::short_paths(&params))
        .collect();
    if priced {
        header.push("bill a month".to_string());
    }
    let mut rows = vec![header];
    for p in points {
        let mut row: Vec<String> =
            std::iter::once(p["label"].as_str().unwrap_or_default().to_string())
                .chain(params.iter().map(|k| parameter(&p["parameters"][*k])))
                .collect();
        if priced {
            let total = p["figures"]["cost"].get("total_usd_per_month");
            row.push(match total {
                Some(t) => format!("${}", estimate(Shown::Count, Some(t))),
                None => "-".to_string(),
            });
        }
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_way_to_read_a_figure() {
        assert_eq!(duration_ms(0.432), "0.43ms");
        assert_eq!(duration_ms(18.62), "18.6ms");
        assert_eq!(duration_ms(64827.2), "64.83s");
        let f = json!({"mean": 64827.2, "ci_low": 63616.4, "ci_high": 66038.0});
        assert_eq!(estimate(Shown::Duration, Some(&f)), "64.83s±1.21");
        let cut = json!({"mean": 39.6, "ci_low": 0.0, "ci_high": 84.7});
        assert_eq!(estimate(Shown::Duration, Some(&cut)), "39.6ms (0.0-84.7)");
        let range = json!({"mean": 39.6, "min": 12.0, "max": 67.2});
        assert_eq!(
            estimate(Shown::Duration, Some(&range)),
            "39.6ms [12.0-67.2]"
        );
        let share = json!({"mean": 0.028, "ci_low": null, "ci_high": null});
        assert_eq!(estimate(Shown::Share, Some(&share)), "2.80%");
        assert_eq!(estimate(Shown::Share, None), "-");
    }
}
