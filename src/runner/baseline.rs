//! A minimal hand-written event loop of the single-primary model, for
//! `regionsim bench --baseline`: what the same work costs with no
//! framework (no engine, no `Model` trait, no metrics module), so that the
//! framework's overhead is a measured ratio rather than a guess.
//!
//! It simulates exactly what [`crate::model::World`] does: Poisson reads
//! and writes per client region and dataset, FIFO replication streams with
//! a single apply server per replica, the stale check of every read, HDR
//! histograms of read and write latency per client pair and of lag and
//! apply wait per replica, per-bucket counts and current-lag samples. It
//! draws from the same named random streams in the same order and breaks
//! ties by the same scheduling order, so on any scenario it must count the
//! same events, reads, stale reads and lags as regionsim (tested): the two
//! are checks of each other as well as a benchmark.

use crate::engine::{stream, AliasTable, Dist, Duration, SimRng};
use crate::scenario::{Popularity, Scenario};
use hdrhistogram::Histogram;
use rand::Rng;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::Arc;

/// What the loop counted, to compare with regionsim's figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Totals {
    /// Events processed (arrivals, commits, reads, applies, samples).
    pub events: u64,
    /// Measured reads per client pair (`region * datasets + dataset`).
    pub reads: Vec<u64>,
    /// Measured writes per client pair.
    pub writes: Vec<u64>,
    /// Stale reads per client pair at each staleness bound.
    pub stale: Vec<Vec<u64>>,
    /// Per replication stream (datasets in order, replicas in order): lag
    /// count and exact lag sum in ns.
    pub lag: Vec<(u64, u128)>,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Arrival { source: u16, key_draw: u64 },
    Commit { source: u16, key: u32, sent: u64 },
    Read { source: u16, key: u32, sent: u64 },
    Apply { stream: u16 },
    Sample { bucket: u32 },
}

struct Source {
    client: usize,
    dataset: usize,
    write: bool,
    replica_stream: Option<usize>,
    interarrival: Dist,
    access: Dist,
    to_db: Dist,
    from_db: Dist,
    uniform_keys: u32,
    table: Option<Arc<AliasTable>>,
    rng_arrivals: SimRng,
    rng_keys: SimRng,
    rng_network: SimRng,
}

struct Msg {
    key: u32,
    commit: u64,
    next_commit: u64,
    wait: u64,
    applied: u64,
}

struct Stream {
    link: Dist,
    apply: Dist,
    rng_link: SimRng,
    rng_apply: SimRng,
    last_arrival: u64,
    last_applied: u64,
    queue: VecDeque<Msg>,
    head_seq: u64,
    /// Per key: commit time of the oldest unapplied write, sequence
    /// number of the newest message (one cache line touch per key).
    keys: Vec<(u64, u64)>,
    lag: Histogram<u64>,
    wait: Histogram<u64>,
    lag_count: u64,
    lag_sum: u128,
    current: Vec<u64>,
}

const NEVER: u64 = u64::MAX;

/// Records `v`, growing the histogram (saturating past 2^62 ns, which no
/// run reaches).
fn record(h: &mut Histogram<u64>, v: u64) {
    if h.record(v).is_err() {
        h.saturating_record(v);
    }
}

fn histogram() -> Histogram<u64> {
    // As the model's: growing to hold every value.
    let mut h = Histogram::new_with_bounds(1_000, 10_000_000_000, 3).expect("valid bounds");
    h.auto(true);
    h
}

fn ns(d: Duration) -> u64 {
    d.as_nanos()
}

