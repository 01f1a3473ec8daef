//! Replays every input of tests/regressions/: each once crashed, hung or
//! exhausted regionsim, and must now exit 0, 1 or 2 within 10 s and 2 GiB.

use crate::common::{regionsim_limited, TWO_GIB};
use std::path::Path;

#[test]
fn every_regression_input_exits_0_1_or_2() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let tmp = tempfile::tempdir().unwrap();
    let mut replayed = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let file = path.to_str().unwrap();
        let runs: Vec<Vec<&str>> = match path.extension().and_then(|e| e.to_str()) {
            Some("yaml") => vec![
                vec!["validate", file],
                vec![
                    "run",
                    file,
                    "-q",
                    "-o",
                    "out",
                    "--max-events",
                    "5e6",
                    "--max-memory",
                    "1GiB",
                ],
            ],
            Some("json") => vec![vec!["merge", file, "-q", "-o", "merged"]],
            _ => continue,
        };
        for args in runs {
            let o = regionsim_limited(tmp.path(), &args, 10.0, TWO_GIB);
            assert!(
                matches!(o.code, Some(0..=2)) && !o.timed_out,
                "{args:?}: exit {:?} after {:.1} s: {}",
                o.code,
                o.secs,
                o.stderr
            );
            replayed += 1;
        }
    }
    assert!(replayed >= 5, "only {replayed} regression runs");
}
