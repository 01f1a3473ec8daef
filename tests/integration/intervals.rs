//! Intervals that fit their figure: never below zero (every figure is a
//! count, a duration, a rate or a share), shares never above 100 %, and
//! extremes summarised by their range, not a t-interval.

use crate::common::{regionsim, shipped_scenarios, write, TWO_REGIONS};
use serde_json::Value;

/// Checks every aggregated figure under `v`; returns how many it checked.
fn check(v: &Value, path: &str) -> usize {
    match v {
        // A series: `{mean: [...], ci_low: [...], ...}`, checked element by
        // element as the figure each is.
        Value::Object(o) if o.get("mean").is_some_and(Value::is_array) => {
            let len = o["mean"].as_array().unwrap().len();
            (0..len)
                .map(|i| {
                    let element: serde_json::Map<String, Value> = o
                        .iter()
                        .map(|(k, x)| (k.clone(), x.get(i).cloned().unwrap_or(x.clone())))
                        .collect();
                    check(&Value::Object(element), &format!("{path}.{i}"))
                })
                .sum()
        }
        Value::Object(o) if o.contains_key("mean") && o.contains_key("n") => {
            let get = |k: &str| o.get(k).and_then(Value::as_f64);
            let extreme = path.ends_with("min_ms") || path.ends_with("max_ms");
            if extreme {
                assert!(
                    o.contains_key("min") && !o.contains_key("ci_low"),
                    "{path}: {v}"
                );
            }
            for k in ["ci_low", "min", "mean"] {
                if let Some(x) = get(k) {
                    assert!(x >= 0.0, "{path}.{k} = {x}");
                }
            }
            if path.contains("share") {
                for k in ["ci_high", "mean"] {
                    if let Some(x) = get(k) {
                        assert!(x <= 1.0, "{path}.{k} = {x}");
                    }
                }
            }
            if let (Some(lo), Some(hi)) = (get("min"), get("max")) {
                assert!(
                    lo <= get("mean").unwrap() && get("mean").unwrap() <= hi,
                    "{path}"
                );
            }
            1
        }
        Value::Object(o) => o
            .iter()
            .map(|(k, x)| check(x, &format!("{path}.{k}")))
            .sum(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, x)| check(x, &format!("{path}.{i}")))
            .sum(),
        _ => 0,
    }
}

fn figures_checked(summary: &Value) -> usize {
    summary["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| check(&p["figures"], "figures"))
        .sum()
}

#[test]
fn no_interval_leaves_its_figures_domain() {
    let tmp = tempfile::tempdir().unwrap();
    // A sweep with 2 replications whose figures vary between them; a zero
    // apply time makes some stale shares tiny, where a t-interval dips
    // below zero.
    let sweep = TWO_REGIONS
        .replace("seed: 3", "seed: 3\nreplications: 2")
        .replace("delay: 38ms", "delay: {shifted_exponential: {base: 30ms, extra_mean: 20ms}}")
        + "sweep:\n  parameters:\n    datasets.users.placement.single-primary.apply_time: [0ms, {exponential: {mean: 3ms}}]\n";
    write(tmp.path(), "sweep.yaml", &sweep);
    let o = regionsim(
        tmp.path(),
        &["run", "sweep.yaml", "-q", "--no-charts", "-o", "s"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let read = |p: &str| -> Value {
        serde_json::from_slice(&std::fs::read(tmp.path().join(p)).unwrap()).unwrap()
    };
    let s = read("s/two-regions/summary.json");
    assert!(figures_checked(&s) > 500);
    // Every shipped scenario, shortened (those with scheduled failures to
    // 3 minutes: theirs start at 1 or 2).
    let dir = shipped_scenarios();
    let mut args: Vec<String> = vec!["run".into()];
    for name in [
        "reference",
        "global-five-regions",
        "apply-bottleneck",
        "apply-speed-sweep",
        "replication-modes",
        "year-of-failures",
    ] {
        args.push(dir.join(format!("{name}.yaml")).display().to_string());
    }
    let outages: Vec<String> = [
        "region-outage",
        "partition-us-eu",
        "app-everywhere-database-in-one",
    ]
    .iter()
    .map(|n| dir.join(format!("{n}.yaml")).display().to_string())
    .collect();
    let o = regionsim(
        tmp.path(),
        &[
            "run",
            &outages[0],
            &outages[1],
            &outages[2],
            "-q",
            "--no-charts",
            "-o",
            "outage",
            "--set",
            "duration=3m",
            "--set",
            "replications=2",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = regionsim(
        tmp.path(),
        &[
            &args[..],
            &[
                "-q",
                "--no-charts",
                "-o",
                "shipped",
                "--set",
                "duration=60s",
                "--set",
                "warmup=5s",
                "--set",
                "replications=2",
            ],
        ]
        .concat(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for name in [
        "reference",
        "global-five-regions",
        "apply-bottleneck",
        "apply-speed-sweep",
        "replication-modes",
        "year-of-failures",
    ] {
        let s = read(&format!("shipped/{name}/summary.json"));
        assert!(figures_checked(&s) > 100, "{name}");
        assert!(s["intervals"].as_str().unwrap().contains("range"));
    }
    for name in [
        "region-outage",
        "partition-us-eu",
        "app-everywhere-database-in-one",
    ] {
        let s = read(&format!("outage/{name}/summary.json"));
        assert!(figures_checked(&s) > 100, "{name}");
    }
}
