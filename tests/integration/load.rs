//! Load scaling: one factor for the whole workload, per client region and
//! per dataset; the same arrival stream, scaled.

use crate::common::{fig, series, summary, TWO_REGIONS};

/// TWO_REGIONS without a warm-up, over `duration`, with `extra` added at
/// the top level.
fn scaled(duration: &str, extra: &str) -> String {
    TWO_REGIONS
        .replace("warmup: 5s\n", "")
        .replace("duration: 60s", &format!("duration: {duration}\n{extra}"))
}

#[test]
fn load_2_is_the_same_arrivals_twice_as_fast() {
    // Poisson arrivals at twice the rate are the same draws at half the
    // gaps: what load 1 sends in 120 s, load 2 sends in 60 s, request for
    // request (each gap is rounded to the nanosecond on its own, so one
    // at the very end may fall either side).
    let double = summary(&scaled("60s", "load: 2"));
    let single = summary(&scaled("120s", ""));
    for path in [
        "clients.a.write_latency.count",
        "clients.b.read_latency.count",
        "clients.b.write_latency.count",
    ] {
        let (d, s) = (fig(&double, path), fig(&single, path));
        assert!(
            (d - s).abs() <= 1.0,
            "{path}: {d} at load 2 in 60 s, {s} at load 1 in 120 s"
        );
    }
    // And the measured rates double, in expectation and here within
    // sampling error: b reads 200 a second.
    let base = summary(&scaled("60s", ""));
    let reads =
        fig(&double, "clients.b.read_latency.count") / fig(&base, "clients.b.read_latency.count");
    assert!((reads - 2.0).abs() < 0.05, "{reads}");
}

#[test]
fn region_and_dataset_factors_multiply_with_the_global_one() {
    let base = summary(&scaled("60s", ""));
    let yaml = scaled("60s", "load: 2")
        .replace("  - region: b\n", "  - region: b\n    load: 1.5\n")
        .replace("  - name: users\n", "  - name: users\n    load: 0.5\n");
    let s = summary(&yaml);
    // b: 2 x 1.5 x 0.5 = 1.5 times its rates; a: 2 x 0.5 = 1.
    let ratio = |path: &str| fig(&s, path) / fig(&base, path);
    let b = ratio("clients.b.read_latency.count");
    assert!((b - 1.5).abs() < 0.05, "b at {b}");
    assert_eq!(ratio("clients.a.write_latency.count"), 1.0);
}

/// `write_load: 2` doubles the measured writes and leaves the reads as
/// they were, request for request: reads and writes are separate streams,
/// so the reads draw the same numbers (common random numbers), and the
/// writes are load 1's over twice the time.
#[test]
fn write_load_doubles_writes_and_leaves_reads_alone() {
    let base = summary(&scaled("60s", ""));
    let writes2 = summary(&scaled("60s", "write_load: 2"));
    let single = summary(&scaled("120s", ""));
    assert_eq!(
        fig(&writes2, "clients.b.read_latency.count"),
        fig(&base, "clients.b.read_latency.count"),
        "the reads are the same requests"
    );
    for path in [
        "clients.a.write_latency.count",
        "clients.b.write_latency.count",
    ] {
        let (w, s) = (fig(&writes2, path), fig(&single, path));
        assert!(
            (w - s).abs() <= 1.0,
            "{path}: {w} at write_load 2 in 60 s, {s} in 120 s"
        );
        let ratio = w / fig(&base, path);
        assert!((ratio - 2.0).abs() < 0.1, "{path}: x{ratio}");
    }
    // Per region and per dataset, and reads alone.
    let yaml = scaled("60s", "read_load: 3")
        .replace(
            "  - region: b
",
            "  - region: b
    write_load: 0.5
",
        )
        .replace(
            "  - name: users
",
            "  - name: users
    read_load: 0.5
",
        );
    let s = summary(&yaml);
    let ratio = |path: &str| fig(&s, path) / fig(&base, path);
    let reads = ratio("clients.b.read_latency.count");
    assert!((reads - 1.5).abs() < 0.05, "b reads x{reads}");
    let writes = ratio("clients.b.write_latency.count");
    assert!((writes - 0.5).abs() < 0.08, "b writes x{writes}");
    assert_eq!(ratio("clients.a.write_latency.count"), 1.0);
}

#[test]
fn load_is_a_sweep_parameter_and_an_override() {
    let swept = summary(&format!(
        "{}sweep:\n  parameters:\n    load: [1, 3]\n",
        scaled("30s", "")
    ));
    let point = |k: usize, path: &str| {
        regionsim::report::aggregate::at(&swept, &format!("points.{k}.figures.{path}.mean"))
            .and_then(|v| v.as_f64())
            .unwrap()
    };
    let r = point(1, "clients.b.read_latency.count") / point(0, "clients.b.read_latency.count");
    assert!((r - 3.0).abs() < 0.1, "{r}");
}

/// Two regions a day apart in longitude: New York (UTC-5) and Tokyo
/// (UTC+9), each with users reading 2 a second at the mean of a day that
/// peaks at 1.6 at 20:00 local time and falls to 0.4 at 08:00.
const DAY: &str = r#"
name: day
seed: 8
duration: 24h
bucket: 1h
regions:
  - {name: nyc, jurisdiction: US, lat: 40.7, lon: -74.0}
  - {name: tokyo, jurisdiction: JP, lat: 35.7, lon: 139.7}
network: {intra_region: 1ms, links: [{between: [nyc, tokyo], delay: 80ms}]}
datasets:
  - {name: d, keys: 10, placement: {single-primary: {primary: nyc, replicas: [tokyo], apply_time: 0ms}}}
