//! Evidence files over plain HTTP.
//!
//! - `POST /uploads`: one file as `multipart/form-data` (what `wx.uploadFile` and portal upload
//!   widgets send), with the caller's token; answers `201` and an upload id that `reportCase`
//!   or `attachToCase` then references in `uploadIds`.
//! - `GET /files/{id}` and `GET /files/{id}/thumbnail`: the bytes of an attachment, with the
//!   caller's token (only while the caller may see the case) or with a signed URL from
//!   `Attachment.url` / `thumbnailUrl`. Single byte ranges, `nosniff`, a sandboxing CSP and a
//!   `Content-Disposition` with the file's name; every download is audited.
//!
//! The multipart body of a GraphQL request (`POST /graphql`) is read here too, into the
//! operations and the `Upload` values of the GraphQL multipart request spec.

use std::{collections::HashMap, net::SocketAddr, sync::Arc};

use async_graphql::UploadValue;
use axum::{
    extract::{ConnectInfo, Path, Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::{admit, app_error_response, error_response, rate_limit};
use crate::{
    app::AppState,
    auth::Actor,
    error::{code, AppError},
    service::{
        attachment::{self, Incoming, MAX_FILES_PER_CALL},
        audit::{Action, Entry},
    },
    storage,
};

/// The routes of this module (merged into the main router).
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/uploads", post(upload))
        .route("/files/{id}", get(original))
        .route("/files/{id}/thumbnail", get(thumbnail))
}

/// The multipart boundary of a `multipart/form-data` request, if it is one.
pub fn boundary(headers: &HeaderMap) -> Option<String> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    multer::parse_boundary(ct).ok()
}

/// Why a multipart body could not be read.
fn read_error(e: multer::Error, field: &str, max_file: usize) -> AppError {
    match e {
        multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. } => AppError::file(
            code::FILE_TOO_LARGE,
            field,
            format!("a file may have at most {} bytes", max_file),
        ),
        other => AppError::bad_input(field, format!("unreadable multipart body: {other}")),
    }
}

/// Multipart constraints that cap the whole body at `whole` bytes.
fn bounded(whole: usize) -> multer::Constraints {
    multer::Constraints::new().size_limit(multer::SizeLimit::new().whole_stream(whole as u64))
}

