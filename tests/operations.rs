//! What operators rely on: bounded waits, outages answered as outages, connections that
//! cannot exhaust the service, and a shutdown that drains, closes streams properly and says
//! when it had to cut work off.

use std::time::{Duration, Instant};

use fengqiao_api::{auth::Role, server::Stopped};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{
    fixtures::world,
    harness::{data, error_code, TestApp},
    pg_cluster,
    subscriptions::{report, subscribed, token, Incoming, Ws, EVENTS},
};

const COUNT_CASES: &str = "{ cases(first: 1) { totalCount } }";
const REPORT: &str =
    "mutation($i: ReportCaseInput!) { reportCase(input: $i) { case { id trackingNumber } } }";

/// POSTs a GraphQL request and returns (status, Retry-After, body, elapsed).
async fn timed(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> (u16, Option<String>, Value, Duration) {
    let started = Instant::now();
    let mut req = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let retry = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: Value = res.json().await.unwrap_or(Value::Null);
    (status, retry, body, started.elapsed())
}

fn assert_unavailable(what: &str, status: u16, retry: &Option<String>, body: &Value) {
    assert_eq!(status, 503, "{what}: {body}");
    assert_eq!(error_code(body).as_deref(), Some("UNAVAILABLE"), "{what}: {body}");
    assert!(retry.is_some(), "{what}: no Retry-After");
    let text = body.to_string().to_lowercase();
    for leak in [
        "sqlx",
        "postgres",
        "sqlite",
        "select ",
        "connection refused",
        "pool",
    ] {
        assert!(!text.contains(leak), "{what}: internal detail {leak:?} in {body}");
    }
}

/// Holds the write lock (SQLite) or an exclusive lock on the cases table (PostgreSQL)
/// until dropped, so writes to cases wait.
async fn lock_cases(app: &TestApp) -> sea_orm::DatabaseTransaction {
    use sea_orm::ConnectionTrait;
    let txn = fengqiao_api::db::begin_write(&app.db).await.expect("begin");
    if app.db.get_database_backend() == sea_orm::DbBackend::Postgres {
        txn.execute_unprepared("LOCK TABLE cases IN EXCLUSIVE MODE")
            .await
            .expect("lock");
    }
    txn
}

#[tokio::test]
async fn a_request_stuck_behind_a_lock_is_answered_503_within_the_request_timeout_and_writes_nothing() {
    let app = TestApp::spawn_with(|c| c.server.request_timeout = Duration::from_secs(1)).await;
    let w = world(&app.db).await;
    let citizen = token(&app, Role::Citizen, &w.a);
    let input = json!({ "i": { "title": "井盖缺失", "description": "人行道井盖缺失", "gridId": w.a.community.to_string() } });
    let before = app.count("cases").await;
    let lock = lock_cases(&app).await;
    let (status, retry, body, took) = timed(&app, Some(&citizen), REPORT, input.clone()).await;
    assert_unavailable("stuck report", status, &retry, &body);
    assert!(took < Duration::from_secs(3), "answered after {took:?}");
    lock.rollback().await.expect("release the lock");
    // The abandoned write left nothing behind, and no connection kept its transaction: every
    // later write commits (each is seen from another connection), whichever pooled
    // connection it gets.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.count("cases").await, before);
    for n in 1..=8 {
        let (status, _, body, _) = timed(&app, Some(&citizen), REPORT, input.clone()).await;
        assert_eq!(status, 200, "{body}");
        assert!(data(&body)["reportCase"]["case"]["id"].is_string());
        assert_eq!(app.count("cases").await, before + n, "write {n} not committed");
    }
}

#[tokio::test]
async fn a_lock_held_past_the_database_timeouts_is_unavailable_not_internal() {
    // SQLite: the busy timeout runs out; PostgreSQL: the statement timeout cancels the wait.
    let app = TestApp::spawn_with(|c| {
        c.db.sqlite_busy_timeout = Duration::from_millis(300);
        c.db.statement_timeout = Duration::from_millis(300);
    })
    .await;
    let w = world(&app.db).await;
    let citizen = token(&app, Role::Citizen, &w.a);
    let before = app.count("cases").await;
    let lock = lock_cases(&app).await;
    let (status, retry, body, took) = timed(
        &app,
        Some(&citizen),
        REPORT,
        json!({ "i": { "title": "路灯不亮", "description": "夜间路灯不亮", "gridId": w.a.community.to_string() } }),
    )
    .await;
    lock.rollback().await.expect("release the lock");
    assert_unavailable("report past the lock timeout", status, &retry, &body);
    assert!(took < Duration::from_secs(5), "answered after {took:?}");
    assert_eq!(app.count("cases").await, before);
}

/// Half a request's headers, then silence.
async fn half_open(base: &str) -> tokio::net::TcpStream {
    let addr = base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    s.write_all(b"POST /graphql HTTP/1.1\r\nHost: fengqiao\r\nContent-Ty")
        .await
        .expect("write");
    s
}

#[tokio::test]
async fn a_thousand_half_open_connections_neither_block_requests_nor_stay_open() {
    let app = TestApp::spawn_with(|c| c.server.header_timeout = Duration::from_secs(2)).await;
    let mut silent = Vec::with_capacity(1000);
    for _ in 0..1000 {
        silent.push(half_open(&app.base).await);
    }
    let opened = Instant::now();
    // Normal requests are answered meanwhile.
    for _ in 0..20 {
        let (status, _, body, took) = timed(&app, None, "{ viewer { role } }", json!({})).await;
        assert_eq!(status, 200, "{body}");
        assert!(took < Duration::from_secs(2), "a normal request took {took:?}");
    }
    // After the header timeout every silent connection has been closed by the server.
    tokio::time::sleep(Duration::from_secs(2).saturating_sub(opened.elapsed()) + Duration::from_millis(1500))
        .await;
    let mut closed = 0;
    for s in &mut silent {
        let mut buf = [0u8; 512];
        match tokio::time::timeout(Duration::from_millis(200), s.read(&mut buf)).await {
            // EOF (or a reset): the server closed it.
            Ok(Ok(_)) | Ok(Err(_)) => closed += 1,
            Err(_) => {}
        }
    }
    eprintln!("half-open connections closed after the 2 s header timeout: {closed} of 1000");
    assert_eq!(closed, 1000);
}

#[tokio::test]
async fn connections_over_the_cap_are_answered_503_and_closed() {
    let app = TestApp::spawn_with(|c| c.server.max_connections = 16).await;
    let mut held = Vec::new();
    for _ in 0..16 {
        held.push(half_open(&app.base).await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let addr = app.base.trim_start_matches("http://");
    let mut extra = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(5), extra.read_to_string(&mut answer))
        .await
        .expect("answered in time")
        .expect("read");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.to_lowercase().contains("retry-after: 1"), "{answer}");
    assert!(answer.contains("UNAVAILABLE"), "{answer}");
    // Freeing a slot lets the next one in.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, _, body, _) = timed(&app, None, "{ viewer { role } }", json!({})).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn shutdown_drains_first_then_closes_websockets_with_1001_and_ends_sse_streams() {
    let mut app = TestApp::spawn_with(|c| {
        c.server.drain = Duration::from_secs(1);
        c.shutdown_grace = Duration::from_secs(5);
    })
    .await;
    let w = world(&app.db).await;
    let commander = token(&app, Role::Commander, &w.a);
    let mut ws = Ws::connect(&app, &commander).await;
    ws.subscribe("all", EVENTS, json!({})).await;
    subscribed(&app, 1).await;
    let sse = app
        .client
        .post(format!("{}/graphql/stream", app.base))
        .bearer_auth(&commander)
        .header("accept", "text/event-stream")
        .json(&json!({ "query": "subscription { caseEvents { kind } }" }))
        .send()
        .await
        .expect("sse");
    assert_eq!(sse.status(), 200);
    subscribed(&app, 2).await;

    app.signal_shutdown();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Draining: not ready, but still serving (a report made now is heard live).
    let ready = app
        .client
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 503);
    assert_eq!(ready.json::<Value>().await.expect("json")["status"], "draining");
    let c = report(&app, &w.a, "排水沟堵塞").await;
    match ws.recv_within(Duration::from_secs(5)).await {
        Some(Incoming::Json(v)) if v["type"] == "next" => {
            assert_eq!(v["payload"]["data"]["caseEvents"]["case"]["id"], c["id"])
        }
        other => panic!("expected the report's event while draining, got {other:?}"),
    }
    // Then the WebSocket gets a proper close, and the SSE stream ends.
    match ws.recv_within(Duration::from_secs(5)).await {
        Some(Incoming::Closed(code, reason)) => {
            assert_eq!(code, 1001, "{reason}");
        }
        other => panic!("expected close 1001, got {other:?}"),
    }
    let rest = tokio::time::timeout(Duration::from_secs(5), sse.text())
        .await
        .expect("the SSE stream ended");
    assert!(rest.is_ok(), "{rest:?}");
    assert_eq!(app.shut_down().await, Stopped::Clean);
}

