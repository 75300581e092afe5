//! One link of the audit log's hash chain: the record it seals and the chain's hash after it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_seals")]
pub struct Model {
    /// Position in the chain, from 1, without gaps.
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    /// The audit record sealed.
    #[sea_orm(unique)]
    pub event_id: Uuid,
    /// Hex SHA-256 of the previous link's hash and the record's canonical form.
    pub hash: String,
    pub sealed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
