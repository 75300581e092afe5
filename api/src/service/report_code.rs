//! Report codes (民情码 / 解纷码): QR codes posted at a place, grid, room or enterprise, and
//! the public reports made through them by people without an account.
//!
//! Staff manage and list codes through the scoped reads ([`Scoped`]: directory data, any
//! signed-in caller). The public page and the mini-programs go through the three public
//! functions only: [`public_by_code`] (label, place and grid name of an active code),
//! [`submit_public_report`] (a case, its photo and a tracking token, in one transaction) and
//! [`track`] (status and public timeline by token).

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::{DateTime, Utc};
use entity::{
    case, case_timeline_entry, enterprise,
    enums::{CaseKind, CaseSource, CaseStatus, Placement, ReporterRole, TimelineKind},
    grid, mediation_room, report_code,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    directory_scope,
    journal::{Journal, NewCase, Opened, Store},
    pagination::{fetch, Listing, PageArgs, PageLimits, Sort},
    require_master_data,
    unit::{not_found_as_input, opt_phone, opt_text},
    visible, Scoped,
};
use crate::{
    auth::Actor,
    db::begin_write,
    error::{AppError, AppResult},
    validate,
};

/// Largest photo accepted with a public report.
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
/// Characters of a generated code.
pub const CODE_LEN: usize = 10;
/// Lower-case Crockford base32: no i, l, o, u, so a code read aloud or retyped survives.
const CODE_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

impl Scoped for report_code::Entity {
    const ID: report_code::Column = report_code::Column::Id;
    /// Codes are directory data: any signed-in caller sees them; anonymous callers see none
    /// (the public page reads one active code through [`public_by_code`]).
    async fn scope<C: ConnectionTrait>(_db: &C, actor: &Actor) -> AppResult<Condition> {
        Ok(directory_scope(actor))
    }
}

impl super::Governed for report_code::Entity {
    /// A code placed in the actor's grids: by its own grid, or (without one) by the grid of
    /// its room or enterprise. A code placed nowhere: district-wide actors only.
    async fn write_scope<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Condition> {
        use sea_orm::sea_query::Query;
        if actor.sees_jurisdiction() {
            return Ok(super::allow());
        }
        let rooms = <mediation_room::Entity as super::Governed>::write_scope(db, actor).await?;
        let enterprises = <enterprise::Entity as super::Governed>::write_scope(db, actor).await?;
        Ok(Condition::any()
            .add(super::grid_scope(db, actor, report_code::Column::GridId).await?)
            .add(
                Condition::all().add(report_code::Column::GridId.is_null()).add(
                    report_code::Column::RoomId.in_subquery(
                        Query::select()
                            .column(mediation_room::Column::Id)
                            .from(mediation_room::Entity)
                            .cond_where(rooms)
                            .to_owned(),
                    ),
                ),
            )
            .add(
                Condition::all().add(report_code::Column::GridId.is_null()).add(
                    report_code::Column::EnterpriseId.in_subquery(
                        Query::select()
                            .column(enterprise::Column::Id)
                            .from(enterprise::Entity)
                            .cond_where(enterprises)
                            .to_owned(),
                    ),
                ),
            ))
    }
}

/// A new report code.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct NewReportCode {
    /// What the code is called on its poster, e.g. 武林路12号路灯.
    pub label: String,
    /// Where it is posted.
    pub place: Option<String>,
    /// Grid a report through it belongs to.
    pub grid_id: Option<Uuid>,
    /// Mediation room it refers disputes to (解纷码).
    pub room_id: Option<Uuid>,
    /// Enterprise it is posted at.
    pub enterprise_id: Option<Uuid>,
}

/// A fresh random code: [`CODE_LEN`] characters of lower-case base32 (50 bits).
pub fn generate_code() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..CODE_LEN)
        .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
        .collect()
}

