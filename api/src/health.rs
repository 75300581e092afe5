//! Whether the database answers: a probe on its own connection, and what requests do with it.
//!
//! A frozen database (a stalled disk, a stopped process, a partition) does not fail queries:
//! it leaves them waiting. So a probe asks `SELECT 1` every `probe_interval` on a pool of its
//! own (so a busy request pool does not make it miss), bounded by `probe_timeout`; two misses
//! in a row mark the database down, one answer marks it up again. While it is down, requests
//! are answered 503 `UNAVAILABLE` at once, and requests already waiting on it are answered so
//! the moment it goes down, instead of hanging until the client gives up.

use std::{sync::Arc, time::Duration};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use tokio::sync::watch;

use crate::config::DbConfig;

/// Misses in a row that mark the database down.
const MISSES: u32 = 2;

/// The database's state as the probe last saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    /// It answered.
    Up,
    /// It missed `MISSES` probes in a row.
    Down,
}

/// The probe's findings, shared by every request of this instance.
#[derive(Clone)]
pub struct DbHealth {
    state: watch::Receiver<Health>,
    probe: Option<Arc<Probe>>,
}

struct Probe {
    db: DatabaseConnection,
    timeout: Duration,
    _task: tokio::task::JoinHandle<()>,
    tx: Arc<watch::Sender<Health>>,
}

impl Drop for Probe {
    fn drop(&mut self) {
        self._task.abort();
    }
}

impl DbHealth {
    /// Starts probing the database at `url` (`SELECT 1` on a connection of its own, opened
    /// when first used and again after a failure).
    pub async fn start(url: &str, cfg: &DbConfig) -> DbHealth {
        let probe_cfg = DbConfig {
            acquire_timeout: cfg.probe_timeout,
            statement_timeout: cfg.probe_timeout,
            ..cfg.clone()
        };
        let (tx, rx) = watch::channel(Health::Up);
        let db = match crate::db::open_lazy(url, 1, &probe_cfg, None).await {
            Ok(db) => db,
            Err(e) => {
                // Only a malformed URL gets here, and then the service did not start either.
                tracing::error!(error = %e, "database health probe: not started");
                return DbHealth {
                    state: rx,
                    probe: None,
                };
            }
        };
        let tx = Arc::new(tx);
        let task = {
            let (db, tx, every, timeout) = (db.clone(), tx.clone(), cfg.probe_interval, cfg.probe_timeout);
            tokio::spawn(async move {
                let mut misses = 0u32;
                let mut tick = tokio::time::interval(every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    let ok = ping(&db, timeout).await;
                    misses = if ok { 0 } else { misses + 1 };
                    let next = if ok {
                        Health::Up
                    } else if misses >= MISSES {
                        Health::Down
                    } else {
                        *tx.borrow()
                    };
                    if *tx.borrow() != next {
                        match next {
                            Health::Down => {
                                tracing::error!(
                                    misses,
                                    "database not answering: requests get 503 until it does"
                                )
                            }
                            Health::Up => tracing::info!("database answering again"),
                        }
                        tx.send_replace(next);
                    }
                }
            })
        };
        DbHealth {
            state: rx,
            probe: Some(Arc::new(Probe {
                db,
                timeout: cfg.probe_timeout,
                _task: task,
                tx,
            })),
        }
    }

    /// Whether the last probes found the database down.
    pub fn is_down(&self) -> bool {
        *self.state.borrow() == Health::Down
    }

    /// Resolves when the database goes down (at once when it is down now).
    pub async fn down(&self) {
        let mut rx = self.state.clone();
        let _ = rx.wait_for(|h| *h == Health::Down).await;
        // The sender lives as long as the probe; without one the state never changes.
        if self.probe.is_none() && !self.is_down() {
            std::future::pending::<()>().await;
        }
    }

    /// Asks the database now, within the probe timeout (for `/readyz`), and records a miss
    /// or an answer like a probe would.
    pub async fn check(&self) -> bool {
        let Some(p) = &self.probe else {
            return !self.is_down();
        };
        let ok = ping(&p.db, p.timeout).await;
        if ok && self.is_down() {
            p.tx.send_replace(Health::Up);
        }
        ok
    }
}

async fn ping(db: &DatabaseConnection, timeout: Duration) -> bool {
    let stmt = Statement::from_string(db.get_database_backend(), "SELECT 1");
    matches!(
        tokio::time::timeout(timeout, db.query_one_raw(stmt)).await,
        Ok(Ok(_))
    )
}
