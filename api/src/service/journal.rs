//! The case journal: the one door through which every change to a case goes.
//!
//! GraphQL mutations, the public report page, platform sync and webhooks, volunteers' task
//! moves and the CLI all change cases here and nowhere else. A [`Journal`] is one write
//! transaction; inside it the journal owns, for every change:
//!
//! - creation: the tracking number, the case row, its parties and attachments, the first
//!   timeline entry, and the check for likely duplicates (same kind, near, close in time),
//!   which are linked for a commander to confirm and never merged;
//! - versioned updates: the version bump (optimistically against the version the client saw,
//!   `CONFLICT` when it moved), the timeline entry with its sequence number;
//! - the outbox rows for the platforms that receive the event;
//! - the idempotency key (claimed first, answered last; see [`super::idempotency`]);
//! - the live event for `caseEvents`, sent as part of the commit ([`EventBus::notify_in`]).
//!
//! Callers validate their input and decide what changes; the journal writes it.

use chrono::{DateTime, Utc};
use entity::{
    case, case_attachment, case_party, case_timeline_entry,
    enums::{
        CaseCategory, CaseKind, CaseSource, CaseStatus, IdDocumentKind, PartyRole, Placement, ReporterRole,
        TimelineKind,
    },
    tracking_counter,
};
use sea_orm::{
    sea_query::{Expr, ExprTrait, OnConflict},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QuerySelect, Set, TransactionTrait, Value,
};
use uuid::Uuid;

use super::idempotency::{self, Stored};
use crate::{
    auth::Actor,
    db::begin_write,
    error::{AppError, AppResult},
    events::{CaseEvent, EventBus},
};

/// Where writes go: the pool, the bus that carries committed changes to subscribers, and the
/// key that derives the tracking tokens of retried anonymous reports.
#[derive(Clone)]
pub struct Store {
    /// The pool.
    pub db: DatabaseConnection,
    /// Live case events.
    pub events: EventBus,
    /// Evidence files: their storage and the checks on the way in.
    pub files: std::sync::Arc<super::attachment::Files>,
    token_key: std::sync::Arc<[u8]>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("events", &self.events)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// A store over `db` and `events`; `secret` (the service's signing secret) keys the
    /// tracking tokens derived for retried anonymous reports.
    pub fn new(
        db: DatabaseConnection,
        events: EventBus,
        secret: &[u8],
        files: std::sync::Arc<super::attachment::Files>,
    ) -> Self {
        let token_key: Vec<u8> = hmac_sha256(secret, b"fengqiao tracking tokens").to_vec();
        Store {
            db,
            events,
            files,
            token_key: token_key.into(),
        }
    }

    /// A store over `db` whose events reach this process's subscribers only, with a random
    /// token key (the CLI, the demo loader and test fixtures, which serve no subscriptions).
    pub fn local(db: DatabaseConnection) -> Self {
        use rand::RngCore;
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        let files = super::attachment::Files::local_default(&secret);
        Store::new(db, EventBus::local(), &secret, std::sync::Arc::new(files))
    }

    /// The tracking token of an anonymous report retried with `key` under `subject`: the same
    /// for every retry, unpredictable without the service's secret, never stored.
    pub fn derived_token(&self, subject: &str, key: &str) -> String {
        use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
        let msg = format!("{subject}\n{key}");
        URL_SAFE_NO_PAD.encode(hmac_sha256(&self.token_key, msg.as_bytes()))
    }
}

/// HMAC-SHA256 of `msg` under `key`.
pub(crate) fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    let mut mac = match Hmac::<sha2::Sha256>::new_from_slice(key) {
        Ok(m) => m,
        // HMAC takes keys of any length; this arm is never taken.
        Err(_) => return [0u8; 32],
    };
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// A validated party of a new case.
#[derive(Clone, Debug)]
pub struct Party {
    /// Role in the case.
    pub role: PartyRole,
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: Option<String>,
    /// Resident ID number.
    pub resident_id: Option<String>,
    /// Another identity document: kind, number, issuing country (ISO alpha-3).
    pub id_document: Option<(IdDocumentKind, String, String)>,
    /// Address.
    pub address: Option<String>,
}

