//! Live case events: part of the committed change to a case, heard by every instance on the
//! same database. Only the case journal (`service::journal`) raises them.
//!
//! On SQLite the bus is in-process only (one broadcast channel), fed after the commit. On
//! PostgreSQL the journal sends `NOTIFY fengqiao_case_events` with the event as JSON inside
//! the change's own transaction (delivered on commit, dropped on rollback), and a listener
//! task receives every notification (this instance's own included) and re-broadcasts it
//! locally, so each subscriber on each instance hears each event once. While the listener is
//! down (it reconnects with backoff) events raised here are broadcast locally directly, so
//! this instance's subscribers still hear them.
//!
//! The same listener hears [`REGISTRY_CHANNEL`]: an administrator registered or changed a
//! client application or a persisted operation on some instance, so every instance re-reads
//! its cached registry. Each (re)connection of the listener counts as a change too, since
//! notifications sent while it was away are lost.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use chrono::{DateTime, Utc};
use entity::{
    case,
    enums::{CaseStatus, TimelineKind},
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde::{Deserialize, Serialize};
use tokio::{sync::broadcast, task::AbortHandle};
use uuid::Uuid;

/// The PostgreSQL notification channel.
pub const CHANNEL: &str = "fengqiao_case_events";

/// The PostgreSQL channel that says the client registry changed (the payload is the schema).
pub const REGISTRY_CHANNEL: &str = "fengqiao_registry";

/// Events buffered per subscriber; one that falls further behind skips the oldest.
pub const CAPACITY: usize = 1024;

/// How long start-up waits for the first `LISTEN` before going on (the listener keeps trying).
const LISTEN_READY_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest pause between two reconnection attempts of the listener.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Something that happened to a case, after its transaction committed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseEvent {
    /// Id of the event (time-ordered).
    pub id: Uuid,
    /// The case.
    pub case_id: Uuid,
    /// What happened, as on the timeline.
    pub kind: TimelineKind,
    /// The case's status afterwards.
    pub status: CaseStatus,
    /// The case's version afterwards.
    pub version: i32,
    /// When it happened.
    pub at: DateTime<Utc>,
}

impl CaseEvent {
    /// The event of `kind` that left the case as `case`.
    pub fn new(kind: TimelineKind, case: &case::Model) -> Self {
        CaseEvent {
            id: Uuid::now_v7(),
            case_id: case.id,
            kind,
            status: case.status,
            version: case.version,
            at: case.updated_at,
        }
    }
}

/// What travels through PostgreSQL: the event and the schema it belongs to, so that
/// deployments (or test runs) sharing a database in separate schemas do not hear each other.
#[derive(Serialize, Deserialize)]
struct Envelope {
    schema: String,
    event: CaseEvent,
}

/// Publishes case events and hands out receivers.
#[derive(Clone)]
pub struct EventBus {
    inner: Arc<Inner>,
}

struct Inner {
    tx: broadcast::Sender<CaseEvent>,
    /// Counts registry changes heard from other instances (and listener reconnections).
    registry: tokio::sync::watch::Sender<u64>,
    remote: Option<Remote>,
}

/// The PostgreSQL side of the bus.
struct Remote {
    schema: String,
    listening: Arc<AtomicBool>,
    listener: AbortHandle,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(r) = &self.remote {
            r.listener.abort();
        }
    }
}

impl std::fmt::Debug for EventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBus")
            .field("postgres", &self.inner.remote.is_some())
            .field("subscribers", &self.inner.tx.receiver_count())
            .finish()
    }
}

impl EventBus {
    /// A bus for this process only.
    pub fn local() -> Self {
        let (tx, _) = broadcast::channel(CAPACITY);
        EventBus {
            inner: Arc::new(Inner {
                tx,
                registry: tokio::sync::watch::Sender::new(0),
                remote: None,
            }),
        }
    }

