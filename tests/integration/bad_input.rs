//! Bad input never panics: exit code 2 and a message naming the file, and
//! where YAML locates it, the line and column.

use crate::common::{regionsim, validate, write, TWO_REGIONS};

/// 1-based line of the first line of `yaml` containing `needle`.
fn line_of(yaml: &str, needle: &str) -> usize {
    yaml.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` not in the scenario"))
        + 1
}

/// Replaces `from` (which must occur) in the reference test scenario,
/// validates it, and checks the message and its location.
fn assert_rejected(from: &str, to: &str, located_at: &str, words: &[&str]) {
    assert!(
        TWO_REGIONS.contains(from),
        "`{from}` not in the base scenario"
    );
    let yaml = TWO_REGIONS.replacen(from, to, 1);
    let (code, err, _) = validate(&yaml);
    assert_eq!(code, Some(2), "exit code for {to:?}; stderr: {err}");
    let line = line_of(&yaml, located_at);
    let prefix = format!("test.yaml:{line}:");
    assert!(err.contains(&prefix), "expected {prefix} in: {err}");
    let col: usize = err
        .split(&prefix)
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no column in: {err}"));
    let text = yaml.lines().nth(line - 1).unwrap();
    assert!(
        col >= 1 && col <= text.len() + 1,
        "column {col} outside `{text}`"
    );
    for w in words {
        assert!(err.contains(w), "expected `{w}` in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn unknown_field() {
    assert_rejected(
        "  - {name: b, jurisdiction: EU}",
        "  - {name: b, jurisdiction: EU, colour: blue}",
        "colour: blue",
        &["unknown field `colour`", "jurisdiction"],
    );
}

#[test]
fn wrong_type() {
    assert_rejected(
        "keys: 100",
        "keys: many",
        "keys: many",
        &["invalid type", "keys"],
    );
}

#[test]
fn unknown_region_in_link() {
    assert_rejected(
        "between: [a, b]",
        "between: [a, mars]",
        "between: [a, mars]",
        &["unknown region `mars`", "a, b"],
    );
}

#[test]
fn unknown_region_in_dataset() {
    assert_rejected(
        "primary: a",
        "primary: us-east-9",
        "primary: us-east-9",
        &["unknown region `us-east-9`"],
    );
    assert_rejected(
        "replicas: [b]",
        "replicas: [b, zz]",
        "replicas: [b, zz]",
        &["unknown region `zz`"],
    );
}

#[test]
fn unknown_dataset_in_workload() {
    assert_rejected(
        "users: {writes_per_s: 50}",
        "orders: {writes_per_s: 50}",
        "orders: {writes_per_s: 50}",
        &["unknown dataset `orders`", "users"],
    );
}

#[test]
fn negative_or_zero_rate() {
    assert_rejected(
        "users: {writes_per_s: 50}",
        "users: {writes_per_s: -50}",
        "writes_per_s: -50",
        &["writes_per_s must be a positive number", "-50"],
    );
    assert_rejected(
        "users: {reads_per_s: 200, writes_per_s: 10}",
        "users: {reads_per_s: 0, writes_per_s: 10}",
        "reads_per_s: 0",
        &["reads_per_s must be a positive number"],
    );
}

#[test]
fn impossible_distribution_parameters() {
    let cases: [(&str, &[&str]); 6] = [
        (
            "{lognormal: {mu: 0.5, sigma: -1}}",
            &["sigma must be 0 or more"],
        ),
        (
            "{lognormal: {median: 5ms, p99: 2ms}}",
            &["p99 (2ms) must be above the median (5ms)"],
        ),
        ("{empirical: []}", &["at least two points"]),
        (
            "{uniform: {min: 5ms, max: 1ms}}",
            &["max (1ms) must not be below min (5ms)"],
        ),
        (
            "{pareto: {scale: 1ms, shape: 0}}",
            &["shape must be a positive number"],
        ),
        (
            "{gamma: {shape: 2}}",
            &["unknown distribution `gamma`", "lognormal"],
        ),
    ];
    for (dist, words) in cases {
        let to = format!("apply_time: {dist}");
        assert_rejected("apply_time: 0ms", &to, &to, words);
    }
}

#[test]
fn duration_without_unit() {
    assert_rejected(
        "duration: 60s",
        "duration: 60",
        "duration: 60",
        &["no unit", "60s"],
    );
}

#[test]
fn missing_file() {
    let tmp = tempfile::tempdir().unwrap();
    let o = regionsim(tmp.path(), &["run", "nope.yaml"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("nope.yaml") && err.contains("cannot read"),
        "{err}"
    );
}

#[test]
fn empty_file() {
    for text in ["", "\n\n", "# only a comment\n"] {
        let (code, err, _) = validate(text);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("test.yaml") && err.contains("empty"), "{err}");
    }
}

#[test]
fn folder_without_scenarios() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("empty")).unwrap();
    std::fs::write(tmp.path().join("empty/notes.txt"), "not a scenario").unwrap();
    let o = regionsim(tmp.path(), &["run", "empty"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("empty") && err.contains("no scenario files"),
        "{err}"
    );
}

#[test]
fn not_yaml_at_all() {
    let (code, err, _) = validate("name: [unclosed\n  - : :\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("test.yaml:"), "{err}");
}

#[test]
fn every_problem_of_a_file_is_reported_at_once() {
    let yaml = TWO_REGIONS
        .replace("primary: a", "primary: zz")
        .replace("users: {writes_per_s: 50}", "users: {writes_per_s: -1}");
    let (code, err, _) = validate(&yaml);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("unknown region `zz`") && err.contains("writes_per_s must be"),
        "{err}"
    );
}

#[test]
fn bad_command_line_values_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "s.yaml", TWO_REGIONS);
    for args in [
        &["run", "s.yaml", "--replications", "0"][..],
        &["run", "s.yaml", "-j", "0"][..],
        &["run", "s.yaml", "--format", "xml"][..],
        &["frobnicate"][..],
    ] {
        let o = regionsim(tmp.path(), args);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn shipped_scenarios_validate() {
    let o = regionsim(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
        &["validate", "scenarios"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(out.matches(": ok:").count(), 20, "{out}");
}

/// One problem in each phase (a field of the wrong type, a reference to a
/// region that does not exist, a value out of range, an SLO on a figure
/// that does not exist): all four in one run, each where it is.
#[test]
fn a_file_with_one_error_in_each_phase_reports_them_all() {
    let yaml = r#"
name: phases
duration: 10s
regions:
  - {name: a, jurisdiction: US}
  - {name: b, jurisdiction: EU}
network:
  links:
    - {between: [a, b], delay: 30ms}
    - {between: [a, mars], delay: 30ms}
datasets:
  - name: users
    keys: many
    placement: {single-primary: {primary: a, replicas: [b], apply_time: 1ms}}
  - name: orders
    keys: 100
    placement: {single-primary: {primary: a, replicas: [b], apply_time: 1ms}}
workload:
  - region: b
    rates:
      users: {reads_per_s: 10}
      orders: {reads_per_s: 10, writes_per_s: -5}
slo:
  - {metric: clients.b.read_latency.p42_ms, max: 1s}
  - {metric: clients.b.by_dataset.users.read_latency.p99_ms, max: 1s}
"#;
    let (code, err, _) = validate(yaml);
    assert_eq!(code, Some(2), "{err}");
    for (needle, words) in [
        ("keys: many", "invalid type"),
        ("[a, mars]", "unknown region `mars`"),
        ("writes_per_s: -5", "writes_per_s must be a positive number"),
        ("p42_ms", "unknown metric `clients.b.read_latency.p42_ms`"),
    ] {
        let line = line_of(yaml, needle);
        let found = err
            .lines()
            .any(|l| l.contains(&format!("test.yaml:{line}:")) && l.contains(words));
        assert!(found, "expected `{words}` at line {line} in:\n{err}");
    }
    // The broken dataset's name is not reported again where it is used.
    assert!(!err.contains("unknown dataset `users`"), "{err}");
    assert_eq!(err.lines().count(), 4, "{err}");
}

#[test]
fn semi_sync_acks_above_the_replicas() {
    assert_rejected(
        "        replicas: [b]\n",
        "        replicas: [b]\n        replication: {semi-sync: {acks: 2, timeout: 1s}}\n",
        "acks: 2",
        &["acks is 2", "1 to 1 replicas"],
    );
    assert_rejected(
        "        replicas: [b]\n",
        "        replicas: [b]\n        replication: {semi-sync: {acks: 0}}\n",
        "acks: 0",
        &["acks is 0"],
    );
}

#[test]
fn sync_without_replicas() {
    assert_rejected(
        "        replicas: [b]\n",
        "        replication: {semi-sync: {acks: 1}}\n",
        "replication: {semi-sync",
        &["semi-sync waits for replicas", "has none"],
    );
    assert_rejected(
        "        replicas: [b]\n",
        "        replication: sync\n",
        "replication: sync",
        &["sync replication waits for every replica", "has none"],
    );
}

#[test]
fn negative_or_zero_timeouts() {
    assert_rejected(
        "        replicas: [b]\n",
        "        replicas: [b]\n        replication: {semi-sync: {timeout: -5ms}}\n",
        "timeout: -5ms",
        &["cannot be negative"],
    );
    assert_rejected(
        "        replicas: [b]\n",
        "        replicas: [b]\n        replication: {semi-sync: {timeout: 0ms}}\n",
        "timeout: 0ms",
        &["timeout is 0ms", "above 0"],
    );
    assert_rejected(
        "  - region: a\n",
        "  - region: a\n    timeout: -1s\n",
        "timeout: -1s",
        &["cannot be negative"],
    );
    assert_rejected(
        "  - region: a\n",
        "  - region: a\n    timeout: 0s\n",
        "timeout: 0s",
        &["timeout is 0ms", "wait for ever"],
    );
}

#[test]
fn retries_above_the_cap_or_without_a_timeout() {
    assert_rejected(
        "  - region: a\n",
        "  - region: a\n    timeout: 1s\n    retries: 11\n",
        "retries: 11",
        &["retries is 11", "limit is 10"],
    );
    assert_rejected(
        "  - region: a\n",
        "  - region: a\n    retries: 2\n",
        "retries: 2",
        &["retries need a timeout"],
    );
    assert_rejected(
        "  - region: a\n",
        "  - region: a\n    timeout: 1s\n    retries: 1\n    backoff: 25h\n",
        "backoff: 25h",
        &["backoff is 25h", "limit is 24h"],
    );
}

#[test]
fn record_bytes_out_of_range() {
    assert_rejected(
        "    keys: 100\n",
        "    keys: 100\n    record_bytes: 0\n",
        "record_bytes: 0",
        &["record_bytes is 0"],
    );
    assert_rejected(
        "    keys: 100\n",
        "    keys: 100\n    record_bytes: 100000000000\n",
        "record_bytes: 100000000000",
        &["64 MiB"],
    );
}

#[test]
fn settings_on_a_mode_without_any_say_so() {
    assert_rejected(
        "        replicas: [b]\n",
        "        replicas: [b]\n        replication: {sync: {acks: 1}}\n",
        "replication: {sync",
        &["take no settings", "replication: sync"],
    );
}

#[test]
fn an_unknown_replication_mode_lists_the_modes() {
    assert_rejected(
        "        replicas: [b]\n",
        "        replicas: [b]\n        replication: quorum\n",
        "replication: quorum",
        &["async", "semi-sync", "sync"],
    );
}

/// TWO_REGIONS with `failures:` holding `item` (one list item's text).
fn with_failure(item: &str) -> (&'static str, String) {
    (
        "      users: {reads_per_s: 200, writes_per_s: 10}\n",
        format!("      users: {{reads_per_s: 200, writes_per_s: 10}}\nfailures:\n  - {item}\n"),
    )
}

#[test]
fn failures_with_bad_values() {
    let cases: [(&str, &str, &[&str]); 16] = [
        (
            "{region: c, at: 10s, duration: 5s}",
            "region: c",
            &["unknown region `c`", "a, b"],
        ),
        (
            "{region: a, at: 10s, duration: 0s}",
            "duration: 0s",
            &["duration must be above 0"],
        ),
        (
            "{region: a, at: 10s, duration: -5s}",
            "duration: -5s",
            &["cannot be negative"],
        ),
        (
            "{region: a, at: 60s, duration: 5s}",
            "at: 60s",
            &["at or after the end", "change nothing"],
        ),
        (
            "{at: 10s, duration: 5s}",
            "{at: 10s",
            &["exactly one of `region`", "gives none"],
        ),
        (
            "{region: a, link: [a, b], at: 10s, duration: 5s}",
            "{region: a, link",
            &["exactly one", "region and link"],
        ),
        (
            "{partition: [[a], [a]], at: 10s, duration: 5s}",
            "partition: [[a], [a]]",
            &["`a` is listed twice"],
        ),
        (
            "{partition: [[a, b]], at: 10s, duration: 5s}",
            "partition: [[a, b]]",
            &["two non-empty sets"],
        ),
        (
            "{link: [a, b], at: 10s, duration: 5s}",
            "link: [a, b]",
            &["needs delay_factor, added_delay or loss"],
        ),
        (
            "{link: [a, b], loss: 150%, at: 10s, duration: 5s}",
            "loss: 150%",
            &["between 0% and 100%"],
        ),
        (
            "{link: [a, b], delay_factor: 0, at: 10s, duration: 5s}",
            "delay_factor: 0",
            &["above 0"],
        ),
        (
            "{region: a, delay_factor: 2, at: 10s, duration: 5s}",
            "delay_factor: 2",
            &["belongs to a `link` failure"],
        ),
        (
            "{region: a, apply_factor: 0, at: 10s, duration: 5s}",
            "apply_factor: 0",
            &["above 0 and at most 1000", "got 0"],
        ),
        (
            "{region: a, load_factor: 1000, at: 10s, duration: 5s}",
            "load_factor: 1000",
            &["at most 100", "got 1000"],
        ),
        (
            "{link: [a, b], load_factor: 2, at: 10s, duration: 5s}",
            "load_factor: 2",
            &["belongs to a `region` failure"],
        ),
        (
            "{region: a, service: app, apply_factor: 2, at: 10s, duration: 5s}",
            "apply_factor: 2",
            &["one of an outage", "apply_factor and service"],
        ),
    ];
    for (item, located_at, words) in cases {
        let (from, to) = with_failure(item);
        assert_rejected(from, &to, located_at, words);
    }
}

#[test]
fn a_failure_of_an_unknown_service_lists_the_services() {
    let (from, to) = with_failure("{region: a, service: cache, at: 10s, duration: 5s}");
    assert_rejected(from, &to, "service: cache", &["database", "app"]);
}

#[test]
fn health_checks_and_failover_with_bad_values() {
    let base_from = "        replicas: [b]\n";
    let with = |failover: &str, health: &str| {
        (
            format!("        replicas: [b]\n        failover: {failover}\n"),
            health.to_string(),
        )
    };
    let cases: [(&str, &str, &str, &[&str]); 8] = [
        (
            "{target: a}",
            "{interval: 10s}",
            "target: a",
            &["`a` holds no replica", "b"],
        ),
        (
            "{promotion_delay: 30s}",
            "{failure_threshold: 0}",
            "failure_threshold: 0",
            &["failure_threshold is 0", "1 to 10"],
        ),
        (
            "{promotion_delay: 30s}",
            "{recovery_threshold: 11}",
            "recovery_threshold: 11",
            &["recovery_threshold is 11"],
        ),
        (
            "{promotion_delay: 30s}",
            "{healthy_share: 0%}",
            "healthy_share: 0%",
            &["above 0%"],
        ),
        (
            "{promotion_delay: 30s}",
            "{interval: 10s, timeout: 20s}",
            "timeout: 20s",
            &["at most the interval"],
        ),
        (
            "{promotion_delay: 30s}",
            "{checkers: [z]}",
            "checkers: [z]",
            &["unknown region `z`"],
        ),
        (
            "{operator_delay: 1m}",
            "{interval: 10s}",
            "operator_delay: 1m",
            &["mode: manual"],
        ),
        (
            "{promotion_delay: 30s}",
            "{interval: 1ns, timeout: 1ns}",
            "interval: 1ns",
            &["interval is 1ns", "give 1s to 24h"],
        ),
    ];
    for (failover, health, located_at, words) in cases {
        let (to, health) = with(failover, health);
        // The health checks go at the end of the file.
        let full_from = "      users: {reads_per_s: 200, writes_per_s: 10}\n";
        let yaml = TWO_REGIONS.replacen(base_from, &to, 1).replacen(
            full_from,
            &format!("{full_from}health_checks: {health}\n"),
            1,
        );
        let (code, err, _) = validate(&yaml);
        assert_eq!(code, Some(2), "{failover} {health}: {err}");
        let line = line_of(&yaml, located_at);
        assert!(
            err.contains(&format!("test.yaml:{line}:")),
            "line {line} for {located_at}: {err}"
        );
        for w in words {
            assert!(err.contains(w), "expected `{w}` in: {err}");
        }
    }
    // Failover without health checks to detect anything.
    assert_rejected(
        base_from,
        "        replicas: [b]\n        failover: {promotion_delay: 30s}\n",
        "failover: {promotion_delay",
        &["add a top-level `health_checks:`"],
    );
    // Failover with no replica to promote.
    assert_rejected(
        base_from,
        "        failover: {promotion_delay: 30s}\n",
        "failover: {promotion_delay",
        &["needs a replica to promote"],
    );
}

#[test]
fn routing_with_bad_values() {
    let end = "      users: {reads_per_s: 200, writes_per_s: 10}\n";
    let cases: [(&str, &str, &[&str]); 7] = [
        (
            "{policy: weighted, weights: {a: 0, b: 0}}",
            "weights: {a: 0",
            &["every weight is 0"],
        ),
        (
            "{policy: weighted, weights: {a: -1, b: 1}}",
            "weights: {a: -1",
            &["from 0 to 10^9"],
        ),
        ("{policy: geo}", "policy: geo", &["needs a `geo:` map"]),
        (
            "{policy: latency, endpoints: [a, z]}",
            "endpoints: [a, z]",
            &["unknown region `z`"],
        ),
        (
            "{policy: latency, ttl: 0s}",
            "ttl: 0s",
            &["ttl is 0ms", "give 1s to 24h"],
        ),
        (
            "{policy: latency, resolver_groups: 0}",
            "resolver_groups: 0",
            &["resolver_groups is 0"],
        ),
        (
            "{policy: failover, primary: a}",
            "policy: failover",
            &["needs `primary` and `secondary`"],
        ),
    ];
    for (routing, located_at, words) in cases {
        assert_rejected(
            end,
            &format!("{end}routing: {routing}\n"),
            located_at,
            words,
        );
    }
}

#[test]
fn a_failure_is_either_scheduled_or_random() {
    let (from, to) = with_failure("{region: a, at: 10s, mtbf: 1h}");
    assert_rejected(
        from,
        &to,
        "{region: a, at: 10s, mtbf",
        &["either once, with `at` and `duration`, or at random"],
    );
    let (from, to) = with_failure("{region: a, mtbf: 1h, mttr: 100ms}");
    assert_rejected(from, &to, "mttr: 100ms", &["mttr has a mean of 0.100 s"]);
}

#[test]
fn an_availability_threshold_outside_0_to_100_percent() {
    for (bad, words) in [
        ("0%", &["above 0%", "got 0"][..]),
        ("150%", &["at most 100%"][..]),
        ("high", &["high"][..]),
    ] {
        let to = format!("availability_threshold: {bad}\nregions:\n");
        assert_rejected("regions:\n", &to, "availability_threshold", words);
    }
}

#[test]
fn load_factors_outside_0_to_1000() {
    for (from, to, located_at, words) in [
        (
            "regions:\n",
            "load: 0\nregions:\n",
            "load: 0",
            &["load multiplies", "got 0"][..],
        ),
        (
            "  - region: b\n",
            "  - region: b\n    load: -2\n",
            "load: -2",
            &["above 0", "got -2"][..],
        ),
        (
            "  - name: users\n",
            "  - name: users\n    load: 1e9\n",
            "load: 1e9",
            &["at most 1000", "got 1e9"][..],
        ),
        (
            "regions:\n",
            "write_load: 0\nregions:\n",
            "write_load: 0",
            &["load multiplies", "got 0"][..],
        ),
        (
            "  - region: b\n",
            "  - region: b\n    read_load: -1\n",
            "read_load: -1",
            &["above 0", "got -1"][..],
        ),
        (
            "  - name: users\n",
            "  - name: users\n    write_load: .nan\n",
            "write_load: .nan",
            &["at most 1000", "got NaN"][..],
        ),
    ] {
        assert_rejected(from, to, located_at, words);
    }
    // Within limits each, over the rate limit together.
    assert_rejected(
        "{reads_per_s: 200, writes_per_s: 10}",
        "{reads_per_s: 200000000, writes_per_s: 10}\n    load: 10",
        "reads_per_s: 200000000",
        &["after load factors of 10 in all", "the limit"],
    );
}

#[test]
fn rate_profiles_with_bad_values() {
    let cases: [(&str, &str, &[&str]); 10] = [
        (
            "{diurnal: {peak: 1.5, trough: -0.5, peak_hour: 20, utc_offset_hours: 1}}",
            "trough: -0.5",
            &["from 0 to 1000", "got -0.5"],
        ),
        (
            "{diurnal: {peak: 1, trough: 2, peak_hour: 20, utc_offset_hours: 1}}",
            "trough: 2",
            &["at most the peak"],
        ),
        (
            "{diurnal: {peak: 1.5, trough: 0.5, peak_hour: 25, utc_offset_hours: 1}}",
            "peak_hour: 25",
            &["from 0 to 24"],
        ),
        (
            "{diurnal: {peak: 1.5, trough: 0.5, peak_hour: 20}}",
            "diurnal",
            &["give utc_offset_hours"],
        ),
        ("{table: [[10s, 1], [5s, 2]]}", "table", &["must increase"]),
        (
            "{step: {at: 10s, factor: 2}, burst: {at: 1s, duration: 1s, factor: 2}}",
            "profile",
            &["exactly one of", "step and burst"],
        ),
        // The run measures 60 s.
        (
            "{burst: {at: 2m, duration: 10s, factor: 3}}",
            "profile",
            &["the burst starts at 2m", "it would change nothing"],
        ),
        (
            "{step: {at: 60s, factor: 3}}",
            "profile",
            &["at or after the end of the measured span"],
        ),
        (
            "{step: {at: 0s, factor: 0}}",
            "profile",
            &["0 for the whole measured span", "would send nothing"],
        ),
        (
            "{table: [[0s, 0], [2m, 1]]}",
            "profile",
            &["0 for the whole measured span"],
        ),
    ];
    for (profile, located_at, words) in cases {
        let to = format!("  - region: b\n    profile: {profile}\n");
        assert_rejected("  - region: b\n", &to, located_at, words);
    }
}

#[test]
fn apply_threads_from_1_to_64() {
    for (bad, words) in [
        ("0", &["apply_threads is 0", "1 to 64"][..]),
        ("65", &["apply_threads is 65"][..]),
    ] {
        let to = format!("        apply_time: 0ms\n        apply_threads: {bad}\n");
        assert_rejected("        apply_time: 0ms\n", &to, "apply_threads", words);
    }
}

#[test]
fn app_tier_and_commit_path_need_servers() {
    let app = |body: &str| format!("  - name: a\n    jurisdiction: US\n    app: {body}\n");
    for (body, located_at, words) in [
        (
            "{servers: 0, service_time: 1ms}",
            "servers: 0",
            &["0 servers", "at least one"][..],
        ),
        (
            "{servers: 2, concurrency: 0, service_time: 1ms}",
            "concurrency: 0",
            &["concurrency 0"][..],
        ),
        (
            "{servers: 100000, concurrency: 100, service_time: 1ms}",
            "app:",
            &["10000000 servers", "limit is 100000"][..],
        ),
        (
            "{servers: 2, service_time: 0ms}",
            "service_time: 0ms",
            &["service time of zero"][..],
        ),
        (
            "{servers: 2, service_time: 1ms, shed: drop}",
            "shed: drop",
            &["reject", "timeout"][..],
        ),
        (
            "{servers: -1, service_time: 1ms}",
            "servers: -1",
            &["servers"][..],
        ),
    ] {
        assert_rejected(
            "  - {name: a, jurisdiction: US}\n",
            &app(body),
            located_at,
            words,
        );
    }
    assert_rejected(
        "        apply_time: 0ms\n",
        "        apply_time: 0ms\n        commit: {servers: 0, service_time: 1ms}\n",
        "servers: 0",
        &["0 servers"],
    );
}

#[test]
fn bandwidth_is_a_positive_rate_with_a_unit() {
    for (bw, words) in [
        ("0", &["bandwidth `0`", "above zero"][..]),
        ("0Mbit/s", &["above zero"][..]),
        ("-5MB/s", &["cannot be negative"][..]),
        (
            "100",
            &["has no unit: bytes or bits", "100B/s or 100bit/s"][..],
        ),
        ("1000", &["has no unit"][..]),
        ("100 furlongs", &["unknown unit `furlongs`", "Mbit/s"][..]),
        ("100Mbit", &["unknown unit `Mbit`"][..]),
        ("1e300", &["above the limit"][..]),
    ] {
        let to = format!("      delay: 38ms\n      bandwidth: {bw}\n");
        assert_rejected("      delay: 38ms\n", &to, "bandwidth", words);
    }
    // A link with neither a delay nor a bandwidth says nothing.
    assert_rejected(
        "    - between: [a, b]\n      delay: 38ms\n",
        "    - between: [a, b]\n",
        "between: [a, b]",
        &["a `delay`, a `bandwidth` or both"],
    );
}

#[test]
fn active_active_needs_two_distinct_regions_and_sane_clocks() {
    let placement = "      single-primary:\n        primary: a\n        replicas: [b]\n        apply_time: 0ms\n";
    for (body, located_at, words) in [
        (
            "      active-active:\n        regions: [a]\n        apply_time: 0ms\n",
            "regions: [a]",
            &["two or more regions"][..],
        ),
        (
            "      active-active:\n        regions: [a, a]\n        apply_time: 0ms\n",
            "regions: [a, a]",
            &["listed twice"][..],
        ),
        (
            "      active-active:\n        regions: [a, c]\n        apply_time: 0ms\n",
            "regions: [a, c]",
            &["unknown region `c`"][..],
        ),
        (
            "      active-active:\n        regions: [a, b]\n        apply_time: 0ms\n        resolution: newest\n",
            "resolution: newest",
            &["lww", "merge"][..],
        ),
    ] {
        assert_rejected(placement, body, located_at, words);
    }
    for (clock, words) in [
        ("{offset_ms: 1e9}", &["offset_ms is 1000000000"][..]),
        ("{drift_ppm: 50000}", &["drift_ppm is 50000"][..]),
        ("{offset: 5ms}", &["unknown field `offset`"][..]),
    ] {
        assert_rejected(
            "  - {name: a, jurisdiction: US}\n",
            &format!("  - name: a\n    jurisdiction: US\n    clock: {clock}\n"),
            "clock:",
            words,
        );
    }
}

#[test]
fn a_clock_step_is_a_nonzero_number_of_milliseconds_in_a_region() {
    let base = "      users: {reads_per_s: 200, writes_per_s: 10}\n";
    for (failure, located_at, words) in [
        (
            "failures:\n  - {region: a, clock_step_ms: 0, at: 1s, duration: 1s}\n",
            "clock_step_ms: 0",
            &["not 0"][..],
        ),
        (
            "failures:\n  - {region: a, clock_step_ms: 5, apply_factor: 2, at: 1s, duration: 1s}\n",
            "clock_step_ms: 5",
            &["one of an outage", "clock_step_ms"][..],
        ),
        (
            "failures:\n  - {region: a, clock_step_ms: 1e12, at: 1s, duration: 1s}\n",
            "clock_step_ms: 1e12",
            &["3600000"][..],
        ),
    ] {
        assert_rejected(base, &format!("{base}{failure}"), located_at, words);
    }
}

#[test]
fn users_roaming_and_sessions_with_bad_values() {
    let b = "  - region: b\n    rates:";
    for (to, located_at, words) in [
        (
            "  - region: b\n    users: 0\n    rates:",
            "users: 0",
            &["at least 1"][..],
        ),
        (
            "  - region: b\n    users: 20000000\n    rates:",
            "users: 20000000",
            &["limit is 10000000"][..],
        ),
        (
            "  - region: b\n    roaming: {share: 0.1, to: a}\n    rates:",
            "roaming:",
            &["give the region's `users`"][..],
        ),
        (
            "  - region: b\n    users: 10\n    roaming: {share: 1.5, to: a}\n    rates:",
            "roaming:",
            &["0 to 1", "1.5"][..],
        ),
        (
            "  - region: b\n    users: 10\n    roaming: {share: 0.1, to: c}\n    rates:",
            "roaming:",
            &["unknown region `c`"][..],
        ),
        (
            "  - region: b\n    users: 10\n    roaming: {share: 0.1, to: b}\n    rates:",
            "roaming:",
            &["own region"][..],
        ),
        (
            "  - region: b\n    users: 10\n    roaming: {share: 0.1, to: [a, a]}\n    rates:",
            "roaming:",
            &["listed twice"][..],
        ),
        (
            "  - region: b\n    users: 10\n    roaming: {share: 0.1, to: a, delay: -1s}\n    rates:",
            "roaming:",
            &["delay"][..],
        ),
    ] {
        assert_rejected(b, to, located_at, words);
    }
    // Per-user keys: users wherever the dataset is used, a key each.
    assert_rejected(
        "    keys: 100\n",
        "    keys: 100\n    popularity: per-user\n",
        "popularity: per-user",
        &["per-user keys need users", "workload of `a`"],
    );
    let yaml = TWO_REGIONS
        .replacen(
            "    keys: 100\n",
            "    keys: 100\n    popularity: per-user\n",
            1,
        )
        .replacen("  - region: a\n", "  - region: a\n    users: 60\n", 1)
        .replacen("  - region: b\n", "  - region: b\n    users: 60\n", 1);
    let (code, err, _) = validate(&yaml);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "test.yaml:{}:",
            line_of(&yaml, "popularity: per-user")
        )) && err.contains("100 keys for 120 users"),
        "{err}"
    );
    // A session store needs users; its kind is regional or global.
    assert_rejected(
        "workload:\n",
        "sessions: {store: regional}\nworkload:\n",
        "sessions:",
        &["sessions are per user"],
    );
    assert_rejected(
        "workload:\n",
        "sessions: {store: everywhere}\nworkload:\n",
        "sessions:",
        &["regional", "global"],
    );
}

#[test]
fn residency_rules_and_geo_sharding_with_bad_values() {
    // TWO_REGIONS with users, per-user keys and a rule for each
    // jurisdiction; each case changes one thing.
    let base = TWO_REGIONS
        .replacen("    keys: 100\n", "    keys: 100\n    popularity: per-user\n", 1)
        .replacen("  - region: a\n", "  - region: a\n    users: 40\n", 1)
        .replacen("  - region: b\n", "  - region: b\n    users: 40\n", 1)
        + "residency:\n  - {jurisdiction: EU, home: b, allowed: [b]}\n  - {jurisdiction: US, home: a, allowed: [a]}\n";
    let geo = "    placement:\n      geo-sharded:\n        apply_time: 0ms\n";
    let sp = "    placement:\n      single-primary:\n        primary: a\n        replicas: [b]\n        apply_time: 0ms\n";
    let check = |yaml: &str, located_at: &str, words: &[&str]| {
        let (code, err, _) = validate(yaml);
        assert_eq!(code, Some(2), "{yaml}\n{err}");
        let prefix = format!("test.yaml:{}:", line_of(yaml, located_at));
        assert!(err.contains(&prefix), "expected {prefix} in: {err}");
        for w in words {
            assert!(err.contains(w), "expected `{w}` in: {err}");
        }
        assert!(!err.contains("panicked"), "{err}");
    };
    // The base, geo-sharded, is valid.
    let good = base.replacen(sp, geo, 1);
    assert_eq!(validate(&good).0, Some(0), "{}", validate(&good).1);
    for (from, to, located_at, words) in [
        (
            "{jurisdiction: EU, home: b",
            "{jurisdiction: APAC, home: b",
            "jurisdiction: APAC",
            &["no region has jurisdiction `APAC`", "EU, US"][..],
        ),
        (
            "{jurisdiction: EU, home: b, allowed: [b]}",
            "{jurisdiction: EU, home: a, allowed: [b]}",
            "jurisdiction: EU, home: a",
            &["home `a` is outside the rule's allowed regions (b)"][..],
        ),
        (
            "{jurisdiction: EU, home: b, allowed: [b]}",
            "{home: b, allowed: [b]}",
            "{home: b, allowed: [b]}",
            &["exactly one of `jurisdiction`", "`tenants`"][..],
        ),
        (
            "{jurisdiction: EU, home: b, allowed: [b]}",
            "{tenants: [acme], home: b, allowed: [b]}",
            "tenants: [acme]",
            &["no workload entry has `tenant: acme`"][..],
        ),
        (
            "{jurisdiction: EU, home: b, allowed: [b]}",
            "{jurisdiction: EU, home: b, allowed: [b, c]}",
            "allowed: [b, c]",
            &["unknown region `c`"][..],
        ),
    ] {
        assert!(good.contains(from), "{from}");
        check(&good.replacen(from, to, 1), located_at, words);
    }
    // Two rules for one jurisdiction: the second is the one reported.
    let twice = good.replacen(
        "  - {jurisdiction: US, home: a, allowed: [a]}\n",
        "  - {jurisdiction: US, home: a, allowed: [a]}\n  - {jurisdiction: US, home: a, allowed: [a, b]}\n",
        1,
    );
    check(&twice, "allowed: [a, b]", &["a second rule for US"]);
    // Geo-sharding needs per-user keys, a rule for everyone, and replicas
    // listed under homes.
    check(
        &good.replacen("    popularity: per-user\n", "", 1),
        "- name: users",
        &[
            "routes each request to its user's home",
            "popularity: per-user",
        ],
    );
    check(
        &good.replacen("  - {jurisdiction: US, home: a, allowed: [a]}\n", "", 1),
        "apply_time: 0ms",
        &["users of `a` fall under no residency rule"],
    );
    check(
        &good.replacen(
            "        apply_time: 0ms\n",
            "        apply_time: 0ms\n        replicas: {a: [b], c: [a]}\n",
            1,
        ),
        "replicas: {a: [b], c: [a]}",
        &["unknown region `c`"],
    );
    let mistaken = good.replacen(
        "        apply_time: 0ms\n",
        "        apply_time: 0ms\n        replicas: {a: [a]}\n",
        1,
    );
    check(
        &mistaken,
        "replicas: {a: [a]}",
        &["shard's home or listed twice"],
    );
    // Restricted data needs rules.
    let restricted = TWO_REGIONS
        .replacen(
            "    keys: 100\n",
            "    keys: 100\n    restricted: true\n",
            1,
        )
        .replacen("  - region: a\n", "  - region: a\n    users: 40\n", 1);
    check(
        &restricted,
        "restricted: true",
        &["add a top-level `residency:`"],
    );
}

#[test]
fn read_your_writes_mitigations_with_bad_values() {
    let with_users = |m: &str| {
        TWO_REGIONS
            .replacen(
                "        apply_time: 0ms\n",
                &format!("        apply_time: 0ms\n        read_your_writes: {m}\n"),
                1,
            )
            .replacen("  - region: a\n", "  - region: a\n    users: 10\n", 1)
            .replacen("  - region: b\n", "  - region: b\n    users: 10\n", 1)
    };
    for (m, words) in [
        (
            "{primary_for: 1s, token: wait}",
            &["exactly one of `primary_for"][..],
        ),
        ("{}", &["exactly one of `primary_for"][..]),
        ("{primary_for: 0s}", &["primary_for is 0", "above 0"][..]),
        ("{token: wait, max_wait: 0s}", &["max_wait is 0"][..]),
        (
            "{token: primary, max_wait: 1s}",
            &["max_wait bounds `token: wait`"][..],
        ),
        ("{token: later}", &["wait", "primary"][..]),
    ] {
        let yaml = with_users(m);
        let (code, err, _) = validate(&yaml);
        assert_eq!(code, Some(2), "{m}: {err}");
        let line = line_of(&yaml, "read_your_writes:");
        assert!(err.contains(&format!("test.yaml:{line}:")), "{m}: {err}");
        for w in words {
            assert!(err.contains(w), "{m}: expected `{w}` in: {err}");
        }
    }
    assert_eq!(
        validate(&with_users("{token: wait, max_wait: 50ms}")).0,
        Some(0)
    );
    // Per user: every region reading the dataset needs users.
    let yaml = with_users("{primary_for: 1s}").replacen("    users: 10\n", "", 1);
    let (code, err, _) = validate(&yaml);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("read-your-writes is per user") && err.contains("workload of `a`"),
        "{err}"
    );
}

