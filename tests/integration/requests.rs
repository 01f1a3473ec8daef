//! Requests with identity: timeouts, retries with backoff, availability.

use crate::common::{fig, summary, TWO_REGIONS};
use regionsim::report::aggregate::at;
use serde_json::Value;

/// TWO_REGIONS with region b's workload entry given `patience` (lines of
/// `timeout`, `retries`, `backoff`) and only writes from b: each crosses
/// to the primary in a, 1 + 38 + 38 + 1 = 78 ms.
fn two_regions(patience: &str) -> String {
    TWO_REGIONS
        .replace("  - region: b\n", &format!("  - region: b\n{patience}"))
        .replace("{reads_per_s: 200, writes_per_s: 10}", "{writes_per_s: 10}")
}

#[test]
fn a_timeout_below_the_round_trip_fails_every_request_after_its_retries() {
    let s = summary(&two_regions("    timeout: 70ms\n    retries: 2\n"));
    let attempted = fig(&s, "clients.b.requests.attempted");
    assert!(attempted > 400.0, "{attempted}");
    assert_eq!(fig(&s, "clients.b.requests.availability"), 0.0);
    assert_eq!(fig(&s, "clients.b.requests.succeeded"), 0.0);
    assert_eq!(fig(&s, "clients.b.requests.failed"), attempted);
    assert_eq!(fig(&s, "clients.b.requests.retried"), attempted * 2.0);
    assert_eq!(fig(&s, "clients.b.write_latency.count"), 0.0);
    // Region a, with no timeout, is untouched.
    assert_eq!(fig(&s, "clients.a.requests.availability"), 1.0);
    // Every attempt still reached the primary and committed.
    let commits = fig(&s, "datasets.users.writes.committed");
    let from_a = fig(&s, "clients.a.requests.attempted");
    assert!(commits >= from_a + 2.5 * attempted, "{commits}");
    // A timeout just above the round trip lets them all through.
    let s = summary(&two_regions("    timeout: 78ms\n    retries: 2\n"));
    assert_eq!(fig(&s, "clients.b.requests.availability"), 1.0);
    assert_eq!(fig(&s, "clients.b.requests.retried"), 0.0);
}

fn figures(s: &Value) -> &Value {
    at(s, "points.0.figures").unwrap()
}

#[test]
fn without_a_timeout_everything_succeeds_and_a_long_one_changes_nothing() {
    let plain = summary(TWO_REGIONS);
    for r in ["a", "b"] {
        assert_eq!(
            fig(&plain, &format!("clients.{r}.requests.availability")),
            1.0
        );
        assert_eq!(fig(&plain, &format!("clients.{r}.requests.failed")), 0.0);
    }
    let patient = summary(&TWO_REGIONS.replace(
        "  - region: b\n",
        "  - region: b\n    timeout: 1h\n    retries: 3\n",
    ));
    assert_eq!(figures(&plain), figures(&patient));
}

/// Access delays exponential with mean 10 ms, 30 ms each way to the
/// primary: the round trip is 60 ms plus a Gamma(2, 10 ms) term, so it
/// exceeds a 100 ms timeout with probability p = e^-4 (1 + 4).
fn jittery(backoff: &str) -> String {
    format!(
        r#"
name: jitter
seed: 5
warmup: 2s
duration: 120s
regions:
  - {{name: a, jurisdiction: X}}
  - {{name: b, jurisdiction: X}}
network:
  intra_region: 1ms
  links:
    - {{between: [a, b], delay: 30ms}}
datasets:
  - name: d
    keys: 100
    placement:
      single-primary: {{primary: a, apply_time: 0ms}}
workload:
  - region: b
    access_delay: {{exponential: {{mean: 10ms}}}}
    timeout: 100ms
    retries: 3
    backoff: {backoff}
    rates:
      d: {{writes_per_s: 100}}
"#
    )
}

#[test]
fn retries_follow_the_chance_of_missing_the_deadline_and_backoff_delays_them() {
    let p = (-4f64).exp() * 5.0;
    let s = summary(&jittery("10ms"));
    let attempted = fig(&s, "clients.b.requests.attempted");
    let retried = fig(&s, "clients.b.requests.retried");
    // Attempt k + 1 happens with probability p^k.
    let per_request = p + p * p + p * p * p;
    let want = attempted * per_request;
    // Poisson-ish count: 5 standard deviations.
    assert!(
        (retried - want).abs() < 5.0 * want.sqrt(),
        "{retried} retries, expected {want:.0}"
    );
    let availability = fig(&s, "clients.b.requests.availability");
    let failed = fig(&s, "clients.b.requests.failed");
    assert_eq!(availability, 1.0 - failed / attempted);
    assert!(failed < 10.0, "{failed}");
    // Latency counts from the first send: a request that needed a second
    // attempt took the first timeout, the backoff and a round trip.
    let quick = fig(&s, "clients.b.write_latency.max_ms");
    assert!(quick > 100.0 + 10.0 + 60.0 && quick < 1000.0, "{quick}");
    let slow = fig(&summary(&jittery("1s")), "clients.b.write_latency.max_ms");
    assert!(slow >= 100.0 + 1000.0 + 60.0, "{slow}");
}
