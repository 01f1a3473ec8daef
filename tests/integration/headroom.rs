//! Headroom search: the largest load at which every SLO holds.

use crate::common::{regionsim, write};
use serde_json::Value;

/// Writes at 500/s to one replica whose single apply thread takes an
/// exponential 1 ms: saturation (arrival rate = service rate) at load 2.
/// The SLO (mean lag under 1 s over 300 s) holds up to rho = 0.999 (mean
/// wait 1 s) and breaks just past rho = 1, where the backlog grows for the
/// whole run.
const APPLY_QUEUE: &str = r#"
name: apply-queue
seed: 4
warmup: 10s
duration: 300s
regions:
  - {name: a, jurisdiction: US}
  - {name: b, jurisdiction: US}
network:
  intra_region: 1ms
  links: [{between: [a, b], delay: 10ms}]
datasets:
  - name: d
    keys: 100000
    placement:
      single-primary:
        primary: a
        replicas: [b]
        apply_time: {exponential: {mean: 1ms}}
workload:
  - region: a
    rates: {d: {writes_per_s: 500}}
slo:
  - name: replica within a second
    metric: lag.mean_ms
    scope: {dataset: d, replica: b}
    max: 1s
headroom: {parameter: load, precision: 2%}
"#;

fn search(dir: &std::path::Path, file: &std::path::Path, extra: &[&str]) -> Value {
    let j = crate::common::headroom(dir, file, "apply-queue", extra);
    let page = std::fs::read_to_string(dir.join("out/apply-queue/index.html")).unwrap();
    assert!(page.contains("headroom of <code>load</code>"), "{page}");
    j
}

/// The search brackets the saturation load: every SLO holds at the
/// bracket's lower end, one breaks at its upper end, the bracket is no
/// wider than the precision asked, and it contains 2.
#[test]
fn headroom_of_an_apply_queue_is_its_saturation_load() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "q.yaml", APPLY_QUEUE);
    let j = search(dir.path(), &file, &[]);
    let s = &j["searches"][0];
    let lo = s["headroom"].as_f64().unwrap();
    let hi = s["breaks_at"].as_f64().unwrap();
    assert!(hi - lo <= 0.02 * lo, "bracket ({lo}, {hi}] wider than 2 %");
    assert!(
        lo <= 2.0 && 2.0 <= hi,
        "bracket ({lo}, {hi}] misses the saturation load 2"
    );
    assert!((s["precision"].as_f64().unwrap() - (hi - lo) / lo).abs() < 1e-12);
    assert_eq!(s["first_to_break"], "replica within a second");
    // Fewer runs than a sweep of the same precision over the same range.
    let runs = s["runs"].as_u64().unwrap();
    let sweep = s["sweep_runs"].as_u64().unwrap();
    assert!(runs * 2 < sweep, "{runs} runs, a sweep {sweep}");
    // Every value tried below the bracket held and every one above broke.
    for t in s["trials"].as_array().unwrap() {
        let v = t["value"].as_f64().unwrap();
        assert_eq!(t["pass"].as_bool().unwrap(), v <= lo, "value {v}");
    }
}

/// The same search on one thread and on two gives the same bytes; the
/// command line's precision wins over the file's.
#[test]
fn headroom_is_deterministic_and_the_command_line_wins() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "q.yaml", APPLY_QUEUE);
    let one = search(dir.path(), &file, &["-j", "1", "--precision", "10%"]);
    let two = search(dir.path(), &file, &["-j", "2", "--precision", "10%"]);
    assert_eq!(one, two);
    let s = &one["searches"][0];
    assert_eq!(one["precision"].as_f64(), Some(0.1));
    let (lo, hi) = (
        s["headroom"].as_f64().unwrap(),
        s["breaks_at"].as_f64().unwrap(),
    );
    assert!(
        hi - lo <= 0.1 * lo && lo <= 2.0 && 2.0 <= hi,
        "({lo}, {hi}]"
    );
}