#[test]
fn a_shipping_delay_is_an_async_distribution() {
    // Under semi-sync and sync the primary sends at commit and waits.
    for mode in ["sync", "{semi-sync: {acks: 1}}"] {
        assert_rejected(
            "        apply_time: 0ms\n",
            &format!("        apply_time: 0ms\n        replication: {mode}\n        shipping_delay: 5ms\n"),
            "shipping_delay",
            &["shipping_delay is for async replication"],
        );
    }
    for (bad, words) in [
        ("-5ms", &["shipping_delay"][..]),
        ("5", &["unit"][..]),
        ("{exponential: {mean: 30d}}", &["24h"][..]),
        ("{uniform: {min: 5ms, max: 1ms}}", &["max"][..]),
    ] {
        assert_rejected(
            "        apply_time: 0ms\n",
            &format!("        apply_time: 0ms\n        shipping_delay: {bad}\n"),
            "shipping_delay",
            words,
        );
    }
}

#[test]
fn overlapping_failures_compound_within_the_limits_of_one() {
    let with = |failures: &str| format!("{TWO_REGIONS}failures:\n{failures}");
    for (failures, located_at, words) in [
        (
            "  - {region: a, load_factor: 100, at: 10s, duration: 20s}\n  - {region: a, load_factor: 100, at: 20s, duration: 20s}\n",
            "at: 20s",
            &["items 1, 2", "multiply to 10000", "limit of one (100)"][..],
        ),
        (
            "  - {region: b, apply_factor: 1000, mtbf: {exponential: {mean: 1m}}, mttr: {exponential: {mean: 1m}}}\n  - {region: b, apply_factor: 10, at: 5s, duration: 1s}\n",
            "at: 5s",
            &["multiply to 10000", "limit of one (1000)"][..],
        ),
        (
            "  - {link: [a, b], added_delay: 20h, at: 1s, duration: 10s}\n  - {link: [b, a], added_delay: 5h, at: 2s, duration: 10s}\n",
            "added_delay: 5h",
            &["add up to 90000 s"][..],
        ),
    ] {
        let yaml = with(failures);
        let (code, err, _) = validate(&yaml);
        assert_eq!(code, Some(2), "{err}");
        let line = line_of(&yaml, located_at);
        assert!(err.contains(&format!("test.yaml:{line}:")), "line {line}: {err}");
        for w in words {
            assert!(err.contains(w), "expected `{w}` in: {err}");
        }
    }
    // Apart in time, or summing back inside the limit: accepted.
    for failures in [
        "  - {region: a, load_factor: 100, at: 10s, duration: 10s}\n  - {region: a, load_factor: 100, at: 20s, duration: 20s}\n",
        "  - {region: b, clock_step_ms: 500000, at: 1s, duration: 9s}\n  - {region: b, clock_step_ms: -500000, at: 2s, duration: 5s}\n",
    ] {
        let (code, err, _) = validate(&with(failures));
        assert_eq!(code, Some(0), "{failures}: {err}");
    }
}

