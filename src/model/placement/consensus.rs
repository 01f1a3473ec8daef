//! Consensus groups (Raft, Multi-Paxos): the leader persists each write
//! and sends it to every other voter over its FIFO channel (the link, then
//! the voter's log threads: `apply_time`); each voter acknowledges once it
//! has persisted it. The write commits at the leader when a majority of
//! the voters (the leader among them) has it, and is acknowledged to its
//! client then. A follower applies a committed write once it has it and
//! has heard of the commit (the leader tells it at once, over the link),
//! in log order. An entry for a voter the leader cannot reach waits in
//! that voter's queue (so its staleness stays right) and goes when it can.
//!
//! Reads at the leader are lease reads: everything committed is applied
//! there. `follower` reads serve the nearest voter's applied state (its
//! staleness measured like any replica's); `follower-strong` reads ask the
//! leader for its commit index (one round trip) and wait until the voter
//! has applied it (Raft's ReadIndex).
//!
//! # Elections
//! When the leader's database goes down, or the leader can no longer
//! reach a majority of the voters, the others stop hearing from it: each
//! voter that is up waits its election timeout (drawn anew each time) and
//! stands. A candidate that can reach a majority (itself among them) of
//! voters that are up, and whose log is at least as long as each of
//! theirs, is elected once the majority-th vote is back (one round trip
//! to the voters, its own vote at once). Writes go nowhere meanwhile (the
//! old leader commits nothing without a majority: it is deposed). Clients
//! learn of the new leader at once (`routes_changed`). A candidate that
//! cannot win waits another timeout. With a `lease`, the new leader serves
//! only once the deposed leader's lease has run out (the lease's length
//! after the leader was deposed).
//!
//! Each leg is decided when it is sent (DESIGN.md).

use super::super::net::{LinkId, Network};
use super::super::replication::{Channel, KeyedQueue, Queued, ReadIndex, ReadIndexes};
use super::super::station::Station;
use super::super::{Ctx, Event as WorldEvent};
use super::{Answer, QuorumRead, ReadServer};
use crate::engine::{stream, Dist, Duration, SimRng, Time};
use crate::metrics::RunMetrics;
use crate::scenario::{ConsensusReads, DatasetId, RegionId, Scenario};

/// The events of consensus datasets.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// The head entry of voter `voter`'s queue is applied. (Datasets, at
    /// most 100, and voters, at most 64, fit a byte: the event stays
    /// within 8 bytes.)
    Apply { dataset: u8, voter: u8 },
    /// Voter `voter`'s election timeout of election `epoch` ran out.
    Stand { dataset: u8, voter: u8, epoch: u8 },
    /// Voter `voter` won election `epoch`.
    Elected { dataset: u8, voter: u8, epoch: u8 },
}

