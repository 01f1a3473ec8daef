//! The scenario's own settings: names, span, buckets, model size, the headroom section.

use super::*;

/// Names that reach file names, dotted figure paths, CSV and Markdown:
/// letters, digits, `-` and `_` (and `.` where `dots`), at most
/// [`MAX_NAME_CHARS`], not all digits (a number in a dotted path is a list
/// index). Returns what is wrong.
pub(super) fn name_problem(name: &str, dots: bool) -> Option<String> {
    let allowed = if dots {
        "letters, digits, `-`, `_` or `.`"
    } else {
        "letters, digits, `-` or `_`"
    };
    if name.is_empty() {
        Some("a name is needed".into())
    } else if name.chars().count() > MAX_NAME_CHARS {
        Some(format!(
            "`{name}` is longer than {MAX_NAME_CHARS} characters"
        ))
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_') || (dots && c == '.'))
    {
        Some(format!("`{}` must be {allowed}", name.escape_debug()))
    } else if name.bytes().all(|b| b.is_ascii_digit()) {
        Some(format!(
            "`{name}` is all digits; in a dotted path (`--set`, SLO metrics) a number is a list position, so start it with a letter"
        ))
    } else if name.starts_with('.') {
        Some(format!("`{name}` must not start with `.`"))
    } else {
        None
    }
}

/// Names an output folder's own files use; a scenario cannot take them.
pub(super) fn reserved_scenario_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(lower.as_str(), "charts" | "index.html" | "summary.md")
        || (lower.starts_with("shard-") && lower.ends_with(".json"))
        || lower.starts_with(".regionsim")
}

/// A bucket width that gives at most about 120 points, rounded to a width
/// people read easily.
pub(super) fn default_bucket(duration: Duration) -> Duration {
    const LADDER_S: [u64; 14] = [
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200,
    ];
    let want = duration.as_nanos().div_ceil(120);
    LADDER_S
        .iter()
        .map(|&s| Duration::from_secs(s))
        .find(|d| d.as_nanos() >= want)
        .unwrap_or(Duration::from_nanos(want))
}

/// A bucket's availability below which it counts as downtime, when the
/// file does not say: 99 %.
pub const DEFAULT_AVAILABILITY_THRESHOLD: f64 = 0.99;

/// `availability_threshold`: a share above 0 and at most 100 %.
pub(super) fn availability_threshold(raw: &ScenarioFile, check: &mut Checker) -> f64 {
    let at = yaml_path!["availability_threshold"];
    match raw.availability_threshold.as_ref().map(slo::percent) {
        None => DEFAULT_AVAILABILITY_THRESHOLD,
        Some(Ok(x)) if x > 0.0 && x <= 1.0 => x,
        Some(Ok(x)) => {
            check.error(
                at,
                format!("availability_threshold is a share above 0% and at most 100%, e.g. 99.9%, got {x}"),
            );
            DEFAULT_AVAILABILITY_THRESHOLD
        }
        Some(Err(e)) => {
            check.error(at, e);
            DEFAULT_AVAILABILITY_THRESHOLD
        }
    }
}

/// How far above its pre-failure level a bucket may be and count as
/// back, when the file does not say: 10 %.
pub const DEFAULT_METASTABILITY_TOLERANCE: f64 = 0.1;

/// `metastability`: `within` above 0 and inside the longest span,
/// `tolerance` a share from 0 % to 1000 %; judged after failures, so a
/// scenario without any is told the section would say nothing.
pub(super) fn metastability(raw: &ScenarioFile, check: &mut Checker) -> Option<Metastability> {
    let m = raw.metastability.as_ref()?;
    let at = |k: &str| yaml_path!["metastability", k];
    if m.within == Duration::ZERO {
        check.error(at("within"), "metastability within is 0: give how long after a failure ends the design must be back, e.g. 60s");
    } else if m.within > MAX_SPAN {
        check.error(
            at("within"),
            format!(
                "metastability within is longer than the longest span a run can have ({MAX_SPAN})"
            ),
        );
    }
    let tolerance = match m.tolerance.as_ref().map(slo::percent) {
        None => DEFAULT_METASTABILITY_TOLERANCE,
        Some(Ok(x)) if (0.0..=10.0).contains(&x) => x,
        Some(Ok(x)) => {
            check.error(
                at("tolerance"),
                format!("metastability tolerance is a share from 0% to 1000%, e.g. 10%, got {x}"),
            );
            DEFAULT_METASTABILITY_TOLERANCE
        }
        Some(Err(e)) => {
            check.error(at("tolerance"), format!("metastability tolerance: {e}"));
            DEFAULT_METASTABILITY_TOLERANCE
        }
    };
    if raw.failures.is_empty() {
        check.error(
            yaml_path!["metastability"],
            "metastability judges how the design comes back after its failures, and this scenario has none: add `failures` (a load spike is one: `{region: R, load_factor: 2, at: 1m, duration: 10s}`) or remove the section",
        );
    }
    Some(Metastability {
        within: m.within,
        tolerance,
    })
}

