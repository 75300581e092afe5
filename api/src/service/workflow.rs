//! The closed loop (全量闭环) as one state machine, written down once.
//!
//! reported → assessed → dispatched → in handling → (mediating) → resolved | unresolved →
//! fed back → followed up → closed, with the returns the work really takes: a unit rejects
//! a dispatch (back to assessed when no unit is left), a case reopens (back to in handling).
//! Every transition checks the role, the case's scope and the version the client saw, writes
//! its timeline entry in the same transaction, and may carry an idempotency key.

use chrono::{DateTime, Duration, Utc};
use entity::{
    case, case_assignment, case_timeline_entry, deadline_policy,
    enums::{
        AssignmentStatus, CaseCategory, CaseKind, CaseStatus, FollowUpMethod, RiskColour, Severity,
        TimelineKind, UnitKind,
    },
    follow_up, mediation_room, unit,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::{
    get, idempotency,
    journal::{self, Entry, Journal, Opened, Store},
    require_role,
};
use crate::{
    auth::{Actor, Role},
    error::{AppError, AppResult},
    validate,
};

/// A step of the loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Kind, severity, colour and deadlines (评估赋色).
    Assess,
    /// To one or several units, one leading (推送流转).
    Dispatch,
    /// A non-police incident to the town governance centre (非警务警情分流).
    Divert,
    /// A unit accepts its assignment; the case is in handling.
    Accept,
    /// A unit rejects its assignment with a reason; with no unit left the case returns to assessed.
    Reject,
    /// A unit hands its assignment to another unit or department.
    Transfer,
    /// First handling starts without a dispatch (e.g. the grid worker on the spot).
    StartHandling,
    /// A dispute goes to a mediation room.
    ReferToMediation,
    /// Resolved, with a note.
    Resolve,
    /// Not resolved, with a reason.
    MarkUnresolved,
    /// The result is told to the reporter and the source platform (处结反馈).
    FeedBack,
    /// A follow-up visit with its three ratings (回访).
    FollowUp,
    /// Closed, after a follow-up or with a recorded reason for none.
    Close,
    /// Reopened: back to handling.
    Reopen,
    /// A mediation session is scheduled with its mediators.
    ScheduleSession,
    /// A session's outcome (agreement, no agreement) and agreement text are recorded.
    RecordSession,
    /// Mediation moves up a level (ordinary → larger → major) to another room.
    EscalateMediation,
    /// An agreement is marked as confirmed by a court (司法确认).
    ConfirmJudicially,
    /// Volunteers or a team are tasked on the case.
    AssignVolunteers,
    /// The case moves to another community grid (out of the triage queue, or misplaced).
    Place,
    /// An enterprise case consultation (涉企案件会商) with its participants and conclusion.
    Consult,
}

/// One rule of the state machine.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// The step.
    pub action: Action,
    /// Statuses it may start from.
    pub from: &'static [CaseStatus],
    /// Status it ends in (`None`: the status does not change, e.g. a transfer).
    pub to: Option<CaseStatus>,
    /// Roles that may take it.
    pub roles: &'static [Role],
    /// Timeline entry written.
    pub timeline: TimelineKind,
}

use CaseStatus as S;
const HANDLERS: &[Role] = &[
    Role::Commander,
    Role::CommunityPolice,
    Role::GridWorker,
    Role::DepartmentStaff,
    Role::Mediator,
];

