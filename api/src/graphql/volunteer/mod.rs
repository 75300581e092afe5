//! Volunteers (义警) in GraphQL.

pub mod loader;
pub mod mutation;
pub mod query;
pub mod types;
