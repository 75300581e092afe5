//! Live updates: `caseEvents`, served over WebSocket (`GET /graphql/ws`, graphql-transport-ws).
//!
//! Every event is checked against the subscriber's case scope before it is sent, and its
//! `case` is read through that scope, so a subscriber hears only about cases it may see and
//! personal fields stay masked as in any query.

use std::{collections::HashSet, sync::Arc};

use async_graphql::{Context, SimpleObject, Subscription, ID};
use chrono::{DateTime, Utc};
use futures_util::{stream, Stream};
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast::{error::RecvError, Receiver};
use uuid::Uuid;

use super::{case::types::Case, db, enums::*, id, lookup_id, SchemaData};
use crate::{
    auth::Actor,
    error::AppError,
    events::{self, EventBus},
    service,
};

/// Event ids remembered per subscription to drop repeats (a notification that arrived both
/// directly and through the database); cleared when it grows past this.
const SEEN_MAX: usize = 4096;

/// Something that happened to a case you may see.
#[derive(SimpleObject)]
#[graphql(name = "CaseEvent")]
pub struct CaseEventObject {
    /// Id of the event (time-ordered).
    pub id: ID,
    /// The case.
    pub case_id: ID,
    /// What happened, as on the timeline.
    pub kind: TimelineKind,
    /// The case's status after the event.
    pub status: CaseStatus,
    /// The case's version after the event.
    pub version: i32,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The case as it is now, read in your scope (personal fields masked as usual).
    pub case: Case,
}

/// The root subscription type.
#[derive(Default)]
pub struct SubscriptionRoot;

/// The root subscription type.
#[Subscription]
impl SubscriptionRoot {
    /// Every committed change (a new report, each step of the closed loop) to the cases in your scope, or to one case.
    async fn case_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only this case (NOT_FOUND when you may not see it); every case in your scope when omitted."
        )]
        case_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = CaseEventObject>> {
        let actor: Arc<Actor> = match ctx.data::<Arc<Actor>>() {
            Ok(a) if !a.is_anonymous() => a.clone(),
            _ => return Err(AppError::Unauthenticated("sign in to subscribe".into()).into()),
        };
        let db = db(ctx)?.clone();
        let bus = bus(ctx)?;
        // Subscribe before the scope check so nothing falls between the two.
        let rx = bus.subscribe();
        let only = match &case_id {
            Some(cid) => {
                let cid = lookup_id(cid)?;
                service::get::<entity::case::Entity, _>(&db, &actor, cid).await?;
                Some(cid)
            }
            None => None,
        };
        Ok(events_in_scope(Watch {
            rx,
            db,
            actor,
            only,
            seen: HashSet::new(),
        }))
    }
}

/// The event bus from the schema data.
fn bus(ctx: &Context<'_>) -> async_graphql::Result<EventBus> {
    Ok(ctx
        .data::<SchemaData>()
        .map_err(|_| AppError::Internal("schema data missing".into()))?
        .events
        .clone())
}

/// One subscription's state.
struct Watch {
    rx: Receiver<events::CaseEvent>,
    db: DatabaseConnection,
    actor: Arc<Actor>,
    only: Option<Uuid>,
    seen: HashSet<Uuid>,
}

/// The events of `w`'s receiver that its actor may see, each once.
fn events_in_scope(w: Watch) -> impl Stream<Item = CaseEventObject> {
    stream::unfold(w, |mut w| async move {
        loop {
            let ev = match w.rx.recv().await {
                Ok(ev) => ev,
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(skipped = n, "a case event subscriber fell behind; events skipped");
                    continue;
                }
                Err(RecvError::Closed) => return None,
            };
            if w.only.is_some_and(|c| c != ev.case_id) {
                continue;
            }
            if w.seen.contains(&ev.id) {
                continue;
            }
            let m = match service::get::<entity::case::Entity, _>(&w.db, &w.actor, ev.case_id).await {
                Ok(m) => m,
                Err(AppError::NotFound) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, case_id = %ev.case_id, "could not check a case event's scope; skipped");
                    continue;
                }
            };
            if w.seen.len() >= SEEN_MAX {
                w.seen.clear();
            }
            w.seen.insert(ev.id);
            let out = CaseEventObject {
                id: id(ev.id),
                case_id: id(ev.case_id),
                kind: ev.kind.into(),
                status: ev.status.into(),
                version: ev.version,
                at: ev.at,
                case: Case(m),
            };
            return Some((out, w));
        }
    })
}
