//! Managed databases as presets (Aurora Global Database, DynamoDB global
//! tables, Redis Enterprise Active-Active, Spanner, CockroachDB): each
//! value is the cited figure (README, FACTS.md), each field overridable,
//! and each preset behaves as the service does.

use crate::common::{commits_and_metrics, fig, scenario, summary, validate};
use regionsim::engine::{Dist, Duration, Time};
use regionsim::scenario::Placement;

/// Primary in a, an Aurora secondary in b, 10 ms apart; Route 53's checks
/// from b; users in a and b writing; `extra` goes into the placement,
/// `failures` is the failures section.
fn aurora(extra: &str, failures: &str) -> String {
    format!(
        r#"
name: aurora
seed: 11
warmup: 5s
duration: 200s
bucket: 5s
regions:
  - {{name: a, jurisdiction: US}}
  - {{name: b, jurisdiction: US}}
network:
  intra_region: 1ms
  links: [{{between: [a, b], delay: 10ms}}]
health_checks: {{preset: route53-fast, checkers: [b]}}
datasets:
  - name: users
    keys: 1000
    placement:
      single-primary:
        preset: aurora-global
        primary: a
        replicas: [b]
        {extra}
workload:
  - region: a
    timeout: 1s
    rates: {{users: {{writes_per_s: 100, reads_per_s: 10}}}}
  - region: b
    timeout: 1s
    rates: {{users: {{writes_per_s: 20}}}}
failures:
{failures}
"#
    )
}

const OUTAGE: &str = "  - {region: a, at: 20s, duration: 150s}";

fn sp(s: &regionsim::scenario::Scenario) -> &regionsim::scenario::SinglePrimary {
    match &s.datasets[0].placement {
        Placement::SinglePrimary(sp) => sp,
        _ => panic!("single-primary"),
    }
}

/// Aurora Global Database resolves to its cited figures: lag under a
/// second (a lognormal log delay, median 100 ms, p99 250 ms; applying
/// free), a promotion within a minute (60 s, failover and switchover),
/// the writer endpoint's 5 s TTL; each field overridable.
#[test]
fn aurora_resolves_to_its_cited_figures() {
    let s = scenario(&aurora("failover: {}", OUTAGE));
    let p = sp(&s);
    let lag = Dist::lognormal_quantiles(
        Duration::ZERO,
        Duration::from_millis(100),
        Duration::from_millis(250),
    )
    .unwrap();
    assert_eq!(
        format!("{:?}", p.shipping_delay.as_ref().expect("a log delay")),
        format!("{lag:?}")
    );
    assert_eq!(
        format!("{:?}", s.datasets[0].apply_time),
        format!("{:?}", Dist::constant(Duration::ZERO))
    );
    let f = p.failover.as_ref().expect("failover");
    assert_eq!(f.promotion_delay, Duration::from_secs(60));
    assert_eq!(f.endpoint_ttl, Duration::from_secs(5));
    assert_eq!(p.switchover_delay, Duration::from_secs(60));
    // Without `failover:` Aurora promotes nothing by itself (a cross-region
    // failover is asked for), but a switchover still takes a minute.
    let s = scenario(&aurora("", OUTAGE));
    assert!(sp(&s).failover.is_none());
    assert_eq!(sp(&s).switchover_delay, Duration::from_secs(60));
    // Overrides win, field by field.
    let s = scenario(&aurora(
        "apply_time: 2ms\n        shipping_delay: 1s\n        failover: {promotion_delay: 20s, endpoint_ttl: 0s}",
        OUTAGE,
    ));
    let p = sp(&s);
    assert_eq!(
        format!("{:?}", p.shipping_delay.as_ref().unwrap()),
        format!("{:?}", Dist::constant(Duration::from_secs(1)))
    );
    assert_eq!(
        format!("{:?}", s.datasets[0].apply_time),
        format!("{:?}", Dist::constant(Duration::from_millis(2)))
    );
    let f = p.failover.as_ref().unwrap();
    assert_eq!(f.promotion_delay, Duration::from_secs(20));
    assert_eq!(f.endpoint_ttl, Duration::ZERO);
    assert_eq!(p.switchover_delay, Duration::from_secs(20));
}

/// Acknowledged commits of `yaml`'s run 0 with their commit times, its
/// metrics, and the start of its measured span.
fn commits(yaml: &str) -> (Vec<Time>, regionsim::metrics::RunMetrics, Time) {
    let (acked, m) = commits_and_metrics(yaml);
    (acked, m, Time::ZERO + scenario(yaml).warmup)
}

/// An unplanned failover (region a lost at 20 s) with a constant 500 ms
/// in the log loses exactly the acknowledged writes committed in the last
/// 500 ms before the failure: they had not left a.
#[test]
fn aurora_unplanned_failover_loses_the_writes_of_the_lag_window() {
    let yaml = aurora("shipping_delay: 500ms\n        failover: {}", OUTAGE);
    let (acked, m, start) = commits(&yaml);
    let failure = start + Duration::from_secs(20);
    let window = (start + Duration::from_millis(19_500))..failure;
    let in_window: Vec<Time> = acked
        .iter()
        .copied()
        .filter(|c| window.contains(c))
        .collect();
    // About 100 writes/s x 0.5 s.
    assert!((25..80).contains(&in_window.len()), "{}", in_window.len());
    assert_eq!(m.writes[0].promotions, 1);
    assert_eq!(m.writes[0].lost, in_window.len() as u64);
    assert_eq!(
        m.writes[0].lost_window,
        in_window.last().unwrap().since(in_window[0])
    );
    // A longer lag (an override of the preset's) loses more.
    let longer = aurora("shipping_delay: 2s\n        failover: {}", OUTAGE);
    let s = summary(&longer);
    assert!(
        fig(&s, "datasets.users.failover.lost_writes") > 3.0 * in_window.len() as f64,
        "{}",
        fig(&s, "datasets.users.failover.lost_writes")
    );
}

