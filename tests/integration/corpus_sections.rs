//! A second corpus of hostile inputs, aimed at every section added since
//! the first (failures, health checks, routing, placement strategies,
//! users, sessions, residency, capacity, profiles, headroom). Each input
//! runs through the binary bounded to 10 seconds and 2 GiB of address
//! space, with its estimate printed: it must exit 0, 1 or 2 (2 with a
//! message), never 3, never be killed, and never simulate more than ten
//! times the events it announced without saying so (a warning, or a stop
//! at --max-events naming the estimate).

use crate::common::{regionsim_limited, TWO_GIB};
use std::sync::Mutex;

/// Three regions with health checks, DNS routing, a failing-over primary,
/// timeouts and retries, a failure and an SLO.
const RICH: &str = r#"name: rich
seed: 7
warmup: 5s
duration: 60s
regions:
  - {name: a, jurisdiction: US, lat: 38.9, lon: -77.4}
  - {name: b, jurisdiction: EU, lat: 53.3, lon: -6.3}
  - {name: c, jurisdiction: US, lat: 45.5, lon: -122.7}
network:
  intra_region: 1ms
  links:
    - {between: [a, b], delay: 35ms}
    - {between: [a, c], delay: 30ms}
    - {between: [b, c], delay: 60ms}
health_checks: {interval: 5s, timeout: 2s, failure_threshold: 2}
routing: {policy: latency, ttl: 30s, resolver_groups: 10}
datasets:
  - name: users
    keys: 1000
    placement:
      single-primary:
        primary: a
        replicas: [b, c]
        apply_time: 1ms
        failover: {promotion_delay: 10s}
workload:
  - region: a
    timeout: 1s
    retries: 1
    rates: {users: {reads_per_s: 100, writes_per_s: 20}}
  - region: b
    timeout: 1s
    retries: 1
    rates: {users: {reads_per_s: 100, writes_per_s: 10}}
failures:
  - {region: a, at: 20s, duration: 20s}
slo:
  - {metric: clients.b.write_latency.p99_ms, max: 1s}
"#;

/// The placement of RICH, for cases that replace it.
const PLACEMENT: &str = "      single-primary:\n        primary: a\n        replicas: [b, c]\n        apply_time: 1ms\n        failover: {promotion_delay: 10s}\n";

/// Residency rules and users for the cases that need them.
const RESIDENT: &str = "residency:\n  - {jurisdiction: EU, home: b, allowed: [b]}\n  - {jurisdiction: US, home: a, allowed: [a, c]}\n";

struct Case {
    name: String,
    text: String,
    /// The command (default `run`).
    args: Vec<&'static str>,
}

fn case(name: impl Into<String>, text: impl Into<String>) -> Case {
    Case {
        name: name.into(),
        text: text.into(),
        args: Vec::new(),
    }
}

/// RICH with `from` replaced by `to` (which must be there).
fn replaced(name: &str, from: &str, to: &str) -> Case {
    assert!(RICH.contains(from), "{name}: `{from}` not in RICH");
    case(name, RICH.replacen(from, to, 1))
}

/// RICH with its failure list replaced by `failures` (item lines).
fn failing(name: &str, failures: &str) -> Case {
    replaced(
        name,
        "failures:\n  - {region: a, at: 20s, duration: 20s}\n",
        &format!("failures:\n{failures}"),
    )
}

/// RICH with users (and per-user keys), then `extra`.
fn with_users(name: &str, users: &str, extra: &str) -> Case {
    let text = RICH
        .replace(
            "    keys: 1000\n",
            "    keys: 200000\n    popularity: per-user\n",
        )
        .replace(
            "  - region: a\n",
            &format!("  - region: a\n    users: {users}\n"),
        )
        .replace("  - region: b\n", "  - region: b\n    users: 1000\n");
    case(name, format!("{text}{extra}"))
}

