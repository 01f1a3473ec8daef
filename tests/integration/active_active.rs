//! Active-active datasets: conflicts against the closed form, resolution
//! by last-writer-wins and by merge, clock skew.

use crate::common::{fig, scenario, summary};
use regionsim::model::placement::Placement;
use regionsim::model::World;
use regionsim::report::aggregate::at;

/// Two copies 10 ms apart (constant), zero apply time, 100 keys written
/// uniformly at 200/s in `a` and 100/s in `b`: per key l1 = 2/s and
/// l2 = 1/s.
fn two_copies(resolution: &str, clock: &str, seconds: u32, replications: u32) -> String {
    format!(
        r#"
name: aa
seed: 21
warmup: 2s
duration: {seconds}s
replications: {replications}
regions:
  - {{name: a, jurisdiction: US}}
  - {{name: b, jurisdiction: EU{clock}}}
network:
  intra_region: 1ms
  links: [{{between: [a, b], delay: 10ms}}]
datasets:
  - name: d
    keys: 100
    placement:
      active-active:
        regions: [a, b]
        apply_time: 0ms
        resolution: {resolution}
workload:
  - region: a
    rates: {{d: {{writes_per_s: 200, reads_per_s: 100}}}}
  - region: b
    rates: {{d: {{writes_per_s: 100, reads_per_s: 100}}}}
"#
    )
}

/// Conflicting pairs per key and second: l1 l2 2d = 2 x 1 x 0.02 = 0.04,
/// over 100 keys 4 per second (l d = 0.02, well below 1). Within the 95 %
/// interval of 8 replications of 300 s (about 1,200 pairs each), widened
/// by 2 % for the interval's own noise.
#[test]
fn conflicts_match_l1_l2_2d() {
    let s = summary(&two_copies("merge", "", 300, 8));
    let g = |k: &str| {
        at(
            &s,
            &format!("points.0.figures.datasets.d.conflicts.conflicts_per_s.{k}"),
        )
        .and_then(serde_json::Value::as_f64)
        .unwrap()
    };
    let (mean, lo, hi) = (g("mean"), g("ci_low"), g("ci_high"));
    assert!(
        lo * 0.98 <= 4.0 && 4.0 <= hi * 1.02 && (mean - 4.0).abs() < 0.15,
        "conflicts {mean}/s [{lo}, {hi}], closed form 4"
    );
    // Merge loses nothing.
    assert_eq!(fig(&s, "datasets.d.conflicts.lost_updates"), 0.0);
    // Writes are local: latency is the access and intra-region legs only.
    let w = fig(&s, "clients.b.write_latency.mean_ms");
    assert!((w - 4.0).abs() < 0.5, "local write latency {w} ms");
    // Each copy trails the other by the 10 ms link.
    let lag = fig(&s, "datasets.d.replicas.a.lag.mean_ms");
    assert!((lag - 10.0).abs() < 1e-6, "lag {lag}");
}

/// Last-writer-wins with exact clocks: once replication drains, every copy
/// holds the write committed last; of two concurrent writes the earlier
/// is lost, so (pairs rarely overlapping) about one write per conflict.
#[test]
fn lww_with_exact_clocks_keeps_the_latest_commit() {
    let sc = scenario(&two_copies("lww", "", 120, 1));
    let mut sim = World::new(&sc, 0);
    sim.run_to_completion();
    let Placement::ActiveActive(p) = sim.model().placement(0) else {
        panic!("an active-active dataset");
    };
    for (k, &t) in p.latest().iter().enumerate() {
        for copy in 0..2 {
            assert_eq!(p.held(copy, k as u32).0, t.as_nanos() as i64, "key {k}");
        }
    }
    let s = summary(&two_copies("lww", "", 120, 1));
    let conflicts = fig(&s, "datasets.d.conflicts.conflicts");
    let lost = fig(&s, "datasets.d.conflicts.lost_updates");
    assert!(conflicts > 300.0, "{conflicts}");
    assert!(
        lost <= conflicts && lost >= 0.9 * conflicts,
        "lost {lost} of {conflicts} conflicts"
    );
}

/// A clock 50 ms ahead in `b`: b's writes outrank a's for 50 ms after they
/// commit, longer than the 10 ms it takes a to see them, so a's later
/// writes to the same key are discarded too (lost updates without a
/// conflict). Lost updates grow well past the conflicts; the conflicts
/// themselves do not change (they depend on what was seen, not on clocks).
#[test]
fn a_skewed_clock_makes_lww_discard_later_writes() {
    let exact = summary(&two_copies("lww", "", 120, 1));
    let skewed = summary(&two_copies("lww", ", clock: {offset_ms: 50}", 120, 1));
    let c = |s| fig(s, "datasets.d.conflicts.conflicts");
    let l = |s| fig(s, "datasets.d.conflicts.lost_updates");
    assert_eq!(c(&exact), c(&skewed));
    assert!(
        l(&skewed) > 1.5 * l(&exact) && l(&skewed) > c(&skewed),
        "lost {} with skew, {} without; {} conflicts",
        l(&skewed),
        l(&exact),
        c(&skewed)
    );
    // Merge ignores clocks.
    let merged = summary(&two_copies("merge", ", clock: {offset_ms: 50}", 120, 1));
    assert_eq!(l(&merged), 0.0);
}

