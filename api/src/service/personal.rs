//! Personal data (PIPL): who may see a whole value, and the audit of every reveal.

use uuid::Uuid;

use super::audit::{self, Action, Entry};
use crate::{
    auth::{Actor, Role},
    error::{AppError, AppResult},
    request::RequestInfo,
    validate,
};

/// Whose data it is, which decides who may reveal it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// Reporter or party of a case: name, phone, address.
    CasePerson,
    /// A resident ID number of a party or volunteer.
    ResidentId,
    /// A volunteer's name and phone.
    Volunteer,
    /// An enterprise contact's name and phone.
    EnterpriseContact,
    /// A mediator's phone.
    Mediator,
}

/// The roles whose work needs whole values of `category` (the object is already in their scope).
pub fn roles_for(category: Category) -> &'static [Role] {
    match category {
        Category::CasePerson => &[
            Role::Commander,
            Role::CommunityPolice,
            Role::GridWorker,
            Role::Mediator,
            Role::DepartmentStaff,
        ],
        Category::ResidentId => &[Role::Commander, Role::CommunityPolice, Role::Mediator],
        Category::Volunteer => &[
            Role::Commander,
            Role::Admin,
            Role::GridWorker,
            Role::CommunityPolice,
            Role::Volunteer,
        ],
        Category::EnterpriseContact => &[
            Role::Commander,
            Role::Admin,
            Role::GridWorker,
            Role::CommunityPolice,
            Role::EnterpriseLiaison,
        ],
        Category::Mediator => &[
            Role::Commander,
            Role::Admin,
            Role::GridWorker,
            Role::CommunityPolice,
            Role::Mediator,
            Role::Volunteer,
            Role::EnterpriseLiaison,
            Role::DepartmentStaff,
        ],
    }
}

/// One personal value's place: which object and field, and whose it is.
#[derive(Clone, Debug)]
pub struct Target {
    /// GraphQL type of the object, e.g. `Case`.
    pub object_type: &'static str,
    /// Its id.
    pub object_id: Uuid,
    /// Field name, e.g. `reporterPhone`.
    pub field: &'static str,
    /// Category.
    pub category: Category,
    /// The subject the data belongs to (a reporter sees their own data whole).
    pub owner_subject: Option<String>,
}

/// How many whole personal values one actor may reveal, so one request (or a script) cannot
/// unmask a page of phone numbers. Refusals are `RATE_LIMITED` and audited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RevealBudget {
    /// In one request (`FENGQIAO_REVEAL_PER_REQUEST`, default 5).
    pub per_request: u32,
    /// In any hour, counted from the audit log, so across instances and restarts
    /// (`FENGQIAO_REVEAL_PER_HOUR`, default 100).
    pub per_hour: u32,
}

impl Default for RevealBudget {
    fn default() -> Self {
        RevealBudget {
            per_request: 5,
            per_hour: 100,
        }
    }
}

/// True when `actor` may reveal the value at `t`.
pub fn may_reveal(actor: &Actor, t: &Target) -> bool {
    if actor.is_anonymous() {
        return false;
    }
    let own = matches!((&actor.subject, &t.owner_subject), (Some(a), Some(b)) if a == b);
    own || roles_for(t.category).contains(&actor.role)
}

/// Checks the reason and the permission and writes the audit record; `Ok` means the caller
/// may return the whole value.
pub async fn reveal<C: sea_orm::ConnectionTrait>(
    db: &C,
    actor: &Actor,
    req: &RequestInfo,
    budget: RevealBudget,
    t: &Target,
    reason: &str,
) -> AppResult<()> {
    let reason = validate::text(reason, 2, 200).map_err(|m| AppError::bad_input("reason", m))?;
    let allowed = may_reveal(actor, t);
    let over = if allowed {
        over_budget(db, actor, req, budget).await?
    } else {
        None
    };
    let (outcome, code) = match (allowed, over) {
        (false, _) => ("DENIED", Some(crate::error::code::FORBIDDEN)),
        (true, Some(_)) => ("REJECTED", Some(crate::error::code::RATE_LIMITED)),
        (true, None) => ("OK", None),
    };
    audit::record(
        db,
        actor,
        req,
        Entry {
            operation: "reveal",
            action: Action::Reveal,
            object_type: Some(t.object_type),
            object_id: Some(t.object_id),
            field: Some(t.field),
            reason: Some(&reason),
            outcome,
            error_code: code,
        },
    )
    .await?;
    if let Some(retry_after_secs) = over {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    if allowed {
        Ok(())
    } else {
        Err(AppError::forbidden(format!(
            "role {} may not reveal {}.{}",
            actor.role.as_str(),
            t.object_type,
            t.field
        )))
    }
}

/// `Some(seconds to wait)` when one more reveal would exceed `budget`: in this request, or in
/// the last hour (the actor's successful reveals of earlier requests in the audit log, plus
/// this request's, which run concurrently and may not be written yet).
async fn over_budget<C: sea_orm::ConnectionTrait>(
    db: &C,
    actor: &Actor,
    req: &RequestInfo,
    budget: RevealBudget,
) -> AppResult<Option<u64>> {
    use entity::audit_event;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let in_request = req.count_reveal();
    if in_request > budget.per_request {
        // A new request may reveal again (within the hour's budget).
        return Ok(Some(1));
    }
    let Some(subject) = &actor.subject else {
        return Ok(Some(3600));
    };
    let since = super::now() - chrono::Duration::hours(1);
    let recent = audit_event::Entity::find()
        .filter(audit_event::Column::ActorSubject.eq(subject.as_str()))
        .filter(audit_event::Column::At.gte(since))
        .filter(audit_event::Column::Action.eq(super::audit::Action::Reveal.as_str()))
        .filter(audit_event::Column::Outcome.eq("OK"))
        .filter(audit_event::Column::RequestId.ne(req.request_id.as_str()))
        .count(db)
        .await?;
    Ok((recent + u64::from(in_request) > u64::from(budget.per_hour)).then_some(3600))
}
