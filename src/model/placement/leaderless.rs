//! Leaderless quorums (Dynamo, Cassandra), as the PBS model has them
//! (Bailis et al., VLDB 2012): N replicas, any of which coordinates a
//! request (the world sends it to the replica nearest its app tier).
//!
//! - A write at coordinator c at `now` takes the timestamp `(now, c)` and
//!   goes to every replica that answers over a FIFO channel (the link, then
//!   the replica's apply threads: the W delay); each replica acknowledges
//!   it once applied (the A delay). It is committed, and acknowledged to its
//!   client, at the `w`-th acknowledgement; with fewer than `w` replicas
//!   reachable it is refused (nothing is sent).
//! - A read at c at `now` asks every replica that answers (the R delay);
//!   each reads its version of the key when the request arrives and answers
//!   (the S delay); the coordinator returns the freshest version among the
//!   first `r` answers. Each replica's read is an event of its own, so a
//!   write applied there before the request arrives is seen, however late
//!   it was sent.
//! - A replica keeps the version with the largest timestamp.
//!
//! Each leg is decided when it is sent (DESIGN.md): a replica that goes
//! down after a write was sent to it still applies and acknowledges it.
//!
//! # What a read misses
//! A read that started at t is stale if it returns a version older than a
//! write committed at or before t; its staleness is t minus the commit of
//! the oldest such write. Each key keeps a record (timestamp, commit) of
//! every committed write some replica has not applied yet, in timestamp
//! order; a replica answering a read looks up the oldest commit among the
//! records newer than its version. The freshest answer's is the read's: a
//! replica with a newer version misses a subset of an older one's writes.

use super::super::net::{LinkId, Network};
use super::super::replication::Channel;
use super::super::{Ctx, Event as WorldEvent};
use super::{Answer, ReadServer};
use crate::engine::{stream, Duration, SimRng, Time};
use crate::metrics::{QuorumEvent, RunMetrics};
use crate::scenario::{DatasetId, RegionId, Scenario};

/// A version: the coordinator's timestamp (ns) and index (ties).
type Stamp = (i64, u16);

/// The version of a replica that has no write of the key.
const NONE: Stamp = (i64::MIN, 0);

/// The events of leaderless datasets.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// Message `msg` (an apply or a replica's read) is due. Its slot's
    /// bytes and a one-byte dataset (at most 100) keep the event within 8
    /// bytes.
    Message { dataset: u8, msg: [u8; 4] },
}

impl Event {
    /// The message slot.
    fn slot(self) -> u32 {
        let Event::Message { msg, .. } = self;
        u32::from_le_bytes(msg)
    }
}

/// A message in flight, in the dataset's slab.
#[derive(Clone, Copy)]
enum Msg {
    /// Replica `replica` applies write `stamp` of `key`.
    Apply {
        key: u32,
        replica: u16,
        stamp: Stamp,
        /// When the coordinator took the write (for the lag).
        taken: Time,
        wait: Duration,
        /// A read repair or an anti-entropy copy, not the write's own
        /// delivery: no lag of its own.
        repair: bool,
    },
    /// Read repair: the coordinator `coord` sends `stamp` of `key` to
    /// `replica`, which answered a read with an older version.
    Repair {
        key: u32,
        coord: u16,
        replica: u16,
        stamp: Stamp,
    },
    /// Every replica that answers takes the newest version of every key.
    AntiEntropy,
    /// Replica `replica` reads its version for read `read` (request slot
    /// and attempt).
    Read { req: u32, attempt: u8, replica: u16 },
    /// Probe time `probe` after the commit of write `stamp` of `key`
    /// (coordinated by replica `writer`): every replica's region reads.
    Probe {
        key: u32,
        stamp: Stamp,
        writer: u16,
        probe: u16,
    },
    /// Replica `replica` reads its version for probe read `slot`.
    ProbeRead { slot: u32, replica: u16 },
    /// A free slot, and the next free one.
    Free { next: u32 },
}

/// A committed write some replica has not applied yet.
#[derive(Clone, Copy)]
struct Record {
    stamp: Stamp,
    commit: Time,
    /// The key's next record (newer timestamp), or [`END`].
    next: u32,
}

/// The end of a list, an empty head.
const END: u32 = u32::MAX;

