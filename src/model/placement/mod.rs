//! Placement strategies in the model: where a dataset's requests go and how
//! writes reach its copies. Requests and replication messages reach a
//! dataset's strategy only through [`Placement`], which forwards each call,
//! by a `match` the [`each!`] macro writes, to the strategy's [`Strategy`]
//! implementation. Every strategy answers every question in its own file
//! (no default, no wildcard arm answering for it). A new strategy is a new
//! file here implementing [`Strategy`], a variant of [`Placement`] (and of
//! [`Event`], if it has events of its own), its line in [`each!`] and
//! [`Placement::new`], and its half in `crate::scenario::placement`.

pub mod active_active;
pub mod consensus;
pub mod geo_sharded;
pub mod leaderless;
pub mod single_primary;

use super::net::{LinkId, Network};
use super::Ctx;
use crate::engine::{Duration, Time};
use crate::metrics::RunMetrics;
use crate::scenario::{DatasetId, RegionId, Residency, Scenario};
use active_active::ActiveActive;
use consensus::Consensus;
use geo_sharded::GeoSharded;
use leaderless::Leaderless;
pub use leaderless::QuorumRead;
use single_primary::SinglePrimary;

/// The events of every strategy, each strategy's own enum inside.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    SinglePrimary(single_primary::Event),
    ActiveActive(active_active::Event),
    Leaderless(leaderless::Event),
    Consensus(consensus::Event),
}

/// A write's attempt that its client still awaits, for a strategy that
/// may acknowledge it earlier than it said at commit (see
/// [`super::Ctx::early_replies`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ticket {
    pub req: u32,
    pub attempt: u8,
}

/// What a copy does with a read that must see a given write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Serve it now: the copy has the write (or nothing else can be done).
    Serve,
    /// Hold it: the copy applies the write at this time, then serves it.
    HoldUntil(Time),
    /// Send it on to the copy that takes writes, which has every write.
    Forward,
}

/// What [`Strategy::on_write`] returns for a write the node refuses at
/// once with a retryable error (a conflict): the client is told now.
pub const REFUSED: Time = Time::from_nanos(u64::MAX - 1);

/// The hold of `read_consistency: session`: however long the copy takes
/// to apply the write, also while it still waits in the primary's log.
pub const UNBOUNDED_HOLD: Duration = Duration::from_nanos(u64::MAX);

/// Which copy serves a client region's reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadServer {
    /// The copy that takes writes: never stale.
    Primary,
    /// Copy `i` of the dataset (for single-primary, the replica fed by its
    /// stream `i`).
    Replica(u16),
}

/// One dataset's strategy and state.
pub enum Placement {
    SinglePrimary(SinglePrimary),
    ActiveActive(ActiveActive),
    GeoSharded(GeoSharded),
    /// Boxed: its state (channels and links per pair, probe and repair
    /// state) is twice the others'.
    Leaderless(Box<Leaderless>),
    Consensus(Consensus),
}

/// What the world asks of one dataset's strategy. No method has a
/// default: a strategy says what it does, in its own file.
pub trait Strategy {
    /// The strategy's own events.
    type Event;

    /// The region whose database takes the writes the app tier in `app`
    /// sends (of the records of shard `shard`, for a sharded strategy).
    fn write_node(&self, shard: usize, app: RegionId, net: &Network) -> RegionId;

    /// The region and copy that serve the reads an app tier in `app`
    /// sends (of shard `shard`'s records), with the network as it is now.
    fn read_node(&self, shard: usize, app: RegionId, net: &Network) -> (RegionId, ReadServer);

    /// A read of `key` at copy `server` at `now` that must see the write
    /// of `key` the copy in `node` committed at `commit` (a session token):
    /// what the copy does with it. `hold`: how long the copy may hold a
    /// read for a write it has not applied (`None`: it may not).
    fn answer(
        &self,
        server: ReadServer,
        key: u32,
        write: (RegionId, Time),
        now: Time,
        hold: Option<Duration>,
    ) -> Answer;

    /// The residency rules the dataset is held to, if restricted.
    fn residency(&self) -> Option<&Residency>;

    /// The shard of the records of `user`.
    fn shard_of(&self, user: u32) -> usize;

    /// Whether `server` is still the copy of `key` in `region`.
    fn serves(&self, key: u32, region: RegionId, server: ReadServer) -> bool;

    /// The copy of `key` in `region` that can serve a read, if any.
    fn server_in(&self, key: u32, region: RegionId) -> Option<ReadServer>;

    /// Loads the state a request for `key` will touch (a read served by
    /// `read`, or a write when `None`).
    fn prefetch(&self, key: u32, read: Option<ReadServer>);

