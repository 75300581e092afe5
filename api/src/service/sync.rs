//! Inbound sync: batches of cases, enterprises and volunteers sent by an integrated platform,
//! through the signed webhook or the `syncRecords` mutation (both land here).
//!
//! Each record is upserted in its own transaction, idempotently on (platform, external id):
//! a version at or below the stored one writes nothing (an older one is reported `STALE`), a
//! newer one updates. Enterprises and volunteers are also matched on their natural keys
//! (credit code, resident ID) so two platforms sending the same enterprise make one record
//! with two sources. A new case is compared with recent cases for likely duplicates, which
//! are linked for a person to confirm. A bad record is reported with its index and reason;
//! the others land.

use chrono::{DateTime, Utc};
use entity::{
    case, enterprise,
    enums::{CaseCategory, CaseKind, CaseSource, ExternalEntity, PlatformKind, Skill, TimelineKind},
    external_ref, grid, platform, volunteer, volunteer_membership, volunteer_team,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, Set,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    case::NewReport,
    enterprise::NewEnterprise,
    journal::{self, Entry, Journal, Store},
    platform as platforms,
    volunteer::NewVolunteer,
    Change,
};
use crate::{
    auth::{Actor, Role, Scope},
    error::{AppError, AppResult},
    validate,
};

/// A case as a platform sends it. Enum values use this API's names (`POLICE_INCIDENT`);
/// `status` uses the platform's own vocabulary, mapped by its status map.
#[derive(Deserialize, Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CaseRecord {
    /// The platform's id of the case.
    pub external_id: String,
    /// The platform's version of the record; higher is newer.
    pub version: i64,
    /// The platform's status term.
    pub status: Option<String>,
    /// Kind.
    pub kind: Option<String>,
    /// Category.
    pub category: Option<String>,
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
#[derive(Deserialize, Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnterpriseRecord {
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
#[derive(Deserialize, Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VolunteerRecord {
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
    /// Names of the teams they serve in.
    #[serde(default)]
    pub team_names: Vec<String>,
    /// Skills (`FIRST_AID`, `PATROL`, ...).
    #[serde(default)]
    pub skills: Vec<String>,
    /// Languages (BCP 47).
    #[serde(default)]
    pub languages: Vec<String>,
}

/// A record that did or did not parse.
pub type Parsed<T> = Result<T, String>;

/// One inbound batch.
#[derive(Default, Debug)]
pub struct Batch {
    /// Cases.
    pub cases: Vec<Parsed<CaseRecord>>,
    /// Enterprises.
    pub enterprises: Vec<Parsed<EnterpriseRecord>>,
    /// Volunteers.
    pub volunteers: Vec<Parsed<VolunteerRecord>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawBatch {
    #[serde(default)]
    cases: Vec<serde_json::Value>,
    #[serde(default)]
    enterprises: Vec<serde_json::Value>,
    #[serde(default)]
    volunteers: Vec<serde_json::Value>,
}

impl Batch {
    /// Parses a webhook body: the envelope must be right; a malformed record is reported alone.
    pub fn from_json(body: &[u8]) -> AppResult<Batch> {
        let raw: RawBatch = serde_json::from_slice(body).map_err(|e| {
            AppError::bad_input(
                "body",
                format!("expected {{\"cases\": [...], \"enterprises\": [...], \"volunteers\": [...]}}: {e}"),
            )
        })?;
        fn each<T: serde::de::DeserializeOwned>(v: Vec<serde_json::Value>) -> Vec<Parsed<T>> {
            v.into_iter()
                .map(|x| serde_json::from_value(x).map_err(|e| e.to_string()))
                .collect()
        }
        Ok(Batch {
            cases: each(raw.cases),
            enterprises: each(raw.enterprises),
            volunteers: each(raw.volunteers),
        })
    }

    fn len(&self) -> usize {
        self.cases.len() + self.enterprises.len() + self.volunteers.len()
    }
}

/// What happened to one record.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    /// A new record (and its source link) was written.
    Created,
    /// The record was changed.
    Updated,
    /// Nothing to change: the same version again, or the same values.
    Unchanged,
    /// An older version than the one already synced; ignored.
    Stale,
    /// Rejected; see `error`.
    Failed,
}

