//! What an invocation will cost before it runs: simulated events, peak
//! memory and wall time on this machine.
//!
//! Events and memory are counted from the model's size, not guessed: every
//! request is two events (its arrival and the moment it reaches the
//! database), every replicated write one more per replica, every bucket a
//! sample; memory is what [`crate::model::World`] and the metrics allocate
//! per key, replica and loaded client, plus the records and summaries kept
//! until the report is written. The figures are checked before anything
//! they size is allocated, so `--max-memory` (default: the memory this
//! machine has free) refuses a run that could not fit instead of letting
//! the kernel kill it hours in. Wall time divides the events by this
//! machine's rate, measured once on a small built-in scenario.

use crate::metrics::{histogram_bytes, QUANTILE_LEVELS};
use crate::scenario::{
    ClientLoad, Failure, FailureKind, FailureTiming, Plan, Popularity, Profile, RegionId, Scenario,
};

/// Bytes of one queued event (a `u128` key and a 16-byte event).
const EVENT_BYTES: f64 = 32.0;
/// Bytes of one replicated write in flight (`Message`) or waiting.
const MESSAGE_BYTES: f64 = 56.0;
/// Bytes of a request waiting in a queue: its slot in the request table
/// and the events that refer to it.
const REQUEST_BYTES: f64 = 128.0;
/// Bytes of per-key replication state at one replica (`KeyState`).
const KEY_STATE_BYTES: f64 = crate::model::replication::KEY_STATE_BYTES as f64;
/// Bytes of one key's state in a sparse map: key, state and control byte,
/// at the map's worst load (7/8) and doubling slack.
const SPARSE_KEY_BYTES: f64 = 64.0;
/// Bytes of one key of a Zipf alias table, and the peak while it is built.
const ALIAS_BYTES: f64 = 16.0;
const ALIAS_BUILD_BYTES: f64 = 48.0;
/// Bytes of one number of a run's figures held as JSON (value, key, map
/// entry), and of the same number aggregated (`{mean, ci_low, ci_high, n}`)
/// and printed in summary.json.
const FIGURE_BYTES: f64 = 110.0;
const AGGREGATE_BYTES: f64 = 600.0;
/// The process before any model: code, fonts for charts, allocator slack.
const BASE_BYTES: f64 = 12.0 * 1024.0 * 1024.0;

/// The cost of running a set of plans.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cost {
    /// Runs (points x replications; precision targets may add more).
    pub runs: u64,
    /// Simulated events, all runs together.
    pub events: f64,
    /// Peak resident memory of the process, in bytes.
    pub peak_bytes: f64,
    /// Wall-clock seconds on this machine with the threads used, if the
    /// machine's rate was measured.
    pub wall_s: Option<f64>,
    /// Threads the runs use.
    pub threads: usize,
}

/// The share of the run (warm-up and measured span) failure `f` is on:
/// a scheduled one, its window; a random one, mean repair over the mean
/// cycle.
fn active_share(s: &Scenario, f: &Failure) -> f64 {
    let span = (s.warmup + s.duration).as_secs_f64();
    match &f.timing {
        FailureTiming::Scheduled { at, duration } => {
            let end = (*at + *duration).min(s.duration);
            (end.as_secs_f64() - at.as_secs_f64()).max(0.0) / span
        }
        FailureTiming::Random { mtbf, mttr } => {
            let (up, down) = (mtbf.capped_mean_nanos(), mttr.capped_mean_nanos());
            down / (up + down).max(1.0)
        }
    }
}

/// The mean factor of `w`'s rate profile over the run (1 in the warm-up
/// of a table, the profile's own value before the measured span
/// otherwise), from 2,000 evenly spaced instants.
fn profile_mean(s: &Scenario, w: &ClientLoad) -> f64 {
    let Some(p) = &w.profile else { return 1.0 };
    let (from, span) = (
        -s.warmup.as_secs_f64(),
        (s.warmup + s.duration).as_secs_f64(),
    );
    const STEPS: usize = 2000;
    (0..STEPS)
        .map(|i| p.factor(from + span * (i as f64 + 0.5) / STEPS as f64))
        .sum::<f64>()
        / STEPS as f64
}

