//! The deadline policy per risk colour, kind and category, managed by administrators.

use entity::{
    deadline_policy,
    enums::{CaseCategory, CaseKind, RiskColour},
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::{
    auth::{Actor, Role},
    db::begin_write,
    error::{AppError, AppResult},
};

/// All policies, most general first.
pub async fn list<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Vec<deadline_policy::Model>> {
    if actor.is_anonymous() {
        return Err(AppError::Unauthenticated(
            "sign in to read deadline policies".into(),
        ));
    }
    Ok(deadline_policy::Entity::find()
        .order_by_asc(deadline_policy::Column::RiskColour)
        .order_by_asc(deadline_policy::Column::Kind)
        .order_by_asc(deadline_policy::Column::Category)
        .all(db)
        .await?)
}

/// A policy to set.
#[derive(Clone, Debug)]
pub struct NewPolicy {
    /// Risk colour.
    pub colour: RiskColour,
    /// Narrow to a kind.
    pub kind: Option<CaseKind>,
    /// Narrow to a category.
    pub category: Option<CaseCategory>,
    /// Minutes to the first response.
    pub first_response_minutes: i32,
    /// Minutes to resolution.
    pub resolution_minutes: i32,
    /// What it is for.
    pub note: Option<String>,
}

/// Sets (creates or replaces) the deadlines for a colour, optionally narrowed to a kind and a category.
pub async fn set(db: &DatabaseConnection, actor: &Actor, p: NewPolicy) -> AppResult<deadline_policy::Model> {
    let NewPolicy {
        colour,
        kind,
        category,
        first_response_minutes,
        resolution_minutes,
        note,
    } = p;
    super::require_district(actor, &[Role::Admin, Role::Commander], "set deadline policies")?;
    if !(1..=60 * 24 * 30).contains(&first_response_minutes) {
        return Err(AppError::bad_input(
            "input.firstResponseMinutes",
            "between 1 minute and 30 days",
        ));
    }
    if !(first_response_minutes..=60 * 24 * 365).contains(&resolution_minutes) {
        return Err(AppError::bad_input(
            "input.resolutionMinutes",
            "at least the first-response time and at most a year",
        ));
    }
    let note = super::unit::opt_text("input.note", note.as_deref(), 200)?;
    let (c, k, cat) = (
        colour.to_value(),
        kind.map(|k| k.to_value()).unwrap_or_else(|| "*".into()),
        category.map(|c| c.to_value()).unwrap_or_else(|| "*".into()),
    );
    let txn = begin_write(db).await?;
    let existing = deadline_policy::Entity::find()
        .filter(deadline_policy::Column::RiskColour.eq(c.as_str()))
        .filter(deadline_policy::Column::Kind.eq(k.as_str()))
        .filter(deadline_policy::Column::Category.eq(cat.as_str()))
        .one(&txn)
        .await?;
    let m = match existing {
        Some(p) => {
            let mut am: deadline_policy::ActiveModel = p.into();
            am.first_response_minutes = Set(first_response_minutes);
            am.resolution_minutes = Set(resolution_minutes);
            am.note = Set(note);
            am.update(&txn).await?
        }
        None => {
            deadline_policy::ActiveModel {
                id: Set(super::new_id()),
                risk_colour: Set(c),
                kind: Set(k),
                category: Set(cat),
                first_response_minutes: Set(first_response_minutes),
                resolution_minutes: Set(resolution_minutes),
                note: Set(note),
            }
            .insert(&txn)
            .await?
        }
    };
    txn.commit().await?;
    Ok(m)
}
