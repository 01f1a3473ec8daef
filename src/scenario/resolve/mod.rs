//! Checking a scenario file and resolving its names to indices, one
//! function per section of the file and one file per family of sections
//! (settings, network, datasets and placements, routing and health checks,
//! workload, residency, failures, SLOs). Every problem is recorded with its
//! YAML path, and located when reported.

mod cost;
mod datasets;
mod failures;
mod network;
mod residency;
mod routing;
mod settings;
mod slos;
mod workload;

use cost::*;
use datasets::*;
use failures::*;
use network::*;
use residency::*;
use routing::*;
use settings::*;
use slos::*;
use workload::*;

use super::file::{
    FailoverFile, FailoverMode, PlacementFile, PopularityFile, ReplicationFile, RoutingPolicyFile,
    ScenarioFile, TargetFile, WorkloadFile,
};
use super::limits::*;
use super::locate::{yaml_path, Seg, Tree};
use super::slo::{self, Slo};
use super::{
    lint, presets, Capacity, ClientLoad, Cost, DataType, Dataset, DatasetId, Failover, Failure,
    FailureKind, FailureTiming, HealthChecks, Network, Popularity, Profile, Region, RegionId,
    Replication, Residency, ResidencyRule, Roaming, Routing, RoutingPolicy, RywMitigation,
    Scenario, Sessions, Shard, Shed, UserPool,
};
use super::{
    ActiveActive, Consensus, GeoSharded, Leaderless, Placement, QuorumDelays, SinglePrimary,
};
use super::{Metastability, Precision};
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
    /// Resolves a dataset name (`names`: the file's datasets, in order) to
    /// its index, or records why it cannot.
    fn dataset(&mut self, names: &[String], name: &str, at: Vec<Seg>) -> Option<usize> {
        let found = names.iter().position(|n| n == name);
        if found.is_none() && !self.is_broken(name) {
            self.error(
                at,
                format!(
                    "unknown dataset `{name}`; the scenario's datasets are: {}",
                    names.join(", ")
                ),
            );
        }
        found
    }

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
    commit_waits(&datasets, &regions, check);
    let workload = workload(&raw, &names, &regions, &pair, check);
    let failures = failures(&raw, &names, check);
    let health = health_checks(&raw, &names, check);
    let routing = routing(&raw, &names, &workload, check);
    let users = users_fit(&raw, &datasets, &workload, check);
    let residency = residency(&raw, &names, &regions, &workload, check);
    // App tiers that may serve users (and send them responses).
    let mut serving: Vec<RegionId> = workload
        .iter()
        .flat_map(|w| std::iter::once(w.region).chain(w.roaming.iter().flat_map(|r| r.to.clone())))
        .chain(routing.iter().flat_map(|r| r.endpoints.clone()))
        .collect();
    serving.sort();
    serving.dedup();
    let cost = cost(&raw, &names, &serving, check);
    let mut datasets = datasets;
    for f in &failures {
        if let FailureKind::Switchover(d, _) = f.kind {
            if let Some(Placement::SinglePrimary(sp)) =
                datasets.get_mut(usize::from(d.0)).map(|d| &mut d.placement)
            {
                sp.switchover_planned = true;
            }
        }
    }
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
    hedges(&raw, &names, &datasets, &workload, check);
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
        cost,
        metastability: metastability(&raw, check),
        load_scaled: [raw.load, raw.read_load, raw.write_load]
            .into_iter()
            .chain(
                raw.workload
                    .iter()
                    .flat_map(|w| [w.load, w.read_load, w.write_load]),
            )
            .chain(
                raw.datasets
                    .iter()
                    .flat_map(|d| [d.load, d.read_load, d.write_load]),
            )
            .any(|x| x.is_some_and(|x| x != 1.0)),
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
