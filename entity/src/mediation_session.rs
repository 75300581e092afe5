//! Mediation sessions (调解) held for a case.

use crate::enums::{MediationLevel, SessionOutcome};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mediation_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub room_id: Uuid,
    pub level: MediationLevel,
    pub scheduled_at: DateTimeUtc,
    pub held_at: Option<DateTimeUtc>,
    pub outcome: SessionOutcome,
    pub agreement_text: Option<String>,
    pub judicial_confirmed: bool,
    pub notes: Option<String>,
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
        belongs_to = "super::mediation_room::Entity",
        from = "Column::RoomId",
        to = "super::mediation_room::Column::Id",
        on_delete = "Restrict"
    )]
    MediationRoom,
    #[sea_orm(has_many = "super::session_mediator::Entity")]
    SessionMediator,
}

impl Related<super::case::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Case.def()
    }
}

impl Related<super::mediation_room::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MediationRoom.def()
    }
}

impl Related<super::session_mediator::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SessionMediator.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
