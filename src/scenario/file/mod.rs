//! The scenario file as YAML writes it: names, not indices. [`super::load`]
//! checks it and resolves it into a [`super::Scenario`]. The doc comments
//! here are the descriptions of `regionsim schema`, shown by editors.

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
}

/// One residency rule: whose data (exactly one of `jurisdiction` and
/// `tenants`), its home region and the regions allowed to hold a copy.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResidencyRuleFile {
    /// The users of every client region of this jurisdiction.
    pub jurisdiction: Option<String>,
    /// The users of the workload entries with one of these `tenant`s
    /// (before any jurisdiction rule).
    pub tenants: Option<Vec<String>>,
    /// Where their records live in a geo-sharded dataset; one of `allowed`.
    pub home: String,
    /// Regions where a copy of their records may come to rest.
    pub allowed: Vec<String>,
}

/// The session store.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionsFile {
    /// `regional` or `global`.
    pub store: SessionStoreFile,
    /// `global` only: time for a remote store to apply a replicated session
    /// write, after the one-way network delay (default 0).
    pub apply_time: Option<Dist>,
}

/// Where sessions are kept.
#[derive(Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
pub enum SessionStoreFile {
    /// In the region whose app tier served the user's last request only.
    Regional,
    /// Replicated to every region.
    Global,
}

/// A headroom search (`regionsim headroom`); its options override these.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HeadroomFile {
    /// A numeric field as `--set` addresses it (default `load`).
    pub parameter: Option<String>,
    /// Stop when the answer is known this closely, relative (default 2%).
    #[schemars(with = "Option<super::slo::Bound>")]
    pub precision: Option<serde_yaml::Value>,
    /// Start here (default: the file's value; 1 for an absent `load`).
    pub low: Option<f64>,
    /// Try nothing above this (default: 1024 times the start).
    pub high: Option<f64>,
    /// Values tried per round, run in parallel (default 2).
    pub points_per_round: Option<u32>,
}

/// DNS routing: a policy answers each client region with one endpoint
/// region; resolvers cache the answer for `ttl`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutingFile {
    /// `latency` (nearest healthy endpoint by mean delay), `geo` (a fixed
    /// map, nearest healthy as fallback), `failover` (primary, else
    /// secondary) or `weighted` (by weight among healthy endpoints).
    pub policy: RoutingPolicyFile,
    /// Regions whose app tier DNS may answer (default: every region with
    /// users; `failover`: its two; `weighted`: those weighted).
    pub endpoints: Option<Vec<String>>,
    /// How long a resolver keeps an answer (default 60s, the most Route 53
    /// advises with health checks).
    pub ttl: Option<Duration>,
    /// Resolver caches per client region, each refreshing on its own phase
    /// (default 20): convergence after a change is gradual.
    #[schemars(range(min = 1, max = 1000))]
    pub resolver_groups: Option<u32>,
    /// Clients that keep an answer past its TTL: `share` of the resolver
    /// groups switch `by` later (e.g. `{share: 5%, by: 10m}`).
    pub overstay: Option<OverstayFile>,
    /// `geo`: client region to endpoint region.
    #[serde(default)]
    pub geo: BTreeMap<String, String>,
    /// `failover`: the endpoint while healthy.
    pub primary: Option<String>,
    /// `failover`: the endpoint when the primary is not.
    pub secondary: Option<String>,
    /// `weighted`: endpoint region to weight (>= 0, not all 0).
    #[serde(default)]
    pub weights: BTreeMap<String, f64>,
}

/// A DNS routing policy.
#[derive(Deserialize, serde::Serialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RoutingPolicyFile {
    /// The nearest healthy endpoint by mean one-way delay.
    Latency,
    /// A fixed map; the nearest healthy endpoint when the mapped one is not.
    Geo,
    /// `primary` while healthy, else `secondary`.
    Failover,
    /// An endpoint drawn by weight among the healthy ones, per resolver.
    Weighted,
}

