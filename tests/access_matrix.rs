//! Every role against every list, lookup and nested path: in scope visible, out of scope
//! absent from lists and NOT_FOUND by id.

use fengqiao_api::auth::{Role, Scope};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::{
    fixtures::{persona, world, Side},
    harness::{data, error_code, TestApp},
};

/// What a persona scoped to side A may see of A's scoped rows (B's are never visible).
struct Expect {
    role: Role,
    case: bool,
    enterprise: bool,
    volunteer: bool,
}

const MATRIX: &[Expect] = &[
    Expect {
        role: Role::Commander,
        case: true,
        enterprise: true,
        volunteer: true,
    },
    Expect {
        role: Role::Admin,
        case: true,
        enterprise: true,
        volunteer: true,
    },
    Expect {
        role: Role::GridWorker,
        case: true,
        enterprise: true,
        volunteer: true,
    },
    Expect {
        role: Role::CommunityPolice,
        case: true,
        enterprise: true,
        volunteer: true,
    },
    Expect {
        role: Role::Mediator,
        case: true,
        enterprise: true,
        volunteer: false,
    },
    Expect {
        role: Role::Volunteer,
        case: true,
        enterprise: true,
        volunteer: true,
    },
    Expect {
        role: Role::EnterpriseLiaison,
        case: true,
        enterprise: true,
        volunteer: false,
    },
    Expect {
        role: Role::DepartmentStaff,
        case: true,
        enterprise: true,
        volunteer: false,
    },
    Expect {
        role: Role::Platform,
        case: true,
        enterprise: true,
        volunteer: true,
    },
    // A citizen's report names an enterprise (by its public credit code) without letting
    // them read it: writing a case never widens what its author sees.
    Expect {
        role: Role::Citizen,
        case: true,
        enterprise: false,
        volunteer: false,
    },
    Expect {
        role: Role::Anonymous,
        case: false,
        enterprise: false,
        volunteer: false,
    },
];

const LISTS: &str = r#"{
  cases(first: 100) { totalCount nodes { id } }
  enterprises(first: 100) { totalCount nodes { id } }
  volunteers(first: 100) { totalCount nodes { id } }
  grids(first: 100) { nodes { id } }
  units(first: 100) { nodes { id } }
  mediationRooms(first: 100) { nodes { id } }
  mediators(first: 100) { nodes { id } }
  volunteerTeams(first: 100) { nodes { id } }
}"#;

