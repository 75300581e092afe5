//! Mediation rooms (调解室) at three levels.

use entity::{enums::MediationLevel, grid, mediation_room, unit};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{
    directory_scope,
    pagination::{fetch, Listing, PageArgs, PageLimits, Sort},
    require_master_data,
    unit::{not_found_as_input, opt_phone, opt_text},
    visible, Scoped,
};
use crate::{
    auth::Actor,
    error::{AppError, AppResult},
    validate,
};

impl Scoped for mediation_room::Entity {
    const ID: mediation_room::Column = mediation_room::Column::Id;
    async fn scope<C: ConnectionTrait>(_db: &C, actor: &Actor) -> AppResult<Condition> {
        Ok(directory_scope(actor))
    }
}

impl super::Governed for mediation_room::Entity {
    /// A room in the actor's grids (rooms without a grid: district-wide actors only).
    async fn write_scope<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Condition> {
        super::grid_scope(db, actor, mediation_room::Column::GridId).await
    }
}

/// Filters for the room list.
#[derive(Clone, Debug, Default)]
pub struct RoomFilter {
    /// Level.
    pub level: Option<MediationLevel>,
    /// Rooms whose grid lies in this subtree.
    pub within_grid: Option<Uuid>,
    /// Rooms with an active mediator speaking this language.
    pub language: Option<String>,
    /// Text in the name.
    pub text: Option<String>,
}

/// Lists rooms by name.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &RoomFilter,
    args: &PageArgs,
    limits: PageLimits,
) -> AppResult<Listing<mediation_room::Entity>> {
    super::require_signed_in(actor)?;
    use sea_orm::sea_query::{ExprTrait, Query};
    let mut q = visible::<mediation_room::Entity, C>(db, actor).await?;
    if let Some(l) = filter.level {
        q = q.filter(mediation_room::Column::Level.eq(l));
    }
    if let Some(g) = filter.within_grid {
        let root = super::get::<grid::Entity, C>(db, actor, g).await?;
        q = q.filter(super::in_grid_subtrees(
            mediation_room::Column::GridId,
            &[root.path],
        ));
    }
    if let Some(lang) = &filter.language {
        let lang = validate::language(lang).map_err(|m| AppError::bad_input("filter.language", m))?;
        use entity::{mediator, mediator_language};
        q = q.filter(
            mediation_room::Column::Id.in_subquery(
                Query::select()
                    .column((mediator::Entity, mediator::Column::RoomId))
                    .from(mediator::Entity)
                    .inner_join(
                        mediator_language::Entity,
                        sea_orm::sea_query::Expr::col((
                            mediator_language::Entity,
                            mediator_language::Column::MediatorId,
                        ))
                        .equals((mediator::Entity, mediator::Column::Id)),
                    )
                    .and_where(mediator_language::Column::Language.eq(lang))
                    .and_where(mediator::Column::Active.eq(true))
                    .to_owned(),
            ),
        );
    }
    if let Some(t) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        q = q.filter(super::contains_text(mediation_room::Column::Name, t));
    }
    let sort = Sort {
        key: Some(mediation_room::Column::Name),
        descending: false,
    };
    fetch(db, q, mediation_room::Column::Id, sort, args, limits).await
}

/// Input for a new room.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NewRoom {
    /// Unique name.
    pub name: String,
    /// Level.
    pub level: MediationLevel,
    /// Grid it serves.
    pub grid_id: Option<Uuid>,
    /// Host unit.
    pub unit_id: Option<Uuid>,
    /// Address.
    pub address: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Description.
    pub description: Option<String>,
}

