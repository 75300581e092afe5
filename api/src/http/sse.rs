//! GraphQL over Server-Sent Events at `/graphql/stream`, the `graphql-sse` protocol, for
//! networks and mini-program runtimes where WebSockets break. Both of its modes:
//!
//! - **Distinct connections**: `POST` (or `GET` with the query in the URL) with
//!   `Accept: text/event-stream` answers an event stream of `next` events (each an execution
//!   result) and a final `complete`. Request errors come as a `next` with the errors.
//! - **Single connection**: `PUT` reserves a stream and answers its token (201); `GET` with
//!   the token (`X-GraphQL-Event-Stream-Token` header or `?token=`, for `EventSource`) opens
//!   it; each `POST` with the token and `extensions.operationId` runs an operation whose
//!   results arrive on the stream as `{id, payload}` (202); `DELETE ?operationId=` stops one.
//!   A reservation belongs to the account that made it and lives in this instance's memory:
//!   behind a load balancer, keep a client on one instance (or use distinct connections).
//!
//! Every operation passes the same checks as `POST /graphql` and the WebSocket transport:
//! client, token, rate limits, persisted queries or allow-list, operation limits; the token is
//! verified on every request and a stream ends when its token expires. Subscriptions need a
//! token; queries and mutations run (and mutations are audited) exactly as over `/graphql`.

use std::{
    collections::HashMap,
    convert::Infallible,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use async_graphql::Response as GqlResponse;
use axum::{
    body::Bytes,
    extract::{ConnectInfo, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
};
use futures_util::{stream, stream::BoxStream, Stream, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::{
    admit, app_error_response, error_body, parse_operation, prepare, rate_limit, refusal_response, respond,
    run, tag_errors, Caller, Framing, Prepared, RawOperation, Refusal,
};
use crate::{app::AppState, error::code, graphql::loader, limits::OperationKind};

/// The header that carries a reservation's token.
pub const TOKEN_HEADER: &str = "x-graphql-event-stream-token";
/// Operations one reservation runs at once (as a WebSocket connection).
const MAX_OPERATIONS: usize = 20;
/// Reservations one instance holds at once.
const MAX_RESERVATIONS: usize = 10_000;
/// How long a reservation waits for its stream before it is dropped.
const RESERVATION_TTL: Duration = Duration::from_secs(60);
/// Events queued for a single-connection stream before a slow reader is dropped.
const QUEUE: usize = 256;

/// The reservations of this instance (single connection mode).
#[derive(Default)]
pub struct Streams(Mutex<HashMap<String, Reservation>>);

impl std::fmt::Debug for Streams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.lock().map(|m| m.len()).unwrap_or(0);
        f.debug_struct("Streams").field("reservations", &n).finish()
    }
}

struct Reservation {
    /// Who reserved it: only they use it.
    subject: String,
    made: tokio::time::Instant,
    /// The open stream's queue (none before `GET`, and after it closed).
    tx: Option<mpsc::Sender<Event>>,
    /// Running operations by their client-chosen id.
    operations: HashMap<String, tokio::task::AbortHandle>,
}

impl Streams {
    fn reserve(&self, subject: String) -> Option<String> {
        let mut m = self.0.lock().ok()?;
        let now = tokio::time::Instant::now();
        m.retain(|_, r| r.tx.as_ref().is_some_and(|t| !t.is_closed()) || now - r.made < RESERVATION_TTL);
        if m.len() >= MAX_RESERVATIONS {
            return None;
        }
        let token = Uuid::new_v4().simple().to_string();
        m.insert(
            token.clone(),
            Reservation {
                subject,
                made: now,
                tx: None,
                operations: HashMap::new(),
            },
        );
        Some(token)
    }
}

fn sse_token(headers: &HeaderMap, query: &StreamParams) -> Option<String> {
    headers
        .get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| query.token.clone())
}

