//! Registered client applications and their persisted operations (administrators).

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use entity::{api_client, persisted_operation};
use sea_orm::{EntityTrait, QueryOrder};

use super::{actor, db, id};
use crate::{
    auth::Role,
    error::AppError,
    service::{
        client::{self as svc, NewClient},
        require_role,
    },
};

/// A registered client application: a mini-program, portal or front end.
pub struct ApiClient(pub api_client::Model);

/// A registered client application: a mini-program, portal or front end.
#[Object]
impl ApiClient {
    /// Opaque id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The id the client sends in the X-Client-Id header.
    async fn client_id(&self) -> &str {
        &self.0.client_id
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Roles whose tokens it may carry; empty means any.
    async fn allowed_roles(&self) -> Vec<Role> {
        self.0
            .allowed_roles
            .split(',')
            .filter_map(|r| serde_json::from_value(serde_json::Value::String(r.to_owned())).ok())
            .collect()
    }
    /// Requests per minute for the whole client.
    async fn rate_limit_per_minute(&self) -> i32 {
        self.0.rate_limit_per_minute
    }
    /// Only registered operations run.
    async fn allow_list_only(&self) -> bool {
        self.0.allow_list_only
    }
    /// Enabled.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// When registered.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// An operation registered for a client, identified by the SHA-256 of its text.
#[derive(SimpleObject)]
pub struct PersistedOperation {
    /// Hex SHA-256 of the operation text: send it as extensions.persistedQuery.sha256Hash.
    pub sha256: String,
    /// Name.
    pub name: Option<String>,
}

impl From<persisted_operation::Model> for PersistedOperation {
    fn from(m: persisted_operation::Model) -> Self {
        PersistedOperation {
            sha256: m.sha256,
            name: m.name,
        }
    }
}

/// Client root fields.
#[derive(Default)]
pub struct ClientQuery;

/// Client root fields.
#[Object]
impl ClientQuery {
    /// Registered client applications (administrators only).
    async fn api_clients(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ApiClient>> {
        require_role(actor(ctx)?, &[Role::Admin], "list client applications")?;
        let rows = api_client::Entity::find()
            .order_by_asc(api_client::Column::ClientId)
            .all(db(ctx)?)
            .await
            .map_err(AppError::from)?;
        Ok(rows.into_iter().map(ApiClient).collect())
    }
}

/// A new client application.
#[derive(InputObject)]
pub struct RegisterClientInput {
    /// The id it will send in X-Client-Id (letters, digits, `_`, `-`).
    pub client_id: String,
    /// Display name.
    pub name: String,
    /// Roles whose tokens it may carry; empty or absent means any.
    pub allowed_roles: Option<Vec<Role>>,
    /// Requests per minute (1–100000).
    pub rate_limit_per_minute: i32,
    /// Strict mode: only operations registered for it run.
    pub allow_list_only: Option<bool>,
}

/// Result of `registerClient`.
#[derive(SimpleObject)]
pub struct RegisterClientPayload {
    /// The client.
    pub api_client: ApiClient,
}

/// An operation to register for a client.
#[derive(InputObject)]
pub struct RegisterPersistedOperationInput {
    /// The client's X-Client-Id.
    pub client_id: String,
    /// A name for people.
    pub name: Option<String>,
    /// The operation text.
    pub query: String,
}

/// Result of `registerPersistedOperation`.
#[derive(SimpleObject)]
pub struct RegisterPersistedOperationPayload {
    /// The registered operation.
    pub operation: PersistedOperation,
}

/// Client mutations (administrators).
#[derive(Default)]
pub struct ClientMutation;

/// Client mutations (administrators).
#[Object]
impl ClientMutation {
    /// Registers a client application.
    async fn register_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: RegisterClientInput,
    ) -> async_graphql::Result<RegisterClientPayload> {
        let new = NewClient {
            client_id: input.client_id,
            name: input.name,
            allowed_roles: input.allowed_roles.unwrap_or_default(),
            rate_limit_per_minute: u32::try_from(input.rate_limit_per_minute).unwrap_or(0),
            allow_list_only: input.allow_list_only.unwrap_or(false),
        };
        let m = svc::register(db(ctx)?, actor(ctx)?, new).await?;
        refresh(ctx).await?;
        Ok(RegisterClientPayload {
            api_client: ApiClient(m),
        })
    }

    /// Registers an operation for a client; in strict mode only registered operations run.
    async fn register_persisted_operation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: RegisterPersistedOperationInput,
    ) -> async_graphql::Result<RegisterPersistedOperationPayload> {
        let m = svc::register_operation(db(ctx)?, actor(ctx)?, &input.client_id, input.name, &input.query)
            .await?;
        refresh(ctx).await?;
        Ok(RegisterPersistedOperationPayload { operation: m.into() })
    }
}

async fn refresh(ctx: &Context<'_>) -> async_graphql::Result<()> {
    let data = ctx
        .data::<super::SchemaData>()
        .map_err(|_| AppError::Internal("schema data missing".into()))?;
    data.clients.reload(db(ctx)?).await?;
    if let Err(e) = data.events.registry_changed(db(ctx)?).await {
        // The change is committed; other instances pick it up when their listener reconnects.
        tracing::warn!(error = %e, "could not tell other instances that the registry changed");
    }
    Ok(())
}
