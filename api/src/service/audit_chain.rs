//! The audit log shows tampering. Triggers keep `audit_events` append-only against the
//! service, but whoever controls the database can drop them and rewrite a row. So every
//! record is sealed into a hash chain: link `n` holds SHA-256(link `n−1` ‖ the record's
//! canonical form), in sealing order; and every sealing run signs the chain's head with an
//! HMAC under a key derived from the service's signing secret, which the database does not
//! hold. [`verify`] recomputes the chain and names the first record whose content no longer
//! matches its link; rewriting the links after it fails at the next signed checkpoint.
//!
//! Sealing runs in the background a few seconds behind the log (records are written with
//! group commit), so the newest records are unsealed for those seconds; `verify` counts them.

use chrono::{DateTime, Duration, Utc};
use entity::{audit_checkpoint, audit_event, audit_seal};
use sea_orm::{
    sea_query::{Expr, ExprTrait, Query},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// The hash before the first link.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Most records one sealing run takes.
const BATCH: u64 = 1000;

/// How far before the newest sealed record a late-committed record is still looked for.
/// Records are committed within seconds of their time (the request timeout is 15 s).
const LATE: i64 = 3600;

/// The key that signs checkpoints, derived from the service's signing secret.
#[derive(Clone)]
pub struct ChainKey([u8; 32]);

impl ChainKey {
    /// The checkpoint key of a service whose signing secret is `secret`.
    pub fn from_secret(secret: &[u8]) -> Self {
        ChainKey(super::journal::hmac_sha256(secret, b"fengqiao audit checkpoints"))
    }

    fn mac(&self, seq: i64, hash: &str, at: DateTime<Utc>) -> String {
        let msg = format!("{seq}\n{hash}\n{}", at.timestamp_micros());
        hex::encode(super::journal::hmac_sha256(&self.0, msg.as_bytes()))
    }
}

/// The canonical form of a record: every column, in a fixed order, as JSON.
fn canonical(e: &audit_event::Model) -> String {
    serde_json::json!([
        e.id,
        e.at.timestamp_micros(),
        e.request_id,
        e.actor_subject,
        e.actor_role,
        e.client_id,
        e.operation,
        e.action,
        e.object_type,
        e.object_id,
        e.field,
        e.reason,
        e.outcome,
        e.error_code,
        e.changes,
    ])
    .to_string()
}

/// The link after `prev` for record `e`.
fn link(prev: &str, e: &audit_event::Model) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(canonical(e).as_bytes());
    hex::encode(h.finalize())
}

/// Seals the records not sealed yet (up to a batch) onto the chain and signs its new head.
/// Returns how many were sealed. Two instances sealing at once collide on the next position;
/// the loser's transaction rolls back and its records are sealed by the next run.
pub async fn seal(db: &DatabaseConnection, key: &ChainKey) -> AppResult<u64> {
    // Nothing new: no write transaction (on SQLite it would take the write lock).
    if unsealed(db, 1).await?.is_empty() {
        return Ok(0);
    }
    let txn = crate::db::begin_write(db).await?;
    let fresh = unsealed(&txn, BATCH).await?;
    let head = audit_seal::Entity::find()
        .order_by_desc(audit_seal::Column::Seq)
        .one(&txn)
        .await?;
    if fresh.is_empty() {
        txn.rollback().await?;
        return Ok(0);
    }
    let (mut seq, mut hash) = head.map(|h| (h.seq, h.hash)).unwrap_or((0, GENESIS.to_owned()));
    let now = super::now();
    let mut links = Vec::with_capacity(fresh.len());
    for e in &fresh {
        seq += 1;
        hash = link(&hash, e);
        links.push(audit_seal::ActiveModel {
            seq: Set(seq),
            event_id: Set(e.id),
            hash: Set(hash.clone()),
            sealed_at: Set(now),
        });
    }
    audit_seal::Entity::insert_many(links)
        .exec_without_returning(&txn)
        .await?;
    audit_checkpoint::ActiveModel {
        seq: Set(seq),
        mac: Set(key.mac(seq, &hash, now)),
        hash: Set(hash),
        at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(fresh.len() as u64)
}

/// Up to `limit` records not sealed yet, oldest first: among the records from an hour before
/// the newest sealed one (a record commits within seconds of its time), or all when nothing
/// is sealed yet.
async fn unsealed<C: ConnectionTrait>(db: &C, limit: u64) -> AppResult<Vec<audit_event::Model>> {
    let head = audit_seal::Entity::find()
        .order_by_desc(audit_seal::Column::Seq)
        .one(db)
        .await?;
    let since = match &head {
        Some(h) => audit_event::Entity::find_by_id(h.event_id)
            .one(db)
            .await?
            .map(|e| e.at - Duration::seconds(LATE)),
        None => None,
    };
    // NOT EXISTS on the unique index of `audit_seals.event_id`: no set of every sealed id.
    let mut q = audit_event::Entity::find().filter(
        Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(audit_seal::Entity)
                .and_where(
                    Expr::col((audit_seal::Entity, audit_seal::Column::EventId))
                        .equals((audit_event::Entity, audit_event::Column::Id)),
                )
                .to_owned(),
        )
        .not(),
    );
    if let Some(t) = since {
        q = q.filter(audit_event::Column::At.gte(t));
    }
    Ok(q.order_by_asc(audit_event::Column::At)
        .order_by_asc(audit_event::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Where the chain first breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Broken {
    /// The record at `seq` no longer matches its link: it (or its link) was changed.
    Changed {
        /// Position in the chain.
        seq: i64,
        /// The record.
        event_id: Uuid,
    },
    /// The record sealed at `seq` is gone.
    Missing {
        /// Position in the chain.
        seq: i64,
        /// The record that was sealed there.
        event_id: Uuid,
    },
    /// Link `seq` is missing: links were removed.
    Gap {
        /// The first missing position.
        seq: i64,
    },
    /// The checkpoint at `seq` is not signed by this service's key, or does not match the chain:
    /// the links before it were rewritten.
    Checkpoint {
        /// The checkpoint's position.
        seq: i64,
    },
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Broken::Changed { seq, event_id } => write!(
                f,
                "audit record {event_id} (link {seq}) does not match its seal: it was changed after it was written"
            ),
            Broken::Missing { seq, event_id } => {
                write!(f, "audit record {event_id} (link {seq}) was removed")
            }
            Broken::Gap { seq } => write!(f, "link {seq} of the chain was removed"),
            Broken::Checkpoint { seq } => write!(
                f,
                "the signed checkpoint at link {seq} does not match: the chain before it was rewritten"
            ),
        }
    }
}

/// What [`verify`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Links checked.
    pub sealed: u64,
    /// Signed checkpoints checked.
    pub checkpoints: u64,
    /// Records not sealed yet (the newest few seconds' under normal operation).
    pub unsealed: u64,
    /// The first break, if any.
    pub broken: Option<Broken>,
}