/// Reads one part whole, refusing it past `max` bytes.
async fn read_part(mut part: multer::Field<'_>, max: usize, field: &str) -> Result<Bytes, AppError> {
    let mut buf = bytes::BytesMut::new();
    while let Some(chunk) = part.chunk().await.map_err(|e| read_error(e, field, max))? {
        if buf.len() + chunk.len() > max {
            return Err(AppError::file(
                code::FILE_TOO_LARGE,
                field,
                format!("at most {max} bytes"),
            ));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// A GraphQL multipart request: the `operations` JSON and, per operation index, the files to
/// put at each variable path (`variables.input.files.0`).
pub struct MultipartOperations {
    /// The `operations` field: one operation object or a batch array.
    pub operations: Value,
    /// Files per operation index (0 for a single operation).
    pub uploads: HashMap<usize, Vec<(String, UploadValue)>>,
}

/// Reads a GraphQL multipart request (the spec's `operations`, `map`, then the files): the
/// JSON parts are held to `max_json` bytes, each file to the file cap, and at most
/// [`MAX_FILES_PER_CALL`] files in all.
pub async fn read_graphql_multipart(
    body: axum::body::Body,
    boundary: String,
    max_json: usize,
    max_file: usize,
) -> Result<MultipartOperations, AppError> {
    // The whole body: the JSON parts and the most files one call may carry, nothing more.
    let whole = 2 * max_json + MAX_FILES_PER_CALL * max_file + 64 * 1024;
    let mut mp = multer::Multipart::with_constraints(body.into_data_stream(), boundary, bounded(whole));
    let mut operations: Option<Value> = None;
    let mut map: Option<HashMap<String, Vec<String>>> = None;
    let mut uploads: HashMap<usize, Vec<(String, UploadValue)>> = HashMap::new();
    let mut files = 0usize;
    while let Some(part) = mp
        .next_field()
        .await
        .map_err(|e| read_error(e, "operations", max_file))?
    {
        let name = part.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "operations" => {
                let raw = read_part(part, max_json, "operations").await?;
                operations = Some(
                    serde_json::from_slice(&raw)
                        .map_err(|_| AppError::bad_input("operations", "is not JSON"))?,
                );
            }
            "map" => {
                let raw = read_part(part, max_json, "map").await?;
                map = Some(serde_json::from_slice(&raw).map_err(|_| {
                    AppError::bad_input("map", "must map file field names to lists of variable paths")
                })?);
            }
            _ => {
                let (Some(_), Some(m)) = (&operations, &map) else {
                    return Err(AppError::bad_input(
                        "operations",
                        "send `operations` and `map` before the files (GraphQL multipart request spec)",
                    ));
                };
                let Some(paths) = m.get(&name).cloned() else {
                    // A part the map does not name: read past it.
                    read_part(part, max_file, &name).await?;
                    continue;
                };
                files += 1;
                if files > MAX_FILES_PER_CALL {
                    return Err(AppError::file(
                        code::FILE_TOO_LARGE,
                        "map",
                        format!("at most {MAX_FILES_PER_CALL} files in one request"),
                    ));
                }
                let filename = part.file_name().unwrap_or("file").to_owned();
                let content_type = part.content_type().map(|m| m.to_string());
                let content = read_part(part, max_file, &name).await?;
                for path in paths {
                    // A batch's paths start with the operation's index.
                    let (index, path) = match path.split_once('.') {
                        Some((i, rest)) if i.chars().all(|c| c.is_ascii_digit()) => {
                            (i.parse::<usize>().unwrap_or(usize::MAX), rest.to_owned())
                        }
                        _ => (0, path),
                    };
                    uploads.entry(index).or_default().push((
                        path,
                        UploadValue {
                            filename: filename.clone(),
                            content_type: content_type.clone(),
                            content: content.clone(),
                        },
                    ));
                }
            }
        }
    }
    let operations = operations
        .ok_or_else(|| AppError::bad_input("operations", "the multipart request has no `operations`"))?;
    if map.is_none() {
        return Err(AppError::bad_input("map", "the multipart request has no `map`"));
    }
    Ok(MultipartOperations { operations, uploads })
}

/// `POST /uploads`: one file, checked and stored for its uploader to attach within the upload
/// lifetime.
async fn upload(
    State(app): State<Arc<AppState>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    req: axum::extract::Request,
) -> Response {
    let rid = Uuid::now_v7().to_string();
    let caller = match admit(&app, &headers, addr, &rid).await {
        Ok(c) => c,
        Err(e) => return app_error_response(&e, &rid),
    };
    if caller.actor.is_anonymous() {
        return app_error_response(
            &AppError::Unauthenticated("sign in to upload (Authorization: Bearer …)".into()),
            &rid,
        );
    }
    if let Err(e) = rate_limit(&app, &caller, 1).await {
        return app_error_response(&e, &rid);
    }
    let Some(boundary) = boundary(&headers) else {
        return app_error_response(
            &AppError::bad_input("file", "send the file as multipart/form-data"),
            &rid,
        );
    };
    let max = app.store.files.config.max_file_bytes;
    // One file and the small form fields beside it.
    let whole = max + 64 * 1024;
    let mut mp =
        multer::Multipart::with_constraints(req.into_body().into_data_stream(), boundary, bounded(whole));
    let mut incoming = None;
    loop {
        let part = match mp.next_field().await {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(e) => return app_error_response(&read_error(e, "file", max), &rid),
        };
        if part.file_name().is_none() || incoming.is_some() {
            // Form fields beside the file (wx.uploadFile's formData) are read past.
            if let Err(e) = read_part(part, max, "file").await {
                return app_error_response(&e, &rid);
            }
            continue;
        }
        let name = part.file_name().map(str::to_owned);
        match read_part(part, max, "file").await {
            Ok(bytes) => incoming = Some(Incoming { name, bytes }),
            Err(e) => return app_error_response(&e, &rid),
        }
    }
    let Some(incoming) = incoming else {
        return app_error_response(&AppError::bad_input("file", "the body holds no file part"), &rid);
    };
    match attachment::upload(&app.store, &caller.actor, incoming).await {
        Ok(u) => {
            let audit = Entry {
                operation: "upload",
                action: Action::Mutation,
                object_type: Some("Upload"),
                object_id: Some(u.id),
                field: None,
                reason: None,
                outcome: "OK",
                error_code: None,
            };
            if let Err(e) = app.audit.record(&caller.actor, &caller.info, audit).await {
                tracing::error!(error = %e, "could not audit an upload");
                return app_error_response(&AppError::Internal("audit".into()), &rid);
            }
            let position = u
                .latitude
                .zip(u.longitude)
                .map(|(lat, lng)| json!({ "latitude": lat, "longitude": lng }));
            (
                StatusCode::CREATED,
                [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
                Json(json!({
                    "id": u.id,
                    "fileName": u.file_name,
                    "contentType": u.content_type,
                    "sizeBytes": u.size_bytes,
                    "sha256": u.sha256,
                    "metadataRemoved": u.metadata_removed,
                    "position": position,
                    "expiresAt": u.expires_at,
                })),
            )
                .into_response()
        }
        Err(e) => app_error_response(&e, &rid),
    }
}

/// The query of a signed file URL.
#[derive(Deserialize)]
struct Signed {
    expires: Option<i64>,
    by: Option<String>,
    sig: Option<String>,
}

async fn original(
    State(app): State<Arc<AppState>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    Query(q): Query<Signed>,
    headers: HeaderMap,
) -> Response {
    serve(&app, addr, &id, false, q, &headers).await
}

async fn thumbnail(
    State(app): State<Arc<AppState>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    Query(q): Query<Signed>,
    headers: HeaderMap,
) -> Response {
    serve(&app, addr, &id, true, q, &headers).await
}

/// Serves an attachment's bytes to a caller who may see its case, or to a valid signed URL.
async fn serve(
    app: &AppState,
    addr: SocketAddr,
    id: &str,
    thumb: bool,
    q: Signed,
    headers: &HeaderMap,
) -> Response {
    let rid = Uuid::now_v7().to_string();
    let not_found = || error_response(StatusCode::NOT_FOUND, code::NOT_FOUND, "not found", &rid);
    let Ok(id) = Uuid::parse_str(id) else {
        return not_found();
    };
    let variant = if thumb { "thumbnail" } else { "original" };
    // Who: a signed URL names who it was signed for; otherwise the token decides.
    let (actor, info, signed_for, found) = match (q.sig.as_deref(), q.expires, q.by.as_deref()) {
        (Some(sig), Some(expires), Some(by)) => {
            if !app.store.files.verify(id, variant, expires, by, sig) {
                return error_response(
                    StatusCode::FORBIDDEN,
                    code::FORBIDDEN,
                    "the signed URL is invalid or has expired; ask for Attachment.url again",
                    &rid,
                );
            }
            let info = crate::request::RequestInfo::new(rid.clone(), None, addr.ip());
            let found = attachment::find_signed(&app.db, id).await;
            (Actor::anonymous(), info, Some(by.to_owned()), found)
        }
        _ => {
            let caller = match admit(app, headers, addr, &rid).await {
                Ok(c) => c,
                Err(e) => return app_error_response(&e, &rid),
            };
            if caller.actor.is_anonymous() {
                return app_error_response(
                    &AppError::Unauthenticated(
                        "send Authorization: Bearer … (or use the signed Attachment.url)".into(),
                    ),
                    &rid,
                );
            }
            if let Err(e) = rate_limit(app, &caller, 1).await {
                return app_error_response(&e, &rid);
            }
            let found = attachment::find(&app.db, &caller.actor, id).await;
            (caller.actor.clone(), caller.info, None, found)
        }
    };
    let a = match found {
        Ok(a) => a,
        Err(AppError::NotFound) => {
            // A signed-in caller who asked for a file out of scope (or none) is on record too.
            if !actor.is_anonymous() {
                let denied = Entry {
                    outcome: "DENIED",
                    error_code: Some(code::NOT_FOUND),
                    ..download_entry(thumb, id, None)
                };
                if let Err(e) = app.audit.record(&actor, &info, denied).await {
                    tracing::error!(error = %e, "could not audit a refused download");
                }
            }
            return not_found();
        }
        Err(e) => return app_error_response(&e, &rid),
    };
    let (key, content_type) = match (thumb, &a.thumbnail_key) {
        (false, _) => (a.storage_key.clone(), a.content_type.clone()),
        (true, Some(k)) => (k.clone(), "image/jpeg".to_owned()),
        (true, None) => return not_found(),
    };
    let size = match app.store.files.blobs.size(&key).await {
        Ok(s) => s,
        Err(storage::StorageError::NotFound(_)) => {
            tracing::error!(key = %key, attachment = %a.id, "an attachment's bytes are missing from storage");
            return not_found();
        }
        Err(e) => return app_error_response(&attachment::storage_error(e), &rid),
    };
    let range = match requested_range(headers, size) {
        Ok(r) => r,
        Err(()) => {
            return (
                StatusCode::RANGE_NOT_SATISFIABLE,
                [(header::CONTENT_RANGE, format!("bytes */{size}"))],
            )
                .into_response()
        }
    };
    let bytes = match range.clone() {
        Some(r) => app.store.files.blobs.get_range(&key, r).await,
        None => app.store.files.blobs.get(&key).await,
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => return app_error_response(&attachment::storage_error(e), &rid),
    };
    let reason = signed_for.as_ref().map(|by| format!("signed URL for {by}"));
    let audit = download_entry(thumb, a.id, reason.as_deref());
    if let Err(e) = app.audit.record(&actor, &info, audit).await {
        tracing::error!(error = %e, "could not audit a download");
        return app_error_response(&AppError::Internal("audit".into()), &rid);
    }
    let mut res = match range {
        Some(r) => {
            let mut res = (StatusCode::PARTIAL_CONTENT, bytes).into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {}-{}/{size}", r.start, r.end - 1)) {
                res.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            res
        }
        None => (StatusCode::OK, bytes).into_response(),
    };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition(&a.file_name, &content_type, thumb)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}{}\"", a.sha256, if thumb { "-t" } else { "" })) {
        h.insert(header::ETAG, v);
    }
    res
}

