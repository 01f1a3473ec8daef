//! A shard file's bytes through everything `merge` does before it writes:
//! parsing, combining, rebuilding the plans from the texts it carries, and
//! checking every record. Never a panic; a bad file is an error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use regionsim::commands::shard_plans;
use regionsim::runner::shard;
use std::path::{Path, PathBuf};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(file) = shard::from_text(text, Path::new("shard-1-of-1.json")) else {
        return;
    };
    let Ok(set) = shard::combine(vec![(PathBuf::from("shard-1-of-1.json"), file)]) else {
        return;
    };
    if let Ok(plans) = shard_plans(&set) {
        // What merge then does: summaries of the records.
        let _ = regionsim::commands::summaries(&plans, set.records);
    }
});
