//! The scenario file as YAML writes it: names, not indices. [`super::load`]
//! checks it and resolves it into a [`super::Scenario`]. The doc comments
//! here are the descriptions of `regionsim schema`, shown by editors.

mod cost;
mod datasets;
mod failures;
mod network;
mod residency;
mod routing;
mod settings;
mod workload;

pub use cost::*;
pub use datasets::*;
pub use failures::*;
pub use network::*;
pub use residency::*;
pub use routing::*;
pub use settings::*;
pub use workload::*;

use super::units::Bandwidth;
use crate::engine::{Dist, Duration};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A regionsim scenario: regions, the network between them, datasets and
/// where they live, client load, and optionally a sweep and SLOs.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Letters, digits, `-`, `_` or `.`; names the output folder.
    pub name: String,
    /// What the scenario is about; copied into reports.
    #[serde(default)]
    pub description: String,
    /// Base seed of every random stream (default 1).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Measured span after the warm-up, e.g. `10m`.
    pub duration: Duration,
    /// Simulated before measuring starts (default `0ms`).
    #[serde(default)]
    pub warmup: Duration,
    /// Independent runs; figures are means with 95 % intervals (default 1).
    #[serde(default = "default_replications")]
    #[schemars(range(min = 1, max = 10000))]
    pub replications: u32,
    /// Width of a time-series bucket (default: a round width giving at most
    /// 120 buckets).
    pub bucket: Option<Duration>,
    /// Staleness bounds T: a read is stale at T if it misses a write
    /// committed T or more before it (default `[0ms]`).
    #[serde(default = "default_bounds")]
    pub staleness_bounds: Vec<Duration>,
    /// A time bucket whose requests succeeded less often than this counts
    /// as downtime, and an incident's availability is back when a bucket
    /// reaches it again (default `99%`).
    #[schemars(with = "Option<super::slo::Bound>")]
    pub availability_threshold: Option<serde_yaml::Value>,
    /// Multiplies every request rate of the workload (default 1): `--set
    /// load=2` doubles the whole load.
    pub load: Option<f64>,
    /// Multiplies every read rate of the workload (default 1), on top of
    /// `load`.
    pub read_load: Option<f64>,
    /// Multiplies every write rate of the workload (default 1), on top of
    /// `load`: `--set write_load=2` asks what doubled writes do.
    pub write_load: Option<f64>,
    /// UTC time of day at the start of the measured span, for diurnal
    /// profiles (default `0h`: midnight UTC).
    pub start_utc: Option<Duration>,
    /// The regions, in the order reports list them.
    pub regions: Vec<RegionFile>,
    /// One-way delays between and inside regions.
    #[serde(default)]
    pub network: NetworkFile,
    /// Bodies of keys and where their copies live.
    pub datasets: Vec<DatasetFile>,
    /// Client load per region.
    pub workload: Vec<WorkloadFile>,
    /// Variants of this scenario: dotted paths and the values each takes.
    pub sweep: Option<SweepFile>,
    /// Service-level objectives, judged by `regionsim check`.
    #[serde(default)]
    pub slo: Vec<super::slo::SloFile>,
    /// Keep adding replications until these figures are this precise.
    pub precision: Option<PrecisionFile>,
    /// What goes wrong, and when: region outages, a service down,
    /// partitions, degraded links.
    #[serde(default)]
    pub failures: Vec<FailureFile>,
    /// Health checkers probing every region's app tier and database nodes;
    /// what automatic failover and DNS routing act on.
    pub health_checks: Option<HealthChecksFile>,
    /// Which region's app tier DNS sends each region's users to (default:
    /// their own).
    pub routing: Option<RoutingFile>,
    /// Settings of `regionsim headroom` for this scenario: the largest value
    /// of one parameter at which every SLO holds.
    pub headroom: Option<HeadroomFile>,
    /// Where users' sessions live: `regional` (the store of the region
    /// that served the user's last request) or `global` (replicated to
    /// every region with a lag). Needs `users` in the workload.
    pub sessions: Option<SessionsFile>,
    /// Data residency: where the records of users of a jurisdiction, or of
    /// listed tenants, live (`home`) and may be copied (`allowed`).
    /// `restricted` and `geo-sharded` datasets are held to them.
    #[serde(default)]
    pub residency: Vec<ResidencyRuleFile>,
    /// What the design costs a month: inter-region transfer priced per GB
    /// by source region (a dated table, overridable).
    pub cost: Option<CostFile>,
    /// Judge whether the design comes back after each failure (an app
    /// tier that its clients' retries keep saturated does not), and how
    /// long it takes.
    pub metastability: Option<MetastabilityFile>,
}

/// The JSON Schema of the scenario format.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(ScenarioFile)).expect("schemas serialize")
}
