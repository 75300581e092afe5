//! Places: grid boundaries with a spatial index, and how each case got its grid.
//!
//! A grid's boundary is a GeoJSON Polygon or MultiPolygon in WGS-84, stored as text beside
//! its bounding box and geodesic area. The box is indexed natively on each backend, so a
//! position is matched against a handful of candidate grids before the exact test:
//! SQLite's R*Tree module (`grid_boxes`, kept by the grid service in the same transaction)
//! and a PostgreSQL GiST index over `box(point, point)`. Neither needs PostGIS.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Grids {
    Table,
    Boundary,
    MinLng,
    MinLat,
    MaxLng,
    MaxLat,
    AreaM2,
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Placement,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Grids::Table)
                    .add_column(ColumnDef::new(Grids::Boundary).text().null())
                    .to_owned(),
            )
            .await?;
        for col in [
            Grids::MinLng,
            Grids::MinLat,
            Grids::MaxLng,
            Grids::MaxLat,
            Grids::AreaM2,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Grids::Table)
                        .add_column(ColumnDef::new(col).double().null())
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Cases::Table)
                    .add_column(ColumnDef::new(Cases::Placement).string_len(16).null())
                    .to_owned(),
            )
            .await?;
        let sql = match manager.get_database_backend() {
            DbBackend::Postgres => {
                "CREATE INDEX grids_boundary_box ON grids USING gist \
                 (box(point(min_lng, min_lat), point(max_lng, max_lat))) \
                 WHERE boundary IS NOT NULL AND kind = 'COMMUNITY'"
            }
            _ => {
                "CREATE VIRTUAL TABLE grid_boxes USING rtree(rid, min_lng, max_lng, min_lat, max_lat, +grid_id)"
            }
        };
        manager.get_connection().execute_unprepared(sql).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sql = match manager.get_database_backend() {
            DbBackend::Postgres => "DROP INDEX grids_boundary_box",
            _ => "DROP TABLE grid_boxes",
        };
        manager.get_connection().execute_unprepared(sql).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Cases::Table)
                    .drop_column(Cases::Placement)
                    .to_owned(),
            )
            .await?;
        for col in [
            Grids::Boundary,
            Grids::MinLng,
            Grids::MinLat,
            Grids::MaxLng,
            Grids::MaxLat,
            Grids::AreaM2,
        ] {
            manager
                .alter_table(Table::alter().table(Grids::Table).drop_column(col).to_owned())
                .await?;
        }
        Ok(())
    }
}