/// A managed switchover at 20 s loses no acknowledged write: the primary
/// stops taking writes, b applies the last of them 510 ms later (500 ms
/// in the log, 10 ms on the link), and is promoted a minute after that.
#[test]
fn aurora_switchover_loses_no_acknowledged_write() {
    let planned = "  - {switchover: users, to: b, at: 20s}";
    let yaml = aurora("shipping_delay: 500ms", planned);
    let (acked, m, start) = commits(&yaml);
    let s = start + Duration::from_secs(20);
    assert_eq!(m.writes[0].promotions, 1);
    assert_eq!(m.writes[0].lost, 0);
    // The last write before it was applied at b 510 ms after its commit;
    // the promotion a minute later; no write committed between.
    let last = acked.iter().filter(|c| **c < s).max().copied().unwrap();
    let promoted = last + Duration::from_millis(510) + Duration::from_secs(60);
    assert!(
        !acked.iter().any(|c| (s..promoted).contains(c)),
        "a write committed during the switchover"
    );
    let planned = summary(&yaml);
    let promotion = fig(&planned, "datasets.users.failover.first_promotion_ms");
    assert_eq!(promotion, promoted.since(start).as_millis_f64());
    assert_eq!(fig(&planned, "datasets.users.failover.lost_writes"), 0.0);
    // Afterwards b takes the writes: b's users write locally (4 x 1 ms).
    assert_eq!(fig(&planned, "clients.b.write_latency.min_ms"), 4.0);
    // The same moment unplanned (a lost at 20 s, the same lag) loses some.
    let unplanned = summary(&aurora(
        "shipping_delay: 500ms\n        failover: {}",
        OUTAGE,
    ));
    assert!(fig(&unplanned, "datasets.users.failover.lost_writes") > 20.0);
}

/// A switchover cut short: a is lost 200 ms after the switchover began,
/// before b had the writes of its last 500 ms (they wait in a's log for
/// 500 ms). It cannot finish, so the failover takes over, and loses what
/// it would have: the acknowledged writes committed in the 300 ms before
/// the switchover (those after 19.7 s had not left a at 20.2 s); writes
/// were paused from 20 s, so none later.
#[test]
fn a_switchover_cut_short_by_the_primarys_failure_falls_to_the_failover() {
    let failures =
        "  - {switchover: users, to: b, at: 20s}\n  - {region: a, at: 20200ms, duration: 150s}";
    let yaml = aurora("shipping_delay: 500ms\n        failover: {}", failures);
    let (acked, m, start) = commits(&yaml);
    let window = (start + Duration::from_millis(19_700))..(start + Duration::from_secs(20));
    let in_window = acked.iter().filter(|c| window.contains(c)).count();
    assert!(in_window > 10, "{in_window}");
    assert_eq!(m.writes[0].promotions, 1);
    assert_eq!(m.writes[0].lost, in_window as u64);
    assert!(!acked.iter().any(|c| (start + Duration::from_secs(20)
        ..start + Duration::from_millis(20_200))
        .contains(c)));
}

/// The writer endpoint's TTL: after a promotion the app tiers write to the
/// old primary for 5 s more; with a TTL of 0 they follow at once.
#[test]
fn the_writer_endpoint_ttl_delays_writes_after_a_promotion() {
    let planned = "  - {switchover: users, at: 20s}";
    let rto = |ttl: &str| {
        let s = summary(&aurora(
            &format!("shipping_delay: 500ms\n        failover: {{endpoint_ttl: {ttl}}}"),
            planned,
        ));
        fig(&s, "clients.b.recovery.write_rto_ms")
    };
    let (with, without) = (rto("5s"), rto("0s"));
    // b writes 20 times a second: the first write after each moment comes
    // within a few hundred ms of it.
    let gap = with - without;
    assert!((4_000.0..6_000.0).contains(&gap), "{with} vs {without}");
}