/// Creates an active code with a random, unique short code (admins and commanders).
/// With `key` (the client's idempotency key), a retry with the same key and input answers
/// the first call's record instead of a second one.
pub async fn create_once(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewReportCode,
    key: Option<&str>,
) -> AppResult<report_code::Model> {
    let key = super::idempotency::Request::of(actor, key, "createReportCode", None, &input)?;
    require_master_data(actor)?;
    let label = validate::text(&input.label, 1, 100).map_err(|m| AppError::bad_input("input.label", m))?;
    let place = opt_text("input.place", input.place.as_deref(), 200)?;
    let txn = match super::idempotency::begin(db, key.as_ref()).await? {
        super::idempotency::Begun::Fresh(t) => t,
        super::idempotency::Begun::Replayed(id) => {
            return super::get::<report_code::Entity, _>(db, actor, id).await
        }
    };
    // The code is placed by its grid, else its room's, else its enterprise's: the actor must
    // be able to change what it is placed in (a room or enterprise it is posted at must be
    // one it may change when the code names no grid of its own).
    if input.grid_id.is_some() {
        super::placed_in(&txn, actor, input.grid_id, "input.gridId").await?;
    }
    if let Some(r) = input.room_id {
        if input.grid_id.is_none() {
            super::writable::<mediation_room::Entity, _>(
                &txn,
                actor,
                r,
                "input.roomId",
                "no such mediation room",
            )
            .await?;
        } else {
            super::get::<mediation_room::Entity, _>(&txn, actor, r)
                .await
                .map_err(|e| not_found_as_input(e, "input.roomId", "no such mediation room"))?;
        }
    }
    if let Some(e) = input.enterprise_id {
        if input.grid_id.is_none() && input.room_id.is_none() {
            super::writable::<enterprise::Entity, _>(
                &txn,
                actor,
                e,
                "input.enterpriseId",
                "no such enterprise",
            )
            .await?;
        } else {
            super::get::<enterprise::Entity, _>(&txn, actor, e)
                .await
                .map_err(|e| not_found_as_input(e, "input.enterpriseId", "no such enterprise"))?;
        }
    }
    if input.grid_id.is_none() && input.room_id.is_none() && input.enterprise_id.is_none() {
        super::placed_in(&txn, actor, None, "input.gridId").await?;
    }
    let mut code = None;
    for _ in 0..8 {
        let candidate = generate_code();
        let taken = report_code::Entity::find()
            .filter(report_code::Column::Code.eq(candidate.as_str()))
            .one(&txn)
            .await?
            .is_some();
        if !taken {
            code = Some(candidate);
            break;
        }
    }
    let code = code.ok_or_else(|| AppError::Internal("could not draw an unused report code".into()))?;
    let m = report_code::ActiveModel {
        id: Set(super::new_id()),
        code: Set(code),
        label: Set(label),
        place: Set(place),
        grid_id: Set(input.grid_id),
        room_id: Set(input.room_id),
        enterprise_id: Set(input.enterprise_id),
        active: Set(true),
        created_at: Set(super::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    super::idempotency::finished(&txn, key.as_ref(), m.id).await?;
    txn.commit().await?;
    Ok(m)
}

/// [`create_once`] without a retry key.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewReportCode,
) -> AppResult<report_code::Model> {
    create_once(db, actor, input, None).await
}

/// Switches a code on or off; an inactive code's page answers 404 and takes no reports.
pub async fn set_active(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    active: bool,
) -> AppResult<report_code::Model> {
    require_master_data(actor)?;
    let txn = begin_write(db).await?;
    let m =
        super::writable::<report_code::Entity, _>(&txn, actor, id, "input.id", "no such report code").await?;
    let mut am: report_code::ActiveModel = m.into();
    am.active = Set(active);
    let m = am.update(&txn).await?;
    txn.commit().await?;
    Ok(m)
}

/// Filters for the code list.
#[derive(Clone, Debug, Default)]
pub struct ReportCodeFilter {
    /// Only active (true) or inactive (false) codes.
    pub active: Option<bool>,
    /// Codes of this grid's subtree.
    pub grid: Option<Uuid>,
    /// Codes posted at this enterprise.
    pub enterprise: Option<Uuid>,
    /// Codes of this mediation room.
    pub room: Option<Uuid>,
    /// Text in label, place or code.
    pub text: Option<String>,
}

/// Lists codes visible to the actor, newest first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &ReportCodeFilter,
    args: &PageArgs,
    limits: PageLimits,
) -> AppResult<Listing<report_code::Entity>> {
    super::require_signed_in(actor)?;
    let mut q = visible::<report_code::Entity, C>(db, actor).await?;
    if let Some(a) = filter.active {
        q = q.filter(report_code::Column::Active.eq(a));
    }
    if let Some(g) = filter.grid {
        let root = super::get::<grid::Entity, C>(db, actor, g).await?;
        q = q.filter(super::in_grid_subtrees(report_code::Column::GridId, &[root.path]));
    }
    if let Some(e) = filter.enterprise {
        q = q.filter(report_code::Column::EnterpriseId.eq(e));
    }
    if let Some(r) = filter.room {
        q = q.filter(report_code::Column::RoomId.eq(r));
    }
    if let Some(t) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if t.chars().count() > 100 {
            return Err(AppError::bad_input("filter.text", "at most 100 characters"));
        }
        q = q.filter(
            Condition::any()
                .add(super::contains_text(report_code::Column::Label, t))
                .add(super::contains_text(report_code::Column::Place, t))
                .add(super::contains_text(report_code::Column::Code, t)),
        );
    }
    let sort = Sort {
        key: None,
        descending: true,
    };
    fetch(db, q, report_code::Column::Id, sort, args, limits).await
}

