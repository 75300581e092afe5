//! Mediators (调解员) in GraphQL.

pub mod loader;
pub mod mutation;
pub mod query;
pub mod types;
