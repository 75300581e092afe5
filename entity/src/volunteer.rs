//! Registered volunteers (志愿者).

use crate::enums::VolunteerStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "volunteers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub subject: Option<String>,
    pub name: String,
    pub phone: String,
    pub resident_id: Option<String>,
    pub status: VolunteerStatus,
    pub service_minutes: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by every change; an update must send the version it saw.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::volunteer_membership::Entity")]
    VolunteerMembership,
    #[sea_orm(has_many = "super::volunteer_skill::Entity")]
    VolunteerSkill,
    #[sea_orm(has_many = "super::volunteer_language::Entity")]
    VolunteerLanguage,
    #[sea_orm(has_many = "super::volunteer_honour::Entity")]
    VolunteerHonour,
    #[sea_orm(has_many = "super::case_volunteer_task::Entity")]
    CaseVolunteerTask,
}

impl Related<super::volunteer_membership::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::VolunteerMembership.def()
    }
}

impl Related<super::volunteer_skill::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::VolunteerSkill.def()
    }
}

impl Related<super::volunteer_language::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::VolunteerLanguage.def()
    }
}

impl Related<super::volunteer_honour::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::VolunteerHonour.def()
    }
}

impl Related<super::case_volunteer_task::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CaseVolunteerTask.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
