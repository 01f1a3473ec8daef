//! `regionsim check`: SLO verdicts, exit codes, JUnit XML and Markdown.

use crate::common::{fig, regionsim, summary, write, TWO_REGIONS};
use regionsim::report::aggregate::at;
use serde_json::Value;
use std::io::BufReader;

fn with_slo(slo: &str) -> String {
    format!("{TWO_REGIONS}slo:\n{slo}")
}

/// Writes `yaml`, runs `check` on it, returns (exit code, stdout, stderr, dir).
fn check(yaml: &str) -> (Option<i32>, String, String, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "s.yaml", yaml);
    let o = regionsim(tmp.path(), &["check", "s.yaml", "-o", "out"]);
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        tmp,
    )
}

#[test]
fn exit_0_when_met_and_1_when_violated() {
    // Writes from b take exactly 78 ms (constant delays).
    let (code, out, err, _t) = check(&with_slo(
        "  - {name: writes from b, metric: write_latency.max_ms, scope: {client: b}, max: 80ms}\n",
    ));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("PASS two-regions: writes from b: 78ms <= 80ms"),
        "{out}"
    );
    let (code, out, err, _t) = check(&with_slo(
        "  - {name: writes from b, metric: write_latency.max_ms, scope: {client: b}, max: 75ms}\n",
    ));
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        out.contains("FAIL two-regions: writes from b: 78ms > 75ms (judged on the mean;"),
        "{out}"
    );
    assert!(out.contains("0 SLOs passed, 1 failed"), "{out}");
}

#[test]
fn min_bounds_and_exact_counts() {
    let (code, out, _, _t) = check(&with_slo(
        "  - {metric: clients.b.stale_reads.50ms.count, max: 0}\n  - {metric: datasets.users.replicas.b.lag.count, min: 1000}\n",
    ));
    assert_eq!(code, Some(0), "{out}");
    let (code, out, _, _t) = check(&with_slo(
        "  - {metric: datasets.users.replicas.b.lag.count, min: 1000000}\n",
    ));
    assert_eq!(code, Some(1), "{out}");
    // The comparison that failed, not the bound that was not met.
    assert!(
        out.contains(": 3597 < 1000000 (judged on the mean;"),
        "{out}"
    );
}

#[test]
fn malformed_slos_exit_2_with_location() {
    let cases: [(&str, &str, &[&str]); 4] = [
        (
            "  - metric: clients.b.conflicts_per_s\n    max: 1\n",
            "metric: clients.b.conflicts_per_s",
            &[
                "unknown metric `clients.b.conflicts_per_s`",
                "at `clients.b` the figures are: requests, read_latency, write_latency, stale_reads",
            ],
        ),
        (
            "  - metric: clients.b.read_latency.p99_ms\n    max: 5%\n",
            "max: 5%",
            &["is a duration", "50ms"],
        ),
        (
            "  - metric: clients.b.read_latency\n    max: 5ms\n",
            "metric: clients.b.read_latency",
            &["is a group", "p99_ms"],
        ),
        (
            "  - metric: clients.b.read_latency.p99_ms\n    max: 5ms\n    confidence: 95%\n",
            "confidence: 95%",
            &["at least 2 replications"],
        ),
    ];
    for (slo, located_at, words) in cases {
        let yaml = with_slo(slo);
        let (code, _, err, _t) = check(&yaml);
        assert_eq!(code, Some(2), "{slo}: {err}");
        let line = yaml.lines().position(|l| l.contains(located_at)).unwrap() + 1;
        assert!(
            err.contains(&format!("s.yaml:{line}:")),
            "line {line} in: {err}"
        );
        for w in words {
            assert!(err.contains(w), "expected `{w}` in: {err}");
        }
    }
}

