//! Sweeps, `--set` overrides and confidence intervals across replications.

use crate::common::{fig, plan, regionsim, summary, write, TWO_REGIONS};
use regionsim::report::aggregate::{aggregate, at};
use regionsim::runner;
use serde_json::Value;

/// TWO_REGIONS swept over the apply time (3 values) and the write rate of
/// region a (2 values).
fn swept(mode: &str) -> String {
    TWO_REGIONS
        .replace("seed: 3", "seed: 3\nreplications: 2")
        .to_string()
        + &format!(
            r#"sweep:
  mode: {mode}
  parameters:
    datasets.users.placement.single-primary.apply_time: [0ms, 1ms, 5ms]
    workload.a.rates.users.writes_per_s: [50, 100{}]
"#,
            if mode == "zip" { ", 150" } else { "" }
        )
}

#[test]
fn product_sweep_labels_every_combination() {
    let s = summary(&swept("product"));
    let points = s["points"].as_array().unwrap();
    let labels: Vec<&str> = points
        .iter()
        .map(|p| p["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "apply_time=0ms, writes_per_s=50",
            "apply_time=0ms, writes_per_s=100",
            "apply_time=1ms, writes_per_s=50",
            "apply_time=1ms, writes_per_s=100",
            "apply_time=5ms, writes_per_s=50",
            "apply_time=5ms, writes_per_s=100",
        ]
    );
    // Typed values: a number is a number, a duration its text.
    assert_eq!(
        points[3]["parameters"]["workload.a.rates.users.writes_per_s"],
        100
    );
    assert_eq!(
        points[3]["parameters"]["datasets.users.placement.single-primary.apply_time"],
        "1ms"
    );
    assert_eq!(points[3]["replications"], 2);
    assert_eq!(s["sweep"]["mode"], "product");
    assert!(s["sweep"]["common_random_numbers"]
        .as_str()
        .unwrap()
        .contains("same"));
    // The swept values reach the model: a longer apply time, a longer lag.
    let lag = |i: usize| {
        at(
            &s,
            &format!("points.{i}.figures.datasets.users.replicas.b.lag.mean_ms.mean"),
        )
        .and_then(Value::as_f64)
        .unwrap()
    };
    assert_eq!(lag(0), 38.0, "constant link, no apply time");
    assert!(
        lag(4) > lag(2) + 3.0 && lag(2) > lag(0) + 0.9,
        "{} {} {}",
        lag(0),
        lag(2),
        lag(4)
    );
}

#[test]
fn zip_sweep_pairs_values() {
    let p = plan(&swept("zip"));
    let labels: Vec<&str> = p.points.iter().map(|p| p.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "apply_time=0ms, writes_per_s=50",
            "apply_time=1ms, writes_per_s=100",
            "apply_time=5ms, writes_per_s=150"
        ]
    );
}

/// Common random numbers: every point sees the same arrivals, so figures
/// the swept parameter cannot affect are identical across points.
#[test]
fn sweep_points_share_random_streams() {
    let s = summary(&swept("product"));
    let reads = |i: usize| {
        at(&s, &format!("points.{i}.runs.0.clients.b.read_latency"))
            .unwrap()
            .clone()
    };
    assert_eq!(
        reads(0),
        reads(2),
        "apply time changed what users in b read"
    );
    assert_eq!(reads(0), reads(4));
}

