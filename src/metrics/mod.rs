//! What a run measures. Everything here streams: memory depends on the
//! model's size (regions, replicas, keys, buckets), never on how long the
//! simulated run is.

mod figures;
mod incidents;
pub mod metastability;
mod recorder;
mod records;

pub use crate::units::{round, unit_of, Unit};
pub use figures::{absent_figure, absent_means_zero, figures, Figures, Ordered, QUANTILE_LEVELS};
pub use incidents::{DnsMetrics, Incident, MAX_INCIDENTS, SLOT, SLOTS};
pub use records::{Promotion, StationStats, Traffic};

use crate::engine::Duration;
use hdrhistogram::Histogram;

/// Lowest value an HDR histogram tells apart: 1 µs.
const HIST_LOW_NS: u64 = 1_000;
/// The range an HDR histogram starts with: 10^10 ns (10 s). It grows when
/// a larger value comes (by one bucket, 8 KiB, per doubling), so no value
/// is ever counted at a ceiling: every quantile is within 0.1 % of the
/// truth, whatever the run's length. (The histogram's own limit, 2^62 ns,
/// is 146 years: beyond any simulated time.)
const HIST_START_NS: u64 = 10_000_000_000;
/// Three significant digits: quantiles within 0.1 %.
const HIST_SIGFIG: u8 = 3;

/// A distribution of durations: an HDR histogram for quantiles, plus exact
/// count, sum, minimum and maximum (the histogram rounds to 0.1 %).
///
/// The first [`SMALL_VALUES`] values are kept as they are, in a small
/// vector; the histogram (about 210 KiB) is allocated when one more comes.
/// A model with hundreds of lightly loaded replicas then costs kilobytes,
/// not a histogram each. Quantiles of a small distribution are read from a
/// histogram built for the question and dropped after it, so they are the
/// same numbers a histogram from the start would give.
#[derive(Clone, Debug)]
pub struct DurationStats {
    hist: Option<Box<Histogram<u64>>>,
    /// The values while there are at most [`SMALL_VALUES`] and no histogram.
    small: Vec<u64>,
    count: u64,
    sum_ns: u128,
    min_ns: u64,
    max_ns: u64,
}

/// What a leaderless dataset's repair mechanisms did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuorumEvent {
    /// Read repair sent a replica a newer version.
    Repaired,
    /// A stand-in took a write for a replica it could not reach.
    Hinted,
    /// A stand-in handed a write over to its replica.
    HandedOver,
    /// Anti-entropy brought a replica's version of a key up to date.
    Synced,
    /// A write was refused: another region's write of the key was still
    /// replicating.
    Conflict,
}

/// Versions behind a leaderless read counts one by one up to this (the
/// k-staleness figure's k); more are counted here.
pub const MAX_BEHIND: usize = 10;

/// Values kept exactly before a distribution takes a histogram: 2 KiB.
pub const SMALL_VALUES: usize = 256;

impl Default for DurationStats {
    fn default() -> Self {
        DurationStats {
            hist: None,
            small: Vec::new(),
            count: 0,
            sum_ns: 0,
            min_ns: u64::MAX,
            max_ns: 0,
        }
    }
}

// Called once per distribution: kept out of the event handler's code.
#[cold]
#[inline(never)]
fn new_histogram() -> Box<Histogram<u64>> {
    let mut h = Histogram::new_with_bounds(HIST_LOW_NS, HIST_START_NS, HIST_SIGFIG)
        .expect("valid constant bounds");
    h.auto(true);
    Box::new(h)
}

/// Records `ns` in `h`, growing it to hold the value.
#[inline(always)]
fn record_in(h: &mut Histogram<u64>, ns: u64) {
    if h.record(ns).is_err() {
        too_large(h, ns);
    }
}

/// A value past 2^62 ns (146 years), which no run reaches: counted at the
/// histogram's top (the exact maximum is kept aside).
#[cold]
#[inline(never)]
fn too_large(h: &mut Histogram<u64>, ns: u64) {
    h.saturating_record(ns);
}

/// A histogram of `values`.
fn histogram_of(values: &[u64]) -> Box<Histogram<u64>> {
    let mut h = new_histogram();
    for &v in values {
        record_in(&mut h, v);
    }
    h
}

/// Bytes of a histogram holding values up to `span`, for memory
/// estimates.
pub fn histogram_bytes(span: Duration) -> u64 {
    let mut h = new_histogram();
    record_in(&mut h, span.as_nanos().max(HIST_START_NS));
    h.distinct_values() as u64 * 8 + 64
}