fn wants_stream(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.split(',').any(|m| m.trim().starts_with("text/event-stream")))
}

/// Query parameters of `/graphql/stream`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct StreamParams {
    token: Option<String>,
    operation_id: Option<String>,
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

fn plain(status: StatusCode, message: &str, request_id: &str) -> Response {
    let c = if status == StatusCode::NOT_FOUND {
        code::NOT_FOUND
    } else {
        code::BAD_USER_INPUT
    };
    respond::body(
        status,
        Framing::Json,
        &error_body(c, message, request_id, &json!({})),
        request_id,
    )
}

/// The answers of one checked operation: a subscription's events, or the one answer of a
/// query or mutation (run as over `/graphql`, mutations audited).
fn operation_stream(app: Arc<AppState>, caller: Caller, p: Prepared) -> BoxStream<'static, GqlResponse> {
    if p.kind != OperationKind::Subscription {
        return stream::once(async move { run(&app, &caller, p).await }).boxed();
    }
    let Prepared { req, document, .. } = p;
    let op_name = req.operation_name.clone();
    let rid = caller.info.request_id.clone();
    let req = req
        .data(caller.actor.clone())
        .data(caller.info.clone())
        .data(loader::for_request(
            app.db.clone(),
            caller.actor.clone(),
            app.config.loader_delay,
        ));
    app.schema
        .execute_stream(req)
        .map(move |mut resp| {
            crate::graphql::order::by_selection(&document, op_name.as_deref(), &mut resp.data);
            tag_errors(&mut resp, &rid);
            resp
        })
        .boxed()
}

/// Checks `op` as `/graphql` does (subscriptions need a token).
fn check(app: &AppState, caller: &Caller, op: RawOperation) -> Result<Prepared, Refusal> {
    let p = prepare(app, caller, op, false)?;
    if p.kind == OperationKind::Subscription && caller.actor.is_anonymous() {
        return Err(Refusal {
            code: code::UNAUTHENTICATED,
            message: "sign in to subscribe: send Authorization: Bearer <token>".into(),
            extra: json!({}),
            mutation: false,
            kind: super::RefusalKind::Http(StatusCode::UNAUTHORIZED),
        });
    }
    Ok(p)
}

fn next_event(resp: &GqlResponse) -> Event {
    Event::default()
        .event("next")
        .data(serde_json::to_string(resp).unwrap_or_else(|_| "{}".into()))
}

fn complete_event(data: Option<Value>) -> Event {
    Event::default()
        .event("complete")
        .data(data.map(|d| d.to_string()).unwrap_or_default())
}

/// Ends `s` when the caller's token expires or the server shuts down, and counts it as an
/// open stream (for the shutdown) while it runs.
fn bounded<S: Stream + Send + 'static>(
    app: &AppState,
    s: S,
    token: Option<&str>,
) -> BoxStream<'static, S::Item> {
    let deadline = token.and_then(super::ws::token_expiry);
    let counted = app.lifecycle.stream();
    let lifecycle = app.lifecycle.clone();
    let end = async move {
        let expiry = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = lifecycle.stopping() => {}
            _ = expiry => {}
        }
    };
    s.take_until(end)
        .map(move |item| {
            let _still_open = &counted;
            item
        })
        .boxed()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// A distinct-connection stream: `next` per answer, then `complete`.
fn distinct(app: &AppState, answers: BoxStream<'static, GqlResponse>, token: Option<&str>) -> Response {
    let events = answers
        .map(|r| next_event(&r))
        .chain(stream::once(async { complete_event(None) }))
        .map(Ok::<_, Infallible>);
    Sse::new(bounded(app, events, token))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(12)))
        .into_response()
}

