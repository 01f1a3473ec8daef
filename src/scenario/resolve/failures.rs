//! Failures: outages, slowdowns, bursts, clock steps, partitions and degraded links, and how overlapping ones compound.

use super::*;

/// The failures, checked: each names what fails (exactly one of a
/// region, a partition or a link) and a start inside the measured span.
pub(super) fn failures(raw: &ScenarioFile, names: &[String], check: &mut Checker) -> Vec<Failure> {
    if raw.failures.len() > MAX_FAILURES {
        check.error(
            yaml_path!["failures"],
            format!(
                "{} failures; the limit is {MAX_FAILURES}",
                raw.failures.len()
            ),
        );
        return Vec::new();
    }
    let mut out = Vec::new();
    // The scenario index of each failure kept.
    let mut index = Vec::new();
    for (i, f) in raw.failures.iter().enumerate() {
        let at = |k: &str| yaml_path!["failures", i, k];
        if let Some(name) = &f.switchover {
            if let Some(s) = switchover(raw, f, name, names, i, check) {
                out.push(s);
                index.push(i);
            }
            continue;
        }
        if f.to.is_some() {
            check.error(
                at("to"),
                "`to` belongs to a `switchover`: the region whose replica becomes the primary",
            );
        }
        let given: Vec<&str> = [
            ("region", f.region.is_some()),
            ("partition", f.partition.is_some()),
            ("link", f.link.is_some()),
        ]
        .iter()
        .filter(|(_, g)| *g)
        .map(|(k, _)| *k)
        .collect();
        if given.len() != 1 {
            check.error(
                yaml_path!["failures", i],
                format!(
                    "a failure names exactly one of `region` (an outage), `partition` or `link` (a degradation); this one gives {}",
                    if given.is_empty() { "none".to_string() } else { given.join(" and ") }
                ),
            );
            continue;
        }
        let link_only = [
            ("delay_factor", f.delay_factor.is_some()),
            ("added_delay", f.added_delay.is_some()),
            ("loss", f.loss.is_some()),
        ];
        if f.link.is_none() {
            for (k, g) in link_only {
                if g {
                    check.error(at(k), format!("`{k}` belongs to a `link` failure"));
                }
            }
        }
        if f.service.is_some() && f.region.is_none() {
            check.error(
                at("service"),
                "`service` belongs to a `region` failure: name the region whose service fails",
            );
        }
        let factors = [
            ("apply_factor", f.apply_factor, MAX_APPLY_FACTOR),
            ("load_factor", f.load_factor, MAX_LOAD_FACTOR),
            ("clock_step_ms", f.clock_step_ms, MAX_CLOCK_OFFSET_MS),
            ("error_share", f.error_share, 1.0),
            ("slow_factor", f.slow_factor, MAX_APPLY_FACTOR),
        ];
        let named: Vec<&str> = factors
            .iter()
            .filter(|(_, v, _)| v.is_some())
            .map(|(k, _, _)| *k)
            .chain(f.service.map(|_| "service"))
            .chain(f.zone.map(|_| "zone"))
            .collect();
        if let Some(z) = f.zone {
            if f.region.is_none() {
                check.error(
                    at("zone"),
                    "`zone` belongs to a `region` failure: name the region whose zone fails",
                );
            } else if named.len() > 1 {
                check.error(
                    at("zone"),
                    format!("a region failure is one of an outage (of the region, one `service` or one `zone`), an `apply_factor`, a `load_factor`, a `clock_step_ms`, an `error_share` or a `slow_factor`; this one gives {}", named.join(" and ")),
                );
            } else if !(1..=crate::scenario::limits::MAX_QUORUM_REPLICAS as u32).contains(&z) {
                check.error(
                    at("zone"),
                    format!("zone is {z}; zones are numbered from 1 (the first consensus member a group lists in the region) to {}", crate::scenario::limits::MAX_QUORUM_REPLICAS),
                );
            }
        }
        for (k, v, max) in factors {
            let Some(x) = v else {
                continue;
            };
            if f.region.is_none() {
                check.error(
                    at(k),
                    format!("`{k}` belongs to a `region` failure: name the region it happens in"),
                );
            } else if named.len() > 1 {
                check.error(
                    at(k),
                    format!("a region failure is one of an outage (of the region, one `service` or one `zone`), an `apply_factor`, a `load_factor`, a `clock_step_ms`, an `error_share` or a `slow_factor`; this one gives {}", named.join(" and ")),
                );
            } else if k == "error_share" {
                if !(x.is_finite() && x > 0.0 && x <= max) {
                    check.error(
                        at(k),
                        format!("error_share is the share of the app tier's requests that fail: give a number above 0 and at most 1, got {}", number(x)),
                    );
                }
            } else if k == "clock_step_ms" {
                if !(x.is_finite() && x != 0.0 && x.abs() <= max) {
                    check.error(
                        at(k),
                        format!("clock_step_ms moves the region's clock: give a number of milliseconds, not 0, from -{max} to {max}, got {}", number(x)),
                    );
                }
            } else if !(x.is_finite() && x > 0.0 && x <= max) {
                check.error(
                    at(k),
                    format!("{k} multiplies what the region does: give a number above 0 and at most {max}, got {}", number(x)),
                );
            }
        }
        let timing = match (f.at, f.duration, &f.mtbf, &f.mttr) {
            (Some(start), Some(duration), None, None) => {
                if duration == Duration::ZERO {
                    check.error(
                        at("duration"),
                        "duration must be above 0, e.g. duration: 10m",
                    );
                } else if duration > MAX_SPAN {
                    check.error(
                        at("duration"),
                        format!("duration is {duration}; the limit is {MAX_SPAN}"),
                    );
                }
                if start >= raw.duration {
                    check.error(
                        at("at"),
                        format!(
                            "the failure starts at {start}, at or after the end of the measured span ({}): it would change nothing",
                            raw.duration
                        ),
                    );
                }
                FailureTiming::Scheduled {
                    at: start,
                    duration,
                }
            }
            (None, None, Some(mtbf), Some(mttr)) => {
                let (mtbf, mttr) = (&mtbf.0, &mttr.0);
                for (k, d) in [("mtbf", mtbf), ("mttr", mttr)] {
                    if d.mean_nanos() < MIN_FAILURE_MEAN.as_nanos() as f64 {
                        check.error(
                            at(k),
                            format!("{k} has a mean of {:.3} s; give at least {MIN_FAILURE_MEAN} (a failure that comes and goes faster is noise, and floods the event queue)", d.mean_nanos() / 1e9),
                        );
                    }
                }
                FailureTiming::Random {
                    mtbf: mtbf.clone(),
                    mttr: mttr.clone(),
                }
            }
            _ => {
                check.error(
                    yaml_path!["failures", i],
                    "a failure happens either once, with `at` and `duration`, or at random, with `mtbf` and `mttr` (e.g. mtbf: {exponential: {mean: 30d}}, mttr: {exponential: {mean: 1h}})",
                );
                continue;
            }
        };
        let kind = if let Some(region) = &f.region {
            let Some(r) = check.region(names, region, at("region")) else {
                continue;
            };
            match (f.service, f.apply_factor, f.load_factor, f.clock_step_ms) {
                _ if f.zone.is_some() => FailureKind::Zone(r, f.zone.unwrap_or(1).min(64) as u8),
                _ if f.error_share.is_some() => {
                    FailureKind::Errors(r, f.error_share.unwrap_or(0.0))
                }
                _ if f.slow_factor.is_some() => {
                    if raw
                        .regions
                        .get(usize::from(r.0))
                        .is_some_and(|x| x.app.is_none())
                    {
                        check.error(
                            at("slow_factor"),
                            format!("slow_factor multiplies the service time of {region}'s app tier, and it has none: give it one, e.g. `app: {{servers: 10, service_time: 5ms}}`"),
                        );
                    }
                    FailureKind::AppSlowdown(r, f.slow_factor.unwrap_or(1.0))
                }
                (Some(service), ..) => FailureKind::Service(r, service),
                (None, Some(x), ..) => FailureKind::ApplySlowdown(r, x),
                (None, None, Some(x), _) => FailureKind::LoadBurst(r, x),
                (None, None, None, Some(x)) => FailureKind::ClockStep(r, x * 1e6),
                (None, None, None, None) => FailureKind::Region(r),
            }
        } else if let Some(sets) = &f.partition {
            let Some(kind) = partition(sets, names, i, check) else {
                continue;
            };
            kind
        } else {
            let pair = f.link.as_deref().unwrap_or_default();
            if pair.len() != 2 {
                check.error(
                    at("link"),
                    format!(
                        "a link is two regions, e.g. link: [us-east-1, eu-west-1]; got {}",
                        pair.len()
                    ),
                );
                continue;
            }
            let a = check.region(names, &pair[0], yaml_path!["failures", i, "link", 0]);
            let b = check.region(names, &pair[1], yaml_path!["failures", i, "link", 1]);
            let (Some(a), Some(b)) = (a, b) else {
                continue;
            };
            if a == b {
                check.error(
                    at("link"),
                    format!("a link joins two different regions; `{}` twice is the region's own network (degrade it with `intra_delay`, or fail the region)", pair[0]),
                );
                continue;
            }
            if f.delay_factor.is_none() && f.added_delay.is_none() && f.loss.is_none() {
                check.error(
                    at("link"),
                    "a degraded link needs delay_factor, added_delay or loss (to cut it, use a partition)",
                );
            }
            let delay_factor = f.delay_factor.unwrap_or(1.0);
            if !(delay_factor.is_finite() && delay_factor > 0.0 && delay_factor <= MAX_DELAY_FACTOR)
            {
                check.error(
                    at("delay_factor"),
                    format!("delay_factor multiplies every delay on the link: give a number above 0 and at most {MAX_DELAY_FACTOR}, got {}", number(delay_factor)),
                );
            }
            let added_delay = f.added_delay.unwrap_or(Duration::ZERO);
            if added_delay > MAX_DELAY {
                check.error(
                    at("added_delay"),
                    format!("added_delay is {added_delay}; the limit is {MAX_DELAY}"),
                );
            }
            let loss = match f.loss.as_ref().map(slo::percent) {
                None => 0.0,
                Some(Ok(x)) if (0.0..=1.0).contains(&x) => x,
                Some(Ok(x)) => {
                    check.error(
                        at("loss"),
                        format!("loss is a share of messages between 0% and 100%, got {x}"),
                    );
                    0.0
                }
                Some(Err(e)) => {
                    check.error(at("loss"), e);
                    0.0
                }
            };
            FailureKind::Link {
                between: (a, b),
                delay_factor,
                added_delay,
                loss,
            }
        };
        out.push(Failure { kind, timing });
        index.push(i);
    }
    compounded(&out, &index, check);
    out
}

