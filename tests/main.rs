//! The integration tests: one binary, one harness, real HTTP, real databases, real JWTs.

mod access_matrix;
mod auth;
mod cli;
mod fixtures;
mod harness;
mod http;
mod pagination;
mod schema;
mod statements;
mod validation;
