//! Database connection and migration for both backends.

use std::time::Duration;

use migration::MigratorTrait;
use sea_orm::{
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
    ConnectOptions, Database, DatabaseConnection, DbBackend, DbErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};

use crate::error::AppResult;

/// Opens the pool. SQLite gets foreign keys on, WAL journal, full sync, a busy timeout and
/// temporary storage on disk; its parent directory is created when missing.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, max_connections, None).await
}

/// Like [`connect`], with an optional PostgreSQL schema search path (tests use one schema each).
pub async fn connect_with(
    url: &str,
    max_connections: u32,
    pg_schema: Option<&str>,
) -> Result<DatabaseConnection, DbErr> {
    if url.starts_with("sqlite:") {
        ensure_sqlite_dir(url);
    }
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .test_before_acquire(false)
        .map_sqlx_sqlite_opts(|o| {
            o.foreign_keys(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10))
                .create_if_missing(true)
                // Large sorts and temporary tables (statistics over a year of cases) spill
                // to temporary files instead of memory (this build's default), so the
                // process stays small whatever the period asked for.
                .pragma("temp_store", "FILE")
        });
    if let Some(schema) = pg_schema {
        opts.set_schema_search_path(schema.to_owned());
    }
    Database::connect(opts).await
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
