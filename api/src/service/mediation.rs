//! Three-level mediation (三级矛盾调解): sessions with chosen mediators, outcomes and
//! agreements, escalation ordinary → larger → major to a higher room, judicial confirmation.

use chrono::{DateTime, Utc};
use entity::{
    case,
    enums::{MediationLevel, SessionOutcome},
    mediation_room, mediation_session, mediator, session_mediator,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::{
    journal::Store,
    workflow::{apply, Action, Effect, Outcome, Step},
};
use crate::{
    auth::Actor,
    error::{AppError, AppResult},
    validate,
};

fn rank(l: MediationLevel) -> u8 {
    match l {
        MediationLevel::Community => 0,
        MediationLevel::Street => 1,
        MediationLevel::District => 2,
    }
}

/// Input of a new session.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NewSession {
    /// When it is held.
    pub scheduled_at: DateTime<Utc>,
    /// The mediators taking part: active, and of the case's room.
    pub mediator_ids: Vec<Uuid>,
}

/// Schedules a session in the case's room with the chosen mediators.
pub async fn schedule(store: &Store, actor: &Actor, step: Step, s: NewSession) -> Outcome {
    let mut ids = s.mediator_ids.clone();
    ids.sort();
    ids.dedup();
    if ids.is_empty() || ids.len() > 9 {
        return Err(AppError::bad_input(
            "input.mediatorIds",
            "choose 1 to 9 mediators",
        ));
    }
    super::workflow::permit(actor, Action::ScheduleSession)?;
    let visible = super::by_ids::<mediator::Entity, _>(&store.db, actor, &ids).await?;
    if let Some(i) = s.mediator_ids.iter().position(|m| !visible.contains_key(m)) {
        return Err(AppError::not_found_at(
            format!("input.mediatorIds[{i}]"),
            "no such mediator",
        ));
    }
    let input = s.clone();
    apply(
        store,
        actor,
        Action::ScheduleSession,
        step,
        &input,
        move |txn, c| {
            Box::pin(async move {
                let room_id = c
                    .room_id
                    .ok_or_else(|| AppError::bad_input("input.caseId", "the case has no mediation room"))?;
                let room = mediation_room::Entity::find_by_id(room_id)
                    .one(txn)
                    .await?
                    .ok_or_else(|| AppError::Internal("case room vanished".into()))?;
                let found = mediator::Entity::find()
                    .filter(mediator::Column::Id.is_in(ids.clone()))
                    .filter(mediator::Column::RoomId.eq(room_id))
                    .filter(mediator::Column::Active.eq(true))
                    .all(txn)
                    .await?;
                if found.len() != ids.len() {
                    return Err(AppError::bad_input(
                        "input.mediatorIds",
                        "every mediator must be active in the case's room",
                    ));
                }
                let now = super::now();
                let session = mediation_session::ActiveModel {
                    id: Set(super::new_id()),
                    case_id: Set(c.id),
                    room_id: Set(room_id),
                    level: Set(room.level),
                    scheduled_at: Set(s.scheduled_at),
                    held_at: Set(None),
                    outcome: Set(SessionOutcome::Pending),
                    agreement_text: Set(None),
                    judicial_confirmed: Set(false),
                    notes: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(txn)
                .await?;
                session_mediator::Entity::insert_many(ids.iter().map(|m| session_mediator::ActiveModel {
                    session_id: Set(session.id),
                    mediator_id: Set(*m),
                }))
                .exec(txn)
                .await?;
                let names: Vec<String> = found.iter().map(|m| m.name.clone()).collect();
                Ok(Effect {
                    note: Some(format!(
                        "{} {}：{}",
                        room.name,
                        s.scheduled_at.format("%Y-%m-%d %H:%M"),
                        names.join("、")
                    )),
                    ..Default::default()
                })
            })
        },
    )
    .await
}

/// What a session ended in.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SessionResult {
    /// The session.
    pub session_id: Uuid,
    /// AGREEMENT or NO_AGREEMENT (escalation is its own step).
    pub outcome: SessionOutcome,
    /// The agreement's text, required with AGREEMENT.
    pub agreement_text: Option<String>,
}

async fn session_of(
    txn: &sea_orm::DatabaseTransaction,
    case_id: Uuid,
    id: Uuid,
) -> AppResult<mediation_session::Model> {
    mediation_session::Entity::find_by_id(id)
        .filter(mediation_session::Column::CaseId.eq(case_id))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::bad_input("input.sessionId", "no such session on this case"))
}