fn failures() -> Vec<Case> {
    let mut out = Vec::new();
    for (i, f) in [
        "  - {region: a, mtbf: {exponential: {mean: 1s}}, mttr: {exponential: {mean: 1s}}}\n",
        "  - {region: b, service: database, mtbf: {constant: 1s}, mttr: {constant: 1s}}\n",
        "  - {region: a, service: app, mtbf: {pareto: {scale: 1s, shape: 0.5}}, mttr: {exponential: {mean: 2s}}}\n",
        "  - {partition: [[a], [b, c]], mtbf: {exponential: {mean: 2s}}, mttr: {exponential: {mean: 1s}}}\n",
        "  - {link: [a, b], loss: 100%, at: 0s, duration: 1h}\n",
        "  - {link: [a, b], loss: 99.99%, delay_factor: 1000, added_delay: 24h, at: 1s, duration: 50s}\n",
        "  - {link: [a, c], delay_factor: 1000, at: 0s, duration: 60s}\n  - {link: [c, a], delay_factor: 1000, at: 1s, duration: 60s}\n",
        "  - {region: b, apply_factor: 1000, mtbf: {exponential: {mean: 1s}}, mttr: {exponential: {mean: 10s}}}\n",
        "  - {region: a, load_factor: 100, at: 0s, duration: 60s}\n",
        "  - {region: a, load_factor: 100, mtbf: {exponential: {mean: 1s}}, mttr: {exponential: {mean: 30s}}}\n",
        "  - {region: a, load_factor: 50, at: 1s, duration: 50s}\n  - {region: a, load_factor: 50, at: 2s, duration: 50s}\n",
        "  - {region: a, apply_factor: 1000, at: 1s, duration: 50s}\n  - {region: a, apply_factor: 1000, at: 2s, duration: 50s}\n",
        "  - {region: b, clock_step_ms: 1e300, at: 1s, duration: 5s}\n",
        "  - {region: b, clock_step_ms: 0, at: 1s, duration: 5s}\n",
        "  - {region: a, at: 0s, duration: 0s}\n",
        "  - {region: a, at: 1m, duration: 1s}\n",
        "  - {region: a, at: -1s, duration: 1s}\n",
        "  - {region: a, at: 1s, duration: 1000000h}\n",
        "  - {region: zz, at: 1s, duration: 1s}\n",
        "  - {link: [a, a], delay_factor: 2, at: 1s, duration: 1s}\n",
        "  - {partition: [[a], [a]], at: 1s, duration: 1s}\n",
        "  - {partition: [[], [a]], at: 1s, duration: 1s}\n",
        "  - {region: a, mtbf: {exponential: {mean: 1ms}}, mttr: {exponential: {mean: 1ms}}}\n",
        "  - {region: a, mtbf: {exponential: {mean: 1s}}}\n",
        "  - {region: a, at: 1s, duration: 1s, mtbf: {constant: 1s}, mttr: {constant: 1s}}\n",
        "  - {region: a, partition: [[a], [b]], at: 1s, duration: 1s}\n",
        "  - {region: a, service: sessions, at: 1s, duration: 1s}\n",
        "  - {region: a, apply_factor: 0, at: 1s, duration: 1s}\n",
        "  - {region: a, load_factor: .nan, at: 1s, duration: 1s}\n",
        "  - {link: [a, b], loss: 150%, at: 1s, duration: 1s}\n",
        "  []\n",
        "  - null\n",
        "  - 42\n",
    ]
    .iter()
    .enumerate()
    {
        out.push(failing(&format!("failure-{i}"), f));
    }
    // A thousand failures, each short: incidents, windows and the shape.
    let many: String = (0..1000)
        .map(|k| {
            format!(
                "  - {{region: {}, at: {}ms, duration: 10ms}}\n",
                ["a", "b", "c"][k % 3],
                k * 50
            )
        })
        .collect();
    out.push(failing("failures-1000", &many));
    let too_many: String = (0..1001)
        .map(|k| format!("  - {{region: a, at: {k}ms, duration: 1ms}}\n"))
        .collect();
    out.push(failing("failures-1001", &too_many));
    out
}

