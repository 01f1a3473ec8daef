//! Incidents across replications. Scheduled failures give every run the
//! same incidents, so the k-th incident of each run is one incident whose
//! milestones have means and intervals (the generic aggregation of
//! `figures.incidents`). Random failures give each run its own: their
//! milestones are pooled over every incident of every run into a
//! distribution (`incidents.milestones` of a point). Both read as one
//! table, milestone by milestone, in the terminal and in summary.md.

use super::aggregate::at;
use super::format::{estimate, value, Shown};
use crate::units::scope;
use serde_json::{json, Map, Value};

/// The milestones of an incident, in the order they read: (key in an
/// incident's figures, what a row says, how its values read).
pub const MILESTONES: [(&str, &str, Shown); 12] = [
    ("failure_end_ms", "failure ends", Shown::Duration),
    ("detection_ms", "detected", Shown::Duration),
    ("dns_50_ms", "DNS 50 % moved", Shown::Duration),
    ("dns_95_ms", "DNS 95 % moved", Shown::Duration),
    ("dns_100_ms", "DNS 100 % moved", Shown::Duration),
    ("promotion_ms", "promoted", Shown::Duration),
    ("first_write_ms", "first write back", Shown::Duration),
    ("availability_back_ms", "availability back", Shown::Duration),
    ("downtime_s", "seconds below", Shown::Count),
    ("lost_writes", "lost writes", Shown::Count),
    ("lost_window_ms", "lost window (RPO)", Shown::Duration),
    // With `metastability` only.
    ("state_back_ms", "pre-failure state back", Shown::Duration),
];

/// The pooled distribution of `xs` (any order): `{n, mean, p50, p95, min,
/// max}`, quantiles interpolated between order statistics; `missing`
/// counts the incidents where it did not happen.
fn distribution(mut xs: Vec<f64>, missing: usize) -> Value {
    if xs.is_empty() {
        return json!({"n": 0, "missing": missing});
    }
    xs.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let h = p * (xs.len() - 1) as f64;
        let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
        xs[lo] + (h - lo as f64) * (xs[hi] - xs[lo])
    };
    json!({
        "n": xs.len(),
        "missing": missing,
        "mean": xs.iter().sum::<f64>() / xs.len() as f64,
        "p50": q(0.5),
        "p95": q(0.95),
        "min": xs[0],
        "max": xs[xs.len() - 1],
    })
}

/// A point's incidents over its runs (`runs`: each run's figures):
/// how many, and each milestone's distribution over all of them. `None`
/// for a scenario without failures.
pub fn pooled(runs: &[&Value], random: bool) -> Option<Value> {
    let lists: Vec<&Vec<Value>> = runs
        .iter()
        .filter_map(|r| r.get("incidents").and_then(Value::as_array))
        .collect();
    if lists.is_empty() {
        return None;
    }
    let all: Vec<&Value> = lists.iter().flat_map(|l| l.iter()).collect();
    let pool = |path: &str| {
        let values: Vec<Option<f64>> = all
            .iter()
            .map(|i| at(i, path).and_then(Value::as_f64))
            .collect();
        let missing = values.iter().filter(|v| v.is_none()).count();
        distribution(values.into_iter().flatten().collect(), missing)
    };
    let mut milestones = Map::new();
    for (key, _, _) in MILESTONES {
        if all.iter().any(|i| i.get(key).is_some()) {
            milestones.insert(key.into(), pool(key));
        }
    }
    // Client regions as the first incident lists them (every incident
    // lists the same).
    let mut clients = Map::new();
    let names: Vec<String> = all
        .first()
        .and_then(|i| i["clients"].as_object())
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    for name in names {
        let mut rto = Map::new();
        for key in ["read_rto_ms", "write_rto_ms"] {
            rto.insert(key.into(), pool(&(scope::client(&name) + key)));
        }
        clients.insert(name, Value::Object(rto));
    }
    milestones.insert("clients".into(), Value::Object(clients));
    let total: f64 = runs
        .iter()
        .filter_map(|r| at(r, "availability.incidents").and_then(Value::as_f64))
        .sum();
    Some(json!({
        "random_failures": random,
        "total": total,
        "per_run": total / runs.len().max(1) as f64,
        "recorded": all.len(),
        "milestones": milestones,
    }))
}