/// A committed write on its way to a follower.
struct Entry {
    key: u32,
    commit: Time,
    next_commit: Time,
    /// When the leader took it (for the lag), and its wait for a log
    /// thread.
    taken: Time,
    wait: Duration,
    /// When it is applied; `Time::NEVER` while it waits for the voter to
    /// be reachable.
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

/// One voter: its log threads (used when it leads), and the committed
/// writes it has not applied.
struct Voter {
    log: Station,
    log_rng: SimRng,
    queue: KeyedQueue<Entry>,
    /// When the newest entry sent to it is applied (in log order).
    last_applied: Time,
    /// Entries its log holds (every one sent to it).
    log_len: u64,
    applied: u64,
    /// Whether an `Apply` for its head entry is queued.
    scheduled: bool,
    /// Its election timeouts.
    timer_rng: SimRng,
    /// A witness's entries it could not be sent (it keeps no queue).
    held: u64,
    /// Its clock's uncertainty and draws (commit wait, when it leads).
    uncertainty: Option<Dist>,
    clock_rng: SimRng,
}

/// From one voter to another: the FIFO channel for entries, and the links
/// and draws of the messages besides (acknowledgements, commit notices,
/// votes, read indexes).
struct Pair {
    channel: Channel,
    out: LinkId,
    back: LinkId,
    rng: SimRng,
}

/// The writes an as-of read may miss: every commit not yet
/// `read_staleness` old, in log order, and per key how many there are
/// (empty unless reads are as-of).
struct AsOfWindow {
    log: std::collections::VecDeque<(Time, u32)>,
    count: Vec<u32>,
}

/// One consensus dataset.
pub struct Consensus {
    dataset: DatasetId,
    /// Every member's region: voters (`..voting`), non-voters
    /// (`..stores`), then witnesses.
    members: Vec<RegionId>,
    voting: usize,
    stores: usize,
    /// Who leads (`None` during an election), and the voter clients send
    /// their writes to (the last leader until a new one is elected).
    leader: Option<usize>,
    routed: usize,
    /// The preferred leader (the file's), and whether leadership is on
    /// its way back to it.
    preferred: usize,
    transfer: bool,
    majority: usize,
    reads: ConsensusReads,
    record_bytes: u32,
    election_timeout: Dist,
    lease: Option<Duration>,
    commit_wait: bool,
    /// `reads: global`: how far in the future a write's timestamp is.
    global_lead: Duration,
    /// The current election (timers of an earlier one are stale).
    epoch: u8,
    /// Since when the group has had no leader, if it has none.
    without_since: Option<Time>,
    /// Per voter index.
    state: Vec<Voter>,
    /// `from * n + to`.
    pairs: Vec<Pair>,
    /// Whether the two can talk, `from * n + to` (see `refresh`).
    talks: Vec<bool>,
    /// Per member: its zone in its region (from 1), and whether it is up
    /// (its region's database and its zone; see `refresh`).
    zone: Vec<u8>,
    zone_up: Vec<bool>,
    alive: Vec<bool>,
    strong: ReadIndexes,
    /// `reads: as-of`: the commits of the last `read_staleness` and more.
    window: AsOfWindow,
    read_staleness: Duration,
    /// Scratch of each write: the acknowledgements, and per voter when it
    /// persisted the entry and its wait (kept to allocate nothing).
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
        let span = (
            Time::ZERO + scenario.warmup,
            Time::ZERO + scenario.warmup + scenario.duration,
        );
        let region_name = |r: RegionId| scenario.regions[usize::from(r.0)].name.as_str();
        let members = c.members();
        let n = members.len();
        let dense = super::super::replication::dense(ds.keys, n.max(2) - 1);
        // Members of one region are told apart by their zone's index.
        let zone = |i: usize| {
            let r = members[i];
            let k = members[..i].iter().filter(|&&m| m == r).count();
            if members.iter().filter(|&&m| m == r).count() > 1 {
                format!("{}#{}", region_name(r), k + 1)
            } else {
                region_name(r).to_string()
            }
        };
        let state = (0..n)
            .map(|i| {
                let v = members[i];
                let mut log = Station::new(ds.apply_time.clone(), ds.apply_threads as usize, None);
                log.measure(span.0, span.1);
                let name = format!("{}/{}", ds.name, zone(i));
                Voter {
                    log,
                    log_rng: stream(scenario.seed, run, &format!("consensus-log/{name}")),
                    queue: KeyedQueue::with_layout(ds.keys, dense),
                    last_applied: Time::ZERO,
                    log_len: 0,
                    applied: 0,
                    scheduled: false,
                    timer_rng: stream(scenario.seed, run, &format!("consensus-timer/{name}")),
                    held: 0,
                    uncertainty: scenario.regions[usize::from(v.0)]
                        .uncertainty
                        .clone()
                        .or_else(|| c.uncertainty.clone()),
                    clock_rng: stream(scenario.seed, run, &format!("consensus-clock/{name}")),
                }
            })
            .collect();
        let mut pairs = Vec::with_capacity(n * n);
        for (i, &a) in members.iter().enumerate() {
            for (j, &b) in members.iter().enumerate() {
                let name = format!("{}/{}/{}", ds.name, zone(i), zone(j));
                pairs.push(Pair {
                    channel: Channel::new(
                        &name,
                        (scenario.seed, run),
                        b,
                        net.link(a, b),
                        &ds.apply_time,
                        ds.apply_threads as usize,
                        span,
                    ),
                    out: net.link(a, b),
                    back: net.link(b, a),
                    rng: stream(scenario.seed, run, &format!("consensus-messages/{name}")),
                });
            }
        }
        let zone = (0..n)
            .map(|i| (members[..=i].iter().filter(|&&m| m == members[i]).count()) as u8)
            .collect();
        let mut group = Consensus {
            dataset: d,
            voting: c.voters.len(),
            stores: c.voters.len() + c.non_voters.len(),
            members,
            leader: Some(c.leader),
            routed: c.leader,
            preferred: c.leader,
            transfer: false,
            majority: c.majority(),
            reads: c.reads,
            record_bytes: ds.record_bytes,
            election_timeout: c.election_timeout.clone(),
            lease: c.lease,
            commit_wait: c.commit_wait,
            global_lead: c
                .global_lead
                .unwrap_or_else(|| c.default_global_lead(scenario)),
            epoch: 0,
            without_since: None,
            state,
            talks: vec![false; n * n],
            zone,
            zone_up: vec![true; n],
            alive: vec![false; n],
            pairs,
            strong: ReadIndexes::default(),
            window: AsOfWindow {
                log: std::collections::VecDeque::new(),
                count: if c.reads == ConsensusReads::AsOf {
                    vec![0; ds.keys as usize]
                } else {
                    Vec::new()
                },
            },
            read_staleness: c.read_staleness,
            acks: Vec::with_capacity(n),
            persisted: Vec::with_capacity(n),
            commits: 0,
            residency: scenario.residency.clone().filter(|_| ds.restricted),
        };
        group.refresh(net);
        group
    }

