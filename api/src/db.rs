//! Database connection and migration for both backends.

use std::time::Duration;

use migration::MigratorTrait;
use sea_orm::{
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
    ConnectOptions, Database, DatabaseConnection, DbBackend, DbErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};

use crate::{config::DbConfig, error::AppResult};

/// Opens a pool for a command-line tool (`migrate`, `import`, `generate`, `token`): no
/// statement timeout, since a migration or an import may rightly run long.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    open(url, max_connections, &tool_timeouts(), None).await
}

/// Like [`connect`], with an optional PostgreSQL schema search path (tests use one schema each).
pub async fn connect_with(
    url: &str,
    max_connections: u32,
    pg_schema: Option<&str>,
) -> Result<DatabaseConnection, DbErr> {
    open(url, max_connections, &tool_timeouts(), pg_schema).await
}

/// The timeouts of a command-line tool's pool.
fn tool_timeouts() -> DbConfig {
    DbConfig {
        acquire_timeout: Duration::from_secs(30),
        statement_timeout: Duration::ZERO,
        sqlite_busy_timeout: Duration::from_secs(30),
        ..DbConfig::default()
    }
}

/// Opens the pool with `timeouts`. SQLite gets foreign keys on, WAL journal, full sync, the
/// busy timeout and temporary storage on disk (its parent directory is created when missing);
/// PostgreSQL gets the statement timeout on every connection. `pg_schema` sets the search
/// path (tests use one schema each).
pub async fn open(
    url: &str,
    max_connections: u32,
    timeouts: &DbConfig,
    pg_schema: Option<&str>,
) -> Result<DatabaseConnection, DbErr> {
    Database::connect(options(url, max_connections, timeouts, pg_schema)).await
}

/// One connection opened when first used and again after it fails (the health probe's: it
/// must exist while the database is down).
pub async fn open_lazy(
    url: &str,
    max_connections: u32,
    timeouts: &DbConfig,
    pg_schema: Option<&str>,
) -> Result<DatabaseConnection, DbErr> {
    let mut opts = options(url, max_connections, timeouts, pg_schema);
    opts.min_connections(0).connect_lazy(true);
    Database::connect(opts).await
}

fn options(url: &str, max_connections: u32, timeouts: &DbConfig, pg_schema: Option<&str>) -> ConnectOptions {
    if url.starts_with("sqlite:") {
        ensure_sqlite_dir(url);
    }
    let busy = timeouts.sqlite_busy_timeout;
    let statement_ms = timeouts.statement_timeout.as_millis();
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(timeouts.acquire_timeout)
        .acquire_timeout(timeouts.acquire_timeout)
        .sqlx_logging(false)
        .test_before_acquire(false)
        .map_sqlx_sqlite_opts(move |o| {
            o.foreign_keys(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(busy)
                .create_if_missing(true)
                // Large sorts and temporary tables (statistics over a year of cases) spill
                // to temporary files instead of memory (this build's default), so the
                // process stays small whatever the period asked for.
                .pragma("temp_store", "FILE")
        });
    // A connection given back while still inside a transaction (its request was cancelled
    // in the middle of a statement, so no rollback could be queued) is closed, not pooled:
    // closing aborts the transaction and frees its locks, where pooling it would run the next
    // request's statements inside the abandoned transaction.
    opts.map_sqlx_postgres_pool_opts(|o| {
        o.after_release(|conn, _| {
            Box::pin(async move { Ok(!sea_orm::sqlx::Connection::is_in_transaction(conn)) })
        })
    })
    .map_sqlx_sqlite_pool_opts(|o| {
        o.after_release(|conn, _| {
            Box::pin(async move { Ok(!sea_orm::sqlx::Connection::is_in_transaction(conn)) })
        })
    });
    if statement_ms > 0 {
        opts.map_sqlx_postgres_opts(move |o| o.options([("statement_timeout", format!("{statement_ms}ms"))]));
    }
    if let Some(schema) = pg_schema {
        opts.set_schema_search_path(schema.to_owned());
    }
    opts
}

fn ensure_sqlite_dir(url: &str) {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path.starts_with(":memory:") {
        return;
    }
    if let Some(parent) = std::path::Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            if let Err(e) = std::fs::create_dir_all(parent) {
                tracing::warn!(error = %e, "could not create the SQLite directory");
            }
        }
    }
}

/// Applies all pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    migration::Migrator::up(db, None).await
}

/// Starts a write transaction: `BEGIN IMMEDIATE` on SQLite (so concurrent writers queue on
/// the busy timeout instead of failing on a lock upgrade), a plain one on PostgreSQL.
pub async fn begin_write(db: &DatabaseConnection) -> AppResult<sea_orm::DatabaseTransaction> {
    let txn = if db.get_database_backend() == DbBackend::Sqlite {
        db.begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?
    } else {
        db.begin().await?
    };
    Ok(txn)
}