/// A read being answered: what its replicas have said so far.
#[derive(Clone, Copy)]
struct Pending {
    attempt: u8,
    key: u32,
    /// When it reached the coordinator.
    start: Time,
    /// Answers still to come.
    left: u16,
    /// The commit of the oldest write committed by `start` that the
    /// freshest answer so far misses (`Time::NEVER`: none).
    oldest: Time,
    /// Committed versions (by `start`) newer than the freshest answer's.
    behind: u32,
    /// The timestamp (as a time) of the oldest write committed by `start`
    /// that the freshest answer misses: the version holds every write
    /// stamped before it (for the user checks).
    frontier: Time,
    /// The coordinator, when its answers are all in, and the freshest
    /// version among them.
    coord: u16,
    done: Time,
    best: Stamp,
    /// Replicas that answered, and those whose answer is older than
    /// `best` (read repair sends them `best`).
    answered: u64,
    older: u64,
}

/// A write a stand-in took for a replica it could not reach (sloppy
/// quorum), to hand over when the replica is back.
#[derive(Clone, Copy)]
struct Hint {
    coord: u16,
    replica: u16,
    key: u32,
    stamp: Stamp,
    taken: Time,
}

/// A probe read from one replica's region: whether an answer so far
/// holds the probed write.
#[derive(Clone, Copy)]
struct ProbeState {
    key: u32,
    stamp: Stamp,
    /// Figure index: (writer * n + reader) * probes + probe.
    index: u32,
    left: u16,
    seen: bool,
    /// The next free slot, when free.
    next: u32,
}

/// What a read that a quorum answers asks of the world.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuorumRead {
    /// Not a quorum read: the serving copy answers now ([`super::Strategy::on_read`]).
    Serve,
    /// The replicas' answers come in: ask again at this time.
    Later(Time),
    /// Answered: it started at `start` and misses writes committed from
    /// `oldest` on (`Time::NEVER`: none); its version holds every write
    /// stamped before `frontier` (`Time::NEVER`: every one committed by
    /// `start`).
    Done {
        start: Time,
        oldest: Time,
        frontier: Time,
    },
    /// Fewer than `r` replicas can answer.
    Unavailable,
}

/// One leaderless dataset.
pub struct Leaderless {
    dataset: DatasetId,
    /// The replicas' regions (replica i).
    replicas: Vec<RegionId>,
    w: usize,
    r: usize,
    record_bytes: u32,
    /// From coordinator c to replica j: `c * n + j` (c == j included: the
    /// coordinator's own replica, over the region's own network).
    channels: Vec<Channel>,
    /// The same pairs: acknowledgements and reads (their own delays).
    links: Vec<(LinkId, LinkId, SimRng)>,
    /// The same pairs, for probe reads (their own draws: probes change
    /// nothing a run's requests draw).
    probe_rngs: Vec<SimRng>,
    /// PBS delays given in the file.
    delays: Box<crate::scenario::QuorumDelays>,
    /// Probe times after each measured commit.
    probes: Vec<Duration>,
    probe_slots: Vec<ProbeState>,
    free_probe: u32,
    read_repair: bool,
    anti_entropy: Option<Duration>,
    /// Whether the next anti-entropy sync is queued.
    syncing: bool,
    sloppy: bool,
    /// A write of a key another coordinator's write is still replicating
    /// is refused (DynamoDB's ReplicatedWriteConflictException): per key,
    /// the commit of its newest write and its coordinator (empty unless
    /// so; only one coordinator's writes of a key can be on their way).
    fail_concurrent: bool,
    replicating: Vec<(Time, u16)>,
    hints: Vec<Hint>,
    /// Per key and replica (`key * n + i`), the version it holds.
    values: Vec<Stamp>,
    /// Per key, its oldest record (list head).
    heads: Vec<u32>,
    records: Vec<Record>,
    free_record: u32,
    msgs: Vec<Msg>,
    free_msg: u32,
    /// Reads being answered, by request slot.
    pending: Vec<Option<Pending>>,
    /// Writes committed so far, and messages applied per replica.
    commits: u64,
    applied: Vec<u64>,
    in_flight: Vec<u64>,
    /// The version the last completed read returned, for the user checks
    /// that ask about it at once ([`super::Strategy::missed`]).
    last_read: Stamp,
    /// Scratch: (answer time, replica, first leg's arrival).
    order: Vec<(Time, u16, Time)>,
    /// The residency rules, for a restricted dataset.
    residency: Option<std::sync::Arc<crate::scenario::Residency>>,
}

