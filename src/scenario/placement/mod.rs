//! Placement strategies as a scenario states them: where a dataset's
//! copies live and how its writes reach them.
//!
//! A resolved [`Dataset`](super::Dataset) holds one [`Placement`]: a value
//! of one strategy's own type, never optional fields of several. Every
//! question the crate asks about a placement outside the model (which
//! copies exist where, which links its writes travel, what a write costs
//! the estimate, which figures it has, what its lints say) is a method of
//! [`Strategy`], which each strategy implements in its own file without
//! default answers. [`Placement::strategy`] is the one place that lists
//! the strategies; the model's half of each is in `crate::model::placement`.
//!
//! A new strategy is a new file here (its type and its `Strategy`), a
//! variant of [`Placement`] and its line in [`Placement::strategy`], its
//! scenario section (`file::datasets`, `resolve::datasets`) and its model
//! file. The compiler lists every other place that must say what the new
//! strategy does: none answers for it with a wildcard.

mod active_active;
mod consensus;
mod geo_sharded;
mod leaderless;
mod single_primary;

pub use active_active::ActiveActive;
pub use consensus::{Consensus, ConsensusReads};
pub use geo_sharded::{GeoSharded, Shard};
pub use leaderless::{Leaderless, QuorumDelays};

pub use single_primary::{Replication, RywMitigation, SinglePrimary};

use super::{Capacity, ClientLoad, Dataset, Failover, Network, RegionId, Scenario};

/// What one region's copy of a dataset is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// Takes every write (single-primary).
    Primary,
    /// Applies the primary's writes and serves reads.
    Replica,
    /// Takes the writes of the users of these residency rules (a shard's
    /// home, geo-sharded).
    ShardHome {
        rules: Vec<u16>,
    },
    /// Applies the writes of the shard of these rules.
    ShardReplica {
        rules: Vec<u16>,
    },
    /// One of several copies that each take writes (active-active).
    Copy,
    /// One of a quorum's N replicas (leaderless): any coordinates.
    Quorum,
    /// A consensus group's leader, and its other voters.
    Leader,
    Voter,
    /// A consensus group's non-voting replica, and its witness.
    NonVoter,
    Witness,
}

impl Role {
    /// The role in words, rules named by `rule` (`EU`).
    pub fn text(&self, rule: impl Fn(u16) -> String) -> String {
        let rules = |r: &[u16]| r.iter().map(|&k| rule(k)).collect::<Vec<_>>().join("/");
        match self {
            Role::Primary => "primary".into(),
            Role::Replica => "replica".into(),
            Role::ShardHome { rules: r } => format!("{} shard home", rules(r)),
            Role::ShardReplica { rules: r } => format!("{} shard replica", rules(r)),
            Role::Copy => "active-active copy".into(),
            Role::Quorum => "quorum replica".into(),
            Role::Leader => "consensus leader".into(),
            Role::Voter => "consensus voter".into(),
            Role::NonVoter => "consensus non-voter".into(),
            Role::Witness => "consensus witness".into(),
        }
    }
}

/// One dataset's placement.
#[derive(Clone, Debug)]
pub enum Placement {
    SinglePrimary(SinglePrimary),
    ActiveActive(ActiveActive),
    GeoSharded(GeoSharded),
    Leaderless(Leaderless),
    Consensus(Consensus),
}

impl Placement {
    /// The strategy's answers. One line per strategy: the registration.
    pub fn strategy(&self) -> &dyn Strategy {
        match self {
            Placement::SinglePrimary(p) => p,
            Placement::ActiveActive(p) => p,
            Placement::GeoSharded(p) => p,
            Placement::Leaderless(p) => p,
            Placement::Consensus(p) => p,
        }
    }
}

/// What a placement strategy answers for the rest of the crate. No method
/// has a default: a new strategy says what it does, or does not compile.
pub trait Strategy: std::fmt::Debug + Send + Sync {
    /// Its section's name in a scenario file (`single-primary`), which the
    /// figures' `placement` repeats.
    fn name(&self) -> &'static str;

    /// The figures' `replication` label: `async`, `semi-sync`, `sync`,
    /// `active-active (lww)`, `geo-sharded (async)`.
    fn label(&self) -> &'static str;

    /// The one region that takes every write, if there is one (the
    /// figures' `primary`).
    fn primary(&self) -> Option<RegionId>;

    /// Every region that holds a copy of some record, a region that takes
    /// writes first.
    fn regions(&self) -> Vec<RegionId>;

    /// What each region's copy is, for the figures and the map: one entry
    /// per role (a region can be one shard's home and another's replica),
    /// in [`Strategy::regions`] order.
    fn roles(&self) -> Vec<(RegionId, Role)>;

    /// The copies whose replication figures are reported, in the order of
    /// the figures' slots (a copy that may become one only after a
    /// failover included).
    fn copies(&self) -> Vec<RegionId>;

