//! One door for writes: idempotency keys that bind the operation, its target and a hash of
//! its input and keep the first answer; and what each integrated platform may write.
//!
//! The old `idempotency_keys` table bound a key to an actor and an operation only (a key used
//! on case A replayed A's answer for case B) and held a case id, not an answer. Its rows are
//! retries of at most a day ago, so the table is replaced rather than converted.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Id,
    Subject,
    Key,
    Operation,
    TargetId,
    RequestHash,
    ResultId,
    Response,
    CreatedAt,
    CaseId,
}

#[derive(DeriveIden)]
enum Platforms {
    Table,
    Authority,
}

/// What a platform registered before this migration may write: cases of every kind, no
/// master data (the default for new platforms too).
pub const CASES_ONLY: &str =
    r#"{"caseKinds":null,"enterprises":"NONE","enterpriseFields":null,"volunteers":"NONE"}"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdempotencyKeys::Table).if_exists().to_owned())
            .await?;
        create_keys(manager).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Platforms::Table)
                    .add_column(text(Platforms::Authority).default(CASES_ONLY))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Platforms::Table)
                    .drop_column(Platforms::Authority)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(IdempotencyKeys::Table).if_exists().to_owned())
            .await?;
        // The table as the workflow migration made it.
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(uuid(IdempotencyKeys::Id).primary_key())
                    .col(string_len(IdempotencyKeys::Subject, 128))
                    .col(string_len(IdempotencyKeys::Key, 100))
                    .col(string_len(IdempotencyKeys::Operation, 64))
                    .col(uuid(IdempotencyKeys::CaseId))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_idempotency_keys_subject_key")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::Subject)
                    .col(IdempotencyKeys::Key)
                    .unique()
                    .to_owned(),
            )
            .await
    }
}

async fn create_keys(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(IdempotencyKeys::Table)
                .col(uuid(IdempotencyKeys::Id).primary_key())
                .col(string_len(IdempotencyKeys::Subject, 160))
                .col(string_len(IdempotencyKeys::Key, 100))
                .col(string_len(IdempotencyKeys::Operation, 64))
                .col(uuid_null(IdempotencyKeys::TargetId))
                .col(string_len(IdempotencyKeys::RequestHash, 64))
                .col(uuid_null(IdempotencyKeys::ResultId))
                .col(text_null(IdempotencyKeys::Response))
                .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("uniq_idempotency_keys_subject_key_v2")
                .table(IdempotencyKeys::Table)
                .col(IdempotencyKeys::Subject)
                .col(IdempotencyKeys::Key)
                .unique()
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_idempotency_keys_created_at")
                .table(IdempotencyKeys::Table)
                .col(IdempotencyKeys::CreatedAt)
                .to_owned(),
        )
        .await
}
