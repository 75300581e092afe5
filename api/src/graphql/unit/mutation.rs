//! Unit mutations.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::types::Unit;
use crate::{
    graphql::{actor, db, enums::UnitKind, parse_id},
    service::unit::{self as svc, NewUnit},
};

/// A new unit.
#[derive(InputObject)]
pub struct CreateUnitInput {
    /// Unique code.
    pub code: String,
    /// Name (1–100 characters).
    pub name: String,
    /// Kind.
    pub kind: UnitKind,
    /// Parent unit.
    pub parent_id: Option<ID>,
    /// Jurisdiction grid.
    pub grid_id: Option<ID>,
    /// Duty phone.
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// A key (8–100 characters, e.g. a UUID made once per form submission) that makes the call
    /// safe to retry: a retry with the same key and input answers the record the first call
    /// created; the same key with another input is IDEMPOTENCY_KEY_REUSED. Kept 24 hours.
    pub idempotency_key: Option<String>,
}

/// Result of `createUnit`.
#[derive(SimpleObject)]
pub struct CreateUnitPayload {
    /// The new unit.
    pub unit: Unit,
}

/// Unit mutations (admins and commanders).
#[derive(Default)]
pub struct UnitMutation;

#[Object]
impl UnitMutation {
    /// Changes a unit's name, phone or address, or deactivates it (it can no longer be dispatched to; its assignments stay). Admins and commanders, within their jurisdiction; versioned like
    /// cases, and recorded in the audit log with the fields before and after (CHANGE).
    /// An update that changes nothing is BAD_USER_INPUT.
    async fn update_unit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: UpdateUnitInput,
    ) -> async_graphql::Result<UpdateUnitPayload> {
        let u = crate::service::unit::UnitUpdate {
            id: crate::graphql::parse_id("input.id", &input.id)?,
            version: input.version,
            name: input.name,
            phone: crate::graphql::patch(input.phone),
            address: crate::graphql::patch(input.address),
            active: input.active,
            grid_id: input
                .grid_id
                .map(|g| crate::graphql::parse_id("input.gridId", &g))
                .transpose()?,
            parent_id: crate::graphql::patch(input.parent_id)
                .map(|g| {
                    g.map(|i| crate::graphql::parse_id("input.parentId", &i))
                        .transpose()
                })
                .transpose()?,
        };
        let m = crate::service::unit::update(
            crate::graphql::db(ctx)?,
            crate::graphql::actor(ctx)?,
            crate::graphql::request(ctx)?,
            u,
        )
        .await?;
        Ok(UpdateUnitPayload { unit: Unit(m) })
    }

    /// Creates a unit.
    async fn create_unit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: CreateUnitInput,
    ) -> async_graphql::Result<CreateUnitPayload> {
        let opt = |n: &str, v: &Option<ID>| v.as_ref().map(|i| parse_id(n, i)).transpose();
        let new = NewUnit {
            code: input.code,
            name: input.name,
            kind: input.kind.into(),
            parent_id: opt("input.parentId", &input.parent_id)?,
            grid_id: opt("input.gridId", &input.grid_id)?,
            phone: input.phone,
            address: input.address,
        };
        Ok(CreateUnitPayload {
            unit: Unit(svc::create_once(db(ctx)?, actor(ctx)?, new, input.idempotency_key.as_deref()).await?),
        })
    }
}

/// A change to an unit: fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateUnitInput {
    /// The unit to change; one of your jurisdiction, else NOT_FOUND.
    pub id: ID,
    /// The `version` you read; if it moved since, CONFLICT (field `input.version`): reload and retry.
    pub version: i32,
    /// Name (1–100 characters).
    pub name: Option<String>,
    /// Duty phone; null clears it.
    pub phone: async_graphql::MaybeUndefined<String>,
    /// Address (up to 200 characters); null clears it.
    pub address: async_graphql::MaybeUndefined<String>,
    /// False deactivates the unit.
    pub active: Option<bool>,
    /// Moves the unit to another grid of your jurisdiction (else NOT_FOUND).
    pub grid_id: Option<ID>,
    /// Moves the unit under another unit of your jurisdiction; null puts it at the top. A unit
    /// cannot move below itself (BAD_USER_INPUT).
    pub parent_id: async_graphql::MaybeUndefined<ID>,
}

/// Result of `updateUnit`.
#[derive(SimpleObject)]
pub struct UpdateUnitPayload {
    /// The unit after the change, with its new `version` for the next update.
    pub unit: Unit,
}