/// The state machine, once.
pub const RULES: &[Rule] = &[
    Rule {
        action: Action::Assess,
        from: &[S::Reported, S::Assessed],
        to: Some(S::Assessed),
        roles: &[Role::Commander, Role::CommunityPolice, Role::GridWorker],
        timeline: TimelineKind::Assessed,
    },
    Rule {
        action: Action::Dispatch,
        from: &[S::Assessed, S::Dispatched],
        to: Some(S::Dispatched),
        roles: &[Role::Commander, Role::CommunityPolice],
        timeline: TimelineKind::Dispatched,
    },
    Rule {
        action: Action::Divert,
        from: &[S::Reported, S::Assessed],
        to: Some(S::Dispatched),
        roles: &[Role::Commander, Role::CommunityPolice],
        timeline: TimelineKind::Transferred,
    },
    Rule {
        action: Action::Accept,
        from: &[S::Dispatched, S::InHandling],
        to: Some(S::InHandling),
        roles: &[Role::Commander, Role::CommunityPolice, Role::DepartmentStaff],
        timeline: TimelineKind::Accepted,
    },
    Rule {
        action: Action::Reject,
        from: &[S::Dispatched],
        to: None,
        roles: &[Role::Commander, Role::CommunityPolice, Role::DepartmentStaff],
        timeline: TimelineKind::Rejected,
    },
    Rule {
        action: Action::Transfer,
        from: &[S::Dispatched, S::InHandling],
        to: None,
        roles: &[Role::Commander, Role::CommunityPolice, Role::DepartmentStaff],
        timeline: TimelineKind::Transferred,
    },
    Rule {
        action: Action::StartHandling,
        from: &[S::Assessed, S::Dispatched],
        to: Some(S::InHandling),
        roles: &[Role::Commander, Role::CommunityPolice, Role::GridWorker],
        timeline: TimelineKind::Handling,
    },
    Rule {
        action: Action::ReferToMediation,
        from: &[S::Assessed, S::InHandling],
        to: Some(S::Mediating),
        roles: &[Role::Commander, Role::CommunityPolice, Role::GridWorker],
        timeline: TimelineKind::MediationReferred,
    },
    Rule {
        action: Action::Resolve,
        from: &[S::InHandling, S::Mediating],
        to: Some(S::Resolved),
        roles: HANDLERS,
        timeline: TimelineKind::Resolved,
    },
    Rule {
        action: Action::MarkUnresolved,
        from: &[S::InHandling, S::Mediating],
        to: Some(S::Unresolved),
        roles: HANDLERS,
        timeline: TimelineKind::Unresolved,
    },
    Rule {
        action: Action::FeedBack,
        from: &[S::Resolved, S::Unresolved],
        to: Some(S::FedBack),
        roles: &[Role::Commander, Role::CommunityPolice, Role::GridWorker],
        timeline: TimelineKind::FedBack,
    },
    Rule {
        action: Action::FollowUp,
        from: &[S::FedBack],
        to: Some(S::FollowedUp),
        roles: &[Role::Commander, Role::CommunityPolice, Role::GridWorker],
        timeline: TimelineKind::FollowedUp,
    },
    Rule {
        action: Action::Close,
        from: &[S::FollowedUp, S::FedBack],
        to: Some(S::Closed),
        roles: &[Role::Commander, Role::CommunityPolice],
        timeline: TimelineKind::Closed,
    },
    Rule {
        action: Action::ScheduleSession,
        from: &[S::Mediating],
        to: None,
        roles: &[Role::Mediator, Role::Commander, Role::CommunityPolice],
        timeline: TimelineKind::MediationSession,
    },
    Rule {
        action: Action::RecordSession,
        from: &[S::Mediating],
        to: None,
        roles: &[Role::Mediator, Role::Commander],
        timeline: TimelineKind::MediationSession,
    },
    Rule {
        action: Action::EscalateMediation,
        from: &[S::Mediating],
        to: None,
        roles: &[Role::Mediator, Role::Commander, Role::CommunityPolice],
        timeline: TimelineKind::MediationEscalated,
    },
    Rule {
        action: Action::ConfirmJudicially,
        from: &[S::Mediating, S::Resolved, S::FedBack, S::FollowedUp, S::Closed],
        to: None,
        roles: &[Role::Mediator, Role::Commander],
        timeline: TimelineKind::Note,
    },
    Rule {
        action: Action::AssignVolunteers,
        from: &[S::Dispatched, S::InHandling, S::Mediating],
        to: None,
        roles: &[Role::Commander, Role::CommunityPolice, Role::GridWorker],
        timeline: TimelineKind::VolunteersAssigned,
    },
    Rule {
        action: Action::Place,
        from: &[
            S::Reported,
            S::Assessed,
            S::Dispatched,
            S::InHandling,
            S::Mediating,
            S::Resolved,
            S::Unresolved,
            S::FedBack,
            S::FollowedUp,
        ],
        to: None,
        roles: &[Role::Commander, Role::CommunityPolice],
        timeline: TimelineKind::Placed,
    },
    Rule {
        action: Action::Consult,
        from: &[S::Assessed, S::Dispatched, S::InHandling, S::Mediating],
        to: None,
        roles: &[Role::Commander, Role::CommunityPolice],
        timeline: TimelineKind::Consultation,
    },
    Rule {
        action: Action::Reopen,
        from: &[S::Resolved, S::Unresolved, S::FedBack, S::FollowedUp, S::Closed],
        to: Some(S::InHandling),
        roles: &[Role::Commander],
        timeline: TimelineKind::Reopened,
    },
];

/// The rule of `action`.
pub fn rule(action: Action) -> AppResult<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.action == action)
        .ok_or_else(|| AppError::Internal(format!("no workflow rule for {action:?}")))
}

/// What every transition carries from the client.
#[derive(Clone, Debug)]
pub struct Step {
    /// The case.
    pub case_id: Uuid,
    /// The version the client saw.
    pub version: i32,
    /// A note for the timeline.
    pub note: Option<String>,
    /// Retry key: a retry with the same key and input returns the first answer.
    pub idempotency_key: Option<String>,
}

