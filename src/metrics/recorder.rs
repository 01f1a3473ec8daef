//! How the model reports: one method per thing that happened. The model
//! never writes into the metrics' tables itself, so what a figure counts
//! is decided here, next to the tables, and a new figure is a new method,
//! not an index write in some handler.

use super::{RunMetrics, StationStats, Traffic};
use crate::engine::{Duration, Time};

impl RunMetrics {
    /// A probe read of leaderless `dataset` (figure index `index`, see
    /// [`super::WriteMetrics::probes`]) was answered; `seen`: with the
    /// probed write or a later one.
    #[inline]
    pub fn record_probe(&mut self, dataset: usize, index: usize, seen: bool) {
        let p = &mut self.writes[dataset].probes[index];
        p[0] += 1;
        p[1] += u64::from(seen);
    }

    /// Leaderless `dataset`'s repair mechanisms did `what` once.
    #[inline]
    pub fn record_quorum_event(&mut self, dataset: usize, what: super::QuorumEvent) {
        self.record_quorum_events(dataset, what, 1);
    }

    /// ... `n` times.
    pub fn record_quorum_events(&mut self, dataset: usize, what: super::QuorumEvent, n: u64) {
        use super::QuorumEvent as Q;
        let w = &mut self.writes[dataset];
        match what {
            Q::Repaired => w.read_repairs += n,
            Q::Hinted => w.hinted += n,
            Q::HandedOver => w.handed_over += n,
            Q::Synced => w.synced += n,
            Q::Conflict => w.conflict_failures += n,
        }
    }

    /// A measured read of leaderless `dataset` returned a version `k`
    /// committed versions behind (`k` at most the last index).
    #[inline]
    pub fn record_versions_behind(&mut self, dataset: usize, k: usize) {
        self.writes[dataset].versions_behind[k] += 1;
    }

    /// A write of `dataset` committed in the measured span; `unreplicated`:
    /// acknowledged before any replica had it.
    #[inline(always)]
    pub fn record_commit(&mut self, dataset: usize, unreplicated: bool) {
        let w = &mut self.writes[dataset];
        w.commits += 1;
        w.unreplicated_acks += u64::from(unreplicated);
    }

    /// A measured active-active write in `bucket` found `n` conflicting
    /// writes in flight.
    #[inline(always)]
    pub fn record_conflicts(&mut self, dataset: usize, bucket: usize, n: u64) {
        let w = &mut self.writes[dataset];
        w.conflicts += n;
        w.conflicts_by_bucket[bucket] += n;
    }

    /// A measured write of `dataset`, committed in `bucket`, was lost to
    /// last-writer-wins.
    #[inline]
    pub fn record_lost_update(&mut self, dataset: usize, bucket: usize) {
        let w = &mut self.writes[dataset];
        w.lost_updates += 1;
        w.lost_by_bucket[bucket] += 1;
    }

    /// A write of a restricted dataset came to rest where its rule does
    /// not allow.
    #[inline]
    pub fn record_residency_violation(&mut self, dataset: usize) {
        self.writes[dataset].residency_violations += 1;
    }

    /// The app tier of `region` sent a user `bytes` of response of
    /// `dataset`.
    #[inline]
    pub fn record_egress(&mut self, region: crate::scenario::RegionId, dataset: u16, bytes: u32) {
        let d = self.datasets.max(1);
        self.egress[usize::from(region.0) * d + usize::from(dataset)] += u64::from(bytes);
    }

    /// A measured read of restricted data was served across a border.
    #[inline]
    pub fn record_cross_border_read(&mut self, dataset: usize) {
        self.writes[dataset].cross_border_reads += 1;
    }

    /// Semi-sync fell back to async in the measured span.
    pub fn record_fallback(&mut self, dataset: usize) {
        self.writes[dataset].fallbacks += 1;
    }

    /// Time semi-sync spent in its async fallback, inside the span.
    pub fn add_fallback_time(&mut self, dataset: usize, time: Duration) {
        self.writes[dataset].fallback += time;
    }

    /// A deposed primary took a write in the measured span.
    pub fn record_split_brain_write(&mut self, dataset: usize) {
        self.writes[dataset].split_brain += 1;
    }

