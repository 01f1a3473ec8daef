//! Single-primary: one region takes every write and streams it to read
//! replicas (async, semi-sync or sync), with an optional failover.

use super::{async_stream_events, mean_ns, user_regions, Role, Strategy};
use crate::engine::{Dist, Duration};
use crate::scenario::{
    Capacity, ClientLoad, Dataset, Failover, FailureKind, RegionId, Scenario, Service,
};

/// A single-primary placement.
#[derive(Clone, Debug)]
pub struct SinglePrimary {
    /// The region that takes every write.
    pub primary: RegionId,
    /// Regions holding a replicated read copy.
    pub replicas: Vec<RegionId>,
    /// When the primary acknowledges a write.
    pub replication: Replication,
    /// The primary's commit path; `None`: commits take no time.
    pub commit: Option<Capacity>,
    /// Promote a replica when the primary is detected down.
    pub failover: Option<Failover>,
    /// How users' reads avoid missing their own writes.
    pub read_your_writes: Option<RywMitigation>,
    /// Async only: how long a committed write waits in the primary's log
    /// before it is sent to the replicas (`None`: it is sent at commit).
    pub shipping_delay: Option<Dist>,
    /// From a planned switchover's target having every write to its
    /// taking writes (the failover's promotion delay, else the preset's,
    /// else the default).
    pub switchover_delay: Duration,
    /// A planned switchover in the failures can depose the primary.
    pub switchover_planned: bool,
    /// A read at a replica first asks the primary for its newest commit
    /// and waits until the replica has applied it (`read_consistency:
    /// global`).
    pub global_reads: bool,
}

/// When a single primary acknowledges a write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replication {
    /// At commit.
    Async,
    /// Once `acks` replicas have received it, or after `timeout` without
    /// them, falling back to async until they catch up.
    SemiSync {
        /// Replicas that must have received the write, 1 to all.
        acks: u16,
        /// Longest wait for them.
        timeout: Duration,
    },
    /// Once every replica has applied it.
    Sync,
}

/// A read-your-writes mitigation (see `file::ReadYourWritesFile`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RywMitigation {
    /// Read from the primary for this long after one's own acknowledged
    /// write.
    PrimaryFor(Duration),
    /// A replica behind the user's last write holds the read until it has
    /// applied it, at most this long, then sends it to the primary.
    TokenWait(Duration),
    /// A replica behind the user's last write sends the read to the
    /// primary.
    TokenPrimary,
    /// A replica behind the user's last write holds the read until it has
    /// applied it, however long (`read_consistency: session`).
    Session,
}

