//! Statistics: a known set of cases with known times and outcomes on side A (and look-alikes
//! on side B), and the exact figures `caseStatistics`, `volunteerStatistics` and
//! `mediationRoomStatistics` must report for side-A personas.

use chrono::{DateTime, Duration, Utc};
use entity::{
    case, case_assignment, case_timeline_entry, case_volunteer_task, enums::*, follow_up, mediation_session,
};
use fengqiao_api::{
    auth::{Actor, Role, Scope},
    service::{self, grid::NewGrid, mediation_room::NewRoom, unit::NewUnit, volunteer_team::NewTeam},
};
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{
    fixtures::{persona, world, Side, World},
    harness::{data, error_code, TestApp},
};

/// A UTC time from RFC 3339.
pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc)
}

/// The filter every test uses: the year 2025 (the fixtures' own cases are created now).
pub fn year_2025() -> Value {
    json!({ "createdFrom": "2025-01-01T00:00:00Z", "createdTo": "2026-01-01T00:00:00Z" })
}

/// One case to insert.
pub struct Spec {
    pub grid: Uuid,
    pub kind: CaseKind,
    pub status: CaseStatus,
    pub colour: Option<RiskColour>,
    pub source: CaseSource,
    pub created: &'static str,
    /// Seconds from creation to the first response.
    pub first_response: Option<i64>,
    /// Seconds from creation to the outcome (`resolved_at`).
    pub outcome_after: Option<i64>,
    /// Timeline kinds after REPORTED, in order.
    pub timeline: Vec<TimelineKind>,
    pub title: &'static str,
}

impl Spec {
    fn new(grid: Uuid, kind: CaseKind, status: CaseStatus, created: &'static str) -> Spec {
        Spec {
            grid,
            kind,
            status,
            colour: None,
            source: CaseSource::Call110,
            created,
            first_response: None,
            outcome_after: None,
            timeline: Vec::new(),
            title: "统计用例",
        }
    }
}

/// Inserts a case with its timeline, as the workflow would have left it.
pub async fn insert_case(db: &DatabaseConnection, number: &str, s: Spec) -> Uuid {
    let id = Uuid::now_v7();
    let created = t(s.created);
    case::ActiveModel {
        id: Set(id),
        tracking_number: Set(number.to_owned()),
        kind: Set(s.kind),
        category: Set(None),
        title: Set(s.title.to_owned()),
        description: Set("统计测试".into()),
        status: Set(s.status),
        risk_colour: Set(s.colour),
        severity: Set(None),
        source: Set(s.source),
        reporter_role: Set(ReporterRole::Citizen),
        reporter_subject: Set(None),
        reporter_name: Set(Some("王小明".into())),
        reporter_phone: Set(Some("13800001234".into())),
        address: Set(Some("浙江省杭州市拱墅区武林街道体育场路1号".into())),
        latitude: Set(None),
        longitude: Set(None),
        grid_id: Set(Some(s.grid)),
        placement: Set(Some(Placement::Given)),
        enterprise_id: Set(None),
        room_id: Set(None),
        report_code_id: Set(None),
        tracking_token_hash: Set(None),
        occurred_at: Set(None),
        first_response_due: Set(None),
        resolution_due: Set(None),
        first_response_at: Set(s.first_response.map(|x| created + Duration::seconds(x))),
        resolved_at: Set(s.outcome_after.map(|x| created + Duration::seconds(x))),
        closed_at: Set(None),
        version: Set(1),
        created_at: Set(created),
        updated_at: Set(created),
    }
    .insert(db)
    .await
    .expect("case");
    let mut kinds = vec![TimelineKind::Reported];
    kinds.extend(s.timeline);
    for (i, k) in kinds.into_iter().enumerate() {
        case_timeline_entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            case_id: Set(id),
            seq: Set(i as i32 + 1),
            kind: Set(k),
            from_status: Set(None),
            to_status: Set(None),
            actor_subject: Set(None),
            actor_role: Set(None),
            unit_id: Set(None),
            note: Set(None),
            public: Set(true),
            created_at: Set(created + Duration::seconds(i as i64)),
        }
        .insert(db)
        .await
        .expect("timeline entry");
    }
    id
}

/// Sets deadlines on a case.
pub async fn set_due(db: &DatabaseConnection, id: Uuid, first: Option<&str>, resolution: Option<&str>) {
    let m = case::ActiveModel {
        id: Set(id),
        first_response_due: Set(first.map(t)),
        resolution_due: Set(resolution.map(t)),
        ..Default::default()
    };
    m.update(db).await.expect("deadlines");
}

pub async fn session(
    db: &DatabaseConnection,
    case_id: Uuid,
    room: Uuid,
    outcome: SessionOutcome,
    at: &str,
    held: bool,
    judicial: bool,
) {
    mediation_session::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(case_id),
        room_id: Set(room),
        level: Set(MediationLevel::Community),
        scheduled_at: Set(t(at)),
        held_at: Set(held.then(|| t(at))),
        outcome: Set(outcome),
        agreement_text: Set(None),
        judicial_confirmed: Set(judicial),
        notes: Set(None),
        created_at: Set(t(at)),
        updated_at: Set(t(at)),
    }
    .insert(db)
    .await
    .expect("session");
}

