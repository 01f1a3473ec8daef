//! Semi-synchronous and synchronous replication against hand-computed
//! timelines, and a trace of every write under `sync`.

use crate::common::{fig, scenario, summary};
use regionsim::engine::Time;
use regionsim::model::{Trace, World};
use std::collections::BTreeMap;

/// A client region `c`, a primary `p` and three replicas at 10, 20 and 50
/// ms one way from it; every delay constant. Writes come one a second on
/// average, so queues are empty: a write's latency is a sum of legs.
fn modes(replication: &str, extra: &str) -> String {
    format!(
        r#"
name: modes
seed: 9
warmup: 5s
duration: 120s
regions:
  - {{name: c, jurisdiction: X}}
  - {{name: p, jurisdiction: X}}
  - {{name: r1, jurisdiction: X}}
  - {{name: r2, jurisdiction: X}}
  - {{name: r3, jurisdiction: X}}
network:
  intra_region: 1ms
  links:
    - {{between: [c, p], delay: 30ms}}
    - {{between: [p, r1], delay: 10ms}}
    - {{between: [p, r2], delay: 20ms}}
    - {{between: [p, r3], delay: 50ms}}
    - {{between: [c, r1], delay: 90ms}}
    - {{between: [c, r2], delay: 90ms}}
    - {{between: [c, r3], delay: 90ms}}
    - {{between: [r1, r2], delay: 90ms}}
    - {{between: [r1, r3], delay: 90ms}}
    - {{between: [r2, r3], delay: 90ms}}
datasets:
  - name: d
    keys: 1000
    placement:
      single-primary:
        primary: p
        replicas: [r1, r2, r3]
        replication: {replication}
        apply_time: 1ms
workload:
  - region: c
    access_delay: 2ms
{extra}    rates:
      d: {{writes_per_s: 1}}
"#
    )
}

/// Exact write latency (min and max) and write count.
fn write_latency(yaml: &str) -> (f64, f64, f64) {
    let s = summary(yaml);
    (
        fig(&s, "clients.c.write_latency.min_ms"),
        fig(&s, "clients.c.write_latency.max_ms"),
        fig(&s, "clients.c.write_latency.count"),
    )
}

#[test]
fn write_latency_is_the_sum_of_the_legs_in_every_mode() {
    // User to app 2 ms, app to primary 30 ms, and back the same: 64 ms.
    let base = 2.0 + 30.0 + 30.0 + 2.0;
    let cases = [
        ("async", base),
        // The k-th fastest replica's round trip: 20, 40, 100 ms.
        ("{semi-sync: {acks: 1}}", base + 20.0),
        ("{semi-sync: {acks: 2}}", base + 40.0),
        ("{semi-sync: {acks: 3, timeout: 1s}}", base + 100.0),
        // Every replica applies (1 ms) and acknowledges: the slowest, 101 ms.
        ("sync", base + 101.0),
    ];
    for (mode, want) in cases {
        let (min, max, n) = write_latency(&modes(mode, ""));
        assert!(n > 80.0, "{mode}: {n} writes");
        assert_eq!((min, max), (want, want), "{mode}");
    }
}

#[test]
fn semi_sync_falls_back_exactly_when_the_round_trip_exceeds_the_timeout() {
    // The nearest replica's round trip is 20 ms. A 25 ms timeout never
    // fires.
    let s = summary(&modes("{semi-sync: {acks: 1, timeout: 25ms}}", ""));
    assert_eq!(fig(&s, "datasets.d.semi_sync.fallbacks"), 0.0);
    assert_eq!(fig(&s, "datasets.d.semi_sync.fallback_share"), 0.0);
    assert_eq!(fig(&s, "clients.c.write_latency.max_ms"), 84.0);
    // A 15 ms timeout fires on every write: acknowledged at 15 ms, then
    // async until the ack comes in 5 ms later; the next write (about a
    // second on) finds the replica caught up and waits again.
    let s = summary(&modes("{semi-sync: {acks: 1, timeout: 15ms}}", ""));
    let writes = fig(&s, "datasets.d.writes.committed");
    assert!(writes > 80.0, "{writes}");
    assert_eq!(fig(&s, "datasets.d.semi_sync.fallbacks"), writes);
    let share = fig(&s, "datasets.d.semi_sync.fallback_share");
    let want = writes * 0.005 / 120.0;
    assert!((share - want).abs() < 1e-12, "{share} vs {want}");
    let lat = fig(&s, "clients.c.write_latency.min_ms");
    assert_eq!(lat, 2.0 + 30.0 + 15.0 + 30.0 + 2.0);
    assert_eq!(fig(&s, "clients.c.write_latency.max_ms"), lat);
    // Each was received by r1 (10 ms) before its acknowledgement (15 ms).
    assert_eq!(fig(&s, "datasets.d.writes.unreplicated_acks"), 0.0);
}

