//! Mediation room queries.

use async_graphql::{Context, InputObject, Object, ID};

use super::types::{MediationRoom, MediationRoomConnection};
use crate::{
    graphql::{actor, db, enums::MediationLevel, limits, lookup_id, page_args, parse_id},
    service::{self, mediation_room::RoomFilter},
};

/// Filters for mediation room lists.
#[derive(InputObject, Default)]
pub struct MediationRoomFilterInput {
    /// Level.
    pub level: Option<MediationLevel>,
    /// Rooms whose grid lies in this subtree.
    pub within_grid_id: Option<ID>,
    /// Rooms with an active mediator speaking this language (BCP 47, e.g. `ar`).
    pub language: Option<String>,
    /// Text in the name.
    pub text: Option<String>,
}

/// Mediation room root fields.
#[derive(Default)]
pub struct MediationRoomQuery;

#[Object]
impl MediationRoomQuery {
    /// Mediation rooms by name, as a keyset-paginated connection.
    async fn mediation_rooms(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forwards.")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size going backwards.")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
        #[graphql(desc = "Filters.")] filter: Option<MediationRoomFilterInput>,
    ) -> async_graphql::Result<MediationRoomConnection> {
        let f = filter.unwrap_or_default();
        let filter = RoomFilter {
            level: f.level.map(Into::into),
            within_grid: f
                .within_grid_id
                .as_ref()
                .map(|i| parse_id("filter.withinGridId", i))
                .transpose()?,
            language: f.language,
            text: f.text,
        };
        let l = service::mediation_room::list(
            db(ctx)?,
            actor(ctx)?,
            &filter,
            &page_args(first, after, last, before),
            limits(ctx)?,
        )
        .await?;
        Ok(MediationRoomConnection::from_listing(l, MediationRoom))
    }

    /// One mediation room by id.
    async fn mediation_room(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Room id.")] id: ID,
    ) -> async_graphql::Result<MediationRoom> {
        Ok(MediationRoom(
            service::get::<entity::mediation_room::Entity, _>(db(ctx)?, actor(ctx)?, lookup_id(&id)?).await?,
        ))
    }
}
