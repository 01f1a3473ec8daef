//! The commands of the command line, as library functions; `main.rs` only
//! parses arguments and maps errors to exit codes.

use crate::console::{eprint_line, print};
use crate::error::{Error, Result};
use crate::report::{self, output::Output};
use crate::runner::cost::{self, show_bytes, show_count, show_seconds, Cost};
use crate::runner::shard::{self, Input, Shard, ShardFile};
use crate::runner::{self, Control, RunKey, RunRecord};
use crate::scenario::{self, Plan, Set};
use serde_json::Value;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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
    /// Refuse (and stop) runs above this many simulated events.
    pub max_events: Option<u64>,
    /// Refuse runs whose estimated peak memory is above this many bytes
    /// (default: the memory available on this machine).
    pub max_memory: Option<u64>,
}

/// An estimate above this wall time is worth a warning before it starts.
const WARN_WALL_S: f64 = 300.0;

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
        match scenario::load_plan(f, sets, crate::metrics::figure_shape) {
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

/// Scenario names name output folders: they must differ, in any letter
/// case (some file systems ignore it).
fn check_unique_names(plans: &[Plan]) -> Result<()> {
    let mut names: Vec<(String, &Path)> = Vec::new();
    for p in plans {
        let name = p.base().name.to_ascii_lowercase();
        if let Some((_, other)) = names.iter().find(|(n, _)| *n == name) {
            return Err(Error::Usage(format!(
                "{} and {} are both named `{}`; names must differ, in any letter case (each names an output folder)",
                other.display(),
                p.source.display(),
                p.base().name,
            )));
        }
        names.push((name, &p.source));
    }
    Ok(())
}

/// The cost of `plans`, checked against the limits of `opts`; prints the
/// estimate (and a warning when it is long) unless quiet.
fn preflight(plans: &[Plan], opts: &RunOptions, keys: usize) -> Result<Cost> {
    let rate = (!opts.quiet).then(cost::machine_rate);
    let mut c = cost::estimate(plans, opts.threads, rate);
    if keys as u64 != c.runs {
        // A shard runs a share of the runs.
        let share = keys as f64 / c.runs.max(1) as f64;
        c.events *= share;
        c.wall_s = c.wall_s.map(|w| w * share);
        c.runs = keys as u64;
    }
    check_cost(&c, opts.max_events, opts.max_memory)?;
    if !opts.quiet {
        eprint_line(&format!("regionsim: {}", describe(&c)));
        if c.wall_s.is_some_and(|w| w > WARN_WALL_S) {
            eprint_line(&format!(
                "warning: this is about {} of simulation on this machine; an interrupted run leaves the previous report as it was, and --max-events refuses runs this large",
                show_seconds(c.wall_s.unwrap_or_default())
            ));
        }
    }
    Ok(c)
}

/// What stops runs: --max-events, --max-memory (else the memory this
/// process may use), and, unless quiet, a word on stderr once they pass
/// ten times `estimate`.
fn control(opts: &RunOptions, estimate: &Cost) -> Control {
    let c = Control::new(opts.max_events)
        .with_memory_limit(opts.max_memory.or_else(cost::available_memory));
    if opts.quiet {
        c
    } else {
        c.with_estimate(estimate.events)
    }
}

/// `8 runs, about 51.2 M events, peak memory about 120 MiB, about 6.1 s on 2 threads`.
fn describe(c: &Cost) -> String {
    format!(
        "{} {}, about {} events, peak memory about {}{}",
        c.runs,
        plural(c.runs as usize, "run", "runs"),
        show_count(c.events),
        show_bytes(c.peak_bytes),
        match c.wall_s {
            Some(w) => format!(
                ", about {} on {} {} of this machine",
                show_seconds(w),
                c.threads,
                plural(c.threads, "thread", "threads")
            ),
            None => String::new(),
        }
    )
}

fn check_cost(c: &Cost, max_events: Option<u64>, max_memory: Option<u64>) -> Result<()> {
    if let Some(max) = max_events {
        if c.events > max as f64 {
            return Err(Error::Usage(format!(
                "the runs would simulate about {} events, above --max-events {}; shorten `duration`, lower the rates or the replications, or raise the limit",
                show_count(c.events),
                show_count(max as f64)
            )));
        }
    }
    let (limit, source) = match max_memory {
        Some(m) => (Some(m), "--max-memory"),
        None => (
            cost::available_memory(),
            "the memory this machine has available",
        ),
    };
    if let Some(limit) = limit {
        if c.peak_bytes > limit as f64 {
            return Err(Error::Usage(format!(
                "the runs would need about {} of memory at their peak ({} {} on {} {}), above {} ({source}); use fewer keys, replicas, replications or threads (-j), or raise --max-memory",
                show_bytes(c.peak_bytes),
                c.runs,
                plural(c.runs as usize, "run", "runs"),
                c.threads,
                plural(c.threads, "thread", "threads"),
                show_bytes(limit as f64),
            )));
        }
    }
    Ok(())
}

/// Shows progress on stderr while runs go on: a bar updated five times a
/// second on a terminal, a line every ten seconds otherwise, nothing when
/// quiet. Reads the wall clock, which never reaches a result.
fn with_progress<T>(
    control: &Control,
    estimated_events: f64,
    runs: u64,
    quiet: bool,
    work: impl FnOnce(&dyn Fn(u64)) -> T,
) -> T {
    // Dropping the sender wakes the reporter at once when the work is done.
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let extra_runs = AtomicU64::new(0);
    let start = std::time::Instant::now();
    let status = &|now: f64| {
        let events = control.events() as f64;
        let rate = events / now.max(1e-9);
        let total_runs = runs + extra_runs.load(Ordering::Relaxed);
        let estimate = estimated_events * total_runs as f64 / runs.max(1) as f64;
        let eta = if events < estimate && rate > 0.0 {
            show_seconds((estimate - events) / rate)
        } else {
            "unknown (past the estimate)".to_string()
        };
        (events, rate, total_runs, eta, estimate)
    };
    std::thread::scope(|scope| {
        if !quiet {
            scope.spawn(move || {
                let tty = std::io::stderr().is_terminal();
                let bar = tty.then(|| {
                    let bar = indicatif::ProgressBar::new(estimated_events.max(1.0) as u64);
                    bar.set_style(
                        indicatif::ProgressStyle::with_template("{bar:30} {percent:>3}% {msg}")
                            .expect("valid template"),
                    );
                    bar
                });
                let mut last_line = 0.0;
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    finished.recv_timeout(std::time::Duration::from_millis(200))
                {
                    let now = start.elapsed().as_secs_f64();
                    let (events, rate, total_runs, eta, estimate) = status(now);
                    let line = format!(
                        "{}/{total_runs} runs, {} of about {} events, {:.1} M events/s, ETA {eta}",
                        control.runs(),
                        show_count(events),
                        show_count(estimate),
                        rate / 1e6
                    );
                    match &bar {
                        Some(bar) => {
                            bar.set_length(estimate.max(events).max(1.0) as u64);
                            bar.set_position(events as u64);
                            bar.set_message(line);
                        }
                        None if now - last_line >= 10.0 => {
                            last_line = now;
                            eprint_line(&format!("regionsim: {line}"));
                        }
                        None => {}
                    }
                }
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                }
            });
        }
        let grow = |n: u64| {
            extra_runs.fetch_add(n, Ordering::Relaxed);
        };
        let result = work(&grow);
        drop(done);
        if !quiet {
            let now = start.elapsed().as_secs_f64();
            let (events, rate, ..) = status(now);
            let peak = runner::peak_rss_kib()
                .map(|k| format!(", peak memory {}", show_bytes(k as f64 * 1024.0)))
                .unwrap_or_default();
            let runs = control.runs();
            eprint_line(&format!(
                "regionsim: {runs} {}, {} events in {} ({:.1} M events/s){peak}",
                plural(runs as usize, "run", "runs"),
                show_count(events),
                show_seconds(now),
                rate / 1e6
            ));
        }
        result
    })
}

