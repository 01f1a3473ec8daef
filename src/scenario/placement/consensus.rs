//! Consensus groups (Raft, Multi-Paxos; Spanner, CockroachDB, DynamoDB
//! multi-Region strong consistency): voters in listed regions, a leader
//! that takes every write and commits it once a majority of the voters has
//! persisted it; reads at the leader (a lease read), or at the nearest
//! voter (its applied state, or after asking the leader for its commit
//! index).

use super::{mean_ns, Role, Strategy};
use crate::engine::Dist;
use crate::scenario::{Capacity, ClientLoad, Dataset, Failover, RegionId, RywMitigation, Scenario};

pub use crate::scenario::file::ConsensusReadsFile as ConsensusReads;

/// A consensus placement.
#[derive(Clone, Debug)]
pub struct Consensus {
    /// The voters' regions, one each, in file order.
    pub voters: Vec<RegionId>,
    /// The leader's index in `voters`.
    pub leader: usize,
    /// Where reads go.
    pub reads: ConsensusReads,
    /// A voter's wait for a leader before it stands.
    pub election_timeout: Dist,
    /// The leader's lease, if it holds one.
    pub lease: Option<crate::engine::Duration>,
}

impl Consensus {
    /// Voters a write needs: a majority.
    pub fn majority(&self) -> usize {
        self.voters.len() / 2 + 1
    }

    /// The leader's region.
    pub fn leader_region(&self) -> RegionId {
        self.voters[self.leader]
    }
}

impl Strategy for Consensus {
    fn name(&self) -> &'static str {
        "consensus"
    }

    fn label(&self) -> &'static str {
        "consensus (majority)"
    }

    fn primary(&self) -> Option<RegionId> {
        Some(self.leader_region())
    }

    fn regions(&self) -> Vec<RegionId> {
        let mut r = vec![self.leader_region()];
        r.extend(self.voters.iter().filter(|&&v| v != self.leader_region()));
        r
    }

    fn roles(&self) -> Vec<(RegionId, Role)> {
        self.regions()
            .into_iter()
            .map(|r| {
                let role = if r == self.leader_region() {
                    Role::Leader
                } else {
                    Role::Voter
                };
                (r, role)
            })
            .collect()
    }

    fn copies(&self) -> Vec<RegionId> {
        self.voters.clone()
    }

    fn copies_for_rule(&self, _rule: u16) -> Vec<RegionId> {
        self.voters.clone()
    }

    /// From the leader to every other voter.
    fn streams(&self) -> Vec<(RegionId, RegionId)> {
        let l = self.leader_region();
        self.voters
            .iter()
            .filter(|&&v| v != l)
            .map(|&v| (l, v))
            .collect()
    }

    /// Every write goes to the leader.
    fn write_copy(&self, _s: &Scenario, _w: &ClientLoad) -> RegionId {
        self.leader_region()
    }

    fn writes_need_one_copy(&self) -> bool {
        true
    }

    fn carries(&self, _s: &Scenario, _w: &ClientLoad) -> Vec<(RegionId, RegionId)> {
        self.streams()
    }

    /// An apply at every follower.
    fn write_events(&self, _s: &Scenario, _w: &ClientLoad) -> f64 {
        self.voters.len() as f64 - 1.0
    }

    /// A strong follower read asks again twice: after the leader's answer,
    /// and once the voter has applied what it said.
    fn read_events(&self) -> f64 {
        match self.reads {
            ConsensusReads::FollowerStrong => 2.0,
            ConsensusReads::Leader | ConsensusReads::Follower => 0.0,
        }
    }

    /// The majority-th fastest round trip from the leader, plus a persist
    /// (estimated as the slowest, an upper bound).
    fn ack_wait(&self, s: &Scenario, d: &Dataset, _w: &ClientLoad) -> (f64, f64) {
        let l = self.leader_region();
        let trip = self
            .voters
            .iter()
            .map(|&v| mean_ns(s, l, v) + mean_ns(s, v, l))
            .fold(0.0, f64::max);
        (trip + d.apply_time.capped_mean_nanos(), 1.0)
    }

    fn state_bytes_per_key(&self) -> f64 {
        0.0
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

    fn conflicts(&self) -> bool {
        false
    }

    fn semi_sync(&self) -> bool {
        false
    }

    fn reads_clocks(&self) -> bool {
        false
    }

    /// Every write goes to the leader.
    fn lint_writes(&self, s: &Scenario, d: &Dataset, writers: &[RegionId]) -> Option<String> {
        let l = self.leader_region();
        let far: Vec<&str> = writers
            .iter()
            .filter(|&&w| w != l)
            .map(|w| s.regions[usize::from(w.0)].name.as_str())
            .collect();
        (!far.is_empty()).then(|| {
            format!(
                "dataset `{}`: every write goes to the leader in {}, from {} too",
                d.name,
                s.regions[usize::from(l.0)].name,
                far.join(", ")
            )
        })
    }

    /// An even number of voters survives no more failures than one fewer.
    fn lint_outages(&self, s: &Scenario, d: &Dataset, _i: usize) -> Vec<String> {
        let n = self.voters.len();
        let mut out = Vec::new();
        if n.is_multiple_of(2) {
            out.push(format!(
                "dataset `{}`: {n} voters: a majority is {}, so it survives the loss of {} voters, as {} would",
                d.name,
                self.majority(),
                n - self.majority(),
                n - 1
            ));
        }
        if n == 1 {
            out.push(format!(
                "dataset `{}`: one voter, in {}: losing it stops reads and writes",
                d.name,
                s.regions[usize::from(self.voters[0].0)].name
            ));
        }
        out
    }
}
