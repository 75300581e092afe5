//! Configuration read from environment variables (see the table in README.md).

use std::{net::SocketAddr, path::PathBuf, time::Duration};

/// Which way the service runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Demo data, token minting, GraphiQL, readable logs.
    Development,
    /// No demo data, no token minting, JSON logs, JWT settings required.
    Production,
}

/// Errors found while reading the configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A variable has a value that cannot be used.
    #[error("{name}: {reason}")]
    Invalid { name: &'static str, reason: String },
    /// A variable that production requires is not set.
    #[error("{0} must be set when FENGQIAO_ENV=production")]
    Required(&'static str),
    /// The development secret file could not be read or written.
    #[error("development JWT secret file {path}: {source}")]
    SecretFile { path: String, source: std::io::Error },
}

/// JWT verification settings.
#[derive(Clone)]
pub struct JwtConfig {
    /// HS256 shared secret.
    pub secret: Vec<u8>,
    /// Expected `iss`.
    pub issuer: String,
    /// Expected `aud`.
    pub audience: String,
    /// Clock leeway for `exp` and `nbf`, in seconds.
    pub leeway_secs: u64,
    /// Longest token lifetime accepted (`FENGQIAO_JWT_MAX_LIFETIME_SECS`).
    pub max_lifetime_secs: u64,
}

impl std::fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtConfig")
            .field("secret", &"<redacted>")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway_secs", &self.leeway_secs)
            .finish()
    }
}

/// The whole service configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// Development or production.
    pub mode: Mode,
    /// Address the HTTP server binds.
    pub listen: SocketAddr,
    /// Database URL (never logged: it may hold a password).
    pub database_url: String,
    /// Largest pool size.
    pub db_max_connections: u32,
    /// JWT settings.
    pub jwt: JwtConfig,
    /// Largest `first`/`last` a list accepts.
    pub max_page_size: u64,
    /// Page size when the client gives none.
    pub default_page_size: u64,
    /// Load demo data into an empty database (development only).
    pub seed_demo: bool,
    /// How long graceful shutdown waits for in-flight requests.
    pub shutdown_grace: Duration,
    /// Database timeouts and the health probe.
    pub db: DbConfig,
    /// HTTP server timeouts and the connection cap.
    pub server: ServerConfig,
    /// How long a DataLoader gathers keys before running one batched query.
    pub loader_delay: Duration,
    /// Security controls.
    pub security: SecurityConfig,
    /// Absolute base URL of the public report pages, e.g. `https://fq.example.gov.cn` (QR codes point here).
    pub public_base_url: Option<String>,
    /// Evidence files: where they are stored and the checks on the way in.
    pub files: FilesConfig,
    /// How often the audit log is sealed into its hash chain (`FENGQIAO_AUDIT_SEAL_SECS`,
    /// default 5; `0`: not by this instance).
    pub audit_seal_every: Option<Duration>,
    /// Platform integration: webhooks in, outbox deliveries out.
    pub integration: IntegrationConfig,
    /// Bearer token that may read `/metrics` (`FENGQIAO_METRICS_TOKEN`); without one, only
    /// loopback callers (not through a proxy) may.
    pub metrics_token: Option<crate::metrics::MetricsToken>,
}

