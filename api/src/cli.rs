//! The command line: `serve` (default), `migrate`, `export-schema`, `token`.

use std::time::Duration;

use clap::{Parser, Subcommand};
use uuid::Uuid;

use crate::{
    app::AppState,
    auth::{JwtKeys, Role, Scope},
    config::{Config, Mode},
    db, demo, graphql, http,
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
        /// Subject (`sub`); defaults to a demo account for the role.
        #[arg(long)]
        subject: Option<String>,
        /// Lifetime in hours.
        #[arg(long, default_value_t = 12)]
        hours: u64,
    },
}

/// Entry point called by `main`.
pub async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env()?;
    init_tracing(config.mode);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            let conn = db::connect(&config.database_url, config.db_max_connections).await?;
            db::migrate(&conn).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::ExportSchema { output } => {
            let sdl = graphql::sdl();
            match output {
                Some(path) => std::fs::write(path, sdl)?,
                None => print!("{sdl}"),
            }
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
            subject,
            hours,
        } => {
            if config.mode == Mode::Production {
                anyhow::bail!("token minting is for development only");
            }
            let given = Scope {
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
    }
}

fn init_tracing(mode: Mode) {
    use tracing_subscriber::{fmt, EnvFilter};
    let filter = EnvFilter::try_from_env("FENGQIAO_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match mode {
        Mode::Production => builder.json().try_init(),
        Mode::Development => builder.try_init(),
    };
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let conn = db::connect(&config.database_url, config.db_max_connections).await?;
    db::migrate(&conn).await?;
    if config.seed_demo && demo::seed_if_empty(&conn).await? {
        tracing::info!("loaded the demo district");
    }
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let state = AppState::new(config.clone(), conn.clone()).await?;
    tracing::info!(%addr, mode = ?config.mode, "fengqiao listening");
    if config.mode == Mode::Development {
        println!("\nfengqiao (development) on http://{addr}/  — GraphiQL; API at http://{addr}/graphql\n");
        println!("Ready tokens (12 h), paste into GraphiQL's Headers as {{\"Authorization\": \"Bearer <token>\"}}:");
        for role in Role::TOKEN_ROLES {
            match demo::token_scope(&conn, role).await {
                Ok((scope, sub)) => {
                    match state.keys.mint(&sub, role, scope, Duration::from_secs(12 * 3600)) {
                        Ok(t) => println!("  {:<19} {t}", role.as_str()),
                        Err(e) => tracing::warn!(error = %e, "could not mint a demo token"),
                    }
                }
                Err(e) => tracing::warn!(error = %e, role = role.as_str(), "no demo scope"),
            }
        }
        println!();
    }
    let grace = config.shutdown_grace;
    axum::serve(
        listener,
        http::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal(grace))
    .await?;
    conn.close().await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal(grace: Duration) {
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
    tracing::info!(
        grace_secs = grace.as_secs(),
        "shutting down: finishing in-flight requests"
    );
    tokio::spawn(async move {
        tokio::time::sleep(grace).await;
        tracing::warn!("grace period over, exiting");
        std::process::exit(0);
    });
}
