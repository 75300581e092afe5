//! Live updates over a real WebSocket (`/graphql/ws`, graphql-transport-ws): the scope filter,
//! refused tokens, and — on PostgreSQL — two instances on one database.

use std::time::Duration;

use fengqiao_api::auth::Role;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderValue, Message};

use crate::{
    fixtures::{persona, world, Side},
    harness::{data, TestApp},
};

/// The longest any single wait may take.
const WAIT: Duration = Duration::from_secs(10);
/// How long "nothing more arrives" is watched.
const QUIET: Duration = Duration::from_millis(500);

pub(crate) const EVENTS: &str = "subscription($c: ID) { caseEvents(caseId: $c) {
    id caseId kind status version at case { id trackingNumber status version reporterPhone { masked } } } }";

type Stream = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What the server sent.
#[derive(Debug)]
pub(crate) enum Incoming {
    Json(Value),
    Closed(u16, String),
}

pub(crate) struct Ws {
    s: Stream,
}

impl Ws {
    /// Opens the socket (no `connection_init` yet).
    pub(crate) async fn open(app: &TestApp) -> Ws {
        let url = format!("{}/graphql/ws", app.base.replacen("http://", "ws://", 1));
        let mut req = url.into_client_request().expect("ws request");
        req.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        let (s, resp) = timeout(WAIT, tokio_tungstenite::connect_async(req))
            .await
            .expect("upgrade in time")
            .expect("upgrade accepted");
        assert_eq!(
            resp.headers()
                .get("sec-websocket-protocol")
                .and_then(|v| v.to_str().ok()),
            Some("graphql-transport-ws")
        );
        Ws { s }
    }

    pub(crate) async fn send(&mut self, v: Value) {
        self.s
            .send(Message::Text(v.to_string().into()))
            .await
            .expect("send");
    }

    /// The next message, within [`WAIT`]; `None` when the socket ended without a close frame.
    pub(crate) async fn recv_within(&mut self, limit: Duration) -> Option<Incoming> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let m = tokio::time::timeout_at(deadline, self.s.next()).await.ok()??;
            match m {
                Ok(Message::Text(t)) => {
                    let v: Value = serde_json::from_str(t.as_str()).expect("JSON message");
                    if v["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return Some(Incoming::Json(v));
                }
                Ok(Message::Close(f)) => {
                    return Some(match f {
                        Some(f) => Incoming::Closed(u16::from(f.code), f.reason.to_string()),
                        None => Incoming::Closed(1005, String::new()),
                    })
                }
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    }

    /// `connection_init` with `payload`; returns the server's answer.
    pub(crate) async fn init_with(app: &TestApp, payload: Value) -> (Ws, Option<Incoming>) {
        let mut ws = Ws::open(app).await;
        ws.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        let answer = ws.recv_within(WAIT).await;
        (ws, answer)
    }

    /// An acknowledged connection for `token`.
    pub(crate) async fn connect(app: &TestApp, token: &str) -> Ws {
        let (ws, answer) = Ws::init_with(app, json!({ "Authorization": format!("Bearer {token}") })).await;
        match answer {
            Some(Incoming::Json(v)) if v["type"] == "connection_ack" => ws,
            other => panic!("expected connection_ack, got {other:?}"),
        }
    }

    pub(crate) async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(
            json!({ "type": "subscribe", "id": id, "payload": { "query": query, "variables": variables } }),
        )
        .await;
    }

    /// The payload of the next `next` message of subscription `id`.
    pub(crate) async fn next(&mut self, id: &str) -> Value {
        match self.recv_within(WAIT).await {
            Some(Incoming::Json(v)) if v["type"] == "next" && v["id"] == id => v["payload"].clone(),
            other => panic!("expected a `next` for {id} within {WAIT:?}, got {other:?}"),
        }
    }

