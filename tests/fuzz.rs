//! Robustness: random GraphQL-ish documents and random JSON bodies through the real router
//! never produce a server error, a non-JSON answer or internal detail; the input validators
//! never panic and their canonical output validates to itself.

use std::sync::atomic::{AtomicUsize, Ordering};

use fengqiao_api::{
    auth::{Role, Scope},
    validate,
};
use proptest::{
    prelude::*,
    test_runner::{Config as ProptestConfig, RngSeed, TestCaseError, TestRunner},
};
use serde_json::{json, Value};

use crate::{fixtures::world, harness::TestApp};

/// Text that must never reach a client: SQL, database names and errors, panics, source paths.
const INTERNAL_DETAIL: &[&str] = &[
    "SELECT",
    "INSERT",
    "sqlite",
    "SQLite",
    "postgres",
    "relation \"",
    "no such table",
    "panicked",
    ".rs:",
    "/work/",
    "/root/",
    "stack backtrace",
    "DbErr",
    "sqlx",
];

/// Field names of the real schema, plus a few that do not exist.
const FIELDS: &[&str] = &[
    "cases",
    "case",
    "caseByTrackingNumber",
    "edges",
    "node",
    "nodes",
    "cursor",
    "pageInfo",
    "hasNextPage",
    "endCursor",
    "totalCount",
    "grid",
    "grids",
    "parent",
    "children",
    "covers",
    "enterprise",
    "enterprises",
    "contacts",
    "timeline",
    "parties",
    "reporterPhone",
    "reporterName",
    "residentId",
    "address",
    "reveal",
    "masked",
    "revealable",
    "kind",
    "volunteers",
    "volunteerTasks",
    "volunteer",
    "mediators",
    "mediator",
    "sessions",
    "room",
    "units",
    "unit",
    "viewer",
    "auditEvents",
    "apiClients",
    "id",
    "name",
    "code",
    "__schema",
    "__type",
    "__typename",
    "types",
    "fields",
    "ofType",
    "createUnit",
    "createGrid",
    "reportCase",
    "registerClient",
    "doesNotExist",
    "_",
];

const ARGS: &[&str] = &[
    "first",
    "last",
    "after",
    "before",
    "id",
    "filter",
    "sort",
    "input",
    "reason",
    "trackingNumber",
    "if",
    "name",
    "text",
];

const TYPES: &[&str] = &[
    "QueryRoot",
    "MutationRoot",
    "Case",
    "Grid",
    "PersonalField",
    "Enterprise",
    "Nope",
];

/// Few fragment names, so that spreads often refer to each other (and form cycles).
const FRAGMENTS: &[&str] = &["F", "G", "H"];

fn pick(list: &'static [&'static str]) -> impl Strategy<Value = String> + Clone {
    prop::sample::select(list).prop_map(str::to_owned)
}

/// A syntactically valid GraphQL value literal (the values themselves are random: huge and
/// negative numbers, any unicode, unknown enum values, undeclared variables).
fn gql_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        16 => any::<i64>().prop_map(|n| n.to_string()),
        8 => prop::sample::select(&[
            "-1",
            "0",
            "2147483647",
            "2147483648",
            "-2147483649",
            "1e308",
            "-0.0",
            "null",
            "true",
            "false",
            "\"\"",
            "\"\\u0000\"",
            "\"\"\"block \\\"\"\" string\"\"\"",
        ][..])
        .prop_map(str::to_owned),
        8 => any::<f64>().prop_map(|f| if f.is_finite() { format!("{f:?}") } else { "1e308".into() }),
        16 => any::<String>().prop_map(|s| serde_json::to_string(&s).expect("string literal")),
        8 => "[A-Z_]{1,12}",
        4 => "\\$[a-z]{1,3}",
        // Out of range for i64 / f64 (the parser refuses the whole document).
        1 => prop::sample::select(&["99999999999999999999999999999", "1e999"][..]).prop_map(str::to_owned),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec((prop_oneof![pick(ARGS), "[a-z]{1,6}"], inner), 0..4).prop_map(|v| {
                let kv: Vec<String> = v.into_iter().map(|(k, v)| format!("{k}: {v}")).collect();
                format!("{{{}}}", kv.join(", "))
            }),
        ]
    })
}