/// The summaries of `plans` from all their records, which they take: each
/// run's figures move into its summary.
pub fn summaries(plans: &[Plan], records: Vec<RunRecord>) -> Vec<Value> {
    let mut by_plan: Vec<Vec<RunRecord>> = vec![Vec::new(); plans.len()];
    for r in records {
        by_plan[r.key.plan as usize].push(r);
    }
    plans
        .iter()
        .zip(by_plan)
        .map(|(plan, mine)| report::summary_owned(plan, mine))
        .collect()
}

/// Writes every report into `output`'s new folder.
fn write_reports(opts: &RunOptions, summaries: &mut [Value], dir: &Path) -> Result<()> {
    for s in summaries.iter() {
        report::write_scenario(dir, s)?;
    }
    report::write_index(dir, summaries)?;
    let charts = if opts.no_charts {
        (vec![Vec::new(); summaries.len()], None)
    } else {
        // Charts are drawn on the `-j` threads, at most one per core.
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        runner::pool(opts.threads, cores)?.install(|| report::write_charts(dir, summaries))?
    };
    report::write_file(
        &dir.join("index.html"),
        report::html::index(summaries, &charts.0, charts.1.as_ref()).as_bytes(),
    )
}

/// Prints the summaries as `opts` asks.
fn show(opts: &RunOptions, summaries: &[Value], out: &mut dyn Write) -> Result<()> {
    match opts.format {
        Format::Json => print(out, &report::json_text(&Value::Array(summaries.to_vec()))),
        Format::Table if !opts.quiet => {
            let tables: Vec<String> = summaries
                .iter()
                .map(|s| report::table(s) + &report::slo::verdict_lines(s))
                .collect();
            print(
                out,
                &format!(
                    "{}\nreports written under {}\n",
                    tables.join("\n"),
                    opts.output.display()
                ),
            )
        }
        Format::Table => Ok(()),
    }
}

