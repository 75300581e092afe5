//! The demo district (development mode only): the fictional 枫桥示范区 with its grids, police
//! grids, units, staff, mediation rooms, volunteer teams, enterprises, platforms, report codes
//! and three dozen cases — the eight stories of DOMAIN.md among them — loaded in one
//! transaction into an empty database, plus the scope of a ready-made token for every role.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use entity::{
    case, case_assignment, case_party, case_timeline_entry, case_volunteer_task, enterprise,
    enterprise_contact,
    enums::{
        AssignmentStatus, CaseCategory, CaseKind, CaseSource, CaseStatus, ExternalEntity, FollowUpMethod,
        GridKind, GridLevel, MediationLevel, MediatorKind, MembershipRole, PartyRole, PersonKind,
        PlatformKind, ReporterRole, RiskColour, SessionOutcome, Severity, Skill, TimelineKind, UnitKind,
        VolunteerStatus, VolunteerTaskKind, VolunteerTaskStatus, VolunteerTeamKind,
    },
    external_ref, follow_up, grid, mediation_room, mediation_session, mediator, mediator_language, person,
    platform, police_grid_coverage, report_code, session_mediator, unit, volunteer, volunteer_honour,
    volunteer_language, volunteer_membership, volunteer_skill, volunteer_team,
};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::{
    auth::{Role, Scope},
    db::begin_write,
    error::{AppError, AppResult},
    service::now,
    validate,
};

/// Code of the root community grid of the demo district.
const DISTRICT_CODE: &str = "DEMO-DISTRICT";
/// Code of the 武林警格 police grid (the community police officer's scope).
const POLICE_WULIN_CODE: &str = "DEMO-POLICE-WULIN";
/// Code of the market-supervision unit (the department staff's scope).
const MARKET_CODE: &str = "DEMO-MARKET";
/// Code of the 110 dispatch platform (the platform account's scope).
const PLATFORM_110_CODE: &str = "DEMO-110";
/// Name of the volunteer team of the demo volunteer.
const RESCUE_TEAM: &str = "雄鹰救援队";

const CITIZEN_SUBJECT: &str = "demo-citizen";
const COMMANDER_SUBJECT: &str = "demo-commander";
const ADMIN_SUBJECT: &str = "demo-admin";
const GRID_WORKER_SUBJECT: &str = "demo-grid-worker";
const COMMUNITY_POLICE_SUBJECT: &str = "demo-community-police";
const MEDIATOR_SUBJECT: &str = "demo-mediator";
const VOLUNTEER_SUBJECT: &str = "demo-volunteer";
const LIAISON_SUBJECT: &str = "demo-enterprise-liaison";
const DEPARTMENT_STAFF_SUBJECT: &str = "demo-department-staff";
const PLATFORM_110_SUBJECT: &str = "demo-platform-110";

/// Loads the demo district into an empty database (no rows in `grids`); returns true when it
/// loaded. Everything is written in one transaction: all or nothing.
pub async fn seed_if_empty(db: &DatabaseConnection) -> AppResult<bool> {
    let txn = begin_write(db).await?;
    if grid::Entity::find().one(&txn).await?.is_some() {
        txn.rollback().await?;
        return Ok(false);
    }
    let mut seed = Seed::new(&txn);
    seed.run().await?;
    txn.commit().await?;
    Ok(true)
}

/// A ready token for every role of the demo district (development), for the console and
/// GraphiQL's role picker. Roles whose demo account is missing are left out.
pub async fn ready_tokens(
    db: &DatabaseConnection,
    keys: &crate::auth::JwtKeys,
    ttl: std::time::Duration,
) -> Vec<(Role, String)> {
    let mut out = Vec::new();
    for role in Role::TOKEN_ROLES {
        match token_scope(db, role).await {
            Ok((scope, sub)) => match keys.mint(&sub, role, scope, ttl) {
                Ok(t) => out.push((role, t)),
                Err(e) => tracing::warn!(error = %e, "could not mint a demo token"),
            },
            Err(e) => tracing::debug!(error = %e, role = role.as_str(), "no demo scope"),
        }
    }
    out
}

/// The demo district's report codes: (code, label), for the console.
pub async fn report_codes(db: &DatabaseConnection) -> AppResult<Vec<(String, String)>> {
    let codes = crate::service::visible::<report_code::Entity, _>(db, &crate::auth::Actor::system())
        .await?
        .filter(report_code::Column::Active.eq(true))
        .order_by_asc(report_code::Column::Code)
        .all(db)
        .await?;
    Ok(codes.into_iter().map(|c| (c.code, c.label)).collect())
}

/// The demo scope and token subject for a role, looked up by the well-known codes, names and
/// subjects of the demo district; an `INTERNAL` error naming what is missing when the demo
/// data is absent, and a `BAD_USER_INPUT` error for [`Role::Anonymous`] (no token).
pub async fn token_scope(db: &DatabaseConnection, role: Role) -> AppResult<(Scope, String)> {
    if role == Role::Anonymous {
        return Err(AppError::bad_input("role", "anonymous callers carry no token"));
    }
    let district = grid_id(db, DISTRICT_CODE).await?;
    let mut scope = Scope::default();
    let subject = match role {
        Role::Anonymous | Role::Citizen => CITIZEN_SUBJECT,
        // The demo's commander and admin run the whole district: the explicit claim, so they
        // also see reports that no grid holds yet.
        Role::Commander => {
            scope.jurisdiction = Some(crate::auth::Jurisdiction::All);
            scope.grids = vec![district];
            COMMANDER_SUBJECT
        }
        Role::Admin => {
            scope.jurisdiction = Some(crate::auth::Jurisdiction::All);
            scope.grids = vec![district];
            ADMIN_SUBJECT
        }
        Role::GridWorker => {
            let p = person_by_subject(db, GRID_WORKER_SUBJECT).await?;
            scope.grids = vec![p.grid_id.ok_or_else(|| missing("the grid worker's grid"))?];
            scope.person = Some(p.id);
            GRID_WORKER_SUBJECT
        }
        Role::CommunityPolice => {
            let p = person_by_subject(db, COMMUNITY_POLICE_SUBJECT).await?;
            scope.grids = vec![grid_id(db, POLICE_WULIN_CODE).await?];
            scope.person = Some(p.id);
            COMMUNITY_POLICE_SUBJECT
        }
        Role::Mediator => {
            let m = mediator::Entity::find()
                .filter(mediator::Column::Subject.eq(MEDIATOR_SUBJECT))
                .one(db)
                .await?
                .ok_or_else(|| missing("mediator demo-mediator"))?;
            scope.room = Some(m.room_id);
            scope.person = Some(m.id);
            MEDIATOR_SUBJECT
        }
        Role::Volunteer => {
            let v = volunteer::Entity::find()
                .filter(volunteer::Column::Subject.eq(VOLUNTEER_SUBJECT))
                .one(db)
                .await?
                .ok_or_else(|| missing("volunteer demo-volunteer"))?;
            let team = volunteer_team::Entity::find()
                .filter(volunteer_team::Column::Name.eq(RESCUE_TEAM))
                .one(db)
                .await?
                .ok_or_else(|| missing("volunteer team 雄鹰救援队"))?;
            scope.team = Some(team.id);
            scope.person = Some(v.id);
            VOLUNTEER_SUBJECT
        }
        Role::EnterpriseLiaison => {
            let p = person_by_subject(db, LIAISON_SUBJECT).await?;
            scope.enterprise = Some(
                p.enterprise_id
                    .ok_or_else(|| missing("the liaison's enterprise"))?,
            );
            scope.person = Some(p.id);
            LIAISON_SUBJECT
        }
        Role::DepartmentStaff => {
            let p = person_by_subject(db, DEPARTMENT_STAFF_SUBJECT).await?;
            let u = unit::Entity::find()
                .filter(unit::Column::Code.eq(MARKET_CODE))
                .one(db)
                .await?
                .ok_or_else(|| missing("unit DEMO-MARKET"))?;
            scope.unit = Some(u.id);
            scope.person = Some(p.id);
            DEPARTMENT_STAFF_SUBJECT
        }
        Role::Platform => {
            let p = platform::Entity::find()
                .filter(platform::Column::Code.eq(PLATFORM_110_CODE))
                .one(db)
                .await?
                .ok_or_else(|| missing("platform DEMO-110"))?;
            scope.platform = Some(p.id);
            PLATFORM_110_SUBJECT
        }
    };
    Ok((scope, subject.to_owned()))
}

fn missing(what: &str) -> AppError {
    AppError::Internal(format!(
        "the demo district is not loaded ({what} is missing); start the server in development \
         mode on an empty database with FENGQIAO_DEMO_DATA left on"
    ))
}

async fn grid_id(db: &DatabaseConnection, code: &str) -> AppResult<Uuid> {
    grid::Entity::find()
        .filter(grid::Column::Code.eq(code))
        .one(db)
        .await?
        .map(|g| g.id)
        .ok_or_else(|| missing(&format!("grid {code}")))
}

async fn person_by_subject(db: &DatabaseConnection, subject: &str) -> AppResult<person::Model> {
    person::Entity::find()
        .filter(person::Column::Subject.eq(subject))
        .one(db)
        .await?
        .ok_or_else(|| missing(&format!("person {subject}")))
}

// ---------------------------------------------------------------------------------------------
// Check characters, so every identifier in the data is valid.

/// A resident identity number of the demo district (region 330105) from the birth date and
/// sequence (`YYYYMMDD` + 3 digits), with its check character.
fn resident_id(birth_and_seq: &str) -> String {
    let body = format!("330105{birth_and_seq}");
    format!("{body}{}", validate::resident_id_check(&body))
}

/// A unified social credit code of a company registered in the demo district (prefix
/// `91330105`) from its 9-character organisation code, with its check character.
fn credit_code(organisation: &str) -> String {
    let body = format!("91330105{organisation}");
    format!("{body}{}", validate::credit_code_check(&body))
}

// ---------------------------------------------------------------------------------------------
// Who did what on a timeline.

/// The actor of a timeline step: the case's reporter, or a demo account (subject, role).
#[derive(Clone, Copy)]
enum Who {
    Reporter,
    As(&'static str, &'static str),
}

const SYSTEM: Who = Who::As("system", "admin");
const CMD: Who = Who::As(COMMANDER_SUBJECT, "commander");
const HEAD: Who = Who::As("demo-station-head", "commander");
const POLICE: Who = Who::As(COMMUNITY_POLICE_SUBJECT, "community-police");
const OFFICER_CM: Who = Who::As("demo-officer-chaoming", "community-police");
const OFFICER_XH: Who = Who::As("demo-officer-xiaohe", "community-police");
const LIAISON_OFFICER: Who = Who::As("demo-officer-liaison", "community-police");
const GRID: Who = Who::As(GRID_WORKER_SUBJECT, "grid-worker");
const GRID_CM: Who = Who::As("demo-grid-worker-chaoming", "grid-worker");
const GRID_XH: Who = Who::As("demo-grid-worker-xiaohe", "grid-worker");
const COGOV: Who = Who::As("demo-co-governance", "grid-worker");
const MARKET: Who = Who::As(DEPARTMENT_STAFF_SUBJECT, "department-staff");
const LAW: Who = Who::As("demo-law-enforcement", "department-staff");
const FIRE: Who = Who::As("demo-fire-staff", "department-staff");
const JUSTICE: Who = Who::As("demo-justice-staff", "department-staff");
const PETITIONS: Who = Who::As("demo-petitions-staff", "department-staff");
const GAS: Who = Who::As("demo-gas-staff", "department-staff");
const MEDIATOR: Who = Who::As(MEDIATOR_SUBJECT, "mediator");
const MEDIATOR_JOINT: Who = Who::As("demo-mediator-joint", "mediator");
const MEDIATOR_HALL: Who = Who::As("demo-mediator-hall", "mediator");
const MEDIATOR_DISTRICT: Who = Who::As("demo-mediator-district", "mediator");
const MEDIATOR_COURT: Who = Who::As("demo-mediator-court", "mediator");
const VOLUNTEER: Who = Who::As(VOLUNTEER_SUBJECT, "volunteer");
const DAMA: Who = Who::As("demo-volunteer-wulin", "volunteer");

/// Who reported a case.
struct Reporter {
    role: ReporterRole,
    subject: Option<&'static str>,
    name: Option<&'static str>,
    phone: Option<&'static str>,
    actor_role: &'static str,
}

/// The demo citizen, reporting through the mini-program.
fn citizen() -> Reporter {
    Reporter {
        role: ReporterRole::Citizen,
        subject: Some(CITIZEN_SUBJECT),
        name: Some("林小雨"),
        phone: Some("15800000001"),
        actor_role: "citizen",
    }
}

/// A resident without an account (walk-in, phone call relayed by staff).
fn walk_in(name: &'static str, phone: &'static str) -> Reporter {
    Reporter {
        role: ReporterRole::Citizen,
        subject: None,
        name: Some(name),
        phone: Some(phone),
        actor_role: "citizen",
    }
}

/// Someone who scanned a report code without an account.
fn anonymous() -> Reporter {
    Reporter {
        role: ReporterRole::Anonymous,
        subject: None,
        name: None,
        phone: None,
        actor_role: "anonymous",
    }
}

/// A record sent by an integrated platform, with the caller it relays.
fn via(platform_subject: &'static str, name: Option<&'static str>, phone: Option<&'static str>) -> Reporter {
    Reporter {
        role: ReporterRole::Platform,
        subject: Some(platform_subject),
        name,
        phone,
        actor_role: "platform",
    }
}

/// A staff member, volunteer or enterprise liaison reporting under their own account.
fn staff(role: ReporterRole, who: Who, name: &'static str, phone: &'static str) -> Reporter {
    let (subject, actor_role) = match who {
        Who::Reporter => (None, "other"),
        Who::As(s, r) => (Some(s), r),
    };
    Reporter {
        role,
        subject,
        name: Some(name),
        phone: Some(phone),
        actor_role,
    }
}

// ---------------------------------------------------------------------------------------------
// Case tables.

/// One timeline entry after the first, `at` minutes after the case was reported.
struct Step {
    at: i64,
    kind: TimelineKind,
    who: Who,
    unit: Option<Uuid>,
    note: Option<&'static str>,
}

fn st(at: i64, kind: TimelineKind, who: Who, note: &'static str) -> Step {
    Step {
        at,
        kind,
        who,
        unit: None,
        note: Some(note),
    }
}

fn su(at: i64, kind: TimelineKind, who: Who, unit: Uuid, note: &'static str) -> Step {
    Step {
        at,
        kind,
        who,
        unit: Some(unit),
        note: Some(note),
    }
}

const fn h(hours: i64) -> i64 {
    hours * 60
}

const fn d(days: i64) -> i64 {
    days * 24 * 60
}

/// A unit assignment; its times come from the DISPATCHED and ACCEPTED steps naming the unit.
struct Asg {
    unit: Uuid,
    lead: bool,
    status: AssignmentStatus,
}

fn lead(unit: Uuid, status: AssignmentStatus) -> Asg {
    Asg {
        unit,
        lead: true,
        status,
    }
}

fn support(unit: Uuid, status: AssignmentStatus) -> Asg {
    Asg {
        unit,
        lead: false,
        status,
    }
}

/// A party; `resident_id` is birth date and sequence (see [`resident_id`]).
struct Party {
    role: PartyRole,
    name: &'static str,
    phone: Option<&'static str>,
    resident_id: Option<&'static str>,
    address: Option<&'static str>,
    enterprise: Option<Uuid>,
}

fn party(
    role: PartyRole,
    name: &'static str,
    phone: Option<&'static str>,
    resident_id: Option<&'static str>,
) -> Party {
    Party {
        role,
        name,
        phone,
        resident_id,
        address: None,
        enterprise: None,
    }
}

fn org(role: PartyRole, name: &'static str, enterprise: Option<Uuid>) -> Party {
    Party {
        role,
        name,
        phone: None,
        resident_id: None,
        address: None,
        enterprise,
    }
}

/// A mediation session; held at the time of the matching MEDIATION_SESSION step (in order).
struct Sess {
    room: Uuid,
    level: MediationLevel,
    outcome: SessionOutcome,
    agreement: Option<&'static str>,
    judicial_confirmed: bool,
    notes: &'static str,
    mediators: Vec<Uuid>,
}

/// A volunteer task, created at the VOLUNTEERS_ASSIGNED step; check in/out in minutes after
/// the report.
struct Task {
    team: Option<Uuid>,
    volunteer: Option<Uuid>,
    kind: VolunteerTaskKind,
    status: VolunteerTaskStatus,
    check: Option<(i64, i64)>,
    coords: Option<(f64, f64)>,
}

/// A follow-up visit, made at the time of the FOLLOWED_UP step.
struct Fu {
    method: FollowUpMethod,
    visitor: &'static str,
    ratings: (i16, i16, i16),
    satisfied: bool,
    comment: &'static str,
}