/// The mean and largest factors load bursts put on the rates of the users
/// of `region` over the run.
fn burst_factors(s: &Scenario, region: RegionId) -> (f64, f64) {
    let (mut mean, mut peak) = (1.0, 1.0);
    for f in &s.failures {
        if let FailureKind::LoadBurst(r, x) = f.kind {
            if r == region {
                mean += active_share(s, f) * (x - 1.0);
                peak *= x.max(1.0);
            }
        }
    }
    (mean, peak)
}

/// `w`'s mean and peak rate factors (profile, load bursts).
fn rate_factors(s: &Scenario, w: &ClientLoad) -> (f64, f64) {
    let (burst_mean, burst_peak) = burst_factors(s, w.region);
    let profile_peak = w.profile.as_ref().map_or(1.0, Profile::max);
    (profile_mean(s, w) * burst_mean, profile_peak * burst_peak)
}

/// Expected events of one run of `s`: two per request (at the rates the
/// profiles and load bursts give), one per replicated write and replica
/// (more where writes leave at their own events), a deadline and retries
/// per attempt that times out (always, or while a failure on its way
/// lasts), failures coming and going, probes, DNS refreshes and samples.
pub fn run_events(s: &Scenario) -> f64 {
    let span = (s.warmup + s.duration).as_secs_f64();
    let mut events = s.buckets() as f64;
    for w in &s.workload {
        let (factor, _) = rate_factors(s, w);
        let d = &s.datasets[usize::from(w.dataset.0)];
        let requests = (w.reads_per_s + w.writes_per_s) * factor * span;
        events += 2.0 * requests;
        events += timed_out_events(s, w) * factor * span;
        let writes = w.writes_per_s * factor * span;
        events += writes * d.strategy().write_events(s, w);
        events += w.reads_per_s * factor * span * d.strategy().read_events();
        // While a failure takes down what its requests need, each attempt
        // times out: a deadline, and per retry a retry and a deadline more.
        if w.timeout.is_some() {
            for (rate, write) in [(w.reads_per_s, false), (w.writes_per_s, true)] {
                let down: f64 = s
                    .failures
                    .iter()
                    .map(|f| down_share(s, f, w, write))
                    .sum::<f64>()
                    .min(1.0);
                events += rate * factor * span * down * (1.0 + 3.0 * f64::from(w.retries));
            }
        }
        // An app tier with finite capacity: one more event, the request's
        // arrival in its queue.
        if s.regions[usize::from(w.region.0)].app.is_some() {
            events += requests;
        }
    }
    // Random failures come and go: a start and an end a cycle.
    for f in &s.failures {
        if let FailureTiming::Random { mtbf, mttr } = &f.timing {
            let cycle_s = (mtbf.capped_mean_nanos() + mttr.capped_mean_nanos()) / 1e9;
            events += 2.0 * span / cycle_s.max(1e-9);
        }
    }
    // Health checks: each probe of each region's app tier and databases
    // from each checker is sent, reaches its target and is answered: three
    // events an interval.
    if let Some(h) = &s.health {
        let probes = 2.0 * s.regions.len() as f64 * h.checkers.len() as f64;
        events += 3.0 * probes * span / h.interval.as_secs_f64();
    }
    // DNS: every resolver group of every region with users refreshes once
    // a TTL.
    if let Some(r) = &s.routing {
        let mut users: Vec<RegionId> = s
            .workload
            .iter()
            .flat_map(|w| {
                std::iter::once(w.region).chain(w.roaming.iter().flat_map(|m| m.to.clone()))
            })
            .collect();
        users.sort();
        users.dedup();
        events += users.len() as f64 * f64::from(r.groups) * span / r.ttl.as_secs_f64();
    }
    events
}