/// A planned switchover (failure `i`) of the dataset named `name`: a
/// single-primary dataset with a replica (in `to`, if given), at `at`.
fn switchover(
    raw: &ScenarioFile,
    f: &crate::scenario::file::FailureFile,
    name: &str,
    names: &[String],
    i: usize,
    check: &mut Checker,
) -> Option<Failure> {
    use crate::scenario::file::PlacementFile;
    let at = |k: &str| yaml_path!["failures", i, k];
    let others = [
        ("region", f.region.is_some()),
        ("partition", f.partition.is_some()),
        ("link", f.link.is_some()),
        ("duration", f.duration.is_some()),
        ("mtbf", f.mtbf.is_some()),
        ("mttr", f.mttr.is_some()),
    ];
    for (k, given) in others {
        if given {
            check.error(
                at(k),
                format!("a switchover is a planned operation at one moment, `at`, of one dataset: `{k}` does not belong to it"),
            );
        }
    }
    let Some(start) = f.at else {
        check.error(
            yaml_path!["failures", i],
            "a switchover happens at a moment: give `at`, e.g. at: 10m",
        );
        return None;
    };
    if start >= raw.duration {
        check.error(
            at("at"),
            format!(
                "the switchover starts at {start}, at or after the end of the measured span ({}): it would change nothing",
                raw.duration
            ),
        );
    }
    let ds_names: Vec<String> = raw.datasets.iter().map(|d| d.name.clone()).collect();
    let d = check.dataset(&ds_names, name, at("switchover"))?;
    let PlacementFile::SinglePrimary(sp) = &raw.datasets[d].placement else {
        check.error(
            at("switchover"),
            format!("dataset `{name}` is not single-primary: a switchover hands one primary's role to a replica"),
        );
        return None;
    };
    if sp.replicas.is_empty() {
        check.error(
            at("switchover"),
            format!("dataset `{name}` has no replica to hand its primary's role to"),
        );
        return None;
    }
    let to = match &f.to {
        None => None,
        Some(r) => {
            let id = check.region(names, r, at("to"))?;
            if !sp.replicas.contains(r) {
                check.error(
                    at("to"),
                    format!(
                        "`{r}` holds no replica of `{name}`; its replicas are in: {}",
                        sp.replicas.join(", ")
                    ),
                );
                return None;
            }
            Some(id)
        }
    };
    Some(Failure {
        kind: FailureKind::Switchover(DatasetId(d as u16), to),
        timing: FailureTiming::Scheduled {
            at: start,
            duration: Duration::ZERO,
        },
    })
}

