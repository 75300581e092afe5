//! The HTTP surface: `/graphql` (POST JSON, GET for queries), health checks, GraphiQL.
//!
//! Every request passes, in order and before any SQL runs: body size, content type (CSRF
//! guard), client identification, token verification, role-per-client check, rate limits,
//! batch size, persisted-query resolution or allow-list, and the operation limits. Then it
//! executes, and every mutation is written to the audit log.

use std::{net::SocketAddr, sync::Arc, time::Instant};

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
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(crate::metrics::serve))
        .route("/admin/audit.csv", get(crate::graphql::audit::export_csv))
        .merge(crate::export::routes())
        .merge(crate::public_page::routes())
        .merge(crate::webhook::routes(state.config.integration.max_webhook_bytes));
    if state.config.mode == Mode::Development {
        r = r.merge(crate::graphiql::routes());
    }
    let cors = {
        let origins: Vec<HeaderValue> = sec
            .cors_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        tower_http::cors::CorsLayer::new()
            .allow_origin(origins)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static(CLIENT_HEADER),
                HeaderName::from_static("x-requested-with"),
            ])
    };
    r.layer(axum::Extension(crate::metrics::Metrics::new()))
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
pub fn error_response(status: StatusCode, code: &str, message: &str, request_id: &str) -> Response {
    rejection(status, code, message, request_id, json!({}))
}