#[test]
fn a_link_failure_joins_two_regions() {
    let yaml = format!(
        "{TWO_REGIONS}failures:\n  - {{link: [a, a], delay_factor: 2, at: 1s, duration: 5s}}\n"
    );
    let (code, err, _) = validate(&yaml);
    assert_eq!(code, Some(2), "{err}");
    let line = line_of(&yaml, "link: [a, a]");
    assert!(err.contains(&format!("test.yaml:{line}:")), "{err}");
    assert!(err.contains("a link joins two different regions"), "{err}");
}

/// Knobs that could not change anything are said to, before the run.
#[test]
fn failures_that_touch_nothing_are_warned_about() {
    let warned = |yaml: &str, words: &str| {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "w.yaml", yaml);
        let o = regionsim(tmp.path(), &["validate", "w.yaml"]);
        let out = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(o.status.code(), Some(0), "{out}");
        assert!(out.contains(words), "expected `{words}` in: {out}");
    };
    // a holds the primary, no replica: nothing there applies writes.
    warned(
        &format!(
            "{TWO_REGIONS}failures:\n  - {{region: a, apply_factor: 10, at: 1s, duration: 5s}}\n"
        ),
        "slows the replicas of a, but no dataset has a replica there",
    );
    let three = TWO_REGIONS.replace(
        "  - {name: b, jurisdiction: EU}",
        "  - {name: b, jurisdiction: EU}\n  - {name: c, jurisdiction: EU}",
    ).replace("      delay: 38ms", "      delay: 38ms\n    - between: [a, c]\n      delay: 10ms\n    - between: [b, c]\n      delay: 10ms");
    warned(
        &format!("{three}failures:\n  - {{region: c, load_factor: 3, at: 1s, duration: 5s}}\n"),
        "multiplies the requests of the users of c, but no workload entry sends from there",
    );
    // Active-active with merge reads no clock.
    let merge = TWO_REGIONS.replace(
        "      single-primary:\n        primary: a\n        replicas: [b]\n        apply_time: 0ms\n",
        "      active-active: {regions: [a, b], apply_time: 0ms, resolution: merge}\n",
    );
    assert!(merge.contains("merge"), "the fixture changed");
    warned(
        &format!("{merge}failures:\n  - {{region: b, clock_step_ms: 500, at: 1s, duration: 5s}}\n"),
        "steps the clock of b, but only last-writer-wins reads clocks",
    );
}