/// A validated attachment of a new case (the bytes are stored by the caller).
#[derive(Clone, Debug)]
pub struct Attachment {
    /// File name shown to staff.
    pub file_name: String,
    /// Content type, decided from the bytes.
    pub content_type: &'static str,
    /// Size in bytes.
    pub size_bytes: i64,
    /// Hex SHA-256 of the bytes (also the storage key).
    pub sha256: String,
    /// Who uploaded it (`role:subject`), when signed in.
    pub uploaded_by: Option<String>,
    /// Whether a thumbnail was stored under the same SHA-256.
    pub thumbnail: bool,
    /// Whether metadata (EXIF, XMP, comments) was removed before storage.
    pub metadata_removed: bool,
}

/// A validated new case from any channel; the journal adds the id, tracking number, status,
/// version and times.
#[derive(Clone, Debug)]
pub struct NewCase {
    /// Kind.
    pub kind: CaseKind,
    /// Category.
    pub category: Option<CaseCategory>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Channel.
    pub source: CaseSource,
    /// Who reported, by role.
    pub reporter_role: ReporterRole,
    /// The reporter's subject (signed-in reporters; they see their own case).
    pub reporter_subject: Option<String>,
    /// Reporter's name.
    pub reporter_name: Option<String>,
    /// Reporter's phone.
    pub reporter_phone: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Latitude (WGS 84).
    pub latitude: Option<f64>,
    /// Longitude (WGS 84).
    pub longitude: Option<f64>,
    /// Grid (already resolved through the reporter's scope, or from a report code).
    pub grid_id: Option<Uuid>,
    /// How the grid was decided (`None` with no grid).
    pub placement: Option<Placement>,
    /// Enterprise concerned.
    pub enterprise_id: Option<Uuid>,
    /// Mediation room (report codes of a room).
    pub room_id: Option<Uuid>,
    /// The report code it came through.
    pub report_code_id: Option<Uuid>,
    /// SHA-256 of the anonymous reporter's tracking token.
    pub tracking_token_hash: Option<String>,
    /// When it happened.
    pub occurred_at: Option<DateTime<Utc>>,
    /// Parties.
    pub parties: Vec<Party>,
    /// Attachments.
    pub attachments: Vec<Attachment>,
    /// The platform whose sync created it (its own event is not sent back to it).
    pub origin: Option<Uuid>,
}

/// A new case and the earlier cases it was linked to as likely duplicates.
#[derive(Clone, Debug)]
pub struct Created {
    /// The case.
    pub case: case::Model,
    /// Likely duplicates, linked for a commander to confirm.
    pub duplicate_of: Vec<Uuid>,
}

/// One step on a case's timeline, with what it changes.
#[derive(Clone, Debug)]
pub struct Entry {
    /// What happened.
    pub kind: TimelineKind,
    /// The status afterwards (`None`: unchanged).
    pub status: Option<CaseStatus>,
    /// Further columns the step sets.
    pub set: Vec<(case::Column, Value)>,
    /// The timeline note.
    pub note: Option<String>,
    /// The unit concerned.
    pub unit: Option<Uuid>,
    /// Shown on the public tracking page.
    pub public: bool,
    /// The version the client saw; `None` when the writer has its own ordering (platform
    /// sync, which compares the platform's versions).
    pub expected_version: Option<i32>,
    /// Whether the step moves the case's version. A volunteer's move on a task does not: the
    /// version guards the case's own state, and a check-in must not make a commander's view
    /// of the case stale.
    pub versioned: bool,
    /// The platform whose sync caused the step (its own event is not sent back to it).
    pub origin: Option<Uuid>,
}

impl Entry {
    /// A public step of `kind` with nothing else changed.
    pub fn new(kind: TimelineKind) -> Self {
        Entry {
            kind,
            status: None,
            set: Vec::new(),
            note: None,
            unit: None,
            public: true,
            expected_version: None,
            versioned: true,
            origin: None,
        }
    }
}

/// What opening a journal with an idempotency key found.
pub enum Opened<'s> {
    /// A fresh transaction: do the work.
    Fresh(Journal<'s>),
    /// The key answered before; this is the first call's answer.
    Replayed(Stored),
}

/// One write transaction over cases.
pub struct Journal<'s> {
    store: &'s Store,
    txn: DatabaseTransaction,
    key: Option<idempotency::Request>,
    events: Vec<CaseEvent>,
    /// Inside a [`BatchTransaction`]: the savepoint's events wait there for the batch's commit.
    batch: Option<&'s BatchTransaction>,
}