/// Why a record failed.
#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct RecordError {
    /// Stable code (`BAD_USER_INPUT`, `CONFLICT`, `INTERNAL`).
    pub code: String,
    /// The offending field, e.g. `cases[2].title`.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// The result of one record.
#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct RecordResult {
    /// `CASE`, `ENTERPRISE` or `VOLUNTEER`.
    #[serde(serialize_with = "as_db_value")]
    pub entity: ExternalEntity,
    /// Position in its list (from 0).
    pub index: usize,
    /// The platform's id, when the record had one.
    pub external_id: Option<String>,
    /// What happened.
    pub outcome: Outcome,
    /// Our id of the record.
    pub id: Option<Uuid>,
    /// Why it failed.
    pub error: Option<RecordError>,
    /// Cases this one was linked to as likely duplicates.
    pub duplicate_of: Vec<Uuid>,
}

fn as_db_value<S: serde::Serializer>(e: &ExternalEntity, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&e.to_value())
}

/// The result of a batch.
#[derive(Serialize, Clone, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct BatchReport {
    /// Per record, enterprises first, then volunteers, then cases.
    pub results: Vec<RecordResult>,
    /// Records created.
    pub created: usize,
    /// Records updated.
    pub updated: usize,
    /// Records unchanged.
    pub unchanged: usize,
    /// Older versions ignored.
    pub stale: usize,
    /// Records rejected.
    pub failed: usize,
}

impl BatchReport {
    fn push(&mut self, r: RecordResult) {
        match r.outcome {
            Outcome::Created => self.created += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
            Outcome::Stale => self.stale += 1,
            Outcome::Failed => self.failed += 1,
        }
        self.results.push(r);
    }
}

/// The account a platform acts as: its own scope for cases.
pub fn platform_actor(p: &platform::Model) -> Actor {
    Actor::new(
        Role::Platform,
        Some(format!("platform:{}", p.code)),
        Scope {
            platform: Some(p.id),
            ..Scope::default()
        },
    )
}

/// Master data a platform may write (its authority was checked first) is written district-wide
/// under the platform's name.
fn master_data_actor(p: &platform::Model) -> Actor {
    Actor::new(
        Role::Admin,
        Some(format!("platform:{}", p.code)),
        Scope::district(),
    )
}

fn source_of(kind: PlatformKind) -> CaseSource {
    match kind {
        PlatformKind::Dispatch110 => CaseSource::Call110,
        PlatformKind::FourPlatforms => CaseSource::FourPlatforms,
        PlatformKind::PoliceGrid => CaseSource::PoliceGridPlatform,
        PlatformKind::SmartEnterprise => CaseSource::EnterprisePlatform,
        PlatformKind::Hotline12345 => CaseSource::Hotline12345,
        PlatformKind::MiniProgram => CaseSource::MiniProgram,
        PlatformKind::Other => CaseSource::OtherPlatform,
    }
}

/// The signature of the signed delivery a batch came in. It is recorded in the batch's own
/// transaction: a replay of a batch that landed is refused, and a batch that did not land
/// (an outage, a crash) may be sent again as it was.
pub struct Receipt {
    /// The delivery's HMAC, lowercase hex.
    pub signature: String,
}

