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
//!   acknowledges at commit + timeout and falls back to async; writes
//!   committed while it waits wait with it (each released by its own
//!   acknowledgements or by the fallback, whichever comes first). It
//!   returns to semi-sync when k replicas have acknowledged its newest
//!   write (they caught up), which the next commit notices.
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
use super::super::replication::{
    Acks, Carried, Channel, KeyedQueue, Queued, ReadIndex, ReadIndexes,
};
use super::super::{Ctx, Event as WorldEvent, Trace};
use super::{Answer, ReadServer, Strategy};
use crate::engine::{stream, Dist, Duration, Scheduler, SimRng, Time};
use crate::metrics::{Promotion, RunMetrics};
use crate::scenario::{DatasetId, Failover, RegionId, Replication, Residency, Scenario};
use std::collections::VecDeque;
use std::sync::Arc;

/// The events of single-primary datasets.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// The head message of replication stream `stream` (of the dataset)
    /// has been applied at its replica. Scheduled when a message becomes
    /// the head of its stream.
    /// `gen` is the stream's generation when it was scheduled: a replica
    /// that goes down takes back what it had not applied, and the `Apply`
    /// already queued for it no longer counts.
    /// (`stream` counts over every shard of a geo-sharded dataset.)
    Apply { dataset: u16, stream: u16, gen: u8 },
    /// Something of stream `stream` is due at the primary: a write's
    /// shipping delay is over, or its transmission has ended. Scheduled
    /// for the earliest such moment of a deferred stream; `gen` is the
    /// stream's `ship_gen` then (a failure that cuts sending short, or an
    /// earlier `Ship`, makes it stale).
    Ship { dataset: u16, stream: u16, gen: u8 },
    /// A failover's promotion completes (in shard `shard` of a geo-sharded
    /// dataset, 0 otherwise).
    Promote { dataset: u16, shard: u8 },
    /// A deposed primary has resynchronised and rejoins as a replica.
    Rejoin { dataset: u16, shard: u8 },
    /// The app tiers' cached answer for the writer endpoint has expired:
    /// their writes go to the new primary.
    EndpointMoved { dataset: u16, shard: u8 },
}

/// One replicated write on its way from the primary to a replica.
struct Message {
    key: u32,
    commit: Time,
    /// When the primary acknowledged it (`Time::NEVER`: not yet known or
    /// never); a failover loses it only if it was.
    acked: Time,
    /// Commit time of the next write to the same key, if it is in flight
    /// behind this one; `Time::NEVER` otherwise.
    next_commit: Time,
    wait: Duration,
    /// Before it leaves the primary: in the log, when it may leave (its
    /// shipping delay over); offered to the link's transmitter, when its
    /// transmission ends.
    due: Time,
    /// When it is applied; `Time::NEVER` while it has not left.
    applied: Time,
}

impl Queued for Message {
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

/// Where a message got to when it was sent.
struct Sent {
    /// Received at the replica (`Time::NEVER`: it has not left).
    arrival: Time,
    /// Applied at the replica.
    applied: Time,
    /// When the replica's acknowledgement reaches the primary (semi-sync:
    /// of receipt; sync: of the apply; `Time::NEVER` under async).
    ack: Time,
    /// It is the head of the stream: its `Apply` must be scheduled.
    head: bool,
}

impl Sent {
    /// A message that has not left the primary.
    const HELD: Sent = Sent {
        arrival: Time::NEVER,
        applied: Time::NEVER,
        ack: Time::NEVER,
        head: false,
    };
}

/// Which acknowledgement a replica sends back for each write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AckOn {
    /// None (async).
    Nothing,
    /// On receipt (semi-sync).
    Receipt,
    /// Once applied (sync).
    Apply,
}

/// Primary to one replica: the log the writes wait in at the primary, the
/// FIFO connection, the apply queue behind it, and the acknowledgements
/// coming back.
///
/// `in_flight` holds every write the replica has not applied, in commit
/// order: `[0, held_from)` have left the primary; `[held_from, offered)`
/// are being sent (offered to the link's transmitter, leaving when their
/// transmission ends); `[offered, len)` wait in the primary's log, for
/// their shipping delay, or, held, for the link, the replica or the
/// primary to be back.
struct ReplicationStream {
    /// Where its figures go: the index of its region among the dataset's
    /// replicas, or one past them for the scenario's primary (which a
    /// failover can make a replica).
    slot: usize,
    /// Bumped when the head's queued `Apply` is taken back. (Eight bits:
    /// an `Apply` taken back is due soon, long before 256 more are.)
    gen: u8,
    /// The replica takes replication (false while a deposed primary
    /// resynchronises).
    joined: bool,
    /// The link to the replica (`channel.to`) and its apply threads.
    channel: Channel,
    back: LinkId,
    rng_ack: SimRng,
    /// Arrival at the primary of the newest acknowledgement.
    last_ack: Time,
    /// Writes applied here so far.
    applied: u64,
    /// What the replica has not applied, in commit order.
    queue: KeyedQueue<Message>,
    /// Index in `queue.in_flight` of the first message that has not left.
    held_from: usize,
    /// Index in `in_flight` of the first message still in the log (not
    /// offered to the transmitter).
    offered: usize,
    /// The acknowledgement the replica sends.
    ack_on: AckOn,
    /// Messages leave at their own `Ship` events (async with a shipping
    /// delay, or over a link with a bandwidth limit) rather than at
    /// commit.
    deferred: bool,
    /// Time a write waits in the primary's log before it is sent (async;
    /// `None`: it is sent at commit).
    shipping: Option<Dist>,
    rng_ship: SimRng,
    /// When the newest write in the log may leave (the log is FIFO).
    last_ready: Time,
    /// When the `Ship` event now queued is due (`Time::NEVER`: none), and
    /// the generation it carries: one queued earlier makes the later one
    /// stale.
    ship_at: Time,
    ship_gen: u8,
    /// Semi-sync after a fallback: the sequence number of the newest
    /// write that waited for acknowledgements (0: none), and when the
    /// replica's acknowledgement of it reached the primary
    /// (`Time::NEVER`: not yet known).
    mark: u64,
    mark_ack: Time,
}

impl ReplicationStream {
    /// Queues the write of `key` committed at `commit`. Sent at once unless
    /// older messages wait or the stream sends at `Ship` events.
    #[inline]
    fn send(&mut self, commit: Time, key: u32, bytes: u32, net: &mut Network) -> Sent {
        let due = if self.deferred {
            self.ready_time(commit)
        } else {
            commit
        };
        self.queue.push(key, commit, |_| Message {
            key,
            commit,
            acked: Time::NEVER,
            next_commit: Time::NEVER,
            wait: Duration::ZERO,
            due,
            applied: Time::NEVER,
        });
        if self.deferred || self.held_from + 1 < self.queue.in_flight.len() {
            // It leaves at a `Ship` event, or behind older messages that
            // wait for the link.
            return Sent::HELD;
        }
        self.transmit(self.queue.in_flight.len() - 1, commit, bytes, net, true)
    }