/// Evidence files (README, "Evidence files"): storage, accepted types, caps and quotas.
#[derive(Clone, Debug)]
pub struct FilesConfig {
    /// Where the bytes live (`FENGQIAO_STORAGE`: `local`, the default, or `s3`).
    pub storage: crate::storage::StorageConfig,
    /// Accepted types, decided from the bytes (`FENGQIAO_FILE_TYPES`, default
    /// `jpeg,png,webp,heic,pdf`).
    pub kinds: Vec<crate::media::FileKind>,
    /// Largest file (`FENGQIAO_FILE_MAX_BYTES`, default 10 MiB).
    pub max_file_bytes: usize,
    /// Most bytes attached to one case (`FENGQIAO_CASE_FILES_MAX_BYTES`, default 50 MiB).
    pub max_case_bytes: u64,
    /// Most files attached to one case (`FENGQIAO_CASE_FILES_MAX`, default 20).
    pub max_case_files: u64,
    /// Most bytes one actor may send in 24 hours (`FENGQIAO_UPLOAD_QUOTA_BYTES`, default 200 MiB).
    pub quota_bytes: u64,
    /// Most files one actor may send in 24 hours (`FENGQIAO_UPLOAD_QUOTA_FILES`, default 100).
    pub quota_files: u64,
    /// How long an upload waits to be attached before it is removed
    /// (`FENGQIAO_UPLOAD_TTL_SECS`, default 24 hours).
    pub upload_ttl: Duration,
    /// How long a signed file URL works (`FENGQIAO_FILE_URL_TTL_SECS`, default 300 s).
    pub url_ttl: Duration,
    /// Longer side of a thumbnail in pixels (`FENGQIAO_THUMBNAIL_SIDE`, default 320).
    pub thumbnail_side: u32,
}

impl FilesConfig {
    /// The defaults over `storage`.
    pub fn defaults(storage: crate::storage::StorageConfig) -> Self {
        FilesConfig {
            storage,
            kinds: crate::media::FileKind::ALL.to_vec(),
            max_file_bytes: 10 * 1024 * 1024,
            max_case_bytes: 50 * 1024 * 1024,
            max_case_files: 20,
            quota_bytes: 200 * 1024 * 1024,
            quota_files: 100,
            upload_ttl: Duration::from_secs(24 * 3600),
            url_ttl: Duration::from_secs(300),
            thumbnail_side: 320,
        }
    }

