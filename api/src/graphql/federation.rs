//! Apollo Federation v2: this service as a subgraph.
//!
//! `Case`, `Enterprise`, `Volunteer`, `MediationRoom` and `Grid` are entities keyed by `id`
//! (async-graphql derives `@key(fields: "id")` from the entity resolvers below and answers
//! `_entities` and `_service` itself).
//!
//! Reads: every representation is loaded through the request's DataLoader
//! ([`loader::one`], key `ById<E>`), which reads through [`crate::service::by_ids`] and so
//! through the entity's `Scoped::scope`, exactly like `case(id:)` and every nested field.
//! Fifty representations of one type are one batch, not fifty queries. A representation whose
//! id is absent or outside the caller's scope is `null` in its slot with a `NOT_FOUND` error at
//! `[<field>, index]` — the same answer for both, so ids reveal nothing; a malformed id is
//! `BAD_USER_INPUT` in its slot. The other representations still resolve. A database failure
//! fails the whole field.
//!
//! Two pieces go with this, both applied by the HTTP pipeline per request rather than as a
//! schema extension (an extension with a `resolve` hook sends every field of every request
//! through async-graphql's slow path): [`Slots`], the bookkeeping that places a miss at its
//! index, and [`shape_service`], which shapes `_service { sdl }` — the SDL gains a
//! `schema { query: QueryRoot mutation: MutationRoot }` definition (async-graphql's federation
//! export leaves it out, and a gateway would otherwise look for a type named `Query`), and it
//! is withheld (`sdl: null`) where introspection is off, as `__schema` is.

use std::{
    collections::{hash_map::Entry, HashMap, VecDeque},
    sync::Mutex,
};

use async_graphql::{
    parser::types::{DocumentOperations, ExecutableDocument, Field, Selection, SelectionSet},
    Any, Context, Object, OutputType, PathSegment, Pos, SDLExportOptions, Value, ID,
};

use crate::{
    error::AppError,
    graphql::{
        build_schema, case::types::Case, enterprise::types::Enterprise, grid::types::Grid, loader,
        mediation_room::types::MediationRoom, parse_id, volunteer::types::Volunteer, MutationRoot, QueryRoot,
    },
    service::Scoped,
};

/// The entity resolvers `_entities` dispatches to by `__typename`; they add no fields.
#[derive(Default)]
pub struct FederationQuery;