    /// When a write committed at `commit` may leave the log: after its
    /// shipping delay, and not before the write ahead of it.
    #[cold]
    #[inline(never)]
    fn ready_time(&mut self, commit: Time) -> Time {
        let delay = self
            .shipping
            .as_ref()
            .map_or(Duration::ZERO, |d| d.sample(&mut self.rng_ship));
        let ready = (commit + delay).max(self.last_ready);
        self.last_ready = ready;
        ready
    }

    /// Sends message `i` at `now`; it is the first that has not left.
    /// `queued`: it still needs the link's transmitter (a message sent at
    /// commit or resumed at once); a deferred message has had it.
    #[inline]
    fn transmit(
        &mut self,
        i: usize,
        now: Time,
        bytes: u32,
        net: &mut Network,
        queued: bool,
    ) -> Sent {
        let carried = if self.joined && net.db_up(self.channel.to) {
            self.channel.carry(now, bytes, queued, net)
        } else {
            None
        };
        let Some(Carried {
            arrival,
            applied,
            wait,
        }) = carried
        else {
            self.held_from = i;
            self.offered = i;
            return Sent::HELD;
        };
        let m = &mut self.queue.in_flight[i];
        m.wait = wait;
        m.applied = applied;
        self.held_from = i + 1;
        self.offered = self.offered.max(i + 1);
        let ack = match self.ack_on {
            AckOn::Nothing => Time::NEVER,
            AckOn::Receipt => self.ack(arrival, net),
            AckOn::Apply => self.ack(applied, net),
        };
        if self.mark == self.queue.head_seq + i as u64 {
            self.mark_ack = ack;
        }
        Sent {
            arrival,
            applied,
            ack,
            head: i == 0,
        }
    }

    /// When the replica's acknowledgement of a message it has at `at`
    /// reaches the primary (FIFO, like the messages).
    #[inline]
    fn ack(&mut self, at: Time, net: &mut Network) -> Time {
        let back = net.deliver(self.back, at, 0, &mut self.rng_ack);
        let arrives = back.unwrap_or(Time::NEVER).max(self.last_ack);
        self.last_ack = arrives;
        arrives
    }

    /// A deferred stream at `now` (`source_up`: its primary's database
    /// answers): messages whose transmission has ended leave, messages
    /// whose shipping delay is over are offered to the link's transmitter
    /// (or leave at once without a bandwidth limit), and the next `Ship`
    /// is queued. Nothing leaves while the primary, the link or the
    /// replica is down: the log keeps it.
    #[allow(clippy::too_many_arguments)]
    fn pump(
        &mut self,
        now: Time,
        bytes: u32,
        source_up: bool,
        net: &mut Network,
        sched: &mut Scheduler<WorldEvent>,
        dataset: u16,
        index: usize,
    ) {
        let can_send = source_up
            && self.joined
            && net.db_up(self.channel.to)
            && net.state(self.channel.link).up;
        loop {
            let mut moved = false;
            while self.held_from < self.offered && self.queue.in_flight[self.held_from].due <= now {
                if !can_send {
                    self.unoffer(now);
                    break;
                }
                let sent = self.transmit(self.held_from, now, bytes, net, false);
                if sent.arrival == Time::NEVER {
                    // Lost past every retransmission: held like a cut link.
                    self.unoffer(now);
                    break;
                }
                if sent.head {
                    sched.schedule(sent.applied, apply(dataset, index, self.gen));
                }
                moved = true;
            }
            while can_send
                && self.offered < self.queue.in_flight.len()
                && self.queue.in_flight[self.offered].due <= now
            {
                let end = net.transmission_end(self.channel.link, now, bytes);
                self.queue.in_flight[self.offered].due = end;
                self.offered += 1;
                moved = true;
            }
            if !moved {
                break;
            }
        }
        let mut next = Time::NEVER;
        if self.held_from < self.offered {
            next = self.queue.in_flight[self.held_from].due;
        }
        if can_send && self.offered < self.queue.in_flight.len() {
            next = next.min(self.queue.in_flight[self.offered].due);
        }
        if next < self.ship_at {
            if self.ship_at != Time::NEVER {
                // The one queued for later no longer counts.
                self.ship_gen = self.ship_gen.wrapping_add(1);
            }
            self.ship_at = next;
            sched.schedule(next, ship(dataset, index, self.ship_gen));
        }
    }

    /// Messages being sent go back to the log: their transmission was cut
    /// short (the link or the primary went down) or the replica cannot
    /// take them. The queued `Ship` no longer counts.
    fn unoffer(&mut self, now: Time) {
        for m in self.queue.in_flight.range_mut(self.held_from..self.offered) {
            m.due = now;
        }
        self.offered = self.held_from;
        self.ship_gen = self.ship_gen.wrapping_add(1);
        self.ship_at = Time::NEVER;
    }

    /// The replica went down at `now`: what it had not applied is taken
    /// back, to be sent again when it is up (its relay log is gone; the
    /// stream resumes from the last write it applied).
    fn take_back(&mut self, now: Time) {
        let Some(first) = self.queue.in_flight.iter().position(|m| m.applied > now) else {
            return;
        };
        let first = first.min(self.held_from);
        self.unoffer(now);
        for m in self.queue.in_flight.range_mut(first..self.held_from) {
            m.applied = Time::NEVER;
            m.wait = Duration::ZERO;
            m.due = now;
        }
        if self.mark >= self.queue.head_seq + first as u64 {
            // Its acknowledgement came from what the replica lost.
            self.mark_ack = Time::NEVER;
        }
        self.held_from = first;
        self.offered = first;
        self.channel.abandon(now);
        if first == 0 {
            // The head's queued `Apply` no longer counts.
            self.gen = self.gen.wrapping_add(1);
        }
    }

    /// Forgets the `n` newest messages (writes a failover discarded), and
    /// puts each of their keys back as the messages left say.
    fn drop_newest(&mut self, n: usize, now: Time) {
        if n == 0 {
            return;
        }
        self.queue.drop_newest(n);
        let keep = self.queue.in_flight.len();
        self.held_from = self.held_from.min(keep);
        self.offered = self.offered.min(keep);
        if keep == 0 {
            self.gen = self.gen.wrapping_add(1);
            self.channel.abandon(now);
        }
    }

    /// The replica now holds every write (restored from a snapshot of the
    /// primary at `now`, or it just became the primary).
    fn reset(&mut self, now: Time) {
        self.queue.clear();
        self.held_from = 0;
        self.offered = 0;
        self.gen = self.gen.wrapping_add(1);
        self.ship_gen = self.ship_gen.wrapping_add(1);
        self.ship_at = Time::NEVER;
        self.mark = 0;
        self.channel.abandon(now);
        self.last_ack = self.last_ack.min(now);
        self.last_ready = self.last_ready.min(now);
    }

