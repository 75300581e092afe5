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