/// Bad presets and switchovers exit 2 with their line.
#[test]
fn bad_presets_and_switchovers_are_refused_with_their_line() {
    let cases = [
        (
            aurora("", OUTAGE).replace("preset: aurora-global", "preset: aurora"),
            "unknown variant `aurora`",
        ),
        (
            aurora("", OUTAGE).replace("preset: aurora-global", "preset: [aurora-global]"),
            "preset",
        ),
        (
            aurora("", OUTAGE).replace(
                "        preset: aurora-global\n",
                "        apply_time_: 1ms\n",
            ),
            "apply_time_",
        ),
        (
            aurora("", OUTAGE).replace("        preset: aurora-global\n", ""),
            "give apply_time",
        ),
        (
            aurora("failover: {endpoint_ttl: -5s}", OUTAGE),
            "endpoint_ttl",
        ),
        (
            aurora("", "  - {switchover: orders, at: 20s}"),
            "unknown dataset `orders`",
        ),
        (
            aurora("", "  - {switchover: users, to: a, at: 20s}"),
            "holds no replica",
        ),
        (
            aurora("", "  - {switchover: users, at: 20s, duration: 5s}"),
            "`duration` does not belong",
        ),
        (aurora("", "  - {switchover: users}"), "give `at`"),
        (
            aurora("", "  - {region: a, to: b, at: 20s, duration: 5s}"),
            "`to` belongs to a `switchover`",
        ),
    ];
    let more = [
        (
            redis("").replace("preset: redis-active-active, data_type: string, ", ""),
            "give apply_time",
        ),
        (
            redis("").replace(
                "preset: redis-active-active, data_type: counter",
                "apply_time: 0ms, data_type: counter",
            ),
            "data_type picks Redis",
        ),
        (
            redis("").replace("data_type: set", "data_type: list"),
            "unknown variant `list`",
        ),
        (
            redis("").replace(
                "preset: redis-active-active, data_type: hash",
                "preset: redis",
            ),
            "unknown variant `redis`",
        ),
        (
            dynamodb(", replicated_write_price: -1", 1024),
            "replicated_write_price",
        ),
        (
            dynamodb(", replicated_write_price: lots", 1024),
            "replicated_write_price",
        ),
        (
            dynamodb(", replicated_write_price: 1", 1024).replace("cost: {prices: aws}\n", ""),
            "add a top-level `cost:` section",
        ),
        (
            managed_group("spanner-global", "", ""),
            "unknown variant `spanner-global`",
        ),
        (managed_group("{cockroachdb: {}}", "", ""), "preset"),
        (
            managed_group("spanner", "", "").replace("preset: spanner, ", ""),
            "give apply_time",
        ),
        (managed_group("cockroachdb", ", lease: -6s", ""), "lease"),
        (
            mrsc("", 10, 1, 1).replace("replicas: [a, b, c]", "replicas: [a, b]"),
            "takes exactly three regions",
        ),
        (
            mrsc(", apply_time: 1ms", 10, 1, 1).replace("preset: dynamodb-strong, ", ""),
            "give w",
        ),
        (
            mrsc(", concurrent_writes: first-writer-wins", 10, 1, 1),
            "unknown variant `first-writer-wins`",
        ),
        (mrsc(", w: 4", 10, 1, 1), "w is 4"),
        (
            forwarding("read_consistency: strong"),
            "unknown variant `strong`",
        ),
        (
            forwarding("read_consistency: global\n        read_your_writes: {token: wait}"),
            "leave out read_your_writes",
        ),
        (
            forwarding("read_consistency: session").replace("replicas: [b]", "replicas: []"),
            "it changes nothing here",
        ),
        (
            forwarding("read_consistency: session")
                .replace("    users: 10\n", "")
                .replace("popularity: per-user", "popularity: uniform"),
            "read-your-writes is per user",
        ),
    ];
    for (yaml, expected) in cases.into_iter().chain(more) {
        let (code, err, _) = validate(&yaml);
        assert_eq!(code, Some(2), "{expected}: {err}");
        assert!(err.contains(expected), "{expected}: {err}");
        assert!(err.contains(".yaml:"), "no line: {err}");
    }
}

/// Two copies 10 ms apart; b's clock an hour fast; four Redis datasets,
/// one per data type, each written 50 times a second in a and 100 in b
/// over 10 keys.
fn redis(extra: &str) -> String {
    let ds = |name: &str, t: &str| {
        format!(
            "  - name: {name}\n    keys: 10\n    placement: {{active-active: {{preset: redis-active-active, data_type: {t}, regions: [a, b]{extra}}}}}\n"
        )
    };
    format!(
        r#"
name: redis
seed: 3
warmup: 2s
duration: 30s
regions:
  - {{name: a, jurisdiction: US}}
  - {{name: b, jurisdiction: US, clock: {{offset_ms: 3600000}}}}
network:
  intra_region: 1ms
  links: [{{between: [a, b], delay: 10ms}}]
cost: {{prices: aws, transfer_per_gb: {{a: 0.02, b: 0.02}}, egress_per_gb: {{a: 0.09, b: 0.09}}}}
datasets:
{}{}{}{}workload:
  - region: a
    rates: {{s: {{writes_per_s: 50}}, c: {{writes_per_s: 50}}, t: {{writes_per_s: 50}}, h: {{writes_per_s: 50}}}}
  - region: b
    rates: {{s: {{writes_per_s: 100}}, c: {{writes_per_s: 100}}, t: {{writes_per_s: 100}}, h: {{writes_per_s: 100}}}}
"#,
        ds("s", "string"),
        ds("c", "counter"),
        ds("t", "set"),
        ds("h", "hash"),
    )
}