    /// Semi-sync falls back: the newest write is the one the replica must
    /// acknowledge before the primary waits again (MySQL switches
    /// semi-sync back on once a replica has caught up with the largest
    /// position a commit waited for).
    fn set_mark(&mut self) {
        if self.queue.in_flight.is_empty() {
            // Applied, and acknowledged, already.
            self.mark = 0;
            self.mark_ack = self.last_ack;
            return;
        }
        self.mark = self.queue.head_seq + self.queue.in_flight.len() as u64 - 1;
        self.mark_ack = if self.held_from == self.queue.in_flight.len() {
            self.last_ack
        } else {
            Time::NEVER
        };
    }
}

/// One single-primary dataset.
pub struct SinglePrimary {
    dataset: DatasetId,
    primary: RegionId,
    mode: Replication,
    record_bytes: u32,
    streams: Vec<ReplicationStream>,
    acks: Acks,
    /// Writes committed so far.
    commits: u64,
    /// Semi-sync: whether commits wait for acknowledgements now.
    semi_sync: SemiSync,
    /// Semi-sync: writes that started or joined a wait while a replica
    /// they need was cut off, in commit order, until their
    /// acknowledgements are known (answered early if before the fallback)
    /// or the fallback answers them.
    awaiting: VecDeque<Awaiting>,
    failover: Option<Failover>,
    /// The replica a failover promotes if it can (its region).
    target: Option<RegionId>,
    /// Since when the primary's database is down (`None`: up).
    primary_down: Option<Time>,
    /// A promotion is under way.
    promoting: bool,
    /// A planned switchover is under way, to the replica of this stream:
    /// the primary takes no write until it has been promoted.
    switching: Option<usize>,
    /// From a switchover's target having every write to its promotion.
    switchover_delay: Duration,
    /// The old primary, while the app tiers' cached answer for the writer
    /// endpoint still names it after a promotion, and when that answer
    /// expires (a later promotion's answer outlives an earlier one's).
    endpoint: Option<RegionId>,
    endpoint_until: Time,
    /// The primary a failover deposed, until it rejoins as a replica.
    deposed: Option<Deposed>,
    /// `read_consistency: global`: each read at a replica asks the
    /// primary for its newest commit first; the reads doing so, by
    /// request slot, and the draws of their messages.
    global_reads: bool,
    global: ReadIndexes,
    rng_index: SimRng,
    /// Its shard in a geo-sharded dataset (0 otherwise), and the index
    /// its first stream has among the dataset's.
    shard: u8,
    stream_base: u16,
    /// The dataset's copies, in figure order: a copy's metrics slot is its
    /// region's place here.
    slots: Vec<RegionId>,
    /// The residency rules, for a restricted dataset.
    residency: Option<Arc<Residency>>,
}

/// Where a semi-sync primary is between waiting for acknowledgements and
/// async (MySQL's `Rpl_semi_sync_source_status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SemiSync {
    /// Each commit waits for `acks` acknowledgements.
    On,
    /// A write's acknowledgements did not come within the timeout: it, and
    /// every write committed after it, waits until `until` at most, when
    /// the primary falls back to async.
    Waiting { until: Time },
    /// Async since `since`, until `acks` replicas have acknowledged the
    /// newest write that waited (each stream's `mark`).
    Off { since: Time },
}

/// A semi-sync write waiting for acknowledgements that depend on
/// replicas cut off when it committed.
struct Awaiting {
    /// Its client's attempt, if still awaited.
    ticket: Option<super::Ticket>,
    /// It started the wait: answered before `until`, the primary never
    /// fell back.
    trigger: bool,
    /// When the fallback answers it.
    until: Time,
    /// Per stream, its message's sequence number, and when the replica's
    /// acknowledgement reaches the primary (`Time::NEVER`: not yet known).
    seqs: Vec<u64>,
    acks: Vec<Time>,
}

/// What a single-primary log is built from: a dataset's placement, or one
/// shard of a geo-sharded one.
struct Log<'a> {
    primary: RegionId,
    replicas: &'a [RegionId],
    mode: Replication,
    shipping: Option<&'a crate::engine::Dist>,
    failover: Option<&'a crate::scenario::Failover>,
    target: Option<RegionId>,
    switchover_delay: Duration,
    /// Reads at replicas wait for the primary's newest commit.
    global_reads: bool,
    /// The dataset's replica figure slots.
    slots: Vec<RegionId>,
    /// A shard: its index and the index of its first stream.
    shard: Option<(u8, u16)>,
}

/// A primary deposed by a failover, until it rejoins as a replica.
#[derive(Clone, Copy, Debug)]
struct Deposed {
    region: RegionId,
    /// The stream that will feed it once it rejoins.
    stream: usize,
    /// Fenced at promotion: it takes no write.
    fenced: bool,
}

impl SinglePrimary {
    /// Single-primary dataset `d` of `scenario`, placed as `sp`, in run
    /// `run`.
    pub fn new(
        scenario: &Scenario,
        d: DatasetId,
        sp: &crate::scenario::SinglePrimary,
        net: &Network,
        run: u64,
    ) -> SinglePrimary {
        use crate::scenario::Strategy;
        let log = Log {
            primary: sp.primary,
            replicas: &sp.replicas,
            mode: sp.replication,
            shipping: sp.shipping_delay.as_ref(),
            failover: sp.failover.as_ref(),
            target: sp.failover_target(),
            switchover_delay: sp.switchover_delay,
            global_reads: sp.global_reads,
            slots: sp.copies(),
            shard: None,
        };
        SinglePrimary::build(scenario, d, log, net, run)
    }

    /// Shard `shard` (whose first stream is the dataset's `stream_base`-th)
    /// of geo-sharded dataset `d`, placed as `g`: its home is the primary.
    pub fn shard(
        scenario: &Scenario,
        d: DatasetId,
        g: &crate::scenario::GeoSharded,
        shard: u8,
        stream_base: u16,
        net: &Network,
        run: u64,
    ) -> SinglePrimary {
        use crate::scenario::Strategy;
        let sh = &g.shards[usize::from(shard)];
        let log = Log {
            primary: sh.home,
            replicas: &sh.replicas,
            mode: Replication::Async,
            shipping: g.shipping_delay.as_ref(),
            // A shard without a replica has no one to promote; the others
            // promote their own target.
            failover: g.failover.as_ref().filter(|_| !sh.replicas.is_empty()),
            target: sh.target.and_then(|t| sh.replicas.get(t).copied()),
            // Shards take no planned switchover.
            switchover_delay: Duration::ZERO,
            global_reads: false,
            slots: g.copies(),
            shard: Some((shard, stream_base)),
        };
        SinglePrimary::build(scenario, d, log, net, run)
    }

