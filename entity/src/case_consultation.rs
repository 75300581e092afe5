//! Enterprise case consultations (涉企案件会商): the station, the departments and the
//! enterprise meet on a case and conclude.

use crate::enums::ConsultationConclusion;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_consultations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub held_at: DateTimeUtc,
    /// Names of the people who took part, one per line.
    pub participants: String,
    /// Ids of the units that took part, as a JSON array.
    pub unit_ids: String,
    pub conclusion: ConsultationConclusion,
    pub conclusion_text: Option<String>,
    pub recorded_by: Option<String>,
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
}

impl Related<super::case::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Case.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