fn health_and_routing() -> Vec<Case> {
    let health = "health_checks: {interval: 5s, timeout: 2s, failure_threshold: 2}\n";
    let mut out: Vec<Case> = [
        "health_checks: {interval: 1ms, timeout: 1ms, failure_threshold: 1}\n",
        "health_checks: {interval: 1ns, timeout: 1ns}\n",
        "health_checks: {interval: 24h, timeout: 24h, failure_threshold: 10}\n",
        "health_checks: {interval: 5s, timeout: 6s}\n",
        "health_checks: {interval: 5s, failure_threshold: 0}\n",
        "health_checks: {interval: 5s, failure_threshold: 11}\n",
        "health_checks: {interval: 5s, healthy_share: 0%}\n",
        "health_checks: {interval: 5s, healthy_share: 101%}\n",
        "health_checks: {checkers: [], interval: 5s}\n",
        "health_checks: {checkers: [zz], interval: 5s}\n",
        "health_checks: {checkers: [a, a, a], interval: 5s}\n",
        "health_checks: {interval: -5s}\n",
        "health_checks: null\n",
        "health_checks: []\n",
    ]
    .iter()
    .enumerate()
    .map(|(i, h)| replaced(&format!("health-{i}"), health, h))
    .collect();
    let routing = "routing: {policy: latency, ttl: 30s, resolver_groups: 10}\n";
    for (i, r) in [
        "routing: {policy: latency, ttl: 1ns}\n",
        "routing: {policy: latency, ttl: 0s}\n",
        "routing: {policy: latency, ttl: 24h, resolver_groups: 1000}\n",
        "routing: {policy: latency, resolver_groups: 0}\n",
        "routing: {policy: latency, resolver_groups: 100000}\n",
        "routing: {policy: latency, overstay: {share: 100%, by: 24h}}\n",
        "routing: {policy: latency, overstay: {share: 200%, by: 1s}}\n",
        "routing: {policy: latency, endpoints: []}\n",
        "routing: {policy: latency, endpoints: [zz]}\n",
        "routing: {policy: weighted, weights: {a: 0, b: 0}}\n",
        "routing: {policy: weighted, weights: {a: -1, b: 1e308}}\n",
        "routing: {policy: weighted, weights: {a: 1e300, b: 1e300, c: 1e300}}\n",
        "routing: {policy: geo, geo: {a: zz}}\n",
        "routing: {policy: geo, geo: {a: c, b: c}}\n",
        "routing: {policy: failover, primary: a, secondary: a}\n",
        "routing: {policy: failover, primary: a}\n",
        "routing: {policy: random}\n",
        "routing: {}\n",
    ]
    .iter()
    .enumerate()
    {
        out.push(replaced(&format!("routing-{i}"), routing, r));
    }
    out
}

fn placements() -> Vec<Case> {
    let mut out: Vec<Case> = [
        "      active-active: {regions: [a, b, c], apply_time: 1ms}\n",
        "      active-active: {regions: [a, b, c], apply_time: 1ms, resolution: merge}\n",
        "      active-active: {regions: [a, b], apply_time: 24h}\n",
        "      active-active: {regions: [a], apply_time: 1ms}\n",
        "      active-active: {regions: [a, a], apply_time: 1ms}\n",
        "      active-active: {regions: [a, b], apply_time: 1ms, resolution: newest}\n",
        "      active-active: {regions: [a, b], apply_time: 1ms, apply_threads: 64}\n",
        "      single-primary: {primary: a, replicas: [b, c], apply_time: 1ms, replication: sync}\n",
        "      single-primary: {primary: a, replicas: [b, c], apply_time: 1ms, replication: {semi-sync: {acks: 2, timeout: 1ns}}}\n",
        "      single-primary: {primary: a, replicas: [b, c], apply_time: 1ms, replication: {semi-sync: {acks: 3}}}\n",
        "      single-primary: {primary: a, replicas: [b, c], apply_time: 1ms, replication: {semi-sync: {acks: 0}}}\n",
        "      single-primary: {primary: a, apply_time: 1ms, replication: sync}\n",
        "      single-primary: {primary: a, replicas: [b, c], apply_time: 1ms, shipping_delay: 24h, failover: {promotion_delay: 1s}}\n",
        "      single-primary: {primary: a, replicas: [b, c], apply_time: 1ms, shipping_delay: {pareto: {scale: 1ms, shape: 0.5}}}\n",
        "      single-primary: {primary: a, replicas: [b, c], apply_time: 1ms, shipping_delay: 5ms, replication: sync}\n",
        "      single-primary: {primary: a, replicas: [b, c], apply_time: 1ms, commit: {servers: 1, service_time: 1s}}\n",
        "      single-primary: {primary: a, replicas: [b, c], apply_time: 1ms, commit: {servers: 1, service_time: 1s, queue_limit: 0}}\n",
        "      single-primary: {primary: a, replicas: [b, c], apply_time: 1s, apply_threads: 64}\n",
        "      single-primary: {primary: a, replicas: [b, c], apply_time: 1ms, failover: {target: zz}}\n",
        "      single-primary: {primary: a, replicas: [b, c], apply_time: 1ms, failover: {target: {a: b}}}\n",
        "      single-primary: {primary: a, replicas: [b, c], apply_time: 1ms, failover: {mode: manual, operator_delay: 24h}}\n",
        "      single-primary: {primary: a, replicas: [b, c], apply_time: 1ms, failover: {fencing: false, resync: 1ns}}\n",
        "      single-primary: {primary: a, replicas: [b, c], apply_time: 1ms, read_your_writes: {primary_for: 24h}}\n",
        "      single-primary: {primary: a, replicas: [b, c], apply_time: 1ms, read_your_writes: {token: wait, max_wait: 24h}}\n",
        "      geo-sharded: {apply_time: 1ms}\n",
    ]
    .iter()
    .enumerate()
    .map(|(i, p)| replaced(&format!("placement-{i}"), PLACEMENT, p))
    .collect();
    // Geo-sharded, the founding design and its mistakes.
    for (i, g) in [
        "{apply_time: 1ms, replicas: {a: [c]}, failover: {promotion_delay: 5s}}",
        "{apply_time: 1ms, replicas: {a: [c]}, failover: {target: {a: c, b: c}}}",
        "{apply_time: 1ms, replicas: {a: [c]}, failover: {target: c}}",
        "{apply_time: 1ms, replicas: {a: [c]}, failover: {target: b}}",
        "{apply_time: 1ms, replicas: {b: [a]}}",
        "{apply_time: 1ms, replicas: {c: [a]}}",
        "{apply_time: 1ms, replicas: {a: [a]}}",
        "{apply_time: 1ms, shipping_delay: 1h, replicas: {a: [c]}, failover: {promotion_delay: 5s}}",
    ]
    .iter()
    .enumerate()
    {
        let text = RICH
            .replace(PLACEMENT, &format!("      geo-sharded: {g}\n"))
            .replace("    keys: 1000\n", "    keys: 2000\n    popularity: per-user\n")
            .replace("  - region: a\n", "  - region: a\n    users: 1000\n")
            .replace("  - region: b\n", "  - region: b\n    users: 1000\n");
        out.push(case(format!("geo-{i}"), format!("{text}{RESIDENT}")));
    }
    out
}