/// `regionsim run`: simulate, write reports, print a summary. With a
/// shard, run only its share and write `OUTPUT/shard-I-of-N.json` for
/// `merge`; the summaries returned are then empty.
pub fn run(opts: &RunOptions, out: &mut dyn Write) -> Result<Vec<Value>> {
    let plans = load_plans(&opts.paths, &opts.sets)?;
    let Some(shard) = opts.shard else {
        let summaries = simulate(&plans, opts)?;
        show(opts, &summaries, out)?;
        return Ok(summaries);
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
    runner::check_threads(opts.threads)?;
    let all = runner::all_keys(&plans);
    let keys = shard.select(&all);
    let estimate = preflight(&plans, opts, keys.len())?;
    let pool = runner::pool(opts.threads, keys.len())?;
    let control = control(opts, &estimate);
    let records = with_progress(&control, estimate.events, estimate.runs, opts.quiet, |_| {
        runner::execute(&plans, &keys, &pool, &control)
    })?;
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
        print(
            out,
            &format!(
                "shard {}/{}: {} of {} runs written to {}; combine all shards with `regionsim merge`\n",
                shard.index,
                shard.count,
                keys.len(),
                all.len(),
                path.display()
            ),
        )?;
    }
    Ok(Vec::new())
}

/// Every run of `plans` (and precision rounds), with the estimate and
/// progress on stderr, the reports written and swapped into the output
/// folder; the summaries.
fn simulate(plans: &[Plan], opts: &RunOptions) -> Result<Vec<Value>> {
    runner::check_threads(opts.threads)?;
    let all = runner::all_keys(plans);
    let estimate = preflight(plans, opts, all.len())?;
    // Taken before the runs: a folder another regionsim is writing, or one
    // that cannot be written, is refused before hours of work.
    let output = Output::open(&opts.output)?;
    let pool = runner::pool(opts.threads, all.len())?;
    let control = control(opts, &estimate);
    let records = with_progress(
        &control,
        estimate.events,
        estimate.runs,
        opts.quiet,
        |grow| runner::run_rounds(plans, &pool, &control, grow),
    )?;
    publish(plans, records, opts, output)
}

