//! The unit of every figure, declared in one table that SLO checking, the
//! tables, summary.md and the charts all read. Nothing guesses a unit from
//! a name: a figure added to [`crate::metrics::Figures`] without a row here fails
//! the test that walks every figure of every shipped scenario.

/// How a figure is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A duration in milliseconds; SLO bounds are durations (`50ms`, `1s`).
    Millis,
    /// A duration in seconds (downtime); SLO bounds are durations (`90s`).
    Seconds,
    /// A fraction from 0 to 1; bounds are percentages (`0.1%`) or fractions.
    Share,
    /// A count of things; bounds are plain numbers.
    Count,
    /// Things per second; bounds are plain numbers.
    PerSecond,
}

/// Every figure leaf name and its unit. A leaf means the same everywhere
/// it appears (`p99_ms` of a latency, of a lag, of an apply wait).
const UNITS: &[(&str, Unit)] = &[
    // Distributions (`Latency`).
    ("mean_ms", Unit::Millis),
    ("min_ms", Unit::Millis),
    ("p50_ms", Unit::Millis),
    ("p90_ms", Unit::Millis),
    ("p99_ms", Unit::Millis),
    ("p999_ms", Unit::Millis),
    ("max_ms", Unit::Millis),
    ("count", Unit::Count),
    // Replicas.
    ("current_lag_max_ms", Unit::Millis),
    ("apply_utilisation", Unit::Share),
    // Stale reads at a bound.
    ("share", Unit::Share),
    // Requests.
    ("attempted", Unit::Count),
    ("succeeded", Unit::Count),
    ("failed", Unit::Count),
    ("retried", Unit::Count),
    ("availability", Unit::Share),
    ("read_availability", Unit::Share),
    ("write_availability", Unit::Share),
    // Availability over every region.
    ("overall", Unit::Share),
    ("read", Unit::Share),
    ("write", Unit::Share),
    ("downtime_minutes_per_year", Unit::Count),
    ("nines", Unit::Count),
    ("lost_writes_per_year", Unit::Count),
    ("downtime_s", Unit::Seconds),
    ("incidents", Unit::Count),
    // Writes at a primary.
    ("committed", Unit::Count),
    ("unreplicated_acks", Unit::Count),
    ("unreplicated_share", Unit::Share),
    ("fallbacks", Unit::Count),
    ("fallback_share", Unit::Share),
    // Failovers.
    ("started", Unit::Count),
    ("promotions", Unit::Count),
    ("lost_writes", Unit::Count),
    ("lost_window_ms", Unit::Millis),
    ("split_brain_writes", Unit::Count),
    ("first_detection_ms", Unit::Millis),
    ("first_promotion_ms", Unit::Millis),
    ("target_passed_over", Unit::Count),
    // Chart marks: failure windows and failover milestones.
    ("start_ms", Unit::Millis),
    ("end_ms", Unit::Millis),
    ("dns_95_ms", Unit::Millis),
    ("promotion_ms", Unit::Millis),
    // Incidents.
    ("failure_end_ms", Unit::Millis),
    ("dns_50_ms", Unit::Millis),
    ("dns_100_ms", Unit::Millis),
    ("first_write_ms", Unit::Millis),
    ("availability_back_ms", Unit::Millis),
    // Recovery.
    ("read_rto_ms", Unit::Millis),
    ("write_rto_ms", Unit::Millis),
    // DNS.
    ("detection_ms", Unit::Millis),
    ("converged_50_ms", Unit::Millis),
    ("converged_95_ms", Unit::Millis),
    ("converged_100_ms", Unit::Millis),
    // Links.
    ("messages_per_s", Unit::PerSecond),
    ("bytes_per_s", Unit::PerSecond),
    // Active-active conflicts.
    ("conflicts", Unit::Count),
    ("conflicts_per_s", Unit::PerSecond),
    ("lost_updates", Unit::Count),
    ("lost_update_share", Unit::Share),
    // Residency.
    ("violations", Unit::Count),
    ("cross_border_reads", Unit::Count),
    ("session_violations", Unit::Count),
    // Stations (app tiers, commit paths, link transmitters).
    ("utilisation", Unit::Share),
    ("queue_length", Unit::Count),
    ("wait_ms", Unit::Millis),
    ("admitted_per_s", Unit::PerSecond),
    ("rejected", Unit::Count),
    ("rejected_share", Unit::Share),
    // The run.
    ("events", Unit::Count),
];

/// The unit of the figure at `path` (its last segment decides), `None` for
/// a path whose leaf is not a declared figure.
pub fn unit_of(path: &str) -> Option<Unit> {
    let leaf = path.rsplit('.').next().unwrap_or(path);
    UNITS
        .iter()
        .find(|(name, _)| *name == leaf)
        .map(|&(_, u)| u)
}

impl Unit {
    /// `value` (in this unit) as people write it.
    pub fn show(self, value: f64) -> String {
        match self {
            Unit::Millis if value >= 1000.0 => format!("{}s", round(value / 1000.0)),
            Unit::Millis => format!("{}ms", round(value)),
            Unit::Seconds => format!("{}s", round(value)),
            Unit::Share => format!("{}%", round(value * 100.0)),
            Unit::Count => round(value).to_string(),
            Unit::PerSecond => format!("{}/s", round(value)),
        }
    }

    /// The suffix of an axis of this unit, and the factor to it.
    pub fn axis(self) -> (&'static str, f64) {
        match self {
            Unit::Millis => ("ms", 1.0),
            Unit::Seconds => ("s", 1.0),
            Unit::Share => ("%", 100.0),
            Unit::Count => ("count", 1.0),
            Unit::PerSecond => ("per second", 1.0),
        }
    }
}

/// Four significant digits, for messages.
pub fn round(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(3 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// Where the figures of one scope live in a run's figure tree, and so in
/// `summary.json`, SLO and precision paths, tables and charts: each prefix
/// is spelled here once (ending in a dot, before a figure's own path).
pub mod scope {
    /// The figures of the users of client region `c`.
    pub fn client(c: &str) -> String {
        format!("clients.{c}.")
    }

    /// The figures of the users of client region `c` on dataset `d`.
    pub fn client_dataset(c: &str, d: &str) -> String {
        format!("clients.{c}.by_dataset.{d}.")
    }

    /// The figures of dataset `d`.
    pub fn dataset(d: &str) -> String {
        format!("datasets.{d}.")
    }

    /// The figures of dataset `d`'s copy in region `r`.
    pub fn replica(d: &str, r: &str) -> String {
        format!("datasets.{d}.replicas.{r}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_is_not_a_duration_and_unknown_leaves_have_no_unit() {
        assert_eq!(unit_of("network.a.b.messages_per_s"), Some(Unit::PerSecond));
        assert_eq!(unit_of("read_latency.p99_ms"), Some(Unit::Millis));
        assert_eq!(unit_of("stale_reads.0ms.share"), Some(Unit::Share));
        assert_eq!(unit_of("session_misses_per_day"), None);
        assert_eq!(Unit::PerSecond.show(1234.5), "1235/s");
        assert_eq!(Unit::Millis.show(1500.0), "1.5s");
    }
}
