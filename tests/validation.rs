//! Every mutation validates its input, names the field, and leaves nothing behind on failure.

use fengqiao_api::auth::{Role, Scope};
use serde_json::{json, Value};

use crate::{
    fixtures::{credit_code, persona, resident_id, world},
    harness::{data, error_code, error_field, TestApp},
};

const CREATE_ENTERPRISE: &str =
    "mutation($i: CreateEnterpriseInput!) { createEnterprise(input: $i) { enterprise { id creditCode } } }";
const CREATE_VOLUNTEER: &str =
    "mutation($i: CreateVolunteerInput!) { createVolunteer(input: $i) { volunteer { id name { masked } phone { masked } residentId { masked } } } }";
const REPORT: &str = "mutation($i: ReportCaseInput!) { reportCase(input: $i) { case {
    id trackingNumber status reporterPhone { masked } source reporterRole timeline { seq kind toStatus } parties { name { masked } residentId { masked } } } } }";

fn expect_bad(body: &Value, field: &str) {
    assert_eq!(error_code(body).as_deref(), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(error_field(body).as_deref(), Some(field), "{body}");
}

fn expect_not_found(body: &Value, field: &str) {
    assert_eq!(error_code(body).as_deref(), Some("NOT_FOUND"), "{body}");
    assert_eq!(error_field(body).as_deref(), Some(field), "{body}");
}

#[tokio::test]
async fn enterprise_credit_code_is_checked_and_unique() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin, "admin", Scope::district());
    let good = credit_code("91330106MA2H0000Q");
    let mut bad = good.clone();
    let last = bad.pop().unwrap_or('0');
    bad.push(if last == '1' { '2' } else { '1' });

    let body = app
        .gql(
            Some(&admin),
            CREATE_ENTERPRISE,
            json!({ "i": { "creditCode": bad, "name": "甲公司" } }),
        )
        .await;
    expect_bad(&body, "input.creditCode");
    let body = app
        .gql(
            Some(&admin),
            CREATE_ENTERPRISE,
            json!({ "i": { "creditCode": "123", "name": "甲公司" } }),
        )
        .await;
    expect_bad(&body, "input.creditCode");
    let body = app
        .gql(
            Some(&admin),
            CREATE_ENTERPRISE,
            json!({ "i": { "creditCode": good, "name": "   " } }),
        )
        .await;
    expect_bad(&body, "input.name");
    let body = app
        .gql(
            Some(&admin),
            CREATE_ENTERPRISE,
            json!({ "i": { "creditCode": good, "name": "甲公司", "contacts": [{ "name": "王五", "phone": "99999" }] } }),
        )
        .await;
    expect_bad(&body, "input.contacts[0].phone");
    assert_eq!(app.count("enterprises").await, 0);
    assert_eq!(app.count("enterprise_contacts").await, 0);

    let lower = good.to_lowercase();
    let body = app
        .gql(
            Some(&admin),
            CREATE_ENTERPRISE,
            json!({ "i": { "creditCode": lower, "name": "甲公司", "contacts": [{ "name": "王五", "phone": "13800001111", "isPrimary": true }] } }),
        )
        .await;
    assert_eq!(data(&body)["createEnterprise"]["enterprise"]["creditCode"], good);
    let body = app
        .gql(
            Some(&admin),
            CREATE_ENTERPRISE,
            json!({ "i": { "creditCode": good, "name": "乙公司" } }),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("CONFLICT"));
    assert_eq!(error_field(&body).as_deref(), Some("input.creditCode"));
    assert_eq!(app.count("enterprises").await, 1);
    assert_eq!(app.count("enterprise_contacts").await, 1);
}

