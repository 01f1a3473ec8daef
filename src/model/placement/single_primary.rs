//! Single-primary placement: one region takes every write; replicas serve
//! the reads of their region and are fed by FIFO replication streams.
//!
//! # Replication
//! A stream from the primary to a replica is a reliable FIFO connection
//! over the [network](crate::model::net): message i arrives at
//! `max(arrival[i-1], commit[i] + delay)`, then waits for the replica's
//! apply [station](crate::model::station) (one server): it starts at
//! `max(arrival[i], done[i-1])` and is applied after a sampled service time.
//! Both recursions are computed when the write commits; the in-flight
//! messages are kept in order and one `Apply` event per stream is queued at
//! a time, for the head message. A message whose link is down, or whose
//! replica is down, waits in the stream, in order, until
//! [`SinglePrimary::resume`] sends it. A replica that goes down takes back
//! what it had not applied ([`SinglePrimary::node_down`]).
//!
//! # Acknowledgement
//! - `async`: the primary acknowledges at commit.
//! - `semi-sync` with `acks: k`: once k replicas have received the write
//!   (MySQL's AFTER_SYNC): each replica's acknowledgement is a message back
//!   over its own FIFO connection, and the write is acknowledged when the
//!   k-th arrives. If that would take longer than `timeout`, the primary
//!   acknowledges at commit + timeout and falls back to async; it returns
//!   to semi-sync when k replicas have acknowledged its newest write (they
//!   caught up), which the next commit notices.
//! - `sync`: once every replica has applied the write and its
//!   acknowledgement has come back.
//!
//! A write acknowledged before any replica received it is counted: a
//! failover at that moment would lose it.
//!
//! # Staleness
//! For each (replica, key) the model keeps the commit time of the oldest
//! write not yet applied there. A read at time t is stale at bound T iff
//! that commit time is at or before t - T: then a write committed at or
//! before t - T is missing from the version the read returns (DESIGN.md,
//! Stale read). Reads at the primary are never stale.

use super::super::net::{LinkId, Network};
use super::super::station::Station;
use super::super::{Ctx, Event as WorldEvent, Trace};
use super::ReadServer;
use crate::engine::{prefetch, stream, Duration, SimRng, Time};
use crate::metrics::RunMetrics;
use crate::scenario::{DatasetId, RegionId, Replication, Scenario};
use std::collections::VecDeque;

/// The events of single-primary datasets.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// The head message of replication stream `stream` (of the dataset)
    /// has been applied at its replica. Scheduled when a message becomes
    /// the head of its stream.
    /// `gen` is the stream's generation when it was scheduled: a replica
    /// that goes down takes back what it had not applied, and the `Apply`
    /// already queued for it no longer counts.
    Apply { dataset: u16, stream: u16, gen: u16 },
}

/// One replicated write in flight from the primary to a replica.
struct Message {
    key: u32,
    commit: Time,
    /// Commit time of the next write to the same key, if it is in flight
    /// behind this one; `Time::NEVER` otherwise.
    next_commit: Time,
    wait: Duration,
    /// When it is applied; `Time::NEVER` while it waits for its link.
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

/// Where a message sent at commit got to.
struct Sent {
    /// Received at the replica (`Time::NEVER`: waiting for its link).
    arrival: Time,
    /// Applied at the replica.
    applied: Time,
    /// It is the head of the stream: its `Apply` must be scheduled.
    head: bool,
}

/// Primary to one replica: the FIFO connection and the apply queue behind
/// it, and the acknowledgements coming back.
struct ReplicationStream {
    /// The replica's region.
    replica: RegionId,
    /// Bumped when the head's queued `Apply` is taken back.
    gen: u16,
    link: LinkId,
    back: LinkId,
    /// The replica's single apply thread.
    apply: Station,
    rng_link: SimRng,
    rng_apply: SimRng,
    rng_ack: SimRng,
    last_arrival: Time,
    /// Arrival at the primary of the newest acknowledgement.
    last_ack: Time,
    /// Writes applied here so far.
    applied: u64,
    in_flight: VecDeque<Message>,
    /// Index in `in_flight` of the first message waiting for the link
    /// (`in_flight.len()` when none is).
    held_from: usize,
    /// Sequence number of the head of `in_flight` (the first is 1).
    head_seq: u64,
    /// Per key replication state, one cache line touch per key.
    keys: Vec<KeyState>,
}

impl ReplicationStream {
    /// Queues the write of `key` committed at `commit`, sent now.
    #[inline]
    fn send(&mut self, commit: Time, key: u32, bytes: u32, net: &mut Network) -> Sent {
        let ks = &mut self.keys[key as usize];
        if ks.last_seq >= self.head_seq {
            // An older write of this key is still in flight: it learns who
            // follows it, and the key's oldest unapplied commit is unchanged.
            self.in_flight[(ks.last_seq - self.head_seq) as usize].next_commit = commit;
        } else {
            ks.oldest_unapplied = commit;
        }
        ks.last_seq = self.head_seq + self.in_flight.len() as u64;
        self.in_flight.push_back(Message {
            key,
            commit,
            next_commit: Time::NEVER,
            wait: Duration::ZERO,
            applied: Time::NEVER,
        });
        if self.held_from + 1 < self.in_flight.len() {
            // Older messages wait for the link: this one waits behind them.
            return Sent {
                arrival: Time::NEVER,
                applied: Time::NEVER,
                head: false,
            };
        }
        self.transmit(self.in_flight.len() - 1, commit, bytes, net)
    }

