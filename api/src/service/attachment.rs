//! Evidence files (随手拍 photos, mediation documents): the checks on the way in, the two-step
//! upload, attaching to a case through the case journal, and reading them back in scope.
//!
//! On the way in every file is typed by its bytes (never by its name or declared type), held
//! to the size caps and the uploader's daily quota, stripped of EXIF and other metadata when
//! it is an image (the position it carried is offered to a report that has none), hashed
//! (SHA-256, also its storage key) and, for JPEG/PNG/WebP, given a small JPEG thumbnail.
//! Bytes go to [`crate::storage::Blobs`] before the transaction commits; a failed
//! transaction removes the objects it created, so nothing half-written stays.

use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use entity::{case, case_attachment, enums::CaseStatus, enums::TimelineKind, upload};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use serde::Serialize;
use uuid::Uuid;

use super::{
    get, idempotency,
    journal::{self, Attachment, Entry, Journal, Opened, Store},
};
use crate::{
    auth::{Actor, Role},
    config::FilesConfig,
    error::{code, AppError, AppResult},
    media::{self, FileKind},
    storage::{self, Blobs, StorageConfig, StorageError},
    validate,
};

/// Most files in one call (`reportCase`, `attachToCase`).
pub const MAX_FILES_PER_CALL: usize = 10;

/// The service's file store with its checks and the key that signs file URLs.
pub struct Files {
    /// Where the bytes live.
    pub blobs: Blobs,
    /// Types, caps, quotas and lifetimes.
    pub config: FilesConfig,
    url_key: [u8; 32],
}

impl std::fmt::Debug for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Files")
            .field("blobs", &self.blobs)
            .finish_non_exhaustive()
    }
}

impl Files {
    /// Opens the store `config` names; `secret` (the service's signing secret) keys file URLs.
    pub fn open(config: FilesConfig, secret: &[u8]) -> Result<Files, StorageError> {
        Ok(Files {
            blobs: Blobs::open(&config.storage)?,
            url_key: journal::hmac_sha256(secret, b"fengqiao file urls"),
            config,
        })
    }

    /// A local store in the system's temporary folder (the CLI, the demo loader and test
    /// fixtures, which receive no files); in memory when that folder cannot be used.
    pub fn local_default(secret: &[u8]) -> Files {
        let config = FilesConfig::defaults(StorageConfig::Local(std::env::temp_dir().join("fengqiao-files")));
        Files {
            blobs: Blobs::open(&config.storage).unwrap_or_else(|_| Blobs::in_memory()),
            url_key: journal::hmac_sha256(secret, b"fengqiao file urls"),
            config,
        }
    }

    /// A signed path for `attachment`'s bytes (`thumbnail`: its preview) that works without a
    /// token until `ttl` from now, for `<img src>` in mini-programs and web pages. `by` names
    /// who it was signed for (`role:subject`, or `tracking` for an anonymous reporter), and is
    /// what the download's audit record names.
    pub fn signed_path(&self, attachment: Uuid, thumbnail: bool, by: &str) -> String {
        let expires = Utc::now().timestamp() + i64::try_from(self.config.url_ttl.as_secs()).unwrap_or(300);
        let variant = if thumbnail { "thumbnail" } else { "original" };
        let sig = self.signature(attachment, variant, expires, by);
        let suffix = if thumbnail { "/thumbnail" } else { "" };
        format!(
            "/files/{attachment}{suffix}?expires={expires}&by={}&sig={sig}",
            percent_encode(by)
        )
    }

