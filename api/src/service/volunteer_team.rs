//! Volunteer teams (义警队伍), with their brands and alliances.

use entity::{enums::VolunteerTeamKind, grid, unit, volunteer_team};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{
    directory_scope,
    pagination::{fetch, Listing, PageArgs, PageLimits, Sort},
    require_master_data,
    unit::{not_found_as_input, opt_text},
    visible, Scoped,
};
use crate::{
    auth::Actor,
    error::{AppError, AppResult},
    validate,
};

impl Scoped for volunteer_team::Entity {
    const ID: volunteer_team::Column = volunteer_team::Column::Id;
    async fn scope<C: ConnectionTrait>(_db: &C, actor: &Actor) -> AppResult<Condition> {
        Ok(directory_scope(actor))
    }
}

impl super::Governed for volunteer_team::Entity {
    /// A team based in the actor's grids (teams without a grid: district-wide actors only).
    async fn write_scope<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Condition> {
        super::grid_scope(db, actor, volunteer_team::Column::GridId).await
    }
}

/// Filters for the team list.
#[derive(Clone, Debug, Default)]
pub struct TeamFilter {
    /// Kind.
    pub kind: Option<VolunteerTeamKind>,
    /// Teams whose home grid lies in this subtree.
    pub within_grid: Option<Uuid>,
    /// Text in name, brand or alliance.
    pub text: Option<String>,
}

/// Lists teams by name.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &TeamFilter,
    args: &PageArgs,
    limits: PageLimits,
) -> AppResult<Listing<volunteer_team::Entity>> {
    super::require_signed_in(actor)?;
    let mut q = visible::<volunteer_team::Entity, C>(db, actor).await?;
    if let Some(k) = filter.kind {
        q = q.filter(volunteer_team::Column::Kind.eq(k));
    }
    if let Some(g) = filter.within_grid {
        let root = super::get::<grid::Entity, C>(db, actor, g).await?;
        q = q.filter(super::in_grid_subtrees(
            volunteer_team::Column::GridId,
            &[root.path],
        ));
    }
    if let Some(t) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        q = q.filter(
            Condition::any()
                .add(super::contains_text(volunteer_team::Column::Name, t))
                .add(super::contains_text(volunteer_team::Column::Brand, t))
                .add(super::contains_text(volunteer_team::Column::Alliance, t)),
        );
    }
    let sort = Sort {
        key: Some(volunteer_team::Column::Name),
        descending: false,
    };
    fetch(db, q, volunteer_team::Column::Id, sort, args, limits).await
}

/// Input for a new team.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NewTeam {
    /// Unique name.
    pub name: String,
    /// Brand (品牌), e.g. 武林大妈.
    pub brand: Option<String>,
    /// Kind.
    pub kind: VolunteerTeamKind,
    /// Alliance (义警联盟) it belongs to.
    pub alliance: Option<String>,
    /// Home grid.
    pub grid_id: Option<Uuid>,
    /// Guiding unit (usually a police station).
    pub unit_id: Option<Uuid>,
}

/// Creates a team.
/// With `key` (the client's idempotency key), a retry with the same key and input answers
/// the first call's record instead of a second one.
pub async fn create_once(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    input: NewTeam,
    key: Option<&str>,
) -> AppResult<volunteer_team::Model> {
    let key = super::idempotency::Request::of(actor, key, "createVolunteerTeam", None, &input)?;
    require_master_data(actor)?;
    let name = validate::text(&input.name, 1, 100).map_err(|m| AppError::bad_input("input.name", m))?;
    let brand = opt_text("input.brand", input.brand.as_deref(), 100)?;
    let alliance = opt_text("input.alliance", input.alliance.as_deref(), 100)?;
    let txn = match super::idempotency::begin(db, key.as_ref()).await? {
        super::idempotency::Begun::Fresh(t) => t,
        super::idempotency::Begun::Replayed(id) => {
            return super::get::<volunteer_team::Entity, _>(db, actor, id).await
        }
    };
    if volunteer_team::Entity::find()
        .filter(volunteer_team::Column::Name.eq(name.as_str()))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(AppError::conflict(
            "input.name",
            "a team with this name already exists",
        ));
    }
    super::placed_in(&txn, actor, input.grid_id, "input.gridId").await?;
    if let Some(u) = input.unit_id {
        super::get::<unit::Entity, _>(&txn, actor, u)
            .await
            .map_err(|e| not_found_as_input(e, "input.unitId", "no such unit"))?;
    }
    let now = super::now();
    let m = volunteer_team::ActiveModel {
        id: Set(super::new_id()),
        name: Set(name),
        brand: Set(brand),
        kind: Set(input.kind),
        alliance: Set(alliance),
        grid_id: Set(input.grid_id),
        unit_id: Set(input.unit_id),
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
    input: NewTeam,
) -> AppResult<volunteer_team::Model> {
    create_once(db, actor, input, None).await
}

impl super::revision::Versioned for volunteer_team::Entity {
    const VERSION: volunteer_team::Column = volunteer_team::Column::Version;
    const TYPE: &'static str = "VolunteerTeam";
}

/// A change to a volunteer team: `None` leaves a field alone; `Some(None)` clears an optional one.
#[derive(Clone, Debug, Default)]
pub struct VolunteerTeamUpdate {
    /// The record.
    pub id: Uuid,
    /// The version the client saw.
    pub version: i32,
    /// New `name`.
    pub name: Option<String>,
    /// New `brand` (`Some(None)` clears it).
    pub brand: Option<Option<String>>,
    /// New `alliance` (`Some(None)` clears it).
    pub alliance: Option<Option<String>>,
    /// False deactivates it (kept: cases and history refer to it).
    pub active: Option<bool>,
}

/// Changes a volunteer team (admins and commanders, within their jurisdiction): versioned, audited
/// with its before and after.
pub async fn update(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    req: &crate::request::RequestInfo,
    u: VolunteerTeamUpdate,
) -> AppResult<volunteer_team::Model> {
    use super::revision::{self, Diff};
    super::require_master_data(actor)?;
    let name = revision::text("input.name", u.name.as_deref(), 100)?;
    let brand = revision::opt_text("input.brand", u.brand.as_ref(), 100)?;
    let alliance = revision::opt_text("input.alliance", u.alliance.as_ref(), 100)?;
    let txn = crate::db::begin_write(db).await?;
    let old =
        revision::begin::<volunteer_team::Entity, _>(&txn, actor, u.id, u.version, "no such volunteer team")
            .await?;
    let new = volunteer_team::Model {
        name: name.unwrap_or_else(|| old.name.clone()),
        brand: brand.unwrap_or_else(|| old.brand.clone()),
        alliance: alliance.unwrap_or_else(|| old.alliance.clone()),
        active: u.active.unwrap_or(old.active),
        version: old.version + 1,
        updated_at: super::now(),
        ..old.clone()
    };
    let mut d = Diff::default();
    d.field("name", &old.name, &new.name);
    d.field("brand", &old.brand, &new.brand);
    d.field("alliance", &old.alliance, &new.alliance);
    d.field("active", &old.active, &new.active);
    let columns = [
        volunteer_team::Column::Name,
        volunteer_team::Column::Brand,
        volunteer_team::Column::Alliance,
        volunteer_team::Column::Active,
        volunteer_team::Column::UpdatedAt,
    ];
    revision::finish::<volunteer_team::Entity>(
        txn,
        actor,
        req,
        ("updateVolunteerTeam", u.id),
        new,
        &columns,
        d,
    )
    .await
}
