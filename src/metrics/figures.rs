//! The figures of one run, as reported: durations in milliseconds, shares
//! as fractions (0.01 is 1 %), maps in scenario order. Every number here is
//! later given as a mean with a confidence interval across replications,
//! so a metric added to these types is reported (and can be guarded by an
//! SLO) without further work.

use super::{ClientMetrics, DurationStats, RunMetrics};
use crate::engine::Duration;
use crate::scenario::{RegionId, Scenario};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

/// A map that serializes in insertion order.
#[derive(Clone, Debug, Default)]
pub struct Ordered<T>(pub Vec<(String, T)>);

impl<T: Serialize> Serialize for Ordered<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<T> Ordered<T> {
    /// True when the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The figures of one run.
#[derive(Serialize, Clone, Debug)]
pub struct Figures {
    pub events: u64,
    /// Per time bucket, over all client regions.
    pub timeline: TimelineFigures,
    /// Per client region.
    pub clients: Ordered<ClientFigures>,
    /// Per dataset.
    pub datasets: Ordered<DatasetFigures>,
    /// What the links the scenario uses carried: from region, to region.
    pub network: Ordered<Ordered<LinkFigures>>,
    /// What the design costs a month (with a `cost` section).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<CostFigures>,
    /// Per region whose app tier has finite capacity: how loaded it was.
    #[serde(skip_serializing_if = "Ordered::is_empty")]
    pub app_tiers: Ordered<StationFigures>,
    /// Over every client region.
    pub availability: AvailabilityFigures,
    /// The scenario's scheduled failures, as windows of the measured span
    /// (for charts; random failures differ from run to run).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<FailureWindow>,
    /// Per dataset with failover, its first failover's milestones (for
    /// charts).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failovers: Vec<FailoverMarks>,
    /// The run's incidents in order, for a scenario with failures (the
    /// first [`super::MAX_INCIDENTS`]; `availability.incidents` counts
    /// them all).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incidents: Option<Vec<IncidentFigures>>,
    /// DNS routing, for a scenario that has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns: Option<DnsFigures>,
    /// Data residency over every restricted dataset and the session
    /// store, for a scenario with residency rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub residency: Option<ResidencyTotals>,
    /// Whether the design came back after its incidents, for a scenario
    /// with a `metastability` section.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metastability: Option<MetastabilityFigures>,
}

/// Whether the design came back to its state before the first incident
/// after each incident ended (see [`super::metastability`]): over every
/// incident, the worst. Times from the end of an incident's last failure.
#[derive(Serialize, Clone, Debug)]
pub struct MetastabilityFigures {
    /// 1 when an app tier, commit path or client region was not back
    /// within `within` after some incident; 0 when every one was known to
    /// be; null when that is not known (the span before the first
    /// incident, or after the last, was too short).
    pub metastable: Option<u8>,
    /// The latest any of them was back (null: one was not).
    pub back_after_ms: Option<f64>,
    /// Per region with a finite app tier.
    pub app_tiers: Ordered<Comeback>,
    /// Per dataset with a finite commit path.
    #[serde(skip_serializing_if = "Ordered::is_empty")]
    pub commit: Ordered<Comeback>,
    /// Per client region.
    pub clients: Ordered<Comeback>,
}

/// How one app tier, commit path or client region came back.
#[derive(Serialize, Clone, Debug)]
pub struct Comeback {
    /// From the failure's end to the bucket from which it was back (0:
    /// at once; null: not back by the end of what was judged).
    pub back_after_ms: Option<f64>,
    /// 1: not back within `within`; 0: back in time; null: not known.
    pub metastable: Option<u8>,
}

impl Comeback {
    fn of(j: Option<super::metastability::Judged>) -> Comeback {
        Comeback {
            back_after_ms: j.and_then(|j| j.back_after).map(Duration::as_millis_f64),
            metastable: j.and_then(|j| j.metastable).map(u8::from),
        }
    }
}

/// Residency over the whole scenario.
#[derive(Serialize, Clone, Debug)]
pub struct ResidencyTotals {
    /// Writes of restricted datasets that came to rest where their rule
    /// does not allow, over every dataset.
    pub violations: u64,
    /// Reads of restricted data served across the border, over every
    /// dataset.
    pub cross_border_reads: u64,
    /// Session copies that came to rest outside their user's allowed
    /// regions (a regional store where the user was served, or every
    /// region a global store replicates to).
    pub session_violations: u64,
}

/// How DNS moved users away from the first app tier the health checks saw
/// down in the measured span. Times from the start of the span; null when
/// it did not happen.
#[derive(Serialize, Clone, Debug)]
pub struct DnsFigures {
    /// The app tier seen down.
    pub detection_ms: Option<f64>,
    /// Half of the resolver groups that answered it have switched away.
    pub converged_50_ms: Option<f64>,
    /// 95 % of them.
    pub converged_95_ms: Option<f64>,
    /// All of them.
    pub converged_100_ms: Option<f64>,
}

/// One incident: failures that overlapped, from the start of the first to
/// the end of the last. Milestones are times from its start (null: it did
/// not happen in the span); recovery is followed until the next incident.
#[derive(Serialize, Clone, Debug)]
pub struct IncidentFigures {
    /// What failed, e.g. `us-east-1 down` (`+ 2 more` when others started
    /// while it went on).
    pub label: String,
    /// Its start, from the start of the measured span.
    pub start_ms: f64,
    /// Its last failure ended.
    pub failure_end_ms: Option<f64>,
    /// The health checks saw a target down.
    pub detection_ms: Option<f64>,
    /// 50 %, 95 % and 100 % of the resolver groups that answered the first
    /// app tier seen down had moved off it.
    pub dns_50_ms: Option<f64>,
    pub dns_95_ms: Option<f64>,
    pub dns_100_ms: Option<f64>,
    /// A replica was promoted.
    pub promotion_ms: Option<f64>,
    /// The first write back: completed after its region's writes had
    /// failed (0 when no write failed).
    pub first_write_ms: Option<f64>,
    /// Availability over every region back at or above
    /// `availability_threshold` for good: the end of the last one-second
    /// slot below it (0 when none was below; null when no second with
    /// requests followed before the next incident or the end).
    pub availability_back_ms: Option<f64>,
    /// Seconds of it below the threshold, over every region.
    pub downtime_s: f64,
    /// Acknowledged writes its promotions discarded, and the largest
    /// commit-time window they spanned (the realised RPO).
    pub lost_writes: u64,
    pub lost_window_ms: f64,
    /// Per client region: read and write RTO.
    pub clients: Ordered<RecoveryFigures>,
    /// With `metastability`: every app tier, commit path and client
    /// region back at its state before the first incident, from this one's
    /// start (null: one was not back before the next or the end).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_back_ms: Option<Option<f64>>,
}

/// Traffic on one directed link in the measured span.
#[derive(Serialize, Clone, Debug)]
pub struct LinkFigures {
    /// Messages sent per second: requests, responses, replicated writes
    /// and their acknowledgements.
    pub messages_per_s: f64,
    /// Payload bytes sent per second (records, by `record_bytes`).
    pub bytes_per_s: f64,
    /// With a bandwidth: the transmitter replicated writes queue for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transmit: Option<StationFigures>,
    /// With `cost`: what the link's bytes cost a month (730 hours at the
    /// measured rate), USD, at its source region's price per GB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usd_per_month: Option<f64>,
}

/// What the design costs a month, from what the run measured (with a
/// `cost` section).
#[derive(Serialize, Clone, Debug)]
pub struct CostFigures {
    /// Inter-region transfer: every link's bytes (requests, responses,
    /// replicated writes, acknowledgements; not users' own requests and
    /// responses to another region's app tier, which are internet
    /// traffic) at the measured rate for 730 hours, priced per GB by
    /// source region; USD.
    pub transfer_usd_per_month: f64,
    /// Replicated write units, where a preset bills them (DynamoDB global
    /// tables): each write committed in the span, once per other copy and
    /// KB started, at the measured rate for 730 hours; USD.
    pub replicated_writes_usd_per_month: f64,
    /// Internet egress: the responses every app tier sent its users, at
    /// the measured rate for 730 hours, priced per GB by the app tier's
    /// region; USD.
    pub egress_usd_per_month: f64,
    /// Transfer, replicated writes and egress; USD.
    pub total_usd_per_month: f64,
    /// The same by dataset, whose messages and responses they were; the
    /// datasets' sum is the design's.
    pub datasets: Ordered<DatasetCostFigures>,
    /// The price table, in words (`aws 2022-01`).
    pub prices: String,
}

/// One dataset's share of the monthly bill; USD.
#[derive(Serialize, Clone, Debug)]
pub struct DatasetCostFigures {
    pub transfer_usd_per_month: f64,
    pub replicated_writes_usd_per_month: f64,
    pub egress_usd_per_month: f64,
    pub total_usd_per_month: f64,
}

/// Write conflicts of an active-active dataset in the measured span.
#[derive(Serialize, Clone, Debug)]
pub struct ConflictFigures {
    /// Pairs of writes to one key, committed at different copies, neither
    /// having seen the other (counted by the later one's commit).
    pub conflicts: u64,
    pub conflicts_per_s: f64,
    /// Acknowledged writes conflict resolution discarded (LWW: a write with
    /// a larger timestamp had not seen them); 0 with `merge`.
    pub lost_updates: u64,
    /// Of the writes committed.
    pub lost_update_share: f64,
    /// Per time bucket: conflicts (by the later write's commit) and lost
    /// updates (by the lost write's commit), per second.
    pub conflicts_per_s_by_bucket: Vec<f64>,
    pub lost_updates_per_s_by_bucket: Vec<f64>,
}

/// How loaded a station (an app tier, a commit path, a link's transmitter)
/// was over the measured span.
#[derive(Serialize, Clone, Debug)]
pub struct StationFigures {
    /// Busy time / (servers x span).
    pub utilisation: f64,
    /// Mean jobs waiting for a server (total wait / span, Little's law).
    pub queue_length: f64,
    /// Mean wait for a server of the jobs admitted.
    pub wait_ms: f64,
    /// Jobs admitted per second.
    pub admitted_per_s: f64,
    /// Jobs turned away because the queue was full.
    pub rejected: u64,
    /// Of the jobs offered.
    pub rejected_share: f64,
    /// Utilisation per time bucket.
    pub utilisation_by_bucket: Vec<f64>,
    /// Jobs offered (every attempt that reached it, admitted or turned
    /// away) per second, per bucket of their arrival.
    pub offered_per_s_by_bucket: Vec<f64>,
    /// Mean jobs waiting for a server, per bucket: the backlog.
    pub queue_by_bucket: Vec<f64>,
}

impl StationFigures {
    /// The figures of `st`, a station of `servers` servers, over `s`'s span.
    pub fn of(st: &super::StationStats, servers: u32, s: &Scenario) -> StationFigures {
        let span = s.duration.as_secs_f64();
        let width = st.bucket.as_secs_f64();
        let servers = f64::from(servers);
        let offered = st.admitted + st.rejected;
        StationFigures {
            utilisation: st.busy().as_secs_f64() / servers / span,
            queue_length: st.waited.as_secs_f64() / span,
            wait_ms: if st.admitted == 0 {
                0.0
            } else {
                st.waited.as_millis_f64() / st.admitted as f64
            },
            admitted_per_s: st.admitted as f64 / span,
            rejected: st.rejected,
            rejected_share: share(st.rejected, offered),
            utilisation_by_bucket: st
                .busy_by_bucket
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    let w = (span - width * i as f64).min(width);
                    b.as_secs_f64() / servers / w
                })
                .collect(),
            offered_per_s_by_bucket: per_second(s, &st.offered_by_bucket),
            queue_by_bucket: st
                .waited_by_bucket
                .iter()
                .enumerate()
                .map(|(i, b)| b.as_secs_f64() / (span - width * i as f64).min(width))
                .collect(),
        }
    }
}

