//! Governance grids (网格), both community and police grids, arranged in a tree.

use crate::enums::{GridKind, GridLevel};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "grids")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub level: GridLevel,
    pub kind: GridKind,
    pub parent_id: Option<Uuid>,
    pub path: String,
    pub depth: i32,
    /// GeoJSON Polygon or MultiPolygon geometry in WGS-84, as text.
    pub boundary: Option<String>,
    /// Bounding box of the boundary (west).
    pub min_lng: Option<f64>,
    /// Bounding box of the boundary (south).
    pub min_lat: Option<f64>,
    /// Bounding box of the boundary (east).
    pub max_lng: Option<f64>,
    /// Bounding box of the boundary (north).
    pub max_lat: Option<f64>,
    /// Geodesic area of the boundary in square metres.
    pub area_m2: Option<f64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by every change; an update must send the version it saw.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::ParentId",
        to = "Column::Id",
        on_delete = "Restrict"
    )]
    Parent,
    #[sea_orm(has_many = "super::unit::Entity")]
    Unit,
    #[sea_orm(has_many = "super::person::Entity")]
    Person,
    #[sea_orm(has_many = "super::enterprise::Entity")]
    Enterprise,
    #[sea_orm(has_many = "super::volunteer_team::Entity")]
    VolunteerTeam,
    #[sea_orm(has_many = "super::mediation_room::Entity")]
    MediationRoom,
    #[sea_orm(has_many = "super::report_code::Entity")]
    ReportCode,
    #[sea_orm(has_many = "super::case::Entity")]
    Case,
}

impl Related<super::unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Unit.def()
    }
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl Related<super::enterprise::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Enterprise.def()
    }
}

impl Related<super::volunteer_team::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::VolunteerTeam.def()
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

impl Related<super::case::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Case.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