impl Leaderless {
    /// Leaderless dataset `d` of `scenario`, placed as `l`, in run `run`.
    pub fn new(
        scenario: &Scenario,
        d: DatasetId,
        l: &crate::scenario::Leaderless,
        net: &Network,
        run: u64,
    ) -> Leaderless {
        let ds = &scenario.datasets[usize::from(d.0)];
        let n = l.replicas.len();
        let mut channels = Vec::with_capacity(n * n);
        let mut links = Vec::with_capacity(n * n);
        let mut probe_rngs = Vec::with_capacity(n * n);
        for &a in &l.replicas {
            for &b in &l.replicas {
                let name = format!(
                    "{}/{}/{}",
                    ds.name,
                    scenario.regions[usize::from(a.0)].name,
                    scenario.regions[usize::from(b.0)].name
                );
                channels.push(Channel::new(
                    &name,
                    (scenario.seed, run),
                    b,
                    net.link(a, b),
                    &ds.apply_time,
                    ds.apply_threads as usize,
                    (
                        Time::ZERO + scenario.warmup,
                        Time::ZERO + scenario.warmup + scenario.duration,
                    ),
                ));
                links.push((
                    net.link(a, b),
                    net.link(b, a),
                    stream(scenario.seed, run, &format!("quorum-messages/{name}")),
                ));
                probe_rngs.push(stream(scenario.seed, run, &format!("quorum-probes/{name}")));
            }
        }
        Leaderless {
            dataset: d,
            replicas: l.replicas.clone(),
            w: usize::from(l.w),
            r: usize::from(l.r),
            record_bytes: ds.record_bytes,
            channels,
            links,
            probe_rngs,
            delays: Box::new(l.delays.clone()),
            probes: l.probes.clone(),
            probe_slots: Vec::new(),
            free_probe: END,
            read_repair: l.read_repair,
            anti_entropy: l.anti_entropy,
            syncing: false,
            sloppy: l.sloppy_quorum,
            fail_concurrent: l.fail_concurrent,
            replicating: if l.fail_concurrent {
                vec![(Time::ZERO, 0); ds.keys as usize]
            } else {
                Vec::new()
            },
            hints: Vec::new(),
            values: vec![NONE; ds.keys as usize * n],
            heads: vec![END; ds.keys as usize],
            records: Vec::new(),
            free_record: END,
            msgs: Vec::new(),
            free_msg: END,
            pending: Vec::new(),
            commits: 0,
            applied: vec![0; n],
            in_flight: vec![0; n],
            last_read: NONE,
            order: Vec::with_capacity(n),
            residency: scenario.residency.clone().filter(|_| ds.restricted),
        }
    }

    /// The replica in `region`.
    fn replica_in(&self, region: RegionId) -> Option<usize> {
        self.replicas.iter().position(|&r| r == region)
    }

    /// The replica nearest `app` whose database answers and whose links
    /// from `app` are up (its own if it has one).
    fn nearest(&self, app: RegionId, net: &Network) -> usize {
        super::nearest_copy(app, &self.replicas, net, |i| {
            super::reachable(app, self.replicas[i], net)
        })
        .or_else(|| self.replica_in(app))
        .unwrap_or(0)
    }

    /// Whether replica `j` can take a message from coordinator `c` now.
    fn reachable(&self, c: usize, j: usize, net: &Network) -> bool {
        let (to, back, _) = &self.links[c * self.replicas.len() + j];
        net.db_up(self.replicas[j]) && net.state(*to).up && net.state(*back).up
    }

    /// Puts `m` in a free message slot and schedules it at `at`.
    fn send(&mut self, at: Time, m: Msg, ctx: &mut Ctx) {
        let id = if self.free_msg == END {
            self.msgs.push(m);
            (self.msgs.len() - 1) as u32
        } else {
            let id = self.free_msg;
            let Msg::Free { next } = self.msgs[id as usize] else {
                unreachable!("the free list holds free slots")
            };
            self.free_msg = next;
            self.msgs[id as usize] = m;
            id
        };
        ctx.sched.schedule(
            at,
            WorldEvent::Data(super::Event::Leaderless(Event::Message {
                dataset: self.dataset.0 as u8,
                msg: id.to_le_bytes(),
            })),
        );
    }

    /// Adds a record of a committed write of `key`, newest last.
    fn add_record(&mut self, key: u32, stamp: Stamp, commit: Time) {
        let rec = Record {
            stamp,
            commit,
            next: END,
        };
        let id = if self.free_record == END {
            self.records.push(rec);
            (self.records.len() - 1) as u32
        } else {
            let id = self.free_record;
            self.free_record = self.records[id as usize].next;
            self.records[id as usize] = rec;
            id
        };
        // In timestamp order (a later write may have an earlier stamp when
        // it came through a slower coordinator's clock: none here, but the
        // list does not rely on it).
        let head = self.heads[key as usize];
        if head == END || self.records[head as usize].stamp > stamp {
            self.records[id as usize].next = head;
            self.heads[key as usize] = id;
            return;
        }
        let mut prev = head;
        loop {
            let next = self.records[prev as usize].next;
            if next == END || self.records[next as usize].stamp > stamp {
                self.records[id as usize].next = next;
                self.records[prev as usize].next = id;
                return;
            }
            prev = next;
        }
    }

