//! `fengqiao generate`: the same seed gives the same district, row for row; the data is valid
//! (identifiers, timelines, tracking numbers) and usable through the API; the mix is the one
//! of the seed reports; a database with cases is refused unless `--append`.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::Utc;
use entity::{
    case, case_assignment, case_party, case_timeline_entry, case_volunteer_task, enterprise,
    enterprise_contact,
    enums::{CaseKind, CaseStatus, TimelineKind},
    external_ref, follow_up, grid, mediation_room, mediation_session, mediator, mediator_language, person,
    platform, police_grid_coverage, report_code, session_mediator, tracking_counter, unit, volunteer,
    volunteer_honour, volunteer_language, volunteer_membership, volunteer_skill, volunteer_team,
};
use fengqiao_api::{
    auth::{Role, Scope},
    generate::{self, Options},
    validate,
};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, Iterable, PrimaryKeyToColumn, QueryFilter, QueryOrder,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{
    cli::{fengqiao, fresh_dir},
    harness::{data, TestApp},
};

fn options(cases: u64, seed: u64) -> Options {
    let mut o = Options::new(cases, seed);
    o.until = Utc::now().date_naive();
    o
}

/// Row count and SHA-256 of every row (as JSON) in primary-key order.
async fn digest<E: EntityTrait>(db: &DatabaseConnection) -> (usize, String) {
    let mut q = E::find();
    for pk in E::PrimaryKey::iter() {
        q = q.order_by_asc(pk.into_column());
    }
    let rows = q.into_json().all(db).await.expect("rows");
    let mut h = Sha256::new();
    for r in &rows {
        h.update(r.to_string().as_bytes());
        h.update(b"\n");
    }
    (rows.len(), hex::encode(h.finalize()))
}

async fn digests(db: &DatabaseConnection) -> BTreeMap<&'static str, (usize, String)> {
    let mut m = BTreeMap::new();
    m.insert("grids", digest::<grid::Entity>(db).await);
    m.insert(
        "police_grid_coverages",
        digest::<police_grid_coverage::Entity>(db).await,
    );
    m.insert("units", digest::<unit::Entity>(db).await);
    m.insert("enterprises", digest::<enterprise::Entity>(db).await);
    m.insert("persons", digest::<person::Entity>(db).await);
    m.insert(
        "enterprise_contacts",
        digest::<enterprise_contact::Entity>(db).await,
    );
    m.insert("mediation_rooms", digest::<mediation_room::Entity>(db).await);
    m.insert("mediators", digest::<mediator::Entity>(db).await);
    m.insert(
        "mediator_languages",
        digest::<mediator_language::Entity>(db).await,
    );
    m.insert("volunteer_teams", digest::<volunteer_team::Entity>(db).await);
    m.insert("volunteers", digest::<volunteer::Entity>(db).await);
    m.insert(
        "volunteer_memberships",
        digest::<volunteer_membership::Entity>(db).await,
    );
    m.insert("volunteer_skills", digest::<volunteer_skill::Entity>(db).await);
    m.insert(
        "volunteer_languages",
        digest::<volunteer_language::Entity>(db).await,
    );
    m.insert("volunteer_honours", digest::<volunteer_honour::Entity>(db).await);
    m.insert("platforms", digest::<platform::Entity>(db).await);
    m.insert("report_codes", digest::<report_code::Entity>(db).await);
    m.insert("cases", digest::<case::Entity>(db).await);
    m.insert("case_parties", digest::<case_party::Entity>(db).await);
    m.insert(
        "case_timeline_entries",
        digest::<case_timeline_entry::Entity>(db).await,
    );
    m.insert("case_assignments", digest::<case_assignment::Entity>(db).await);
    m.insert(
        "mediation_sessions",
        digest::<mediation_session::Entity>(db).await,
    );
    m.insert("session_mediators", digest::<session_mediator::Entity>(db).await);
    m.insert(
        "case_volunteer_tasks",
        digest::<case_volunteer_task::Entity>(db).await,
    );
    m.insert("follow_ups", digest::<follow_up::Entity>(db).await);
    m.insert("external_refs", digest::<external_ref::Entity>(db).await);
    m.insert("tracking_counters", digest::<tracking_counter::Entity>(db).await);
    m
}