    /// The bus for `db`: in-process on SQLite; on PostgreSQL also through `NOTIFY`, with a
    /// listener connected to `url`. Waits (briefly) until the listener is listening.
    pub async fn start(db: &DatabaseConnection, url: &str) -> Self {
        if db.get_database_backend() != DbBackend::Postgres {
            return Self::local();
        }
        let schema = match current_schema(db).await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the current schema; tagging events with \"public\"");
                "public".to_owned()
            }
        };
        let (tx, _) = broadcast::channel(CAPACITY);
        let listening = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let registry = tokio::sync::watch::Sender::new(0);
        let task = tokio::spawn(listen(
            url.to_owned(),
            schema.clone(),
            Heard {
                events: tx.clone(),
                registry: registry.clone(),
            },
            listening.clone(),
            ready_tx,
        ));
        if tokio::time::timeout(LISTEN_READY_TIMEOUT, ready_rx)
            .await
            .is_err()
        {
            tracing::warn!("the case event listener is not listening yet; it keeps trying");
        }
        EventBus {
            inner: Arc::new(Inner {
                tx,
                registry,
                remote: Some(Remote {
                    schema,
                    listening,
                    listener: task.abort_handle(),
                }),
            }),
        }
    }

    /// Sends `events` inside the transaction `txn` that makes them true: on PostgreSQL a
    /// `NOTIFY` per event, which PostgreSQL delivers when (and only when) `txn` commits, so a
    /// subscriber never hears of a rolled-back change and never misses a committed one. On
    /// SQLite nothing happens here; [`EventBus::committed`] delivers after the commit.
    pub async fn notify_in<C: ConnectionTrait>(
        &self,
        txn: &C,
        events: &[CaseEvent],
    ) -> Result<(), sea_orm::DbErr> {
        let Some(remote) = &self.inner.remote else {
            return Ok(());
        };
        for ev in events {
            let json = serde_json::to_string(&Envelope {
                schema: remote.schema.clone(),
                event: ev.clone(),
            })
            .map_err(|e| sea_orm::DbErr::Custom(format!("case event encoding: {e}")))?;
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [CHANNEL.into(), json.into()],
            ))
            .await?;
        }
        Ok(())
    }

    /// Delivers `events` of a transaction that has just committed to this instance's
    /// subscribers when they will not hear them through PostgreSQL: always on SQLite, and on
    /// PostgreSQL while the listener is down (subscribers drop an event id already seen).
    pub fn committed(&self, events: Vec<CaseEvent>) {
        let direct = match &self.inner.remote {
            None => true,
            Some(r) => !r.listening.load(Ordering::SeqCst),
        };
        if direct {
            for ev in events {
                self.local_send(ev);
            }
        }
    }

    /// Tells the other instances that the client registry changed (PostgreSQL; nothing on
    /// SQLite, where one instance owns the database). Call after the change committed.
    pub async fn registry_changed(&self, db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
        let Some(remote) = &self.inner.remote else {
            return Ok(());
        };
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [REGISTRY_CHANNEL.into(), remote.schema.clone().into()],
        ))
        .await?;
        Ok(())
    }

    /// Changes whenever another instance changed the client registry (or the listener
    /// reconnected and may have missed one).
    pub fn registry_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.registry.subscribe()
    }

    /// A receiver of every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<CaseEvent> {
        self.inner.tx.subscribe()
    }

    /// How many subscribers listen on this instance now.
    pub fn subscribers(&self) -> usize {
        self.inner.tx.receiver_count()
    }

    /// True while the PostgreSQL listener is connected (always false on SQLite).
    pub fn is_listening(&self) -> bool {
        self.inner
            .remote
            .as_ref()
            .is_some_and(|r| r.listening.load(Ordering::SeqCst))
    }

    /// The PostgreSQL schema this instance works in (None on SQLite).
    pub fn schema(&self) -> Option<&str> {
        self.inner.remote.as_ref().map(|r| r.schema.as_str())
    }

    /// True when events travel through PostgreSQL.
    pub fn is_shared(&self) -> bool {
        self.inner.remote.is_some()
    }

    fn local_send(&self, ev: CaseEvent) {
        // No receiver is not an error: nobody is subscribed.
        let _ = self.inner.tx.send(ev);
    }
}

async fn current_schema(db: &DatabaseConnection) -> Result<String, sea_orm::DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT current_schema() AS s",
        ))
        .await?;
    Ok(row
        .and_then(|r| r.try_get::<Option<String>>("", "s").ok().flatten())
        .unwrap_or_else(|| "public".to_owned()))
}