    fn from_env() -> Result<Self, ConfigError> {
        use crate::storage::{S3Config, StorageConfig};
        let storage = match var("FENGQIAO_STORAGE").as_deref().map(str::trim) {
            None | Some("local") => StorageConfig::Local(
                var("FENGQIAO_ATTACHMENTS_DIR")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| PathBuf::from("data/attachments")),
            ),
            Some("s3") => {
                let need = |name: &'static str| {
                    var(name).ok_or(ConfigError::Invalid {
                        name,
                        reason: "must be set when FENGQIAO_STORAGE=s3".into(),
                    })
                };
                StorageConfig::S3(S3Config {
                    bucket: need("FENGQIAO_S3_BUCKET")?,
                    endpoint: need("FENGQIAO_S3_ENDPOINT")?,
                    region: var("FENGQIAO_S3_REGION").unwrap_or_else(|| "cn-north-1".into()),
                    access_key_id: need("FENGQIAO_S3_ACCESS_KEY_ID")?,
                    secret_access_key: need("FENGQIAO_S3_SECRET_ACCESS_KEY")?,
                    prefix: var("FENGQIAO_S3_PREFIX")
                        .map(|p| p.trim_matches('/').to_owned())
                        .unwrap_or_default(),
                })
            }
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "FENGQIAO_STORAGE",
                    reason: format!("expected local or s3, got {other:?}"),
                })
            }
        };
        let d = Self::defaults(storage);
        let kinds = match var("FENGQIAO_FILE_TYPES") {
            None => d.kinds.clone(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    crate::media::FileKind::from_name(s).ok_or_else(|| ConfigError::Invalid {
                        name: "FENGQIAO_FILE_TYPES",
                        reason: format!("unknown type {s:?} (jpeg, png, webp, heic, pdf)"),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        Ok(FilesConfig {
            kinds,
            max_file_bytes: parse("FENGQIAO_FILE_MAX_BYTES", d.max_file_bytes)?,
            max_case_bytes: parse("FENGQIAO_CASE_FILES_MAX_BYTES", d.max_case_bytes)?,
            max_case_files: parse("FENGQIAO_CASE_FILES_MAX", d.max_case_files)?,
            quota_bytes: parse("FENGQIAO_UPLOAD_QUOTA_BYTES", d.quota_bytes)?,
            quota_files: parse("FENGQIAO_UPLOAD_QUOTA_FILES", d.quota_files)?,
            upload_ttl: Duration::from_secs(parse("FENGQIAO_UPLOAD_TTL_SECS", 24 * 3600)?),
            url_ttl: Duration::from_secs(parse("FENGQIAO_FILE_URL_TTL_SECS", 300)?),
            thumbnail_side: parse("FENGQIAO_THUMBNAIL_SIDE", d.thumbnail_side)?,
            ..d
        })
    }
}

/// Database timeouts and the health probe (README, "Timeouts and outages").
#[derive(Clone, Debug)]
pub struct DbConfig {
    /// Longest wait for a pooled connection (`FENGQIAO_DB_ACQUIRE_TIMEOUT_MS`).
    pub acquire_timeout: Duration,
    /// PostgreSQL `statement_timeout` of every pooled connection; zero for none
    /// (`FENGQIAO_DB_STATEMENT_TIMEOUT_MS`).
    pub statement_timeout: Duration,
    /// How long a SQLite writer waits for the write lock (`FENGQIAO_SQLITE_BUSY_TIMEOUT_MS`).
    pub sqlite_busy_timeout: Duration,
    /// How often the health probe asks the database `SELECT 1` (`FENGQIAO_DB_PROBE_INTERVAL_MS`).
    pub probe_interval: Duration,
    /// How long the probe waits for the answer (`FENGQIAO_DB_PROBE_TIMEOUT_MS`); two misses
    /// in a row mark the database down.
    pub probe_timeout: Duration,
}

impl Default for DbConfig {
    fn default() -> Self {
        DbConfig {
            acquire_timeout: Duration::from_millis(3000),
            statement_timeout: Duration::from_millis(10_000),
            sqlite_busy_timeout: Duration::from_millis(5000),
            probe_interval: Duration::from_millis(1000),
            probe_timeout: Duration::from_millis(1500),
        }
    }
}

impl DbConfig {
    fn from_env() -> Result<Self, ConfigError> {
        let d = Self::default();
        let ms = |name: &'static str, default: Duration| -> Result<Duration, ConfigError> {
            let v: u64 = parse(name, u64::try_from(default.as_millis()).unwrap_or(u64::MAX))?;
            Ok(Duration::from_millis(v))
        };
        let c = DbConfig {
            acquire_timeout: ms("FENGQIAO_DB_ACQUIRE_TIMEOUT_MS", d.acquire_timeout)?,
            statement_timeout: ms("FENGQIAO_DB_STATEMENT_TIMEOUT_MS", d.statement_timeout)?,
            sqlite_busy_timeout: ms("FENGQIAO_SQLITE_BUSY_TIMEOUT_MS", d.sqlite_busy_timeout)?,
            probe_interval: ms("FENGQIAO_DB_PROBE_INTERVAL_MS", d.probe_interval)?,
            probe_timeout: ms("FENGQIAO_DB_PROBE_TIMEOUT_MS", d.probe_timeout)?,
        };
        for (name, v) in [
            ("FENGQIAO_DB_ACQUIRE_TIMEOUT_MS", c.acquire_timeout),
            ("FENGQIAO_DB_PROBE_INTERVAL_MS", c.probe_interval),
            ("FENGQIAO_DB_PROBE_TIMEOUT_MS", c.probe_timeout),
        ] {
            if v < Duration::from_millis(10) {
                return Err(ConfigError::Invalid {
                    name,
                    reason: "must be at least 10 ms".into(),
                });
            }
        }
        Ok(c)
    }
}

/// HTTP server timeouts, the connection cap and shutdown (README, "Timeouts and outages").
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Longest a request may take until its answer starts (`FENGQIAO_REQUEST_TIMEOUT_SECS`);
    /// then it is answered 503 `UNAVAILABLE`. Streams (SSE, CSV) are bounded until their
    /// first byte only.
    pub request_timeout: Duration,
    /// Time a client has to send a request's headers, and the longest an idle keep-alive
    /// connection stays open (`FENGQIAO_HEADER_TIMEOUT_SECS`).
    pub header_timeout: Duration,
    /// Time a client has to send a request's body (`FENGQIAO_BODY_TIMEOUT_SECS`); then 408.
    pub body_timeout: Duration,
    /// A WebSocket that sends nothing (not even a pong to our pings) for this long is closed
    /// (`FENGQIAO_WS_IDLE_SECS`); pings go out at a third of it.
    pub ws_idle: Duration,
    /// Most open connections (`FENGQIAO_MAX_CONNECTIONS`), lowered to what the process's
    /// file limit allows; more are answered 503 and closed.
    pub max_connections: usize,
    /// After SIGTERM, how long `/readyz` says not-ready while requests are still served, so a
    /// load balancer drains the instance (`FENGQIAO_DRAIN_SECS`).
    pub drain: Duration,
}

