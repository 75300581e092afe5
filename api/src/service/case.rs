//! Cases (事件): scope, lists and lookups, and reporting a new case.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Utc};
use entity::{
    case, case_assignment, case_attachment, case_party, case_timeline_entry, case_volunteer_task,
    enums::{
        CaseCategory, CaseKind, CaseSource, CaseStatus, CoordinateSystem, ExternalEntity, IdDocumentKind,
        PartyRole, Placement, ReporterRole, RiskColour, Severity,
    },
    external_ref, follow_up, grid, mediation_session, mediator, session_mediator,
};
use sea_orm::{
    sea_query::ExprTrait,
    sea_query::{Expr, Query, SimpleExpr},
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select,
};
use uuid::Uuid;

use super::{
    attachment::{self, Evidence},
    deny, grid_scope, idempotency,
    journal::{self, Journal, NewCase, Opened, Party, Store},
    pagination::{fetch, Listing, PageArgs, PageLimits, Sort},
    unit::{not_found_as_input, opt_phone, opt_text},
    visible, Scoped,
};
use crate::{
    auth::{Actor, Role},
    error::{AppError, AppResult},
    places, validate,
};

impl Scoped for case::Entity {
    const ID: case::Column = case::Column::Id;
    /// Who sees which case (DOMAIN.md): commanders and admins their jurisdiction; grid
    /// workers their grids; community police their police grids and the community grids
    /// those cover; mediators cases referred to their room; volunteers cases they or their
    /// team are tasked on; enterprise liaisons their enterprise's cases; department staff
    /// cases assigned to their unit; platforms the cases they sent; citizens (and everyone)
    /// the cases they reported themselves.
    async fn scope<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Condition> {
        reach(db, actor, true).await
    }
}

/// The cases `actor`'s work brings to them: the case scope without the cases they see only
/// as their author (their own reports; a platform's synced cases). What hangs on a case
/// (its enterprise) is visible through these only, so writing a case widens nothing.
pub async fn work_scope<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Condition> {
    reach(db, actor, false).await
}

async fn reach<C: ConnectionTrait>(db: &C, actor: &Actor, authored: bool) -> AppResult<Condition> {
    if actor.is_anonymous() {
        return Ok(deny());
    }
    let mut any = Condition::any();
    if let (true, Some(sub)) = (authored, &actor.subject) {
        any = any.add(case::Column::ReporterSubject.eq(sub.as_str()));
    }
    match actor.role {
        Role::Anonymous => return Ok(deny()),
        Role::Commander | Role::Admin | Role::GridWorker | Role::CommunityPolice => {
            let g = grid_scope(db, actor, case::Column::GridId).await?;
            if actor.sees_jurisdiction() {
                return Ok(g);
            }
            any = any.add(g);
        }
        Role::Mediator => {
            if let Some(r) = actor.scope.room {
                any = any.add(case::Column::RoomId.eq(r));
                // A room that escalated a case keeps reading it: its own sessions are there.
                any = any.add(
                    case::Column::Id.in_subquery(
                        Query::select()
                            .column(mediation_session::Column::CaseId)
                            .from(mediation_session::Entity)
                            .and_where(mediation_session::Column::RoomId.eq(r))
                            .to_owned(),
                    ),
                );
            }
        }
        Role::Volunteer => {
            let mut who = Condition::any();
            if let Some(p) = actor.scope.person {
                who = who.add(case_volunteer_task::Column::VolunteerId.eq(p));
            }
            if let Some(t) = actor.scope.team {
                who = who.add(case_volunteer_task::Column::TeamId.eq(t));
            }
            if !who.is_empty() {
                any = any.add(
                    case::Column::Id.in_subquery(
                        Query::select()
                            .column(case_volunteer_task::Column::CaseId)
                            .from(case_volunteer_task::Entity)
                            .cond_where(who)
                            .to_owned(),
                    ),
                );
            }
        }
        Role::EnterpriseLiaison => {
            if let Some(e) = actor.scope.enterprise {
                any = any.add(case::Column::EnterpriseId.eq(e));
            }
        }
        Role::DepartmentStaff => {
            if let Some(u) = actor.scope.unit {
                any = any.add(assigned_to(u));
            }
        }
        Role::Platform => {
            if let (true, Some(p)) = (authored, actor.scope.platform) {
                any = any.add(
                    case::Column::Id.in_subquery(
                        Query::select()
                            .column(external_ref::Column::EntityId)
                            .from(external_ref::Entity)
                            .and_where(external_ref::Column::PlatformId.eq(p))
                            .and_where(external_ref::Column::Entity.eq(ExternalEntity::Case))
                            .to_owned(),
                    ),
                );
            }
        }
        Role::Citizen => {}
    }
    if any.is_empty() {
        Ok(deny())
    } else {
        Ok(any)
    }
}

