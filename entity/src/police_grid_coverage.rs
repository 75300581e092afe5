//! Which community grids each police grid covers (警格与网格对应关系).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "police_grid_coverages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub police_grid_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub community_grid_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::grid::Entity",
        from = "Column::PoliceGridId",
        to = "super::grid::Column::Id",
        on_delete = "Cascade"
    )]
    PoliceGrid,
    #[sea_orm(
        belongs_to = "super::grid::Entity",
        from = "Column::CommunityGridId",
        to = "super::grid::Column::Id",
        on_delete = "Cascade"
    )]
    CommunityGrid,
}

impl ActiveModelBehavior for ActiveModel {}
