//! Volunteers on a case: tasking a team or people, their answer, check-in and check-out
//! with time and place, and service hours that add up on the volunteer.

use entity::{
    case_volunteer_task,
    enums::{TimelineKind, VolunteerTaskKind, VolunteerTaskStatus},
    volunteer, volunteer_membership, volunteer_team,
};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

use super::{
    journal::{Entry, Journal, Opened, Store},
    unit::not_found_as_input,
    workflow::{apply, Action, Effect, Outcome, Step},
};
use crate::{
    auth::{Actor, Role},
    error::{AppError, AppResult},
    validate,
};

/// Tasks a team (and optionally named members of it) on the case.
pub async fn assign(
    store: &Store,
    actor: &Actor,
    step: Step,
    team: Uuid,
    volunteers: Vec<Uuid>,
    kind: VolunteerTaskKind,
) -> Outcome {
    let mut volunteers = volunteers;
    volunteers.sort();
    volunteers.dedup();
    if volunteers.len() > 50 {
        return Err(AppError::bad_input("input.volunteerIds", "at most 50 volunteers"));
    }
    super::workflow::permit(actor, Action::AssignVolunteers)?;
    // Volunteers carry personal data: only those the caller may read can be named.
    let t = super::get::<volunteer_team::Entity, _>(&store.db, actor, team)
        .await
        .map_err(|e| not_found_as_input(e, "input.teamId", "no such team"))?;
    if !t.active {
        return Err(AppError::bad_input("input.teamId", "this team is deactivated"));
    }
    let visible = super::by_ids::<volunteer::Entity, _>(&store.db, actor, &volunteers).await?;
    if let Some(i) = volunteers.iter().position(|v| !visible.contains_key(v)) {
        return Err(AppError::not_found_at(
            format!("input.volunteerIds[{i}]"),
            "no such volunteer",
        ));
    }
    // A registration still pending, or suspended, takes no task.
    if let Some(i) = volunteers.iter().position(|v| {
        visible
            .get(v)
            .is_some_and(|m| m.status != entity::enums::VolunteerStatus::Approved)
    }) {
        return Err(AppError::bad_input(
            format!("input.volunteerIds[{i}]"),
            "this volunteer's registration is not approved (pending or suspended)",
        ));
    }
    let input = (team, volunteers.clone(), kind);
    apply(
        store,
        actor,
        Action::AssignVolunteers,
        step,
        &input,
        move |txn, c| {
            Box::pin(async move {
                if !volunteers.is_empty() {
                    let members = volunteer_membership::Entity::find()
                        .filter(volunteer_membership::Column::TeamId.eq(team))
                        .filter(volunteer_membership::Column::VolunteerId.is_in(volunteers.clone()))
                        .all(txn)
                        .await?;
                    if members.len() != volunteers.len() {
                        return Err(AppError::bad_input(
                            "input.volunteerIds",
                            "every volunteer must belong to the team",
                        ));
                    }
                }
                let now = super::now();
                let who: Vec<Option<Uuid>> = if volunteers.is_empty() {
                    vec![None]
                } else {
                    volunteers.iter().copied().map(Some).collect()
                };
                for v in who {
                    case_volunteer_task::ActiveModel {
                        id: Set(super::new_id()),
                        case_id: Set(c.id),
                        team_id: Set(Some(team)),
                        volunteer_id: Set(v),
                        kind: Set(kind),
                        status: Set(VolunteerTaskStatus::Assigned),
                        checked_in_at: Set(None),
                        checked_out_at: Set(None),
                        check_in_latitude: Set(None),
                        check_in_longitude: Set(None),
                        minutes: Set(None),
                        created_at: Set(now),
                        updated_at: Set(now),
                    }
                    .insert(txn)
                    .await?;
                }
                Ok(Effect {
                    note: Some(format!("{} ({} 人)", t.name, volunteers.len())),
                    ..Default::default()
                })
            })
        },
    )
    .await
}