fn assigned_to(unit: Uuid) -> SimpleExpr {
    case::Column::Id.in_subquery(
        Query::select()
            .column(case_assignment::Column::CaseId)
            .from(case_assignment::Entity)
            .and_where(case_assignment::Column::UnitId.eq(unit))
            .to_owned(),
    )
}

/// Filters for the case list; every given field must match.
#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    /// Any of these kinds.
    pub kinds: Vec<CaseKind>,
    /// Any of these categories.
    pub categories: Vec<CaseCategory>,
    /// Any of these statuses.
    pub statuses: Vec<CaseStatus>,
    /// Any of these colours.
    pub risk_colours: Vec<RiskColour>,
    /// Any of these severities.
    pub severities: Vec<Severity>,
    /// Any of these sources.
    pub sources: Vec<CaseSource>,
    /// Inside this grid's subtree.
    pub grid: Option<Uuid>,
    /// About this enterprise.
    pub enterprise: Option<Uuid>,
    /// Referred to this room.
    pub room: Option<Uuid>,
    /// Assigned to this unit.
    pub unit: Option<Uuid>,
    /// Created at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Created before.
    pub created_to: Option<DateTime<Utc>>,
    /// Updated at or after.
    pub updated_from: Option<DateTime<Utc>>,
    /// Updated before.
    pub updated_to: Option<DateTime<Utc>>,
    /// Text in title or description.
    pub text: Option<String>,
    /// Only cases past a deadline (true) or within them (false).
    pub overdue: Option<bool>,
}

/// Sort orders for cases.
#[derive(Clone, Copy, Debug)]
pub enum CaseSort {
    /// Newest first.
    CreatedAtDesc,
    /// Oldest first.
    CreatedAtAsc,
    /// Most recently changed first.
    UpdatedAtDesc,
    /// Least recently changed first.
    UpdatedAtAsc,
}

/// Applies a filter to a case query.
pub async fn apply_filter<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    mut q: Select<case::Entity>,
    f: &CaseFilter,
) -> AppResult<Select<case::Entity>> {
    if !f.kinds.is_empty() {
        q = q.filter(case::Column::Kind.is_in(f.kinds.iter().copied()));
    }
    if !f.categories.is_empty() {
        q = q.filter(case::Column::Category.is_in(f.categories.iter().copied()));
    }
    if !f.statuses.is_empty() {
        q = q.filter(case::Column::Status.is_in(f.statuses.iter().copied()));
    }
    if !f.risk_colours.is_empty() {
        q = q.filter(case::Column::RiskColour.is_in(f.risk_colours.iter().copied()));
    }
    if !f.severities.is_empty() {
        q = q.filter(case::Column::Severity.is_in(f.severities.iter().copied()));
    }
    if !f.sources.is_empty() {
        q = q.filter(case::Column::Source.is_in(f.sources.iter().copied()));
    }
    if let Some(g) = f.grid {
        let root = super::get::<grid::Entity, C>(db, actor, g).await?;
        q = q.filter(super::in_grid_subtrees(case::Column::GridId, &[root.path]));
    }
    if let Some(e) = f.enterprise {
        q = q.filter(case::Column::EnterpriseId.eq(e));
    }
    if let Some(r) = f.room {
        q = q.filter(case::Column::RoomId.eq(r));
    }
    if let Some(u) = f.unit {
        q = q.filter(assigned_to(u));
    }
    if let (Some(a), Some(b)) = (f.created_from, f.created_to) {
        if a >= b {
            return Err(AppError::bad_input(
                "filter.createdTo",
                "must be after createdFrom",
            ));
        }
    }
    if let Some(t) = f.created_from {
        q = q.filter(case::Column::CreatedAt.gte(t));
    }
    if let Some(t) = f.created_to {
        q = q.filter(case::Column::CreatedAt.lt(t));
    }
    if let Some(t) = f.updated_from {
        q = q.filter(case::Column::UpdatedAt.gte(t));
    }
    if let Some(t) = f.updated_to {
        q = q.filter(case::Column::UpdatedAt.lt(t));
    }
    if let Some(o) = f.overdue {
        let cond = super::workflow::overdue_condition(super::now());
        q = q.filter(if o { cond } else { cond.not() });
    }
    if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if t.chars().count() > 100 {
            return Err(AppError::bad_input("filter.text", "at most 100 characters"));
        }
        q = q.filter(
            Condition::any()
                .add(super::contains_text(case::Column::Title, t))
                .add(super::contains_text(case::Column::Description, t))
                // A tracking number typed into the search box, whole or in part.
                .add(super::contains_text(
                    case::Column::TrackingNumber,
                    &t.to_uppercase(),
                )),
        );
    }
    Ok(q)
}