fn phone_ok(p: &str) {
    assert_eq!(validate::phone(p).as_deref(), Ok(p), "phone {p}");
}

fn rid_ok(r: &str) {
    assert_eq!(validate::resident_id(r).as_deref(), Ok(r), "resident id {r}");
}

#[tokio::test]
async fn the_same_seed_gives_the_same_district() {
    let (a, b) = (TestApp::spawn().await, TestApp::spawn().await);
    let opts = options(2000, 7);
    let mut reports = 0;
    let sa = generate::run(&a.db, &opts, |_| reports += 1)
        .await
        .expect("generate a");
    let sb = generate::run(&b.db, &opts, |_| {}).await.expect("generate b");
    assert!(reports >= 2, "master data and at least one batch are reported");
    assert_eq!(sa.district_id, sb.district_id, "ids come from the seed");
    let (da, db) = (digests(&a.db).await, digests(&b.db).await);
    for (table, (n, _)) in &da {
        assert_eq!(
            sa.rows_of(table),
            *n as u64,
            "{table}: summary and database agree"
        );
    }
    assert_eq!(da, db, "two runs with seed 7 wrote the same rows");
    assert_eq!(da["cases"].0, 2000);

    // Another seed is another district.
    let c = TestApp::spawn().await;
    generate::run(&c.db, &options(2000, 8), |_| {})
        .await
        .expect("generate c");
    assert_ne!(digests(&c.db).await["cases"], da["cases"]);
}