/// `(first: -3, id: "…")`, or nothing.
fn arguments() -> impl Strategy<Value = String> {
    prop::collection::vec((pick(ARGS), gql_value()), 0..3).prop_map(|v| {
        if v.is_empty() {
            String::new()
        } else {
            let kv: Vec<String> = v.into_iter().map(|(k, v)| format!("{k}: {v}")).collect();
            format!("({})", kv.join(", "))
        }
    })
}

/// `@skip(if: …)`, `@include(if: …)`, unknown or argument-less directives.
fn directives() -> impl Strategy<Value = String> {
    let one = prop_oneof![
        gql_value().prop_map(|v| format!("@skip(if: {v})")),
        gql_value().prop_map(|v| format!("@include(if: {v})")),
        any::<bool>().prop_map(|b| format!("@include(if: {b})")),
        Just("@skip".to_owned()),
        Just("@deprecated".to_owned()),
        Just("@nope(x: 1)".to_owned()),
    ];
    prop::collection::vec(one, 0..3).prop_map(|v| v.join(" "))
}

/// A selection: field (with alias, arguments, directives, children), spread or inline fragment.
fn selection() -> impl Strategy<Value = String> {
    let alias = prop::option::weighted(0.25, "[a-z][a-zA-Z0-9_]{0,6}");
    let leaf = (alias.clone(), pick(FIELDS), arguments(), directives()).prop_map(|(a, f, args, d)| {
        format!("{}{f}{args} {d}", a.map(|a| format!("{a}: ")).unwrap_or_default())
    });
    leaf.prop_recursive(6, 48, 5, move |inner| {
        prop_oneof![
            4 => (
                alias.clone(),
                pick(FIELDS),
                arguments(),
                directives(),
                prop::collection::vec(inner.clone(), 1..5)
            )
                .prop_map(|(a, f, args, d, children)| format!(
                    "{}{f}{args} {d} {{ {} }}",
                    a.map(|a| format!("{a}: ")).unwrap_or_default(),
                    children.join(" ")
                )),
            1 => (pick(FRAGMENTS), directives()).prop_map(|(f, d)| format!("...{f} {d}")),
            1 => (
                prop::option::of(pick(TYPES)),
                directives(),
                prop::collection::vec(inner, 1..3)
            )
                .prop_map(|(t, d, children)| format!(
                    "... {} {d} {{ {} }}",
                    t.map(|t| format!("on {t}")).unwrap_or_default(),
                    children.join(" ")
                )),
        ]
    })
}

/// An operation with fragment definitions.
fn document() -> impl Strategy<Value = String> {
    let head = prop::sample::select(
        &[
            "",
            "query",
            "query Q",
            "mutation",
            "mutation M",
            "subscription",
            "query($v: Int, $s: String)",
            "query Q($id: ID! = \"x\", $f: CaseFilterInput)",
            "query($v: [Int!]! = [1, null])",
            "fragment",
            "query query",
        ][..],
    );
    let fragment = (
        pick(FRAGMENTS),
        pick(TYPES),
        prop::collection::vec(selection(), 1..3),
    );
    (
        head,
        prop::collection::vec(selection(), 1..6),
        prop::collection::vec(fragment, 0..4),
    )
        .prop_map(|(h, sels, frags)| {
            // Each name defined once (a duplicate stops at validation, a cycle should not).
            let mut seen = Vec::new();
            let frags: Vec<String> = frags
                .into_iter()
                .filter(|(n, _, _)| {
                    let fresh = !seen.contains(n);
                    seen.push(n.clone());
                    fresh
                })
                .map(|(n, t, s)| format!("fragment {n} on {t} {{ {} }}", s.join(" ")))
                .collect();
            format!("{h} {{ {} }} {}", sels.join(" "), frags.join(" "))
        })
}

/// A string literal: any unicode, LIKE and quote characters, uuid- and cursor-like text.
fn string_literal() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[%_'\"\\\\;:a-zA-Z0-9 -]{0,24}",
        "[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
        "[A-Za-z0-9+/=_-]{0,48}",
    ]
    .prop_map(|s| serde_json::to_string(&s).expect("string literal"))
}

fn int_literal() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => any::<i32>().prop_map(|n| n.to_string()),
        4 => (-3i32..120).prop_map(|n| n.to_string()),
        1 => Just("2147483648".to_owned()),
        1 => Just("-2147483649".to_owned()),
    ]
}

