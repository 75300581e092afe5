//! GraphQL types of the volunteer team aggregate.

use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};
use entity::{grid, unit, volunteer_team};

use crate::{
    connection,
    graphql::{
        enums::VolunteerTeamKind,
        grid::types::Grid,
        id, loader, page_args,
        unit::types::Unit,
        volunteer::{
            query as vol_query,
            types::{VolunteerConnection, VolunteerFilterInput, VolunteerSort},
        },
    },
};

/// A volunteer team (义警队伍) such as 武林大妈 or 雄鹰救援队.
pub struct VolunteerTeam(pub volunteer_team::Model);

/// A volunteer team (义警队伍) such as 武林大妈 or 雄鹰救援队.
#[Object]
impl VolunteerTeam {
    /// Bumped by every change; send it back as `version` with `updateVolunteerTeam` (a stale one is CONFLICT).
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// False once deactivated with `updateVolunteerTeam(input: { active: false })`; kept because cases and history refer to it.
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
    /// Brand (品牌).
    async fn brand(&self) -> Option<&str> {
        self.0.brand.as_deref()
    }
    /// What the team mainly does.
    async fn kind(&self) -> VolunteerTeamKind {
        self.0.kind.into()
    }
    /// Alliance (义警联盟) it belongs to.
    async fn alliance(&self) -> Option<&str> {
        self.0.alliance.as_deref()
    }
    /// When created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Home grid.
    async fn grid(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Grid>> {
        Ok(loader::one::<grid::Entity>(ctx, self.0.grid_id).await?.map(Grid))
    }
    /// Guiding unit.
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Unit>> {
        Ok(loader::one::<unit::Entity>(ctx, self.0.unit_id).await?.map(Unit))
    }
    /// Members of this team within the caller's scope (volunteers' data is personal).
    #[allow(clippy::too_many_arguments)]
    async fn volunteers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forwards.")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size going backwards.")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
        #[graphql(desc = "Further filters.")] filter: Option<VolunteerFilterInput>,
        #[graphql(desc = "Order; null or absent means the default.")] sort: Option<VolunteerSort>,
    ) -> async_graphql::Result<VolunteerConnection> {
        let mut f = filter.unwrap_or_default().into_service()?;
        f.team = Some(self.0.id);
        vol_query::list(
            ctx,
            f,
            sort.unwrap_or_default(),
            page_args(first, after, last, before),
        )
        .await
    }
}

connection!(
    VolunteerTeamConnection,
    VolunteerTeamEdge,
    VolunteerTeam,
    volunteer_team::Entity,
    "A page of volunteer teams.",
    "A volunteer team with its cursor."
);
