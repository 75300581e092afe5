//! The append-only audit log: who, through which client, when, which operation on which
//! object, and the outcome. It never stores the personal values themselves.

use chrono::{DateTime, Utc};
use entity::audit_event;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::{
    deny,
    pagination::{fetch, Listing, PageArgs, PageLimits, Sort},
    visible, Scoped,
};
use crate::{
    auth::{Actor, Role},
    error::{AppError, AppResult},
    request::RequestInfo,
};

/// What kind of event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// A mutation (any outcome).
    Mutation,
    /// A whole personal value was revealed (or refused).
    Reveal,
    /// An export of the audit log itself.
    Export,
    /// A change of master data, with its fields before and after.
    Change,
    /// An evidence file (or its thumbnail) was downloaded.
    Download,
}

impl Action {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Mutation => "MUTATION",
            Action::Reveal => "REVEAL",
            Action::Export => "EXPORT",
            Action::Change => "CHANGE",
            Action::Download => "DOWNLOAD",
        }
    }
}

/// One audit record to append.
#[derive(Clone, Debug)]
pub struct Entry<'a> {
    /// Operation name or root field.
    pub operation: &'a str,
    /// Kind of event.
    pub action: Action,
    /// Type of the object concerned.
    pub object_type: Option<&'a str>,
    /// Id of the object concerned.
    pub object_id: Option<Uuid>,
    /// Field concerned (reveals).
    pub field: Option<&'a str>,
    /// Stated reason (reveals).
    pub reason: Option<&'a str>,
    /// `OK`, `DENIED`, `REJECTED` or `ERROR`.
    pub outcome: &'a str,
    /// The error code when not OK.
    pub error_code: Option<&'a str>,
}

/// Appends one record. A failure to audit is an error: the caller must not go on silently.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    req: &RequestInfo,
    e: Entry<'_>,
) -> AppResult<()> {
    row(actor, req, e).insert(db).await?;
    Ok(())
}

/// Appends the record of a master-data change with its `changes` (JSON of the fields before
/// and after, personal values masked), in the caller's transaction.
pub async fn record_change<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    req: &RequestInfo,
    e: Entry<'_>,
    changes: String,
) -> AppResult<()> {
    let mut r = row(actor, req, e);
    r.changes = Set(Some(changes));
    r.insert(db).await?;
    Ok(())
}

/// The row of one record.
fn row(actor: &Actor, req: &RequestInfo, e: Entry<'_>) -> audit_event::ActiveModel {
    let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    audit_event::ActiveModel {
        id: Set(super::new_id()),
        at: Set(super::now()),
        request_id: Set(cut(&req.request_id, 64)),
        actor_subject: Set(actor.subject.as_deref().map(|s| cut(s, 128))),
        actor_role: Set(actor.role.as_str().to_owned()),
        client_id: Set(req.client_id.as_deref().map(|s| cut(s, 64))),
        operation: Set(cut(e.operation, 100)),
        action: Set(e.action.as_str().to_owned()),
        object_type: Set(e.object_type.map(|s| cut(s, 32))),
        object_id: Set(e.object_id),
        field: Set(e.field.map(|s| cut(s, 64))),
        reason: Set(e.reason.map(|s| cut(s, 500))),
        outcome: Set(cut(e.outcome, 16)),
        error_code: Set(e.error_code.map(|s| cut(s, 32))),
        ..Default::default()
    }
}

/// Most records one group commit writes.
const GROUP: usize = 256;

type Pending = (audit_event::ActiveModel, oneshot::Sender<Result<(), String>>);

/// Appends the audit records of the request pipeline with group commit: records that arrive
/// while a write is under way are written together in the next transaction. Every caller
/// still waits until its own record is committed, so nothing is answered before it is in the
/// log, but concurrent mutations share one durable commit of the log instead of paying one
/// each (on SQLite with `synchronous=FULL`, one fsync per record halved mutation throughput).
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Pending>,
}

impl Writer {
    /// Starts the writing task on `db`; it ends when the last `Writer` is dropped.
    pub fn start(db: DatabaseConnection) -> Self {
        let (tx, mut rx) = mpsc::channel::<Pending>(4 * GROUP);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while batch.len() < GROUP {
                    match rx.try_recv() {
                        Ok(p) => batch.push(p),
                        Err(_) => break,
                    }
                }
                let (rows, waiters): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
                let result = write_all(&db, rows).await.map_err(|e| e.to_string());
                for w in waiters {
                    let _ = w.send(result.clone());
                }
            }
        });
        Writer { tx }
    }

    /// Appends one record and returns once it is committed.
    pub async fn record(&self, actor: &Actor, req: &RequestInfo, e: Entry<'_>) -> AppResult<()> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send((row(actor, req, e), done))
            .await
            .map_err(|_| AppError::Internal("the audit writer has stopped".into()))?;
        wait.await
            .map_err(|_| AppError::Internal("the audit writer has stopped".into()))?
            .map_err(|e| AppError::Internal(format!("audit write: {e}")))
    }
}

async fn write_all(db: &DatabaseConnection, rows: Vec<audit_event::ActiveModel>) -> AppResult<()> {
    let txn = crate::db::begin_write(db).await?;
    audit_event::Entity::insert_many(rows).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

impl Scoped for audit_event::Entity {
    const ID: audit_event::Column = audit_event::Column::Id;
    /// Only administrators read the audit log.
    async fn scope<C: ConnectionTrait>(_db: &C, actor: &Actor) -> AppResult<Condition> {
        Ok(if actor.role == Role::Admin {
            Condition::all()
        } else {
            deny()
        })
    }
}

/// Filters for the audit log.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// By actor subject.
    pub actor_subject: Option<String>,
    /// By action (`MUTATION`, `REVEAL`, `EXPORT`).
    pub action: Option<String>,
    /// By object id.
    pub object_id: Option<Uuid>,
    /// At or after.
    pub from: Option<DateTime<Utc>>,
    /// Before.
    pub to: Option<DateTime<Utc>>,
}

/// Lists audit records, newest first; admins only (others get an empty list).
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    f: &AuditFilter,
    args: &PageArgs,
    limits: PageLimits,
) -> AppResult<Listing<audit_event::Entity>> {
    super::require_role(actor, &[Role::Admin], "read the audit log")?;
    let q = filtered(visible::<audit_event::Entity, C>(db, actor).await?, f);
    fetch(
        db,
        q,
        audit_event::Column::Id,
        Sort {
            key: None,
            descending: true,
        },
        args,
        limits,
    )
    .await
}

/// Applies a filter.
pub fn filtered(
    mut q: sea_orm::Select<audit_event::Entity>,
    f: &AuditFilter,
) -> sea_orm::Select<audit_event::Entity> {
    if let Some(s) = &f.actor_subject {
        q = q.filter(audit_event::Column::ActorSubject.eq(s.as_str()));
    }
    if let Some(a) = &f.action {
        q = q.filter(audit_event::Column::Action.eq(a.as_str()));
    }
    if let Some(o) = f.object_id {
        q = q.filter(audit_event::Column::ObjectId.eq(o));
    }
    if let Some(t) = f.from {
        q = q.filter(audit_event::Column::At.gte(t));
    }
    if let Some(t) = f.to {
        q = q.filter(audit_event::Column::At.lt(t));
    }
    q
}