fn float_literal() -> impl Strategy<Value = String> {
    prop_oneof![
        (-200.0f64..200.0).prop_map(|f| format!("{f:?}")),
        any::<f64>().prop_map(|f| if f.is_finite() {
            format!("{f:?}")
        } else {
            "1e999".into()
        }),
    ]
}

/// Valid operations of the real schema with random argument values, so that random input
/// reaches the resolvers, the pagination cursors, the filters and the database.
fn realistic() -> impl Strategy<Value = String> {
    (
        0usize..12,
        prop::collection::vec(
            prop_oneof![3 => string_literal(), 2 => Just("null".to_owned())],
            4
        ),
        prop::collection::vec(int_literal(), 2),
        prop::collection::vec(float_literal(), 2),
    )
        .prop_map(|(t, s, n, f)| match t {
            0 => format!(
                "{{ cases(first: {}, after: {}, filter: {{ text: {} }}) {{ totalCount edges {{ cursor node {{ id trackingNumber reporterPhone {{ masked }} grid {{ parent {{ children {{ id }} }} }} }} }} pageInfo {{ endCursor hasNextPage }} }} }}",
                n[0], s[0], s[1]
            ),
            1 => format!(
                "{{ cases(last: {}, before: {}, sort: UPDATED_AT_ASC, filter: {{ gridId: {}, enterpriseId: {} }}) {{ nodes {{ id timeline {{ seq note }} }} }} }}",
                n[0], s[0], s[1], s[2]
            ),
            2 => format!("{{ case(id: {}) {{ id parties {{ name {{ masked }} }} }} }}", s[0]),
            3 => format!("{{ caseByTrackingNumber(trackingNumber: {}) {{ id }} }}", s[0]),
            4 => format!(
                "{{ grid(id: {}) {{ parent {{ id }} cases(first: {}) {{ totalCount }} }} grids(filter: {{ text: {}, withinGridId: {} }}) {{ nodes {{ code }} }} }}",
                s[0], n[0], s[1], s[2]
            ),
            5 => format!(
                "{{ enterprises(first: {}, filter: {{ text: {}, industry: {} }}) {{ nodes {{ creditCode contacts {{ name {{ masked }} }} }} }} enterpriseByCreditCode(creditCode: {}) {{ id }} }}",
                n[0], s[0], s[1], s[2]
            ),
            6 => format!(
                "{{ volunteers(first: {}, filter: {{ text: {}, language: {} }}) {{ nodes {{ name {{ masked }} }} }} mediators(filter: {{ language: {}, text: {} }}) {{ nodes {{ phone {{ masked }} }} }} }}",
                n[0], s[0], s[1], s[2], s[3]
            ),
            7 => format!(
                "{{ auditEvents(first: {}, after: {}, filter: {{ action: {}, objectId: {}, actorSubject: {} }}) {{ totalCount nodes {{ id }} }} }}",
                n[0], s[0], s[1], s[2], s[3]
            ),
            8 => format!(
                "{{ cases(first: 1) {{ nodes {{ reporterPhone {{ reveal(reason: {}) }} parties {{ residentId {{ reveal(reason: {}) }} }} }} }} }}",
                s[0], s[1]
            ),
            9 => format!(
                "mutation {{ createUnit(input: {{ code: {}, name: {}, kind: FIRE, phone: {}, address: {} }}) {{ unit {{ id }} }} }}",
                s[0], s[1], s[2], s[3]
            ),
            10 => format!(
                "mutation {{ reportCase(input: {{ title: {}, description: {}, latitude: {}, longitude: {}, reporterPhone: {}, parties: [{{ role: VICTIM, name: {}, residentId: {} }}] }}) {{ case {{ id }} }} }}",
                s[0], s[1], f[0], f[1], s[2], s[3], s[0]
            ),
            _ => format!(
                "mutation {{ createEnterprise(input: {{ creditCode: {}, name: {}, contacts: [{{ name: {}, phone: {} }}] }}) {{ enterprise {{ id }} }} }} ",
                s[0], s[1], s[2], s[3]
            ),
        })
}