impl DurationStats {
    /// Records one value.
    #[inline(always)]
    pub fn record(&mut self, d: Duration) {
        let ns = d.as_nanos();
        match &mut self.hist {
            Some(h) => record_in(h, ns),
            None => self.record_small(ns),
        }
        self.count += 1;
        self.sum_ns += u128::from(ns);
        self.min_ns = self.min_ns.min(ns);
        self.max_ns = self.max_ns.max(ns);
    }

    /// Keeps `ns` in the small vector, or moves everything to a histogram
    /// when it is full.
    #[cold]
    #[inline(never)]
    fn record_small(&mut self, ns: u64) {
        if self.small.len() < SMALL_VALUES {
            self.small.push(ns);
        } else {
            let mut h = histogram_of(&self.small);
            record_in(&mut h, ns);
            self.hist = Some(h);
            self.small = Vec::new();
        }
    }

    /// The histogram of the values: the one kept, or one built now.
    fn histogram(&self) -> Option<std::borrow::Cow<'_, Histogram<u64>>> {
        match (&self.hist, self.small.is_empty()) {
            (Some(h), _) => Some(std::borrow::Cow::Borrowed(h.as_ref())),
            (None, false) => Some(std::borrow::Cow::Owned(*histogram_of(&self.small))),
            (None, true) => None,
        }
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &DurationStats) {
        match &other.hist {
            Some(h) => {
                let mine = self.hist.get_or_insert_with(|| histogram_of(&self.small));
                self.small = Vec::new();
                mine.add(h.as_ref()).expect("histograms share bounds");
            }
            None => {
                for &v in &other.small {
                    match &mut self.hist {
                        Some(h) => record_in(h, v),
                        None => self.record_small(v),
                    }
                }
            }
        }
        self.count += other.count;
        self.sum_ns += other.sum_ns;
        self.min_ns = self.min_ns.min(other.min_ns);
        self.max_ns = self.max_ns.max(other.max_ns);
    }

    /// Number of values.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Exact sum of the values in ns.
    pub fn sum_ns(&self) -> u128 {
        self.sum_ns
    }

    /// Exact mean in ns, `None` when empty.
    pub fn mean_ns(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum_ns as f64 / self.count as f64)
    }

    /// Exact minimum, `None` when empty.
    pub fn min(&self) -> Option<Duration> {
        (self.count > 0).then_some(Duration::from_nanos(self.min_ns))
    }

    /// Exact maximum, `None` when empty.
    pub fn max(&self) -> Option<Duration> {
        (self.count > 0).then_some(Duration::from_nanos(self.max_ns))
    }

    /// The `q` quantile (0..=1) within 0.1 %, clamped to the exact extremes.
    pub fn quantile(&self, q: f64) -> Option<Duration> {
        self.quantiles(&[q]).pop().flatten()
    }

    /// The quantiles at `qs`, from one histogram (built once when the
    /// values are still kept as they are).
    pub fn quantiles(&self, qs: &[f64]) -> Vec<Option<Duration>> {
        let hist = self.histogram().filter(|_| self.count > 0);
        qs.iter()
            .map(|&q| {
                let v = hist.as_ref()?.value_at_quantile(q);
                Some(Duration::from_nanos(v.clamp(self.min_ns, self.max_ns)))
            })
            .collect()
    }

    /// `(value, count)` for every distinct recorded histogram bucket, value
    /// at the bucket's midpoint. For checks that need the whole distribution.
    pub fn buckets(&self) -> Vec<(Duration, u64)> {
        let Some(h) = self.histogram() else {
            return Vec::new();
        };
        h.iter_recorded()
            .map(|v| {
                (
                    Duration::from_nanos(h.median_equivalent(v.value_iterated_to())),
                    v.count_since_last_iteration(),
                )
            })
            .collect()
    }
}

