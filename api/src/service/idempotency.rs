//! Idempotency keys, with the behaviour of Stripe's: a mutation a flaky network may retry
//! carries a key; the first call with that key does the work and keeps its answer; a retry
//! with the same key and the same input gets that answer again and changes nothing.
//!
//! - A key belongs to its actor (the token's subject) and binds the operation, its target
//!   (the case of a workflow step; nothing for a create) and the SHA-256 of the input. The
//!   same key with another operation, target or input is refused with
//!   `IDEMPOTENCY_KEY_REUSED`, never answered with the first call's result.
//! - The key is claimed inside the write transaction, before any work: on PostgreSQL a second
//!   claim of the same key waits on the unique index until the first transaction ends; on
//!   SQLite write transactions queue (`BEGIN IMMEDIATE`). So concurrent retries wait for the
//!   first and then read its answer, instead of failing with `CONFLICT`. A first call that
//!   fails leaves no key behind (its transaction rolled back) and the retry does the work.
//! - Keys expire after [`TTL_HOURS`]; an expired key is free again.

use chrono::Duration;
use entity::idempotency_key;
use sea_orm::{
    sea_query::OnConflict, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    auth::Actor,
    error::{AppError, AppResult},
    validate,
};

/// How long a key is kept (and a retry answered from it).
pub const TTL_HOURS: i64 = 24;

/// One use of a key: who, which operation on what, and the input's hash.
#[derive(Clone, Debug)]
pub struct Request {
    /// Whose key (the actor's subject, or a stand-in for anonymous channels).
    pub subject: String,
    /// The key the client sent.
    pub key: String,
    /// The operation (e.g. `reportCase`, `assessCase`).
    pub operation: &'static str,
    /// What the operation acts on; `None` for creates.
    pub target: Option<Uuid>,
    /// Hex SHA-256 of the input.
    pub hash: String,
}

impl Request {
    /// The key of `actor` for `operation` on `target` with `input`, when the client sent one.
    /// Callers without a subject (anonymous) cannot use keys here; their channel builds its
    /// own [`Request`] (see the public report).
    pub fn of<T: Serialize>(
        actor: &Actor,
        key: Option<&str>,
        operation: &'static str,
        target: Option<Uuid>,
        input: &T,
    ) -> AppResult<Option<Request>> {
        let Some(key) = key else { return Ok(None) };
        let key = check_key(key)?;
        let Some(subject) = actor.subject.clone() else {
            return Err(AppError::bad_input(
                "input.idempotencyKey",
                "sign in to use idempotency keys",
            ));
        };
        Ok(Some(Request {
            subject,
            key,
            operation,
            target,
            hash: hash_of(input)?,
        }))
    }
}

/// A key as sent: 8–100 characters (a UUID is a good key).
pub fn check_key(key: &str) -> AppResult<String> {
    validate::text(key, 8, 100).map_err(|m| AppError::bad_input("input.idempotencyKey", m))
}

/// Hex SHA-256 of the JSON form of `input`.
pub fn hash_of<T: Serialize>(input: &T) -> AppResult<String> {
    let json = serde_json::to_vec(input).map_err(|e| AppError::Internal(format!("input hash: {e}")))?;
    Ok(hex::encode(Sha256::digest(&json)))
}

/// The answer a first call left.
#[derive(Clone, Debug)]
pub struct Stored {
    /// The object it created or changed.
    pub result_id: Option<Uuid>,
    /// Its answer, when kept.
    pub response: Option<String>,
}

