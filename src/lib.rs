//! regionsim
pub mod engine;
