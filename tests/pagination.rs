//! Keyset pagination: forwards, backwards, sort orders, page caps and bad cursors.

use fengqiao_api::{
    auth::{Actor, Role, Scope},
    service::{self, case::NewReport},
};
use serde_json::{json, Value};

use crate::{
    fixtures::world,
    harness::{data, error_code, error_field, TestApp},
};

const PAGE: &str =
    "query($first: Int, $after: String, $last: Int, $before: String, $sort: CaseSort, $f: CaseFilterInput) {
  cases(first: $first, after: $after, last: $last, before: $before, sort: $sort, filter: $f) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id title } } }";

fn titles(v: &Value) -> Vec<String> {
    v["cases"]["nodes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|n| n["title"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn pages_cover_the_list_exactly_once_in_both_directions() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let citizen = Actor::new(Role::Citizen, Some("p".into()), Scope::default());
    for i in 0..25 {
        service::case::report(
            &app.state.store,
            &citizen,
            NewReport {
                title: format!("第{i:02}件"),
                description: if i % 5 == 0 {
                    "噪音扰民".into()
                } else {
                    "其他".into()
                },
                grid_id: Some(w.a.community),
                ..Default::default()
            },
        )
        .await
        .expect("report");
    }
    let t = app.token(Role::Admin, "admin", Scope::district());
    let filter = json!({ "gridId": w.a.district.to_string(), "text": "" });
    // Forwards, newest first.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    for expected in [10, 10, 6] {
        let body = app
            .gql(
                Some(&t),
                PAGE,
                json!({ "first": 10, "after": after, "f": filter }),
            )
            .await;
        let d = data(&body);
        assert_eq!(d["cases"]["totalCount"], 26);
        let page = titles(d);
        assert_eq!(page.len(), expected);
        seen.extend(page);
        after = d["cases"]["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        assert_eq!(d["cases"]["pageInfo"]["hasNextPage"], expected == 10);
    }
    let mut expected: Vec<String> = (0..25).rev().map(|i| format!("第{i:02}件")).collect();
    expected.push("案件A".into());
    assert_eq!(seen, expected, "forward pages skip or repeat rows");

    // Backwards from the end gives the same rows.
    let mut back = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let body = app
            .gql(
                Some(&t),
                PAGE,
                json!({ "last": 7, "before": before, "f": filter }),
            )
            .await;
        let d = data(&body);
        let mut page = titles(d);
        page.extend(back);
        back = page;
        if d["cases"]["pageInfo"]["hasPreviousPage"] != true {
            break;
        }
        before = d["cases"]["pageInfo"]["startCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(back, expected, "backward pages differ");

    // Another sort order pages the same set.
    let mut asc = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let body = app
            .gql(
                Some(&t),
                PAGE,
                json!({ "first": 9, "after": after, "sort": "UPDATED_AT_ASC", "f": filter }),
            )
            .await;
        let d = data(&body);
        asc.extend(titles(d));
        if d["cases"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = d["cases"]["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    let mut sorted_asc = asc.clone();
    sorted_asc.sort();
    let mut sorted_expected = expected.clone();
    sorted_expected.sort();
    assert_eq!(sorted_asc, sorted_expected);

    // A text filter.
    let body = app
        .gql(Some(&t), PAGE, json!({ "first": 50, "f": { "text": "噪音" } }))
        .await;
    assert_eq!(data(&body)["cases"]["totalCount"], 5);

    // Caps and bad cursors.
    let body = app.gql(Some(&t), PAGE, json!({ "first": 101 })).await;
    assert_eq!(error_code(&body).as_deref(), Some("BAD_USER_INPUT"));
    assert_eq!(error_field(&body).as_deref(), Some("first"));
    let body = app
        .gql(Some(&t), PAGE, json!({ "first": 5, "after": "bm90LWEtY3Vyc29y" }))
        .await;
    assert_eq!(error_field(&body).as_deref(), Some("after"));
    let body = app.gql(Some(&t), PAGE, json!({ "first": 5, "last": 5 })).await;
    assert_eq!(error_code(&body).as_deref(), Some("BAD_USER_INPUT"));
}
