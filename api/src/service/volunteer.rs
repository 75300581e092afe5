//! Volunteers (义警): registration, memberships, skills, languages and honours.

use std::collections::HashMap;

use entity::{
    enums::{ExternalEntity, MembershipRole, Skill, VolunteerStatus},
    external_ref, volunteer, volunteer_honour, volunteer_language, volunteer_membership, volunteer_skill,
    volunteer_team,
};
use sea_orm::{
    sea_query::Query, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    Set,
};
use uuid::Uuid;

use super::{
    deny, grid_paths, in_grid_subtrees,
    pagination::{fetch, Listing, PageArgs, PageLimits, Sort},
    require_master_data, visible, Change, Scoped,
};
use crate::{
    auth::{Actor, Role},
    error::{AppError, AppResult},
    validate,
};

fn members_of(teams: sea_orm::sea_query::SelectStatement) -> sea_orm::sea_query::SimpleExpr {
    volunteer::Column::Id.in_subquery(
        Query::select()
            .column(volunteer_membership::Column::VolunteerId)
            .from(volunteer_membership::Entity)
            .and_where(volunteer_membership::Column::TeamId.in_subquery(teams))
            .to_owned(),
    )
}

impl Scoped for volunteer::Entity {
    const ID: volunteer::Column = volunteer::Column::Id;
    /// Volunteers carry personal data: commanders and admins see all in their jurisdiction,
    /// grid workers and community police the members of teams based in their grids, a
    /// volunteer their own team, a platform the records it sent; everyone their own record.
    async fn scope<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Condition> {
        let mut any = Condition::any();
        if let Some(sub) = &actor.subject {
            any = any.add(volunteer::Column::Subject.eq(sub.as_str()));
        }
        match actor.role {
            Role::Anonymous => return Ok(deny()),
            Role::Commander | Role::Admin | Role::GridWorker | Role::CommunityPolice => {
                match grid_paths(db, actor).await? {
                    None => return Ok(Condition::all()),
                    Some(paths) => {
                        let teams = Query::select()
                            .column(volunteer_team::Column::Id)
                            .from(volunteer_team::Entity)
                            .and_where(in_grid_subtrees(volunteer_team::Column::GridId, paths))
                            .to_owned();
                        any = any.add(members_of(teams));
                    }
                }
            }
            Role::Volunteer => {
                if let Some(p) = actor.scope.person {
                    any = any.add(volunteer::Column::Id.eq(p));
                }
                if let Some(t) = actor.scope.team {
                    let teams = Query::select()
                        .column(volunteer_team::Column::Id)
                        .from(volunteer_team::Entity)
                        .and_where(volunteer_team::Column::Id.eq(t))
                        .to_owned();
                    any = any.add(members_of(teams));
                }
            }
            Role::Platform => {
                if let Some(p) = actor.scope.platform {
                    any = any.add(
                        volunteer::Column::Id.in_subquery(
                            Query::select()
                                .column(external_ref::Column::EntityId)
                                .from(external_ref::Entity)
                                .and_where(external_ref::Column::PlatformId.eq(p))
                                .and_where(external_ref::Column::Entity.eq(ExternalEntity::Volunteer))
                                .to_owned(),
                        ),
                    );
                }
            }
            Role::Citizen | Role::Mediator | Role::EnterpriseLiaison | Role::DepartmentStaff => {}
        }
        if any.is_empty() {
            Ok(deny())
        } else {
            Ok(any)
        }
    }
}

impl super::Governed for volunteer::Entity {
    /// A member of a team the actor may change.
    async fn write_scope<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Condition> {
        if actor.sees_jurisdiction() {
            return Ok(super::allow());
        }
        let teams = <volunteer_team::Entity as super::Governed>::write_scope(db, actor).await?;
        Ok(Condition::all().add(members_of(
            Query::select()
                .column(volunteer_team::Column::Id)
                .from(volunteer_team::Entity)
                .cond_where(teams)
                .to_owned(),
        )))
    }
}