    /// Whether `sig` is this service's signature of a URL for `attachment`'s `variant`, for
    /// `by`, that has not expired.
    pub fn verify(&self, attachment: Uuid, variant: &str, expires: i64, by: &str, sig: &str) -> bool {
        if expires < Utc::now().timestamp() {
            return false;
        }
        let want = self.signature(attachment, variant, expires, by);
        // Constant-time comparison: the signature is a secret-derived value.
        want.len() == sig.len()
            && want
                .bytes()
                .zip(sig.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }

    fn signature(&self, attachment: Uuid, variant: &str, expires: i64, by: &str) -> String {
        let msg = format!("{attachment}\n{variant}\n{expires}\n{by}");
        hex::encode(journal::hmac_sha256(&self.url_key, msg.as_bytes()))
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b':') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Who sent a file, as kept on uploads and attachments and counted by the quota.
pub fn uploader(actor: &Actor) -> Option<String> {
    actor
        .subject
        .as_ref()
        .filter(|_| !actor.is_anonymous())
        .map(|s| format!("{}:{s}", actor.role.as_str()))
}

/// A file as it arrived: the name the client gave and its bytes.
#[derive(Clone, Debug, Default)]
pub struct Incoming {
    /// The file name the client sent (only shown to staff; never trusted for the type).
    pub name: Option<String>,
    /// The bytes.
    pub bytes: Bytes,
}

/// A file that passed the checks: cleaned, hashed and previewed, not yet stored.
#[derive(Clone, Debug)]
pub struct Ready {
    /// Its type, from its bytes.
    pub kind: FileKind,
    /// The name shown to staff.
    pub file_name: String,
    /// The bytes to store (metadata removed).
    pub bytes: Bytes,
    /// Hex SHA-256 of `bytes`.
    pub sha256: String,
    /// A JPEG preview (images that could be decoded).
    pub thumbnail: Option<Bytes>,
    /// The position the photo carried (WGS-84), before it was removed.
    pub position: Option<(f64, f64)>,
    /// Whether metadata was removed.
    pub stripped: bool,
}

/// Checks one file at input field `field`: size, type by content, metadata removal, hash and
/// thumbnail. The heavy work runs off the async threads.
pub async fn check(files: &Files, field: &str, f: Incoming) -> AppResult<Ready> {
    let cfg = &files.config;
    if f.bytes.is_empty() {
        return Err(AppError::bad_input(field, "the file is empty"));
    }
    if f.bytes.len() > cfg.max_file_bytes {
        return Err(AppError::file(
            code::FILE_TOO_LARGE,
            field,
            format!(
                "a file may have at most {}",
                human_bytes(cfg.max_file_bytes as u64)
            ),
        ));
    }
    let accepted = || {
        cfg.kinds
            .iter()
            .map(|k| k.name().to_ascii_uppercase())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let kind = media::sniff(&f.bytes)
        .filter(|k| cfg.kinds.contains(k))
        .ok_or_else(|| {
            AppError::file(
                code::UNSUPPORTED_FILE_TYPE,
                field,
                format!("the file's content is not an accepted type ({})", accepted()),
            )
        })?;
    let side = cfg.thumbnail_side;
    let bytes = f.bytes;
    let worked = tokio::task::spawn_blocking(move || {
        let cleaned = media::clean(kind, bytes.to_vec())?;
        let thumbnail = media::thumbnail(kind, &cleaned.bytes, side)?;
        Ok::<_, media::MediaError>((cleaned, thumbnail))
    })
    .await
    .map_err(|e| AppError::Internal(format!("file check task: {e}")))?;
    let (cleaned, thumbnail) = worked.map_err(|e| match e {
        media::MediaError::TooLarge => AppError::file(
            code::FILE_TOO_LARGE,
            field,
            "the image's dimensions are too large to process (at most 12,000 pixels a side)",
        ),
        media::MediaError::Malformed(why) => AppError::file(
            code::UNSUPPORTED_FILE_TYPE,
            field,
            format!(
                "the file looks like {} but cannot be read: {why}",
                kind.name().to_ascii_uppercase()
            ),
        ),
    })?;
    let sha256 = super::report_code::sha256_hex(&cleaned.bytes);
    Ok(Ready {
        kind,
        file_name: file_name(f.name.as_deref(), kind),
        bytes: Bytes::from(cleaned.bytes),
        sha256,
        thumbnail: thumbnail.map(Bytes::from),
        position: cleaned.position,
        stripped: cleaned.stripped,
    })
}

/// Checks several files, each at `field[i]`, and the per-call count.
pub async fn check_all(files: &Files, field: &str, incoming: Vec<Incoming>) -> AppResult<Vec<Ready>> {
    let mut out = Vec::with_capacity(incoming.len());
    for (i, f) in incoming.into_iter().enumerate() {
        out.push(check(files, &format!("{field}[{i}]"), f).await?);
    }
    Ok(out)
}

/// The name shown for a file: the client's, without any folder and with the extension of its
/// real type; `file.<ext>` when none was given.
fn file_name(given: Option<&str>, kind: FileKind) -> String {
    let base = given
        .and_then(|n| n.rsplit(['/', '\\']).next())
        .map(|n| n.chars().filter(|c| !c.is_control()).collect::<String>())
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty() && validate::text(n, 1, 120).is_ok())
        .unwrap_or_else(|| "file".to_owned());
    let stem = match base.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_owned(),
        _ => base,
    };
    format!("{stem}.{}", kind.extension())
}

fn human_bytes(n: u64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KiB", n.div_ceil(1024))
    }
}

