//! Consensus groups, steady: the majority-th fastest persist commits a
//! write, a strong follower read costs one round trip to the leader, a
//! lease read at the leader none; bad groups refused.

use crate::common::{fig, regionsim, summary, write};

/// Five regions with constant delays from the leader `a`: b 10 ms, c 20,
/// d 30, e 40 (c to the others as listed), 1 ms inside a region and to
/// persist an entry; clients in `a` and `c`, light enough not to queue.
fn group(voters: &str, reads: &str) -> String {
    format!(
        r#"
name: group
seed: 3
duration: 60s
regions:
  - {{name: a, jurisdiction: X}}
  - {{name: b, jurisdiction: X}}
  - {{name: c, jurisdiction: X}}
  - {{name: d, jurisdiction: X}}
  - {{name: e, jurisdiction: X}}
network:
  intra_region: 1ms
  links:
    - {{between: [a, b], delay: 10ms}}
    - {{between: [a, c], delay: 20ms}}
    - {{between: [a, d], delay: 30ms}}
    - {{between: [a, e], delay: 40ms}}
    - {{between: [b, c], delay: 15ms}}
    - {{between: [b, d], delay: 25ms}}
    - {{between: [b, e], delay: 35ms}}
    - {{between: [c, d], delay: 12ms}}
    - {{between: [c, e], delay: 22ms}}
    - {{between: [d, e], delay: 18ms}}
datasets:
  - name: k
    keys: 1000
    placement:
      consensus: {{voters: {voters}, leader: a, apply_time: 1ms, reads: {reads}}}
workload:
  - {{region: a, rates: {{k: {{reads_per_s: 10, writes_per_s: 5}}}}}}
  - {{region: c, rates: {{k: {{reads_per_s: 10, writes_per_s: 5}}}}}}
"#
    )
}

/// A request costs 4 ms outside the group from `a` (1 ms each way between
/// client and app tier, app tier and leader) and 42 ms from `c` (its app
/// tier is 20 ms from the leader). The leader persists in 1 ms; voter b's
/// persist reaches it after 10 + 1 + 10 = 21 ms, c's 41, d's 61, e's 81:
/// three voters commit at the second fastest (21 ms), five at the third
/// (41 ms). A lease read at the leader adds nothing; a strong read at the
/// voter in `c` costs its round trip to the leader (40 ms) and nothing
/// else (nothing to wait for at this load); a follower read there is local.
#[test]
fn a_write_commits_at_the_majoritys_persist_and_reads_cost_what_they_ask() {
    for (voters, commit) in [("[a, b, c]", 21.0), ("[a, b, c, d, e]", 41.0)] {
        for (reads, a_read, c_read) in [
            ("leader", 4.0, 42.0),
            ("follower", 4.0, 4.0),
            ("follower-strong", 4.0, 44.0),
        ] {
            let s = summary(&group(voters, reads));
            let f = |p: &str| fig(&s, p);
            let what = format!("{voters}, {reads}");
            assert_eq!(f("clients.a.write_latency.min_ms"), 4.0 + commit, "{what}");
            assert_eq!(f("clients.c.write_latency.min_ms"), 42.0 + commit, "{what}");
            assert_eq!(f("clients.a.read_latency.max_ms"), a_read, "{what}");
            assert_eq!(f("clients.c.read_latency.min_ms"), c_read, "{what}");
            assert_eq!(f("clients.c.read_latency.max_ms"), c_read, "{what}");
        }
    }
}

/// Follower reads are stale while a write is committed and not yet
/// applied at the voter: writes at 200/s to 10 keys from `a`, reads in
/// `c`. A write committed at t (three voters: b's persist, 21 ms after it
/// reached the leader) is applied in `c` when `c` has it (41 ms) and has
/// heard of the commit (t + 20 ms = 41 ms): a 20 ms window per write. With
/// a strong read (or at the leader) no read is stale.
#[test]
fn follower_reads_are_stale_for_the_commit_notice_and_strong_ones_never() {
    let hot = |reads: &str| {
        group("[a, b, c]", reads)
            .replace("keys: 1000", "keys: 10")
            .replace(
                "{region: a, rates: {k: {reads_per_s: 10, writes_per_s: 5}}}",
                "{region: a, rates: {k: {writes_per_s: 200}}}",
            )
            .replace(
                "{region: c, rates: {k: {reads_per_s: 10, writes_per_s: 5}}}",
                "{region: c, rates: {k: {reads_per_s: 200}}}",
            )
    };
    let stale = |reads: &str| fig(&summary(&hot(reads)), "clients.c.stale_reads.0ms.share");
    // Per key 20 writes/s, each leaving a 20 ms window: stale with
    // probability 1 - exp(-20/s x 20 ms) = 0.33.
    let follower = stale("follower");
    let expected = 1.0 - (-20.0f64 * 0.020).exp();
    assert!(
        (follower - expected).abs() < 0.02,
        "{follower}, expected {expected}"
    );
    assert_eq!(stale("follower-strong"), 0.0);
    assert_eq!(stale("leader"), 0.0);
}

fn validate(yaml: &str) -> (Option<i32>, String, String) {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "test.yaml", yaml);
    let o = regionsim(tmp.path(), &["validate", "test.yaml"]);
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

/// A leader outside the voters, a voter twice or unknown, no voters, a
/// failure that reaches a voter (elections are not modelled yet): exit 2
/// with the line. An even group validates with a warning.
#[test]
fn bad_groups_are_refused_with_their_line() {
    let base = group("[a, b, c]", "leader");
    let line = base.lines().position(|l| l.contains("consensus:")).unwrap() + 1;
    for (from, to, words) in [
        ("leader: a", "leader: d", vec!["not one of the voters"]),
        (
            "voters: [a, b, c]",
            "voters: [a, b, a]",
            vec!["listed twice"],
        ),
        ("voters: [a, b, c]", "voters: [a, b, z]", vec!["`z`"]),
        (
            "voters: [a, b, c]",
            "voters: []",
            vec!["one or more voters"],
        ),
        ("reads: leader", "reads: nearest", vec!["nearest"]),
    ] {
        let yaml = base.replacen(from, to, 1);
        let (code, err, _) = validate(&yaml);
        assert_eq!(code, Some(2), "{to}: {err}");
        assert!(err.contains(&format!("test.yaml:{line}:")), "{to}: {err}");
        for w in words {
            assert!(err.contains(w), "{to}: expected `{w}` in {err}");
        }
    }
    let failing = format!("{base}failures:\n  - {{region: b, at: 10s, duration: 5s}}\n");
    let (code, err, _) = validate(&failing);
    assert_eq!(code, Some(2), "{err}");
    let line = failing
        .lines()
        .position(|l| l.contains("region: b, at"))
        .unwrap()
        + 1;
    assert!(err.contains(&format!("test.yaml:{line}:")), "{err}");
    assert!(err.contains("not modelled yet"), "{err}");
    // An app-only outage does not reach the group.
    let app = format!("{base}failures:\n  - {{region: b, service: app, at: 10s, duration: 5s}}\n");
    assert_eq!(validate(&app).0, Some(0));
    let (code, _, out) = validate(&group("[a, b, c, d]", "leader"));
    assert_eq!(code, Some(0));
    assert!(out.contains("4 voters: a majority is 3"), "{out}");
}
