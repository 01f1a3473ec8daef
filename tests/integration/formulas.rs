//! Simulated figures against closed-form results.

use crate::common::{erlang_c, fig, scenario, summary, TWO_REGIONS};
use regionsim::model::World;

/// Constant delays give exactly their sum: a write from `b` crosses
/// access (1 ms) + link (38 ms) each way = 78 ms, a local read 4 x 1 ms, and
/// with a zero apply time every write reaches the replica exactly 38 ms
/// after it commits.
#[test]
fn constant_delays_give_exactly_that_delay() {
    let s = summary(TWO_REGIONS);
    for (path, ms) in [
        ("clients.b.write_latency.min_ms", 78.0),
        ("clients.b.write_latency.max_ms", 78.0),
        ("clients.b.read_latency.min_ms", 4.0),
        ("clients.b.read_latency.max_ms", 4.0),
        ("clients.a.write_latency.min_ms", 4.0),
        ("clients.a.write_latency.max_ms", 4.0),
        ("datasets.users.replicas.b.lag.min_ms", 38.0),
        ("datasets.users.replicas.b.lag.max_ms", 38.0),
    ] {
        assert_eq!(fig(&s, path), ms, "{path}");
    }
    let replicated = fig(&s, "datasets.users.replicas.b.lag.count");
    assert!(replicated > 3000.0, "{replicated} writes replicated");
    // Nothing is 50 ms stale when every write lands 38 ms after commit.
    assert_eq!(fig(&s, "clients.b.stale_reads.50ms.count"), 0.0);
}

/// The apply queue is M/M/1 when writes are Poisson, the link delay is
/// constant (arrivals stay Poisson) and apply times are exponential:
/// mean wait rho / (mu - lambda), mean lag = link + 1 / (mu - lambda).
///
/// lambda = 500/s, mu = 1000/s: wait 1 ms, lag 10 + 2 = 12 ms. Tolerance:
/// at rho = 0.5 the waiting-time standard deviation is
/// sqrt(rho (2 - rho)) / (mu (1 - rho)) = 1.73 ms and its autocorrelation
/// dies out within about 1 / (mu (1 - sqrt(rho))^2) = 12 ms, i.e. ~6
/// arrivals, so 195,000 writes count as ~15,000 independent ones: a standard
/// error of 1.4 % on the mean wait. 5 % is 3.5 standard errors; the lag
/// (dominated by the constant 10 ms) is held to 1.5 %.
#[test]
fn apply_queue_matches_mm1_mean_wait() {
    let yaml = r#"
name: mm1
seed: 5
warmup: 10s
duration: 390s
regions:
  - {name: a, jurisdiction: US}
  - {name: b, jurisdiction: US}
network:
  intra_region: 1ms
  links: [{between: [a, b], delay: 10ms}]
datasets:
  - name: d
    keys: 1000
    placement:
      single-primary:
        primary: a
        replicas: [b]
        apply_time: {exponential: {mean: 1ms}}
workload:
  - region: a
    rates: {d: {writes_per_s: 500}}
"#;
    let s = summary(yaml);
    let (lambda, mu) = (500.0, 1000.0);
    let rho: f64 = lambda / mu;
    let wait_ms = rho / (mu - lambda) * 1e3;
    let got = fig(&s, "datasets.d.replicas.b.apply_wait.mean_ms");
    assert!(
        (got - wait_ms).abs() / wait_ms < 0.05,
        "mean wait {got} ms, M/M/1 {wait_ms} ms"
    );
    // The apply thread is busy rho of the time: 195,000 exponential
    // services of 1 ms sum to 195 s +- 0.44 s (0.11 % of the span).
    let busy = fig(&s, "datasets.d.replicas.b.apply_utilisation");
    assert!(
        (busy - rho).abs() < 0.005,
        "apply thread busy {busy}, rho {rho}"
    );
    let lag_ms = 10.0 + 1e3 / (mu - lambda);
    let got = fig(&s, "datasets.d.replicas.b.lag.mean_ms");
    assert!(
        (got - lag_ms).abs() / lag_ms < 0.015,
        "mean lag {got} ms, expected {lag_ms} ms"
    );
}

