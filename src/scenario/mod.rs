//! Scenarios: the YAML format, its checks, and the resolved form the model
//! runs.
//!
//! [`load_plan`] reads a file, checks every field (each error names the file,
//! line and column, and says what would be valid), resolves region and
//! dataset names to indices once, and returns a [`Scenario`].

mod figure_paths;
mod file;
pub mod limits;
pub mod locate;
pub mod placement;
mod plan;
pub mod presets;
pub mod prices;
mod resolve;
mod sections;
pub mod services;
pub mod slo;
mod units;
pub mod variants;

pub use figure_paths::{check_figure_path, FigureShape};
pub use file::{schema, SweepMode};
pub use placement::{
    ActiveActive, Consensus, ConsensusReads, GeoSharded, Leaderless, Placement, QuorumDelays,
    Replication, Role, RywMitigation, Shard, SinglePrimary, Strategy,
};
pub use plan::{load_plan, plan_from_str, Plan, Point, Sweep};
pub use slo::{Slo, Unit};
pub use units::{parse_duration, split_number};
pub use variants::Set;

use crate::engine::{AliasTable, Dist, Duration};
use crate::error::{Diagnostic, Error, Result};
use file::ScenarioFile;
use locate::Tree;
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
    /// Availability (a share) below which a bucket counts as downtime.
    pub availability_threshold: f64,
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
    /// What fails, and when.
    pub failures: Vec<Failure>,
    /// Health checks, if any.
    pub health: Option<HealthChecks>,
    /// DNS routing, if any (else users use their own region's app tier).
    pub routing: Option<Routing>,
    /// Where users' sessions live, if checked.
    pub sessions: Option<Sessions>,
    /// Users over every client region (0: requests are not attributed to
    /// users).
    pub users: u32,
    /// Some load factor (`load`, `read_load`, `write_load`, at any level)
    /// is not 1.
    pub load_scaled: bool,
    /// Data residency rules, if any.
    pub residency: Option<Arc<Residency>>,
    /// Transfer prices, if the scenario asks what it costs.
    pub cost: Option<Cost>,
    /// Whether the design comes back after each failure, if judged.
    pub metastability: Option<Metastability>,
    /// Lint findings: legal, but an architect should know.
    pub warnings: Vec<String>,
}

/// Clients' pooled connections (see [`file::ConnectionsFile`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Connections {
    pub lifetime: Duration,
    /// Per client region.
    pub per_region: u32,
    /// Draining: connections off a moved answer reopen within this.
    pub drain: Option<Duration>,
    /// An opening's work at the app tier it connects to.
    pub handshake: Duration,
}

/// The metastability judgement (see [`file::MetastabilityFile`]).
#[derive(Clone, Copy, Debug)]
pub struct Metastability {
    /// Not back this long after a failure ended: stuck.
    pub within: Duration,
    /// Share above the pre-failure level still counted as back.
    pub tolerance: f64,
}

/// The session store (see [`file::SessionsFile`]).
#[derive(Clone, Debug)]
pub struct Sessions {
    /// `false`: regional.
    pub global: bool,
    /// Global: time for a remote store to apply a session write.
    pub apply_time: Dist,
}

/// Data residency: whose records may rest where.
#[derive(Clone, Debug)]
pub struct Residency {
    pub rules: Vec<ResidencyRule>,
    /// Per user pool in user order: (first user, users, its rule).
    pub owners: Vec<(u32, u32, Option<u16>)>,
}

/// One residency rule, resolved.
#[derive(Clone, Debug)]
pub struct ResidencyRule {
    /// `EU`, or `tenants acme, globex`: for reports.
    pub label: String,
    /// Where the records live in a geo-sharded dataset.
    pub home: RegionId,
    /// Per region: whether a copy may rest there.
    pub allowed: Vec<bool>,
}

impl Residency {
    /// The rule of `user`'s records, if one applies.
    #[inline]
    pub fn rule_of(&self, user: u32) -> Option<u16> {
        let i = self.owners.partition_point(|&(first, _, _)| first <= user);
        let &(first, count, rule) = self.owners.get(i.checked_sub(1)?)?;
        (user - first < count).then_some(rule).flatten()
    }

    /// Whether a copy of record `key` (of user `key`) may rest in `region`.
    #[inline]
    pub fn allows(&self, key: u32, region: RegionId) -> bool {
        self.rule_of(key)
            .is_none_or(|r| self.rules[usize::from(r)].allowed[usize::from(region.0)])
    }
}

/// A client region's users: numbers `first .. first + count` of the
/// scenario's users (regions' populations follow one another in workload
/// order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserPool {
    pub first: u32,
    pub count: u32,
}