/// What the users of one region saw of one dataset (or, merged, of all).
#[derive(Clone, Debug)]
pub struct ClientMetrics {
    /// Read latency, send to receipt.
    pub reads: DurationStats,
    /// Write latency, send to acknowledgement.
    pub writes: DurationStats,
    /// Stale reads by staleness age: `[i]` counts those whose age (the read's
    /// time minus the commit time of the oldest write it misses) is at least
    /// edge `i` of [`Staleness::edges`] and below edge `i + 1`.
    pub stale_by_age: Vec<u64>,
    /// Reads sent in each bucket.
    pub bucket_reads: Vec<u64>,
    /// Stale reads sent in each bucket at each bound: `[bucket * bounds + k]`.
    pub bucket_stale: Vec<u64>,
    /// Requests sent in the measured span (each counted once, however many
    /// attempts it took).
    pub attempted: u64,
    /// Of those, requests whose response reached the user (filled in at
    /// the end of the run, see [`RunMetrics::count_attempts`]).
    pub succeeded: u64,
    /// Of those, requests given up after their last attempt (or lost with
    /// no timeout to notice).
    pub failed: u64,
    /// Of those, writes.
    pub failed_writes: u64,
    /// When reads ([0]) and writes ([1]) came back after the start of the
    /// current incident.
    pub recovery: [Recovery; 2],
    /// The same for the first incident of the span, once it is closed.
    pub first_incident: [Recovery; 2],
    /// Attempts after the first, over all requests.
    pub retried: u64,
    /// Attempts a gray failure of the app tier failed.
    pub app_errors: u64,
    /// Retries the client's retry throttle did not make.
    pub throttled: u64,
    /// Hedges sent: second attempts of a read still waiting for its first.
    pub hedged: u64,
    /// Requests sent in each bucket. Every request ends succeeded or
    /// failed, so the run fills this in at its end, from the two (the hot
    /// path counts only outcomes).
    pub bucket_attempted: Vec<u64>,
    /// Requests sent in each bucket that failed.
    pub bucket_failed: Vec<u64>,
    /// Requests sent in each bucket that succeeded.
    pub bucket_succeeded: Vec<u64>,
    /// Retries sent in each bucket (by the retry's own send time, of any
    /// request): with `bucket_attempted`, the attempts the region made.
    pub bucket_retries: Vec<u64>,
    /// Latency of the requests sent in each bucket that succeeded, in
    /// milliseconds: their sum and the sum of their squares (empty unless
    /// the scenario judges metastability).
    pub bucket_latency: Vec<[f64; 2]>,
    /// Per-user anomalies ([`ANOMALIES`]): reads that broke
    /// read-your-writes, reads that broke monotonic reads, requests that
    /// found no session.
    pub anomalies: [u64; 3],
    /// The same per bucket of the request's first send:
    /// `[bucket * 3 + kind]` (empty without users).
    pub bucket_anomalies: Vec<u64>,
    /// Reads a read-your-writes mitigation sent to the primary ([0]) and
    /// held at a replica until it applied the user's write ([1]).
    pub ryw_mitigated: [u64; 2],
}

/// The per-user anomalies, in the order of [`ClientMetrics::anomalies`].
pub const ANOMALIES: [&str; 3] = ["read_your_writes", "monotonic_reads", "session_misses"];

impl ClientMetrics {
    /// Empty metrics: `edges` staleness ages, `buckets` x `bounds` series.
    pub fn new(edges: usize, buckets: usize, bounds: usize) -> Self {
        ClientMetrics {
            reads: DurationStats::default(),
            writes: DurationStats::default(),
            stale_by_age: vec![0; edges],
            bucket_reads: vec![0; buckets],
            bucket_stale: vec![0; buckets * bounds],
            attempted: 0,
            succeeded: 0,
            failed: 0,
            failed_writes: 0,
            recovery: [Recovery::default(); 2],
            first_incident: [Recovery::default(); 2],
            retried: 0,
            app_errors: 0,
            throttled: 0,
            hedged: 0,
            bucket_attempted: vec![0; buckets],
            bucket_failed: vec![0; buckets],
            bucket_succeeded: vec![0; buckets],
            bucket_retries: vec![0; buckets],
            bucket_latency: Vec::new(),
            anomalies: [0; 3],
            bucket_anomalies: Vec::new(),
            ryw_mitigated: [0; 2],
        }
    }

    /// A request sent in `bucket` succeeded after `latency`.
    #[inline(always)]
    pub fn add_latency(&mut self, bucket: usize, latency: Duration) {
        if let Some(l) = self.bucket_latency.get_mut(bucket) {
            let ms = latency.as_millis_f64();
            l[0] += ms;
            l[1] += ms * ms;
        }
    }

    /// Stale reads whose age is at least edge `i`: stale at that bound.
    pub fn stale_at_least(&self, i: usize) -> u64 {
        self.stale_by_age[i..].iter().sum()
    }

    /// Adds `o`'s requests to these (metrics of the same shape).
    pub fn merge(&mut self, o: &ClientMetrics) {
        self.reads.merge(&o.reads);
        self.writes.merge(&o.writes);
        self.attempted += o.attempted;
        self.succeeded += o.succeeded;
        self.failed += o.failed;
        self.failed_writes += o.failed_writes;
        for (mine, theirs) in self.recovery.iter_mut().zip(&o.recovery) {
            mine.merge(theirs);
        }
        for (mine, theirs) in self.first_incident.iter_mut().zip(&o.first_incident) {
            mine.merge(theirs);
        }
        self.retried += o.retried;
        self.app_errors += o.app_errors;
        self.throttled += o.throttled;
        self.hedged += o.hedged;
        for (a, b) in self.anomalies.iter_mut().zip(&o.anomalies) {
            *a += b;
        }
        for (a, b) in self.ryw_mitigated.iter_mut().zip(&o.ryw_mitigated) {
            *a += b;
        }
        for (a, b) in self.bucket_latency.iter_mut().zip(&o.bucket_latency) {
            a[0] += b[0];
            a[1] += b[1];
        }
        for (mine, theirs) in [
            (&mut self.stale_by_age, &o.stale_by_age),
            (&mut self.bucket_reads, &o.bucket_reads),
            (&mut self.bucket_stale, &o.bucket_stale),
            (&mut self.bucket_attempted, &o.bucket_attempted),
            (&mut self.bucket_failed, &o.bucket_failed),
            (&mut self.bucket_succeeded, &o.bucket_succeeded),
            (&mut self.bucket_retries, &o.bucket_retries),
            (&mut self.bucket_anomalies, &o.bucket_anomalies),
        ] {
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a += b;
            }
        }
    }
}

