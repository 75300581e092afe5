//! Business rules, validation, scoping and transactions, one module per aggregate.
//!
//! Every read of an aggregate goes through its [`Scoped::scope`] function: lists, lookups,
//! nested fields and DataLoaders all call [`visible`], [`get`] or [`by_ids`] below.

pub mod attachment;
pub mod audit;
pub mod audit_chain;
pub mod case;
pub mod client;
pub mod deadline_policy;
pub mod duplicate;
pub mod egress;
pub mod enterprise;
pub mod grid;
pub mod idempotency;
pub mod import;
pub mod journal;
pub mod mediation;
pub mod mediation_room;
pub mod mediator;
pub mod outbox;
pub mod pagination;
pub mod personal;
pub mod platform;
pub mod report_code;
pub mod revision;
pub mod statistics;
pub mod sync;
pub mod unit;
pub mod volunteer;
pub mod volunteer_task;
pub mod volunteer_team;
pub mod workflow;

use std::{collections::HashMap, future::Future};

use entity::{grid as grid_e, police_grid_coverage};
use sea_orm::{
    sea_query::{Expr, ExprTrait, Query, SimpleExpr},
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, ModelTrait, QueryFilter, QuerySelect, Select,
    Value,
};
use uuid::Uuid;

use crate::{
    auth::{Actor, Role},
    error::{AppError, AppResult},
};

/// What an idempotent upsert (import, platform sync) did to a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Change {
    /// A new record was written.
    Created,
    /// An existing record was changed.
    Updated,
    /// The record already held these values; nothing was written.
    Unchanged,
}

/// An aggregate whose reads are scoped to the caller.
pub trait Scoped: EntityTrait {
    /// The primary key column.
    const ID: Self::Column;
    /// The one condition that limits rows to what `actor` may see.
    fn scope<C: ConnectionTrait>(db: &C, actor: &Actor) -> impl Future<Output = AppResult<Condition>> + Send;
}

/// An aggregate whose changes are scoped to the caller, stated once per aggregate like reads.
///
/// Writes have the same single door as reads: every id in a write input resolves through
/// [`writable`] (or [`get`] where reading is enough), so a write never reaches, or widens,
/// what its author may not read. Master data placed in grids changes within the actor's grid
/// subtrees; a district-wide actor (`jurisdiction: "all"`) changes all of it.
pub trait Governed: Scoped {
    /// The one condition that limits rows to what `actor` may change.
    fn write_scope<C: ConnectionTrait>(
        db: &C,
        actor: &Actor,
    ) -> impl Future<Output = AppResult<Condition>> + Send;
}

/// One row of `E` that `actor` may read and change; `NOT_FOUND` (with `field`) otherwise, so
/// an id out of reach answers exactly like an id that does not exist.
pub async fn writable<E: Governed, C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
    field: &str,
    what: &str,
) -> AppResult<E::Model> {
    let read = E::scope(db, actor).await?;
    let write = E::write_scope(db, actor).await?;
    E::find()
        .filter(read)
        .filter(write)
        .filter(E::ID.eq(id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found_at(field, what))
}

/// The grid a new record is placed in: one the actor may change; a record without a grid
/// (district-level) only for a district-wide actor.
pub async fn placed_in<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    grid: Option<Uuid>,
    field: &str,
) -> AppResult<Option<grid_e::Model>> {
    match grid {
        Some(g) => Ok(Some(
            writable::<grid_e::Entity, C>(db, actor, g, field, "no such grid").await?,
        )),
        None if actor.sees_jurisdiction() => Ok(None),
        None => Err(AppError::bad_input(
            field,
            "name a grid of your jurisdiction; records without a grid are for district-wide accounts",
        )),
    }
}

/// All rows of `E` that `actor` may see.
pub async fn visible<E: Scoped, C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Select<E>> {
    Ok(E::find().filter(E::scope(db, actor).await?))
}

