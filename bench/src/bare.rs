//! The same schema and services served without the request pipeline, for the "security
//! controls off" side of the comparison: no token verification (every request is an
//! unrestricted commander), no client check, no rate limits, no operation limits, no audit
//! record of mutations. Masking stays on: it is part of the types (`PersonalField`), so both
//! sides pay for it. This lives in the benchmark crate on purpose: the service itself has no
//! switch that turns its controls off.

use std::{net::SocketAddr, sync::Arc};

use anyhow::Result;
use async_graphql::parser::types::ExecutableDocument;
use axum::{extract::State, routing::get, routing::post, Json, Router};
use fengqiao_api::{
    app::AppState,
    auth::{Actor, Role, Scope},
    config::Config,
    db,
    graphql::loader,
    request::RequestInfo,
};

/// Serves `POST /graphql` and `GET /readyz` on `listen` until the process is killed.
pub async fn serve(listen: SocketAddr) -> Result<()> {
    let config = Config::from_env()?;
    let conn = db::connect(&config.database_url, config.db_max_connections).await?;
    let state = AppState::new(config, conn).await?;
    let app = Router::new()
        .route("/graphql", post(graphql))
        .route("/readyz", get(|| async { "ok" }))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(listen).await?;
    axum::serve(listener, app).await?;
    Ok(())
}

async fn graphql(
    State(app): State<Arc<AppState>>,
    Json(mut req): Json<async_graphql::Request>,
) -> Json<async_graphql::Response> {
    // The parse cache is not a security control: both sides have it.
    match app.document(&req.query) {
        Ok(doc) => req.set_parsed_query(ExecutableDocument::clone(&doc)),
        Err(v) => {
            return Json(async_graphql::Response::from_errors(vec![
                async_graphql::ServerError::new(v.to_string(), None),
            ]))
        }
    }
    // A new actor per request, as the real pipeline makes one per verified token.
    let actor = Arc::new(Actor::new(
        Role::Commander,
        Some("bench-commander".into()),
        Scope::default(),
    ));
    let req = req
        .data(actor.clone())
        .data(RequestInfo::internal())
        .data(loader::for_request(
            app.db.clone(),
            actor,
            app.config.loader_delay,
        ));
    Json(app.schema.execute(req).await)
}
