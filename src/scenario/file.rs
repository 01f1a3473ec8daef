//! The scenario file as YAML writes it: names, not indices. [`super::load`]
//! checks it and resolves it into a [`super::Scenario`].

use crate::engine::{Dist, Duration};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A whole scenario file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_seed")]
    pub seed: u64,
    pub duration: Duration,
    #[serde(default)]
    pub warmup: Duration,
    #[serde(default = "default_replications")]
    pub replications: u32,
    pub bucket: Option<Duration>,
    #[serde(default = "default_bounds")]
    pub staleness_bounds: Vec<Duration>,
    pub regions: Vec<RegionFile>,
    #[serde(default)]
    pub network: NetworkFile,
    pub datasets: Vec<DatasetFile>,
    pub workload: Vec<WorkloadFile>,
    pub sweep: Option<SweepFile>,
    #[serde(default)]
    pub slo: Vec<super::slo::SloFile>,
}

/// `sweep:`: dotted paths and the values each takes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    #[serde(default)]
    pub mode: SweepMode,
    /// Path to list of values, in the file's order.
    pub parameters: serde_yaml::Mapping,
}

/// How sweep parameters combine into points.
#[derive(Deserialize, Default, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SweepMode {
    /// Every combination (the last parameter varies fastest).
    #[default]
    Product,
    /// The i-th values of every parameter together.
    Zip,
}

fn default_seed() -> u64 {
    1
}
fn default_replications() -> u32 {
    1
}
fn default_bounds() -> Vec<Duration> {
    vec![Duration::ZERO]
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionFile {
    pub name: String,
    pub jurisdiction: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub intra_delay: Option<Dist>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NetworkFile {
    pub preset: Option<String>,
    pub intra_region: Option<Dist>,
    #[serde(default)]
    pub links: Vec<LinkFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkFile {
    pub between: Option<Vec<String>>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub delay: Dist,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetFile {
    pub name: String,
    pub keys: u32,
    // serde_yaml reads enums from `!tags`; singleton_map also takes the
    // friendlier `{zipf: 0.9}` and `{single-primary: {...}}` forms.
    #[serde(default, with = "serde_yaml::with::singleton_map")]
    pub popularity: PopularityFile,
    #[serde(with = "serde_yaml::with::singleton_map")]
    pub placement: PlacementFile,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum PopularityFile {
    #[default]
    Uniform,
    Zipf(f64),
}

#[derive(Deserialize)]
pub enum PlacementFile {
    #[serde(rename = "single-primary")]
    SinglePrimary(SinglePrimaryFile),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SinglePrimaryFile {
    pub primary: String,
    #[serde(default)]
    pub replicas: Vec<String>,
    #[serde(default)]
    pub replication: ReplicationFile,
    pub apply_time: Dist,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum ReplicationFile {
    #[default]
    Async,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadFile {
    pub region: String,
    pub access_delay: Option<Dist>,
    pub rates: BTreeMap<String, RatesFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatesFile {
    pub reads_per_s: Option<f64>,
    pub writes_per_s: Option<f64>,
}