pub async fn visit(db: &DatabaseConnection, case_id: Uuid, at: &str, satisfied: bool) {
    follow_up::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(case_id),
        method: Set(FollowUpMethod::Phone),
        visited_at: Set(t(at)),
        visitor_subject: Set(None),
        repeat_case_id: Set(None),
        response_speed_rating: Set(5),
        attitude_rating: Set(5),
        handling_rating: Set(5),
        satisfied: Set(satisfied),
        comment: Set(None),
        created_at: Set(t(at)),
    }
    .insert(db)
    .await
    .expect("follow-up");
}

pub async fn assign(db: &DatabaseConnection, case_id: Uuid, unit: Uuid, status: AssignmentStatus, at: &str) {
    case_assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(case_id),
        unit_id: Set(unit),
        lead: Set(true),
        status: Set(status),
        reason: Set(None),
        assigned_by: Set(None),
        assigned_at: Set(t(at)),
        responded_at: Set(None),
    }
    .insert(db)
    .await
    .expect("assignment");
}

#[allow(clippy::too_many_arguments)]
pub async fn task(
    db: &DatabaseConnection,
    case_id: Uuid,
    team: Option<Uuid>,
    volunteer: Option<Uuid>,
    status: VolunteerTaskStatus,
    minutes: Option<i64>,
    at: &str,
) {
    case_volunteer_task::ActiveModel {
        id: Set(Uuid::now_v7()),
        case_id: Set(case_id),
        team_id: Set(team),
        volunteer_id: Set(volunteer),
        kind: Set(VolunteerTaskKind::Rescue),
        status: Set(status),
        checked_in_at: Set(None),
        checked_out_at: Set(None),
        check_in_latitude: Set(None),
        check_in_longitude: Set(None),
        minutes: Set(minutes),
        created_at: Set(t(at)),
        updated_at: Set(t(at)),
    }
    .insert(db)
    .await
    .expect("task");
}

/// The world plus the statistics lab on side A (and look-alikes on side B).
pub struct Lab {
    pub w: World,
    /// A second area (street) under district A, with a group (community) below it.
    pub street2: Uuid,
    pub community2: Uuid,
    /// A second unit and room and team on side A.
    pub unit2: Uuid,
    pub room2: Uuid,
    pub team2: Uuid,
    /// Tracking numbers of side-A 2025 cases, and of side-B cases.
    pub a_numbers: Vec<String>,
    pub b_numbers: Vec<String>,
}

