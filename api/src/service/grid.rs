//! Grids (网格/警格): the governance tree, and the police-grid coverage mapping.

use entity::{
    enums::{CoordinateSystem, GridKind, GridLevel, Placement},
    grid, police_grid_coverage,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Set,
    Statement,
};
use uuid::Uuid;

use super::{
    directory_scope, get, in_grid_subtrees,
    pagination::{fetch, Listing, PageArgs, PageLimits, Sort},
    require_master_data, visible, Change, Scoped,
};
use crate::{
    auth::Actor,
    db::begin_write,
    error::{AppError, AppResult},
    places, validate,
};

impl Scoped for grid::Entity {
    const ID: grid::Column = grid::Column::Id;
    async fn scope<C: ConnectionTrait>(_db: &C, actor: &Actor) -> AppResult<Condition> {
        Ok(directory_scope(actor))
    }
}

impl super::Governed for grid::Entity {
    /// A grid inside the actor's grid subtrees (every grid, district-wide).
    async fn write_scope<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Condition> {
        super::grid_scope(db, actor, grid::Column::Id).await
    }
}

/// Filters for the grid list.
#[derive(Clone, Debug, Default)]
pub struct GridFilter {
    /// Direct children of this grid.
    pub parent: Option<Uuid>,
    /// Only top-level grids.
    pub roots_only: bool,
    /// Anywhere inside this grid's subtree (the grid itself included).
    pub within: Option<Uuid>,
    /// Level.
    pub level: Option<GridLevel>,
    /// Police or community.
    pub kind: Option<GridKind>,
    /// Text in name or code.
    pub text: Option<String>,
}

/// Sort orders for grids.
#[derive(Clone, Copy, Debug)]
pub enum GridSort {
    /// By code, A to Z.
    CodeAsc,
    /// By name.
    NameAsc,
    /// Newest first.
    CreatedAtDesc,
}

/// Lists grids visible to the actor.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &GridFilter,
    sort: GridSort,
    args: &PageArgs,
    limits: PageLimits,
) -> AppResult<Listing<grid::Entity>> {
    super::require_signed_in(actor)?;
    let mut q = visible::<grid::Entity, C>(db, actor).await?;
    if let Some(p) = filter.parent {
        q = q.filter(grid::Column::ParentId.eq(p));
    }
    if filter.roots_only {
        q = q.filter(grid::Column::ParentId.is_null());
    }
    if let Some(w) = filter.within {
        let root = get::<grid::Entity, C>(db, actor, w).await?;
        q = q.filter(in_grid_subtrees(grid::Column::Id, &[root.path]));
    }
    if let Some(l) = filter.level {
        q = q.filter(grid::Column::Level.eq(l));
    }
    if let Some(k) = filter.kind {
        q = q.filter(grid::Column::Kind.eq(k));
    }
    if let Some(t) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        q = q.filter(
            Condition::any()
                .add(super::contains_text(grid::Column::Name, t))
                .add(super::contains_text(grid::Column::Code, t)),
        );
    }
    let sort = match sort {
        GridSort::CodeAsc => Sort {
            key: Some(grid::Column::Code),
            descending: false,
        },
        GridSort::NameAsc => Sort {
            key: Some(grid::Column::Name),
            descending: false,
        },
        GridSort::CreatedAtDesc => Sort {
            key: None,
            descending: true,
        },
    };
    fetch(db, q, grid::Column::Id, sort, args, limits).await
}

/// Input for a new grid.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NewGrid {
    /// Unique code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Level in the tree.
    pub level: GridLevel,
    /// Police or community.
    pub kind: GridKind,
    /// Parent grid, if any.
    pub parent_id: Option<Uuid>,
}

fn level_rank(l: GridLevel) -> u8 {
    match l {
        GridLevel::District => 0,
        GridLevel::Area => 1,
        GridLevel::Group => 2,
        GridLevel::Cluster => 3,
        GridLevel::TenHousehold => 4,
    }
}