    /// Whether a read may be answered later (a strong follower read), or
    /// is answered through [`Strategy::quorum_read`] (an as-of read, whose
    /// version depends on when it is made).
    pub fn reads_later(&self) -> bool {
        matches!(
            self.reads,
            ConsensusReads::FollowerStrong | ConsensusReads::AsOf
        )
    }

    /// `reads: as-of`: the commit of the first write of `key` after
    /// `since`, among those committed in the window kept (`Time::NEVER`:
    /// none). Drops what is older than `since` first.
    fn first_after(&mut self, key: u32, since: Time) -> Time {
        let w = &mut self.window;
        while let Some(&(commit, k)) = w.log.front() {
            if commit > since {
                break;
            }
            w.log.pop_front();
            w.count[k as usize] -= 1;
        }
        if w.count.get(key as usize).copied().unwrap_or(0) == 0 {
            return Time::NEVER;
        }
        // The key's writes in the window, in log order (a commit wait can
        // reorder commits slightly: the least of them, found once all
        // the key's are seen).
        let (mut left, mut least) = (w.count[key as usize], Time::NEVER);
        for &(c, k) in &w.log {
            if k == key {
                least = least.min(c);
                left -= 1;
                if left == 0 {
                    break;
                }
            }
        }
        least
    }

    /// Whether member `i` votes (a voter or a witness).
    fn votes(&self, i: usize) -> bool {
        i < self.voting || i >= self.stores
    }

    /// Whether members `a` and `b` can talk now (both up, links both
    /// ways), as of the last change of nodes or links.
    #[inline]
    fn talk(&self, a: usize, b: usize, _net: &Network) -> bool {
        self.talks[a * self.members.len() + b]
    }

    /// Who can talk to whom, after nodes or links changed (the world calls
    /// `resume` or `topology_changed` after each change, before anything
    /// else asks; a write asks twice per member, so it is looked up).
    fn refresh(&mut self, net: &Network) {
        let n = self.members.len();
        for i in 0..n {
            self.zone_up[i] = net.zone_up(self.members[i], self.zone[i]);
            self.alive[i] = net.db_up(self.members[i]) && self.zone_up[i];
        }
        for a in 0..n {
            for b in 0..n {
                let p = &self.pairs[a * n + b];
                self.talks[a * n + b] = self.alive[a]
                    && self.alive[b]
                    && (a == b || (net.state(p.out).up && net.state(p.back).up));
            }
        }
    }

    /// The mean round trip between members `a` and `b`.
    fn trip(&self, a: usize, b: usize, net: &Network) -> Duration {
        let p = &self.pairs[a * self.members.len() + b];
        Duration::from_nanos((net.mean_delay(p.out) + net.mean_delay(p.back)) as u64)
    }

    /// Voting members `v` can talk to now, itself among them if it votes.
    fn reach(&self, v: usize, net: &Network) -> usize {
        (0..self.members.len())
            .filter(|&u| self.votes(u) && self.talk(v, u, net))
            .count()
    }

    /// The voter nearest `app` whose database answers (its own if it has
    /// one).
    fn nearest(&self, app: RegionId, net: &Network) -> usize {
        super::nearest_copy(app, &self.members[..self.stores], net, |i| self.alive[i])
            .unwrap_or(self.routed)
    }

    /// A write of `key` comes to rest in `region`: a residency violation
    /// if it may not be there.
    fn rests(&self, key: u32, region: RegionId, ctx: &mut Ctx) {
        super::record_rest(self.residency.as_deref(), self.dataset, key, region, ctx);
    }

    /// The queue of the voter a read server names (`None`: the leader's,
    /// which has applied every committed write).
    #[inline]
    fn queue(&self, server: ReadServer) -> Option<&KeyedQueue<Entry>> {
        match server {
            ReadServer::Primary => None,
            ReadServer::Replica(i) => self.state.get(usize::from(i)).map(|v| &v.queue),
        }
    }