#[test]
fn sweep_of_three_values_by_four_replications_is_thread_independent() {
    let tmp = tempfile::tempdir().unwrap();
    let yaml = TWO_REGIONS.replace("seed: 3", "seed: 3\nreplications: 4")
        + "sweep:\n  parameters:\n    network.links.0.delay: [20ms, 38ms, {uniform: {min: 30ms, max: 50ms}}]\n";
    write(tmp.path(), "s.yaml", &yaml);
    for (out, j) in [("o1", "1"), ("o2", "2")] {
        let o = regionsim(
            tmp.path(),
            &["run", "s.yaml", "-o", out, "-j", j, "--quiet"],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let read =
        |o: &str| std::fs::read(tmp.path().join(o).join("two-regions/summary.json")).unwrap();
    assert_eq!(read("o1"), read("o2"));
    let s: Value = serde_json::from_slice(&read("o1")).unwrap();
    assert_eq!(s["points"].as_array().unwrap().len(), 3);
    assert_eq!(s["points"][2]["runs"].as_array().unwrap().len(), 4);
    assert_eq!(
        s["points"][2]["label"],
        "delay={uniform: {min: 30ms, max: 50ms}}"
    );
}

#[test]
fn bad_sweeps_are_located() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        ("    keys: 5ms\n", "keys: 5ms", "non-empty list"),
        (
            "    datasets.users.keys: 5\n",
            "datasets.users.keys: 5",
            "non-empty list",
        ),
        (
            "    datasets.users.keys: [10, 0]\n",
            "sweep:",
            "sweep point `keys=0`: keys must be at least 1",
        ),
        (
            "    datasets.nope.keys: [10]\n",
            "datasets.nope.keys",
            "`datasets` has no item `nope`",
        ),
    ];
    for (param, located_at, words) in cases {
        let yaml = format!("{TWO_REGIONS}sweep:\n  parameters:\n{param}");
        write(tmp.path(), "s.yaml", &yaml);
        let o = regionsim(tmp.path(), &["validate", "s.yaml"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(words), "expected `{words}` in: {err}");
        if located_at != "sweep:" {
            let line = yaml.lines().position(|l| l.contains(located_at)).unwrap() + 1;
            assert!(
                err.contains(&format!("s.yaml:{line}:")),
                "line {line} in: {err}"
            );
        } else {
            assert!(err.contains("s.yaml:"), "{err}");
        }
    }
    let zip = format!("{TWO_REGIONS}sweep:\n  mode: zip\n  parameters:\n    seed: [1, 2]\n    datasets.users.keys: [10]\n");
    write(tmp.path(), "s.yaml", &zip);
    let o = regionsim(tmp.path(), &["validate", "s.yaml"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("mode zip") && err.contains("`datasets.users.keys` has 1 values"),
        "{err}"
    );
}

#[test]
fn bad_set_names_what_is_wrong_and_lists_valid_keys() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "s.yaml", TWO_REGIONS);
    let cases: [(&str, &[&str]); 6] = [
        (
            "datasets.users.keyz=5",
            &[
                "unknown field `keyz`",
                "`name`, `keys`, `popularity`, `record_bytes`, `load`, `read_load`, `write_load`, `restricted`, `placement`",
            ],
        ),
        (
            "datasets.userz.keys=5",
            &["`datasets` has no item `userz`", "users"],
        ),
        (
            "datasets.users.keys=lots",
            &["datasets.users.keys=lots", "invalid type"],
        ),
        (
            "netwrk.preset=aws",
            &["unknown field `netwrk`", "`network`", "`datasets`"],
        ),
        ("name.first=x", &["`name` is a single value"]),
        (
            "datasets.users.placement.single-primary.primary=mars",
            &["unknown region `mars`", "a, b"],
        ),
    ];
    for (set, words) in cases {
        let o = regionsim(tmp.path(), &["run", "s.yaml", "--set", set, "-o", "out"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{set}: {err}");
        for w in words {
            assert!(err.contains(w), "{set}: expected `{w}` in: {err}");
        }
    }
}

#[test]
fn set_changes_the_run() {
    let base = summary(TWO_REGIONS);
    let p = regionsim::scenario::plan_from_str(
        TWO_REGIONS,
        std::path::Path::new("t.yaml"),
        &[regionsim::scenario::Set::parse("network.links.0.delay=50ms").unwrap()],
        regionsim::metrics::figure_shape,
    )
    .unwrap();
    let records = runner::run_all(std::slice::from_ref(&p), Some(1)).unwrap();
    let refs: Vec<_> = records.iter().collect();
    let s = regionsim::report::summary(&p, &refs);
    assert_eq!(fig(&base, "clients.b.write_latency.min_ms"), 78.0);
    assert_eq!(fig(&s, "clients.b.write_latency.min_ms"), 102.0);
    assert_eq!(s["overrides"][0], "network.links.0.delay=50ms");
}

/// The 95 % interval of a figure whose true mean is known covers it in
/// about 95 % of replication sets.
///
/// Users of one region read a local replica through an access delay uniform
/// on [0, 20 ms] each way and a constant 1 ms inside the region: every read
/// takes a1 + a2 + 2 ms, true mean 22 ms. A run lasts 1 s at 20 reads/s, so
/// each run's mean latency is an average of ~20 reads (near-normal, sd about
/// 1.8 ms). 200 sets of 5 replications: coverage has standard deviation
/// sqrt(0.95 * 0.05 / 200) = 1.5 points, so 90.5 % to 99.5 % is three of them.
#[test]
fn confidence_intervals_cover_the_true_mean() {
    let yaml = r#"
name: coverage
seed: 21
duration: 1s
replications: 1000
regions: [{name: r, jurisdiction: US}, {name: p, jurisdiction: US}]
network:
  intra_region: 1ms
  links: [{between: [r, p], delay: 10ms}]
datasets:
  - name: d
    keys: 10
    placement: {single-primary: {primary: p, replicas: [r], apply_time: 0ms}}
workload:
  - region: r
    access_delay: {uniform: {min: 0ms, max: 20ms}}
    rates: {d: {reads_per_s: 20}}
"#;
    let p = plan(yaml);
    let records = runner::run_all(std::slice::from_ref(&p), None).unwrap();
    let (sets, per_set) = (200, 5);
    let mut covered = 0;
    let mut widths = 0.0;
    for k in 0..sets {
        let runs: Vec<&Value> = records[k * per_set..(k + 1) * per_set]
            .iter()
            .map(|r| &r.figures)
            .collect();
        let agg = aggregate(&runs);
        let e = at(&agg, "clients.r.read_latency.mean_ms").unwrap();
        let (lo, hi) = (
            e["ci_low"].as_f64().unwrap(),
            e["ci_high"].as_f64().unwrap(),
        );
        widths += hi - lo;
        if lo <= 22.0 && 22.0 <= hi {
            covered += 1;
        }
    }
    let coverage = f64::from(covered) / sets as f64;
    assert!((0.905..=0.995).contains(&coverage), "coverage {coverage}");
    // The intervals are informative, not trivially wide: t(0.975, 4) * 1.8 / sqrt(5) ~ 2.2 ms half-width.
    let mean_width = widths / sets as f64;
    assert!(
        (2.5..6.5).contains(&mean_width),
        "mean width {mean_width} ms"
    );
}

/// A precision target adds batches of replications until the interval of
/// every named figure is narrow enough, and stops at the first round that
/// is; an unreachable target stops at the cap and says so.
#[test]
fn precision_target_adds_replications_until_met() {
    let target = |rhw: &str, max: u32| {
        TWO_REGIONS.replace("seed: 3", "seed: 3\nreplications: 2")
            + &format!(
                "precision:\n  metrics: [clients.b.stale_reads.0ms.share]\n  relative_half_width: {rhw}\n  batch: 2\n  max_replications: {max}\n"
            )
    };
    let s = summary(&target("5%", 40));
    let p = &s["points"][0];
    let n = p["replications"].as_u64().unwrap() as usize;
    assert!(n > 2 && n <= 40 && n.is_multiple_of(2), "{n} replications");
    assert_eq!(p["precision"]["achieved"], true, "{}", p["precision"]);
    let share = |runs: &[Value]| -> Vec<f64> {
        runs.iter()
            .map(|r| {
                at(r, "clients.b.stale_reads.0ms.share")
                    .unwrap()
                    .as_f64()
                    .unwrap()
            })
            .collect()
    };
    let runs = p["runs"].as_array().unwrap();
    let rel = |xs: &[f64]| {
        let i = regionsim::stats::interval(xs, 0.95).unwrap();
        (i.high.unwrap() - i.mean) / i.mean
    };
    assert!(rel(&share(runs)) <= 0.05);
    assert!(
        rel(&share(&runs[..n - 2])) > 0.05,
        "one round fewer would have done"
    );
    assert_eq!(
        p["precision"]["least_precise_relative_half_width"]
            .as_f64()
            .unwrap(),
        rel(&share(runs))
    );

    let capped = summary(&target("0.01%", 6));
    let p = &capped["points"][0];
    assert_eq!(p["replications"], 6);
    assert_eq!(p["precision"]["achieved"], false);

    // A figure that no run has (a promotion after a failure too short to
    // be detected) stops the rounds at once and is named.
    let absent = TWO_REGIONS
        .replace("seed: 3", "seed: 3\nreplications: 2")
        .replace(
            "replicas: [b]",
            "replicas: [b]\n        failover: {promotion_delay: 5s}",
        )
        + "health_checks: {interval: 10s, timeout: 2s, failure_threshold: 3}\n"
        + "failures: [{region: a, service: database, at: 10s, duration: 1s}]\n"
        + "precision:\n  metrics: [datasets.users.failover.first_promotion_ms]\n  relative_half_width: 5%\n  batch: 2\n  max_replications: 40\n";
    let s = summary(&absent);
    let p = &s["points"][0];
    assert_eq!(p["replications"], 2, "{}", p["precision"]);
    assert_eq!(p["precision"]["achieved"], false);
    assert_eq!(
        p["precision"]["absent_metrics"],
        serde_json::json!(["datasets.users.failover.first_promotion_ms"])
    );

    // Rounds are decided by results only: any thread count, same output.
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "p.yaml", &target("5%", 40));
    for (out, j) in [("o1", "1"), ("o2", "2")] {
        let o = regionsim(
            tmp.path(),
            &["run", "p.yaml", "-o", out, "-j", j, "--quiet"],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let read =
        |o: &str| std::fs::read(tmp.path().join(o).join("two-regions/summary.json")).unwrap();
    assert_eq!(read("o1"), read("o2"));
    let o = regionsim(tmp.path(), &["run", "p.yaml", "--shard", "1/2"]);
    assert_eq!(o.status.code(), Some(2), "precision cannot be sharded");
}

#[test]
fn bad_precision_targets_are_located() {
    let cases = [
        ("  metrics: [clients.b.nope]\n  relative_half_width: 5%\n  max_replications: 10\n", "metrics: [clients.b.nope]", "unknown metric"),
        ("  metrics: [clients.b.read_latency.p99_ms]\n  relative_half_width: 0%\n  max_replications: 10\n", "relative_half_width: 0%", "must be above 0"),
        ("  metrics: [clients.b.read_latency.p99_ms]\n  relative_half_width: 5%\n  max_replications: 1\n", "max_replications: 1", "is below replications"),
    ];
    let tmp = tempfile::tempdir().unwrap();
    for (block, located_at, words) in cases {
        let yaml =
            TWO_REGIONS.replace("seed: 3", "seed: 3\nreplications: 2") + "precision:\n" + block;
        write(tmp.path(), "p.yaml", &yaml);
        let o = regionsim(tmp.path(), &["validate", "p.yaml"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        let line = yaml.lines().position(|l| l.contains(located_at)).unwrap() + 1;
        assert!(
            err.contains(&format!("p.yaml:{line}:")) && err.contains(words),
            "line {line}, `{words}` in: {err}"
        );
    }
}

/// The lint runs on every sweep point and names the point it concerns.
#[test]
fn warnings_name_the_sweep_point_they_concern() {
    let yaml = format!(
        "{TWO_REGIONS}sweep:\n  parameters:\n    datasets.users.placement.single-primary.apply_time: [0ms, 30ms]\n"
    );
    let p = crate::common::plan(&yaml);
    let w = p.warnings();
    // 60 writes/s at 30 ms each: the apply thread is 180 % busy at that point only.
    assert!(
        w.iter().any(|w| w.starts_with(
            "sweep point `apply_time=30ms`: dataset `users`: replicas apply 60 writes/s"
        ) && w.contains("utilisation 1.80")),
        "{w:?}"
    );
    assert!(!w.iter().any(|w| w.contains("apply_time=0ms")), "{w:?}");
    // Common findings once, without a point.
    assert!(
        w.iter()
            .any(|w| w.starts_with("dataset `users`: single point of failure")),
        "{w:?}"
    );
    let s = crate::common::summary(&yaml.replace("duration: 60s", "duration: 2s"));
    assert_eq!(s["warnings"].as_array().unwrap().len(), w.len());
}

/// A problem every point shares is reported once, without naming points;
/// one that only some points have names them.
#[test]
fn a_problem_of_every_point_is_reported_once() {
    let tmp = tempfile::tempdir().unwrap();
    let yaml = format!(
        "{TWO_REGIONS}sweep:\n  parameters:\n    datasets.users.keys: [10, 20, 0]\nslo:\n  - {{metric: stale_reads.1s.share, scope: {{client: b}}, max: 1%}}\n"
    );
    write(tmp.path(), "s.yaml", &yaml);
    let o = regionsim(tmp.path(), &["validate", "s.yaml"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    // Every point lacks the bound: said once, at the SLO, naming no point.
    assert_eq!(
        err.matches("not one of the scenario's staleness_bounds")
            .count(),
        1,
        "{err}"
    );
    let line = yaml.lines().position(|l| l.contains("metric:")).unwrap() + 1;
    assert!(
        err.contains(&format!("error: s.yaml:{line}:14: unknown metric")),
        "{err}"
    );
    // Only one point has keys 0: it is named.
    assert!(
        err.contains("sweep point `keys=0`: keys must be at least 1"),
        "{err}"
    );
    // A problem of two points of three names both: the replica the SLO
    // is on exists only in the first.
    let two = format!(
        "{TWO_REGIONS}sweep:\n  names: [with, without, none]\n  parameters:\n    datasets.users.placement.single-primary.replicas: [[b], [], []]\nslo:\n  - {{metric: datasets.users.replicas.b.lag.p99_ms, max: 1s}}\n"
    );
    write(tmp.path(), "s.yaml", &two);
    let o = regionsim(tmp.path(), &["validate", "s.yaml"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("sweep points `without`, `none`: unknown metric"),
        "{err}"
    );
    assert!(!err.contains("`with`"), "{err}");
}

/// Points can be named; a name labels the point everywhere, and a name
/// per point is required.
#[test]
fn sweep_points_can_be_named() {
    let yaml = format!(
        "{TWO_REGIONS}sweep:\n  mode: zip\n  names: [light, heavy]\n  parameters:\n    workload.a.rates.users.writes_per_s: [50, 500]\n    datasets.users.placement.single-primary.apply_time: [{{exponential: {{mean: 1ms}}}}, 2ms]\n"
    );
    let p = crate::common::plan(&yaml);
    let labels: Vec<&str> = p.points.iter().map(|q| q.label.as_str()).collect();
    assert_eq!(labels, ["light", "heavy"]);
    let s = crate::common::summary(&yaml.replace("duration: 60s", "duration: 2s"));
    assert_eq!(s["points"][1]["label"], "heavy");
    assert_eq!(
        s["points"][0]["parameters"]["datasets.users.placement.single-primary.apply_time"],
        serde_json::json!({"exponential": {"mean": "1ms"}})
    );
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "s.yaml",
        &yaml.replace("[light, heavy]", "[light]"),
    );
    let o = regionsim(tmp.path(), &["validate", "s.yaml"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("1 names for 2 points"), "{err}");
    // Numbers are names too, from the file and through an override.
    write(
        tmp.path(),
        "s.yaml",
        &yaml.replace("[light, heavy]", "[1, 2.5]"),
    );
    for extra in [&[][..], &["--set", "seed=4"][..]] {
        let o = regionsim(tmp.path(), &[&["validate", "s.yaml"][..], extra].concat());
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // A name given twice, and one that could not be a file name: each
    // located at the name itself.
    let line = yaml.lines().position(|l| l.contains("names:")).unwrap() + 1;
    for (names, col, message) in [
        ("[light, light]", 18, "sweep name `light` is given twice"),
        (
            "[light, a/b]",
            18,
            "sweep name `a/b` must be 1 to 64 letters",
        ),
    ] {
        write(tmp.path(), "s.yaml", &yaml.replace("[light, heavy]", names));
        let o = regionsim(tmp.path(), &["validate", "s.yaml"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!("s.yaml:{line}:{col}: {message}")),
            "{err}"
        );
    }
}
