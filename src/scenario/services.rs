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
