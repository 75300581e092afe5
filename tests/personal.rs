//! Personal data and the audit log: every personal value leaves the service masked for every
//! role, `revealable` tells the truth about `reveal`, every reveal and mutation is audited
//! (never with the values themselves), and the audit log is admin-only, exportable and
//! append-only.

use std::collections::{HashMap, HashSet};

use entity::{audit_event, case, case_party, enterprise_contact, mediator, volunteer};
use fengqiao_api::{
    auth::{Role, Scope},
    service::personal::{roles_for, Category},
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{
    fixtures::{add_personal_data, persona, world, PersonalData, Side, World},
    harness::{data, error_code, error_field, TestApp},
};

/// One response, with what the tests look at.
struct Resp {
    status: u16,
    request_id: String,
    text: String,
    json: Value,
}

/// POSTs a GraphQL operation and keeps the raw body text and the request id.
async fn post(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> Resp {
    let mut req = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let request_id = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = res.text().await.expect("body text");
    let json: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("body is not JSON ({e}): {text}"));
    Resp {
        status,
        request_id,
        text,
        json,
    }
}

/// The persona of `role` on side `s`: subject and token (none for anonymous).
fn persona_token(app: &TestApp, role: Role, s: &Side) -> (String, Option<String>) {
    if role == Role::Anonymous {
        return (String::new(), None);
    }
    let (subject, scope) = persona(role, s);
    let token = app.token(role, &subject, scope);
    (subject, Some(token))
}

fn all_roles() -> Vec<Role> {
    let mut v = Role::TOKEN_ROLES.to_vec();
    v.push(Role::Anonymous);
    v
}

/// Roles that may list side A's volunteers (tests/access_matrix.rs).
/// Every signed-in role but the citizen reaches side A's enterprise: the citizen's report
/// names it without letting them read it.
fn sees_enterprise(role: Role) -> bool {
    role != Role::Citizen
}

fn sees_volunteers(role: Role) -> bool {
    matches!(
        role,
        Role::Commander
            | Role::Admin
            | Role::GridWorker
            | Role::CommunityPolice
            | Role::Volunteer
            | Role::Platform
    )
}

/// Every personal field a caller can reach through the lists and the case's nested paths.
const EVERYTHING: &str = r#"
query {
  cases(first: 50) { nodes { __typename id
    reporterName { ...P } reporterPhone { ...P } address { ...P }
    parties { __typename id name { ...P } phone { ...P } residentId { ...P } address { ...P } }
    enterprise { contacts { __typename id name { ...P } phone { ...P } } }
    volunteerTasks { volunteer { __typename id name { ...P } phone { ...P } residentId { ...P } } }
    sessions { mediators { __typename id phone { ...P } } }
    room { mediators { __typename id phone { ...P } } }
  } }
  enterprises(first: 50) { nodes { contacts { __typename id name { ...P } phone { ...P } } } }
  volunteers(first: 50) { nodes { __typename id name { ...P } phone { ...P } residentId { ...P } } }
  mediators(first: 50) { nodes { __typename id phone { ...P } } }
}
fragment P on PersonalField { masked kind revealable }
"#;

/// Where a personal value lives: GraphQL type, object id, field.
type Place = (String, String, String);

/// Every personal value stored in the database, by place, and each object's owner subject.
struct Stored {
    values: HashMap<Place, String>,
    owners: HashMap<(String, String), String>,
    /// Party id → case id; contact id → enterprise id (to build reveal paths).
    parent: HashMap<String, String>,
}

impl Stored {
    async fn load(db: &sea_orm::DatabaseConnection) -> Stored {
        let mut values = HashMap::new();
        let mut owners = HashMap::new();
        let mut parent = HashMap::new();
        let mut put = |ty: &str, id: Uuid, field: &str, v: Option<&str>| {
            if let Some(v) = v {
                values.insert((ty.to_owned(), id.to_string(), field.to_owned()), v.to_owned());
            }
        };
        for c in case::Entity::find().all(db).await.expect("cases") {
            put("Case", c.id, "reporterName", c.reporter_name.as_deref());
            put("Case", c.id, "reporterPhone", c.reporter_phone.as_deref());
            put("Case", c.id, "address", c.address.as_deref());
            if let Some(s) = c.reporter_subject {
                owners.insert(("Case".to_owned(), c.id.to_string()), s);
            }
        }
        for p in case_party::Entity::find().all(db).await.expect("parties") {
            put("Party", p.id, "name", Some(&p.name));
            put("Party", p.id, "phone", p.phone.as_deref());
            put("Party", p.id, "residentId", p.resident_id.as_deref());
            put("Party", p.id, "address", p.address.as_deref());
            parent.insert(p.id.to_string(), p.case_id.to_string());
        }
        for c in enterprise_contact::Entity::find()
            .all(db)
            .await
            .expect("contacts")
        {
            put("EnterpriseContact", c.id, "name", Some(&c.name));
            put("EnterpriseContact", c.id, "phone", c.phone.as_deref());
            parent.insert(c.id.to_string(), c.enterprise_id.to_string());
        }
        for v in volunteer::Entity::find().all(db).await.expect("volunteers") {
            put("Volunteer", v.id, "name", Some(&v.name));
            put("Volunteer", v.id, "phone", Some(&v.phone));
            put("Volunteer", v.id, "residentId", v.resident_id.as_deref());
            if let Some(s) = v.subject {
                owners.insert(("Volunteer".to_owned(), v.id.to_string()), s);
            }
        }
        for m in mediator::Entity::find().all(db).await.expect("mediators") {
            put("Mediator", m.id, "phone", m.phone.as_deref());
            if let Some(s) = m.subject {
                owners.insert(("Mediator".to_owned(), m.id.to_string()), s);
            }
        }
        Stored {
            values,
            owners,
            parent,
        }
    }

    fn raw(&self) -> impl Iterator<Item = &String> {
        self.values.values()
    }
}

/// The GraphQL kind of each personal field.
fn kind_of(field: &str) -> &'static str {
    match field {
        "reporterName" | "name" => "NAME",
        "reporterPhone" | "phone" => "PHONE",
        "residentId" => "RESIDENT_ID",
        "address" => "ADDRESS",
        other => panic!("not a personal field: {other}"),
    }
}

