//! The closed loop through the API: every step, who may take it, versions, retries, returns,
//! deadlines, and a race of 50 clients on one case.

use fengqiao_api::auth::{Role, Scope};
use serde_json::{json, Value};

use crate::{
    fixtures::{persona, world, World},
    harness::{data, error_code, TestApp},
};

const CASE: &str = "id status version riskColour severity firstResponseDue resolutionDue resolvedAt closedAt overdue
    timeline { seq kind fromStatus toStatus note } assignments { id lead status unit { id } } followUps { satisfied }";

struct Api<'a> {
    app: &'a TestApp,
}

impl Api<'_> {
    async fn call(&self, token: &str, mutation: &str, input_type: &str, input: Value) -> Value {
        let q = format!("mutation($i: {input_type}!) {{ r: {mutation}(input: $i) {{ case {{ {CASE} }} }} }}");
        self.app.gql(Some(token), &q, json!({ "i": input })).await
    }
    async fn ok(&self, token: &str, mutation: &str, input_type: &str, input: Value) -> Value {
        let body = self.call(token, mutation, input_type, input).await;
        data(&body)["r"]["case"].clone()
    }
}

fn step(c: &Value) -> Value {
    json!({ "caseId": c["id"], "version": c["version"] })
}

async fn report(app: &TestApp, w: &World, title: &str) -> Value {
    let (sub, scope) = persona(Role::Citizen, &w.a);
    let t = app.token(Role::Citizen, &sub, scope);
    let body = app
        .gql(
            Some(&t),
            &format!("mutation($i: ReportCaseInput!) {{ r: reportCase(input: $i) {{ case {{ {CASE} }} }} }}"),
            json!({ "i": { "title": title, "description": "测试", "gridId": w.a.community.to_string() } }),
        )
        .await;
    data(&body)["r"]["case"].clone()
}

fn token(app: &TestApp, role: Role, w: &World) -> String {
    let (sub, scope) = persona(role, &w.a);
    app.token(role, &sub, scope)
}

