//! Regression tests for the ten findings of issue 7 (a hostile user's
//! files): each failed before its fix. Every command here runs the binary
//! with 10 s and 2 GiB at most.

use crate::common::{regionsim_limited, write, Limited, TWO_GIB, TWO_REGIONS};
use std::path::Path;

/// Runs regionsim in `dir` with the hostile-input bounds.
fn limited(dir: &Path, args: &[&str]) -> Limited {
    let o = regionsim_limited(dir, args, 10.0, TWO_GIB);
    assert!(!o.timed_out, "{args:?} ran past 10 s");
    o
}

/// Asserts exit 2 and that stderr names `file:line:` and holds `words`.
fn refused_at(o: &Limited, file: &str, line: usize, words: &[&str]) {
    assert_eq!(o.code, Some(2), "stderr: {}", o.stderr);
    assert!(
        o.stderr.contains(&format!("{file}:{line}:")),
        "expected {file}:{line}: in: {}",
        o.stderr
    );
    for w in words {
        assert!(o.stderr.contains(w), "expected `{w}` in: {}", o.stderr);
    }
}

fn line_of(yaml: &str, needle: &str) -> usize {
    yaml.lines().position(|l| l.contains(needle)).unwrap() + 1
}

/// Finding 1: a key written twice ran with the last entry winning, and
/// panicked on the --set, --seed and sweep paths.
#[test]
fn f1_duplicate_keys_are_located_on_every_path() {
    let tmp = tempfile::tempdir().unwrap();
    let yaml = TWO_REGIONS.replace(
        "      users: {reads_per_s: 200, writes_per_s: 10}",
        "      users: {reads_per_s: 200, writes_per_s: 10}\n      users: {reads_per_s: 5}",
    );
    write(tmp.path(), "d.yaml", &yaml);
    let swept = format!("{yaml}sweep:\n  parameters:\n    seed: [1, 2]\n");
    write(tmp.path(), "sw.yaml", &swept);
    let line = line_of(&yaml, "users: {reads_per_s: 5}");
    for args in [
        &["validate", "d.yaml"][..],
        &["run", "d.yaml", "-q"][..],
        &["run", "d.yaml", "--seed", "5", "-q"][..],
        &["run", "d.yaml", "--set", "seed=3", "-q"][..],
        &["run", "sw.yaml", "-q"][..],
    ] {
        let file = args[1];
        let o = limited(tmp.path(), args);
        refused_at(&o, file, line, &["`users` is given twice"]);
    }
    // In any mapping: a region's fields, the top level.
    let twice = TWO_REGIONS.replace(
        "{name: b, jurisdiction: EU}",
        "{name: b, jurisdiction: EU, jurisdiction: US}",
    );
    write(tmp.path(), "r.yaml", &twice);
    let o = limited(tmp.path(), &["validate", "r.yaml"]);
    refused_at(
        &o,
        "r.yaml",
        line_of(&twice, "EU, jurisdiction: US"),
        &["`jurisdiction` is given twice"],
    );
    write(tmp.path(), "t.yaml", &format!("{TWO_REGIONS}seed: 4\n"));
    let o = limited(tmp.path(), &["validate", "t.yaml"]);
    refused_at(
        &o,
        "t.yaml",
        TWO_REGIONS.lines().count() + 1,
        &["`seed` is given twice"],
    );
}

