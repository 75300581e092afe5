//! Enterprises (企业) in GraphQL.

pub mod mutation;
pub mod query;
pub mod types;
pub mod loader;
