//! Every GraphQL and shell example of README.md, taken from the README itself and run as
//! written against the demo district of a real `fengqiao` process, so no example can drift.
//!
//! Each ```graphql and ```sh block is preceded by an annotation:
//! `<!-- example: role=<role> -->` (GraphQL, run as that role; `anonymous` for none),
//! `<!-- example: sh -->` (run by bash in the server's directory) or
//! `<!-- example: skip — reason -->`. A block without one fails the test.
//! Inside a GraphQL block each operation runs alone; the comment lines above it may name a
//! role (`(citizen token)`), its variables (`# variables: {...}`, where `{{a.b}}` takes a
//! value an earlier example answered) and an expected error (`answers BAD_USER_INPUT`).
//! Shell examples get `cargo run -q -- …` and `fengqiao …` as the built binary, and the
//! server's real address for `127.0.0.1:8080`.

use std::{collections::HashMap, process::Stdio, time::Duration};

use serde_json::{json, Value};

use crate::cli::{fengqiao, free_port, fresh_dir};

const BIN: &str = env!("CARGO_BIN_EXE_fengqiao");

/// One annotated block.
#[derive(Debug)]
struct Block {
    line: usize,
    lang: String,
    note: String,
    body: String,
}

fn blocks(readme: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let lines: Vec<&str> = readme.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        if let Some(lang) = l.strip_prefix("```").filter(|x| !x.is_empty()) {
            let note = if i > 0 { lines[i - 1].trim() } else { "" };
            let mut body = String::new();
            let start = i + 1;
            i += 1;
            while i < lines.len() && lines[i].trim() != "```" {
                body.push_str(lines[i]);
                body.push('\n');
                i += 1;
            }
            out.push(Block {
                line: start,
                lang: lang.trim().to_owned(),
                note: note.to_owned(),
                body,
            });
        } else if l.trim() == "```" {
            // A fence without a language: skip its body.
            i += 1;
            while i < lines.len() && lines[i].trim() != "```" {
                i += 1;
            }
        }
        i += 1;
    }
    out
}