/// Summaries of complete records, written into `output` and swapped in.
fn publish(
    plans: &[Plan],
    records: Vec<RunRecord>,
    opts: &RunOptions,
    output: Output,
) -> Result<Vec<Value>> {
    for p in plans {
        p.release_tables();
    }
    runner::release_free_memory();
    let mut summaries = summaries(plans, records);
    runner::release_free_memory();
    write_reports(opts, &mut summaries, output.dir())?;
    output.commit()?;
    Ok(summaries)
}

/// `regionsim merge`: combine shard files (from `opts.paths`) into the
/// reports one unsharded `run` would have written, byte for byte.
pub fn merge(opts: &RunOptions) -> Result<Vec<Value>> {
    let shards = shard::read_all(&opts.paths)?;
    let plans = shard_plans(&shards)?;
    let output = Output::open(&opts.output)?;
    if opts
        .paths
        .iter()
        .any(|p| std::fs::canonicalize(p).is_ok_and(|p| p == output.target()))
    {
        return Err(Error::Usage(format!(
            "{}: the shard files are in the output folder, which merge replaces whole; give -o another folder",
            opts.output.display()
        )));
    }
    publish(&plans, shards.records, opts, output)
}

/// The plans of a set of shards, rebuilt from the scenario texts and
/// overrides they carry, with every record checked against them.
pub fn shard_plans(shards: &shard::ShardSet) -> Result<Vec<Plan>> {
    let sets: Vec<Set> = shards
        .sets
        .iter()
        .map(|s| Set::parse(s).map_err(Error::Usage))
        .collect::<Result<_>>()?;
    let mut plans = Vec::new();
    for input in &shards.inputs {
        plans.push(scenario::plan_from_str(
            &input.text,
            &input.path,
            &sets,
            crate::metrics::figure_shape,
        )?);
    }
    check_unique_names(&plans)?;
    let keys: Vec<RunKey> = shards.records.iter().map(|r| r.key).collect();
    if keys != runner::all_keys(&plans) {
        return Err(Error::Usage(
            "the shard files do not hold exactly the runs of their scenarios (written by another regionsim version?)".into(),
        ));
    }
    shard::check_records(&plans, shards)?;
    Ok(plans)
}

/// `regionsim merge` without `--check`: merge, then print as `run` does.
pub fn merge_and_show(opts: &RunOptions, out: &mut dyn Write) -> Result<Vec<Value>> {
    let summaries = merge(opts)?;
    show(opts, &summaries, out)?;
    Ok(summaries)
}

/// `regionsim figures`: every figure a run of the scenario at `path`
/// writes, with its unit and meaning, from the figure shape (nothing runs).
pub fn figures(path: &Path, sets: &[Set], format: Format, out: &mut dyn Write) -> Result<()> {
    let plan = scenario::load_plan(path, sets, crate::metrics::figure_shape)?;
    let shapes: Vec<Value> = plan
        .points
        .iter()
        .map(|p| crate::metrics::figure_shape(&p.scenario))
        .collect();
    let list = report::figure_list::list(&shapes);
    match format {
        Format::Table => print(out, &report::figure_list::text(&list)),
        Format::Json => print(out, &report::json_text(&report::figure_list::json(&list))),
    }
}

/// `regionsim check`: [`run`], then judge every SLO. Prints one line per
/// SLO; returns whether all passed.
pub fn check(opts: &RunOptions, out: &mut dyn Write) -> Result<bool> {
    if opts.shard.is_some() {
        return Err(Error::Usage(
            "check judges SLOs on all runs: run the shards with `run --shard`, then `merge --check`".into(),
        ));
    }
    let plans = load_plans(&opts.paths, &opts.sets)?;
    let summaries = simulate(&plans, opts)?;
    report_verdicts(&summaries, opts, out)
}

