//! Application state and start-up shared by `serve`, the tests and the benchmarks.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use async_graphql::parser::types::ExecutableDocument;
use sea_orm::DatabaseConnection;

use crate::{
    auth::{
        jwks::{ClaimNames, IssuerConfig, KeySource, Verifier},
        Actor, JwtKeys,
    },
    config::Config,
    error::{AppError, AppResult},
    events::EventBus,
    graphql::{build_schema, AppSchema, SchemaData},
    limits::Violation,
    ratelimit::RateLimiter,
    service::{client::ClientRegistry, pagination::PageLimits},
};

/// Everything a request handler needs.
pub struct AppState {
    /// Configuration.
    pub config: Config,
    /// The pool.
    pub db: DatabaseConnection,
    /// The development/primary HS256 issuer: signs `token` output.
    pub keys: JwtKeys,
    /// Verifies tokens of every trusted issuer (the primary one and those in the issuers file).
    pub verifier: Verifier,
    /// The executable schema.
    pub schema: AppSchema,
    /// Registered client applications.
    pub clients: Arc<ClientRegistry>,
    /// Rate limit buckets.
    pub rate: RateLimiter,
    /// Live case events: the case journal sends them with its commits; `caseEvents` hears them.
    pub events: EventBus,
    /// Where case changes go (the case journal's pool and event bus).
    pub store: crate::service::journal::Store,
    /// Reserved GraphQL-over-SSE streams of this instance.
    pub streams: crate::http::sse::Streams,
    /// Group-committing writer of the pipeline's audit records.
    pub audit: crate::service::audit::Writer,
    /// Whether the database answers (a probe on its own connection).
    pub health: crate::health::DbHealth,
    /// Serving, draining or stopping; counts requests and streams.
    pub lifecycle: Arc<crate::server::Lifecycle>,
    apq: Mutex<HashMap<String, String>>,
    /// Parsed operations by their text, so the same operation is parsed once, not on every
    /// request (parsing was 8% of a list request's instructions).
    documents: Mutex<HashMap<Arc<str>, Arc<ExecutableDocument>>>,
    /// The outbox delivery worker (stops with the state).
    _outbox: Option<crate::service::outbox::WorkerHandle>,
    /// The hourly purge of expired idempotency keys (stops with the state).
    _janitor: crate::service::idempotency::Janitor,
    /// The sweep of uploads never attached (stops with the state).
    _sweeper: crate::service::attachment::Sweeper,
    /// The sealing of the audit log into its hash chain (stops with the state).
    _sealer: Option<crate::service::audit_chain::Sealer>,
    _registry: crate::service::client::Follower,
}

/// How often orphaned uploads are looked for: a tenth of their lifetime, between a minute and an hour.
fn sweep_every(config: &Config) -> std::time::Duration {
    (config.files.upload_ttl / 10).clamp(
        std::time::Duration::from_secs(60),
        std::time::Duration::from_secs(3600),
    )
}

impl AppState {
    /// Builds the state over an open, migrated database.
    pub async fn new(config: Config, db: DatabaseConnection) -> AppResult<Arc<Self>> {
        let keys = JwtKeys::new(&config.jwt);
        let verifier =
            build_verifier(&config).map_err(|e| AppError::Internal(format!("token issuers: {e}")))?;
        let clients = Arc::new(ClientRegistry::load(&db).await?);
        let events = EventBus::start(&db, &config.database_url).await;
        let files = crate::service::attachment::Files::open(config.files.clone(), &config.jwt.secret)
            .map_err(|e| AppError::Internal(format!("file storage: {e}")))?;
        let store = crate::service::journal::Store::new(
            db.clone(),
            events.clone(),
            &config.jwt.secret,
            Arc::new(files),
        );
        let schema = build_schema(
            Some(SchemaData {
                db: db.clone(),
                store: store.clone(),
                limits: PageLimits {
                    default: config.default_page_size,
                    max: config.max_page_size,
                },
                clients: clients.clone(),
                events: events.clone(),
                max_sync_records: config.integration.max_batch_records,
                reveal_budget: config.security.reveal,
                egress: config.integration.egress.clone(),
            }),
            config.security.introspection,
            config.security.suggestions,
        );
        let outbox = crate::service::outbox::start(db.clone(), config.integration.clone());
        let audit = crate::service::audit::Writer::start(db.clone());
        let health = crate::health::DbHealth::start(&config.database_url, &config.db).await;
        let rate = rate_limiter(&config, &events).await;
        Ok(Arc::new(AppState {
            _outbox: outbox,
            _janitor: crate::service::idempotency::start_janitor(db.clone()),
            _sweeper: crate::service::attachment::start_sweeper(store.clone(), sweep_every(&config)),
            _sealer: config.audit_seal_every.map(|every| {
                crate::service::audit_chain::start(
                    db.clone(),
                    crate::service::audit_chain::ChainKey::from_secret(&config.jwt.secret),
                    every,
                )
            }),
            _registry: clients.follow(db.clone(), events.registry_changes()),
            config,
            db,
            keys,
            verifier,
            schema,
            clients,
            events,
            store,
            streams: Default::default(),
            audit,
            health,
            lifecycle: Arc::default(),
            rate,
            apq: Mutex::default(),
            documents: Mutex::default(),
        }))
    }

