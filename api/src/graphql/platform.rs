//! Integrated platforms (administrators), their outbox deliveries, inbound `syncRecords`,
//! record sources and likely duplicates. Thin: every rule is in `service::{platform, outbox,
//! sync, duplicate}`.

use async_graphql::{ComplexObject, Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use entity::{case, duplicate_link, external_ref, outbox_event, platform};
use sea_orm::ActiveEnum;

use super::{
    actor, db, egress,
    enums::{
        CaseCategory, CaseKind, CaseStatus, DuplicateStatus, ExternalEntity, OutboxStatus, PlatformKind,
        PlatformSubscription, SignatureAlgorithm, Skill,
    },
    id, loader, lookup_id, parse_id,
};
use crate::{
    error::AppError,
    graphql::case::types::Case,
    service::{
        duplicate as dup,
        outbox::{self, OutboxFilter},
        platform::{self as svc, NewPlatform, PlatformChange},
        sync::{self, Batch, CaseRecord, EnterpriseRecord, VolunteerRecord},
    },
};

/// An integrated platform: 110 dispatch, the four platforms, the 12345 hotline, ...
pub struct Platform(pub platform::Model);

/// An integrated platform: 110 dispatch, the four platforms, the 12345 hotline, ...
#[Object]
impl Platform {
    /// Opaque id.
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Short unique code; its webhook is POST /webhooks/{code}.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Kind.
    async fn kind(&self) -> PlatformKind {
        self.0.kind.into()
    }
    /// Accepts and receives data.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// Where its case events are posted (none: it receives nothing).
    async fn webhook_url(&self) -> Option<&str> {
        self.0.webhook_url.as_deref()
    }
    /// Which case events it receives.
    async fn subscription(&self) -> PlatformSubscription {
        self.0.subscription.into()
    }
    /// Its status vocabulary and what each term means here.
    async fn status_map(&self) -> Vec<StatusTerm> {
        svc::status_map(&self.0)
            .into_iter()
            .map(|(external, s)| StatusTerm {
                external,
                status: s.into(),
            })
            .collect()
    }
    /// How its webhooks are signed, both ways: `X-Fengqiao-Signature: sha256=<hex>` for
    /// HMAC_SHA256, `sm3=<hex>` for HMAC_SM3, over `{X-Fengqiao-Timestamp}.{body}`.
    async fn signature_algorithm(&self) -> SignatureAlgorithm {
        self.0.signature_algorithm.into()
    }
    /// The last characters of its shared secret, to tell which one it holds (the secret itself is shown only when set).
    async fn secret_hint(&self) -> String {
        svc::secret_hint(&self.0)
    }
    /// What it may write through its webhook or syncRecords; a record outside it is refused
    /// alone with FORBIDDEN. A new platform may write cases of every kind and no master data.
    async fn authority(&self) -> async_graphql::Result<PlatformAuthority> {
        Ok(svc::authority(&self.0)?.into())
    }
    /// Registered at.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last changed at.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// Whether a platform may create or update one kind of master data.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::service::platform::Grant")]
pub enum MasterDataGrant {
    /// Neither: such records in its batches are refused with FORBIDDEN (the default).
    #[graphql(name = "NONE")]
    None,
    /// New records only; a record matching an existing one (same credit code or resident ID) is refused.
    #[graphql(name = "CREATE")]
    Create,
    /// Existing records only (matched by credit code or resident ID); new ones are refused.
    #[graphql(name = "UPDATE")]
    Update,
    /// New and existing records.
    #[graphql(name = "CREATE_AND_UPDATE")]
    CreateAndUpdate,
}

/// An enterprise field a platform may change on an enterprise that exists already.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::service::platform::EnterpriseField")]
pub enum EnterpriseField {
    /// Registered name.
    #[graphql(name = "NAME")]
    Name,
    /// Industry.
    #[graphql(name = "INDUSTRY")]
    Industry,
    /// The above-designated-size flag (规上企业).
    #[graphql(name = "ABOVE_DESIGNATED_SIZE")]
    AboveDesignatedSize,
    /// The hazardous-chemicals flag.
    #[graphql(name = "HAZARDOUS_CHEMICALS")]
    HazardousChemicals,
    /// Address.
    #[graphql(name = "ADDRESS")]
    Address,
    /// Grid (by grid code in the record).
    #[graphql(name = "GRID")]
    Grid,
}

/// What a platform may write through its webhook or syncRecords.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "PlatformAuthorityInput")]
pub struct PlatformAuthority {
    /// Case kinds it may create and update; null: every kind. An empty list is refused.
    pub case_kinds: Option<Vec<CaseKind>>,
    /// Whether it may create or update enterprises.
    pub enterprises: MasterDataGrant,
    /// Fields it may change on an existing enterprise; null: every field. A record that would
    /// change another field is refused with FORBIDDEN.
    pub enterprise_fields: Option<Vec<EnterpriseField>>,
    /// Whether it may create or update volunteers.
    pub volunteers: MasterDataGrant,
}

impl From<svc::Authority> for PlatformAuthority {
    fn from(a: svc::Authority) -> Self {
        PlatformAuthority {
            case_kinds: a.case_kinds.map(|k| k.into_iter().map(Into::into).collect()),
            enterprises: a.enterprises.into(),
            enterprise_fields: a
                .enterprise_fields
                .map(|f| f.into_iter().map(Into::into).collect()),
            volunteers: a.volunteers.into(),
        }
    }
}

impl From<PlatformAuthority> for svc::Authority {
    fn from(a: PlatformAuthority) -> Self {
        svc::Authority {
            case_kinds: a.case_kinds.map(|k| k.into_iter().map(Into::into).collect()),
            enterprises: a.enterprises.into(),
            enterprise_fields: a
                .enterprise_fields
                .map(|f| f.into_iter().map(Into::into).collect()),
            volunteers: a.volunteers.into(),
        }
    }
}

/// One term of a platform's status vocabulary.
#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "StatusTermInput")]
pub struct StatusTerm {
    /// The platform's term, e.g. 已办结.
    pub external: String,
    /// What it means here.
    pub status: CaseStatus,
}

fn terms(v: Vec<StatusTerm>) -> Vec<(String, entity::enums::CaseStatus)> {
    v.into_iter().map(|t| (t.external, t.status.into())).collect()
}

/// One outbound delivery: a case event for one platform.
pub struct OutboxEvent(pub outbox_event::Model);

/// One outbound delivery: a case event for one platform.
#[Object]
impl OutboxEvent {
    /// Opaque id of this delivery (give it to redeliverEvent).
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Stable id of the event, the same for every platform and retry (X-Fengqiao-Event-Id).
    async fn event_id(&self) -> ID {
        id(self.0.event_id)
    }
    /// Receiving platform.
    async fn platform(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Platform>> {
        Ok(loader::one::<platform::Entity>(ctx, Some(self.0.platform_id))
            .await?
            .map(Platform))
    }
    /// The case.
    async fn case(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Case>> {
        Ok(loader::one::<case::Entity>(ctx, Some(self.0.case_id))
            .await?
            .map(Case))
    }
    /// What happened (the timeline kind: REPORTED, ASSESSED, FED_BACK, CLOSED, ...).
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    /// Position in the case's timeline; deliveries of one case go in this order.
    async fn sequence(&self) -> i32 {
        self.0.seq
    }
    /// Delivery state.
    async fn status(&self) -> OutboxStatus {
        self.0.status.into()
    }
    /// Attempts so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// When the next attempt is due (pending events).
    async fn next_attempt_at(&self) -> DateTime<Utc> {
        self.0.next_attempt_at
    }
    /// Why the last attempt failed.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// The JSON body posted.
    async fn payload(&self) -> &str {
        &self.0.payload
    }
    /// Written at (with the change).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Accepted by the platform at.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
}

/// Which outbox rows to list.
#[derive(InputObject, Default)]
pub struct OutboxFilterInput {
    /// Only rows in this state (DEAD lists the dead letters).
    pub status: Option<OutboxStatus>,
    /// Only rows for this platform.
    pub platform_id: Option<ID>,
    /// Only rows of this case.
    pub case_id: Option<ID>,
}

/// Where a record came from: a platform, its id there, the version last synced.
pub struct RecordSource(pub external_ref::Model, pub platform::Model);

/// Where a record came from: a platform, its id there, the version last synced.
#[Object]
impl RecordSource {
    /// The platform's code.
    async fn platform_code(&self) -> &str {
        &self.1.code
    }
    /// The platform's name.
    async fn platform_name(&self) -> &str {
        &self.1.name
    }
    /// The platform's kind.
    async fn platform_kind(&self) -> PlatformKind {
        self.1.kind.into()
    }
    /// The record's id on that platform.
    async fn external_id(&self) -> &str {
        &self.0.external_id
    }
    /// The platform's version of the record last synced.
    async fn external_version(&self) -> Option<i64> {
        self.0.external_version
    }
    /// The platform's own status term, last synced.
    async fn external_status(&self) -> Option<&str> {
        self.0.external_status.as_deref()
    }
    /// When it was last synced.
    async fn last_synced_at(&self) -> DateTime<Utc> {
        self.0.last_synced_at
    }
}

/// A likely duplicate: two cases that look like one event, for a person to decide.
pub struct DuplicateLink(pub duplicate_link::Model);

/// A likely duplicate: two cases that look like one event, for a person to decide.
#[Object]
impl DuplicateLink {
    /// Opaque id (give it to decideDuplicate).
    pub async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The newer case (null when outside your scope).
    async fn case(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Case>> {
        Ok(loader::one::<case::Entity>(ctx, Some(self.0.case_id))
            .await?
            .map(Case))
    }
    /// The earlier case it resembles (null when outside your scope).
    async fn other_case(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Case>> {
        Ok(loader::one::<case::Entity>(ctx, Some(self.0.other_case_id))
            .await?
            .map(Case))
    }
    /// Why they look alike, e.g. "same kind, 120 m and 15 min apart".
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// Decision.
    async fn status(&self) -> DuplicateStatus {
        self.0.status.into()
    }
    /// Decided by (subject).
    async fn decided_by(&self) -> Option<&str> {
        self.0.decided_by.as_deref()
    }
    /// Decided at.
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    /// Linked at.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Platform, outbox and duplicate root fields.
#[derive(Default)]
pub struct PlatformQuery;

/// Platform, outbox and duplicate root fields.
#[Object]
impl PlatformQuery {
    /// Integrated platforms (administrators and commanders; a platform's account sees itself).
    async fn platforms(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Platform>> {
        Ok(svc::list(db(ctx)?, actor(ctx)?)
            .await?
            .into_iter()
            .map(Platform)
            .collect())
    }
    /// One platform.
    async fn platform(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Platform id.")] id: ID,
    ) -> async_graphql::Result<Platform> {
        let uid = lookup_id(&id)?;
        Ok(Platform(
            crate::service::get::<platform::Entity, _>(db(ctx)?, actor(ctx)?, uid).await?,
        ))
    }
    /// Outbound deliveries, newest first (administrators): pending, delivered, or DEAD letters.
    async fn outbox_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Filters.")] filter: Option<OutboxFilterInput>,
        #[graphql(
            desc = "How many (0–100, default 20); 0 checks access and answers an empty list.",
            default = 20
        )]
        first: i32,
    ) -> async_graphql::Result<Vec<OutboxEvent>> {
        if !(0..=100).contains(&first) {
            return Err(AppError::bad_input("first", "between 0 and 100").into());
        }
        let f = filter.unwrap_or_default();
        let filter = OutboxFilter {
            status: f.status.map(Into::into),
            platform_id: f
                .platform_id
                .as_ref()
                .map(|i| parse_id("filter.platformId", i))
                .transpose()?,
            case_id: f
                .case_id
                .as_ref()
                .map(|i| parse_id("filter.caseId", i))
                .transpose()?,
        };
        let limit = u64::try_from(first).unwrap_or(20);
        Ok(outbox::list(db(ctx)?, actor(ctx)?, &filter, limit)
            .await?
            .into_iter()
            .map(OutboxEvent)
            .collect())
    }
    /// Likely duplicates waiting for a decision, oldest first, within your scope (commanders, community police, administrators).
    async fn pending_duplicates(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many (0–100, default 20); 0 checks access and answers an empty list.",
            default = 20
        )]
        first: i32,
    ) -> async_graphql::Result<Vec<DuplicateLink>> {
        if !(0..=100).contains(&first) {
            return Err(AppError::bad_input("first", "between 0 and 100").into());
        }
        let limit = u64::try_from(first).unwrap_or(20);
        Ok(dup::pending(db(ctx)?, actor(ctx)?, limit)
            .await?
            .into_iter()
            .map(DuplicateLink)
            .collect())
    }
}

/// A new platform.
#[derive(InputObject)]
pub struct RegisterPlatformInput {
    /// Short unique code (letters, digits, `-`, `_`); its webhook path is /webhooks/{code}.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Kind.
    pub kind: PlatformKind,
    /// Where its case events are posted (http or https, no credentials in it); none: it
    /// receives nothing. Loopback, private, link-local (cloud metadata) and other internal
    /// addresses are refused unless the operator allowed the host by name.
    pub webhook_url: Option<String>,
    /// Which case events it receives (default OWN_CASES).
    pub subscription: Option<PlatformSubscription>,
    /// Its status vocabulary.
    pub status_map: Option<Vec<StatusTerm>>,
    /// Enabled (default true).
    pub enabled: Option<bool>,
    /// What it may write; absent: cases of every kind and no master data.
    pub authority: Option<PlatformAuthority>,
    /// How its webhooks are signed, both ways (default HMAC_SHA256; HMAC_SM3 for platforms
    /// held to the national algorithms).
    pub signature_algorithm: Option<SignatureAlgorithm>,
}

/// Result of registerPlatform and rotatePlatformSecret.
#[derive(SimpleObject)]
pub struct PlatformSecretPayload {
    /// The platform.
    pub platform: Platform,
    /// The shared secret for signing both ways. Shown this once: store it in the platform's configuration.
    pub secret: String,
}

/// Changes to a platform; absent fields stay as they are.
#[derive(InputObject)]
pub struct UpdatePlatformInput {
    /// The platform.
    pub id: ID,
    /// Display name.
    pub name: Option<String>,
    /// New webhook URL; the same rules as at registration (internal addresses refused
    /// unless the operator allowed the host).
    pub webhook_url: Option<String>,
    /// True removes the webhook URL (the platform then receives nothing).
    pub remove_webhook_url: Option<bool>,
    /// Which case events it receives.
    pub subscription: Option<PlatformSubscription>,
    /// The whole status vocabulary, replacing the old one.
    pub status_map: Option<Vec<StatusTerm>>,
    /// How its webhooks are signed from now on, both ways: inbound requests signed the old way
    /// are refused at once, so switch together with the platform.
    pub signature_algorithm: Option<SignatureAlgorithm>,
    /// Enabled.
    pub enabled: Option<bool>,
    /// What it may write, replacing the whole old authority.
    pub authority: Option<PlatformAuthority>,
}

/// Result of updatePlatform.
#[derive(SimpleObject)]
pub struct UpdatePlatformPayload {
    /// The platform after the change.
    pub platform: Platform,
}

/// A platform whose secret to replace.
#[derive(InputObject)]
pub struct RotatePlatformSecretInput {
    /// The platform.
    pub id: ID,
}

/// A delivery to put back in line.
#[derive(InputObject)]
pub struct RedeliverEventInput {
    /// The delivery (OutboxEvent.id).
    pub id: ID,
}

/// Result of redeliverEvent.
#[derive(SimpleObject)]
pub struct RedeliverEventPayload {
    /// The delivery, pending again with fresh attempts.
    pub event: OutboxEvent,
}

/// A decision on a likely duplicate.
#[derive(InputObject)]
pub struct DecideDuplicateInput {
    /// The link.
    pub id: ID,
    /// True: the same event (both cases stay, linked as confirmed). False: different events.
    pub same_event: bool,
}

/// Result of decideDuplicate.
#[derive(SimpleObject)]
pub struct DecideDuplicatePayload {
    /// The link after the decision.
    pub link: DuplicateLink,
}

/// A case as a platform sends it; `status` is in the platform's own vocabulary.
#[derive(InputObject)]
pub struct SyncCaseInput {
    /// The platform's id of the case.
    pub external_id: String,
    /// The platform's version of the record; higher is newer.
    pub version: i64,
    /// The platform's status term (must be in its status map).
    pub status: Option<String>,
    /// Kind.
    pub kind: Option<CaseKind>,
    /// Category.
    pub category: Option<CaseCategory>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Address.
    pub address: Option<String>,
    /// Latitude (WGS 84).
    pub latitude: Option<f64>,
    /// Longitude (WGS 84).
    pub longitude: Option<f64>,
    /// When it happened.
    pub occurred_at: Option<DateTime<Utc>>,
    /// Reporter's name.
    pub reporter_name: Option<String>,
    /// Reporter's phone.
    pub reporter_phone: Option<String>,
    /// Grid code.
    pub grid_code: Option<String>,
    /// Credit code of the enterprise concerned.
    pub enterprise_credit_code: Option<String>,
}

/// An enterprise as a platform sends it.
#[derive(InputObject)]
pub struct SyncEnterpriseInput {
    /// The platform's id.
    pub external_id: String,
    /// The platform's version; higher is newer.
    pub version: i64,
    /// Unified social credit code (the natural key).
    pub credit_code: String,
    /// Registered name.
    pub name: String,
    /// Industry.
    pub industry: Option<String>,
    /// Above designated size.
    pub above_designated_size: Option<bool>,
    /// Handles hazardous chemicals.
    pub hazardous_chemicals: Option<bool>,
    /// Address.
    pub address: Option<String>,
    /// Grid code.
    pub grid_code: Option<String>,
}

/// A volunteer as a platform sends it.
#[derive(InputObject)]
pub struct SyncVolunteerInput {
    /// The platform's id.
    pub external_id: String,
    /// The platform's version; higher is newer.
    pub version: i64,
    /// Name.
    pub name: String,
    /// Mobile phone.
    pub phone: String,
    /// Resident ID number (the natural key).
    pub resident_id: String,
    /// Names of the teams they serve in (a registered volunteer keeps theirs when empty).
    pub team_names: Option<Vec<String>>,
    /// Skills.
    pub skills: Option<Vec<Skill>>,
    /// Languages (BCP 47).
    pub languages: Option<Vec<String>>,
}

/// A batch from a platform (the same shape as its webhook body).
#[derive(InputObject)]
pub struct SyncRecordsInput {
    /// Cases.
    pub cases: Option<Vec<SyncCaseInput>>,
    /// Enterprises.
    pub enterprises: Option<Vec<SyncEnterpriseInput>>,
    /// Volunteers.
    pub volunteers: Option<Vec<SyncVolunteerInput>>,
}

impl SyncRecordsInput {
    fn into_batch(self) -> Batch {
        let cases = self
            .cases
            .unwrap_or_default()
            .into_iter()
            .map(|c| {
                Ok(CaseRecord {
                    external_id: c.external_id,
                    version: c.version,
                    status: c.status,
                    kind: c.kind.map(|k| entity::enums::CaseKind::from(k).to_value()),
                    category: c
                        .category
                        .map(|k| entity::enums::CaseCategory::from(k).to_value()),
                    title: c.title,
                    description: c.description,
                    address: c.address,
                    latitude: c.latitude,
                    longitude: c.longitude,
                    occurred_at: c.occurred_at,
                    reporter_name: c.reporter_name,
                    reporter_phone: c.reporter_phone,
                    grid_code: c.grid_code,
                    enterprise_credit_code: c.enterprise_credit_code,
                })
            })
            .collect();
        let enterprises = self
            .enterprises
            .unwrap_or_default()
            .into_iter()
            .map(|e| {
                Ok(EnterpriseRecord {
                    external_id: e.external_id,
                    version: e.version,
                    credit_code: e.credit_code,
                    name: e.name,
                    industry: e.industry,
                    above_designated_size: e.above_designated_size,
                    hazardous_chemicals: e.hazardous_chemicals,
                    address: e.address,
                    grid_code: e.grid_code,
                })
            })
            .collect();
        let volunteers = self
            .volunteers
            .unwrap_or_default()
            .into_iter()
            .map(|v| {
                Ok(VolunteerRecord {
                    external_id: v.external_id,
                    version: v.version,
                    name: v.name,
                    phone: v.phone,
                    resident_id: v.resident_id,
                    team_names: v.team_names.unwrap_or_default(),
                    skills: v
                        .skills
                        .unwrap_or_default()
                        .into_iter()
                        .map(|s| entity::enums::Skill::from(s).to_value())
                        .collect(),
                    languages: v.languages.unwrap_or_default(),
                })
            })
            .collect();
        Batch {
            cases,
            enterprises,
            volunteers,
        }
    }
}

/// What happened to one synced record.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::service::sync::Outcome")]
pub enum SyncOutcome {
    /// A new record (and its source link) was written.
    Created,
    /// The record was changed.
    Updated,
    /// Nothing to change: the same version again, or the same values.
    Unchanged,
    /// An older version than the one already synced; ignored.
    Stale,
    /// Rejected; see error.
    Failed,
}

/// Why a synced record was rejected.
#[derive(SimpleObject)]
pub struct SyncError {
    /// Stable code (BAD_USER_INPUT, CONFLICT, INTERNAL).
    pub code: String,
    /// The offending field, e.g. cases[2].title.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// The result of one synced record.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct SyncResult {
    /// CASE, ENTERPRISE or VOLUNTEER.
    pub entity: ExternalEntity,
    /// Position in its list (from 0).
    pub index: i32,
    /// The platform's id of the record.
    pub external_id: Option<String>,
    /// What happened.
    pub outcome: SyncOutcome,
    /// Our id of the record.
    pub id: Option<ID>,
    /// Why it failed.
    pub error: Option<SyncError>,
    #[graphql(skip)]
    duplicate_of: Vec<uuid::Uuid>,
}

#[ComplexObject]
impl SyncResult {
    /// Earlier cases this one was linked to as likely duplicates (ids; decide with decideDuplicate).
    async fn duplicate_of(&self) -> Vec<ID> {
        self.duplicate_of.iter().map(|u| id(*u)).collect()
    }
}

/// The result of syncRecords: every record by list and index.
#[derive(SimpleObject)]
pub struct SyncRecordsPayload {
    /// Per record: enterprises first, then volunteers, then cases.
    pub results: Vec<SyncResult>,
    /// Records created.
    pub created: i32,
    /// Records updated.
    pub updated: i32,
    /// Records unchanged.
    pub unchanged: i32,
    /// Older versions ignored.
    pub stale: i32,
    /// Records rejected.
    pub failed: i32,
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl From<sync::BatchReport> for SyncRecordsPayload {
    fn from(r: sync::BatchReport) -> Self {
        SyncRecordsPayload {
            created: count(r.created),
            updated: count(r.updated),
            unchanged: count(r.unchanged),
            stale: count(r.stale),
            failed: count(r.failed),
            results: r
                .results
                .into_iter()
                .map(|x| SyncResult {
                    entity: x.entity.into(),
                    index: count(x.index),
                    external_id: x.external_id,
                    outcome: x.outcome.into(),
                    id: x.id.map(id),
                    error: x.error.map(|e| SyncError {
                        code: e.code,
                        field: e.field,
                        message: e.message,
                    }),
                    duplicate_of: x.duplicate_of,
                })
                .collect(),
        }
    }
}

/// Platform, outbox, sync and duplicate mutations.
#[derive(Default)]
pub struct PlatformMutation;

/// Platform, outbox, sync and duplicate mutations.
#[Object]
impl PlatformMutation {
    /// Registers a platform (administrators); the answer carries its shared secret, once.
    async fn register_platform(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: RegisterPlatformInput,
    ) -> async_graphql::Result<PlatformSecretPayload> {
        let new = NewPlatform {
            code: input.code,
            name: input.name,
            kind: input.kind.into(),
            webhook_url: input.webhook_url,
            subscription: input
                .subscription
                .map(Into::into)
                .unwrap_or(entity::enums::PlatformSubscription::OwnCases),
            status_map: terms(input.status_map.unwrap_or_default()),
            enabled: input.enabled.unwrap_or(true),
            authority: input.authority.map(Into::into),
            signature_algorithm: input.signature_algorithm.map(Into::into).unwrap_or_default(),
        };
        let (m, secret) = svc::create(db(ctx)?, actor(ctx)?, new, egress(ctx)?).await?;
        Ok(PlatformSecretPayload {
            platform: Platform(m),
            secret,
        })
    }

    /// Changes a platform's settings (administrators).
    async fn update_platform(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: UpdatePlatformInput,
    ) -> async_graphql::Result<UpdatePlatformPayload> {
        let pid = parse_id("input.id", &input.id)?;
        if input.remove_webhook_url == Some(true) && input.webhook_url.is_some() {
            return Err(AppError::bad_input(
                "input.removeWebhookUrl",
                "give a new webhookUrl or remove it, not both",
            )
            .into());
        }
        let change = PlatformChange {
            name: input.name,
            webhook_url: if input.remove_webhook_url == Some(true) {
                Some(None)
            } else {
                input.webhook_url.map(Some)
            },
            subscription: input.subscription.map(Into::into),
            status_map: input.status_map.map(terms),
            enabled: input.enabled,
            authority: input.authority.map(Into::into),
            signature_algorithm: input.signature_algorithm.map(Into::into),
        };
        let m = svc::update(db(ctx)?, actor(ctx)?, pid, change, egress(ctx)?).await?;
        Ok(UpdatePlatformPayload {
            platform: Platform(m),
        })
    }

    /// Replaces a platform's shared secret (administrators); the old one stops working at once.
    async fn rotate_platform_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: RotatePlatformSecretInput,
    ) -> async_graphql::Result<PlatformSecretPayload> {
        let pid = parse_id("input.id", &input.id)?;
        let (m, secret) = svc::rotate_secret(db(ctx)?, actor(ctx)?, pid).await?;
        Ok(PlatformSecretPayload {
            platform: Platform(m),
            secret,
        })
    }

    /// Puts a dead (or waiting) delivery back in line with fresh attempts (administrators).
    async fn redeliver_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: RedeliverEventInput,
    ) -> async_graphql::Result<RedeliverEventPayload> {
        let eid = parse_id("input.id", &input.id)?;
        let m = outbox::redeliver(db(ctx)?, actor(ctx)?, eid).await?;
        Ok(RedeliverEventPayload {
            event: OutboxEvent(m),
        })
    }

    /// Sends a batch as the calling platform's account (role PLATFORM), the GraphQL twin of its signed webhook.
    async fn sync_records(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: SyncRecordsInput,
    ) -> async_graphql::Result<SyncRecordsPayload> {
        let a = actor(ctx)?;
        crate::service::require_role(a, &[crate::auth::Role::Platform], "sync records")?;
        let pid = a
            .scope
            .platform
            .ok_or_else(|| AppError::forbidden("the token names no platform"))?;
        let d = db(ctx)?;
        let p = crate::service::get::<platform::Entity, _>(d, a, pid).await?;
        let max = ctx
            .data::<super::SchemaData>()
            .map(|s| s.max_sync_records)
            .unwrap_or(500);
        let report = sync::apply(super::store(ctx)?, &p, input.into_batch(), max, None).await?;
        Ok(report.into())
    }

    /// Confirms or dismisses a likely duplicate (commanders, community police, administrators). Nothing is merged.
    async fn decide_duplicate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: DecideDuplicateInput,
    ) -> async_graphql::Result<DecideDuplicatePayload> {
        let lid = parse_id("input.id", &input.id)?;
        let m = dup::decide(db(ctx)?, actor(ctx)?, lid, input.same_event).await?;
        Ok(DecideDuplicatePayload {
            link: DuplicateLink(m),
        })
    }
}

crate::children_loader!(CaseSources, sync::Source, sync::case_sources);
crate::children_loader!(EnterpriseSources, sync::Source, sync::enterprise_sources);
crate::children_loader!(VolunteerSources, sync::Source, sync::volunteer_sources);
crate::children_loader!(CaseDuplicates, duplicate_link::Model, dup::of_cases);

/// The sources of a record, for the `sources` fields.
pub fn to_sources(v: Vec<sync::Source>) -> Vec<RecordSource> {
    v.into_iter().map(|(r, p)| RecordSource(r, p)).collect()
}