/// Lists cases visible to the actor.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &CaseFilter,
    sort: CaseSort,
    args: &PageArgs,
    limits: PageLimits,
) -> AppResult<Listing<case::Entity>> {
    super::require_signed_in(actor)?;
    let q = visible::<case::Entity, C>(db, actor).await?;
    let q = apply_filter(db, actor, q, filter).await?;
    let sort = match sort {
        CaseSort::CreatedAtDesc => Sort {
            key: None,
            descending: true,
        },
        CaseSort::CreatedAtAsc => Sort {
            key: None,
            descending: false,
        },
        CaseSort::UpdatedAtDesc => Sort {
            key: Some(case::Column::UpdatedAt),
            descending: true,
        },
        CaseSort::UpdatedAtAsc => Sort {
            key: Some(case::Column::UpdatedAt),
            descending: false,
        },
    };
    fetch(db, q, case::Column::Id, sort, args, limits).await
}

/// One case by its tracking number.
pub async fn by_tracking_number<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    number: &str,
) -> AppResult<case::Model> {
    let number = number.trim().to_uppercase();
    if number.is_empty() || number.len() > 32 {
        return Err(AppError::bad_input("trackingNumber", "not a tracking number"));
    }
    visible::<case::Entity, C>(db, actor)
        .await?
        .filter(case::Column::TrackingNumber.eq(number))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// `col` holds the id of a case the actor may see.
async fn in_visible_cases<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    col: impl ColumnTrait,
) -> AppResult<SimpleExpr> {
    super::in_visible::<case::Entity, C>(db, actor, col).await
}

/// Timeline entries per visible case, in order.
pub async fn timelines<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<case_timeline_entry::Model>>> {
    let q = case_timeline_entry::Entity::find()
        .filter(in_visible_cases(db, actor, case_timeline_entry::Column::CaseId).await?)
        .order_by_asc(case_timeline_entry::Column::Seq);
    super::group_by_parent(db, q, case_timeline_entry::Column::CaseId, ids).await
}

/// Unit assignments per visible case.
pub async fn assignments<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<case_assignment::Model>>> {
    let q = case_assignment::Entity::find()
        .filter(in_visible_cases(db, actor, case_assignment::Column::CaseId).await?)
        .order_by_asc(case_assignment::Column::AssignedAt)
        .order_by_asc(case_assignment::Column::Id);
    super::group_by_parent(db, q, case_assignment::Column::CaseId, ids).await
}

/// Parties per visible case.
pub async fn parties<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<case_party::Model>>> {
    let q = case_party::Entity::find()
        .filter(in_visible_cases(db, actor, case_party::Column::CaseId).await?)
        .order_by_asc(case_party::Column::Id);
    super::group_by_parent(db, q, case_party::Column::CaseId, ids).await
}

/// Attachment metadata per visible case.
pub async fn attachments<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<case_attachment::Model>>> {
    let q = case_attachment::Entity::find()
        .filter(in_visible_cases(db, actor, case_attachment::Column::CaseId).await?)
        .order_by_asc(case_attachment::Column::Id);
    super::group_by_parent(db, q, case_attachment::Column::CaseId, ids).await
}

