//! Leaderless quorums: the w-th fastest acknowledgement and the r-th
//! fastest answer with constant delays, stale reads against the closed
//! form of a replication window, and bad quorums refused.

use crate::common::{fig, summary, validate};

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
        let (code, err, _) = validate(&yaml);
        assert_eq!(code, Some(2), "{to}: {err}");
        assert!(err.contains(&format!("test.yaml:{line}:")), "{to}: {err}");
        for w in words {
            assert!(err.contains(w), "{to}: expected `{w}` in {err}");
        }
    }
    // The PBS delays and probe times: each bad value on its own line.
    let pbs_base = pbs(3, 1, 1, "{write: {constant: 1ms}}", "[0ms, 1ms]", 10, 10);
    for (from, to, at, words) in [
        (
            "        w: 1\n",
            "        w: 1\n        apply_time: 1ms\n",
            "apply_time: 1ms",
            vec!["leave apply_time out"],
        ),
        (
            "        w: 1\n",
            "        w: 1\n        apply_threads: 2\n",
            "apply_threads: 2",
            vec!["no apply threads"],
        ),
        ("[0ms, 1ms]", "[1ms, 1ms]", "t_visibility:", vec!["twice"]),
        ("[0ms, 1ms]", "[0ms, 2d]", "t_visibility:", vec!["above"]),
        (
            "{write: {constant: 1ms}}",
            "{read: {constant: 1ms}}",
            "replicas:",
            vec!["give apply_time"],
        ),
        (
            "        w: 1\n",
            "        w: 1\n        anti_entropy: 0s\n",
            "anti_entropy: 0s",
            vec!["more than 0"],
        ),
        (
            "        w: 1\n",
            "        w: 1\n        read_repair: sometimes\n",
            "read_repair: sometimes",
            vec!["read_repair"],
        ),
        (
            "{write: {constant: 1ms}}",
            "{write: {constant: 1ms}, acks: {constant: 1ms}}",
            "delays:",
            vec!["acks"],
        ),
    ] {
        assert!(pbs_base.contains(from), "{from}");
        let yaml = pbs_base.replacen(from, to, 1);
        let line = yaml.lines().position(|l| l.contains(at)).unwrap() + 1;
        let (code, err, _) = validate(&yaml);
        assert_eq!(code, Some(2), "{to}: {err}");
        assert!(err.contains(&format!("test.yaml:{line}:")), "{to}: {err}");
        for w in words {
            assert!(err.contains(w), "{to}: expected `{w}` in {err}");
        }
    }
}

/// Users of one region, each reading and writing their own record, 30 %
/// of their requests sent from the other two regions: with w = r = 1 a
/// read from another region can miss the user's own acknowledged write;
/// with any strict quorum (w + r > N: every read quorum meets every write
/// quorum) none does.
#[test]
fn strict_quorums_never_miss_a_users_own_write() {
    let yaml = |w: u32, r: u32| {
        format!(
            r#"
name: users
seed: 9
duration: 60s
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
    keys: 2000
    popularity: per-user
    placement:
      leaderless: {{replicas: [a, b, c], w: {w}, r: {r}, apply_time: 1ms}}
workload:
  - region: a
    users: 2000
    roaming: {{share: 0.3, to: [b, c], delay: 10ms}}
    rates: {{d: {{reads_per_s: 400, writes_per_s: 200}}}}
"#
        )
    };
    let ryw = |w, r| {
        fig(
            &summary(&yaml(w, r)),
            "clients.a.users.read_your_writes.count",
        )
    };
    assert!(ryw(1, 1) > 10.0, "{}", ryw(1, 1));
    for (w, r) in [(2, 2), (1, 3), (3, 1)] {
        assert_eq!(ryw(w, r), 0.0, "w = {w}, r = {r}");
    }
}

/// Three replicas with the PBS message delays of the file (W for the
/// write, A, R, S), probe reads at `probes`, writes and reads from `a`.
fn pbs(n: usize, w: u32, r: u32, delays: &str, probes: &str, keys: u32, seconds: u32) -> String {
    let names: Vec<String> = (0..n).map(|i| format!("r{i}")).collect();
    let mut y = format!("name: pbs\nseed: 11\nwarmup: 20s\nduration: {seconds}s\nregions:\n");
    for r in &names {
        y += &format!("  - {{name: {r}, jurisdiction: X}}\n");
    }
    y += "network:\n  intra_region: 1ms\n  links:\n";
    for i in 0..n {
        for j in i + 1..n {
            y += &format!("    - {{between: [r{i}, r{j}], delay: 20ms}}\n");
        }
    }
    y += &format!(
        "datasets:\n  - name: d\n    keys: {keys}\n    placement:\n      leaderless:\n        replicas: [{}]\n        w: {w}\n        r: {r}\n        delays: {delays}\n        t_visibility: {probes}\nworkload:\n  - {{region: r0, rates: {{d: {{reads_per_s: 100, writes_per_s: 100}}}}}}\n",
        names.join(", ")
    );
    y
}