    /// Whether a write of `key` another coordinator than `c` took is
    /// still on its way to its quorum at `now` (taken, not yet committed).
    fn concurrent(&self, key: u32, c: usize, now: Time) -> bool {
        let (until, by) = self.replicating[key as usize];
        until > now && usize::from(by) != c
    }

    /// Drops the records of `key` that every replica holds.
    fn prune(&mut self, key: u32) {
        let n = self.replicas.len();
        let i = key as usize * n;
        let least = self.values[i..i + n].iter().copied().min().unwrap_or(NONE);
        let head = &mut self.heads[key as usize];
        while *head != END && self.records[*head as usize].stamp <= least {
            let id = *head;
            *head = self.records[id as usize].next;
            self.records[id as usize].next = self.free_record;
            self.free_record = id;
        }
    }

    /// The commit of the oldest write of `key` committed by `by` that a
    /// replica holding `version` misses (`Time::NEVER`: none), how many
    /// such writes there are, and the earliest timestamp among them.
    fn missed_by(&self, key: u32, version: Stamp, by: Time) -> (Time, u32, Time) {
        let (mut oldest, mut count, mut stamped) = (Time::NEVER, 0, Time::NEVER);
        let mut at = self.heads[key as usize];
        while at != END {
            let r = &self.records[at as usize];
            if r.stamp > version && r.commit <= by {
                oldest = oldest.min(r.commit);
                count += 1;
                stamped = stamped.min(Time::from_nanos(r.stamp.0 as u64));
            }
            at = r.next;
        }
        (oldest, count, stamped)
    }

    /// When a read from coordinator `c` sent at `now` reaches replica
    /// `j`, and when its answer, sent on arrival, reaches `c` (`None`:
    /// lost), with the file's read and response delays if it gives them.
    fn ask(&mut self, c: usize, j: usize, now: Time, net: &mut Network) -> Option<(Time, Time)> {
        let bytes = self.record_bytes;
        let (to, back, rng) = &mut self.links[c * self.replicas.len() + j];
        let there = match &self.delays.read {
            Some(d) => now + d.sample(rng),
            None => net.transit(*to, now, 64, rng)?,
        };
        let answer = match &self.delays.response {
            Some(d) => there + d.sample(rng),
            None => net.transit(*back, there, bytes, rng)?,
        };
        Some((there, answer))
    }

    /// Sends write `stamp` of `key` (taken at `taken`) from coordinator
    /// `c` to replica `j` at `now` and queues its apply: when it is
    /// applied and how long it waited for an apply thread (`None`: the
    /// link lost it).
    #[allow(clippy::too_many_arguments)]
    fn deliver(
        &mut self,
        (c, j): (usize, usize),
        now: Time,
        (key, stamp): (u32, Stamp),
        taken: Time,
        repair: bool,
        ctx: &mut Ctx,
    ) -> Option<Time> {
        let n = self.replicas.len();
        let (applied, wait) = match &self.delays.write {
            Some(d) => (now + d.sample(&mut self.links[c * n + j].2), Duration::ZERO),
            None => {
                let carried =
                    self.channels[c * n + j].carry(now, self.record_bytes, false, ctx.net)?;
                (carried.applied, carried.wait)
            }
        };
        self.in_flight[j] += 1;
        self.send(
            applied,
            Msg::Apply {
                key,
                replica: j as u16,
                stamp,
                taken,
                wait,
                repair,
            },
            ctx,
        );
        Some(applied)
    }

    /// Hands over the hints whose replica the stand-in can reach now.
    fn hand_over(&mut self, now: Time, ctx: &mut Ctx) {
        if self.hints.is_empty() {
            return;
        }
        let hints = std::mem::take(&mut self.hints);
        for h in hints {
            let (c, j) = (usize::from(h.coord), usize::from(h.replica));
            if ctx.net.db_up(self.replicas[c])
                && self.reachable(c, j, ctx.net)
                && self
                    .deliver((c, j), now, (h.key, h.stamp), h.taken, false, ctx)
                    .is_some()
            {
                ctx.metrics
                    .record_quorum_event(usize::from(self.dataset.0), QuorumEvent::HandedOver);
                continue;
            }
            self.hints.push(h);
        }
    }