/// The category that decides who may reveal a field.
fn category_of(ty: &str, field: &str) -> Category {
    match (ty, field) {
        (_, "residentId") => Category::ResidentId,
        ("Case" | "Party", _) => Category::CasePerson,
        ("Volunteer", _) => Category::Volunteer,
        ("EnterpriseContact", _) => Category::EnterpriseContact,
        ("Mediator", _) => Category::Mediator,
        other => panic!("unexpected place {other:?}"),
    }
}

/// The documented masks, written out independently of the service: names keep the first
/// character, mobiles the first 3 and last 4 digits, resident ids the first 6 and last 4,
/// addresses the first 6 characters followed by `****`.
fn expected_mask(kind: &str, raw: &str) -> String {
    let c: Vec<char> = raw.chars().collect();
    let s = |r: &[char]| r.iter().collect::<String>();
    match kind {
        "NAME" if c.len() == 1 => "*".into(),
        "NAME" => format!("{}{}", c[0], "*".repeat(c.len() - 1)),
        "PHONE" => {
            assert!(
                c.len() == 11 && c.iter().all(char::is_ascii_digit),
                "fixtures use mobiles only: {raw}"
            );
            format!("{}****{}", s(&c[..3]), s(&c[7..]))
        }
        "RESIDENT_ID" => {
            assert_eq!(c.len(), 18, "{raw}");
            format!("{}********{}", s(&c[..6]), s(&c[14..]))
        }
        // The fixtures' addresses, masked by the documented rule: the administrative units
        // before any road, compound or number, then ****.
        "ADDRESS" => match raw {
            "浙江省杭州市拱墅区武林街道体育场路1号" => {
                "浙江省杭州市拱墅区武林街道****".into()
            }
            "浙江省杭州市西湖区文三路90号" => "浙江省杭州市西湖区****".into(),
            other => panic!("no documented mask for the address {other}"),
        },
        other => panic!("unknown kind {other}"),
    }
}

/// One personal field found in a response.
#[derive(Debug)]
struct Found {
    ty: String,
    id: String,
    field: String,
    masked: String,
    kind: String,
    revealable: Option<bool>,
}

impl Found {
    fn place(&self) -> Place {
        (self.ty.clone(), self.id.clone(), self.field.clone())
    }
}