/// The share of the run during which failure `f` takes down something the
/// reads (or `write`s) of `w` need, so that its attempts time out: its
/// region's app tier until DNS moves its users (when routing can), for a
/// write the database of its dataset's primary until a failover promotes
/// a replica (when it has one). Reads go to the next copy that answers;
/// they time out only where there is none but the primary.
fn down_share(s: &Scenario, f: &Failure, w: &ClientLoad, write: bool) -> f64 {
    let d = &s.datasets[usize::from(w.dataset.0)];
    let st = d.strategy();
    // The one copy a request needs, if the strategy has one: a write's
    // write copy, or a read's when there is no other copy.
    let needs_one = st.writes_need_one_copy() && (write || st.regions().len() == 1);
    let home = st.write_copy(s, w);
    let (app, primary) = match &f.kind {
        FailureKind::Region(r) => (*r == w.region, *r == home),
        FailureKind::Service(r, crate::scenario::Service::App) => (*r == w.region, false),
        FailureKind::Service(r, crate::scenario::Service::Database) => (false, *r == home),
        FailureKind::Partition(a, b) => {
            let cut = |x: RegionId, y: RegionId| {
                (a.contains(&x) && b.contains(&y)) || (a.contains(&y) && b.contains(&x))
            };
            (false, cut(w.region, home))
        }
        _ => (false, false),
    };
    let primary = primary && needs_one;
    if !app && !primary {
        return 0.0;
    }
    // Seconds to detect a failure: the threshold's probes and a timeout.
    let detect = s.health.as_ref().map(|h| {
        (f64::from(h.failure_threshold) + 0.5) * h.interval.as_secs_f64() + h.timeout.as_secs_f64()
    });
    let mut bound = f64::INFINITY;
    if let (true, Some(r), Some(t)) = (app, &s.routing, detect) {
        if r.endpoints.iter().any(|&e| e != w.region) {
            bound = t + r.ttl.as_secs_f64() + r.overstay_share * r.overstay.as_secs_f64();
        }
    }
    if let (true, Some(fo), Some(t)) = (primary, st.failover(), detect) {
        let failover = t + (fo.operator_delay + fo.promotion_delay).as_secs_f64();
        bound = if app { bound.max(failover) } else { failover };
    } else if primary {
        bound = f64::INFINITY;
    }
    let span = (s.warmup + s.duration).as_secs_f64();
    match &f.timing {
        FailureTiming::Scheduled { .. } => (active_share(s, f) * span).min(bound) / span,
        FailureTiming::Random { mtbf, mttr } => {
            let (up, down) = (
                mtbf.capped_mean_nanos() / 1e9,
                mttr.capped_mean_nanos() / 1e9,
            );
            down.min(bound) / (up + down).max(1e-9)
        }
    }
}

/// Events per second of attempts that time out: when an operation's mean
/// round trip exceeds its timeout, every attempt is taken to time out (a
/// deadline each, a retry and a second trip to the node per retry).
fn timed_out_events(s: &Scenario, w: &crate::scenario::ClientLoad) -> f64 {
    let Some(timeout) = w.timeout else {
        return 0.0;
    };
    let mean = |a: RegionId, b: RegionId| s.network.delay(a, b).capped_mean_nanos();
    let d = &s.datasets[usize::from(w.dataset.0)];
    let access = 2.0 * w.access_delay.capped_mean_nanos();
    let st = d.strategy();
    let read_node = crate::scenario::placement::nearest(w.region, &st.regions(), &s.network);
    let read_trip = access + mean(w.region, read_node) + mean(read_node, w.region);
    let (wait, reply) = st.ack_wait(s, d, w);
    let home = st.write_copy(s, w);
    let write_trip = access + mean(w.region, home) + mean(home, w.region) + wait;
    let t = timeout.as_nanos() as f64;
    let retries = f64::from(w.retries);
    let mut events = 0.0;
    for (rate, trip, extra) in [
        (w.reads_per_s, read_trip, 0.0),
        (w.writes_per_s, write_trip, reply),
    ] {
        if trip > t {
            events += rate * (1.0 + retries * (3.0 + extra));
        }
    }
    events
}

/// Ages of the staleness-age curve: the 1-2-5 steps from 1 us to the span,
/// the declared bounds, and 0.
fn staleness_ages(s: &Scenario) -> f64 {
    let span_us = (s.warmup + s.duration).as_nanos() as f64 / 1e3;
    3.0 * span_us.max(1.0).log10().ceil() + s.staleness_bounds.len() as f64 + 1.0
}

