//! Active-active placement: every listed region holds a copy that takes
//! the writes of its app tiers at once and replicates them to every other
//! copy over its own FIFO stream (a reliable connection, then the receiving
//! copy's apply threads), as in single-primary replication.
//!
//! # Conflicts
//! Two writes to one key conflict when they were committed at different
//! copies and neither had seen the other (DESIGN.md, Write conflict). A
//! write committed at copy i at time t has seen exactly the writes applied
//! at i before t; so it conflicts with each write to its key that another
//! copy committed and i has not yet applied (the later of two conflicting
//! writes is always the one that finds the other in flight). Each stream
//! keeps, per key, its unapplied messages as a chain, so a commit counts its
//! conflicts exactly.
//!
//! # Resolution
//! - `lww`: each write carries its copy's clock at commit (true time plus
//!   the region's `clock` offset and drift; ties by copy order); every copy
//!   keeps the value with the largest timestamp. A write is lost when some
//!   write with a larger timestamp had not seen it: a concurrent one, or,
//!   with a skewed clock, an earlier one (LWW then discards the later
//!   write). Found at commit: the copy's current value outranks the new
//!   write, or a conflicting write in flight does (the new write is lost),
//!   or is outranked by it (that write is lost). Each write is counted once.
//! - `merge`: concurrent writes are merged (a CRDT): conflicts are counted,
//!   nothing is lost.
//!
//! # Failures
//! A copy whose database is down takes no write; messages to it (and over
//! a link that is down) wait in their stream, in order, and go when it is
//! back. What a copy had received before it went down it keeps.

use super::super::net::{LinkId, Network};
use super::super::replication::{Channel, KeyedQueue, Queued};
use super::super::{Ctx, Event as WorldEvent};
use super::{Answer, ReadServer};
use crate::engine::{Duration, Time};
use crate::metrics::RunMetrics;
use crate::scenario::{DatasetId, RegionId, Resolution, Scenario};
use std::collections::VecDeque;

/// A last-writer-wins timestamp: the committing copy's clock in ns, then
/// the copy's index (ties).
pub type Stamp = (i64, u16);

/// The events of active-active datasets.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// The head message of stream `stream` has been applied at its copy.
    Apply { dataset: u16, stream: u16 },
}

/// One replicated write in flight on a stream.
struct Message {
    key: u32,
    commit: Time,
    /// Its LWW timestamp (ns of the committing copy's clock) and copy.
    stamp: Stamp,
    /// The dataset's write number (for the lost flags).
    id: u64,
    /// Sequence number on this stream of the previous unapplied message
    /// of the same key (0: none).
    prev_same_key: u64,
    /// Commit time of the next message of the same key, if one follows.
    next_commit: Time,
    wait: Duration,
    /// When it is applied; `Time::NEVER` while it waits to be sent.
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

/// Copy `from` to copy `to`: the FIFO connection and `to`'s apply threads.
struct ReplicationStream {
    from: usize,
    to: usize,
    channel: Channel,
    /// What copy `to` has not applied of what `from` committed.
    queue: KeyedQueue<Message>,
    /// First message not yet sent (`queue.in_flight.len()`: none waits).
    held_from: usize,
}

impl ReplicationStream {
    /// Sends message `i` at `now` if the link and the receiving copy allow;
    /// true if it left (and its arrival and apply times are known).
    fn transmit(
        &mut self,
        i: usize,
        now: Time,
        bytes: u32,
        to_up: bool,
        net: &mut Network,
    ) -> bool {
        let carried = if to_up {
            self.channel.carry(now, bytes, true, net)
        } else {
            None
        };
        let Some(c) = carried else {
            self.held_from = i;
            return false;
        };
        let m = &mut self.queue.in_flight[i];
        m.wait = c.wait;
        m.applied = c.applied;
        self.held_from = i + 1;
        true
    }
}

/// The set bits of a row of [`ActiveActive::busy`], lowest first.
struct BusyFroms<'a> {
    row: &'a [u64],
    /// The word `bits` came from.
    word: usize,
    /// Its bits not yet returned.
    bits: u64,
}

impl Iterator for BusyFroms<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.bits == 0 {
            self.word += 1;
            self.bits = *self.row.get(self.word)?;
        }
        let bit = self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        Some(self.word * 64 + bit)
    }
}

