//! Failures: region outages, service failures, partitions and degraded
//! links, met by requests and replication as they happen.

use crate::common::{availability_series, fig, regionsim, series, summary, write, TWO_REGIONS};
use regionsim::report::aggregate::at;

/// TWO_REGIONS with 5 s buckets, a 1 s timeout for region b, b's rates
/// replaced by `b_rates`, and `failures` (the text of the list's items).
fn scenario(b_rates: &str, failures: &str) -> String {
    TWO_REGIONS
        .replace("duration: 60s", "duration: 60s\nbucket: 5s")
        .replace("  - region: b\n", "  - region: b\n    timeout: 1s\n")
        .replace("{reads_per_s: 200, writes_per_s: 10}", b_rates)
        + "failures:\n"
        + failures
}

/// The buckets wholly inside [from, to) seconds are 0, those wholly
/// outside [from - 1 s, to) are 1.
fn assert_down_between(series: &[f64], from: usize, to: usize) {
    for (i, &a) in series.iter().enumerate() {
        let (start, end) = (i * 5, i * 5 + 5);
        if start >= from && end <= to {
            assert_eq!(a, 0.0, "bucket {i} inside the failure: {series:?}");
        } else if end < from || start >= to {
            assert_eq!(a, 1.0, "bucket {i} outside the failure: {series:?}");
        }
    }
}

#[test]
fn a_region_outage_fails_exactly_the_requests_that_meet_it() {
    let s = summary(&scenario(
        "{reads_per_s: 200, writes_per_s: 10}",
        "  - {region: b, at: 20s, duration: 20s}\n",
    ));
    let b = availability_series(&s, "b");
    assert_down_between(&b, 20, 40);
    // Requests sent just before the outage whose answer would cross its
    // start fail too (about one expected): bucket [15 s, 20 s) is at most
    // just under 1.
    assert!(b[3] > 0.99, "{b:?}");
    // About a third of b's requests fail: 20 s of 60.
    let availability = fig(&s, "clients.b.requests.availability");
    assert!((availability - 2.0 / 3.0).abs() < 0.01, "{availability}");
    // Region a writes to its own primary throughout.
    assert_eq!(fig(&s, "clients.a.requests.availability"), 1.0);
    // Replication to b waited: writes committed up to one crossing (38 ms)
    // before the outage were on their way, were taken back, and reached b
    // one crossing after it was back: a lag of at most 20 s + 2 x 38 ms.
    let lag = fig(&s, "datasets.users.replicas.b.lag.max_ms");
    assert!((20_000.0..=20_076.0).contains(&lag), "{lag}");
}

#[test]
fn a_partition_cuts_writes_across_it_but_not_local_reads() {
    let writes = summary(&scenario(
        "{writes_per_s: 10}",
        "  - {partition: [[a], [b]], at: 10s, duration: 15s}\n",
    ));
    assert_down_between(&availability_series(&writes, "b"), 10, 25);
    let reads = summary(&scenario(
        "{reads_per_s: 200}",
        "  - {partition: [[a], [b]], at: 10s, duration: 15s}\n",
    ));
    assert_eq!(fig(&reads, "clients.b.requests.availability"), 1.0);
    // Writes from a reach b after the partition heals: 15 s late at most.
    let lag = fig(&reads, "datasets.users.replicas.b.lag.max_ms");
    assert!((15_000.0..15_040.0).contains(&lag), "{lag}");
    // Reads at b in the partition were stale; before it, none was at 50 ms.
    assert!(fig(&reads, "clients.b.stale_reads.50ms.share") > 0.2);
}

