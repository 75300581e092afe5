//! The append-only audit log: who, through which client, when, which operation on which
//! object, and the outcome. It never stores the personal values themselves.

use chrono::{DateTime, Utc};
use entity::audit_event;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{
    deny,
    pagination::{fetch, Listing, PageArgs, PageLimits, Sort},
    visible, Scoped,
};
use crate::{
    auth::{Actor, Role},
    error::AppResult,
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
}

impl Action {
    /// Stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Mutation => "MUTATION",
            Action::Reveal => "REVEAL",
            Action::Export => "EXPORT",
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
    }
    .insert(db)
    .await?;
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
