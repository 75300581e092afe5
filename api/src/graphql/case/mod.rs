//! Cases (事件) in GraphQL.

pub mod attachment;
pub mod loader;
pub mod mediation;
pub mod mutation;
pub mod policy;
pub mod query;
pub mod types;
pub mod workflow;
