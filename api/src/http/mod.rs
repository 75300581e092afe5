//! The HTTP surface: `/graphql` (POST JSON, GET for queries), health checks, GraphiQL.
//!
//! Every request passes, in order and before any SQL runs: body size, content type (CSRF
//! guard), client identification, token verification, role-per-client check, rate limits,
//! batch size, persisted-query resolution or allow-list, and the operation limits. Then it
//! executes, and every mutation is written to the audit log.

use std::{collections::HashMap, net::SocketAddr, sync::Arc, time::Instant};
use tracing::Instrument;

use async_graphql::{parser::types::ExecutableDocument, Request, Response as GqlResponse, ServerError};
use axum::{
    body::Bytes,
    extract::{ConnectInfo, DefaultBodyLimit, Extension, Query, State},
    http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{
    app::AppState,
    auth::{Actor, Role},
    config::Mode,
    error::{code, AppError},
    graphql::loader,
    limits::{self, OperationKind},
    metrics::{outcome_of, Metrics},
    request::RequestInfo,
    service::{
        audit::{Action, Entry},
        client::{sha256_hex, ClientInfo},
    },
};

/// The header that names the calling client application.
pub const CLIENT_HEADER: &str = "x-client-id";

/// Builds the router.
pub fn router(state: Arc<AppState>) -> Router {
    let sec = &state.config.security;
    let mut r = Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphql/ws", get(ws::graphql_ws))
        .route(
            "/graphql/stream",
            get(sse::open).post(sse::post).put(sse::reserve).delete(sse::stop),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(crate::metrics::serve))
        .route("/admin/audit.csv", get(crate::graphql::audit::export_csv))
        .merge(crate::export::routes())
        .merge(files::routes())
        .merge(crate::public_page::routes())
        .merge(crate::webhook::routes(state.config.integration.max_webhook_bytes));
    if state.config.mode == Mode::Development {
        r = r
            .merge(crate::graphiql::routes())
            .route("/dev/tokens", get(crate::graphiql::dev_tokens));
    }
    let cors = {
        let origins: Vec<HeaderValue> = sec
            .cors_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        tower_http::cors::CorsLayer::new()
            .allow_origin(origins)
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::ACCEPT,
                HeaderName::from_static(CLIENT_HEADER),
                HeaderName::from_static("x-requested-with"),
                HeaderName::from_static(sse::TOKEN_HEADER),
            ])
    };
    r.layer(axum::middleware::from_fn_with_state(state.clone(), bound))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            state.config.server.body_timeout,
        ))
        .layer(axum::Extension(crate::metrics::Metrics::new()))
        .layer(DefaultBodyLimit::max(sec.max_body_bytes))
        .layer(cors)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_response))
        .with_state(state)
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let rid = Uuid::now_v7().to_string();
    tracing::error!(request_id = %rid, "handler panicked");
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        code::INTERNAL,
        "internal error",
        &rid,
    )
}

async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Ready when not shutting down and the database answers within the probe timeout; the
/// answer never takes longer than that timeout.
async fn readyz(State(app): State<Arc<AppState>>) -> Response {
    let not_ready = |status: &str| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
            Json(json!({ "status": status })),
        )
            .into_response()
    };
    if app.lifecycle.draining() {
        return not_ready("draining");
    }
    if !app.health.check().await {
        return not_ready("database not answering");
    }
    (
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Json(json!({ "status": "ready" })),
    )
        .into_response()
}

/// Bounds every request but the probes and `/metrics`: 503 `UNAVAILABLE` with `Retry-After`
/// at once while the database is down, the moment it goes down while a request waits on it,
/// and when an answer has not started within the request timeout (a stream is bounded until
/// its first byte). Counts requests for the shutdown.
async fn bound(
    State(app): State<Arc<AppState>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req.uri().path().to_owned();
    if matches!(path.as_str(), "/healthz" | "/readyz" | "/metrics") {
        let mut res = next.run(req).await;
        close_when_draining(&app, &mut res);
        return res;
    }
    let _counted = app.lifecycle.request();
    let span = if crate::telemetry::enabled() {
        tracing::info_span!(
            "HTTP request",
            otel.name = %format!("{} {path}", req.method()),
            otel.kind = "server",
            http.request.method = %req.method(),
            url.path = %path,
            http.response.status_code = tracing::field::Empty,
            request_id = tracing::field::Empty,
        )
    } else {
        tracing::Span::none()
    };
    let res = bounded(&app, req, next).instrument(span.clone()).await;
    if !span.is_none() {
        span.record("http.response.status_code", res.status().as_u16());
        if let Some(rid) = res.headers().get("x-request-id").and_then(|v| v.to_str().ok()) {
            span.record("request_id", rid);
        }
    }
    res
}

