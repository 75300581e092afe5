//! Integrated platforms: administration, the signed inbound webhook and its GraphQL twin,
//! idempotent upserts with versions, per-record errors, record sources and likely duplicates.

use chrono::Utc;
use fengqiao_api::auth::{Role, Scope};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::{
    fixtures::{credit_code, persona, resident_id, world, Side},
    harness::{data, error_code, error_field, TestApp},
};

/// Hex HMAC-SHA256 of `{ts}.{body}`: the signature a platform computes (written here from the
/// README's description, not with the service's own function).
pub fn sign(secret: &str, ts: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac key");
    mac.update(format!("{ts}.").as_bytes());
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Posts a webhook body with the given timestamp and signature headers (either may be absent).
pub async fn post_webhook(
    app: &TestApp,
    code: &str,
    body: &[u8],
    ts: Option<i64>,
    signature: Option<String>,
) -> (u16, Value) {
    let mut req = app
        .client
        .post(format!("{}/webhooks/{code}", app.base))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(t) = ts {
        req = req.header("x-fengqiao-timestamp", t.to_string());
    }
    if let Some(s) = signature {
        req = req.header("x-fengqiao-signature", format!("sha256={s}"));
    }
    let res = req.send().await.expect("webhook request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Signs `batch` now and posts it.
pub async fn send(app: &TestApp, code: &str, secret: &str, batch: &Value) -> (u16, Value) {
    let body = serde_json::to_vec(batch).expect("json");
    let ts = Utc::now().timestamp();
    post_webhook(app, code, &body, Some(ts), Some(sign(secret, ts, &body))).await
}

/// A district-wide administrator (platforms are the district's, not one grid's).
pub fn admin(app: &TestApp, s: &Side) -> String {
    let (sub, _) = persona(Role::Admin, s);
    app.token(Role::Admin, &sub, Scope::district())
}

/// Sets what the platform `id` may write (as a district-wide administrator).
pub async fn grant(app: &TestApp, id: uuid::Uuid, authority: Value) {
    let admin = app.token(Role::Admin, "admin-grants", Scope::district());
    let body = app
        .gql(
            Some(&admin),
            "mutation($i: UpdatePlatformInput!) { updatePlatform(input: $i) { platform { authority { enterprises volunteers } } } }",
            json!({ "i": { "id": id.to_string(), "authority": authority } }),
        )
        .await;
    data(&body);
}

/// Gives the side's platform a webhook URL, subscription and status map; returns its new secret.
pub async fn configure(app: &TestApp, s: &Side, webhook: Option<&str>, subscription: &str) -> String {
    let t = admin(app, s);
    let body = app
        .gql(
            Some(&t),
            "mutation($i: UpdatePlatformInput!) { updatePlatform(input: $i) { platform { id webhookUrl subscription statusMap { external status } } } }",
            json!({ "i": {
                "id": s.platform.to_string(),
                "webhookUrl": webhook,
                "subscription": subscription,
                "statusMap": [
                    { "external": "已受理", "status": "REPORTED" },
                    { "external": "处置中", "status": "IN_HANDLING" },
                    { "external": "已反馈", "status": "FED_BACK" },
                    { "external": "已办结", "status": "CLOSED" }
                ]
            } }),
        )
        .await;
    let p = &data(&body)["updatePlatform"]["platform"];
    assert_eq!(p["subscription"], subscription);
    assert_eq!(p["statusMap"].as_array().map(Vec::len), Some(4));
    let body = app
        .gql(
            Some(&t),
            "mutation($i: RotatePlatformSecretInput!) { rotatePlatformSecret(input: $i) { secret platform { secretHint } } }",
            json!({ "i": { "id": s.platform.to_string() } }),
        )
        .await;
    let r = &data(&body)["rotatePlatformSecret"];
    let secret = r["secret"].as_str().expect("secret").to_owned();
    assert_eq!(secret.len(), 64);
    assert!(r["platform"]["secretHint"]
        .as_str()
        .is_some_and(|h| secret.ends_with(h.trim_start_matches('…'))));
    secret
}

/// Side A's platform sends an enterprise, a volunteer, a good case and three bad ones.
fn batch(version: i64, title: &str) -> Value {
    json!({
        "enterprises": [{
            "externalId": "ENT-1", "version": version, "creditCode": credit_code("91330100MA2H00099"),
            "name": "杭州某某科技有限公司", "industry": "软件", "gridCode": "A-C"
        }],
        "volunteers": [{
            "externalId": "VOL-1", "version": version, "name": "李志愿", "phone": "13900001111",
            "residentId": resident_id("33010219900101123"), "teamNames": ["义警队A"], "skills": ["PATROL"]
        }],
        "cases": [
            {
                "externalId": "110-0001", "version": version, "status": "已受理", "kind": "DISPUTE",
                "title": title, "description": "楼上楼下噪音纠纷，双方争吵", "gridCode": "A-C",
                "occurredAt": "2026-11-20T08:00:00Z", "reporterName": "张某", "reporterPhone": "13800002222"
            },
            { "externalId": "110-0002", "version": version, "title": "", "description": "空标题" },
            { "externalId": "110-0003", "version": version, "status": "未知状态", "title": "状态不在映射中", "description": "x" },
            { "externalId": "110-0004", "version": version, "title": "未知字段", "description": "x", "colour": "RED" }
        ]
    })
}

async fn counts(app: &TestApp) -> Vec<i64> {
    let mut v = Vec::new();
    for t in [
        "cases",
        "case_timeline_entries",
        "enterprises",
        "volunteers",
        "external_refs",
        "outbox_events",
        "duplicate_links",
    ] {
        v.push(app.count(t).await);
    }
    v
}

fn result<'a>(report: &'a Value, entity: &str, index: usize) -> &'a Value {
    report["results"]
        .as_array()
        .and_then(|r| r.iter().find(|x| x["entity"] == entity && x["index"] == index))
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn signed_batches_land_once_bad_records_alone_and_forgeries_not_at_all() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let secret = configure(&app, &w.a, None, "OWN_CASES").await;
    // This platform keeps the enterprise and volunteer registers too.
    grant(
        &app,
        w.a.platform,
        json!({ "enterprises": "CREATE_AND_UPDATE", "volunteers": "CREATE_AND_UPDATE" }),
    )
    .await;
    let pc = "A-110";

    let before = counts(&app).await;
    let b = batch(1, "噪音纠纷");
    let body = serde_json::to_vec(&b).expect("json");
    let ts = Utc::now().timestamp();
    let sig = sign(&secret, ts, &body);
    let (status, report) = post_webhook(&app, pc, &body, Some(ts), Some(sig.clone())).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (
            report["created"].as_i64(),
            report["failed"].as_i64(),
            report["unchanged"].as_i64()
        ),
        (Some(3), Some(3), Some(0)),
        "{report}"
    );
    assert_eq!(result(&report, "ENTERPRISE", 0)["outcome"], "CREATED", "{report}");
    assert_eq!(result(&report, "VOLUNTEER", 0)["outcome"], "CREATED");
    let created = result(&report, "CASE", 0);
    assert_eq!(created["outcome"], "CREATED");
    let bad = result(&report, "CASE", 1);
    assert_eq!(
        (
            bad["outcome"].as_str(),
            bad["error"]["code"].as_str(),
            bad["error"]["field"].as_str()
        ),
        (Some("FAILED"), Some("BAD_USER_INPUT"), Some("cases[1].title"))
    );
    let unmapped = result(&report, "CASE", 2);
    assert_eq!(unmapped["error"]["field"], "cases[2].status");
    let unknown = result(&report, "CASE", 3);
    assert_eq!(unknown["error"]["field"], "cases[3]");
    assert!(
        unknown["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("colour"),
        "{unknown}"
    );
    let after_first = counts(&app).await;
    assert_eq!(after_first[0], before[0] + 1, "one case landed");
    assert_eq!(after_first[2], before[2] + 1, "one enterprise landed");
    assert_eq!(after_first[3], before[3] + 1, "one volunteer landed");

    // The same request again is a replay: refused, nothing written.
    let (status, body2) = post_webhook(&app, pc, &body, Some(ts), Some(sig)).await;
    assert_eq!(status, 409, "{body2}");
    assert_eq!(error_code(&body2).as_deref(), Some("CONFLICT"));
    assert_eq!(counts(&app).await, after_first);

    // The same batch sent again, signed anew (a second later, so not byte-identical): accepted,
    // and it changes nothing.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, again) = send(&app, pc, &secret, &b).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            again["created"].as_i64(),
            again["updated"].as_i64(),
            again["unchanged"].as_i64()
        ),
        (Some(0), Some(0), Some(3)),
        "{again}"
    );
    assert_eq!(counts(&app).await, after_first);

    // Forgeries: unsigned, stale, future, wrong signature, wrong secret, unknown platform.
    let now = Utc::now().timestamp();
    let forged: Vec<(Option<i64>, Option<String>, &str, u16)> = vec![
        (None, None, pc, 401),
        (Some(now), None, pc, 401),
        (None, Some(sign(&secret, now, &body)), pc, 401),
        (Some(now - 600), Some(sign(&secret, now - 600, &body)), pc, 401),
        (Some(now + 600), Some(sign(&secret, now + 600, &body)), pc, 401),
        (Some(now), Some(sign(&secret, now - 1, &body)), pc, 401),
        (Some(now), Some(sign("not-the-secret", now, &body)), pc, 401),
        (Some(now), Some("zz".into()), pc, 401),
        (Some(now), Some(sign(&secret, now, &body)), "NO-SUCH", 404),
    ];
    for (i, (ts, sig, code, want)) in forged.into_iter().enumerate() {
        let (status, body) = post_webhook(&app, code, &body, ts, sig).await;
        assert_eq!(status, want, "forgery {i}: {body}");
        assert!(error_code(&body).is_some(), "forgery {i} names its code: {body}");
    }
    // A tampered body under a valid signature.
    let ts = Utc::now().timestamp();
    let sig = sign(&secret, ts, &body);
    let mut tampered = body.clone();
    tampered.extend_from_slice(b" ");
    let (status, _) = post_webhook(&app, pc, &tampered, Some(ts), Some(sig)).await;
    assert_eq!(status, 401);
    assert_eq!(counts(&app).await, after_first, "no forgery wrote anything");

    // A newer version updates; an older one is stale and writes nothing.
    let (status, v2) = send(&app, pc, &secret, &batch(2, "噪音纠纷（已核实）")).await;
    assert_eq!(status, 200);
    assert_eq!(result(&v2, "CASE", 0)["outcome"], "UPDATED", "{v2}");
    assert_eq!(result(&v2, "ENTERPRISE", 0)["outcome"], "UNCHANGED");
    let after_v2 = counts(&app).await;
    assert_eq!(after_v2[0], after_first[0], "an update creates no case");
    assert_eq!(after_v2[1], after_first[1] + 1, "the update is on the timeline");
    let (_, v1) = send(&app, pc, &secret, &batch(1, "旧标题")).await;
    assert_eq!(result(&v1, "CASE", 0)["outcome"], "STALE", "{v1}");
    assert_eq!(counts(&app).await, after_v2);

    // The case shows its source and the newer title; the commander of side A sees it.
    let case_id = created["id"].as_str().expect("id").to_owned();
    let (sub, scope) = persona(Role::Commander, &w.a);
    let t = app.token(Role::Commander, &sub, scope);
    let body = app
        .gql(
            Some(&t),
            "query($id: ID!) { case(id: $id) { title source version timeline { kind } sources { platformCode externalId externalVersion externalStatus lastSyncedAt } } }",
            json!({ "id": case_id }),
        )
        .await;
    let c = &data(&body)["case"];
    assert_eq!(c["title"], "噪音纠纷（已核实）");
    assert_eq!(c["source"], "CALL_110");
    assert_eq!(c["version"], 2);
    assert_eq!(c["timeline"][1]["kind"], "SYNCED");
    assert_eq!(
        c["sources"],
        json!([{ "platformCode": "A-110", "externalId": "110-0001", "externalVersion": 2, "externalStatus": "已受理", "lastSyncedAt": c["sources"][0]["lastSyncedAt"] }])
    );
}