fn users_sessions_residency() -> Vec<Case> {
    let mut out = vec![
        with_users("users-max", "10000000", ""),
        with_users("users-too-many", "10000001", ""),
        with_users("users-zero", "0", ""),
        with_users("users-negative", "-1", ""),
        with_users("users-fraction", "1.5", ""),
        with_users("sessions-regional", "1000", "sessions: {store: regional}\n"),
        with_users(
            "sessions-global-slow",
            "1000",
            "sessions: {store: global, apply_time: 24h}\n",
        ),
        with_users(
            "sessions-unknown",
            "1000",
            "sessions: {store: everywhere}\n",
        ),
        with_users("residency", "1000", RESIDENT),
        {
            let mut c = with_users("residency-restricted", "1000", RESIDENT);
            c.text = c.text.replace(
                "    keys: 200000\n",
                "    keys: 200000\n    restricted: true\n",
            );
            c
        },
        with_users(
            "residency-empty-allowed",
            "1000",
            "residency:\n  - {jurisdiction: EU, home: b, allowed: []}\n",
        ),
        with_users(
            "residency-tenants",
            "1000",
            "residency:\n  - {tenants: [nobody], home: b, allowed: [b]}\n",
        ),
        with_users(
            "residency-both",
            "1000",
            "residency:\n  - {jurisdiction: EU, tenants: [x], home: b, allowed: [b]}\n",
        ),
        case(
            "sessions-without-users",
            format!("{RICH}sessions: {{store: regional}}\n"),
        ),
    ];
    let roaming = |name: &str, r: &str| {
        let text = RICH
            .replace(
                "    keys: 1000\n",
                "    keys: 2000\n    popularity: per-user\n",
            )
            .replace(
                "  - region: a\n",
                &format!("  - region: a\n    users: 1000\n    roaming: {r}\n"),
            )
            .replace("  - region: b\n", "  - region: b\n    users: 1000\n");
        case(name, text)
    };
    for (i, r) in [
        "{share: 1, to: [b], delay: 0s}",
        "{share: 0.5, to: [a], delay: 1s}",
        "{share: 0.5, to: [b, c], delay: 24h}",
        "{share: 2, to: [b]}",
        "{share: 0.1, to: []}",
        "{share: .nan, to: [b]}",
    ]
    .iter()
    .enumerate()
    {
        out.push(roaming(&format!("roaming-{i}"), r));
    }
    out
}

