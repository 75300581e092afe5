//! `GET /metrics`: exact counters and histograms after named operations (ok and failing), an
//! exposition that parses line by line, the subscription gauge, and who may read it.

use std::{
    collections::{HashMap, HashSet},
    time::Duration,
};

use fengqiao_api::{
    auth::{Role, Scope},
    metrics::{self, MetricsToken},
};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderValue, Message};

use crate::harness::{data, TestApp};

const TOKEN: &str = "scrape-token-0123456789";

/// A metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
fn metric_name_ok(n: &str) -> bool {
    let mut b = n.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_alphabetic() || c == b'_' || c == b':')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b':')
}

/// Labels `k="v",k2="v2"` (values with `\\`, `\"`, `\n` escapes).
fn parse_labels(s: &str, line: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while chars.peek().is_some() {
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        assert!(
            metric_name_ok(&key) && !key.contains(':'),
            "label name {key:?} in {line}"
        );
        assert_eq!(chars.next(), Some('"'), "label value must be quoted: {line}");
        let mut value = String::new();
        loop {
            match chars.next() {
                Some('\\') => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some(c @ ('\\' | '"')) => value.push(c),
                    other => panic!("bad escape {other:?} in {line}"),
                },
                Some('"') => break,
                Some(c) => value.push(c),
                None => panic!("unterminated label value in {line}"),
            }
        }
        out.push((key, value));
        match chars.next() {
            Some(',') | None => {}
            Some(c) => panic!("unexpected {c:?} after a label in {line}"),
        }
    }
    out
}

/// Parses the exposition: every line is `# HELP name text`, `# TYPE name kind` or
/// `name{labels} value`; every sample's family has a TYPE. Returns series → value.
fn parse(text: &str) -> HashMap<String, f64> {
    let mut typed: HashMap<String, String> = HashMap::new();
    let mut samples = HashMap::new();
    for line in text.lines() {
        assert!(!line.is_empty(), "blank line in the exposition");
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (kind, name, tail) = (parts.next(), parts.next(), parts.next());
            let name = name.unwrap_or_default();
            assert!(metric_name_ok(name), "{line}");
            match kind {
                Some("HELP") => assert!(tail.is_some_and(|t| !t.is_empty()), "{line}"),
                Some("TYPE") => {
                    let t = tail.unwrap_or_default();
                    assert!(["counter", "gauge", "histogram"].contains(&t), "{line}");
                    assert!(
                        typed.insert(name.to_owned(), t.to_owned()).is_none(),
                        "TYPE twice: {line}"
                    );
                }
                _ => panic!("unknown comment: {line}"),
            }
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value: {line}"));
        let v: f64 = value.parse().unwrap_or_else(|_| panic!("bad value: {line}"));
        let (name, labels) = match series.split_once('{') {
            Some((n, rest)) => {
                let inner = rest
                    .strip_suffix('}')
                    .unwrap_or_else(|| panic!("unclosed labels: {line}"));
                (n, parse_labels(inner, line))
            }
            None => (series, Vec::new()),
        };
        assert!(metric_name_ok(name), "{line}");
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| typed.get(*f).map(String::as_str) == Some("histogram"))
            })
            .unwrap_or(name);
        assert!(typed.contains_key(family), "sample before its TYPE: {line}");
        let keys: HashSet<&str> = labels.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys.len(), labels.len(), "duplicate label: {line}");
        assert!(
            samples.insert(series.to_owned(), v).is_none(),
            "series twice: {line}"
        );
    }
    samples
}

async fn scrape(app: &TestApp) -> HashMap<String, f64> {
    let res = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .expect("scrape");
    assert_eq!(res.status(), 200);
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
    parse(&res.text().await.expect("body"))
}

fn req(m: &HashMap<String, f64>, op: &str, outcome: &str) -> f64 {
    m.get(&format!(
        "fengqiao_graphql_requests_total{{operation=\"{op}\",outcome=\"{outcome}\"}}"
    ))
    .copied()
    .unwrap_or(0.0)
}