impl Action {
    /// The GraphQL mutation that takes this step (also the operation an idempotency key binds).
    pub fn name(self) -> &'static str {
        match self {
            Action::Assess => "assessCase",
            Action::Dispatch => "dispatchCase",
            Action::Divert => "divertCase",
            Action::Accept => "acceptAssignment",
            Action::Reject => "rejectAssignment",
            Action::Transfer => "transferAssignment",
            Action::StartHandling => "startHandling",
            Action::ReferToMediation => "referCaseToMediation",
            Action::Resolve => "resolveCase",
            Action::MarkUnresolved => "markCaseUnresolved",
            Action::FeedBack => "feedBackCase",
            Action::FollowUp => "recordFollowUp",
            Action::Close => "closeCase",
            Action::Reopen => "reopenCase",
            Action::ScheduleSession => "scheduleMediationSession",
            Action::RecordSession => "recordMediationOutcome",
            Action::EscalateMediation => "escalateMediation",
            Action::ConfirmJudicially => "confirmAgreementJudicially",
            Action::AssignVolunteers => "assignVolunteers",
            Action::Place => "placeCase",
            Action::Consult => "recordConsultation",
        }
    }
}

/// The outcome of a transition: the case after it.
pub type Outcome = AppResult<case::Model>;

/// Refuses unless `actor`'s role may take `action`. [`apply`] checks it first; steps that
/// resolve ids of their input before [`apply`] call it before resolving them, so a role that
/// may not take the step learns nothing about those ids.
pub fn permit(actor: &Actor, action: Action) -> AppResult<()> {
    require_role(actor, rule(action)?.roles, action.name())
}

/// Runs `action` on the case of `step` through the case journal: role, scope, status and
/// version checks, the action's own work (`work`, inside the transaction), then the status
/// change with a version bump, the timeline entry, the events and the idempotency record —
/// all in one transaction. `input` is the action's own input; with the step's note and
/// version it is what an idempotency key binds.
pub async fn apply<I, F>(
    store: &Store,
    actor: &Actor,
    action: Action,
    step: Step,
    input: &I,
    work: F,
) -> Outcome
where
    I: serde::Serialize,
    F: for<'t> FnOnce(
        &'t DatabaseTransaction,
        &'t case::Model,
    ) -> futures_util::future::BoxFuture<'t, AppResult<Effect>>,
{
    let r = rule(action)?;
    permit(actor, action)?;
    let note = super::unit::opt_text("input.note", step.note.as_deref(), 2000)?;
    let key = idempotency::Request::of(
        actor,
        step.idempotency_key.as_deref(),
        action.name(),
        Some(step.case_id),
        &(step.version, &note, input),
    )?;
    let mut j = match Journal::open(store, key).await? {
        Opened::Fresh(j) => j,
        Opened::Replayed(first) => return journal::replayed_case(&store.db, actor, first).await,
    };
    let current = get::<case::Entity, _>(j.txn(), actor, step.case_id).await?;
    // A room that escalated a case still reads it (its own sessions); only the case's
    // current room mediates it.
    if actor.role == Role::Mediator && current.room_id != actor.scope.room {
        return Err(AppError::forbidden(
            "the case has moved to another mediation room; only that room's mediators act on it",
        ));
    }
    if current.version != step.version {
        return Err(AppError::Conflict {
            field: Some("input.version".into()),
            message: format!(
                "the case changed (version {} now, {} sent); reload it",
                current.version, step.version
            ),
        });
    }
    if !r.from.contains(&current.status) {
        return Err(AppError::Conflict {
            field: None,
            message: format!("cannot {} a case that is {:?}", action.name(), current.status),
        });
    }
    let effect = work(j.txn(), &current).await?;
    let to = effect.status.or(r.to).unwrap_or(current.status);
    let now = super::now();
    let mut set = effect.set;
    if current.first_response_at.is_none()
        && matches!(
            action,
            Action::Accept | Action::StartHandling | Action::Dispatch | Action::Divert
        )
    {
        set.push((case::Column::FirstResponseAt, Some(now).into()));
    }
    match to {
        S::Resolved | S::Unresolved => set.push((case::Column::ResolvedAt, Some(now).into())),
        S::Closed => set.push((case::Column::ClosedAt, Some(now).into())),
        S::InHandling if action == Action::Reopen => {
            set.push((case::Column::ResolvedAt, Option::<DateTime<Utc>>::None.into()));
            set.push((case::Column::ClosedAt, Option::<DateTime<Utc>>::None.into()));
        }
        _ => {}
    }
    let text = match (note, effect.note) {
        (Some(a), Some(b)) => Some(format!("{b}\n{a}")),
        (a, b) => a.or(b),
    };
    let after = j
        .record(
            actor,
            &current,
            Entry {
                status: Some(to),
                set,
                note: text,
                unit: effect.unit,
                expected_version: Some(step.version),
                ..Entry::new(r.timeline)
            },
        )
        .await?;
    j.commit(&after).await?;
    Ok(after)
}