/// The fate of a region's requests.
#[derive(Serialize, Clone, Debug)]
pub struct RequestFigures {
    /// Requests sent in the measured span.
    pub attempted: u64,
    /// Requests whose response reached the user.
    pub succeeded: u64,
    /// Requests given up after their last attempt.
    pub failed: u64,
    /// Attempts after the first, over all requests.
    pub retried: u64,
    /// Attempts an app tier failed under a gray failure (`error_share`).
    pub app_errors: u64,
    /// Retries the client's retry throttle did not make.
    pub throttled: u64,
    /// Hedges sent (reads sent a second time while the first attempt
    /// was still waiting).
    pub hedged: u64,
    /// succeeded / attempted (1 when none was attempted).
    pub availability: f64,
    /// Seconds of the incidents (from each one's start to the next's)
    /// whose requests succeeded less often than `availability_threshold`,
    /// a second without requests taking the verdict of the last one before
    /// it (for a scenario with failures).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downtime_s: Option<f64>,
    /// The same for reads only, and for writes only.
    pub read_availability: f64,
    pub write_availability: f64,
}

/// A scheduled failure, from the start of the measured span.
#[derive(Serialize, Clone, Debug)]
pub struct FailureWindow {
    /// What fails, e.g. `us-east-1 down`.
    pub label: String,
    pub start_ms: f64,
    /// Its end, or the end of the span if later.
    pub end_ms: f64,
}

/// The first failover of one dataset, from the start of the measured span.
#[derive(Serialize, Clone, Debug)]
pub struct FailoverMarks {
    pub dataset: String,
    /// The primary's database seen down.
    pub detection_ms: Option<f64>,
    /// 95 % of the resolver groups moved off the first app tier seen down.
    pub dns_95_ms: Option<f64>,
    /// The promoted replica takes writes.
    pub promotion_ms: Option<f64>,
}

/// Availability over every client region, and what it means over a year.
#[derive(Serialize, Clone, Debug)]
pub struct AvailabilityFigures {
    /// Succeeded / attempted over every request of every region.
    pub overall: f64,
    /// The same for reads, and for writes.
    pub read: f64,
    pub write: f64,
    /// (1 - overall) x one year (365.25 days), in minutes: the downtime a
    /// user would see over a year at this availability.
    pub downtime_minutes_per_year: f64,
    /// -log10(1 - overall): 3 for 99.9 %; at 100 %, log10 of the requests
    /// attempted (the most a run of that size can show); null without
    /// requests.
    pub nines: Option<f64>,
    /// Acknowledged writes lost in failovers, over every dataset, scaled
    /// to a year.
    pub lost_writes_per_year: f64,
    /// Seconds of the incidents whose requests over every region
    /// succeeded less often than `availability_threshold` (a second
    /// without requests taking the verdict of the last one before it).
    pub downtime_s: f64,
    /// Incidents that started in the span.
    pub incidents: u64,
}

