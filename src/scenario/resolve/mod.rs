//! Checking a scenario file and resolving its names to indices, one
//! function per section of the file. Every problem is recorded with its
//! YAML path, and located when reported.

use super::file::{
    FailoverFile, FailoverMode, PlacementFile, PopularityFile, ReplicationFile, RoutingPolicyFile,
    ScenarioFile, TargetFile, WorkloadFile,
};
use super::limits::*;
use super::locate::{yaml_path, Seg, Tree};
use super::slo::{self, Slo};
use super::Precision;
use super::{
    lint, presets, Capacity, ClientLoad, Dataset, DatasetId, Failover, Failure, FailureKind,
    FailureTiming, HealthChecks, Network, Popularity, Profile, Region, RegionId, Replication,
    Residency, ResidencyRule, Roaming, Routing, RoutingPolicy, RywMitigation, Scenario, Sessions,
    Shard, Shed, UserPool,
};
use crate::engine::{Dist, Duration};
use crate::error::Diagnostic;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// Collects located problems.
pub(super) struct Checker<'a> {
    pub(super) tree: &'a Tree,
    pub(super) file: &'a Path,
    /// Prefix of every message (which sweep point or override).
    pub(super) context: &'a str,
    pub(super) diagnostics: Vec<Diagnostic>,
    /// Names of items that did not read (already reported): references to
    /// them are not reported again.
    pub(super) broken: Vec<String>,
    /// The figures SLO and precision paths may name.
    pub(super) shape: super::FigureShape,
}

impl Checker<'_> {
    fn error(&mut self, at: Vec<Seg>, message: impl Into<String>) {
        let (line, column) = self.tree.locate(&at);
        self.diagnostics.push(Diagnostic {
            file: self.file.to_path_buf(),
            line,
            column,
            message: format!("{}{}", self.context, message.into()),
        });
    }

    /// Resolves a region name or records why it cannot.
    fn region(&mut self, names: &[String], name: &str, at: Vec<Seg>) -> Option<RegionId> {
        match names.iter().position(|n| n == name) {
            Some(i) => Some(RegionId(i as u16)),
            None if self.is_broken(name) => None,
            None => {
                self.error(
                    at,
                    format!(
                        "unknown region `{name}`; the scenario's regions are: {}",
                        names.join(", ")
                    ),
                );
                None
            }
        }
    }
}

impl Checker<'_> {
    /// True for a name of an item that did not read.
    fn is_broken(&self, name: &str) -> bool {
        self.broken.iter().any(|b| b == name)
    }

    /// Records a problem unless some item did not read: a list that looks
    /// empty, or a count that looks wrong, may only be missing that item.
    fn error_unless_broken(&mut self, at: Vec<Seg>, message: impl Into<String>) {
        if self.broken.is_empty() {
            self.error(at, message);
        }
    }
}

/// Names that reach file names, dotted figure paths, CSV and Markdown:
/// letters, digits, `-` and `_` (and `.` where `dots`), at most
/// [`MAX_NAME_CHARS`], not all digits (a number in a dotted path is a list
/// index). Returns what is wrong.
fn name_problem(name: &str, dots: bool) -> Option<String> {
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
fn reserved_scenario_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(lower.as_str(), "charts" | "index.html" | "summary.md")
        || (lower.starts_with("shard-") && lower.ends_with(".json"))
        || lower.starts_with(".regionsim")
}