/// What an action's own work decided, applied by [`apply`].
#[derive(Default)]
pub struct Effect {
    /// A status other than the rule's (e.g. a rejection that leaves no unit returns to assessed).
    pub status: Option<CaseStatus>,
    /// Further columns to set on the case.
    pub set: Vec<(case::Column, sea_orm::Value)>,
    /// A unit named on the timeline entry.
    pub unit: Option<Uuid>,
    /// Text added to the timeline note.
    pub note: Option<String>,
}

/// The deadlines for a case assessed as `colour`, `kind`, `category` at `from`: the most
/// specific policy wins (category over kind over colour alone).
pub async fn deadlines<C: ConnectionTrait>(
    db: &C,
    colour: RiskColour,
    kind: CaseKind,
    category: Option<CaseCategory>,
    from: DateTime<Utc>,
) -> AppResult<(Option<DateTime<Utc>>, Option<DateTime<Utc>>)> {
    use sea_orm::ActiveEnum;
    let colour_s = colour.to_value();
    let kind_s = kind.to_value();
    let cat_s = category.map(|c| c.to_value()).unwrap_or_else(|| "*".into());
    let rows = deadline_policy::Entity::find()
        .filter(deadline_policy::Column::RiskColour.eq(colour_s))
        .filter(deadline_policy::Column::Kind.is_in([kind_s.clone(), "*".into()]))
        .filter(deadline_policy::Column::Category.is_in([cat_s.clone(), "*".into()]))
        .all(db)
        .await?;
    let best = rows
        .into_iter()
        .max_by_key(|p| (p.category != "*") as u8 * 2 + (p.kind != "*") as u8);
    Ok(match best {
        Some(p) => (
            Some(from + Duration::minutes(i64::from(p.first_response_minutes))),
            Some(from + Duration::minutes(i64::from(p.resolution_minutes))),
        ),
        None => (None, None),
    })
}

/// Input of `assessCase`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Assessment {
    /// Kind.
    pub kind: CaseKind,
    /// Category.
    pub category: Option<CaseCategory>,
    /// Severity.
    pub severity: Severity,
    /// Risk colour.
    pub risk_colour: RiskColour,
}

/// Assesses a case and sets its deadlines from the policy.
pub async fn assess(store: &Store, actor: &Actor, step: Step, a: Assessment) -> Outcome {
    apply(store, actor, Action::Assess, step, &a.clone(), move |txn, c| {
        Box::pin(async move {
            let from = std::cmp::min(c.occurred_at.unwrap_or(c.created_at), c.created_at);
            let (first, resolve) =
                deadlines(txn, a.risk_colour, a.kind, a.category.or(c.category), from).await?;
            Ok(Effect {
                set: vec![
                    (case::Column::Kind, a.kind.into()),
                    (case::Column::Category, a.category.or(c.category).into()),
                    (case::Column::Severity, Some(a.severity).into()),
                    (case::Column::RiskColour, Some(a.risk_colour).into()),
                    (case::Column::FirstResponseDue, first.into()),
                    (case::Column::ResolutionDue, resolve.into()),
                ],
                note: Some(format!("{:?} / {:?} / {:?}", a.risk_colour, a.severity, a.kind)),
                ..Default::default()
            })
        })
    })
    .await
}

/// Dispatches to `units` (at least one, at most 10), the first leading.
pub async fn dispatch(store: &Store, actor: &Actor, step: Step, units: Vec<Uuid>, lead: Uuid) -> Outcome {
    let mut units = units;
    units.dedup();
    if units.is_empty() || units.len() > 10 {
        return Err(AppError::bad_input("input.unitIds", "name 1 to 10 units"));
    }
    if !units.contains(&lead) {
        return Err(AppError::bad_input(
            "input.leadUnitId",
            "the lead unit must be one of unitIds",
        ));
    }
    permit(actor, Action::Dispatch)?;
    let found = super::by_ids::<unit::Entity, _>(&store.db, actor, &units).await?;
    if let Some(i) = units.iter().position(|u| !found.contains_key(u)) {
        return Err(AppError::not_found_at(
            format!("input.unitIds[{i}]"),
            "no such unit",
        ));
    }
    if let Some(i) = units.iter().position(|u| found.get(u).is_some_and(|m| !m.active)) {
        return Err(AppError::bad_input(
            format!("input.unitIds[{i}]"),
            "this unit is deactivated",
        ));
    }
    let names: Vec<String> = units
        .iter()
        .filter_map(|u| found.get(u))
        .map(|u| u.name.clone())
        .collect();
    let subject = actor.subject.clone();
    let input = (units.clone(), lead);
    apply(store, actor, Action::Dispatch, step, &input, move |txn, c| {
        Box::pin(async move {
            assign(txn, c.id, &units, Some(lead), subject.as_deref()).await?;
            Ok(Effect {
                unit: Some(lead),
                note: Some(format!("→ {}", names.join("、"))),
                ..Default::default()
            })
        })
    })
    .await
}