/// `SUM(column)` as a 64-bit integer on both backends (PostgreSQL sums a BIGINT as NUMERIC).
fn total_bytes<C: sea_orm::ColumnTrait>(column: C) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Alias, Expr, Func};
    Func::cast_as(Func::sum(Expr::col(column)), Alias::new("BIGINT")).into()
}

/// Refuses when `who` would send more than the daily quota with `files` more files of
/// `bytes` more bytes (uploads still waiting and attachments, last 24 hours).
pub async fn within_quota<C: ConnectionTrait>(
    db: &C,
    cfg: &FilesConfig,
    who: &str,
    files: u64,
    bytes: u64,
    field: &str,
) -> AppResult<()> {
    if files == 0 {
        return Ok(());
    }
    let since = Utc::now() - chrono::Duration::hours(24);
    let waiting: Option<(i64, Option<i64>)> = upload::Entity::find()
        .select_only()
        .column_as(upload::Column::Id.count(), "n")
        .column_as(total_bytes(upload::Column::SizeBytes), "b")
        .filter(upload::Column::UploadedBy.eq(who))
        .filter(upload::Column::CreatedAt.gt(since))
        .into_tuple()
        .one(db)
        .await?;
    let attached: Option<(i64, Option<i64>)> = case_attachment::Entity::find()
        .select_only()
        .column_as(case_attachment::Column::Id.count(), "n")
        .column_as(total_bytes(case_attachment::Column::SizeBytes), "b")
        .filter(case_attachment::Column::UploadedBy.eq(who))
        .filter(case_attachment::Column::CreatedAt.gt(since))
        .into_tuple()
        .one(db)
        .await?;
    let (mut n, mut b) = (files, bytes);
    for (count, sum) in [waiting, attached].into_iter().flatten() {
        n += u64::try_from(count).unwrap_or(0);
        b += sum.and_then(|s| u64::try_from(s).ok()).unwrap_or(0);
    }
    if n > cfg.quota_files || b > cfg.quota_bytes {
        return Err(AppError::file(
            code::QUOTA_EXCEEDED,
            field,
            format!(
                "one account may send {} files or {} in 24 hours; try again later",
                cfg.quota_files,
                human_bytes(cfg.quota_bytes)
            ),
        ));
    }
    Ok(())
}

/// Stores checked files (and their thumbnails); returns the keys this call created, so a
/// transaction that then fails can remove them with [`discard`].
pub async fn store_all(files: &Files, ready: &[Ready]) -> AppResult<Vec<String>> {
    let mut created = Vec::new();
    for r in ready {
        let put = |key: String, bytes: Bytes| {
            let blobs = &files.blobs;
            async move { blobs.put(&key, bytes).await.map(|new| new.then_some(key)) }
        };
        let stored = async {
            if let Some(k) = put(storage::file_key(&r.sha256), r.bytes.clone()).await? {
                created.push(k);
            }
            if let Some(t) = &r.thumbnail {
                if let Some(k) = put(storage::thumbnail_key(&r.sha256), t.clone()).await? {
                    created.push(k);
                }
            }
            Ok::<_, StorageError>(())
        }
        .await;
        if let Err(e) = stored {
            discard(files, created).await;
            return Err(storage_error(e));
        }
    }
    Ok(created)
}

