//! What a standard GraphQL tool meets first: introspection under the default limits, the
//! GraphQL-over-HTTP media types and status codes, deterministic field order, persisted
//! queries and the small things a front-end developer trips on.

use fengqiao_api::auth::{Role, Scope};
use serde_json::{json, Value};

use crate::{
    fixtures::world,
    harness::{data, error_code, TestApp},
};

/// The standard introspection queries, generated from graphql-js 16.15's
/// `getIntrospectionQuery()`: its defaults, GraphiQL 3's options, and every option on.
const INTROSPECTION: [(&str, &str); 3] = [
    ("graphql-js", include_str!("introspection/graphql-js.graphql")),
    ("graphiql", include_str!("introspection/graphiql.graphql")),
    ("all options", include_str!("introspection/all-options.graphql")),
];

async fn post(
    app: &TestApp,
    token: Option<&str>,
    accept: Option<&str>,
    body: Value,
) -> (u16, Option<String>, Value) {
    let mut req = app.client.post(format!("{}/graphql", app.base)).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(a) = accept {
        req = req.header("accept", a);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = res.text().await.unwrap_or_default();
    (
        status,
        ct,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn standard_introspection_queries_run_under_the_default_limits() {
    let app = TestApp::spawn().await;
    for (name, q) in INTROSPECTION {
        let (status, _, body) = post(
            &app,
            None,
            None,
            json!({ "query": q, "operationName": "IntrospectionQuery" }),
        )
        .await;
        assert_eq!(status, 200, "{name}: {body}");
        let schema = &data(&body)["__schema"];
        assert_eq!(schema["queryType"]["name"], "QueryRoot", "{name}");
        let types = schema["types"].as_array().map(Vec::len).unwrap_or(0);
        assert!(types > 100, "{name}: only {types} types");
    }
    // A depth bomb through the schema's types is still refused.
    let bomb = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
    let (_, _, body) = post(&app, None, None, json!({ "query": bomb })).await;
    assert_eq!(
        body["errors"][0]["extensions"]["limit"], "introspectionDepth",
        "{body}"
    );
}

#[tokio::test]
async fn introspection_switched_off_answers_an_error_not_null() {
    let app = TestApp::spawn_with(|c| c.security.introspection = false).await;
    for q in [
        "{ __schema { types { name } } }",
        "{ __type(name: \"Case\") { name } }",
        INTROSPECTION[0].1,
    ] {
        let (status, _, body) = post(&app, None, None, json!({ "query": q })).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("data").is_none(), "{body}");
        assert_eq!(error_code(&body).as_deref(), Some("FORBIDDEN"), "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["reason"],
            "INTROSPECTION_DISABLED"
        );
    }
    // __typename is no introspection.
    let (_, _, body) = post(&app, None, None, json!({ "query": "{ __typename }" })).await;
    assert_eq!(data(&body)["__typename"], "QueryRoot");
}

#[tokio::test]
async fn media_types_and_status_codes_follow_graphql_over_http() {
    let app = TestApp::spawn().await;
    let gql = "application/graphql-response+json";
    // (case, Accept, body, status, content type, has a data entry)
    type Case<'a> = (&'a str, Option<&'a str>, Value, u16, &'a str, bool);
    let cases: [Case; 8] = [
        (
            "executed, json",
            Some("application/json"),
            json!({ "query": "{ __typename }" }),
            200,
            "application/json",
            true,
        ),
        (
            "executed, gql",
            Some(gql),
            json!({ "query": "{ __typename }" }),
            200,
            gql,
            true,
        ),
        (
            "executed, */*",
            Some("*/*"),
            json!({ "query": "{ __typename }" }),
            200,
            "application/json",
            true,
        ),
        (
            "executed, no accept",
            None,
            json!({ "query": "{ __typename }" }),
            200,
            "application/json",
            true,
        ),
        (
            "parse error, json",
            Some("application/json"),
            json!({ "query": "{" }),
            200,
            "application/json",
            false,
        ),
        (
            "parse error, gql",
            Some(gql),
            json!({ "query": "{" }),
            400,
            gql,
            false,
        ),
        (
            "validation error, gql",
            Some(gql),
            json!({ "query": "{ noSuchField }" }),
            400,
            gql,
            false,
        ),
        (
            "variables error, gql",
            Some(gql),
            json!({ "query": "query($n: Int!) { __typename }", "variables": {} }),
            400,
            gql,
            false,
        ),
    ];
    for (name, accept, body, status, ct, has_data) in cases {
        let (s, c, b) = post(&app, None, accept, body).await;
        assert_eq!(s, status, "{name}: {b}");
        assert!(
            c.as_deref().is_some_and(|c| c.starts_with(ct)),
            "{name}: content-type {c:?}"
        );
        // A request error (the document did not run) has no data entry, whatever the type.
        assert_eq!(b.get("data").is_some(), has_data, "{name}: data entry: {b}");
    }
    // Not a GraphQL request at all: 400 whatever the media type.
    for bad in [
        json!({ "query": 1 }),
        json!({ "query": "{ __typename }", "variables": "x" }),
        json!([]),
    ] {
        let (s, _, b) = post(&app, None, None, bad.clone()).await;
        assert_eq!(s, 400, "{bad}: {b}");
    }
}

#[tokio::test]
async fn response_fields_come_in_the_order_asked_every_time() {
    let app = TestApp::spawn().await;
    world(&app.db).await;
    let t = app.token(Role::Commander, "order", Scope::district());
    let q = "{ viewer { subject role } units(first: 2) { totalCount } cases(first: 2) { totalCount nodes { status id trackingNumber } }
             grids(first: 2) { totalCount } enterprises(first: 2) { totalCount } mediators(first: 1) { totalCount } __typename }";
    let mut bodies = std::collections::HashSet::new();
    for _ in 0..30 {
        let res = app
            .client
            .post(format!("{}/graphql", app.base))
            .bearer_auth(&t)
            .json(&json!({ "query": q }))
            .send()
            .await
            .expect("post");
        bodies.insert(res.text().await.unwrap_or_default());
    }
    assert_eq!(bodies.len(), 1, "{} different answers", bodies.len());
    // In the text (a JSON map would sort the keys): the order of the selection.
    let text = bodies.into_iter().next().unwrap_or_default();
    let at = |k: &str| text.find(&format!("\"{k}\"")).unwrap_or(usize::MAX);
    let root = [
        "viewer",
        "units",
        "cases",
        "grids",
        "enterprises",
        "mediators",
        "__typename",
    ];
    assert!(root.windows(2).all(|w| at(w[0]) < at(w[1])), "{text}");
    assert!(at("subject") < at("role"), "{text}");
    assert!(
        at("status") < at("id") && at("id") < at("trackingNumber"),
        "{text}"
    );
}

