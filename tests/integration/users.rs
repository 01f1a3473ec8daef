//! Users: per-user consistency checks (read-your-writes, monotonic reads),
//! roaming and sessions.

use crate::common::*;
use regionsim::engine::{Duration, Time};
use regionsim::model::client::ClientEvent;
use regionsim::model::{Event, World};
use regionsim::scenario::Scenario;

/// Runs `s` with no arrivals of its own (rates of one in 11 days) but
/// requests sent by `script`: (milliseconds, source index).
fn scripted(s: &Scenario, script: &[(u64, u16)]) -> regionsim::metrics::RunMetrics {
    let mut sim = World::new(s, 0);
    for &(ms, source) in script {
        sim.scheduler().schedule(
            Time::ZERO + Duration::from_millis(ms),
            Event::Client(ClientEvent::Arrival { source, epoch: 0 }),
        );
    }
    sim.run_to_completion();
    sim.into_model().finish()
}

/// One user of `a`, sending half their requests from `b`; `a` holds the
/// primary, `b` a replica 50 ms away that applies in 1 ms; 1 ms inside a
/// region. Sources: 0 read from a, 1 read from b, 2 write from a, 3 write
/// from b.
const ONE_USER: &str = "name: one-user
duration: 10s
regions: [{name: a, jurisdiction: X}, {name: b, jurisdiction: X}]
network: {intra_region: 1ms, links: [{between: [a, b], delay: 50ms}]}
datasets:
  - name: d
    keys: 1
    popularity: per-user
    placement: {single-primary: {primary: a, replicas: [b], apply_time: 1ms}}
workload:
  - region: a
    users: 1
    roaming: {share: 0.5, to: b}
    rates: {d: {reads_per_s: 0.000001, writes_per_s: 0.000001}}
";

#[test]
fn a_constructed_history_gives_exactly_its_read_your_writes_and_monotonic_violations() {
    let s = scenario(ONE_USER);
    // A write from a at 1000 ms commits at 1002 and is acknowledged at
    // 1004; b applies it at 1053.
    let script = [
        (1000, 2),
        // Sent after the ack, read at b at 1012: misses it (RYW 1).
        (1010, 1),
        // Read at b at 1102: applied.
        (1100, 1),
        // Write at 2002, ack 2004, applied at b at 2053.
        (2000, 2),
        // Sent before the ack reached the user: not a RYW violation
        // (though stale), and sets no newer frontier than it returns.
        (2003, 1),
        // Read at the primary at 2012: sees the write.
        (2010, 0),
        // Read at b at 2022: misses it (RYW 2) and is older than the read
        // at 2012 (monotonic 1).
        (2020, 1),
        // Read at b at 2062: caught up.
        (2060, 1),
    ];
    let m = scripted(&s, &script);
    let c = m.client(0, 0);
    assert_eq!(c.reads.count(), 6);
    assert_eq!(c.writes.count(), 2);
    assert_eq!(c.anomalies, [2, 1, 0]);
    // The same history with b applying at once misses nothing a user
    // would notice: 50 ms of delay still beats the 4 ms acknowledgement.
    let s = scenario(&ONE_USER.replace("delay: 50ms", "delay: 1ms"));
    let m = scripted(&s, &script);
    assert_eq!(m.client(0, 0).anomalies, [0, 0, 0]);
}

#[test]
fn a_constructed_history_gives_exactly_its_conflicts_and_lost_updates() {
    // Two copies 50 ms apart, zero apply time; b's clock 100 ms slow.
    let yaml = "name: aa
duration: 10s
regions: [{name: a, jurisdiction: X}, {name: b, jurisdiction: X, clock: {offset_ms: -100}}]
network: {intra_region: 1ms, links: [{between: [a, b], delay: 50ms}]}
datasets:
  - name: d
    keys: 1
    placement: {active-active: {regions: [a, b], apply_time: 0ms}}
workload:
  - region: a
    rates: {d: {writes_per_s: 0.000001}}
  - region: b
    rates: {d: {writes_per_s: 0.000001}}
";
    let s = scenario(yaml);
    // Sources: 0 write from a, 1 write from b.
    let script = [
        // Within 50 ms of each other: one conflict. b's stamp (1910) is
        // below a's (2000 - 0): b's write, the later one, is lost.
        (2000, 0),
        (2020, 1),
        // 300 ms apart: b had seen a's write; no conflict.
        (3000, 0),
        (3300, 1),
        // a second after b: a's write wins and has seen b's; no conflict.
        (4300, 0),
        // b writes 20 ms before a: conflict; a's stamp is later and wins,
        // b's is lost.
        (5000, 1),
        (5020, 0),
        // a commits at 5962 (stamp 5962), b at 6002 (stamp 5902), before
        // a's write reaches it at 6012: conflict; b's later write is lost.
        (5960, 0),
        (6000, 1),
    ];
    let m = scripted(&s, &script);
    let c = &m.writes[0];
    assert_eq!((c.conflicts, c.lost_updates), (3, 3));
}

