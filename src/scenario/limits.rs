//! The documented limits of the scenario format, in one place.
//!
//! They are high enough for real studies and low enough that no accepted
//! file can exhaust the machine: each is checked when a file loads, before
//! anything it sizes is allocated, with an error naming the file, line and
//! column. What they leave open (many keys times many replicas, a long run
//! at a high rate) is bounded by the cost estimate (`crate::runner::cost`),
//! which knows the machine.

pub use super::locate::{MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES};
use crate::engine::Duration;

/// Regions in a scenario.
pub const MAX_REGIONS: usize = 1_000;
/// Datasets in a scenario.
pub const MAX_DATASETS: usize = 100;
/// Keys (records) in one dataset.
pub const MAX_KEYS: u32 = 100_000_000;
/// Users over every client region: each costs about 24 bytes, plus 40 per
/// dataset it uses, in every run.
pub const MAX_USERS: u64 = 10_000_000;
/// Requests per second of one operation from one region to one dataset.
/// The model's clock counts whole nanoseconds; at this rate the mean gap
/// is 10 ns and rounding each gap biases the rate by under 0.05 %.
pub const MAX_RATE_PER_S: f64 = 1e8;
/// The least rate: one request in 11.6 days. Below it the mean gap
/// between requests leaves the clock's range.
pub const MIN_RATE_PER_S: f64 = 1e-6;
/// (region, dataset, operation) request streams, and replication streams
/// (the model indexes each with 16 bits).
pub const MAX_CLIENT_STREAMS: usize = 65_535;
/// Replicas of one leaderless dataset (each write's acknowledgements are
/// ordered on the stack).
pub const MAX_QUORUM_REPLICAS: usize = 64;
/// Replicas over all datasets.
pub const MAX_REPLICATION_STREAMS: usize = 65_535;
/// Warm-up plus measured duration: one year of simulated time.
pub const MAX_SPAN: Duration = Duration::from_secs(366 * 24 * 3600);
/// Any parameter of a delay or service-time distribution (a median, a
/// mean, a scale, a table value): one day. Samples are capped at
/// [`crate::engine::MAX_SAMPLE`].
pub const MAX_DELAY: Duration = Duration::from_secs(24 * 3600);
/// Rows of an empirical quantile table.
pub const MAX_TABLE_ROWS: usize = 1_000;
/// Staleness bounds in `staleness_bounds`.
pub const MAX_BOUNDS: usize = 32;
/// Time-series buckets in the measured span.
pub const MAX_BUCKETS: u64 = 10_000;
/// Replications of one point (also the cap of a precision target).
pub const MAX_REPLICATIONS: u32 = 10_000;
/// Points of one sweep.
pub const MAX_POINTS: u64 = 10_000;
/// Sweep points times the size of one point's model (YAML nodes plus
/// region pairs): bounds the work of expanding a sweep before any run.
pub const MAX_SWEEP_WORK: u64 = 20_000_000;
/// SLOs in a scenario.
pub const MAX_SLOS: usize = 1_000;
/// Characters in a scenario, region or dataset name.
pub const MAX_NAME_CHARS: usize = 64;
/// Worker threads (`-j`).
pub const MAX_THREADS: usize = 1_024;
/// Retries of one request: 10. Exponential backoff doubles the wait each
/// time; past ten retries a client is no longer retrying but hammering.
pub const MAX_RETRIES: u32 = 10;
/// Payload bytes of one record: 64 MiB.
pub const MAX_RECORD_BYTES: u64 = 64 << 20;
/// Failures one scenario lists: 1,000.
pub const MAX_FAILURES: usize = 1_000;

/// Finest headroom precision: a millionth of the headroom (finer, the
/// values tried stop being different numbers).
pub const MIN_HEADROOM_PRECISION: f64 = 1e-6;