/// Prints the SLO verdicts of `summaries`; true when all passed.
pub fn report_verdicts(
    summaries: &[Value],
    opts: &RunOptions,
    out: &mut dyn Write,
) -> Result<bool> {
    let (mut pass, mut fail) = (0, 0);
    for s in summaries {
        let (p, f) = report::slo::counts(s);
        pass += p;
        fail += f;
    }
    match opts.format {
        // The verdicts, not the summaries (written beside the reports).
        Format::Json => print(out, &report::json_text(&report::slo::verdicts(summaries)))?,
        // Quiet: nothing when every SLO passed, only the failures otherwise.
        Format::Table if opts.quiet && fail == 0 => {}
        Format::Table => {
            let mut text = String::new();
            if !opts.quiet {
                for s in summaries {
                    text.push_str(&report::table(s));
                    text.push('\n');
                }
            }
            for s in summaries {
                let lines = report::slo::verdict_lines(s);
                for line in lines.lines() {
                    if !opts.quiet || line.starts_with("FAIL") {
                        text.push_str(line);
                        text.push('\n');
                    }
                }
            }
            text.push_str(&format!(
                "{pass} {} passed, {fail} failed; JUnit XML and Markdown under {}\n",
                plural(pass, "SLO", "SLOs"),
                opts.output.display()
            ));
            print(out, &text)?;
        }
    }
    Ok(fail == 0)
}