async fn assign(
    txn: &DatabaseTransaction,
    case_id: Uuid,
    units: &[Uuid],
    lead: Option<Uuid>,
    by: Option<&str>,
) -> AppResult<()> {
    let now = super::now();
    for u in units {
        case_assignment::ActiveModel {
            id: Set(super::new_id()),
            case_id: Set(case_id),
            unit_id: Set(*u),
            lead: Set(Some(*u) == lead),
            status: Set(AssignmentStatus::Pending),
            reason: Set(None),
            assigned_by: Set(by.map(str::to_owned)),
            assigned_at: Set(now),
            responded_at: Set(None),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// Moves the case to community grid `grid` (one of the actor's jurisdiction): out of the
/// triage queue, or away from a grid it was misplaced in. The case may leave the sight of
/// the grid's former workers; its timeline keeps both grids.
pub async fn place(store: &Store, actor: &Actor, step: Step, grid: Uuid) -> Outcome {
    permit(actor, Action::Place)?;
    let g =
        super::writable::<entity::grid::Entity, _>(&store.db, actor, grid, "input.gridId", "no such grid")
            .await?;
    if g.kind != entity::enums::GridKind::Community {
        return Err(AppError::bad_input(
            "input.gridId",
            "place cases in community grids; police grids see them through their coverage",
        ));
    }
    apply(store, actor, Action::Place, step, &grid, move |_txn, c| {
        Box::pin(async move {
            if c.grid_id == Some(g.id) {
                return Err(AppError::bad_input(
                    "input.gridId",
                    "the case is in this grid already",
                ));
            }
            Ok(Effect {
                set: vec![
                    (case::Column::GridId, Some(g.id).into()),
                    (
                        case::Column::Placement,
                        Some(entity::enums::Placement::Manual).into(),
                    ),
                ],
                note: Some(format!("→ {} {}", g.code, g.name)),
                ..Default::default()
            })
        })
    })
    .await
}

/// An enterprise case consultation to record.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Consultation {
    /// When it was held (not in the future).
    pub held_at: DateTime<Utc>,
    /// Names of the people who took part (1 to 30).
    pub participants: Vec<String>,
    /// Units that took part (0 to 20), resolved through the actor's scope.
    pub unit_ids: Vec<Uuid>,
    /// The conclusion.
    pub conclusion: entity::enums::ConsultationConclusion,
    /// Its reasoning.
    pub conclusion_text: Option<String>,
}

/// Records an enterprise case consultation (涉企案件会商): a step of its own on the timeline,
/// with its participants, units and conclusion from the fixed list.
pub async fn consult(store: &Store, actor: &Actor, step: Step, k: Consultation) -> Outcome {
    permit(actor, Action::Consult)?;
    if k.held_at > Utc::now() + Duration::minutes(5) {
        return Err(AppError::bad_input("input.heldAt", "must not be in the future"));
    }
    if k.participants.is_empty() || k.participants.len() > 30 {
        return Err(AppError::bad_input(
            "input.participants",
            "name 1 to 30 participants",
        ));
    }
    let mut participants = Vec::with_capacity(k.participants.len());
    for (i, p) in k.participants.iter().enumerate() {
        participants.push(
            validate::text(p, 1, 64)
                .map_err(|m| AppError::bad_input(format!("input.participants[{i}]"), m))?,
        );
    }
    if k.unit_ids.len() > 20 {
        return Err(AppError::bad_input("input.unitIds", "at most 20 units"));
    }
    let found = super::by_ids::<unit::Entity, _>(&store.db, actor, &k.unit_ids).await?;
    if let Some(i) = k.unit_ids.iter().position(|u| !found.contains_key(u)) {
        return Err(AppError::not_found_at(
            format!("input.unitIds[{i}]"),
            "no such unit",
        ));
    }
    let text = super::unit::opt_text("input.conclusionText", k.conclusion_text.as_deref(), 2000)?;
    let subject = actor.subject.clone();
    let input = k.clone();
    apply(store, actor, Action::Consult, step, &input, move |txn, c| {
        Box::pin(async move {
            let unit_ids =
                serde_json::to_string(&k.unit_ids).map_err(|e| AppError::Internal(e.to_string()))?;
            entity::case_consultation::ActiveModel {
                id: Set(super::new_id()),
                case_id: Set(c.id),
                held_at: Set(k.held_at),
                participants: Set(participants.join("\n")),
                unit_ids: Set(unit_ids),
                conclusion: Set(k.conclusion),
                conclusion_text: Set(text.clone()),
                recorded_by: Set(subject),
                created_at: Set(super::now()),
            }
            .insert(txn)
            .await?;
            Ok(Effect {
                unit: k.unit_ids.first().copied(),
                note: Some(format!(
                    "会商：{:?}{}",
                    k.conclusion,
                    text.map(|t| format!("，{t}")).unwrap_or_default()
                )),
                ..Default::default()
            })
        })
    })
    .await
}

/// How near a later report must be to count as the same place, in metres.
pub const SAME_PLACE_METRES: f64 = 200.0;

/// The earliest later report of the same kind (and category, when the case has one) at the
/// same place as `c`: within [`SAME_PLACE_METRES`] when both carry a position, otherwise at
/// the same address. What a follow-up records as a repeat complaint (story 5).
async fn repeat_report(txn: &DatabaseTransaction, c: &case::Model) -> AppResult<Option<Uuid>> {
    let mut q = case::Entity::find()
        .filter(case::Column::Id.ne(c.id))
        .filter(case::Column::Kind.eq(c.kind))
        .filter(case::Column::CreatedAt.gt(c.created_at))
        .order_by_asc(case::Column::CreatedAt)
        .order_by_asc(case::Column::Id);
    if let Some(cat) = c.category {
        q = q.filter(case::Column::Category.eq(cat));
    }
    match (c.latitude, c.longitude, c.address.as_deref()) {
        (Some(lat), Some(lng), _) => {
            // A box of about ±330 m first, then the exact distance.
            let d = 0.003;
            let near = q
                .filter(case::Column::Latitude.between(lat - d, lat + d))
                .filter(case::Column::Longitude.between(lng - d, lng + d))
                .all(txn)
                .await?;
            Ok(near
                .into_iter()
                .find(|o| {
                    o.latitude.zip(o.longitude).is_some_and(|(a, b)| {
                        use geo::Distance;
                        geo::Haversine.distance(geo::Point::new(lng, lat), geo::Point::new(b, a))
                            <= SAME_PLACE_METRES
                    })
                })
                .map(|o| o.id))
        }
        (_, _, Some(address)) => Ok(q
            .filter(case::Column::Address.eq(address))
            .one(txn)
            .await?
            .map(|o| o.id)),
        _ => Ok(None),
    }
}

/// Diverts a non-police incident to the governance centre `centre`.
pub async fn divert(store: &Store, actor: &Actor, step: Step, centre: Uuid) -> Outcome {
    permit(actor, Action::Divert)?;
    let u = super::get::<unit::Entity, _>(&store.db, actor, centre)
        .await
        .map_err(|e| super::unit::not_found_as_input(e, "input.unitId", "no such unit"))?;
    let subject = actor.subject.clone();
    apply(store, actor, Action::Divert, step, &centre, move |txn, c| {
        Box::pin(async move {
            if u.kind != UnitKind::GovernanceCentre {
                return Err(AppError::bad_input(
                    "input.unitId",
                    "divert to a governance centre (综治中心)",
                ));
            }
            assign(txn, c.id, &[centre], Some(centre), subject.as_deref()).await?;
            Ok(Effect {
                set: vec![(case::Column::Kind, CaseKind::NonPoliceIncident.into())],
                unit: Some(centre),
                note: Some(format!("非警务分流 → {}", u.name)),
                ..Default::default()
            })
        })
    })
    .await
}

/// The assignment `id` of the step's case, checked to belong to the actor's unit when the
/// actor is department staff.
async fn own_assignment(
    txn: &DatabaseTransaction,
    who: (Role, Option<Uuid>),
    case_id: Uuid,
    id: Uuid,
) -> AppResult<case_assignment::Model> {
    let a = case_assignment::Entity::find_by_id(id)
        .filter(case_assignment::Column::CaseId.eq(case_id))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::bad_input("input.assignmentId", "no such assignment on this case"))?;
    if who.0 == Role::DepartmentStaff && who.1 != Some(a.unit_id) {
        return Err(AppError::forbidden(
            "only the assigned unit answers its assignment",
        ));
    }
    if a.status != AssignmentStatus::Pending && a.status != AssignmentStatus::Accepted {
        return Err(AppError::Conflict {
            field: Some("input.assignmentId".into()),
            message: "this assignment was already answered".into(),
        });
    }
    Ok(a)
}

async fn set_assignment(
    txn: &DatabaseTransaction,
    a: &case_assignment::Model,
    status: AssignmentStatus,
    reason: Option<String>,
) -> AppResult<()> {
    let mut m: case_assignment::ActiveModel = a.clone().into();
    m.status = Set(status);
    m.reason = Set(reason);
    m.responded_at = Set(Some(super::now()));
    m.update(txn).await?;
    Ok(())
}

/// A unit accepts its assignment.
pub async fn accept(store: &Store, actor: &Actor, step: Step, assignment: Uuid) -> Outcome {
    let who = (actor.role, actor.scope.unit);
    apply(store, actor, Action::Accept, step, &assignment, move |txn, c| {
        Box::pin(async move {
            let a = own_assignment(txn, who, c.id, assignment).await?;
            if a.status != AssignmentStatus::Pending {
                return Err(AppError::Conflict {
                    field: Some("input.assignmentId".into()),
                    message: "already accepted".into(),
                });
            }
            set_assignment(txn, &a, AssignmentStatus::Accepted, None).await?;
            Ok(Effect {
                unit: Some(a.unit_id),
                ..Default::default()
            })
        })
    })
    .await
}

/// A unit rejects its assignment with a reason; with no unit left the case returns to assessed.
pub async fn reject(store: &Store, actor: &Actor, step: Step, assignment: Uuid, reason: String) -> Outcome {
    let reason = validate::text(&reason, 2, 500).map_err(|m| AppError::bad_input("input.reason", m))?;
    let who = (actor.role, actor.scope.unit);
    let input = (assignment, reason.clone());
    apply(store, actor, Action::Reject, step, &input, move |txn, c| {
        Box::pin(async move {
            let a = own_assignment(txn, who, c.id, assignment).await?;
            set_assignment(txn, &a, AssignmentStatus::Rejected, Some(reason.clone())).await?;
            let open = case_assignment::Entity::find()
                .filter(case_assignment::Column::CaseId.eq(c.id))
                .filter(
                    case_assignment::Column::Status
                        .is_in([AssignmentStatus::Pending, AssignmentStatus::Accepted]),
                )
                .count(txn)
                .await?;
            Ok(Effect {
                status: (open == 0).then_some(S::Assessed),
                unit: Some(a.unit_id),
                note: Some(reason),
                ..Default::default()
            })
        })
    })
    .await
}

/// A unit hands its assignment over to another unit.
pub async fn transfer(
    store: &Store,
    actor: &Actor,
    step: Step,
    assignment: Uuid,
    to: Uuid,
    reason: String,
) -> Outcome {
    let reason = validate::text(&reason, 2, 500).map_err(|m| AppError::bad_input("input.reason", m))?;
    permit(actor, Action::Transfer)?;
    super::get::<unit::Entity, _>(&store.db, actor, to)
        .await
        .map_err(|e| super::unit::not_found_as_input(e, "input.toUnitId", "no such unit"))?;
    let subject = actor.subject.clone();
    let who = (actor.role, actor.scope.unit);
    let input = (assignment, to, reason.clone());
    apply(store, actor, Action::Transfer, step, &input, move |txn, c| {
        Box::pin(async move {
            let a = own_assignment(txn, who, c.id, assignment).await?;
            if a.unit_id == to {
                return Err(AppError::bad_input("input.toUnitId", "transfer to another unit"));
            }
            set_assignment(txn, &a, AssignmentStatus::Transferred, Some(reason.clone())).await?;
            assign(txn, c.id, &[to], a.lead.then_some(to), subject.as_deref()).await?;
            Ok(Effect {
                status: Some(S::Dispatched),
                unit: Some(to),
                note: Some(reason),
                ..Default::default()
            })
        })
    })
    .await
}

/// Refers a dispute to a mediation room.
pub async fn refer_to_mediation(store: &Store, actor: &Actor, step: Step, room: Uuid) -> Outcome {
    permit(actor, Action::ReferToMediation)?;
    let r = super::get::<mediation_room::Entity, _>(&store.db, actor, room)
        .await
        .map_err(|e| super::unit::not_found_as_input(e, "input.roomId", "no such mediation room"))?;
    if !r.active {
        return Err(AppError::bad_input(
            "input.roomId",
            "this mediation room is closed",
        ));
    }
    apply(
        store,
        actor,
        Action::ReferToMediation,
        step,
        &room,
        move |_txn, _c| {
            Box::pin(async move {
                Ok(Effect {
                    set: vec![(case::Column::RoomId, Some(room).into())],
                    note: Some(format!("→ {}", r.name)),
                    ..Default::default()
                })
            })
        },
    )
    .await
}

/// A transition without work of its own (start handling, resolve, feed back, reopen).
pub async fn simple(store: &Store, actor: &Actor, action: Action, step: Step) -> Outcome {
    if matches!(action, Action::MarkUnresolved | Action::Reject | Action::Transfer)
        && step.note.as_deref().map(str::trim).unwrap_or("").is_empty()
    {
        return Err(AppError::bad_input("input.note", "give the reason"));
    }
    apply(store, actor, action, step, &(), |_, _| {
        Box::pin(async { Ok(Effect::default()) })
    })
    .await
}

/// Ratings of a follow-up visit.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Ratings {
    /// How it was made.
    pub method: FollowUpMethod,
    /// Response speed, 1–5.
    pub response_speed: i16,
    /// Attitude, 1–5.
    pub attitude: i16,
    /// Handling, 1–5.
    pub handling: i16,
    /// Satisfied.
    pub satisfied: bool,
    /// Comment.
    pub comment: Option<String>,
}