/// `PUT /graphql/stream`: reserves a single-connection stream for the caller.
pub(super) async fn reserve(
    State(app): State<Arc<AppState>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let rid = Uuid::now_v7().to_string();
    let caller = match admit(&app, &headers, addr, &rid).await {
        Ok(c) => c,
        Err(e) => return app_error_response(&e, &rid),
    };
    if let Err(e) = rate_limit(&app, &caller, 1).await {
        return app_error_response(&e, &rid);
    }
    let Some(subject) = caller.actor.subject.clone() else {
        return app_error_response(
            &crate::error::AppError::Unauthenticated("sign in to reserve a stream".into()),
            &rid,
        );
    };
    match app.streams.reserve(subject) {
        Some(token) => (
            StatusCode::CREATED,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            token,
        )
            .into_response(),
        None => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many open streams; retry later",
            &rid,
        ),
    }
}

/// `GET /graphql/stream`: opens a reserved stream (`token`), or runs one operation given in
/// the URL as a distinct connection.
pub(super) async fn open(
    State(app): State<Arc<AppState>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(params): Query<StreamParams>,
) -> Response {
    let rid = Uuid::now_v7().to_string();
    if !wants_stream(&headers) {
        return plain(StatusCode::NOT_ACCEPTABLE, "accept text/event-stream here", &rid);
    }
    let Some(token) = sse_token(&headers, &params) else {
        // Distinct connection by GET.
        let caller = match admit(&app, &headers, addr, &rid).await {
            Ok(c) => c,
            Err(e) => return app_error_response(&e, &rid),
        };
        if let Err(e) = rate_limit(&app, &caller, 1).await {
            return app_error_response(&e, &rid);
        }
        let json_param = |s: Option<String>| s.and_then(|v| serde_json::from_str::<Value>(&v).ok());
        let op = RawOperation {
            query: params.query,
            operation_name: params.operation_name,
            variables: json_param(params.variables),
            extensions: json_param(params.extensions),
        };
        let answers = match check(&app, &caller, op) {
            Ok(p) => operation_stream(app.clone(), caller, p),
            Err(r) => stream::once(async move { refusal_response(&r, &rid) }).boxed(),
        };
        return distinct(&app, answers, bearer(&headers));
    };
    let (tx, rx) = mpsc::channel::<Event>(QUEUE);
    {
        let Ok(mut m) = app.streams.0.lock() else {
            return plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error", &rid);
        };
        let Some(r) = m.get_mut(&token) else {
            return plain(StatusCode::NOT_FOUND, "no such stream reservation", &rid);
        };
        if r.tx.as_ref().is_some_and(|t| !t.is_closed()) {
            return plain(
                StatusCode::CONFLICT,
                "this reservation already has its stream",
                &rid,
            );
        }
        r.tx = Some(tx);
    }
    let events = tokio_stream_of(rx).map(Ok::<_, Infallible>);
    Sse::new(bounded(&app, events, bearer(&headers)))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(12)))
        .into_response()
}

fn tokio_stream_of(mut rx: mpsc::Receiver<Event>) -> impl Stream<Item = Event> + Send + 'static {
    stream::poll_fn(move |cx| rx.poll_recv(cx))
}

