//! The benchmark harness (its own command, not a test).
//!
//! It generates (once) a city dataset of `--cases` cases with `fengqiao generate`, starts the
//! real service binary on it, drives it over HTTP with concurrent clients, and in the same run
//! fetches the same data with hand-written SQL over a pool of the same size and settings, so
//! every figure is also a ratio to raw SQL. Results, with the machine and the date, are
//! appended to `BENCHMARKS.md` (`--write`).
//!
//! ```text
//! cargo build --release -p fengqiao -p fengqiao-bench
//! target/release/fengqiao-bench --cases 100000 --backend sqlite --write BENCHMARKS.md
//! target/release/fengqiao-bench --cases 100000 --backend postgres --write BENCHMARKS.md
//! ```
//!
//! Beside the service it starts the same schema without the request pipeline (see [`bare`])
//! and runs (a), (b) and (d) against both, so the cost of the security controls is measured in
//! the same run.
// The schema's resolver futures nest deeper than the default limit.
#![recursion_limit = "256"]

mod bare;
mod placement;

// The same allocator as the service, so the raw-SQL side is not handicapped by a slower one.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::{
    future::Future,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use anyhow::{anyhow, bail, Context as _, Result};
use clap::{Parser, ValueEnum};
use fengqiao_api::{
    auth::{JwtKeys, Role, Scope},
    config::{JwtConfig, DEV_AUDIENCE, DEV_ISSUER},
    service::pagination::id_cursor,
};
use futures_util::{SinkExt, StreamExt};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement, Value as DbValue};
use serde_json::{json, Value};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Backend {
    Sqlite,
    Postgres,
}

/// Benchmarks the service next to hand-written SQL on a generated city dataset.
#[derive(Parser, Debug)]
#[command(name = "fengqiao-bench")]
struct Opts {
    /// Cases in the generated dataset.
    #[arg(long, default_value_t = 100_000)]
    cases: u64,
    /// Generator seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Database backend.
    #[arg(long, value_enum, default_value = "sqlite")]
    backend: Backend,
    /// PostgreSQL server (a database per dataset is created on it).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432")]
    pg_server: String,
    /// Concurrent clients for the throughput scenarios.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Seconds each throughput scenario runs (each side).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// WebSocket subscribers for the event-delivery scenario.
    #[arg(long, default_value_t = 1000)]
    subscribers: usize,
    /// Connections in the service's pool and in the raw-SQL pool.
    #[arg(long, default_value_t = 10)]
    pool: u32,
    /// Where datasets and logs live.
    #[arg(long, default_value = "target/bench")]
    work_dir: PathBuf,
    /// Append the results (with machine and date) to this Markdown file.
    #[arg(long)]
    write: Option<PathBuf>,
    /// Run only these scenarios (a, b, c, d, e).
    #[arg(long)]
    only: Vec<String>,
    /// Measure placement of 100,000 positions in 10,000 grid outlines instead of the
    /// scenarios (its own database: `placement.db` or `fengqiao_bench_placement`, made afresh).
    #[arg(long)]
    placement: bool,
    /// Skip the comparison with the security controls off.
    #[arg(long)]
    no_controls_off: bool,
    /// Internal: serve the schema without the request pipeline on this address (the harness
    /// starts itself with it for the controls-off side).
    #[arg(long, hide = true)]
    serve_bare: Option<std::net::SocketAddr>,
}

/// What one side of a scenario measured.
#[derive(Clone, Debug, Default)]
struct Stats {
    ops: u64,
    errors: u64,
    secs: f64,
    p50_ms: f64,
    p99_ms: f64,
}

impl Stats {
    fn throughput(&self) -> f64 {
        if self.secs > 0.0 {
            self.ops as f64 / self.secs
        } else {
            0.0
        }
    }
}

/// One scenario's row of the results table.
struct Row {
    name: &'static str,
    api: Stats,
    raw: Option<Stats>,
    /// The same API calls with the security controls off.
    off: Option<Stats>,
    /// Peak resident memory of the service during the scenario, KiB.
    peak_kib: Option<u64>,
    note: String,
}

const JWT_SECRET: &str = "benchmark-secret-benchmark-secret-0123456789";