impl ServerConfig {
    /// Defaults for `mode`.
    pub fn defaults(mode: Mode) -> Self {
        ServerConfig {
            request_timeout: Duration::from_secs(15),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            ws_idle: Duration::from_secs(90),
            max_connections: 10_000,
            drain: match mode {
                Mode::Development => Duration::ZERO,
                Mode::Production => Duration::from_secs(5),
            },
        }
    }

    fn from_env(mode: Mode) -> Result<Self, ConfigError> {
        let d = Self::defaults(mode);
        let secs = |name: &'static str, default: Duration, min: u64| -> Result<Duration, ConfigError> {
            let v: u64 = parse(name, default.as_secs())?;
            if v < min {
                return Err(ConfigError::Invalid {
                    name,
                    reason: format!("must be at least {min}"),
                });
            }
            Ok(Duration::from_secs(v))
        };
        let max_connections: usize = parse("FENGQIAO_MAX_CONNECTIONS", d.max_connections)?;
        if max_connections < 16 {
            return Err(ConfigError::Invalid {
                name: "FENGQIAO_MAX_CONNECTIONS",
                reason: "must be at least 16".into(),
            });
        }
        Ok(ServerConfig {
            request_timeout: secs("FENGQIAO_REQUEST_TIMEOUT_SECS", d.request_timeout, 1)?,
            header_timeout: secs("FENGQIAO_HEADER_TIMEOUT_SECS", d.header_timeout, 1)?,
            body_timeout: secs("FENGQIAO_BODY_TIMEOUT_SECS", d.body_timeout, 1)?,
            ws_idle: secs("FENGQIAO_WS_IDLE_SECS", d.ws_idle, 3)?,
            max_connections,
            drain: secs("FENGQIAO_DRAIN_SECS", d.drain, 0)?,
        })
    }
}

/// Settings of inbound webhooks and the outbound delivery worker.
#[derive(Clone, Debug)]
pub struct IntegrationConfig {
    /// How far a webhook's timestamp may be from our clock, either way.
    pub replay_window: Duration,
    /// Most records in one inbound batch.
    pub max_batch_records: usize,
    /// Largest inbound webhook body in bytes.
    pub max_webhook_bytes: usize,
    /// Run the delivery worker in this process.
    pub deliver: bool,
    /// How often the worker looks for due events when idle.
    pub poll_interval: Duration,
    /// Attempts before an event is dead-lettered.
    pub max_attempts: i32,
    /// Delay after the first failure; doubled after each further one.
    pub backoff_base: Duration,
    /// Longest delay between attempts.
    pub backoff_max: Duration,
    /// How long one delivery may take.
    pub delivery_timeout: Duration,
    /// How long a claimed event stays with one instance's worker before another may take it
    /// over (longer than a delivery may take, so two instances never post one event at once).
    pub lease: Duration,
    /// Which hosts webhooks may reach.
    pub egress: EgressPolicy,
}

/// Which hosts the service may post webhooks to (see `service::egress`).
#[derive(Clone, Debug, Default)]
pub struct EgressPolicy {
    /// Hosts (names or addresses, as written in URLs) allowed even in refused ranges:
    /// `FENGQIAO_OUTBOUND_ALLOW_HOSTS`, comma-separated.
    pub allow_hosts: Vec<String>,
    /// Loopback allowed without naming it (development only).
    pub allow_loopback: bool,
}

