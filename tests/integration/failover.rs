//! Health checks and database failover: detection, promotion, lost
//! writes, fencing.

use crate::common::{availability_series, fig, scenario, summary};
use regionsim::engine::Time;
use regionsim::model::{Trace, World};
use serde_json::Value;

/// Primary in a, replica in b, 38 ms apart; one checker in b probing
/// every 10 s with a 2 s timeout, 3 failures in a row; promotion 30 s.
/// Region a fails 20 s into the measured span (after a 5 s warm-up).
pub const FAILOVER: &str = r#"
name: failover
seed: 5
warmup: 5s
duration: 120s
bucket: 5s
regions:
  - {name: a, jurisdiction: US}
  - {name: b, jurisdiction: US}
network:
  intra_region: 1ms
  links: [{between: [a, b], delay: 38ms}]
health_checks: {checkers: [b], interval: 10s, timeout: 2s, failure_threshold: 3}
datasets:
  - name: users
    keys: 100
    placement:
      single-primary:
        primary: a
        replicas: [b]
        apply_time: 0ms
        failover: {promotion_delay: 30s}
workload:
  - region: a
    rates: {users: {writes_per_s: 50}}
  - region: b
    timeout: 1s
    rates: {users: {writes_per_s: 10}}
failures:
  - {region: a, at: 20s, duration: 60s}
"#;

fn failover_fig(s: &Value, leaf: &str) -> f64 {
    fig(s, &format!("datasets.users.failover.{leaf}"))
}

#[test]
fn detection_and_promotion_follow_the_probe_arithmetic() {
    let s = summary(FAILOVER);
    // The first probe to fail is the first sent after 20 s - 38 ms (it
    // reaches a once a is down); the third failure in a row is known 2 s
    // after the third such probe: between 20 s + 2 x 10 s + 2 s - 38 ms
    // and one interval later, depending on the probe's phase.
    let detection = failover_fig(&s, "first_detection_ms");
    assert!(
        (41_962.0..51_962.0).contains(&detection),
        "detection at {detection} ms"
    );
    // Promotion completes exactly the promotion delay later.
    let promotion = failover_fig(&s, "first_promotion_ms");
    assert_eq!(promotion - detection, 30_000.0);
    assert_eq!(failover_fig(&s, "started"), 1.0);
    assert_eq!(failover_fig(&s, "promotions"), 1.0);
    // b's writes are back with the first one sent after the promotion:
    // 4 ms to the local new primary (at 10 writes/s, one comes within 2 s).
    let rto = fig(&s, "clients.b.recovery.write_rto_ms");
    let promoted = promotion - 20_000.0;
    assert!(
        rto >= promoted + 4.0 && rto < promoted + 2_004.0,
        "{rto} vs {promoted}"
    );
    // a's users are back when a is (80 s): its app tier then writes to the
    // new primary in b, 1 + 38 + 38 + 1 ms later at the earliest.
    let rto_a = fig(&s, "clients.a.recovery.write_rto_ms");
    assert!((60_078.0..62_078.0).contains(&rto_a), "{rto_a}");
    // Writes from b: 1 + 38 + 38 + 1 ms to a before the failure, 4 ms to
    // the local new primary after the promotion; none succeeds between.
    assert_eq!(fig(&s, "clients.b.write_latency.min_ms"), 4.0);
    assert_eq!(fig(&s, "clients.b.write_latency.max_ms"), 78.0);
    let series = availability_series(&s, "b");
    let bucket = |ms: f64| (ms / 5_000.0) as usize;
    for (i, &a) in series.iter().enumerate() {
        if i < bucket(20_000.0) - 1 || i > bucket(promotion) {
            assert_eq!(a, 1.0, "bucket {i}: {series:?}");
        } else if i > bucket(20_000.0) && i < bucket(promotion) {
            assert_eq!(a, 0.0, "bucket {i}: {series:?}");
        }
    }
}

#[test]
fn a_manual_failover_waits_for_the_operator() {
    let yaml = FAILOVER
        .replace(
            "failover: {promotion_delay: 30s}",
            "failover: {mode: manual, operator_delay: 20s, promotion_delay: 30s}",
        )
        .replace("duration: 120s", "duration: 150s");
    let s = summary(&yaml);
    let detection = failover_fig(&s, "first_detection_ms");
    assert!((41_962.0..51_962.0).contains(&detection), "{detection}");
    assert_eq!(failover_fig(&s, "first_promotion_ms") - detection, 50_000.0);
}

/// FAILOVER with the link a-b cut from 5 s before a fails until after: the
/// writes a commits in those 5 s never reach b.
fn with_window(mode: &str) -> String {
    FAILOVER
        .replace(
            "        apply_time: 0ms\n",
            &format!("        apply_time: 0ms\n        replication: {mode}\n"),
        )
        .replace(
            "  - {region: a, at: 20s, duration: 60s}\n",
            "  - {partition: [[a], [b]], at: 15s, duration: 10s}\n  - {region: a, at: 20s, duration: 60s}\n",
        )
}

