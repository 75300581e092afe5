//! Volunteer teams (志愿者队伍).

use crate::enums::VolunteerTeamKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "volunteer_teams")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub brand: Option<String>,
    pub kind: VolunteerTeamKind,
    pub alliance: Option<String>,
    pub grid_id: Option<Uuid>,
    pub unit_id: Option<Uuid>,
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
    #[sea_orm(has_many = "super::volunteer_membership::Entity")]
    VolunteerMembership,
    #[sea_orm(has_many = "super::case_volunteer_task::Entity")]
    CaseVolunteerTask,
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

impl Related<super::volunteer_membership::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::VolunteerMembership.def()
    }
}

impl Related<super::case_volunteer_task::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CaseVolunteerTask.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