#[tokio::test]
async fn the_graphql_twin_takes_a_platform_account_and_natural_keys_join_sources() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let q = "mutation($i: SyncRecordsInput!) { syncRecords(input: $i) { created updated unchanged failed results { entity index outcome id error { code field message } } } }";
    let ent = |ext: &str| json!({ "enterprises": [{ "externalId": ext, "version": 1, "creditCode": credit_code("91330100MA2H00077"), "name": "共享企业", "aboveDesignatedSize": true }] });
    for role in [Role::Citizen, Role::Commander, Role::Admin, Role::GridWorker] {
        let (sub, scope) = persona(role, &w.a);
        let body = app
            .gql(Some(&app.token(role, &sub, scope)), q, json!({ "i": ent("X") }))
            .await;
        assert_eq!(error_code(&body).as_deref(), Some("FORBIDDEN"), "{role:?}");
    }
    let body = app.gql(None, q, json!({ "i": ent("X") })).await;
    assert_eq!(error_code(&body).as_deref(), Some("UNAUTHENTICATED"));
    assert_eq!(
        app.count("external_refs").await,
        6,
        "nothing synced by the refused calls"
    );

    let token_of = |s: &Side| {
        let (sub, scope) = persona(Role::Platform, s);
        app.token(Role::Platform, &sub, scope)
    };
    // Both platforms keep the enterprise register (a new platform may write cases only).
    for p in [w.a.platform, w.b.platform] {
        grant(
            &app,
            p,
            json!({ "enterprises": "CREATE_AND_UPDATE", "volunteers": "CREATE_AND_UPDATE" }),
        )
        .await;
    }
    let body = app
        .gql(Some(&token_of(&w.a)), q, json!({ "i": ent("A-ENT") }))
        .await;
    let r = &data(&body)["syncRecords"];
    assert_eq!(r["created"], 1, "{r}");
    let id = r["results"][0]["id"].as_str().expect("id").to_owned();
    // Platform B sends the same enterprise under its own id: one record, two sources.
    let body = app
        .gql(Some(&token_of(&w.b)), q, json!({ "i": ent("B-ENT") }))
        .await;
    let r = &data(&body)["syncRecords"];
    assert_eq!(r["unchanged"], 1, "{r}");
    assert_eq!(r["results"][0]["id"], id.as_str());
    let t = app.token(Role::Admin, "admin-all", Scope::district());
    let body = app
        .gql(
            Some(&t),
            "query($id: ID!) { enterprise(id: $id) { name aboveDesignatedSize sources { platformCode externalId } } }",
            json!({ "id": id }),
        )
        .await;
    let e = &data(&body)["enterprise"];
    assert_eq!(e["aboveDesignatedSize"], true);
    assert_eq!(
        e["sources"],
        json!([{ "platformCode": "A-110", "externalId": "A-ENT" }, { "platformCode": "B-110", "externalId": "B-ENT" }])
    );

    // Validation errors name the record.
    let body = app
        .gql(
            Some(&token_of(&w.a)),
            q,
            json!({ "i": { "volunteers": [{ "externalId": "V", "version": 1, "name": "某", "phone": "123", "residentId": "1" }] } }),
        )
        .await;
    let r = &data(&body)["syncRecords"];
    assert_eq!(r["failed"], 1);
    assert_eq!(r["results"][0]["error"]["code"], "BAD_USER_INPUT");
    assert!(
        r["results"][0]["error"]["field"]
            .as_str()
            .is_some_and(|f| f.starts_with("volunteers[0].")),
        "{r}"
    );
    // An empty batch and an oversized one are refused as a whole.
    let body = app.gql(Some(&token_of(&w.a)), q, json!({ "i": {} })).await;
    assert_eq!(error_code(&body).as_deref(), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn likely_duplicates_are_linked_for_a_person_never_merged() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let sa = configure(&app, &w.a, None, "OWN_CASES").await;
    let sb = configure(&app, &w.b, None, "OWN_CASES").await;
    let case = |ext: &str, lat: f64, minute: u32| {
        json!({ "cases": [{
            "externalId": ext, "version": 1, "kind": "POLICE_INCIDENT", "title": "打架斗殴",
            "description": "两人在路口打架", "latitude": lat, "longitude": 120.1551,
            "occurredAt": format!("2026-11-22T10:{minute:02}:00Z"), "gridCode": "A-C"
        }] })
    };
    let (_, first) = send(&app, "A-110", &sa, &case("110-A", 30.2741, 0)).await;
    let first_id = result(&first, "CASE", 0)["id"].as_str().expect("id").to_owned();
    // 110 m away, 20 minutes later, through another platform: linked.
    let (_, second) = send(&app, "B-110", &sb, &case("110-B", 30.2751, 20)).await;
    let second = result(&second, "CASE", 0).clone();
    assert_eq!(second["outcome"], "CREATED");
    assert_eq!(second["duplicateOf"], json!([first_id]));
    // 3 km away: not linked.
    let (_, far) = send(&app, "B-110", &sb, &case("110-C", 30.3041, 25)).await;
    assert_eq!(result(&far, "CASE", 0)["duplicateOf"], json!([]));
    assert_eq!(app.count("duplicate_links").await, 1);

    let (sub, scope) = persona(Role::Commander, &w.a);
    let ca = app.token(Role::Commander, &sub, scope);
    let body = app
        .gql(
            Some(&ca),
            "{ pendingDuplicates { id reason status case { id } otherCase { id } } }",
            json!({}),
        )
        .await;
    let links = data(&body)["pendingDuplicates"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(links.len(), 1, "{body}");
    assert_eq!(links[0]["otherCase"]["id"], first_id.as_str());
    assert!(links[0]["reason"].as_str().unwrap_or_default().contains(" m "));
    let link = links[0]["id"].as_str().expect("link id").to_owned();

    // Outside the scope the link does not exist.
    let (sub, scope) = persona(Role::Commander, &w.b);
    let cb = app.token(Role::Commander, &sub, scope);
    let decide =
        "mutation($i: DecideDuplicateInput!) { decideDuplicate(input: $i) { link { status decidedBy } } }";
    let body = app
        .gql(
            Some(&cb),
            decide,
            json!({ "i": { "id": link, "sameEvent": true } }),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"));
    let (sub, scope) = persona(Role::GridWorker, &w.a);
    let body = app
        .gql(
            Some(&app.token(Role::GridWorker, &sub, scope)),
            decide,
            json!({ "i": { "id": link, "sameEvent": true } }),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("FORBIDDEN"));

    let body = app
        .gql(
            Some(&ca),
            decide,
            json!({ "i": { "id": link, "sameEvent": true } }),
        )
        .await;
    assert_eq!(data(&body)["decideDuplicate"]["link"]["status"], "CONFIRMED");
    let body = app
        .gql(
            Some(&ca),
            decide,
            json!({ "i": { "id": link, "sameEvent": false } }),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("CONFLICT"));
    // Both cases stay; the link shows on each.
    let body = app
        .gql(
            Some(&ca),
            "query($id: ID!) { case(id: $id) { duplicateLinks { status case { id } otherCase { id } } } }",
            json!({ "id": first_id }),
        )
        .await;
    assert_eq!(data(&body)["case"]["duplicateLinks"][0]["status"], "CONFIRMED");
    assert_eq!(app.count("cases").await, 5);
}

#[tokio::test]
async fn administrators_register_platforms_and_the_secret_is_shown_once() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let t = admin(&app, &w.a);
    let reg = "mutation($i: RegisterPlatformInput!) { registerPlatform(input: $i) { secret platform { id code kind enabled subscription webhookUrl secretHint } } }";
    let input = json!({ "code": "HZ-12345", "name": "12345热线", "kind": "HOTLINE_12345", "webhookUrl": "https://12345.example.gov.cn/fq/events", "subscription": "FEEDBACK" });
    let body = app.gql(Some(&t), reg, json!({ "i": input })).await;
    let r = &data(&body)["registerPlatform"];
    let secret = r["secret"].as_str().expect("secret");
    assert_eq!(secret.len(), 64);
    assert_eq!(r["platform"]["subscription"], "FEEDBACK");
    assert!(!r["platform"]["secretHint"]
        .as_str()
        .unwrap_or_default()
        .contains(secret));

    let body = app.gql(Some(&t), reg, json!({ "i": input })).await;
    assert_eq!(error_code(&body).as_deref(), Some("CONFLICT"));
    for (field, value) in [
        ("webhookUrl", json!("ftp://x.example/")),
        ("webhookUrl", json!("https://user:pw@x.example/")),
        ("code", json!("有空格 的代码")),
        ("name", json!("")),
    ] {
        let mut i = input.clone();
        i["code"] = json!("HZ-OTHER");
        i[field] = value;
        let body = app.gql(Some(&t), reg, json!({ "i": i })).await;
        assert_eq!(error_code(&body).as_deref(), Some("BAD_USER_INPUT"), "{field}");
        assert_eq!(
            error_field(&body).as_deref(),
            Some(format!("input.{field}").as_str())
        );
    }
    let body = app
        .gql(
            Some(&t),
            reg,
            json!({ "i": { "code": "HZ-DUP", "name": "x", "kind": "OTHER", "statusMap": [
                { "external": "办结", "status": "CLOSED" }, { "external": "办结", "status": "RESOLVED" }
            ] } }),
        )
        .await;
    assert_eq!(error_field(&body).as_deref(), Some("input.statusMap[1].external"));

    let (sub, scope) = persona(Role::Commander, &w.a);
    let body = app
        .gql(
            Some(&app.token(Role::Commander, &sub, scope)),
            reg,
            json!({ "i": input }),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("FORBIDDEN"));

    // A platform's account sees itself only; a grid worker sees none; secrets never appear.
    let (sub, scope) = persona(Role::Platform, &w.a);
    let body = app
        .gql(
            Some(&app.token(Role::Platform, &sub, scope)),
            "{ platforms { code } }",
            json!({}),
        )
        .await;
    assert_eq!(data(&body)["platforms"], json!([{ "code": "A-110" }]));
    let (sub, scope) = persona(Role::GridWorker, &w.a);
    let body = app
        .gql(
            Some(&app.token(Role::GridWorker, &sub, scope)),
            "{ platforms { code } }",
            json!({}),
        )
        .await;
    assert_eq!(data(&body)["platforms"], json!([]));
    let body = app
        .gql(Some(&t), "{ platforms { code secretHint } }", json!({}))
        .await;
    assert_eq!(data(&body)["platforms"].as_array().map(Vec::len), Some(3));
    assert!(!body.to_string().contains(secret));

    // A disabled platform's webhook is refused.
    let id = r["platform"]["id"].as_str().expect("id");
    let body = app
        .gql(
            Some(&t),
            "mutation($i: UpdatePlatformInput!) { updatePlatform(input: $i) { platform { enabled } } }",
            json!({ "i": { "id": id, "enabled": false } }),
        )
        .await;
    assert_eq!(data(&body)["updatePlatform"]["platform"]["enabled"], false);
    let (status, body) = send(&app, "HZ-12345", secret, &json!({ "cases": [] })).await;
    assert_eq!(status, 403, "{body}");
}

/// Two deliveries carrying the same record at the same moment (a platform retrying on its
/// own timeout, or two of its workers): one creates it, the other finds it `UNCHANGED` —
/// never `FAILED` or `CONFLICT` — on both backends, and exactly one case exists per record.
#[tokio::test]
async fn concurrent_deliveries_of_one_record_answer_created_and_unchanged() {
    let app = TestApp::spawn_with(|c| c.db_max_connections = 12).await;
    let w = world(&app.db).await;
    let secret = configure(&app, &w.a, None, "OWN_CASES").await;
    let before = app.count("cases").await;
    let pairs = 30;
    let mut outcomes: std::collections::BTreeMap<String, usize> = Default::default();
    for i in 0..pairs {
        let b = json!({ "cases": [{
            "externalId": format!("110-PAIR-{i}"), "version": 1, "status": "已受理",
            "title": "占道经营", "description": "人行道被摊位占用", "gridCode": "A-C"
        }] });
        let body = serde_json::to_vec(&b).expect("json");
        // Two separately signed deliveries of one record.
        let (t1, t2) = (Utc::now().timestamp(), Utc::now().timestamp() - 1);
        let (s1, s2) = (sign(&secret, t1, &body), sign(&secret, t2, &body));
        let (a, b) = tokio::join!(
            post_webhook(&app, "A-110", &body, Some(t1), Some(s1)),
            post_webhook(&app, "A-110", &body, Some(t2), Some(s2)),
        );
        for (status, report) in [a, b] {
            assert_eq!(status, 200, "{report}");
            let outcome = result(&report, "CASE", 0)["outcome"]
                .as_str()
                .unwrap_or("?")
                .to_owned();
            *outcomes.entry(outcome).or_default() += 1;
        }
    }
    eprintln!("{pairs} concurrent pairs of one record: {outcomes:?}");
    assert_eq!(outcomes.get("CREATED"), Some(&pairs), "{outcomes:?}");
    assert_eq!(outcomes.get("UNCHANGED"), Some(&pairs), "{outcomes:?}");
    assert_eq!(app.count("cases").await, before + pairs as i64);
}

/// The replay guard is stored with the batch: a signed delivery that did not land (the
/// database did not answer) may be sent again exactly as it was, and lands then; once it
/// has landed, the same delivery is a replay.
#[tokio::test]
async fn a_delivery_that_did_not_land_may_be_sent_again_one_that_landed_may_not() {
    let app = TestApp::spawn_with(|c| {
        c.db.sqlite_busy_timeout = std::time::Duration::from_millis(300);
        c.db.statement_timeout = std::time::Duration::from_millis(300);
    })
    .await;
    let w = world(&app.db).await;
    let secret = configure(&app, &w.a, None, "OWN_CASES").await;
    let body = serde_json::to_vec(&json!({ "cases": [{
        "externalId": "110-RETRY-1", "version": 1, "title": "噪音扰民", "description": "深夜噪音", "gridCode": "A-C"
    }] }))
    .expect("json");
    let ts = Utc::now().timestamp();
    let sig = sign(&secret, ts, &body);
    let before = app.count("cases").await;
    {
        // Hold the write lock (SQLite) or the receipts table (PostgreSQL) past the timeouts.
        use sea_orm::ConnectionTrait;
        let lock = fengqiao_api::db::begin_write(&app.db).await.expect("begin");
        if app.db.get_database_backend() == sea_orm::DbBackend::Postgres {
            lock.execute_unprepared("LOCK TABLE webhook_receipts IN EXCLUSIVE MODE")
                .await
                .expect("lock");
        }
        let (status, answer) = post_webhook(&app, "A-110", &body, Some(ts), Some(sig.clone())).await;
        assert_eq!(status, 503, "{answer}");
        assert_eq!(error_code(&answer).as_deref(), Some("UNAVAILABLE"), "{answer}");
        lock.rollback().await.expect("release");
    }
    assert_eq!(app.count("cases").await, before);
    assert_eq!(
        app.count("webhook_receipts").await,
        0,
        "no receipt without the batch"
    );
    let (status, report) = post_webhook(&app, "A-110", &body, Some(ts), Some(sig.clone())).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(result(&report, "CASE", 0)["outcome"], "CREATED", "{report}");
    let (status, answer) = post_webhook(&app, "A-110", &body, Some(ts), Some(sig)).await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(app.count("cases").await, before + 1);
}

/// Hex HMAC-SM3 of `{ts}.{body}`, with RustCrypto's `sm3` crate (not the service's function).
fn sign_sm3(secret: &str, ts: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<sm3::Sm3>::new_from_slice(secret.as_bytes()).expect("hmac key");
    mac.update(format!("{ts}.").as_bytes());
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// A platform held to the national algorithms signs with HMAC-SM3 both ways: its SM3-signed
/// batch lands, the same batch signed with SHA-256 is refused, and the events it receives
/// carry `sm3=<hex>`.
#[tokio::test]
async fn platforms_held_to_the_national_algorithms_sign_both_ways_with_hmac_sm3() {
    let app = TestApp::spawn_with(|c| c.integration.deliver = true).await;
    let w = world(&app.db).await;
    let (rx, url, _h) = crate::outbox::Receiver::start(0).await;
    let secret = configure(&app, &w.a, Some(&url), "ALL_CASES").await;
    let t = admin(&app, &w.a);
    let body = app
        .gql(
            Some(&t),
            "mutation($i: UpdatePlatformInput!) { updatePlatform(input: $i) { platform { signatureAlgorithm } } }",
            json!({ "i": { "id": w.a.platform.to_string(), "signatureAlgorithm": "HMAC_SM3" } }),
        )
        .await;
    assert_eq!(
        data(&body)["updatePlatform"]["platform"]["signatureAlgorithm"],
        "HMAC_SM3"
    );

    let payload = serde_json::to_vec(&json!({ "cases": [{
        "externalId": "SM3-0001", "version": 1, "title": "国密签名的报事", "description": "x", "gridCode": "A-C"
    }] }))
    .expect("json");
    let post = |header: String| {
        let req = app
            .client
            .post(format!("{}/webhooks/A-110", app.base))
            .header("content-type", "application/json")
            .header("x-fengqiao-timestamp", Utc::now().timestamp().to_string())
            .header("x-fengqiao-signature", header)
            .body(payload.clone());
        async move {
            let res = req.send().await.expect("webhook");
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let ts = Utc::now().timestamp();
    let (status, refused) = post(format!("sha256={}", sign(&secret, ts, &payload))).await;
    assert_eq!(status, 401, "{refused}");
    assert!(refused.to_string().contains("sm3="), "{refused}");
    let (status, refused) = post(format!("sm3={}", sign(&secret, ts, &payload))).await;
    assert_eq!(status, 401, "a SHA-256 MAC under the sm3 label: {refused}");
    let before = app.count("cases").await;
    let (status, accepted) = post(format!("sm3={}", sign_sm3(&secret, ts, &payload))).await;
    assert_eq!(status, 200, "{accepted}");
    assert_eq!(app.count("cases").await, before + 1);

    // Outbound: a step on side A's case reaches the platform signed with HMAC-SM3.
    let commander = app.token(Role::Commander, "commander-sm3", Scope::district());
    let c = app
        .gql(
            Some(&commander),
            "query($id: ID!) { case(id: $id) { version } }",
            json!({ "id": w.a.case.to_string() }),
        )
        .await;
    let version = data(&c)["case"]["version"].clone();
    let body = app
        .gql(
            Some(&commander),
            "mutation($i: AssessCaseInput!) { assessCase(input: $i) { case { status } } }",
            json!({ "i": { "step": { "caseId": w.a.case.to_string(), "version": version },
                           "kind": "DISPUTE", "severity": "ORDINARY", "riskColour": "GREEN" } }),
        )
        .await;
    data(&body);
    rx.wait_for(1, 30).await;
    let got = rx.accepted();
    assert!(!got.is_empty());
    for x in got {
        assert_eq!(
            x.signature,
            format!("sm3={}", sign_sm3(&secret, x.timestamp, &x.body)),
            "event {} is signed with HMAC-SM3",
            x.event_id
        );
    }
}
