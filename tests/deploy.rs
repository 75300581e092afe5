//! The deployment files and the operator's commands: the container image's entry point and
//! health check run as `deploy/Dockerfile` says (the image itself cannot be built on the test
//! machines, so the same binary is run with the image's environment, working directory, user,
//! command and health check), and `fengqiao backup` copies a database that is being written.

use std::{
    os::unix::process::CommandExt,
    process::{Command, Stdio},
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{json, Value};

use crate::cli::{dev_token, fengqiao, free_port, fresh_dir, ready};

/// What the runtime stage of a Dockerfile sets up.
#[derive(Debug, Default)]
struct Image {
    env: Vec<(String, String)>,
    workdir: String,
    user: String,
    entrypoint: Vec<String>,
    cmd: Vec<String>,
    healthcheck: Vec<String>,
    stop_signal: String,
}

/// Reads the last stage of a Dockerfile (instructions joined across `\` line ends).
fn image(dockerfile: &str) -> Image {
    let mut lines = Vec::new();
    let mut current = String::new();
    for line in dockerfile.lines() {
        let t = line.trim();
        if t.starts_with('#') || t.is_empty() && current.is_empty() {
            continue;
        }
        if let Some(head) = t.strip_suffix('\\') {
            current.push_str(head);
            current.push(' ');
        } else {
            current.push_str(t);
            lines.push(std::mem::take(&mut current));
        }
    }
    let json_array =
        |s: &str| -> Vec<String> { serde_json::from_str(s.trim()).expect("exec form (JSON array)") };
    let mut img = Image::default();
    for l in lines {
        let (word, rest) = l.split_once(' ').unwrap_or((l.as_str(), ""));
        match word {
            "FROM" => img = Image::default(),
            "ENV" => {
                for pair in rest.split_whitespace() {
                    let (k, v) = pair.split_once('=').expect("ENV KEY=VALUE");
                    img.env.push((k.to_owned(), v.to_owned()));
                }
            }
            "WORKDIR" => img.workdir = rest.trim().to_owned(),
            "USER" => img.user = rest.trim().to_owned(),
            "ENTRYPOINT" => img.entrypoint = json_array(rest),
            "CMD" => img.cmd = json_array(rest),
            "STOPSIGNAL" => img.stop_signal = rest.trim().to_owned(),
            "HEALTHCHECK" => {
                let at = rest.find("CMD").expect("HEALTHCHECK CMD");
                img.healthcheck = json_array(&rest[at + 3..]);
            }
            _ => {}
        }
    }
    img
}

#[tokio::test]
async fn the_image_entry_point_serves_and_its_health_check_follows_readiness() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/Dockerfile"))
        .expect("deploy/Dockerfile");
    let img = image(&text);
    let binary = "/usr/local/bin/fengqiao";
    assert_eq!(img.entrypoint, [binary], "{img:?}");
    assert_eq!(img.healthcheck, [binary, "healthcheck"], "{img:?}");
    assert_eq!(img.stop_signal, "SIGTERM");
    let (uid, gid) = img.user.split_once(':').expect("USER uid:gid");
    let (uid, gid): (u32, u32) = (
        uid.parse().expect("numeric uid"),
        gid.parse().expect("numeric gid"),
    );
    assert!(uid != 0 && gid != 0, "the image runs as root: {}", img.user);
    let env: std::collections::HashMap<&str, &str> =
        img.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(env.get("FENGQIAO_ENV"), Some(&"production"));

    // The working directory of the image, owned by its user, with its data volume.
    let root = fresh_dir();
    let workdir = root.join(img.workdir.trim_start_matches('/'));
    std::fs::create_dir_all(workdir.join("data")).expect("workdir");
    // SAFETY: geteuid has no preconditions and cannot fail.
    let as_root = unsafe { libc::geteuid() } == 0;
    if as_root {
        for d in [workdir.as_path(), workdir.join("data").as_path()] {
            std::os::unix::fs::chown(d, Some(uid), Some(gid)).expect("chown");
        }
    }
    // `docker run -e …` for the secrets, `-p` for the port: the address stays unspecified
    // (0.0.0.0) as in the image, so the health check must find it on loopback.
    let port = free_port();
    // Only the image's environment, as in a container. FENGQIAO_IMAGE_BINARY runs the check
    // with the release binary the image would hold.
    let bin =
        std::env::var("FENGQIAO_IMAGE_BINARY").unwrap_or_else(|_| env!("CARGO_BIN_EXE_fengqiao").to_owned());
    let run = |args: &[String]| {
        let mut c = Command::new(&bin);
        c.current_dir(&workdir)
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin");
        c.args(args);
        for (k, v) in &img.env {
            c.env(k, v);
        }
        c.env("FENGQIAO_LISTEN", format!("0.0.0.0:{port}"))
            .env("FENGQIAO_JWT_SECRET", "an-operator-secret-of-at-least-32-bytes!")
            .env("FENGQIAO_JWT_ISSUER", "https://idp.example.gov.cn")
            .env("FENGQIAO_JWT_AUDIENCE", "fengqiao");
        if as_root {
            c.uid(uid).gid(gid);
        }
        c
    };
    let health = || {
        run(&img.healthcheck[1..])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("health check")
    };
    assert!(!health().success(), "healthy before the service started");

    let args: Vec<String> = img.entrypoint[1..].iter().chain(&img.cmd).cloned().collect();
    let log = std::fs::File::create(root.join("serve.log")).expect("log");
    let mut server = run(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("start the entry point");
    let started = Instant::now();
    while !health().success() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never healthy: {}",
            std::fs::read_to_string(root.join("serve.log")).unwrap_or_default()
        );
        assert!(
            server.try_wait().expect("wait").is_none(),
            "the entry point exited"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The database went to the data volume, written as the image's user.
    let db = workdir.join("data/fengqiao.db");
    let meta = std::fs::metadata(&db).expect("the database is on the data volume");
    if as_root {
        use std::os::unix::fs::MetadataExt;
        assert_eq!((meta.uid(), meta.gid()), (uid, gid));
    }

    // `docker stop`: draining turns the health check red while the process still runs, then
    // it exits 0.
    let _ = Command::new("kill")
        .args([
            format!("-{}", img.stop_signal.trim_start_matches("SIG")),
            server.id().to_string(),
        ])
        .status();
    let stopping = Instant::now();
    let mut red_while_running = false;
    let status = loop {
        if let Some(s) = server.try_wait().expect("wait") {
            break s;
        }
        if !red_while_running && !health().success() && server.try_wait().expect("wait").is_none() {
            red_while_running = true;
        }
        assert!(stopping.elapsed() < Duration::from_secs(40), "did not stop");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "exit status {status}");
    assert!(red_while_running, "the health check stayed green while draining");
    let _ = std::fs::remove_dir_all(&root);
}

/// `fengqiao backup` while citizens keep reporting: the copy is whole (integrity check) and
/// consistent (every case in it has its first timeline entry; no half of a transaction).
#[tokio::test]
async fn backup_copies_a_database_that_is_being_written() {
    let dir = fresh_dir();
    let port = free_port();
    let mut server = fengqiao(&dir)
        .env("FENGQIAO_LISTEN", format!("127.0.0.1:{port}"))
        .env("FENGQIAO_RATE_ANONYMOUS_PER_MIN", "100000")
        .env("FENGQIAO_RATE_ACTOR_PER_MIN", "100000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start fengqiao");
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    ready(&client, &base).await;
    let token = dev_token(&dir, "citizen");

    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (client, base, token, stop, written) =
                (client.clone(), base.clone(), token.clone(), stop.clone(), written.clone());
            tokio::spawn(async move {
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    i += 1;
                    let body: Value = client
                        .post(format!("{base}/graphql"))
                        .bearer_auth(&token)
                        .json(&json!({ "query": "mutation($i: ReportCaseInput!) { reportCase(input: $i) { case { id } } }",
                                       "variables": { "i": { "title": format!("备份期间 {w}-{i}"), "description": "楼道堆放杂物" } } }))
                        .send()
                        .await
                        .expect("post")
                        .json()
                        .await
                        .expect("json");
                    if body["data"]["reportCase"]["case"]["id"].is_string() {
                        written.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    while written.load(Ordering::SeqCst) < 20 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let backup = dir.join("backups/fengqiao-1.db");
    std::fs::create_dir_all(dir.join("backups")).expect("dir");
    let out = fengqiao(&dir)
        .args(["backup", "--output"])
        .arg(&backup)
        .output()
        .expect("backup");
    let during = written.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        let _ = w.await;
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("integrity ok"), "{stdout}");
    assert!(!dir.join("backups/fengqiao-1.db.partial").exists());

    let copy = sea_orm::Database::connect(format!("sqlite://{}?mode=ro", backup.display()))
        .await
        .expect("open the copy");
    let one = |sql: &'static str| {
        let copy = copy.clone();
        async move {
            copy.query_one_raw(Statement::from_string(DbBackend::Sqlite, sql))
                .await
                .expect(sql)
                .and_then(|r| r.try_get_by_index::<i64>(0).ok())
                .unwrap_or(-1)
        }
    };
    let cases = one("SELECT count(*) FROM cases WHERE title LIKE '备份期间%'").await;
    assert!(cases >= 20, "the copy holds the reports before it: {cases}");
    assert!(
        cases <= i64::try_from(during).unwrap_or(i64::MAX) + 4,
        "{cases} of {during}"
    );
    let orphans = one("SELECT count(*) FROM cases c WHERE NOT EXISTS \
         (SELECT 1 FROM case_timeline_entries t WHERE t.case_id = c.id)")
    .await;
    assert_eq!(
        orphans, 0,
        "a case without its timeline entry: half a transaction"
    );

    // Never over an existing file; PostgreSQL is pointed to its own tools.
    let again = fengqiao(&dir)
        .args(["backup", "--output"])
        .arg(&backup)
        .output()
        .expect("backup");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists"));
    let pg = fengqiao(&dir)
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none")
        .args(["backup", "--output", "x.db"])
        .output()
        .expect("backup");
    assert!(!pg.status.success());
    assert!(String::from_utf8_lossy(&pg.stderr).contains("pg_dump"));

    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Everything a fake OTLP/HTTP collector received.
#[derive(Default)]
struct Collector {
    bodies: std::sync::Mutex<Vec<Value>>,
}

async fn collect(
    axum::extract::State(c): axum::extract::State<Arc<Collector>>,
    body: axum::body::Bytes,
) -> axum::http::StatusCode {
    if let Ok(v) = serde_json::from_slice::<Value>(&body) {
        c.bodies.lock().map(|mut b| b.push(v)).ok();
    }
    axum::http::StatusCode::OK
}

/// One exported span: name, ids and string attributes.
#[derive(Debug, Clone)]
struct Exported {
    name: String,
    trace: String,
    id: String,
    parent: String,
    attrs: std::collections::HashMap<String, String>,
}

fn spans(bodies: &[Value]) -> Vec<Exported> {
    let mut out = Vec::new();
    for b in bodies {
        for rs in b["resourceSpans"].as_array().into_iter().flatten() {
            for ss in rs["scopeSpans"].as_array().into_iter().flatten() {
                for s in ss["spans"].as_array().into_iter().flatten() {
                    let attrs = s["attributes"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|a| {
                            let v = &a["value"];
                            let text = v["stringValue"]
                                .as_str()
                                .map(str::to_owned)
                                .unwrap_or_else(|| v["intValue"].to_string());
                            (a["key"].as_str().unwrap_or_default().to_owned(), text)
                        })
                        .collect();
                    let s_ = |k: &str| s[k].as_str().unwrap_or_default().to_owned();
                    out.push(Exported {
                        name: s_("name"),
                        trace: s_("traceId"),
                        id: s_("spanId"),
                        parent: s_("parentSpanId"),
                        attrs,
                    });
                }
            }
        }
    }
    out
}

/// With `OTEL_EXPORTER_OTLP_ENDPOINT` set, a GraphQL request leaves a trace at the collector:
/// the HTTP request, the operation inside it and the statements inside that, each with the
/// request id the client got, and no value of a statement's parameters.
#[tokio::test]
async fn traces_reach_an_otlp_collector_with_the_request_id() {
    let collector = Arc::new(Collector::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    let app = axum::Router::new()
        .route("/v1/traces", axum::routing::post(collect))
        .with_state(collector.clone());
    let _collector = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let dir = fresh_dir();
    let port = free_port();
    let mut server = fengqiao(&dir)
        .env("FENGQIAO_LISTEN", format!("127.0.0.1:{port}"))
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start fengqiao");
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    ready(&client, &base).await;
    let token = dev_token(&dir, "commander");
    let res = client
        .post(format!("{base}/graphql"))
        .bearer_auth(&token)
        .json(
            &json!({ "query": "query Cases { cases(first: 2, filter: { text: \"路灯\" }) { totalCount } }" }),
        )
        .send()
        .await
        .expect("post");
    let rid = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("x-request-id")
        .to_owned();
    let body: Value = res.json().await.expect("json");
    assert!(body["data"]["cases"]["totalCount"].is_number(), "{body}");

    // Spans leave in batches; the last batch at exit. (The collector runs on this test's
    // runtime: wait without blocking it.)
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let stopping = Instant::now();
    while server.try_wait().expect("wait").is_none() {
        assert!(stopping.elapsed() < Duration::from_secs(30), "did not stop");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let got = spans(&collector.bodies.lock().map(|b| b.clone()).unwrap_or_default());
    let mine: Vec<&Exported> = got
        .iter()
        .filter(|s| s.attrs.get("request_id") == Some(&rid))
        .collect();
    let http = mine
        .iter()
        .find(|s| s.name == "POST /graphql")
        .unwrap_or_else(|| panic!("no HTTP span for {rid}: {got:?}"));
    assert_eq!(
        http.attrs.get("http.response.status_code").map(String::as_str),
        Some("200")
    );
    let op = mine
        .iter()
        .find(|s| s.name == "query Cases")
        .unwrap_or_else(|| panic!("no operation span: {mine:?}"));
    assert_eq!(
        (&op.trace, &op.parent),
        (&http.trace, &http.id),
        "the operation is inside the request"
    );
    let statements: Vec<&&Exported> = mine.iter().filter(|s| s.name.starts_with("SELECT")).collect();
    assert!(!statements.is_empty(), "no statement spans: {mine:?}");
    for s in &statements {
        assert_eq!(
            (&s.trace, &s.parent),
            (&op.trace, &op.id),
            "statements are inside the operation"
        );
        let sql = s.attrs.get("db.query.text").cloned().unwrap_or_default();
        assert!(sql.contains("FROM"), "{sql}");
        assert!(!sql.contains("路灯"), "a parameter value left in a span: {sql}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
