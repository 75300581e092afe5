//! Bulk import of master data: GBK files with Chinese names, bad rows reported by line and
//! column while good rows land, idempotent re-imports, dry runs, roles, and the CLI.

use std::process::Command;

use base64::Engine;
use entity::{enterprise, grid, volunteer};
use fengqiao_api::auth::{Role, Scope};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};

use crate::{
    fixtures::{credit_code, persona, resident_id, world},
    harness::{data, error_code, error_field, TestApp},
};

const IMPORT: &str = "mutation($i: ImportMasterDataInput!) { importMasterData(input: $i) {
    kind encoding dryRun total created updated unchanged failed
    rows { line key change error { column field code message } }
    failedRows { line key error { column field code message } } } }";

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "test text must be representable in GBK");
    bytes.into_owned()
}

fn input(kind: &str, bytes: &[u8], dry_run: bool) -> Value {
    json!({ "i": {
        "kind": kind,
        "contentBase64": base64::engine::general_purpose::STANDARD.encode(bytes),
        "dryRun": dry_run,
    } })
}

/// Imports a file and returns the report (asserting no GraphQL error).
async fn import(app: &TestApp, token: &str, kind: &str, bytes: &[u8], dry_run: bool) -> Value {
    let body = app.gql(Some(token), IMPORT, input(kind, bytes, dry_run)).await;
    data(&body)["importMasterData"].clone()
}

fn admin(app: &TestApp) -> String {
    app.token(Role::Admin, "admin", Scope::district())
}

