//! Posted QR report codes (报事码) that pre-fill where a case comes from.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "report_codes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub code: String,
    pub label: String,
    pub place: Option<String>,
    pub grid_id: Option<Uuid>,
    pub room_id: Option<Uuid>,
    pub enterprise_id: Option<Uuid>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    /// Bumped by every change; an update must send the version it saw.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::grid::Entity",
        from = "Column::GridId",
        to = "super::grid::Column::Id",
        on_delete = "Restrict"
    )]
    Grid,
    #[sea_orm(
        belongs_to = "super::mediation_room::Entity",
        from = "Column::RoomId",
        to = "super::mediation_room::Column::Id",
        on_delete = "Restrict"
    )]
    MediationRoom,
    #[sea_orm(
        belongs_to = "super::enterprise::Entity",
        from = "Column::EnterpriseId",
        to = "super::enterprise::Column::Id",
        on_delete = "Restrict"
    )]
    Enterprise,
    #[sea_orm(has_many = "super::case::Entity")]
    Case,
}

impl Related<super::grid::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Grid.def()
    }
}

impl Related<super::mediation_room::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MediationRoom.def()
    }
}

impl Related<super::enterprise::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Enterprise.def()
    }
}

impl Related<super::case::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Case.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
