//! Volunteer teams (义警队伍) in GraphQL.

pub mod mutation;
pub mod query;
pub mod types;
