//! Mediation room mutations.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::types::MediationRoom;
use crate::{
    graphql::{actor, db, enums::MediationLevel, parse_id},
    service::mediation_room::{self as svc, NewRoom},
};

/// A new mediation room.
#[derive(InputObject)]
pub struct CreateMediationRoomInput {
    /// Unique name (1–100 characters).
    pub name: String,
    /// Level.
    pub level: MediationLevel,
    /// Grid it serves.
    pub grid_id: Option<ID>,
    /// Host unit.
    pub unit_id: Option<ID>,
    /// Address.
    pub address: Option<String>,
    /// Office phone.
    pub phone: Option<String>,
    /// Description (up to 500 characters).
    pub description: Option<String>,
    /// A key (8–100 characters, e.g. a UUID made once per form submission) that makes the call
    /// safe to retry: a retry with the same key and input answers the record the first call
    /// created; the same key with another input is IDEMPOTENCY_KEY_REUSED. Kept 24 hours.
    pub idempotency_key: Option<String>,
}

/// Result of `createMediationRoom`.
#[derive(SimpleObject)]
pub struct CreateMediationRoomPayload {
    /// The new room.
    pub mediation_room: MediationRoom,
}

/// Mediation room mutations (admins and commanders).
#[derive(Default)]
pub struct MediationRoomMutation;

#[Object]
impl MediationRoomMutation {
    /// Creates a mediation room.
    async fn create_mediation_room(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: CreateMediationRoomInput,
    ) -> async_graphql::Result<CreateMediationRoomPayload> {
        let opt = |n: &str, v: &Option<ID>| v.as_ref().map(|i| parse_id(n, i)).transpose();
        let new = NewRoom {
            name: input.name,
            level: input.level.into(),
            grid_id: opt("input.gridId", &input.grid_id)?,
            unit_id: opt("input.unitId", &input.unit_id)?,
            address: input.address,
            phone: input.phone,
            description: input.description,
        };
        Ok(CreateMediationRoomPayload {
            mediation_room: MediationRoom(
                svc::create_once(db(ctx)?, actor(ctx)?, new, input.idempotency_key.as_deref()).await?,
            ),
        })
    }
}