/// A code as typed or scanned: trimmed, at most 32 characters of `[A-Za-z0-9_-]`; anything
/// else cannot be a code and is simply not found.
fn normalize_code(code: &str) -> AppResult<String> {
    let code = code.trim();
    if code.len() > 32 {
        return Err(AppError::NotFound);
    }
    validate::code(code).map_err(|_| AppError::NotFound)
}

/// One code by its short code, for staff (scoped like every read).
pub async fn by_code<C: ConnectionTrait>(db: &C, actor: &Actor, code: &str) -> AppResult<report_code::Model> {
    let code = normalize_code(code)?;
    visible::<report_code::Entity, C>(db, actor)
        .await?
        .filter(report_code::Column::Code.eq(code))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// What anyone who scans a code may know about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicCode {
    /// The short code.
    pub code: String,
    /// Label on the poster.
    pub label: String,
    /// Where it is posted.
    pub place: Option<String>,
    /// Name of its grid.
    pub grid_name: Option<String>,
}

async fn active_code<C: ConnectionTrait>(db: &C, code: &str) -> AppResult<report_code::Model> {
    let code = normalize_code(code)?;
    report_code::Entity::find()
        .filter(report_code::Column::Code.eq(code))
        .filter(report_code::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The public face of an active code; `NOT_FOUND` for unknown and inactive codes.
pub async fn public_by_code<C: ConnectionTrait>(db: &C, code: &str) -> AppResult<PublicCode> {
    let m = active_code(db, code).await?;
    let grid_name = match m.grid_id {
        Some(g) => grid::Entity::find_by_id(g).one(db).await?.map(|g| g.name),
        None => None,
    };
    Ok(PublicCode {
        code: m.code,
        label: m.label,
        place: m.place,
        grid_name,
    })
}

/// A photo sent with a public report.
#[derive(Clone, Debug)]
pub struct Photo {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// The content type the sender claimed (informational: the bytes decide).
    pub content_type: Option<String>,
}

/// What an anonymous reporter sends.
#[derive(Clone, Debug, Default)]
pub struct PublicSubmission {
    /// Short title; derived from the description when absent.
    pub title: Option<String>,
    /// What is wrong (1–4000 characters).
    pub description: String,
    /// Phone for a call back (never shown publicly).
    pub phone: Option<String>,
    /// A photo (JPEG, PNG or WebP, at most 5 MB).
    pub photo: Option<Photo>,
    /// Latitude (WGS 84).
    pub latitude: Option<f64>,
    /// Longitude (WGS 84).
    pub longitude: Option<f64>,
    /// Retry key (at least 22 characters, e.g. a UUID): a second submission with the same key
    /// and content answers the first one's tracking number and token instead of filing twice.
    pub idempotency_key: Option<String>,
}

/// What a retry key of a public report binds: the content, not the photo's bytes (their hash).
#[derive(serde::Serialize)]
struct PublicFingerprint<'a> {
    title: &'a str,
    description: &'a str,
    phone: Option<&'a str>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    photo_sha256: Option<&'a str>,
}

/// The answer to a public report: the case and the tracking token, which exists only here
/// (the database keeps its SHA-256).
#[derive(Clone, Debug)]
pub struct Submitted {
    /// The new case.
    pub case: case::Model,
    /// The token to track the report with; shown once.
    pub token: String,
    /// The report had no position and took the one its photo carried.
    pub location_from_photo: bool,
}

/// A new tracking token: 256 bits from the operating system's generator, base64url.
fn new_token() -> String {
    use rand::RngCore;
    let mut buf = [0u8; 32];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// A title from the first line of the description: at most 30 characters.
fn derived_title(description: &str) -> String {
    let first = description.lines().next().unwrap_or(description).trim();
    let mut t: String = first.chars().take(30).collect();
    if first.chars().count() > 30 {
        t.push('…');
    }
    t
}

/// Checks a public report's photo like any evidence file, and holds it to images.
async fn public_photo(files: &super::attachment::Files, p: Photo) -> AppResult<super::attachment::Ready> {
    let ready = super::attachment::check(
        files,
        "input.photo",
        // Named as before (`photo.<ext>`): the browser's file name may carry personal data.
        super::attachment::Incoming {
            name: Some("photo".into()),
            bytes: p.bytes.into(),
        },
    )
    .await?;
    if !ready.kind.is_image() {
        return Err(AppError::file(
            crate::error::code::UNSUPPORTED_FILE_TYPE,
            "input.photo",
            "must be a photo (JPEG, PNG, WebP or HEIC)",
        ));
    }
    Ok(ready)
}

/// Records a report made through an active code by someone without an account, through the
/// case journal: the case (source REPORT_CODE, reporter ANONYMOUS, grid, room and enterprise
/// from the code, kind SAFETY_HAZARD), its first timeline entry, the photo's metadata, and the
/// SHA-256 of a new tracking token — in one transaction. The photo passes the checks every
/// evidence file passes (type by content, metadata removed, thumbnail); its bytes are stored
/// before the commit and removed again when the commit fails. A report without a position
/// takes the one the photo carried (`Submitted::location_from_photo` tells the page).
///
/// With a retry key the token is derived from the key (HMAC with the store's token key), so
/// a retry answers the same token without the token ever being stored.
pub async fn submit_public_report(
    store: &Store,
    accept_photo: bool,
    code: &str,
    input: PublicSubmission,
) -> AppResult<Submitted> {
    let description = validate::text(&input.description, 1, 4000)
        .map_err(|m| AppError::bad_input("input.description", m))?;
    let title = match input.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => validate::text(t, 1, 200).map_err(|m| AppError::bad_input("input.title", m))?,
        None => derived_title(&description),
    };
    let phone = opt_phone("input.phone", input.phone.as_deref())?;
    validate::coordinates(input.latitude, input.longitude)
        .map_err(|(f, m)| AppError::bad_input(format!("input.{f}"), m))?;
    let photo = match input.photo.filter(|p| !p.bytes.is_empty()) {
        None => None,
        Some(_) if !accept_photo => {
            return Err(AppError::bad_input("input.photo", "photos are not accepted here"))
        }
        Some(p) => Some(public_photo(&store.files, p).await?),
    };
    // Look the code up before taking the write lock: unknown codes cost no transaction.
    let rc = active_code(&store.db, code).await?;
    let key = match input.idempotency_key.as_deref() {
        None => None,
        Some(k) => {
            let k = super::idempotency::check_key(k)?;
            if k.chars().count() < 22 {
                return Err(AppError::bad_input(
                    "input.idempotencyKey",
                    "a public report's key must be at least 22 characters (use a random UUID)",
                ));
            }
            let fingerprint = PublicFingerprint {
                title: &title,
                description: &description,
                phone: phone.as_deref(),
                latitude: input.latitude,
                longitude: input.longitude,
                photo_sha256: photo.as_ref().map(|p| p.sha256.as_str()),
            };
            Some(super::idempotency::Request {
                subject: format!("report-code:{}", rc.id),
                key: k,
                operation: "submitPublicReport",
                target: Some(rc.id),
                hash: super::idempotency::hash_of(&fingerprint)?,
            })
        }
    };
    let token = match &key {
        Some(k) => store.derived_token(&k.subject, &k.key),
        None => new_token(),
    };
    let mut j = match Journal::open(store, key).await? {
        Opened::Fresh(j) => j,
        Opened::Replayed(first) => {
            let id = first
                .result_id
                .ok_or_else(|| AppError::Internal("idempotency key without a result".into()))?;
            let case = case::Entity::find_by_id(id)
                .one(&store.db)
                .await?
                .ok_or(AppError::NotFound)?;
            let location_from_photo = input.latitude.is_none() && case.latitude.is_some();
            return Ok(Submitted {
                case,
                token,
                location_from_photo,
            });
        }
    };
    let rc = active_code(j.txn(), code).await?;
    // A code at an enterprise without a grid of its own files reports in the enterprise's grid.
    let mut grid_id = rc.grid_id;
    if grid_id.is_none() {
        if let Some(e) = rc.enterprise_id {
            grid_id = enterprise::Entity::find_by_id(e)
                .one(j.txn())
                .await?
                .and_then(|e| e.grid_id);
        }
    }
    // A code without a place of its own (a room's) files the report where its position lies.
    let mut placement = grid_id.map(|_| Placement::ReportCode);
    // A report without a position takes the one its photo carried (the photo is stored without it).
    let (mut latitude, mut longitude) = (input.latitude, input.longitude);
    let location_from_photo = match (latitude, photo.as_ref().and_then(|p| p.position)) {
        (None, Some((lat, lng))) => {
            (latitude, longitude) = (Some(lat), Some(lng));
            true
        }
        _ => false,
    };
    if let (None, Some(lat), Some(lng)) = (grid_id, latitude, longitude) {
        (grid_id, placement) = super::grid::place(j.txn(), lat, lng).await?.unzip();
    }
    let ready: Vec<super::attachment::Ready> = photo.into_iter().collect();
    let attachments = super::attachment::rows(&ready, None);
    let anonymous = Actor::anonymous();
    let created = j
        .create(
            &anonymous,
            NewCase {
                kind: CaseKind::SafetyHazard,
                category: None,
                title,
                description,
                source: CaseSource::ReportCode,
                reporter_role: ReporterRole::Anonymous,
                reporter_subject: None,
                reporter_name: None,
                reporter_phone: phone,
                address: None,
                latitude,
                longitude,
                grid_id,
                placement,
                enterprise_id: rc.enterprise_id,
                room_id: rc.room_id,
                report_code_id: Some(rc.id),
                tracking_token_hash: Some(sha256_hex(token.as_bytes())),
                occurred_at: None,
                parties: Vec::new(),
                attachments,
                origin: None,
            },
        )
        .await?;
    let checked = super::attachment::Checked {
        ready,
        upload_ids: Vec::new(),
    };
    let case = super::attachment::store_then(&store.files, &checked, async {
        j.commit_with(created.case.id, None).await?;
        Ok(created.case)
    })
    .await?;
    Ok(Submitted {
        case,
        token,
        location_from_photo,
    })
}

/// One public step of a tracked report: what, the status after it, when. No notes, no
/// actors, no personal data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicStep {
    /// What happened.
    pub kind: TimelineKind,
    /// Status after the step, when it changed one.
    pub status: Option<CaseStatus>,
    /// When.
    pub at: DateTime<Utc>,
}

