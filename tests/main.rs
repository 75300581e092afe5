//! The integration tests: one binary, one harness, real HTTP, real databases, real JWTs.

mod access_matrix;
mod auth;
mod browser;
mod cli;
mod export;
mod federation;
mod fixtures;
mod fuzz;
mod generate;
mod harness;
mod http;
mod import;
mod metrics;
mod outbox;
mod pagination;
mod personal;
mod platforms;
mod report_code;
mod schema;
mod security;
mod statements;
mod statistics;
mod stories;
mod subscriptions;
mod validation;
mod workflow;
