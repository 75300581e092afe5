//! fengqiao: one GraphQL API for Fengqiao-style grassroots governance.

pub mod alloc;
pub mod app;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod export;
pub mod generate;
pub mod graphiql;
pub mod graphql;
pub mod health;
pub mod http;
pub mod limits;
pub mod metrics;
pub mod public_page;
pub mod ratelimit;
pub mod request;
pub mod server;
pub mod service;
pub mod telemetry;
pub mod validate;
pub mod webhook;
