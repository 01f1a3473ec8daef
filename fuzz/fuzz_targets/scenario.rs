//! Scenario text (and `--set` overrides) to a checked plan: never a panic,
//! whatever the bytes. An input is the scenario's text, optionally followed
//! by a line `#--set` and one `PATH=VALUE` override per line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use regionsim::runner::cost;
use regionsim::scenario::{plan_from_str, Set};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (scenario, overrides) = text.split_once("\n#--set\n").unwrap_or((text, ""));
    let sets: Vec<Set> = overrides
        .lines()
        .filter_map(|l| Set::parse(l).ok())
        .collect();
    if let Ok(plan) = plan_from_str(scenario, Path::new("fuzz.yaml"), &sets, regionsim::metrics::figure_shape) {
        // What validate does next: the cost estimate and the lint.
        let c = cost::estimate(std::slice::from_ref(&plan), Some(1), Some(1e7));
        assert!(c.events >= 0.0 && c.peak_bytes > 0.0);
        for p in &plan.points {
            let _ = regionsim::scenario::lint(&p.scenario);
        }
        // Small models are built and run for a few thousand events: what
        // the loader accepts, the model must take.
        let s = plan.base();
        let state: u64 = s
            .datasets
            .iter()
            .map(|d| u64::from(d.keys) * (d.replicas.len() as u64 + 1))
            .sum();
        if state <= 1_000_000 && s.regions.len() <= 50 {
            let mut sim = regionsim::model::World::new(s, 0);
            sim.run_checked(1 << 10, |events| events < 5_000);
        }
    }
});
