//! Incidents: one timeline per incident, milestones from its start,
//! availability back and downtime at one-second resolution, and the
//! distributions over the incidents of random failures.

use crate::common::{fig, summary};
use crate::failover::FAILOVER;
use regionsim::report::aggregate::at;
use serde_json::Value;

/// Field `leaf` of incident `k` of the first point: its mean over
/// replications.
fn incident(s: &Value, k: usize, leaf: &str) -> f64 {
    fig(s, &format!("incidents.{k}.{leaf}"))
}

#[test]
fn the_incident_timeline_is_the_failover_arithmetic() {
    let s = summary(FAILOVER);
    // One incident: region a down from 20 s to 80 s of the span.
    assert_eq!(fig(&s, "availability.incidents"), 1.0);
    assert_eq!(incident(&s, 0, "start_ms"), 20_000.0);
    assert_eq!(incident(&s, 0, "failure_end_ms"), 60_000.0);
    // Its milestones are the failover's, counted from the failure start.
    let detection = fig(&s, "datasets.users.failover.first_detection_ms");
    let promotion = fig(&s, "datasets.users.failover.first_promotion_ms");
    assert_eq!(incident(&s, 0, "detection_ms"), detection - 20_000.0);
    assert_eq!(incident(&s, 0, "promotion_ms"), promotion - 20_000.0);
    // b's writes come back first (a's when a is back, 60 s in).
    let rto_b = fig(&s, "clients.b.recovery.write_rto_ms");
    assert_eq!(incident(&s, 0, "first_write_ms"), rto_b);
    assert_eq!(incident(&s, 0, "clients.b.write_rto_ms"), rto_b);
    assert_eq!(
        incident(&s, 0, "clients.a.write_rto_ms"),
        fig(&s, "clients.a.recovery.write_rto_ms")
    );
    // a sends 50 of the 60 writes a second and has no timeout: each of its
    // writes sent while its app tier is down fails on the spot, none sent
    // after it is back does. Every second of the outage is below 99 %,
    // and availability is back for good exactly when a is.
    assert_eq!(incident(&s, 0, "availability_back_ms"), 60_000.0);
    assert_eq!(incident(&s, 0, "downtime_s"), 60.0);
    assert_eq!(fig(&s, "availability.downtime_s"), 60.0);
    assert_eq!(fig(&s, "clients.a.requests.downtime_s"), 60.0);
    // b's writes fail until the promotion (10 a second: every second has
    // some), then succeed at the local new primary.
    let down_b = fig(&s, "clients.b.requests.downtime_s");
    let promoted_s = (promotion - 20_000.0) / 1000.0;
    assert!(
        (down_b - promoted_s.ceil()).abs() <= 1.0,
        "b down {down_b} s, promoted {promoted_s} s in"
    );
    // No DNS in this scenario: no convergence.
    let dns = at(&s, "points.0.figures.incidents.0.dns_50_ms");
    assert!(dns.is_some_and(Value::is_null), "{dns:?}");
}

/// Region b's users read and write locally (no timeout: a request to a
/// down app tier fails at once); b fails twice, and a degraded link starts
/// during the second outage.
const TWO_OUTAGES: &str = r#"
name: two-outages
seed: 2
duration: 60s
regions:
  - {name: a, jurisdiction: US}
  - {name: b, jurisdiction: US}
network:
  intra_region: 1ms
  links: [{between: [a, b], delay: 20ms}]
datasets:
  - name: users
    keys: 100
    placement: {single-primary: {primary: b, replicas: [a], apply_time: 0ms}}
workload:
  - region: b
    rates: {users: {reads_per_s: 100, writes_per_s: 20}}
failures:
  - {region: b, at: 10s, duration: 5s}
  - {region: b, at: 40s, duration: 10s}
  - {link: [a, b], added_delay: 5ms, at: 42s, duration: 2s}
"#;

#[test]
fn each_incident_has_its_own_timeline_and_overlapping_failures_join_one() {
    let s = summary(TWO_OUTAGES);
    assert_eq!(fig(&s, "availability.incidents"), 2.0);
    let label = |k: usize| {
        at(&s, &format!("points.0.figures.incidents.{k}.label"))
            .and_then(Value::as_str)
            .unwrap()
            .to_string()
    };
    assert_eq!(label(0), "b down");
    assert_eq!(label(1), "b down + 1 more");
    for (k, start, length) in [(0, 10_000.0, 5_000.0), (1, 40_000.0, 10_000.0)] {
        assert_eq!(incident(&s, k, "start_ms"), start);
        assert_eq!(incident(&s, k, "failure_end_ms"), length);
        // Every request sent while b is down fails; the first sent after
        // it is back completes 2 ms later (local round trip): both RTOs
        // count from this incident's start, not the first one's.
        for op in ["read", "write"] {
            let rto = incident(&s, k, &format!("clients.b.{op}_rto_ms"));
            assert!(
                rto >= length + 2.0 && rto < length + 2.0 + 500.0,
                "incident {k} {op} RTO {rto}"
            );
        }
        assert_eq!(incident(&s, k, "availability_back_ms"), length);
        assert_eq!(incident(&s, k, "downtime_s"), length / 1000.0);
    }
    assert_eq!(fig(&s, "availability.downtime_s"), 15.0);
    assert_eq!(fig(&s, "clients.b.requests.downtime_s"), 15.0);
    // The per-region figure keeps the first incident's.
    assert_eq!(
        fig(&s, "clients.b.recovery.write_rto_ms"),
        incident(&s, 0, "clients.b.write_rto_ms")
    );
}

