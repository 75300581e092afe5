//! Tasks given to volunteer teams or volunteers on a case.

use crate::enums::{VolunteerTaskKind, VolunteerTaskStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "case_volunteer_tasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub team_id: Option<Uuid>,
    pub volunteer_id: Option<Uuid>,
    pub kind: VolunteerTaskKind,
    pub status: VolunteerTaskStatus,
    pub checked_in_at: Option<DateTimeUtc>,
    pub checked_out_at: Option<DateTimeUtc>,
    pub check_in_latitude: Option<f64>,
    pub check_in_longitude: Option<f64>,
    pub minutes: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::case::Entity",
        from = "Column::CaseId",
        to = "super::case::Column::Id",
        on_delete = "Cascade"
    )]
    Case,
    #[sea_orm(
        belongs_to = "super::volunteer_team::Entity",
        from = "Column::TeamId",
        to = "super::volunteer_team::Column::Id",
        on_delete = "Restrict"
    )]
    VolunteerTeam,
    #[sea_orm(
        belongs_to = "super::volunteer::Entity",
        from = "Column::VolunteerId",
        to = "super::volunteer::Column::Id",
        on_delete = "Restrict"
    )]
    Volunteer,
}

impl Related<super::case::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Case.def()
    }
}

impl Related<super::volunteer_team::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::VolunteerTeam.def()
    }
}

impl Related<super::volunteer::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Volunteer.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
