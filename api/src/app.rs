//! Application state and start-up shared by `serve`, the tests and the benchmarks.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{
    auth::JwtKeys,
    config::Config,
    graphql::{build_schema, AppSchema, SchemaData},
    service::pagination::PageLimits,
};

/// Everything a request handler needs.
pub struct AppState {
    /// Configuration.
    pub config: Config,
    /// The pool.
    pub db: DatabaseConnection,
    /// Token keys.
    pub keys: JwtKeys,
    /// The executable schema.
    pub schema: AppSchema,
}

impl AppState {
    /// Builds the state over an open, migrated database.
    pub fn new(config: Config, db: DatabaseConnection) -> Arc<Self> {
        let keys = JwtKeys::new(&config.jwt);
        let schema = build_schema(Some(SchemaData {
            db: db.clone(),
            limits: PageLimits {
                default: config.default_page_size,
                max: config.max_page_size,
            },
        }));
        Arc::new(AppState {
            config,
            db,
            keys,
            schema,
        })
    }
}