/// Mediation sessions per visible case, in schedule order.
pub async fn sessions<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<mediation_session::Model>>> {
    let q = mediation_session::Entity::find()
        .filter(in_visible_cases(db, actor, mediation_session::Column::CaseId).await?)
        .order_by_asc(mediation_session::Column::ScheduledAt)
        .order_by_asc(mediation_session::Column::Id);
    super::group_by_parent(db, q, mediation_session::Column::CaseId, ids).await
}

/// Follow-up visits per visible case, in order.
pub async fn follow_ups<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<follow_up::Model>>> {
    let q = follow_up::Entity::find()
        .filter(in_visible_cases(db, actor, follow_up::Column::CaseId).await?)
        .order_by_asc(follow_up::Column::VisitedAt)
        .order_by_asc(follow_up::Column::Id);
    super::group_by_parent(db, q, follow_up::Column::CaseId, ids).await
}

/// Enterprise case consultations per visible case, oldest first.
pub async fn consultations<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<entity::case_consultation::Model>>> {
    use entity::case_consultation as cc;
    let q = cc::Entity::find()
        .filter(in_visible_cases(db, actor, cc::Column::CaseId).await?)
        .order_by_asc(cc::Column::HeldAt)
        .order_by_asc(cc::Column::Id);
    super::group_by_parent(db, q, cc::Column::CaseId, ids).await
}

/// Volunteer tasks per visible case.
pub async fn volunteer_tasks<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<case_volunteer_task::Model>>> {
    let q = case_volunteer_task::Entity::find()
        .filter(in_visible_cases(db, actor, case_volunteer_task::Column::CaseId).await?)
        .order_by_asc(case_volunteer_task::Column::Id);
    super::group_by_parent(db, q, case_volunteer_task::Column::CaseId, ids).await
}

/// Mediators per session (sessions of visible cases only).
pub async fn session_mediators<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    session_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<mediator::Model>>> {
    // Correlated, like `in_visible`: only the sessions at hand are looked at.
    let visible_session = Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(mediation_session::Entity)
            .and_where(
                Expr::col((mediation_session::Entity, mediation_session::Column::Id))
                    .equals((session_mediator::Entity, session_mediator::Column::SessionId)),
            )
            .and_where(in_visible_cases(db, actor, mediation_session::Column::CaseId).await?)
            .to_owned(),
    );
    let links: Vec<(Uuid, Uuid)> = {
        use sea_orm::QuerySelect;
        session_mediator::Entity::find()
            .select_only()
            .column(session_mediator::Column::SessionId)
            .column(session_mediator::Column::MediatorId)
            .filter(session_mediator::Column::SessionId.is_in(session_ids.iter().copied()))
            .filter(visible_session)
            .into_tuple()
            .all(db)
            .await?
    };
    let ids: Vec<Uuid> = links.iter().map(|l| l.1).collect();
    let mediators = super::by_ids::<mediator::Entity, C>(db, actor, &ids).await?;
    let mut out: HashMap<Uuid, Vec<mediator::Model>> = HashMap::new();
    for (s, m) in links {
        if let Some(m) = mediators.get(&m) {
            out.entry(s).or_default().push(m.clone());
        }
    }
    Ok(out)
}

/// A party named in a new report.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NewParty {
    /// Role in the case.
    pub role: PartyRole,
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: Option<String>,
    /// Resident ID number.
    pub resident_id: Option<String>,
    /// Another identity document (a passport, a travel permit): kind, number, issuing country.
    pub id_document: Option<(IdDocumentKind, String, String)>,
    /// Address.
    pub address: Option<String>,
}

