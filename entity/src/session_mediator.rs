//! Mediators taking part in a mediation session.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "session_mediators")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub session_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub mediator_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::mediation_session::Entity",
        from = "Column::SessionId",
        to = "super::mediation_session::Column::Id",
        on_delete = "Cascade"
    )]
    MediationSession,
    #[sea_orm(
        belongs_to = "super::mediator::Entity",
        from = "Column::MediatorId",
        to = "super::mediator::Column::Id",
        on_delete = "Cascade"
    )]
    Mediator,
}

impl Related<super::mediation_session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MediationSession.def()
    }
}

impl Related<super::mediator::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Mediator.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