impl Strategy for SinglePrimary {
    fn name(&self) -> &'static str {
        "single-primary"
    }

    fn label(&self) -> &'static str {
        match self.replication {
            Replication::Async => "async",
            Replication::SemiSync { .. } => "semi-sync",
            Replication::Sync => "sync",
        }
    }

    fn primary(&self) -> Option<RegionId> {
        Some(self.primary)
    }

    fn regions(&self) -> Vec<RegionId> {
        std::iter::once(self.primary)
            .chain(self.replicas.iter().copied())
            .collect()
    }

    fn roles(&self) -> Vec<(RegionId, Role)> {
        std::iter::once((self.primary, Role::Primary))
            .chain(self.replicas.iter().map(|&r| (r, Role::Replica)))
            .collect()
    }

    /// The replicas and, with a failover or a planned switchover (which
    /// can depose it), the primary.
    fn copies(&self) -> Vec<RegionId> {
        let deposable = self.failover.is_some() || self.switchover_planned;
        self.replicas
            .iter()
            .copied()
            .chain(deposable.then_some(self.primary))
            .collect()
    }

    fn copies_for_rule(&self, _rule: u16) -> Vec<RegionId> {
        self.regions()
    }

    fn streams(&self) -> Vec<(RegionId, RegionId)> {
        self.replicas.iter().map(|&r| (self.primary, r)).collect()
    }

    fn write_copy(&self, _s: &Scenario, _w: &ClientLoad) -> RegionId {
        self.primary
    }

    fn writes_need_one_copy(&self) -> bool {
        true
    }

    fn carries(&self, _s: &Scenario, _w: &ClientLoad) -> Vec<(RegionId, RegionId)> {
        self.streams()
    }

    /// Async: a message per replica, more where writes leave at their own
    /// events. Semi-sync and sync send at commit, and the acknowledgement
    /// that waits for replicas is one more event.
    fn write_events(&self, s: &Scenario, _w: &ClientLoad) -> f64 {
        match self.replication {
            Replication::Async => {
                async_stream_events(s, &self.streams(), self.shipping_delay.is_some())
            }
            Replication::SemiSync { .. } | Replication::Sync => self.replicas.len() as f64 + 1.0,
        }
    }

    /// A read is served where it arrives.
    fn read_events(&self) -> f64 {
        0.0
    }

    /// Semi-sync: the round trip to the `acks`-th nearest replica, at most
    /// the timeout; sync: to the farthest, and its apply.
    fn ack_wait(&self, s: &Scenario, d: &Dataset, _w: &ClientLoad) -> (f64, f64) {
        let mut trips: Vec<f64> = self
            .replicas
            .iter()
            .map(|&r| mean_ns(s, self.primary, r) + mean_ns(s, r, self.primary))
            .collect();
        trips.sort_by(f64::total_cmp);
        match self.replication {
            Replication::Async => (0.0, 0.0),
            Replication::SemiSync { acks, timeout } => (
                trips
                    .get(usize::from(acks) - 1)
                    .copied()
                    .unwrap_or(0.0)
                    .min(timeout.as_nanos() as f64),
                1.0,
            ),
            Replication::Sync => (
                trips.last().copied().unwrap_or(0.0) + d.apply_time.capped_mean_nanos(),
                1.0,
            ),
        }
    }

    fn state_bytes_per_key(&self) -> f64 {
        0.0
    }

    fn failover(&self) -> Option<&Failover> {
        self.failover.as_ref()
    }

    fn failover_target(&self) -> Option<RegionId> {
        self.failover
            .as_ref()
            .and_then(|f| f.target)
            .and_then(|t| self.replicas.get(t).copied())
    }

    fn commit(&self) -> Option<&Capacity> {
        self.commit.as_ref()
    }

    fn read_your_writes(&self) -> Option<RywMitigation> {
        self.read_your_writes
    }

    fn reads_coordinated(&self) -> bool {
        self.global_reads
    }

    fn conflicts(&self) -> bool {
        false
    }

    fn semi_sync(&self) -> bool {
        matches!(self.replication, Replication::SemiSync { .. })
    }

    fn reads_clocks(&self) -> bool {
        false
    }

    /// With failover, a replica takes the writes over: not a single point
    /// of failure (the failover figures say what it costs).
    fn lint_writes(&self, s: &Scenario, d: &Dataset, writers: &[RegionId]) -> Option<String> {
        (self.failover.is_none() && writers.iter().any(|&c| c != self.primary)).then(|| {
            format!(
                "dataset `{}`: single point of failure: every write, from every region, goes to the primary in {}",
                d.name, s.regions[usize::from(self.primary.0)].name
            )
        })
    }

    fn lint_outages(&self, s: &Scenario, d: &Dataset, i: usize) -> Vec<String> {
        let name = |r: RegionId| s.regions[usize::from(r.0)].name.as_str();
        let users = user_regions(s, i, |_| true);
        let primary_fails = s.failures.iter().any(|f| match &f.kind {
            // What can take the primary's database away.
            FailureKind::Region(r) | FailureKind::Service(r, Service::Database) => {
                *r == self.primary
            }
            _ => false,
        });
        if self.replicas.is_empty() && users.iter().any(|&r| r != self.primary) {
            vec![format!(
                "dataset `{}`: no copy outside {}: its users in {} lose it, reads and writes, when that region fails",
                d.name,
                name(self.primary),
                users.iter().map(|&r| name(r)).collect::<Vec<_>>().join(", ")
            )]
        } else if !self.replicas.is_empty() && self.failover.is_none() && primary_fails {
            vec![format!(
                "dataset `{}` has replicas but no failover: while {} is down its writes fail everywhere",
                d.name,
                name(self.primary)
            )]
        } else {
            Vec::new()
        }
    }
}