/// The request under the outage and timeout bounds.
async fn bounded(app: &AppState, req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let unavailable = |message: String| {
        let rid = Uuid::now_v7().to_string();
        tracing::warn!(request_id = %rid, %message, "answered 503");
        let body = error_body(
            code::UNAVAILABLE,
            &message,
            &rid,
            &json!({ "retryAfterSeconds": crate::error::RETRY_AFTER_UNAVAILABLE_SECS }),
        );
        respond::body_unavailable(&body, Framing::Json, &rid)
    };
    if app.health.is_down() {
        return unavailable("the database is not answering; retry shortly".into());
    }
    // A file upload first has to arrive: its answer may take the body's time on top.
    let upload = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    let limit = if upload {
        app.config.server.request_timeout + app.config.server.body_timeout
    } else {
        app.config.server.request_timeout
    };
    let mut res = tokio::select! {
        r = tokio::time::timeout(limit, next.run(req)) => r.unwrap_or_else(|_| {
            unavailable(format!("no answer within {} s; retry shortly", limit.as_secs()))
        }),
        _ = app.health.down() => unavailable("the database stopped answering; retry shortly".into()),
    };
    close_when_draining(app, &mut res);
    res
}

/// While draining, every answer closes its connection (health checks' too): a client's next
/// request opens a new one, which the load balancer sends elsewhere, instead of racing the
/// final close of an idle keep-alive connection (a request lost on the wire, answer unknown);
/// and no connection opened while draining outlives the stop.
fn close_when_draining(app: &AppState, res: &mut Response) {
    if app.lifecycle.draining() && !res.headers().contains_key(header::UPGRADE) {
        res.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
}

/// A response carrying one GraphQL-shaped error.
pub fn error_response(status: StatusCode, code: &str, message: &str, request_id: &str) -> Response {
    rejection(status, code, message, request_id, json!({}))
}

fn rejection(status: StatusCode, code: &str, message: &str, request_id: &str, extra: Value) -> Response {
    respond::body(
        status,
        Framing::Json,
        &error_body(code, message, request_id, &extra),
        request_id,
    )
}

/// An error as a whole HTTP answer: the status from the one table ([`respond::status_of`]),
/// the public message, and `Retry-After` when a retry may succeed later.
pub(crate) fn app_error_response(e: &AppError, request_id: &str) -> Response {
    let status = respond::status_of(e.code());
    let message = e.public_message();
    let retry_after = match e {
        AppError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
        _ if e.code() == code::UNAVAILABLE => Some(crate::error::RETRY_AFTER_UNAVAILABLE_SECS),
        _ => None,
    };
    let mut res = match retry_after {
        Some(secs) => rejection(
            status,
            e.code(),
            &message,
            request_id,
            json!({ "retryAfterSeconds": secs }),
        ),
        None => error_response(status, e.code(), &message, request_id),
    };
    if let Some(secs) = retry_after {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    res
}

/// The calling client, as far as the pipeline is concerned.
#[derive(Clone)]
enum Client {
    /// A registered, enabled client.
    Known(Arc<ClientInfo>),
    /// No client named, and none required (development console, tests).
    Console,
    /// Named but unknown or disabled, or missing where required: public data only.
    Unknown,
}

impl Client {
    fn id(&self) -> Option<String> {
        match self {
            Client::Known(c) => Some(c.client_id.clone()),
            _ => None,
        }
    }
}

fn identify(app: &AppState, headers: &HeaderMap) -> Client {
    match headers.get(CLIENT_HEADER).and_then(|v| v.to_str().ok()) {
        Some(id) => match app.clients.get(id.trim()) {
            Some(c) => Client::Known(c),
            None => Client::Unknown,
        },
        None if app.config.security.require_client => Client::Unknown,
        None => Client::Console,
    }
}

/// Reads the bearer token, if any, into an actor.
async fn authenticate(app: &AppState, headers: &HeaderMap) -> Result<Arc<Actor>, AppError> {
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
    Ok(Arc::new(app.authenticate(token.trim()).await?))
}

/// Everything settled about a request before its operations are looked at.
#[derive(Clone)]
struct Caller {
    actor: Arc<Actor>,
    client: Client,
    info: RequestInfo,
}

async fn admit(
    app: &AppState,
    headers: &HeaderMap,
    addr: SocketAddr,
    request_id: &str,
) -> Result<Caller, AppError> {
    let client = identify(app, headers);
    let mut actor = authenticate(app, headers).await?;
    match &client {
        Client::Unknown if !actor.is_anonymous() => {
            return Err(AppError::forbidden(
                "unknown or disabled client: send a registered X-Client-Id with signed-in requests",
            ))
        }
        Client::Unknown => actor = Actor::anonymous(),
        Client::Known(c) if !c.allows(actor.role) => {
            return Err(AppError::forbidden(format!(
                "client {} does not accept {} tokens",
                c.client_id,
                actor.role.as_str()
            )))
        }
        _ => {}
    }
    let info = RequestInfo::new(request_id.to_owned(), client.id(), addr.ip());
    Ok(Caller { actor, client, info })
}

/// Takes `n` tokens from each bucket that applies to this caller.
async fn rate_limit(app: &AppState, c: &Caller, n: usize) -> Result<(), AppError> {
    let sec = &app.config.security;
    let ip = c.info.ip;
    let mut buckets: Vec<(String, u32)> = vec![(format!("ip:{ip}"), sec.rate_address_per_min)];
    match (&c.actor.subject, c.actor.role) {
        (_, Role::Anonymous) | (None, _) => buckets.push((format!("anon:{ip}"), sec.rate_anonymous_per_min)),
        (Some(sub), role) => buckets.push((format!("actor:{}:{sub}", role.as_str()), sec.rate_actor_per_min)),
    }
    if let Client::Known(cl) = &c.client {
        buckets.push((format!("client:{}", cl.client_id), cl.rate_limit_per_minute));
    }
    let n = u32::try_from(n).unwrap_or(u32::MAX);
    for (key, per_min) in &buckets {
        app.rate
            .take(key, *per_min, n)
            .await
            .map_err(|retry_after_secs| AppError::RateLimited { retry_after_secs })?;
    }
    Ok(())
}

/// One operation as sent, before checks.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawOperation {
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    operation_name: Option<String>,
    #[serde(default)]
    variables: Option<Value>,
    #[serde(default)]
    extensions: Option<Value>,
}

/// An operation that failed a check, with the error to answer.
struct Refusal {
    code: &'static str,
    message: String,
    extra: Value,
    mutation: bool,
    /// The status it is answered with.
    kind: RefusalKind,
}

/// How a refused operation is answered over HTTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RefusalKind {
    /// The document does not run (parse, limits, unknown persisted query): a request error,
    /// whose status the media type decides (see [`respond`]).
    Document,
    /// Not a GraphQL request the service runs at all: this status.
    Http(StatusCode),
}