/// Numbers in one run's figures (what [`crate::metrics::figures`] reports).
fn figure_numbers(s: &Scenario) -> f64 {
    let latency = 8.0 + QUANTILE_LEVELS.len() as f64;
    let bounds = s.staleness_bounds.len() as f64;
    let buckets = s.buckets() as f64;
    let ages = staleness_ages(s);
    // Two latencies, stale counts and shares, the age curve, requests.
    let client = 2.0 * latency + 2.0 * bounds + ages + 5.0;
    let mut n = 1.0 + buckets * 2.0;
    let mut regions: Vec<u16> = s.workload.iter().map(|w| w.region.0).collect();
    regions.sort_unstable();
    regions.dedup();
    n += (regions.len() + s.workload.len()) as f64 * client;
    // Per region, its reads, stale shares and availability per bucket.
    n += regions.len() as f64 * buckets * (2.0 + bounds);
    for d in &s.datasets {
        n += d.strategy().copies().len() as f64 * (2.0 * latency + 1.0 + buckets) + 5.0;
    }
    // Two numbers per link that carries traffic: at most every directed
    // pair of regions.
    n += 2.0 * (s.regions.len() * s.regions.len()) as f64;
    n
}

/// Peak bytes one run of `s` allocates while it runs (its key tables
/// excluded: they are shared, see [`plan_bytes`]).
fn run_bytes(s: &Scenario) -> f64 {
    let span = (s.warmup + s.duration).as_secs_f64();
    let hist = histogram_bytes(s.warmup + s.duration) as f64;
    let buckets = s.buckets() as f64;
    let mut bytes = 0.0;
    // Replica state per key, histograms and series per replica, and the
    // replicated writes in flight (all of them when the apply thread falls
    // behind for good).
    for (i, d) in s.datasets.iter().enumerate() {
        // A stream (key state, backlog) each, and the strategy's own state
        // per key (active-active: each copy's LWW stamp).
        let st = d.strategy();
        let streams = st.streams();
        let copies = st.copies().len() as f64;
        let values = st.state_bytes_per_key() * f64::from(d.keys);
        bytes += values;
        // Writes at the rates' peaks (profiles, load bursts), in all and
        // per stream: a queue past saturation grows while they last. With
        // no failure a write travels only the streams its placement sends
        // it on (an active-active mesh's stream carries its sending copy's
        // writes); a failure may move writes to any copy, so then every
        // stream is counted at the dataset's whole rate.
        let loads: Vec<(f64, &crate::scenario::ClientLoad)> = s
            .workload
            .iter()
            .filter(|w| usize::from(w.dataset.0) == i)
            .map(|w| (w.writes_per_s * rate_factors(s, w).1, w))
            .collect();
        let lambda: f64 = loads.iter().map(|(r, _)| r).sum();
        // As-of reads: the commits of the last `read_staleness`, 16 bytes
        // each (a commit time and a key).
        if let crate::scenario::Placement::Consensus(c) = &d.placement {
            if c.reads == crate::scenario::ConsensusReads::AsOf {
                bytes += lambda * c.read_staleness.as_secs_f64() * 16.0;
            }
        }
        // Per stream, the writes it carries (summed in workload order; one
        // pass over what each load is sent on, not a scan per stream).
        let carried: Option<std::collections::HashMap<(RegionId, RegionId), f64>> =
            s.failures.is_empty().then(|| {
                let mut rates = std::collections::HashMap::new();
                for (r, w) in &loads {
                    for stream in st.carries(s, w) {
                        *rates.entry(stream).or_insert(0.0) += r;
                    }
                }
                rates
            });
        let stream_rate = |stream: (RegionId, RegionId)| -> f64 {
            carried
                .as_ref()
                .map_or(lambda, |c| c.get(&stream).copied().unwrap_or(0.0))
        };
        let apply_s = d.apply_time.capped_mean_nanos() / 1e9;
        let dense = crate::model::replication::dense(d.keys, streams.len());
        for &(from, to) in &streams {
            let lambda = stream_rate((from, to));
            let link_s = s.network.delay(from, to).capped_mean_nanos() / 1e9;
            // Writes in flight on the link and in a stable queue (a
            // generous multiple of the M/M/1 number in system), plus, when
            // writes outpace the apply thread, the backlog it leaves by the
            // end.
            let rho = lambda * apply_s;
            let mut backlog = if rho >= 1.0 {
                (lambda - 1.0 / apply_s.max(1e-12)) * span + lambda * link_s * 4.0 + 1024.0
            } else {
                lambda * link_s * 4.0 + 4.0 * rho / (1.0 - rho) + 16.0
            };
            // A failure that slows the receiving copy's apply builds a
            // backlog while it lasts.
            for f in &s.failures {
                if let FailureKind::ApplySlowdown(r, x) = f.kind {
                    if r == to {
                        let mu = f64::from(d.apply_threads) / (apply_s * x).max(1e-12);
                        backlog += (lambda - mu).max(0.0) * active_share(s, f) * span;
                    }
                }
            }
            // Writes a bandwidth-limited link cannot send keep in the log.
            if let Some(bw) = s.network.bandwidth(from, to) {
                bytes += (lambda * f64::from(d.record_bytes) - bw).max(0.0)
                    / f64::from(d.record_bytes)
                    * span
                    * MESSAGE_BYTES;
            }
            // Key state: a slot per key, or (past the dense budget, the
            // same rule the model follows) an entry per key with a write in
            // flight, at a hash map's load.
            let key_state = if dense {
                f64::from(d.keys) * KEY_STATE_BYTES
            } else {
                backlog * SPARSE_KEY_BYTES
            };
            bytes += key_state + backlog * MESSAGE_BYTES;
        }
        // A lightly loaded copy keeps its values in a small vector, not a
        // histogram.
        let values_per_copy = lambda * span;
        let hist_each = if values_per_copy > crate::metrics::SMALL_VALUES as f64 {
            hist
        } else {
            values_per_copy * 8.0 + 64.0
        };
        // Figures per copy (histograms, series).
        bytes += copies * (2.0 * hist_each + buckets * 8.0);
        // A commit path past saturation without a queue limit keeps every
        // write it cannot serve waiting.
        if let Some(c) = st.commit().filter(|c| c.queue_limit.is_none()) {
            let mu = f64::from(c.servers) / (c.service_time.capped_mean_nanos() / 1e9).max(1e-12);
            bytes += (lambda - mu).max(0.0) * span * REQUEST_BYTES;
        }
    }
    // So does an app tier.
    for (r, region) in s.regions.iter().enumerate() {
        let Some(app) = region.app.as_ref().filter(|a| a.queue_limit.is_none()) else {
            continue;
        };
        let rate: f64 = s
            .workload
            .iter()
            .filter(|w| usize::from(w.region.0) == r)
            .map(|w| (w.reads_per_s + w.writes_per_s) * rate_factors(s, w).1)
            .sum();
        let mu = f64::from(app.servers) / (app.service_time.capped_mean_nanos() / 1e9).max(1e-12);
        bytes += (rate - mu).max(0.0) * span * REQUEST_BYTES;
    }
    // Latency histograms of every loaded (region, dataset), the pooled
    // ones per region when figures are made, the per-bucket counts and the
    // staleness-age counts of each.
    let series = buckets * (1.0 + s.staleness_bounds.len() as f64) + staleness_ages(s);
    bytes += s.workload.len() as f64 * (4.0 * hist + 2.0 * series * 8.0);
    bytes += buckets * 2.0 * 8.0;
    // Users: where each is and their session (24 bytes), and per dataset
    // they use their last write and read (32 bytes).
    if s.users > 0 {
        let mut used: Vec<u16> = s
            .workload
            .iter()
            .filter(|w| w.users.is_some())
            .map(|w| w.dataset.0)
            .collect();
        used.sort_unstable();
        used.dedup();
        bytes += f64::from(s.users) * (24.0 + 32.0 * used.len() as f64);
    }
    // Requests in flight: one queued event each.
    for w in &s.workload {
        let round_trip_s: f64 = 0.5;
        let rate = (w.reads_per_s + w.writes_per_s) * rate_factors(s, w).1;
        bytes += rate * round_trip_s.min(span) * EVENT_BYTES;
    }
    bytes + figure_numbers(s) * FIGURE_BYTES
}

