//! The command line: overrides and output formats.

use crate::common::{regionsim, write, TWO_REGIONS};

#[test]
fn json_format_and_overrides() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "s.yaml", TWO_REGIONS);
    let o = regionsim(
        tmp.path(),
        &[
            "run",
            "s.yaml",
            "--format",
            "json",
            "--seed",
            "77",
            "--replications",
            "2",
            "-o",
            "out",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    let s = &printed[0];
    assert_eq!(s["scenario"], "two-regions");
    assert_eq!(s["seed"], 77);
    assert_eq!(s["replications"], 2);
    assert_eq!(s["points"][0]["runs"].as_array().unwrap().len(), 2);
    assert_eq!(
        s["overrides"],
        serde_json::json!(["seed=77", "replications=2"])
    );
    // What is printed is what is written.
    let written: serde_json::Value = serde_json::from_slice(
        &std::fs::read(tmp.path().join("out/two-regions/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(&written, s);
    let csv = std::fs::read_to_string(tmp.path().join("out/two-regions/timeline.csv")).unwrap();
    assert!(csv.starts_with("point,bucket_start_s,reads_per_s,writes_per_s,reads_per_s@b,stale_share_0ms@b,stale_share_50ms@b,current_lag_ms_users@b\nbase,0,"), "{csv}");
    // 60 s in buckets of 1 s (the default for a 60 s run).
    assert_eq!(csv.lines().count(), 61);
}

#[test]
fn table_names_each_region_and_replica() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "s.yaml", TWO_REGIONS);
    let o = regionsim(tmp.path(), &["run", "s.yaml", "-o", "out"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    assert!(out.contains("== two-regions =="), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("b ") && l.contains("78.0ms")),
        "{out}"
    );
    assert!(out.contains("users@b (from a)"), "{out}");
    let quiet = regionsim(tmp.path(), &["run", "s.yaml", "-o", "out", "--quiet"]);
    assert!(quiet.status.success() && quiet.stdout.is_empty());
}
