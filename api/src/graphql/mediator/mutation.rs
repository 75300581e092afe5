//! Mediator mutations.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::types::Mediator;
use crate::{
    graphql::{actor, db, enums::MediatorKind, parse_id},
    service::mediator::{self as svc, NewMediator},
};

/// A new mediator.
#[derive(InputObject)]
pub struct CreateMediatorInput {
    /// Room the mediator works in.
    pub room_id: ID,
    /// Name (1–64 characters).
    pub name: String,
    /// Kind.
    pub kind: MediatorKind,
    /// Phone number: a mainland number (mobile `13812345678`, landline `0571-87000110`, with or
    /// without +86), or a foreign one with + (or 00) and its country code (`+962 79 123 4567`),
    /// checked by that country's rules and stored in E.164.
    pub phone: Option<String>,
    /// Nationality (ISO 3166-1 alpha-2, e.g. `CN`, `SY`).
    pub nationality: Option<String>,
    /// Languages spoken (BCP 47), at least one.
    pub languages: Vec<String>,
    /// Account subject (the JWT `sub` this mediator signs in with).
    pub subject: Option<String>,
    /// A key (8–100 characters, e.g. a UUID made once per form submission) that makes the call
    /// safe to retry: a retry with the same key and input answers the record the first call
    /// created; the same key with another input is IDEMPOTENCY_KEY_REUSED. Kept 24 hours.
    pub idempotency_key: Option<String>,
}

/// Result of `createMediator`.
#[derive(SimpleObject)]
pub struct CreateMediatorPayload {
    /// The new mediator.
    pub mediator: Mediator,
}

/// Mediator mutations (admins and commanders).
#[derive(Default)]
pub struct MediatorMutation;

#[Object]
impl MediatorMutation {
    /// Adds a mediator to a room.
    async fn create_mediator(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: CreateMediatorInput,
    ) -> async_graphql::Result<CreateMediatorPayload> {
        let new = NewMediator {
            room_id: parse_id("input.roomId", &input.room_id)?,
            name: input.name,
            kind: input.kind.into(),
            phone: input.phone,
            nationality: input.nationality,
            languages: input.languages,
            subject: input.subject,
        };
        Ok(CreateMediatorPayload {
            mediator: Mediator(
                svc::create_once(db(ctx)?, actor(ctx)?, new, input.idempotency_key.as_deref()).await?,
            ),
        })
    }
}