fn main() -> Result<()> {
    // The same allocator settings as the service, so both sides of every ratio (and the
    // controls-off server) allocate alike.
    fengqiao_api::alloc::limit_malloc_arenas();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

async fn run() -> Result<()> {
    let opts = Opts::parse();
    if let Some(addr) = opts.serve_bare {
        return bare::serve(addr).await;
    }
    std::fs::create_dir_all(&opts.work_dir)?;
    if opts.placement {
        let report = placement::run(&opts).await?;
        println!("{report}");
        if let Some(path) = &opts.write {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
            writeln!(f, "\n{report}")?;
            eprintln!("appended to {}", path.display());
        }
        return Ok(());
    }
    let bin = sibling_binary("fengqiao")?;
    let url = prepare_database(&opts).await?;
    let generated = ensure_dataset(&opts, &bin, &url).await?;

    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let mut service = start_service(&opts, &bin, &url, port, false)?;
    let mut bare = if opts.no_controls_off {
        None
    } else {
        let port = free_port()?;
        let child = start_service(&opts, &std::env::current_exe()?, &url, port, true)?;
        Some((child, format!("http://127.0.0.1:{port}")))
    };
    let result = run_all(
        &opts,
        &url,
        &base,
        service.id(),
        bare.as_ref().map(|(_, b)| b.as_str()),
    )
    .await;
    let peak = peak_memory_kib(service.id());
    for child in std::iter::once(&mut service).chain(bare.as_mut().map(|(c, _)| c)) {
        let _ = child.kill();
        let _ = child.wait();
    }
    let rows = result?;

    let report = render(&opts, &rows, peak, generated.as_deref());
    println!("{report}");
    if let Some(path) = &opts.write {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        writeln!(f, "\n{report}")?;
        eprintln!("appended to {}", path.display());
    }
    Ok(())
}

fn sibling_binary(name: &str) -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let dir = exe
        .parent()
        .ok_or_else(|| anyhow!("no directory for {}", exe.display()))?;
    let p = dir.join(name);
    if !p.exists() {
        bail!(
            "{} not found: build it first (cargo build --release -p fengqiao -p fengqiao-bench)",
            p.display()
        );
    }
    Ok(p)
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

async fn prepare_database(opts: &Opts) -> Result<String> {
    match opts.backend {
        Backend::Sqlite => {
            let path =
                std::path::absolute(opts.work_dir.join(format!("fq-{}-{}.db", opts.cases, opts.seed)))?;
            Ok(format!("sqlite://{}?mode=rwc", path.display()))
        }
        Backend::Postgres => {
            let name = format!("fengqiao_bench_{}_{}", opts.cases, opts.seed);
            let admin = sea_orm::Database::connect(format!("{}/postgres", opts.pg_server)).await?;
            let exists = admin
                .query_one_raw(Statement::from_sql_and_values(
                    DatabaseBackend::Postgres,
                    "SELECT 1 AS one FROM pg_database WHERE datname = $1",
                    [DbValue::from(name.clone())],
                ))
                .await?
                .is_some();
            if !exists {
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await?;
            }
            admin.close().await?;
            Ok(format!("{}/{name}", opts.pg_server))
        }
    }
}

/// Generates the dataset unless it is already there; returns how long generation took.
async fn ensure_dataset(opts: &Opts, bin: &Path, url: &str) -> Result<Option<String>> {
    let has = match fengqiao_api::db::connect(url, 1).await {
        Ok(db) => {
            let n = count(&db, "SELECT COUNT(*) AS n FROM cases").await.unwrap_or(0);
            let _ = db.close().await;
            n
        }
        Err(_) => 0,
    };
    if has >= opts.cases as i64 {
        eprintln!("dataset present: {has} cases");
        return Ok(None);
    }
    eprintln!("generating {} cases (seed {})…", opts.cases, opts.seed);
    let started = Instant::now();
    let status = Command::new(bin)
        .args([
            "generate",
            "--cases",
            &opts.cases.to_string(),
            "--seed",
            &opts.seed.to_string(),
        ])
        .env("DATABASE_URL", url)
        .env("FENGQIAO_ENV", "development")
        .env("FENGQIAO_JWT_SECRET", JWT_SECRET)
        .env("FENGQIAO_LOG", "warn")
        .status()
        .context("run fengqiao generate")?;
    if !status.success() {
        bail!("fengqiao generate failed");
    }
    let took = format!(
        "`fengqiao generate --cases {} --seed {}` took {:.0} s",
        opts.cases,
        opts.seed,
        started.elapsed().as_secs_f64()
    );
    eprintln!("{took}");
    Ok(Some(took))
}

/// Starts the service binary (`serve`), or this harness as the controls-off server (`bare`).
fn start_service(opts: &Opts, bin: &Path, url: &str, port: u16, bare: bool) -> Result<Child> {
    let listen = format!("127.0.0.1:{port}");
    let log = std::fs::File::create(opts.work_dir.join(if bare { "bare.log" } else { "service.log" }))?;
    let huge = "1000000000";
    let mut cmd = Command::new(bin);
    if bare {
        cmd.args(["--serve-bare", &listen]);
    } else {
        cmd.arg("serve");
    }
    cmd.env("DATABASE_URL", url)
        .env("FENGQIAO_LISTEN", &listen)
        .env("FENGQIAO_ENV", "development")
        .env("FENGQIAO_DEMO_DATA", "false")
        .env("FENGQIAO_JWT_SECRET", JWT_SECRET)
        .env("FENGQIAO_DB_MAX_CONNECTIONS", opts.pool.to_string())
        .env("FENGQIAO_LOG", "warn")
        // The rate limits protect a city from one client; the benchmark is that one client.
        .env("FENGQIAO_RATE_ACTOR_PER_MIN", huge)
        .env("FENGQIAO_RATE_ADDRESS_PER_MIN", huge)
        .env("FENGQIAO_RATE_ANONYMOUS_PER_MIN", huge)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .context("start the service")
}

/// Resets the process's peak resident memory (VmHWM) so the next reading covers only what
/// follows (Linux: `5` to `/proc/<pid>/clear_refs`).
fn reset_peak_memory(pid: u32) {
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
}

/// VmHWM of a process, in KiB (Linux).
fn peak_memory_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

async fn count(db: &DatabaseConnection, sql: &str) -> Result<i64> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .ok_or_else(|| anyhow!("no row"))?;
    Ok(row.try_get::<i64>("", "n")?)
}