/// Records a follow-up visit.
pub async fn follow_up(store: &Store, actor: &Actor, step: Step, r: Ratings) -> Outcome {
    for (f, v) in [
        ("input.responseSpeed", r.response_speed),
        ("input.attitude", r.attitude),
        ("input.handling", r.handling),
    ] {
        if !(1..=5).contains(&v) {
            return Err(AppError::bad_input(f, "a rating is 1 to 5"));
        }
    }
    let comment = super::unit::opt_text("input.comment", r.comment.as_deref(), 1000)?;
    let visitor = actor.subject.clone();
    let input = r.clone();
    apply(store, actor, Action::FollowUp, step, &input, move |txn, c| {
        Box::pin(async move {
            let now = super::now();
            let repeat = repeat_report(txn, c).await?;
            follow_up::ActiveModel {
                id: Set(super::new_id()),
                case_id: Set(c.id),
                method: Set(r.method),
                visited_at: Set(now),
                visitor_subject: Set(visitor),
                repeat_case_id: Set(repeat),
                response_speed_rating: Set(r.response_speed),
                attitude_rating: Set(r.attitude),
                handling_rating: Set(r.handling),
                satisfied: Set(r.satisfied),
                comment: Set(comment),
                created_at: Set(now),
            }
            .insert(txn)
            .await?;
            Ok(Effect {
                note: Some(if r.satisfied {
                    "满意".into()
                } else {
                    "不满意".into()
                }),
                ..Default::default()
            })
        })
    })
    .await
}

