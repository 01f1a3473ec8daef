//! The list of every figure a run writes: `regionsim figures`. Each path
//! with its unit and what it is, from the figure shape of the scenario
//! (what a run that recorded nothing writes), so it needs no run.

use crate::units::{describe, unit_of_number, unit_word};
use serde_json::{json, Value};

/// One figure a run writes.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Its dotted path (`N` for any element of a list of records).
    pub path: String,
    /// `ms`, `s`, `share`, `count`, `per_s`.
    pub unit: &'static str,
    /// `number`, or `series` (one number per bucket, quantile level or
    /// age: elements `PATH.0`, `PATH.1`, ... in the long exports).
    pub kind: &'static str,
    /// What it is.
    pub meaning: String,
    /// When a run writes it only sometimes (a link, only when it carried
    /// traffic; an incident, only when one happened).
    pub when: &'static str,
}

/// Every figure of the figure shapes `shapes` (see
/// [`crate::metrics::figure_shape`]; one per sweep point), in order of
/// first appearance; one that not every point writes says so.
pub fn list(shapes: &[Value]) -> Vec<Entry> {
    let per_point: Vec<Vec<Entry>> = shapes
        .iter()
        .map(|shape| {
            let mut out = Vec::new();
            walk(shape, &mut Vec::new(), &mut out);
            out
        })
        .collect();
    let mut out: Vec<Entry> = Vec::new();
    for e in per_point.iter().flatten() {
        if out.iter().any(|o| o.path == e.path) {
            continue;
        }
        let everywhere = per_point.iter().all(|p| p.iter().any(|x| x.path == e.path));
        let mut e = e.clone();
        if !everywhere && e.when.is_empty() {
            e.when = "in some sweep points";
        }
        out.push(e);
    }
    out
}

fn push(out: &mut Vec<Entry>, segs: &[String], kind: &'static str) {
    let path = segs.join(".");
    if out.iter().any(|e| e.path == path) {
        return;
    }
    let when = match segs.first().map(String::as_str) {
        Some("network") => "when the link carried traffic",
        Some("incidents") => "for each incident",
        _ => "",
    };
    out.push(Entry {
        unit: unit_word(&path),
        meaning: describe(&path),
        path,
        kind,
        when,
    });
}

fn walk(v: &Value, segs: &mut Vec<String>, out: &mut Vec<Entry>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                segs.push(k.clone());
                walk(x, segs, out);
                segs.pop();
            }
        }
        Value::Number(_) | Value::Null => push(out, segs, "number"),
        // A series (numbers, or none yet) has a unit of its own; a list of
        // records (failures, failovers, incidents) is listed by field, any
        // element `N`.
        Value::Array(a)
            if a.iter().all(|x| x.is_number() || x.is_null())
                && unit_of_number(&segs.join(".")).is_some() =>
        {
            push(out, segs, "series")
        }
        Value::Array(a) => {
            for x in a {
                segs.push("N".into());
                walk(x, segs, out);
                segs.pop();
            }
        }
        Value::Bool(_) | Value::String(_) => {}
    }
}

/// The list as a table for the terminal.
pub fn text(entries: &[Entry]) -> String {
    let width = entries.iter().map(|e| e.path.len()).max().unwrap_or(0);
    let mut out = String::new();
    for e in entries {
        let kind = if e.kind == "series" { " (series)" } else { "" };
        let when = if e.when.is_empty() {
            String::new()
        } else {
            format!(" [{}]", e.when)
        };
        out.push_str(&format!(
            "{:width$}  {:6} {}{kind}{when}\n",
            e.path, e.unit, e.meaning
        ));
    }
    out
}

/// The list as JSON.
pub fn json(entries: &[Entry]) -> Value {
    Value::Array(
        entries
            .iter()
            .map(|e| {
                json!({"path": e.path, "unit": e.unit, "kind": e.kind, "meaning": e.meaning, "when": e.when})
            })
            .collect(),
    )
}