/// The canonical code and name of a [`NewGrid`], checked once for `create` and `upsert`.
struct Valid {
    code: String,
    name: String,
}

/// Validates the plain fields of `input` (no database access).
fn validated(input: &NewGrid) -> AppResult<Valid> {
    let code = validate::code(&input.code).map_err(|m| AppError::bad_input("input.code", m))?;
    let name = validate::text(&input.name, 1, 100).map_err(|m| AppError::bad_input("input.name", m))?;
    Ok(Valid { code, name })
}

/// Inserts a new grid under its parent (checked here: exists, higher level, same kind).
async fn insert<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    v: Valid,
    input: &NewGrid,
) -> AppResult<grid::Model> {
    let id = super::new_id();
    // A root grid is the district's own: only a district-wide actor adds one.
    let (path, depth) = match super::placed_in(db, actor, input.parent_id, "input.parentId").await? {
        None => (format!("/{}/", id.simple()), 0),
        Some(parent) => {
            if level_rank(input.level) <= level_rank(parent.level) {
                return Err(AppError::bad_input(
                    "input.level",
                    "a child grid must sit below its parent's level",
                ));
            }
            if parent.kind != input.kind {
                return Err(AppError::bad_input(
                    "input.kind",
                    "a child grid must be of the same kind as its parent",
                ));
            }
            (format!("{}{}/", parent.path, id.simple()), parent.depth + 1)
        }
    };
    let now = super::now();
    let model = grid::ActiveModel {
        id: Set(id),
        code: Set(v.code),
        name: Set(v.name),
        level: Set(input.level),
        kind: Set(input.kind),
        parent_id: Set(input.parent_id),
        path: Set(path),
        depth: Set(depth),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(model)
}

/// Creates a grid under its parent; the child must sit below the parent's level.
/// With `key` (the client's idempotency key), a retry with the same key and input answers
/// the first call's record instead of a second one.
pub async fn create_once(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    input: NewGrid,
    key: Option<&str>,
) -> AppResult<grid::Model> {
    let key = super::idempotency::Request::of(actor, key, "createGrid", None, &input)?;
    require_master_data(actor)?;
    let v = validated(&input)?;
    let txn = match super::idempotency::begin(db, key.as_ref()).await? {
        super::idempotency::Begun::Fresh(t) => t,
        super::idempotency::Begun::Replayed(id) => return super::get::<grid::Entity, _>(db, actor, id).await,
    };
    if grid::Entity::find()
        .filter(grid::Column::Code.eq(v.code.as_str()))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(AppError::conflict(
            "input.code",
            "a grid with this code already exists",
        ));
    }
    let model = insert(&txn, actor, v, &input).await?;
    super::idempotency::finished(&txn, key.as_ref(), model.id).await?;
    txn.commit().await?;
    Ok(model)
}

/// [`create_once`] without a retry key.
pub async fn create(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    input: NewGrid,
) -> AppResult<grid::Model> {
    create_once(db, actor, input, None).await
}

