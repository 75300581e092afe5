//! The closed loop's mutations, and the state machine as data for front ends.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::types::Case;
use crate::{
    auth::Role,
    graphql::{actor, enums::*, parse_id, parse_ids, store},
    service::workflow::{self as wf, Action, Assessment, Ratings, Step, RULES},
};

/// The fields every step carries.
#[derive(InputObject)]
pub struct CaseStepInput {
    /// The case.
    pub case_id: ID,
    /// The `version` the client last saw; a stale one is CONFLICT.
    pub version: i32,
    /// A note for the timeline (required to mark a case unresolved, and to close without a follow-up).
    pub note: Option<String>,
    /// A key (8–100 characters) that makes the call safe to retry: a retry returns the first answer.
    pub idempotency_key: Option<String>,
}

impl CaseStepInput {
    /// The service's step.
    pub fn step(self) -> async_graphql::Result<Step> {
        Ok(Step {
            case_id: parse_id("input.caseId", &self.case_id)?,
            version: self.version,
            note: self.note,
            idempotency_key: self.idempotency_key,
        })
    }
}

/// Assessment of a case (评估赋色).
#[derive(InputObject)]
pub struct AssessCaseInput {
    /// Case, version, note and idempotency key.
    pub step: CaseStepInput,
    /// Kind.
    pub kind: CaseKind,
    /// Category (decides special deadline policies such as theft's 3-hour window).
    pub category: Option<CaseCategory>,
    /// Severity.
    pub severity: Severity,
    /// Risk colour.
    pub risk_colour: RiskColour,
}

/// Dispatch to one or several units in one action.
#[derive(InputObject)]
pub struct DispatchCaseInput {
    /// Case, version, note and idempotency key.
    pub step: CaseStepInput,
    /// Units (1–10).
    pub unit_ids: Vec<ID>,
    /// The leading unit, one of `unitIds`.
    pub lead_unit_id: ID,
}

/// An enterprise case consultation (涉企案件会商).
#[derive(InputObject)]
pub struct RecordConsultationInput {
    /// Case, version, note and idempotency key.
    pub step: CaseStepInput,
    /// When it was held (not in the future).
    pub held_at: DateTime<Utc>,
    /// Names of the people who took part (1–30, each 1–64 characters), e.g. the station's
    /// officer, the enterprise's representative, the market supervision official.
    pub participants: Vec<String>,
    /// Units that took part (0–20); each one you may read, else NOT_FOUND.
    pub unit_ids: Option<Vec<ID>>,
    /// The conclusion, from the fixed list.
    pub conclusion: ConsultationConclusion,
    /// The reasoning (up to 2000 characters), e.g. 货物系合同纠纷被扣押，不构成犯罪.
    pub conclusion_text: Option<String>,
}

/// A case's move to another grid.
#[derive(InputObject)]
pub struct PlaceCaseInput {
    /// Case, version, note and idempotency key.
    pub step: CaseStepInput,
    /// The community grid it belongs in; one of your jurisdiction, else NOT_FOUND.
    pub grid_id: ID,
}

/// Diversion of a non-police incident to a governance centre.
#[derive(InputObject)]
pub struct DivertCaseInput {
    /// Case, version, note and idempotency key.
    pub step: CaseStepInput,
    /// The town or street governance centre (综治中心).
    pub unit_id: ID,
}

/// A unit's answer to its assignment.
#[derive(InputObject)]
pub struct AssignmentAnswerInput {
    /// Case, version, note and idempotency key.
    pub step: CaseStepInput,
    /// The assignment.
    pub assignment_id: ID,
    /// Reason (required to reject).
    pub reason: Option<String>,
}

/// Transfer of an assignment to another unit.
#[derive(InputObject)]
pub struct TransferAssignmentInput {
    /// Case, version, note and idempotency key.
    pub step: CaseStepInput,
    /// The assignment handed over.
    pub assignment_id: ID,
    /// The receiving unit or department.
    pub to_unit_id: ID,
    /// Why.
    pub reason: String,
}

/// Referral of a dispute to a mediation room.
#[derive(InputObject)]
pub struct ReferToMediationInput {
    /// Case, version, note and idempotency key.
    pub step: CaseStepInput,
    /// The room.
    pub room_id: ID,
}

