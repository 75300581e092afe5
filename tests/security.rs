//! The attack suite: every attack is sent through the real router and must be rejected with
//! its exact answer, before a single SQL statement runs.

use std::path::PathBuf;

use fengqiao_api::{
    auth::{Role, Scope},
    config::{Mode, SecurityConfig},
};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::harness::{data, error_code, TestApp};

const IDP: &str = "https://idp.test.example";

fn keys_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/keys")
}

/// An issuers file trusting `IDP` with the fixture JWKS (RS256, ES256, EdDSA).
fn issuers_file() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fengqiao-issuers-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("issuers.json");
    let cfg = json!([{
        "issuer": IDP,
        "audiences": ["fengqiao"],
        "algorithms": ["RS256", "ES256", "EdDSA"],
        "keys": { "jwksFile": keys_dir().join("jwks.json") },
        "claims": { "role": "fq_role", "grids": "fq_grids" },
        "roleMap": { "dispatcher": "commander", "citizen": "citizen" }
    }]);
    std::fs::write(&path, cfg.to_string()).expect("write issuers");
    path
}

fn claims(role: &str, exp_in: i64, nbf_in: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({ "sub": "idp-user-1", "fq_role": role, "iss": IDP, "aud": "fengqiao",
            "exp": now + exp_in, "nbf": now + nbf_in, "iat": now })
}

fn rs256(c: &Value, kid: &str) -> String {
    let pem = std::fs::read(keys_dir().join("rsa-private.pem")).expect("rsa key");
    let key = EncodingKey::from_rsa_pem(&pem).expect("rsa pem");
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some(kid.into());
    encode(&h, c, &key).expect("sign")
}

fn b64(bytes: &[u8]) -> String {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    URL_SAFE_NO_PAD.encode(bytes)
}

/// One attack and the answer it must get.
struct Attack {
    name: &'static str,
    status: u16,
    code: &'static str,
    /// `extensions.limit` when a limit refuses it.
    limit: Option<&'static str>,
}

