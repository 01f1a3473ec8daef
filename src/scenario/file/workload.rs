//! The workload section: client loads, roaming, rate profiles.

use super::*;

/// How a retry's wait is drawn.
#[derive(Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum JitterFile {
    #[default]
    None,
    Full,
    Equal,
    Decorrelated,
}

/// Finagle's retry budget of one client: over any `ttl`, at most `share`
/// of its requests plus `min_per_s` a second are retried.
#[derive(Deserialize, JsonSchema, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct RetryBudgetFile {
    /// Retries allowed as a share of requests, above 0% and at most 1000%
    /// (Finagle's `percentCanRetry`; default 20%).
    #[schemars(with = "Option<crate::scenario::slo::Bound>")]
    pub share: Option<serde_yaml::Value>,
    /// Retries allowed a second whatever the requests, 0 to 1,000,000
    /// (Finagle's `minRetriesPerSec`; default 10).
    pub min_per_s: Option<f64>,
    /// How long a request's deposit counts, whole seconds from 1s to 60s
    /// (Finagle's `ttl`; default 10s).
    pub ttl: Option<Duration>,
}

/// Hedged reads of one client.
#[derive(Deserialize, JsonSchema, Clone, Copy, Debug)]
#[serde(deny_unknown_fields)]
pub struct HedgeFile {
    /// How long a read waits for its answer before a second is sent.
    pub after: Duration,
}

/// gRPC's retry throttling of one client.
#[derive(Deserialize, JsonSchema, Clone, Copy, Debug)]
#[serde(deny_unknown_fields)]
pub struct RetryThrottleFile {
    /// Tokens a client holds at most (and starts with), 1 to 1000.
    pub max_tokens: f64,
    /// Tokens an answered request gives back, above 0 and at most 1.
    pub token_ratio: f64,
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
    /// How each wait is drawn from the doubled backoff v (AWS's
    /// "Exponential Backoff And Jitter", 2015): `none` (default: v),
    /// `full` (uniform 0 to v), `equal` (v/2 plus uniform 0 to v/2) or
    /// `decorrelated` (uniform from `backoff` to 3 x the previous wait).
    pub jitter: Option<JitterFile>,
    /// The longest wait between attempts (default: no cap).
    pub max_backoff: Option<Duration>,
    /// No retry starts later than this after the request was first sent
    /// (a deadline across attempts; default: none).
    pub deadline: Option<Duration>,
    /// gRPC's retry throttling (gRFC A6): a client's tokens start at
    /// `max_tokens`, each failed attempt takes one, each answered request
    /// gives back `token_ratio`; it retries only while it holds more than
    /// half of `max_tokens` (default: no throttle).
    pub retry_throttle: Option<RetryThrottleFile>,
    /// Finagle's retry budget: retries at most a share of the requests
    /// (plus a few a second) over a window (default: none).
    pub retry_budget: Option<RetryBudgetFile>,
    /// Hedged reads ("The Tail at Scale", Dean and Barroso, 2013): a read
    /// not answered `after` its send is sent again, and the first answer
    /// wins (default: none). Set `after` to the reads' p95 to hedge about
    /// one in twenty.
    pub hedge: Option<HedgeFile>,
    /// Multiplies every request rate of this region's users (default 1):
    /// `--set workload.eu-west-1.load=1.5`.
    pub load: Option<f64>,
    /// Multiplies every read rate of this region's users (default 1).
    pub read_load: Option<f64>,
    /// Multiplies every write rate of this region's users (default 1).
    pub write_load: Option<f64>,
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
pub(super) enum OneOrMoreRegions {
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