fn capacity_and_profiles() -> Vec<Case> {
    let mut out = Vec::new();
    let app = |name: &str, a: &str| {
        replaced(
            name,
            "  - {name: a, jurisdiction: US, lat: 38.9, lon: -77.4}",
            &format!("  - {{name: a, jurisdiction: US, lat: 38.9, lon: -77.4, app: {a}}}"),
        )
    };
    for (i, a) in [
        "{servers: 1, service_time: 1h}",
        "{servers: 1, service_time: 100ms}",
        "{servers: 1, service_time: 100ms, queue_limit: 0}",
        "{servers: 1, service_time: 100ms, queue_limit: 1000000, shed: timeout}",
        "{servers: 0, service_time: 1ms}",
        "{servers: 100000, concurrency: 100000, service_time: 1ms}",
        "{servers: 1, service_time: 0ms}",
        "{servers: 1, service_time: {pareto: {scale: 1ms, shape: 0.9}}}",
    ]
    .iter()
    .enumerate()
    {
        out.push(app(&format!("app-{i}"), a));
    }
    for (i, b) in [
        "1B/s", "1kbit/s", "1000", "0Mbit/s", "1Pbit/s", "2Pbit/s", "fast",
    ]
    .iter()
    .enumerate()
    {
        out.push(replaced(
            &format!("bandwidth-{i}"),
            "    - {between: [a, b], delay: 35ms}\n",
            &format!("    - {{between: [a, b], delay: 35ms, bandwidth: {b}}}\n"),
        ));
    }
    for (i, p) in [
        "{diurnal: {peak: 1000, trough: 0, peak_hour: 0, utc_offset_hours: 0}}",
        "{step: {at: 1s, factor: 1000}}",
        "{step: {at: 0s, factor: 0}}",
        "{step: {at: 30s, factor: 0}}",
        "{burst: {at: 10s, duration: 1ns, factor: 1000}}",
        "{burst: {at: 10m, duration: 1s, factor: 2}}",
        "{table: [[0s, 1000], [1s, 0.001], [2s, 1000]]}",
        "{table: [[0s, 0], [59s, 1000]]}",
        "{table: []}",
        "{diurnal: {peak: 2, trough: 1, peak_hour: 20}}",
    ]
    .iter()
    .enumerate()
    {
        // A factor of 1000 over the whole minute is 15 M events, 8 s on
        // one thread: close to the 10 s bound when the tests share the
        // machine. Twenty seconds keep the factors and a third of the cost.
        let mut c = replaced(
            &format!("profile-{i}"),
            "  - region: b\n",
            &format!("  - region: b\n    profile: {p}\n"),
        );
        assert!(c.text.contains("duration: 60s\n"));
        c.text = c.text.replacen("duration: 60s\n", "duration: 20s\n", 1);
        out.push(c);
    }
    let table: String = (0..10_000)
        .map(|k| format!("[{k}ms, {}]", 1 + k % 7))
        .collect::<Vec<_>>()
        .join(", ");
    out.push(replaced(
        "profile-table-10000",
        "  - region: b\n",
        &format!("  - region: b\n    profile: {{table: [{table}]}}\n"),
    ));
    for (i, l) in ["load: 1000", "load: 0", "load: 1e-300", "load: .inf"]
        .iter()
        .enumerate()
    {
        out.push(case(format!("load-{i}"), format!("{l}\n{RICH}")));
    }
    out
}

fn headroom() -> Vec<Case> {
    let mut out = Vec::new();
    for (i, (section, args)) in [
        ("", vec!["headroom", "s.yaml"]),
        (
            "headroom: {parameter: load, precision: 20%}\n",
            vec!["headroom", "s.yaml"],
        ),
        ("", vec!["headroom", "s.yaml", "--precision", "1e-300"]),
        (
            "",
            vec![
                "headroom",
                "s.yaml",
                "--points-per-round",
                "64",
                "--precision",
                "50%",
            ],
        ),
        ("", vec!["headroom", "s.yaml", "--high", "1e300"]),
        (
            "",
            vec![
                "headroom",
                "s.yaml",
                "--low",
                "1e-300",
                "--precision",
                "50%",
            ],
        ),
        (
            "",
            vec![
                "headroom",
                "s.yaml",
                "--parameter",
                "datasets.users.keys",
                "--precision",
                "50%",
            ],
        ),
        (
            "",
            vec!["headroom", "s.yaml", "--parameter", "workload.a.timeout"],
        ),
        (
            "",
            vec!["headroom", "s.yaml", "--parameter", "nothing.here"],
        ),
        (
            "headroom: {parameter: seed}\n",
            vec!["headroom", "s.yaml", "--precision", "50%"],
        ),
        (
            "headroom: {points_per_round: 65}\n",
            vec!["headroom", "s.yaml"],
        ),
        (
            "",
            vec!["headroom", "s.yaml", "--set", "headroom.precision=200%"],
        ),
    ]
    .into_iter()
    .enumerate()
    {
        out.push(Case {
            name: format!("headroom-{i}"),
            text: format!("{RICH}{section}").replace("duration: 60s", "duration: 10s"),
            args,
        });
    }
    out
}