fn ids(v: &Value, list: &str) -> Vec<String> {
    v[list]["nodes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|n| n["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn lookup(
    app: &TestApp,
    token: Option<&str>,
    field: &str,
    arg: &str,
    value: String,
) -> Result<(), String> {
    let q = format!(
        "query($v: {}) {{ x: {field}({arg}: $v) {{ id }} }}",
        if arg == "id" { "ID!" } else { "String!" }
    );
    let body = app.gql(token, &q, json!({ "v": value })).await;
    match error_code(&body) {
        None if body["data"]["x"]["id"].is_string() => Ok(()),
        Some(code) => Err(code),
        None => Err(format!("no data: {body}")),
    }
}

/// The same lookup through federation's `_entities`: the entity, or `null` and the error code.
async fn entity(app: &TestApp, token: Option<&str>, typename: &str, id: String) -> Result<(), String> {
    let q = "query($r: [_Any!]!) { x: _entities(representations: $r) { \
             ... on Case { id } ... on Enterprise { id } ... on Volunteer { id } \
             ... on Grid { id } ... on MediationRoom { id } } }";
    let body = app
        .gql(token, q, json!({ "r": [{ "__typename": typename, "id": id }] }))
        .await;
    match error_code(&body) {
        None if body["data"]["x"][0]["id"].is_string() => Ok(()),
        Some(code) if body["data"]["x"] == json!([null]) => Err(code),
        _ => Err(format!("unexpected: {body}")),
    }
}

fn token_for(app: &TestApp, role: Role, side: &Side) -> Option<String> {
    if role == Role::Anonymous {
        return None;
    }
    let (subject, scope) = persona(role, side);
    Some(app.token(role, &subject, scope))
}

#[tokio::test]
async fn every_role_sees_its_scope_and_nothing_else() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let (a, b) = (&w.a, &w.b);
    for e in MATRIX {
        let role = e.role.as_str();
        let token = token_for(&app, e.role, a);
        let t = token.as_deref();
        let body = app.gql(t, LISTS, json!({})).await;
        // Lists need a token: an anonymous caller is told to sign in, not shown an empty
        // district (every list field errs; the lookups below are NOT_FOUND as for anyone).
        let empty = json!({});
        let d = if e.role == Role::Anonymous {
            let errors = body["errors"].as_array().cloned().unwrap_or_default();
            assert_eq!(errors.len(), 8, "anonymous lists: {body}");
            assert!(
                errors
                    .iter()
                    .all(|x| x["extensions"]["code"] == "UNAUTHENTICATED"),
                "anonymous lists: {body}"
            );
            &empty
        } else {
            data(&body)
        };
        let s = |x: &uuid::Uuid| x.to_string();

        // Scoped aggregates: A as expected, B never.
        for (list, a_id, b_id, expect) in [
            ("cases", a.case, b.case, e.case),
            ("enterprises", a.enterprise, b.enterprise, e.enterprise),
            ("volunteers", a.volunteer, b.volunteer, e.volunteer),
        ] {
            let got = ids(d, list);
            assert_eq!(got.contains(&s(&a_id)), expect, "{role}: {list} list, own side");
            assert!(
                !got.contains(&s(&b_id)),
                "{role}: {list} list leaks the other side"
            );
        }
        // Directory data: every signed-in role sees both sides, anonymous nothing.
        let signed_in = e.role != Role::Anonymous;
        for (list, a_id, b_id) in [
            ("grids", a.community, b.community),
            ("units", a.unit, b.unit),
            ("mediationRooms", a.room, b.room),
            ("mediators", a.mediator, b.mediator),
            ("volunteerTeams", a.team, b.team),
        ] {
            let got = ids(d, list);
            assert_eq!(got.contains(&s(&a_id)), signed_in, "{role}: {list}");
            assert_eq!(got.contains(&s(&b_id)), signed_in, "{role}: {list}");
        }

        // Lookups by id: visible or NOT_FOUND, never anything else.
        for (field, a_id, b_id, expect) in [
            ("case", a.case, b.case, e.case),
            ("enterprise", a.enterprise, b.enterprise, e.enterprise),
            ("volunteer", a.volunteer, b.volunteer, e.volunteer),
            ("grid", a.community, b.community, signed_in),
            ("unit", a.unit, b.unit, signed_in),
            ("mediationRoom", a.room, b.room, signed_in),
            ("mediator", a.mediator, b.mediator, signed_in),
            ("volunteerTeam", a.team, b.team, signed_in),
        ] {
            let own = lookup(&app, t, field, "id", s(&a_id)).await;
            if expect {
                assert_eq!(own, Ok(()), "{role}: {field}(own side)");
            } else {
                assert_eq!(own, Err("NOT_FOUND".into()), "{role}: {field}(own side)");
            }
            let other = lookup(&app, t, field, "id", s(&b_id)).await;
            let other_expect: Result<(), String> =
                if ["grid", "unit", "mediationRoom", "mediator", "volunteerTeam"].contains(&field)
                    && signed_in
                {
                    Ok(())
                } else {
                    Err("NOT_FOUND".into())
                };
            assert_eq!(other, other_expect, "{role}: {field}(other side)");
            // Relay's `node` answers exactly as the type's own lookup.
            for (id, expected) in [(a_id, &own), (b_id, &other)] {
                let got = lookup(&app, t, "node", "id", s(&id)).await;
                assert_eq!(&got, expected, "{role}: node({field} {id})");
            }
            // Federation's `_entities` answers exactly as the lookup field.
            let typename = match field {
                "case" => "Case",
                "enterprise" => "Enterprise",
                "volunteer" => "Volunteer",
                "grid" => "Grid",
                "mediationRoom" => "MediationRoom",
                _ => continue,
            };
            for (id, expected) in [(a_id, &own), (b_id, &other)] {
                let got = entity(&app, t, typename, s(&id)).await;
                assert_eq!(&got, expected, "{role}: _entities {typename} {id}");
            }
        }
        let by_number = lookup(
            &app,
            t,
            "caseByTrackingNumber",
            "trackingNumber",
            b.tracking_number.clone(),
        )
        .await;
        assert_eq!(
            by_number,
            Err("NOT_FOUND".into()),
            "{role}: caseByTrackingNumber(other side)"
        );
        let own_number = lookup(
            &app,
            t,
            "caseByTrackingNumber",
            "trackingNumber",
            a.tracking_number.clone(),
        )
        .await;
        assert_eq!(
            own_number.is_ok(),
            e.case,
            "{role}: caseByTrackingNumber(own side)"
        );

        // Nested lists on directory objects of the other side are empty.
        let nested = app
            .gql(
                t,
                "query($g: ID!, $t: ID!, $r: ID!, $u: ID!) {
                   grid(id: $g) { cases { totalCount } enterprises { totalCount } }
                   volunteerTeam(id: $t) { volunteers { totalCount } }
                   mediationRoom(id: $r) { cases { totalCount } }
                   unit(id: $u) { cases { totalCount } }
                 }",
                json!({ "g": s(&b.district), "t": s(&b.team), "r": s(&b.room), "u": s(&b.unit) }),
            )
            .await;
        if signed_in {
            let n = data(&nested);
            for path in [
                &n["grid"]["cases"],
                &n["grid"]["enterprises"],
                &n["volunteerTeam"]["volunteers"],
                &n["mediationRoom"]["cases"],
                &n["unit"]["cases"],
            ] {
                assert_eq!(
                    path["totalCount"], 0,
                    "{role}: nested list leaks the other side: {n}"
                );
            }
        } else {
            assert_eq!(
                error_code(&nested).as_deref(),
                Some("NOT_FOUND"),
                "{role}: nested"
            );
        }

        // Administrative types: the audit log and the client registry are for admins only.
        for q in ["{ auditEvents { totalCount } }", "{ apiClients { clientId } }"] {
            let body = app.gql(t, q, json!({})).await;
            let expected = match e.role {
                Role::Admin => None,
                Role::Anonymous => Some("UNAUTHENTICATED"),
                _ => Some("FORBIDDEN"),
            };
            assert_eq!(error_code(&body).as_deref(), expected, "{role}: {q}: {body}");
        }

        // Integration types: the outbox is for admins; duplicates for those who decide them;
        // platforms for admins and commanders, and a platform's own account sees itself.
        let body = app.gql(t, "{ outboxEvents { id } }", json!({})).await;
        let expected = match e.role {
            Role::Admin => None,
            Role::Anonymous => Some("UNAUTHENTICATED"),
            _ => Some("FORBIDDEN"),
        };
        assert_eq!(
            error_code(&body).as_deref(),
            expected,
            "{role}: outboxEvents: {body}"
        );
        let body = app.gql(t, "{ pendingDuplicates { id } }", json!({})).await;
        let expected = match e.role {
            Role::Admin | Role::Commander | Role::CommunityPolice => None,
            Role::Anonymous => Some("UNAUTHENTICATED"),
            _ => Some("FORBIDDEN"),
        };
        assert_eq!(
            error_code(&body).as_deref(),
            expected,
            "{role}: pendingDuplicates: {body}"
        );
        let body = app.gql(t, "{ platforms { code } }", json!({})).await;
        let codes: Vec<&str> = body["data"]["platforms"]
            .as_array()
            .map(|a| a.iter().filter_map(|p| p["code"].as_str()).collect())
            .unwrap_or_default();
        let expected: &[&str] = match e.role {
            Role::Admin | Role::Commander => &["A-110", "B-110"],
            Role::Platform => &["A-110"],
            _ => &[],
        };
        assert_eq!(codes, expected, "{role}: platforms: {body}");
        let other = lookup(&app, t, "platform", "id", s(&b.platform)).await;
        let own = lookup(&app, t, "platform", "id", s(&a.platform)).await;
        match e.role {
            Role::Admin | Role::Commander => assert!(other.is_ok() && own.is_ok(), "{role}: platform"),
            Role::Platform => {
                assert!(own.is_ok(), "{role}: own platform");
                assert_eq!(other, Err("NOT_FOUND".into()), "{role}: other platform");
            }
            _ => assert_eq!(own, Err("NOT_FOUND".into()), "{role}: platform"),
        }

        // Statistics and CSV exports: the roles that read them count exactly the cases they
        // can list (never the other side); every other role is refused with a stable code.
        let stats_role = matches!(
            e.role,
            Role::Commander | Role::CommunityPolice | Role::GridWorker | Role::Admin | Role::DepartmentStaff
        );
        let refused = match e.role {
            Role::Anonymous => Some("UNAUTHENTICATED"),
            _ if stats_role => None,
            _ => Some("FORBIDDEN"),
        };
        let body = app
            .gql(
                t,
                "{ caseStatistics { total { count } }
                   volunteerStatistics { total { taskCount } }
                   mediationRoomStatistics { total { sessionCount } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            error_code(&body).as_deref(),
            refused,
            "{role}: statistics: {body}"
        );
        if stats_role {
            assert_eq!(
                data(&body)["caseStatistics"]["total"]["count"],
                d["cases"]["totalCount"],
                "{role}: caseStatistics counts what cases lists"
            );
        }
        let mut req = app.client.get(format!("{}/export/cases.csv", app.base));
        if let Some(tok) = t {
            req = req.bearer_auth(tok);
        }
        let res = req.send().await.expect("export request");
        let status = res.status().as_u16();
        let csv = res.text().await.expect("export body");
        let expected_status = match refused {
            None => 200,
            Some("UNAUTHENTICATED") => 401,
            Some(_) => 403,
        };
        assert_eq!(status, expected_status, "{role}: /export/cases.csv: {csv}");
        if stats_role {
            assert_eq!(
                csv.contains(&a.tracking_number),
                e.case,
                "{role}: export, own side"
            );
            assert!(
                !csv.contains(&b.tracking_number),
                "{role}: export leaks the other side"
            );
        }

        // Nested paths from a visible case: every loader answers within scope.
        if e.case {
            let body = app
                .gql(
                    t,
                    "query($id: ID!) { case(id: $id) {
                        grid { id } enterprise { id contacts { id } } room { id mediators { id languages } }
                        timeline { seq } assignments { unit { id } } parties { id }
                        sessions { mediators { id } } followUps { satisfied }
                        volunteerTasks { team { id } volunteer { id skills honours { id } memberships { team { id } } } }
                     } }",
                    json!({ "id": s(&a.case) }),
                )
                .await;
            let c = &data(&body)["case"];
            assert_eq!(c["grid"]["id"], s(&a.community), "{role}: case.grid");
            let body = app
                .gql(
                    t,
                    "query($id: ID!) { case(id: $id) { sources { platformCode externalId } duplicateLinks { id } } }",
                    json!({ "id": s(&a.case) }),
                )
                .await;
            let src = &data(&body)["case"];
            assert_eq!(src["sources"][0]["platformCode"], "A-110", "{role}: case.sources");
            assert_eq!(src["duplicateLinks"], json!([]), "{role}: case.duplicateLinks");
            if e.enterprise {
                assert_eq!(c["enterprise"]["id"], s(&a.enterprise), "{role}: case.enterprise");
            } else {
                assert!(
                    c["enterprise"].is_null(),
                    "{role}: case.enterprise must be hidden"
                );
            }
            assert_eq!(c["room"]["id"], s(&a.room), "{role}: case.room");
            assert_eq!(c["timeline"][0]["seq"], 1, "{role}: case.timeline");
            assert_eq!(
                c["assignments"][0]["unit"]["id"],
                s(&a.unit),
                "{role}: case.assignments"
            );
            assert_eq!(
                c["sessions"][0]["mediators"][0]["id"],
                s(&a.mediator),
                "{role}: session mediators"
            );
            assert_eq!(c["followUps"][0]["satisfied"], true, "{role}: follow-ups");
            let v = &c["volunteerTasks"][0]["volunteer"];
            if e.volunteer {
                assert_eq!(v["id"], s(&a.volunteer), "{role}: task volunteer");
            } else {
                assert!(v.is_null(), "{role}: task volunteer must be hidden: {v}");
            }
        }
    }
}

