//! `regionsim schema` describes the format exactly: every shipped and test
//! scenario validates against it, and typical mistakes do not.

use crate::common::{regionsim, shipped_scenarios, TWO_REGIONS};
use serde_json::Value;

fn validator() -> jsonschema::Validator {
    let o = regionsim(std::path::Path::new("."), &["schema"]);
    assert!(o.status.success());
    let schema: Value = serde_json::from_slice(&o.stdout).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

fn as_json(yaml: &str) -> Value {
    let v: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
    serde_json::to_value(v).unwrap()
}

#[test]
fn valid_scenarios_match_the_schema() {
    let v = validator();
    let mut docs: Vec<(String, String)> = std::fs::read_dir(shipped_scenarios())
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    let readme = include_str!("../../README.md");
    let start = readme.find("```yaml\n").unwrap() + 8;
    docs.push((
        "README".into(),
        readme[start..start + readme[start..].find("```").unwrap()].into(),
    ));
    docs.push(("two regions".into(), TWO_REGIONS.into()));
    docs.push((
        "sweep and slo".into(),
        format!(
            "{TWO_REGIONS}sweep:\n  mode: zip\n  parameters:\n    seed: [1, 2]\nslo:\n  - {{metric: x_ms, scope: {{client: b}}, max: 5ms, confidence: 95%}}\n"
        ),
    ));
    // A geo-sharded failover with a target per shard, and a shipping delay.
    docs.push((
        "geo-sharded targets".into(),
        "name: g\nduration: 1m\nregions: [{name: a, jurisdiction: X}, {name: b, jurisdiction: X}]\n\
         residency: [{jurisdiction: X, home: a, allowed: [a, b]}]\n\
         health_checks: {interval: 10s}\n\
         datasets: [{name: p, keys: 10, popularity: per-user, placement: {geo-sharded: {apply_time: 1ms, shipping_delay: 5ms, replicas: {a: [b]}, failover: {target: {a: b}}}}}]\n\
         workload: [{region: a, users: 10, rates: {p: {writes_per_s: 1}}}]\n"
            .into(),
    ));
    for (name, yaml) in docs {
        let errors: Vec<String> = v
            .iter_errors(&as_json(&yaml))
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
}

#[test]
fn typical_mistakes_fail_the_schema() {
    let v = validator();
    for (from, to) in [
        ("keys: 100", "keys: 100\n    colour: red"),
        ("duration: 60s", "duration: 60"),
        ("apply_time: 0ms", "apply_time: {gamma: {shape: 2}}"),
        ("apply_time: 0ms", "apply_time: {uniform: {min: 1ms}}"),
        ("  intra_region: 1ms", "  intra_region: 1 ms per km"),
    ] {
        let yaml = TWO_REGIONS.replacen(from, to, 1);
        assert!(!v.is_valid(&as_json(&yaml)), "schema accepted `{to}`");
    }
}

/// Every number a run reports has a declared unit: SLOs, tables and charts
/// read it from one table, never from the figure's name.
#[test]
fn every_figure_declares_its_unit() {
    use regionsim::metrics::{figure_shape, unit_of, Unit};
    fn walk(v: &Value, path: &str, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                for (k, c) in o {
                    walk(c, &format!("{path}.{k}"), out);
                }
            }
            Value::Number(_) | Value::Null => out.push(path.to_string()),
            _ => {}
        }
    }
    let mut leaves = Vec::new();
    for entry in std::fs::read_dir(shipped_scenarios()).unwrap() {
        let path = entry.unwrap().path();
        let plan =
            regionsim::scenario::load_plan(&path, &[], regionsim::metrics::figure_shape).unwrap();
        for point in &plan.points {
            walk(&figure_shape(&point.scenario), "", &mut leaves);
        }
    }
    // A semi-sync dataset adds its fallback figures.
    let semi = TWO_REGIONS.replace(
        "        replicas: [b]\n",
        "        replicas: [b]\n        replication: {semi-sync: {acks: 1}}\n",
    );
    walk(
        &figure_shape(&crate::common::scenario(&semi)),
        "",
        &mut leaves,
    );
    assert!(leaves.iter().any(|l| l.ends_with("fallback_share")));
    for leaf in &leaves {
        assert!(unit_of(leaf).is_some(), "{leaf} has no declared unit");
    }
    assert_eq!(unit_of(".network.a.b.bytes_per_s"), Some(Unit::PerSecond));
}

/// The schema and the loader agree at the edges of every bounded field:
/// each value just inside is accepted by both, each just outside refused
/// by both (an editor's red squiggle is the error `validate` gives).
#[test]
fn the_schema_and_the_loader_agree_at_every_bound() {
    let v = validator();
    let full = TWO_REGIONS
        .replace("seed: 3", "seed: 3\nreplications: REPLICATIONS")
        .replace("    keys: 100\n", "    keys: KEYS\n    record_bytes: RECORD\n")
        .replace(
            "        apply_time: 0ms\n",
            "        apply_time: 0ms\n        apply_threads: THREADS\n        replication: {semi-sync: {acks: ACKS}}\n",
        )
        .replace("  - region: b\n", "  - region: b\n    timeout: 1s\n    retries: RETRIES\n")
        + "health_checks: {failure_threshold: FAIL, recovery_threshold: RECOVER}\n"
        + "routing: {policy: latency, resolver_groups: GROUPS}\n";
    let fields: [(&str, i64, i64); 9] = [
        ("REPLICATIONS", 1, 10_000),
        ("KEYS", 1, 100_000_000),
        ("RECORD", 1, 64 << 20),
        ("THREADS", 1, 64),
        ("ACKS", 1, 1),
        ("RETRIES", 0, 10),
        ("FAIL", 1, 10),
        ("RECOVER", 1, 10),
        ("GROUPS", 1, 1000),
    ];
    let with = |field: &str, value: i64| {
        let mut yaml = full.clone();
        for (f, low, _) in &fields {
            yaml = yaml.replace(f, &if *f == field { value } else { *low }.to_string());
        }
        yaml
    };
    for &(field, low, high) in &fields {
        for (value, valid) in [
            (low - 1, false),
            (low, true),
            (high, true),
            (high + 1, false),
        ] {
            if value < 0 {
                continue; // not a number of the field's type: both refuse
            }
            let yaml = with(field, value);
            let loader = regionsim::scenario::from_str(
                &yaml,
                std::path::Path::new("s.yaml"),
                regionsim::metrics::figure_shape,
            )
            .is_ok();
            let schema = v.is_valid(&as_json(&yaml));
            assert_eq!(loader, valid, "the loader on {field} = {value}");
            // ACKS above the replicas is refused by the loader only: the
            // schema cannot count the replicas.
            if !(field == "ACKS" && value > high) {
                assert_eq!(schema, valid, "the schema on {field} = {value}");
            }
        }
    }
}
