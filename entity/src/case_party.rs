//! Parties involved in a case (当事人).

use crate::enums::{IdDocumentKind, PartyRole};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_parties")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub role: PartyRole,
    pub name: String,
    pub phone: Option<String>,
    pub resident_id: Option<String>,
    /// A document other than the mainland resident ID (a passport, a travel permit).
    pub id_document_kind: Option<IdDocumentKind>,
    /// Its number, upper case.
    pub id_document_number: Option<String>,
    /// Issuing country, ISO 3166-1 alpha-3 (as printed in a passport's machine-readable zone).
    pub id_document_country: Option<String>,
    pub address: Option<String>,
    pub enterprise_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
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
        belongs_to = "super::enterprise::Entity",
        from = "Column::EnterpriseId",
        to = "super::enterprise::Column::Id",
        on_delete = "Restrict"
    )]
    Enterprise,
}

impl Related<super::case::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Case.def()
    }
}

impl Related<super::enterprise::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Enterprise.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