#[test]
fn junit_xml_parses_with_one_case_per_slo_and_point() {
    let yaml = with_slo(
        "  - {name: fast writes, metric: write_latency.max_ms, scope: {client: b}, max: 90ms}\n  - {name: fresh reads, metric: stale_reads.0ms.share, scope: {client: b}, max: 50%}\n",
    ) + "sweep:\n  parameters:\n    network.links.0.delay: [38ms, 50ms]\n";
    let (code, out, err, tmp) = check(&yaml);
    // With a 50 ms link, writes from b take 102 ms: one failure.
    assert_eq!(code, Some(1), "{out}{err}");
    let xml = std::fs::read(tmp.path().join("out/two-regions/junit.xml")).unwrap();
    let suites = junit_parser::from_reader(BufReader::new(&xml[..])).expect("JUnit XML parses");
    assert_eq!(suites.tests, 4);
    assert_eq!(suites.failures, 1);
    let suite = &suites.suites[0];
    assert_eq!(suite.name, "two-regions");
    let failed: Vec<_> = suite
        .cases
        .iter()
        .filter(|c| c.status.is_failure())
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0].classname.as_deref(),
        Some("two-regions.delay=50ms")
    );
    let message = failed[0].status.failure_as_ref().message.clone();
    assert!(
        message.starts_with("102ms > 90ms (judged on the mean"),
        "{message}"
    );
    let md = std::fs::read_to_string(tmp.path().join("out/summary.md")).unwrap();
    assert!(
        md.contains("SLOs: **3 passed, 1 failed**")
            && md.contains(
                "| delay=50ms | fast writes | 102ms | mean | <= 90ms | ❌ fail: 102ms > 90ms |"
            ),
        "{md}"
    );
}

/// With `confidence`, the verdict is on the interval's far end: a bound
/// between the mean and the upper end passes on the mean and fails on the
/// interval, so a noisy CI gate errs on the safe side.
#[test]
fn confidence_judges_the_interval_not_the_mean() {
    let base = TWO_REGIONS.replace("seed: 3", "seed: 3\nreplications: 4");
    let s = summary(&base);
    let e = at(&s, "points.0.figures.clients.b.stale_reads.0ms.share").unwrap();
    let (mean, high) = (e["mean"].as_f64().unwrap(), e["ci_high"].as_f64().unwrap());
    assert!(high > mean, "the share varies across replications");
    let bound = format!("{}%", (mean + high) / 2.0 * 100.0);
    let verdict = |confidence: &str| -> Value {
        let yaml = format!(
            "{base}slo:\n  - metric: clients.b.stale_reads.0ms.share\n    max: {bound}\n{confidence}"
        );
        summary(&yaml)["points"][0]["slo"][0].clone()
    };
    let on_mean = verdict("");
    assert_eq!(on_mean["verdict"], "pass", "{on_mean}");
    let on_interval = verdict("    confidence: 95%\n");
    assert_eq!(on_interval["verdict"], "fail", "{on_interval}");
    assert_eq!(on_interval["judged_on"], "upper end of the 95% interval");
    assert!((on_interval["judged"].as_f64().unwrap() - high).abs() < 1e-12);
    assert!((on_interval["mean"].as_f64().unwrap() - mean).abs() < 1e-12);
    // The comparison that failed, with the value judged.
    let judged = regionsim::scenario::Unit::Share.show(high);
    assert_eq!(
        on_interval["comparison"],
        format!(
            "{judged} > {}",
            regionsim::scenario::Unit::Share.show(on_interval["max"].as_f64().unwrap())
        )
    );
}