    /// A read of `key` served by `server`: the commit time of the oldest
    /// write of the key the copy has not applied (`Time::NEVER`: it has
    /// them all). Its version holds every write committed before that.
    fn on_read(&self, key: u32, server: ReadServer) -> Time;

    /// A read of `key` reaches copy `server` at `now` as attempt
    /// `ticket` of its request: [`QuorumRead::Serve`] when the copy
    /// answers at once ([`Strategy::on_read`]); a quorum's coordinator asks
    /// its replicas and says when to ask again.
    fn quorum_read(
        &mut self,
        now: Time,
        key: u32,
        server: ReadServer,
        ticket: (u32, u8),
        ctx: &mut Ctx,
    ) -> QuorumRead;

    /// The read of request `req` will not be asked about again.
    fn forget_read(&mut self, req: u32);

    /// Whether the copy `server` has not applied the write of `key`
    /// committed at `commit` by the copy in `node`.
    fn missed(&self, server: ReadServer, key: u32, node: RegionId, commit: Time) -> bool;

    /// A write of `key` reaches the database in `node` at `now`; returns
    /// when it is acknowledged (`Time::NEVER`: not for now, or not by this
    /// node; [`REFUSED`]: refused now, the client is told).
    fn on_write(
        &mut self,
        now: Time,
        key: u32,
        node: RegionId,
        ticket: Option<Ticket>,
        ctx: &mut Ctx,
    ) -> Time;

    /// One of the strategy's own events.
    fn on_event(&mut self, now: Time, event: Self::Event, ctx: &mut Ctx);

    /// A link came up or a database node came back at `now`: replication
    /// that waited goes on.
    fn resume(&mut self, now: Time, ctx: &mut Ctx);

    /// `link` went down at `now`.
    fn link_down(&mut self, link: LinkId, now: Time);

    /// The database nodes of `region` went down at `now`.
    fn node_down(&mut self, region: RegionId, now: Time);

    /// The database nodes of `region` are up again at `now`.
    fn node_up(&mut self, region: RegionId, now: Time, ctx: &mut Ctx);

    /// Some database node or link went down or came up at `now` (after
    /// the calls above): a strategy that decides by itself who leads
    /// looks again.
    fn topology_changed(&mut self, now: Time, ctx: &mut Ctx);

    /// The health checks' verdict on `region`'s database changed at `now`;
    /// true if that started a failover.
    fn on_db_verdict(&mut self, region: RegionId, healthy: bool, now: Time, ctx: &mut Ctx) -> bool;

    /// End of bucket `bucket` at `now`: sampled series.
    fn sample(&self, now: Time, bucket: usize, metrics: &mut RunMetrics);

    /// The run ended at `end`.
    fn finish(&mut self, end: Time, warmup: Time, metrics: &mut RunMetrics);

    /// Writes committed, and per replication stream (applied, in flight).
    fn audit(&self) -> (u64, Vec<(u64, u64)>);
}

/// `each!(placement, p => expr)`: `expr` with `p` bound to the strategy
/// inside, whichever it is. The one list of the strategies the world
/// dispatches to.
macro_rules! each {
    ($placement:expr, $p:ident => $body:expr) => {
        match $placement {
            Placement::SinglePrimary($p) => $body,
            Placement::ActiveActive($p) => $body,
            Placement::GeoSharded($p) => $body,
            Placement::Leaderless($p) => $body,
            Placement::Consensus($p) => $body,
        }
    };
}

impl Placement {
    /// Dataset `d` of `scenario`, run `run`.
    pub fn new(scenario: &Scenario, d: DatasetId, net: &Network, run: u64) -> Placement {
        use crate::scenario::Placement as Spec;
        match &scenario.datasets[usize::from(d.0)].placement {
            Spec::SinglePrimary(sp) => {
                Placement::SinglePrimary(SinglePrimary::new(scenario, d, sp, net, run))
            }
            Spec::ActiveActive(aa) => {
                Placement::ActiveActive(ActiveActive::new(scenario, d, aa, net, run))
            }
            Spec::GeoSharded(g) => Placement::GeoSharded(GeoSharded::new(scenario, d, g, net, run)),
            Spec::Consensus(c) => Placement::Consensus(Consensus::new(scenario, d, c, net, run)),
            Spec::Leaderless(l) => {
                Placement::Leaderless(Box::new(Leaderless::new(scenario, d, l, net, run)))
            }
        }
    }

    /// See [`Strategy::write_node`].
    pub fn write_node(&self, shard: usize, app: RegionId, net: &Network) -> RegionId {
        each!(self, p => p.write_node(shard, app, net))
    }

    /// See [`Strategy::answer`].
    pub fn answer(
        &self,
        server: ReadServer,
        key: u32,
        write: (RegionId, Time),
        now: Time,
        hold: Option<Duration>,
    ) -> Answer {
        each!(self, p => p.answer(server, key, write, now, hold))
    }