/// Per-bucket series (by request send time), over all client regions.
#[derive(Serialize, Clone, Debug)]
pub struct TimelineFigures {
    pub reads_per_s: Vec<f64>,
    pub writes_per_s: Vec<f64>,
}

/// Per-bucket series of one client region.
#[derive(Serialize, Clone, Debug)]
pub struct ClientTimeline {
    /// Reads the region sent per second.
    pub reads_per_s: Vec<f64>,
    /// Retries the region sent per second (by each retry's send time):
    /// the load its clients add to what failed.
    pub retries_per_s: Vec<f64>,
    /// Share of the region's reads in the bucket that were stale, per
    /// bound (0 in a bucket without reads).
    pub stale_share: Ordered<Vec<f64>>,
    /// Share of the requests sent in the bucket that succeeded (1 in a
    /// bucket without requests).
    pub availability: Vec<f64>,
    /// Per-user anomalies per second, per kind (`read_your_writes`,
    /// `monotonic_reads`, `session_misses`), in scenarios with users.
    #[serde(skip_serializing_if = "Ordered::is_empty")]
    pub anomalies_per_s: Ordered<Vec<f64>>,
}

/// What the users of one region saw.
#[derive(Serialize, Clone, Debug)]
pub struct ClientFigures {
    /// Attempted, succeeded, failed, retried; availability.
    pub requests: RequestFigures,
    pub read_latency: Latency,
    pub write_latency: Latency,
    /// Per staleness bound (`0ms`, `500ms`...).
    pub stale_reads: Ordered<StaleReads>,
    /// The staleness-age curve: for each age T of the point's
    /// `staleness_age_edges_ms`, the share of reads that missed a write
    /// committed T or more before them (stale at bound T).
    pub stale_share_by_age: Vec<f64>,
    /// When reads and writes came back after the first failure of the
    /// span, for a scenario with failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery: Option<RecoveryFigures>,
    /// What the per-user checks found, in scenarios with users.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<UserFigures>,
    /// Per bucket (the region as a whole, not per dataset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<ClientTimeline>,
    /// The same figures per dataset the region used (empty inside).
    #[serde(skip_serializing_if = "Ordered::is_empty")]
    pub by_dataset: Ordered<ClientFigures>,
}

/// Recovery time objectives as realised: from the start of an incident (in
/// a client's figures: the first of the span) to the completion of the
/// first request sent after the last one that failed (0 when none failed;
/// null when they were not back before the span or the next incident
/// began).
#[derive(Serialize, Clone, Debug)]
pub struct RecoveryFigures {
    pub read_rto_ms: Option<f64>,
    pub write_rto_ms: Option<f64>,
}

/// The per-user consistency checks of a region's users (DESIGN.md,
/// Read-your-writes, Monotonic-read, Session miss).
#[derive(Serialize, Clone, Debug)]
pub struct UserFigures {
    /// Reads that missed the user's own acknowledged write; share of reads.
    pub read_your_writes: StaleReads,
    /// Reads older than one the user had read before; share of reads.
    pub monotonic_reads: StaleReads,
    /// Requests that found no session; share of requests (with a session
    /// store).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_misses: Option<StaleReads>,
    /// With a read-your-writes mitigation: reads it sent to the primary,
    /// and reads it held at a replica until the user's write was applied;
    /// shares of reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reads_sent_to_primary: Option<StaleReads>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reads_held: Option<StaleReads>,
}

/// Count and share of stale reads at one bound.
#[derive(Serialize, Clone, Debug)]
pub struct StaleReads {
    pub count: u64,
    /// Of all reads from the region (0 when it made none).
    pub share: f64,
}

/// A duration distribution, in milliseconds. Quantiles are within 0.1 %;
/// count, mean, min and max are exact. `null` when nothing was recorded.
#[derive(Serialize, Clone, Debug)]
pub struct Latency {
    pub count: u64,
    pub mean_ms: Option<f64>,
    pub min_ms: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub p999_ms: Option<f64>,
    pub max_ms: Option<f64>,
    /// The distribution curve: the value at each of [`QUANTILE_LEVELS`]
    /// (empty when nothing was recorded). Charts draw CDFs from it.
    pub quantiles_ms: Vec<f64>,
}

/// The quantile levels of every `quantiles_ms` curve.
pub const QUANTILE_LEVELS: [f64; 19] = [
    0.001, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999,
    0.9995, 0.9999,
];

impl Latency {
    fn of(s: &DurationStats) -> Latency {
        let ms = |d: Option<Duration>| d.map(Duration::as_millis_f64);
        // One histogram read for every level (a small distribution builds
        // its histogram for the question).
        let mut levels = vec![0.5, 0.9, 0.99, 0.999];
        levels.extend_from_slice(&QUANTILE_LEVELS);
        let q = s.quantiles(&levels);
        Latency {
            count: s.count(),
            mean_ms: s.mean_ns().map(|x| x / 1e6),
            min_ms: ms(s.min()),
            p50_ms: ms(q[0]),
            p90_ms: ms(q[1]),
            p99_ms: ms(q[2]),
            p999_ms: ms(q[3]),
            max_ms: ms(s.max()),
            quantiles_ms: q[4..].iter().filter_map(|&d| ms(d)).collect(),
        }
    }
}

/// The copies' names: their regions', and where a region holds several
/// (a consensus group's voters in its zones), `region#1`, `region#2`, ...
pub fn copy_names(s: &Scenario, copies: &[RegionId]) -> Vec<String> {
    copies
        .iter()
        .enumerate()
        .map(|(i, &r)| {
            let name = region_name(s, usize::from(r.0));
            if copies.iter().filter(|&&c| c == r).count() > 1 {
                let k = copies[..i].iter().filter(|&&c| c == r).count() + 1;
                format!("{name}#{k}")
            } else {
                name
            }
        })
        .collect()
}

/// Each region's roles in a placement, in words, regions in placement
/// order.
fn roles(s: &Scenario, st: &dyn crate::scenario::Strategy) -> Ordered<String> {
    let rule = |k: u16| {
        s.residency
            .as_ref()
            .and_then(|r| r.rules.get(usize::from(k)))
            .map_or_else(|| format!("rule {k}"), |r| r.label.clone())
    };
    // Per region its roles, each with how many copies there hold it.
    let mut out: Vec<(String, Vec<(String, usize)>)> = Vec::new();
    for (region, role) in st.roles() {
        let name = region_name(s, usize::from(region.0));
        let text = role.text(rule);
        let i = match out.iter().position(|(n, _)| *n == name) {
            Some(i) => i,
            None => {
                out.push((name, Vec::new()));
                out.len() - 1
            }
        };
        match out[i].1.iter_mut().find(|(t, _)| *t == text) {
            Some((_, k)) => *k += 1,
            None => out[i].1.push((text, 1)),
        }
    }
    Ordered(
        out.into_iter()
            .map(|(name, roles)| {
                let words: Vec<String> = roles
                    .into_iter()
                    .map(|(t, k)| if k == 1 { t } else { format!("{t} x{k}") })
                    .collect();
                (name, words.join("; "))
            })
            .collect(),
    )
}