/// Creates or updates the grid with `input`'s code, on the connection or transaction given
/// (it opens none of its own; callers wrap it).
///
/// An existing grid keeps its place in the tree: a different parent or kind is refused
/// (`BAD_USER_INPUT` on `input.parentId` / `input.kind`), so `path` and `depth` stay true.
/// Its name may change, and its level while it still sits below its parent's level and
/// above its children's. Nothing is written when every value already matches
/// ([`Change::Unchanged`]).
pub async fn upsert<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    input: NewGrid,
) -> AppResult<(grid::Model, Change)> {
    require_master_data(actor)?;
    let v = validated(&input)?;
    let existing = grid::Entity::find()
        .filter(grid::Column::Code.eq(v.code.as_str()))
        .one(db)
        .await?;
    let Some(old) = existing else {
        return Ok((insert(db, actor, v, &input).await?, Change::Created));
    };
    super::writable::<grid::Entity, C>(db, actor, old.id, "input.code", "no such grid").await?;
    if old.parent_id != input.parent_id {
        return Err(AppError::bad_input(
            "input.parentId",
            "an existing grid cannot move to another parent",
        ));
    }
    if old.kind != input.kind {
        return Err(AppError::bad_input(
            "input.kind",
            "the kind of an existing grid cannot change",
        ));
    }
    if old.name == v.name && old.level == input.level {
        return Ok((old, Change::Unchanged));
    }
    if old.level != input.level {
        let rank = level_rank(input.level);
        if let Some(pid) = old.parent_id {
            let parent = grid::Entity::find_by_id(pid)
                .one(db)
                .await?
                .ok_or_else(|| AppError::Internal(format!("grid {} has a missing parent", old.id)))?;
            if rank <= level_rank(parent.level) {
                return Err(AppError::bad_input(
                    "input.level",
                    "a child grid must sit below its parent's level",
                ));
            }
        }
        let children = grid::Entity::find()
            .filter(grid::Column::ParentId.eq(old.id))
            .all(db)
            .await?;
        if children.iter().any(|c| level_rank(c.level) <= rank) {
            return Err(AppError::bad_input(
                "input.level",
                "a grid must sit above its children's level",
            ));
        }
    }
    let mut am: grid::ActiveModel = old.into();
    am.name = Set(v.name);
    am.level = Set(input.level);
    am.updated_at = Set(super::now());
    Ok((am.update(db).await?, Change::Updated))
}

