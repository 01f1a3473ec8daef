//! Which spread summarises a figure's replications, from its path.

use crate::stats::Spread;
use crate::units::{unit_of, Unit};

/// The spread of the figure at dotted `path` (e.g.
/// `clients.b.read_latency.max_ms`), from its name: `min_ms`, `max_ms`
/// and `..._max_ms` are extremes; a figure whose declared unit is a
/// share (availability), and anything under a name containing `share`
/// (the per-bound series of `stale_share`), is a share.
pub fn spread_of(path: &str) -> Spread {
    let leaf = path
        .rsplit('.')
        .find(|s| s.parse::<usize>().is_err())
        .unwrap_or(path);
    if matches!(leaf, "min_ms" | "max_ms") || leaf.ends_with("_max_ms") {
        Spread::Range
    } else if unit_of(leaf) == Some(Unit::Share) || path.split('.').any(|s| s.contains("share")) {
        Spread::Mean { max: Some(1.0) }
    } else {
        Spread::Mean { max: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_fit_the_figure() {
        assert_eq!(spread_of("clients.a.read_latency.max_ms"), Spread::Range);
        assert_eq!(
            spread_of("datasets.d.replicas.b.current_lag_max_ms"),
            Spread::Range
        );
        assert_eq!(
            spread_of("clients.a.stale_reads.0ms.share"),
            Spread::Mean { max: Some(1.0) }
        );
        assert_eq!(
            spread_of("clients.a.timeline.stale_share.0ms.3"),
            Spread::Mean { max: Some(1.0) }
        );
        assert_eq!(
            spread_of("clients.a.timeline.availability.3"),
            Spread::Mean { max: Some(1.0) }
        );
        assert_eq!(
            spread_of("clients.a.requests.availability"),
            Spread::Mean { max: Some(1.0) }
        );
        assert_eq!(
            spread_of("clients.a.read_latency.p99_ms"),
            Spread::Mean { max: None }
        );
        // A t-interval below zero is cut at zero; a share's above 1 at 1.
        let i = spread_of("x.p99_ms").interval(&[0.0, 10.0], 0.95).unwrap();
        assert_eq!(i.low, Some(0.0));
        let i = spread_of("x.share").interval(&[0.9, 1.0], 0.95).unwrap();
        assert_eq!(i.high, Some(1.0));
        // Extremes: the range.
        let i = Spread::Range.interval(&[39.0, 12.0, 80.0], 0.95).unwrap();
        assert_eq!((i.low, i.high), (Some(12.0), Some(80.0)));
        assert!((i.mean - 131.0 / 3.0).abs() < 1e-12);
    }
}
