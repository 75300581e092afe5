//! Cases (事件): incidents, disputes, hazards and requests for help.

use crate::enums::{
    CaseCategory, CaseKind, CaseSource, CaseStatus, Placement, ReporterRole, RiskColour, Severity,
};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tracking_number: String,
    pub kind: CaseKind,
    pub category: Option<CaseCategory>,
    pub title: String,
    pub description: String,
    pub status: CaseStatus,
    pub risk_colour: Option<RiskColour>,
    pub severity: Option<Severity>,
    pub source: CaseSource,
    pub reporter_role: ReporterRole,
    pub reporter_subject: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub grid_id: Option<Uuid>,
    pub placement: Option<Placement>,
    pub enterprise_id: Option<Uuid>,
    pub room_id: Option<Uuid>,
    pub report_code_id: Option<Uuid>,
    pub tracking_token_hash: Option<String>,
    pub occurred_at: Option<DateTimeUtc>,
    pub first_response_due: Option<DateTimeUtc>,
    pub resolution_due: Option<DateTimeUtc>,
    pub first_response_at: Option<DateTimeUtc>,
    pub resolved_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
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
        belongs_to = "super::enterprise::Entity",
        from = "Column::EnterpriseId",
        to = "super::enterprise::Column::Id",
        on_delete = "Restrict"
    )]
    Enterprise,
    #[sea_orm(
        belongs_to = "super::mediation_room::Entity",
        from = "Column::RoomId",
        to = "super::mediation_room::Column::Id",
        on_delete = "Restrict"
    )]
    MediationRoom,
    #[sea_orm(
        belongs_to = "super::report_code::Entity",
        from = "Column::ReportCodeId",
        to = "super::report_code::Column::Id",
        on_delete = "Restrict"
    )]
    ReportCode,
    #[sea_orm(has_many = "super::case_party::Entity")]
    CaseParty,
    #[sea_orm(has_many = "super::case_timeline_entry::Entity")]
    CaseTimelineEntry,
    #[sea_orm(has_many = "super::case_assignment::Entity")]
    CaseAssignment,
    #[sea_orm(has_many = "super::case_attachment::Entity")]
    CaseAttachment,
    #[sea_orm(has_many = "super::case_volunteer_task::Entity")]
    CaseVolunteerTask,
    #[sea_orm(has_many = "super::mediation_session::Entity")]
    MediationSession,
    #[sea_orm(has_many = "super::follow_up::Entity")]
    FollowUp,
}

impl Related<super::grid::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Grid.def()
    }
}

impl Related<super::enterprise::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Enterprise.def()
    }
}

impl Related<super::mediation_room::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MediationRoom.def()
    }
}

impl Related<super::report_code::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ReportCode.def()
    }
}

impl Related<super::case_party::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CaseParty.def()
    }
}

impl Related<super::case_timeline_entry::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CaseTimelineEntry.def()
    }
}

impl Related<super::case_assignment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CaseAssignment.def()
    }
}

impl Related<super::case_attachment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CaseAttachment.def()
    }
}

impl Related<super::case_volunteer_task::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CaseVolunteerTask.def()
    }
}

impl Related<super::mediation_session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MediationSession.def()
    }
}

impl Related<super::follow_up::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::FollowUp.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
