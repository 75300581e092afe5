//! Mediation rooms (调解室) at community, street or district level.

use crate::enums::MediationLevel;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mediation_rooms")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub level: MediationLevel,
    pub grid_id: Option<Uuid>,
    pub unit_id: Option<Uuid>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub description: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by every change; an update must send the version it saw.
    pub version: i32,
    /// False once deactivated (kept, because cases and history refer to it).
    pub active: bool,
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
        belongs_to = "super::unit::Entity",
        from = "Column::UnitId",
        to = "super::unit::Column::Id",
        on_delete = "Restrict"
    )]
    Unit,
    #[sea_orm(has_many = "super::mediator::Entity")]
    Mediator,
    #[sea_orm(has_many = "super::report_code::Entity")]
    ReportCode,
    #[sea_orm(has_many = "super::case::Entity")]
    Case,
    #[sea_orm(has_many = "super::mediation_session::Entity")]
    MediationSession,
}

impl Related<super::grid::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Grid.def()
    }
}

impl Related<super::unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Unit.def()
    }
}

impl Related<super::mediator::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Mediator.def()
    }
}

impl Related<super::report_code::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ReportCode.def()
    }
}

impl Related<super::case::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Case.def()
    }
}

impl Related<super::mediation_session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MediationSession.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