/// The operations of a GraphQL block, each with its leading comment lines.
fn operations(body: &str) -> Vec<(Vec<String>, String)> {
    let mut ops: Vec<(Vec<String>, String)> = Vec::new();
    let mut comments: Vec<String> = Vec::new();
    let mut current: Option<(Vec<String>, String)> = None;
    for line in body.lines() {
        let starts = ["{", "query", "mutation", "subscription"]
            .iter()
            .any(|k| line.starts_with(k));
        if starts {
            if let Some(op) = current.take() {
                ops.push(op);
            }
            current = Some((std::mem::take(&mut comments), format!("{line}\n")));
        } else if line.starts_with('#') && current.as_ref().is_none_or(|(_, t)| t.trim_end().ends_with('}')) {
            if let Some(op) = current.take() {
                ops.push(op);
            }
            comments.push(line.trim_start_matches('#').trim().to_owned());
        } else if let Some((_, text)) = current.as_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    if let Some(op) = current {
        ops.push(op);
    }
    ops
}

/// The role named by `(… token)` in `comments`, if any ("admin or commander" → admin).
fn role_in(comments: &[String]) -> Option<String> {
    comments.iter().find_map(|c| {
        let end = c.find(" token)")?;
        let start = c[..end].rfind('(')? + 1;
        let first = c[start..end].split(" or ").next()?.trim();
        Some(first.replace(' ', "-"))
    })
}

/// Replaces `{{a.b.c}}` in `text` with values earlier examples answered.
fn fill(text: &str, answers: &Value) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find("}}") else {
            break;
        };
        let path = &rest[start + 2..start + end];
        let mut v = answers;
        for part in path.split('.') {
            v = &v[part];
        }
        out.push_str(v.as_str().unwrap_or(""));
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

/// Merges `data` into `answers` by root field (later answers win).
fn remember(answers: &mut Value, data: &Value) {
    if let (Some(a), Some(d)) = (answers.as_object_mut(), data.as_object()) {
        for (k, v) in d {
            a.insert(k.clone(), v.clone());
        }
    }
}

pub struct Server {
    child: std::process::Child,
    dir: std::path::PathBuf,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A development `fengqiao` with its demo district on a free port, ready.
pub async fn start() -> Server {
    let dir = fresh_dir();
    let port = free_port();
    let child = fengqiao(&dir)
        .env("FENGQIAO_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start fengqiao");
    let server = Server { child, dir, port };
    let client = reqwest::Client::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = client.get(format!("http://127.0.0.1:{port}/readyz")).send().await {
            if r.status() == 200 {
                break;
            }
        }
        assert!(std::time::Instant::now() < deadline, "server not ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server
}

fn token(s: &Server, role: &str) -> String {
    let out = fengqiao(&s.dir)
        .args(["token", "--role", role])
        .output()
        .expect("token");
    assert!(
        out.status.success(),
        "token --role {role}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[tokio::test]
async fn every_readme_example_runs_as_written() {
    let readme = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let server = start().await;
    let base = format!("http://127.0.0.1:{}", server.port);
    let client = reqwest::Client::new();
    let mut tokens: HashMap<String, String> = HashMap::new();
    let mut answers = json!({});
    let mut wrong = Vec::new();
    let (mut ran, mut skipped) = (0, 0);
    for b in blocks(&readme) {
        if b.lang != "graphql" && b.lang != "sh" {
            continue;
        }
        let Some(note) = b
            .note
            .strip_prefix("<!-- example:")
            .and_then(|n| n.strip_suffix("-->"))
            .map(str::trim)
        else {
            wrong.push(format!(
                "README line {}: a ```{} block without an example annotation",
                b.line, b.lang
            ));
            continue;
        };
        if note.starts_with("skip") {
            skipped += 1;
            continue;
        }
        if b.lang == "sh" {
            ran += 1;
            let script = b
                .body
                .replace("127.0.0.1:8080", &format!("127.0.0.1:{}", server.port));
            let prelude = format!(
                "set -euo pipefail\n\
                 cargo() {{ while [ \"$1\" != \"--\" ]; do shift; done; shift; \"{BIN}\" \"$@\"; }}\n\
                 fengqiao() {{ \"{BIN}\" \"$@\"; }}\n"
            );
            let out = std::process::Command::new("bash")
                .current_dir(&server.dir)
                .env_remove("DATABASE_URL")
                .env_remove("FENGQIAO_ENV")
                .env_remove("FENGQIAO_JWT_SECRET")
                .arg("-c")
                .arg(format!("{prelude}{script}"))
                .output()
                .expect("bash");
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            // `fengqiao import` exits 2 when some row failed: the README's file has none.
            if !out.status.success() {
                wrong.push(format!(
                    "README line {}: the shell example failed ({}): {stdout}{stderr}",
                    b.line, out.status
                ));
            } else if stdout.contains("\"errors\"") {
                wrong.push(format!(
                    "README line {}: the shell example answered errors: {stdout}",
                    b.line
                ));
            }
            continue;
        }
        let default_role = note
            .strip_prefix("role=")
            .unwrap_or("anonymous")
            .trim()
            .to_owned();
        for (comments, text) in operations(&b.body) {
            ran += 1;
            let role = role_in(&comments).unwrap_or_else(|| default_role.clone());
            let variables = comments
                .iter()
                .find_map(|c| c.strip_prefix("variables:"))
                .map(|v| {
                    let v = v.trim();
                    let json_end = v.rfind('}').map_or(v.len(), |e| e + 1);
                    serde_json::from_str::<Value>(&fill(&v[..json_end], &answers))
                        .unwrap_or_else(|e| panic!("README line {}: bad variables {v}: {e}", b.line))
                })
                .unwrap_or(Value::Null);
            let expected = comments.iter().find_map(|c| {
                c.split_whitespace()
                    .skip_while(|w| *w != "answers")
                    .nth(1)
                    .map(str::to_owned)
            });
            let mut req = client
                .post(format!("{base}/graphql"))
                .json(&json!({ "query": text, "variables": variables }));
            if role != "anonymous" {
                let t = tokens
                    .entry(role.clone())
                    .or_insert_with(|| token(&server, &role))
                    .clone();
                req = req.bearer_auth(t);
            }
            let body: Value = req
                .send()
                .await
                .expect("post")
                .json()
                .await
                .unwrap_or(Value::Null);
            let code = body["errors"][0]["extensions"]["code"]
                .as_str()
                .map(str::to_owned);
            match (&expected, &code) {
                (Some(e), Some(c)) if e == c => {}
                (None, None) => remember(&mut answers, &body["data"]),
                _ => wrong.push(format!(
                    "README line {} ({role}): expected {}, got {body}\n{text}",
                    b.line,
                    expected.as_deref().unwrap_or("no errors"),
                )),
            }
        }
    }
    eprintln!("README examples: {ran} run, {skipped} skipped");
    // The citizen's report carried only a position; the demo grids' outlines placed it where
    // the grid worker's example above could read it.
    assert_eq!(
        answers["reportCase"]["case"]["placement"], "BOUNDARY",
        "{answers}"
    );
    assert_eq!(
        answers["reportCase"]["case"]["grid"]["name"], "武林路第二网格",
        "{answers}"
    );
    assert_eq!(
        answers["case"]["grid"]["parent"]["name"], "武林路社区",
        "{answers}"
    );
    assert!(
        wrong.is_empty(),
        "{} README examples fail:\n{}",
        wrong.len(),
        wrong.join("\n\n")
    );
    assert!(ran >= 20, "only {ran} examples found");
}

/// The playground's role picker: every demo role gets a working token from a development
/// server, for loopback callers only (never through a proxy).
#[tokio::test]
async fn the_playground_hands_out_a_token_per_demo_role_to_loopback_callers_only() {
    let server = start().await;
    let base = format!("http://127.0.0.1:{}", server.port);
    let client = reqwest::Client::new();
    let res = client
        .get(format!("{base}/dev/tokens"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let list: Vec<Value> = res.json().await.expect("json");
    let roles: Vec<&str> = list.iter().filter_map(|t| t["role"].as_str()).collect();
    for role in [
        "citizen",
        "grid-worker",
        "community-police",
        "commander",
        "mediator",
        "admin",
    ] {
        assert!(roles.contains(&role), "no demo token for {role}: {roles:?}");
    }
    for t in &list {
        let body: Value = client
            .post(format!("{base}/graphql"))
            .bearer_auth(t["token"].as_str().unwrap_or_default())
            .json(&json!({ "query": "{ viewer { role } }" }))
            .send()
            .await
            .expect("post")
            .json()
            .await
            .expect("json");
        let role = t["role"]
            .as_str()
            .unwrap_or_default()
            .replace('-', "_")
            .to_uppercase();
        assert_eq!(body["data"]["viewer"]["role"], role.as_str(), "{body}");
    }
    // Behind a proxy the caller is not on this machine, whatever the socket says.
    for h in ["x-forwarded-for", "forwarded", "x-real-ip"] {
        let res = client
            .get(format!("{base}/dev/tokens"))
            .header(h, "203.0.113.9")
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), 404, "tokens handed out through {h}");
    }
}