    fn build(
        scenario: &Scenario,
        d: DatasetId,
        log: Log<'_>,
        net: &Network,
        run: u64,
    ) -> SinglePrimary {
        let ds = &scenario.datasets[usize::from(d.0)];
        let Log {
            primary,
            replicas,
            mode,
            shipping,
            failover,
            target,
            switchover_delay,
            global_reads,
            slots,
            shard,
        } = log;
        let seed = scenario.seed;
        let region_name = |r: RegionId| scenario.regions[usize::from(r.0)].name.as_str();
        let ack_on = match mode {
            Replication::Async => AckOn::Nothing,
            Replication::SemiSync { .. } => AckOn::Receipt,
            Replication::Sync => AckOn::Apply,
        };
        // Every stream of the dataset (all shards'), for the key layout.
        let dense = super::super::replication::dense(ds.keys, ds.strategy().streams().len());
        let streams = replicas
            .iter()
            .map(|&r| {
                let name = if shard.is_none() {
                    format!("{}/{}", ds.name, region_name(r))
                } else {
                    format!("{}/{}/{}", ds.name, region_name(primary), region_name(r))
                };
                ReplicationStream {
                    slot: slots.iter().position(|&c| c == r).unwrap_or(slots.len()),
                    gen: 0,
                    joined: true,
                    channel: Channel::new(
                        &name,
                        (seed, run),
                        r,
                        net.link(primary, r),
                        &ds.apply_time,
                        ds.apply_threads as usize,
                        (
                            Time::ZERO + scenario.warmup,
                            Time::ZERO + scenario.warmup + scenario.duration,
                        ),
                    ),
                    back: net.link(r, primary),
                    rng_ack: stream(seed, run, &format!("replication-ack/{name}")),
                    last_ack: Time::ZERO,
                    applied: 0,
                    queue: KeyedQueue::with_layout(ds.keys, dense),
                    held_from: 0,
                    offered: 0,
                    ack_on,
                    deferred: deferred(ack_on, shipping.is_some(), net, net.link(primary, r)),
                    shipping: shipping.cloned(),
                    rng_ship: stream(seed, run, &format!("shipping/{name}")),
                    last_ready: Time::ZERO,
                    ship_at: Time::NEVER,
                    ship_gen: 0,
                    mark: 0,
                    mark_ack: Time::NEVER,
                }
            })
            .collect();
        SinglePrimary {
            dataset: d,
            primary,
            mode,
            record_bytes: ds.record_bytes,
            streams,
            acks: Acks {
                times: vec![Time::NEVER; replicas.len()],
            },
            commits: 0,
            semi_sync: SemiSync::On,
            awaiting: VecDeque::new(),
            target,
            failover: failover.cloned(),
            primary_down: None,
            promoting: false,
            switching: None,
            switchover_delay,
            endpoint: None,
            endpoint_until: Time::ZERO,
            deposed: None,
            global_reads,
            global: ReadIndexes::default(),
            rng_index: stream(seed, run, &format!("read-index/{}", ds.name)),
            shard: shard.map_or(0, |s| s.0),
            stream_base: shard.map_or(0, |s| s.1),
            slots,
            residency: scenario.residency.clone().filter(|_| ds.restricted),
        }
    }

    /// Whether a read may be answered later: `read_consistency: global`.
    pub fn reads_later(&self) -> bool {
        self.global_reads
    }

    /// A write of `key` committed at `at` came to rest in `region`
    /// (committed or applied there): a residency violation if it may not
    /// be there.
    #[cold]
    #[inline(never)]
    fn rests(&self, key: u32, region: RegionId, at: Time, ctx: &mut Ctx) {
        if let Some(r) = &self.residency {
            if at >= ctx.warmup && !r.allows(key, region) {
                ctx.metrics
                    .record_residency_violation(usize::from(self.dataset.0));
            }
        }
    }

    /// Marks the newest message of every stream acknowledged at `acked`
    /// (what a failover needs to count lost writes).
    #[inline(never)]
    fn note_acks(&mut self, acked: Time) {
        for st in &mut self.streams {
            if let Some(m) = st.queue.in_flight.back_mut() {
                m.acked = acked;
            }
        }
    }

    /// Semi-sync, before a write committed at `now` is sent: a primary
    /// whose wait has run out falls back to async, the newest write being
    /// the one `acks` replicas must acknowledge; one whose replicas have
    /// acknowledged it is back (MySQL's `try_switch_on`: on once a replica
    /// has caught up with the largest position a commit waited for).
    #[cold]
    #[inline(never)]
    fn semi_sync_before(&mut self, now: Time, acks: usize, ctx: &mut Ctx) {
        if let SemiSync::Waiting { until } = self.semi_sync {
            if now >= until {
                self.fall_back(until, ctx.warmup, ctx.end, ctx.metrics);
            }
        }
        if let SemiSync::Off { since } = self.semi_sync {
            let caught_up = self.mark_quorum(acks);
            if caught_up <= now {
                ctx.metrics.add_fallback_time(
                    usize::from(self.dataset.0),
                    clipped(since, caught_up, ctx.warmup, ctx.end),
                );
                for st in &mut self.streams {
                    st.mark = 0;
                }
                self.semi_sync = SemiSync::On;
            }
        }
    }

    /// The wait that ends at `until` ran out: the primary falls back to
    /// async, the newest write being the one its replicas must
    /// acknowledge before it waits again.
    fn fall_back(&mut self, until: Time, warmup: Time, end: Time, metrics: &mut RunMetrics) {
        for st in &mut self.streams {
            st.set_mark();
        }
        self.awaiting.clear();
        self.semi_sync = SemiSync::Off { since: until };
        if (warmup..end).contains(&until) {
            metrics.record_fallback(usize::from(self.dataset.0));
        }
    }

    /// The write just committed (`trigger`: it started the wait) waits
    /// until `until` for acknowledgements of which some depend on a
    /// replica cut off now: kept, to be answered early if that replica is
    /// back in time.
    #[cold]
    #[inline(never)]
    fn await_replicas(&mut self, ticket: Option<super::Ticket>, until: Time, trigger: bool) {
        self.awaiting.push_back(Awaiting {
            ticket,
            trigger,
            until,
            seqs: self
                .streams
                .iter()
                .map(|st| st.queue.head_seq + st.queue.in_flight.len() as u64 - 1)
                .collect(),
            acks: self.acks.times.clone(),
        });
    }

    /// After a resume at `now`: each waiting write whose acknowledgements
    /// are now known before its fallback is answered then; if the one that
    /// started the wait is, the primary never fell back.
    #[cold]
    #[inline(never)]
    fn release_awaiting(&mut self, now: Time, acks: usize, ctx: &mut Ctx) {
        let mut back_on = false;
        self.awaiting.retain_mut(|w| {
            if w.until <= now {
                // The fallback answered it.
                return false;
            }
            let mut times = w.acks.clone();
            let (_, &mut q, _) = times.select_nth_unstable(acks - 1);
            if q >= w.until {
                return true;
            }
            if let Some(t) = w.ticket {
                ctx.early_replies.push((q, t));
            }
            back_on |= w.trigger;
            false
        });
        if back_on {
            self.semi_sync = SemiSync::On;
        }
    }

    /// When the `acks`-th acknowledgement of the streams' marks reached
    /// the primary (`Time::NEVER`: not yet known).
    fn mark_quorum(&mut self, acks: usize) -> Time {
        for (t, st) in self.acks.times.iter_mut().zip(&self.streams) {
            *t = st.mark_ack;
        }
        self.acks.kth(acks)
    }

