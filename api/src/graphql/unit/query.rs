//! Unit queries.

use async_graphql::{Context, InputObject, Object, ID};

use super::types::{Unit, UnitConnection};
use crate::{
    graphql::{actor, db, enums::UnitKind, limits, lookup_id, page_args, parse_id},
    service::{self, unit::UnitFilter},
};

/// Filters for unit lists.
#[derive(InputObject, Default)]
pub struct UnitFilterInput {
    /// Any of these kinds.
    pub kinds: Option<Vec<UnitKind>>,
    /// Children of this unit.
    pub parent_id: Option<ID>,
    /// Units whose jurisdiction grid lies in this grid's subtree.
    pub within_grid_id: Option<ID>,
    /// Text in name or code.
    pub text: Option<String>,
}

/// Unit root fields.
#[derive(Default)]
pub struct UnitQuery;

#[Object]
impl UnitQuery {
    /// Units by code, as a keyset-paginated connection.
    async fn units(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forwards.")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size going backwards.")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
        #[graphql(desc = "Filters.")] filter: Option<UnitFilterInput>,
    ) -> async_graphql::Result<UnitConnection> {
        let f = filter.unwrap_or_default();
        let opt = |n: &str, v: &Option<ID>| v.as_ref().map(|i| parse_id(n, i)).transpose();
        let filter = UnitFilter {
            kinds: f.kinds.unwrap_or_default().into_iter().map(Into::into).collect(),
            parent: opt("filter.parentId", &f.parent_id)?,
            within_grid: opt("filter.withinGridId", &f.within_grid_id)?,
            text: f.text,
        };
        let l = service::unit::list(
            db(ctx)?,
            actor(ctx)?,
            &filter,
            &page_args(first, after, last, before),
            limits(ctx)?,
        )
        .await?;
        Ok(UnitConnection::from_listing(l, Unit))
    }

    /// One unit by id.
    async fn unit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Unit id.")] id: ID,
    ) -> async_graphql::Result<Unit> {
        Ok(Unit(
            service::get::<entity::unit::Entity, _>(db(ctx)?, actor(ctx)?, lookup_id(&id)?).await?,
        ))
    }
}
