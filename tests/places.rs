//! Places: grid boundaries set and checked through the API and imported from GeoJSON,
//! reports placed by their position (in WGS-84, GCJ-02 or BD-09), the triage queue for
//! positions outside every boundary, and a commander moving a case out of it.

use base64::Engine;
use fengqiao_api::{
    auth::{Actor, Role, Scope},
    service::grid::{self, NewGrid},
};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::harness::{data, error_code, error_field, TestApp};

/// A district D split into two streets (west S1, east S2), with community C1 inside S1 and
/// a police grid P: the outlines are set by the tests.
struct Tree {
    d: Uuid,
    s1: Uuid,
    s2: Uuid,
    c1: Uuid,
    p: Uuid,
}

async fn tree(app: &TestApp) -> Tree {
    use entity::enums::{GridKind as K, GridLevel as L};
    let sys = Actor::system();
    let mk = |code: &str, level, kind, parent| NewGrid {
        code: code.into(),
        name: format!("网格 {code}"),
        level,
        kind,
        parent_id: parent,
    };
    let d = grid::create(&app.db, &sys, mk("PL-D", L::District, K::Community, None))
        .await
        .unwrap()
        .id;
    let s1 = grid::create(&app.db, &sys, mk("PL-S1", L::Area, K::Community, Some(d)))
        .await
        .unwrap()
        .id;
    let s2 = grid::create(&app.db, &sys, mk("PL-S2", L::Area, K::Community, Some(d)))
        .await
        .unwrap()
        .id;
    let c1 = grid::create(&app.db, &sys, mk("PL-C1", L::Group, K::Community, Some(s1)))
        .await
        .unwrap()
        .id;
    let p = grid::create(&app.db, &sys, mk("PL-P", L::District, K::Police, None))
        .await
        .unwrap()
        .id;
    Tree { d, s1, s2, c1, p }
}

fn square(w: f64, s: f64, e: f64, n: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]})
}

const D: [f64; 4] = [120.10, 30.20, 120.20, 30.30];
const S1: [f64; 4] = [120.10, 30.20, 120.15, 30.30];
const S2: [f64; 4] = [120.15, 30.20, 120.20, 30.30];
const C1: [f64; 4] = [120.12, 30.24, 120.15, 30.28];

const SET: &str = "mutation($i: SetGridBoundaryInput!) { setGridBoundary(input: $i) {
    grid { code boundary boundaryAreaSquareMetres } outsideParentShare
    mostOverlappingSibling { code } siblingOverlapShare } }";

const REPORT: &str = "mutation($i: ReportCaseInput!) { reportCase(input: $i) {
    case { id version placement latitude longitude grid { code } } } }";

fn commander(app: &TestApp, grids: Vec<Uuid>) -> String {
    app.token(
        Role::Commander,
        &format!("commander-{}", grids[0]),
        Scope {
            grids,
            ..Scope::default()
        },
    )
}

fn grid_worker(app: &TestApp, g: Uuid) -> String {
    app.token(
        Role::GridWorker,
        &format!("grid-worker-{g}"),
        Scope {
            grids: vec![g],
            ..Scope::default()
        },
    )
}

async fn set(app: &TestApp, t: &str, id: Uuid, b: [f64; 4]) -> Value {
    app.gql(
        Some(t),
        SET,
        json!({ "i": { "gridId": id.to_string(), "boundary": square(b[0], b[1], b[2], b[3]) } }),
    )
    .await
}

async fn outlined(app: &TestApp) -> Tree {
    let t = tree(app).await;
    let c = commander(app, vec![t.d, t.p]);
    for (id, b) in [(t.d, D), (t.s1, S1), (t.s2, S2), (t.c1, C1)] {
        let body = set(app, &c, id, b).await;
        assert!(body["errors"].is_null(), "{body}");
    }
    t
}

async fn report(app: &TestApp, lat: f64, lng: f64, system: Option<&str>) -> Value {
    let citizen = app.token(Role::Citizen, "citizen-places", Scope::default());
    let mut i =
        json!({ "title": "路灯不亮", "description": "晚上一片漆黑", "latitude": lat, "longitude": lng });
    if let Some(s) = system {
        i["coordinateSystem"] = json!(s);
    }
    let body = app.gql(Some(&citizen), REPORT, json!({ "i": i })).await;
    data(&body)["reportCase"]["case"].clone()
}

async fn boundary_of(app: &TestApp, id: Uuid) -> Option<String> {
    entity::grid::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .and_then(|g| g.boundary)
}

