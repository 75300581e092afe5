//! Enterprises (企业) and their contacts.

use std::collections::HashMap;

use entity::{case, enterprise, enterprise_contact, enums::ExternalEntity, external_ref, grid, person};
use sea_orm::{
    sea_query::{Expr, ExprTrait, Query},
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    deny, grid_paths, in_grid_subtrees,
    pagination::{fetch, Listing, PageArgs, PageLimits, Sort},
    require_master_data,
    unit::{opt_phone, opt_text},
    visible, Change, Scoped,
};
use crate::{
    auth::{Actor, Role},
    error::{AppError, AppResult},
    validate,
};

impl Scoped for enterprise::Entity {
    const ID: enterprise::Column = enterprise::Column::Id;
    /// Commanders and admins see the jurisdiction, grid workers and community police the
    /// enterprises in their grids, a liaison their own enterprise, a platform what it sent;
    /// every role also sees the enterprise of a case its work brings to it (a room's case, a
    /// unit's assignment, a team's task). Writing a case never widens this: a case a caller
    /// sees only because they reported it (or, for a platform, synced it) names an enterprise
    /// without letting them read it.
    async fn scope<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Condition> {
        if actor.is_anonymous() {
            return Ok(deny());
        }
        let mut any = Condition::any();
        match actor.role {
            Role::Commander | Role::Admin | Role::GridWorker | Role::CommunityPolice => {
                match grid_paths(db, actor).await? {
                    None => return Ok(Condition::all()),
                    Some(paths) => any = any.add(in_grid_subtrees(enterprise::Column::GridId, paths)),
                }
            }
            Role::EnterpriseLiaison => {
                if let Some(e) = actor.scope.enterprise {
                    any = any.add(enterprise::Column::Id.eq(e));
                }
            }
            Role::Platform => {
                if let Some(p) = actor.scope.platform {
                    any = any.add(
                        enterprise::Column::Id.in_subquery(
                            Query::select()
                                .column(external_ref::Column::EntityId)
                                .from(external_ref::Entity)
                                .and_where(external_ref::Column::PlatformId.eq(p))
                                .and_where(external_ref::Column::Entity.eq(ExternalEntity::Enterprise))
                                .to_owned(),
                        ),
                    );
                }
                // A platform's cases are the ones it wrote: they grant nothing more.
                return Ok(if any.is_empty() { deny() } else { any });
            }
            _ => {}
        }
        // Correlated, so only the enterprises at hand are checked against the cases.
        let cases = super::case::work_scope(db, actor).await?;
        any = any.add(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(case::Entity)
                .and_where(
                    Expr::col((case::Entity, case::Column::EnterpriseId))
                        .equals((enterprise::Entity, enterprise::Column::Id)),
                )
                .cond_where(cases)
                .to_owned(),
        ));
        Ok(any)
    }
}

impl super::Governed for enterprise::Entity {
    /// An enterprise in the actor's grids (without a grid: district-wide actors only).
    async fn write_scope<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Condition> {
        super::grid_scope(db, actor, enterprise::Column::GridId).await
    }
}

/// Filters for the enterprise list.
#[derive(Clone, Debug, Default)]
pub struct EnterpriseFilter {
    /// In this grid's subtree.
    pub within_grid: Option<Uuid>,
    /// Industry, exact.
    pub industry: Option<String>,
    /// Above designated size (规上企业).
    pub above_designated_size: Option<bool>,
    /// Handles hazardous chemicals.
    pub hazardous_chemicals: Option<bool>,
    /// Text in name or credit code.
    pub text: Option<String>,
}

/// Sort orders for enterprises.
#[derive(Clone, Copy, Debug)]
pub enum EnterpriseSort {
    /// By name.
    NameAsc,
    /// Newest first.
    CreatedAtDesc,
    /// Most recently changed first.
    UpdatedAtDesc,
}