/// Stale reads against the replica's own lag distribution.
///
/// A key is written as a Poisson process of rate lam and its writes reach
/// the replica in commit order (one FIFO stream). A read at t misses a write
/// committed at or before t - T iff the newest such write is not applied
/// yet; its age beyond T is Exp(lam) and independent of its lag L, so
/// P(stale at T) = E[(1 - exp(-lam (L - T))) 1{L > T}], which for T = 0 is
/// 1 - E[exp(-lam L)]. The expectation is taken over the simulated lags.
///
/// Tolerance: 400,000 reads of 50 keys; a stale window lasts about one lag
/// (~45 ms) and each key is read 40 times a second, so reads come in
/// correlated pairs: ~130,000 independent reads and a standard error of
/// about 0.0008 at p = 0.09. 0.004 is five standard errors.
#[test]
fn stale_read_share_matches_lag_distribution() {
    let yaml = r#"
name: stale
seed: 9
warmup: 10s
duration: 200s
staleness_bounds: [0ms, 40ms]
regions:
  - {name: a, jurisdiction: US}
  - {name: b, jurisdiction: EU}
network:
  intra_region: 1ms
  links:
    - between: [a, b]
      delay: {lognormal: {median: 40ms, p99: 120ms}}
datasets:
  - name: d
    keys: 50
    placement:
      single-primary:
        primary: a
        replicas: [b]
        apply_time: {exponential: {mean: 0.5ms}}
workload:
  - region: a
    rates: {d: {writes_per_s: 100}}
  - region: b
    rates: {d: {reads_per_s: 2000}}
"#;
    let metrics = World::run(&scenario(yaml), 0);
    let lam = 100.0 / 50.0; // writes per second per key
    let lags = &metrics.replicas[0][0].lag;
    let expected = |t_s: f64| {
        let (mut sum, mut n) = (0.0, 0u64);
        for (l, count) in lags.buckets() {
            let excess = l.as_secs_f64() - t_s;
            if excess > 0.0 {
                sum += count as f64 * (1.0 - (-lam * excess).exp());
            }
            n += count;
        }
        sum / n as f64
    };
    let s = summary(yaml);
    for (bound, t_s) in [("0ms", 0.0), ("40ms", 0.040)] {
        let got = fig(&s, &format!("clients.b.stale_reads.{bound}.share"));
        let want = expected(t_s);
        assert!(
            (got - want).abs() < 0.004,
            "stale share at {bound}: simulated {got}, formula {want}"
        );
    }
    // The check has teeth: the two bounds differ by far more than the tolerance.
    assert!(expected(0.0) - expected(0.040) > 0.02);
}

/// With `apply_threads: c` the apply path is M/M/c: Poisson writes (a
/// constant link keeps them Poisson), exponential apply times of 1 ms.
/// Mean wait C(c, a) / (c mu - lambda), for c = 1, 2 and 8 at rho 0.5,
/// 0.7 and 0.75 (400 s, 200 s and 60 s: 200,000 to 360,000 writes).
#[test]
fn parallel_apply_matches_erlang_c_mean_wait() {
    for (c, lambda, seconds) in [(1u32, 500.0, 400), (2, 1400.0, 200), (8, 6000.0, 60)] {
        let yaml = format!(
            r#"
name: mmc
seed: 11
warmup: 5s
duration: {seconds}s
regions:
  - {{name: a, jurisdiction: US}}
  - {{name: b, jurisdiction: US}}
network:
  intra_region: 1ms
  links: [{{between: [a, b], delay: 10ms}}]
datasets:
  - name: d
    keys: 1000000
    placement:
      single-primary:
        primary: a
        replicas: [b]
        apply_time: {{exponential: {{mean: 1ms}}}}
        apply_threads: {c}
workload:
  - region: a
    rates: {{d: {{writes_per_s: {lambda}}}}}
"#
        );
        let s = summary(&yaml);
        let mu = 1000.0;
        let a = lambda / mu;
        let want_ms = erlang_c(c, a) / (f64::from(c) * mu - lambda) * 1e3;
        let got = fig(&s, "datasets.d.replicas.b.apply_wait.mean_ms");
        assert!(
            (got - want_ms).abs() / want_ms < 0.06,
            "c = {c}: mean wait {got} ms, Erlang C {want_ms} ms"
        );
        // Each thread busy rho of the time.
        let busy = fig(&s, "datasets.d.replicas.b.apply_utilisation");
        let rho = a / f64::from(c);
        assert!((busy - rho).abs() < 0.01, "c = {c}: busy {busy}, rho {rho}");
    }
}

/// Several apply threads finish writes out of order, but a replica shows
/// them in commit order: every write, followed from commit to apply,
/// becomes visible after the one committed before it.
#[test]
fn parallel_apply_shows_writes_in_commit_order() {
    use regionsim::model::{Trace, World};
    let yaml = r#"
name: order
seed: 3
duration: 30s
regions:
  - {name: a, jurisdiction: US}
  - {name: b, jurisdiction: US}
network:
  intra_region: 1ms
  links: [{between: [a, b], delay: 10ms}]
datasets:
  - name: d
    keys: 20
    placement:
      single-primary:
        primary: a
        replicas: [b]
        apply_time: {exponential: {mean: 2ms}}
        apply_threads: 8
workload:
  - region: a
    rates: {d: {writes_per_s: 2000}}
"#;
    let s = crate::common::scenario(yaml);
    let mut sim = World::new(&s, 0);
    sim.model_mut().trace_writes();
    sim.run_to_completion();
    let applied: Vec<(u64, regionsim::engine::Time)> = sim
        .model()
        .trace()
        .iter()
        .filter_map(|t| match *t {
            Trace::Applied { seq, at, .. } => Some((seq, at)),
            _ => None,
        })
        .collect();
    assert!(applied.len() > 50_000, "{} writes", applied.len());
    for w in applied.windows(2) {
        assert_eq!(w[1].0, w[0].0 + 1, "applied out of commit order");
        assert!(
            w[1].1 >= w[0].1,
            "write {} visible before {}",
            w[1].0,
            w[0].0
        );
    }
    // With 20 keys at 2000 writes a second, many writes to one key are in
    // flight at once; commit order covers per-key order.
}
