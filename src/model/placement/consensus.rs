//! Consensus groups (Raft, Multi-Paxos), a steady group: the leader
//! persists each write and sends it to every other voter over its FIFO
//! channel (the link, then the voter's log threads: `apply_time`); each
//! voter acknowledges once it has persisted it. The write commits at the
//! leader when a majority of the voters (the leader among them) has it,
//! and is acknowledged to its client then. A follower applies a committed
//! write once it has it and has heard of the commit (the leader tells it
//! at once, over the link), in log order.
//!
//! Reads at the leader are lease reads: everything committed is applied
//! there. `follower` reads serve the nearest voter's applied state (its
//! staleness measured like any replica's); `follower-strong` reads ask the
//! leader for its commit index (one round trip) and wait until the voter
//! has applied it (Raft's ReadIndex).
//!
//! Each leg is decided when it is sent (DESIGN.md). Elections are not
//! modelled yet: the scenario refuses failures that reach a voter.

use super::super::net::{LinkId, Network};
use super::super::replication::{Channel, KeyedQueue, Queued};
use super::super::station::Station;
use super::super::{Ctx, Event as WorldEvent};
use super::{Answer, QuorumRead, ReadServer};
use crate::engine::{stream, Duration, SimRng, Time};
use crate::metrics::RunMetrics;
use crate::scenario::{ConsensusReads, DatasetId, RegionId, Scenario};

/// The events of consensus datasets.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// The head entry of follower stream `stream` is applied.
    Apply { dataset: u16, stream: u16 },
}

/// A committed write on its way to a follower.
struct Entry {
    key: u32,
    commit: Time,
    next_commit: Time,
    /// When the leader took it (for the lag), and its
    /// wait for a log thread.
    taken: Time,
    wait: Duration,
    applied: Time,
}

impl Queued for Entry {
    fn key(&self) -> u32 {
        self.key
    }
    fn commit(&self) -> Time {
        self.commit
    }
    fn next_commit(&mut self) -> &mut Time {
        &mut self.next_commit
    }
    fn applied(&self) -> Time {
        self.applied
    }
}

/// The leader to one other voter.
struct Follower {
    /// The voter's index.
    to: usize,
    channel: Channel,
    /// Its acknowledgements, the leader's commit notices and read-index
    /// answers back (their own draws).
    back: LinkId,
    out: LinkId,
    rng: SimRng,
    queue: KeyedQueue<Entry>,
    /// When the newest entry is applied (in log order).
    last_applied: Time,
    applied: u64,
}

/// A strong follower read in progress: its stage and attempt.
#[derive(Clone, Copy)]
struct Strong {
    attempt: u8,
    start: Time,
    /// Asked the leader's commit index: the time it answered from.
    index_at: Time,
    /// The voter has applied it: answered.
    done: bool,
}

/// One consensus dataset.
pub struct Consensus {
    dataset: DatasetId,
    voters: Vec<RegionId>,
    leader: usize,
    majority: usize,
    reads: ConsensusReads,
    record_bytes: u32,
    /// The leader's own log threads.
    own_log: Station,
    own_rng: SimRng,
    /// Per voter index, its stream (`None` for the leader).
    stream_of: Vec<Option<usize>>,
    followers: Vec<Follower>,
    strong: Vec<Option<Strong>>,
    /// Scratch of each write: the acknowledgements, and per follower when
    /// it persisted the entry and its wait (kept to allocate nothing).
    acks: Vec<Time>,
    persisted: Vec<(Time, Duration)>,
    commits: u64,
    residency: Option<std::sync::Arc<crate::scenario::Residency>>,
}