/// The staleness ages a run counts stale reads at: 0, every 1-2-5 step
/// from 1 us up to the simulated span, and every declared bound, so that
/// the share stale at a declared bound is read off the curve exactly.
#[derive(Clone, Debug)]
pub struct Staleness {
    /// Ages, ascending, the first 0.
    pub edges: Vec<Duration>,
    /// The declared bounds, ascending.
    pub bounds: Vec<Duration>,
    /// Index in `edges` of each bound.
    pub bound_edges: Vec<usize>,
}

impl Staleness {
    /// The ages for `bounds` (ascending) over a run of `span`.
    pub fn new(bounds: &[Duration], span: Duration) -> Staleness {
        let mut edges = vec![Duration::ZERO];
        let mut decade = 1_000u64;
        'grid: loop {
            for m in [1, 2, 5] {
                let Some(ns) = decade.checked_mul(m) else {
                    break 'grid;
                };
                if ns > span.as_nanos() {
                    break 'grid;
                }
                edges.push(Duration::from_nanos(ns));
            }
            decade = match decade.checked_mul(10) {
                Some(d) => d,
                None => break,
            };
        }
        edges.extend_from_slice(bounds);
        edges.sort();
        edges.dedup();
        let bound_edges = bounds
            .iter()
            .map(|b| edges.binary_search(b).expect("every bound is an edge"))
            .collect();
        Staleness {
            edges,
            bounds: bounds.to_vec(),
            bound_edges,
        }
    }

    /// The edge an age falls in.
    #[inline]
    fn edge_of(&self, age: Duration) -> usize {
        self.edges.partition_point(|&e| e <= age) - 1
    }
}

/// What one replica of one dataset went through.
#[derive(Clone, Debug)]
pub struct ReplicaMetrics {
    /// Replication lag of each write: apply time here minus commit time.
    pub lag: DurationStats,
    /// Time each replicated write waited in the apply queue.
    pub apply_wait: DurationStats,
    /// Current lag sampled at the end of each bucket.
    pub current_lag: Vec<Duration>,
    /// Time its apply thread was busy in the measured span.
    pub apply_busy: Duration,
}

impl ReplicaMetrics {
    fn new(buckets: usize) -> Self {
        ReplicaMetrics {
            lag: DurationStats::default(),
            apply_wait: DurationStats::default(),
            current_lag: vec![Duration::ZERO; buckets],
            apply_busy: Duration::ZERO,
        }
    }
}

/// When requests of one kind came back after the first failure of the
/// span: the first success sent after the last failure sent since it.
/// Failures are known late (at their deadline), so a success is kept until
/// a failure sent after it shows it was not yet the recovery.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Send time of the latest request that failed.
    pub last_failed: Option<crate::engine::Time>,
    /// Send and completion time of the earliest success sent after it.
    pub back: Option<(crate::engine::Time, crate::engine::Time)>,
}

impl Recovery {
    /// A request sent at `sent` failed.
    pub fn failed(&mut self, sent: crate::engine::Time) {
        if self.last_failed.is_none_or(|l| sent > l) {
            self.last_failed = Some(sent);
            if self.back.is_some_and(|(s, _)| s <= sent) {
                self.back = None;
            }
        }
    }

    /// A request sent at `sent` succeeded at `done`.
    pub fn succeeded(&mut self, sent: crate::engine::Time, done: crate::engine::Time) {
        let after_failures = self.last_failed.is_none_or(|l| sent > l);
        if after_failures && self.back.is_none_or(|(s, _)| sent < s) {
            self.back = Some((sent, done));
        }
    }

    /// Time from `start` until they were back: 0 if none failed, `None` if
    /// they never came back.
    pub fn rto(&self, start: crate::engine::Time) -> Option<Duration> {
        match (self.last_failed, self.back) {
            (None, _) => Some(Duration::ZERO),
            (Some(_), Some((_, done))) => Some(done.since(start)),
            (Some(_), None) => None,
        }
    }

