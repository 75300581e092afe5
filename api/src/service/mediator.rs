//! Mediators (调解员) and the languages they speak.

use std::collections::HashMap;

use entity::{enums::MediatorKind, mediation_room, mediator, mediator_language};
use sea_orm::{
    sea_query::Query, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    Set,
};
use uuid::Uuid;

use super::{
    directory_scope,
    pagination::{fetch, Listing, PageArgs, PageLimits, Sort},
    require_master_data,
    unit::opt_phone,
    visible, Scoped,
};
use crate::{
    auth::Actor,
    error::{AppError, AppResult},
    validate,
};

impl Scoped for mediator::Entity {
    const ID: mediator::Column = mediator::Column::Id;
    async fn scope<C: ConnectionTrait>(_db: &C, actor: &Actor) -> AppResult<Condition> {
        Ok(directory_scope(actor))
    }
}

impl super::Governed for mediator::Entity {
    /// A mediator of a room the actor may change.
    async fn write_scope<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Condition> {
        let rooms = <mediation_room::Entity as super::Governed>::write_scope(db, actor).await?;
        Ok(Condition::all().add(
            mediator::Column::RoomId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(mediation_room::Column::Id)
                    .from(mediation_room::Entity)
                    .cond_where(rooms)
                    .to_owned(),
            ),
        ))
    }
}

/// Filters for the mediator list.
#[derive(Clone, Debug, Default)]
pub struct MediatorFilter {
    /// Mediators of this room.
    pub room: Option<Uuid>,
    /// Speaking this language (BCP 47 tag, e.g. `ar`).
    pub language: Option<String>,
    /// Of this kind.
    pub kind: Option<MediatorKind>,
    /// Only active mediators.
    pub active_only: bool,
    /// Text in the name.
    pub text: Option<String>,
}

/// Lists mediators by name.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &MediatorFilter,
    args: &PageArgs,
    limits: PageLimits,
) -> AppResult<Listing<mediator::Entity>> {
    super::require_signed_in(actor)?;
    let mut q = visible::<mediator::Entity, C>(db, actor).await?;
    if let Some(r) = filter.room {
        q = q.filter(mediator::Column::RoomId.eq(r));
    }
    if let Some(lang) = &filter.language {
        let lang = validate::language(lang).map_err(|m| AppError::bad_input("filter.language", m))?;
        q = q.filter(
            mediator::Column::Id.in_subquery(
                Query::select()
                    .column(mediator_language::Column::MediatorId)
                    .from(mediator_language::Entity)
                    .and_where(mediator_language::Column::Language.eq(lang))
                    .to_owned(),
            ),
        );
    }
    if let Some(k) = filter.kind {
        q = q.filter(mediator::Column::Kind.eq(k));
    }
    if filter.active_only {
        q = q.filter(mediator::Column::Active.eq(true));
    }
    if let Some(t) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        q = q.filter(super::contains_text(mediator::Column::Name, t));
    }
    let sort = Sort {
        key: Some(mediator::Column::Name),
        descending: false,
    };
    fetch(db, q, mediator::Column::Id, sort, args, limits).await
}

/// Languages per mediator.
pub async fn languages<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<String>>> {
    let visible_ids = super::by_ids::<mediator::Entity, C>(db, actor, ids).await?;
    let keys: Vec<Uuid> = visible_ids.keys().copied().collect();
    let rows = super::group_by_parent(
        db,
        mediator_language::Entity::find(),
        mediator_language::Column::MediatorId,
        &keys,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|(k, v)| {
            let mut langs: Vec<String> = v.into_iter().map(|l| l.language).collect();
            langs.sort();
            (k, langs)
        })
        .collect())
}

/// Input for a new mediator.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NewMediator {
    /// Room.
    pub room_id: Uuid,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: MediatorKind,
    /// Phone.
    pub phone: Option<String>,
    /// ISO 3166-1 alpha-2 nationality.
    pub nationality: Option<String>,
    /// Languages spoken (BCP 47 tags).
    pub languages: Vec<String>,
    /// Account subject (JWT `sub`) of this mediator.
    pub subject: Option<String>,
}

