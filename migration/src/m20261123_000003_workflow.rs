//! Workflow tables: idempotency keys for retried mutations, and the deadline policy per
//! risk colour, kind and category (with the 3-hour rapid-solve window for theft).

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
    CaseId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DeadlinePolicies {
    Table,
    Id,
    RiskColour,
    Kind,
    Category,
    FirstResponseMinutes,
    ResolutionMinutes,
    Note,
}

/// (colour, kind or "*", category or "*", first response minutes, resolution minutes, note)
const DEFAULTS: [(&str, &str, &str, i32, i32, &str); 8] = [
    (
        "RED",
        "*",
        "*",
        15,
        24 * 60,
        "red: respond within 15 minutes, resolve within a day",
    ),
    ("ORANGE", "*", "*", 30, 3 * 24 * 60, "orange: 30 minutes, 3 days"),
    ("YELLOW", "*", "*", 2 * 60, 7 * 24 * 60, "yellow: 2 hours, 7 days"),
    ("GREEN", "*", "*", 24 * 60, 15 * 24 * 60, "green: a day, 15 days"),
    (
        "RED",
        "*",
        "THEFT",
        10,
        3 * 60,
        "theft: 3-hour rapid solve and recovery (发案后3小时)",
    ),
    (
        "ORANGE",
        "*",
        "THEFT",
        15,
        3 * 60,
        "theft: 3-hour rapid solve and recovery",
    ),
    (
        "YELLOW",
        "*",
        "THEFT",
        30,
        3 * 60,
        "theft: 3-hour rapid solve and recovery",
    ),
    (
        "GREEN",
        "*",
        "THEFT",
        60,
        3 * 60,
        "theft: 3-hour rapid solve and recovery",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .if_not_exists()
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
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DeadlinePolicies::Table)
                    .if_not_exists()
                    .col(uuid(DeadlinePolicies::Id).primary_key())
                    .col(string_len(DeadlinePolicies::RiskColour, 32))
                    .col(string_len(DeadlinePolicies::Kind, 32))
                    .col(string_len(DeadlinePolicies::Category, 32))
                    .col(integer(DeadlinePolicies::FirstResponseMinutes))
                    .col(integer(DeadlinePolicies::ResolutionMinutes))
                    .col(string_len_null(DeadlinePolicies::Note, 200))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_deadline_policies_colour_kind_category")
                    .table(DeadlinePolicies::Table)
                    .col(DeadlinePolicies::RiskColour)
                    .col(DeadlinePolicies::Kind)
                    .col(DeadlinePolicies::Category)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (i, (colour, kind, category, first, resolve, note)) in DEFAULTS.iter().enumerate() {
            let id = sea_orm_migration::sea_orm::prelude::Uuid::from_u128(
                0x0190_0000_0000_7000_8000_0000_0000_0000 + i as u128,
            );
            manager
                .exec_stmt(
                    Query::insert()
                        .into_table(DeadlinePolicies::Table)
                        .columns([
                            DeadlinePolicies::Id,
                            DeadlinePolicies::RiskColour,
                            DeadlinePolicies::Kind,
                            DeadlinePolicies::Category,
                            DeadlinePolicies::FirstResponseMinutes,
                            DeadlinePolicies::ResolutionMinutes,
                            DeadlinePolicies::Note,
                        ])
                        .values_panic([
                            id.into(),
                            (*colour).into(),
                            (*kind).into(),
                            (*category).into(),
                            (*first).into(),
                            (*resolve).into(),
                            (*note).into(),
                        ])
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(DeadlinePolicies::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(IdempotencyKeys::Table).if_exists().to_owned())
            .await
    }
}