/// What `scenario` has that the loop does not model (empty: it models
/// the whole scenario, and must count what regionsim counts).
pub fn beyond(scenario: &Scenario) -> Vec<&'static str> {
    use crate::scenario::{Placement, Replication};
    let s = scenario;
    let mut out = Vec::new();
    let mut add = |has: bool, what: &'static str| {
        if has {
            out.push(what);
        }
    };
    // The loop is single-primary, async, one apply thread.
    let [mut aa, mut geo, mut quorum, mut consensus, mut acked, mut commit, mut ship, mut failover] =
        [false; 8];
    for d in &s.datasets {
        match &d.placement {
            Placement::SinglePrimary(sp) => {
                acked |= sp.replication != Replication::Async;
                commit |= sp.commit.is_some();
                ship |= sp.shipping_delay.is_some();
                failover |= sp.failover.is_some();
            }
            Placement::ActiveActive(_) => aa = true,
            Placement::GeoSharded(_) => geo = true,
            Placement::Leaderless(_) => quorum = true,
            Placement::Consensus(_) => consensus = true,
        }
    }
    add(aa, "active-active datasets");
    add(geo, "geo-sharded datasets");
    add(quorum, "leaderless datasets");
    add(consensus, "consensus datasets");
    add(acked, "semi-sync or sync replication");
    add(
        s.datasets.iter().any(|d| d.apply_threads > 1),
        "several apply threads",
    );
    add(commit, "a commit path");
    add(ship, "a shipping delay");
    add(failover, "failover");
    add(s.users > 0, "users");
    add(s.sessions.is_some(), "a session store");
    add(s.health.is_some(), "health checks");
    add(s.routing.is_some(), "DNS routing");
    add(!s.failures.is_empty(), "failures");
    add(
        s.workload.iter().any(|w| w.timeout.is_some()),
        "timeouts and retries",
    );
    add(
        s.workload.iter().any(|w| w.profile.is_some()),
        "rate profiles",
    );
    add(
        s.regions.iter().any(|r| r.app.is_some()),
        "app tier capacity",
    );
    let n = s.regions.len();
    add(
        (0..n * n).any(|i| {
            s.network
                .bandwidth(
                    crate::scenario::RegionId((i / n) as u16),
                    crate::scenario::RegionId((i % n) as u16),
                )
                .is_some()
        }),
        "link bandwidth",
    );
    out
}

/// The single-primary placement of `ds`: the only one the loop runs
/// ([`beyond`] names the others, and the loop is not run for them).
fn single_primary(ds: &crate::scenario::Dataset) -> &crate::scenario::SinglePrimary {
    match &ds.placement {
        crate::scenario::Placement::SinglePrimary(sp) => sp,
        crate::scenario::Placement::ActiveActive(_)
        | crate::scenario::Placement::GeoSharded(_)
        | crate::scenario::Placement::Leaderless(_)
        | crate::scenario::Placement::Consensus(_) => {
            unreachable!("`beyond` names every other placement; the loop is not run for them")
        }
    }
}

