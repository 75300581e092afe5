//! The life of master data: every `update…` mutation in scope (applied, version bumped, the
//! change in the audit log with its before and after), out of scope (NOT_FOUND, nothing
//! changed), with a stale version (CONFLICT) and with bad input (BAD_USER_INPUT naming the
//! field); and what deactivation means where records are referenced.

use fengqiao_api::{
    auth::{Actor, Role},
    service::{self, report_code::NewReportCode},
};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{
    fixtures::{persona, world, Side},
    harness::{data, error_code, error_field, TestApp},
};

/// One master-data type: its mutation, table, payload key, a change and a bad change.
struct Kind {
    mutation: &'static str,
    table: &'static str,
    payload: &'static str,
    id: fn(&Side, Uuid) -> Uuid,
    good: Value,
    /// The bad input and the field it must be refused on.
    bad: (Value, &'static str),
    /// The field `changes` must show, and its value after.
    changed: (&'static str, Value),
}

fn kinds() -> Vec<Kind> {
    vec![
        Kind {
            mutation: "updateEnterprise",
            table: "enterprises",
            payload: "enterprise",
            id: |s, _| s.enterprise,
            good: json!({ "name": "更名后的贸易有限公司", "hazardousChemicals": true }),
            bad: (json!({ "name": "   " }), "input.name"),
            changed: ("name", json!("更名后的贸易有限公司")),
        },
        Kind {
            mutation: "updateVolunteer",
            table: "volunteers",
            payload: "volunteer",
            id: |s, _| s.volunteer,
            good: json!({ "phone": "13900001111", "status": "SUSPENDED" }),
            bad: (json!({ "phone": "1380000" }), "input.phone"),
            // A personal value is masked on both sides.
            changed: ("phone", json!("139****1111")),
        },
        Kind {
            mutation: "updateVolunteerTeam",
            table: "volunteer_teams",
            payload: "volunteerTeam",
            id: |s, _| s.team,
            good: json!({ "name": "红枫义警第二分队", "alliance": null }),
            bad: (json!({ "name": "" }), "input.name"),
            changed: ("name", json!("红枫义警第二分队")),
        },
        Kind {
            mutation: "updateGrid",
            table: "grids",
            payload: "grid",
            id: |s, _| s.community,
            good: json!({ "name": "更名社区" }),
            bad: (json!({ "name": "\u{202e}" }), "input.name"),
            changed: ("name", json!("更名社区")),
        },
        Kind {
            mutation: "updateUnit",
            table: "units",
            payload: "unit",
            id: |s, _| s.unit,
            good: json!({ "phone": "0571-87001234" }),
            bad: (json!({ "phone": "not a phone" }), "input.phone"),
            changed: ("phone", json!("0571-87001234")),
        },
        Kind {
            mutation: "updateMediationRoom",
            table: "mediation_rooms",
            payload: "mediationRoom",
            id: |s, _| s.room,
            good: json!({ "description": "周一至周五 9:00–17:00" }),
            bad: (json!({ "name": "" }), "input.name"),
            changed: ("description", json!("周一至周五 9:00–17:00")),
        },
        Kind {
            mutation: "updateMediator",
            table: "mediators",
            payload: "mediator",
            id: |s, _| s.mediator,
            good: json!({ "phone": "+962 79 123 4567" }),
            bad: (json!({ "phone": "+962 79 1" }), "input.phone"),
            changed: ("phone", json!("+962791234567")),
        },
        Kind {
            mutation: "updateReportCode",
            table: "report_codes",
            payload: "reportCode",
            id: |_, code| code,
            good: json!({ "label": "东门路灯杆" }),
            bad: (json!({ "label": "" }), "input.label"),
            changed: ("label", json!("东门路灯杆")),
        },
    ]
}

async fn version(app: &TestApp, table: &str, id: Uuid) -> i32 {
    let backend = app.db.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => format!("SELECT version FROM {table} WHERE id = $1"),
        _ => format!("SELECT version FROM {table} WHERE id = ?"),
    };
    let row = app
        .db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [id.into()]))
        .await
        .unwrap()
        .expect("row");
    row.try_get::<i32>("", "version").unwrap()
}

