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

use crate::engine::{
    prefetch, stream, AliasTable, Dist, Duration, Model, Scheduler, SimRng, Simulation, Time,
};
use crate::metrics::RunMetrics;
use crate::scenario::{DatasetId, Popularity, RegionId, Scenario};
use rand::Rng;
use station::Station;
use std::collections::VecDeque;
use std::sync::Arc;

pub mod station;

/// How often a run reports progress: every 2^16 events (a few
/// milliseconds).
pub const CHECK_EVERY: u64 = 1 << 16;

/// Everything that happens in a run.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// A client source issues its next request. Scheduled at its first
    /// inter-arrival time, then by each arrival for the next, until the end
    /// of the measured span. `key_draw` is the random number that picks the
    /// request's key, drawn one arrival early so its memory can be
    /// prefetched.
    Arrival { source: u16, key_draw: u64 },
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

// Every queued event is a 16-byte key and an `Event`: at 16 bytes an entry
// is half a cache line. A variant that grows it (a payload belongs in a
// table, referenced by index) fails the build here.
const _: () = assert!(std::mem::size_of::<Event>() <= 16);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Read,
    Write,
}

#[derive(Clone)]
enum KeyChooser {
    Uniform(u32),
    Table(Arc<AliasTable>),
}

impl KeyChooser {
    /// The key picked by the 64-bit random number `draw`.
    #[inline]
    fn key_of(&self, draw: u64) -> u32 {
        match self {
            // High part of draw * n: uniform on 0..n up to 2^-64 bias.
            KeyChooser::Uniform(n) => ((u128::from(draw) * u128::from(*n)) >> 64) as u32,
            KeyChooser::Table(t) => t.index_of(draw),
        }
    }

    #[inline]
    fn prefetch(&self, draw: u64) {
        if let KeyChooser::Table(t) = self {
            t.prefetch(draw);
        }
    }
}

