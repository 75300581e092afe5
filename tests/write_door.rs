//! The write door: each leak found by trying the service as an attacker would, written as a
//! test of what a caller can and cannot do through writes.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use fengqiao_api::{
    auth::{Actor, Role, Scope},
    config::{DEV_AUDIENCE, DEV_ISSUER},
    service::{self, report_code::NewReportCode},
};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::{
    fixtures::{credit_code, persona, world, Side},
    harness::{data, error_code, error_field, TestApp},
    platforms::grant,
};

const REPORT: &str = "mutation($i: ReportCaseInput!) { reportCase(input: $i) { case {
    id trackingNumber version status enterprise { id } timeline { kind } } } }";

fn token(app: &TestApp, role: Role, side: &Side) -> String {
    let (sub, scope) = persona(role, side);
    app.token(role, &sub, scope)
}

/// The credit code the fixtures gave side `n`'s enterprise (1 for A, 2 for B).
fn enterprise_code(n: u8) -> String {
    credit_code(&format!("91330100MA2H0000{n}"))
}

#[tokio::test]
async fn a_report_names_an_enterprise_without_reading_it() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    for role in [Role::Citizen, Role::Volunteer, Role::GridWorker] {
        let cases = app.count("cases").await;
        let t = token(&app, role, &w.a);
        // Another side's enterprise by id: it is NOT_FOUND, and nothing is filed.
        let body = app
            .gql(
                Some(&t),
                REPORT,
                json!({ "i": { "title": "饭店后厨堆放煤气罐", "description": "存在安全隐患",
                               "enterpriseId": w.b.enterprise.to_string() } }),
            )
            .await;
        assert_eq!(
            error_code(&body).as_deref(),
            Some("NOT_FOUND"),
            "{role:?}: {body}"
        );
        assert_eq!(error_field(&body).as_deref(), Some("input.enterpriseId"));
        assert_eq!(
            app.count("cases").await,
            cases,
            "{role:?}: a refused report left a case"
        );

        // By its public credit code the case is linked, and still the enterprise stays unread.
        let body = app
            .gql(
                Some(&t),
                REPORT,
                json!({ "i": { "title": "饭店后厨堆放煤气罐", "description": "存在安全隐患",
                               "enterpriseCreditCode": enterprise_code(2) } }),
            )
            .await;
        let c = &data(&body)["reportCase"]["case"];
        assert!(
            c["enterprise"].is_null(),
            "{role:?}: the report showed the enterprise: {c}"
        );
        let body = app
            .gql(
                Some(&t),
                "query($id: ID!) { enterprise(id: $id) { id name } }",
                json!({ "id": w.b.enterprise.to_string() }),
            )
            .await;
        assert_eq!(
            error_code(&body).as_deref(),
            Some("NOT_FOUND"),
            "{role:?}: {body}"
        );
        let body = app
            .gql(
                Some(&t),
                "{ enterprises(first: 100) { nodes { id } } }",
                json!({}),
            )
            .await;
        assert!(
            !body.to_string().contains(&w.b.enterprise.to_string()),
            "{role:?}: the enterprise entered their list: {body}"
        );
    }
    // Staff who handle the case see the link: B's commander sees the enterprise on it.
    let commander_b = token(&app, Role::Commander, &w.b);
    let body = app
        .gql(
            Some(&commander_b),
            "{ cases(first: 100, filter: { text: \"煤气罐\" }) { nodes { enterprise { id } } } }",
            json!({}),
        )
        .await;
    let nodes = data(&body)["cases"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(nodes.len(), 3, "{body}");
    assert!(nodes
        .iter()
        .all(|n| n["enterprise"]["id"] == w.b.enterprise.to_string()));
}