#[tokio::test]
async fn a_shutdown_that_has_to_cut_a_request_off_says_so() {
    let mut app = TestApp::spawn_with(|c| {
        c.shutdown_grace = Duration::from_secs(1);
        c.server.request_timeout = Duration::from_secs(30);
        c.db.sqlite_busy_timeout = Duration::from_secs(30);
        c.db.statement_timeout = Duration::from_secs(30);
    })
    .await;
    let w = world(&app.db).await;
    let citizen = token(&app, Role::Citizen, &w.a);
    let lock = lock_cases(&app).await;
    let (client, base) = (app.client.clone(), app.base.clone());
    let stuck = tokio::spawn(async move {
        client
            .post(format!("{base}/graphql"))
            .bearer_auth(citizen)
            .json(&json!({ "query": REPORT, "variables": { "i": { "title": "噪音扰民", "description": "夜间施工噪音", "gridId": w.a.community.to_string() } } }))
            .send()
            .await
    });
    let deadline = Instant::now() + Duration::from_secs(5);
    while app.state.lifecycle.requests() == 0 {
        assert!(Instant::now() < deadline, "the request never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let started = Instant::now();
    let stopped = app.shut_down().await;
    assert_eq!(
        stopped,
        Stopped::CutOff {
            requests: 1,
            streams: 0
        }
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    lock.rollback().await.expect("release the lock");
    // The cut-off request still finishes on its own (and answers its client).
    let answer = tokio::time::timeout(Duration::from_secs(10), stuck)
        .await
        .expect("the request finished")
        .expect("task");
    assert!(answer.is_ok(), "{answer:?}");
}

/// The database frozen (SIGSTOP: connections open, nothing answers) and stopped, on a
/// private PostgreSQL cluster: requests and `/readyz` answer within their bounds, as 503
/// `UNAVAILABLE` with `Retry-After`, and the service recovers by itself.
#[tokio::test]
async fn a_frozen_or_stopped_database_is_answered_503_within_bounds_and_recovered_from() {
    if !pg_cluster::available() {
        return;
    }
    let mut cluster = pg_cluster::Cluster::start(&[]);
    let app = TestApp::spawn_on(&cluster.url(), |c| {
        c.db.probe_interval = Duration::from_millis(500);
        c.db.probe_timeout = Duration::from_millis(1000);
        c.db.acquire_timeout = Duration::from_millis(2000);
    })
    .await;
    let w = world(&app.db).await;
    let commander = token(&app, Role::Commander, &w.a);
    let ask = || timed(&app, Some(&commander), COUNT_CASES, json!({}));
    let readyz = || async {
        let started = Instant::now();
        let r = app
            .client
            .get(format!("{}/readyz", app.base))
            .send()
            .await
            .expect("readyz");
        (r.status().as_u16(), started.elapsed())
    };
    let (status, _, body, _) = ask().await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(readyz().await.0, 200);

    // Frozen.
    cluster.freeze();
    let (status, retry, body, took) = ask().await;
    assert_unavailable("frozen", status, &retry, &body);
    let (ready, ready_took) = readyz().await;
    eprintln!("frozen database: request answered {status} in {took:?}; /readyz {ready} in {ready_took:?}");
    assert!(took < Duration::from_secs(4), "a request waited {took:?}");
    assert_eq!(ready, 503);
    assert!(
        ready_took < Duration::from_millis(1500),
        "/readyz took {ready_took:?}"
    );
    let (status, retry, body, took) = ask().await;
    assert_unavailable("frozen, known down", status, &retry, &body);
    assert!(
        took < Duration::from_millis(200),
        "while down, a request took {took:?}"
    );
    cluster.thaw();
    let back = Instant::now();
    loop {
        let (status, _, _, _) = ask().await;
        if status == 200 {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(10),
            "no recovery after thawing"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("thawed: answering again after {:?}", back.elapsed());

    // Stopped.
    cluster.stop();
    let (status, retry, body, took) = ask().await;
    eprintln!("stopped database: request answered {status} in {took:?}");
    assert_unavailable("stopped", status, &retry, &body);
    assert!(took < Duration::from_secs(3), "a request waited {took:?}");
    assert_eq!(readyz().await.0, 503);
    cluster.restart();
    let back = Instant::now();
    loop {
        let (status, _, _, _) = ask().await;
        if status == 200 {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(15),
            "no recovery after the restart"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!("restarted: answering again after {:?}", back.elapsed());
    assert_eq!(readyz().await.0, 200);
}