/// Input for `reportCase`.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct NewReport {
    /// Kind.
    pub kind: Option<CaseKind>,
    /// Category.
    pub category: Option<CaseCategory>,
    /// Short title.
    pub title: String,
    /// What happened.
    pub description: String,
    /// Channel (staff only; others get their role's channel).
    pub source: Option<CaseSource>,
    /// Reporter's name.
    pub reporter_name: Option<String>,
    /// Reporter's phone.
    pub reporter_phone: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Latitude, in `coordinate_system`.
    pub latitude: Option<f64>,
    /// Longitude, in `coordinate_system`.
    pub longitude: Option<f64>,
    /// The system of `latitude`/`longitude` (WGS-84 when `None`); stored as WGS-84.
    pub coordinate_system: Option<CoordinateSystem>,
    /// Grid.
    pub grid_id: Option<Uuid>,
    /// Enterprise concerned, by id (must be one the reporter may read).
    pub enterprise_id: Option<Uuid>,
    /// Enterprise concerned, by its unified social credit code (public; any reporter may name
    /// one this way without gaining any read of it).
    pub enterprise_credit_code: Option<String>,
    /// When it happened.
    pub occurred_at: Option<DateTime<Utc>>,
    /// Parties.
    pub parties: Vec<NewParty>,
    /// Retry key: a retry with the same key and input returns the first answer.
    #[serde(skip)]
    pub idempotency_key: Option<String>,
}

fn reporter_role(role: Role) -> ReporterRole {
    match role {
        Role::Citizen => ReporterRole::Citizen,
        Role::GridWorker => ReporterRole::GridWorker,
        Role::CommunityPolice | Role::Commander => ReporterRole::Officer,
        Role::Volunteer => ReporterRole::Volunteer,
        Role::EnterpriseLiaison => ReporterRole::Enterprise,
        Role::Platform => ReporterRole::Platform,
        Role::Anonymous => ReporterRole::Anonymous,
        Role::Mediator | Role::DepartmentStaff | Role::Admin => ReporterRole::Other,
    }
}

fn default_source(role: Role) -> CaseSource {
    match role {
        Role::GridWorker => CaseSource::GridWorker,
        Role::CommunityPolice | Role::Commander | Role::Admin | Role::DepartmentStaff | Role::Mediator => {
            CaseSource::Officer
        }
        Role::EnterpriseLiaison => CaseSource::EnterprisePortal,
        Role::Citizen | Role::Volunteer | Role::Platform | Role::Anonymous => CaseSource::MiniProgram,
    }
}

/// Roles that may state the channel a report came through (they relay calls and platforms).
fn may_set_source(role: Role) -> bool {
    matches!(
        role,
        Role::Commander | Role::CommunityPolice | Role::Admin | Role::Platform
    )
}

/// Validated report fields.
struct CleanReport {
    title: String,
    description: String,
    reporter_name: Option<String>,
    reporter_phone: Option<String>,
    address: Option<String>,
    parties: Vec<Party>,
}

fn clean(input: &NewReport) -> AppResult<CleanReport> {
    let title = validate::text(&input.title, 1, 200).map_err(|m| AppError::bad_input("input.title", m))?;
    let description = validate::text(&input.description, 1, 4000)
        .map_err(|m| AppError::bad_input("input.description", m))?;
    let reporter_name = opt_text("input.reporterName", input.reporter_name.as_deref(), 64)?;
    let reporter_phone = opt_phone("input.reporterPhone", input.reporter_phone.as_deref())?;
    let address = opt_text("input.address", input.address.as_deref(), 200)?;
    validate::coordinates(input.latitude, input.longitude)
        .map_err(|(f, m)| AppError::bad_input(format!("input.{f}"), m))?;
    if let Some(t) = input.occurred_at {
        if t > Utc::now() + chrono::Duration::minutes(5) {
            return Err(AppError::bad_input(
                "input.occurredAt",
                "must not be in the future",
            ));
        }
        if t.year() < 1900 {
            return Err(AppError::bad_input(
                "input.occurredAt",
                "must not be before 1900 (a mistyped year?)",
            ));
        }
    }
    if input.parties.len() > 50 {
        return Err(AppError::bad_input("input.parties", "at most 50 parties"));
    }
    let mut parties = Vec::new();
    for (i, p) in input.parties.iter().enumerate() {
        let name = validate::text(&p.name, 1, 64)
            .map_err(|m| AppError::bad_input(format!("input.parties[{i}].name"), m))?;
        let phone = opt_phone(&format!("input.parties[{i}].phone"), p.phone.as_deref())?;
        let resident_id = p
            .resident_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|r| {
                validate::resident_id(r)
                    .map_err(|m| AppError::bad_input(format!("input.parties[{i}].residentId"), m))
            })
            .transpose()?;
        let id_document = p
            .id_document
            .as_ref()
            .map(|(kind, number, country)| {
                let at = |f: &str| format!("input.parties[{i}].idDocument.{f}");
                let number =
                    validate::document_number(number).map_err(|m| AppError::bad_input(at("number"), m))?;
                let country =
                    validate::country_alpha3(country).map_err(|m| AppError::bad_input(at("country"), m))?;
                Ok::<_, AppError>((*kind, number, country))
            })
            .transpose()?;
        if resident_id.is_some() && id_document.is_some() {
            return Err(AppError::bad_input(
                format!("input.parties[{i}].idDocument"),
                "give a resident ID or another identity document, not both",
            ));
        }
        let address = opt_text(&format!("input.parties[{i}].address"), p.address.as_deref(), 200)?;
        parties.push(Party {
            role: p.role,
            name,
            phone,
            resident_id,
            id_document,
            address,
        });
    }
    Ok(CleanReport {
        title,
        description,
        reporter_name,
        reporter_phone,
        address,
        parties,
    })
}