    /// Waits for the `complete` of subscription `id`.
    pub(crate) async fn completed(&mut self, id: &str) {
        match self.recv_within(WAIT).await {
            Some(Incoming::Json(v)) if v["type"] == "complete" && v["id"] == id => {}
            other => panic!("expected `complete` for {id}, got {other:?}"),
        }
    }

    /// Asserts nothing arrives for [`QUIET`].
    pub(crate) async fn quiet(&mut self) {
        if let Some(m) = self.recv_within(QUIET).await {
            panic!("expected silence, got {m:?}");
        }
    }
}

pub(crate) fn token(app: &TestApp, role: Role, side: &Side) -> String {
    let (sub, scope) = persona(role, side);
    app.token(role, &sub, scope)
}

/// Reports a case on `side` through `app` as that side's citizen; returns the case.
pub(crate) async fn report(app: &TestApp, side: &Side, title: &str) -> Value {
    let t = token(app, Role::Citizen, side);
    let body = app
        .gql(
            Some(&t),
            "mutation($i: ReportCaseInput!) { r: reportCase(input: $i) { case { id version trackingNumber } } }",
            json!({ "i": { "title": title, "description": "测试", "gridId": side.community.to_string(), "reporterPhone": "13800001234" } }),
        )
        .await;
    data(&body)["r"]["case"].clone()
}

/// Assesses `case` through `app` as `side`'s commander; returns the case after the step.
pub(crate) async fn assess(app: &TestApp, side: &Side, case: &Value) -> Value {
    let t = token(app, Role::Commander, side);
    let body = app
        .gql(
            Some(&t),
            "mutation($i: AssessCaseInput!) { r: assessCase(input: $i) { case { id status version trackingNumber } } }",
            json!({ "i": {
                "step": { "caseId": case["id"], "version": case["version"] },
                "kind": "SAFETY_HAZARD", "category": "GAS", "severity": "LARGER", "riskColour": "RED"
            } }),
        )
        .await;
    data(&body)["r"]["case"].clone()
}

/// Waits (bounded) until `n` subscriptions listen on `app`'s event bus.
pub(crate) async fn subscribed(app: &TestApp, n: usize) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while app.state.events.subscribers() < n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "subscription not registered in time"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

pub(crate) fn event(payload: &Value) -> &Value {
    data(payload).get("caseEvents").unwrap_or(&Value::Null)
}

#[tokio::test]
async fn a_commander_hears_the_steps_of_cases_in_scope() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let mut ws = Ws::connect(&app, &token(&app, Role::Commander, &w.a)).await;
    ws.subscribe("all", EVENTS, json!({})).await;
    subscribed(&app, 1).await;

    let c = report(&app, &w.a, "楼道堆放杂物").await;
    let reported = ws.next("all").await;
    let e = event(&reported);
    assert_eq!(e["kind"], "REPORTED");
    assert_eq!(e["status"], "REPORTED");
    assert_eq!(e["caseId"], c["id"]);
    assert_eq!(e["version"], c["version"]);

    let after = assess(&app, &w.a, &c).await;
    let assessed = ws.next("all").await;
    let e = event(&assessed);
    assert_eq!(e["kind"], "ASSESSED");
    assert_eq!(e["status"], "ASSESSED");
    assert_eq!(e["version"], after["version"]);
    assert_eq!(e["case"]["trackingNumber"], c["trackingNumber"]);
    assert_eq!(e["case"]["status"], "ASSESSED");
    // Personal fields stay masked, as in any query.
    let masked = e["case"]["reporterPhone"]["masked"].as_str().unwrap_or_default();
    assert!(
        !masked.is_empty() && !masked.contains("13800001234"),
        "not masked: {masked}"
    );
    ws.quiet().await;

    // One case only: the other side's case is out of scope, so NOT_FOUND.
    ws.subscribe("other", EVENTS, json!({ "c": w.b.case.to_string() }))
        .await;
    let refused = ws.next("other").await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{refused}"
    );
}