#[Object]
impl FederationQuery {
    /// A `Case` representation, read in the caller's scope.
    #[graphql(entity)]
    async fn find_case_by_id(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Case>> {
        Ok(find::<entity::case::Entity>(ctx, "Case", &id).await?.map(Case))
    }

    /// An `Enterprise` representation, read in the caller's scope.
    #[graphql(entity)]
    async fn find_enterprise_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<Enterprise>> {
        Ok(find::<entity::enterprise::Entity>(ctx, "Enterprise", &id)
            .await?
            .map(Enterprise))
    }

    /// A `Volunteer` representation, read in the caller's scope.
    #[graphql(entity)]
    async fn find_volunteer_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<Volunteer>> {
        Ok(find::<entity::volunteer::Entity>(ctx, "Volunteer", &id)
            .await?
            .map(Volunteer))
    }

    /// A `MediationRoom` representation, read in the caller's scope.
    #[graphql(entity)]
    async fn find_mediation_room_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<MediationRoom>> {
        Ok(find::<entity::mediation_room::Entity>(ctx, "MediationRoom", &id)
            .await?
            .map(MediationRoom))
    }

    /// A `Grid` representation, read in the caller's scope.
    #[graphql(entity)]
    async fn find_grid_by_id(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Grid>> {
        Ok(find::<entity::grid::Entity>(ctx, "Grid", &id).await?.map(Grid))
    }
}

/// The entity types `_entities` resolves.
pub const ENTITY_TYPES: [&str; 5] = ["Case", "Enterprise", "Volunteer", "MediationRoom", "Grid"];

/// Stands in for the id of a representation whose `__typename` is no entity type here.
const UNKNOWN_TYPE: &str = "unknown-typename:";

/// Rewrites, in a request's variables, each `_entities` representation whose `__typename`
/// is not an entity of this subgraph into a stand-in that [`find`] answers with null and a
/// `BAD_USER_INPUT` in its own slot, so the other representations still resolve (the
/// executor would otherwise fail the whole list). Representations written into the query
/// text itself are left alone (gateways send them as variables).
pub fn mark_unknown_types(variables: &mut serde_json::Value) {
    let Some(vars) = variables.as_object_mut() else {
        return;
    };
    for v in vars.values_mut() {
        let Some(items) = v.as_array_mut() else { continue };
        for item in items {
            let Some(obj) = item.as_object_mut() else { continue };
            let Some(t) = obj.get("__typename").and_then(serde_json::Value::as_str) else {
                continue;
            };
            if !ENTITY_TYPES.contains(&t) {
                let stand_in = format!("{UNKNOWN_TYPE}{t}");
                obj.insert("__typename".into(), "Case".into());
                obj.insert("id".into(), stand_in.into());
            }
        }
    }
}

/// Why a representation resolved to nothing.
enum Miss {
    /// The id is not an id.
    Malformed,
    /// Absent, or outside the caller's scope (indistinguishable on purpose).
    NotFound,
    /// Its `__typename` is no entity type here.
    UnknownType(String),
}

/// One representation through the request's loader (and so `E`'s scope); a miss is `None`
/// plus an error in the representation's slot.
async fn find<E>(ctx: &Context<'_>, typename: &str, id: &ID) -> async_graphql::Result<Option<E::Model>>
where
    E: Scoped + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + 'static,
{
    if let Some(t) = id.as_str().strip_prefix(UNKNOWN_TYPE) {
        report(ctx, typename, id, Miss::UnknownType(t.to_owned()));
        return Ok(None);
    }
    let Ok(uuid) = parse_id("id", id) else {
        report(ctx, typename, id, Miss::Malformed);
        return Ok(None);
    };
    let found = loader::one::<E>(ctx, Some(uuid)).await?;
    if found.is_none() {
        report(ctx, typename, id, Miss::NotFound);
    }
    Ok(found)
}

/// Adds the error of a miss at `[<field>, index]` (at `[<field>]` if the index is unknown).
fn report(ctx: &Context<'_>, typename: &str, id: &ID, miss: Miss) {
    let slot = ctx
        .data_opt::<Slots>()
        .and_then(|slots| slots.take(ctx, typename, id.as_str()));
    let index = slot.and_then(|(_, index)| index);
    let err: async_graphql::Error = match miss {
        Miss::NotFound => AppError::NotFound.into(),
        Miss::Malformed => {
            let field = match index {
                Some(i) => format!("representations[{i}].id"),
                None => "representations".to_owned(),
            };
            AppError::bad_input(field, "not a valid id").into()
        }
        Miss::UnknownType(t) => {
            let field = match index {
                Some(i) => format!("representations[{i}].__typename"),
                None => "representations".to_owned(),
            };
            AppError::bad_input(
                field,
                format!(
                    "{t:?} is not an entity of this subgraph ({})",
                    ENTITY_TYPES.join(", ")
                ),
            )
            .into()
        }
    };
    let mut err = ctx.set_error_path(err.into_server_error(slot.map(|(pos, _)| pos).unwrap_or_default()));
    if slot.is_none() {
        err.locations.clear();
    }
    if let Some(i) = index {
        err.path.push(PathSegment::Index(i));
    }
    ctx.add_error(err);
}

/// Per request (request data): where each representation of each `_entities` field sits,
/// built on the first miss of that field (one pass over its representations), so that every
/// miss is reported at its own index, duplicates included.
#[derive(Default)]
pub struct Slots(Mutex<HashMap<String, FieldSlots>>);

/// The free indices of one `_entities` field, by `(__typename, id)`.
struct FieldSlots {
    /// Where the `representations` argument is in the query text.
    pos: Pos,
    /// Indices not yet reported.
    free: HashMap<(String, String), VecDeque<usize>>,
}

impl Slots {
    /// The argument's position and the next unreported index of this representation.
    fn take(&self, ctx: &Context<'_>, typename: &str, id: &str) -> Option<(Pos, Option<usize>)> {
        let key = ctx.path_node.as_ref()?.to_string();
        let mut fields = self.0.lock().ok()?;
        let field = match fields.entry(key) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let (pos, representations) = ctx.param_value::<Vec<Any>>("representations", None).ok()?;
                e.insert(FieldSlots::new(pos, &representations))
            }
        };
        let index = field
            .free
            .get_mut(&(typename.to_owned(), id.to_owned()))
            .and_then(VecDeque::pop_front);
        Some((field.pos, index))
    }
}

impl FieldSlots {
    fn new(pos: Pos, representations: &[Any]) -> Self {
        let mut free: HashMap<(String, String), VecDeque<usize>> = HashMap::new();
        for (i, Any(representation)) in representations.iter().enumerate() {
            let Value::Object(fields) = representation else {
                continue;
            };
            let typename = match fields.get("__typename") {
                Some(Value::String(s)) => s.clone(),
                _ => continue,
            };
            // As the `ID` scalar reads it: a string, or an integer.
            let id = match fields.get("id") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) if n.is_i64() => n.to_string(),
                _ => continue,
            };
            free.entry((typename, id)).or_default().push_back(i);
        }
        FieldSlots { pos, free }
    }
}

