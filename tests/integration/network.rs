//! The `network` figures are what the network counted: for every shipped
//! scenario and point, exactly the directed links that carried a message,
//! each with its counted messages and bytes.

use crate::common::{shipped_report, shipped_scenarios};
use regionsim::model::World;
use regionsim::scenario::load_plan;
use serde_json::Value;
use std::collections::BTreeMap;

#[test]
fn network_figures_list_exactly_the_links_that_carried_traffic() {
    let mut files: Vec<_> = std::fs::read_dir(shipped_scenarios())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let mut checked = 0;
    for file in files {
        let plan = load_plan(&file, &[], regionsim::metrics::figure_shape).unwrap();
        let name = &plan.points[0].scenario.name;
        let text = std::fs::read(shipped_report().join(name).join("summary.json")).unwrap();
        let summary: Value = serde_json::from_slice(&text).unwrap();
        for (k, point) in plan.points.iter().enumerate() {
            let s = &point.scenario;
            let n = s.regions.len();
            let span = s.duration.as_secs_f64();
            // The first replication, run again here: what its network
            // counted, by (from, to) region names.
            let m = World::run(s, 0);
            let mut counted = BTreeMap::new();
            for (i, t) in m.links.iter().enumerate() {
                if t.messages > 0 {
                    let names = (s.regions[i / n].name.clone(), s.regions[i % n].name.clone());
                    counted.insert(names, (t.messages, t.bytes));
                }
            }
            assert!(!counted.is_empty(), "{name} point {k}: no traffic at all");
            let listed = &summary["points"][k]["runs"][0]["network"];
            let mut reported = BTreeMap::new();
            for (from, tos) in listed.as_object().unwrap() {
                for (to, f) in tos.as_object().unwrap() {
                    let per_s = |key: &str| f[key].as_f64().unwrap();
                    let messages = (per_s("messages_per_s") * span).round() as u64;
                    let bytes = (per_s("bytes_per_s") * span).round() as u64;
                    reported.insert((from.clone(), to.clone()), (messages, bytes));
                }
            }
            assert_eq!(
                reported, counted,
                "{name} point {k}: the network figures are not what the network carried"
            );
            // The point's figures list every link some replication used.
            let point_links = summary["points"][k]["figures"]["network"]
                .as_object()
                .unwrap()
                .iter()
                .flat_map(|(from, tos)| {
                    tos.as_object()
                        .unwrap()
                        .keys()
                        .map(move |to| (from.clone(), to.clone()))
                })
                .collect::<std::collections::BTreeSet<_>>();
            assert!(
                counted.keys().all(|l| point_links.contains(l)),
                "{name} point {k}: a link of replication 0 is missing from the point"
            );
            checked += 1;
        }
    }
    assert!(checked >= 25, "{checked} points");
}

/// A link that carried nothing is not listed, and an SLO on it judges 0,
/// not "no data"; the link that carried the writes counts one message per
/// replicated write.
#[test]
fn an_slo_on_an_idle_link_judges_zero() {
    let yaml = r#"
name: idle-link
seed: 4
warmup: 5s
duration: 60s
replications: 2
regions:
  - {name: a, jurisdiction: US}
  - {name: b, jurisdiction: US}
network:
  intra_region: 1ms
  links: [{between: [a, b], delay: 10ms}]
datasets:
  - name: d
    keys: 100000
    placement:
      single-primary: {primary: a, replicas: [b], apply_time: 0.1ms}
workload:
  - region: a
    rates: {d: {writes_per_s: 200}}
slo:
  - {name: nothing goes back, metric: network.b.a.messages_per_s, max: 0}
  - {name: every write crosses, metric: network.a.b.messages_per_s, min: 150}
"#;
    let s = crate::common::summary(yaml);
    let point = &s["points"][0];
    assert!(
        point["figures"]["network"]["b"].is_null(),
        "{}",
        point["figures"]["network"]
    );
    let crossing = crate::common::fig(&s, "network.a.b.messages_per_s");
    // Poisson writes at 200/s over 60 s: one replicated message each.
    assert!((crossing - 200.0).abs() < 10.0, "{crossing}");
    let slos = point["slo"].as_array().unwrap();
    assert_eq!(slos[0]["verdict"], "pass", "{}", slos[0]);
    assert_eq!(slos[0]["mean"], 0.0, "{}", slos[0]);
    assert_eq!(slos[1]["verdict"], "pass", "{}", slos[1]);
}
