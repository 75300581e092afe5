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
    /// Changes a mediation room's name, phone, address or description, or closes it (deactivates; its sessions stay). Admins and commanders, within their jurisdiction; versioned like
    /// cases, and recorded in the audit log with the fields before and after (CHANGE).
    /// An update that changes nothing is BAD_USER_INPUT.
    async fn update_mediation_room(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: UpdateMediationRoomInput,
    ) -> async_graphql::Result<UpdateMediationRoomPayload> {
        let u = crate::service::mediation_room::MediationRoomUpdate {
            id: crate::graphql::parse_id("input.id", &input.id)?,
            version: input.version,
            name: input.name,
            phone: crate::graphql::patch(input.phone),
            address: crate::graphql::patch(input.address),
            description: crate::graphql::patch(input.description),
            active: input.active,
        };
        let m = crate::service::mediation_room::update(
            crate::graphql::db(ctx)?,
            crate::graphql::actor(ctx)?,
            crate::graphql::request(ctx)?,
            u,
        )
        .await?;
        Ok(UpdateMediationRoomPayload {
            mediation_room: MediationRoom(m),
        })
    }

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

/// A change to a mediation room: fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateMediationRoomInput {
    /// The mediation room to change; one of your jurisdiction, else NOT_FOUND.
    pub id: ID,
    /// The `version` you read; if it moved since, CONFLICT (field `input.version`): reload and retry.
    pub version: i32,
    /// Name (1–100 characters).
    pub name: Option<String>,
    /// Phone; null clears it.
    pub phone: async_graphql::MaybeUndefined<String>,
    /// Address (up to 200 characters); null clears it.
    pub address: async_graphql::MaybeUndefined<String>,
    /// Description (up to 500 characters); null clears it.
    pub description: async_graphql::MaybeUndefined<String>,
    /// False closes the room.
    pub active: Option<bool>,
}

/// Result of `updateMediationRoom`.
#[derive(SimpleObject)]
pub struct UpdateMediationRoomPayload {
    /// The mediation room after the change, with its new `version` for the next update.
    pub mediation_room: MediationRoom,
}
