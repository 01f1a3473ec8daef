//! Replication: each replica's lag over time.

use super::*;

/// Replication lag: the current lag over time per replica (with its 95 %
/// band and SLO bounds) and the lag distribution. Reads
/// `datasets.D.replicas.R.{current_lag_ms, lag.quantiles_ms}`.
pub fn replication_lag(summary: &Value, point: &Value) -> Option<Figure> {
    let datasets = point["figures"]["datasets"].as_object()?;
    let several = datasets
        .values()
        .filter(|d| d["replicas"].as_object().is_some_and(|r| !r.is_empty()))
        .count()
        > 1;
    let mut time_panels = Vec::new();
    let mut distribution_panels = Vec::new();
    // A panel pair per dataset when there are several, so that each
    // replica is drawn in its region's colour without two lines sharing it.
    for (ds, d) in datasets {
        let of = if several {
            format!(" of {ds}")
        } else {
            String::new()
        };
        let mut over_time = Panel::lines(
            format!("Current lag{of}: how far each replica trails its primary"),
            Axis::from_zero("time since the warm-up ended (s)"),
            Axis::from_zero("current lag (ms)"),
        );
        let mut distribution = Panel::lines(
            format!("Lag of each write{of}: commit at the primary to apply at the replica"),
            Axis::new("replication lag (ms, log scale)", Scale::Log),
            Axis::new("writes at or below (percentile)", Scale::Nines),
        );
        // A copy no write reached has no lag to draw (its current lag is
        // a flat zero that would read as "caught up"): named instead.
        let mut idle = Vec::new();
        for (region, r) in d["replicas"].as_object().into_iter().flatten() {
            if no_write_reached(r) {
                idle.push(region.as_str());
                continue;
            }
            let color = region_color(summary, region);
            if let Some(s) = time_series(summary, r.get("current_lag_ms"), 1.0, region, color) {
                over_time.series.push(s);
            }
            if let Some(s) = cdf_series(summary, &r["lag"], region, color) {
                distribution.series.push(s);
            }
            let prefix = crate::units::scope::replica(ds, region);
            over_time.hlines.extend(slo_lines(point, &prefix));
            distribution.vlines.extend(slo_lines(point, &prefix));
        }
        if !idle.is_empty() {
            over_time.title = format!("{} (no write reached {})", over_time.title, idle.join(", "));
        }
        if !over_time.series.is_empty() {
            time_panels.push(over_time);
            distribution_panels.push(distribution);
        }
    }
    if time_panels.is_empty() {
        return None;
    }
    time_panels.extend(distribution_panels);
    Some(Figure {
        stem: "replication-lag".into(),
        title: point_title(summary, point, "replication lag"),
        panels: time_panels,
    })
}
