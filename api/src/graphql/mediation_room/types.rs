//! GraphQL types of the mediation room aggregate.

use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};
use entity::{grid, mediation_room, unit};

use super::loader::RoomMediators;
use crate::{
    connection,
    graphql::{
        case::{
            query as case_query,
            types::{CaseConnection, CaseFilterInput, CaseSort},
        },
        enums::MediationLevel,
        grid::types::Grid,
        id, loader,
        mediator::types::Mediator,
        page_args,
        unit::types::Unit,
    },
};

/// A mediation room (调解室), e.g. 老陈调解室, at community, street or district level.
pub struct MediationRoom(pub mediation_room::Model);

/// A mediation room (调解室), e.g. 老陈调解室, at community, street or district level.
#[Object]
impl MediationRoom {
    /// Bumped by every change; send it back as `version` with `updateMediationRoom` (a stale one is CONFLICT).
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// False once deactivated with `updateMediationRoom(input: { active: false })`; kept because cases and history refer to it.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// Opaque id.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Level in three-level mediation.
    async fn level(&self) -> MediationLevel {
        self.0.level.into()
    }
    /// Address (a public office).
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    /// Office phone.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// What the room does.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// When created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Grid it serves.
    async fn grid(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Grid>> {
        Ok(loader::one::<grid::Entity>(ctx, self.0.grid_id).await?.map(Grid))
    }
    /// Host unit.
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Unit>> {
        Ok(loader::one::<unit::Entity>(ctx, self.0.unit_id).await?.map(Unit))
    }
    /// Active mediators of this room, by name.
    async fn mediators(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Mediator>> {
        Ok(loader::many(ctx, RoomMediators(self.0.id))
            .await?
            .into_iter()
            .map(Mediator)
            .collect())
    }
    /// Cases referred to this room, within the caller's scope.
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
        f.room = Some(self.0.id);
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
    MediationRoomConnection,
    MediationRoomEdge,
    MediationRoom,
    mediation_room::Entity,
    "A page of mediation rooms.",
    "A mediation room with its cursor."
);