/// One row per milestone and per client region's RTO, for a point of a
/// summary: with scheduled failures a column per incident (mean and
/// interval over replications), with random ones the pooled distribution
/// (p50, p95, max, and how many incidents reached the milestone). Empty
/// for a point without incidents.
pub fn rows(point: &Value, threshold: f64) -> Vec<Vec<String>> {
    let pooled = &point["incidents"];
    if pooled.is_null() {
        return Vec::new();
    }
    let label = |key: &str, text: &str| {
        if key == "availability_back_ms" {
            format!("{text} ≥ {}", value(Shown::Share, threshold))
        } else if key == "downtime_s" {
            format!("{text} {}", value(Shown::Share, threshold))
        } else {
            text.to_string()
        }
    };
    let clients: Vec<String> = pooled["milestones"]["clients"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    // (path in an incident, row label, shown as)
    // A milestone only some scenarios have is shown where they do.
    let has = |k: &str| {
        pooled["milestones"].get(k).is_some() || point["figures"]["incidents"][0].get(k).is_some()
    };
    let mut lines: Vec<(String, String, Shown)> = MILESTONES
        .iter()
        .filter(|(k, _, _)| has(k))
        .map(|(k, t, s)| (k.to_string(), label(k, t), *s))
        .collect();
    for c in &clients {
        for (op, key) in [("read", "read_rto_ms"), ("write", "write_rto_ms")] {
            lines.push((
                scope::client(c) + key,
                format!("{op} RTO {c}"),
                Shown::Duration,
            ));
        }
    }
    let random = pooled["random_failures"].as_bool().unwrap_or(false);
    let mut rows = Vec::new();
    if random {
        let total = pooled["total"].as_f64().unwrap_or(0.0);
        let recorded = pooled["recorded"].as_u64().unwrap_or(0);
        rows.push(vec![
            format!(
                "{recorded} incidents{} ({:.1} a run), from each start",
                if (total - recorded as f64).abs() > 0.5 {
                    format!(" of {total:.0}")
                } else {
                    String::new()
                },
                pooled["per_run"].as_f64().unwrap_or(0.0)
            ),
            "p50".into(),
            "p95".into(),
            "max".into(),
            "reached".into(),
        ]);
        for (path, text, shown) in lines {
            let d = if path.starts_with("clients.") {
                at(&pooled["milestones"], &path)
            } else {
                pooled["milestones"].get(&path)
            };
            let get = |k: &str| d.and_then(|d| d.get(k)).and_then(Value::as_f64);
            let show = |k: &str| get(k).map_or("-".into(), |v| value(shown, v));
            let n = get("n").unwrap_or(0.0);
            let missing = get("missing").unwrap_or(0.0);
            rows.push(vec![
                text,
                show("p50"),
                show("p95"),
                show("max"),
                format!("{n:.0}/{:.0}", n + missing),
            ]);
        }
        return rows;
    }
    let list: Vec<&Value> = point["figures"]["incidents"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if list.is_empty() {
        return Vec::new();
    }
    let mut header = vec!["incident, from its start".to_string()];
    header.extend(list.iter().map(|i| {
        format!(
            "{} at {}",
            i["label"].as_str().unwrap_or_default(),
            estimate(Shown::Duration, i.get("start_ms"))
        )
    }));
    rows.push(header);
    for (path, text, shown) in lines {
        let mut row = vec![text];
        row.extend(list.iter().map(|i| estimate(shown, at(i, &path))));
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooled_quantiles_interpolate_and_count_what_never_happened() {
        let d = distribution(vec![4.0, 1.0, 3.0, 2.0, 5.0], 2);
        assert_eq!(d["n"], 5);
        assert_eq!(d["missing"], 2);
        assert_eq!(d["p50"], 3.0);
        // 0.95 x 4 = 3.8: between 4 and 5.
        assert!((d["p95"].as_f64().unwrap() - 4.8).abs() < 1e-12);
        assert_eq!(d["mean"], 3.0);
        assert_eq!(
            (d["min"].as_f64(), d["max"].as_f64()),
            (Some(1.0), Some(5.0))
        );
        assert_eq!(distribution(Vec::new(), 3), json!({"n": 0, "missing": 3}));
    }

    #[test]
    fn incidents_of_every_run_are_pooled() {
        let inc = |det: Option<f64>, rto: f64| {
            json!({"detection_ms": det, "lost_writes": 0,
                   "clients": {"eu": {"read_rto_ms": 0.0, "write_rto_ms": rto}}})
        };
        let a = json!({"availability": {"incidents": 2},
                       "incidents": [inc(Some(10.0), 100.0), inc(None, 300.0)]});
        let b = json!({"availability": {"incidents": 1}, "incidents": [inc(Some(30.0), 200.0)]});
        let p = pooled(&[&a, &b], true).unwrap();
        assert_eq!(p["total"], 3.0);
        assert_eq!(p["per_run"], 1.5);
        assert_eq!(p["milestones"]["detection_ms"]["n"], 2);
        assert_eq!(p["milestones"]["detection_ms"]["missing"], 1);
        assert_eq!(p["milestones"]["detection_ms"]["p50"], 20.0);
        assert_eq!(
            p["milestones"]["clients"]["eu"]["write_rto_ms"]["max"],
            300.0
        );
        assert_eq!(
            p["milestones"]["clients"]["eu"]["write_rto_ms"]["p50"],
            200.0
        );
        let none = json!({"availability": {"incidents": 0}});
        assert_eq!(pooled(&[&none], true), None);
    }
}