#[test]
fn async_loses_exactly_the_writes_committed_in_the_window() {
    let s = scenario(&with_window("async"));
    let mut sim = World::new(&s, 0);
    sim.model_mut().trace_writes();
    sim.run_to_completion();
    let start = Time::ZERO + s.warmup;
    let window = (start + regionsim::engine::Duration::from_secs(15))
        ..(start + regionsim::engine::Duration::from_secs(20));
    let in_window: Vec<Time> = sim
        .model()
        .trace()
        .iter()
        .filter_map(|t| match *t {
            Trace::Acked { at, .. } if window.contains(&at) => Some(at),
            _ => None,
        })
        .collect();
    assert!(in_window.len() > 150, "{} writes", in_window.len());
    let m = sim.into_model().finish();
    assert_eq!(m.writes[0].promotions, 1);
    assert_eq!(m.writes[0].lost, in_window.len() as u64);
    let span = in_window.last().unwrap().since(in_window[0]);
    assert_eq!(m.writes[0].lost_window, span);
}

#[test]
fn sync_loses_no_acknowledged_write() {
    let s = summary(&with_window("sync"));
    assert_eq!(failover_fig(&s, "promotions"), 1.0);
    assert_eq!(failover_fig(&s, "lost_writes"), 0.0);
    // Semi-sync with its 10 s timeout never fell back in a 5 s cut: none
    // lost either.
    let s = summary(&with_window("{semi-sync: {acks: 1}}"));
    assert_eq!(failover_fig(&s, "lost_writes"), 0.0);
    // With a 1 s timeout it fell back and acknowledged writes b never got.
    let s = summary(&with_window("{semi-sync: {acks: 1, timeout: 1s}}"));
    assert!(failover_fig(&s, "lost_writes") > 100.0);
}

/// A partition cuts a (still up, its clients writing) off from the checker
/// and the replica in b: b is promoted while a lives.
fn split(fencing: bool) -> Value {
    summary(
        &FAILOVER
            .replace(
                "failover: {promotion_delay: 30s}",
                &format!("failover: {{promotion_delay: 30s, fencing: {fencing}}}"),
            )
            .replace(
                "  - {region: a, at: 20s, duration: 60s}\n",
                "  - {partition: [[a], [b]], at: 20s, duration: 60s}\n",
            ),
    )
}

#[test]
fn without_fencing_the_deposed_primary_takes_writes_with_fencing_none() {
    let unfenced = split(false);
    assert_eq!(failover_fig(&unfenced, "promotions"), 1.0);
    let split_writes = failover_fig(&unfenced, "split_brain_writes");
    assert!(split_writes > 1_000.0, "{split_writes}");
    let fenced = split(true);
    assert_eq!(failover_fig(&fenced, "promotions"), 1.0);
    assert_eq!(failover_fig(&fenced, "split_brain_writes"), 0.0);
    // Fenced, a's clients cannot write: the new primary is across the
    // partition. Unfenced, they could (into a primary that no longer is).
    assert!(
        fig(&fenced, "clients.a.requests.availability")
            < fig(&unfenced, "clients.a.requests.availability")
    );
    // Either way a kept committing its own clients' writes until the
    // promotion: acknowledged, never at b, lost.
    assert!(failover_fig(&fenced, "lost_writes") > 1_000.0);
}

#[test]
fn a_partition_seen_by_some_checkers_fails_over_only_when_every_checker_counts() {
    // Three checkers: b, c and d. The partition cuts a from b only: under
    // Route 53's rule (healthy while 18 % see it so) a stays healthy; when
    // every checker must see it healthy, it does not, and b is promoted.
    let base = FAILOVER
        .replace(
            "  - {name: b, jurisdiction: US}\n",
            "  - {name: b, jurisdiction: US}\n  - {name: c, jurisdiction: US}\n  - {name: d, jurisdiction: US}\n",
        )
        .replace(
            "links: [{between: [a, b], delay: 38ms}]",
            "links: [{between: [a, b], delay: 38ms}, {between: [a, c], delay: 20ms}, {between: [a, d], delay: 20ms}, {between: [b, c], delay: 20ms}, {between: [b, d], delay: 20ms}, {between: [c, d], delay: 20ms}]",
        )
        .replace("checkers: [b]", "checkers: [b, c, d]")
        .replace(
            "  - {region: a, at: 20s, duration: 60s}\n",
            "  - {partition: [[a], [b]], at: 20s, duration: 60s}\n",
        );
    let share_rule = summary(&base);
    assert_eq!(failover_fig(&share_rule, "started"), 0.0);
    assert_eq!(failover_fig(&share_rule, "promotions"), 0.0);
    let every = summary(&base.replace(
        "failure_threshold: 3}",
        "failure_threshold: 3, healthy_share: 100%}",
    ));
    assert_eq!(failover_fig(&every, "started"), 1.0);
    assert_eq!(failover_fig(&every, "promotions"), 1.0);
}

