//! The `regionsim` command line. Parses arguments, calls the library, maps
//! errors to exit codes: 0 ok, 2 bad input or usage, 3 internal error.

use clap::{Parser, Subcommand, ValueEnum};
use regionsim::commands::{self, Format, RunOptions};
use regionsim::console;
use regionsim::runner::shard::Shard;
use regionsim::scenario::{parse_duration, Set};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "regionsim",
    version,
    about = "Deterministic discrete-event simulator for multi-region service architectures"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// What `run` and `check` share.
#[derive(clap::Args)]
struct RunArgs {
    /// Scenario files or folders of them.
    #[arg(default_value = "scenarios")]
    paths: Vec<PathBuf>,
    /// Output folder.
    #[arg(short, long, default_value = "output")]
    output: PathBuf,
    /// Override every scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Override every scenario's number of replications.
    #[arg(long)]
    replications: Option<u32>,
    /// Override any field: a dotted path and a YAML value, e.g.
    /// `datasets.users.keys=5000` (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = Set::parse)]
    sets: Vec<Set>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(short = 'j', long)]
    threads: Option<usize>,
    /// What to print.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    format: FormatArg,
    /// Print nothing on success and show no progress (JSON is still printed).
    #[arg(short, long)]
    quiet: bool,
    /// Run only shard I of N of all runs and write OUTPUT/shard-I-of-N.json;
    /// combine the shards with `regionsim merge`.
    #[arg(long, value_name = "I/N", value_parser = Shard::parse)]
    shard: Option<Shard>,
    /// Skip the charts (SVG, PNG and their place in index.html).
    #[arg(long)]
    no_charts: bool,
    #[command(flatten)]
    limits: Limits,
}

/// Limits on what an invocation may cost.
#[derive(clap::Args, Clone, Copy)]
struct Limits {
    /// Refuse runs estimated above N simulated events, and stop runs that
    /// go past it (e.g. 5e8).
    #[arg(long, value_name = "N", value_parser = parse_count)]
    max_events: Option<u64>,
    /// Refuse runs whose estimated peak memory is above SIZE (e.g. 2GiB;
    /// default: the memory this machine has available).
    #[arg(long, value_name = "SIZE", value_parser = regionsim::runner::cost::parse_bytes)]
    max_memory: Option<u64>,
}

/// A share written as `2%` or `0.02`.
fn parse_share(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let x = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
        None => t.parse::<f64>(),
    }
    .map_err(|_| format!("`{text}` is not a share like 2% or 0.02"))?;
    if x > 0.0 && x <= 0.5 {
        Ok(x)
    } else {
        Err(format!("`{text}`: give above 0 and at most 50%"))
    }
}

/// A number above zero.
fn parse_positive(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && *x > 0.0)
        .ok_or_else(|| format!("`{text}` is not a number above 0"))
}

/// A count written as `500000000` or `5e8`.
fn parse_count(text: &str) -> Result<u64, String> {
    text.trim()
        .parse::<u64>()
        .ok()
        .or_else(|| {
            text.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x >= 1.0 && *x < 1.8e19)
                .map(|x| x as u64)
        })
        .ok_or_else(|| format!("`{text}` is not a count like 500000000 or 5e8"))
}

