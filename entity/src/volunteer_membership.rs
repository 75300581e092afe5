//! Membership of a volunteer in a team.

use crate::enums::MembershipRole;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "volunteer_memberships")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub volunteer_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: Uuid,
    pub role: MembershipRole,
    pub joined_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::volunteer::Entity",
        from = "Column::VolunteerId",
        to = "super::volunteer::Column::Id",
        on_delete = "Cascade"
    )]
    Volunteer,
    #[sea_orm(
        belongs_to = "super::volunteer_team::Entity",
        from = "Column::TeamId",
        to = "super::volunteer_team::Column::Id",
        on_delete = "Cascade"
    )]
    VolunteerTeam,
}

impl Related<super::volunteer::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Volunteer.def()
    }
}

impl Related<super::volunteer_team::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::VolunteerTeam.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