impl Refusal {
    fn status(&self, framing: Framing) -> StatusCode {
        match self.kind {
            RefusalKind::Document => framing.request_error_status(),
            RefusalKind::Http(s) => s,
        }
    }

    /// The refusal as a whole HTTP answer.
    fn respond(&self, framing: Framing, request_id: &str) -> Response {
        let status = self.status(framing);
        let mut res = respond::body(
            status,
            framing,
            &error_body(self.code, &self.message, request_id, &self.extra),
            request_id,
        );
        if status == StatusCode::METHOD_NOT_ALLOWED {
            // RFC 9110: a 405 names the methods that would work.
            res.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
        }
        res
    }
}

fn refusal(code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal {
        code,
        message: message.into(),
        extra: json!({}),
        mutation: false,
        kind: RefusalKind::Http(StatusCode::BAD_REQUEST),
    }
}

/// `{"errors": [one error]}` with its code, request id and further extensions.
fn error_body(code: &str, message: &str, request_id: &str, extra: &Value) -> Value {
    let mut ext = json!({ "code": code, "requestId": request_id });
    if let (Some(e), Some(x)) = (ext.as_object_mut(), extra.as_object()) {
        for (k, v) in x {
            e.insert(k.clone(), v.clone());
        }
    }
    json!({ "errors": [{ "message": message, "extensions": ext }] })
}

/// An operation ready to run: its request, kind and name, and its parsed document.
struct Prepared {
    req: Request,
    kind: OperationKind,
    /// The name of the operation that will run (for `/metrics`).
    name: Option<String>,
    document: Arc<ExecutableDocument>,
}