/// Records a session's outcome and agreement text.
pub async fn record(store: &Store, actor: &Actor, step: Step, r: SessionResult) -> Outcome {
    let text = r
        .agreement_text
        .as_deref()
        .map(|t| validate::text(t, 1, 4000).map_err(|m| AppError::bad_input("input.agreementText", m)))
        .transpose()?;
    match r.outcome {
        SessionOutcome::Agreement if text.is_none() => {
            return Err(AppError::bad_input(
                "input.agreementText",
                "an agreement needs its text",
            ))
        }
        SessionOutcome::Pending | SessionOutcome::Escalated => {
            return Err(AppError::bad_input(
                "input.outcome",
                "record AGREEMENT or NO_AGREEMENT; escalate with escalateMediation",
            ))
        }
        _ => {}
    }
    let input = r.clone();
    apply(
        store,
        actor,
        Action::RecordSession,
        step,
        &input,
        move |txn, c| {
            Box::pin(async move {
                let s = session_of(txn, c.id, r.session_id).await?;
                // A session is held at its time: an outcome an hour or more before it is a mistake.
                if super::now() + chrono::Duration::hours(1) < s.scheduled_at {
                    return Err(AppError::bad_input(
                        "input.sessionId",
                        format!(
                            "the session is scheduled for {}; record its outcome once it has been held",
                            s.scheduled_at.format("%Y-%m-%d %H:%M UTC")
                        ),
                    ));
                }
                if s.outcome != SessionOutcome::Pending {
                    return Err(AppError::Conflict {
                        field: Some("input.sessionId".into()),
                        message: "this session's outcome is already recorded".into(),
                    });
                }
                let mut m: mediation_session::ActiveModel = s.into();
                m.outcome = Set(r.outcome);
                m.agreement_text = Set(text);
                m.held_at = Set(Some(super::now()));
                m.updated_at = Set(super::now());
                m.update(txn).await?;
                let label = if r.outcome == SessionOutcome::Agreement {
                    "达成协议"
                } else {
                    "未达成协议"
                };
                Ok(Effect {
                    note: Some(label.into()),
                    ..Default::default()
                })
            })
        },
    )
    .await
}

/// Moves mediation up a level to `room`, which must sit above the current room's level;
/// a pending session there is marked ESCALATED.
pub async fn escalate(store: &Store, actor: &Actor, step: Step, room: Uuid) -> Outcome {
    super::workflow::permit(actor, Action::EscalateMediation)?;
    let target = super::get::<mediation_room::Entity, _>(&store.db, actor, room)
        .await
        .map_err(|e| super::unit::not_found_as_input(e, "input.roomId", "no such mediation room"))?;
    apply(
        store,
        actor,
        Action::EscalateMediation,
        step,
        &room,
        move |txn, c| {
            Box::pin(async move {
                let current = match c.room_id {
                    Some(r) => mediation_room::Entity::find_by_id(r).one(txn).await?,
                    None => None,
                };
                if let Some(cur) = &current {
                    if rank(target.level) <= rank(cur.level) {
                        return Err(AppError::bad_input(
                            "input.roomId",
                            "escalate to a room of a higher level",
                        ));
                    }
                }
                let pending = mediation_session::Entity::find()
                    .filter(mediation_session::Column::CaseId.eq(c.id))
                    .filter(mediation_session::Column::Outcome.eq(SessionOutcome::Pending))
                    .order_by_desc(mediation_session::Column::ScheduledAt)
                    .all(txn)
                    .await?;
                for s in pending {
                    let mut m: mediation_session::ActiveModel = s.into();
                    m.outcome = Set(SessionOutcome::Escalated);
                    m.updated_at = Set(super::now());
                    m.update(txn).await?;
                }
                let from = current.map(|r| r.name).unwrap_or_default();
                Ok(Effect {
                    set: vec![(case::Column::RoomId, Some(room).into())],
                    note: Some(format!("{from} → {}", target.name)),
                    ..Default::default()
                })
            })
        },
    )
    .await
}

/// Marks an agreement as judicially confirmed.
pub async fn confirm(store: &Store, actor: &Actor, step: Step, session: Uuid) -> Outcome {
    apply(
        store,
        actor,
        Action::ConfirmJudicially,
        step,
        &session,
        move |txn, c| {
            Box::pin(async move {
                let s = session_of(txn, c.id, session).await?;
                if s.outcome != SessionOutcome::Agreement {
                    return Err(AppError::bad_input(
                        "input.sessionId",
                        "only an agreement can be confirmed",
                    ));
                }
                let mut m: mediation_session::ActiveModel = s.into();
                m.judicial_confirmed = Set(true);
                m.updated_at = Set(super::now());
                m.update(txn).await?;
                Ok(Effect {
                    note: Some("司法确认".into()),
                    ..Default::default()
                })
            })
        },
    )
    .await
}