/// Failures that overlap compound: factors multiply, clock steps and
/// added delays add. Their combination at the worst moment (every random
/// failure of the same target on at once, with the scheduled ones active
/// when one of them starts) is held to the limits of a single value, and
/// refused at the failure that takes it past them.
pub(super) fn compounded(failures: &[Failure], index: &[usize], check: &mut Checker) {
    // (what it changes, its target, the value, multiply (or add), the
    // limit, the field).
    type Effect = (&'static str, String, f64, bool, f64);
    let effect = |f: &Failure| -> Vec<Effect> {
        match &f.kind {
            FailureKind::ApplySlowdown(r, x) => {
                vec![(
                    "apply_factor",
                    format!("{}", r.0),
                    *x,
                    true,
                    MAX_APPLY_FACTOR,
                )]
            }
            FailureKind::LoadBurst(r, x) => {
                vec![("load_factor", format!("{}", r.0), *x, true, MAX_LOAD_FACTOR)]
            }
            FailureKind::Errors(r, x) => vec![("error_share", format!("{}", r.0), *x, false, 1.0)],
            FailureKind::AppSlowdown(r, x) => vec![(
                "slow_factor",
                format!("{}", r.0),
                *x,
                true,
                MAX_APPLY_FACTOR,
            )],
            FailureKind::ClockStep(r, x) => vec![(
                "clock_step_ms",
                format!("{}", r.0),
                x / 1e6,
                false,
                MAX_CLOCK_OFFSET_MS,
            )],
            FailureKind::Link {
                between,
                delay_factor,
                added_delay,
                ..
            } => {
                let (a, b) = (
                    between.0 .0.min(between.1 .0),
                    between.0 .0.max(between.1 .0),
                );
                vec![
                    (
                        "delay_factor",
                        format!("{a}-{b}"),
                        *delay_factor,
                        true,
                        MAX_DELAY_FACTOR,
                    ),
                    (
                        "added_delay",
                        format!("{a}-{b}"),
                        added_delay.as_nanos() as f64 / 1e9,
                        false,
                        MAX_DELAY.as_nanos() as f64 / 1e9,
                    ),
                ]
            }
            _ => Vec::new(),
        }
    };
    let window = |f: &Failure| match f.timing {
        FailureTiming::Scheduled { at, duration } => Some((at, at + duration)),
        FailureTiming::Random { .. } => None,
    };
    let mut reported: Vec<(&str, String)> = Vec::new();
    for (i, fi) in failures.iter().enumerate() {
        for (what, target, _, multiply, limit) in effect(fi) {
            if reported.iter().any(|(w, t)| *w == what && *t == target) {
                continue;
            }
            // The moment this failure starts (a random one: any moment).
            let start = window(fi).map(|(a, _)| a);
            let mut total = if multiply { 1.0 } else { 0.0 };
            let mut with = Vec::new();
            for (j, fj) in failures.iter().enumerate() {
                let on = match (start, window(fj)) {
                    (_, None) => true,
                    (Some(t), Some((a, b))) => a <= t && t < b,
                    (None, Some(_)) => j == i,
                };
                if !on {
                    continue;
                }
                for (w, t, x, _, _) in effect(fj) {
                    if w == what && t == target {
                        total = if multiply { total * x } else { total + x };
                        with.push(index[j] + 1);
                    }
                }
            }
            if with.len() > 1 && total.abs() > limit {
                let shown = if what == "added_delay" || what == "clock_step_ms" {
                    format!("add up to {}", number(total))
                } else {
                    format!("multiply to {}", number(total))
                };
                check.error(
                    yaml_path!["failures", index[i], what],
                    format!(
                        "overlapping failures (items {} of `failures`, counting from 1) {shown}{}, past the limit of one ({}): they compound while they overlap",
                        with.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(", "),
                        if what == "added_delay" { " s" } else { "" },
                        number(limit)
                    ),
                );
                // One message per target and kind is enough.
                reported.push((what, target));
            }
        }
    }
}

/// Largest `delay_factor` of a degraded link.
pub(super) const MAX_DELAY_FACTOR: f64 = 1000.0;

/// `x` as a message shows it: as written for ordinary sizes, in
/// scientific notation past a million (`1e308`, not 309 digits).
pub(super) fn number(x: f64) -> String {
    if x.is_finite() && x.abs() >= 1e6 {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// Largest `apply_factor`: a write applied a thousand times slower.
pub(super) const MAX_APPLY_FACTOR: f64 = 1000.0;
/// Largest `load_factor`: a region's users sending a hundred times their
/// requests (every extra request is events; a larger burst is a capacity
/// question for the load profiles).
pub(super) const MAX_LOAD_FACTOR: f64 = 100.0;

/// The least mean time between failures or to repair of a random failure.
pub(super) const MIN_FAILURE_MEAN: Duration = Duration::from_secs(1);

/// The two sets of a partition, checked: both non-empty, no region in
/// both or twice.
pub(super) fn partition(
    sets: &[Vec<String>],
    names: &[String],
    i: usize,
    check: &mut Checker,
) -> Option<FailureKind> {
    if sets.len() != 2 || sets.iter().any(Vec::is_empty) {
        check.error(
            yaml_path!["failures", i, "partition"],
            "a partition is two non-empty sets of regions that cannot reach each other, e.g. partition: [[us-east-1], [eu-west-1, eu-central-1]]",
        );
        return None;
    }
    let mut resolved: Vec<Vec<RegionId>> = vec![Vec::new(), Vec::new()];
    for (k, set) in sets.iter().enumerate() {
        for (j, name) in set.iter().enumerate() {
            let at = yaml_path!["failures", i, "partition", k, j];
            let r = check.region(names, name, at.clone())?;
            if resolved.iter().any(|s| s.contains(&r)) {
                check.error(
                    at,
                    format!("region `{name}` is listed twice in the partition"),
                );
                return None;
            }
            resolved[k].push(r);
        }
    }
    let b = resolved.pop().expect("two sets");
    let a = resolved.pop().expect("two sets");
    Some(FailureKind::Partition(a, b))
}