#[tokio::test]
async fn persisted_queries_speak_version_one_only() {
    let app = TestApp::spawn().await;
    let ext = |v: i64| json!({ "persistedQuery": { "version": v, "sha256Hash": "ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38" } });
    let (status, _, body) = post(&app, None, None, json!({ "extensions": ext(2) })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        error_code(&body).as_deref(),
        Some("PERSISTED_QUERY_NOT_SUPPORTED"),
        "{body}"
    );
    let (_, _, body) = post(&app, None, None, json!({ "extensions": ext(1) })).await;
    assert_eq!(
        error_code(&body).as_deref(),
        Some("PERSISTED_QUERY_NOT_FOUND"),
        "{body}"
    );
}

#[tokio::test]
async fn node_refetches_every_entity_type_within_scope() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let (sub, scope) = crate::fixtures::persona(Role::Admin, &w.a);
    let admin = app.token(Role::Admin, &sub, scope);
    let q = "query($id: ID!) { node(id: $id) { __typename id } }";
    let dup = uuid::Uuid::now_v7();
    sea_orm::ActiveModelTrait::insert(
        entity::duplicate_link::ActiveModel {
            id: sea_orm::Set(dup),
            case_id: sea_orm::Set(w.a.case),
            other_case_id: sea_orm::Set(w.a.case),
            reason: sea_orm::Set("test".into()),
            status: sea_orm::Set(entity::enums::DuplicateStatus::Pending),
            decided_by: sea_orm::Set(None),
            decided_at: sea_orm::Set(None),
            created_at: sea_orm::Set(chrono::Utc::now()),
        },
        &app.db,
    )
    .await
    .expect("link");
    for (ty, id) in [
        ("Case", w.a.case),
        ("Enterprise", w.a.enterprise),
        ("Volunteer", w.a.volunteer),
        ("VolunteerTeam", w.a.team),
        ("Grid", w.a.community),
        ("Unit", w.a.unit),
        ("MediationRoom", w.a.room),
        ("Mediator", w.a.mediator),
        ("Platform", w.a.platform),
        ("DuplicateLink", dup),
    ] {
        let body = app.gql(Some(&admin), q, json!({ "id": id.to_string() })).await;
        assert_eq!(data(&body)["node"]["__typename"], ty, "{body}");
        assert_eq!(data(&body)["node"]["id"], id.to_string());
    }
    // Out of scope: null and NOT_FOUND, as the type's own lookup.
    let body = app
        .gql(Some(&admin), q, json!({ "id": w.b.case.to_string() }))
        .await;
    assert!(body["data"]["node"].is_null(), "{body}");
    assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"));
    let body = app
        .gql(
            Some(&admin),
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
            json!({ "ids": [w.a.case.to_string(), w.b.case.to_string(), "nonsense", w.a.community.to_string()] }),
        )
        .await;
    let nodes = body["data"]["nodes"].as_array().cloned().unwrap_or_default();
    assert_eq!(nodes.len(), 4, "{body}");
    assert_eq!(nodes[0]["__typename"], "Case");
    assert!(nodes[1].is_null() && nodes[2].is_null());
    assert_eq!(nodes[3]["__typename"], "Grid");
    let paths: Vec<&Value> = body["errors"]
        .as_array()
        .map(|e| e.iter().map(|x| &x["path"]).collect())
        .unwrap_or_default();
    assert_eq!(paths, [&json!(["nodes", 1]), &json!(["nodes", 2])], "{body}");
}

#[tokio::test]
async fn an_unknown_typename_fails_its_own_slot_only() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let admin = app.token(Role::Admin, "admin-entities", Scope::district());
    let body = app
        .gql(
            Some(&admin),
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { id } ... on Grid { id } } }",
            json!({ "r": [
                { "__typename": "Case", "id": w.a.case.to_string() },
                { "__typename": "Spaceship", "id": "1" },
                { "__typename": "Grid", "id": w.b.community.to_string() }
            ] }),
        )
        .await;
    let list = &body["data"]["_entities"];
    assert_eq!(list[0]["id"], w.a.case.to_string(), "{body}");
    assert!(list[1].is_null(), "{body}");
    assert_eq!(list[2]["id"], w.b.community.to_string(), "{body}");
    assert_eq!(body["errors"][0]["path"], json!(["_entities", 1]), "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "representations[1].__typename"
    );
}