/// A follow-up visit (回访).
#[derive(InputObject)]
pub struct RecordFollowUpInput {
    /// Case, version, note and idempotency key.
    pub step: CaseStepInput,
    /// How the visit was made.
    pub method: FollowUpMethod,
    /// Response speed, 1–5 (出警速度).
    pub response_speed: i32,
    /// Attitude, 1–5 (处警态度).
    pub attitude: i32,
    /// Handling, 1–5 (处置情况).
    pub handling: i32,
    /// Satisfied or not.
    pub satisfied: bool,
    /// Comment.
    pub comment: Option<String>,
}

/// The case after a step.
#[derive(SimpleObject)]
pub struct CaseStepPayload {
    /// The case, with its new status, version and timeline.
    pub case: Case,
}

/// One rule of the state machine.
#[derive(SimpleObject)]
pub struct TransitionRule {
    /// The mutation that takes this step.
    pub mutation: String,
    /// Statuses it may start from.
    pub from: Vec<CaseStatus>,
    /// Status it ends in; null when the status does not change by rule.
    pub to: Option<CaseStatus>,
    /// Roles that may take it.
    pub roles: Vec<Role>,
}

/// The state machine as data.
#[derive(Default)]
pub struct CaseWorkflowQuery;

/// The state machine as data.
#[Object]
impl CaseWorkflowQuery {
    /// Every step of the closed loop: its mutation, the statuses it starts from, where it ends, and who may take it.
    async fn case_transitions(&self) -> Vec<TransitionRule> {
        RULES
            .iter()
            .map(|r| TransitionRule {
                mutation: r.action.name().to_owned(),
                from: r.from.iter().map(|s| (*s).into()).collect(),
                to: r.to.map(Into::into),
                roles: r.roles.to_vec(),
            })
            .collect()
    }
}

/// The answer to a committed step (its live event went out with the commit).
pub fn payload(m: entity::case::Model) -> CaseStepPayload {
    CaseStepPayload { case: Case(m) }
}

/// The closed loop's steps.
#[derive(Default)]
pub struct CaseWorkflowMutation;

