//! Volunteer queries.

use async_graphql::{Context, Object, ID};

use super::types::{Volunteer, VolunteerConnection, VolunteerFilterInput, VolunteerSort};
use crate::{
    graphql::{actor, db, limits, lookup_id, page_args},
    service::{self, pagination::PageArgs, volunteer::VolunteerFilter},
};

/// Lists volunteers within the caller's scope: shared by `volunteers` and `VolunteerTeam.volunteers`.
pub async fn list(
    ctx: &Context<'_>,
    filter: VolunteerFilter,
    sort: VolunteerSort,
    args: PageArgs,
) -> async_graphql::Result<VolunteerConnection> {
    let l =
        service::volunteer::list(db(ctx)?, actor(ctx)?, &filter, sort.into(), &args, limits(ctx)?).await?;
    Ok(VolunteerConnection::from_listing(l, Volunteer))
}

/// Volunteer root fields.
#[derive(Default)]
pub struct VolunteerQuery;

#[Object]
impl VolunteerQuery {
    /// Volunteers within the caller's scope, as a keyset-paginated connection.
    #[allow(clippy::too_many_arguments)]
    async fn volunteers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forwards.")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size going backwards.")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
        #[graphql(desc = "Filters.")] filter: Option<VolunteerFilterInput>,
        #[graphql(desc = "Order; null or absent means the default.")] sort: Option<VolunteerSort>,
    ) -> async_graphql::Result<VolunteerConnection> {
        let f = filter.unwrap_or_default().into_service()?;
        list(
            ctx,
            f,
            sort.unwrap_or_default(),
            page_args(first, after, last, before),
        )
        .await
    }

    /// One volunteer by id; NOT_FOUND when outside the caller's scope.
    async fn volunteer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Volunteer id.")] id: ID,
    ) -> async_graphql::Result<Volunteer> {
        Ok(Volunteer(
            service::get::<entity::volunteer::Entity, _>(db(ctx)?, actor(ctx)?, lookup_id(&id)?).await?,
        ))
    }
}