/// A tiny deterministic generator, so runs pick the same sample.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[(self.next() % v.len() as u64) as usize]
    }
}

/// Everything a scenario needs.
#[derive(Clone)]
struct Ctx {
    http: reqwest::Client,
    base: String,
    token: String,
    raw: DatabaseConnection,
    ids: Arc<Vec<Uuid>>,
    grid: Uuid,
    year: (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>),
}

impl Ctx {
    fn backend(&self) -> DatabaseBackend {
        self.raw.get_database_backend()
    }

    /// `?` or `$n` placeholders as the backend wants.
    fn sql(&self, text: &str) -> String {
        if self.backend() == DatabaseBackend::Postgres {
            let mut out = String::new();
            let mut n = 0;
            for ch in text.chars() {
                if ch == '?' {
                    n += 1;
                    out.push_str(&format!("${n}"));
                } else {
                    out.push(ch);
                }
            }
            out
        } else {
            text.to_owned()
        }
    }

    async fn gql(&self, query: &str, variables: Value) -> Result<Value> {
        let res = self
            .http
            .post(format!("{}/graphql", self.base))
            .bearer_auth(&self.token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await?;
        let body: Value = res.json().await?;
        if body.get("errors").is_some_and(|e| !e.is_null()) {
            bail!("GraphQL errors: {}", body["errors"]);
        }
        Ok(body)
    }
}

async fn wait_ready(http: &reqwest::Client, base: &str) -> Result<()> {
    let started = Instant::now();
    loop {
        if let Ok(r) = http.get(format!("{base}/readyz")).send().await {
            if r.status().is_success() {
                return Ok(());
            }
        }
        if started.elapsed() > Duration::from_secs(120) {
            bail!("the service did not become ready (see service.log)");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn run_all(opts: &Opts, url: &str, base: &str, pid: u32, bare: Option<&str>) -> Result<Vec<Row>> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(opts.clients * 2)
        .timeout(Duration::from_secs(60))
        .build()?;
    wait_ready(&http, base).await?;
    let keys = JwtKeys::new(&JwtConfig {
        secret: JWT_SECRET.as_bytes().to_vec(),
        issuer: DEV_ISSUER.into(),
        audience: DEV_AUDIENCE.into(),
        leeway_secs: 30,
        max_lifetime_secs: fengqiao_api::auth::jwks::DEFAULT_MAX_LIFETIME_SECS,
    });
    // A district-wide commander: the whole jurisdiction, the widest scope.
    let token = keys.mint(
        "bench-commander",
        Role::Commander,
        Scope::district(),
        Duration::from_secs(6 * 3600),
    )?;
    let raw = fengqiao_api::db::connect(url, opts.pool).await?;

    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15 ^ opts.seed);
    let all_ids: Vec<Uuid> = {
        let rows = raw
            .query_all_raw(Statement::from_string(
                raw.get_database_backend(),
                "SELECT id FROM cases",
            ))
            .await?;
        rows.iter()
            .filter_map(|r| r.try_get::<Uuid>("", "id").ok())
            .collect()
    };
    if all_ids.is_empty() {
        bail!("the dataset has no cases");
    }
    let ids: Vec<Uuid> = (0..5000).map(|_| *rng.pick(&all_ids)).collect();
    drop(all_ids);
    let grid_row = raw
        .query_one_raw(Statement::from_string(
            raw.get_database_backend(),
            "SELECT grid_id AS g FROM cases WHERE grid_id IS NOT NULL LIMIT 1",
        ))
        .await?
        .ok_or_else(|| anyhow!("no case has a grid"))?;
    let grid: Uuid = grid_row.try_get("", "g")?;
    let last_row = raw
        .query_one_raw(Statement::from_string(
            raw.get_database_backend(),
            // The generated data's last day: the cases this harness reported in earlier
            // runs ((d), (e)) are left out, or every run would grow the year that (c) reads.
            "SELECT MAX(created_at) AS t FROM cases \
             WHERE reporter_subject IS NULL OR reporter_subject <> 'bench-commander'",
        ))
        .await?
        .ok_or_else(|| anyhow!("no cases"))?;
    let last: chrono::DateTime<chrono::Utc> = last_row.try_get("", "t")?;
    let year = (last - chrono::Duration::days(365), last);
    let ctx = Arc::new(Ctx {
        http,
        base: base.to_owned(),
        token,
        raw,
        ids: Arc::new(ids),
        grid,
        year,
    });

    let off = match bare {
        Some(b) => {
            wait_ready(&ctx.http, b).await?;
            Some(Arc::new(Ctx {
                base: b.to_owned(),
                ..(*ctx).clone()
            }))
        }
        None => None,
    };
    let m = Measure {
        ctx: &ctx,
        off: off.as_ref(),
        pid,
        clients: opts.clients,
        secs: Duration::from_secs(opts.seconds),
    };

    let wanted = |s: &str| opts.only.is_empty() || opts.only.iter().any(|o| o == s);
    let mut rows = Vec::new();
    if wanted("a") {
        eprintln!("(a) a 20-case page with grid, enterprise and room…");
        let (api, peak_kib, raw, off) = m.run(scenario_a_api, scenario_a_raw).await;
        rows.push(Row {
            name: "(a) 20-case page, grid + enterprise + room nested",
            api,
            raw: Some(raw),
            off,
            peak_kib,
            note: "raw: one keyset SELECT with three LEFT JOINs".into(),
        });
    }
    if wanted("b") {
        eprintln!("(b) a case with timeline, sessions and follow-ups…");
        let (api, peak_kib, raw, off) = m.run(scenario_b_api, scenario_b_raw).await;
        rows.push(Row {
            name: "(b) one case + timeline + sessions + follow-ups",
            api,
            raw: Some(raw),
            off,
            peak_kib,
            note: "raw: four prepared lookups by key".into(),
        });
    }
    if wanted("c") {
        eprintln!("(c) a year of statistics for the district by month…");
        reset_peak_memory(pid);
        let api = drive_n(&ctx, 20, scenario_c_api).await;
        let peak_kib = peak_memory_kib(pid);
        let raw = drive_n(&ctx, 20, scenario_c_raw).await;
        rows.push(Row {
            name: "(c) district-year statistics by month (1 client)",
            api,
            raw: Some(raw),
            off: None,
            peak_kib,
            note: "raw: one GROUP BY month (counts, resolved, overdue); the API also computes rates and percentiles".into(),
        });
    }
    if wanted("d") {
        eprintln!("(d) reportCase…");
        let (api, peak_kib, raw, off) = m.run(scenario_d_api, scenario_d_raw).await;
        rows.push(Row {
            name: "(d) reportCase",
            api,
            raw: Some(raw),
            off,
            peak_kib,
            note: "raw: counter upsert + case insert + timeline insert, one transaction per case".into(),
        });
    }
    if wanted("e") {
        eprintln!("(e) event delivery to {} subscribers…", opts.subscribers);
        reset_peak_memory(pid);
        let (api, note) = scenario_e(&ctx, opts.subscribers).await?;
        rows.push(Row {
            name: "(e) event delivery to subscribers",
            api,
            raw: None,
            off: None,
            peak_kib: peak_memory_kib(pid),
            note,
        });
    }
    Ok(rows)
}

/// How a throughput scenario is run: the API with the controls on (its peak memory measured
/// alone), then the raw SQL, then the API with the controls off.
struct Measure<'a> {
    ctx: &'a Arc<Ctx>,
    off: Option<&'a Arc<Ctx>>,
    pid: u32,
    clients: usize,
    secs: Duration,
}

impl Measure<'_> {
    async fn run<A, AF, R, RF>(&self, api: A, raw: R) -> (Stats, Option<u64>, Stats, Option<Stats>)
    where
        A: Fn(Arc<Ctx>, u64) -> AF + Copy + Send + Sync + 'static,
        AF: Future<Output = Result<()>> + Send,
        R: Fn(Arc<Ctx>, u64) -> RF + Copy + Send + Sync + 'static,
        RF: Future<Output = Result<()>> + Send,
    {
        reset_peak_memory(self.pid);
        let on = drive(self.ctx, self.clients, self.secs, api).await;
        let peak = peak_memory_kib(self.pid);
        let raw = drive(self.ctx, self.clients, self.secs, raw).await;
        let off = match self.off {
            Some(o) => Some(drive(o, self.clients, self.secs, api).await),
            None => None,
        };
        (on, peak, raw, off)
    }
}

