//! Finite capacity: app tiers, commit paths and link bandwidth as
//! stations, checked against queueing formulas.

use crate::common::{erlang_c, fig, series, summary};
use regionsim::report::aggregate::at;

/// One region, reads at `lambda` per second to an app tier of `servers` x
/// `concurrency` workers with exponential service of 1 ms.
fn app_tier(lambda: f64, servers: u32, concurrency: u32, extra: &str, seconds: u32) -> String {
    format!(
        r#"
name: app
seed: 5
warmup: 5s
duration: {seconds}s
replications: 4
regions:
  - name: a
    jurisdiction: US
    app: {{servers: {servers}, concurrency: {concurrency}, service_time: {{exponential: {{mean: 1ms}}}}{extra}}}
network:
  intra_region: 1ms
datasets:
  - name: d
    keys: 1000
    placement:
      single-primary: {{primary: a, apply_time: 1ms}}
workload:
  - region: a
    access_delay: 2ms
    rates: {{d: {{reads_per_s: {lambda}}}}}
"#
    )
}

/// The mean of `path` and its 95 % interval.
fn interval(s: &serde_json::Value, path: &str) -> (f64, f64, f64) {
    let g = |k: &str| {
        at(s, &format!("points.0.figures.{path}.{k}"))
            .and_then(serde_json::Value::as_f64)
            .unwrap_or_else(|| panic!("no {k} at {path}"))
    };
    (g("mean"), g("ci_low"), g("ci_high"))
}

/// An app tier of c workers is M/M/c: the mean wait for a worker is the
/// Erlang C formula's, for c = 1, 2 and 8 (as 1 x 1, 2 x 1 and 2 x 4:
/// servers times concurrency), within 5 % and its interval widened by the
/// formula's own 1 %. Each worker is busy rho of the time; a read takes
/// the access and intra-region delays, the wait and the service.
#[test]
fn an_app_tier_waits_as_m_m_c() {
    for (servers, concurrency, lambda, seconds) in [
        (1u32, 1u32, 600.0, 100),
        (2, 1, 1400.0, 60),
        (2, 4, 6000.0, 15),
    ] {
        let c = servers * concurrency;
        let s = summary(&app_tier(lambda, servers, concurrency, "", seconds));
        let a = lambda / 1000.0;
        let want = erlang_c(c, a) / (f64::from(c) * 1000.0 - lambda) * 1e3;
        let (got, lo, hi) = interval(&s, "app_tiers.a.wait_ms");
        assert!(
            (got - want).abs() / want < 0.05 && lo * 0.99 <= want && want <= hi * 1.01,
            "c = {c}: mean wait {got} ms [{lo}, {hi}], Erlang C {want} ms"
        );
        let busy = fig(&s, "app_tiers.a.utilisation");
        let rho = a / f64::from(c);
        assert!((busy - rho).abs() < 0.01, "c = {c}: busy {busy}, rho {rho}");
        // Little: mean number waiting = lambda x mean wait.
        let queue = fig(&s, "app_tiers.a.queue_length");
        assert!((queue - lambda * got / 1e3).abs() < 0.02 * queue.max(0.01));
        let latency = fig(&s, "clients.a.read_latency.mean_ms");
        let expected = 2.0 + 1.0 + got + 1.0 + 1.0 + 2.0;
        assert!(
            (latency - expected).abs() < 0.03,
            "c = {c}: read latency {latency} ms, {expected} ms by the legs"
        );
    }
}

/// A queue limit turns requests away as M/M/1/K says: one worker, two
/// waiting, rho = 1: blocking 1 / (K + 1) = 25 %. `reject` fails them at
/// once (no timeout, no retries); the shed share is the unavailability (up
/// to requests sent in the span that reach the app tier after it).
#[test]
fn a_full_app_queue_sheds_as_m_m_1_k() {
    let s = summary(&app_tier(1000.0, 1, 1, ", queue_limit: 2", 100));
    let shed = fig(&s, "app_tiers.a.rejected_share");
    assert!((shed - 0.25).abs() < 0.01, "shed {shed}, M/M/1/3 says 0.25");
    let avail = fig(&s, "clients.a.requests.availability");
    assert!(
        (avail - (1.0 - shed)).abs() < 1e-3,
        "availability {avail}, shed {shed}"
    );
}

