//! Mediator queries.

use async_graphql::{Context, InputObject, Object, ID};

use super::types::{Mediator, MediatorConnection};
use crate::{
    graphql::{actor, db, enums::MediatorKind, limits, lookup_id, page_args, parse_id},
    service::{self, mediator::MediatorFilter},
};

/// Filters for mediator lists.
#[derive(InputObject, Default)]
pub struct MediatorFilterInput {
    /// Mediators of this room.
    pub room_id: Option<ID>,
    /// Speaking this language (BCP 47, e.g. `ar`, `en`).
    pub language: Option<String>,
    /// Of this kind.
    pub kind: Option<MediatorKind>,
    /// Only active mediators (default true).
    pub active_only: Option<bool>,
    /// Text in the name.
    pub text: Option<String>,
}

/// Mediator root fields.
#[derive(Default)]
pub struct MediatorQuery;

#[Object]
impl MediatorQuery {
    /// Mediators by name, as a keyset-paginated connection; filter by language to pick one who speaks a party's language.
    async fn mediators(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forwards.")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size going backwards.")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
        #[graphql(desc = "Filters.")] filter: Option<MediatorFilterInput>,
    ) -> async_graphql::Result<MediatorConnection> {
        let f = filter.unwrap_or_default();
        let filter = MediatorFilter {
            room: f
                .room_id
                .as_ref()
                .map(|i| parse_id("filter.roomId", i))
                .transpose()?,
            language: f.language,
            kind: f.kind.map(Into::into),
            active_only: f.active_only.unwrap_or(true),
            text: f.text,
        };
        let l = service::mediator::list(
            db(ctx)?,
            actor(ctx)?,
            &filter,
            &page_args(first, after, last, before),
            limits(ctx)?,
        )
        .await?;
        Ok(MediatorConnection::from_listing(l, Mediator))
    }

    /// One mediator by id.
    async fn mediator(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Mediator id.")] id: ID,
    ) -> async_graphql::Result<Mediator> {
        Ok(Mediator(
            service::get::<entity::mediator::Entity, _>(db(ctx)?, actor(ctx)?, lookup_id(&id)?).await?,
        ))
    }
}