    /// Keeps the later recovery of two (a region is back when all its
    /// datasets are): none failed, back at some time, never back.
    pub fn merge(&mut self, o: &Recovery) {
        let key = |r: &Recovery| match (r.last_failed, r.back) {
            (None, _) => (0, crate::engine::Time::ZERO),
            (Some(_), Some((_, done))) => (1, done),
            (Some(_), None) => (2, crate::engine::Time::ZERO),
        };
        if key(o) > key(self) {
            *self = *o;
        }
    }
}

/// What one dataset's writes went through at its primary.
#[derive(Clone, Debug, Default)]
pub struct WriteMetrics {
    /// Writes committed in the measured span.
    pub commits: u64,
    /// Of those, writes acknowledged before any replica had received them
    /// (exposed to the primary's loss until one has).
    pub unreplicated_acks: u64,
    /// Semi-sync: times the primary fell back to async in the span.
    pub fallbacks: u64,
    /// Failovers started (the primary's database seen down) in the span.
    pub failovers_started: u64,
    /// Promotions completed in the span.
    pub promotions: u64,
    /// Acknowledged writes discarded by those promotions.
    pub lost: u64,
    /// Largest commit-time window the lost writes of one promotion span.
    pub lost_window: Duration,
    /// Writes a deposed, unfenced primary took (split brain): discarded
    /// when it rejoins.
    pub split_brain: u64,
    /// First failover start and first promotion in the span.
    pub first_detection: Option<Duration>,
    pub first_promotion: Option<Duration>,
    /// The region the first promotion in the span promoted.
    pub first_promoted: Option<crate::scenario::RegionId>,
    /// Promotions that could not take the named target (its database
    /// down, or it was the primary that failed).
    pub target_down: u64,
    /// Semi-sync: time spent fallen back, within the span.
    pub fallback: Duration,
    /// Active-active: conflicting pairs found by writes committed in the
    /// span, and those writes that conflict resolution discarded.
    pub conflicts: u64,
    pub lost_updates: u64,
    /// The same per time bucket (of the later write's commit, and of the
    /// lost write's); empty unless the dataset is active-active.
    pub conflicts_by_bucket: Vec<u64>,
    pub lost_by_bucket: Vec<u64>,
    /// Restricted datasets: writes committed after the warm-up (as
    /// `commits` counts them) that came to rest (committed or applied) in
    /// a region their residency rule does not allow, once per region.
    pub residency_violations: u64,
    /// Restricted datasets: reads in the span served to an app tier in a
    /// region the record's rule does not allow (the data crossed the
    /// border).
    pub cross_border_reads: u64,
    /// Leaderless datasets with probe times: per (write's coordinator,
    /// reading region, probe time), `(w * n + r) * probes + p`, probe reads
    /// answered and those that returned the probed write or a later one.
    pub probes: Vec<[u64; 2]>,
    /// Leaderless datasets: versions read repair sent, writes stand-ins
    /// took (sloppy quorum) and handed over, replica versions anti-entropy
    /// brought up to date; each counted whenever it happens in the run.
    pub read_repairs: u64,
    pub hinted: u64,
    pub handed_over: u64,
    pub synced: u64,
    /// Leaderless datasets with `concurrent_writes: fail`: writes in the
    /// span refused for a concurrent write of their key.
    pub conflict_failures: u64,
    /// Leaderless datasets: measured reads by how many committed versions
    /// newer than the one they returned there were (the last element: that
    /// many or more); empty otherwise.
    pub versions_behind: Vec<u64>,
}

/// Counts per time bucket (by send time) over all client regions.
#[derive(Clone, Debug)]
pub struct Timeline {
    /// Reads sent in each bucket.
    pub reads: Vec<u64>,
    /// Writes sent in each bucket.
    pub writes: Vec<u64>,
}

impl Timeline {
    fn new(buckets: usize) -> Self {
        Timeline {
            reads: vec![0; buckets],
            writes: vec![0; buckets],
        }
    }
}

/// The figures a run of `s` reports, with no values: which paths exist.
/// The statistics of a station that took no job in `s`'s span.
fn idle(s: &crate::scenario::Scenario) -> StationStats {
    StationStats::new(s.buckets(), s.bucket)
}

