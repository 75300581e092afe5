//! Apollo Federation: `_entities` reads in the caller's scope like every other read, in order,
//! with misses in their own slots; `_service { sdl }` is the Federation v2 subgraph SDL.

use fengqiao_api::{
    auth::{Actor, Role, Scope},
    service::{self, case::NewReport},
};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{
    fixtures::{persona, world, Side},
    harness::{data, error_code, TestApp},
};

/// What every test selects of every entity type.
const ENTITIES: &str = "query($r: [_Any!]!) { _entities(representations: $r) {
  __typename
  ... on Case { id title }
  ... on Enterprise { id name }
  ... on Volunteer { id }
  ... on MediationRoom { id name }
  ... on Grid { id name }
} }";

/// The five entity types.
const TYPES: [&str; 5] = ["Case", "Enterprise", "Volunteer", "MediationRoom", "Grid"];

fn rep(typename: &str, id: impl ToString) -> Value {
    json!({ "__typename": typename, "id": id.to_string() })
}

/// The id of side `s`'s row of entity type `typename`.
fn id_of(s: &Side, typename: &str) -> Uuid {
    match typename {
        "Case" => s.case,
        "Enterprise" => s.enterprise,
        "Volunteer" => s.volunteer,
        "MediationRoom" => s.room,
        "Grid" => s.community,
        other => panic!("not an entity type: {other}"),
    }
}

fn token(app: &TestApp, role: Role, s: &Side) -> String {
    let (subject, scope) = persona(role, s);
    app.token(role, &subject, scope)
}

async fn entities(app: &TestApp, token: Option<&str>, reps: Vec<Value>) -> Value {
    app.gql(token, ENTITIES, json!({ "r": reps })).await
}

/// Errors as `(code, path)`, sorted by path.
fn errors(body: &Value) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["extensions"]["code"].as_str().unwrap_or_default().to_owned(),
                e["path"].clone(),
            )
        })
        .collect();
    out.sort_by_key(|(_, path)| path.to_string());
    out
}

/// The body without what differs between any two requests (request ids).
fn comparable(body: &Value) -> Value {
    let mut body = body.clone();
    for e in body["errors"].as_array_mut().into_iter().flatten() {
        if let Some(ext) = e["extensions"].as_object_mut() {
            ext.remove("requestId");
        }
    }
    body
}

#[tokio::test]
async fn each_entity_resolves_in_scope_and_is_not_found_out_of_scope() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let worker_a = token(&app, Role::GridWorker, &w.a);
    for typename in TYPES {
        // In scope: the entity, as its own lookup field would answer.
        let own = id_of(&w.a, typename);
        let body = entities(&app, Some(&worker_a), vec![rep(typename, own)]).await;
        let e = &data(&body)["_entities"][0];
        assert_eq!(e["__typename"], typename, "{typename}: {body}");
        assert_eq!(e["id"], own.to_string(), "{typename}: {body}");

        // Out of scope: the other side's row for scoped aggregates; for the directory
        // (grids, rooms: any signed-in caller) the anonymous caller.
        let directory = matches!(typename, "MediationRoom" | "Grid");
        let (caller, other) = if directory {
            (None, own)
        } else {
            (Some(worker_a.as_str()), id_of(&w.b, typename))
        };
        let body = entities(&app, caller, vec![rep(typename, other)]).await;
        assert_eq!(
            body["data"]["_entities"],
            json!([null]),
            "{typename}: out of scope must be null: {body}"
        );
        assert_eq!(
            errors(&body),
            vec![("NOT_FOUND".to_owned(), json!(["_entities", 0]))],
            "{typename}: {body}"
        );
        assert_eq!(body["errors"][0]["message"], "not found", "{typename}: {body}");
        // Ids reveal nothing: an id out of scope answers exactly as one that never existed.
        let never = entities(&app, caller, vec![rep(typename, Uuid::now_v7())]).await;
        assert_eq!(comparable(&body), comparable(&never), "{typename}");

        if directory {
            // Any signed-in caller sees the directory of both sides.
            let body = entities(&app, Some(&worker_a), vec![rep(typename, id_of(&w.b, typename))]).await;
            assert_eq!(
                data(&body)["_entities"][0]["id"],
                id_of(&w.b, typename).to_string()
            );
        }
    }
}

