//! Properties of random small valid scenarios (proptest): the loader takes
//! them, the model never panics or schedules into the past (a debug
//! assertion of the scheduler, on in test builds), every committed write
//! is applied at every replica or still on its way, no latency is below
//! the physical floor of its path, and 1 and 2 threads give the same bytes.

use proptest::prelude::*;
use regionsim::engine::{Duration, Time};
use regionsim::model::World;
use regionsim::report::{self, aggregate::at};
use regionsim::runner;
use regionsim::scenario::{plan_from_str, DatasetId, RegionId, Scenario};
use std::path::Path;

/// A delay distribution as the format writes it, with values in ms.
fn delay() -> impl Strategy<Value = String> {
    prop_oneof![
        (0.0f64..80.0).prop_map(|c| format!("{c:.3}ms")),
        (0.0f64..40.0, 0.0f64..40.0)
            .prop_map(|(a, w)| format!("{{uniform: {{min: {a:.3}ms, max: {:.3}ms}}}}", a + w)),
        (0.0f64..40.0, 0.01f64..10.0).prop_map(|(b, m)| format!(
            "{{shifted_exponential: {{base: {b:.3}ms, extra_mean: {m:.3}ms}}}}"
        )),
        (0.0f64..30.0, 0.1f64..10.0, 1.1f64..3.0).prop_map(|(b, m, r)| format!(
            "{{lognormal: {{base: {b:.3}ms, median: {:.3}ms, p99: {:.3}ms}}}}",
            b + m,
            b + m * r
        )),
        (0.5f64..20.0, 1.2f64..4.0)
            .prop_map(|(s, a)| format!("{{pareto: {{scale: {s:.3}ms, shape: {a:.2}}}}}")),
    ]
}

/// An apply time: fast enough that lag stays bounded most of the time.
fn apply_time() -> impl Strategy<Value = String> {
    prop_oneof![
        (0.0f64..2.0).prop_map(|c| format!("{c:.3}ms")),
        (0.01f64..2.0).prop_map(|m| format!("{{exponential: {{mean: {m:.3}ms}}}}")),
    ]
}

/// The YAML of a random scenario of 2 to 4 regions and 1 or 2 datasets.
fn scenario_yaml() -> impl Strategy<Value = String> {
    (2usize..=4, 1usize..=2)
        .prop_flat_map(|(n, d)| {
            (
                Just(n),
                Just(d),
                any::<u64>(),
                (1u32..=5, 0u32..=1000, 1u32..=2),
                delay(),
                proptest::collection::vec(delay(), n * (n - 1) / 2),
                proptest::collection::vec(
                    (
                        1u32..=1000,
                        prop::option::of(0.5f64..1.5),
                        0usize..n,
                        proptest::collection::vec(any::<bool>(), n),
                        apply_time(),
                    ),
                    d,
                ),
                proptest::collection::vec((0.0f64..300.0, 0.0f64..60.0, any::<bool>()), n * d),
            )
        })
        .prop_map(|(n, d, seed, (secs, warm_ms, reps), intra, links, datasets, rates)| {
            let mut y = format!(
                "name: random\nseed: {seed}\nduration: {secs}s\nwarmup: {warm_ms}ms\nreplications: {reps}\nstaleness_bounds: [0ms, 10ms]\nregions:\n"
            );
            for r in 0..n {
                y.push_str(&format!("  - {{name: r{r}, jurisdiction: EU}}\n"));
            }
            y.push_str(&format!("network:\n  intra_region: {intra}\n  links:\n"));
            let mut k = 0;
            for a in 0..n {
                for b in a + 1..n {
                    y.push_str(&format!("    - {{between: [r{a}, r{b}], delay: {}}}\n", links[k]));
                    k += 1;
                }
            }
            y.push_str("datasets:\n");
            for (i, (keys, zipf, primary, replicas, apply)) in datasets.iter().enumerate() {
                let reps: Vec<String> = (0..n)
                    .filter(|&r| r != *primary && replicas[r])
                    .map(|r| format!("r{r}"))
                    .collect();
                y.push_str(&format!(
                    "  - name: d{i}\n    keys: {keys}\n{}    placement:\n      single-primary: {{primary: r{primary}, replicas: [{}], apply_time: {apply}}}\n",
                    zipf.map(|s| format!("    popularity: {{zipf: {s:.3}}}\n")).unwrap_or_default(),
                    reps.join(", ")
                ));
            }
            y.push_str("workload:\n");
            let mut any_load = false;
            for r in 0..n {
                let mut entries = Vec::new();
                for i in 0..d {
                    let (reads, writes, on) = rates[r * d + i];
                    if on || (r == 0 && i == 0 && !any_load) {
                        entries.push(format!("d{i}: {{reads_per_s: {:.3}, writes_per_s: {:.3}}}", reads + 1.0, writes + 1.0));
                        any_load = true;
                    }
                }
                if !entries.is_empty() {
                    y.push_str(&format!("  - region: r{r}\n    rates: {{{}}}\n", entries.join(", ")));
                }
            }
            y
        })
}