/// Clients that overstay the TTL.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverstayFile {
    /// Share of resolver groups whose clients overstay, e.g. `5%`.
    #[schemars(with = "super::slo::Bound")]
    pub share: serde_yaml::Value,
    /// How long past the TTL they keep an answer.
    pub by: Duration,
}

/// Health checks, as Route 53 runs them: each checker region probes each
/// target every `interval`; a checker sees a target unhealthy after
/// `failure_threshold` consecutive failed probes (no answer within
/// `timeout`), healthy again after `recovery_threshold` answered ones; the
/// target is healthy while at least `healthy_share` of the checkers see it
/// so.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthChecksFile {
    /// Regions the probes are sent from (default: every region).
    pub checkers: Option<Vec<String>>,
    /// Time between two probes of one checker (Route 53: 30 s, or 10 s
    /// fast; default 30s).
    pub interval: Option<Duration>,
    /// A probe not answered within this failed (Route 53 HTTP checks: 4 s
    /// to connect; default 4s). Below `interval`.
    pub timeout: Option<Duration>,
    /// Consecutive failed probes before a checker sees the target
    /// unhealthy (Route 53: 1 to 10, default 3).
    #[schemars(range(min = 1, max = 10))]
    pub failure_threshold: Option<u32>,
    /// Consecutive answered probes before it sees it healthy again
    /// (default: `failure_threshold`).
    #[schemars(range(min = 1, max = 10))]
    pub recovery_threshold: Option<u32>,
    /// The target is healthy while at least this share of checkers see it
    /// healthy (Route 53: more than 18 %; default 18%; 100% makes one
    /// checker's view enough to declare it unhealthy).
    #[schemars(with = "Option<super::slo::Bound>")]
    pub healthy_share: Option<serde_yaml::Value>,
}

/// One failure: exactly one of `region`, `partition` or `link`, and when.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailureFile {
    /// The region that fails: its app tier and every database node in it
    /// stop answering (with `service`, only that service).
    pub region: Option<String>,
    /// With `region`: only this service fails (`database` or `app`).
    pub service: Option<ServiceFile>,
    /// With `region`, instead of an outage: the replicas in it apply each
    /// write this many times slower (a noisy neighbour, a degraded disk).
    pub apply_factor: Option<f64>,
    /// With `region`, instead of an outage: its users send this many times
    /// their requests (a load burst: a marketing push, a retry storm).
    pub load_factor: Option<f64>,
    /// With `region`, instead of an outage: its clock jumps this many
    /// milliseconds (negative: back) for the duration, e.g. a bad NTP
    /// server; what last-writer-wins timestamps read.
    pub clock_step_ms: Option<f64>,
    /// Two sets of regions that cannot reach each other, e.g.
    /// `[[us-east-1, us-west-2], [eu-west-1]]`; each keeps its own links.
    pub partition: Option<Vec<Vec<String>>>,
    /// Two regions whose link (both ways) degrades by `delay_factor`,
    /// `added_delay` and `loss`.
    pub link: Option<Vec<String>>,
    /// With `link`: every delay is multiplied by this (default 1).
    pub delay_factor: Option<f64>,
    /// With `link`: added to every delay (default 0ms).
    pub added_delay: Option<Duration>,
    /// With `link`: share of messages lost, e.g. `1%` (default 0).
    #[schemars(with = "Option<super::slo::Bound>")]
    pub loss: Option<serde_yaml::Value>,
    /// When it starts, from the start of the measured span (the time axis
    /// of every chart; the warm-up comes before it). With `duration`.
    pub at: Option<Duration>,
    /// How long it lasts. With `at`.
    pub duration: Option<Duration>,
    /// Instead of `at` and `duration`, a failure that comes and goes at
    /// random: the time between a repair and the next failure (e.g.
    /// `{exponential: {mean: 30d}}`, or a duration for a constant)...
    pub mtbf: Option<super::units::LongDist>,
    /// ...and the time to repair (e.g. `{exponential: {mean: 1h}}`). From
    /// the failure's own random stream: variants see the same failures.
    pub mttr: Option<super::units::LongDist>,
}