/// Bytes of the key tables of a plan (built once, shared by its runs) and
/// the peak while the largest is built.
fn plan_bytes(plan: &Plan) -> f64 {
    let mut tables: Vec<(u32, u64)> = Vec::new();
    for p in &plan.points {
        for d in &p.scenario.datasets {
            if let Popularity::Zipf { s, .. } = d.popularity {
                tables.push((d.keys, s.to_bits()));
            }
        }
    }
    tables.sort_unstable();
    tables.dedup();
    let total: f64 = tables.iter().map(|t| f64::from(t.0) * ALIAS_BYTES).sum();
    let largest = tables.iter().map(|t| f64::from(t.0)).fold(0.0, f64::max);
    total + largest * (ALIAS_BUILD_BYTES - ALIAS_BYTES)
}

/// The resolved scenarios themselves: network tables and workload.
fn scenario_bytes(s: &Scenario) -> f64 {
    let n = s.regions.len() as f64;
    n * n * 64.0 + (s.workload.len() + s.datasets.len()) as f64 * 256.0 + 4096.0
}

/// The cost of running every run of `plans` on `threads` threads (all
/// cores when `None`); `rate` is this machine's events per second on one
/// thread, if measured.
pub fn estimate(plans: &[Plan], threads: Option<usize>, rate: Option<f64>) -> Cost {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut runs = 0u64;
    let mut events = 0.0;
    let mut largest_run = 0.0f64;
    let mut kept = 0.0;
    let mut loaded = BASE_BYTES;
    let mut busiest = 0.0f64;
    for plan in plans {
        loaded += plan_bytes(plan);
        for p in &plan.points {
            let s = &p.scenario;
            let n = u64::from(s.replications);
            runs += n;
            let e = run_events(s);
            events += e * n as f64;
            busiest = busiest.max(e);
            largest_run = largest_run.max(run_bytes(s));
            let numbers = figure_numbers(s);
            // Each run's figures, kept until the report; the summary holds
            // them again, aggregated once per point.
            kept += numbers * (n as f64 * FIGURE_BYTES * 2.0 + AGGREGATE_BYTES);
            loaded += scenario_bytes(s);
        }
    }
    let threads = threads.unwrap_or(cores).min(runs.max(1) as usize).max(1);
    let wall_s = rate.map(|r| {
        // Runs spread over threads, but one long run takes its own time.
        (events / threads as f64).max(busiest) / r
    });
    Cost {
        runs,
        events,
        peak_bytes: loaded + kept + threads as f64 * largest_run,
        wall_s,
        threads,
    }
}