#[tokio::test]
async fn a_mixed_list_resolves_in_order_with_misses_in_their_slots() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let worker_a = token(&app, Role::GridWorker, &w.a);
    let reps = vec![
        rep("Case", w.a.case),
        rep("Grid", w.b.community),
        rep("Case", w.b.case), // out of scope
        rep("Enterprise", w.a.enterprise),
        rep("Volunteer", Uuid::now_v7()), // never existed
        rep("Volunteer", w.a.volunteer),
        rep("MediationRoom", w.a.room),
        rep("Enterprise", w.b.enterprise), // out of scope
        rep("Case", w.a.case),             // a duplicate
        rep("Case", w.b.case),             // a duplicate miss
    ];
    let body = app
        .gql(
            Some(&worker_a),
            &ENTITIES.replace("_entities(", "found: _entities("),
            json!({ "r": reps }),
        )
        .await;
    let got: Vec<Value> = body["data"]["found"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|e| {
            if e.is_null() {
                Value::Null
            } else {
                json!([e["__typename"], e["id"]])
            }
        })
        .collect();
    let s = |u: Uuid| u.to_string();
    assert_eq!(
        got,
        vec![
            json!(["Case", s(w.a.case)]),
            json!(["Grid", s(w.b.community)]),
            Value::Null,
            json!(["Enterprise", s(w.a.enterprise)]),
            Value::Null,
            json!(["Volunteer", s(w.a.volunteer)]),
            json!(["MediationRoom", s(w.a.room)]),
            Value::Null,
            json!(["Case", s(w.a.case)]),
            Value::Null,
        ],
        "{body}"
    );
    // One NOT_FOUND per miss, each at its own index under the field's response key.
    let not_found = |i: usize| ("NOT_FOUND".to_owned(), json!(["found", i]));
    assert_eq!(
        errors(&body),
        vec![not_found(2), not_found(4), not_found(7), not_found(9)],
        "{body}"
    );
    // The misses carry nothing of the rows.
    let text = body["errors"].to_string();
    for leaked in ["案件B", "企业B", &s(w.b.community)] {
        assert!(!text.contains(leaked), "error leaks {leaked}: {text}");
    }
}

#[tokio::test]
async fn an_anonymous_caller_learns_nothing() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let mut reps: Vec<Value> = TYPES.iter().map(|t| rep(t, id_of(&w.a, t))).collect();
    reps.extend(TYPES.iter().map(|t| rep(t, Uuid::now_v7())));
    let body = entities(&app, None, reps.clone()).await;
    assert_eq!(
        body["data"]["_entities"],
        json!(vec![Value::Null; reps.len()]),
        "{body}"
    );
    let expected: Vec<(String, Value)> = (0..reps.len())
        .map(|i| ("NOT_FOUND".to_owned(), json!(["_entities", i])))
        .collect();
    let mut got = errors(&body);
    got.sort_by_key(|(_, path)| path[1].as_u64());
    assert_eq!(got, expected, "{body}");
    let messages: Vec<&Value> = body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["message"])
        .collect();
    assert!(messages.iter().all(|m| *m == "not found"), "{body}");
}

#[tokio::test]
async fn a_malformed_id_is_bad_user_input_in_its_slot() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let worker_a = token(&app, Role::GridWorker, &w.a);
    for typename in TYPES {
        let body = entities(
            &app,
            Some(&worker_a),
            vec![rep(typename, "not-an-id"), rep("Case", w.a.case)],
        )
        .await;
        assert_eq!(body["data"]["_entities"][0], Value::Null, "{typename}: {body}");
        assert_eq!(
            body["data"]["_entities"][1]["id"],
            w.a.case.to_string(),
            "{typename}: {body}"
        );
        assert_eq!(
            errors(&body),
            vec![("BAD_USER_INPUT".to_owned(), json!(["_entities", 0]))],
            "{typename}: {body}"
        );
        assert_eq!(
            body["errors"][0]["extensions"]["field"], "representations[0].id",
            "{typename}: {body}"
        );
    }
    // A type this subgraph does not resolve fails its own slot, naming the types it does
    // (tests/graphql_http.rs has the whole story).
    let body = entities(
        &app,
        Some(&worker_a),
        vec![rep("Case", w.a.case), rep("Unit", w.a.unit)],
    )
    .await;
    assert_eq!(body["data"]["_entities"][0]["id"], w.a.case.to_string(), "{body}");
    assert_eq!(body["data"]["_entities"][1], Value::Null, "{body}");
    assert_eq!(
        errors(&body),
        vec![("BAD_USER_INPUT".to_owned(), json!(["_entities", 1]))],
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "representations[1].__typename",
        "{body}"
    );
    // A representation without a type or an id is not a representation at all: the field
    // fails (a gateway bug, not a miss).
    for bad in [
        json!({ "__typename": "Case" }),
        json!({ "id": w.a.case.to_string() }),
    ] {
        let body = entities(&app, Some(&worker_a), vec![rep("Case", w.a.case), bad.clone()]).await;
        assert!(body["data"].is_null(), "{bad}: {body}");
        assert_eq!(
            error_code(&body).as_deref(),
            Some("BAD_USER_INPUT"),
            "{bad}: {body}"
        );
    }
}