    /// Sends message `i` at `now`; it is the first not yet on its way.
    #[inline]
    fn transmit(&mut self, i: usize, now: Time, bytes: u32, net: &mut Network) -> Sent {
        let delivered = if net.db_up(self.replica) {
            net.deliver(self.link, now, bytes, &mut self.rng_link)
        } else {
            None
        };
        let Some(at) = delivered else {
            self.held_from = i;
            return Sent {
                arrival: Time::NEVER,
                applied: Time::NEVER,
                head: false,
            };
        };
        let arrival = at.max(self.last_arrival);
        self.last_arrival = arrival;
        let service = self
            .apply
            .admit(arrival, &mut self.rng_apply)
            .expect("an apply queue has no limit");
        let m = &mut self.in_flight[i];
        m.wait = service.wait(arrival);
        m.applied = service.done;
        self.held_from = i + 1;
        Sent {
            arrival,
            applied: service.done,
            head: i == 0,
        }
    }

    /// When the replica's acknowledgement of a message it has at `at`
    /// reaches the primary (FIFO, like the messages).
    #[inline]
    fn ack(&mut self, at: Time, net: &mut Network) -> Time {
        if at == Time::NEVER {
            return Time::NEVER;
        }
        let back = net.deliver(self.back, at, 0, &mut self.rng_ack);
        let arrives = back.unwrap_or(Time::NEVER).max(self.last_ack);
        self.last_ack = arrives;
        arrives
    }

