//! From figures to estimates and verdicts: replications aggregated into
//! means and intervals, and SLOs judged on them. Above the model (it reads
//! only the figures the metrics write), below the runner (precision rounds
//! and headroom searches judge as they go) and the report (which writes
//! what is judged here).

pub mod aggregate;
mod spread;
pub mod verdict;

pub use spread::spread_of;