/// Resolves the text of `op` (persisted queries, allow-list) and checks its limits.
fn prepare(app: &AppState, caller: &Caller, op: RawOperation, get: bool) -> Result<Prepared, Refusal> {
    // Automatic persisted queries speak version 1 only (as Apollo's clients do).
    if let Some(pq) = op.extensions.as_ref().and_then(|e| e.get("persistedQuery")) {
        if pq.get("version").and_then(Value::as_i64) != Some(1) {
            return Err(Refusal {
                code: "PERSISTED_QUERY_NOT_SUPPORTED",
                message: "PersistedQueryNotSupported: only persistedQuery version 1 is spoken".into(),
                extra: json!({}),
                mutation: false,
                kind: RefusalKind::Document,
            });
        }
    }
    let hash = op
        .extensions
        .as_ref()
        .and_then(|e| e.get("persistedQuery"))
        .and_then(|p| p.get("sha256Hash"))
        .and_then(Value::as_str)
        .map(|h| h.to_ascii_lowercase());
    let query = match (&caller.client, op.query.filter(|q| !q.trim().is_empty()), hash) {
        // Strict allow-list: only the client's registered operations run.
        (Client::Known(c), text, hash) if c.allow_list_only => {
            let sha = match (&text, hash) {
                (Some(t), _) => sha256_hex(t),
                (None, Some(h)) => h,
                (None, None) => {
                    return Err(refusal(
                        code::BAD_USER_INPUT,
                        "send a query or a persisted query hash",
                    ))
                }
            };
            match c.operations.get(&sha) {
                Some(q) => q.clone(),
                None => {
                    return Err(Refusal {
                        code: code::FORBIDDEN,
                        message: "operation not registered for this client".into(),
                        extra: json!({ "reason": "NOT_ALLOW_LISTED" }),
                        mutation: false,
                        kind: RefusalKind::Http(StatusCode::BAD_REQUEST),
                    })
                }
            }
        }
        (_, Some(text), Some(h)) => {
            if sha256_hex(&text) != h {
                return Err(refusal(
                    code::BAD_USER_INPUT,
                    "persisted query hash does not match the query",
                ));
            }
            app.remember_persisted(h, &text);
            text
        }
        (_, Some(text), None) => text,
        (_, None, Some(h)) => match app.persisted(&h) {
            Some(q) => q,
            None => {
                return Err(Refusal {
                    code: "PERSISTED_QUERY_NOT_FOUND",
                    message: "PersistedQueryNotFound".into(),
                    extra: json!({}),
                    mutation: false,
                    kind: RefusalKind::Document,
                })
            }
        },
        (_, None, None) => return Err(refusal(code::BAD_USER_INPUT, "missing query")),
    };
    let mut variables = op.variables.unwrap_or(Value::Null);
    if query.contains("_entities") {
        crate::graphql::federation::mark_unknown_types(&mut variables);
    }
    let violation = |v: limits::Violation| Refusal {
        code: code::BAD_USER_INPUT,
        message: v.message.clone(),
        // A parse error is a parse error, not a limit.
        extra: if v.is_limit() {
            json!({ "limit": v.limit, "max": v.max, "actual": v.actual })
        } else {
            json!({})
        },
        mutation: false,
        kind: RefusalKind::Document,
    };
    let document = app.document(&query).map_err(violation)?;
    let analysis = limits::measure(
        &document,
        op.operation_name.as_deref(),
        &variables,
        &app.config.security.limits,
    )
    .map_err(violation)?;
    if analysis.introspection && !app.config.security.introspection {
        return Err(Refusal {
            code: code::FORBIDDEN,
            message: "introspection (__schema, __type) is disabled on this server; ask its operators for schema.graphql".into(),
            extra: json!({ "reason": "INTROSPECTION_DISABLED" }),
            mutation: false,
            kind: RefusalKind::Document,
        });
    }
    if get && analysis.operation != OperationKind::Query {
        return Err(Refusal {
            code: code::BAD_USER_INPUT,
            message: "GET runs queries only; send mutations by POST".into(),
            extra: json!({ "reason": "METHOD" }),
            mutation: true,
            kind: RefusalKind::Http(StatusCode::METHOD_NOT_ALLOWED),
        });
    }
    let mut req = Request::new(query);
    req.set_parsed_query(ExecutableDocument::clone(&document));
    if let Some(name) = op.operation_name {
        req = req.operation_name(name);
    }
    if !variables.is_null() {
        req = req.variables(async_graphql::Variables::from_json(variables));
    }
    Ok(Prepared {
        req,
        kind: analysis.operation,
        name: analysis.operation_name,
        document,
    })
}