#[test]
fn a_degraded_link_changes_delays_by_its_factor_and_added_delay() {
    // 1 ms to the app tier, (38 ms x 2 + 10 ms) to the primary and back.
    let s = summary(&scenario(
        "{writes_per_s: 10}",
        "  - {link: [a, b], delay_factor: 2, added_delay: 10ms, at: 0s, duration: 1h}\n",
    ));
    assert_eq!(fig(&s, "clients.b.write_latency.min_ms"), 174.0);
    assert_eq!(fig(&s, "clients.b.write_latency.max_ms"), 174.0);
    assert_eq!(fig(&s, "datasets.users.replicas.b.lag.max_ms"), 86.0);
    // Two overlapping degradations compose: factors multiply.
    let s = summary(&scenario(
        "{writes_per_s: 10}",
        "  - {link: [a, b], delay_factor: 2, at: 0s, duration: 1h}\n  - {link: [a, b], delay_factor: 1.5, at: 0s, duration: 1h}\n",
    ));
    assert_eq!(
        fig(&s, "clients.b.write_latency.max_ms"),
        1.0 + 114.0 * 2.0 + 1.0
    );
}

#[test]
fn a_lossy_link_loses_its_share_of_requests() {
    // Each write crosses twice: it succeeds with probability 0.8^2.
    let s = summary(&scenario(
        "{writes_per_s: 200}",
        "  - {link: [a, b], loss: 20%, at: 0s, duration: 1h}\n",
    ));
    let attempted = fig(&s, "clients.b.requests.attempted");
    let availability = fig(&s, "clients.b.requests.availability");
    let sd = (0.64 * 0.36 / attempted).sqrt();
    assert!((availability - 0.64).abs() < 4.0 * sd, "{availability}");
    // Replication is a reliable stream: lost messages are sent again after
    // the 200 ms retransmission timeout, so the lag reaches past it.
    assert!(fig(&s, "datasets.users.replicas.b.lag.max_ms") >= 238.0);
}

#[test]
fn one_service_down_takes_only_its_part() {
    // The primary's database in a is down: b's writes fail, its reads of
    // the local replica go on.
    let s = summary(&scenario(
        "{reads_per_s: 200, writes_per_s: 10}",
        "  - {region: a, service: database, at: 10s, duration: 10s}\n",
    ));
    let failed = fig(&s, "clients.b.requests.failed");
    let attempted = fig(&s, "clients.b.requests.attempted");
    assert!(failed > 50.0 && failed < 160.0, "{failed}");
    assert!(failed < attempted * 0.1);
    // b's app tier is down: everything from b fails, yet the replica in b
    // keeps applying (its lag stays one crossing).
    let s = summary(&scenario(
        "{reads_per_s: 200, writes_per_s: 10}",
        "  - {region: b, service: app, at: 10s, duration: 10s}\n",
    ));
    assert_down_between(&availability_series(&s, "b"), 10, 20);
    assert_eq!(fig(&s, "datasets.users.replicas.b.lag.max_ms"), 38.0);
}

#[test]
fn failures_are_the_same_bytes_on_one_and_two_threads() {
    let yaml = scenario(
        "{reads_per_s: 200, writes_per_s: 10}",
        "  - {region: b, at: 20s, duration: 20s}\n  - {link: [a, b], loss: 5%, delay_factor: 1.5, at: 5s, duration: 30s}\n  - {region: b, load_factor: 3, at: 10s, duration: 20s}\n  - {region: b, apply_factor: 4, at: 15s, duration: 20s}\n",
    )
    .replace("seed: 3", "seed: 3\nreplications: 3")
    .replace("apply_time: 0ms", "apply_time: {exponential: {mean: 1ms}}");
    assert_same_bytes_on_one_and_two_threads(&yaml);
}

