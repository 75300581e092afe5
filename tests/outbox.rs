//! Outbound events through the transactional outbox, to real receiving HTTP servers on
//! 127.0.0.1: signed, in order per case, once each for an idempotent receiver, retried with
//! backoff, dead-lettered and redelivered — and surviving a restart of the service between the
//! change and the delivery.

use std::{
    collections::HashSet,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use axum::{body::Bytes, extract::State, http::HeaderMap, http::StatusCode, routing::post, Router};
use fengqiao_api::auth::Role;
use serde_json::{json, Value};

use crate::{
    fixtures::{persona, world, Side},
    harness::{data, error_code, TestApp},
    platforms::{configure, sign},
};

/// One request as the receiver saw it.
#[derive(Clone, Debug)]
pub struct Received {
    pub event_id: String,
    pub timestamp: i64,
    pub signature: String,
    pub body: Vec<u8>,
}

/// A platform's receiving endpoint. It answers 503 while `failing` is set or while
/// `fail_next` is above zero; otherwise 200.
#[derive(Default)]
pub struct Receiver {
    pub all: Mutex<Vec<Received>>,
    pub failing: AtomicBool,
    pub fail_next: AtomicUsize,
}

impl Receiver {
    /// Starts a receiver on 127.0.0.1 (on `port`, or any free one); returns it and its URL.
    pub async fn start(port: u16) -> (Arc<Receiver>, String, tokio::task::JoinHandle<()>) {
        let r = Arc::new(Receiver::default());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind receiver");
        let url = format!("http://{}/events", listener.local_addr().expect("addr"));
        let app = Router::new()
            .route("/events", post(receive))
            .with_state(r.clone());
        let h = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (r, url, h)
    }

    /// Requests that were answered 200, deduplicated by event id as an idempotent receiver does.
    pub fn accepted(&self) -> Vec<Received> {
        let all = self.all.lock().map(|v| v.clone()).unwrap_or_default();
        let mut seen = HashSet::new();
        all.into_iter()
            .filter(|r| seen.insert(r.event_id.clone()))
            .collect()
    }

    /// Waits until `n` distinct events were accepted (or panics after `secs`).
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let got = self.accepted();
            if got.len() >= n {
                return got
                    .iter()
                    .map(|r| serde_json::from_slice(&r.body).expect("json event"))
                    .collect();
            }
            assert!(
                start.elapsed() < Duration::from_secs(secs),
                "only {} of {n} events arrived in {secs} s",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn receive(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let failing = r.failing.load(Ordering::SeqCst)
        || r.fail_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
    if failing {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    if let Ok(mut all) = r.all.lock() {
        all.push(Received {
            event_id: h("x-fengqiao-event-id"),
            timestamp: h("x-fengqiao-timestamp").parse().unwrap_or(0),
            signature: h("x-fengqiao-signature"),
            body: body.to_vec(),
        });
    }
    StatusCode::OK
}

/// Every accepted request carries a valid signature under `secret`.
pub fn assert_signed(r: &Receiver, secret: &str) {
    for x in r.all.lock().map(|v| v.clone()).unwrap_or_default() {
        assert_eq!(
            x.signature,
            format!("sha256={}", sign(secret, x.timestamp, &x.body)),
            "event {} is signed",
            x.event_id
        );
        assert!((chrono::Utc::now().timestamp() - x.timestamp).abs() < 120);
    }
}

async fn step(app: &TestApp, token: &str, mutation: &str, input_type: &str, input: Value) -> Value {
    let q = format!(
        "mutation($i: {input_type}!) {{ r: {mutation}(input: $i) {{ case {{ id version status }} }} }}"
    );
    let body = app.gql(Some(token), &q, json!({ "i": input })).await;
    data(&body)["r"]["case"].clone()
}

fn token(app: &TestApp, role: Role, s: &Side) -> String {
    let (sub, scope) = persona(role, s);
    app.token(role, &sub, scope)
}

/// Takes side A's case (sent by platform A-110) round the loop to closed.
async fn round_the_loop(app: &TestApp, s: &Side) {
    let cmd = token(app, Role::Commander, s);
    let c = json!({ "caseId": s.case.to_string(), "version": 1 });
    let c = step(
        app,
        &cmd,
        "assessCase",
        "AssessCaseInput",
        json!({ "step": c, "kind": "DISPUTE", "severity": "ORDINARY", "riskColour": "YELLOW" }),
    )
    .await;
    let v = |c: &Value| json!({ "caseId": c["id"], "version": c["version"] });
    let c = step(app, &cmd, "startHandling", "CaseStepInput", v(&c)).await;
    let c = step(
        app,
        &cmd,
        "resolveCase",
        "CaseStepInput",
        json!({ "caseId": c["id"], "version": c["version"], "note": "双方和解" }),
    )
    .await;
    let c = step(
        app,
        &cmd,
        "feedBackCase",
        "CaseStepInput",
        json!({ "caseId": c["id"], "version": c["version"], "note": "已电话告知报警人处理结果" }),
    )
    .await;
    let c = step(
        app,
        &cmd,
        "closeCase",
        "CaseStepInput",
        json!({ "caseId": c["id"], "version": c["version"], "note": "报警人表示无需回访" }),
    )
    .await;
    assert_eq!(c["status"], "CLOSED", "{c}");
}

#[tokio::test]
async fn events_arrive_signed_in_order_once_each_with_closure_feedback() {
    let app = TestApp::spawn_with(|c| c.integration.deliver = true).await;
    let w = world(&app.db).await;
    let (own, own_url, _h1) = Receiver::start(0).await;
    let (all, all_url, _h2) = Receiver::start(0).await;
    let secret_a = configure(&app, &w.a, Some(&own_url), "OWN_CASES").await;
    let secret_b = configure(&app, &w.b, Some(&all_url), "ALL_CASES").await;
    // The first attempts fail: the worker must retry without reordering.
    own.fail_next.store(3, Ordering::SeqCst);

    round_the_loop(&app, &w.a).await;

    let got = own.wait_for(5, 30).await;
    assert_signed(&own, &secret_a);
    let types: Vec<&str> = got.iter().filter_map(|e| e["eventType"].as_str()).collect();
    assert_eq!(types, ["ASSESSED", "HANDLING", "RESOLVED", "FED_BACK", "CLOSED"]);
    let seqs: Vec<i64> = got.iter().filter_map(|e| e["sequence"].as_i64()).collect();
    assert!(
        seqs.windows(2).all(|p| p[0] < p[1]),
        "in timeline order: {seqs:?}"
    );
    for e in &got {
        assert_eq!(e["case"]["id"], w.a.case.to_string());
        // The platform's own id of the case comes back with every event.
        assert_eq!(e["case"]["externalId"], format!("A-{}", w.a.case));
        let closure = matches!(e["eventType"].as_str(), Some("FED_BACK" | "CLOSED"));
        assert_eq!(e["closureFeedback"], closure, "{e}");
    }
    assert_eq!(got[3]["case"]["externalStatus"], "已反馈");
    assert_eq!(got[3]["case"]["note"], "已电话告知报警人处理结果");
    assert_eq!(got[4]["case"]["externalStatus"], "已办结");
    assert_eq!(got[4]["case"]["status"], "CLOSED");
    assert!(got[4]["case"]["closedAt"].is_string());
    // No personal data leaves with an event.
    let raw =
        String::from_utf8_lossy(&own.all.lock().map(|v| v[0].body.clone()).unwrap_or_default()).into_owned();
    assert!(!raw.contains("reporter") && !raw.contains("phone"), "{raw}");

    // The district platform subscribed to all cases gets the same events under the same ids.
    let every = all.wait_for(5, 30).await;
    assert_signed(&all, &secret_b);
    let ids = |v: &[Value]| v.iter().map(|e| e["eventId"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&every), ids(&got));
    assert!(every
        .iter()
        .all(|e| e["closureFeedback"] == false && e["case"]["externalId"].is_null()));

    // Delivered once each: after a pause nothing new arrives, and the outbox agrees.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(own.all.lock().map(|v| v.len()).unwrap_or(0), 5, "no repeats");
    let t = crate::platforms::admin(&app, &w.a);
    let body = app
        .gql(
            Some(&t),
            "{ outboxEvents(first: 50) { status attempts eventType sequence deliveredAt } }",
            json!({}),
        )
        .await;
    let rows = data(&body)["outboxEvents"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(rows.len(), 10);
    assert!(rows.iter().all(|r| r["status"] == "DELIVERED"), "{rows:?}");
    assert!(
        rows.iter().any(|r| r["attempts"].as_i64() > Some(1)),
        "some were retried"
    );
}

#[tokio::test]
async fn dead_letters_are_listed_and_redelivered() {
    let app = TestApp::spawn_with(|c| {
        c.integration.deliver = true;
        c.integration.max_attempts = 2;
        c.integration.backoff_base = Duration::from_millis(50);
    })
    .await;
    let w = world(&app.db).await;
    let (rx, url, _h) = Receiver::start(0).await;
    let secret = configure(&app, &w.a, Some(&url), "OWN_CASES").await;
    rx.failing.store(true, Ordering::SeqCst);
    let cmd = token(&app, Role::Commander, &w.a);
    step(&app, &cmd, "assessCase", "AssessCaseInput", json!({ "step": { "caseId": w.a.case.to_string(), "version": 1 }, "kind": "DISPUTE", "severity": "ORDINARY", "riskColour": "GREEN" })).await;

    let admin = crate::platforms::admin(&app, &w.a);
    let q = "{ outboxEvents(filter: { status: DEAD }) { id eventId attempts lastError status case { id } platform { code } } }";
    let start = Instant::now();
    let dead = loop {
        let body = app.gql(Some(&admin), q, json!({})).await;
        let rows = data(&body)["outboxEvents"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if let Some(r) = rows.first() {
            break r.clone();
        }
        assert!(start.elapsed() < Duration::from_secs(20), "never dead-lettered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(dead["attempts"], 2);
    assert!(
        dead["lastError"].as_str().unwrap_or_default().contains("503"),
        "{dead}"
    );
    assert_eq!(dead["platform"]["code"], "A-110");
    assert_eq!(dead["case"]["id"], w.a.case.to_string());
    assert!(rx.accepted().is_empty());

    // Only administrators redeliver.
    let redeliver =
        "mutation($i: RedeliverEventInput!) { redeliverEvent(input: $i) { event { status attempts } } }";
    let body = app
        .gql(Some(&cmd), redeliver, json!({ "i": { "id": dead["id"] } }))
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("FORBIDDEN"));
    let body = app.gql(Some(&cmd), q, json!({})).await;
    assert_eq!(error_code(&body).as_deref(), Some("FORBIDDEN"));

    rx.failing.store(false, Ordering::SeqCst);
    let body = app
        .gql(Some(&admin), redeliver, json!({ "i": { "id": dead["id"] } }))
        .await;
    assert_eq!(data(&body)["redeliverEvent"]["event"]["status"], "PENDING");
    let got = rx.wait_for(1, 20).await;
    assert_eq!(got[0]["eventId"], dead["eventId"], "the same event id as before");
    assert_signed(&rx, &secret);
    // Once delivered, a redelivery is refused: the platform has it.
    let start = Instant::now();
    loop {
        let body = app
            .gql(Some(&admin), redeliver, json!({ "i": { "id": dead["id"] } }))
            .await;
        if error_code(&body).as_deref() == Some("CONFLICT") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn gql_at(client: &reqwest::Client, base: &str, token: &str, query: &str, variables: Value) -> Value {
    client
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

/// Kills the service (SIGKILL: no graceful shutdown) after a change whose event could not be
/// delivered yet, starts it again, and the event arrives — once, under the same id.
#[tokio::test]
async fn an_event_survives_a_kill_between_the_change_and_its_delivery() {
    use crate::cli::{fengqiao, free_port, fresh_dir, ready};
    use std::process::Stdio;

    let dir = fresh_dir();
    let port = free_port();
    // The receiver's port is reserved now and served only after the kill.
    let rx_port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let start = |dir: &std::path::Path| {
        fengqiao(dir)
            .env("FENGQIAO_LISTEN", format!("127.0.0.1:{port}"))
            .env("FENGQIAO_OUTBOX_POLL_MS", "100")
            .env("FENGQIAO_OUTBOX_BACKOFF_MS", "200")
            .env("FENGQIAO_OUTBOX_BACKOFF_MAX_SECS", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start fengqiao")
    };
    let token = |role: &str| {
        let out = fengqiao(&dir)
            .args(["token", "--role", role])
            .output()
            .expect("token");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let client = reqwest::Client::new();
    let mut first = start(&dir);
    ready(&client, &base).await;
    let admin = token("admin");

    let body = gql_at(&client, &base, &admin, "{ platforms { id code } }", json!({})).await;
    let hotline = data(&body)["platforms"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["code"] == "DEMO-12345").cloned())
        .expect("the demo 12345 platform");
    let body = gql_at(
        &client,
        &base,
        &admin,
        "mutation($i: UpdatePlatformInput!) { updatePlatform(input: $i) { platform { webhookUrl } } }",
        json!({ "i": { "id": hotline["id"], "webhookUrl": format!("http://127.0.0.1:{rx_port}/events"), "subscription": "ALL_CASES" } }),
    )
    .await;
    data(&body);
    let body = gql_at(
        &client,
        &base,
        &admin,
        "mutation($i: RotatePlatformSecretInput!) { rotatePlatformSecret(input: $i) { secret } }",
        json!({ "i": { "id": hotline["id"] } }),
    )
    .await;
    let secret = data(&body)["rotatePlatformSecret"]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();

    let citizen = token("citizen");
    let body = gql_at(
        &client,
        &base,
        &citizen,
        "mutation($i: ReportCaseInput!) { reportCase(input: $i) { case { id } } }",
        json!({ "i": { "title": "小区路灯不亮", "description": "三号楼前路灯坏了一周" } }),
    )
    .await;
    let case_id = data(&body)["reportCase"]["case"]["id"]
        .as_str()
        .expect("case id")
        .to_owned();
    let q = "query($c: ID!) { outboxEvents(filter: { caseId: $c }) { eventId status attempts } }";
    // Wait for at least one failed attempt, so the kill lands mid-retry.
    let started = Instant::now();
    let event_id = loop {
        let body = gql_at(&client, &base, &admin, q, json!({ "c": case_id })).await;
        let row = data(&body)["outboxEvents"][0].clone();
        assert_eq!(row["status"], "PENDING", "nothing can have been delivered: {row}");
        if row["attempts"].as_i64() >= Some(1) {
            break row["eventId"].as_str().expect("event id").to_owned();
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{row}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    first.kill().expect("kill");
    first.wait().expect("reap");

    let (rx, _url, _h) = Receiver::start(rx_port).await;
    let mut second = start(&dir);
    ready(&client, &base).await;
    let got = rx.wait_for(1, 30).await;
    assert_eq!(got[0]["eventId"], event_id.as_str());
    assert_eq!(got[0]["eventType"], "REPORTED");
    assert_eq!(got[0]["case"]["id"], case_id.as_str());
    assert_signed(&rx, &secret);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ids: Vec<String> = rx
        .all
        .lock()
        .map(|v| v.iter().map(|r| r.event_id.clone()).collect())
        .unwrap_or_default();
    assert_eq!(
        ids.iter().filter(|i| **i == event_id).count(),
        1,
        "delivered once: {ids:?}"
    );
    let body = gql_at(&client, &base, &admin, q, json!({ "c": case_id })).await;
    assert_eq!(data(&body)["outboxEvents"][0]["status"], "DELIVERED");
    second.kill().ok();
    second.wait().ok();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Waits for the first outbox row with a recorded failure, as administrators list it.
async fn first_failure(app: &TestApp, admin: &str) -> Value {
    let q = "{ outboxEvents(first: 5) { attempts lastError status } }";
    let start = Instant::now();
    loop {
        let body = app.gql(Some(admin), q, json!({})).await;
        let rows = data(&body)["outboxEvents"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if let Some(r) = rows.iter().find(|r| r["lastError"].is_string()) {
            return r.clone();
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no attempt in 20 s: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// An administrator cannot point the outbox at cloud metadata, loopback or the private
/// network (SSRF); an operator can allow one host by name; and a URL stored before the
/// policy, or a name that resolves inside, is refused again at delivery.
#[tokio::test]
async fn webhooks_may_not_reach_metadata_loopback_or_private_hosts() {
    use entity::platform;
    use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};

    let app = TestApp::spawn_with(|c| {
        c.integration.deliver = true;
        c.integration.egress.allow_loopback = false;
        c.integration.egress.allow_hosts = vec!["10.20.30.40".into()];
    })
    .await;
    let w = world(&app.db).await;
    let admin = crate::platforms::admin(&app, &w.a);
    let (rx, rx_url, _h) = Receiver::start(0).await;
    let update =
        "mutation($i: UpdatePlatformInput!) { updatePlatform(input: $i) { platform { webhookUrl } } }";
    for (url, range) in [
        ("http://169.254.169.254/latest/meta-data/iam", "cloud metadata"),
        ("http://[fd00:ec2::254]/latest", "unique local"),
        (rx_url.as_str(), "loopback"),
        ("http://localhost:8080/x", "loopback"),
        ("http://0x7f.1/x", "loopback"),
        ("http://[::ffff:10.0.0.1]/x", "private"),
        ("https://192.168.1.20/hook", "private"),
        ("http://100.64.0.1/hook", "carrier-grade NAT"),
    ] {
        let body = app
            .gql(
                Some(&admin),
                update,
                json!({ "i": { "id": w.a.platform.to_string(), "webhookUrl": url } }),
            )
            .await;
        assert_eq!(
            error_code(&body).as_deref(),
            Some("BAD_USER_INPUT"),
            "{url}: {body}"
        );
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(range), "{url}: {message}");
        assert!(message.contains("FENGQIAO_OUTBOUND_ALLOW_HOSTS"), "{message}");
    }
    let body = app
        .gql(
            Some(&admin),
            "mutation($i: RegisterPlatformInput!) { registerPlatform(input: $i) { secret } }",
            json!({ "i": { "code": "META", "name": "x", "kind": "OTHER", "webhookUrl": "http://169.254.169.254/" } }),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("BAD_USER_INPUT"), "{body}");
    // Allowed by name, an internal host is accepted.
    let body = app
        .gql(
            Some(&admin),
            update,
            json!({ "i": { "id": w.a.platform.to_string(), "webhookUrl": "http://10.20.30.40/fq" } }),
        )
        .await;
    assert_eq!(
        data(&body)["updatePlatform"]["platform"]["webhookUrl"],
        "http://10.20.30.40/fq"
    );

    // A loopback URL stored before the policy existed: the worker refuses to post to it.
    configure(&app, &w.a, None, "OWN_CASES").await;
    platform::Entity::update_many()
        .col_expr(platform::Column::WebhookUrl, Expr::value(Some(rx_url.clone())))
        .filter(platform::Column::Id.eq(w.a.platform))
        .exec(&app.db)
        .await
        .expect("store an old URL");
    let cmd = token(&app, Role::Commander, &w.a);
    step(&app, &cmd, "assessCase", "AssessCaseInput", json!({ "step": { "caseId": w.a.case.to_string(), "version": 1 }, "kind": "DISPUTE", "severity": "ORDINARY", "riskColour": "GREEN" })).await;
    let row = first_failure(&app, &admin).await;
    assert!(
        row["lastError"].as_str().unwrap_or_default().contains("loopback"),
        "{row}"
    );
    assert_eq!(row["status"], "PENDING", "kept for an operator to fix, not lost");
    assert!(
        rx.all.lock().map(|v| v.is_empty()).unwrap_or(false),
        "nothing was posted"
    );

    // A name (not an address) that resolves inside is refused after DNS, at connect time:
    // this machine's own host name resolves to a loopback or private address.
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let host = host.trim();
    let inside: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host, 0))
        .await
        .map(|a| a.collect())
        .unwrap_or_default();
    if inside.is_empty()
        || inside
            .iter()
            .any(|a| fengqiao_api::service::egress::forbidden_range(a.ip()).is_none())
    {
        eprintln!("skipped the DNS half: {host:?} resolves to {inside:?}, not only inside ranges");
        return;
    }
    let port = rx_url.rsplit(':').next().unwrap_or_default();
    let by_name = format!("http://{host}:{port}");
    let body = app
        .gql(
            Some(&admin),
            update,
            json!({ "i": { "id": w.a.platform.to_string(), "webhookUrl": by_name } }),
        )
        .await;
    assert_eq!(
        data(&body)["updatePlatform"]["platform"]["webhookUrl"],
        by_name,
        "a name passes as written"
    );
    let start = Instant::now();
    loop {
        let row = first_failure(&app, &admin).await;
        let err = row["lastError"].as_str().unwrap_or_default();
        if err.contains(host) {
            assert!(err.contains("webhooks may not go there"), "{err}");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{row}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        rx.all.lock().map(|v| v.is_empty()).unwrap_or(false),
        "nothing was posted"
    );
}