/// One dataset.
#[derive(Serialize, Clone, Debug)]
pub struct DatasetFigures {
    /// The placement strategy: `single-primary`, `active-active` or
    /// `geo-sharded` (its section's name in the scenario file).
    pub placement: String,
    /// The one region that takes every write (empty when several do).
    pub primary: String,
    /// What each region's copy is, from the placement: `primary`,
    /// `replica`, `EU shard home`, `US shard replica`, `active-active
    /// copy` (several joined by "; ").
    pub roles: Ordered<String>,
    /// `async`, `semi-sync`, `sync`, `active-active (lww)`,
    /// `active-active (merge)` or `geo-sharded (async)`.
    pub replication: String,
    /// Writes at the primary.
    pub writes: WriteFigures,
    /// Semi-sync only: how often and how long the primary fell back to
    /// async.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub semi_sync: Option<SemiSyncFigures>,
    /// Database failover, for a dataset that has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failover: Option<FailoverFigures>,
    /// Per replica region (with failover, the primary's region too: a
    /// failover makes it a replica).
    pub replicas: Ordered<ReplicaFigures>,
    /// Active-active: write conflicts and lost updates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflicts: Option<ConflictFigures>,
    /// With a commit path: how loaded the primary's was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<StationFigures>,
    /// Restricted and geo-sharded datasets: data residency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub residency: Option<ResidencyFigures>,
    /// Leaderless datasets: how soon reads see writes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quorum: Option<QuorumFigures>,
}

/// What a leaderless dataset's reads see (DESIGN.md, t-visibility).
#[derive(Serialize, Clone, Debug)]
pub struct QuorumFigures {
    /// Per probe time t (`0ms`, `1ms`...): the probe reads started t after
    /// a measured write's commit, from every replica's region, and the
    /// share that returned it or a later version.
    pub t_visibility: Ordered<Visibility>,
    /// The same per region pair: the write's coordinator, then the
    /// reading region.
    pub pairs: Ordered<Ordered<PairVisibility>>,
    /// Element k - 1: the share of measured reads that returned one of
    /// the latest k versions committed before them (k-staleness, k = 1 to
    /// 10; null when no read was measured).
    pub k_staleness: Vec<Option<f64>>,
    /// Versions read repair sent to replicas that answered a read with an
    /// older one (over the whole run, warm-up included).
    pub read_repairs: u64,
    /// Writes a stand-in took for a replica it could not reach (sloppy
    /// quorum), and those it handed over by the end of the run.
    pub hinted_writes: u64,
    pub hints_handed_over: u64,
    /// Replica versions of a key anti-entropy brought up to date.
    pub anti_entropy_updates: u64,
    /// Writes in the span refused because another region's write of the
    /// key was still replicating (`concurrent_writes: fail`; each a
    /// retryable error its client retried or failed on).
    pub conflict_failures: u64,
}

/// Probe reads at one time after the commit.
#[derive(Serialize, Clone, Debug)]
pub struct Visibility {
    /// Those that returned the probed write or a later one (null: no
    /// probe read was answered).
    pub share: Option<f64>,
    /// Probe reads answered.
    pub probes: u64,
}

/// t-visibility from one region's writes to another's reads.
#[derive(Serialize, Clone, Debug)]
pub struct PairVisibility {
    pub t_visibility: Ordered<Visibility>,
}

/// Where a restricted dataset's records went (DESIGN.md, Residency
/// violation).
#[derive(Serialize, Clone, Debug)]
pub struct ResidencyFigures {
    /// Writes that came to rest in a region their rule does not allow
    /// (committed, or applied at a replica, in the span).
    pub violations: u64,
    /// Reads served to an app tier in a region the record's rule does not
    /// allow: transfers across the border.
    pub cross_border_reads: u64,
}

/// What failovers of one dataset did in the measured span.
#[derive(Serialize, Clone, Debug)]
pub struct FailoverFigures {
    /// Failovers started: the primary's database seen down.
    pub started: u64,
    /// Promotions completed.
    pub promotions: u64,
    /// Acknowledged writes the promoted replica had not applied: discarded
    /// (the realised RPO, as a count).
    pub lost_writes: u64,
    /// The commit-time window those lost writes span, largest of one
    /// promotion (the realised RPO, as time).
    pub lost_window_ms: f64,
    /// Writes a deposed primary without fencing took (split brain), all
    /// discarded when it rejoined.
    pub split_brain_writes: u64,
    /// First failover start, from the start of the measured span (null:
    /// none).
    pub first_detection_ms: Option<f64>,
    /// First promotion completed, likewise.
    pub first_promotion_ms: Option<f64>,
    /// The region its first promotion promoted ("" for none).
    pub promoted: String,
    /// The named `target` ("" for none), and the promotions that could
    /// not take it (its database down, or it was the primary that
    /// failed): the most caught-up replica up was promoted instead.
    pub target: String,
    pub target_passed_over: u64,
}

/// Writes committed at a primary, and their exposure.
#[derive(Serialize, Clone, Debug)]
pub struct WriteFigures {
    /// Writes committed in the measured span.
    pub committed: u64,
    /// Writes acknowledged before any replica had received them: exposed
    /// to the primary's loss until one has. (A failover loses only those
    /// that had not left the primary when it failed: `failover.lost_writes`.)
    pub unreplicated_acks: u64,
    /// unreplicated_acks / committed (0 when none was committed).
    pub unreplicated_share: f64,
}

/// Semi-sync fallbacks to async.
#[derive(Serialize, Clone, Debug)]
pub struct SemiSyncFigures {
    /// Times the primary fell back to async in the measured span.
    pub fallbacks: u64,
    /// Share of the measured span spent fallen back.
    pub fallback_share: f64,
}

/// One replica.
#[derive(Serialize, Clone, Debug)]
pub struct ReplicaFigures {
    /// Apply time at the replica minus commit time at the primary.
    pub lag: Latency,
    /// Wait in the replica's apply queue.
    pub apply_wait: Latency,
    /// Share of the measured span its apply thread was busy.
    pub apply_utilisation: f64,
    /// Largest sampled current lag.
    pub current_lag_max_ms: f64,
    /// Current lag at the end of each bucket.
    pub current_lag_ms: Vec<f64>,
}

/// Succeeded / attempted, from `ok` successes and `failed` failures (1
/// when nothing was attempted).
fn availability(ok: u64, failed: u64) -> f64 {
    if ok + failed == 0 {
        1.0
    } else {
        ok as f64 / (ok + failed) as f64
    }
}

