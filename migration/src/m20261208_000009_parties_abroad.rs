//! Parties from abroad and the rest of the mediation rules: identity documents other than
//! the resident ID, the enterprise case consultation (涉企案件会商) as its own record, and
//! whether a follow-up found the same place and kind reported again.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CaseParties {
    Table,
    IdDocumentKind,
    IdDocumentNumber,
    IdDocumentCountry,
}

#[derive(DeriveIden)]
enum FollowUps {
    Table,
    RepeatCaseId,
}

#[derive(DeriveIden)]
enum CaseConsultations {
    Table,
    Id,
    CaseId,
    HeldAt,
    Participants,
    UnitIds,
    Conclusion,
    ConclusionText,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            ColumnDef::new(CaseParties::IdDocumentKind)
                .string_len(32)
                .null()
                .to_owned(),
            ColumnDef::new(CaseParties::IdDocumentNumber)
                .string_len(32)
                .null()
                .to_owned(),
            ColumnDef::new(CaseParties::IdDocumentCountry)
                .string_len(3)
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(CaseParties::Table)
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(FollowUps::Table)
                    .add_column(ColumnDef::new(FollowUps::RepeatCaseId).uuid().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CaseConsultations::Table)
                    .col(
                        ColumnDef::new(CaseConsultations::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(CaseConsultations::CaseId).uuid().not_null())
                    .col(
                        ColumnDef::new(CaseConsultations::HeldAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(CaseConsultations::Participants).text().not_null())
                    .col(ColumnDef::new(CaseConsultations::UnitIds).text().not_null())
                    .col(
                        ColumnDef::new(CaseConsultations::Conclusion)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(CaseConsultations::ConclusionText).text().null())
                    .col(
                        ColumnDef::new(CaseConsultations::RecordedBy)
                            .string_len(200)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(CaseConsultations::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CaseConsultations::Table, CaseConsultations::CaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("case_consultations_case")
                    .table(CaseConsultations::Table)
                    .col(CaseConsultations::CaseId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CaseConsultations::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(FollowUps::Table)
                    .drop_column(FollowUps::RepeatCaseId)
                    .to_owned(),
            )
            .await?;
        for col in [
            CaseParties::IdDocumentKind,
            CaseParties::IdDocumentNumber,
            CaseParties::IdDocumentCountry,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(CaseParties::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