#[tokio::test]
async fn unrestricted_admin_sees_both_sides_and_scoped_commander_only_one() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let admin = app.token(Role::Admin, "admin", Scope::district());
    let body = app.gql(Some(&admin), LISTS, json!({})).await;
    let d = data(&body);
    for (list, a, b) in [
        ("cases", w.a.case, w.b.case),
        ("enterprises", w.a.enterprise, w.b.enterprise),
        ("volunteers", w.a.volunteer, w.b.volunteer),
    ] {
        let got = ids(d, list);
        assert!(
            got.contains(&a.to_string()) && got.contains(&b.to_string()),
            "admin {list}"
        );
    }
    let (sub, scope) = persona(Role::Commander, &w.b);
    let commander_b = app.token(Role::Commander, &sub, scope);
    let body = app.gql(Some(&commander_b), LISTS, json!({})).await;
    let got = ids(data(&body), "cases");
    assert_eq!(got, vec![w.b.case.to_string()]);
}

#[tokio::test]
async fn community_police_reach_covered_community_grids_only() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let (sub, scope) = persona(Role::CommunityPolice, &w.a);
    let t = app.token(Role::CommunityPolice, &sub, scope);
    let body = app
        .gql(
            Some(&t),
            "query($p: ID!) { grid(id: $p) { covers { id } } cases { nodes { id } } }",
            json!({ "p": w.a.police_grid.to_string() }),
        )
        .await;
    let d = data(&body);
    assert_eq!(d["grid"]["covers"][0]["id"], w.a.community.to_string());
    assert_eq!(ids(d, "cases"), vec![w.a.case.to_string()]);
}