/// The Federation v2 SDL of this subgraph, exactly as `_service { sdl }` answers it where it
/// is published (for composing the supergraph in CI, e.g. with `rover supergraph compose`).
pub fn subgraph_sdl() -> String {
    with_root_operations(
        &build_schema(None, true, true)
            .sdl_with_options(SDLExportOptions::new().federation().compose_directive()),
    )
}

/// Declares the root operation types, whose names are not the defaults a gateway assumes.
/// Subscriptions are not federated, so async-graphql leaves their root type out.
fn with_root_operations(sdl: &str) -> String {
    format!(
        "schema {{\n\tquery: {}\n\tmutation: {}\n}}\n\n{sdl}",
        QueryRoot::type_name(),
        MutationRoot::type_name()
    )
}

/// Shapes the answer of every `_service { sdl }` in `data` (the result of `document`'s
/// operation `operation_name`): the SDL with its root operations declared, or null where
/// `publish_sdl` is off. Aliases and fragments are followed; other fields are left alone.
pub fn shape_service(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    publish_sdl: bool,
    data: &mut Value,
) {
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(name)) => match ops.get(name) {
            Some(op) => op,
            None => return,
        },
        (DocumentOperations::Multiple(ops), None) => match ops.values().next() {
            Some(op) if ops.len() == 1 => op,
            _ => return,
        },
    };
    let Value::Object(root) = data else {
        return;
    };
    for service in fields_named(document, &operation.node.selection_set.node, "_service") {
        let Some(Value::Object(answer)) = root.get_mut(service.response_key().node.as_str()) else {
            continue;
        };
        for sdl in fields_named(document, &service.selection_set.node, "sdl") {
            if let Some(v) = answer.get_mut(sdl.response_key().node.as_str()) {
                *v = match std::mem::take(v) {
                    Value::String(sdl) if publish_sdl => Value::String(with_root_operations(&sdl)),
                    _ => Value::Null,
                };
            }
        }
    }
}

