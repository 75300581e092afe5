//! Volunteer team mutations.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::types::VolunteerTeam;
use crate::{
    graphql::{actor, db, enums::VolunteerTeamKind, parse_id},
    service::volunteer_team::{self as svc, NewTeam},
};

/// A new volunteer team.
#[derive(InputObject)]
pub struct CreateVolunteerTeamInput {
    /// Unique name.
    pub name: String,
    /// Brand (品牌).
    pub brand: Option<String>,
    /// Kind.
    pub kind: VolunteerTeamKind,
    /// Alliance (义警联盟).
    pub alliance: Option<String>,
    /// Home grid.
    pub grid_id: Option<ID>,
    /// Guiding unit.
    pub unit_id: Option<ID>,
    /// A key (8–100 characters, e.g. a UUID made once per form submission) that makes the call
    /// safe to retry: a retry with the same key and input answers the record the first call
    /// created; the same key with another input is IDEMPOTENCY_KEY_REUSED. Kept 24 hours.
    pub idempotency_key: Option<String>,
}

/// Result of `createVolunteerTeam`.
#[derive(SimpleObject)]
pub struct CreateVolunteerTeamPayload {
    /// The new team.
    pub volunteer_team: VolunteerTeam,
}

/// Volunteer team mutations (admins and commanders).
#[derive(Default)]
pub struct VolunteerTeamMutation;

#[Object]
impl VolunteerTeamMutation {
    /// Changes a volunteer team's name, brand or alliance, or deactivates it. Admins and commanders, within their jurisdiction; versioned like
    /// cases, and recorded in the audit log with the fields before and after (CHANGE).
    /// An update that changes nothing is BAD_USER_INPUT.
    async fn update_volunteer_team(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: UpdateVolunteerTeamInput,
    ) -> async_graphql::Result<UpdateVolunteerTeamPayload> {
        let u = crate::service::volunteer_team::VolunteerTeamUpdate {
            id: crate::graphql::parse_id("input.id", &input.id)?,
            version: input.version,
            name: input.name,
            brand: crate::graphql::patch(input.brand),
            alliance: crate::graphql::patch(input.alliance),
            active: input.active,
        };
        let m = crate::service::volunteer_team::update(
            crate::graphql::db(ctx)?,
            crate::graphql::actor(ctx)?,
            crate::graphql::request(ctx)?,
            u,
        )
        .await?;
        Ok(UpdateVolunteerTeamPayload {
            volunteer_team: VolunteerTeam(m),
        })
    }

    /// Creates a volunteer team.
    async fn create_volunteer_team(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: CreateVolunteerTeamInput,
    ) -> async_graphql::Result<CreateVolunteerTeamPayload> {
        let opt = |n: &str, v: &Option<ID>| v.as_ref().map(|i| parse_id(n, i)).transpose();
        let new = NewTeam {
            name: input.name,
            brand: input.brand,
            kind: input.kind.into(),
            alliance: input.alliance,
            grid_id: opt("input.gridId", &input.grid_id)?,
            unit_id: opt("input.unitId", &input.unit_id)?,
        };
        Ok(CreateVolunteerTeamPayload {
            volunteer_team: VolunteerTeam(
                svc::create_once(db(ctx)?, actor(ctx)?, new, input.idempotency_key.as_deref()).await?,
            ),
        })
    }
}

/// A change to a volunteer team: fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateVolunteerTeamInput {
    /// The volunteer team to change; one of your jurisdiction, else NOT_FOUND.
    pub id: ID,
    /// The `version` you read; if it moved since, CONFLICT (field `input.version`): reload and retry.
    pub version: i32,
    /// Name (1–100 characters).
    pub name: Option<String>,
    /// Brand (e.g. 红枫义警); null clears it.
    pub brand: async_graphql::MaybeUndefined<String>,
    /// Alliance it belongs to; null clears it.
    pub alliance: async_graphql::MaybeUndefined<String>,
    /// False deactivates the team; its members and tasks stay.
    pub active: Option<bool>,
}

/// Result of `updateVolunteerTeam`.
#[derive(SimpleObject)]
pub struct UpdateVolunteerTeamPayload {
    /// The volunteer team after the change, with its new `version` for the next update.
    pub volunteer_team: VolunteerTeam,
}
