//! Leaderless quorums (Dynamo, Cassandra): N replicas; the replica nearest
//! the app tier coordinates each request; a write goes to every replica and
//! is acknowledged once `w` have applied it; a read asks every replica and
//! returns the freshest of the first `r` answers (PBS, Bailis et al. 2012).

use super::{nearest, Role, Strategy};
use crate::engine::{Dist, Duration};
use crate::scenario::{Capacity, ClientLoad, Dataset, Failover, RegionId, RywMitigation, Scenario};

/// A leaderless placement.
#[derive(Clone, Debug)]
pub struct Leaderless {
    /// The regions holding a replica, one each, in file order (N).
    pub replicas: Vec<RegionId>,
    /// Acknowledgements a write waits for, 1 to N.
    pub w: u16,
    /// Answers a read waits for, 1 to N.
    pub r: u16,
    /// The PBS delays given in the file (each `None`: from the network).
    pub delays: QuorumDelays,
    /// Probe reads this long after each measured commit, ascending.
    pub probes: Vec<Duration>,
    /// Background read repair.
    pub read_repair: bool,
    /// Anti-entropy interval.
    pub anti_entropy: Option<Duration>,
    /// Sloppy quorum with hinted handoff.
    pub sloppy_quorum: bool,
    /// A write to a key another coordinator's write is still replicating
    /// is refused (a retryable conflict) rather than taken.
    pub fail_concurrent: bool,
}

/// A quorum's message delays (PBS's W, A, R, S), each drawn per message.
#[derive(Clone, Debug, Default)]
pub struct QuorumDelays {
    /// Until the replica has applied the write (no apply threads then).
    pub write: Option<Dist>,
    pub ack: Option<Dist>,
    pub read: Option<Dist>,
    pub response: Option<Dist>,
}

impl Strategy for Leaderless {
    fn name(&self) -> &'static str {
        "leaderless"
    }

    fn label(&self) -> &'static str {
        "leaderless (quorum)"
    }

    fn primary(&self) -> Option<RegionId> {
        None
    }

    fn regions(&self) -> Vec<RegionId> {
        self.replicas.clone()
    }

    fn roles(&self) -> Vec<(RegionId, Role)> {
        self.replicas.iter().map(|&r| (r, Role::Quorum)).collect()
    }

    fn copies(&self) -> Vec<RegionId> {
        self.replicas.clone()
    }

    fn copies_for_rule(&self, _rule: u16) -> Vec<RegionId> {
        self.replicas.clone()
    }

    /// From every coordinator (any replica) to every other replica.
    fn streams(&self) -> Vec<(RegionId, RegionId)> {
        let r = &self.replicas;
        r.iter()
            .flat_map(|&a| r.iter().filter(move |&&b| b != a).map(move |&b| (a, b)))
            .collect()
    }

    /// The replica nearest the app tier coordinates its writes.
    fn write_copy(&self, s: &Scenario, w: &ClientLoad) -> RegionId {
        nearest(w.region, &self.replicas, &s.network)
    }

    /// Any replica coordinates when the nearest is down.
    fn writes_need_one_copy(&self) -> bool {
        false
    }

    fn carries(&self, s: &Scenario, w: &ClientLoad) -> Vec<(RegionId, RegionId)> {
        let from = self.write_copy(s, w);
        self.replicas
            .iter()
            .filter(|&&r| r != from)
            .map(|&r| (from, r))
            .collect()
    }

    /// An apply at every replica (the coordinator's own included); a read
    /// costs `r` answers, counted with the reads (see `read_events`).
    fn write_events(&self, _s: &Scenario, _w: &ClientLoad) -> f64 {
        // Each probe time: one event, then from every replica's region a
        // read answered by `r`.
        let n = self.replicas.len() as f64;
        n + self.probes.len() as f64 * (1.0 + n * f64::from(self.r))
    }

    /// A read asks the replicas: an answer from each of `r` counted,
    /// then the coordinator answers.
    fn read_events(&self) -> f64 {
        f64::from(self.r) + 1.0
    }

    /// The `w`-th fastest acknowledgement: at most the slowest round trip
    /// plus an apply, at least nothing (estimated as the mean round trip
    /// to the farthest replica, an upper bound).
    fn ack_wait(&self, s: &Scenario, d: &Dataset, w: &ClientLoad) -> (f64, f64) {
        let c = self.write_copy(s, w);
        let trip = self
            .replicas
            .iter()
            .map(|&r| super::mean_ns(s, c, r) + super::mean_ns(s, r, c))
            .fold(0.0, f64::max);
        (trip + d.apply_time.capped_mean_nanos(), 1.0)
    }

    /// Each replica's version of every key, the key's list head, and a
    /// record per write until every replica has it.
    fn state_bytes_per_key(&self) -> f64 {
        16.0 * self.replicas.len() as f64 + 4.0
    }

    fn failover(&self) -> Option<&Failover> {
        None
    }

    fn failover_target(&self) -> Option<RegionId> {
        None
    }

    fn commit(&self) -> Option<&Capacity> {
        None
    }

    fn read_your_writes(&self) -> Option<RywMitigation> {
        None
    }

    fn reads_coordinated(&self) -> bool {
        true
    }

    /// Versions are ordered by the coordinator's timestamp: a later write
    /// supersedes an earlier one, with no conflict counted.
    fn conflicts(&self) -> bool {
        false
    }

    fn semi_sync(&self) -> bool {
        false
    }

    fn reads_clocks(&self) -> bool {
        false
    }

    /// Writes stop when fewer than `w` replicas answer.
    fn lint_writes(&self, _s: &Scenario, _d: &Dataset, _writers: &[RegionId]) -> Option<String> {
        None
    }

    /// With N = W (or N = R), losing any one replica stops writes (reads).
    fn lint_outages(&self, s: &Scenario, d: &Dataset, _i: usize) -> Vec<String> {
        let n = self.replicas.len() as u16;
        let mut out = Vec::new();
        let name = |r: &RegionId| s.regions[usize::from(r.0)].name.clone();
        let all = self
            .replicas
            .iter()
            .map(name)
            .collect::<Vec<_>>()
            .join(", ");
        if self.w == n {
            out.push(format!(
                "dataset `{}`: w = {} = N: a write needs every replica ({all}), so losing any one stops writes",
                d.name, self.w
            ));
        }
        if let Some(every) = self.anti_entropy.filter(|&a| a > s.warmup + s.duration) {
            out.push(format!(
                "dataset `{}`: anti_entropy every {every} is longer than the run ({}): no sync happens in it",
                d.name,
                s.warmup + s.duration
            ));
        }
        if self.r == n {
            out.push(format!(
                "dataset `{}`: r = {} = N: a read needs every replica ({all}), so losing any one stops reads",
                d.name, self.r
            ));
        }
        out
    }
}
