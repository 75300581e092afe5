//! CSV exports: `/export/cases.csv` is the `cases` list (same filter, same scope, same order)
//! and `/export/statistics.csv` the `caseStatistics` groups; both UTF-8 with a BOM, Chinese
//! headers, defused formulas, masked personal fields, a token and a role, and an audit record.

use entity::{audit_event, case, enums::*};
use fengqiao_api::auth::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{
    harness::{data, TestApp},
    statistics::{lab, t, token_for, year_2025},
};

const RANGE: &str = "createdFrom=2025-01-01T00:00:00Z&createdTo=2026-01-01T00:00:00Z";

struct Csv {
    status: u16,
    content_type: String,
    bytes: Vec<u8>,
}

impl Csv {
    /// The body without its BOM, as rows of cells.
    fn rows(&self) -> Vec<Vec<String>> {
        let text = std::str::from_utf8(&self.bytes).expect("utf-8");
        let text = text.strip_prefix('\u{feff}').expect("starts with a BOM");
        text.lines().map(parse_line).collect()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// Cells of one line; every cell is quoted, quotes inside are doubled.
fn parse_line(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    cells.push(cur);
    cells
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> Csv {
    let mut req = app.client.get(format!("{}{path}", app.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("export request");
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = res.bytes().await.expect("export body").to_vec();
    Csv {
        status,
        content_type,
        bytes,
    }
}

const LIST: &str = "query($f: CaseFilterInput, $s: CaseSort) {
  cases(first: 100, filter: $f, sort: $s) { totalCount nodes { trackingNumber } } }";

async fn listed(app: &TestApp, token: &str, filter: Value, sort: &str) -> Vec<String> {
    let body = app
        .gql(Some(token), LIST, json!({ "f": filter, "s": sort }))
        .await;
    data(&body)["cases"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["trackingNumber"].as_str().expect("number").to_owned())
        .collect()
}

async fn exports_recorded(app: &TestApp, operation: &str) -> usize {
    audit_event::Entity::find()
        .filter(audit_event::Column::Operation.eq(operation))
        .filter(audit_event::Column::Action.eq("EXPORT"))
        .all(&app.db)
        .await
        .expect("audit rows")
        .len()
}

#[tokio::test]
async fn exports_need_a_token_and_a_role() {
    let app = TestApp::spawn().await;
    let lab = lab(&app.db).await;
    for path in ["/export/cases.csv", "/export/statistics.csv?groupBy=KIND"] {
        let r = get(&app, path, None).await;
        assert_eq!(r.status, 401, "{path}: {}", r.text());
        assert!(r.text().contains("UNAUTHENTICATED"), "{}", r.text());
        assert_eq!(get(&app, path, Some("not-a-jwt")).await.status, 401, "{path}");
        for role in [
            Role::Citizen,
            Role::Volunteer,
            Role::Mediator,
            Role::EnterpriseLiaison,
        ] {
            let r = get(&app, path, Some(&token_for(&app, role, &lab.w.a))).await;
            assert_eq!(r.status, 403, "{path} as {role:?}: {}", r.text());
            assert!(r.text().contains("FORBIDDEN"));
        }
    }
    let tok = token_for(&app, Role::Commander, &lab.w.a);
    for path in [
        "/export/cases.csv?kinds=NOPE",
        "/export/cases.csv?colour=RED",
        "/export/cases.csv?createdFrom=yesterday",
        "/export/cases.csv?sort=UPDATED_AT_DESC",
        "/export/statistics.csv?groupBy=WEATHER",
        "/export/statistics.csv?timeBucket=YEAR",
    ] {
        let r = get(&app, path, Some(&tok)).await;
        assert_eq!(r.status, 400, "{path}: {}", r.text());
        assert!(r.text().contains("BAD_USER_INPUT"), "{}", r.text());
    }
    assert_eq!(
        exports_recorded(&app, "exportCases").await,
        0,
        "refusals export nothing"
    );
}

#[tokio::test]
async fn case_export_matches_the_list() {
    let app = TestApp::spawn().await;
    let lab = lab(&app.db).await;
    let tok = token_for(&app, Role::Commander, &lab.w.a);
    let r = get(&app, &format!("/export/cases.csv?{RANGE}"), Some(&tok)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.content_type, "text/csv; charset=utf-8");
    assert_eq!(&r.bytes[..3], b"\xEF\xBB\xBF", "UTF-8 byte-order mark first");
    let rows = r.rows();
    assert_eq!(rows[0][0], "受理编号");
    assert!(rows[0].contains(&"上报人".to_owned()) && rows[0].contains(&"网格".to_owned()));
    let exported: Vec<String> = rows[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(exported, listed(&app, &tok, year_2025(), "CREATED_AT_DESC").await);
    assert_eq!(exported.len(), 7);
    let mut expected = lab.a_numbers.clone();
    expected.reverse();
    assert_eq!(exported, expected, "newest first, as the list");
    for b in &lab.b_numbers {
        assert!(!r.text().contains(b.as_str()), "side B's {b} leaked");
    }

    // The formula title stays text; personal fields are masked.
    let six = rows
        .iter()
        .find(|r| r[0] == "FQSTATA0006")
        .expect("case 6 exported");
    assert_eq!(six[3], "'=cmd|' /C calc'!A0");
    assert!(r.text().contains("\"'=cmd|' /C calc'!A0\""));
    let one = rows.iter().find(|r| r[0] == "FQSTATA0001").expect("case 1");
    let col = |name: &str| rows[0].iter().position(|h| h == name).expect(name);
    assert_eq!(one[col("上报人")], "王**");
    assert_eq!(one[col("联系电话")], "138****1234");
    // Administrative units only: no road or house number (see `mask::address`).
    assert_eq!(one[col("地址")], "浙江省杭州市拱墅区武林街道****");
    assert_eq!(one[col("网格")], "社区A");
    assert_eq!(one[col("主办单位")], "市场监管所A");
    assert_eq!(one[col("状态")], "CLOSED");
    assert_eq!(t(&one[col("上报时间")]), t("2025-01-10T08:00:00Z"));
    assert!(!r.text().contains("13800001234") && !r.text().contains("王小明"));
    let five = rows.iter().find(|r| r[0] == "FQSTATA0005").expect("case 5");
    assert_eq!(five[col("是否超期")], "是");
    assert_eq!(one[col("是否超期")], "否");
    assert_eq!(exports_recorded(&app, "exportCases").await, 1);

    // Same filters and order options as the API.
    let r = get(
        &app,
        &format!("/export/cases.csv?{RANGE}&kinds=DISPUTE,HELP_REQUEST&sort=CREATED_AT_ASC"),
        Some(&tok),
    )
    .await;
    let exported: Vec<String> = r.rows()[1..].iter().map(|r| r[0].clone()).collect();
    let f = json!({ "createdFrom": "2025-01-01T00:00:00Z", "createdTo": "2026-01-01T00:00:00Z",
                    "kinds": ["DISPUTE", "HELP_REQUEST"] });
    assert_eq!(exported, listed(&app, &tok, f, "CREATED_AT_ASC").await);
    assert_eq!(
        exported,
        [
            "FQSTATA0001",
            "FQSTATA0002",
            "FQSTATA0004",
            "FQSTATA0005",
            "FQSTATA0007"
        ]
    );
    let r = get(
        &app,
        &format!("/export/cases.csv?{RANGE}&overdue=true"),
        Some(&tok),
    )
    .await;
    let exported: Vec<String> = r.rows()[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(exported, ["FQSTATA0006", "FQSTATA0005"]);

    // A grid worker's export holds their grid's cases only.
    let gw = token_for(&app, Role::GridWorker, &lab.w.a);
    let r = get(&app, &format!("/export/cases.csv?{RANGE}"), Some(&gw)).await;
    assert_eq!(r.rows().len() - 1, 4);
}

#[tokio::test]
async fn case_export_pages_through_long_lists() {
    let app = TestApp::spawn().await;
    let w = crate::fixtures::world(&app.db).await;
    let n = 1203;
    let base = t("2025-06-01T00:00:00Z");
    let mut batch = Vec::new();
    for i in 0..n {
        let created = base + chrono::Duration::minutes(i);
        batch.push(case::ActiveModel {
            id: Set(Uuid::now_v7()),
            tracking_number: Set(format!("FQPAGE{i:06}")),
            kind: Set(CaseKind::Dispute),
            category: Set(None),
            title: Set(format!("第{i}件")),
            description: Set("分页".into()),
            status: Set(CaseStatus::Reported),
            risk_colour: Set(None),
            severity: Set(None),
            source: Set(CaseSource::MiniProgram),
            reporter_role: Set(ReporterRole::Citizen),
            reporter_subject: Set(None),
            reporter_name: Set(None),
            reporter_phone: Set(None),
            address: Set(None),
            latitude: Set(None),
            longitude: Set(None),
            grid_id: Set(Some(if i % 10 == 0 { w.b.community } else { w.a.community })),
            placement: Set(Some(entity::enums::Placement::Given)),
            enterprise_id: Set(None),
            room_id: Set(None),
            report_code_id: Set(None),
            tracking_token_hash: Set(None),
            occurred_at: Set(None),
            first_response_due: Set(None),
            resolution_due: Set(None),
            first_response_at: Set(None),
            resolved_at: Set(None),
            closed_at: Set(None),
            version: Set(1),
            created_at: Set(created),
            updated_at: Set(created),
        });
        if batch.len() == 200 {
            case::Entity::insert_many(std::mem::take(&mut batch))
                .exec_without_returning(&app.db)
                .await
                .expect("insert cases");
        }
    }
    case::Entity::insert_many(batch)
        .exec_without_returning(&app.db)
        .await
        .expect("insert cases");
    let tok = token_for(&app, Role::Commander, &w.a);
    let side_a = (0..n).filter(|i| i % 10 != 0).count();
    for (sort, desc) in [("CREATED_AT_DESC", true), ("CREATED_AT_ASC", false)] {
        let r = get(
            &app,
            &format!("/export/cases.csv?{RANGE}&sort={sort}"),
            Some(&tok),
        )
        .await;
        assert_eq!(r.status, 200);
        let numbers: Vec<String> = r.rows()[1..].iter().map(|r| r[0].clone()).collect();
        assert_eq!(
            numbers.len(),
            side_a,
            "every side-A row once, across pages of 500"
        );
        let mut expected: Vec<String> = (0..n)
            .filter(|i| i % 10 != 0)
            .map(|i| format!("FQPAGE{i:06}"))
            .collect();
        if desc {
            expected.reverse();
        }
        assert_eq!(numbers, expected, "{sort}");
    }
}

#[tokio::test]
async fn statistics_export_matches_the_query() {
    let app = TestApp::spawn().await;
    let lab = lab(&app.db).await;
    let tok = token_for(&app, Role::Commander, &lab.w.a);
    let r = get(
        &app,
        &format!("/export/statistics.csv?{RANGE}&groupBy=KIND"),
        Some(&tok),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(&r.bytes[..3], b"\xEF\xBB\xBF");
    let rows = r.rows();
    assert_eq!(&rows[0][..4], ["事件类型", "事件数", "已出结果数", "化解数"]);
    let col = |name: &str| rows[0].iter().position(|h| h == name).expect(name);
    let kinds: Vec<(&str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[col("事件数")].as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("DISPUTE", "4"),
            ("HELP_REQUEST", "1"),
            ("POLICE_INCIDENT", "1"),
            ("SAFETY_HAZARD", "1"),
            ("合计", "7")
        ]
    );
    let dispute = &rows[1];
    assert_eq!(dispute[col("化解率")], "0.7500");
    assert_eq!(dispute[col("首次响应中位数(秒)")], "900");
    assert_eq!(dispute[col("办理时长P90(秒)")], "86400");
    let help = &rows[2];
    assert_eq!(help[col("化解率")], "", "null rate: empty cell");
    let total = rows.last().expect("total");
    assert_eq!(total[col("化解率")], "0.8000");
    assert_eq!(total[col("超期数")], "2");
    assert!(!r.text().contains("FQSTATB"), "no side-B data");

    let r = get(
        &app,
        &format!("/export/statistics.csv?{RANGE}&groupBy=GRID,PERIOD&gridLevel=AREA&timeBucket=MONTH"),
        Some(&tok),
    )
    .await;
    let rows = r.rows();
    assert_eq!(&rows[0][..3], ["网格", "周期起始", "事件数"]);
    let cells: Vec<(&str, &str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str(), r[2].as_str()))
        .collect();
    assert!(cells.contains(&("第二街道A", "2025-02-01", "2")), "{cells:?}");
    assert!(cells.contains(&("街道A", "2025-03-01", "2")), "{cells:?}");
    assert_eq!(cells.last(), Some(&("合计", "", "7")));
    assert_eq!(exports_recorded(&app, "exportCaseStatistics").await, 2);

    // Without groupBy: one line, the total.
    let r = get(&app, &format!("/export/statistics.csv?{RANGE}"), Some(&tok)).await;
    let rows = r.rows();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][0], "7");
}
