//! The output folder, written whole and swapped in when complete.
//!
//! A report is many files (one folder per scenario, charts, `index.html`)
//! and a run can be killed at any moment, so nothing is written into the
//! target itself. Beside the target `OUT`, in its parent folder:
//!
//! - `.OUT.regionsim-lock`: locked (`flock`) for the whole invocation, so a
//!   second regionsim writing the same output refuses at once instead of
//!   mixing its files with the first's. The kernel releases the lock when a
//!   process dies, however it dies; the file is removed after a clean run.
//! - `.OUT.regionsim-new-PID`: the new report, written file by file.
//! - When it is complete, one `renameat2(RENAME_EXCHANGE)` swaps it with
//!   `OUT` atomically, and the old report (now under the `-new-` name) is
//!   removed. Where the file system cannot exchange, `OUT` is first renamed
//!   to `.OUT.regionsim-old-PID` and the new report renamed into place.
//!
//! So `OUT` always holds one whole report (the old one until the swap, the
//! new one after), files of an earlier run never survive into a new one,
//! and whatever a killed run leaves beside `OUT` is removed by the next run
//! (which holds the lock, so nothing else is using it).
//!
//! regionsim replaces only a folder it owns: one holding its marker file
//! `.regionsim-output`, an empty one, or one an earlier version wrote
//! (`index.html` and `summary.md`). Hidden files at the top of the target
//! (`.gitkeep`, `.gitignore`) are carried over.

use crate::error::{Error, Result};
use std::fs::{self, File};
use std::path::{Path, PathBuf};

/// The file that marks a folder as a regionsim report.
pub const MARKER: &str = ".regionsim-output";
const MARKER_TEXT: &str = "This folder is written by regionsim and replaced whole by each run.\n";

/// An output folder being written.
#[derive(Debug)]
pub struct Output {
    target: PathBuf,
    staging: PathBuf,
    /// Held until the output is dropped.
    _lock: Lock,
    committed: bool,
}

fn write_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

fn refuse(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::Usage(format!("{}: {why}", path.display()))
}

/// The hidden name `.OUT.regionsim-WHAT` beside `target`.
fn beside(parent: &Path, name: &str, what: &str) -> PathBuf {
    parent.join(format!(".{name}.regionsim-{what}"))
}

