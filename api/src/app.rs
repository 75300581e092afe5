//! Application state and start-up shared by `serve`, the tests and the benchmarks.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use sea_orm::DatabaseConnection;

use crate::{
    auth::{Actor, JwtKeys},
    config::Config,
    error::{AppError, AppResult},
    graphql::{build_schema, AppSchema, SchemaData},
    ratelimit::RateLimiter,
    service::{client::ClientRegistry, pagination::PageLimits},
};

/// Everything a request handler needs.
pub struct AppState {
    /// Configuration.
    pub config: Config,
    /// The pool.
    pub db: DatabaseConnection,
    /// The development/primary HS256 issuer: signs `token` output and verifies it.
    pub keys: JwtKeys,
    /// The executable schema.
    pub schema: AppSchema,
    /// Registered client applications.
    pub clients: Arc<ClientRegistry>,
    /// Rate limit buckets.
    pub rate: RateLimiter,
    apq: Mutex<HashMap<String, String>>,
}

impl AppState {
    /// Builds the state over an open, migrated database.
    pub async fn new(config: Config, db: DatabaseConnection) -> AppResult<Arc<Self>> {
        let keys = JwtKeys::new(&config.jwt);
        let clients = Arc::new(ClientRegistry::load(&db).await?);
        let schema = build_schema(
            Some(SchemaData {
                db: db.clone(),
                limits: PageLimits {
                    default: config.default_page_size,
                    max: config.max_page_size,
                },
                clients: clients.clone(),
            }),
            config.security.introspection,
            config.security.suggestions,
        );
        Ok(Arc::new(AppState {
            config,
            db,
            keys,
            schema,
            clients,
            rate: RateLimiter::default(),
            apq: Mutex::default(),
        }))
    }

    /// Verifies a bearer token.
    pub async fn authenticate(&self, token: &str) -> Result<Actor, AppError> {
        self.keys.verify(token)
    }

    /// Remembers an operation sent with its hash (automatic persisted queries).
    pub fn remember_persisted(&self, sha: String, query: &str) {
        if let Ok(mut m) = self.apq.lock() {
            if m.len() >= self.config.security.apq_cache_entries {
                m.clear();
            }
            m.insert(sha, query.to_owned());
        }
    }

    /// An operation remembered under `sha`.
    pub fn persisted(&self, sha: &str) -> Option<String> {
        self.apq.lock().ok().and_then(|m| m.get(sha).cloned())
    }
}
