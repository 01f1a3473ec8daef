//! Every failure kind against every placement strategy: each moves the
//! figure it should, in the direction it should, and a failure that only
//! last-writer-wins can feel changes nothing elsewhere (and says so).
//!
//! One workload (users in us-east-1 and eu-west-1 reading and writing
//! their own records, 5 % of requests roaming to the other side) under
//! single-primary, active-active (LWW), geo-sharded, leaderless (w = 2 of
//! 3) and consensus (3 voters) placement; each
//! failure runs from minute 1 to minute 3 of a 4-minute span.

use crate::common::*;
use serde_json::Value;

const STRATEGIES: [(&str, &str); 5] = [
    (
        "single-primary",
        "single-primary: {primary: us-east-1, replicas: [us-west-2, eu-west-1], apply_time: 1ms, failover: {promotion_delay: 20s}}",
    ),
    (
        "active-active",
        "active-active: {regions: [us-east-1, us-west-2, eu-west-1], apply_time: 1ms, resolution: lww}",
    ),
    (
        "geo-sharded",
        "geo-sharded: {apply_time: 1ms, replicas: {us-east-1: [us-west-2], eu-west-1: [eu-central-1]}, failover: {promotion_delay: 20s}}",
    ),
    (
        "leaderless",
        "leaderless: {replicas: [us-east-1, us-west-2, eu-west-1], w: 2, r: 1, apply_time: 1ms}",
    ),
    (
        "consensus",
        "consensus: {voters: [us-east-1, us-west-2, eu-west-1], leader: us-east-1, apply_time: 1ms}",
    ),
];

fn yaml(placement: &str, failure: &str) -> String {
    format!(
        "name: matrix
seed: 5
warmup: 10s
duration: 4m
bucket: 30s
regions:
  - {{name: us-east-1, jurisdiction: US}}
  - {{name: us-west-2, jurisdiction: US}}
  - {{name: eu-west-1, jurisdiction: EU}}
  - {{name: eu-central-1, jurisdiction: EU}}
network: {{preset: aws}}
health_checks: {{interval: 5s, timeout: 2s, failure_threshold: 2}}
residency:
  - {{jurisdiction: EU, home: eu-west-1, allowed: [eu-west-1, eu-central-1]}}
  - {{jurisdiction: US, home: us-east-1, allowed: [us-east-1, us-west-2]}}
datasets:
  - name: d
    keys: 2000
    popularity: per-user
    placement:
      {placement}
workload:
  - {{region: us-east-1, users: 1000, timeout: 2s, roaming: {{share: 0.05, to: [eu-west-1], delay: 0s}}, rates: {{d: {{reads_per_s: 200, writes_per_s: 100}}}}}}
  - {{region: eu-west-1, users: 1000, timeout: 2s, roaming: {{share: 0.05, to: [us-east-1], delay: 0s}}, rates: {{d: {{reads_per_s: 200, writes_per_s: 100}}}}}}
{failure}"
    )
}

fn failure(f: &str) -> String {
    format!("failures:\n  - {{{f}, at: 1m, duration: 2m}}\n")
}

/// How a figure must move under a failure.
enum Moves {
    /// To at most this fraction of its value without the failure.
    Down(f64),
    /// To at least this multiple of its value without the failure.
    Up(f64),
}

fn case(strategy: usize, failure_yaml: &str, path: &str, moves: Moves) {
    let (name, placement) = STRATEGIES[strategy];
    let base = summary(&yaml(placement, ""));
    let hit = summary(&yaml(placement, &failure(failure_yaml)));
    let (b, h) = (fig(&base, path), fig(&hit, path));
    let ok = match moves {
        Moves::Down(f) => h <= b * f,
        Moves::Up(f) => h >= b * f && h > b,
    };
    assert!(
        ok,
        "{name} x `{failure_yaml}`: {path} went from {b} to {h}, expected {}",
        match moves {
            Moves::Down(f) => format!("at most x{f}"),
            Moves::Up(f) => format!("at least x{f}"),
        }
    );
}

const SP: usize = 0;
const AA: usize = 1;
const GS: usize = 2;
const LL: usize = 3;
const CS: usize = 4;