workload:
  - region: nyc
    profile: {diurnal: {peak: 1.6, trough: 0.4, peak_hour: 20}}
    rates: {d: {reads_per_s: 2}}
  - region: tokyo
    profile: {diurnal: {peak: 1.6, trough: 0.4, peak_hour: 20}}
    rates: {d: {reads_per_s: 2}}
"#;

#[test]
fn a_diurnal_profile_peaks_at_each_regions_local_hour() {
    let s = summary(DAY);
    let series = |region: &str| series(&s, &format!("clients.{region}.timeline.reads_per_s"));
    // The profile's mean over hour [h, h+1) UTC, for a region at UTC+o:
    // 1 + 0.6 cos(2 pi (local - 20) / 24), averaged over the hour.
    let expected = |h: usize, offset: f64| {
        let w = 2.0 * std::f64::consts::PI / 24.0;
        let (a, b) = (h as f64 + offset - 20.0, h as f64 + 1.0 + offset - 20.0);
        2.0 * (1.0 + 0.6 * ((w * b).sin() - (w * a).sin()) / w)
    };
    for (region, offset, peak_utc) in [("nyc", -5.0, 0usize), ("tokyo", 9.0, 11usize)] {
        let rates = series(region);
        assert_eq!(rates.len(), 24);
        for (h, &r) in rates.iter().enumerate() {
            let want = expected(h, offset);
            // 3600 s at about 2 a second: sd of the hourly rate is
            // sqrt(want / 3600).
            let sd = (want / 3600.0).sqrt();
            assert!(
                (r - want).abs() < 4.5 * sd,
                "{region} hour {h}: {r} vs {want}"
            );
        }
        // The busiest hour is the one from 20:00 local time, i.e. the
        // hour either side of it at worst.
        let busiest = (0..24)
            .max_by(|&a, &b| rates[a].total_cmp(&rates[b]))
            .unwrap();
        let gap = (busiest as i32 - peak_utc as i32).rem_euclid(24);
        assert!(
            gap == 0 || gap == 23 || gap == 1,
            "{region} busiest at {busiest} UTC, peak at {peak_utc}"
        );
    }
}

#[test]
fn step_burst_and_table_profiles_follow_their_factors() {
    let yaml = |profile: &str| {
        scaled("60s", "bucket: 10s").replace(
            "  - region: b\n",
            &format!("  - region: b\n    profile: {profile}\n"),
        )
    };
    let rates = |profile: &str| -> Vec<f64> {
        series(&summary(&yaml(profile)), "clients.b.timeline.reads_per_s")
    };
    // b reads 200 a second: sd of a 10 s bucket's rate about 4.5 at 200.
    let check = |got: Vec<f64>, want: [f64; 6]| {
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert!(
                (g - w).abs() < 5.0 * (w / 10.0f64).sqrt() + 1e-9,
                "bucket {i}: {g} vs {w}"
            );
        }
    };
    check(
        rates("{step: {at: 30s, factor: 2}}"),
        [200.0, 200.0, 200.0, 400.0, 400.0, 400.0],
    );
    check(
        rates("{burst: {at: 20s, duration: 20s, factor: 3}}"),
        [200.0, 200.0, 600.0, 600.0, 200.0, 200.0],
    );
    check(
        rates("{table: [[0s, 0.5], [10s, 1], [40s, 0]]}"),
        [100.0, 200.0, 200.0, 200.0, 0.0, 0.0],
    );
}

#[test]
fn the_apply_lint_looks_at_the_profiles_peak() {
    // a writes 50 a second, b 10, at 10 ms each: utilisation 0.6 without
    // the profile, 1.1 with a's writes at a x2 peak, 0.85 at x1.5.
    let lint = |factor: &str| {
        let yaml = TWO_REGIONS
            .replace("apply_time: 0ms", "apply_time: 10ms")
            .replace(
                "  - region: a\n",
                &format!("  - region: a\n    profile: {{step: {{at: 30s, factor: {factor}}}}}\n"),
            );
        crate::common::scenario(&yaml).warnings.join("\n")
    };
    assert!(
        lint("2").contains("up to 110.0 writes/s (utilisation 1.10 >= 1)"),
        "{}",
        lint("2")
    );
    assert!(
        lint("1.5").contains("reaches 0.85 at the peaks"),
        "{}",
        lint("1.5")
    );
    assert!(!lint("1").contains("apply"), "{}", lint("1"));
}

/// A load factor where nothing but apply queues has finite capacity is
/// said to leave latencies alone; with an app tier, or without a factor,
/// nothing is said.
#[test]
fn a_load_factor_without_finite_capacity_is_linted() {
    let lint = |yaml: &str| crate::common::scenario(yaml).warnings.join("\n");
    let words = "no app tier, commit path or link bandwidth has a finite capacity";
    assert!(lint(&scaled("10s", "write_load: 2")).contains(words));
    let per_entry = scaled("10s", "").replace("  - region: b\n", "  - region: b\n    load: 3\n");
    assert!(lint(&per_entry).contains(words));
    assert!(!lint(&scaled("10s", "")).contains(words));
    assert!(!lint(&scaled("10s", "load: 1")).contains(words));
    let with_app = scaled("10s", "write_load: 2").replace(
        "  - {name: a, jurisdiction: US}\n",
        "  - {name: a, jurisdiction: US, app: {servers: 8, service_time: 1ms}}\n",
    );
    assert_ne!(
        with_app,
        scaled("10s", "write_load: 2"),
        "the app tier is added"
    );
    assert!(!lint(&with_app).contains(words), "{}", lint(&with_app));
}
