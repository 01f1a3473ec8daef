//! The commands of the command line, as library functions; `main.rs` only
//! parses arguments and maps errors to exit codes.

use crate::error::{Error, Result};
use crate::report;
use crate::runner::shard::{self, Input, Shard, ShardFile};
use crate::runner::{self, RunKey, RunRecord};
use crate::scenario::{self, Plan, Set};
use serde_json::Value;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

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
    /// `--set` overrides (and `--seed`, `--replications` as sets).
    pub sets: Vec<Set>,
    /// Worker threads (all cores when `None`).
    pub threads: Option<usize>,
    /// Stdout format.
    pub format: Format,
    /// Print nothing on success, show no progress.
    pub quiet: bool,
    /// Run only this share of the runs and write a shard file.
    pub shard: Option<Shard>,
    /// Skip charts (and their place in index.html).
    pub no_charts: bool,
}

/// Loads every scenario under `paths` with `sets` applied, collecting the
/// errors of all files.
pub fn load_plans(paths: &[PathBuf], sets: &[Set]) -> Result<Vec<Plan>> {
    let files = scenario::discover(paths)?;
    if files.is_empty() {
        return Err(Error::NoScenarios {
            path: paths.first().cloned().unwrap_or_default(),
        });
    }
    let mut plans = Vec::new();
    let mut problems = Vec::new();
    for f in &files {
        match scenario::load_plan(f, sets) {
            Ok(p) => plans.push(p),
            Err(Error::Invalid(d)) => problems.extend(d),
            Err(e) => return Err(e),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    check_unique_names(&plans)?;
    Ok(plans)
}

fn check_unique_names(plans: &[Plan]) -> Result<()> {
    let mut names: Vec<(&str, &Path)> = Vec::new();
    for p in plans {
        let name = p.base().name.as_str();
        if let Some((_, other)) = names.iter().find(|(n, _)| *n == name) {
            return Err(Error::Usage(format!(
                "{} and {} are both named `{name}`; names must differ (each names an output folder)",
                other.display(),
                p.source.display(),
            )));
        }
        names.push((name, &p.source));
    }
    Ok(())
}

/// Shows progress on stderr: a bar on a terminal, a line per tenth of the
/// runs otherwise, nothing when quiet. Reads the wall clock, which never
/// reaches a result.
struct Progress {
    total: AtomicU64,
    done: AtomicU64,
    events: AtomicU64,
    start: std::time::Instant,
    bar: Option<indicatif::ProgressBar>,
    plain: Option<Mutex<u64>>,
}

impl Progress {
    fn new(total: u64, quiet: bool) -> Progress {
        let tty = std::io::stderr().is_terminal();
        let bar = (!quiet && tty).then(|| {
            let bar = indicatif::ProgressBar::new(total);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} runs, {msg}, ETA {eta}",
                )
                .expect("valid template"),
            );
            bar
        });
        Progress {
            total: AtomicU64::new(total),
            done: AtomicU64::new(0),
            events: AtomicU64::new(0),
            start: std::time::Instant::now(),
            bar,
            plain: (!quiet && !tty).then(|| Mutex::new(0)),
        }
    }

    fn tick(&self, events: u64) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let events = self.events.fetch_add(events, Ordering::Relaxed) + events;
        let rate = events as f64 / self.start.elapsed().as_secs_f64().max(1e-9);
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{:.1} M events/s", rate / 1e6));
            bar.inc(1);
        }
        if let Some(shown) = &self.plain {
            let total = self.total.load(Ordering::Relaxed);
            let tenth = done * 10 / total.max(1);
            let mut shown = shown.lock().expect("progress lock");
            if tenth > *shown || done == total {
                *shown = tenth;
                eprintln!(
                    "regionsim: {done}/{total} runs done, {:.1} M events/s",
                    rate / 1e6
                );
            }
        }
    }

    /// More runs were added (a precision round).
    fn grow(&self, n: u64) {
        let total = self.total.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(bar) = &self.bar {
            bar.set_length(total);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Runs `keys` of `plans` with progress.
fn execute(
    plans: &[Plan],
    keys: &[RunKey],
    threads: Option<usize>,
    quiet: bool,
) -> Result<Vec<RunRecord>> {
    let pool = runner::pool(threads)?;
    let progress = Progress::new(keys.len() as u64, quiet);
    let records = runner::execute(plans, keys, &pool, &|e| progress.tick(e));
    progress.finish();
    Ok(records)
}

/// Runs every run of `plans`, with further rounds for precision targets.
fn execute_all(plans: &[Plan], threads: Option<usize>, quiet: bool) -> Result<Vec<RunRecord>> {
    let pool = runner::pool(threads)?;
    let progress = Progress::new(runner::all_keys(plans).len() as u64, quiet);
    let records = runner::run_rounds(plans, &pool, &|e| progress.tick(e), &|n| progress.grow(n));
    progress.finish();
    Ok(records)
}

/// The summaries of `plans` from all their records.
pub fn summaries(plans: &[Plan], records: &[RunRecord]) -> Vec<Value> {
    plans
        .iter()
        .enumerate()
        .map(|(i, plan)| {
            let mine: Vec<&RunRecord> = records
                .iter()
                .filter(|r| r.key.plan as usize == i)
                .collect();
            report::summary(plan, &mine)
        })
        .collect()
}

/// Writes every report and prints them as asked.
fn publish(opts: &RunOptions, summaries: &[Value], out: &mut dyn Write) -> Result<()> {
    for s in summaries {
        report::write_scenario(&opts.output, s)?;
    }
    report::write_index(&opts.output, summaries)?;
    let charts = if opts.no_charts {
        (vec![Vec::new(); summaries.len()], None)
    } else {
        report::write_charts(&opts.output, summaries)?
    };
    report::write_atomic(
        &opts.output.join("index.html"),
        report::html::index(summaries, &charts.0, charts.1.as_ref()).as_bytes(),
    )?;
    match opts.format {
        Format::Json => {
            let _ = out.write_all(report::json_text(&Value::Array(summaries.to_vec())).as_bytes());
        }
        Format::Table if !opts.quiet => {
            let tables: Vec<String> = summaries
                .iter()
                .map(|s| report::table(s) + &report::slo::verdict_lines(s))
                .collect();
            let _ = write!(out, "{}", tables.join("\n"));
            let _ = writeln!(out, "\nreports written under {}", opts.output.display());
        }
        Format::Table => {}
    }
    Ok(())
}

/// `regionsim run`: simulate, write reports, print a summary. With a
/// shard, run only its share and write `OUTPUT/shard-I-of-N.json` for
/// `merge`; the summaries returned are then empty.
pub fn run(opts: &RunOptions, out: &mut dyn Write) -> Result<Vec<Value>> {
    let plans = load_plans(&opts.paths, &opts.sets)?;
    let all = runner::all_keys(&plans);
    let Some(shard) = opts.shard else {
        let records = execute_all(&plans, opts.threads, opts.quiet)?;
        return finish(&plans, &records, opts, out);
    };
    if let Some(p) = plans
        .iter()
        .find(|p| p.points.iter().any(|q| q.scenario.precision.is_some()))
    {
        return Err(Error::Usage(format!(
            "{}: a precision target decides how many runs to add from all runs of a point, so it cannot be sharded; set `replications` instead of `precision`, or run unsharded",
            p.source.display()
        )));
    }
    let keys = shard.select(&all);
    let records = execute(&plans, &keys, opts.threads, opts.quiet)?;
    let file = ShardFile {
        format: shard::FORMAT.into(),
        shard: shard.index,
        of: shard.count,
        inputs: plans
            .iter()
            .map(|p| Input {
                path: p.source.clone(),
                text: p.text.clone(),
            })
            .collect(),
        sets: opts.sets.iter().map(Set::display).collect(),
        records,
    };
    let path = shard::write(&opts.output, &file)?;
    if !opts.quiet {
        let _ = writeln!(
            out,
            "shard {}/{}: {} of {} runs written to {}; combine all shards with `regionsim merge`",
            shard.index,
            shard.count,
            keys.len(),
            all.len(),
            path.display()
        );
    }
    Ok(Vec::new())
}

/// Summaries of complete records, written and printed as `opts` says.
fn finish(
    plans: &[Plan],
    records: &[RunRecord],
    opts: &RunOptions,
    out: &mut dyn Write,
) -> Result<Vec<Value>> {
    let summaries = summaries(plans, records);
    publish(opts, &summaries, out)?;
    Ok(summaries)
}

/// `regionsim merge`: combine shard files (from `opts.paths`) into the
/// reports one unsharded `run` would have written, byte for byte.
pub fn merge(opts: &RunOptions, out: &mut dyn Write) -> Result<Vec<Value>> {
    let (inputs, sets, records) = shard::read_all(&opts.paths)?;
    let sets: Vec<Set> = sets
        .iter()
        .map(|s| Set::parse(s).map_err(Error::Usage))
        .collect::<Result<_>>()?;
    let mut plans = Vec::new();
    for input in &inputs {
        plans.push(scenario::plan_from_str(&input.text, &input.path, &sets)?);
    }
    check_unique_names(&plans)?;
    let keys: Vec<RunKey> = records.iter().map(|r| r.key).collect();
    if keys != runner::all_keys(&plans) {
        return Err(Error::Usage(
            "the shard files do not hold exactly the runs of their scenarios (written by another regionsim version?)".into(),
        ));
    }
    finish(&plans, &records, opts, out)
}

/// `regionsim check`: [`run`], then judge every SLO. Prints one line per
/// SLO; returns whether all passed.
pub fn check(opts: &RunOptions, out: &mut dyn Write) -> Result<bool> {
    if opts.shard.is_some() {
        return Err(Error::Usage(
            "check judges SLOs on all runs: run the shards with `run --shard`, then `merge --check`".into(),
        ));
    }
    let quiet_run = RunOptions {
        quiet: true,
        ..opts.clone()
    };
    let summaries = run(&quiet_run, &mut std::io::sink())?;
    Ok(report_verdicts(&summaries, opts, out))
}

/// Prints the SLO verdicts of `summaries`; true when all passed.
pub fn report_verdicts(summaries: &[Value], opts: &RunOptions, out: &mut dyn Write) -> bool {
    let (mut pass, mut fail) = (0, 0);
    for s in summaries {
        let (p, f) = report::slo::counts(s);
        pass += p;
        fail += f;
    }
    match opts.format {
        Format::Json => {
            let _ = out.write_all(report::json_text(&Value::Array(summaries.to_vec())).as_bytes());
        }
        Format::Table => {
            for s in summaries {
                let _ = write!(out, "{}", report::slo::verdict_lines(s));
            }
            let _ = writeln!(
                out,
                "{pass} SLO{} passed, {fail} failed; JUnit XML and Markdown under {}",
                if pass == 1 { "" } else { "s" },
                opts.output.display()
            );
        }
    }
    fail == 0
}

/// `regionsim validate`: load and lint; prints one line per scenario and
/// its warnings.
pub fn validate(paths: &[PathBuf], sets: &[Set], out: &mut dyn Write) -> Result<()> {
    for p in load_plans(paths, sets)? {
        let s = p.base();
        let _ = writeln!(
            out,
            "{}: ok: scenario `{}`, {} regions, {} datasets, {} client loads, {} point{} x {} replication{}",
            p.source.display(),
            s.name,
            s.regions.len(),
            s.datasets.len(),
            s.workload.len(),
            p.points.len(),
            if p.points.len() == 1 { "" } else { "s" },
            s.replications,
            if s.replications == 1 { "" } else { "s" },
        );
        for w in &s.warnings {
            let _ = writeln!(out, "  warning: {w}");
        }
    }
    Ok(())
}

/// `regionsim bench`: run replication 0 of one scenario on one thread and
/// report events per wall-clock second and peak memory; with `parallel`,
/// also time every run of the file (all sweep points and replications) on
/// one and on two threads.
pub fn bench(
    path: &Path,
    sets: &[Set],
    parallel: bool,
    out: &mut dyn Write,
) -> Result<runner::BenchReport> {
    let plan = scenario::load_plan(path, sets)?;
    let s = plan.base();
    let r = runner::bench(s);
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
    if parallel {
        let plans = [plan];
        let keys = runner::all_keys(&plans);
        let one = runner::time_runs(&plans, &keys, 1)?;
        let two = runner::time_runs(&plans, &keys, 2)?;
        let _ = writeln!(
            out,
            "all {} runs: {one:.3} s on 1 thread, {two:.3} s on 2 threads: ratio {:.2} (speed-up {:.2}x)",
            keys.len(),
            two / one,
            one / two
        );
    }
    Ok(r)
}
