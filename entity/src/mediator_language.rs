//! Languages (BCP 47 tags) spoken by a mediator.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mediator_languages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub mediator_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub language: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::mediator::Entity",
        from = "Column::MediatorId",
        to = "super::mediator::Column::Id",
        on_delete = "Cascade"
    )]
    Mediator,
}

impl Related<super::mediator::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Mediator.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
