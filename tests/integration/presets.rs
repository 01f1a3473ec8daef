//! Managed services as presets: each value is the cited figure (README,
//! FACTS.md), each field overridable, and each preset behaves as the
//! service does.

use crate::common::{fig, scenario, summary, validate};
use regionsim::engine::Duration;

/// Users in c; app tiers in a (10 ms from c) and b (30 ms); checkers in b
/// and c; a's app tier fails at 20 s for 150 s. `checks` and `routing`
/// are the two sections' fields.
fn routed(checks: &str, routing: &str) -> String {
    format!(
        r#"
name: presets
seed: 9
duration: 200s
bucket: 5s
regions:
  - {{name: a, jurisdiction: US}}
  - {{name: b, jurisdiction: US}}
  - {{name: c, jurisdiction: US}}
network:
  intra_region: 1ms
  links:
    - {{between: [a, b], delay: 20ms}}
    - {{between: [a, c], delay: 10ms}}
    - {{between: [b, c], delay: 30ms}}
health_checks: {{checkers: [b, c], {checks}}}
routing: {{policy: latency, endpoints: [a, b], {routing}}}
datasets:
  - name: users
    keys: 100
    placement:
      single-primary: {{primary: b, apply_time: 0ms}}
workload:
  - region: c
    timeout: 1s
    rates: {{users: {{reads_per_s: 50}}}}
failures:
  - {{region: a, service: app, at: 20s, duration: 150s}}
"#
    )
}

/// Every preset resolves to its cited values: Route 53 every 30 s (fast:
/// 10 s), 4 s, 3 failures, more than 18 %; Cloudflare every 60 s, a check
/// failed after 5 s and 2 immediate retries, the first failed check,
/// majority; Route 53's TTL of 60 s; Cloudflare proxied, no caches.
#[test]
fn each_preset_resolves_to_its_cited_values() {
    for (preset, interval, timeout, threshold, share) in [
        ("route53", 30, 4, 3, 0.18),
        ("route53-fast", 10, 4, 3, 0.18),
        ("cloudflare", 60, 15, 1, 0.5),
    ] {
        let s = scenario(&routed(&format!("preset: {preset}"), "preset: route53"));
        let h = s.health.expect("health checks");
        assert_eq!(h.interval, Duration::from_secs(interval), "{preset}");
        assert_eq!(h.timeout, Duration::from_secs(timeout), "{preset}");
        assert_eq!(h.failure_threshold, threshold, "{preset}");
        assert_eq!(h.healthy_share, share, "{preset}");
        let r = s.routing.expect("routing");
        assert_eq!(r.ttl, Duration::from_secs(60));
        assert!(!r.proxied);
    }
    let s = scenario(&routed("preset: cloudflare", "preset: cloudflare-proxied"));
    assert!(s.routing.expect("routing").proxied);
    // An override wins over its preset's value, field by field.
    let s = scenario(&routed(
        "preset: route53, interval: 10s",
        "preset: route53, ttl: 5s",
    ));
    let h = s.health.expect("health checks");
    assert_eq!(h.interval, Duration::from_secs(10));
    assert_eq!(h.failure_threshold, 3);
    assert_eq!(s.routing.expect("routing").ttl, Duration::from_secs(5));
}

/// Route 53's default checks see a target down after interval x threshold
/// (about 90 s at 30 s x 3), within one interval: the later checker's
/// third failed probe is sent 60 to 90 s after the failure and fails 4 s
/// later. Fast checks: 20 to 30 s, plus 4. Cloudflare: the first check
/// after the failure (within 60 s) fails 15 s later. An override of the
/// interval moves it as the interval says.
#[test]
fn detection_takes_what_each_preset_says() {
    let detected = |checks: &str| {
        fig(
            &summary(&routed(checks, "preset: route53")),
            "dns.detection_ms",
        ) - 20_000.0
    };
    let route53 = detected("preset: route53");
    assert!((64_000.0..94_100.0).contains(&route53), "{route53}");
    let fast = detected("preset: route53-fast");
    assert!((24_000.0..34_100.0).contains(&fast), "{fast}");
    let cloudflare = detected("preset: cloudflare");
    assert!((15_000.0..75_100.0).contains(&cloudflare), "{cloudflare}");
    let overridden = detected("preset: route53, interval: 10s");
    assert!((24_000.0..34_100.0).contains(&overridden), "{overridden}");
}

/// Behind Route 53, users move within a TTL of the detection (the
/// resolvers' caches); behind Cloudflare's proxied load balancer every one
/// moves at the detection itself: no DNS tail.
#[test]
fn a_proxied_load_balancer_moves_traffic_with_no_dns_tail() {
    let s = summary(&routed("preset: route53", "preset: route53"));
    let (detection, converged) = (fig(&s, "dns.detection_ms"), fig(&s, "dns.converged_100_ms"));
    assert!(converged > detection + 1_000.0, "{detection} {converged}");
    let s = summary(&routed("preset: route53", "preset: cloudflare-proxied"));
    let (detection, converged) = (fig(&s, "dns.detection_ms"), fig(&s, "dns.converged_100_ms"));
    assert_eq!(converged, detection);
}

