//! What an outage of the primary costs, against hand-computed timelines:
//! writes that had not left it (still in its log, or queued for a
//! bandwidth-limited link) are lost in a failover, writes already on the
//! wire are not; semi-sync falls back to async and returns once the
//! replicas have caught up.

use crate::common::{commits_and_metrics, fig, summary};
use regionsim::engine::{Duration, Time};

/// A client region `c` 5 ms from the primary `a`; a replica `b` 20 ms
/// from `a`; every delay constant. Health checks from `b` and `c` every
/// second see `a` down at once, and `b` is promoted 5 s later. `a` fails
/// (a region outage) 20 s into the run, for good.
fn outage(placement_extra: &str, link_extra: &str, writes_per_s: f64, replications: u32) -> String {
    format!(
        r#"
name: outage
seed: 11
warmup: 0s
duration: 60s
replications: {replications}
regions:
  - {{name: a, jurisdiction: X}}
  - {{name: b, jurisdiction: X}}
  - {{name: c, jurisdiction: X}}
network:
  intra_region: 1ms
  links:
    - {{between: [a, b], delay: 20ms}}
    - {{between: [a, c], delay: 5ms}}
    - {{between: [b, c], delay: 20ms}}
{link_extra}
health_checks: {{checkers: [b, c], interval: 1s, timeout: 500ms, failure_threshold: 1, healthy_share: 100%}}
datasets:
  - name: d
    keys: 1000
    record_bytes: 1000
    placement:
      single-primary:
        primary: a
        replicas: [b]
        apply_time: 0ms
        failover: {{promotion_delay: 5s}}
{placement_extra}
workload:
  - region: c
    rates:
      d: {{writes_per_s: {writes_per_s}}}
failures:
  - {{region: a, at: 20s, duration: 100s}}
"#
    )
}

const FAILURE: Duration = Duration::from_secs(20);

/// With a bandwidth limit the writes queue at the primary to be sent, one
/// every 10 ms (1,000 bytes at 100 kB/s); at 150 writes/s the queue grows
/// by about 50 a second. When the primary fails, exactly the writes whose
/// transmission had not ended are lost: d_k = max(c_k, d_(k-1)) + 10 ms,
/// lost = the writes committed before the failure with d_k after it.
#[test]
fn a_bandwidth_limited_link_at_failure_loses_exactly_the_writes_queued_at_the_primary() {
    let yaml = outage("", "    - {from: a, to: b, bandwidth: 100kB/s}", 150.0, 1);
    let (commits, m) = commits_and_metrics(&yaml);
    let fail = Time::ZERO + FAILURE;
    let tx = Duration::from_millis(10);
    let mut done = Time::ZERO;
    let (mut lost, mut first, mut last) = (0u64, Time::NEVER, Time::ZERO);
    for &c in commits.iter().filter(|&&c| c < fail) {
        done = c.max(done) + tx;
        if done > fail {
            lost += 1;
            first = first.min(c);
            last = last.max(c);
        }
    }
    // About (150 - 100) x 20 s of backlog.
    assert!((800..1_200).contains(&lost), "{lost} queued at the failure");
    assert_eq!(m.writes[0].lost, lost);
    assert_eq!(m.writes[0].lost_window, last.since(first));
    // Without the limit nothing was queued: nothing is lost (writes on the
    // wire when the primary fails still arrive).
    let (_, m) = commits_and_metrics(&outage("", "", 150.0, 1));
    assert_eq!(m.writes[0].lost, 0);
}

/// A write waits `shipping_delay` in the primary's log before it is sent:
/// an outage loses those committed in the last S before it, r x S in
/// expectation, spanning a window of about S; sync loses none.
#[test]
fn an_outage_under_async_loses_the_writes_still_in_the_log() {
    let (r, s_ms) = (100.0, 500.0);
    let yaml = outage("        shipping_delay: 500ms", "", r, 12);
    let s = summary(&yaml);
    let lost = &s["points"][0]["figures"]["datasets"]["d"]["failover"]["lost_writes"];
    let (mean, low, high) = (
        lost["mean"].as_f64().unwrap(),
        lost["ci_low"].as_f64().unwrap(),
        lost["ci_high"].as_f64().unwrap(),
    );
    let expected = r * s_ms / 1000.0;
    assert!(
        low <= expected && expected <= high,
        "{mean} ({low}-{high}), r x S = {expected}"
    );
    // Every lost write was committed in (f - S, f]: the window is S less
    // the gaps before the first and after the last, 2 / r on average.
    let window = fig(&s, "datasets.d.failover.lost_window_ms");
    assert!(
        window <= s_ms && window > s_ms - 5.0 * 1000.0 / r,
        "{window}"
    );
    // The lag is the link, plus S in the log.
    let lag = fig(&s, "datasets.d.replicas.b.lag.min_ms");
    assert!((lag - 520.0).abs() < 0.1, "{lag}");
    let sync = summary(&outage("        replication: sync", "", r, 2));
    assert_eq!(fig(&sync, "datasets.d.failover.lost_writes"), 0.0);
    assert!(fig(&sync, "datasets.d.failover.promotions") >= 1.0);
}