/// Creates a room.
/// With `key` (the client's idempotency key), a retry with the same key and input answers
/// the first call's record instead of a second one.
pub async fn create_once(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    input: NewRoom,
    key: Option<&str>,
) -> AppResult<mediation_room::Model> {
    let key = super::idempotency::Request::of(actor, key, "createMediationRoom", None, &input)?;
    require_master_data(actor)?;
    let name = validate::text(&input.name, 1, 100).map_err(|m| AppError::bad_input("input.name", m))?;
    let address = opt_text("input.address", input.address.as_deref(), 200)?;
    let description = opt_text("input.description", input.description.as_deref(), 500)?;
    let phone = opt_phone("input.phone", input.phone.as_deref())?;
    let txn = match super::idempotency::begin(db, key.as_ref()).await? {
        super::idempotency::Begun::Fresh(t) => t,
        super::idempotency::Begun::Replayed(id) => {
            return super::get::<mediation_room::Entity, _>(db, actor, id).await
        }
    };
    if mediation_room::Entity::find()
        .filter(mediation_room::Column::Name.eq(name.as_str()))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(AppError::conflict(
            "input.name",
            "a room with this name already exists",
        ));
    }
    super::placed_in(&txn, actor, input.grid_id, "input.gridId").await?;
    if let Some(u) = input.unit_id {
        super::get::<unit::Entity, _>(&txn, actor, u)
            .await
            .map_err(|e| not_found_as_input(e, "input.unitId", "no such unit"))?;
    }
    let now = super::now();
    let m = mediation_room::ActiveModel {
        id: Set(super::new_id()),
        name: Set(name),
        level: Set(input.level),
        grid_id: Set(input.grid_id),
        unit_id: Set(input.unit_id),
        address: Set(address),
        phone: Set(phone),
        description: Set(description),
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
    input: NewRoom,
) -> AppResult<mediation_room::Model> {
    create_once(db, actor, input, None).await
}

impl super::revision::Versioned for mediation_room::Entity {
    const VERSION: mediation_room::Column = mediation_room::Column::Version;
    const TYPE: &'static str = "MediationRoom";
}

/// A change to a mediation room: `None` leaves a field alone; `Some(None)` clears an optional one.
#[derive(Clone, Debug, Default)]
pub struct MediationRoomUpdate {
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
    /// New `description` (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// False deactivates it (kept: cases and history refer to it).
    pub active: Option<bool>,
}

/// Changes a mediation room (admins and commanders, within their jurisdiction): versioned, audited
/// with its before and after.
pub async fn update(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    req: &crate::request::RequestInfo,
    u: MediationRoomUpdate,
) -> AppResult<mediation_room::Model> {
    use super::revision::{self, Diff};
    super::require_master_data(actor)?;
    let name = revision::text("input.name", u.name.as_deref(), 100)?;
    let phone = revision::opt_phone("input.phone", u.phone.as_ref())?;
    let address = revision::opt_text("input.address", u.address.as_ref(), 200)?;
    let description = revision::opt_text("input.description", u.description.as_ref(), 500)?;
    let txn = crate::db::begin_write(db).await?;
    let old =
        revision::begin::<mediation_room::Entity, _>(&txn, actor, u.id, u.version, "no such mediation room")
            .await?;
    let new = mediation_room::Model {
        name: name.unwrap_or_else(|| old.name.clone()),
        phone: phone.unwrap_or_else(|| old.phone.clone()),
        address: address.unwrap_or_else(|| old.address.clone()),
        description: description.unwrap_or_else(|| old.description.clone()),
        active: u.active.unwrap_or(old.active),
        version: old.version + 1,
        updated_at: super::now(),
        ..old.clone()
    };
    let mut d = Diff::default();
    d.field("name", &old.name, &new.name);
    d.field("phone", &old.phone, &new.phone);
    d.field("address", &old.address, &new.address);
    d.field("description", &old.description, &new.description);
    d.field("active", &old.active, &new.active);
    let columns = [
        mediation_room::Column::Name,
        mediation_room::Column::Phone,
        mediation_room::Column::Address,
        mediation_room::Column::Description,
        mediation_room::Column::Active,
        mediation_room::Column::UpdatedAt,
    ];
    revision::finish::<mediation_room::Entity>(
        txn,
        actor,
        req,
        ("updateMediationRoom", u.id),
        new,
        &columns,
        d,
    )
    .await
}
