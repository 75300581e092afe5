//! GraphQL types of the unit aggregate.

use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};
use entity::{grid, unit};

use crate::{
    connection,
    graphql::{
        case::{
            query as case_query,
            types::{CaseConnection, CaseFilterInput, CaseSort},
        },
        enums::UnitKind,
        grid::types::Grid,
        id, loader, page_args,
    },
};

/// An organisation a case can be routed to: station, police office, governance centre or department.
pub struct Unit(pub unit::Model);

/// An organisation a case can be routed to: station, police office, governance centre or department.
#[Object]
impl Unit {
    /// Bumped by every change; send it back as `version` with `updateUnit` (a stale one is CONFLICT).
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// False once deactivated with `updateUnit(input: { active: false })`; kept because cases and history refer to it.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// Opaque id.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Unique code.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Name, e.g. 田安乐警务室.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Kind of unit.
    async fn kind(&self) -> UnitKind {
        self.0.kind.into()
    }
    /// Duty phone (an office number, not personal data).
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// Office address (public).
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    /// When created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Parent unit.
    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Unit>> {
        Ok(loader::one::<unit::Entity>(ctx, self.0.parent_id)
            .await?
            .map(Unit))
    }
    /// Jurisdiction grid.
    async fn grid(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Grid>> {
        Ok(loader::one::<grid::Entity>(ctx, self.0.grid_id).await?.map(Grid))
    }
    /// Cases assigned to this unit, within the caller's scope.
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
        f.unit = Some(self.0.id);
        case_query::list(
            ctx,
            f,
            sort.unwrap_or_default(),
            page_args(first, after, last, before),
        )
        .await
    }
}

connection!(
    UnitConnection,
    UnitEdge,
    Unit,
    unit::Entity,
    "A page of units.",
    "A unit with its cursor."
);
