//! The simulated world for the single-primary slice: clients in every
//! region read and write datasets; writes go to the primary and commit;
//! FIFO replication streams carry them to replicas, where a single-server
//! apply queue applies them; reads are served by the local replica when the
//! client's region has one, else by the primary.
//!
//! # Timing of one request
//! A request crosses four one-way delays: user to the region's app tier
//! (`access_delay`), app to the serving database node (the network's delay
//! for that pair, the intra-region delay when local), and the same two back.
//! Only the moment the request reaches the database is an event, because
//! only there does it meet shared state; the return legs are sampled then
//! and the latency recorded at once.
//!
//! # Replication
//! A stream from the primary to a replica is FIFO like a TCP connection:
//! message i arrives at `max(arrival[i-1], commit[i] + delay)`, then waits
//! for the replica's single apply server: it starts at
//! `max(arrival[i], done[i-1])` and is applied after a sampled service
//! time. Both recursions are computed when the write commits; the in-flight
//! messages are kept in order and one `Apply` event per stream is queued at
//! a time, for the head message.
//!
//! # Staleness
//! For each (replica, key) the model keeps the commit time of the oldest
//! write not yet applied there. A read at time t is stale at bound T iff that
//! commit time is at or before t - T: then a write committed at or before
//! t - T is missing from the version the read returns (DESIGN.md, Stale
//! read). Reads at the primary are never stale.

use crate::engine::{stream, Dist, Duration, Model, Scheduler, SimRng, Simulation, Time};
use crate::metrics::RunMetrics;
use crate::scenario::{DatasetId, Popularity, RegionId, Scenario};
use rand::RngExt;
use rand_distr::{Distribution, Zipf};
use std::collections::VecDeque;

/// Everything that happens in a run.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// A client source issues its next request. Scheduled at its first
    /// inter-arrival time, then by each arrival for the next, until the end
    /// of the measured span.
    Arrival { source: u16 },
    /// A write reaches its dataset's primary and commits. Scheduled by the
    /// arrival that sent it.
    Commit { source: u16, key: u32, sent: Time },
    /// A read reaches the node that serves it. Scheduled by its arrival.
    Read { source: u16, key: u32, sent: Time },
    /// The head message of a replication stream has been applied at the
    /// replica. Scheduled when a message becomes the head of its stream.
    Apply { stream: u16 },
    /// End of time bucket `bucket`: sample each replica's current lag.
    /// Scheduled at the end of the warm-up, then by each sample.
    Sample { bucket: u32 },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Read,
    Write,
}

enum KeyChooser {
    Uniform(u32),
    Zipf(Zipf<f64>),
}

impl KeyChooser {
    #[inline]
    fn choose(&self, rng: &mut SimRng) -> u32 {
        match self {
            KeyChooser::Uniform(n) => rng.random_range(0..*n),
            // Zipf ranks run from 1 to n; rank 1 is key 0, the hottest.
            KeyChooser::Zipf(z) => z.sample(rng) as u32 - 1,
        }
    }
}

/// A Poisson stream of one operation from one client region to one dataset.
struct Source {
    region: RegionId,
    dataset: DatasetId,
    op: Op,
    /// Replication stream of the replica that serves this source's reads;
    /// `None` when the primary serves them (and for writes).
    replica_stream: Option<u16>,
    interarrival: Dist,
    access: Dist,
    to_db: Dist,
    from_db: Dist,
    keys: KeyChooser,
    rng_arrivals: SimRng,
    rng_keys: SimRng,
    rng_network: SimRng,
}

/// One replicated write in flight from the primary to a replica.
struct Message {
    key: u32,
    commit: Time,
    /// Commit time of the next write to the same key, if it is in flight
    /// behind this one; `Time::NEVER` otherwise.
    next_commit: Time,
    wait: Duration,
    applied: Time,
}

/// Primary to one replica: the FIFO link and the apply queue behind it.
struct ReplicationStream {
    dataset: DatasetId,
    replica: usize,
    link: Dist,
    apply_time: Dist,
    rng_link: SimRng,
    rng_apply: SimRng,
    last_arrival: Time,
    last_applied: Time,
    in_flight: VecDeque<Message>,
    /// Sequence number of the head of `in_flight` (the first is 1).
    head_seq: u64,
    /// Per key: commit time of the oldest write not yet applied here.
    oldest_unapplied: Vec<Time>,
    /// Per key: sequence number of its newest message (0: none yet).
    last_seq: Vec<u64>,
}

impl ReplicationStream {
    /// Queues the write of `key` committed `now`; true if it became the head.
    #[inline]
    fn send(&mut self, now: Time, key: u32) -> bool {
        let arrival = (now + self.link.sample(&mut self.rng_link)).max(self.last_arrival);
        let start = arrival.max(self.last_applied);
        let applied = start + self.apply_time.sample(&mut self.rng_apply);
        self.last_arrival = arrival;
        self.last_applied = applied;
        let k = key as usize;
        let prev = self.last_seq[k];
        if prev >= self.head_seq {
            // An older write of this key is still in flight: it learns who
            // follows it, and the key's oldest unapplied commit is unchanged.
            self.in_flight[(prev - self.head_seq) as usize].next_commit = now;
        } else {
            self.oldest_unapplied[k] = now;
        }
        self.last_seq[k] = self.head_seq + self.in_flight.len() as u64;
        self.in_flight.push_back(Message {
            key,
            commit: now,
            next_commit: Time::NEVER,
            wait: start.since(arrival),
            applied,
        });
        self.in_flight.len() == 1
    }