impl RunArgs {
    fn options(self) -> RunOptions {
        let mut sets = self.sets;
        sets.extend(self.seed.map(|v| Set {
            path: "seed".into(),
            value: v.into(),
        }));
        sets.extend(self.replications.map(|v| Set {
            path: "replications".into(),
            value: v.into(),
        }));
        RunOptions {
            paths: self.paths,
            output: self.output,
            sets,
            threads: self.threads,
            format: format(self.format),
            quiet: self.quiet,
            shard: self.shard,
            no_charts: self.no_charts,
            max_events: self.limits.max_events,
            max_memory: self.limits.max_memory,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Simulate scenarios and write reports under the output folder.
    Run(RunArgs),
    /// Simulate scenarios and judge their SLOs: exit 1 if any fails.
    Check(RunArgs),
    /// Combine the shard files of `run --shard` into the reports of one run.
    Merge {
        /// Folders (or files) holding shard-I-of-N.json.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output folder.
        #[arg(short, long, default_value = "output")]
        output: PathBuf,
        /// Also judge the SLOs: exit 1 if any fails.
        #[arg(long)]
        check: bool,
        /// What to print.
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
        /// Print nothing on success.
        #[arg(short, long)]
        quiet: bool,
        /// Skip the charts.
        #[arg(long)]
        no_charts: bool,
    },
    /// Print the JSON Schema of the scenario format (for editor completion).
    Schema,
    /// List every figure a run of the scenario writes: its path (what SLOs,
    /// --format json and the long CSVs name), unit and meaning. Runs
    /// nothing.
    Figures {
        /// The scenario file.
        #[arg(default_value = "scenarios/reference.yaml")]
        path: PathBuf,
        /// Override any field, as for `run`.
        #[arg(long = "set", value_name = "PATH=VALUE", value_parser = Set::parse)]
        sets: Vec<Set>,
        /// What to print.
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
    },
    /// Load and lint scenarios, and estimate what running them costs.
    Validate {
        /// Scenario files or folders of them.
        #[arg(default_value = "scenarios")]
        paths: Vec<PathBuf>,
        /// Override any field, as for `run`.
        #[arg(long = "set", value_name = "PATH=VALUE", value_parser = Set::parse)]
        sets: Vec<Set>,
        /// Worker threads the estimate assumes (default: all cores).
        #[arg(short = 'j', long)]
        threads: Option<usize>,
        /// Print nothing on success (problems still go to stderr).
        #[arg(short, long)]
        quiet: bool,
        #[command(flatten)]
        limits: Limits,
    },
    /// Find the largest value of one parameter (default `load`) at which
    /// every SLO of a scenario holds: a search over runs with common random
    /// numbers, to a stated precision. The file's `headroom:` section sets
    /// defaults for these options.
    Headroom {
        /// The scenario file (with an `slo:` section).
        path: PathBuf,
        /// A numeric field as `--set` addresses it: load,
        /// workload.eu-west-1.load, workload.a.rates.d.writes_per_s...
        #[arg(long)]
        parameter: Option<String>,
        /// Stop when the boundary is known to within this share of it.
        #[arg(long, value_parser = parse_share)]
        precision: Option<f64>,
        /// Start here (default: the file's value; 1 for an absent load).
        #[arg(long, value_parser = parse_positive)]
        low: Option<f64>,
        /// Try nothing above this (default: 1024 times the start).
        #[arg(long, value_parser = parse_positive)]
        high: Option<f64>,
        /// Values tried per round, run in parallel; results depend on it,
        /// never on --threads (default 2).
        #[arg(long)]
        points_per_round: Option<usize>,
        /// Output folder, replaced whole.
        #[arg(short, long, default_value = "output/headroom")]
        output: PathBuf,
        /// Override any field, as for `run`.
        #[arg(long = "set", value_name = "PATH=VALUE", value_parser = Set::parse)]
        sets: Vec<Set>,
        /// Override the scenario's number of replications.
        #[arg(long)]
        replications: Option<u32>,
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(short = 'j', long)]
        threads: Option<usize>,
        /// What to print.
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
        /// Print nothing on success and show no progress.
        #[arg(short, long)]
        quiet: bool,
        /// Skip the chart.
        #[arg(long)]
        no_charts: bool,
        /// Search only sweep points I, I+N, I+2N... (1-based): each shard's
        /// searches are those one process would make.
        #[arg(long, value_name = "I/N", value_parser = Shard::parse)]
        shard: Option<Shard>,
        #[command(flatten)]
        limits: Limits,
    },
    /// Measure simulated events per second, wall and CPU time and peak memory of one scenario on one thread.
    Bench {
        /// The scenario to run.
        #[arg(default_value = "scenarios/reference.yaml")]
        path: PathBuf,
        /// Override the measured duration, e.g. 1h.
        #[arg(long, value_parser = parse_duration)]
        duration: Option<regionsim::engine::Duration>,
        /// Also time every run of the file (sweep points x replications) on
        /// 1 and on 2 threads.
        #[arg(long)]
        parallel: bool,
        /// Also run the same model in a minimal hand-written event loop (no
        /// framework) on the same work, check that both count the same, and
        /// print the ratio of wall times.
        #[arg(long)]
        baseline: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Table,
    Json,
}

fn main() -> ExitCode {
    regionsim::runner::one_malloc_arena();
    // A panic is a bug in regionsim, never the user's input: exit 3.
    let code = match std::panic::catch_unwind(run) {
        Ok(code) => code,
        Err(_) => {
            console::eprint_line(
                "error: internal error in regionsim (a bug; please report it with the scenario)",
            );
            3
        }
    };
    // Standard error failed (not a closed pipe): say so with the exit code.
    if code == 0 && console::stderr_failed() {
        return ExitCode::from(2);
    }
    ExitCode::from(code)
}

fn format(f: FormatArg) -> Format {
    match f {
        FormatArg::Table => Format::Table,
        FormatArg::Json => Format::Json,
    }
}

fn run() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let mut stdout = std::io::stdout().lock();
    let result = match cli.command {
        Command::Run(args) => commands::run(&args.options(), &mut stdout).map(|_| 0),
        Command::Check(args) => {
            commands::check(&args.options(), &mut stdout).map(|passed| if passed { 0 } else { 1 })
        }
        Command::Merge {
            dirs,
            output,
            check,
            format: f,
            quiet,
            no_charts,
        } => {
            let opts = RunOptions {
                paths: dirs,
                output,
                format: format(f),
                quiet,
                no_charts,
                ..RunOptions::default()
            };
            if check {
                // As `check`: the tables and the verdicts, or the JSON.
                commands::merge(&opts)
                    .and_then(|summaries| commands::report_verdicts(&summaries, &opts, &mut stdout))
                    .map(|passed| if passed { 0 } else { 1 })
            } else {
                commands::merge_and_show(&opts, &mut stdout).map(|_| 0)
            }
        }
        Command::Figures { path, sets, format } => {
            commands::figures(&path, &sets, self::format(format), &mut stdout).map(|()| 0)
        }
        Command::Schema => {
            let text = regionsim::report::json_text(&regionsim::scenario::schema());
            console::print(&mut stdout, &text).map(|()| 0)
        }
        Command::Validate {
            paths,
            sets,
            threads,
            quiet,
            limits,
        } => {
            let opts = RunOptions {
                paths,
                sets,
                threads,
                quiet,
                max_events: limits.max_events,
                max_memory: limits.max_memory,
                ..RunOptions::default()
            };
            commands::validate(&opts, &mut stdout).map(|()| 0)
        }
        Command::Headroom {
            path,
            parameter,
            precision,
            low,
            high,
            points_per_round,
            output,
            mut sets,
            replications,
            threads,
            format: f,
            quiet,
            no_charts,
            shard,
            limits,
        } => {
            use regionsim::runner::headroom;
            sets.extend(replications.map(|v| Set {
                path: "replications".into(),
                value: v.into(),
            }));
            let opts = commands::HeadroomOptions {
                path,
                output,
                sets,
                threads,
                quiet,
                format: format(f),
                no_charts,
                given: (
                    parameter.is_some(),
                    precision.is_some(),
                    points_per_round.is_some(),
                ),
                spec: headroom::Spec {
                    parameter: parameter.unwrap_or_else(|| "load".into()),
                    precision: precision.unwrap_or(headroom::DEFAULT_PRECISION),
                    low,
                    high,
                    points_per_round: points_per_round
                        .unwrap_or(headroom::DEFAULT_POINTS_PER_ROUND),
                },
                max_events: limits.max_events,
                max_memory: limits.max_memory,
                shard,
            };
            commands::headroom(&opts, &mut stdout).map(|_| 0)
        }
        Command::Bench {
            path,
            duration,
            parallel,
            baseline,
        } => {
            let sets: Vec<Set> = duration
                .map(|d| Set {
                    path: "duration".into(),
                    value: d.to_string().into(),
                })
                .into_iter()
                .collect();
            commands::bench(&path, &sets, parallel, baseline, &mut stdout).map(|_| 0)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            console::eprint_line(&format!("error: {e}"));
            e.exit_code() as u8
        }
    }
}