fn refusal_response(r: &Refusal, request_id: &str) -> GqlResponse {
    let mut e = ServerError::new(r.message.clone(), None);
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", r.code);
    ext.set("requestId", request_id);
    if let Some(x) = r.extra.as_object() {
        for (k, v) in x {
            if let Ok(cv) = async_graphql::Value::from_json(v.clone()) {
                ext.set(k.as_str(), cv);
            }
        }
    }
    e.extensions = Some(ext);
    GqlResponse::from_errors(vec![e])
}

/// Gives every error a request id, and errors without a code (parse and validation errors)
/// `BAD_USER_INPUT`.
fn tag_errors(resp: &mut GqlResponse, request_id: &str) {
    for e in &mut resp.errors {
        let ext = e.extensions.get_or_insert_with(Default::default);
        if ext.get("code").is_none() {
            ext.set("code", code::BAD_USER_INPUT);
        }
        ext.set("requestId", request_id);
    }
}

/// Runs one checked operation and audits it when it is a mutation.
async fn run(app: &AppState, caller: &Caller, p: Prepared) -> GqlResponse {
    let Prepared {
        req, kind, document, ..
    } = p;
    let op_name = req.operation_name.clone();
    let root_names = if kind == OperationKind::Mutation {
        root_field_names(&document, op_name.as_deref())
    } else {
        Vec::new()
    };
    let service = kind == OperationKind::Query && req.query.contains("_service");
    let req = req
        .data(caller.actor.clone())
        .data(crate::graphql::federation::Slots::default())
        .data(caller.info.clone())
        .data(loader::for_request(
            app.db.clone(),
            caller.actor.clone(),
            app.config.loader_delay,
        ));
    let span = if crate::telemetry::enabled() {
        // The operation's own name, also when the request does not repeat it.
        let named = op_name.as_deref().or(match &document.operations {
            async_graphql::parser::types::DocumentOperations::Multiple(ops) if ops.len() == 1 => {
                ops.keys().next().map(|n| n.as_str())
            }
            _ => None,
        });
        let kind_name = match kind {
            OperationKind::Query => "query",
            OperationKind::Mutation => "mutation",
            OperationKind::Subscription => "subscription",
        };
        tracing::info_span!(
            "GraphQL operation",
            otel.name = %format!("{kind_name} {}", named.unwrap_or("(anonymous)")),
            graphql.operation.type = kind_name,
            graphql.operation.name = named.unwrap_or(""),
            request_id = %caller.info.request_id,
        )
    } else {
        tracing::Span::none()
    };
    let mut resp = crate::telemetry::REQUEST_ID
        .scope(caller.info.request_id.clone(), app.schema.execute(req))
        .instrument(span)
        .await;
    crate::graphql::order::by_selection(&document, op_name.as_deref(), &mut resp.data);
    if service {
        crate::graphql::federation::shape_service(
            &document,
            op_name.as_deref(),
            app.config.security.introspection,
            &mut resp.data,
        );
    }
    if kind == OperationKind::Mutation {
        audit_mutation(app, caller, op_name.as_deref(), &root_names, &resp).await;
    }
    tag_errors(&mut resp, &caller.info.request_id);
    resp
}

/// One audit record per root field of a mutation: the field, the object id it returned, and
/// the outcome.
async fn audit_mutation(
    app: &AppState,
    caller: &Caller,
    op_name: Option<&str>,
    roots: &[(String, String)],
    resp: &GqlResponse,
) {
    let data = resp.data.clone().into_json().unwrap_or(Value::Null);
    let mut fields: Vec<String> = data
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    for e in &resp.errors {
        if let Some(async_graphql::PathSegment::Field(f)) = e.path.first() {
            if !fields.contains(f) {
                fields.push(f.clone());
            }
        }
    }
    if fields.is_empty() {
        fields.push(op_name.unwrap_or("mutation").to_owned());
    }
    for f in fields {
        let err = resp.errors.iter().find(|e| {
            matches!(e.path.first(), Some(async_graphql::PathSegment::Field(p)) if *p == f)
                || e.path.is_empty()
        });
        let code = err
            .and_then(|e| e.extensions.as_ref())
            .and_then(|x| x.get("code"))
            .map(|c| c.to_string().trim_matches('"').to_owned());
        let object_id = find_id(&data[&f]);
        // Record the field's name, not the alias the client gave it.
        let name = roots
            .iter()
            .find(|(key, _)| *key == f)
            .map(|(_, n)| n.as_str())
            .unwrap_or(&f);
        let entry = Entry {
            operation: name,
            action: Action::Mutation,
            object_type: None,
            object_id,
            field: None,
            reason: None,
            outcome: if err.is_some() { "ERROR" } else { "OK" },
            error_code: code.as_deref(),
        };
        if let Err(e) = app.audit.record(&caller.actor, &caller.info, entry).await {
            tracing::error!(error = %e, request_id = %caller.info.request_id, "could not write the audit record");
        }
    }
}