    /// Semi-sync: when the write committed at `now`, whose k-th
    /// acknowledgement reaches the primary at `quorum`, is acknowledged.
    fn semi_sync_ack(&mut self, now: Time, quorum: Time, timeout: Duration) -> Time {
        match self.semi_sync {
            // An earlier write is still waiting for its acknowledgements:
            // this one waits too, and the fallback releases both.
            SemiSync::Waiting { until } => quorum.min(until),
            // Async until the replicas have caught up.
            SemiSync::Off { .. } => now,
            SemiSync::On => {
                let limit = now + timeout;
                if quorum <= limit {
                    return quorum;
                }
                self.semi_sync = SemiSync::Waiting { until: limit };
                limit
            }
        }
    }

    /// A failover event: rare, kept out of the apply path.
    #[cold]
    #[inline(never)]
    fn on_control(&mut self, now: Time, event: Event, ctx: &mut Ctx) {
        match event {
            Event::Promote { .. } => {
                if let Some(p) = self.promote(now, ctx) {
                    ctx.metrics
                        .record_promotion(usize::from(self.dataset.0), now, p);
                }
            }
            Event::EndpointMoved { .. } if now >= self.endpoint_until => self.endpoint = None,
            Event::EndpointMoved { .. } => {}
            _ => self.rejoin(now),
        }
        *ctx.routes_changed = true;
    }

    /// A planned switchover starts at `now`, to the replica in `to` (else
    /// the failover's target, else the most caught-up): the primary stops
    /// taking writes; once the target has applied every write the
    /// primary committed, it is promoted. Nothing is done while the
    /// primary is down or a promotion is under way (a switchover needs a
    /// primary to hand over).
    #[cold]
    #[inline(never)]
    pub fn switchover(&mut self, to: Option<RegionId>, now: Time, ctx: &mut Ctx) {
        if self.promoting || self.primary_down.is_some() {
            return;
        }
        let net = &*ctx.net;
        let named = to.or(self.target).and_then(|t| {
            self.streams
                .iter()
                .position(|st| st.channel.to == t && st.joined && net.db_up(t))
        });
        let Some(j) = named.or_else(|| self.candidate(net).map(|c| c.0)) else {
            return;
        };
        self.switching = Some(j);
        self.promoting = true;
        self.when_drained(j, now, ctx);
    }

    /// A switchover's target (stream `j`) has every write once nothing is
    /// in flight to it: its promotion starts.
    fn when_drained(&mut self, j: usize, now: Time, ctx: &mut Ctx) {
        if self.streams[j].queue.in_flight.is_empty() {
            ctx.sched.schedule(
                now + self.switchover_delay,
                control(Event::Promote {
                    dataset: self.dataset.0,
                    shard: self.shard,
                }),
            );
        }
    }

    /// The replica a promotion at `now` picks: the named target if its
    /// database is up, else the most caught-up one whose database is up.
    /// Also whether a named target was passed over (its database down,
    /// or it is the primary that failed).
    fn candidate(&self, net: &Network) -> Option<(usize, bool)> {
        let up = |i: &usize| {
            let st = &self.streams[*i];
            st.joined && net.db_up(st.channel.to)
        };
        let named = self.target.map(|t| {
            // By region: a failover changes which stream feeds which copy.
            self.streams
                .iter()
                .position(|st| st.channel.to == t)
                .filter(up)
        });
        if let Some(Some(t)) = named {
            return Some((t, false));
        }
        (0..self.streams.len())
            .filter(up)
            .max_by_key(|&i| (self.streams[i].applied, std::cmp::Reverse(i)))
            .map(|i| (i, named.is_some()))
    }

    /// Promotes a replica at `now`: it becomes the primary; the writes it
    /// had not applied are discarded everywhere; the deposed primary will
    /// rejoin as a replica fed by the promoted replica's stream.
    fn promote(&mut self, now: Time, ctx: &mut Ctx) -> Option<Promotion> {
        self.promoting = false;
        let planned = self.switching.take();
        let (j, target_down) = match planned {
            Some(j) => (j, false),
            None => self.candidate(ctx.net)?,
        };
        let old = self.primary;
        let new = self.streams[j].channel.to;
        let st = &self.streams[j];
        let applied = st
            .queue
            .in_flight
            .iter()
            .take_while(|m| m.applied <= now)
            .count();
        let missing = st.queue.in_flight.len() - applied;
        // Acknowledged while the old primary could still send the
        // acknowledgement: before it went down, or before now.
        let cutoff = self.primary_down.unwrap_or(now).min(now);
        let mut lost = 0;
        let mut window: Option<(Time, Time)> = None;
        for m in st.queue.in_flight.range(applied..) {
            if m.acked <= cutoff {
                lost += 1;
                window = Some(match window {
                    None => (m.commit, m.commit),
                    Some((a, b)) => (a.min(m.commit), b.max(m.commit)),
                });
            }
        }
        for st in &mut self.streams {
            let n = missing.min(st.queue.in_flight.len());
            st.drop_newest(n, now);
        }
        self.commits -= missing as u64;
        // The other replicas follow the new primary: what the old one was
        // still sending them did not leave it, and goes from the new one.
        for st in &mut self.streams {
            st.unoffer(now);
            st.channel.link = ctx.net.link(new, st.channel.to);
            st.back = ctx.net.link(st.channel.to, new);
            st.deferred = deferred(st.ack_on, st.shipping.is_some(), ctx.net, st.channel.link);
        }
        let slot = self.slot_of(old);
        let st = &mut self.streams[j];
        // The apply thread's busy time so far was the promoted replica's.
        ctx.metrics.add_apply_busy(
            usize::from(self.dataset.0),
            st.slot,
            st.channel.apply.take_busy(),
        );
        st.reset(now);
        st.slot = slot;
        st.channel.to = old;
        st.channel.link = ctx.net.link(new, old);
        st.back = ctx.net.link(old, new);
        st.deferred = deferred(st.ack_on, st.shipping.is_some(), ctx.net, st.channel.link);
        st.joined = false;
        let fenced = self.failover.as_ref().is_none_or(|f| f.fencing);
        self.deposed = Some(Deposed {
            region: old,
            stream: j,
            fenced,
        });
        self.primary = new;
        self.primary_down = (!ctx.net.db_up(new)).then_some(now);
        self.semi_sync = SemiSync::On;
        self.awaiting.clear();
        for st in &mut self.streams {
            st.mark = 0;
        }
        if planned.is_some() {
            // Handed over in sync: it goes on as a replica at once.
            self.rejoin(now);
        } else if ctx.net.db_up(old) {
            // A deposed primary already up resynchronises from now.
            self.node_up(old, now, ctx);
        }
        if let Some(ttl) = self
            .failover
            .as_ref()
            .map(|f| f.endpoint_ttl)
            .filter(|t| *t > Duration::ZERO)
        {
            self.endpoint = Some(old);
            self.endpoint_until = now + ttl;
            ctx.sched.schedule(
                now + ttl,
                control(Event::EndpointMoved {
                    dataset: self.dataset.0,
                    shard: self.shard,
                }),
            );
        }
        self.resume(now, ctx);
        Some(Promotion {
            lost,
            lost_window: window,
            to: new,
            target_down,
        })
    }

