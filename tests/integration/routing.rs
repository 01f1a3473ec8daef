//! DNS routing: users sent to another region's app tier, moved away from
//! one the health checks see down, gradually.

use crate::common::{availability_series, fig, summary};
use serde_json::Value;

/// Users in c; app tiers in a (10 ms from c) and b (30 ms); the data's
/// primary in b. Latency routing sends c's users to a until a fails at
/// 20 s; checkers in b and c probe every 10 s (2 s timeout, 3 failures).
const ROUTED: &str = r#"
name: routed
seed: 9
duration: 200s
bucket: 5s
regions:
  - {name: a, jurisdiction: US}
  - {name: b, jurisdiction: US}
  - {name: c, jurisdiction: US}
network:
  intra_region: 1ms
  links:
    - {between: [a, b], delay: 20ms}
    - {between: [a, c], delay: 10ms}
    - {between: [b, c], delay: 30ms}
health_checks: {checkers: [b, c], interval: 10s, timeout: 2s, failure_threshold: 3}
routing: {policy: latency, endpoints: [a, b], ttl: 60s, resolver_groups: 10}
datasets:
  - name: users
    keys: 100
    placement:
      single-primary: {primary: b, apply_time: 0ms}
workload:
  - region: c
    timeout: 1s
    rates: {users: {reads_per_s: 50}}
failures:
  - {region: a, at: 20s, duration: 150s}
"#;

fn dns(s: &Value, leaf: &str) -> f64 {
    fig(s, &format!("dns.{leaf}"))
}

#[test]
fn latency_routing_sends_users_to_the_nearest_app_tier() {
    let s = summary(&ROUTED.replace(
        "  - {region: a, at: 20s, duration: 150s}\n",
        "  - {link: [a, b], added_delay: 0ms, delay_factor: 1, at: 190s, duration: 1s}\n",
    ));
    // c -> a (10 ms) -> b (20 ms) and back, 1 ms access each way.
    assert_eq!(fig(&s, "clients.c.read_latency.min_ms"), 62.0);
    assert_eq!(fig(&s, "clients.c.read_latency.max_ms"), 62.0);
    assert_eq!(fig(&s, "clients.c.requests.availability"), 1.0);
}

#[test]
fn dns_moves_users_within_a_ttl_of_detection_and_overstayers_exactly_later() {
    let s = summary(ROUTED);
    // Both checkers must see a down (18 % of 2 needs one up to stay up):
    // the later one's third failure, 2 s after its third probe sent after
    // 20 s less its one-way delay (20 ms from b, 10 ms from c).
    let detection = dns(&s, "detection_ms");
    assert!((41_980.0..51_990.0).contains(&detection), "{detection}");
    let converged = dns(&s, "converged_100_ms");
    assert!(
        converged > detection && converged <= detection + 60_000.0,
        "{detection} {converged}"
    );
    assert!(dns(&s, "converged_50_ms") <= dns(&s, "converged_95_ms"));
    assert!(dns(&s, "converged_95_ms") <= converged);
    // After convergence every read goes to b's app tier (64 ms) and
    // succeeds; between the failure and detection reads to a failed.
    let series = availability_series(&s, "c");
    let bucket = |ms: f64| (ms / 5_000.0) as usize;
    assert_eq!(series[bucket(30_000.0)], 0.0, "{series:?}");
    assert!(
        series[bucket(converged) + 1..].iter().all(|&a| a == 1.0),
        "{series:?}"
    );
    // Every group's clients overstay by 30 s: the same phases, the same
    // detection, each switch exactly 30 s later.
    let over = summary(&ROUTED.replace(
        "resolver_groups: 10}",
        "resolver_groups: 10, overstay: {share: 100%, by: 30s}}",
    ));
    assert_eq!(dns(&over, "detection_ms"), detection);
    for q in ["converged_50_ms", "converged_95_ms", "converged_100_ms"] {
        let shift = dns(&over, q) - dns(&s, q);
        assert!((shift - 30_000.0).abs() < 1e-6, "{q}: {shift}");
    }
}

#[test]
fn failover_and_weighted_policies_answer_as_configured() {
    // failover: a while healthy, then b.
    let s = summary(&ROUTED.replace(
        "routing: {policy: latency, endpoints: [a, b], ttl: 60s, resolver_groups: 10}",
        "routing: {policy: failover, primary: a, secondary: b, ttl: 60s, resolver_groups: 10}",
    ));
    assert!(dns(&s, "converged_100_ms") > dns(&s, "detection_ms"));
    // weighted all on b: c's users always go to b (1 + 30 + 1 ms there,
    // the same back), and a's failure is nothing to them.
    let s = summary(&ROUTED.replace(
        "routing: {policy: latency, endpoints: [a, b], ttl: 60s, resolver_groups: 10}",
        "routing: {policy: weighted, weights: {a: 0, b: 1}, ttl: 60s}",
    ));
    assert_eq!(fig(&s, "clients.c.read_latency.min_ms"), 64.0);
    assert_eq!(fig(&s, "clients.c.read_latency.max_ms"), 64.0);
    assert_eq!(fig(&s, "clients.c.requests.availability"), 1.0);
}

