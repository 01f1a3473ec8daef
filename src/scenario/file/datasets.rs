//! The datasets section: placements, replication, commit paths, failover, read-your-writes.

use super::*;

/// The primary's commit path as a station.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitFile {
    /// Writes committing at once (e.g. the cores that commit; default 1).
    pub servers: Option<u32>,
    /// Time one write occupies a server, e.g. `{exponential: 1ms}`.
    pub service_time: Dist,
    /// Most writes waiting (default: no limit); a write arriving to a full
    /// queue is rejected and its client retries after its backoff.
    pub queue_limit: Option<u32>,
}

/// A dataset.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DatasetFile {
    /// e.g. `users`.
    pub name: String,
    /// Number of keys (records).
    #[schemars(range(min = 1, max = 100000000))]
    pub keys: u32,
    /// `uniform` (default) or `{zipf: s}`.
    // serde_yaml reads enums from `!tags`; singleton_map also takes the
    // friendlier `{zipf: 0.9}` and `{single-primary: {...}}` forms.
    #[serde(default, with = "serde_yaml::with::singleton_map")]
    #[schemars(with = "PopularityFile")]
    pub popularity: PopularityFile,
    /// Payload bytes of one record: what a write, a read's response and a
    /// replicated write carry over the network (default 1024).
    #[schemars(range(min = 1, max = 67108864))]
    pub record_bytes: Option<u64>,
    /// Multiplies every request rate to this dataset (default 1).
    pub load: Option<f64>,
    /// Multiplies every read rate of this dataset (default 1).
    pub read_load: Option<f64>,
    /// Multiplies every write rate to this dataset (default 1).
    pub write_load: Option<f64>,
    /// Its records are personal data of the users who own them (record k
    /// belongs to user k), held to the `residency` rules: a copy outside a
    /// record's allowed regions is a violation (default false; always true
    /// for `geo-sharded`).
    pub restricted: Option<bool>,
    /// Where the copies live and how they replicate.
    #[serde(with = "serde_yaml::with::singleton_map")]
    #[schemars(with = "PlacementFile")]
    pub placement: PlacementFile,
}

/// Key popularity.
#[derive(Deserialize, serde::Serialize, JsonSchema, Default, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum PopularityFile {
    /// Every key equally likely.
    #[default]
    Uniform,
    /// Key of rank r has weight r^-s (typical s: 0.7 to 1.2).
    Zipf(f64),
    /// Each user reads and writes their own record (key = the user's
    /// number); needs `users` and at least as many keys as users.
    #[serde(rename = "per-user")]
    PerUser,
}

/// Placement strategy.
#[derive(Deserialize, JsonSchema)]
pub enum PlacementFile {
    /// One primary takes every write; replicas serve local reads.
    #[serde(rename = "single-primary")]
    SinglePrimary(SinglePrimaryFile),
    /// Every listed region takes writes locally and replicates them to the
    /// others; concurrent writes to a key conflict.
    #[serde(rename = "active-active")]
    ActiveActive(ActiveActiveFile),
    /// Each user's record lives in the home region of their residency
    /// rule (a shard per home, single-primary inside it); copies only
    /// where listed.
    #[serde(rename = "geo-sharded")]
    GeoSharded(GeoShardedFile),
    /// Dynamo-style quorums: a write goes to every replica and is
    /// acknowledged by `w` of them; a read asks every replica and returns
    /// the freshest of the first `r` answers.
    #[serde(rename = "leaderless")]
    Leaderless(LeaderlessFile),
    /// A Raft/Paxos group: a leader takes every write and commits it once
    /// a majority of the voters has it.
    #[serde(rename = "consensus")]
    Consensus(ConsensusFile),
}

