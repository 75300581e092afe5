//! The command line: `serve` (default), `migrate`, `export-schema`, `token`, `import`, `generate`,
//! `backup`, `audit`, `healthcheck`.

use std::{process::ExitCode, time::Duration};

use clap::{Parser, Subcommand};
use uuid::Uuid;

use crate::{
    app::AppState,
    auth::{Actor, JwtKeys, Role, Scope},
    config::{Config, Mode},
    db, demo,
    error::AppError,
    graphql, server,
    service::import::{self as import_svc, ImportKind},
};

/// fengqiao: one GraphQL API for Fengqiao-style grassroots governance.
#[derive(Parser)]
#[command(name = "fengqiao", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL, sorted) to standard output, or write it to a file.
    ExportSchema {
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
    /// Development only: mint a JWT that a development server in the same directory accepts.
    Token {
        /// Role.
        #[arg(long, value_enum)]
        role: Role,
        /// Grid roots in scope (repeatable).
        #[arg(long = "grid")]
        grids: Vec<Uuid>,
        /// Own unit.
        #[arg(long)]
        unit: Option<Uuid>,
        /// Own enterprise.
        #[arg(long)]
        enterprise: Option<Uuid>,
        /// Own mediation room.
        #[arg(long)]
        room: Option<Uuid>,
        /// Own volunteer team.
        #[arg(long)]
        team: Option<Uuid>,
        /// Own platform.
        #[arg(long)]
        platform: Option<Uuid>,
        /// Own person, volunteer or mediator record.
        #[arg(long)]
        person: Option<Uuid>,
        /// The whole district for a commander or admin (the token claim `jurisdiction: "all"`);
        /// without it and without `--grid` they reach nothing.
        #[arg(long)]
        district_wide: bool,
        /// Subject (`sub`); defaults to a demo account for the role.
        #[arg(long)]
        subject: Option<String>,
        /// Lifetime in hours.
        #[arg(long, default_value_t = 12)]
        hours: u64,
    },
    /// Write an online, consistent copy of the SQLite database to a new file while the service
    /// runs (checked with `PRAGMA integrity_check` before it gets its name). PostgreSQL is
    /// backed up with pg_dump or pg_basebackup instead (README, "Backups").
    /// The audit log's hash chain: `verify` recomputes it and names the first record changed
    /// or removed since it was sealed (exit 1); `seal` seals what is not sealed yet (the
    /// service does so every few seconds).
    Audit {
        /// What to do.
        #[command(subcommand)]
        action: AuditAction,
    },
    Backup {
        /// The new file (refused if it exists).
        #[arg(long)]
        output: std::path::PathBuf,
    },
    /// Exit 0 when the service on `FENGQIAO_LISTEN` answers `/readyz` with 200 within 3 s,
    /// 1 otherwise: the container image's health check (no curl needed in the image).
    Healthcheck,
    /// Import master data from a CSV file as the system administrator. Exit code 0 when every
    /// row passed, 2 when some row failed (the others are imported), 1 when the file was refused.
    Import {
        /// What the file holds.
        #[arg(long, value_enum)]
        kind: ImportKindArg,
        /// The CSV file: UTF-8 (with or without BOM) or GBK/GB18030, Chinese or English headers.
        #[arg(long)]
        file: std::path::PathBuf,
        /// Check every row the same way but write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Fill the configured database with a generated city district (grids, units, enterprises,
    /// volunteers, mediation rooms, platforms) and N cases over Y years, reproducibly: the same
    /// --cases, --seed, --years and --until give the same rows. Refuses a database that already
    /// holds cases unless --append.
    Generate {
        /// Number of cases.
        #[arg(long)]
        cases: u64,
        /// Seed of the random number generator (also names the district: grid code GEN<seed>).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Years the cases span.
        #[arg(long, default_value_t = 3)]
        years: u32,
        /// Last day of the span is the day before this one (YYYY-MM-DD, UTC); default today.
        #[arg(long)]
        until: Option<chrono::NaiveDate>,
        /// Add the district beside existing cases (a seed not generated here before).
        #[arg(long)]
        append: bool,
    },
}

/// What an imported file holds.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum ImportKindArg {
    /// Enterprises, keyed by unified social credit code.
    Enterprises,
    /// Volunteers, keyed by resident ID number.
    Volunteers,
    /// Grids, keyed by grid code.
    Grids,
    /// Grid outlines: a GeoJSON FeatureCollection with each Feature's `code` property naming its grid.
    GridBoundaries,
}

