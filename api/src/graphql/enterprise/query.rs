//! Enterprise queries.

use async_graphql::{Context, Object, ID};

use super::types::{Enterprise, EnterpriseConnection, EnterpriseFilterInput, EnterpriseSort};
use crate::{
    graphql::{actor, db, limits, lookup_id, page_args},
    service::{self, enterprise::EnterpriseFilter, pagination::PageArgs},
};

/// Lists enterprises within the caller's scope: shared by `enterprises` and `Grid.enterprises`.
pub async fn list(
    ctx: &Context<'_>,
    filter: EnterpriseFilter,
    sort: EnterpriseSort,
    args: PageArgs,
) -> async_graphql::Result<EnterpriseConnection> {
    let l =
        service::enterprise::list(db(ctx)?, actor(ctx)?, &filter, sort.into(), &args, limits(ctx)?).await?;
    Ok(EnterpriseConnection::from_listing(l, Enterprise))
}

/// Enterprise root fields.
#[derive(Default)]
pub struct EnterpriseQuery;

#[Object]
impl EnterpriseQuery {
    /// Enterprises within the caller's scope, as a keyset-paginated connection.
    #[allow(clippy::too_many_arguments)]
    async fn enterprises(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forwards.")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size going backwards.")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
        #[graphql(desc = "Filters.")] filter: Option<EnterpriseFilterInput>,
        #[graphql(desc = "Order; null or absent means the default.")] sort: Option<EnterpriseSort>,
    ) -> async_graphql::Result<EnterpriseConnection> {
        let f = filter.unwrap_or_default().into_service()?;
        list(
            ctx,
            f,
            sort.unwrap_or_default(),
            page_args(first, after, last, before),
        )
        .await
    }

    /// One enterprise by id; NOT_FOUND when outside the caller's scope.
    async fn enterprise(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Enterprise id.")] id: ID,
    ) -> async_graphql::Result<Enterprise> {
        Ok(Enterprise(
            service::get::<entity::enterprise::Entity, _>(db(ctx)?, actor(ctx)?, lookup_id(&id)?).await?,
        ))
    }

    /// One enterprise by unified social credit code; NOT_FOUND when outside the caller's scope.
    async fn enterprise_by_credit_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Unified social credit code.")] credit_code: String,
    ) -> async_graphql::Result<Enterprise> {
        Ok(Enterprise(
            service::enterprise::by_credit_code(db(ctx)?, actor(ctx)?, &credit_code).await?,
        ))
    }
}