/// Lists enterprises visible to the actor.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &EnterpriseFilter,
    sort: EnterpriseSort,
    args: &PageArgs,
    limits: PageLimits,
) -> AppResult<Listing<enterprise::Entity>> {
    super::require_signed_in(actor)?;
    let mut q = visible::<enterprise::Entity, C>(db, actor).await?;
    if let Some(g) = filter.within_grid {
        let root = super::get::<grid::Entity, C>(db, actor, g).await?;
        q = q.filter(in_grid_subtrees(enterprise::Column::GridId, &[root.path]));
    }
    if let Some(i) = filter
        .industry
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        q = q.filter(enterprise::Column::Industry.eq(i));
    }
    if let Some(b) = filter.above_designated_size {
        q = q.filter(enterprise::Column::AboveDesignatedSize.eq(b));
    }
    if let Some(b) = filter.hazardous_chemicals {
        q = q.filter(enterprise::Column::HazardousChemicals.eq(b));
    }
    if let Some(t) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        q = q.filter(
            Condition::any()
                .add(super::contains_text(enterprise::Column::Name, t))
                .add(super::contains_text(
                    enterprise::Column::CreditCode,
                    &t.to_uppercase(),
                )),
        );
    }
    let sort = match sort {
        EnterpriseSort::NameAsc => Sort {
            key: Some(enterprise::Column::Name),
            descending: false,
        },
        EnterpriseSort::CreatedAtDesc => Sort {
            key: None,
            descending: true,
        },
        EnterpriseSort::UpdatedAtDesc => Sort {
            key: Some(enterprise::Column::UpdatedAt),
            descending: true,
        },
    };
    fetch(db, q, enterprise::Column::Id, sort, args, limits).await
}

/// One enterprise by its unified social credit code.
pub async fn by_credit_code<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    code: &str,
) -> AppResult<enterprise::Model> {
    let code = validate::credit_code(code).map_err(|m| AppError::bad_input("creditCode", m))?;
    visible::<enterprise::Entity, C>(db, actor)
        .await?
        .filter(enterprise::Column::CreditCode.eq(code))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Contacts of visible enterprises.
pub async fn contacts<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<enterprise_contact::Model>>> {
    let q = enterprise_contact::Entity::find().filter(
        super::in_visible::<enterprise::Entity, C>(db, actor, enterprise_contact::Column::EnterpriseId)
            .await?,
    );
    super::group_by_parent(db, q, enterprise_contact::Column::EnterpriseId, ids).await
}

/// A contact person given with a new enterprise.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NewContact {
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: Option<String>,
    /// Position.
    pub position: Option<String>,
    /// Main contact.
    pub is_primary: bool,
}

/// Input for a new enterprise.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NewEnterprise {
    /// Unified social credit code.
    pub credit_code: String,
    /// Registered name.
    pub name: String,
    /// Industry.
    pub industry: Option<String>,
    /// Above designated size.
    pub above_designated_size: bool,
    /// Handles hazardous chemicals.
    pub hazardous_chemicals: bool,
    /// Address.
    pub address: Option<String>,
    /// Grid.
    pub grid_id: Option<Uuid>,
    /// Police liaison officer (a person).
    pub liaison_officer_id: Option<Uuid>,
    /// Contacts.
    pub contacts: Vec<NewContact>,
}

/// A contact after validation: name, phone, position, main contact.
type ValidContact = (String, Option<String>, Option<String>, bool);

/// The canonical values of a [`NewEnterprise`], checked once for `create` and `upsert`.
struct Valid {
    credit_code: String,
    name: String,
    industry: Option<String>,
    address: Option<String>,
    contacts: Vec<ValidContact>,
}

/// Validates the plain fields of `input` (no database access).
fn validated(input: &NewEnterprise) -> AppResult<Valid> {
    let credit_code =
        validate::credit_code(&input.credit_code).map_err(|m| AppError::bad_input("input.creditCode", m))?;
    let name = validate::text(&input.name, 1, 200).map_err(|m| AppError::bad_input("input.name", m))?;
    let industry = opt_text("input.industry", input.industry.as_deref(), 100)?;
    let address = opt_text("input.address", input.address.as_deref(), 200)?;
    let contacts = valid_contacts(&input.contacts)?;
    Ok(Valid {
        credit_code,
        name,
        industry,
        address,
        contacts,
    })
}