#[test]
fn the_lint_names_what_one_failure_would_take_down() {
    let warnings = |yaml: &str| scenario(yaml).warnings.join("\n");
    // With failover, writes are not stuck behind a single primary.
    let w = warnings(FAILOVER);
    assert!(!w.contains("single point of failure"), "{w}");
    // One checker only: a partition there blinds failover.
    assert!(w.contains("every health checker is in b"), "{w}");
    // Replicas, failures, no failover: writes fail everywhere meanwhile.
    let w = warnings(&FAILOVER.replace("        failover: {promotion_delay: 30s}\n", ""));
    assert!(w.contains("has replicas but no failover"), "{w}");
    // No copy outside one region, users in two.
    let w = warnings(
        &FAILOVER
            .replace("        failover: {promotion_delay: 30s}\n", "")
            .replace("        replicas: [b]\n", ""),
    );
    assert!(w.contains("no copy outside a"), "{w}");
    let w = warnings(&FAILOVER.replace("checkers: [b]", "checkers: [a, b]"));
    assert!(!w.contains("every health checker"), "{w}");
}

#[test]
fn after_a_promotion_the_other_replicas_follow_the_new_primary() {
    // A third region c, 500 ms from a but 10 ms from b: once b is primary,
    // c's replication comes from b.
    let yaml = FAILOVER
        .replace(
            "  - {name: b, jurisdiction: US}\n",
            "  - {name: b, jurisdiction: US}\n  - {name: c, jurisdiction: US}\n",
        )
        .replace(
            "links: [{between: [a, b], delay: 38ms}]",
            "links: [{between: [a, b], delay: 38ms}, {between: [a, c], delay: 500ms}, {between: [b, c], delay: 10ms}]",
        )
        .replace("        replicas: [b]\n", "        replicas: [b, c]\n")
        .replace("failover: {promotion_delay: 30s}", "failover: {promotion_delay: 30s, target: b}");
    let s = summary(&yaml);
    assert_eq!(failover_fig(&s, "promotions"), 1.0);
    // Before the failure (20 s of 120) c was 500 ms behind; after the
    // promotion, 10 ms.
    assert_eq!(fig(&s, "datasets.users.replicas.c.lag.min_ms"), 10.0);
    assert!(fig(&s, "datasets.users.replicas.c.lag.p50_ms") < 11.0);
}

#[test]
fn a_shorter_resync_ends_a_split_brain_sooner() {
    let long = failover_fig(&split(false), "split_brain_writes");
    let short = failover_fig(
        &summary(
            &FAILOVER
                .replace(
                    "failover: {promotion_delay: 30s}",
                    "failover: {promotion_delay: 30s, fencing: false, resync: 10s}",
                )
                .replace(
                    "  - {region: a, at: 20s, duration: 60s}\n",
                    "  - {partition: [[a], [b]], at: 20s, duration: 60s}\n",
                ),
        ),
        "split_brain_writes",
    );
    // 10 s of a's 50 writes/s instead of the rest of the run.
    assert!(short > 300.0 && short < 700.0, "{short}");
    assert!(long > 2.0 * short, "{long} vs {short}");
}

/// A named target whose database is down at promotion is passed over: the
/// most caught-up replica up is promoted, and the report says so.
#[test]
fn a_target_that_is_down_at_promotion_is_named_and_another_promoted() {
    let yaml = FAILOVER
        .replace(
            "  - {name: b, jurisdiction: US}",
            "  - {name: b, jurisdiction: US}\n  - {name: c, jurisdiction: US}",
        )
        .replace(
            "links: [{between: [a, b], delay: 38ms}]",
            "links: [{between: [a, b], delay: 38ms}, {between: [a, c], delay: 20ms}, {between: [b, c], delay: 20ms}]",
        )
        .replace("replicas: [b]", "replicas: [b, c]")
        .replace(
            "failover: {promotion_delay: 30s}",
            "failover: {promotion_delay: 30s, target: b}",
        );
    let s = summary(&yaml);
    assert_eq!(failover_fig(&s, "target_passed_over"), 0.0);
    let promoted =
        |s: &Value| s["points"][0]["figures"]["datasets"]["users"]["failover"]["promoted"].clone();
    assert_eq!(promoted(&s), "b");
    // b's database is down from before the promotion to after it.
    let down = yaml.replace(
        "  - {region: a, at: 20s, duration: 60s}",
        "  - {region: a, at: 20s, duration: 60s}\n  - {region: b, service: database, at: 30s, duration: 60s}",
    );
    let s = summary(&down);
    assert_eq!(failover_fig(&s, "promotions"), 1.0);
    assert_eq!(failover_fig(&s, "target_passed_over"), 1.0);
    assert_eq!(promoted(&s), "c");
    let tmp = tempfile::tempdir().unwrap();
    crate::common::write(tmp.path(), "d.yaml", &down);
    let o = crate::common::regionsim(tmp.path(), &["run", "d.yaml", "-o", "out", "--no-charts"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("note: dataset `users`: its failover target b could not be promoted")
            && out.contains("(first: c)"),
        "{out}"
    );
    let md = std::fs::read_to_string(tmp.path().join("out/summary.md")).unwrap();
    assert!(
        md.contains("its failover target b could not be promoted"),
        "{md}"
    );
}