/// `POST /graphql/stream`: with a reservation token, runs one operation onto that stream
/// (202); without one, runs it as a distinct connection (an event stream).
pub(super) async fn post(
    State(app): State<Arc<AppState>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(params): Query<StreamParams>,
    body: Bytes,
) -> Response {
    let rid = Uuid::now_v7().to_string();
    let caller = match admit(&app, &headers, addr, &rid).await {
        Ok(c) => c,
        Err(e) => return app_error_response(&e, &rid),
    };
    if let Err(e) = rate_limit(&app, &caller, 1).await {
        return app_error_response(&e, &rid);
    }
    let raw: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => return plain(StatusCode::BAD_REQUEST, "body is not JSON", &rid),
    };
    let op = match parse_operation(raw) {
        Ok(op) => op,
        Err(r) => return r.respond(Framing::Json, &rid),
    };
    let Some(token) = sse_token(&headers, &params) else {
        if !wants_stream(&headers) {
            return plain(
                StatusCode::NOT_ACCEPTABLE,
                "accept text/event-stream here (or POST /graphql for plain JSON)",
                &rid,
            );
        }
        let answers = match check(&app, &caller, op) {
            Ok(p) => operation_stream(app.clone(), caller, p),
            Err(r) => stream::once(async move { refusal_response(&r, &rid) }).boxed(),
        };
        return distinct(&app, answers, bearer(&headers));
    };
    let Some(op_id) = op
        .extensions
        .as_ref()
        .and_then(|e| e.get("operationId"))
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return plain(
            StatusCode::BAD_REQUEST,
            "extensions.operationId is required on a reserved stream",
            &rid,
        );
    };
    let prepared = match check(&app, &caller, op) {
        Ok(p) => p,
        // Request problems are answered on the request, as GraphQL over HTTP says.
        Err(r) => return r.respond(Framing::Json, &rid),
    };
    let tx = {
        let Ok(mut m) = app.streams.0.lock() else {
            return plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error", &rid);
        };
        let Some(r) = m.get_mut(&token) else {
            return plain(StatusCode::NOT_FOUND, "no such stream reservation", &rid);
        };
        if Some(&r.subject) != caller.actor.subject.as_ref() {
            return plain(StatusCode::NOT_FOUND, "no such stream reservation", &rid);
        }
        if r.operations.contains_key(&op_id) {
            return plain(StatusCode::CONFLICT, "this operationId is running", &rid);
        }
        r.operations.retain(|_, h| !h.is_finished());
        if r.operations.len() >= MAX_OPERATIONS {
            return plain(
                StatusCode::BAD_REQUEST,
                &format!("at most {MAX_OPERATIONS} operations per stream"),
                &rid,
            );
        }
        let Some(tx) = r.tx.clone() else {
            return plain(
                StatusCode::CONFLICT,
                "open the stream (GET) before sending operations",
                &rid,
            );
        };
        tx
    };
    let mut answers = operation_stream(app.clone(), caller, prepared);
    let id = op_id.clone();
    let task = tokio::spawn(async move {
        while let Some(resp) = answers.next().await {
            let data = json!({ "id": id, "payload": resp });
            if tx
                .send(Event::default().event("next").data(data.to_string()))
                .await
                .is_err()
            {
                return;
            }
        }
        let _ = tx.send(complete_event(Some(json!({ "id": id })))).await;
    });
    if let Ok(mut m) = app.streams.0.lock() {
        if let Some(r) = m.get_mut(&token) {
            r.operations.insert(op_id, task.abort_handle());
        }
    }
    StatusCode::ACCEPTED.into_response()
}

/// `DELETE /graphql/stream?operationId=`: stops one operation of a reserved stream.
pub(super) async fn stop(
    State(app): State<Arc<AppState>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(params): Query<StreamParams>,
) -> Response {
    let rid = Uuid::now_v7().to_string();
    let caller = match admit(&app, &headers, addr, &rid).await {
        Ok(c) => c,
        Err(e) => return app_error_response(&e, &rid),
    };
    let (Some(token), Some(op_id)) = (sse_token(&headers, &params), params.operation_id.clone()) else {
        return plain(
            StatusCode::BAD_REQUEST,
            "send the stream token and ?operationId=",
            &rid,
        );
    };
    let Ok(mut m) = app.streams.0.lock() else {
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error", &rid);
    };
    let Some(r) = m
        .get_mut(&token)
        .filter(|r| Some(&r.subject) == caller.actor.subject.as_ref())
    else {
        return plain(StatusCode::NOT_FOUND, "no such stream reservation", &rid);
    };
    if let Some(h) = r.operations.remove(&op_id) {
        h.abort();
        if let Some(tx) = &r.tx {
            let _ = tx.try_send(complete_event(Some(json!({ "id": op_id }))));
        }
    }
    StatusCode::OK.into_response()
}
