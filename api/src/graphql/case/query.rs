//! Case queries.

use async_graphql::{Context, Object, ID};

use super::types::{Case, CaseConnection, CaseFilterInput, CaseSort};
use crate::{
    graphql::{actor, db, limits, lookup_id, page_args},
    service::{self, case::CaseFilter},
};

/// Lists `filter` within the caller's scope: shared by `cases` and the nested case lists.
pub async fn list(
    ctx: &Context<'_>,
    filter: CaseFilter,
    sort: CaseSort,
    args: service::pagination::PageArgs,
) -> async_graphql::Result<CaseConnection> {
    let listing =
        service::case::list(db(ctx)?, actor(ctx)?, &filter, sort.into(), &args, limits(ctx)?).await?;
    Ok(CaseConnection::from_listing(listing, Case))
}

/// Case root fields.
#[derive(Default)]
pub struct CaseQuery;

#[Object]
impl CaseQuery {
    /// Cases in the caller's scope, filtered and sorted, as a keyset-paginated connection.
    #[allow(clippy::too_many_arguments)]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forwards (default 20, at most the configured cap).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size going backwards.")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
        #[graphql(desc = "Filters; all given fields must match.")] filter: Option<CaseFilterInput>,
        #[graphql(desc = "Order; null or absent means the default.")] sort: Option<CaseSort>,
    ) -> async_graphql::Result<CaseConnection> {
        let f = filter.unwrap_or_default().into_service()?;
        list(
            ctx,
            f,
            sort.unwrap_or_default(),
            page_args(first, after, last, before),
        )
        .await
    }

    /// One case by id; NOT_FOUND when absent or outside the caller's scope.
    async fn case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Case id.")] id: ID,
    ) -> async_graphql::Result<Case> {
        let m = service::get::<entity::case::Entity, _>(db(ctx)?, actor(ctx)?, lookup_id(&id)?).await?;
        Ok(Case(m))
    }

    /// One case by its human tracking number; NOT_FOUND when absent or outside the caller's scope.
    async fn case_by_tracking_number(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Tracking number, e.g. FQ20261123000042.")] tracking_number: String,
    ) -> async_graphql::Result<Case> {
        let m = service::case::by_tracking_number(db(ctx)?, actor(ctx)?, &tracking_number).await?;
        Ok(Case(m))
    }
}