/// Records a new case reported by a citizen, grid worker, officer, volunteer, enterprise
/// liaison or platform, through the case journal: its parties, first timeline entry, events
/// and duplicate check in one transaction. With an idempotency key, a retry (also one that
/// arrives while the first is still running) answers the first call's case.
pub async fn report(store: &Store, actor: &Actor, input: NewReport) -> AppResult<case::Model> {
    Ok(report_with_evidence(store, actor, input, Evidence::default())
        .await?
        .case)
}

/// A new case and whether its position came from a photo.
#[derive(Clone, Debug)]
pub struct Reported {
    /// The case.
    pub case: case::Model,
    /// The report had no position and took the one a photo's EXIF carried (the photo is
    /// stored without it).
    pub location_from_photo: bool,
}

/// [`report`] with evidence files: files in the request and earlier uploads, checked before
/// the transaction and stored with the case (nothing stays when the report fails). A report
/// with no position of its own takes the one a photo carried (a given grid still decides the
/// grid).
pub async fn report_with_evidence(
    store: &Store,
    actor: &Actor,
    mut input: NewReport,
    evidence: Evidence,
) -> AppResult<Reported> {
    if actor.is_anonymous() {
        return Err(AppError::Unauthenticated(
            "sign in, or report through a report code (民情码)".into(),
        ));
    }
    let checked = attachment::check_evidence(&store.files, evidence).await?;
    let key = if checked.is_empty() {
        idempotency::Request::of(
            actor,
            input.idempotency_key.as_deref(),
            "reportCase",
            None,
            &input,
        )?
    } else {
        idempotency::Request::of(
            actor,
            input.idempotency_key.as_deref(),
            "reportCase",
            None,
            &(&input, checked.fingerprint()),
        )?
    };
    let mut j = match Journal::open(store, key).await? {
        Opened::Fresh(j) => j,
        Opened::Replayed(first) => {
            let case = journal::replayed_case(&store.db, actor, first).await?;
            let location_from_photo = input.latitude.is_none() && case.latitude.is_some();
            return Ok(Reported {
                case,
                location_from_photo,
            });
        }
    };
    let settled = attachment::settle(j.txn(), &store.files, actor, None, &checked).await?;
    let mut location_from_photo = false;
    if let (None, None, Some((lat, lng))) = (input.latitude, input.longitude, settled.position) {
        input.latitude = Some(lat);
        input.longitude = Some(lng);
        input.coordinate_system = Some(CoordinateSystem::Wgs84);
        location_from_photo = true;
    }
    let mut new = prepare(j.txn(), actor, &input, None).await?;
    new.attachments = settled.rows;
    attachment::store_then(&store.files, &checked, async {
        let created = j.create(actor, new).await?;
        j.commit(&created.case).await?;
        Ok(Reported {
            case: created.case,
            location_from_photo,
        })
    })
    .await
}