async fn post(app: &TestApp, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut r = app.client.post(format!("{}/graphql", app.base)).json(&body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    let res = r.send().await.expect("post");
    (res.status().as_u16(), res.json().await.expect("json"))
}

#[tokio::test]
async fn counters_and_histograms_are_exact() {
    let app = TestApp::spawn().await;
    let commander = app.token(Role::Commander, "metrics-commander", Scope::district());

    for _ in 0..3 {
        data(&app.gql(None, "query Ping { __typename }", json!({})).await);
    }
    // Validation errors: the operation ran through the pipeline, then failed.
    for _ in 0..2 {
        let body = app.gql(None, "query Broken { noSuchField }", json!({})).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{body}"
        );
    }
    // Refused before running: an operation name the document lacks is not a label.
    let (status, body) = post(
        &app,
        None,
        json!({ "query": "query A { __typename }", "operationName": "Missing" }),
    )
    .await;
    assert_eq!(
        status, 200,
        "a request error is 200 under application/json: {body}"
    );
    // Refused before the body is read: a bad token. Recording runs no SQL.
    app.take_statements();
    let (status, _) = post(
        &app,
        Some("not-a-jwt"),
        json!({ "query": "query Ping { __typename }" }),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(app.take_statements(), 0, "a refused request runs no SQL");
    // Unnamed, batched, GET and signed in.
    data(&app.gql(None, "{ __typename }", json!({})).await);
    let (status, body) = post(
        &app,
        None,
        json!([{ "query": "query Ping { __typename }" }, { "query": "query Ping2 { __typename }" }]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let res = app
        .client
        .get(format!("{}/graphql", app.base))
        .query(&[("query", "query PingGet { __typename }")])
        .header("x-requested-with", "test")
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    let body = app
        .gql(
            Some(&commander),
            "query MyCases { cases(first: 1) { totalCount } }",
            json!({}),
        )
        .await;
    data(&body);

    let m = scrape(&app).await;
    let expected = [
        ("Ping", "ok", 4.0),
        ("Ping2", "ok", 1.0),
        ("PingGet", "ok", 1.0),
        ("MyCases", "ok", 1.0),
        ("Broken", "BAD_USER_INPUT", 2.0),
        ("other", "BAD_USER_INPUT", 1.0),
        ("anonymous", "UNAUTHENTICATED", 1.0),
        ("anonymous", "ok", 1.0),
    ];
    for (op, outcome, n) in expected {
        assert_eq!(req(&m, op, outcome), n, "{op} {outcome}: {m:#?}");
    }
    let total: f64 = m
        .iter()
        .filter(|(k, _)| k.starts_with("fengqiao_graphql_requests_total{"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(
        total,
        expected.iter().map(|e| e.2).sum::<f64>(),
        "no other requests counted"
    );

    // Histograms: cumulative buckets ending in +Inf = count, one per operation label.
    for (op, count) in [("Ping", 4.0), ("Broken", 2.0), ("anonymous", 2.0), ("other", 1.0)] {
        let c = m[&format!("fengqiao_graphql_request_duration_seconds_count{{operation=\"{op}\"}}")];
        assert_eq!(c, count, "{op}");
        let mut last = 0.0;
        for le in metrics::BUCKETS
            .iter()
            .map(|b| b.to_string())
            .chain(["+Inf".to_owned()])
        {
            let b = m[&format!(
                "fengqiao_graphql_request_duration_seconds_bucket{{operation=\"{op}\",le=\"{le}\"}}"
            )];
            assert!(b >= last, "{op}: buckets must not decrease");
            last = b;
        }
        assert_eq!(last, count, "{op}: +Inf bucket is the count");
        let sum = m[&format!("fengqiao_graphql_request_duration_seconds_sum{{operation=\"{op}\"}}")];
        assert!(sum > 0.0 && sum < 60.0 * count, "{op}: sum {sum}");
    }
    assert_eq!(
        m["fengqiao_graphql_operation_names"], 5.0,
        "Ping Ping2 PingGet MyCases Broken"
    );
    assert_eq!(m["fengqiao_graphql_subscriptions_active"], 0.0);
    assert_eq!(m["fengqiao_outbox_backlog"], 0.0);
    assert_eq!(m["fengqiao_db_pool_max_connections"], 5.0);
    let open = m["fengqiao_db_pool_connections{state=\"idle\"}"]
        + m["fengqiao_db_pool_connections{state=\"in_use\"}"];
    assert!((1.0..=5.0).contains(&open), "open connections {open}");
    assert_eq!(m["fengqiao_build_info{version=\"0.1.0\"}"], 1.0);
    assert!(m["fengqiao_start_time_seconds"] > 1.6e9);

    // Scrapes are not GraphQL requests.
    let again = scrape(&app).await;
    assert_eq!(req(&again, "Ping", "ok"), 4.0);
}

#[tokio::test]
async fn loopback_only_without_a_token() {
    let app = TestApp::spawn().await;
    scrape(&app).await;
    app.take_statements();
    for header in ["x-forwarded-for", "forwarded", "x-real-ip"] {
        let res = app
            .client
            .get(format!("{}/metrics", app.base))
            .header(header, "203.0.113.9")
            .send()
            .await
            .expect("scrape");
        assert_eq!(res.status(), 403, "{header}: proxied requests are refused");
    }
    assert_eq!(app.take_statements(), 0, "a refused scrape runs no SQL");
    let remote = "203.0.113.9".parse().expect("ip");
    assert_eq!(
        metrics::allowed(None, remote, &Default::default()),
        Err(axum::http::StatusCode::FORBIDDEN)
    );
}

#[tokio::test]
async fn a_token_is_required_when_configured() {
    let app = TestApp::spawn_with(|c| c.metrics_token = Some(MetricsToken::new(TOKEN).expect("token"))).await;
    let url = format!("{}/metrics", app.base);
    app.take_statements();
    let res = app.client.get(&url).send().await.expect("scrape");
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
    let jwt = app.token(Role::Admin, "metrics-admin", Scope::district());
    for wrong in ["scrape-token-0123456780", "scrape-token-012345678", jwt.as_str()] {
        let res = app
            .client
            .get(&url)
            .bearer_auth(wrong)
            .send()
            .await
            .expect("scrape");
        assert_eq!(res.status(), 401, "{wrong}");
    }
    assert_eq!(app.take_statements(), 0, "a refused scrape runs no SQL");
    let res = app
        .client
        .get(&url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("scrape");
    assert_eq!(res.status(), 200);
    let m = parse(&res.text().await.expect("body"));
    assert!(m.contains_key("fengqiao_outbox_backlog"));
    // From another address too (the check itself; the test server listens on loopback only).
    let mut h = axum::http::HeaderMap::new();
    h.insert(
        "authorization",
        format!("Bearer {TOKEN}").parse().expect("header"),
    );
    let t = MetricsToken::new(TOKEN).expect("token");
    assert_eq!(
        metrics::allowed(Some(&t), "198.51.100.7".parse().expect("ip"), &h),
        Ok(())
    );
    assert!(MetricsToken::new("too-short").is_err());
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open_ws(app: &TestApp, token: &str) -> Ws {
    let url = format!("{}/graphql/ws", app.base.replacen("http://", "ws://", 1));
    let mut req = url.into_client_request().expect("ws request");
    req.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.expect("upgrade");
    let init =
        json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    ws.send(Message::Text(init.to_string().into()))
        .await
        .expect("init");
    loop {
        let m = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("ack in time")
            .expect("open")
            .expect("message");
        if let Message::Text(t) = m {
            let v: Value = serde_json::from_str(t.as_str()).expect("json");
            if v["type"] == "connection_ack" {
                return ws;
            }
        }
    }
}

async fn active_becomes(app: &TestApp, want: f64) -> HashMap<String, f64> {
    let until = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let m = scrape(app).await;
        if m["fengqiao_graphql_subscriptions_active"] == want {
            return m;
        }
        assert!(
            tokio::time::Instant::now() < until,
            "subscriptions_active stayed {} (want {want})",
            m["fengqiao_graphql_subscriptions_active"]
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn running_subscriptions_are_counted() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Commander, "metrics-subscriber", Scope::district());
    let subscribe = |id: &str| {
        json!({ "id": id, "type": "subscribe", "payload": { "query": "subscription Live { caseEvents { id } }" } })
            .to_string()
    };
    let mut ws = open_ws(&app, &token).await;
    ws.send(Message::Text(subscribe("1").into()))
        .await
        .expect("subscribe");
    ws.send(Message::Text(subscribe("2").into()))
        .await
        .expect("subscribe");
    active_becomes(&app, 2.0).await;
    let stop = json!({ "id": "1", "type": "complete" }).to_string();
    ws.send(Message::Text(stop.into())).await.expect("complete");
    active_becomes(&app, 1.0).await;
    // A second connection adds to the same gauge; closing sockets ends their subscriptions.
    let mut other = open_ws(&app, &token).await;
    other
        .send(Message::Text(subscribe("9").into()))
        .await
        .expect("subscribe");
    active_becomes(&app, 2.0).await;
    drop(other);
    ws.close(None).await.expect("close");
    let m = active_becomes(&app, 0.0).await;
    assert_eq!(m["fengqiao_graphql_subscriptions_started_total"], 3.0);
    assert_eq!(req(&m, "Live", "ok"), 0.0, "subscriptions are not request counts");
}