/// One active-active dataset.
pub struct ActiveActive {
    dataset: DatasetId,
    /// The copies' regions, in the scenario's order (copy i).
    copies: Vec<RegionId>,
    /// Per copy, its clock: (offset ns, drift fraction).
    clocks: Vec<(f64, f64)>,
    resolution: Resolution,
    record_bytes: u32,
    /// Streams, `from * (n - 1) + k` for the k-th other copy.
    streams: Vec<ReplicationStream>,
    /// Per key and copy (`key * n + copy`), the LWW stamp of the value
    /// the copy holds: key-major, so that the n - 1 applies of one write
    /// share a few cache lines (four copies a line) rather than one line
    /// each, which a wide mesh's applies found cold.
    values: Vec<Stamp>,
    /// Which streams have a message in flight: per receiving copy `to`, a
    /// row of bits (`from`), words `to * words..`: a read or a conflict
    /// check at `to` walks the set bits of its row and looks up only those
    /// streams, rather than touching all n - 1.
    busy: Vec<u64>,
    /// Per key, the commit time of its latest write anywhere.
    latest: Vec<Time>,
    /// Writes committed so far (the next write's id is this).
    commits: u64,
    /// Which writes still in flight somewhere were lost.
    lost: LostFlags,
    warmup: Time,
    bucket: Duration,
    /// The residency rules, for a restricted dataset.
    residency: Option<std::sync::Arc<crate::scenario::Residency>>,
}

impl ActiveActive {
    /// Active-active dataset `d` of `scenario`, placed as `aa`, in run
    /// `run`.
    pub fn new(
        scenario: &Scenario,
        d: DatasetId,
        aa: &crate::scenario::ActiveActive,
        net: &Network,
        run: u64,
    ) -> ActiveActive {
        let ds = &scenario.datasets[usize::from(d.0)];
        let copies = aa.regions.clone();
        let n = copies.len();
        let mut streams = Vec::with_capacity(n * (n - 1));
        let dense = super::super::replication::dense(ds.keys, n * (n - 1));
        for from in 0..n {
            for to in (0..n).filter(|&t| t != from) {
                let (a, b) = (copies[from], copies[to]);
                let name = format!(
                    "{}/{}/{}",
                    ds.name,
                    scenario.regions[usize::from(a.0)].name,
                    scenario.regions[usize::from(b.0)].name
                );
                streams.push(ReplicationStream {
                    from,
                    to,
                    channel: Channel::new(
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
                    ),
                    queue: KeyedQueue::with_layout(ds.keys, dense),
                    held_from: 0,
                });
            }
        }
        ActiveActive {
            dataset: d,
            clocks: copies
                .iter()
                .map(|r| scenario.regions[usize::from(r.0)].clock)
                .collect(),
            values: vec![(i64::MIN, 0); ds.keys as usize * n],
            busy: vec![0; n * n.div_ceil(64)],
            latest: vec![Time::ZERO; ds.keys as usize],
            copies,
            resolution: aa.resolution,
            record_bytes: ds.record_bytes,
            streams,
            commits: 0,
            lost: LostFlags::default(),
            warmup: Time::ZERO + scenario.warmup,
            bucket: scenario.bucket,
            residency: scenario.residency.clone().filter(|_| ds.restricted),
        }
    }

    /// The copy held in `region`.
    fn copy_in(&self, region: RegionId) -> Option<usize> {
        self.copies.iter().position(|&r| r == region)
    }

    /// The streams into copy `to` with a message in flight (an empty
    /// stream holds no write to miss or to conflict with), by sending copy:
    /// indexed through [`Self::busy`], not scanned (a wide mesh has
    /// n (n - 1) streams).
    fn into(&self, to: usize) -> impl Iterator<Item = &ReplicationStream> {
        Self::busy_into(&self.streams, &self.busy, self.copies.len(), to)
    }

    /// Copies from which a mesh asks the run loop to look ahead: 64
    /// copies have 4,032 streams, whose records (~350 bytes each) outgrow
    /// a core's L2 cache, so an apply finds its stream cold. Measured: a
    /// 100-region mesh 3.7 % faster with it, a 30-region one (870 streams,
    /// in cache) 3-5 % slower.
    const WIDE: usize = 64;

    /// Whether this is a wide mesh (see [`Self::WIDE`]).
    pub fn is_wide(&self) -> bool {
        self.copies.len() >= Self::WIDE
    }

    /// Asks the processor for stream `k`'s head message, which its next
    /// apply reads (the stream's own lines come with it).
    #[inline]
    pub fn prefetch_apply(&self, k: u16) {
        if let Some(st) = self.streams.get(usize::from(k)) {
            if let Some(m) = st.queue.in_flight.front() {
                crate::engine::prefetch(m);
            }
        }
    }