/// The quorum figures of dataset `d` (leaderless only).
fn quorum_figures(
    s: &Scenario,
    d: &crate::scenario::Dataset,
    w: &super::WriteMetrics,
) -> Option<QuorumFigures> {
    let crate::scenario::Placement::Leaderless(l) = &d.placement else {
        return None;
    };
    let (n, probes) = (l.replicas.len(), l.probes.len());
    let curve = |counts: &[[u64; 2]]| PairVisibility {
        t_visibility: Ordered(
            l.probes
                .iter()
                .zip(counts)
                .map(|(t, c)| {
                    (
                        t.to_string(),
                        Visibility {
                            share: (c[0] > 0).then(|| c[1] as f64 / c[0] as f64),
                            probes: c[0],
                        },
                    )
                })
                .collect(),
        ),
    };
    let mut pooled = vec![[0u64; 2]; probes];
    for (i, c) in w.probes.iter().enumerate() {
        pooled[i % probes.max(1)][0] += c[0];
        pooled[i % probes.max(1)][1] += c[1];
    }
    let all = curve(&pooled);
    let name = |i: usize| region_name(s, usize::from(l.replicas[i].0));
    let pairs = (0..n)
        .map(|a| {
            let row = (0..n)
                .map(|b| {
                    let at = (a * n + b) * probes;
                    (name(b), curve(&w.probes[at..at + probes]))
                })
                .collect();
            (name(a), Ordered(row))
        })
        .collect();
    let reads: u64 = w.versions_behind.iter().sum();
    let mut within = 0;
    let k_staleness = w
        .versions_behind
        .iter()
        .take(super::MAX_BEHIND)
        .map(|&c| {
            within += c;
            (reads > 0).then(|| within as f64 / reads as f64)
        })
        .collect();
    Some(QuorumFigures {
        t_visibility: all.t_visibility,
        pairs: Ordered(pairs),
        k_staleness,
        read_repairs: w.read_repairs,
        hinted_writes: w.hinted,
        hints_handed_over: w.handed_over,
        anti_entropy_updates: w.synced,
        conflict_failures: w.conflict_failures,
    })
}

fn share(count: u64, of: u64) -> f64 {
    if of == 0 {
        0.0
    } else {
        count as f64 / of as f64
    }
}

fn client_figures(s: &Scenario, m: &RunMetrics, c: &ClientMetrics) -> ClientFigures {
    let reads = c.reads.count();
    let mitigated = s
        .datasets
        .iter()
        .any(|d| d.strategy().read_your_writes().is_some());
    let st = &m.staleness;
    let stale = st
        .bounds
        .iter()
        .zip(&st.bound_edges)
        .map(|(b, &i)| {
            let count = c.stale_at_least(i);
            (
                b.to_string(),
                StaleReads {
                    count,
                    share: share(count, reads),
                },
            )
        })
        .collect();
    ClientFigures {
        requests: RequestFigures {
            attempted: c.attempted,
            succeeded: c.succeeded,
            failed: c.failed,
            retried: c.retried,
            app_errors: c.app_errors,
            throttled: c.throttled,
            hedged: c.hedged,
            availability: availability(c.succeeded, c.failed),
            downtime_s: None,
            read_availability: availability(c.reads.count(), c.failed - c.failed_writes),
            write_availability: availability(c.writes.count(), c.failed_writes),
        },
        read_latency: Latency::of(&c.reads),
        write_latency: Latency::of(&c.writes),
        stale_reads: Ordered(stale),
        stale_share_by_age: (0..c.stale_by_age.len())
            .map(|i| share(c.stale_at_least(i), reads))
            .collect(),
        recovery: (!s.failures.is_empty()).then(|| {
            let rto = |r: &super::Recovery| match m.incidents.first() {
                None => Some(0.0),
                Some(i) => r.rto(i.start).map(Duration::as_millis_f64),
            };
            RecoveryFigures {
                read_rto_ms: rto(&c.first_incident[0]),
                write_rto_ms: rto(&c.first_incident[1]),
            }
        }),
        users: (s.users > 0).then(|| UserFigures {
            read_your_writes: StaleReads {
                count: c.anomalies[0],
                share: share(c.anomalies[0], reads),
            },
            monotonic_reads: StaleReads {
                count: c.anomalies[1],
                share: share(c.anomalies[1], reads),
            },
            session_misses: s.sessions.is_some().then(|| StaleReads {
                count: c.anomalies[2],
                share: share(c.anomalies[2], c.attempted),
            }),
            reads_sent_to_primary: mitigated.then(|| StaleReads {
                count: c.ryw_mitigated[0],
                share: share(c.ryw_mitigated[0], reads),
            }),
            reads_held: mitigated.then(|| StaleReads {
                count: c.ryw_mitigated[1],
                share: share(c.ryw_mitigated[1], reads),
            }),
        }),
        timeline: None,
        by_dataset: Ordered(Vec::new()),
    }
    .with_timeline(s, c)
}

impl ClientFigures {
    /// Adds the per-bucket series of `c`.
    fn with_timeline(mut self, s: &Scenario, c: &ClientMetrics) -> ClientFigures {
        let n = s.staleness_bounds.len();
        let stale_share = s
            .staleness_bounds
            .iter()
            .enumerate()
            .map(|(k, b)| {
                let series = c
                    .bucket_reads
                    .iter()
                    .enumerate()
                    .map(|(i, &r)| share(c.bucket_stale[i * n + k], r))
                    .collect();
                (b.to_string(), series)
            })
            .collect();
        self.timeline = Some(ClientTimeline {
            reads_per_s: per_second(s, &c.bucket_reads),
            retries_per_s: per_second(s, &c.bucket_retries),
            stale_share: Ordered(stale_share),
            availability: c
                .bucket_attempted
                .iter()
                .zip(&c.bucket_succeeded)
                .map(|(&a, &ok)| if a == 0 { 1.0 } else { ok as f64 / a as f64 })
                .collect(),
            anomalies_per_s: Ordered(if c.bucket_anomalies.is_empty() {
                Vec::new()
            } else {
                let kinds = crate::metrics::ANOMALIES.len();
                crate::metrics::ANOMALIES
                    .iter()
                    .enumerate()
                    .filter(|&(k, _)| k < 2 || s.sessions.is_some())
                    .map(|(k, name)| {
                        let counts: Vec<u64> = c
                            .bucket_anomalies
                            .iter()
                            .skip(k)
                            .step_by(kinds)
                            .copied()
                            .collect();
                        (name.to_string(), per_second(s, &counts))
                    })
                    .collect()
            }),
        });
        self
    }
}

