//! Long exports: `figures.csv` and `estimates.csv` hold every number of
//! `summary.json`'s figures, with the same value, and nothing else.

use crate::common::shipped_report;
use serde_json::Value;
use std::collections::BTreeMap;

/// Every number under `v` by dotted path (list elements by index), written
/// here apart from the exporter.
fn numbers(v: &Value, path: String, out: &mut Vec<(String, f64)>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Value::Number(n) => out.push((path, n.as_f64().unwrap())),
        Value::Object(o) => o.iter().for_each(|(k, x)| numbers(x, join(k), out)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| numbers(x, join(&i.to_string()), out)),
        _ => {}
    }
}

fn rows(text: &str) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    r.records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn number(field: &str) -> Option<f64> {
    (!field.is_empty()).then(|| field.parse().expect("a number"))
}

#[test]
fn figures_and_estimates_csv_hold_every_number_of_the_summary_and_nothing_else() {
    let dir = shipped_report();
    let mut scenarios = 0;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let folder = e.path();
        let Ok(text) = std::fs::read_to_string(folder.join("summary.json")) else {
            continue;
        };
        scenarios += 1;
        let s: Value = serde_json::from_str(&text).unwrap();
        // Per run: (point, replication, path) -> value.
        let mut want: BTreeMap<(String, String, String), f64> = BTreeMap::new();
        // Aggregated: (point, path) -> (mean, low, high, n).
        let mut want_est: BTreeMap<(String, String), [Option<f64>; 4]> = BTreeMap::new();
        for p in s["points"].as_array().unwrap() {
            let label = p["label"].as_str().unwrap().to_string();
            for (r, run) in p["runs"].as_array().unwrap().iter().enumerate() {
                let mut n = Vec::new();
                numbers(run, String::new(), &mut n);
                for (path, v) in n {
                    want.insert((label.clone(), r.to_string(), path), v);
                }
            }
            // Every number of the aggregated figures belongs to one
            // estimate: its mean, an end, or its n.
            let mut n = Vec::new();
            numbers(&p["figures"], String::new(), &mut n);
            for (path, v) in n {
                let (head, field, index) = match path.rsplit_once('.') {
                    Some((h, i)) if i.bytes().all(|b| b.is_ascii_digit()) => {
                        let (h, f) = h.rsplit_once('.').unwrap();
                        (h.to_string(), f.to_string(), Some(i.to_string()))
                    }
                    Some((h, f)) => (h.to_string(), f.to_string(), None),
                    None => panic!("a bare number in figures: {path}"),
                };
                let key = match &index {
                    Some(i) => format!("{head}.{i}"),
                    None => head.clone(),
                };
                let slot = match field.as_str() {
                    "mean" => 0,
                    "ci_low" | "min" => 1,
                    "ci_high" | "max" => 2,
                    "n" => 3,
                    other => panic!("{path}: `{other}` is no part of an estimate"),
                };
                want_est.entry((label.clone(), key)).or_default()[slot] = Some(v);
            }
        }
        let text = std::fs::read_to_string(folder.join("figures.csv")).unwrap();
        let mut got = BTreeMap::new();
        for r in rows(&text) {
            assert_eq!(r.len(), 5);
            assert!(!r[3].is_empty(), "{}: a number without a unit", r[2]);
            let prev = got.insert(
                (r[0].clone(), r[1].clone(), r[2].clone()),
                number(&r[4]).unwrap(),
            );
            assert!(prev.is_none(), "{} listed twice", r[2]);
        }
        assert_eq!(got.len(), want.len(), "{}", folder.display());
        assert!(
            got == want,
            "{}: figures.csv differs from summary.json",
            folder.display()
        );
        let text = std::fs::read_to_string(folder.join("estimates.csv")).unwrap();
        let mut got_est: BTreeMap<(String, String), [Option<f64>; 4]> = BTreeMap::new();
        for r in rows(&text) {
            assert_eq!(r.len(), 7);
            let values = [number(&r[3]), number(&r[4]), number(&r[5]), number(&r[6])];
            // A series' n is the estimate's, on every element's row.
            got_est.insert((r[0].clone(), r[1].clone()), values);
        }
        // The estimate of a series has one n for all its elements: the
        // summary holds it once, under the series' path.
        for ((point, path), v) in &want_est {
            let got = got_est.get(&(point.clone(), path.clone()));
            match got {
                Some(g) => {
                    assert_eq!(&g[..3], &v[..3], "{point} {path}");
                    if v[3].is_some() {
                        assert_eq!(g[3], v[3], "{point} {path}: n");
                    }
                }
                None => {
                    // The `n` of a series (`PATH.n`): on each element's row.
                    assert!(v[..3].iter().all(Option::is_none), "{point} {path} missing");
                    let n = v[3].unwrap();
                    let elements: Vec<_> = got_est
                        .iter()
                        .filter(|((p, q), _)| p == point && q.starts_with(&format!("{path}.")))
                        .collect();
                    assert!(!elements.is_empty(), "{point} {path}: no element rows");
                    assert!(elements.iter().all(|(_, g)| g[3] == Some(n)));
                }
            }
        }
        for (key, g) in &got_est {
            let whole = want_est.get(key);
            let series_n = key
                .1
                .rsplit_once('.')
                .and_then(|(h, _)| want_est.get(&(key.0.clone(), h.to_string())));
            assert!(
                whole.is_some() || series_n.is_some_and(|v| v[3] == g[3]),
                "{} {}: in estimates.csv, not in summary.json",
                key.0,
                key.1
            );
        }
    }
    assert!(scenarios >= 15, "{scenarios} scenarios");
}