impl EgressPolicy {
    fn from_env(mode: Mode) -> Self {
        EgressPolicy {
            allow_hosts: var("FENGQIAO_OUTBOUND_ALLOW_HOSTS")
                .map(|v| {
                    v.split(',')
                        .map(|h| h.trim().trim_start_matches('[').trim_end_matches(']').to_owned())
                        .filter(|h| !h.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            allow_loopback: mode == Mode::Development,
        }
    }
}

impl Default for IntegrationConfig {
    fn default() -> Self {
        IntegrationConfig {
            replay_window: Duration::from_secs(300),
            max_batch_records: 500,
            max_webhook_bytes: 2 * 1024 * 1024,
            deliver: true,
            poll_interval: Duration::from_millis(1000),
            max_attempts: 10,
            backoff_base: Duration::from_secs(2),
            backoff_max: Duration::from_secs(3600),
            delivery_timeout: Duration::from_secs(10),
            lease: Duration::from_secs(60),
            egress: EgressPolicy::default(),
        }
    }
}

impl IntegrationConfig {
    fn from_env(mode: Mode) -> Result<Self, ConfigError> {
        let d = Self::default();
        let delivery_timeout = Duration::from_secs(parse("FENGQIAO_OUTBOX_TIMEOUT_SECS", 10)?);
        let lease = Duration::from_secs(parse("FENGQIAO_OUTBOX_LEASE_SECS", 60)?);
        if lease <= delivery_timeout {
            return Err(ConfigError::Invalid {
                name: "FENGQIAO_OUTBOX_LEASE_SECS",
                reason: "must be longer than FENGQIAO_OUTBOX_TIMEOUT_SECS, or a slow delivery \
                         could be posted again by another instance"
                    .into(),
            });
        }
        let max_attempts: i32 = parse("FENGQIAO_OUTBOX_MAX_ATTEMPTS", d.max_attempts)?;
        if max_attempts < 1 {
            return Err(ConfigError::Invalid {
                name: "FENGQIAO_OUTBOX_MAX_ATTEMPTS",
                reason: "must be at least 1".into(),
            });
        }
        Ok(IntegrationConfig {
            replay_window: Duration::from_secs(parse("FENGQIAO_WEBHOOK_WINDOW_SECS", 300)?),
            max_batch_records: parse("FENGQIAO_SYNC_MAX_RECORDS", d.max_batch_records)?,
            max_webhook_bytes: parse("FENGQIAO_WEBHOOK_MAX_BYTES", d.max_webhook_bytes)?,
            deliver: parse("FENGQIAO_OUTBOX_DELIVER", true)?,
            poll_interval: Duration::from_millis(parse("FENGQIAO_OUTBOX_POLL_MS", 1000)?),
            max_attempts,
            backoff_base: Duration::from_millis(parse("FENGQIAO_OUTBOX_BACKOFF_MS", 2000)?),
            backoff_max: Duration::from_secs(parse("FENGQIAO_OUTBOX_BACKOFF_MAX_SECS", 3600)?),
            delivery_timeout,
            lease,
            egress: EgressPolicy::from_env(mode),
        })
    }
}

/// Limits and switches of the request pipeline (see SECURITY.md).
#[derive(Clone, Debug)]
pub struct SecurityConfig {
    /// Introspection queries allowed.
    pub introspection: bool,
    /// "Did you mean" suggestions in errors.
    pub suggestions: bool,
    /// Requests must name a registered client (`X-Client-Id`); otherwise they are anonymous.
    pub require_client: bool,
    /// Origins allowed by CORS (none: no cross-origin access).
    pub cors_origins: Vec<String>,
    /// A JSON file of additional trusted token issuers (JWKS or secrets).
    pub issuers_file: Option<PathBuf>,
    /// Per-operation ceilings applied before execution.
    pub limits: crate::limits::Limits,
    /// Most operations in one batched request.
    pub max_batch: usize,
    /// Largest request body in bytes.
    pub max_body_bytes: usize,
    /// Requests per minute of one anonymous address.
    pub rate_anonymous_per_min: u32,
    /// Requests per minute of one signed-in actor.
    pub rate_actor_per_min: u32,
    /// Requests per minute from one address, whoever sends them.
    pub rate_address_per_min: u32,
    /// On PostgreSQL, rate-limit buckets are shared by every instance through the database
    /// (`FENGQIAO_RATE_SHARED`); off, each instance counts alone.
    pub rate_shared: bool,
    /// Operations remembered by the automatic persisted-query protocol.
    pub apq_cache_entries: usize,
    /// How many whole personal values one actor may reveal.
    pub reveal: crate::service::personal::RevealBudget,
}

impl SecurityConfig {
    /// Defaults for `mode` before environment overrides.
    pub fn defaults(mode: Mode, max_page_size: u64, default_page_size: u64) -> Self {
        let dev = mode == Mode::Development;
        SecurityConfig {
            introspection: dev,
            suggestions: dev,
            require_client: !dev,
            cors_origins: Vec::new(),
            issuers_file: None,
            limits: crate::limits::Limits {
                max_page_size: usize::try_from(max_page_size).unwrap_or(100),
                default_page_size: usize::try_from(default_page_size).unwrap_or(20),
                ..Default::default()
            },
            max_batch: 10,
            max_body_bytes: 256 * 1024,
            rate_anonymous_per_min: 60,
            rate_actor_per_min: 1200,
            rate_address_per_min: 3000,
            rate_shared: true,
            apq_cache_entries: 10_000,
            reveal: crate::service::personal::RevealBudget::default(),
        }
    }

    fn from_env(mode: Mode, max_page_size: u64, default_page_size: u64) -> Result<Self, ConfigError> {
        let d = Self::defaults(mode, max_page_size, default_page_size);
        let l = d.limits;
        Ok(SecurityConfig {
            introspection: parse("FENGQIAO_INTROSPECTION", d.introspection)?,
            suggestions: parse("FENGQIAO_SUGGESTIONS", d.suggestions)?,
            require_client: parse("FENGQIAO_REQUIRE_CLIENT", d.require_client)?,
            cors_origins: var("FENGQIAO_CORS_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            issuers_file: var("FENGQIAO_ISSUERS_FILE").map(PathBuf::from),
            limits: crate::limits::Limits {
                max_depth: parse("FENGQIAO_MAX_DEPTH", l.max_depth)?,
                max_complexity: parse("FENGQIAO_MAX_COMPLEXITY", l.max_complexity)?,
                max_aliases: parse("FENGQIAO_MAX_ALIASES", l.max_aliases)?,
                max_root_fields: parse("FENGQIAO_MAX_ROOT_FIELDS", l.max_root_fields)?,
                max_directives: parse("FENGQIAO_MAX_DIRECTIVES", l.max_directives)?,
                ..l
            },
            max_batch: parse("FENGQIAO_MAX_BATCH", d.max_batch)?,
            max_body_bytes: parse("FENGQIAO_MAX_BODY_BYTES", d.max_body_bytes)?,
            rate_anonymous_per_min: parse("FENGQIAO_RATE_ANONYMOUS_PER_MIN", d.rate_anonymous_per_min)?,
            rate_actor_per_min: parse("FENGQIAO_RATE_ACTOR_PER_MIN", d.rate_actor_per_min)?,
            rate_address_per_min: parse("FENGQIAO_RATE_ADDRESS_PER_MIN", d.rate_address_per_min)?,
            rate_shared: parse("FENGQIAO_RATE_SHARED", d.rate_shared)?,
            apq_cache_entries: d.apq_cache_entries,
            reveal: crate::service::personal::RevealBudget {
                per_request: parse("FENGQIAO_REVEAL_PER_REQUEST", d.reveal.per_request)?,
                per_hour: parse("FENGQIAO_REVEAL_PER_HOUR", d.reveal.per_hour)?,
            },
        })
    }
}

/// The default SQLite location, relative to the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/fengqiao.db?mode=rwc";
/// Where a development server keeps the secret it generated for its own tokens.
pub const DEV_SECRET_FILE: &str = "data/dev-jwt-secret";
/// Issuer used when none is configured (development).
pub const DEV_ISSUER: &str = "fengqiao-dev";
/// Audience used when none is configured (development).
pub const DEV_AUDIENCE: &str = "fengqiao";

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse<T: std::str::FromStr>(name: &'static str, default: T) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|e: T::Err| ConfigError::Invalid {
            name,
            reason: e.to_string(),
        }),
    }
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let mode = match var("FENGQIAO_ENV").as_deref() {
            None | Some("development") | Some("dev") => Mode::Development,
            Some("production") | Some("prod") => Mode::Production,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "FENGQIAO_ENV",
                    reason: format!("expected development or production, got {other:?}"),
                })
            }
        };
        let listen = parse("FENGQIAO_LISTEN", SocketAddr::from(([127, 0, 0, 1], 8080)))?;
        let database_url = var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let jwt = match mode {
            Mode::Production => {
                let secret =
                    var("FENGQIAO_JWT_SECRET").ok_or(ConfigError::Required("FENGQIAO_JWT_SECRET"))?;
                if secret.len() < 32 {
                    return Err(ConfigError::Invalid {
                        name: "FENGQIAO_JWT_SECRET",
                        reason: "must be at least 32 bytes".into(),
                    });
                }
                JwtConfig {
                    secret: secret.into_bytes(),
                    issuer: var("FENGQIAO_JWT_ISSUER").ok_or(ConfigError::Required("FENGQIAO_JWT_ISSUER"))?,
                    audience: var("FENGQIAO_JWT_AUDIENCE")
                        .ok_or(ConfigError::Required("FENGQIAO_JWT_AUDIENCE"))?,
                    leeway_secs: parse("FENGQIAO_JWT_LEEWAY_SECS", 30)?,
                    max_lifetime_secs: max_lifetime()?,
                }
            }
            Mode::Development => JwtConfig {
                secret: match var("FENGQIAO_JWT_SECRET") {
                    Some(s) => s.into_bytes(),
                    None => dev_secret()?,
                },
                issuer: var("FENGQIAO_JWT_ISSUER").unwrap_or_else(|| DEV_ISSUER.into()),
                audience: var("FENGQIAO_JWT_AUDIENCE").unwrap_or_else(|| DEV_AUDIENCE.into()),
                leeway_secs: parse("FENGQIAO_JWT_LEEWAY_SECS", 30)?,
                max_lifetime_secs: max_lifetime()?,
            },
        };
        let max_page_size = parse("FENGQIAO_MAX_PAGE_SIZE", 100u64)?;
        if max_page_size == 0 {
            return Err(ConfigError::Invalid {
                name: "FENGQIAO_MAX_PAGE_SIZE",
                reason: "must be positive".into(),
            });
        }
        Ok(Config {
            mode,
            listen,
            database_url,
            db_max_connections: parse("FENGQIAO_DB_MAX_CONNECTIONS", 10)?,
            jwt,
            max_page_size,
            default_page_size: 20.min(max_page_size),
            seed_demo: mode == Mode::Development && parse("FENGQIAO_DEMO_DATA", true)?,
            shutdown_grace: Duration::from_secs(parse("FENGQIAO_SHUTDOWN_GRACE_SECS", 20)?),
            db: DbConfig::from_env()?,
            server: ServerConfig::from_env(mode)?,
            loader_delay: Duration::from_micros(parse("FENGQIAO_LOADER_DELAY_US", 1000)?),
            security: SecurityConfig::from_env(mode, max_page_size, 20.min(max_page_size))?,
            public_base_url: public_base_url()?,
            files: FilesConfig::from_env()?,
            audit_seal_every: Some(parse("FENGQIAO_AUDIT_SEAL_SECS", 5u64)?)
                .filter(|s| *s > 0)
                .map(Duration::from_secs),
            integration: IntegrationConfig::from_env(mode)?,
            metrics_token: crate::metrics::MetricsToken::from_env()?,
        })
    }
}