impl Output {
    /// Checks that `target` can be written and is regionsim's to replace,
    /// takes its lock, removes what killed runs left beside it, and opens a
    /// new empty report folder.
    pub fn open(target: &Path) -> Result<Output> {
        let (parent, name) = split(target)?;
        let target = parent.join(&name);
        match fs::symlink_metadata(&target) {
            Ok(m) if m.is_dir() => check_owned(&target)?,
            Ok(_) => {
                return Err(refuse(
                    &target,
                    "is a file, not a folder; give -o a folder (new or regionsim's own)",
                ))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(write_err(&target)(e)),
        }
        let lock = Lock::take(&beside(&parent, &name, "lock"), &target)?;
        remove_leftovers(&parent, &name)?;
        let staging = beside(&parent, &name, &format!("new-{}", std::process::id()));
        fs::create_dir(&staging).map_err(write_err(&staging))?;
        let out = Output {
            target,
            staging,
            _lock: lock,
            committed: false,
        };
        fs::write(out.staging.join(MARKER), MARKER_TEXT).map_err(write_err(&out.staging))?;
        Ok(out)
    }

    /// Where the new report is written.
    pub fn dir(&self) -> &Path {
        &self.staging
    }

    /// The folder the report will be in once committed.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Puts the new report in place of the old one, atomically where the
    /// file system allows.
    pub fn commit(self) -> Result<()> {
        self.commit_with(exchange)
    }

    /// [`Output::commit`] with the atomic exchange given (tests pass one
    /// that fails, as on a file system without it).
    fn commit_with(mut self, exchange: fn(&Path, &Path) -> std::io::Result<()>) -> Result<()> {
        let target = self.target.clone();
        if target.is_dir() {
            carry_hidden_files(&target, &self.staging)?;
            if exchange(&self.staging, &target).is_ok() {
                // The old report now sits under the staging name.
                remove_tree(&self.staging)?;
            } else {
                let (parent, name) = split(&target)?;
                let old = beside(&parent, &name, &format!("old-{}", std::process::id()));
                fs::rename(&target, &old).map_err(write_err(&target))?;
                fs::rename(&self.staging, &target).map_err(write_err(&target))?;
                remove_tree(&old)?;
            }
        } else {
            fs::rename(&self.staging, &target).map_err(write_err(&target))?;
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if !self.committed {
            // An error before the swap: the old report stays as it was.
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// The absolute parent folder (created if missing) and the last name of
/// `target`.
fn split(target: &Path) -> Result<(PathBuf, String)> {
    if target.as_os_str().is_empty() {
        return Err(Error::Usage("-o needs a folder name".into()));
    }
    // `.`, `..` and symbolic links are resolved: the folder swapped is the
    // real one.
    let resolved = match fs::canonicalize(target) {
        Ok(p) => p,
        Err(_) => {
            let parent = match target.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            fs::create_dir_all(&parent).map_err(write_err(&parent))?;
            let parent = fs::canonicalize(&parent).map_err(write_err(&parent))?;
            match target.file_name() {
                Some(n) => parent.join(n),
                None => return Err(refuse(target, "is not a folder name")),
            }
        }
    };
    let name = resolved
        .file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| {
            refuse(
                target,
                "regionsim cannot replace this folder; give -o a folder below it",
            )
        })?;
    let parent = resolved
        .parent()
        .ok_or_else(|| refuse(target, "regionsim cannot replace the root folder"))?
        .to_path_buf();
    Ok((parent, name))
}

/// Refuses a folder regionsim did not write: replacing it would delete
/// someone's files.
fn check_owned(dir: &Path) -> Result<()> {
    if dir.join(MARKER).is_file() {
        return Ok(());
    }
    let entries: Vec<(String, bool)> = fs::read_dir(dir)
        .map_err(write_err(dir))?
        .filter_map(|e| e.ok())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.file_type().is_ok_and(|t| t.is_dir()),
            )
        })
        .collect();
    let visible: Vec<&(String, bool)> = entries
        .iter()
        .filter(|(n, _)| !n.starts_with('.'))
        .collect();
    let hidden_dir = entries.iter().find(|(n, d)| n.starts_with('.') && *d);
    let earlier_version = entries.iter().any(|(n, _)| n == "index.html")
        && entries.iter().any(|(n, _)| n == "summary.md");
    if hidden_dir.is_none() && (visible.is_empty() || earlier_version) {
        return Ok(());
    }
    let example = visible
        .first()
        .map(|(n, _)| n.as_str())
        .or(hidden_dir.map(|(n, _)| n.as_str()))
        .unwrap_or("?");
    Err(refuse(
        dir,
        format!(
            "holds files regionsim did not write (e.g. `{example}`), and a run replaces its output folder whole; give -o a new or empty folder"
        ),
    ))
}

/// Removes what killed runs left beside `parent/name`. A run killed in
/// the middle of a swap without an atomic exchange left the previous
/// report under its `-old-` name and no target: it is put back first.
fn remove_leftovers(parent: &Path, name: &str) -> Result<()> {
    let target = parent.join(name);
    let prefixes = [
        format!(".{name}.regionsim-new-"),
        format!(".{name}.regionsim-old-"),
    ];
    for e in fs::read_dir(parent).map_err(write_err(parent))?.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.starts_with(prefixes[1].as_str()) && !target.exists() {
            fs::rename(e.path(), &target).map_err(write_err(&target))?;
        } else if prefixes.iter().any(|p| n.starts_with(p.as_str())) {
            remove_tree(&e.path())?;
        }
    }
    Ok(())
}

fn remove_tree(path: &Path) -> Result<()> {
    match fs::remove_dir_all(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(write_err(path)(e)),
        _ => Ok(()),
    }
}

