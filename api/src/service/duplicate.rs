//! Likely duplicates: the same event reported through several platforms (a 110 call, a
//! 12345 ticket and a grid worker's report of one fight). A new synced case is compared with
//! recent cases of the same kind near the same place and time; each likely pair is linked for
//! a person to confirm or dismiss. Nothing is ever merged silently.

use chrono::{DateTime, Duration, Utc};
use entity::{case, duplicate_link, enums::DuplicateStatus};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::{get, require_role, Scoped};
use crate::{
    auth::{Actor, Role},
    db::begin_write,
    error::{AppError, AppResult},
};

/// How far apart in time two reports of one event may be.
pub const WINDOW_MINUTES: i64 = 120;
/// How far apart in metres two reports of one event may be (when both carry coordinates).
pub const RADIUS_METRES: f64 = 500.0;
/// Most candidates linked for one case.
const MAX_LINKS: u64 = 10;

impl Scoped for duplicate_link::Entity {
    const ID: duplicate_link::Column = duplicate_link::Column::Id;
    /// A link is visible with the newer case it hangs on.
    async fn scope<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Condition> {
        Ok(Condition::all()
            .add(super::in_visible::<case::Entity, C>(db, actor, duplicate_link::Column::CaseId).await?))
    }
}

/// Great-circle distance in metres.
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let r = 6_371_000.0_f64;
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().asin()
}

fn when(c: &case::Model) -> DateTime<Utc> {
    c.occurred_at.unwrap_or(c.created_at)
}

/// Links `new` to earlier cases that look like the same event; returns the linked case ids.
pub async fn link_candidates<C: ConnectionTrait>(db: &C, new: &case::Model) -> AppResult<Vec<Uuid>> {
    let t = when(new);
    let w = Duration::minutes(WINDOW_MINUTES);
    let mut q = case::Entity::find()
        .filter(case::Column::Id.ne(new.id))
        .filter(case::Column::Kind.eq(new.kind))
        .filter(
            Condition::any()
                .add(case::Column::OccurredAt.between(t - w, t + w))
                .add(
                    Condition::all()
                        .add(case::Column::OccurredAt.is_null())
                        .add(case::Column::CreatedAt.between(t - w, t + w)),
                ),
        );
    let place = match (new.latitude, new.longitude, new.grid_id) {
        (Some(lat), Some(lon), _) => {
            // A box around the point in SQL; the exact circle below.
            let dlat = RADIUS_METRES / 111_000.0;
            let dlon = dlat / lat.to_radians().cos().max(0.1);
            q = q
                .filter(case::Column::Latitude.between(lat - dlat, lat + dlat))
                .filter(case::Column::Longitude.between(lon - dlon, lon + dlon));
            Some((lat, lon))
        }
        (_, _, Some(g)) => {
            q = q.filter(case::Column::GridId.eq(g));
            None
        }
        // Neither place nor grid: too little to call anything a duplicate.
        _ => return Ok(Vec::new()),
    };
    let rows = q
        .order_by_desc(case::Column::CreatedAt)
        .limit(MAX_LINKS * 3)
        .all(db)
        .await?;
    let now = super::now();
    let mut linked = Vec::new();
    for other in rows {
        let metres = match (place, other.latitude, other.longitude) {
            (Some(p), Some(lat), Some(lon)) => {
                let d = distance_m(p, (lat, lon));
                if d > RADIUS_METRES {
                    continue;
                }
                Some(d)
            }
            _ => None,
        };
        let minutes = (when(&other) - t).num_minutes().abs();
        let reason = match metres {
            Some(d) => format!("same kind, {:.0} m and {minutes} min apart", d),
            None => format!("same kind, same grid, {minutes} min apart"),
        };
        duplicate_link::ActiveModel {
            id: Set(super::new_id()),
            case_id: Set(new.id),
            other_case_id: Set(other.id),
            reason: Set(reason),
            status: Set(DuplicateStatus::Pending),
            decided_by: Set(None),
            decided_at: Set(None),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
        linked.push(other.id);
        if linked.len() as u64 >= MAX_LINKS {
            break;
        }
    }
    Ok(linked)
}

/// Links of many cases (for the `Case.duplicateLinks` loader; the cases are already visible).
pub async fn of_cases<C: ConnectionTrait>(
    db: &C,
    _actor: &Actor,
    ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, Vec<duplicate_link::Model>>> {
    let rows = duplicate_link::Entity::find()
        .filter(
            Condition::any()
                .add(duplicate_link::Column::CaseId.is_in(ids.iter().copied()))
                .add(duplicate_link::Column::OtherCaseId.is_in(ids.iter().copied())),
        )
        .order_by_asc(duplicate_link::Column::Id)
        .all(db)
        .await?;
    let mut out: std::collections::HashMap<Uuid, Vec<duplicate_link::Model>> = Default::default();
    for r in rows {
        for k in [r.case_id, r.other_case_id] {
            if ids.contains(&k) {
                out.entry(k).or_default().push(r.clone());
            }
        }
    }
    Ok(out)
}

/// Pending links in the actor's scope, oldest first.
pub async fn pending<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    limit: u64,
) -> AppResult<Vec<duplicate_link::Model>> {
    require_role(actor, DECIDERS, "review duplicates")?;
    Ok(super::visible::<duplicate_link::Entity, _>(db, actor)
        .await?
        .filter(duplicate_link::Column::Status.eq(DuplicateStatus::Pending))
        .order_by_asc(duplicate_link::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

const DECIDERS: &[Role] = &[Role::Commander, Role::CommunityPolice, Role::Admin];

/// Confirms (the same event) or dismisses (different events) a link. Confirming records the
/// decision; both cases stay, so nothing a platform sent is lost.
pub async fn decide(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    same_event: bool,
) -> AppResult<duplicate_link::Model> {
    require_role(actor, DECIDERS, "decide on a duplicate")?;
    let txn = begin_write(db).await?;
    let link = get::<duplicate_link::Entity, _>(&txn, actor, id).await?;
    if link.status != DuplicateStatus::Pending {
        return Err(AppError::Conflict {
            field: Some("input.id".into()),
            message: "this link was already decided".into(),
        });
    }
    let mut am = link.into_active_model();
    am.status = Set(if same_event {
        DuplicateStatus::Confirmed
    } else {
        DuplicateStatus::Dismissed
    });
    am.decided_by = Set(actor.subject.clone());
    am.decided_at = Set(Some(super::now()));
    let m = am.update(&txn).await?;
    txn.commit().await?;
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::distance_m;

    #[test]
    fn distance_is_plausible() {
        // Two points in Hangzhou about 1.1 km apart north-south.
        let d = distance_m((30.27, 120.15), (30.28, 120.15));
        assert!((1100.0..1125.0).contains(&d), "{d}");
        assert!(distance_m((30.27, 120.15), (30.27, 120.15)) < 0.001);
    }
}