/// Redis Enterprise Active-Active resolves per data type: strings and
/// hash fields last-writer-wins on the wall clock, counters and sets
/// merged. With b's clock an hour fast, every write of b outranks every
/// write of a: once b's first write has reached a (in the warm-up), each
/// string (and hash field) write a commits is lost, exactly, and b's are
/// not (they outrank a's, and b's own are ordered); counters and sets lose
/// none. Conflicts (concurrent pairs) are counted alike in all four.
#[test]
fn redis_with_a_skewed_clock_loses_string_updates_and_no_counter_or_set_update() {
    use regionsim::scenario::{DataType, Resolution};
    let sc = scenario(&redis(""));
    let want = [
        (DataType::String, Resolution::Lww),
        (DataType::Counter, Resolution::Merge),
        (DataType::Set, Resolution::Merge),
        (DataType::Hash, Resolution::Lww),
    ];
    for (d, (t, r)) in sc.datasets.iter().zip(want) {
        let Placement::ActiveActive(aa) = &d.placement else {
            panic!("active-active");
        };
        assert_eq!((aa.data_type, aa.resolution), (Some(t), r), "{}", d.name);
        assert_eq!(aa.replicated_write_price, None);
    }
    let s = summary(&redis(""));
    let lost = |d: &str| fig(&s, &format!("datasets.{d}.conflicts.lost_updates"));
    let written_in_a = |d: &str| fig(&s, &format!("clients.a.by_dataset.{d}.write_latency.count"));
    assert!(written_in_a("s") > 1_000.0);
    assert_eq!(lost("s"), written_in_a("s"));
    assert_eq!(lost("h"), written_in_a("h"));
    assert_eq!(lost("c"), 0.0);
    assert_eq!(lost("t"), 0.0);
    for d in ["s", "c", "t", "h"] {
        assert!(fig(&s, &format!("datasets.{d}.conflicts.conflicts")) > 100.0);
    }
    // An override of the type's resolution wins: strings merged lose
    // nothing.
    let merged = summary(&redis(", resolution: merge"));
    assert_eq!(fig(&merged, "datasets.s.conflicts.lost_updates"), 0.0);
}

/// One dataset of DynamoDB global tables in a and b, 1 KiB items (one
/// write unit), `extra` in its placement.
fn dynamodb(extra: &str, bytes: u32) -> String {
    format!(
        r#"
name: dynamodb
seed: 4
warmup: 2s
duration: 60s
regions:
  - {{name: us-east-1, jurisdiction: US}}
  - {{name: eu-west-1, jurisdiction: EU}}
network: {{preset: aws}}
cost: {{prices: aws}}
datasets:
  - name: carts
    keys: 10000
    record_bytes: {bytes}
    placement: {{active-active: {{preset: dynamodb-global, regions: [us-east-1, eu-west-1]{extra}}}}}
workload:
  - region: us-east-1
    rates: {{carts: {{writes_per_s: 300}}}}
  - region: eu-west-1
    rates: {{carts: {{writes_per_s: 100}}}}
"#
    )
}

/// DynamoDB global tables (multi-Region eventual consistency): last
/// writer wins per item, nothing added to the network's delay, and each
/// write bills one replicated write unit per other replica and KB started
/// at $0.625 a million: a month of 400 writes/s to 2 regions is 400 x
/// 2,628,000 s / 10^6 x $0.625 = $657 (measured: the writes committed).
#[test]
fn dynamodb_global_tables_bill_replicated_writes() {
    use regionsim::scenario::Resolution;
    let sc = scenario(&dynamodb("", 1024));
    let Placement::ActiveActive(aa) = &sc.datasets[0].placement else {
        panic!("active-active");
    };
    assert_eq!(aa.resolution, Resolution::Lww);
    assert_eq!(aa.data_type, None);
    assert_eq!(aa.replicated_write_price, Some(0.625));
    assert_eq!(
        format!("{:?}", sc.datasets[0].apply_time),
        format!("{:?}", Dist::constant(Duration::ZERO))
    );
    let bill = |extra: &str, bytes: u32| {
        let s = summary(&dynamodb(extra, bytes));
        let writes = fig(&s, "clients.us-east-1.write_latency.count")
            + fig(&s, "clients.eu-west-1.write_latency.count");
        let per_s = writes / 60.0;
        let cost = fig(&s, "cost.replicated_writes_usd_per_month");
        let total = fig(&s, "cost.total_usd_per_month");
        let transfer = fig(&s, "cost.transfer_usd_per_month");
        assert!((total - cost - transfer).abs() < 1e-9);
        (cost, per_s * 730.0 * 3600.0 / 1e6)
    };
    let (cost, million_units) = bill("", 1024);
    // Writes answered in the span and writes committed in it differ by
    // those in flight at its ends (4 ms of 400/s).
    assert!(
        (cost / (million_units * 0.625) - 1.0).abs() < 0.002,
        "{cost}"
    );
    assert!((600.0..715.0).contains(&cost), "{cost}");
    // Items of 1.5 KiB bill two units each; an override of the price wins.
    let (two, units) = bill("", 1536);
    assert!((two / (units * 2.0 * 0.625) - 1.0).abs() < 0.002, "{two}");
    let (dear, units) = bill(", replicated_write_price: 1.25", 1024);
    assert!((dear / (units * 1.25) - 1.0).abs() < 0.002, "{dear}");
}

/// Users of b reading their own record at an Aurora-style secondary: the
/// primary in a, 50 ms away; each write waits 100 ms in the primary's
/// log, crosses in 50 ms and is applied in 20 ms; a's users write their
/// own records too (keys the b users read are theirs only). `consistency`
/// is the placement's `read_consistency` line ("" for none).
fn forwarding(consistency: &str) -> String {
    format!(
        "name: forwarding
duration: 60s
warmup: 5s
regions: [{{name: a, jurisdiction: X}}, {{name: b, jurisdiction: X}}]
network: {{intra_region: 1ms, links: [{{between: [a, b], delay: 50ms}}]}}
datasets:
  - name: d
    keys: 100
    popularity: per-user
    placement:
      single-primary:
        primary: a
        replicas: [b]
        apply_time: 20ms
        shipping_delay: 100ms
        {consistency}
workload:
  - region: b
    users: 10
    rates: {{d: {{reads_per_s: 5000, writes_per_s: 2}}}}
"
    )
}