#[tokio::test]
async fn volunteer_input_is_checked_and_a_failure_writes_nothing() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let admin = app.token(Role::Admin, "admin", Scope::district());
    let (vols, members) = (
        app.count("volunteers").await,
        app.count("volunteer_memberships").await,
    );
    let base = json!({ "name": "李四", "phone": "13912345678", "teamIds": [w.a.team.to_string()] });
    let with = |k: &str, v: Value| {
        let mut i = base.clone();
        i[k] = v;
        json!({ "i": i })
    };
    let cases = [
        ("residentId", json!("330106199001011235"), "input.residentId"),
        ("residentId", json!("330106199002301234"), "input.residentId"),
        ("phone", json!("23912345678"), "input.phone"),
        ("teamIds", json!([]), "input.teamIds"),
        ("teamIds", json!(["not-an-id"]), "input.teamIds[0]"),
        ("languages", json!(["zh_CN"]), "input.languages[0]"),
    ];
    for (k, v, field) in cases {
        let body = app.gql(Some(&admin), CREATE_VOLUNTEER, with(k, v.clone())).await;
        expect_bad(&body, field);
    }
    // An id that names nothing (or nothing the caller may change) is NOT_FOUND on its field.
    let body = app
        .gql(
            Some(&admin),
            CREATE_VOLUNTEER,
            with("teamIds", json!([uuid::Uuid::now_v7().to_string()])),
        )
        .await;
    expect_not_found(&body, "input.teamIds[0]");
    assert_eq!(app.count("volunteers").await, vols);
    assert_eq!(app.count("volunteer_memberships").await, members);

    let rid = resident_id("33010619900101123");
    let body = app
        .gql(Some(&admin), CREATE_VOLUNTEER, with("residentId", json!(rid)))
        .await;
    let v = &data(&body)["createVolunteer"]["volunteer"];
    assert_eq!(v["name"]["masked"], "李*");
    assert_eq!(v["phone"]["masked"], "139****5678");
    assert_eq!(v["residentId"]["masked"], format!("330106********{}", &rid[14..]));
    let body = app
        .gql(Some(&admin), CREATE_VOLUNTEER, with("residentId", json!(rid)))
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("CONFLICT"));

    // An honour's date is a calendar date: impossible dates and timestamps are refused.
    let award = "mutation($i: AwardVolunteerHonourInput!) { awardVolunteerHonour(input: $i) { honour { awardedOn } } }";
    let honours = app.count("volunteer_honours").await;
    let volunteer = w.a.volunteer.to_string();
    for bad in ["2026-02-30", "2026-11-30T00:00:00Z", "30/11/2026"] {
        let body = app
            .gql(
                Some(&admin),
                award,
                json!({ "i": { "volunteerId": volunteer, "title": "见义勇为积极分子", "awardedOn": bad } }),
            )
            .await;
        assert_eq!(
            error_code(&body).as_deref(),
            Some("BAD_USER_INPUT"),
            "{bad}: {body}"
        );
    }
    assert_eq!(app.count("volunteer_honours").await, honours);
    let body = app
        .gql(
            Some(&admin),
            award,
            json!({ "i": { "volunteerId": volunteer, "title": "见义勇为积极分子", "awardedOn": "2026-11-30" } }),
        )
        .await;
    assert_eq!(
        data(&body)["awardVolunteerHonour"]["honour"]["awardedOn"],
        "2026-11-30"
    );
}

