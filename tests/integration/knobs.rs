//! Every field of the format changes the results when changed: no knob
//! silently does nothing.

use crate::common::{fig, summary, summary_json};

const BASE: &str = r#"
name: knobs
seed: 11
warmup: 2s
duration: 20s
bucket: 5s
staleness_bounds: [0ms, 100ms]
regions:
  - {name: us-east-1, jurisdiction: US}
  - {name: eu-west-1, jurisdiction: EU}
  - {name: far, jurisdiction: BR, lat: -23.5, lon: -46.6}
network:
  preset: aws
  intra_region: {lognormal: {median: 0.4ms, p99: 3ms}}
  links:
    - between: [us-east-1, far]
      delay: {normal: {mean: 60ms, stddev: 5ms}}
datasets:
  - name: users
    keys: 1000
    popularity: uniform
    placement:
      single-primary:
        primary: us-east-1
        replicas: [eu-west-1, far]
        replication: async
        apply_time: {exponential: {mean: 1ms}}
  - name: catalog
    keys: 200
    placement:
      single-primary:
        primary: eu-west-1
        replicas: [far]
        apply_time: 0.5ms
workload:
  - region: us-east-1
    rates:
      users: {reads_per_s: 300, writes_per_s: 100}
  - region: eu-west-1
    access_delay: 5ms
    rates:
      users: {reads_per_s: 300, writes_per_s: 20}
      catalog: {reads_per_s: 100, writes_per_s: 30}
  - region: far
    rates:
      users: {reads_per_s: 200, writes_per_s: 10}
      catalog: {reads_per_s: 100}
"#;

#[test]
fn every_knob_changes_the_summary() {
    let variants: &[(&str, &str, &str)] = &[
        ("seed", "seed: 11", "seed: 12"),
        ("warmup", "warmup: 2s", "warmup: 4s"),
        ("duration", "duration: 20s", "duration: 25s"),
        ("bucket", "bucket: 5s", "bucket: 4s"),
        ("replications", "seed: 11", "seed: 11\nreplications: 2"),
        ("staleness_bounds", "[0ms, 100ms]", "[0ms, 30ms]"),
        ("jurisdiction", "jurisdiction: BR", "jurisdiction: EU"),
        ("lat", "lat: -23.5", "lat: 10.0"),
        ("lon", "lon: -46.6", "lon: 20.0"),
        (
            "intra_delay",
            "{name: us-east-1, jurisdiction: US}",
            "{name: us-east-1, jurisdiction: US, intra_delay: 2ms}",
        ),
        (
            "preset",
            "  preset: aws\n",
            "  links_note: x\n",
        ),
        ("intra_region", "median: 0.4ms, p99: 3ms", "median: 0.8ms, p99: 3ms"),
        ("links.between", "mean: 60ms", "mean: 70ms"),
        (
            "links.from/to",
            "      delay: {normal: {mean: 60ms, stddev: 5ms}}",
            "      delay: {normal: {mean: 60ms, stddev: 5ms}}\n    - {from: far, to: us-east-1, delay: 90ms}",
        ),
        ("keys", "keys: 1000", "keys: 10"),
        ("popularity", "popularity: uniform", "popularity: {zipf: 1.1}"),
        ("primary", "primary: us-east-1\n        replicas: [eu-west-1, far]", "primary: eu-west-1\n        replicas: [us-east-1, far]"),
        ("replicas", "replicas: [eu-west-1, far]", "replicas: [eu-west-1]"),
        ("apply_time", "{exponential: {mean: 1ms}}", "{exponential: {mean: 3ms}}"),
        ("access_delay", "access_delay: 5ms", "access_delay: 15ms"),
        ("reads_per_s", "users: {reads_per_s: 300, writes_per_s: 100}", "users: {reads_per_s: 400, writes_per_s: 100}"),
        ("writes_per_s", "users: {reads_per_s: 300, writes_per_s: 100}", "users: {reads_per_s: 300, writes_per_s: 150}"),
        ("record_bytes", "    keys: 200\n", "    keys: 200\n    record_bytes: 100\n"),
        ("replication: sync", "replication: async", "replication: sync"),
        ("semi-sync acks", "replication: async", "replication: {semi-sync: {acks: 2}}"),
        ("semi-sync timeout", "replication: async", "replication: {semi-sync: {acks: 1, timeout: 50ms}}"),
        ("timeout", "  - region: far\n", "  - region: far\n    timeout: 125ms\n"),
        ("shipping_delay", "replication: async", "replication: async\n        shipping_delay: 20ms"),
    ];
    let base = summary_json(BASE);
    for (knob, from, to) in variants {
        assert!(BASE.contains(from), "{knob}: `{from}` not in the base");
        let mut yaml = BASE.replacen(from, to, 1);
        if *knob == "preset" {
            // Without the preset, the pairs it covered come from coordinates.
            yaml = yaml
                .replace("  links_note: x\n", "")
                .replace(
                    "{name: us-east-1, jurisdiction: US}",
                    "{name: us-east-1, jurisdiction: US, lat: 38.9, lon: -77.4}",
                )
                .replace(
                    "{name: eu-west-1, jurisdiction: EU}",
                    "{name: eu-west-1, jurisdiction: EU, lat: 53.35, lon: -6.26}",
                );
        }
        assert!(
            base != summary_json(&yaml),
            "changing `{knob}` changed nothing"
        );
    }
}

