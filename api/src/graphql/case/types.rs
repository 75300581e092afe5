//! GraphQL types of the case aggregate.

use async_graphql::{Context, Enum, InputObject, Object, ID};
use chrono::{DateTime, Utc};
use entity::{
    case, case_assignment, case_attachment, case_party, case_timeline_entry, case_volunteer_task, enterprise,
    follow_up, grid, mediation_room, mediation_session, unit, volunteer, volunteer_team,
};

use super::loader::*;
use crate::{
    connection,
    graphql::{
        actor,
        enterprise::types::Enterprise,
        enums::*,
        grid::types::Grid,
        id, loader,
        mediation_room::types::MediationRoom,
        mediator::types::Mediator,
        parse_id,
        personal::{PersonalDataKind as K, PersonalField},
        store,
        unit::types::Unit,
        volunteer::types::Volunteer,
        volunteer_team::types::VolunteerTeam,
    },
    service::{
        case::{CaseFilter, CaseSort as SvcSort},
        personal::Category,
    },
};

/// An incident, dispute, hazard or request for help (事件/警情/矛盾纠纷/隐患/求助) and its closed loop.
pub struct Case(pub case::Model);

impl Case {
    fn personal(&self, v: Option<&str>, kind: K, field: &'static str) -> Option<PersonalField> {
        v.map(|v| {
            PersonalField::new(
                v,
                kind,
                "Case",
                self.0.id,
                field,
                Category::CasePerson,
                self.0.reporter_subject.as_deref(),
            )
        })
    }
}