/// A clock step as a failure: `b`'s clock 500 ms fast for 40 s of the
/// 120 s. Lost updates grow (a's writes within half a second after one of
/// b's are discarded while it lasts); conflicts do not change.
#[test]
fn a_clock_step_failure_loses_updates_while_it_lasts() {
    let exact = summary(&two_copies("lww", "", 120, 1));
    let stepped = two_copies("lww", "", 120, 1).replace("warmup: 2s", "warmup: 2s\nbucket: 10s")
        + "failures:\n  - {region: b, clock_step_ms: 500, at: 40s, duration: 40s}\n";
    let stepped = summary(&stepped);
    let c = |s| fig(s, "datasets.d.conflicts.conflicts");
    let l = |s| fig(s, "datasets.d.conflicts.lost_updates");
    assert_eq!(c(&exact), c(&stepped));
    // About one a-write per b-write to the same key in the next 500 ms:
    // per key 1/s x 2/s x 0.5 s over 100 keys and 40 s: about 4,000 more.
    let more = l(&stepped) - l(&exact);
    assert!(
        (2500.0..5000.0).contains(&more),
        "{more} more lost updates ({} against {})",
        l(&stepped),
        l(&exact)
    );
    // Per 10 s bucket: elevated only while the step lasts (40 s to 80 s),
    // and the buckets add up to the total.
    let lost = crate::common::series(
        &stepped,
        "datasets.d.conflicts.lost_updates_per_s_by_bucket",
    );
    assert_eq!(lost.len(), 12);
    assert!((lost.iter().sum::<f64>() * 10.0 - l(&stepped)).abs() < 1e-6);
    let during = lost[4..8].iter().sum::<f64>() / 4.0;
    let outside = (lost[..4].iter().sum::<f64>() + lost[8..].iter().sum::<f64>()) / 8.0;
    assert!(
        during > 10.0 * outside,
        "{during}/s during, {outside}/s outside"
    );
    let pairs = crate::common::series(&stepped, "datasets.d.conflicts.conflicts_per_s_by_bucket");
    assert!((pairs.iter().sum::<f64>() * 10.0 - c(&stepped)).abs() < 1e-6);
}

/// While `b`'s database is down its app tier writes to `a` (the nearest
/// copy that answers): no request fails. Writes for `b` wait in their
/// stream and are applied when it is back, in order: the lag of the
/// oldest of them is the outage, and every write reaches every copy.
#[test]
fn a_copy_down_sends_its_writes_to_the_other_and_catches_up() {
    let yaml = two_copies("lww", "", 60, 1)
        + "failures:\n  - {region: b, service: database, at: 20s, duration: 20s}\n";
    let s = summary(&yaml);
    assert_eq!(fig(&s, "clients.b.requests.failed"), 0.0);
    let max = fig(&s, "datasets.d.replicas.b.lag.max_ms");
    assert!((max - 20_010.0).abs() < 50.0, "lag max at b {max} ms");
    let max_a = fig(&s, "datasets.d.replicas.a.lag.max_ms");
    assert!(max_a < 100.0, "a's lag max {max_a} ms");
    // Drained: every stream applied every write sent on it.
    let sc = scenario(&yaml);
    let mut sim = World::new(&sc, 0);
    sim.run_to_completion();
    let audit = sim.model().audit();
    for (_, applied, in_flight) in &audit.streams {
        assert_eq!(*in_flight, 0);
        assert!(*applied > 0);
    }
    let sent: u64 = audit.streams.iter().map(|(_, a, _)| a).sum();
    assert_eq!(
        sent, audit.commits[0],
        "each write goes to the one other copy"
    );
}

/// The apply lint counts what each copy applies: the writes the other
/// copies commit. With 4 ms per write, `b` applies a's 200/s (0.8) and
/// `a` b's 100/s (0.4): the busier one is named at 0.80, not the 1.2 all
/// 300 writes/s would make.
#[test]
fn the_apply_lint_counts_other_copies_writes() {
    let yaml = two_copies("lww", "", 10, 1).replace("apply_time: 0ms", "apply_time: 4ms");
    let w = scenario(&yaml).warnings.join("\n");
    assert!(w.contains("replica apply utilisation is 0.80"), "{w}");
    assert!(!w.contains("single point of failure"), "{w}");
}