/// With a timeout and retries, a rejected request is tried again after the
/// backoff (and usually gets in); `shed: timeout` drops it instead, so the
/// user waits for the whole timeout before the retry.
#[test]
fn shedding_by_reject_retries_at_once_and_by_timeout_waits() {
    let patience = |shed: &str| {
        let yaml = app_tier(600.0, 1, 1, &format!(", queue_limit: 2, shed: {shed}"), 30).replace(
            "    access_delay: 2ms\n",
            "    access_delay: 2ms\n    timeout: 200ms\n    retries: 3\n    backoff: 10ms\n",
        );
        summary(&yaml)
    };
    let reject = patience("reject");
    let timeout = patience("timeout");
    for s in [&reject, &timeout] {
        assert!(fig(s, "clients.a.requests.retried") > 0.0);
        assert!(fig(s, "clients.a.requests.availability") > 0.99);
    }
    // A retry after a rejection comes 10 ms later; after a dropped request
    // 210 ms later: the tail shows it.
    let p99 = |s| fig(s, "clients.a.read_latency.p99_ms");
    assert!(p99(&reject) < 100.0, "reject p99 {}", p99(&reject));
    assert!(p99(&timeout) > 200.0, "timeout p99 {}", p99(&timeout));
}

/// Two regions; writes from `a` at `lambda` per second to a primary in
/// `a`, replicated to `b`; `primary_extra` and `link_extra` add to the
/// primary's placement and to the link.
fn writes(lambda: f64, primary_extra: &str, link_extra: &str, seconds: u32) -> String {
    format!(
        r#"
name: writes
seed: 9
warmup: 5s
duration: {seconds}s
replications: 4
regions:
  - {{name: a, jurisdiction: US}}
  - {{name: b, jurisdiction: US}}
network:
  intra_region: 1ms
  links: [{{between: [a, b], delay: 10ms{link_extra}}}]
datasets:
  - name: d
    keys: 1000000
    record_bytes: 1000
    placement:
      single-primary:
        primary: a
        replicas: [b]
        apply_time: 0.1ms
{primary_extra}
workload:
  - region: a
    access_delay: 2ms
    rates: {{d: {{writes_per_s: {lambda}}}}}
"#
    )
}

/// The primary's commit path with one server and exponential commits of
/// 2 ms at 300 writes/s is M/M/1 at rho = 0.6: mean wait 3 ms; the write
/// latency grows by the wait and the commit time, and replication starts
/// at commit.
#[test]
fn a_commit_path_waits_as_m_m_1_and_delays_the_write() {
    let plain = summary(&writes(300.0, "", "", 100));
    let queued = summary(&writes(
        300.0,
        "        commit: {servers: 1, service_time: {exponential: {mean: 2ms}}}",
        "",
        100,
    ));
    let (wait, lo, hi) = interval(&queued, "datasets.d.commit.wait_ms");
    assert!(
        (wait - 3.0).abs() < 0.15 && lo * 0.99 <= 3.0 && 3.0 <= hi * 1.01,
        "commit wait {wait} ms [{lo}, {hi}], M/M/1 says 3"
    );
    let rho = fig(&queued, "datasets.d.commit.utilisation");
    assert!((rho - 0.6).abs() < 0.01, "commit busy {rho}");
    let before = fig(&plain, "clients.a.write_latency.mean_ms");
    let after = fig(&queued, "clients.a.write_latency.mean_ms");
    assert!(
        (after - before - (wait + 2.0)).abs() < 0.05,
        "write latency {before} -> {after} ms; wait {wait} + 2 ms commit"
    );
    assert!(at(&plain, "points.0.figures.datasets.d.commit").is_none());
}