#[tokio::test]
async fn report_case_validates_and_records_its_first_timeline_entry() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let (sub, scope) = persona(Role::Citizen, &w.a);
    let citizen = app.token(Role::Citizen, &sub, scope);
    let before = (
        app.count("cases").await,
        app.count("case_timeline_entries").await,
        app.count("case_parties").await,
    );
    let base = json!({ "title": "楼道堆放杂物", "description": "消防通道被堵", "gridId": w.a.community.to_string() });
    let with = |k: &str, v: Value| {
        let mut i = base.clone();
        i[k] = v;
        json!({ "i": i })
    };
    for (k, v, field) in [
        ("title", json!(""), "input.title"),
        ("title", json!("长".repeat(201)), "input.title"),
        ("description", json!("a\u{0007}b"), "input.description"),
        ("latitude", json!(30.2), "input.longitude"),
        ("longitude", json!(120.1), "input.latitude"),
        ("reporterPhone", json!("1380000"), "input.reporterPhone"),
        ("gridId", json!("x"), "input.gridId"),
        ("source", json!("CALL_110"), "input.source"),
        ("occurredAt", json!("2999-01-01T00:00:00Z"), "input.occurredAt"),
        (
            "parties",
            json!([{ "role": "COMPLAINANT", "name": "张三", "residentId": "11010519491231002Y" }]),
            "input.parties[0].residentId",
        ),
    ] {
        let body = app.gql(Some(&citizen), REPORT, with(k, v)).await;
        expect_bad(&body, field);
    }
    for (k, v, field) in [
        ("gridId", json!(uuid::Uuid::now_v7().to_string()), "input.gridId"),
        (
            "enterpriseId",
            json!(uuid::Uuid::now_v7().to_string()),
            "input.enterpriseId",
        ),
    ] {
        let body = app.gql(Some(&citizen), REPORT, with(k, v)).await;
        expect_not_found(&body, field);
    }
    let mut both = base.clone();
    both["latitude"] = json!(91.0);
    both["longitude"] = json!(120.1);
    expect_bad(
        &app.gql(Some(&citizen), REPORT, json!({ "i": both })).await,
        "input.latitude",
    );
    let after = (
        app.count("cases").await,
        app.count("case_timeline_entries").await,
        app.count("case_parties").await,
    );
    assert_eq!(before, after, "a failed report left rows behind");

    let mut input = base.clone();
    input["reporterPhone"] = json!("13800001234");
    input["parties"] = json!([{ "role": "COMPLAINANT", "name": "张三", "residentId": "11010519491231002X" }]);
    let body = app.gql(Some(&citizen), REPORT, json!({ "i": input })).await;
    let c = &data(&body)["reportCase"]["case"];
    let number = c["trackingNumber"].as_str().unwrap_or_default();
    assert!(
        number.starts_with("FQ") && number.len() == 16,
        "tracking number {number}"
    );
    assert_eq!(c["status"], "REPORTED");
    assert_eq!(c["source"], "MINI_PROGRAM");
    assert_eq!(c["reporterRole"], "CITIZEN");
    assert_eq!(c["reporterPhone"]["masked"], "138****1234");
    assert_eq!(
        c["timeline"],
        json!([{ "seq": 1, "kind": "REPORTED", "toStatus": "REPORTED" }])
    );
    assert_eq!(c["parties"][0]["residentId"]["masked"], "110105********002X");
    // The reporter finds it again by number.
    let body = app
        .gql(
            Some(&citizen),
            "query($n: String!) { caseByTrackingNumber(trackingNumber: $n) { id } }",
            json!({ "n": number }),
        )
        .await;
    assert_eq!(data(&body)["caseByTrackingNumber"]["id"], c["id"]);
}

#[tokio::test]
async fn roles_and_anonymous_callers_are_refused_master_data() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let grid_input = json!({ "i": { "code": "X-1", "name": "新网格", "level": "GROUP", "kind": "COMMUNITY", "parentId": w.a.street.to_string() } });
    let q =
        "mutation($i: CreateGridInput!) { createGrid(input: $i) { grid { id code depth parent { id } } } }";
    let (sub, scope) = persona(Role::GridWorker, &w.a);
    let gw = app.token(Role::GridWorker, &sub, scope);
    let body = app.gql(Some(&gw), q, grid_input.clone()).await;
    assert_eq!(error_code(&body).as_deref(), Some("FORBIDDEN"));
    let body = app.gql(None, q, grid_input.clone()).await;
    assert_eq!(error_code(&body).as_deref(), Some("UNAUTHENTICATED"));
    let body = app
        .gql(
            None,
            "mutation { reportCase(input: { title: \"t\", description: \"d\" }) { case { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("UNAUTHENTICATED"));

    let admin = app.token(Role::Admin, "admin", Scope::district());
    let bad_level = json!({ "i": { "code": "X-2", "name": "新网格", "level": "AREA", "kind": "COMMUNITY", "parentId": w.a.street.to_string() } });
    expect_bad(&app.gql(Some(&admin), q, bad_level).await, "input.level");
    let body = app.gql(Some(&admin), q, grid_input.clone()).await;
    let g = &data(&body)["createGrid"]["grid"];
    assert_eq!(g["depth"], 2);
    assert_eq!(g["parent"]["id"], w.a.street.to_string());
    let body = app.gql(Some(&admin), q, grid_input).await;
    assert_eq!(error_code(&body).as_deref(), Some("CONFLICT"));
}

