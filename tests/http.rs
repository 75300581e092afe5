//! The HTTP surface: health, GET for queries only, JSON only, batch cap, GraphiQL.

use fengqiao_api::auth::{Role, Scope};
use serde_json::{json, Value};

use crate::harness::{data, error_code, TestApp};

#[tokio::test]
async fn health_get_json_and_batches() {
    let app = TestApp::spawn().await;
    let c = &app.client;
    for path in ["/healthz", "/readyz"] {
        let res = c
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 200, "{path}");
    }
    let token = app.token(Role::Admin, "admin", Scope::district());

    // GET without a header that a cross-site page cannot set is refused (CSRF guard)...
    let res = c
        .get(format!("{}/graphql", app.base))
        .query(&[("query", "{ viewer { role } }")])
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 400);
    // ...with one, GET runs queries...
    let res = c
        .get(format!("{}/graphql", app.base))
        .query(&[("query", "{ viewer { role } }")])
        .header("x-requested-with", "fetch")
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    assert_eq!(data(&body)["viewer"]["role"], "ADMIN");
    // ...but never mutations.
    let res = c
        .get(format!("{}/graphql", app.base))
        .query(&[(
            "query",
            "mutation { createUnit(input: {code: \"U\", name: \"U\", kind: FIRE}) { unit { id } } }",
        )])
        .header("x-requested-with", "fetch")
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 405);
    assert_eq!(
        res.headers()["allow"],
        "POST",
        "a 405 names the method that works"
    );
    assert_eq!(app.count("units").await, 0);

    // A POST that is not JSON (a cross-site form or text/plain) is refused.
    let res = c
        .post(format!("{}/graphql", app.base))
        .header("content-type", "text/plain")
        .body(r#"{"query":"{ viewer { role } }"}"#)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 415);

    // Batches: allowed, each answered, but capped.
    let op = json!({ "query": "{ viewer { role } }" });
    let res = c
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&token)
        .json(&json!([op, op]))
        .send()
        .await
        .expect("post");
    let body: Value = res.json().await.expect("json");
    assert_eq!(body.as_array().map(Vec::len), Some(2));
    let many: Vec<Value> = (0..11).map(|_| op.clone()).collect();
    let res = c
        .post(format!("{}/graphql", app.base))
        .json(&many)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 400);

    // Syntax errors get a stable code and a request id, and are no limit; under
    // application/json they are 200 (GraphQL over HTTP), under graphql-response+json 400.
    let (status, body) = app.gql_status(Some(&token), "{ viewer { role ", json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["errors"][0]["extensions"].get("limit").is_none(), "{body}");
    assert_eq!(error_code(&body).as_deref(), Some("BAD_USER_INPUT"));
    assert!(body["errors"][0]["extensions"]["requestId"].is_string());
    let res = c
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&token)
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ viewer { role " }))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 400);
    assert!(res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/graphql-response+json")));
    // A malformed id in a lookup finds nothing; in a filter it is bad input.
    let body = app
        .gql(Some(&token), "{ case(id: \"nope\") { id } }", json!({}))
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"));
    let body = app
        .gql(
            Some(&token),
            "{ cases(filter: { gridId: \"nope\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn graphiql_is_served_without_external_assets() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get(format!("{}/", app.base))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("html");
    assert!(html.contains("/assets/graphiql/graphiql.min.js"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "GraphiQL page loads external assets"
    );
    let js = app
        .client
        .get(format!("{}/assets/graphiql/graphiql.min.js", app.base))
        .send()
        .await
        .expect("get");
    assert_eq!(js.status(), 200);
}
