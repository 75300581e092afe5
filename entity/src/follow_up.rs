//! Return visits (回访) to the reporter after a case is handled.

use crate::enums::FollowUpMethod;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "follow_ups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub method: FollowUpMethod,
    pub visited_at: DateTimeUtc,
    pub visitor_subject: Option<String>,
    pub response_speed_rating: i16,
    pub attitude_rating: i16,
    pub handling_rating: i16,
    pub satisfied: bool,
    pub comment: Option<String>,
    /// A later report of the same kind at the same place, found when the follow-up was recorded.
    pub repeat_case_id: Option<Uuid>,
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