    /// The index of the stream from copy `from` to copy `to`.
    fn stream_index(n: usize, from: usize, to: usize) -> usize {
        from * (n - 1) + if to < from { to } else { to - 1 }
    }

    /// [`Self::into`], for a caller that holds other fields mutably.
    fn busy_into<'a>(
        streams: &'a [ReplicationStream],
        busy: &'a [u64],
        n: usize,
        to: usize,
    ) -> impl Iterator<Item = &'a ReplicationStream> {
        Self::busy_froms(busy, n, to).map(move |from| &streams[Self::stream_index(n, from, to)])
    }

    /// The copies whose stream into `to` is busy, in increasing order.
    fn busy_froms(busy: &[u64], n: usize, to: usize) -> BusyFroms<'_> {
        let words = n.div_ceil(64);
        let row = &busy[to * words..(to + 1) * words];
        BusyFroms {
            row,
            word: 0,
            bits: row.first().copied().unwrap_or(0),
        }
    }

    /// Marks the stream from `from` to `to` busy or idle.
    fn set_busy(busy: &mut [u64], n: usize, from: usize, to: usize, on: bool) {
        let (word, bit) = (to * n.div_ceil(64) + from / 64, 1u64 << (from % 64));
        if on {
            busy[word] |= bit;
        } else {
            busy[word] &= !bit;
        }
    }

    /// The copy with the smallest mean round trip from `app` whose database
    /// answers and whose links from `app` are up (its own if it has one).
    fn nearest(&self, app: RegionId, net: &Network) -> usize {
        super::nearest_copy(app, &self.copies, net, |i| {
            super::reachable(app, self.copies[i], net)
        })
        .or_else(|| self.copy_in(app))
        .unwrap_or(0)
    }

    /// Copy `i`'s clock at true time `now`, in ns (with any step a
    /// failure gives it).
    fn clock(&self, i: usize, now: Time, net: &Network) -> i64 {
        let (offset, drift) = self.clocks[i];
        let t = now.as_nanos() as f64;
        (t + offset + drift * t + net.clock_step(self.copies[i])).round() as i64
    }

    /// A write of `key` came to rest in `region` in the span: a residency
    /// violation if it may not be there.
    fn rests(&self, key: u32, region: RegionId, ctx: &mut Ctx) {
        super::record_rest(self.residency.as_deref(), self.dataset, key, region, ctx);
    }

    /// Write `id` was applied at one more copy: the lost flags of writes
    /// every other copy has applied are dropped (a count per write, not a
    /// scan of every stream: a wide mesh has thousands).
    fn retire(&mut self, id: u64) {
        if let Some(f) = id
            .checked_sub(self.lost.base)
            .and_then(|i| self.lost.flags.get_mut(i as usize))
        {
            f.2 = f.2.saturating_sub(1);
        }
        while self.lost.flags.front().is_some_and(|f| f.2 == 0) {
            self.lost.flags.pop_front();
            self.lost.base += 1;
        }
    }

    /// The LWW timestamp of the value copy `copy` holds of `key`.
    pub fn held(&self, copy: usize, key: u32) -> Stamp {
        self.values[self.value_index(copy, key)]
    }

    /// Per key, the commit time of its latest write (for tests: with exact
    /// clocks, once replication has drained, every copy holds that one).
    pub fn latest(&self) -> &[Time] {
        &self.latest
    }

    /// Where copy `copy`'s stamp of `key` is in `values`.
    #[inline(always)]
    fn value_index(&self, copy: usize, key: u32) -> usize {
        key as usize * self.copies.len() + copy
    }
}

impl super::Strategy for ActiveActive {
    type Event = Event;

    /// A copy that has not applied the write holds the read until its
    /// stream from the committing copy has, if that is known to be within
    /// `hold`; else it serves what it has (no copy here has every write to
    /// send it to).
    fn answer(
        &self,
        server: ReadServer,
        key: u32,
        (node, commit): (RegionId, Time),
        now: Time,
        hold: Option<Duration>,
    ) -> Answer {
        if !self.missed(server, key, node, commit) {
            return Answer::Serve;
        }
        let (ReadServer::Replica(to), Some(from)) = (server, self.copy_in(node)) else {
            return Answer::Serve;
        };
        // `missed` said the stream from `from` to `to` holds the write.
        let k = Self::stream_index(self.copies.len(), from, usize::from(to));
        let applied = self.streams[k].queue.applied_at(key, commit, now);
        match (hold, applied) {
            (Some(max), Some(t)) if t <= now + max => Answer::HoldUntil(t),
            _ => Answer::Serve,
        }
    }

