//! The life of master data: a version on every master-data record (optimistic concurrency,
//! like cases), an `active` flag where records are referenced and so are deactivated rather
//! than deleted, and the before/after of each change in the audit log.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const VERSIONED: [&str; 8] = [
    "enterprises",
    "volunteers",
    "volunteer_teams",
    "grids",
    "units",
    "mediation_rooms",
    "mediators",
    "report_codes",
];

/// Tables that gain `active` (mediators and report codes have it already; volunteers have
/// their status).
const DEACTIVATED: [&str; 4] = ["enterprises", "volunteer_teams", "units", "mediation_rooms"];

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Changes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in VERSIONED {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(t))
                        .add_column(
                            ColumnDef::new(Alias::new("version"))
                                .integer()
                                .not_null()
                                .default(1),
                        )
                        .to_owned(),
                )
                .await?;
        }
        for t in DEACTIVATED {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(t))
                        .add_column(
                            ColumnDef::new(Alias::new("active"))
                                .boolean()
                                .not_null()
                                .default(true),
                        )
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(AuditEvents::Table)
                    .add_column(ColumnDef::new(AuditEvents::Changes).text().null())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AuditEvents::Table)
                    .drop_column(AuditEvents::Changes)
                    .to_owned(),
            )
            .await?;
        for t in DEACTIVATED {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(t))
                        .drop_column(Alias::new("active"))
                        .to_owned(),
                )
                .await?;
        }
        for t in VERSIONED {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(t))
                        .drop_column(Alias::new("version"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
