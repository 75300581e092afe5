//! Volunteer mutations.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::types::{Honour, Volunteer};
use crate::{
    graphql::{actor, date::Date, db, enums::Skill, parse_id, parse_ids},
    service::volunteer::{self as svc, NewHonour, NewVolunteer},
};

/// A new volunteer, approved on creation.
#[derive(InputObject)]
pub struct CreateVolunteerInput {
    /// Name (1–64 characters).
    pub name: String,
    /// Mainland mobile or landline number.
    pub phone: String,
    /// Resident ID number (GB 11643, checked; unique).
    pub resident_id: Option<String>,
    /// Teams to join (at least one).
    pub team_ids: Vec<ID>,
    /// Skills.
    pub skills: Option<Vec<Skill>>,
    /// Languages (BCP 47).
    pub languages: Option<Vec<String>>,
    /// Account subject (the JWT `sub` this volunteer signs in with).
    pub subject: Option<String>,
    /// A key (8–100 characters, e.g. a UUID made once per form submission) that makes the call
    /// safe to retry: a retry with the same key and input answers the record the first call
    /// created; the same key with another input is IDEMPOTENCY_KEY_REUSED. Kept 24 hours.
    pub idempotency_key: Option<String>,
}

/// Result of `createVolunteer`.
#[derive(SimpleObject)]
pub struct CreateVolunteerPayload {
    /// The new volunteer.
    pub volunteer: Volunteer,
}

/// An honour to record.
#[derive(InputObject)]
pub struct AwardVolunteerHonourInput {
    /// The volunteer.
    pub volunteer_id: ID,
    /// Title, e.g. 见义勇为积极分子.
    pub title: String,
    /// Awarding body.
    pub awarded_by: Option<String>,
    /// Date awarded.
    pub awarded_on: Date,
    /// A key (8–100 characters) that makes the call safe to retry: a retry with the same key
    /// and input answers the honour the first call recorded. Kept 24 hours.
    pub idempotency_key: Option<String>,
}

/// Result of `awardVolunteerHonour`.
#[derive(SimpleObject)]
pub struct AwardVolunteerHonourPayload {
    /// The honour recorded.
    pub honour: Honour,
}

/// Volunteer mutations (admins and commanders).
#[derive(Default)]
pub struct VolunteerMutation;

#[Object]
impl VolunteerMutation {
    /// Changes a volunteer's name, phone, teams (with their roles) or registration status:
    /// PENDING → APPROVED (approval) or SUSPENDED, APPROVED ⇄ SUSPENDED; a suspended volunteer
    /// keeps their history and minutes. Admins and commanders, within their jurisdiction; the
    /// leader of a team (a volunteer token) may change the status of that team's members only.
    /// Versioned like cases, and recorded in the audit log as a CHANGE with the fields before
    /// and after. An update that changes nothing is BAD_USER_INPUT.
    async fn update_volunteer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: UpdateVolunteerInput,
    ) -> async_graphql::Result<UpdateVolunteerPayload> {
        let u = crate::service::volunteer::VolunteerUpdate {
            id: crate::graphql::parse_id("input.id", &input.id)?,
            version: input.version,
            name: input.name,
            phone: input.phone,
            status: input.status.map(Into::into),
            teams: input
                .teams
                .map(|l| {
                    l.into_iter()
                        .enumerate()
                        .map(|(i, m)| {
                            Ok((
                                crate::graphql::parse_id(&format!("input.teams[{i}].teamId"), &m.team_id)?,
                                m.role
                                    .map(Into::into)
                                    .unwrap_or(entity::enums::MembershipRole::Member),
                            ))
                        })
                        .collect::<async_graphql::Result<Vec<_>>>()
                })
                .transpose()?,
        };
        let m = crate::service::volunteer::update(
            crate::graphql::db(ctx)?,
            crate::graphql::actor(ctx)?,
            crate::graphql::request(ctx)?,
            u,
        )
        .await?;
        Ok(UpdateVolunteerPayload {
            volunteer: Volunteer(m),
        })
    }

    /// Registers a volunteer in one or more teams.
    async fn create_volunteer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: CreateVolunteerInput,
    ) -> async_graphql::Result<CreateVolunteerPayload> {
        let new = NewVolunteer {
            name: input.name,
            phone: input.phone,
            resident_id: input.resident_id,
            team_ids: parse_ids("input.teamIds", &input.team_ids)?,
            skills: input
                .skills
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            languages: input.languages.unwrap_or_default(),
            subject: input.subject,
        };
        Ok(CreateVolunteerPayload {
            volunteer: Volunteer(
                svc::create_once(db(ctx)?, actor(ctx)?, new, input.idempotency_key.as_deref()).await?,
            ),
        })
    }

    /// Registers the signed-in citizen as a volunteer of one team (义警报名 from a
    /// mini-program). The registration is PENDING until the team's leader (a volunteer token
    /// of a LEADER of that team) or an admin or commander sets `status: APPROVED` with
    /// `updateVolunteer`. A second registration of the same account is CONFLICT.
    async fn register_as_volunteer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: RegisterAsVolunteerInput,
    ) -> async_graphql::Result<CreateVolunteerPayload> {
        let new = NewVolunteer {
            name: input.name,
            phone: input.phone,
            resident_id: input.resident_id,
            team_ids: vec![parse_id("input.teamId", &input.team_id)?],
            skills: input
                .skills
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            languages: input.languages.unwrap_or_default(),
            subject: None,
        };
        Ok(CreateVolunteerPayload {
            volunteer: Volunteer(
                svc::register_self(db(ctx)?, actor(ctx)?, new, input.idempotency_key.as_deref()).await?,
            ),
        })
    }

    /// Records an honour for a volunteer.
    async fn award_volunteer_honour(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: AwardVolunteerHonourInput,
    ) -> async_graphql::Result<AwardVolunteerHonourPayload> {
        let new = NewHonour {
            volunteer_id: parse_id("input.volunteerId", &input.volunteer_id)?,
            title: input.title,
            awarded_by: input.awarded_by,
            awarded_on: input.awarded_on.0,
        };
        Ok(AwardVolunteerHonourPayload {
            honour: Honour(
                svc::award_honour(db(ctx)?, actor(ctx)?, new, input.idempotency_key.as_deref()).await?,
            ),
        })
    }
}