    /// Anti-entropy at `now`: replicas that can reach one another (their
    /// databases up, the links between them up both ways) exchange what
    /// they hold, and each takes the newest version of every key any of
    /// its group holds.
    fn sync(&mut self, ctx: &mut Ctx) {
        let n = self.replicas.len();
        // Groups: each up replica takes the smallest index it is joined
        // to through reachable pairs.
        let up: Vec<bool> = self.replicas.iter().map(|&r| ctx.net.db_up(r)).collect();
        let mut group: Vec<usize> = (0..n).collect();
        let mut changed = true;
        while changed {
            changed = false;
            for a in 0..n {
                for b in 0..n {
                    if a != b && up[a] && up[b] && self.reachable(a, b, ctx.net) {
                        let g = group[a].min(group[b]);
                        if group[a] != g || group[b] != g {
                            group[a] = g;
                            group[b] = g;
                            changed = true;
                        }
                    }
                }
            }
        }
        let mut updated = 0u64;
        let mut newest = vec![NONE; n];
        let (restricted, warm) = (self.residency.is_some(), ctx.warmup.as_nanos() as i64);
        let mut moved: Vec<(u32, usize)> = Vec::new();
        for key in 0..self.heads.len() {
            let row = &mut self.values[key * n..(key + 1) * n];
            newest.fill(NONE);
            for j in 0..n {
                if up[j] {
                    newest[group[j]] = newest[group[j]].max(row[j]);
                }
            }
            for j in 0..n {
                if up[j] && row[j] < newest[group[j]] {
                    row[j] = newest[group[j]];
                    updated += 1;
                    // The version comes to rest there for the first time.
                    if restricted && row[j].0 >= warm {
                        moved.push((key as u32, j));
                    }
                }
            }
            if self.heads[key] != END {
                self.prune(key as u32);
            }
        }
        for (key, j) in moved {
            self.rests(key, self.replicas[j], ctx);
        }
        ctx.metrics
            .record_quorum_events(usize::from(self.dataset.0), QuorumEvent::Synced, updated);
    }

    /// A probe of write `stamp` of `key` (coordinated by `writer`) at its
    /// commit plus probe time `probe`: each replica's region reads it as a
    /// coordinator, its first `r` answers counted. Not traffic, and drawn
    /// from streams of its own.
    fn probe(
        &mut self,
        now: Time,
        (key, stamp): (u32, Stamp),
        writer: usize,
        probe: usize,
        ctx: &mut Ctx,
    ) {
        let n = self.replicas.len();
        for b in 0..n {
            self.order.clear();
            for j in 0..n {
                if !self.reachable(b, j, ctx.net) {
                    continue;
                }
                let (to, back, _) = self.links[b * n + j];
                let rng = &mut self.probe_rngs[b * n + j];
                let there = match &self.delays.read {
                    Some(d) => Some(now + d.sample(rng)),
                    None => ctx.net.arrival(to, now, rng),
                };
                let Some(there) = there else { continue };
                let answer = match &self.delays.response {
                    Some(d) => Some(there + d.sample(rng)),
                    None => ctx.net.arrival(back, there, rng),
                };
                if let Some(answer) = answer {
                    self.order.push((answer, j as u16, there));
                }
            }
            // Fewer than `r` answers: the probe read is unavailable, and
            // not counted.
            if self.order.len() < self.r {
                continue;
            }
            self.order.sort_unstable();
            let state = ProbeState {
                key,
                stamp,
                index: (((writer * n + b) * self.probes.len()) + probe) as u32,
                left: self.r as u16,
                seen: false,
                next: END,
            };
            let slot = if self.free_probe == END {
                self.probe_slots.push(state);
                (self.probe_slots.len() - 1) as u32
            } else {
                let slot = self.free_probe;
                self.free_probe = self.probe_slots[slot as usize].next;
                self.probe_slots[slot as usize] = state;
                slot
            };
            for k in 0..self.r {
                let (_, replica, there) = self.order[k];
                self.send(there, Msg::ProbeRead { slot, replica }, ctx);
            }
        }
    }

    /// A write of `key` comes to rest in `region`: a residency violation
    /// if it may not be there.
    fn rests(&self, key: u32, region: RegionId, ctx: &mut Ctx) {
        super::record_rest(self.residency.as_deref(), self.dataset, key, region, ctx);
    }
}

impl super::Strategy for Leaderless {
    type Event = Event;

