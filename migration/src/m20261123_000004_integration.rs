//! Integration with the platforms already running: webhook credentials, delivery settings and
//! status vocabulary per platform; received signatures (replay protection); the transactional
//! outbox of case events; links between likely duplicate cases for a person to confirm.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Platforms {
    Table,
    WebhookUrl,
    Secret,
    StatusMap,
    Subscription,
}

#[derive(DeriveIden)]
enum ExternalRefs {
    Table,
    ExternalStatus,
}

#[derive(DeriveIden)]
enum WebhookReceipts {
    Table,
    Id,
    PlatformId,
    Signature,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum OutboxEvents {
    Table,
    Id,
    EventId,
    PlatformId,
    CaseId,
    Seq,
    EventType,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastError,
    CreatedAt,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum DuplicateLinks {
    Table,
    Id,
    CaseId,
    OtherCaseId,
    Reason,
    Status,
    DecidedBy,
    DecidedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PlatformsKey {
    #[sea_orm(iden = "platforms")]
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        for col in [
            string_len_null(Platforms::WebhookUrl, 500),
            string_len(Platforms::Secret, 128).default("").to_owned(),
            text(Platforms::StatusMap).default("{}").to_owned(),
            string_len(Platforms::Subscription, 16)
                .default("OWN_CASES")
                .to_owned(),
        ] {
            let mut col = col;
            manager
                .alter_table(
                    Table::alter()
                        .table(Platforms::Table)
                        .add_column(&mut col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(ExternalRefs::Table)
                    .add_column(string_len_null(ExternalRefs::ExternalStatus, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookReceipts::Table)
                    .if_not_exists()
                    .col(uuid(WebhookReceipts::Id).primary_key())
                    .col(uuid(WebhookReceipts::PlatformId))
                    .col(string_len(WebhookReceipts::Signature, 64))
                    .col(timestamp_with_time_zone(WebhookReceipts::ReceivedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_receipts_platform_id")
                            .from(WebhookReceipts::Table, WebhookReceipts::PlatformId)
                            .to(PlatformsKey::Table, PlatformsKey::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_webhook_receipts_platform_signature")
                    .table(WebhookReceipts::Table)
                    .col(WebhookReceipts::PlatformId)
                    .col(WebhookReceipts::Signature)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_receipts_received_at")
                    .table(WebhookReceipts::Table)
                    .col(WebhookReceipts::ReceivedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OutboxEvents::Table)
                    .if_not_exists()
                    .col(uuid(OutboxEvents::Id).primary_key())
                    .col(uuid(OutboxEvents::EventId))
                    .col(uuid(OutboxEvents::PlatformId))
                    .col(uuid(OutboxEvents::CaseId))
                    .col(integer(OutboxEvents::Seq))
                    .col(string_len(OutboxEvents::EventType, 32))
                    .col(text(OutboxEvents::Payload))
                    .col(string_len(OutboxEvents::Status, 16))
                    .col(integer(OutboxEvents::Attempts))
                    .col(timestamp_with_time_zone(OutboxEvents::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(OutboxEvents::LockedUntil))
                    .col(string_len_null(OutboxEvents::LastError, 500))
                    .col(timestamp_with_time_zone(OutboxEvents::CreatedAt))
                    .col(timestamp_with_time_zone_null(OutboxEvents::DeliveredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_outbox_events_platform_id")
                            .from(OutboxEvents::Table, OutboxEvents::PlatformId)
                            .to(PlatformsKey::Table, PlatformsKey::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_outbox_events_case_id")
                            .from(OutboxEvents::Table, OutboxEvents::CaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_outbox_events_status_next",
                vec![OutboxEvents::Status, OutboxEvents::NextAttemptAt],
            ),
            (
                "idx_outbox_events_platform_case_seq",
                vec![OutboxEvents::PlatformId, OutboxEvents::CaseId, OutboxEvents::Seq],
            ),
        ] {
            let mut idx = Index::create();
            idx.name(name).table(OutboxEvents::Table);
            for c in cols {
                idx.col(c);
            }
            manager.create_index(idx.to_owned()).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("uniq_outbox_events_event_platform")
                    .table(OutboxEvents::Table)
                    .col(OutboxEvents::EventId)
                    .col(OutboxEvents::PlatformId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DuplicateLinks::Table)
                    .if_not_exists()
                    .col(uuid(DuplicateLinks::Id).primary_key())
                    .col(uuid(DuplicateLinks::CaseId))
                    .col(uuid(DuplicateLinks::OtherCaseId))
                    .col(string_len(DuplicateLinks::Reason, 300))
                    .col(string_len(DuplicateLinks::Status, 16))
                    .col(string_len_null(DuplicateLinks::DecidedBy, 128))
                    .col(timestamp_with_time_zone_null(DuplicateLinks::DecidedAt))
                    .col(timestamp_with_time_zone(DuplicateLinks::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_duplicate_links_case_id")
                            .from(DuplicateLinks::Table, DuplicateLinks::CaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_duplicate_links_other_case_id")
                            .from(DuplicateLinks::Table, DuplicateLinks::OtherCaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uniq_duplicate_links_pair")
                    .table(DuplicateLinks::Table)
                    .col(DuplicateLinks::CaseId)
                    .col(DuplicateLinks::OtherCaseId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_duplicate_links_other")
                    .table(DuplicateLinks::Table)
                    .col(DuplicateLinks::OtherCaseId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            DuplicateLinks::Table.into_iden(),
            OutboxEvents::Table.into_iden(),
            WebhookReceipts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(ExternalRefs::Table)
                    .drop_column(ExternalRefs::ExternalStatus)
                    .to_owned(),
            )
            .await?;
        for c in [
            Platforms::Subscription,
            Platforms::StatusMap,
            Platforms::Secret,
            Platforms::WebhookUrl,
        ] {
            manager
                .alter_table(Table::alter().table(Platforms::Table).drop_column(c).to_owned())
                .await?;
        }
        Ok(())
    }
}