/// A share of a region's users' requests sent from other regions.
#[derive(Clone, Debug, PartialEq)]
pub struct Roaming {
    /// Of each user's requests, 0 to 1.
    pub share: f64,
    /// Where from, split evenly.
    pub to: Vec<RegionId>,
    /// Least time between a user's request in one region and their next
    /// in another.
    pub delay: Duration,
}

/// DNS routing (see [`file::RoutingFile`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Routing {
    pub policy: RoutingPolicy,
    /// Regions DNS may answer, in file order.
    pub endpoints: Vec<RegionId>,
    pub ttl: Duration,
    /// Resolver groups per client region.
    pub groups: u32,
    /// Share of groups that overstay, and by how long.
    pub overstay_share: f64,
    pub overstay: Duration,
    /// A proxying load balancer (Cloudflare proxied): no client caches an
    /// answer; every request follows the health checks' current verdicts.
    pub proxied: bool,
    /// Pooled connections, if clients hold them.
    pub connections: Option<Connections>,
    /// Weights scale with the share of checkers seeing an endpoint healthy.
    pub weigh_by_health: bool,
}

/// A routing policy, names resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum RoutingPolicy {
    Latency,
    /// Per region index: its mapped endpoint, if any.
    Geo(Vec<Option<RegionId>>),
    Failover {
        primary: RegionId,
        secondary: RegionId,
    },
    /// A weight per endpoint (same order as `endpoints`).
    Weighted(Vec<f64>),
    /// The nearest healthy endpoint by the links' delays as they are at
    /// the moment of answering.
    Dynamic,
}

/// Health checks (see [`file::HealthChecksFile`]).
#[derive(Clone, Debug, PartialEq)]
pub struct HealthChecks {
    pub checkers: Vec<RegionId>,
    pub interval: Duration,
    pub timeout: Duration,
    pub failure_threshold: u32,
    pub recovery_threshold: u32,
    /// Healthy while at least this share of checkers see it healthy.
    pub healthy_share: f64,
    /// App tier probes take a request's path (gray failures fail them).
    pub deep: bool,
}

/// Database failover of a single-primary dataset (see
/// [`file::FailoverFile`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Failover {
    /// Detection to the start of the promotion: 0 (automatic) or the
    /// operator's delay (manual).
    pub operator_delay: Duration,
    pub mode: FailoverMode,
    pub promotion_delay: Duration,
    /// The replica to promote (an index into the dataset's replicas), or
    /// the most caught-up one.
    pub target: Option<usize>,
    pub fencing: bool,
    pub resync: Duration,
    /// How long app tiers keep sending writes to the old primary after a
    /// promotion (the writer endpoint's DNS TTL; 0: they follow at once).
    pub endpoint_ttl: Duration,
}

pub use file::FailoverMode;

/// A failure: what fails, from when, for how long.
#[derive(Clone, Debug)]
pub struct Failure {
    pub kind: FailureKind,
    pub timing: FailureTiming,
}

/// When a failure happens.
#[derive(Clone, Debug)]
pub enum FailureTiming {
    /// Once: from `at` (after the start of the measured span) for
    /// `duration`.
    Scheduled { at: Duration, duration: Duration },
    /// Again and again, from the start of the run: up for a draw of
    /// `mtbf`, down for a draw of `mttr`.
    Random { mtbf: Dist, mttr: Dist },
}

/// What a failure takes down.
#[derive(Clone, Debug, PartialEq)]
pub enum FailureKind {
    /// A planned switchover of a single-primary dataset, to the replica in
    /// a region (`None`: its failover target, else the most caught-up).
    Switchover(DatasetId, Option<RegionId>),
    /// A region's services (app tier and every database node in it).
    Region(RegionId),
    /// One service of a region.
    Service(RegionId, Service),
    /// Zone `k` (from 1) of a region: the consensus members in it.
    Zone(RegionId, u8),
    /// The replicas in a region apply each write this many times slower.
    ApplySlowdown(RegionId, f64),
    /// The users of a region send this many times their requests.
    LoadBurst(RegionId, f64),
    /// A region's clock is off by this many more nanoseconds.
    ClockStep(RegionId, f64),
    /// A gray failure: a region's app tier answers its health checks, but
    /// fails this share of the requests that reach it (an error its client
    /// learns at once, and may retry).
    Errors(RegionId, f64),
    /// A slow gray failure: a region's app tier answers its health checks,
    /// but serves each request this many times slower.
    AppSlowdown(RegionId, f64),
    /// No message crosses between the two sets of regions, either way.
    Partition(Vec<RegionId>, Vec<RegionId>),
    /// The link between two regions, both ways, is slower or lossy.
    Link {
        between: (RegionId, RegionId),
        delay_factor: f64,
        added_delay: Duration,
        loss: f64,
    },
}

pub use file::JitterFile as Jitter;
pub use file::ServiceFile as Service;