/// Removes objects a failed call created (best effort; the orphan sweep is the backstop).
pub async fn discard(files: &Files, created: Vec<String>) {
    for key in created {
        if let Err(e) = files.blobs.delete(&key).await {
            tracing::warn!(error = %e, key, "could not remove a stored file after a failed write");
        }
    }
}

/// A storage failure as the client sees it.
pub fn storage_error(e: StorageError) -> AppError {
    tracing::error!(error = %e, "file storage");
    AppError::Internal(format!("file storage: {e}"))
}

/// The journal's attachment rows for checked files sent by `who`.
pub fn rows(ready: &[Ready], who: Option<&str>) -> Vec<Attachment> {
    ready
        .iter()
        .map(|r| Attachment {
            file_name: r.file_name.clone(),
            content_type: r.kind.content_type(),
            size_bytes: i64::try_from(r.bytes.len()).unwrap_or(i64::MAX),
            sha256: r.sha256.clone(),
            uploaded_by: who.map(str::to_owned),
            thumbnail: r.thumbnail.is_some(),
            metadata_removed: r.stripped,
        })
        .collect()
}

/// The journal's attachment row for a claimed upload.
fn row_of_upload(u: &upload::Model) -> Attachment {
    Attachment {
        file_name: u.file_name.clone(),
        content_type: FileKind::ALL
            .into_iter()
            .find(|k| k.content_type() == u.content_type)
            .map(FileKind::content_type)
            .unwrap_or("application/octet-stream"),
        size_bytes: u.size_bytes,
        sha256: u.sha256.clone(),
        uploaded_by: Some(u.uploaded_by.clone()),
        thumbnail: u.thumbnail_sha256.is_some(),
        metadata_removed: u.metadata_removed,
    }
}

/// Receives one file through `POST /uploads`: checked, counted against the quota, stored,
/// and kept for [`FilesConfig::upload_ttl`] for its uploader to attach.
pub async fn upload(store: &Store, actor: &Actor, f: Incoming) -> AppResult<upload::Model> {
    let Some(who) = uploader(actor) else {
        return Err(AppError::Unauthenticated(
            "sign in to upload; anonymous reporters attach a photo on the report page".into(),
        ));
    };
    let files = &store.files;
    let ready = check(files, "file", f).await?;
    within_quota(
        &store.db,
        &files.config,
        &who,
        1,
        ready.bytes.len() as u64,
        "file",
    )
    .await?;
    let now = super::now();
    let expires = now
        + chrono::Duration::from_std(files.config.upload_ttl).unwrap_or_else(|_| chrono::Duration::hours(24));
    // The row first: the orphan sweep never removes bytes a row still names.
    let model = upload::ActiveModel {
        id: Set(super::new_id()),
        uploaded_by: Set(who),
        file_name: Set(ready.file_name.clone()),
        content_type: Set(ready.kind.content_type().to_owned()),
        size_bytes: Set(i64::try_from(ready.bytes.len()).unwrap_or(i64::MAX)),
        sha256: Set(ready.sha256.clone()),
        thumbnail_sha256: Set(ready.thumbnail.as_ref().map(|_| ready.sha256.clone())),
        metadata_removed: Set(ready.stripped),
        latitude: Set(ready.position.map(|p| p.0)),
        longitude: Set(ready.position.map(|p| p.1)),
        created_at: Set(now),
        expires_at: Set(expires),
    }
    .insert(&store.db)
    .await?;
    if let Err(e) = store_all(files, std::slice::from_ref(&ready)).await {
        let _ = upload::Entity::delete_by_id(model.id).exec(&store.db).await;
        return Err(e);
    }
    Ok(model)
}