/// Damage to a document: truncation, inserted garbage, unbalanced or very deep braces.
#[derive(Clone, Debug)]
enum Damage {
    None,
    Truncate(prop::sample::Index),
    Insert(prop::sample::Index, String),
    Close(usize),
    Open(usize),
    Nest(usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        10 => Just(Damage::None),
        1 => any::<prop::sample::Index>().prop_map(Damage::Truncate),
        1 => (any::<prop::sample::Index>(), any::<String>()).prop_map(|(i, s)| Damage::Insert(i, s)),
        1 => (any::<prop::sample::Index>(), "[{}()\\[\\]:@$!.,=\"#|&.]{1,20}")
            .prop_map(|(i, s)| Damage::Insert(i, s)),
        1 => (1usize..50).prop_map(Damage::Close),
        1 => (1usize..50).prop_map(Damage::Open),
        1 => (1usize..4000).prop_map(Damage::Nest),
    ]
}

fn apply(doc: String, d: &Damage) -> String {
    let cut = |i: &prop::sample::Index| {
        let bounds: Vec<usize> = doc.char_indices().map(|(i, _)| i).chain([doc.len()]).collect();
        bounds[i.index(bounds.len())]
    };
    match d {
        Damage::None => doc,
        Damage::Truncate(i) => doc[..cut(i)].to_owned(),
        Damage::Insert(i, s) => {
            let at = cut(i);
            format!("{}{s}{}", &doc[..at], &doc[at..])
        }
        Damage::Close(n) => format!("{doc}{}", "}".repeat(*n)),
        Damage::Open(n) => format!("{}{doc}", "{".repeat(*n)),
        Damage::Nest(n) => format!(
            "{{ {} __typename {} }}",
            "cases { nodes { grid { parent { ".repeat(n / 4 + 1),
            "} } } }".repeat(n / 4 + 1)
        ),
    }
}

/// Any JSON value, with keys that the endpoint looks at.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        any::<String>().prop_map(Value::String),
        document().prop_map(Value::String),
    ];
    let key = prop_oneof![
        pick(&[
            "query",
            "variables",
            "operationName",
            "extensions",
            "persistedQuery",
            "sha256Hash",
            "version",
            "id",
            "first",
        ]),
        any::<String>(),
    ];
    leaf.prop_recursive(4, 32, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// One request body.
#[derive(Clone, Debug)]
enum Body {
    /// `{"query": …, "variables": …, "operationName": …}` with a generated document.
    Operation {
        query: String,
        variables: Value,
        operation_name: Value,
    },
    /// Any JSON.
    Json(Value),
    /// Not necessarily JSON at all (sent as application/json nonetheless).
    Bytes(Vec<u8>),
}

impl Body {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Body::Operation {
                query,
                variables,
                operation_name,
            } => serde_json::to_vec(&json!({
                "query": query, "variables": variables, "operationName": operation_name
            }))
            .expect("json"),
            Body::Json(v) => serde_json::to_vec(v).expect("json"),
            Body::Bytes(b) => b.clone(),
        }
    }
}

fn body() -> impl Strategy<Value = Body> {
    let variables = prop_oneof![
        Just(Value::Null),
        json_value(),
        (json_value(), json_value(), json_value())
            .prop_map(|(v, s, id)| json!({ "v": v, "s": s, "id": id, "f": { "text": "x" } })),
    ];
    let operation_name = prop_oneof![
        Just(Value::Null),
        Just(json!("Q")),
        Just(json!("M")),
        any::<String>().prop_map(Value::String),
        any::<i64>().prop_map(Value::from),
    ];
    let shaped = prop_oneof![
        any::<f64>().prop_map(|f| json!({ "query": f })),
        json_value().prop_map(|q| json!({ "query": q })),
        (document(), any::<String>()).prop_map(|(q, v)| json!({ "query": q, "variables": v })),
        (document(), any::<i64>()).prop_map(|(q, v)| json!({ "query": q, "variables": v })),
        "[0-9a-fA-F]{0,70}".prop_map(|h| json!({
            "extensions": { "persistedQuery": { "version": 1, "sha256Hash": h } }
        })),
        (document(), "[0-9a-f]{64}").prop_map(|(q, h)| json!({
            "query": q, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": h } }
        })),
        prop::collection::vec(document(), 0..13)
            .prop_map(|qs| Value::Array(qs.into_iter().map(|q| json!({ "query": q })).collect())),
    ];
    prop_oneof![
        3 => (realistic(), damage(), Just(Value::Null)).prop_map(|(d, dmg, variables)| Body::Operation {
            query: apply(d, &dmg),
            variables,
            operation_name: Value::Null,
        }),
        6 => (document(), damage(), variables, operation_name).prop_map(|(d, dmg, variables, operation_name)| {
            Body::Operation {
                query: apply(d, &dmg),
                variables,
                operation_name,
            }
        }),
        2 => shaped.prop_map(Body::Json),
        1 => json_value().prop_map(Body::Json),
        1 => prop::collection::vec(any::<u8>(), 0..300).prop_map(Body::Bytes),
    ]
}