/// Every channel's change reaches subscribers through the case journal: a case a platform
/// syncs, its later version, a public report through a report code. A change that rolled
/// back (a refused record) is never heard.
#[tokio::test]
async fn platform_syncs_and_public_reports_reach_subscribers() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let code = fengqiao_api::service::report_code::create(
        &app.db,
        &fengqiao_api::auth::Actor::system(),
        fengqiao_api::service::report_code::NewReportCode {
            label: "路灯杆".into(),
            grid_id: Some(w.a.community),
            ..Default::default()
        },
    )
    .await
    .expect("report code");
    let mut ws = Ws::connect(&app, &token(&app, Role::Commander, &w.a)).await;
    ws.subscribe("all", EVENTS, json!({})).await;
    subscribed(&app, 1).await;

    let platform = token(&app, Role::Platform, &w.a);
    let sync = "mutation($i: SyncRecordsInput!) { syncRecords(input: $i) { results { id outcome error { code } } } }";
    let record = |version: i64, title: &str| {
        json!({ "i": { "cases": [{ "externalId": "110-LIVE", "version": version, "title": title,
                                   "description": "有人报警称邻居家中有异响", "gridCode": "A-C" }] } })
    };
    let body = app.gql(Some(&platform), sync, record(1, "邻居家中异响")).await;
    let synced = data(&body)["syncRecords"]["results"][0]["id"].clone();
    let e = ws.next("all").await;
    assert_eq!(event(&e)["kind"], "REPORTED", "{e}");
    assert_eq!(event(&e)["caseId"], synced, "{e}");
    let body = app
        .gql(Some(&platform), sync, record(2, "邻居家中异响（更正）"))
        .await;
    assert_eq!(data(&body)["syncRecords"]["results"][0]["outcome"], "UPDATED");
    let e = ws.next("all").await;
    assert_eq!(event(&e)["kind"], "SYNCED", "{e}");
    assert_eq!(event(&e)["version"], 2, "{e}");
    // A refused record writes nothing and announces nothing.
    let body = app
        .gql(
            Some(&platform),
            sync,
            json!({ "i": { "cases": [{ "externalId": "110-BAD", "version": 1, "title": "", "description": "x" }] } }),
        )
        .await;
    assert_eq!(
        data(&body)["syncRecords"]["results"][0]["error"]["code"],
        "BAD_USER_INPUT"
    );
    ws.quiet().await;

    let body = app
        .gql(
            None,
            "mutation($i: SubmitPublicReportInput!) { submitPublicReport(input: $i) { trackingNumber } }",
            json!({ "i": { "code": code.code, "description": "路灯杆倾斜" } }),
        )
        .await;
    let number = data(&body)["submitPublicReport"]["trackingNumber"].clone();
    let e = ws.next("all").await;
    assert_eq!(event(&e)["kind"], "REPORTED", "{e}");
    assert_eq!(event(&e)["case"]["trackingNumber"], number, "{e}");
    ws.quiet().await;
}

#[tokio::test]
async fn a_grid_worker_hears_only_their_grids() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let mut ws = Ws::connect(&app, &token(&app, Role::GridWorker, &w.b)).await;
    ws.subscribe("mine", EVENTS, json!({})).await;
    subscribed(&app, 1).await;

    // Side A moves first, then side B: events arrive in order, so had A's leaked it would
    // come before B's.
    let a = report(&app, &w.a, "A侧事件").await;
    assess(&app, &w.a, &a).await;
    let b = report(&app, &w.b, "B侧事件").await;
    let first = ws.next("mine").await;
    assert_eq!(event(&first)["caseId"], b["id"], "{first}");
    assert_eq!(event(&first)["kind"], "REPORTED");
    ws.quiet().await;
}