#[tokio::test]
async fn service_sdl_is_the_federation_v2_subgraph() {
    let app = TestApp::spawn().await;
    // Anonymous, like a gateway composing at start-up; passes the operation limits.
    let body = app.gql(None, "{ _service { __typename sdl } }", json!({})).await;
    let service = &data(&body)["_service"];
    assert_eq!(service["__typename"], "_Service");
    let sdl = service["sdl"].as_str().expect("sdl").to_owned();
    // What CI composes from is what the running service publishes. (The library's unit test
    // parses this SDL with the GraphQL parser and checks its @link, @key and roots.)
    assert_eq!(sdl, fengqiao_api::graphql::federation::subgraph_sdl());
    // The same answer under an alias, through a fragment, in a named operation of several.
    let body = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": "query Other { __typename } query Gateway { s: _service { ...F } } fragment F on _Service { sdl }", "operationName": "Gateway" }))
        .send()
        .await
        .expect("request")
        .json::<serde_json::Value>()
        .await
        .expect("json");
    assert_eq!(data(&body)["s"]["sdl"].as_str(), Some(sdl.as_str()), "{body}");

    assert!(
        sdl.contains("extend schema @link(\n\turl: \"https://specs.apollo.dev/federation/v2."),
        "no Federation v2 @link"
    );
    let link = &sdl[sdl.find("extend schema @link(").unwrap_or(0)..];
    assert!(link.contains("import: [\"@key\""), "@key not imported: {link}");
    assert!(
        sdl.starts_with("schema {\n\tquery: QueryRoot\n\tmutation: MutationRoot\n}\n"),
        "root operation types are not declared"
    );
    // @key(fields: "id") on exactly the five entity types, and nowhere else.
    let mut keyed: Vec<&str> = sdl
        .lines()
        .filter(|l| l.contains("@key("))
        .map(|l| {
            assert!(l.ends_with(" @key(fields: \"id\") {"), "unexpected key: {l}");
            l.trim_start_matches("type ")
                .split(' ')
                .next()
                .unwrap_or_default()
        })
        .collect();
    keyed.sort_unstable();
    let mut five = TYPES.to_vec();
    five.sort_unstable();
    assert_eq!(keyed, five);
    // The federation plumbing is not part of the published SDL.
    for absent in [
        "_entities",
        "_service",
        "_Any",
        "_Entity",
        "_Service",
        "FederationQuery",
    ] {
        assert!(!sdl.contains(absent), "{absent} in the subgraph SDL");
    }
    // Well-formed: braces, brackets and parentheses balance outside strings.
    let mut depth = 0i64;
    let mut in_string = false;
    for line in sdl.lines() {
        if line.trim() == "\"\"\"" || line.trim_start().starts_with('"') {
            continue;
        }
        for ch in line.chars() {
            match ch {
                '"' => in_string = !in_string,
                '{' | '(' | '[' if !in_string => depth += 1,
                '}' | ')' | ']' if !in_string => depth -= 1,
                _ => {}
            }
            assert!(depth >= 0, "unbalanced at: {line}");
        }
        assert!(!in_string, "unterminated string: {line}");
    }
    assert_eq!(depth, 0, "unbalanced SDL");
}

