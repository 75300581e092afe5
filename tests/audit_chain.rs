//! The audit log shows tampering: records are sealed into a hash chain with signed
//! checkpoints, and a row changed or removed behind the service's back (its triggers dropped,
//! as whoever controls the database can) is named by `verify` and by `fengqiao audit verify`.

use fengqiao_api::{
    auth::{Actor, Role, Scope},
    request::RequestInfo,
    service::{
        audit::{self, Action, Entry},
        audit_chain::{seal, verify, Broken, ChainKey},
    },
};
use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::json;

use crate::{
    cli::{fengqiao, fresh_dir},
    fixtures::{persona, world},
    harness::TestApp,
};

/// Drops the append-only guard of `table`, as an attacker with the database would.
async fn drop_guard(db: &DatabaseConnection, table: &str) {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => vec![
            format!("DROP TRIGGER {table}_no_update"),
            format!("DROP TRIGGER {table}_no_delete"),
        ],
        _ => vec![format!("ALTER TABLE {table} DISABLE TRIGGER USER")],
    };
    for s in sql {
        db.execute_unprepared(&s).await.expect("drop the guard");
    }
}

#[tokio::test]
async fn verify_names_the_record_changed_behind_the_services_back() {
    let app = TestApp::spawn().await;
    let w = world(&app.db).await;
    let key = ChainKey::from_secret(&app.state.config.jwt.secret);
    let (sub, scope) = persona(Role::Citizen, &w.a);
    let citizen = app.token(Role::Citizen, &sub, scope);
    let report = |i: usize| json!({ "i": { "title": format!("审计 {i}"), "description": "x", "gridId": w.a.community.to_string() } });
    let q = "mutation($i: ReportCaseInput!) { reportCase(input: $i) { case { id } } }";
    for i in 0..3 {
        app.gql(Some(&citizen), q, report(i)).await;
    }
    // Sealed in two runs: two signed checkpoints.
    let first = seal(&app.db, &key).await.expect("seal");
    assert!(first >= 3, "{first}");
    for i in 3..5 {
        app.gql(Some(&citizen), q, report(i)).await;
    }
    let second = seal(&app.db, &key).await.expect("seal");
    assert!(second >= 2, "{second}");
    assert_eq!(
        seal(&app.db, &key).await.expect("seal"),
        0,
        "nothing left to seal"
    );
    let v = verify(&app.db, &key).await.expect("verify");
    assert_eq!(v.broken, None, "{v:?}");
    assert_eq!((v.sealed, v.checkpoints, v.unsealed), (first + second, 2, 0));

    // A checkpoint is signed with this service's key: another key does not verify it.
    let other = verify(
        &app.db,
        &ChainKey::from_secret(b"another service's secret, 32+ bytes"),
    )
    .await
    .expect("verify");
    assert!(
        matches!(other.broken, Some(Broken::Checkpoint { .. })),
        "{other:?}"
    );

    // The triggers refuse the service's own connection...
    let ids: Vec<uuid::Uuid> = entity::audit_seal::Entity::find()
        .order_by_asc(entity::audit_seal::Column::Seq)
        .all(&app.db)
        .await
        .expect("seals")
        .into_iter()
        .map(|s| s.event_id)
        .collect();
    let target = ids[1];
    let edit = || {
        entity::audit_event::Entity::update_many()
            .col_expr(
                entity::audit_event::Column::Reason,
                Expr::value("nothing happened"),
            )
            .filter(entity::audit_event::Column::Id.eq(target))
    };
    assert!(edit().exec(&app.db).await.is_err(), "the trigger stands");
    // ...but someone who controls the database drops them and edits a row: verify names it.
    drop_guard(&app.db, "audit_events").await;
    let changed = edit()
        .exec(&app.db)
        .await
        .expect("edit behind the service's back");
    assert_eq!(changed.rows_affected, 1);
    let v = verify(&app.db, &key).await.expect("verify");
    assert_eq!(
        v.broken,
        Some(Broken::Changed {
            seq: 2,
            event_id: target
        }),
        "{v:?}"
    );
    assert_eq!(v.sealed, 1, "the records before it are intact");

    // Removing the newest links to hide the edit leaves a signed checkpoint past the end.
    let fresh = TestApp::spawn().await;
    let w = world(&fresh.db).await;
    let (sub, scope) = persona(Role::Citizen, &w.a);
    let citizen = fresh.token(Role::Citizen, &sub, scope);
    let report = json!({ "i": { "title": "审计", "description": "x", "gridId": w.a.community.to_string() } });
    fresh.gql(Some(&citizen), q, report).await;
    let key = ChainKey::from_secret(&fresh.state.config.jwt.secret);
    let n = seal(&fresh.db, &key).await.expect("seal");
    drop_guard(&fresh.db, "audit_seals").await;
    fresh
        .db
        .execute_unprepared(&format!("DELETE FROM audit_seals WHERE seq = {n}"))
        .await
        .expect("remove the last link");
    let v = verify(&fresh.db, &key).await.expect("verify");
    assert!(matches!(v.broken, Some(Broken::Gap { .. })), "{v:?}");
}

/// The command line: `fengqiao audit seal`, then `verify` passes; after a direct `UPDATE` of
/// one row, `verify` exits 1 and names that row.
#[tokio::test]
async fn the_audit_verify_command_points_at_the_edited_row() {
    let dir = fresh_dir();
    let out = fengqiao(&dir).arg("migrate").output().expect("migrate");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let url = format!("sqlite://{}/data/fengqiao.db", dir.display());
    let db = sea_orm::Database::connect(&url).await.expect("open");
    let actor = Actor::new(Role::Admin, Some("admin-1".into()), Scope::district());
    let info = RequestInfo::new("req-1", None, std::net::Ipv4Addr::LOCALHOST.into());
    for op in ["createGrid", "updateGrid", "createUnit", "updateUnit"] {
        let e = Entry {
            operation: op,
            action: Action::Mutation,
            object_type: None,
            object_id: None,
            field: None,
            reason: None,
            outcome: "OK",
            error_code: None,
        };
        audit::record(&db, &actor, &info, e).await.expect("audit record");
    }
    let run = |args: &[&str]| {
        let out = fengqiao(&dir).args(args).output().expect("fengqiao audit");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, text) = run(&["audit", "seal"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("4 audit records sealed"), "{text}");
    let (code, text) = run(&["audit", "verify"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("intact: 4 records sealed"), "{text}");

    let third = entity::audit_seal::Entity::find()
        .order_by_asc(entity::audit_seal::Column::Seq)
        .all(&db)
        .await
        .expect("seals")[2]
        .event_id;
    drop_guard(&db, "audit_events").await;
    let changed = entity::audit_event::Entity::update_many()
        .col_expr(entity::audit_event::Column::Operation, Expr::value("readGrid"))
        .filter(entity::audit_event::Column::Id.eq(third))
        .exec(&db)
        .await
        .expect("edit");
    assert_eq!(changed.rows_affected, 1);
    let (code, text) = run(&["audit", "verify"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains(&third.to_string()) && text.contains("link 3"),
        "{text}"
    );
    db.close().await.ok();
    let _ = std::fs::remove_dir_all(&dir);
}