/// The figures of a run of `s` that recorded nothing: every figure the
/// model writes, in order. A list whose length depends on the run
/// (`incidents`) holds one template element, whose numbers are null
/// (a number or null) and whose texts are empty (any text).
pub fn figure_shape(s: &crate::scenario::Scenario) -> serde_json::Value {
    let mut empty = RunMetrics::for_scenario(s);
    let mut shape = serde_json::to_value(figures(s, &empty)).expect("figures serialize");
    // A run lists the links that carried traffic: any directed pair of
    // regions may be among them.
    for t in &mut empty.links {
        t.messages = 1;
    }
    shape["network"] = loosened(
        serde_json::to_value(figures::network_figures(s, &empty)).expect("figures serialize"),
    );
    // A region's recovery times are null in a run where it was not back
    // (an empty run says 0: nothing failed).
    fn loosen_recovery(figures: &mut serde_json::Value) {
        if let Some(r) = figures.get_mut("recovery") {
            *r = loosened(r.take());
        }
        for d in figures
            .get_mut("by_dataset")
            .and_then(|v| v.as_object_mut())
            .into_iter()
            .flat_map(|o| o.values_mut())
        {
            loosen_recovery(d);
        }
    }
    for c in shape
        .get_mut("clients")
        .and_then(|v| v.as_object_mut())
        .into_iter()
        .flat_map(|o| o.values_mut())
    {
        loosen_recovery(c);
    }
    if let Some(list) = shape.get_mut("incidents").and_then(|v| v.as_array_mut()) {
        let mut m = RunMetrics::for_scenario(s);
        m.failure_started(0, m.span_start);
        m.close_recovery();
        let mut one = serde_json::to_value(figures(s, &m)).expect("figures serialize");
        if let Some(first) = one
            .get_mut("incidents")
            .and_then(|v| v.as_array_mut())
            .and_then(|l| l.pop())
        {
            *list = vec![loosened(first)];
        }
    }
    shape
}

/// `v` with every number made null and every text empty: a template that
/// any value of the same structure matches.
fn loosened(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(_) => Value::Null,
        Value::String(_) => Value::String(String::new()),
        Value::Array(a) => Value::Array(a.into_iter().map(loosened).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, x)| (k, loosened(x))).collect()),
        other => other,
    }
}

/// Everything one run measured.
#[derive(Clone, Debug)]
pub struct RunMetrics {
    /// Events processed.
    pub events: u64,
    /// Session copies written in the span outside their user's allowed
    /// regions.
    pub session_residency_violations: u64,
    /// The incidents of the measured span, in order (the first
    /// [`MAX_INCIDENTS`]).
    pub incidents: Vec<Incident>,
    /// Incidents started in the span, recorded or not.
    pub incidents_total: u64,
    /// Availability (a share) below which a slot of an incident is down.
    pub availability_threshold: f64,
    /// Start of the current incident (`Time::NEVER`: none yet); recovery
    /// times count from it.
    pub incident_start: crate::engine::Time,
    /// The measured span.
    pub span_start: crate::engine::Time,
    pub span_end: crate::engine::Time,
    /// Per (client region, dataset): index `region * datasets + dataset`.
    /// Pairs without load have no per-bucket series.
    pub clients: Vec<ClientMetrics>,
    /// Number of datasets, the stride of `clients`.
    pub datasets: usize,
    /// Per dataset, per replica (in the dataset's replica order).
    pub replicas: Vec<Vec<ReplicaMetrics>>,
    /// Per dataset.
    pub writes: Vec<WriteMetrics>,
    /// What each directed link carried in the span, `from * regions + to`.
    pub links: Vec<Traffic>,
    /// Per (region, dataset), `region * datasets + dataset`: payload bytes
    /// the region's app tier sent to users in responses to requests sent
    /// in the span (internet egress).
    pub egress: Vec<u64>,
    /// Per (link, dataset), `link * datasets + dataset`: bytes of
    /// inter-region transfer sent in the span for the dataset (users' own
    /// requests and responses aside; see `Network::billable`).
    pub billable: Vec<u64>,
    /// Per region, its app tier's station (`None`: infinite capacity).
    pub app_stations: Vec<Option<StationStats>>,
    /// Per dataset, its commit path's station over its nodes.
    pub commit_stations: Vec<Option<StationStats>>,
    /// Per link, its transmitter (`None`: no bandwidth limit).
    pub link_stations: Vec<Option<StationStats>>,
    /// Per-bucket counts.
    pub timeline: Timeline,
    /// The ages stale reads are counted at.
    pub staleness: Staleness,
}

impl RunMetrics {
    /// Fills in what the run counted only by outcome: requests that
    /// succeeded are the reads and writes whose latency was recorded, and
    /// those attempted, in all and per bucket, are those that succeeded
    /// plus those that failed.
    pub fn count_attempts(&mut self) {
        for c in &mut self.clients {
            c.succeeded = c.reads.count() + c.writes.count();
            c.attempted = c.succeeded + c.failed;
            for ((a, ok), bad) in c
                .bucket_attempted
                .iter_mut()
                .zip(&c.bucket_succeeded)
                .zip(&c.bucket_failed)
            {
                *a = ok + bad;
            }
        }
    }

