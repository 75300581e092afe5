//! Evidence files: uploads waiting to be attached (the two-step upload), and what an
//! attachment keeps beside its bytes (a thumbnail, whether metadata was removed, who sent it
//! in which role, for quotas).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Uploads {
    Table,
    Id,
    UploadedBy,
    FileName,
    ContentType,
    SizeBytes,
    Sha256,
    ThumbnailSha256,
    MetadataRemoved,
    Latitude,
    Longitude,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum CaseAttachments {
    Table,
    ThumbnailKey,
    MetadataRemoved,
    UploadedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Uploads::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Uploads::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Uploads::UploadedBy).string_len(160).not_null())
                    .col(ColumnDef::new(Uploads::FileName).string_len(200).not_null())
                    .col(ColumnDef::new(Uploads::ContentType).string_len(100).not_null())
                    .col(ColumnDef::new(Uploads::SizeBytes).big_integer().not_null())
                    .col(ColumnDef::new(Uploads::Sha256).string_len(64).not_null())
                    .col(ColumnDef::new(Uploads::ThumbnailSha256).string_len(64).null())
                    .col(
                        ColumnDef::new(Uploads::MetadataRemoved)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(Uploads::Latitude).double().null())
                    .col(ColumnDef::new(Uploads::Longitude).double().null())
                    .col(
                        ColumnDef::new(Uploads::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Uploads::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_uploads_uploaded_by_created_at")
                    .table(Uploads::Table)
                    .col(Uploads::UploadedBy)
                    .col(Uploads::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_uploads_expires_at")
                    .table(Uploads::Table)
                    .col(Uploads::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_uploads_sha256")
                    .table(Uploads::Table)
                    .col(Uploads::Sha256)
                    .to_owned(),
            )
            .await?;
        for col in [
            ColumnDef::new(CaseAttachments::ThumbnailKey)
                .string_len(200)
                .null()
                .to_owned(),
            ColumnDef::new(CaseAttachments::MetadataRemoved)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(CaseAttachments::Table)
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        // Per-actor quotas count what one uploader sent in the last day.
        manager
            .create_index(
                Index::create()
                    .name("idx_case_attachments_uploaded_by_created_at")
                    .table(CaseAttachments::Table)
                    .col(CaseAttachments::UploadedBy)
                    .col(CaseAttachments::CreatedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_case_attachments_uploaded_by_created_at")
                    .table(CaseAttachments::Table)
                    .to_owned(),
            )
            .await?;
        for col in [CaseAttachments::ThumbnailKey, CaseAttachments::MetadataRemoved] {
            manager
                .alter_table(
                    Table::alter()
                        .table(CaseAttachments::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Uploads::Table).if_exists().to_owned())
            .await
    }
}