    /// The read server of voter `i`.
    fn server(&self, i: usize) -> ReadServer {
        if Some(i) == self.leader {
            ReadServer::Primary
        } else {
            ReadServer::Replica(i as u16)
        }
    }

    /// Queues the apply of voter `v`'s head entry, if it is known and none
    /// is queued.
    fn schedule_head(&mut self, v: usize, ctx: &mut Ctx) {
        let s = &mut self.state[v];
        if s.scheduled {
            return;
        }
        if let Some(head) = s
            .queue
            .in_flight
            .front()
            .filter(|e| e.applied != Time::NEVER)
        {
            s.scheduled = true;
            let e = WorldEvent::Data(super::Event::Consensus(Event::Apply {
                dataset: self.dataset.0 as u8,
                voter: v as u8,
            }));
            ctx.sched.schedule(head.applied, e);
        }
    }

    /// Sends member `v` what it holds but could not be sent, from leader
    /// `l` at `now`, if they can talk.
    fn catch_up(&mut self, l: usize, v: usize, now: Time, ctx: &mut Ctx) {
        if v == l || !self.talk(l, v, ctx.net) {
            return;
        }
        let n = self.members.len();
        let bytes = self.record_bytes;
        // Its log grows by what it was not sent.
        let held = std::mem::take(&mut self.state[v].held);
        self.state[v].log_len += held;
        if v >= self.stores {
            // A witness: the entries, through its log threads.
            let p = &mut self.pairs[l * n + v];
            for _ in 0..held {
                if p.channel.carry(now, bytes, false, ctx.net).is_none() {
                    break;
                }
            }
            return;
        }
        let held_from = self.state[v]
            .queue
            .in_flight
            .iter()
            .position(|e| e.applied == Time::NEVER);
        let Some(from) = held_from else { return };
        for i in from..self.state[v].queue.in_flight.len() {
            let commit = self.state[v].queue.in_flight[i].commit;
            let p = &mut self.pairs[l * n + v];
            let Some(c) = p.channel.carry(now, bytes, false, ctx.net) else {
                return;
            };
            let heard = ctx
                .net
                .transit(p.out, now, 64, &mut p.rng)
                .unwrap_or(c.applied);
            let s = &mut self.state[v];
            let at = c.applied.max(heard).max(commit).max(s.last_applied);
            s.last_applied = at;
            let e = &mut s.queue.in_flight[i];
            e.applied = at;
            e.wait = c.wait;
        }
        self.schedule_head(v, ctx);
    }

    /// The leader may have lost its majority, or the group its leader:
    /// the voters that are up wait their timeouts and stand.
    fn look(&mut self, now: Time, ctx: &mut Ctx) {
        if let Some(l) = self.leader {
            if self.reach(l, ctx.net) >= self.majority {
                // It leads on: what waited for a voter that is back goes.
                for v in 0..self.members.len() {
                    self.catch_up(l, v, now, ctx);
                }
                self.hand_back(l, now, ctx);
                return;
            }
            // Deposed: it commits nothing without a majority.
            self.leader = None;
            self.without_since = Some(now);
            ctx.metrics
                .record_detection(usize::from(self.dataset.0), now);
        } else if self.without_since.is_some() {
            // An election is on; a voter that came back joins it with a
            // timeout of its own below.
        }
        // An election (a transfer under way gives way to it).
        self.transfer = false;
        self.epoch = self.epoch.wrapping_add(1);
        self.all_wait_to_stand(now, ctx);
    }

    /// The voters that are up (witnesses and non-voters never lead) stand
    /// after their timeouts.
    fn all_wait_to_stand(&mut self, now: Time, ctx: &mut Ctx) {
        for v in 0..self.voting {
            if self.alive[v] {
                self.wait_to_stand(v, now, ctx);
            }
        }
    }

    /// Leadership goes back to the preferred voter once it is up and can
    /// reach a majority (CockroachDB's lease preferences, Spanner's default
    /// leader), as Raft transfers it: leader `l` leads on until the
    /// preferred voter has applied the backlog it was sent, then stops
    /// taking writes; the preferred voter stands once it has what was in
    /// flight (no election timeout, no lease to wait out).
    fn hand_back(&mut self, l: usize, now: Time, ctx: &mut Ctx) {
        let p = self.preferred;
        if self.transfer
            || l == p
            || !self.talk(l, p, ctx.net)
            || self.reach(p, ctx.net) < self.majority
        {
            return;
        }
        self.transfer = true;
        self.epoch = self.epoch.wrapping_add(1);
        let ready = self.state[p].last_applied.max(now);
        self.stand_at(p, ready, ctx);
    }