/// The figures of run metrics `m` of scenario `s`. Which entries exist
/// depends only on the scenario, never on what happened in the run.
pub fn figures(s: &Scenario, m: &RunMetrics) -> Figures {
    // Each client region's requests over its datasets, kept for the
    // metastability judgement.
    let mut loads: Vec<(String, ClientMetrics)> = Vec::new();
    let clients = s
        .regions
        .iter()
        .enumerate()
        .filter_map(|(r, region)| {
            let mut all: Option<ClientMetrics> = None;
            let mut by_dataset = Vec::new();
            for (d, ds) in s.datasets.iter().enumerate() {
                let used = s
                    .workload
                    .iter()
                    .any(|w| usize::from(w.region.0) == r && usize::from(w.dataset.0) == d);
                if used {
                    let c = m.client(r, d);
                    match &mut all {
                        Some(a) => a.merge(c),
                        None => all = Some(c.clone()),
                    }
                    let mut f = client_figures(s, m, c);
                    f.timeline = None;
                    by_dataset.push((ds.name.clone(), f));
                }
            }
            let all = all?;
            let mut f = client_figures(s, m, &all);
            f.by_dataset = Ordered(by_dataset);
            if s.metastability.is_some() {
                loads.push((region.name.clone(), all));
            }
            if !s.failures.is_empty() {
                let down: u32 = m
                    .incidents
                    .iter()
                    .filter_map(|i| i.region_downtime.get(r))
                    .sum();
                f.requests.downtime_s = Some(f64::from(down));
            }
            Some((region.name.clone(), f))
        })
        .collect();
    let datasets = s
        .datasets
        .iter()
        .zip(&m.replicas)
        .zip(&m.writes)
        .enumerate()
        .map(|(di, ((d, reps), w))| {
            let st = d.strategy();
            let copies = copy_names(s, &st.copies());
            let replicas = copies
                .into_iter()
                .zip(reps)
                .map(|(name, rm)| {
                    let series: Vec<f64> =
                        rm.current_lag.iter().map(|d| d.as_millis_f64()).collect();
                    (
                        name,
                        ReplicaFigures {
                            lag: Latency::of(&rm.lag),
                            apply_wait: Latency::of(&rm.apply_wait),
                            apply_utilisation: rm.apply_busy.as_secs_f64()
                                / s.duration.as_secs_f64()
                                / f64::from(d.apply_threads),
                            current_lag_max_ms: series.iter().copied().fold(0.0, f64::max),
                            current_lag_ms: series,
                        },
                    )
                })
                .collect();
            (
                d.name.clone(),
                DatasetFigures {
                    placement: st.name().to_string(),
                    primary: st
                        .primary()
                        .map_or_else(String::new, |r| region_name(s, usize::from(r.0))),
                    replication: st.label().to_string(),
                    roles: roles(s, st),
                    conflicts: st.conflicts().then(|| ConflictFigures {
                        conflicts: w.conflicts,
                        conflicts_per_s: w.conflicts as f64 / s.duration.as_secs_f64(),
                        lost_updates: w.lost_updates,
                        lost_update_share: share(w.lost_updates, w.commits),
                        conflicts_per_s_by_bucket: per_second(s, &w.conflicts_by_bucket),
                        lost_updates_per_s_by_bucket: per_second(s, &w.lost_by_bucket),
                    }),
                    residency: d.restricted.then_some(ResidencyFigures {
                        violations: w.residency_violations,
                        cross_border_reads: w.cross_border_reads,
                    }),
                    writes: WriteFigures {
                        committed: w.commits,
                        unreplicated_acks: w.unreplicated_acks,
                        unreplicated_share: share(w.unreplicated_acks, w.commits),
                    },
                    semi_sync: st.semi_sync().then(|| SemiSyncFigures {
                        fallbacks: w.fallbacks,
                        fallback_share: w.fallback.as_secs_f64() / s.duration.as_secs_f64(),
                    }),
                    failover: (st.failover().is_some()
                        || matches!(&d.placement,
                            crate::scenario::Placement::SinglePrimary(sp) if sp.switchover_planned))
                    .then(|| FailoverFigures {
                        started: w.failovers_started,
                        promotions: w.promotions,
                        lost_writes: w.lost,
                        lost_window_ms: w.lost_window.as_millis_f64(),
                        split_brain_writes: w.split_brain,
                        first_detection_ms: w.first_detection.map(Duration::as_millis_f64),
                        first_promotion_ms: w.first_promotion.map(Duration::as_millis_f64),
                        promoted: w
                            .first_promoted
                            .map_or_else(String::new, |r| region_name(s, usize::from(r.0))),
                        target: st
                            .failover_target()
                            .map_or_else(String::new, |r| region_name(s, usize::from(r.0))),
                        target_passed_over: w.target_down,
                    }),
                    quorum: quorum_figures(s, d, w),
                    replicas: Ordered(replicas),
                    commit: st.commit().and_then(|c| {
                        let st = m.commit_stations.get(di)?.as_ref()?;
                        Some(StationFigures::of(st, c.servers, s))
                    }),
                },
            )
        })
        .collect();
    let (metastability, state_back) = match &s.metastability {
        Some(ms) => {
            let (f, back) = metastability_figures(s, m, ms, &loads);
            (Some(f), back)
        }
        None => (None, Vec::new()),
    };
    Figures {
        events: m.events,
        timeline: timeline_figures(s, m),
        clients: Ordered(clients),
        datasets: Ordered(datasets),
        network: network_figures(s, m),
        cost: cost_figures(s, m),
        app_tiers: Ordered(
            s.regions
                .iter()
                .zip(&m.app_stations)
                .filter_map(|(r, st)| {
                    let (c, st) = (r.app.as_ref()?, st.as_ref()?);
                    Some((r.name.clone(), StationFigures::of(st, c.servers, s)))
                })
                .collect(),
        ),
        availability: availability_figures(s, m),
        failures: failure_windows(s),
        failovers: s
            .datasets
            .iter()
            .zip(&m.writes)
            .filter(|(d, _)| d.strategy().failover().is_some())
            .map(|(d, w)| FailoverMarks {
                dataset: d.name.clone(),
                detection_ms: w.first_detection.map(Duration::as_millis_f64),
                dns_95_ms: since_span(m, m.first_dns().and_then(|d| d.converged[1])),
                promotion_ms: w.first_promotion.map(Duration::as_millis_f64),
            })
            .collect(),
        dns: s.routing.as_ref().map(|_| {
            let dns = m.first_dns();
            let ms = |t: Option<crate::engine::Time>| since_span(m, t);
            DnsFigures {
                detection_ms: ms(dns.and_then(|d| d.detection)),
                converged_50_ms: ms(dns.and_then(|d| d.converged[0])),
                converged_95_ms: ms(dns.and_then(|d| d.converged[1])),
                converged_100_ms: ms(dns.and_then(|d| d.converged[2])),
            }
        }),
        incidents: (!s.failures.is_empty()).then(|| incident_figures(s, m, &state_back)),
        residency: s.residency.as_ref().map(|_| ResidencyTotals {
            violations: m.writes.iter().map(|w| w.residency_violations).sum(),
            cross_border_reads: m.writes.iter().map(|w| w.cross_border_reads).sum(),
            session_violations: m.session_residency_violations,
        }),
        metastability,
    }
}

