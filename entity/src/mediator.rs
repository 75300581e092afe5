//! Mediators (调解员) attached to a mediation room.

use crate::enums::MediatorKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mediators")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub subject: Option<String>,
    pub room_id: Uuid,
    pub name: String,
    pub kind: MediatorKind,
    pub phone: Option<String>,
    pub nationality: Option<String>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by every change; an update must send the version it saw.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::mediation_room::Entity",
        from = "Column::RoomId",
        to = "super::mediation_room::Column::Id",
        on_delete = "Restrict"
    )]
    MediationRoom,
    #[sea_orm(has_many = "super::mediator_language::Entity")]
    MediatorLanguage,
    #[sea_orm(has_many = "super::session_mediator::Entity")]
    SessionMediator,
}

impl Related<super::mediation_room::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MediationRoom.def()
    }
}

impl Related<super::mediator_language::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MediatorLanguage.def()
    }
}

impl Related<super::session_mediator::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SessionMediator.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
