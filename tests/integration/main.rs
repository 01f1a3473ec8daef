//! Integration tests: scenarios from YAML strings, run through the library
//! or the `regionsim` binary, asserting on the summary.

mod active_active;
mod bad_input;
mod capacity;
mod charts;
mod check;
mod cli;
mod common;
mod corpus;
mod corpus_sections;
mod determinism;
mod failover;
mod failures;
mod formulas;
mod headroom;
mod hostile;
mod incidents;
mod interrupt;
mod intervals;
mod knobs;
mod load;
mod memory;
mod outages;
mod properties;
mod readme;
mod regressions;
mod replication;
mod requests;
mod residency;
mod routing;
mod schema;
mod shards;
mod staleness;
mod sweeps;
mod users;