/// Sends one body and checks the answer.
async fn check(app: &TestApp, token: Option<&str>, body: &Body) -> Result<(), TestCaseError> {
    let sent = body.bytes();
    let mut req = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("content-type", "application/json")
        .body(sent.clone());
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req
        .send()
        .await
        .map_err(|e| TestCaseError::fail(format!("request failed: {e}")))?;
    let status = res.status().as_u16();
    let bytes = res
        .bytes()
        .await
        .map_err(|e| TestCaseError::fail(format!("body: {e}")))?;
    let text = String::from_utf8_lossy(&bytes);
    let who = if token.is_some() { "admin" } else { "anonymous" };
    prop_assert!(status < 500, "{who}: HTTP {status}: {text}");
    let answer = serde_json::from_slice::<Value>(&bytes);
    prop_assert!(answer.is_ok(), "{who}: HTTP {status}, body is not JSON: {text}");
    // Look at the raw text and at the decoded strings (JSON escapes `"` and may escape more).
    let mut seen = text.to_string();
    if let Ok(v) = &answer {
        strings(v, &mut seen);
    }
    let mut asked = String::from_utf8_lossy(&sent).to_string();
    if let Ok(v) = serde_json::from_slice::<Value>(&sent) {
        strings(&v, &mut asked);
    }
    for marker in INTERNAL_DETAIL {
        // An error may quote the request; only what the request did not contain counts.
        if !asked.contains(marker) {
            prop_assert!(
                !seen.contains(marker),
                "{who}: the answer reveals {marker:?}: {text}"
            );
        }
    }
    Ok(())
}

/// Appends every key and string value of `v` to `out`, one per line.
fn strings(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            out.push('\n');
            out.push_str(s);
        }
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => {
            for (k, x) in o {
                out.push('\n');
                out.push_str(k);
                strings(x, out);
            }
        }
        _ => {}
    }
}

fn config(cases: u32, seed: u64) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        max_shrink_iters: 256,
        ..ProptestConfig::default()
    }
}

#[test]
fn random_documents_and_bodies_never_break_the_router() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (app, admin) = rt.block_on(async {
        let app = TestApp::spawn_with(|c| {
            // Every case must reach the pipeline, not the rate limiter.
            c.security.rate_anonymous_per_min = 1_000_000;
            c.security.rate_actor_per_min = 1_000_000;
            c.security.rate_address_per_min = 1_000_000;
        })
        .await;
        world(&app.db).await;
        let admin = app.token(Role::Admin, "fuzz-admin", Scope::district());
        (app, admin)
    });
    let mut runner = TestRunner::new(config(256, 0x00f3_a9c1_a0b0_0001));
    let result = runner.run(&body(), |b| {
        rt.block_on(async {
            check(&app, None, &b).await?;
            check(&app, Some(&admin), &b).await
        })
    });
    drop(app);
    drop(rt);
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// A string that is often close to valid for some validator, padded with whitespace.
fn validator_input() -> impl Strategy<Value = String> {
    let near = prop_oneof![
        any::<String>(),
        "\\PC{0,30}",
        "[0-9A-Za-z]{17,19}",
        "[0-9]{17}[0-9Xx]",
        "(\\+86|0086|86)?[ -]?1[3-9][0-9 -]{9,12}",
        "(\\+86 ?)?0?[1-9][0-9]{1,2}[ -]?[0-9]{6,9}",
        "1[0-9]{1,5}",
        "[a-zA-Z]{1,4}([-_][a-zA-Z0-9]{1,9}){0,3}",
        "[a-zA-Z]{1,3}",
        "[A-Za-z0-9_.\\- ]{0,70}",
        "[\\r\\n\\t \\u{3000}\\u{85}a-z枫桥]{0,20}",
        // Valid values with a mutated case or a random tail.
        (
            "[0-9A-HJ-NP-RT-UW-Y]{17}",
            prop::bool::ANY,
            prop::option::of("[0-9A-Z]")
        )
            .prop_map(|(b, lower, tail)| {
                let c = crate::fixtures::credit_code(&b);
                let c = if lower { c.to_lowercase() } else { c };
                tail.map(|t| format!("{}{t}", &c[..17])).unwrap_or(c)
            }),
        (
            "[1-8][0-9]{5}",
            1900u32..2101,
            1u32..13,
            1u32..32,
            "[0-9]{3}",
            prop::bool::ANY
        )
            .prop_map(|(area, y, m, d, seq, lower)| {
                let id = crate::fixtures::resident_id(&format!("{area}{y:04}{m:02}{d:02}{seq}"));
                if lower {
                    id.to_lowercase()
                } else {
                    id
                }
            }),
    ];
    let pad = "[ \\t\\n\\u{3000}]{0,2}";
    (pad, near, pad).prop_map(|(a, s, b)| format!("{a}{s}{b}"))
}

