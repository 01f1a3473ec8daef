//! SLO and precision paths against the figures a scenario's runs write.
//! Which figures exist is the metrics' knowledge, above this layer: the
//! loader is given it as a [`FigureShape`] (the figures of an empty run),
//! and checks each path against it here, where the path's file, line and
//! column are known.

use super::Scenario;

/// The figures of an empty run of a scenario (`metrics::figure_shape`):
/// every path an SLO or a precision target may name.
pub type FigureShape = fn(&Scenario) -> serde_json::Value;

/// Checks that `path` names one number of `shape`; the error says what
/// exists at the deepest level the path reaches.
pub fn check_figure_path(shape: &serde_json::Value, path: &str) -> Result<(), String> {
    use serde_json::Value;
    let mut node = shape;
    let mut walked: Vec<&str> = Vec::new();
    for seg in path.split('.') {
        let next = match node {
            Value::Object(o) => o.get(seg),
            // A list of objects (incidents): element K has its template's
            // figures.
            Value::Array(a) if a.first().is_some_and(Value::is_object) => {
                seg.parse::<usize>().ok().and_then(|_| a.first())
            }
            _ => None,
        };
        let Some(next) = next else {
            let here = if walked.is_empty() {
                "the top level".to_string()
            } else {
                format!("`{}`", walked.join("."))
            };
            let keys: Vec<&str> = match node {
                Value::Object(o) => o.keys().map(String::as_str).collect(),
                _ => Vec::new(),
            };
            if let Value::Array(a) = node {
                if a.first().is_some_and(Value::is_object) {
                    return Err(format!(
                        "unknown metric `{path}`: {here} is a list; name an element by its number from 0, e.g. {}.0",
                        walked.join(".")
                    ));
                }
            }
            let undeclared_bound = matches!(walked.last(), Some(&("stale_reads" | "stale_share")))
                && super::parse_duration(seg).is_ok();
            return Err(if undeclared_bound {
                format!(
                    "unknown metric `{path}`: `{seg}` is not one of the scenario's staleness_bounds ({}); add it, e.g. staleness_bounds: [{}, {seg}]",
                    keys.join(", "),
                    keys.join(", ")
                )
            } else if keys.is_empty() {
                format!("unknown metric `{path}`: {here} is a single figure")
            } else {
                format!(
                    "unknown metric `{path}`: at {here} the figures are: {}",
                    keys.join(", ")
                )
            });
        };
        walked.push(seg);
        node = next;
    }
    match node {
        Value::Number(_) | Value::Null => Ok(()),
        Value::Object(o) => Err(format!(
            "metric `{path}` is a group, not one figure; pick one of: {}",
            o.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
        )),
        _ => Err(format!("metric `{path}` is not a number")),
    }
}