/// Applies a batch from platform `p` (which must be enabled) in one transaction, each record
/// in a savepoint of it: a bad record fails alone, and nothing of the batch exists until all
/// of it is applied. Records that concurrent batches also carry are applied one batch after
/// the other, so the later one finds them `UNCHANGED` instead of colliding.
pub async fn apply(
    store: &Store,
    p: &platform::Model,
    batch: Batch,
    max_records: usize,
    receipt: Option<Receipt>,
) -> AppResult<BatchReport> {
    if !p.enabled {
        return Err(AppError::forbidden("this platform is disabled"));
    }
    if batch.len() == 0 {
        return Err(AppError::bad_input("records", "the batch holds no records"));
    }
    if batch.len() > max_records {
        return Err(AppError::bad_input(
            "records",
            format!("at most {max_records} records per batch; split it"),
        ));
    }
    let owned = journal::BatchTransaction::begin(store).await?;
    if let Some(r) = receipt {
        record_receipt(owned.txn(), p, r).await?;
    }
    lock_records(owned.txn(), p, &batch).await?;
    let tx = &owned;
    let mut report = BatchReport::default();
    for (i, r) in batch.enterprises.into_iter().enumerate() {
        let res = one(
            ExternalEntity::Enterprise,
            "enterprises",
            i,
            r,
            |rec| async move { enterprise_record(tx, p, rec).await },
        )
        .await;
        report.push(res);
    }
    for (i, r) in batch.volunteers.into_iter().enumerate() {
        let res = one(ExternalEntity::Volunteer, "volunteers", i, r, |rec| async move {
            volunteer_record(tx, p, rec).await
        })
        .await;
        report.push(res);
    }
    for (i, r) in batch.cases.into_iter().enumerate() {
        let res = one(ExternalEntity::Case, "cases", i, r, |rec| async move {
            case_record(store, tx, p, rec).await
        })
        .await;
        report.push(res);
    }
    owned.commit(store).await?;
    tracing::info!(
        platform = %p.code,
        created = report.created,
        updated = report.updated,
        unchanged = report.unchanged,
        stale = report.stale,
        failed = report.failed,
        "platform batch applied"
    );
    Ok(report)
}

trait HasExternalId {
    fn external_id(&self) -> &str;
}
impl HasExternalId for CaseRecord {
    fn external_id(&self) -> &str {
        &self.external_id
    }
}
impl HasExternalId for EnterpriseRecord {
    fn external_id(&self) -> &str {
        &self.external_id
    }
}
impl HasExternalId for VolunteerRecord {
    fn external_id(&self) -> &str {
        &self.external_id
    }
}

/// (outcome, our id, linked duplicates)
type Done = (Outcome, Uuid, Vec<Uuid>);

async fn one<T, F, Fut>(
    entity: ExternalEntity,
    list: &str,
    index: usize,
    parsed: Parsed<T>,
    work: F,
) -> RecordResult
where
    T: HasExternalId,
    F: FnOnce(T) -> Fut,
    Fut: std::future::Future<Output = AppResult<Done>>,
{
    let mut result = RecordResult {
        entity,
        index,
        external_id: None,
        outcome: Outcome::Failed,
        id: None,
        error: None,
        duplicate_of: Vec::new(),
    };
    let rec = match parsed {
        Ok(r) => r,
        Err(message) => {
            result.error = Some(RecordError {
                code: crate::error::code::BAD_USER_INPUT.into(),
                field: Some(format!("{list}[{index}]")),
                message,
            });
            return result;
        }
    };
    result.external_id = Some(rec.external_id().to_owned());
    match work(rec).await {
        Ok((outcome, id, dups)) => {
            result.outcome = outcome;
            result.id = Some(id);
            result.duplicate_of = dups;
        }
        Err(e) => {
            let code = e.code();
            if code == crate::error::code::INTERNAL {
                tracing::error!(error = %e, list, index, "platform record failed");
            }
            let field = match &e {
                AppError::BadInput { field, .. }
                | AppError::Conflict {
                    field: Some(field), ..
                } => Some(match field.strip_prefix("input.") {
                    Some(rest) => format!("{list}[{index}].{rest}"),
                    None => format!("{list}[{index}]"),
                }),
                _ => None,
            };
            let message = match &e {
                AppError::BadInput { message, .. } => message.clone(),
                _ => e.public_message(),
            };
            result.error = Some(RecordError {
                code: code.into(),
                field,
                message,
            });
        }
    }
    result
}

fn check_ids(external_id: &str, version: i64) -> AppResult<()> {
    validate::text(external_id, 1, 128).map_err(|m| AppError::bad_input("input.externalId", m))?;
    if version < 0 {
        return Err(AppError::bad_input("input.version", "must not be negative"));
    }
    Ok(())
}

async fn find_ref<C: ConnectionTrait>(
    db: &C,
    platform: Uuid,
    entity: ExternalEntity,
    external_id: &str,
) -> AppResult<Option<external_ref::Model>> {
    Ok(external_ref::Entity::find()
        .filter(external_ref::Column::PlatformId.eq(platform))
        .filter(external_ref::Column::Entity.eq(entity))
        .filter(external_ref::Column::ExternalId.eq(external_id))
        .one(db)
        .await?)
}

