//! GraphQL types of the mediator aggregate.

use async_graphql::{Context, Object, ID};
use entity::{mediation_room, mediator};

use super::loader::MediatorLanguages;
use crate::{
    connection,
    graphql::{enums::MediatorKind, id, loader, mask, mediation_room::types::MediationRoom},
};

/// A mediator (调解员): professional, chief, retired police, lawyer, deputy or foreign mediator (洋娘舅).
pub struct Mediator(pub mediator::Model);

/// A mediator (调解员): professional, chief, retired police, lawyer, deputy or foreign mediator (洋娘舅).
#[Object]
impl Mediator {
    /// Opaque id.
    async fn id(&self) -> ID {
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
    /// Phone, masked.
    async fn phone(&self) -> Option<String> {
        self.0.phone.as_deref().map(mask::phone)
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