impl Consensus {
    /// Consensus dataset `d` of `scenario`, placed as `c`, in run `run`.
    pub fn new(
        scenario: &Scenario,
        d: DatasetId,
        c: &crate::scenario::Consensus,
        net: &Network,
        run: u64,
    ) -> Consensus {
        let ds = &scenario.datasets[usize::from(d.0)];
        let l = c.voters[c.leader];
        let span = (
            Time::ZERO + scenario.warmup,
            Time::ZERO + scenario.warmup + scenario.duration,
        );
        let region_name = |r: RegionId| scenario.regions[usize::from(r.0)].name.as_str();
        let mut own_log = Station::new(ds.apply_time.clone(), ds.apply_threads as usize, None);
        own_log.measure(span.0, span.1);
        let mut followers = Vec::new();
        let mut stream_of = vec![None; c.voters.len()];
        let dense = super::super::replication::dense(ds.keys, c.voters.len().max(2) - 1);
        for (i, &v) in c.voters.iter().enumerate() {
            if i == c.leader {
                continue;
            }
            let name = format!("{}/{}", ds.name, region_name(v));
            stream_of[i] = Some(followers.len());
            followers.push(Follower {
                to: i,
                channel: Channel::new(
                    &name,
                    (scenario.seed, run),
                    v,
                    net.link(l, v),
                    &ds.apply_time,
                    ds.apply_threads as usize,
                    span,
                ),
                back: net.link(v, l),
                out: net.link(l, v),
                rng: stream(scenario.seed, run, &format!("consensus-messages/{name}")),
                queue: KeyedQueue::with_layout(ds.keys, dense),
                last_applied: Time::ZERO,
                applied: 0,
            });
        }
        Consensus {
            dataset: d,
            voters: c.voters.clone(),
            leader: c.leader,
            majority: c.majority(),
            reads: c.reads,
            record_bytes: ds.record_bytes,
            own_log,
            own_rng: stream(
                scenario.seed,
                run,
                &format!("consensus-log/{}/{}", ds.name, region_name(l)),
            ),
            stream_of,
            followers,
            strong: Vec::new(),
            acks: Vec::with_capacity(c.voters.len()),
            persisted: Vec::with_capacity(c.voters.len()),
            commits: 0,
            residency: scenario.residency.clone().filter(|_| ds.restricted),
        }
    }

    /// Whether a read may be answered later: a strong follower read.
    pub fn reads_later(&self) -> bool {
        self.reads == ConsensusReads::FollowerStrong
    }

    /// The voter in `region`.
    fn voter_in(&self, region: RegionId) -> Option<usize> {
        self.voters.iter().position(|&r| r == region)
    }

    /// The voter nearest `app` (its own if it has one).
    fn nearest(&self, app: RegionId, net: &Network) -> usize {
        if let Some(i) = self.voter_in(app) {
            return i;
        }
        let trip =
            |r: RegionId| net.mean_delay(net.link(app, r)) + net.mean_delay(net.link(r, app));
        (0..self.voters.len())
            .min_by(|&a, &b| trip(self.voters[a]).total_cmp(&trip(self.voters[b])))
            .unwrap_or(self.leader)
    }

    /// A write of `key` comes to rest in `region`: a residency violation
    /// if it may not be there.
    fn rests(&self, key: u32, region: RegionId, ctx: &mut Ctx) {
        if let Some(r) = &self.residency {
            if !r.allows(key, region) {
                ctx.metrics
                    .record_residency_violation(usize::from(self.dataset.0));
            }
        }
    }

    /// The follower stream of the voter a read server names.
    fn stream(&self, server: ReadServer) -> Option<&Follower> {
        match server {
            ReadServer::Primary => None,
            ReadServer::Replica(i) => self
                .stream_of
                .get(usize::from(i))
                .copied()
                .flatten()
                .map(|k| &self.followers[k]),
        }
    }
}

/// The event applying the head entry of stream `stream` of `dataset`.
fn apply(dataset: u16, stream: usize) -> WorldEvent {
    WorldEvent::Data(super::Event::Consensus(Event::Apply {
        dataset,
        stream: stream as u16,
    }))
}

impl super::Strategy for Consensus {
    type Event = Event;

    /// Reads are linearizable at the leader and after a read index; a
    /// follower's own state is what it is.
    fn answer(
        &self,
        _server: ReadServer,
        _key: u32,
        _write: (RegionId, Time),
        _now: Time,
        _hold: Option<Duration>,
    ) -> Answer {
        Answer::Serve
    }

    fn residency(&self) -> Option<&crate::scenario::Residency> {
        self.residency.as_deref()
    }

    fn shard_of(&self, _user: u32) -> usize {
        0
    }

    fn serves(&self, _key: u32, region: RegionId, server: ReadServer) -> bool {
        match server {
            ReadServer::Primary => region == self.voters[self.leader],
            ReadServer::Replica(i) => self.voters.get(usize::from(i)) == Some(&region),
        }
    }

    fn server_in(&self, _key: u32, region: RegionId) -> Option<ReadServer> {
        let i = self.voter_in(region)?;
        Some(if i == self.leader {
            ReadServer::Primary
        } else {
            ReadServer::Replica(i as u16)
        })
    }

