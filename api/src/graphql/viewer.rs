//! `viewer`: who the API thinks the caller is.

use async_graphql::{Context, Object, SimpleObject, ID};

use crate::auth::Role;

/// The caller as the API sees them.
#[derive(SimpleObject)]
pub struct Viewer {
    /// Role from the token, or ANONYMOUS.
    pub role: Role,
    /// Token subject; null when anonymous.
    pub subject: Option<String>,
    /// Grid roots in scope.
    pub grid_ids: Vec<ID>,
    /// Own unit.
    pub unit_id: Option<ID>,
    /// Own enterprise.
    pub enterprise_id: Option<ID>,
    /// Own mediation room.
    pub room_id: Option<ID>,
    /// Own volunteer team.
    pub team_id: Option<ID>,
    /// Own platform.
    pub platform_id: Option<ID>,
}

/// Root fields about the caller.
#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// The caller's role and scope, as read from the bearer token.
    async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<Viewer> {
        let a = super::actor(ctx)?;
        let s = &a.scope;
        Ok(Viewer {
            role: a.role,
            subject: a.subject.clone(),
            grid_ids: s.grids.iter().map(|g| super::id(*g)).collect(),
            unit_id: s.unit.map(super::id),
            enterprise_id: s.enterprise.map(super::id),
            room_id: s.room.map(super::id),
            team_id: s.team.map(super::id),
            platform_id: s.platform.map(super::id),
        })
    }
}
