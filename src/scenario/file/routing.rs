//! The routing (DNS) and health_checks sections.

use super::*;

/// DNS routing: a policy answers each client region with one endpoint
/// region; resolvers cache the answer for `ttl`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutingFile {
    /// A managed service's settings, each field overridable: `route53`
    /// (DNS answers cached for 60 s, the most Route 53 advises with health
    /// checks) or `cloudflare-proxied` (Cloudflare's proxied load balancer:
    /// no client caches an answer, traffic follows the health verdicts at
    /// once).
    pub preset: Option<RoutingPresetFile>,
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
    /// Clients that hold pooled connections: each of a region's
    /// `per_region` connections keeps the endpoint it resolved when it
    /// opened for `lifetime`, then reopens and resolves again (ages
    /// uniform): "the TTL expired" is not "traffic moved" (default: every
    /// request resolves).
    pub connections: Option<ConnectionsFile>,
    /// With a weighted (or random) policy and health checks: each
    /// endpoint's weight is multiplied by the share of its checkers that
    /// see its app tier healthy, so an endpoint some of them see down
    /// (degraded, still healthy by `healthy_share`) takes less traffic
    /// (default false: full weight until it is declared down).
    #[serde(default)]
    pub weigh_by_health: bool,
}

/// Clients' pooled connections.
#[derive(Deserialize, JsonSchema, Clone, Copy, Debug)]
#[serde(deny_unknown_fields)]
pub struct ConnectionsFile {
    /// How long a connection lives before it reopens.
    pub lifetime: Duration,
    /// Connections per client region, 1 to 10,000 (default 100).
    pub per_region: Option<u32>,
    /// Connection draining: when a resolver group's answer moves off an
    /// endpoint (failover, or back after it), the connections of that
    /// group still holding the old one close and reopen within this time,
    /// each at a uniform moment (`0s`: all at once, a reconnect storm).
    /// Default: no draining, they reopen when their lifetime ends.
    pub drain: Option<Duration>,
    /// Work a connection's opening costs the app tier it connects to (a
    /// TLS handshake): one job of this service time on a worker, where the
    /// tier has an `app` section (default 0s: free).
    pub handshake: Option<Duration>,
}

/// A routing preset.
#[derive(Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RoutingPresetFile {
    Route53,
    CloudflareProxied,
}

/// A health-check preset.
#[derive(Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum HealthPresetFile {
    Route53,
    Route53Fast,
    Cloudflare,
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
    /// An endpoint drawn uniformly among the healthy ones, per resolver
    /// (Cloudflare's random steering: `weighted` with equal weights).
    Random,
    /// The nearest healthy endpoint by distance (Cloudflare's proximity
    /// steering): here the mean one-way delay stands for the distance, so
    /// it answers as `latency` does.
    Proximity,
    /// The healthy endpoint with the lowest round trip as measured now
    /// (Cloudflare's dynamic steering): the link's current state counts,
    /// a degraded link moves traffic off it.
    Dynamic,
}

/// Clients that overstay the TTL.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverstayFile {
    /// Share of resolver groups whose clients overstay, e.g. `5%`.
    #[schemars(with = "crate::scenario::slo::Bound")]
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
    /// A managed service's checks, each field overridable: `route53`
    /// (every 30 s, 4 s to answer, 3 failures in a row, healthy while more
    /// than 18 % of checkers say so), `route53-fast` (the same every 10 s)
    /// or `cloudflare` (every 60 s, a check failed after 5 s and two
    /// immediate retries, unhealthy at the first failed check, healthy
    /// by majority).
    pub preset: Option<HealthPresetFile>,
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
    #[schemars(with = "Option<crate::scenario::slo::Bound>")]
    pub healthy_share: Option<serde_yaml::Value>,
    /// What an app tier's probe exercises: `shallow` (default: a liveness
    /// endpoint that answers while the tier runs, whatever its requests
    /// meet) or `deep` (the path a request takes: it fails like one under
    /// `error_share`, and waits for a worker, served as slowly as requests
    /// are under `slow_factor`).
    pub probe: Option<ProbePathFile>,
}

/// What an app tier's health probe exercises.
#[derive(Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ProbePathFile {
    Shallow,
    Deep,
}
