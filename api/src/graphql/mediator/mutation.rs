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
    /// Changes a mediator's name or phone, or retires them (deactivates: their sessions stay, and they can no longer be scheduled). Admins and commanders, within their jurisdiction; versioned like
    /// cases, and recorded in the audit log with the fields before and after (CHANGE).
    /// An update that changes nothing is BAD_USER_INPUT.
    async fn update_mediator(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: UpdateMediatorInput,
    ) -> async_graphql::Result<UpdateMediatorPayload> {
        let u = crate::service::mediator::MediatorUpdate {
            id: crate::graphql::parse_id("input.id", &input.id)?,
            version: input.version,
            name: input.name,
            phone: crate::graphql::patch(input.phone),
            active: input.active,
        };
        let m = crate::service::mediator::update(
            crate::graphql::db(ctx)?,
            crate::graphql::actor(ctx)?,
            crate::graphql::request(ctx)?,
            u,
        )
        .await?;
        Ok(UpdateMediatorPayload {
            mediator: Mediator(m),
        })
    }

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

/// A change to a mediator: fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateMediatorInput {
    /// The mediator to change; one of your jurisdiction, else NOT_FOUND.
    pub id: ID,
    /// The `version` you read; if it moved since, CONFLICT (field `input.version`): reload and retry.
    pub version: i32,
    /// Name (1–64 characters).
    pub name: Option<String>,
    /// Phone (mainland, or foreign with + and the country code); null clears it.
    pub phone: async_graphql::MaybeUndefined<String>,
    /// False retires the mediator.
    pub active: Option<bool>,
}

/// Result of `updateMediator`.
#[derive(SimpleObject)]
pub struct UpdateMediatorPayload {
    /// The mediator after the change, with its new `version` for the next update.
    pub mediator: Mediator,
}