#[tokio::test]
async fn a_platform_writes_only_what_it_is_granted() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let (sub, scope) = persona(Role::Platform, &w.a);
    let platform = app.token(Role::Platform, &sub, scope);
    let q = "mutation($i: SyncRecordsInput!) { syncRecords(input: $i) { created updated failed
        results { entity index outcome id error { code message } } } }";
    let rename = |name: &str| {
        json!({ "enterprises": [{ "externalId": "E-RENAME", "version": 1, "creditCode": enterprise_code(2), "name": name }],
                "cases": [{ "externalId": "C-1", "version": 1, "title": "警情", "description": "纠纷", "gridCode": "A-C" }] })
    };
    // The default (cases only): the rename is refused alone, the case lands.
    let body = app
        .gql(Some(&platform), q, json!({ "i": rename("被改掉的名字") }))
        .await;
    let r = &data(&body)["syncRecords"];
    assert_eq!(
        (r["created"].as_i64(), r["failed"].as_i64()),
        (Some(1), Some(1)),
        "{r}"
    );
    assert_eq!(r["results"][0]["error"]["code"], "FORBIDDEN", "{r}");
    assert_eq!(r["results"][1]["outcome"], "CREATED", "{r}");
    let name = <entity::enterprise::Entity as sea_orm::EntityTrait>::find_by_id(w.b.enterprise)
        .one(&app.db)
        .await
        .ok()
        .flatten()
        .map(|e| e.name);
    assert_eq!(name.as_deref(), Some("企业B"), "the enterprise was renamed");
    let body = app
        .gql(
            Some(&platform),
            "query($id: ID!) { enterprise(id: $id) { id } }",
            json!({ "id": w.b.enterprise.to_string() }),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"), "{body}");

    // Allowed to update enterprises, but only their address: a rename is still refused.
    grant(
        &app,
        w.a.platform,
        json!({ "enterprises": "UPDATE", "enterpriseFields": ["ADDRESS"], "volunteers": "NONE" }),
    )
    .await;
    let body = app
        .gql(Some(&platform), q, json!({ "i": rename("又一个名字") }))
        .await;
    assert_eq!(
        data(&body)["syncRecords"]["results"][0]["error"]["code"],
        "FORBIDDEN"
    );
    let body = app
        .gql(
            Some(&platform),
            q,
            json!({ "i": { "enterprises": [{ "externalId": "E-ADDR", "version": 1, "creditCode": enterprise_code(2),
                                              "name": "企业B", "address": "浙江省杭州市拱墅区米市巷街道" }] } }),
        )
        .await;
    let r = &data(&body)["syncRecords"];
    assert_eq!(r["updated"], 1, "{r}");
    // What it wrote is now its own record: it reads it.
    let body = app
        .gql(
            Some(&platform),
            "query($id: ID!) { enterprise(id: $id) { id } }",
            json!({ "id": w.b.enterprise.to_string() }),
        )
        .await;
    assert_eq!(data(&body)["enterprise"]["id"], w.b.enterprise.to_string());
    // No creating under an UPDATE grant, and cases of other kinds refused.
    grant(
        &app,
        w.a.platform,
        json!({ "caseKinds": ["POLICE_INCIDENT"], "enterprises": "UPDATE", "volunteers": "NONE" }),
    )
    .await;
    let body = app
        .gql(
            Some(&platform),
            q,
            json!({ "i": {
                "enterprises": [{ "externalId": "E-NEW", "version": 1, "creditCode": credit_code("91330100MA2H00099"), "name": "新企业" }],
                "cases": [{ "externalId": "C-2", "version": 1, "kind": "DISPUTE", "title": "纠纷", "description": "x" },
                          { "externalId": "C-3", "version": 1, "kind": "POLICE_INCIDENT", "title": "警情", "description": "x" }]
            } }),
        )
        .await;
    let r = &data(&body)["syncRecords"];
    let codes: Vec<&str> = r["results"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| x["error"]["code"].as_str().unwrap_or("OK"))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(codes, ["FORBIDDEN", "FORBIDDEN", "OK"], "{r}");
    // An empty kind list is refused when granted.
    let admin = app.token(Role::Admin, "admin-district", Scope::district());
    let body = app
        .gql(
            Some(&admin),
            "mutation($i: UpdatePlatformInput!) { updatePlatform(input: $i) { platform { id } } }",
            json!({ "i": { "id": w.a.platform.to_string(), "authority": { "caseKinds": [], "enterprises": "NONE", "volunteers": "NONE" } } }),
        )
        .await;
    assert_eq!(
        error_field(&body).as_deref(),
        Some("input.authority.caseKinds"),
        "{body}"
    );
}