/// The share of probe reads at `t` that returned the probed write.
fn visible(s: &serde_json::Value, t: &str) -> f64 {
    fig(s, &format!("datasets.d.quorum.t_visibility.{t}.share"))
}

/// PBS's closed form (Bailis et al., VLDB 2012, section 3): acknowledged
/// at once (A = 0) and read at once (R, S of a microsecond, only to make
/// the first answers a random set), a read at a write's commit misses it
/// exactly when its R replicas are all outside the W that have it:
/// C(N - W, R) / C(N, R). Writes reach the rest after a mean 10 ms, far
/// beyond the read's microseconds. 100 s of 100 writes a second, probed
/// from each of N regions: 30,000 probes or more, a standard error of at
/// most 0.003.
#[test]
fn a_read_at_commit_misses_the_write_as_pbs_closed_form_says() {
    let delays = "{write: {exponential: {mean: 10ms}}, ack: {constant: 0ms}, read: {exponential: {mean: 1us}}, response: {exponential: {mean: 1us}}}";
    let choose = |n: u64, k: u64| -> f64 {
        if k > n {
            return 0.0;
        }
        (0..k).map(|i| (n - i) as f64 / (i + 1) as f64).product()
    };
    for (n, w, r) in [
        (3, 1, 1),
        (3, 1, 2),
        (3, 2, 1),
        (3, 2, 2),
        (5, 2, 2),
        (5, 1, 3),
    ] {
        let s = summary(&pbs(n, w, r, delays, "[0ms]", 100_000, 100));
        let missed = choose(n as u64 - u64::from(w), u64::from(r)) / choose(n as u64, u64::from(r));
        let seen = visible(&s, "0ms");
        assert!(
            (1.0 - seen - missed).abs() < 0.02,
            "N={n} W={w} R={r}: missed {}, closed form {missed}",
            1.0 - seen
        );
        assert!(fig(&s, "datasets.d.quorum.t_visibility.0ms.probes") > 29_000.0);
    }
}

/// PBS's synthetic case (Bailis et al., figure 4 and section 5.3):
/// W ~ Exp(rate 4/ms), A = R = S ~ Exp(rate 1/ms), N = 3, R = W = 1:
/// about 94 % of reads consistent at commit and 99.9 % a millisecond
/// later; with W ~ Exp(rate 0.1/ms), about 41 % at commit and 99.9 % only
/// after about 65 ms. The references are a Monte Carlo of the WARS model
/// written apart from this crate (200,000 trials a point): 0.9416, 0.9990;
/// 0.4204, 0.7859 (10 ms), 0.9709 (30 ms), 0.99915 (65 ms).
#[test]
fn pbs_synthetic_exponential_case_is_reproduced() {
    let ars = "ack: {exponential: {mean: 1ms}}, read: {exponential: {mean: 1ms}}, response: {exponential: {mean: 1ms}}";
    let fast = summary(&pbs(
        3,
        1,
        1,
        &format!("{{write: {{exponential: {{mean: 0.25ms}}}}, {ars}}}"),
        "[0ms, 1ms]",
        100_000,
        100,
    ));
    let close = |got: f64, want: f64, tol: f64, what: &str| {
        assert!((got - want).abs() < tol, "{what}: {got}, PBS {want}");
    };
    // 30,000 probes a point: a standard error of 0.0014 at 94 %.
    close(visible(&fast, "0ms"), 0.9416, 0.01, "fast, at commit");
    close(visible(&fast, "1ms"), 0.9990, 0.002, "fast, 1 ms");
    let slow = summary(&pbs(
        3,
        1,
        1,
        &format!("{{write: {{exponential: {{mean: 10ms}}}}, {ars}}}"),
        "[0ms, 10ms, 30ms, 65ms]",
        100_000,
        100,
    ));
    close(visible(&slow, "0ms"), 0.4204, 0.02, "slow, at commit");
    close(visible(&slow, "10ms"), 0.7859, 0.02, "slow, 10 ms");
    close(visible(&slow, "30ms"), 0.9709, 0.01, "slow, 30 ms");
    close(visible(&slow, "65ms"), 0.99915, 0.002, "slow, 65 ms");
    assert!(visible(&slow, "30ms") < 0.99);
}