#[tokio::test]
async fn a_case_goes_round_the_whole_loop() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let api = Api { app: &app };
    let commander = token(&app, Role::Commander, &w);
    let staff = token(&app, Role::DepartmentStaff, &w);
    let grid = token(&app, Role::GridWorker, &w);

    let c = report(&app, &w, "餐馆违规使用液化气钢瓶").await;
    assert_eq!(c["status"], "REPORTED");
    let c = api
        .ok(&grid, "assessCase", "AssessCaseInput", json!({ "step": step(&c), "kind": "SAFETY_HAZARD", "category": "GAS", "severity": "LARGER", "riskColour": "RED" }))
        .await;
    assert_eq!(
        (c["status"].as_str(), c["riskColour"].as_str()),
        (Some("ASSESSED"), Some("RED"))
    );
    assert!(c["firstResponseDue"].is_string() && c["resolutionDue"].is_string());

    // Several units in one action, one leading.
    let other = fengqiao_api::service::unit::create(
        &app.db,
        &fengqiao_api::auth::Actor::system(),
        fengqiao_api::service::unit::NewUnit {
            code: "FIRE-A".into(),
            name: "消防站".into(),
            kind: entity::enums::UnitKind::Fire,
            parent_id: None,
            grid_id: None,
            phone: None,
            address: None,
        },
    )
    .await
    .expect("unit");
    let c = api
        .ok(
            &commander,
            "dispatchCase",
            "DispatchCaseInput",
            json!({ "step": step(&c), "unitIds": [w.a.unit.to_string(), other.id.to_string()], "leadUnitId": w.a.unit.to_string() }),
        )
        .await;
    assert_eq!(c["status"], "DISPATCHED");
    let assignments = c["assignments"].as_array().cloned().unwrap_or_default();
    let mine = assignments
        .iter()
        .find(|a| a["unit"]["id"] == w.a.unit.to_string())
        .cloned()
        .unwrap_or_default();
    let theirs = assignments
        .iter()
        .find(|a| a["unit"]["id"] == other.id.to_string())
        .cloned()
        .unwrap_or_default();
    assert_eq!(mine["lead"], true);
    assert_eq!(mine["status"], "PENDING");

    // Department staff answer only their own unit's assignment.
    let body = api
        .call(
            &staff,
            "acceptAssignment",
            "AssignmentAnswerInput",
            json!({ "step": step(&c), "assignmentId": theirs["id"] }),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("FORBIDDEN"));
    let c = api
        .ok(
            &staff,
            "acceptAssignment",
            "AssignmentAnswerInput",
            json!({ "step": step(&c), "assignmentId": mine["id"] }),
        )
        .await;
    assert_eq!(c["status"], "IN_HANDLING");
    let c = api
        .ok(
            &staff,
            "resolveCase",
            "CaseStepInput",
            json!({ "caseId": c["id"], "version": c["version"], "note": "收回钢瓶四个" }),
        )
        .await;
    assert_eq!(c["status"], "RESOLVED");
    assert!(c["resolvedAt"].is_string());
    let c = api.ok(&grid, "feedBackCase", "CaseStepInput", step(&c)).await;
    let c = api
        .ok(
            &grid,
            "recordFollowUp",
            "RecordFollowUpInput",
            json!({ "step": step(&c), "method": "PHONE", "responseSpeed": 5, "attitude": 5, "handling": 4, "satisfied": true }),
        )
        .await;
    assert_eq!(c["status"], "FOLLOWED_UP");
    assert_eq!(c["followUps"][0]["satisfied"], true);
    let c = api.ok(&commander, "closeCase", "CaseStepInput", step(&c)).await;
    assert_eq!(c["status"], "CLOSED");
    assert!(c["closedAt"].is_string());

    // The timeline has every step, in order, without gaps, each from the status before.
    let t = c["timeline"].as_array().cloned().unwrap_or_default();
    let kinds: Vec<&str> = t.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "REPORTED",
            "ASSESSED",
            "DISPATCHED",
            "ACCEPTED",
            "RESOLVED",
            "FED_BACK",
            "FOLLOWED_UP",
            "CLOSED"
        ]
    );
    for (i, e) in t.iter().enumerate() {
        assert_eq!(e["seq"], i + 1);
        if i > 0 {
            assert_eq!(e["fromStatus"], t[i - 1]["toStatus"], "timeline step {i}");
        }
    }
    assert_eq!(c["version"], 8);

    // The statistics count what the loop recorded (the outcome facts are kept by the
    // database as the steps are written, not by the test).
    let body = app
        .gql(
            Some(&commander),
            "query($f: CaseFilterInput) { caseStatistics(filter: $f) { total {
               count outcomeCount resolvedCount followedUpCount satisfiedCount mediatedCount } } }",
            json!({ "f": { "text": "餐馆违规使用液化气钢瓶" } }),
        )
        .await;
    assert_eq!(
        data(&body)["caseStatistics"]["total"],
        json!({ "count": 1, "outcomeCount": 1, "resolvedCount": 1, "followedUpCount": 1,
                "satisfiedCount": 1, "mediatedCount": 0 })
    );

    // Reopening is the commander's, and goes back to handling.
    let body = api.call(&grid, "reopenCase", "CaseStepInput", step(&c)).await;
    assert_eq!(error_code(&body).as_deref(), Some("FORBIDDEN"));
    let c = api
        .ok(
            &commander,
            "reopenCase",
            "CaseStepInput",
            json!({ "caseId": c["id"], "version": c["version"], "note": "群众再次反映" }),
        )
        .await;
    assert_eq!(c["status"], "IN_HANDLING");
    assert!(c["closedAt"].is_null());
}