#[tokio::test]
async fn a_street_commander_changes_only_its_streets_report_codes() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let sys = Actor::system();
    let code_b = service::report_code::create(
        &app.db,
        &sys,
        NewReportCode {
            label: "B街路灯".into(),
            grid_id: Some(w.b.community),
            ..Default::default()
        },
    )
    .await
    .expect("code B");
    let commander_a = token(&app, Role::Commander, &w.a);
    let before = app.count("report_codes").await;
    let body = app
        .gql(
            Some(&commander_a),
            "mutation($i: CreateReportCodeInput!) { createReportCode(input: $i) { reportCode { id } } }",
            json!({ "i": { "label": "越界的码", "gridId": w.b.community.to_string() } }),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"), "{body}");
    assert_eq!(error_field(&body).as_deref(), Some("input.gridId"));
    assert_eq!(app.count("report_codes").await, before);
    let body = app
        .gql(
            Some(&commander_a),
            "mutation($i: SetReportCodeActiveInput!) { setReportCodeActive(input: $i) { reportCode { active } } }",
            json!({ "i": { "id": code_b.id.to_string(), "active": false } }),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"), "{body}");
    let still = service::report_code::public_by_code(&app.db, &code_b.code).await;
    assert!(still.is_ok(), "B's code was switched off");
    // The code stays readable (directory data), and its own street's commander switches it.
    let commander_b = token(&app, Role::Commander, &w.b);
    let body = app
        .gql(
            Some(&commander_b),
            "mutation($i: SetReportCodeActiveInput!) { setReportCodeActive(input: $i) { reportCode { active } } }",
            json!({ "i": { "id": code_b.id.to_string(), "active": false } }),
        )
        .await;
    assert_eq!(data(&body)["setReportCodeActive"]["reportCode"]["active"], false);
}

#[tokio::test]
async fn volunteer_statistics_never_name_an_unreadable_volunteer() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    // A task on case A given to side B's volunteer (a cross-side rescue).
    let now = chrono::Utc::now();
    sea_orm::ActiveModelTrait::insert(
        entity::case_volunteer_task::ActiveModel {
            id: sea_orm::Set(uuid::Uuid::now_v7()),
            case_id: sea_orm::Set(w.a.case),
            team_id: sea_orm::Set(Some(w.b.team)),
            volunteer_id: sea_orm::Set(Some(w.b.volunteer)),
            kind: sea_orm::Set(entity::enums::VolunteerTaskKind::Rescue),
            status: sea_orm::Set(entity::enums::VolunteerTaskStatus::CheckedOut),
            checked_in_at: sea_orm::Set(Some(now)),
            checked_out_at: sea_orm::Set(Some(now)),
            check_in_latitude: sea_orm::Set(None),
            check_in_longitude: sea_orm::Set(None),
            minutes: sea_orm::Set(Some(77)),
            created_at: sea_orm::Set(now),
            updated_at: sea_orm::Set(now),
        },
        &app.db,
    )
    .await
    .expect("task");
    let grid_worker = token(&app, Role::GridWorker, &w.a);
    let body = app
        .gql(
            Some(&grid_worker),
            "{ volunteerStatistics(by: VOLUNTEER) { groups { volunteerId metrics { serviceMinutes taskCount } } total { serviceMinutes } } }",
            json!({}),
        )
        .await;
    let text = body.to_string();
    assert!(
        !text.contains(&w.b.volunteer.to_string()),
        "B's volunteer named: {text}"
    );
    let groups = data(&body)["volunteerStatistics"]["groups"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let own = groups
        .iter()
        .find(|g| g["volunteerId"] == w.a.volunteer.to_string())
        .expect("own volunteer's group");
    assert_eq!(own["metrics"]["serviceMinutes"], 30);
    let hidden = groups
        .iter()
        .find(|g| g["volunteerId"].is_null())
        .expect("the null group");
    assert_eq!(hidden["metrics"]["serviceMinutes"], 77, "counted, not named");
    assert_eq!(data(&body)["volunteerStatistics"]["total"]["serviceMinutes"], 107);
}

const ASSESS: &str =
    "mutation($i: AssessCaseInput!) { assessCase(input: $i) { case { id version status } } }";

fn assess(case: &Value, key: &str, colour: &str) -> Value {
    json!({ "i": { "step": { "caseId": case["id"], "version": case["version"], "idempotencyKey": key },
                   "kind": "DISPUTE", "severity": "ORDINARY", "riskColour": colour } })
}

async fn report_as(app: &TestApp, t: &str, title: &str, key: Option<&str>) -> Value {
    let body = app
        .gql(
            Some(t),
            REPORT,
            json!({ "i": { "title": title, "description": "楼上漏水", "idempotencyKey": key } }),
        )
        .await;
    data(&body)["reportCase"]["case"].clone()
}

#[tokio::test]
async fn an_idempotency_key_binds_its_target_and_input() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let commander = token(&app, Role::Commander, &w.a);
    let case_a = report_as(&app, &commander, "A案", None).await;
    let case_b = report_as(&app, &commander, "B案", None).await;
    let first = app
        .gql(
            Some(&commander),
            ASSESS,
            assess(&case_a, "key-0001-shared", "RED"),
        )
        .await;
    assert_eq!(data(&first)["assessCase"]["case"]["status"], "ASSESSED");
    // The same key on another case: refused, and that case is not assessed.
    let body = app
        .gql(
            Some(&commander),
            ASSESS,
            assess(&case_b, "key-0001-shared", "RED"),
        )
        .await;
    assert_eq!(
        error_code(&body).as_deref(),
        Some("IDEMPOTENCY_KEY_REUSED"),
        "{body}"
    );
    assert_eq!(error_field(&body).as_deref(), Some("input.idempotencyKey"));
    let body = app
        .gql(
            Some(&commander),
            "query($id: ID!) { case(id: $id) { status version } }",
            json!({ "id": case_b["id"] }),
        )
        .await;
    assert_eq!(data(&body)["case"]["status"], "REPORTED", "case B was touched");
    // The same key and target with another input: refused too.
    let body = app
        .gql(
            Some(&commander),
            ASSESS,
            assess(&case_a, "key-0001-shared", "YELLOW"),
        )
        .await;
    assert_eq!(
        error_code(&body).as_deref(),
        Some("IDEMPOTENCY_KEY_REUSED"),
        "{body}"
    );
    // The same call again: the first answer, nothing new written.
    let timeline = app.count("case_timeline_entries").await;
    let again = app
        .gql(
            Some(&commander),
            ASSESS,
            assess(&case_a, "key-0001-shared", "RED"),
        )
        .await;
    assert_eq!(data(&again)["assessCase"], data(&first)["assessCase"]);
    assert_eq!(app.count("case_timeline_entries").await, timeline);
    // Keys are per actor: another commander's identical key is theirs alone.
    let other = app.token(Role::Commander, "another-commander", Scope::district());
    let body = app
        .gql(Some(&other), ASSESS, assess(&case_b, "key-0001-shared", "RED"))
        .await;
    assert_eq!(data(&body)["assessCase"]["case"]["status"], "ASSESSED", "{body}");
}