/// Consensus group placement.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsensusFile {
    /// Regions holding a voter (an odd number: a majority of an even group
    /// tolerates no more failures than one fewer). A region listed twice
    /// holds two voters, in different zones of it. Required unless
    /// `survive` places them.
    pub voters: Option<Vec<String>>,
    /// The voter that leads (its region; with `survive`, the home region).
    pub leader: String,
    /// Regions holding a non-voting replica (CockroachDB's non-voters, a
    /// Raft learner, Spanner's read-only replicas): it gets every entry
    /// and serves follower reads, but its acknowledgement commits nothing,
    /// it never votes and never leads (default: none).
    pub non_voters: Option<Vec<String>>,
    /// Regions holding a witness (Spanner's): it persists each entry in
    /// its log and votes, for commits and in elections, but applies
    /// nothing, serves no reads and never leads (default: none).
    pub witnesses: Option<Vec<String>>,
    /// A survival goal in CockroachDB's sense, instead of `voters`,
    /// `non_voters` and `witnesses`: `zone` puts 3 voters in the leader's
    /// region and a non-voter in each other of `regions`; `region` puts 2
    /// voters in the leader's region and 3 over the others (at least 3
    /// regions in all), a non-voter in each left without a voter.
    pub survive: Option<SurviveFile>,
    /// With `survive`: the database's regions, the leader's among them.
    pub regions: Option<Vec<String>>,
    /// Spanner's commit wait: the leader acknowledges a write only once
    /// twice its region's clock uncertainty (`regions[].clock.uncertainty`)
    /// has passed since it took the write (overlapping the round to the
    /// voters). Default false.
    pub commit_wait: Option<bool>,
    /// A managed database's settings, each field overridable: `spanner`
    /// (commit wait over TrueTime's 1-7 ms uncertainty, 10 s leader
    /// leases) or `cockroachdb` (elections after 2-4 s, 6 s range
    /// leases). Values and sources: README, "Managed-service presets".
    pub preset: Option<ConsensusPresetFile>,
    /// Time for one of a voter's log threads to persist one entry
    /// (required unless a `preset` sets it).
    pub apply_time: Option<Dist>,
    /// Threads persisting entries at each voter (default 1).
    #[schemars(range(min = 1, max = 64))]
    pub apply_threads: Option<u32>,
    /// Where reads go: `leader` (default; linearizable, a lease read at the
    /// leader), `follower` (the nearest voter's applied state: bounded
    /// staleness) or `follower-strong` (the nearest voter, after a round
    /// trip asking the leader for its commit index).
    pub reads: Option<ConsensusReadsFile>,
    /// How long a voter waits without hearing from a leader before it
    /// stands for election, drawn anew for each wait (default `{uniform:
    /// {min: 150ms, max: 300ms}}`, the Raft paper's).
    pub election_timeout: Option<Dist>,
    /// The leader's lease: a new leader serves only once the lease of the
    /// one it replaces has run out, this long after that leader last held
    /// a majority (default: none, it serves once elected).
    pub lease: Option<Duration>,
    /// `reads: global`: how far in the future a write's timestamp is
    /// (default: 250 ms, the clock offset CockroachDB advises for global
    /// tables, plus the slowest mean one-way delay from the leader to a
    /// member holding data).
    pub global_lead: Option<Duration>,
    /// `reads: as-of`: how long ago the state a read returns is (default
    /// 4.8 s, CockroachDB's `follower_read_timestamp()`).
    pub read_staleness: Option<Duration>,
}

/// A managed consensus database.
#[derive(Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ConsensusPresetFile {
    Spanner,
    Cockroachdb,
}

/// A consensus group's survival goal.
#[derive(Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SurviveFile {
    Zone,
    Region,
}

/// Where a consensus group's reads go.
#[derive(Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ConsensusReadsFile {
    #[default]
    Leader,
    Follower,
    FollowerStrong,
    /// CockroachDB's GLOBAL tables: every replica serves current reads
    /// locally; a write takes a timestamp `global_lead` in the future and
    /// is acknowledged once it has passed.
    Global,
    /// Exact-staleness reads (CockroachDB's follower reads `AS OF SYSTEM
    /// TIME`, Spanner's stale reads): the nearest replica's state as of
    /// `read_staleness` ago.
    AsOf,
}