/// Unchanged or stale when the stored version is at least the incoming one.
fn seen(r: &external_ref::Model, version: i64) -> Option<Outcome> {
    match r.external_version {
        Some(v) if v == version => Some(Outcome::Unchanged),
        Some(v) if v > version => Some(Outcome::Stale),
        _ => None,
    }
}

/// Records the source link, or moves it to the new version.
#[allow(clippy::too_many_arguments)]
async fn save_ref<C: ConnectionTrait>(
    db: &C,
    p: &platform::Model,
    existing: Option<external_ref::Model>,
    entity: ExternalEntity,
    entity_id: Uuid,
    external_id: &str,
    version: i64,
    status: Option<String>,
) -> AppResult<()> {
    let now = super::now();
    match existing {
        Some(r) => {
            let mut am = r.into_active_model();
            am.external_version = Set(Some(version));
            am.external_status = Set(status);
            am.last_synced_at = Set(now);
            am.update(db).await?;
        }
        None => {
            external_ref::ActiveModel {
                id: Set(super::new_id()),
                platform_id: Set(p.id),
                entity: Set(entity),
                entity_id: Set(entity_id),
                external_id: Set(external_id.to_owned()),
                external_version: Set(Some(version)),
                external_status: Set(status),
                last_synced_at: Set(now),
                created_at: Set(now),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

async fn grid_by_code<C: ConnectionTrait>(db: &C, code: Option<&str>) -> AppResult<Option<Uuid>> {
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    grid::Entity::find()
        .filter(grid::Column::Code.eq(code))
        .one(db)
        .await?
        .map(|g| Some(g.id))
        .ok_or_else(|| AppError::bad_input("input.gridCode", "no grid has this code"))
}

fn parse_enum<E: ActiveEnum<Value = String>>(field: &str, v: Option<&str>) -> AppResult<Option<E>> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            E::try_from_value(&s.to_owned())
                .map_err(|_| AppError::bad_input(field, format!("unknown value {s:?}")))
        })
        .transpose()
}

async fn case_record(
    store: &Store,
    batch: &journal::BatchTransaction,
    p: &platform::Model,
    rec: CaseRecord,
) -> AppResult<Done> {
    check_ids(&rec.external_id, rec.version)?;
    let external_status = match rec.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(term) => {
            if !platforms::status_map(p).contains_key(term) {
                return Err(AppError::bad_input(
                    "input.status",
                    format!("{term:?} is not in this platform's status map; an administrator adds it with updatePlatform"),
                ));
            }
            Some(term.to_owned())
        }
    };
    let kind = parse_enum::<CaseKind>("input.kind", rec.kind.as_deref())?;
    let category = parse_enum::<CaseCategory>("input.category", rec.category.as_deref())?;
    let authority = platforms::authority(p)?;
    let mut j = Journal::within(store, batch).await?;
    let existing = find_ref(j.txn(), p.id, ExternalEntity::Case, &rec.external_id).await?;
    if let Some(r) = &existing {
        if let Some(o) = seen(r, rec.version) {
            return Ok((o, r.entity_id, Vec::new()));
        }
    }
    let actor = platform_actor(p);
    let done = match existing {
        None => {
            let kind = kind.unwrap_or(CaseKind::PoliceIncident);
            authority.may_write_case(kind)?;
            let grid_id = grid_by_code(j.txn(), rec.grid_code.as_deref()).await?;
            let input = NewReport {
                kind: Some(kind),
                category,
                title: rec.title.clone(),
                description: rec.description.clone(),
                source: Some(source_of(p.kind)),
                reporter_name: rec.reporter_name.clone(),
                reporter_phone: rec.reporter_phone.clone(),
                address: rec.address.clone(),
                latitude: rec.latitude,
                longitude: rec.longitude,
                grid_id,
                // By the public credit code: the link gives the platform no read of the
                // enterprise (only an enterprise it may write and did write is its own).
                enterprise_credit_code: rec.enterprise_credit_code.clone(),
                occurred_at: rec.occurred_at,
                ..NewReport::default()
            };
            let new = super::case::prepare(j.txn(), &actor, &input, Some(p.id)).await?;
            let created = j.create(&actor, new).await?;
            save_ref(
                j.txn(),
                p,
                None,
                ExternalEntity::Case,
                created.case.id,
                &rec.external_id,
                rec.version,
                external_status,
            )
            .await?;
            let id = created.case.id;
            j.commit_with(id, None).await?;
            (Outcome::Created, id, created.duplicate_of)
        }
        Some(r) => {
            let current = case::Entity::find_by_id(r.entity_id)
                .one(j.txn())
                .await?
                .ok_or(AppError::NotFound)?;
            authority.may_write_case(current.kind)?;
            let outcome = update_case(&mut j, p, &actor, &current, &rec, &r, external_status.clone()).await?;
            save_ref(
                j.txn(),
                p,
                Some(r),
                ExternalEntity::Case,
                current.id,
                &rec.external_id,
                rec.version,
                external_status,
            )
            .await?;
            j.commit_with(current.id, None).await?;
            (outcome, current.id, Vec::new())
        }
    };
    Ok(done)
}