/// `a`'s users send `share` of their requests from `b` (50 ms away); a
/// session store as given.
fn roaming(share: f64, delay: &str, sessions: &str) -> String {
    format!(
        "name: roam
duration: 60s
warmup: 60s
regions: [{{name: a, jurisdiction: X}}, {{name: b, jurisdiction: X}}]
network: {{intra_region: 1ms, links: [{{between: [a, b], delay: 50ms}}]}}
datasets:
  - name: d
    keys: 1000
    popularity: per-user
    placement: {{single-primary: {{primary: a, replicas: [b], apply_time: 1ms}}}}
workload:
  - region: a
    users: 1000
    roaming: {{share: {share}, to: b, delay: {delay}}}
    rates: {{d: {{reads_per_s: 150, writes_per_s: 50}}}}
{sessions}"
    )
}

#[test]
fn regional_sessions_miss_whenever_a_user_changes_region() {
    // Each request is sent from b with probability p, independently: it
    // misses when the user's previous one came from the other region,
    // with probability 2 p (1 - p).
    for p in [0.1, 0.3] {
        let sum = summary(&roaming(p, "0s", "sessions: {store: regional}"));
        let share = fig(&sum, "clients.a.users.session_misses.share");
        let want = 2.0 * p * (1.0 - p);
        assert!(
            (share - want).abs() < 0.012,
            "p = {p}: {share} of requests missed, want {want}"
        );
    }
}

#[test]
fn a_global_store_faster_than_the_users_misses_nothing() {
    // Replicated in 50 ms; users take at least 200 ms to change region.
    let sum = summary(&roaming(0.3, "200ms", "sessions: {store: global}"));
    assert_eq!(fig(&sum, "clients.a.users.session_misses.count"), 0.0);
    assert!(fig(&sum, "clients.a.requests.attempted") > 10_000.0);
    // Slower than the users (a 500 ms apply): the switches that come
    // sooner miss, fewer than with a regional store.
    let slow = summary(&roaming(
        0.3,
        "200ms",
        "sessions: {store: global, apply_time: 500ms}",
    ));
    let regional = summary(&roaming(0.3, "200ms", "sessions: {store: regional}"));
    let slow = fig(&slow, "clients.a.users.session_misses.share");
    let regional = fig(&regional, "clients.a.users.session_misses.share");
    assert!(slow > 0.005 && slow < regional, "{slow} vs {regional}");
}

/// Users of b (a replica 50 ms from the primary in a, applying in 20 ms)
/// reading their own record.
fn own_record(users: u32, extra: &str) -> String {
    format!(
        "name: own
duration: 60s
warmup: 5s
regions: [{{name: a, jurisdiction: X}}, {{name: b, jurisdiction: X}}]
network: {{intra_region: 1ms, links: [{{between: [a, b], delay: 50ms}}]}}
datasets:
  - name: d
    keys: 100
    popularity: per-user
    placement: {{single-primary: {{primary: a, replicas: [b], apply_time: 20ms}}}}
workload:
  - region: b
    users: {users}
{extra}    rates: {{d: {{reads_per_s: 5000, writes_per_s: 2}}}}
"
    )
}