/// (response key, field name) of each root field of the operation that runs, looking through
/// inline fragments and fragment spreads, so an alias cannot rename what the audit log records.
fn root_field_names(doc: &ExecutableDocument, operation_name: Option<&str>) -> Vec<(String, String)> {
    use async_graphql::parser::{
        types::{Selection, SelectionSet},
        Positioned,
    };
    fn walk(
        doc: &ExecutableDocument,
        set: &Positioned<SelectionSet>,
        depth: usize,
        out: &mut Vec<(String, String)>,
    ) {
        if depth > 16 {
            return;
        }
        for sel in &set.node.items {
            match &sel.node {
                Selection::Field(f) => {
                    let name = f.node.name.node.to_string();
                    let key = f
                        .node
                        .alias
                        .as_ref()
                        .map(|a| a.node.to_string())
                        .unwrap_or_else(|| name.clone());
                    out.push((key, name));
                }
                Selection::InlineFragment(i) => walk(doc, &i.node.selection_set, depth + 1, out),
                Selection::FragmentSpread(s) => {
                    if let Some(frag) = doc.fragments.get(&s.node.fragment_name.node) {
                        walk(doc, &frag.node.selection_set, depth + 1, out);
                    }
                }
            }
        }
    }
    let op = doc
        .operations
        .iter()
        .find(|(name, _)| match (operation_name, name) {
            (Some(want), Some(n)) => n.as_str() == want,
            (None, _) => true,
            (Some(_), None) => false,
        });
    let Some((_, op)) = op else {
        return Vec::new();
    };
    let mut out = Vec::new();
    walk(doc, &op.node.selection_set, 0, &mut out);
    out
}

/// Audits a mutation refused before execution.
async fn audit_refused(app: &AppState, caller: &Caller, r: &Refusal) {
    if !r.mutation {
        return;
    }
    let entry = Entry {
        operation: "mutation",
        action: Action::Mutation,
        object_type: None,
        object_id: None,
        field: None,
        reason: None,
        outcome: "REJECTED",
        error_code: Some(r.code),
    };
    if let Err(e) = app.audit.record(&caller.actor, &caller.info, entry).await {
        tracing::error!(error = %e, "could not write the audit record");
    }
}

fn find_id(v: &Value) -> Option<Uuid> {
    match v {
        Value::Object(o) => {
            if let Some(id) = o
                .get("id")
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok())
            {
                return Some(id);
            }
            o.values().find_map(find_id)
        }
        _ => None,
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

async fn graphql_post(
    State(app): State<Arc<AppState>>,
    Extension(metrics): Extension<Arc<Metrics>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    req: axum::extract::Request,
) -> Response {
    use axum::extract::FromRequest;
    let started = Instant::now();
    let refused = |code: &str| metrics.record(None, false, code, started.elapsed());
    let rid = Uuid::now_v7().to_string();
    let framing = Framing::negotiate(&headers);
    if let Some(boundary) = files::boundary(&headers) {
        return graphql_multipart(&app, &metrics, addr, &headers, req, boundary, &rid).await;
    }
    // The body limit (`DefaultBodyLimit`) applies here, before anything else is looked at.
    let body = match Bytes::from_request(req, &()).await {
        Ok(b) => b,
        Err(rejection) => {
            refused(code::BAD_USER_INPUT);
            return rejection.into_response();
        }
    };
    if !is_json(&headers) {
        refused(code::BAD_USER_INPUT);
        return respond::body(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            framing,
            &error_body(
                code::BAD_USER_INPUT,
                "send GraphQL requests as Content-Type: application/json (or multipart/form-data with files)",
                &rid,
                &json!({}),
            ),
            &rid,
        );
    }
    let caller = match admit(&app, &headers, addr, &rid).await {
        Ok(c) => c,
        Err(e) => {
            refused(e.code());
            return app_error_response(&e, &rid);
        }
    };
    let parsed: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => {
            refused(code::BAD_USER_INPUT);
            return respond::body(
                StatusCode::BAD_REQUEST,
                framing,
                &error_body(code::BAD_USER_INPUT, "body is not JSON", &rid, &json!({})),
                &rid,
            );
        }
    };
    answer(
        &app,
        &metrics,
        started,
        &caller,
        framing,
        &rid,
        parsed,
        HashMap::new(),
    )
    .await
}

