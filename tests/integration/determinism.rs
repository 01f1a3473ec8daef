//! Same inputs, same bytes: whatever the thread count, across invocations,
//! and independent of components that were added elsewhere.

use crate::common::{
    fig, regionsim, shipped_report, shipped_scenarios, summary, tree, write, TWO_REGIONS,
};
use std::path::Path;

fn read(dir: &Path, scenario: &str, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(scenario).join(file))
        .unwrap_or_else(|e| panic!("{scenario}/{file}: {e}"))
}

#[test]
fn thread_count_and_invocation_do_not_change_output() {
    let tmp = tempfile::tempdir().unwrap();
    let yaml = TWO_REGIONS.replace("seed: 3", "seed: 3\nreplications: 4");
    let file = write(tmp.path(), "two.yaml", &yaml);
    let f = file.to_str().unwrap();
    let mut outputs = Vec::new();
    for (out, threads) in [("o1", "1"), ("o2", "2"), ("o3", "2")] {
        let o = regionsim(tmp.path(), &["run", f, "-o", out, "-j", threads, "--quiet"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        outputs.push((
            read(&tmp.path().join(out), "two-regions", "summary.json"),
            read(&tmp.path().join(out), "two-regions", "timeline.csv"),
        ));
    }
    assert_eq!(outputs[0], outputs[1], "-j 1 and -j 2 differ");
    assert_eq!(outputs[1], outputs[2], "two invocations differ");
    // Four replications really are four different runs.
    let s: serde_json::Value = serde_json::from_slice(&outputs[0].0).unwrap();
    let runs = s["points"][0]["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 4);
    assert_ne!(runs[0], runs[1]);
}

/// Every file of the output (reports, charts, index.html), byte for byte.
#[test]
fn shipped_scenarios_are_identical_on_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = shipped_scenarios();
    let d = dir.to_str().unwrap();
    let o = regionsim(tmp.path(), &["run", d, "-o", "o1", "-j", "1", "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The same command with `-j 2`, shared with the chart tests.
    let (one, two) = (tree(&tmp.path().join("o1")), tree(shipped_report()));
    assert!(one.len() > 60, "{} files", one.len());
    assert_eq!(one.len(), two.len());
    for ((n1, b1), (n2, b2)) in one.iter().zip(&two) {
        assert_eq!(n1, n2);
        assert!(b1 == b2, "{n1} differs between -j 1 and -j 2");
    }
}

#[test]
fn seed_override_changes_results() {
    let stale = |s: &serde_json::Value| fig(s, "clients.b.stale_reads.0ms.count");
    let a = summary(TWO_REGIONS);
    let b = summary(&TWO_REGIONS.replace("seed: 3", "seed: 4"));
    assert_ne!(stale(&a), stale(&b));
}

/// Each component draws from its own stream: a new client region that only
/// reads from the primary leaves everyone else's figures untouched.
#[test]
fn adding_a_region_does_not_perturb_the_others() {
    let base = summary(TWO_REGIONS);
    let more = TWO_REGIONS
        .replace(
            "  - {name: b, jurisdiction: EU}",
            "  - {name: b, jurisdiction: EU}\n  - {name: c, jurisdiction: JP}",
        )
        .replace(
            "      delay: 38ms",
            "      delay: 38ms\n    - between: [a, c]\n      delay: 70ms\n    - between: [b, c]\n      delay: 110ms",
        )
        .replace(
            "workload:",
            "workload:\n  - region: c\n    rates:\n      users: {reads_per_s: 300}",
        );
    let with_c = summary(&more);
    assert!(fig(&with_c, "clients.c.read_latency.count") > 1000.0);
    for region in ["a", "b"] {
        let part = |s: &serde_json::Value| json(&s["points"][0]["runs"][0]["clients"][region]);
        assert_eq!(part(&base), part(&with_c), "client region {region} changed");
    }
    let users = |s: &serde_json::Value| json(&s["points"][0]["runs"][0]["datasets"]["users"]);
    assert_eq!(users(&base), users(&with_c));
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap()
}

/// What the shipped scenarios report is pinned: each `summary.json` and
/// `timeline.csv` of `run scenarios` has the digest committed in
/// `tests/reference/shipped.digests`. A change of the model that moves a
/// figure shows here, file by file; when the change is meant, rewrite the
/// digests with `REGIONSIM_BLESS=1 cargo test shipped_figures` and say in
/// the commit which figures moved and why. Refactors keep every digest.
#[test]
fn shipped_figures_match_the_committed_digests() {
    let reference = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/shipped.digests");
    let mut lines = Vec::new();
    for (name, bytes) in tree(shipped_report()) {
        if name.ends_with("/summary.json") || name.ends_with("/timeline.csv") {
            lines.push(format!("{:016x} {:>9} {name}", fnv1a(&bytes), bytes.len()));
        }
    }
    assert!(lines.len() >= 30, "{} files", lines.len());
    let now = lines.join("\n") + "\n";
    if std::env::var_os("REGIONSIM_BLESS").is_some() {
        std::fs::create_dir_all(reference.parent().unwrap()).unwrap();
        std::fs::write(&reference, &now).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&reference).unwrap_or_default();
    let moved: Vec<String> = {
        let old: std::collections::BTreeSet<&str> = committed.lines().collect();
        let new: std::collections::BTreeSet<&str> = now.lines().collect();
        let path = |l: &str| l.rsplit(' ').next().unwrap_or("").to_string();
        let mut files: Vec<String> = old.symmetric_difference(&new).map(|l| path(l)).collect();
        files.sort();
        files.dedup();
        files
    };
    assert!(
        moved.is_empty(),
        "the shipped scenarios' figures moved in {} file(s): {}\n\
         if that is meant, run `REGIONSIM_BLESS=1 cargo test shipped_figures` and say why in the commit",
        moved.len(),
        moved.join(", ")
    );
}

/// FNV-1a, 64 bits: enough to tell two reports apart (nothing adversarial).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