#[tokio::test]
async fn versions_statuses_roles_and_scope_are_enforced() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let api = Api { app: &app };
    let commander = token(&app, Role::Commander, &w);
    let citizen = token(&app, Role::Citizen, &w);
    let c = report(&app, &w, "噪音").await;
    let assess =
        json!({ "step": step(&c), "kind": "DISPUTE", "severity": "ORDINARY", "riskColour": "GREEN" });

    let body = api
        .call(&citizen, "assessCase", "AssessCaseInput", assess.clone())
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("FORBIDDEN"));
    let (sub, scope) = persona(Role::Commander, &w.b);
    let commander_b = app.token(Role::Commander, &sub, scope);
    let body = api
        .call(&commander_b, "assessCase", "AssessCaseInput", assess.clone())
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"));
    let body = api.call(&commander, "closeCase", "CaseStepInput", step(&c)).await;
    assert_eq!(
        error_code(&body).as_deref(),
        Some("CONFLICT"),
        "closing a REPORTED case"
    );

    let c2 = api
        .ok(&commander, "assessCase", "AssessCaseInput", assess.clone())
        .await;
    let body = api
        .call(&commander, "assessCase", "AssessCaseInput", assess)
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("CONFLICT"), "stale version");
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.version");

    // A rejected dispatch with no other unit returns the case to ASSESSED.
    let c3 = api
        .ok(&commander, "dispatchCase", "DispatchCaseInput", json!({ "step": step(&c2), "unitIds": [w.a.unit.to_string()], "leadUnitId": w.a.unit.to_string() }))
        .await;
    let a = c3["assignments"][0]["id"].clone();
    let body = api
        .call(
            &commander,
            "rejectAssignment",
            "AssignmentAnswerInput",
            json!({ "step": step(&c3), "assignmentId": a }),
        )
        .await;
    assert_eq!(
        error_code(&body).as_deref(),
        Some("BAD_USER_INPUT"),
        "a rejection needs a reason"
    );
    let c4 = api
        .ok(
            &commander,
            "rejectAssignment",
            "AssignmentAnswerInput",
            json!({ "step": step(&c3), "assignmentId": a, "reason": "不属于本部门职责" }),
        )
        .await;
    assert_eq!(c4["status"], "ASSESSED");
    assert_eq!(c4["assignments"][0]["status"], "REJECTED");

    // Closing straight after feedback needs a reason.
    let c5 = api
        .ok(&commander, "startHandling", "CaseStepInput", step(&c4))
        .await;
    let c6 = api
        .ok(&commander, "resolveCase", "CaseStepInput", step(&c5))
        .await;
    let c7 = api
        .ok(&commander, "feedBackCase", "CaseStepInput", step(&c6))
        .await;
    let body = api
        .call(&commander, "closeCase", "CaseStepInput", step(&c7))
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("BAD_USER_INPUT"));
    let c8 = api
        .ok(
            &commander,
            "closeCase",
            "CaseStepInput",
            json!({ "caseId": c7["id"], "version": c7["version"], "note": "报警人拒绝回访" }),
        )
        .await;
    assert_eq!(c8["status"], "CLOSED");
}

#[tokio::test]
async fn retries_with_an_idempotency_key_return_the_first_answer() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let api = Api { app: &app };
    let commander = token(&app, Role::Commander, &w);
    let c = report(&app, &w, "钱包遗失").await;
    let input = json!({ "step": { "caseId": c["id"], "version": c["version"], "idempotencyKey": "retry-0001-abcd" },
                        "kind": "HELP_REQUEST", "category": "LOST_PROPERTY", "severity": "ORDINARY", "riskColour": "GREEN" });
    let first = api
        .ok(&commander, "assessCase", "AssessCaseInput", input.clone())
        .await;
    let again = api.ok(&commander, "assessCase", "AssessCaseInput", input).await;
    assert_eq!(first["version"], again["version"]);
    assert_eq!(
        again["timeline"].as_array().map(Vec::len),
        Some(2),
        "the retry wrote a second entry"
    );
    let body = api
        .call(
            &commander,
            "startHandling",
            "CaseStepInput",
            json!({ "caseId": c["id"], "version": first["version"], "idempotencyKey": "retry-0001-abcd" }),
        )
        .await;
    assert_eq!(
        error_code(&body).as_deref(),
        Some("IDEMPOTENCY_KEY_REUSED"),
        "a key reused for another step"
    );
}

#[tokio::test]
async fn theft_gets_the_three_hour_window_and_overdue_cases_are_listed() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let api = Api { app: &app };
    let commander = token(&app, Role::Commander, &w);
    let c = report(&app, &w, "电动车被盗").await;
    let c = api
        .ok(&commander, "assessCase", "AssessCaseInput", json!({ "step": step(&c), "kind": "POLICE_INCIDENT", "category": "THEFT", "severity": "ORDINARY", "riskColour": "YELLOW" }))
        .await;
    let due =
        chrono::DateTime::parse_from_rfc3339(c["resolutionDue"].as_str().unwrap_or_default()).expect("due");
    let body = app
        .gql(
            Some(&commander),
            "query($id: ID!) { case(id: $id) { createdAt } }",
            json!({ "id": c["id"] }),
        )
        .await;
    let created =
        chrono::DateTime::parse_from_rfc3339(data(&body)["case"]["createdAt"].as_str().unwrap_or_default())
            .expect("created");
    assert_eq!(
        (due - created).num_minutes(),
        180,
        "theft: 3-hour rapid-solve window"
    );
    assert_eq!(c["overdue"], false);

    // Put the response deadline in the past: the case is overdue and listed as such.
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let id = uuid::Uuid::parse_str(c["id"].as_str().unwrap_or_default()).expect("id");
    let m = entity::case::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .expect("q")
        .expect("case");
    let mut am: entity::case::ActiveModel = m.into();
    am.first_response_due = Set(Some(chrono::Utc::now() - chrono::Duration::minutes(5)));
    am.update(&app.db).await.expect("update");
    let body = app
        .gql(Some(&commander), "{ late: cases(filter: { overdue: true }) { nodes { id overdue } } onTime: cases(filter: { overdue: false }) { nodes { id } } }", json!({}))
        .await;
    let d = data(&body);
    assert_eq!(d["late"]["nodes"], json!([{ "id": c["id"], "overdue": true }]));
    assert!(!d["onTime"]["nodes"]
        .as_array()
        .is_some_and(|a| a.iter().any(|n| n["id"] == c["id"])));
    let body = app
        .gql(
            Some(&commander),
            "{ caseTransitions { mutation from to roles } }",
            json!({}),
        )
        .await;
    assert_eq!(data(&body)["caseTransitions"].as_array().map(Vec::len), Some(21));
}

