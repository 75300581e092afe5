//! Grids (网格/警格) in GraphQL.

pub mod mutation;
pub mod query;
pub mod types;
pub mod loader;
