//! Deadline policies and the due-follow-ups list.

use async_graphql::{Context, InputObject, Object, SimpleObject};

use super::{
    query as case_query,
    types::{CaseConnection, CaseSort},
};
use crate::{
    graphql::{actor, db, enums::*, page_args},
    service::{case::CaseFilter, deadline_policy as svc},
};

/// Deadlines for first response and resolution, for a risk colour and optionally a kind and category.
#[derive(SimpleObject)]
pub struct DeadlinePolicy {
    /// Risk colour.
    pub risk_colour: String,
    /// Kind, or `*` for any.
    pub kind: String,
    /// Category, or `*` for any.
    pub category: String,
    /// Minutes from the report to the first response.
    pub first_response_minutes: i32,
    /// Minutes from the report to resolution.
    pub resolution_minutes: i32,
    /// What the policy is for.
    pub note: Option<String>,
}

impl From<entity::deadline_policy::Model> for DeadlinePolicy {
    fn from(m: entity::deadline_policy::Model) -> Self {
        DeadlinePolicy {
            risk_colour: m.risk_colour,
            kind: m.kind,
            category: m.category,
            first_response_minutes: m.first_response_minutes,
            resolution_minutes: m.resolution_minutes,
            note: m.note,
        }
    }
}

/// Sets deadlines; the most specific policy wins when a case is assessed.
#[derive(InputObject)]
pub struct SetDeadlinePolicyInput {
    /// Risk colour.
    pub risk_colour: RiskColour,
    /// Narrow to a kind.
    pub kind: Option<CaseKind>,
    /// Narrow to a category (e.g. THEFT for the 3-hour rapid-solve window).
    pub category: Option<CaseCategory>,
    /// Minutes to the first response (1 minute to 30 days).
    pub first_response_minutes: i32,
    /// Minutes to resolution (at least the first-response time, at most a year).
    pub resolution_minutes: i32,
    /// What the policy is for.
    pub note: Option<String>,
}

/// Result of `setDeadlinePolicy`.
#[derive(SimpleObject)]
pub struct SetDeadlinePolicyPayload {
    /// The policy now in force.
    pub policy: DeadlinePolicy,
}

/// Deadline policies and due follow-ups.
#[derive(Default)]
pub struct PolicyQuery;

/// Deadline policies and due follow-ups.
#[Object]
impl PolicyQuery {
    /// The deadline policies in force.
    async fn deadline_policies(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<DeadlinePolicy>> {
        Ok(svc::list(db(ctx)?, actor(ctx)?)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Cases fed back to the reporter and waiting for their follow-up visit, oldest first.
    async fn due_follow_ups(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size going forwards.")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
    ) -> async_graphql::Result<CaseConnection> {
        let f = CaseFilter {
            statuses: vec![entity::enums::CaseStatus::FedBack],
            ..Default::default()
        };
        case_query::list(
            ctx,
            f,
            CaseSort::UpdatedAtAsc,
            page_args(first, after, None, None),
        )
        .await
    }
}

/// Deadline policy changes.
#[derive(Default)]
pub struct PolicyMutation;

/// Deadline policy changes.
#[Object]
impl PolicyMutation {
    /// Sets the deadlines for a colour (and optionally a kind and category); admins and commanders.
    async fn set_deadline_policy(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The input object.")] input: SetDeadlinePolicyInput,
    ) -> async_graphql::Result<SetDeadlinePolicyPayload> {
        let p = svc::NewPolicy {
            colour: input.risk_colour.into(),
            kind: input.kind.map(Into::into),
            category: input.category.map(Into::into),
            first_response_minutes: input.first_response_minutes,
            resolution_minutes: input.resolution_minutes,
            note: input.note,
        };
        let m = svc::set(db(ctx)?, actor(ctx)?, p).await?;
        Ok(SetDeadlinePolicyPayload { policy: m.into() })
    }
}