/// Takes the uploads `ids` of `actor` (each once, not expired) inside the transaction: they
/// are consumed, and their rows become attachment rows. Another account's upload, an expired
/// or already attached one is `NOT_FOUND` at `field[i]`.
pub async fn claim<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    ids: &[Uuid],
    field: &str,
) -> AppResult<Vec<upload::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let who = uploader(actor).ok_or_else(|| AppError::Unauthenticated("sign in to attach uploads".into()))?;
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            return Err(AppError::bad_input(
                format!("{field}[{i}]"),
                "the same upload twice",
            ));
        }
    }
    let found = upload::Entity::find()
        .filter(upload::Column::Id.is_in(ids.iter().copied()))
        .filter(upload::Column::UploadedBy.eq(who))
        .filter(upload::Column::ExpiresAt.gt(Utc::now()))
        .all(txn)
        .await?;
    let mut out = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        let u = found.iter().find(|u| u.id == *id).cloned().ok_or_else(|| {
            AppError::not_found_at(
                format!("{field}[{i}]"),
                "no such upload (an upload is kept 24 hours for the account that sent it, and attaches once)",
            )
        })?;
        out.push(u);
    }
    let deleted = upload::Entity::delete_many()
        .filter(upload::Column::Id.is_in(ids.iter().copied()))
        .exec(txn)
        .await?;
    if deleted.rows_affected != ids.len() as u64 {
        // A concurrent call took one of them first.
        return Err(AppError::not_found_at(
            field,
            "an upload was attached by another call",
        ));
    }
    Ok(out)
}

/// Refuses when case `case_id` would hold more files or bytes than allowed with `adding`.
async fn within_case_caps<C: ConnectionTrait>(
    txn: &C,
    cfg: &FilesConfig,
    case_id: Option<Uuid>,
    adding: &[Attachment],
    field: &str,
) -> AppResult<()> {
    let (mut n, mut b) = (adding.len() as u64, 0u64);
    for a in adding {
        b += u64::try_from(a.size_bytes).unwrap_or(0);
    }
    if let Some(id) = case_id {
        let held: Option<(i64, Option<i64>)> = case_attachment::Entity::find()
            .select_only()
            .column_as(case_attachment::Column::Id.count(), "n")
            .column_as(total_bytes(case_attachment::Column::SizeBytes), "b")
            .filter(case_attachment::Column::CaseId.eq(id))
            .into_tuple()
            .one(txn)
            .await?;
        if let Some((count, sum)) = held {
            n += u64::try_from(count).unwrap_or(0);
            b += sum.and_then(|s| u64::try_from(s).ok()).unwrap_or(0);
        }
    }
    if n > cfg.max_case_files || b > cfg.max_case_bytes {
        return Err(AppError::file(
            code::FILE_TOO_LARGE,
            field,
            format!(
                "a case holds at most {} files and {}",
                cfg.max_case_files,
                human_bytes(cfg.max_case_bytes)
            ),
        ));
    }
    Ok(())
}

/// Evidence sent with a write: files in the request and uploads sent before.
#[derive(Clone, Debug, Default)]
pub struct Evidence {
    /// Files in the request (GraphQL multipart).
    pub files: Vec<Incoming>,
    /// Ids of earlier uploads (`POST /uploads`).
    pub upload_ids: Vec<Uuid>,
}

/// Evidence checked before the transaction: what an idempotency key binds and what is stored.
#[derive(Clone, Debug, Default)]
pub struct Checked {
    /// Checked files.
    pub ready: Vec<Ready>,
    /// Upload ids, as sent.
    pub upload_ids: Vec<Uuid>,
}

/// What an idempotency key binds of the evidence: the files' hashes and the upload ids.
#[derive(Serialize)]
pub struct Fingerprint<'a> {
    files: Vec<&'a str>,
    uploads: &'a [Uuid],
}

impl Checked {
    /// The part of the input an idempotency key binds.
    pub fn fingerprint(&self) -> Fingerprint<'_> {
        Fingerprint {
            files: self.ready.iter().map(|r| r.sha256.as_str()).collect(),
            uploads: &self.upload_ids,
        }
    }

    /// Whether nothing was sent.
    pub fn is_empty(&self) -> bool {
        self.ready.is_empty() && self.upload_ids.is_empty()
    }
}