/// Runs replication `run` of `scenario` in the hand-written loop.
pub fn run(scenario: &Scenario, run: u64) -> Totals {
    let seed = scenario.seed;
    let net = &scenario.network;
    let name_of = |r: usize| scenario.regions[r].name.as_str();
    let nd = scenario.datasets.len();
    let tables: Vec<Option<Arc<AliasTable>>> = scenario
        .datasets
        .iter()
        .map(|ds| match &ds.popularity {
            Popularity::Uniform | Popularity::PerUser => None,
            Popularity::Zipf { table, s } => Some(Popularity::zipf_table(table, ds.keys, *s)),
        })
        .collect();
    let mut streams = Vec::new();
    let mut first_stream = Vec::new();
    for ds in &scenario.datasets {
        first_stream.push(streams.len());
        let sp = single_primary(ds);
        for &r in &sp.replicas {
            let name = format!("{}/{}", ds.name, name_of(usize::from(r.0)));
            streams.push(Stream {
                link: net.delay(sp.primary, r).clone(),
                apply: ds.apply_time.clone(),
                rng_link: stream(seed, run, &format!("replication-link/{name}")),
                rng_apply: stream(seed, run, &format!("apply-queue/{name}")),
                last_arrival: 0,
                last_applied: 0,
                queue: VecDeque::new(),
                head_seq: 1,
                keys: vec![(NEVER, 0); ds.keys as usize],
                lag: histogram(),
                wait: histogram(),
                lag_count: 0,
                lag_sum: 0,
                current: vec![0; scenario.buckets()],
            });
        }
    }
    first_stream.push(streams.len());
    let mut sources = Vec::new();
    for load in &scenario.workload {
        let d = usize::from(load.dataset.0);
        let ds = &scenario.datasets[d];
        for (write, rate) in [(false, load.reads_per_s), (true, load.writes_per_s)] {
            if rate <= 0.0 {
                continue;
            }
            let sp = single_primary(ds);
            let target = if write {
                sp.primary
            } else {
                crate::scenario::placement::nearest(
                    load.region,
                    &crate::scenario::Strategy::regions(sp),
                    &scenario.network,
                )
            };
            let replica = sp
                .replicas
                .iter()
                .position(|&r| r == target)
                .filter(|_| !write);
            let name = format!(
                "{}/{}/{}",
                name_of(usize::from(load.region.0)),
                ds.name,
                if write { "write" } else { "read" }
            );
            sources.push(Source {
                client: usize::from(load.region.0) * nd + d,
                dataset: d,
                write,
                replica_stream: replica.map(|i| first_stream[d] + i),
                interarrival: Dist::exponential_nanos(1e9 / rate).expect("checked rate"),
                access: load.access_delay.clone(),
                to_db: net.delay(load.region, target).clone(),
                from_db: net.delay(target, load.region).clone(),
                uniform_keys: ds.keys,
                table: tables[d].clone(),
                rng_arrivals: stream(seed, run, &format!("arrivals/{name}")),
                rng_keys: stream(seed, run, &format!("keys/{name}")),
                rng_network: stream(seed, run, &format!("request-network/{name}")),
            });
        }
    }
    let pairs = scenario.regions.len() * nd;
    let bounds: Vec<u64> = scenario.staleness_bounds.iter().map(|&b| ns(b)).collect();
    let mut read_hist: Vec<Option<Histogram<u64>>> = (0..pairs).map(|_| None).collect();
    let mut write_hist: Vec<Option<Histogram<u64>>> = (0..pairs).map(|_| None).collect();
    let mut reads = vec![0u64; pairs];
    let mut writes = vec![0u64; pairs];
    let mut stale = vec![vec![0u64; bounds.len()]; pairs];
    let buckets = scenario.buckets() as u32;
    let mut bucket_reads = vec![0u64; buckets as usize];
    let warmup = ns(scenario.warmup);
    let end = warmup + ns(scenario.duration);
    let width = ns(scenario.bucket);

    // The queue: a binary heap ordered by (time, sequence). An event that
    // schedules a successor overwrites its own entry (one sift down) rather
    // than popping it and pushing another; the top is popped only when the
    // event schedules nothing. Same order as pop-then-push: sequence numbers
    // are unique.
    let mut heap: BinaryHeap<Reverse<(u64, u64, Ev)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut next_seq = || {
        seq += 1;
        seq - 1
    };
    // Each source's next key is drawn one arrival early and its alias
    // column prefetched; at the arrival, the replica state its request
    // will touch is prefetched (a network delay before it is read), as
    // regionsim does.
    let draw_key = |s: &mut Source| {
        let draw = s.rng_keys.next_u64();
        if let Some(t) = &s.table {
            t.prefetch(draw);
        }
        draw
    };
    for (i, s) in sources.iter_mut().enumerate() {
        let at = ns(s.interarrival.sample(&mut s.rng_arrivals));
        let key_draw = draw_key(s);
        if at < end {
            heap.push(Reverse((
                at,
                next_seq(),
                Ev::Arrival {
                    source: i as u16,
                    key_draw,
                },
            )));
        }
    }
    heap.push(Reverse((
        warmup + width.min(end - warmup),
        next_seq(),
        Ev::Sample { bucket: 0 },
    )));
    let mut events = 0u64;
    let mut pending: Vec<(u64, u64, Ev)> = Vec::new();
    loop {
        let Some(top) = heap.peek_mut() else { break };
        let Reverse((now, _, ev)) = *top;
        // The successor, if the handler schedules one: it takes the top's
        // place.
        let mut then: Option<(u64, u64, Ev)> = None;
        let mut also: Option<(u64, u64, Ev)> = None;
        events += 1;
        match ev {
            Ev::Arrival { source, key_draw } => {
                let s = &mut sources[usize::from(source)];
                let key = match &s.table {
                    Some(t) => t.index_of(key_draw),
                    None => ((u128::from(key_draw) * u128::from(s.uniform_keys)) >> 64) as u32,
                };
                match (s.write, s.replica_stream) {
                    (true, _) => {
                        for st in &streams[first_stream[s.dataset]..first_stream[s.dataset + 1]] {
                            crate::engine::prefetch(&st.keys[key as usize]);
                        }
                    }
                    (false, Some(st)) => crate::engine::prefetch(&streams[st].keys[key as usize]),
                    (false, None) => {}
                }
                let at_db = now
                    + ns(s.access.sample(&mut s.rng_network))
                    + ns(s.to_db.sample(&mut s.rng_network));
                let e = if s.write {
                    Ev::Commit {
                        source,
                        key,
                        sent: now,
                    }
                } else {
                    Ev::Read {
                        source,
                        key,
                        sent: now,
                    }
                };
                also = Some((at_db, next_seq(), e));
                let next = now + ns(s.interarrival.sample(&mut s.rng_arrivals));
                if next < end {
                    let key_draw = draw_key(s);
                    then = Some((next, next_seq(), Ev::Arrival { source, key_draw }));
                }
            }
            Ev::Commit { source, key, sent } => {
                let s = &mut sources[usize::from(source)];
                let back = ns(s.from_db.sample(&mut s.rng_network))
                    + ns(s.access.sample(&mut s.rng_network));
                if (warmup..end).contains(&sent) {
                    writes[s.client] += 1;
                    record(
                        write_hist[s.client].get_or_insert_with(histogram),
                        now + back - sent,
                    );
                }
                let range = first_stream[s.dataset]..first_stream[s.dataset + 1];
                for (i, st) in streams[range.clone()].iter_mut().enumerate() {
                    let i = range.start + i;
                    let arrival = (now + ns(st.link.sample(&mut st.rng_link))).max(st.last_arrival);
                    let start = arrival.max(st.last_applied);
                    let applied = start + ns(st.apply.sample(&mut st.rng_apply));
                    st.last_arrival = arrival;
                    st.last_applied = applied;
                    let (oldest, last_seq) = &mut st.keys[key as usize];
                    if *last_seq >= st.head_seq {
                        let at = (*last_seq - st.head_seq) as usize;
                        st.queue[at].next_commit = now;
                    } else {
                        *oldest = now;
                    }
                    *last_seq = st.head_seq + st.queue.len() as u64;
                    st.queue.push_back(Msg {
                        key,
                        commit: now,
                        next_commit: NEVER,
                        wait: start - arrival,
                        applied,
                    });
                    if st.queue.len() == 1 {
                        let e = (applied, next_seq(), Ev::Apply { stream: i as u16 });
                        if then.is_none() {
                            then = Some(e);
                        } else {
                            // A write starts at most one apply per
                            // replica: the second and later go in after.
                            pending.push(e);
                        }
                    }
                }
            }
            Ev::Read { source, key, sent } => {
                let s = &mut sources[usize::from(source)];
                let back = ns(s.from_db.sample(&mut s.rng_network))
                    + ns(s.access.sample(&mut s.rng_network));
                if (warmup..end).contains(&sent) {
                    let c = s.client;
                    reads[c] += 1;
                    bucket_reads[((sent - warmup) / width) as usize] += 1;
                    record(
                        read_hist[c].get_or_insert_with(histogram),
                        now + back - sent,
                    );
                    if let Some(st) = s.replica_stream {
                        let oldest = streams[st].keys[key as usize].0;
                        if oldest <= now {
                            for (k, &b) in bounds.iter().enumerate() {
                                if now - oldest >= b {
                                    stale[c][k] += 1;
                                }
                            }
                        }
                    }
                }
            }
            Ev::Apply { stream: i } => {
                let st = &mut streams[usize::from(i)];
                let m = st.queue.pop_front().expect("a message in flight");
                st.head_seq += 1;
                st.keys[m.key as usize].0 = m.next_commit;
                if m.commit >= warmup {
                    record(&mut st.lag, now - m.commit);
                    record(&mut st.wait, m.wait);
                    st.lag_count += 1;
                    st.lag_sum += u128::from(now - m.commit);
                }
                if let Some(head) = st.queue.front() {
                    then = Some((head.applied, next_seq(), Ev::Apply { stream: i }));
                }
            }
            Ev::Sample { bucket } => {
                for st in &mut streams {
                    st.current[bucket as usize] = st.queue.front().map_or(0, |h| now - h.commit);
                }
                if bucket + 1 < buckets {
                    then = Some((
                        (now + width).min(end),
                        next_seq(),
                        Ev::Sample { bucket: bucket + 1 },
                    ));
                }
            }
        }
        // Sequence numbers were taken in scheduling order, so where an
        // event sits in the heap does not change the order.
        match then {
            Some(e) => {
                let mut top = top;
                *top = Reverse(e);
            }
            None => {
                std::collections::binary_heap::PeekMut::pop(top);
            }
        }
        if let Some(e) = also {
            heap.push(Reverse(e));
        }
        for e in pending.drain(..) {
            heap.push(Reverse(e));
        }
    }
    Totals {
        events,
        reads,
        writes,
        stale,
        lag: streams.iter().map(|s| (s.lag_count, s.lag_sum)).collect(),
    }
}

