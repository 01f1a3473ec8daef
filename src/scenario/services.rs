//! Managed databases as presets: what each sets, every value with its
//! source (FACTS.md, the README's "Managed-service presets" table). A
//! scenario names a preset inside its placement and may override any
//! field; the resolver takes a field from the file when it is there, else
//! from here.
//!
//! # Aurora Global Database (`single-primary`, `aurora-global`)
//! AWS Aurora User Guide (aurora-global-database; -disaster-recovery),
//! read 2026-12:
//! - storage-level asynchronous replication, "typical latency of less
//!   than 1 second". AWS gives the bound only: the preset puts the whole
//!   lag in the primary's log (`shipping_delay`), a lognormal with median
//!   100 ms and p99 250 ms per write (the shape is assumed). The log is
//!   FIFO, so a write also waits for the writes before it and the lag is
//!   about the largest delay of the last second's writes: with the
//!   network's delay added (at most 164 ms one way between the `aws`
//!   preset's regions) it stays under the second (in `b2c-global`, lag
//!   p99.9 0.41-0.53 s); applying takes no time of its own (`apply_time`
//!   0);
//! - a secondary is promoted "in less than a minute": `promotion_delay`
//!   1 minute, for a failover and for a managed switchover;
//! - the global writer endpoint's DNS TTL is 5 s (`endpoint_ttl`).
//!
//! # Redis Enterprise Active-Active (`active-active`, `redis-active-active`)
//! redis.io, Active-Active data types (read 2026-12): strings resolve last
//! writer wins on the OS wall clock (the copy's region `clock` here, so
//! skew loses updates); counters (INCRBY) are merged; sets are
//! observed-remove with add wins; a hash's field values resolve as
//! strings. Each record here is one string, counter, set or hash field;
//! a write sets it, increments it, or adds a member.
//!
//! # DynamoDB global tables (`active-active`, `dynamodb-global`)
//! AWS prescriptive guidance, DynamoDB global tables (read 2026-12):
//! multi-Region eventual consistency replicates each item on its own,
//! "typically within one second", last writer wins on a per-item
//! timestamp, the losing write dropped silently. Each write bills one
//! replicated write request unit per other replica table and KB: $0.625
//! per million on demand (us-east-1, 2024-11).
//!
//! # Spanner (`consensus`, `spanner`)
//! Corbett et al., "Spanner: Google's Globally-Distributed Database",
//! OSDI 2012: TrueTime's uncertainty epsilon "is typically a sawtooth
//! function of time, varying from about 1 to 7 ms over each poll
//! interval" (the preset draws it uniform over 1-7 ms, for a voter whose
//! region sets no `clock: {uncertainty}`); a leader waits out the commit
//! (`commit_wait`, about twice epsilon); Paxos leaders hold timed leases
//! "10 seconds by default" (`lease` 10 s: a new leader serves only once
//! the old lease has run out). Multi-region configurations place two
//! read-write regions of two replicas each and a witness region
//! (cloud.google.com/spanner/docs/instance-configurations): the preset
//! places nothing, list the voters and the witness.
//!
//! # CockroachDB (`consensus`, `cockroachdb`)
//! cockroachdb/cockroach, `pkg/base/testdata/raft_config_recovery`
//! (the recovery budget its defaults are tested against, read 2026-12):
//! the Raft election timeout is drawn from 1x to 2x a 2 s timeout
//! (`election_timeout` uniform 2-4 s); an expiration-based range lease
//! lasts 6 s (`lease` 6 s: the new leaseholder waits it out, so writes
//! come back about 6 s after the leaseholder's loss, the upper end of
//! the file's 3.0-6.4 s, which counts a heartbeat's offset the model
//! does not). Survival goals are `survive: zone|region`.
//!
//! Both publish no time to persist an entry: the presets take none
//! (`apply_time` 0); override it with the disks' figure.
//!
//! Both publish only bounds for replication: the presets add no time of
//! their own to the network's delay (`apply_time` 0), which stays within
//! the bound; override `apply_time` to model a slower one.

use crate::engine::{Dist, Duration};
use crate::scenario::{DataType, Resolution};

/// The apply time of the active-active presets: none beyond the network.
pub fn active_active_apply() -> Dist {
    Dist::constant(Duration::ZERO)
}

/// DynamoDB's price of a million replicated write units, USD (on-demand,
/// 2024-11).
pub const DYNAMODB_REPLICATED_WRITE_USD: f64 = 0.625;

/// How Redis Enterprise Active-Active resolves concurrent writes to a
/// record of `t`.
pub fn redis_resolution(t: DataType) -> Resolution {
    match t {
        DataType::String | DataType::Hash => Resolution::Lww,
        DataType::Counter | DataType::Set => Resolution::Merge,
    }
}

/// What the `aurora-global` preset sets.
pub struct Aurora {
    pub shipping_delay: Dist,
    pub apply_time: Dist,
    pub promotion_delay: Duration,
    pub endpoint_ttl: Duration,
}

/// The `aurora-global` preset (see the module docs for each source).
pub fn aurora_global() -> Aurora {
    Aurora {
        shipping_delay: Dist::lognormal_quantiles(
            Duration::ZERO,
            Duration::from_millis(100),
            Duration::from_millis(250),
        )
        .expect("valid constants"),
        apply_time: Dist::constant(Duration::ZERO),
        promotion_delay: Duration::from_secs(60),
        endpoint_ttl: Duration::from_secs(5),
    }
}

/// How old a CockroachDB follower read's state is: `AS OF SYSTEM TIME
/// follower_read_timestamp()` reads at least 4.8 s in the past
/// (cockroachlabs.com, follower reads, v20.2 on; FACTS.md).
pub const COCKROACH_FOLLOWER_READ: Duration = Duration::from_millis(4800);

/// What the consensus presets set.
pub struct ConsensusPreset {
    pub apply_time: Dist,
    pub election_timeout: Dist,
    pub lease: Option<Duration>,
    pub commit_wait: bool,
    /// Clock uncertainty where a voter's region sets none.
    pub uncertainty: Option<Dist>,
}

/// The `spanner` preset (see the module docs for each source).
pub fn spanner() -> ConsensusPreset {
    ConsensusPreset {
        apply_time: Dist::constant(Duration::ZERO),
        // Not Spanner's own (it publishes none): the Raft paper's.
        election_timeout: Dist::uniform(Duration::from_millis(150), Duration::from_millis(300))
            .expect("a valid range"),
        lease: Some(Duration::from_secs(10)),
        commit_wait: true,
        uncertainty: Some(
            Dist::uniform(Duration::from_millis(1), Duration::from_millis(7))
                .expect("a valid range"),
        ),
    }
}

/// The `cockroachdb` preset (see the module docs for each source).
pub fn cockroachdb() -> ConsensusPreset {
    ConsensusPreset {
        apply_time: Dist::constant(Duration::ZERO),
        election_timeout: Dist::uniform(Duration::from_secs(2), Duration::from_secs(4))
            .expect("a valid range"),
        lease: Some(Duration::from_secs(6)),
        commit_wait: false,
        uncertainty: None,
    }
}