/// Checks the files of a write (count, then each file) before its transaction opens.
pub async fn check_evidence(files: &Files, e: Evidence) -> AppResult<Checked> {
    if e.files.len() + e.upload_ids.len() > MAX_FILES_PER_CALL {
        return Err(AppError::file(
            code::FILE_TOO_LARGE,
            "input.files",
            format!("at most {MAX_FILES_PER_CALL} files in one call (files and uploadIds together)"),
        ));
    }
    Ok(Checked {
        ready: check_all(files, "input.files", e.files).await?,
        upload_ids: e.upload_ids,
    })
}

/// Evidence settled inside a write's transaction (its bytes not yet stored).
pub struct Settled {
    /// The attachment rows to write.
    pub rows: Vec<Attachment>,
    /// The first position a photo carried (WGS-84).
    pub position: Option<(f64, f64)>,
}

/// Inside a write's transaction: claims the uploads and holds the case caps (`case_id`: an
/// existing case) and the quota. The request's own files are stored by [`store_all`] once the
/// rest of the write has passed its checks.
pub async fn settle<C: ConnectionTrait>(
    txn: &C,
    files: &Files,
    actor: &Actor,
    case_id: Option<Uuid>,
    checked: &Checked,
) -> AppResult<Settled> {
    let claimed = claim(txn, actor, &checked.upload_ids, "input.uploadIds").await?;
    let who = uploader(actor);
    let mut rows: Vec<Attachment> = claimed.iter().map(row_of_upload).collect();
    rows.extend(self::rows(&checked.ready, who.as_deref()));
    within_case_caps(txn, &files.config, case_id, &rows, "input.files").await?;
    if let Some(who) = &who {
        let bytes = checked.ready.iter().map(|r| r.bytes.len() as u64).sum();
        within_quota(
            txn,
            &files.config,
            who,
            checked.ready.len() as u64,
            bytes,
            "input.files",
        )
        .await?;
    }
    let position = claimed
        .iter()
        .find_map(|u| u.latitude.zip(u.longitude))
        .or_else(|| checked.ready.iter().find_map(|r| r.position));
    Ok(Settled { rows, position })
}

/// Stores the checked files, writes the journal step `write` and commits; the objects this
/// call created are removed again when anything fails.
pub async fn store_then<T, F>(files: &Files, checked: &Checked, write: F) -> AppResult<T>
where
    F: std::future::Future<Output = AppResult<T>>,
{
    let created = store_all(files, &checked.ready).await?;
    let written = write.await;
    if written.is_err() {
        discard(files, created).await;
    }
    written
}

/// Input of `attachToCase`.
#[derive(Clone, Debug, Default)]
pub struct AttachInput {
    /// The case.
    pub case_id: Uuid,
    /// Files and uploads.
    pub evidence: Evidence,
    /// A note for the timeline.
    pub note: Option<String>,
    /// Retry key.
    pub idempotency_key: Option<String>,
}

/// Roles that may attach evidence to a case they can see: every role a token may carry
/// (platforms relay their own evidence; liaisons, volunteers and citizens add to cases they see).
const ATTACHERS: &[Role] = &Role::TOKEN_ROLES;