/// Sets the community grids a police grid covers (警格+网格), replacing the previous mapping.
pub async fn set_coverage(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    police_grid_id: Uuid,
    community_grid_ids: &[Uuid],
) -> AppResult<grid::Model> {
    require_master_data(actor)?;
    let txn = begin_write(db).await?;
    // Coverage decides what community police read: both ends must be the actor's to change.
    let police =
        super::writable::<grid::Entity, _>(&txn, actor, police_grid_id, "input.policeGridId", "no such grid")
            .await?;
    if police.kind != GridKind::Police {
        return Err(AppError::bad_input("input.policeGridId", "not a police grid"));
    }
    let found = grid::Entity::find()
        .filter(grid::Column::Id.is_in(community_grid_ids.iter().copied()))
        .filter(grid::Column::Kind.eq(GridKind::Community))
        .filter(<grid::Entity as super::Governed>::write_scope(&txn, actor).await?)
        .all(&txn)
        .await?;
    let mut unique: Vec<Uuid> = community_grid_ids.to_vec();
    unique.sort();
    unique.dedup();
    if found.len() != unique.len() {
        return Err(AppError::not_found_at(
            "input.communityGridIds",
            "every id must name a community grid of your jurisdiction",
        ));
    }
    police_grid_coverage::Entity::delete_many()
        .filter(police_grid_coverage::Column::PoliceGridId.eq(police_grid_id))
        .exec(&txn)
        .await?;
    if !unique.is_empty() {
        police_grid_coverage::Entity::insert_many(unique.iter().map(|c| police_grid_coverage::ActiveModel {
            police_grid_id: Set(police_grid_id),
            community_grid_id: Set(*c),
        }))
        .exec(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(police)
}

/// Community grids covered by each police grid (keys are police grid ids).
pub async fn covered<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    police_ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, Vec<grid::Model>>> {
    use sea_orm::QuerySelect;
    let rows: Vec<(Uuid, Uuid)> = police_grid_coverage::Entity::find()
        .select_only()
        .column(police_grid_coverage::Column::PoliceGridId)
        .column(police_grid_coverage::Column::CommunityGridId)
        .filter(police_grid_coverage::Column::PoliceGridId.is_in(police_ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.1).collect();
    let grids = super::by_ids::<grid::Entity, C>(db, actor, &ids).await?;
    let mut out: std::collections::HashMap<Uuid, Vec<grid::Model>> = std::collections::HashMap::new();
    for (p, c) in rows {
        if let Some(g) = grids.get(&c) {
            out.entry(p).or_default().push(g.clone());
        }
    }
    Ok(out)
}

/// What setting a boundary measured against its neighbours (each within [`places::TOLERANCE`],
/// or the boundary was refused).
#[derive(Clone, Debug, Default)]
pub struct BoundaryCheck {
    /// Share of the new boundary's area outside its parent's (`None`: the parent has none).
    pub outside_parent: Option<f64>,
    /// The sibling overlapping most, with the share of the smaller of the two covered by both.
    pub largest_overlap: Option<(grid::Model, f64)>,
}

fn percent(share: f64) -> String {
    format!("{:.2}%", share * 100.0)
}

/// Sets (or with `None` clears) the boundary of grid `id`, after checking it against the
/// tree: inside its parent, around its children and beside its siblings, each within
/// [`places::TOLERANCE`]. Runs on the connection or transaction given; the spatial index of
/// SQLite (`grid_boxes`) is kept in the same transaction. `field` names the input field in
/// errors.
pub async fn set_boundary<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
    boundary: Option<places::Boundary>,
    field: &str,
) -> AppResult<(grid::Model, BoundaryCheck)> {
    require_master_data(actor)?;
    let old = super::writable::<grid::Entity, C>(db, actor, id, "input.gridId", "no such grid").await?;
    let mut check = BoundaryCheck::default();
    if let Some(b) = &boundary {
        check = check_in_tree(db, &old, b, field).await?;
    }
    let mut am: grid::ActiveModel = old.clone().into();
    am.boundary = Set(boundary.as_ref().map(|b| b.geojson.clone()));
    am.min_lng = Set(boundary.as_ref().map(|b| b.bbox[0]));
    am.min_lat = Set(boundary.as_ref().map(|b| b.bbox[1]));
    am.max_lng = Set(boundary.as_ref().map(|b| b.bbox[2]));
    am.max_lat = Set(boundary.as_ref().map(|b| b.bbox[3]));
    am.area_m2 = Set(boundary.as_ref().map(|b| b.area_m2));
    am.updated_at = Set(super::now());
    let model = am.update(db).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "DELETE FROM grid_boxes WHERE grid_id = ?",
            [model.id.into()],
        ))
        .await?;
        if let (Some(b), GridKind::Community) = (&boundary, model.kind) {
            db.execute_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "INSERT INTO grid_boxes (min_lng, max_lng, min_lat, max_lat, grid_id) VALUES (?, ?, ?, ?, ?)",
                [
                    b.bbox[0].into(),
                    b.bbox[2].into(),
                    b.bbox[1].into(),
                    b.bbox[3].into(),
                    model.id.into(),
                ],
            ))
            .await?;
        }
    }
    Ok((model, check))
}

/// Grids with a boundary whose box meets `bbox` among `filter`.
async fn with_boundary_near<C: ConnectionTrait>(
    db: &C,
    filter: Condition,
    bbox: [f64; 4],
) -> AppResult<Vec<grid::Model>> {
    Ok(grid::Entity::find()
        .filter(filter)
        .filter(grid::Column::Boundary.is_not_null())
        .filter(grid::Column::MinLng.lte(bbox[2]))
        .filter(grid::Column::MaxLng.gte(bbox[0]))
        .filter(grid::Column::MinLat.lte(bbox[3]))
        .filter(grid::Column::MaxLat.gte(bbox[1]))
        .all(db)
        .await?)
}