    /// See [`Strategy::residency`].
    pub fn residency(&self) -> Option<&Residency> {
        each!(self, p => p.residency())
    }

    /// See [`Strategy::shard_of`].
    pub fn shard_of(&self, user: u32) -> usize {
        each!(self, p => p.shard_of(user))
    }

    /// See [`Strategy::serves`].
    #[inline(always)]
    pub fn serves(&self, key: u32, region: RegionId, server: ReadServer) -> bool {
        each!(self, p => p.serves(key, region, server))
    }

    /// See [`Strategy::server_in`].
    pub fn server_in(&self, key: u32, region: RegionId) -> Option<ReadServer> {
        each!(self, p => p.server_in(key, region))
    }

    /// The dataset whose strategy handles `event`.
    #[inline]
    pub fn dataset_of(event: Event) -> u16 {
        use single_primary::Event as E;
        match event {
            Event::SinglePrimary(E::Apply { dataset, .. } | E::Ship { dataset, .. }) => dataset,
            Event::ActiveActive(active_active::Event::Apply { dataset, .. }) => dataset,
            Event::Leaderless(leaderless::Event::Message { dataset, .. }) => u16::from(dataset),
            Event::Consensus(
                consensus::Event::Apply { dataset, .. }
                | consensus::Event::Stand { dataset, .. }
                | consensus::Event::Elected { dataset, .. },
            ) => u16::from(dataset),
            Event::SinglePrimary(
                E::Promote { dataset, .. }
                | E::Rejoin { dataset, .. }
                | E::EndpointMoved { dataset, .. },
            ) => dataset,
        }
    }

    /// Whether the run loop should offer this dataset's next events for
    /// prefetching: a wide active-active mesh (each write makes an apply
    /// per other copy, and each apply finds its stream cold).
    pub fn wants_lookahead(&self) -> bool {
        matches!(self, Placement::ActiveActive(p) if p.is_wide())
    }

    /// Asks the processor for what `event` will touch (see
    /// [`Self::wants_lookahead`]).
    #[inline]
    pub fn prefetch_event(&self, event: &Event) {
        if let (
            Placement::ActiveActive(p),
            Event::ActiveActive(active_active::Event::Apply { stream, .. }),
        ) = (self, event)
        {
            p.prefetch_apply(*stream);
        }
    }

    /// See [`Strategy::node_up`].
    pub fn node_up(&mut self, region: RegionId, now: Time, ctx: &mut Ctx) {
        each!(self, p => p.node_up(region, now, ctx))
    }

    /// See [`Strategy::topology_changed`].
    pub fn topology_changed(&mut self, now: Time, ctx: &mut Ctx) {
        each!(self, p => p.topology_changed(now, ctx))
    }

    /// See [`Strategy::on_db_verdict`].
    pub fn on_db_verdict(
        &mut self,
        region: RegionId,
        healthy: bool,
        now: Time,
        ctx: &mut Ctx,
    ) -> bool {
        each!(self, p => p.on_db_verdict(region, healthy, now, ctx))
    }

    /// See [`Strategy::read_node`].
    pub fn read_node(
        &self,
        shard: usize,
        client: RegionId,
        net: &Network,
    ) -> (RegionId, ReadServer) {
        each!(self, p => p.read_node(shard, client, net))
    }

    /// See [`Strategy::prefetch`].
    #[inline]
    pub fn prefetch(&self, key: u32, read: Option<ReadServer>) {
        each!(self, p => p.prefetch(key, read))
    }

    /// See [`Strategy::on_read`].
    #[inline(always)]
    pub fn on_read(&self, key: u32, server: ReadServer) -> Time {
        each!(self, p => p.on_read(key, server))
    }

    /// See [`Strategy::quorum_read`].
    #[inline(always)]
    pub fn quorum_read(
        &mut self,
        now: Time,
        key: u32,
        server: ReadServer,
        ticket: (u32, u8),
        ctx: &mut Ctx,
    ) -> QuorumRead {
        each!(self, p => p.quorum_read(now, key, server, ticket, ctx))
    }

    /// Whether reads may be answered later (see
    /// [`Strategy::quorum_read`]): the read path builds its context only
    /// for them.
    #[inline(always)]
    pub fn reads_by_quorum(&self) -> bool {
        match self {
            Placement::Leaderless(_) => true,
            Placement::Consensus(p) => p.reads_later(),
            Placement::SinglePrimary(p) => p.reads_later(),
            Placement::ActiveActive(_) | Placement::GeoSharded(_) => false,
        }
    }

    /// See [`Strategy::forget_read`].
    pub fn forget_read(&mut self, req: u32) {
        each!(self, p => p.forget_read(req))
    }

