//! Grids (网格/警格) in GraphQL.

pub mod loader;
pub mod mutation;
pub mod query;
pub mod types;
