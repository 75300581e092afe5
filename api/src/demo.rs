//! The demo district (development mode only).

use sea_orm::DatabaseConnection;

use crate::{
    auth::{Role, Scope},
    error::AppResult,
};

/// Loads the demo district into an empty database; returns true when it loaded.
pub async fn seed_if_empty(_db: &DatabaseConnection) -> AppResult<bool> {
    Ok(false)
}

/// The demo scope and subject for a role.
pub async fn token_scope(_db: &DatabaseConnection, role: Role) -> AppResult<(Scope, String)> {
    Ok((Scope::default(), format!("dev-{}", role.as_str())))
}