/// A parameter that is not a number, from the file's section or from the
/// command line, is refused at its place in the file with exit code 2;
/// so is a scenario without SLOs.
#[test]
fn a_headroom_parameter_must_be_a_number() {
    let dir = tempfile::tempdir().unwrap();
    let bad = APPLY_QUEUE.replace("parameter: load", "parameter: name");
    let file = write(dir.path(), "bad.yaml", &bad);
    let o = regionsim(
        dir.path(),
        &["headroom", file.to_str().unwrap(), "-o", "out"],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    let line = bad
        .lines()
        .position(|l| l.starts_with("headroom:"))
        .unwrap()
        + 1;
    assert!(err.contains(&format!("bad.yaml:{line}:")), "{err}");
    assert!(
        err.contains("`name` is `apply-queue`, not a number"),
        "{err}"
    );

    let file = write(dir.path(), "q.yaml", APPLY_QUEUE);
    let o = regionsim(
        dir.path(),
        &[
            "headroom",
            file.to_str().unwrap(),
            "--parameter",
            "datasets.d.placement.single-primary.apply_time",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    let line = APPLY_QUEUE
        .lines()
        .position(|l| l.contains("apply_time:"))
        .unwrap()
        + 1;
    assert!(err.contains(&format!("q.yaml:{line}:")), "{err}");
    assert!(err.contains("not a number"), "{err}");

    for (section, words) in [
        ("{precision: 80%}", "to 50%"),
        ("{precision: 0.00001%}", "give 0.0001% to 50%"),
        ("{low: 0}", "above 0"),
        ("{low: 3, high: 2}", "must be above low"),
        ("{points_per_round: 0}", "1 to 64"),
        ("{parameter: load, step: 2}", "unknown field `step`"),
    ] {
        let bad = APPLY_QUEUE.replace("{parameter: load, precision: 2%}", section);
        let file = write(dir.path(), "b.yaml", &bad);
        let o = regionsim(dir.path(), &["validate", file.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{section}");
        let err = String::from_utf8_lossy(&o.stderr);
        let line = bad
            .lines()
            .position(|l| l.starts_with("headroom:"))
            .unwrap()
            + 1;
        assert!(err.contains(&format!("b.yaml:{line}:")), "{section}: {err}");
        assert!(err.contains(words), "{section}: {err}");
    }

    let no_slo = APPLY_QUEUE.split("slo:").next().unwrap().to_string();
    let file = write(dir.path(), "n.yaml", &no_slo);
    let o = regionsim(dir.path(), &["headroom", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("headroom needs SLOs"));
}

/// A file with a sweep gets a search per point: apply times of 1 ms and
/// 2 ms saturate at loads 2 and 1. Sharded by point, each shard makes
/// exactly the search one process makes.
#[test]
fn each_sweep_point_gets_its_own_search_and_shards_split_them() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = APPLY_QUEUE.replace(
        "headroom: {parameter: load, precision: 2%}",
        "headroom: {precision: 5%}\nsweep:\n  names: [fast, slow]\n  parameters:\n    datasets.d.placement.single-primary.apply_time: [{exponential: {mean: 1ms}}, {exponential: {mean: 2ms}}]",
    );
    let file = write(dir.path(), "q.yaml", &yaml);
    let all = search(dir.path(), &file, &[]);
    let searches = all["searches"].as_array().unwrap();
    assert_eq!(searches.len(), 2);
    for (s, label, saturation) in [(&searches[0], "fast", 2.0), (&searches[1], "slow", 1.0)] {
        assert_eq!(s["point"], label);
        let (lo, hi) = (
            s["headroom"].as_f64().unwrap(),
            s["breaks_at"].as_f64().unwrap(),
        );
        assert!(
            hi - lo <= 0.05 * lo && lo <= saturation && saturation <= hi,
            "{label}: ({lo}, {hi}]"
        );
    }
    for (i, shard) in ["1/2", "2/2"].iter().enumerate() {
        let part = search(dir.path(), &file, &["--shard", shard]);
        assert_eq!(part["shard"], *shard);
        assert_eq!(
            part["searches"].as_array().unwrap(),
            &vec![searches[i].clone()]
        );
    }
}

/// `load: 1` is a factor like `load: 1.0`: written as a whole number it is
/// still searched to the precision asked, not in steps of 1.
#[test]
fn a_whole_number_load_is_searched_as_a_factor() {
    let dir = tempfile::tempdir().unwrap();
    let whole = write(
        dir.path(),
        "q.yaml",
        &APPLY_QUEUE.replace("seed: 4\n", "seed: 4\nload: 1\n"),
    );
    let j = search(dir.path(), &whole, &[]);
    let (lo, hi) = (
        j["searches"][0]["headroom"].as_f64().unwrap(),
        j["searches"][0]["breaks_at"].as_f64().unwrap(),
    );
    assert!(
        hi - lo <= 0.02 * lo && lo <= 2.0 && 2.0 <= hi,
        "({lo}, {hi}]"
    );
}

/// The command line wins over the file's section; `--set headroom.*`
/// changes the section.
#[test]
fn command_line_options_win_over_the_files_section() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "q.yaml",
        &APPLY_QUEUE.replace(
            "headroom: {parameter: load, precision: 2%}",
            "headroom: {parameter: load, precision: 2%, points_per_round: 3}",
        ),
    );
    let j = search(dir.path(), &file, &["--points-per-round", "2"]);
    assert_eq!(j["points_per_round"], 2);
    let j = search(dir.path(), &file, &[]);
    assert_eq!(j["points_per_round"], 3);
    let j = search(dir.path(), &file, &["--set", "headroom.precision=10%"]);
    assert_eq!(j["precision"], 0.1);
}

/// A search whose doubling passes a limit of the format (load at most
/// 1000) stops at the limit and says so, with a report.
#[test]
fn a_search_past_an_input_limit_holds_up_to_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    // A lag SLO that always holds: every value up to the limit passes.
    let file = write(
        dir.path(),
        "q.yaml",
        &APPLY_QUEUE
            .replace("duration: 300s", "duration: 1s")
            .replace("warmup: 10s", "warmup: 0s")
            .replace("writes_per_s: 500", "writes_per_s: 0.5")
            .replace("max: 1s", "max: 1h"),
    );
    let j = search(dir.path(), &file, &[]);
    let s = &j["searches"][0];
    assert_eq!(s["headroom"], 1000.0, "{s}");
    assert!(s["breaks_at"].is_null());
    let note = s["note"].as_str().unwrap();
    assert!(
        note.contains("every SLO holds up to 1000, the most the file takes")
            && note.contains("at most 1000"),
        "{note}"
    );
}

/// An SLO the parameter does not move (a write that crosses 38 ms each
/// way against a 50 ms bound) fails at every value: the search says so,
/// rather than finding a fluke at a tiny load.
#[test]
fn an_slo_the_parameter_does_not_move_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "q.yaml",
        &APPLY_QUEUE
            .replace("  - {name: b, jurisdiction: US}", "  - {name: b, jurisdiction: US}\n  - {name: c, jurisdiction: US}")
            .replace(
                "links: [{between: [a, b], delay: 10ms}]",
                "links: [{between: [a, b], delay: 10ms}, {between: [a, c], delay: 38ms}, {between: [b, c], delay: 38ms}]",
            )
            .replace(
                "    rates: {d: {writes_per_s: 500}}",
                "    rates: {d: {writes_per_s: 500}}\n  - region: c\n    rates: {d: {writes_per_s: 5}}",
            )
            .replace(
                "slo:\n",
                "slo:\n  - {name: writes from c under 50 ms, metric: clients.c.write_latency.p50_ms, max: 50ms}\n",
            )
            .replace("duration: 300s", "duration: 60s"),
    );
    let j = search(dir.path(), &file, &[]);
    let s = &j["searches"][0];
    assert!(s["headroom"].is_null(), "{s}");
    let note = s["note"].as_str().unwrap();
    assert!(
        note.contains("`writes from c under 50 ms` fails at every value tried")
            && note.contains("does not move with the parameter"),
        "{note}"
    );
    // It stopped past an eighth of the start, not at a millionth.
    let lowest = s["trials"][0]["value"].as_f64().unwrap();
    assert!(lowest >= 0.06, "{lowest}");
}

/// A round past --max-memory is refused before it runs, as `run` refuses.
#[test]
fn a_round_past_max_memory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "q.yaml", APPLY_QUEUE);
    let o = regionsim(
        dir.path(),
        &[
            "headroom",
            file.to_str().unwrap(),
            "-o",
            "out",
            "--max-memory",
            "1MiB",
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--max-memory"), "{err}");
}

/// A precision finer than a millionth is refused, not searched for ever
/// and printed with 300 digits.
#[test]
fn a_precision_finer_than_a_millionth_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "q.yaml", APPLY_QUEUE);
    let o = regionsim(
        dir.path(),
        &[
            "headroom",
            file.to_str().unwrap(),
            "--precision",
            "1e-300",
            "-o",
            "o",
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("give 0.0001% to 50%") && err.len() < 300,
        "{err}"
    );
}