    /// The metrics slot of the copy in `region`: its place among the
    /// dataset's copies (a single-primary dataset's replicas, then its
    /// primary).
    fn slot_of(&self, region: RegionId) -> usize {
        self.slots
            .iter()
            .position(|&r| r == region)
            .unwrap_or(self.slots.len())
    }

    /// The deposed primary has resynchronised at `now`: it rejoins as a
    /// replica holding every write (what it took in a split brain is
    /// discarded).
    fn rejoin(&mut self, now: Time) {
        let Some(d) = self.deposed.take() else {
            return;
        };
        let st = &mut self.streams[d.stream];
        st.reset(now);
        st.joined = true;
    }

    /// A write reached `node`, which is not the primary: a deposed primary
    /// that was not fenced takes it (split brain); anything else does not
    /// answer.
    #[cold]
    #[inline(never)]
    fn stray_write(&mut self, node: RegionId, now: Time, ctx: &mut Ctx) -> Time {
        match self.deposed {
            Some(d) if d.region == node && !d.fenced => {
                if (ctx.warmup..ctx.end).contains(&now) {
                    ctx.metrics
                        .record_split_brain_write(usize::from(self.dataset.0));
                }
                now
            }
            _ => Time::NEVER,
        }
    }

    /// Its replication streams.
    pub fn streams(&self) -> usize {
        self.streams.len()
    }
}

impl super::Strategy for SinglePrimary {
    type Event = Event;

    /// One shard (a geo-sharded dataset's shard is a `SinglePrimary` of
    /// its own).
    fn shard_of(&self, _user: u32) -> usize {
        0
    }

    /// Every replica applies the primary's writes in commit order: it has
    /// missed a write if it has not applied the oldest it lacks of the key.
    fn missed(&self, server: ReadServer, key: u32, _node: RegionId, commit: Time) -> bool {
        self.on_read(key, server) <= commit
    }

    /// The residency rules, if the dataset is restricted.
    fn residency(&self) -> Option<&crate::scenario::Residency> {
        self.residency.as_deref()
    }

    /// The region whose database the app tier in `app` sends writes to:
    /// the primary, or, in a split brain, the deposed primary in its own
    /// region, which still takes them.
    fn write_node(&self, _shard: usize, app: RegionId, net: &Network) -> RegionId {
        match self.deposed {
            Some(d) if !d.fenced && d.region == app && net.db_up(app) => app,
            // The app tiers still name the old primary (the writer
            // endpoint's TTL).
            _ => self.endpoint.unwrap_or(self.primary),
        }
    }

    /// The copy in `region` that can serve a read, if any.
    fn server_in(&self, _key: u32, region: RegionId) -> Option<ReadServer> {
        if region == self.primary {
            return Some(ReadServer::Primary);
        }
        self.streams
            .iter()
            .position(|st| st.channel.to == region && st.joined)
            .map(|i| ReadServer::Replica(i as u16))
    }

    /// Whether `server` is still the copy in `region` (a failover changes
    /// roles under requests in flight).
    #[inline]
    fn serves(&self, _key: u32, region: RegionId, server: ReadServer) -> bool {
        match server {
            ReadServer::Primary => region == self.primary,
            ReadServer::Replica(i) => {
                let st = &self.streams[usize::from(i)];
                st.channel.to == region && st.joined
            }
        }
    }

    /// Where an app tier in `app` reads: its own region's copy if there is
    /// one and its database answers, else the nearest copy (smallest mean
    /// round trip) it can reach now (links up, database up: the driver
    /// sees which copies answer), else the primary.
    fn read_node(&self, _shard: usize, app: RegionId, net: &Network) -> (RegionId, ReadServer) {
        if let Some(server) = self.server_in(0, app).filter(|_| net.db_up(app)) {
            return (app, server);
        }
        let reachable = |r: RegionId| {
            net.db_up(r) && net.state(net.link(app, r)).up && net.state(net.link(r, app)).up
        };
        let round_trip =
            |r: RegionId| net.mean_delay(net.link(app, r)) + net.mean_delay(net.link(r, app));
        let copies = std::iter::once((self.primary, ReadServer::Primary)).chain(
            self.streams
                .iter()
                .enumerate()
                .filter(|(_, st)| st.joined)
                .map(|(i, st)| (st.channel.to, ReadServer::Replica(i as u16))),
        );
        copies
            .filter(|&(r, _)| reachable(r))
            .min_by(|a, b| round_trip(a.0).total_cmp(&round_trip(b.0)))
            .unwrap_or((self.primary, ReadServer::Primary))
    }

    /// Loads the state a request for `key` will touch (a read served by
    /// `read`, or a write when `None`).
    #[inline]
    fn prefetch(&self, key: u32, read: Option<ReadServer>) {
        match read {
            Some(ReadServer::Replica(i)) => self.streams[usize::from(i)].queue.prefetch(key),
            Some(ReadServer::Primary) => {}
            None => {
                for st in &self.streams {
                    st.queue.prefetch(key);
                }
            }
        }
    }

    /// The serving copy answers at once.
    /// A read at a replica under `read_consistency: global`: first the
    /// primary's newest commit (a round trip from the replica), then until
    /// the replica has applied every write committed by then. Any other
    /// read is served at once.
    fn quorum_read(
        &mut self,
        now: Time,
        _key: u32,
        server: ReadServer,
        (req, attempt): (u32, u8),
        ctx: &mut Ctx,
    ) -> super::QuorumRead {
        use super::QuorumRead;
        let ReadServer::Replica(i) = server else {
            return QuorumRead::Serve;
        };
        if !self.global_reads {
            return QuorumRead::Serve;
        }
        let i = usize::from(i);
        match *self.global.slot(req) {
            Some(g) if g.attempt == attempt && g.done => {
                *self.global.slot(req) = None;
                QuorumRead::Done {
                    start: g.start,
                    oldest: Time::NEVER,
                    frontier: Time::NEVER,
                }
            }
            Some(g) if g.attempt == attempt => {
                // The primary's answer: wait for every write it had
                // committed by then. One still in its log looks again when
                // it may leave; one held there by a failure cannot come.
                let mut until = now;
                for m in &self.streams[i].queue.in_flight {
                    if m.commit > g.index_at {
                        break;
                    }
                    if m.applied != Time::NEVER {
                        until = until.max(m.applied);
                    } else if m.due > now {
                        return QuorumRead::Later(m.due);
                    } else {
                        *self.global.slot(req) = None;
                        return QuorumRead::Unavailable;
                    }
                }
                *self.global.slot(req) = Some(ReadIndex { done: true, ..g });
                QuorumRead::Later(until)
            }
            _ => {
                let st = &self.streams[i];
                let up = self.primary_down.is_none() && st.joined && self.switching.is_none();
                let (out, back) = (st.back, st.channel.link);
                if !up {
                    return QuorumRead::Unavailable;
                }
                let Some(there) = ctx.net.transit(out, now, 64, &mut self.rng_index) else {
                    return QuorumRead::Unavailable;
                };
                let Some(answer) = ctx.net.transit(back, there, 64, &mut self.rng_index) else {
                    return QuorumRead::Unavailable;
                };
                *self.global.slot(req) = Some(ReadIndex {
                    attempt,
                    start: now,
                    index_at: there,
                    done: false,
                });
                QuorumRead::Later(answer)
            }
        }
    }