    /// One shard: every copy holds every record.
    fn shard_of(&self, _user: u32) -> usize {
        0
    }

    /// A request's state is looked up when it arrives.
    fn prefetch(&self, _key: u32, _read: Option<ReadServer>) {}

    /// Its messages leave at commit: nothing is being sent when a link
    /// goes down (they wait in their stream until it is up).
    fn link_down(&mut self, _link: LinkId, _now: Time) {}

    /// Messages to a copy that is down wait in their stream; it keeps what
    /// it had received.
    fn node_down(&mut self, _region: RegionId, _now: Time) {}

    /// Messages that waited for the copy go on.
    fn node_up(&mut self, _region: RegionId, now: Time, ctx: &mut Ctx) {
        self.resume(now, ctx);
    }

    /// Nothing here is decided by the topology at once.
    fn topology_changed(&mut self, _now: Time, _ctx: &mut Ctx) {}

    /// Every copy takes writes: nothing to fail over.
    fn on_db_verdict(
        &mut self,
        _region: RegionId,
        _healthy: bool,
        _now: Time,
        _ctx: &mut Ctx,
    ) -> bool {
        false
    }

    /// Where the app tier in `app` writes: its own copy, else the nearest
    /// that answers.
    fn write_node(&self, _shard: usize, app: RegionId, net: &Network) -> RegionId {
        self.copies[self.nearest(app, net)]
    }

    /// Where it reads: the same copy.
    fn read_node(&self, _shard: usize, app: RegionId, net: &Network) -> (RegionId, ReadServer) {
        let i = self.nearest(app, net);
        (self.copies[i], ReadServer::Replica(i as u16))
    }

    /// The copy in `region`, if any.
    fn server_in(&self, _key: u32, region: RegionId) -> Option<ReadServer> {
        self.copy_in(region).map(|i| ReadServer::Replica(i as u16))
    }

    /// Whether `server` is the copy in `region` (always, once chosen).
    fn serves(&self, _key: u32, region: RegionId, server: ReadServer) -> bool {
        matches!(server, ReadServer::Replica(i) if self.copies.get(usize::from(i)) == Some(&region))
    }

    /// The serving copy answers at once.
    fn quorum_read(
        &mut self,
        _now: Time,
        _key: u32,
        _server: ReadServer,
        _ticket: (u32, u8),
        _ctx: &mut Ctx,
    ) -> super::QuorumRead {
        super::QuorumRead::Serve
    }

    /// No read waits for answers.
    fn forget_read(&mut self, _req: u32) {}

    /// A read of `key` at copy `server` at `now`: how long ago the oldest
    /// write it misses was committed, if it misses one.
    fn on_read(&self, key: u32, server: ReadServer) -> Time {
        let ReadServer::Replica(i) = server else {
            return Time::NEVER;
        };
        self.into(usize::from(i))
            .map(|s| s.queue.oldest_unapplied(key))
            .min()
            .unwrap_or(Time::NEVER)
    }

    /// Whether copy `server` has not applied the write of `key` committed
    /// at `commit` by the copy in `node` (its stream from there applies in
    /// commit order).
    fn missed(&self, server: ReadServer, key: u32, node: RegionId, commit: Time) -> bool {
        let (ReadServer::Replica(to), Some(from)) = (server, self.copy_in(node)) else {
            return false;
        };
        let (n, to) = (self.copies.len(), usize::from(to));
        from != to
            && self.streams[Self::stream_index(n, from, to)]
                .queue
                .oldest_unapplied(key)
                <= commit
    }

