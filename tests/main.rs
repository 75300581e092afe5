//! The integration tests: one binary, one harness, real HTTP, real databases, real JWTs.

mod access_matrix;
mod fixtures;
mod harness;
mod schema;
mod statements;