/// `regionsim validate`: load and lint; prints one line per scenario file
/// with its cost estimate, and its warnings (nothing with `quiet`). Files
/// that load are reported even when others do not; then every problem of
/// the others, and exit 2. Refuses what `run` would refuse.
pub fn validate(opts: &RunOptions, out: &mut dyn Write) -> Result<()> {
    runner::check_threads(opts.threads)?;
    let files = scenario::discover(&opts.paths)?;
    let rate = cost::machine_rate();
    let mut problems = Vec::new();
    let mut plans = Vec::new();
    let mut text = String::new();
    for f in &files {
        let plan = match scenario::load_plan(f, &opts.sets, crate::metrics::figure_shape) {
            Ok(p) => p,
            Err(Error::Invalid(d)) => {
                problems.extend(d);
                continue;
            }
            Err(e) => return Err(e),
        };
        let s = plan.base();
        let c = cost::estimate(std::slice::from_ref(&plan), opts.threads, Some(rate));
        check_cost(&c, opts.max_events, opts.max_memory)?;
        text.push_str(&format!(
            "{}: ok: scenario `{}`, {} {}, {} {}, {} {}, {} {} x {} {}; {}\n",
            plan.source.display(),
            s.name,
            s.regions.len(),
            plural(s.regions.len(), "region", "regions"),
            s.datasets.len(),
            plural(s.datasets.len(), "dataset", "datasets"),
            s.workload.len(),
            plural(s.workload.len(), "client load", "client loads"),
            plan.points.len(),
            plural(plan.points.len(), "point", "points"),
            s.replications,
            plural(s.replications as usize, "replication", "replications"),
            describe(&c),
        ));
        if c.wall_s.is_some_and(|w| w > WARN_WALL_S) {
            text.push_str(&format!(
                "  warning: about {} of simulation on this machine\n",
                show_seconds(c.wall_s.unwrap_or_default())
            ));
        }
        for w in plan.warnings() {
            text.push_str(&format!("  warning: {w}\n"));
        }
        plans.push(plan);
    }
    if !opts.quiet {
        print(out, &text)?;
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    check_unique_names(&plans)
}

/// `one` for 1, `many` otherwise.
fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// `regionsim bench`: run replication 0 of one scenario on one thread and
/// report events per wall-clock second and peak memory; with `parallel`,
/// also time every run of the file (all sweep points and replications) on
/// one and on two threads.
pub fn bench(
    path: &Path,
    sets: &[Set],
    parallel: bool,
    baseline: bool,
    out: &mut dyn Write,
) -> Result<runner::BenchReport> {
    let plan = scenario::load_plan(path, sets, crate::metrics::figure_shape)?;
    check_cost(
        &cost::estimate(std::slice::from_ref(&plan), Some(1), None),
        None,
        None,
    )?;
    let s = plan.base();
    let beyond = runner::baseline::beyond(s);
    if baseline && !beyond.is_empty() {
        return Err(Error::Usage(format!(
            "bench --baseline: the hand-written loop does not model {} ({}); it models async single-primary datasets with Poisson reads and writes, FIFO replication and one apply thread per replica",
            beyond.join(", "),
            s.name
        )));
    }
    let r = runner::bench(s);
    print(
        out,
        &format!(
            "{}: {} simulated ({}s measured + {}s warm-up), {} events in {:.3} s wall ({} CPU): {:.2} M events/s on one thread; peak RSS {}\n",
            s.name,
            s.duration + s.warmup,
            s.duration.as_secs_f64(),
            s.warmup.as_secs_f64(),
            r.events,
            r.wall_s,
            r.cpu_s
                .map(|c| format!("{c:.3} s"))
                .unwrap_or_else(|| "unknown".into()),
            r.events_per_s() / 1e6,
            r.peak_rss_kib
                .map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
                .unwrap_or_else(|| "unknown".into())
        ),
    )?;
    if baseline {
        // Both on this thread, regionsim again so that the two are timed
        // back to back (the first run above also warmed the caches).
        let start = std::time::Instant::now();
        let ours = crate::model::World::run(s, 0);
        let ours_s = start.elapsed().as_secs_f64();
        let start = std::time::Instant::now();
        let theirs = runner::baseline::run(s, 0);
        let loop_s = start.elapsed().as_secs_f64();
        let same = runner::baseline::totals_of(s, &ours) == theirs;
        if !same {
            return Err(Error::Internal(
                "the hand-written loop and regionsim counted different events, reads or lags"
                    .into(),
            ));
        }
        print(
            out,
            &format!(
                "hand-written loop: {} events in {loop_s:.3} s; regionsim {ours_s:.3} s: {:.2}x the loop's wall time (same events, reads, stale reads and lags, checked)\n",
                theirs.events,
                ours_s / loop_s
            ),
        )?;
    }
    if parallel {
        let plans = [plan];
        let keys = runner::all_keys(&plans);
        let one = runner::time_runs(&plans, &keys, 1)?;
        let two = runner::time_runs(&plans, &keys, 2)?;
        print(
            out,
            &format!(
                "all {} runs: {one:.3} s on 1 thread, {two:.3} s on 2 threads: ratio {:.2} (speed-up {:.2}x)\n",
                keys.len(),
                two / one,
                one / two
            ),
        )?;
    }
    Ok(r)
}

/// Options of `regionsim headroom`.
#[derive(Clone, Debug)]
pub struct HeadroomOptions {
    /// The scenario file.
    pub path: PathBuf,
    /// Output folder (replaced whole).
    pub output: PathBuf,
    /// `--set` overrides.
    pub sets: Vec<Set>,
    pub threads: Option<usize>,
    pub quiet: bool,
    pub format: Format,
    pub no_charts: bool,
    /// The search; `given` says which of parameter, precision and points
    /// per round the command line set (the file's `headroom:` section
    /// fills the others).
    pub spec: runner::headroom::Spec,
    pub given: (bool, bool, bool),
    pub max_events: Option<u64>,
    /// Refuse a round whose estimated peak memory is above this.
    pub max_memory: Option<u64>,
    /// Search only every N-th sweep point (the I-th of each N).
    pub shard: Option<Shard>,
}

/// `regionsim headroom`: the largest value of a parameter at which every
/// SLO holds, for the scenario (each sweep point of it), with its report
/// written under the output folder.
pub fn headroom(
    opts: &HeadroomOptions,
    out: &mut dyn Write,
) -> Result<Vec<runner::headroom::Outcome>> {
    use runner::headroom;
    let text = std::fs::read_to_string(&opts.path).map_err(|source| Error::Read {
        path: opts.path.clone(),
        source,
    })?;
    let (plan, spec, start, integer) =
        headroom::check(&text, &opts.path, &opts.sets, &opts.spec, opts.given)?;
    runner::check_threads(opts.threads)?;
    let name = plan.base().name.clone();
    let output = Output::open(&opts.output)?;
    // Every value of a round at once, each with all its replications.
    let per_round = spec.points_per_round * plan.points.len() * plan.base().replications as usize;
    let pool = runner::pool(opts.threads, per_round)?;
    let control = Control::new(opts.max_events)
        .with_memory_limit(opts.max_memory.or_else(cost::available_memory));
    let quiet = opts.quiet;
    let rate = (!quiet).then(cost::machine_rate);
    let started = std::time::Instant::now();
    let outcomes = headroom::search(
        &plan,
        &opts.sets,
        &spec,
        start,
        integer,
        &pool,
        &control,
        opts.shard,
        &mut |round, plans| {
            // Each round is estimated and held to the limits before it
            // runs, as `run` is.
            let c = cost::estimate(plans, opts.threads, rate);
            check_cost(&c, opts.max_events, opts.max_memory)?;
            if !quiet {
                eprint_line(&format!(
                    "headroom of `{}`: round {round}: {} ({:.1}s so far)",
                    spec.parameter,
                    describe(&c),
                    started.elapsed().as_secs_f64()
                ));
            }
            Ok(())
        },
    )?;
    let dir = output.dir().join(&name);
    let mut md = String::new();
    // A page for the design review: each search's text and chart.
    let mut html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}: headroom</title><style>body{{font-family:sans-serif;max-width:1400px;margin:2em auto;font-size:18px}}pre{{font-size:15px;background:#f3f5f7;padding:1em;overflow-x:auto}}svg{{max-width:100%;height:auto}}</style></head><body><h1>{t}: headroom of <code>{p}</code></h1>\n",
        t = report::escape(&name),
        p = report::escape(&spec.parameter)
    );
    for (i, o) in outcomes.iter().enumerate() {
        let text = report::headroom::text(&name, o);
        md.push_str("```\n");
        md.push_str(&text);
        md.push_str("```\n\n");
        html.push_str(&format!("<pre>{}</pre>\n", report::escape(&text)));
        if !opts.no_charts {
            let stem = if plan.points.len() == 1 {
                "headroom".to_string()
            } else {
                // Named by the point's place in the file, whatever the shard.
                let k = plan
                    .points
                    .iter()
                    .position(|p| p.label == o.point)
                    .unwrap_or(i);
                format!("headroom-{}", k + 1)
            };
            if let Some(f) = report::headroom::chart(&name, o, &stem) {
                let drawn = report::charts::write_figure(&dir.join("charts"), &f, None)?;
                html.push_str(&drawn.svg);
                html.push('\n');
                md.push_str(&format!("![{}](charts/{stem}.svg)\n\n", f.title));
            }
        }
    }
    let json = serde_json::json!({
        "scenario": name,
        "shard": opts.shard.map(|s| format!("{}/{}", s.index, s.count)),
        "parameter": spec.parameter,
        "precision": spec.precision,
        "points_per_round": spec.points_per_round,
        "searches": outcomes,
    });
    report::write_file(
        &dir.join("headroom.json"),
        report::json_text(&json).as_bytes(),
    )?;
    html.push_str("<p>Also as <a href=\"headroom.json\">headroom.json</a> and <a href=\"headroom.md\">headroom.md</a>.</p></body></html>\n");
    report::write_file(&dir.join("index.html"), html.as_bytes())?;
    report::write_file(
        &dir.join("headroom.md"),
        format!("# {name}: headroom of `{}`\n\n{md}", spec.parameter).as_bytes(),
    )?;
    output.commit()?;
    if !opts.quiet {
        match opts.format {
            Format::Json => print(out, &format!("{}\n", report::json_text(&json)))?,
            Format::Table => {
                for o in &outcomes {
                    print(out, &report::headroom::text(&name, o))?;
                }
                print(
                    out,
                    &format!(
                        "report written to {}\n",
                        opts.output.join(&name).join("headroom.md").display()
                    ),
                )?;
            }
        }
    }
    Ok(outcomes)
}