    /// A read of `key` (request `req`, attempt `attempt`) at the replica
    /// `server` coordinates at `now` (see [`QuorumRead`]).
    fn quorum_read(
        &mut self,
        now: Time,
        key: u32,
        server: ReadServer,
        (req, attempt): (u32, u8),
        ctx: &mut Ctx,
    ) -> QuorumRead {
        let slot = req as usize;
        if let Some(Some(p)) = self.pending.get(slot) {
            if p.attempt == attempt && p.left == 0 {
                let done = QuorumRead::Done {
                    start: p.start,
                    oldest: p.oldest,
                    frontier: p.frontier,
                };
                self.last_read = p.best;
                self.pending[slot] = None;
                return done;
            }
        }
        let ReadServer::Replica(c) = server else {
            return QuorumRead::Unavailable;
        };
        let (c, n) = (usize::from(c), self.replicas.len());
        // Every replica that answers is asked; the first `r` answers count.
        self.order.clear();
        for j in 0..n {
            if !self.reachable(c, j, ctx.net) {
                continue;
            }
            if let Some((there, answer)) = self.ask(c, j, now, ctx.net) {
                self.order.push((answer, j as u16, there));
            }
        }
        if self.order.len() < self.r {
            return QuorumRead::Unavailable;
        }
        self.order.sort_unstable();
        let done = self.order[self.r - 1].0;
        if self.pending.len() <= slot {
            self.pending.resize(slot + 1, None);
        }
        self.pending[slot] = Some(Pending {
            attempt,
            key,
            start: now,
            left: self.r as u16,
            oldest: Time::ZERO,
            behind: u32::MAX,
            frontier: Time::ZERO,
            coord: c as u16,
            done,
            best: NONE,
            answered: 0,
            older: 0,
        });
        for k in 0..self.r {
            let (_, replica, there) = self.order[k];
            self.send(
                there,
                Msg::Read {
                    req,
                    attempt,
                    replica,
                },
                ctx,
            );
        }
        QuorumRead::Later(done)
    }

    /// Forgets the read of request `req` (it will not be asked again).
    fn forget_read(&mut self, req: u32) {
        if let Some(p) = self.pending.get_mut(req as usize) {
            *p = None;
        }
    }

    /// A coordinator answers with what its quorum returns: nothing to hold.
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

    /// One shard: every replica holds every record.
    fn shard_of(&self, _user: u32) -> usize {
        0
    }

    /// Whether `server` is still the replica in `region`.
    fn serves(&self, _key: u32, region: RegionId, server: ReadServer) -> bool {
        matches!(server, ReadServer::Replica(i) if self.replicas.get(usize::from(i)) == Some(&region))
    }

    fn server_in(&self, _key: u32, region: RegionId) -> Option<ReadServer> {
        self.replica_in(region)
            .map(|i| ReadServer::Replica(i as u16))
    }

    fn prefetch(&self, _key: u32, _read: Option<ReadServer>) {}

    /// Reads are answered by [`Leaderless::quorum_read`], never here.
    fn on_read(&self, _key: u32, _server: ReadServer) -> Time {
        Time::NEVER
    }

    /// Whether the read just answered (the world asks at once, as it
    /// checks the read's user) returned a version older than the write
    /// coordinated in `node` at `commit` (whose timestamp that is).
    fn missed(&self, _server: ReadServer, _key: u32, node: RegionId, commit: Time) -> bool {
        let Some(c) = self.replica_in(node) else {
            return false;
        };
        self.last_read < (commit.as_nanos() as i64, c as u16)
    }

