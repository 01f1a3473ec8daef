//! regionsim
pub mod commands;
pub mod engine;
pub mod error;
pub mod metrics;
pub mod model;
pub mod report;
pub mod runner;
pub mod scenario;