/// Leaderless (quorum) placement.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaderlessFile {
    /// A managed database's settings, each field overridable:
    /// `dynamodb-strong` (DynamoDB global tables, multi-Region strong
    /// consistency: three regions, a write acknowledged once two have it,
    /// strongly consistent reads from two, concurrent writes to an item
    /// from two regions failing with a retryable conflict). Values and
    /// sources: README, "Managed-service presets".
    pub preset: Option<LeaderlessPresetFile>,
    /// Regions holding a replica, one each (N is their number).
    pub replicas: Vec<String>,
    /// Replicas that must acknowledge a write (1 to N; required unless a
    /// `preset` sets it).
    #[schemars(range(min = 1, max = 64))]
    pub w: Option<u32>,
    /// Replicas whose answers a read waits for (1 to N; required unless a
    /// `preset` sets it).
    #[schemars(range(min = 1, max = 64))]
    pub r: Option<u32>,
    /// What a write to a key another region's write is still replicating
    /// does: `last-writer-wins` (default: both are taken, the later
    /// timestamp wins) or `fail` (it is refused at once with a retryable
    /// conflict error, as DynamoDB's ReplicatedWriteConflictException).
    pub concurrent_writes: Option<ConcurrentWritesFile>,
    /// Time for one of a replica's apply threads to apply one write
    /// (required unless `delays.write` gives the whole write delay).
    pub apply_time: Option<Dist>,
    /// Threads applying writes at each replica (default 1).
    #[schemars(range(min = 1, max = 64))]
    pub apply_threads: Option<u32>,
    /// The PBS model's message delays as distributions of their own, each
    /// drawn independently per message (default: from the network, and
    /// the write through the replica's apply threads).
    pub delays: Option<QuorumDelaysFile>,
    /// Probe reads: for every write committed in the measured span, a read
    /// from each replica's region this long after the commit (e.g.
    /// `[0ms, 1ms, 10ms, 100ms]`): the t-visibility curve, per region pair.
    /// Probes change nothing and are not requests (default: none).
    pub t_visibility: Option<Vec<Duration>>,
    /// After a read, the coordinator sends the freshest version it got to
    /// every answering replica that returned an older one, in the
    /// background (default false).
    pub read_repair: Option<bool>,
    /// Every this long, replicas that answer exchange what they hold (a
    /// Merkle-tree sync), and each takes the newest version of every key
    /// (default: never).
    pub anti_entropy: Option<Duration>,
    /// Sloppy quorum: a write to a replica that cannot be reached is taken
    /// by a stand-in in the coordinator's region, which acknowledges it
    /// (counting towards `w`) and hands it over when the replica is back
    /// (hinted handoff). Reads ask only the replicas (default false).
    pub sloppy_quorum: Option<bool>,
}

/// A managed leaderless database.
#[derive(Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum LeaderlessPresetFile {
    DynamodbStrong,
}

/// What a leaderless write does to a key another coordinator's write is
/// still replicating.
#[derive(Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ConcurrentWritesFile {
    LastWriterWins,
    Fail,
}

/// A quorum's message delays (Bailis et al., PBS: W, A, R, S).
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuorumDelaysFile {
    /// W: from the coordinator until the replica has applied the write
    /// (replaces the link and the apply threads).
    pub write: Option<Dist>,
    /// A: the replica's acknowledgement back to the coordinator.
    pub ack: Option<Dist>,
    /// R: a read request to the replica.
    pub read: Option<Dist>,
    /// S: the replica's answer back to the coordinator.
    pub response: Option<Dist>,
}

/// Geo-sharded placement: one single-primary shard per residency home.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GeoShardedFile {
    /// Read replicas of each shard, by home region (default: none).
    #[serde(default)]
    pub replicas: BTreeMap<String, Vec<String>>,
    /// Time for one of a replica's apply threads to apply one write
    /// (replication is asynchronous).
    pub apply_time: Dist,
    /// Threads applying writes at each replica (default 1).
    #[schemars(range(min = 1, max = 64))]
    pub apply_threads: Option<u32>,
    /// Each shard promotes its most caught-up replica when its home's
    /// database is detected down (needs `health_checks`).
    pub failover: Option<FailoverFile>,
    /// Time a committed write waits in its home's log before it is sent
    /// to the shard's replicas (default 0: sent at commit). A failure of
    /// the home loses what had not left.
    pub shipping_delay: Option<Dist>,
}