/// A bucket width that gives at most about 120 points, rounded to a width
/// people read easily.
fn default_bucket(duration: Duration) -> Duration {
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

/// Checks the file and resolves names to indices; `None` when `check`
/// holds problems.
pub(super) fn resolve(raw: ScenarioFile, path: &Path, check: &mut Checker) -> Option<Scenario> {
    let (bucket, bounds) = settings(&raw, check);
    let settings_ok = check.diagnostics.is_empty();
    let regions = regions(&raw, check);
    if regions.len() != raw.regions.len() {
        // Too many to index: nothing else can be checked against them.
        return None;
    }
    let names: Vec<String> = raw.regions.iter().map(|r| r.name.clone()).collect();
    let (pair, bandwidth) = network(&raw, &regions, check);
    let datasets = datasets(&raw, &names, check);
    let workload = workload(&raw, &names, &regions, &pair, check);
    let failures = failures(&raw, &names, check);
    let health = health_checks(&raw, &names, check);
    let routing = routing(&raw, &names, &workload, check);
    let users = users_fit(&raw, &datasets, &workload, check);
    let residency = residency(&raw, &names, &regions, &workload, check);
    let mut datasets = datasets;
    geo_shards(
        &raw,
        &mut datasets,
        &workload,
        residency.as_deref(),
        &names,
        users,
        check,
    );
    model_size(&datasets, &workload, check);
    let sessions = raw.sessions.as_ref().map(|s| Sessions {
        global: s.store == crate::scenario::file::SessionStoreFile::Global,
        apply_time: s
            .apply_time
            .clone()
            .unwrap_or_else(|| Dist::constant(Duration::ZERO)),
    });
    let n = regions.len();
    // SLO and precision paths are checked against the scenario as far as
    // it resolved, so that their problems are reported with the others; it
    // needs sound settings (buckets) and a delay for every pair.
    if !settings_ok || pair.iter().any(Option::is_none) || datasets.len() != raw.datasets.len() {
        return None;
    }
    let mut scenario = Scenario {
        name: raw.name.clone(),
        description: raw.description.trim().to_string(),
        source: path.to_path_buf(),
        seed: raw.seed,
        duration: raw.duration,
        warmup: raw.warmup,
        replications: raw.replications,
        bucket,
        staleness_bounds: bounds,
        availability_threshold: availability_threshold(&raw, check),
        regions,
        network: Network {
            regions: n,
            delays: pair
                .into_iter()
                .map(|d| d.expect("every pair filled"))
                .collect(),
            bandwidth,
        },
        datasets,
        workload,
        slos: Vec::new(),
        precision: None,
        failures,
        health,
        routing,
        sessions,
        users,
        residency,
        warnings: Vec::new(),
    };
    // Which figures exist, for SLO and precision paths; built only when
    // they need it (it is as large as a run's figures).
    let shape = if !raw.slo.is_empty() || raw.precision.is_some() {
        if scenario.failures.is_empty() && !raw.failures.is_empty() && !scenario.regions.is_empty()
        {
            // Every failure had a problem of its own (reported): the
            // figures are those of a scenario with failures all the same,
            // so that SLOs on them are not called unknown too.
            let mut with = scenario.clone();
            with.failures.push(Failure {
                kind: FailureKind::Region(RegionId(0)),
                timing: FailureTiming::Scheduled {
                    at: Duration::ZERO,
                    duration: Duration::from_nanos(1),
                },
            });
            (check.shape)(&with)
        } else {
            (check.shape)(&scenario)
        }
    } else {
        serde_json::Value::Null
    };
    headroom(&raw, check);
    scenario.slos = slos(&raw, &shape, check);
    scenario.precision = precision(&raw, &shape, check);
    if let Some(p) = &raw.precision {
        for (i, m) in p.metrics.iter().enumerate() {
            if let Some(why) = never_measured(&scenario, m) {
                check.error(
                    yaml_path!["precision", "metrics", i],
                    format!("`{m}` is never measured ({why}): no number of replications makes it precise"),
                );
            }
        }
    }
    if !check.diagnostics.is_empty() {
        return None;
    }
    scenario.warnings = lint(&scenario);
    Some(scenario)
}

/// A bucket's availability below which it counts as downtime, when the
/// file does not say: 99 %.
pub const DEFAULT_AVAILABILITY_THRESHOLD: f64 = 0.99;

/// `availability_threshold`: a share above 0 and at most 100 %.
fn availability_threshold(raw: &ScenarioFile, check: &mut Checker) -> f64 {
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

/// The model indexes client streams and replication streams with 16 bits.
fn model_size(datasets: &[Dataset], workload: &[ClientLoad], check: &mut Checker) {
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
    let streams: usize = datasets
        .iter()
        .map(|d| match d.active_active {
            Some(_) => (d.replicas.len() + 1) * d.replicas.len(),
            None if !d.shards.is_empty() => d.shards.iter().map(|sh| sh.replicas.len()).sum(),
            None => d.replicas.len(),
        })
        .sum();
    if streams > MAX_REPLICATION_STREAMS {
        check.error(
            yaml_path!["datasets"],
            format!("{streams} replication streams over all datasets (active-active: one from every copy to every other); the limit is {MAX_REPLICATION_STREAMS}"),
        );
    }
}

/// Top-level settings: name, duration, replications, bucket, bounds.
fn settings(raw: &ScenarioFile, check: &mut Checker) -> (Duration, Vec<Duration>) {
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

fn regions(raw: &ScenarioFile, check: &mut Checker) -> Vec<Region> {
    if raw.regions.is_empty() {
        check.error_unless_broken(yaml_path!["regions"], "list at least one region");
    }
    if raw.regions.len() > MAX_REGIONS {
        check.error(
            yaml_path!["regions"],
            format!("{} regions; the limit is {MAX_REGIONS}", raw.regions.len()),
        );
        return Vec::new();
    }
    let names: Vec<String> = raw.regions.iter().map(|r| r.name.clone()).collect();
    let preset = raw.network.preset.clone();
    if let Some(p) = &preset {
        if !presets::PRESETS.contains(&p.as_str()) {
            check.error(
                yaml_path!["network", "preset"],
                format!(
                    "unknown network preset `{p}`; presets: {}",
                    presets::PRESETS.join(", ")
                ),
            );
        }
    }
    let mut regions = Vec::new();
    for (i, r) in raw.regions.iter().enumerate() {
        if names[..i].contains(&r.name) {
            check.error(
                yaml_path!["regions", i, "name"],
                format!("region `{}` is listed twice", r.name),
            );
        }
        if let Some(problem) = name_problem(&r.name, false) {
            check.error(
                yaml_path!["regions", i, "name"],
                format!("region name: {problem}"),
            );
        }
        if r.jurisdiction.is_empty()
            || r.jurisdiction.chars().count() > MAX_NAME_CHARS
            || r.jurisdiction.chars().any(char::is_control)
        {
            check.error(
                yaml_path!["regions", i, "jurisdiction"],
                format!("a jurisdiction is a short code like EU or US (1 to {MAX_NAME_CHARS} characters, no control characters)"),
            );
        }
        let coords = match (r.lat, r.lon) {
            (Some(lat), Some(lon)) => {
                if !(-90.0..=90.0).contains(&lat) {
                    check.error(
                        yaml_path!["regions", i, "lat"],
                        format!("latitude {lat} is outside -90..90"),
                    );
                }
                if !(-180.0..=180.0).contains(&lon) {
                    check.error(
                        yaml_path!["regions", i, "lon"],
                        format!("longitude {lon} is outside -180..180"),
                    );
                }
                Some((lat, lon))
            }
            (None, None) => preset
                .as_deref()
                .and_then(|p| presets::preset_coords(p, &r.name)),
            _ => {
                check.error(
                    yaml_path!["regions", i],
                    "give both lat and lon, or neither",
                );
                None
            }
        };
        let app = r.app.as_ref().and_then(|a| {
            capacity(
                a.servers,
                a.concurrency,
                &a.service_time,
                a.queue_limit,
                a.shed,
                yaml_path!["regions", i, "app"],
                check,
            )
        });
        regions.push(Region {
            name: r.name.clone(),
            jurisdiction: r.jurisdiction.clone(),
            coords,
            app,
            clock: clock(r.clock, i, check),
        });
    }
    regions
}

/// One-way delay of every ordered pair, row-major; `None` where nothing
/// gives one (already reported).
fn network(
    raw: &ScenarioFile,
    regions: &[Region],
    check: &mut Checker,
) -> (Vec<Option<Dist>>, Vec<Option<f64>>) {
    let names: Vec<String> = regions.iter().map(|r| r.name.clone()).collect();
    let preset = raw.network.preset.clone();
    // Explicit links first, then the preset, then distance.
    let n = regions.len();
    let mut pair: Vec<Option<Dist>> = vec![None; n * n];
    let mut bandwidth: Vec<Option<f64>> = vec![None; n * n];
    let mut defined_at: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for (i, link) in raw.network.links.iter().enumerate() {
        let ends: Option<(String, String, bool)> = match (&link.between, &link.from, &link.to) {
            (Some(b), None, None) if b.len() == 2 => Some((b[0].clone(), b[1].clone(), true)),
            (Some(_), None, None) => {
                check.error(
                    yaml_path!["network", "links", i, "between"],
                    "between takes exactly two regions, e.g. [us-east-1, eu-west-1]",
                );
                None
            }
            (None, Some(f), Some(t)) => Some((f.clone(), t.clone(), false)),
            _ => {
                check.error(
                    yaml_path!["network", "links", i],
                    "a link names either `between: [a, b]` (both directions) or `from` and `to` (one direction)",
                );
                None
            }
        };
        let Some((a, b, both)) = ends else { continue };
        if link.delay.is_none() && link.bandwidth.is_none() {
            check.error(
                yaml_path!["network", "links", i],
                "a link gives a `delay`, a `bandwidth` or both",
            );
            continue;
        }
        let key = if both { "between" } else { "from" };
        let ra = check.region(&names, &a, yaml_path!["network", "links", i, key]);
        let key_b = if both { "between" } else { "to" };
        let rb = check.region(&names, &b, yaml_path!["network", "links", i, key_b]);
        let (Some(ra), Some(rb)) = (ra, rb) else {
            continue;
        };
        let (ia, ib) = (usize::from(ra.0), usize::from(rb.0));
        if ia == ib {
            check.error(
                yaml_path!["network", "links", i],
                format!("a link joins two different regions; set `intra_delay` on region `{a}` for delay inside it"),
            );
            continue;
        }
        let directions: &[(usize, usize)] = if both {
            &[(ia, ib), (ib, ia)]
        } else {
            &[(ia, ib)]
        };
        for &(x, y) in directions {
            // A one-way override may refine a `between`; two of a kind clash.
            if let Some(&j) = defined_at.get(&(x, y)) {
                let earlier_between = raw.network.links[j].between.is_some();
                if earlier_between == both {
                    check.error(
                        yaml_path!["network", "links", i],
                        format!(
                            "the delay from {} to {} is already given by link {}",
                            names[x],
                            names[y],
                            j + 1
                        ),
                    );
                    continue;
                }
                if !both {
                    if link.delay.is_some() {
                        pair[x * n + y] = link.delay.clone();
                    }
                    if let Some(b) = link.bandwidth {
                        bandwidth[x * n + y] = Some(b.0);
                    }
                    defined_at.insert((x, y), i);
                }
                continue;
            }
            pair[x * n + y] = link.delay.clone();
            bandwidth[x * n + y] = link.bandwidth.map(|b| b.0);
            defined_at.insert((x, y), i);
        }
    }
    let default_intra = raw
        .network
        .intra_region
        .clone()
        .unwrap_or_else(presets::intra_region_delay);
    let mut missing = Vec::new();
    for x in 0..n {
        for y in 0..n {
            let slot = &mut pair[x * n + y];
            if slot.is_some() {
                continue;
            }
            if x == y {
                *slot = Some(
                    raw.regions[x]
                        .intra_delay
                        .clone()
                        .unwrap_or_else(|| default_intra.clone()),
                );
                continue;
            }
            let from_preset = preset
                .as_deref()
                .and_then(|p| presets::preset_median(p, &names[x], &names[y]));
            let median = from_preset.or_else(|| {
                Some(presets::distance_median(
                    regions[x].coords?,
                    regions[y].coords?,
                ))
            });
            match median {
                Some(m) => *slot = Some(presets::wan_delay(m)),
                None if x < y => missing.push(format!("{}-{}", names[x], names[y])),
                None => {}
            }
        }
    }
    if !missing.is_empty() && check.diagnostics.is_empty() {
        check.error(
            yaml_path!["network"],
            format!(
                "no delay for {}: add a link (`between: [a, b]`), use a preset that knows both regions ({}), or give both regions lat and lon",
                missing.join(", "),
                presets::PRESETS.join(", ")
            ),
        );
    }
    (pair, bandwidth)
}

/// The `headroom:` section: values in range (whether the parameter is a
/// number in the file, `regionsim headroom` checks).
fn headroom(raw: &ScenarioFile, check: &mut Checker) {
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

/// Most servers of one station (an app tier's servers x concurrency).
pub const MAX_SERVERS: u64 = 100_000;

/// Most jobs one station's queue may hold.
pub const MAX_QUEUE_LIMIT: u32 = 10_000_000;

/// A station's capacity: `servers` (x `concurrency`) at least 1 and at most
/// [`MAX_SERVERS`], a queue limit within bounds. `at` is the section's path.
fn capacity(
    servers: u32,
    concurrency: Option<u32>,
    service_time: &Dist,
    queue_limit: Option<u32>,
    shed: Option<Shed>,
    at: Vec<Seg>,
    check: &mut Checker,
) -> Option<Capacity> {
    let field = |name: &str| {
        let mut p = at.clone();
        p.push(Seg::Key(name.to_string()));
        p
    };
    let mut ok = true;
    if servers == 0 {
        check.error(
            field("servers"),
            "0 servers: a station needs at least one (omit the section for unlimited capacity)",
        );
        ok = false;
    }
    if concurrency == Some(0) {
        check.error(
            field("concurrency"),
            "concurrency 0: each server works on at least one request at once",
        );
        ok = false;
    }
    let total = u64::from(servers) * u64::from(concurrency.unwrap_or(1));
    if ok && total > MAX_SERVERS {
        check.error(
            at.clone(),
            format!("{total} servers in one station; the limit is {MAX_SERVERS}"),
        );
        ok = false;
    }
    if queue_limit.is_some_and(|q| q > MAX_QUEUE_LIMIT) {
        check.error(
            field("queue_limit"),
            format!("queue_limit above {MAX_QUEUE_LIMIT}; omit it for no limit"),
        );
        ok = false;
    }
    if service_time.mean_nanos() <= 0.0 {
        check.error(
            field("service_time"),
            "a service time of zero: omit the section for unlimited capacity",
        );
        ok = false;
    }
    ok.then(|| Capacity {
        servers: total as u32,
        service_time: service_time.clone(),
        queue_limit,
        shed: shed.unwrap_or_default(),
    })
}

fn datasets(raw: &ScenarioFile, names: &[String], check: &mut Checker) -> Vec<Dataset> {
    let ds_names: Vec<String> = raw.datasets.iter().map(|d| d.name.clone()).collect();
    if raw.datasets.is_empty() {
        check.error_unless_broken(yaml_path!["datasets"], "list at least one dataset");
    }
    if raw.datasets.len() > MAX_DATASETS {
        check.error(
            yaml_path!["datasets"],
            format!(
                "{} datasets; the limit is {MAX_DATASETS}",
                raw.datasets.len()
            ),
        );
        return Vec::new();
    }
    let mut datasets = Vec::new();
    for (i, d) in raw.datasets.iter().enumerate() {
        if ds_names[..i].contains(&d.name) {
            check.error(
                yaml_path!["datasets", i, "name"],
                format!("dataset `{}` is listed twice", d.name),
            );
        }
        if let Some(problem) = name_problem(&d.name, false) {
            check.error(
                yaml_path!["datasets", i, "name"],
                format!("dataset name: {problem}"),
            );
        }
        if d.keys == 0 {
            check.error(yaml_path!["datasets", i, "keys"], "keys must be at least 1");
        } else if d.keys > MAX_KEYS {
            check.error(
                yaml_path!["datasets", i, "keys"],
                format!(
                    "{} keys; the limit is {MAX_KEYS} per dataset (each key costs 16 bytes at every replica, in every run)",
                    d.keys
                ),
            );
        }
        let popularity = match d.popularity {
            PopularityFile::Uniform => Popularity::Uniform,
            // Checked against the users once the workload is read.
            PopularityFile::PerUser => Popularity::PerUser,
            PopularityFile::Zipf(s) => {
                if !(s.is_finite() && s > 0.0) {
                    check.error(
                        yaml_path!["datasets", i, "popularity", "zipf"],
                        format!("the zipf exponent must be above 0 (typical: 0.7 to 1.2), got {s}"),
                    );
                    Popularity::Uniform
                } else {
                    // Built by the first run that needs it.
                    Popularity::Zipf {
                        s,
                        table: Arc::default(),
                    }
                }
            }
        };
        let record_bytes = d.record_bytes.unwrap_or(DEFAULT_RECORD_BYTES);
        if !(1..=MAX_RECORD_BYTES).contains(&record_bytes) {
            check.error(
                yaml_path!["datasets", i, "record_bytes"],
                format!(
                    "record_bytes is {record_bytes}; give 1 to {MAX_RECORD_BYTES} (64 MiB) bytes per record"
                ),
            );
        }
        let record_bytes = record_bytes.clamp(1, MAX_RECORD_BYTES) as u32;
        let sp = match &d.placement {
            PlacementFile::SinglePrimary(sp) => sp,
            PlacementFile::GeoSharded(g) => {
                // Shards are filled in from the residency rules
                // ([`geo_shards`]).
                if d.restricted == Some(false) {
                    check.error(
                        yaml_path!["datasets", i, "restricted"],
                        "a geo-sharded dataset is held to the residency rules: leave `restricted` out",
                    );
                }
                let at = |k: &str| yaml_path!["datasets", i, "placement", "geo-sharded", k];
                let mut replicas = Vec::new();
                for list in g.replicas.values() {
                    for r in list {
                        if let Some(id) = names.iter().position(|n| n == r) {
                            let id = RegionId(id as u16);
                            if !replicas.contains(&id) {
                                replicas.push(id);
                            }
                        }
                    }
                }
                datasets.push(Dataset {
                    name: d.name.clone(),
                    keys: d.keys,
                    popularity,
                    primary: RegionId(0),
                    replication: Replication::Async,
                    apply_time: g.apply_time.clone(),
                    apply_threads: match g.apply_threads {
                        None => 1,
                        Some(n) if (1..=MAX_APPLY_THREADS).contains(&n) => n,
                        Some(n) => {
                            check.error(
                                at("apply_threads"),
                                format!("apply_threads is {n}; give 1 to {MAX_APPLY_THREADS} threads per replica"),
                            );
                            1
                        }
                    },
                    record_bytes,
                    active_active: None,
                    commit: None,
                    failover: g.failover.as_ref().and_then(|f| {
                        failover(raw, f, names, &replicas, i, "geo-sharded", check)
                    }),
                    replicas,
                    restricted: true,
                    shards: Vec::new(),
                    shard_of_rule: Vec::new(),
                    read_your_writes: None,
                    shipping_delay: shipping_delay(g.shipping_delay.as_ref(), Replication::Async),
                });
                continue;
            }
            PlacementFile::ActiveActive(aa) => {
                if let Some(ds) = active_active(d, aa, i, names, popularity, record_bytes, check) {
                    datasets.push(ds);
                }
                continue;
            }
        };
        let at = |k: &str| yaml_path!["datasets", i, "placement", "single-primary", k];
        let primary = check.region(names, &sp.primary, at("primary"));
        let mut replicas = Vec::new();
        for (j, r) in sp.replicas.iter().enumerate() {
            let mut p = at("replicas");
            p.push(Seg::Index(j));
            if let Some(id) = check.region(names, r, p.clone()) {
                if Some(id) == primary {
                    check.error(
                        p,
                        format!("`{r}` is the primary; list only the other regions as replicas"),
                    );
                } else if replicas.contains(&id) {
                    check.error(p, format!("replica `{r}` is listed twice"));
                } else {
                    replicas.push(id);
                }
            }
        }
        let replication = replication(sp.replication, sp.replicas.len(), i, check);
        if sp.shipping_delay.is_some() && replication != Replication::Async {
            check.error(
                at("shipping_delay"),
                "shipping_delay is for async replication: under semi-sync and sync the primary sends each write at commit and waits for the replicas",
            );
        }
        datasets.push(Dataset {
            name: d.name.clone(),
            keys: d.keys,
            popularity,
            primary: primary.unwrap_or(RegionId(0)),
            replication,
            apply_time: sp.apply_time.clone(),
            apply_threads: match sp.apply_threads {
                None => 1,
                Some(n) if (1..=MAX_APPLY_THREADS).contains(&n) => n,
                Some(n) => {
                    check.error(
                        yaml_path!["datasets", i, "placement", "single-primary", "apply_threads"],
                        format!("apply_threads is {n}; give 1 to {MAX_APPLY_THREADS} threads per replica"),
                    );
                    1
                }
            },
            record_bytes,
            active_active: None,
            commit: sp.commit.as_ref().and_then(|c| {
                capacity(
                    c.servers.unwrap_or(1),
                    None,
                    &c.service_time,
                    c.queue_limit,
                    None,
                    yaml_path!["datasets", i, "placement", "single-primary", "commit"],
                    check,
                )
            }),
            failover: sp
                .failover
                .as_ref()
                .and_then(|f| failover(raw, f, names, &replicas, i, "single-primary", check)),
            replicas,
            restricted: d.restricted.unwrap_or(false),
            shards: Vec::new(),
            shard_of_rule: Vec::new(),
            read_your_writes: sp
                .read_your_writes
                .as_ref()
                .and_then(|r| read_your_writes(r, i, check)),
            shipping_delay: shipping_delay(sp.shipping_delay.as_ref(), replication),
        });
    }
    datasets
}

/// An active-active dataset: two or more regions, each listed once.
fn active_active(
    d: &super::file::DatasetFile,
    aa: &super::file::ActiveActiveFile,
    i: usize,
    names: &[String],
    popularity: Popularity,
    record_bytes: u32,
    check: &mut Checker,
) -> Option<Dataset> {
    let at = |k: &str| yaml_path!["datasets", i, "placement", "active-active", k];
    let mut regions: Vec<RegionId> = Vec::new();
    for (j, r) in aa.regions.iter().enumerate() {
        let mut p = at("regions");
        p.push(Seg::Index(j));
        if let Some(id) = check.region(names, r, p.clone()) {
            if regions.contains(&id) {
                check.error(p, format!("region `{r}` is listed twice"));
            } else {
                regions.push(id);
            }
        }
    }
    if aa.regions.len() < 2 {
        check.error(
            at("regions"),
            "active-active needs two or more regions (with one, use single-primary)",
        );
        return None;
    }
    let apply_threads = match aa.apply_threads {
        None => 1,
        Some(n) if (1..=MAX_APPLY_THREADS).contains(&n) => n,
        Some(n) => {
            check.error(
                at("apply_threads"),
                format!("apply_threads is {n}; give 1 to {MAX_APPLY_THREADS} threads per copy"),
            );
            1
        }
    };
    let (&primary, replicas) = regions.split_first()?;
    Some(Dataset {
        name: d.name.clone(),
        keys: d.keys,
        popularity,
        primary,
        replicas: replicas.to_vec(),
        replication: Replication::Async,
        apply_time: aa.apply_time.clone(),
        apply_threads,
        record_bytes,
        commit: None,
        failover: None,
        active_active: Some(aa.resolution.unwrap_or_default()),
        restricted: d.restricted.unwrap_or(false),
        shards: Vec::new(),
        shard_of_rule: Vec::new(),
        read_your_writes: None,
        shipping_delay: None,
    })
}

/// The shipping delay of an async dataset; none when it is always zero
/// (every write is sent at commit, with no event of its own).
fn shipping_delay(d: Option<&Dist>, replication: Replication) -> Option<Dist> {
    d.filter(|d| replication == Replication::Async && d.mean_nanos() > 0.0)
        .cloned()
}

/// The default longest wait of `read_your_writes: {token: wait}`.
const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(1);

/// Dataset `i`'s read-your-writes mitigation: exactly one kind, positive
/// durations within the limits.
fn read_your_writes(
    r: &super::file::ReadYourWritesFile,
    i: usize,
    check: &mut Checker,
) -> Option<RywMitigation> {
    use super::file::TokenFile;
    let here = yaml_path![
        "datasets",
        i,
        "placement",
        "single-primary",
        "read_your_writes"
    ];
    let at = |k: &str| {
        let mut p = here.clone();
        p.push(Seg::Key(k.to_string()));
        p
    };
    let positive = |d: Duration, k: &str, check: &mut Checker| {
        if d == Duration::ZERO || d > MAX_DELAY {
            check.error(
                at(k),
                format!("{k} is {d}; give a duration above 0 and at most {MAX_DELAY}"),
            );
            false
        } else {
            true
        }
    };
    if r.max_wait.is_some() && r.token != Some(TokenFile::Wait) {
        check.error(
            at("max_wait"),
            "max_wait bounds `token: wait`: add it, or leave max_wait out",
        );
        return None;
    }
    match (r.primary_for, r.token) {
        (Some(d), None) => {
            positive(d, "primary_for", check).then_some(RywMitigation::PrimaryFor(d))
        }
        (None, Some(TokenFile::Wait)) => {
            let d = r.max_wait.unwrap_or(DEFAULT_MAX_WAIT);
            positive(d, "max_wait", check).then_some(RywMitigation::TokenWait(d))
        }
        (None, Some(TokenFile::Primary)) => Some(RywMitigation::TokenPrimary),
        _ => {
            check.error(
                here,
                "give exactly one of `primary_for: 2s` (read from the primary after one's own write) and `token: wait` or `token: primary` (a session token)",
            );
            None
        }
    }
}

/// Most a region's clock may be off: one hour (a typo guard).
const MAX_CLOCK_OFFSET_MS: f64 = 3_600_000.0;
/// Most drift: 1 % (a free-running quartz is under 100 ppm).
const MAX_DRIFT_PPM: f64 = 10_000.0;

/// A region's clock as (offset in ns, drift as a fraction).
fn clock(c: Option<super::file::ClockFile>, i: usize, check: &mut Checker) -> (f64, f64) {
    let Some(c) = c else { return (0.0, 0.0) };
    let offset = c.offset_ms.unwrap_or(0.0);
    let drift = c.drift_ppm.unwrap_or(0.0);
    if !(offset.is_finite() && offset.abs() <= MAX_CLOCK_OFFSET_MS) {
        check.error(
            yaml_path!["regions", i, "clock", "offset_ms"],
            format!("clock offset_ms is {offset}; give -3600000 to 3600000 (one hour)"),
        );
    }
    if !(drift.is_finite() && drift.abs() <= MAX_DRIFT_PPM) {
        check.error(
            yaml_path!["regions", i, "clock", "drift_ppm"],
            format!("clock drift_ppm is {drift}; give -10000 to 10000"),
        );
    }
    (offset * 1e6, drift * 1e-6)
}

/// Default promotion delay: 30 s ("secondary promotion in under a minute",
/// Aurora Global Database; FACTS.md).
const DEFAULT_PROMOTION: Duration = Duration::from_secs(30);
/// Default wait of an operator who starts a manual failover: 5 minutes.
const DEFAULT_OPERATOR: Duration = Duration::from_secs(300);
/// Default time for a deposed primary to resynchronise and rejoin.
const DEFAULT_RESYNC: Duration = Duration::from_secs(300);

/// The failover of dataset `i`, whose replicas are `replicas`.
fn failover(
    raw: &ScenarioFile,
    f: &FailoverFile,
    names: &[String],
    replicas: &[RegionId],
    i: usize,
    kind: &str,
    check: &mut Checker,
) -> Option<Failover> {
    let at = |k: &str| yaml_path!["datasets", i, "placement", kind, "failover", k];
    let here = yaml_path!["datasets", i, "placement", kind, "failover"];
    if raw.health_checks.is_none() {
        check.error(
            here.clone(),
            "failover acts on what health checks detect: add a top-level `health_checks:` section, e.g. health_checks: {interval: 10s, failure_threshold: 3}",
        );
    }
    if replicas.is_empty() {
        check.error(
            here,
            "failover needs a replica to promote; this dataset has none",
        );
        return None;
    }
    for (k, v) in [
        ("promotion_delay", f.promotion_delay),
        ("operator_delay", f.operator_delay),
        ("resync", f.resync),
    ] {
        if let Some(d) = v {
            if d > MAX_DELAY {
                check.error(at(k), format!("{k} is {d}; the limit is {MAX_DELAY}"));
            }
        }
    }
    if f.operator_delay.is_some() && f.mode == FailoverMode::Automatic {
        check.error(
            at("operator_delay"),
            "operator_delay is the wait of a manual failover: add mode: manual, or leave it out",
        );
    }
    let target = match &f.target {
        // A geo-sharded dataset's targets are its shards' (`geo_shards`).
        _ if kind == "geo-sharded" => None,
        None => None,
        Some(TargetFile::PerShard(_)) => {
            check.error(
                at("target"),
                "a target per shard is for geo-sharded datasets: name one region",
            );
            return None;
        }
        Some(TargetFile::Region(name)) => {
            let r = check.region(names, name, at("target"))?;
            match replicas.iter().position(|&x| x == r) {
                Some(j) => Some(j),
                None => {
                    check.error(
                        at("target"),
                        format!("failover target `{name}` holds no replica of this dataset; its replicas are in: {}",
                            replicas.iter().map(|r| names[usize::from(r.0)].as_str()).collect::<Vec<_>>().join(", ")),
                    );
                    return None;
                }
            }
        }
    };
    Some(Failover {
        operator_delay: match f.mode {
            FailoverMode::Automatic => Duration::ZERO,
            FailoverMode::Manual => f.operator_delay.unwrap_or(DEFAULT_OPERATOR).min(MAX_DELAY),
        },
        mode: f.mode,
        promotion_delay: f
            .promotion_delay
            .unwrap_or(DEFAULT_PROMOTION)
            .min(MAX_DELAY),
        target,
        fencing: f.fencing.unwrap_or(true),
        resync: f.resync.unwrap_or(DEFAULT_RESYNC).min(MAX_DELAY),
    })
}

/// The shortest health-check interval and DNS TTL: each is a period of
/// events in every run.
const MIN_PERIOD: Duration = Duration::from_secs(1);

/// Resolver groups per client region when a scenario does not say.
const DEFAULT_GROUPS: u32 = 20;
/// Most resolver groups per client region.
const MAX_GROUPS: u32 = 1_000;
/// Default DNS TTL: 60 s, the most Route 53 advises on health-checked
/// records (FACTS.md).
const DEFAULT_TTL: Duration = Duration::from_secs(60);

/// DNS routing, checked.
fn routing(
    raw: &ScenarioFile,
    names: &[String],
    workload: &[ClientLoad],
    check: &mut Checker,
) -> Option<Routing> {
    let r = raw.routing.as_ref()?;
    let at = |k: &str| yaml_path!["routing", k];
    let listed = |check: &mut Checker, list: &[String], key: &str| -> Vec<RegionId> {
        let mut out = Vec::new();
        for (j, name) in list.iter().enumerate() {
            let p = yaml_path!["routing", key, j];
            if let Some(id) = check.region(names, name, p.clone()) {
                if out.contains(&id) {
                    check.error(p, format!("`{name}` is listed twice"));
                }
                out.push(id);
            }
        }
        out
    };
    let policy_key = |p: RoutingPolicyFile| match p {
        RoutingPolicyFile::Latency => "latency",
        RoutingPolicyFile::Geo => "geo",
        RoutingPolicyFile::Failover => "failover",
        RoutingPolicyFile::Weighted => "weighted",
    };
    let only = |check: &mut Checker, key: &str, given: bool, policy: RoutingPolicyFile| {
        if given {
            check.error(
                at(key),
                format!(
                    "`{key}` belongs to another policy than `{}`",
                    policy_key(policy)
                ),
            );
        }
    };
    let (policy, default_endpoints) = match r.policy {
        RoutingPolicyFile::Latency | RoutingPolicyFile::Geo => {
            only(check, "primary", r.primary.is_some(), r.policy);
            only(check, "secondary", r.secondary.is_some(), r.policy);
            only(check, "weights", !r.weights.is_empty(), r.policy);
            if r.policy == RoutingPolicyFile::Latency {
                only(check, "geo", !r.geo.is_empty(), r.policy);
            }
            let mut users: Vec<RegionId> = workload.iter().map(|w| w.region).collect();
            users.sort();
            users.dedup();
            let policy = if r.policy == RoutingPolicyFile::Geo {
                if r.geo.is_empty() {
                    check.error(
                        at("policy"),
                        "the geo policy needs a `geo:` map of client region to endpoint region",
                    );
                }
                let mut map = vec![None; names.len()];
                for (client, endpoint) in &r.geo {
                    let c =
                        check.region(names, client, yaml_path!["routing", "geo", client.as_str()]);
                    let e = check.region(
                        names,
                        endpoint,
                        yaml_path!["routing", "geo", client.as_str()],
                    );
                    if let (Some(c), Some(e)) = (c, e) {
                        map[usize::from(c.0)] = Some(e);
                    }
                }
                RoutingPolicy::Geo(map)
            } else {
                RoutingPolicy::Latency
            };
            (policy, users)
        }
        RoutingPolicyFile::Failover => {
            only(check, "weights", !r.weights.is_empty(), r.policy);
            only(check, "geo", !r.geo.is_empty(), r.policy);
            let p = r
                .primary
                .as_deref()
                .and_then(|n| check.region(names, n, at("primary")));
            let s2 = r
                .secondary
                .as_deref()
                .and_then(|n| check.region(names, n, at("secondary")));
            if r.primary.is_none() || r.secondary.is_none() {
                check.error(
                    at("policy"),
                    "the failover policy needs `primary` and `secondary` endpoint regions",
                );
                return None;
            }
            let (Some(p), Some(s2)) = (p, s2) else {
                return None;
            };
            if p == s2 {
                check.error(at("secondary"), "secondary must differ from primary");
            }
            (
                RoutingPolicy::Failover {
                    primary: p,
                    secondary: s2,
                },
                vec![p, s2],
            )
        }
        RoutingPolicyFile::Weighted => {
            only(check, "primary", r.primary.is_some(), r.policy);
            only(check, "secondary", r.secondary.is_some(), r.policy);
            only(check, "geo", !r.geo.is_empty(), r.policy);
            if r.weights.is_empty() {
                check.error(
                    at("policy"),
                    "the weighted policy needs `weights:`, endpoint region to weight",
                );
                return None;
            }
            let mut endpoints = Vec::new();
            let mut weights = Vec::new();
            for (name, &w) in &r.weights {
                let p = yaml_path!["routing", "weights", name.as_str()];
                if !(w.is_finite() && (0.0..=1e9).contains(&w)) {
                    check.error(
                        p.clone(),
                        format!("a weight is a number from 0 to 10^9, got {w}"),
                    );
                }
                if let Some(id) = check.region(names, name, p) {
                    endpoints.push(id);
                    weights.push(if w.is_finite() {
                        w.clamp(0.0, 1e9)
                    } else {
                        0.0
                    });
                }
            }
            if weights.iter().all(|&w| w == 0.0) && !weights.is_empty() {
                check.error(at("weights"), "every weight is 0: DNS would never answer; give at least one endpoint a weight above 0");
            }
            (RoutingPolicy::Weighted(weights), endpoints)
        }
    };
    let endpoints = match &r.endpoints {
        None => default_endpoints,
        Some(list) => {
            if matches!(
                r.policy,
                RoutingPolicyFile::Failover | RoutingPolicyFile::Weighted
            ) {
                check.error(at("endpoints"), "the endpoints of a failover policy are its primary and secondary, of a weighted one its weights' regions: leave endpoints out");
            }
            if list.is_empty() {
                check.error(at("endpoints"), "list at least one endpoint region");
            }
            listed(check, list, "endpoints")
        }
    };
    if let RoutingPolicy::Geo(map) = &policy {
        for (client, e) in map.iter().enumerate() {
            if let Some(e) = e {
                if !endpoints.contains(e) {
                    check.error(
                        yaml_path!["routing", "geo", names[client].as_str()],
                        format!("`{}` is not one of the endpoints", names[usize::from(e.0)]),
                    );
                }
            }
        }
    }
    let ttl = r.ttl.unwrap_or(DEFAULT_TTL);
    if ttl < MIN_PERIOD || ttl > MAX_DELAY {
        check.error(
            at("ttl"),
            format!("ttl is {ttl}; give {MIN_PERIOD} to {MAX_DELAY} (every resolver group refreshes once a TTL)"),
        );
    }
    let groups = r.resolver_groups.unwrap_or(DEFAULT_GROUPS);
    if !(1..=MAX_GROUPS).contains(&groups) {
        check.error(
            at("resolver_groups"),
            format!("resolver_groups is {groups}; give 1 to {MAX_GROUPS}"),
        );
    }
    let (overstay_share, overstay) = match &r.overstay {
        None => (0.0, Duration::ZERO),
        Some(o) => {
            let share = match slo::percent(&o.share) {
                Ok(x) if (0.0..=1.0).contains(&x) => x,
                Ok(x) => {
                    check.error(
                        yaml_path!["routing", "overstay", "share"],
                        format!("share is a share of resolver groups from 0% to 100%, got {x}"),
                    );
                    0.0
                }
                Err(e) => {
                    check.error(yaml_path!["routing", "overstay", "share"], e);
                    0.0
                }
            };
            if o.by > MAX_DELAY {
                check.error(
                    yaml_path!["routing", "overstay", "by"],
                    format!("by is {}; the limit is {MAX_DELAY}", o.by),
                );
            }
            (share, o.by.min(MAX_DELAY))
        }
    };
    Some(Routing {
        policy,
        endpoints,
        ttl: ttl.clamp(Duration::from_nanos(1), MAX_DELAY),
        groups: groups.clamp(1, MAX_GROUPS),
        overstay_share,
        overstay,
    })
}

/// Route 53's defaults (FACTS.md): a probe every 30 s, failed when not
/// answered within 4 s (HTTP: the connection must be made in 4 s), a
/// target unhealthy after 3 failures in a row, healthy while more than
/// 18 % of checkers see it so.
const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);
const DEFAULT_PROBE_TIMEOUT: Duration = Duration::from_secs(4);
const DEFAULT_THRESHOLD: u32 = 3;
const DEFAULT_HEALTHY_SHARE: f64 = 0.18;
/// Route 53 takes 1 to 10 failures in a row.
const MAX_THRESHOLD: u32 = 10;

/// The health checks, checked.
fn health_checks(
    raw: &ScenarioFile,
    names: &[String],
    check: &mut Checker,
) -> Option<HealthChecks> {
    let h = raw.health_checks.as_ref()?;
    let at = |k: &str| yaml_path!["health_checks", k];
    let checkers = match &h.checkers {
        None => (0..names.len()).map(|r| RegionId(r as u16)).collect(),
        Some(list) => {
            if list.is_empty() {
                check.error(
                    at("checkers"),
                    "list at least one checker region, or leave checkers out for every region",
                );
            }
            let mut out = Vec::new();
            for (j, name) in list.iter().enumerate() {
                let p = yaml_path!["health_checks", "checkers", j];
                if let Some(r) = check.region(names, name, p.clone()) {
                    if out.contains(&r) {
                        check.error(p, format!("checker `{name}` is listed twice"));
                    }
                    out.push(r);
                }
            }
            out
        }
    };
    let interval = h.interval.unwrap_or(DEFAULT_INTERVAL);
    if interval < MIN_PERIOD || interval > MAX_DELAY {
        check.error(
            at("interval"),
            format!("interval is {interval}; give {MIN_PERIOD} to {MAX_DELAY} (Route 53 probes every 10 s or 30 s; each probe is events in every run)"),
        );
    }
    let timeout = h.timeout.unwrap_or(DEFAULT_PROBE_TIMEOUT.min(interval));
    if timeout == Duration::ZERO || timeout > interval {
        check.error(
            at("timeout"),
            format!("timeout is {timeout}; give a time above 0 and at most the interval ({interval}): a probe is answered or failed before the next one"),
        );
    }
    let mut threshold = |k: &str, v: Option<u32>, default: u32| {
        let n = v.unwrap_or(default);
        if !(1..=MAX_THRESHOLD).contains(&n) {
            check.error(
                at(k),
                format!("{k} is {n}; give 1 to {MAX_THRESHOLD} probes in a row (Route 53's range)"),
            );
        }
        n.clamp(1, MAX_THRESHOLD)
    };
    let failure_threshold = threshold("failure_threshold", h.failure_threshold, DEFAULT_THRESHOLD);
    let recovery_threshold = threshold(
        "recovery_threshold",
        h.recovery_threshold,
        failure_threshold,
    );
    let healthy_share = match h.healthy_share.as_ref().map(slo::percent) {
        None => DEFAULT_HEALTHY_SHARE,
        Some(Ok(x)) if x > 0.0 && x <= 1.0 => x,
        Some(Ok(x)) => {
            check.error(
                at("healthy_share"),
                format!("healthy_share is a share of checkers above 0% and at most 100%, got {x}"),
            );
            DEFAULT_HEALTHY_SHARE
        }
        Some(Err(e)) => {
            check.error(at("healthy_share"), e);
            DEFAULT_HEALTHY_SHARE
        }
    };
    Some(HealthChecks {
        checkers,
        interval,
        timeout,
        failure_threshold,
        recovery_threshold,
        healthy_share,
    })
}

/// Payload of a record when a dataset does not say: 1 KiB.
const DEFAULT_RECORD_BYTES: u64 = 1024;

/// The replication mode of dataset `i`, which lists `replicas` replicas.
fn replication(
    raw: ReplicationFile,
    replicas: usize,
    i: usize,
    check: &mut Checker,
) -> Replication {
    let at = |k: &[&str]| {
        let mut p = yaml_path!["datasets", i, "placement", "single-primary", "replication"];
        p.extend(k.iter().map(|s| Seg::Key(s.to_string())));
        p
    };
    match raw {
        ReplicationFile::Async => Replication::Async,
        ReplicationFile::Sync => {
            if replicas == 0 {
                check.error(
                    at(&[]),
                    "sync replication waits for every replica, and this dataset has none: list replicas, or use async",
                );
            }
            Replication::Sync
        }
        ReplicationFile::SemiSync(ss) => {
            if replicas == 0 {
                check.error(
                    at(&[]),
                    "semi-sync waits for replicas to acknowledge, and this dataset has none: list replicas, or use async",
                );
            } else if ss.acks == 0 || ss.acks as usize > replicas {
                check.error(
                    at(&["semi-sync", "acks"]),
                    format!(
                        "acks is {}; semi-sync waits for 1 to {replicas} replicas here (the dataset lists {replicas})",
                        ss.acks
                    ),
                );
            }
            if ss.timeout == Duration::ZERO || ss.timeout > MAX_DELAY {
                check.error(
                    at(&["semi-sync", "timeout"]),
                    format!(
                        "timeout is {}; give a wait above 0 and at most {MAX_DELAY} (MySQL's default is 10s)",
                        ss.timeout
                    ),
                );
            }
            Replication::SemiSync {
                acks: ss.acks.clamp(1, u32::from(u16::MAX)) as u16,
                timeout: ss.timeout,
            }
        }
    }
}

fn workload(
    raw: &ScenarioFile,
    names: &[String],
    regions: &[crate::scenario::Region],
    pair: &[Option<Dist>],
    check: &mut Checker,
) -> Vec<ClientLoad> {
    let n = names.len();
    let ds_names: Vec<String> = raw.datasets.iter().map(|d| d.name.clone()).collect();
    if raw.workload.is_empty() {
        check.error_unless_broken(yaml_path!["workload"], "list at least one client region");
    }
    let mut workload = Vec::new();
    let mut seen_regions = Vec::new();
    // The next user's number: regions' populations follow one another.
    let mut next_user: u64 = 0;
    let global = load_factor(raw.load, yaml_path!["load"], check);
    let by_dataset: Vec<f64> = raw
        .datasets
        .iter()
        .enumerate()
        .map(|(d, ds)| load_factor(ds.load, yaml_path!["datasets", d, "load"], check))
        .collect();
    for (i, w) in raw.workload.iter().enumerate() {
        let regional = load_factor(w.load, yaml_path!["workload", i, "load"], check);
        let Some(region) = check.region(names, &w.region, yaml_path!["workload", i, "region"])
        else {
            continue;
        };
        if seen_regions.contains(&region) {
            check.error(
                yaml_path!["workload", i, "region"],
                format!(
                    "workload for `{}` is given twice; merge the entries",
                    w.region
                ),
            );
        }
        seen_regions.push(region);
        let (timeout, retries, backoff) = patience(w, i, check);
        if w.rates.is_empty() {
            check.error(
                yaml_path!["workload", i, "rates"],
                "give rates for at least one dataset, e.g. users: {reads_per_s: 100}",
            );
        }
        let start_utc = raw.start_utc.unwrap_or(Duration::ZERO);
        let coords = regions.get(usize::from(region.0)).and_then(|r| r.coords);
        let profile = w
            .profile
            .as_ref()
            .and_then(|p| rate_profile(p, i, coords, start_utc, raw.duration, check));
        let peak = profile.as_ref().map_or(1.0, Profile::max);
        let users = match w.users {
            None => None,
            Some(0) => {
                check.error(
                    yaml_path!["workload", i, "users"],
                    "users must be at least 1 (leave it out to not model users)",
                );
                None
            }
            Some(count) if next_user + count > MAX_USERS => {
                check.error(
                    yaml_path!["workload", i, "users"],
                    format!(
                        "{} users over the client regions so far; the limit is {MAX_USERS} (each costs memory in every run)",
                        next_user + count
                    ),
                );
                None
            }
            Some(count) => {
                let pool = UserPool {
                    first: next_user as u32,
                    count: count as u32,
                };
                next_user += count;
                Some(pool)
            }
        };
        let roaming = w
            .roaming
            .as_ref()
            .and_then(|r| roaming(r, i, region, names, w.users.is_some(), check));
        for (ds, rates) in &w.rates {
            let at = |k: &str| yaml_path!["workload", i, "rates", ds, k];
            let Some(d) = ds_names.iter().position(|n| n == ds) else {
                if check.is_broken(ds) {
                    continue;
                }
                check.error(
                    yaml_path!["workload", i, "rates", ds],
                    format!(
                        "unknown dataset `{ds}`; the scenario's datasets are: {}",
                        ds_names.join(", ")
                    ),
                );
                continue;
            };
            // The rates as simulated: every load factor that applies.
            let factor = global * regional * by_dataset[d];
            let scaled = |r: Option<f64>| r.map(|x| x * factor);
            let (reads_per_s, writes_per_s) =
                (scaled(rates.reads_per_s), scaled(rates.writes_per_s));
            // Checked at the profile's peak: the highest rate simulated.
            let scaled_note = if factor * peak == 1.0 {
                String::new()
            } else {
                format!(
                    " (after load factors of {} in all, the profile's peak included)",
                    factor * peak
                )
            };
            for (key, rate) in [("reads_per_s", reads_per_s), ("writes_per_s", writes_per_s)] {
                match rate.map(|x| x * peak) {
                    Some(x) if !(x.is_finite() && x > 0.0) => check.error(
                        at(key),
                        format!("{key} must be a positive number of requests per second, got {x} (leave it out for none)"),
                    ),
                    Some(x) if x < MIN_RATE_PER_S => check.error(
                        at(key),
                        format!("{key} is {x:e}{scaled_note}; the least is {MIN_RATE_PER_S:e} requests per second (one in 11.6 days; leave it out for none)"),
                    ),
                    Some(x) if x > MAX_RATE_PER_S => check.error(
                        at(key),
                        format!("{key} is {x:e}{scaled_note}; the limit is {MAX_RATE_PER_S:e} requests per second per region and dataset (at 10^8 per second one simulated second already takes about 20 s)"),
                    ),
                    _ => {}
                }
            }
            if rates.reads_per_s.is_none() && rates.writes_per_s.is_none() {
                check.error(
                    yaml_path!["workload", i, "rates", ds],
                    "give reads_per_s, writes_per_s or both",
                );
            }
            let access_delay = w.access_delay.clone().unwrap_or_else(|| {
                pair[usize::from(region.0) * (n + 1)]
                    .clone()
                    .unwrap_or_else(presets::intra_region_delay)
            });
            workload.push(ClientLoad {
                region,
                dataset: DatasetId(d as u16),
                access_delay,
                reads_per_s: reads_per_s.unwrap_or(0.0),
                writes_per_s: writes_per_s.unwrap_or(0.0),
                timeout,
                retries,
                backoff,
                profile: profile.clone(),
                users,
                roaming: roaming.clone(),
            });
        }
    }
    workload
}

/// Workload entry `i`'s roaming, checked: a share from 0 to 1, known
/// regions other than its own, a delay within the limits, and users.
fn roaming(
    r: &crate::scenario::file::RoamingFile,
    i: usize,
    region: RegionId,
    names: &[String],
    has_users: bool,
    check: &mut Checker,
) -> Option<Roaming> {
    let at = |k: &str| yaml_path!["workload", i, "roaming", k];
    let mut ok = true;
    if !has_users {
        check.error(
            yaml_path!["workload", i, "roaming"],
            "roaming moves users between regions: give the region's `users` too",
        );
        ok = false;
    }
    if !(r.share.is_finite() && (0.0..=1.0).contains(&r.share)) {
        check.error(
            at("share"),
            format!(
                "share is the part of each user's requests sent from elsewhere, 0 to 1, got {}",
                r.share
            ),
        );
        ok = false;
    }
    let listed: Vec<(usize, &str)> = match &r.to {
        serde_yaml::Value::String(s) => vec![(0, s.as_str())],
        serde_yaml::Value::Sequence(items) if !items.is_empty() => {
            let mut v = Vec::new();
            for (k, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(s) => v.push((k, s)),
                    None => {
                        check.error(
                            yaml_path!["workload", i, "roaming", "to", k],
                            "a region name",
                        );
                        ok = false;
                    }
                }
            }
            v
        }
        _ => {
            check.error(
                at("to"),
                "give the region the users roam to, or a list of them",
            );
            return None;
        }
    };
    let mut to = Vec::new();
    for (k, name) in listed {
        let place = if matches!(r.to, serde_yaml::Value::String(_)) {
            at("to")
        } else {
            yaml_path!["workload", i, "roaming", "to", k]
        };
        let Some(t) = check.region(names, name, place.clone()) else {
            ok = false;
            continue;
        };
        if t == region || to.contains(&t) {
            check.error(
                place,
                format!("`{name}` is the users' own region or listed twice"),
            );
            ok = false;
        }
        to.push(t);
    }
    let delay = r.delay.unwrap_or(Duration::ZERO);
    if delay > MAX_DELAY {
        check.error(
            at("delay"),
            format!("delay is {delay}; the limit is {MAX_DELAY}"),
        );
        ok = false;
    }
    ok.then_some(Roaming {
        share: r.share,
        to,
        delay,
    })
}

/// The residency rules, checked: exactly one of jurisdiction (one some
/// region has, one rule each) and tenants (ones the workload names), known
/// regions, and a home among the allowed regions. `None` without rules.
fn residency(
    raw: &ScenarioFile,
    names: &[String],
    regions: &[crate::scenario::Region],
    workload: &[ClientLoad],
    check: &mut Checker,
) -> Option<Arc<Residency>> {
    if raw.residency.is_empty() {
        return None;
    }
    let tenants: Vec<&str> = raw
        .workload
        .iter()
        .filter_map(|w| w.tenant.as_deref())
        .collect();
    let mut rules = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (i, r) in raw.residency.iter().enumerate() {
        let at = |k: &str| yaml_path!["residency", i, k];
        let label = match (&r.jurisdiction, &r.tenants) {
            (Some(j), None) => {
                if !regions.iter().any(|g| &g.jurisdiction == j) {
                    let mut known: Vec<&str> =
                        regions.iter().map(|g| g.jurisdiction.as_str()).collect();
                    known.sort_unstable();
                    known.dedup();
                    check.error(
                        at("jurisdiction"),
                        format!(
                            "no region has jurisdiction `{j}`; the scenario's are: {}",
                            known.join(", ")
                        ),
                    );
                }
                j.clone()
            }
            (None, Some(ts)) if !ts.is_empty() => {
                for (k, t) in ts.iter().enumerate() {
                    if !tenants.contains(&t.as_str()) {
                        check.error(
                            yaml_path!["residency", i, "tenants", k],
                            format!("no workload entry has `tenant: {t}`"),
                        );
                    }
                }
                format!("tenants {}", ts.join(", "))
            }
            _ => {
                check.error(
                    yaml_path!["residency", i],
                    "give exactly one of `jurisdiction` (e.g. EU) and `tenants` (a list)",
                );
                continue;
            }
        };
        if seen.contains(&label) {
            check.error(
                yaml_path!["residency", i],
                format!("a second rule for {label}; merge them"),
            );
        }
        seen.push(label.clone());
        let mut allowed = vec![false; names.len()];
        for (k, a) in r.allowed.iter().enumerate() {
            if let Some(id) = check.region(names, a, yaml_path!["residency", i, "allowed", k]) {
                allowed[usize::from(id.0)] = true;
            }
        }
        if r.allowed.is_empty() {
            check.error(at("allowed"), "list the regions allowed to hold a copy");
        }
        let Some(home) = check.region(names, &r.home, at("home")) else {
            continue;
        };
        if !allowed[usize::from(home.0)] && !r.allowed.is_empty() {
            check.error(
                at("home"),
                format!(
                    "home `{}` is outside the rule's allowed regions ({}): the records would rest where they may not",
                    r.home,
                    r.allowed.join(", ")
                ),
            );
        }
        rules.push(ResidencyRule {
            label,
            home,
            allowed,
        });
    }
    if rules.len() != raw.residency.len() {
        return None;
    }
    // Each region's users: a tenant rule first, else their jurisdiction's.
    let mut owners: Vec<(u32, u32, Option<u16>)> = Vec::new();
    for w in workload {
        let Some(pool) = w.users else { continue };
        if owners.iter().any(|o| o.0 == pool.first) {
            // The region's other datasets: the same users.
            continue;
        }
        let name = &names[usize::from(w.region.0)];
        let tenant = raw
            .workload
            .iter()
            .find(|f| &f.region == name)
            .and_then(|f| f.tenant.as_deref());
        let jurisdiction = &regions[usize::from(w.region.0)].jurisdiction;
        let rule = raw
            .residency
            .iter()
            .position(|r| {
                tenant.is_some_and(|t| {
                    r.tenants
                        .as_ref()
                        .is_some_and(|ts| ts.iter().any(|x| x == t))
                })
            })
            .or_else(|| {
                raw.residency
                    .iter()
                    .position(|r| r.jurisdiction.as_ref() == Some(jurisdiction))
            });
        owners.push((pool.first, pool.count, rule.map(|r| r as u16)));
    }
    owners.sort_unstable_by_key(|o| o.0);
    Some(Arc::new(Residency { rules, owners }))
}

/// Restricted datasets need rules and users; a geo-sharded one gets a
/// shard per home of the rules, needs per-user keys and a rule for every
/// user, and lists replicas only for homes.
fn geo_shards(
    raw: &ScenarioFile,
    datasets: &mut [Dataset],
    workload: &[ClientLoad],
    residency: Option<&Residency>,
    names: &[String],
    users: u32,
    check: &mut Checker,
) {
    for (i, d) in datasets.iter_mut().enumerate() {
        if !d.restricted {
            continue;
        }
        let geo = match &raw.datasets[i].placement {
            PlacementFile::GeoSharded(g) => Some(g),
            _ => None,
        };
        let here = if geo.is_some() {
            yaml_path!["datasets", i, "placement", "geo-sharded"]
        } else {
            yaml_path!["datasets", i, "restricted"]
        };
        let Some(res) = residency else {
            // Rules that did not resolve have been reported.
            if raw.residency.is_empty() {
                check.error(
                    here,
                    "restricted data is held to residency rules: add a top-level `residency:` list, e.g. [{jurisdiction: EU, home: eu-west-1, allowed: [eu-west-1, eu-central-1]}]",
                );
            }
            continue;
        };
        if users == 0 {
            check.error(
                here,
                "record k belongs to user k: give the workload's regions `users`",
            );
            continue;
        }
        let Some(g) = geo else { continue };
        if !matches!(d.popularity, Popularity::PerUser) {
            check.error(
                yaml_path!["datasets", i, "popularity"],
                "a geo-sharded dataset routes each request to its user's home: give it `popularity: per-user`",
            );
        }
        if let Some(&(first, _, _)) = res.owners.iter().find(|o| o.2.is_none()) {
            let region = workload
                .iter()
                .find(|w| w.users.is_some_and(|p| p.first == first))
                .map_or("?", |w| names[usize::from(w.region.0)].as_str());
            check.error(
                here.clone(),
                format!("the users of `{region}` fall under no residency rule: a geo-sharded dataset needs a home for everyone (add a rule for its jurisdiction)"),
            );
        }
        let mut shards: Vec<Shard> = Vec::new();
        for rule in &res.rules {
            if !shards.iter().any(|s| s.home == rule.home) {
                shards.push(Shard {
                    home: rule.home,
                    replicas: Vec::new(),
                    target: None,
                });
            }
        }
        d.shard_of_rule = res
            .rules
            .iter()
            .map(|r| shards.iter().position(|s| s.home == r.home).unwrap_or(0) as u16)
            .collect();
        for (home, list) in &g.replicas {
            let at = yaml_path![
                "datasets",
                i,
                "placement",
                "geo-sharded",
                "replicas",
                home.as_str()
            ];
            let Some(h) = check.region(names, home, at.clone()) else {
                continue;
            };
            let Some(shard) = shards.iter_mut().find(|s| s.home == h) else {
                check.error(
                    at,
                    format!("`{home}` is no residency rule's home: replicas are listed per home"),
                );
                continue;
            };
            for (k, r) in list.iter().enumerate() {
                let mut p = at.clone();
                p.push(Seg::Index(k));
                if let Some(id) = check.region(names, r, p.clone()) {
                    if id == h || shard.replicas.contains(&id) {
                        check.error(p, format!("`{r}` is the shard's home or listed twice"));
                    } else {
                        shard.replicas.push(id);
                    }
                }
            }
        }
        if let Some(t) = g.failover.as_ref().and_then(|f| f.target.as_ref()) {
            shard_targets(t, &mut shards, names, i, check);
        }
        d.primary = shards.first().map_or(RegionId(0), |s| s.home);
        d.shards = shards;
    }
}

/// A geo-sharded dataset's failover `target`: a region (every shard with
/// a replica there promotes it; some shard must have one), or per home the
/// region of one of that shard's replicas.
fn shard_targets(
    target: &TargetFile,
    shards: &mut [Shard],
    names: &[String],
    i: usize,
    check: &mut Checker,
) {
    let at = yaml_path![
        "datasets",
        i,
        "placement",
        "geo-sharded",
        "failover",
        "target"
    ];
    let replicas_of = |s: &Shard| {
        s.replicas
            .iter()
            .map(|r| names[usize::from(r.0)].as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match target {
        TargetFile::Region(name) => {
            let Some(r) = check.region(names, name, at.clone()) else {
                return;
            };
            let mut any = false;
            for s in shards.iter_mut() {
                s.target = s.replicas.iter().position(|&x| x == r);
                any |= s.target.is_some();
            }
            if !any {
                check.error(
                    at,
                    format!("failover target `{name}` holds no shard's replica: name a region listed under `replicas`, or one per shard ({{HOME: REGION}})"),
                );
            }
        }
        TargetFile::PerShard(map) => {
            for (home, name) in map {
                let mut here = at.clone();
                here.push(Seg::Key(home.clone()));
                let Some(h) = check.region(names, home, here.clone()) else {
                    continue;
                };
                let Some(shard) = shards.iter_mut().find(|s| s.home == h) else {
                    check.error(
                        here,
                        format!("`{home}` is no shard's home: targets are named per home"),
                    );
                    continue;
                };
                let Some(r) = check.region(names, name, here.clone()) else {
                    continue;
                };
                shard.target = shard.replicas.iter().position(|&x| x == r);
                if shard.target.is_none() {
                    check.error(
                        here,
                        format!(
                            "`{name}` holds no replica of the shard at `{home}`; its replicas are: {}",
                            if shard.replicas.is_empty() { "none".to_string() } else { replicas_of(shard) }
                        ),
                    );
                }
            }
        }
    }
}

/// Datasets with per-user keys need users in every region that uses them,
/// and a key per user; a session store needs users.
fn users_fit(
    raw: &ScenarioFile,
    datasets: &[Dataset],
    workload: &[ClientLoad],
    check: &mut Checker,
) -> u32 {
    let total: u32 = {
        let mut pools: Vec<UserPool> = workload.iter().filter_map(|w| w.users).collect();
        pools.dedup();
        pools.iter().map(|p| p.count).sum()
    };
    for (d, ds) in datasets.iter().enumerate() {
        if !matches!(ds.popularity, Popularity::PerUser) {
            continue;
        }
        let at = yaml_path!["datasets", d, "popularity"];
        if let Some(w) = workload
            .iter()
            .find(|w| usize::from(w.dataset.0) == d && w.users.is_none())
        {
            let region = &raw.regions[usize::from(w.region.0)].name;
            check.error(
                at,
                format!("per-user keys need users: give `users` to the workload of `{region}`, which uses `{}`", ds.name),
            );
        } else if ds.keys < total {
            check.error(
                at,
                format!(
                    "per-user keys need a key per user: `{}` has {} keys for {total} users",
                    ds.name, ds.keys
                ),
            );
        }
    }
    for (d, ds) in datasets.iter().enumerate() {
        if ds.read_your_writes.is_none() {
            continue;
        }
        if let Some(w) = workload
            .iter()
            .find(|w| usize::from(w.dataset.0) == d && w.users.is_none())
        {
            let region = &raw.regions[usize::from(w.region.0)].name;
            check.error(
                yaml_path!["datasets", d, "placement", "single-primary", "read_your_writes"],
                format!("read-your-writes is per user: give `users` to the workload of `{region}`, which uses `{}`", ds.name),
            );
        }
    }
    if raw.sessions.is_some() && total == 0 {
        check.error(
            yaml_path!["sessions"],
            "sessions are per user: give the workload's regions `users`",
        );
    }
    total
}

/// The rate profile of workload entry `i`, checked: exactly one kind,
/// factors from 0 to [`MAX_LOAD`] with a positive peak, times in order;
/// a diurnal profile needs the region's longitude or `utc_offset_hours`.
fn rate_profile(
    p: &crate::scenario::file::ProfileFile,
    i: usize,
    coords: Option<(f64, f64)>,
    start_utc: Duration,
    span: Duration,
    check: &mut Checker,
) -> Option<Profile> {
    let at = |k: &str| yaml_path!["workload", i, "profile", k];
    let kinds: Vec<&str> = [
        ("diurnal", p.diurnal.is_some()),
        ("step", p.step.is_some()),
        ("burst", p.burst.is_some()),
        ("table", p.table.is_some()),
    ]
    .iter()
    .filter(|(_, g)| *g)
    .map(|(k, _)| *k)
    .collect();
    if kinds.len() != 1 {
        check.error(
            yaml_path!["workload", i, "profile"],
            format!(
                "a profile is exactly one of diurnal, step, burst or table; this one gives {}",
                if kinds.is_empty() {
                    "none".to_string()
                } else {
                    kinds.join(" and ")
                }
            ),
        );
        return None;
    }
    let mut ok = true;
    let mut factor = |x: f64, path: Vec<Seg>, check: &mut Checker| {
        if !(x.is_finite() && (0.0..=MAX_LOAD).contains(&x)) {
            check.error(
                path,
                format!("a profile factor multiplies the region's rates: give a number from 0 to {MAX_LOAD}, got {}", number(x)),
            );
            ok = false;
        }
    };
    let profile = if let Some(d) = &p.diurnal {
        let path = |k: &str| yaml_path!["workload", i, "profile", "diurnal", k];
        factor(d.peak, path("peak"), check);
        factor(d.trough, path("trough"), check);
        if d.peak <= 0.0 || d.trough > d.peak {
            check.error(
                path("trough"),
                format!(
                    "the trough ({}) must be at most the peak ({}), and the peak above 0",
                    d.trough, d.peak
                ),
            );
            ok = false;
        }
        if !(0.0..24.0).contains(&d.peak_hour) {
            check.error(
                path("peak_hour"),
                format!(
                    "peak_hour is a local hour from 0 to 24 (e.g. 20.5 for 20:30), got {}",
                    number(d.peak_hour)
                ),
            );
            ok = false;
        }
        let offset = match (d.utc_offset_hours, coords) {
            (Some(o), _) if (-12.0..=14.0).contains(&o) => o,
            (Some(o), _) => {
                check.error(
                    path("utc_offset_hours"),
                    format!("utc_offset_hours is from -12 to 14, got {}", number(o)),
                );
                ok = false;
                0.0
            }
            (None, Some((_, lon))) => (lon / 15.0).round(),
            (None, None) => {
                check.error(
                    yaml_path!["workload", i, "profile", "diurnal"],
                    "the region has no coordinates to tell its local time: give utc_offset_hours, or lat and lon for the region",
                );
                ok = false;
                0.0
            }
        };
        Profile::Diurnal {
            trough: d.trough,
            peak: d.peak,
            peak_hour: d.peak_hour,
            hour_at_start: (start_utc.as_secs_f64() / 3600.0 + offset).rem_euclid(24.0),
        }
    } else if let Some(s) = &p.step {
        factor(
            s.factor,
            yaml_path!["workload", i, "profile", "step", "factor"],
            check,
        );
        if s.at >= span {
            check.error(
                yaml_path!["workload", i, "profile", "step", "at"],
                format!("the step comes at {}, at or after the end of the measured span ({span}): it would change nothing", s.at),
            );
            ok = false;
        }
        Profile::Table(vec![(s.at, s.factor)])
    } else if let Some(b) = &p.burst {
        factor(
            b.factor,
            yaml_path!["workload", i, "profile", "burst", "factor"],
            check,
        );
        if b.at >= span {
            check.error(
                yaml_path!["workload", i, "profile", "burst", "at"],
                format!("the burst starts at {}, at or after the end of the measured span ({span}): it would change nothing", b.at),
            );
            ok = false;
        }
        if b.duration == Duration::ZERO {
            check.error(
                yaml_path!["workload", i, "profile", "burst", "duration"],
                "a burst's duration must be above 0, e.g. 5m",
            );
            ok = false;
        }
        Profile::Table(vec![(b.at, b.factor), (b.at + b.duration, 1.0)])
    } else {
        let points = p.table.clone().unwrap_or_default();
        if points.is_empty() || points.len() > MAX_PROFILE_POINTS {
            check.error(
                at("table"),
                format!(
                    "a table gives 1 to {MAX_PROFILE_POINTS} [time, factor] pairs, got {}",
                    points.len()
                ),
            );
            return None;
        }
        for (k, (_, f)) in points.iter().enumerate() {
            factor(
                *f,
                yaml_path!["workload", i, "profile", "table", k, 1],
                check,
            );
        }
        if points.windows(2).any(|w| w[1].0 <= w[0].0) {
            check.error(
                at("table"),
                "a table's times must increase from one pair to the next",
            );
            ok = false;
        }
        Profile::Table(points)
    };
    if ok && profile.max() <= 0.0 {
        check.error(
            yaml_path!["workload", i, "profile"],
            "the profile's factors are all 0: leave the rates out for no load",
        );
        ok = false;
    } else if ok && profile.max_within(span) <= 0.0 {
        check.error(
            yaml_path!["workload", i, "profile"],
            format!("the profile is 0 for the whole measured span ({span}): the region would send nothing (leave its rates out for no load)"),
        );
        ok = false;
    }
    ok.then_some(profile)
}

/// Most pairs of a profile table.
const MAX_PROFILE_POINTS: usize = 10_000;

/// Most apply threads per replica (MySQL's `replica_parallel_workers`
/// goes to 1024; past a few dozen, more threads only add contention).
const MAX_APPLY_THREADS: u32 = 64;

/// Largest load factor: a thousand times the written rates.
const MAX_LOAD: f64 = 1000.0;

/// A `load` factor at `path` (1 when left out): above 0, at most
/// [`MAX_LOAD`].
fn load_factor(x: Option<f64>, path: Vec<Seg>, check: &mut Checker) -> f64 {
    match x {
        None => 1.0,
        Some(x) if x.is_finite() && x > 0.0 && x <= MAX_LOAD => x,
        Some(x) => {
            check.error(
                path,
                format!("load multiplies request rates: give a number above 0 and at most {MAX_LOAD}, got {} (leave a rate out for none)", number(x)),
            );
            1.0
        }
    }
}

/// The failures, checked: each names what fails (exactly one of a
/// region, a partition or a link) and a start inside the measured span.
fn failures(raw: &ScenarioFile, names: &[String], check: &mut Checker) -> Vec<Failure> {
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
        ];
        let named: Vec<&str> = factors
            .iter()
            .filter(|(_, v, _)| v.is_some())
            .map(|(k, _, _)| *k)
            .chain(f.service.map(|_| "service"))
            .collect();
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
                    format!("a region failure is one of an outage (optionally of one `service`), an `apply_factor`, a `load_factor` or a `clock_step_ms`; this one gives {}", named.join(" and ")),
                );
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

/// Failures that overlap compound: factors multiply, clock steps and
/// added delays add. Their combination at the worst moment (every random
/// failure of the same target on at once, with the scheduled ones active
/// when one of them starts) is held to the limits of a single value, and
/// refused at the failure that takes it past them.
fn compounded(failures: &[Failure], index: &[usize], check: &mut Checker) {
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
const MAX_DELAY_FACTOR: f64 = 1000.0;

/// `x` as a message shows it: as written for ordinary sizes, in
/// scientific notation past a million (`1e308`, not 309 digits).
fn number(x: f64) -> String {
    if x.is_finite() && x.abs() >= 1e6 {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// Largest `apply_factor`: a write applied a thousand times slower.
const MAX_APPLY_FACTOR: f64 = 1000.0;
/// Largest `load_factor`: a region's users sending a hundred times their
/// requests (every extra request is events; a larger burst is a capacity
/// question for the load profiles).
const MAX_LOAD_FACTOR: f64 = 100.0;

/// The least mean time between failures or to repair of a random failure.
const MIN_FAILURE_MEAN: Duration = Duration::from_secs(1);

/// The two sets of a partition, checked: both non-empty, no region in
/// both or twice.
fn partition(
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

/// Wait before a first retry when a workload entry does not say.
const DEFAULT_BACKOFF: Duration = Duration::from_millis(100);

/// Timeout, retries and backoff of workload entry `i`.
fn patience(w: &WorkloadFile, i: usize, check: &mut Checker) -> (Option<Duration>, u32, Duration) {
    let at = |k: &str| yaml_path!["workload", i, k];
    if let Some(t) = w.timeout {
        if t == Duration::ZERO || t > MAX_DELAY {
            check.error(
                at("timeout"),
                format!("timeout is {t}; give a wait above 0 and at most {MAX_DELAY}, or leave it out to wait for ever"),
            );
        }
    }
    let retries = w.retries.unwrap_or(0);
    if retries > MAX_RETRIES {
        check.error(
            at("retries"),
            format!("retries is {retries}; the limit is {MAX_RETRIES} (with the wait doubling each time, more is a retry storm, not a policy)"),
        );
    } else if retries > 0 && w.timeout.is_none() {
        check.error(
            at("retries"),
            "retries need a timeout: without one an attempt is never given up; add e.g. timeout: 2s",
        );
    }
    let backoff = w.backoff.unwrap_or(DEFAULT_BACKOFF);
    if backoff > MAX_DELAY {
        check.error(
            at("backoff"),
            format!("backoff is {backoff}; the limit is {MAX_DELAY}"),
        );
    }
    (w.timeout, retries.min(MAX_RETRIES), backoff.min(MAX_DELAY))
}

/// SLOs, once the rest is known: a metric must name a figure this scenario
/// reports (checked first, so a typo is not reported as a unit problem).
fn slos(raw: &ScenarioFile, shape: &serde_json::Value, check: &mut Checker) -> Vec<Slo> {
    let mut out = Vec::new();
    for (i, f) in raw.slo.iter().enumerate() {
        // An SLO on a broken item's figures cannot be checked yet.
        if let Ok(m) = slo::metric_path(f) {
            if m.split('.').any(|seg| check.is_broken(seg)) {
                continue;
            }
        }
        let checked = slo::metric_path(f)
            .and_then(|m| super::check_figure_path(shape, &m).map_err(|e| ("metric", e)))
            .and_then(|()| slo::resolve(f, raw.replications));
        match checked {
            Ok(s) => out.push(s),
            Err((field, message)) => check.error(yaml_path!["slo", i, field], message),
        }
    }
    out
}

/// Why the figure at `path` has no value in any run of `s`, if it is one
/// whose operation nobody sends: a latency or stale share of a client
/// region (and dataset) without reads or writes, the lag of a dataset
/// nobody writes.
fn never_measured(s: &Scenario, path: &str) -> Option<String> {
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

fn precision(
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
        if let Err(e) = super::check_figure_path(shape, m) {
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