    /// A follower read's key state (a write's is looked up at commit).
    #[inline]
    fn prefetch(&self, key: u32, read: Option<ReadServer>) {
        if let Some(f) = read.and_then(|r| self.stream(r)) {
            f.queue.prefetch(key);
        }
    }

    /// The oldest committed write the voter has not applied (the leader
    /// has applied every committed one).
    fn on_read(&self, key: u32, server: ReadServer) -> Time {
        self.stream(server)
            .map_or(Time::NEVER, |f| f.queue.oldest_unapplied(key))
    }

    /// A strong follower read: first the leader's commit index (a round
    /// trip), then until the voter has applied it.
    fn quorum_read(
        &mut self,
        now: Time,
        _key: u32,
        server: ReadServer,
        (req, attempt): (u32, u8),
        ctx: &mut Ctx,
    ) -> QuorumRead {
        if self.reads != ConsensusReads::FollowerStrong {
            return QuorumRead::Serve;
        }
        let Some(k) = (match server {
            ReadServer::Primary => None,
            ReadServer::Replica(i) => self.stream_of.get(usize::from(i)).copied().flatten(),
        }) else {
            // At the leader: a lease read.
            return QuorumRead::Serve;
        };
        let slot = req as usize;
        if self.strong.len() <= slot {
            self.strong.resize(slot + 1, None);
        }
        match self.strong[slot] {
            Some(s) if s.attempt == attempt && s.done => {
                self.strong[slot] = None;
                QuorumRead::Done {
                    start: s.start,
                    oldest: Time::NEVER,
                    frontier: Time::NEVER,
                }
            }
            Some(s) if s.attempt == attempt => {
                // The leader's answer: the voter waits until it has
                // applied every write committed by then.
                let f = &self.followers[k];
                let applied = f
                    .queue
                    .in_flight
                    .iter()
                    .take_while(|e| e.commit <= s.index_at)
                    .map(|e| e.applied)
                    .max()
                    .unwrap_or(now);
                self.strong[slot] = Some(Strong { done: true, ..s });
                QuorumRead::Later(applied.max(now))
            }
            _ => {
                let f = &mut self.followers[k];
                let Some(there) = ctx.net.transit(f.back, now, 64, &mut f.rng) else {
                    return QuorumRead::Unavailable;
                };
                let Some(back) = ctx.net.transit(f.out, there, 64, &mut f.rng) else {
                    return QuorumRead::Unavailable;
                };
                self.strong[slot] = Some(Strong {
                    attempt,
                    start: now,
                    index_at: there,
                    done: false,
                });
                QuorumRead::Later(back)
            }
        }
    }

    fn forget_read(&mut self, req: u32) {
        if let Some(s) = self.strong.get_mut(req as usize) {
            *s = None;
        }
    }

    /// Whether the voter `server` has not applied the write committed at
    /// `commit` (the leader has every committed write).
    fn missed(&self, server: ReadServer, key: u32, _node: RegionId, commit: Time) -> bool {
        self.stream(server)
            .is_some_and(|f| f.queue.oldest_unapplied(key) <= commit)
    }