/// Active-active placement.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActiveActiveFile {
    /// A managed database's settings, each field overridable:
    /// `redis-active-active` (Redis Enterprise Active-Active: conflicts
    /// resolved by `data_type`) or `dynamodb-global` (DynamoDB global
    /// tables, multi-Region eventual consistency: last writer wins per
    /// item; replicated writes billed). Values and sources: README,
    /// "Managed-service presets".
    pub preset: Option<ActiveActivePresetFile>,
    /// With `preset: redis-active-active`, what the records are, which
    /// decides how concurrent writes resolve (Redis's CRDTs): `string`
    /// (default; last writer wins on the copy's wall clock, so a skewed
    /// clock loses updates), `counter` (INCRBY: merged, nothing lost),
    /// `set` (SADD: observed-remove, add wins, nothing lost) or `hash`
    /// (each record a field: its value last-writer-wins, as a string's).
    pub data_type: Option<DataTypeFile>,
    /// USD per million replicated writes of 1 KB (a write of a larger
    /// record bills one per KB started) at each other copy: DynamoDB's
    /// replicated write request units (`dynamodb-global`: $0.625,
    /// on-demand, 2024-11). Needs a top-level `cost` section.
    pub replicated_write_price: Option<f64>,
    /// Regions holding a copy that takes writes (two or more).
    pub regions: Vec<String>,
    /// Time for one of a copy's apply threads to apply one replicated
    /// write (required unless a `preset` sets it).
    pub apply_time: Option<Dist>,
    /// Threads applying writes at each copy (default 1).
    #[schemars(range(min = 1, max = 64))]
    pub apply_threads: Option<u32>,
    /// `lww` (default): the write with the latest region-clock timestamp
    /// wins and a concurrent one it beats is lost; `merge`: concurrent
    /// writes are merged (a CRDT), nothing is lost.
    pub resolution: Option<ResolutionFile>,
}

/// A managed active-active database.
#[derive(Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ActiveActivePresetFile {
    RedisActiveActive,
    DynamodbGlobal,
}

/// A Redis data type, for Redis Enterprise Active-Active's per-type
/// conflict resolution.
#[derive(Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DataTypeFile {
    String,
    Counter,
    Set,
    Hash,
}

/// How concurrent writes to one key are resolved.
#[derive(Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum ResolutionFile {
    /// Last writer wins, by the committing region's clock.
    #[default]
    Lww,
    /// Merged: nothing lost.
    Merge,
}

/// Single-primary placement.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SinglePrimaryFile {
    /// A managed database's settings, each field overridable:
    /// `aurora-global` (Aurora Global Database: storage-level async
    /// replication, lag under a second; a promotion within a minute; the
    /// writer endpoint's 5 s DNS TTL). Values and sources: README,
    /// "Managed-service presets".
    pub preset: Option<SinglePrimaryPresetFile>,
    /// Region that takes every write.
    pub primary: String,
    /// Regions with a read replica.
    #[serde(default)]
    pub replicas: Vec<String>,
    /// `async` (default), `sync`, or `{semi-sync: {acks: 1, timeout: 10s}}`.
    #[serde(default, with = "serde_yaml::with::singleton_map")]
    #[schemars(with = "ReplicationFile")]
    pub replication: ReplicationFile,
    /// Time for one of a replica's apply threads to apply one write
    /// (required unless a `preset` sets it).
    pub apply_time: Option<Dist>,
    /// Threads applying writes at each replica (default 1): writes are
    /// applied in parallel and become visible in commit order, as MySQL's
    /// `replica_parallel_workers` with `replica_preserve_commit_order`.
    #[schemars(range(min = 1, max = 64))]
    pub apply_threads: Option<u32>,
    /// Promote a replica when the primary's database is detected down
    /// (needs `health_checks`).
    pub failover: Option<FailoverFile>,
    /// The primary's commit path as a station (default: commits take no
    /// time).
    pub commit: Option<CommitFile>,
    /// A read-your-writes mitigation for users' reads at replicas
    /// (default: none): exactly one of `primary_for` and `token`.
    pub read_your_writes: Option<ReadYourWritesFile>,
    /// Async only: time a committed write waits in the primary's log
    /// before it is sent to the replicas (default 0: sent at commit, as
    /// MySQL's binlog dump thread does; storage-level shipping such as
    /// Aurora Global Database's takes longer). A failure of the primary,
    /// or of its link to a replica, keeps in the log what had not left;
    /// a failover loses it.
    pub shipping_delay: Option<Dist>,
    /// What a read at a replica waits for (Aurora's
    /// `aurora_replica_read_consistency` for write forwarding):
    /// `eventual` (default: the replica's state now), `session` (a
    /// user's read waits until the replica has the user's last write,
    /// however long), `global` (the replica asks the primary for its
    /// newest commit, then waits until it has applied it).
    pub read_consistency: Option<ReadConsistencyFile>,
}