/// One demo case: reported about `ago` minutes before now (see [`reported_ago`]), then its steps.
struct CaseSpec {
    kind: CaseKind,
    category: Option<CaseCategory>,
    title: &'static str,
    description: &'static str,
    colour: Option<RiskColour>,
    severity: Option<Severity>,
    source: CaseSource,
    reporter: Reporter,
    logged_by: Who,
    report_note: Option<&'static str>,
    address: Option<&'static str>,
    coords: Option<(f64, f64)>,
    grid: Uuid,
    enterprise: Option<Uuid>,
    room: Option<Uuid>,
    report_code: Option<Uuid>,
    ago: i64,
    occurred_before: i64,
    steps: Vec<Step>,
    assignments: Vec<Asg>,
    parties: Vec<Party>,
    sessions: Vec<Sess>,
    tasks: Vec<Task>,
    follow_up: Option<Fu>,
    external: Option<(Uuid, &'static str)>,
}

/// A case with only the essentials set; the rest is filled in with struct update syntax.
fn base(
    kind: CaseKind,
    category: CaseCategory,
    source: CaseSource,
    reporter: Reporter,
    grid: Uuid,
    ago: i64,
) -> CaseSpec {
    CaseSpec {
        kind,
        category: Some(category),
        title: "",
        description: "",
        colour: None,
        severity: None,
        source,
        reporter,
        logged_by: Who::Reporter,
        report_note: None,
        address: None,
        coords: None,
        grid,
        enterprise: None,
        room: None,
        report_code: None,
        ago,
        occurred_before: 20,
        steps: Vec::new(),
        assignments: Vec::new(),
        parties: Vec::new(),
        sessions: Vec::new(),
        tasks: Vec::new(),
        follow_up: None,
        external: None,
    }
}

/// The status a timeline step moves the case to, if any.
fn status_after(kind: TimelineKind, current: CaseStatus) -> Option<CaseStatus> {
    use CaseStatus as S;
    use TimelineKind as K;
    let early = matches!(current, S::Reported | S::Assessed | S::Dispatched);
    match kind {
        K::Reported => Some(S::Reported),
        K::Assessed if current == S::Reported => Some(S::Assessed),
        K::Dispatched if matches!(current, S::Reported | S::Assessed) => Some(S::Dispatched),
        K::Accepted | K::Handling if early => Some(S::InHandling),
        K::MediationReferred => Some(S::Mediating),
        K::Resolved => Some(S::Resolved),
        K::Unresolved => Some(S::Unresolved),
        K::FedBack => Some(S::FedBack),
        K::FollowedUp => Some(S::FollowedUp),
        K::Closed => Some(S::Closed),
        K::Reopened => Some(S::InHandling),
        _ => None,
    }
}

/// First-response and resolution deadlines (minutes after assessment) by colour and kind.
fn deadlines(colour: RiskColour, kind: CaseKind) -> (i64, i64) {
    let (first, resolve) = match colour {
        RiskColour::Red => (30, d(1)),
        RiskColour::Orange => (h(2), d(3)),
        RiskColour::Yellow => (h(12), d(7)),
        RiskColour::Green => (h(24), d(15)),
    };
    if kind == CaseKind::Dispute {
        (first, resolve.max(d(30)))
    } else {
        (first, resolve)
    }
}

/// How long before now a case was reported: its table value, moved a few hours further into
/// the past for cases older than a day so that reports do not all share one time of day.
fn reported_ago(ago: i64) -> i64 {
    if ago < d(1) {
        ago
    } else {
        ago + (ago / d(1) * 37) % h(8)
    }
}

fn bad_data(title: &str, what: &str) -> AppError {
    AppError::Internal(format!("demo case “{title}”: {what}"))
}

// ---------------------------------------------------------------------------------------------
// Ids of the master data, for the case tables.

struct Grids {
    district: Uuid,
    wulin: Uuid,
    chaoming: Uuid,
    xiaohe: Uuid,
    wll: Uuid,
    zgx: Uuid,
    dy: Uuid,
    fq: Uuid,
    xhl: Uuid,
    dsxc: Uuid,
    wll1: Uuid,
    wll2: Uuid,
    wll1_t1: Uuid,
    police_wulin: Uuid,
    police_chaoming: Uuid,
}

struct Units {
    station_wulin: Uuid,
    station_chaoming: Uuid,
    station_xiaohe: Uuid,
    office_tian: Uuid,
    office_tong: Uuid,
    command: Uuid,
    gov_wulin: Uuid,
    law: Uuid,
    market: Uuid,
    justice: Uuid,
    fire: Uuid,
    petitions: Uuid,
    gas: Uuid,
}

struct Enterprises {
    guangdian: Uuid,
    chem: Uuid,
    textile: Uuid,
    silk: Uuid,
    catering: Uuid,
}

struct Rooms {
    laochen: Uuid,
    district: Uuid,
    joint: Uuid,
    hall: Uuid,
    court: Uuid,
}

struct Mediators {
    chen: Uuid,
    lin: Uuid,
    ali: Uuid,
    huang: Uuid,
    deng: Uuid,
    liu: Uuid,
    he: Uuid,
    zhang: Uuid,
    qian: Uuid,
    sun: Uuid,
    yang: Uuid,
    zheng: Uuid,
}

struct Teams {
    dama: Uuid,
    hongxiang: Uuid,
    eagle: Uuid,
}

struct Volunteers {
    zhou_hai: Uuid,
    demo: Uuid,
    wang_xiuying: Uuid,
    fang_min: Uuid,
}

struct Platforms {
    p110: Uuid,
    four: Uuid,
    police_grid: Uuid,
    smart: Uuid,
    hotline: Uuid,
    ezwl: Uuid,
}

struct Ids {
    g: Grids,
    u: Units,
    e: Enterprises,
    r: Rooms,
    m: Mediators,
    t: Teams,
    v: Volunteers,
    p: Platforms,
    lamp_code: Uuid,
}

/// A volunteer row of the master data.
struct VolunteerRow {
    subject: Option<&'static str>,
    name: &'static str,
    phone: &'static str,
    resident_id: &'static str,
    status: VolunteerStatus,
    minutes: i64,
    teams: Vec<(Uuid, MembershipRole)>,
    skills: &'static [Skill],
    languages: &'static [&'static str],
    honours: &'static [(&'static str, &'static str, i64)],
}

/// (subject, name, kind, phone, resident id, unit, grid, enterprise)
type PersonRow = (
    &'static str,
    &'static str,
    PersonKind,
    &'static str,
    &'static str,
    Option<Uuid>,
    Option<Uuid>,
    Option<Uuid>,
);

/// (subject, room, name, kind, phone, nationality, languages)
type MediatorRow = (
    Option<&'static str>,
    Uuid,
    &'static str,
    MediatorKind,
    &'static str,
    &'static str,
    &'static [&'static str],
);

// ---------------------------------------------------------------------------------------------
// The loader.

struct Seed<'a> {
    txn: &'a DatabaseTransaction,
    /// Ids drawn so far: every demo record gets the same id on every fresh demo (see [`Seed::id`]).
    drawn: std::sync::atomic::AtomicU64,
    /// Cases numbered so far (`FQDEMO000001`, …).
    numbered: u32,
    now: DateTime<Utc>,
    /// When the master data was registered (before every case).
    since: DateTime<Utc>,
    /// Service minutes earned by volunteers on the demo tasks.
    earned: HashMap<Uuid, i64>,
}

impl<'a> Seed<'a> {
    fn new(txn: &'a DatabaseTransaction) -> Self {
        let now = now();
        Seed {
            txn,
            drawn: std::sync::atomic::AtomicU64::new(0),
            numbered: 0,
            now,
            since: now - TimeDelta::days(150),
            earned: HashMap::new(),
        }
    }

    /// The next demo id: a UUIDv7 whose time is a fixed day (2026-01-01) plus the number of
    /// ids drawn before, and whose random part is derived from that number. Records are
    /// inserted in a fixed order, so every fresh demo district has the same ids (the README's
    /// examples name some) and they sort in insertion order, before any real record.
    fn id(&self) -> Uuid {
        use sha2::{Digest, Sha256};
        const EPOCH_MS: u64 = 1_767_225_600_000;
        let n = self.drawn.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let hash = Sha256::digest(format!("fengqiao demo id {n}").as_bytes());
        let mut random = [0u8; 10];
        random.copy_from_slice(&hash[..10]);
        uuid::Builder::from_unix_timestamp_millis(EPOCH_MS + n, &random).into_uuid()
    }

    async fn run(&mut self) -> AppResult<()> {
        use sea_orm::sea_query::ExprTrait;
        let ids = self.master_data().await?;
        let mut specs = cases(&ids);
        specs.sort_by_key(|c| std::cmp::Reverse(reported_ago(c.ago)));
        for spec in specs {
            self.case(spec).await?;
        }
        for (id, minutes) in &self.earned {
            volunteer::Entity::update_many()
                .col_expr(
                    volunteer::Column::ServiceMinutes,
                    Expr::col(volunteer::Column::ServiceMinutes).add(*minutes),
                )
                .filter(volunteer::Column::Id.eq(*id))
                .exec(self.txn)
                .await?;
        }
        Ok(())
    }

    async fn grid(
        &self,
        code: &str,
        name: &str,
        level: GridLevel,
        kind: GridKind,
        parent: Option<&grid::Model>,
    ) -> AppResult<grid::Model> {
        let id = self.id();
        let (path, depth) = match parent {
            None => (format!("/{}/", id.simple()), 0),
            Some(p) => (format!("{}{}/", p.path, id.simple()), p.depth + 1),
        };
        Ok(grid::ActiveModel {
            id: Set(id),
            code: Set(code.to_owned()),
            name: Set(name.to_owned()),
            level: Set(level),
            kind: Set(kind),
            parent_id: Set(parent.map(|p| p.id)),
            path: Set(path),
            depth: Set(depth),
            created_at: Set(self.since),
            updated_at: Set(self.since),
            ..Default::default()
        }
        .insert(self.txn)
        .await?)
    }

    /// Sets a box-shaped outline `[west, south, east, north]` (WGS-84) on grid `id`.
    async fn outline(&self, id: Uuid, b: [f64; 4]) -> AppResult<()> {
        let [w, s, e, n] = b;
        let geometry = serde_json::json!({
            "type": "Polygon",
            "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]],
        });
        let boundary = crate::places::parse(&geometry, entity::enums::CoordinateSystem::Wgs84)
            .map_err(|m| AppError::Internal(format!("demo outline: {m}")))?;
        crate::service::grid::set_boundary(
            self.txn,
            &crate::auth::Actor::system(),
            id,
            Some(boundary),
            "demo",
        )
        .await?;
        Ok(())
    }

    /// (code, name, kind, parent, grid, phone, address)
    async fn unit(&self, row: (&str, &str, UnitKind, Option<Uuid>, Uuid, &str, &str)) -> AppResult<Uuid> {
        let (code, name, kind, parent, grid, phone, address) = row;
        let id = self.id();
        unit::ActiveModel {
            id: Set(id),
            code: Set(code.to_owned()),
            name: Set(name.to_owned()),
            kind: Set(kind),
            parent_id: Set(parent),
            grid_id: Set(Some(grid)),
            phone: Set(Some(phone.to_owned())),
            address: Set(Some(address.to_owned())),
            created_at: Set(self.since),
            updated_at: Set(self.since),
            ..Default::default()
        }
        .insert(self.txn)
        .await?;
        Ok(id)
    }

    async fn person(&self, row: PersonRow) -> AppResult<Uuid> {
        let (subject, name, kind, phone, rid, unit, grid, enterprise) = row;
        let id = self.id();
        person::ActiveModel {
            id: Set(id),
            subject: Set(Some(subject.to_owned())),
            name: Set(name.to_owned()),
            kind: Set(kind),
            phone: Set(Some(phone.to_owned())),
            resident_id: Set(Some(resident_id(rid))),
            unit_id: Set(unit),
            grid_id: Set(grid),
            enterprise_id: Set(enterprise),
            created_at: Set(self.since),
            updated_at: Set(self.since),
        }
        .insert(self.txn)
        .await?;
        Ok(id)
    }

    /// (organisation code, name, industry, above designated size, hazardous chemicals,
    /// address, grid, liaison officer, (contact name, phone, position))
    #[allow(clippy::type_complexity)]
    async fn enterprise(
        &self,
        row: (
            &str,
            &str,
            &str,
            bool,
            bool,
            &str,
            Uuid,
            Option<Uuid>,
            (&str, &str, &str),
        ),
    ) -> AppResult<Uuid> {
        let (org_code, name, industry, above, hazardous, address, grid, liaison, contact) = row;
        let id = self.id();
        enterprise::ActiveModel {
            id: Set(id),
            credit_code: Set(credit_code(org_code)),
            name: Set(name.to_owned()),
            industry: Set(Some(industry.to_owned())),
            above_designated_size: Set(above),
            hazardous_chemicals: Set(hazardous),
            address: Set(Some(address.to_owned())),
            grid_id: Set(Some(grid)),
            liaison_officer_id: Set(liaison),
            created_at: Set(self.since),
            updated_at: Set(self.since),
            ..Default::default()
        }
        .insert(self.txn)
        .await?;
        enterprise_contact::ActiveModel {
            id: Set(self.id()),
            enterprise_id: Set(id),
            name: Set(contact.0.to_owned()),
            phone: Set(Some(contact.1.to_owned())),
            position: Set(Some(contact.2.to_owned())),
            is_primary: Set(true),
            created_at: Set(self.since),
        }
        .insert(self.txn)
        .await?;
        Ok(id)
    }

    /// (name, level, grid, unit, address, phone, description)
    #[allow(clippy::type_complexity)]
    async fn room(&self, row: (&str, MediationLevel, Uuid, Uuid, &str, &str, &str)) -> AppResult<Uuid> {
        let (name, level, grid, unit, address, phone, description) = row;
        let id = self.id();
        mediation_room::ActiveModel {
            id: Set(id),
            name: Set(name.to_owned()),
            level: Set(level),
            grid_id: Set(Some(grid)),
            unit_id: Set(Some(unit)),
            address: Set(Some(address.to_owned())),
            phone: Set(Some(phone.to_owned())),
            description: Set(Some(description.to_owned())),
            created_at: Set(self.since),
            updated_at: Set(self.since),
            ..Default::default()
        }
        .insert(self.txn)
        .await?;
        Ok(id)
    }

    async fn mediator(&self, row: MediatorRow) -> AppResult<Uuid> {
        let (subject, room, name, kind, phone, nationality, languages) = row;
        let id = self.id();
        mediator::ActiveModel {
            id: Set(id),
            subject: Set(subject.map(str::to_owned)),
            room_id: Set(room),
            name: Set(name.to_owned()),
            kind: Set(kind),
            phone: Set(Some(phone.to_owned())),
            nationality: Set(Some(nationality.to_owned())),
            active: Set(true),
            created_at: Set(self.since),
            updated_at: Set(self.since),
            ..Default::default()
        }
        .insert(self.txn)
        .await?;
        mediator_language::Entity::insert_many(languages.iter().map(|l| mediator_language::ActiveModel {
            mediator_id: Set(id),
            language: Set((*l).to_owned()),
        }))
        .exec_without_returning(self.txn)
        .await?;
        Ok(id)
    }

    /// (name, kind, alliance, grid, unit); the brand is the name.
    async fn team(&self, row: (&str, VolunteerTeamKind, Option<&str>, Uuid, Uuid)) -> AppResult<Uuid> {
        let (name, kind, alliance, grid, unit) = row;
        let id = self.id();
        volunteer_team::ActiveModel {
            id: Set(id),
            name: Set(name.to_owned()),
            brand: Set(Some(name.to_owned())),
            kind: Set(kind),
            alliance: Set(alliance.map(str::to_owned)),
            grid_id: Set(Some(grid)),
            unit_id: Set(Some(unit)),
            created_at: Set(self.since),
            updated_at: Set(self.since),
            ..Default::default()
        }
        .insert(self.txn)
        .await?;
        Ok(id)
    }

    async fn volunteer(&self, row: VolunteerRow) -> AppResult<Uuid> {
        let id = self.id();
        volunteer::ActiveModel {
            id: Set(id),
            subject: Set(row.subject.map(str::to_owned)),
            name: Set(row.name.to_owned()),
            phone: Set(row.phone.to_owned()),
            resident_id: Set(Some(resident_id(row.resident_id))),
            status: Set(row.status),
            service_minutes: Set(row.minutes),
            created_at: Set(self.since),
            updated_at: Set(self.since),
            ..Default::default()
        }
        .insert(self.txn)
        .await?;
        volunteer_membership::Entity::insert_many(row.teams.iter().map(|(team, role)| {
            volunteer_membership::ActiveModel {
                volunteer_id: Set(id),
                team_id: Set(*team),
                role: Set(*role),
                joined_at: Set(self.since),
            }
        }))
        .exec_without_returning(self.txn)
        .await?;
        volunteer_skill::Entity::insert_many(row.skills.iter().map(|s| volunteer_skill::ActiveModel {
            volunteer_id: Set(id),
            skill: Set(*s),
        }))
        .exec_without_returning(self.txn)
        .await?;
        volunteer_language::Entity::insert_many(row.languages.iter().map(|l| {
            volunteer_language::ActiveModel {
                volunteer_id: Set(id),
                language: Set((*l).to_owned()),
            }
        }))
        .exec_without_returning(self.txn)
        .await?;
        volunteer_honour::Entity::insert_many(row.honours.iter().map(|(title, by, days_ago)| {
            volunteer_honour::ActiveModel {
                id: Set(self.id()),
                volunteer_id: Set(id),
                title: Set((*title).to_owned()),
                awarded_by: Set(Some((*by).to_owned())),
                awarded_on: Set((self.now - TimeDelta::days(*days_ago)).date_naive()),
                created_at: Set(self.since),
            }
        }))
        .exec_without_returning(self.txn)
        .await?;
        Ok(id)
    }