/// Collects every `PersonalField` under an object that names its `__typename` and `id`.
fn collect(v: &Value, out: &mut Vec<Found>) {
    match v {
        Value::Object(o) => {
            if let (Some(ty), Some(id)) = (
                o.get("__typename").and_then(Value::as_str),
                o.get("id").and_then(Value::as_str),
            ) {
                for (k, pf) in o {
                    if let Some(masked) = pf.get("masked").and_then(Value::as_str) {
                        out.push(Found {
                            ty: ty.to_owned(),
                            id: id.to_owned(),
                            field: k.clone(),
                            masked: masked.to_owned(),
                            kind: pf["kind"].as_str().unwrap_or_default().to_owned(),
                            revealable: pf["revealable"].as_bool(),
                        });
                    }
                }
            }
            o.values().for_each(|x| collect(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
        _ => {}
    }
}

/// Counts every object carrying `masked`, wherever it is.
fn count_masked(v: &Value) -> usize {
    match v {
        Value::Object(o) => {
            usize::from(o.contains_key("masked")) + o.values().map(count_masked).sum::<usize>()
        }
        Value::Array(a) => a.iter().map(count_masked).sum(),
        _ => 0,
    }
}

/// A world with personal data on side A, and everything stored.
async fn personal_world(app: &TestApp) -> (World, PersonalData, Stored) {
    let w = world(&app.db).await;
    let p = add_personal_data(&app.db, &w.a).await;
    let stored = Stored::load(&app.db).await;
    (w, p, stored)
}

/// Runs [`EVERYTHING`] as `role` (side A persona) and returns the fields found.
async fn everything(app: &TestApp, role: Role, w: &World, stored: &Stored) -> Vec<Found> {
    let (_, token) = persona_token(app, role, &w.a);
    let r = post(app, token.as_deref(), EVERYTHING, json!({})).await;
    let who = role.as_str();
    assert_eq!(r.status, 200, "{who}: {}", r.text);
    let d = if role == Role::Anonymous {
        // Anonymous callers list nothing: every list answers "sign in".
        let errors = r.json["errors"].as_array().cloned().unwrap_or_default();
        assert!(
            errors
                .iter()
                .all(|e| e["extensions"]["code"] == "UNAUTHENTICATED"),
            "{who}: {}",
            r.text
        );
        &r.json["data"]
    } else {
        data(&r.json)
    };
    for raw in stored.raw() {
        assert!(
            !r.text.contains(raw.as_str()),
            "{who}: the raw value {raw:?} appears in the response: {}",
            r.text
        );
    }
    let mut found = Vec::new();
    collect(d, &mut found);
    assert_eq!(
        found.len(),
        count_masked(d),
        "{who}: every personal field sits under a typed object"
    );
    found
}

#[tokio::test]
async fn masked_by_default_for_every_role_and_field() {
    let app = TestApp::spawn().await;
    let (w, p, stored) = personal_world(&app).await;
    let a = &w.a;

    // The documented examples, so the expectations below rest on the rule as written.
    assert_eq!(expected_mask("NAME", &p.reporter_name), "王**");
    assert_eq!(expected_mask("PHONE", &p.reporter_phone), "138****1234");
    assert_eq!(
        expected_mask("ADDRESS", &p.case_address),
        "浙江省杭州市拱墅区武林街道****"
    );
    assert_eq!(
        expected_mask("RESIDENT_ID", &p.party_resident_id),
        format!("330106********{}", &p.party_resident_id[14..])
    );

    let s = |u: &Uuid| u.to_string();
    let own_side: Vec<(Place, &String)> = [
        ("Case", s(&a.case), "reporterName", &p.reporter_name),
        ("Case", s(&a.case), "reporterPhone", &p.reporter_phone),
        ("Case", s(&a.case), "address", &p.case_address),
        ("Party", s(&p.party), "name", &p.party_name),
        ("Party", s(&p.party), "phone", &p.party_phone),
        ("Party", s(&p.party), "residentId", &p.party_resident_id),
        ("Party", s(&p.party), "address", &p.party_address),
        ("EnterpriseContact", s(&p.contact), "name", &p.contact_name),
        ("EnterpriseContact", s(&p.contact), "phone", &p.contact_phone),
        ("Mediator", s(&a.mediator), "phone", &p.mediator_phone),
        ("Volunteer", s(&a.volunteer), "name", &p.volunteer_name),
        ("Volunteer", s(&a.volunteer), "phone", &p.volunteer_phone),
        (
            "Volunteer",
            s(&a.volunteer),
            "residentId",
            &p.volunteer_resident_id,
        ),
    ]
    .into_iter()
    .map(|(t, i, f, v)| ((t.to_owned(), i, f.to_owned()), v))
    .collect();

    for role in all_roles() {
        let who = role.as_str();
        let found = everything(&app, role, &w, &stored).await;
        if role == Role::Anonymous {
            assert!(found.is_empty(), "anonymous reaches personal data: {found:?}");
            continue;
        }
        // Every personal field in the answer is the mask of the stored value, of the right kind.
        for f in &found {
            let raw = stored
                .values
                .get(&f.place())
                .unwrap_or_else(|| panic!("{who}: {f:?} has no stored value"));
            assert_eq!(f.kind, kind_of(&f.field), "{who}: kind of {f:?}");
            assert_eq!(f.masked, expected_mask(&f.kind, raw), "{who}: mask of {f:?}");
            assert_ne!(&f.masked, raw, "{who}: {f:?} is not masked");
        }
        // Side A's personal fields are all reached (volunteers by the roles that see them).
        let places: HashSet<Place> = found.iter().map(Found::place).collect();
        for (place, raw) in &own_side {
            let expected = match place.0.as_str() {
                "Volunteer" => sees_volunteers(role),
                "EnterpriseContact" => sees_enterprise(role),
                _ => true,
            };
            assert_eq!(
                places.contains(place),
                expected,
                "{who}: reaches {place:?}: {found:?}"
            );
            if expected {
                let f = found.iter().find(|f| &f.place() == place).expect("found");
                assert_eq!(
                    f.masked,
                    expected_mask(kind_of(&place.2), raw),
                    "{who}: {place:?}"
                );
            }
        }
        // Nothing of side B's case, party, contact or volunteer.
        for f in &found {
            assert!(
                f.ty == "Mediator" || own_side.iter().any(|(pl, _)| pl.0 == f.ty && pl.1 == f.id),
                "{who}: reaches another side's {f:?}"
            );
        }
    }
}

/// What `revealable` must say: the role table, or the caller's own data.
fn may_reveal(role: Role, subject: &str, stored: &Stored, f: &Found) -> bool {
    if role == Role::Anonymous {
        return false;
    }
    let own = stored
        .owners
        .get(&(f.ty.clone(), f.id.clone()))
        .is_some_and(|o| o == subject);
    own || roles_for(category_of(&f.ty, &f.field)).contains(&role)
}

/// A query revealing the value at `place`; the answer carries it under a `reveal` key.
fn reveal_query(stored: &Stored, place: &Place) -> (String, Value) {
    let (ty, id, field) = place;
    let r = "核对可见性与揭示是否一致";
    match ty.as_str() {
        "Case" => (
            format!("query($id: ID!, $r: String!) {{ case(id: $id) {{ {field} {{ reveal(reason: $r) }} }} }}"),
            json!({ "id": id, "r": r }),
        ),
        "Party" => (
            format!(
                "query($id: ID!, $r: String!) {{ case(id: $id) {{ parties {{ id {field} {{ reveal(reason: $r) }} }} }} }}"
            ),
            json!({ "id": stored.parent[id], "r": r }),
        ),
        "EnterpriseContact" => (
            format!(
                "query($id: ID!, $r: String!) {{ enterprise(id: $id) {{ contacts {{ id {field} {{ reveal(reason: $r) }} }} }} }}"
            ),
            json!({ "id": stored.parent[id], "r": r }),
        ),
        "Volunteer" => (
            format!("query($id: ID!, $r: String!) {{ volunteer(id: $id) {{ {field} {{ reveal(reason: $r) }} }} }}"),
            json!({ "id": id, "r": r }),
        ),
        "Mediator" => (
            format!("query($id: ID!, $r: String!) {{ mediator(id: $id) {{ {field} {{ reveal(reason: $r) }} }} }}"),
            json!({ "id": id, "r": r }),
        ),
        other => panic!("unexpected type {other}"),
    }
}

/// Every `reveal` string in a response.
fn revealed(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            if let Some(s) = o.get("reveal").and_then(Value::as_str) {
                out.push(s.to_owned());
            }
            o.values().for_each(|x| revealed(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| revealed(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn revealable_matches_the_role_table() {
    let app = TestApp::spawn().await;
    let (w, _p, stored) = personal_world(&app).await;
    let case_phone: Place = ("Case".into(), w.a.case.to_string(), "reporterPhone".into());
    let own_resident_id: Place = ("Volunteer".into(), w.a.volunteer.to_string(), "residentId".into());
    for role in Role::TOKEN_ROLES {
        let who = role.as_str();
        let (subject, token) = persona_token(&app, role, &w.a);
        let found = everything(&app, role, &w, &stored).await;
        assert!(!found.is_empty(), "{who}: reaches no personal field");
        for f in &found {
            let expected = may_reveal(role, &subject, &stored, f);
            assert_eq!(f.revealable, Some(expected), "{who}: revealable of {f:?}");
        }
        // The own-data rule is exercised, not just the table.
        let flag = |place: &Place| {
            found
                .iter()
                .find(|f| &f.place() == place)
                .and_then(|f| f.revealable)
        };
        match role {
            Role::Citizen => assert_eq!(flag(&case_phone), Some(true), "the reporter's own phone"),
            Role::Volunteer => assert_eq!(
                flag(&own_resident_id),
                Some(true),
                "the volunteer's own resident id"
            ),
            _ => {}
        }

        // `revealable` tells the truth: true → reveal answers the whole value; false → FORBIDDEN.
        let places: HashSet<Place> = found.iter().map(Found::place).collect();
        for place in places {
            let allowed = found
                .iter()
                .find(|f| f.place() == place)
                .and_then(|f| f.revealable)
                .expect("revealable");
            let raw = &stored.values[&place];
            let (q, vars) = reveal_query(&stored, &place);
            let r = post(&app, token.as_deref(), &q, vars).await;
            assert_eq!(r.status, 200, "{who}: {place:?}: {}", r.text);
            let mut got = Vec::new();
            revealed(&r.json["data"], &mut got);
            if allowed {
                data(&r.json);
                assert!(got.contains(raw), "{who}: reveal {place:?} → {}", r.text);
            } else {
                assert_eq!(
                    error_code(&r.json).as_deref(),
                    Some("FORBIDDEN"),
                    "{who}: reveal {place:?} → {}",
                    r.text
                );
                assert!(
                    !r.text.contains(raw.as_str()),
                    "{who}: a refused reveal leaks {raw}: {}",
                    r.text
                );
            }
        }
    }
}

/// The audit rows written while handling one request.
async fn rows_of(app: &TestApp, request_id: &str) -> Vec<audit_event::Model> {
    assert!(!request_id.is_empty(), "response without x-request-id");
    audit_event::Entity::find()
        .filter(audit_event::Column::RequestId.eq(request_id))
        .all(&app.db)
        .await
        .expect("audit rows")
}

/// Every string column of an audit row.
fn strings(e: &audit_event::Model) -> Vec<&str> {
    let mut v = vec![
        e.request_id.as_str(),
        e.actor_role.as_str(),
        e.operation.as_str(),
        e.action.as_str(),
        e.outcome.as_str(),
    ];
    for o in [
        &e.actor_subject,
        &e.client_id,
        &e.object_type,
        &e.field,
        &e.reason,
        &e.error_code,
    ] {
        v.extend(o.as_deref());
    }
    v
}

/// Asserts no audit row holds any of `values` in any column.
async fn assert_audit_free_of<'a>(app: &TestApp, values: impl IntoIterator<Item = &'a String>) {
    let rows = audit_event::Entity::find()
        .all(&app.db)
        .await
        .expect("audit rows");
    assert!(!rows.is_empty());
    let values: Vec<&String> = values.into_iter().collect();
    for row in &rows {
        for col in strings(row) {
            for v in &values {
                assert!(
                    !col.contains(v.as_str()),
                    "audit row holds the personal value {v:?}: {row:?}"
                );
            }
        }
        if let Some(id) = row.object_id {
            let id = id.to_string();
            assert!(!values.iter().any(|v| id.contains(v.as_str())), "{row:?}");
        }
    }
}

#[tokio::test]
async fn reveal_needs_a_reason_and_is_audited() {
    let app = TestApp::spawn().await;
    let (w, p, _) = personal_world(&app).await;
    let a = &w.a;
    let case_id = a.case.to_string();

    // An allowed role reveals with a reason: the whole value, and one REVEAL/OK row.
    let (commander, t) = persona_token(&app, Role::Commander, a);
    let q = "query($id: ID!, $r: String!) { case(id: $id) { reporterPhone { masked reveal(reason: $r) } } }";
    let r = post(&app, t.as_deref(), q, json!({ "id": case_id, "r": "回访核实" })).await;
    let d = data(&r.json);
    assert_eq!(d["case"]["reporterPhone"]["reveal"], p.reporter_phone.as_str());
    assert_eq!(d["case"]["reporterPhone"]["masked"], "138****1234");
    let rows = rows_of(&app, &r.request_id).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let e = &rows[0];
    assert_eq!(e.action, "REVEAL");
    assert_eq!(e.operation, "reveal");
    assert_eq!(e.outcome, "OK");
    assert_eq!(e.error_code, None);
    assert_eq!(e.object_type.as_deref(), Some("Case"));
    assert_eq!(e.object_id, Some(a.case));
    assert_eq!(e.field.as_deref(), Some("reporterPhone"));
    assert_eq!(e.reason.as_deref(), Some("回访核实"));
    assert_eq!(e.actor_subject.as_deref(), Some(commander.as_str()));
    assert_eq!(e.actor_role, "commander");
    assert_eq!(e.request_id, r.request_id);

    // A role whose work does not need resident ids: FORBIDDEN, nothing leaked, a DENIED row.
    let (staff, t) = persona_token(&app, Role::DepartmentStaff, a);
    let q = "query($id: ID!, $r: String!) { case(id: $id) { id parties { id residentId { masked reveal(reason: $r) } } } }";
    let r = post(&app, t.as_deref(), q, json!({ "id": case_id, "r": "核实身份" })).await;
    assert_eq!(error_code(&r.json).as_deref(), Some("FORBIDDEN"), "{}", r.text);
    assert!(!r.text.contains(&p.party_resident_id), "{}", r.text);
    let rows = rows_of(&app, &r.request_id).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let e = &rows[0];
    assert_eq!(
        (e.action.as_str(), e.outcome.as_str(), e.error_code.as_deref()),
        ("REVEAL", "DENIED", Some("FORBIDDEN"))
    );
    assert_eq!(e.object_type.as_deref(), Some("Party"));
    assert_eq!(e.object_id, Some(p.party));
    assert_eq!(e.field.as_deref(), Some("residentId"));
    assert_eq!(e.reason.as_deref(), Some("核实身份"));
    assert_eq!(e.actor_subject.as_deref(), Some(staff.as_str()));
    assert_eq!(e.actor_role, "department-staff");

    // The reporting citizen: their own phone yes, the other party's phone no.
    let (citizen, t) = persona_token(&app, Role::Citizen, a);
    let r = post(
        &app,
        t.as_deref(),
        "query($id: ID!) { case(id: $id) { reporterPhone { reveal(reason: \"确认本人号码\") } } }",
        json!({ "id": case_id }),
    )
    .await;
    assert_eq!(
        data(&r.json)["case"]["reporterPhone"]["reveal"],
        p.reporter_phone.as_str()
    );
    let r = post(
        &app,
        t.as_deref(),
        "query($id: ID!) { case(id: $id) { parties { phone { reveal(reason: \"想联系对方\") } } } }",
        json!({ "id": case_id }),
    )
    .await;
    assert_eq!(error_code(&r.json).as_deref(), Some("FORBIDDEN"), "{}", r.text);
    assert!(!r.text.contains(&p.party_phone), "{}", r.text);
    let rows = rows_of(&app, &r.request_id).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (
            rows[0].outcome.as_str(),
            rows[0].object_id,
            rows[0].field.as_deref(),
            rows[0].actor_subject.as_deref(),
            rows[0].actor_role.as_str()
        ),
        (
            "DENIED",
            Some(p.party),
            Some("phone"),
            Some(citizen.as_str()),
            "citizen"
        )
    );

    // No reason, or too short a one: BAD_USER_INPUT on `reason`, and no whole value.
    let (_, t) = persona_token(&app, Role::Commander, a);
    for reason in ["", "x", "   ", "\u{3000}查\u{3000}"] {
        let r = post(
            &app,
            t.as_deref(),
            "query($id: ID!, $r: String!) { case(id: $id) { reporterPhone { reveal(reason: $r) } } }",
            json!({ "id": case_id, "r": reason }),
        )
        .await;
        assert_eq!(
            error_code(&r.json).as_deref(),
            Some("BAD_USER_INPUT"),
            "reason {reason:?}: {}",
            r.text
        );
        assert_eq!(error_field(&r.json).as_deref(), Some("reason"), "{reason:?}");
        assert!(!r.text.contains(&p.reporter_phone), "{reason:?}: {}", r.text);
        let rows = rows_of(&app, &r.request_id).await;
        assert!(
            rows.iter().all(|e| e.outcome != "OK"),
            "reason {reason:?} counted as a reveal: {rows:?}"
        );
    }

    // Mutations that carry personal data are audited without it, even when they fail.
    let (_, citizen_t) = persona_token(&app, Role::Citizen, a);
    let reporter_phone = "13611112222".to_owned();
    let reporter_name = "孙美丽".to_owned();
    let address = "浙江省杭州市上城区湖滨街道平海路8号".to_owned();
    let party_id = crate::fixtures::resident_id("33010219780515002");
    let r = post(
        &app,
        citizen_t.as_deref(),
        "mutation($input: ReportCaseInput!) { reportCase(input: $input) { case { id reporterPhone { masked } } } }",
        json!({ "input": {
            "title": "楼上噪音", "description": "夜间持续噪音扰民",
            "gridId": a.community.to_string(),
            "reporterName": reporter_name, "reporterPhone": reporter_phone, "address": address,
            "parties": [{ "role": "RESPONDENT", "name": "钱多多", "phone": "15833334444",
                          "residentId": party_id, "address": "浙江省杭州市上城区湖滨街道平海路9号" }]
        } }),
    )
    .await;
    assert_eq!(
        data(&r.json)["reportCase"]["case"]["reporterPhone"]["masked"],
        "136****2222"
    );
    assert!(!r.text.contains(&reporter_phone), "{}", r.text);
    let admin = app.token(Role::Admin, "admin-personal", Scope::district());
    let r = post(
        &app,
        Some(&admin),
        "mutation($input: CreateVolunteerInput!) { createVolunteer(input: $input) { volunteer { id } } }",
        json!({ "input": {
            "name": "吴志强", "phone": "18877778888",
            "residentId": crate::fixtures::resident_id("33010419920707003"),
            "teamIds": [a.team.to_string()]
        } }),
    )
    .await;
    data(&r.json);
    // A resident id with a wrong check character.
    let valid = crate::fixtures::resident_id("33010419920707004");
    let bad_id = format!("{}{}", &valid[..17], if valid.ends_with('0') { '1' } else { '0' });
    let r = post(
        &app,
        Some(&admin),
        "mutation($input: CreateVolunteerInput!) { createVolunteer(input: $input) { volunteer { id } } }",
        json!({ "input": {
            "name": "郑无效", "phone": "18800009999", "residentId": bad_id,
            "teamIds": [a.team.to_string()]
        } }),
    )
    .await;
    assert_eq!(
        error_code(&r.json).as_deref(),
        Some("BAD_USER_INPUT"),
        "{}",
        r.text
    );
    let stored = Stored::load(&app.db).await;
    let mut values: Vec<String> = stored.raw().cloned().collect();
    values.extend(
        [bad_id.as_str(), "郑无效", "18800009999"]
            .into_iter()
            .map(str::to_owned),
    );
    assert!(values.contains(&reporter_phone) && values.contains(&party_id));
    assert_audit_free_of(&app, &values).await;
}

const CREATE_UNIT: &str =
    "mutation($input: CreateUnitInput!) { createUnit(input: $input) { unit { id code } } }";

#[tokio::test]
async fn mutations_are_audited() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let admin = app.token(Role::Admin, "admin-audit", Scope::district());

    let r = post(
        &app,
        Some(&admin),
        CREATE_UNIT,
        json!({ "input": { "code": "AUD-1", "name": "审计测试单位", "kind": "POLICE_STATION" } }),
    )
    .await;
    let unit_id = data(&r.json)["createUnit"]["unit"]["id"]
        .as_str()
        .expect("unit id")
        .to_owned();
    let rows = rows_of(&app, &r.request_id).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let e = &rows[0];
    assert_eq!(e.action, "MUTATION");
    assert_eq!(e.operation, "createUnit");
    assert_eq!(e.outcome, "OK");
    assert_eq!(e.error_code, None);
    assert_eq!(e.object_id.map(|u| u.to_string()), Some(unit_id));
    assert_eq!(e.actor_subject.as_deref(), Some("admin-audit"));
    assert_eq!(e.actor_role, "admin");
    assert_eq!((e.field.as_deref(), e.reason.as_deref()), (None, None));

    // A failing mutation is audited with its error code.
    let r = post(
        &app,
        Some(&admin),
        CREATE_UNIT,
        json!({ "input": { "code": "bad code!", "name": "坏编码", "kind": "POLICE_STATION" } }),
    )
    .await;
    assert_eq!(
        error_code(&r.json).as_deref(),
        Some("BAD_USER_INPUT"),
        "{}",
        r.text
    );
    let rows = rows_of(&app, &r.request_id).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let e = &rows[0];
    assert_eq!(
        (
            e.action.as_str(),
            e.operation.as_str(),
            e.outcome.as_str(),
            e.error_code.as_deref()
        ),
        ("MUTATION", "createUnit", "ERROR", Some("BAD_USER_INPUT"))
    );
    assert_eq!(e.object_id, None);
    assert_eq!(e.actor_subject.as_deref(), Some("admin-audit"));

    // A forbidden mutation too.
    let (worker, t) = persona_token(&app, Role::GridWorker, &w.a);
    let r = post(
        &app,
        t.as_deref(),
        "mutation($input: CreateGridInput!) { createGrid(input: $input) { grid { id } } }",
        json!({ "input": { "code": "GW-1", "name": "私建网格", "level": "GROUP", "kind": "COMMUNITY",
                           "parentId": w.a.community.to_string() } }),
    )
    .await;
    assert_eq!(error_code(&r.json).as_deref(), Some("FORBIDDEN"), "{}", r.text);
    let rows = rows_of(&app, &r.request_id).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let e = &rows[0];
    assert_eq!(
        (
            e.action.as_str(),
            e.operation.as_str(),
            e.outcome.as_str(),
            e.error_code.as_deref()
        ),
        ("MUTATION", "createGrid", "ERROR", Some("FORBIDDEN"))
    );
    assert_eq!(e.actor_subject.as_deref(), Some(worker.as_str()));
    assert_eq!(e.actor_role, "grid-worker");

    // A mutation refused before it runs (over GET) is audited as REJECTED.
    let res = app
        .client
        .get(format!("{}/graphql", app.base))
        .query(&[(
            "query",
            "mutation { createUnit(input: { code: \"GET-1\", name: \"经GET\", kind: FIRE }) { unit { id } } }",
        )])
        .header("x-requested-with", "fengqiao-tests")
        .bearer_auth(&admin)
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status().as_u16(), 405);
    let rid = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let rows = rows_of(&app, &rid).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let e = &rows[0];
    assert_eq!(
        (e.action.as_str(), e.outcome.as_str(), e.error_code.as_deref()),
        ("MUTATION", "REJECTED", Some("BAD_USER_INPUT"))
    );
    assert_eq!(e.actor_subject.as_deref(), Some("admin-audit"));

    // The client application a mutation came through is recorded.
    let r = post(
        &app,
        Some(&admin),
        "mutation { registerClient(input: { clientId: \"audit-app\", name: \"审计小程序\", rateLimitPerMinute: 600 }) { apiClient { clientId } } }",
        json!({}),
    )
    .await;
    data(&r.json);
    let res = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("x-client-id", "audit-app")
        .bearer_auth(&admin)
        .json(&json!({
            "query": CREATE_UNIT,
            "variables": { "input": { "code": "AUD-CLIENT", "name": "客户端单位", "kind": "FIRE" } }
        }))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 200);
    let rid = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body: Value = res.json().await.expect("json");
    data(&body);
    let rows = rows_of(&app, &rid).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].client_id.as_deref(), Some("audit-app"), "{:?}", rows[0]);
    assert_eq!(rows[0].outcome, "OK");
}