/// Creates a mediator with their languages.
/// With `key` (the client's idempotency key), a retry with the same key and input answers
/// the first call's record instead of a second one.
pub async fn create_once(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    input: NewMediator,
    key: Option<&str>,
) -> AppResult<mediator::Model> {
    let key = super::idempotency::Request::of(actor, key, "createMediator", None, &input)?;
    require_master_data(actor)?;
    let name = validate::text(&input.name, 1, 64).map_err(|m| AppError::bad_input("input.name", m))?;
    let phone = opt_phone("input.phone", input.phone.as_deref())?;
    let nationality = input
        .nationality
        .as_deref()
        .map(|c| validate::country(c).map_err(|m| AppError::bad_input("input.nationality", m)))
        .transpose()?;
    let mut langs = Vec::new();
    for (i, l) in input.languages.iter().enumerate() {
        langs.push(
            validate::language(l).map_err(|m| AppError::bad_input(format!("input.languages[{i}]"), m))?,
        );
    }
    langs.sort();
    langs.dedup();
    if langs.is_empty() {
        return Err(AppError::bad_input(
            "input.languages",
            "at least one language is required",
        ));
    }
    let subject = input
        .subject
        .as_deref()
        .map(|s| validate::text(s, 1, 128).map_err(|m| AppError::bad_input("input.subject", m)))
        .transpose()?;
    let txn = match super::idempotency::begin(db, key.as_ref()).await? {
        super::idempotency::Begun::Fresh(t) => t,
        super::idempotency::Begun::Replayed(id) => {
            return super::get::<mediator::Entity, _>(db, actor, id).await
        }
    };
    super::writable::<mediation_room::Entity, _>(
        &txn,
        actor,
        input.room_id,
        "input.roomId",
        "no such mediation room",
    )
    .await?;
    let now = super::now();
    let id = super::new_id();
    let m = mediator::ActiveModel {
        id: Set(id),
        subject: Set(subject),
        room_id: Set(input.room_id),
        name: Set(name),
        kind: Set(input.kind),
        phone: Set(phone),
        nationality: Set(nationality),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    mediator_language::Entity::insert_many(langs.into_iter().map(|language| {
        mediator_language::ActiveModel {
            mediator_id: Set(id),
            language: Set(language),
        }
    }))
    .exec(&txn)
    .await?;
    super::idempotency::finished(&txn, key.as_ref(), m.id).await?;
    txn.commit().await?;
    Ok(m)
}

/// [`create_once`] without a retry key.
pub async fn create(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    input: NewMediator,
) -> AppResult<mediator::Model> {
    create_once(db, actor, input, None).await
}

impl super::revision::Versioned for mediator::Entity {
    const VERSION: mediator::Column = mediator::Column::Version;
    const TYPE: &'static str = "Mediator";
}

/// A change to a mediator: `None` leaves a field alone; `Some(None)` clears an optional one.
#[derive(Clone, Debug, Default)]
pub struct MediatorUpdate {
    /// The record.
    pub id: Uuid,
    /// The version the client saw.
    pub version: i32,
    /// New `name`.
    pub name: Option<String>,
    /// New `phone` (`Some(None)` clears it).
    pub phone: Option<Option<String>>,
    /// False deactivates it (kept: cases and history refer to it).
    pub active: Option<bool>,
}

/// Changes a mediator (admins and commanders, within their jurisdiction): versioned, audited
/// with its before and after.
pub async fn update(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    req: &crate::request::RequestInfo,
    u: MediatorUpdate,
) -> AppResult<mediator::Model> {
    use super::revision::{self, Diff};
    super::require_master_data(actor)?;
    let name = revision::text("input.name", u.name.as_deref(), 64)?;
    let phone = revision::opt_phone("input.phone", u.phone.as_ref())?;
    let txn = crate::db::begin_write(db).await?;
    let old =
        revision::begin::<mediator::Entity, _>(&txn, actor, u.id, u.version, "no such mediator").await?;
    let new = mediator::Model {
        name: name.unwrap_or_else(|| old.name.clone()),
        phone: phone.unwrap_or_else(|| old.phone.clone()),
        active: u.active.unwrap_or(old.active),
        version: old.version + 1,
        updated_at: super::now(),
        ..old.clone()
    };
    let mut d = Diff::default();
    d.field("name", &old.name, &new.name);
    d.field("phone", &old.phone, &new.phone);
    d.field("active", &old.active, &new.active);
    let columns = [
        mediator::Column::Name,
        mediator::Column::Phone,
        mediator::Column::Active,
        mediator::Column::UpdatedAt,
    ];
    revision::finish::<mediator::Entity>(txn, actor, req, ("updateMediator", u.id), new, &columns, d).await
}
