//! # regionsim
//!
//! A deterministic discrete-event simulator for multi-region service
//! architectures. An architect writes a topology down as a YAML scenario
//! (regions, the WAN between them, datasets and how they replicate, client
//! load) and regionsim reports what users would feel: latency per region,
//! replication lag per replica, and stale reads at each staleness bound.
//!
//! ## The flow
//!
//! ```text
//! scenario YAML --scenario::load_plan (--set, sweep)--> Plan of points
//!   --runner (rayon)--> model::World per (scenario, point, replication)
//!   --> metrics::Figures per run --analysis::aggregate (mean, CI)-->
//!   summary.json, timeline.csv, table
//! ```
//!
//! ## Layers
//!
//! Each module uses only the modules listed before it (bottom first), so
//! the import graph has no cycle (`tests/integration/layers.rs` reads every
//! `crate::` path and holds the order):
//!
//! - [`units`], [`stats`], [`error`], [`files`], [`console`]: the unit of
//!   every figure (one table), intervals, errors, atomic file writes,
//!   checked terminal output. They know nothing of the domain.
//! - [`engine`]: integer simulated time, the `(time, sequence)` event
//!   queue, seeded per-component random streams, delay distributions. Knows
//!   nothing of regions.
//! - [`scenario`]: the YAML format, its checks (every message names file,
//!   line and column), network presets, resolution of names to indices.
//!   Each dataset holds one [`scenario::Placement`], whose
//!   [`scenario::Strategy`] answers what the rest of the crate asks of a
//!   placement (copies, streams, estimate, figures, lints).
//!   SLO and precision paths are checked against the figures a run writes,
//!   which the loader is given ([`scenario::FigureShape`]: pass
//!   [`metrics::figure_shape`]) rather than naming the metrics.
//! - [`metrics`]: streaming measurements (HDR histograms, per-bucket
//!   series), the record types the model fills, and a run's figures;
//!   memory is bounded by the model's size, not the run's length.
//! - [`model`]: the world: client sources, placements (single-primary,
//!   active-active, geo-sharded, each implementing
//!   `model::placement::Strategy` in its own file), the replication kit
//!   they all build on (`model::replication`: channel, per-key queue,
//!   k-of-n acknowledgements), the truth checker (`model::truth`:
//!   staleness, read-your-writes, monotonic reads), failures, health
//!   checks, DNS. One event enum of per-component enums, dispatched by
//!   `match`.
//! - [`analysis`]: replications aggregated into means and intervals, SLO
//!   verdicts.
//! - [`runner`]: runs on a thread pool, gathered in run order; precision
//!   rounds, shards, headroom searches, the cost estimate, bench.
//! - [`report`]: `summary.json`, `timeline.csv`, the table, charts and
//!   `index.html`.
//! - [`commands`]: what the command line calls.
//!
//! ## Determinism
//!
//! Time is a `u64` of nanoseconds; events at equal times run in the order
//! they were scheduled; every component draws from its own PCG stream
//! derived from (seed, run index, component name); no hash-map order or wall
//! clock reaches a result. The same scenario gives byte-identical reports on
//! one thread or many.
//!
//! ## Example
//!
//! ```
//! use regionsim::report::aggregate::at;
//! use regionsim::{commands, runner, scenario};
//! use std::path::Path;
//!
//! let yaml = r#"
//! name: tiny
//! duration: 10s
//! regions:
//!   - {name: us-east-1, jurisdiction: US}
//!   - {name: eu-west-1, jurisdiction: EU}
//! network: {preset: aws}
//! datasets:
//!   - name: users
//!     keys: 1000
//!     placement:
//!       single-primary: {primary: us-east-1, replicas: [eu-west-1], apply_time: 1ms}
//! workload:
//!   - region: eu-west-1
//!     rates: {users: {reads_per_s: 100, writes_per_s: 10}}
//! "#;
//! let shape = regionsim::metrics::figure_shape;
//! let plans = [scenario::plan_from_str(yaml, Path::new("tiny.yaml"), &[], shape).unwrap()];
//! let records = runner::run_all(&plans, Some(1)).unwrap();
//! let summary = &commands::summaries(&plans, records)[0];
//! let eu = at(summary, "points.0.figures.clients.eu-west-1").unwrap();
//! // Writes cross the Atlantic twice (the aws preset: 35 ms one way).
//! assert!(at(eu, "write_latency.p50_ms.mean").unwrap().as_f64().unwrap() > 70.0);
//! // Reads are served by the local replica.
//! assert!(at(eu, "read_latency.p50_ms.mean").unwrap().as_f64().unwrap() < 10.0);
//! ```

pub mod analysis;
pub mod commands;
pub mod console;
pub mod engine;
pub mod error;
pub mod files;
pub mod metrics;
pub mod model;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod stats;
pub mod units;