/// A precision target on a figure nobody produces is refused: it would run
/// to max_replications for nothing.
#[test]
fn a_precision_target_on_a_figure_never_measured_is_refused() {
    let yaml = format!(
        "{}precision: {{metrics: [clients.a.read_latency.p99_ms], relative_half_width: 2%, max_replications: 50}}\n",
        TWO_REGIONS.replace("seed: 3", "seed: 3\nreplications: 2")
    );
    let (code, err, _) = validate(&yaml);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("is never measured (a sends no reads)"),
        "{err}"
    );
}

/// Messages say where the problem is, and only what is one:
/// - an override is blamed only for its own problem, and a file that reads
///   alone reads with an override (`description: 2024` is text);
/// - an alias whose anchor is in another list item is no problem when
///   another item has one;
/// - a failure with a problem of its own does not make SLOs on failure
///   figures "unknown".
#[test]
fn messages_blame_what_is_wrong_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |yaml: &str, args: &[&str]| {
        write(tmp.path(), "m.yaml", yaml);
        let mut all = vec!["validate", "m.yaml"];
        all.extend_from_slice(args);
        let o = regionsim(tmp.path(), &all);
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let described = TWO_REGIONS.replace("seed: 3", "seed: 3\ndescription: 2024");
    assert_eq!(run(&described, &["--set", "seed=4"]).0, Some(0));
    let (code, err) = run(
        TWO_REGIONS,
        &["--set", "seed=4", "--set", "datasets.users.keys=many"],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--set datasets.users.keys=many: "), "{err}");
    assert!(!err.contains("seed=4"), "{err}");
    // An anchor in the first region, its alias in the second; the third
    // has a problem.
    let aliased = TWO_REGIONS
        .replace(
            "  - {name: a, jurisdiction: US}",
            "  - {name: a, jurisdiction: &j US}",
        )
        .replace(
            "  - {name: b, jurisdiction: EU}",
            "  - {name: b, jurisdiction: *j}\n  - {name: c, jurisdiction: EU, lat: north}",
        );
    let (code, err) = run(&aliased, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("regions[2].lat"), "{err}");
    assert!(!err.contains("anchor"), "{err}");
    let failing = format!(
        "{TWO_REGIONS}failures:\n  - {{region: zz, at: 10s, duration: 5s}}\nslo:\n  - {{metric: clients.a.recovery.write_rto_ms, max: 1s}}\n"
    );
    let (code, err) = run(&failing, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("unknown region `zz`"), "{err}");
    assert!(!err.contains("unknown metric"), "{err}");
}

/// A dataset field that does not read is the one problem reported: an SLO
/// on a client's figures is not called unknown because the broken dataset
/// left that client without figures. A path that is wrong on its own is
/// still reported once the file reads.
#[test]
fn a_broken_dataset_does_not_make_slo_paths_unknown() {
    let slo = "slo:\n  - {name: reads, metric: clients.b.read_latency.p99_ms, max: 100ms}\n";
    let broken = format!(
        "{}{slo}",
        TWO_REGIONS.replace("keys: 100", "keys: 100\n    popularity: galaxy")
    );
    let (code, err, _) = validate(&broken);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("galaxy"), "{err}");
    assert!(!err.contains("unknown metric"), "{err}");
    let wrong = format!("{TWO_REGIONS}{}", slo.replace("clients.b.", "clients.z."));
    let (code, err, _) = validate(&wrong);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("unknown metric `clients.z."), "{err}");
}
