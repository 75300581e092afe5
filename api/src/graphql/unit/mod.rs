//! Units (单位) in GraphQL.

pub mod mutation;
pub mod query;
pub mod types;