/// An incident, dispute, hazard or request for help (事件/警情/矛盾纠纷/隐患/求助) and its closed loop.
#[Object]
impl Case {
    /// Opaque id.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Human tracking number, e.g. FQ20261123000042.
    async fn tracking_number(&self) -> &str {
        &self.0.tracking_number
    }
    /// Kind of case.
    async fn kind(&self) -> CaseKind {
        self.0.kind.into()
    }
    /// Finer category, when known.
    async fn category(&self) -> Option<CaseCategory> {
        self.0.category.map(Into::into)
    }
    /// Short title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// What happened.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Where the case is in the closed loop.
    async fn status(&self) -> CaseStatus {
        self.0.status.into()
    }
    /// Risk colour from assessment (评估赋色); null until assessed.
    async fn risk_colour(&self) -> Option<RiskColour> {
        self.0.risk_colour.map(Into::into)
    }
    /// Severity from assessment; null until assessed.
    async fn severity(&self) -> Option<Severity> {
        self.0.severity.map(Into::into)
    }
    /// Channel the report came through.
    async fn source(&self) -> CaseSource {
        self.0.source.into()
    }
    /// Who reported it, by role.
    async fn reporter_role(&self) -> ReporterRole {
        self.0.reporter_role.into()
    }
    /// Reporter's name (personal data: masked unless revealed).
    async fn reporter_name(&self) -> Option<PersonalField> {
        self.personal(self.0.reporter_name.as_deref(), K::Name, "reporterName")
    }
    /// Reporter's phone (personal data: masked unless revealed).
    async fn reporter_phone(&self) -> Option<PersonalField> {
        self.personal(self.0.reporter_phone.as_deref(), K::Phone, "reporterPhone")
    }
    /// Address of the incident (personal data: masked after the street unless revealed).
    async fn address(&self) -> Option<PersonalField> {
        self.personal(self.0.address.as_deref(), K::Address, "address")
    }
    /// Latitude (WGS 84).
    async fn latitude(&self) -> Option<f64> {
        self.0.latitude
    }
    /// Longitude (WGS 84).
    async fn longitude(&self) -> Option<f64> {
        self.0.longitude
    }
    /// When it happened, if known.
    async fn occurred_at(&self) -> Option<DateTime<Utc>> {
        self.0.occurred_at
    }
    /// First-response deadline.
    async fn first_response_due(&self) -> Option<DateTime<Utc>> {
        self.0.first_response_due
    }
    /// Resolution deadline.
    async fn resolution_due(&self) -> Option<DateTime<Utc>> {
        self.0.resolution_due
    }
    /// When it was resolved.
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
    /// When it was closed.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }
    /// True when a deadline (first response or resolution) has passed without its step.
    async fn overdue(&self) -> bool {
        crate::service::workflow::overdue(&self.0, chrono::Utc::now())
    }
    /// Version for optimistic concurrency: send it back with writes.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When it was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The grid it happened in.
    async fn grid(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Grid>> {
        Ok(loader::one::<grid::Entity>(ctx, self.0.grid_id).await?.map(Grid))
    }
    /// How the case got its grid: named by the reporter, from the report code or the
    /// enterprise, by its position inside a grid boundary, or TRIAGE when the position lay
    /// outside every boundary (the district's queue: move it with `placeCase`). Null when it
    /// has no grid, or was filed before placements were recorded.
    async fn placement(&self) -> Option<Placement> {
        self.0.placement.map(Into::into)
    }
    /// The enterprise concerned; null when there is none or the caller may not read it (a
    /// citizen who named a shop by its credit code sees the case, not the shop).
    async fn enterprise(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Enterprise>> {
        Ok(loader::one::<enterprise::Entity>(ctx, self.0.enterprise_id)
            .await?
            .map(Enterprise))
    }
    /// The mediation room it was referred to.
    async fn room(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<MediationRoom>> {
        Ok(loader::one::<mediation_room::Entity>(ctx, self.0.room_id)
            .await?
            .map(MediationRoom))
    }
    /// Everything that happened, in order.
    async fn timeline(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TimelineEntry>> {
        Ok(loader::many(ctx, CaseTimeline(self.0.id))
            .await?
            .into_iter()
            .map(TimelineEntry)
            .collect())
    }
    /// Units the case was dispatched or transferred to.
    async fn assignments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Assignment>> {
        Ok(loader::many(ctx, CaseAssignments(self.0.id))
            .await?
            .into_iter()
            .map(Assignment)
            .collect())
    }
    /// People involved.
    async fn parties(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Party>> {
        Ok(loader::many(ctx, CaseParties(self.0.id))
            .await?
            .into_iter()
            .map(Party)
            .collect())
    }
    /// Attached files (metadata only).
    async fn attachments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Attachment>> {
        Ok(loader::many(ctx, CaseAttachments(self.0.id))
            .await?
            .into_iter()
            .map(Attachment)
            .collect())
    }
    /// Mediation sessions, in schedule order.
    async fn sessions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<MediationSession>> {
        Ok(loader::many(ctx, CaseSessions(self.0.id))
            .await?
            .into_iter()
            .map(MediationSession)
            .collect())
    }
    /// Enterprise case consultations (涉企案件会商), oldest first; each is also a CONSULTATION
    /// entry on the timeline.
    async fn consultations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Consultation>> {
        Ok(loader::many(ctx, CaseConsultations(self.0.id))
            .await?
            .into_iter()
            .map(Consultation)
            .collect())
    }
    /// Follow-up visits (回访).
    async fn follow_ups(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<FollowUp>> {
        Ok(loader::many(ctx, CaseFollowUps(self.0.id))
            .await?
            .into_iter()
            .map(FollowUp)
            .collect())
    }
    /// Platforms this case came from or is synced with, with their ids and versions.
    async fn sources(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::graphql::platform::RecordSource>> {
        Ok(crate::graphql::platform::to_sources(
            loader::many(ctx, crate::graphql::platform::CaseSources(self.0.id)).await?,
        ))
    }
    /// Likely duplicates linked to this case either way, for a person to confirm or dismiss.
    async fn duplicate_links(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::graphql::platform::DuplicateLink>> {
        Ok(
            loader::many(ctx, crate::graphql::platform::CaseDuplicates(self.0.id))
                .await?
                .into_iter()
                .map(crate::graphql::platform::DuplicateLink)
                .collect(),
        )
    }
    /// Volunteer tasks on this case.
    async fn volunteer_tasks(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<VolunteerTask>> {
        Ok(loader::many(ctx, CaseVolunteerTasks(self.0.id))
            .await?
            .into_iter()
            .map(VolunteerTask)
            .collect())
    }
}

/// One step in a case's history: who, when, what.
pub struct TimelineEntry(pub case_timeline_entry::Model);

/// One step in a case's history: who, when, what.
#[Object]
impl TimelineEntry {
    /// Opaque id.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Position in the case's history, from 1 without gaps.
    async fn seq(&self) -> i32 {
        self.0.seq
    }
    /// What happened.
    async fn kind(&self) -> TimelineKind {
        self.0.kind.into()
    }
    /// Status before.
    async fn from_status(&self) -> Option<CaseStatus> {
        self.0.from_status.map(Into::into)
    }
    /// Status after.
    async fn to_status(&self) -> Option<CaseStatus> {
        self.0.to_status.map(Into::into)
    }
    /// Role of the actor.
    async fn actor_role(&self) -> Option<&str> {
        self.0.actor_role.as_deref()
    }
    /// Note.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Shown on the public tracking page.
    async fn public(&self) -> bool {
        self.0.public
    }
    /// When.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Unit involved in this step.
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Unit>> {
        Ok(loader::one::<unit::Entity>(ctx, self.0.unit_id).await?.map(Unit))
    }
}

/// A unit's share of a case: dispatched, accepted, rejected or transferred.
pub struct Assignment(pub case_assignment::Model);

/// A unit's share of a case: dispatched, accepted, rejected or transferred.
#[Object]
impl Assignment {
    /// Opaque id.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The unit.
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Unit>> {
        Ok(loader::one::<unit::Entity>(ctx, Some(self.0.unit_id))
            .await?
            .map(Unit))
    }
    /// True for the leading unit.
    async fn lead(&self) -> bool {
        self.0.lead
    }
    /// Where this assignment stands.
    async fn status(&self) -> AssignmentStatus {
        self.0.status.into()
    }
    /// Reason given on rejection or transfer.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// When assigned.
    async fn assigned_at(&self) -> DateTime<Utc> {
        self.0.assigned_at
    }
    /// When the unit answered.
    async fn responded_at(&self) -> Option<DateTime<Utc>> {
        self.0.responded_at
    }
}

/// A person involved in a case (当事人). Personal fields are masked.
pub struct Party(pub case_party::Model);

impl Party {
    fn personal(&self, v: &str, kind: K, field: &'static str, category: Category) -> PersonalField {
        PersonalField::new(v, kind, "Party", self.0.id, field, category, None)
    }
}

/// A person involved in a case (当事人). Personal fields are masked.
#[Object]
impl Party {
    /// Opaque id.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Role in the case.
    async fn role(&self) -> PartyRole {
        self.0.role.into()
    }
    /// Name (personal data).
    async fn name(&self) -> PersonalField {
        self.personal(&self.0.name, K::Name, "name", Category::CasePerson)
    }
    /// Phone (personal data).
    async fn phone(&self) -> Option<PersonalField> {
        self.0
            .phone
            .as_deref()
            .map(|v| self.personal(v, K::Phone, "phone", Category::CasePerson))
    }
    /// Resident ID number (personal data, masked 330106********1234).
    async fn resident_id(&self) -> Option<PersonalField> {
        self.0
            .resident_id
            .as_deref()
            .map(|v| self.personal(v, K::ResidentId, "residentId", Category::ResidentId))
    }
    /// Address (personal data).
    async fn address(&self) -> Option<PersonalField> {
        self.0
            .address
            .as_deref()
            .map(|v| self.personal(v, K::Address, "address", Category::CasePerson))
    }
    /// A passport or other identity document of a party without a mainland resident ID;
    /// its number is personal data, masked like a resident ID and revealed by the same roles.
    async fn id_document(&self) -> Option<IdDocument> {
        let kind = self.0.id_document_kind?;
        let number = self.0.id_document_number.as_deref()?;
        Some(IdDocument {
            kind: kind.into(),
            number: self.personal(
                number,
                K::IdDocumentNumber,
                "idDocument.number",
                Category::ResidentId,
            ),
            country: self.0.id_document_country.clone().unwrap_or_default(),
        })
    }
    /// Enterprise the party represents.
    async fn enterprise(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Enterprise>> {
        Ok(loader::one::<enterprise::Entity>(ctx, self.0.enterprise_id)
            .await?
            .map(Enterprise))
    }
}

/// An identity document other than the mainland resident ID.
#[derive(async_graphql::SimpleObject)]
pub struct IdDocument {
    /// What kind of document.
    pub kind: IdDocumentKind,
    /// Its number (personal data, masked E1******67).
    pub number: PersonalField,
    /// The issuing country, ISO 3166-1 alpha-3 (JOR, USA), as in the passport's machine-readable zone.
    pub country: String,
}

/// Metadata of a file attached to a case.
pub struct Attachment(pub case_attachment::Model);

/// Metadata of a file attached to a case.
#[Object]
impl Attachment {
    /// Opaque id.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Original file name.
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }
    /// MIME type.
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    /// Size in bytes.
    async fn size_bytes(&self) -> i64 {
        self.0.size_bytes
    }
    /// SHA-256 of the content, hex.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    /// When uploaded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Whether EXIF, XMP and other metadata (a photo's GPS position, the phone's make and
    /// model, comments) were removed before the file was stored. PDFs are stored as sent.
    async fn metadata_removed(&self) -> bool {
        self.0.metadata_removed
    }
    /// Path (relative to the service's address) that serves the file with the caller's token:
    /// `GET` with `Authorization: Bearer …` and `X-Client-Id`. Answers only while the caller
    /// may see the case; supports `Range`; every download is audited.
    async fn download_path(&self) -> String {
        format!("/files/{}", self.0.id)
    }
    /// Signed path that serves the file without a token until `urlExpiresAt` (5 minutes by
    /// default): for `<img src>` and `wx.downloadFile`, which cannot send headers. Ask again for
    /// a fresh one rather than storing it. The download is audited under the caller.
    async fn url(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        signed(ctx, self.0.id, false)
    }
    /// Signed path of a small JPEG preview (at most 320 pixels a side) for lists, valid like
    /// `url`; null for PDFs and HEIC photos, which have none.
    async fn thumbnail_url(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        if self.0.thumbnail_key.is_none() {
            return Ok(None);
        }
        signed(ctx, self.0.id, true).map(Some)
    }
    /// When `url` and `thumbnailUrl` stop working.
    async fn url_expires_at(&self, ctx: &Context<'_>) -> async_graphql::Result<DateTime<Utc>> {
        let ttl = store(ctx)?.files.config.url_ttl;
        Ok(Utc::now() + chrono::Duration::from_std(ttl).unwrap_or_default())
    }
}

/// A signed file path for the caller.
fn signed(ctx: &Context<'_>, attachment: uuid::Uuid, thumbnail: bool) -> async_graphql::Result<String> {
    let by = crate::service::attachment::uploader(actor(ctx)?).unwrap_or_else(|| "anonymous".into());
    Ok(store(ctx)?.files.signed_path(attachment, thumbnail, &by))
}

/// One mediation session (调解) of a case.
pub struct MediationSession(pub mediation_session::Model);

/// One mediation session (调解) of a case.
#[Object]
impl MediationSession {
    /// Opaque id.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The room.
    async fn room(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<MediationRoom>> {
        Ok(loader::one::<mediation_room::Entity>(ctx, Some(self.0.room_id))
            .await?
            .map(MediationRoom))
    }
    /// Level of mediation.
    async fn level(&self) -> MediationLevel {
        self.0.level.into()
    }
    /// When scheduled.
    async fn scheduled_at(&self) -> DateTime<Utc> {
        self.0.scheduled_at
    }
    /// When held.
    async fn held_at(&self) -> Option<DateTime<Utc>> {
        self.0.held_at
    }
    /// Outcome.
    async fn outcome(&self) -> SessionOutcome {
        self.0.outcome.into()
    }
    /// Agreement text (调解协议).
    async fn agreement_text(&self) -> Option<&str> {
        self.0.agreement_text.as_deref()
    }
    /// Confirmed by a court (司法确认).
    async fn judicial_confirmed(&self) -> bool {
        self.0.judicial_confirmed
    }
    /// Mediators who took part.
    async fn mediators(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Mediator>> {
        Ok(loader::many(ctx, SessionMediators(self.0.id))
            .await?
            .into_iter()
            .map(Mediator)
            .collect())
    }
}

/// A follow-up visit (回访) with its three ratings.
pub struct FollowUp(pub follow_up::Model);

/// A follow-up visit (回访) with its three ratings.
#[Object]
impl FollowUp {
    /// Opaque id.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// How the visit was made.
    async fn method(&self) -> FollowUpMethod {
        self.0.method.into()
    }
    /// When.
    async fn visited_at(&self) -> DateTime<Utc> {
        self.0.visited_at
    }
    /// Response speed rating, 1–5 (出警速度).
    async fn response_speed_rating(&self) -> i16 {
        self.0.response_speed_rating
    }
    /// Attitude rating, 1–5 (处警态度).
    async fn attitude_rating(&self) -> i16 {
        self.0.attitude_rating
    }
    /// Handling rating, 1–5 (处置情况).
    async fn handling_rating(&self) -> i16 {
        self.0.handling_rating
    }
    /// Satisfied or not.
    async fn satisfied(&self) -> bool {
        self.0.satisfied
    }
    /// Comment.
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }
    /// True when, by the time of this visit, the same kind of case (and category, when this
    /// one has one) had been reported again at the same place (within 200 m, or at the same
    /// address without a position): the "no repeat complaint in the follow-up window" check
    /// of the closed loop, computed once when the visit is recorded.
    async fn repeat_complaint(&self) -> bool {
        self.0.repeat_case_id.is_some()
    }
    /// That repeat report, when the caller may read it (null otherwise, and when there is none).
    async fn repeat_case(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Case>> {
        Ok(loader::one::<case::Entity>(ctx, self.0.repeat_case_id)
            .await?
            .map(Case))
    }
}

/// An enterprise case consultation (涉企案件会商): the station, departments and the enterprise
/// meet on the case and conclude.
pub struct Consultation(pub entity::case_consultation::Model);

/// An enterprise case consultation (涉企案件会商): the station, departments and the enterprise
/// meet on the case and conclude.
#[Object]
impl Consultation {
    /// Opaque id.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// When it was held.
    async fn held_at(&self) -> DateTime<Utc> {
        self.0.held_at
    }
    /// Names of the people who took part, as recorded (staff and enterprise representatives).
    async fn participants(&self) -> Vec<&str> {
        self.0.participants.lines().collect()
    }
    /// The units that took part, those the caller may read.
    async fn units(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Unit>> {
        let ids: Vec<uuid::Uuid> = serde_json::from_str(&self.0.unit_ids).unwrap_or_default();
        // Asked together, so the loader fetches them in one batch.
        let found = futures_util::future::try_join_all(
            ids.into_iter()
                .map(|u| loader::one::<entity::unit::Entity>(ctx, Some(u))),
        )
        .await?;
        Ok(found.into_iter().flatten().map(Unit).collect())
    }
    /// The conclusion, from the fixed list (e.g. NO_CRIME_CIVIL_MATTER).
    async fn conclusion(&self) -> ConsultationConclusion {
        self.0.conclusion.into()
    }
    /// The reasoning behind the conclusion, as written.
    async fn conclusion_text(&self) -> Option<&str> {
        self.0.conclusion_text.as_deref()
    }
}

/// A volunteer or team tasked on a case.
pub struct VolunteerTask(pub case_volunteer_task::Model);

/// A volunteer or team tasked on a case.
#[Object]
impl VolunteerTask {
    /// Opaque id.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// What they were asked to do.
    async fn kind(&self) -> VolunteerTaskKind {
        self.0.kind.into()
    }
    /// Where the task stands.
    async fn status(&self) -> VolunteerTaskStatus {
        self.0.status.into()
    }
    /// The team tasked.
    async fn team(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<VolunteerTeam>> {
        Ok(loader::one::<volunteer_team::Entity>(ctx, self.0.team_id)
            .await?
            .map(VolunteerTeam))
    }
    /// The volunteer tasked (null when out of the caller's scope).
    async fn volunteer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Volunteer>> {
        Ok(loader::one::<volunteer::Entity>(ctx, self.0.volunteer_id)
            .await?
            .map(Volunteer))
    }
    /// Check-in time.
    async fn checked_in_at(&self) -> Option<DateTime<Utc>> {
        self.0.checked_in_at
    }
    /// Check-out time.
    async fn checked_out_at(&self) -> Option<DateTime<Utc>> {
        self.0.checked_out_at
    }
    /// Minutes served.
    async fn minutes(&self) -> Option<i64> {
        self.0.minutes
    }
}

connection!(
    CaseConnection,
    CaseEdge,
    Case,
    case::Entity,
    "A page of cases.",
    "A case with its cursor."
);

/// Filters for case lists; every given field must match, list fields match any element.
#[derive(InputObject, Default)]
pub struct CaseFilterInput {
    /// Any of these kinds.
    pub kinds: Option<Vec<CaseKind>>,
    /// Any of these categories.
    pub categories: Option<Vec<CaseCategory>>,
    /// Any of these statuses.
    pub statuses: Option<Vec<CaseStatus>>,
    /// Any of these risk colours.
    pub risk_colours: Option<Vec<RiskColour>>,
    /// Any of these severities.
    pub severities: Option<Vec<Severity>>,
    /// Any of these sources.
    pub sources: Option<Vec<CaseSource>>,
    /// Inside this grid or its descendants.
    pub grid_id: Option<ID>,
    /// About this enterprise.
    pub enterprise_id: Option<ID>,
    /// Referred to this mediation room.
    pub room_id: Option<ID>,
    /// Assigned to this unit.
    pub unit_id: Option<ID>,
    /// Created at or after this time.
    pub created_from: Option<DateTime<Utc>>,
    /// Created before this time.
    pub created_to: Option<DateTime<Utc>>,
    /// Updated at or after this time.
    pub updated_from: Option<DateTime<Utc>>,
    /// Updated before this time.
    pub updated_to: Option<DateTime<Utc>>,
    /// Text contained in the title or description, or a tracking number, whole or in part
    /// (at most 100 characters). Taken literally: `%`, `_` and `\` match only themselves.
    pub text: Option<String>,
    /// Only overdue cases (true) or only cases within their deadlines (false).
    pub overdue: Option<bool>,
}

fn conv<A: Copy, B: From<A>>(v: Option<Vec<A>>) -> Vec<B> {
    v.unwrap_or_default().into_iter().map(B::from).collect()
}

impl CaseFilterInput {
    /// Converts to the service filter, checking ids.
    pub fn into_service(self) -> async_graphql::Result<CaseFilter> {
        let opt = |f: &str, v: &Option<ID>| v.as_ref().map(|i| parse_id(f, i)).transpose();
        Ok(CaseFilter {
            grid: opt("filter.gridId", &self.grid_id)?,
            enterprise: opt("filter.enterpriseId", &self.enterprise_id)?,
            room: opt("filter.roomId", &self.room_id)?,
            unit: opt("filter.unitId", &self.unit_id)?,
            kinds: conv(self.kinds),
            categories: conv(self.categories),
            statuses: conv(self.statuses),
            risk_colours: conv(self.risk_colours),
            severities: conv(self.severities),
            sources: conv(self.sources),
            created_from: self.created_from,
            created_to: self.created_to,
            updated_from: self.updated_from,
            updated_to: self.updated_to,
            text: self.text,
            overdue: self.overdue,
        })
    }
}

/// Orders for case lists.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum CaseSort {
    /// Newest first (the default).
    #[default]
    CreatedAtDesc,
    /// Oldest first.
    CreatedAtAsc,
    /// Most recently changed first.
    UpdatedAtDesc,
    /// Least recently changed first.
    UpdatedAtAsc,
}

impl From<CaseSort> for SvcSort {
    fn from(s: CaseSort) -> Self {
        match s {
            CaseSort::CreatedAtDesc => SvcSort::CreatedAtDesc,
            CaseSort::CreatedAtAsc => SvcSort::CreatedAtAsc,
            CaseSort::UpdatedAtDesc => SvcSort::UpdatedAtDesc,
            CaseSort::UpdatedAtAsc => SvcSort::UpdatedAtAsc,
        }
    }
}