#[test]
fn a_region_outage_takes_its_users_down_under_every_strategy() {
    for s in [SP, AA, GS, LL, CS] {
        case(
            s,
            "region: us-east-1",
            "clients.us-east-1.requests.availability",
            Moves::Down(0.7),
        );
    }
}

#[test]
fn a_database_outage_hits_what_each_strategy_keeps_there() {
    // The primary's writes wait for a promotion; one copy's writers move to
    // the next copy; the US shard's writes wait for its promotion.
    case(
        SP,
        "region: us-east-1, service: database",
        "clients.eu-west-1.requests.write_availability",
        Moves::Down(0.95),
    );
    case(
        AA,
        "region: us-east-1, service: database",
        "clients.us-east-1.write_latency.p50_ms",
        Moves::Up(2.0),
    );
    case(
        GS,
        "region: us-east-1, service: database",
        "clients.us-east-1.requests.write_availability",
        Moves::Down(0.95),
    );
    // The nearest replica that answers coordinates instead: a continent
    // further for Virginia's writes.
    case(
        LL,
        "region: us-east-1, service: database",
        "clients.us-east-1.write_latency.p50_ms",
        Moves::Up(1.3),
    );
    // The leader's: an election, and Virginia's writes cross to the new
    // leader.
    case(
        CS,
        "region: us-east-1, service: database",
        "clients.us-east-1.write_latency.p50_ms",
        Moves::Up(1.3),
    );
}

#[test]
fn an_apply_slowdown_delays_every_strategy_s_replicas_there() {
    case(
        SP,
        "region: eu-west-1, apply_factor: 50",
        "datasets.d.replicas.eu-west-1.lag.p99_ms",
        Moves::Up(10.0),
    );
    case(
        AA,
        "region: eu-west-1, apply_factor: 50",
        "datasets.d.replicas.eu-west-1.lag.p99_ms",
        Moves::Up(10.0),
    );
    case(
        GS,
        "region: eu-central-1, apply_factor: 50",
        "datasets.d.replicas.eu-central-1.lag.p99_ms",
        Moves::Up(10.0),
    );
    case(
        LL,
        "region: eu-west-1, apply_factor: 50",
        "datasets.d.replicas.eu-west-1.lag.p99_ms",
        Moves::Up(10.0),
    );
    case(
        CS,
        "region: eu-west-1, apply_factor: 50",
        "datasets.d.replicas.eu-west-1.lag.p99_ms",
        Moves::Up(10.0),
    );
}

#[test]
fn a_load_burst_multiplies_the_requests_under_every_strategy() {
    // Three times the requests for half the span: twice as many in all.
    for s in [SP, AA, GS, LL, CS] {
        case(
            s,
            "region: eu-west-1, load_factor: 3",
            "clients.eu-west-1.requests.attempted",
            Moves::Up(1.9),
        );
    }
}

#[test]
fn a_clock_step_moves_last_writer_wins_only() {
    // A step of one second back: every write of eu-west-1's copy loses to
    // the writes it had not seen, and to earlier ones.
    case(
        AA,
        "region: eu-west-1, clock_step_ms: -1000",
        "datasets.d.conflicts.lost_updates",
        Moves::Up(2.0),
    );
    for s in [SP, GS, LL, CS] {
        let (name, placement) = STRATEGIES[s];
        let with = yaml(
            placement,
            &failure("region: eu-west-1, clock_step_ms: -1000"),
        );
        let warned = scenario(&with).warnings;
        assert!(
            warned.iter().any(|w| w.contains("it changes nothing here")),
            "{name}: {warned:?}"
        );
        // What users and data see (the run's event count and its list of
        // failures do include the step's start and end).
        let (a, b) = (summary(&yaml(placement, "")), summary(&with));
        // (An incident is a failure window, so `availability.incidents`
        // counts the step.)
        for part in [
            "clients",
            "datasets",
            "network",
            "availability.overall",
            "availability.read",
            "availability.write",
        ] {
            let at = |v: &Value| {
                part.split('.')
                    .fold(&v["points"][0]["figures"], |n, k| &n[k])
                    .clone()
            };
            let moved = first_difference(&at(&a), &at(&b), part);
            assert!(moved.is_none(), "{name}: a clock step moved {moved:?}");
        }
    }
}