/// A region.
#[derive(Clone, Debug)]
pub struct Region {
    /// e.g. `us-east-1`.
    pub name: String,
    /// e.g. `EU`, `US`.
    pub jurisdiction: String,
    /// (latitude, longitude) in degrees, if known.
    pub coords: Option<(f64, f64)>,
    /// Its app tier's capacity; `None`: infinite.
    pub app: Option<Capacity>,
    /// Its clock's offset from true time in ns, and drift (a fraction).
    pub clock: (f64, f64),
    /// How far its clock may be off, as it knows (TrueTime's epsilon):
    /// what commit wait waits out.
    pub uncertainty: Option<Dist>,
}

/// What sending a GB costs, for the monthly bill.
#[derive(Clone, Debug)]
pub struct Cost {
    /// USD per GB (10^9 bytes) from region `a` to `b`, at `a * n + b` (0
    /// inside a region).
    pub per_gb: Vec<f64>,
    /// USD per GB a region's app tier sends to users (internet egress),
    /// per region (0 where no user can be served).
    pub egress_per_gb: Vec<f64>,
    /// What priced them, in words: `aws 2022-01`, `... with overrides`.
    pub prices: String,
}

/// Hours in a month, as cloud price lists count them (AWS: 730).
pub const MONTH_HOURS: f64 = 730.0;

/// A station where requests queue for finite capacity: an app tier or a
/// primary's commit path.
#[derive(Clone, Debug)]
pub struct Capacity {
    /// Jobs in service at once (an app tier's servers x concurrency).
    pub servers: u32,
    /// Time one job occupies a server.
    pub service_time: Dist,
    /// Most jobs waiting; `None`: no limit.
    pub queue_limit: Option<u32>,
    /// What the user of a job turned away sees.
    pub shed: Shed,
}

impl Capacity {
    /// Offered load in erlangs per server at `rate` jobs per second.
    pub fn utilisation_at(&self, rate: f64) -> f64 {
        rate * self.service_time.mean_nanos() / 1e9 / f64::from(self.servers)
    }
}

pub use file::DataTypeFile as DataType;
pub use file::ResolutionFile as Resolution;
pub use file::ShedFile as Shed;

/// One-way delay distributions for every ordered pair of regions; the
/// diagonal is the delay inside a region.
#[derive(Clone, Debug)]
pub struct Network {
    regions: usize,
    delays: Vec<Dist>,
    /// Bytes per second per ordered pair; `None`: no limit.
    bandwidth: Vec<Option<f64>>,
}

impl Network {
    /// The bandwidth from `from` to `to` in bytes per second, if limited.
    pub fn bandwidth(&self, from: RegionId, to: RegionId) -> Option<f64> {
        self.bandwidth[usize::from(from.0) * self.regions + usize::from(to.0)]
    }

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
        /// The weights as an alias table, built by the first run that needs
        /// it (never by `validate`) and shared by every run and every sweep
        /// point with the same keys and exponent; dropped once the runs are
        /// over ([`Popularity::release_table`]).
        table: KeyTable,
    },
    /// Each user's own record: key = the user's number.
    PerUser,
}

impl Popularity {
    /// The key chooser's table of a Zipf law over `keys` keys, built on
    /// first use (a run that asks while another builds it waits for it).
    pub fn zipf_table(table: &KeyTable, keys: u32, s: f64) -> Arc<AliasTable> {
        let mut slot = table
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(slot.get_or_insert_with(|| {
            Arc::new(
                AliasTable::new(&crate::engine::zipf_weights(keys, s))
                    .expect("positive finite weights"),
            )
        }))
    }

    /// Drops the shared table once no more runs need it (a run that still
    /// holds it keeps it alive; a later run would build it again, the
    /// same). The suite's 23 MB of tables were held through reporting.
    pub fn release_table(&self) {
        if let Popularity::Zipf { table, .. } = self {
            *table
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        }
    }
}

/// A lazily built Zipf key table, shared by the runs and points that use
/// it.
pub type KeyTable = Arc<std::sync::Mutex<Option<Arc<AliasTable>>>>;

/// A dataset and where its copies live.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// e.g. `users`.
    pub name: String,
    /// Number of keys.
    pub keys: u32,
    /// Key popularity.
    pub popularity: Popularity,
    /// Service time of applying one replicated write at a replica.
    pub apply_time: Dist,
    /// Threads applying writes at each replica.
    pub apply_threads: u32,
    /// Payload bytes of one record on the network.
    pub record_bytes: u32,
    /// Held to the residency rules (record k belongs to user k).
    pub restricted: bool,
    /// Where its copies live and how writes reach them.
    pub placement: Placement,
}