/// A count as the progress lines print it (`950`, `34 k`, `6.4 M`).
fn count(text: &str) -> Option<f64> {
    let mut it = text.split_whitespace();
    let x: f64 = it.next()?.parse().ok()?;
    Some(match it.next() {
        Some("k") => x * 1e3,
        Some("M") => x * 1e6,
        Some("G") => x * 1e9,
        Some("T") => x * 1e12,
        _ => x,
    })
}

/// From a run's stderr: the events its estimate announced, and those it
/// simulated (its closing line).
fn announced_and_simulated(stderr: &str) -> Option<(f64, f64)> {
    let est = stderr
        .lines()
        .find(|l| l.starts_with("regionsim: ") && l.contains(", about "))?;
    let est = count(est.split(", about ").nth(1)?.split(" events").next()?)?;
    let done = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("regionsim: ") && l.contains(" events in "))?;
    let done = count(done.split(", ").nth(1)?.split(" events in").next()?)?;
    Some((est, done))
}

#[test]
fn hostile_inputs_to_every_newer_section_exit_0_1_or_2_bounded_and_announced() {
    let mut cases = Vec::new();
    for (kind, list) in [
        ("failures", failures()),
        ("health and routing", health_and_routing()),
        ("placements", placements()),
        ("users, sessions, residency", users_sessions_residency()),
        ("capacity and profiles", capacity_and_profiles()),
        ("headroom", headroom()),
    ] {
        assert!(list.len() >= 10, "{kind}: only {} cases", list.len());
        cases.extend(list);
    }
    assert!(cases.len() >= 150, "only {} hostile inputs", cases.len());
    let tmp = tempfile::tempdir().unwrap();
    let next = Mutex::new(0usize);
    let failures = Mutex::new(Vec::new());
    let counts = Mutex::new([0usize; 3]);
    let compared = Mutex::new(0usize);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap();
                    *n += 1;
                    *n - 1
                };
                let Some(case) = cases.get(i) else { break };
                let dir = tmp.path().join(format!("case-{i}"));
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(dir.join("s.yaml"), &case.text).unwrap();
                let mut args: Vec<&str> = if case.args.is_empty() {
                    vec!["run", "s.yaml", "--no-charts"]
                } else {
                    case.args.clone()
                };
                args.extend(["-o", "out", "--max-events", "2e7", "--max-memory", "1GiB"]);
                let o = regionsim_limited(&dir, &args, 10.0, TWO_GIB);
                let mut problem = match o.code {
                    Some(c @ 0..=2) => {
                        counts.lock().unwrap()[c as usize] += 1;
                        (c == 2 && !o.stderr.contains("error"))
                            .then(|| "exit 2 without a message".to_string())
                    }
                    other => Some(format!("exit {other:?}")),
                };
                if o.timed_out {
                    problem = Some("past 10 s".into());
                }
                // Past ten times its estimate, a run says so.
                if let (Some((est, done)), None) = (announced_and_simulated(&o.stderr), &problem) {
                    *compared.lock().unwrap() += 1;
                    let said = o.stderr.contains("more than ten times")
                        || o.stderr.contains("--max-events");
                    if done > 10.0 * est.max(1000.0) && !said {
                        problem = Some(format!("{done} events against {est} announced, unsaid"));
                    }
                }
                if let Some(p) = problem {
                    failures.lock().unwrap().push(format!(
                        "{}: {p} after {:.1} s: {}",
                        case.name,
                        o.secs,
                        o.stderr.chars().take(400).collect::<String>()
                    ));
                }
                let _ = std::fs::remove_dir_all(&dir);
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} inputs misbehaved:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    let [ok, slo, bad] = counts.into_inner().unwrap();
    eprintln!(
        "{} hostile inputs: {ok} exit 0, {slo} exit 1, {bad} exit 2",
        cases.len()
    );
    // The runs that ran were held to their estimates.
    assert!(
        *compared.lock().unwrap() >= ok,
        "estimates read from too few runs"
    );
}