/// Attaches files to a case through the case journal: in the caller's scope (a case out of
/// scope is `NOT_FOUND`), not on a closed case, within the caps, with an `ATTACHED` entry on
/// the timeline naming the files; a retry with the same key answers the first call.
pub async fn attach(store: &Store, actor: &Actor, input: AttachInput) -> AppResult<case::Model> {
    super::require_role(actor, ATTACHERS, "attachToCase")?;
    let note = super::unit::opt_text("input.note", input.note.as_deref(), 2000)?;
    let checked = check_evidence(&store.files, input.evidence).await?;
    let key = idempotency::Request::of(
        actor,
        input.idempotency_key.as_deref(),
        "attachToCase",
        Some(input.case_id),
        &(&note, checked.fingerprint()),
    )?;
    let mut j = match Journal::open(store, key).await? {
        Opened::Fresh(j) => j,
        Opened::Replayed(first) => return journal::replayed_case(&store.db, actor, first).await,
    };
    let current = get::<case::Entity, _>(j.txn(), actor, input.case_id).await?;
    if actor.role == Role::Mediator && current.room_id != actor.scope.room {
        return Err(AppError::forbidden(
            "the case has moved to another mediation room; only that room's mediators add to it",
        ));
    }
    // Asked only once the case resolved in scope: an id out of scope is NOT_FOUND whatever else.
    if checked.is_empty() {
        return Err(AppError::bad_input(
            "input.files",
            "send at least one file or upload id",
        ));
    }
    if current.status == CaseStatus::Closed {
        return Err(AppError::Conflict {
            field: None,
            message: "the case is closed; reopen it to add files".into(),
        });
    }
    let settled = settle(j.txn(), &store.files, actor, Some(current.id), &checked).await?;
    let names = settled
        .rows
        .iter()
        .map(|r| r.file_name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let text = match note {
        Some(n) => format!("{names}\n{n}"),
        None => names,
    };
    store_then(&store.files, &checked, async {
        j.attach(current.id, settled.rows, super::now()).await?;
        let after = j
            .record(
                actor,
                &current,
                Entry {
                    note: Some(text),
                    ..Entry::new(TimelineKind::Attached)
                },
            )
            .await?;
        j.commit(&after).await?;
        Ok(after)
    })
    .await
}

/// One attachment `id` as `actor` may see it: through the scope of its case.
pub async fn find<C: ConnectionTrait>(db: &C, actor: &Actor, id: Uuid) -> AppResult<case_attachment::Model> {
    let a = case_attachment::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    get::<case::Entity, _>(db, actor, a.case_id).await?;
    Ok(a)
}

/// One attachment by id, for a URL whose signature was already checked.
pub async fn find_signed<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<case_attachment::Model> {
    case_attachment::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The attachments of the case an anonymous tracking token names (the public tracking page).
pub async fn of_case<C: ConnectionTrait>(db: &C, case_id: Uuid) -> AppResult<Vec<case_attachment::Model>> {
    use sea_orm::QueryOrder;
    Ok(case_attachment::Entity::find()
        .filter(case_attachment::Column::CaseId.eq(case_id))
        .order_by_asc(case_attachment::Column::Id)
        .all(db)
        .await?)
}

/// Removes uploads never attached whose time is up, and the bytes no row names any more.
/// Returns how many uploads were removed.
pub async fn sweep(store: &Store) -> AppResult<u64> {
    let expired = upload::Entity::find()
        .filter(upload::Column::ExpiresAt.lte(Utc::now()))
        .limit(500)
        .all(&store.db)
        .await?;
    if expired.is_empty() {
        return Ok(0);
    }
    upload::Entity::delete_many()
        .filter(upload::Column::Id.is_in(expired.iter().map(|u| u.id)))
        .exec(&store.db)
        .await?;
    for u in &expired {
        let still_named = upload::Entity::find()
            .filter(upload::Column::Sha256.eq(&u.sha256))
            .one(&store.db)
            .await?
            .is_some()
            || case_attachment::Entity::find()
                .filter(case_attachment::Column::Sha256.eq(&u.sha256))
                .one(&store.db)
                .await?
                .is_some();
        if !still_named {
            for key in [storage::file_key(&u.sha256), storage::thumbnail_key(&u.sha256)] {
                if let Err(e) = store.files.blobs.delete(&key).await {
                    tracing::warn!(error = %e, key, "orphan sweep could not remove a file");
                }
            }
        }
    }
    Ok(expired.len() as u64)
}

/// The background sweep of orphaned uploads; stops when dropped.
pub struct Sweeper(tokio::task::JoinHandle<()>);

impl Drop for Sweeper {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs [`sweep`] every `every` (first after one period) until dropped.
pub fn start_sweeper(store: Store, every: Duration) -> Sweeper {
    Sweeper(tokio::spawn(async move {
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match sweep(&store).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "orphaned uploads removed"),
                Err(e) => tracing::warn!(error = %e, "orphan sweep"),
            }
        }
    }))
}