/// This machine's simulated events per second on one thread, measured
/// once per process on a small built-in scenario (about 0.1 s).
pub fn machine_rate() -> f64 {
    static RATE: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *RATE.get_or_init(|| {
        let s = crate::scenario::from_str(
            CALIBRATION,
            std::path::Path::new("calibration.yaml"),
            crate::metrics::figure_shape,
        )
        .expect("the calibration scenario is valid");
        let start = std::time::Instant::now();
        let m = crate::model::World::run(&s, 0);
        m.events as f64 / start.elapsed().as_secs_f64().max(1e-6)
    })
}

/// A small scenario shaped like the reference one (three regions, two
/// replicas, Zipf keys), for [`machine_rate`].
const CALIBRATION: &str = "
name: calibration
duration: 60s
regions:
  - {name: us-east-1, jurisdiction: US}
  - {name: eu-west-1, jurisdiction: EU}
  - {name: ap-southeast-1, jurisdiction: SG}
network: {preset: aws}
datasets:
  - name: users
    keys: 200000
    popularity: {zipf: 0.9}
    placement:
      single-primary:
        primary: us-east-1
        replicas: [eu-west-1, ap-southeast-1]
        apply_time: {lognormal: {median: 0.6ms, p99: 4ms}}
workload:
  - {region: us-east-1, rates: {users: {reads_per_s: 2000, writes_per_s: 150}}}
  - {region: eu-west-1, rates: {users: {reads_per_s: 1500, writes_per_s: 80}}}
  - {region: ap-southeast-1, rates: {users: {reads_per_s: 800, writes_per_s: 40}}}
";