/// A link of 1 MB/s carrying 1000-byte writes takes exactly 1 ms per
/// message; at 500 writes/s it is busy half the time. Poisson arrivals,
/// constant service: M/D/1, mean wait rho S / (2 (1 - rho)) = 0.5 ms. The
/// replication lag is the wait, the transmission, the 10 ms delay and the
/// 0.1 ms apply.
#[test]
fn a_bandwidth_cap_queues_as_m_d_1() {
    let s = summary(&writes(500.0, "", ", bandwidth: 1MB/s", 120));
    let (wait, lo, hi) = interval(&s, "network.a.b.transmit.wait_ms");
    assert!(
        (wait - 0.5).abs() < 0.02 && lo * 0.99 <= 0.5 && 0.5 <= hi * 1.01,
        "transmission wait {wait} ms [{lo}, {hi}], M/D/1 says 0.5"
    );
    let busy = fig(&s, "network.a.b.transmit.utilisation");
    assert!((busy - 0.5).abs() < 0.01, "link busy {busy}");
    let lag = fig(&s, "datasets.d.replicas.b.lag.mean_ms");
    assert!(
        (lag - (wait + 1.0 + 10.0 + 0.1)).abs() < 0.01,
        "lag {lag} ms = wait {wait} + 1 + 10 + 0.1"
    );
    // Async replication sends nothing back: the other direction carried
    // no message, so it is not listed.
    assert!(at(&s, "points.0.figures.network.b.a").is_none());
    assert!(at(&s, "points.0.figures.network.a.b.messages_per_s").is_some());
}

/// A station's utilisation per bucket follows its load: a step to twice
/// the rate halfway doubles it.
#[test]
fn utilisation_by_bucket_follows_the_load() {
    let yaml = app_tier(300.0, 1, 1, "", 60)
        .replace("warmup: 5s", "warmup: 5s\nbucket: 10s")
        .replace(
            "    rates: {d: {reads_per_s: 300}}",
            "    profile: {step: {at: 30s, factor: 2}}\n    rates: {d: {reads_per_s: 300}}",
        );
    let s = summary(&yaml);
    let u = series(&s, "app_tiers.a.utilisation_by_bucket");
    assert_eq!(u.len(), 6);
    for (i, x) in u.iter().enumerate() {
        let want = if i < 3 { 0.3 } else { 0.6 };
        assert!((x - want).abs() < 0.03, "bucket {i}: {x}, want {want}");
    }
}

/// The lints name a station at or above 80 % and 100 % at the peak of the
/// rate profiles: an app tier, a commit path, a link's bandwidth.
#[test]
fn stations_at_80_and_100_percent_at_peak_are_flagged() {
    let warnings = |yaml: &str| crate::common::scenario(yaml).warnings.join("\n");
    // 600 reads/s on one worker of 1 ms: 0.6, no warning; a diurnal peak
    // of 1.5 takes it to 0.9; a burst of 2 to 1.2.
    assert!(!warnings(&app_tier(600.0, 1, 1, "", 10)).contains("app tier"));
    let with = |profile: &str| {
        app_tier(600.0, 1, 1, "", 10).replace(
            "    access_delay: 2ms\n",
            &format!("    access_delay: 2ms\n    profile: {profile}\n"),
        )
    };
    let w = warnings(&with(
        "{diurnal: {peak: 1.5, trough: 0.5, peak_hour: 18, utc_offset_hours: 0}}",
    ));
    assert!(w.contains("app tier of a: utilisation 0.90 at peak"), "{w}");
    let w = warnings(&with("{burst: {at: 1s, duration: 1s, factor: 2}}"));
    assert!(w.contains("app tier of a: utilisation 1.20 at peak"), "{w}");
    assert!(w.contains(">= 1"), "{w}");
    // 450 writes/s on a 2 ms commit: 0.9.
    let w = warnings(&writes(
        450.0,
        "        commit: {servers: 1, service_time: {exponential: {mean: 2ms}}}",
        "",
        10,
    ));
    assert!(
        w.contains("commit path of dataset `d`: utilisation 0.90"),
        "{w}"
    );
    // 1,100 writes/s of 1000 bytes on 1 MB/s: 1.1.
    let w = warnings(&writes(1100.0, "", ", bandwidth: 1MB/s", 10));
    assert!(w.contains("link a -> b: utilisation 1.10"), "{w}");
    assert!(!w.contains("link b -> a"), "{w}");
}