/// Claims `req`'s key inside the caller's write transaction. `Ok(None)`: the key is ours, do
/// the work and call [`finish`] in the same transaction. `Ok(Some(stored))`: an earlier call
/// with this key and this input already answered; return its answer and write nothing.
pub async fn claim<C: ConnectionTrait>(txn: &C, req: &Request) -> AppResult<Option<Stored>> {
    let now = super::now();
    // An expired key is free again.
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::Subject.eq(req.subject.as_str()))
        .filter(idempotency_key::Column::Key.eq(req.key.as_str()))
        .filter(idempotency_key::Column::CreatedAt.lt(now - Duration::hours(TTL_HOURS)))
        .exec(txn)
        .await?;
    let inserted = idempotency_key::Entity::insert(idempotency_key::ActiveModel {
        id: Set(super::new_id()),
        subject: Set(req.subject.clone()),
        key: Set(req.key.clone()),
        operation: Set(req.operation.to_owned()),
        target_id: Set(req.target),
        request_hash: Set(req.hash.clone()),
        result_id: Set(None),
        response: Set(None),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([idempotency_key::Column::Subject, idempotency_key::Column::Key])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    if inserted == 1 {
        return Ok(None);
    }
    let first = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::Subject.eq(req.subject.as_str()))
        .filter(idempotency_key::Column::Key.eq(req.key.as_str()))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::Internal("idempotency key neither inserted nor found".into()))?;
    if first.operation != req.operation || first.target_id != req.target || first.request_hash != req.hash {
        return Err(AppError::KeyReused(if first.operation != req.operation {
            format!(
                "this idempotency key was used for {}; use a new key for each operation",
                first.operation
            )
        } else if first.target_id != req.target {
            "this idempotency key was used on another object; use a new key for each call".into()
        } else {
            "this idempotency key was used with a different input; use a new key for a new request".into()
        }));
    }
    Ok(Some(Stored {
        result_id: first.result_id,
        response: first.response,
    }))
}

/// Keeps the answer of the call that claimed `req`'s key (same transaction as the work).
pub async fn finish<C: ConnectionTrait>(
    txn: &C,
    req: &Request,
    result_id: Uuid,
    response: Option<String>,
) -> AppResult<()> {
    let row = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::Subject.eq(req.subject.as_str()))
        .filter(idempotency_key::Column::Key.eq(req.key.as_str()))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::Internal("claimed idempotency key vanished".into()))?;
    let mut am: idempotency_key::ActiveModel = row.into();
    am.result_id = Set(Some(result_id));
    am.response = Set(response);
    am.update(txn).await?;
    Ok(())
}

/// What beginning a keyed write found.
pub enum Begun {
    /// A write transaction whose key (if any) is claimed: do the work.
    Fresh(sea_orm::DatabaseTransaction),
    /// The key answered before: the id of what the first call created.
    Replayed(Uuid),
}

/// Begins a write transaction and claims `key` in it first (for creates of master data,
/// whose answer is the record the first call made).
pub async fn begin(db: &sea_orm::DatabaseConnection, key: Option<&Request>) -> AppResult<Begun> {
    let txn = crate::db::begin_write(db).await?;
    if let Some(k) = key {
        if let Some(first) = claim(&txn, k).await? {
            txn.rollback().await?;
            let id = first
                .result_id
                .ok_or_else(|| AppError::Internal("idempotency key without a result".into()))?;
            return Ok(Begun::Replayed(id));
        }
    }
    Ok(Begun::Fresh(txn))
}

/// Records `id` as the answer under `key` (no key: nothing), in the transaction of the work.
pub async fn finished<C: ConnectionTrait>(txn: &C, key: Option<&Request>, id: Uuid) -> AppResult<()> {
    match key {
        Some(k) => finish(txn, k, id, None).await,
        None => Ok(()),
    }
}

/// Removes keys older than [`TTL_HOURS`]; returns how many.
pub async fn purge_expired<C: ConnectionTrait>(db: &C) -> AppResult<u64> {
    let cutoff = super::now() - Duration::hours(TTL_HOURS);
    Ok(idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}

/// Removes expired keys every hour until dropped (each instance runs one; deleting what
/// another instance already deleted is harmless).
pub struct Janitor(tokio::task::JoinHandle<()>);

impl Drop for Janitor {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts the hourly purge of expired keys.
pub fn start_janitor(db: sea_orm::DatabaseConnection) -> Janitor {
    Janitor(tokio::spawn(async move {
        let hour = std::time::Duration::from_secs(3600);
        // First an hour after start: a starting instance has nothing to hurry about.
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + hour, hour);
        loop {
            tick.tick().await;
            match purge_expired(&db).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(removed = n, "expired idempotency keys removed"),
                Err(e) => tracing::warn!(error = %e, "could not remove expired idempotency keys"),
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_differ_with_the_input_and_not_otherwise() {
        let a = hash_of(&("assess", 1, "RED")).unwrap_or_default();
        let b = hash_of(&("assess", 1, "RED")).unwrap_or_default();
        let c = hash_of(&("assess", 1, "BLUE")).unwrap_or_default();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(check_key("abc").is_err());
        assert_eq!(
            check_key(" 0190-abcd-key ").ok().as_deref(),
            Some("0190-abcd-key")
        );
    }
}
