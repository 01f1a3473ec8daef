//! Scenarios: the YAML format, its checks, and the resolved form the model
//! runs.
//!
//! [`load_plan`] reads a file, checks every field (each error names the file,
//! line and column, and says what would be valid), resolves region and
//! dataset names to indices once, and returns a [`Scenario`].

mod file;
pub mod locate;
pub mod presets;
mod resolve;
pub mod slo;
mod units;
pub mod variants;

pub use file::{schema, SweepMode};
pub use slo::{Slo, Unit};
pub use units::parse_duration;
pub use variants::Set;

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
    /// Service-level objectives, judged on each point's figures.
    pub slos: Vec<Slo>,
    /// Add replications until these figures are precise enough.
    pub precision: Option<Precision>,
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

    /// Number of time-series buckets in the measured span.
    pub fn buckets(&self) -> usize {
        self.duration.as_nanos().div_ceil(self.bucket.as_nanos()) as usize
    }
}

/// A precision target (see [`file::PrecisionFile`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Precision {
    /// Figure paths that must be precise.
    pub metrics: Vec<String>,
    /// Largest acceptable 95 % half-width relative to the mean (0.02 = 2 %).
    pub relative_half_width: f64,
    /// Replications added per round.
    pub batch: u32,
    /// Cap on replications.
    pub max_replications: u32,
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

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Checks a scenario given as text; `path` names it in messages.
pub fn from_str(source: &str, path: &Path) -> Result<Scenario> {
    resolve_file(parse_file(source, path)?, source, path, "")
}

fn invalid(path: &Path, line: usize, column: usize, message: String) -> Error {
    Error::Invalid(vec![Diagnostic {
        file: path.to_path_buf(),
        line,
        column,
        message,
    }])
}

/// serde_yaml's message without its trailing " at line L column C".
fn yaml_message(e: &serde_yaml::Error) -> String {
    let mut message = e.to_string();
    if let Some(l) = e.location() {
        if let Some(cut) = message.find(&format!(" at line {} column {}", l.line(), l.column())) {
            message.truncate(cut);
        }
    }
    message
}

/// Reads the YAML of a scenario file into its serde types.
fn parse_file(source: &str, path: &Path) -> Result<ScenarioFile> {
    let meaningful = source
        .lines()
        .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    if !meaningful {
        return Err(invalid(
            path,
            0,
            0,
            "the file is empty: a scenario needs at least name, duration, regions, datasets and workload"
                .into(),
        ));
    }
    serde_yaml::from_str(source).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        invalid(path, line, column, yaml_message(&e))
    })
}

/// Checks `raw` and resolves it; `context` prefixes every message (which
/// sweep point or override it concerns).
fn resolve_file(raw: ScenarioFile, source: &str, path: &Path, context: &str) -> Result<Scenario> {
    let mut check = Checker {
        source,
        file: path,
        context,
        diagnostics: Vec::new(),
    };
    let scenario = resolve(raw, path, &mut check);
    if check.diagnostics.is_empty() {
        Ok(scenario.expect("resolved when no problem was found"))
    } else {
        Err(Error::Invalid(check.diagnostics))
    }
}

/// A scenario file with its overrides and sweep expanded into points.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The file.
    pub source: PathBuf,
    /// Its text, kept so that sharded runs can be merged elsewhere.
    pub text: String,
    /// Command-line overrides applied to every point.
    pub sets: Vec<Set>,
    /// The sweep, if the file has one.
    pub sweep: Option<Sweep>,
    /// One point without a sweep; otherwise one per combination.
    pub points: Vec<Point>,
}

/// The swept parameters.
#[derive(Clone, Debug)]
pub struct Sweep {
    /// How parameters combine.
    pub mode: SweepMode,
    /// Dotted paths, in the file's order.
    pub parameters: Vec<String>,
}

/// One variant of a scenario.
#[derive(Clone, Debug)]
pub struct Point {
    /// `base` without a sweep; otherwise `param=value, ...`.
    pub label: String,
    /// (dotted path, value) of each swept parameter.
    pub parameters: Vec<(String, String)>,
    /// The scenario at this point.
    pub scenario: Scenario,
}

impl Plan {
    /// The first point's scenario: name, description and settings shared
    /// by every point.
    pub fn base(&self) -> &Scenario {
        &self.points[0].scenario
    }
}

/// Reads the scenario at `path`, applies `sets`, and expands its sweep.
pub fn load_plan(path: &Path, sets: &[Set]) -> Result<Plan> {
    plan_from_str(&read(path)?, path, sets)
}