async fn post_raw(
    app: &TestApp,
    headers: &[(&str, &str)],
    content_type: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    let mut req = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("content-type", content_type)
        .body(body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let text = res.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn check(tally: &mut (usize, usize), a: &Attack, status: u16, body: &Value, statements: usize) {
    tally.0 += 1;
    assert_eq!(status, a.status, "{}: status; body {body}", a.name);
    if !a.code.is_empty() {
        assert_eq!(
            error_code(body).as_deref(),
            Some(a.code),
            "{}: code; body {body}",
            a.name
        );
    }
    if let Some(limit) = a.limit {
        assert_eq!(
            body["errors"][0]["extensions"]["limit"], limit,
            "{}: limit; body {body}",
            a.name
        );
    }
    assert_eq!(
        statements, 0,
        "{}: {statements} SQL statements ran before the rejection",
        a.name
    );
    let text = body.to_string();
    for leak in ["SELECT", "sqlite", "postgres", "panicked", ".rs:", "DbErr"] {
        assert!(!text.contains(leak), "{}: answer leaks {leak:?}: {text}", a.name);
    }
    tally.1 += 1;
}

#[tokio::test]
async fn attack_suite_is_rejected_before_any_sql() {
    let file = issuers_file();
    let app = TestApp::spawn_with(|c| c.security.issuers_file = Some(file.clone())).await;
    let mut tally = (0usize, 0usize);

    // A good token from the external issuer works (and maps the provider's role name).
    let good = rs256(&claims("dispatcher", 300, 0), "rsa-1");
    let body = app
        .gql(Some(&good), "{ viewer { role subject } }", json!({}))
        .await;
    assert_eq!(
        data(&body)["viewer"],
        json!({ "role": "COMMANDER", "subject": "idp-user-1" })
    );

    // --- Tokens ---
    let rsa_public = std::fs::read(keys_dir().join("rsa-public.pem")).expect("public key");
    let mut hs_confused = Header::new(Algorithm::HS256);
    hs_confused.kid = Some("rsa-1".into());
    let confused = encode(
        &hs_confused,
        &claims("dispatcher", 300, 0),
        &EncodingKey::from_secret(&rsa_public),
    )
    .expect("sign");
    let tampered = {
        let parts: Vec<&str> = good.split('.').collect();
        let mut c = claims("dispatcher", 300, 0);
        c["sub"] = json!("someone-else");
        format!("{}.{}.{}", parts[0], b64(c.to_string().as_bytes()), parts[2])
    };
    let none = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(claims("dispatcher", 300, 0).to_string().as_bytes())
    );
    let mut wrong_aud = claims("dispatcher", 300, 0);
    wrong_aud["aud"] = json!("another-api");
    let mut wrong_iss = claims("dispatcher", 300, 0);
    wrong_iss["iss"] = json!("https://evil.example");
    let tokens = [
        ("expired token", rs256(&claims("dispatcher", -600, -900), "rsa-1")),
        (
            "not-yet-valid token",
            rs256(&claims("dispatcher", 7200, 3600), "rsa-1"),
        ),
        ("wrong audience", rs256(&wrong_aud, "rsa-1")),
        ("wrong issuer", rs256(&wrong_iss, "rsa-1")),
        ("alg none", none),
        ("HS256 signed with the RS256 public key", confused),
        ("tampered payload", tampered),
        ("unknown kid", rs256(&claims("dispatcher", 300, 0), "rsa-404")),
        ("unknown role", rs256(&claims("root", 300, 0), "rsa-1")),
    ];
    for (name, token) in tokens {
        app.take_statements();
        let (status, body) = app
            .gql_status(Some(&token), "{ cases { totalCount } }", json!({}))
            .await;
        let n = app.take_statements();
        check(
            &mut tally,
            &Attack {
                name,
                status: 401,
                code: "UNAUTHENTICATED",
                limit: None,
            },
            status,
            &body,
            n,
        );
    }

    // --- Operations ---
    let admin = app.token(Role::Admin, "admin", Scope::district());
    let auth = format!("Bearer {admin}");
    let depth_bomb = format!(
        "{{ {} id {} }}",
        "cases { edges { node { grid { parent { ".repeat(12),
        "} } } } } ".repeat(12)
    );
    let aliases: String = (0..1000).map(|i| format!("a{i}: viewer {{ role }} ")).collect();
    let root_fields: String = (0..25).map(|i| format!("r{i}: viewer {{ role }} ")).collect();
    let complexity =
        "{ grids(first: 100) { nodes { cases(first: 100) { nodes { id timeline { seq } } } } } }";
    let directives: String = (0..30).map(|_| "@include(if: true) ").collect();
    let cycle = "query { cases { ...A } } fragment A on CaseConnection { ...B } fragment B on CaseConnection { ...A }";
    let ops: Vec<(&'static str, String, &'static str)> = vec![
        ("depth bomb", depth_bomb, "depth"),
        ("1,000 aliases", format!("{{ {aliases} }}"), "aliases"),
        ("25 root fields", format!("{{ {root_fields} }}"), "rootFields"),
        (
            "nested page sizes (complexity)",
            complexity.to_owned(),
            "complexity",
        ),
        (
            "30 directives",
            format!("{{ viewer {directives} {{ role }} }}"),
            "directives",
        ),
        ("fragment cycle", cycle.to_owned(), "fragmentCycle"),
        (
            "40 KiB query text",
            format!("{{ viewer {{ role }} }} #{}", "x".repeat(40 * 1024)),
            "queryBytes",
        ),
    ];
    // A document refused by a limit is a GraphQL request error: 200 under application/json
    // (GraphQL over HTTP), 400 under application/graphql-response+json; never run either way.
    for (name, q, limit) in ops {
        for (accept, expected) in [
            ("application/json", 200),
            ("application/graphql-response+json", 400),
        ] {
            app.take_statements();
            let (status, body) = post_raw(
                &app,
                &[("authorization", &auth), ("accept", accept)],
                "application/json",
                serde_json::to_vec(&json!({ "query": q })).unwrap_or_default(),
            )
            .await;
            let n = app.take_statements();
            assert!(
                body.get("data").is_none(),
                "{name}: a refused document has no data: {body}"
            );
            check(
                &mut tally,
                &Attack {
                    name,
                    status: expected,
                    code: "BAD_USER_INPUT",
                    limit: Some(limit),
                },
                status,
                &body,
                n,
            );
        }
    }

    app.take_statements();
    let batch: Vec<Value> = (0..100)
        .map(|_| json!({ "query": "{ viewer { role } }" }))
        .collect();
    let (status, body) = post_raw(
        &app,
        &[("authorization", &auth)],
        "application/json",
        serde_json::to_vec(&batch).unwrap_or_default(),
    )
    .await;
    let n = app.take_statements();
    check(
        &mut tally,
        &Attack {
            name: "100 batched operations",
            status: 400,
            code: "BAD_USER_INPUT",
            limit: Some("batch"),
        },
        status,
        &body,
        n,
    );

    app.take_statements();
    let huge = format!(
        r#"{{"query":"{{ viewer {{ role }} }}","variables":{{"x":"{}"}}}}"#,
        "y".repeat(10 * 1024 * 1024)
    );
    let (status, body) = post_raw(
        &app,
        &[("authorization", &auth)],
        "application/json",
        huge.into_bytes(),
    )
    .await;
    let n = app.take_statements();
    check(
        &mut tally,
        &Attack {
            name: "10 MB body",
            status: 413,
            code: "",
            limit: None,
        },
        status,
        &body,
        n,
    );

    app.take_statements();
    let (status, body) = post_raw(
        &app,
        &[("authorization", &auth)],
        "application/x-www-form-urlencoded",
        b"query=mutation%20%7B%20createUnit(input%3A%7Bcode%3A%22X%22%2Cname%3A%22X%22%2Ckind%3AFIRE%7D)%20%7B%20unit%20%7B%20id%20%7D%20%7D%20%7D".to_vec(),
    )
    .await;
    let n = app.take_statements();
    check(
        &mut tally,
        &Attack {
            name: "form post (CSRF)",
            status: 415,
            code: "BAD_USER_INPUT",
            limit: None,
        },
        status,
        &body,
        n,
    );

    app.take_statements();
    let (status, body) = post_raw(
        &app,
        &[("authorization", &auth)],
        "text/plain",
        br#"{"query":"{ viewer { role } }"}"#.to_vec(),
    )
    .await;
    let n = app.take_statements();
    check(
        &mut tally,
        &Attack {
            name: "text/plain post (CSRF)",
            status: 415,
            code: "BAD_USER_INPUT",
            limit: None,
        },
        status,
        &body,
        n,
    );

    app.take_statements();
    let res = app
        .client
        .get(format!("{}/graphql", app.base))
        .query(&[("query", "{ viewer { role } }")])
        .header("authorization", &auth)
        .send()
        .await
        .expect("get");
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    let n = app.take_statements();
    check(
        &mut tally,
        &Attack {
            name: "GET without CSRF header",
            status: 400,
            code: "BAD_USER_INPUT",
            limit: None,
        },
        status,
        &body,
        n,
    );

    let res = app
        .client
        .get(format!("{}/graphql", app.base))
        .query(&[(
            "query",
            "mutation { createUnit(input: {code: \"G\", name: \"G\", kind: FIRE}) { unit { id } } }",
        )])
        .header("authorization", &auth)
        .header("x-requested-with", "fetch")
        .send()
        .await
        .expect("get");
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    tally.0 += 1;
    assert_eq!(status, 405, "mutation over GET");
    assert_eq!(app.count("units").await, 0, "mutation over GET changed data");
    tally.1 += 1;
    let _ = body;

    app.take_statements();
    let (status, body) = app
        .gql_status(Some(&admin), "{ cases(first: 1000) { totalCount } }", json!({}))
        .await;
    let n = app.take_statements();
    assert_eq!(status, 200);
    check(
        &mut tally,
        &Attack {
            name: "page size over the cap",
            status: 200,
            code: "BAD_USER_INPUT",
            limit: None,
        },
        status,
        &body,
        n,
    );

    eprintln!(
        "attack suite (development app): {} attacks tried, {} rejected as expected",
        tally.0, tally.1
    );
    assert_eq!(tally.0, tally.1);
    // 23 attacks; the 7 operation-limit attacks are each sent under both media types.
    assert_eq!(tally.0, 30);
    let _ = std::fs::remove_dir_all(file.parent().unwrap_or(&file));
}

async fn production_app() -> TestApp {
    TestApp::spawn_with(|c| {
        c.mode = Mode::Production;
        c.security = SecurityConfig::defaults(Mode::Production, 100, 20);
    })
    .await
}

#[tokio::test]
async fn production_hides_the_schema_and_internals() {
    let app = production_app().await;
    app.take_statements();
    let (status, body) = app
        .gql_status(None, "{ __schema { types { name } } }", json!({}))
        .await;
    assert_eq!(status, 200);
    assert!(
        body["data"]["__schema"].is_null(),
        "introspection answered in production: {body}"
    );
    let (_, body) = app
        .gql_status(None, "{ __type(name: \"Case\") { fields { name } } }", json!({}))
        .await;
    assert!(
        body["data"]["__type"].is_null(),
        "type introspection answered in production: {body}"
    );
    let (_, body) = app.gql_status(None, "{ casez { totalCount } }", json!({})).await;
    let msg = body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!msg.contains("Did you mean"), "suggestions in production: {msg}");
    assert_eq!(app.take_statements(), 0, "schema errors ran SQL");
    // GraphiQL is not served in production.
    let res = app
        .client
        .get(format!("{}/", app.base))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 404);
    // Nor are the playground's demo tokens.
    let res = app
        .client
        .get(format!("{}/dev/tokens", app.base))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 404, "demo tokens served in production");
    // A token without a registered client is refused; an unknown client too.
    let t = app.token(Role::Commander, "c", Scope::district());
    let (status, body) = app.gql_status(Some(&t), "{ viewer { role } }", json!({})).await;
    assert_eq!((status, error_code(&body).as_deref()), (403, Some("FORBIDDEN")));
    // Without a client, nothing beyond public data.
    let (_, body) = app
        .gql_status(None, "{ viewer { role } cases { totalCount } }", json!({}))
        .await;
    assert_eq!(body["data"]["viewer"]["role"], "ANONYMOUS");
    assert!(body["data"]["cases"].is_null(), "{body}");
    assert_eq!(error_code(&body).as_deref(), Some("UNAUTHENTICATED"), "{body}");
}

