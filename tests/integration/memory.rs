//! Memory is bounded by the model, not by simulated time (measured with the
//! `bench` command, which reports the process's peak resident memory).

use crate::common::regionsim;
use std::path::Path;

fn peak_rss_mib(duration: &str) -> f64 {
    let o = regionsim(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["bench", "scenarios/reference.yaml", "--duration", duration],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out.split("peak RSS ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no peak RSS in: {out}"))
}

#[test]
#[cfg(target_os = "linux")]
fn ten_times_longer_run_uses_the_same_peak_memory() {
    let short = peak_rss_mib("1m");
    let long = peak_rss_mib("10m");
    assert!(
        (long - short).abs() / short < 0.10,
        "peak RSS {short} MiB for 1m, {long} MiB for 10m"
    );
}
