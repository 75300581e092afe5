//! Grid loaders: children and police-grid coverage.

use std::collections::HashMap;

use entity::grid;
use sea_orm::{ConnectionTrait, QueryOrder};
use uuid::Uuid;

use crate::{
    auth::Actor,
    children_loader,
    error::AppResult,
    service::{self, grid as svc},
};

async fn children<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<grid::Model>>> {
    let q = service::visible::<grid::Entity, C>(db, actor)
        .await?
        .order_by_asc(grid::Column::Code);
    service::group_by_parent(db, q, grid::Column::ParentId, ids).await
}

children_loader!(GridChildren, grid::Model, children);
children_loader!(GridCovers, grid::Model, svc::covered);