fn rejection(status: StatusCode, code: &str, message: &str, request_id: &str, extra: Value) -> Response {
    let mut ext = json!({ "code": code, "requestId": request_id });
    if let (Some(e), Some(x)) = (ext.as_object_mut(), extra.as_object()) {
        for (k, v) in x {
            e.insert(k.clone(), v.clone());
        }
    }
    let mut res = (
        status,
        Json(json!({ "errors": [{ "message": message, "extensions": ext }] })),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(request_id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

fn app_error_response(e: &AppError, request_id: &str) -> Response {
    let status = match e.code() {
        code::UNAUTHENTICATED => StatusCode::UNAUTHORIZED,
        code::FORBIDDEN => StatusCode::FORBIDDEN,
        code::RATE_LIMITED => StatusCode::TOO_MANY_REQUESTS,
        code::INTERNAL => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    let message = if e.code() == code::INTERNAL {
        "internal error".to_owned()
    } else {
        e.to_string()
    };
    let mut res = match e {
        AppError::RateLimited { retry_after_secs } => rejection(
            status,
            e.code(),
            &message,
            request_id,
            json!({ "retryAfterSeconds": retry_after_secs }),
        ),
        _ => error_response(status, e.code(), &message, request_id),
    };
    if let AppError::RateLimited { retry_after_secs } = e {
        if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    res
}

/// The calling client, as far as the pipeline is concerned.
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
fn rate_limit(app: &AppState, c: &Caller, n: usize) -> Result<(), AppError> {
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
    for _ in 0..n.max(1) {
        for (key, per_min) in &buckets {
            app.rate
                .check(key, *per_min)
                .map_err(|retry_after_secs| AppError::RateLimited { retry_after_secs })?;
        }
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
}

fn refusal(code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal {
        code,
        message: message.into(),
        extra: json!({}),
        mutation: false,
    }
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
                })
            }
        },
        (_, None, None) => return Err(refusal(code::BAD_USER_INPUT, "missing query")),
    };
    let variables = op.variables.unwrap_or(Value::Null);
    let violation = |v: limits::Violation| Refusal {
        code: code::BAD_USER_INPUT,
        message: v.message.clone(),
        extra: json!({ "limit": v.limit, "max": v.max, "actual": v.actual }),
        mutation: false,
    };
    let document = app.document(&query).map_err(violation)?;
    let analysis = limits::measure(
        &document,
        op.operation_name.as_deref(),
        &variables,
        &app.config.security.limits,
    )
    .map_err(violation)?;
    if get && analysis.operation != OperationKind::Query {
        return Err(Refusal {
            code: code::BAD_USER_INPUT,
            message: "GET runs queries only; send mutations by POST".into(),
            extra: json!({ "reason": "METHOD" }),
            mutation: true,
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
    let mut resp = app.schema.execute(req).await;
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

fn with_request_id(mut res: Response, request_id: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(request_id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

async fn graphql_post(
    State(app): State<Arc<AppState>>,
    Extension(metrics): Extension<Arc<Metrics>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = Instant::now();
    let refused = |code: &str| metrics.record(None, false, code, started.elapsed());
    let rid = Uuid::now_v7().to_string();
    if !is_json(&headers) {
        refused(code::BAD_USER_INPUT);
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code::BAD_USER_INPUT,
            "send GraphQL requests as Content-Type: application/json",
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
            return error_response(
                StatusCode::BAD_REQUEST,
                code::BAD_USER_INPUT,
                "body is not JSON",
                &rid,
            );
        }
    };
    let (ops, batch) = match parsed {
        Value::Array(items) => (items, true),
        single => (vec![single], false),
    };
    let max = app.config.security.max_batch;
    if ops.is_empty() || ops.len() > max {
        refused(code::BAD_USER_INPUT);
        return rejection(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            &format!("a batch holds 1 to {max} operations"),
            &rid,
            json!({ "limit": "batch", "max": max, "actual": ops.len() }),
        );
    }
    if let Err(e) = rate_limit(&app, &caller, ops.len()) {
        refused(e.code());
        return app_error_response(&e, &rid);
    }
    let mut answers = Vec::with_capacity(ops.len());
    for raw in ops {
        let op_started = if batch { Instant::now() } else { started };
        let claimed = raw
            .get("operationName")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let prepared = serde_json::from_value::<RawOperation>(raw)
            .map_err(|_| refusal(code::BAD_USER_INPUT, "not a GraphQL request"))
            .and_then(|op| prepare(&app, &caller, op, false));
        let resp = match prepared {
            Ok(p) => {
                let name = claimed.or_else(|| p.name.clone());
                let resp = run(&app, &caller, p).await;
                metrics.record(name.as_deref(), true, outcome_of(&resp), op_started.elapsed());
                resp
            }
            Err(r) => {
                metrics.record(claimed.as_deref(), false, r.code, op_started.elapsed());
                audit_refused(&app, &caller, &r).await;
                if !batch {
                    return rejection(StatusCode::BAD_REQUEST, r.code, &r.message, &rid, r.extra);
                }
                refusal_response(&r, &rid)
            }
        };
        answers.push(resp);
    }
    let res = if batch {
        Json(answers).into_response()
    } else {
        match answers.pop() {
            Some(a) => Json(a).into_response(),
            None => error_response(
                StatusCode::BAD_REQUEST,
                code::BAD_USER_INPUT,
                "empty request",
                &rid,
            ),
        }
    };
    with_request_id(res, &rid)
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
    // CSRF guard: a cross-site page cannot add these headers without a CORS preflight.
    if !headers.contains_key(CLIENT_HEADER) && !headers.contains_key("x-requested-with") {
        refused(code::BAD_USER_INPUT);
        return error_response(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            "GET needs an X-Client-Id or X-Requested-With header",
            &rid,
        );
    }
    let Ok(Query(p)) = params else {
        refused(code::BAD_USER_INPUT);
        return error_response(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            "bad query parameters",
            &rid,
        );
    };
    let caller = match admit(&app, &headers, addr, &rid).await {
        Ok(c) => c,
        Err(e) => {
            refused(e.code());
            return app_error_response(&e, &rid);
        }
    };
    if let Err(e) = rate_limit(&app, &caller, 1) {
        refused(e.code());
        return app_error_response(&e, &rid);
    }
    let json_param = |s: Option<String>| -> Result<Option<Value>, ()> {
        s.map(|v| serde_json::from_str::<Value>(&v).map_err(|_| ()))
            .transpose()
    };
    let (Ok(variables), Ok(extensions)) = (json_param(p.variables), json_param(p.extensions)) else {
        refused(code::BAD_USER_INPUT);
        return error_response(
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            "variables and extensions must be JSON",
            &rid,
        );
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
            with_request_id(Json(resp).into_response(), &rid)
        }
        Err(r) => {
            metrics.record(claimed.as_deref(), false, r.code, started.elapsed());
            audit_refused(&app, &caller, &r).await;
            let status = if r.mutation {
                StatusCode::METHOD_NOT_ALLOWED
            } else {
                StatusCode::BAD_REQUEST
            };
            rejection(status, r.code, &r.message, &rid, r.extra)
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
mod ws {
    use std::{
        net::SocketAddr,
        sync::{
            atomic::{AtomicBool, AtomicUsize, Ordering},
            Arc, OnceLock,
        },
        time::Duration,
    };

    use async_graphql::{
        http::{WebSocketProtocols, WsMessage},
        Data, Executor, Request, Response as GqlResponse,
    };
    use axum::{
        extract::{
            rejection::QueryRejection,
            ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade},
            ConnectInfo, Query, State,
        },
        http::{header, HeaderMap, HeaderValue, StatusCode},
        response::Response,
    };
    use futures_util::{future, stream, stream::BoxStream, SinkExt, StreamExt};
    use serde::Deserialize;
    use serde_json::{json, Value};
    use tokio::time::Instant;
    use uuid::Uuid;

    use super::{
        app_error_response, error_response, identify, prepare, rate_limit, refusal_response, tag_errors,
        Caller, Client, RawOperation, Refusal, CLIENT_HEADER,
    };
    use crate::{
        app::AppState,
        error::{code, AppError},
        graphql::loader,
        limits::OperationKind,
        metrics::Metrics,
        request::RequestInfo,
    };

    /// The one subprotocol spoken.
    pub const PROTOCOL: &str = "graphql-transport-ws";
    /// Subscriptions running at once on one connection.
    pub const MAX_SUBSCRIPTIONS: usize = 20;
    /// Read buffer and write batching size of one connection.
    const WS_BUFFER_BYTES: usize = 4 * 1024;
    /// Most bytes queued for a slow subscriber before its connection fails.
    const WS_MAX_WRITE_BUFFER_BYTES: usize = 4 * 1024 * 1024;

    /// Time allowed between the upgrade and `connection_init`.
    const INIT_TIMEOUT: Duration = Duration::from_secs(10);

    /// Query parameters of the upgrade: browsers cannot set headers on a WebSocket.
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct WsParams {
        client_id: Option<String>,
    }

    pub(super) async fn graphql_ws(
        State(app): State<Arc<AppState>>,
        axum::Extension(metrics): axum::Extension<Arc<Metrics>>,
        ConnectInfo(addr): ConnectInfo<SocketAddr>,
        mut headers: HeaderMap,
        params: Result<Query<WsParams>, QueryRejection>,
        upgrade: WebSocketUpgrade,
    ) -> Response {
        let rid = Uuid::now_v7().to_string();
        let offered = headers
            .get(header::SEC_WEBSOCKET_PROTOCOL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|p| p.trim().eq_ignore_ascii_case(PROTOCOL)));
        if !offered {
            return error_response(
                StatusCode::BAD_REQUEST,
                code::BAD_USER_INPUT,
                "offer the graphql-transport-ws subprotocol (Sec-WebSocket-Protocol)",
                &rid,
            );
        }
        if !headers.contains_key(CLIENT_HEADER) {
            let named = params.ok().and_then(|Query(p)| p.client_id);
            if let Some(v) = named.and_then(|c| HeaderValue::from_str(&c).ok()) {
                headers.insert(CLIENT_HEADER, v);
            }
        }
        let client = identify(&app, &headers);
        if matches!(client, Client::Unknown) {
            let e = AppError::forbidden(
                "unknown or disabled client: send a registered X-Client-Id (or ?clientId=) to subscribe",
            );
            return app_error_response(&e, &rid);
        }
        let ip = addr.ip();
        if let Err(retry_after_secs) = app
            .rate
            .check(&format!("ip:{ip}"), app.config.security.rate_address_per_min)
        {
            return app_error_response(&AppError::RateLimited { retry_after_secs }, &rid);
        }
        let info = RequestInfo::new(rid, client.id(), ip);
        // Messages of this protocol are small: small buffers (the defaults of 128 KiB each
        // way made 1,000 idle subscribers cost 240 MiB), and no message larger than a
        // request body may be.
        let max = app.config.security.max_body_bytes;
        upgrade
            .protocols([PROTOCOL])
            .read_buffer_size(WS_BUFFER_BYTES)
            .write_buffer_size(WS_BUFFER_BYTES)
            .max_write_buffer_size(WS_MAX_WRITE_BUFFER_BYTES)
            .max_message_size(max)
            .max_frame_size(max)
            .on_upgrade(move |socket| serve(app, metrics, client, info, socket))
    }

    /// An admitted connection: its caller and when its token expires.
    struct Session {
        caller: Caller,
        expires: Option<Instant>,
    }

    /// Verifies the token of the `connection_init` payload and applies the client rule.
    async fn admit(
        app: &AppState,
        client: Client,
        info: RequestInfo,
        payload: &Value,
    ) -> Result<Session, AppError> {
        let token = token_of(payload).ok_or_else(|| {
            AppError::Unauthenticated(
                "sign in: send {\"Authorization\": \"Bearer <token>\"} in connection_init".into(),
            )
        })?;
        let actor = Arc::new(app.authenticate(token).await?);
        if let Client::Known(c) = &client {
            if !c.allows(actor.role) {
                return Err(AppError::forbidden(format!(
                    "client {} does not accept {} tokens",
                    c.client_id,
                    actor.role.as_str()
                )));
            }
        }
        Ok(Session {
            caller: Caller { actor, client, info },
            expires: token_expiry(token),
        })
    }

    /// The token of `{"Authorization": "Bearer …"}`, `{"authorization": …}` or `{"token": …}`.
    fn token_of(payload: &Value) -> Option<&str> {
        let obj = payload.as_object()?;
        let raw = ["Authorization", "authorization", "token"]
            .iter()
            .find_map(|k| obj.get(*k).and_then(Value::as_str))?
            .trim();
        let t = raw
            .strip_prefix("Bearer ")
            .or_else(|| raw.strip_prefix("bearer "))
            .unwrap_or(raw)
            .trim();
        (!t.is_empty()).then_some(t)
    }

    /// When a (verified) JWT expires, from its `exp` claim.
    fn token_expiry(token: &str) -> Option<Instant> {
        use base64::Engine;
        let claims = token.split('.').nth(1)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(claims.trim_end_matches('='))
            .ok()?;
        let exp = serde_json::from_slice::<Value>(&bytes)
            .ok()?
            .get("exp")?
            .as_i64()?;
        let left = u64::try_from(exp - chrono::Utc::now().timestamp()).unwrap_or(0);
        Some(Instant::now() + Duration::from_secs(left))
    }

    fn close(code: u16, reason: &str) -> Message {
        // A close reason holds at most 123 bytes.
        let mut end = reason.len().min(120);
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        Message::Close(Some(CloseFrame {
            code,
            reason: reason[..end].into(),
        }))
    }

    /// Runs one connection until either side closes it or its token expires.
    async fn serve(
        app: Arc<AppState>,
        metrics: Arc<Metrics>,
        client: Client,
        info: RequestInfo,
        socket: WebSocket,
    ) {
        let session: Arc<OnceLock<Session>> = Arc::default();
        let refused = Arc::new(AtomicBool::new(false));
        let gate = Gate {
            app: app.clone(),
            session: session.clone(),
            active: Arc::default(),
            metrics,
        };
        let init = {
            let (session, refused) = (session.clone(), refused.clone());
            move |payload: Value| async move {
                match admit(&app, client, info, &payload).await {
                    Ok(s) => {
                        let mut data = Data::default();
                        data.insert(s.caller.actor.clone());
                        data.insert(s.caller.info.clone());
                        data.insert(loader::for_request(
                            app.db.clone(),
                            s.caller.actor.clone(),
                            app.config.loader_delay,
                        ));
                        let _ = session.set(s);
                        Ok(data)
                    }
                    Err(e) => {
                        refused.store(true, Ordering::SeqCst);
                        Err(async_graphql::Error::new(e.to_string()))
                    }
                }
            }
        };
        let (mut sink, input) = socket.split();
        let input = input.take_while(|m| future::ready(m.is_ok())).filter_map(|m| {
            future::ready(match m {
                Ok(m @ (Message::Text(_) | Message::Binary(_))) => Some(m.into_data()),
                _ => None,
            })
        });
        let conn = async_graphql::http::WebSocket::new(gate, input, WebSocketProtocols::GraphQLWS)
            .on_connection_init(init);
        let mut conn = std::pin::pin!(conn);
        let opened = Instant::now();
        loop {
            let admitted = session.get().is_some();
            let deadline = match session.get() {
                Some(s) => s.expires,
                None => Some(opened + INIT_TIMEOUT),
            };
            let next = tokio::select! {
                m = conn.next() => m,
                _ = tokio::time::sleep_until(deadline.unwrap_or(opened)), if deadline.is_some() => {
                    let out = if admitted {
                        close(4403, "Forbidden: token expired")
                    } else {
                        close(4408, "Connection initialisation timeout")
                    };
                    let _ = sink.send(out).await;
                    break;
                }
            };
            let Some(msg) = next else { break };
            let (out, last) = match msg {
                WsMessage::Text(t) => (Message::Text(t.into()), false),
                // An init refused by `admit` is 4403 Forbidden, not a protocol error.
                WsMessage::Close(1002, reason) if refused.load(Ordering::SeqCst) => {
                    (close(4403, &format!("Forbidden: {reason}")), true)
                }
                WsMessage::Close(c, reason) => (close(c, &reason), true),
            };
            if sink.send(out).await.is_err() || last {
                break;
            }
        }
    }

    /// Decrements the connection's subscription count when a subscription ends.
    struct Running(Arc<AtomicUsize>);

    impl Drop for Running {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// The schema behind the checks `/graphql` applies to each operation.
    #[derive(Clone)]
    struct Gate {
        app: Arc<AppState>,
        session: Arc<OnceLock<Session>>,
        active: Arc<AtomicUsize>,
        /// Counts the running subscriptions of every connection (`/metrics`).
        metrics: Arc<Metrics>,
    }

    fn refused(r: &Refusal, rid: &str) -> BoxStream<'static, GqlResponse> {
        stream::once(future::ready(refusal_response(r, rid))).boxed()
    }

    fn refusal(code: &'static str, message: &str, extra: Value) -> Refusal {
        Refusal {
            code,
            message: message.to_owned(),
            extra,
            mutation: false,
        }
    }

    impl Executor for Gate {
        fn execute(&self, _request: Request) -> impl std::future::Future<Output = GqlResponse> + Send {
            let r = refusal(
                code::BAD_USER_INPUT,
                "send queries and mutations by POST /graphql",
                json!({}),
            );
            future::ready(refusal_response(&r, ""))
        }

        fn execute_stream(
            &self,
            request: Request,
            data: Option<Arc<Data>>,
        ) -> BoxStream<'static, GqlResponse> {
            let Some(s) = self.session.get() else {
                let r = refusal(code::UNAUTHENTICATED, "connection not initialised", json!({}));
                return refused(&r, "");
            };
            let rid = s.caller.info.request_id.clone();
            if s.expires.is_some_and(|e| e <= Instant::now()) {
                return refused(&refusal(code::UNAUTHENTICATED, "token expired", json!({})), &rid);
            }
            if let Err(e) = rate_limit(&self.app, &s.caller, 1) {
                let retry = match e {
                    AppError::RateLimited { retry_after_secs } => retry_after_secs,
                    _ => 60,
                };
                let r = refusal(
                    code::RATE_LIMITED,
                    &e.to_string(),
                    json!({ "retryAfterSeconds": retry }),
                );
                return refused(&r, &rid);
            }
            let op = RawOperation {
                query: Some(request.query),
                operation_name: request.operation_name,
                variables: serde_json::to_value(&request.variables).ok(),
                extensions: serde_json::to_value(&request.extensions).ok(),
            };
            let req = match prepare(&self.app, &s.caller, op, false) {
                Ok(p) if p.kind == OperationKind::Subscription => p.req,
                Ok(_) => {
                    let r = refusal(
                        code::BAD_USER_INPUT,
                        "this endpoint runs subscriptions; send queries and mutations by POST /graphql",
                        json!({ "reason": "OPERATION_KIND" }),
                    );
                    return refused(&r, &rid);
                }
                Err(r) => return refused(&r, &rid),
            };
            if self.active.fetch_add(1, Ordering::SeqCst) >= MAX_SUBSCRIPTIONS {
                self.active.fetch_sub(1, Ordering::SeqCst);
                let r = refusal(
                    code::BAD_USER_INPUT,
                    &format!("at most {MAX_SUBSCRIPTIONS} subscriptions per connection"),
                    json!({ "limit": "subscriptions", "max": MAX_SUBSCRIPTIONS }),
                );
                return refused(&r, &rid);
            }
            let running = (Running(self.active.clone()), self.metrics.subscription());
            self.app
                .schema
                .execute_stream_with_session_data(req, data.unwrap_or_default())
                .map(move |mut resp| {
                    let _ = &running;
                    tag_errors(&mut resp, &rid);
                    resp
                })
                .boxed()
        }
    }
}