#[tokio::test]
async fn internal_errors_carry_a_request_id_and_no_detail() {
    let app = production_app().await;
    use sea_orm::ConnectionTrait;
    let drop = if app.db.get_database_backend() == sea_orm::DbBackend::Postgres {
        "DROP TABLE mediation_rooms CASCADE"
    } else {
        "DROP TABLE mediation_rooms"
    };
    // Free the foreign keys on SQLite by dropping dependants first.
    if app.db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        app.db.execute_unprepared("PRAGMA foreign_keys = OFF").await.ok();
    }
    app.db.execute_unprepared(drop).await.expect("drop table");
    // A client is needed for a token in production.
    fengqiao_api::service::client::register(
        &app.db,
        &fengqiao_api::auth::Actor::system(),
        fengqiao_api::service::client::NewClient {
            client_id: "ops".into(),
            name: "ops console".into(),
            allowed_roles: vec![],
            rate_limit_per_minute: 1000,
            allow_list_only: false,
        },
    )
    .await
    .expect("register client");
    app.state.clients.reload(&app.db).await.expect("reload clients");
    let t = app.token(Role::Admin, "admin", Scope::district());
    let res = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&t)
        .header("x-client-id", "ops")
        .json(&json!({ "query": "{ mediationRooms { totalCount } }" }))
        .send()
        .await
        .expect("post");
    let body: Value = res.json().await.expect("json");
    assert_eq!(error_code(&body).as_deref(), Some("INTERNAL"), "{body}");
    assert_eq!(body["errors"][0]["message"], "internal error");
    assert!(body["errors"][0]["extensions"]["requestId"].is_string());
    let text = body.to_string();
    for leak in [
        "mediation_rooms",
        "no such table",
        "relation",
        "SELECT",
        "sqlite",
        "postgres",
    ] {
        assert!(!text.contains(leak), "internal error leaks {leak:?}: {text}");
    }
}