/// Closes a case: after a follow-up, or from fed-back with a recorded reason for none.
pub async fn close(store: &Store, actor: &Actor, step: Step) -> Outcome {
    let needs_reason = step.note.as_deref().map(str::trim).unwrap_or("").is_empty();
    apply(store, actor, Action::Close, step, &(), move |_txn, c| {
        Box::pin(async move {
            if c.status == S::FedBack && needs_reason {
                return Err(AppError::bad_input(
                    "input.note",
                    "closing without a follow-up needs the reason",
                ));
            }
            Ok(Effect::default())
        })
    })
    .await
}

/// True when a deadline has passed without the step it guards.
pub fn overdue(c: &case::Model, now: DateTime<Utc>) -> bool {
    let open = !matches!(
        c.status,
        S::Resolved | S::Unresolved | S::FedBack | S::FollowedUp | S::Closed
    );
    let response_late = c.first_response_at.is_none() && c.first_response_due.is_some_and(|d| d < now);
    let resolution_late = open && c.resolution_due.is_some_and(|d| d < now);
    response_late || resolution_late
}

/// The condition behind `overdue`, for lists.
pub fn overdue_condition(now: DateTime<Utc>) -> sea_orm::Condition {
    use sea_orm::Condition;
    Condition::any()
        .add(
            Condition::all()
                .add(case::Column::FirstResponseAt.is_null())
                .add(case::Column::FirstResponseDue.lt(now)),
        )
        .add(
            Condition::all()
                .add(case::Column::ResolutionDue.lt(now))
                .add(case::Column::Status.is_not_in([
                    S::Resolved,
                    S::Unresolved,
                    S::FedBack,
                    S::FollowedUp,
                    S::Closed,
                ])),
        )
}