/// Bytes as people read them: `512 KiB`, `1.5 GiB`.
pub fn show_bytes(b: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut x = b.max(0.0);
    let mut u = 0;
    while x >= 1024.0 && u + 1 < UNITS.len() {
        x /= 1024.0;
        u += 1;
    }
    if u == 0 || x >= 100.0 {
        format!("{x:.0} {}", UNITS[u])
    } else {
        format!("{x:.1} {}", UNITS[u])
    }
}

/// A count as people read it: `950`, `6.4 M`, `1.2 G`.
pub fn show_count(n: f64) -> String {
    match n {
        n if n >= 1e12 => format!("{:.1} T", n / 1e12),
        n if n >= 1e9 => format!("{:.1} G", n / 1e9),
        n if n >= 1e6 => format!("{:.1} M", n / 1e6),
        n if n >= 1e4 => format!("{:.0} k", n / 1e3),
        n => format!("{n:.0}"),
    }
}

/// Seconds as people read them: `0.4 s`, `3 min`, `2.5 h`, `4 days`.
pub fn show_seconds(s: f64) -> String {
    match s {
        s if s < 10.0 => format!("{s:.1} s"),
        s if s < 120.0 => format!("{s:.0} s"),
        s if s < 7200.0 => format!("{:.0} min", s / 60.0),
        s if s < 2.0 * 86400.0 => format!("{:.1} h", s / 3600.0),
        s => format!("{:.0} days", s / 86400.0),
    }
}

/// Parses a memory size: `512MiB`, `2GiB`, `2G`, `1.5GB`, or bytes.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let (number, unit) = crate::scenario::split_number(text);
    let x: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size like 512MiB or 2GiB"))?;
    let scale = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => {
            return Err(format!(
                "`{text}`: unknown unit `{unit}` (B, KiB, MiB, GiB, TiB)"
            ))
        }
    };
    let bytes = x * scale;
    if !(1.0..1e18).contains(&bytes) {
        return Err(format!("`{text}` is not a sensible memory size"));
    }
    Ok(bytes as u64)
}

/// Memory this process may use: what the machine has available
/// (`MemAvailable`), or less when a cgroup limit (containers, CI runners)
/// says so. `None` where neither can be read.
pub fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok();
    let available = meminfo.as_deref().and_then(|m| {
        let line = m.lines().find(|l| l.starts_with("MemAvailable:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    });
    let cgroup = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|t| t.trim().parse::<u64>().ok());
    [available, cgroup, address_space_limit()]
        .into_iter()
        .flatten()
        .min()
}

/// This process's address-space limit (`ulimit -v`, `RLIMIT_AS`), if
/// set: an allocation past it fails, which would abort the process.
pub fn address_space_limit() -> Option<u64> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut r) } == 0;
    (ok && r.rlim_cur != libc::RLIM_INFINITY).then_some(r.rlim_cur)
}

/// This process's memory now: (resident, virtual) bytes, from
/// `/proc/self/statm`.
pub fn memory_now() -> Option<(u64, u64)> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let mut fields = statm.split_whitespace();
    let size: u64 = fields.next()?.parse().ok()?;
    let resident: u64 = fields.next()?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let page = u64::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).ok()?;
    Some((resident * page, size * page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_counts_read_well() {
        assert_eq!(show_bytes(512.0 * 1024.0), "512 KiB");
        assert_eq!(show_bytes(1.5 * 1024.0 * 1024.0 * 1024.0), "1.5 GiB");
        assert_eq!(show_count(6_386_764.0), "6.4 M");
        assert_eq!(show_seconds(0.42), "0.4 s");
        assert_eq!(show_seconds(5400.0), "90 min");
        assert_eq!(parse_bytes("2GiB"), Ok(2 << 30));
        assert_eq!(parse_bytes("512M"), Ok(512 << 20));
        assert!(parse_bytes("-1G").is_err() && parse_bytes("lots").is_err());
    }

    #[test]
    fn reference_events_are_counted_exactly() {
        // Reads and writes are two events each, every write one more per
        // replica, every bucket a sample: 6,386,764 events were measured
        // for this scenario (README, Performance).
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/reference.yaml");
        let plan = crate::scenario::load_plan(&path, &[], crate::metrics::figure_shape).unwrap();
        let e = run_events(plan.base());
        assert!((e / 6_386_764.0 - 1.0).abs() < 0.01, "{e}");
    }
}