/// k-staleness for independent versions (PBS, section 3.3): each write
/// reaches each replica at once or, with probability 1/2, only after ten
/// hours (beyond the run); with w = 1 a write commits once one replica
/// has it (7/8 of them), and a replica lacks a committed write with
/// probability p = (1/2 x 3/4) / (7/8) = 3/7, independently of the other
/// writes. A read at one random replica (r = 1) is then at least k
/// versions behind with probability p^k: the figure's element k - 1 is
/// 1 - p^k.
#[test]
fn k_staleness_of_independent_versions_is_p_to_the_k() {
    let delays = "{write: {empirical: [[0, 1us], [50, 1us], [50.0001, 10h], [100, 10h]]}, ack: {constant: 0ms}, read: {exponential: {mean: 1us}}, response: {exponential: {mean: 1us}}}";
    let s = summary(&pbs(3, 1, 1, delays, "[]", 100, 1000));
    let k = crate::common::series(&s, "datasets.d.quorum.k_staleness");
    let p = 3.0f64 / 7.0;
    // 100,000 reads: a standard error of at most 0.0016.
    for (i, got) in k.iter().enumerate().take(6) {
        let want = 1.0 - p.powi(i as i32 + 1);
        assert!(
            (got - want).abs() < 0.008,
            "k = {}: {got}, p^k says {want}",
            i + 1
        );
    }
}

/// Probe reads are measurements, not requests: with and without them a
/// run's requests, staleness and replication figures are the same.
#[test]
fn probes_change_nothing_they_measure() {
    let with = summary(&three(1, 1).replace(
        "apply_time: 1ms}",
        "apply_time: 1ms, t_visibility: [0ms, 10ms, 100ms]}",
    ));
    let without = summary(&three(1, 1));
    for path in [
        "clients.a.read_latency.p99_ms",
        "clients.a.write_latency.p99_ms",
        "clients.a.stale_reads.0ms.count",
        "datasets.d.replicas.c.lag.p99_ms",
        "events",
    ] {
        if path == "events" {
            // Probes are events of their own: more of them, same results.
            assert!(fig(&with, path) > fig(&without, path));
            continue;
        }
        assert_eq!(fig(&with, path), fig(&without, path), "{path}");
    }
    assert!(fig(&with, "datasets.d.quorum.t_visibility.10ms.probes") > 0.0);
}

/// Three replicas, `a` 10 ms from `b` and `c`, which are 100 ms apart;
/// writes coordinated in `a` (w = 1), reads in `b` and `c` (r = 2: a
/// read in `b` hears from `b` and `a` first). `a` is cut off from `b` and
/// `c` from 10 s to 20 s, and its database is down from 50 s to 90 s, so
/// that reads then hear only from `b` and `c`. `extra` is the placement's
/// repair setting.
fn repaired(extra: &str) -> String {
    format!(
        r#"
name: repair
seed: 4
warmup: 5s
duration: 95s
bucket: 1s
regions:
  - {{name: a, jurisdiction: X}}
  - {{name: b, jurisdiction: X}}
  - {{name: c, jurisdiction: X}}
network:
  intra_region: 1ms
  links:
    - {{between: [a, b], delay: 10ms}}
    - {{between: [a, c], delay: 10ms}}
    - {{between: [b, c], delay: 100ms}}
datasets:
  - name: d
    keys: 20000
    placement:
      leaderless:
        replicas: [a, b, c]
        w: 1
        r: 2
        apply_time: 0ms
        {extra}
workload:
  - {{region: a, rates: {{d: {{writes_per_s: 200}}}}}}
  - {{region: b, rates: {{d: {{reads_per_s: 200}}}}}}
  - {{region: c, rates: {{d: {{reads_per_s: 200}}}}}}
failures:
  - {{partition: [[a], [b, c]], at: 10s, duration: 10s}}
  - {{region: a, service: database, at: 50s, duration: 40s}}
"#
    )
}

/// Stale reads in `b` and `c` while `a` is down (buckets 45 to 84 of the
/// measured span, which starts at 5 s).
fn stale_while_a_is_down(s: &serde_json::Value) -> f64 {
    ["b", "c"]
        .iter()
        .map(|r| {
            let share = crate::common::series(s, &format!("clients.{r}.timeline.stale_share.0ms"));
            let reads = crate::common::series(s, &format!("clients.{r}.timeline.reads_per_s"));
            (45..85).map(|i| share[i] * reads[i]).sum::<f64>()
        })
        .sum()
}