#[tokio::test]
async fn fifty_clients_race_and_exactly_one_wins_each_step() {
    let app = TestApp::spawn_with(|c| c.db_max_connections = 8).await;
    let w = world(&app.db).await;
    let commander = app.token(
        Role::Commander,
        "racer",
        Scope {
            grids: vec![w.a.district],
            ..Default::default()
        },
    );
    let c = report(&app, &w, "竞争").await;
    let id = c["id"].clone();
    let steps: [(&str, &str, Value); 3] = [
        (
            "assessCase",
            "AssessCaseInput",
            json!({ "kind": "DISPUTE", "severity": "ORDINARY", "riskColour": "GREEN" }),
        ),
        ("startHandling", "CaseStepInput", json!({})),
        ("resolveCase", "CaseStepInput", json!({})),
    ];
    let first = c["version"].as_i64().unwrap_or(1);
    for (version, (mutation, input_type, extra)) in (first..).zip(steps) {
        let q =
            format!("mutation($i: {input_type}!) {{ r: {mutation}(input: $i) {{ case {{ version }} }} }}");
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let mut input = if input_type == "CaseStepInput" {
                json!({ "caseId": id, "version": version })
            } else {
                let mut e = extra.clone();
                e["step"] = json!({ "caseId": id, "version": version });
                e
            };
            if input_type == "CaseStepInput" {
                input["note"] = json!("并发");
            }
            let client = app.client.clone();
            let url = format!("{}/graphql", app.base);
            let (q, t) = (q.clone(), commander.clone());
            tasks.push(tokio::spawn(async move {
                let res = client
                    .post(url)
                    .bearer_auth(t)
                    .json(&json!({ "query": q, "variables": { "i": input } }))
                    .send()
                    .await;
                match res {
                    Ok(r) => r.json::<Value>().await.unwrap_or(Value::Null),
                    Err(e) => json!({ "transport": e.to_string() }),
                }
            }));
        }
        let (mut wins, mut conflicts) = (0, 0);
        for t in tasks {
            let body = t.await.expect("task");
            match error_code(&body).as_deref() {
                None if body["data"]["r"]["case"]["version"].is_number() => wins += 1,
                Some("CONFLICT") => conflicts += 1,
                other => panic!("{mutation}: unexpected answer {other:?}: {body}"),
            }
        }
        assert_eq!((wins, conflicts), (1, 49), "{mutation}");
    }
    let body = app
        .gql(
            Some(&commander),
            "query($id: ID!) { case(id: $id) { version timeline { seq } } }",
            json!({ "id": id }),
        )
        .await;
    let d = &data(&body)["case"];
    let seqs: Vec<i64> = d["timeline"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["seq"].as_i64()).collect())
        .unwrap_or_default();
    assert_eq!(seqs, [1, 2, 3, 4], "timeline has a gap or a duplicate");
    assert_eq!(d["version"], 4);
}