async fn changes(app: &TestApp, id: Uuid) -> Vec<Value> {
    use entity::audit_event;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    audit_event::Entity::find()
        .filter(audit_event::Column::ObjectId.eq(id))
        .filter(audit_event::Column::Action.eq("CHANGE"))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| serde_json::from_str(e.changes.as_deref().unwrap_or("null")).unwrap())
        .collect()
}

async fn code_for(app: &TestApp, s: &Side) -> Uuid {
    service::report_code::create(
        &app.db,
        &Actor::system(),
        NewReportCode {
            label: "路灯杆".into(),
            grid_id: Some(s.community),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
}

#[tokio::test]
async fn every_master_data_type_updates_in_scope_only_at_its_version_and_audited() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let (code_a, code_b) = (code_for(&app, &w.a).await, code_for(&app, &w.b).await);
    let (sub, scope) = persona(Role::Commander, &w.a);
    let commander = app.token(Role::Commander, &sub, scope);
    let mut wrong = Vec::new();
    for k in kinds() {
        let (a, b) = ((k.id)(&w.a, code_a), (k.id)(&w.b, code_b));
        let q = format!(
            "mutation($i: {}Input!) {{ r: {}(input: $i) {{ x: {} {{ id version }} }} }}",
            k.mutation[..1].to_uppercase() + &k.mutation[1..],
            k.mutation,
            k.payload
        );
        let input = |id: Uuid, v: i32, patch: &Value| {
            let mut i = json!({ "id": id.to_string(), "version": v });
            for (f, x) in patch.as_object().unwrap() {
                i[f] = x.clone();
            }
            json!({ "i": i })
        };
        let mut check = |what: &str, ok: bool, body: &Value| {
            if !ok {
                wrong.push(format!("{} {what}: {body}", k.mutation));
            }
        };

        // Out of scope: NOT_FOUND, and the other side's record is untouched.
        let body = app.gql(Some(&commander), &q, input(b, 1, &k.good)).await;
        check(
            "out of scope",
            error_code(&body).as_deref() == Some("NOT_FOUND"),
            &body,
        );
        check(
            "out of scope changed nothing",
            version(&app, k.table, b).await == 1,
            &body,
        );

        // Bad input: BAD_USER_INPUT on the field, nothing changed.
        let body = app.gql(Some(&commander), &q, input(a, 1, &k.bad.0)).await;
        check(
            "bad input",
            error_code(&body).as_deref() == Some("BAD_USER_INPUT")
                && error_field(&body).as_deref() == Some(k.bad.1),
            &body,
        );
        check(
            "bad input changed nothing",
            version(&app, k.table, a).await == 1,
            &body,
        );

        // In scope: applied, version 2, one CHANGE record with before and after.
        let body = app.gql(Some(&commander), &q, input(a, 1, &k.good)).await;
        check("in scope", body["data"]["r"]["x"]["version"] == 2, &body);
        let audit = changes(&app, a).await;
        check(
            "audit",
            audit.len() == 1
                && audit[0]["after"][k.changed.0] == k.changed.1
                && audit[0]["before"].get(k.changed.0).is_some(),
            &json!(audit),
        );

        // The version it was changed at is stale now.
        let body = app.gql(Some(&commander), &q, input(a, 1, &k.good)).await;
        check(
            "stale version",
            error_code(&body).as_deref() == Some("CONFLICT")
                && error_field(&body).as_deref() == Some("input.version"),
            &body,
        );
        // The same values again at the current version change nothing and are refused.
        let body = app.gql(Some(&commander), &q, input(a, 2, &k.good)).await;
        check(
            "no-op",
            error_code(&body).as_deref() == Some("BAD_USER_INPUT"),
            &body,
        );
        check(
            "no-op kept the version",
            version(&app, k.table, a).await == 2,
            &body,
        );
    }
    assert!(wrong.is_empty(), "{} wrong:\n{}", wrong.len(), wrong.join("\n"));
}

#[tokio::test]
async fn deactivated_records_keep_their_history_and_take_no_new_work() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let (sub, scope) = persona(Role::Commander, &w.a);
    let commander = app.token(Role::Commander, &sub, scope);

    // A retired mediator stays on the record but cannot be scheduled.
    let body = app
        .gql(
            Some(&commander),
            "mutation($i: UpdateMediatorInput!) { updateMediator(input: $i) { mediator { active version } } }",
            json!({ "i": { "id": w.a.mediator.to_string(), "version": 1, "active": false } }),
        )
        .await;
    assert_eq!(
        data(&body)["updateMediator"]["mediator"],
        json!({ "active": false, "version": 2 })
    );

    // A deactivated unit cannot be dispatched to.
    let body = app
        .gql(
            Some(&commander),
            "mutation($i: UpdateUnitInput!) { updateUnit(input: $i) { unit { active } } }",
            json!({ "i": { "id": w.a.unit.to_string(), "version": 1, "active": false } }),
        )
        .await;
    assert_eq!(data(&body)["updateUnit"]["unit"]["active"], false, "{body}");
    let report = app
        .gql(
            Some(&commander),
            "mutation { reportCase(input: { title: \"噪音\", description: \"夜间施工\" }) { case { id version } } }",
            json!({}),
        )
        .await;
    let c = data(&report)["reportCase"]["case"].clone();
    let body = app
        .gql(
            Some(&commander),
            "mutation($i: AssessCaseInput!) { assessCase(input: $i) { case { version } } }",
            json!({ "i": { "step": { "caseId": c["id"], "version": 1 }, "kind": "POLICE_INCIDENT", "severity": "ORDINARY", "riskColour": "GREEN" } }),
        )
        .await;
    let v = data(&body)["assessCase"]["case"]["version"].clone();
    let body = app
        .gql(
            Some(&commander),
            "mutation($i: DispatchCaseInput!) { dispatchCase(input: $i) { case { id } } }",
            json!({ "i": { "step": { "caseId": c["id"], "version": v }, "unitIds": [w.a.unit.to_string()], "leadUnitId": w.a.unit.to_string() } }),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(error_field(&body).as_deref(), Some("input.unitIds[0]"));

    // A volunteer's registration moves only along its allowed steps.
    let body = app
        .gql(
            Some(&commander),
            "mutation($i: UpdateVolunteerInput!) { updateVolunteer(input: $i) { volunteer { status } } }",
            json!({ "i": { "id": w.a.volunteer.to_string(), "version": 1, "status": "PENDING" } }),
        )
        .await;
    assert_eq!(error_field(&body).as_deref(), Some("input.status"), "{body}");
    // A grid worker is not master-data staff.
    let (sub, scope) = persona(Role::GridWorker, &w.a);
    let worker = app.token(Role::GridWorker, &sub, scope);
    let body = app
        .gql(
            Some(&worker),
            "mutation($i: UpdateGridInput!) { updateGrid(input: $i) { grid { name } } }",
            json!({ "i": { "id": w.a.community.to_string(), "version": 1, "name": "我的网格" } }),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("FORBIDDEN"), "{body}");
}

#[tokio::test]
async fn an_enterprise_gets_new_contacts_and_a_unit_moves_within_jurisdiction() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let (sub, scope) = persona(Role::Commander, &w.a);
    let commander = app.token(Role::Commander, &sub, scope);

    // The contact list is replaced as a whole; the audit shows it masked.
    let body = app
        .gql(
            Some(&commander),
            "mutation($i: UpdateEnterpriseInput!) { updateEnterprise(input: $i) { enterprise { version contacts { name { masked } isPrimary } } } }",
            json!({ "i": { "id": w.a.enterprise.to_string(), "version": 1, "contacts": [
                { "name": "陈晓东", "phone": "13700002222", "position": "总经理", "isPrimary": true },
                { "name": "Omar Haddad", "phone": "+962 79 123 4567", "position": "外方代表" } ] } }),
        )
        .await;
    let e = &data(&body)["updateEnterprise"]["enterprise"];
    assert_eq!(e["contacts"].as_array().map(Vec::len), Some(2), "{body}");
    let audit = changes(&app, w.a.enterprise).await;
    let after = audit[0]["after"]["contacts"].to_string();
    assert!(after.contains("陈**") && after.contains("137****2222"), "{after}");
    assert!(
        !after.contains("13700002222") && !after.contains("陈晓东"),
        "personal values leak: {after}"
    );
    // Two primary contacts: refused on the field, nothing replaced.
    let body = app
        .gql(
            Some(&commander),
            "mutation($i: UpdateEnterpriseInput!) { updateEnterprise(input: $i) { enterprise { version } } }",
            json!({ "i": { "id": w.a.enterprise.to_string(), "version": 2, "contacts": [
                { "name": "甲", "isPrimary": true }, { "name": "乙", "isPrimary": true } ] } }),
        )
        .await;
    assert_eq!(error_field(&body).as_deref(), Some("input.contacts"), "{body}");

    // A unit moves only into the caller's grids, and never below itself.
    let q = "mutation($i: UpdateUnitInput!) { updateUnit(input: $i) { unit { version grid { id } } } }";
    let body = app
        .gql(
            Some(&commander),
            q,
            json!({ "i": { "id": w.a.unit.to_string(), "version": 1, "gridId": w.b.community.to_string() } }),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"), "{body}");
    assert_eq!(error_field(&body).as_deref(), Some("input.gridId"));
    let body = app
        .gql(
            Some(&commander),
            q,
            json!({ "i": { "id": w.a.unit.to_string(), "version": 1, "parentId": w.a.unit.to_string() } }),
        )
        .await;
    assert_eq!(error_field(&body).as_deref(), Some("input.parentId"), "{body}");
    let body = app
        .gql(
            Some(&commander),
            q,
            json!({ "i": { "id": w.a.unit.to_string(), "version": 1, "gridId": w.a.street.to_string() } }),
        )
        .await;
    assert_eq!(
        data(&body)["updateUnit"]["unit"],
        json!({ "version": 2, "grid": { "id": w.a.street.to_string() } })
    );
}

#[tokio::test]
async fn a_volunteers_memberships_change_within_the_callers_teams_only() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let (sub, scope) = persona(Role::Commander, &w.a);
    let commander = app.token(Role::Commander, &sub, scope);
    let q = "mutation($i: UpdateVolunteerInput!) { updateVolunteer(input: $i) { volunteer { version memberships { role team { id } } } } }";
    // Another side's team is NOT_FOUND on its index, and nothing changes.
    let body = app
        .gql(
            Some(&commander),
            q,
            json!({ "i": { "id": w.a.volunteer.to_string(), "version": 1,
                           "teams": [{ "teamId": w.a.team.to_string() }, { "teamId": w.b.team.to_string() }] } }),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"), "{body}");
    assert_eq!(error_field(&body).as_deref(), Some("input.teams[1].teamId"));
    // Made the team's leader; the audit shows the memberships before and after.
    let body = app
        .gql(
            Some(&commander),
            q,
            json!({ "i": { "id": w.a.volunteer.to_string(), "version": 1,
                           "teams": [{ "teamId": w.a.team.to_string(), "role": "LEADER" }] } }),
        )
        .await;
    let v = &data(&body)["updateVolunteer"]["volunteer"];
    assert_eq!(
        v["memberships"],
        json!([{ "role": "LEADER", "team": { "id": w.a.team.to_string() } }]),
        "{body}"
    );
    let audit = changes(&app, w.a.volunteer).await;
    assert_eq!(audit[0]["after"]["teams"][0]["role"], "LEADER", "{audit:?}");
    // Leaving every team of the jurisdiction.
    let body = app
        .gql(
            Some(&commander),
            q,
            json!({ "i": { "id": w.a.volunteer.to_string(), "version": 2, "teams": [] } }),
        )
        .await;
    assert_eq!(
        data(&body)["updateVolunteer"]["volunteer"]["memberships"],
        json!([]),
        "{body}"
    );
}

#[tokio::test]
async fn a_citizen_registers_and_the_team_leader_approves() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let (sub, scope) = persona(Role::Commander, &w.a);
    let commander = app.token(Role::Commander, &sub, scope);
    let citizen = app.token(Role::Citizen, "citizen-joins", Default::default());
    const REGISTER: &str = "mutation($i: RegisterAsVolunteerInput!) { registerAsVolunteer(input: $i) { volunteer { id status version } } }";
    let body = app
        .gql(
            Some(&citizen),
            REGISTER,
            json!({ "i": { "teamId": w.a.team.to_string(), "name": "周新", "phone": "13600001111" } }),
        )
        .await;
    let v = data(&body)["registerAsVolunteer"]["volunteer"].clone();
    assert_eq!(v["status"], "PENDING", "{body}");
    let body = app
        .gql(
            Some(&citizen),
            REGISTER,
            json!({ "i": { "teamId": w.a.team.to_string(), "name": "周新", "phone": "13600001111" } }),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("CONFLICT"), "{body}");

    // The fixture volunteer becomes the team's leader; as leader they approve the newcomer.
    let body = app
        .gql(
            Some(&commander),
            "mutation($i: UpdateVolunteerInput!) { updateVolunteer(input: $i) { volunteer { version } } }",
            json!({ "i": { "id": w.a.volunteer.to_string(), "version": 1, "teams": [{ "teamId": w.a.team.to_string(), "role": "LEADER" }] } }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let (sub, scope) = persona(Role::Volunteer, &w.a);
    let leader = app.token(Role::Volunteer, &sub, scope);
    let q =
        "mutation($i: UpdateVolunteerInput!) { updateVolunteer(input: $i) { volunteer { status version } } }";
    let body = app
        .gql(
            Some(&leader),
            q,
            json!({ "i": { "id": v["id"], "version": 1, "name": "改名" } }),
        )
        .await;
    assert_eq!(
        error_code(&body).as_deref(),
        Some("FORBIDDEN"),
        "a leader changes the status only: {body}"
    );
    let body = app
        .gql(
            Some(&leader),
            q,
            json!({ "i": { "id": w.b.volunteer.to_string(), "version": 1, "status": "SUSPENDED" } }),
        )
        .await;
    assert_eq!(
        error_code(&body).as_deref(),
        Some("NOT_FOUND"),
        "not a member of their team: {body}"
    );
    let body = app
        .gql(
            Some(&leader),
            q,
            json!({ "i": { "id": v["id"], "version": 1, "status": "APPROVED" } }),
        )
        .await;
    assert_eq!(
        data(&body)["updateVolunteer"]["volunteer"],
        json!({ "status": "APPROVED", "version": 2 }),
        "{body}"
    );
    assert_eq!(
        changes(&app, uuid::Uuid::parse_str(v["id"].as_str().unwrap()).unwrap()).await[0]["after"]["status"],
        "APPROVED"
    );
    // A member who leads no team approves nothing.
    let (sub, scope) = persona(Role::Volunteer, &w.b);
    let member = app.token(Role::Volunteer, &sub, scope);
    let body = app
        .gql(
            Some(&member),
            q,
            json!({ "i": { "id": v["id"], "version": 2, "status": "SUSPENDED" } }),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"), "{body}");
}

#[tokio::test]
async fn a_grid_moves_with_its_subtree_and_scopes_follow_it() {
    use entity::enums::{GridKind, GridLevel};
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let other_street = service::grid::create(
        &app.db,
        &Actor::system(),
        service::grid::NewGrid {
            code: "MOVE-S2".into(),
            name: "新街道".into(),
            level: GridLevel::Area,
            kind: GridKind::Community,
            parent_id: Some(w.a.district),
        },
    )
    .await
    .unwrap()
    .id;
    let (sub, scope) = persona(Role::Commander, &w.a);
    let commander = app.token(Role::Commander, &sub, scope);
    let q =
        "mutation($i: UpdateGridInput!) { updateGrid(input: $i) { grid { version depth parent { id } } } }";
    let mv = |id: Uuid, v: i32, to: Uuid| json!({ "i": { "id": id.to_string(), "version": v, "parentId": to.to_string() } });
    // Below itself, into another side, or beside its own level: refused.
    let body = app
        .gql(Some(&commander), q, mv(w.a.street, 1, w.a.community))
        .await;
    assert_eq!(error_field(&body).as_deref(), Some("input.parentId"), "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("below itself"),
        "{body}"
    );
    let body = app
        .gql(Some(&commander), q, mv(w.a.community, 1, w.b.street))
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"), "{body}");
    let body = app
        .gql(Some(&commander), q, mv(other_street, 1, w.a.street))
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("BAD_USER_INPUT"), "{body}");

    // The community (with side A's case in it) moves to the new street.
    let body = app
        .gql(Some(&commander), q, mv(w.a.community, 1, other_street))
        .await;
    assert_eq!(
        data(&body)["updateGrid"]["grid"],
        json!({ "version": 2, "depth": 2, "parent": { "id": other_street.to_string() } }),
        "{body}"
    );
    let see = "query($id: ID!) { case(id: $id) { id } }";
    let street_commander = |g: Uuid| {
        app.token(
            Role::Commander,
            &format!("commander-{g}"),
            fengqiao_api::auth::Scope {
                grids: vec![g],
                ..Default::default()
            },
        )
    };
    let body = app
        .gql(
            Some(&street_commander(other_street)),
            see,
            json!({ "id": w.a.case.to_string() }),
        )
        .await;
    assert!(body["errors"].is_null(), "the new street sees the case: {body}");
    let body = app
        .gql(
            Some(&street_commander(w.a.street)),
            see,
            json!({ "id": w.a.case.to_string() }),
        )
        .await;
    assert_eq!(
        error_code(&body).as_deref(),
        Some("NOT_FOUND"),
        "the old street no longer does: {body}"
    );
}

#[tokio::test]
async fn a_suspended_volunteer_or_a_deactivated_team_takes_no_task() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let (sub, scope) = persona(Role::Commander, &w.a);
    let commander = app.token(Role::Commander, &sub, scope);
    let assign = |v: i64| {
        json!({ "i": { "step": { "caseId": w.a.case.to_string(), "version": v }, "teamId": w.a.team.to_string(),
                       "volunteerIds": [w.a.volunteer.to_string()], "kind": "PATROL" } })
    };
    const ASSIGN: &str =
        "mutation($i: AssignVolunteersInput!) { assignVolunteers(input: $i) { case { id } } }";
    let version = || async {
        let body = app
            .gql(
                Some(&commander),
                "query($id: ID!) { case(id: $id) { version } }",
                json!({ "id": w.a.case.to_string() }),
            )
            .await;
        data(&body)["case"]["version"].as_i64().unwrap()
    };
    let body = app
        .gql(
            Some(&commander),
            "mutation($i: UpdateVolunteerInput!) { updateVolunteer(input: $i) { volunteer { status } } }",
            json!({ "i": { "id": w.a.volunteer.to_string(), "version": 1, "status": "SUSPENDED" } }),
        )
        .await;
    assert_eq!(data(&body)["updateVolunteer"]["volunteer"]["status"], "SUSPENDED");
    let body = app.gql(Some(&commander), ASSIGN, assign(version().await)).await;
    assert_eq!(
        error_field(&body).as_deref(),
        Some("input.volunteerIds[0]"),
        "{body}"
    );
    let body = app
        .gql(
            Some(&commander),
            "mutation($i: UpdateVolunteerTeamInput!) { updateVolunteerTeam(input: $i) { volunteerTeam { active } } }",
            json!({ "i": { "id": w.a.team.to_string(), "version": 1, "active": false } }),
        )
        .await;
    assert_eq!(
        data(&body)["updateVolunteerTeam"]["volunteerTeam"]["active"],
        false
    );
    let body = app.gql(Some(&commander), ASSIGN, assign(version().await)).await;
    assert_eq!(error_field(&body).as_deref(), Some("input.teamId"), "{body}");
}