/// Finding 2: sizes that aborted or exhausted memory are refused at load,
/// with the file, line and column, in well under the bounds.
#[test]
fn f2_sizes_that_exhaust_the_machine_are_refused_at_load() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        ("keys: 100", "keys: 4294967295", "the limit is 100000000"),
        ("keys: 100", "keys: 1000000000", "the limit is 100000000"),
        (
            "seed: 3",
            "seed: 3\nreplications: 1000000000",
            "the limit is 10000",
        ),
    ];
    for (i, (from, to, words)) in cases.iter().enumerate() {
        let yaml = TWO_REGIONS.replace(from, to);
        let name = format!("c{i}.yaml");
        write(tmp.path(), &name, &yaml);
        let needle = to.lines().last().unwrap();
        for cmd in ["validate", "run"] {
            let o = limited(
                tmp.path(),
                &[cmd, &name, "-q"][..if cmd == "run" { 3 } else { 2 }],
            );
            refused_at(&o, &name, line_of(&yaml, needle), &[words]);
        }
    }
    // 66,000 regions (the old limit was u16).
    let mut many = String::from("name: many\nduration: 1s\nregions:\n");
    for i in 0..66_000 {
        many.push_str(&format!("  - {{name: r{i}, jurisdiction: EU}}\n"));
    }
    many.push_str("datasets: []\nworkload: []\n");
    write(tmp.path(), "many.yaml", &many);
    let o = limited(tmp.path(), &["validate", "many.yaml"]);
    refused_at(&o, "many.yaml", 4, &["66000 regions; the limit is 1000"]);
    // A sweep of 10^12 points.
    let mut sweep = format!("{TWO_REGIONS}sweep:\n  parameters:\n");
    for p in [
        "seed",
        "datasets.users.keys",
        "workload.a.rates.users.writes_per_s",
        "network.links.0.delay",
    ] {
        let values: Vec<String> = (1..=1000)
            .map(|v| {
                if p.ends_with("delay") {
                    format!("{v}ms")
                } else {
                    v.to_string()
                }
            })
            .collect();
        sweep.push_str(&format!("    {p}: [{}]\n", values.join(", ")));
    }
    write(tmp.path(), "huge.yaml", &sweep);
    let o = limited(tmp.path(), &["validate", "huge.yaml"]);
    refused_at(
        &o,
        "huge.yaml",
        line_of(&sweep, "seed: ["),
        &["points; the limit is 10000"],
    );
    // What fits the format but not the machine: refused by the estimate.
    // (A uniform dataset of 10^8 keys no longer is: its replica keeps state
    // for keys with a write in flight only. A Zipf alias table of 10^8
    // keys is 1.6 GB.)
    let big = TWO_REGIONS.replace(
        "keys: 100\n",
        "keys: 100000000\n    popularity: {zipf: 0.9}\n",
    );
    write(tmp.path(), "big.yaml", &big);
    let o = limited(tmp.path(), &["run", "big.yaml", "--max-memory", "1GiB"]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(
        o.stderr.contains("above 1.0 GiB (--max-memory)"),
        "{}",
        o.stderr
    );
    let o = limited(
        tmp.path(),
        &["validate", "big.yaml", "--max-memory", "1GiB"],
    );
    assert_eq!(o.code, Some(2), "{}", o.stderr);
}