/// Timeline entries are ordered; used by tests and the public tracking page.
pub async fn timeline<C: ConnectionTrait>(
    db: &C,
    case_id: Uuid,
) -> AppResult<Vec<case_timeline_entry::Model>> {
    Ok(case_timeline_entry::Entity::find()
        .filter(case_timeline_entry::Column::CaseId.eq(case_id))
        .order_by_asc(case_timeline_entry::Column::Seq)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Action; 21] = [
        Action::Assess,
        Action::Dispatch,
        Action::Divert,
        Action::Accept,
        Action::Reject,
        Action::Transfer,
        Action::StartHandling,
        Action::ReferToMediation,
        Action::Resolve,
        Action::MarkUnresolved,
        Action::FeedBack,
        Action::FollowUp,
        Action::Close,
        Action::Reopen,
        Action::ScheduleSession,
        Action::RecordSession,
        Action::EscalateMediation,
        Action::ConfirmJudicially,
        Action::AssignVolunteers,
        Action::Place,
        Action::Consult,
    ];

    #[test]
    fn every_action_has_exactly_one_rule() {
        for a in ALL {
            assert_eq!(RULES.iter().filter(|r| r.action == a).count(), 1, "{a:?}");
        }
        assert_eq!(RULES.len(), ALL.len());
    }
}