    /// Verifies a bearer token.
    pub async fn authenticate(&self, token: &str) -> Result<Actor, AppError> {
        let (role, subject, scope) = self.verifier.verify(token).await?;
        Ok(Actor::new(role, Some(subject), scope))
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

    /// The parsed document of `query`, from the cache or parsed now (and kept, when it parses
    /// and passes the text checks). The cache holds at most `apq_cache_entries` documents and
    /// starts afresh when full, like the persisted-query cache.
    pub fn document(&self, query: &str) -> Result<Arc<ExecutableDocument>, Violation> {
        if let Some(d) = self.documents.lock().ok().and_then(|m| m.get(query).cloned()) {
            return Ok(d);
        }
        let doc = Arc::new(crate::limits::parse(query, &self.config.security.limits)?);
        if let Ok(mut m) = self.documents.lock() {
            if m.len() >= self.config.security.apq_cache_entries {
                m.clear();
            }
            m.insert(Arc::from(query), doc.clone());
        }
        Ok(doc)
    }

    /// An operation remembered under `sha`.
    pub fn persisted(&self, sha: &str) -> Option<String> {
        self.apq.lock().ok().and_then(|m| m.get(sha).cloned())
    }
}

/// The primary HS256 issuer from `FENGQIAO_JWT_*`, plus every issuer of `FENGQIAO_ISSUERS_FILE`.
fn build_verifier(config: &Config) -> Result<Verifier, String> {
    let mut issuers = vec![IssuerConfig {
        issuer: config.jwt.issuer.clone(),
        audiences: vec![config.jwt.audience.clone()],
        algorithms: vec![jsonwebtoken::Algorithm::HS256],
        keys: KeySource::Secret(String::from_utf8_lossy(&config.jwt.secret).into_owned()),
        claims: ClaimNames::default(),
        role_map: Default::default(),
        leeway_secs: config.jwt.leeway_secs,
        jwks_ttl_secs: 300,
        max_lifetime_secs: config.jwt.max_lifetime_secs,
    }];
    if let Some(path) = &config.security.issuers_file {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let more: Vec<IssuerConfig> =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        issuers.extend(more);
    }
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    Verifier::new(issuers, http)
}

/// Shared buckets on PostgreSQL (unless turned off), through a lazy pool of two connections
/// in this instance's schema with one-second timeouts; in memory otherwise.
async fn rate_limiter(config: &Config, events: &EventBus) -> RateLimiter {
    let Some(schema) = events.schema().filter(|_| config.security.rate_shared) else {
        return RateLimiter::local();
    };
    let quick = crate::config::DbConfig {
        acquire_timeout: std::time::Duration::from_secs(1),
        statement_timeout: std::time::Duration::from_secs(1),
        ..config.db.clone()
    };
    match crate::db::open_lazy(&config.database_url, 2, &quick, Some(schema)).await {
        Ok(pool) => RateLimiter::shared(pool),
        Err(e) => {
            tracing::warn!(error = %e, "no pool for shared rate limits; this instance counts alone");
            RateLimiter::local()
        }
    }
}
