//! A signed head of the audit log's hash chain.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_checkpoints")]
pub struct Model {
    /// The last link it covers.
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    /// The chain's hash at `seq`.
    pub hash: String,
    pub at: DateTimeUtc,
    /// Hex HMAC-SHA256 of `seq`, `hash` and `at` under a key derived from the service's secret,
    /// which the database does not hold.
    pub mac: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
