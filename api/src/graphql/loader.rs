//! Per-request DataLoaders. Every loader reads through the services' scoping functions.

use std::{collections::HashMap, hash::Hash, marker::PhantomData, sync::Arc};

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    auth::Actor,
    service::{self, Scoped},
};

/// The loaders of one request, bound to its actor.
pub struct Loaders {
    /// The pool.
    pub db: DatabaseConnection,
    /// The caller.
    pub actor: Arc<Actor>,
}

/// Builds the DataLoader for one request.
pub fn for_request(
    db: DatabaseConnection,
    actor: Arc<Actor>,
    delay: std::time::Duration,
) -> DataLoader<Loaders> {
    DataLoader::new(Loaders { db, actor }, tokio::spawn).delay(delay)
}

/// Key: one row of entity `E` by id, through `E`'s scope.
pub struct ById<E>(pub Uuid, PhantomData<fn() -> E>);

impl<E> ById<E> {
    /// The key for `id`.
    pub fn new(id: Uuid) -> Self {
        ById(id, PhantomData)
    }
}

impl<E> Clone for ById<E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E> Copy for ById<E> {}
impl<E> PartialEq for ById<E> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<E> Eq for ById<E> {}
impl<E> Hash for ById<E> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state)
    }
}

impl<E> Loader<ById<E>> for Loaders
where
    E: Scoped + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + 'static,
{
    type Value = E::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[ById<E>]) -> Result<HashMap<ById<E>, E::Model>, Self::Error> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = service::by_ids::<E, _>(&self.db, &self.actor, &ids).await?;
        Ok(rows.into_iter().map(|(k, v)| (ById::new(k), v)).collect())
    }
}

/// Declares a key type `$key` (a parent id) whose value is a `Vec` loaded by a service
/// function `fn(db, actor, &[Uuid]) -> AppResult<HashMap<Uuid, Vec<$value>>>`.
#[macro_export]
macro_rules! children_loader {
    ($key:ident, $value:ty, $load:path) => {
        /// Loader key: the children of one parent.
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $key(pub uuid::Uuid);

        impl async_graphql::dataloader::Loader<$key> for $crate::graphql::loader::Loaders {
            type Value = Vec<$value>;
            type Error = async_graphql::Error;

            async fn load(
                &self,
                keys: &[$key],
            ) -> Result<std::collections::HashMap<$key, Vec<$value>>, Self::Error> {
                let ids: Vec<uuid::Uuid> = keys.iter().map(|k| k.0).collect();
                let mut found = $load(&self.db, &self.actor, &ids).await?;
                Ok(ids
                    .into_iter()
                    .map(|id| ($key(id), found.remove(&id).unwrap_or_default()))
                    .collect())
            }
        }
    };
}

/// The request's DataLoader.
pub fn get<'a>(ctx: &async_graphql::Context<'a>) -> async_graphql::Result<&'a DataLoader<Loaders>> {
    ctx.data::<DataLoader<Loaders>>()
        .map_err(|_| crate::error::AppError::Internal("loader missing".into()).into())
}

/// Loads one row by id through its scope; `None` when absent or out of scope.
pub async fn one<E>(
    ctx: &async_graphql::Context<'_>,
    id: Option<Uuid>,
) -> async_graphql::Result<Option<E::Model>>
where
    E: Scoped + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + 'static,
{
    match id {
        None => Ok(None),
        Some(id) => get(ctx)?.load_one(ById::<E>::new(id)).await,
    }
}

/// Loads the children under `key`.
pub async fn many<K, V>(ctx: &async_graphql::Context<'_>, key: K) -> async_graphql::Result<Vec<V>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
    Loaders: Loader<K, Value = Vec<V>, Error = async_graphql::Error>,
{
    Ok(get(ctx)?.load_one(key).await?.unwrap_or_default())
}