/// Semi-sync (one ack) with a primary `a`, a replica `b` 20 ms away and
/// 500 writes/s from `c`; the link between `a` and `b` is cut from 10 s to
/// 15 s. `extra` adds to the link list.
fn semi_sync_cut(timeout: &str, extra: &str) -> String {
    format!(
        r#"
name: semi-sync-cut
seed: 4
warmup: 0s
duration: 60s
regions:
  - {{name: a, jurisdiction: X}}
  - {{name: b, jurisdiction: X}}
  - {{name: c, jurisdiction: X}}
network:
  intra_region: 1ms
  links:
    - {{between: [a, b], delay: 20ms}}
    - {{between: [a, c], delay: 5ms}}
    - {{between: [b, c], delay: 20ms}}
{extra}
datasets:
  - name: d
    keys: 1000
    record_bytes: 1000
    placement:
      single-primary:
        primary: a
        replicas: [b]
        replication: {{semi-sync: {{acks: 1, timeout: {timeout}}}}}
        apply_time: 0ms
workload:
  - region: c
    rates:
      d: {{writes_per_s: 500}}
failures:
  - {{partition: [[a], [b]], at: 10s, duration: 5s}}
"#
    )
}

/// Every commit time of run 0 of `yaml`.
fn commit_times(yaml: &str) -> Vec<Time> {
    commits_and_metrics(yaml).0
}

/// Seconds the primary spent fallen back, and how many times it fell back.
fn fallback(yaml: &str) -> (f64, f64) {
    let s = summary(yaml);
    (
        fig(&s, "datasets.d.semi_sync.fallback_share") * 60.0,
        fig(&s, "datasets.d.semi_sync.fallbacks"),
    )
}

/// The first write after the cut (at c1) waits 1 s for an acknowledgement
/// that cannot come, and the primary falls back at c1 + 1 s. It switches
/// back (as MySQL does) once the replica has acknowledged the newest write
/// that waited: at 15 s the link is back, the held writes leave at once,
/// arrive 20 ms later and are acknowledged 20 ms after that. So the
/// primary is async from c1 + 1 s to 15.04 s, not for the rest of the run.
#[test]
fn semi_sync_returns_from_its_fallback_once_the_replica_has_caught_up() {
    let cut = Time::ZERO + Duration::from_secs(10);
    let yaml = semi_sync_cut("1s", "");
    let c1 = *commit_times(&yaml).iter().find(|&&c| c >= cut).unwrap();
    let expected = 15.04 - (c1.as_nanos() as f64 / 1e9 + 1.0);
    let (seconds, times) = fallback(&yaml);
    assert_eq!(times, 1.0);
    // Within one round trip (40 ms); the switch is noticed by the first
    // commit after the acknowledgement, 2 ms later on average.
    assert!(
        seconds >= expected - 1e-6 && seconds < expected + 0.04,
        "{seconds} s fallen back, {expected} expected"
    );
    // With a bandwidth limit (1,000 bytes at 1 MB/s: 1 ms a write, half
    // the link), the backlog leaves one write a millisecond from 15 s: the
    // newest write that waited (3 s here), the n-th held one, leaves at
    // 15 s + n ms. (With a timeout of 1 s the writes after the switch
    // would wait behind the rest of the backlog for longer than that, and
    // the primary would fall back again, as MySQL's does.)
    let yaml = semi_sync_cut("3s", "    - {from: a, to: b, bandwidth: 1MB/s}");
    let commits = commit_times(&yaml);
    let c1 = *commits.iter().find(|&&c| c >= cut).unwrap();
    let until = c1 + Duration::from_secs(3);
    let n = commits.iter().filter(|&&c| c >= c1 && c < until).count();
    let back = 15.0 + n as f64 / 1000.0 + 0.04;
    let expected = back - until.as_nanos() as f64 / 1e9;
    let (seconds, times) = fallback(&yaml);
    assert_eq!(times, 1.0);
    assert!(
        seconds >= expected - 1e-6 && seconds < expected + 0.04,
        "{seconds} s fallen back, {expected} expected ({n} writes waited)"
    );
}

/// A cut shorter than the timeout is no fallback: the writes that waited
/// are acknowledged when the replica has them again, 40 ms after the
/// link is back, and the primary never went async.
#[test]
fn semi_sync_writes_waiting_across_a_short_cut_are_acknowledged_when_it_heals() {
    let yaml = semi_sync_cut("10s", "");
    let (seconds, times) = fallback(&yaml);
    assert_eq!((seconds, times), (0.0, 0.0));
    let s = summary(&yaml);
    // The first write after the cut waited from c1 (just after 10 s) to
    // 15.04 s, plus 1 ms and 5 ms each way to the primary.
    let max = fig(&s, "clients.c.write_latency.max_ms");
    assert!((5_030.0..=5_052.0).contains(&max), "{max}");
    assert_eq!(fig(&s, "clients.c.requests.failed"), 0.0);
}

/// The busy time of a replica's apply thread is that replica's, also after
/// a failover has promoted it (its stream then feeds the deposed primary,
/// which here never comes back).
#[test]
fn apply_utilisation_stays_with_the_replica_a_failover_promoted() {
    let yaml = outage("", "", 100.0, 1).replace("apply_time: 0ms", "apply_time: 1ms");
    let (commits, _) = commits_and_metrics(&yaml);
    let before = commits
        .iter()
        .filter(|&&c| c < Time::ZERO + FAILURE)
        .count();
    let s = summary(&yaml);
    // b applied every write committed before the failure, 1 ms each (the
    // last few after it, still inside the span).
    let b = fig(&s, "datasets.d.replicas.b.apply_utilisation");
    let expected = before as f64 * 0.001 / 60.0;
    assert!((b - expected).abs() < 1e-9, "{b} vs {expected}");
    assert_eq!(fig(&s, "datasets.d.replicas.a.apply_utilisation"), 0.0);
    assert!(fig(&s, "datasets.d.failover.promotions") == 1.0);
}