/// Evidence files follow their case: every role downloads a file of side A's case exactly when
/// it sees that case, never side B's (NOT_FOUND, as for a lookup), and without a token nothing
/// (UNAUTHENTICATED).
#[tokio::test]
async fn every_role_downloads_the_files_of_the_cases_it_sees_only() {
    use fengqiao_api::{
        auth::Actor,
        service::attachment::{attach, AttachInput, Evidence, Incoming},
    };
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let mut files = Vec::new();
    for (side, seed) in [(&w.a, 1u8), (&w.b, 2u8)] {
        let (subject, scope) = persona(Role::Admin, side);
        let admin = Actor::new(Role::Admin, Some(subject), scope);
        let photo = crate::attachments::photo_with_gps(16, 16, seed);
        let after = attach(
            &app.state.store,
            &admin,
            AttachInput {
                case_id: side.case,
                evidence: Evidence {
                    files: vec![Incoming {
                        name: Some("现场.jpg".into()),
                        bytes: photo.into(),
                    }],
                    upload_ids: Vec::new(),
                },
                ..Default::default()
            },
        )
        .await
        .expect("attach");
        let a = entity::case_attachment::Entity::find()
            .filter(entity::case_attachment::Column::CaseId.eq(after.id))
            .one(&app.db)
            .await
            .expect("query")
            .expect("attachment");
        files.push(a.id);
    }
    let get = |token: Option<String>, id: uuid::Uuid, thumb: bool| {
        let mut req = app.client.get(format!(
            "{}/files/{id}{}",
            app.base,
            if thumb { "/thumbnail" } else { "" }
        ));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        async move { req.send().await.expect("download").status().as_u16() }
    };
    for e in MATRIX {
        let role = e.role.as_str();
        let token = token_for(&app, e.role, &w.a);
        for thumb in [false, true] {
            let own = get(token.clone(), files[0], thumb).await;
            let other = get(token.clone(), files[1], thumb).await;
            if e.role == Role::Anonymous {
                assert_eq!((own, other), (401, 401), "{role}: no token, no file");
                continue;
            }
            assert_eq!(
                own,
                if e.case { 200 } else { 404 },
                "{role}: own side's file (thumbnail: {thumb})"
            );
            assert_eq!(other, 404, "{role}: the other side's file (thumbnail: {thumb})");
        }
    }
}
