//! Files that live among others (a shard file): written whole or not at
//! all.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Writes `contents` to `path` via a hidden temporary file beside it and a
/// rename, for a file that lives among others (a shard file): readers see
/// the old file or the new one, never half of one. Temporary files a
/// killed process left for the same path are removed first.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(err)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.regionsim-tmp-");
    for e in std::fs::read_dir(&dir).map_err(err)?.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        let pid = n.strip_prefix(&prefix).and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|pid| !process_alive(pid)) {
            let _ = std::fs::remove_file(e.path());
        }
    }
    let tmp = dir.join(format!("{prefix}{}", std::process::id()));
    std::fs::write(&tmp, contents).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(e)
    })
}

/// Whether process `pid` still runs (Linux: it has a `/proc` entry).
fn process_alive(pid: u32) -> bool {
    !Path::new("/proc/self").exists() || Path::new(&format!("/proc/{pid}")).exists()
}
