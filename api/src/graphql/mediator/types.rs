//! GraphQL types of the mediator aggregate.

use async_graphql::{Context, Object, ID};
use entity::{mediation_room, mediator};

use super::loader::MediatorLanguages;
use crate::{
    connection,
    graphql::{
        enums::MediatorKind,
        id, loader,
        mediation_room::types::MediationRoom,
        personal::{PersonalDataKind as K, PersonalField},
    },
    service::personal::Category,
};

/// A mediator (调解员): professional, chief, retired police, lawyer, deputy or foreign mediator (洋娘舅).
pub struct Mediator(pub mediator::Model);

/// A mediator (调解员): professional, chief, retired police, lawyer, deputy or foreign mediator (洋娘舅).
#[Object]
impl Mediator {
    /// Bumped by every change; send it back as `version` with `updateMediator` (a stale one is CONFLICT).
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Opaque id.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Name (mediators act publicly under their name).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Kind of mediator.
    async fn kind(&self) -> MediatorKind {
        self.0.kind.into()
    }
    /// Phone (personal data).
    async fn phone(&self) -> Option<PersonalField> {
        self.0.phone.as_deref().map(|v| {
            PersonalField::new(
                v,
                K::Phone,
                "Mediator",
                self.0.id,
                "phone",
                Category::Mediator,
                self.0.subject.as_deref(),
            )
        })
    }
    /// Nationality (ISO 3166-1 alpha-2).
    async fn nationality(&self) -> Option<&str> {
        self.0.nationality.as_deref()
    }
    /// Currently taking cases.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// Languages spoken (BCP 47 tags), sorted.
    async fn languages(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        loader::many(ctx, MediatorLanguages(self.0.id)).await
    }
    /// The room this mediator works in.
    async fn room(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<MediationRoom>> {
        Ok(loader::one::<mediation_room::Entity>(ctx, Some(self.0.room_id))
            .await?
            .map(MediationRoom))
    }
}

connection!(
    MediatorConnection,
    MediatorEdge,
    Mediator,
    mediator::Entity,
    "A page of mediators.",
    "A mediator with its cursor."
);