    /// Empty metrics shaped for a run of `s`.
    pub fn for_scenario(s: &crate::scenario::Scenario) -> Self {
        let buckets = s.buckets();
        let staleness = Staleness::new(&s.staleness_bounds, s.warmup + s.duration);
        let datasets = s.datasets.len();
        let clients = (0..s.regions.len() * datasets)
            .map(|i| {
                let loaded = s
                    .workload
                    .iter()
                    .any(|w| usize::from(w.region.0) * datasets + usize::from(w.dataset.0) == i);
                let (edges, buckets) = if loaded {
                    (staleness.edges.len(), buckets)
                } else {
                    (0, 0)
                };
                let mut c = ClientMetrics::new(edges, buckets, s.staleness_bounds.len());
                if s.users > 0 {
                    c.bucket_anomalies = vec![0; buckets * ANOMALIES.len()];
                }
                // Only the metastability judgement reads latency per bucket.
                if s.metastability.is_some() {
                    c.bucket_latency = vec![[0.0; 2]; buckets];
                }
                c
            })
            .collect();
        RunMetrics {
            events: 0,
            session_residency_violations: 0,
            incidents: Vec::new(),
            incidents_total: 0,
            availability_threshold: s.availability_threshold,
            incident_start: crate::engine::Time::NEVER,
            span_start: crate::engine::Time::ZERO + s.warmup,
            span_end: crate::engine::Time::ZERO + s.warmup + s.duration,
            clients,
            datasets,
            replicas: s
                .datasets
                .iter()
                .map(|d| {
                    // A failover can make the primary a replica: one more.
                    (0..d.strategy().copies().len())
                        .map(|_| ReplicaMetrics::new(buckets))
                        .collect()
                })
                .collect(),
            writes: s
                .datasets
                .iter()
                .map(|d| {
                    let n = if d.strategy().conflicts() {
                        s.buckets()
                    } else {
                        0
                    };
                    let (probes, behind) = match &d.placement {
                        crate::scenario::Placement::Leaderless(l) => (
                            l.replicas.len() * l.replicas.len() * l.probes.len(),
                            MAX_BEHIND + 1,
                        ),
                        crate::scenario::Placement::SinglePrimary(_)
                        | crate::scenario::Placement::ActiveActive(_)
                        | crate::scenario::Placement::GeoSharded(_)
                        | crate::scenario::Placement::Consensus(_) => (0, 0),
                    };
                    WriteMetrics {
                        conflicts_by_bucket: vec![0; n],
                        lost_by_bucket: vec![0; n],
                        probes: vec![[0; 2]; probes],
                        versions_behind: vec![0; behind],
                        ..WriteMetrics::default()
                    }
                })
                .collect(),
            links: vec![Traffic::default(); s.regions.len() * s.regions.len()],
            egress: vec![0; s.regions.len() * s.datasets.len().max(1)],
            billable: Vec::new(),
            // Idle until the run fills them: their shape is the figures'.
            app_stations: s
                .regions
                .iter()
                .map(|r| r.app.as_ref().map(|_| idle(s)))
                .collect(),
            commit_stations: s
                .datasets
                .iter()
                .map(|d| d.strategy().commit().map(|_| idle(s)))
                .collect(),
            link_stations: (0..s.regions.len() * s.regions.len())
                .map(|i| {
                    let n = s.regions.len();
                    let r = |x: usize| crate::scenario::RegionId(x as u16);
                    let (a, b) = (r(i / n), r(i % n));
                    s.network.bandwidth(a, b).map(|_| idle(s))
                })
                .collect(),
            timeline: Timeline::new(buckets),
            staleness,
        }
    }

    /// What the users of `region` saw of `dataset`.
    pub fn client(&self, region: usize, dataset: usize) -> &ClientMetrics {
        &self.clients[region * self.datasets + dataset]
    }

    /// A read of `client` sent in `bucket` broke the per-user guarantees
    /// in `found` (bit 0: read-your-writes, bit 1: monotonic reads).
    #[cold]
    #[inline(never)]
    pub fn record_anomalies(&mut self, client: usize, bucket: usize, found: u8) {
        let c = &mut self.clients[client];
        for kind in 0..2 {
            if found & (1 << kind) != 0 {
                c.anomalies[kind] += 1;
                c.bucket_anomalies[bucket * ANOMALIES.len() + kind] += 1;
            }
        }
    }

    /// A request of `client` sent in `bucket` found no session.
    #[cold]
    #[inline(never)]
    pub fn record_session_miss(&mut self, client: usize, bucket: usize) {
        let c = &mut self.clients[client];
        c.anomalies[2] += 1;
        c.bucket_anomalies[bucket * ANOMALIES.len() + 2] += 1;
    }