/// `-q` is quiet on success for every command: `check -q` on a passing
/// folder prints nothing at all; on a failure only the failing lines.
/// Without `-q`, `check` prints the tables as `run` does.
#[test]
fn quiet_means_nothing_on_success() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("folder");
    std::fs::create_dir(&dir).unwrap();
    write(
        &dir,
        "pass.yaml",
        &with_slo("  - {metric: clients.b.write_latency.max_ms, max: 80ms}\n"),
    );
    write(
        &dir,
        "other.yaml",
        &with_slo("  - {metric: clients.b.read_latency.p99_ms, max: 1s}\n")
            .replace("name: two-regions", "name: other"),
    );
    let silent = |args: &[&str]| {
        let o = regionsim(tmp.path(), args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            o.stdout.is_empty() && o.stderr.is_empty(),
            "{args:?} printed: {:?} {:?}",
            o.stdout,
            o.stderr
        );
    };
    silent(&["check", "-q", "folder", "-o", "out"]);
    silent(&["run", "-q", "folder", "-o", "out"]);
    silent(&["validate", "-q", "folder"]);
    silent(&["run", "-q", "folder", "--shard", "1/1", "-o", "shards"]);
    silent(&["merge", "-q", "shards", "-o", "merged"]);
    silent(&["merge", "-q", "--check", "shards", "-o", "merged"]);
    // Not quiet: the tables, then the verdicts.
    let o = regionsim(tmp.path(), &["check", "folder", "-o", "out"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("== two-regions ==") && out.contains("client region"),
        "{out}"
    );
    assert!(
        out.find("== other ==").unwrap() < out.find("PASS other").unwrap(),
        "{out}"
    );
    // Quiet with a failure: only what failed.
    write(
        &dir,
        "fail.yaml",
        &with_slo("  - {metric: clients.b.write_latency.max_ms, max: 70ms}\n")
            .replace("name: two-regions", "name: failing"),
    );
    let o = regionsim(tmp.path(), &["check", "-q", "folder", "-o", "out"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        out.starts_with("FAIL failing: ") && !out.contains("PASS"),
        "{out}"
    );
}

/// The README documents `figures.incidents.K`: an SLO may name incident K's
/// milestones; the incidents list itself is not one figure.
#[test]
fn an_slo_may_name_an_incidents_milestone() {
    let outage = format!(
        "{TWO_REGIONS}health_checks: {{checkers: [b], interval: 10s, timeout: 2s, failure_threshold: 3}}\n\
         failures:\n  - {{region: a, at: 10s, duration: 45s}}\n"
    )
    .replace(
        "replicas: [b]",
        "replicas: [b]\n        failover: {promotion_delay: 5s}",
    );
    assert!(outage.contains("failover:"), "the fixture changed");
    // Detection: the third failed probe (probes every 10 s) times out 2 s
    // after it is sent, so 22 to 32 s after the failure.
    let (code, out, err, _t) = check(&format!(
        "{outage}slo:\n  - {{metric: incidents.0.detection_ms, min: 22s, max: 32s}}\n"
    ));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("metric incidents.0.detection_ms"), "{out}");
    let (code, _, err, _t) = check(&format!(
        "{outage}slo:\n  - {{metric: incidents.detection_ms, max: 32s}}\n"
    ));
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("is a list; name an element by its number from 0, e.g. incidents.0"),
        "{err}"
    );
}

/// No figure is counted at a histogram's ceiling: writes at twice what the
/// replica can apply for ten hours leave the write committed at t applied
/// about t later (lags spread evenly up to 10 h), so the lag's p99 is about
/// 9.9 h and an SLO of 3 h fails. (A fixed ceiling of 2.78 h once reported
/// that p99 as 2.78 h and passed the SLO.)
#[test]
fn a_lag_of_hours_is_reported_and_judged_as_it_is() {
    let yaml = TWO_REGIONS
        .replace("duration: 60s", "duration: 10h\nbucket: 1h")
        .replace("apply_time: 0ms", "apply_time: 1s")
        .replace("users: {writes_per_s: 50}", "users: {writes_per_s: 2}")
        .replace("{reads_per_s: 200, writes_per_s: 10}", "{reads_per_s: 1}");
    let (code, out, err, _t) = check(&format!(
        "{yaml}slo:\n  - {{metric: lag.p99_ms, scope: {{dataset: users, replica: b}}, max: 3h}}\n"
    ));
    assert_eq!(code, Some(1), "{out}{err}");
    let s = summary(&yaml);
    let p99 = fig(&s, "datasets.users.replicas.b.lag.p99_ms") / 3.6e6;
    assert!((p99 - 9.9).abs() < 0.3, "p99 {p99} h");
    let p50 = fig(&s, "datasets.users.replicas.b.lag.p50_ms") / 3.6e6;
    assert!((p50 - 5.0).abs() < 0.3, "p50 {p50} h");
}