/// A newer version of a synced case: the reported facts change (title, description, place,
/// time); the loop's own state (status, colour, assignments) is ours and stays.
async fn update_case(
    j: &mut Journal<'_>,
    p: &platform::Model,
    actor: &Actor,
    current: &case::Model,
    rec: &CaseRecord,
    r: &external_ref::Model,
    external_status: Option<String>,
) -> AppResult<Outcome> {
    let title = validate::text(&rec.title, 1, 200).map_err(|m| AppError::bad_input("input.title", m))?;
    let description =
        validate::text(&rec.description, 1, 4000).map_err(|m| AppError::bad_input("input.description", m))?;
    let address = super::unit::opt_text("input.address", rec.address.as_deref(), 200)?;
    validate::coordinates(rec.latitude, rec.longitude)
        .map_err(|(f, m)| AppError::bad_input(format!("input.{f}"), m))?;
    let mut set: Vec<(case::Column, sea_orm::Value)> = Vec::new();
    let mut changed = Vec::new();
    if title != current.title {
        set.push((case::Column::Title, title.into()));
        changed.push("title");
    }
    if description != current.description {
        set.push((case::Column::Description, description.into()));
        changed.push("description");
    }
    if address != current.address {
        set.push((case::Column::Address, address.into()));
        changed.push("address");
    }
    if rec.latitude != current.latitude || rec.longitude != current.longitude {
        set.push((case::Column::Latitude, rec.latitude.into()));
        set.push((case::Column::Longitude, rec.longitude.into()));
        changed.push("location");
    }
    if rec.occurred_at.is_some() && rec.occurred_at != current.occurred_at {
        set.push((case::Column::OccurredAt, rec.occurred_at.into()));
        changed.push("occurredAt");
    }
    let status_changed = external_status.is_some() && external_status != r.external_status;
    if changed.is_empty() && !status_changed {
        return Ok(Outcome::Unchanged);
    }
    let mut note = format!("{} v{}", p.name, rec.version);
    if !changed.is_empty() {
        note.push_str(&format!(": {}", changed.join(", ")));
    }
    if let (true, Some(s)) = (status_changed, &external_status) {
        note.push_str(&format!("; 来源平台状态 {s}"));
    }
    j.record(
        actor,
        current,
        Entry {
            set,
            note: Some(note),
            public: false,
            origin: Some(p.id),
            ..Entry::new(TimelineKind::Synced)
        },
    )
    .await?;
    Ok(Outcome::Updated)
}

fn from_change(c: Change) -> Outcome {
    match c {
        Change::Created => Outcome::Created,
        Change::Updated => Outcome::Updated,
        Change::Unchanged => Outcome::Unchanged,
    }
}

/// The source link must point at the record the natural key found.
fn same_record(existing: &Option<external_ref::Model>, id: Uuid, what: &str) -> AppResult<()> {
    match existing {
        Some(r) if r.entity_id != id => Err(AppError::conflict(
            "input.externalId",
            format!("this external id is linked to another {what}; its natural key changed"),
        )),
        _ => Ok(()),
    }
}