/// A service of a region that can fail on its own.
#[derive(Deserialize, serde::Serialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ServiceFile {
    /// Every database node in the region (primaries and replicas).
    Database,
    /// The region's app tier: requests routed to the region fail.
    App,
}

/// A precision target: replications are added in batches until the 95 %
/// interval of every named figure is narrow enough, or the cap is reached.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrecisionFile {
    /// Figure paths, as in SLOs (e.g. `clients.eu-west-1.read_latency.p99_ms`).
    pub metrics: Vec<String>,
    /// Largest acceptable half-width of the 95 % interval relative to the
    /// mean, e.g. `2%`.
    #[schemars(with = "super::slo::Bound")]
    pub relative_half_width: serde_yaml::Value,
    /// Replications added per round (default: `replications`).
    pub batch: Option<u32>,
    /// Never more replications than this.
    pub max_replications: u32,
}

/// `sweep:`: dotted paths and the values each takes.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    /// `product` (every combination, default) or `zip` (i-th values together).
    #[serde(default)]
    pub mode: SweepMode,
    /// Dotted path (e.g. `datasets.users.keys`) to its list of values.
    #[schemars(with = "BTreeMap<String, Vec<serde_json::Value>>")]
    pub parameters: serde_yaml::Mapping,
    /// Optional short names of the points, in order (letters, digits, `-`,
    /// `_`, `.`): they label the points in tables, charts and files. A
    /// number is taken as its text (`names: [1, 2]`).
    #[serde(default, deserialize_with = "scalar_texts")]
    #[schemars(with = "Option<Vec<NameText>>")]
    pub names: Option<Vec<String>>,
}

/// A name written as a string or a number.
#[derive(JsonSchema)]
#[schemars(untagged)]
#[allow(dead_code)] // describes the schema only
enum NameText {
    Text(String),
    Number(f64),
}

/// A list of names, numbers read as their text: the same from the file's
/// text and from a YAML value (an override), where a number would not
/// otherwise become a string.
fn scalar_texts<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    use serde::de::Error;
    let Some(values) = Option::<Vec<serde_yaml::Value>>::deserialize(d)? else {
        return Ok(None);
    };
    values
        .into_iter()
        .map(|v| match v {
            serde_yaml::Value::String(s) => Ok(s),
            serde_yaml::Value::Number(n) => Ok(n.to_string()),
            other => Err(D::Error::custom(format!(
                "a name must be text or a number, got {}",
                super::variants::compact(&other)
            ))),
        })
        .collect::<Result<_, _>>()
        .map(Some)
}

/// How sweep parameters combine into points.
#[derive(Deserialize, JsonSchema, Default, Clone, Copy, Debug, PartialEq, Eq)]
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

/// A region.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegionFile {
    /// e.g. `us-east-1`; names of the `aws` preset get its delays.
    pub name: String,
    /// Legal jurisdiction, e.g. `EU`, `US`.
    pub jurisdiction: String,
    /// Latitude in degrees (with `lon`): delays to regions no preset or
    /// link covers are estimated from distance.
    pub lat: Option<f64>,
    /// Longitude in degrees (with `lat`).
    pub lon: Option<f64>,
    /// One-way delay inside this region (default: `network.intra_region`).
    pub intra_delay: Option<Dist>,
    /// The region's app tier as a station (default: infinite capacity).
    pub app: Option<AppTierFile>,
    /// How far the region's clock is from true time: what last-writer-wins
    /// timestamps read (default: exact).
    pub clock: Option<ClockFile>,
}

/// A region's clock: true time plus `offset_ms` plus `drift_ppm` millionths
/// of the time since the start of the run.
#[derive(Deserialize, JsonSchema, Clone, Copy, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct ClockFile {
    /// Constant offset in milliseconds (negative: behind), e.g. 50.
    pub offset_ms: Option<f64>,
    /// Drift in parts per million (NTP-disciplined clocks: under 100).
    pub drift_ppm: Option<f64>,
}