/// Filters for the volunteer list.
#[derive(Clone, Debug, Default)]
pub struct VolunteerFilter {
    /// Members of this team.
    pub team: Option<Uuid>,
    /// Registration status.
    pub status: Option<VolunteerStatus>,
    /// Having this skill.
    pub skill: Option<Skill>,
    /// Speaking this language.
    pub language: Option<String>,
    /// Text in the name.
    pub text: Option<String>,
}

/// Sort orders for volunteers.
#[derive(Clone, Copy, Debug)]
pub enum VolunteerSort {
    /// Most recently registered first.
    CreatedAtDesc,
    /// By name.
    NameAsc,
    /// Most service time first.
    ServiceMinutesDesc,
}

/// Lists volunteers visible to the actor.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &VolunteerFilter,
    sort: VolunteerSort,
    args: &PageArgs,
    limits: PageLimits,
) -> AppResult<Listing<volunteer::Entity>> {
    super::require_signed_in(actor)?;
    let mut q = visible::<volunteer::Entity, C>(db, actor).await?;
    if let Some(t) = filter.team {
        q = q.filter(
            volunteer::Column::Id.in_subquery(
                Query::select()
                    .column(volunteer_membership::Column::VolunteerId)
                    .from(volunteer_membership::Entity)
                    .and_where(volunteer_membership::Column::TeamId.eq(t))
                    .to_owned(),
            ),
        );
    }
    if let Some(s) = filter.status {
        q = q.filter(volunteer::Column::Status.eq(s));
    }
    if let Some(s) = filter.skill {
        q = q.filter(
            volunteer::Column::Id.in_subquery(
                Query::select()
                    .column(volunteer_skill::Column::VolunteerId)
                    .from(volunteer_skill::Entity)
                    .and_where(volunteer_skill::Column::Skill.eq(s))
                    .to_owned(),
            ),
        );
    }
    if let Some(lang) = &filter.language {
        let lang = validate::language(lang).map_err(|m| AppError::bad_input("filter.language", m))?;
        q = q.filter(
            volunteer::Column::Id.in_subquery(
                Query::select()
                    .column(volunteer_language::Column::VolunteerId)
                    .from(volunteer_language::Entity)
                    .and_where(volunteer_language::Column::Language.eq(lang))
                    .to_owned(),
            ),
        );
    }
    if let Some(t) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        q = q.filter(super::contains_text(volunteer::Column::Name, t));
    }
    let sort = match sort {
        VolunteerSort::CreatedAtDesc => Sort {
            key: None,
            descending: true,
        },
        VolunteerSort::NameAsc => Sort {
            key: Some(volunteer::Column::Name),
            descending: false,
        },
        VolunteerSort::ServiceMinutesDesc => Sort {
            key: Some(volunteer::Column::ServiceMinutes),
            descending: true,
        },
    };
    fetch(db, q, volunteer::Column::Id, sort, args, limits).await
}

/// Skills of visible volunteers.
pub async fn skills<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<Skill>>> {
    let q = volunteer_skill::Entity::find()
        .filter(visible_ids(db, actor, volunteer_skill::Column::VolunteerId).await?);
    let rows = super::group_by_parent(db, q, volunteer_skill::Column::VolunteerId, ids).await?;
    Ok(rows
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().map(|s| s.skill).collect()))
        .collect())
}

/// Languages of visible volunteers.
pub async fn languages<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<String>>> {
    let q = volunteer_language::Entity::find()
        .filter(visible_ids(db, actor, volunteer_language::Column::VolunteerId).await?);
    let rows = super::group_by_parent(db, q, volunteer_language::Column::VolunteerId, ids).await?;
    Ok(rows
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().map(|s| s.language).collect()))
        .collect())
}

/// Honours of visible volunteers.
pub async fn honours<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<volunteer_honour::Model>>> {
    let q = volunteer_honour::Entity::find()
        .filter(visible_ids(db, actor, volunteer_honour::Column::VolunteerId).await?);
    super::group_by_parent(db, q, volunteer_honour::Column::VolunteerId, ids).await
}