/// Finding 3: hours of work with no warning. Rates and spans beyond the
/// limits are refused; a long but legal run is estimated before it starts,
/// warned about, refused under --max-events, and shows progress at once.
#[test]
fn f3_long_runs_are_estimated_warned_and_shown() {
    let tmp = tempfile::tempdir().unwrap();
    for (from, to, words) in [
        ("reads_per_s: 200", "reads_per_s: 1e9", "the limit is 1e8"),
        ("reads_per_s: 200", "reads_per_s: 1e308", "the limit is 1e8"),
        ("duration: 60s", "duration: 100000h", "the limit is 8784h"),
        ("warmup: 5s", "warmup: 1000000h", "the limit is 8784h"),
    ] {
        let yaml = TWO_REGIONS.replace(from, to);
        write(tmp.path(), "x.yaml", &yaml);
        let o = limited(tmp.path(), &["validate", "x.yaml"]);
        refused_at(&o, "x.yaml", line_of(&yaml, to), &[words]);
    }
    // Legal, and long: 10^7 reads a second for a day.
    let long = TWO_REGIONS
        .replace("reads_per_s: 200", "reads_per_s: 1e7")
        .replace("duration: 60s", "duration: 24h");
    write(tmp.path(), "long.yaml", &long);
    let o = limited(tmp.path(), &["validate", "long.yaml"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(o.stdout.contains("about 1.7 T events"), "{}", o.stdout);
    assert!(o.stdout.contains("warning: about"), "{}", o.stdout);
    let o = limited(tmp.path(), &["run", "long.yaml", "--max-events", "1e9"]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(
        o.stderr.contains("above --max-events 1.0 G"),
        "{}",
        o.stderr
    );
    // Started without a limit, the estimate and the warning come first.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_regionsim"))
        .args(["run", "long.yaml", "-o", "out"])
        .current_dir(tmp.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut err, &mut first).unwrap();
    let secs = start.elapsed().as_secs_f64();
    let mut second = String::new();
    std::io::BufRead::read_line(&mut err, &mut second).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(secs < 2.0, "first stderr line after {secs} s");
    assert!(first.contains("about 1.7 T events"), "{first}");
    assert!(second.starts_with("warning: this is about"), "{second}");
    // The killed run left no report and nothing beside it.
    let left: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("out"))
        .collect();
    assert!(
        left.iter().all(|n| n.starts_with(".out.regionsim-")),
        "{left:?}"
    );
}

/// On a terminal, the progress bar appears within two seconds.
#[test]
fn f3_progress_shows_on_a_terminal_within_two_seconds() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: no `script` to make a terminal");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let long = TWO_REGIONS
        .replace("reads_per_s: 200", "reads_per_s: 1e6")
        .replace("duration: 60s", "duration: 1h");
    write(tmp.path(), "long.yaml", &long);
    let bin = env!("CARGO_BIN_EXE_regionsim");
    // `script` gives the command a terminal and copies what it writes.
    let o = regionsim_script(tmp.path(), &format!("timeout 3 {bin} run long.yaml -o out"));
    assert!(
        o.contains("runs,") && o.contains("events/s") && o.contains("ETA"),
        "{o}"
    );
}

fn regionsim_script(dir: &Path, command: &str) -> String {
    let o = std::process::Command::new("script")
        .args(["-qec", command, "/dev/null"])
        .current_dir(dir)
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Finding 4: 100,000 nested `[` took 55 s to parse.
#[test]
fn f4_deep_nesting_is_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "n.yaml",
        &format!("name: x\nduration: {}", "[".repeat(100_000)),
    );
    let o = limited(tmp.path(), &["validate", "n.yaml"]);
    refused_at(&o, "n.yaml", 2, &["nesting deeper than 64"]);
    assert!(o.secs < 2.0, "{} s", o.secs);
    let o = limited(
        tmp.path(),
        &[
            "validate",
            "n.yaml",
            "--set",
            &format!("seed={}", "[".repeat(100_000)),
        ],
    );
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(o.stderr.contains("nesting deeper"), "{}", o.stderr);
}