/// Where the listener passes on what it heard.
struct Heard {
    events: broadcast::Sender<CaseEvent>,
    registry: tokio::sync::watch::Sender<u64>,
}

/// Receives every notification of [`CHANNEL`] and [`REGISTRY_CHANNEL`] and passes on this
/// schema's; reconnects with exponential backoff when the connection is lost.
async fn listen(
    url: String,
    schema: String,
    heard: Heard,
    listening: Arc<AtomicBool>,
    ready: tokio::sync::oneshot::Sender<()>,
) {
    use sea_orm::sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
    let mut ready = Some(ready);
    let mut backoff = Duration::from_millis(100);
    loop {
        let connected = async {
            let opts: PgConnectOptions = url.parse()?;
            // Named, so operators (and tests) can tell the listener apart in pg_stat_activity.
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .max_lifetime(None)
                .idle_timeout(None)
                .connect_with(opts.application_name(&listener_name(&schema)))
                .await?;
            let mut l = PgListener::connect_with(&pool).await?;
            l.ignore_pool_close_event(true);
            l.eager_reconnect(false);
            l.listen_all([CHANNEL, REGISTRY_CHANNEL]).await?;
            Ok::<_, sea_orm::sqlx::Error>(l)
        }
        .await;
        match connected {
            Ok(mut l) => {
                listening.store(true, Ordering::SeqCst);
                heard.registry.send_modify(|n| *n += 1);
                backoff = Duration::from_millis(100);
                if let Some(r) = ready.take() {
                    let _ = r.send(());
                }
                tracing::debug!(channel = CHANNEL, "listening for case events");
                loop {
                    match l.try_recv().await {
                        Ok(Some(n)) if n.channel() == REGISTRY_CHANNEL => {
                            if n.payload() == schema {
                                heard.registry.send_modify(|n| *n += 1);
                            }
                        }
                        Ok(Some(n)) => dispatch(&schema, &heard.events, n.payload()),
                        Ok(None) => {
                            tracing::warn!("case event listener lost its connection; reconnecting");
                            break;
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "case event listener failed; reconnecting");
                            break;
                        }
                    }
                }
                listening.store(false, Ordering::SeqCst);
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "case event listener cannot connect");
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// The `application_name` of the listener connection of `schema`'s instances.
pub fn listener_name(schema: &str) -> String {
    let mut name = format!("fengqiao-events/{schema}");
    // PostgreSQL keeps 63 bytes.
    while name.len() > 63 {
        name.pop();
    }
    name
}

fn dispatch(schema: &str, tx: &broadcast::Sender<CaseEvent>, payload: &str) {
    match serde_json::from_str::<Envelope>(payload) {
        Ok(env) if env.schema == schema => {
            let _ = tx.send(env.event);
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "ignoring a malformed case event notification"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(version: i32) -> CaseEvent {
        CaseEvent {
            id: Uuid::now_v7(),
            case_id: Uuid::now_v7(),
            kind: TimelineKind::Assessed,
            status: CaseStatus::Assessed,
            version,
            at: Utc::now(),
        }
    }

    #[tokio::test]
    async fn local_bus_delivers_to_every_subscriber() {
        let bus = EventBus::local();
        let (mut a, mut b) = (bus.subscribe(), bus.subscribe());
        let ev = event(2);
        bus.committed(vec![ev.clone()]);
        assert_eq!(a.recv().await.ok(), Some(ev.clone()));
        assert_eq!(b.recv().await.ok(), Some(ev));
    }

    #[test]
    fn notifications_of_other_schemas_are_ignored() {
        let (tx, mut rx) = broadcast::channel(4);
        let ev = event(3);
        let json = |schema: &str| {
            serde_json::to_string(&Envelope {
                schema: schema.into(),
                event: ev.clone(),
            })
            .unwrap_or_default()
        };
        dispatch("t_a", &tx, &json("t_b"));
        dispatch("t_a", &tx, "not json");
        dispatch("t_a", &tx, &json("t_a"));
        assert_eq!(rx.try_recv().ok(), Some(ev));
        assert!(rx.try_recv().is_err());
    }
}
