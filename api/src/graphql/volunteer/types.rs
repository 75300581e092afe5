//! GraphQL types of the volunteer aggregate.

use async_graphql::{Context, Enum, InputObject, Object, ID};
use chrono::{DateTime, Utc};

use crate::graphql::date::Date;
use entity::{volunteer, volunteer_honour, volunteer_membership, volunteer_team};

use super::loader::*;
use crate::{
    connection,
    graphql::{
        enums::{MembershipRole, Skill, VolunteerStatus},
        id, loader, parse_id,
        personal::{PersonalDataKind as K, PersonalField},
        volunteer_team::types::VolunteerTeam,
    },
    service::{
        personal::Category,
        volunteer::{VolunteerFilter, VolunteerSort as S},
    },
};

/// A registered volunteer (义警). Personal fields are masked.
pub struct Volunteer(pub volunteer::Model);

impl Volunteer {
    fn personal(&self, v: &str, kind: K, field: &'static str, category: Category) -> PersonalField {
        PersonalField::new(
            v,
            kind,
            "Volunteer",
            self.0.id,
            field,
            category,
            self.0.subject.as_deref(),
        )
    }
}

/// A registered volunteer (义警). Personal fields are masked.
#[Object]
impl Volunteer {
    /// Bumped by every change; send it back as `version` with `updateVolunteer` (a stale one is CONFLICT).
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Opaque id.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Name (personal data).
    async fn name(&self) -> PersonalField {
        self.personal(&self.0.name, K::Name, "name", Category::Volunteer)
    }
    /// Phone (personal data).
    async fn phone(&self) -> PersonalField {
        self.personal(&self.0.phone, K::Phone, "phone", Category::Volunteer)
    }
    /// Resident ID number (personal data).
    async fn resident_id(&self) -> Option<PersonalField> {
        self.0
            .resident_id
            .as_deref()
            .map(|v| self.personal(v, K::ResidentId, "residentId", Category::ResidentId))
    }
    /// Registration status.
    async fn status(&self) -> VolunteerStatus {
        self.0.status.into()
    }
    /// Total service time in minutes.
    async fn service_minutes(&self) -> i64 {
        self.0.service_minutes
    }
    /// When registered.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Platforms this volunteer came from, with their ids and versions.
    async fn sources(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::graphql::platform::RecordSource>> {
        Ok(crate::graphql::platform::to_sources(
            crate::graphql::loader::many(ctx, crate::graphql::platform::VolunteerSources(self.0.id)).await?,
        ))
    }
    /// Skills.
    async fn skills(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Skill>> {
        Ok(loader::many(ctx, VolunteerSkills(self.0.id))
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }
    /// Languages spoken (BCP 47).
    async fn languages(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        loader::many(ctx, VolunteerLanguages(self.0.id)).await
    }
    /// Honours received.
    async fn honours(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Honour>> {
        Ok(loader::many(ctx, VolunteerHonours(self.0.id))
            .await?
            .into_iter()
            .map(Honour)
            .collect())
    }
    /// Team memberships.
    async fn memberships(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Membership>> {
        Ok(loader::many(ctx, VolunteerMemberships(self.0.id))
            .await?
            .into_iter()
            .map(Membership)
            .collect())
    }
}

/// An honour awarded to a volunteer, e.g. 治安荣誉奖章.
pub struct Honour(pub volunteer_honour::Model);

/// An honour awarded to a volunteer, e.g. 治安荣誉奖章.
#[Object]
impl Honour {
    /// Opaque id.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Awarding body.
    async fn awarded_by(&self) -> Option<&str> {
        self.0.awarded_by.as_deref()
    }
    /// Date awarded.
    async fn awarded_on(&self) -> Date {
        Date(self.0.awarded_on)
    }
}

/// A volunteer's membership of a team.
pub struct Membership(pub volunteer_membership::Model);

/// A volunteer's membership of a team.
#[Object]
impl Membership {
    /// The team.
    async fn team(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<VolunteerTeam>> {
        Ok(loader::one::<volunteer_team::Entity>(ctx, Some(self.0.team_id))
            .await?
            .map(VolunteerTeam))
    }
    /// Member or leader.
    async fn role(&self) -> MembershipRole {
        self.0.role.into()
    }
    /// When they joined.
    async fn joined_at(&self) -> DateTime<Utc> {
        self.0.joined_at
    }
}

connection!(
    VolunteerConnection,
    VolunteerEdge,
    Volunteer,
    volunteer::Entity,
    "A page of volunteers.",
    "A volunteer with its cursor."
);

/// Filters for volunteer lists.
#[derive(InputObject, Default)]
pub struct VolunteerFilterInput {
    /// Members of this team.
    pub team_id: Option<ID>,
    /// Registration status.
    pub status: Option<VolunteerStatus>,
    /// Having this skill.
    pub skill: Option<Skill>,
    /// Speaking this language (BCP 47).
    pub language: Option<String>,
    /// Text in the name.
    pub text: Option<String>,
}

impl VolunteerFilterInput {
    /// Converts to the service filter.
    pub fn into_service(self) -> async_graphql::Result<VolunteerFilter> {
        Ok(VolunteerFilter {
            team: self
                .team_id
                .as_ref()
                .map(|i| parse_id("filter.teamId", i))
                .transpose()?,
            status: self.status.map(Into::into),
            skill: self.skill.map(Into::into),
            language: self.language,
            text: self.text,
        })
    }
}

/// Orders for volunteer lists.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum VolunteerSort {
    /// Most recently registered first (the default).
    #[default]
    CreatedAtDesc,
    /// By name.
    NameAsc,
    /// Most service time first.
    ServiceMinutesDesc,
}

impl From<VolunteerSort> for S {
    fn from(s: VolunteerSort) -> Self {
        match s {
            VolunteerSort::CreatedAtDesc => S::CreatedAtDesc,
            VolunteerSort::NameAsc => S::NameAsc,
            VolunteerSort::ServiceMinutesDesc => S::ServiceMinutesDesc,
        }
    }
}