/// The audit record of a download of attachment `id` (OK unless changed).
fn download_entry(thumb: bool, id: Uuid, reason: Option<&str>) -> Entry<'_> {
    Entry {
        operation: if thumb {
            "downloadThumbnail"
        } else {
            "downloadFile"
        },
        action: Action::Download,
        object_type: Some("Attachment"),
        object_id: Some(id),
        field: None,
        reason,
        outcome: "OK",
        error_code: None,
    }
}

/// The one byte range a `Range` header asks for (`bytes=a-b`, `bytes=a-`, `bytes=-n`), clamped
/// to `size`; `None` for no header, a header in another unit or several ranges (answered
/// whole, as RFC 9110 allows); `Err` when it cannot be satisfied.
fn requested_range(headers: &HeaderMap, size: u64) -> Result<Option<std::ops::Range<u64>>, ()> {
    let Some(v) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    let Some(spec) = v.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let (a, b) = spec.split_once('-').ok_or(())?;
    let (a, b) = (a.trim(), b.trim());
    let range = if a.is_empty() {
        let n: u64 = b.parse().map_err(|_| ())?;
        if n == 0 {
            return Err(());
        }
        size.saturating_sub(n)..size
    } else {
        let start: u64 = a.parse().map_err(|_| ())?;
        let end = if b.is_empty() {
            size
        } else {
            let last: u64 = b.parse().map_err(|_| ())?;
            if last < start {
                return Err(());
            }
            (last + 1).min(size)
        };
        start..end
    };
    if range.start >= size || range.is_empty() {
        return Err(());
    }
    Ok(Some(range))
}

