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