/// The path of every aggregated figure of `figures` (null when no
/// replication measured it), any element of a list of records as `N`.
fn estimate_paths(v: &Value, path: String, out: &mut Vec<String>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Value::Object(o) if o.contains_key("mean") && o.contains_key("n") => out.push(path),
        // A figure no replication measured (a latency without values).
        Value::Null => out.push(path),
        Value::Object(o) => o.iter().for_each(|(k, x)| estimate_paths(x, join(k), out)),
        Value::Array(a) => a.iter().for_each(|x| estimate_paths(x, join("N"), out)),
        _ => {}
    }
}

/// `regionsim figures` lists exactly the figures a run writes: for every
/// shipped scenario, each figure of its summary is listed, with a unit and
/// a meaning, and each one listed is written, but for the links that
/// carried no traffic and incidents that did not happen.
#[test]
fn the_figures_command_lists_what_a_run_writes() {
    let dir = shipped_report();
    let mut checked = 0;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let Ok(text) = std::fs::read_to_string(e.path().join("summary.json")) else {
            continue;
        };
        let s: Value = serde_json::from_str(&text).unwrap();
        let name = s["scenario"].as_str().unwrap().to_string();
        let file = crate::common::shipped_scenarios().join(format!("{name}.yaml"));
        let o = crate::common::regionsim(
            dir,
            &["figures", file.to_str().unwrap(), "--format", "json"],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let listed: Value = serde_json::from_slice(&o.stdout).unwrap();
        let listed: Vec<&Value> = listed.as_array().unwrap().iter().collect();
        for l in &listed {
            assert!(!l["unit"].as_str().unwrap().is_empty(), "{name}: {l}");
            assert!(l["meaning"].as_str().unwrap().len() > 8, "{name}: {l}");
        }
        let listed_paths: std::collections::BTreeSet<&str> =
            listed.iter().map(|l| l["path"].as_str().unwrap()).collect();
        // Every point's figures are listed; a figure listed without a
        // condition is written at every point.
        for point in s["points"].as_array().unwrap() {
            let mut written = Vec::new();
            estimate_paths(&point["figures"], String::new(), &mut written);
            let written: std::collections::BTreeSet<&str> =
                written.iter().map(String::as_str).collect();
            for w in &written {
                assert!(
                    listed_paths.contains(w),
                    "{name}: {w} is written, not listed"
                );
            }
            for l in &listed {
                let p = l["path"].as_str().unwrap();
                let sometimes = !l["when"].as_str().unwrap().is_empty();
                assert!(
                    written.contains(p) || sometimes,
                    "{name} {}: {p} is listed, not written",
                    point["label"]
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 15);
}

/// `buckets.csv` holds every per-bucket series of every shipped scenario in
/// long form: one row per point, bucket and series, its start time the
/// bucket's, its region the series' owner, its numbers those of the
/// summary; availability, utilisation, stale shares and anomalies included
/// where a scenario has them, and no curve over quantiles or ages.
#[test]
fn buckets_csv_holds_every_series_per_bucket_and_region() {
    let dir = shipped_report();
    let mut kinds = std::collections::BTreeSet::new();
    let mut scenarios = 0;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let folder = e.path();
        let Ok(text) = std::fs::read_to_string(folder.join("summary.json")) else {
            continue;
        };
        scenarios += 1;
        let s: Value = serde_json::from_str(&text).unwrap();
        let bucket_s = s["bucket_s"].as_f64().unwrap();
        let buckets = (s["duration_s"].as_f64().unwrap() / bucket_s).ceil() as usize;
        let csv_text = std::fs::read_to_string(folder.join("buckets.csv")).unwrap();
        let got = rows(&csv_text);
        let index: BTreeMap<(&str, &str, &str), &Vec<String>> = got
            .iter()
            .map(|r| ((r[0].as_str(), r[1].as_str(), r[4].as_str()), r))
            .collect();
        assert_eq!(index.len(), got.len(), "a row per point, bucket and series");
        let mut expected = 0;
        for p in s["points"].as_array().unwrap() {
            let label = p["label"].as_str().unwrap();
            let mut n = Vec::new();
            numbers(&p["figures"], String::new(), &mut n);
            for (path, v) in n {
                // `X.mean.I` of a series as long as the span has buckets,
                // not a quantile curve, a staleness-age curve nor
                // k-staleness.
                let Some((series, i)) = path
                    .strip_suffix(|c: char| c.is_ascii_digit())
                    .and_then(|_| path.rsplit_once(".mean."))
                else {
                    continue;
                };
                if series.ends_with("quantiles_ms")
                    || series.ends_with("stale_share_by_age")
                    || series.ends_with("k_staleness")
                {
                    continue;
                }
                let len = p["figures"]
                    .pointer(&format!("/{}/mean", series.replace('.', "/")))
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                assert_eq!(len, buckets, "{series}: one value per bucket");
                expected += 1;
                let row = index
                    .get(&(label, i, series))
                    .unwrap_or_else(|| panic!("{label} {series} bucket {i} missing"));
                let bucket: f64 = i.parse().unwrap();
                assert_eq!(number(&row[2]), Some(bucket * bucket_s));
                assert_eq!(number(&row[6]), Some(v), "{series} {i}");
                let owner = series.split('.').nth(1).unwrap_or_default();
                match series.split('.').next() {
                    Some("clients" | "app_tiers") => assert_eq!(row[3], owner),
                    Some("timeline") => assert_eq!(row[3], ""),
                    _ => {}
                }
                let last = series.rsplit('.').nth(1).unwrap_or_default();
                kinds.insert(if series.ends_with("availability") {
                    "availability"
                } else if series.ends_with("utilisation_by_bucket") {
                    "utilisation"
                } else if last == "stale_share" {
                    "stale share"
                } else if last == "anomalies_per_s" {
                    "anomalies"
                } else {
                    "other"
                });
            }
        }
        assert_eq!(got.len(), expected, "{}: nothing else", folder.display());
    }
    assert!(scenarios >= 10);
    for k in ["availability", "utilisation", "stale share", "anomalies"] {
        assert!(kinds.contains(k), "no {k} series in any scenario");
    }
}