/// The changes of all rows, in order.
fn changes(report: &Value) -> Vec<String> {
    report["rows"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| r["change"].as_str().unwrap_or("ERROR").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The row reported for `line`.
fn row(report: &Value, line: u64) -> Value {
    report["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["line"].as_u64() == Some(line)))
        .cloned()
        .unwrap_or_else(|| panic!("no row for line {line}: {report}"))
}

fn assert_row_error(report: &Value, line: u64, column: &str, code: &str) {
    let r = row(report, line);
    assert!(r["change"].is_null(), "line {line} should fail: {r}");
    assert_eq!(r["error"]["column"], column, "line {line}: {r}");
    assert_eq!(r["error"]["code"], code, "line {line}: {r}");
    assert!(
        !r["error"]["message"].as_str().unwrap_or_default().is_empty(),
        "line {line}: {r}"
    );
}

fn grids_csv() -> String {
    "网格编码,名称,层级,类型,上级编码\n\
     FQ-D,枫桥区,区级,社区,\n\
     FQ-A,枫桥镇片区,片区,社区,FQ-D\n\
     FQ-G,枫源村组团,组团,社区,FQ-A\n"
        .to_owned()
}

fn enterprises_csv(code1: &str, code2: &str) -> String {
    format!(
        "统一社会信用代码,企业名称,行业,规上企业,危化品,地址,网格编码\n\
         {code1},浙江枫桥精密机械有限公司,制造业,是,否,诸暨市枫桥镇枫源路1号,FQ-G\n\
         {code2},诸暨市枫源化工有限公司,化工,否,是,,FQ-A\n"
    )
}

#[tokio::test]
async fn import_gbk_files_with_chinese_names() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let token = admin(&app);

    let report = import(&app, &token, "GRIDS", &gbk(&grids_csv()), false).await;
    assert_eq!(report["encoding"], "GBK", "{report}");
    assert_eq!(report["kind"], "GRIDS");
    assert_eq!(report["dryRun"], false);
    assert_eq!(
        (report["total"].as_u64(), report["created"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(report["failed"], 0);
    assert_eq!(row(&report, 4)["key"], "FQ-G");

    let body = app
        .gql(
            Some(&token),
            "{ grids(filter: { text: \"FQ-\" }) { edges { node { code name level kind depth parent { code } } } } }",
            json!({}),
        )
        .await;
    let nodes: Vec<Value> = data(&body)["grids"]["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["node"].clone())
        .collect();
    assert_eq!(
        nodes,
        vec![
            json!({ "code": "FQ-A", "name": "枫桥镇片区", "level": "AREA", "kind": "COMMUNITY", "depth": 1, "parent": { "code": "FQ-D" } }),
            json!({ "code": "FQ-D", "name": "枫桥区", "level": "DISTRICT", "kind": "COMMUNITY", "depth": 0, "parent": null }),
            json!({ "code": "FQ-G", "name": "枫源村组团", "level": "GROUP", "kind": "COMMUNITY", "depth": 2, "parent": { "code": "FQ-A" } }),
        ]
    );

    let (c1, c2) = (credit_code("91330681MA2BX0001"), credit_code("91330681MA2BX0002"));
    let report = import(
        &app,
        &token,
        "ENTERPRISES",
        &gbk(&enterprises_csv(&c1, &c2)),
        false,
    )
    .await;
    assert_eq!(report["encoding"], "GBK");
    assert_eq!(changes(&report), ["CREATED", "CREATED"], "{report}");
    let q = "query($c: String!) { enterpriseByCreditCode(creditCode: $c) {
        name industry aboveDesignatedSize hazardousChemicals address grid { code name } } }";
    let body = app.gql(Some(&token), q, json!({ "c": c1 })).await;
    assert_eq!(
        data(&body)["enterpriseByCreditCode"],
        json!({ "name": "浙江枫桥精密机械有限公司", "industry": "制造业", "aboveDesignatedSize": true,
                "hazardousChemicals": false, "address": "诸暨市枫桥镇枫源路1号",
                "grid": { "code": "FQ-G", "name": "枫源村组团" } })
    );
    // Lowercase input is normalised like `createEnterprise` does.
    let body = app.gql(Some(&token), q, json!({ "c": c2.to_lowercase() })).await;
    let e = &data(&body)["enterpriseByCreditCode"];
    assert_eq!(e["name"], "诸暨市枫源化工有限公司");
    assert_eq!(
        (e["hazardousChemicals"].as_bool(), e["address"].is_null()),
        (Some(true), true)
    );

    // Volunteers: Chinese skill and language names, two teams in one cell.
    let rid = resident_id("33068119850615002");
    let csv = format!(
        "姓名,手机,身份证号,队伍,技能,语言\n\
         欧阳娜娜,13905750001,{rid},义警队A、义警队B,急救;巡逻,普通话;英语\n"
    );
    let report = import(&app, &token, "VOLUNTEERS", &gbk(&csv), false).await;
    assert_eq!(changes(&report), ["CREATED"], "{report}");
    let v = volunteer::Entity::find()
        .filter(volunteer::Column::ResidentId.eq(rid.as_str()))
        .one(&app.db)
        .await
        .expect("query")
        .expect("imported volunteer");
    assert_eq!(v.name, "欧阳娜娜");
    let body = app
        .gql(
            Some(&token),
            "query($id: ID!) { volunteer(id: $id) { name { masked } phone { masked } skills languages
                memberships { team { id } } } }",
            json!({ "id": v.id.to_string() }),
        )
        .await;
    let got = &data(&body)["volunteer"];
    assert_eq!(got["name"]["masked"], "欧***");
    assert_eq!(got["phone"]["masked"], "139****0001");
    let mut skills: Vec<String> = serde_json::from_value(got["skills"].clone()).unwrap_or_default();
    skills.sort();
    assert_eq!(skills, ["FIRST_AID", "PATROL"]);
    assert_eq!(got["languages"], json!(["en", "zh"]));
    let mut teams: Vec<String> = got["memberships"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["team"]["id"].as_str().map(str::to_owned))
        .collect();
    teams.sort();
    let mut expected = vec![w.a.team.to_string(), w.b.team.to_string()];
    expected.sort();
    assert_eq!(teams, expected);
}

#[tokio::test]
async fn bad_rows_are_reported_by_line_and_column_while_good_rows_land() {
    let app = TestApp::spawn().await;
    world(&app.db).await;
    let token = admin(&app);
    import(&app, &token, "GRIDS", grids_csv().as_bytes(), false).await;

    // Enterprises, English headers, UTF-8 with a BOM.
    let good1 = credit_code("91330681MA2BX0011");
    let good2 = credit_code("91330681MA2BX0012");
    let mut bad = credit_code("91330681MA2BX0013");
    let last = bad.pop().unwrap_or('0');
    bad.push(if last == '1' { '2' } else { '1' });
    let other = credit_code("91330681MA2BX0014");
    let another = credit_code("91330681MA2BX0015");
    let csv = format!(
        "creditCode,name,industry,aboveDesignatedSize,hazardousChemicals,address,gridCode\n\
         {good1},甲公司,制造业,是,否,枫桥路1号,FQ-G\n\
         {bad},乙公司,,,,,\n\
         {other},,,,,,\n\
         {another},丙公司,,,,,NO-SUCH-GRID\n\
         {},甲公司重复,,,,,\n\
         \"{}\",丁公司,,maybe,,,\n\
         {good2},\"戊公司, 有限\",,Y,N,,\n",
        good1.to_lowercase(),
        credit_code("91330681MA2BX0016"),
    );
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(csv.as_bytes());
    let report = import(&app, &token, "ENTERPRISES", &bytes, false).await;
    assert_eq!(report["encoding"], "UTF8_BOM");
    assert_eq!(report["total"], 7, "{report}");
    assert_eq!(report["created"], 2, "{report}");
    assert_eq!(report["failed"], 5, "{report}");
    assert_eq!(row(&report, 2)["change"], "CREATED");
    assert_row_error(&report, 3, "creditCode", "BAD_USER_INPUT");
    assert_eq!(row(&report, 3)["key"], bad.as_str());
    assert_row_error(&report, 4, "name", "BAD_USER_INPUT");
    assert_row_error(&report, 5, "gridCode", "BAD_USER_INPUT");
    assert_row_error(&report, 6, "creditCode", "CONFLICT");
    assert_eq!(row(&report, 6)["key"], good1.as_str());
    assert!(
        row(&report, 6)["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("line 2"),
        "{report}"
    );
    assert_row_error(&report, 7, "aboveDesignatedSize", "BAD_USER_INPUT");
    assert_eq!(row(&report, 8)["change"], "CREATED");
    let failed: Vec<u64> = report["failedRows"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["line"].as_u64())
        .collect();
    assert_eq!(failed, [3, 4, 5, 6, 7]);
    let stored = enterprise::Entity::find()
        .order_by_asc(enterprise::Column::CreditCode)
        .all(&app.db)
        .await
        .expect("enterprises");
    let names: Vec<&str> = stored
        .iter()
        .filter(|e| e.credit_code == good1 || e.credit_code == good2)
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(
        names.contains(&"甲公司") && names.contains(&"戊公司, 有限"),
        "{names:?}"
    );
    assert_eq!(stored.len(), 4, "the world's two and the two good rows");

    // Grids: Chinese headers; an unknown level, a parent that only comes later, a bad kind,
    // a moved grid; a child of a grid defined above it lands.
    let csv = "网格编码,名称,层级,类型,上级编码\n\
               FQ-C1,一号微网格,微网格,社区,FQ-G\n\
               FQ-X,省级网格,省级,社区,\n\
               FQ-C2,二号微网格,微网格,社区,FQ-LATER\n\
               FQ-LATER,后来的组团,组团,社区,FQ-A\n\
               FQ-T1,一号十户联防,十户联防,社区,FQ-C1\n\
               FQ-P,警格,片区,部队,\n\
               FQ-G,枫源村组团,组团,社区,FQ-D\n";
    let report = import(&app, &token, "GRIDS", csv.as_bytes(), false).await;
    assert_eq!(
        changes(&report),
        ["CREATED", "ERROR", "ERROR", "CREATED", "CREATED", "ERROR", "ERROR"],
        "{report}"
    );
    assert_row_error(&report, 3, "层级", "BAD_USER_INPUT");
    assert_eq!(row(&report, 3)["error"]["field"], "level");
    assert_row_error(&report, 4, "上级编码", "BAD_USER_INPUT");
    assert_row_error(&report, 7, "类型", "BAD_USER_INPUT");
    assert_row_error(&report, 8, "上级编码", "BAD_USER_INPUT");
    let t1 = grid::Entity::find()
        .filter(grid::Column::Code.eq("FQ-T1"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("FQ-T1 landed");
    assert_eq!(t1.depth, 4);
    let g = grid::Entity::find()
        .filter(grid::Column::Code.eq("FQ-G"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("FQ-G");
    assert!(
        t1.path.starts_with(&g.path),
        "path stays consistent: {} / {}",
        t1.path,
        g.path
    );

    // Volunteers: unknown team, unknown skill, missing resident ID, bad phone.
    let (r1, r2, r3, r4) = (
        resident_id("33068119900101011"),
        resident_id("33068119900101012"),
        resident_id("33068119900101013"),
        resident_id("33068119900101014"),
    );
    let csv = format!(
        "name,phone,residentId,team,skills,languages\n\
         张三,13905750011,{r1},义警队A,rescue,zh\n\
         李四,13905750012,{r2},不存在的队伍,,\n\
         王五,13905750013,{r3},义警队A,飞行,\n\
         赵六,13905750014,,义警队A,,\n\
         钱七,23905750015,{r4},义警队B,,\n"
    );
    let before = app.count("volunteers").await;
    let report = import(&app, &token, "VOLUNTEERS", csv.as_bytes(), false).await;
    assert_eq!(report["encoding"], "UTF8");
    assert_eq!(changes(&report), ["CREATED", "ERROR", "ERROR", "ERROR", "ERROR"]);
    assert_row_error(&report, 3, "team", "BAD_USER_INPUT");
    // Resident IDs leave the service masked, in reports too.
    assert_eq!(row(&report, 3)["key"], format!("330681********{}", &r2[14..]));
    assert_row_error(&report, 4, "skills", "BAD_USER_INPUT");
    assert_row_error(&report, 5, "residentId", "BAD_USER_INPUT");
    assert_row_error(&report, 6, "phone", "BAD_USER_INPUT");
    assert_eq!(app.count("volunteers").await, before + 1);
}

/// updated_at of every enterprise, grid and volunteer, by id.
async fn stamps(app: &TestApp) -> Vec<(String, chrono::DateTime<chrono::Utc>)> {
    let mut out = Vec::new();
    for e in enterprise::Entity::find()
        .all(&app.db)
        .await
        .expect("enterprises")
    {
        out.push((e.id.to_string(), e.updated_at));
    }
    for g in grid::Entity::find().all(&app.db).await.expect("grids") {
        out.push((g.id.to_string(), g.updated_at));
    }
    for v in volunteer::Entity::find().all(&app.db).await.expect("volunteers") {
        out.push((v.id.to_string(), v.updated_at));
    }
    out.sort();
    out
}

async fn counts(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for t in [
        "grids",
        "enterprises",
        "enterprise_contacts",
        "volunteers",
        "volunteer_memberships",
        "volunteer_skills",
        "volunteer_languages",
    ] {
        out.push(app.count(t).await);
    }
    out
}

#[tokio::test]
async fn importing_the_same_files_again_changes_nothing() {
    let app = TestApp::spawn().await;
    world(&app.db).await;
    let token = admin(&app);
    let (c1, c2) = (credit_code("91330681MA2BX0021"), credit_code("91330681MA2BX0022"));
    let grids = gbk(&grids_csv());
    let enterprises = gbk(&enterprises_csv(&c1, &c2));
    let volunteers = format!(
        "姓名,手机,身份证号,队伍,技能,语言\n\
         张三,13905750021,{},义警队A,救援、急救,zh;en\n\
         李四,13905750022,{},义警队A;义警队B,,\n",
        resident_id("33068119900101021"),
        resident_id("33068119900101022"),
    );
    let files: [(&str, &[u8]); 3] = [
        ("GRIDS", &grids),
        ("ENTERPRISES", &enterprises),
        ("VOLUNTEERS", volunteers.as_bytes()),
    ];
    for (kind, bytes) in files {
        let report = import(&app, &token, kind, bytes, false).await;
        assert_eq!(report["failed"], 0, "{kind}: {report}");
        assert_eq!(report["created"], report["total"], "{kind}: {report}");
    }
    let (before_counts, before_stamps) = (counts(&app).await, stamps(&app).await);
    for (kind, bytes) in files {
        let report = import(&app, &token, kind, bytes, false).await;
        assert!(
            changes(&report).iter().all(|c| c == "UNCHANGED"),
            "{kind}: {report}"
        );
        assert_eq!(report["unchanged"], report["total"], "{kind}: {report}");
    }
    assert_eq!(counts(&app).await, before_counts);
    assert_eq!(stamps(&app).await, before_stamps);

    // Columns absent from the header leave stored values alone.
    let short = format!("统一社会信用代码,企业名称\n{c1},浙江枫桥精密机械有限公司\n");
    let report = import(&app, &token, "ENTERPRISES", short.as_bytes(), false).await;
    assert_eq!(changes(&report), ["UNCHANGED"], "{report}");

    // A changed value is written, and only that record's updated_at moves.
    let renamed = format!(
        "统一社会信用代码,企业名称,规上企业\n{c1},浙江枫桥精密机械股份有限公司,否\n{c2},诸暨市枫源化工有限公司,否\n"
    );
    let report = import(&app, &token, "ENTERPRISES", renamed.as_bytes(), false).await;
    assert_eq!(changes(&report), ["UPDATED", "UNCHANGED"], "{report}");
    let body = app
        .gql(
            Some(&token),
            "query($c: String!) { enterpriseByCreditCode(creditCode: $c) { name aboveDesignatedSize industry grid { code } } }",
            json!({ "c": c1 }),
        )
        .await;
    assert_eq!(
        data(&body)["enterpriseByCreditCode"],
        json!({ "name": "浙江枫桥精密机械股份有限公司", "aboveDesignatedSize": false, "industry": "制造业", "grid": { "code": "FQ-G" } })
    );
    let after = stamps(&app).await;
    let moved = after.iter().zip(&before_stamps).filter(|(a, b)| a != b).count();
    assert_eq!(moved, 1, "only the renamed enterprise is touched");
    assert_eq!(counts(&app).await, before_counts);

    // A volunteer's skills and teams follow the file; a grid's name may change.
    let changed = format!(
        "姓名,手机,身份证号,队伍,技能\n李四,13905750022,{},义警队B,巡逻\n",
        resident_id("33068119900101022"),
    );
    let report = import(&app, &token, "VOLUNTEERS", changed.as_bytes(), false).await;
    assert_eq!(changes(&report), ["UPDATED"], "{report}");
    let report = import(&app, &token, "VOLUNTEERS", changed.as_bytes(), false).await;
    assert_eq!(changes(&report), ["UNCHANGED"], "{report}");
    let report = import(
        &app,
        &token,
        "GRIDS",
        "code,name,level,kind,parentCode\nFQ-A,枫桥片区,AREA,COMMUNITY,FQ-D\n".as_bytes(),
        false,
    )
    .await;
    assert_eq!(changes(&report), ["UPDATED"], "{report}");
}

#[tokio::test]
async fn a_dry_run_writes_nothing() {
    let app = TestApp::spawn().await;
    let token = admin(&app);
    let before = counts(&app).await;
    let report = import(&app, &token, "GRIDS", &gbk(&grids_csv()), true).await;
    assert_eq!(report["dryRun"], true);
    // Later rows see earlier ones inside the dry run, as in a real import.
    assert_eq!(changes(&report), ["CREATED", "CREATED", "CREATED"], "{report}");
    assert_eq!(counts(&app).await, before);

    let report = import(&app, &token, "GRIDS", &gbk(&grids_csv()), false).await;
    assert_eq!(changes(&report), ["CREATED", "CREATED", "CREATED"]);
    let c = credit_code("91330681MA2BX0031");
    let csv = format!("creditCode,name,gridCode\n{c},甲公司,FQ-G\n{c},重复,FQ-G\n");
    let report = import(&app, &token, "ENTERPRISES", csv.as_bytes(), true).await;
    assert_eq!(changes(&report), ["CREATED", "ERROR"], "{report}");
    assert_eq!(app.count("enterprises").await, 0);

    // A quoted cell may span lines: a row is numbered by the line it starts on.
    let csv = format!("creditCode,name,address\n{c},甲公司,\"枫桥镇\n枫源路1号\"\n123,乙公司,\n");
    let report = import(&app, &token, "ENTERPRISES", csv.as_bytes(), true).await;
    assert_eq!(row(&report, 2)["change"], "CREATED", "{report}");
    assert_row_error(&report, 4, "creditCode", "BAD_USER_INPUT");
    assert_eq!(app.count("enterprises").await, 0);
}

#[tokio::test]
async fn roles_and_file_level_errors() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let bytes = grids_csv().into_bytes();
    for role in [
        Role::GridWorker,
        Role::CommunityPolice,
        Role::Volunteer,
        Role::Citizen,
    ] {
        let (sub, scope) = persona(role, &w.a);
        let token = app.token(role, &sub, scope);
        let body = app.gql(Some(&token), IMPORT, input("GRIDS", &bytes, false)).await;
        assert_eq!(
            error_code(&body).as_deref(),
            Some("FORBIDDEN"),
            "{role:?}: {body}"
        );
    }
    let body = app.gql(None, IMPORT, input("GRIDS", &bytes, false)).await;
    assert_eq!(error_code(&body).as_deref(), Some("UNAUTHENTICATED"));
    assert_eq!(app.count("grids").await, 10, "only the world's grids");

    // A district-wide commander may import (root grids are the district's own).
    let (sub, _) = persona(Role::Commander, &w.a);
    let commander = app.token(Role::Commander, &sub, Scope::district());
    let report = import(&app, &commander, "GRIDS", &bytes, true).await;
    assert_eq!(report["failed"], 0, "{report}");

    let token = admin(&app);
    for (bytes, needle) in [
        (
            "网格编码,名称,层级,类型,备注\nX,甲,区级,社区,\n"
                .as_bytes()
                .to_vec(),
            "unknown column",
        ),
        ("网格编码,名称,类型\nX,甲,社区\n".as_bytes().to_vec(), "层级"),
        (Vec::new(), "empty"),
        (b"PK\x03\x04\x14\x00".to_vec(), "Excel"),
    ] {
        let body = app.gql(Some(&token), IMPORT, input("GRIDS", &bytes, false)).await;
        assert_eq!(error_code(&body).as_deref(), Some("BAD_USER_INPUT"), "{body}");
        assert_eq!(error_field(&body).as_deref(), Some("input.contentBase64"));
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "{needle}: {message}");
    }
    let body = app
        .gql(
            Some(&token),
            IMPORT,
            json!({ "i": { "kind": "GRIDS", "contentBase64": "@@not base64@@" } }),
        )
        .await;
    assert_eq!(error_field(&body).as_deref(), Some("input.contentBase64"));
    assert_eq!(app.count("grids").await, 10);
}

/// The binary with a newcomer's environment: no database or JWT settings inherited.
fn fengqiao(dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fengqiao"));
    c.current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("FENGQIAO_ENV")
        .env_remove("FENGQIAO_JWT_SECRET")
        .env_remove("FENGQIAO_JWT_ISSUER")
        .env_remove("FENGQIAO_JWT_AUDIENCE")
        .env_remove("FENGQIAO_DEMO_DATA")
        .env("FENGQIAO_LOG", "warn");
    c
}

#[test]
fn the_import_command_reports_failed_rows_and_exit_codes() {
    let dir = std::env::temp_dir().join(format!("fengqiao-import-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("grids.csv");
    std::fs::write(
        &file,
        gbk("网格编码,名称,层级,类型,上级编码\n\
             CLI-D,枫桥区,区级,社区,\n\
             CLI-X,省级网格,省级,社区,\n\
             CLI-A,枫桥镇片区,片区,社区,CLI-D\n"),
    )
    .expect("write csv");
    let run = |args: &[&str]| {
        let out = fengqiao(&dir)
            .arg("import")
            .args(args)
            .output()
            .expect("run fengqiao import");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let path = file.to_string_lossy().into_owned();

    let (code, out, err) = run(&["--kind", "grids", "--file", &path]);
    assert_eq!(code, Some(2), "stdout: {out}\nstderr: {err}");
    assert!(out.contains("(GBK)"), "{out}");
    assert!(
        out.contains("3 rows: 2 created, 0 updated, 0 unchanged, 1 failed"),
        "{out}"
    );
    assert!(out.contains("line 3 [层级] CLI-X: BAD_USER_INPUT"), "{out}");
    assert!(!out.contains("line 2") && !out.contains("line 4"), "{out}");

    let (code, out, _) = run(&["--kind", "grids", "--file", &path, "--dry-run"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("0 created, 0 updated, 2 unchanged, 1 failed"),
        "{out}"
    );
    assert!(out.contains("nothing was written"), "{out}");

    std::fs::write(
        &file,
        "code,name,level,kind,parentCode\nCLI-G,枫源村组团,GROUP,COMMUNITY,CLI-A\n",
    )
    .expect("write csv");
    let (code, out, err) = run(&["--kind", "grids", "--file", &path]);
    assert_eq!(code, Some(0), "stdout: {out}\nstderr: {err}");
    assert!(out.contains("1 created"), "{out}");

    std::fs::write(&file, "creditCode,name,colour\n").expect("write csv");
    let (code, out, err) = run(&["--kind", "enterprises", "--file", &path]);
    assert_eq!(code, Some(1), "stdout: {out}\nstderr: {err}");
    assert!(err.contains("unknown column \"colour\""), "{err}");

    let (code, _, err) = run(&["--kind", "grids", "--file", "no-such-file.csv"]);
    assert_eq!(code, Some(1), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