/// `FENGQIAO_JWT_MAX_LIFETIME_SECS`: at least a minute.
fn max_lifetime() -> Result<u64, ConfigError> {
    let v = parse(
        "FENGQIAO_JWT_MAX_LIFETIME_SECS",
        crate::auth::jwks::DEFAULT_MAX_LIFETIME_SECS,
    )?;
    if v < 60 {
        return Err(ConfigError::Invalid {
            name: "FENGQIAO_JWT_MAX_LIFETIME_SECS",
            reason: "must be at least 60".into(),
        });
    }
    Ok(v)
}

impl Config {
    /// A development configuration for tests: given database, fixed secret, no demo data.
    pub fn for_tests(database_url: &str) -> Self {
        Config {
            mode: Mode::Development,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.to_owned(),
            db_max_connections: 5,
            jwt: JwtConfig {
                secret: b"test-secret-test-secret-test-secret!".to_vec(),
                issuer: DEV_ISSUER.into(),
                audience: DEV_AUDIENCE.into(),
                leeway_secs: 5,
                max_lifetime_secs: crate::auth::jwks::DEFAULT_MAX_LIFETIME_SECS,
            },
            max_page_size: 100,
            default_page_size: 20,
            seed_demo: false,
            shutdown_grace: Duration::from_secs(2),
            db: DbConfig::default(),
            server: ServerConfig::defaults(Mode::Development),
            loader_delay: Duration::from_millis(1),
            security: SecurityConfig::defaults(Mode::Development, 100, 20),
            public_base_url: None,
            files: FilesConfig::defaults(crate::storage::StorageConfig::Local(
                std::env::temp_dir().join("fengqiao-test-attachments"),
            )),
            // Tests seal when they mean to (statement counts stay exact).
            audit_seal_every: None,
            // Tests that deliver events turn the worker on; others keep the pool quiet so
            // statement counts stay exact.
            integration: IntegrationConfig {
                deliver: false,
                poll_interval: Duration::from_millis(50),
                backoff_base: Duration::from_millis(100),
                backoff_max: Duration::from_secs(2),
                delivery_timeout: Duration::from_secs(5),
                egress: EgressPolicy {
                    allow_hosts: Vec::new(),
                    allow_loopback: true,
                },
                ..IntegrationConfig::default()
            },
            metrics_token: None,
        }
    }