/// Side A, created in 2025 (seconds after creation):
///
/// | # | grid        | kind            | status       | colour | source       | created          | first resp. | outcome | notes |
/// |---|-------------|-----------------|--------------|--------|--------------|------------------|-------------|---------|-------|
/// | 1 | community A | DISPUTE         | CLOSED       | RED    | CALL_110     | 2025-01-10 08:00 | 600         | 3600    | RESOLVED; agreement (judicial); satisfied; lead unit A |
/// | 2 | community A | DISPUTE         | FED_BACK     | ORANGE | CALL_110     | 2025-01-20 09:00 | 1200        | 7200    | UNRESOLVED; no agreement; lead A transferred → unit2 |
/// | 3 | community A | SAFETY_HAZARD   | RESOLVED     | RED    | MINI_PROGRAM | 2025-02-02 23:30 | 300         | 1800    | lead A rejected |
/// | 4 | community 2 | DISPUTE         | FOLLOWED_UP  | YELLOW | MINI_PROGRAM | 2025-02-14 10:00 | 900         | 10800   | UNRESOLVED, REOPENED, RESOLVED; unsatisfied then satisfied |
/// | 5 | community 2 | HELP_REQUEST    | IN_HANDLING  | —      | CALL_110     | 2025-02-20 10:00 | 60          | —       | resolution due 2025-02-21: overdue; pending session |
/// | 6 | street A    | POLICE_INCIDENT | REPORTED     | —      | CALL_110     | 2025-03-01 12:00 | —           | —       | first response due 2025-03-01 13:00: overdue; title =cmd |
/// | 7 | community A | DISPUTE         | CLOSED       | GREEN  | WALK_IN      | 2025-03-15 08:00 | 1800        | 86400   | RESOLVED; escalated in A then agreement in room 2; unsatisfied; resolution due passed but closed |
///
/// plus one side-A case in 2024 (outside the filter) and two side-B cases in 2025.
pub async fn lab(db: &DatabaseConnection) -> Lab {
    use CaseKind as K;
    use CaseStatus as S;
    use TimelineKind as T;
    let w = world(db).await;
    let sys = Actor::system();
    let a: &Side = &w.a;
    let street2 = service::grid::create(
        db,
        &sys,
        NewGrid {
            code: "A-S2".into(),
            name: "第二街道A".into(),
            level: GridLevel::Area,
            kind: GridKind::Community,
            parent_id: Some(a.district),
        },
    )
    .await
    .expect("street 2");
    let community2 = service::grid::create(
        db,
        &sys,
        NewGrid {
            code: "A-C2".into(),
            name: "第二社区A".into(),
            level: GridLevel::Group,
            kind: GridKind::Community,
            parent_id: Some(street2.id),
        },
    )
    .await
    .expect("community 2");
    let unit2 = service::unit::create(
        db,
        &sys,
        NewUnit {
            code: "A-LE".into(),
            name: "综合执法队A".into(),
            kind: UnitKind::LawEnforcement,
            parent_id: None,
            grid_id: Some(a.district),
            phone: None,
            address: None,
        },
    )
    .await
    .expect("unit 2");
    let room2 = service::mediation_room::create(
        db,
        &sys,
        NewRoom {
            name: "街道调解中心A".into(),
            level: MediationLevel::Street,
            grid_id: Some(a.street),
            unit_id: None,
            address: None,
            phone: None,
            description: None,
        },
    )
    .await
    .expect("room 2");
    let team2 = service::volunteer_team::create(
        db,
        &sys,
        NewTeam {
            name: "巡防队A2".into(),
            brand: None,
            kind: VolunteerTeamKind::Patrol,
            alliance: None,
            grid_id: Some(a.community),
            unit_id: None,
        },
    )
    .await
    .expect("team 2");

    let mut specs = Vec::new();
    let mut s = Spec::new(a.community, K::Dispute, S::Closed, "2025-01-10T08:00:00Z");
    s.colour = Some(RiskColour::Red);
    s.first_response = Some(600);
    s.outcome_after = Some(3600);
    s.timeline = vec![T::Resolved, T::FedBack, T::FollowedUp, T::Closed];
    specs.push(s);
    let mut s = Spec::new(a.community, K::Dispute, S::FedBack, "2025-01-20T09:00:00Z");
    s.colour = Some(RiskColour::Orange);
    s.first_response = Some(1200);
    s.outcome_after = Some(7200);
    s.timeline = vec![T::Unresolved, T::FedBack];
    specs.push(s);
    let mut s = Spec::new(a.community, K::SafetyHazard, S::Resolved, "2025-02-02T23:30:00Z");
    s.colour = Some(RiskColour::Red);
    s.source = CaseSource::MiniProgram;
    s.first_response = Some(300);
    s.outcome_after = Some(1800);
    specs.push(s);
    let mut s = Spec::new(community2.id, K::Dispute, S::FollowedUp, "2025-02-14T10:00:00Z");
    s.colour = Some(RiskColour::Yellow);
    s.source = CaseSource::MiniProgram;
    s.first_response = Some(900);
    s.outcome_after = Some(10800);
    s.timeline = vec![T::Unresolved, T::Reopened, T::Resolved, T::FedBack, T::FollowedUp];
    specs.push(s);
    let mut s = Spec::new(
        community2.id,
        K::HelpRequest,
        S::InHandling,
        "2025-02-20T10:00:00Z",
    );
    s.first_response = Some(60);
    specs.push(s);
    let mut s = Spec::new(a.street, K::PoliceIncident, S::Reported, "2025-03-01T12:00:00Z");
    s.title = "=cmd|' /C calc'!A0";
    specs.push(s);
    let mut s = Spec::new(a.community, K::Dispute, S::Closed, "2025-03-15T08:00:00Z");
    s.colour = Some(RiskColour::Green);
    s.source = CaseSource::WalkIn;
    s.first_response = Some(1800);
    s.outcome_after = Some(86400);
    s.timeline = vec![T::Resolved, T::FedBack, T::FollowedUp, T::Closed];
    specs.push(s);

    let mut cases = vec![Uuid::nil()];
    let mut a_numbers = Vec::new();
    for (i, s) in specs.into_iter().enumerate() {
        let n = format!("FQSTATA{:04}", i + 1);
        cases.push(insert_case(db, &n, s).await);
        a_numbers.push(n);
    }
    // Outside the filter: 2024.
    let mut s = Spec::new(a.community, K::Dispute, S::Resolved, "2024-12-31T23:59:59Z");
    s.outcome_after = Some(60);
    insert_case(db, "FQSTATA2024", s).await;
    // Side B look-alikes.
    let mut b_numbers = Vec::new();
    for (i, status) in [S::Resolved, S::InHandling].into_iter().enumerate() {
        let n = format!("FQSTATB{:04}", i + 1);
        let mut s = Spec::new(w.b.community, K::Dispute, status, "2025-01-15T08:00:00Z");
        s.first_response = Some(5);
        s.outcome_after = (status == S::Resolved).then_some(5);
        let id = insert_case(db, &n, s).await;
        session(
            db,
            id,
            w.b.room,
            SessionOutcome::NoAgreement,
            "2025-01-16T08:00:00Z",
            true,
            false,
        )
        .await;
        visit(db, id, "2025-01-17T08:00:00Z", false).await;
        task(
            db,
            id,
            Some(w.b.team),
            Some(w.b.volunteer),
            VolunteerTaskStatus::CheckedOut,
            Some(500),
            "2025-01-15T09:00:00Z",
        )
        .await;
        assign(
            db,
            id,
            w.b.unit,
            AssignmentStatus::Accepted,
            "2025-01-15T08:10:00Z",
        )
        .await;
        set_due(db, id, None, Some("2025-01-16T00:00:00Z")).await;
        b_numbers.push(n);
    }

    let c = &cases;
    set_due(db, c[1], None, Some("2025-01-11T00:00:00Z")).await;
    set_due(db, c[5], None, Some("2025-02-21T00:00:00Z")).await;
    set_due(db, c[6], Some("2025-03-01T13:00:00Z"), None).await;
    set_due(db, c[7], None, Some("2025-03-16T00:00:00Z")).await;
    session(
        db,
        c[1],
        a.room,
        SessionOutcome::Agreement,
        "2025-01-10T10:00:00Z",
        true,
        true,
    )
    .await;
    session(
        db,
        c[2],
        a.room,
        SessionOutcome::NoAgreement,
        "2025-01-20T10:00:00Z",
        true,
        false,
    )
    .await;
    session(
        db,
        c[5],
        a.room,
        SessionOutcome::Pending,
        "2025-02-25T10:00:00Z",
        false,
        false,
    )
    .await;
    session(
        db,
        c[7],
        a.room,
        SessionOutcome::Escalated,
        "2025-03-15T10:00:00Z",
        true,
        false,
    )
    .await;
    session(
        db,
        c[7],
        room2.id,
        SessionOutcome::Agreement,
        "2025-03-15T20:00:00Z",
        true,
        false,
    )
    .await;
    visit(db, c[1], "2025-01-11T08:00:00Z", true).await;
    visit(db, c[4], "2025-02-15T08:00:00Z", false).await;
    visit(db, c[4], "2025-02-16T08:00:00Z", true).await;
    visit(db, c[7], "2025-03-17T08:00:00Z", false).await;
    assign(
        db,
        c[1],
        a.unit,
        AssignmentStatus::Accepted,
        "2025-01-10T08:05:00Z",
    )
    .await;
    assign(
        db,
        c[2],
        a.unit,
        AssignmentStatus::Transferred,
        "2025-01-20T09:05:00Z",
    )
    .await;
    assign(
        db,
        c[2],
        unit2.id,
        AssignmentStatus::Accepted,
        "2025-01-20T09:10:00Z",
    )
    .await;
    assign(
        db,
        c[3],
        a.unit,
        AssignmentStatus::Rejected,
        "2025-02-02T23:35:00Z",
    )
    .await;
    let (team, vol) = (Some(a.team), Some(a.volunteer));
    task(
        db,
        c[1],
        team,
        vol,
        VolunteerTaskStatus::CheckedOut,
        Some(45),
        "2025-01-10T08:10:00Z",
    )
    .await;
    task(
        db,
        c[1],
        team,
        None,
        VolunteerTaskStatus::Assigned,
        None,
        "2025-01-10T08:11:00Z",
    )
    .await;
    task(
        db,
        c[4],
        team,
        vol,
        VolunteerTaskStatus::Declined,
        None,
        "2025-02-14T10:10:00Z",
    )
    .await;
    task(
        db,
        c[7],
        Some(team2.id),
        None,
        VolunteerTaskStatus::Accepted,
        None,
        "2025-03-15T08:10:00Z",
    )
    .await;
    task(
        db,
        c[7],
        team,
        vol,
        VolunteerTaskStatus::CheckedIn,
        None,
        "2025-03-15T08:20:00Z",
    )
    .await;
    Lab {
        w,
        street2: street2.id,
        community2: community2.id,
        unit2: unit2.id,
        room2: room2.id,
        team2: team2.id,
        a_numbers,
        b_numbers,
    }
}

