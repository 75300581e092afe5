//! External platforms exchanging data with the service.

use crate::enums::{PlatformKind, PlatformSubscription, SignatureAlgorithm};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "platforms")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub kind: PlatformKind,
    pub enabled: bool,
    pub webhook_url: Option<String>,
    pub secret: String,
    pub status_map: String,
    pub subscription: PlatformSubscription,
    /// What the platform may write (JSON; see the service's platform authority).
    pub authority: String,
    /// How its webhooks are signed, both ways.
    pub signature_algorithm: SignatureAlgorithm,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::external_ref::Entity")]
    ExternalRef,
}

impl Related<super::external_ref::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ExternalRef.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