    /// The replica went down at `now`: what it had not applied is taken
    /// back, to be sent again when it is up (its relay log is gone; the
    /// stream resumes from the last write it applied). True when the head's
    /// queued `Apply` was taken back.
    fn take_back(&mut self, now: Time) -> bool {
        let Some(first) = self.in_flight.iter().position(|m| m.applied > now) else {
            return false;
        };
        for m in self.in_flight.range_mut(first..self.held_from) {
            m.applied = Time::NEVER;
            m.wait = Duration::ZERO;
        }
        self.held_from = self.held_from.min(first);
        self.apply.abandon(now);
        self.last_arrival = self.last_arrival.min(now);
        if first == 0 {
            self.gen = self.gen.wrapping_add(1);
        }
        first == 0
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

/// The acknowledgement times of one write, one per replica: a fixed buffer
/// so that a commit allocates nothing.
struct Acks {
    times: Vec<Time>,
}

impl Acks {
    /// The `k`-th earliest (1-based) of the times.
    fn kth(&mut self, k: usize) -> Time {
        let (_, t, _) = self.times.select_nth_unstable(k - 1);
        *t
    }
}

/// One single-primary dataset.
pub struct SinglePrimary {
    dataset: DatasetId,
    primary: RegionId,
    replicas: Vec<RegionId>,
    mode: Replication,
    record_bytes: u32,
    streams: Vec<ReplicationStream>,
    acks: Acks,
    /// Writes committed so far.
    commits: u64,
    /// Semi-sync: since when the primary has fallen back to async.
    fallback_since: Option<Time>,
    /// Semi-sync: when the k-th acknowledgement of the newest write
    /// reached the primary.
    newest_quorum: Time,
}

impl SinglePrimary {
    /// Dataset `d` of `scenario` in run `run`.
    pub fn new(scenario: &Scenario, d: DatasetId, net: &Network, run: u64) -> SinglePrimary {
        let ds = &scenario.datasets[usize::from(d.0)];
        let seed = scenario.seed;
        let streams = ds
            .replicas
            .iter()
            .map(|&r| {
                let name = format!("{}/{}", ds.name, scenario.regions[usize::from(r.0)].name);
                ReplicationStream {
                    replica: r,
                    gen: 0,
                    link: net.link(ds.primary, r),
                    back: net.link(r, ds.primary),
                    apply: Station::new(ds.apply_time.clone(), 1, None),
                    rng_link: stream(seed, run, &format!("replication-link/{name}")),
                    rng_apply: stream(seed, run, &format!("apply-queue/{name}")),
                    rng_ack: stream(seed, run, &format!("replication-ack/{name}")),
                    last_arrival: Time::ZERO,
                    last_ack: Time::ZERO,
                    applied: 0,
                    in_flight: VecDeque::new(),
                    held_from: 0,
                    head_seq: 1,
                    keys: vec![
                        KeyState {
                            oldest_unapplied: Time::NEVER,
                            last_seq: 0,
                        };
                        ds.keys as usize
                    ],
                }
            })
            .collect();
        SinglePrimary {
            dataset: d,
            primary: ds.primary,
            replicas: ds.replicas.clone(),
            mode: ds.replication,
            record_bytes: ds.record_bytes,
            streams,
            acks: Acks {
                times: vec![Time::NEVER; ds.replicas.len()],
            },
            commits: 0,
            fallback_since: None,
            newest_quorum: Time::ZERO,
        }
    }

    /// The region that takes writes.
    pub fn write_node(&self) -> RegionId {
        self.primary
    }

    /// Where the reads of users in `client` go: the local replica if there
    /// is one, else the primary.
    pub fn read_node(&self, client: RegionId) -> (RegionId, ReadServer) {
        match self.replicas.iter().position(|&r| r == client) {
            Some(i) => (client, ReadServer::Replica(i as u16)),
            None => (self.primary, ReadServer::Primary),
        }
    }

    /// Loads the state a request for `key` will touch (a read served by
    /// `read`, or a write when `None`).
    #[inline]
    pub fn prefetch(&self, key: u32, read: Option<ReadServer>) {
        match read {
            Some(ReadServer::Replica(i)) => {
                prefetch(&self.streams[usize::from(i)].keys[key as usize])
            }
            Some(ReadServer::Primary) => {}
            None => {
                for st in &self.streams {
                    prefetch(&st.keys[key as usize]);
                }
            }
        }
    }

    /// A read of `key` served at `now` by `server`: the staleness age if it
    /// missed a write committed at or before now.
    #[inline]
    pub fn on_read(&self, now: Time, key: u32, server: ReadServer) -> Option<Duration> {
        match server {
            ReadServer::Primary => None,
            ReadServer::Replica(i) => {
                let oldest = self.streams[usize::from(i)].keys[key as usize].oldest_unapplied;
                (oldest <= now).then(|| now.since(oldest))
            }
        }
    }

    /// A write of `key` reaches the primary at `now` and commits; returns
    /// when the primary acknowledges it (`Time::NEVER`: not while a
    /// replica it waits for is cut off).
    #[inline]
    pub fn on_write(&mut self, now: Time, key: u32, ctx: &mut Ctx) -> Time {
        self.commits += 1;
        let measured = now >= ctx.warmup;
        let mut first_received = Time::NEVER;
        let d = self.dataset.0;
        for (i, st) in self.streams.iter_mut().enumerate() {
            let sent = st.send(now, key, self.record_bytes, ctx.net);
            if sent.head {
                ctx.sched.schedule(sent.applied, apply(d, i, st.gen));
            }
            first_received = first_received.min(sent.arrival);
            match self.mode {
                Replication::Async => {}
                Replication::SemiSync { .. } => self.acks.times[i] = st.ack(sent.arrival, ctx.net),
                Replication::Sync => self.acks.times[i] = st.ack(sent.applied, ctx.net),
            }
        }
        let acked = match self.mode {
            Replication::Async => now,
            Replication::Sync => self.acks.times.iter().copied().max().unwrap_or(now),
            Replication::SemiSync { acks, timeout } => {
                let quorum = self.acks.kth(usize::from(acks));
                self.semi_sync_ack(now, quorum, timeout, ctx)
            }
        };
        if measured {
            let dm = &mut ctx.metrics.writes[usize::from(d)];
            dm.commits += 1;
            if acked < first_received {
                dm.unreplicated_acks += 1;
            }
        }
        if let Some(trace) = ctx.trace.as_mut() {
            trace.push(Trace::Acked {
                dataset: d,
                seq: self.commits,
                at: acked,
            });
        }
        acked
    }

    /// Semi-sync: when the write committed at `now`, whose k-th
    /// acknowledgement reaches the primary at `quorum`, is acknowledged.
    fn semi_sync_ack(&mut self, now: Time, quorum: Time, timeout: Duration, ctx: &mut Ctx) -> Time {
        let previous = std::mem::replace(&mut self.newest_quorum, quorum);
        if let Some(since) = self.fallback_since {
            if previous > now {
                // The replicas have not caught up: still async.
                return now;
            }
            // They caught up when the newest write's acks were in.
            ctx.metrics.writes[usize::from(self.dataset.0)].fallback +=
                clipped(since, previous, ctx.warmup, ctx.end);
            self.fallback_since = None;
        }
        let limit = now + timeout;
        if quorum <= limit {
            return quorum;
        }
        self.fallback_since = Some(limit);
        if (ctx.warmup..ctx.end).contains(&limit) {
            ctx.metrics.writes[usize::from(self.dataset.0)].fallbacks += 1;
        }
        limit
    }

    /// Handles one of the dataset's events.
    #[inline]
    pub fn on_event(&mut self, now: Time, event: Event, ctx: &mut Ctx) {
        match event {
            Event::Apply { stream, gen, .. } => {
                let st = &mut self.streams[usize::from(stream)];
                if gen != st.gen {
                    // Its message was taken back when the replica went down.
                    return;
                }
                let m = st
                    .in_flight
                    .pop_front()
                    .expect("an Apply event is queued only for a message in flight");
                st.held_from -= 1;
                if let Some(trace) = ctx.trace.as_mut() {
                    trace.push(Trace::Applied {
                        dataset: self.dataset.0,
                        replica: stream,
                        seq: st.head_seq,
                        at: now,
                    });
                }
                st.head_seq += 1;
                st.applied += 1;
                st.keys[m.key as usize].oldest_unapplied = m.next_commit;
                if m.commit >= ctx.warmup {
                    let rm =
                        &mut ctx.metrics.replicas[usize::from(self.dataset.0)][usize::from(stream)];
                    rm.lag.record(now.since(m.commit));
                    rm.apply_wait.record(m.wait);
                }
                if let Some(head) = st.in_flight.front() {
                    if head.applied != Time::NEVER {
                        ctx.sched.schedule(
                            head.applied,
                            apply(self.dataset.0, usize::from(stream), st.gen),
                        );
                    }
                }
            }
        }
    }

    /// A link came up or a database node came back at `now`: the messages
    /// that waited are sent, in order, where they now can be.
    pub fn resume(&mut self, now: Time, ctx: &mut Ctx) {
        if !ctx.net.db_up(self.primary) {
            return;
        }
        for (i, st) in self.streams.iter_mut().enumerate() {
            while st.held_from < st.in_flight.len() {
                let sent = st.transmit(st.held_from, now, self.record_bytes, ctx.net);
                if sent.arrival == Time::NEVER {
                    break;
                }
                if sent.head {
                    ctx.sched
                        .schedule(sent.applied, apply(self.dataset.0, i, st.gen));
                }
            }
        }
    }

    /// The database nodes of `region` went down at `now`: a replica there
    /// takes back what it had not applied.
    pub fn node_down(&mut self, region: RegionId, now: Time) {
        for st in &mut self.streams {
            if st.replica == region {
                st.take_back(now);
            }
        }
    }

    /// End of bucket `bucket` at `now`: each replica's current lag.
    pub fn sample(&self, now: Time, bucket: usize, metrics: &mut RunMetrics) {
        for (i, st) in self.streams.iter().enumerate() {
            metrics.replicas[usize::from(self.dataset.0)][i].current_lag[bucket] =
                st.current_lag(now);
        }
    }

    /// The run ended at `end`: a fallback still going counts up to it.
    pub fn finish(&mut self, end: Time, warmup: Time, metrics: &mut RunMetrics) {
        if let Some(since) = self.fallback_since.take() {
            metrics.writes[usize::from(self.dataset.0)].fallback +=
                clipped(since, self.newest_quorum, warmup, end);
        }
    }

    /// Writes committed, and per stream (applied, in flight or waiting).
    pub fn audit(&self) -> (u64, Vec<(u64, u64)>) {
        (
            self.commits,
            self.streams
                .iter()
                .map(|st| (st.applied, st.in_flight.len() as u64))
                .collect(),
        )
    }
}

/// The event that applies the head message of stream `stream` of `dataset`.
#[inline]
fn apply(dataset: u16, stream: usize, gen: u16) -> WorldEvent {
    WorldEvent::Data(super::Event::SinglePrimary(Event::Apply {
        dataset,
        stream: stream as u16,
        gen,
    }))
}

/// The part of `[from, to)` inside the measured span `[start, end)`.
fn clipped(from: Time, to: Time, start: Time, end: Time) -> Duration {
    to.min(end).since(from.max(start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_time_counts_only_inside_the_measured_span() {
        let t = |ns| Time::from_nanos(ns);
        assert_eq!(clipped(t(1), t(10), t(2), t(8)), Duration::from_nanos(6));
        assert_eq!(clipped(t(9), t(12), t(2), t(8)), Duration::ZERO);
        assert_eq!(clipped(t(0), t(1), t(2), t(8)), Duration::ZERO);
    }
}