    /// A global read will not be asked about again.
    fn forget_read(&mut self, req: u32) {
        self.global.forget(req);
    }

    /// A read of `key` served by `server`: the commit time of the oldest
    /// write of the key it has not applied (`Time::NEVER`: none).
    #[inline]
    fn on_read(&self, key: u32, server: ReadServer) -> Time {
        match server {
            ReadServer::Primary => Time::NEVER,
            ReadServer::Replica(i) => self.streams[usize::from(i)].queue.oldest_unapplied(key),
        }
    }

    /// A write of `key` reaches the primary at `now` and commits; returns
    /// when the primary acknowledges it (`Time::NEVER`: not while a
    /// replica it waits for is cut off).
    #[inline]
    fn on_write(
        &mut self,
        now: Time,
        key: u32,
        node: RegionId,
        ticket: Option<super::Ticket>,
        ctx: &mut Ctx,
    ) -> Time {
        if node != self.primary || self.switching.is_some() {
            return self.stray_write(node, now, ctx);
        }
        self.commits += 1;
        let measured = now >= ctx.warmup;
        if let Replication::SemiSync { acks, .. } = self.mode {
            self.semi_sync_before(now, usize::from(acks), ctx);
        }
        let mut first_received = Time::NEVER;
        let d = self.dataset.0;
        let base = usize::from(self.stream_base);
        for (i, st) in self.streams.iter_mut().enumerate() {
            let sent = st.send(now, key, self.record_bytes, ctx.net);
            if sent.head {
                ctx.sched.schedule(sent.applied, apply(d, base + i, st.gen));
            }
            if st.deferred {
                st.pump(
                    now,
                    self.record_bytes,
                    true,
                    ctx.net,
                    ctx.sched,
                    d,
                    base + i,
                );
            }
            first_received = first_received.min(sent.arrival);
            self.acks.times[i] = sent.ack;
        }
        let acked = match self.mode {
            Replication::Async => now,
            Replication::Sync => self
                .acks
                .times
                .iter()
                .zip(&self.streams)
                .filter(|(_, st)| st.joined)
                .map(|(t, _)| *t)
                .max()
                .unwrap_or(now),
            Replication::SemiSync { acks, timeout } => {
                let quorum = self.acks.kth(usize::from(acks));
                let starts_wait = self.semi_sync == SemiSync::On;
                let acked = self.semi_sync_ack(now, quorum, timeout);
                if quorum == Time::NEVER && acked != now {
                    self.await_replicas(ticket, acked, starts_wait);
                }
                acked
            }
        };
        if self.failover.is_some() {
            self.note_acks(acked);
        }
        if self.residency.is_some() {
            self.rests(key, self.primary, now, ctx);
        }
        if measured {
            ctx.metrics
                .record_commit(usize::from(d), acked < first_received);
        }
        if let Some(trace) = ctx.trace.as_mut() {
            trace.push(Trace::Acked {
                dataset: d,
                seq: self.commits,
                commit: now,
                at: acked,
            });
        }
        acked
    }

    /// Handles one of the dataset's events.
    #[inline]
    fn on_event(&mut self, now: Time, event: Event, ctx: &mut Ctx) {
        match event {
            Event::Apply { stream, gen, .. } => {
                let stream = stream - self.stream_base;
                let st = &mut self.streams[usize::from(stream)];
                if gen != st.gen {
                    // Its message was taken back when the replica went down.
                    return;
                }
                let seq = st.queue.head_seq;
                let m = st
                    .queue
                    .pop_front()
                    .expect("an Apply event is queued only for a message in flight");
                st.held_from -= 1;
                st.offered -= 1;
                if let Some(trace) = ctx.trace.as_mut() {
                    trace.push(Trace::Applied {
                        dataset: self.dataset.0,
                        replica: stream,
                        seq,
                        at: now,
                    });
                }
                st.applied += 1;
                let replica = st.channel.to;
                if m.commit >= ctx.warmup {
                    ctx.metrics.record_apply(
                        usize::from(self.dataset.0),
                        st.slot,
                        now.since(m.commit),
                        m.wait,
                    );
                }
                if let Some(head) = st.queue.in_flight.front() {
                    if head.applied != Time::NEVER {
                        ctx.sched.schedule(
                            head.applied,
                            apply(
                                self.dataset.0,
                                usize::from(self.stream_base + stream),
                                st.gen,
                            ),
                        );
                    }
                }
                if self.switching == Some(usize::from(stream)) {
                    self.when_drained(usize::from(stream), now, ctx);
                }
                if self.residency.is_some() {
                    // Counted by commit time, as lag and commits are:
                    // every write committed after the warm-up that
                    // reaches the copy, once.
                    self.rests(m.key, replica, m.commit, ctx);
                }
            }
            Event::Ship { stream, gen, .. } => {
                let i = usize::from(stream - self.stream_base);
                let up = ctx.net.db_up(self.primary);
                let st = &mut self.streams[i];
                if gen != st.ship_gen {
                    // Cut short by a failure, or an earlier one was queued.
                    return;
                }
                st.ship_at = Time::NEVER;
                let d = self.dataset.0;
                st.pump(
                    now,
                    self.record_bytes,
                    up,
                    ctx.net,
                    ctx.sched,
                    d,
                    usize::from(stream),
                );
            }
            Event::Promote { .. } | Event::Rejoin { .. } | Event::EndpointMoved { .. } => {
                self.on_control(now, event, ctx)
            }
        }
    }

    /// A link came up or a database node came back at `now`: the messages
    /// that waited are sent, in order, where they now can be.
    fn resume(&mut self, now: Time, ctx: &mut Ctx) {
        if !ctx.net.db_up(self.primary) {
            return;
        }
        let d = self.dataset.0;
        for (i, st) in self.streams.iter_mut().enumerate() {
            let stream = usize::from(self.stream_base) + i;
            if st.deferred {
                st.pump(now, self.record_bytes, true, ctx.net, ctx.sched, d, stream);
                continue;
            }
            let mut waiting = self.awaiting.iter_mut().peekable();
            while st.held_from < st.queue.in_flight.len() {
                let seq = st.queue.head_seq + st.held_from as u64;
                let sent = st.transmit(st.held_from, now, self.record_bytes, ctx.net, true);
                if sent.arrival == Time::NEVER {
                    break;
                }
                if sent.head {
                    ctx.sched.schedule(sent.applied, apply(d, stream, st.gen));
                }
                // A waiting write learns when this replica acknowledges it.
                while waiting.next_if(|w| w.seqs[i] < seq).is_some() {}
                if let Some(w) = waiting.next_if(|w| w.seqs[i] == seq) {
                    w.acks[i] = sent.ack;
                }
            }
        }
        if let (Replication::SemiSync { acks, .. }, false) = (self.mode, self.awaiting.is_empty()) {
            self.release_awaiting(now, usize::from(acks), ctx);
        }
    }