/// A GraphQL multipart request (files with `reportCase` or `attachToCase`): from a signed-in
/// caller, with the CSRF header a cross-site form cannot send, read with the file caps.
async fn graphql_multipart(
    app: &AppState,
    metrics: &Metrics,
    addr: SocketAddr,
    headers: &HeaderMap,
    req: axum::extract::Request,
    boundary: String,
    rid: &str,
) -> Response {
    let started = Instant::now();
    let framing = Framing::negotiate(headers);
    let refuse = |e: AppError| {
        metrics.record(None, false, e.code(), started.elapsed());
        app_error_response(&e, rid)
    };
    // CSRF guard: a cross-site form can post multipart/form-data, but not with these headers.
    if !headers.contains_key(CLIENT_HEADER) && !headers.contains_key("x-requested-with") {
        return refuse(AppError::bad_input(
            "operations",
            "a multipart GraphQL request needs an X-Client-Id or X-Requested-With header",
        ));
    }
    let caller = match admit(app, headers, addr, rid).await {
        Ok(c) => c,
        Err(e) => return refuse(e),
    };
    if caller.actor.is_anonymous() {
        return refuse(AppError::Unauthenticated(
            "sign in to send files; anonymous reporters attach a photo on the report page".into(),
        ));
    }
    let read = files::read_graphql_multipart(
        req.into_body(),
        boundary,
        app.config.security.max_body_bytes,
        app.store.files.config.max_file_bytes,
    )
    .await;
    match read {
        Ok(mp) => {
            answer(
                app,
                metrics,
                started,
                &caller,
                framing,
                rid,
                mp.operations,
                mp.uploads,
            )
            .await
        }
        Err(e) => refuse(e),
    }
}

/// Runs the operations of a POST body (one object or a batch array) for `caller`, with the
/// files of a multipart request put at their variable paths.
#[allow(clippy::too_many_arguments)]
async fn answer(
    app: &AppState,
    metrics: &Metrics,
    started: Instant,
    caller: &Caller,
    framing: Framing,
    rid: &str,
    parsed: Value,
    mut uploads: HashMap<usize, Vec<(String, async_graphql::UploadValue)>>,
) -> Response {
    let refused = |code: &str| metrics.record(None, false, code, started.elapsed());
    let (app, caller, rid) = (app, caller, rid);
    let (ops, batch) = match parsed {
        Value::Array(items) => (items, true),
        single => (vec![single], false),
    };
    let max = app.config.security.max_batch;
    if ops.is_empty() || ops.len() > max {
        refused(code::BAD_USER_INPUT);
        return respond::body(
            StatusCode::BAD_REQUEST,
            framing,
            &error_body(
                code::BAD_USER_INPUT,
                &format!("a batch holds 1 to {max} operations"),
                rid,
                &json!({ "limit": "batch", "max": max, "actual": ops.len() }),
            ),
            rid,
        );
    }
    if let Err(e) = rate_limit(app, caller, ops.len()).await {
        refused(e.code());
        return app_error_response(&e, rid);
    }
    let mut answers = Vec::with_capacity(ops.len());
    for (index, raw) in ops.into_iter().enumerate() {
        let op_started = if batch { Instant::now() } else { started };
        let claimed = raw
            .get("operationName")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let prepared = parse_operation(raw).and_then(|op| prepare(app, caller, op, false));
        let resp = match prepared {
            Ok(mut p) => {
                for (path, file) in uploads.remove(&index).unwrap_or_default() {
                    p.req.set_upload(&path, file);
                }
                let name = claimed.or_else(|| p.name.clone());
                let resp = run(app, caller, p).await;
                metrics.record(name.as_deref(), true, outcome_of(&resp), op_started.elapsed());
                resp
            }
            Err(r) => {
                metrics.record(claimed.as_deref(), false, r.code, op_started.elapsed());
                audit_refused(app, caller, &r).await;
                if !batch {
                    return r.respond(framing, rid);
                }
                refusal_response(&r, rid)
            }
        };
        if !batch {
            return respond::executed(&resp, framing, rid);
        }
        answers.push(resp);
    }
    if respond::unavailable(&answers) {
        return respond::body_unavailable(&answers, Framing::Json, rid);
    }
    respond::body(StatusCode::OK, Framing::Json, &answers, rid)
}

