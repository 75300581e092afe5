//! Enterprises (企业) and their contacts.

use std::collections::HashMap;

use entity::{case, enterprise, enterprise_contact, enums::ExternalEntity, external_ref, grid, person};
use sea_orm::{
    sea_query::Query, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    Set,
};
use uuid::Uuid;

use super::{
    deny, grid_paths, in_grid_subtrees,
    pagination::{fetch, Listing, PageArgs, PageLimits, Sort},
    require_master_data,
    unit::{not_found_as_input, opt_phone, opt_text},
    visible, Scoped,
};
use crate::{
    auth::{Actor, Role},
    db::begin_write,
    error::{AppError, AppResult},
    validate,
};

impl Scoped for enterprise::Entity {
    const ID: enterprise::Column = enterprise::Column::Id;
    /// Commanders and admins see the jurisdiction, grid workers and community police the
    /// enterprises in their grids, a liaison their own enterprise, a platform what it sent;
    /// every role also sees the enterprise of any case it may see.
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
            }
            _ => {}
        }
        let cases = <case::Entity as Scoped>::scope(db, actor).await?;
        any = any.add(
            enterprise::Column::Id.in_subquery(
                Query::select()
                    .column(case::Column::EnterpriseId)
                    .from(case::Entity)
                    .cond_where(cases)
                    .and_where(case::Column::EnterpriseId.is_not_null())
                    .to_owned(),
            ),
        );
        Ok(any)
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
                .add(enterprise::Column::Name.contains(t))
                .add(enterprise::Column::CreditCode.contains(t.to_uppercase())),
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
    let scope = <enterprise::Entity as Scoped>::scope(db, actor).await?;
    let q = enterprise_contact::Entity::find().filter(
        enterprise_contact::Column::EnterpriseId.in_subquery(
            Query::select()
                .column(enterprise::Column::Id)
                .from(enterprise::Entity)
                .cond_where(scope)
                .to_owned(),
        ),
    );
    super::group_by_parent(db, q, enterprise_contact::Column::EnterpriseId, ids).await
}

/// A contact person given with a new enterprise.
#[derive(Clone, Debug)]
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
#[derive(Clone, Debug)]
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

/// Creates an enterprise with its contacts.
pub async fn create(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    input: NewEnterprise,
) -> AppResult<enterprise::Model> {
    require_master_data(actor)?;
    let credit_code =
        validate::credit_code(&input.credit_code).map_err(|m| AppError::bad_input("input.creditCode", m))?;
    let name = validate::text(&input.name, 1, 200).map_err(|m| AppError::bad_input("input.name", m))?;
    let industry = opt_text("input.industry", input.industry.as_deref(), 100)?;
    let address = opt_text("input.address", input.address.as_deref(), 200)?;
    let mut contacts = Vec::new();
    for (i, c) in input.contacts.iter().enumerate() {
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
    let txn = begin_write(db).await?;
    if enterprise::Entity::find()
        .filter(enterprise::Column::CreditCode.eq(credit_code.as_str()))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(AppError::conflict(
            "input.creditCode",
            "an enterprise with this credit code already exists",
        ));
    }
    if let Some(g) = input.grid_id {
        super::get::<grid::Entity, _>(&txn, actor, g)
            .await
            .map_err(|e| not_found_as_input(e, "input.gridId", "no such grid"))?;
    }
    if let Some(p) = input.liaison_officer_id {
        person::Entity::find_by_id(p)
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::bad_input("input.liaisonOfficerId", "no such person"))?;
    }
    let now = super::now();
    let id = super::new_id();
    let m = enterprise::ActiveModel {
        id: Set(id),
        credit_code: Set(credit_code),
        name: Set(name),
        industry: Set(industry),
        above_designated_size: Set(input.above_designated_size),
        hazardous_chemicals: Set(input.hazardous_chemicals),
        address: Set(address),
        grid_id: Set(input.grid_id),
        liaison_officer_id: Set(input.liaison_officer_id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
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
        .exec(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(m)
}
