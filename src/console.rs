//! Lines for the person at the terminal: results on standard output,
//! warnings, estimates and progress on standard error.
//!
//! Every write is checked. A closed pipe (`regionsim schema | head`) is not
//! an error and stays quiet; any other failure (a full disk behind a
//! redirection) is: on standard output it ends the command with exit code
//! 2, on standard error it is remembered ([`stderr_failed`]) and the command
//! exits 2 when it is done, its reports written.

use crate::error::{Error, Result};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static STDERR_FAILED: AtomicBool = AtomicBool::new(false);

/// Writes `text` to `out` (standard output, or a buffer in tests).
pub fn print(out: &mut dyn Write, text: &str) -> Result<()> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Stdout(e)),
        _ => Ok(()),
    }
}

/// Writes one line to standard error.
pub fn eprint_line(text: &str) {
    let mut err = std::io::stderr().lock();
    if let Err(e) = writeln!(err, "{text}").and_then(|()| err.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            STDERR_FAILED.store(true, Ordering::Relaxed);
        }
    }
}

/// True once a write to standard error has failed.
pub fn stderr_failed() -> bool {
    STDERR_FAILED.load(Ordering::Relaxed)
}