/// A perfect run is not "no data": at 100 % its nines are log10 of the
/// requests it sent (the most a run of that size can show), so "at least
/// 3 nines" passes after 15,000 requests and a run of 500 cannot claim it.
#[test]
fn a_perfect_run_meets_a_nines_slo_it_is_large_enough_to_show() {
    let slo = "  - {metric: availability.nines, min: 3}\n";
    let (code, out, err, _t) = check(&with_slo(slo));
    assert_eq!(code, Some(0), "{out}{err}");
    let s = summary(TWO_REGIONS);
    let attempted: f64 = ["a", "b"]
        .iter()
        .map(|r| fig(&s, &format!("clients.{r}.requests.attempted")))
        .sum();
    assert_eq!(fig(&s, "availability.overall"), 1.0);
    assert!((fig(&s, "availability.nines") - attempted.log10()).abs() < 1e-9);
    let small = TWO_REGIONS
        .replace("duration: 60s", "duration: 2s")
        .replace("{reads_per_s: 200, writes_per_s: 10}", "{reads_per_s: 190}");
    let (code, out, _, _t) = check(&format!("{small}slo:\n{slo}"));
    assert_eq!(code, Some(1), "{out}");
}

/// `check --format json` on a folder with a failing SLO: exit 1, and stdout
/// is a JSON array of flat verdicts that names it, with its figure, the
/// value judged and its bound.
#[test]
fn check_json_prints_the_verdicts_first() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("scenarios");
    std::fs::create_dir(&dir).unwrap();
    write(
        &dir,
        "s.yaml",
        &with_slo(
            "  - {name: writes from b, metric: write_latency.max_ms, scope: {client: b}, max: 75ms}\n  - {metric: clients.b.stale_reads.50ms.count, max: 0}\n",
        ),
    );
    let o = regionsim(
        tmp.path(),
        &["check", "scenarios", "-o", "out", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).expect("stdout is a JSON array");
    let all = v.as_array().unwrap();
    assert_eq!(all.len(), 2);
    let failed: Vec<&Value> = all.iter().filter(|v| v["pass"] == false).collect();
    assert_eq!(failed.len(), 1);
    let f = failed[0];
    assert_eq!(f["scenario"], "two-regions");
    assert_eq!(f["slo"], "writes from b");
    assert_eq!(f["figure"], "clients.b.write_latency.max_ms");
    assert_eq!(f["bound"], "<= 75ms");
    assert_eq!(f["value"].as_f64(), Some(78.0));
    assert_eq!(all[1]["slo"], "clients.b.stale_reads.50ms.count");
    assert_eq!(all[1]["pass"], true);
}

/// JUnit case names do not change when a bound does (CI dashboards keep a
/// test's history); two SLOs on one figure stay apart.
#[test]
fn junit_names_are_stable_under_a_bound_change() {
    let names = |max: &str| -> Vec<String> {
        let (_, _, _, tmp) = check(&with_slo(&format!(
            "  - {{name: writes from b, metric: write_latency.max_ms, scope: {{client: b}}, max: {max}}}\n  - {{metric: clients.b.write_latency.max_ms, max: 1s}}\n  - {{metric: clients.b.write_latency.max_ms, min: 1ms}}\n"
        )));
        let xml = std::fs::read(tmp.path().join("out/two-regions/junit.xml")).unwrap();
        let suites = junit_parser::from_reader(BufReader::new(&xml[..])).expect("JUnit parses");
        suites.suites[0]
            .cases
            .iter()
            // The parser prefixes the class: `two-regions.base::NAME`.
            .map(|c| c.name.rsplit("::").next().unwrap().to_string())
            .collect()
    };
    let loose = names("80ms");
    assert_eq!(
        loose,
        [
            "writes from b",
            "clients.b.write_latency.max_ms (max)",
            "clients.b.write_latency.max_ms (min)"
        ]
    );
    assert_eq!(names("75ms"), loose, "tightening a bound renames nothing");
}
