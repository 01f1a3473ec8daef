//! The library's errors. The binary maps each to an exit code
//! ([`Error::exit_code`]): 2 for bad input, usage or an environment that
//! cannot be written to, 3 for internal errors.

use std::fmt;
use std::path::PathBuf;

/// A problem in a scenario file, located where YAML allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The scenario file.
    pub file: PathBuf,
    /// 1-based line, 0 when the problem has no single place.
    pub line: usize,
    /// 1-based column, 0 when unknown.
    pub column: usize,
    /// What is wrong and what would be valid.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file.display(),
                self.line,
                self.column,
                self.message
            )
        }
    }
}

/// Everything that can go wrong between reading scenarios and writing reports.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// One or more problems in scenario files.
    #[error("{}", .0.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Diagnostic>),
    /// A scenario path could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The path given.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A folder (or argument list) held no scenario file.
    #[error("{}: no scenario files (*.yaml or *.yml) found", path.display())]
    NoScenarios {
        /// The folder searched.
        path: PathBuf,
    },
    /// A command-line value that makes no sense.
    #[error("{0}")]
    Usage(String),
    /// A report could not be written (the environment's fault: a full
    /// disk, a read-only folder, a name too long).
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        /// The file being written.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Standard output could not be written (not a closed pipe: those are
    /// ignored).
    #[error("cannot write to standard output: {0}")]
    Stdout(std::io::Error),
    /// A bug in regionsim.
    #[error("internal error (a bug in regionsim; please report it with the scenario): {0}")]
    Internal(String),
}

impl Error {
    /// The process exit code for this error (see DESIGN.md, Command line).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Invalid(_)
            | Error::Read { .. }
            | Error::NoScenarios { .. }
            | Error::Usage(_)
            | Error::Write { .. }
            | Error::Stdout(_) => 2,
            Error::Internal(_) => 3,
        }
    }
}

/// The library's result type.
pub type Result<T> = std::result::Result<T, Error>;
