//! Grid mutations.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::types::Grid;
use crate::{
    graphql::{
        actor, db,
        enums::{GridKind, GridLevel},
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

/// Grid mutations (admins and commanders).
#[derive(Default)]
pub struct GridMutation;

#[Object]
impl GridMutation {
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
}
