//! The commands of the command line, as library functions; `main.rs` only
//! parses arguments and maps errors to exit codes.

use crate::error::{Error, Result};
use crate::report::{self, Summary};
use crate::runner::{self, Overrides};
use crate::scenario::{self, Scenario};
use std::io::Write;
use std::path::{Path, PathBuf};

/// How `run` prints its results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// A readable table per scenario.
    #[default]
    Table,
    /// The summaries as one JSON array.
    Json,
}

/// Options of `regionsim run`.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Scenario files or folders.
    pub paths: Vec<PathBuf>,
    /// Output folder.
    pub output: PathBuf,
    /// Command-line overrides.
    pub overrides: Overrides,
    /// Worker threads (all cores when `None`).
    pub threads: Option<usize>,
    /// Stdout format.
    pub format: Format,
    /// Print nothing on success.
    pub quiet: bool,
}

/// Loads every scenario under `paths`, collecting the errors of all files.
pub fn load_all(paths: &[PathBuf]) -> Result<Vec<Scenario>> {
    let files = scenario::discover(paths)?;
    if files.is_empty() {
        return Err(Error::NoScenarios {
            path: paths.first().cloned().unwrap_or_default(),
        });
    }
    let mut scenarios = Vec::new();
    let mut problems = Vec::new();
    for f in &files {
        match scenario::load(f) {
            Ok(s) => scenarios.push(s),
            Err(Error::Invalid(d)) => problems.extend(d),
            Err(e) => return Err(e),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let mut names: Vec<(&str, &Path)> = Vec::new();
    for s in &scenarios {
        if let Some((_, other)) = names.iter().find(|(n, _)| *n == s.name) {
            return Err(Error::Usage(format!(
                "{} and {} are both named `{}`; names must differ (each names an output folder)",
                other.display(),
                s.source.display(),
                s.name
            )));
        }
        names.push((&s.name, &s.source));
    }
    Ok(scenarios)
}

/// `regionsim run`: simulate, write reports, print a summary.
pub fn run(opts: &RunOptions, out: &mut dyn Write) -> Result<Vec<Summary>> {
    let mut scenarios = load_all(&opts.paths)?;
    for s in &mut scenarios {
        opts.overrides.apply(s)?;
    }
    let results = runner::run_all(scenarios, opts.threads)?;
    let mut summaries = Vec::new();
    for r in &results {
        summaries.push(report::write_scenario(&opts.output, r)?);
    }
    let printed = match opts.format {
        Format::Table => summaries
            .iter()
            .map(report::table)
            .collect::<Vec<_>>()
            .join("\n"),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&summaries).expect("serializable");
            s.push('\n');
            s
        }
    };
    if !opts.quiet || opts.format == Format::Json {
        let _ = out.write_all(printed.as_bytes());
        if opts.format == Format::Table {
            let _ = writeln!(out, "\nreports written under {}", opts.output.display());
        }
    }
    Ok(summaries)
}

/// `regionsim validate`: load and lint; prints one line per scenario and
/// its warnings.
pub fn validate(paths: &[PathBuf], out: &mut dyn Write) -> Result<()> {
    for s in load_all(paths)? {
        let _ = writeln!(
            out,
            "{}: ok: scenario `{}`, {} regions, {} datasets, {} client loads",
            s.source.display(),
            s.name,
            s.regions.len(),
            s.datasets.len(),
            s.workload.len()
        );
        for w in &s.warnings {
            let _ = writeln!(out, "  warning: {w}");
        }
    }
    Ok(())
}

/// `regionsim bench`: run replication 0 of one scenario on one thread and
/// report events per wall-clock second and peak memory.
pub fn bench(
    path: &Path,
    overrides: &Overrides,
    out: &mut dyn Write,
) -> Result<runner::BenchReport> {
    let mut s = scenario::load(path)?;
    overrides.apply(&mut s)?;
    let r = runner::bench(&s);
    let _ = writeln!(
        out,
        "{}: {} simulated ({}s measured + {}s warm-up), {} events in {:.3} s wall: {:.2} M events/s on one thread; peak RSS {}",
        s.name,
        s.duration + s.warmup,
        s.duration.as_secs_f64(),
        s.warmup.as_secs_f64(),
        r.events,
        r.wall_s,
        r.events_per_s() / 1e6,
        r.peak_rss_kib
            .map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
            .unwrap_or_else(|| "unknown".into())
    );
    Ok(r)
}