/// A volunteer's own task (theirs, or their team's with nobody named yet).
async fn own_task<C: sea_orm::ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
) -> AppResult<case_volunteer_task::Model> {
    super::require_role(actor, &[Role::Volunteer], "answer volunteer tasks")?;
    let t = case_volunteer_task::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let mine = t.volunteer_id.is_some() && t.volunteer_id == actor.scope.person;
    let team_open = t.volunteer_id.is_none() && t.team_id.is_some() && t.team_id == actor.scope.team;
    if mine || team_open {
        Ok(t)
    } else {
        Err(AppError::NotFound)
    }
}

/// What a volunteer does with a task.
#[derive(Clone, Copy, Debug)]
pub enum Move {
    /// Takes it.
    Accept,
    /// Declines it.
    Decline,
    /// Arrives, at a place.
    CheckIn {
        /// Latitude.
        latitude: f64,
        /// Longitude.
        longitude: f64,
    },
    /// Leaves; the minutes since check-in add to the volunteer's service time.
    CheckOut,
}

/// Moves a task on through the case journal (a `VOLUNTEER_TASK` step on the case's timeline
/// that subscribers hear; it leaves the case's version alone, so a commander's view does not
/// go stale); service minutes add up on the volunteer at check-out.
pub async fn act(
    store: &Store,
    actor: &Actor,
    task: Uuid,
    mv: Move,
) -> AppResult<case_volunteer_task::Model> {
    if let Move::CheckIn { latitude, longitude } = mv {
        validate::coordinates(Some(latitude), Some(longitude))
            .map_err(|(f, m)| AppError::bad_input(format!("input.{f}"), m))?;
    }
    let Opened::Fresh(mut j) = Journal::open(store, None).await? else {
        return Err(AppError::Internal("a journal without a key replayed".into()));
    };
    let t = own_task(j.txn(), actor, task).await?;
    use VolunteerTaskStatus as T;
    let next = match (mv, t.status) {
        (Move::Accept, T::Assigned) => T::Accepted,
        (Move::Decline, T::Assigned | T::Accepted) => T::Declined,
        (Move::CheckIn { .. }, T::Assigned | T::Accepted) => T::CheckedIn,
        (Move::CheckOut, T::CheckedIn) => T::CheckedOut,
        (_, s) => {
            return Err(AppError::Conflict {
                field: None,
                message: format!("the task is {s:?}; {mv:?} does not apply"),
            })
        }
    };
    let case = super::get::<entity::case::Entity, _>(j.txn(), actor, t.case_id).await?;
    let now = super::now();
    let mut m: case_volunteer_task::ActiveModel = t.clone().into();
    m.status = Set(next);
    m.updated_at = Set(now);
    if t.volunteer_id.is_none() {
        m.volunteer_id = Set(actor.scope.person);
    }
    let mut note = match mv {
        Move::Accept => "接受任务".to_owned(),
        Move::Decline => "拒绝任务".to_owned(),
        Move::CheckIn { .. } => "到场签到".to_owned(),
        Move::CheckOut => "完成签退".to_owned(),
    };
    match mv {
        Move::CheckIn { latitude, longitude } => {
            m.checked_in_at = Set(Some(now));
            m.check_in_latitude = Set(Some(latitude));
            m.check_in_longitude = Set(Some(longitude));
        }
        Move::CheckOut => {
            let minutes = t
                .checked_in_at
                .map(|i| std::cmp::max((now - i).num_minutes(), 1))
                .unwrap_or(0);
            note.push_str(&format!("（{minutes} 分钟）"));
            m.checked_out_at = Set(Some(now));
            m.minutes = Set(Some(minutes));
            if let Some(v) = t.volunteer_id.or(actor.scope.person) {
                volunteer::Entity::update_many()
                    .col_expr(
                        volunteer::Column::ServiceMinutes,
                        Expr::col(volunteer::Column::ServiceMinutes).add(minutes),
                    )
                    .col_expr(volunteer::Column::UpdatedAt, Expr::value(now))
                    .filter(volunteer::Column::Id.eq(v))
                    .exec(j.txn())
                    .await?;
            }
        }
        _ => {}
    }
    let out = m.update(j.txn()).await?;
    let after = j
        .record(
            actor,
            &case,
            Entry {
                note: Some(note),
                public: false,
                versioned: false,
                ..Entry::new(TimelineKind::VolunteerTask)
            },
        )
        .await?;
    j.commit(&after).await?;
    Ok(out)
}