/// One operation of a request body: an object whose `query` and `operationName` are strings
/// (or absent or null) and whose `variables` and `extensions` are maps (or absent or null).
fn parse_operation(raw: Value) -> Result<RawOperation, Refusal> {
    let Value::Object(o) = &raw else {
        return Err(refusal(code::BAD_USER_INPUT, "an operation is a JSON object"));
    };
    for (field, want_map) in [
        ("query", false),
        ("operationName", false),
        ("variables", true),
        ("extensions", true),
    ] {
        match (o.get(field), want_map) {
            (None | Some(Value::Null), _)
            | (Some(Value::String(_)), false)
            | (Some(Value::Object(_)), true) => {}
            (Some(_), false) => {
                return Err(refusal(code::BAD_USER_INPUT, format!("{field} must be a string")))
            }
            (Some(_), true) => return Err(refusal(code::BAD_USER_INPUT, format!("{field} must be a map"))),
        }
    }
    serde_json::from_value::<RawOperation>(raw)
        .map_err(|_| refusal(code::BAD_USER_INPUT, "not a GraphQL request"))
}

/// GET parameters of a GraphQL query.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

async fn graphql_get(
    State(app): State<Arc<AppState>>,
    Extension(metrics): Extension<Arc<Metrics>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    params: Result<Query<GetParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let started = Instant::now();
    let refused = |code: &str| metrics.record(None, false, code, started.elapsed());
    let rid = Uuid::now_v7().to_string();
    let framing = Framing::negotiate(&headers);
    let fail = |status: StatusCode, message: &str| {
        respond::body(
            status,
            framing,
            &error_body(code::BAD_USER_INPUT, message, &rid, &json!({})),
            &rid,
        )
    };
    if headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
    {
        refused(code::BAD_USER_INPUT);
        return fail(
            StatusCode::BAD_REQUEST,
            "subscriptions over WebSocket live at /graphql/ws (graphql-transport-ws); over Server-Sent Events at /graphql/stream",
        );
    }
    // CSRF guard: a cross-site page cannot add these headers without a CORS preflight.
    if !headers.contains_key(CLIENT_HEADER) && !headers.contains_key("x-requested-with") {
        refused(code::BAD_USER_INPUT);
        return fail(
            StatusCode::BAD_REQUEST,
            "GET needs an X-Client-Id or X-Requested-With header",
        );
    }
    let Ok(Query(p)) = params else {
        refused(code::BAD_USER_INPUT);
        return fail(StatusCode::BAD_REQUEST, "bad query parameters");
    };
    let caller = match admit(&app, &headers, addr, &rid).await {
        Ok(c) => c,
        Err(e) => {
            refused(e.code());
            return app_error_response(&e, &rid);
        }
    };
    if let Err(e) = rate_limit(&app, &caller, 1).await {
        refused(e.code());
        return app_error_response(&e, &rid);
    }
    let json_param = |s: Option<String>| -> Result<Option<Value>, ()> {
        s.map(|v| serde_json::from_str::<Value>(&v).map_err(|_| ()))
            .transpose()
    };
    let (Ok(variables), Ok(extensions)) = (json_param(p.variables), json_param(p.extensions)) else {
        refused(code::BAD_USER_INPUT);
        return fail(StatusCode::BAD_REQUEST, "variables and extensions must be JSON");
    };
    let claimed = p.operation_name.clone();
    let op = RawOperation {
        query: p.query,
        operation_name: p.operation_name,
        variables,
        extensions,
    };
    match prepare(&app, &caller, op, true) {
        Ok(p) => {
            let name = claimed.or_else(|| p.name.clone());
            let resp = run(&app, &caller, p).await;
            metrics.record(name.as_deref(), true, outcome_of(&resp), started.elapsed());
            respond::executed(&resp, framing, &rid)
        }
        Err(r) => {
            metrics.record(claimed.as_deref(), false, r.code, started.elapsed());
            audit_refused(&app, &caller, &r).await;
            r.respond(framing, &rid)
        }
    }
}

/// `GET /graphql/ws`: subscriptions over WebSocket, protocol `graphql-transport-ws`.
///
/// The upgrade request passes the client rule of `/graphql` and takes one token of the address
/// rate limit. The bearer token comes in the `connection_init` payload; without a valid one the
/// connection closes with 4403 (and with 4408 when no `connection_init` arrives in time). Each
/// `subscribe` passes the rate limits, persisted-query resolution or allow-list and operation
/// limits of `/graphql`; queries and mutations are refused (send them by POST). At most
/// [`ws::MAX_SUBSCRIPTIONS`] run at once per connection; the connection closes with 4403 when
/// its token expires.
pub mod files;
pub(crate) mod respond;
pub mod sse;
mod ws;

use respond::Framing;