/// A Poisson stream of one operation from one client region to one dataset.
struct Source {
    /// Index into the run's client metrics: (region, dataset).
    client: usize,
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

/// What a replica stream tracks for one key.
#[derive(Clone, Copy)]
struct KeyState {
    /// Commit time of the oldest write of the key not yet applied here
    /// (`Time::NEVER` when the replica has them all).
    oldest_unapplied: Time,
    /// Sequence number of the key's newest message (0: none yet).
    last_seq: u64,
}

/// Primary to one replica: the FIFO link and the apply queue behind it.
struct ReplicationStream {
    dataset: DatasetId,
    replica: usize,
    link: Dist,
    /// The replica's single apply thread.
    apply: Station,
    rng_link: SimRng,
    rng_apply: SimRng,
    last_arrival: Time,
    /// Writes applied here so far.
    applied: u64,
    in_flight: VecDeque<Message>,
    /// Sequence number of the head of `in_flight` (the first is 1).
    head_seq: u64,
    /// Per key replication state, one cache line touch per key.
    keys: Vec<KeyState>,
}

impl ReplicationStream {
    /// Queues the write of `key` committed `now`; true if it became the head.
    #[inline]
    fn send(&mut self, now: Time, key: u32) -> bool {
        let arrival = (now + self.link.sample(&mut self.rng_link)).max(self.last_arrival);
        let service = self
            .apply
            .admit(arrival, &mut self.rng_apply)
            .expect("an apply queue has no limit");
        self.last_arrival = arrival;
        let ks = &mut self.keys[key as usize];
        if ks.last_seq >= self.head_seq {
            // An older write of this key is still in flight: it learns who
            // follows it, and the key's oldest unapplied commit is unchanged.
            self.in_flight[(ks.last_seq - self.head_seq) as usize].next_commit = now;
        } else {
            ks.oldest_unapplied = now;
        }
        ks.last_seq = self.head_seq + self.in_flight.len() as u64;
        self.in_flight.push_back(Message {
            key,
            commit: now,
            next_commit: Time::NEVER,
            wait: service.wait(arrival),
            applied: service.done,
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
    /// Writes committed so far, per dataset.
    commits: Vec<u64>,
    warmup: Time,
    end: Time,
    bucket: Duration,
    buckets: u32,
    metrics: RunMetrics,
}

/// Where every committed write is, for checks that none is lost: at each
/// replica stream, every write of its dataset is applied or in flight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Audit {
    /// Writes committed per dataset.
    pub commits: Vec<u64>,
    /// Per replication stream: (dataset index, writes applied, writes in
    /// flight or waiting to be applied).
    pub streams: Vec<(usize, u64, u64)>,
}

impl World {
    /// Builds run `run` of `scenario`, and its initial events.
    pub fn new(scenario: &Scenario, run: u64) -> Simulation<World> {
        let seed = scenario.seed;
        let net = &scenario.network;
        let region_name = |r: RegionId| scenario.regions[usize::from(r.0)].name.as_str();
        // Key tables first: building one needs several times its size for
        // a moment, better before the replica state than beside it.
        let key_choosers: Vec<KeyChooser> = scenario
            .datasets
            .iter()
            .map(|ds| match &ds.popularity {
                Popularity::Uniform => KeyChooser::Uniform(ds.keys),
                Popularity::Zipf { table, s } => {
                    KeyChooser::Table(Popularity::zipf_table(table, ds.keys, *s))
                }
            })
            .collect();
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
                    apply: Station::new(ds.apply_time.clone(), 1, None),
                    rng_link: stream(seed, run, &format!("replication-link/{name}")),
                    rng_apply: stream(seed, run, &format!("apply-queue/{name}")),
                    last_arrival: Time::ZERO,
                    applied: 0,
                    in_flight: VecDeque::new(),
                    head_seq: 1,
                    keys: vec![
                        KeyState {
                            oldest_unapplied: Time::NEVER,
                            last_seq: 0,
                        };
                        ds.keys as usize
                    ],
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

                sources.push(Source {
                    client: usize::from(load.region.0) * scenario.datasets.len()
                        + usize::from(load.dataset.0),
                    dataset: load.dataset,
                    op,
                    replica_stream: replica
                        .map(|i| (streams_of[usize::from(load.dataset.0)].start + i) as u16),
                    interarrival: Dist::exponential_nanos(1e9 / rate)
                        .expect("rates are checked positive and finite"),
                    access: load.access_delay.clone(),
                    to_db: net.delay(load.region, target).clone(),
                    from_db: net.delay(target, load.region).clone(),
                    keys: key_choosers[usize::from(load.dataset.0)].clone(),
                    rng_arrivals: stream(seed, run, &format!("arrivals/{name}")),
                    rng_keys: stream(seed, run, &format!("keys/{name}")),
                    rng_network: stream(seed, run, &format!("request-network/{name}")),
                });
            }
        }
        let buckets = scenario.buckets();
        let warmup = Time::ZERO + scenario.warmup;
        let world = World {
            metrics: RunMetrics::for_scenario(scenario),
            sources,
            streams,
            streams_of,
            commits: vec![0; scenario.datasets.len()],
            warmup,
            end: warmup + scenario.duration,
            bucket: scenario.bucket,
            buckets: buckets as u32,
        };
        let mut sim = Simulation::new(world);
        let end = sim.model().end;
        let first_arrivals: Vec<(Time, Event)> = sim
            .model_mut()
            .sources
            .iter_mut()
            .enumerate()
            .map(|(i, s)| {
                let at = Time::ZERO + s.interarrival.sample(&mut s.rng_arrivals);
                let key_draw = s.rng_keys.next_u64();
                let source = i as u16;
                (at, Event::Arrival { source, key_draw })
            })
            .collect();
        for (t, ev) in first_arrivals {
            if t < end {
                sim.scheduler().schedule(t, ev);
            }
        }
        let first_sample = warmup + scenario.bucket.min(scenario.duration);
        sim.scheduler()
            .schedule(first_sample, Event::Sample { bucket: 0 });
        sim
    }

    /// Runs `scenario`'s run `run` to completion and returns what it measured.
    pub fn run(scenario: &Scenario, run: u64) -> RunMetrics {
        World::run_checked(scenario, run, |_| true).expect("never stopped")
    }

    /// [`World::run`], telling `keep_going` how many events have run every
    /// [`CHECK_EVERY`] events; `None` if it answered false.
    pub fn run_checked(
        scenario: &Scenario,
        run: u64,
        keep_going: impl FnMut(u64) -> bool,
    ) -> Option<RunMetrics> {
        let mut sim = World::new(scenario, run);
        if !sim.run_checked(CHECK_EVERY, keep_going) {
            return None;
        }
        let events = sim.events();
        let mut metrics = sim.into_model().metrics;
        metrics.events = events;
        Some(metrics)
    }