/// The metastability figures of run `m` (`loads`: each client region's
/// requests), and per incident when everything was back from its start.
fn metastability_figures(
    s: &Scenario,
    m: &RunMetrics,
    ms: &crate::scenario::Metastability,
    loads: &[(String, ClientMetrics)],
) -> (MetastabilityFigures, Vec<Option<Duration>>) {
    use super::metastability::{client_back, judge, station_back, worst, Buckets, Judged};
    let b = Buckets {
        start: m.span_start,
        end: m.span_end,
        width: s.bucket,
    };
    let pre = m.incidents.first().map_or(0, |i| b.before(i.start));
    // Per thing, its name and per incident its judgement.
    let judge_all = |back: Option<Vec<bool>>| -> Vec<Option<Judged>> {
        m.incidents
            .iter()
            .enumerate()
            .map(|(k, i)| {
                let next = m
                    .incidents
                    .get(k + 1)
                    .map_or(crate::engine::Time::NEVER, |n| n.start);
                judge(back.as_ref()?, &b, i.end, next, ms.within)
            })
            .collect()
    };
    let app: Vec<(String, Vec<Option<Judged>>)> = s
        .regions
        .iter()
        .zip(&m.app_stations)
        .filter_map(|(r, st)| {
            let (c, st) = (r.app.as_ref()?, st.as_ref()?);
            let back = station_back(st, c.servers, &b, pre, ms.tolerance);
            Some((r.name.clone(), judge_all(back)))
        })
        .collect();
    let commit: Vec<(String, Vec<Option<Judged>>)> = s
        .datasets
        .iter()
        .zip(&m.commit_stations)
        .filter_map(|(d, st)| {
            let (c, st) = (d.strategy().commit()?, st.as_ref()?);
            let back = station_back(st, c.servers, &b, pre, ms.tolerance);
            Some((d.name.clone(), judge_all(back)))
        })
        .collect();
    let clients: Vec<(String, Vec<Option<Judged>>)> = loads
        .iter()
        .map(|(name, c)| {
            (
                name.clone(),
                judge_all(client_back(c, &b, pre, ms.tolerance)),
            )
        })
        .collect();
    let all = || app.iter().chain(&commit).chain(&clients);
    let worst_of = |js: &[Option<Judged>]| worst(js.iter().flatten().copied());
    let overall = worst(all().filter_map(|(_, js)| worst_of(js)));
    // Per incident: everything back, from its start.
    let state_back = m
        .incidents
        .iter()
        .enumerate()
        .map(|(k, i)| {
            let mut latest = Some(Duration::ZERO);
            for (_, js) in all() {
                let back = js[k].and_then(|j| j.back_after);
                latest = latest.zip(back).map(|(a, b)| a.max(b));
            }
            let back = latest?;
            (i.end < m.span_end).then(|| (i.end + back).since(i.start))
        })
        .collect();
    let ordered = |v: &[(String, Vec<Option<Judged>>)]| {
        Ordered(
            v.iter()
                .map(|(n, js)| (n.clone(), Comeback::of(worst_of(js))))
                .collect(),
        )
    };
    (
        MetastabilityFigures {
            metastable: overall.and_then(|j| j.metastable).map(u8::from),
            back_after_ms: overall
                .and_then(|j| j.back_after)
                .map(Duration::as_millis_f64),
            app_tiers: ordered(&app),
            commit: ordered(&commit),
            clients: ordered(&clients),
        },
        state_back,
    )
}

/// Milliseconds from the start of the span to `t`.
fn since_span(m: &RunMetrics, t: Option<crate::engine::Time>) -> Option<f64> {
    t.map(|t| t.since(m.span_start).as_millis_f64())
}

/// What the label of failure `f` of `s` reads: `us-east-1 down`.
fn failure_label(s: &Scenario, f: &crate::scenario::Failure) -> String {
    use crate::scenario::{FailureKind, Service};
    let name = |r: &RegionId| region_name(s, usize::from(r.0));
    let names = |rs: &[RegionId]| rs.iter().map(name).collect::<Vec<_>>().join("+");
    match &f.kind {
        FailureKind::Switchover(d, _) => {
            format!("{} switchover", s.datasets[usize::from(d.0)].name)
        }
        FailureKind::Region(r) => format!("{} down", name(r)),
        FailureKind::Service(r, Service::App) => format!("{} app down", name(r)),
        FailureKind::Service(r, Service::Database) => format!("{} database down", name(r)),
        FailureKind::Zone(r, k) => format!("{}#{k} down", name(r)),
        FailureKind::ApplySlowdown(r, x) => format!("{} apply x{x} slower", name(r)),
        FailureKind::LoadBurst(r, x) => format!("{} load x{x}", name(r)),
        FailureKind::ClockStep(r, x) => format!("{} clock {:+}ms", name(r), x / 1e6),
        FailureKind::Errors(r, x) => format!("{} app fails {}%", name(r), x * 100.0),
        FailureKind::AppSlowdown(r, x) => format!("{} app x{x} slower", name(r)),
        FailureKind::Partition(a, b) => format!("{} | {}", names(a), names(b)),
        FailureKind::Link { between, .. } => {
            format!("{}-{} degraded", name(&between.0), name(&between.1))
        }
    }
}

/// The incidents of run `m`, milestones from each one's start.
fn incident_figures(
    s: &Scenario,
    m: &RunMetrics,
    state_back: &[Option<Duration>],
) -> Vec<IncidentFigures> {
    let loaded: Vec<usize> = (0..s.regions.len())
        .filter(|&r| s.workload.iter().any(|w| usize::from(w.region.0) == r))
        .collect();
    m.incidents
        .iter()
        .enumerate()
        .map(|(k, i)| {
            let after = |t: Option<crate::engine::Time>| {
                t.filter(|&t| t != crate::engine::Time::NEVER)
                    .map(|t| t.since(i.start).as_millis_f64())
            };
            let mut label = s
                .failures
                .get(usize::from(i.failure))
                .map_or_else(String::new, |f| failure_label(s, f));
            if i.failures > 1 {
                label.push_str(&format!(" + {} more", i.failures - 1));
            }
            let rto = |d: Option<Duration>| d.map(Duration::as_millis_f64);
            IncidentFigures {
                label,
                start_ms: i.start.since(m.span_start).as_millis_f64(),
                failure_end_ms: after(Some(i.end)),
                detection_ms: after(i.detection),
                dns_50_ms: after(i.dns.converged[0]),
                dns_95_ms: after(i.dns.converged[1]),
                dns_100_ms: after(i.dns.converged[2]),
                promotion_ms: after(i.promotion),
                first_write_ms: after(i.first_write),
                availability_back_ms: i.availability_back.map(Duration::as_millis_f64),
                downtime_s: f64::from(i.downtime),
                lost_writes: i.lost,
                lost_window_ms: i.lost_window.as_millis_f64(),
                clients: Ordered(
                    loaded
                        .iter()
                        .filter_map(|&r| {
                            let [read, write] = *i.rto.get(r)?;
                            Some((
                                region_name(s, r),
                                RecoveryFigures {
                                    read_rto_ms: rto(read),
                                    write_rto_ms: rto(write),
                                },
                            ))
                        })
                        .collect(),
                ),
                state_back_ms: s.metastability.map(|_| {
                    state_back
                        .get(k)
                        .copied()
                        .flatten()
                        .map(Duration::as_millis_f64)
                }),
            }
        })
        .collect()
}

/// The scheduled failures of `s` as windows of its measured span.
fn failure_windows(s: &Scenario) -> Vec<FailureWindow> {
    use crate::scenario::FailureTiming;
    s.failures
        .iter()
        .filter_map(|f| {
            let FailureTiming::Scheduled { at, duration } = &f.timing else {
                return None;
            };
            Some(FailureWindow {
                label: failure_label(s, f),
                start_ms: at.as_millis_f64(),
                end_ms: (*at + *duration).min(s.duration).as_millis_f64(),
            })
        })
        .collect()
}

/// Availability over every client region, and per year.
fn availability_figures(s: &Scenario, m: &RunMetrics) -> AvailabilityFigures {
    let (mut reads, mut writes, mut failed, mut failed_writes) = (0u64, 0u64, 0u64, 0u64);
    for c in &m.clients {
        reads += c.reads.count();
        writes += c.writes.count();
        failed += c.failed;
        failed_writes += c.failed_writes;
    }
    let overall = availability(reads + writes, failed);
    const YEAR_S: f64 = 365.25 * 86_400.0;
    let lost: u64 = m.writes.iter().map(|w| w.lost).sum();
    AvailabilityFigures {
        overall,
        read: availability(reads, failed - failed_writes),
        write: availability(writes, failed_writes),
        downtime_minutes_per_year: (1.0 - overall) * YEAR_S / 60.0,
        nines: nines(overall, reads + writes + failed),
        lost_writes_per_year: lost as f64 * YEAR_S / s.duration.as_secs_f64(),
        downtime_s: m.incidents.iter().map(|i| f64::from(i.downtime)).sum(),
        incidents: m.incidents_total,
    }
}

