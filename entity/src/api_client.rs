//! Registered client applications (mini-programs, portals, front ends).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_clients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: String,
    pub name: String,
    /// Comma-separated kebab-case role names; empty means any role.
    pub allowed_roles: String,
    pub rate_limit_per_minute: i32,
    pub allow_list_only: bool,
    pub enabled: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::persisted_operation::Entity")]
    PersistedOperation,
}

impl Related<super::persisted_operation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PersistedOperation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