/// One row by id; `NOT_FOUND` when absent or out of scope.
pub async fn get<E: Scoped, C: ConnectionTrait>(db: &C, actor: &Actor, id: Uuid) -> AppResult<E::Model> {
    visible::<E, C>(db, actor)
        .await?
        .filter(E::ID.eq(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Rows by id, silently dropping those out of scope (for DataLoaders).
pub async fn by_ids<E: Scoped, C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, E::Model>> {
    let rows = visible::<E, C>(db, actor)
        .await?
        .filter(E::ID.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|m| uuid_of(m.get(E::ID)).map(|id| (id, m)))
        .collect())
}

/// `fk` (a column of another table) names a row of `E` that `actor` may see.
///
/// A correlated `EXISTS` on `E`'s primary key, so the database checks only the rows the
/// outer query already picked (one key lookup each) rather than building the whole visible
/// set of `E` first: `fk IN (SELECT id FROM E WHERE scope)` made SQLite materialise every
/// visible case for each nested list (27 ms at 100,000 cases for a commander, growing with
/// the table).
pub async fn in_visible<E: Scoped, C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    fk: impl ColumnTrait,
) -> AppResult<SimpleExpr> {
    let scope = E::scope(db, actor).await?;
    Ok(Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(E::default())
            .and_where(Expr::col((E::default(), E::ID)).equals((fk.entity_name(), fk)))
            .cond_where(scope)
            .to_owned(),
    ))
}

/// The first `n` rows of `query` (already ordered), with `LIMIT n` written into the SQL text
/// instead of bound as a parameter. SQLite plans with the value of a bound LIMIT and so marks
/// the prepared statement stale whenever it is bound again: every page request re-parsed and
/// re-planned its query (7% of its CPU). With the number in the text the cached statement is
/// reused; `n` is an integer we computed, never text from a client.
pub async fn first_rows<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    query: Select<E>,
    n: u64,
) -> AppResult<Vec<E::Model>> {
    use sea_orm::QueryTrait;
    let mut stmt = query.build(db.get_database_backend());
    stmt.sql.push_str(&format!(" LIMIT {n}"));
    Ok(E::find().from_raw_sql(stmt).all(db).await?)
}

/// Rows of `query` grouped by the uuid in `parent` (for one-to-many DataLoaders).
pub async fn group_by_parent<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    query: Select<E>,
    parent: E::Column,
    keys: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<E::Model>>> {
    let rows = query.filter(parent.is_in(keys.iter().copied())).all(db).await?;
    let mut out: HashMap<Uuid, Vec<E::Model>> = HashMap::new();
    for m in rows {
        if let Some(k) = uuid_of(m.get(parent)) {
            out.entry(k).or_default().push(m);
        }
    }
    Ok(out)
}

fn uuid_of(v: Value) -> Option<Uuid> {
    match v {
        Value::Uuid(u) => u,
        _ => None,
    }
}

/// A condition no row meets.
pub fn deny() -> Condition {
    Condition::all().add(Expr::cust("1 = 0"))
}

/// A condition every row meets.
pub fn allow() -> Condition {
    Condition::all()
}

/// Directory data (grids, units, rooms, teams, mediators): any authenticated caller.
pub fn directory_scope(actor: &Actor) -> Condition {
    if actor.is_anonymous() {
        deny()
    } else {
        allow()
    }
}