/// The README's state-machine table is the one the code serves.
#[tokio::test]
async fn the_readme_states_the_state_machine_the_code_enforces() {
    let app = TestApp::spawn().await;
    let body = app
        .gql(None, "{ caseTransitions { mutation from to roles } }", json!({}))
        .await;
    let readme = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    let rules = data(&body)["caseTransitions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!rules.is_empty());
    for r in rules {
        let list = |v: &Value| -> String {
            v.as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "))
                .unwrap_or_default()
        };
        let line = format!(
            "| `{}` | {} | {} | {} |",
            r["mutation"].as_str().unwrap_or_default(),
            list(&r["from"]),
            r["to"].as_str().unwrap_or("(unchanged)"),
            list(&r["roles"])
        );
        assert!(readme.contains(&line), "README.md lacks or misstates: {line}");
    }
}

#[tokio::test]
async fn deadline_policies_are_configurable_and_due_follow_ups_listed() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let api = Api { app: &app };
    let street_commander = token(&app, Role::Commander, &w);
    // Deadline policies hold for the whole district: a district-wide commander sets them.
    let commander = app.token(Role::Commander, "district-commander", Scope::district());
    let grid = token(&app, Role::GridWorker, &w);
    let set = "mutation($i: SetDeadlinePolicyInput!) { setDeadlinePolicy(input: $i) { policy { riskColour kind category firstResponseMinutes resolutionMinutes } } }";
    for t in [&grid, &street_commander] {
        let body = app
            .gql(
                Some(t),
                set,
                json!({ "i": { "riskColour": "GREEN", "firstResponseMinutes": 5, "resolutionMinutes": 60 } }),
            )
            .await;
        assert_eq!(error_code(&body).as_deref(), Some("FORBIDDEN"), "{body}");
    }
    let body = app
        .gql(
            Some(&commander),
            set,
            json!({ "i": { "riskColour": "GREEN", "firstResponseMinutes": 90, "resolutionMinutes": 30 } }),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("BAD_USER_INPUT"));
    let body = app
        .gql(Some(&commander), set, json!({ "i": { "riskColour": "GREEN", "kind": "DISPUTE", "firstResponseMinutes": 45, "resolutionMinutes": 600 } }))
        .await;
    assert_eq!(data(&body)["setDeadlinePolicy"]["policy"]["kind"], "DISPUTE");
    let c = report(&app, &w, "邻里纠纷").await;
    let c = api
        .ok(
            &commander,
            "assessCase",
            "AssessCaseInput",
            json!({ "step": step(&c), "kind": "DISPUTE", "severity": "ORDINARY", "riskColour": "GREEN" }),
        )
        .await;
    let body = app
        .gql(
            Some(&commander),
            "query($id: ID!) { case(id: $id) { createdAt } }",
            json!({ "id": c["id"] }),
        )
        .await;
    let created =
        chrono::DateTime::parse_from_rfc3339(data(&body)["case"]["createdAt"].as_str().unwrap_or_default())
            .expect("created");
    let due =
        chrono::DateTime::parse_from_rfc3339(c["resolutionDue"].as_str().unwrap_or_default()).expect("due");
    assert_eq!(
        (due - created).num_minutes(),
        600,
        "the kind-specific policy wins over the colour's"
    );

    // Divert a non-police incident, resolve, feed back: the case is due a follow-up.
    let centre = fengqiao_api::service::unit::create(
        &app.db,
        &fengqiao_api::auth::Actor::system(),
        fengqiao_api::service::unit::NewUnit {
            code: "GOV-A".into(),
            name: "街道综治中心".into(),
            kind: entity::enums::UnitKind::GovernanceCentre,
            parent_id: None,
            grid_id: None,
            phone: None,
            address: None,
        },
    )
    .await
    .expect("centre");
    let body = api
        .call(
            &commander,
            "divertCase",
            "DivertCaseInput",
            json!({ "step": step(&c), "unitId": w.a.unit.to_string() }),
        )
        .await;
    assert_eq!(
        error_code(&body).as_deref(),
        Some("BAD_USER_INPUT"),
        "diversion goes to a governance centre"
    );
    let c = api
        .ok(
            &commander,
            "divertCase",
            "DivertCaseInput",
            json!({ "step": step(&c), "unitId": centre.id.to_string() }),
        )
        .await;
    assert_eq!(c["status"], "DISPATCHED");
    let c = api
        .ok(&commander, "startHandling", "CaseStepInput", step(&c))
        .await;
    let c = api.ok(&commander, "resolveCase", "CaseStepInput", step(&c)).await;
    let c = api
        .ok(&commander, "feedBackCase", "CaseStepInput", step(&c))
        .await;
    let body = app
        .gql(
            Some(&commander),
            "{ dueFollowUps { nodes { id } } deadlinePolicies { riskColour kind category } }",
            json!({}),
        )
        .await;
    let d = data(&body);
    assert_eq!(d["dueFollowUps"]["nodes"], json!([{ "id": c["id"] }]));
    assert!(d["deadlinePolicies"].as_array().is_some_and(|a| a.len() >= 9));
}
