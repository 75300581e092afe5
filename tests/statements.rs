//! The SQL statements behind a page of cases with its nested fields do not grow with the page size.

use fengqiao_api::{
    auth::{Actor, Role, Scope},
    service::{self, case::NewReport},
};
use serde_json::json;

use crate::{
    fixtures::{add_session_and_follow_up, world},
    harness::{data, TestApp},
};

const PAGE: &str = r#"query($n: Int!) {
  cases(first: $n) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id trackingNumber status
      grid { name parent { name } }
      enterprise { name contacts { name { masked } } }
      room { name mediators { name languages } }
      sessions { outcome mediators { name } }
      timeline { seq kind }
      followUps { satisfied }
      assignments { status unit { name } }
      parties { name { masked } }
      volunteerTasks { status team { name } volunteer { name { masked } } }
    } }
  }
}"#;

#[tokio::test]
async fn statement_count_of_a_nested_case_page_is_constant() {
    // The batch window is a setting (default 1 ms); a wide one here keeps a busy CI
    // machine from splitting a batch, which would make this count timing-dependent.
    let app = TestApp::spawn_with(|c| c.loader_delay = std::time::Duration::from_millis(25)).await;
    let w = world(&app.db).await;
    // A district-wide commander files them: a reporter may link only enterprises they read.
    let citizen = Actor::new(Role::Commander, Some("bulk".into()), Scope::district());
    for i in 0..60 {
        let side = if i % 2 == 0 { &w.a } else { &w.b };
        let c = service::case::report(
            &app.state.store,
            &citizen,
            NewReport {
                title: format!("案件 {i}"),
                description: "描述".into(),
                grid_id: Some(side.community),
                enterprise_id: Some(side.enterprise),
                ..Default::default()
            },
        )
        .await
        .expect("report");
        add_session_and_follow_up(&app.db, c.id, side.room, side.mediator).await;
    }
    let admin = app.token(Role::Admin, "admin", Scope::district());
    let mut counts = Vec::new();
    for n in [5, 20, 50] {
        app.take_statements();
        let body = app.gql(Some(&admin), PAGE, json!({ "n": n })).await;
        let edges = data(&body)["cases"]["edges"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0);
        assert_eq!(edges, n as usize);
        counts.push(app.take_statements());
    }
    eprintln!("statements for pages of 5, 20, 50 nested cases: {counts:?}");
    assert!(
        counts.iter().all(|c| *c == counts[0]),
        "statement count grows with page size: {counts:?}"
    );
    assert!(counts[0] <= 20, "too many statements for one page: {counts:?}");
}
