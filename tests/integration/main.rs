//! Integration tests: scenarios from YAML strings, run through the library
//! or the `regionsim` binary, asserting on the summary.

mod bad_input;
mod charts;
mod check;
mod cli;
mod common;
mod determinism;
mod formulas;
mod hostile;
mod knobs;
mod memory;
mod readme;
mod schema;
mod shards;
mod sweeps;
