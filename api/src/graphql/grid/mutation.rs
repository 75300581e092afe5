//! Grid mutations.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::types::Grid;
use crate::{
    graphql::{
        actor, db,
        enums::{CoordinateSystem, GridKind, GridLevel},
        geojson::GeoJson,
        parse_id, parse_ids,
    },
    service::grid::{self as svc, NewGrid},
};

/// A new grid.
#[derive(InputObject)]
pub struct CreateGridInput {
    /// Unique code: letters, digits, `_` or `-`, up to 64.
    pub code: String,
    /// Name (1–100 characters).
    pub name: String,
    /// Level; must sit below the parent's level.
    pub level: GridLevel,
    /// Community or police; must match the parent's kind.
    pub kind: GridKind,
    /// Parent grid; omit for a root.
    pub parent_id: Option<ID>,
    /// A key (8–100 characters, e.g. a UUID made once per form submission) that makes the call
    /// safe to retry: a retry with the same key and input answers the record the first call
    /// created; the same key with another input is IDEMPOTENCY_KEY_REUSED. Kept 24 hours.
    pub idempotency_key: Option<String>,
}

/// Result of `createGrid`.
#[derive(SimpleObject)]
pub struct CreateGridPayload {
    /// The new grid.
    pub grid: Grid,
}

/// The community grids a police grid covers.
#[derive(InputObject)]
pub struct SetPoliceGridCoverageInput {
    /// The police grid (警格).
    pub police_grid_id: ID,
    /// Community grids it covers; replaces the previous list.
    pub community_grid_ids: Vec<ID>,
}

/// Result of `setPoliceGridCoverage`.
#[derive(SimpleObject)]
pub struct SetPoliceGridCoveragePayload {
    /// The police grid, with `covers` now current.
    pub grid: Grid,
}

/// A grid's outline.
#[derive(InputObject)]
pub struct SetGridBoundaryInput {
    /// The grid; one of your jurisdiction, else NOT_FOUND.
    pub grid_id: ID,
    /// A Polygon or MultiPolygon (or a Feature holding one); null clears the boundary. Rings
    /// must be closed (last position = first), have at least 4 positions, not cross
    /// themselves or each other, and hold at most 20,000 positions in all. The outline must lie
    /// inside the parent's (if it has one) and around its children's, and may overlap a
    /// sibling's, each by at most 1% of the area (GIS exports rarely share edges exactly);
    /// otherwise BAD_USER_INPUT on `input.boundary` with the measured share and the grid concerned.
    pub boundary: Option<GeoJson>,
    /// The system of the boundary's positions; default WGS84. Stored as WGS-84.
    pub coordinate_system: Option<CoordinateSystem>,
}

/// Result of `setGridBoundary`.
#[derive(SimpleObject)]
pub struct SetGridBoundaryPayload {
    /// The grid with its new boundary.
    pub grid: Grid,
    /// Share (0–0.01) of the new outline that lies outside the parent's; null when the parent has no boundary.
    pub outside_parent_share: Option<f64>,
    /// The sibling grid whose outline overlaps the new one most (null when none has a
    /// boundary nearby), with `siblingOverlapShare`, to tidy the GIS data by.
    pub most_overlapping_sibling: Option<Grid>,
    /// Share (0–0.01) of the smaller of the two outlines covered by both; null with no sibling.
    pub sibling_overlap_share: Option<f64>,
}

/// Grid mutations (admins and commanders).
#[derive(Default)]
pub struct GridMutation;

#[Object]
impl GridMutation {
    /// Renames a grid or moves it, with its whole subtree, under another grid (its outline:
    /// `setGridBoundary`; police coverage: `setPoliceGridCoverage`). Admins and commanders,
    /// within their jurisdiction; versioned like cases, and recorded in the audit log as a
    /// CHANGE with the fields before and after. An update that changes nothing is BAD_USER_INPUT.
    async fn update_grid(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: UpdateGridInput,
    ) -> async_graphql::Result<UpdateGridPayload> {
        let u = crate::service::grid::GridUpdate {
            id: crate::graphql::parse_id("input.id", &input.id)?,
            version: input.version,
            name: input.name,
            parent_id: input
                .parent_id
                .map(|g| crate::graphql::parse_id("input.parentId", &g))
                .transpose()?,
        };
        let m = crate::service::grid::update(
            crate::graphql::db(ctx)?,
            crate::graphql::actor(ctx)?,
            crate::graphql::request(ctx)?,
            u,
        )
        .await?;
        Ok(UpdateGridPayload { grid: Grid(m) })
    }

    /// Creates a grid in the tree.
    async fn create_grid(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: CreateGridInput,
    ) -> async_graphql::Result<CreateGridPayload> {
        let new = NewGrid {
            code: input.code,
            name: input.name,
            level: input.level.into(),
            kind: input.kind.into(),
            parent_id: input
                .parent_id
                .as_ref()
                .map(|i| parse_id("input.parentId", i))
                .transpose()?,
        };
        Ok(CreateGridPayload {
            grid: Grid(svc::create_once(db(ctx)?, actor(ctx)?, new, input.idempotency_key.as_deref()).await?),
        })
    }

    /// Sets which community grids a police grid covers (警格+网格 fusion).
    async fn set_police_grid_coverage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: SetPoliceGridCoverageInput,
    ) -> async_graphql::Result<SetPoliceGridCoveragePayload> {
        let police = parse_id("input.policeGridId", &input.police_grid_id)?;
        let community = parse_ids("input.communityGridIds", &input.community_grid_ids)?;
        let g = svc::set_coverage(db(ctx)?, actor(ctx)?, police, &community).await?;
        Ok(SetPoliceGridCoveragePayload { grid: Grid(g) })
    }

    /// Sets or clears a grid's outline (admins and commanders, within their jurisdiction).
    /// Bulk outlines come from a GIS export through `importMasterData(kind: GRID_BOUNDARIES)`
    /// or `fengqiao import grid-boundaries`.
    async fn set_grid_boundary(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: SetGridBoundaryInput,
    ) -> async_graphql::Result<SetGridBoundaryPayload> {
        let id = parse_id("input.gridId", &input.grid_id)?;
        let (g, check) = svc::update_boundary(
            db(ctx)?,
            actor(ctx)?,
            id,
            input.boundary.map(|b| b.0).as_ref(),
            input.coordinate_system.map(Into::into).unwrap_or_default(),
        )
        .await?;
        let (sibling, share) = check.largest_overlap.unzip();
        Ok(SetGridBoundaryPayload {
            grid: Grid(g),
            outside_parent_share: check.outside_parent,
            most_overlapping_sibling: sibling.map(Grid),
            sibling_overlap_share: share,
        })
    }
}

/// A change to a grid: fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateGridInput {
    /// The grid to change; one of your jurisdiction, else NOT_FOUND.
    pub id: ID,
    /// The `version` you read; if it moved since, CONFLICT (field `input.version`): reload and retry.
    pub version: i32,
    /// Name (1–100 characters).
    pub name: Option<String>,
    /// Moves the grid, with everything below it, under another grid of your jurisdiction (else
    /// NOT_FOUND): of the same kind and a higher level, not below itself, and around its outline
    /// when both have one (BAD_USER_INPUT otherwise). Cases, units and staff scoped to the
    /// subtree follow it.
    pub parent_id: Option<ID>,
}

/// Result of `updateGrid`.
#[derive(SimpleObject)]
pub struct UpdateGridPayload {
    /// The grid after the change, with its new `version` for the next update.
    pub grid: Grid,
}
