//! Built-in network figures, every one from a cited source (FACTS.md).
//!
//! # `aws` preset
//! Round-trip medians between AWS regions from the cloudping.co latency
//! API, one-year p50 (snapshot in the public repo
//! oaustegard/oaustegard.github.io, `web-utilities/aws-ping-p50-1y.json`),
//! directions averaged. A one-way delay is half the round trip.
//!
//! # Shape of a WAN delay
//! Measured WAN latency is a floor set by distance plus a heavy-tailed extra
//! term: P. Bailis, "Communication costs in real-world networks" (2013)
//! found p99/p50 between 1.08 and 1.87 and p99.9/p50 between 1.4 and 3.8 on
//! EC2 WAN pairs. [`wan_delay`] models one-way delay with median `m` as
//! `0.95 m` plus a lognormal term of median `0.05 m` and sigma 0.75, which
//! gives p99/p50 = 1.24 and p99.9/p50 = 1.46 (derived), inside both ranges.
//!
//! # Intra-region delay
//! Bailis's cross-AZ figures (RTT p50 0.85 ms, p99 7.9 ms) halved: a
//! lognormal with median 0.43 ms and p99 3.95 ms one way.

use crate::engine::{Dist, Duration};

/// Names of the built-in presets.
pub const PRESETS: &[&str] = &["aws"];

/// AWS regions of the preset with approximate coordinates of their metro
/// areas (latitude, longitude), used when a scenario gives none.
pub const AWS_REGIONS: [(&str, f64, f64); 8] = [
    ("us-east-1", 38.9, -77.4),
    ("us-west-2", 45.8, -119.7),
    ("eu-west-1", 53.35, -6.26),
    ("eu-central-1", 50.11, 8.68),
    ("ap-southeast-1", 1.35, 103.82),
    ("ap-northeast-1", 35.68, 139.69),
    ("ap-south-1", 19.08, 72.88),
    ("sa-east-1", -23.55, -46.63),
];

/// Round-trip p50 in ms between [`AWS_REGIONS`], same order (FACTS.md).
const AWS_RTT_MS: [[f64; 8]; 8] = [
    [5.3, 64.0, 70.0, 93.0, 219.0, 149.0, 191.0, 115.0],
    [64.0, 3.0, 118.0, 142.0, 161.0, 98.0, 222.0, 175.0],
    [70.0, 118.0, 2.9, 27.0, 182.0, 201.0, 126.0, 178.0],
    [93.0, 142.0, 27.0, 4.0, 161.0, 227.0, 129.0, 204.0],
    [219.0, 161.0, 182.0, 161.0, 3.6, 71.0, 64.0, 327.0],
    [149.0, 98.0, 201.0, 227.0, 71.0, 2.5, 134.0, 258.0],
    [191.0, 222.0, 126.0, 129.0, 64.0, 134.0, 3.0, 301.0],
    [115.0, 175.0, 178.0, 204.0, 327.0, 258.0, 301.0, 3.1],
];

fn aws_index(region: &str) -> Option<usize> {
    AWS_REGIONS.iter().position(|(n, _, _)| *n == region)
}

/// Median one-way delay between two distinct regions of `preset`, if the
/// preset has a figure for the pair.
pub fn preset_median(preset: &str, a: &str, b: &str) -> Option<Duration> {
    match preset {
        "aws" => {
            let rtt_ms = AWS_RTT_MS[aws_index(a)?][aws_index(b)?];
            Some(Duration::from_nanos((rtt_ms * 1e6 / 2.0).round() as u64))
        }
        _ => None,
    }
}

/// Coordinates the preset knows for a region.
pub fn preset_coords(preset: &str, region: &str) -> Option<(f64, f64)> {
    match preset {
        "aws" => aws_index(region).map(|i| (AWS_REGIONS[i].1, AWS_REGIONS[i].2)),
        _ => None,
    }
}

/// The one-way WAN delay with median `median`: a distance floor plus a
/// heavy-tailed term (see the module docs for the shape and its source).
pub fn wan_delay(median: Duration) -> Dist {
    let m = median.as_nanos();
    let base = Duration::from_nanos(m * 95 / 100);
    // Lognormal term: median 0.05 m and p99 = 0.05 m * exp(0.75 * z99).
    let extra_median = m as f64 * 0.05;
    let extra_p99 = extra_median * (0.75 * 2.326_347_874_040_841_f64).exp();
    Dist::lognormal_quantiles(
        base,
        median,
        base + Duration::from_nanos(extra_p99.round() as u64),
    )
    .expect("median above base and p99 above median by construction")
}

/// The default intra-region one-way delay (Bailis cross-AZ, halved).
pub fn intra_region_delay() -> Dist {
    Dist::lognormal_quantiles(
        Duration::ZERO,
        Duration::from_micros(430),
        Duration::from_micros(3950),
    )
    .expect("valid constants")
}

/// Great-circle distance in km between two (lat, lon) points in degrees.
pub fn great_circle_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0;
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().asin()
}

/// Ratio of measured one-way delay to the great-circle time at the speed of
/// light in fibre (200 km/ms). Derived from FACTS.md: us-east-1/eu-west-1
/// 35 ms over 5,460 km (1.28), us-east-1/ap-southeast-1 109.5 ms over
/// 15,560 km (1.41), us-west-2/ap-northeast-1 49 ms over 7,920 km (1.24).
pub const ROUTE_FACTOR: f64 = 1.35;

/// Median one-way delay estimated from coordinates, for pairs no preset or
/// link covers: fibre speed over the great circle times [`ROUTE_FACTOR`].
pub fn distance_median(a: (f64, f64), b: (f64, f64)) -> Duration {
    let ms = great_circle_km(a, b) / 200.0 * ROUTE_FACTOR;
    Duration::from_nanos((ms * 1e6).round().max(1e5) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;

    #[test]
    fn preset_is_half_the_round_trip_and_symmetric() {
        assert_eq!(
            preset_median("aws", "us-east-1", "eu-west-1"),
            Some(Duration::from_millis(35))
        );
        assert_eq!(
            preset_median("aws", "eu-west-1", "us-east-1"),
            preset_median("aws", "us-east-1", "eu-west-1")
        );
        assert_eq!(preset_median("aws", "us-east-1", "mars-1"), None);
    }

    #[test]
    fn wan_shape_has_the_documented_tail_ratios() {
        let d = wan_delay(Duration::from_millis(100));
        let mut rng = stream(5, 0, "wan");
        let mut xs: Vec<u64> = (0..200_000)
            .map(|_| d.sample(&mut rng).as_nanos())
            .collect();
        xs.sort_unstable();
        let q = |p: f64| xs[(p * xs.len() as f64) as usize] as f64 / 1e8;
        assert!((q(0.5) - 1.0).abs() < 0.005, "p50 {}", q(0.5));
        assert!((q(0.99) - 1.24).abs() < 0.02, "p99/p50 {}", q(0.99));
        assert!((q(0.999) - 1.46).abs() < 0.05, "p99.9/p50 {}", q(0.999));
    }

    #[test]
    fn distance_estimate_is_close_to_measured_pairs() {
        let c = |r| preset_coords("aws", r).unwrap();
        let est = distance_median(c("us-east-1"), c("eu-west-1")).as_millis_f64();
        assert!((est - 35.0).abs() / 35.0 < 0.1, "{est}");
        let est = distance_median(c("us-west-2"), c("ap-northeast-1")).as_millis_f64();
        assert!((est - 49.0).abs() / 49.0 < 0.12, "{est}");
    }
}
