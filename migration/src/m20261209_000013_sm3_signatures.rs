//! A platform may sign its webhooks (both ways) with HMAC-SM3 instead of HMAC-SHA256.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Platforms {
    Table,
    SignatureAlgorithm,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Platforms::Table)
                    .add_column(
                        ColumnDef::new(Platforms::SignatureAlgorithm)
                            .string_len(16)
                            .not_null()
                            .default("HMAC_SHA256"),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Platforms::Table)
                    .drop_column(Platforms::SignatureAlgorithm)
                    .to_owned(),
            )
            .await
    }
}
