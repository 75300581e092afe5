//! One harness for every test: the real application (same code as `serve`) on a fresh
//! database — SQLite always, PostgreSQL in its own schema when `TEST_DATABASE_URL` is set —
//! served over real HTTP on 127.0.0.1, with personas that carry real signed JWTs.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Once,
    },
    time::Duration,
};

use fengqiao_api::{
    app::AppState,
    auth::{Role, Scope},
    config::Config,
    db,
    server::{self, Stopped},
};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{json, Value};

/// Which database a test app runs on.
pub enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL schema.
    Postgres { url: String, schema: String },
}

/// A running application for one test.
pub struct TestApp {
    /// Base URL, e.g. http://127.0.0.1:34567.
    pub base: String,
    /// The application's pool (for fixtures and assertions).
    pub db: DatabaseConnection,
    /// The application state (for minting tokens).
    pub state: Arc<AppState>,
    /// SQL statements executed on the pool since the last reset.
    pub statements: Arc<AtomicUsize>,
    /// HTTP client.
    pub client: reqwest::Client,
    backend: Backend,
    server: tokio::task::JoinHandle<Stopped>,
    /// Sends the shutdown signal (SIGTERM's part) to the server.
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

/// Serves `state` on a fresh port through the service's own server (the same accept loop,
/// limits and shutdown as `fengqiao serve`); the sender is its shutdown signal.
async fn start_server(
    state: Arc<AppState>,
) -> (
    String,
    tokio::task::JoinHandle<Stopped>,
    tokio::sync::oneshot::Sender<()>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(server::serve(listener, state, async move {
        let _ = rx.await;
    }));
    (format!("http://{addr}"), server, tx)
}

static ANNOUNCE: Once = Once::new();

fn pg_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.trim().is_empty())
}

impl TestApp {
    /// Starts an app on a fresh, migrated, empty database.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Starts an app, letting the test adjust the configuration first.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let (url, backend, schema) = match pg_url() {
            Some(base) => {
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let admin = db::connect(&base, 1)
                    .await
                    .expect("TEST_DATABASE_URL is set but PostgreSQL is unreachable");
                admin
                    .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
                    .await
                    .expect("create test schema");
                admin.close().await.ok();
                (
                    base.clone(),
                    Backend::Postgres {
                        url: base,
                        schema: schema.clone(),
                    },
                    Some(schema),
                )
            }
            None => {
                let dir =
                    std::env::temp_dir().join(format!("fengqiao-test-{}", uuid::Uuid::new_v4().simple()));
                std::fs::create_dir_all(&dir).expect("temp dir");
                let url = format!("sqlite://{}/test.db?mode=rwc", dir.display());
                (url, Backend::Sqlite(dir), None)
            }
        };
        ANNOUNCE.call_once(|| {
            eprintln!(
                "integration tests run on {}",
                if schema.is_some() {
                    "PostgreSQL (TEST_DATABASE_URL)"
                } else {
                    "SQLite (set TEST_DATABASE_URL for PostgreSQL)"
                }
            )
        });
        Self::launch(url, backend, schema, adjust).await
    }

    /// Starts an app on the database at `url` (a private cluster's), migrated; the caller
    /// owns that database.
    pub async fn spawn_on(url: &str, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let nothing = std::env::temp_dir().join(format!("fengqiao-none-{}", uuid::Uuid::new_v4().simple()));
        Self::launch(url.to_owned(), Backend::Sqlite(nothing), None, adjust).await
    }

    async fn launch(
        url: String,
        backend: Backend,
        schema: Option<String>,
        adjust: impl FnOnce(&mut Config),
    ) -> TestApp {
        let mut config = Config::for_tests(&url);
        adjust(&mut config);
        let mut conn = db::open(&url, config.db_max_connections, &config.db, schema.as_deref())
            .await
            .expect("connect test database");
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        conn.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        db::migrate(&conn).await.expect("migrate");
        let state = AppState::new(config, conn.clone()).await.expect("app state");
        let (base, server, stop) = start_server(state.clone()).await;
        statements.store(0, Ordering::SeqCst);
        TestApp {
            base,
            db: conn,
            state,
            statements,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            backend,
            server,
            stop: Some(stop),
        }
    }

    /// A real signed token for a persona.
    pub fn token(&self, role: Role, subject: &str, scope: Scope) -> String {
        self.state
            .keys
            .mint(subject, role, scope, Duration::from_secs(600))
            .expect("mint token")
    }

    /// POSTs a GraphQL operation; returns the JSON body (status is checked to be 200).
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let (status, body) = self.gql_status(token, query, variables).await;
        assert_eq!(status, 200, "unexpected HTTP status; body: {body}");
        body
    }

    /// POSTs a GraphQL operation; returns status and JSON body.
    pub async fn gql_status(&self, token: Option<&str>, query: &str, variables: Value) -> (u16, Value) {
        let mut req = self
            .client
            .post(format!("{}/graphql", self.base))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let body: Value = res.json().await.expect("json body");
        (status, body)
    }

    /// Statements run since the last call.
    pub fn take_statements(&self) -> usize {
        self.statements.swap(0, Ordering::SeqCst)
    }

    /// Counts rows of a table (for "nothing left behind" checks).
    pub async fn count(&self, table: &str) -> i64 {
        let backend = self.db.get_database_backend();
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count query")
            .expect("a row");
        row.try_get::<i64>("", "n").expect("count value")
    }
}

