//! Units (单位/部门): stations, police offices, governance centres and departments.

use entity::{enums::UnitKind, grid, unit};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{
    directory_scope,
    pagination::{fetch, Listing, PageArgs, PageLimits, Sort},
    require_master_data, visible, Scoped,
};
use crate::{
    auth::Actor,
    error::{AppError, AppResult},
    validate,
};

impl Scoped for unit::Entity {
    const ID: unit::Column = unit::Column::Id;
    async fn scope<C: ConnectionTrait>(_db: &C, actor: &Actor) -> AppResult<Condition> {
        Ok(directory_scope(actor))
    }
}

impl super::Governed for unit::Entity {
    /// A unit placed in the actor's grids (units without a grid: district-wide actors only).
    async fn write_scope<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Condition> {
        super::grid_scope(db, actor, unit::Column::GridId).await
    }
}

/// Filters for the unit list.
#[derive(Clone, Debug, Default)]
pub struct UnitFilter {
    /// Kinds to include.
    pub kinds: Vec<UnitKind>,
    /// Units under this parent unit.
    pub parent: Option<Uuid>,
    /// Units whose jurisdiction grid lies in this grid's subtree.
    pub within_grid: Option<Uuid>,
    /// Text in name or code.
    pub text: Option<String>,
}

/// Lists units, ordered by code.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &UnitFilter,
    args: &PageArgs,
    limits: PageLimits,
) -> AppResult<Listing<unit::Entity>> {
    super::require_signed_in(actor)?;
    let mut q = visible::<unit::Entity, C>(db, actor).await?;
    if !filter.kinds.is_empty() {
        q = q.filter(unit::Column::Kind.is_in(filter.kinds.iter().copied()));
    }
    if let Some(p) = filter.parent {
        q = q.filter(unit::Column::ParentId.eq(p));
    }
    if let Some(g) = filter.within_grid {
        let root = super::get::<grid::Entity, C>(db, actor, g).await?;
        q = q.filter(super::in_grid_subtrees(unit::Column::GridId, &[root.path]));
    }
    if let Some(t) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        q = q.filter(
            Condition::any()
                .add(super::contains_text(unit::Column::Name, t))
                .add(super::contains_text(unit::Column::Code, t)),
        );
    }
    let sort = Sort {
        key: Some(unit::Column::Code),
        descending: false,
    };
    fetch(db, q, unit::Column::Id, sort, args, limits).await
}

/// Input for a new unit.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NewUnit {
    /// Unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: UnitKind,
    /// Parent unit.
    pub parent_id: Option<Uuid>,
    /// Jurisdiction grid.
    pub grid_id: Option<Uuid>,
    /// Duty phone.
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
}

/// Creates a unit.
/// With `key` (the client's idempotency key), a retry with the same key and input answers
/// the first call's record instead of a second one.
pub async fn create_once(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    input: NewUnit,
    key: Option<&str>,
) -> AppResult<unit::Model> {
    let key = super::idempotency::Request::of(actor, key, "createUnit", None, &input)?;
    require_master_data(actor)?;
    let code = validate::code(&input.code).map_err(|m| AppError::bad_input("input.code", m))?;
    let name = validate::text(&input.name, 1, 100).map_err(|m| AppError::bad_input("input.name", m))?;
    let phone = opt_phone("input.phone", input.phone.as_deref())?;
    let address = opt_text("input.address", input.address.as_deref(), 200)?;
    let txn = match super::idempotency::begin(db, key.as_ref()).await? {
        super::idempotency::Begun::Fresh(t) => t,
        super::idempotency::Begun::Replayed(id) => return super::get::<unit::Entity, _>(db, actor, id).await,
    };
    if unit::Entity::find()
        .filter(unit::Column::Code.eq(code.as_str()))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(AppError::conflict(
            "input.code",
            "a unit with this code already exists",
        ));
    }
    if let Some(p) = input.parent_id {
        super::get::<unit::Entity, _>(&txn, actor, p)
            .await
            .map_err(|e| not_found_as_input(e, "input.parentId", "no such unit"))?;
    }
    super::placed_in(&txn, actor, input.grid_id, "input.gridId").await?;
    let now = super::now();
    let m = unit::ActiveModel {
        id: Set(super::new_id()),
        code: Set(code),
        name: Set(name),
        kind: Set(input.kind),
        parent_id: Set(input.parent_id),
        grid_id: Set(input.grid_id),
        phone: Set(phone),
        address: Set(address),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    super::idempotency::finished(&txn, key.as_ref(), m.id).await?;
    txn.commit().await?;
    Ok(m)
}