    /// A write of `key` reaches the copy in `node` at `now` and commits
    /// there: acknowledged at once (`Time::NEVER` if `node` holds no copy).
    fn on_write(
        &mut self,
        now: Time,
        key: u32,
        node: RegionId,
        _ticket: Option<super::Ticket>,
        ctx: &mut Ctx,
    ) -> Time {
        let Some(c) = self.copy_in(node) else {
            return Time::NEVER;
        };
        let id = self.commits;
        self.commits += 1;
        let measured = (ctx.warmup..ctx.end).contains(&now);
        let bucket = if measured {
            (now.since(self.warmup).as_nanos() / self.bucket.as_nanos()) as u32
        } else {
            UNMEASURED
        };
        // Every other copy applies it once.
        let others = (self.copies.len() - 1) as u32;
        self.lost.flags.push_back((false, bucket, others));
        if now >= ctx.warmup {
            self.rests(key, node, ctx);
        }
        let stamp = (self.clock(c, now, ctx.net), c as u16);
        self.latest[key as usize] = now;
        let d = usize::from(self.dataset.0);
        // Conflicts: writes to the key other copies committed that this
        // copy has not applied.
        let lww = self.resolution == Resolution::Lww;
        let mut conflicts = 0u64;
        let mut lost_new = false;
        let n = self.copies.len();
        for st in Self::busy_into(&self.streams, &self.busy, n, c) {
            let q = &st.queue;
            let mut seq = q.newest_of(key).unwrap_or(0);
            while seq >= q.head_seq && seq != 0 {
                let m = q.message(seq);
                conflicts += 1;
                if m.stamp > stamp {
                    lost_new = true;
                } else if lww {
                    self.lost.mark(m.id, d, ctx.metrics);
                }
                seq = m.prev_same_key;
            }
        }
        if lww {
            // The value this copy holds outranks the new write: it was
            // applied here, so the new write saw it; it did not see the
            // new write.
            let i = self.value_index(c, key);
            let held = &mut self.values[i];
            if *held > stamp {
                lost_new = true;
            } else {
                *held = stamp;
            }
            if lost_new {
                self.lost.mark(id, d, ctx.metrics);
            }
        }
        if measured {
            // Acknowledged at commit, before any other copy has it.
            ctx.metrics.record_commit(d, true);
            ctx.metrics.record_conflicts(d, bucket as usize, conflicts);
        }
        // Replicate to every other copy.
        let bytes = self.record_bytes;
        let lww = self.resolution == Resolution::Lww;
        // The streams from copy `c`, in order (indexed, not scanned).
        let out = c * (n - 1)..(c + 1) * (n - 1);
        for (k, st) in self.streams[out.clone()].iter_mut().enumerate() {
            let k = out.start + k;
            // The stamp each copy compares at apply, a link delay from now:
            // fetched while few other lines are touched in between (a miss
            // per apply was most of a wide mesh's time).
            if lww {
                crate::engine::prefetch(&self.values[key as usize * n + st.to]);
            }
            if st.queue.in_flight.is_empty() {
                Self::set_busy(&mut self.busy, n, c, st.to, true);
            }
            st.queue.push(key, now, |prev_same_key| Message {
                key,
                commit: now,
                stamp,
                id,
                prev_same_key,
                next_commit: Time::NEVER,
                wait: Duration::ZERO,
                applied: Time::NEVER,
            });
            let last = st.queue.in_flight.len() - 1;
            if st.held_from == last {
                let up = ctx.net.db_up(self.copies[st.to]);
                if st.transmit(last, now, bytes, up, ctx.net) && last == 0 {
                    let at = st.queue.in_flight[0].applied;
                    ctx.sched.schedule(at, apply(self.dataset.0, k));
                }
            }
        }
        now
    }

    /// The head message of stream `k` is applied at `now`.
    fn on_event(&mut self, now: Time, event: Event, ctx: &mut Ctx) {
        let Event::Apply { stream: k, .. } = event;
        let d = usize::from(self.dataset.0);
        let st = &mut self.streams[usize::from(k)];
        let m = st
            .queue
            .pop_front()
            .expect("an Apply event is queued only for a message in flight");
        st.held_from -= 1;
        let to = st.to;
        if st.queue.in_flight.is_empty() {
            Self::set_busy(&mut self.busy, self.copies.len(), st.from, to, false);
        }
        if m.commit >= ctx.warmup {
            self.rests(m.key, self.copies[to], ctx);
        }
        let st = &mut self.streams[usize::from(k)];
        if m.commit >= ctx.warmup {
            ctx.metrics.record_apply(d, to, now.since(m.commit), m.wait);
        }
        if let Some(head) = st.queue.in_flight.front() {
            if head.applied != Time::NEVER {
                ctx.sched
                    .schedule(head.applied, apply(self.dataset.0, usize::from(k)));
            }
        }
        if self.resolution == Resolution::Lww {
            let i = self.value_index(to, m.key);
            let v = &mut self.values[i];
            if m.stamp > *v {
                *v = m.stamp;
            }
        }
        self.retire(m.id);
    }

    /// The residency rules, if the dataset is restricted.
    fn residency(&self) -> Option<&crate::scenario::Residency> {
        self.residency.as_deref()
    }