    /// Voter `v` stands after its next election timeout from `now`.
    fn wait_to_stand(&mut self, v: usize, now: Time, ctx: &mut Ctx) {
        let wait = self.election_timeout.sample(&mut self.state[v].timer_rng);
        self.stand_at(v, now + wait, ctx);
    }

    /// Voter `v` stands at `at`, in the current election.
    fn stand_at(&self, v: usize, at: Time, ctx: &mut Ctx) {
        let e = WorldEvent::Data(super::Event::Consensus(Event::Stand {
            dataset: self.dataset.0 as u8,
            voter: v as u8,
            epoch: self.epoch,
        }));
        ctx.sched.schedule(at, e);
    }

    /// Voter `v` has applied entry `e` at `now`: its count, and (for a
    /// write taken in the measured span) the rest and the lag.
    fn record_applied(&mut self, v: usize, e: &Entry, now: Time, ctx: &mut Ctx) {
        self.state[v].applied += 1;
        if e.taken >= ctx.warmup {
            if e.taken < ctx.end {
                self.rests(e.key, self.members[v], ctx);
            }
            ctx.metrics
                .record_apply(usize::from(self.dataset.0), v, now.since(e.commit), e.wait);
        }
    }

    /// Voter `c` stands at `now`: elected once a majority of the voters it
    /// can reach (with logs no longer than its own) has voted, else it
    /// waits again.
    fn stand(&mut self, c: usize, now: Time, ctx: &mut Ctx) {
        if !self.transfer {
            ctx.metrics.record_group_detection(now);
        }
        let n = self.members.len();
        let mine = self.state[c].log_len;
        let mut votes = vec![now];
        for v in 0..n {
            if v == c || !self.votes(v) || !self.talk(c, v, ctx.net) || self.state[v].log_len > mine
            {
                continue;
            }
            let p = &mut self.pairs[c * n + v];
            let back = ctx
                .net
                .transit(p.out, now, 64, &mut p.rng)
                .and_then(|t| ctx.net.transit(p.back, t, 64, &mut p.rng));
            if let Some(t) = back {
                votes.push(t);
            }
        }
        if votes.len() < self.majority {
            self.wait_to_stand(c, now, ctx);
            return;
        }
        votes.sort_unstable();
        // With leases, it serves once the deposed leader's has run out.
        let lease_out = match (self.lease, self.without_since) {
            (Some(lease), Some(since)) => since + lease,
            _ => Time::ZERO,
        };
        let e = WorldEvent::Data(super::Event::Consensus(Event::Elected {
            dataset: self.dataset.0 as u8,
            voter: c as u8,
            epoch: self.epoch,
        }));
        ctx.sched
            .schedule(votes[self.majority - 1].max(lease_out), e);
    }
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

    #[inline]
    fn serves(&self, _key: u32, region: RegionId, server: ReadServer) -> bool {
        match server {
            ReadServer::Primary => self
                .leader
                .is_some_and(|l| self.members[l] == region && self.zone_up[l]),
            ReadServer::Replica(i) => {
                let i = usize::from(i);
                Some(i) != self.leader && self.members.get(i) == Some(&region) && self.zone_up[i]
            }
        }
    }

    /// The member of `region` that serves its reads now: the leader for
    /// leader reads, else the first that holds data (a zone down, the
    /// next).
    fn server_in(&self, _key: u32, region: RegionId) -> Option<ReadServer> {
        match self.reads {
            ConsensusReads::Leader => self
                .leader
                .filter(|&l| self.members[l] == region && self.zone_up[l])
                .map(|_| ReadServer::Primary),
            ConsensusReads::Follower
            | ConsensusReads::FollowerStrong
            | ConsensusReads::Global
            | ConsensusReads::AsOf => (0..self.stores)
                .find(|&i| self.members[i] == region && self.zone_up[i])
                .map(|i| self.server(i)),
        }
    }

    /// A follower read's key state (a write's is looked up at commit).
    #[inline]
    fn prefetch(&self, key: u32, read: Option<ReadServer>) {
        if let Some(q) = read.and_then(|r| self.queue(r)) {
            q.prefetch(key);
        }
    }

    /// The oldest committed write the voter has not applied (the leader
    /// has applied every committed one).
    #[inline]
    fn on_read(&self, key: u32, server: ReadServer) -> Time {
        self.queue(server)
            .map_or(Time::NEVER, |q| q.oldest_unapplied(key))
    }

