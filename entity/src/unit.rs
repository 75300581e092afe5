//! Organisational units (单位) that receive and handle cases.

use crate::enums::UnitKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "units")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub parent_id: Option<Uuid>,
    pub grid_id: Option<Uuid>,
    pub phone: Option<String>,
    pub address: Option<String>,
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
        belongs_to = "Entity",
        from = "Column::ParentId",
        to = "Column::Id",
        on_delete = "Restrict"
    )]
    Parent,
    #[sea_orm(
        belongs_to = "super::grid::Entity",
        from = "Column::GridId",
        to = "super::grid::Column::Id",
        on_delete = "Restrict"
    )]
    Grid,
    #[sea_orm(has_many = "super::person::Entity")]
    Person,
    #[sea_orm(has_many = "super::volunteer_team::Entity")]
    VolunteerTeam,
    #[sea_orm(has_many = "super::mediation_room::Entity")]
    MediationRoom,
    #[sea_orm(has_many = "super::case_timeline_entry::Entity")]
    CaseTimelineEntry,
    #[sea_orm(has_many = "super::case_assignment::Entity")]
    CaseAssignment,
}

impl Related<super::grid::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Grid.def()
    }
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl Related<super::volunteer_team::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::VolunteerTeam.def()
    }
}

impl Related<super::mediation_room::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MediationRoom.def()
    }
}

impl Related<super::case_timeline_entry::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CaseTimelineEntry.def()
    }
}

impl Related<super::case_assignment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CaseAssignment.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