use sea_orm::EntityTrait;

#[tokio::test]
async fn boundaries_are_checked_against_the_tree_and_set_within_jurisdiction() {
    let app = TestApp::spawn().await;
    let t = outlined(&app).await;
    let c = commander(&app, vec![t.d, t.p]);

    // A plain square: answered as WGS-84 GeoJSON with its area and the neighbours measured.
    let body = set(&app, &c, t.s2, S2).await;
    let p = &data(&body)["setGridBoundary"];
    assert_eq!(p["grid"]["boundary"]["type"], "Polygon", "{p}");
    let area = p["grid"]["boundaryAreaSquareMetres"].as_f64().unwrap();
    assert!((area - 5.34e7).abs() < 0.1e7, "about 4.8 km × 11.1 km: {area}");
    assert_eq!(p["outsideParentShare"], 0.0);
    assert_eq!(p["mostOverlappingSibling"]["code"], "PL-S1", "{p}");
    assert_eq!(
        p["siblingOverlapShare"], 0.0,
        "siblings that share an edge do not overlap"
    );

    let before = boundary_of(&app, t.c1).await;
    // 40% of it outside its parent.
    let body = set(&app, &c, t.c1, [120.12, 30.24, 120.17, 30.28]).await;
    assert_eq!(error_code(&body).as_deref(), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(error_field(&body).as_deref(), Some("input.boundary"));
    let msg = body["errors"][0]["message"].as_str().unwrap();
    assert!(msg.contains("40.00%") && msg.contains("PL-S1"), "{msg}");
    assert_eq!(
        boundary_of(&app, t.c1).await,
        before,
        "a refused outline changed nothing"
    );

    // A street that would leave its child outside.
    let body = set(&app, &c, t.s1, [120.10, 30.20, 120.13, 30.30]).await;
    assert_eq!(error_code(&body).as_deref(), Some("BAD_USER_INPUT"), "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("child grid PL-C1"),
        "{body}"
    );

    // Overlapping a sibling by a fifth.
    let body = set(&app, &c, t.s2, [120.14, 30.20, 120.20, 30.30]).await;
    assert_eq!(error_code(&body).as_deref(), Some("BAD_USER_INPUT"), "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("overlaps its sibling grid PL-S1"),
        "{body}"
    );

    // Not a valid area, and not GeoJSON at all.
    for bad in [
        json!({"type": "Polygon", "coordinates": [[[120.1, 30.2], [120.2, 30.3], [120.2, 30.2], [120.1, 30.3], [120.1, 30.2]]]}),
        json!({"type": "Polygon", "coordinates": [[[120.1, 30.2], [120.2, 30.2], [120.2, 30.3]]]}),
        json!({"type": "Point", "coordinates": [120.1, 30.2]}),
        json!("{\"type\": \"Polygon\""),
    ] {
        let body = app
            .gql(
                Some(&c),
                SET,
                json!({ "i": { "gridId": t.s2.to_string(), "boundary": bad } }),
            )
            .await;
        assert_eq!(
            error_code(&body).as_deref(),
            Some("BAD_USER_INPUT"),
            "{bad}: {body}"
        );
    }

    // Out of jurisdiction is NOT_FOUND; a role without master data rights is FORBIDDEN.
    let street = commander(&app, vec![t.s2]);
    let before = boundary_of(&app, t.s1).await;
    let body = set(&app, &street, t.s1, S1).await;
    assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"), "{body}");
    let body = set(&app, &grid_worker(&app, t.s1), t.s1, S1).await;
    assert_eq!(error_code(&body).as_deref(), Some("FORBIDDEN"), "{body}");
    assert_eq!(boundary_of(&app, t.s1).await, before);

    // Null clears it.
    let body = app
        .gql(
            Some(&c),
            SET,
            json!({ "i": { "gridId": t.c1.to_string(), "boundary": null } }),
        )
        .await;
    assert!(
        data(&body)["setGridBoundary"]["grid"]["boundary"].is_null(),
        "{body}"
    );
}

#[tokio::test]
async fn a_report_lands_in_the_smallest_grid_holding_its_position() {
    let app = TestApp::spawn().await;
    let t = outlined(&app).await;

    let c = report(&app, 30.26, 120.13, None).await;
    assert_eq!(c["placement"], "BOUNDARY", "{c}");
    assert_eq!(
        c["grid"]["code"], "PL-C1",
        "the community, not its street or district: {c}"
    );
    let c = report(&app, 30.25, 120.11, None).await;
    assert_eq!(
        c["grid"]["code"], "PL-S1",
        "inside the street but no community: {c}"
    );
    let east = report(&app, 30.25, 120.18, None).await;
    assert_eq!(east["grid"]["code"], "PL-S2", "{east}");

    // The grid worker of S2 sees the case placed there at once, and not the one in C1.
    let worker = grid_worker(&app, t.s2);
    let body = app
        .gql(
            Some(&worker),
            "query($id: ID!) { case(id: $id) { id } }",
            json!({ "id": east["id"] }),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let body = app
        .gql(
            Some(&worker),
            "query($id: ID!) { case(id: $id) { id } }",
            json!({ "id": c["id"] }),
        )
        .await;
    assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"), "{body}");

    // gridAt answers the same as a report would, for any signed-in caller.
    let body = app
        .gql(
            Some(&worker),
            "{ gridAt(latitude: 30.26, longitude: 120.13) { grid { code } placement latitude } }",
            json!({}),
        )
        .await;
    assert_eq!(data(&body)["gridAt"]["grid"]["code"], "PL-C1", "{body}");
}

#[tokio::test]
async fn a_gcj02_position_near_a_border_is_converted_before_it_is_placed() {
    let app = TestApp::spawn().await;
    let _t = outlined(&app).await;
    // 100 m west of the border between S1 (with C1) and S2, in WGS-84.
    let (lat, lng) = (30.26, 120.149);
    let (glng, glat) = coordtransform::wgs84_to_gcj02(lng, lat);
    let (blng, blat) = coordtransform::wgs84_to_bd09(lng, lat);
    assert!(
        glng > 120.15,
        "GCJ-02 shifts this point east across the border: {glng}"
    );

    let c = report(&app, glat, glng, Some("GCJ02")).await;
    assert_eq!(c["grid"]["code"], "PL-C1", "{c}");
    let stored = (c["latitude"].as_f64().unwrap(), c["longitude"].as_f64().unwrap());
    assert!(
        (stored.0 - lat).abs() < 1e-6 && (stored.1 - lng).abs() < 1e-6,
        "stored as WGS-84: {c}"
    );
    let c = report(&app, blat, blng, Some("BD09")).await;
    assert_eq!(c["grid"]["code"], "PL-C1", "{c}");
    // The same numbers taken as WGS-84 land on the wrong side: why the input says its system.
    let c = report(&app, glat, glng, None).await;
    assert_eq!(c["grid"]["code"], "PL-S2", "{c}");
}

#[tokio::test]
async fn outside_every_boundary_a_report_waits_in_triage_until_a_commander_places_it() {
    let app = TestApp::spawn().await;
    let t = outlined(&app).await;
    let c = report(&app, 31.5, 121.5, None).await;
    assert_eq!(c["placement"], "TRIAGE", "{c}");
    assert_eq!(
        c["grid"]["code"], "PL-D",
        "the district's root grid is the queue: {c}"
    );
    let id = c["id"].as_str().unwrap().to_owned();

    let street_worker = grid_worker(&app, t.c1);
    let see = "query($id: ID!) { case(id: $id) { placement grid { code } timeline { kind note } } }";
    let body = app.gql(Some(&street_worker), see, json!({ "id": id })).await;
    assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"), "{body}");

    const PLACE: &str =
        "mutation($i: PlaceCaseInput!) { placeCase(input: $i) { case { version placement grid { code } } } }";
    let district = commander(&app, vec![t.d, t.p]);
    let step = |v: i64, grid: Uuid| json!({ "i": { "step": { "caseId": id, "version": v }, "gridId": grid.to_string() } });
    // Not a community grid, not the caller's role, a stale version: refused, nothing moves.
    let body = app.gql(Some(&district), PLACE, step(1, t.p)).await;
    assert_eq!(error_code(&body).as_deref(), Some("BAD_USER_INPUT"), "{body}");
    let body = app.gql(Some(&street_worker), PLACE, step(1, t.c1)).await;
    assert_eq!(error_code(&body).as_deref(), Some("FORBIDDEN"), "{body}");
    let body = app.gql(Some(&district), PLACE, step(7, t.c1)).await;
    assert_eq!(error_code(&body).as_deref(), Some("CONFLICT"), "{body}");
    // A street commander cannot place it in a grid outside their street.
    let s2 = commander(&app, vec![t.s2]);
    let body = app.gql(Some(&s2), PLACE, step(1, t.c1)).await;
    assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"), "{body}");

    let body = app.gql(Some(&district), PLACE, step(1, t.c1)).await;
    let moved = &data(&body)["placeCase"]["case"];
    assert_eq!(moved["placement"], "MANUAL", "{body}");
    assert_eq!(moved["grid"]["code"], "PL-C1");
    assert_eq!(moved["version"], 2);
    let body = app.gql(Some(&street_worker), see, json!({ "id": id })).await;
    let timeline = data(&body)["case"]["timeline"].as_array().unwrap().clone();
    let placed = timeline
        .iter()
        .find(|e| e["kind"] == "PLACED")
        .expect("a PLACED entry");
    assert!(placed["note"].as_str().unwrap().contains("PL-C1"), "{placed}");

    // A street commander who sees the case cannot send it into another street's grid.
    let s1 = commander(&app, vec![t.s1]);
    let body = app.gql(Some(&s1), PLACE, step(2, t.s2)).await;
    assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"), "{body}");
    assert_eq!(error_field(&body).as_deref(), Some("input.gridId"), "{body}");
    let body = app.gql(Some(&s1), see, json!({ "id": id })).await;
    assert_eq!(
        data(&body)["case"]["grid"]["code"],
        "PL-C1",
        "nothing moved: {body}"
    );
}

#[tokio::test]
async fn grid_outlines_import_from_a_geojson_feature_collection() {
    let app = TestApp::spawn().await;
    let t = tree(&app).await;
    let feature = |code: &str, b: [f64; 4]| json!({"type": "Feature", "properties": {"网格编码": code}, "geometry": square(b[0], b[1], b[2], b[3])});
    let file = json!({"type": "FeatureCollection", "features": [
        feature("PL-D", D),
        feature("PL-S1", S1),
        feature("PL-S2", [120.14, 30.20, 120.20, 30.30]),
        feature("PL-NOPE", C1),
        {"type": "Feature", "properties": {"code": "PL-C1", "coordinateSystem": "WGS84"}, "geometry": square(C1[0], C1[1], C1[2], C1[3])},
    ]});
    let b64 = base64::engine::general_purpose::STANDARD.encode(file.to_string());
    let c = commander(&app, vec![t.d, t.p]);
    const IMPORT: &str = "mutation($i: ImportMasterDataInput!) { importMasterData(input: $i) {
        total updated failed rows { line key change error { field code message } } } }";
    let body = app
        .gql(
            Some(&c),
            IMPORT,
            json!({ "i": { "kind": "GRID_BOUNDARIES", "contentBase64": b64 } }),
        )
        .await;
    let r = &data(&body)["importMasterData"];
    assert_eq!(r["total"], 5, "{r}");
    assert_eq!(r["updated"], 3, "{r}");
    assert_eq!(r["failed"], 2, "{r}");
    let rows = r["rows"].as_array().unwrap();
    assert_eq!(rows[2]["error"]["field"], "geometry", "{r}");
    assert!(
        rows[2]["error"]["message"].as_str().unwrap().contains("overlaps"),
        "{r}"
    );
    assert_eq!(rows[3]["error"]["code"], "NOT_FOUND", "{r}");
    assert_eq!(rows[4]["change"], "UPDATED", "{r}");
    assert!(
        boundary_of(&app, t.s2).await.is_none(),
        "the refused feature wrote nothing"
    );

    // Importing the same file again changes nothing.
    let body = app
        .gql(
            Some(&c),
            IMPORT,
            json!({ "i": { "kind": "GRID_BOUNDARIES", "contentBase64": b64 } }),
        )
        .await;
    assert_eq!(data(&body)["importMasterData"]["updated"], 0, "{body}");
    // Placement uses the imported outlines at once.
    assert_eq!(report(&app, 30.26, 120.13, None).await["grid"]["code"], "PL-C1");
    // A file that is not a FeatureCollection is refused as a whole.
    let body = app
        .gql(
            Some(&c),
            IMPORT,
            json!({ "i": { "kind": "GRID_BOUNDARIES", "contentBase64": base64::engine::general_purpose::STANDARD.encode(square(0.0, 0.0, 1.0, 1.0).to_string()) } }),
        )
        .await;
    assert_eq!(
        error_field(&body).as_deref(),
        Some("input.contentBase64"),
        "{body}"
    );
}
