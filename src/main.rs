//! The `regionsim` command line. Parses arguments, calls the library, maps
//! errors to exit codes: 0 ok, 2 bad input or usage, 3 internal error.

use clap::{Parser, Subcommand, ValueEnum};
use regionsim::commands::{self, Format, RunOptions};
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
            format: match self.format {
                FormatArg::Table => Format::Table,
                FormatArg::Json => Format::Json,
            },
            quiet: self.quiet,
            shard: self.shard,
            no_charts: self.no_charts,
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
    /// Load and lint scenarios without running them.
    Validate {
        /// Scenario files or folders of them.
        #[arg(default_value = "scenarios")]
        paths: Vec<PathBuf>,
        /// Override any field, as for `run`.
        #[arg(long = "set", value_name = "PATH=VALUE", value_parser = Set::parse)]
        sets: Vec<Set>,
    },
    /// Measure simulated events per second of one scenario on one thread.
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
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Table,
    Json,
}

fn main() -> ExitCode {
    // A panic is a bug in regionsim, never the user's input: exit 3.
    match std::panic::catch_unwind(run) {
        Ok(code) => code,
        Err(_) => {
            eprintln!(
                "error: internal error in regionsim (a bug; please report it with the scenario)"
            );
            ExitCode::from(3)
        }
    }
}

fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let mut stdout = std::io::stdout().lock();
    let result = match cli.command {
        Command::Run(args) => commands::run(&args.options(), &mut stdout).map(drop),
        Command::Check(args) => match commands::check(&args.options(), &mut stdout) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::from(1),
            Err(e) => Err(e),
        },
        Command::Merge {
            dirs,
            output,
            check,
            format,
            quiet,
            no_charts,
        } => {
            let opts = RunOptions {
                paths: dirs,
                output,
                format: match format {
                    FormatArg::Table => Format::Table,
                    FormatArg::Json => Format::Json,
                },
                quiet,
                no_charts,
                ..RunOptions::default()
            };
            if check {
                // As `check`: the verdicts (or the JSON), not the tables.
                match commands::merge(&opts, &mut std::io::sink()) {
                    Ok(summaries) => {
                        let shown = RunOptions { quiet, ..opts };
                        if !commands::report_verdicts(&summaries, &shown, &mut stdout) {
                            return ExitCode::from(1);
                        }
                        Ok(())
                    }
                    Err(e) => Err(e),
                }
            } else {
                commands::merge(&opts, &mut stdout).map(drop)
            }
        }
        Command::Schema => {
            let text = regionsim::report::json_text(&regionsim::scenario::schema());
            let _ = std::io::Write::write_all(&mut stdout, text.as_bytes());
            Ok(())
        }
        Command::Validate { paths, sets } => commands::validate(&paths, &sets, &mut stdout),
        Command::Bench {
            path,
            duration,
            parallel,
        } => {
            let sets: Vec<Set> = duration
                .map(|d| Set {
                    path: "duration".into(),
                    value: d.to_string().into(),
                })
                .into_iter()
                .collect();
            commands::bench(&path, &sets, parallel, &mut stdout).map(drop)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
