//! Mediation rooms (调解室) in GraphQL.

pub mod loader;
pub mod mutation;
pub mod query;
pub mod types;
