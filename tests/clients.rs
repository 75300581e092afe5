//! Third-party GraphQL tools against the real router: graphql-http's GraphQL-over-HTTP audit
//! (anonymous and signed in), graphql-sse's client in both of its modes and the schema's
//! breaking-change guard (graphql-inspector's diff). They run under
//! Node.js from `tools/graphql-clients` (`npm ci` there; `.ci/run` does it). Without Node or
//! those packages the tests are skipped, except under `CI`, where they fail.

use std::{path::PathBuf, process::Stdio, time::Duration};

use fengqiao_api::auth::{Role, Scope};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::{
    fixtures::{persona, world},
    harness::{data, TestApp},
};

/// The tools directory when its packages are installed.
fn tools() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tools/graphql-clients");
    let ready = dir.join("node_modules/graphql-http").exists()
        && dir.join("node_modules/graphql-sse").exists()
        && dir.join("node_modules/@graphql-inspector/core").exists()
        && std::process::Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if ready {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!("CI is set but Node.js or tools/graphql-clients/node_modules is missing (npm ci --prefix tools/graphql-clients)");
    }
    eprintln!("SKIPPED client test: run `npm ci --prefix tools/graphql-clients` (needs Node.js)");
    None
}

#[tokio::test]
async fn the_graphql_over_http_audit_passes_anonymous_and_signed_in() {
    let Some(dir) = tools() else { return };
    let app = TestApp::spawn().await;
    let token = app.token(Role::Commander, "audit", Scope::district());
    for who in [None, Some(token.as_str())] {
        let mut cmd = tokio::process::Command::new("node");
        cmd.current_dir(&dir)
            .arg("audit.mjs")
            .arg(format!("{}/graphql", app.base));
        if let Some(t) = who {
            cmd.arg(t);
        }
        let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
            .await
            .expect("audit in time")
            .expect("run node");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let summary: Value = stdout
            .lines()
            .last()
            .and_then(|l| serde_json::from_str(l).ok())
            .unwrap_or(Value::Null);
        eprintln!(
            "graphql-http audit ({}): {summary}",
            if who.is_some() { "signed in" } else { "anonymous" }
        );
        assert!(
            out.status.success(),
            "audit failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            (summary["errors"].as_i64(), summary["warnings"].as_i64()),
            (Some(0), Some(0)),
            "{stdout}"
        );
    }
}

/// The next JSON line the client printed (bounded wait).
async fn next_line(
    lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    mode: &str,
) -> Value {
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .unwrap_or_else(|_| panic!("{mode}: nothing from the client in time"))
        .expect("read")
        .unwrap_or_default();
    serde_json::from_str::<Value>(&line).unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_graphql_sse_client_hears_case_events_in_both_modes() {
    let Some(dir) = tools() else { return };
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let (sub, scope) = persona(Role::Commander, &w.a);
    let commander = app.token(Role::Commander, &sub, scope);
    let (csub, cscope) = persona(Role::Citizen, &w.a);
    let citizen = app.token(Role::Citizen, &csub, cscope);
    for mode in ["distinct", "single"] {
        let before = app.state.events.subscribers();
        let mut child = tokio::process::Command::new("node")
            .current_dir(&dir)
            .args([
                "sse-client.mjs",
                &format!("{}/graphql/stream", app.base),
                &commander,
                mode,
                "2",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start node");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let q = next_line(&mut lines, mode).await;
        assert_eq!(q["query"]["data"]["viewer"]["role"], "COMMANDER", "{mode}: {q}");
        assert_eq!(next_line(&mut lines, mode).await["subscribed"], true, "{mode}");
        // Wait until the subscription listens, then report and assess a case on side A.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while app.state.events.subscribers() <= before {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{mode}: subscription not registered"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let body = app
            .gql(
                Some(&citizen),
                "mutation($i: ReportCaseInput!) { reportCase(input: $i) { case { id version trackingNumber } } }",
                json!({ "i": { "title": format!("SSE {mode}"), "description": "井盖缺失", "gridId": w.a.community.to_string() } }),
            )
            .await;
        let case = data(&body)["reportCase"]["case"].clone();
        app.gql(
            Some(&commander),
            "mutation($i: AssessCaseInput!) { assessCase(input: $i) { case { id } } }",
            json!({ "i": { "step": { "caseId": case["id"], "version": case["version"] }, "kind": "SAFETY_HAZARD", "severity": "ORDINARY", "riskColour": "YELLOW" } }),
        )
        .await;
        let first = next_line(&mut lines, mode).await;
        let second = next_line(&mut lines, mode).await;
        assert_eq!(
            first["event"]["data"]["caseEvents"]["kind"], "REPORTED",
            "{mode}: {first}"
        );
        assert_eq!(
            first["event"]["data"]["caseEvents"]["case"]["trackingNumber"],
            case["trackingNumber"]
        );
        assert_eq!(
            second["event"]["data"]["caseEvents"]["kind"], "ASSESSED",
            "{mode}: {second}"
        );
        let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
            .await
            .expect("client ends")
            .expect("wait");
        assert!(status.success(), "{mode}: client exit {status:?}");
    }
}

#[tokio::test]
async fn sse_refuses_what_the_other_transports_refuse() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphql/stream", app.base);
    // Anonymous subscription: a `next` carrying UNAUTHENTICATED, then `complete`.
    let res = app
        .client
        .post(&url)
        .header("accept", "text/event-stream")
        .json(&json!({ "query": "subscription { caseEvents { kind } }" }))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap_or_default();
    assert!(
        text.contains("event: next") && text.contains("UNAUTHENTICATED"),
        "{text}"
    );
    assert!(text.contains("event: complete"), "{text}");
    // A depth bomb is refused the same way, before running.
    let bomb = format!("{{{}}}", "a{".repeat(20) + "b" + &"}".repeat(20));
    let token = app.token(Role::Commander, "sse", Scope::district());
    let res = app
        .client
        .post(&url)
        .bearer_auth(&token)
        .header("accept", "text/event-stream")
        .json(&json!({ "query": bomb }))
        .send()
        .await
        .expect("post");
    let text = res.text().await.unwrap_or_default();
    assert!(text.contains("\"limit\":\"depth\""), "{text}");
    // Operations on someone else's reservation, or none, are not found.
    let res = app
        .client
        .put(&url)
        .bearer_auth(&token)
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), 201);
    let reservation = res.text().await.unwrap_or_default();
    let other = app.token(Role::Commander, "someone-else", Scope::district());
    let res = app
        .client
        .post(&url)
        .bearer_auth(&other)
        .header("x-graphql-event-stream-token", &reservation)
        .json(&json!({ "query": "{ __typename }", "extensions": { "operationId": "x" } }))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 404);
}

