//! fengqiao-faults: the fault suite. It runs the real service binary and does to it what
//! production will: `kill -9` in the middle of writes, SIGTERM under load, a database that
//! freezes or stops, a thousand connections that never finish their request, and a platform
//! receiver that fails a third of deliveries while the service is killed twice. Each
//! scenario prints its counts; `--write RELIABILITY.md` appends them with the machine, the
//! date and the command. Not part of `cargo test`: it takes minutes, and its job is to
//! count, not to pass or fail on timing (it does exit 1 when a promise is broken: a lost
//! acknowledged write, a duplicate from a retried key, an event lost or out of order, a bad
//! signature, an outage answered as anything but 503 UNAVAILABLE).

// Shared with the tests; the suite uses part of it.
#[allow(dead_code)]
#[path = "../../tests/pg_cluster.rs"]
mod pg_cluster;

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    fmt::Write as _,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use anyhow::{bail, Context, Result};
use axum::{body::Bytes, extract::State, http::HeaderMap, http::StatusCode, routing::post, Router};
use clap::{Parser, ValueEnum};
use entity::{case, outbox_event};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Scenario {
    Kill,
    Sigterm,
    Direct,
    Outage,
    Slow,
    Receiver,
}

/// The fault suite: the service binary under crashes, shutdowns, outages, slow clients and a
/// failing receiver.
#[derive(Parser)]
#[command(name = "fengqiao-faults")]
struct Args {
    /// Database backend. PostgreSQL uses databases `fengqiao_faults_*` on `--postgres`, and a
    /// private cluster (initdb, a free port) for the outage.
    #[arg(long, value_enum, default_value = "sqlite")]
    backend: Backend,
    /// The shared PostgreSQL server (never stopped or reconfigured).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres: String,
    /// The service binary (default: `fengqiao` beside this one).
    #[arg(long)]
    bin: Option<PathBuf>,
    /// kill -9 rounds.
    #[arg(long, default_value_t = 20)]
    rounds: u32,
    /// Run only these scenarios (repeatable).
    #[arg(long, value_enum)]
    only: Vec<Scenario>,
    /// Append the results to this Markdown file.
    #[arg(long)]
    write: Option<PathBuf>,
}

/// What one scenario found: named counts, and the promises it saw broken.
#[derive(Default)]
struct Report {
    counts: Vec<(String, String)>,
    broken: Vec<String>,
}

impl Report {
    fn count(&mut self, name: &str, value: impl ToString) {
        self.counts.push((name.to_owned(), value.to_string()));
    }
    fn expect(&mut self, ok: bool, promise: &str) {
        if !ok {
            self.broken.push(promise.to_owned());
        }
    }
}

/// A little deterministic randomness (the same run each time).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below.max(1)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// One service process and what is needed to start it again.
struct Service {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    env: Vec<(String, String)>,
    child: Option<Child>,
}

