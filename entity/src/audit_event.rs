//! Append-only audit log of mutations and reveals of personal data (never the values).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    pub request_id: String,
    pub actor_subject: Option<String>,
    pub actor_role: String,
    pub client_id: Option<String>,
    pub operation: String,
    pub action: String,
    pub object_type: Option<String>,
    pub object_id: Option<Uuid>,
    pub field: Option<String>,
    pub reason: Option<String>,
    pub outcome: String,
    pub error_code: Option<String>,
    /// For a change of master data: the fields changed, before and after (personal values masked), as JSON.
    pub changes: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