/// Aurora's write forwarding read consistency (AWS Aurora User Guide,
/// aurora-mysql-write-forwarding-consistency): EVENTUAL reads the
/// secondary as it is; SESSION waits for the session's own writes,
/// however long they take to arrive (also while they wait in the
/// primary's log); GLOBAL waits until the secondary is current with the
/// primary as of the read.
#[test]
fn write_forwarding_session_waits_for_ones_own_writes_and_global_for_every_write() {
    // A write sent at t from b commits at t + 51 ms and its ack is back at
    // t + 102; it leaves a's log at t + 151 and is applied at b at
    // t + 221 (plus any wait for the apply thread): a read reaching b in
    // between misses it.
    let eventual = summary(&forwarding(""));
    let ryw = fig(&eventual, "clients.b.users.read_your_writes.count");
    assert!(ryw > 500.0, "{ryw}");
    // Saying so changes nothing.
    let said = summary(&forwarding("read_consistency: eventual"));
    assert_eq!(fig(&said, "clients.b.users.read_your_writes.count"), ryw);
    // SESSION: exactly those reads wait (the same arrivals), none goes to
    // the primary, none misses, and none waits longer than the window.
    let session = summary(&forwarding("read_consistency: session"));
    assert_eq!(fig(&session, "clients.b.users.read_your_writes.count"), 0.0);
    assert_eq!(fig(&session, "clients.b.users.reads_held.count"), ryw);
    assert_eq!(
        fig(&session, "clients.b.users.reads_sent_to_primary.count"),
        0.0
    );
    let max = fig(&session, "clients.b.read_latency.max_ms");
    let apply_wait = fig(&session, "datasets.d.replicas.b.apply_wait.max_ms");
    assert!(max <= 2.0 + 119.0 + apply_wait + 2.0 + 0.1, "{max}");
    assert!(max > 100.0, "{max}");
    // A bounded session token cannot hold a read for a write still in the
    // log (its apply time is not known yet): it sends those on, the 49 of
    // the window's 119 ms (41 %), and holds the rest.
    let token = summary(&forwarding("read_your_writes: {token: wait}"));
    let sent = fig(&token, "clients.b.users.reads_sent_to_primary.count");
    let held = fig(&token, "clients.b.users.reads_held.count");
    assert_eq!(sent + held, ryw);
    assert!((sent / ryw - 49.0 / 119.0).abs() < 0.03, "{sent} of {ryw}");
    // GLOBAL: every read at b first asks a for its newest commit (a
    // 100 ms round trip), then waits until b has applied it: none is
    // stale, none misses the user's write, and each costs at least the
    // round trip: a read with nothing to wait for takes 1 + 1 + 100 + 1 +
    // 1 ms (app tier to database and back on each side of the round).
    let global = summary(&forwarding("read_consistency: global"));
    assert_eq!(fig(&global, "clients.b.users.read_your_writes.count"), 0.0);
    assert_eq!(fig(&global, "clients.b.stale_reads.0ms.count"), 0.0);
    assert!(fig(&eventual, "clients.b.stale_reads.0ms.count") > 0.0);
    let p50 = fig(&global, "clients.b.read_latency.p50_ms");
    let eventual_p50 = fig(&eventual, "clients.b.read_latency.p50_ms");
    assert!(
        (p50 - eventual_p50 - 100.0).abs() < 0.5,
        "{p50} vs {eventual_p50}"
    );
    // A read whose round trip catches a write in the log waits for it:
    // the write reaches b 170 ms after its commit at most (plus the apply
    // thread's wait), the read's answer 50 ms after the commit index.
    let max = fig(&global, "clients.b.read_latency.max_ms");
    assert!(max > eventual_p50 + 100.0 + 100.0, "{max}");
    assert!(
        max <= eventual_p50 + 100.0 + 170.0 + apply_wait + 1.0,
        "{max}"
    );
}

/// Three voters (a leads; b 10 ms away, c 20 ms, b to c 15 ms), 1 ms
/// inside a region, under `preset` with `extra` placement fields; clients
/// in a and b; `failure` from 10 s for the rest of the span.
fn managed_group(preset: &str, extra: &str, failure: &str) -> String {
    format!(
        r#"
name: group
seed: 3
warmup: 5s
duration: 40s
regions:
  - {{name: a, jurisdiction: X}}
  - {{name: b, jurisdiction: X}}
  - {{name: c, jurisdiction: X}}
network:
  intra_region: 1ms
  links:
    - {{between: [a, b], delay: 10ms}}
    - {{between: [a, c], delay: 20ms}}
    - {{between: [b, c], delay: 15ms}}
datasets:
  - name: k
    keys: 2000
    placement:
      consensus: {{preset: {preset}, voters: [a, b, c], leader: a{extra}}}
workload:
  - {{region: a, rates: {{k: {{reads_per_s: 100, writes_per_s: 100}}}}}}
  - {{region: b, rates: {{k: {{reads_per_s: 100, writes_per_s: 100}}}}}}
failures:
{failure}
"#
    )
}

const LEADER_LOST: &str = "  - {region: a, service: database, at: 10s, duration: 30s}";

fn group_of(s: &regionsim::scenario::Scenario) -> &regionsim::scenario::Consensus {
    match &s.datasets[0].placement {
        Placement::Consensus(c) => c,
        _ => panic!("consensus"),
    }
}

fn debug<T: std::fmt::Debug>(t: T) -> String {
    format!("{t:?}")
}