#[tokio::test]
async fn bad_or_missing_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let cases = [
        ("bad token", json!({ "Authorization": "Bearer not.a.token" })),
        ("bad token under `token`", json!({ "token": "abc" })),
        ("no token", json!({})),
    ];
    for (name, payload) in cases {
        let (mut ws, answer) = Ws::init_with(&app, payload).await;
        match answer {
            Some(Incoming::Closed(4403, reason)) => {
                assert!(reason.starts_with("Forbidden"), "{name}: {reason}")
            }
            other => panic!("{name}: expected close 4403, got {other:?}"),
        }
        // Nothing follows the refusal: the socket is closed.
        assert!(
            !matches!(ws.recv_within(QUIET).await, Some(Incoming::Json(_))),
            "{name}: a message after the refusal"
        );
    }

    // Other spellings of the token are accepted, and queries are refused on this endpoint.
    let w = world(&app.db).await;
    let t = token(&app, Role::Commander, &w.a);
    for payload in [
        json!({ "authorization": format!("Bearer {t}") }),
        json!({ "token": t }),
    ] {
        let (mut ws, answer) = Ws::init_with(&app, payload).await;
        assert!(
            matches!(&answer, Some(Incoming::Json(v)) if v["type"] == "connection_ack"),
            "{answer:?}"
        );
        ws.subscribe("q", "{ viewer { role } }", json!({})).await;
        let r = ws.next("q").await;
        assert_eq!(r["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{r}");
    }
}

#[tokio::test]
async fn unknown_clients_and_too_many_subscriptions_are_refused() {
    let app = TestApp::spawn().await;
    // The client rule of /graphql applies at the upgrade.
    let url = format!("{}/graphql/ws", app.base.replacen("http://", "ws://", 1));
    let mut req = url.into_client_request().expect("ws request");
    req.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    req.headers_mut()
        .insert("x-client-id", HeaderValue::from_static("no-such-client"));
    match timeout(WAIT, tokio_tungstenite::connect_async(req)).await {
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(resp))) => assert_eq!(resp.status(), 403),
        Ok(Ok(_)) => panic!("an unknown client was upgraded"),
        Ok(Err(e)) => panic!("unexpected error {e}"),
        Err(_) => panic!("no answer in time"),
    }

    let w = world(&app.db).await;
    let mut ws = Ws::connect(&app, &token(&app, Role::Commander, &w.a)).await;
    for i in 0..20 {
        ws.subscribe(&format!("s{i}"), EVENTS, json!({})).await;
    }
    subscribed(&app, 20).await;
    ws.subscribe("s20", EVENTS, json!({})).await;
    let r = ws.next("s20").await;
    assert_eq!(r["errors"][0]["extensions"]["limit"], "subscriptions", "{r}");
    ws.completed("s20").await;
    // Ending one frees its place.
    ws.send(json!({ "type": "complete", "id": "s0" })).await;
    ws.completed("s0").await;
    ws.subscribe("s21", EVENTS, json!({})).await;
    subscribed(&app, 20).await;
    let c = report(&app, &w.a, "名额").await;
    let mut heard = 0;
    while heard < 20 {
        match ws.recv_within(WAIT).await {
            Some(Incoming::Json(v)) if v["type"] == "next" => {
                assert_eq!(v["payload"]["data"]["caseEvents"]["caseId"], c["id"], "{v}");
                heard += 1;
            }
            other => panic!("expected 20 events, got {other:?} after {heard}"),
        }
    }
    ws.quiet().await;
}

