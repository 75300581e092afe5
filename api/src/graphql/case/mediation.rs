//! Mediation and volunteer tasks on a case.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::{
    types::VolunteerTask,
    workflow::{payload, CaseStepInput, CaseStepPayload},
};
use crate::{
    graphql::{actor, enums::*, parse_id, parse_ids, store},
    service::{
        mediation::{self, NewSession, SessionResult},
        volunteer_task::{self, Move},
    },
};

/// A mediation session to schedule in the case's room.
#[derive(InputObject)]
pub struct ScheduleMediationSessionInput {
    /// Case, version, note and idempotency key.
    pub step: CaseStepInput,
    /// When it is held.
    pub scheduled_at: DateTime<Utc>,
    /// Mediators taking part (active, of the case's room); pick by language with `mediators(filter: {language})`.
    pub mediator_ids: Vec<ID>,
}

/// A session's outcome.
#[derive(InputObject)]
pub struct RecordMediationOutcomeInput {
    /// Case, version, note and idempotency key.
    pub step: CaseStepInput,
    /// The session.
    pub session_id: ID,
    /// AGREEMENT (with `agreementText`) or NO_AGREEMENT; escalation is `escalateMediation`.
    pub outcome: RecordedOutcome,
    /// The agreement's text (required with AGREEMENT).
    pub agreement_text: Option<String>,
}

/// Escalation to a room of a higher level.
#[derive(InputObject)]
pub struct EscalateMediationInput {
    /// Case, version, note and idempotency key.
    pub step: CaseStepInput,
    /// The higher-level room (street or district).
    pub room_id: ID,
}

/// Judicial confirmation of an agreement.
#[derive(InputObject)]
pub struct ConfirmAgreementInput {
    /// Case, version, note and idempotency key.
    pub step: CaseStepInput,
    /// The session whose agreement a court confirmed.
    pub session_id: ID,
}

/// Volunteers tasked on a case.
#[derive(InputObject)]
pub struct AssignVolunteersInput {
    /// Case, version, note and idempotency key.
    pub step: CaseStepInput,
    /// The team.
    pub team_id: ID,
    /// Named members of the team; empty tasks the team as a whole.
    pub volunteer_ids: Option<Vec<ID>>,
    /// Rescue, patrol, mediation help or other.
    pub kind: VolunteerTaskKind,
}

/// A volunteer's move on a task.
#[derive(InputObject)]
pub struct VolunteerTaskInput {
    /// The task.
    pub task_id: ID,
    /// Latitude of the check-in place (check-in only).
    pub latitude: Option<f64>,
    /// Longitude of the check-in place (check-in only).
    pub longitude: Option<f64>,
}

/// A task after a volunteer's move.
#[derive(SimpleObject)]
pub struct VolunteerTaskPayload {
    /// The task.
    pub task: VolunteerTask,
}

/// Mediation and volunteer steps.
#[derive(Default)]
pub struct MediationMutation;

/// Mediation and volunteer steps.
#[Object]
impl MediationMutation {
    /// Schedules a session in the case's room with chosen mediators.
    async fn schedule_mediation_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: ScheduleMediationSessionInput,
    ) -> async_graphql::Result<CaseStepPayload> {
        let s = NewSession {
            scheduled_at: input.scheduled_at,
            mediator_ids: parse_ids("input.mediatorIds", &input.mediator_ids)?,
        };
        Ok(payload(
            mediation::schedule(store(ctx)?, actor(ctx)?, input.step.step()?, s).await?,
        ))
    }

    /// Records a session's outcome and agreement text; resolve the case with resolveCase.
    async fn record_mediation_outcome(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: RecordMediationOutcomeInput,
    ) -> async_graphql::Result<CaseStepPayload> {
        let r = SessionResult {
            session_id: parse_id("input.sessionId", &input.session_id)?,
            outcome: input.outcome.into(),
            agreement_text: input.agreement_text,
        };
        Ok(payload(
            mediation::record(store(ctx)?, actor(ctx)?, input.step.step()?, r).await?,
        ))
    }

    /// Escalates mediation to a room of a higher level (ordinary → larger → major).
    async fn escalate_mediation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: EscalateMediationInput,
    ) -> async_graphql::Result<CaseStepPayload> {
        let room = parse_id("input.roomId", &input.room_id)?;
        Ok(payload(
            mediation::escalate(store(ctx)?, actor(ctx)?, input.step.step()?, room).await?,
        ))
    }

    /// Marks an agreement as confirmed by a court (司法确认).
    async fn confirm_agreement_judicially(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: ConfirmAgreementInput,
    ) -> async_graphql::Result<CaseStepPayload> {
        let session = parse_id("input.sessionId", &input.session_id)?;
        Ok(payload(
            mediation::confirm(store(ctx)?, actor(ctx)?, input.step.step()?, session).await?,
        ))
    }

    /// Tasks a volunteer team, or named members of it, on the case.
    async fn assign_volunteers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: AssignVolunteersInput,
    ) -> async_graphql::Result<CaseStepPayload> {
        let team = parse_id("input.teamId", &input.team_id)?;
        let people = parse_ids("input.volunteerIds", &input.volunteer_ids.unwrap_or_default())?;
        Ok(payload(
            volunteer_task::assign(
                store(ctx)?,
                actor(ctx)?,
                input.step.step()?,
                team,
                people,
                input.kind.into(),
            )
            .await?,
        ))
    }

    /// A volunteer takes a task.
    async fn accept_volunteer_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: VolunteerTaskInput,
    ) -> async_graphql::Result<VolunteerTaskPayload> {
        task(ctx, input, |_| Move::Accept).await
    }

    /// A volunteer declines a task.
    async fn decline_volunteer_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: VolunteerTaskInput,
    ) -> async_graphql::Result<VolunteerTaskPayload> {
        task(ctx, input, |_| Move::Decline).await
    }

    /// A volunteer arrives; the time and place are recorded.
    async fn check_in_volunteer_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: VolunteerTaskInput,
    ) -> async_graphql::Result<VolunteerTaskPayload> {
        let (Some(latitude), Some(longitude)) = (input.latitude, input.longitude) else {
            return Err(crate::error::AppError::bad_input(
                "input.latitude",
                "check-in needs latitude and longitude",
            )
            .into());
        };
        task(ctx, input, |_| Move::CheckIn { latitude, longitude }).await
    }

    /// A volunteer leaves; the minutes since check-in add to their service time.
    async fn check_out_volunteer_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: VolunteerTaskInput,
    ) -> async_graphql::Result<VolunteerTaskPayload> {
        task(ctx, input, |_| Move::CheckOut).await
    }
}

async fn task(
    ctx: &Context<'_>,
    input: VolunteerTaskInput,
    mv: impl FnOnce(&VolunteerTaskInput) -> Move,
) -> async_graphql::Result<VolunteerTaskPayload> {
    let id = parse_id("input.taskId", &input.task_id)?;
    let m = volunteer_task::act(store(ctx)?, actor(ctx)?, id, mv(&input)).await?;
    Ok(VolunteerTaskPayload {
        task: VolunteerTask(m),
    })
}