#[tokio::test]
async fn service_sdl_is_withheld_where_introspection_is_off() {
    let app = TestApp::spawn_with(|c| c.security.introspection = false).await;
    let w = world(&app.db).await;
    let body = app
        .gql(None, "{ _service { kind: __typename text: sdl } }", json!({}))
        .await;
    assert_eq!(
        data(&body)["_service"],
        json!({ "kind": "_Service", "text": null }),
        "{body}"
    );
    // Entities still resolve there, in scope.
    let worker_a = token(&app, Role::GridWorker, &w.a);
    let body = entities(&app, Some(&worker_a), vec![rep("Case", w.a.case)]).await;
    assert_eq!(data(&body)["_entities"][0]["id"], w.a.case.to_string());
}

#[tokio::test]
async fn representations_of_one_type_are_one_batch() {
    // A wide batch window keeps a busy CI machine from splitting a batch; no outbox worker
    // polls the pool, so every statement counted is the request's.
    let app = TestApp::spawn_with(|c| {
        c.loader_delay = std::time::Duration::from_millis(25);
        c.integration.deliver = false;
    })
    .await;
    let w = world(&app.db).await;
    let citizen = Actor::new(Role::Citizen, Some("bulk".into()), Scope::default());
    let mut cases = vec![w.a.case, w.b.case];
    for i in 0..48 {
        let c = service::case::report(
            &app.state.store,
            &citizen,
            NewReport {
                title: format!("案件 {i}"),
                description: "描述".into(),
                grid_id: Some(if i % 2 == 0 { w.a.community } else { w.b.community }),
                ..Default::default()
            },
        )
        .await
        .expect("report");
        cases.push(c.id);
    }
    // A scoped caller (the scope itself costs a statement) and an unrestricted one.
    let commander_a = token(&app, Role::Commander, &w.a);
    let admin = app.token(Role::Admin, "admin", Scope::district());
    for (who, t, visible) in [("commander", &commander_a, 25), ("admin", &admin, 50)] {
        let mut counts = Vec::new();
        for n in [1, 10, 50] {
            let reps: Vec<Value> = cases[..n].iter().map(|c| rep("Case", c)).collect();
            app.take_statements();
            let body = entities(&app, Some(t), reps).await;
            counts.push(app.take_statements());
            let found = body["data"]["_entities"]
                .as_array()
                .map(|a| a.iter().filter(|e| !e.is_null()).count())
                .unwrap_or(0);
            if n == 50 {
                assert_eq!(found, visible, "{who}: {body}");
            }
        }
        eprintln!("{who}: statements for 1, 10, 50 Case representations: {counts:?}");
        assert!(
            counts.iter().all(|c| *c == counts[0]),
            "{who}: statement count grows with the representations: {counts:?}"
        );
    }
}

#[tokio::test]
async fn representations_count_toward_the_operation_cost() {
    // No outbox worker polls the pool, so every statement counted is the request's.
    let app = TestApp::spawn_with(|c| c.integration.deliver = false).await;
    let w = world(&app.db).await;
    let admin = app.token(Role::Admin, "admin", Scope::district());
    // Twenty fields per representation (a repeated field costs each time it is asked for).
    let query = format!(
        "query($r: [_Any!]!) {{ _entities(representations: $r) {{ ... on Case {{ {} }} }} }}",
        "id ".repeat(20)
    );
    let reps = |n: usize| -> Vec<Value> { (0..n).map(|_| rep("Case", w.a.case)).collect() };
    // 50 representations: 1 + 50 × 20, well within the ceiling.
    let (status, body) = app
        .gql_status(Some(&admin), &query, json!({ "r": reps(50) }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(data(&body)["_entities"][49]["id"], w.a.case.to_string());
    // 1,000: 1 + 1,000 × 20 = 20,001 > 20,000, refused before any SQL.
    app.take_statements();
    let (status, body) = app
        .gql_status(Some(&admin), &query, json!({ "r": reps(1000) }))
        .await;
    assert_eq!(
        status, 200,
        "a request error is 200 under application/json: {body}"
    );
    assert_eq!(error_code(&body).as_deref(), Some("BAD_USER_INPUT"));
    let ext = &body["errors"][0]["extensions"];
    assert_eq!(
        (&ext["limit"], &ext["actual"]),
        (&json!("complexity"), &json!(20_001)),
        "{body}"
    );
    assert_eq!(app.take_statements(), 0, "a refused operation ran SQL");
}