/// Every routing and health-check setting changes what users see.
#[test]
fn each_routing_knob_changes_the_results() {
    let base = summary(ROUTED);
    let differs = |from: &str, to: &str, path: &str| {
        assert!(ROUTED.contains(from), "{from}");
        let other = summary(&ROUTED.replace(from, to));
        assert_ne!(
            fig(&base, path),
            fig(&other, path),
            "{to} left {path} unchanged"
        );
    };
    differs("ttl: 60s", "ttl: 120s", "dns.converged_100_ms");
    differs(
        "resolver_groups: 10}",
        "resolver_groups: 2}",
        "dns.converged_50_ms",
    );
    // Without a as an endpoint, or mapped to b, c's users go to b (64 ms).
    differs(
        "endpoints: [a, b]",
        "endpoints: [b]",
        "clients.c.read_latency.min_ms",
    );
    differs(
        "routing: {policy: latency, endpoints: [a, b],",
        "routing: {policy: geo, geo: {c: b}, endpoints: [a, b],",
        "clients.c.read_latency.min_ms",
    );
    // Users return to a once it is seen healthy again: later with a higher
    // recovery threshold.
    differs(
        "failure_threshold: 3}",
        "failure_threshold: 3, recovery_threshold: 10}",
        "clients.c.read_latency.mean_ms",
    );
}

/// a holds the primary, b a replica; c has no copy: 10 ms from b, 50 ms
/// from a. c's users read from the nearest copy that answers.
const NEAREST: &str = r#"
name: nearest
seed: 4
duration: 60s
bucket: 5s
regions:
  - {name: a, jurisdiction: US}
  - {name: b, jurisdiction: US}
  - {name: c, jurisdiction: US}
network:
  intra_region: 1ms
  links:
    - {between: [a, b], delay: 45ms}
    - {between: [a, c], delay: 50ms}
    - {between: [b, c], delay: 10ms}
datasets:
  - name: users
    keys: 100
    placement: {single-primary: {primary: a, replicas: [b], apply_time: 0ms}}
workload:
  - region: c
    timeout: 1s
    rates: {users: {reads_per_s: 50}}
"#;

#[test]
fn reads_without_a_local_copy_go_to_the_nearest_one_that_answers() {
    // Nothing fails: every read crosses to b and back, 20 ms, plus 1 ms
    // each way between the user and c's app tier.
    let s = summary(NEAREST);
    assert_eq!(fig(&s, "clients.c.read_latency.min_ms"), 22.0);
    assert_eq!(fig(&s, "clients.c.read_latency.max_ms"), 22.0);
    // b's database is down from 20 s to 40 s: reads sent then go to the
    // primary in a, 102 ms; the others still to b. Reads in flight to b
    // when it fails time out; none fails after.
    let failing = format!(
        "{NEAREST}failures:\n  - {{region: b, service: database, at: 20s, duration: 20s}}\n"
    );
    let s = summary(&failing);
    assert_eq!(fig(&s, "clients.c.read_latency.min_ms"), 22.0);
    assert_eq!(fig(&s, "clients.c.read_latency.max_ms"), 102.0);
    let failed = fig(&s, "clients.c.requests.failed");
    assert!(failed <= 3.0, "{failed} reads failed");
    let reads_to_a = fig(&s, "network.c.a.messages_per_s") * 60.0;
    // 20 s at 50 reads a second.
    assert!(
        (reads_to_a - 1000.0).abs() < 150.0,
        "{reads_to_a} reads to a"
    );
}

#[test]
fn the_lint_names_a_dns_endpoint_without_the_data() {
    let with = |endpoints: &str| {
        crate::common::scenario(&format!(
            "{NEAREST}routing: {{policy: latency, endpoints: {endpoints}}}\n"
        ))
        .warnings
        .join("\n")
    };
    let bare = with("[a, c]");
    assert!(
        bare.contains("DNS can send users to c, which holds no copy of dataset `users`: every read served there crosses to b"),
        "{bare}"
    );
    assert!(!with("[a, b]").contains("DNS can send"));
}

/// Convergence is the share of the resolver groups that serve someone:
/// with one group per region and users in c only, DNS has converged when
/// c's group has switched: 50 %, 95 % and 100 % at once. (Region a's own
/// group, nearest to a but asked by nobody, once counted as half.)
#[test]
fn dns_convergence_counts_only_the_groups_of_regions_with_users() {
    let s = summary(&ROUTED.replace("resolver_groups: 10", "resolver_groups: 1"));
    let detection = dns(&s, "detection_ms");
    let (c50, c100) = (dns(&s, "converged_50_ms"), dns(&s, "converged_100_ms"));
    assert_eq!(c50, c100);
    assert!(
        c100 > detection && c100 <= detection + 60_000.0,
        "{detection} {c100}"
    );
}