/// Runs `op` from `clients` tasks for `dur`; latencies of successful calls.
async fn drive<F, Fut>(ctx: &Arc<Ctx>, clients: usize, dur: Duration, op: F) -> Stats
where
    F: Fn(Arc<Ctx>, u64) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + Send,
{
    // Warm up: caches, prepared statements, connections.
    for i in 0..(clients as u64 * 4) {
        let _ = op(ctx.clone(), i).await;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (ctx, stop, errors) = (ctx.clone(), stop.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut i = c as u64 * 1_000_003;
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                match op(ctx.clone(), i).await {
                    Ok(()) => lat.push(t.elapsed()),
                    Err(e) => {
                        if errors.fetch_add(1, Ordering::Relaxed) == 0 {
                            eprintln!("  first error: {e:#}");
                        }
                    }
                }
                i += 1;
            }
            lat
        }));
    }
    tokio::time::sleep(dur).await;
    stop.store(true, Ordering::Relaxed);
    let mut lat = Vec::new();
    for t in tasks {
        if let Ok(v) = t.await {
            lat.extend(v);
        }
    }
    summarise(lat, errors.load(Ordering::Relaxed), started.elapsed())
}

/// Runs `op` `n` times one after another (latency-bound scenarios).
async fn drive_n<F, Fut>(ctx: &Arc<Ctx>, n: u64, op: F) -> Stats
where
    F: Fn(Arc<Ctx>, u64) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let _ = op(ctx.clone(), 0).await;
    let mut lat = Vec::new();
    let mut errors = 0;
    let started = Instant::now();
    for i in 0..n {
        let t = Instant::now();
        match op(ctx.clone(), i).await {
            Ok(()) => lat.push(t.elapsed()),
            Err(e) => {
                if errors == 0 {
                    eprintln!("  first error: {e:#}");
                }
                errors += 1;
            }
        }
    }
    summarise(lat, errors, started.elapsed())
}