/// A change to a volunteer: fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateVolunteerInput {
    /// The volunteer to change; one of your jurisdiction, else NOT_FOUND.
    pub id: ID,
    /// The `version` you read; if it moved since, CONFLICT (field `input.version`): reload and retry.
    pub version: i32,
    /// Name (1–64 characters).
    pub name: Option<String>,
    /// Phone number (mainland, or foreign with + and the country code).
    pub phone: Option<String>,
    /// Registration status; allowed moves: PENDING → APPROVED or SUSPENDED, APPROVED → SUSPENDED, SUSPENDED → APPROVED (else BAD_USER_INPUT).
    pub status: Option<crate::graphql::enums::VolunteerStatus>,
    /// The volunteer's teams with their roles, replacing the memberships in the teams of your
    /// jurisdiction (memberships elsewhere stay); each team must be yours, else NOT_FOUND.
    /// Kept memberships keep their join date; `[]` leaves all of your teams.
    pub teams: Option<Vec<VolunteerMembershipInput>>,
}

/// A team membership.
#[derive(InputObject)]
pub struct VolunteerMembershipInput {
    /// The team.
    pub team_id: ID,
    /// MEMBER (default) or LEADER.
    pub role: Option<crate::graphql::enums::MembershipRole>,
}

/// Result of `updateVolunteer`.
#[derive(SimpleObject)]
pub struct UpdateVolunteerPayload {
    /// The volunteer after the change, with its new `version` for the next update.
    pub volunteer: Volunteer,
}

/// A citizen's own registration as a volunteer.
#[derive(InputObject)]
pub struct RegisterAsVolunteerInput {
    /// The team to join (any active team; see `volunteerTeams`).
    pub team_id: ID,
    /// Name (1–64 characters).
    pub name: String,
    /// Mobile phone (mainland, or foreign with + and the country code).
    pub phone: String,
    /// Resident ID number (GB 11643, checked); a second registration with it is CONFLICT.
    pub resident_id: Option<String>,
    /// Skills.
    pub skills: Option<Vec<Skill>>,
    /// Languages spoken, as BCP 47 tags (zh, en, ar).
    pub languages: Option<Vec<String>>,
    /// A key (8–100 characters) that makes the call safe to retry: a retry answers the first
    /// registration. Kept 24 hours.
    pub idempotency_key: Option<String>,
}
