//! The HTTP surface: `/graphql` (POST JSON, GET for queries), health checks, GraphiQL.

use std::sync::Arc;

use async_graphql::{BatchRequest, BatchResponse, Request};
use axum::{
    body::Bytes,
    extract::{DefaultBodyLimit, Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::{
    app::AppState,
    auth::Actor,
    config::Mode,
    error::{code, AppError},
    graphql::loader,
};

/// Largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Most operations accepted in one batched request.
pub const MAX_BATCH: usize = 10;

/// Builds the router.
pub fn router(state: Arc<AppState>) -> Router {
    let mut r = Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    if state.config.mode == Mode::Development {
        r = r.merge(crate::graphiql::routes());
    }
    r.layer(DefaultBodyLimit::max(MAX_BODY_BYTES)).with_state(state)
}

async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(app): State<Arc<AppState>>) -> Response {
    match app.db.ping().await {
        Ok(()) => Json(json!({ "status": "ready" })).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "database unreachable" })),
            )
                .into_response()
        }
    }
}

/// A response carrying one GraphQL-shaped error.
fn error_response(status: StatusCode, code: &str, message: &str, request_id: &str) -> Response {
    let mut res = (
        status,
        Json(json!({
            "errors": [{ "message": message, "extensions": { "code": code, "requestId": request_id } }]
        })),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(request_id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

/// Reads the bearer token, if any, into an actor.
fn authenticate(app: &AppState, headers: &HeaderMap) -> Result<Arc<Actor>, AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Actor::anonymous());
    };
    let value = value
        .to_str()
        .map_err(|_| AppError::Unauthenticated("malformed Authorization header".into()))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| AppError::Unauthenticated("expected Authorization: Bearer <token>".into()))?;
    Ok(Arc::new(app.keys.verify(token.trim())?))
}

fn request_id() -> String {
    Uuid::now_v7().to_string()
}

async fn execute(app: &AppState, actor: Arc<Actor>, batch: BatchRequest, request_id: &str) -> Response {
    let span = tracing::info_span!("graphql", request_id, role = actor.role.as_str());
    let _enter = span.enter();
    let prepare = |r: Request| {
        r.data(actor.clone()).data(loader::for_request(
            app.db.clone(),
            actor.clone(),
            app.config.loader_delay,
        ))
    };
    let batch = match batch {
        BatchRequest::Single(r) => BatchRequest::Single(prepare(r)),
        BatchRequest::Batch(rs) => BatchRequest::Batch(rs.into_iter().map(prepare).collect()),
    };
    drop(_enter);
    let mut resp = app.schema.execute_batch(batch).await;
    tag_errors(&mut resp, request_id);
    let mut res = Json(resp).into_response();
    if let Ok(v) = HeaderValue::from_str(request_id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

/// Gives every error a request id, so a user's report can be matched with the log; errors
/// without a code (parse and validation errors) get `BAD_USER_INPUT`.
fn tag_errors(resp: &mut BatchResponse, request_id: &str) {
    let responses: Vec<&mut async_graphql::Response> = match resp {
        BatchResponse::Single(r) => vec![r],
        BatchResponse::Batch(rs) => rs.iter_mut().collect(),
    };
    for r in responses {
        for e in &mut r.errors {
            let ext = e.extensions.get_or_insert_with(Default::default);
            if ext.get("code").is_none() {
                ext.set("code", code::BAD_USER_INPUT);
            }
            ext.set("requestId", request_id);
        }
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            let mime = v.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            mime == "application/json" || mime == "application/graphql-response+json"
        })
        .unwrap_or(false)
}

async fn graphql_post(State(app): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let rid = request_id();
    if !is_json(&headers) {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code::BAD_USER_INPUT,
            "send GraphQL requests as Content-Type: application/json",
            &rid,
        );
    }
    let actor = match authenticate(&app, &headers) {
        Ok(a) => a,
        Err(e) => return error_response(StatusCode::UNAUTHORIZED, e.code(), &e.to_string(), &rid),
    };
    let batch: BatchRequest = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                code::BAD_USER_INPUT,
                "body is not a GraphQL request in JSON",
                &rid,
            )
        }
    };
    if let BatchRequest::Batch(rs) = &batch {
        if rs.len() > MAX_BATCH || rs.is_empty() {
            return error_response(
                StatusCode::BAD_REQUEST,
                code::BAD_USER_INPUT,
                &format!("a batch holds 1 to {MAX_BATCH} operations"),
                &rid,
            );
        }
    }
    execute(&app, actor, batch, &rid).await
}

/// GET parameters of a GraphQL query.
#[derive(Deserialize)]
struct GetParams {
    query: String,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
}

async fn graphql_get(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    params: Result<Query<GetParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let rid = request_id();
    let Ok(Query(p)) = params else {
        return error_response(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            "missing query parameter",
            &rid,
        );
    };
    let actor = match authenticate(&app, &headers) {
        Ok(a) => a,
        Err(e) => return error_response(StatusCode::UNAUTHORIZED, e.code(), &e.to_string(), &rid),
    };
    if !is_query_only(&p.query, p.operation_name.as_deref()) {
        return error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            code::BAD_USER_INPUT,
            "GET runs queries only; send mutations by POST",
            &rid,
        );
    }
    let mut req = Request::new(p.query);
    if let Some(op) = p.operation_name {
        req = req.operation_name(op);
    }
    if let Some(v) = p.variables {
        match serde_json::from_str::<serde_json::Value>(&v) {
            Ok(v) => req = req.variables(async_graphql::Variables::from_json(v)),
            Err(_) => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    code::BAD_USER_INPUT,
                    "variables are not JSON",
                    &rid,
                )
            }
        }
    }
    execute(&app, actor, BatchRequest::Single(req), &rid).await
}

/// True when the operation that would run is a query (parse errors pass through, to be
/// reported by the executor).
fn is_query_only(query: &str, operation_name: Option<&str>) -> bool {
    use async_graphql::parser::{parse_query, types::OperationType};
    let Ok(doc) = parse_query(query) else {
        return true;
    };
    doc.operations
        .iter()
        .filter(|(name, _)| match (operation_name, name) {
            (Some(want), Some(n)) => n.as_str() == want,
            (Some(_), None) => false,
            (None, _) => true,
        })
        .all(|(_, op)| op.node.ty == OperationType::Query)
}