fn summarise(mut lat: Vec<Duration>, errors: u64, wall: Duration) -> Stats {
    lat.sort();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return 0.0;
        }
        let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
        lat[i].as_secs_f64() * 1000.0
    };
    Stats {
        ops: lat.len() as u64,
        errors,
        secs: wall.as_secs_f64(),
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
    }
}

const PAGE: &str = "query($after: String) { cases(first: 20, after: $after) { nodes { id trackingNumber title status riskColour createdAt grid { id name } enterprise { id name } room { id name } } } }";

async fn scenario_a_api(ctx: Arc<Ctx>, i: u64) -> Result<()> {
    let id = ctx.ids[(i % ctx.ids.len() as u64) as usize];
    let body = ctx.gql(PAGE, json!({ "after": id_cursor(id) })).await?;
    if !body["data"]["cases"]["nodes"].is_array() {
        bail!("no page: {body}");
    }
    Ok(())
}

async fn scenario_a_raw(ctx: Arc<Ctx>, i: u64) -> Result<()> {
    let id = ctx.ids[(i % ctx.ids.len() as u64) as usize];
    let sql = ctx.sql(
        "SELECT c.id, c.tracking_number, c.title, c.status, c.risk_colour, c.created_at, \
         g.id AS gid, g.name AS gname, e.id AS eid, e.name AS ename, r.id AS rid, r.name AS rname \
         FROM cases c LEFT JOIN grids g ON g.id = c.grid_id LEFT JOIN enterprises e ON e.id = c.enterprise_id \
         LEFT JOIN mediation_rooms r ON r.id = c.room_id WHERE c.id < ? ORDER BY c.id DESC LIMIT 20",
    );
    let rows = ctx
        .raw
        .query_all_raw(Statement::from_sql_and_values(
            ctx.backend(),
            sql,
            [DbValue::from(id)],
        ))
        .await?;
    for r in &rows {
        let _: Uuid = r.try_get("", "id")?;
        let _: Option<String> = r.try_get("", "gname")?;
    }
    Ok(())
}