impl From<ImportKindArg> for ImportKind {
    fn from(k: ImportKindArg) -> Self {
        match k {
            ImportKindArg::Enterprises => ImportKind::Enterprises,
            ImportKindArg::Volunteers => ImportKind::Volunteers,
            ImportKindArg::Grids => ImportKind::Grids,
            ImportKindArg::GridBoundaries => ImportKind::GridBoundaries,
        }
    }
}

/// `fengqiao audit …`.
#[derive(Subcommand)]
enum AuditAction {
    /// Recompute the chain and check every signed checkpoint; exit 1 at the first break.
    Verify,
    /// Seal the records not sealed yet.
    Seal,
}

/// Entry point called by `main`.
pub async fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    // Commands that need no configuration run before it is read: reading it in development
    // creates `data/` and its secret.
    if let Some(Command::ExportSchema { output }) = &cli.command {
        let sdl = graphql::sdl();
        match output {
            Some(path) => std::fs::write(path, sdl)?,
            None => print!("{sdl}"),
        }
        return Ok(ExitCode::SUCCESS);
    }
    if matches!(cli.command, Some(Command::Healthcheck)) {
        return Ok(healthcheck().await);
    }
    if matches!(cli.command, Some(Command::Token { .. })) {
        token_preflight()?;
    }
    let config = Config::from_env()?;
    crate::telemetry::init(config.mode);
    let done: anyhow::Result<()> = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let code = serve(config).await;
            crate::telemetry::flush();
            return code;
        }
        Command::Migrate => {
            let conn = db::connect(&config.database_url, config.db_max_connections).await?;
            db::migrate(&conn).await?;
            println!("migrations applied");
            Ok(())
        }
        // Answered before the configuration was read.
        Command::ExportSchema { .. } | Command::Healthcheck => Ok(()),
        Command::Audit { action } => {
            use crate::service::audit_chain::{self, ChainKey};
            let conn = db::connect(&config.database_url, 2).await?;
            let key = ChainKey::from_secret(&config.jwt.secret);
            match action {
                AuditAction::Seal => {
                    let mut total = 0;
                    loop {
                        let n = audit_chain::seal(&conn, &key).await?;
                        total += n;
                        if n == 0 {
                            break;
                        }
                    }
                    println!("{total} audit records sealed");
                    Ok(())
                }
                AuditAction::Verify => {
                    let v = audit_chain::verify(&conn, &key).await?;
                    return Ok(match v.broken {
                        None => {
                            println!(
                                "audit log intact: {} records sealed, {} signed checkpoints, {} not sealed yet",
                                v.sealed, v.checkpoints, v.unsealed
                            );
                            ExitCode::SUCCESS
                        }
                        Some(b) => {
                            println!("audit log BROKEN after {} intact records: {b}", v.sealed);
                            ExitCode::from(1)
                        }
                    });
                }
            }
        }
        Command::Backup { output } => {
            let s = crate::backup::sqlite(&config.database_url, &output).await?;
            println!(
                "backup written to {}: {} bytes, {} cases, integrity ok",
                output.display(),
                s.bytes,
                s.cases
            );
            let blobs = crate::storage::Blobs::open(&config.files.storage)?;
            let mut dir = output.as_os_str().to_os_string();
            dir.push(".files");
            let dir = std::path::PathBuf::from(dir);
            let f = crate::backup::files(&output, &blobs, &dir).await?;
            println!(
                "evidence files copied to {}: {} files and thumbnails, {} bytes, SHA-256 checked",
                dir.display(),
                f.objects,
                f.bytes
            );
            Ok(())
        }
        Command::Token {
            role,
            grids,
            unit,
            enterprise,
            room,
            team,
            platform,
            person,
            district_wide,
            subject,
            hours,
        } => {
            if config.mode == Mode::Production {
                anyhow::bail!("token minting is for development only");
            }
            if hours.saturating_mul(3600) > config.jwt.max_lifetime_secs {
                anyhow::bail!(
                    "--hours {hours} is longer than the longest token lifetime the server accepts ({} s, FENGQIAO_JWT_MAX_LIFETIME_SECS)",
                    config.jwt.max_lifetime_secs
                );
            }
            let given = Scope {
                jurisdiction: district_wide.then_some(crate::auth::Jurisdiction::All),
                grids,
                unit,
                enterprise,
                room,
                team,
                platform,
                person,
            };
            let (scope, default_subject) = if given == Scope::default() {
                let conn = db::connect(&config.database_url, 2).await?;
                db::migrate(&conn).await?;
                demo::token_scope(&conn, role).await?
            } else {
                (given, format!("dev-{}", role.as_str()))
            };
            let keys = JwtKeys::new(&config.jwt);
            let sub = subject.unwrap_or(default_subject);
            let token = keys.mint(&sub, role, scope, Duration::from_secs(hours * 3600))?;
            println!("{token}");
            Ok(())
        }
        Command::Import { kind, file, dry_run } => import(&config, kind.into(), &file, dry_run).await,
        Command::Generate {
            cases,
            seed,
            years,
            until,
            append,
        } => {
            let mut opts = crate::generate::Options::new(cases, seed);
            opts.years = years;
            opts.append = append;
            if let Some(u) = until {
                opts.until = u;
            }
            generate(&config, &opts).await
        }
    };
    done.map(|()| ExitCode::SUCCESS)
}