impl Dataset {
    /// Its placement's answers.
    #[inline]
    pub fn strategy(&self) -> &dyn Strategy {
        self.placement.strategy()
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
    /// How long a user waits for one attempt; `None`: for ever.
    pub timeout: Option<Duration>,
    /// Attempts after a first one that timed out.
    pub retries: u32,
    /// Wait before the first retry; doubled before each next one.
    pub backoff: Duration,
    /// How each wait is drawn from the doubled backoff.
    pub jitter: Jitter,
    /// The longest wait between attempts (`None`: no cap).
    pub max_backoff: Option<Duration>,
    /// No retry starts later than this after the first send.
    pub deadline: Option<Duration>,
    /// gRPC's retry throttling: (max_tokens, token_ratio).
    pub retry_throttle: Option<(f64, f64)>,
    /// Finagle's retry budget: (share, min_per_s, ttl in seconds).
    pub retry_budget: Option<(f64, f64, u32)>,
    /// Hedged reads: a second attempt after this long.
    pub hedge_after: Option<Duration>,
    /// How the rates vary over the run; `None`: constant.
    pub profile: Option<Profile>,
    /// Who sends the requests, if users are modelled.
    pub users: Option<UserPool>,
    /// Requests the users send from other regions.
    pub roaming: Option<Roaming>,
}

/// A factor on a region's rates that varies with time (arrivals follow it
/// as a non-homogeneous Poisson process, by thinning).
#[derive(Clone, Debug, PartialEq)]
pub enum Profile {
    /// `trough + (peak - trough) (1 + cos(2 pi (h - peak_hour) / 24)) / 2`
    /// at local hour `h`; `hour_at_start` is the local hour at the start
    /// of the measured span.
    Diurnal {
        trough: f64,
        peak: f64,
        peak_hour: f64,
        hour_at_start: f64,
    },
    /// Each factor from its time (from the start of the measured span,
    /// ascending) to the next; 1 before the first.
    Table(Vec<(Duration, f64)>),
}

impl Profile {
    /// The factor `s` seconds after the start of the measured span
    /// (negative during the warm-up).
    pub fn factor(&self, s: f64) -> f64 {
        match self {
            Profile::Diurnal {
                trough,
                peak,
                peak_hour,
                hour_at_start,
            } => {
                let h = hour_at_start + s / 3600.0;
                let phase = 2.0 * std::f64::consts::PI * (h - peak_hour) / 24.0;
                trough + (peak - trough) * (1.0 + phase.cos()) / 2.0
            }
            // Called for every candidate arrival: a binary search, not a
            // walk over up to 10,000 points.
            Profile::Table(points) => match points.partition_point(|(t, _)| t.as_secs_f64() <= s) {
                0 => 1.0,
                k => points[k - 1].1,
            },
        }
    }

    /// The largest factor it takes.
    pub fn max(&self) -> f64 {
        match self {
            Profile::Diurnal { peak, .. } => *peak,
            Profile::Table(points) => points.iter().map(|p| p.1).fold(1.0, f64::max),
        }
    }

    /// The largest factor it takes in the first `span` of the measured
    /// span (0: the region sends nothing then).
    pub fn max_within(&self, span: Duration) -> f64 {
        match self {
            // Positive but at an instant (checked when read).
            Profile::Diurnal { peak, .. } => *peak,
            Profile::Table(points) => points
                .iter()
                .filter(|(t, _)| *t < span)
                .map(|p| p.1)
                .fold(self.factor(0.0), f64::max),
        }
    }
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