    async fn platform(&self, code: &str, name: &str, kind: PlatformKind) -> AppResult<Uuid> {
        use crate::service::platform::{Authority, Grant};
        let id = self.id();
        // The smart-enterprise platform keeps the enterprise register; the others send cases.
        let authority = match kind {
            PlatformKind::SmartEnterprise => Authority {
                enterprises: Grant::CreateAndUpdate,
                ..Authority::default()
            },
            _ => Authority::default(),
        };
        platform::ActiveModel {
            id: Set(id),
            code: Set(code.to_owned()),
            name: Set(name.to_owned()),
            kind: Set(kind),
            enabled: Set(true),
            webhook_url: Set(None),
            // Development only: a known secret so the README's signing example works as pasted.
            secret: Set(format!("demo-secret-{}", code.to_lowercase())),
            status_map: Set("{}".to_owned()),
            subscription: Set(entity::enums::PlatformSubscription::OwnCases),
            authority: Set(serde_json::to_string(&authority).map_err(|e| AppError::Internal(e.to_string()))?),
            signature_algorithm: Set(Default::default()),
            created_at: Set(self.since),
            updated_at: Set(self.since),
        }
        .insert(self.txn)
        .await?;
        Ok(id)
    }

    /// (code, label, place, grid, room, enterprise)
    async fn report_code(
        &self,
        row: (&str, &str, &str, Uuid, Option<Uuid>, Option<Uuid>),
    ) -> AppResult<Uuid> {
        let (code, label, place, grid, room, enterprise) = row;
        let id = self.id();
        report_code::ActiveModel {
            id: Set(id),
            code: Set(code.to_owned()),
            label: Set(label.to_owned()),
            place: Set(Some(place.to_owned())),
            grid_id: Set(Some(grid)),
            room_id: Set(room),
            enterprise_id: Set(enterprise),
            active: Set(true),
            created_at: Set(self.since),
            ..Default::default()
        }
        .insert(self.txn)
        .await?;
        Ok(id)
    }

    /// Inserts the master data (the tables below read as: one row per line) and returns
    /// the ids the case tables refer to.
    #[rustfmt::skip]
    async fn master_data(&self) -> AppResult<Ids> {
        use GridKind::{Community as C, Police as P};
        use GridLevel::*;

        // Community grids: district → street (area) → community (group) → cluster → ten households.
        let district = self.grid(DISTRICT_CODE, "枫桥示范区", District, C, None).await?;
        let wulin = self.grid("DEMO-WULIN", "武林街道", Area, C, Some(&district)).await?;
        let chaoming = self.grid("DEMO-CHAOMING", "潮鸣街道", Area, C, Some(&district)).await?;
        let xiaohe = self.grid("DEMO-XIAOHE", "小河街道", Area, C, Some(&district)).await?;
        let wll = self.grid("DEMO-WULIN-WLL", "武林路社区", Group, C, Some(&wulin)).await?;
        let zgx = self.grid("DEMO-WULIN-ZGX", "竹竿巷社区", Group, C, Some(&wulin)).await?;
        let dy = self.grid("DEMO-CHAOMING-DY", "东园社区", Group, C, Some(&chaoming)).await?;
        let fq = self.grid("DEMO-CHAOMING-FQ", "凤起社区", Group, C, Some(&chaoming)).await?;
        let xhl = self.grid("DEMO-XIAOHE-XHL", "小河路社区", Group, C, Some(&xiaohe)).await?;
        let dsxc = self.grid("DEMO-XIAOHE-DSXC", "德胜新村社区", Group, C, Some(&xiaohe)).await?;
        let wll1 = self.grid("DEMO-WULIN-WLL-01", "武林路第一网格", Cluster, C, Some(&wll)).await?;
        let wll2 = self.grid("DEMO-WULIN-WLL-02", "武林路第二网格", Cluster, C, Some(&wll)).await?;
        let wll1_t1 = self.grid("DEMO-WULIN-WLL-01-T01", "武林路133号十户", TenHousehold, C, Some(&wll1)).await?;
        let t02 = self.grid("DEMO-WULIN-WLL-01-T02", "华藏寺巷十户", TenHousehold, C, Some(&wll1)).await?;

        // Outlines (WGS-84 boxes, west, south, east, north) around 武林/潮鸣/小河 in Hangzhou,
        // each inside its parent, siblings sharing edges: a report at 30.27, 120.16 (the
        // README's) lands in 武林路第二网格. Parents before children, as an import would.
        let outlines: [(&grid::Model, [f64; 4]); 14] = [
            (&district, [120.130, 30.250, 120.200, 30.300]),
            (&wulin, [120.130, 30.250, 120.170, 30.285]),
            (&chaoming, [120.170, 30.250, 120.200, 30.285]),
            (&xiaohe, [120.130, 30.285, 120.200, 30.300]),
            (&wll, [120.150, 30.265, 120.170, 30.285]),
            (&zgx, [120.130, 30.265, 120.150, 30.285]),
            (&dy, [120.170, 30.250, 120.185, 30.285]),
            (&fq, [120.185, 30.250, 120.200, 30.285]),
            (&xhl, [120.130, 30.285, 120.165, 30.300]),
            (&dsxc, [120.165, 30.285, 120.200, 30.300]),
            (&wll1, [120.150, 30.265, 120.158, 30.285]),
            (&wll2, [120.158, 30.265, 120.170, 30.285]),
            (&wll1_t1, [120.150, 30.265, 120.154, 30.270]),
            (&t02, [120.154, 30.265, 120.158, 30.270]),
        ];
        for (g, b) in outlines {
            self.outline(g.id, b).await?;
        }

        // Police grids (警格), each covering community grids (警格+网格).
        let police_root = self.grid("DEMO-POLICE", "枫桥示范区警格", District, P, None).await?;
        let police_wulin = self.grid(POLICE_WULIN_CODE, "武林警格", Area, P, Some(&police_root)).await?;
        let police_chaoming = self.grid("DEMO-POLICE-CHAOMING", "潮鸣警格", Area, P, Some(&police_root)).await?;
        self.outline(police_root.id, [120.130, 30.250, 120.200, 30.300]).await?;
        self.outline(police_wulin.id, [120.130, 30.250, 120.170, 30.285]).await?;
        self.outline(police_chaoming.id, [120.170, 30.250, 120.200, 30.285]).await?;
        let coverage = [
            (police_wulin.id, wll.id),
            (police_wulin.id, zgx.id),
            (police_chaoming.id, dy.id),
            (police_chaoming.id, fq.id),
        ];
        police_grid_coverage::Entity::insert_many(coverage.iter().map(|(p, c)| police_grid_coverage::ActiveModel {
            police_grid_id: Set(*p),
            community_grid_id: Set(*c),
        }))
        .exec_without_returning(self.txn)
        .await?;
        let g = Grids {
            district: district.id, wulin: wulin.id, chaoming: chaoming.id, xiaohe: xiaohe.id,
            wll: wll.id, zgx: zgx.id, dy: dy.id, fq: fq.id, xhl: xhl.id, dsxc: dsxc.id,
            wll1: wll1.id, wll2: wll2.id, wll1_t1: wll1_t1.id,
            police_wulin: police_wulin.id, police_chaoming: police_chaoming.id,
        };

        // Units: (code, name, kind, parent, grid, phone, address)
        use UnitKind as K;
        let station_wulin = self.unit(("DEMO-STATION-WULIN", "武林派出所", K::PoliceStation, None, g.wulin, "0571-87000110", "武林路200号")).await?;
        let station_chaoming = self.unit(("DEMO-STATION-CHAOMING", "潮鸣派出所", K::PoliceStation, None, g.chaoming, "0571-87000210", "凤起路330号")).await?;
        let station_xiaohe = self.unit(("DEMO-STATION-XIAOHE", "小河派出所", K::PoliceStation, None, g.xiaohe, "0571-87000310", "小河路460号")).await?;
        let u = Units {
            station_wulin,
            station_chaoming,
            station_xiaohe,
            office_tian: self.unit(("DEMO-OFFICE-TIANANLE", "田安乐警务室", K::PoliceOffice, Some(station_wulin), g.wll, "0571-87000111", "武林路社区服务中心一楼")).await?,
            office_tong: self.unit(("DEMO-OFFICE-TONGXINYUAN", "同心圆警务室", K::PoliceOffice, Some(station_chaoming), g.fq, "0571-87000211", "凤起社区党群服务中心")).await?,
            command: self.unit(("DEMO-COMMAND", "枫桥示范区社会治理指挥中心", K::CommandCentre, None, g.district, "0571-87001000", "示范区行政中心")).await?,
            gov_wulin: self.unit(("DEMO-GOV-WULIN", "武林街道综治中心（基层治理工作站）", K::GovernanceCentre, None, g.wulin, "0571-87000120", "武林街道办事处二楼")).await?,
            law: self.unit(("DEMO-LAW", "武林街道综合行政执法队", K::LawEnforcement, None, g.wulin, "0571-87000130", "武林路210号")).await?,
            market: self.unit((MARKET_CODE, "武林市场监督管理所", K::MarketSupervision, None, g.wulin, "0571-87000140", "体育场路50号")).await?,
            justice: self.unit(("DEMO-JUSTICE", "枫桥示范区司法局", K::Justice, None, g.district, "0571-87001100", "示范区行政中心")).await?,
            fire: self.unit(("DEMO-FIRE", "武林消防救援站", K::Fire, None, g.wulin, "0571-87000119", "环城北路88号")).await?,
            petitions: self.unit(("DEMO-PETITIONS", "枫桥示范区信访局", K::Petitions, None, g.district, "0571-87001200", "示范区行政中心")).await?,
            gas: self.unit(("DEMO-GAS", "枫桥燃气有限公司", K::Utility, None, g.district, "0571-87002000", "石祥路18号")).await?,
        };

        // Staff (persons): (subject, name, kind, phone, birth date + sequence, unit, grid, enterprise)
        use PersonKind as PK;
        let staff: [PersonRow; 16] = [
            (COMMANDER_SUBJECT, "周建国", PK::Officer, "13800000001", "19720315103", Some(u.command), Some(g.district), None),
            (COMMUNITY_POLICE_SUBJECT, "田立新", PK::Officer, "13800000002", "19800722451", Some(u.office_tian), Some(g.police_wulin), None),
            ("demo-officer-chaoming", "金晓红", PK::Officer, "13800000003", "19830416262", Some(u.station_chaoming), Some(g.police_chaoming), None),
            ("demo-officer-xiaohe", "李明", PK::Officer, "13800000004", "19850923131", Some(u.station_xiaohe), Some(g.xiaohe), None),
            ("demo-officer-liaison", "徐振华", PK::Officer, "13800000005", "19781108351", Some(u.station_xiaohe), Some(g.xhl), None),
            (GRID_WORKER_SUBJECT, "王丽萍", PK::GridWorker, "13800000006", "19880205242", Some(u.gov_wulin), Some(g.wll), None),
            ("demo-grid-worker-chaoming", "陈静", PK::GridWorker, "13800000007", "19900611082", None, Some(g.fq), None),
            ("demo-grid-worker-xiaohe", "赵磊", PK::GridWorker, "13800000008", "19910130171", None, Some(g.dsxc), None),
            ("demo-co-governance", "李晓东", PK::CoGovernanceMember, "13800000009", "19960818113", Some(u.station_xiaohe), Some(g.xhl), None),
            ("demo-station-head", "郑卫东", PK::Other, "13800000010", "19750402291", Some(u.gov_wulin), Some(g.wulin), None),
            (DEPARTMENT_STAFF_SUBJECT, "孙海燕", PK::DepartmentStaff, "13800000011", "19860919042", Some(u.market), None, None),
            ("demo-law-enforcement", "吴强", PK::DepartmentStaff, "13800000012", "19840227193", Some(u.law), None, None),
            ("demo-fire-staff", "钱志勇", PK::DepartmentStaff, "13800000013", "19890514211", Some(u.fire), None, None),
            ("demo-justice-staff", "冯雅琴", PK::DepartmentStaff, "13800000014", "19810730262", Some(u.justice), None, None),
            ("demo-petitions-staff", "蔡文斌", PK::DepartmentStaff, "13800000015", "19790612153", Some(u.petitions), None, None),
            ("demo-gas-staff", "魏国华", PK::DepartmentStaff, "13800000016", "19770903371", Some(u.gas), None, None),
        ];
        let mut person_ids = HashMap::new();
        for row in staff {
            let subject = row.0;
            person_ids.insert(subject, self.person(row).await?);
        }
        let officer = |s: &str| person_ids.get(s).copied();

        // Enterprises: (organisation code, name, industry, above designated size, hazardous
        // chemicals, address, grid, liaison officer, (primary contact, phone, position))
        let e = Enterprises {
            guangdian: self.enterprise(("MA2H7K3L5", "浙江枫桥光电科技有限公司", "电子设备制造（LED显示屏）", true, false, "小河路588号", g.xhl, officer("demo-officer-liaison"), ("周德明", "13600000001", "法定代表人"))).await?,
            chem: self.enterprise(("MA27W9QX1", "杭州武林化工贸易有限公司", "危险化学品经营", false, true, "环城北路仓储区3号库", g.zgx, officer(COMMUNITY_POLICE_SUBJECT), ("施国栋", "13600000002", "安全负责人"))).await?,
            textile: self.enterprise(("MA2CHM8N4", "杭州潮鸣纺织有限公司", "纺织服装", true, false, "凤起东路128号", g.fq, officer("demo-officer-chaoming"), ("邹丽华", "13600000003", "人事经理"))).await?,
            silk: self.enterprise(("MA2KXB6R0", "杭州丝路国际贸易有限公司", "进出口贸易", false, false, "竹竿巷66号", g.zgx, officer(COMMUNITY_POLICE_SUBJECT), ("唐振宇", "13600000004", "总经理"))).await?,
            catering: self.enterprise(("MA2G4P1N7", "杭州凤起餐饮管理有限公司", "餐饮", false, false, "凤起路412号", g.fq, None, ("田小芳", "13600000006", "店长"))).await?,
        };
        self.enterprise(("MA2D0TJ92", "杭州小河物流有限公司", "物流仓储", true, false, "德胜路77号", g.dsxc, officer("demo-officer-liaison"), ("包建新", "13600000005", "运营总监"))).await?;
        // The enterprise portal account of story 2's enterprise.
        self.person((LIAISON_SUBJECT, "沈佳", PK::EnterpriseLiaison, "13800000017", "19920317282", None, Some(g.xhl), Some(e.guangdian))).await?;

        // Mediation rooms: (name, level, grid, unit, address, phone, description)
        use MediationLevel as ML;
        let r = Rooms {
            laochen: self.room(("老陈调解室", ML::Street, g.wulin, u.station_wulin, "武林派出所一楼", "0571-87000150", "以首席调解员“老陈”命名的调解室，年调处纠纷300余起；配有多语种外籍调解员（洋娘舅）。")).await?,
            district: self.room(("矛盾纠纷调解室", ML::District, g.district, u.justice, "示范区矛盾纠纷调解中心三楼", "0571-87001150", "区级重大矛盾纠纷调解，司法、执法部门参与。")).await?,
            joint: self.room(("警民联调工作站", ML::Community, g.dy, u.station_chaoming, "东园社区党群服务中心", "0571-87000250", "派出所驻站调解员与网格员联合调解一般纠纷。")).await?,
            hall: self.room(("百姓议事堂", ML::Street, g.chaoming, u.station_chaoming, "潮鸣街道市民之家", "0571-87000260", "社区、人大代表、政协委员、警风监督员组成联合调解组，调处较大纠纷。")).await?,
            court: self.room(("共享法庭", ML::Street, g.xiaohe, u.justice, "小河街道社会治理中心", "0571-87000350", "诉前调解与在线司法确认。")).await?,
        };

        // Mediators: (subject, room, name, kind, phone, nationality, languages)
        use MediatorKind as MK;
        let mediators: [MediatorRow; 16] = [
            (Some(MEDIATOR_SUBJECT), r.laochen, "陈国庆", MK::Chief, "13700000001", "CN", &["zh"]),
            (None, r.laochen, "林芳", MK::Professional, "13700000002", "CN", &["zh", "en"]),
            (None, r.laochen, "马卫国", MK::RetiredPolice, "13700000003", "CN", &["zh"]),
            (None, r.laochen, "阿里·哈桑", MK::Foreign, "13700000004", "EG", &["ar", "en", "zh"]),
            (None, r.laochen, "约翰·史密斯", MK::Foreign, "13700000005", "GB", &["en", "zh"]),
            (None, r.laochen, "皮埃尔·马丁", MK::Foreign, "13700000006", "FR", &["fr", "en"]),
            (None, r.laochen, "伊万·彼得罗夫", MK::Foreign, "13700000007", "RU", &["ru", "zh"]),
            (None, r.district, "黄志明", MK::Lawyer, "13700000008", "CN", &["zh"]),
            (None, r.district, "邓秀英", MK::Deputy, "13700000009", "CN", &["zh"]),
            (Some("demo-mediator-district"), r.district, "刘建", MK::Professional, "13700000010", "CN", &["zh"]),
            (Some("demo-mediator-joint"), r.joint, "何平", MK::Police, "13700000011", "CN", &["zh"]),
            (None, r.joint, "张桂兰", MK::Volunteer, "13700000012", "CN", &["zh"]),
            (Some("demo-mediator-hall"), r.hall, "钱卫红", MK::Deputy, "13700000013", "CN", &["zh"]),
            (None, r.hall, "孙志强", MK::Deputy, "13700000014", "CN", &["zh"]),
            (None, r.hall, "杨秋", MK::Professional, "13700000015", "CN", &["zh"]),
            (Some("demo-mediator-court"), r.court, "郑律", MK::Lawyer, "13700000016", "CN", &["zh", "en"]),
        ];
        let mut mediator_ids = Vec::with_capacity(mediators.len());
        for row in mediators {
            mediator_ids.push(self.mediator(row).await?);
        }
        let mid = |i: usize| mediator_ids.get(i).copied().ok_or_else(|| AppError::Internal("demo mediators out of range".into()));
        let m = Mediators {
            chen: mid(0)?, lin: mid(1)?, ali: mid(3)?, huang: mid(7)?, deng: mid(8)?, liu: mid(9)?,
            he: mid(10)?, zhang: mid(11)?, qian: mid(12)?, sun: mid(13)?, yang: mid(14)?, zheng: mid(15)?,
        };

        // Volunteer teams: (name = brand, kind, alliance, grid, unit)
        use VolunteerTeamKind as TK;
        let alliance = Some("义警联盟");
        let t = Teams {
            dama: self.team(("武林大妈", TK::Patrol, alliance, g.wulin, u.station_wulin)).await?,
            hongxiang: self.team(("红巷义警", TK::Patrol, alliance, g.chaoming, u.station_chaoming)).await?,
            eagle: self.team((RESCUE_TEAM, TK::Rescue, alliance, g.district, u.station_xiaohe)).await?,
        };
        let zizhou = self.team(("梓州义警", TK::General, None, g.xiaohe, u.station_xiaohe)).await?;
        let changqing = self.team(("长庆好人", TK::Mediation, None, g.xiaohe, u.gov_wulin)).await?;

        // Volunteers with teams, skills, languages and honours (title, by, days ago).
        use MembershipRole::{Leader, Member};
        use Skill as S;
        use VolunteerStatus::{Approved, Pending};
        const MEDAL: &str = "治安荣誉奖章";
        const BRAVE: &str = "见义勇为积极分子";
        const BUREAU: &str = "枫桥示范区公安分局";
        const FUND: &str = "枫桥示范区见义勇为基金会";
        let volunteers = [
            VolunteerRow { subject: None, name: "周海", phone: "13900000001", resident_id: "19760521135", status: Approved, minutes: 12600,
                teams: vec![(t.eagle, Leader)], skills: &[S::Rescue, S::FirstAid, S::Swimming, S::Driving], languages: &["zh"], honours: &[(BRAVE, FUND, 400), (MEDAL, BUREAU, 120)] },
            VolunteerRow { subject: Some(VOLUNTEER_SUBJECT), name: "吴小军", phone: "13900000002", resident_id: "19930814157", status: Approved, minutes: 2400,
                teams: vec![(t.eagle, Member)], skills: &[S::Rescue, S::FirstAid], languages: &["zh", "en"], honours: &[(BRAVE, FUND, 90)] },
            VolunteerRow { subject: None, name: "蒋丽", phone: "13900000003", resident_id: "19950302268", status: Approved, minutes: 1800,
                teams: vec![(t.eagle, Member), (changqing, Member)], skills: &[S::FirstAid, S::Translation], languages: &["zh", "en"], honours: &[] },
            VolunteerRow { subject: Some("demo-volunteer-wulin"), name: "王秀英", phone: "13900000004", resident_id: "19580917248", status: Approved, minutes: 9800,
                teams: vec![(t.dama, Leader)], skills: &[S::Patrol, S::Mediation], languages: &["zh"], honours: &[(MEDAL, BUREAU, 300)] },
            VolunteerRow { subject: None, name: "李桂芳", phone: "13900000005", resident_id: "19610228226", status: Approved, minutes: 5200,
                teams: vec![(t.dama, Member)], skills: &[S::Patrol], languages: &["zh"], honours: &[] },
            VolunteerRow { subject: None, name: "赵凤英", phone: "13900000006", resident_id: "19630705244", status: Approved, minutes: 4300,
                teams: vec![(t.dama, Member)], skills: &[S::Patrol, S::FirstAid], languages: &["zh"], honours: &[] },
            VolunteerRow { subject: None, name: "陈建华", phone: "13900000007", resident_id: "19700113239", status: Approved, minutes: 7100,
                teams: vec![(t.hongxiang, Leader)], skills: &[S::Patrol, S::Legal], languages: &["zh"], honours: &[(BRAVE, FUND, 200)] },
            VolunteerRow { subject: None, name: "方敏", phone: "13900000008", resident_id: "19940609162", status: Approved, minutes: 1500,
                teams: vec![(t.hongxiang, Member)], skills: &[S::Mediation, S::Translation], languages: &["zh", "en", "ja"], honours: &[] },
            VolunteerRow { subject: None, name: "罗刚", phone: "13900000009", resident_id: "19820404315", status: Approved, minutes: 3600,
                teams: vec![(zizhou, Leader)], skills: &[S::Patrol, S::Driving], languages: &["zh"], honours: &[(MEDAL, BUREAU, 150)] },
            VolunteerRow { subject: None, name: "蒲小燕", phone: "13900000010", resident_id: "19870827166", status: Approved, minutes: 2100,
                teams: vec![(zizhou, Member)], skills: &[S::Mediation], languages: &["zh"], honours: &[] },
            VolunteerRow { subject: None, name: "朱永康", phone: "13900000011", resident_id: "19550130377", status: Approved, minutes: 8800,
                teams: vec![(changqing, Leader)], skills: &[S::Mediation, S::Legal], languages: &["zh"], honours: &[(MEDAL, BUREAU, 500)] },
            VolunteerRow { subject: None, name: "许丹", phone: "13900000012", resident_id: "19980712128", status: Pending, minutes: 0,
                teams: vec![(changqing, Member)], skills: &[S::FirstAid], languages: &["zh", "ko"], honours: &[] },
        ];
        let mut volunteer_ids = Vec::with_capacity(volunteers.len());
        for row in volunteers {
            volunteer_ids.push(self.volunteer(row).await?);
        }
        let vid = |i: usize| volunteer_ids.get(i).copied().ok_or_else(|| AppError::Internal("demo volunteers out of range".into()));
        let v = Volunteers { zhou_hai: vid(0)?, demo: vid(1)?, wang_xiuying: vid(3)?, fang_min: vid(7)? };

        // Platforms this service integrates.
        use PlatformKind as PF;
        let p = Platforms {
            p110: self.platform(PLATFORM_110_CODE, "110接处警平台", PF::Dispatch110).await?,
            four: self.platform("DEMO-FOUR", "基层治理四平台", PF::FourPlatforms).await?,
            police_grid: self.platform("DEMO-POLICE-GRID", "警网协同指挥调度平台", PF::PoliceGrid).await?,
            smart: self.platform("DEMO-SMART-ENTERPRISE", "智安企业平台", PF::SmartEnterprise).await?,
            hotline: self.platform("DEMO-12345", "12345政务服务热线", PF::Hotline12345).await?,
            ezwl: self.platform("DEMO-EZWL", "“E治武林”小程序", PF::MiniProgram).await?,
        };

        // Report codes (民情码 / 解纷码): (code, label, place, grid, room, enterprise)
        let lamp_code = self.report_code(("DEMO-RC-WULIN-LAMP-0133", "武林大妈民情码（路灯杆）", "武林路与凤起路交叉口东北角路灯杆", g.wll1, None, None)).await?;
        self.report_code(("DEMO-RC-LAOCHEN", "老陈调解室解纷码", "武林派出所一楼老陈调解室门口", g.wulin, Some(r.laochen), None)).await?;
        self.report_code(("DEMO-RC-GUANGDIAN", "企业服务码（枫桥光电）", "浙江枫桥光电科技有限公司前台", g.xhl, None, Some(e.guangdian))).await?;

        Ok(Ids { g, u, e, r, m, t, v, p, lamp_code })
    }