/// `Content-Disposition`: images and thumbnails inline (for `<img>`), documents as downloads;
/// the name as ASCII fallback and in full as RFC 8187 UTF-8.
fn disposition(name: &str, content_type: &str, thumb: bool) -> String {
    let kind = if thumb || content_type.starts_with("image/") {
        "inline"
    } else {
        "attachment"
    };
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' && c != ';' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranged(v: &str, size: u64) -> Result<Option<std::ops::Range<u64>>, ()> {
        let mut h = HeaderMap::new();
        h.insert(
            header::RANGE,
            HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("")),
        );
        requested_range(&h, size)
    }

    #[test]
    fn byte_ranges_follow_rfc_9110() {
        assert_eq!(ranged("bytes=0-9", 100), Ok(Some(0..10)));
        assert_eq!(ranged("bytes=90-", 100), Ok(Some(90..100)));
        assert_eq!(ranged("bytes=-10", 100), Ok(Some(90..100)));
        assert_eq!(ranged("bytes=-1000", 100), Ok(Some(0..100)));
        assert_eq!(ranged("bytes=95-200", 100), Ok(Some(95..100)));
        assert_eq!(ranged("bytes=100-", 100), Err(()));
        assert_eq!(ranged("bytes=9-3", 100), Err(()));
        assert_eq!(ranged("bytes=-0", 100), Err(()));
        assert_eq!(ranged("bytes=0-1,5-6", 100), Ok(None));
        assert_eq!(ranged("items=0-1", 100), Ok(None));
    }

    #[test]
    fn dispositions_keep_the_name_and_defuse_it() {
        assert_eq!(
            disposition("路灯.jpg", "image/jpeg", false),
            "inline; filename=\"__.jpg\"; filename*=UTF-8''%E8%B7%AF%E7%81%AF.jpg"
        );
        assert!(disposition("a\";x.pdf", "application/pdf", false)
            .starts_with("attachment; filename=\"a__x.pdf\""));
    }
}
