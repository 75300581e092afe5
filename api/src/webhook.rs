//! `POST /webhooks/{code}`: the signed inbound endpoint of an integrated platform.
//!
//! The platform signs `{timestamp}.{body}` with HMAC-SHA256 under its shared secret and sends
//! `X-Fengqiao-Timestamp` (Unix seconds) and `X-Fengqiao-Signature: sha256=<hex>`. A request
//! outside the replay window, unsigned, wrongly signed or replayed is refused before anything
//! is written. The body is a batch (`{"cases": [...], "enterprises": [...], "volunteers":
//! [...]}`); the answer reports every record by list and index.

use std::{net::SocketAddr, sync::Arc};

use axum::{
    body::Bytes,
    extract::{ConnectInfo, DefaultBodyLimit, Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use serde_json::json;

use crate::{
    app::AppState,
    error::{code, AppError},
    request::RequestInfo,
    service::{
        audit::{self, Action, Entry},
        sync,
    },
};

/// Header carrying the Unix time the request was signed at.
pub const TIMESTAMP_HEADER: &str = "x-fengqiao-timestamp";
/// Header carrying `sha256=<hex HMAC>`.
pub const SIGNATURE_HEADER: &str = "x-fengqiao-signature";

/// The webhook routes, with their own body limit.
pub fn routes(max_bytes: usize) -> Router<Arc<AppState>> {
    Router::new()
        .route("/webhooks/{code}", post(receive))
        .layer(DefaultBodyLimit::max(max_bytes))
}

fn refuse(e: &AppError, request_id: &str) -> Response {
    if e.code() == code::INTERNAL {
        tracing::error!(error = %e, request_id, "webhook failed");
    }
    crate::http::app_error_response(e, request_id)
}

async fn receive(
    State(app): State<Arc<AppState>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request_id = uuid::Uuid::now_v7().to_string();
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    let cfg = &app.config.integration;
    let (platform, receipt) = match sync::authenticate_webhook(
        &app.db,
        &code,
        header(TIMESTAMP_HEADER),
        header(SIGNATURE_HEADER),
        &body,
        cfg.replay_window,
    )
    .await
    {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(platform = %code, %addr, code = e.code(), "webhook refused");
            return refuse(&e, &request_id);
        }
    };
    let actor = sync::platform_actor(&platform);
    let info = RequestInfo::new(
        request_id.clone(),
        Some(format!("webhook:{}", platform.code)),
        addr.ip(),
    );
    let outcome = match sync::Batch::from_json(&body) {
        Ok(batch) => sync::apply(&app.store, &platform, batch, cfg.max_batch_records, Some(receipt)).await,
        Err(e) => Err(e),
    };
    let entry = |outcome: &'static str, error_code: Option<&'static str>| Entry {
        operation: "webhook.syncRecords",
        action: Action::Mutation,
        object_type: Some("Platform"),
        object_id: Some(platform.id),
        field: None,
        reason: None,
        outcome,
        error_code,
    };
    match outcome {
        Ok(report) => {
            if let Err(e) = audit::record(&app.db, &actor, &info, entry("OK", None)).await {
                tracing::error!(error = %e, %request_id, "could not write the audit record");
            }
            let mut body = json!(report);
            if let Some(o) = body.as_object_mut() {
                o.insert("requestId".into(), json!(request_id));
            }
            (StatusCode::OK, Json(body)).into_response()
        }
        Err(e) => {
            if let Err(a) = audit::record(&app.db, &actor, &info, entry("ERROR", Some(e.code()))).await {
                tracing::error!(error = %a, %request_id, "could not write the audit record");
            }
            refuse(&e, &request_id)
        }
    }
}