/// One transaction around many journal entries (a platform's batch): each record is a
/// savepoint of it, so a bad record rolls back alone, and nothing of the batch — not even
/// its live events — exists until the batch commits.
pub struct BatchTransaction {
    txn: DatabaseTransaction,
    events: std::sync::Mutex<Vec<CaseEvent>>,
}

impl BatchTransaction {
    /// Begins the batch's write transaction.
    pub async fn begin(store: &Store) -> AppResult<BatchTransaction> {
        Ok(BatchTransaction {
            txn: begin_write(&store.db).await?,
            events: std::sync::Mutex::default(),
        })
    }

    /// The batch's transaction.
    pub fn txn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// A savepoint for one record of the batch (non-case records use it directly; case
    /// records through [`Journal::within`]).
    pub async fn savepoint(&self) -> AppResult<DatabaseTransaction> {
        Ok(TransactionTrait::begin(&self.txn).await?)
    }

    /// Commits the batch and then sends its live events.
    pub async fn commit(self, store: &Store) -> AppResult<()> {
        self.txn.commit().await?;
        let events = self.events.into_inner().unwrap_or_default();
        store.events.committed(events);
        Ok(())
    }
}

impl<'s> Journal<'s> {
    /// Begins a write transaction and, with a key, claims it first (waiting for a concurrent
    /// call with the same key to finish, and answering from it when it did).
    pub async fn open(store: &'s Store, key: Option<idempotency::Request>) -> AppResult<Opened<'s>> {
        let txn = begin_write(&store.db).await?;
        if let Some(k) = &key {
            if let Some(stored) = idempotency::claim(&txn, k).await? {
                txn.rollback().await?;
                return Ok(Opened::Replayed(stored));
            }
        }
        Ok(Opened::Fresh(Journal {
            store,
            txn,
            key,
            events: Vec::new(),
            batch: None,
        }))
    }

    /// A journal in a savepoint of `batch` (no idempotency key: the batch's signed receipt
    /// is its retry guard).
    pub async fn within(store: &'s Store, batch: &'s BatchTransaction) -> AppResult<Journal<'s>> {
        Ok(Journal {
            store,
            txn: batch.savepoint().await?,
            key: None,
            events: Vec::new(),
            batch: Some(batch),
        })
    }

    /// The transaction, for the caller's own reads and for rows that hang on a case but are
    /// not the case (assignments, sessions, tasks), which the step's entry then records.
    pub fn txn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// Writes a new case with its parties, attachments and first timeline entry, queues its
    /// outbound and live events, and links likely duplicates.
    pub async fn create(&mut self, actor: &Actor, c: NewCase) -> AppResult<Created> {
        let now = super::now();
        let id = super::new_id();
        let tracking_number = next_tracking_number(&self.txn, now).await?;
        let model = case::ActiveModel {
            id: Set(id),
            tracking_number: Set(tracking_number),
            kind: Set(c.kind),
            category: Set(c.category),
            title: Set(c.title),
            description: Set(c.description),
            status: Set(CaseStatus::Reported),
            risk_colour: Set(None),
            severity: Set(None),
            source: Set(c.source),
            reporter_role: Set(c.reporter_role),
            reporter_subject: Set(c.reporter_subject),
            reporter_name: Set(c.reporter_name),
            reporter_phone: Set(c.reporter_phone),
            address: Set(c.address),
            latitude: Set(c.latitude),
            longitude: Set(c.longitude),
            grid_id: Set(c.grid_id),
            placement: Set(c.placement),
            enterprise_id: Set(c.enterprise_id),
            room_id: Set(c.room_id),
            report_code_id: Set(c.report_code_id),
            tracking_token_hash: Set(c.tracking_token_hash),
            occurred_at: Set(c.occurred_at),
            first_response_due: Set(None),
            resolution_due: Set(None),
            first_response_at: Set(None),
            resolved_at: Set(None),
            closed_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&self.txn)
        .await?;
        if !c.parties.is_empty() {
            case_party::Entity::insert_many(c.parties.into_iter().map(|p| case_party::ActiveModel {
                id: Set(super::new_id()),
                case_id: Set(id),
                role: Set(p.role),
                name: Set(p.name),
                phone: Set(p.phone),
                resident_id: Set(p.resident_id),
                id_document_kind: Set(p.id_document.as_ref().map(|d| d.0)),
                id_document_number: Set(p.id_document.as_ref().map(|d| d.1.clone())),
                id_document_country: Set(p.id_document.map(|d| d.2)),
                address: Set(p.address),
                enterprise_id: Set(None),
                created_at: Set(now),
            }))
            .exec_without_returning(&self.txn)
            .await?;
        }
        self.attach(id, c.attachments, now).await?;
        let entry = Entry {
            status: Some(CaseStatus::Reported),
            origin: c.origin,
            ..Entry::new(TimelineKind::Reported)
        };
        self.timeline(actor, &model, None, &entry, 1, now).await?;
        super::outbox::enqueue(&self.txn, &model, TimelineKind::Reported, 1, None, c.origin).await?;
        self.events.push(CaseEvent::new(TimelineKind::Reported, &model));
        let duplicate_of = super::duplicate::link_candidates(&self.txn, &model).await?;
        Ok(Created {
            case: model,
            duplicate_of,
        })
    }