/// Team memberships of visible volunteers.
pub async fn memberships<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<volunteer_membership::Model>>> {
    let q = volunteer_membership::Entity::find()
        .filter(visible_ids(db, actor, volunteer_membership::Column::VolunteerId).await?);
    super::group_by_parent(db, q, volunteer_membership::Column::VolunteerId, ids).await
}

async fn visible_ids<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    col: impl ColumnTrait,
) -> AppResult<sea_orm::sea_query::SimpleExpr> {
    super::in_visible::<volunteer::Entity, C>(db, actor, col).await
}

/// Input for a new volunteer.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NewVolunteer {
    /// Name.
    pub name: String,
    /// Mobile phone.
    pub phone: String,
    /// Resident ID number.
    pub resident_id: Option<String>,
    /// Teams to join; the first listed is where they start.
    pub team_ids: Vec<Uuid>,
    /// Skills.
    pub skills: Vec<Skill>,
    /// Languages (BCP 47).
    pub languages: Vec<String>,
    /// Account subject (JWT `sub`).
    pub subject: Option<String>,
}

/// The canonical values of a [`NewVolunteer`], checked once for `create` and `upsert`.
struct Valid {
    name: String,
    phone: String,
    resident_id: Option<String>,
    /// Sorted, without duplicates.
    languages: Vec<String>,
    /// Sorted, without duplicates.
    skills: Vec<Skill>,
    /// In the order given, without duplicates.
    teams: Vec<Uuid>,
    subject: Option<String>,
}

/// Validates the plain fields of `input` (no database access).
fn validated(input: &NewVolunteer) -> AppResult<Valid> {
    let name = validate::text(&input.name, 1, 64).map_err(|m| AppError::bad_input("input.name", m))?;
    let phone = validate::phone(&input.phone).map_err(|m| AppError::bad_input("input.phone", m))?;
    let resident_id = input
        .resident_id
        .as_deref()
        .map(|r| validate::resident_id(r).map_err(|m| AppError::bad_input("input.residentId", m)))
        .transpose()?;
    let mut languages = Vec::new();
    for (i, l) in input.languages.iter().enumerate() {
        languages.push(
            validate::language(l).map_err(|m| AppError::bad_input(format!("input.languages[{i}]"), m))?,
        );
    }
    languages.sort();
    languages.dedup();
    let mut skills = input.skills.clone();
    sort_skills(&mut skills);
    let mut teams: Vec<Uuid> = Vec::with_capacity(input.team_ids.len());
    for t in &input.team_ids {
        if !teams.contains(t) {
            teams.push(*t);
        }
    }
    if teams.is_empty() {
        return Err(AppError::bad_input(
            "input.teamIds",
            "a volunteer joins at least one team",
        ));
    }
    let subject = input
        .subject
        .as_deref()
        .map(|s| validate::text(s, 1, 128).map_err(|m| AppError::bad_input("input.subject", m)))
        .transpose()?;
    Ok(Valid {
        name,
        phone,
        resident_id,
        languages,
        skills,
        teams,
        subject,
    })
}

/// Sorts skills in one stable order and drops duplicates.
fn sort_skills(skills: &mut Vec<Skill>) {
    skills.sort_by_key(|s| format!("{s:?}"));
    skills.dedup();
}

/// Checks that every team exists and is one the actor may change.
async fn check_teams<C: ConnectionTrait>(db: &C, actor: &Actor, teams: &[Uuid]) -> AppResult<()> {
    for (i, t) in teams.iter().enumerate() {
        super::writable::<volunteer_team::Entity, C>(
            db,
            actor,
            *t,
            &format!("input.teamIds[{i}]"),
            "no such team",
        )
        .await?;
    }
    Ok(())
}