fn promotion_ms(s: &serde_json::Value) -> f64 {
    regionsim::report::aggregate::at(s, "points.0.incidents.milestones.promotion_ms.mean")
        .and_then(serde_json::Value::as_f64)
        .expect("a promotion")
}

/// Spanner (OSDI 2012: TrueTime's epsilon 1-7 ms, commit wait, 10 s
/// leader leases) and CockroachDB (`raft_config_recovery`: elections after
/// 2-4 s, 6 s range leases) resolve to their cited figures, and a field
/// given with them wins.
#[test]
fn spanner_and_cockroachdb_resolve_to_their_cited_figures() {
    let ms = Duration::from_millis;
    let s = scenario(&managed_group("spanner", "", ""));
    let g = group_of(&s);
    assert!(g.commit_wait);
    assert_eq!(g.lease, Some(Duration::from_secs(10)));
    assert_eq!(
        debug(g.uncertainty.as_ref()),
        debug(Some(&Dist::uniform(ms(1), ms(7)).unwrap()))
    );
    assert_eq!(
        debug(&g.election_timeout),
        debug(Dist::uniform(ms(150), ms(300)).unwrap())
    );
    assert_eq!(
        debug(&s.datasets[0].apply_time),
        debug(Dist::constant(Duration::ZERO))
    );
    let s = scenario(&managed_group("cockroachdb", "", ""));
    let g = group_of(&s);
    assert!(!g.commit_wait);
    assert!(g.uncertainty.is_none());
    assert_eq!(g.lease, Some(Duration::from_secs(6)));
    assert_eq!(
        debug(&g.election_timeout),
        debug(Dist::uniform(ms(2000), ms(4000)).unwrap())
    );
    // Overrides win, field by field.
    let s = scenario(&managed_group(
        "spanner",
        ", lease: 2s, commit_wait: false, apply_time: 1ms, election_timeout: {constant: 1s}",
        "",
    ));
    let g = group_of(&s);
    assert!(!g.commit_wait);
    assert_eq!(g.lease, Some(Duration::from_secs(2)));
    assert_eq!(debug(&g.election_timeout), debug(Dist::constant(ms(1000))));
    assert_eq!(
        debug(&s.datasets[0].apply_time),
        debug(Dist::constant(ms(1)))
    );
}

/// Losing the leader's database: the new leader is elected within the
/// election timeout and a round of votes, and serves once the old lease
/// has run out: CockroachDB's 6 s, Spanner's 10 s, to the millisecond
/// (both longer than any election); a shorter lease given with the preset
/// brings the election back into view (CockroachDB's 2-4 s timeout plus
/// b's round of votes, 30 ms).
#[test]
fn a_lost_leader_serves_again_after_the_presets_lease() {
    let crdb = summary(&managed_group("cockroachdb", "", LEADER_LOST));
    assert_eq!(promotion_ms(&crdb), 6000.0);
    let spanner = summary(&managed_group("spanner", "", LEADER_LOST));
    assert_eq!(promotion_ms(&spanner), 10_000.0);
    let short = summary(&managed_group("cockroachdb", ", lease: 1s", LEADER_LOST));
    let p = promotion_ms(&short);
    assert!((2030.0..=4030.0).contains(&p), "{p}");
    // b's clients write again once b leads.
    let back = fig(&crdb, "clients.b.recovery.write_rto_ms");
    assert!((6000.0..6100.0).contains(&back), "{back}");
}

/// Spanner's commit wait: a group of three zones of region a commits in
/// 2 ms (a round to the nearest zone), under TrueTime's 2 x epsilon of
/// 2-14 ms: the wait shows. A write costs 4 ms outside the group (client
/// to app tier to leader and back), so 6-18 ms, its median near 4 + 8 ms.
/// A region's own uncertainty overrides the preset's: 30 ms makes every
/// write 64 ms.
#[test]
fn spanner_waits_out_truetimes_uncertainty() {
    let zones = |extra: &str| {
        managed_group("spanner", "", "")
            .replace("voters: [a, b, c]", "voters: [a, a, a]")
            .replace(
                "{name: a, jurisdiction: X}",
                &format!("{{name: a, jurisdiction: X{extra}}}"),
            )
    };
    let s = summary(&zones(""));
    let max = fig(&s, "clients.a.write_latency.max_ms");
    let p50 = fig(&s, "clients.a.write_latency.p50_ms");
    assert!(max <= 18.0 + 0.01 && max > 16.0, "{max}");
    assert!((p50 - 12.0).abs() < 0.6, "{p50}");
    let s = summary(&zones(", clock: {uncertainty: {constant: 30ms}}"));
    assert_eq!(fig(&s, "clients.a.write_latency.min_ms"), 64.0);
    assert_eq!(fig(&s, "clients.a.write_latency.max_ms"), 64.0);
    // Without the preset's commit wait: the 2 ms round only.
    let s = summary(&zones("").replace("leader: a}", "leader: a, commit_wait: false}"));
    assert_eq!(fig(&s, "clients.a.write_latency.max_ms"), 6.0);
}