#[tokio::test]
async fn an_event_raised_on_one_instance_reaches_another_exactly_once() {
    if std::env::var("TEST_DATABASE_URL")
        .map(|u| u.trim().is_empty())
        .unwrap_or(true)
    {
        eprintln!(
            "an_event_raised_on_one_instance_reaches_another_exactly_once: applies to PostgreSQL only \
             (on SQLite events stay in their process); set TEST_DATABASE_URL to run it"
        );
        return;
    }
    let one = TestApp::spawn().await;
    let two = one.spawn_peer().await;
    let w = world(&one.db).await;
    let t = token(&one, Role::Commander, &w.a);
    let mut on_two = Ws::connect(&two, &t).await;
    let mut on_one = Ws::connect(&one, &t).await;
    on_two.subscribe("s", EVENTS, json!({})).await;
    on_one.subscribe("s", EVENTS, json!({})).await;
    subscribed(&two, 1).await;
    subscribed(&one, 1).await;

    let c = report(&one, &w.a, "跨实例事件").await;
    let after = assess(&one, &w.a, &c).await;
    for ws in [&mut on_two, &mut on_one] {
        let reported = ws.next("s").await;
        assert_eq!(event(&reported)["kind"], "REPORTED", "{reported}");
        let assessed = ws.next("s").await;
        let e = event(&assessed);
        assert_eq!(
            (&e["kind"], &e["version"], &e["case"]["trackingNumber"]),
            (&json!("ASSESSED"), &after["version"], &c["trackingNumber"]),
            "{assessed}"
        );
    }
    // Exactly once: nothing more on either instance.
    on_two.quiet().await;
    on_one.quiet().await;
}

#[tokio::test]
async fn the_listener_reconnects_after_losing_its_connection() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    if std::env::var("TEST_DATABASE_URL")
        .map(|u| u.trim().is_empty())
        .unwrap_or(true)
    {
        eprintln!(
            "the_listener_reconnects_after_losing_its_connection: applies to PostgreSQL only \
             (SQLite has no listener); set TEST_DATABASE_URL to run it"
        );
        return;
    }
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let mut ws = Ws::connect(&app, &token(&app, Role::Commander, &w.a)).await;
    ws.subscribe("s", EVENTS, json!({})).await;
    subscribed(&app, 1).await;

    let pids = |sql: &'static str| {
        let db = app.db.clone();
        async move {
            let schema: String = db
                .query_one_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT current_schema() AS s",
                ))
                .await
                .expect("schema query")
                .and_then(|r| r.try_get::<String>("", "s").ok())
                .expect("schema");
            let name = fengqiao_api::events::listener_name(&schema);
            db.query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                sql,
                [name.into()],
            ))
            .await
            .expect("pg_stat_activity")
            .iter()
            .filter_map(|r| r.try_get::<i32>("", "pid").ok())
            .collect::<Vec<i32>>()
        }
    };
    let before = pids("SELECT pid FROM pg_stat_activity WHERE application_name = $1").await;
    assert_eq!(before.len(), 1, "one listener connection: {before:?}");
    pids("SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1").await;

    // Bounded wait for a new listener connection.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let now = pids("SELECT pid FROM pg_stat_activity WHERE application_name = $1").await;
        if now.len() == 1 && now != before && app.state.events.is_listening() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the listener did not reconnect: {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let c = report(&app, &w.a, "重连之后").await;
    let e = ws.next("s").await;
    assert_eq!(event(&e)["caseId"], c["id"], "{e}");
    ws.quiet().await;
}

/// A message larger than a request body ends the connection (1009, message too big) and
/// nothing of it runs; an ordinary connection beside it goes on.
#[tokio::test]
async fn a_message_larger_than_a_request_body_closes_the_connection() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let t = token(&app, Role::Commander, &w.a);
    let mut big = Ws::connect(&app, &t).await;
    let mut fine = Ws::connect(&app, &t).await;
    let padding = "#".repeat(app.state.config.security.max_body_bytes + 1);
    big.subscribe("big", &format!("{EVENTS}\n{padding}"), json!({}))
        .await;
    match big.recv_within(WAIT).await {
        Some(Incoming::Closed(code, _)) => assert_eq!(code, 1009, "close code"),
        None => {}
        other => panic!("expected the connection to end, got {other:?}"),
    }
    fine.subscribe("ok", EVENTS, json!({})).await;
    subscribed(&app, 1).await;
    let c = report(&app, &w.a, "消息上限测试").await;
    let e = fine.next("ok").await;
    assert_eq!(event(&e)["caseId"], c["id"]);
}