/// An app tier with finite capacity: `servers x concurrency` requests in
/// service at once, each for `service_time`, the rest waiting in a queue.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AppTierFile {
    /// Instances (hosts, pods).
    pub servers: u32,
    /// Requests each instance works on at once (default 1): worker threads
    /// or connections.
    pub concurrency: Option<u32>,
    /// Time one request occupies a worker, e.g. `{exponential: 5ms}`.
    pub service_time: Dist,
    /// Most requests waiting for a worker (default: no limit). A request
    /// arriving to a full queue is shed.
    pub queue_limit: Option<u32>,
    /// What a shed request's user sees: `reject` (an error at once; the
    /// client retries after its backoff, default) or `timeout` (no answer;
    /// the client's timeout decides).
    pub shed: Option<ShedFile>,
}

/// The outcome of a shed request.
#[derive(Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum ShedFile {
    /// An error response at once (HTTP 503).
    #[default]
    Reject,
    /// Dropped without an answer.
    Timeout,
}

/// The primary's commit path as a station.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitFile {
    /// Writes committing at once (e.g. the cores that commit; default 1).
    pub servers: Option<u32>,
    /// Time one write occupies a server, e.g. `{exponential: 1ms}`.
    pub service_time: Dist,
    /// Most writes waiting (default: no limit); a write arriving to a full
    /// queue is rejected and its client retries after its backoff.
    pub queue_limit: Option<u32>,
}

/// The network.
#[derive(Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct NetworkFile {
    /// `aws`: measured one-way delays between AWS regions.
    pub preset: Option<String>,
    /// Default one-way delay inside a region (default: lognormal, median
    /// 0.43 ms, p99 3.95 ms).
    pub intra_region: Option<Dist>,
    /// Explicit delays; they win over the preset and coordinates.
    #[serde(default)]
    pub links: Vec<LinkFile>,
}

/// An explicit delay: `between: [a, b]` (both directions) or `from` and
/// `to` (one direction).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkFile {
    /// Two regions; the delay applies both ways.
    pub between: Option<Vec<String>>,
    /// Source region of a one-way delay.
    pub from: Option<String>,
    /// Destination region of a one-way delay.
    pub to: Option<String>,
    /// The one-way delay distribution (default: the preset's, or from
    /// distance).
    pub delay: Option<Dist>,
    /// Bytes per second the link carries (`100Mbit/s`, `1Gbps`, `50MB/s`):
    /// replicated writes queue to be sent, each taking `record_bytes` /
    /// bandwidth (default: no limit).
    pub bandwidth: Option<Bandwidth>,
}

/// A dataset.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DatasetFile {
    /// e.g. `users`.
    pub name: String,
    /// Number of keys (records).
    #[schemars(range(min = 1, max = 100000000))]
    pub keys: u32,
    /// `uniform` (default) or `{zipf: s}`.
    // serde_yaml reads enums from `!tags`; singleton_map also takes the
    // friendlier `{zipf: 0.9}` and `{single-primary: {...}}` forms.
    #[serde(default, with = "serde_yaml::with::singleton_map")]
    #[schemars(with = "PopularityFile")]
    pub popularity: PopularityFile,
    /// Payload bytes of one record: what a write, a read's response and a
    /// replicated write carry over the network (default 1024).
    #[schemars(range(min = 1, max = 67108864))]
    pub record_bytes: Option<u64>,
    /// Multiplies every request rate to this dataset (default 1).
    pub load: Option<f64>,
    /// Its records are personal data of the users who own them (record k
    /// belongs to user k), held to the `residency` rules: a copy outside a
    /// record's allowed regions is a violation (default false; always true
    /// for `geo-sharded`).
    pub restricted: Option<bool>,
    /// Where the copies live and how they replicate.
    #[serde(with = "serde_yaml::with::singleton_map")]
    #[schemars(with = "PlacementFile")]
    pub placement: PlacementFile,
}