/// Runs `git` in `dir` and asserts it worked.
fn git(dir: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=fengqiao", "-c", "user.email=ci@fengqiao.invalid"])
        .args(args)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The breaking-change guard `.ci/run` runs (graphql-inspector's diff over every commit
/// that changed schema.graphql since the guard exists): an unmarked breaking change fails
/// it, a `Breaking-Schema:` trailer lets it through, additions and dangerous changes pass.
#[test]
fn the_schema_guard_fails_an_unmarked_breaking_change() {
    let Some(tools) = tools() else { return };
    let dir = crate::cli::fresh_dir();
    let guard = tools.join("schema-guard.mjs");
    let run = |dir: &std::path::Path| {
        let out = std::process::Command::new("node")
            .arg(&guard)
            .arg(dir)
            .output()
            .expect("node");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let write = |sdl: &str| std::fs::write(dir.join("schema.graphql"), sdl).expect("write");
    git(&dir, &["init", "-q"]);
    std::fs::create_dir_all(dir.join("tools/graphql-clients")).expect("mkdir");
    std::fs::copy(&guard, dir.join("tools/graphql-clients/schema-guard.mjs")).expect("copy");
    write("enum Colour { RED }\ntype Query {\n  a: Int\n  b: Colour\n}\n");
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "the guard and a first schema"]);

    // An added field and a new enum value (dangerous, not breaking) pass.
    write("enum Colour { RED ORANGE }\ntype Query {\n  a: Int\n  b: Colour\n  c(x: Int!): String\n}\n");
    git(&dir, &["commit", "-qam", "add c and ORANGE"]);
    let (ok, out) = run(&dir);
    assert!(ok, "{out}");
    assert!(out.contains("dangerous changes"), "{out}");

    // Removing a field without a mark fails, naming the change and the commit.
    write("enum Colour { RED ORANGE }\ntype Query {\n  b: Colour\n  c(x: Int!): String\n}\n");
    git(&dir, &["commit", "-qam", "drop a"]);
    let (ok, out) = run(&dir);
    assert!(!ok, "{out}");
    assert!(
        out.contains("BREAKING") && out.contains("drop a") && out.contains("'a'"),
        "{out}"
    );

    // ...and so does a later commit on top: every commit since the guard is checked.
    std::fs::write(dir.join("notes.txt"), "later").expect("write");
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "unrelated"]);
    assert!(!run(&dir).0);

    // Marking the breaking commit as intended lets it through.
    git(&dir, &["reset", "-q", "--hard", "HEAD~1"]);
    git(
        &dir,
        &[
            "commit",
            "-q",
            "--amend",
            "-m",
            "drop a",
            "-m",
            "Breaking-Schema: a was never read by any client",
        ],
    );
    let (ok, out) = run(&dir);
    assert!(ok, "{out}");
    assert!(out.contains("intended"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