    /// A read of client pair `client` sent in bucket `bucket` succeeded: its latency,
    /// and its staleness age if it was stale (it missed a write committed
    /// `age` before it was served).
    #[inline(always)]
    pub fn record_read(
        &mut self,
        client: usize,
        bucket: usize,
        latency: Duration,
        stale_age: Option<Duration>,
    ) {
        self.timeline.reads[bucket] += 1;
        let c = &mut self.clients[client];
        c.bucket_succeeded[bucket] += 1;
        c.add_latency(bucket, latency);
        c.reads.record(latency);
        c.bucket_reads[bucket] += 1;
        if let Some(age) = stale_age {
            let st = &self.staleness;
            c.stale_by_age[st.edge_of(age)] += 1;
            let n = st.bounds.len();
            for (k, &bound) in st.bounds.iter().enumerate() {
                if age < bound {
                    break;
                }
                c.bucket_stale[bucket * n + k] += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_extremes_and_mean_with_rounded_quantiles() {
        let mut s = DurationStats::default();
        for ms in [10u64, 20, 30, 40] {
            s.record(Duration::from_millis(ms));
        }
        assert_eq!(s.min(), Some(Duration::from_millis(10)));
        assert_eq!(s.max(), Some(Duration::from_millis(40)));
        assert_eq!(s.mean_ns(), Some(25e6));
        let p50 = s.quantile(0.5).unwrap().as_millis_f64();
        assert!((p50 - 20.0).abs() <= 0.02, "{p50}");
        assert_eq!(DurationStats::default().quantile(0.5), None);
    }

    #[test]
    fn a_small_distribution_reads_as_a_histogram_would_and_grows_into_one() {
        // Past SMALL_VALUES the values move to a histogram; quantiles of
        // both forms come from the same histogram arithmetic.
        let values: Vec<u64> = (1..=600u64).map(|i| i * i * 997 % 50_000_000).collect();
        let mut small = DurationStats::default();
        let mut reference = new_histogram();
        for (n, &v) in values.iter().enumerate() {
            small.record(Duration::from_nanos(v));
            record_in(&mut reference, v);
            assert_eq!(
                small.hist.is_some(),
                n >= SMALL_VALUES,
                "after {} values",
                n + 1
            );
            if n % 97 == 0 || n == SMALL_VALUES - 1 || n == SMALL_VALUES {
                for q in [0.0, 0.5, 0.9, 0.99, 1.0] {
                    let want = reference
                        .value_at_quantile(q)
                        .clamp(small.min_ns, small.max_ns);
                    assert_eq!(
                        small.quantile(q),
                        Some(Duration::from_nanos(want)),
                        "q {q} at {n}"
                    );
                }
            }
        }
        assert!(small.small.is_empty());
        // Merging a small one into a large one and the reverse.
        let mut a = DurationStats::default();
        a.record(Duration::from_millis(5));
        let mut b = small.clone();
        b.merge(&a);
        a.merge(&small);
        assert_eq!(a.count(), b.count());
        assert_eq!(a.quantile(0.5), b.quantile(0.5));
    }

    /// No value is counted at a ceiling: a distribution of hours and days
    /// (a lag that grew for a year) has its quantiles within 0.1 %.
    #[test]
    fn quantiles_of_values_far_beyond_the_starting_range_are_exact() {
        let mut s = DurationStats::default();
        let hour = 3_600_000_000_000u64;
        // 600 values from 1 ms to 600 x 14.6 h (a year): past SMALL_VALUES,
        // in a histogram that grew.
        for i in 1..=600u64 {
            s.record(Duration::from_nanos(i * 14 * hour + i * 1_000_000));
        }
        for (q, rank) in [(0.5, 300u64), (0.9, 540), (0.99, 594)] {
            let want = (rank * 14 * hour + rank * 1_000_000) as f64;
            let got = s.quantile(q).unwrap().as_nanos() as f64;
            assert!((got - want).abs() <= want * 1e-3, "q {q}: {got} vs {want}");
        }
        // Past 2.78 h (the old fixed ceiling) by far.
        assert!(s.quantile(0.5).unwrap() > Duration::from_secs(100 * 3600));
        // A histogram holding a year costs about 310 KiB.
        let year = histogram_bytes(Duration::from_secs(366 * 86_400));
        assert!((250_000..400_000).contains(&year), "{year}");
    }

    #[test]
    fn merge_pools_values() {
        let (mut a, mut b) = (DurationStats::default(), DurationStats::default());
        a.record(Duration::from_millis(1));
        b.record(Duration::from_millis(3));
        a.merge(&b);
        assert_eq!(a.count(), 2);
        assert_eq!(a.mean_ns(), Some(2e6));
        assert_eq!(a.max(), Some(Duration::from_millis(3)));
    }
}