    /// Writes the attachment rows of case `case_id` (the bytes are stored by the caller).
    pub async fn attach(&self, case_id: Uuid, files: Vec<Attachment>, now: DateTime<Utc>) -> AppResult<()> {
        if files.is_empty() {
            return Ok(());
        }
        case_attachment::Entity::insert_many(files.into_iter().map(|a| case_attachment::ActiveModel {
            id: Set(super::new_id()),
            case_id: Set(case_id),
            file_name: Set(a.file_name),
            content_type: Set(a.content_type.to_owned()),
            size_bytes: Set(a.size_bytes),
            storage_key: Set(crate::storage::file_key(&a.sha256)),
            thumbnail_key: Set(a.thumbnail.then(|| crate::storage::thumbnail_key(&a.sha256))),
            metadata_removed: Set(a.metadata_removed),
            sha256: Set(a.sha256),
            uploaded_by: Set(a.uploaded_by),
            created_at: Set(now),
        }))
        .exec_without_returning(&self.txn)
        .await?;
        Ok(())
    }

    /// Records one step on `current`: the status and columns it sets, a version bump (checked
    /// against `expected_version`; none for unversioned steps), the timeline entry, the
    /// outbound and live events. Returns the case after the step.
    pub async fn record(&mut self, actor: &Actor, current: &case::Model, e: Entry) -> AppResult<case::Model> {
        let now = super::now();
        let to = e.status.unwrap_or(current.status);
        let mut update = case::Entity::update_many()
            .col_expr(case::Column::Status, Expr::value(to))
            .col_expr(case::Column::UpdatedAt, Expr::value(now))
            .filter(case::Column::Id.eq(current.id));
        if e.versioned {
            update = update.col_expr(case::Column::Version, Expr::col(case::Column::Version).add(1));
        }
        if let Some(v) = e.expected_version {
            // Optimistic: only the client that saw this version wins.
            update = update.filter(case::Column::Version.eq(v));
        }
        for (col, v) in e.set.iter().cloned() {
            update = update.col_expr(col, Expr::value(v));
        }
        if update.exec(&self.txn).await?.rows_affected != 1 {
            return Err(AppError::Conflict {
                field: Some("input.version".into()),
                message: "the case changed meanwhile; reload it".into(),
            });
        }
        let seq = next_seq(&self.txn, current.id).await?;
        self.timeline(
            actor,
            current,
            Some(current.status),
            &Entry {
                status: Some(to),
                ..e.clone()
            },
            seq,
            now,
        )
        .await?;
        let after = case::Entity::find_by_id(current.id)
            .one(&self.txn)
            .await?
            .ok_or_else(|| AppError::Internal("case vanished inside its transaction".into()))?;
        super::outbox::enqueue(&self.txn, &after, e.kind, seq, e.note.as_deref(), e.origin).await?;
        self.events.push(CaseEvent::new(e.kind, &after));
        Ok(after)
    }