const DETAIL: &str = "query($id: ID!) { case(id: $id) { id trackingNumber title status version timeline { seq kind note createdAt } sessions { id level outcome heldAt } followUps { satisfied visitedAt } } }";

async fn scenario_b_api(ctx: Arc<Ctx>, i: u64) -> Result<()> {
    let id = ctx.ids[(i % ctx.ids.len() as u64) as usize];
    let body = ctx.gql(DETAIL, json!({ "id": id.to_string() })).await?;
    if !body["data"]["case"]["timeline"].is_array() {
        bail!("no case: {body}");
    }
    Ok(())
}

async fn scenario_b_raw(ctx: Arc<Ctx>, i: u64) -> Result<()> {
    let id = ctx.ids[(i % ctx.ids.len() as u64) as usize];
    let q = |sql: &str| Statement::from_sql_and_values(ctx.backend(), ctx.sql(sql), [DbValue::from(id)]);
    let c = ctx
        .raw
        .query_one_raw(q(
            "SELECT id, tracking_number, title, status, version FROM cases WHERE id = ?",
        ))
        .await?;
    if c.is_none() {
        bail!("no case");
    }
    ctx.raw
        .query_all_raw(q(
            "SELECT seq, kind, note, created_at FROM case_timeline_entries WHERE case_id = ? ORDER BY seq",
        ))
        .await?;
    ctx.raw
        .query_all_raw(q(
            "SELECT id, level, outcome, held_at FROM mediation_sessions WHERE case_id = ? ORDER BY scheduled_at",
        ))
        .await?;
    ctx.raw
        .query_all_raw(q(
            "SELECT satisfied, visited_at FROM follow_ups WHERE case_id = ? ORDER BY visited_at",
        ))
        .await?;
    Ok(())
}

const STATS: &str = "query($f: CaseFilterInput) { caseStatistics(filter: $f, groupBy: [PERIOD], timeBucket: MONTH) { groups { periodStart metrics { count resolvedCount resolutionRate mediationSuccessRate satisfactionRate firstResponseSecondsMedian firstResponseSecondsP90 handlingSecondsMedian handlingSecondsP90 overdueCount } } } }";

async fn scenario_c_api(ctx: Arc<Ctx>, _i: u64) -> Result<()> {
    let f = json!({ "createdFrom": ctx.year.0, "createdTo": ctx.year.1 });
    let body = ctx.gql(STATS, json!({ "f": f })).await?;
    if !body["data"]["caseStatistics"]["groups"].is_array() {
        bail!("no statistics: {body}");
    }
    Ok(())
}

async fn scenario_c_raw(ctx: Arc<Ctx>, _i: u64) -> Result<()> {
    let month = match ctx.backend() {
        DatabaseBackend::Postgres => "to_char(date_trunc('month', created_at AT TIME ZONE 'UTC'), 'YYYY-MM')",
        _ => "strftime('%Y-%m', created_at)",
    };
    let sql = ctx.sql(&format!(
        "SELECT {month} AS m, COUNT(*) AS n, \
         SUM(CASE WHEN status IN ('RESOLVED','FED_BACK','FOLLOWED_UP','CLOSED') THEN 1 ELSE 0 END) AS resolved, \
         SUM(CASE WHEN resolution_due IS NOT NULL AND COALESCE(resolved_at, ?) > resolution_due THEN 1 ELSE 0 END) AS overdue \
         FROM cases WHERE created_at >= ? AND created_at < ? GROUP BY {month} ORDER BY m"
    ));
    let rows = ctx
        .raw
        .query_all_raw(Statement::from_sql_and_values(
            ctx.backend(),
            sql,
            [
                DbValue::from(ctx.year.1),
                DbValue::from(ctx.year.0),
                DbValue::from(ctx.year.1),
            ],
        ))
        .await?;
    if rows.is_empty() {
        bail!("no rows");
    }
    Ok(())
}

const REPORT: &str =
    "mutation($i: ReportCaseInput!) { reportCase(input: $i) { case { id trackingNumber } } }";

async fn scenario_d_api(ctx: Arc<Ctx>, i: u64) -> Result<()> {
    let body = ctx
        .gql(
            REPORT,
            json!({ "i": { "title": format!("压测上报 {i}"), "description": "小区消防通道被占用", "gridId": ctx.grid.to_string() } }),
        )
        .await?;
    if body["data"]["reportCase"]["case"]["id"].is_null() {
        bail!("not reported: {body}");
    }
    Ok(())
}