#[test]
fn read_your_writes_violations_fill_the_window_between_ack_and_apply() {
    // A write sent at t commits at t + 51 ms, its ack is back at t + 102
    // and b applies it at t + 121 plus its wait for the apply thread
    // (M/D/1 at rho = 0.04: 20 ms x 0.04 / 2 / 0.96 = 0.42 ms on average).
    // A read sent at s reaches b's copy at s + 2: it misses the write when
    // s is in [t + 102, t + 119 + wait). Each user reads at 500/s, so
    // every write is followed by 500 x 17.42 ms = 8.71 violating reads.
    let sum = summary(&own_record(10, ""));
    let writes = fig(&sum, "clients.b.write_latency.count");
    let ryw = fig(&sum, "clients.b.users.read_your_writes.count");
    let want = writes * 500.0 * 0.017_42;
    assert!(
        (ryw / want - 1.0).abs() < 0.08,
        "{ryw} RYW violations after {writes} writes, want {want}"
    );
    // Every read is at b's one copy, which applies in order: a user never
    // reads older than before.
    assert_eq!(fig(&sum, "clients.b.users.monotonic_reads.count"), 0.0);
    // Ten times the users, each reading a tenth as often: a tenth of it.
    let many = summary(&own_record(100, ""));
    let ryw_many = fig(&many, "clients.b.users.read_your_writes.count");
    let want = fig(&many, "clients.b.write_latency.count") * 50.0 * 0.017_42;
    assert!(
        (ryw_many / want - 1.0).abs() < 0.25,
        "{ryw_many} with 100 users, want {want}"
    );
    // Half the reads from a, at the primary: the next read back at b can
    // be older than what the user just read there.
    let split = summary(&own_record(10, "    roaming: {share: 0.5, to: a}\n"));
    assert!(fig(&split, "clients.b.users.monotonic_reads.count") > 100.0);
}

/// `own_record` with a read-your-writes mitigation on the dataset.
fn mitigated(mitigation: &str) -> String {
    own_record(10, "").replace(
        "apply_time: 20ms}}",
        &format!("apply_time: 20ms, read_your_writes: {mitigation}}}}}"),
    )
}

#[test]
fn read_your_writes_mitigations_remove_the_violations_at_a_measured_cost() {
    let plain = summary(&own_record(10, ""));
    let ryw = fig(&plain, "clients.b.users.read_your_writes.count");
    let read_p99 = fig(&plain, "clients.b.read_latency.p99_ms");
    assert!(ryw > 500.0);
    // Reading from the primary for 1 s after one's own write: no
    // violation; each write sends its user's reads (500/s) across the
    // Atlantic, 100 ms more each, until a second has passed or the user's
    // next write (0.2/s) starts a new second: E[min(gap, 1 s)] =
    // (1 - e^-0.2) / 0.2 = 0.906 s of reads per write.
    let primary = summary(&mitigated("{primary_for: 1s}"));
    assert_eq!(fig(&primary, "clients.b.users.read_your_writes.count"), 0.0);
    let sent = fig(&primary, "clients.b.users.reads_sent_to_primary.count");
    let writes = fig(&primary, "clients.b.write_latency.count");
    let per_write = 500.0 * (1.0 - (-0.2f64).exp()) / 0.2;
    assert!(
        (sent / (writes * per_write) - 1.0).abs() < 0.05,
        "{sent} reads to the primary after {writes} writes"
    );
    assert!(fig(&primary, "clients.b.read_latency.p99_ms") > read_p99 + 90.0);
    // A session token, waiting: exactly the reads that would have missed
    // the write wait for it (the same arrivals: common random numbers),
    // each at most the 17 ms window plus the write's own wait for the
    // apply thread; none goes to the primary.
    let wait = summary(&mitigated("{token: wait}"));
    assert_eq!(fig(&wait, "clients.b.users.read_your_writes.count"), 0.0);
    assert_eq!(fig(&wait, "clients.b.users.reads_held.count"), ryw);
    assert_eq!(
        fig(&wait, "clients.b.users.reads_sent_to_primary.count"),
        0.0
    );
    let max = fig(&wait, "clients.b.read_latency.max_ms");
    let apply_wait = fig(&wait, "datasets.d.replicas.b.apply_wait.max_ms");
    assert!(max <= 2.0 + 17.0 + apply_wait + 2.0 + 0.1, "{max}");
    assert!(max > 15.0, "{max}");
    // A token sending them to the primary: the same reads, 100 ms more.
    let token = summary(&mitigated("{token: primary}"));
    assert_eq!(fig(&token, "clients.b.users.read_your_writes.count"), 0.0);
    assert_eq!(
        fig(&token, "clients.b.users.reads_sent_to_primary.count"),
        ryw
    );
    // A wait bound below the window sends them on instead.
    let short = summary(&mitigated("{token: wait, max_wait: 1ms}"));
    assert_eq!(fig(&short, "clients.b.users.read_your_writes.count"), 0.0);
    assert!(fig(&short, "clients.b.users.reads_sent_to_primary.count") > 0.8 * ryw);
}