/// The writes `a` took while cut off reach `b` and `c` only by repair.
/// Without any, reads that hear only from `b` and `c` (while `a` is down)
/// miss them. Read repair fixes the replicas that answered a read with an
/// older version (a read in `b` hears from `b` and `a`): fewer such stale
/// reads. Anti-entropy every 7 s syncs everything at 21 s: fewer still,
/// and it brought at least the 2 x ~2,000 versions the cut-off writes
/// left behind up to date.
#[test]
fn read_repair_and_anti_entropy_heal_what_a_partition_left_behind() {
    let none = summary(&repaired("read_repair: false"));
    let rr = summary(&repaired("read_repair: true"));
    let ae = summary(&repaired("anti_entropy: 7s"));
    let q = |s: &serde_json::Value, k: &str| fig(s, &format!("datasets.d.quorum.{k}"));
    assert_eq!(q(&none, "read_repairs"), 0.0);
    assert_eq!(q(&none, "anti_entropy_updates"), 0.0);
    assert!(
        q(&rr, "read_repairs") > 1_000.0,
        "{}",
        q(&rr, "read_repairs")
    );
    assert_eq!(q(&rr, "anti_entropy_updates"), 0.0);
    assert_eq!(q(&ae, "read_repairs"), 0.0);
    assert!(q(&ae, "anti_entropy_updates") > 3_500.0);
    let (n, r, a) = (
        stale_while_a_is_down(&none),
        stale_while_a_is_down(&rr),
        stale_while_a_is_down(&ae),
    );
    assert!(n > 200.0, "without repair: {n}");
    assert!(r < 0.7 * n, "read repair: {r} against {n}");
    assert!(a < 0.5 * r, "anti-entropy: {a} against {r}");
}

/// Sloppy quorum: `c`'s writes need w = 2 while `c` is cut off from `a`
/// and `b` (10 s to 20 s). Without it every write that reaches `c`'s
/// coordinator then fails; with it a stand-in in `c` takes each for both
/// replicas it cannot reach (two hints a write: the same arrivals, drawn
/// from the same streams) and hands them all over when the partition
/// heals.
#[test]
fn a_sloppy_quorum_takes_writes_a_strict_one_refuses_and_hands_them_over() {
    let yaml = |sloppy: bool| {
        format!(
            r#"
name: sloppy
seed: 8
warmup: 5s
duration: 30s
regions:
  - {{name: a, jurisdiction: X}}
  - {{name: b, jurisdiction: X}}
  - {{name: c, jurisdiction: X}}
network:
  intra_region: 1ms
  links:
    - {{between: [a, b], delay: 10ms}}
    - {{between: [a, c], delay: 30ms}}
    - {{between: [b, c], delay: 40ms}}
datasets:
  - name: d
    keys: 1000
    placement:
      leaderless: {{replicas: [a, b, c], w: 2, r: 1, apply_time: 0ms, sloppy_quorum: {sloppy}}}
workload:
  - {{region: c, rates: {{d: {{writes_per_s: 100}}}}}}
failures:
  - {{partition: [[c], [a, b]], at: 10s, duration: 10s}}
"#
        )
    };
    let strict = summary(&yaml(false));
    let sloppy = summary(&yaml(true));
    let failed = fig(&strict, "clients.c.requests.failed");
    assert!((800.0..1200.0).contains(&failed), "{failed}");
    assert_eq!(fig(&sloppy, "clients.c.requests.failed"), 0.0);
    assert_eq!(fig(&strict, "datasets.d.quorum.hinted_writes"), 0.0);
    let hinted = fig(&sloppy, "datasets.d.quorum.hinted_writes");
    assert_eq!(hinted, 2.0 * failed);
    assert_eq!(fig(&sloppy, "datasets.d.quorum.hints_handed_over"), hinted);
}

/// Anti-entropy is data movement: a European user's record copied into
/// the US replica by a sync is a residency violation there, as a write
/// applied there is. European writes while the Atlantic is cut reach only
/// Ireland; without repair they never rest in Virginia, with a sync after
/// the cut heals each does, once.
#[test]
fn a_sync_that_copies_restricted_data_across_a_border_is_counted() {
    let yaml = |extra: &str| {
        format!(
            r#"
name: moved
seed: 2
duration: 60s
regions:
  - {{name: us-east-1, jurisdiction: US}}
  - {{name: eu-west-1, jurisdiction: EU}}
network: {{preset: aws}}
residency:
  - {{jurisdiction: EU, home: eu-west-1, allowed: [eu-west-1]}}
  - {{jurisdiction: US, home: us-east-1, allowed: [us-east-1]}}
datasets:
  - name: d
    keys: 100000
    restricted: true
    popularity: per-user
    placement:
      leaderless: {{replicas: [us-east-1, eu-west-1], w: 1, r: 1, apply_time: 1ms{extra}}}
workload:
  - {{region: eu-west-1, users: 50000, rates: {{d: {{writes_per_s: 100}}}}}}
  - {{region: us-east-1, users: 50000, rates: {{d: {{reads_per_s: 1}}}}}}
failures:
  - {{partition: [[us-east-1], [eu-west-1]], at: 10s, duration: 20s}}
"#
        )
    };
    let v = |extra: &str| fig(&summary(&yaml(extra)), "datasets.d.residency.violations");
    let (without, with) = (v(""), v(", anti_entropy: 35s"));
    // About 100/s x 20 s = 2,000 writes held in Ireland, synced at 35 s.
    assert!(
        (1_600.0..2_400.0).contains(&(with - without)),
        "{without} without a sync, {with} with one"
    );
}