    async fn timeline(
        &self,
        actor: &Actor,
        case: &case::Model,
        from: Option<CaseStatus>,
        e: &Entry,
        seq: i32,
        at: DateTime<Utc>,
    ) -> AppResult<()> {
        case_timeline_entry::ActiveModel {
            id: Set(super::new_id()),
            case_id: Set(case.id),
            seq: Set(seq),
            kind: Set(e.kind),
            from_status: Set(from),
            to_status: Set(e.status),
            actor_subject: Set(actor.subject.clone()),
            actor_role: Set(Some(actor.role.as_str().to_owned())),
            unit_id: Set(e.unit),
            note: Set(e.note.clone()),
            public: Set(e.public),
            created_at: Set(at),
        }
        .insert(&self.txn)
        .await?;
        Ok(())
    }

    /// Keeps the answer under the idempotency key, sends the live events with the commit and
    /// commits. `answer` is the case the caller returns.
    pub async fn commit(self, answer: &case::Model) -> AppResult<()> {
        let snapshot = self.key.is_some().then(|| snapshot(answer)).transpose()?;
        self.commit_with(answer.id, snapshot).await
    }

    /// Like [`Journal::commit`], keeping `response` (or nothing) as the answer for `result_id`.
    pub async fn commit_with(self, result_id: Uuid, response: Option<String>) -> AppResult<()> {
        let Journal {
            store,
            txn,
            key,
            events,
            batch,
        } = self;
        if let Some(k) = &key {
            idempotency::finish(&txn, k, result_id, response).await?;
        }
        // On PostgreSQL the NOTIFY travels with the outermost commit, and vanishes with a
        // rollback, savepoint or not.
        store.events.notify_in(&txn, &events).await?;
        txn.commit().await?;
        match batch {
            Some(b) => {
                if let Ok(mut pending) = b.events.lock() {
                    pending.extend(events);
                }
            }
            None => store.events.committed(events),
        }
        Ok(())
    }
}

/// The case as kept for a retry: every field but the personal ones (the retry reads those
/// from the live row, so no personal value is copied into the key table).
fn snapshot(c: &case::Model) -> AppResult<String> {
    let mut c = c.clone();
    c.reporter_name = None;
    c.reporter_phone = None;
    c.address = None;
    c.tracking_token_hash = None;
    serde_json::to_string(&c).map_err(|e| AppError::Internal(format!("case snapshot: {e}")))
}

/// The first call's answer for a retry by `actor`: the case as the first call left it (its
/// personal fields as they are now), provided `actor` still sees the case.
pub async fn replayed_case<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    stored: Stored,
) -> AppResult<case::Model> {
    let id = stored
        .result_id
        .ok_or_else(|| AppError::Internal("idempotency key without a result".into()))?;
    let live = super::get::<case::Entity, _>(db, actor, id).await?;
    let Some(json) = stored.response else {
        return Ok(live);
    };
    let mut first: case::Model =
        serde_json::from_str(&json).map_err(|e| AppError::Internal(format!("case snapshot: {e}")))?;
    first.reporter_name = live.reporter_name;
    first.reporter_phone = live.reporter_phone;
    first.address = live.address;
    first.tracking_token_hash = live.tracking_token_hash;
    Ok(first)
}

/// The next timeline sequence number of a case.
async fn next_seq<C: ConnectionTrait>(db: &C, case_id: Uuid) -> AppResult<i32> {
    let max: Option<Option<i32>> = case_timeline_entry::Entity::find()
        .select_only()
        .column_as(case_timeline_entry::Column::Seq.max(), "m")
        .filter(case_timeline_entry::Column::CaseId.eq(case_id))
        .into_tuple()
        .one(db)
        .await?;
    Ok(max.flatten().unwrap_or(0) + 1)
}

/// The next human tracking number for the day of `now`: `FQ` + date + 6 digits, e.g.
/// `FQ20261123000042`. Counted in the same transaction as the case insert.
pub async fn next_tracking_number<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> AppResult<String> {
    let day = now.format("%Y%m%d").to_string();
    tracking_counter::Entity::insert(tracking_counter::ActiveModel {
        day: Set(day.clone()),
        last: Set(1),
    })
    .on_conflict(
        OnConflict::column(tracking_counter::Column::Day)
            .value(
                tracking_counter::Column::Last,
                Expr::col((tracking_counter::Entity, tracking_counter::Column::Last)).add(1),
            )
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let n = tracking_counter::Entity::find_by_id(day.clone())
        .one(db)
        .await?
        .map(|c| c.last)
        .ok_or_else(|| AppError::Internal("tracking counter vanished".into()))?;
    Ok(format!("FQ{day}{n:06}"))
}
