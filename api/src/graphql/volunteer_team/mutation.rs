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
            volunteer_team: VolunteerTeam(svc::create(db(ctx)?, actor(ctx)?, new).await?),
        })
    }
}