/// The model indexes client streams and replication streams with 16 bits.
pub(super) fn model_size(datasets: &[Dataset], workload: &[ClientLoad], check: &mut Checker) {
    // A roaming entry sends from each region it roams to as well.
    let sources: usize = workload
        .iter()
        .map(|w| {
            let origins = 1 + w.roaming.as_ref().map_or(0, |r| r.to.len());
            (usize::from(w.reads_per_s > 0.0) + usize::from(w.writes_per_s > 0.0)) * origins
        })
        .sum();
    if sources > MAX_CLIENT_STREAMS {
        check.error(
            yaml_path!["workload"],
            format!("{sources} (region, dataset, operation) request streams; the limit is {MAX_CLIENT_STREAMS}"),
        );
    }
    // Active-active: a stream from every copy to every other;
    // geo-sharded: each shard's own.
    let streams: usize = datasets.iter().map(|d| d.strategy().streams().len()).sum();
    if streams > MAX_REPLICATION_STREAMS {
        check.error(
            yaml_path!["datasets"],
            format!("{streams} replication streams over all datasets (active-active: one from every copy to every other); the limit is {MAX_REPLICATION_STREAMS}"),
        );
    }
}

/// Top-level settings: name, duration, replications, bucket, bounds.
pub(super) fn settings(raw: &ScenarioFile, check: &mut Checker) -> (Duration, Vec<Duration>) {
    if let Some(problem) = name_problem(&raw.name, true) {
        check.error(
            yaml_path!["name"],
            format!("scenario name: {problem} (it names the output folder)"),
        );
    } else if reserved_scenario_name(&raw.name) {
        check.error(
            yaml_path!["name"],
            format!(
                "`{}` is the name of a file regionsim writes in the output folder; choose another name",
                raw.name
            ),
        );
    }
    if raw.duration == Duration::ZERO {
        check.error(yaml_path!["duration"], "duration must be above 0, e.g. 10m");
    }
    if raw
        .duration
        .as_nanos()
        .saturating_add(raw.warmup.as_nanos())
        > MAX_SPAN.as_nanos()
    {
        check.error(
            yaml_path![if raw.warmup > raw.duration {
                "warmup"
            } else {
                "duration"
            }],
            format!(
                "warm-up plus duration is {}; the limit is {} (366 days) of simulated time",
                raw.duration + raw.warmup,
                MAX_SPAN
            ),
        );
    }
    if raw.replications == 0 {
        check.error(
            yaml_path!["replications"],
            "replications must be at least 1",
        );
    } else if raw.replications > MAX_REPLICATIONS {
        check.error(
            yaml_path!["replications"],
            format!(
                "{} replications; the limit is {MAX_REPLICATIONS} (a precision target adds them only while needed)",
                raw.replications
            ),
        );
    }
    if raw.staleness_bounds.len() > MAX_BOUNDS {
        check.error(
            yaml_path!["staleness_bounds"],
            format!(
                "{} staleness bounds; the limit is {MAX_BOUNDS}",
                raw.staleness_bounds.len()
            ),
        );
    }
    if raw.slo.len() > MAX_SLOS {
        check.error(
            yaml_path!["slo"],
            format!("{} SLOs; the limit is {MAX_SLOS}", raw.slo.len()),
        );
    }
    let bucket = raw.bucket.unwrap_or_else(|| default_bucket(raw.duration));
    if bucket == Duration::ZERO {
        check.error(yaml_path!["bucket"], "bucket must be above 0, e.g. 10s");
    } else if raw.duration.as_nanos().div_ceil(bucket.as_nanos()) > MAX_BUCKETS {
        check.error(
            yaml_path!["bucket"],
            format!(
                "bucket {bucket} splits duration {} into more than {MAX_BUCKETS} buckets; use a wider bucket",
                raw.duration
            ),
        );
    }
    let mut bounds = raw.staleness_bounds.clone();
    bounds.sort();
    bounds.dedup();
    if bounds.len() != raw.staleness_bounds.len() {
        check.error(
            yaml_path!["staleness_bounds"],
            "staleness_bounds lists a bound twice",
        );
    }
    (bucket, bounds)
}

/// The `headroom:` section: values in range (whether the parameter is a
/// number in the file, `regionsim headroom` checks).
pub(super) fn headroom(raw: &ScenarioFile, check: &mut Checker) {
    let Some(h) = &raw.headroom else { return };
    let at = |k: &str| yaml_path!["headroom", k];
    if h.parameter.as_deref().is_some_and(|p| p.trim().is_empty()) {
        check.error(
            at("parameter"),
            "headroom parameter: give a dotted path, e.g. load",
        );
    }
    if let Some(p) = &h.precision {
        match slo::percent(p) {
            Ok(x) if (MIN_HEADROOM_PRECISION..=0.5).contains(&x) => {}
            Ok(_) => check.error(
                at("precision"),
                "headroom precision: give 0.0001% to 50%, e.g. 2%",
            ),
            Err(e) => check.error(at("precision"), format!("headroom precision: {e}")),
        }
    }
    for (k, v) in [("low", h.low), ("high", h.high)] {
        if v.is_some_and(|x| !(x.is_finite() && x > 0.0)) {
            check.error(at(k), format!("headroom {k}: give a number above 0"));
        }
    }
    if let (Some(lo), Some(hi)) = (h.low, h.high) {
        if hi <= lo {
            check.error(
                at("high"),
                format!("headroom high ({hi}) must be above low ({lo})"),
            );
        }
    }
    if h.points_per_round.is_some_and(|k| k == 0 || k > 64) {
        check.error(
            at("points_per_round"),
            "headroom points_per_round: give 1 to 64",
        );
    }
}
