//! Shared helpers: build a scenario from YAML, run it, read its summary.

use regionsim::report::{self, aggregate::at};
use regionsim::runner::{self, RunRecord};
use regionsim::scenario::{from_str, plan_from_str, Plan, Scenario};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Parses and checks `yaml`, panicking with the messages if it is invalid.
pub fn scenario(yaml: &str) -> Scenario {
    from_str(
        yaml,
        Path::new("test.yaml"),
        regionsim::metrics::figure_shape,
    )
    .unwrap_or_else(|e| panic!("invalid test scenario:\n{e}"))
}

/// The plan (points of a sweep) of `yaml`.
pub fn plan(yaml: &str) -> Plan {
    plan_from_str(
        yaml,
        Path::new("test.yaml"),
        &[],
        regionsim::metrics::figure_shape,
    )
    .unwrap_or_else(|e| panic!("invalid test scenario:\n{e}"))
}

/// The summary (as in summary.json) of `yaml` after running every point and
/// replication on one thread.
pub fn summary(yaml: &str) -> Value {
    let plans = [plan(yaml)];
    let records = runner::run_all(&plans, Some(1)).unwrap();
    let refs: Vec<&RunRecord> = records.iter().collect();
    report::summary(&plans[0], &refs)
}

/// The summary as JSON text, as written to summary.json.
pub fn summary_json(yaml: &str) -> String {
    report::json_text(&summary(yaml))
}

/// The mean over replications of the figure at `path` of the first point.
pub fn fig(summary: &Value, path: &str) -> f64 {
    at(summary, &format!("points.0.figures.{path}.mean"))
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("no figure at {path}"))
}

/// The per-bucket series at `path` of the first point, means over
/// replications (`clients.b.timeline.reads_per_s`).
pub fn series(summary: &Value, path: &str) -> Vec<f64> {
    at(summary, &format!("points.0.figures.{path}.mean"))
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("no series at {path}"))
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

/// Region `region`'s availability per bucket, means over replications,
/// of the first point.
pub fn availability_series(summary: &Value, region: &str) -> Vec<f64> {
    series(summary, &format!("clients.{region}.timeline.availability"))
}

/// Runs the `regionsim` binary with `args` in `dir`.
pub fn regionsim(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regionsim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

/// Writes `yaml` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, yaml: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, yaml).expect("temp file");
    p
}

/// Runs `regionsim validate` on `yaml` (as `test.yaml`): (exit code,
/// stderr, stdout).
pub fn validate(yaml: &str) -> (Option<i32>, String, String) {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "test.yaml", yaml);
    let o = regionsim(tmp.path(), &["validate", "test.yaml"]);
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

/// Every file under `dir`: relative path and bytes, sorted.
pub fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// The folder holding the shipped scenarios.
pub fn shipped_scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// The report of every shipped scenario (`run scenarios -j 2`, charts
/// included), made once for all the tests that read it: the first caller
/// runs it, the others wait. It lives in `target/tmp/shipped-report-PID`;
/// folders left by earlier test processes that have exited are removed.
pub fn shipped_report() -> &'static Path {
    static OUT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    OUT.get_or_init(|| {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        for e in std::fs::read_dir(tmp).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix("shipped-report-") {
                if !Path::new("/proc").join(pid).exists() {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let dir = tmp.join(format!("shipped-report-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let o = regionsim(
            &dir,
            &[
                "run",
                shipped_scenarios().to_str().unwrap(),
                "-o",
                "out",
                "-j",
                "2",
                "--quiet",
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        dir.join("out")
    })
}

/// Two regions with constant, round delays, for tests that compute
/// expected values by hand: `a` is the primary, `b` has a replica.
pub const TWO_REGIONS: &str = r#"
name: two-regions
seed: 3
warmup: 5s
duration: 60s
staleness_bounds: [0ms, 50ms]
regions:
  - {name: a, jurisdiction: US}
  - {name: b, jurisdiction: EU}
network:
  intra_region: 1ms
  links:
    - between: [a, b]
      delay: 38ms
datasets:
  - name: users
    keys: 100
    placement:
      single-primary:
        primary: a
        replicas: [b]
        apply_time: 0ms
workload:
  - region: a
    rates:
      users: {writes_per_s: 50}
  - region: b
    rates:
      users: {reads_per_s: 200, writes_per_s: 10}
"#;

/// What a process did under [`regionsim_limited`].
#[derive(Debug)]
pub struct Limited {
    /// Exit code; `None` when killed by a signal (or by the timeout).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Wall-clock seconds it took.
    pub secs: f64,
    /// True if it was killed for running past the time limit.
    pub timed_out: bool,
}

/// Runs the `regionsim` binary in `dir` with at most `limit_s` seconds and
/// `limit_bytes` of address space (an allocation past it fails, which
/// aborts the process: a kill the caller sees as `code: None`).
pub fn regionsim_limited(dir: &Path, args: &[&str], limit_s: f64, limit_bytes: u64) -> Limited {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_regionsim"));
    cmd.args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe; nothing else runs in the child.
    unsafe {
        cmd.pre_exec(move || {
            let lim = libc::rlimit {
                rlim_cur: limit_bytes,
                rlim_max: limit_bytes,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let start = std::time::Instant::now();
    let mut child = cmd.spawn().expect("the binary runs");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader_out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let reader_err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed().as_secs_f64() > limit_s {
            timed_out = true;
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let secs = start.elapsed().as_secs_f64();
    Limited {
        code: status.code(),
        stdout: String::from_utf8_lossy(&reader_out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&reader_err.join().unwrap()).into_owned(),
        secs,
        timed_out,
    }
}

/// Two GiB, the memory bound of the hostile-input tests.
pub const TWO_GIB: u64 = 2 << 30;

/// Erlang C: the probability that a job of an M/M/c queue with offered
/// load `a` (= lambda / mu) waits.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        sum += term;
        term *= a / f64::from(k + 1);
    }
    let top = term * f64::from(c) / (f64::from(c) - a);
    top / (sum + top)
}

/// The commit time of every acknowledged write, from the trace of run 0
/// of `yaml`, and what the run measured.
pub fn commits_and_metrics(
    yaml: &str,
) -> (Vec<regionsim::engine::Time>, regionsim::metrics::RunMetrics) {
    use regionsim::model::{Trace, World};
    let s = scenario(yaml);
    let mut sim = World::new(&s, 0);
    sim.model_mut().trace_writes();
    sim.run_to_completion();
    let commits = sim
        .model()
        .trace()
        .iter()
        .filter_map(|t| match *t {
            Trace::Acked { commit, .. } => Some(commit),
            _ => None,
        })
        .collect();
    (commits, sim.into_model().finish())
}

/// Runs `regionsim headroom` on `file` (in `dir`, writing under `out`)
/// with `extra` arguments, and returns scenario `name`'s headroom.json.
pub fn headroom(dir: &Path, file: &Path, name: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "headroom",
        file.to_str().unwrap(),
        "-o",
        "out",
        "--quiet",
        "--no-charts",
    ];
    args.extend_from_slice(extra);
    let o = regionsim(dir, &args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(dir.join(format!("out/{name}/headroom.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}
