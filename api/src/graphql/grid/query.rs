//! Grid queries.

use async_graphql::{Context, Object, ID};

use super::types::{Grid, GridConnection, GridFilterInput, GridPlacement, GridSort};
use crate::{
    graphql::{actor, db, enums::CoordinateSystem, limits, lookup_id, page_args, parse_id},
    service::{
        self,
        grid::{GridFilter, GridSort as S},
    },
};

/// Grid root fields.
#[derive(Default)]
pub struct GridQuery;

#[Object]
impl GridQuery {
    /// Grids, filtered and sorted, as a keyset-paginated connection.
    #[allow(clippy::too_many_arguments)]
    async fn grids(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forwards.")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size going backwards.")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
        #[graphql(desc = "Filters.")] filter: Option<GridFilterInput>,
        #[graphql(desc = "Order; null or absent means the default.")] sort: Option<GridSort>,
    ) -> async_graphql::Result<GridConnection> {
        let f = filter.unwrap_or_default();
        let opt = |n: &str, v: &Option<ID>| v.as_ref().map(|i| parse_id(n, i)).transpose();
        let filter = GridFilter {
            parent: opt("filter.parentId", &f.parent_id)?,
            roots_only: f.roots_only.unwrap_or(false),
            within: opt("filter.withinGridId", &f.within_grid_id)?,
            level: f.level.map(Into::into),
            kind: f.kind.map(Into::into),
            text: f.text,
        };
        let sort = match sort.unwrap_or_default() {
            GridSort::CodeAsc => S::CodeAsc,
            GridSort::NameAsc => S::NameAsc,
            GridSort::CreatedAtDesc => S::CreatedAtDesc,
        };
        let l = service::grid::list(
            db(ctx)?,
            actor(ctx)?,
            &filter,
            sort,
            &page_args(first, after, last, before),
            limits(ctx)?,
        )
        .await?;
        Ok(GridConnection::from_listing(l, Grid))
    }

    /// The grid a report at this position would be filed in: the smallest community grid whose
    /// boundary contains it, else the district's triage queue. For a mini-program's "您所在网格"
    /// line before the report is sent, and to check boundaries after an import.
    async fn grid_at(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Latitude, −90 to 90.")] latitude: f64,
        #[graphql(desc = "Longitude, −180 to 180.")] longitude: f64,
        #[graphql(desc = "The system of the position; default WGS84 (see `CoordinateSystem`).")]
        coordinate_system: Option<CoordinateSystem>,
    ) -> async_graphql::Result<GridPlacement> {
        let l = service::grid::locate(
            db(ctx)?,
            actor(ctx)?,
            latitude,
            longitude,
            coordinate_system.map(Into::into).unwrap_or_default(),
        )
        .await?;
        Ok(GridPlacement {
            grid: l.grid.map(Grid),
            placement: l.placement.map(Into::into),
            latitude: l.latitude,
            longitude: l.longitude,
        })
    }

    /// One grid by id.
    async fn grid(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Grid id.")] id: ID,
    ) -> async_graphql::Result<Grid> {
        Ok(Grid(
            service::get::<entity::grid::Entity, _>(db(ctx)?, actor(ctx)?, lookup_id(&id)?).await?,
        ))
    }
}