/// Finding 5: the user's environment at fault gave exit 3 and left
/// temporary files behind.
#[test]
fn f5_environment_errors_exit_2_naming_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "s.yaml", TWO_REGIONS);
    std::fs::write(tmp.path().join("a-file"), "x").unwrap();
    let long = "x".repeat(300);
    let cases: [(&[&str], &str); 4] = [
        (
            &["run", "s.yaml", "-q", "-o", "a-file"],
            "a-file: is a file",
        ),
        (
            &["run", "s.yaml", "-q", "-o", "/dev/null"],
            "/dev/null: is a file",
        ),
        (
            &["run", "s.yaml", "-q", "-o", "/proc/regionsim/out"],
            "/proc",
        ),
        (&["run", "s.yaml", "-q", "-o", &long], "cannot"),
    ];
    for (args, words) in cases {
        let o = limited(tmp.path(), args);
        assert_eq!(o.code, Some(2), "{args:?}: {}", o.stderr);
        assert!(o.stderr.contains(words), "{args:?}: {}", o.stderr);
    }
    // Names of the report's own files, and names too long for a folder.
    for name in [
        "index.html",
        "summary.md",
        "charts",
        "Index.HTML",
        &"n".repeat(300),
    ] {
        let yaml = TWO_REGIONS.replace("name: two-regions", &format!("name: {name}"));
        write(tmp.path(), "n.yaml", &yaml);
        let o = limited(tmp.path(), &["run", "n.yaml", "-q", "-o", "out"]);
        refused_at(&o, "n.yaml", line_of(&yaml, "name: "), &[]);
    }
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains("tmp") || n.to_string_lossy().contains("out"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // A folder of someone else's files is not replaced.
    std::fs::create_dir(tmp.path().join("mine")).unwrap();
    std::fs::write(tmp.path().join("mine/notes.txt"), "keep").unwrap();
    let o = limited(tmp.path(), &["run", "s.yaml", "-q", "-o", "mine"]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(o.stderr.contains("notes.txt"), "{}", o.stderr);
    assert!(tmp.path().join("mine/notes.txt").exists());
}

/// Finding 6 (the kill test is in interrupt.rs): files of an earlier run
/// never survive into a new report, and a second writer is refused.
#[test]
fn f6_a_new_report_never_keeps_files_of_an_old_one() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "s.yaml", TWO_REGIONS);
    let o = limited(tmp.path(), &["run", "s.yaml", "-q", "-o", "out"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(tmp.path().join("out/two-regions/charts").exists());
    let o = limited(
        tmp.path(),
        &["run", "s.yaml", "-q", "-o", "out", "--no-charts"],
    );
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(!tmp.path().join("out/two-regions/charts").exists());
    assert!(tmp.path().join("out/index.html").exists());
    let renamed = TWO_REGIONS.replace("name: two-regions", "name: renamed");
    write(tmp.path(), "s.yaml", &renamed);
    let o = limited(tmp.path(), &["run", "s.yaml", "-q", "-o", "out"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(!tmp.path().join("out/two-regions").exists());
    assert!(tmp.path().join("out/renamed/summary.json").exists());
    // Nothing is left beside the report.
    let beside: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(beside.is_empty(), "{beside:?}");
}

/// Finding 7: corrupt shard files merged into a wrong report (exit 0), or
/// into SLO failures.
#[test]
fn f7_merge_refuses_corrupt_shards_naming_file_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "s.yaml", TWO_REGIONS);
    let o = limited(
        tmp.path(),
        &["run", "s.yaml", "-q", "--shard", "1/1", "-o", "shards"],
    );
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let text = std::fs::read_to_string(tmp.path().join("shards/shard-1-of-1.json")).unwrap();
    let good: serde_json::Value = serde_json::from_str(&text).unwrap();
    let o = limited(tmp.path(), &["merge", "shards", "-q", "-o", "merged"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    type Edit = fn(&mut serde_json::Value);
    let cases: [(Edit, &str); 7] = [
        (
            |v| v["records"][0]["figures"]["events"] = "abc".into(),
            "figures.events is text",
        ),
        (
            |v| v["records"][0]["figures"] = serde_json::json!({}),
            "figures.events is missing",
        ),
        (
            |v| {
                v["records"][0]["figures"]["timeline"]["reads_per_s"]
                    .as_array_mut()
                    .unwrap()
                    .pop();
            },
            "figures.timeline.reads_per_s has 59 values, the scenario gives 60",
        ),
        (
            |v| {
                v["records"][0]["figures"]["clients"]["b"]["stale_reads"]["0ms"]["share"] =
                    (-0.5).into()
            },
            "figures.clients.b.stale_reads.0ms.share is -0.5, not a non-negative number",
        ),
        (
            |v| v["records"][0]["figures"]["clients"]["b"]["extra"] = 1.into(),
            "figures.clients.b.extra is not a figure",
        ),
        (
            |v| v["records"][0]["figures"]["datasets"]["users"]["primary"] = "b".into(),
            "expected `a`",
        ),
        (
            |v| {
                v["records"][0]["figures"]["clients"]["b"]["read_latency"]["p50_ms"] =
                    serde_json::Value::Null
            },
            "",
        ),
    ];
    for (i, (edit, words)) in cases.iter().enumerate() {
        let mut v = good.clone();
        edit(&mut v);
        let dir = tmp.path().join(format!("bad{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("shard-1-of-1.json"),
            serde_json::to_string(&v).unwrap(),
        )
        .unwrap();
        let o = limited(
            tmp.path(),
            &["merge", &format!("bad{i}"), "-q", "-o", &format!("m{i}")],
        );
        if words.is_empty() {
            // A figure that may be empty (no reads recorded) is not damage.
            assert_eq!(o.code, Some(0), "{}", o.stderr);
            continue;
        }
        assert_eq!(o.code, Some(2), "case {i}: {}", o.stderr);
        assert!(
            o.stderr.contains("shard-1-of-1.json") && o.stderr.contains(words),
            "case {i}: expected `{words}` in: {}",
            o.stderr
        );
    }
}

/// Finding 8: write errors on standard output were ignored (exit 0); a
/// closed pipe stays quiet.
#[test]
fn f8_failed_writes_exit_2_and_closed_pipes_stay_quiet() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "s.yaml", TWO_REGIONS);
    let bin = env!("CARGO_BIN_EXE_regionsim");
    for args in [
        "schema",
        "validate s.yaml",
        "run s.yaml -o out --format json",
        "bench s.yaml",
    ] {
        let o = std::process::Command::new("sh")
            .args(["-c", &format!("{bin} {args} > /dev/full")])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args}: {err}");
        assert!(
            err.contains("cannot write to standard output"),
            "{args}: {err}"
        );
    }
    let o = std::process::Command::new("bash")
        .args([
            "-c",
            &format!("{bin} schema | head -c 1 >/dev/null; exit ${{PIPESTATUS[0]}}"),
        ])
        .output()
        .unwrap();
    assert!(o.status.success() && o.stderr.is_empty(), "{o:?}");
    // Standard error full: the reports are written, the exit code says so.
    let o = std::process::Command::new("sh")
        .args(["-c", &format!("{bin} run s.yaml -o out2 2> /dev/full")])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(tmp.path().join("out2/index.html").exists());
}

/// Finding 9: a rate of 10^12/s measured as 1.04 x 10^9/s (the mean gap
/// rounded to whole nanoseconds); a huge apply time saturated the clock.
#[test]
fn f9_high_rates_are_exact_and_huge_delays_refused() {
    // 6.6 x 10^7 reads/s: the old mean gap of 15 ns (not 15.15) gave +1 %.
    let yaml = TWO_REGIONS
        .replace(
            "users: {reads_per_s: 200, writes_per_s: 10}",
            "users: {reads_per_s: 66000000}",
        )
        .replace("warmup: 5s", "warmup: 0ms")
        .replace("duration: 60s", "duration: 100ms")
        .replace("staleness_bounds: [0ms, 50ms]", "bucket: 100ms");
    let s = crate::common::summary(&yaml);
    let rate = regionsim::report::aggregate::at(&s, "points.0.figures.timeline.reads_per_s.mean.0")
        .and_then(serde_json::Value::as_f64)
        .unwrap();
    // 6.6 x 10^6 arrivals: one standard deviation is 0.04 %.
    assert!((rate / 6.6e7 - 1.0).abs() < 0.003, "{rate}");
    let tmp = tempfile::tempdir().unwrap();
    let huge = TWO_REGIONS.replace("apply_time: 0ms", "apply_time: 1000000h");
    write(tmp.path(), "h.yaml", &huge);
    let o = limited(tmp.path(), &["validate", "h.yaml"]);
    refused_at(
        &o,
        "h.yaml",
        line_of(&huge, "1000000h"),
        &["above the limit of 24h"],
    );
}

/// Finding 10: input silently ignored or misleading.
#[test]
fn f10_misleading_input_is_refused_or_honoured() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "s.yaml", TWO_REGIONS);
    // --set sweep=... takes effect.
    let o = limited(
        tmp.path(),
        &[
            "validate",
            "s.yaml",
            "--set",
            "sweep={parameters: {seed: [1, 2, 3]}}",
        ],
    );
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(o.stdout.contains("3 points"), "{}", o.stdout);
    // Two parameters for one field.
    let same = format!(
        "{TWO_REGIONS}sweep:\n  parameters:\n    datasets.users.keys: [10, 20]\n    datasets.0.keys: [30, 40]\n"
    );
    write(tmp.path(), "same.yaml", &same);
    let o = limited(tmp.path(), &["validate", "same.yaml"]);
    refused_at(
        &o,
        "same.yaml",
        line_of(&same, "datasets.0.keys"),
        &["set the same field"],
    );
    let parent = format!(
        "{TWO_REGIONS}sweep:\n  parameters:\n    datasets.users.keys: [10, 20]\n    datasets.users: [{{name: users, keys: 5, placement: {{single-primary: {{primary: a, apply_time: 1ms}}}}}}]\n"
    );
    write(tmp.path(), "parent.yaml", &parent);
    let o = limited(tmp.path(), &["validate", "parent.yaml"]);
    refused_at(
        &o,
        "parent.yaml",
        line_of(&parent, "datasets.users: ["),
        &["a field and a part of it"],
    );
    // Names that broke CSV and Markdown.
    for bad in ["\"a,b\"", "'a\"b'", "\"a\\nb\"", "\"a|b\""] {
        let yaml = TWO_REGIONS.replace(
            "{name: b, jurisdiction: EU}",
            &format!("{{name: {bad}, jurisdiction: EU}}"),
        );
        write(tmp.path(), "n.yaml", &yaml);
        let o = limited(tmp.path(), &["validate", "n.yaml"]);
        refused_at(
            &o,
            "n.yaml",
            line_of(&yaml, "jurisdiction: EU"),
            &["region name"],
        );
    }
    // A byte-order mark is not part of the first key.
    write(
        tmp.path(),
        "bom.yaml",
        &format!("\u{feff}{}", TWO_REGIONS.trim_start()),
    );
    let o = limited(tmp.path(), &["validate", "bom.yaml"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    // A tab where YAML wants spaces, and an alias bomb: located.
    let tab = TWO_REGIONS.replace("keys: 100", "keys:\t100");
    write(tmp.path(), "tab.yaml", &tab);
    let o = limited(tmp.path(), &["validate", "tab.yaml"]);
    refused_at(&o, "tab.yaml", line_of(&tab, "keys:\t"), &["tab"]);
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        bomb.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            vec![format!("*a{}", i - 1); 10].join(", ")
        ));
    }
    write(tmp.path(), "bomb.yaml", &bomb);
    let o = limited(tmp.path(), &["validate", "bomb.yaml"]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(
        o.stderr.contains("bomb.yaml:6:") && o.stderr.contains("expands to more than"),
        "{}",
        o.stderr
    );
    // An integer sweep key.
    let int = format!("{TWO_REGIONS}sweep:\n  parameters:\n    1: [1, 2]\n");
    write(tmp.path(), "int.yaml", &int);
    let o = limited(tmp.path(), &["validate", "int.yaml"]);
    refused_at(
        &o,
        "int.yaml",
        line_of(&int, "1: [1, 2]"),
        &["`1` is not a dotted path"],
    );
    // A share bound below 0 %.
    let slo =
        format!("{TWO_REGIONS}slo:\n  - {{metric: clients.b.stale_reads.0ms.share, max: -5%}}\n");
    write(tmp.path(), "slo.yaml", &slo);
    let o = limited(tmp.path(), &["validate", "slo.yaml"]);
    refused_at(
        &o,
        "slo.yaml",
        line_of(&slo, "-5%"),
        &["between 0% and 100%"],
    );
    // A Pareto law with an infinite mean is warned about.
    let pareto = TWO_REGIONS.replace("delay: 38ms", "delay: {pareto: {scale: 30ms, shape: 0.9}}");
    write(tmp.path(), "p.yaml", &pareto);
    let o = limited(tmp.path(), &["validate", "p.yaml"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(
        o.stdout.contains("infinite mean") && o.stdout.contains("from a to b"),
        "{}",
        o.stdout
    );
    // -j 20000: refused at once; -j 1000 uses no more threads than runs.
    let o = limited(
        tmp.path(),
        &["run", "s.yaml", "-q", "-j", "20000", "-o", "j"],
    );
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    let o = limited(
        tmp.path(),
        &["run", "s.yaml", "-q", "-j", "1000", "-o", "j"],
    );
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(o.secs < 5.0, "{} s", o.secs);
    // Folders: hidden files skipped, `.YAML` taken.
    let dir = tmp.path().join("folder");
    std::fs::create_dir(&dir).unwrap();
    write(&dir, ".hidden.yaml", "not: a scenario\n");
    write(&dir, "UPPER.YAML", TWO_REGIONS);
    let o = limited(tmp.path(), &["validate", "folder"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(o.stdout.contains("UPPER.YAML: ok"), "{}", o.stdout);
}
