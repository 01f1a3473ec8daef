//! Placement strategies: where a dataset's copies live, where its requests
//! go, and how writes reach the copies. Requests and replication messages
//! reach a dataset's strategy only through [`Placement`]; a new strategy
//! (active-active, geo-sharded, leaderless quorums) is a new file here, a
//! variant of [`Placement`] and of [`Event`], and a scenario section.

pub mod active_active;
pub mod geo_sharded;
pub mod single_primary;

use super::net::Network;
use super::Ctx;
use crate::engine::Time;
use crate::metrics::RunMetrics;
use crate::scenario::{DatasetId, RegionId, Scenario};
use active_active::ActiveActive;
use geo_sharded::GeoSharded;
use single_primary::SinglePrimary;

/// The events of every strategy, each strategy's own enum inside.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    SinglePrimary(single_primary::Event),
    ActiveActive(active_active::Event),
}

/// A write's attempt that its client still awaits, for a strategy that
/// may acknowledge it earlier than it said at commit (see
/// [`super::Ctx::early_replies`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ticket {
    pub req: u32,
    pub attempt: u8,
}

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
        }
    }

    /// The region whose database takes the writes the app tier in `app`
    /// sends (of the records of shard `shard`, for a geo-sharded dataset).
    pub fn write_node(&self, shard: usize, app: RegionId, net: &Network) -> RegionId {
        match self {
            Placement::SinglePrimary(p) => p.write_node(app, net),
            Placement::ActiveActive(p) => p.write_node(app, net),
            Placement::GeoSharded(p) => p.write_node(shard, app, net),
        }
    }

    /// When copy `server` applies (applied, `now` if it already has) the
    /// write of `key` committed at `commit`; `None` if that is not known
    /// yet (waiting for its link) or the copy is not a single-primary
    /// replica.
    pub fn applied_at(
        &self,
        server: ReadServer,
        key: u32,
        commit: Time,
        now: Time,
    ) -> Option<Time> {
        match self {
            Placement::SinglePrimary(p) => p.applied_at(server, key, commit, now),
            // `read_your_writes` (whose token wait asks this) is a
            // single-primary setting: nothing waits on these.
            Placement::ActiveActive(_) | Placement::GeoSharded(_) => None,
        }
    }

    /// The residency rules the dataset is held to, if restricted.
    pub fn residency(&self) -> Option<&crate::scenario::Residency> {
        match self {
            Placement::SinglePrimary(p) => p.residency(),
            Placement::ActiveActive(p) => p.residency(),
            Placement::GeoSharded(p) => Some(p.residency()),
        }
    }

    /// The shard of the records of `user` (0 unless geo-sharded).
    pub fn shard_of(&self, user: u32) -> usize {
        match self {
            Placement::GeoSharded(p) => p.shard_of(user),
            Placement::SinglePrimary(_) | Placement::ActiveActive(_) => 0,
        }
    }

    /// Whether `server` is still the copy of `key` in `region`.
    #[inline(always)]
    pub fn serves(&self, key: u32, region: RegionId, server: ReadServer) -> bool {
        match self {
            Placement::SinglePrimary(p) => p.serves(region, server),
            Placement::ActiveActive(p) => p.serves(region, server),
            Placement::GeoSharded(p) => p.serves(key, region, server),
        }
    }

    /// The copy of `key` in `region` that can serve a read, if any.
    pub fn server_in(&self, key: u32, region: RegionId) -> Option<ReadServer> {
        match self {
            Placement::SinglePrimary(p) => p.server_in(region),
            Placement::ActiveActive(p) => p.server_in(region),
            Placement::GeoSharded(p) => p.server_in(key, region),
        }
    }

    /// The dataset whose strategy handles `event`.
    #[inline]
    pub fn dataset_of(event: Event) -> u16 {
        use single_primary::Event as E;
        match event {
            Event::SinglePrimary(E::Apply { dataset, .. } | E::Ship { dataset, .. }) => dataset,
            Event::ActiveActive(active_active::Event::Apply { dataset, .. }) => dataset,
            Event::SinglePrimary(E::Promote { dataset, .. } | E::Rejoin { dataset, .. }) => dataset,
        }
    }

    /// The database nodes of `region` are up again at `now`.
    pub fn node_up(&mut self, region: RegionId, now: Time, ctx: &mut Ctx) {
        match self {
            Placement::SinglePrimary(p) => p.node_up(region, now, ctx),
            Placement::ActiveActive(p) => p.resume(now, ctx),
            Placement::GeoSharded(p) => p.node_up(region, now, ctx),
        }
    }

    /// The health checks' verdict on `region`'s database changed at `now`;
    /// true if that started a failover.
    pub fn on_db_verdict(
        &mut self,
        region: RegionId,
        healthy: bool,
        now: Time,
        ctx: &mut Ctx,
    ) -> bool {
        match self {
            Placement::SinglePrimary(p) => p.on_db_verdict(region, healthy, now, ctx),
            Placement::GeoSharded(p) => p.on_db_verdict(region, healthy, now, ctx),
            // Every copy takes writes: nothing to fail over.
            Placement::ActiveActive(_) => false,
        }
    }

    /// The region and copy that serve the reads an app tier in `client`
    /// sends (of shard `shard`'s records, geo-sharded), with the network as
    /// it is now.
    pub fn read_node(
        &self,
        shard: usize,
        client: RegionId,
        net: &Network,
    ) -> (RegionId, ReadServer) {
        match self {
            Placement::SinglePrimary(p) => p.read_node(client, net),
            Placement::ActiveActive(p) => p.read_node(client, net),
            Placement::GeoSharded(p) => p.read_node(shard, client, net),
        }
    }

    /// Loads the state a request for `key` will touch (a read served by
    /// `read`, or a write when `None`).
    #[inline]
    pub fn prefetch(&self, key: u32, read: Option<ReadServer>) {
        match self {
            Placement::SinglePrimary(p) => p.prefetch(key, read),
            Placement::ActiveActive(_) | Placement::GeoSharded(_) => {}
        }
    }

    /// A read of `key` served by `server`: the commit time of the oldest
    /// write of the key the copy has not applied (`Time::NEVER`: it has
    /// them all). Its version holds every write committed before that.
    #[inline(always)]
    pub fn on_read(&self, key: u32, server: ReadServer) -> Time {
        match self {
            Placement::SinglePrimary(p) => p.on_read(key, server),
            Placement::ActiveActive(p) => p.on_read(key, server),
            Placement::GeoSharded(p) => p.on_read(key, server),
        }
    }

    /// Whether the copy `server` has not applied the write of `key`
    /// committed at `commit` by the copy in `node`.
    #[cold]
    #[inline(never)]
    pub fn missed(&self, server: ReadServer, key: u32, node: RegionId, commit: Time) -> bool {
        match self {
            Placement::SinglePrimary(p) => p.on_read(key, server) <= commit,
            Placement::ActiveActive(p) => p.missed(server, key, node, commit),
            Placement::GeoSharded(p) => p.on_read(key, server) <= commit,
        }
    }

    /// A write of `key` reaches the database in `node` at `now`; returns
    /// when it is acknowledged (`Time::NEVER`: not for now, or not by this
    /// node, which is no longer the primary).
    #[inline]
    pub fn on_write(
        &mut self,
        now: Time,
        key: u32,
        node: RegionId,
        ticket: Option<Ticket>,
        ctx: &mut Ctx,
    ) -> Time {
        match self {
            Placement::SinglePrimary(p) => p.on_write(now, key, node, ticket, ctx),
            Placement::ActiveActive(p) => p.on_write(now, key, node, ctx),
            Placement::GeoSharded(p) => p.on_write(now, key, node, ticket, ctx),
        }
    }

    /// One of the strategy's own events.
    #[inline]
    pub fn on_event(&mut self, now: Time, event: Event, ctx: &mut Ctx) {
        match (self, event) {
            (Placement::SinglePrimary(p), Event::SinglePrimary(e)) => p.on_event(now, e, ctx),
            (Placement::ActiveActive(p), Event::ActiveActive(e)) => p.on_event(now, e, ctx),
            (Placement::GeoSharded(p), Event::SinglePrimary(e)) => p.on_event(now, e, ctx),
            _ => unreachable!("an event reaches the dataset that scheduled it"),
        }
    }

    /// A link came up or a database node came back at `now`: replication
    /// that waited goes on.
    pub fn resume(&mut self, now: Time, ctx: &mut Ctx) {
        match self {
            Placement::SinglePrimary(p) => p.resume(now, ctx),
            Placement::ActiveActive(p) => p.resume(now, ctx),
            Placement::GeoSharded(p) => p.resume(now, ctx),
        }
    }

    /// `link` went down at `now`: what was being sent over it stops.
    pub fn link_down(&mut self, link: super::LinkId, now: Time) {
        match self {
            Placement::SinglePrimary(p) => p.link_down(link, now),
            Placement::GeoSharded(p) => p.link_down(link, now),
            // Its messages leave at commit (see `active_active`).
            Placement::ActiveActive(_) => {}
        }
    }

    /// The database nodes of `region` went down at `now`.
    pub fn node_down(&mut self, region: RegionId, now: Time) {
        match self {
            Placement::SinglePrimary(p) => p.node_down(region, now),
            Placement::GeoSharded(p) => p.node_down(region, now),
            // Messages to it wait (see `active_active`).
            Placement::ActiveActive(_) => {}
        }
    }

    /// End of bucket `bucket` at `now`: sampled series.
    pub fn sample(&self, now: Time, bucket: usize, metrics: &mut RunMetrics) {
        match self {
            Placement::SinglePrimary(p) => p.sample(now, bucket, metrics),
            Placement::ActiveActive(p) => p.sample(now, bucket, metrics),
            Placement::GeoSharded(p) => p.sample(now, bucket, metrics),
        }
    }

    /// The run ended at `end`.
    pub fn finish(&mut self, end: Time, warmup: Time, metrics: &mut RunMetrics) {
        match self {
            Placement::SinglePrimary(p) => p.finish(end, warmup, metrics),
            Placement::ActiveActive(p) => p.finish(metrics),
            Placement::GeoSharded(p) => p.finish(end, warmup, metrics),
        }
    }

    /// Writes committed, and per replication stream (applied, in flight).
    pub fn audit(&self) -> (u64, Vec<(u64, u64)>) {
        match self {
            Placement::SinglePrimary(p) => p.audit(),
            Placement::ActiveActive(p) => p.audit(),
            Placement::GeoSharded(p) => p.audit(),
        }
    }
}
