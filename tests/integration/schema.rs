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
        let plan = regionsim::scenario::load_plan(&path, &[]).unwrap();
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