/// Validates a list of contacts (at most one primary).
fn valid_contacts(given: &[NewContact]) -> AppResult<Vec<ValidContact>> {
    let mut contacts = Vec::new();
    for (i, c) in given.iter().enumerate() {
        let name = validate::text(&c.name, 1, 64)
            .map_err(|m| AppError::bad_input(format!("input.contacts[{i}].name"), m))?;
        let phone = opt_phone(&format!("input.contacts[{i}].phone"), c.phone.as_deref())?;
        let position = opt_text(
            &format!("input.contacts[{i}].position"),
            c.position.as_deref(),
            64,
        )?;
        contacts.push((name, phone, position, c.is_primary));
    }
    if contacts.iter().filter(|c| c.3).count() > 1 {
        return Err(AppError::bad_input(
            "input.contacts",
            "at most one primary contact",
        ));
    }
    if contacts.len() > 50 {
        return Err(AppError::bad_input("input.contacts", "at most 50 contacts"));
    }
    Ok(contacts)
}

/// The stored contacts of enterprise `id`, in a stable order.
async fn stored_contacts<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<Vec<ValidContact>> {
    let mut stored: Vec<ValidContact> = enterprise_contact::Entity::find()
        .filter(enterprise_contact::Column::EnterpriseId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.name, c.phone, c.position, c.is_primary))
        .collect();
    stored.sort();
    Ok(stored)
}

/// Checks that the grid (one the actor may change) and the liaison officer named by `input` exist.
async fn check_references<C: ConnectionTrait>(db: &C, actor: &Actor, input: &NewEnterprise) -> AppResult<()> {
    super::placed_in(db, actor, input.grid_id, "input.gridId").await?;
    if let Some(p) = input.liaison_officer_id {
        person::Entity::find_by_id(p)
            .one(db)
            .await?
            .ok_or_else(|| AppError::bad_input("input.liaisonOfficerId", "no such person"))?;
    }
    Ok(())
}