/// Retries and backoff matter only once a timeout bites: far's writes
/// cross to us-east-1 and back (about 120 ms) against a 125 ms timeout.
#[test]
fn retry_knobs_change_the_summary() {
    let timed = BASE.replace("  - region: far\n", "  - region: far\n    timeout: 125ms\n");
    let with = |extra: &str| {
        summary_json(&timed.replace(
            "    timeout: 125ms\n",
            &format!("    timeout: 125ms\n{extra}"),
        ))
    };
    let none = with("");
    let one = with("    retries: 1\n");
    assert_ne!(none, one, "retries changed nothing");
    assert_ne!(
        one,
        with("    retries: 1\n    backoff: 1s\n"),
        "backoff changed nothing"
    );
    assert_eq!(
        one,
        with("    retries: 1\n    backoff: 100ms\n"),
        "the default backoff is 100ms"
    );
}

/// A few knobs, checked for the direction and size of their effect.
#[test]
fn knobs_move_the_figures_they_should() {
    let base = summary(BASE);
    // 10 ms more access delay each way: 20 ms more on every read. The
    // replica read is otherwise access + intra + intra + access.
    let slower = summary(&BASE.replace("access_delay: 5ms", "access_delay: 15ms"));
    let min = "clients.eu-west-1.read_latency.min_ms";
    let added = fig(&slower, min) - fig(&base, min);
    assert!((added - 20.0).abs() < 1.0, "{added}");

    // Ten keys instead of a thousand: far more reads collide with a write
    // in flight.
    let stale = "clients.eu-west-1.stale_reads.0ms.share";
    let hot = summary(&BASE.replace("keys: 1000", "keys: 10"));
    assert!(
        fig(&hot, stale) > 5.0 * fig(&base, stale),
        "{} vs {}",
        fig(&hot, stale),
        fig(&base, stale)
    );

    // Payload bytes follow record_bytes exactly: the same messages carry
    // twice the record.
    let link = "network.us-east-1.eu-west-1";
    let doubled = summary(&BASE.replacen(
        "    keys: 1000\n",
        "    keys: 1000\n    record_bytes: 2048\n",
        1,
    ));
    assert_eq!(
        fig(&doubled, &format!("{link}.messages_per_s")),
        fig(&base, &format!("{link}.messages_per_s"))
    );
    assert_eq!(
        fig(&doubled, &format!("{link}.bytes_per_s")),
        2.0 * fig(&base, &format!("{link}.bytes_per_s"))
    );

    // Tripling the apply time lengthens the lag.
    let lag = "datasets.users.replicas.eu-west-1.lag.mean_ms";
    let slow_apply =
        summary(&BASE.replace("{exponential: {mean: 1ms}}", "{exponential: {mean: 3ms}}"));
    assert!(fig(&slow_apply, lag) > fig(&base, lag) + 2.0);
}