/// `yaml` (a two-regions scenario) run by the binary on one thread and on
/// two gives the same summary.json, byte for byte.
fn assert_same_bytes_on_one_and_two_threads(yaml: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "f.yaml", yaml);
    let f = file.to_str().unwrap();
    let mut outputs = Vec::new();
    for (out, threads) in [("o1", "1"), ("o2", "2")] {
        let o = regionsim(tmp.path(), &["run", f, "-o", out, "-j", threads, "--quiet"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        outputs.push(std::fs::read(tmp.path().join(out).join("two-regions/summary.json")).unwrap());
    }
    assert_eq!(outputs[0], outputs[1]);
}

/// Region b fails at random (exponential MTBF 100 s, MTTR 20 s) for
/// 20,000 s; b's users read their local replica, 2 per second.
fn random_outages(replications: u32) -> String {
    TWO_REGIONS
        .replace("seed: 3", &format!("seed: 3\nreplications: {replications}"))
        .replace("duration: 60s", "duration: 20000s")
        .replace("  - region: b\n", "  - region: b\n    timeout: 1s\n")
        .replace("{reads_per_s: 200, writes_per_s: 10}", "{reads_per_s: 2}")
        .replace("{writes_per_s: 50}", "{writes_per_s: 1}")
        + "failures:\n  - {region: b, mtbf: {exponential: {mean: 100s}}, mttr: {exponential: {mean: 20s}}}\n"
}

#[test]
fn random_outages_leave_the_unavailability_mttr_over_mtbf_plus_mttr() {
    let s = summary(&random_outages(8));
    let expected = 1.0 - 20.0 / 120.0;
    let a = at(&s, "points.0.figures.clients.b.requests.availability").unwrap();
    let (lo, hi) = (
        a["ci_low"].as_f64().unwrap(),
        a["ci_high"].as_f64().unwrap(),
    );
    assert!(
        lo <= expected && expected <= hi,
        "{expected} outside [{lo}, {hi}]"
    );
    assert!(hi - lo < 0.03, "[{lo}, {hi}]");
    // The year view of the same: (1 - availability) of a year, in minutes.
    let overall = fig(&s, "availability.overall");
    let minutes = fig(&s, "availability.downtime_minutes_per_year");
    assert!((minutes - (1.0 - overall) * 525_960.0).abs() < 1e-6 * minutes);
    // Region a is never down.
    assert_eq!(fig(&s, "clients.a.requests.availability"), 1.0);
}

#[test]
fn random_failures_are_the_same_bytes_on_one_and_two_threads_and_in_every_variant() {
    let yaml = random_outages(3).replace("duration: 20000s", "duration: 2000s");
    assert_same_bytes_on_one_and_two_threads(&yaml);
    // A variant that changes something else (a's write rate) sees the same
    // failures of b: b's availability is the same.
    let base = summary(&yaml);
    let variant = summary(&yaml.replace("{writes_per_s: 1}", "{writes_per_s: 3}"));
    assert_eq!(
        fig(&base, "clients.b.requests.availability"),
        fig(&variant, "clients.b.requests.availability")
    );
}

#[test]
fn a_slow_replica_applies_each_write_its_factor_slower() {
    // a's writes (50 a second) reach b 38 ms after their commit and take
    // 2 ms to apply: 40 ms of lag; 20 ms to apply while b is slowed ten
    // times for the whole span (58 ms), 10 ms at five times (48 ms).
    let yaml = |failures: &str| {
        scenario("{reads_per_s: 10}", failures)
            .replace("apply_time: 0ms", "apply_time: 2ms")
            .replace("{writes_per_s: 50}", "{writes_per_s: 5}")
    };
    let p50 = |failures: &str| {
        fig(
            &summary(&yaml(failures)),
            "datasets.users.replicas.b.lag.p50_ms",
        )
    };
    let near = |x: f64, want: f64| assert!((x - want).abs() <= want * 0.001, "{x} vs {want}");
    near(p50(""), 40.0);
    near(
        p50("  - {region: b, apply_factor: 10, at: 0s, duration: 60s}\n"),
        58.0,
    );
    near(
        p50("  - {region: b, apply_factor: 5, at: 0s, duration: 60s}\n"),
        48.0,
    );
    // Overlapping slowdowns multiply; one in a's region (no replica there)
    // changes nothing.
    near(
        p50("  - {region: b, apply_factor: 2, at: 0s, duration: 60s}\n  - {region: b, apply_factor: 5, at: 0s, duration: 60s}\n"),
        58.0,
    );
    near(
        p50("  - {region: a, apply_factor: 10, at: 0s, duration: 60s}\n"),
        40.0,
    );
}

#[test]
fn a_load_burst_multiplies_the_request_rate_while_it_lasts() {
    // b reads 200 a second; three times that from 20 s to 40 s: 20,000
    // reads in the 60 s span instead of 12,000 (Poisson: sd about 141).
    let yaml = scenario(
        "{reads_per_s: 200}",
        "  - {region: b, load_factor: 3, at: 20s, duration: 20s}\n",
    );
    let s = summary(&yaml);
    let reads = fig(&s, "clients.b.read_latency.count");
    assert!((reads - 20_000.0).abs() < 600.0, "{reads} reads");
    // Per 5 s bucket: 200 a second outside, 600 inside.
    let rate = series(&s, "clients.b.timeline.reads_per_s");
    for (i, r) in rate.iter().enumerate() {
        let want = if (4..8).contains(&i) { 600.0 } else { 200.0 };
        assert!(
            (r - want).abs() < 5.0 * (want / 5.0f64).sqrt(),
            "bucket {i}: {r} vs {want}"
        );
    }
    // a's writes are unchanged by b's burst: the same draws.
    let calm = summary(&scenario(
        "{reads_per_s: 200}",
        "  - {region: b, load_factor: 1, at: 20s, duration: 20s}\n",
    ));
    assert_eq!(
        fig(&s, "clients.a.write_latency.count"),
        fig(&calm, "clients.a.write_latency.count")
    );
    // The incident reads as what it is.
    assert_eq!(
        at(&s, "points.0.figures.incidents.0.label").and_then(|v| v.as_str()),
        Some("b load x3")
    );
}

/// A replica whose database is down serves nobody: its region's reads go
/// to the nearest copy that answers (here the primary, 38 ms away) and
/// succeed, at that round trip, until it is back.
#[test]
fn reads_leave_a_local_replica_whose_database_is_down() {
    // b's reads: 1 ms to its app tier and 1 ms to the local replica, each
    // way (4 ms); during the outage 1 + 38 + 38 + 1 = 78 ms. Retries
    // cover the reads that were on their way to b's database when it
    // went down.
    let s = summary(
        &scenario(
            "{reads_per_s: 200}",
            "  - {region: b, service: database, at: 20s, duration: 10s}\n",
        )
        .replace(
            "    timeout: 1s\n",
            "    timeout: 1s\n    retries: 1\n    backoff: 1ms\n",
        ),
    );
    assert_eq!(fig(&s, "clients.b.requests.failed"), 0.0);
    assert_eq!(fig(&s, "clients.b.requests.availability"), 1.0);
    // Quantiles to the histograms' 3 significant digits.
    let near = |path: &str, ms: f64| {
        let q = fig(&s, path);
        assert!((q - ms).abs() <= ms * 1e-3, "{path}: {q} vs {ms}");
    };
    near("clients.b.read_latency.p50_ms", 4.0);
    near("clients.b.read_latency.p90_ms", 78.0);
    // A retried read (sent to b before it went down) took its timeout,
    // its backoff and the round trip to a.
    assert!(fig(&s, "clients.b.read_latency.max_ms") <= 1079.0);
    // The exact mean: 4 ms, plus 74 ms for the reads sent during the
    // outage, 1/6 of them (about 2,000 of 12,000: within 3 sd).
    let mean = fig(&s, "clients.b.read_latency.mean_ms");
    let expected = 4.0 + 74.0 / 6.0;
    assert!((mean - expected).abs() < 0.9, "{mean} vs {expected}");
    // Those reads crossed the link to a.
    assert!(fig(&s, "network.b.a.messages_per_s") > 30.0);
}
