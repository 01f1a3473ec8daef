//! Leaderless quorums: the w-th fastest acknowledgement and the r-th
//! fastest answer with constant delays, stale reads against the closed
//! form of a replication window, and bad quorums refused.

use crate::common::{fig, regionsim, summary, write};

/// Three regions with constant delays (a-b 30 ms, a-c 50 ms, b-c 40 ms,
/// 1 ms inside a region and to apply a write), one replica in each, and
/// clients in `a` only, at a load too light to queue.
fn three(w: u32, r: u32) -> String {
    format!(
        r#"
name: q
seed: 3
duration: 100s
regions:
  - {{name: a, jurisdiction: X}}
  - {{name: b, jurisdiction: X}}
  - {{name: c, jurisdiction: X}}
network:
  intra_region: 1ms
  links:
    - {{between: [a, b], delay: 30ms}}
    - {{between: [a, c], delay: 50ms}}
    - {{between: [b, c], delay: 40ms}}
datasets:
  - name: d
    keys: 1000
    placement:
      leaderless: {{replicas: [a, b, c], w: {w}, r: {r}, apply_time: 1ms}}
workload:
  - {{region: a, rates: {{d: {{reads_per_s: 20, writes_per_s: 2}}}}}}
"#
    )
}

/// A request from `a` costs 4 ms outside the quorum (1 ms each way
/// between the client and its app tier, and between the app tier and its
/// coordinator, the replica in `a`). A write then waits for the w-th
/// fastest of the replicas' link + apply + link back: a 1 + 1 + 1 = 3 ms,
/// b 30 + 1 + 30 = 61 ms, c 50 + 1 + 50 = 101 ms; a read for the r-th
/// fastest round trip: a 2 ms, b 60 ms, c 100 ms.
#[test]
fn a_write_waits_for_the_wth_ack_and_a_read_for_the_rth_answer() {
    for (q, write_ms, read_ms) in [(1, 7.0, 6.0), (2, 65.0, 64.0), (3, 105.0, 104.0)] {
        let s = summary(&three(q, q));
        let f = |p: &str| fig(&s, &format!("clients.a.{p}"));
        assert_eq!(f("write_latency.min_ms"), write_ms, "w = {q}");
        // The median through the HDR histogram: within its 0.1 %.
        assert!(
            (f("write_latency.p50_ms") / write_ms - 1.0).abs() < 1e-3,
            "w = {q}"
        );
        assert_eq!(f("read_latency.min_ms"), read_ms, "r = {q}");
        assert_eq!(f("read_latency.max_ms"), read_ms, "r = {q}");
    }
    // The two knobs are separate: w = 1 and r = 3.
    let s = summary(&three(1, 3));
    let f = |p: &str| fig(&s, &format!("clients.a.{p}"));
    assert_eq!(f("write_latency.min_ms"), 7.0);
    assert_eq!(f("read_latency.min_ms"), 104.0);
}

/// Writes only in `b` (Poisson, 10/s, one key), reads only in `a`, 30 ms
/// apart, w = r = 1, apply time 0. A write reaching b's coordinator at x
/// commits at x + 2 ms (b's own replica, 1 ms each way) and is applied in
/// `a` at x + 30 ms; a read starting in `a` at t reads a's replica at
/// t + 1 ms (its fastest answer). It is stale when some write arrived in
/// (t - 29 ms, t - 2 ms]: P = 1 - exp(-10/s x 27 ms) = 0.2366. 100,000
/// reads: a standard error of 0.0013.
#[test]
fn a_read_is_stale_when_a_write_committed_before_it_has_not_reached_its_replica() {
    let yaml = r#"
name: window
seed: 5
duration: 200s
regions:
  - {name: a, jurisdiction: X}
  - {name: b, jurisdiction: X}
network:
  intra_region: 1ms
  links: [{between: [a, b], delay: 30ms}]
datasets:
  - name: d
    keys: 1
    placement:
      leaderless: {replicas: [a, b], w: 1, r: 1, apply_time: 0ms}
workload:
  - {region: a, rates: {d: {reads_per_s: 500}}}
  - {region: b, rates: {d: {writes_per_s: 10}}}
"#;
    let s = summary(yaml);
    let share = fig(&s, "clients.a.stale_reads.0ms.share");
    let expected = 1.0 - (-10.0f64 * 0.027).exp();
    assert!(
        (share - expected).abs() < 0.006,
        "stale share {share}, expected {expected}"
    );
    // Every stale read is at most 27 ms stale (the window's length).
    let s2 = summary(&yaml.replace(
        "name: window",
        "name: window\nstaleness_bounds: [0ms, 27ms]",
    ));
    assert_eq!(fig(&s2, "clients.a.stale_reads.27ms.count"), 0.0);
    assert!(fig(&s2, "clients.a.stale_reads.0ms.count") > 20_000.0);
}

/// Runs `regionsim validate` on `yaml`: (exit code, stderr).
fn validate(yaml: &str) -> (Option<i32>, String) {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "test.yaml", yaml);
    let o = regionsim(tmp.path(), &["validate", "test.yaml"]);
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Quorums outside 1..=N, a region listed twice or unknown, and users on a
/// leaderless dataset exit 2 naming the line.
#[test]
fn bad_quorums_are_refused_with_their_line() {
    let base = three(2, 2);
    let line = base
        .lines()
        .position(|l| l.contains("leaderless:"))
        .unwrap()
        + 1;
    for (from, to, words) in [
        ("w: 2", "w: 4", vec!["w is 4", "1 to N = 3"]),
        ("r: 2", "r: 0", vec!["r is 0", "1 to N = 3"]),
        (
            "replicas: [a, b, c]",
            "replicas: [a, b, a]",
            vec!["listed twice"],
        ),
        ("replicas: [a, b, c]", "replicas: [a, b, z]", vec!["`z`"]),
        (
            "replicas: [a, b, c]",
            "replicas: []",
            vec!["one or more replicas"],
        ),
    ] {
        let yaml = base.replacen(from, to, 1);
        let (code, err) = validate(&yaml);
        assert_eq!(code, Some(2), "{to}: {err}");
        assert!(err.contains(&format!("test.yaml:{line}:")), "{to}: {err}");
        for w in words {
            assert!(err.contains(w), "{to}: expected `{w}` in {err}");
        }
    }
    let users = base.replacen("{region: a, rates:", "{region: a, users: 100, rates:", 1);
    let (code, err) = validate(&users);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("not modelled on a leaderless dataset"),
        "{err}"
    );
}