#[tokio::test]
async fn generated_data_is_valid_and_has_the_seed_mix() {
    let app = TestApp::spawn().await;
    let s = generate::run(&app.db, &options(2000, 7), |_| {})
        .await
        .expect("generate");
    let db = &app.db;
    let now = Utc::now();

    // Identifiers pass the validators.
    for e in enterprise::Entity::find().all(db).await.expect("enterprises") {
        assert_eq!(
            validate::credit_code(&e.credit_code).as_deref(),
            Ok(e.credit_code.as_str())
        );
    }
    for v in volunteer::Entity::find().all(db).await.expect("volunteers") {
        phone_ok(&v.phone);
        rid_ok(v.resident_id.as_deref().expect("resident id"));
    }
    for p in person::Entity::find().all(db).await.expect("persons") {
        phone_ok(p.phone.as_deref().expect("phone"));
        rid_ok(p.resident_id.as_deref().expect("resident id"));
    }
    for p in case_party::Entity::find().all(db).await.expect("parties") {
        if let Some(r) = &p.resident_id {
            rid_ok(r);
        }
        if let Some(ph) = &p.phone {
            phone_ok(ph);
        }
    }
    for u in unit::Entity::find().all(db).await.expect("units") {
        phone_ok(u.phone.as_deref().expect("phone"));
        assert!(validate::code(&u.code).is_ok());
    }
    for g in grid::Entity::find().all(db).await.expect("grids") {
        assert!(validate::code(&g.code).is_ok(), "{}", g.code);
    }
    for l in mediator_language::Entity::find()
        .all(db)
        .await
        .expect("languages")
    {
        assert_eq!(
            validate::language(&l.language).as_deref(),
            Ok(l.language.as_str())
        );
    }
    let grids = grid::Entity::find().all(db).await.expect("grids").len();
    assert!((2500..5000).contains(&grids), "a few thousand grids: {grids}");

    // Cases: tracking numbers unique and counted per day; timelines gapless and consistent.
    let cases = case::Entity::find().all(db).await.expect("cases");
    let mut numbers = HashSet::new();
    let mut last_per_day: HashMap<String, i64> = HashMap::new();
    for c in &cases {
        let n = &c.tracking_number;
        assert!(n.starts_with("FQ") && n.len() == 16, "{n}");
        assert_eq!(&n[2..10], c.created_at.format("%Y%m%d").to_string(), "{n}");
        assert!(numbers.insert(n.clone()), "duplicate {n}");
        let seq: i64 = n[10..].parse().expect("digits");
        let e = last_per_day.entry(n[2..10].to_owned()).or_default();
        *e = (*e).max(seq);
        if let Some(p) = &c.reporter_phone {
            phone_ok(p);
        }
        assert!(c.created_at <= c.updated_at && c.updated_at <= now);
    }
    for t in tracking_counter::Entity::find().all(db).await.expect("counters") {
        assert_eq!(last_per_day.get(&t.day), Some(&t.last), "counter of {}", t.day);
    }
    assert_eq!(
        last_per_day.values().sum::<i64>(),
        2000,
        "numbers run 1..n each day"
    );
    let entries = case_timeline_entry::Entity::find()
        .order_by_asc(case_timeline_entry::Column::CaseId)
        .order_by_asc(case_timeline_entry::Column::Seq)
        .all(db)
        .await
        .expect("timeline");
    let mut by_case: HashMap<uuid::Uuid, Vec<&case_timeline_entry::Model>> = HashMap::new();
    for e in &entries {
        by_case.entry(e.case_id).or_default().push(e);
    }
    for c in &cases {
        let tl = &by_case[&c.id];
        assert_eq!(tl[0].kind, TimelineKind::Reported);
        assert_eq!(tl[0].created_at, c.created_at);
        for (i, e) in tl.iter().enumerate() {
            assert_eq!(e.seq as usize, i + 1);
            if i > 0 {
                assert!(e.created_at > tl[i - 1].created_at, "{}", c.tracking_number);
                assert_eq!(e.from_status, tl[i - 1].to_status, "{}", c.tracking_number);
            }
        }
        assert_eq!(tl.last().and_then(|e| e.to_status), Some(c.status));
        assert_eq!(c.version as usize, tl.len());
        assert_eq!(c.updated_at, tl[tl.len() - 1].created_at);
        assert_eq!(
            c.risk_colour.is_some(),
            tl.iter().any(|e| e.kind == TimelineKind::Assessed)
        );
    }

    // The mix: every kind, mostly closed, ~98.9% resolved, ~98% satisfied, most followed up.
    for k in [
        CaseKind::PoliceIncident,
        CaseKind::NonPoliceIncident,
        CaseKind::Dispute,
        CaseKind::SafetyHazard,
        CaseKind::HelpRequest,
        CaseKind::EnterpriseCase,
    ] {
        assert!(cases.iter().filter(|c| c.kind == k).count() > 40, "{k:?}");
    }
    let closed = cases.iter().filter(|c| c.status == CaseStatus::Closed).count();
    assert!(closed > 1900, "closed {closed}");
    let resolved = entries
        .iter()
        .filter(|e| e.kind == TimelineKind::Resolved)
        .count() as f64;
    let unresolved = entries
        .iter()
        .filter(|e| e.kind == TimelineKind::Unresolved)
        .count() as f64;
    let rate = resolved / (resolved + unresolved);
    assert!((0.975..=0.997).contains(&rate), "resolution rate {rate}");
    let follow_ups = follow_up::Entity::find().all(db).await.expect("follow-ups");
    let satisfied = follow_ups.iter().filter(|f| f.satisfied).count() as f64 / follow_ups.len() as f64;
    assert!((0.965..=0.995).contains(&satisfied), "satisfaction {satisfied}");
    assert!(follow_ups.len() > 1850, "follow-ups {}", follow_ups.len());
    assert!(
        mediation_session::Entity::find()
            .all(db)
            .await
            .expect("sessions")
            .len()
            > 200
    );
    assert!(
        case_assignment::Entity::find()
            .all(db)
            .await
            .expect("assignments")
            .len()
            > 1500
    );

    // Through the API: a commander of the district pages cases with nested objects.
    let commander = app.token(
        Role::Commander,
        "gen-commander",
        Scope {
            grids: vec![s.district_id],
            ..Scope::default()
        },
    );
    let q = "query Page($after: String) { cases(first: 100, after: $after) { totalCount
        pageInfo { hasNextPage endCursor }
        edges { node { trackingNumber status riskColour overdue
          grid { name } enterprise { name creditCode } room { name level }
          timeline { seq kind unit { name } }
          assignments { status unit { name } }
          sessions { outcome mediators { name } }
          followUps { satisfied }
          parties { role name { masked } } } } } }";
    let body = app.gql(Some(&commander), q, json!({})).await;
    let page = &data(&body)["cases"];
    assert_eq!(page["totalCount"], 2000, "{body}");
    let nodes: Vec<&serde_json::Value> = page["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"])
        .collect();
    assert_eq!(nodes.len(), 100);
    assert!(nodes.iter().all(|n| n["grid"]["name"].is_string()));
    assert!(nodes.iter().any(|n| n["enterprise"]["creditCode"].is_string()));
    assert!(nodes.iter().any(|n| n["room"]["name"].is_string()));
    assert!(nodes
        .iter()
        .all(|n| !n["timeline"].as_array().expect("timeline").is_empty()));
    let cursor = page["pageInfo"]["endCursor"].as_str().expect("cursor").to_owned();
    let body = app.gql(Some(&commander), q, json!({ "after": cursor })).await;
    assert_eq!(data(&body)["cases"]["edges"].as_array().map(Vec::len), Some(100));

    // A community police officer sees the cases of the communities their police grid covers.
    let code = format!("{}-P01-01", s.district_code);
    let police_grid = grid::Entity::find()
        .filter(grid::Column::Code.eq(code.as_str()))
        .one(db)
        .await
        .expect("query")
        .expect("police grid");
    let officer = app.token(
        Role::CommunityPolice,
        "gen-officer",
        Scope {
            grids: vec![police_grid.id],
            ..Scope::default()
        },
    );
    let body = app
        .gql(Some(&officer), "{ cases { totalCount } }", json!({}))
        .await;
    let seen = data(&body)["cases"]["totalCount"].as_u64().expect("count");
    assert!(seen > 0 && seen < 200, "the officer sees {seen} cases");
}

