//! The GraphQL schema: one module per aggregate, thin resolvers over `service`.

pub mod audit;
pub mod case;
pub mod client;
pub mod connection;
pub mod date;
pub mod enterprise;
pub mod enums;
pub mod federation;
pub mod geojson;
pub mod grid;
pub mod import;
pub mod loader;
pub mod mask;
pub mod mediation_room;
pub mod mediator;
pub mod node;
pub mod order;
pub mod personal;
pub mod platform;
pub mod report_code;
pub mod statistics;
pub mod subscription;
pub mod unit;
pub mod viewer;
pub mod volunteer;
pub mod volunteer_team;

use std::sync::Arc;

use async_graphql::{Context, MergedObject, Schema, ID};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    auth::Actor,
    error::AppError,
    service::pagination::{PageArgs, PageLimits},
};

/// The root query type.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    viewer::ViewerQuery,
    audit::AuditQuery,
    client::ClientQuery,
    case::query::CaseQuery,
    case::workflow::CaseWorkflowQuery,
    case::policy::PolicyQuery,
    enterprise::query::EnterpriseQuery,
    grid::query::GridQuery,
    unit::query::UnitQuery,
    volunteer_team::query::VolunteerTeamQuery,
    volunteer::query::VolunteerQuery,
    mediation_room::query::MediationRoomQuery,
    mediator::query::MediatorQuery,
    report_code::ReportCodeQuery,
    federation::FederationQuery,
    platform::PlatformQuery,
    statistics::StatisticsQuery,
    node::NodeQuery,
);

/// The root mutation type.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    case::mutation::CaseMutation,
    case::attachment::AttachmentMutation,
    case::workflow::CaseWorkflowMutation,
    case::mediation::MediationMutation,
    case::policy::PolicyMutation,
    client::ClientMutation,
    enterprise::mutation::EnterpriseMutation,
    grid::mutation::GridMutation,
    unit::mutation::UnitMutation,
    volunteer_team::mutation::VolunteerTeamMutation,
    volunteer::mutation::VolunteerMutation,
    mediation_room::mutation::MediationRoomMutation,
    mediator::mutation::MediatorMutation,
    report_code::ReportCodeMutation,
    platform::PlatformMutation,
    import::ImportMutation,
);

/// The executable schema.
pub type AppSchema = Schema<QueryRoot, MutationRoot, subscription::SubscriptionRoot>;

/// Shared state resolvers read from the schema data.
#[derive(Clone)]
pub struct SchemaData {
    /// The pool.
    pub db: DatabaseConnection,
    /// Page size limits.
    pub limits: PageLimits,
    /// Registered clients (refreshed after changes).
    pub clients: std::sync::Arc<crate::service::client::ClientRegistry>,
    /// Live case events (sent by the case journal with its commits, heard by subscriptions).
    pub events: crate::events::EventBus,
    /// Where case changes go (the case journal).
    pub store: crate::service::journal::Store,
    /// Most records in one `syncRecords` batch.
    pub max_sync_records: usize,
    /// How many personal values an actor may reveal.
    pub reveal_budget: crate::service::personal::RevealBudget,
    /// Which hosts webhook URLs may name.
    pub egress: crate::config::EgressPolicy,
}

/// Builds the schema (also used by `export-schema`, with no live database needed).
pub fn build_schema(data: Option<SchemaData>, introspection: bool, suggestions: bool) -> AppSchema {
    let mut b = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        subscription::SubscriptionRoot,
    )
    .limit_recursive_depth(64)
    .enable_federation();
    if let Some(d) = data {
        b = b.data(d);
    }
    if !introspection {
        b = b.disable_introspection();
    }
    if !suggestions {
        b = b.disable_suggestions();
    }
    b.finish()
}

/// The sorted SDL that `schema.graphql` must equal.
pub fn sdl() -> String {
    build_schema(None, true, true).sdl_with_options(
        async_graphql::SDLExportOptions::new()
            .sorted_fields()
            .sorted_enum_items(),
    )
}

/// The pool from the schema data.
pub fn db<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a DatabaseConnection> {
    Ok(&ctx
        .data::<SchemaData>()
        .map_err(|_| AppError::Internal("schema data missing".into()))?
        .db)
}

/// The case journal's store from the schema data (every mutation that changes a case).
pub fn store<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a crate::service::journal::Store> {
    Ok(&ctx
        .data::<SchemaData>()
        .map_err(|_| AppError::Internal("schema data missing".into()))?
        .store)
}

/// The webhook egress policy from the schema data.
pub fn egress<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a crate::config::EgressPolicy> {
    Ok(&ctx
        .data::<SchemaData>()
        .map_err(|_| AppError::Internal("schema data missing".into()))?
        .egress)
}

/// Page limits from the schema data.
pub fn limits(ctx: &Context<'_>) -> async_graphql::Result<PageLimits> {
    Ok(ctx
        .data::<SchemaData>()
        .map_err(|_| AppError::Internal("schema data missing".into()))?
        .limits)
}

/// The caller of this request (anonymous when no token was sent).
pub fn actor<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Actor> {
    ctx.data::<Arc<Actor>>()
        .map(|a| a.as_ref())
        .map_err(|_| AppError::Internal("actor missing".into()).into())
}

/// Parses an opaque id; a malformed one is a `BAD_USER_INPUT` on `field`.
/// The facts of the request (id, client, address) for the audit log.
pub fn request<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a crate::request::RequestInfo> {
    ctx.data::<crate::request::RequestInfo>()
        .map_err(|_| AppError::Internal("request info missing".into()).into())
}

/// An optional input field of an update: absent leaves the value alone (`None`), `null`
/// clears it (`Some(None)`).
pub fn patch<T>(v: async_graphql::MaybeUndefined<T>) -> Option<Option<T>> {
    match v {
        async_graphql::MaybeUndefined::Undefined => None,
        async_graphql::MaybeUndefined::Null => Some(None),
        async_graphql::MaybeUndefined::Value(x) => Some(Some(x)),
    }
}

pub fn parse_id(field: &str, id: &ID) -> async_graphql::Result<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| AppError::bad_input(field, "not a valid id").into())
}

/// Parses an id used for a lookup: a malformed one simply finds nothing.
pub fn lookup_id(id: &ID) -> async_graphql::Result<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| AppError::NotFound.into())
}

/// Parses a list of ids for `field`.
pub fn parse_ids(field: &str, ids: &[ID]) -> async_graphql::Result<Vec<Uuid>> {
    ids.iter()
        .enumerate()
        .map(|(i, id)| parse_id(&format!("{field}[{i}]"), id))
        .collect()
}

/// An id as sent on the wire.
pub fn id(u: Uuid) -> ID {
    ID(u.to_string())
}

/// Relay arguments in one value.
pub fn page_args(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> PageArgs {
    PageArgs {
        first,
        after,
        last,
        before,
    }
}