/// Validates a report and resolves every id in it through `actor`'s scope, giving the case
/// the journal writes. `origin` is the platform whose sync reports it.
///
/// A reporter names an enterprise by id only when they may read it; any reporter may name one
/// by its (public) credit code, which links the case to it without any read of it: the
/// enterprise stays invisible to a reporter who could not read it before (the case shows its
/// registered name only).
pub async fn prepare<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    input: &NewReport,
    origin: Option<Uuid>,
) -> AppResult<NewCase> {
    let c = clean(input)?;
    let source = match input.source {
        Some(s) if may_set_source(actor.role) => s,
        Some(_) => {
            return Err(AppError::bad_input(
                "input.source",
                "only officers, commanders and platforms may state the source channel",
            ))
        }
        None => default_source(actor.role),
    };
    let by_code = match input
        .enterprise_credit_code
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(_) if input.enterprise_id.is_some() => {
            return Err(AppError::bad_input(
                "input.enterpriseCreditCode",
                "name the enterprise by id or by credit code, not both",
            ))
        }
        Some(code) => {
            let code = validate::credit_code(code)
                .map_err(|m| AppError::bad_input("input.enterpriseCreditCode", m))?;
            let e = entity::enterprise::Entity::find()
                .filter(entity::enterprise::Column::CreditCode.eq(code))
                .one(txn)
                .await?
                .ok_or_else(|| {
                    AppError::not_found_at("input.enterpriseCreditCode", "no enterprise has this credit code")
                })?;
            Some(e)
        }
    };
    let enterprise = match (actor.role, input.enterprise_id, by_code) {
        (Role::EnterpriseLiaison, Some(e), _) if Some(e) != actor.scope.enterprise => {
            return Err(AppError::not_found_at(
                "input.enterpriseId",
                "a liaison reports for their own enterprise only",
            ))
        }
        (_, _, Some(e)) => Some(e),
        (_, Some(e), None) => Some(
            super::get::<entity::enterprise::Entity, _>(txn, actor, e)
                .await
                .map_err(|e| not_found_as_input(e, "input.enterpriseId", "no such enterprise"))?,
        ),
        (Role::EnterpriseLiaison, None, None) => match actor.scope.enterprise {
            Some(own) => Some(
                super::get::<entity::enterprise::Entity, _>(txn, actor, own)
                    .await
                    .map_err(|e| not_found_as_input(e, "input.enterpriseId", "no such enterprise"))?,
            ),
            None => None,
        },
        (_, None, None) => None,
    };
    let kind = input
        .kind
        .unwrap_or(if enterprise.is_some() && actor.role == Role::EnterpriseLiaison {
            CaseKind::EnterpriseCase
        } else {
            CaseKind::PoliceIncident
        });
    if let Some(g) = input.grid_id {
        super::get::<grid::Entity, _>(txn, actor, g)
            .await
            .map_err(|e| not_found_as_input(e, "input.gridId", "no such grid"))?;
    }
    // The reporter's grid, else the enterprise's, else the one the position lies in.
    let position = input
        .latitude
        .zip(input.longitude)
        .map(|(lat, lng)| places::to_wgs84(input.coordinate_system.unwrap_or_default(), lat, lng));
    let (grid_id, placement) = match (
        input.grid_id,
        enterprise.as_ref().and_then(|e| e.grid_id),
        position,
    ) {
        (Some(g), _, _) => (Some(g), Some(Placement::Given)),
        (None, Some(g), _) => (Some(g), Some(Placement::Enterprise)),
        (None, None, Some((lat, lng))) => super::grid::place(txn, lat, lng).await?.unzip(),
        (None, None, None) => (None, None),
    };
    Ok(NewCase {
        kind,
        category: input.category,
        title: c.title,
        description: c.description,
        source,
        reporter_role: reporter_role(actor.role),
        reporter_subject: actor.subject.clone(),
        reporter_name: c.reporter_name,
        reporter_phone: c.reporter_phone,
        address: c.address,
        latitude: position.map(|p| p.0),
        longitude: position.map(|p| p.1),
        grid_id,
        placement,
        enterprise_id: enterprise.map(|e| e.id),
        room_id: None,
        report_code_id: None,
        tracking_token_hash: None,
        occurred_at: input.occurred_at,
        parties: c.parties,
        attachments: Vec::new(),
        origin,
    })
}