/// `fengqiao healthcheck`: asks this machine's instance whether it is ready.
async fn healthcheck() -> ExitCode {
    let listen = std::env::var("FENGQIAO_LISTEN").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    let Ok(mut addr) = listen.trim().parse::<std::net::SocketAddr>() else {
        eprintln!("FENGQIAO_LISTEN is not an address: {listen}");
        return ExitCode::FAILURE;
    };
    // A server listening on every address is asked on loopback.
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .no_proxy()
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    match client.get(format!("http://{addr}/readyz")).send().await {
        Ok(r) if r.status().is_success() => ExitCode::SUCCESS,
        Ok(r) => {
            eprintln!("not ready: {} {}", r.status(), r.text().await.unwrap_or_default());
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("no answer from {addr}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `fengqiao import`: prints a summary and every failed row; exits 2 when a row failed.
async fn import(
    config: &Config,
    kind: ImportKind,
    file: &std::path::Path,
    dry_run: bool,
) -> anyhow::Result<()> {
    let size = std::fs::metadata(file)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?
        .len();
    if size > import_svc::MAX_FILE_BYTES as u64 {
        anyhow::bail!(
            "{}: the file is larger than {} MiB; split it",
            file.display(),
            import_svc::MAX_FILE_BYTES / 1024 / 1024
        );
    }
    let bytes = std::fs::read(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let conn = db::connect(&config.database_url, 2).await?;
    db::migrate(&conn).await?;
    let result = import_svc::import(&conn, &Actor::system(), kind, &bytes, dry_run).await;
    conn.close().await?;
    let report = match result {
        Ok(r) => r,
        Err(AppError::BadInput { message, .. }) => anyhow::bail!("{}: {message}", file.display()),
        Err(e) => return Err(e.into()),
    };
    println!(
        "{}import of {} from {} ({}): {} rows: {} created, {} updated, {} unchanged, {} failed",
        if dry_run { "dry-run " } else { "" },
        kind.as_str(),
        file.display(),
        report.encoding.as_str(),
        report.total(),
        report.created,
        report.updated,
        report.unchanged,
        report.failed
    );
    for (row, e) in report.failures() {
        // Resident IDs leave the service masked, here too; the line number finds the row.
        let key = match (kind, row.key.as_deref()) {
            (_, None) => "-".to_owned(),
            (ImportKind::Volunteers, Some(k)) => graphql::mask::resident_id(k),
            (_, Some(k)) => k.to_owned(),
        };
        println!(
            "  line {} [{}] {key}: {} {}",
            row.line,
            e.column.as_deref().unwrap_or("-"),
            e.code,
            e.message
        );
    }
    if dry_run {
        println!("dry run: nothing was written");
    }
    if report.failed > 0 {
        std::process::exit(2);
    }
    Ok(())
}

/// `fengqiao generate`: progress on standard output, then the rows written and the time taken.
async fn generate(config: &Config, opts: &crate::generate::Options) -> anyhow::Result<()> {
    if config.mode == Mode::Production {
        anyhow::bail!("generate writes made-up data: it is refused when FENGQIAO_ENV=production");
    }
    let conn = db::connect(&config.database_url, config.db_max_connections.max(4)).await?;
    db::migrate(&conn).await?;
    let backend = match conn.get_database_backend() {
        sea_orm::DbBackend::Postgres => "PostgreSQL",
        sea_orm::DbBackend::Sqlite => "SQLite",
        _ => "database",
    };
    println!(
        "generating {} cases over {} years up to {} (seed {}) into {backend}",
        opts.cases, opts.years, opts.until, opts.seed
    );
    let mut next_report = 0u64;
    let result = crate::generate::run(&conn, opts, |p| match p {
        crate::generate::Progress::MasterData { rows, elapsed } => {
            println!("  master data: {rows} rows in {:.1} s", elapsed.as_secs_f64());
        }
        crate::generate::Progress::Cases { done, total, elapsed } => {
            if done * 20 >= next_report * total || done == total {
                next_report = done * 20 / total + 1;
                println!(
                    "  cases: {done}/{total} ({}%) in {:.1} s",
                    done * 100 / total,
                    elapsed.as_secs_f64()
                );
            }
        }
    })
    .await;
    conn.close().await?;
    let summary = match result {
        Ok(s) => s,
        Err(AppError::BadInput { message, .. }) => anyhow::bail!("{message}"),
        Err(e) => return Err(e.into()),
    };
    let secs = summary.elapsed.as_secs_f64();
    println!(
        "done: {} cases, {} rows in {secs:.1} s ({:.0} cases/s, {:.0} rows/s)",
        summary.rows_of("cases"),
        summary.total_rows(),
        summary.rows_of("cases") as f64 / secs.max(1e-9),
        summary.total_rows() as f64 / secs.max(1e-9)
    );
    for (table, n) in &summary.rows {
        println!("  {table:<24} {n:>10}");
    }
    println!(
        "district {} {} (grid {}); police grids under {}",
        summary.district_code, summary.district_name, summary.district_id, summary.police_root_id
    );
    Ok(())
}

/// `token` signs with the secret of the development server in this directory and reads its
/// demo scope from its database: where neither is (another directory), it says so and
/// creates nothing, instead of minting with a fresh secret no server knows.
fn token_preflight() -> anyhow::Result<()> {
    let own_secret = std::env::var_os("FENGQIAO_JWT_SECRET").is_some();
    if !own_secret && !std::path::Path::new(crate::config::DEV_SECRET_FILE).exists() {
        anyhow::bail!(
            "no development server here: {} does not exist. Run `fengqiao token` in the directory \
             where `fengqiao` (or `cargo run`) serves, or set FENGQIAO_JWT_SECRET (and DATABASE_URL) \
             to the server's",
            crate::config::DEV_SECRET_FILE
        );
    }
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| crate::config::DEFAULT_DATABASE_URL.into());
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .map(|p| p.split('?').next().unwrap_or(p))
    {
        if !path.is_empty() && !path.starts_with(":memory:") && !std::path::Path::new(path).exists() {
            anyhow::bail!(
                "no database at {path}: run `fengqiao token` where the server runs, or set DATABASE_URL to its database"
            );
        }
    }
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<ExitCode> {
    {
        // Migrations and the demo run without the serving pool's statement timeout.
        let tool = db::connect(&config.database_url, 2).await?;
        db::migrate(&tool).await?;
        if config.seed_demo && demo::seed_if_empty(&tool).await? {
            tracing::info!("loaded the demo district");
        }
        tool.close().await?;
    }
    let mut conn = db::open(&config.database_url, config.db_max_connections, &config.db, None).await?;
    if crate::telemetry::enabled() {
        conn.set_metric_callback(crate::telemetry::statement);
    }
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let state = AppState::new(config.clone(), conn.clone()).await?;
    tracing::info!(%addr, mode = ?config.mode, "fengqiao listening");
    if config.mode == Mode::Development {
        println!("\nfengqiao (development) on http://{addr}/  — GraphiQL; API at http://{addr}/graphql\n");
        println!("Ready tokens (12 h); GraphiQL offers them in its role picker, or paste one into its Headers as {{\"Authorization\": \"Bearer <token>\"}}:");
        for (role, t) in demo::ready_tokens(&conn, &state.keys, Duration::from_secs(12 * 3600)).await {
            println!("  {:<19} {t}", role.as_str());
        }
        match demo::report_codes(&conn).await {
            Ok(codes) if !codes.is_empty() => {
                println!("\nDemo report codes (民情码): the public page is http://{addr}/r/<code>");
                for (code, label) in codes {
                    println!("  {code:<26} {label}");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not list the demo report codes"),
        }
        println!();
    }
    let stopped = fengqiao_server(listener, state.clone()).await;
    // Audit records are committed before their request is answered; the pool goes last.
    drop(state);
    // Closing waits for pooled connections to come back; a cut-off request may hold one.
    if tokio::time::timeout(Duration::from_secs(2), conn.close())
        .await
        .is_err()
    {
        tracing::warn!("database connections still busy at exit");
    }
    Ok(match stopped {
        server::Stopped::Clean => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        server::Stopped::CutOff { requests, streams } => {
            tracing::warn!(requests, streams, "stopped with work cut off by the grace period");
            ExitCode::from(EXIT_CUT_OFF)
        }
    })
}

/// Exit code of a `serve` whose shutdown grace period cut off requests or streams.
pub const EXIT_CUT_OFF: u8 = 3;

async fn fengqiao_server(
    listener: tokio::net::TcpListener,
    state: std::sync::Arc<AppState>,
) -> server::Stopped {
    server::serve(listener, state, shutdown_signal()).await
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