/// Key popularity.
#[derive(Deserialize, serde::Serialize, JsonSchema, Default, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum PopularityFile {
    /// Every key equally likely.
    #[default]
    Uniform,
    /// Key of rank r has weight r^-s (typical s: 0.7 to 1.2).
    Zipf(f64),
    /// Each user reads and writes their own record (key = the user's
    /// number); needs `users` and at least as many keys as users.
    #[serde(rename = "per-user")]
    PerUser,
}

/// Placement strategy.
#[derive(Deserialize, JsonSchema)]
pub enum PlacementFile {
    /// One primary takes every write; replicas serve local reads.
    #[serde(rename = "single-primary")]
    SinglePrimary(SinglePrimaryFile),
    /// Every listed region takes writes locally and replicates them to the
    /// others; concurrent writes to a key conflict.
    #[serde(rename = "active-active")]
    ActiveActive(ActiveActiveFile),
    /// Each user's record lives in the home region of their residency
    /// rule (a shard per home, single-primary inside it); copies only
    /// where listed.
    #[serde(rename = "geo-sharded")]
    GeoSharded(GeoShardedFile),
}

/// Geo-sharded placement: one single-primary shard per residency home.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GeoShardedFile {
    /// Read replicas of each shard, by home region (default: none).
    #[serde(default)]
    pub replicas: BTreeMap<String, Vec<String>>,
    /// Time for one of a replica's apply threads to apply one write
    /// (replication is asynchronous).
    pub apply_time: Dist,
    /// Threads applying writes at each replica (default 1).
    #[schemars(range(min = 1, max = 64))]
    pub apply_threads: Option<u32>,
    /// Each shard promotes its most caught-up replica when its home's
    /// database is detected down (needs `health_checks`).
    pub failover: Option<FailoverFile>,
    /// Time a committed write waits in its home's log before it is sent
    /// to the shard's replicas (default 0: sent at commit). A failure of
    /// the home loses what had not left.
    pub shipping_delay: Option<Dist>,
}

/// Active-active placement.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActiveActiveFile {
    /// Regions holding a copy that takes writes (two or more).
    pub regions: Vec<String>,
    /// Time for one of a copy's apply threads to apply one replicated write.
    pub apply_time: Dist,
    /// Threads applying writes at each copy (default 1).
    #[schemars(range(min = 1, max = 64))]
    pub apply_threads: Option<u32>,
    /// `lww` (default): the write with the latest region-clock timestamp
    /// wins and a concurrent one it beats is lost; `merge`: concurrent
    /// writes are merged (a CRDT), nothing is lost.
    pub resolution: Option<ResolutionFile>,
}

/// How concurrent writes to one key are resolved.
#[derive(Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum ResolutionFile {
    /// Last writer wins, by the committing region's clock.
    #[default]
    Lww,
    /// Merged: nothing lost.
    Merge,
}

/// Single-primary placement.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SinglePrimaryFile {
    /// Region that takes every write.
    pub primary: String,
    /// Regions with a read replica.
    #[serde(default)]
    pub replicas: Vec<String>,
    /// `async` (default), `sync`, or `{semi-sync: {acks: 1, timeout: 10s}}`.
    #[serde(default, with = "serde_yaml::with::singleton_map")]
    #[schemars(with = "ReplicationFile")]
    pub replication: ReplicationFile,
    /// Time for one of a replica's apply threads to apply one write.
    pub apply_time: Dist,
    /// Threads applying writes at each replica (default 1): writes are
    /// applied in parallel and become visible in commit order, as MySQL's
    /// `replica_parallel_workers` with `replica_preserve_commit_order`.
    #[schemars(range(min = 1, max = 64))]
    pub apply_threads: Option<u32>,
    /// Promote a replica when the primary's database is detected down
    /// (needs `health_checks`).
    pub failover: Option<FailoverFile>,
    /// The primary's commit path as a station (default: commits take no
    /// time).
    pub commit: Option<CommitFile>,
    /// A read-your-writes mitigation for users' reads at replicas
    /// (default: none): exactly one of `primary_for` and `token`.
    pub read_your_writes: Option<ReadYourWritesFile>,
    /// Async only: time a committed write waits in the primary's log
    /// before it is sent to the replicas (default 0: sent at commit, as
    /// MySQL's binlog dump thread does; storage-level shipping such as
    /// Aurora Global Database's takes longer). A failure of the primary,
    /// or of its link to a replica, keeps in the log what had not left;
    /// a failover loses it.
    pub shipping_delay: Option<Dist>,
}

