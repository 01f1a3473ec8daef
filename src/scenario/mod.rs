//! Scenarios: the YAML format, its checks, and the resolved form the model
//! runs.
//!
//! [`load`] reads a file, checks every field (each error names the file,
//! line and column, and says what would be valid), resolves region and
//! dataset names to indices once, and returns a [`Scenario`].

mod file;
pub mod locate;
pub mod presets;
mod resolve;
mod units;

pub use units::parse_duration;

use crate::engine::{AliasTable, Dist, Duration};
use crate::error::{Diagnostic, Error, Result};
use file::ScenarioFile;
use resolve::{resolve, Checker};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a region in [`Scenario::regions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionId(pub u16);

/// Index of a dataset in [`Scenario::datasets`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DatasetId(pub u16);

/// A checked scenario, names resolved to indices.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Name; also the output folder.
    pub name: String,
    /// What the scenario is about, for reports.
    pub description: String,
    /// The file it came from.
    pub source: PathBuf,
    /// Base seed of every random stream.
    pub seed: u64,
    /// Measured span, after the warm-up.
    pub duration: Duration,
    /// Simulated before measuring starts.
    pub warmup: Duration,
    /// Independent runs with different streams.
    pub replications: u32,
    /// Width of a time-series bucket.
    pub bucket: Duration,
    /// Staleness bounds T of the stale-read counts.
    pub staleness_bounds: Vec<Duration>,
    /// Regions, in file order.
    pub regions: Vec<Region>,
    /// One-way delays between and inside regions.
    pub network: Network,
    /// Datasets, in file order.
    pub datasets: Vec<Dataset>,
    /// Client load, one entry per (client region, dataset).
    pub workload: Vec<ClientLoad>,
    /// Lint findings: legal, but an architect should know.
    pub warnings: Vec<String>,
}

/// A region.
#[derive(Clone, Debug)]
pub struct Region {
    /// e.g. `us-east-1`.
    pub name: String,
    /// e.g. `EU`, `US`.
    pub jurisdiction: String,
    /// (latitude, longitude) in degrees, if known.
    pub coords: Option<(f64, f64)>,
}

/// One-way delay distributions for every ordered pair of regions; the
/// diagonal is the delay inside a region.
#[derive(Clone, Debug)]
pub struct Network {
    regions: usize,
    delays: Vec<Dist>,
}

impl Network {
    /// The delay from `from` to `to`.
    pub fn delay(&self, from: RegionId, to: RegionId) -> &Dist {
        &self.delays[usize::from(from.0) * self.regions + usize::from(to.0)]
    }
}

/// How popular each key is.
#[derive(Clone, Debug)]
pub enum Popularity {
    /// Every key equally likely.
    Uniform,
    /// Key of rank r (key r - 1) has weight r^-s.
    Zipf {
        /// The exponent.
        s: f64,
        /// The weights as an alias table, built once and shared by runs.
        table: Arc<AliasTable>,
    },
}

/// A dataset and where its copies live.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// e.g. `users`.
    pub name: String,
    /// Number of keys.
    pub keys: u32,
    /// Key popularity.
    pub popularity: Popularity,
    /// The region that takes every write (single-primary placement).
    pub primary: RegionId,
    /// Regions holding an asynchronously replicated read copy.
    pub replicas: Vec<RegionId>,
    /// Service time of applying one replicated write at a replica.
    pub apply_time: Dist,
}

impl Dataset {
    /// The replica held in `region`, as an index into [`Dataset::replicas`].
    pub fn replica_in(&self, region: RegionId) -> Option<usize> {
        self.replicas.iter().position(|&r| r == region)
    }
}

/// Requests from the users of one region to one dataset.
#[derive(Clone, Debug)]
pub struct ClientLoad {
    /// Where the users are.
    pub region: RegionId,
    /// What they read and write.
    pub dataset: DatasetId,
    /// One-way delay between a user and the region's app tier.
    pub access_delay: Dist,
    /// Poisson read rate, per second (0 for none).
    pub reads_per_s: f64,
    /// Poisson write rate, per second (0 for none).
    pub writes_per_s: f64,
}

impl Scenario {
    /// Total writes per second to `dataset` from all regions.
    pub fn write_rate(&self, dataset: DatasetId) -> f64 {
        self.workload
            .iter()
            .filter(|w| w.dataset == dataset)
            .map(|w| w.writes_per_s)
            .sum()
    }

    /// The region named `name`.
    pub fn region_id(&self, name: &str) -> Option<RegionId> {
        self.regions
            .iter()
            .position(|r| r.name == name)
            .map(|i| RegionId(i as u16))
    }

    /// Number of time-series buckets in the measured span.
    pub fn buckets(&self) -> usize {
        self.duration.as_nanos().div_ceil(self.bucket.as_nanos()) as usize
    }
}

/// Upper bound on time-series buckets, to keep memory bounded.
pub const MAX_BUCKETS: u64 = 10_000;

/// Scenario files named by `paths`: files as given, folders searched (not
/// recursively) for `*.yaml` and `*.yml`, in name order.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|source| Error::Read {
            path: p.clone(),
            source,
        })?;
        if meta.is_dir() {
            let entries = std::fs::read_dir(p).map_err(|source| Error::Read {
                path: p.clone(),
                source,
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.is_file()
                        && matches!(f.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
                })
                .collect();
            if found.is_empty() {
                return Err(Error::NoScenarios { path: p.clone() });
            }
            found.sort();
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Reads and checks the scenario at `path`.
pub fn load(path: &Path) -> Result<Scenario> {
    let source = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    from_str(&source, path)
}

/// Checks a scenario given as text; `path` names it in messages.
pub fn from_str(source: &str, path: &Path) -> Result<Scenario> {
    let whole_file = |message: String| {
        Error::Invalid(vec![Diagnostic {
            file: path.to_path_buf(),
            line: 0,
            column: 0,
            message,
        }])
    };
    let meaningful = source
        .lines()
        .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    if !meaningful {
        return Err(whole_file(
            "the file is empty: a scenario needs at least name, duration, regions, datasets and workload"
                .into(),
        ));
    }
    let raw: ScenarioFile = serde_yaml::from_str(source).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        let mut message = e.to_string();
        if let Some(cut) = message.find(&format!(" at line {line} column {column}")) {
            message.truncate(cut);
        }
        Error::Invalid(vec![Diagnostic {
            file: path.to_path_buf(),
            line,
            column,
            message,
        }])
    })?;
    let mut check = Checker {
        source,
        file: path,
        diagnostics: Vec::new(),
    };
    let scenario = resolve(raw, path, &mut check);
    if check.diagnostics.is_empty() {
        Ok(scenario.expect("resolved when no problem was found"))
    } else {
        Err(Error::Invalid(check.diagnostics))
    }
}

/// Findings that are legal but that an architect should see before trusting
/// the numbers: overloaded apply queues and single points of failure.
pub fn lint(s: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    for (i, d) in s.datasets.iter().enumerate() {
        let lambda = s.write_rate(DatasetId(i as u16));
        let rho = lambda * d.apply_time.mean_nanos() / 1e9;
        if !d.replicas.is_empty() && rho >= 1.0 {
            out.push(format!(
                "dataset `{}`: replicas apply {lambda} writes/s at a mean of {:.3} ms each (utilisation {rho:.2} >= 1): replication lag will grow for the whole run",
                d.name,
                d.apply_time.mean_nanos() / 1e6
            ));
        } else if !d.replicas.is_empty() && rho >= 0.8 {
            out.push(format!(
                "dataset `{}`: replica apply utilisation is {rho:.2}; lag is queue-dominated and sensitive to load",
                d.name
            ));
        }
        let clients: Vec<RegionId> = s
            .workload
            .iter()
            .filter(|w| usize::from(w.dataset.0) == i)
            .map(|w| w.region)
            .collect();
        if clients.iter().any(|&c| c != d.primary) {
            out.push(format!(
                "dataset `{}`: single point of failure: every write, from every region, goes to the primary in {}",
                d.name, s.regions[usize::from(d.primary.0)].name
            ));
        }
    }
    out
}
