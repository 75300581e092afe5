//! The binary as a newcomer uses it: `serve` in a fresh directory (SQLite under data/, demo
//! data), `token` beside it, a query with that token, SIGTERM; `export-schema`; production
//! refusing to start without its JWT settings.

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_fengqiao");

pub fn fresh_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("fengqiao-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A command with the environment of a newcomer: no database or JWT settings inherited.
pub fn fengqiao(dir: &std::path::Path) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("FENGQIAO_ENV")
        .env_remove("FENGQIAO_JWT_SECRET")
        .env_remove("FENGQIAO_JWT_ISSUER")
        .env_remove("FENGQIAO_JWT_AUDIENCE")
        .env_remove("FENGQIAO_DEMO_DATA");
    c
}

/// Waits (at most a minute) until the service on `base` answers /readyz with 200.
pub async fn ready(client: &reqwest::Client, base: &str) {
    let start = Instant::now();
    loop {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await {
            if r.status() == 200 {
                return;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "server did not become ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A development token for `role`, minted by `fengqiao token` in `dir`.
pub fn dev_token(dir: &std::path::Path, role: &str) -> String {
    let out = fengqiao(dir)
        .args(["token", "--role", role])
        .output()
        .expect("token");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[tokio::test]
async fn serve_token_query_and_graceful_shutdown() {
    let dir = fresh_dir();
    let port = free_port();
    let mut server = fengqiao(&dir)
        .env("FENGQIAO_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start fengqiao serve");
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    loop {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await {
            if r.status() == 200 {
                break;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "server did not become ready"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        dir.join("data/fengqiao.db").exists(),
        "the default SQLite file is data/fengqiao.db"
    );

    let out = fengqiao(&dir)
        .args(["token", "--role", "commander"])
        .output()
        .expect("token");
    assert!(
        out.status.success(),
        "token failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let body: Value = client
        .post(format!("{base}/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": "{ cases(first: 5) { totalCount edges { node { trackingNumber status grid { name } enterprise { name } } } } }" }))
        .send()
        .await
        .expect("query")
        .json()
        .await
        .expect("json");
    assert!(body.get("errors").is_none(), "{body}");
    let total = body["data"]["cases"]["totalCount"].as_u64().unwrap_or(0);
    assert!(
        total >= 30,
        "demo district should hold cases at every stage, got {total}"
    );
    assert_eq!(body["data"]["cases"]["edges"].as_array().map(Vec::len), Some(5));
    assert!(
        body["data"]["cases"]["edges"][0]["node"]["grid"]["name"].is_string(),
        "{body}"
    );

    // A grid worker's demo token sees some cases, fewer than the commander.
    let out = fengqiao(&dir)
        .args(["token", "--role", "grid-worker"])
        .output()
        .expect("token");
    let gw = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let body: Value = client
        .post(format!("{base}/graphql"))
        .bearer_auth(&gw)
        .json(&json!({ "query": "{ cases { totalCount } }" }))
        .send()
        .await
        .expect("query")
        .json()
        .await
        .expect("json");
    let gw_total = body["data"]["cases"]["totalCount"].as_u64().unwrap_or(0);
    assert!(
        gw_total > 0 && gw_total < total,
        "grid worker sees {gw_total} of {total}"
    );

    // SIGTERM: the server stops by itself, successfully.
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let stopped = Instant::now();
    let status = loop {
        if let Some(s) = server.try_wait().expect("wait") {
            break s;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(30),
            "server ignored SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "exit status after SIGTERM: {status}");

    // A restart keeps the data and does not load the demo twice.
    let out = fengqiao(&dir).arg("migrate").output().expect("migrate");
    assert!(out.status.success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn export_schema_prints_the_committed_schema() {
    let dir = fresh_dir();
    let out = fengqiao(&dir)
        .arg("export-schema")
        .output()
        .expect("export-schema");
    assert!(out.status.success());
    let committed =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql"))
            .expect("schema.graphql");
    assert!(
        String::from_utf8_lossy(&out.stdout) == committed,
        "export-schema differs from schema.graphql"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn production_refuses_to_start_without_jwt_settings_and_mints_no_tokens() {
    let dir = fresh_dir();
    let out = fengqiao(&dir)
        .env("FENGQIAO_ENV", "production")
        .env("FENGQIAO_LISTEN", format!("127.0.0.1:{}", free_port()))
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("FENGQIAO_JWT_SECRET"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = fengqiao(&dir)
        .env("FENGQIAO_ENV", "production")
        .env("FENGQIAO_JWT_SECRET", "a-production-secret-of-at-least-32-bytes")
        .env("FENGQIAO_JWT_ISSUER", "https://idp.example")
        .env("FENGQIAO_JWT_AUDIENCE", "fengqiao")
        .args(["token", "--role", "admin"])
        .output()
        .expect("run");
    assert!(!out.status.success(), "production must not mint tokens");
    assert!(
        !dir.join("data/dev-jwt-secret").exists(),
        "production must not write a development secret"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn token_outside_a_server_directory_says_so_and_creates_nothing() {
    let dir = fresh_dir();
    let out = fengqiao(&dir)
        .args(["token", "--role", "citizen"])
        .output()
        .expect("run token");
    assert!(!out.status.success(), "token minted without a server");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no development server here"), "{err}");
    assert!(!err.contains("internal error"), "{err}");
    let left: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "token created {left:?}");
    // export-schema needs no server and writes nothing either.
    let out = fengqiao(&dir)
        .arg("export-schema")
        .output()
        .expect("export-schema");
    assert!(out.status.success());
    let left: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "export-schema created {left:?}");
    // A log written to a pipe carries no colour codes.
    let out = fengqiao(&dir)
        .env("FENGQIAO_ENV", "production")
        .output()
        .expect("run");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains('\u{1b}'),
        "ANSI codes in a piped log"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// SIGTERM while a request cannot finish within the grace period: the request is cut off,
/// the log says so and the exit code is 3 (not 0), so a supervisor can tell.
#[tokio::test]
async fn a_shutdown_that_cuts_a_request_off_exits_3() {
    let dir = fresh_dir();
    let port = free_port();
    let log = std::fs::File::create(dir.join("serve.log")).expect("log");
    let mut server = fengqiao(&dir)
        .env("FENGQIAO_LISTEN", format!("127.0.0.1:{port}"))
        .env("FENGQIAO_SHUTDOWN_GRACE_SECS", "1")
        .env("FENGQIAO_SQLITE_BUSY_TIMEOUT_MS", "30000")
        .env("FENGQIAO_REQUEST_TIMEOUT_SECS", "30")
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("start fengqiao serve");
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    ready(&client, &base).await;
    let token = dev_token(&dir, "citizen");
    // Hold SQLite's write lock so the report waits.
    let url = format!("sqlite://{}/data/fengqiao.db", dir.display());
    let db = fengqiao_api::db::connect(&url, 1).await.expect("open");
    let lock = fengqiao_api::db::begin_write(&db).await.expect("lock");
    let request = tokio::spawn({
        let (client, base) = (client.clone(), base.clone());
        async move {
            client
                .post(format!("{base}/graphql"))
                .bearer_auth(token)
                .json(&json!({ "query": "mutation { reportCase(input: { title: \"噪音扰民\", description: \"夜间施工\" }) { case { id } } }" }))
                .send()
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let stopping = Instant::now();
    let status = loop {
        if let Some(s) = server.try_wait().expect("wait") {
            break s;
        }
        assert!(stopping.elapsed() < Duration::from_secs(10), "no exit");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let took = stopping.elapsed();
    lock.rollback().await.expect("release");
    let _ = request.await;
    let logged = std::fs::read_to_string(dir.join("serve.log")).unwrap_or_default();
    assert_eq!(
        status.code(),
        Some(fengqiao_api::cli::EXIT_CUT_OFF as i32),
        "{logged}"
    );
    assert!(took < Duration::from_secs(4), "exit took {took:?}");
    assert!(logged.contains("cut"), "{logged}");
    let _ = std::fs::remove_dir_all(&dir);
}