/// -log10(1 - availability); at 100 %, log10 of the requests `attempted`:
/// the most nines a run of that size can show (one failure in them would
/// show exactly that many), so a perfect run meets "at least 3 nines" when
/// it sent at least 1,000 requests. `None` without requests.
fn nines(availability: f64, attempted: u64) -> Option<f64> {
    if attempted == 0 {
        None
    } else if availability < 1.0 {
        Some(-(1.0 - availability).log10())
    } else {
        Some((attempted as f64).log10())
    }
}

/// The name of region `i`; a placeholder for an index that did not
/// resolve (a scenario with errors, whose figure shape is still read to
/// check its SLOs: every error of a file is reported in one run).
fn region_name(s: &Scenario, i: usize) -> String {
    s.regions
        .get(i)
        .map_or_else(|| "?".to_string(), |r| r.name.clone())
}

/// Every directed link that carried a message in the measured span, in
/// (from, to) region order, as the network counted it: requests,
/// responses, replicated writes and acknowledgements, whichever component
/// sent them. Which links a design uses is what its run recorded, never
/// re-derived from the scenario. A link absent from one run carried
/// nothing in it (see [`absent_means_zero`]).
pub(super) fn network_figures(s: &Scenario, m: &RunMetrics) -> Ordered<Ordered<LinkFigures>> {
    let n = s.regions.len();
    let span = s.duration.as_secs_f64();
    let mut out: Vec<(String, Ordered<LinkFigures>)> = Vec::new();
    for (i, t) in m.links.iter().enumerate().take(n * n) {
        if t.messages == 0 {
            continue;
        }
        let (from, to) = (i / n, i % n);
        let bytes_per_s = t.bytes as f64 / span;
        let f = LinkFigures {
            messages_per_s: t.messages as f64 / span,
            bytes_per_s,
            // Users' own requests and responses are internet traffic,
            // billed as egress by the app tier, not as transfer.
            usd_per_month: s
                .cost
                .as_ref()
                .map(|c| monthly_usd((t.bytes - t.user_bytes) as f64 / span, c.per_gb[i])),
            transmit: m
                .link_stations
                .get(i)
                .and_then(Option::as_ref)
                .map(|st| StationFigures::of(st, 1, s)),
        };
        let name = &s.regions[from].name;
        match out.last_mut() {
            Some((last, tos)) if last == name => tos.0.push((s.regions[to].name.clone(), f)),
            _ => out.push((name.clone(), Ordered(vec![(s.regions[to].name.clone(), f)]))),
        }
    }
    Ordered(out)
}

/// What `bytes_per_s` costs for a month (730 hours) at `per_gb` USD per GB
/// (10^9 bytes).
fn monthly_usd(bytes_per_s: f64, per_gb: f64) -> f64 {
    bytes_per_s * crate::scenario::MONTH_HOURS * 3600.0 / 1e9 * per_gb
}

/// The design's monthly cost from run `m` (with a `cost` section).
fn cost_figures(s: &Scenario, m: &RunMetrics) -> Option<CostFigures> {
    let c = s.cost.as_ref()?;
    let n = s.regions.len();
    let nd = s.datasets.len().max(1);
    let span = s.duration.as_secs_f64();
    let month = |bytes: u64, per_gb: f64| monthly_usd(bytes as f64 / span, per_gb);
    // Users' own requests and responses to another region's app tier
    // travel the internet: not transfer.
    let transfer = m
        .links
        .iter()
        .enumerate()
        .take(n * n)
        .map(|(i, t)| month(t.bytes - t.user_bytes, c.per_gb[i]))
        .sum();
    let mut per_dataset = Vec::with_capacity(s.datasets.len());
    for (d, ds) in s.datasets.iter().enumerate() {
        let transfer: f64 = (0..n * n)
            .map(|i| {
                month(
                    m.billable.get(i * nd + d).copied().unwrap_or(0),
                    c.per_gb[i],
                )
            })
            .sum();
        let egress: f64 = (0..n)
            .map(|r| month(m.egress[r * nd + d], c.egress_per_gb[r]))
            .sum();
        let replicated = match &ds.placement {
            crate::scenario::Placement::ActiveActive(aa) => {
                aa.replicated_write_price.map_or(0.0, |price| {
                    let units = m.writes[d].commits as f64
                        * (aa.regions.len() - 1) as f64
                        * f64::from(ds.record_bytes.div_ceil(1024));
                    units / span * crate::scenario::MONTH_HOURS * 3600.0 / 1e6 * price
                })
            }
            _ => 0.0,
        };
        per_dataset.push((
            ds.name.clone(),
            DatasetCostFigures {
                transfer_usd_per_month: transfer,
                replicated_writes_usd_per_month: replicated,
                egress_usd_per_month: egress,
                total_usd_per_month: transfer + replicated + egress,
            },
        ));
    }
    let replicated: f64 = per_dataset
        .iter()
        .map(|(_, f)| f.replicated_writes_usd_per_month)
        .sum();
    let egress: f64 = per_dataset
        .iter()
        .map(|(_, f)| f.egress_usd_per_month)
        .sum();
    Some(CostFigures {
        transfer_usd_per_month: transfer,
        replicated_writes_usd_per_month: replicated,
        egress_usd_per_month: egress,
        total_usd_per_month: transfer + replicated + egress,
        datasets: Ordered(per_dataset),
        prices: c.prices.clone(),
    })
}

/// What a run that lacks the figure at `path` counts as when replications
/// are aggregated: a link it does not list carried nothing (zero messages
/// and bytes); `None`: the figure is missing from that run.
pub fn absent_figure(path: &str) -> Option<serde_json::Value> {
    let depth = path.split('.').count();
    match (path.starts_with("network."), depth) {
        (true, 2) => Some(serde_json::json!({})),
        (true, 3) => Some(
            serde_json::to_value(LinkFigures {
                messages_per_s: 0.0,
                bytes_per_s: 0.0,
                transmit: None,
                usd_per_month: None,
            })
            .expect("figures serialize"),
        ),
        _ => None,
    }
}

/// Whether the figure at `path` is a count of traffic on a link
/// (`network.A.B.messages_per_s`, `.bytes_per_s`): a run lists only the
/// links that carried a message, so where such a link is absent the
/// figure is 0, not missing.
pub fn absent_means_zero(path: &str) -> bool {
    path.starts_with("network.")
        && path.split('.').count() == 4
        && (path.ends_with(".messages_per_s")
            || path.ends_with(".bytes_per_s")
            || path.ends_with(".usd_per_month"))
}

/// Counts per bucket as rates: the last bucket may be cut short by the end
/// of the run.
fn per_second(s: &Scenario, counts: &[u64]) -> Vec<f64> {
    let width_s = s.bucket.as_secs_f64();
    let span = |i: usize| (s.duration.as_secs_f64() - width_s * i as f64).min(width_s);
    counts
        .iter()
        .enumerate()
        .map(|(i, &c)| c as f64 / span(i))
        .collect()
}

fn timeline_figures(s: &Scenario, m: &RunMetrics) -> TimelineFigures {
    TimelineFigures {
        reads_per_s: per_second(s, &m.timeline.reads),
        writes_per_s: per_second(s, &m.timeline.writes),
    }
}
