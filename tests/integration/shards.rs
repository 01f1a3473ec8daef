//! `run --shard I/N` + `merge` gives the bytes of one unsharded run.

use crate::common::{regionsim, shipped_report, shipped_scenarios, tree, write, TWO_REGIONS};
use std::path::Path;

fn sweep_3x4() -> String {
    TWO_REGIONS.replace("seed: 3", "seed: 3\nreplications: 4")
        + "sweep:\n  parameters:\n    datasets.users.placement.single-primary.apply_time: [0ms, 1ms, {exponential: {mean: 2ms}}]\n"
        + "slo:\n  - {metric: lag.p99_ms, scope: {dataset: users, replica: b}, max: 45ms, confidence: 95%}\n"
}

fn ok(dir: &Path, args: &[&str]) {
    let o = regionsim(dir, args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn two_shards_merged_equal_one_run_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    write(t, "s.yaml", &sweep_3x4());
    write(
        t,
        "r.yaml",
        &TWO_REGIONS.replace("name: two-regions", "name: second"),
    );
    ok(
        t,
        &[
            "run", "s.yaml", "r.yaml", "-o", "whole", "-j", "2", "--quiet",
        ],
    );
    ok(
        t,
        &[
            "run", "s.yaml", "r.yaml", "-o", "part1", "--shard", "1/2", "--quiet",
        ],
    );
    ok(
        t,
        &[
            "run", "s.yaml", "r.yaml", "-o", "part2", "--shard", "2/2", "-j", "1", "--quiet",
        ],
    );
    ok(t, &["merge", "part1", "part2", "-o", "merged", "--quiet"]);
    let (whole, merged) = (tree(&t.join("whole")), tree(&t.join("merged")));
    let names: Vec<&str> = whole.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.contains(&"two-regions/junit.xml") && names.contains(&"summary.md"),
        "{names:?}"
    );
    assert_eq!(whole.len(), merged.len());
    for ((n1, b1), (n2, b2)) in whole.iter().zip(&merged) {
        assert_eq!(n1, n2);
        assert!(
            b1 == b2,
            "{n1} differs between the unsharded run and the merge"
        );
    }
    // The shards really split the work: 12 + 1 runs, 7 and 6.
    let runs = |p: &str| {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(t.join(p)).unwrap()).unwrap();
        v["records"].as_array().unwrap().len()
    };
    assert_eq!(
        (
            runs("part1/shard-1-of-2.json"),
            runs("part2/shard-2-of-2.json")
        ),
        (7, 6)
    );
}

#[test]
fn merge_refuses_incomplete_or_mixed_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    write(t, "s.yaml", TWO_REGIONS);
    ok(
        t,
        &[
            "run",
            "s.yaml",
            "-o",
            "a",
            "--shard",
            "1/2",
            "--quiet",
            "--replications",
            "2",
        ],
    );
    let o = regionsim(t, &["merge", "a", "-o", "m"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("missing [2]"), "{err}");
    ok(
        t,
        &[
            "run",
            "s.yaml",
            "-o",
            "b",
            "--shard",
            "2/2",
            "--quiet",
            "--replications",
            "3",
        ],
    );
    let o = regionsim(t, &["merge", "a", "b", "-o", "m"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("different invocations"), "{err}");
    let o = regionsim(t, &["check", "s.yaml", "--shard", "1/2"]);
    assert_eq!(o.status.code(), Some(2));
    let o = regionsim(t, &["run", "s.yaml", "--shard", "3/2"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn merge_check_exits_1_on_a_failed_slo() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let yaml =
        format!("{TWO_REGIONS}slo:\n  - {{metric: clients.b.write_latency.max_ms, max: 70ms}}\n");
    write(t, "s.yaml", &yaml);
    ok(
        t,
        &["run", "s.yaml", "-o", "p", "--shard", "1/1", "--quiet"],
    );
    let o = regionsim(t, &["merge", "p", "-o", "m", "--check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("FAIL two-regions"));
}

/// Every shipped scenario (failures, incidents, failovers, sweeps, random
/// failures), run as three shards and merged, gives the reports of one
/// unsharded run byte for byte: a large study can be spread over machines.
#[test]
fn three_shards_of_every_shipped_scenario_merge_to_the_unsharded_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let dir = shipped_scenarios();
    let d = dir.to_str().unwrap();
    for i in 1..=3 {
        let shard = format!("{i}/3");
        ok(
            t,
            &[
                "run",
                d,
                "-o",
                "shards",
                "--shard",
                &shard,
                "-j",
                "2",
                "--quiet",
                "--no-charts",
            ],
        );
    }
    ok(
        t,
        &["merge", "shards", "-o", "merged", "--quiet", "--no-charts"],
    );
    let wanted = |n: &str| {
        n.ends_with("/summary.json") || n.ends_with("/timeline.csv") || n.ends_with("/junit.xml")
    };
    let whole: Vec<_> = tree(shipped_report())
        .into_iter()
        .filter(|(n, _)| wanted(n))
        .collect();
    let merged: Vec<_> = tree(&t.join("merged"))
        .into_iter()
        .filter(|(n, _)| wanted(n))
        .collect();
    let scenarios = std::fs::read_dir(&dir).unwrap().count();
    assert!(whole.len() >= 2 * scenarios, "{} files", whole.len());
    let names = |v: &[(String, Vec<u8>)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&whole), names(&merged));
    for ((n, b1), (_, b2)) in whole.iter().zip(&merged) {
        assert!(
            b1 == b2,
            "{n} differs between the unsharded run and the merge"
        );
    }
}