/// How a single-primary dataset keeps a user from missing their own
/// write at a replica.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadYourWritesFile {
    /// Read from the primary for this long after the user's own write was
    /// acknowledged.
    pub primary_for: Option<Duration>,
    /// Session token (the LSN of the user's last write): a replica that
    /// has not applied it makes the read `wait` until it has (at most
    /// `max_wait`, then the primary), or sends it to the `primary`.
    pub token: Option<TokenFile>,
    /// `token: wait`: the longest a read waits at a replica (default 1s).
    pub max_wait: Option<Duration>,
}

/// What a replica behind the user's session token does with the read.
#[derive(Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
pub enum TokenFile {
    Wait,
    Primary,
}

/// Database failover of a single-primary dataset.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailoverFile {
    /// `automatic` (default): promotion starts when the health checks see
    /// the primary's database down; `manual`: an operator starts it
    /// `operator_delay` after that.
    #[serde(default)]
    pub mode: FailoverMode,
    /// From the start of a promotion to the new primary taking writes
    /// (default 30s).
    pub promotion_delay: Option<Duration>,
    /// Manual mode: from detection to the operator starting the promotion
    /// (default 5m).
    pub operator_delay: Option<Duration>,
    /// The replica to promote (default: the most caught-up one whose
    /// database is up). Geo-sharded: a region (each shard with a replica
    /// there promotes it) or one per shard, `{HOME: REGION}`.
    pub target: Option<TargetFile>,
    /// The deposed primary is fenced at promotion and takes no write after
    /// it (default true). Without fencing, once up it keeps taking the
    /// writes of its region's app tier until it rejoins (split brain);
    /// they are discarded.
    pub fencing: Option<bool>,
    /// From the deposed primary being up again to its rejoining as a
    /// replica, resynchronised (default 5m).
    pub resync: Option<Duration>,
}

/// A failover's target: one region, or one per shard of a geo-sharded
/// dataset, by home.
#[derive(Deserialize, JsonSchema, Clone, Debug)]
#[serde(untagged)]
pub enum TargetFile {
    /// A region holding a replica.
    Region(String),
    /// Per shard home, the region of the replica it promotes.
    PerShard(BTreeMap<String, String>),
}

/// Who starts a failover.
#[derive(Deserialize, serde::Serialize, JsonSchema, Default, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FailoverMode {
    /// As soon as the primary is detected down.
    #[default]
    Automatic,
    /// An operator, `operator_delay` after detection.
    Manual,
}

/// Replication mode.
#[derive(Deserialize, serde::Serialize, JsonSchema, Default, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
pub enum ReplicationFile {
    /// The primary acknowledges a write once it commits; replicas apply it
    /// later.
    #[default]
    Async,
    /// The primary acknowledges a write once `acks` replicas have received
    /// it (MySQL's AFTER_SYNC); after `timeout` without them it falls back
    /// to async until the replicas catch up.
    SemiSync(SemiSyncFile),
    /// The primary acknowledges a write once every replica has applied it.
    Sync,
}

/// Semi-synchronous replication.
#[derive(Deserialize, serde::Serialize, JsonSchema, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct SemiSyncFile {
    /// Replicas that must have received a write before it is acknowledged
    /// (MySQL `rpl_semi_sync_source_wait_for_replica_count`, default 1).
    #[serde(default = "one")]
    #[schemars(range(min = 1))]
    pub acks: u32,
    /// How long the primary waits for them before it falls back to async
    /// (MySQL `rpl_semi_sync_source_timeout`, default 10 s).
    #[serde(default = "ten_seconds")]
    pub timeout: Duration,
}