async fn check_in_tree<C: ConnectionTrait>(
    db: &C,
    g: &grid::Model,
    b: &places::Boundary,
    field: &str,
) -> AppResult<BoundaryCheck> {
    let mut check = BoundaryCheck::default();
    let shape_of = |m: &grid::Model| m.boundary.as_deref().and_then(places::stored);
    if let Some(pid) = g.parent_id {
        let parent = grid::Entity::find_by_id(pid)
            .one(db)
            .await?
            .ok_or_else(|| AppError::Internal(format!("grid {} has a missing parent", g.id)))?;
        if let Some(ps) = shape_of(&parent) {
            let out = places::outside_share(&b.shape, &ps);
            if out > places::TOLERANCE {
                return Err(AppError::bad_input(
                    field,
                    format!(
                        "{} of it lies outside its parent grid {} ({}); at most {} may",
                        percent(out),
                        parent.code,
                        parent.name,
                        percent(places::TOLERANCE)
                    ),
                ));
            }
            check.outside_parent = Some(out);
        }
    }
    for child in with_boundary_near(
        db,
        Condition::all().add(grid::Column::ParentId.eq(g.id)),
        [-180.0, -90.0, 180.0, 90.0],
    )
    .await?
    {
        if let Some(cs) = shape_of(&child) {
            let out = places::outside_share(&cs, &b.shape);
            if out > places::TOLERANCE {
                return Err(AppError::bad_input(
                    field,
                    format!(
                        "{} of its child grid {} ({}) would lie outside it; at most {} may",
                        percent(out),
                        child.code,
                        child.name,
                        percent(places::TOLERANCE)
                    ),
                ));
            }
        }
    }
    let siblings = Condition::all()
        .add(grid::Column::Id.ne(g.id))
        .add(grid::Column::Kind.eq(g.kind))
        .add(match g.parent_id {
            Some(p) => grid::Column::ParentId.eq(p),
            None => grid::Column::ParentId.is_null(),
        });
    for sib in with_boundary_near(db, siblings, b.bbox).await? {
        if let Some(ss) = shape_of(&sib) {
            let share = places::overlap_share(&b.shape, &ss);
            if share > places::TOLERANCE {
                return Err(AppError::bad_input(
                    field,
                    format!(
                        "it overlaps its sibling grid {} ({}) by {} of the smaller one; at most {} may",
                        sib.code,
                        sib.name,
                        percent(share),
                        percent(places::TOLERANCE)
                    ),
                ));
            }
            if check.largest_overlap.as_ref().is_none_or(|(_, s)| share > *s) {
                check.largest_overlap = Some((sib, share));
            }
        }
    }
    Ok(check)
}

