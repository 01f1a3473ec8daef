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
    /// The voters' regions in file order (a region listed twice holds two
    /// voters, in different zones).
    pub voters: Vec<RegionId>,
    /// Regions of non-voting replicas: every entry, follower reads, no
    /// vote.
    pub non_voters: Vec<RegionId>,
    /// Regions of witnesses: a vote and a log, no data.
    pub witnesses: Vec<RegionId>,
    /// The leader's index in `voters`.
    pub leader: usize,
    /// Where reads go.
    pub reads: ConsensusReads,
    /// A voter's wait for a leader before it stands.
    pub election_timeout: Dist,
    /// The leader's lease, if it holds one.
    pub lease: Option<crate::engine::Duration>,
    /// The clock uncertainty of a voter whose region sets none (a
    /// preset's: Spanner's TrueTime).
    pub uncertainty: Option<Dist>,
    /// `reads: global`: how far in the future a write's timestamp is
    /// (`None`: the default, [`Consensus::default_global_lead`]).
    pub global_lead: Option<crate::engine::Duration>,
    /// `reads: as-of`: how long ago the state a read returns is.
    pub read_staleness: crate::engine::Duration,
    /// Whether the leader waits out twice its clock's uncertainty before
    /// it acknowledges a write (Spanner's commit wait).
    pub commit_wait: bool,
}

impl Consensus {
    /// Votes a write or an election needs: a majority of the voters and
    /// witnesses.
    pub fn majority(&self) -> usize {
        (self.voters.len() + self.witnesses.len()) / 2 + 1
    }

    /// The leader's region.
    pub fn leader_region(&self) -> RegionId {
        self.voters[self.leader]
    }

    /// Every member's region: voters, non-voters, then witnesses (the
    /// model's member indices; the first two are the copies).
    pub fn members(&self) -> Vec<RegionId> {
        let mut m = self.copies_in_order();
        m.extend(&self.witnesses);
        m
    }

    /// The default lead of a global table's writes: 250 ms (the clock
    /// offset CockroachDB advises for global tables, FACTS.md) plus the
    /// slowest mean one-way delay from the leader to a member holding
    /// data, so that each has the write when its timestamp arrives.
    pub fn default_global_lead(&self, s: &Scenario) -> crate::engine::Duration {
        let l = self.leader_region();
        let slowest = self
            .copies_in_order()
            .iter()
            .map(|&m| s.network.delay(l, m).mean_nanos())
            .fold(0.0, f64::max);
        crate::engine::Duration::from_millis(250)
            + crate::engine::Duration::from_nanos(slowest.ceil() as u64)
    }

    fn copies_in_order(&self) -> Vec<RegionId> {
        let mut m = self.voters.clone();
        m.extend(&self.non_voters);
        m
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

    /// The leader's region first, then each other member's once.
    fn regions(&self) -> Vec<RegionId> {
        let mut r = vec![self.leader_region()];
        for m in self.members() {
            if !r.contains(&m) {
                r.push(m);
            }
        }
        r
    }

    fn roles(&self) -> Vec<(RegionId, Role)> {
        let mut out: Vec<(RegionId, Role)> = self
            .voters
            .iter()
            .enumerate()
            .map(|(i, &r)| {
                (
                    r,
                    if i == self.leader {
                        Role::Leader
                    } else {
                        Role::Voter
                    },
                )
            })
            .collect();
        out.extend(self.non_voters.iter().map(|&r| (r, Role::NonVoter)));
        out.extend(self.witnesses.iter().map(|&r| (r, Role::Witness)));
        // The leader's region first, as `regions` lists them.
        let order = self.regions();
        out.sort_by_key(|(r, _)| order.iter().position(|o| o == r));
        out
    }

    /// Voters and non-voters (witnesses hold no data).
    fn copies(&self) -> Vec<RegionId> {
        self.copies_in_order()
    }

    fn copies_for_rule(&self, _rule: u16) -> Vec<RegionId> {
        self.copies_in_order()
    }

    /// From the leader to every other member (a voter in the leader's
    /// region too: its stream stays inside the region).
    fn streams(&self) -> Vec<(RegionId, RegionId)> {
        let l = self.leader_region();
        self.members()
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != self.leader)
            .map(|(_, &v)| (l, v))
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

    /// An apply at every follower and non-voter.
    fn write_events(&self, _s: &Scenario, _w: &ClientLoad) -> f64 {
        (self.voters.len() + self.non_voters.len()) as f64 - 1.0
    }

    /// A strong follower read asks again twice: after the leader's answer,
    /// and once the voter has applied what it said.
    fn read_events(&self) -> f64 {
        match self.reads {
            ConsensusReads::FollowerStrong => 2.0,
            ConsensusReads::Leader
            | ConsensusReads::Follower
            | ConsensusReads::Global
            | ConsensusReads::AsOf => 0.0,
        }
    }

    /// The slowest round trip from the leader to a voting member (an
    /// upper bound on the majority-th), plus a persist, or the commit
    /// wait if longer.
    fn ack_wait(&self, s: &Scenario, d: &Dataset, _w: &ClientLoad) -> (f64, f64) {
        let l = self.leader_region();
        let trip = self
            .voters
            .iter()
            .chain(&self.witnesses)
            .map(|&v| mean_ns(s, l, v) + mean_ns(s, v, l))
            .fold(0.0, f64::max);
        let wait = match s.regions[usize::from(l.0)]
            .uncertainty
            .as_ref()
            .or(self.uncertainty.as_ref())
        {
            Some(u) if self.commit_wait => 2.0 * u.capped_mean_nanos(),
            _ => 0.0,
        };
        // A global table's write waits for its timestamp.
        let wait = if self.reads == ConsensusReads::Global {
            let lead = self
                .global_lead
                .unwrap_or_else(|| self.default_global_lead(s));
            wait.max(lead.as_nanos() as f64)
        } else {
            wait
        };
        ((trip + d.apply_time.capped_mean_nanos()).max(wait), 1.0)
    }

    /// As-of reads count each key's commits in their window (4 bytes).
    fn state_bytes_per_key(&self) -> f64 {
        if self.reads == ConsensusReads::AsOf {
            4.0
        } else {
            0.0
        }
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
        matches!(
            self.reads,
            ConsensusReads::FollowerStrong | ConsensusReads::AsOf
        )
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

    /// An even number of votes survives no more failures than one fewer;
    /// a region holding a majority of them stops writes when it is lost.
    fn lint_outages(&self, s: &Scenario, d: &Dataset, _i: usize) -> Vec<String> {
        let n = self.voters.len() + self.witnesses.len();
        let name = |r: RegionId| s.regions[usize::from(r.0)].name.as_str();
        let mut out = Vec::new();
        if n.is_multiple_of(2) {
            let votes = if self.witnesses.is_empty() {
                format!("{n} voters")
            } else {
                format!("{n} votes (voters and witnesses)")
            };
            out.push(format!(
                "dataset `{}`: {votes}: a majority is {}, so it survives the loss of {} of them, as {} would",
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
                name(self.voters[0])
            ));
        } else if let Some(r) = self.regions().into_iter().find(|&r| {
            self.voters
                .iter()
                .chain(&self.witnesses)
                .filter(|&&v| v == r)
                .count()
                >= self.majority()
        }) {
            out.push(format!(
                "dataset `{}`: {} holds a majority of the votes: it survives a zone, but losing the region stops writes (and leader reads) until it is back",
                d.name,
                name(r)
            ));
        }
        out
    }
}