    /// End of a bucket: each replica's current lag. Rare; kept out of the
    /// handler's code so that the frequent events inline well.
    #[inline(never)]
    fn sample(&mut self, now: Time, bucket: u32, sched: &mut Scheduler<Event>) {
        for st in &self.streams {
            let lag = st.current_lag(now);
            self.metrics.replicas[usize::from(st.dataset.0)][st.replica].current_lag
                [bucket as usize] = lag;
        }
        let next = bucket + 1;
        if next < self.buckets {
            let at = (now + self.bucket).min(self.end);
            sched.schedule(at, Event::Sample { bucket: next });
        }
    }

    /// Where every committed write is now.
    pub fn audit(&self) -> Audit {
        Audit {
            commits: self.commits.clone(),
            streams: self
                .streams
                .iter()
                .map(|st| {
                    (
                        usize::from(st.dataset.0),
                        st.applied,
                        st.in_flight.len() as u64,
                    )
                })
                .collect(),
        }
    }

    /// Bucket of a request sent at `sent`, if it is inside the measured span.
    #[inline]
    fn bucket_of(&self, sent: Time) -> Option<usize> {
        (self.warmup..self.end)
            .contains(&sent)
            .then(|| (sent.since(self.warmup).as_nanos() / self.bucket.as_nanos()) as usize)
    }
}

impl Model for World {
    type Event = Event;

    fn handle(&mut self, now: Time, event: Event, sched: &mut Scheduler<Event>) {
        match event {
            Event::Arrival { source, key_draw } => {
                let s = &mut self.sources[usize::from(source)];
                let key = s.keys.key_of(key_draw);
                // The request will touch this key's replication state.
                let touched = match (s.op, s.replica_stream) {
                    (Op::Read, Some(st)) => usize::from(st)..usize::from(st) + 1,
                    (Op::Read, None) => 0..0,
                    (Op::Write, _) => self.streams_of[usize::from(s.dataset.0)].clone(),
                };
                for st in &self.streams[touched] {
                    prefetch(&st.keys[key as usize]);
                }
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
                    let key_draw = s.rng_keys.next_u64();
                    s.keys.prefetch(key_draw);
                    sched.schedule(next, Event::Arrival { source, key_draw });
                }
            }
            Event::Commit { source, key, sent } => {
                let s = &mut self.sources[usize::from(source)];
                let back =
                    s.from_db.sample(&mut s.rng_network) + s.access.sample(&mut s.rng_network);
                let (client, dataset) = (s.client, usize::from(s.dataset.0));
                self.commits[dataset] += 1;
                if let Some(b) = self.bucket_of(sent) {
                    self.metrics.clients[client]
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
                let client_index = s.client;
                let oldest = s
                    .replica_stream
                    .map(|st| self.streams[usize::from(st)].keys[key as usize].oldest_unapplied);
                if let Some(b) = self.bucket_of(sent) {
                    // Stale iff a write committed at or before now is not
                    // applied here; its age decides every bound at once.
                    let age = oldest.filter(|&o| o <= now).map(|o| now.since(o));
                    self.metrics
                        .record_read(client_index, b, (now + back).since(sent), age);
                }
            }
            Event::Apply { stream } => {
                let st = &mut self.streams[usize::from(stream)];
                let m = st
                    .in_flight
                    .pop_front()
                    .expect("an Apply event is queued only for a message in flight");
                st.head_seq += 1;
                st.applied += 1;
                st.keys[m.key as usize].oldest_unapplied = m.next_commit;
                if m.commit >= self.warmup {
                    let rm = &mut self.metrics.replicas[usize::from(st.dataset.0)][st.replica];
                    rm.lag.record(now.since(m.commit));
                    rm.apply_wait.record(m.wait);
                }
                if let Some(head) = st.in_flight.front() {
                    sched.schedule(head.applied, Event::Apply { stream });
                }
            }
            Event::Sample { bucket } => self.sample(now, bucket, sched),
        }
    }
}
