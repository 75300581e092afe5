//! Idempotency keys of retried mutations: a key binds its actor, the operation, the operation's
//! target and a hash of the input, and keeps the first answer, which a retry gets again.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Whose key: the actor's subject (or the report code for anonymous reports).
    pub subject: String,
    pub key: String,
    pub operation: String,
    /// The object the operation acts on (a case for a workflow step); `None` for creates.
    pub target_id: Option<Uuid>,
    /// Hex SHA-256 of the operation's input.
    pub request_hash: String,
    /// The object the first call created or changed.
    pub result_id: Option<Uuid>,
    /// The first answer (JSON), when the operation keeps one.
    pub response: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
