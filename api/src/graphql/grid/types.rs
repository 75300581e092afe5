//! GraphQL types of the grid aggregate.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use entity::grid;

use super::loader::{GridChildren, GridCovers};
use crate::{
    connection,
    graphql::{
        case::{
            query as case_query,
            types::{CaseConnection, CaseFilterInput, CaseSort},
        },
        enterprise::{
            query as ent_query,
            types::{EnterpriseConnection, EnterpriseFilterInput, EnterpriseSort},
        },
        enums::{GridKind, GridLevel, Placement},
        geojson::GeoJson,
        id, loader, page_args,
    },
};

/// A governance cell (网格) or police grid (警格) in the district → area → group → cluster → ten-household tree.
pub struct Grid(pub grid::Model);

/// A governance cell (网格) or police grid (警格) in the district → area → group → cluster → ten-household tree.
#[Object]
impl Grid {
    /// Bumped by every change; send it back as `version` with `updateGrid` (a stale one is CONFLICT).
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Opaque id.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Unique code.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Name, e.g. 武林街道.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Level in the tree.
    async fn level(&self) -> GridLevel {
        self.0.level.into()
    }
    /// Community grid or police grid.
    async fn kind(&self) -> GridKind {
        self.0.kind.into()
    }
    /// Depth in the tree; roots are 0.
    async fn depth(&self) -> i32 {
        self.0.depth
    }
    /// When created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The grid's outline as a WGS-84 GeoJSON Polygon or MultiPolygon (longitude first), or
    /// null when none was set. Reports with a position and no grid are placed by these
    /// outlines (community grids only; police grids are found through `covers`). To draw it
    /// on a GCJ-02 map (Tencent, AMap) convert it first, or it sits several hundred metres off.
    async fn boundary(&self) -> Option<GeoJson> {
        self.0
            .boundary
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .map(GeoJson)
    }
    /// The area inside `boundary` in square metres (geodesic, on the WGS-84 ellipsoid); null
    /// without a boundary. Among nested grids holding a position, the smallest wins.
    async fn boundary_area_square_metres(&self) -> Option<f64> {
        self.0.area_m2
    }
    /// The parent grid; null for a root.
    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Grid>> {
        Ok(loader::one::<grid::Entity>(ctx, self.0.parent_id)
            .await?
            .map(Grid))
    }
    /// Direct children, by code.
    async fn children(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Grid>> {
        Ok(loader::many(ctx, GridChildren(self.0.id))
            .await?
            .into_iter()
            .map(Grid)
            .collect())
    }
    /// For a police grid: the community grids it covers (警格+网格). Empty for community grids.
    async fn covers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Grid>> {
        Ok(loader::many(ctx, GridCovers(self.0.id))
            .await?
            .into_iter()
            .map(Grid)
            .collect())
    }
    /// Cases in this grid and its descendants, within the caller's scope.
    #[allow(clippy::too_many_arguments)]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forwards.")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size going backwards.")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
        #[graphql(desc = "Further filters.")] filter: Option<CaseFilterInput>,
        #[graphql(desc = "Order; null or absent means the default.")] sort: Option<CaseSort>,
    ) -> async_graphql::Result<CaseConnection> {
        let mut f = filter.unwrap_or_default().into_service()?;
        f.grid = Some(self.0.id);
        case_query::list(
            ctx,
            f,
            sort.unwrap_or_default(),
            page_args(first, after, last, before),
        )
        .await
    }
    /// Enterprises in this grid and its descendants, within the caller's scope.
    #[allow(clippy::too_many_arguments)]
    async fn enterprises(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forwards.")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size going backwards.")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
        #[graphql(desc = "Further filters.")] filter: Option<EnterpriseFilterInput>,
        #[graphql(desc = "Order; null or absent means the default.")] sort: Option<EnterpriseSort>,
    ) -> async_graphql::Result<EnterpriseConnection> {
        let mut f = filter.unwrap_or_default().into_service()?;
        f.within_grid = Some(self.0.id);
        ent_query::list(
            ctx,
            f,
            sort.unwrap_or_default(),
            page_args(first, after, last, before),
        )
        .await
    }
}

connection!(
    GridConnection,
    GridEdge,
    Grid,
    grid::Entity,
    "A page of grids.",
    "A grid with its cursor."
);

/// Filters for grid lists.
#[derive(InputObject, Default)]
pub struct GridFilterInput {
    /// Direct children of this grid.
    pub parent_id: Option<ID>,
    /// Only top-level grids.
    pub roots_only: Option<bool>,
    /// This grid and everything below it.
    pub within_grid_id: Option<ID>,
    /// Level.
    pub level: Option<GridLevel>,
    /// Community or police.
    pub kind: Option<GridKind>,
    /// Text in name or code.
    pub text: Option<String>,
}

/// Orders for grid lists.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum GridSort {
    /// By code (the default).
    #[default]
    CodeAsc,
    /// By name.
    NameAsc,
    /// Newest first.
    CreatedAtDesc,
}

/// Where a position lies.
#[derive(SimpleObject)]
pub struct GridPlacement {
    /// The grid a report at this position would be filed in; null when the position is
    /// outside every boundary and the district has no single root grid.
    pub grid: Option<Grid>,
    /// BOUNDARY (inside `grid`'s outline) or TRIAGE (outside every outline: the district's
    /// triage queue); null with no grid.
    pub placement: Option<Placement>,
    /// The position converted to WGS-84, as a case would store it.
    pub latitude: f64,
    /// The position converted to WGS-84, as a case would store it.
    pub longitude: f64,
}