/// The search box takes what is typed literally (`%`, `_` and `\` match themselves, not
/// everything), and a tracking number typed into it, whole or in part, finds its case.
#[tokio::test]
async fn search_text_is_literal_and_finds_tracking_numbers() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let (sub, scope) = persona(Role::Citizen, &w.a);
    let citizen = app.token(Role::Citizen, &sub, scope);
    let (sub, scope) = persona(Role::Commander, &w.a);
    let commander = app.token(Role::Commander, &sub, scope);
    let mut numbers = Vec::new();
    for title in [
        "全场100%退款骗局",
        "路灯_编号缺失",
        "共享文件夹 C:\\公共 被删",
        "普通纠纷",
    ] {
        let body = app
            .gql(
                Some(&citizen),
                REPORT,
                json!({ "i": { "title": title, "description": "请核实", "gridId": w.a.community.to_string() } }),
            )
            .await;
        numbers.push(
            data(&body)["reportCase"]["case"]["trackingNumber"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    let search = |text: String| {
        let (app, commander) = (&app, &commander);
        async move {
            let body = app
                .gql(
                    Some(commander),
                    "query($t: String!) { cases(first: 50, filter: { text: $t }) { nodes { title trackingNumber } } }",
                    json!({ "t": text }),
                )
                .await;
            data(&body)["cases"]["nodes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|n| n["title"].as_str().unwrap_or_default().to_owned())
                .collect::<Vec<String>>()
        }
    };
    assert_eq!(search("%".into()).await, ["全场100%退款骗局"]);
    assert_eq!(search("_".into()).await, ["路灯_编号缺失"]);
    assert_eq!(search("\\".into()).await, ["共享文件夹 C:\\公共 被删"]);
    assert_eq!(search("%%".into()).await, Vec::<String>::new());
    // By tracking number, as printed, lower-cased, or its last digits.
    let n = &numbers[3];
    assert_eq!(search(n.clone()).await, ["普通纠纷"]);
    assert_eq!(search(n.to_lowercase()).await, ["普通纠纷"]);
    assert_eq!(search(n[n.len() - 6..].to_owned()).await, ["普通纠纷"]);
}

/// A name or title made only of invisible characters (a right-to-left override, zero-width
/// spaces) is refused, and so is a date of occurrence before 1900; nothing is written.
#[tokio::test]
async fn names_need_a_visible_character_and_dates_start_in_1900() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let (sub, scope) = persona(Role::Citizen, &w.a);
    let citizen = app.token(Role::Citizen, &sub, scope);
    let before = app.count("cases").await;
    let base = json!({ "title": "噪音扰民", "description": "夜间施工", "gridId": w.a.community.to_string() });
    let with = |k: &str, v: Value| {
        let mut i = base.clone();
        i[k] = v;
        json!({ "i": i })
    };
    for (k, v, field) in [
        ("title", json!("\u{202E}"), "input.title"),
        ("title", json!("\u{200B}\u{200B}\u{FEFF}"), "input.title"),
        ("description", json!("\u{2066}\u{2069}"), "input.description"),
        (
            "parties",
            json!([{ "role": "COMPLAINANT", "name": "\u{202E}" }]),
            "input.parties[0].name",
        ),
        ("occurredAt", json!("0000-01-01T00:00:00Z"), "input.occurredAt"),
        ("occurredAt", json!("1899-12-31T23:59:59Z"), "input.occurredAt"),
    ] {
        let body = app.gql(Some(&citizen), REPORT, with(k, v)).await;
        expect_bad(&body, field);
    }
    assert_eq!(app.count("cases").await, before);
    // Visible text with a direction mark inside, an Arabic name, and 1900 itself are fine.
    let mut ok = base.clone();
    ok["title"] = json!("\u{200F}噪音扰民");
    ok["occurredAt"] = json!("1900-01-01T00:00:00Z");
    ok["parties"] = json!([{ "role": "COMPLAINANT", "name": "محمد" }]);
    let body = app.gql(Some(&citizen), REPORT, json!({ "i": ok })).await;
    assert_eq!(data(&body)["reportCase"]["case"]["status"], "REPORTED");
}