/// Inserts the contacts of enterprise `id`.
async fn insert_contacts<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    contacts: Vec<ValidContact>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    if !contacts.is_empty() {
        enterprise_contact::Entity::insert_many(contacts.into_iter().map(
            |(name, phone, position, is_primary)| enterprise_contact::ActiveModel {
                id: Set(super::new_id()),
                enterprise_id: Set(id),
                name: Set(name),
                phone: Set(phone),
                position: Set(position),
                is_primary: Set(is_primary),
                created_at: Set(now),
            },
        ))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// Inserts a new enterprise with its contacts (inputs already checked).
async fn insert<C: ConnectionTrait>(db: &C, v: Valid, input: &NewEnterprise) -> AppResult<enterprise::Model> {
    let now = super::now();
    let id = super::new_id();
    let m = enterprise::ActiveModel {
        id: Set(id),
        credit_code: Set(v.credit_code),
        name: Set(v.name),
        industry: Set(v.industry),
        above_designated_size: Set(input.above_designated_size),
        hazardous_chemicals: Set(input.hazardous_chemicals),
        address: Set(v.address),
        grid_id: Set(input.grid_id),
        liaison_officer_id: Set(input.liaison_officer_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    insert_contacts(db, id, v.contacts, now).await?;
    Ok(m)
}

/// Creates an enterprise with its contacts.
/// With `key` (the client's idempotency key), a retry with the same key and input answers
/// the first call's record instead of a second one.
pub async fn create_once(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    input: NewEnterprise,
    key: Option<&str>,
) -> AppResult<enterprise::Model> {
    let key = super::idempotency::Request::of(actor, key, "createEnterprise", None, &input)?;
    require_master_data(actor)?;
    let v = validated(&input)?;
    let txn = match super::idempotency::begin(db, key.as_ref()).await? {
        super::idempotency::Begun::Fresh(t) => t,
        super::idempotency::Begun::Replayed(id) => {
            return super::get::<enterprise::Entity, _>(db, actor, id).await
        }
    };
    if enterprise::Entity::find()
        .filter(enterprise::Column::CreditCode.eq(v.credit_code.as_str()))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(AppError::conflict(
            "input.creditCode",
            "an enterprise with this credit code already exists",
        ));
    }
    check_references(&txn, actor, &input).await?;
    let m = insert(&txn, v, &input).await?;
    super::idempotency::finished(&txn, key.as_ref(), m.id).await?;
    txn.commit().await?;
    Ok(m)
}

/// [`create_once`] without a retry key.
pub async fn create(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    input: NewEnterprise,
) -> AppResult<enterprise::Model> {
    create_once(db, actor, input, None).await
}

/// Creates or updates the enterprise with `input`'s credit code (normalised), on the
/// connection or transaction given (it opens none of its own; callers wrap it).
///
/// An update sets name, industry, the two flags, address and grid exactly as given (an absent
/// optional value clears it). The liaison officer is changed only when one is given, and the
/// contacts only when some are given: then they replace the stored list if it differs.
/// Nothing is written when every value already matches ([`Change::Unchanged`]). An existing
/// enterprise outside the actor's scope is a `CONFLICT` on `input.creditCode`.
pub async fn upsert<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    input: NewEnterprise,
) -> AppResult<(enterprise::Model, Change)> {
    require_master_data(actor)?;
    let v = validated(&input)?;
    check_references(db, actor, &input).await?;
    let existing = enterprise::Entity::find()
        .filter(enterprise::Column::CreditCode.eq(v.credit_code.as_str()))
        .one(db)
        .await?;
    let Some(old) = existing else {
        return Ok((insert(db, v, &input).await?, Change::Created));
    };
    super::writable::<enterprise::Entity, C>(db, actor, old.id, "input.creditCode", "")
        .await
        .map_err(|e| match e {
            AppError::NotFoundAt { .. } => AppError::conflict(
                "input.creditCode",
                "an enterprise with this credit code exists outside your scope",
            ),
            other => other,
        })?;
    let liaison_officer_id = input.liaison_officer_id.or(old.liaison_officer_id);
    let fields_differ = (
        &v.name,
        &v.industry,
        input.above_designated_size,
        input.hazardous_chemicals,
        &v.address,
        input.grid_id,
        liaison_officer_id,
    ) != (
        &old.name,
        &old.industry,
        old.above_designated_size,
        old.hazardous_chemicals,
        &old.address,
        old.grid_id,
        old.liaison_officer_id,
    );
    let contacts_differ = if v.contacts.is_empty() {
        false
    } else {
        let mut given = v.contacts.clone();
        given.sort();
        stored_contacts(db, old.id).await? != given
    };
    if !fields_differ && !contacts_differ {
        return Ok((old, Change::Unchanged));
    }
    let now = super::now();
    if contacts_differ {
        enterprise_contact::Entity::delete_many()
            .filter(enterprise_contact::Column::EnterpriseId.eq(old.id))
            .exec(db)
            .await?;
        insert_contacts(db, old.id, v.contacts, now).await?;
    }
    let mut am: enterprise::ActiveModel = old.into();
    am.name = Set(v.name);
    am.industry = Set(v.industry);
    am.above_designated_size = Set(input.above_designated_size);
    am.hazardous_chemicals = Set(input.hazardous_chemicals);
    am.address = Set(v.address);
    am.grid_id = Set(input.grid_id);
    am.liaison_officer_id = Set(liaison_officer_id);
    am.updated_at = Set(now);
    Ok((am.update(db).await?, Change::Updated))
}

impl super::revision::Versioned for enterprise::Entity {
    const VERSION: enterprise::Column = enterprise::Column::Version;
    const TYPE: &'static str = "Enterprise";
}

/// A change to an enterprise: `None` leaves a field alone; `Some(None)` clears an optional one.
#[derive(Clone, Debug, Default)]
pub struct EnterpriseUpdate {
    /// The enterprise.
    pub id: Uuid,
    /// The version the client saw.
    pub version: i32,
    /// Registered name.
    pub name: Option<String>,
    /// Industry.
    pub industry: Option<Option<String>>,
    /// Address.
    pub address: Option<Option<String>>,
    /// Grid (one of the actor's jurisdiction).
    pub grid_id: Option<Option<Uuid>>,
    /// 规上企业.
    pub above_designated_size: Option<bool>,
    /// Handles hazardous chemicals.
    pub hazardous_chemicals: Option<bool>,
    /// False deactivates it (closed, moved away); its cases and history stay.
    pub active: Option<bool>,
    /// The community police officer (联络警官) who looks after it.
    pub liaison_officer_id: Option<Option<Uuid>>,
    /// The whole list of contacts, replacing the stored one.
    pub contacts: Option<Vec<NewContact>>,
}

/// Corrects an enterprise's master data (admins and commanders, within their jurisdiction):
/// versioned, audited with its before and after.
pub async fn update(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    req: &crate::request::RequestInfo,
    u: EnterpriseUpdate,
) -> AppResult<enterprise::Model> {
    use super::revision::{self, Diff};
    require_master_data(actor)?;
    let name = u
        .name
        .as_deref()
        .map(|n| validate::text(n, 1, 200).map_err(|m| AppError::bad_input("input.name", m)))
        .transpose()?;
    let industry = u
        .industry
        .as_ref()
        .map(|v| opt_text("input.industry", v.as_deref(), 100))
        .transpose()?;
    let address = u
        .address
        .as_ref()
        .map(|v| opt_text("input.address", v.as_deref(), 200))
        .transpose()?;
    let contacts = u.contacts.as_deref().map(valid_contacts).transpose()?;
    let txn = crate::db::begin_write(db).await?;
    let old =
        revision::begin::<enterprise::Entity, _>(&txn, actor, u.id, u.version, "no such enterprise").await?;
    if let Some(g) = u.grid_id {
        super::placed_in(&txn, actor, g, "input.gridId").await?;
    }
    if let Some(Some(p)) = u.liaison_officer_id {
        // As on create: the officer must exist (persons are the district's staff directory).
        person::Entity::find_by_id(p)
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::bad_input("input.liaisonOfficerId", "no such person"))?;
    }
    let new = enterprise::Model {
        name: name.unwrap_or_else(|| old.name.clone()),
        industry: industry.unwrap_or_else(|| old.industry.clone()),
        address: address.unwrap_or_else(|| old.address.clone()),
        grid_id: u.grid_id.unwrap_or(old.grid_id),
        above_designated_size: u.above_designated_size.unwrap_or(old.above_designated_size),
        hazardous_chemicals: u.hazardous_chemicals.unwrap_or(old.hazardous_chemicals),
        active: u.active.unwrap_or(old.active),
        liaison_officer_id: u.liaison_officer_id.unwrap_or(old.liaison_officer_id),
        version: old.version + 1,
        updated_at: super::now(),
        ..old.clone()
    };
    let mut d = Diff::default();
    d.field(
        "liaisonOfficerId",
        &old.liaison_officer_id,
        &new.liaison_officer_id,
    );
    if let Some(mut given) = contacts {
        given.sort();
        let stored = stored_contacts(&txn, old.id).await?;
        if stored != given {
            // Contacts are personal data: the audit shows them masked.
            let shown = |l: &[ValidContact]| {
                l.iter()
                    .map(|c| {
                        json!({ "name": crate::mask::name(&c.0), "phone": c.1.as_deref().map(crate::mask::phone),
                                "position": c.2, "isPrimary": c.3 })
                    })
                    .collect::<Vec<_>>()
            };
            d.changed("contacts", json!(shown(&stored)), json!(shown(&given)));
            enterprise_contact::Entity::delete_many()
                .filter(enterprise_contact::Column::EnterpriseId.eq(old.id))
                .exec(&txn)
                .await?;
            insert_contacts(&txn, old.id, given, super::now()).await?;
        }
    }
    d.field("name", &old.name, &new.name);
    d.field("industry", &old.industry, &new.industry);
    d.field("address", &old.address, &new.address);
    d.field("gridId", &old.grid_id, &new.grid_id);
    d.field(
        "aboveDesignatedSize",
        &old.above_designated_size,
        &new.above_designated_size,
    );
    d.field(
        "hazardousChemicals",
        &old.hazardous_chemicals,
        &new.hazardous_chemicals,
    );
    d.field("active", &old.active, &new.active);
    use enterprise::Column as C;
    let columns = [
        C::Name,
        C::Industry,
        C::Address,
        C::GridId,
        C::AboveDesignatedSize,
        C::HazardousChemicals,
        C::Active,
        C::LiaisonOfficerId,
        C::UpdatedAt,
    ];
    revision::finish::<enterprise::Entity>(txn, actor, req, ("updateEnterprise", u.id), new, &columns, d)
        .await
}