/// The materialised paths of the grid subtrees in the actor's scope, resolved once per
/// request. `None` means unrestricted: a commander or admin with the explicit district-wide
/// claim. No grid claims means no grids (fails closed).
pub async fn grid_paths<'a, C: ConnectionTrait>(db: &C, actor: &'a Actor) -> AppResult<Option<&'a [String]>> {
    if actor.sees_jurisdiction() {
        return Ok(None);
    }
    let roots = actor.scope.grids.clone();
    let police = actor.role == Role::CommunityPolice;
    let paths = actor
        .grid_paths_with(|| async move {
            if roots.is_empty() {
                return Ok(Vec::new());
            }
            let mut cond = Condition::any().add(grid_e::Column::Id.is_in(roots.iter().copied()));
            if police {
                cond = cond.add(
                    grid_e::Column::Id.in_subquery(
                        Query::select()
                            .column(police_grid_coverage::Column::CommunityGridId)
                            .from(police_grid_coverage::Entity)
                            .and_where(
                                police_grid_coverage::Column::PoliceGridId.is_in(roots.iter().copied()),
                            )
                            .to_owned(),
                    ),
                );
            }
            let paths: Vec<String> = grid_e::Entity::find()
                .select_only()
                .column(grid_e::Column::Path)
                .filter(cond)
                .into_tuple()
                .all(db)
                .await?;
            Ok(paths)
        })
        .await?;
    Ok(Some(paths))
}

/// `col` names a grid inside one of the subtrees rooted at `paths`.
pub fn in_grid_subtrees(col: impl ColumnTrait, paths: &[String]) -> SimpleExpr {
    if paths.is_empty() {
        return Expr::cust("1 = 0");
    }
    let mut any = Condition::any();
    for p in paths {
        any = any.add(grid_e::Column::Path.starts_with(p.as_str()));
    }
    col.in_subquery(
        Query::select()
            .column(grid_e::Column::Id)
            .from(grid_e::Entity)
            .cond_where(any)
            .to_owned(),
    )
}

/// Grid-subtree scope for a `grid_id` column: unrestricted, the actor's subtrees, or nothing.
pub async fn grid_scope<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    col: impl ColumnTrait,
) -> AppResult<Condition> {
    Ok(match grid_paths(db, actor).await? {
        None => allow(),
        Some(paths) => Condition::all().add(in_grid_subtrees(col, paths)),
    })
}

/// Refuses an anonymous caller of a list: without a token every scoped list would answer an
/// empty district, hiding a forgotten `Authorization` header.
pub fn require_signed_in(actor: &Actor) -> AppResult<()> {
    if actor.is_anonymous() {
        Err(AppError::Unauthenticated(
            "sign in: send Authorization: Bearer <token> (lists need a token)".into(),
        ))
    } else {
        Ok(())
    }
}

/// Refuses unless the actor has one of `roles`.
pub fn require_role(actor: &Actor, roles: &[Role], action: &str) -> AppResult<()> {
    if actor.is_anonymous() {
        return Err(AppError::Unauthenticated("sign in to do this".into()));
    }
    if roles.contains(&actor.role) {
        Ok(())
    } else {
        Err(AppError::forbidden(format!(
            "role {} may not {action}",
            actor.role.as_str()
        )))
    }
}

/// Refuses unless the actor has one of `roles` and the explicit district-wide claim: for
/// settings that hold for the whole district (platforms, clients, persisted operations,
/// deadline policies), which a grid-scoped commander or admin may not change.
pub fn require_district(actor: &Actor, roles: &[Role], action: &str) -> AppResult<()> {
    require_role(actor, roles, action)?;
    if actor.sees_jurisdiction() {
        Ok(())
    } else {
        Err(AppError::forbidden(format!(
            "only a district-wide {} (token claim jurisdiction: \"all\") may {action}",
            actor.role.as_str()
        )))
    }
}

/// Master data is managed by administrators (and commanders, who run the jurisdiction).
pub fn require_master_data(actor: &Actor) -> AppResult<()> {
    require_role(actor, &[Role::Admin, Role::Commander], "change master data")
}

/// The current time, truncated to microseconds so both backends store it exactly.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{SubsecRound, Utc};
    Utc::now().trunc_subsecs(6)
}

/// A new time-ordered id.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// `column` contains `text` literally: `%`, `_` and `\` in what a user typed match
/// themselves, not any text (LIKE with an escape character).
pub fn contains_text<C: sea_orm::ColumnTrait>(column: C, text: &str) -> sea_orm::sea_query::Expr {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    column.like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\'))
}