/// DynamoDB multi-Region strong consistency over a, b and c (b 10 ms from
/// a, c 20 ms from a and 15 from b; 1 ms inside a region), `extra` fields
/// in the placement, writes per second from a and b on `keys` keys.
fn mrsc(extra: &str, keys: u32, from_a: u32, from_b: u32) -> String {
    format!(
        r#"
name: mrsc
seed: 5
warmup: 5s
duration: 600s
regions:
  - {{name: a, jurisdiction: X}}
  - {{name: b, jurisdiction: X}}
  - {{name: c, jurisdiction: X}}
network:
  intra_region: 1ms
  links:
    - {{between: [a, b], delay: 10ms}}
    - {{between: [a, c], delay: 20ms}}
    - {{between: [b, c], delay: 15ms}}
datasets:
  - name: k
    keys: {keys}
    placement:
      leaderless: {{preset: dynamodb-strong, replicas: [a, b, c]{extra}}}
workload:
  - {{region: a, rates: {{k: {{reads_per_s: 20, writes_per_s: {from_a}}}}}}}
  - {{region: b, rates: {{k: {{reads_per_s: 20, writes_per_s: {from_b}}}}}}}
"#
    )
}

fn quorum_of(s: &regionsim::scenario::Scenario) -> &regionsim::scenario::Leaderless {
    match &s.datasets[0].placement {
        Placement::Leaderless(l) => l,
        _ => panic!("leaderless"),
    }
}

/// DynamoDB's multi-Region strong consistency (AWS prescriptive guidance,
/// DynamoDB global tables, 2025): three regions, RPO 0 (a write is in two
/// before it is acknowledged: w 2), strongly consistent reads anywhere
/// (r 2: a read meets every acknowledged write), concurrent writes to one
/// item from two regions refused with a retryable conflict; each field
/// given with it wins.
#[test]
fn dynamodb_strong_resolves_to_a_majority_of_three_that_refuses_conflicts() {
    let s = scenario(&mrsc("", 1000, 10, 10));
    let l = quorum_of(&s);
    assert_eq!((l.w, l.r), (2, 2));
    assert!(l.fail_concurrent);
    assert_eq!(
        debug(&s.datasets[0].apply_time),
        debug(Dist::constant(Duration::ZERO))
    );
    let s = scenario(&mrsc(
        ", r: 1, concurrent_writes: last-writer-wins, apply_time: 2ms",
        1000,
        10,
        10,
    ));
    let l = quorum_of(&s);
    assert_eq!((l.w, l.r), (2, 1));
    assert!(!l.fail_concurrent);
    assert_eq!(
        debug(&s.datasets[0].apply_time),
        debug(Dist::constant(Duration::from_millis(2)))
    );
    // Without the preset, `concurrent_writes: fail` works on any quorum.
    let s = scenario(
        &mrsc(
            ", w: 1, r: 1, apply_time: 0ms, concurrent_writes: fail",
            10,
            1,
            1,
        )
        .replace("preset: dynamodb-strong, ", ""),
    );
    assert!(quorum_of(&s).fail_concurrent);
}

/// With constant delays: a write from a commits at b's acknowledgement,
/// 20 ms (the round trip to the nearest other region), so 24 ms with the
/// client's and app tier's hops; a strongly consistent read waits as long
/// for the second answer; no read is stale. On a key only one region
/// writes, nothing conflicts.
#[test]
fn dynamodb_strong_writes_and_reads_cost_the_nearest_round_trip() {
    let s = summary(&mrsc("", 1000, 10, 0).replace(
        "  - {region: b, rates: {k: {reads_per_s: 20, writes_per_s: 0}}}\n",
        "",
    ));
    assert_eq!(fig(&s, "clients.a.write_latency.min_ms"), 24.0);
    assert_eq!(fig(&s, "clients.a.write_latency.max_ms"), 24.0);
    assert_eq!(fig(&s, "clients.a.read_latency.max_ms"), 24.0);
    assert_eq!(fig(&s, "clients.a.stale_reads.0ms.count"), 0.0);
    assert_eq!(fig(&s, "datasets.k.quorum.conflict_failures"), 0.0);
    assert_eq!(fig(&s, "clients.a.requests.write_availability"), 1.0);
}

/// One item written from a at 50/s and from b at 5/s; every write is on
/// its way to its quorum for 20 ms (a to b and back, b to a and back). A
/// write is refused when the other region has an accepted write of the
/// item in its last 20 ms. a's accepted writes are nearly Poisson at
/// 50/s x (1 - q_a), where q_a, the share of a's writes refused, is
/// 1 - exp(-5/s x (1 - q_b) x 20 ms); b's share refused is
/// q_b = 1 - exp(-50/s x (1 - q_a) x 20 ms). The fixed point: q_b = 0.618,
/// q_a = 0.0373. With no retries each refused write fails; under
/// last-writer-wins none does.
#[test]
fn dynamodb_strong_refuses_a_write_while_another_regions_write_of_the_item_replicates() {
    let (mut qa, mut qb) = (0.0f64, 0.0f64);
    for _ in 0..50 {
        qa = 1.0 - (-5.0 * (1.0 - qb) * 0.02f64).exp();
        qb = 1.0 - (-50.0 * (1.0 - qa) * 0.02f64).exp();
    }
    let s = summary(&mrsc("", 1, 50, 5));
    let b = 1.0 - fig(&s, "clients.b.requests.write_availability");
    let a = 1.0 - fig(&s, "clients.a.requests.write_availability");
    assert!((b - qb).abs() < 0.03, "b refused {b}, want {qb}");
    assert!((a - qa).abs() < 0.005, "a refused {a}, want {qa}");
    let refused = fig(&s, "datasets.k.quorum.conflict_failures");
    let failed = fig(&s, "clients.a.write_latency.count") * a / (1.0 - a)
        + fig(&s, "clients.b.write_latency.count") * b / (1.0 - b);
    assert!(
        (refused / failed - 1.0).abs() < 0.01,
        "{refused} vs {failed}"
    );
    // The override: both taken, the later timestamp wins.
    let lww = summary(&mrsc(", concurrent_writes: last-writer-wins", 1, 50, 5));
    assert_eq!(fig(&lww, "clients.b.requests.write_availability"), 1.0);
    assert_eq!(fig(&lww, "datasets.k.quorum.conflict_failures"), 0.0);
}

