//! The `regionsim` command line. Parses arguments, calls the library, maps
//! errors to exit codes: 0 ok, 2 bad input or usage, 3 internal error.

use clap::{Parser, Subcommand, ValueEnum};
use regionsim::commands::{self, Format, RunOptions};
use regionsim::runner::Overrides;
use regionsim::scenario::parse_duration;
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

#[derive(Subcommand)]
enum Command {
    /// Simulate scenarios and write reports under the output folder.
    Run {
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
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(short = 'j', long)]
        threads: Option<usize>,
        /// What to print.
        #[arg(long, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
        /// Print nothing on success (JSON output is still printed).
        #[arg(short, long)]
        quiet: bool,
    },
    /// Load and lint scenarios without running them.
    Validate {
        /// Scenario files or folders of them.
        #[arg(default_value = "scenarios")]
        paths: Vec<PathBuf>,
    },
    /// Measure simulated events per second of one scenario on one thread.
    Bench {
        /// The scenario to run.
        #[arg(default_value = "scenarios/reference.yaml")]
        path: PathBuf,
        /// Override the measured duration, e.g. 1h.
        #[arg(long, value_parser = parse_duration)]
        duration: Option<regionsim::engine::Duration>,
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
        Command::Run {
            paths,
            output,
            seed,
            replications,
            threads,
            format,
            quiet,
        } => commands::run(
            &RunOptions {
                paths,
                output,
                overrides: Overrides {
                    seed,
                    replications,
                    duration: None,
                },
                threads,
                format: match format {
                    FormatArg::Table => Format::Table,
                    FormatArg::Json => Format::Json,
                },
                quiet,
            },
            &mut stdout,
        )
        .map(drop),
        Command::Validate { paths } => commands::validate(&paths, &mut stdout),
        Command::Bench { path, duration } => commands::bench(
            &path,
            &Overrides {
                duration,
                ..Overrides::default()
            },
            &mut stdout,
        )
        .map(drop),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