/// The audit log names the root field that ran, not the alias the client gave it (an alias
/// must not let a caller choose what the log says was done) — also when the aliased field
/// sits in an inline fragment or a named fragment at the root.
/// Mutations answered at the same moment share the audit log's commits (group commit), and
/// still each has exactly its own row, written before its answer.
#[tokio::test]
async fn concurrent_mutations_each_get_their_own_audit_row() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin, "admin-burst", Scope::district());
    let calls = (0..24).map(|i| {
        let (app, admin) = (&app, &admin);
        async move {
            post(
                app,
                Some(admin),
                CREATE_UNIT,
                json!({ "input": { "code": format!("BURST-{i}"), "name": format!("并发单位{i}"), "kind": "POLICE_STATION" } }),
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(calls).await;
    for r in &answers {
        let id = data(&r.json)["createUnit"]["unit"]["id"]
            .as_str()
            .expect("unit id");
        let rows = rows_of(&app, &r.request_id).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].operation, "createUnit");
        assert_eq!(rows[0].object_id.map(|u| u.to_string()).as_deref(), Some(id));
    }
}

#[tokio::test]
async fn mutation_audit_names_the_root_field_not_the_alias() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin, "admin-alias", Scope::district());
    let mut wrong = Vec::new();
    for (how, code, query) in [
        (
            "alias",
            "AUD-ALIAS",
            "mutation($input: CreateUnitInput!) { harmless: createUnit(input: $input) { unit { id } } }",
        ),
        (
            "inline fragment",
            "AUD-INLINE",
            "mutation($input: CreateUnitInput!) { ... on MutationRoot { harmless: createUnit(input: $input) { unit { id } } } }",
        ),
        (
            "named fragment",
            "AUD-NAMED",
            "mutation($input: CreateUnitInput!) { ...M }
             fragment M on MutationRoot { harmless: createUnit(input: $input) { unit { id } } }",
        ),
    ] {
        let r = post(
            &app,
            Some(&admin),
            query,
            json!({ "input": { "code": code, "name": "别名单位", "kind": "POLICE_STATION" } }),
        )
        .await;
        let unit_id = data(&r.json)["harmless"]["unit"]["id"]
            .as_str()
            .expect("unit id")
            .to_owned();
        let rows = rows_of(&app, &r.request_id).await;
        assert_eq!(rows.len(), 1, "{how}: {rows:?}");
        assert_eq!(
            rows[0].object_id.map(|u| u.to_string()),
            Some(unit_id),
            "{how}"
        );
        if (rows[0].operation.as_str(), rows[0].outcome.as_str()) != ("createUnit", "OK") {
            wrong.push(format!("{how}: operation {:?}", rows[0].operation));
        }
    }
    assert!(
        wrong.is_empty(),
        "the audit log records the client's alias instead of the root field createUnit: {wrong:?}"
    );
}