    /// Lag a monitoring probe would read at `now`: how long the oldest
    /// write not yet applied here has been committed, 0 when caught up. The
    /// replica shows the primary's state as of just before that commit.
    fn current_lag(&self, now: Time) -> Duration {
        self.in_flight
            .front()
            .map_or(Duration::ZERO, |head| now.since(head.commit))
    }
}

/// The world of one run.
pub struct World {
    sources: Vec<Source>,
    streams: Vec<ReplicationStream>,
    /// Streams of each dataset: `streams_of[d]` is a range of `streams`.
    streams_of: Vec<std::ops::Range<usize>>,
    bounds: Vec<Duration>,
    warmup: Time,
    end: Time,
    bucket: Duration,
    buckets: u32,
    metrics: RunMetrics,
}

impl World {
    /// Builds run `run` of `scenario`, and its initial events.
    pub fn new(scenario: &Scenario, run: u64) -> Simulation<World> {
        let seed = scenario.seed;
        let net = &scenario.network;
        let region_name = |r: RegionId| scenario.regions[usize::from(r.0)].name.as_str();
        let mut streams = Vec::new();
        let mut streams_of = Vec::new();
        for (d, ds) in scenario.datasets.iter().enumerate() {
            let first = streams.len();
            for (i, &r) in ds.replicas.iter().enumerate() {
                let name = format!("{}/{}", ds.name, region_name(r));
                streams.push(ReplicationStream {
                    dataset: DatasetId(d as u16),
                    replica: i,
                    link: net.delay(ds.primary, r).clone(),
                    apply_time: ds.apply_time.clone(),
                    rng_link: stream(seed, run, &format!("replication-link/{name}")),
                    rng_apply: stream(seed, run, &format!("apply-queue/{name}")),
                    last_arrival: Time::ZERO,
                    last_applied: Time::ZERO,
                    in_flight: VecDeque::new(),
                    head_seq: 1,
                    oldest_unapplied: vec![Time::NEVER; ds.keys as usize],
                    last_seq: vec![0; ds.keys as usize],
                });
            }
            streams_of.push(first..streams.len());
        }
        let mut sources = Vec::new();
        for load in &scenario.workload {
            let ds = &scenario.datasets[usize::from(load.dataset.0)];
            for (op, rate) in [(Op::Read, load.reads_per_s), (Op::Write, load.writes_per_s)] {
                if rate <= 0.0 {
                    continue;
                }
                let replica = ds.replica_in(load.region).filter(|_| op == Op::Read);
                let target = match replica {
                    Some(i) => ds.replicas[i],
                    None => ds.primary,
                };
                let name = format!(
                    "{}/{}/{}",
                    region_name(load.region),
                    ds.name,
                    if op == Op::Read { "read" } else { "write" }
                );
                let mean_gap = Duration::from_nanos((1e9 / rate).round().max(1.0) as u64);
                sources.push(Source {
                    region: load.region,
                    dataset: load.dataset,
                    op,
                    replica_stream: replica
                        .map(|i| (streams_of[usize::from(load.dataset.0)].start + i) as u16),
                    interarrival: Dist::shifted_exponential(Duration::ZERO, mean_gap)
                        .expect("positive mean"),
                    access: load.access_delay.clone(),
                    to_db: net.delay(load.region, target).clone(),
                    from_db: net.delay(target, load.region).clone(),
                    keys: match ds.popularity {
                        Popularity::Uniform => KeyChooser::Uniform(ds.keys),
                        Popularity::Zipf(s) => KeyChooser::Zipf(
                            Zipf::new(f64::from(ds.keys), s).expect("checked when loaded"),
                        ),
                    },
                    rng_arrivals: stream(seed, run, &format!("arrivals/{name}")),
                    rng_keys: stream(seed, run, &format!("keys/{name}")),
                    rng_network: stream(seed, run, &format!("request-network/{name}")),
                });
            }
        }
        let buckets = scenario.buckets();
        let replica_counts: Vec<usize> =
            scenario.datasets.iter().map(|d| d.replicas.len()).collect();
        let warmup = Time::ZERO + scenario.warmup;
        let world = World {
            metrics: RunMetrics::new(
                scenario.regions.len(),
                &replica_counts,
                scenario.staleness_bounds.len(),
                buckets,
            ),
            sources,
            streams,
            streams_of,
            bounds: scenario.staleness_bounds.clone(),
            warmup,
            end: warmup + scenario.duration,
            bucket: scenario.bucket,
            buckets: buckets as u32,
        };
        let mut sim = Simulation::new(world);
        let first_arrivals: Vec<(Time, u16)> = {
            sim.model_mut()
                .sources
                .iter_mut()
                .enumerate()
                .map(|(i, s)| {
                    (
                        Time::ZERO + s.interarrival.sample(&mut s.rng_arrivals),
                        i as u16,
                    )
                })
                .collect()
        };
        let end = sim.model().end;
        for (t, source) in first_arrivals {
            if t < end {
                sim.scheduler().schedule(t, Event::Arrival { source });
            }
        }
        let first_sample = warmup + scenario.bucket.min(scenario.duration);
        sim.scheduler()
            .schedule(first_sample, Event::Sample { bucket: 0 });
        sim
    }