    /// The absolute base URL of the public pages: `FENGQIAO_PUBLIC_BASE_URL`, or the listen address.
    pub fn public_base(&self) -> String {
        match &self.public_base_url {
            Some(u) => u.clone(),
            None => format!("http://{}", self.listen),
        }
    }
}

/// `FENGQIAO_PUBLIC_BASE_URL`: an http(s) URL, kept without its trailing slash.
fn public_base_url() -> Result<Option<String>, ConfigError> {
    let Some(v) = var("FENGQIAO_PUBLIC_BASE_URL") else {
        return Ok(None);
    };
    let v = v.trim().trim_end_matches('/').to_owned();
    let rest = v.strip_prefix("https://").or_else(|| v.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(['?', '#', ' ']) => Ok(Some(v)),
        _ => Err(ConfigError::Invalid {
            name: "FENGQIAO_PUBLIC_BASE_URL",
            reason: "expected an absolute http:// or https:// URL without query or fragment".into(),
        }),
    }
}

/// The development secret lives in a file beside the default database so that
/// `fengqiao token` and `fengqiao serve` in the same directory agree.
fn dev_secret() -> Result<Vec<u8>, ConfigError> {
    let path = PathBuf::from(DEV_SECRET_FILE);
    let err = |source| ConfigError::SecretFile {
        path: DEV_SECRET_FILE.into(),
        source,
    };
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let trimmed = existing.trim();
        if trimmed.len() >= 32 {
            return Ok(trimmed.as_bytes().to_vec());
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let secret: String = {
        use rand::Rng;
        let mut rng = rand::rng();
        (0..48)
            .map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[rng.random_range(0..36)]))
            .collect()
    };
    std::fs::write(&path, &secret).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(err)?;
    }
    Ok(secret.into_bytes())
}
