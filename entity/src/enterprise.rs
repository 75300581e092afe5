//! Enterprises (企业) served by the enterprise-liaison mechanism.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enterprises")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub credit_code: String,
    pub name: String,
    pub industry: Option<String>,
    pub above_designated_size: bool,
    pub hazardous_chemicals: bool,
    pub address: Option<String>,
    pub grid_id: Option<Uuid>,
    pub liaison_officer_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by every change; an update must send the version it saw.
    pub version: i32,
    /// False once deactivated (kept, because cases and history refer to it).
    pub active: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::grid::Entity",
        from = "Column::GridId",
        to = "super::grid::Column::Id",
        on_delete = "Restrict"
    )]
    Grid,
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::LiaisonOfficerId",
        to = "super::person::Column::Id"
    )]
    LiaisonOfficer,
    #[sea_orm(has_many = "super::enterprise_contact::Entity")]
    EnterpriseContact,
    #[sea_orm(has_many = "super::report_code::Entity")]
    ReportCode,
    #[sea_orm(has_many = "super::case::Entity")]
    Case,
    #[sea_orm(has_many = "super::case_party::Entity")]
    CaseParty,
}

impl Related<super::grid::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Grid.def()
    }
}

impl Related<super::enterprise_contact::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::EnterpriseContact.def()
    }
}

impl Related<super::report_code::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ReportCode.def()
    }
}

impl Related<super::case::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Case.def()
    }
}

impl Related<super::case_party::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CaseParty.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