/// An unknown preset, a preset of the wrong type, and a cache setting on
/// a proxied load balancer: exit 2 with the line.
#[test]
fn bad_presets_are_refused_with_their_line() {
    for (checks, routing, words) in [
        ("preset: pingdom", "preset: route53", "pingdom"),
        ("preset: [route53]", "preset: route53", "preset"),
        ("preset: route53", "preset: akamai", "akamai"),
        (
            "preset: route53",
            "preset: cloudflare-proxied, ttl: 30s",
            "proxied",
        ),
        (
            "preset: route53",
            "preset: cloudflare-proxied, overstay: {share: 5%, by: 1m}",
            "proxied",
        ),
    ] {
        let yaml = routed(checks, routing);
        let (code, err, _) = validate(&yaml);
        assert_eq!(code, Some(2), "{checks} {routing}: {err}");
        assert!(err.contains(words), "{checks} {routing}: {err}");
        assert!(err.contains("test.yaml:"), "{err}");
    }
    for (routing, words) in [
        (
            "policy: random, weights: {a: 1, b: 2}",
            "`weights` belongs to another policy than `random`",
        ),
        (
            "policy: dynamic, geo: {c: b}",
            "`geo` belongs to another policy than `dynamic`",
        ),
        ("policy: nearest", "unknown variant `nearest`"),
    ] {
        let (code, err, _) = validate(&steered(routing));
        assert_eq!(code, Some(2), "{routing}: {err}");
        assert!(err.contains(words), "{routing}: {err}");
        assert!(err.contains("test.yaml:"), "{err}");
    }
}

/// Users in c; app tiers and active-active copies in a (10 ms from c) and
/// b (30 ms); Cloudflare's checks; `routing` is the routing section's
/// fields; the c-a link four times slower from 30 s for 30 s.
fn steered(routing: &str) -> String {
    format!(
        r#"
name: steering
seed: 9
duration: 90s
bucket: 5s
regions:
  - {{name: a, jurisdiction: US}}
  - {{name: b, jurisdiction: US}}
  - {{name: c, jurisdiction: US}}
network:
  intra_region: 1ms
  links:
    - {{between: [a, b], delay: 20ms}}
    - {{between: [a, c], delay: 10ms}}
    - {{between: [b, c], delay: 30ms}}
health_checks: {{preset: cloudflare, checkers: [c]}}
routing: {{endpoints: [a, b], {routing}}}
datasets:
  - name: carts
    keys: 100
    placement:
      active-active: {{regions: [a, b], apply_time: 0ms}}
workload:
  - region: c
    rates: {{carts: {{reads_per_s: 100}}}}
failures:
  - {{link: [a, c], delay_factor: 4, at: 30s, duration: 30s}}
"#
    )
}

/// Cloudflare's steering (developers.cloudflare.com/load-balancing,
/// FACTS.md): `random` draws among the healthy endpoints with equal
/// weights; `proximity` answers the nearest, the mean delay standing for
/// the distance (as `latency`); `dynamic` the lowest round trip as
/// measured now.
#[test]
fn cloudflare_steering_modes_resolve_to_their_policies() {
    use regionsim::scenario::RoutingPolicy;
    let policy = |p: &str| {
        scenario(&steered(&format!("policy: {p}")))
            .routing
            .unwrap()
            .policy
    };
    assert_eq!(policy("random"), RoutingPolicy::Weighted(vec![1.0, 1.0]));
    assert_eq!(policy("proximity"), RoutingPolicy::Latency);
    assert_eq!(policy("dynamic"), RoutingPolicy::Dynamic);
}

/// A read from c costs the round trip to the app tier it is steered to
/// plus 4 ms (1 ms each way between client and app tier and between app
/// tier and its copy): 24 ms at a, 64 ms at b, 84 ms at a while the c-a
/// link is four times slower (a third of the span). Latency routing keeps
/// sending c's users to a, so its p99 is 84 ms and its mean 44 ms;
/// dynamic steering behind Cloudflare's proxy measures the slower link as
/// it changes and sends them to b for those 30 s (64 ms), and back to a
/// after: mean 2/3 x 24 + 1/3 x 64 = 37.3 ms; random steering sends half
/// of them each way (DNS answers drawn anew every second): mean
/// 2/3 x 44 + 1/3 x 74 = 54 ms.
#[test]
fn dynamic_steering_moves_off_a_slow_link_and_random_splits_evenly() {
    let proxied = "preset: cloudflare-proxied";
    let latency = summary(&steered(&format!("policy: latency, {proxied}")));
    let dynamic = summary(&steered(&format!("policy: dynamic, {proxied}")));
    let read = |s: &serde_json::Value, k: &str| fig(s, &format!("clients.c.read_latency.{k}"));
    assert_eq!(read(&latency, "p99_ms"), 84.0);
    assert!((read(&latency, "mean_ms") - 44.0).abs() < 0.3);
    assert_eq!(read(&dynamic, "max_ms"), 64.0);
    assert!((read(&dynamic, "mean_ms") - (2.0 * 24.0 + 64.0) / 3.0).abs() < 0.3);
    // Behind DNS (no proxy) each resolver finds the change at its next
    // refresh, within the 5 s TTL: a few seconds of slow reads, not 30.
    let dns = summary(&steered("policy: dynamic, ttl: 5s"));
    let mean = read(&dns, "mean_ms");
    assert!(
        mean > read(&dynamic, "mean_ms") + 0.1 && mean < 40.0,
        "{mean}"
    );
    // Random: half the reads at each app tier.
    let random = summary(&steered("policy: random, ttl: 1s"));
    let mean = read(&random, "mean_ms");
    assert!((mean - 54.0).abs() < 1.5, "{mean}");
}
