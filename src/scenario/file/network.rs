//! The regions and network sections.

use super::*;

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
#[derive(Deserialize, JsonSchema, Clone, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct ClockFile {
    /// How far the clock may be from true time, as it knows itself
    /// (TrueTime's epsilon), drawn anew at each commit, e.g. `{uniform:
    /// {min: 1ms, max: 7ms}}` (Spanner's range): what a consensus group's
    /// `commit_wait` waits out (default: none).
    pub uncertainty: Option<Dist>,
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