#[test]
fn the_threshold_decides_what_counts_as_down() {
    // Between the promotion and a's return only b's writes (1 in 6)
    // succeed: below 99 %, above 10 %.
    let strict = summary(FAILOVER);
    let lenient = summary(&FAILOVER.replace("seed: 5", "seed: 5\navailability_threshold: 10%"));
    let promoted_s =
        (fig(&strict, "datasets.users.failover.first_promotion_ms") - 20_000.0) / 1000.0;
    assert_eq!(fig(&strict, "availability.downtime_s"), 60.0);
    let lenient_down = fig(&lenient, "availability.downtime_s");
    assert!(
        (lenient_down - promoted_s.ceil()).abs() <= 1.0,
        "{lenient_down} s below 10 %, promoted {promoted_s} s in"
    );
    assert!(
        incident(&lenient, 0, "availability_back_ms")
            < incident(&strict, 0, "availability_back_ms")
    );
}

#[test]
fn random_incidents_are_pooled_into_distributions() {
    let yaml = r#"
name: random
seed: 9
duration: 2000s
replications: 3
regions:
  - {name: a, jurisdiction: US}
network: {intra_region: 1ms}
datasets:
  - {name: users, keys: 10, placement: {single-primary: {primary: a, apply_time: 0ms}}}
workload:
  - region: a
    rates: {users: {reads_per_s: 20}}
failures:
  - {region: a, mtbf: {exponential: {mean: 100s}}, mttr: {constant: 10s}}
"#;
    let s = summary(yaml);
    let point = &s["points"][0];
    let runs = point["runs"].as_array().unwrap();
    let total: f64 = runs
        .iter()
        .map(|r| r["availability"]["incidents"].as_f64().unwrap())
        .sum();
    let listed: usize = runs
        .iter()
        .map(|r| r["incidents"].as_array().unwrap().len())
        .sum();
    // About 2000 / 110 incidents a run.
    assert!(total > 30.0, "{total} incidents");
    assert_eq!(listed as f64, total);
    let pooled = &point["incidents"];
    assert_eq!(pooled["random_failures"], true);
    assert_eq!(pooled["total"].as_f64(), Some(total));
    // Every outage lasts exactly 10 s (one that the end cuts short has no
    // end): the failure-end distribution is a point.
    let end = &pooled["milestones"]["failure_end_ms"];
    assert_eq!(end["p50"], 10_000.0);
    assert_eq!(end["max"], 10_000.0);
    assert!(end["missing"].as_u64().unwrap() <= 3);
    // Reads fail while a is down and come back 2 ms after it: the read RTO
    // of every incident is 10 s + 2 ms plus the wait for the next read
    // (20 a second), and so is its availability back, to the second.
    let rto = &pooled["milestones"]["clients"]["a"]["read_rto_ms"];
    assert!(rto["min"].as_f64().unwrap() >= 10_002.0, "{rto}");
    assert!(rto["max"].as_f64().unwrap() < 11_000.0, "{rto}");
    let back = &pooled["milestones"]["availability_back_ms"];
    assert_eq!(back["p50"], 10_000.0, "{back}");
    assert_eq!(
        rto["n"].as_f64().unwrap() + rto["missing"].as_f64().unwrap(),
        total
    );
}

#[test]
fn downtime_is_guarded_by_an_slo_in_seconds() {
    let yaml = format!(
        "{FAILOVER}slo:\n  - {{name: down at most 30 s, metric: availability.downtime_s, max: 30s}}\n  - {{name: down at most 2 min, metric: availability.downtime_s, max: 2m}}\n"
    );
    let s = summary(&yaml);
    let verdicts: Vec<&str> = s["points"][0]["slo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["fail", "pass"]);
    assert_eq!(s["points"][0]["slo"][0]["bound"], "<= 30s");
}

/// Downtime is time, not sampled seconds: at 2 requests a second, a
/// quarter of the seconds of an outage have no request (e^-2 = 13.5 %),
/// and they count as down too (a second without requests takes the verdict
/// of the last one before it). An outage longer than six hours is counted
/// whole.
#[test]
fn downtime_counts_every_second_of_a_sparse_or_long_outage() {
    let sparse = |hours: u64| {
        TWO_OUTAGES
            .replace("duration: 60s", &format!("duration: {}h", hours + 2))
            .replace("{reads_per_s: 100, writes_per_s: 20}", "{reads_per_s: 2}")
            .replace(
                "  - {region: b, at: 10s, duration: 5s}\n  - {region: b, at: 40s, duration: 10s}\n  - {link: [a, b], added_delay: 5ms, at: 42s, duration: 2s}\n",
                &format!("  - {{region: b, at: 1h, duration: {hours}h}}\n"),
            )
    };
    for hours in [1u64, 10] {
        let s = summary(&sparse(hours));
        assert_eq!(fig(&s, "availability.incidents"), 1.0);
        let down = fig(&s, "availability.downtime_s");
        let real = (hours * 3600) as f64;
        // Up to the first request after b is back (half a second on
        // average; 5 s is 10 gaps).
        assert!(
            down >= real - 1.0 && down <= real + 5.0,
            "{down} s of a {real} s outage"
        );
        assert_eq!(fig(&s, "clients.b.requests.downtime_s"), down);
        let back = incident(&s, 0, "availability_back_ms");
        assert!(
            back >= real * 1000.0 && back <= (real + 5.0) * 1000.0,
            "{back}"
        );
    }
}