    /// A write of `key` reaches the leader in `node` at `now`: persisted
    /// there and sent to every other voter; committed and acknowledged at
    /// the majority-th persist (`Time::NEVER`: not at the leader, or no
    /// majority reachable).
    fn on_write(
        &mut self,
        now: Time,
        key: u32,
        node: RegionId,
        _ticket: Option<super::Ticket>,
        ctx: &mut Ctx,
    ) -> Time {
        if node != self.voters[self.leader] {
            return Time::NEVER;
        }
        let own = self
            .own_log
            .admit(now, ctx.net.apply_factor(node), &mut self.own_rng)
            .expect("a log has no limit");
        self.acks.clear();
        self.acks.push(own.done);
        self.persisted.clear();
        for f in &mut self.followers {
            let Some(c) = f.channel.carry(now, self.record_bytes, false, ctx.net) else {
                self.persisted.push((Time::NEVER, Duration::ZERO));
                continue;
            };
            self.persisted.push((c.applied, c.wait));
            if let Some(ack) = ctx.net.transit(f.back, c.applied, 64, &mut f.rng) {
                self.acks.push(ack);
            }
        }
        if self.acks.len() < self.majority {
            return Time::NEVER;
        }
        let (_, &mut commit, _) = self.acks.select_nth_unstable(self.majority - 1);
        self.commits += 1;
        let measured = (ctx.warmup..ctx.end).contains(&now);
        if measured {
            ctx.metrics
                .record_commit(usize::from(self.dataset.0), self.majority == 1);
        }
        if now >= ctx.warmup {
            self.rests(key, node, ctx);
        }
        // Each follower applies it once it has it and has heard of the
        // commit, in log order.
        let d = self.dataset.0;
        for k in 0..self.followers.len() {
            let (has, wait) = self.persisted[k];
            if has == Time::NEVER {
                continue;
            }
            let f = &mut self.followers[k];
            let heard = ctx
                .net
                .transit(f.out, commit, 64, &mut f.rng)
                .unwrap_or(Time::NEVER);
            if heard == Time::NEVER {
                continue;
            }
            let at = has.max(heard).max(f.last_applied);
            f.last_applied = at;
            // Only the head is queued in the run loop: the heap holds one
            // apply per follower, not one per entry in flight.
            if f.queue.in_flight.is_empty() {
                ctx.sched.schedule(at, apply(d, k));
            }
            f.queue.push(key, commit, |_| Entry {
                key,
                commit,
                next_commit: Time::NEVER,
                taken: now,
                wait,
                applied: at,
            });
        }
        commit
    }

    /// The head entry of a follower is applied.
    fn on_event(&mut self, now: Time, event: Event, ctx: &mut Ctx) {
        let Event::Apply { stream: k, .. } = event;
        let f = &mut self.followers[usize::from(k)];
        let e = f
            .queue
            .pop_front()
            .expect("an Apply is queued for each entry");
        f.applied += 1;
        if let Some(next) = f.queue.in_flight.front() {
            ctx.sched
                .schedule(next.applied, apply(self.dataset.0, usize::from(k)));
        }
        let to = f.to;
        if e.taken >= ctx.warmup {
            self.rests(e.key, self.voters[to], ctx);
            ctx.metrics
                .record_apply(usize::from(self.dataset.0), to, now.since(e.commit), e.wait);
        }
    }

    /// Entries are decided when sent: nothing waits.
    fn resume(&mut self, _now: Time, _ctx: &mut Ctx) {}

    fn link_down(&mut self, _link: LinkId, _now: Time) {}

    fn node_down(&mut self, _region: RegionId, _now: Time) {}

    fn node_up(&mut self, _region: RegionId, _now: Time, _ctx: &mut Ctx) {}

    /// Elections are not modelled yet (the scenario refuses failures that
    /// reach a voter).
    fn on_db_verdict(
        &mut self,
        _region: RegionId,
        _healthy: bool,
        _now: Time,
        _ctx: &mut Ctx,
    ) -> bool {
        false
    }

    /// Every write goes to the leader.
    fn write_node(&self, _shard: usize, _app: RegionId, _net: &Network) -> RegionId {
        self.voters[self.leader]
    }

    /// The leader, or the nearest voter.
    fn read_node(&self, _shard: usize, app: RegionId, net: &Network) -> (RegionId, ReadServer) {
        let i = match self.reads {
            ConsensusReads::Leader => self.leader,
            ConsensusReads::Follower | ConsensusReads::FollowerStrong => self.nearest(app, net),
        };
        let server = if i == self.leader {
            ReadServer::Primary
        } else {
            ReadServer::Replica(i as u16)
        };
        (self.voters[i], server)
    }

    /// Each follower's current lag.
    fn sample(&self, now: Time, bucket: usize, metrics: &mut RunMetrics) {
        for f in &self.followers {
            metrics.record_current_lag(
                usize::from(self.dataset.0),
                f.to,
                bucket,
                f.queue.current_lag(now),
            );
        }
    }

    /// Log busy time per voter.
    fn finish(&mut self, _end: Time, _warmup: Time, metrics: &mut RunMetrics) {
        let d = usize::from(self.dataset.0);
        metrics.add_apply_busy(d, self.leader, self.own_log.busy());
        for f in &self.followers {
            metrics.add_apply_busy(d, f.to, f.channel.apply.busy());
        }
    }

    /// Writes committed, and per follower (applied, in flight).
    fn audit(&self) -> (u64, Vec<(u64, u64)>) {
        (
            self.commits,
            self.followers
                .iter()
                .map(|f| (f.applied, f.queue.in_flight.len() as u64))
                .collect(),
        )
    }
}
