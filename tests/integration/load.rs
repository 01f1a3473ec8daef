//! Load scaling: one factor for the whole workload, per client region and
//! per dataset; the same arrival stream, scaled.

use crate::common::{fig, summary, TWO_REGIONS};

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