    /// A strong follower read: first the leader's commit index (a round
    /// trip), then until the voter has applied it.
    fn quorum_read(
        &mut self,
        now: Time,
        key: u32,
        server: ReadServer,
        (req, attempt): (u32, u8),
        ctx: &mut Ctx,
    ) -> QuorumRead {
        if self.reads == ConsensusReads::AsOf {
            // The replica's state as of `read_staleness` ago: it misses
            // every write committed since, and what it has not applied.
            let since = Time::from_nanos(
                now.as_nanos()
                    .saturating_sub(self.read_staleness.as_nanos()),
            );
            let first = self.first_after(key, since);
            let unapplied = self
                .queue(server)
                .map_or(Time::NEVER, |q| q.oldest_unapplied(key));
            let oldest = first.min(unapplied);
            return QuorumRead::Done {
                start: now,
                oldest,
                frontier: oldest,
            };
        }
        if self.reads != ConsensusReads::FollowerStrong {
            return QuorumRead::Serve;
        }
        let ReadServer::Replica(v) = server else {
            // At the leader: a lease read.
            return QuorumRead::Serve;
        };
        let v = usize::from(v);
        match *self.strong.slot(req) {
            Some(s) if s.attempt == attempt && s.done => {
                *self.strong.slot(req) = None;
                QuorumRead::Done {
                    start: s.start,
                    oldest: Time::NEVER,
                    frontier: Time::NEVER,
                }
            }
            Some(s) if s.attempt == attempt => {
                // The leader's answer: the voter waits until it has
                // applied every write committed by then.
                let applied = self.state[v]
                    .queue
                    .in_flight
                    .iter()
                    .take_while(|e| e.commit <= s.index_at)
                    .map(|e| e.applied)
                    .max()
                    .unwrap_or(now);
                if applied == Time::NEVER {
                    // It holds a write it cannot be sent: no answer yet.
                    *self.strong.slot(req) = None;
                    return QuorumRead::Unavailable;
                }
                *self.strong.slot(req) = Some(ReadIndex { done: true, ..s });
                QuorumRead::Later(applied.max(now))
            }
            _ => {
                let Some(l) = self.leader.filter(|&l| self.talk(l, v, ctx.net)) else {
                    return QuorumRead::Unavailable;
                };
                let p = &mut self.pairs[v * self.members.len() + l];
                let Some(there) = ctx.net.transit(p.out, now, 64, &mut p.rng) else {
                    return QuorumRead::Unavailable;
                };
                let Some(back) = ctx.net.transit(p.back, there, 64, &mut p.rng) else {
                    return QuorumRead::Unavailable;
                };
                *self.strong.slot(req) = Some(ReadIndex {
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
        self.strong.forget(req);
    }

    /// Whether the voter `server` has not applied the write committed at
    /// `commit` (the leader has every committed write).
    fn missed(&self, server: ReadServer, key: u32, _node: RegionId, commit: Time) -> bool {
        self.queue(server)
            .is_some_and(|q| q.oldest_unapplied(key) <= commit)
    }

    /// A write of `key` reaches the leader in `node` at `now`: persisted
    /// there and sent to every other voter; committed and acknowledged at
    /// the majority-th persist (`Time::NEVER`: no leader there, or no
    /// majority to commit it).
    fn on_write(
        &mut self,
        now: Time,
        key: u32,
        node: RegionId,
        _ticket: Option<super::Ticket>,
        ctx: &mut Ctx,
    ) -> Time {
        let Some(l) = self.leader.filter(|&l| self.members[l] == node) else {
            return Time::NEVER;
        };
        if self.reach(l, ctx.net) < self.majority {
            return Time::NEVER;
        }
        let n = self.members.len();
        let own = {
            let s = &mut self.state[l];
            s.log
                .admit(now, ctx.net.apply_factor(node), &mut s.log_rng)
                .expect("a log has no limit")
        };
        self.acks.clear();
        self.acks.push(own.done);
        self.persisted.clear();
        for v in 0..n {
            if v == l || !self.talk(l, v, ctx.net) {
                self.persisted.push((Time::NEVER, Duration::ZERO));
                continue;
            }
            let p = &mut self.pairs[l * n + v];
            let Some(c) = p.channel.carry(now, self.record_bytes, false, ctx.net) else {
                self.persisted.push((Time::NEVER, Duration::ZERO));
                continue;
            };
            self.persisted.push((c.applied, c.wait));
            // A non-voter's acknowledgement commits nothing.
            if v < self.voting || v >= self.stores {
                if let Some(ack) = ctx.net.transit(p.back, c.applied, 64, &mut p.rng) {
                    self.acks.push(ack);
                }
            }
        }
        if self.acks.len() < self.majority {
            return Time::NEVER;
        }
        let (_, &mut commit, _) = self.acks.select_nth_unstable(self.majority - 1);
        // A global table's write: its followers hear of the commit at
        // once; it becomes visible, and is acknowledged, at its timestamp
        // in the future.
        let (notice, commit) = if self.reads == ConsensusReads::Global {
            (commit, commit.max(now + self.global_lead))
        } else {
            (Time::NEVER, commit)
        };
        // Commit wait: until the leader's clock is sure the commit
        // timestamp (its latest possible now when it took the write) has
        // passed everywhere: twice its uncertainty after it took it.
        let leader = &mut self.state[l];
        let commit = match &leader.uncertainty {
            Some(u) if self.commit_wait => {
                let eps = u.sample(&mut leader.clock_rng);
                commit.max(now + eps + eps)
            }
            _ => commit,
        };
        self.commits += 1;
        if self.reads == ConsensusReads::AsOf {
            self.window.log.push_back((commit, key));
            self.window.count[key as usize] += 1;
        }
        let measured = (ctx.warmup..ctx.end).contains(&now);
        if measured {
            ctx.metrics
                .record_commit(usize::from(self.dataset.0), self.majority == 1);
            self.rests(key, node, ctx);
        }
        self.state[l].log_len += 1;
        // Each follower applies it once it has it and has heard of the
        // commit, in log order; one it could not be sent waits for it.
        for v in 0..n {
            if v == l {
                continue;
            }
            let (has, wait) = self.persisted[v];
            if has == Time::NEVER {
                self.state[v].held += 1;
            }
            if v >= self.stores {
                // A witness keeps the entry in its log, and applies nothing.
                if has != Time::NEVER {
                    self.state[v].log_len += 1;
                }
                if measured {
                    self.rests(key, self.members[v], ctx);
                }
                continue;
            }
            let at = if has == Time::NEVER {
                Time::NEVER
            } else {
                let p = &mut self.pairs[l * n + v];
                let heard = ctx
                    .net
                    .transit(p.out, notice.min(commit), 64, &mut p.rng)
                    .unwrap_or(Time::NEVER);
                let s = &mut self.state[v];
                s.log_len += 1;
                if heard == Time::NEVER {
                    Time::NEVER
                } else {
                    let at = has.max(heard).max(s.last_applied);
                    s.last_applied = at;
                    at
                }
            };
            self.state[v].queue.push(key, commit, |_| Entry {
                key,
                commit,
                next_commit: Time::NEVER,
                taken: now,
                wait,
                applied: at,
            });
            self.schedule_head(v, ctx);
        }
        commit
    }

    /// The head entry of a voter is applied; an election timeout runs out;
    /// an election is won.
    fn on_event(&mut self, now: Time, event: Event, ctx: &mut Ctx) {
        match event {
            Event::Apply { voter, .. } => {
                let v = usize::from(voter);
                let s = &mut self.state[v];
                s.scheduled = false;
                // The voter may have been elected meanwhile (and applied
                // its whole queue), or hold a later head: its one Apply
                // goes on with what there is.
                match s.queue.in_flight.front() {
                    None => return,
                    Some(h) if h.applied > now => {
                        self.schedule_head(v, ctx);
                        return;
                    }
                    Some(_) => {}
                }
                let e = s.queue.pop_front().expect("a head entry");
                self.record_applied(v, &e, now, ctx);
                self.schedule_head(v, ctx);
            }
            Event::Stand { voter, epoch, .. } => {
                let v = usize::from(voter);
                if epoch != self.epoch || !self.alive[v] {
                    return;
                }
                match self.leader {
                    None => self.stand(v, now, ctx),
                    Some(l) if self.transfer => {
                        if !self.talk(l, v, ctx.net) || self.reach(v, ctx.net) < self.majority {
                            self.transfer = false;
                            return;
                        }
                        // Not caught up yet (writes kept coming while it
                        // applied the backlog): again once it has what it
                        // was sent by now, the leader leading on.
                        let behind = self.state[v].last_applied;
                        if behind > now + self.trip(l, v, ctx.net) {
                            self.stand_at(v, behind, ctx);
                            return;
                        }
                        // Caught up within a round trip: the leader stops
                        // taking writes and it stands at once (Raft's
                        // TimeoutNow); it wins with the votes' round trip.
                        self.leader = None;
                        self.without_since = None;
                        self.stand(v, now, ctx);
                    }
                    Some(_) => {}
                }
            }
            Event::Elected { voter, epoch, .. } => {
                let v = usize::from(voter);
                if epoch != self.epoch
                    || self.leader.is_some()
                    || self.reach(v, ctx.net) < self.majority
                {
                    return;
                }
                self.leader = Some(v);
                self.routed = v;
                self.transfer = false;
                self.epoch = self.epoch.wrapping_add(1);
                self.without_since = None;
                *ctx.routes_changed = true;
                ctx.metrics.record_promotion(
                    usize::from(self.dataset.0),
                    now,
                    crate::metrics::Promotion {
                        lost: 0,
                        lost_window: None,
                        to: self.members[v],
                        target_down: false,
                    },
                );
                // It has applied every committed entry it holds (Raft: a
                // new leader commits its log with an entry of its own).
                let s = &mut self.state[v];
                s.log_len += std::mem::take(&mut s.held);
                while let Some(e) = self.state[v].queue.pop_front() {
                    self.record_applied(v, &e, now, ctx);
                }
                // An Apply it had queued finds the queue empty.
                for u in 0..self.members.len() {
                    self.catch_up(v, u, now, ctx);
                }
            }
        }
    }

    /// Voters that waited for a link or a node get what they missed.
    fn resume(&mut self, now: Time, ctx: &mut Ctx) {
        self.refresh(ctx.net);
        if let Some(l) = self.leader {
            for v in 0..self.members.len() {
                self.catch_up(l, v, now, ctx);
            }
        }
    }

    fn link_down(&mut self, _link: LinkId, _now: Time) {}

    fn node_down(&mut self, _region: RegionId, _now: Time) {}

    fn node_up(&mut self, _region: RegionId, _now: Time, _ctx: &mut Ctx) {}

    /// Whether the leader still leads; else an election.
    fn topology_changed(&mut self, now: Time, ctx: &mut Ctx) {
        self.refresh(ctx.net);
        if self.leader.is_some() || self.without_since.is_none() {
            self.look(now, ctx);
        } else if self.leader.is_none() {
            // An election is on: voters that came back wait and stand too.
            self.all_wait_to_stand(now, ctx);
        }
    }

    /// The group elects its own leaders: health checks decide nothing.
    fn on_db_verdict(
        &mut self,
        _region: RegionId,
        _healthy: bool,
        _now: Time,
        _ctx: &mut Ctx,
    ) -> bool {
        false
    }

    /// Writes go to the leader (the last one, during an election).
    fn write_node(&self, _shard: usize, _app: RegionId, _net: &Network) -> RegionId {
        self.members[self.routed]
    }

    /// The leader, or the nearest voter that answers.
    fn read_node(&self, _shard: usize, app: RegionId, net: &Network) -> (RegionId, ReadServer) {
        let i = match self.reads {
            ConsensusReads::Leader => self.routed,
            ConsensusReads::Follower
            | ConsensusReads::FollowerStrong
            | ConsensusReads::Global
            | ConsensusReads::AsOf => self.nearest(app, net),
        };
        (self.members[i], self.server(i))
    }

    /// Each follower's current lag.
    fn sample(&self, now: Time, bucket: usize, metrics: &mut RunMetrics) {
        for (v, s) in self.state[..self.stores].iter().enumerate() {
            metrics.record_current_lag(
                usize::from(self.dataset.0),
                v,
                bucket,
                s.queue.current_lag(now),
            );
        }
    }

    /// Log busy time per voter: its own log and the channels into it.
    fn finish(&mut self, _end: Time, _warmup: Time, metrics: &mut RunMetrics) {
        let d = usize::from(self.dataset.0);
        let n = self.members.len();
        for (v, s) in self.state[..self.stores].iter().enumerate() {
            let into: Duration = (0..n)
                .filter(|&a| a != v)
                .map(|a| self.pairs[a * n + v].channel.apply.busy())
                .fold(Duration::ZERO, |x, y| x + y);
            metrics.add_apply_busy(d, v, s.log.busy() + into);
        }
    }

    /// Writes committed, and per voter (applied, in its queue).
    fn audit(&self) -> (u64, Vec<(u64, u64)>) {
        (
            self.commits,
            self.state[..self.stores]
                .iter()
                .map(|s| (s.applied, s.queue.in_flight.len() as u64))
                .collect(),
        )
    }
}