async fn scenario_d_raw(ctx: Arc<Ctx>, i: u64) -> Result<()> {
    let now = chrono::Utc::now();
    let day = now.format("%Y%m%d").to_string();
    let id = Uuid::now_v7();
    let be = ctx.backend();
    // The same write transaction as the service's (BEGIN IMMEDIATE on SQLite).
    let txn = fengqiao_api::db::begin_write(&ctx.raw).await?;
    txn.execute_raw(Statement::from_sql_and_values(
        be,
        ctx.sql(
            "INSERT INTO tracking_counters (day, last) VALUES (?, 1) \
             ON CONFLICT (day) DO UPDATE SET last = tracking_counters.last + 1",
        ),
        [DbValue::from(day.clone())],
    ))
    .await?;
    let n = txn
        .query_one_raw(Statement::from_sql_and_values(
            be,
            ctx.sql("SELECT last FROM tracking_counters WHERE day = ?"),
            [DbValue::from(day.clone())],
        ))
        .await?
        .ok_or_else(|| anyhow!("no counter"))?
        .try_get::<i64>("", "last")?;
    txn.execute_raw(Statement::from_sql_and_values(
        be,
        ctx.sql(
            "INSERT INTO cases (id, tracking_number, kind, title, description, status, source, reporter_role, \
             reporter_subject, grid_id, version, created_at, updated_at) \
             VALUES (?, ?, 'POLICE_INCIDENT', ?, ?, 'REPORTED', 'OFFICER', 'OFFICER', ?, ?, 1, ?, ?)",
        ),
        [
            DbValue::from(id),
            DbValue::from(format!("FQ{day}{n:06}")),
            DbValue::from(format!("手写上报 {i}")),
            DbValue::from("小区消防通道被占用".to_owned()),
            DbValue::from("bench-commander".to_owned()),
            DbValue::from(ctx.grid),
            DbValue::from(now),
            DbValue::from(now),
        ],
    ))
    .await?;
    txn.execute_raw(Statement::from_sql_and_values(
        be,
        ctx.sql(
            "INSERT INTO case_timeline_entries (id, case_id, seq, kind, to_status, actor_subject, actor_role, public, created_at) \
             VALUES (?, ?, 1, 'REPORTED', 'REPORTED', ?, 'commander', ?, ?)",
        ),
        [
            DbValue::from(Uuid::now_v7()),
            DbValue::from(id),
            DbValue::from("bench-commander".to_owned()),
            DbValue::from(true),
            DbValue::from(now),
        ],
    ))
    .await?;
    txn.commit().await?;
    Ok(())
}

/// (e): `subscribers` WebSocket clients subscribe to every case event; cases are reported one
/// after another; each delivery's latency runs from the mutation's start to its arrival.
async fn scenario_e(ctx: &Arc<Ctx>, subscribers: usize) -> Result<(Stats, String)> {
    use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderValue, Message};
    let ws_url = format!("{}/graphql/ws", ctx.base.replacen("http://", "ws://", 1));
    let events = 20u64;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    let mut handles = Vec::new();
    let ready = Arc::new(AtomicU64::new(0));
    for _ in 0..subscribers {
        let mut req = ws_url.clone().into_client_request()?;
        req.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        let (mut ws, _) = tokio_tungstenite::connect_async(req).await?;
        let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {}", ctx.token) } });
        ws.send(Message::Text(init.to_string().into())).await?;
        let sub = json!({ "type": "subscribe", "id": "1", "payload": { "query": "subscription { caseEvents { caseId kind } }" } });
        ws.send(Message::Text(sub.to_string().into())).await?;
        let (tx, ready) = (tx.clone(), ready.clone());
        handles.push(tokio::spawn(async move {
            while let Some(Ok(m)) = ws.next().await {
                if let Message::Text(t) = m {
                    let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                    match v["type"].as_str() {
                        Some("connection_ack") => {
                            ready.fetch_add(1, Ordering::Relaxed);
                        }
                        Some("next") => {
                            let case = v["payload"]["data"]["caseEvents"]["caseId"]
                                .as_str()
                                .unwrap_or_default()
                                .to_owned();
                            let _ = tx.send((case, Instant::now()));
                        }
                        _ => {}
                    }
                }
            }
        }));
    }
    drop(tx);
    let started = Instant::now();
    while (ready.load(Ordering::Relaxed) as usize) < subscribers {
        if started.elapsed() > Duration::from_secs(60) {
            bail!(
                "only {} of {subscribers} subscribers acknowledged",
                ready.load(Ordering::Relaxed)
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Let every subscription register before the first event.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut sent = std::collections::HashMap::new();
    let t0 = Instant::now();
    for i in 0..events {
        let t = Instant::now();
        let body = ctx
            .gql(
                REPORT,
                json!({ "i": { "title": format!("订阅压测 {i}"), "description": "事件推送", "gridId": ctx.grid.to_string() } }),
            )
            .await?;
        let id = body["data"]["reportCase"]["case"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        sent.insert(id, t);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let expected = events as usize * subscribers;
    let mut lat = Vec::with_capacity(expected);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut pending = Vec::new();
    while lat.len() + pending.len() < expected && Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
            Ok(Some((case, at))) => match sent.get(&case) {
                Some(t) => lat.push(at.duration_since(*t)),
                None => pending.push((case, at)),
            },
            _ => break,
        }
    }
    let wall = t0.elapsed();
    for h in handles {
        h.abort();
    }
    let got = lat.len();
    let mut s = summarise(lat, (expected - got.min(expected)) as u64, wall);
    s.ops = got as u64;
    Ok((
        s,
        format!("{events} reports × {subscribers} subscribers = {expected} deliveries expected, {got} received; latency from the mutation's start"),
    ))
}

fn mib(kib: Option<u64>) -> String {
    kib.map(|k| format!("{:.0}", k as f64 / 1024.0))
        .unwrap_or_else(|| "–".into())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        })
        .map(|kib| format!("{:.0} GiB", kib as f64 / 1024.0 / 1024.0))
        .unwrap_or_else(|| "? GiB".into());
    format!("{cpu}, {cores} cores, {mem}")
}

