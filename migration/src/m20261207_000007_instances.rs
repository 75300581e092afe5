//! Several instances, one service: rate-limit buckets shared through the database.
//!
//! On PostgreSQL the table is `UNLOGGED`: buckets are counters that may be lost in a crash
//! (a lost bucket is a full one), and unlogged writes cost no WAL. SQLite gets the same table
//! so that both schemas stay alike; a single SQLite instance keeps its buckets in memory.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sql = match manager.get_database_backend() {
            DbBackend::Postgres => {
                "CREATE UNLOGGED TABLE rate_buckets (key text PRIMARY KEY, tokens double precision NOT NULL, \
                 granted integer NOT NULL, at timestamptz NOT NULL)"
            }
            _ => {
                "CREATE TABLE rate_buckets (key text PRIMARY KEY, tokens double precision NOT NULL, \
                 granted integer NOT NULL, at text NOT NULL)"
            }
        };
        manager.get_connection().execute_unprepared(sql).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE rate_buckets")
            .await?;
        Ok(())
    }
}