/// Root fields run one after another and each commits on its own: one row per root field,
/// each with its own outcome, so a later failure does not hide an earlier change.
#[tokio::test]
async fn mutation_audit_has_one_row_per_root_field() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin, "admin-two", Scope::district());
    let units_before = app.count("units").await;
    let r = post(
        &app,
        Some(&admin),
        "mutation($ok: CreateUnitInput!, $bad: CreateUnitInput!) {
           first: createUnit(input: $ok) { unit { id } }
           second: createUnit(input: $bad) { unit { id } }
         }",
        json!({
            "ok": { "code": "AUD-TWO", "name": "第二单位", "kind": "POLICE_STATION" },
            "bad": { "code": "bad code!", "name": "坏编码", "kind": "POLICE_STATION" }
        }),
    )
    .await;
    assert_eq!(
        error_code(&r.json).as_deref(),
        Some("BAD_USER_INPUT"),
        "{}",
        r.text
    );
    assert_eq!(
        app.count("units").await,
        units_before + 1,
        "the first root field committed"
    );
    let rows = rows_of(&app, &r.request_id).await;
    let ok: Vec<_> = rows.iter().filter(|e| e.outcome == "OK").collect();
    let err: Vec<_> = rows.iter().filter(|e| e.outcome == "ERROR").collect();
    assert_eq!(err.len(), 1, "one ERROR row for the failed root field: {rows:?}");
    assert_eq!(
        ok.len(),
        1,
        "the committed createUnit has no OK audit row: {rows:?}"
    );
    let created = entity::unit::Entity::find()
        .filter(entity::unit::Column::Code.eq("AUD-TWO"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the first unit was created");
    assert_eq!(ok[0].object_id, Some(created.id));
}

/// Fetches the CSV export.
async fn export(app: &TestApp, token: Option<&str>) -> (u16, String, String) {
    let mut req = app.client.get(format!("{}/admin/audit.csv", app.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("export");
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, ct, res.text().await.expect("export body"))
}

const AUDIT_PAGE: &str = "query($f: AuditFilterInput) {
  auditEvents(first: 100, filter: $f) { totalCount nodes { id at requestId action operation outcome actorRole reason } }
}";

#[tokio::test]
async fn audit_log_is_admin_only_and_exportable() {
    let app = TestApp::spawn().await;
    let (w, p, stored) = personal_world(&app).await;
    let admin = app.token(Role::Admin, "admin-export", Scope::district());

    let r1 = post(
        &app,
        Some(&admin),
        CREATE_UNIT,
        json!({ "input": { "code": "EXP-1", "name": "导出单位", "kind": "FIRE" } }),
    )
    .await;
    data(&r1.json);
    let (_, t) = persona_token(&app, Role::Commander, &w.a);
    let r2 = post(
        &app,
        t.as_deref(),
        "query($id: ID!) { case(id: $id) { reporterName { reveal(reason: \"=1+1 回访\") } } }",
        json!({ "id": w.a.case.to_string() }),
    )
    .await;
    assert_eq!(
        data(&r2.json)["case"]["reporterName"]["reveal"],
        p.reporter_name.as_str()
    );
    let r3 = post(
        &app,
        Some(&admin),
        CREATE_UNIT,
        json!({ "input": { "code": "", "name": "无编码", "kind": "FIRE" } }),
    )
    .await;
    assert_eq!(error_code(&r3.json).as_deref(), Some("BAD_USER_INPUT"));

    // Admin: every row, newest first.
    let total = app.count("audit_events").await;
    let r = post(&app, Some(&admin), AUDIT_PAGE, json!({})).await;
    let d = &data(&r.json)["auditEvents"];
    assert_eq!(d["totalCount"].as_i64(), Some(total));
    let nodes = d["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len() as i64, total);
    let at: Vec<&str> = nodes.iter().map(|n| n["at"].as_str().expect("at")).collect();
    let parsed: Vec<chrono::DateTime<chrono::Utc>> = at
        .iter()
        .map(|s| s.parse().expect("RFC 3339 timestamp"))
        .collect();
    assert!(
        parsed.windows(2).all(|w| w[0] >= w[1]),
        "not newest first: {at:?}"
    );
    let pos = |rid: &str| {
        nodes
            .iter()
            .position(|n| n["requestId"] == rid)
            .unwrap_or_else(|| panic!("request {rid} not in the audit log: {nodes:?}"))
    };
    assert_eq!(pos(&r3.request_id), 0, "the newest row comes first");
    assert!(pos(&r3.request_id) < pos(&r2.request_id) && pos(&r2.request_id) < pos(&r1.request_id));

    // Filter by action.
    for action in ["REVEAL", "MUTATION"] {
        let r = post(
            &app,
            Some(&admin),
            AUDIT_PAGE,
            json!({ "f": { "action": action } }),
        )
        .await;
        let d = &data(&r.json)["auditEvents"];
        let nodes = d["nodes"].as_array().expect("nodes");
        let expected = audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq(action))
            .all(&app.db)
            .await
            .expect("rows")
            .len();
        assert_eq!(nodes.len(), expected, "{action}: {nodes:?}");
        assert!(!nodes.is_empty());
        assert!(nodes.iter().all(|n| n["action"] == action), "{action}: {nodes:?}");
    }

    // Nobody else reads it.
    for role in all_roles() {
        if role == Role::Admin {
            continue;
        }
        let (_, t) = persona_token(&app, role, &w.a);
        let r = post(&app, t.as_deref(), AUDIT_PAGE, json!({})).await;
        let expected = if role == Role::Anonymous {
            "UNAUTHENTICATED"
        } else {
            "FORBIDDEN"
        };
        assert_eq!(
            error_code(&r.json).as_deref(),
            Some(expected),
            "{}: {}",
            role.as_str(),
            r.text
        );
        assert!(r.json["data"].is_null(), "{}: {}", role.as_str(), r.text);
        assert!(!r.text.contains(&r1.request_id), "{}", role.as_str());
    }

    // The CSV export: admins only.
    let (status, _, body) = export(&app, None).await;
    assert_eq!(status, 401, "{body}");
    let (_, t) = persona_token(&app, Role::Commander, &w.a);
    let (status, _, body) = export(&app, t.as_deref()).await;
    assert_eq!(status, 403, "{body}");
    let ok_exports = || async {
        audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("EXPORT"))
            .filter(audit_event::Column::Outcome.eq("OK"))
            .all(&app.db)
            .await
            .expect("rows")
    };
    assert!(ok_exports().await.is_empty());

    let (status, ct, body) = export(&app, Some(&admin)).await;
    assert_eq!(status, 200, "{body}");
    assert!(ct.starts_with("text/csv"), "content-type {ct}");
    assert!(body.starts_with('\u{feff}'), "no BOM: {body}");
    let mut lines = body.trim_start_matches('\u{feff}').lines();
    let header = lines.next().expect("header line");
    assert!(
        header.starts_with("at,request_id,actor_subject,actor_role"),
        "{header}"
    );
    for rid in [&r1.request_id, &r2.request_id, &r3.request_id] {
        assert!(body.contains(rid.as_str()), "export misses {rid}: {body}");
    }
    assert_eq!(
        lines.count() as i64,
        app.count("audit_events").await,
        "one line per row: {body}"
    );
    for raw in stored.raw() {
        assert!(!body.contains(raw.as_str()), "export holds {raw}: {body}");
    }
    // A reason that looks like a formula is defused for spreadsheets.
    assert!(body.contains("\"'=1+1 回访\""), "{body}");

    let exports = ok_exports().await;
    assert_eq!(exports.len(), 1, "{exports:?}");
    assert_eq!(exports[0].actor_subject.as_deref(), Some("admin-export"));
    assert_eq!(exports[0].actor_role, "admin");
}

