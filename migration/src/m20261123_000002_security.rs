//! Security tables: the append-only audit log, registered client applications and their
//! persisted (allow-listed) operations.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    At,
    RequestId,
    ActorSubject,
    ActorRole,
    ClientId,
    Operation,
    Action,
    ObjectType,
    ObjectId,
    Field,
    Reason,
    Outcome,
    ErrorCode,
}

#[derive(DeriveIden)]
enum ApiClients {
    Table,
    Id,
    ClientId,
    Name,
    AllowedRoles,
    RateLimitPerMinute,
    AllowListOnly,
    Enabled,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PersistedOperations {
    Table,
    Id,
    ApiClientId,
    Sha256,
    Name,
    Query,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .if_not_exists()
                    .col(uuid(AuditEvents::Id).primary_key())
                    .col(timestamp_with_time_zone(AuditEvents::At))
                    .col(string_len(AuditEvents::RequestId, 64))
                    .col(string_len_null(AuditEvents::ActorSubject, 128))
                    .col(string_len(AuditEvents::ActorRole, 32))
                    .col(string_len_null(AuditEvents::ClientId, 64))
                    .col(string_len(AuditEvents::Operation, 100))
                    .col(string_len(AuditEvents::Action, 16))
                    .col(string_len_null(AuditEvents::ObjectType, 32))
                    .col(uuid_null(AuditEvents::ObjectId))
                    .col(string_len_null(AuditEvents::Field, 64))
                    .col(string_len_null(AuditEvents::Reason, 500))
                    .col(string_len(AuditEvents::Outcome, 16))
                    .col(string_len_null(AuditEvents::ErrorCode, 32))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_audit_events_at", vec![AuditEvents::At, AuditEvents::Id]),
            (
                "idx_audit_events_actor",
                vec![AuditEvents::ActorSubject, AuditEvents::At],
            ),
            (
                "idx_audit_events_object",
                vec![AuditEvents::ObjectType, AuditEvents::ObjectId],
            ),
        ] {
            let mut idx = Index::create();
            idx.name(name).table(AuditEvents::Table);
            for c in cols {
                idx.col(c);
            }
            manager.create_index(idx.to_owned()).await?;
        }
        // Append-only: the database itself refuses to change or remove audit rows.
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                for op in ["UPDATE", "DELETE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER audit_events_no_{lower} BEFORE {op} ON audit_events \
                         BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
                        lower = op.to_lowercase()
                    ))
                    .await?;
                }
            }
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$ \
                     BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events \
                     FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
                )
                .await?;
                // TRUNCATE fires no row triggers; refuse it with a statement trigger.
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events \
                     FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
                )
                .await?;
            }
            _ => {}
        }

        manager
            .create_table(
                Table::create()
                    .table(ApiClients::Table)
                    .if_not_exists()
                    .col(uuid(ApiClients::Id).primary_key())
                    .col(string_len(ApiClients::ClientId, 64))
                    .col(string_len(ApiClients::Name, 100))
                    .col(string_len(ApiClients::AllowedRoles, 400))
                    .col(integer(ApiClients::RateLimitPerMinute))
                    .col(boolean(ApiClients::AllowListOnly))
                    .col(boolean(ApiClients::Enabled))
                    .col(timestamp_with_time_zone(ApiClients::CreatedAt))
                    .col(timestamp_with_time_zone(ApiClients::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_api_clients_client_id")
                    .table(ApiClients::Table)
                    .col(ApiClients::ClientId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PersistedOperations::Table)
                    .if_not_exists()
                    .col(uuid(PersistedOperations::Id).primary_key())
                    .col(uuid(PersistedOperations::ApiClientId))
                    .col(string_len(PersistedOperations::Sha256, 64))
                    .col(string_len_null(PersistedOperations::Name, 100))
                    .col(text(PersistedOperations::Query))
                    .col(timestamp_with_time_zone(PersistedOperations::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_persisted_operations_api_client_id")
                            .from(PersistedOperations::Table, PersistedOperations::ApiClientId)
                            .to(ApiClients::Table, ApiClients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_persisted_operations_client_sha")
                    .table(PersistedOperations::Table)
                    .col(PersistedOperations::ApiClientId)
                    .col(PersistedOperations::Sha256)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(PersistedOperations::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ApiClients::Table).if_exists().to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AuditEvents::Table).if_exists().to_owned())
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS audit_events_append_only()")
                .await?;
        }
        Ok(())
    }
}
