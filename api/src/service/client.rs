//! Registered client applications and their persisted operations, cached in memory so a
//! request is identified without touching the database.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use entity::{api_client, persisted_operation};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    auth::{Actor, Role},
    db::begin_write,
    error::{AppError, AppResult},
    validate,
};

/// A client as the request pipeline sees it.
#[derive(Clone, Debug)]
pub struct ClientInfo {
    /// Row id.
    pub id: Uuid,
    /// The id clients send in `X-Client-Id`.
    pub client_id: String,
    /// Display name.
    pub name: String,
    /// Roles whose tokens this client may carry; empty means any.
    pub allowed_roles: Vec<Role>,
    /// Requests per minute for the whole client.
    pub rate_limit_per_minute: u32,
    /// Only registered operations run.
    pub allow_list_only: bool,
    /// Registered operations by SHA-256 (hex) of their text.
    pub operations: HashMap<String, String>,
}

impl ClientInfo {
    /// True when a token of `role` may be used through this client.
    pub fn allows(&self, role: Role) -> bool {
        role == Role::Anonymous || self.allowed_roles.is_empty() || self.allowed_roles.contains(&role)
    }
}

/// The in-memory registry of enabled clients.
#[derive(Default)]
pub struct ClientRegistry {
    clients: RwLock<HashMap<String, Arc<ClientInfo>>>,
}

/// Hex SHA-256 of an operation's text, as in the persisted-query protocol.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn parse_roles(s: &str) -> Vec<Role> {
    s.split(',')
        .filter_map(|r| serde_json::from_value::<Role>(serde_json::Value::String(r.trim().to_owned())).ok())
        .collect()
}

impl ClientRegistry {
    /// Loads every enabled client with its operations.
    pub async fn load<C: ConnectionTrait>(db: &C) -> AppResult<Self> {
        let r = ClientRegistry::default();
        r.reload(db).await?;
        Ok(r)
    }

    /// Re-reads the registry (after an administrator changed it).
    pub async fn reload<C: ConnectionTrait>(&self, db: &C) -> AppResult<()> {
        let clients = api_client::Entity::find()
            .filter(api_client::Column::Enabled.eq(true))
            .all(db)
            .await?;
        let ops = persisted_operation::Entity::find().all(db).await?;
        let mut map = HashMap::new();
        for c in clients {
            let operations = ops
                .iter()
                .filter(|o| o.api_client_id == c.id)
                .map(|o| (o.sha256.clone(), o.query.clone()))
                .collect();
            map.insert(
                c.client_id.clone(),
                Arc::new(ClientInfo {
                    id: c.id,
                    client_id: c.client_id,
                    name: c.name,
                    allowed_roles: parse_roles(&c.allowed_roles),
                    rate_limit_per_minute: u32::try_from(c.rate_limit_per_minute).unwrap_or(0),
                    allow_list_only: c.allow_list_only,
                    operations,
                }),
            );
        }
        if let Ok(mut w) = self.clients.write() {
            *w = map;
        }
        Ok(())
    }

    /// The enabled client with this id.
    pub fn get(&self, client_id: &str) -> Option<Arc<ClientInfo>> {
        self.clients.read().ok().and_then(|m| m.get(client_id).cloned())
    }
}

/// Keeps a registry current while it lives: re-reads it whenever another instance says it
/// changed ([`crate::events::EventBus::registry_changes`]).
pub struct Follower(tokio::task::JoinHandle<()>);

impl Drop for Follower {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl ClientRegistry {
    /// Starts re-reading this registry on every change heard from other instances.
    pub fn follow(
        self: &Arc<Self>,
        db: sea_orm::DatabaseConnection,
        mut changes: tokio::sync::watch::Receiver<u64>,
    ) -> Follower {
        let registry = Arc::clone(self);
        Follower(tokio::spawn(async move {
            while changes.changed().await.is_ok() {
                if let Err(e) = registry.reload(&db).await {
                    tracing::warn!(error = %e, "could not re-read the client registry");
                }
            }
        }))
    }
}

/// Input for a new client.
#[derive(Clone, Debug)]
pub struct NewClient {
    /// The id the client will send.
    pub client_id: String,
    /// Display name.
    pub name: String,
    /// Roles allowed through it (empty: any).
    pub allowed_roles: Vec<Role>,
    /// Requests per minute.
    pub rate_limit_per_minute: u32,
    /// Strict allow-list mode.
    pub allow_list_only: bool,
}

/// Registers a client application (admins).
pub async fn register(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewClient,
) -> AppResult<api_client::Model> {
    super::require_district(actor, &[Role::Admin], "register client applications")?;
    let client_id = validate::code(&input.client_id).map_err(|m| AppError::bad_input("input.clientId", m))?;
    let name = validate::text(&input.name, 1, 100).map_err(|m| AppError::bad_input("input.name", m))?;
    if input.rate_limit_per_minute == 0 || input.rate_limit_per_minute > 100_000 {
        return Err(AppError::bad_input(
            "input.rateLimitPerMinute",
            "must be between 1 and 100000",
        ));
    }
    if input.allowed_roles.contains(&Role::Anonymous) {
        return Err(AppError::bad_input(
            "input.allowedRoles",
            "list signed-in roles only",
        ));
    }
    let roles: Vec<&str> = input.allowed_roles.iter().map(|r| r.as_str()).collect();
    let txn = begin_write(db).await?;
    if api_client::Entity::find()
        .filter(api_client::Column::ClientId.eq(client_id.as_str()))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(AppError::conflict(
            "input.clientId",
            "a client with this id already exists",
        ));
    }
    let now = super::now();
    let m = api_client::ActiveModel {
        id: Set(super::new_id()),
        client_id: Set(client_id),
        name: Set(name),
        allowed_roles: Set(roles.join(",")),
        rate_limit_per_minute: Set(i32::try_from(input.rate_limit_per_minute).unwrap_or(i32::MAX)),
        allow_list_only: Set(input.allow_list_only),
        enabled: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(m)
}

/// Registers an operation for a client (admins); its id is the SHA-256 of the text.
pub async fn register_operation(
    db: &DatabaseConnection,
    actor: &Actor,
    client_id: &str,
    name: Option<String>,
    query: &str,
) -> AppResult<persisted_operation::Model> {
    super::require_district(actor, &[Role::Admin], "register operations")?;
    if query.trim().is_empty() || query.len() > 32 * 1024 {
        return Err(AppError::bad_input("input.query", "must be 1 byte to 32 KiB"));
    }
    if async_graphql::parser::parse_query(query).is_err() {
        return Err(AppError::bad_input("input.query", "is not a GraphQL document"));
    }
    let name = super::unit::opt_text("input.name", name.as_deref(), 100)?;
    let txn = begin_write(db).await?;
    let client = api_client::Entity::find()
        .filter(api_client::Column::ClientId.eq(client_id))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::bad_input("input.clientId", "no such client"))?;
    let sha = sha256_hex(query);
    if let Some(existing) = persisted_operation::Entity::find()
        .filter(persisted_operation::Column::ApiClientId.eq(client.id))
        .filter(persisted_operation::Column::Sha256.eq(sha.as_str()))
        .one(&txn)
        .await?
    {
        return Ok(existing);
    }
    let m = persisted_operation::ActiveModel {
        id: Set(super::new_id()),
        api_client_id: Set(client.id),
        sha256: Set(sha),
        name: Set(name),
        query: Set(query.to_owned()),
        created_at: Set(super::now()),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(m)
}