#[tokio::test]
async fn clients_allow_lists_persisted_queries_and_rate_limits() {
    let app = TestApp::spawn_with(|c| c.security.rate_anonymous_per_min = 5).await;
    let admin = app.token(Role::Admin, "admin", Scope::district());
    let register = "mutation($i: RegisterClientInput!) { registerClient(input: $i) { apiClient { clientId allowedRoles allowListOnly } } }";
    let body = app
        .gql(
            Some(&admin),
            register,
            json!({ "i": { "clientId": "mp-citizen", "name": "群众小程序", "allowedRoles": ["CITIZEN"], "rateLimitPerMinute": 600, "allowListOnly": true } }),
        )
        .await;
    assert_eq!(data(&body)["registerClient"]["apiClient"]["allowListOnly"], true);
    let op = "query Mine { cases(first: 10) { totalCount } }";
    let body = app
        .gql(
            Some(&admin),
            "mutation($i: RegisterPersistedOperationInput!) { registerPersistedOperation(input: $i) { operation { sha256 } } }",
            json!({ "i": { "clientId": "mp-citizen", "name": "Mine", "query": op } }),
        )
        .await;
    let sha = data(&body)["registerPersistedOperation"]["operation"]["sha256"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(sha.len(), 64);

    let citizen = app.token(Role::Citizen, "c1", Scope::default());
    let send = |token: String, client: &'static str, body: Value| {
        let req = app
            .client
            .post(format!("{}/graphql", app.base))
            .bearer_auth(token)
            .header("x-client-id", client)
            .json(&body);
        async move {
            let res = req.send().await.expect("post");
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    // The registered operation runs by hash alone.
    app.take_statements();
    let (status, body) = send(
        citizen.clone(),
        "mp-citizen",
        json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha } } }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(data(&body)["cases"]["totalCount"], 0);
    // Any other operation is refused before SQL.
    app.take_statements();
    let (status, body) = send(
        citizen.clone(),
        "mp-citizen",
        json!({ "query": "{ cases(first: 50) { totalCount } }" }),
    )
    .await;
    assert_eq!(
        (status, error_code(&body).as_deref()),
        (400, Some("FORBIDDEN")),
        "{body}"
    );
    assert_eq!(body["errors"][0]["extensions"]["reason"], "NOT_ALLOW_LISTED");
    assert_eq!(app.take_statements(), 0);
    // A commander token through the citizens' mini-program is refused.
    let commander = app.token(Role::Commander, "boss", Scope::district());
    let (status, body) = send(commander, "mp-citizen", json!({ "query": op })).await;
    assert_eq!((status, error_code(&body).as_deref()), (403, Some("FORBIDDEN")));
    // An unknown client with a token is refused; without a token it is anonymous.
    let (status, _) = send(
        citizen.clone(),
        "no-such-client",
        json!({ "query": "{ viewer { role } }" }),
    )
    .await;
    assert_eq!(status, 403);

    // Automatic persisted queries for an ordinary caller.
    let q = "{ viewer { role } }";
    let h = {
        use sha2::{Digest, Sha256};
        Sha256::digest(q.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": h } });
    let (status, body) = app.gql_status(Some(&admin), "", json!({})).await;
    assert_eq!(status, 400, "{body}");
    let apq = |body: Value| {
        let req = app
            .client
            .post(format!("{}/graphql", app.base))
            .bearer_auth(&admin)
            .json(&body);
        async move {
            let res = req.send().await.expect("post");
            (
                res.status().as_u16(),
                res.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (_, body) = apq(json!({ "extensions": ext })).await;
    assert_eq!(error_code(&body).as_deref(), Some("PERSISTED_QUERY_NOT_FOUND"));
    let (_, body) = apq(json!({ "query": q, "extensions": ext })).await;
    assert_eq!(data(&body)["viewer"]["role"], "ADMIN");
    let (_, body) = apq(json!({ "extensions": ext })).await;
    assert_eq!(data(&body)["viewer"]["role"], "ADMIN");
    let (_, body) = apq(json!({ "query": "{ viewer { subject } }", "extensions": ext })).await;
    assert_eq!(
        error_code(&body).as_deref(),
        Some("BAD_USER_INPUT"),
        "a hash that does not match is refused"
    );

    // Anonymous callers are rate limited per address, with a retry hint, before SQL.
    let mut limited = None;
    for _ in 0..10 {
        let res = app
            .client
            .post(format!("{}/graphql", app.base))
            .json(&json!({ "query": "{ viewer { role } }" }))
            .send()
            .await
            .expect("post");
        if res.status().as_u16() == 429 {
            let retry = res
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            limited = Some((retry, res.json::<Value>().await.unwrap_or(Value::Null)));
            break;
        }
    }
    let (retry, body) = limited.expect("anonymous requests were never rate limited");
    assert!(retry.and_then(|r| r.parse::<u64>().ok()).is_some_and(|r| r >= 1));
    assert_eq!(error_code(&body).as_deref(), Some("RATE_LIMITED"));
    assert!(body["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_u64()
        .is_some_and(|r| r >= 1));
}

#[tokio::test]
async fn cors_answers_only_allow_listed_origins() {
    let app =
        TestApp::spawn_with(|c| c.security.cors_origins = vec!["https://mp.example.gov.cn".into()]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.base))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type,authorization,x-client-id",
            )
            .send()
    };
    let ok = preflight("https://mp.example.gov.cn").await.expect("preflight");
    assert_eq!(
        ok.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("https://mp.example.gov.cn")
    );
    let other = preflight("https://evil.example").await.expect("preflight");
    assert!(
        other.headers().get("access-control-allow-origin").is_none(),
        "CORS allowed an unlisted origin"
    );
}
