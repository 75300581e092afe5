//! Database migrations of the fengqiao service.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_init;
mod m20261123_000002_security;
mod m20261123_000003_workflow;
mod m20261123_000004_integration;
mod m20261206_000005_statistics;
mod m20261207_000006_write_door;
mod m20261207_000007_instances;
mod m20261208_000008_places;
mod m20261208_000009_parties_abroad;
mod m20261208_000010_master_data;
mod m20261209_000011_evidence_files;
mod m20261209_000012_audit_chain;
mod m20261209_000013_sm3_signatures;

/// What a platform may write by default (cases of every kind, no master data), as stored.
pub const PLATFORM_CASES_ONLY: &str = m20261207_000006_write_door::CASES_ONLY;

/// Runs every migration of the service in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_init::Migration),
            Box::new(m20261123_000002_security::Migration),
            Box::new(m20261123_000003_workflow::Migration),
            Box::new(m20261123_000004_integration::Migration),
            Box::new(m20261206_000005_statistics::Migration),
            Box::new(m20261207_000006_write_door::Migration),
            Box::new(m20261207_000007_instances::Migration),
            Box::new(m20261208_000008_places::Migration),
            Box::new(m20261208_000009_parties_abroad::Migration),
            Box::new(m20261208_000010_master_data::Migration),
            Box::new(m20261209_000011_evidence_files::Migration),
            Box::new(m20261209_000012_audit_chain::Migration),
            Box::new(m20261209_000013_sm3_signatures::Migration),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm_migration::sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

    const TABLES: [&str; 32] = [
        "grids",
        "police_grid_coverages",
        "units",
        "enterprises",
        "persons",
        "enterprise_contacts",
        "volunteer_teams",
        "volunteers",
        "volunteer_memberships",
        "volunteer_skills",
        "volunteer_languages",
        "volunteer_honours",
        "mediation_rooms",
        "mediators",
        "mediator_languages",
        "report_codes",
        "cases",
        "case_parties",
        "case_timeline_entries",
        "case_assignments",
        "case_attachments",
        "case_volunteer_tasks",
        "mediation_sessions",
        "session_mediators",
        "follow_ups",
        "platforms",
        "external_refs",
        "tracking_counters",
        "webhook_receipts",
        "outbox_events",
        "duplicate_links",
        "case_consultations",
    ];

    async fn assert_tables(db: &DatabaseConnection, present: bool) {
        let manager = SchemaManager::new(db);
        for table in TABLES {
            let has = manager.has_table(table).await.unwrap();
            assert_eq!(has, present, "table {table}");
        }
    }

    async fn round_trip(db: &DatabaseConnection) {
        Migrator::up(db, None).await.unwrap();
        assert_tables(db, true).await;
        Migrator::down(db, None).await.unwrap();
        assert_tables(db, false).await;
        Migrator::up(db, None).await.unwrap();
        assert_tables(db, true).await;
        assert!(Migrator::get_pending_migrations(db).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn sqlite_up_down_up() {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        round_trip(&db).await;
    }

    /// Runs inside a throw-away schema of the database named by `TEST_DATABASE_URL`;
    /// without it the test says so and skips (`.ci/run` sets it and fails when PostgreSQL is down).
    #[tokio::test]
    async fn postgres_up_down_up() {
        let Some(url) = std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) else {
            eprintln!("SKIPPED postgres_up_down_up: TEST_DATABASE_URL is not set");
            return;
        };
        let schema = format!(
            "migration_test_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        let admin = Database::connect(&url).await.unwrap();
        admin
            .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
            .await
            .unwrap();
        let mut options = ConnectOptions::new(&url);
        options.set_schema_search_path(&schema);
        let db = Database::connect(options).await.unwrap();
        round_trip(&db).await;
        db.close().await.unwrap();
        admin
            .execute_unprepared(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
            .await
            .unwrap();
    }
}