/// What a read at a single-primary replica waits for.
#[derive(Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ReadConsistencyFile {
    Eventual,
    Session,
    Global,
}

/// A managed single-primary database.
#[derive(Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SinglePrimaryPresetFile {
    AuroraGlobal,
}

/// How a single-primary dataset keeps a user from missing their own
/// write at a replica.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadYourWritesFile {
    /// Read from the primary for this long after the user's own write was
    /// acknowledged.
    pub primary_for: Option<Duration>,
    /// Session token (the LSN of the user's last write): a replica that
    /// has not applied it makes the read `wait` until it has (at most
    /// `max_wait`, then the primary), or sends it to the `primary`.
    pub token: Option<TokenFile>,
    /// `token: wait`: the longest a read waits at a replica (default 1s).
    pub max_wait: Option<Duration>,
}

/// What a replica behind the user's session token does with the read.
#[derive(Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
pub enum TokenFile {
    Wait,
    Primary,
}

/// Database failover of a single-primary dataset.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailoverFile {
    /// `automatic` (default): promotion starts when the health checks see
    /// the primary's database down; `manual`: an operator starts it
    /// `operator_delay` after that.
    #[serde(default)]
    pub mode: FailoverMode,
    /// From the start of a promotion to the new primary taking writes
    /// (default 30s).
    pub promotion_delay: Option<Duration>,
    /// Manual mode: from detection to the operator starting the promotion
    /// (default 5m).
    pub operator_delay: Option<Duration>,
    /// The replica to promote (default: the most caught-up one whose
    /// database is up). Geo-sharded: a region (each shard with a replica
    /// there promotes it) or one per shard, `{HOME: REGION}`.
    pub target: Option<TargetFile>,
    /// The deposed primary is fenced at promotion and takes no write after
    /// it (default true). Without fencing, once up it keeps taking the
    /// writes of its region's app tier until it rejoins (split brain);
    /// they are discarded.
    pub fencing: Option<bool>,
    /// From the deposed primary being up again to its rejoining as a
    /// replica, resynchronised (default 5m).
    pub resync: Option<Duration>,
    /// The app tiers find the primary through a DNS name whose answer
    /// they cache this long (Aurora's global writer endpoint: 5 s): after
    /// a promotion their writes go on to the old primary, unanswered,
    /// until it expires (default 0: they follow at once). Modelled at its
    /// worst: every cache filled just before the promotion.
    pub endpoint_ttl: Option<Duration>,
}

/// A failover's target: one region, or one per shard of a geo-sharded
/// dataset, by home.
#[derive(Deserialize, JsonSchema, Clone, Debug)]
#[serde(untagged)]
pub enum TargetFile {
    /// A region holding a replica.
    Region(String),
    /// Per shard home, the region of the replica it promotes.
    PerShard(BTreeMap<String, String>),
}

/// Who starts a failover.
#[derive(Deserialize, serde::Serialize, JsonSchema, Default, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FailoverMode {
    /// As soon as the primary is detected down.
    #[default]
    Automatic,
    /// An operator, `operator_delay` after detection.
    Manual,
}

/// Replication mode.
#[derive(Deserialize, serde::Serialize, JsonSchema, Default, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
pub enum ReplicationFile {
    /// The primary acknowledges a write once it commits; replicas apply it
    /// later.
    #[default]
    Async,
    /// The primary acknowledges a write once `acks` replicas have received
    /// it (MySQL's AFTER_SYNC); after `timeout` without them it falls back
    /// to async until the replicas catch up.
    SemiSync(SemiSyncFile),
    /// The primary acknowledges a write once every replica has applied it.
    Sync,
}

/// Semi-synchronous replication.
#[derive(Deserialize, serde::Serialize, JsonSchema, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct SemiSyncFile {
    /// Replicas that must have received a write before it is acknowledged
    /// (MySQL `rpl_semi_sync_source_wait_for_replica_count`, default 1).
    #[serde(default = "one")]
    #[schemars(range(min = 1))]
    pub acks: u32,
    /// How long the primary waits for them before it falls back to async
    /// (MySQL `rpl_semi_sync_source_timeout`, default 10 s).
    #[serde(default = "ten_seconds")]
    pub timeout: Duration,
}

pub(super) fn one() -> u32 {
    1
}

pub(super) fn ten_seconds() -> Duration {
    Duration::from_secs(10)
}
