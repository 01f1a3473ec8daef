//! Geo-sharded: each user's records live in the home region of their
//! residency rule; a shard per home is single-primary there (async), with
//! replicas where the scenario lists them.

use super::{async_stream_events, user_regions, Role, Strategy};
use crate::engine::Dist;
use crate::scenario::{Capacity, ClientLoad, Dataset, Failover, RegionId, RywMitigation, Scenario};

/// A geo-sharded placement.
#[derive(Clone, Debug)]
pub struct GeoSharded {
    /// A shard per residency home, in the order of the rules.
    pub shards: Vec<Shard>,
    /// Per residency rule, the index of its shard.
    pub shard_of_rule: Vec<u16>,
    /// Every region a shard replicates to, in file order: the copies whose
    /// figures are reported.
    pub replicas: Vec<RegionId>,
    /// Promote a shard's replica when its home is detected down (each
    /// shard its own [`Shard::target`]).
    pub failover: Option<Failover>,
    /// How long a committed write waits in its home's log before it is
    /// sent to the shard's replicas (`None`: it is sent at commit).
    pub shipping_delay: Option<Dist>,
}

/// One shard of a geo-sharded dataset: single-primary at its home.
#[derive(Clone, Debug)]
pub struct Shard {
    pub home: RegionId,
    pub replicas: Vec<RegionId>,
    /// The replica its failover promotes (an index into `replicas`), or
    /// the most caught-up one.
    pub target: Option<usize>,
}

impl GeoSharded {
    /// The shard that workload entry `w`'s requests go to (its users'
    /// rule's home). Every request of one entry goes to one shard.
    pub fn shard_of(&self, s: &Scenario, w: &ClientLoad) -> Option<&Shard> {
        let rule = s.residency.as_ref()?.rule_of(w.users?.first)?;
        self.shards
            .get(usize::from(*self.shard_of_rule.get(usize::from(rule))?))
    }

    fn stream_of(sh: &Shard) -> impl Iterator<Item = (RegionId, RegionId)> + '_ {
        sh.replicas.iter().map(move |&r| (sh.home, r))
    }
}

impl Strategy for GeoSharded {
    fn name(&self) -> &'static str {
        "geo-sharded"
    }

    fn label(&self) -> &'static str {
        "geo-sharded (async)"
    }

    /// Every home takes its own shard's writes.
    fn primary(&self) -> Option<RegionId> {
        None
    }

    fn regions(&self) -> Vec<RegionId> {
        let mut out: Vec<RegionId> = Vec::new();
        for r in self
            .shards
            .iter()
            .map(|sh| sh.home)
            .chain(self.replicas.iter().copied())
        {
            if !out.contains(&r) {
                out.push(r);
            }
        }
        out
    }

    /// Each home, then each replica, with the rules whose users' records
    /// it holds.
    fn roles(&self) -> Vec<(RegionId, Role)> {
        let rules_of = |k: usize| -> Vec<u16> {
            (0..self.shard_of_rule.len())
                .filter(|&r| usize::from(self.shard_of_rule[r]) == k)
                .map(|r| r as u16)
                .collect()
        };
        let mut out: Vec<(RegionId, Role)> = self
            .shards
            .iter()
            .enumerate()
            .map(|(k, sh)| (sh.home, Role::ShardHome { rules: rules_of(k) }))
            .collect();
        for (k, sh) in self.shards.iter().enumerate() {
            out.extend(
                sh.replicas
                    .iter()
                    .map(|&r| (r, Role::ShardReplica { rules: rules_of(k) })),
            );
        }
        out
    }

    /// Every shard's replicas, and its home if a failover can depose it.
    fn copies(&self) -> Vec<RegionId> {
        let mut copies = self.replicas.clone();
        if self.failover.is_some() {
            for sh in &self.shards {
                if !copies.contains(&sh.home) {
                    copies.push(sh.home);
                }
            }
        }
        copies
    }

    fn copies_for_rule(&self, rule: u16) -> Vec<RegionId> {
        let sh = &self.shards[usize::from(self.shard_of_rule[usize::from(rule)])];
        std::iter::once(sh.home)
            .chain(sh.replicas.iter().copied())
            .collect()
    }

    fn streams(&self) -> Vec<(RegionId, RegionId)> {
        self.shards.iter().flat_map(Self::stream_of).collect()
    }

    fn write_copy(&self, s: &Scenario, w: &ClientLoad) -> RegionId {
        self.shard_of(s, w)
            .or(self.shards.first())
            .map_or(w.region, |sh| sh.home)
    }

    fn writes_need_one_copy(&self) -> bool {
        true
    }

    fn carries(&self, s: &Scenario, w: &ClientLoad) -> Vec<(RegionId, RegionId)> {
        self.shard_of(s, w)
            .map(|sh| Self::stream_of(sh).collect())
            .unwrap_or_default()
    }

    /// A message per replica of the shard, more where writes leave at
    /// their own events.
    fn write_events(&self, s: &Scenario, w: &ClientLoad) -> f64 {
        async_stream_events(s, &self.carries(s, w), self.shipping_delay.is_some())
    }

    /// A read is served where it arrives.
    fn read_events(&self) -> f64 {
        0.0
    }

    /// Acknowledged at commit (async).
    fn ack_wait(&self, _s: &Scenario, _d: &Dataset, _w: &ClientLoad) -> (f64, f64) {
        (0.0, 0.0)
    }

    fn state_bytes_per_key(&self) -> f64 {
        0.0
    }

    fn failover(&self) -> Option<&Failover> {
        self.failover.as_ref()
    }

    /// Targets are per shard.
    fn failover_target(&self) -> Option<RegionId> {
        None
    }

    fn commit(&self) -> Option<&Capacity> {
        None
    }

    fn read_your_writes(&self) -> Option<RywMitigation> {
        None
    }

    fn conflicts(&self) -> bool {
        false
    }

    fn semi_sync(&self) -> bool {
        false
    }

    fn reads_clocks(&self) -> bool {
        false
    }

    fn lint_writes(&self, s: &Scenario, d: &Dataset, _writers: &[RegionId]) -> Option<String> {
        self.failover.is_none().then(|| {
            let homes: Vec<&str> = self
                .shards
                .iter()
                .map(|sh| s.regions[usize::from(sh.home.0)].name.as_str())
                .collect();
            format!(
                "dataset `{}`: each shard takes writes at its home only ({}): losing a home stops its users' writes (give its shard replicas and `failover`)",
                d.name,
                homes.join(", ")
            )
        })
    }

    /// A shard without a replica: its users lose their records while its
    /// home is down.
    fn lint_outages(&self, s: &Scenario, d: &Dataset, i: usize) -> Vec<String> {
        let name = |r: RegionId| s.regions[usize::from(r.0)].name.as_str();
        let mut out = Vec::new();
        for sh in self.shards.iter().filter(|sh| sh.replicas.is_empty()) {
            let u = user_regions(s, i, |w| {
                self.shard_of(s, w).map(|x| x.home) == Some(sh.home)
            });
            if self.failover.is_some() || u.iter().any(|&r| r != sh.home) {
                out.push(format!(
                    "dataset `{}`: the shard at {} has no replica{}: its users in {} lose their records, reads and writes, while {} is down",
                    d.name,
                    name(sh.home),
                    if self.failover.is_some() { ", so its failover has no one to promote" } else { "" },
                    u.iter().map(|&r| name(r)).collect::<Vec<_>>().join(", "),
                    name(sh.home)
                ));
            }
        }
        out
    }
}