    /// The subject and role string recorded for a step.
    fn actor(who: Who, reporter: &Reporter) -> (Option<&'static str>, &'static str) {
        match who {
            Who::Reporter => (reporter.subject, reporter.actor_role),
            Who::As(s, r) => (Some(s), r),
        }
    }

    /// Inserts one case with its timeline, parties, assignments, sessions, volunteer tasks,
    /// follow-up and external reference.
    async fn case(&mut self, spec: CaseSpec) -> AppResult<()> {
        use TimelineKind as K;
        let title = spec.title;
        let created = self.now - TimeDelta::minutes(reported_ago(spec.ago));
        let at = |m: i64| created + TimeDelta::minutes(m);
        let id = self.id();

        let reported = Step {
            at: 0,
            kind: K::Reported,
            who: spec.logged_by,
            unit: None,
            note: spec.report_note,
        };
        let mut status = CaseStatus::Reported;
        let mut previous = -1;
        let mut seq = 0;
        let mut entries = Vec::with_capacity(spec.steps.len() + 1);
        for step in std::iter::once(&reported).chain(spec.steps.iter()) {
            if step.at <= previous || step.at >= spec.ago {
                return Err(bad_data(
                    title,
                    "timeline steps must increase and lie in the past",
                ));
            }
            previous = step.at;
            seq += 1;
            let to = status_after(step.kind, status);
            let from = if seq == 1 { None } else { to.map(|_| status) };
            if let Some(s) = to {
                status = s;
            }
            let (subject, role) = Self::actor(step.who, &spec.reporter);
            entries.push(case_timeline_entry::ActiveModel {
                id: Set(self.id()),
                case_id: Set(id),
                seq: Set(seq),
                kind: Set(step.kind),
                from_status: Set(from),
                to_status: Set(to),
                actor_subject: Set(subject.map(str::to_owned)),
                actor_role: Set(Some(role.to_owned())),
                unit_id: Set(step.unit),
                note: Set(step.note.map(str::to_owned)),
                public: Set(!matches!(step.kind, K::Note | K::Synced)),
                created_at: Set(at(step.at)),
            });
        }
        let first = |kind: K| spec.steps.iter().find(|s| s.kind == kind);
        let first_at = |kind: K| first(kind).map(|s| at(s.at));
        let (first_response_due, resolution_due) = match (first_at(K::Assessed), spec.colour) {
            (Some(t), Some(c)) => {
                let (f, r) = deadlines(c, spec.kind);
                (Some(t + TimeDelta::minutes(f)), Some(t + TimeDelta::minutes(r)))
            }
            _ => (None, None),
        };
        let first_response_at = spec
            .steps
            .iter()
            .find(|s| matches!(s.kind, K::Accepted | K::Handling))
            .map(|s| at(s.at));
        let updated = at(previous);
        let (lat, lng) = spec.coords.unzip();

        case::ActiveModel {
            id: Set(id),
            // Demo cases are numbered apart from real ones, the same in every fresh demo.
            tracking_number: Set({
                self.numbered += 1;
                format!("FQDEMO{:06}", self.numbered)
            }),
            kind: Set(spec.kind),
            category: Set(spec.category),
            title: Set(title.to_owned()),
            description: Set(spec.description.to_owned()),
            status: Set(status),
            risk_colour: Set(spec.colour),
            severity: Set(spec.severity),
            source: Set(spec.source),
            reporter_role: Set(spec.reporter.role),
            reporter_subject: Set(spec.reporter.subject.map(str::to_owned)),
            reporter_name: Set(spec.reporter.name.map(str::to_owned)),
            reporter_phone: Set(spec.reporter.phone.map(str::to_owned)),
            address: Set(spec.address.map(str::to_owned)),
            latitude: Set(lat),
            longitude: Set(lng),
            grid_id: Set(Some(spec.grid)),
            placement: Set(Some(entity::enums::Placement::Given)),
            enterprise_id: Set(spec.enterprise),
            room_id: Set(spec.room),
            report_code_id: Set(spec.report_code),
            tracking_token_hash: Set(None),
            occurred_at: Set(Some(created - TimeDelta::minutes(spec.occurred_before))),
            first_response_due: Set(first_response_due),
            resolution_due: Set(resolution_due),
            first_response_at: Set(first_response_at),
            resolved_at: Set(first_at(K::Resolved)),
            closed_at: Set(first_at(K::Closed)),
            version: Set(seq),
            created_at: Set(created),
            updated_at: Set(updated),
        }
        .insert(self.txn)
        .await?;
        case_timeline_entry::Entity::insert_many(entries)
            .exec_without_returning(self.txn)
            .await?;

        case_party::Entity::insert_many(spec.parties.iter().map(|p| case_party::ActiveModel {
            id: Set(self.id()),
            case_id: Set(id),
            role: Set(p.role),
            name: Set(p.name.to_owned()),
            phone: Set(p.phone.map(str::to_owned)),
            resident_id: Set(p.resident_id.map(resident_id)),
            id_document_kind: Set(None),
            id_document_number: Set(None),
            id_document_country: Set(None),
            address: Set(p.address.map(str::to_owned)),
            enterprise_id: Set(p.enterprise),
            created_at: Set(created),
        }))
        .exec_without_returning(self.txn)
        .await?;

        for a in &spec.assignments {
            let dispatch = spec
                .steps
                .iter()
                .find(|s| matches!(s.kind, K::Dispatched | K::Transferred) && s.unit == Some(a.unit))
                .or_else(|| first(K::Dispatched))
                .ok_or_else(|| bad_data(title, "an assignment needs a DISPATCHED step"))?;
            let accepted = spec
                .steps
                .iter()
                .find(|s| s.kind == K::Accepted && s.unit == Some(a.unit));
            if (a.status == AssignmentStatus::Pending) != accepted.is_none() {
                return Err(bad_data(
                    title,
                    "an accepted assignment needs an ACCEPTED step naming its unit, a pending one none",
                ));
            }
            case_assignment::ActiveModel {
                id: Set(self.id()),
                case_id: Set(id),
                unit_id: Set(a.unit),
                lead: Set(a.lead),
                status: Set(a.status),
                reason: Set(None),
                assigned_by: Set(Self::actor(dispatch.who, &spec.reporter).0.map(str::to_owned)),
                assigned_at: Set(at(dispatch.at)),
                responded_at: Set(accepted.map(|s| at(s.at))),
            }
            .insert(self.txn)
            .await?;
        }

        let held: Vec<i64> = spec
            .steps
            .iter()
            .filter(|s| s.kind == K::MediationSession)
            .map(|s| s.at)
            .collect();
        if held.len() != spec.sessions.len() {
            return Err(bad_data(title, "one MEDIATION_SESSION step per session"));
        }
        for (s, held) in spec.sessions.iter().zip(held) {
            let session_id = self.id();
            let held = at(held);
            mediation_session::ActiveModel {
                id: Set(session_id),
                case_id: Set(id),
                room_id: Set(s.room),
                level: Set(s.level),
                scheduled_at: Set(held),
                held_at: Set(Some(held)),
                outcome: Set(s.outcome),
                agreement_text: Set(s.agreement.map(str::to_owned)),
                judicial_confirmed: Set(s.judicial_confirmed),
                notes: Set(Some(s.notes.to_owned())),
                created_at: Set((held - TimeDelta::days(1)).max(created)),
                updated_at: Set(held),
            }
            .insert(self.txn)
            .await?;
            session_mediator::Entity::insert_many(s.mediators.iter().map(|m| {
                session_mediator::ActiveModel {
                    session_id: Set(session_id),
                    mediator_id: Set(*m),
                }
            }))
            .exec_without_returning(self.txn)
            .await?;
        }

        if !spec.tasks.is_empty() {
            let assigned = first(K::VolunteersAssigned)
                .ok_or_else(|| bad_data(title, "volunteer tasks need a VOLUNTEERS_ASSIGNED step"))?
                .at;
            for t in &spec.tasks {
                let (checked_in, checked_out, minutes) = match t.check {
                    Some((i, o)) if assigned < i && i < o && o < spec.ago => {
                        (Some(at(i)), Some(at(o)), Some(o - i))
                    }
                    Some(_) => return Err(bad_data(title, "task check-in/out out of order")),
                    None => (None, None, None),
                };
                if let (Some(v), Some(m)) = (t.volunteer, minutes) {
                    *self.earned.entry(v).or_default() += m;
                }
                let (lat, lng) = t.coords.unzip();
                case_volunteer_task::ActiveModel {
                    id: Set(self.id()),
                    case_id: Set(id),
                    team_id: Set(t.team),
                    volunteer_id: Set(t.volunteer),
                    kind: Set(t.kind),
                    status: Set(t.status),
                    checked_in_at: Set(checked_in),
                    checked_out_at: Set(checked_out),
                    check_in_latitude: Set(lat),
                    check_in_longitude: Set(lng),
                    minutes: Set(minutes),
                    created_at: Set(at(assigned)),
                    updated_at: Set(checked_out.unwrap_or(at(assigned))),
                }
                .insert(self.txn)
                .await?;
            }
        }

        match (&spec.follow_up, first_at(K::FollowedUp)) {
            (Some(f), Some(visited)) => {
                follow_up::ActiveModel {
                    id: Set(self.id()),
                    case_id: Set(id),
                    method: Set(f.method),
                    visited_at: Set(visited),
                    visitor_subject: Set(Some(f.visitor.to_owned())),
                    repeat_case_id: Set(None),
                    response_speed_rating: Set(f.ratings.0),
                    attitude_rating: Set(f.ratings.1),
                    handling_rating: Set(f.ratings.2),
                    satisfied: Set(f.satisfied),
                    comment: Set(Some(f.comment.to_owned())),
                    created_at: Set(visited),
                }
                .insert(self.txn)
                .await?;
            }
            (None, None) => {}
            _ => {
                return Err(bad_data(
                    title,
                    "a FOLLOWED_UP step and a follow-up record go together",
                ))
            }
        }

        if let Some((platform, external_id)) = spec.external {
            external_ref::ActiveModel {
                id: Set(self.id()),
                platform_id: Set(platform),
                entity: Set(ExternalEntity::Case),
                entity_id: Set(id),
                external_id: Set(external_id.to_owned()),
                external_version: Set(None),
                external_status: Set(None),
                last_synced_at: Set(updated),
                created_at: Set(created),
            }
            .insert(self.txn)
            .await?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The cases.

/// Every demo case: the eight stories of DOMAIN.md first, then everyday cases so that every
/// status, kind, colour, severity and most channels appear.
#[rustfmt::skip]
fn cases(ids: &Ids) -> Vec<CaseSpec> {
    use AssignmentStatus::{Accepted, Done, Pending};
    use CaseCategory as Cat;
    use CaseKind as CK;
    use CaseSource as Src;
    use FollowUpMethod::{Online, Phone, Visit};
    use PartyRole as PR;
    use RiskColour::{Green, Orange, Red, Yellow};
    use SessionOutcome as Out;
    use Severity::{Larger, Major, Ordinary};
    use TimelineKind as K;
    let Ids {
        g,
        u,
        e,
        r,
        m,
        t,
        v,
        p,
        lamp_code,
    } = ids;
    let via_110 = |name, phone| via(PLATFORM_110_SUBJECT, Some(name), Some(phone));
    let via_12345 = |name, phone| via("demo-platform-12345", Some(name), Some(phone));

    vec![
        // Story 1 (桐乡): a missing elderly person; 110 → station + rescue team → found →
        // fed back to 110 → follow-up.
        CaseSpec {
            title: "八旬老人走失",
            description: "110转警：德胜新村82岁老人沈桂英午饭后独自外出未归，家人寻遍村里角角落落未发现踪迹。老人患轻度阿尔茨海默症，身穿深蓝色外套。",
            colour: Some(Red),
            severity: Some(Major),
            address: Some("小河街道德胜新村"),
            coords: Some((30.2978, 120.1483)),
            occurred_before: h(3),
            report_note: Some("110接警后推送。"),
            steps: vec![
                st(3, K::Assessed, CMD, "评估赋色：红色。高龄老人走失、天色将晚，启动“一警双援”。"),
                su(5, K::Dispatched, CMD, u.station_xiaohe, "指派小河派出所处置，同步推送雄鹰救援队。"),
                su(7, K::Accepted, OFFICER_XH, u.station_xiaohe, "小河派出所签收，民警出发。"),
                st(8, K::VolunteersAssigned, CMD, "雄鹰救援队队长周海带队员参与搜救。"),
                su(25, K::Handling, OFFICER_XH, u.station_xiaohe, "调取村口监控，确认老人往村外方向步行。"),
                st(70, K::Handling, VOLUNTEER, "救援队凭经验将搜救方向锁定村外林地，找到老人，体温偏低，现场急救。"),
                su(130, K::Resolved, OFFICER_XH, u.station_xiaohe, "救援人员背老人徒步3公里送上救护车，老人经救治脱离危险，已交家属。"),
                st(140, K::Synced, SYSTEM, "处置结果已回传110接处警平台。"),
                st(150, K::FedBack, OFFICER_XH, "已向报警人沈建平反馈处置结果。"),
                st(d(2), K::FollowedUp, OFFICER_XH, "电话回访：老人身体恢复良好。"),
                st(d(2) + 30, K::Closed, CMD, "结案。"),
            ],
            assignments: vec![lead(u.station_xiaohe, Done)],
            parties: vec![
                party(PR::MissingPerson, "沈桂英", None, Some("19430612202")),
                party(PR::Complainant, "沈建平", Some("15800000011"), Some("19710508451")),
            ],
            tasks: vec![
                Task { team: Some(t.eagle), volunteer: Some(v.zhou_hai), kind: VolunteerTaskKind::Rescue, status: VolunteerTaskStatus::CheckedOut, check: Some((30, 135)), coords: Some((30.2991, 120.1452)) },
                Task { team: Some(t.eagle), volunteer: Some(v.demo), kind: VolunteerTaskKind::Rescue, status: VolunteerTaskStatus::CheckedOut, check: Some((32, 135)), coords: Some((30.2990, 120.1455)) },
            ],
            follow_up: Some(Fu { method: Phone, visitor: "demo-officer-xiaohe", ratings: (5, 5, 5), satisfied: true, comment: "感谢民警和雄鹰救援队，老人平安回家了。" }),
            external: Some((p.p110, "JJ3301050000812")),
            ..base(CK::HelpRequest, Cat::MissingPerson, Src::Call110, via_110("沈建平", "15800000011"), g.dsxc, d(96) + h(5))
        },
        // Story 2 (桐乡): an enterprise in trouble; consultation, investigation, no crime.
        CaseSpec {
            title: "企业代加工产品遭外地警方扣押求助",
            description: "本企业承接的LED电子屏代加工订单产品（价值近600万元）遭外地警方扣押，法定代表人因涉嫌假冒注册商标罪被立案调查。企业认为系委托方与授权方之间的纠纷所致，请求派出所协助厘清事实。",
            colour: Some(Orange),
            severity: Some(Larger),
            enterprise: Some(e.guangdian),
            address: Some("小河路588号"),
            steps: vec![
                st(h(2), K::Assessed, CMD, "涉企案件，评估赋色：橙色。"),
                su(h(3), K::Dispatched, CMD, u.station_xiaohe, "指派小河派出所（驻企联络民警徐振华）牵头。"),
                su(h(4), K::Accepted, LIAISON_OFFICER, u.station_xiaohe, "签收。"),
                st(d(1), K::Note, LIAISON_OFFICER, "启动涉企案件会商机制：派出所法制、经侦与企业共同会商，梳理订单、授权链条和往来凭证。"),
                su(d(9), K::Handling, LIAISON_OFFICER, u.station_xiaohe, "第一次赴深圳调查取证，走访委托方。"),
                su(d(31), K::Handling, LIAISON_OFFICER, u.station_xiaohe, "第二次赴深圳调查取证，查明立案原因在于委托方与授权方之间的授权纠纷。"),
                su(d(40), K::Handling, LIAISON_OFFICER, u.station_xiaohe, "与外地警方沟通，书面提出企业不构成犯罪的意见和建议。"),
                su(d(66), K::Resolved, LIAISON_OFFICER, u.station_xiaohe, "经两地公安机关共同调查，确认企业不构成犯罪，外地警方撤案，扣押产品发还。"),
                st(d(66) + h(2), K::FedBack, LIAISON_OFFICER, "已通过企业端向企业反馈结论。"),
                st(d(70), K::FollowedUp, LIAISON_OFFICER, "上门回访企业负责人。"),
                st(d(70) + h(3), K::Closed, CMD, "结案：不构成犯罪。"),
            ],
            assignments: vec![lead(u.station_xiaohe, Done)],
            parties: vec![
                org(PR::Complainant, "浙江枫桥光电科技有限公司", Some(e.guangdian)),
                party(PR::Other, "周德明", Some("13600000001"), Some("19680227133")),
            ],
            follow_up: Some(Fu { method: Visit, visitor: "demo-officer-liaison", ratings: (5, 5, 5), satisfied: true, comment: "在生死存亡关头，是派出所向我们伸出援手。" }),
            ..base(CK::EnterpriseCase, Cat::Commercial, Src::EnterprisePortal, staff(ReporterRole::Enterprise, Who::As(LIAISON_SUBJECT, "enterprise-liaison"), "沈佳", "13800000017"), g.xhl, d(118))
        },
        // Story 3 (拱墅小河): a lost wallet in the station hall, found within minutes.
        CaseSpec {
            title: "派出所大厅群众钱包遗失",
            description: "居民在小河派出所大厅求助：钱包遗失，内有现金八万元和一部手机。",
            colour: Some(Yellow),
            severity: Some(Ordinary),
            address: Some("小河派出所办事大厅"),
            logged_by: COGOV,
            occurred_before: 30,
            report_note: Some("共治队员在大厅登记求助。"),
            steps: vec![
                st(2, K::Assessed, OFFICER_XH, "评估赋色：黄色，大额现金，快速查找。"),
                su(3, K::Dispatched, OFFICER_XH, u.station_xiaohe, "由共治队员先期处置。"),
                su(4, K::Accepted, COGOV, u.station_xiaohe, "签收。"),
                st(5, K::Handling, COGOV, "在“城市眼·云共治·小河网驿”平台全时段查找监控。"),
                st(9, K::Handling, COGOV, "发动小区物业经理—保安队长—保安排查，锁定拾包男子。"),
                su(14, K::Resolved, COGOV, u.station_xiaohe, "找到拾包男子，全额追回现金八万元及手机，当场归还失主。用时14分钟。"),
                st(20, K::FedBack, COGOV, "已向失主反馈。"),
                st(d(1), K::FollowedUp, COGOV, "电话回访。"),
            ],
            assignments: vec![lead(u.station_xiaohe, Done)],
            parties: vec![
                party(PR::Victim, "郑美华", Some("15800000021"), Some("19660311242")),
                party(PR::Witness, "韩志刚", Some("15800000022"), None),
            ],
            follow_up: Some(Fu { method: Phone, visitor: "demo-co-governance", ratings: (5, 5, 5), satisfied: true, comment: "几分钟就找回来了，太感谢了！" }),
            ..base(CK::HelpRequest, Cat::LostProperty, Src::WalkIn, walk_in("郑美华", "15800000021"), g.xhl, d(40) + h(6))
        },
        // Story 4 (拱墅武林): gas cylinders in an unlicensed restaurant; four units in one
        // action, market supervision leading.
        CaseSpec {
            title: "无证餐饮店存放多个煤气瓶",
            description: "燃气自查任务下发后，“武林大妈”走访发现：武林路133号每天中午有务工人员聚集，一家无证餐饮店内存放五六个煤气瓶，存在安全隐患。",
            colour: Some(Orange),
            severity: Some(Larger),
            address: Some("武林路133号"),
            coords: Some((30.2742, 120.1641)),
            report_note: Some("通过“E治武林”小程序上报。"),
            steps: vec![
                st(6, K::Assessed, HEAD, "工作站站长评估：橙色，涉燃气安全隐患。"),
                su(8, K::Dispatched, HEAD, u.market, "一键联动：田安乐警务室、消防、市场监管、综合执法联合检查，市场监管所牵头。"),
                st(9, K::VolunteersAssigned, HEAD, "武林大妈王秀英现场引导。"),
                su(10, K::Accepted, MARKET, u.market, "签收（牵头）。"),
                su(11, K::Accepted, POLICE, u.office_tian, "签收。"),
                su(12, K::Accepted, FIRE, u.fire, "签收。"),
                su(13, K::Accepted, LAW, u.law, "签收。"),
                su(45, K::Handling, POLICE, u.office_tian, "联合检查，在店内查获6个燃气瓶；店主让邻居朋友都申领了燃气瓶。"),
                su(70, K::Handling, HEAD, u.gas, "联系燃气公司到场，收回4个超量燃气瓶。"),
                su(h(5), K::Handling, MARKET, u.market, "市场监管所对无证经营依规处置，责令办理证照。"),
                su(h(6), K::Resolved, MARKET, u.market, "隐患消除。"),
                st(h(7), K::FedBack, HEAD, "已向上报队员反馈处置结果。"),
                st(d(3), K::FollowedUp, GRID, "上门回访：店内仅保留合规燃气瓶。"),
                st(d(3) + h(1), K::Closed, HEAD, "结案。"),
            ],
            assignments: vec![
                lead(u.market, Done),
                support(u.office_tian, Done),
                support(u.fire, Done),
                support(u.law, Done),
            ],
            parties: vec![Party { address: Some("武林路133号"), ..party(PR::Respondent, "刘长贵", Some("15800000031"), Some("19790824311")) }],
            tasks: vec![Task { team: Some(t.dama), volunteer: Some(v.wang_xiuying), kind: VolunteerTaskKind::Patrol, status: VolunteerTaskStatus::CheckedOut, check: Some((20, 75)), coords: Some((30.2742, 120.1641)) }],
            follow_up: Some(Fu { method: Visit, visitor: GRID_WORKER_SUBJECT, ratings: (5, 5, 4), satisfied: true, comment: "整治很及时。" }),
            external: Some((p.ezwl, "EZWL-TASK-0825-017")),
            ..base(CK::SafetyHazard, Cat::Gas, Src::MiniProgram, staff(ReporterRole::Volunteer, DAMA, "王秀英", "13900000004"), g.wll1_t1, d(75) + h(9))
        },
        // Story 5 (拱墅潮鸣): square-dance noise; several sessions, agreement, no repeat.
        CaseSpec {
            title: "凤起立交桥下广场舞噪音扰民",
            description: "近一个月附近居民多次投诉：凤起立交桥下多支广场舞、唱歌队伍使用大功率音响，夜间音量过高，影响中考学生休息；场地处在两区交界处，队伍之间也因音量发生争执。",
            colour: Some(Yellow),
            severity: Some(Ordinary),
            room: Some(r.joint),
            address: Some("凤起立交桥下东园公园"),
            coords: Some((30.2668, 120.1802)),
            steps: vec![
                st(h(1), K::Assessed, OFFICER_CM, "评估赋色：黄色，重复投诉。"),
                su(h(2), K::Dispatched, OFFICER_CM, u.station_chaoming, "潮鸣派出所牵头，联动综合执法。"),
                su(h(3), K::Accepted, OFFICER_CM, u.station_chaoming, "签收。"),
                su(h(4), K::Accepted, LAW, u.law, "签收。"),
                st(d(1), K::Handling, OFFICER_CM, "民警夜间联动综合执法到广场舞队伍中与老人聊天，了解实质问题；每天早上安排专人现场监督、控制音量。"),
                st(d(2), K::MediationReferred, OFFICER_CM, "转警民联调工作站，请几支队伍组织者与投诉居民共商方案。"),
                st(d(3), K::MediationSession, MEDIATOR_JOINT, "第一次协商，未达成一致。"),
                st(d(7), K::MediationSession, MEDIATOR_JOINT, "第二次协商，就时段达成初步意向，音量仍有分歧。"),
                st(d(13), K::MediationSession, MEDIATOR_JOINT, "第三次协商，经一上午沟通，双方达成协议。"),
                st(d(13) + h(4), K::Resolved, OFFICER_CM, "达成协议：音量调至合适范围，晚八点半前结束。"),
                st(d(14), K::FedBack, OFFICER_CM, "已向投诉居民反馈。"),
                st(d(44), K::FollowedUp, GRID_CM, "回访期（30天）内未再发生投诉和报警；几支队伍代表到派出所送锦旗。"),
                st(d(44) + h(1), K::Closed, OFFICER_CM, "结案。"),
            ],
            assignments: vec![lead(u.station_chaoming, Done), support(u.law, Done)],
            parties: vec![
                party(PR::Complainant, "蒋文华", Some("15800000041"), None),
                party(PR::Respondent, "孔秀梅", Some("15800000042"), Some("19570319246")),
                party(PR::Respondent, "韩美玲", Some("15800000043"), Some("19600812228")),
            ],
            sessions: vec![
                Sess { room: r.joint, level: MediationLevel::Community, outcome: Out::NoAgreement, agreement: None, judicial_confirmed: false, notes: "各队伍均认为对方音量更大，未达成一致。", mediators: vec![m.he, m.zhang] },
                Sess { room: r.joint, level: MediationLevel::Community, outcome: Out::NoAgreement, agreement: None, judicial_confirmed: false, notes: "同意错开时段，对音量上限仍有分歧。", mediators: vec![m.he, m.zhang] },
                Sess { room: r.joint, level: MediationLevel::Community, outcome: Out::Agreement, agreement: Some("各队伍音响音量控制在60分贝以下，每晚20:30前结束；派出所每日安排专人现场监督，社区提供错峰场地。"), judicial_confirmed: false, notes: "副所长主持，投诉居民代表与三支队伍负责人到场。", mediators: vec![m.he, m.zhang] },
            ],
            follow_up: Some(Fu { method: Phone, visitor: "demo-grid-worker-chaoming", ratings: (5, 5, 5), satisfied: true, comment: "现在晚上安静多了。" }),
            external: Some((p.hotline, "12345-GS-0000387")),
            ..base(CK::Dispute, Cat::Noise, Src::Hotline12345, via_12345("蒋文华", "15800000041"), g.fq, d(60) + h(13))
        },
        // Story 6 (三台): a leaking pipe; community → street joint team → district room over
        // three months, ending in agreement.
        CaseSpec {
            title: "楼上房屋漏水引发邻里纠纷",
            description: "楼上李德福家卫生间管道漏水严重，楼下罗建军家天花板渗水发霉。双方多次沟通无果、争执不下，罗建军频繁向派出所和有关部门反映，要求楼上修复并赔偿。",
            colour: Some(Orange),
            severity: Some(Major),
            room: Some(r.district),
            address: Some("东园新村12幢"),
            logged_by: OFFICER_CM,
            occurred_before: d(10),
            steps: vec![
                st(h(1), K::Assessed, OFFICER_CM, "评估：一般纠纷。"),
                su(h(2), K::Dispatched, OFFICER_CM, u.station_chaoming, "潮鸣派出所受理。"),
                su(h(3), K::Accepted, OFFICER_CM, u.station_chaoming, "签收。"),
                st(h(5), K::MediationReferred, OFFICER_CM, "转警民联调工作站，由驻站调解员与网格员先行调解。"),
                st(d(3), K::MediationSession, MEDIATOR_JOINT, "社区层级调解：楼上同意检修，但赔偿金额分歧大。"),
                st(d(10), K::MediationEscalated, MEDIATOR_JOINT, "升级为较大纠纷：移交百姓议事堂，由社区、人大代表、政协委员、警风监督员组成联合调解组。"),
                st(d(24), K::MediationSession, MEDIATOR_HALL, "联合调解组第一次调解：委托第三方检测漏水原因。"),
                st(d(45), K::MediationSession, MEDIATOR_HALL, "联合调解组第二次调解：检测认定为楼上管道老化，赔偿仍未达成一致。"),
                st(d(50), K::MediationEscalated, MEDIATOR_HALL, "升级为重大纠纷：移交区矛盾纠纷调解室，司法、综合执法部门参与。"),
                su(d(51), K::Dispatched, OFFICER_CM, u.justice, "加派区司法局参与调解。"),
                su(d(51) + 5, K::Dispatched, OFFICER_CM, u.law, "加派综合执法参与调解。"),
                su(d(52), K::Accepted, JUSTICE, u.justice, "签收。"),
                su(d(52) + h(2), K::Accepted, LAW, u.law, "签收。"),
                st(d(88), K::MediationSession, MEDIATOR_DISTRICT, "区矛盾纠纷调解室主持调解，律师释法，双方达成协议并申请司法确认。"),
                st(d(88) + h(3), K::Resolved, OFFICER_CM, "纠纷化解。"),
                st(d(89), K::FedBack, OFFICER_CM, "已向双方反馈。"),
                st(d(93), K::FollowedUp, OFFICER_CM, "上门回访：管道已更换，天花板已修复。"),
                st(d(95), K::Closed, CMD, "结案。"),
            ],
            assignments: vec![
                lead(u.station_chaoming, Done),
                support(u.justice, Done),
                support(u.law, Done),
            ],
            parties: vec![
                party(PR::Complainant, "罗建军", Some("15800000051"), Some("19690405315")),
                party(PR::Respondent, "李德福", Some("15800000052"), Some("19520918137")),
            ],
            sessions: vec![
                Sess { room: r.joint, level: MediationLevel::Community, outcome: Out::Escalated, agreement: None, judicial_confirmed: false, notes: "一般纠纷层级：驻站调解员与网格员调解，分歧较大，建议升级。", mediators: vec![m.he, m.zhang] },
                Sess { room: r.hall, level: MediationLevel::Street, outcome: Out::NoAgreement, agreement: None, judicial_confirmed: false, notes: "较大纠纷层级：联合调解组到场查看，委托第三方检测。", mediators: vec![m.qian, m.sun, m.yang] },
                Sess { room: r.hall, level: MediationLevel::Street, outcome: Out::Escalated, agreement: None, judicial_confirmed: false, notes: "责任明确但赔偿金额分歧仍大，升级至区级。", mediators: vec![m.qian, m.sun, m.yang] },
                Sess { room: r.district, level: MediationLevel::District, outcome: Out::Agreement, agreement: Some("李德福负责更换老化管道并承担罗建军家天花板修复费用8600元，于协议签订后15日内付清；双方不再追究其他责任。"), judicial_confirmed: true, notes: "重大纠纷层级：司法局、综合执法参与，律师释法。", mediators: vec![m.huang, m.liu, m.deng] },
            ],
            follow_up: Some(Fu { method: Visit, visitor: "demo-officer-chaoming", ratings: (4, 5, 5), satisfied: true, comment: "拖得久了点，但总算解决了。" }),
            ..base(CK::Dispute, Cat::Neighbour, Src::WalkIn, walk_in("罗建军", "15800000051"), g.dy, d(112))
        },
        // Story 7 (义乌): a foreign-trade quality dispute mediated by a foreign mediator
        // chosen by language.
        CaseSpec {
            title: "外贸围巾质量纠纷",
            description: "埃及采购商艾哈迈德·萨利赫反映：从杭州丝路国际贸易有限公司采购的一批围巾（约1.2万条）存在色差和起球，要求退货退款；公司认为货品符合合同约定的样品标准。双方语言沟通不畅。",
            colour: Some(Yellow),
            severity: Some(Ordinary),
            enterprise: Some(e.silk),
            room: Some(r.laochen),
            address: Some("竹竿巷66号"),
            logged_by: POLICE,
            occurred_before: d(5),
            steps: vec![
                st(h(1), K::Assessed, POLICE, "评估：涉外商事纠纷，黄色。"),
                su(h(2), K::Dispatched, POLICE, u.station_wulin, "武林派出所受理。"),
                su(h(3), K::Accepted, POLICE, u.station_wulin, "签收。"),
                st(h(4), K::MediationReferred, POLICE, "转老陈调解室；当事人母语为阿拉伯语，按语言选派外籍调解员（洋娘舅）阿里·哈桑。"),
                st(d(2), K::MediationSession, MEDIATOR, "首席调解员陈国庆与外籍调解员阿里·哈桑（阿拉伯语）共同主持调解，双方达成协议。"),
                st(d(2) + h(2), K::Resolved, MEDIATOR, "达成协议，纠纷化解。"),
            ],
            assignments: vec![lead(u.station_wulin, Done)],
            parties: vec![
                party(PR::Complainant, "艾哈迈德·萨利赫", Some("15800000071"), None),
                org(PR::Respondent, "杭州丝路国际贸易有限公司", Some(e.silk)),
            ],
            sessions: vec![Sess { room: r.laochen, level: MediationLevel::Street, outcome: Out::Agreement, agreement: Some("公司对存在色差的3000条围巾办理退货并退款，其余货品按合同价九五折结算；双方约定今后以封样为验收标准。"), judicial_confirmed: false, notes: "按语言（ar）选派外籍调解员，全程阿拉伯语、汉语双语调解。", mediators: vec![m.chen, m.ali] }],
            ..base(CK::Dispute, Cat::Commercial, Src::WalkIn, walk_in("艾哈迈德·萨利赫", "15800000071"), g.zgx, d(30))
        },
        // Story 8: a QR code on a lamp post; anonymous report, handled, fed back.
        CaseSpec {
            title: "路灯杆检修门缺失电线裸露",
            description: "路灯杆底部检修门缺失，内部电线裸露，紧邻人行道，儿童经常经过，存在触电隐患。",
            colour: Some(Yellow),
            severity: Some(Ordinary),
            report_code: Some(*lamp_code),
            address: Some("武林路与凤起路交叉口东北角路灯杆"),
            coords: Some((30.2751, 120.1638)),
            report_note: Some("扫描民情码匿名上报。"),
            steps: vec![
                st(25, K::Assessed, GRID, "网格员现场核实属实，评估赋色：黄色。"),
                su(30, K::Dispatched, GRID, u.law, "推送综合执法队，通知路灯养护单位。"),
                su(50, K::Accepted, LAW, u.law, "签收。"),
                su(h(2), K::Handling, LAW, u.law, "现场设置临时围挡，路灯养护单位到场断电。"),
                su(h(20), K::Resolved, LAW, u.law, "检修门已更换，线路已重新包扎绝缘。"),
                st(h(21), K::FedBack, GRID, "隐患已处理，感谢您的反馈。"),
            ],
            assignments: vec![lead(u.law, Done)],
            ..base(CK::SafetyHazard, Cat::Other, Src::ReportCode, anonymous(), g.wll1, d(9) + h(2))
        },
        // ---- Everyday cases ------------------------------------------------------------
        CaseSpec {
            title: "楼下电动自行车被盗",
            description: "报警人称停放在楼下的白色电动自行车被盗，车辆购于半年前。",
            colour: Some(Orange),
            severity: Some(Ordinary),
            address: Some("华藏寺巷8号楼下"),
            coords: Some((30.2733, 120.1625)),
            occurred_before: h(8),
            steps: vec![
                st(5, K::Assessed, CMD, "评估赋色：橙色，启动“3小时快速破案追赃”机制。"),
                su(8, K::Dispatched, CMD, u.office_tian, "指派田安乐警务室。"),
                su(12, K::Accepted, POLICE, u.office_tian, "签收。"),
                st(40, K::Handling, POLICE, "调取小区及周边监控，锁定嫌疑人去向。"),
                st(60, K::VolunteersAssigned, POLICE, "武林大妈协助周边巡查比对车辆。"),
            ],
            assignments: vec![lead(u.office_tian, Accepted)],
            parties: vec![party(PR::Victim, "许文杰", Some("15800000081"), Some("19900126173"))],
            tasks: vec![Task { team: Some(t.dama), volunteer: None, kind: VolunteerTaskKind::Patrol, status: VolunteerTaskStatus::Accepted, check: None, coords: None }],
            external: Some((p.p110, "JJ3301050004417")),
            ..base(CK::PoliceIncident, Cat::Theft, Src::Call110, via_110("许文杰", "15800000081"), g.wll2, h(20))
        },
        CaseSpec {
            title: "共享单车堵塞小区消防通道",
            description: "小区东门消防通道被大量共享单车堵塞，已持续两天。",
            address: Some("武林路社区东门"),
            ..base(CK::NonPoliceIncident, Cat::Traffic, Src::MiniProgram, citizen(), g.wll, h(2))
        },
        CaseSpec {
            title: "夜间烧烤油烟噪音扰民",
            description: "凤起路沿街烧烤店每晚营业至凌晨两点，油烟和噪音影响楼上居民休息。",
            address: Some("凤起路沿街商铺"),
            external: Some((p.hotline, "12345-GS-0000512")),
            ..base(CK::NonPoliceIncident, Cat::Noise, Src::Hotline12345, via_12345("俞海波", "15800000091"), g.fq, d(1) + h(3))
        },
        CaseSpec {
            title: "楼道电动车充电飞线",
            description: "巡查发现华藏寺巷3幢三楼住户从窗口拉线给楼道内电动车充电。",
            colour: Some(Yellow),
            severity: Some(Ordinary),
            steps: vec![st(h(1), K::Assessed, GRID, "评估赋色：黄色，待派综合执法。")],
            ..base(CK::SafetyHazard, Cat::FireRisk, Src::GridWorker, staff(ReporterRole::GridWorker, GRID, "王丽萍", "13800000006"), g.wll2, d(2))
        },
        CaseSpec {
            title: "老人疑似遭遇保健品诈骗",
            description: "居民反映其父亲参加“免费健康讲座”后，先后花费4.6万元购买所谓“特效保健品”，怀疑被骗。",
            colour: Some(Orange),
            severity: Some(Larger),
            logged_by: OFFICER_CM,
            occurred_before: d(20),
            steps: vec![st(30, K::Assessed, OFFICER_CM, "评估赋色：橙色，涉老年人财产安全。")],
            parties: vec![
                party(PR::Complainant, "韦建军", Some("15800000101"), Some("19740708215")),
                party(PR::Victim, "韦福林", None, Some("19461102117")),
            ],
            ..base(CK::PoliceIncident, Cat::Fraud, Src::WalkIn, walk_in("韦建军", "15800000101"), g.dy, d(1) + h(1))
        },
        CaseSpec {
            title: "餐馆储值卡退费纠纷",
            description: "在凤起路一家餐馆办理2000元储值卡，门店突然停业装修，要求退还余额1460元遭拒。",
            colour: Some(Yellow),
            severity: Some(Ordinary),
            enterprise: Some(e.catering),
            steps: vec![
                st(h(2), K::Assessed, CMD, "评估赋色：黄色。"),
                su(h(3), K::Dispatched, CMD, u.market, "转市场监管所处理消费纠纷。"),
            ],
            assignments: vec![lead(u.market, Pending)],
            parties: vec![
                party(PR::Complainant, "林小雨", Some("15800000001"), Some("19970415226")),
                org(PR::Respondent, "杭州凤起餐饮管理有限公司", Some(e.catering)),
            ],
            ..base(CK::Dispute, Cat::Consumer, Src::MiniProgram, citizen(), g.fq, d(3))
        },
        CaseSpec {
            title: "河埠头护栏松动存在落水隐患",
            description: "德胜新村河埠头木质护栏松动，部分已断裂，傍晚常有老人在此洗涤，存在落水隐患。",
            colour: Some(Orange),
            severity: Some(Ordinary),
            address: Some("德胜新村河埠头"),
            steps: vec![
                st(h(1), K::Assessed, CMD, "评估赋色：橙色，临水区域。"),
                su(h(2), K::Dispatched, CMD, u.law, "派综合执法联系河道养护单位修复。"),
                st(h(3), K::VolunteersAssigned, CMD, "雄鹰救援队在修复前开展临水巡查。"),
            ],
            assignments: vec![lead(u.law, Pending)],
            tasks: vec![Task { team: Some(t.eagle), volunteer: None, kind: VolunteerTaskKind::Patrol, status: VolunteerTaskStatus::Assigned, check: None, coords: None }],
            external: Some((p.four, "4PT-XH-20931")),
            ..base(CK::SafetyHazard, Cat::Other, Src::FourPlatforms, via("demo-platform-four", None, None), g.dsxc, d(4))
        },
        CaseSpec {
            title: "便利店销售过期酸奶",
            description: "报警人称在竹竿巷一家便利店购买的酸奶已过保质期三天，与店员理论未果。",
            colour: Some(Green),
            severity: Some(Ordinary),
            steps: vec![
                st(10, K::Assessed, CMD, "非警务警情，评估赋色：绿色，分流至市场监管。"),
                su(15, K::Dispatched, CMD, u.market, "非警务警情分流。"),
                su(h(3), K::Accepted, MARKET, u.market, "签收。"),
                su(d(1), K::Handling, MARKET, u.market, "现场检查，下架过期酸奶12盒，立案调查。"),
            ],
            assignments: vec![lead(u.market, Accepted)],
            external: Some((p.p110, "JJ3301050004102")),
            ..base(CK::NonPoliceIncident, Cat::Consumer, Src::Call110, via_110("邵晨", "15800000111"), g.zgx, d(6))
        },
        CaseSpec {
            title: "工地拖欠农民工工资",
            description: "小河路某工地23名工人反映被拖欠工资共41.6万元，工人情绪激动。",
            colour: Some(Orange),
            severity: Some(Larger),
            steps: vec![
                st(h(2), K::Assessed, CMD, "涉群体性欠薪，橙色。"),
                su(h(3), K::Dispatched, CMD, u.petitions, "信访局牵头。"),
                su(h(3) + 10, K::Dispatched, CMD, u.station_xiaohe, "小河派出所配合稳控。"),
                su(h(5), K::Accepted, PETITIONS, u.petitions, "签收。"),
                su(h(6), K::Accepted, OFFICER_XH, u.station_xiaohe, "签收。"),
                su(d(2), K::Handling, PETITIONS, u.petitions, "约谈施工总包方，核对工资台账。"),
            ],
            assignments: vec![lead(u.petitions, Accepted), support(u.station_xiaohe, Accepted)],
            parties: vec![
                party(PR::Complainant, "杨德胜", Some("15800000121"), Some("19780930255")),
                org(PR::Respondent, "杭州恒达建筑劳务有限公司", None),
            ],
            external: Some((p.hotline, "12345-GS-0000448")),
            ..base(CK::Dispute, Cat::Labour, Src::Hotline12345, via_12345("杨德胜", "15800000121"), g.xhl, d(12))
        },
        CaseSpec {
            title: "夫妻赡养与房产纠纷",
            description: "夫妻因老人赡养和房产加名问题多次争吵，邻居反映昨晚有摔砸物品声音。",
            colour: Some(Yellow),
            severity: Some(Ordinary),
            room: Some(r.laochen),
            steps: vec![
                st(h(1), K::Assessed, GRID, "家庭纠纷，黄色，有激化苗头。"),
                su(h(2), K::Dispatched, GRID, u.station_wulin, "推送武林派出所。"),
                su(h(3), K::Accepted, POLICE, u.station_wulin, "签收。"),
                st(h(5), K::MediationReferred, POLICE, "转老陈调解室。"),
                st(d(2), K::MediationSession, MEDIATOR, "首次调解：双方情绪激动，未达成协议，约定再次调解。"),
            ],
            assignments: vec![lead(u.station_wulin, Accepted)],
            parties: vec![
                party(PR::Complainant, "孙晓梅", Some("15800000131"), Some("19880722164")),
                party(PR::Respondent, "周志远", Some("15800000132"), Some("19860315177")),
            ],
            sessions: vec![Sess { room: r.laochen, level: MediationLevel::Street, outcome: Out::NoAgreement, agreement: None, judicial_confirmed: false, notes: "双方情绪激动，先行疏导，择日再调。", mediators: vec![m.chen, m.lin] }],
            ..base(CK::Dispute, Cat::Family, Src::GridWorker, staff(ReporterRole::GridWorker, GRID, "王丽萍", "13800000006"), g.wll, d(8))
        },
        CaseSpec {
            title: "物业费与停车位纠纷",
            description: "物业将业主长期使用的地面车位改为临时车位收费，业主拒交物业费，双方多次争执。",
            colour: Some(Green),
            severity: Some(Ordinary),
            room: Some(r.laochen),
            steps: vec![
                st(h(3), K::Assessed, POLICE, "评估赋色：绿色。"),
                su(h(4), K::Dispatched, POLICE, u.gov_wulin, "转街道综治中心。"),
                su(h(6), K::Accepted, GRID, u.gov_wulin, "签收。"),
                st(d(1), K::MediationReferred, GRID, "转老陈调解室调解。"),
            ],
            assignments: vec![lead(u.gov_wulin, Accepted)],
            parties: vec![
                party(PR::Complainant, "林小雨", Some("15800000001"), Some("19970415226")),
                org(PR::Respondent, "竹竿巷小区物业服务中心", None),
            ],
            ..base(CK::Dispute, Cat::Property, Src::MiniProgram, citizen(), g.zgx, d(5))
        },
        CaseSpec {
            title: "商铺租赁合同违约金纠纷",
            description: "租户提前退租，房东扣留押金并主张三个月租金作为违约金，双方争执。",
            colour: Some(Yellow),
            severity: Some(Ordinary),
            room: Some(r.hall),
            logged_by: GRID_CM,
            steps: vec![
                st(h(2), K::Assessed, OFFICER_CM, "评估赋色：黄色。"),
                su(h(3), K::Dispatched, OFFICER_CM, u.station_chaoming, "潮鸣派出所受理。"),
                su(h(4), K::Accepted, OFFICER_CM, u.station_chaoming, "签收。"),
                st(d(1), K::MediationReferred, OFFICER_CM, "转百姓议事堂。"),
                st(d(6), K::MediationSession, MEDIATOR_HALL, "第一次调解，未达成协议。"),
                st(d(15), K::MediationSession, MEDIATOR_HALL, "第二次调解，仍未达成协议。"),
                st(d(16), K::Unresolved, OFFICER_CM, "双方对违约金分歧较大，调解不成，引导通过共享法庭在线诉讼解决。"),
            ],
            assignments: vec![lead(u.station_chaoming, Done)],
            parties: vec![
                party(PR::Complainant, "金海峰", Some("15800000141"), Some("19810603139")),
                party(PR::Respondent, "邵桂珍", Some("15800000142"), Some("19620125248")),
            ],
            sessions: vec![
                Sess { room: r.hall, level: MediationLevel::Street, outcome: Out::NoAgreement, agreement: None, judicial_confirmed: false, notes: "房东坚持三个月租金。", mediators: vec![m.qian, m.yang] },
                Sess { room: r.hall, level: MediationLevel::Street, outcome: Out::NoAgreement, agreement: None, judicial_confirmed: false, notes: "租户最多接受一个月租金，分歧未弥合。", mediators: vec![m.qian, m.yang] },
            ],
            ..base(CK::Dispute, Cat::Commercial, Src::WalkIn, walk_in("金海峰", "15800000141"), g.fq, d(50))
        },
        CaseSpec {
            title: "高空抛物砸坏车辆",
            description: "报警人称停在楼下的轿车前挡风玻璃被楼上抛下的花盆砸裂。",
            colour: Some(Orange),
            severity: Some(Ordinary),
            steps: vec![
                st(8, K::Assessed, CMD, "评估赋色：橙色。"),
                su(10, K::Dispatched, CMD, u.office_tian, "指派田安乐警务室。"),
                su(15, K::Accepted, POLICE, u.office_tian, "签收。"),
                st(h(2), K::Handling, POLICE, "走访楼上住户12户，调取监控，因角度遮挡未能确定抛物人。"),
                st(d(5), K::Unresolved, POLICE, "暂未查明抛物人，已在楼栋加装高空抛物监控，告知报警人可通过民事途径主张权利。"),
            ],
            assignments: vec![lead(u.office_tian, Done)],
            parties: vec![party(PR::Victim, "邱明", Some("15800000151"), Some("19850218119"))],
            external: Some((p.p110, "JJ3301050003310")),
            ..base(CK::PoliceIncident, Cat::Other, Src::Call110, via_110("邱明", "15800000151"), g.wll1, d(33))
        },
        CaseSpec {
            title: "商场内儿童走失",
            description: "家长报警称5岁男孩在武林路某商场三楼走失。",
            colour: Some(Red),
            severity: Some(Larger),
            address: Some("武林路某商场三楼"),
            occurred_before: 10,
            steps: vec![
                st(2, K::Assessed, CMD, "评估赋色：红色，儿童走失。"),
                su(3, K::Dispatched, CMD, u.office_tian, "指派田安乐警务室。"),
                su(5, K::Accepted, POLICE, u.office_tian, "签收。"),
                st(10, K::Handling, POLICE, "商场广播并封控出入口，调取监控。"),
                su(24, K::Resolved, POLICE, u.office_tian, "在商场四楼游乐区找到孩子，已交还家长。"),
            ],
            assignments: vec![lead(u.office_tian, Done)],
            parties: vec![
                party(PR::Complainant, "冯丽", Some("15800000161"), Some("19890904262")),
                party(PR::MissingPerson, "冯子涵", None, Some("20190611013")),
            ],
            external: Some((p.p110, "JJ3301050003877")),
            ..base(CK::HelpRequest, Cat::MissingPerson, Src::Call110, via_110("冯丽", "15800000161"), g.wll, d(15) + h(4))
        },
        CaseSpec {
            title: "装修噪音影响邻居休息",
            description: "楼上装修每天早七点开工，电钻声影响上夜班的邻居休息。",
            colour: Some(Green),
            severity: Some(Ordinary),
            steps: vec![
                st(h(1), K::Assessed, GRID_CM, "评估赋色：绿色，网格内化解。"),
                su(h(2), K::Dispatched, GRID_CM, u.office_tong, "同心圆警务室与网格员联合处置。"),
                su(h(3), K::Accepted, OFFICER_CM, u.office_tong, "签收。"),
                st(d(1), K::Handling, GRID_CM, "网格员与社区民警上门沟通，装修方同意午间及周末停工。"),
                st(d(1) + h(2), K::Resolved, GRID_CM, "双方认可。"),
            ],
            assignments: vec![lead(u.office_tong, Done)],
            ..base(CK::Dispute, Cat::Noise, Src::GridWorker, staff(ReporterRole::GridWorker, GRID_CM, "陈静", "13800000007"), g.fq, d(20))
        },
        CaseSpec {
            title: "小区路灯长期不亮",
            description: "德胜新村小区内5盏路灯不亮已近一个月，夜间出行不便。",
            colour: Some(Green),
            severity: Some(Ordinary),
            steps: vec![
                st(h(3), K::Assessed, GRID_XH, "评估赋色：绿色。"),
                su(h(4), K::Dispatched, GRID_XH, u.law, "推送综合执法队。"),
                su(h(8), K::Accepted, LAW, u.law, "签收。"),
                su(d(2), K::Handling, LAW, u.law, "通知路灯养护单位检修。"),
                su(d(3), K::Resolved, LAW, u.law, "更换损坏灯具5盏。"),
                st(d(3) + h(2), K::FedBack, GRID_XH, "已通过小程序反馈。"),
            ],
            assignments: vec![lead(u.law, Done)],
            ..base(CK::NonPoliceIncident, Cat::Other, Src::MiniProgram, citizen(), g.dsxc, d(18))
        },
        CaseSpec {
            title: "居民楼燃气管道异味",
            description: "凤起社区某居民楼楼道内有明显燃气异味。",
            colour: Some(Red),
            severity: Some(Larger),
            occurred_before: 10,
            steps: vec![
                st(5, K::Assessed, CMD, "评估赋色：红色，疑似燃气泄漏。"),
                su(7, K::Dispatched, CMD, u.gas, "燃气公司抢修。"),
                su(8, K::Dispatched, CMD, u.fire, "消防到场警戒。"),
                su(12, K::Accepted, GAS, u.gas, "签收。"),
                su(13, K::Accepted, FIRE, u.fire, "签收。"),
                su(35, K::Handling, GAS, u.gas, "关闭总阀，查出三楼立管接口老化渗漏。"),
                su(h(2), K::Resolved, GAS, u.gas, "更换接口，复检无泄漏。"),
                st(h(3), K::FedBack, CMD, "已向来电人反馈。"),
                st(d(1), K::FollowedUp, CMD, "电话回访。"),
            ],
            assignments: vec![lead(u.gas, Done), support(u.fire, Done)],
            follow_up: Some(Fu { method: Phone, visitor: COMMANDER_SUBJECT, ratings: (5, 5, 5), satisfied: true, comment: "来得很快，放心了。" }),
            external: Some((p.hotline, "12345-GS-0000421")),
            ..base(CK::SafetyHazard, Cat::Gas, Src::Hotline12345, via_12345("施美娟", "15800000171"), g.fq, d(26))
        },
        CaseSpec {
            title: "小区车位被长期占用",
            description: "业主的固定车位被邻居车辆长期占用，多次沟通无果。",
            colour: Some(Green),
            severity: Some(Ordinary),
            steps: vec![
                st(h(2), K::Assessed, GRID, "评估赋色：绿色。"),
                su(h(3), K::Dispatched, GRID, u.office_tian, "网格员与警务室民警联合处置。"),
                su(h(4), K::Accepted, POLICE, u.office_tian, "签收。"),
                st(d(1), K::Handling, GRID, "上门协调，占用方同意挪车并承诺不再占用。"),
                st(d(1) + h(1), K::Resolved, GRID, "纠纷化解。"),
                st(d(1) + h(2), K::FedBack, GRID, "已通过小程序反馈。"),
                st(d(3), K::FollowedUp, GRID, "线上回访。"),
                st(d(3) + h(1), K::Closed, GRID, "结案。"),
            ],
            assignments: vec![lead(u.office_tian, Done)],
            parties: vec![
                party(PR::Complainant, "林小雨", Some("15800000001"), Some("19970415226")),
                party(PR::Respondent, "何志斌", Some("15800000181"), None),
            ],
            follow_up: Some(Fu { method: Online, visitor: GRID_WORKER_SUBJECT, ratings: (4, 5, 4), satisfied: true, comment: "处理得挺快。" }),
            ..base(CK::Dispute, Cat::Neighbour, Src::MiniProgram, citizen(), g.wll, d(45))
        },
        CaseSpec {
            title: "企业拖欠员工工资",
            description: "智安企业平台推送：潮鸣纺织因订单回款延迟，两个月工资未发，员工代表要求尽快支付。",
            colour: Some(Orange),
            severity: Some(Larger),
            enterprise: Some(e.textile),
            steps: vec![
                st(h(2), K::Assessed, CMD, "涉企劳资纠纷，橙色。"),
                su(h(3), K::Dispatched, CMD, u.justice, "司法局牵头调处。"),
                su(h(3) + 5, K::Dispatched, CMD, u.petitions, "信访局配合。"),
                su(h(6), K::Accepted, JUSTICE, u.justice, "签收。"),
                su(h(7), K::Accepted, PETITIONS, u.petitions, "签收。"),
                st(d(2), K::Note, JUSTICE, "涉企案件会商：企业订单回款延迟，现金流紧张。"),
                su(d(7), K::Handling, JUSTICE, u.justice, "企业与员工代表签订分期支付计划。"),
                su(d(21), K::Resolved, JUSTICE, u.justice, "工资全部结清。"),
                st(d(22), K::FedBack, JUSTICE, "已向员工代表反馈。"),
                st(d(30), K::FollowedUp, JUSTICE, "电话回访员工代表。"),
                st(d(30) + h(2), K::Closed, CMD, "结案。"),
            ],
            assignments: vec![lead(u.justice, Done), support(u.petitions, Done)],
            parties: vec![
                party(PR::Complainant, "邹建平", Some("15800000191"), Some("19830517271")),
                org(PR::Respondent, "杭州潮鸣纺织有限公司", Some(e.textile)),
            ],
            follow_up: Some(Fu { method: Phone, visitor: "demo-justice-staff", ratings: (3, 3, 2), satisfied: false, comment: "钱拿到了，但拖得太久。" }),
            external: Some((p.smart, "ZAQY-2025-00093")),
            ..base(CK::EnterpriseCase, Cat::Labour, Src::EnterprisePlatform, via("demo-platform-smart-enterprise", Some("邹建平"), Some("15800000191")), g.fq, d(85))
        },
        CaseSpec {
            title: "网络刷单被骗",
            description: "报警人称按“兼职刷单”客服指示连续转账三笔共5.8万元后无法提现。",
            colour: Some(Orange),
            severity: Some(Larger),
            occurred_before: h(1),
            steps: vec![
                st(3, K::Assessed, CMD, "评估赋色：橙色，电信网络诈骗。"),
                su(5, K::Dispatched, CMD, u.station_xiaohe, "指派小河派出所。"),
                su(8, K::Accepted, OFFICER_XH, u.station_xiaohe, "签收。"),
                st(20, K::Handling, OFFICER_XH, "紧急止付涉案账户。"),
                su(d(6), K::Resolved, OFFICER_XH, u.station_xiaohe, "止付挽回损失2.3万元，案件移交刑侦继续侦办。"),
                st(d(6) + h(1), K::Synced, SYSTEM, "已回传110接处警平台。"),
                st(d(7), K::FedBack, OFFICER_XH, "已向报警人反馈。"),
                st(d(8), K::FollowedUp, OFFICER_XH, "电话回访。"),
                st(d(8) + h(1), K::Closed, CMD, "结案。"),
            ],
            assignments: vec![lead(u.station_xiaohe, Done)],
            parties: vec![party(PR::Victim, "顾晓婷", Some("15800000201"), Some("19990320122"))],
            follow_up: Some(Fu { method: Phone, visitor: "demo-officer-xiaohe", ratings: (5, 4, 4), satisfied: true, comment: "止付很及时。" }),
            external: Some((p.p110, "JJ3301050000533")),
            ..base(CK::PoliceIncident, Cat::Fraud, Src::Call110, via_110("顾晓婷", "15800000201"), g.xhl, d(100))
        },
        CaseSpec {
            title: "酒后在餐馆滋事",
            description: "民警巡逻发现一男子酒后在餐馆摔砸碗碟。",
            colour: Some(Yellow),
            severity: Some(Ordinary),
            steps: vec![
                st(5, K::Assessed, OFFICER_CM, "评估赋色：黄色。"),
                su(6, K::Dispatched, OFFICER_CM, u.station_chaoming, "潮鸣派出所处置。"),
                su(7, K::Accepted, OFFICER_CM, u.station_chaoming, "签收。"),
                st(30, K::Handling, OFFICER_CM, "控制现场，待当事人酒醒后调解。"),
                su(h(3), K::Resolved, OFFICER_CM, u.station_chaoming, "当事人赔礼道歉并赔偿店家损失。"),
                st(h(4), K::FedBack, OFFICER_CM, "已向店家反馈。"),
                st(d(2), K::FollowedUp, OFFICER_CM, "回访店家。"),
                st(d(2) + h(1), K::Closed, OFFICER_CM, "结案。"),
            ],
            assignments: vec![lead(u.station_chaoming, Done)],
            follow_up: Some(Fu { method: Visit, visitor: "demo-officer-chaoming", ratings: (5, 5, 5), satisfied: true, comment: "处理公道。" }),
            ..base(CK::PoliceIncident, Cat::Other, Src::Officer, staff(ReporterRole::Officer, OFFICER_CM, "金晓红", "13800000003"), g.dy, d(64))
        },
        CaseSpec {
            title: "危化品仓库消防隐患",
            description: "检查发现仓库内易燃液体与氧化剂混存，消防通道堆放杂物。",
            colour: Some(Red),
            severity: Some(Major),
            enterprise: Some(e.chem),
            address: Some("环城北路仓储区3号库"),
            steps: vec![
                st(h(1), K::Assessed, CMD, "评估赋色：红色，危化品经营企业。"),
                su(h(2), K::Dispatched, CMD, u.fire, "消防牵头整改。"),
                su(h(2) + 5, K::Dispatched, CMD, u.market, "市场监管复查经营许可。"),
                su(h(3), K::Accepted, FIRE, u.fire, "签收。"),
                su(h(4), K::Accepted, MARKET, u.market, "签收。"),
                su(d(1), K::Handling, FIRE, u.fire, "责令立即分区存放、清理消防通道。"),
                su(d(8), K::Handling, MARKET, u.market, "复查经营许可与出入库台账。"),
                su(d(10), K::Resolved, FIRE, u.fire, "复查整改到位。"),
                st(d(10) + h(2), K::FedBack, POLICE, "已向企业反馈。"),
                st(d(14), K::FollowedUp, POLICE, "上门回访。"),
                st(d(14) + h(1), K::Closed, CMD, "结案。"),
            ],
            assignments: vec![lead(u.fire, Done), support(u.market, Done)],
            follow_up: Some(Fu { method: Visit, visitor: COMMUNITY_POLICE_SUBJECT, ratings: (5, 5, 5), satisfied: true, comment: "企业安全意识提高了。" }),
            ..base(CK::SafetyHazard, Cat::FireRisk, Src::Officer, staff(ReporterRole::Officer, POLICE, "田立新", "13800000002"), g.zgx, d(105))
        },
        CaseSpec {
            title: "用工人员身份背景摸排",
            description: "企业拟录用3名仓储人员，申请身份背景摸排。",
            colour: Some(Green),
            severity: Some(Ordinary),
            enterprise: Some(e.silk),
            steps: vec![
                st(h(4), K::Assessed, POLICE, "评估赋色：绿色。"),
                su(h(5), K::Dispatched, POLICE, u.office_tian, "田安乐警务室核查。"),
                su(h(6), K::Accepted, POLICE, u.office_tian, "签收。"),
                su(d(1), K::Resolved, POLICE, u.office_tian, "摸排结果：3人均为“无异常”（仅反馈通过或存疑，不提供明细）。"),
            ],
            assignments: vec![lead(u.office_tian, Done)],
            external: Some((p.smart, "ZAQY-2025-00117")),
            ..base(CK::EnterpriseCase, Cat::Other, Src::EnterprisePlatform, via("demo-platform-smart-enterprise", Some("唐振宇"), Some("13600000004")), g.zgx, d(22))
        },
        CaseSpec {
            title: "厂区门口货车违停堵塞",
            description: "厂区门口每天早高峰有外来货车违停，堵塞员工通勤和消防通道。",
            enterprise: Some(e.guangdian),
            address: Some("小河路588号门口"),
            ..base(CK::EnterpriseCase, Cat::Traffic, Src::EnterprisePortal, staff(ReporterRole::Enterprise, Who::As(LIAISON_SUBJECT, "enterprise-liaison"), "沈佳", "13800000017"), g.xhl, h(5))
        },
        CaseSpec {
            title: "独居老人在家跌倒求助",
            description: "邻居听到独居老人呼救，老人在家中跌倒无法起身，房门反锁。",
            colour: Some(Red),
            severity: Some(Ordinary),
            occurred_before: 5,
            steps: vec![
                st(5, K::Assessed, CMD, "评估赋色：红色。"),
                su(8, K::Dispatched, CMD, u.office_tong, "同心圆警务室出警。"),
                st(9, K::VolunteersAssigned, CMD, "红巷义警就近上门。"),
            ],
            assignments: vec![lead(u.office_tong, Pending)],
            tasks: vec![Task { team: Some(t.hongxiang), volunteer: Some(v.fang_min), kind: VolunteerTaskKind::Other, status: VolunteerTaskStatus::Assigned, check: None, coords: None }],
            ..base(CK::HelpRequest, Cat::Other, Src::MiniProgram, citizen(), g.fq, 40)
        },
        CaseSpec {
            title: "健身房停业退费纠纷",
            description: "健身房更换经营者后拒绝承认原会员卡，会员要求退还剩余课时费。",
            colour: Some(Green),
            severity: Some(Ordinary),
            room: Some(r.court),
            steps: vec![
                st(h(3), K::Assessed, CMD, "评估赋色：绿色。"),
                su(h(4), K::Dispatched, CMD, u.market, "转市场监管所。"),
                su(h(8), K::Accepted, MARKET, u.market, "签收。"),
                st(d(2), K::MediationReferred, MARKET, "转共享法庭诉前调解。"),
                st(d(9), K::MediationSession, MEDIATOR_COURT, "诉前调解达成协议，在线司法确认。"),
                su(d(9) + h(2), K::Resolved, MARKET, u.market, "纠纷化解。"),
                st(d(10), K::FedBack, MARKET, "已向来电人反馈。"),
                st(d(12), K::FollowedUp, MARKET, "电话回访。"),
                st(d(12) + h(1), K::Closed, MARKET, "结案。"),
            ],
            assignments: vec![lead(u.market, Done)],
            parties: vec![
                party(PR::Complainant, "章雨欣", Some("15800000211"), Some("19960828145")),
                org(PR::Respondent, "小河路某健身房", None),
            ],
            sessions: vec![Sess { room: r.court, level: MediationLevel::Street, outcome: Out::Agreement, agreement: Some("健身房退还剩余课时费3200元，分两期于30日内付清。"), judicial_confirmed: true, notes: "共享法庭诉前调解。", mediators: vec![m.zheng] }],
            follow_up: Some(Fu { method: Phone, visitor: DEPARTMENT_STAFF_SUBJECT, ratings: (4, 4, 5), satisfied: true, comment: "钱已经收到第一期。" }),
            external: Some((p.hotline, "12345-GS-0000301")),
            ..base(CK::Dispute, Cat::Consumer, Src::Hotline12345, via_12345("章雨欣", "15800000211"), g.xhl, d(70))
        },
        CaseSpec {
            title: "流动摊贩占道经营",
            description: "武林路人行道傍晚有多个流动摊贩占道经营，行人只能走机动车道。",
            colour: Some(Green),
            severity: Some(Ordinary),
            steps: vec![
                st(h(1), K::Assessed, GRID, "评估赋色：绿色。"),
                su(h(2), K::Dispatched, GRID, u.law, "推送综合执法队。"),
                su(h(5), K::Accepted, LAW, u.law, "签收。"),
                su(d(1), K::Handling, LAW, u.law, "劝导流动摊贩进入疏导点经营。"),
                su(d(1) + h(1), K::Resolved, LAW, u.law, "人行道已恢复通行。"),
                st(d(1) + h(2), K::FedBack, GRID, "已回传警网协同平台。"),
                st(d(4), K::FollowedUp, GRID, "回访周边商户。"),
                st(d(4) + h(1), K::Closed, GRID, "结案。"),
            ],
            assignments: vec![lead(u.law, Done)],
            follow_up: Some(Fu { method: Visit, visitor: GRID_WORKER_SUBJECT, ratings: (4, 4, 4), satisfied: true, comment: "希望能长期保持。" }),
            external: Some((p.police_grid, "JWXT-WL-0622")),
            ..base(CK::NonPoliceIncident, Cat::Traffic, Src::PoliceGridPlatform, via("demo-platform-police-grid", None, None), g.wll, d(58))
        },
        CaseSpec {
            title: "邻居犬只夜间吠叫扰民",
            description: "四个平台流转：邻居饲养的大型犬夜间频繁吠叫，影响休息。",
            colour: Some(Green),
            severity: Some(Ordinary),
            steps: vec![
                st(h(2), K::Assessed, POLICE, "评估赋色：绿色。"),
                su(h(3), K::Dispatched, POLICE, u.office_tian, "四个平台流转，田安乐警务室处置。"),
                su(h(4), K::Accepted, POLICE, u.office_tian, "签收。"),
                st(d(1), K::Handling, POLICE, "上门劝导犬主夜间将犬只关养在室内，并办理养犬登记。"),
                su(d(1) + h(2), K::Resolved, POLICE, u.office_tian, "纠纷化解。"),
                st(d(2), K::FedBack, POLICE, "已回传四个平台。"),
                st(d(5), K::FollowedUp, POLICE, "电话回访。"),
                st(d(5) + h(1), K::Closed, POLICE, "结案。"),
            ],
            assignments: vec![lead(u.office_tian, Done)],
            follow_up: Some(Fu { method: Phone, visitor: COMMUNITY_POLICE_SUBJECT, ratings: (5, 5, 5), satisfied: true, comment: "晚上安静了。" }),
            external: Some((p.four, "4PT-WL-15530")),
            ..base(CK::Dispute, Cat::Neighbour, Src::FourPlatforms, via("demo-platform-four", Some("钟丽娟"), Some("15800000221")), g.wll1, d(90))
        },
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use entity::{
        case, case_party, case_timeline_entry, enterprise, enterprise_contact,
        enums::{CaseKind, CaseStatus, TimelineKind},
        grid, mediation_room, mediator, mediator_language, person, report_code, unit, volunteer,
        volunteer_language,
    };
    use sea_orm::{EntityTrait, Iterable, PaginatorTrait, QueryOrder};

    use super::{seed_if_empty, token_scope};
    use crate::{
        auth::{Actor, Role},
        service, validate,
    };

    fn phone_ok(p: &str) {
        assert_eq!(validate::phone(p).as_deref(), Ok(p), "phone {p}");
    }

    fn rid_ok(r: &str) {
        assert_eq!(validate::resident_id(r).as_deref(), Ok(r), "resident id {r}");
    }

    #[tokio::test]
    async fn seeds_the_demo_district_once() {
        let dir = std::env::temp_dir().join(format!("fengqiao-demo-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}/t.db?mode=rwc", dir.display());
        let db = crate::db::connect(&url, 2).await.unwrap();
        crate::db::migrate(&db).await.unwrap();

        assert!(
            token_scope(&db, Role::Commander).await.is_err(),
            "no scope before seeding"
        );
        assert!(seed_if_empty(&db).await.unwrap());
        assert!(!seed_if_empty(&db).await.unwrap());
        let now = service::now();

        // Every status and kind appears.
        let cases = case::Entity::find().all(&db).await.unwrap();
        assert!(cases.len() >= 30, "{} cases", cases.len());
        for s in CaseStatus::iter() {
            assert!(cases.iter().any(|c| c.status == s), "no case with status {s:?}");
        }
        for k in CaseKind::iter() {
            assert!(cases.iter().any(|c| c.kind == k), "no case of kind {k:?}");
        }

        // Timelines: gapless from 1, REPORTED first, increasing times in the past, and the
        // case's status and version agree with them.
        let entries = case_timeline_entry::Entity::find()
            .order_by_asc(case_timeline_entry::Column::CaseId)
            .order_by_asc(case_timeline_entry::Column::Seq)
            .all(&db)
            .await
            .unwrap();
        let mut by_case: HashMap<uuid::Uuid, Vec<case_timeline_entry::Model>> = HashMap::new();
        for e in entries {
            by_case.entry(e.case_id).or_default().push(e);
        }
        let mut numbers = std::collections::HashSet::new();
        for c in &cases {
            // Demo numbers are fixed (README examples quote them) and never look like a
            // real one (`FQ` and 14 digits).
            assert!(
                c.tracking_number.starts_with("FQDEMO") && c.tracking_number.len() == 12,
                "{}",
                c.tracking_number
            );
            assert!(numbers.insert(c.tracking_number.clone()));
            let tl = by_case
                .get(&c.id)
                .unwrap_or_else(|| panic!("{} has no timeline", c.title));
            assert_eq!(tl[0].kind, TimelineKind::Reported, "{}", c.title);
            assert_eq!(tl[0].to_status, Some(CaseStatus::Reported));
            assert!(tl[0].created_at >= c.created_at);
            for (i, e) in tl.iter().enumerate() {
                assert_eq!(e.seq, i32::try_from(i + 1).unwrap(), "{}", c.title);
                if i > 0 {
                    assert!(e.created_at > tl[i - 1].created_at, "{}", c.title);
                }
                assert!(e.created_at <= now);
            }
            let last_status = tl.iter().rev().find_map(|e| e.to_status).unwrap();
            assert_eq!(last_status, c.status, "{}", c.title);
            assert_eq!(c.version, i32::try_from(tl.len()).unwrap());
            assert!(c.created_at <= c.updated_at && c.updated_at <= now);
            if let Some(p) = &c.reporter_phone {
                phone_ok(p);
            }
        }

        // Identifiers and codes pass the validators.
        for p in person::Entity::find().all(&db).await.unwrap() {
            phone_ok(p.phone.as_deref().unwrap());
            rid_ok(p.resident_id.as_deref().unwrap());
        }
        for v in volunteer::Entity::find().all(&db).await.unwrap() {
            phone_ok(&v.phone);
            rid_ok(v.resident_id.as_deref().unwrap());
        }
        for l in volunteer_language::Entity::find().all(&db).await.unwrap() {
            assert_eq!(
                validate::language(&l.language).as_deref(),
                Ok(l.language.as_str())
            );
        }
        for m in mediator::Entity::find().all(&db).await.unwrap() {
            phone_ok(m.phone.as_deref().unwrap());
            let n = m.nationality.unwrap();
            assert_eq!(validate::country(&n).as_deref(), Ok(n.as_str()));
        }
        for l in mediator_language::Entity::find().all(&db).await.unwrap() {
            assert_eq!(
                validate::language(&l.language).as_deref(),
                Ok(l.language.as_str())
            );
        }
        for p in case_party::Entity::find().all(&db).await.unwrap() {
            if let Some(ph) = &p.phone {
                phone_ok(ph);
            }
            if let Some(r) = &p.resident_id {
                rid_ok(r);
            }
        }
        for e in enterprise::Entity::find().all(&db).await.unwrap() {
            assert_eq!(
                validate::credit_code(&e.credit_code).as_deref(),
                Ok(e.credit_code.as_str())
            );
        }
        for c in enterprise_contact::Entity::find().all(&db).await.unwrap() {
            phone_ok(c.phone.as_deref().unwrap());
        }
        for u in unit::Entity::find().all(&db).await.unwrap() {
            phone_ok(u.phone.as_deref().unwrap());
            assert!(validate::code(&u.code).is_ok());
        }
        for r in mediation_room::Entity::find().all(&db).await.unwrap() {
            phone_ok(r.phone.as_deref().unwrap());
        }
        for r in report_code::Entity::find().all(&db).await.unwrap() {
            assert!(validate::code(&r.code).is_ok());
        }
        let grids = grid::Entity::find().all(&db).await.unwrap();
        let paths: HashMap<_, _> = grids.iter().map(|g| (g.id, (g.path.clone(), g.depth))).collect();
        for g in &grids {
            assert!(validate::code(&g.code).is_ok());
            let (path, depth) = match g.parent_id {
                None => (format!("/{}/", g.id.simple()), 0),
                Some(p) => {
                    let (pp, pd) = &paths[&p];
                    (format!("{pp}{}/", g.id.simple()), pd + 1)
                }
            };
            assert_eq!((g.path.clone(), g.depth), (path, depth), "grid {}", g.code);
        }

        // A token for every role, and each demo account sees some cases.
        for role in Role::TOKEN_ROLES {
            let (scope, subject) = token_scope(&db, role).await.unwrap();
            let actor = Actor::new(role, Some(subject), scope);
            let seen = service::visible::<case::Entity, _>(&db, &actor)
                .await
                .unwrap()
                .count(&db)
                .await
                .unwrap();
            assert!(seen > 0, "{} sees no case", role.as_str());
        }
        assert!(token_scope(&db, Role::Anonymous).await.is_err());

        db.close().await.unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