/// A token for `role` scoped to side `s`.
pub fn token_for(app: &TestApp, role: Role, s: &Side) -> String {
    let (subject, scope) = persona(role, s);
    app.token(role, &subject, scope)
}

const CASE_STATS: &str = r#"query($f: CaseFilterInput, $g: [StatisticsDimension!], $l: GridLevel, $b: TimeBucket, $n: Int) {
  caseStatistics(filter: $f, groupBy: $g, gridLevel: $l, timeBucket: $b, limit: $n) {
    dimensions truncated
    total { ...M }
    groups { gridId grid { name } unitId unit { name } kind status riskColour source periodStart periodEnd metrics { ...M } }
  }
}
fragment M on CaseMetrics {
  count outcomeCount resolvedCount resolutionRate mediatedCount mediationSuccessCount mediationSuccessRate
  followedUpCount satisfiedCount satisfactionRate firstResponseSecondsMedian firstResponseSecondsP90
  handlingSecondsMedian handlingSecondsP90 overdueCount
}"#;

async fn case_stats(app: &TestApp, token: &str, vars: Value) -> Value {
    let body = app.gql(Some(token), CASE_STATS, vars).await;
    data(&body)["caseStatistics"].clone()
}

fn approx(v: &Value, expected: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    assert!((got - expected).abs() < 1e-9, "{got} != {expected}");
}

