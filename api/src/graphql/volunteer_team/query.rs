//! Volunteer team queries.

use async_graphql::{Context, InputObject, Object, ID};

use super::types::{VolunteerTeam, VolunteerTeamConnection};
use crate::{
    graphql::{actor, db, enums::VolunteerTeamKind, limits, lookup_id, page_args, parse_id},
    service::{self, volunteer_team::TeamFilter},
};

/// Filters for volunteer team lists.
#[derive(InputObject, Default)]
pub struct VolunteerTeamFilterInput {
    /// Kind.
    pub kind: Option<VolunteerTeamKind>,
    /// Teams whose home grid lies in this subtree.
    pub within_grid_id: Option<ID>,
    /// Text in name, brand or alliance.
    pub text: Option<String>,
}

/// Volunteer team root fields.
#[derive(Default)]
pub struct VolunteerTeamQuery;

#[Object]
impl VolunteerTeamQuery {
    /// Volunteer teams by name, as a keyset-paginated connection.
    async fn volunteer_teams(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forwards.")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size going backwards.")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
        #[graphql(desc = "Filters.")] filter: Option<VolunteerTeamFilterInput>,
    ) -> async_graphql::Result<VolunteerTeamConnection> {
        let f = filter.unwrap_or_default();
        let filter = TeamFilter {
            kind: f.kind.map(Into::into),
            within_grid: f
                .within_grid_id
                .as_ref()
                .map(|i| parse_id("filter.withinGridId", i))
                .transpose()?,
            text: f.text,
        };
        let l = service::volunteer_team::list(
            db(ctx)?,
            actor(ctx)?,
            &filter,
            &page_args(first, after, last, before),
            limits(ctx)?,
        )
        .await?;
        Ok(VolunteerTeamConnection::from_listing(l, VolunteerTeam))
    }

    /// One volunteer team by id.
    async fn volunteer_team(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Team id.")] id: ID,
    ) -> async_graphql::Result<VolunteerTeam> {
        Ok(VolunteerTeam(
            service::get::<entity::volunteer_team::Entity, _>(db(ctx)?, actor(ctx)?, lookup_id(&id)?).await?,
        ))
    }
}