    /// A write of `key` reaches coordinator `node` at `now`: sent to every
    /// replica that answers; acknowledged at the `w`-th acknowledgement
    /// (`Time::NEVER`: fewer than `w` can answer, and nothing is sent).
    fn on_write(
        &mut self,
        now: Time,
        key: u32,
        node: RegionId,
        _ticket: Option<super::Ticket>,
        ctx: &mut Ctx,
    ) -> Time {
        let Some(c) = self.replica_in(node) else {
            return Time::NEVER;
        };
        let n = self.replicas.len();
        let live = (0..n).filter(|&j| self.reachable(c, j, ctx.net)).count();
        if live < self.w && !self.sloppy {
            return Time::NEVER;
        }
        if self.fail_concurrent && self.concurrent(key, c, now) {
            if (ctx.warmup..ctx.end).contains(&now) {
                ctx.metrics
                    .record_quorum_event(usize::from(self.dataset.0), QuorumEvent::Conflict);
            }
            return super::REFUSED;
        }
        if let (Some(every), false) = (self.anti_entropy, self.syncing) {
            self.syncing = true;
            let at = Time::ZERO + every;
            if at <= ctx.end {
                self.send(at.max(now), Msg::AntiEntropy, ctx);
            }
        }
        let stamp = (now.as_nanos() as i64, c as u16);
        let mut acks: [Time; 64] = [Time::NEVER; 64];
        let mut got = 0;
        for j in 0..n {
            if !self.reachable(c, j, ctx.net) {
                if self.sloppy {
                    // A stand-in in the coordinator's region takes it, and
                    // acknowledges once it has it.
                    let own = ctx.net.link(self.replicas[c], self.replicas[c]);
                    let rng = &mut self.links[c * n + j].2;
                    let ack = ctx
                        .net
                        .transit(own, now, self.record_bytes, rng)
                        .and_then(|at| ctx.net.transit(own, at, 64, rng));
                    if let Some(ack) = ack {
                        acks[got] = ack;
                        got += 1;
                        self.hints.push(Hint {
                            coord: c as u16,
                            replica: j as u16,
                            key,
                            stamp,
                            taken: now,
                        });
                        ctx.metrics
                            .record_quorum_event(usize::from(self.dataset.0), QuorumEvent::Hinted);
                    }
                }
                continue;
            }
            let Some(applied) = self.deliver((c, j), now, (key, stamp), now, false, ctx) else {
                continue;
            };
            let (_, back, rng) = &mut self.links[c * n + j];
            let ack = match &self.delays.ack {
                Some(d) => Some(applied + d.sample(rng)),
                None => ctx.net.transit(*back, applied, 64, rng),
            };
            if let Some(ack) = ack {
                acks[got] = ack;
                got += 1;
            }
        }
        self.commits += 1;
        if got < self.w {
            // Sent, applied where it got to, but never acknowledged.
            return Time::NEVER;
        }
        acks[..got].sort_unstable();
        let commit = acks[self.w - 1];
        self.add_record(key, stamp, commit);
        if self.fail_concurrent {
            self.replicating[key as usize] = (commit, c as u16);
        }
        if (ctx.warmup..ctx.end).contains(&now) {
            ctx.metrics
                .record_commit(usize::from(self.dataset.0), self.w == 1);
            for probe in 0..self.probes.len() {
                let m = Msg::Probe {
                    key,
                    stamp,
                    writer: c as u16,
                    probe: probe as u16,
                };
                self.send(commit + self.probes[probe], m, ctx);
            }
        }
        commit
    }

    /// A message is due: an apply, or a replica's answer to a read.
    fn on_event(&mut self, now: Time, event: Event, ctx: &mut Ctx) {
        let msg = event.slot();
        let m = std::mem::replace(
            &mut self.msgs[msg as usize],
            Msg::Free {
                next: self.free_msg,
            },
        );
        self.free_msg = msg;
        let n = self.replicas.len();
        match m {
            Msg::Apply {
                key,
                replica,
                stamp,
                taken,
                wait,
                repair,
            } => {
                let j = usize::from(replica);
                self.in_flight[j] -= 1;
                self.applied[j] += 1;
                let v = &mut self.values[key as usize * n + j];
                if stamp > *v {
                    *v = stamp;
                }
                if taken >= ctx.warmup {
                    self.rests(key, self.replicas[j], ctx);
                }
                if taken >= ctx.warmup && !repair {
                    ctx.metrics.record_apply(
                        usize::from(self.dataset.0),
                        j,
                        now.since(taken),
                        wait,
                    );
                }
                self.prune(key);
            }
            Msg::Read {
                req,
                attempt,
                replica,
            } => {
                let Some(Some(p)) = self.pending.get(req as usize) else {
                    return;
                };
                if p.attempt != attempt {
                    return;
                }
                let (key, start) = (p.key, p.start);
                let version = self.values[key as usize * n + usize::from(replica)];
                let (missed, behind, stamped) = self.missed_by(key, version, start);
                let Some(Some(p)) = self.pending.get_mut(req as usize) else {
                    return;
                };
                // The freshest answer misses the least: the latest oldest.
                p.oldest = p.oldest.max(missed);
                p.frontier = p.frontier.max(stamped);
                p.behind = p.behind.min(behind);
                p.left -= 1;
                let bit = 1u64 << replica;
                if version > p.best {
                    // Every earlier answer is older than this one.
                    p.older = p.answered;
                    p.best = version;
                } else if version < p.best {
                    p.older |= bit;
                }
                p.answered |= bit;
                if p.left > 0 {
                    return;
                }
                let p = *p;
                if (ctx.warmup..ctx.end).contains(&p.start) {
                    let k = (p.behind as usize).min(crate::metrics::MAX_BEHIND);
                    ctx.metrics
                        .record_versions_behind(usize::from(self.dataset.0), k);
                }
                if self.read_repair {
                    // Once the answers are in, the coordinator sends the
                    // freshest to those that answered with older ones.
                    for j in 0..n {
                        if p.older & (1u64 << j) != 0 {
                            let m = Msg::Repair {
                                key: p.key,
                                coord: p.coord,
                                replica: j as u16,
                                stamp: p.best,
                            };
                            self.send(p.done, m, ctx);
                        }
                    }
                }
            }
            Msg::Repair {
                key,
                coord,
                replica,
                stamp,
            } => {
                let (c, j) = (usize::from(coord), usize::from(replica));
                if self.reachable(c, j, ctx.net)
                    && self
                        .deliver((c, j), now, (key, stamp), now, true, ctx)
                        .is_some()
                {
                    ctx.metrics
                        .record_quorum_event(usize::from(self.dataset.0), QuorumEvent::Repaired);
                }
            }
            Msg::AntiEntropy => {
                self.sync(ctx);
                if let Some(every) = self.anti_entropy {
                    if now + every <= ctx.end {
                        self.send(now + every, Msg::AntiEntropy, ctx);
                    }
                }
            }
            Msg::Probe {
                key,
                stamp,
                writer,
                probe,
            } => self.probe(
                now,
                (key, stamp),
                usize::from(writer),
                usize::from(probe),
                ctx,
            ),
            Msg::ProbeRead { slot, replica } => {
                let key = self.probe_slots[slot as usize].key;
                let version = self.values[key as usize * n + usize::from(replica)];
                let p = &mut self.probe_slots[slot as usize];
                p.seen |= version >= p.stamp;
                p.left -= 1;
                if p.left == 0 {
                    let (index, seen) = (p.index as usize, p.seen);
                    p.next = self.free_probe;
                    self.free_probe = slot;
                    ctx.metrics
                        .record_probe(usize::from(self.dataset.0), index, seen);
                }
            }

            Msg::Free { .. } => unreachable!("a queued message is in use"),
        }
    }

