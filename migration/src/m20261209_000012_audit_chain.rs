//! The audit log shows tampering: every record is sealed into a SHA-256 hash chain
//! (`audit_seals`, in sealing order), and the chain's head is signed from time to time
//! (`audit_checkpoints`, an HMAC under a key the database does not hold). Both tables are
//! append-only like `audit_events`.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditSeals {
    Table,
    Seq,
    EventId,
    Hash,
    SealedAt,
}

#[derive(DeriveIden)]
enum AuditCheckpoints {
    Table,
    Seq,
    Hash,
    At,
    Mac,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditSeals::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(AuditSeals::Seq)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AuditSeals::EventId).uuid().not_null().unique_key())
                    .col(ColumnDef::new(AuditSeals::Hash).string_len(64).not_null())
                    .col(
                        ColumnDef::new(AuditSeals::SealedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditCheckpoints::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(AuditCheckpoints::Seq)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AuditCheckpoints::Hash).string_len(64).not_null())
                    .col(
                        ColumnDef::new(AuditCheckpoints::At)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditCheckpoints::Mac).string_len(64).not_null())
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for table in ["audit_seals", "audit_checkpoints"] {
            match manager.get_database_backend() {
                DbBackend::Sqlite => {
                    for op in ["UPDATE", "DELETE"] {
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER {table}_no_{lower} BEFORE {op} ON {table} \
                             BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
                            lower = op.to_lowercase()
                        ))
                        .await?;
                    }
                }
                DbBackend::Postgres => {
                    // The function of `audit_events` (its message names that table: the
                    // refusal is the same).
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} \
                         FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
                    ))
                    .await?;
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} \
                         FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
                    ))
                    .await?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(AuditCheckpoints::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(AuditSeals::Table).if_exists().to_owned())
            .await
    }
}