fn one() -> u32 {
    1
}

fn ten_seconds() -> Duration {
    Duration::from_secs(10)
}

/// Client load of one region.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkloadFile {
    /// Where the users are.
    pub region: String,
    /// One-way delay from a user to the region's app tier (default: the
    /// region's intra-region delay).
    pub access_delay: Option<Dist>,
    /// How long a user waits for a response before giving up on the
    /// attempt (default: for ever).
    pub timeout: Option<Duration>,
    /// Attempts after the first one that timed out (default 0). Needs a
    /// `timeout`.
    #[schemars(range(max = 10))]
    pub retries: Option<u32>,
    /// Wait before the first retry, doubled before each next one
    /// (default 100ms).
    pub backoff: Option<Duration>,
    /// Multiplies every request rate of this region's users (default 1):
    /// `--set workload.eu-west-1.load=1.5`.
    pub load: Option<f64>,
    /// How this region's rates vary over the run (default: constant):
    /// one of `diurnal`, `step`, `burst` or `table`.
    pub profile: Option<ProfileFile>,
    /// Poisson rates per dataset name.
    pub rates: BTreeMap<String, RatesFile>,
    /// The region's user population: each request is made by one of them,
    /// drawn uniformly, so read-your-writes, monotonic reads and sessions
    /// can be checked per user.
    pub users: Option<u64>,
    /// A share of this region's users' requests sent from other regions.
    pub roaming: Option<RoamingFile>,
    /// The tenant the region's users belong to, for `residency` rules
    /// that list tenants.
    pub tenant: Option<String>,
}

/// A region, or a list of them (for the schema; read as YAML and checked
/// item by item, so that each bad one is located).
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum OneOrMoreRegions {
    One(String),
    More(Vec<String>),
}

/// Users sending some of their requests from another region.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoamingFile {
    /// Share of each user's requests sent from elsewhere (0 to 1).
    pub share: f64,
    /// Where from: one region or a list (split evenly).
    #[schemars(with = "OneOrMoreRegions")]
    pub to: serde_yaml::Value,
    /// Least time between a user's request in one region and their next
    /// one in another (travel; default 0).
    pub delay: Option<Duration>,
}

/// A rate profile: a factor on a region's rates that varies with time.
/// Exactly one kind.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    /// A day: `peak` at `peak_hour` local time, `trough` twelve hours
    /// later, a cosine between.
    pub diurnal: Option<DiurnalFile>,
    /// From `at` on, `factor` (1 before).
    pub step: Option<StepFile>,
    /// From `at` for `duration`, `factor` (1 outside).
    pub burst: Option<BurstFile>,
    /// `[[time, factor], ...]`: each factor from its time to the next (1
    /// before the first); times from the start of the measured span.
    pub table: Option<Vec<(Duration, f64)>>,
}

/// A daily cycle of load.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiurnalFile {
    /// Factor at the peak hour, e.g. 1.6.
    pub peak: f64,
    /// Factor twelve hours from it, e.g. 0.4.
    pub trough: f64,
    /// Local hour of the peak, 0 to 24 (e.g. 20.5 for 20:30).
    pub peak_hour: f64,
    /// The region's local time minus UTC in hours (default: its longitude
    /// / 15, rounded to the hour).
    pub utc_offset_hours: Option<f64>,
}

/// A step of load.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepFile {
    pub at: Duration,
    pub factor: f64,
}

/// A burst of load.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BurstFile {
    pub at: Duration,
    pub duration: Duration,
    pub factor: f64,
}

/// Request rates to one dataset.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RatesFile {
    /// Reads per second (leave out for none).
    pub reads_per_s: Option<f64>,
    /// Writes per second (leave out for none).
    pub writes_per_s: Option<f64>,
}

/// The JSON Schema of the scenario format.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(ScenarioFile)).expect("schemas serialize")
}
