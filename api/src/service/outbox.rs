//! The transactional outbox and its delivery worker.
//!
//! Every change of a case writes its event here in the same transaction as the change: one
//! row per receiving platform, all rows of one event sharing a stable `eventId` that receivers
//! use to drop repeats. The worker posts each row, signed with the platform's secret, in
//! timeline order per case and platform (a later event waits while an earlier one is still
//! being retried), backs off exponentially on failure, and after the last attempt moves the
//! row to the dead-letter list, where an administrator can inspect and redeliver it. Because
//! rows are committed with the change and claimed with a lease, an event survives a restart
//! between the change and its delivery, and several instances may run the worker at once.

use std::{collections::HashSet, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use entity::{
    case,
    enums::{ExternalEntity, OutboxStatus, PlatformSubscription, TimelineKind},
    external_ref, outbox_event, platform,
};
use sea_orm::{
    sea_query::Expr, ActiveEnum, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use uuid::Uuid;

use super::{platform as platforms, require_role};
use crate::{
    auth::{Actor, Role},
    config::IntegrationConfig,
    error::{AppError, AppResult},
};

/// The JSON body posted to a platform for one case event.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct EventBody {
    /// Stable id of the event: the same on every retry and for every platform.
    pub event_id: Uuid,
    /// What happened, as the timeline names it (`REPORTED`, `ASSESSED`, `FED_BACK`, `CLOSED`, ...).
    pub event_type: String,
    /// Position of the event in the case's timeline (1, 2, 3, ...): receivers order by it.
    pub sequence: i32,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// True for the result fed back to, and the closing of, a case this platform sent.
    pub closure_feedback: bool,
    /// The case after the change.
    pub case: EventCase,
}

/// The case as a platform receives it (no personal data: parties and reporter stay here).
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct EventCase {
    /// Our id.
    pub id: Uuid,
    /// Our tracking number.
    pub tracking_number: String,
    /// This platform's id of the case, when it sent it.
    pub external_id: Option<String>,
    /// Our status.
    pub status: String,
    /// Our status in this platform's vocabulary, when its status map has a term for it.
    pub external_status: Option<String>,
    /// Kind.
    pub kind: String,
    /// Risk colour, once assessed.
    pub risk_colour: Option<String>,
    /// Title.
    pub title: String,
    /// The note of this step (the feedback text for `FED_BACK`).
    pub note: Option<String>,
    /// Our version after the change.
    pub version: i32,
    /// Resolved or marked unresolved at.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Closed at.
    pub closed_at: Option<DateTime<Utc>>,
}

fn is_closure(kind: TimelineKind) -> bool {
    matches!(kind, TimelineKind::FedBack | TimelineKind::Closed)
}

/// Writes the event of a case change for every platform that receives it, inside the
/// caller's transaction. `origin` is the platform whose own sync caused the change (it is
/// not sent its own news back).
pub(super) async fn enqueue<C: ConnectionTrait>(
    txn: &C,
    after: &case::Model,
    kind: TimelineKind,
    seq: i32,
    note: Option<&str>,
    origin: Option<Uuid>,
) -> AppResult<()> {
    let receivers = platform::Entity::find()
        .filter(platform::Column::Enabled.eq(true))
        .filter(platform::Column::WebhookUrl.is_not_null())
        .all(txn)
        .await?;
    if receivers.is_empty() {
        return Ok(());
    }
    let refs = external_ref::Entity::find()
        .filter(external_ref::Column::Entity.eq(ExternalEntity::Case))
        .filter(external_ref::Column::EntityId.eq(after.id))
        .all(txn)
        .await?;
    let event_id = super::new_id();
    let now = super::now();
    let mut rows = Vec::new();
    for p in receivers {
        if Some(p.id) == origin {
            continue;
        }
        let source = refs.iter().find(|r| r.platform_id == p.id);
        let wanted = match p.subscription {
            PlatformSubscription::AllCases => true,
            PlatformSubscription::OwnCases => source.is_some(),
            PlatformSubscription::Feedback => source.is_some() && is_closure(kind),
        };
        if !wanted {
            continue;
        }
        let body = EventBody {
            event_id,
            event_type: kind.to_value(),
            sequence: seq,
            occurred_at: now,
            closure_feedback: source.is_some() && is_closure(kind),
            case: EventCase {
                id: after.id,
                tracking_number: after.tracking_number.clone(),
                external_id: source.map(|r| r.external_id.clone()),
                status: after.status.to_value(),
                external_status: platforms::external_status(&p, after.status),
                kind: after.kind.to_value(),
                risk_colour: after.risk_colour.map(|c| c.to_value()),
                title: after.title.clone(),
                note: note.map(str::to_owned),
                version: after.version,
                resolved_at: after.resolved_at,
                closed_at: after.closed_at,
            },
        };
        let payload = serde_json::to_string(&body).map_err(|e| AppError::Internal(e.to_string()))?;
        rows.push(outbox_event::ActiveModel {
            id: Set(super::new_id()),
            event_id: Set(event_id),
            platform_id: Set(p.id),
            case_id: Set(after.id),
            seq: Set(seq),
            event_type: Set(kind.to_value()),
            payload: Set(payload),
            status: Set(OutboxStatus::Pending),
            attempts: Set(0),
            next_attempt_at: Set(now),
            locked_until: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            delivered_at: Set(None),
        });
    }
    if !rows.is_empty() {
        outbox_event::Entity::insert_many(rows)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// Outbox rows for administrators, newest first.
#[derive(Clone, Debug, Default)]
pub struct OutboxFilter {
    /// Only rows in this state.
    pub status: Option<OutboxStatus>,
    /// Only rows for this platform.
    pub platform_id: Option<Uuid>,
    /// Only rows of this case.
    pub case_id: Option<Uuid>,
}

impl super::Scoped for outbox_event::Entity {
    const ID: outbox_event::Column = outbox_event::Column::Id;
    /// An outbox row carries its case's news: administrators see the rows of cases they may
    /// see (all of them district-wide), nobody else any.
    async fn scope<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Condition> {
        if actor.role != Role::Admin {
            return Ok(super::deny());
        }
        Ok(Condition::all()
            .add(super::in_visible::<case::Entity, C>(db, actor, outbox_event::Column::CaseId).await?))
    }
}

/// The outbox rows matching `filter`, newest first (administrators only, rows of the cases
/// they may see).
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &OutboxFilter,
    limit: u64,
) -> AppResult<Vec<outbox_event::Model>> {
    require_role(actor, &[Role::Admin], "read the outbox")?;
    let mut q = super::visible::<outbox_event::Entity, C>(db, actor).await?;
    if let Some(s) = filter.status {
        q = q.filter(outbox_event::Column::Status.eq(s));
    }
    if let Some(p) = filter.platform_id {
        q = q.filter(outbox_event::Column::PlatformId.eq(p));
    }
    if let Some(c) = filter.case_id {
        q = q.filter(outbox_event::Column::CaseId.eq(c));
    }
    Ok(q.order_by_desc(outbox_event::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Puts a dead (or pending) row back in line for immediate delivery with fresh attempts.
pub async fn redeliver(db: &DatabaseConnection, actor: &Actor, id: Uuid) -> AppResult<outbox_event::Model> {
    require_role(actor, &[Role::Admin], "redeliver an event")?;
    let row = super::get::<outbox_event::Entity, _>(db, actor, id).await?;
    if row.status == OutboxStatus::Delivered {
        return Err(AppError::Conflict {
            field: Some("input.id".into()),
            message: "this event was delivered; the platform already has it".into(),
        });
    }
    outbox_event::Entity::update_many()
        .col_expr(outbox_event::Column::Status, Expr::value(OutboxStatus::Pending))
        .col_expr(outbox_event::Column::Attempts, Expr::value(0))
        .col_expr(outbox_event::Column::NextAttemptAt, Expr::value(super::now()))
        .col_expr(
            outbox_event::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(outbox_event::Column::Id.eq(id))
        .exec(db)
        .await?;
    outbox_event::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Rows waiting for delivery (for `/metrics` and the admin view).
pub async fn backlog<C: ConnectionTrait>(db: &C) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(outbox_event::Entity::find()
        .filter(outbox_event::Column::Status.eq(OutboxStatus::Pending))
        .count(db)
        .await?)
}

/// Stops the worker when the application state is dropped.
pub struct WorkerHandle(tokio::task::JoinHandle<()>);

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts the delivery worker; it runs until the handle is dropped.
pub fn start(db: DatabaseConnection, cfg: IntegrationConfig) -> Option<WorkerHandle> {
    if !cfg.deliver {
        return None;
    }
    let http = match reqwest::Client::builder()
        .timeout(cfg.delivery_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(super::egress::GuardedResolver::new(cfg.egress.clone()))
        .build()
    {
        Ok(h) => h,
        Err(e) => {
            tracing::error!(error = %e, "outbox worker: no HTTP client; deliveries stop");
            return None;
        }
    };
    let worker = Worker {
        db,
        http,
        cfg: Arc::new(cfg),
    };
    Some(WorkerHandle(tokio::spawn(async move { worker.run().await })))
}

struct Worker {
    db: DatabaseConnection,
    http: reqwest::Client,
    cfg: Arc<IntegrationConfig>,
}

/// Rows read per round.
const ROUND: u64 = 500;

impl Worker {
    async fn run(self) {
        loop {
            match self.round().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "outbox worker round failed"),
            }
            tokio::time::sleep(self.cfg.poll_interval).await;
        }
    }

    /// One round: the first pending row of each (platform, case) pair, if due, is claimed and
    /// delivered; pairs go in parallel, a pair's rows one after another across rounds.
    async fn round(&self) -> AppResult<usize> {
        let now = super::now();
        let pending = super::first_rows(
            &self.db,
            outbox_event::Entity::find()
                .filter(outbox_event::Column::Status.eq(OutboxStatus::Pending))
                .order_by_asc(outbox_event::Column::PlatformId)
                .order_by_asc(outbox_event::Column::CaseId)
                .order_by_asc(outbox_event::Column::Seq)
                .order_by_asc(outbox_event::Column::Id),
            ROUND,
        )
        .await?;
        let mut seen = HashSet::new();
        let mut due = Vec::new();
        for row in pending {
            if !seen.insert((row.platform_id, row.case_id)) {
                continue;
            }
            let free = row.locked_until.is_none_or(|t| t < now);
            if row.next_attempt_at <= now && free {
                due.push(row);
            }
        }
        let mut delivered = 0;
        let results = futures_util::future::join_all(due.into_iter().map(|row| self.attempt(row, now))).await;
        for r in results {
            match r {
                Ok(true) => delivered += 1,
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "outbox delivery bookkeeping failed"),
            }
        }
        Ok(delivered)
    }

    /// Claims and posts one row; true when the platform accepted it.
    async fn attempt(&self, row: outbox_event::Model, now: DateTime<Utc>) -> AppResult<bool> {
        let lease = now + chrono::Duration::from_std(self.cfg.lease).unwrap_or_default();
        let claimed = outbox_event::Entity::update_many()
            .col_expr(outbox_event::Column::LockedUntil, Expr::value(Some(lease)))
            .filter(outbox_event::Column::Id.eq(row.id))
            .filter(outbox_event::Column::Status.eq(OutboxStatus::Pending))
            .filter(
                Condition::any()
                    .add(outbox_event::Column::LockedUntil.is_null())
                    .add(outbox_event::Column::LockedUntil.lt(now)),
            )
            .exec(&self.db)
            .await?;
        if claimed.rows_affected != 1 {
            return Ok(false);
        }
        let Some(p) = platform::Entity::find_by_id(row.platform_id)
            .one(&self.db)
            .await?
        else {
            return Ok(false);
        };
        let outcome = match (&p.webhook_url, p.enabled) {
            (Some(url), true) => self.post(&p, url, &row).await,
            _ => Err("the platform is disabled or has no webhook URL".to_owned()),
        };
        let attempts = row.attempts + 1;
        let done = super::now();
        let mut update = outbox_event::Entity::update_many()
            .col_expr(outbox_event::Column::Attempts, Expr::value(attempts))
            .col_expr(
                outbox_event::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(outbox_event::Column::Id.eq(row.id));
        let ok = outcome.is_ok();
        match outcome {
            Ok(()) => {
                update = update
                    .col_expr(outbox_event::Column::Status, Expr::value(OutboxStatus::Delivered))
                    .col_expr(outbox_event::Column::DeliveredAt, Expr::value(Some(done)))
                    .col_expr(
                        outbox_event::Column::LastError,
                        Expr::value(Option::<String>::None),
                    );
            }
            Err(reason) => {
                let reason: String = reason.chars().take(500).collect();
                if attempts >= self.cfg.max_attempts {
                    tracing::warn!(event = %row.event_id, platform = %p.code, %reason, "event dead-lettered");
                    update = update.col_expr(outbox_event::Column::Status, Expr::value(OutboxStatus::Dead));
                } else {
                    let wait = backoff(&self.cfg, attempts);
                    update = update.col_expr(
                        outbox_event::Column::NextAttemptAt,
                        Expr::value(done + chrono::Duration::from_std(wait).unwrap_or_default()),
                    );
                }
                update = update.col_expr(outbox_event::Column::LastError, Expr::value(Some(reason)));
            }
        }
        update.exec(&self.db).await?;
        Ok(ok)
    }

    async fn post(&self, p: &platform::Model, url: &str, row: &outbox_event::Model) -> Result<(), String> {
        let ts = Utc::now().timestamp();
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("bad webhook URL: {e}"))?;
        // Checked again at delivery: the URL may predate the policy, or the policy changed.
        self.cfg.egress.check_url(&parsed)?;
        let sig = platforms::sign_with(p.signature_algorithm, &p.secret, ts, row.payload.as_bytes());
        let label = platforms::signature_label(p.signature_algorithm);
        let res = self
            .http
            .post(parsed)
            .header("content-type", "application/json")
            .header("x-fengqiao-event-id", row.event_id.to_string())
            .header("x-fengqiao-event-type", row.event_type.as_str())
            .header("x-fengqiao-timestamp", ts.to_string())
            .header("x-fengqiao-signature", format!("{label}={sig}"))
            .body(row.payload.clone())
            .send()
            .await
            .map_err(|e| format!("request failed: {}", chain(&e)))?;
        if res.status().is_success() {
            Ok(())
        } else {
            Err(format!("the platform answered {}", res.status()))
        }
    }
}

/// An error with its causes (reqwest's own message hides why a connection failed, such as
/// an address the egress policy refused).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Delay before attempt `attempts + 1`: base × 2^(attempts − 1), at most the configured cap.
pub fn backoff(cfg: &IntegrationConfig, attempts: i32) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(20);
    cfg.backoff_base.saturating_mul(1u32 << exp).min(cfg.backoff_max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let cfg = IntegrationConfig {
            backoff_base: Duration::from_secs(2),
            backoff_max: Duration::from_secs(60),
            ..IntegrationConfig::default()
        };
        let waits: Vec<u64> = (1..=7).map(|a| backoff(&cfg, a).as_secs()).collect();
        assert_eq!(waits, vec![2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(backoff(&cfg, 10_000).as_secs(), 60);
    }
}