#[tokio::test]
async fn a_database_with_cases_needs_append() {
    let app = TestApp::spawn().await;
    generate::run(&app.db, &options(300, 3), |_| {})
        .await
        .expect("first run");
    let err = generate::run(&app.db, &options(300, 4), |_| {})
        .await
        .expect_err("cases present");
    assert!(err.to_string().contains("--append"), "{err}");
    let mut again = options(300, 3);
    again.append = true;
    let err = generate::run(&app.db, &again, |_| {})
        .await
        .expect_err("same seed");
    assert!(err.to_string().contains("GEN3"), "{err}");
    let mut other = options(300, 4);
    other.append = true;
    generate::run(&app.db, &other, |_| {})
        .await
        .expect("append another district");
    let cases = case::Entity::find().all(&app.db).await.expect("cases");
    assert_eq!(cases.len(), 600);
    let numbers: HashSet<&str> = cases.iter().map(|c| c.tracking_number.as_str()).collect();
    assert_eq!(numbers.len(), 600, "tracking numbers stay unique per day");
    let counted: i64 = tracking_counter::Entity::find()
        .all(&app.db)
        .await
        .expect("counters")
        .iter()
        .map(|t| t.last)
        .sum();
    assert_eq!(counted, 600);
}

#[test]
fn the_command_line_generates_and_refuses_a_second_run() {
    let dir = fresh_dir();
    let out = fengqiao(&dir)
        .args(["generate", "--cases", "300", "--seed", "5", "--years", "1"])
        .output()
        .expect("generate");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("master data:"), "{stdout}");
    assert!(stdout.contains("cases: 300/300 (100%)"), "{stdout}");
    assert!(stdout.contains("done: 300 cases"), "{stdout}");
    assert!(dir.join("data/fengqiao.db").exists());

    let out = fengqiao(&dir)
        .args(["generate", "--cases", "300", "--seed", "6"])
        .output()
        .expect("generate again");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--append"));
    let out = fengqiao(&dir)
        .args(["generate", "--cases", "100", "--seed", "6", "--append"])
        .output()
        .expect("append");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = fengqiao(&dir)
        .args(["generate", "--cases", "100"])
        .env("FENGQIAO_ENV", "production")
        .output()
        .expect("production");
    assert!(!out.status.success(), "refused in production");
    let _ = std::fs::remove_dir_all(&dir);
}
