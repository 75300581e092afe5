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
    t: &Target,
    reason: &str,
) -> AppResult<()> {
    let reason = validate::text(reason, 2, 200).map_err(|m| AppError::bad_input("reason", m))?;
    let allowed = may_reveal(actor, t);
    let (outcome, code) = if allowed {
        ("OK", None)
    } else {
        ("DENIED", Some("FORBIDDEN"))
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