    /// See [`Strategy::missed`].
    #[cold]
    #[inline(never)]
    pub fn missed(&self, server: ReadServer, key: u32, node: RegionId, commit: Time) -> bool {
        each!(self, p => p.missed(server, key, node, commit))
    }

    /// See [`Strategy::on_write`].
    #[inline]
    pub fn on_write(
        &mut self,
        now: Time,
        key: u32,
        node: RegionId,
        ticket: Option<Ticket>,
        ctx: &mut Ctx,
    ) -> Time {
        each!(self, p => p.on_write(now, key, node, ticket, ctx))
    }

    /// One of the strategy's own events: each strategy gets the events of
    /// its own kind (a geo-sharded dataset's shards are single-primary).
    #[inline]
    pub fn on_event(&mut self, now: Time, event: Event, ctx: &mut Ctx) {
        match (self, event) {
            (Placement::SinglePrimary(p), Event::SinglePrimary(e)) => p.on_event(now, e, ctx),
            (Placement::ActiveActive(p), Event::ActiveActive(e)) => p.on_event(now, e, ctx),
            (Placement::GeoSharded(p), Event::SinglePrimary(e)) => p.on_event(now, e, ctx),
            (Placement::Leaderless(p), Event::Leaderless(e)) => p.on_event(now, e, ctx),
            (Placement::Consensus(p), Event::Consensus(e)) => p.on_event(now, e, ctx),
            (
                Placement::SinglePrimary(_)
                | Placement::GeoSharded(_)
                | Placement::Leaderless(_)
                | Placement::Consensus(_),
                Event::ActiveActive(_),
            )
            | (
                Placement::ActiveActive(_) | Placement::Leaderless(_) | Placement::Consensus(_),
                Event::SinglePrimary(_),
            )
            | (
                Placement::SinglePrimary(_)
                | Placement::GeoSharded(_)
                | Placement::ActiveActive(_)
                | Placement::Consensus(_),
                Event::Leaderless(_),
            )
            | (
                Placement::SinglePrimary(_)
                | Placement::GeoSharded(_)
                | Placement::ActiveActive(_)
                | Placement::Leaderless(_),
                Event::Consensus(_),
            ) => {
                unreachable!("an event reaches the dataset that scheduled it")
            }
        }
    }

    /// See [`Strategy::resume`].
    pub fn resume(&mut self, now: Time, ctx: &mut Ctx) {
        each!(self, p => p.resume(now, ctx))
    }

    /// See [`Strategy::link_down`].
    pub fn link_down(&mut self, link: LinkId, now: Time) {
        each!(self, p => p.link_down(link, now))
    }

    /// See [`Strategy::node_down`].
    pub fn node_down(&mut self, region: RegionId, now: Time) {
        each!(self, p => p.node_down(region, now))
    }

    /// See [`Strategy::sample`].
    pub fn sample(&self, now: Time, bucket: usize, metrics: &mut RunMetrics) {
        each!(self, p => p.sample(now, bucket, metrics))
    }

    /// See [`Strategy::finish`].
    pub fn finish(&mut self, end: Time, warmup: Time, metrics: &mut RunMetrics) {
        each!(self, p => p.finish(end, warmup, metrics))
    }

    /// See [`Strategy::audit`].
    pub fn audit(&self) -> (u64, Vec<(u64, u64)>) {
        each!(self, p => p.audit())
    }
}

/// The copy nearest `app` among `copies` (their regions) for which `up`
/// holds: the first such in `app`'s own region, else the one with the
/// shortest mean round trip (the first of equals). `None`: none is up.
fn nearest_copy(
    app: RegionId,
    copies: &[RegionId],
    net: &Network,
    up: impl Fn(usize) -> bool,
) -> Option<usize> {
    if let Some(i) = (0..copies.len()).find(|&i| copies[i] == app && up(i)) {
        return Some(i);
    }
    let trip = |r: RegionId| net.mean_delay(net.link(app, r)) + net.mean_delay(net.link(r, app));
    (0..copies.len())
        .filter(|&i| up(i))
        .min_by(|&a, &b| trip(copies[a]).total_cmp(&trip(copies[b])))
}

/// A write of `key` of dataset `dataset` comes to rest in `region`: a
/// residency violation if the rules held to it do not allow it there.
fn record_rest(
    residency: Option<&Residency>,
    dataset: DatasetId,
    key: u32,
    region: RegionId,
    ctx: &mut Ctx,
) {
    if residency.is_some_and(|r| !r.allows(key, region)) {
        ctx.metrics
            .record_residency_violation(usize::from(dataset.0));
    }
}

/// Whether the database in `to` answers the app tier in `app` now (up,
/// and linked both ways).
fn reachable(app: RegionId, to: RegionId, net: &Network) -> bool {
    net.db_up(to) && net.state(net.link(app, to)).up && net.state(net.link(to, app)).up
}
