//! Stale reads per client region: over time, and as a staleness-age curve.

use crate::common::summary;
use serde_json::Value;

/// A primary region and two replica regions, all reading; apply times that
/// keep lag around tens of milliseconds, bounds inside that range.
const THREE: &str = r#"
name: three
seed: 11
warmup: 2s
duration: 40s
replications: 2
staleness_bounds: [0ms, 5ms, 20ms, 100ms]
regions:
  - {name: p, jurisdiction: US}
  - {name: r1, jurisdiction: EU}
  - {name: r2, jurisdiction: SG}
network:
  intra_region: 1ms
  links:
    - {between: [p, r1], delay: {uniform: {min: 5ms, max: 25ms}}}
    - {between: [p, r2], delay: {shifted_exponential: {base: 30ms, extra_mean: 20ms}}}
    - {between: [r1, r2], delay: 60ms}
datasets:
  - name: users
    keys: 50
    placement:
      single-primary: {primary: p, replicas: [r1, r2], apply_time: {exponential: {mean: 2ms}}}
workload:
  - {region: p, rates: {users: {reads_per_s: 300, writes_per_s: 100}}}
  - {region: r1, rates: {users: {reads_per_s: 400}}}
  - {region: r2, rates: {users: {reads_per_s: 250}}}
"#;

fn nums(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn per_region_stale_share_over_time_averages_to_the_table_figure() {
    let s = summary(THREE);
    let p = &s["points"][0];
    let bucket_s = s["bucket_s"].as_f64().unwrap();
    for run in p["runs"].as_array().unwrap() {
        for region in ["p", "r1", "r2"] {
            let c = &run["clients"][region];
            let reads: Vec<f64> = nums(&c["timeline"]["reads_per_s"])
                .iter()
                .map(|r| (r * bucket_s).round())
                .collect();
            let total: f64 = reads.iter().sum();
            assert_eq!(total, c["read_latency"]["count"].as_f64().unwrap());
            for bound in ["0ms", "5ms", "20ms", "100ms"] {
                let over_time = nums(&c["timeline"]["stale_share"][bound]);
                let weighted: f64 = over_time.iter().zip(&reads).map(|(s, r)| s * r).sum();
                let table = c["stale_reads"][bound]["share"].as_f64().unwrap();
                assert!(
                    (weighted / total - table).abs() < 1e-12,
                    "{region} at {bound}: over time {} vs table {table}",
                    weighted / total
                );
            }
        }
        // The primary's reads are never stale; the replicas' are.
        assert_eq!(run["clients"]["p"]["stale_reads"]["0ms"]["count"], 0);
        for r in ["r1", "r2"] {
            assert!(
                run["clients"][r]["stale_reads"]["0ms"]["count"]
                    .as_u64()
                    .unwrap()
                    > 100
            );
        }
    }
    // No pooled stale share remains: none over all regions in the timeline,
    // and every stale column of timeline.csv names its region.
    assert!(p["figures"]["timeline"].get("stale_share").is_none());
    let csv = regionsim::report::timeline_csv(&s);
    let header = csv.lines().next().unwrap();
    for col in header.split(',').filter(|c| c.contains("stale")) {
        assert!(col.contains('@'), "unlabelled column {col} in {header}");
    }
    assert!(header.contains("stale_share_20ms@r2"), "{header}");
}

#[test]
fn the_staleness_age_curve_at_each_bound_is_the_counted_share() {
    let s = summary(THREE);
    let p = &s["points"][0];
    let edges = nums(&p["staleness_age_edges_ms"]);
    assert_eq!(edges[0], 0.0);
    assert!(edges.windows(2).all(|w| w[0] < w[1]));
    for run in p["runs"].as_array().unwrap() {
        for (region, c) in run["clients"].as_object().unwrap() {
            let mut levels = vec![c];
            levels.extend(c["by_dataset"].as_object().unwrap().values());
            for figures in levels {
                let curve = nums(&figures["stale_share_by_age"]);
                assert_eq!(curve.len(), edges.len());
                assert!(
                    curve.windows(2).all(|w| w[0] >= w[1]),
                    "a share stale at a larger T is never larger"
                );
                for (bound, ms) in [("0ms", 0.0), ("5ms", 5.0), ("20ms", 20.0), ("100ms", 100.0)] {
                    let i = edges
                        .iter()
                        .position(|&e| e == ms)
                        .expect("every bound is an edge");
                    let counted = figures["stale_reads"][bound]["share"].as_f64().unwrap();
                    // Exactly: the same reads, counted once.
                    assert_eq!(curve[i], counted, "{region} at {bound}");
                }
            }
        }
    }
    // The curve has shape: some reads are stale at 5 ms, fewer at 20 ms.
    let r2 = &p["runs"][0]["clients"]["r2"]["stale_reads"];
    let at = |b: &str| r2[b]["share"].as_f64().unwrap();
    assert!(at("0ms") > at("5ms") && at("5ms") > at("20ms") && at("20ms") > 0.0);
}