    /// The regions that hold a copy of the records of the users of
    /// residency rule `rule`.
    fn copies_for_rule(&self, rule: u16) -> Vec<RegionId>;

    /// Every replication stream, as (sending region, receiving region).
    fn streams(&self) -> Vec<(RegionId, RegionId)>;

    /// The copy that takes the writes of workload entry `w` when nothing
    /// has failed.
    fn write_copy(&self, s: &Scenario, w: &ClientLoad) -> RegionId;

    /// Whether a write of `w` needs [`Strategy::write_copy`] itself (no
    /// other copy takes it while that one is down).
    fn writes_need_one_copy(&self) -> bool;

    /// The streams a write of workload entry `w` travels when nothing has
    /// failed.
    fn carries(&self, s: &Scenario, w: &ClientLoad) -> Vec<(RegionId, RegionId)>;

    /// Expected events one write of `w` schedules beyond its request's own
    /// (for the run's estimate): one per message, one per extra step.
    fn write_events(&self, s: &Scenario, w: &ClientLoad) -> f64;

    /// Expected events one read schedules beyond its request's own.
    fn read_events(&self) -> f64;

    /// The mean wait, in nanoseconds, between a write's commit and its
    /// acknowledgement, and the extra events of that acknowledgement (for
    /// the estimate of attempts that time out).
    fn ack_wait(&self, s: &Scenario, d: &Dataset, w: &ClientLoad) -> (f64, f64);

    /// Bytes of state per key the strategy keeps beyond its streams' (for
    /// the memory estimate).
    fn state_bytes_per_key(&self) -> f64;

    /// Promotion of a replica when a primary is detected down.
    fn failover(&self) -> Option<&Failover>;

    /// The replica its failover promotes, if it names one region.
    fn failover_target(&self) -> Option<RegionId>;

    /// The commit path of the copy that takes writes (`None`: commits take
    /// no time).
    fn commit(&self) -> Option<&Capacity>;

    /// How users' reads avoid missing their own writes.
    fn read_your_writes(&self) -> Option<RywMitigation>;

    /// Whether a read is coordinated under its request's name (a quorum,
    /// a read index, an as-of timestamp): one attempt at a time, so it
    /// cannot be hedged.
    fn reads_coordinated(&self) -> bool {
        false
    }

    /// Whether concurrent writes to one key can conflict (conflict and
    /// lost-update figures).
    fn conflicts(&self) -> bool;

    /// Whether it has semi-sync figures (fallbacks to async).
    fn semi_sync(&self) -> bool;

    /// Whether regions' clocks change its results (last-writer-wins).
    fn reads_clocks(&self) -> bool;

    /// The lint on where writes stop when one copy is lost, if any.
    fn lint_writes(&self, s: &Scenario, d: &Dataset, writers: &[RegionId]) -> Option<String>;

    /// The lints on copies whose loss costs users their data (single
    /// points of failure that failures and failover expose).
    fn lint_outages(&self, s: &Scenario, d: &Dataset, i: usize) -> Vec<String>;
}

/// The copy among `copies` (non-empty) that an app tier in `app` reads: its
/// own region's, else the one with the smallest mean round trip from it
/// (the first on a tie), as a driver that knows every copy would pick.
pub fn nearest(app: RegionId, copies: &[RegionId], network: &Network) -> RegionId {
    if copies.contains(&app) {
        return app;
    }
    let round_trip =
        |r: RegionId| network.delay(app, r).mean_nanos() + network.delay(r, app).mean_nanos();
    copies
        .iter()
        .copied()
        .min_by(|&a, &b| round_trip(a).total_cmp(&round_trip(b)))
        .unwrap_or(app)
}

/// The regions whose users (reads or writes) use dataset `i`, in region
/// order, among the workload entries `keep` selects.
pub(crate) fn user_regions(
    s: &Scenario,
    i: usize,
    keep: impl Fn(&ClientLoad) -> bool,
) -> Vec<RegionId> {
    let mut u: Vec<RegionId> = s
        .workload
        .iter()
        .filter(|w| usize::from(w.dataset.0) == i && w.reads_per_s + w.writes_per_s > 0.0)
        .filter(|w| keep(w))
        .map(|w| w.region)
        .collect();
    u.sort();
    u.dedup();
    u
}

/// Mean one-way delay from `a` to `b`, capped (for estimates).
pub(crate) fn mean_ns(s: &Scenario, a: RegionId, b: RegionId) -> f64 {
    s.network.delay(a, b).capped_mean_nanos()
}

/// One message per stream, plus one event per stream that sends at its own
/// events: a shipping delay, a bandwidth limit (two with both).
pub(crate) fn async_stream_events(
    s: &Scenario,
    streams: &[(RegionId, RegionId)],
    shipping: bool,
) -> f64 {
    streams
        .iter()
        .map(|&(from, to)| {
            1.0 + f64::from(u8::from(shipping))
                + f64::from(u8::from(s.network.bandwidth(from, to).is_some()))
        })
        .sum()
}