#[test]
fn a_partition_cuts_what_each_strategy_sends_across_it() {
    let cut = "partition: [[us-east-1, us-west-2], [eu-west-1, eu-central-1]]";
    // European writes cannot reach the primary.
    case(
        SP,
        cut,
        "clients.eu-west-1.requests.write_availability",
        Moves::Down(0.8),
    );
    // Each side keeps writing; the European copy falls behind by the cut.
    case(
        AA,
        cut,
        "datasets.d.replicas.eu-west-1.lag.max_ms",
        Moves::Up(100.0),
    );
    // Only roaming requests cross: they fail.
    case(
        GS,
        cut,
        "clients.eu-west-1.requests.availability",
        Moves::Down(0.99),
    );
    // Europe's coordinator reaches only its own replica: w = 2 fails.
    case(
        LL,
        cut,
        "clients.eu-west-1.requests.write_availability",
        Moves::Down(0.8),
    );
    // The leader keeps its majority in America; Europe cannot reach it.
    case(
        CS,
        cut,
        "clients.eu-west-1.requests.write_availability",
        Moves::Down(0.8),
    );
}

#[test]
fn a_slow_link_slows_what_each_strategy_sends_over_it() {
    let slow = "link: [us-east-1, eu-west-1], delay_factor: 3";
    case(
        SP,
        slow,
        "datasets.d.replicas.eu-west-1.lag.p50_ms",
        Moves::Up(1.8),
    );
    case(
        AA,
        slow,
        "datasets.d.replicas.eu-west-1.lag.p50_ms",
        Moves::Up(1.8),
    );
    // Roaming requests cross to the other shard's home.
    case(
        GS,
        slow,
        "clients.eu-west-1.write_latency.p99_ms",
        Moves::Up(1.5),
    );
    // Half its writes come from Europe's own coordinator: the mean moves.
    case(
        LL,
        slow,
        "datasets.d.replicas.eu-west-1.lag.mean_ms",
        Moves::Up(1.5),
    );
    // The majority commits without Ireland: its entries arrive later.
    case(
        CS,
        slow,
        "datasets.d.replicas.eu-west-1.lag.p50_ms",
        Moves::Up(1.8),
    );
}

/// The path of the first leaf where `a` and `b` differ, with both values.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                let w = y.get(k).unwrap_or(&Value::Null);
                if let Some(d) = first_difference(v, w, &format!("{path}.{k}")) {
                    return Some(d);
                }
            }
            // A figure kept only for runs with failures (downtime) must
            // say nothing happened.
            y.iter()
                .find(|(k, v)| !x.contains_key(*k) && !nothing(v))
                .map(|(k, v)| format!("{path}.{k}: {v} only with the failure"))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (v, w))| first_difference(v, w, &format!("{path}.{i}"))),
        _ if a == b => None,
        _ => Some(format!("{path}: {a} then {b}")),
    }
}

/// Whether every figure in `v` is zero or absent (replication counts
/// aside).
fn nothing(v: &Value) -> bool {
    match v {
        Value::Object(o) => o.iter().all(|(k, x)| k == "n" || nothing(x)),
        Value::Array(a) => a.iter().all(nothing),
        Value::Number(n) => n.as_f64() == Some(0.0),
        _ => true,
    }
}

/// A zone outage takes a consensus member down and nothing else: zone 1
/// of us-east-1 is the group's leader (one voter per region), whose users'
/// writes fail until a new leader is elected; under every other strategy
/// (one copy per region, no zones) it changes nothing, and says so.
#[test]
fn a_zone_outage_moves_consensus_groups_only() {
    case(
        CS,
        "region: us-east-1, zone: 1",
        "clients.us-east-1.requests.failed",
        Moves::Up(1.0),
    );
    for s in [SP, AA, GS, LL] {
        let (name, placement) = STRATEGIES[s];
        let with = yaml(placement, &failure("region: us-east-1, zone: 1"));
        let warned = scenario(&with).warnings;
        assert!(
            warned.iter().any(|w| w.contains("it changes nothing here")),
            "{name}: {warned:?}"
        );
        let (a, b) = (summary(&yaml(placement, "")), summary(&with));
        for part in ["clients", "datasets", "network"] {
            let at = |v: &Value| v["points"][0]["figures"][part].clone();
            let moved = first_difference(&at(&a), &at(&b), part);
            assert!(moved.is_none(), "{name}: a zone outage moved {moved:?}");
        }
    }
}