/// [`load_plan`] for text already read.
pub fn plan_from_str(source: &str, path: &Path, sets: &[Set]) -> Result<Plan> {
    let raw = parse_file(source, path)?;
    let sweep_file = raw.sweep.as_ref().map(|s| (s.mode, s.parameters.clone()));
    if sets.is_empty() && sweep_file.is_none() {
        let scenario = resolve_file(raw, source, path, "")?;
        return Ok(Plan {
            source: path.to_path_buf(),
            text: source.to_string(),
            sets: Vec::new(),
            sweep: None,
            points: vec![Point {
                label: "base".into(),
                parameters: Vec::new(),
                scenario,
            }],
        });
    }
    let mut doc: serde_yaml::Value = serde_yaml::from_str(source).expect("parsed above");
    let set_list = sets.iter().map(Set::display).collect::<Vec<_>>().join(" ");
    for set in sets {
        variants::apply(&mut doc, &set.path, set.value.clone())
            .map_err(|e| Error::Usage(format!("--set {}: {e}", set.display())))?;
    }
    if let Some(m) = doc.as_mapping_mut() {
        m.remove("sweep");
    }
    let with_sets = |doc: serde_yaml::Value| -> Result<ScenarioFile> {
        serde_yaml::from_value(doc)
            .map_err(|e| Error::Usage(format!("--set {set_list}: {}", yaml_message(&e))))
    };
    let Some((mode, parameters)) = sweep_file else {
        let scenario = resolve_file(
            with_sets(doc)?,
            source,
            path,
            &format!("with --set {set_list}: "),
        )?;
        return Ok(Plan {
            source: path.to_path_buf(),
            text: source.to_string(),
            sets: sets.to_vec(),
            sweep: None,
            points: vec![Point {
                label: "base".into(),
                parameters: Vec::new(),
                scenario,
            }],
        });
    };
    with_sets(doc.clone())?;
    let diagnostic = |at: Vec<locate::Seg>, message: String| {
        let (line, column) = locate::locate(source, &at).unwrap_or((0, 0));
        Diagnostic {
            file: path.to_path_buf(),
            line,
            column,
            message,
        }
    };
    let located = |at, message| Error::Invalid(vec![diagnostic(at, message)]);
    // The parameters and their values.
    let mut params: Vec<(String, Vec<serde_yaml::Value>)> = Vec::new();
    for (k, v) in &parameters {
        let name = k.as_str().unwrap_or_default().to_string();
        let at = locate::yaml_path!["sweep", "parameters", &name];
        match v.as_sequence() {
            Some(values) if !values.is_empty() => params.push((name, values.clone())),
            _ => {
                return Err(located(
                    at,
                    format!(
                    "sweep parameter `{name}` needs a non-empty list of values, e.g. [1ms, 2ms]"
                ),
                ))
            }
        }
    }
    if params.is_empty() {
        return Err(located(
            locate::yaml_path!["sweep", "parameters"],
            "sweep needs at least one parameter".into(),
        ));
    }
    let combos: Vec<Vec<usize>> = match mode {
        SweepMode::Zip => {
            let n = params[0].1.len();
            if let Some((name, v)) = params.iter().find(|(_, v)| v.len() != n) {
                return Err(located(
                    locate::yaml_path!["sweep", "parameters", name],
                    format!(
                        "mode zip pairs the i-th values of every parameter: `{name}` has {} values, `{}` has {n}",
                        v.len(),
                        params[0].0
                    ),
                ));
            }
            (0..n).map(|i| vec![i; params.len()]).collect()
        }
        SweepMode::Product => params.iter().fold(vec![Vec::new()], |acc, (_, values)| {
            acc.iter()
                .flat_map(|c| {
                    (0..values.len()).map(move |i| {
                        let mut c = c.clone();
                        c.push(i);
                        c
                    })
                })
                .collect()
        }),
    };
    // Short names in labels, unless two parameters end alike.
    let short: Vec<String> = params
        .iter()
        .map(|(p, _)| {
            let last = p.rsplit('.').next().unwrap_or(p);
            let clash = params
                .iter()
                .filter(|(q, _)| q.rsplit('.').next() == Some(last))
                .count()
                > 1;
            if clash {
                p.clone()
            } else {
                last.to_string()
            }
        })
        .collect();
    let mut points = Vec::new();
    let mut problems = Vec::new();
    for combo in combos {
        let mut point_doc = doc.clone();
        let mut parameters = Vec::new();
        let mut label = Vec::new();
        for (k, &i) in combo.iter().enumerate() {
            let (name, values) = &params[k];
            variants::apply(&mut point_doc, name, values[i].clone()).map_err(|e| {
                located(
                    locate::yaml_path!["sweep", "parameters", name],
                    format!("sweep parameter `{name}`: {e}"),
                )
            })?;
            let text = variants::compact(&values[i]);
            label.push(format!("{}={text}", short[k]));
            parameters.push((name.clone(), text));
        }
        let label = label.join(", ");
        let context = format!("sweep point `{label}`: ");
        let raw = match serde_yaml::from_value::<ScenarioFile>(point_doc) {
            Ok(raw) => raw,
            Err(e) => {
                problems.push(diagnostic(
                    locate::yaml_path!["sweep", "parameters"],
                    format!("{context}{}", yaml_message(&e)),
                ));
                continue;
            }
        };
        match resolve_file(raw, source, path, &context) {
            Ok(scenario) => points.push(Point {
                label,
                parameters,
                scenario,
            }),
            Err(Error::Invalid(d)) => problems.extend(d),
            Err(e) => return Err(e),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    Ok(Plan {
        source: path.to_path_buf(),
        text: source.to_string(),
        sets: sets.to_vec(),
        sweep: Some(Sweep {
            mode,
            parameters: params.into_iter().map(|(p, _)| p).collect(),
        }),
        points,
    })
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