/// The closed loop's steps.
#[Object]
impl CaseWorkflowMutation {
    /// Assesses kind, severity and risk colour and sets the deadlines from the policy.
    async fn assess_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: AssessCaseInput,
    ) -> async_graphql::Result<CaseStepPayload> {
        let a = Assessment {
            kind: input.kind.into(),
            category: input.category.map(Into::into),
            severity: input.severity.into(),
            risk_colour: input.risk_colour.into(),
        };
        Ok(payload(
            wf::assess(store(ctx)?, actor(ctx)?, input.step.step()?, a).await?,
        ))
    }

    /// Dispatches to one or several units in one action, one leading.
    async fn dispatch_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: DispatchCaseInput,
    ) -> async_graphql::Result<CaseStepPayload> {
        let units = parse_ids("input.unitIds", &input.unit_ids)?;
        let lead = parse_id("input.leadUnitId", &input.lead_unit_id)?;
        Ok(payload(
            wf::dispatch(store(ctx)?, actor(ctx)?, input.step.step()?, units, lead).await?,
        ))
    }

    /// Records an enterprise case consultation (涉企案件会商) on a case in work (commanders and
    /// community police): participants, units and a conclusion from the fixed list, on the
    /// timeline as CONSULTATION and in `Case.consultations`. The case's status does not change.
    async fn record_consultation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: RecordConsultationInput,
    ) -> async_graphql::Result<CaseStepPayload> {
        let units = parse_ids("input.unitIds", input.unit_ids.as_deref().unwrap_or_default())?;
        let k = wf::Consultation {
            held_at: input.held_at,
            participants: input.participants,
            unit_ids: units,
            conclusion: input.conclusion.into(),
            conclusion_text: input.conclusion_text,
        };
        Ok(payload(
            wf::consult(store(ctx)?, actor(ctx)?, input.step.step()?, k).await?,
        ))
    }

    /// Moves a case to another community grid of your jurisdiction (commanders and community
    /// police): a report in the triage queue (`placement: TRIAGE`), or one filed in the wrong
    /// grid. Its `placement` becomes MANUAL; the timeline records the move (PLACED).
    async fn place_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: PlaceCaseInput,
    ) -> async_graphql::Result<CaseStepPayload> {
        let grid = parse_id("input.gridId", &input.grid_id)?;
        Ok(payload(
            wf::place(store(ctx)?, actor(ctx)?, input.step.step()?, grid).await?,
        ))
    }

    /// Diverts a non-police incident to a governance centre (非警务警情分流).
    async fn divert_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: DivertCaseInput,
    ) -> async_graphql::Result<CaseStepPayload> {
        let unit = parse_id("input.unitId", &input.unit_id)?;
        Ok(payload(
            wf::divert(store(ctx)?, actor(ctx)?, input.step.step()?, unit).await?,
        ))
    }

    /// The assigned unit accepts; the case is in handling.
    async fn accept_assignment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: AssignmentAnswerInput,
    ) -> async_graphql::Result<CaseStepPayload> {
        let a = parse_id("input.assignmentId", &input.assignment_id)?;
        Ok(payload(
            wf::accept(store(ctx)?, actor(ctx)?, input.step.step()?, a).await?,
        ))
    }

    /// The assigned unit rejects with a reason; with no unit left the case returns to ASSESSED.
    async fn reject_assignment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: AssignmentAnswerInput,
    ) -> async_graphql::Result<CaseStepPayload> {
        let a = parse_id("input.assignmentId", &input.assignment_id)?;
        let reason = input.reason.unwrap_or_default();
        Ok(payload(
            wf::reject(store(ctx)?, actor(ctx)?, input.step.step()?, a, reason).await?,
        ))
    }

    /// Hands an assignment to another unit or department.
    async fn transfer_assignment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: TransferAssignmentInput,
    ) -> async_graphql::Result<CaseStepPayload> {
        let a = parse_id("input.assignmentId", &input.assignment_id)?;
        let to = parse_id("input.toUnitId", &input.to_unit_id)?;
        Ok(payload(
            wf::transfer(store(ctx)?, actor(ctx)?, input.step.step()?, a, to, input.reason).await?,
        ))
    }

    /// First handling starts without (or before) a unit's acceptance.
    async fn start_handling(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: CaseStepInput,
    ) -> async_graphql::Result<CaseStepPayload> {
        simple_step(ctx, Action::StartHandling, input).await
    }

    /// Refers a dispute to a mediation room.
    async fn refer_case_to_mediation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: ReferToMediationInput,
    ) -> async_graphql::Result<CaseStepPayload> {
        let room = parse_id("input.roomId", &input.room_id)?;
        Ok(payload(
            wf::refer_to_mediation(store(ctx)?, actor(ctx)?, input.step.step()?, room).await?,
        ))
    }

    /// Marks the case resolved.
    async fn resolve_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: CaseStepInput,
    ) -> async_graphql::Result<CaseStepPayload> {
        simple_step(ctx, Action::Resolve, input).await
    }

    /// Marks the case unresolved; the note gives the reason.
    async fn mark_case_unresolved(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: CaseStepInput,
    ) -> async_graphql::Result<CaseStepPayload> {
        simple_step(ctx, Action::MarkUnresolved, input).await
    }

    /// Records that the result was told to the reporter (处结反馈).
    async fn feed_back_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: CaseStepInput,
    ) -> async_graphql::Result<CaseStepPayload> {
        simple_step(ctx, Action::FeedBack, input).await
    }

    /// Records a follow-up visit with its three ratings.
    async fn record_follow_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: RecordFollowUpInput,
    ) -> async_graphql::Result<CaseStepPayload> {
        let rating = |v: i32| i16::try_from(v).unwrap_or(0);
        let r = Ratings {
            method: input.method.into(),
            response_speed: rating(input.response_speed),
            attitude: rating(input.attitude),
            handling: rating(input.handling),
            satisfied: input.satisfied,
            comment: input.comment,
        };
        Ok(payload(
            wf::follow_up(store(ctx)?, actor(ctx)?, input.step.step()?, r).await?,
        ))
    }

    /// Closes the case: after its follow-up, or with the reason for none in the note.
    async fn close_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: CaseStepInput,
    ) -> async_graphql::Result<CaseStepPayload> {
        Ok(payload(wf::close(store(ctx)?, actor(ctx)?, input.step()?).await?))
    }

    /// Reopens a resolved or closed case (back to handling).
    async fn reopen_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: CaseStepInput,
    ) -> async_graphql::Result<CaseStepPayload> {
        simple_step(ctx, Action::Reopen, input).await
    }
}

/// A step without work of its own, naming the action once.
async fn simple_step(
    ctx: &Context<'_>,
    action: Action,
    input: CaseStepInput,
) -> async_graphql::Result<CaseStepPayload> {
    Ok(payload(
        wf::simple(store(ctx)?, actor(ctx)?, action, input.step()?).await?,
    ))
}