    /// Runs `scenario`'s run `run` to completion and returns what it measured.
    pub fn run(scenario: &Scenario, run: u64) -> RunMetrics {
        let mut sim = World::new(scenario, run);
        sim.run_to_completion();
        let events = sim.events();
        let mut metrics = sim.into_model().metrics;
        metrics.events = events;
        metrics
    }

    /// Bucket of a request sent at `sent`, if it is inside the measured span.
    #[inline]
    fn bucket_of(&self, sent: Time) -> Option<usize> {
        let since = sent.checked_sub(self.warmup.since(Time::ZERO))?;
        let b = (since.as_nanos() / self.bucket.as_nanos()) as usize;
        (sent < self.end).then_some(b)
    }
}

impl Model for World {
    type Event = Event;

    fn handle(&mut self, now: Time, event: Event, sched: &mut Scheduler<Event>) {
        match event {
            Event::Arrival { source } => {
                let s = &mut self.sources[usize::from(source)];
                let key = s.keys.choose(&mut s.rng_keys);
                let at_db =
                    now + s.access.sample(&mut s.rng_network) + s.to_db.sample(&mut s.rng_network);
                let ev = match s.op {
                    Op::Read => Event::Read {
                        source,
                        key,
                        sent: now,
                    },
                    Op::Write => Event::Commit {
                        source,
                        key,
                        sent: now,
                    },
                };
                sched.schedule(at_db, ev);
                let next = now + s.interarrival.sample(&mut s.rng_arrivals);
                if next < self.end {
                    sched.schedule(next, Event::Arrival { source });
                }
            }
            Event::Commit { source, key, sent } => {
                let s = &mut self.sources[usize::from(source)];
                let back =
                    s.from_db.sample(&mut s.rng_network) + s.access.sample(&mut s.rng_network);
                let (region, dataset) = (usize::from(s.region.0), usize::from(s.dataset.0));
                if let Some(b) = self.bucket_of(sent) {
                    self.metrics.clients[region]
                        .writes
                        .record((now + back).since(sent));
                    self.metrics.timeline.writes[b] += 1;
                }
                for i in self.streams_of[dataset].clone() {
                    let st = &mut self.streams[i];
                    if st.send(now, key) {
                        let at = st.in_flight.back().map(|m| m.applied).unwrap_or(now);
                        sched.schedule(at, Event::Apply { stream: i as u16 });
                    }
                }
            }
            Event::Read { source, key, sent } => {
                let s = &mut self.sources[usize::from(source)];
                let back =
                    s.from_db.sample(&mut s.rng_network) + s.access.sample(&mut s.rng_network);
                let region = usize::from(s.region.0);
                let oldest = s
                    .replica_stream
                    .map(|st| self.streams[usize::from(st)].oldest_unapplied[key as usize]);
                if let Some(b) = self.bucket_of(sent) {
                    let client = &mut self.metrics.clients[region];
                    client.reads.record((now + back).since(sent));
                    self.metrics.timeline.reads[b] += 1;
                    if let Some(oldest) = oldest {
                        for (k, &bound) in self.bounds.iter().enumerate() {
                            if now
                                .checked_sub(bound)
                                .is_some_and(|cutoff| oldest <= cutoff)
                            {
                                client.stale_reads[k] += 1;
                                self.metrics.timeline.stale_reads[b * self.bounds.len() + k] += 1;
                            }
                        }
                    }
                }
            }
            Event::Apply { stream } => {
                let st = &mut self.streams[usize::from(stream)];
                let m = st
                    .in_flight
                    .pop_front()
                    .expect("an Apply event is queued only for a message in flight");
                st.head_seq += 1;
                st.oldest_unapplied[m.key as usize] = m.next_commit;
                if m.commit >= self.warmup {
                    let rm = &mut self.metrics.replicas[usize::from(st.dataset.0)][st.replica];
                    rm.lag.record(now.since(m.commit));
                    rm.apply_wait.record(m.wait);
                }
                if let Some(head) = st.in_flight.front() {
                    sched.schedule(head.applied, Event::Apply { stream });
                }
            }
            Event::Sample { bucket } => {
                for st in &self.streams {
                    let lag = st.current_lag(now);
                    self.metrics.replicas[usize::from(st.dataset.0)][st.replica].current_lag_ns
                        [bucket as usize] = u128::from(lag.as_nanos());
                }
                let next = bucket + 1;
                if next < self.buckets {
                    let at = (now + self.bucket).min(self.end);
                    sched.schedule(at, Event::Sample { bucket: next });
                }
            }
        }
    }
}