#[tokio::test]
async fn audit_log_is_append_only() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin, "admin-append", Scope::district());
    for code in ["APP-1", "bad code!"] {
        post(
            &app,
            Some(&admin),
            CREATE_UNIT,
            json!({ "input": { "code": code, "name": "追加单位", "kind": "FIRE" } }),
        )
        .await;
    }
    let before = audit_event::Entity::find().all(&app.db).await.expect("rows");
    assert_eq!(before.len(), 2);
    assert!(before.iter().any(|e| e.outcome == "ERROR"));

    let update = app
        .db
        .execute_unprepared("UPDATE audit_events SET outcome = 'OK'")
        .await;
    assert!(update.is_err(), "UPDATE of the audit log succeeded: {update:?}");
    let delete = app.db.execute_unprepared("DELETE FROM audit_events").await;
    assert!(delete.is_err(), "DELETE from the audit log succeeded: {delete:?}");

    let mut after = audit_event::Entity::find().all(&app.db).await.expect("rows");
    let mut before = before;
    before.sort_by_key(|e| e.id);
    after.sort_by_key(|e| e.id);
    assert_eq!(after, before, "the audit rows changed");
    assert_eq!(app.count("audit_events").await, 2);
}

/// A mutation that committed is recorded with the object it changed, even when an error in
/// the selection of its payload makes the response carry an error.
#[tokio::test]
async fn mutation_audit_keeps_a_committed_change_whose_payload_fails() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin, "admin-payload", Scope::district());
    let r = post(
        &app,
        Some(&admin),
        "mutation($input: CreateUnitInput!) {
           createUnit(input: $input) { unit { id cases(first: -1) { totalCount } } }
         }",
        json!({ "input": { "code": "AUD-PAYLOAD", "name": "载荷出错单位", "kind": "FIRE" } }),
    )
    .await;
    assert_eq!(
        error_code(&r.json).as_deref(),
        Some("BAD_USER_INPUT"),
        "{}",
        r.text
    );
    let created = entity::unit::Entity::find()
        .filter(entity::unit::Column::Code.eq("AUD-PAYLOAD"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the unit was created although the payload failed");
    let rows = rows_of(&app, &r.request_id).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        rows[0].object_id,
        Some(created.id),
        "the audit log does not name the unit that was created: {:?}; response {}",
        rows[0],
        r.text
    );
}

/// Emptying the log wholesale is refused too: on PostgreSQL `TRUNCATE` does not fire row
/// triggers, so it needs its own guard (SQLite has no `TRUNCATE`; its `DELETE` is guarded).
#[tokio::test]
async fn audit_log_cannot_be_truncated() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin, "admin-truncate", Scope::district());
    let r = post(
        &app,
        Some(&admin),
        CREATE_UNIT,
        json!({ "input": { "code": "TRUNC-1", "name": "截断单位", "kind": "FIRE" } }),
    )
    .await;
    data(&r.json);
    assert_eq!(app.count("audit_events").await, 1);
    let truncate = app.db.execute_unprepared("TRUNCATE audit_events").await;
    assert!(
        truncate.is_err(),
        "TRUNCATE emptied the append-only audit log ({:?})",
        app.db.get_database_backend()
    );
    assert_eq!(app.count("audit_events").await, 1, "the audit rows are gone");
}