/// [`create_once`] without a retry key.
pub async fn create(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    input: NewUnit,
) -> AppResult<unit::Model> {
    create_once(db, actor, input, None).await
}

/// Names the input field of a referenced id that resolved to nothing the caller may see
/// (`NOT_FOUND` with `extensions.field`).
pub fn not_found_as_input(e: AppError, field: &str, message: &str) -> AppError {
    match e {
        AppError::NotFound => AppError::not_found_at(field, message),
        other => other,
    }
}

/// Validates an optional phone number.
pub fn opt_phone(field: &str, v: Option<&str>) -> AppResult<Option<String>> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| validate::phone(s).map_err(|m| AppError::bad_input(field, m)))
        .transpose()
}

/// Validates an optional free text up to `max` characters.
pub fn opt_text(field: &str, v: Option<&str>, max: usize) -> AppResult<Option<String>> {
    v.map(|s| validate::text(s, 0, max).map_err(|m| AppError::bad_input(field, m)))
        .transpose()
        .map(|o| o.filter(|s| !s.is_empty()))
}

impl super::revision::Versioned for unit::Entity {
    const VERSION: unit::Column = unit::Column::Version;
    const TYPE: &'static str = "Unit";
}

/// A change to an unit: `None` leaves a field alone; `Some(None)` clears an optional one.
#[derive(Clone, Debug, Default)]
pub struct UnitUpdate {
    /// The record.
    pub id: Uuid,
    /// The version the client saw.
    pub version: i32,
    /// New `name`.
    pub name: Option<String>,
    /// New `phone` (`Some(None)` clears it).
    pub phone: Option<Option<String>>,
    /// New `address` (`Some(None)` clears it).
    pub address: Option<Option<String>>,
    /// False deactivates it (kept: cases and history refer to it).
    pub active: Option<bool>,
    /// Moves it to another grid of the actor's jurisdiction.
    pub grid_id: Option<Uuid>,
    /// Moves it under another unit (`Some(None)`: to the top).
    pub parent_id: Option<Option<Uuid>>,
}

/// Changes an unit (admins and commanders, within their jurisdiction): versioned, audited
/// with its before and after.
pub async fn update(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    req: &crate::request::RequestInfo,
    u: UnitUpdate,
) -> AppResult<unit::Model> {
    use super::revision::{self, Diff};
    super::require_master_data(actor)?;
    let name = revision::text("input.name", u.name.as_deref(), 100)?;
    let phone = revision::opt_phone("input.phone", u.phone.as_ref())?;
    let address = revision::opt_text("input.address", u.address.as_ref(), 200)?;
    let txn = crate::db::begin_write(db).await?;
    let old = revision::begin::<unit::Entity, _>(&txn, actor, u.id, u.version, "no such unit").await?;
    if let Some(g) = u.grid_id {
        super::placed_in(&txn, actor, Some(g), "input.gridId").await?;
    }
    if let Some(Some(p)) = u.parent_id {
        // The new parent is one the actor may change, and not the unit itself or below it.
        let mut at =
            super::writable::<unit::Entity, _>(&txn, actor, p, "input.parentId", "no such unit").await?;
        for _ in 0..32 {
            if at.id == old.id {
                return Err(AppError::bad_input(
                    "input.parentId",
                    "a unit cannot sit below itself",
                ));
            }
            match at.parent_id {
                Some(up) => match unit::Entity::find_by_id(up).one(&txn).await? {
                    Some(m) => at = m,
                    None => break,
                },
                None => break,
            }
        }
    }
    let new = unit::Model {
        grid_id: u.grid_id.or(old.grid_id),
        parent_id: u.parent_id.unwrap_or(old.parent_id),
        name: name.unwrap_or_else(|| old.name.clone()),
        phone: phone.unwrap_or_else(|| old.phone.clone()),
        address: address.unwrap_or_else(|| old.address.clone()),
        active: u.active.unwrap_or(old.active),
        version: old.version + 1,
        updated_at: super::now(),
        ..old.clone()
    };
    let mut d = Diff::default();
    d.field("name", &old.name, &new.name);
    d.field("phone", &old.phone, &new.phone);
    d.field("address", &old.address, &new.address);
    d.field("active", &old.active, &new.active);
    d.field("gridId", &old.grid_id, &new.grid_id);
    d.field("parentId", &old.parent_id, &new.parent_id);
    let columns = [
        unit::Column::Name,
        unit::Column::Phone,
        unit::Column::Address,
        unit::Column::Active,
        unit::Column::GridId,
        unit::Column::ParentId,
        unit::Column::UpdatedAt,
    ];
    revision::finish::<unit::Entity>(txn, actor, req, ("updateUnit", u.id), new, &columns, d).await
}
