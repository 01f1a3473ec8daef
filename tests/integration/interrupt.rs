//! Killed and concurrent runs never leave a report that mixes two runs or
//! lacks its index (issue 7, finding 6).

use crate::common::{regionsim, tree, write, TWO_REGIONS};
use std::path::Path;
use std::time::{Duration, Instant};

/// Two scenarios of about half a second each, so that a kill can land
/// between them, inside a run, while charts are drawn or during the swap.
fn scenarios(dir: &Path) {
    let busy = TWO_REGIONS
        .replace("reads_per_s: 200", "reads_per_s: 30000")
        .replace("duration: 60s", "duration: 30s");
    write(dir, "one.yaml", &busy);
    write(
        dir,
        "two.yaml",
        &busy.replace("name: two-regions", "name: second"),
    );
}

/// What a whole report of `scenarios` holds, and the seed it was run with;
/// panics if `out` mixes runs or lacks a file.
fn check_whole(out: &Path, files: &[String]) -> u64 {
    let names: Vec<String> = tree(out).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, files, "files of {}", out.display());
    let seed = |name: &str| {
        let s: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join(name).join("summary.json")).unwrap())
                .unwrap();
        s["seed"].as_u64().unwrap()
    };
    let (a, b) = (seed("two-regions"), seed("second"));
    assert_eq!(a, b, "{} mixes the runs of seed {a} and {b}", out.display());
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        index.trim_end().ends_with("</html>"),
        "index.html is cut short"
    );
    a
}

fn kill(pid: u32, signal: i32) {
    // SAFETY: sending a signal to our own child.
    unsafe {
        libc::kill(pid as i32, signal);
    }
}

#[test]
fn killing_a_run_at_any_moment_leaves_one_whole_report() {
    let tmp = tempfile::tempdir().unwrap();
    scenarios(tmp.path());
    let args = |seed: u64| -> Vec<String> {
        ["run", "one.yaml", "two.yaml", "-q", "-o", "out", "--seed"]
            .iter()
            .map(|s| s.to_string())
            .chain([seed.to_string()])
            .collect()
    };
    // Clean runs first: the files a whole report has, and how long a run
    // takes (the shorter of two: the first also warms the caches).
    let mut whole = Duration::MAX;
    for _ in 0..2 {
        let start = Instant::now();
        let o = regionsim(
            tmp.path(),
            &[
                "run", "one.yaml", "two.yaml", "-q", "-o", "out", "--seed", "1000",
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        whole = whole.min(start.elapsed());
    }
    let files: Vec<String> = tree(&tmp.path().join("out"))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(files.contains(&"index.html".to_string()));
    let mut last_seed = check_whole(&tmp.path().join("out"), &files);
    let signals = [libc::SIGKILL, libc::SIGTERM, libc::SIGINT];
    // Until 20 kills have landed inside a run (a run may end first when the
    // machine is less loaded than while `whole` was measured).
    let mut killed = 0;
    for i in 0..60u64 {
        if killed == 20 {
            break;
        }
        let seed = 2000 + i;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_regionsim"))
            .args(args(seed))
            .current_dir(tmp.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Moments spread over the whole run, from its start to near its end.
        let at = whole.mul_f64((i as f64 * 0.618_034).fract() * 0.95);
        std::thread::sleep(at);
        let finished = child.try_wait().unwrap().is_some();
        kill(child.id(), signals[i as usize % 3]);
        let status = child.wait().unwrap();
        if !finished && !status.success() {
            killed += 1;
        }
        let seed_now = check_whole(&tmp.path().join("out"), &files);
        assert!(
            seed_now == last_seed || seed_now == seed,
            "the report is of seed {seed_now}, neither the old {last_seed} nor the new {seed}"
        );
        last_seed = seed_now;
    }
    assert!(
        killed >= 20,
        "only {killed} runs were killed before they ended"
    );
    // The next run cleans up what the killed ones left beside the report.
    let o = regionsim(
        tmp.path(),
        &args(9999).iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(check_whole(&tmp.path().join("out"), &files), 9999);
    let beside: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(beside.is_empty(), "left beside the report: {beside:?}");
}

#[test]
fn two_runs_into_one_folder_never_interleave() {
    let tmp = tempfile::tempdir().unwrap();
    scenarios(tmp.path());
    let spawn = |seed: &str, duration: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_regionsim"))
            .args([
                "run", "one.yaml", "two.yaml", "-q", "-o", "out", "--seed", seed, "--set",
            ])
            .arg(format!("duration={duration}"))
            .current_dir(tmp.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    // The first simulates ten times longer, so it still holds the lock
    // when the second starts even on a loaded machine (at 30 s, under the
    // whole suite, it once finished before the poll below saw its lock).
    let first = spawn("1", "300s");
    // Once the first holds the folder's lock, start the second.
    let lock = tmp.path().join(".out.regionsim-lock");
    let start = Instant::now();
    while !lock.exists() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = spawn("2", "30s").wait_with_output().unwrap();
    let first = first.wait_with_output().unwrap();
    // The lock file appears a moment before the first locks it: the second
    // may win that race. Either way exactly one writes the folder and the
    // other is refused, saying why.
    let (won, lost) = if first.status.success() {
        (first, second)
    } else {
        (second, first)
    };
    assert!(
        won.status.success(),
        "{}",
        String::from_utf8_lossy(&won.stderr)
    );
    let err = String::from_utf8_lossy(&lost.stderr);
    assert_eq!(lost.status.code(), Some(2), "{err}");
    assert!(err.contains("another regionsim is writing"), "{err}");
    let files: Vec<String> = tree(&tmp.path().join("out"))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(check_whole(&tmp.path().join("out"), &files), 1);
}