    /// Copy `slot` of `dataset` applied a write committed in the span:
    /// its lag and its wait for an apply thread.
    #[inline(always)]
    pub fn record_apply(&mut self, dataset: usize, slot: usize, lag: Duration, wait: Duration) {
        let r = &mut self.replicas[dataset][slot];
        r.lag.record(lag);
        r.apply_wait.record(wait);
    }

    /// Apply threads of copy `slot` of `dataset` were busy this long.
    pub fn add_apply_busy(&mut self, dataset: usize, slot: usize, busy: Duration) {
        self.replicas[dataset][slot].apply_busy += busy;
    }

    /// Copy `slot` of `dataset` is `lag` behind at the end of `bucket`
    /// (the largest of what its streams report).
    #[inline]
    pub fn record_current_lag(
        &mut self,
        dataset: usize,
        slot: usize,
        bucket: usize,
        lag: Duration,
    ) {
        let l = &mut self.replicas[dataset][slot].current_lag[bucket];
        *l = (*l).max(lag);
    }

    /// A measured write of client `client` in `bucket` was acknowledged
    /// after `latency`.
    #[inline(always)]
    pub fn record_write(&mut self, client: usize, bucket: usize, latency: Duration) {
        let c = &mut self.clients[client];
        c.bucket_succeeded[bucket] += 1;
        c.add_latency(bucket, latency);
        c.writes.record(latency);
        self.timeline.writes[bucket] += 1;
    }

    /// A measured request of client `client` in `bucket` was given up.
    pub fn record_failure(&mut self, client: usize, bucket: usize, write: bool) {
        let c = &mut self.clients[client];
        c.failed += 1;
        c.failed_writes += u64::from(write);
        c.bucket_failed[bucket] += 1;
    }

    /// A request of client `client` first sent at `sent`, after the first
    /// failure, ended: succeeded at `at`, or failed (`None`).
    pub fn record_recovery(&mut self, client: usize, write: bool, sent: Time, at: Option<Time>) {
        let t = &mut self.clients[client].recovery[usize::from(write)];
        match at {
            Some(at) => t.succeeded(sent, at),
            None => t.failed(sent),
        }
        self.incident_outcome(client, sent, at.is_some());
    }

    /// An attempt of a measured request of client `client` was failed by
    /// a gray failure of its app tier.
    pub fn record_app_error(&mut self, client: usize) {
        self.clients[client].app_errors += 1;
    }

    /// A retry of a measured request of client `client` was not made: its
    /// retry throttle held too few tokens, or its retry budget could not
    /// pay for it.
    pub fn record_throttled(&mut self, client: usize) {
        self.clients[client].throttled += 1;
    }

    /// A measured read of client `client` is hedged.
    pub fn record_hedge(&mut self, client: usize) {
        self.clients[client].hedged += 1;
    }

    /// A measured request of client `client` is retried.
    pub fn record_retry(&mut self, client: usize) {
        self.clients[client].retried += 1;
    }

    /// A retry of client `client` is sent in `bucket`.
    pub fn record_retry_sent(&mut self, client: usize, bucket: usize) {
        self.clients[client].bucket_retries[bucket] += 1;
    }

    /// A measured read of client `client` was held or redirected by a
    /// read-your-writes mitigation of `kind`.
    pub fn record_ryw_mitigated(&mut self, client: usize, kind: usize) {
        self.clients[client].ryw_mitigated[kind] += 1;
    }

    /// `n` measured requests reached an app tier outside the residency of
    /// their users' sessions.
    #[inline]
    pub fn record_session_residency(&mut self, n: u64) {
        self.session_residency_violations += n;
    }

    /// The run ended: what the network, the app tiers, the commit paths and
    /// the link transmitters saw, and how many events ran.
    pub fn record_end(
        &mut self,
        links: Vec<Traffic>,
        app: Vec<Option<StationStats>>,
        commit: Vec<Option<StationStats>>,
        transmit: Vec<Option<StationStats>>,
    ) {
        self.links = links;
        self.app_stations = app;
        self.commit_stations = commit;
        self.link_stations = transmit;
    }

    /// The run took `events` events.
    pub fn record_events(&mut self, events: u64) {
        self.events = events;
    }
}
