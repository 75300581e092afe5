//! Mediation room loaders.

use std::collections::HashMap;

use entity::mediator;
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::{auth::Actor, children_loader, error::AppResult, service};

async fn mediators<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<mediator::Model>>> {
    let q = service::visible::<mediator::Entity, C>(db, actor)
        .await?
        .filter(mediator::Column::Active.eq(true))
        .order_by_asc(mediator::Column::Name);
    service::group_by_parent(db, q, mediator::Column::RoomId, ids).await
}

children_loader!(RoomMediators, mediator::Model, mediators);