    /// A link came up or a copy came back at `now`: waiting messages go.
    fn resume(&mut self, now: Time, ctx: &mut Ctx) {
        let bytes = self.record_bytes;
        for (k, st) in self.streams.iter_mut().enumerate() {
            let up = ctx.net.db_up(self.copies[st.to]) && ctx.net.db_up(self.copies[st.from]);
            while st.held_from < st.queue.in_flight.len() {
                let i = st.held_from;
                if !st.transmit(i, now, bytes, up, ctx.net) {
                    break;
                }
                if i == 0 {
                    ctx.sched
                        .schedule(st.queue.in_flight[0].applied, apply(self.dataset.0, k));
                }
            }
        }
    }

    /// End of bucket `bucket` at `now`: each copy's current lag (behind
    /// the copy it trails most).
    fn sample(&self, now: Time, bucket: usize, metrics: &mut RunMetrics) {
        // One pass over the streams (a scan per copy would be n^3).
        for st in &self.streams {
            metrics.record_current_lag(
                usize::from(self.dataset.0),
                st.to,
                bucket,
                st.queue.current_lag(now),
            );
        }
    }

    /// The run ended: apply busy time per copy (over its incoming
    /// streams' threads).
    fn finish(&mut self, _end: Time, _warmup: Time, metrics: &mut RunMetrics) {
        let n = self.copies.len();
        for st in &self.streams {
            // Each incoming stream has its own threads: a copy's figure is
            // their mean.
            metrics.add_apply_busy(
                usize::from(self.dataset.0),
                st.to,
                Duration::from_nanos(st.channel.apply.busy().as_nanos() / (n as u64 - 1)),
            );
        }
    }

    /// Writes committed, and per stream (applied, in flight).
    fn audit(&self) -> (u64, Vec<(u64, u64)>) {
        (
            self.commits,
            self.streams
                .iter()
                .map(|s| (s.queue.head_seq - 1, s.queue.in_flight.len() as u64))
                .collect(),
        )
    }
}

/// Whether each write still in flight somewhere was lost, and the time
/// bucket it was committed in ([`UNMEASURED`]: outside the span): writes
/// `base..`, those applied everywhere dropped, so it stays as long as the
/// longest stream.
#[derive(Default)]
struct LostFlags {
    /// Lost, the bucket of its commit, and the copies yet to apply it.
    flags: VecDeque<(bool, u32, u32)>,
    base: u64,
}

impl LostFlags {
    /// Marks write `id` lost (once), counting it in `w` if it was measured.
    fn mark(&mut self, id: u64, dataset: usize, metrics: &mut RunMetrics) {
        let Some(slot) = id
            .checked_sub(self.base)
            .and_then(|i| self.flags.get_mut(i as usize))
        else {
            return;
        };
        if !slot.0 {
            slot.0 = true;
            if slot.1 != UNMEASURED {
                metrics.record_lost_update(dataset, slot.1 as usize);
            }
        }
    }
}

/// The bucket of a write committed outside the measured span.
const UNMEASURED: u32 = u32::MAX;

/// The event that applies the head message of stream `k` of `dataset`.
#[inline]
fn apply(dataset: u16, k: usize) -> WorldEvent {
    WorldEvent::Data(super::Event::ActiveActive(Event::Apply {
        dataset,
        stream: k as u16,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The busy-stream bits over three words (130 copies): after random
    /// marks, each row walks exactly the streams marked busy, in order.
    #[test]
    fn busy_rows_walk_the_marked_streams_in_order() {
        let n: usize = 130;
        let mut busy = vec![0u64; n * n.div_ceil(64)];
        let mut truth = vec![false; n * n];
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let (from, to, on) = (
                (x % n as u64) as usize,
                ((x >> 20) % n as u64) as usize,
                x >> 63 == 1,
            );
            if from == to {
                continue;
            }
            ActiveActive::set_busy(&mut busy, n, from, to, on);
            truth[to * n + from] = on;
        }
        let mut seen = 0;
        for to in 0..n {
            let want: Vec<usize> = (0..n).filter(|&f| truth[to * n + f]).collect();
            let got: Vec<usize> = ActiveActive::busy_froms(&busy, n, to).collect();
            assert_eq!(got, want, "row {to}");
            seen += got.len();
        }
        assert!(seen > 1000 && seen < n * n - 1000, "{seen}");
        assert!(
            (0..n).any(|to| ActiveActive::busy_froms(&busy, n, to).any(|f| f >= 128)),
            "the third word is walked"
        );
    }
}