async fn insert_memberships<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    teams: &[Uuid],
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    if !teams.is_empty() {
        volunteer_membership::Entity::insert_many(teams.iter().map(|t| volunteer_membership::ActiveModel {
            volunteer_id: Set(id),
            team_id: Set(*t),
            role: Set(MembershipRole::Member),
            joined_at: Set(now),
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

async fn insert_skills<C: ConnectionTrait>(db: &C, id: Uuid, skills: Vec<Skill>) -> AppResult<()> {
    if !skills.is_empty() {
        volunteer_skill::Entity::insert_many(skills.into_iter().map(|skill| volunteer_skill::ActiveModel {
            volunteer_id: Set(id),
            skill: Set(skill),
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

async fn insert_languages<C: ConnectionTrait>(db: &C, id: Uuid, languages: Vec<String>) -> AppResult<()> {
    if !languages.is_empty() {
        volunteer_language::Entity::insert_many(languages.into_iter().map(|language| {
            volunteer_language::ActiveModel {
                volunteer_id: Set(id),
                language: Set(language),
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// Inserts a volunteer (approved when staff register them, pending when they register
/// themselves) with memberships, skills and languages (inputs checked).
async fn insert<C: ConnectionTrait>(
    db: &C,
    v: Valid,
    status: VolunteerStatus,
) -> AppResult<volunteer::Model> {
    let now = super::now();
    let id = super::new_id();
    let m = volunteer::ActiveModel {
        id: Set(id),
        subject: Set(v.subject),
        name: Set(v.name),
        phone: Set(v.phone),
        resident_id: Set(v.resident_id),
        status: Set(status),
        service_minutes: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    insert_memberships(db, id, &v.teams, now).await?;
    insert_skills(db, id, v.skills).await?;
    insert_languages(db, id, v.languages).await?;
    Ok(m)
}

/// Registers an approved volunteer in one or more teams.
/// With `key` (the client's idempotency key), a retry with the same key and input answers
/// the first call's record instead of a second one.
pub async fn create_once(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    input: NewVolunteer,
    key: Option<&str>,
) -> AppResult<volunteer::Model> {
    let key = super::idempotency::Request::of(actor, key, "createVolunteer", None, &input)?;
    require_master_data(actor)?;
    let v = validated(&input)?;
    let txn = match super::idempotency::begin(db, key.as_ref()).await? {
        super::idempotency::Begun::Fresh(t) => t,
        super::idempotency::Begun::Replayed(id) => {
            return super::get::<volunteer::Entity, _>(db, actor, id).await
        }
    };
    if let Some(r) = &v.resident_id {
        if volunteer::Entity::find()
            .filter(volunteer::Column::ResidentId.eq(r.as_str()))
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(AppError::conflict(
                "input.residentId",
                "a volunteer with this resident ID is already registered",
            ));
        }
    }
    check_teams(&txn, actor, &v.teams).await?;
    let m = insert(&txn, v, VolunteerStatus::Approved).await?;
    super::idempotency::finished(&txn, key.as_ref(), m.id).await?;
    txn.commit().await?;
    Ok(m)
}

/// Registers the signed-in citizen as a volunteer of one team (义警报名, from a
/// mini-program): PENDING until the team's leader, or an admin or commander, approves it with
/// `updateVolunteer`. The record carries the caller's subject, so they see it as their own.
pub async fn register_self(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    input: NewVolunteer,
    key: Option<&str>,
) -> AppResult<volunteer::Model> {
    super::require_role(actor, &[crate::auth::Role::Citizen], "register as a volunteer")?;
    let Some(subject) = actor.subject.clone() else {
        return Err(AppError::Unauthenticated(
            "a token with a subject is needed to register".into(),
        ));
    };
    let key = super::idempotency::Request::of(actor, key, "registerAsVolunteer", None, &input)?;
    let team = match input.team_ids.as_slice() {
        [one] => *one,
        _ => return Err(AppError::bad_input("input.teamId", "name the one team to join")),
    };
    let v = validated(&NewVolunteer {
        subject: Some(subject.clone()),
        ..input
    })?;
    let txn = match super::idempotency::begin(db, key.as_ref()).await? {
        super::idempotency::Begun::Fresh(t) => t,
        super::idempotency::Begun::Replayed(id) => {
            return volunteer::Entity::find_by_id(id)
                .filter(volunteer::Column::Subject.eq(subject.as_str()))
                .one(db)
                .await?
                .ok_or(AppError::NotFound)
        }
    };
    let t = super::get::<volunteer_team::Entity, _>(&txn, actor, team)
        .await
        .map_err(|e| super::unit::not_found_as_input(e, "input.teamId", "no such volunteer team"))?;
    if !t.active {
        return Err(AppError::bad_input(
            "input.teamId",
            "this team takes no new members",
        ));
    }
    if volunteer::Entity::find()
        .filter(volunteer::Column::Subject.eq(subject.as_str()))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(AppError::conflict(
            "input",
            "you are registered as a volunteer already",
        ));
    }
    if let Some(r) = &v.resident_id {
        if volunteer::Entity::find()
            .filter(volunteer::Column::ResidentId.eq(r.as_str()))
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(AppError::conflict(
                "input.residentId",
                "a volunteer with this resident ID is already registered",
            ));
        }
    }
    let m = insert(&txn, v, VolunteerStatus::Pending).await?;
    super::idempotency::finished(&txn, key.as_ref(), m.id).await?;
    txn.commit().await?;
    Ok(m)
}

/// True when `leader` leads a team that volunteer `id` belongs to.
async fn leads_team_of<C: ConnectionTrait>(db: &C, leader: Uuid, id: Uuid) -> AppResult<bool> {
    let led: Vec<Uuid> = volunteer_membership::Entity::find()
        .filter(volunteer_membership::Column::VolunteerId.eq(leader))
        .filter(volunteer_membership::Column::Role.eq(MembershipRole::Leader))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.team_id)
        .collect();
    Ok(!led.is_empty()
        && volunteer_membership::Entity::find()
            .filter(volunteer_membership::Column::VolunteerId.eq(id))
            .filter(volunteer_membership::Column::TeamId.is_in(led))
            .one(db)
            .await?
            .is_some())
}

/// [`create_once`] without a retry key.
pub async fn create(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    input: NewVolunteer,
) -> AppResult<volunteer::Model> {
    create_once(db, actor, input, None).await
}

/// Creates or updates the volunteer with `input`'s resident ID (required here), on the
/// connection or transaction given (it opens none of its own; callers wrap it).
///
/// An update sets name, phone, skills, languages and team memberships exactly as given
/// (memberships kept keep their role and join date; teams not listed are left). The account
/// subject is changed only when one is given; status and service time are never touched.
/// Nothing is written when every value already matches ([`Change::Unchanged`]). An existing
/// volunteer outside the actor's scope is a `CONFLICT` on `input.residentId`.
pub async fn upsert<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    input: NewVolunteer,
) -> AppResult<(volunteer::Model, Change)> {
    require_master_data(actor)?;
    if input.resident_id.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(AppError::bad_input(
            "input.residentId",
            "is required to match an existing volunteer",
        ));
    }
    let v = validated(&input)?;
    let Some(resident_id) = v.resident_id.clone() else {
        return Err(AppError::bad_input("input.residentId", "must not be empty"));
    };
    check_teams(db, actor, &v.teams).await?;
    let existing = volunteer::Entity::find()
        .filter(volunteer::Column::ResidentId.eq(resident_id.as_str()))
        .one(db)
        .await?;
    let Some(old) = existing else {
        if let Some(s) = &v.subject {
            subject_free(db, s, None).await?;
        }
        return Ok((insert(db, v, VolunteerStatus::Approved).await?, Change::Created));
    };
    super::writable::<volunteer::Entity, C>(db, actor, old.id, "input.residentId", "")
        .await
        .map_err(|e| match e {
            AppError::NotFoundAt { .. } => AppError::conflict(
                "input.residentId",
                "a volunteer with this resident ID is registered outside your scope",
            ),
            other => other,
        })?;
    let subject = v.subject.clone().or_else(|| old.subject.clone());
    if subject != old.subject {
        if let Some(s) = &subject {
            subject_free(db, s, Some(old.id)).await?;
        }
    }
    let mut skills: Vec<Skill> = volunteer_skill::Entity::find()
        .filter(volunteer_skill::Column::VolunteerId.eq(old.id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.skill)
        .collect();
    sort_skills(&mut skills);
    let mut languages: Vec<String> = volunteer_language::Entity::find()
        .filter(volunteer_language::Column::VolunteerId.eq(old.id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.language)
        .collect();
    languages.sort();
    let mut teams: Vec<Uuid> = volunteer_membership::Entity::find()
        .filter(volunteer_membership::Column::VolunteerId.eq(old.id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.team_id)
        .collect();
    teams.sort();
    let mut given_teams = v.teams.clone();
    given_teams.sort();
    let fields_differ = (&v.name, &v.phone, &subject) != (&old.name, &old.phone, &old.subject);
    let skills_differ = skills != v.skills;
    let languages_differ = languages != v.languages;
    let teams_differ = teams != given_teams;
    if !(fields_differ || skills_differ || languages_differ || teams_differ) {
        return Ok((old, Change::Unchanged));
    }
    let now = super::now();
    if skills_differ {
        volunteer_skill::Entity::delete_many()
            .filter(volunteer_skill::Column::VolunteerId.eq(old.id))
            .exec(db)
            .await?;
        insert_skills(db, old.id, v.skills).await?;
    }
    if languages_differ {
        volunteer_language::Entity::delete_many()
            .filter(volunteer_language::Column::VolunteerId.eq(old.id))
            .exec(db)
            .await?;
        insert_languages(db, old.id, v.languages).await?;
    }
    if teams_differ {
        volunteer_membership::Entity::delete_many()
            .filter(volunteer_membership::Column::VolunteerId.eq(old.id))
            .filter(volunteer_membership::Column::TeamId.is_not_in(given_teams.iter().copied()))
            .exec(db)
            .await?;
        let added: Vec<Uuid> = v.teams.iter().copied().filter(|t| !teams.contains(t)).collect();
        insert_memberships(db, old.id, &added, now).await?;
    }
    let mut am: volunteer::ActiveModel = old.into();
    am.name = Set(v.name);
    am.phone = Set(v.phone);
    am.subject = Set(subject);
    am.updated_at = Set(now);
    Ok((am.update(db).await?, Change::Updated))
}

/// Refuses a subject another volunteer already signs in with.
async fn subject_free<C: ConnectionTrait>(db: &C, subject: &str, except: Option<Uuid>) -> AppResult<()> {
    let mut q = volunteer::Entity::find().filter(volunteer::Column::Subject.eq(subject));
    if let Some(id) = except {
        q = q.filter(volunteer::Column::Id.ne(id));
    }
    if q.one(db).await?.is_some() {
        return Err(AppError::conflict(
            "input.subject",
            "another volunteer signs in with this subject",
        ));
    }
    Ok(())
}

/// Input for an honour.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NewHonour {
    /// The volunteer.
    pub volunteer_id: Uuid,
    /// Title, e.g. 治安荣誉奖章.
    pub title: String,
    /// Awarding body.
    pub awarded_by: Option<String>,
    /// Date awarded.
    pub awarded_on: chrono::NaiveDate,
}

/// Records an honour for a volunteer. With `key`, a retry with the same key and input answers
/// the honour the first call recorded.
pub async fn award_honour(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    input: NewHonour,
    key: Option<&str>,
) -> AppResult<volunteer_honour::Model> {
    let key = super::idempotency::Request::of(actor, key, "awardVolunteerHonour", None, &input)?;
    require_master_data(actor)?;
    let title = validate::text(&input.title, 1, 100).map_err(|m| AppError::bad_input("input.title", m))?;
    let awarded_by = super::unit::opt_text("input.awardedBy", input.awarded_by.as_deref(), 100)?;
    let txn = match super::idempotency::begin(db, key.as_ref()).await? {
        super::idempotency::Begun::Fresh(t) => t,
        // The honour this actor recorded (it hangs on a volunteer they may change).
        super::idempotency::Begun::Replayed(id) => {
            return volunteer_honour::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(AppError::NotFound)
        }
    };
    super::writable::<volunteer::Entity, _>(
        &txn,
        actor,
        input.volunteer_id,
        "input.volunteerId",
        "no such volunteer",
    )
    .await?;
    let m = volunteer_honour::ActiveModel {
        id: Set(super::new_id()),
        volunteer_id: Set(input.volunteer_id),
        title: Set(title),
        awarded_by: Set(awarded_by),
        awarded_on: Set(input.awarded_on),
        created_at: Set(super::now()),
    }
    .insert(&txn)
    .await?;
    super::idempotency::finished(&txn, key.as_ref(), m.id).await?;
    txn.commit().await?;
    Ok(m)
}

impl super::revision::Versioned for volunteer::Entity {
    const VERSION: volunteer::Column = volunteer::Column::Version;
    const TYPE: &'static str = "Volunteer";
}

/// A change to a volunteer: `None` leaves a field alone; `Some(None)` clears an optional one.
#[derive(Clone, Debug, Default)]
pub struct VolunteerUpdate {
    /// The record.
    pub id: Uuid,
    /// The version the client saw.
    pub version: i32,
    /// New `name`.
    pub name: Option<String>,
    /// New `phone`.
    pub phone: Option<String>,
    /// New status.
    pub status: Option<entity::enums::VolunteerStatus>,
    /// The volunteer's teams with their roles, among the teams the actor may change (memberships
    /// in other teams are left alone); kept memberships keep their join date.
    pub teams: Option<Vec<(Uuid, MembershipRole)>>,
}

/// Changes a volunteer (admins and commanders, within their jurisdiction): versioned, audited
/// with its before and after.
pub async fn update(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    req: &crate::request::RequestInfo,
    u: VolunteerUpdate,
) -> AppResult<volunteer::Model> {
    use super::revision::{self, Diff};
    // A team's leader approves or suspends the registrations of their team's members, and
    // changes nothing else; everything else is master data.
    let leader = actor.role == crate::auth::Role::Volunteer;
    if leader {
        if u.name.is_some() || u.phone.is_some() || u.teams.is_some() || u.status.is_none() {
            return Err(AppError::forbidden(
                "a team leader may only approve or suspend a member's registration (status)",
            ));
        }
    } else {
        super::require_master_data(actor)?;
    }
    let name = revision::text("input.name", u.name.as_deref(), 64)?;
    let phone = u
        .phone
        .as_deref()
        .map(|v| crate::validate::phone(v).map_err(|m| AppError::bad_input("input.phone", m)))
        .transpose()?;
    let status = u.status;
    let txn = crate::db::begin_write(db).await?;
    let old = if leader {
        let me = actor
            .scope
            .person
            .ok_or_else(|| AppError::forbidden("the token names no volunteer"))?;
        if !leads_team_of(&txn, me, u.id).await? {
            return Err(AppError::not_found_at(
                "input.id",
                "no such volunteer in a team you lead",
            ));
        }
        let mut found = super::get::<volunteer::Entity, _>(&txn, actor, u.id)
            .await
            .map_err(|e| {
                super::unit::not_found_as_input(e, "input.id", "no such volunteer in a team you lead")
            })?;
        revision::bump::<volunteer::Entity, _>(&txn, u.id, u.version).await?;
        // As `begin` answers it: the record at the version the client saw.
        found.version = u.version;
        found
    } else {
        revision::begin::<volunteer::Entity, _>(&txn, actor, u.id, u.version, "no such volunteer").await?
    };
    if let Some(to) = status {
        check_status_move(old.status, to)?;
    }
    let teams_changed = match &u.teams {
        Some(list) => set_memberships(&txn, actor, old.id, list).await?,
        None => None,
    };
    let new = volunteer::Model {
        name: name.unwrap_or_else(|| old.name.clone()),
        phone: phone.unwrap_or_else(|| old.phone.clone()),
        status: status.unwrap_or(old.status),
        version: old.version + 1,
        updated_at: super::now(),
        ..old.clone()
    };
    let mut d = Diff::default();
    d.personal(
        "name",
        Some(old.name.as_str()),
        Some(new.name.as_str()),
        crate::mask::name,
    );
    d.personal(
        "phone",
        Some(old.phone.as_str()),
        Some(new.phone.as_str()),
        crate::mask::phone,
    );
    // Enums as stored and as the API spells them (APPROVED, not Approved).
    use sea_orm::ActiveEnum;
    d.field("status", &old.status.to_value(), &new.status.to_value());
    if let Some((before, after)) = teams_changed {
        d.changed("teams", before, after);
    }
    let columns = [
        volunteer::Column::Name,
        volunteer::Column::Phone,
        volunteer::Column::Status,
        volunteer::Column::UpdatedAt,
    ];
    revision::finish::<volunteer::Entity>(txn, actor, req, ("updateVolunteer", u.id), new, &columns, d).await
}

/// Sets volunteer `id`'s memberships among the teams `actor` may change to `list`; answers the
/// memberships before and after (team id and role) when they changed.
async fn set_memberships<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
    list: &[(Uuid, MembershipRole)],
) -> AppResult<Option<(serde_json::Value, serde_json::Value)>> {
    use sea_orm::QuerySelect;
    let mut seen = std::collections::HashSet::new();
    for (i, (t, _)) in list.iter().enumerate() {
        let field = format!("input.teams[{i}].teamId");
        if !seen.insert(*t) {
            return Err(AppError::bad_input(field, "this team is named twice"));
        }
        super::writable::<volunteer_team::Entity, C>(db, actor, *t, &field, "no such volunteer team").await?;
    }
    let managed: Vec<Uuid> = volunteer_team::Entity::find()
        .select_only()
        .column(volunteer_team::Column::Id)
        .filter(<volunteer_team::Entity as super::Governed>::write_scope(db, actor).await?)
        .into_tuple()
        .all(db)
        .await?;
    let current: Vec<volunteer_membership::Model> = volunteer_membership::Entity::find()
        .filter(volunteer_membership::Column::VolunteerId.eq(id))
        .filter(volunteer_membership::Column::TeamId.is_in(managed))
        .all(db)
        .await?;
    let shown = |l: &mut Vec<(Uuid, MembershipRole)>| {
        l.sort_by_key(|m| m.0);
        serde_json::json!(l
            .iter()
            .map(|(t, r)| serde_json::json!({ "teamId": t, "role": sea_orm::ActiveEnum::to_value(r) }))
            .collect::<Vec<_>>())
    };
    let mut before: Vec<(Uuid, MembershipRole)> = current.iter().map(|m| (m.team_id, m.role)).collect();
    let mut after = list.to_vec();
    let (b, a) = (shown(&mut before), shown(&mut after));
    if b == a {
        return Ok(None);
    }
    let now = super::now();
    for m in &current {
        if !list.iter().any(|(t, _)| *t == m.team_id) {
            volunteer_membership::Entity::delete_many()
                .filter(volunteer_membership::Column::VolunteerId.eq(id))
                .filter(volunteer_membership::Column::TeamId.eq(m.team_id))
                .exec(db)
                .await?;
        }
    }
    for (t, role) in list {
        match current.iter().find(|m| m.team_id == *t) {
            Some(m) if m.role == *role => {}
            Some(m) => {
                let mut am: volunteer_membership::ActiveModel = m.clone().into();
                am.role = Set(*role);
                am.update(db).await?;
            }
            None => {
                volunteer_membership::ActiveModel {
                    volunteer_id: Set(id),
                    team_id: Set(*t),
                    role: Set(*role),
                    joined_at: Set(now),
                }
                .insert(db)
                .await?;
            }
        }
    }
    Ok(Some((b, a)))
}

/// The moves of a volunteer's registration: approved by the team (or an admin/commander)
/// from PENDING, suspended from PENDING or APPROVED, reinstated from SUSPENDED.
fn check_status_move(
    from: entity::enums::VolunteerStatus,
    to: entity::enums::VolunteerStatus,
) -> AppResult<()> {
    use entity::enums::VolunteerStatus as S;
    match (from, to) {
        (a, b) if a == b => Ok(()),
        (S::Pending, S::Approved | S::Suspended)
        | (S::Approved, S::Suspended)
        | (S::Suspended, S::Approved) => Ok(()),
        _ => Err(AppError::bad_input(
            "input.status",
            format!(
                "a {from:?} registration cannot become {to:?} (PENDING → APPROVED → SUSPENDED ⇄ APPROVED)"
            ),
        )),
    }
}