    /// `link` went down at `now`: what was being sent over it stops (the
    /// log keeps it, to be sent when the link is back).
    fn link_down(&mut self, link: LinkId, now: Time) {
        for st in &mut self.streams {
            if st.channel.link == link {
                st.unoffer(now);
            }
        }
    }

    /// The database nodes of `region` went down at `now`: a primary there
    /// stops sending, a replica there takes back what it had not applied.
    fn node_down(&mut self, region: RegionId, now: Time) {
        if region == self.primary {
            self.primary_down.get_or_insert(now);
            // A switchover whose target had not caught up cannot finish:
            // what had not left stays in the failed primary's log. It is
            // called off, and the failover (if any) takes over.
            if let Some(j) = self.switching {
                if !self.streams[j].queue.in_flight.is_empty() {
                    self.switching = None;
                    self.promoting = false;
                }
            }
            // What had not left stays in its log: what was being sent
            // was cut short.
            for st in &mut self.streams {
                st.unoffer(now);
            }
        }
        for st in &mut self.streams {
            if st.channel.to == region {
                st.take_back(now);
            }
        }
    }

    /// The database nodes of `region` are up again at `now`: a deposed
    /// primary there starts to resynchronise.
    fn node_up(&mut self, region: RegionId, now: Time, ctx: &mut Ctx) {
        if region == self.primary {
            self.primary_down = None;
        }
        if let (Some(d), Some(f)) = (self.deposed, &self.failover) {
            if d.region == region {
                ctx.sched.schedule(
                    now + f.resync,
                    control(Event::Rejoin {
                        dataset: self.dataset.0,
                        shard: self.shard,
                    }),
                );
            }
        }
    }

    /// Nothing here is decided by the topology at once.
    fn topology_changed(&mut self, _now: Time, _ctx: &mut Ctx) {}

    /// The health checks' verdict on `region`'s database changed at `now`:
    /// a primary seen down starts a failover. Returns true if it did.
    fn on_db_verdict(&mut self, region: RegionId, healthy: bool, now: Time, ctx: &mut Ctx) -> bool {
        let Some(f) = &self.failover else {
            return false;
        };
        if healthy || region != self.primary || self.promoting {
            return false;
        }
        self.promoting = true;
        let at = now + f.operator_delay + f.promotion_delay;
        ctx.sched.schedule(
            at,
            control(Event::Promote {
                dataset: self.dataset.0,
                shard: self.shard,
            }),
        );
        true
    }

    /// End of bucket `bucket` at `now`: each replica's current lag.
    fn sample(&self, now: Time, bucket: usize, metrics: &mut RunMetrics) {
        for st in &self.streams {
            if st.joined {
                metrics.record_current_lag(
                    usize::from(self.dataset.0),
                    st.slot,
                    bucket,
                    st.queue.current_lag(now),
                );
            }
        }
    }

    /// The run ended at `end`: a fallback still going counts up to it.
    fn finish(&mut self, end: Time, warmup: Time, metrics: &mut RunMetrics) {
        for st in &self.streams {
            metrics.add_apply_busy(
                usize::from(self.dataset.0),
                st.slot,
                st.channel.apply.busy(),
            );
        }
        let Replication::SemiSync { acks, .. } = self.mode else {
            return;
        };
        let since = match self.semi_sync {
            SemiSync::On => return,
            SemiSync::Off { since } => since,
            SemiSync::Waiting { until } if until < end => {
                // It fell back at `until`, after the newest write.
                self.fall_back(until, warmup, end, metrics);
                until
            }
            SemiSync::Waiting { .. } => return,
        };
        // Async until the replicas caught up, or to the end.
        let caught_up = self.mark_quorum(usize::from(acks));
        metrics.add_fallback_time(
            usize::from(self.dataset.0),
            clipped(since, caught_up, warmup, end),
        );
    }

    /// A replica that has not applied the write holds the read until it
    /// has, if that is known to be within `hold`, else sends it to the
    /// primary; the primary, and a replica that has it, serve it.
    fn answer(
        &self,
        server: ReadServer,
        key: u32,
        (node, commit): (RegionId, Time),
        now: Time,
        hold: Option<Duration>,
    ) -> Answer {
        let ReadServer::Replica(i) = server else {
            return Answer::Serve;
        };
        if !self.missed(server, key, node, commit) {
            return Answer::Serve;
        }
        let queue = &self.streams[usize::from(i)].queue;
        match (hold, queue.applied_at(key, commit, now)) {
            (Some(max), Some(t)) if t <= now + max => Answer::HoldUntil(t),
            // Still in the primary's log: a read that waits however long
            // (`read_consistency: session`) looks again when it may leave.
            // One held there by a failure goes to the primary.
            (Some(super::UNBOUNDED_HOLD), None) => queue
                .find(key, commit)
                .filter(|m| m.due > now)
                .map_or(Answer::Forward, |m| Answer::HoldUntil(m.due)),
            _ => Answer::Forward,
        }
    }

    /// Writes committed, and per stream (applied, in flight or waiting).
    fn audit(&self) -> (u64, Vec<(u64, u64)>) {
        (
            self.commits,
            self.streams
                .iter()
                .map(|st| (st.applied, st.queue.in_flight.len() as u64))
                .collect(),
        )
    }
}

/// Whether a stream over `link` sends at `Ship` events rather than at
/// commit: async replication with a shipping delay, or a link with a
/// bandwidth limit. A primary that waits for acknowledgements (semi-sync,
/// sync) decides each write's way at commit.
fn deferred(ack_on: AckOn, shipping: bool, net: &Network, link: LinkId) -> bool {
    ack_on == AckOn::Nothing && (shipping || net.has_transmitter(link))
}

/// The event of stream `stream` of `dataset` that sends what is due.
fn ship(dataset: u16, stream: usize, gen: u8) -> WorldEvent {
    WorldEvent::Data(super::Event::SinglePrimary(Event::Ship {
        dataset,
        stream: stream as u16,
        gen,
    }))
}

/// A failover event (`Promote` or `Rejoin`) as the world's event.
fn control(e: Event) -> WorldEvent {
    WorldEvent::Data(super::Event::SinglePrimary(e))
}

/// The event that applies the head message of stream `stream` of `dataset`.
#[inline]
fn apply(dataset: u16, stream: usize, gen: u8) -> WorldEvent {
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