/// Recomputes the whole chain from the records and checks every signed checkpoint.
pub async fn verify<C: ConnectionTrait>(db: &C, key: &ChainKey) -> AppResult<Verdict> {
    let checkpoints = audit_checkpoint::Entity::find()
        .order_by_asc(audit_checkpoint::Column::Seq)
        .all(db)
        .await?;
    let mut next_checkpoint = checkpoints.iter().peekable();
    let mut hash = GENESIS.to_owned();
    let mut expected_seq = 1i64;
    let mut verdict = Verdict {
        sealed: 0,
        checkpoints: checkpoints.len() as u64,
        unsealed: 0,
        broken: None,
    };
    'pages: loop {
        let links = audit_seal::Entity::find()
            .filter(audit_seal::Column::Seq.gte(expected_seq))
            .order_by_asc(audit_seal::Column::Seq)
            .limit(BATCH)
            .all(db)
            .await?;
        if links.is_empty() {
            break;
        }
        let events = audit_event::Entity::find()
            .filter(audit_event::Column::Id.is_in(links.iter().map(|l| l.event_id)))
            .all(db)
            .await?;
        for l in &links {
            if l.seq != expected_seq {
                verdict.broken = Some(Broken::Gap { seq: expected_seq });
                break 'pages;
            }
            let Some(e) = events.iter().find(|e| e.id == l.event_id) else {
                verdict.broken = Some(Broken::Missing {
                    seq: l.seq,
                    event_id: l.event_id,
                });
                break 'pages;
            };
            hash = link(&hash, e);
            if hash != l.hash {
                verdict.broken = Some(Broken::Changed {
                    seq: l.seq,
                    event_id: e.id,
                });
                break 'pages;
            }
            while let Some(c) = next_checkpoint.next_if(|c| c.seq <= l.seq) {
                if c.seq != l.seq || c.hash != hash || c.mac != key.mac(c.seq, &c.hash, c.at) {
                    verdict.broken = Some(Broken::Checkpoint { seq: c.seq });
                    break 'pages;
                }
            }
            verdict.sealed += 1;
            expected_seq += 1;
        }
    }
    // A checkpoint beyond the last link means links at its end were removed.
    if verdict.broken.is_none() {
        if let Some(c) = next_checkpoint.next() {
            verdict.broken = Some(Broken::Gap {
                seq: std::cmp::min(expected_seq, c.seq),
            });
        }
    }
    let total = audit_event::Entity::find().count(db).await?;
    verdict.unsealed = total.saturating_sub(verdict.sealed);
    Ok(verdict)
}

/// The background sealing of the audit log; stops when dropped.
pub struct Sealer(tokio::task::JoinHandle<()>);

impl Drop for Sealer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Seals the log every `every` until dropped.
pub fn start(db: DatabaseConnection, key: ChainKey, every: std::time::Duration) -> Sealer {
    Sealer(tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            // Keep sealing while a backlog remains.
            loop {
                match seal(&db, &key).await {
                    Ok(n) if n >= BATCH => continue,
                    Ok(_) => break,
                    Err(e) => {
                        // Two instances sealing at once: one loses, the next run goes on.
                        if !matches!(e, AppError::Db(_)) || e.code() != crate::error::code::CONFLICT {
                            tracing::warn!(error = %e, "audit sealing");
                        }
                        break;
                    }
                }
            }
        }
    }))
}