/// The fields called `name` in a selection set, looking through inline fragments and
/// fragment spreads (validation has already refused cycles; the walk is bounded anyway).
fn fields_named<'a>(document: &'a ExecutableDocument, set: &'a SelectionSet, name: &str) -> Vec<&'a Field> {
    let mut out = Vec::new();
    let mut stack = vec![(set, 0usize)];
    while let Some((set, depth)) = stack.pop() {
        if depth > 16 {
            continue;
        }
        for item in &set.items {
            match &item.node {
                Selection::Field(f) if f.node.name.node == name => out.push(&f.node),
                Selection::Field(_) => {}
                Selection::InlineFragment(i) => stack.push((&i.node.selection_set.node, depth + 1)),
                Selection::FragmentSpread(sp) => {
                    if let Some(fr) = document.fragments.get(&sp.node.fragment_name.node) {
                        stack.push((&fr.node.selection_set.node, depth + 1));
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::{
        parse_schema,
        types::{TypeKind, TypeSystemDefinition},
    };

    use super::*;

    fn string_arg(d: &async_graphql::parser::types::ConstDirective, name: &str) -> Option<String> {
        match d.get_argument(name).map(|v| &v.node) {
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        }
    }

    #[test]
    fn subgraph_sdl_is_federation_v2_with_five_entities() {
        let sdl = subgraph_sdl();
        let doc = parse_schema(&sdl).expect("the subgraph SDL parses");
        let mut keyed = Vec::new();
        let mut link = None;
        let mut roots = Vec::new();
        let mut object_types = Vec::new();
        for def in &doc.definitions {
            match def {
                TypeSystemDefinition::Schema(schema) if schema.node.extend => {
                    for d in &schema.node.directives {
                        if d.node.name.node == "link" {
                            let import = match d.node.get_argument("import").map(|v| &v.node) {
                                Some(Value::List(items)) => items
                                    .iter()
                                    .filter_map(|i| match i {
                                        Value::String(s) => Some(s.clone()),
                                        _ => None,
                                    })
                                    .collect::<Vec<_>>(),
                                _ => Vec::new(),
                            };
                            link = Some((string_arg(&d.node, "url"), import));
                        }
                    }
                }
                TypeSystemDefinition::Schema(schema) => {
                    roots.push(schema.node.query.as_ref().map(|n| n.node.to_string()));
                    roots.push(schema.node.mutation.as_ref().map(|n| n.node.to_string()));
                    roots.push(schema.node.subscription.as_ref().map(|n| n.node.to_string()));
                }
                TypeSystemDefinition::Type(ty) => {
                    if matches!(ty.node.kind, TypeKind::Object(_)) {
                        object_types.push(ty.node.name.node.to_string());
                    }
                    for d in &ty.node.directives {
                        if d.node.name.node == "key" {
                            keyed.push((ty.node.name.node.to_string(), string_arg(&d.node, "fields")));
                        }
                    }
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        keyed.sort();
        let id = Some("id".to_owned());
        assert_eq!(
            keyed,
            vec![
                ("Case".to_owned(), id.clone()),
                ("Enterprise".to_owned(), id.clone()),
                ("Grid".to_owned(), id.clone()),
                ("MediationRoom".to_owned(), id.clone()),
                ("Volunteer".to_owned(), id),
            ]
        );
        let (url, import) = link.expect("an `extend schema @link(...)`");
        let url = url.expect("a link url");
        assert!(
            url.starts_with("https://specs.apollo.dev/federation/v2."),
            "{url}"
        );
        assert!(import.iter().any(|i| i == "@key"), "{import:?}");
        assert_eq!(
            roots,
            vec![
                Some("QueryRoot".to_owned()),
                Some("MutationRoot".to_owned()),
                None
            ]
        );
        assert!(object_types.iter().any(|t| t == "QueryRoot"));
        assert!(object_types.iter().any(|t| t == "MutationRoot"));
        // The federation plumbing itself is not part of the published SDL.
        for hidden in ["_Service", "_Entity", "_Any", "FederationQuery"] {
            assert!(!object_types.iter().any(|t| t == hidden), "{hidden} in the SDL");
        }
        assert!(!sdl.contains("_entities") && !sdl.contains("_service"));
    }
}