/// The same totals from regionsim's own run, for the comparison.
pub fn totals_of(scenario: &Scenario, m: &crate::metrics::RunMetrics) -> Totals {
    let pairs = m.clients.len();
    let edge_of = |b: Duration| {
        m.staleness
            .edges
            .iter()
            .position(|&e| e == b)
            .expect("every bound is an edge")
    };
    Totals {
        events: m.events,
        reads: (0..pairs).map(|c| m.clients[c].reads.count()).collect(),
        writes: (0..pairs).map(|c| m.clients[c].writes.count()).collect(),
        stale: (0..pairs)
            .map(|c| {
                scenario
                    .staleness_bounds
                    .iter()
                    .map(|&b| {
                        if m.clients[c].stale_by_age.is_empty() {
                            0
                        } else {
                            m.clients[c].stale_at_least(edge_of(b))
                        }
                    })
                    .collect()
            })
            .collect(),
        lag: m
            .replicas
            .iter()
            .flatten()
            .map(|r| (r.lag.count(), r.lag.sum_ns()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Same streams, same order: the hand-written loop and regionsim count
    /// exactly the same events, reads, writes, stale reads and lags.
    #[test]
    fn the_loop_and_regionsim_agree_exactly() {
        let yaml = include_str!("../../scenarios/reference.yaml");
        let plan = crate::scenario::plan_from_str(
            yaml,
            std::path::Path::new("reference.yaml"),
            &[crate::scenario::Set::parse("duration=20s").unwrap()],
            crate::metrics::figure_shape,
        )
        .unwrap();
        let s = plan.base();
        let ours = totals_of(s, &crate::model::World::run(s, 0));
        let loop_ = run(s, 0);
        assert!(ours.events > 100_000, "{}", ours.events);
        assert!(ours.stale.iter().flatten().sum::<u64>() > 100);
        assert_eq!(ours, loop_);
    }
}