/// The smallest community grid whose boundary contains the WGS-84 position, if any: the
/// spatial index (R*Tree on SQLite, GiST on PostgreSQL) finds the grids whose box holds
/// it, smallest first, and the first whose boundary holds it wins.
/// (On PostgreSQL the point is written as a zero-size box: GiST's `box_ops` serve
/// `box @> box`, not `box @> point`.)
pub async fn containing<C: ConnectionTrait>(db: &C, lat: f64, lng: f64) -> AppResult<Option<Uuid>> {
    let backend = db.get_database_backend();
    let stmt = match backend {
        DbBackend::Postgres => Statement::from_sql_and_values(
            backend,
            "SELECT id, boundary FROM grids WHERE boundary IS NOT NULL AND kind = 'COMMUNITY' \
             AND box(point(min_lng, min_lat), point(max_lng, max_lat)) @> box(point($1, $2), point($1, $2)) \
             ORDER BY area_m2, code",
            [lng.into(), lat.into()],
        ),
        _ => Statement::from_sql_and_values(
            backend,
            "SELECT g.id AS id, g.boundary AS boundary FROM grid_boxes b JOIN grids g ON g.id = b.grid_id \
             WHERE b.min_lng <= ? AND b.max_lng >= ? AND b.min_lat <= ? AND b.max_lat >= ? \
             ORDER BY g.area_m2, g.code",
            [lng.into(), lng.into(), lat.into(), lat.into()],
        ),
    };
    for row in db.query_all_raw(stmt).await? {
        let id: Uuid = row.try_get("", "id")?;
        let text: String = row.try_get("", "boundary")?;
        if places::stored(&text).is_some_and(|s| places::contains(&s, lat, lng)) {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// The district's triage queue for positions outside every boundary: its root community
/// grid, when it has exactly one (several roots leave the case without a grid, for a
/// district-wide commander to place).
pub async fn triage<C: ConnectionTrait>(db: &C) -> AppResult<Option<Uuid>> {
    use sea_orm::QuerySelect;
    let roots: Vec<Uuid> = grid::Entity::find()
        .select_only()
        .column(grid::Column::Id)
        .filter(grid::Column::ParentId.is_null())
        .filter(grid::Column::Kind.eq(GridKind::Community))
        .limit(2)
        .into_tuple()
        .all(db)
        .await?;
    Ok(match roots.as_slice() {
        [one] => Some(*one),
        _ => None,
    })
}

/// Places a WGS-84 position: the smallest community grid containing it
/// ([`Placement::Boundary`]), else the triage queue ([`Placement::Triage`]).
pub async fn place<C: ConnectionTrait>(db: &C, lat: f64, lng: f64) -> AppResult<Option<(Uuid, Placement)>> {
    if let Some(g) = containing(db, lat, lng).await? {
        return Ok(Some((g, Placement::Boundary)));
    }
    Ok(triage(db).await?.map(|g| (g, Placement::Triage)))
}

/// Reads `geojson` (in `system`) and sets it as grid `id`'s boundary in one transaction;
/// `None` clears it. Bad GeoJSON is `BAD_USER_INPUT` on `input.boundary`.
pub async fn update_boundary(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    geojson: Option<&serde_json::Value>,
    system: CoordinateSystem,
) -> AppResult<(grid::Model, BoundaryCheck)> {
    require_master_data(actor)?;
    let boundary = geojson
        .map(|v| places::parse(v, system).map_err(|m| AppError::bad_input("input.boundary", m)))
        .transpose()?;
    let txn = begin_write(db).await?;
    let out = set_boundary(&txn, actor, id, boundary, "input.boundary").await?;
    txn.commit().await?;
    Ok(out)
}

/// Where a position would be filed.
#[derive(Clone, Debug)]
pub struct Located {
    /// The grid (when the caller may read it).
    pub grid: Option<grid::Model>,
    /// How it was found.
    pub placement: Option<Placement>,
    /// WGS-84 latitude.
    pub latitude: f64,
    /// WGS-84 longitude.
    pub longitude: f64,
}

/// The grid a report at the position would be filed in (`gridAt`).
pub async fn locate<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    lat: f64,
    lng: f64,
    system: CoordinateSystem,
) -> AppResult<Located> {
    super::require_signed_in(actor)?;
    validate::coordinates(Some(lat), Some(lng)).map_err(|(f, m)| AppError::bad_input(f, m))?;
    let (latitude, longitude) = places::to_wgs84(system, lat, lng);
    let (id, placement) = place(db, latitude, longitude).await?.unzip();
    let grid = match id {
        Some(id) => super::by_ids::<grid::Entity, C>(db, actor, &[id])
            .await?
            .remove(&id),
        None => None,
    };
    Ok(Located {
        placement: grid.as_ref().and(placement),
        grid,
        latitude,
        longitude,
    })
}

impl super::revision::Versioned for grid::Entity {
    const VERSION: grid::Column = grid::Column::Version;
    const TYPE: &'static str = "Grid";
}

/// A change to a grid: `None` leaves a field alone; `Some(None)` clears an optional one.
#[derive(Clone, Debug, Default)]
pub struct GridUpdate {
    /// The record.
    pub id: Uuid,
    /// The version the client saw.
    pub version: i32,
    /// New `name`.
    pub name: Option<String>,
    /// Moves the grid (with its whole subtree) under another grid of the actor's jurisdiction.
    pub parent_id: Option<Uuid>,
}

/// Moves grid `g` with its subtree under `parent` (one the actor may change, of the same kind,
/// of a higher level, not inside `g`'s own subtree, and around `g`'s outline when both have
/// one): rewrites the materialised paths and depths of the whole subtree. Answers `g`'s new
/// path and depth.
async fn move_under<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    g: &grid::Model,
    parent: Uuid,
) -> AppResult<(String, i32)> {
    let field = "input.parentId";
    let p = super::writable::<grid::Entity, C>(db, actor, parent, field, "no such grid").await?;
    if p.path.starts_with(&g.path) {
        return Err(AppError::bad_input(field, "a grid cannot move below itself"));
    }
    if p.kind != g.kind {
        return Err(AppError::bad_input(
            field,
            "a child grid must be of the same kind as its parent",
        ));
    }
    if level_rank(g.level) <= level_rank(p.level) {
        return Err(AppError::bad_input(
            field,
            "a child grid must sit below its parent's level",
        ));
    }
    if let Some(shape) = g.boundary.as_deref() {
        let moved = grid::Model {
            parent_id: Some(p.id),
            ..g.clone()
        };
        let b = places::Boundary {
            shape: places::stored(shape)
                .ok_or_else(|| AppError::Internal(format!("grid {} has an unreadable boundary", g.id)))?,
            geojson: shape.to_owned(),
            bbox: [
                g.min_lng.unwrap_or(-180.0),
                g.min_lat.unwrap_or(-90.0),
                g.max_lng.unwrap_or(180.0),
                g.max_lat.unwrap_or(90.0),
            ],
            area_m2: g.area_m2.unwrap_or_default(),
        };
        check_in_tree(db, &moved, &b, field).await?;
    }
    let path = format!("{}{}/", p.path, g.id.simple());
    let depth = p.depth + 1;
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "UPDATE grids SET path = $1 || substr(path, $2), depth = depth + $3 WHERE path LIKE $4"
        }
        _ => "UPDATE grids SET path = ? || substr(path, ?), depth = depth + ? WHERE path LIKE ?",
    };
    // Paths hold only hex digits and '/', so the old path is its own LIKE pattern.
    let from =
        i32::try_from(g.path.len() + 1).map_err(|_| AppError::Internal("grid path too long".into()))?;
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [
            path.clone().into(),
            from.into(),
            (depth - g.depth).into(),
            format!("{}%", g.path).into(),
        ],
    ))
    .await?;
    Ok((path, depth))
}