/// N+1 (`scenarios/n-plus-one.yaml`): three app tiers of 24 workers of
/// 20 ms take 720 requests/s each, 60 % busy. When us-west-2 is down and
/// DNS has moved its users (weighted 1:1:1, so its third splits over the
/// two others), the survivors carry all 2,160 requests/s: 1.8 servers'
/// worth of their 2 x 24 workers' time per worker, 90 % each; us-west-2
/// none. Before the failure each is at 60 %.
#[test]
fn n_plus_one_survivors_carry_the_lost_regions_load() {
    let yaml = std::fs::read_to_string("scenarios/n-plus-one.yaml").unwrap();
    let s = summary(&yaml);
    let u = |r: &str| series(&s, &format!("app_tiers.{r}.utilisation_by_bucket"));
    let (east, west, eu) = (u("us-east-1"), u("us-west-2"), u("eu-west-1"));
    let mean =
        |v: &[f64], from: usize, to: usize| v[from..to].iter().sum::<f64>() / (to - from) as f64;
    // Before: buckets of 10 s up to the failure at 120 s.
    for (name, v) in [
        ("us-east-1", &east),
        ("us-west-2", &west),
        ("eu-west-1", &eu),
    ] {
        let before = mean(v, 0, 12);
        assert!((before - 0.6).abs() < 0.03, "{name} before: {before}");
    }
    // During: from 250 s (DNS has converged, ~90 s after the failure)
    // to the end of the outage at 720 s.
    let (e, w, x) = (mean(&east, 25, 72), mean(&west, 25, 72), mean(&eu, 25, 72));
    assert_eq!(w, 0.0, "us-west-2 is down");
    let load = 3.0 * 720.0 * 0.020 / 24.0;
    assert!(
        (e + x - load).abs() < 0.02,
        "survivors together {e} + {x}, arithmetic {load}"
    );
    for (name, got) in [("us-east-1", e), ("eu-west-1", x)] {
        assert!(
            (got - load / 2.0).abs() < 0.04,
            "{name} during: {got}, arithmetic {}",
            load / 2.0
        );
    }
    assert_eq!(fig(&s, "app_tiers.us-east-1.rejected"), 0.0);
}

/// The same design at 75 % (`n-plus-one-overload.yaml`): the survivors
/// would need 112.5 %; they run saturated and shed while us-west-2 is down,
/// and not before.
#[test]
fn n_plus_one_at_75_percent_overloads_the_survivors() {
    let yaml = std::fs::read_to_string("scenarios/n-plus-one-overload.yaml").unwrap();
    let s = summary(&yaml);
    for r in ["us-east-1", "eu-west-1"] {
        let u = series(&s, &format!("app_tiers.{r}.utilisation_by_bucket"));
        let before = u[..12].iter().sum::<f64>() / 12.0;
        assert!((before - 0.75).abs() < 0.03, "{r} before: {before}");
        let during = u[25..72].iter().sum::<f64>() / 47.0;
        assert!(during > 0.99, "{r} during: {during}");
        assert!(fig(&s, &format!("app_tiers.{r}.rejected_share")) > 0.1);
    }
    assert!(fig(&s, "availability.overall") < 0.95);
}