/// Groups keyed by one field.
fn by<'a>(stats: &'a Value, field: &str) -> Vec<(Value, &'a Value)> {
    stats["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| (g[field].clone(), &g["metrics"]))
        .collect()
}

fn counts(stats: &Value, field: &str) -> Vec<(Value, i64)> {
    by(stats, field)
        .into_iter()
        .map(|(k, m)| (k, m["count"].as_i64().expect("count")))
        .collect()
}

#[tokio::test]
async fn totals_rates_and_percentiles_are_exact() {
    let app = TestApp::spawn().await;
    let lab = lab(&app.db).await;
    let commander = token_for(&app, Role::Commander, &lab.w.a);
    let s = case_stats(&app, &commander, json!({ "f": year_2025() })).await;
    assert_eq!(s["truncated"], false);
    assert_eq!(s["dimensions"], json!([]));
    let m = &s["total"];
    assert_eq!(m["count"], 7, "{s}");
    assert_eq!(m["outcomeCount"], 5);
    assert_eq!(m["resolvedCount"], 4, "1, 3, 4 (reopened, resolved) and 7; not 2");
    approx(&m["resolutionRate"], 0.8);
    assert_eq!(m["mediatedCount"], 3, "1, 2 and 7; not the pending-only case 5");
    assert_eq!(m["mediationSuccessCount"], 2);
    approx(&m["mediationSuccessRate"], 2.0 / 3.0);
    assert_eq!(m["followedUpCount"], 3);
    assert_eq!(
        m["satisfiedCount"], 2,
        "the latest visit counts: case 4 ends satisfied"
    );
    approx(&m["satisfactionRate"], 2.0 / 3.0);
    // First responses 60, 300, 600, 900, 1200, 1800: ranks ⌈6/2⌉ = 3 and ⌈5.4⌉ = 6.
    assert_eq!(m["firstResponseSecondsMedian"], 600);
    assert_eq!(m["firstResponseSecondsP90"], 1800);
    // Handling 1800, 3600, 7200, 10800, 86400: ranks 3 and ⌈4.5⌉ = 5.
    assert_eq!(m["handlingSecondsMedian"], 7200);
    assert_eq!(m["handlingSecondsP90"], 86400);
    assert_eq!(
        m["overdueCount"], 2,
        "5 (resolution) and 6 (first response); closed 1 and 7 are not"
    );
    // With no groupBy there is one group, equal to the total.
    assert_eq!(s["groups"].as_array().map(Vec::len), Some(1));
    assert_eq!(&s["groups"][0]["metrics"], m);

    // Side B never counts for side A; an unrestricted admin sees both.
    let b = case_stats(
        &app,
        &token_for(&app, Role::Commander, &lab.w.b),
        json!({ "f": year_2025() }),
    )
    .await;
    assert_eq!(b["total"]["count"], 2);
    assert_eq!(b["total"]["resolvedCount"], 1);
    let admin = app.token(Role::Admin, "admin-all", Scope::district());
    let all = case_stats(&app, &admin, json!({ "f": year_2025() })).await;
    assert_eq!(all["total"]["count"], 9);
    // Without the date filter the 2024 case and the fixtures' own case count too.
    let unfiltered = case_stats(&app, &commander, json!({})).await;
    assert_eq!(unfiltered["total"]["count"], 9);
}

#[tokio::test]
async fn groups_by_each_dimension() {
    let app = TestApp::spawn().await;
    let lab = lab(&app.db).await;
    let tok = token_for(&app, Role::Commander, &lab.w.a);
    let f = year_2025();

    let s = case_stats(&app, &tok, json!({ "f": f, "g": ["KIND"] })).await;
    assert_eq!(
        counts(&s, "kind"),
        vec![
            (json!("DISPUTE"), 4),
            (json!("HELP_REQUEST"), 1),
            (json!("POLICE_INCIDENT"), 1),
            (json!("SAFETY_HAZARD"), 1)
        ]
    );
    let dispute = by(&s, "kind")[0].1.clone();
    assert_eq!(dispute["outcomeCount"], 4);
    assert_eq!(dispute["resolvedCount"], 3);
    approx(&dispute["resolutionRate"], 0.75);
    // 600, 900, 1200, 1800 → ranks 2 and 4; handling 3600, 7200, 10800, 86400 → ranks 2 and 4.
    assert_eq!(dispute["firstResponseSecondsMedian"], 900);
    assert_eq!(dispute["firstResponseSecondsP90"], 1800);
    assert_eq!(dispute["handlingSecondsMedian"], 7200);
    assert_eq!(dispute["handlingSecondsP90"], 86400);
    let help = by(&s, "kind")[1].1.clone();
    assert_eq!(
        help["resolutionRate"],
        Value::Null,
        "no outcome yet: no denominator"
    );
    assert_eq!(help["handlingSecondsMedian"], Value::Null);
    assert_eq!(help["firstResponseSecondsMedian"], 60);
    assert_eq!(help["overdueCount"], 1);

    let s = case_stats(&app, &tok, json!({ "f": f, "g": ["RISK_COLOUR"] })).await;
    assert_eq!(
        counts(&s, "riskColour"),
        vec![
            (json!("GREEN"), 1),
            (json!("ORANGE"), 1),
            (json!("RED"), 2),
            (json!("YELLOW"), 1),
            (Value::Null, 2)
        ],
        "null (not assessed) comes last"
    );

    let s = case_stats(&app, &tok, json!({ "f": f, "g": ["SOURCE"] })).await;
    assert_eq!(
        counts(&s, "source"),
        vec![
            (json!("CALL_110"), 4),
            (json!("MINI_PROGRAM"), 2),
            (json!("WALK_IN"), 1)
        ]
    );

    let s = case_stats(&app, &tok, json!({ "f": f, "g": ["STATUS"] })).await;
    assert_eq!(counts(&s, "status").len(), 6);
    assert_eq!(counts(&s, "status")[0], (json!("CLOSED"), 2));

    // Lead unit: 1 → unit A; 2 → transferred to unit 2; 3 (rejected) and the rest → none.
    let s = case_stats(&app, &tok, json!({ "f": f, "g": ["UNIT"] })).await;
    let mut units = counts(&s, "unitId");
    let none = units.pop().expect("null group last");
    assert_eq!(none, (Value::Null, 5));
    units.sort_by_key(|(k, _)| k.as_str().map(str::to_owned));
    let mut expected = vec![
        (json!(lab.w.a.unit.to_string()), 1),
        (json!(lab.unit2.to_string()), 1),
    ];
    expected.sort_by_key(|(k, _)| k.as_str().map(str::to_owned));
    assert_eq!(units, expected);
    let named: Vec<&str> = s["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .filter_map(|g| g["unit"]["name"].as_str())
        .collect();
    assert!(named.contains(&"综合执法队A"), "{named:?}");

    // Several dimensions at once, in the order given.
    let s = case_stats(&app, &tok, json!({ "f": f, "g": ["KIND", "SOURCE", "KIND"] })).await;
    assert_eq!(s["dimensions"], json!(["KIND", "SOURCE"]));
    let first = &s["groups"][0];
    assert_eq!(
        (first["kind"].clone(), first["source"].clone()),
        (json!("DISPUTE"), json!("CALL_110"))
    );
    assert_eq!(first["metrics"]["count"], 2);
    assert_eq!(first["status"], Value::Null, "not grouped by status");

    // A limit below the number of groups truncates but keeps the total.
    let s = case_stats(&app, &tok, json!({ "f": f, "g": ["STATUS"], "n": 2 })).await;
    assert_eq!(s["truncated"], true);
    assert_eq!(s["groups"].as_array().map(Vec::len), Some(2));
    assert_eq!(s["total"]["count"], 7);
    for n in [0, 1001] {
        let body = app
            .gql(Some(&tok), CASE_STATS, json!({ "f": f, "g": ["STATUS"], "n": n }))
            .await;
        assert_eq!(error_code(&body).as_deref(), Some("BAD_USER_INPUT"), "{body}");
    }
}

#[tokio::test]
async fn time_buckets_are_utc_days_weeks_and_months() {
    let app = TestApp::spawn().await;
    let lab = lab(&app.db).await;
    let tok = token_for(&app, Role::Commander, &lab.w.a);
    let f = year_2025();
    let periods = |s: &Value| -> Vec<(String, String, i64)> {
        s["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .map(|g| {
                let at = |v: &Value| t(v.as_str().expect("time")).format("%Y-%m-%d").to_string();
                (
                    at(&g["periodStart"]),
                    at(&g["periodEnd"]),
                    g["metrics"]["count"].as_i64().expect("count"),
                )
            })
            .collect()
    };
    let s = case_stats(&app, &tok, json!({ "f": f, "g": ["PERIOD"] })).await;
    assert_eq!(
        periods(&s),
        vec![
            ("2025-01-01".into(), "2025-02-01".into(), 2),
            ("2025-02-01".into(), "2025-03-01".into(), 3),
            ("2025-03-01".into(), "2025-04-01".into(), 2),
        ],
        "MONTH is the default"
    );
    let feb = &s["groups"][1]["metrics"];
    assert_eq!(feb["resolvedCount"], 2);
    assert_eq!(feb["overdueCount"], 1);
    assert_eq!(
        t(s["groups"][0]["periodStart"].as_str().expect("start")),
        t("2025-01-01T00:00:00Z")
    );

    // Case 3 was created on Sunday 2025-02-02 at 23:30 UTC: its ISO week starts Monday 01-27.
    let s = case_stats(&app, &tok, json!({ "f": f, "g": ["PERIOD"], "b": "WEEK" })).await;
    assert_eq!(
        periods(&s),
        vec![
            ("2025-01-06".into(), "2025-01-13".into(), 1),
            ("2025-01-20".into(), "2025-01-27".into(), 1),
            ("2025-01-27".into(), "2025-02-03".into(), 1),
            ("2025-02-10".into(), "2025-02-17".into(), 1),
            ("2025-02-17".into(), "2025-02-24".into(), 1),
            ("2025-02-24".into(), "2025-03-03".into(), 1),
            ("2025-03-10".into(), "2025-03-17".into(), 1),
        ]
    );
    let s = case_stats(&app, &tok, json!({ "f": f, "g": ["PERIOD"], "b": "DAY" })).await;
    let days = periods(&s);
    assert_eq!(days.len(), 7);
    assert_eq!(days[2], ("2025-02-02".into(), "2025-02-03".into(), 1));
}

#[tokio::test]
async fn grids_roll_up_to_the_chosen_level() {
    let app = TestApp::spawn().await;
    let lab = lab(&app.db).await;
    let a = &lab.w.a;
    let tok = token_for(&app, Role::Commander, a);
    let f = year_2025();
    let grids = |s: &Value| -> std::collections::HashMap<String, i64> {
        counts(s, "gridId")
            .into_iter()
            .map(|(k, n)| (k.as_str().unwrap_or("null").to_owned(), n))
            .collect()
    };
    // Own grid: community A (1, 2, 3, 7), community 2 (4, 5), street A itself (6).
    let s = case_stats(&app, &tok, json!({ "f": f, "g": ["GRID"] })).await;
    let own = grids(&s);
    assert_eq!(own.len(), 3);
    assert_eq!(own[&a.community.to_string()], 4);
    assert_eq!(own[&lab.community2.to_string()], 2);
    assert_eq!(own[&a.street.to_string()], 1);

    // AREA: street A (its community's 4 plus its own 1) and street 2.
    let s = case_stats(&app, &tok, json!({ "f": f, "g": ["GRID"], "l": "AREA" })).await;
    let area = grids(&s);
    assert_eq!(area.len(), 2, "{s}");
    assert_eq!(area[&a.street.to_string()], 5);
    assert_eq!(area[&lab.street2.to_string()], 2);
    let names: Vec<&str> = s["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .filter_map(|g| g["grid"]["name"].as_str())
        .collect();
    assert!(names.contains(&"第二街道A"), "{names:?}");

    // GROUP: case 6 sits above that level, so it has no grid there (the null group, last).
    let s = case_stats(&app, &tok, json!({ "f": f, "g": ["GRID"], "l": "GROUP" })).await;
    let group = grids(&s);
    assert_eq!(group[&a.community.to_string()], 4);
    assert_eq!(group[&lab.community2.to_string()], 2);
    assert_eq!(group["null"], 1);
    assert_eq!(s["groups"][2]["gridId"], Value::Null);

    // DISTRICT: everything under district A.
    let s = case_stats(&app, &tok, json!({ "f": f, "g": ["GRID"], "l": "DISTRICT" })).await;
    assert_eq!(counts(&s, "gridId"), vec![(json!(a.district.to_string()), 7)]);

    // Combined with the filter's grid subtree: only street 2.
    let f2 = json!({ "createdFrom": "2025-01-01T00:00:00Z", "gridId": lab.street2.to_string() });
    let s = case_stats(&app, &tok, json!({ "f": f2, "g": ["GRID"], "l": "AREA" })).await;
    assert_eq!(counts(&s, "gridId"), vec![(json!(lab.street2.to_string()), 2)]);
}

#[tokio::test]
async fn scope_and_roles_decide_what_counts() {
    let app = TestApp::spawn().await;
    let lab = lab(&app.db).await;
    let a = &lab.w.a;
    let f = year_2025();
    // Grid worker of community A and the police of the police grid covering it: 1, 2, 3, 7.
    for role in [Role::GridWorker, Role::CommunityPolice] {
        let s = case_stats(&app, &token_for(&app, role, a), json!({ "f": f })).await;
        assert_eq!(s["total"]["count"], 4, "{role:?}");
        assert_eq!(s["total"]["resolvedCount"], 3, "{role:?}");
    }
    // Department staff of unit A: the cases assigned to it (1, 2 transferred, 3 rejected).
    let s = case_stats(
        &app,
        &token_for(&app, Role::DepartmentStaff, a),
        json!({ "f": f }),
    )
    .await;
    assert_eq!(s["total"]["count"], 3);
    // Other roles may not read statistics; anonymous callers must sign in.
    for role in [
        Role::Citizen,
        Role::Volunteer,
        Role::Mediator,
        Role::EnterpriseLiaison,
        Role::Platform,
    ] {
        for q in [
            CASE_STATS,
            "{ volunteerStatistics { total { taskCount } } }",
            "{ mediationRoomStatistics { total { sessionCount } } }",
        ] {
            let body = app.gql(Some(&token_for(&app, role, a)), q, json!({})).await;
            assert_eq!(
                error_code(&body).as_deref(),
                Some("FORBIDDEN"),
                "{role:?}: {body}"
            );
        }
    }
    let body = app.gql(None, CASE_STATS, json!({})).await;
    assert_eq!(error_code(&body).as_deref(), Some("UNAUTHENTICATED"), "{body}");
    // Filtering on side B's grid finds nothing: the filter narrows the scope, never widens it.
    let s = case_stats(
        &app,
        &token_for(&app, Role::GridWorker, a),
        json!({ "f": { "gridId": lab.w.b.community.to_string() } }),
    )
    .await;
    assert_eq!(s["total"]["count"], 0);
    assert_eq!(s["total"]["resolutionRate"], Value::Null);
    assert_eq!(s["total"]["firstResponseSecondsMedian"], Value::Null);
}

const VOLUNTEER_STATS: &str = r#"query($by: VolunteerGrouping, $f: CaseFilterInput) {
  volunteerStatistics(by: $by, filter: $f) {
    truncated
    total { ...V }
    groups { teamId team { name } volunteerId metrics { ...V } }
  }
}
fragment V on VolunteerMetrics { taskCount acceptedCount completedCount declinedCount serviceMinutes caseCount volunteerCount }"#;

#[tokio::test]
async fn volunteer_figures_per_team_and_volunteer() {
    let app = TestApp::spawn().await;
    let lab = lab(&app.db).await;
    let a = &lab.w.a;
    let tok = token_for(&app, Role::Commander, a);
    let body = app
        .gql(
            Some(&tok),
            VOLUNTEER_STATS,
            json!({ "by": "TEAM", "f": year_2025() }),
        )
        .await;
    let s = &data(&body)["volunteerStatistics"];
    assert_eq!(
        s["total"],
        json!({ "taskCount": 5, "acceptedCount": 3, "completedCount": 1, "declinedCount": 1,
                "serviceMinutes": 45, "caseCount": 3, "volunteerCount": 1 }),
        "{s}"
    );
    let groups = s["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 2);
    let team = |id: Uuid| {
        groups
            .iter()
            .find(|g| g["teamId"] == json!(id.to_string()))
            .unwrap_or_else(|| panic!("team {id} in {s}"))
    };
    assert_eq!(
        team(a.team)["metrics"],
        json!({ "taskCount": 4, "acceptedCount": 2, "completedCount": 1, "declinedCount": 1,
                "serviceMinutes": 45, "caseCount": 3, "volunteerCount": 1 })
    );
    assert_eq!(team(lab.team2)["metrics"]["taskCount"], 1);
    assert_eq!(team(lab.team2)["team"]["name"], "巡防队A2");

    let body = app
        .gql(
            Some(&tok),
            VOLUNTEER_STATS,
            json!({ "by": "VOLUNTEER", "f": year_2025() }),
        )
        .await;
    let s = &data(&body)["volunteerStatistics"];
    let groups = s["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["volunteerId"], json!(a.volunteer.to_string()));
    assert_eq!(groups[0]["teamId"], Value::Null);
    assert_eq!(groups[0]["metrics"]["taskCount"], 3);
    assert_eq!(groups[0]["metrics"]["acceptedCount"], 2);
    assert_eq!(groups[0]["metrics"]["serviceMinutes"], 45);
    assert_eq!(groups[1]["volunteerId"], Value::Null, "team-wide tasks, last");
    assert_eq!(groups[1]["metrics"]["taskCount"], 2);

    // Side B's 2 × 500 minutes never appear for side A; task time limits apply.
    let body = app
        .gql(
            Some(&tok),
            "{ volunteerStatistics(from: \"2025-03-01T00:00:00Z\", to: \"2025-04-01T00:00:00Z\") { total { taskCount serviceMinutes } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data(&body)["volunteerStatistics"]["total"],
        json!({ "taskCount": 2, "serviceMinutes": 0 })
    );
    let b = app
        .gql(
            Some(&token_for(&app, Role::Commander, &lab.w.b)),
            VOLUNTEER_STATS,
            json!({ "f": year_2025() }),
        )
        .await;
    assert_eq!(
        data(&b)["volunteerStatistics"]["total"]["serviceMinutes"],
        1000,
        "two side-B tasks of 500"
    );
}

const ROOM_STATS: &str = r#"query($f: CaseFilterInput) {
  mediationRoomStatistics(filter: $f) {
    truncated
    total { ...R }
    groups { roomId room { name } metrics { ...R } }
  }
}
fragment R on MediationRoomMetrics { sessionCount heldCount agreementCount judicialConfirmationCount caseCount decidedCaseCount successfulCaseCount successRate }"#;

#[tokio::test]
async fn mediation_room_figures() {
    let app = TestApp::spawn().await;
    let lab = lab(&app.db).await;
    let a = &lab.w.a;
    let body = app
        .gql(
            Some(&token_for(&app, Role::Commander, a)),
            ROOM_STATS,
            json!({ "f": year_2025() }),
        )
        .await;
    let s = &data(&body)["mediationRoomStatistics"];
    let total = &s["total"];
    assert_eq!(total["sessionCount"], 5, "{s}");
    assert_eq!(total["heldCount"], 4);
    assert_eq!(total["agreementCount"], 2);
    assert_eq!(total["judicialConfirmationCount"], 1);
    assert_eq!(total["caseCount"], 4);
    assert_eq!(total["decidedCaseCount"], 3);
    assert_eq!(total["successfulCaseCount"], 2);
    approx(&total["successRate"], 2.0 / 3.0);
    let groups = s["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 2, "side B's room never appears");
    let room = |id: Uuid| {
        groups
            .iter()
            .find(|g| g["roomId"] == json!(id.to_string()))
            .map(|g| g["metrics"].clone())
            .unwrap_or_else(|| panic!("room {id} in {s}"))
    };
    assert_eq!(
        room(a.room),
        json!({ "sessionCount": 4, "heldCount": 3, "agreementCount": 1, "judicialConfirmationCount": 1,
                "caseCount": 4, "decidedCaseCount": 3, "successfulCaseCount": 1, "successRate": 1.0 / 3.0 })
    );
    let r2 = room(lab.room2);
    assert_eq!(r2["sessionCount"], 1);
    approx(&r2["successRate"], 1.0);
}