async fn enterprise_record(
    batch: &journal::BatchTransaction,
    p: &platform::Model,
    rec: EnterpriseRecord,
) -> AppResult<Done> {
    check_ids(&rec.external_id, rec.version)?;
    let txn = batch.savepoint().await?;
    let existing = find_ref(&txn, p.id, ExternalEntity::Enterprise, &rec.external_id).await?;
    if let Some(r) = &existing {
        if let Some(o) = seen(r, rec.version) {
            return Ok((o, r.entity_id, Vec::new()));
        }
    }
    let grid_id = grid_by_code(&txn, rec.grid_code.as_deref()).await?;
    // What the record leaves out keeps its stored value.
    let stored = match validate::credit_code(&rec.credit_code) {
        Ok(cc) => {
            enterprise::Entity::find()
                .filter(enterprise::Column::CreditCode.eq(cc))
                .one(&txn)
                .await?
        }
        Err(_) => None,
    };
    let authority = platforms::authority(p)?;
    platforms::Authority::may_write(authority.enterprises, stored.is_some(), "enterprises")?;
    if let Some(old) = &stored {
        use platforms::EnterpriseField as F;
        let changes = [
            (F::Name, rec.name.trim() != old.name),
            (
                F::Industry,
                rec.industry.is_some() && rec.industry != old.industry,
            ),
            (
                F::AboveDesignatedSize,
                rec.above_designated_size
                    .is_some_and(|v| v != old.above_designated_size),
            ),
            (
                F::HazardousChemicals,
                rec.hazardous_chemicals
                    .is_some_and(|v| v != old.hazardous_chemicals),
            ),
            (F::Address, rec.address.is_some() && rec.address != old.address),
            (F::Grid, grid_id.is_some() && grid_id != old.grid_id),
        ];
        for (field, changed) in changes {
            if changed {
                authority.may_change_enterprise_field(field)?;
            }
        }
    }
    let input = NewEnterprise {
        credit_code: rec.credit_code.clone(),
        name: rec.name.clone(),
        industry: rec
            .industry
            .clone()
            .or(stored.as_ref().and_then(|s| s.industry.clone())),
        above_designated_size: rec
            .above_designated_size
            .or(stored.as_ref().map(|s| s.above_designated_size))
            .unwrap_or(false),
        hazardous_chemicals: rec
            .hazardous_chemicals
            .or(stored.as_ref().map(|s| s.hazardous_chemicals))
            .unwrap_or(false),
        address: rec
            .address
            .clone()
            .or(stored.as_ref().and_then(|s| s.address.clone())),
        grid_id: grid_id.or(stored.as_ref().and_then(|s| s.grid_id)),
        liaison_officer_id: stored.as_ref().and_then(|s| s.liaison_officer_id),
        contacts: Vec::new(),
    };
    let (m, change) = super::enterprise::upsert(&txn, &master_data_actor(p), input).await?;
    same_record(&existing, m.id, "enterprise")?;
    save_ref(
        &txn,
        p,
        existing,
        ExternalEntity::Enterprise,
        m.id,
        &rec.external_id,
        rec.version,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok((from_change(change), m.id, Vec::new()))
}

async fn volunteer_record(
    batch: &journal::BatchTransaction,
    p: &platform::Model,
    rec: VolunteerRecord,
) -> AppResult<Done> {
    check_ids(&rec.external_id, rec.version)?;
    if rec.team_names.len() > 20 {
        return Err(AppError::bad_input("input.teamNames", "at most 20 teams"));
    }
    let mut skills = Vec::new();
    for (i, s) in rec.skills.iter().enumerate() {
        if let Some(sk) = parse_enum::<Skill>(&format!("input.skills[{i}]"), Some(s))? {
            skills.push(sk);
        }
    }
    let txn = batch.savepoint().await?;
    let existing = find_ref(&txn, p.id, ExternalEntity::Volunteer, &rec.external_id).await?;
    if let Some(r) = &existing {
        if let Some(o) = seen(r, rec.version) {
            return Ok((o, r.entity_id, Vec::new()));
        }
    }
    let registered = match validate::resident_id(&rec.resident_id) {
        Ok(rid) => volunteer::Entity::find()
            .filter(volunteer::Column::ResidentId.eq(rid))
            .one(&txn)
            .await?
            .is_some(),
        Err(_) => false,
    };
    platforms::Authority::may_write(platforms::authority(p)?.volunteers, registered, "volunteers")?;
    let mut team_ids = Vec::new();
    for (i, name) in rec.team_names.iter().enumerate() {
        let t = volunteer_team::Entity::find()
            .filter(volunteer_team::Column::Name.eq(name.trim()))
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::bad_input(format!("input.teamNames[{i}]"), "no team has this name"))?;
        team_ids.push(t.id);
    }
    if team_ids.is_empty() {
        // Keep the teams of a volunteer already registered.
        if let Ok(rid) = validate::resident_id(&rec.resident_id) {
            if let Some(v) = volunteer::Entity::find()
                .filter(volunteer::Column::ResidentId.eq(rid))
                .one(&txn)
                .await?
            {
                team_ids = volunteer_membership::Entity::find()
                    .filter(volunteer_membership::Column::VolunteerId.eq(v.id))
                    .all(&txn)
                    .await?
                    .into_iter()
                    .map(|m| m.team_id)
                    .collect();
            }
        }
    }
    let input = NewVolunteer {
        name: rec.name.clone(),
        phone: rec.phone.clone(),
        resident_id: Some(rec.resident_id.clone()),
        team_ids,
        skills,
        languages: rec.languages.clone(),
        subject: None,
    };
    let (m, change) = super::volunteer::upsert(&txn, &master_data_actor(p), input).await?;
    same_record(&existing, m.id, "volunteer")?;
    save_ref(
        &txn,
        p,
        existing,
        ExternalEntity::Volunteer,
        m.id,
        &rec.external_id,
        rec.version,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok((from_change(change), m.id, Vec::new()))
}

/// One source of a record: the link and the platform.
pub type Source = (external_ref::Model, platform::Model);

/// The sources of records of one kind (the caller already sees the records themselves).
async fn sources<C: ConnectionTrait>(
    db: &C,
    entity: ExternalEntity,
    ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, Vec<Source>>> {
    let rows = external_ref::Entity::find()
        .filter(external_ref::Column::Entity.eq(entity))
        .filter(external_ref::Column::EntityId.is_in(ids.iter().copied()))
        .find_also_related(platform::Entity)
        .all(db)
        .await?;
    let mut out: std::collections::HashMap<Uuid, Vec<Source>> = std::collections::HashMap::new();
    for (r, p) in rows {
        if let Some(p) = p {
            out.entry(r.entity_id).or_default().push((r, p));
        }
    }
    for v in out.values_mut() {
        v.sort_by(|a, b| a.1.code.cmp(&b.1.code));
    }
    Ok(out)
}

/// Sources of cases (for the `Case.sources` loader).
pub async fn case_sources<C: ConnectionTrait>(
    db: &C,
    _actor: &Actor,
    ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, Vec<Source>>> {
    sources(db, ExternalEntity::Case, ids).await
}

/// Sources of enterprises (for the `Enterprise.sources` loader).
pub async fn enterprise_sources<C: ConnectionTrait>(
    db: &C,
    _actor: &Actor,
    ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, Vec<Source>>> {
    sources(db, ExternalEntity::Enterprise, ids).await
}

/// Sources of volunteers (for the `Volunteer.sources` loader).
pub async fn volunteer_sources<C: ConnectionTrait>(
    db: &C,
    _actor: &Actor,
    ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, Vec<Source>>> {
    sources(db, ExternalEntity::Volunteer, ids).await
}

/// Checks a signed webhook from the platform with `code` and returns the platform and the
/// receipt that [`apply`] records with the batch (so a replay is refused). Nothing is written
/// here but the purge of receipts older than the replay window allows.
pub async fn authenticate_webhook(
    db: &DatabaseConnection,
    code: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    window: std::time::Duration,
) -> AppResult<(platform::Model, Receipt)> {
    let p = platforms::by_code(db, code).await?.ok_or(AppError::NotFound)?;
    let (Some(ts), Some(sig)) = (timestamp, signature) else {
        return Err(AppError::Unauthenticated(
            "sign the request: X-Fengqiao-Timestamp and X-Fengqiao-Signature are required".into(),
        ));
    };
    let ts: i64 = ts
        .trim()
        .parse()
        .map_err(|_| AppError::Unauthenticated("X-Fengqiao-Timestamp must be Unix seconds".into()))?;
    // `<label>=<hex>`, the label naming the platform's algorithm (a bare hex is taken as
    // made with it); another label is refused, never tried with another algorithm.
    let sig = sig.trim();
    let label = platforms::signature_label(p.signature_algorithm);
    let sig = match sig.split_once('=') {
        None => sig.to_ascii_lowercase(),
        Some((l, hex)) if l.eq_ignore_ascii_case(label) => hex.to_ascii_lowercase(),
        Some((l, _)) => {
            return Err(AppError::Unauthenticated(format!(
                "this platform signs with {label}= (X-Fengqiao-Signature: {label}=<hex>), not {l}="
            )))
        }
    };
    let skew = (Utc::now().timestamp() - ts).unsigned_abs();
    if skew > window.as_secs() {
        return Err(AppError::Unauthenticated(format!(
            "the timestamp is {skew} s away from our clock; at most {} s is accepted",
            window.as_secs()
        )));
    }
    if !platforms::verify_with(p.signature_algorithm, &p.secret, ts, body, &sig) {
        return Err(AppError::Unauthenticated("the signature does not match".into()));
    }
    if !p.enabled {
        return Err(AppError::forbidden("this platform is disabled"));
    }
    let now = super::now();
    let keep = chrono::Duration::from_std(window * 2).unwrap_or_else(|_| chrono::Duration::hours(1));
    entity::webhook_receipt::Entity::delete_many()
        .filter(entity::webhook_receipt::Column::ReceivedAt.lt(now - keep))
        .exec(db)
        .await?;
    Ok((p, Receipt { signature: sig }))
}

/// Records a signed delivery in the batch's transaction; a delivery already recorded is a
/// replay (a concurrent replay waits for the first to commit or roll back).
async fn record_receipt<C: ConnectionTrait>(txn: &C, p: &platform::Model, r: Receipt) -> AppResult<()> {
    let inserted = entity::webhook_receipt::ActiveModel {
        id: Set(super::new_id()),
        platform_id: Set(p.id),
        signature: Set(r.signature),
        received_at: Set(super::now()),
    }
    .insert(txn)
    .await;
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => {
            Err(AppError::Conflict {
                field: None,
                message: "this request was already received (replay); sign each delivery anew".into(),
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// On PostgreSQL, takes a transaction-scoped advisory lock per record of the batch (platform,
/// kind, external id), in one global order so two batches never wait on each other in a
/// cycle: a record that a concurrent batch also carries is applied after that batch commits,
/// and then found unchanged. (SQLite's write transaction already runs batches one at a time.)
async fn lock_records<C: ConnectionTrait>(txn: &C, p: &platform::Model, batch: &Batch) -> AppResult<()> {
    if txn.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    fn ids<T: HasExternalId>(list: &[Parsed<T>]) -> impl Iterator<Item = &str> {
        list.iter()
            .filter_map(|r| r.as_ref().ok().map(HasExternalId::external_id))
    }
    let mut keys: Vec<i64> = ids(&batch.enterprises)
        .map(|id| record_key(p.id, "enterprise", id))
        .chain(ids(&batch.volunteers).map(|id| record_key(p.id, "volunteer", id)))
        .chain(ids(&batch.cases).map(|id| record_key(p.id, "case", id)))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    if keys.is_empty() {
        return Ok(());
    }
    // One round trip: `unnest` yields the (sorted) keys in array order. The keys are numbers
    // made here, so writing them into the text is safe.
    let list = keys.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    txn.execute_unprepared(&format!(
        "SELECT pg_advisory_xact_lock(k) FROM unnest(ARRAY[{list}]::bigint[]) AS t(k)"
    ))
    .await?;
    Ok(())
}

/// The advisory lock key of one external record.
fn record_key(platform: Uuid, kind: &str, external_id: &str) -> i64 {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(platform.as_bytes());
    h.update(kind.as_bytes());
    h.update([0]);
    h.update(external_id.trim().as_bytes());
    let d = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&d[..8]);
    i64::from_be_bytes(first)
}