impl TestApp {
    /// Signals the server to shut down (as SIGTERM does) and waits until it has stopped.
    pub async fn shut_down(&mut self) -> Stopped {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        (&mut self.server).await.expect("server task")
    }

    /// Signals the server to shut down without waiting.
    pub fn signal_shutdown(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        match &self.backend {
            Backend::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Backend::Postgres { url, schema } => {
                let (url, schema) = (url.clone(), schema.clone());
                // Drop the schema from a separate runtime so it happens even after a panic.
                let _ = std::thread::spawn(move || {
                    if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                        rt.block_on(async {
                            if let Ok(c) = db::connect(&url, 1).await {
                                let _ = c
                                    .execute_unprepared(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
                                    .await;
                                let _ = c.close().await;
                            }
                        });
                    }
                })
                .join();
            }
        }
    }
}

/// The first error's `extensions.code`, if any.
pub fn error_code(body: &Value) -> Option<String> {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .map(str::to_owned)
}

/// The first error's `extensions.field`, if any.
pub fn error_field(body: &Value) -> Option<String> {
    body["errors"][0]["extensions"]["field"]
        .as_str()
        .map(str::to_owned)
}

/// Asserts the body has no errors and returns `data`.
pub fn data(body: &Value) -> &Value {
    assert!(
        body.get("errors").is_none() || body["errors"].is_null(),
        "unexpected errors: {body}"
    );
    &body["data"]
}

impl TestApp {
    /// A second instance of the application on this app's database (PostgreSQL: the same
    /// schema; SQLite: the same file), with its own pool, event bus and HTTP server — as a
    /// second replica behind a load balancer would be. The first app keeps owning (and
    /// dropping) the database.
    pub async fn spawn_peer(&self) -> TestApp {
        self.spawn_peer_with(|_| {}).await
    }

    /// [`TestApp::spawn_peer`] with its configuration adjusted (as each replica of a
    /// deployment is configured alike).
    pub async fn spawn_peer_with(&self, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let (url, schema) = match &self.backend {
            Backend::Postgres { url, schema } => (url.clone(), Some(schema.clone())),
            Backend::Sqlite(dir) => (format!("sqlite://{}/test.db?mode=rwc", dir.display()), None),
        };
        let mut config = Config::for_tests(&url);
        adjust(&mut config);
        let conn = db::open(&url, config.db_max_connections, &config.db, schema.as_deref())
            .await
            .expect("connect peer");
        let state = AppState::new(config, conn.clone()).await.expect("peer state");
        let (base, server, stop) = start_server(state.clone()).await;
        // Dropping a peer removes nothing: this directory is never created.
        let nothing = std::env::temp_dir().join(format!("fengqiao-peer-{}", uuid::Uuid::new_v4().simple()));
        TestApp {
            base,
            db: conn,
            state,
            statements: Arc::new(AtomicUsize::new(0)),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            backend: Backend::Sqlite(nothing),
            server,
            stop: Some(stop),
        }
    }
}
