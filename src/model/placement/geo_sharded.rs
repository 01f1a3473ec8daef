//! Geo-sharded placement: each user's record lives in the home region of
//! their residency rule. A shard per home is a single-primary dataset of
//! its own (its home the primary, replicas where the scenario lists them),
//! so replication, failover and staleness inside a shard are exactly
//! [`SinglePrimary`]'s; this file only routes each request and event to
//! its shard. Keys are the users' numbers (`popularity: per-user`), so the
//! shard of a key is the shard of its user's rule, and every request of a
//! source goes to the same shard.

use super::super::net::Network;
use super::super::Ctx;
use super::single_primary::{Event, SinglePrimary};
use super::{Answer, ReadServer};
use crate::engine::{Duration, Time};
use crate::metrics::RunMetrics;
use crate::scenario::{DatasetId, RegionId, Residency, Scenario};
use std::sync::Arc;

/// One geo-sharded dataset.
pub struct GeoSharded {
    shards: Vec<SinglePrimary>,
    /// Per shard, the index of its first replication stream among the
    /// dataset's (events name streams by that index).
    bases: Vec<u16>,
    residency: Arc<Residency>,
    /// Per residency rule, its shard.
    shard_of_rule: Vec<u16>,
}

impl GeoSharded {
    /// Geo-sharded dataset `d` of `scenario`, placed as `g`, run `run`.
    pub fn new(
        scenario: &Scenario,
        d: DatasetId,
        g: &crate::scenario::GeoSharded,
        net: &Network,
        run: u64,
    ) -> GeoSharded {
        let mut bases = Vec::new();
        let mut next = 0u16;
        let shards = (0..g.shards.len())
            .map(|i| {
                bases.push(next);
                next += g.shards[i].replicas.len() as u16;
                SinglePrimary::shard(scenario, d, g, i as u8, bases[i], net, run)
            })
            .collect();
        GeoSharded {
            shards,
            bases,
            residency: Arc::clone(
                scenario
                    .residency
                    .as_ref()
                    .expect("a geo-sharded dataset has residency rules"),
            ),
            shard_of_rule: g.shard_of_rule.clone(),
        }
    }
}

impl super::Strategy for GeoSharded {
    type Event = Event;

    /// As its shard's single primary answers.
    fn answer(
        &self,
        server: ReadServer,
        key: u32,
        write: (RegionId, Time),
        now: Time,
        hold: Option<Duration>,
    ) -> Answer {
        self.shards[self.shard_of(key)].answer(server, key, write, now, hold)
    }

    /// A request's state is looked up when it arrives.
    fn prefetch(&self, _key: u32, _read: Option<ReadServer>) {}

    /// As its shard's single primary answers.
    fn missed(&self, server: ReadServer, key: u32, node: RegionId, commit: Time) -> bool {
        self.shards[self.shard_of(key)].missed(server, key, node, commit)
    }

    /// The shard of the records of `user`.
    #[inline]
    fn shard_of(&self, user: u32) -> usize {
        self.residency
            .rule_of(user)
            .map_or(0, |r| usize::from(self.shard_of_rule[usize::from(r)]))
    }

    /// The residency rules.
    fn residency(&self) -> Option<&Residency> {
        Some(&self.residency)
    }

    fn write_node(&self, shard: usize, app: RegionId, net: &Network) -> RegionId {
        self.shards[shard].write_node(0, app, net)
    }

    fn read_node(&self, shard: usize, app: RegionId, net: &Network) -> (RegionId, ReadServer) {
        self.shards[shard].read_node(0, app, net)
    }

    #[inline(never)]
    fn serves(&self, key: u32, region: RegionId, server: ReadServer) -> bool {
        self.shards[self.shard_of(key)].serves(key, region, server)
    }

    fn server_in(&self, key: u32, region: RegionId) -> Option<ReadServer> {
        self.shards[self.shard_of(key)].server_in(key, region)
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

    #[inline(never)]
    fn on_read(&self, key: u32, server: ReadServer) -> Time {
        self.shards[self.shard_of(key)].on_read(key, server)
    }

    #[inline(never)]
    fn on_write(
        &mut self,
        now: Time,
        key: u32,
        node: RegionId,
        ticket: Option<super::Ticket>,
        ctx: &mut Ctx,
    ) -> Time {
        let shard = self.shard_of(key);
        self.shards[shard].on_write(now, key, node, ticket, ctx)
    }

    fn on_event(&mut self, now: Time, event: Event, ctx: &mut Ctx) {
        let shard = match event {
            Event::Apply { stream, .. } | Event::Ship { stream, .. } => (0..self.shards.len())
                .find(|&i| {
                    let n = self.shards[i].streams() as u16;
                    (self.bases[i]..self.bases[i] + n).contains(&stream)
                })
                .expect("an event of a stream names a stream of some shard"),
            Event::Promote { shard, .. }
            | Event::Rejoin { shard, .. }
            | Event::EndpointMoved { shard, .. } => usize::from(shard),
        };
        self.shards[shard].on_event(now, event, ctx);
    }

    fn resume(&mut self, now: Time, ctx: &mut Ctx) {
        for s in &mut self.shards {
            s.resume(now, ctx);
        }
    }

    fn link_down(&mut self, link: super::super::LinkId, now: Time) {
        for s in &mut self.shards {
            s.link_down(link, now);
        }
    }

    fn node_down(&mut self, region: RegionId, now: Time) {
        for s in &mut self.shards {
            s.node_down(region, now);
        }
    }

    fn node_up(&mut self, region: RegionId, now: Time, ctx: &mut Ctx) {
        for s in &mut self.shards {
            s.node_up(region, now, ctx);
        }
    }

    /// Nothing here is decided by the topology at once.
    fn topology_changed(&mut self, _now: Time, _ctx: &mut Ctx) {}

    fn on_db_verdict(&mut self, region: RegionId, healthy: bool, now: Time, ctx: &mut Ctx) -> bool {
        let mut started = false;
        for s in &mut self.shards {
            started |= s.on_db_verdict(region, healthy, now, ctx);
        }
        started
    }

    fn sample(&self, now: Time, bucket: usize, metrics: &mut RunMetrics) {
        for s in &self.shards {
            s.sample(now, bucket, metrics);
        }
    }

    fn finish(&mut self, end: Time, warmup: Time, metrics: &mut RunMetrics) {
        for s in &mut self.shards {
            s.finish(end, warmup, metrics);
        }
    }

    /// Writes committed over every shard, and each shard's streams.
    fn audit(&self) -> (u64, Vec<(u64, u64)>) {
        let mut commits = 0;
        let mut streams = Vec::new();
        for s in &self.shards {
            let (c, st) = s.audit();
            commits += c;
            streams.extend(st);
        }
        (commits, streams)
    }
}