    /// A link came up or a node came back: hints that can reach their
    /// replica now go (other messages were decided when sent).
    fn resume(&mut self, now: Time, ctx: &mut Ctx) {
        self.hand_over(now, ctx);
    }

    fn link_down(&mut self, _link: LinkId, _now: Time) {}

    fn node_down(&mut self, _region: RegionId, _now: Time) {}

    fn node_up(&mut self, _region: RegionId, now: Time, ctx: &mut Ctx) {
        self.hand_over(now, ctx);
    }

    /// Nothing here is decided by the topology at once.
    fn topology_changed(&mut self, _now: Time, _ctx: &mut Ctx) {}

    /// Every replica coordinates: nothing to fail over.
    fn on_db_verdict(
        &mut self,
        _region: RegionId,
        _healthy: bool,
        _now: Time,
        _ctx: &mut Ctx,
    ) -> bool {
        false
    }

    /// Where the app tier in `app` writes: the nearest replica that
    /// answers, which coordinates.
    fn write_node(&self, _shard: usize, app: RegionId, net: &Network) -> RegionId {
        self.replicas[self.nearest(app, net)]
    }

    /// Where it reads: the same coordinator.
    fn read_node(&self, _shard: usize, app: RegionId, net: &Network) -> (RegionId, ReadServer) {
        let i = self.nearest(app, net);
        (self.replicas[i], ReadServer::Replica(i as u16))
    }

    /// Each replica's current lag: how long ago the oldest write it has
    /// not applied was taken.
    /// (A scan of the messages in flight, once a bucket.)
    fn sample(&self, now: Time, bucket: usize, metrics: &mut RunMetrics) {
        let mut lag = vec![Duration::ZERO; self.replicas.len()];
        for m in &self.msgs {
            if let Msg::Apply {
                replica,
                taken,
                repair: false,
                ..
            } = *m
            {
                let l = &mut lag[usize::from(replica)];
                *l = (*l).max(now.since(taken));
            }
        }
        for (j, l) in lag.into_iter().enumerate() {
            metrics.record_current_lag(usize::from(self.dataset.0), j, bucket, l);
        }
    }

    /// Apply busy time per replica (over the channels into it).
    fn finish(&mut self, _end: Time, _warmup: Time, metrics: &mut RunMetrics) {
        let n = self.replicas.len();
        for (k, ch) in self.channels.iter().enumerate() {
            metrics.add_apply_busy(
                usize::from(self.dataset.0),
                k % n,
                Duration::from_nanos(ch.apply.busy().as_nanos() / n as u64),
            );
        }
    }

    /// Writes committed, and per replica (applied, in flight).
    fn audit(&self) -> (u64, Vec<(u64, u64)>) {
        (
            self.commits,
            self.applied
                .iter()
                .zip(&self.in_flight)
                .map(|(&a, &f)| (a, f))
                .collect(),
        )
    }
}