#[tokio::test]
async fn twenty_concurrent_retries_of_one_report_file_one_case() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let citizen = token(&app, Role::Citizen, &w.a);
    let before = (app.count("cases").await, app.count("case_timeline_entries").await);
    let key = uuid::Uuid::new_v4().to_string();
    let calls = (0..20).map(|_| {
        let (app, citizen, key) = (&app, &citizen, key.clone());
        async move {
            app.gql(
                Some(citizen),
                REPORT,
                json!({ "i": { "title": "小区门口积水", "description": "下雨后积水很深", "idempotencyKey": key } }),
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(calls).await;
    let first = data(&answers[0]).clone();
    for a in &answers {
        assert_eq!(data(a), &first, "a retry answered differently: {a}");
    }
    assert_eq!(
        (app.count("cases").await, app.count("case_timeline_entries").await),
        (before.0 + 1, before.1 + 1),
        "20 retries filed more than one case"
    );
    // A different report under the same key is refused, not answered with the first one.
    let body = app
        .gql(
            Some(&citizen),
            REPORT,
            json!({ "i": { "title": "另一件事", "description": "不同的内容", "idempotencyKey": key } }),
        )
        .await;
    assert_eq!(
        error_code(&body).as_deref(),
        Some("IDEMPOTENCY_KEY_REUSED"),
        "{body}"
    );
}

#[tokio::test]
async fn concurrent_retries_of_a_step_wait_for_the_first_answer() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let commander = token(&app, Role::Commander, &w.a);
    let case = report_as(&app, &commander, "并发重试", None).await;
    let calls = (0..12).map(|_| {
        let (app, commander, case) = (&app, &commander, &case);
        async move {
            app.gql(
                Some(commander),
                ASSESS,
                assess(case, "step-key-concurrent", "RED"),
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(calls).await;
    for a in &answers {
        assert_eq!(data(a), data(&answers[0]), "{a}");
    }
    assert_eq!(data(&answers[0])["assessCase"]["case"]["version"], 2);
}

/// An HS256 token over exactly `payload` (so a test can write what a library would not).
fn raw_token(payload: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(payload.as_bytes());
    let mut mac = Hmac::<Sha256>::new_from_slice(b"test-secret-test-secret-test-secret!").expect("hmac key");
    mac.update(format!("{header}.{body}").as_bytes());
    format!(
        "{header}.{body}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

fn claims(extra: &str, exp: i64, iat: i64) -> String {
    format!(
        r#"{{"sub":"probe","iss":"{DEV_ISSUER}","aud":"{DEV_AUDIENCE}","exp":{exp},"iat":{iat},"nbf":{iat}{extra}}}"#
    )
}

#[tokio::test]
async fn tokens_fail_closed() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let now = chrono::Utc::now().timestamp();
    let lists = "{ cases(first: 100) { totalCount } enterprises(first: 100) { totalCount } }";
    // No grids and no jurisdiction claim: a commander or admin reaches nothing.
    for role in ["commander", "admin"] {
        let t = raw_token(&claims(&format!(r#","role":"{role}""#), now + 600, now));
        let body = app.gql(Some(&t), lists, json!({})).await;
        assert_eq!(data(&body)["cases"]["totalCount"], 0, "{role}: {body}");
        assert_eq!(data(&body)["enterprises"]["totalCount"], 0, "{role}: {body}");
        let t = raw_token(&claims(
            &format!(r#","role":"{role}","grids":[]"#),
            now + 600,
            now,
        ));
        let body = app.gql(Some(&t), lists, json!({})).await;
        assert_eq!(
            data(&body)["cases"]["totalCount"],
            0,
            "{role} with empty grids: {body}"
        );
        // The explicit claim reaches the whole district.
        let t = raw_token(&claims(
            &format!(r#","role":"{role}","jurisdiction":"all""#),
            now + 600,
            now,
        ));
        let body = app.gql(Some(&t), lists, json!({})).await;
        assert_eq!(
            data(&body)["cases"]["totalCount"],
            2,
            "{role} district-wide: {body}"
        );
    }
    // Refused outright: the claim on another role, odd claim values, far expiry, future iat,
    // over-long lifetime, and a key given twice.
    let refused = [
        (
            "jurisdiction on a grid worker",
            claims(r#","role":"grid-worker","jurisdiction":"all""#, now + 600, now),
        ),
        (
            "jurisdiction not all",
            claims(r#","role":"commander","jurisdiction":"district""#, now + 600, now),
        ),
        (
            "exp in the year 9999",
            claims(r#","role":"commander""#, 253_402_300_799, now),
        ),
        (
            "iat in the future",
            claims(r#","role":"commander""#, now + 7200, now + 3600),
        ),
        (
            "lifetime beyond a day",
            claims(r#","role":"commander""#, now + 600, now - 2 * 86_400),
        ),
        (
            "duplicate role",
            claims(r#","role":"citizen","role":"admin""#, now + 600, now),
        ),
        (
            "duplicate nested key",
            claims(
                r#","role":"commander","grids":[],"x":{"a":1,"a":2}"#,
                now + 600,
                now,
            ),
        ),
    ];
    for (what, payload) in refused {
        let (status, body) = app.gql_status(Some(&raw_token(&payload)), lists, json!({})).await;
        assert_eq!(status, 401, "{what}: {body}");
        assert_eq!(
            error_code(&body).as_deref(),
            Some("UNAUTHENTICATED"),
            "{what}: {body}"
        );
    }
    // The side personas (grids named) still see their side.
    let body = app
        .gql(Some(&token(&app, Role::Commander, &w.a)), lists, json!({}))
        .await;
    assert_eq!(data(&body)["cases"]["totalCount"], 1);
}

#[tokio::test]
async fn reveals_have_a_budget_per_request_and_per_hour() {
    let app = TestApp::spawn_with(|c| c.security.reveal.per_hour = 8).await;
    let w = world(&app.db).await;
    let commander = token(&app, Role::Commander, &w.a);
    // Eight parties with phones on case A.
    let body = app
        .gql(
            Some(&commander),
            REPORT,
            json!({ "i": { "title": "多方纠纷", "description": "x", "parties": (0..8).map(|i| json!({
                "role": "COMPLAINANT", "name": format!("当事人{i}"), "phone": format!("1391234560{i}") })).collect::<Vec<_>>() } }),
        )
        .await;
    let id = data(&body)["reportCase"]["case"]["id"].clone();
    let reveal_all =
        "query($id: ID!) { case(id: $id) { parties { phone { reveal(reason: \"回访核实\") } } } }";
    let body = app.gql(Some(&commander), reveal_all, json!({ "id": id })).await;
    let errors = body["errors"].as_array().cloned().unwrap_or_default();
    let revealed = body.to_string().matches("1391234560").count();
    assert_eq!(revealed, 5, "one request revealed {revealed}: {body}");
    assert_eq!(errors.len(), 3, "{body}");
    assert!(
        errors.iter().all(|e| e["extensions"]["code"] == "RATE_LIMITED"),
        "{body}"
    );
    // Three more in a new request, then the hour's budget of eight is spent.
    let one = "query($id: ID!) { case(id: $id) { parties { phone { reveal(reason: \"回访核实\") } } } }";
    let body = app.gql(Some(&commander), one, json!({ "id": id })).await;
    assert_eq!(body.to_string().matches("1391234560").count(), 3, "{body}");
    let refused = app
        .count("audit_events WHERE action = 'REVEAL' AND error_code = 'RATE_LIMITED'")
        .await;
    assert!(refused >= 3, "refusals are audited: {refused}");
}

#[tokio::test]
async fn two_complaints_from_one_place_are_linked_as_likely_duplicates() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let citizen = token(&app, Role::Citizen, &w.a);
    let other = token(&app, Role::Citizen, &w.b);
    let q = "mutation($i: ReportCaseInput!) { reportCase(input: $i) { case { id } } }";
    let complaint = json!({ "i": { "kind": "DISPUTE", "title": "广场舞噪音", "description": "晚上十点后还在放音乐",
                                   "latitude": 30.2741, "longitude": 120.1551 } });
    let first = app.gql(Some(&citizen), q, complaint.clone()).await;
    let first_id = data(&first)["reportCase"]["case"]["id"].clone();
    let before = app.count("duplicate_links").await;
    let second = app.gql(Some(&other), q, complaint).await;
    data(&second);
    assert_eq!(app.count("duplicate_links").await, before + 1, "{second}");
    let commander = app.token(Role::Commander, "district-commander", Scope::district());
    let body = app
        .gql(
            Some(&commander),
            "{ pendingDuplicates { case { id } otherCase { id } reason } }",
            json!({}),
        )
        .await;
    let links = data(&body)["pendingDuplicates"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(links.iter().any(|l| l["otherCase"]["id"] == first_id), "{body}");
}

#[tokio::test]
async fn creates_of_master_data_take_a_retry_key() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin, "admin-keys", Scope::district());
    let q = "mutation($i: CreateUnitInput!) { createUnit(input: $i) { unit { id code } } }";
    let input = |name: &str| json!({ "i": { "code": "KEYED-UNIT", "name": name, "kind": "POLICE_STATION", "idempotencyKey": "unit-key-0001" } });
    let first = app.gql(Some(&admin), q, input("武林派出所")).await;
    let again = app.gql(Some(&admin), q, input("武林派出所")).await;
    assert_eq!(data(&first), data(&again), "a retry answered another unit");
    assert_eq!(app.count("units").await, 1);
    let other = app.gql(Some(&admin), q, input("另一个所")).await;
    assert_eq!(
        error_code(&other).as_deref(),
        Some("IDEMPOTENCY_KEY_REUSED"),
        "{other}"
    );
    // Without a key the same code is a CONFLICT, as before.
    let body = app
        .gql(
            Some(&admin),
            q,
            json!({ "i": { "code": "KEYED-UNIT", "name": "武林派出所", "kind": "POLICE_STATION" } }),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("CONFLICT"), "{body}");
}