/// What a reporter sees through the tracking token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicReport {
    /// Human tracking number.
    pub tracking_number: String,
    /// Current status.
    pub status: CaseStatus,
    /// When it was reported.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Public timeline entries, in order.
    pub timeline: Vec<PublicStep>,
    /// The photos sent with the report itself (not files staff added later).
    pub files: Vec<entity::case_attachment::Model>,
}

/// The report behind a tracking token; `NOT_FOUND` for any token that is not one.
pub async fn track<C: ConnectionTrait>(db: &C, token: &str) -> AppResult<PublicReport> {
    let token = token.trim();
    if token.is_empty()
        || token.len() > 128
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(AppError::NotFound);
    }
    let c = case::Entity::find()
        .filter(case::Column::TrackingTokenHash.eq(sha256_hex(token.as_bytes())))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let timeline = case_timeline_entry::Entity::find()
        .filter(case_timeline_entry::Column::CaseId.eq(c.id))
        .filter(case_timeline_entry::Column::Public.eq(true))
        .order_by_asc(case_timeline_entry::Column::Seq)
        .all(db)
        .await?
        .into_iter()
        .map(|e| PublicStep {
            kind: e.kind,
            status: e.to_status,
            at: e.created_at,
        })
        .collect();
    let files = super::attachment::of_case(db, c.id)
        .await?
        .into_iter()
        .filter(|a| a.uploaded_by.is_none())
        .collect();
    Ok(PublicReport {
        files,
        tracking_number: c.tracking_number,
        status: c.status,
        created_at: c.created_at,
        updated_at: c.updated_at,
        timeline,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_short_base32_and_differ() {
        let a = generate_code();
        let b = generate_code();
        assert_eq!(a.len(), CODE_LEN);
        assert!(a.bytes().all(|c| CODE_ALPHABET.contains(&c)));
        assert!(validate::code(&a).is_ok());
        assert_ne!(a, b);
    }

    #[test]
    fn tokens_carry_256_bits() {
        let t = new_token();
        assert_eq!(URL_SAFE_NO_PAD.decode(&t).map(|b| b.len()).ok(), Some(32));
        assert_ne!(t, new_token());
    }

    #[test]
    fn titles_come_from_the_first_line() {
        assert_eq!(derived_title("路灯不亮\n第二行"), "路灯不亮");
        let long = "很".repeat(40);
        assert_eq!(derived_title(&long).chars().count(), 31);
    }
}

impl super::revision::Versioned for report_code::Entity {
    const VERSION: report_code::Column = report_code::Column::Version;
    const TYPE: &'static str = "ReportCode";
}

/// A change to a report code: `None` leaves a field alone; `Some(None)` clears an optional one.
#[derive(Clone, Debug, Default)]
pub struct ReportCodeUpdate {
    /// The record.
    pub id: Uuid,
    /// The version the client saw.
    pub version: i32,
    /// New `label`.
    pub label: Option<String>,
    /// New `place` (`Some(None)` clears it).
    pub place: Option<Option<String>>,
    /// False deactivates it (kept: cases and history refer to it).
    pub active: Option<bool>,
}

/// Changes a report code (admins and commanders, within their jurisdiction): versioned, audited
/// with its before and after.
pub async fn update(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    req: &crate::request::RequestInfo,
    u: ReportCodeUpdate,
) -> AppResult<report_code::Model> {
    use super::revision::{self, Diff};
    super::require_master_data(actor)?;
    let label = revision::text("input.label", u.label.as_deref(), 100)?;
    let place = revision::opt_text("input.place", u.place.as_ref(), 200)?;
    let txn = crate::db::begin_write(db).await?;
    let old = revision::begin::<report_code::Entity, _>(&txn, actor, u.id, u.version, "no such report code")
        .await?;
    let new = report_code::Model {
        label: label.unwrap_or_else(|| old.label.clone()),
        place: place.unwrap_or_else(|| old.place.clone()),
        active: u.active.unwrap_or(old.active),
        version: old.version + 1,
        ..old.clone()
    };
    let mut d = Diff::default();
    d.field("label", &old.label, &new.label);
    d.field("place", &old.place, &new.place);
    d.field("active", &old.active, &new.active);
    let columns = [
        report_code::Column::Label,
        report_code::Column::Place,
        report_code::Column::Active,
    ];
    revision::finish::<report_code::Entity>(txn, actor, req, ("updateReportCode", u.id), new, &columns, d)
        .await
}
