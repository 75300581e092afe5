//! Relay's global object identification: every record a client may refetch implements `Node`,
//! and `node(id:)` / `nodes(ids:)` fetch any of them by id alone, through each type's scope.
//!
//! Ids stay the UUIDs they are. They are UUIDv7 drawn for every record of every table, so an
//! id names one record of one type already, which is all Relay asks of a global id; existing
//! clients, stored ids and the platforms that hold our ids keep working. `node` looks the id
//! up in every type at once (one batched, scoped read per type).

use async_graphql::{Context, Interface, Object, ID};
use futures_util::future::join_all;
use uuid::Uuid;

use super::{
    case::types::Case,
    enterprise::types::Enterprise,
    grid::types::Grid,
    loader,
    mediation_room::types::MediationRoom,
    mediator::types::Mediator,
    platform::{DuplicateLink, OutboxEvent, Platform},
    report_code::ReportCode,
    unit::types::Unit,
    volunteer::types::Volunteer,
    volunteer_team::types::VolunteerTeam,
};
use crate::error::AppError;

/// A record with an id that `node(id:)` refetches (Relay's Node interface).
// Variants hold the records as they are (one per answer); boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "Opaque id, unique across every type (a UUID): `node(id:)` refetches the record by it alone."
))]
pub enum Node {
    /// A case.
    Case(Case),
    /// An enterprise.
    Enterprise(Enterprise),
    /// A volunteer.
    Volunteer(Volunteer),
    /// A volunteer team.
    VolunteerTeam(VolunteerTeam),
    /// A grid.
    Grid(Grid),
    /// A unit.
    Unit(Unit),
    /// A mediation room.
    MediationRoom(MediationRoom),
    /// A mediator.
    Mediator(Mediator),
    /// A report code.
    ReportCode(ReportCode),
    /// An integrated platform.
    Platform(Platform),
    /// A likely-duplicate link.
    DuplicateLink(DuplicateLink),
    /// An outbound delivery.
    OutboxEvent(OutboxEvent),
}

/// Most ids one `nodes` call takes.
const MAX_IDS: usize = 100;

/// The record with `id` that the caller may see, of whichever type.
async fn find(ctx: &Context<'_>, id: Uuid) -> async_graphql::Result<Option<Node>> {
    use entity::*;
    let (c, e, v, t, g) = futures_util::join!(
        loader::one::<case::Entity>(ctx, Some(id)),
        loader::one::<enterprise::Entity>(ctx, Some(id)),
        loader::one::<volunteer::Entity>(ctx, Some(id)),
        loader::one::<volunteer_team::Entity>(ctx, Some(id)),
        loader::one::<grid::Entity>(ctx, Some(id)),
    );
    let (u, r, m, rc, p, d, o) = futures_util::join!(
        loader::one::<unit::Entity>(ctx, Some(id)),
        loader::one::<mediation_room::Entity>(ctx, Some(id)),
        loader::one::<mediator::Entity>(ctx, Some(id)),
        loader::one::<report_code::Entity>(ctx, Some(id)),
        loader::one::<platform::Entity>(ctx, Some(id)),
        loader::one::<duplicate_link::Entity>(ctx, Some(id)),
        loader::one::<outbox_event::Entity>(ctx, Some(id)),
    );
    Ok(c?
        .map(|x| Node::Case(Case(x)))
        .or(e?.map(|x| Node::Enterprise(Enterprise(x))))
        .or(v?.map(|x| Node::Volunteer(Volunteer(x))))
        .or(t?.map(|x| Node::VolunteerTeam(VolunteerTeam(x))))
        .or(g?.map(|x| Node::Grid(Grid(x))))
        .or(u?.map(|x| Node::Unit(Unit(x))))
        .or(r?.map(|x| Node::MediationRoom(MediationRoom(x))))
        .or(m?.map(|x| Node::Mediator(Mediator(x))))
        .or(rc?.map(|x| Node::ReportCode(ReportCode(x))))
        .or(p?.map(|x| Node::Platform(Platform(x))))
        .or(d?.map(|x| Node::DuplicateLink(DuplicateLink(x))))
        .or(o?.map(|x| Node::OutboxEvent(OutboxEvent(x)))))
}

/// `node` and `nodes`.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any record by its id (Relay refetching): null with NOT_FOUND when it does not exist or
    /// is outside your scope, exactly as the type's own lookup answers.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's id, as any `id` field answered it.")] id: ID,
    ) -> async_graphql::Result<Option<Node>> {
        let uuid = super::lookup_id(&id)?;
        match find(ctx, uuid).await? {
            Some(n) => Ok(Some(n)),
            None => Err(AppError::NotFound.into()),
        }
    }

    /// Records by id, in the order asked (at most 100): each one you may not see (or that does
    /// not exist) is null, with a NOT_FOUND error at its index.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Ids, as `id` fields answered them (1–100).")] ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > MAX_IDS {
            return Err(AppError::bad_input("ids", format!("at most {MAX_IDS} ids")).into());
        }
        let found = join_all(ids.iter().map(|id| async move {
            match uuid::Uuid::parse_str(id.as_str()) {
                Ok(u) => find(ctx, u).await,
                Err(_) => Ok(None),
            }
        }))
        .await;
        let mut out = Vec::with_capacity(found.len());
        for (i, f) in found.into_iter().enumerate() {
            let f = f?;
            if f.is_none() {
                let err = async_graphql::Error::from(AppError::NotFound).into_server_error(ctx.item.pos);
                let mut err = ctx.set_error_path(err);
                err.path.push(async_graphql::PathSegment::Index(i));
                ctx.add_error(err);
            }
            out.push(f);
        }
        Ok(out)
    }
}