    /// Writes per second the busiest copy of `dataset` applies: those its
    /// streams carry to it (for single-primary every write; for
    /// active-active those the other copies commit; for geo-sharded its
    /// shard's).
    pub fn apply_rate(&self, dataset: DatasetId) -> f64 {
        let st = self.datasets[usize::from(dataset.0)].strategy();
        let mine = self.workload.iter().filter(|w| w.dataset == dataset);
        st.copies()
            .into_iter()
            .map(|c| {
                mine.clone()
                    .filter(|w| st.carries(self, w).iter().any(|&(_, to)| to == c))
                    .map(|w| w.writes_per_s)
                    .sum::<f64>()
            })
            .fold(0.0, f64::max)
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

/// Scenario files named by `paths`: files as given; folders searched (not
/// recursively) for `*.yaml` and `*.yml` in any letter case, skipping hidden
/// files (editors' `.NAME.yaml.swp` and backups), in name order.
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
                .filter(|f| is_scenario_file(f) && f.is_file())
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

/// True for `NAME.yaml` or `NAME.yml` (any case) whose name does not start
/// with a dot.
fn is_scenario_file(f: &Path) -> bool {
    let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let ext = f
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    !name.starts_with('.') && matches!(ext.as_deref(), Some("yaml" | "yml"))
}

/// Reads a scenario file, refusing one larger than
/// [`limits::MAX_FILE_BYTES`] before reading more of it.
fn read(path: &Path) -> Result<String> {
    read_limited(path, limits::MAX_FILE_BYTES as u64)?.ok_or_else(|| {
        invalid(
            path,
            0,
            0,
            format!(
                "the file is larger than {} bytes (8 MiB), the limit for a scenario file",
                limits::MAX_FILE_BYTES
            ),
        )
    })
}

/// The text of `path`, or `None` if it holds more than `max` bytes: only
/// `max + 1` bytes are ever read, so a FIFO or a device cannot make it
/// read forever.
pub fn read_limited(path: &Path, max: u64) -> Result<Option<String>> {
    use std::io::Read;
    let err = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(err)?;
    let mut text = String::new();
    file.take(max + 1).read_to_string(&mut text).map_err(err)?;
    Ok((text.len() as u64 <= max).then_some(text))
}

/// Checks a scenario given as text; `path` names it in messages, `shape`
/// gives the figures its SLOs and precision targets may name.
pub fn from_str(source: &str, path: &Path, shape: FigureShape) -> Result<Scenario> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let tree = read_tree(source, path)?;
    resolve_file(
        parse_file(source, &tree, path, shape)?,
        &tree,
        path,
        "",
        shape,
    )
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
    // serde names the Rust type a section is read into (`expected struct
    // CostFile`): the file's reader wants a mapping of fields there.
    if let Some(at) = message.find("expected struct ") {
        let name_end = message[at + 16..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .map_or(message.len(), |k| at + 16 + k);
        message.replace_range(
            at..name_end,
            "expected a mapping of its fields (`key: value`)",
        );
    }
    // serde's words for `{sync: {...}}` say nothing a user can act on.
    if message.contains(".replication: invalid type: map, expected unit variant") {
        message.push_str(
            " (`async` and `sync` take no settings: write `replication: sync`; only semi-sync has some, `{semi-sync: {acks: 1, timeout: 10s}}`)",
        );
    }
    message
}

/// The first reading of a scenario's text (see [`locate::Tree::read`]):
/// size, nesting, duplicate keys, aliases, one document.
pub fn read_tree(source: &str, path: &Path) -> Result<Tree> {
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
    Tree::read(source).map_err(|e| invalid(path, e.pos.0, e.pos.1, e.message))
}

/// Reads the YAML of a scenario file (already through [`read_tree`]) into
/// its serde types. When it does not read, every type problem is reported,
/// and the checks that can run without the broken parts run too (see
/// [`sections`]).
fn parse_file(source: &str, tree: &Tree, path: &Path, shape: FigureShape) -> Result<ScenarioFile> {
    let first = match serde_yaml::from_str(source) {
        Ok(raw) => return Ok(raw),
        Err(e) => e,
    };
    let typed = sections::check(source, tree, path);
    if typed.diagnostics.is_empty() {
        return Err(located_yaml_error(&first, path));
    }
    let mut problems = typed.diagnostics;
    if let Some(raw) = typed.repaired {
        let mut check = Checker {
            tree,
            file: path,
            context: "",
            diagnostics: Vec::new(),
            broken: typed.broken,
            shape,
        };
        resolve(raw, path, &mut check);
        problems.extend(check.diagnostics);
    }
    problems.sort_by_key(|d| (d.line, d.column));
    Err(Error::Invalid(problems))
}

fn located_yaml_error(e: &serde_yaml::Error, path: &Path) -> Error {
    let (line, column) = e
        .location()
        .map(|l| (l.line(), l.column()))
        .unwrap_or((0, 0));
    invalid(path, line, column, yaml_message(e))
}

/// Checks `raw` and resolves it; `context` prefixes every message (which
/// sweep point or override it concerns).
fn resolve_file(
    raw: ScenarioFile,
    tree: &Tree,
    path: &Path,
    context: &str,
    shape: FigureShape,
) -> Result<Scenario> {
    let mut check = Checker {
        tree,
        file: path,
        context,
        diagnostics: Vec::new(),
        broken: Vec::new(),
        shape,
    };
    let scenario = resolve(raw, path, &mut check);
    match scenario {
        Some(s) if check.diagnostics.is_empty() => Ok(s),
        _ => Err(Error::Invalid(check.diagnostics)),
    }
}

/// Copies a residency rule does not allow, of restricted datasets that hold
/// the records of that rule's users: every write that rests there will be
/// counted as a violation.
fn residency_lint(s: &Scenario) -> Vec<String> {
    let Some(res) = &s.residency else {
        return Vec::new();
    };
    let name = |r: RegionId| s.regions[usize::from(r.0)].name.as_str();
    let allowed = |rule: &ResidencyRule| -> String {
        (0..s.regions.len())
            .filter(|&i| rule.allowed[i])
            .map(|i| s.regions[i].name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = Vec::new();
    if !s.datasets.iter().any(|d| d.restricted) {
        out.push(format!(
            "residency rules are given but no dataset is `restricted` or geo-sharded: {}",
            if s.sessions.is_some() {
                "only sessions are held to them"
            } else {
                "they change nothing"
            }
        ));
    }
    for (i, d) in s.datasets.iter().enumerate().filter(|(_, d)| d.restricted) {
        // The rules whose users use the dataset.
        let mut rules: Vec<u16> = s
            .workload
            .iter()
            .filter(|w| usize::from(w.dataset.0) == i)
            .filter_map(|w| res.rule_of(w.users?.first))
            .collect();
        rules.sort_unstable();
        rules.dedup();
        let mut found = Vec::new();
        for r in rules {
            let rule = &res.rules[usize::from(r)];
            let copies = d.strategy().copies_for_rule(r);
            let outside: Vec<&str> = copies
                .into_iter()
                .filter(|c| !rule.allowed[usize::from(c.0)])
                .map(name)
                .collect();
            if !outside.is_empty() {
                found.push(format!(
                    "the records of {} users get a copy in {}, outside their allowed regions ({})",
                    rule.label,
                    outside.join(", "),
                    allowed(rule)
                ));
            }
        }
        if !found.is_empty() {
            out.push(format!(
                "dataset `{}`: {}: every write that comes to rest there is a residency violation",
                d.name,
                found.join("; ")
            ));
        }
    }
    out
}

/// Findings that are legal but that an architect should see before trusting
/// the numbers: overloaded apply queues and single points of failure.
pub fn lint(s: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    for (i, d) in s.datasets.iter().enumerate() {
        let lambda = s.apply_rate(DatasetId(i as u16));
        let rho = lambda * d.apply_time.mean_nanos() / 1e9 / f64::from(d.apply_threads);
        let replicated = !d.strategy().streams().is_empty();
        if replicated && rho >= 1.0 {
            out.push(format!(
                "dataset `{}`: replicas apply {lambda} writes/s at a mean of {:.3} ms each (utilisation {rho:.2} >= 1): replication lag will grow for the whole run",
                d.name,
                d.apply_time.mean_nanos() / 1e6
            ));
        } else if replicated && rho >= 0.8 {
            out.push(format!(
                "dataset `{}`: replica apply utilisation is {rho:.2}; lag is queue-dominated and sensitive to load",
                d.name
            ));
        } else if replicated {
            // Rate profiles: the same at their peaks (every region's at
            // once: an upper bound when they peak at different hours).
            let peak: f64 = s
                .workload
                .iter()
                .filter(|w| usize::from(w.dataset.0) == i)
                .map(|w| w.writes_per_s * w.profile.as_ref().map_or(1.0, Profile::max))
                .sum();
            // The profiles scale every write alike: the apply rate by the
            // same ratio as the total.
            let total = s.write_rate(DatasetId(i as u16));
            let rho_peak = rho * peak / total.max(f64::MIN_POSITIVE);
            if rho_peak >= 1.0 {
                out.push(format!(
                    "dataset `{}`: at the peaks of its rate profiles replicas apply up to {peak:.1} writes/s (utilisation {rho_peak:.2} >= 1): lag builds up while the peak lasts",
                    d.name
                ));
            } else if rho_peak >= 0.8 {
                out.push(format!(
                    "dataset `{}`: replica apply utilisation reaches {rho_peak:.2} at the peaks of its rate profiles; lag is queue-dominated then",
                    d.name
                ));
            }
        }
        // Regions that write it (a read-only dataset loses no write).
        let clients: Vec<RegionId> = s
            .workload
            .iter()
            .filter(|w| usize::from(w.dataset.0) == i && w.writes_per_s > 0.0)
            .map(|w| w.region)
            .collect();
        out.extend(d.strategy().lint_writes(s, d, &clients));
    }
    out.extend(spof(s));
    out.extend(capacity_lint(s));
    out.extend(load_lint(s));
    out.extend(residency_lint(s));
    // Clocks matter to last-writer-wins only: a copy of an active-active
    // dataset with `resolution: lww` in the region.
    let lww_in = |r: RegionId| {
        s.datasets
            .iter()
            .any(|d| d.strategy().reads_clocks() && d.strategy().copies().contains(&r))
    };
    let name = |r: RegionId| s.regions[usize::from(r.0)].name.as_str();
    for f in &s.failures {
        match f.kind {
            FailureKind::ClockStep(r, _) if !lww_in(r) => out.push(format!(
                "a failure steps the clock of {}, but only last-writer-wins reads clocks, and {} holds no copy of an active-active dataset with `resolution: lww`: it changes nothing here",
                name(r),
                name(r)
            )),
            FailureKind::Zone(r, k)
                if !s.datasets.iter().any(|d| match &d.placement {
                    Placement::Consensus(c) => {
                        c.members().iter().filter(|&&m| m == r).count() >= usize::from(k)
                    }
                    _ => false,
                }) =>
            {
                out.push(format!(
                    "a failure takes zone {k} of {} down, but no consensus group has {k} members there (zones hold consensus members only): it changes nothing here",
                    name(r)
                ))
            }
            FailureKind::ApplySlowdown(r, _)
                if !s.datasets.iter().any(|d| d.strategy().copies().contains(&r)) =>
            {
                out.push(format!(
                    "a failure slows the replicas of {}, but no dataset has a replica there: it changes nothing here",
                    name(r)
                ))
            }
            FailureKind::LoadBurst(r, _)
                if !s.workload.iter().any(|w| {
                    w.region == r || w.roaming.as_ref().is_some_and(|m| m.to.contains(&r))
                }) =>
            {
                out.push(format!(
                    "a failure multiplies the requests of the users of {}, but no workload entry sends from there: it changes nothing here",
                    name(r)
                ))
            }
            _ => {}
        }
    }
    for (i, r) in s.regions.iter().enumerate() {
        if r.clock != (0.0, 0.0) && !lww_in(RegionId(i as u16)) {
            out.push(format!(
                "region {}: its clock is set, but only last-writer-wins reads clocks, and it holds no copy of an active-active dataset with `resolution: lww`: it changes nothing here",
                r.name
            ));
        }
        let waits = |d: &Dataset| match &d.placement {
            Placement::Consensus(c) => c.commit_wait && c.voters.contains(&RegionId(i as u16)),
            _ => false,
        };
        if r.uncertainty.is_some() && !s.datasets.iter().any(waits) {
            out.push(format!(
                "region {}: its clock's uncertainty is set, but only a consensus group's commit wait reads it, and no group with `commit_wait: true` has a voter there: it changes nothing here",
                r.name
            ));
        }
    }
    out.extend(infinite_means(s));
    out
}

/// Stations at or above 80 % and 100 % utilisation at the peaks of the rate
/// profiles (every region's peak at once: an upper bound when they peak at
/// different hours), before any failure moves load: app tiers (by the
/// users of their own region), commit paths and link bandwidth.
fn capacity_lint(s: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    let peak = |w: &ClientLoad| w.profile.as_ref().map_or(1.0, Profile::max);
    let judge = |out: &mut Vec<String>, what: String, rho: f64, load: String| {
        if rho >= 1.0 {
            out.push(format!(
                "{what}: utilisation {rho:.2} at peak ({load}) >= 1: the queue grows while the peak lasts"
            ));
        } else if rho >= 0.8 {
            out.push(format!(
                "{what}: utilisation {rho:.2} at peak ({load}); waits are queue-dominated and grow fast with load"
            ));
        }
    };
    for (r, region) in s.regions.iter().enumerate() {
        let Some(app) = &region.app else { continue };
        let rate: f64 = s
            .workload
            .iter()
            .filter(|w| usize::from(w.region.0) == r)
            .map(|w| (w.reads_per_s + w.writes_per_s) * peak(w))
            .sum();
        let shed = if app.queue_limit.is_some() {
            ", then shed"
        } else {
            ""
        };
        judge(
            &mut out,
            format!("app tier of {}{shed}", region.name),
            app.utilisation_at(rate),
            format!("{rate:.1} requests/s on {} workers", app.servers),
        );
    }
    let mut link_bytes = vec![0.0; s.regions.len() * s.regions.len()];
    let n = s.regions.len();
    for (i, d) in s.datasets.iter().enumerate() {
        let st = d.strategy();
        let mut writes = 0.0;
        for w in s.workload.iter().filter(|w| usize::from(w.dataset.0) == i) {
            let rate = w.writes_per_s * peak(w);
            writes += rate;
            for (from, to) in st.carries(s, w) {
                link_bytes[usize::from(from.0) * n + usize::from(to.0)] +=
                    rate * f64::from(d.record_bytes);
            }
        }
        if let Some(c) = st.commit() {
            judge(
                &mut out,
                format!("commit path of dataset `{}`", d.name),
                c.utilisation_at(writes),
                format!("{writes:.1} writes/s on {} servers", c.servers),
            );
        }
    }
    for (i, bytes) in link_bytes.into_iter().enumerate() {
        let (from, to) = (RegionId((i / n) as u16), RegionId((i % n) as u16));
        if let Some(bw) = s.network.bandwidth(from, to) {
            judge(
                &mut out,
                format!(
                    "link {} -> {}",
                    s.regions[usize::from(from.0)].name,
                    s.regions[usize::from(to.0)].name
                ),
                bytes / bw,
                format!("{bytes:.0} of {bw:.0} bytes/s of replicated writes"),
            );
        }
    }
    out
}

/// Load factors scale counts and rates; latencies move with load only
/// where something has finite capacity. Without an app tier, commit path
/// or link bandwidth, only the apply queues (replication lag, staleness)
/// see it: said, so that "what if writes double?" is not answered by
/// unchanged latencies silently.
fn load_lint(s: &Scenario) -> Option<String> {
    let finite = s.regions.iter().any(|r| r.app.is_some())
        || s.datasets.iter().any(|d| d.strategy().commit().is_some())
        || (0..s.regions.len() * s.regions.len()).any(|i| {
            let n = s.regions.len();
            s.network
                .bandwidth(RegionId((i / n) as u16), RegionId((i % n) as u16))
                .is_some()
        });
    (s.load_scaled && !finite).then(|| {
        "load factors are set, but no app tier, commit path or link bandwidth has a finite capacity: request latencies here do not depend on load (only apply queues do: replication lag and staleness); give app tiers `capacity:` or a commit path to see load in latencies".to_string()
    })
}

/// Single points of failure that failures, health checks and failover
/// expose.
fn spof(s: &Scenario) -> Vec<String> {
    let name = |r: RegionId| s.regions[usize::from(r.0)].name.as_str();
    let mut out = Vec::new();
    for (i, d) in s.datasets.iter().enumerate() {
        out.extend(d.strategy().lint_outages(s, d, i));
    }
    if let Some(routing) = &s.routing {
        for (i, d) in s.datasets.iter().enumerate() {
            let read = s
                .workload
                .iter()
                .any(|w| usize::from(w.dataset.0) == i && w.reads_per_s > 0.0);
            let copies = d.strategy().regions();
            let bare: Vec<RegionId> = routing
                .endpoints
                .iter()
                .copied()
                .filter(|&e| read && !copies.contains(&e))
                .collect();
            for e in bare {
                out.push(format!(
                    "DNS can send users to {}, which holds no copy of dataset `{}`: every read served there crosses to {}",
                    name(e),
                    d.name,
                    name(placement::nearest(e, &copies, &s.network))
                ));
            }
        }
    }
    if let Some(h) = &s.health {
        if let [only] = h.checkers[..] {
            if s.regions.len() > 1 {
                out.push(format!(
                    "every health checker is in {}: a failure or partition there blinds failover and DNS (Route 53 checks from about 15 locations)",
                    name(only)
                ));
            }
        }
    }
    out
}

/// Warnings for delay laws with an infinite mean (a Pareto law of shape at
/// most 1): their sample means never settle, replications disagree wildly,
/// and samples reach the one-year cap.
fn infinite_means(s: &Scenario) -> Vec<String> {
    let name = |r: usize| s.regions[r].name.as_str();
    let mut places = Vec::new();
    let n = s.regions.len();
    for a in 0..n {
        for b in 0..n {
            let d = s.network.delay(RegionId(a as u16), RegionId(b as u16));
            if d.has_infinite_mean() {
                places.push(if a == b {
                    format!("the delay inside {}", name(a))
                } else {
                    format!("the delay from {} to {}", name(a), name(b))
                });
            }
        }
    }
    for d in &s.datasets {
        if d.apply_time.has_infinite_mean() {
            places.push(format!("the apply time of dataset `{}`", d.name));
        }
    }
    for w in &s.workload {
        if w.access_delay.has_infinite_mean() {
            places.push(format!(
                "the access delay of {}",
                name(usize::from(w.region.0))
            ));
        }
    }
    places.dedup();
    if places.is_empty() {
        return Vec::new();
    }
    let shown = places.len().min(3);
    vec![format!(
        "{}{}: a Pareto law with shape <= 1 has an infinite mean, so means and high percentiles never settle and samples reach the one-year cap; use shape > 1 (typical: 1.5 to 3)",
        places[..shown].join(", "),
        if places.len() > shown {
            format!(" and {} more", places.len() - shown)
        } else {
            String::new()
        }
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A released key table is built again, the same, by the next run that
    /// needs it; the runs that held it keep theirs.
    #[test]
    fn a_released_key_table_is_rebuilt_the_same() {
        let p = Popularity::Zipf {
            s: 0.9,
            table: KeyTable::default(),
        };
        let Popularity::Zipf { table, .. } = &p else {
            unreachable!()
        };
        let held = Popularity::zipf_table(table, 1000, 0.9);
        assert!(Arc::ptr_eq(
            &held,
            &Popularity::zipf_table(table, 1000, 0.9)
        ));
        p.release_table();
        assert!(table.lock().unwrap().is_none());
        let again = Popularity::zipf_table(table, 1000, 0.9);
        assert!(!Arc::ptr_eq(&held, &again));
        let draws = (0..10_000u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        assert!(draws.clone().all(|d| held.index_of(d) == again.index_of(d)));
        assert!(draws.map(|d| held.index_of(d)).any(|k| k > 100));
    }
}