/// The least latency a request from `client` to dataset `d` can see: two
/// access legs and the two network legs to the node that serves it.
fn floor_ms(s: &Scenario, client: RegionId, d: DatasetId, read: bool) -> f64 {
    let ds = &s.datasets[usize::from(d.0)];
    // Reads go to the nearest copy (by mean delay), writes to the primary.
    let copies = ds.strategy().regions();
    let node = if read {
        regionsim::scenario::placement::nearest(client, &copies, &s.network)
    } else {
        copies[0]
    };
    let access = s
        .workload
        .iter()
        .find(|w| w.region == client && w.dataset == d)
        .map_or(0.0, |w| w.access_delay.least_nanos());
    let legs = 2.0 * access
        + s.network.delay(client, node).least_nanos()
        + s.network.delay(node, client).least_nanos();
    // Each of the four legs is rounded to the nearest nanosecond.
    (legs - 2.0) / 1e6
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_scenarios_keep_the_model_invariants(yaml in scenario_yaml()) {
        let plan = plan_from_str(&yaml, Path::new("random.yaml"), &[], regionsim::metrics::figure_shape)
            .unwrap_or_else(|e| panic!("{e}\n{yaml}"));
        let s = plan.base().clone();
        // Every committed write is applied at every replica or on its way,
        // midway and at the end; at the end nothing is left on the way.
        let mut sim = World::new(&s, 0);
        sim.run_until(Time::ZERO + s.warmup + Duration::from_nanos(s.duration.as_nanos() / 2));
        for (d, applied, in_flight) in sim.model().audit().streams {
            prop_assert_eq!(applied + in_flight, sim.model().audit().commits[d]);
        }
        sim.run_to_completion();
        let audit = sim.model().audit();
        for (d, applied, in_flight) in audit.streams {
            prop_assert_eq!(in_flight, 0);
            prop_assert_eq!(applied, audit.commits[d]);
        }
        // The same bytes on 1 and 2 threads.
        let plans = [plan];
        let one = runner::run_all(&plans, Some(1)).unwrap();
        let two = runner::run_all(&plans, Some(2)).unwrap();
        let text = |records: &[runner::RunRecord]| {
            let refs: Vec<&runner::RunRecord> = records.iter().collect();
            report::json_text(&report::summary(&plans[0], &refs))
        };
        let summary_text = text(&one);
        prop_assert_eq!(&summary_text, &text(&two));
        // No latency below the floor of its path.
        let summary: serde_json::Value = serde_json::from_str(&summary_text).unwrap();
        for w in &s.workload {
            let (r, d) = (w.region, w.dataset);
            let at_path = |op: &str| {
                format!(
                    "points.0.figures.clients.{}.by_dataset.{}.{op}_latency.min_ms.mean",
                    s.regions[usize::from(r.0)].name,
                    s.datasets[usize::from(d.0)].name
                )
            };
            for (op, read) in [("read", true), ("write", false)] {
                if let Some(min) = at(&summary, &at_path(op)).and_then(|v| v.as_f64()) {
                    let floor = floor_ms(&s, r, d, read);
                    prop_assert!(min >= floor, "{} min {} below floor {}\n{}", op, min, floor, yaml);
                }
            }
        }
    }
}