impl Service {
    fn new(bin: &Path, database_url: &str, extra: &[(&str, &str)]) -> Result<Service> {
        let dir = std::env::temp_dir().join(format!("fengqiao-faults-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir)?;
        let port = free_port();
        let mut env: Vec<(String, String)> = [
            ("DATABASE_URL", database_url),
            ("FENGQIAO_ENV", "development"),
            ("FENGQIAO_RATE_ANONYMOUS_PER_MIN", "1000000"),
            ("FENGQIAO_RATE_ACTOR_PER_MIN", "1000000"),
            ("FENGQIAO_RATE_ADDRESS_PER_MIN", "1000000"),
            ("FENGQIAO_LOG", "warn"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        env.push(("FENGQIAO_LISTEN".into(), format!("127.0.0.1:{port}")));
        for (k, v) in extra {
            env.push(((*k).to_owned(), (*v).to_owned()));
        }
        Ok(Service {
            bin: bin.to_owned(),
            dir,
            port,
            env,
            child: None,
        })
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn command(&self) -> Command {
        let mut c = Command::new(&self.bin);
        c.current_dir(&self.dir).env_remove("FENGQIAO_JWT_SECRET");
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    async fn start(&mut self, http: &reqwest::Client) -> Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("serve.log"))?;
        self.child = Some(
            self.command()
                .arg("serve")
                .stdout(Stdio::null())
                .stderr(Stdio::from(log))
                .spawn()
                .context("start the service")?,
        );
        let started = Instant::now();
        loop {
            if let Ok(r) = http.get(format!("{}/readyz", self.base())).send().await {
                if r.status() == 200 {
                    return Ok(());
                }
            }
            if started.elapsed() > Duration::from_secs(120) {
                let log = std::fs::read_to_string(self.dir.join("serve.log")).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(5).collect();
                bail!("the service did not become ready: {}", tail.join(" | "));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn token(&self, role: &str) -> Result<String> {
        self.token_with(role, &[])
    }

    fn token_with(&self, role: &str, extra: &[&str]) -> Result<String> {
        let out = self
            .command()
            .args(["token", "--role", role])
            .args(extra)
            .output()?;
        if !out.status.success() {
            bail!("token: {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    fn signal(&self, sig: &str) {
        if let Some(c) = &self.child {
            let _ = Command::new("kill").args([sig, &c.id().to_string()]).status();
        }
    }

    fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    async fn wait_exit(&mut self, limit: Duration) -> Option<i32> {
        let started = Instant::now();
        loop {
            if let Some(c) = &mut self.child {
                if let Ok(Some(s)) = c.try_wait() {
                    self.child = None;
                    return s.code();
                }
            }
            if started.elapsed() > limit {
                self.kill9();
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.kill9();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const REPORT: &str = "mutation($i: ReportCaseInput!) { reportCase(input: $i) { case { id } } }";

/// A report with its retry key and a title that names it.
fn report_input(key: &str) -> Value {
    json!({ "i": { "title": format!("故障测试 {key}"), "description": "楼道堆放杂物，影响通行", "idempotencyKey": format!("fault-key-{key}") } })
}

/// How one request ended.
enum Outcome {
    /// 200 with data.
    Ok(Value),
    /// An HTTP status and the GraphQL error code, if any.
    Refused(u16, String),
    /// No connection could be made (the server is not listening).
    NoConnection,
    /// The connection broke after the request was sent: the answer is unknown.
    Broken,
    /// No answer within the client's own limit.
    TimedOut,
}

async fn gql(http: &reqwest::Client, base: &str, token: &str, query: &str, variables: Value) -> Outcome {
    let sent = http
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await;
    let res = match sent {
        Ok(r) => r,
        Err(e) if e.is_timeout() => return Outcome::TimedOut,
        Err(e) if e.is_connect() => return Outcome::NoConnection,
        Err(e) => {
            if std::env::var_os("FAULTS_DEBUG").is_some() {
                eprintln!("broken: {e:?}");
            }
            return Outcome::Broken;
        }
    };
    let status = res.status().as_u16();
    let body: Value = match res.json().await {
        Ok(b) => b,
        Err(e) if e.is_timeout() => return Outcome::TimedOut,
        Err(_) => return Outcome::Broken,
    };
    let code = body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if status == 200 && code.is_empty() {
        Outcome::Ok(body["data"].clone())
    } else {
        Outcome::Refused(status, code)
    }
}

/// Opens the service's database directly, to check what it holds.
async fn open(url: &str) -> Result<sea_orm::DatabaseConnection> {
    Ok(fengqiao_api::db::connect(url, 2).await?)
}

/// Cases whose title carries `key`.
async fn cases_by_title(db: &sea_orm::DatabaseConnection, key: &str) -> Result<u64> {
    Ok(case::Entity::find()
        .filter(case::Column::Title.eq(format!("故障测试 {key}")))
        .count(db)
        .await?)
}

/// How many of the cases `ids` exist.
async fn existing(db: &sea_orm::DatabaseConnection, ids: &[String]) -> Result<usize> {
    let mut found = 0;
    for chunk in ids.chunks(500) {
        let uuids: Vec<uuid::Uuid> = chunk.iter().filter_map(|i| i.parse().ok()).collect();
        found += case::Entity::find()
            .filter(case::Column::Id.is_in(uuids))
            .count(db)
            .await?;
    }
    Ok(usize::try_from(found)?)
}

/// A fresh database for one scenario: a new SQLite file, or a new database on the shared
/// PostgreSQL server.
async fn fresh_database(args: &Args, name: &str) -> Result<String> {
    match args.backend {
        Backend::Sqlite => {
            let dir =
                std::env::temp_dir().join(format!("fengqiao-faults-db-{}", uuid::Uuid::new_v4().simple()));
            std::fs::create_dir_all(&dir)?;
            Ok(format!("sqlite://{}/fengqiao.db?mode=rwc", dir.display()))
        }
        Backend::Postgres => {
            let admin = sea_orm::Database::connect(args.postgres.as_str()).await?;
            // The process id keeps two runs on one server apart.
            let db = format!("fengqiao_faults_{name}_{}", std::process::id());
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
                .await?;
            admin.execute_unprepared(&format!("CREATE DATABASE {db}")).await?;
            admin.close().await?;
            let base = args
                .postgres
                .rsplit_once('/')
                .map(|(b, _)| b)
                .unwrap_or(&args.postgres);
            Ok(format!("{base}/{db}"))
        }
    }
}

/// Removes the databases this run made on the shared server.
async fn drop_databases(args: &Args) -> Result<()> {
    let admin = sea_orm::Database::connect(args.postgres.as_str()).await?;
    for name in ["kill", "sigterm", "direct", "slow", "receiver"] {
        admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS fengqiao_faults_{name}_{} WITH (FORCE)",
                std::process::id()
            ))
            .await?;
    }
    admin.close().await?;
    Ok(())
}

fn http_client(timeout: Duration) -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(timeout)
        .pool_max_idle_per_host(64)
        .build()?)
}

/// kill -9 in the middle of concurrent reports, again and again. Every acknowledged report
/// must be there afterwards; every report whose answer was lost is sent again with its key
/// after the restart and must exist exactly once.
async fn kill_loop(args: &Args, bin: &Path) -> Result<Report> {
    let url = fresh_database(args, "kill").await?;
    let http = http_client(Duration::from_secs(30))?;
    let mut svc = Service::new(bin, &url, &[])?;
    svc.start(&http).await?;
    let token = svc.token("citizen")?;
    let mut rng = Lcg(7);
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let unknown = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut rounds = 0;
    for round in 0..args.rounds {
        if round > 0 {
            svc.start(&http).await?;
        }
        rounds += 1;
        let stop = Arc::new(AtomicBool::new(false));
        let clients: Vec<_> = (0..8)
            .map(|c| {
                let (http, base, token, stop, acked, unknown) = (
                    http.clone(),
                    svc.base(),
                    token.clone(),
                    stop.clone(),
                    acked.clone(),
                    unknown.clone(),
                );
                tokio::spawn(async move {
                    let mut i = 0;
                    while !stop.load(Ordering::SeqCst) {
                        i += 1;
                        let key = format!("k{round}-{c}-{i}");
                        match gql(&http, &base, &token, REPORT, report_input(&key)).await {
                            Outcome::Ok(d) => {
                                if let Some(id) = d["reportCase"]["case"]["id"].as_str() {
                                    acked.lock().map(|mut v| v.push(id.to_owned())).ok();
                                }
                            }
                            Outcome::NoConnection => break,
                            // Sent, answer unknown: a client retries it with the same key.
                            _ => {
                                unknown.lock().map(|mut v| v.push(key)).ok();
                                break;
                            }
                        }
                    }
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(300 + rng.next(1200))).await;
        svc.kill9();
        stop.store(true, Ordering::SeqCst);
        for c in clients {
            let _ = c.await;
        }
    }
    svc.start(&http).await?;
    let acked = acked.lock().map(|v| v.clone()).unwrap_or_default();
    let unknown = unknown.lock().map(|v| v.clone()).unwrap_or_default();
    let mut retried_ok = 0;
    for key in &unknown {
        if let Outcome::Ok(_) = gql(&http, &svc.base(), &token, REPORT, report_input(key)).await {
            retried_ok += 1;
        }
    }
    let db = open(&url).await?;
    let found = existing(&db, &acked).await?;
    let mut duplicates = 0;
    for key in &unknown {
        if cases_by_title(&db, key).await? != 1 {
            duplicates += 1;
        }
    }
    db.close().await?;
    let mut r = Report::default();
    r.count("kill -9 rounds", rounds);
    r.count("acknowledged reports", acked.len());
    r.count("acknowledged reports lost", acked.len() - found);
    r.count("reports cut off (answer unknown)", unknown.len());
    r.count("cut-off reports retried with their key, answered", retried_ok);
    r.count("cut-off reports not exactly once after the retry", duplicates);
    r.expect(found == acked.len(), "no acknowledged report is lost");
    r.expect(
        retried_ok == unknown.len() && duplicates == 0,
        "a retried key makes exactly one case",
    );
    Ok(r)
}

/// SIGTERM while 16 clients read and write: requests in flight finish, none breaks
/// mid-answer, the exit code says whether anything was cut off, and every acknowledged write
/// is there after a restart. Behind a load balancer (`balanced`: a task polls `/readyz` every
/// 100 ms, as a load balancer's health check does, and sends no new request once it fails)
/// no request may break. Without one, clients keep connecting until the listener closes,
/// and a connection the kernel queued in that instant is reset, as TCP does for any server
/// that exits: those are counted, not a broken promise.
async fn sigterm(args: &Args, bin: &Path, balanced: bool) -> Result<Report> {
    let url = fresh_database(args, if balanced { "sigterm" } else { "direct" }).await?;
    let http = http_client(Duration::from_secs(30))?;
    let mut svc = Service::new(
        bin,
        &url,
        &[
            ("FENGQIAO_DRAIN_SECS", "2"),
            ("FENGQIAO_SHUTDOWN_GRACE_SECS", "10"),
        ],
    )?;
    svc.start(&http).await?;
    let token = svc.token("commander")?;
    let citizen = svc.token("citizen")?;
    #[derive(Default)]
    struct Tally {
        ok: AtomicUsize,
        draining: AtomicUsize,
        refused_other: AtomicUsize,
        no_connection: AtomicUsize,
        broken: AtomicUsize,
        timed_out: AtomicUsize,
    }
    let tally = Arc::new(Tally::default());
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    // The load balancer's view: true while the instance is in rotation.
    let routed = Arc::new(AtomicBool::new(true));
    let moved = Arc::new(AtomicUsize::new(0));
    let balancer = balanced.then(|| {
        let (http, base, routed) = (http.clone(), svc.base(), routed.clone());
        tokio::spawn(async move {
            loop {
                let ready = http
                    .get(format!("{base}/readyz"))
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == 200);
                if !ready {
                    routed.store(false, Ordering::SeqCst);
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    });
    let clients: Vec<_> = (0..16)
        .map(|c| {
            let (http, base, token, citizen, tally, acked, routed, moved) = (
                http.clone(),
                svc.base(),
                token.clone(),
                citizen.clone(),
                tally.clone(),
                acked.clone(),
                routed.clone(),
                moved.clone(),
            );
            tokio::spawn(async move {
                let mut i = 0;
                loop {
                    if !routed.load(Ordering::SeqCst) {
                        moved.fetch_add(1, Ordering::SeqCst);
                        break;
                    }
                    i += 1;
                    let outcome = if c % 2 == 0 {
                        gql(&http, &base, &citizen, REPORT, report_input(&format!("t{c}-{i}"))).await
                    } else {
                        gql(
                            &http,
                            &base,
                            &token,
                            "{ cases(first: 20) { totalCount nodes { id title grid { name } } } }",
                            json!({}),
                        )
                        .await
                    };
                    match outcome {
                        Outcome::Ok(d) => {
                            tally.ok.fetch_add(1, Ordering::SeqCst);
                            if let Some(id) = d["reportCase"]["case"]["id"].as_str() {
                                acked.lock().map(|mut v| v.push(id.to_owned())).ok();
                            }
                        }
                        Outcome::Refused(503, _) => {
                            tally.draining.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        Outcome::Refused(..) => {
                            tally.refused_other.fetch_add(1, Ordering::SeqCst);
                        }
                        Outcome::NoConnection => {
                            tally.no_connection.fetch_add(1, Ordering::SeqCst);
                            break;
                        }
                        Outcome::Broken => {
                            tally.broken.fetch_add(1, Ordering::SeqCst);
                            break;
                        }
                        Outcome::TimedOut => {
                            tally.timed_out.fetch_add(1, Ordering::SeqCst);
                            break;
                        }
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = tally.ok.load(Ordering::SeqCst);
    let signalled = Instant::now();
    svc.signal("-TERM");
    let code = svc.wait_exit(Duration::from_secs(30)).await;
    let stop_secs = signalled.elapsed().as_secs_f64();
    for c in clients {
        let _ = c.await;
    }
    if let Some(b) = balancer {
        b.abort();
    }
    svc.start(&http).await?;
    let acked = acked.lock().map(|v| v.clone()).unwrap_or_default();
    let db = open(&url).await?;
    let found = existing(&db, &acked).await?;
    db.close().await?;
    let mut r = Report::default();
    if balanced {
        r.count(
            "clients moved elsewhere by the load balancer",
            moved.load(Ordering::SeqCst),
        );
    }
    r.count("answered before SIGTERM", before);
    r.count("answered in all", tally.ok.load(Ordering::SeqCst));
    r.count("503 while draining", tally.draining.load(Ordering::SeqCst));
    r.count("other refusals", tally.refused_other.load(Ordering::SeqCst));
    r.count(
        "no connection after the stop",
        tally.no_connection.load(Ordering::SeqCst),
    );
    r.count(
        if balanced {
            "broken mid-answer"
        } else {
            "reset at the final close (sent on a connection the kernel had queued)"
        },
        tally.broken.load(Ordering::SeqCst),
    );
    r.count("client timeouts", tally.timed_out.load(Ordering::SeqCst));
    r.count(
        "exit code",
        code.map_or("none (killed after 30 s)".to_owned(), |c| c.to_string()),
    );
    r.count("seconds from SIGTERM to exit", format!("{stop_secs:.1}"));
    r.count("acknowledged writes lost", acked.len() - found);
    if balanced {
        r.expect(
            tally.broken.load(Ordering::SeqCst) == 0,
            "no request breaks mid-answer",
        );
    }
    r.expect(code == Some(0), "a shutdown that cut nothing off exits 0");
    r.expect(found == acked.len(), "no acknowledged write is lost at shutdown");
    r.expect(
        tally.refused_other.load(Ordering::SeqCst) == 0,
        "refusals while stopping are 503s",
    );
    Ok(r)
}

/// Answers seen, by phase and kind: how many, and the slowest in seconds.
type Answers = BTreeMap<(&'static str, String), (usize, f64)>;

/// Requests against a database that freezes, then stops, then comes back: every answer is
/// 200 or 503 UNAVAILABLE within the configured bound, and service resumes by itself.
async fn outage(args: &Args, bin: &Path) -> Result<Report> {
    let mut cluster = None;
    let (url, lock_sqlite) = match args.backend {
        Backend::Postgres => {
            if pg_cluster::bin_dir().is_none() {
                bail!("no PostgreSQL programs (initdb) for a private cluster");
            }
            let c = pg_cluster::Cluster::start(&[]);
            let url = c.url();
            cluster = Some(c);
            (url, None)
        }
        Backend::Sqlite => {
            let url = fresh_database(args, "outage").await?;
            (url.clone(), Some(url))
        }
    };
    let http = http_client(Duration::from_secs(30))?;
    let mut svc = Service::new(bin, &url, &[("FENGQIAO_REQUEST_TIMEOUT_SECS", "5")])?;
    svc.start(&http).await?;
    let commander = svc.token("commander")?;
    let citizen = svc.token("citizen")?;
    let phase = Arc::new(Mutex::new("normal"));
    // Per phase: answers by kind, and the slowest answer.
    let seen: Arc<Mutex<Answers>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..6)
        .map(|c| {
            let (http, base, commander, citizen, phase, seen, stop) = (
                http.clone(),
                svc.base(),
                commander.clone(),
                citizen.clone(),
                phase.clone(),
                seen.clone(),
                stop.clone(),
            );
            tokio::spawn(async move {
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    i += 1;
                    let now = phase.lock().map(|p| *p).unwrap_or("?");
                    let started = Instant::now();
                    let outcome = if c % 2 == 0 {
                        gql(&http, &base, &citizen, REPORT, report_input(&format!("o{c}-{i}"))).await
                    } else {
                        gql(
                            &http,
                            &base,
                            &commander,
                            "{ cases(first: 5) { totalCount } }",
                            json!({}),
                        )
                        .await
                    };
                    let kind = match outcome {
                        Outcome::Ok(_) => "200".to_owned(),
                        Outcome::Refused(s, code) => format!("{s} {code}"),
                        Outcome::NoConnection => "no connection".to_owned(),
                        Outcome::Broken => "broken".to_owned(),
                        Outcome::TimedOut => "client timeout (30 s)".to_owned(),
                    };
                    let secs = started.elapsed().as_secs_f64();
                    if let Ok(mut m) = seen.lock() {
                        let e = m.entry((now, kind)).or_insert((0, 0.0));
                        e.0 += 1;
                        e.1 = e.1.max(secs);
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        })
        .collect();
    let set = |p: &'static str| {
        if let Ok(mut x) = phase.lock() {
            *x = p;
        }
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    let recovered_in;
    match (&mut cluster, &lock_sqlite) {
        (Some(c), _) => {
            set("frozen");
            c.freeze();
            tokio::time::sleep(Duration::from_secs(10)).await;
            c.thaw();
            set("thawed");
            tokio::time::sleep(Duration::from_secs(3)).await;
            set("stopped");
            c.stop();
            tokio::time::sleep(Duration::from_secs(10)).await;
            c.restart();
            let back = Instant::now();
            set("restarted");
            recovered_in = first_ok(&http, &svc.base(), &citizen, back).await;
        }
        (None, Some(url)) => {
            set("write-locked");
            let db = open(url).await?;
            let lock = fengqiao_api::db::begin_write(&db).await?;
            tokio::time::sleep(Duration::from_secs(10)).await;
            lock.rollback().await?;
            db.close().await?;
            let back = Instant::now();
            set("unlocked");
            recovered_in = first_ok(&http, &svc.base(), &citizen, back).await;
        }
        _ => bail!("no outage to make"),
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        let _ = c.await;
    }
    let seen = seen.lock().map(|m| m.clone()).unwrap_or_default();
    let mut r = Report::default();
    let mut wrong = 0;
    for ((p, kind), (n, slowest)) in &seen {
        r.count(&format!("{p}: {kind}"), format!("{n} (slowest {slowest:.2} s)"));
        let fine = kind == "200" || kind == "503 UNAVAILABLE";
        if !fine {
            wrong += n;
        }
    }
    let slowest = seen.values().map(|v| v.1).fold(0.0, f64::max);
    r.count("answers other than 200 or 503 UNAVAILABLE", wrong);
    r.count("slowest answer (s)", format!("{slowest:.2}"));
    r.count(
        "first report answered after the database came back (s)",
        format!("{recovered_in:.2}"),
    );
    r.expect(
        wrong == 0,
        "an outage is answered 200 or 503 UNAVAILABLE, nothing else",
    );
    r.expect(
        slowest < 8.0,
        "every answer within the request timeout and a probe interval",
    );
    drop(svc);
    drop(cluster);
    Ok(r)
}

/// Seconds until a report by `citizen` is answered 200 again (a write: on SQLite reads never
/// stopped).
async fn first_ok(http: &reqwest::Client, base: &str, citizen: &str, since: Instant) -> f64 {
    let mut i = 0;
    loop {
        i += 1;
        let input = report_input(&format!("back-{i}"));
        if let Outcome::Ok(_) = gql(http, base, citizen, REPORT, input).await {
            return since.elapsed().as_secs_f64();
        }
        if since.elapsed() > Duration::from_secs(60) {
            return f64::INFINITY;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A thousand connections that send half a request and wait, beside ordinary clients: the
/// ordinary requests are answered, and the half-open connections are closed by the server
/// after the header timeout.
async fn slow(args: &Args, bin: &Path) -> Result<Report> {
    raise_file_limit();
    let url = fresh_database(args, "slow").await?;
    let http = http_client(Duration::from_secs(30))?;
    let mut svc = Service::new(bin, &url, &[("FENGQIAO_HEADER_TIMEOUT_SECS", "3")])?;
    svc.start(&http).await?;
    let token = svc.token("commander")?;
    let addr = format!("127.0.0.1:{}", svc.port);
    let mut half_open = Vec::new();
    for _ in 0..1000 {
        if let Ok(mut s) = tokio::net::TcpStream::connect(&addr).await {
            let _ = s
                .write_all(b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Le")
                .await;
            half_open.push(s);
        }
    }
    let opened = half_open.len();
    let opened_at = Instant::now();
    let closers: Vec<_> = half_open
        .into_iter()
        .map(|mut s| {
            tokio::spawn(async move {
                let mut buf = [0u8; 256];
                let started = Instant::now();
                // The server closes (EOF or reset) after the header timeout.
                let closed = tokio::time::timeout(Duration::from_secs(15), async {
                    loop {
                        match s.read(&mut buf).await {
                            Ok(0) | Err(_) => return true,
                            Ok(_) => {}
                        }
                    }
                })
                .await
                .unwrap_or(false);
                (closed, started.elapsed().as_secs_f64())
            })
        })
        .collect();
    let mut ok = 0;
    let mut failed = 0;
    let mut latencies = Vec::new();
    while opened_at.elapsed() < Duration::from_secs(5) {
        let started = Instant::now();
        match gql(
            &http,
            &svc.base(),
            &token,
            "{ cases(first: 5) { totalCount } }",
            json!({}),
        )
        .await
        {
            Outcome::Ok(_) => ok += 1,
            _ => failed += 1,
        }
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let mut closed = 0;
    let mut latest_close: f64 = 0.0;
    for c in closers {
        if let Ok((true, secs)) = c.await {
            closed += 1;
            latest_close = latest_close.max(secs);
        }
    }
    latencies.sort_by(|a, b| a.total_cmp(b));
    let p99 = latencies
        .get(latencies.len().saturating_mul(99) / 100)
        .copied()
        .unwrap_or(0.0);
    let mut r = Report::default();
    r.count("half-open connections", opened);
    r.count("closed by the server", closed);
    r.count(
        "last one closed after (s; header timeout 3)",
        format!("{latest_close:.1}"),
    );
    r.count("ordinary requests meanwhile: answered", ok);
    r.count("ordinary requests meanwhile: failed", failed);
    r.count("ordinary requests: p99 latency (ms)", format!("{p99:.1}"));
    r.expect(closed == opened, "half-open connections are closed");
    r.expect(
        failed == 0 && ok > 0,
        "ordinary requests are answered beside them",
    );
    Ok(r)
}

fn raise_file_limit() {
    // SAFETY: getrlimit/setrlimit with a valid pointer to a local struct.
    unsafe {
        let mut l = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) == 0 {
            l.rlim_cur = l.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &l);
        }
    }
}

/// What the receiver saw.
#[derive(Default)]
struct Received {
    secret: Mutex<String>,
    attempts: AtomicUsize,
    failed_on_purpose: AtomicUsize,
    bad_signatures: AtomicUsize,
    /// Accepted posts: event id, case id, sequence.
    accepted: Mutex<Vec<(String, String, i64)>>,
    rng: Mutex<u64>,
}

async fn receive(State(r): State<Arc<Received>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    r.attempts.fetch_add(1, Ordering::SeqCst);
    let fail = r
        .rng
        .lock()
        .map(|mut s| {
            let mut l = Lcg(*s);
            let v = l.next(100) < 30;
            *s = l.0;
            v
        })
        .unwrap_or(false);
    if fail {
        r.failed_on_purpose.fetch_add(1, Ordering::SeqCst);
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let ts: i64 = h("x-fengqiao-timestamp").parse().unwrap_or(0);
    let secret = r.secret.lock().map(|s| s.clone()).unwrap_or_default();
    let expected = format!(
        "sha256={}",
        fengqiao_api::service::platform::sign(&secret, ts, &body)
    );
    if h("x-fengqiao-signature") != expected {
        r.bad_signatures.fetch_add(1, Ordering::SeqCst);
        return StatusCode::UNAUTHORIZED;
    }
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if let Ok(mut a) = r.accepted.lock() {
        a.push((
            h("x-fengqiao-event-id"),
            v["case"]["id"].as_str().unwrap_or_default().to_owned(),
            v["sequence"].as_i64().unwrap_or(-1),
        ));
    }
    StatusCode::OK
}

/// 300 reported cases make outbound events for a platform whose receiver fails 30% of the
/// posts; the service is killed twice while it delivers. Every event arrives, each case's
/// events in order, every post signed.
async fn receiver(args: &Args, bin: &Path) -> Result<Report> {
    let url = fresh_database(args, "receiver").await?;
    let http = http_client(Duration::from_secs(30))?;
    let mut svc = Service::new(
        bin,
        &url,
        &[
            ("FENGQIAO_OUTBOX_POLL_MS", "100"),
            ("FENGQIAO_OUTBOX_BACKOFF_MS", "100"),
            ("FENGQIAO_OUTBOX_BACKOFF_MAX_SECS", "1"),
            ("FENGQIAO_OUTBOX_MAX_ATTEMPTS", "1000"),
        ],
    )?;
    svc.start(&http).await?;
    let received = Arc::new(Received {
        rng: Mutex::new(11),
        ..Received::default()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let hook = format!("http://{}/events", listener.local_addr()?);
    let app = Router::new()
        .route("/events", post(receive))
        .with_state(received.clone());
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let admin = svc.token("admin")?;
    let Outcome::Ok(d) = gql(&http, &svc.base(), &admin, "{ platforms { id code } }", json!({})).await else {
        bail!("no platforms");
    };
    let platform = d["platforms"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["code"] == "DEMO-12345"))
        .and_then(|p| p["id"].as_str())
        .context("the demo 12345 platform")?
        .to_owned();
    let set = gql(
        &http,
        &svc.base(),
        &admin,
        "mutation($i: UpdatePlatformInput!) { updatePlatform(input: $i) { platform { id } } }",
        json!({ "i": { "id": platform, "webhookUrl": hook, "subscription": "ALL_CASES" } }),
    )
    .await;
    if !matches!(set, Outcome::Ok(_)) {
        bail!("could not point the platform at the receiver");
    }
    let Outcome::Ok(d) = gql(
        &http,
        &svc.base(),
        &admin,
        "mutation($i: RotatePlatformSecretInput!) { rotatePlatformSecret(input: $i) { secret } }",
        json!({ "i": { "id": platform } }),
    )
    .await
    else {
        bail!("no secret");
    };
    if let Ok(mut s) = received.secret.lock() {
        *s = d["rotatePlatformSecret"]["secret"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
    }
    let citizen = svc.token("citizen")?;
    // District-wide: the reports name no grid.
    let commander = svc.token_with("commander", &["--district-wide"])?;
    let mut cases = 0;
    for batch in 0..3 {
        for i in 0..100 {
            if let Outcome::Ok(d) = gql(
                &http,
                &svc.base(),
                &citizen,
                REPORT,
                report_input(&format!("r{batch}-{i}")),
            )
            .await
            {
                // A second event per case for some: ordering within a case matters.
                if i % 4 == 0 {
                    if let Some(id) = d["reportCase"]["case"]["id"].as_str() {
                        let _ = gql(
                            &http,
                            &svc.base(),
                            &commander,
                            "mutation($i: AssessCaseInput!) { assessCase(input: $i) { case { id } } }",
                            json!({ "i": { "step": { "caseId": id, "version": 1 }, "kind": "DISPUTE", "severity": "ORDINARY", "riskColour": "GREEN" } }),
                        )
                        .await;
                    }
                }
                cases += 1;
            }
        }
        if batch < 2 {
            // Let some deliveries happen, then kill in the middle of them.
            tokio::time::sleep(Duration::from_millis(700)).await;
            svc.kill9();
            svc.start(&http).await?;
        }
    }
    let db = open(&url).await?;
    let events = usize::try_from(
        outbox_event::Entity::find()
            .filter(outbox_event::Column::PlatformId.eq(platform.parse::<uuid::Uuid>()?))
            .count(&db)
            .await?,
    )?;
    let started = Instant::now();
    let distinct = |r: &Received| {
        r.accepted
            .lock()
            .map(|a| a.iter().map(|x| x.0.clone()).collect::<HashSet<_>>().len())
            .unwrap_or(0)
    };
    while distinct(&received) < events && started.elapsed() < Duration::from_secs(180) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let delivered_in = started.elapsed().as_secs_f64();
    db.close().await?;
    server.abort();
    let accepted = received.accepted.lock().map(|a| a.clone()).unwrap_or_default();
    let got = distinct(&received);
    // Order: per case, the first acceptance of each event in increasing sequence.
    let mut seen = HashSet::new();
    let mut last: HashMap<String, i64> = HashMap::new();
    let mut out_of_order = 0;
    for (event, case, seq) in &accepted {
        if !seen.insert(event.clone()) {
            continue;
        }
        if let Some(prev) = last.insert(case.clone(), *seq) {
            if *seq < prev {
                out_of_order += 1;
            }
        }
    }
    let mut r = Report::default();
    r.count("cases reported", cases);
    r.count("outbound events", events);
    r.count("service kills while delivering", 2);
    r.count("posts received", received.attempts.load(Ordering::SeqCst));
    r.count(
        "posts failed on purpose (30%)",
        received.failed_on_purpose.load(Ordering::SeqCst),
    );
    r.count("events delivered", got);
    r.count("events lost", events.saturating_sub(got));
    r.count("repeated deliveries (at least once)", accepted.len() - got);
    r.count("out of order within a case", out_of_order);
    r.count("bad signatures", received.bad_signatures.load(Ordering::SeqCst));
    r.count("seconds until all were delivered", format!("{delivered_in:.1}"));
    r.expect(got == events, "no event is lost");
    r.expect(out_of_order == 0, "a case's events arrive in order");
    r.expect(
        received.bad_signatures.load(Ordering::SeqCst) == 0,
        "every post is signed",
    );
    Ok(r)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| kb / 1024 / 1024)
        .unwrap_or(0);
    format!("{cpu}, {cores} cores, {mem} GiB")
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let bin = match &args.bin {
        Some(b) => b.clone(),
        None => std::env::current_exe()?
            .parent()
            .context("no folder")?
            .join("fengqiao"),
    };
    if !bin.exists() {
        bail!(
            "{} not found: cargo build --release -p fengqiao first",
            bin.display()
        );
    }
    let all = [
        Scenario::Kill,
        Scenario::Sigterm,
        Scenario::Direct,
        Scenario::Outage,
        Scenario::Slow,
        Scenario::Receiver,
    ];
    let chosen: Vec<Scenario> = if args.only.is_empty() {
        all.to_vec()
    } else {
        all.iter().copied().filter(|s| args.only.contains(s)).collect()
    };
    let started = Instant::now();
    let mut out = String::new();
    let backend = match args.backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    let command: Vec<String> = std::env::args().collect();
    let _ = writeln!(
        out,
        "\n## {backend}, {}\n\nMachine: {}. Command: `{}`.\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        machine(),
        command.join(" ").replace(
            &std::env::current_dir()
                .map(|d| d.display().to_string() + "/")
                .unwrap_or_default(),
            ""
        )
    );
    let mut broken = Vec::new();
    for s in chosen {
        let title = match s {
            Scenario::Kill => "kill -9 during concurrent reports",
            Scenario::Sigterm => "SIGTERM under load, behind a load balancer",
            Scenario::Direct => "SIGTERM under load, clients connecting directly",
            Scenario::Outage => match args.backend {
                Backend::Postgres => "database outage (private cluster frozen 10 s, then stopped 10 s)",
                Backend::Sqlite => "database outage (write lock held 10 s)",
            },
            Scenario::Slow => "1,000 half-open connections",
            Scenario::Receiver => "flaky receiver and two kills during delivery",
        };
        println!("== {title}");
        let t = Instant::now();
        let result = match s {
            Scenario::Kill => kill_loop(&args, &bin).await,
            Scenario::Sigterm => sigterm(&args, &bin, true).await,
            Scenario::Direct => sigterm(&args, &bin, false).await,
            Scenario::Outage => outage(&args, &bin).await,
            Scenario::Slow => slow(&args, &bin).await,
            Scenario::Receiver => receiver(&args, &bin).await,
        };
        let _ = writeln!(out, "### {title}\n\n| count | value |\n|---|---:|");
        match result {
            Ok(r) => {
                for (k, v) in &r.counts {
                    println!("  {k}: {v}");
                    let _ = writeln!(out, "| {k} | {v} |");
                }
                for b in &r.broken {
                    println!("  BROKEN: {b}");
                    let _ = writeln!(out, "| **broken** | {b} |");
                    broken.push(format!("{title}: {b}"));
                }
            }
            Err(e) => {
                println!("  FAILED TO RUN: {e:#}");
                let _ = writeln!(out, "| **failed to run** | {e} |");
                broken.push(format!("{title}: {e}"));
            }
        }
        let _ = writeln!(out, "\n({:.0} s)\n", t.elapsed().as_secs_f64());
    }
    let _ = writeln!(
        out,
        "Whole run: {:.0} s; promises broken: {}.",
        started.elapsed().as_secs_f64(),
        if broken.is_empty() {
            "none".to_owned()
        } else {
            broken.join("; ")
        }
    );
    if args.backend == Backend::Postgres {
        if let Err(e) = drop_databases(&args).await {
            println!("could not drop this run's databases: {e}");
        }
    }
    if let Some(path) = &args.write {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        f.write_all(out.as_bytes())?;
        println!("appended to {}", path.display());
    }
    if !broken.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}
