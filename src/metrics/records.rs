//! What the model reports, as plain records: the types the metrics keep
//! and the model fills (a link's traffic, a station's statistics, a
//! promotion's outcome). They live here, below the model, so that the
//! metrics never name a model type.

use crate::engine::{Duration, Time};
use crate::scenario::RegionId;

/// What a link carried in the measured span.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Messages sent.
    pub messages: u64,
    /// Payload bytes sent.
    pub bytes: u64,
    /// Of those, users' requests and responses between their region and
    /// another region's app tier: internet traffic (ingress, and egress
    /// billed as such), not inter-region transfer.
    pub user_bytes: u64,
}

/// What the jobs that arrived in the measured span met at a station.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StationStats {
    /// Jobs admitted.
    pub admitted: u64,
    /// Jobs turned away (the waiting room was full).
    pub rejected: u64,
    /// Time they spent waiting for a server, summed: divided by the span,
    /// the mean number waiting (Little's law).
    pub waited: Duration,
    /// Service time per time bucket of the span, summed over the servers.
    pub busy_by_bucket: Vec<Duration>,
    /// Jobs offered (admitted or turned away) per bucket of their arrival:
    /// every attempt that reached the station, retries included.
    pub offered_by_bucket: Vec<u64>,
    /// Time jobs spent waiting for a server per bucket, summed: divided
    /// by the bucket's width, the mean number waiting in it (the backlog).
    pub waited_by_bucket: Vec<Duration>,
    /// Width of a bucket.
    pub bucket: Duration,
}

impl StationStats {
    /// Nothing counted yet, over `buckets` buckets of width `bucket`.
    pub fn new(buckets: usize, bucket: Duration) -> StationStats {
        StationStats {
            busy_by_bucket: vec![Duration::ZERO; buckets],
            offered_by_bucket: vec![0; buckets],
            waited_by_bucket: vec![Duration::ZERO; buckets],
            bucket,
            ..StationStats::default()
        }
    }
}

/// What a promotion did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Promotion {
    /// Acknowledged writes the new primary had not applied: discarded.
    pub lost: u64,
    /// Commit times of the oldest and newest of them.
    pub lost_window: Option<(Time, Time)>,
    /// The region promoted.
    pub to: RegionId,
    /// The named target could not be promoted (its database was down, or
    /// it was the primary that failed): `to` was, instead.
    pub target_down: bool,
}
