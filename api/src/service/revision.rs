//! Changes to master data, one shape for every aggregate: the record is found through the
//! actor's write scope (`NOT_FOUND` otherwise), the version the client saw is checked and
//! bumped in one guarded statement (`CONFLICT` when it moved), and the fields that changed
//! go to the audit log with their values before and after — personal values masked — in the
//! same transaction, so no change exists without its record.

use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::{
    audit::{self, Action, Entry},
    Governed,
};
use crate::{
    auth::Actor,
    error::{AppError, AppResult},
    request::RequestInfo,
};

/// A master-data entity with a `version` column.
pub trait Versioned: Governed {
    /// The version column.
    const VERSION: Self::Column;
    /// The GraphQL type name, as the audit log records it.
    const TYPE: &'static str;
}

/// The fields a change touched, with their values before and after.
#[derive(Debug, Default)]
pub struct Diff {
    before: Map<String, Value>,
    after: Map<String, Value>,
}

impl Diff {
    /// Records `field` when its value changes.
    pub fn field<T: serde::Serialize + PartialEq>(&mut self, field: &str, before: &T, after: &T) {
        if before != after {
            self.before.insert(field.to_owned(), json!(before));
            self.after.insert(field.to_owned(), json!(after));
        }
    }

    /// Records a personal `field` when it changes, masked with `mask` on both sides.
    pub fn personal(
        &mut self,
        field: &str,
        before: Option<&str>,
        after: Option<&str>,
        mask: fn(&str) -> String,
    ) {
        if before != after {
            self.before.insert(field.to_owned(), json!(before.map(mask)));
            self.after.insert(field.to_owned(), json!(after.map(mask)));
        }
    }

    /// Records `field` as changed, with the values to show (already masked where personal):
    /// for changes whose shown values may coincide although the stored ones differ.
    pub fn changed(&mut self, field: &str, before: Value, after: Value) {
        self.before.insert(field.to_owned(), before);
        self.after.insert(field.to_owned(), after);
    }

    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.after.is_empty()
    }
}

/// The record `id` of `E` if `actor` may change it and it is still at `version`; its version
/// is bumped in the same statement, so of two writers that saw one version only the first
/// wins. Call inside the write transaction that then applies the change.
pub async fn begin<E: Versioned, C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
    version: i32,
    what: &str,
) -> AppResult<E::Model> {
    let found = super::writable::<E, C>(db, actor, id, "input.id", what).await?;
    bump::<E, C>(db, id, version).await?;
    Ok(found)
}

/// Moves record `id` of `E` from `version` to the next one; `CONFLICT` when it is not at
/// `version`. For callers that checked the actor's right to the record themselves.
pub async fn bump<E: Versioned, C: ConnectionTrait>(db: &C, id: Uuid, version: i32) -> AppResult<()> {
    let bumped = E::update_many()
        .col_expr(E::VERSION, Expr::col(E::VERSION).add(1))
        .filter(E::ID.eq(id))
        .filter(E::VERSION.eq(version))
        .exec(db)
        .await?;
    if bumped.rows_affected != 1 {
        return Err(AppError::Conflict {
            field: Some("input.version".into()),
            message: "the record changed meanwhile (its version moved); reload it".into(),
        });
    }
    Ok(())
}

/// Appends the change's audit record (operation, type, id, before and after).
pub async fn audit<E: Versioned, C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    req: &RequestInfo,
    operation: &str,
    id: Uuid,
    diff: Diff,
) -> AppResult<()> {
    let changes = json!({ "before": diff.before, "after": diff.after }).to_string();
    audit::record_change(
        db,
        actor,
        req,
        Entry {
            operation,
            action: Action::Change,
            object_type: Some(E::TYPE),
            object_id: Some(id),
            field: None,
            reason: None,
            outcome: "OK",
            error_code: None,
        },
        changes,
    )
    .await
}

/// Refuses an update that changes nothing (a client bug, or a double submit).
pub fn require_change(diff: &Diff) -> AppResult<()> {
    if diff.is_empty() {
        Err(AppError::bad_input(
            "input",
            "nothing to change: every field given already holds its value",
        ))
    } else {
        Ok(())
    }
}

/// Writes `new` over its row: only `columns` (the editable ones, plus `updated_at`) are sent.
pub async fn save<E, C>(db: &C, new: E::Model, columns: &[E::Column]) -> AppResult<E::Model>
where
    E: EntityTrait,
    C: ConnectionTrait,
    E::Model: sea_orm::IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
{
    use sea_orm::{ActiveModelTrait, IntoActiveModel};
    let mut am = new.into_active_model();
    for c in columns {
        am.reset(*c);
    }
    Ok(am.update(db).await?)
}

/// A new value for a required text field (1 to `max` characters), when one is given.
pub fn text(field: &str, v: Option<&str>, max: usize) -> AppResult<Option<String>> {
    v.map(|v| crate::validate::text(v, 1, max).map_err(|m| AppError::bad_input(field, m)))
        .transpose()
}

/// A new value for an optional text field, when one is given (`Some(None)` clears it).
pub fn opt_text(field: &str, v: Option<&Option<String>>, max: usize) -> AppResult<Option<Option<String>>> {
    v.map(|v| super::unit::opt_text(field, v.as_deref(), max))
        .transpose()
}

/// A new value for an optional phone field, when one is given (`Some(None)` clears it).
pub fn opt_phone(field: &str, v: Option<&Option<String>>) -> AppResult<Option<Option<String>>> {
    v.map(|v| super::unit::opt_phone(field, v.as_deref())).transpose()
}

/// Ends `operation` on record `id`: refuses a change that changes nothing, writes `columns`
/// of `new`, appends the audit record and commits.
pub async fn finish<E>(
    txn: sea_orm::DatabaseTransaction,
    actor: &Actor,
    req: &RequestInfo,
    (operation, id): (&str, Uuid),
    new: E::Model,
    columns: &[E::Column],
    diff: Diff,
) -> AppResult<E::Model>
where
    E: Versioned,
    E::Model: sea_orm::IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
{
    require_change(&diff)?;
    let saved = save::<E, _>(&txn, new, columns).await?;
    audit::<E, _>(&txn, actor, req, operation, id, diff).await?;
    txn.commit().await?;
    Ok(saved)
}