#[test]
fn async_acknowledges_before_any_replica_has_the_write_and_sync_never_does() {
    let s = summary(&modes("async", ""));
    let writes = fig(&s, "datasets.d.writes.committed");
    assert_eq!(fig(&s, "datasets.d.writes.unreplicated_acks"), writes);
    assert_eq!(fig(&s, "datasets.d.writes.unreplicated_share"), 1.0);
    for mode in ["sync", "{semi-sync: {acks: 1}}"] {
        let s = summary(&modes(mode, ""));
        assert_eq!(
            fig(&s, "datasets.d.writes.unreplicated_acks"),
            0.0,
            "{mode}"
        );
    }
}

#[test]
fn under_sync_every_write_is_applied_everywhere_before_its_acknowledgement() {
    // Random delays and real load: apply queues build up and links jitter.
    let yaml = modes("sync", "")
        .replace(
            "delay: 10ms",
            "delay: {lognormal: {median: 10ms, p99: 60ms}}",
        )
        .replace("delay: 50ms", "delay: {exponential: {mean: 30ms}}")
        .replace("apply_time: 1ms", "apply_time: {exponential: {mean: 3ms}}")
        .replace("writes_per_s: 1}", "writes_per_s: 200, reads_per_s: 100}");
    let s = scenario(&yaml);
    let mut sim = World::new(&s, 0);
    sim.model_mut().trace_writes();
    sim.run_to_completion();
    let mut applied: BTreeMap<u64, Vec<Time>> = BTreeMap::new();
    let mut acked: BTreeMap<u64, Time> = BTreeMap::new();
    for t in sim.model().trace() {
        match *t {
            Trace::Applied { seq, at, .. } => applied.entry(seq).or_default().push(at),
            Trace::Acked { seq, at, .. } => {
                acked.insert(seq, at);
            }
        }
    }
    assert!(acked.len() > 20_000, "{} writes", acked.len());
    for (seq, ack) in &acked {
        let at = &applied[seq];
        assert_eq!(at.len(), 3, "write {seq} applied at {} replicas", at.len());
        for a in at {
            assert!(a < ack, "write {seq} applied at {a} after its ack at {ack}");
        }
    }
    // The same check fails under async: every write is acknowledged at
    // commit, before any replica applies it.
    let s = scenario(&yaml.replace("replication: sync", "replication: async"));
    let mut sim = World::new(&s, 0);
    sim.model_mut().trace_writes();
    sim.run_to_completion();
    let mut first_apply: BTreeMap<u64, Time> = BTreeMap::new();
    let mut acks = Vec::new();
    for t in sim.model().trace() {
        match *t {
            Trace::Applied { seq, at, .. } => {
                first_apply.entry(seq).or_insert(at);
            }
            Trace::Acked { seq, at, .. } => acks.push((seq, at)),
        }
    }
    assert!(acks.len() > 20_000);
    assert!(acks.iter().all(|(seq, at)| *at < first_apply[seq]));
}

#[test]
fn a_slower_mode_costs_write_latency_not_read_latency() {
    let reads = |mode: &str| {
        let yaml = modes(mode, "").replace("writes_per_s: 1}", "writes_per_s: 1, reads_per_s: 5}");
        fig(&summary(&yaml), "clients.c.read_latency.max_ms")
    };
    // Reads from c go to the primary: 64 ms whatever the mode.
    assert_eq!(reads("async"), 64.0);
    assert_eq!(reads("sync"), 64.0);
}

#[test]
fn a_replication_link_that_goes_down_holds_its_writes_until_it_is_back() {
    use regionsim::engine::Duration;
    use regionsim::model::LinkState;
    use regionsim::scenario::RegionId;
    let yaml = modes("async", "").replace("writes_per_s: 1}", "writes_per_s: 50}");
    let s = scenario(&yaml);
    let mut sim = World::new(&s, 0);
    sim.model_mut().trace_writes();
    let down = Time::ZERO + Duration::from_secs(30);
    let up = Time::ZERO + Duration::from_secs(40);
    sim.run_until(down);
    let link = sim.model().network().link(RegionId(1), RegionId(2));
    {
        let (world, sched) = sim.parts();
        let cut = LinkState {
            up: false,
            ..LinkState::NOMINAL
        };
        world.set_link_state(link, cut, down, sched);
    }
    sim.run_until(up);
    // Nothing reached r1 while the link was down: the writes wait in order.
    let during = sim.model().audit().streams[0];
    assert!(during.2 > 400, "{during:?}");
    {
        let (world, sched) = sim.parts();
        world.set_link_state(link, LinkState::NOMINAL, up, sched);
    }
    sim.run_to_completion();
    let audit = sim.model().audit();
    for (_, applied, in_flight) in &audit.streams {
        assert_eq!((*applied, *in_flight), (audit.commits[0], 0));
    }
    // Writes committed during the outage reached r1 (10 ms away) only after
    // it: the first at `up` + 10 ms + apply.
    let mut applied_r1: Vec<Time> = sim
        .model()
        .trace()
        .iter()
        .filter_map(|t| match *t {
            Trace::Applied { replica: 0, at, .. } => Some(at),
            _ => None,
        })
        .collect();
    applied_r1.sort();
    assert!(!applied_r1
        .iter()
        .any(|&t| t > down + Duration::from_millis(11) && t < up));
    let after = applied_r1.iter().find(|&&t| t >= up).unwrap();
    assert_eq!(*after, up + Duration::from_millis(11));
}