fn render(opts: &Opts, rows: &[Row], peak_kib: Option<u64>, generated: Option<&str>) -> String {
    let mut s = String::new();
    let backend = match opts.backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    s.push_str(&format!(
        "### {} cases on {backend} — {}\n\n",
        opts.cases,
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    ));
    s.push_str(&format!("- Machine: {}\n", machine()));
    s.push_str(&format!(
        "- Command: `fengqiao-bench --cases {} --seed {} --backend {} --clients {} --seconds {} --subscribers {} --pool {}` (release build)\n",
        opts.cases,
        opts.seed,
        format!("{:?}", opts.backend).to_lowercase(),
        opts.clients,
        opts.seconds,
        opts.subscribers,
        opts.pool
    ));
    if let Some(g) = generated {
        s.push_str(&format!("- Dataset: {g}\n"));
    }
    s.push_str(&format!(
        "- Peak memory of the service under load (VmHWM, the largest of the scenarios): {} MiB\n\n",
        mib(rows.iter().filter_map(|r| r.peak_kib).chain(peak_kib).max())
    ));
    s.push_str("| scenario | API ops/s | API p50 ms | API p99 ms | raw ops/s | raw p50 ms | raw p99 ms | throughput ÷ raw | p50 ÷ raw | peak MiB | errors | note |\n");
    s.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    let ratio = |a: f64, b: f64| {
        if b > 0.0 {
            format!("{:.2}×", a / b)
        } else {
            "–".into()
        }
    };
    for r in rows {
        let (rt, rp50, rp99, ratio_t, ratio_p) = match &r.raw {
            Some(raw) => (
                format!("{:.0}", raw.throughput()),
                format!("{:.2}", raw.p50_ms),
                format!("{:.2}", raw.p99_ms),
                ratio(r.api.throughput(), raw.throughput()),
                ratio(r.api.p50_ms, raw.p50_ms),
            ),
            None => ("–".into(), "–".into(), "–".into(), "–".into(), "–".into()),
        };
        s.push_str(&format!(
            "| {} | {:.0} | {:.2} | {:.2} | {rt} | {rp50} | {rp99} | {ratio_t} | {ratio_p} | {} | {} | {} |\n",
            r.name,
            r.api.throughput(),
            r.api.p50_ms,
            r.api.p99_ms,
            mib(r.peak_kib),
            r.api.errors + r.raw.as_ref().map(|x| x.errors).unwrap_or(0),
            r.note
        ));
    }
    let compared: Vec<&Row> = rows.iter().filter(|r| r.off.is_some()).collect();
    if !compared.is_empty() {
        s.push_str("\nSecurity controls (token verification, client check, rate limits, operation limits, mutation audit) on against off, same run; masking is part of the types and on in both:\n\n");
        s.push_str("| scenario | on ops/s | off ops/s | on ÷ off | on p50 ms | off p50 ms | errors |\n");
        s.push_str("|---|---:|---:|---:|---:|---:|---:|\n");
        for r in compared {
            if let Some(off) = &r.off {
                s.push_str(&format!(
                    "| {} | {:.0} | {:.0} | {} | {:.2} | {:.2} | {} |\n",
                    r.name,
                    r.api.throughput(),
                    off.throughput(),
                    ratio(r.api.throughput(), off.throughput()),
                    r.api.p50_ms,
                    off.p50_ms,
                    off.errors
                ));
            }
        }
    }
    s
}
