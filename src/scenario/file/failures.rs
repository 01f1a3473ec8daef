//! The failures section.

use super::*;

/// One failure: exactly one of `region`, `partition` or `link`, and when;
/// or a planned `switchover`, and when.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailureFile {
    /// Not a failure but a planned operation, scheduled the same way (with
    /// `at` only): a managed switchover of this single-primary dataset
    /// (Aurora Global Database's): the primary stops taking writes, the
    /// target applies everything the primary committed, then it is
    /// promoted (the failover's `promotion_delay`) and the old primary
    /// goes on as its replica. No acknowledged write is lost; writes fail
    /// for as long as the target takes to catch up, plus the promotion.
    pub switchover: Option<String>,
    /// With `switchover`: the replica's region that becomes the primary
    /// (default: the failover's target, else the most caught-up replica).
    pub to: Option<String>,
    /// The region that fails: its app tier and every database node in it
    /// stop answering (with `service`, only that service).
    pub region: Option<String>,
    /// With `region`: only this service fails (`database` or `app`).
    pub service: Option<ServiceFile>,
    /// With `region`, instead of an outage of all of it: one of its zones
    /// fails, 1 for the first consensus member a group lists in the
    /// region, 2 for the second, ...: those members stop answering; the
    /// region's app tier and other copies go on (an availability zone
    /// lost: what `survive: zone` survives).
    #[schemars(range(min = 1, max = 64))]
    pub zone: Option<u32>,
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
    /// With `region`, instead of an outage: a gray failure. Its app tier
    /// still answers its health checks, but fails this share of the
    /// requests that reach it (e.g. `0.5`), each an error its client learns
    /// at once and may retry.
    pub error_share: Option<f64>,
    /// With `region`, instead of an outage: a slow gray failure. Its app
    /// tier still answers its health checks, but serves each request this
    /// many times slower (needs an `app` section with a service time).
    pub slow_factor: Option<f64>,
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
    #[schemars(with = "Option<crate::scenario::slo::Bound>")]
    pub loss: Option<serde_yaml::Value>,
    /// When it starts, from the start of the measured span (the time axis
    /// of every chart; the warm-up comes before it). With `duration`.
    pub at: Option<Duration>,
    /// How long it lasts. With `at`.
    pub duration: Option<Duration>,
    /// Instead of `at` and `duration`, a failure that comes and goes at
    /// random: the time between a repair and the next failure (e.g.
    /// `{exponential: {mean: 30d}}`, or a duration for a constant)...
    pub mtbf: Option<crate::scenario::units::LongDist>,
    /// ...and the time to repair (e.g. `{exponential: {mean: 1h}}`). From
    /// the failure's own random stream: variants see the same failures.
    pub mttr: Option<crate::scenario::units::LongDist>,
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
