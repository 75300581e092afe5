//! `schema.graphql` is current, and every public type, field, argument and enum value is described.

use serde_json::{json, Value};

use crate::harness::TestApp;

#[test]
fn schema_file_is_current() {
    let expected = fengqiao_api::graphql::sdl();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "schema.graphql is stale: run `cargo run -- export-schema --output schema.graphql`"
    );
}

const INTROSPECT: &str = r#"{ __schema { types {
  name kind description
  fields(includeDeprecated: true) { name description args { name description } }
  inputFields { name description }
  enumValues(includeDeprecated: true) { name description }
} } }"#;

fn blank(v: &Value) -> bool {
    v.as_str().map(|s| s.trim().is_empty()).unwrap_or(true)
}

#[tokio::test]
async fn every_type_and_field_has_a_description() {
    let app = TestApp::spawn().await;
    let body = app.gql(None, INTROSPECT, json!({})).await;
    let types = body["data"]["__schema"]["types"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!types.is_empty(), "introspection returned nothing: {body}");
    let builtin = ["String", "Int", "Float", "Boolean", "ID"];
    let mut missing = Vec::new();
    for t in &types {
        let name = t["name"].as_str().unwrap_or_default();
        if name.starts_with("__") || builtin.contains(&name) {
            continue;
        }
        if blank(&t["description"]) {
            missing.push(format!("type {name}"));
        }
        for f in t["fields"].as_array().into_iter().flatten() {
            let fname = f["name"].as_str().unwrap_or_default();
            if blank(&f["description"]) {
                missing.push(format!("{name}.{fname}"));
            }
            for a in f["args"].as_array().into_iter().flatten() {
                if blank(&a["description"]) {
                    missing.push(format!("{name}.{fname}({})", a["name"]));
                }
            }
        }
        for f in t["inputFields"].as_array().into_iter().flatten() {
            if blank(&f["description"]) {
                missing.push(format!("{name}.{}", f["name"]));
            }
        }
        for v in t["enumValues"].as_array().into_iter().flatten() {
            if blank(&v["description"]) {
                missing.push(format!("{name}.{}", v["name"]));
            }
        }
    }
    assert!(missing.is_empty(), "undescribed: {missing:#?}");
}
