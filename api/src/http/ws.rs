//! Subscriptions over WebSocket (`graphql-transport-ws`).

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
    app_error_response, error_response, identify, prepare, rate_limit, refusal_response, tag_errors, Caller,
    Client, RawOperation, Refusal, CLIENT_HEADER,
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
        .take(&format!("ip:{ip}"), app.config.security.rate_address_per_min, 1)
        .await
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
pub(super) fn token_expiry(token: &str) -> Option<Instant> {
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
    let _counted = app.lifecycle.stream();
    let lifecycle = app.lifecycle.clone();
    let idle = app.config.server.ws_idle;
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
    // Any frame from the client (a message, a pong to our ping) shows it is still there.
    let heard = Arc::new(std::sync::Mutex::new(Instant::now()));
    let (mut sink, input) = socket.split();
    let input = {
        let heard = heard.clone();
        input
            .take_while(|m| future::ready(m.is_ok()))
            .inspect(move |_| {
                if let Ok(mut h) = heard.lock() {
                    *h = Instant::now();
                }
            })
            .filter_map(|m| {
                future::ready(match m {
                    Ok(m @ (Message::Text(_) | Message::Binary(_))) => Some(m.into_data()),
                    _ => None,
                })
            })
    };
    let mut pings = tokio::time::interval_at(Instant::now() + idle / 3, idle / 3);
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
            _ = lifecycle.stopping() => {
                let _ = sink.send(close(1001, "server shutting down; reconnect")).await;
                break;
            }
            _ = pings.tick() => {
                let quiet = heard.lock().map(|h| h.elapsed()).unwrap_or_default();
                if quiet >= idle {
                    let _ = sink.send(close(1001, "idle: no frame (not even a pong) received")).await;
                    break;
                }
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
                continue;
            }
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
        kind: super::RefusalKind::Document,
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

    fn execute_stream(&self, request: Request, data: Option<Arc<Data>>) -> BoxStream<'static, GqlResponse> {
        let Some(s) = self.session.get() else {
            let r = refusal(code::UNAUTHENTICATED, "connection not initialised", json!({}));
            return refused(&r, "");
        };
        let rid = s.caller.info.request_id.clone();
        if s.expires.is_some_and(|e| e <= Instant::now()) {
            return refused(&refusal(code::UNAUTHENTICATED, "token expired", json!({})), &rid);
        }
        let op = RawOperation {
            query: Some(request.query),
            operation_name: request.operation_name,
            variables: serde_json::to_value(&request.variables).ok(),
            extensions: serde_json::to_value(&request.extensions).ok(),
        };
        let (req, document) = match prepare(&self.app, &s.caller, op, false) {
            Ok(p) if p.kind == OperationKind::Subscription => (p.req, p.document),
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
        let op_name = req.operation_name.clone();
        let tag = rid.clone();
        let events = self
            .app
            .schema
            .execute_stream_with_session_data(req, data.unwrap_or_default())
            .map(move |mut resp| {
                let _ = &running;
                crate::graphql::order::by_selection(&document, op_name.as_deref(), &mut resp.data);
                tag_errors(&mut resp, &tag);
                resp
            })
            .boxed();
        // The rate limits may ask the shared buckets in the database: the first step of the
        // stream, before any event is read.
        let (app, caller) = (self.app.clone(), s.caller.clone());
        stream::once(async move {
            match rate_limit(&app, &caller, 1).await {
                Ok(()) => events,
                Err(e) => {
                    let retry = match e {
                        AppError::RateLimited { retry_after_secs } => retry_after_secs,
                        _ => 60,
                    };
                    let r = refusal(
                        code::RATE_LIMITED,
                        &e.to_string(),
                        json!({ "retryAfterSeconds": retry }),
                    );
                    refused(&r, &rid)
                }
            }
        })
        .flatten()
        .boxed()
    }
}
