//! Reports: `NAME/summary.json`, `NAME/timeline.csv` and the terminal table.
//!
//! Every file is written to a temporary name and renamed into place, so an
//! interrupted run never leaves a half-written report. Key order is fixed
//! (scenario order for regions, datasets and bounds) and nothing depends on
//! the wall clock, so the same inputs give byte-identical files.

mod summary;
mod table;

pub use summary::{summarize, Summary};
pub use table::table;

use crate::error::{Error, Result};
use crate::runner::ScenarioResult;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Writes `contents` to `path` via a temporary file and a rename.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, contents).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

/// The summary as pretty JSON, newline-terminated.
pub fn summary_json(summary: &Summary) -> String {
    let mut s = serde_json::to_string_pretty(summary).expect("summaries always serialize");
    s.push('\n');
    s
}

/// The per-bucket time series of the pooled runs, as CSV.
pub fn timeline_csv(result: &ScenarioResult) -> String {
    let s = &result.scenario;
    let m = &result.pooled;
    let runs = result.runs.len() as f64;
    let mut out = String::from("bucket_start_s,reads_per_s,writes_per_s");
    for b in &s.staleness_bounds {
        let _ = write!(out, ",stale_share_{b}");
    }
    for ds in &s.datasets {
        for &r in &ds.replicas {
            let _ = write!(
                out,
                ",current_lag_ms_{}@{}",
                ds.name,
                s.regions[usize::from(r.0)].name
            );
        }
    }
    out.push('\n');
    let width_s = s.bucket.as_secs_f64();
    for i in 0..s.buckets() {
        let start = (s.bucket.as_nanos() * i as u64) as f64 / 1e9;
        // The last bucket may be cut short by the end of the run.
        let span = (s.duration.as_secs_f64() - start).min(width_s);
        let reads = m.timeline.reads[i];
        let _ = write!(
            out,
            "{start},{},{}",
            reads as f64 / span / runs,
            m.timeline.writes[i] as f64 / span / runs
        );
        for k in 0..s.staleness_bounds.len() {
            let share = if reads == 0 {
                0.0
            } else {
                m.timeline.stale(i, k) as f64 / reads as f64
            };
            let _ = write!(out, ",{share}");
        }
        for d in &m.replicas {
            for r in d {
                let _ = write!(out, ",{}", r.current_lag(i).as_millis_f64());
            }
        }
        out.push('\n');
    }
    out
}

/// Writes `NAME/summary.json` and `NAME/timeline.csv` under `dir`; returns
/// the summary.
pub fn write_scenario(dir: &Path, result: &ScenarioResult) -> Result<Summary> {
    let summary = summarize(result);
    let folder = dir.join(&result.scenario.name);
    write_atomic(
        &folder.join("summary.json"),
        summary_json(&summary).as_bytes(),
    )?;
    write_atomic(
        &folder.join("timeline.csv"),
        timeline_csv(result).as_bytes(),
    )?;
    Ok(summary)
}