/// Copies hidden files at the top of `from` (not regionsim's marker) into
/// `to`: `.gitkeep` and `.gitignore` survive a run.
fn carry_hidden_files(from: &Path, to: &Path) -> Result<()> {
    for e in fs::read_dir(from).map_err(write_err(from))?.flatten() {
        let n = e.file_name();
        let text = n.to_string_lossy();
        if text.starts_with('.') && text != MARKER && e.file_type().is_ok_and(|t| t.is_file()) {
            fs::copy(e.path(), to.join(&n)).map_err(write_err(&e.path()))?;
        }
    }
    Ok(())
}

/// Swaps two folders atomically (Linux `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes())?;
    let cb = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two valid NUL-terminated paths; the call reads them only.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// An exclusive lock on a file beside the target, held while the folder
/// is written.
#[derive(Debug)]
struct Lock {
    path: PathBuf,
    file: Option<File>,
}

impl Lock {
    fn take(path: &Path, target: &Path) -> Result<Lock> {
        // A finishing run removes the lock file while holding it; a file
        // opened just before that removal is locked in vain, so check that
        // the locked file is still the one at `path`.
        for _ in 0..100 {
            let file = File::options()
                .create(true)
                .truncate(false)
                .write(true)
                .open(path)
                .map_err(write_err(path))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(refuse(
                        target,
                        format!(
                            "another regionsim is writing this folder now (lock {}); wait for it to finish or give -o another folder",
                            path.display()
                        ),
                    ))
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(write_err(path)(e)),
            }
            if same_file(&file, path) {
                return Ok(Lock {
                    path: path.to_path_buf(),
                    file: Some(file),
                });
            }
        }
        Err(refuse(target, "could not lock the output folder"))
    }
}

impl Drop for Lock {
    /// Removes the lock file while still holding it, then releases it.
    fn drop(&mut self) {
        if let Some(file) = self.file.take() {
            let _ = fs::remove_file(&self.path);
            drop(file);
        }
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, path: &Path) -> bool {
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An output for `target` holding one file `name`, not yet committed.
    fn report(target: &Path, name: &str) -> Output {
        let out = Output::open(target).unwrap();
        fs::write(out.dir().join(name), name).unwrap();
        out
    }

    #[test]
    fn a_new_report_replaces_the_old_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        report(&target, "a.txt").commit().unwrap();
        fs::write(target.join(".gitkeep"), "").unwrap();
        report(&target, "b.txt").commit().unwrap();
        let mut names: Vec<String> = fs::read_dir(&target)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [".gitkeep", MARKER, "b.txt"]);
        // Nothing is left beside it.
        let beside: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(beside.len(), 1);
    }

    #[test]
    fn without_an_atomic_exchange_the_swap_still_replaces_the_report() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        report(&target, "a.txt").commit().unwrap();
        report(&target, "b.txt")
            .commit_with(|_, _| Err(std::io::ErrorKind::Unsupported.into()))
            .unwrap();
        assert!(!target.join("a.txt").exists() && target.join("b.txt").exists());
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
        // Killed between its two renames: the next run puts the report back.
        fs::rename(&target, tmp.path().join(".out.regionsim-old-1")).unwrap();
        drop(Output::open(&target).unwrap());
        assert!(target.join("b.txt").exists());
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_second_writer_is_refused_and_a_foreign_folder_is_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        let first = Output::open(&target).unwrap();
        let e = Output::open(&target).unwrap_err().to_string();
        assert!(e.contains("another regionsim"), "{e}");
        drop(first);
        let mine = tmp.path().join("mine");
        fs::create_dir(&mine).unwrap();
        fs::write(mine.join("notes.txt"), "keep").unwrap();
        let e = Output::open(&mine).unwrap_err().to_string();
        assert!(e.contains("notes.txt"), "{e}");
        assert!(mine.join("notes.txt").exists());
        let file = tmp.path().join("file");
        fs::write(&file, "").unwrap();
        assert!(Output::open(&file)
            .unwrap_err()
            .to_string()
            .contains("is a file"));
    }

    #[test]
    fn an_abandoned_report_leaves_the_old_one() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        report(&target, "a.txt").commit().unwrap();
        drop(report(&target, "b.txt"));
        assert!(target.join("a.txt").exists() && !target.join("b.txt").exists());
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }
}
