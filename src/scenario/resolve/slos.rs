//! SLOs and precision targets, checked against the figures a run writes.

use super::*;

/// SLOs, once the rest is known: a metric must name a figure this scenario
/// reports (checked first, so a typo is not reported as a unit problem).
pub(super) fn slos(raw: &ScenarioFile, shape: &serde_json::Value, check: &mut Checker) -> Vec<Slo> {
    let mut out = Vec::new();
    for (i, f) in raw.slo.iter().enumerate() {
        // An SLO on a broken item's figures cannot be checked yet.
        if let Ok(m) = slo::metric_path(f) {
            if m.split('.').any(|seg| check.is_broken(seg)) {
                continue;
            }
        }
        let checked = slo::metric_path(f)
            .and_then(|m| match crate::scenario::check_figure_path(shape, &m) {
                Err(_) if !check.broken.is_empty() && names_missing(shape, &m) => Ok(()),
                r => r.map_err(|e| ("metric", e)),
            })
            .and_then(|()| slo::resolve(f, raw.replications));
        match checked {
            Ok(s) => out.push(s),
            Err((field, message)) => check.error(yaml_path!["slo", i, field], message),
        }
    }
    out
}

/// Whether `path` leaves `shape` where a name goes (a client region, a
/// dataset, a replica) or where nothing is: what a part of the file that
/// did not read may have taken away (a dataset that did not read leaves
/// its clients without figures), so that the path cannot be judged yet.
/// A figure's own name that is wrong (`p42_ms`) is not such a place.
fn names_missing(shape: &serde_json::Value, path: &str) -> bool {
    const NAMED: [&str; 5] = ["clients", "datasets", "by_dataset", "replicas", "app_tiers"];
    let mut node = shape;
    let mut parent = "";
    for seg in path.split('.') {
        match node.get(seg) {
            Some(next) => {
                node = next;
                parent = seg;
            }
            None => {
                let empty = node.as_object().is_none_or(serde_json::Map::is_empty);
                return empty || parent.is_empty() || NAMED.contains(&parent);
            }
        }
    }
    false
}

/// Why the figure at `path` has no value in any run of `s`, if it is one
/// whose operation nobody sends: a latency or stale share of a client
/// region (and dataset) without reads or writes, the lag of a dataset
/// nobody writes.
pub(super) fn never_measured(s: &Scenario, path: &str) -> Option<String> {
    let segs: Vec<&str> = path.split('.').collect();
    let region = |name: &str| s.regions.iter().position(|r| r.name == name);
    let dataset = |name: &str| s.datasets.iter().position(|d| d.name == name);
    let rate = |r: Option<usize>, d: Option<usize>, reads: bool| -> f64 {
        s.workload
            .iter()
            .filter(|w| r.is_none_or(|r| usize::from(w.region.0) == r))
            .filter(|w| d.is_none_or(|d| usize::from(w.dataset.0) == d))
            .map(|w| if reads { w.reads_per_s } else { w.writes_per_s })
            .sum()
    };
    let op = |leaf: &str| match leaf {
        "read_latency" | "stale_reads" | "stale_share_by_age" => Some(true),
        "write_latency" => Some(false),
        _ => None,
    };
    match segs.as_slice() {
        ["clients", r, "by_dataset", d, leaf, ..] => {
            let reads = op(leaf)?;
            (rate(region(r), dataset(d), reads) == 0.0).then(|| {
                format!(
                    "{r} sends no {} to {d}",
                    if reads { "reads" } else { "writes" }
                )
            })
        }
        ["clients", r, leaf, ..] => {
            let reads = op(leaf)?;
            (rate(region(r), None, reads) == 0.0)
                .then(|| format!("{r} sends no {}", if reads { "reads" } else { "writes" }))
        }
        ["datasets", d, "replicas", _, "lag" | "apply_wait", ..] => {
            (rate(None, dataset(d), false) == 0.0).then(|| format!("nobody writes {d}"))
        }
        _ => None,
    }
}

pub(super) fn precision(
    raw: &ScenarioFile,
    shape: &serde_json::Value,
    check: &mut Checker,
) -> Option<Precision> {
    let p = raw.precision.as_ref()?;
    let before = check.diagnostics.len();
    if p.metrics.is_empty() {
        check.error(
            yaml_path!["precision", "metrics"],
            "name at least one figure path",
        );
    }
    for (i, m) in p.metrics.iter().enumerate() {
        if !check.broken.is_empty() && names_missing(shape, m) {
            continue;
        }
        if let Err(e) = crate::scenario::check_figure_path(shape, m) {
            check.error(yaml_path!["precision", "metrics", i], e);
        }
    }
    let target = match slo::percent(&p.relative_half_width) {
        Ok(x) if x > 0.0 && x.is_finite() => x,
        Ok(_) => {
            check.error(
                yaml_path!["precision", "relative_half_width"],
                "must be above 0, e.g. 2%",
            );
            0.0
        }
        Err(e) => {
            check.error(yaml_path!["precision", "relative_half_width"], e);
            0.0
        }
    };
    if raw.replications < 2 {
        check.error(
            yaml_path!["replications"],
            "a precision target needs at least 2 replications to start from",
        );
    }
    let batch = p.batch.unwrap_or(raw.replications);
    if batch == 0 {
        check.error(yaml_path!["precision", "batch"], "batch must be at least 1");
    }
    if p.max_replications > MAX_REPLICATIONS {
        check.error(
            yaml_path!["precision", "max_replications"],
            format!(
                "max_replications is {}; the limit is {MAX_REPLICATIONS}",
                p.max_replications
            ),
        );
    }
    if p.max_replications < raw.replications {
        check.error(
            yaml_path!["precision", "max_replications"],
            format!(
                "max_replications ({}) is below replications ({})",
                p.max_replications, raw.replications
            ),
        );
    }
    (check.diagnostics.len() == before).then(|| Precision {
        metrics: p.metrics.clone(),
        relative_half_width: target,
        batch,
        max_replications: p.max_replications,
    })
}
