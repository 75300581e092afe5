//! `PersonalField`: personal data that leaves the service masked unless revealed with a reason.

use async_graphql::{Context, Enum, Object};
use uuid::Uuid;

use super::{actor, db, mask};
use crate::{
    error::AppError,
    request::RequestInfo,
    service::personal::{self, Category, Target},
};

/// The kind of a personal value.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum PersonalDataKind {
    /// A person's name (masked 张*).
    Name,
    /// A phone number (masked 138****5678).
    Phone,
    /// A resident identity number (masked 330106********1234).
    ResidentId,
    /// An address (masked after the street).
    Address,
    /// The number of a passport or another identity document (masked E1******67).
    IdDocumentNumber,
}

/// A personal value: `masked` always; `reveal(reason)` gives the whole value to roles whose work needs it and is audited.
pub struct PersonalField {
    value: String,
    kind: PersonalDataKind,
    target: Target,
}

impl PersonalField {
    /// Wraps `value` found at `object_type.field` of object `object_id`.
    pub fn new(
        value: &str,
        kind: PersonalDataKind,
        object_type: &'static str,
        object_id: Uuid,
        field: &'static str,
        category: Category,
        owner_subject: Option<&str>,
    ) -> Self {
        PersonalField {
            value: value.to_owned(),
            kind,
            target: Target {
                object_type,
                object_id,
                field,
                category,
                owner_subject: owner_subject.map(str::to_owned),
            },
        }
    }
}

/// A personal value: `masked` always; `reveal(reason)` gives the whole value to roles whose work needs it and is audited.
#[Object]
impl PersonalField {
    /// The masked form, safe to display.
    async fn masked(&self) -> String {
        match self.kind {
            PersonalDataKind::Name => mask::name(&self.value),
            PersonalDataKind::Phone => mask::phone(&self.value),
            PersonalDataKind::ResidentId => mask::resident_id(&self.value),
            PersonalDataKind::Address => mask::address(&self.value),
            PersonalDataKind::IdDocumentNumber => mask::document_number(&self.value),
        }
    }

    /// What kind of personal data this is.
    async fn kind(&self) -> PersonalDataKind {
        self.kind
    }

    /// True when the caller may reveal the whole value.
    async fn revealable(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(personal::may_reveal(actor(ctx)?, &self.target))
    }

    /// The whole value. Needs a stated reason (2–200 characters), is allowed only to roles whose work needs it, and writes an audit record whether allowed or not. At most 5 reveals per request and 100 per hour per account (configurable); more are RATE_LIMITED.
    async fn reveal(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Why the whole value is needed; recorded in the audit log.")] reason: String,
    ) -> async_graphql::Result<String> {
        let req = ctx
            .data::<RequestInfo>()
            .map_err(|_| AppError::Internal("request info missing".into()))?;
        let budget = ctx
            .data::<super::SchemaData>()
            .map(|d| d.reveal_budget)
            .map_err(|_| AppError::Internal("schema data missing".into()))?;
        personal::reveal(db(ctx)?, actor(ctx)?, req, budget, &self.target, &reason).await?;
        Ok(self.value.clone())
    }
}