/// CockroachDB's GLOBAL tables (`reads: global`; cockroachlabs.com,
/// "global tables": writes take a timestamp in the future, reads are
/// local and current everywhere). With the default lead, 250 ms plus the
/// slowest one-way delay from the leader to a replica (20 ms, to c), a
/// write from a is acknowledged 270 ms after the leader takes it (274 ms
/// with the client's hops), every read in b is local (4 ms) and none is
/// stale; follower reads of the same group are stale while a commit
/// notice travels. A lead shorter than the way to b (5 ms) makes b's
/// reads stale, and the writes commit at the majority (24 ms).
#[test]
fn global_tables_read_locally_and_write_in_the_future() {
    let global = summary(&managed_group("cockroachdb", ", reads: global", ""));
    assert_eq!(fig(&global, "clients.a.write_latency.min_ms"), 274.0);
    assert_eq!(fig(&global, "clients.a.write_latency.max_ms"), 274.0);
    assert_eq!(fig(&global, "clients.b.read_latency.max_ms"), 4.0);
    assert_eq!(fig(&global, "clients.b.stale_reads.0ms.count"), 0.0);
    let follower = summary(&managed_group("cockroachdb", ", reads: follower", ""));
    assert!(fig(&follower, "clients.b.stale_reads.0ms.count") > 0.0);
    assert_eq!(fig(&follower, "clients.a.write_latency.max_ms"), 24.0);
    let short = summary(&managed_group(
        "cockroachdb",
        ", reads: global, global_lead: 5ms",
        "",
    ));
    assert_eq!(fig(&short, "clients.a.write_latency.max_ms"), 24.0);
    assert!(fig(&short, "clients.b.stale_reads.0ms.count") > 0.0);
    let long = summary(&managed_group(
        "cockroachdb",
        ", reads: global, global_lead: 100ms",
        "",
    ));
    assert_eq!(fig(&long, "clients.a.write_latency.max_ms"), 104.0);
    // The lead goes with global reads only, and is positive.
    for (extra, words) in [
        (", global_lead: 100ms", "goes with `reads: global`"),
        (", reads: global, global_lead: 0ms", "above 0"),
    ] {
        let (code, err, _) = validate(&managed_group("cockroachdb", extra, ""));
        assert_eq!(code, Some(2), "{extra}: {err}");
        assert!(err.contains(words), "{extra}: {err}");
    }
}

/// Exact-staleness reads (`reads: as-of`; CockroachDB's follower reads
/// at `follower_read_timestamp()`, 4.8 s old, the default): the nearest
/// replica's state as of `read_staleness` ago, served locally. One key
/// written 2 times a second (Poisson) from a, read in b 1 s in the past:
/// a read misses the writes of its last second, so it is stale at bound
/// T < 1 s with probability 1 - exp(-2/s x (1 s - T)): 86.5 % at 0, 63.2 %
/// at 500 ms; at 1.5 s never (b has every write older than that).
#[test]
fn as_of_reads_miss_exactly_the_writes_of_their_staleness() {
    let yaml = |extra: &str| {
        managed_group("cockroachdb", extra, "")
            .replace("keys: 2000", "keys: 1")
            .replace("bucket: 5s\n", "")
            .replace("duration: 40s", "duration: 400s\nstaleness_bounds: [0ms, 500ms, 1500ms]")
            .replace(
                "  - {region: a, rates: {k: {reads_per_s: 100, writes_per_s: 100}}}\n  - {region: b, rates: {k: {reads_per_s: 100, writes_per_s: 100}}}",
                "  - {region: a, rates: {k: {writes_per_s: 2}}}\n  - {region: b, rates: {k: {reads_per_s: 50}}}",
            )
    };
    let s = summary(&yaml(", reads: as-of, read_staleness: 1s"));
    let share = |t: &str| fig(&s, &format!("clients.b.stale_reads.{t}.share"));
    let at0 = 1.0 - (-2.0f64).exp();
    let at500 = 1.0 - (-1.0f64).exp();
    assert!(
        (share("0ms") - at0).abs() < 0.02,
        "{} vs {at0}",
        share("0ms")
    );
    assert!(
        (share("500ms") - at500).abs() < 0.03,
        "{} vs {at500}",
        share("500ms")
    );
    assert_eq!(share("1500ms"), 0.0);
    assert_eq!(fig(&s, "clients.b.read_latency.max_ms"), 4.0);
    // The default is CockroachDB's 4.8 s: stale at 1.5 s with
    // probability 1 - exp(-2/s x 3.3 s) = 99.9 %.
    let s = summary(&yaml(", reads: as-of"));
    let at1500 = fig(&s, "clients.b.stale_reads.1500ms.share");
    assert!(at1500 > 0.99, "{at1500}");
    // read_staleness goes with as-of reads only.
    let (code, err, _) = validate(&managed_group("cockroachdb", ", read_staleness: 1s", ""));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("goes with `reads: as-of`"), "{err}");
}