/// Changes a grid (admins and commanders, within their jurisdiction): versioned, audited
/// with its before and after.
pub async fn update(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    req: &crate::request::RequestInfo,
    u: GridUpdate,
) -> AppResult<grid::Model> {
    use super::revision::{self, Diff};
    super::require_master_data(actor)?;
    let name = revision::text("input.name", u.name.as_deref(), 100)?;
    let txn = crate::db::begin_write(db).await?;
    let old = revision::begin::<grid::Entity, _>(&txn, actor, u.id, u.version, "no such grid").await?;
    let (path, depth) = match u.parent_id {
        Some(p) if Some(p) != old.parent_id => move_under(&txn, actor, &old, p).await?,
        _ => (old.path.clone(), old.depth),
    };
    let new = grid::Model {
        name: name.unwrap_or_else(|| old.name.clone()),
        parent_id: u.parent_id.or(old.parent_id),
        path,
        depth,
        version: old.version + 1,
        updated_at: super::now(),
        ..old.clone()
    };
    let mut d = Diff::default();
    d.field("name", &old.name, &new.name);
    d.field("parentId", &old.parent_id, &new.parent_id);
    let columns = [
        grid::Column::Name,
        grid::Column::ParentId,
        grid::Column::UpdatedAt,
    ];
    revision::finish::<grid::Entity>(txn, actor, req, ("updateGrid", u.id), new, &columns, d).await
}