fn coordinate() -> impl Strategy<Value = Option<f64>> {
    prop::option::weighted(
        0.9,
        prop_oneof![
            any::<f64>(),
            -200.0f64..200.0,
            prop::sample::select(
                &[
                    f64::NAN,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    90.0,
                    -90.0,
                    180.0,
                    -180.0,
                    -0.0,
                    f64::MIN_POSITIVE,
                    f64::MAX,
                ][..]
            ),
        ],
    )
}

#[test]
fn validators_never_panic_and_are_idempotent() {
    let ok = [(); 8].map(|_| AtomicUsize::new(0));
    let hit = |i: usize| {
        ok[i].fetch_add(1, Ordering::Relaxed);
    };
    let mut runner = TestRunner::new(config(3000, 0x005e_ed0f_f9a0));
    let strategy = (
        validator_input(),
        coordinate(),
        coordinate(),
        0usize..40,
        0usize..300,
    );
    let result = runner.run(&strategy, |(s, lat, lng, min, max)| {
        if let Ok(c) = validate::credit_code(&s) {
            hit(0);
            prop_assert_eq!(validate::credit_code(&c), Ok(c.clone()), "credit_code({:?})", s);
        }
        if let Ok(c) = validate::resident_id(&s) {
            hit(1);
            prop_assert_eq!(validate::resident_id(&c), Ok(c.clone()), "resident_id({:?})", s);
        }
        if let Ok(c) = validate::phone(&s) {
            hit(2);
            prop_assert_eq!(validate::phone(&c), Ok(c.clone()), "phone({:?})", s);
        }
        if let Ok(c) = validate::text(&s, min, max) {
            hit(3);
            prop_assert_eq!(
                validate::text(&c, min, max),
                Ok(c.clone()),
                "text({:?}, {}, {})",
                s,
                min,
                max
            );
        }
        if let Ok(c) = validate::language(&s) {
            hit(4);
            prop_assert_eq!(validate::language(&c), Ok(c.clone()), "language({:?})", s);
        }
        if let Ok(c) = validate::country(&s) {
            hit(5);
            prop_assert_eq!(validate::country(&c), Ok(c.clone()), "country({:?})", s);
        }
        if let Ok(c) = validate::code(&s) {
            hit(6);
            prop_assert_eq!(validate::code(&c), Ok(c.clone()), "code({:?})", s);
        }
        // Coordinates: accepted exactly when both are absent, or both finite and in range.
        let fine = |v: f64, limit: f64| v.is_finite() && (-limit..=limit).contains(&v);
        let expected = match (lat, lng) {
            (None, None) => true,
            (Some(a), Some(o)) => fine(a, 90.0) && fine(o, 180.0),
            _ => false,
        };
        let got = validate::coordinates(lat, lng);
        if got.is_ok() {
            hit(7);
        }
        prop_assert_eq!(
            got.is_ok(),
            expected,
            "coordinates({:?}, {:?}) = {:?}",
            lat,
            lng,
            got
        );
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let names = [
        "credit_code",
        "resident_id",
        "phone",
        "text",
        "language",
        "country",
        "code",
        "coordinates",
    ];
    for (i, n) in names.iter().enumerate() {
        let k = ok[i].load(Ordering::Relaxed);
        assert!(
            k >= 10,
            "{n}: only {k} generated inputs were valid; the property is barely exercised"
        );
    }
}
