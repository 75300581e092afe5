//! Pre-execution limits on GraphQL operations.
//!
//! [`analyze`] looks at the raw query text of a request before the schema
//! sees it, so over-large operations are refused before any database work.
//! It knows nothing about the schema: it measures nesting depth, a cost
//! estimate driven by `first` / `last` page sizes (and by the number of
//! `representations` given to federation's `_entities`), aliases, top-level
//! fields, directives and fragment definitions, and compares each with a
//! ceiling.
//!
//! The walk never recurses without bound: the query text is scanned for
//! bracket nesting before it is handed to the parser, the parser itself
//! refuses selection sets nested more than 64 levels, and fragments are
//! measured once each, in dependency order, after an iterative cycle check.

use std::collections::HashMap;
use std::convert::Infallible;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, FragmentDefinition, FragmentSpread, OperationDefinition,
    OperationType, Selection, SelectionSet, VariableDefinition,
};
use async_graphql::parser::{parse_query, Error as ParseError, Positioned};
use async_graphql::{Name, Number, Value as ConstValue};

/// Bracket (`{` / `[`) nesting of the raw text above which the text is not
/// handed to the parser at all, so the parser's own recursion stays shallow.
const MAX_TEXT_NESTING: usize = 128;

/// Introspection (`__schema`, `__type`) is measured by its own rule, so the standard
/// introspection queries of graphql-js, GraphiQL and Apollo run under the default limits
/// (graphql-js's `getIntrospectionQuery()` nests 13 levels, GraphiQL's 15, all in `ofType`
/// chains) while depth bombs through the schema's types stay refused:
///
/// - the subtree counts as one level of the operation's depth;
/// - inside it, at most [`INTROSPECTION_MAX_DEPTH`] levels;
/// - at most [`INTROSPECTION_MAX_EXPANSIONS`] nested fields that list the schema's types or
///   their members (`types`, `fields`, `inputFields`, `interfaces`, `possibleTypes`,
///   `enumValues`): the standard queries nest two (`types { fields }`), the bomb
///   `types { fields { type { fields { … } } } }` nests on.
const INTROSPECTION_MAX_DEPTH: usize = 24;
/// See [`INTROSPECTION_MAX_DEPTH`].
const INTROSPECTION_MAX_EXPANSIONS: usize = 2;
/// Introspection fields that list types or their members.
const INTROSPECTION_EXPANSIONS: [&str; 6] = [
    "types",
    "fields",
    "inputFields",
    "interfaces",
    "possibleTypes",
    "enumValues",
];

/// Deepest chain of selection sets `async_graphql::parser::parse_query`
/// accepts (the operation's own set plus 64 nested ones).
const PARSER_MAX_DEPTH: usize = 65;

/// Ceilings for one operation.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Longest chain of nested selection sets (`{ a { b } }` is 2).
    pub max_depth: usize,
    /// Highest estimated cost (see [`analyze`]).
    pub max_complexity: usize,
    /// Most aliased fields, counted after expanding fragments.
    pub max_aliases: usize,
    /// Most fields in the operation's top-level selection set.
    pub max_root_fields: usize,
    /// Most directives, counted after expanding fragments.
    pub max_directives: usize,
    /// Most fragment definitions in the document.
    pub max_fragments: usize,
    /// Longest query text, in bytes.
    pub max_query_bytes: usize,
    /// Page size assumed for a `first` / `last` argument that is null or
    /// whose variable is not supplied.
    pub default_page_size: usize,
    /// Page size at which `first` / `last` are clamped for costing.
    pub max_page_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 20_000,
            max_aliases: 30,
            max_root_fields: 20,
            max_directives: 20,
            max_fragments: 50,
            max_query_bytes: 32 * 1024,
            default_page_size: 20,
            max_page_size: 100,
        }
    }
}

/// The kind of an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperationKind {
    /// `query` or an anonymous `{ ... }`.
    Query,
    /// `mutation`.
    Mutation,
    /// `subscription`.
    Subscription,
}

impl OperationKind {
    /// The GraphQL keyword of the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::Mutation => "mutation",
            Self::Subscription => "subscription",
        }
    }
}

impl From<OperationType> for OperationKind {
    fn from(ty: OperationType) -> Self {
        match ty {
            OperationType::Query => Self::Query,
            OperationType::Mutation => Self::Mutation,
            OperationType::Subscription => Self::Subscription,
        }
    }
}

/// What an operation looks like.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Analysis {
    /// Query, mutation or subscription.
    pub operation: OperationKind,
    /// The operation's name, if it has one.
    pub operation_name: Option<String>,
    /// Longest chain of nested selection sets, through fragments.
    pub depth: usize,
    /// Estimated cost: every field costs 1 plus its children's cost, and the
    /// children of a field with `first` / `last` cost that many times more, as
    /// do those of a field with a `representations` list (`_entities`), once
    /// per representation.
    pub complexity: usize,
    /// Aliased fields, counted after expanding fragments.
    pub aliases: usize,
    /// Fields in the top-level selection set after expanding fragments.
    pub root_fields: usize,
    /// Directives on the operation, its variables, fields, fragments and
    /// spreads, counted after expanding fragments.
    pub directives: usize,
    /// Fragment definitions in the document.
    pub fragments: usize,
    /// The operation reads the schema (`__schema` or `__type`).
    pub introspection: bool,
}

/// Why an operation was refused.
///
/// `limit` is a stable name: `"depth"`, `"complexity"`, `"aliases"`,
/// `"rootFields"`, `"directives"`, `"fragments"`, `"queryBytes"`,
/// `"fragmentCycle"`, `"unknownFragment"`, `"operation"` or `"syntax"`.
/// For the measured limits `max` is the ceiling and `actual` the measure.
/// For the others `max` is what is allowed and `actual` what was found:
/// `syntax` 0 / 1, `unknownFragment` 0 / 1, `fragmentCycle` 0 / number of
/// fragments in the cycle, `operation` 1 / number of matching operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Stable name of the limit that was exceeded.
    pub limit: &'static str,
    /// The ceiling.
    pub max: usize,
    /// The measured value.
    pub actual: usize,
    /// A short English message for API clients.
    pub message: String,
}

impl Violation {
    /// True for a ceiling of this module (depth, complexity, …); false for a document that
    /// does not parse or names no single operation, which are request errors, not limits.
    pub fn is_limit(&self) -> bool {
        !matches!(self.limit, "syntax" | "operation")
    }

    fn new(limit: &'static str, max: usize, actual: usize, message: String) -> Self {
        Self {
            limit,
            max,
            actual,
            message,
        }
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Violation {}

/// Parses and measures the operation that would run (the one named, or the
/// only one), and refuses it if any measure is above its ceiling.
///
/// The text length is checked before parsing. Fragment cycles and spreads of
/// undefined fragments are refused anywhere in the document. Measures are
/// compared in a fixed order: depth, complexity, aliases, root fields,
/// directives, fragments; the first one above its ceiling is reported.
///
/// `first` / `last` are read from Int literals or from `variables` (falling
/// back to the variable's default value); null, missing or non-numeric values
/// count as `default_page_size`, negative ones as 0, and every page size is
/// clamped at `max_page_size`. When a field has both, the larger is used.
///
/// A `representations` argument (federation's `_entities`) multiplies its
/// field's children by the number of representations, read from a list
/// literal or a list variable and not clamped: each one is a row to read. A
/// single non-list value counts 1 (list input coercion) and null counts 0.
pub fn analyze(
    query: &str,
    operation_name: Option<&str>,
    variables: &serde_json::Value,
    limits: &Limits,
) -> Result<Analysis, Violation> {
    let document = parse(query, limits)?;
    measure(&document, operation_name, variables, limits)
}

/// The checks of [`analyze`] that need only the text, then the parse: the text length, the
/// nesting of its braces, and the parser's own refusals. A document that passes can be kept
/// and measured again with other variables ([`measure`]).
pub fn parse(query: &str, limits: &Limits) -> Result<ExecutableDocument, Violation> {
    if query.len() > limits.max_query_bytes {
        return Err(Violation::new(
            "queryBytes",
            limits.max_query_bytes,
            query.len(),
            format!(
                "query is {} bytes; the limit is {}",
                query.len(),
                limits.max_query_bytes
            ),
        ));
    }

    let nesting = text_nesting(query);
    if nesting > MAX_TEXT_NESTING {
        return Err(too_deep(limits.max_depth.min(MAX_TEXT_NESTING), nesting));
    }

    parse_query(query).map_err(|err| parse_violation(&err, limits, nesting))
}

/// The checks of [`analyze`] on a parsed document: the operation to run, fragment spreads
/// and cycles, and every ceiling (page sizes are read from `variables`).
pub fn measure(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &serde_json::Value,
    limits: &Limits,
) -> Result<Analysis, Violation> {
    let (name, operation) = select_operation(document, operation_name)?;

    check_spreads(document, &operation.selection_set.node)?;
    let order = fragment_order(document)?;

    let mut measurer = Measurer {
        limits,
        variables,
        variable_definitions: &operation.variable_definitions,
        index: order
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (name.as_str(), i))
            .collect(),
        fragments: Vec::with_capacity(order.len()),
        definitions: document
            .fragments
            .iter()
            .map(|(name, f)| (name.as_str(), &f.node.selection_set.node))
            .collect(),
    };
    for (_, fragment) in &order {
        let measure = measurer
            .selection_set(&fragment.node.selection_set.node, 0)?
            .with_directives(fragment.node.directives.len());
        measurer.fragments.push(measure);
    }
    let root = measurer.selection_set(&operation.selection_set.node, 0)?;
    let directives = operation
        .variable_definitions
        .iter()
        .map(|variable| variable.node.directives.len())
        .fold(operation.directives.len(), usize::saturating_add);
    let root = root.with_directives(directives);

    let analysis = Analysis {
        operation: operation.ty.into(),
        operation_name: name.map(str::to_owned),
        depth: root.depth,
        complexity: root.complexity,
        aliases: root.aliases,
        root_fields: root.fields,
        directives: root.directives,
        fragments: document.fragments.len(),
        introspection: root.introspection,
    };
    check_ceilings(&analysis, limits)?;
    Ok(analysis)
}

fn too_deep(max: usize, actual: usize) -> Violation {
    Violation::new(
        "depth",
        max,
        actual,
        format!("query is nested {actual} levels deep; the limit is {max}"),
    )
}

fn parse_violation(err: &ParseError, limits: &Limits, nesting: usize) -> Violation {
    match err {
        ParseError::RecursionLimitExceeded => {
            let max = limits.max_depth.min(PARSER_MAX_DEPTH);
            too_deep(max, nesting.max(max.saturating_add(1)))
        }
        ParseError::MultipleOperations { .. } => Violation::new(
            "operation",
            1,
            2,
            "document has an anonymous operation and other operations".to_owned(),
        ),
        ParseError::OperationDuplicated { operation, .. } => Violation::new(
            "operation",
            1,
            2,
            format!("operation {operation} is defined twice"),
        ),
        ParseError::MissingOperation => Violation::new(
            "operation",
            1,
            0,
            "document does not contain an operation".to_owned(),
        ),
        other => Violation::new("syntax", 0, 1, other.to_string()),
    }
}

fn check_ceilings(analysis: &Analysis, limits: &Limits) -> Result<(), Violation> {
    if analysis.depth > limits.max_depth {
        return Err(too_deep(limits.max_depth, analysis.depth));
    }
    let checks: [(&'static str, &str, usize, usize); 5] = [
        (
            "complexity",
            "query complexity",
            limits.max_complexity,
            analysis.complexity,
        ),
        ("aliases", "aliased fields", limits.max_aliases, analysis.aliases),
        (
            "rootFields",
            "top-level fields",
            limits.max_root_fields,
            analysis.root_fields,
        ),
        (
            "directives",
            "directives",
            limits.max_directives,
            analysis.directives,
        ),
        (
            "fragments",
            "fragment definitions",
            limits.max_fragments,
            analysis.fragments,
        ),
    ];
    for (limit, what, max, actual) in checks {
        if actual > max {
            return Err(Violation::new(
                limit,
                max,
                actual,
                format!("query has {actual} {what}; the limit is {max}"),
            ));
        }
    }
    Ok(())
}

/// Deepest nesting of `{` and `[` in the text, ignoring strings and comments.
fn text_nesting(query: &str) -> usize {
    let bytes = query.as_bytes();
    let (mut i, mut depth, mut max) = (0, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && !matches!(bytes[i], b'"' | b'\n' | b'\r') {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    max
}

fn select_operation<'a>(
    document: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Result<(Option<&'a str>, &'a OperationDefinition), Violation> {
    match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), None) => Ok((None, &operation.node)),
        (DocumentOperations::Multiple(operations), Some(wanted)) => operations
            .get_key_value(wanted)
            .map(|(name, operation)| (Some(name.as_str()), &operation.node))
            .ok_or_else(|| {
                Violation::new(
                    "operation",
                    1,
                    0,
                    format!("document has no operation named {wanted}"),
                )
            }),
        (DocumentOperations::Single(_), Some(wanted)) => Err(Violation::new(
            "operation",
            1,
            0,
            format!("document has no operation named {wanted}"),
        )),
        (DocumentOperations::Multiple(operations), None) => {
            let mut iter = operations.iter();
            match (iter.next(), iter.next()) {
                (Some((name, operation)), None) => Ok((Some(name.as_str()), &operation.node)),
                _ => Err(Violation::new(
                    "operation",
                    1,
                    operations.len(),
                    format!(
                        "document has {} operations; an operation name is required",
                        operations.len()
                    ),
                )),
            }
        }
    }
}

/// Every fragment spread in a selection set, at any nesting, in no
/// particular order.
fn spreads_in(set: &SelectionSet) -> Vec<&Positioned<FragmentSpread>> {
    let mut found = Vec::new();
    let mut stack = vec![set];
    while let Some(set) = stack.pop() {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => stack.push(&field.node.selection_set.node),
                Selection::InlineFragment(inline) => stack.push(&inline.node.selection_set.node),
                Selection::FragmentSpread(spread) => found.push(spread),
            }
        }
    }
    found
}

/// Refuses the first spread (in document order) of an undefined fragment, in
/// the operation or in any fragment definition.
fn check_spreads(document: &ExecutableDocument, operation: &SelectionSet) -> Result<(), Violation> {
    let mut spreads = spreads_in(operation);
    for fragment in document.fragments.values() {
        spreads.extend(spreads_in(&fragment.node.selection_set.node));
    }
    let unknown = spreads
        .into_iter()
        .filter(|spread| !document.fragments.contains_key(&spread.node.fragment_name.node))
        .min_by_key(|spread| spread.pos);
    match unknown {
        Some(spread) => Err(Violation::new(
            "unknownFragment",
            0,
            1,
            format!("fragment {} is not defined", spread.node.fragment_name.node),
        )),
        None => Ok(()),
    }
}

type NamedFragment<'a> = (&'a Name, &'a Positioned<FragmentDefinition>);

/// All fragment definitions, each after the fragments it spreads; refuses
/// the first cycle found (depth-first from fragments in document order).
/// Assumes every spread names a defined fragment.
fn fragment_order(document: &ExecutableDocument) -> Result<Vec<NamedFragment<'_>>, Violation> {
    let mut fragments: Vec<NamedFragment<'_>> = document.fragments.iter().collect();
    fragments.sort_by_key(|(_, fragment)| fragment.pos);
    let index: HashMap<&Name, usize> = fragments
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (*name, i))
        .collect();
    let edges: Vec<Vec<usize>> = fragments
        .iter()
        .map(|(_, fragment)| {
            let mut spreads = spreads_in(&fragment.node.selection_set.node);
            spreads.sort_by_key(|spread| spread.pos);
            spreads
                .iter()
                .filter_map(|spread| index.get(&spread.node.fragment_name.node).copied())
                .collect()
        })
        .collect();

    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut marks = vec![Mark::New; fragments.len()];
    let mut order = Vec::with_capacity(fragments.len());
    for start in 0..fragments.len() {
        if marks[start] != Mark::New {
            continue;
        }
        marks[start] = Mark::Open;
        let mut path: Vec<(usize, usize)> = vec![(start, 0)];
        while let Some((node, next)) = path.last_mut() {
            let node = *node;
            let Some(&child) = edges[node].get(*next) else {
                marks[node] = Mark::Done;
                order.push(node);
                path.pop();
                continue;
            };
            *next += 1;
            match marks[child] {
                Mark::New => {
                    marks[child] = Mark::Open;
                    path.push((child, 0));
                }
                Mark::Open => {
                    let from = path.iter().position(|(n, _)| *n == child).unwrap_or(0);
                    let cycle: Vec<&str> = path[from..]
                        .iter()
                        .map(|(n, _)| fragments[*n].0.as_str())
                        .chain(std::iter::once(fragments[child].0.as_str()))
                        .collect();
                    return Err(Violation::new(
                        "fragmentCycle",
                        0,
                        cycle.len().saturating_sub(1),
                        format!("fragments spread each other in a cycle: {}", cycle.join(" -> ")),
                    ));
                }
                Mark::Done => {}
            }
        }
    }
    Ok(order.into_iter().map(|i| fragments[i]).collect())
}

/// Measures of one selection set (or of one fragment, expanded).
#[derive(Clone, Copy, Debug, Default)]
struct Measure {
    depth: usize,
    complexity: usize,
    aliases: usize,
    directives: usize,
    /// Fields at the top of the set after expanding fragments.
    fields: usize,
    /// Reads the schema.
    introspection: bool,
}

impl Measure {
    fn with_directives(mut self, count: usize) -> Self {
        self.directives = self.directives.saturating_add(count);
        self
    }

    fn add(&mut self, other: Measure) {
        self.depth = self.depth.max(other.depth);
        self.complexity = self.complexity.saturating_add(other.complexity);
        self.aliases = self.aliases.saturating_add(other.aliases);
        self.directives = self.directives.saturating_add(other.directives);
        self.fields = self.fields.saturating_add(other.fields);
        self.introspection |= other.introspection;
    }
}

struct Measurer<'a> {
    limits: &'a Limits,
    variables: &'a serde_json::Value,
    variable_definitions: &'a [Positioned<VariableDefinition>],
    /// Fragment name to its position in `fragments`.
    index: HashMap<&'a str, usize>,
    /// Measures of the fragments computed so far, in dependency order.
    fragments: Vec<Measure>,
    /// Fragment definitions by name (introspection is walked through them).
    definitions: HashMap<&'a str, &'a SelectionSet>,
}

impl Measurer<'_> {
    /// `level` only guards the recursion; the parser already bounds nesting.
    fn selection_set(&self, set: &SelectionSet, level: usize) -> Result<Measure, Violation> {
        if level > MAX_TEXT_NESTING {
            return Err(too_deep(self.limits.max_depth, level));
        }
        let mut total = Measure::default();
        for item in &set.items {
            let measure = match &item.node {
                Selection::Field(field) => self.field(&field.node, level)?,
                Selection::InlineFragment(inline) => self
                    .selection_set(&inline.node.selection_set.node, level + 1)?
                    .with_directives(inline.node.directives.len()),
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    let measure = self
                        .index
                        .get(name.as_str())
                        .and_then(|&i| self.fragments.get(i))
                        .ok_or_else(|| {
                            Violation::new("unknownFragment", 0, 1, format!("fragment {name} is not defined"))
                        })?;
                    measure.with_directives(spread.node.directives.len())
                }
            };
            total.add(measure);
        }
        Ok(total)
    }

    fn field(&self, field: &Field, level: usize) -> Result<Measure, Violation> {
        let children = self.selection_set(&field.selection_set.node, level + 1)?;
        let multiplier = ["first", "last"]
            .iter()
            .filter_map(|name| field.get_argument(name))
            .map(|value| {
                // The parser's non-constant value type is not re-exported by
                // `async_graphql`, so it is only used through inference here.
                let resolved = value
                    .node
                    .clone()
                    .into_const_with(|name| Ok::<_, Infallible>(self.variable(&name)))
                    .unwrap_or_else(|never| match never {});
                self.page_size(&resolved)
            })
            .chain(field.get_argument("representations").map(|value| {
                let resolved = value
                    .node
                    .clone()
                    .into_const_with(|name| Ok::<_, Infallible>(self.list_variable(&name)))
                    .unwrap_or_else(|never| match never {});
                list_length(&resolved)
            }))
            .max()
            .unwrap_or(1);
        if matches!(field.name.node.as_str(), "__schema" | "__type") {
            self.introspection(&field.selection_set.node, 1, 0)?;
            return Ok(Measure {
                depth: 1,
                complexity: children.complexity.saturating_add(1),
                aliases: children
                    .aliases
                    .saturating_add(usize::from(field.alias.is_some())),
                directives: children.directives.saturating_add(field.directives.len()),
                fields: 1,
                introspection: true,
            });
        }
        Ok(Measure {
            depth: children.depth.saturating_add(1),
            complexity: children.complexity.saturating_mul(multiplier).saturating_add(1),
            aliases: children
                .aliases
                .saturating_add(usize::from(field.alias.is_some())),
            directives: children.directives.saturating_add(field.directives.len()),
            fields: 1,
            introspection: children.introspection,
        })
    }

    /// The introspection rule (see [`INTROSPECTION_MAX_DEPTH`]) on the selection under
    /// `__schema` / `__type`, through fragments.
    fn introspection(&self, set: &SelectionSet, depth: usize, expansions: usize) -> Result<(), Violation> {
        if depth > INTROSPECTION_MAX_DEPTH {
            return Err(Violation::new(
                "introspectionDepth",
                INTROSPECTION_MAX_DEPTH,
                depth,
                format!("introspection is nested deeper than {INTROSPECTION_MAX_DEPTH} levels"),
            ));
        }
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    let expands = INTROSPECTION_EXPANSIONS.contains(&f.node.name.node.as_str());
                    let expansions = expansions + usize::from(expands);
                    if expansions > INTROSPECTION_MAX_EXPANSIONS {
                        return Err(Violation::new(
                            "introspectionDepth",
                            INTROSPECTION_MAX_EXPANSIONS,
                            expansions,
                            format!(
                                "introspection lists types within types {expansions} times; at most {INTROSPECTION_MAX_EXPANSIONS} (as in `types {{ fields }}`)"
                            ),
                        ));
                    }
                    self.introspection(&f.node.selection_set.node, depth + 1, expansions)?;
                }
                Selection::InlineFragment(i) => {
                    self.introspection(&i.node.selection_set.node, depth, expansions)?
                }
                Selection::FragmentSpread(s) => {
                    if let Some(def) = self.definitions.get(s.node.fragment_name.node.as_str()) {
                        self.introspection(def, depth, expansions)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The page size a resolved `first` / `last` argument stands for.
    fn page_size(&self, value: &ConstValue) -> usize {
        let size = match value {
            ConstValue::Number(number) => page_number(number),
            _ => self.limits.default_page_size,
        };
        size.min(self.limits.max_page_size)
    }

    /// A variable as far as its list length goes: a list from the request
    /// becomes a list of as many nulls, any other value is kept as a stand-in,
    /// and a variable not supplied falls back to its default, else null.
    fn list_variable(&self, name: &Name) -> ConstValue {
        match self.variables.get(name.as_str()) {
            Some(serde_json::Value::Array(items)) => ConstValue::List(vec![ConstValue::Null; items.len()]),
            Some(serde_json::Value::Null) => ConstValue::Null,
            Some(_) => ConstValue::Boolean(true),
            None => self.default_value(name),
        }
    }

    /// The default value of a variable, else null.
    fn default_value(&self, name: &Name) -> ConstValue {
        self.variable_definitions
            .iter()
            .find(|definition| definition.node.name.node == *name)
            .and_then(|definition| definition.node.default_value.as_ref())
            .map(|default| default.node.clone())
            .unwrap_or(ConstValue::Null)
    }

    /// The value of a variable: from the request, else its default, else null.
    fn variable(&self, name: &Name) -> ConstValue {
        match self.variables.get(name.as_str()) {
            Some(serde_json::Value::Number(number)) => ConstValue::Number(number.clone()),
            Some(_) => ConstValue::Null,
            None => self.default_value(name),
        }
    }
}

/// How many items a resolved list argument stands for: a list its length, null
/// nothing, any other value one (GraphQL coerces a single value to a list).
fn list_length(value: &ConstValue) -> usize {
    match value {
        ConstValue::List(items) => items.len(),
        ConstValue::Null => 0,
        _ => 1,
    }
}

/// A page size from a number: negative is 0, fractions round up.
fn page_number(number: &Number) -> usize {
    if let Some(int) = number.as_i64() {
        usize::try_from(int.max(0)).unwrap_or(usize::MAX)
    } else if let Some(int) = number.as_u64() {
        usize::try_from(int).unwrap_or(usize::MAX)
    } else {
        match number.as_f64() {
            Some(float) if float > 0.0 => float.ceil() as usize,
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use serde_json::json;

    use super::*;

    fn run(query: &str) -> Result<Analysis, Violation> {
        analyze(query, None, &json!({}), &Limits::default())
    }

    fn refused(query: &str) -> Violation {
        match run(query) {
            Ok(analysis) => panic!("expected a violation, got {analysis:?}"),
            Err(violation) => violation,
        }
    }

    #[test]
    fn standard_introspection_queries_pass_and_bombs_do_not() {
        for (name, query) in [
            (
                "graphql-js",
                include_str!("../../tests/introspection/graphql-js.graphql"),
            ),
            (
                "graphiql",
                include_str!("../../tests/introspection/graphiql.graphql"),
            ),
            (
                "all options",
                include_str!("../../tests/introspection/all-options.graphql"),
            ),
        ] {
            let a = run(query).unwrap_or_else(|v| panic!("{name}: {v:?}"));
            assert!(a.introspection, "{name}");
            assert!(
                a.depth <= 2,
                "{name}: introspection counts as one level, got {}",
                a.depth
            );
        }
        let bomb = "{ __schema { types { fields { type { fields { type { name } } } } } } }";
        assert_eq!(refused(bomb).limit, "introspectionDepth");
        let bomb = "{ __type(name: \"Case\") { fields { type { fields { type { fields { name } } } } } } }";
        assert_eq!(refused(bomb).limit, "introspectionDepth");
        let deep = format!(
            "{{ __type(name: \"X\") {{ {} name {} }} }}",
            "ofType {".repeat(30),
            "}".repeat(30)
        );
        assert_eq!(refused(&deep).limit, "introspectionDepth");
        assert!(!run("{ __typename }").map(|a| a.introspection).unwrap_or(true));
    }

    fn nested(levels: usize) -> String {
        format!("{{{}}}", "a{".repeat(levels - 1) + "b" + &"}".repeat(levels - 1))
    }

    #[test]
    fn defaults() {
        let limits = Limits::default();
        assert_eq!(limits.max_depth, 12);
        assert_eq!(limits.max_complexity, 20_000);
        assert_eq!(limits.max_aliases, 30);
        assert_eq!(limits.max_root_fields, 20);
        assert_eq!(limits.max_directives, 20);
        assert_eq!(limits.max_fragments, 50);
        assert_eq!(limits.max_query_bytes, 32 * 1024);
        assert_eq!(limits.default_page_size, 20);
        assert_eq!(limits.max_page_size, 100);
    }

    #[test]
    fn measures_a_simple_query() {
        let analysis = run("{ a { b } c }").unwrap();
        assert_eq!(
            analysis,
            Analysis {
                operation: OperationKind::Query,
                operation_name: None,
                depth: 2,
                complexity: 3,
                aliases: 0,
                root_fields: 2,
                directives: 0,
                fragments: 0,
                introspection: false,
            }
        );
    }

    #[test]
    fn depth_of_nested_fields() {
        assert_eq!(run("{ a }").unwrap().depth, 1);
        assert_eq!(run("{ a { b } }").unwrap().depth, 2);
        assert_eq!(run("{ a { b { c } } d }").unwrap().depth, 3);
        assert_eq!(run(&nested(12)).unwrap().depth, 12);
        let violation = refused(&nested(13));
        assert_eq!(
            (violation.limit, violation.max, violation.actual),
            ("depth", 12, 13)
        );
        assert_eq!(
            violation.message,
            "query is nested 13 levels deep; the limit is 12"
        );
    }

    #[test]
    fn depth_through_fragments() {
        let spread = "query { a { ...F } } fragment F on A { b { c } }";
        assert_eq!(run(spread).unwrap().depth, 3);
        let inline = "{ a { ... on A { b { ... { c } } } } }";
        assert_eq!(run(inline).unwrap().depth, 3);
        let chain = "{ a { ...F } } fragment F on A { b { ...G } } fragment G on B { c { d } }";
        assert_eq!(run(chain).unwrap().depth, 4);
        // Spreads chained deeper than the ceiling, each fragment shallow.
        let mut deep = String::from("{ ...F0 }");
        for i in 0..12 {
            deep.push_str(&format!(" fragment F{i} on T {{ x {{ ...F{} }} }}", i + 1));
        }
        deep.push_str(" fragment F12 on T { y }");
        let violation = refused(&deep);
        assert_eq!((violation.limit, violation.actual), ("depth", 13));
    }

    #[test]
    fn depth_bomb_is_refused_quickly() {
        let started = Instant::now();
        let violation = refused(&nested(100));
        assert_eq!(violation.limit, "depth");
        assert!(violation.actual > violation.max);
        assert_eq!(violation.actual, 100);

        // Far deeper than the parser accepts, still within the byte ceiling.
        let bomb = nested(10_000);
        assert!(bomb.len() <= Limits::default().max_query_bytes);
        let violation = refused(&bomb);
        assert_eq!((violation.limit, violation.actual), ("depth", 10_000));

        let lists = format!("{{ a(x: {}1{}) }}", "[".repeat(5_000), "]".repeat(5_000));
        assert_eq!(refused(&lists).limit, "depth");
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn nesting_just_below_the_text_cap_still_parses() {
        // 1 brace for the selection set + 127 list brackets = the cap of 128.
        let lists = format!("{{ a(x: {}1{}) }}", "[".repeat(127), "]".repeat(127));
        assert_eq!(run(&lists).unwrap().depth, 1);
        let objects = format!("{{ a(x: {}1{}) }}", "{ y: ".repeat(127), "}".repeat(127));
        assert_eq!(run(&objects).unwrap().depth, 1);
        let over = format!("{{ a(x: {}1{}) }}", "[".repeat(128), "]".repeat(128));
        assert_eq!(refused(&over).limit, "depth");
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let query = format!("{{ a(x: \"{0}\", y: \"\"\"{0}\"\"\") # {0}\n}}", "{".repeat(500));
        assert_eq!(run(&query).unwrap().depth, 1);
    }

    #[test]
    fn a_thousand_aliases_are_refused() {
        let fields: Vec<String> = (0..1000).map(|i| format!("a{i}: x")).collect();
        let violation = refused(&format!("{{ {} }}", fields.join(" ")));
        assert_eq!(
            (violation.limit, violation.max, violation.actual),
            ("aliases", 30, 1000)
        );
    }

    #[test]
    fn aliases_count_inside_fragments_each_time_they_are_spread() {
        let aliases: Vec<String> = (0..20).map(|i| format!("a{i}: x")).collect();
        let query = format!(
            "{{ one {{ ...F }} two {{ ...F }} }} fragment F on T {{ {} }}",
            aliases.join(" ")
        );
        let violation = refused(&query);
        assert_eq!((violation.limit, violation.actual), ("aliases", 40));
        assert_eq!(
            run("{ x: a { y: b ...F } } fragment F on T { z: c }")
                .unwrap()
                .aliases,
            3
        );
    }

    #[test]
    fn fragment_cycles_are_refused() {
        let violation = refused("{ ...A } fragment A on Q { x ...B } fragment B on Q { y { ...A } }");
        assert_eq!(violation.limit, "fragmentCycle");
        assert_eq!(violation.actual, 2);
        assert!(
            violation.message.ends_with("A -> B -> A"),
            "{}",
            violation.message
        );

        let violation = refused("{ ...A } fragment A on Q { x ...A }");
        assert_eq!(violation.limit, "fragmentCycle");
        assert_eq!(violation.actual, 1);
        assert!(violation.message.ends_with("A -> A"), "{}", violation.message);

        // An unused fragment that spreads itself is refused too.
        let violation = refused("{ x } fragment A on Q { ... on Q { ...A } }");
        assert_eq!(violation.limit, "fragmentCycle");
    }

    #[test]
    fn unknown_fragment_is_refused() {
        let violation = refused("{ a { ...Missing } }");
        assert_eq!(violation.limit, "unknownFragment");
        assert!(violation.message.contains("Missing"));
        let violation = refused("{ ...A } fragment A on Q { ...Nope }");
        assert_eq!(violation.limit, "unknownFragment");
        assert!(violation.message.contains("Nope"));
    }

    #[test]
    fn exponential_fragment_expansion_saturates() {
        let mut query = String::from("{ ...F0 }");
        for i in 0..70 {
            query.push_str(&format!(" fragment F{i} on Q {{ ...F{0} ...F{0} }}", i + 1));
        }
        query.push_str(" fragment F70 on Q { x }");
        let started = Instant::now();
        let violation = refused(&query);
        assert_eq!((violation.limit, violation.actual), ("complexity", usize::MAX));
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    const CASES: &str = "{ cases(first: 50) { edges { node { timeline { seq } } } } }";

    #[test]
    fn complexity_multiplies_by_first() {
        // seq 1; timeline 1+1; node 1+2; edges 1+3; cases 1 + 50 * 4.
        let analysis = run(CASES).unwrap();
        assert_eq!(analysis.complexity, 201);
        assert_eq!(analysis.depth, 5);
        let last = CASES.replace("first", "last");
        assert_eq!(run(&last).unwrap().complexity, 201);
        // No first/last: no multiplication.
        assert_eq!(run("{ cases { edges { node { id } } } }").unwrap().complexity, 4);
        // Both: the larger counts.
        assert_eq!(run("{ a(first: 3, last: 7) { b } }").unwrap().complexity, 8);
        // Explicit null: default page size.
        assert_eq!(run("{ a(first: null) { b } }").unwrap().complexity, 21);
        // Negative: nothing below is fetched.
        assert_eq!(run("{ a(first: -5) { b } }").unwrap().complexity, 1);
    }

    #[test]
    fn nested_connections_multiply() {
        // inner timeline: 1 + 100 * (edges 1 + node 1 + seq 1) = 301;
        // node 302; edges 303; cases 1 + 50 * 303.
        let query = "{ cases(first: 50) { edges { node { \
                     timeline(first: 100) { edges { node { seq } } } } } } }";
        assert_eq!(run(query).unwrap().complexity, 15_151);
        let over = query.replace("first: 50", "first: 100");
        let violation = refused(&over);
        assert_eq!(
            (violation.limit, violation.max, violation.actual),
            ("complexity", 20_000, 30_301)
        );
    }

    #[test]
    fn complexity_expands_fragments() {
        let query = "{ cases(first: 10) { ...C ...C } } fragment C on CaseConnection { nodes { id } }";
        // C = nodes 1 + id 1 = 2; spread twice = 4; cases 1 + 10 * 4.
        assert_eq!(run(query).unwrap().complexity, 41);
    }

    #[test]
    fn first_from_variables() {
        let query = "query Q($n: Int) { cases(first: $n) { edges { node { timeline { seq } } } } }";
        let limits = Limits::default();
        let complexity =
            |variables: serde_json::Value| analyze(query, None, &variables, &limits).unwrap().complexity;
        assert_eq!(complexity(json!({ "n": 10 })), 41);
        assert_eq!(complexity(json!({ "n": null })), 81);
        assert_eq!(complexity(json!({})), 81);
        assert_eq!(complexity(serde_json::Value::Null), 81);
        assert_eq!(complexity(json!({ "n": -3 })), 1);
        assert_eq!(complexity(json!({ "n": 100_000 })), 401);
        assert_eq!(complexity(json!({ "n": "ten" })), 81);
        let with_default = query.replace("$n: Int)", "$n: Int = 5)");
        assert_eq!(
            analyze(&with_default, None, &json!({}), &limits)
                .unwrap()
                .complexity,
            21
        );
        assert_eq!(
            analyze(&with_default, None, &json!({ "n": 2 }), &limits)
                .unwrap()
                .complexity,
            9
        );
    }

    const ENTITIES: &str =
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { id title } } }";

    #[test]
    fn representations_multiply_like_a_page() {
        // Three representations, each costing its fragment's 2 fields: 1 + 3 * 2.
        let literal = "{ _entities(representations: [{ __typename: \"Case\", id: \"1\" }, \
                       { __typename: \"Case\", id: \"2\" }, { __typename: \"Grid\", id: \"3\" }]) \
                       { ... on Case { id title } } }";
        assert_eq!(run(literal).unwrap().complexity, 7);
        let limits = Limits::default();
        let complexity =
            |variables: serde_json::Value| analyze(ENTITIES, None, &variables, &limits).map(|a| a.complexity);
        let reps = |n: usize| json!({ "r": vec![json!({ "__typename": "Case", "id": "x" }); n] });
        assert_eq!(complexity(reps(50)), Ok(101));
        // Not clamped at the page size: each representation is a row to read.
        assert_eq!(complexity(reps(5_000)), Ok(10_001));
        let violation = complexity(reps(10_000)).unwrap_err();
        assert_eq!(
            (violation.limit, violation.max, violation.actual),
            ("complexity", 20_000, 20_001)
        );
        // Empty, null and missing: nothing below is fetched; a single value is one.
        assert_eq!(complexity(reps(0)), Ok(1));
        assert_eq!(complexity(json!({ "r": null })), Ok(1));
        assert_eq!(complexity(json!({})), Ok(1));
        assert_eq!(
            complexity(json!({ "r": { "__typename": "Case", "id": "x" } })),
            Ok(3)
        );
        // Variables inside a literal list count as items; a default value counts too.
        let mixed =
            "query($a: _Any!, $b: _Any!) { _entities(representations: [$a, $b]) { ... on Case { id } } }";
        assert_eq!(analyze(mixed, None, &json!({}), &limits).unwrap().complexity, 3);
        let with_default = ENTITIES.replace("$r: [_Any!]!)", "$r: [_Any!]! = [{ id: 1 }, { id: 2 }])");
        assert_eq!(
            analyze(&with_default, None, &json!({}), &limits)
                .unwrap()
                .complexity,
            5
        );
    }

    #[test]
    fn the_service_sdl_is_cheap() {
        let analysis = run("{ _service { sdl } }").unwrap();
        assert_eq!((analysis.depth, analysis.complexity), (2, 2));
    }

    #[test]
    fn page_size_is_clamped_at_max_page_size() {
        assert_eq!(run(&CASES.replace("50", "1000")).unwrap().complexity, 401);
        assert_eq!(
            run(&CASES.replace("50", "99999999999999999999"))
                .unwrap()
                .complexity,
            401
        );
        let limits = Limits {
            max_page_size: 10,
            ..Limits::default()
        };
        let analysis = analyze(CASES, None, &json!({}), &limits).unwrap();
        assert_eq!(analysis.complexity, 41);
    }

    #[test]
    fn query_bytes_are_checked_before_parsing() {
        let limits = Limits {
            max_query_bytes: 10,
            ..Limits::default()
        };
        let violation = analyze("{ this is not graphql", None, &json!({}), &limits).unwrap_err();
        assert_eq!(
            (violation.limit, violation.max, violation.actual),
            ("queryBytes", 10, 21)
        );
        assert!(analyze("{ a }", None, &json!({}), &limits).is_ok());
        let big = format!("{{ a }}{}", " ".repeat(32 * 1024));
        assert_eq!(refused(&big).limit, "queryBytes");
    }

    #[test]
    fn syntax_error() {
        let violation = refused("{ a ");
        assert_eq!(violation.limit, "syntax");
        assert!(!violation.message.is_empty());
        assert_eq!(refused("query { a(: 1) }").limit, "syntax");
        assert_eq!(refused("").limit, "syntax");
    }

    #[test]
    fn several_operations_need_a_name() {
        let query = "query A { a } query B { b { c } }";
        let violation = refused(query);
        assert_eq!(
            (violation.limit, violation.max, violation.actual),
            ("operation", 1, 2)
        );
        let violation = refused("{ a } query B { b }");
        assert_eq!(violation.limit, "operation");
        let violation = refused("query A { a } query A { b }");
        assert_eq!(violation.limit, "operation");
    }

    #[test]
    fn selects_the_named_operation() {
        let query = "query A { a } query B { b { c } } mutation C { d }";
        let limits = Limits::default();
        let b = analyze(query, Some("B"), &json!({}), &limits).unwrap();
        assert_eq!(b.operation_name.as_deref(), Some("B"));
        assert_eq!((b.operation, b.depth, b.complexity), (OperationKind::Query, 2, 2));
        let c = analyze(query, Some("C"), &json!({}), &limits).unwrap();
        assert_eq!(c.operation, OperationKind::Mutation);
        let violation = analyze(query, Some("Z"), &json!({}), &limits).unwrap_err();
        assert_eq!(
            (violation.limit, violation.max, violation.actual),
            ("operation", 1, 0)
        );
        // A name given for an anonymous operation matches nothing.
        let violation = analyze("{ a }", Some("A"), &json!({}), &limits).unwrap_err();
        assert_eq!(violation.limit, "operation");
        // A single named operation runs without a name.
        let only = run("query Only { a }").unwrap();
        assert_eq!(only.operation_name.as_deref(), Some("Only"));
    }

    #[test]
    fn operation_kinds() {
        let mutation = run("mutation M($t: String) { createCase(input: { title: $t }) { id } }").unwrap();
        assert_eq!(mutation.operation, OperationKind::Mutation);
        assert_eq!(mutation.operation_name.as_deref(), Some("M"));
        assert_eq!(mutation.operation.as_str(), "mutation");
        assert_eq!(run("mutation { a }").unwrap().operation, OperationKind::Mutation);
        assert_eq!(
            run("subscription S { events { id } }").unwrap().operation,
            OperationKind::Subscription
        );
        assert_eq!(run("query { a }").unwrap().operation, OperationKind::Query);
    }

    #[test]
    fn root_fields() {
        let fields: Vec<String> = (0..30).map(|i| format!("f{i}")).collect();
        let violation = refused(&format!("{{ {} }}", fields.join(" ")));
        assert_eq!(
            (violation.limit, violation.max, violation.actual),
            ("rootFields", 20, 30)
        );
        assert_eq!(
            run(&format!("{{ {} }}", fields[..20].join(" ")))
                .unwrap()
                .root_fields,
            20
        );
        // Fragments at the top are expanded; nested fields do not count.
        let query = format!(
            "{{ a {{ x y z }} ...F ... on Query {{ b c }} }} fragment F on Query {{ {} }}",
            fields[..10].join(" ")
        );
        assert_eq!(run(&query).unwrap().root_fields, 13);
    }

    #[test]
    fn directives_are_counted() {
        let query = "query Q($v: Boolean @d = true) @op { a @include(if: $v) { b @skip(if: false) } \
                     ...F @s ... on Q @i { c } } fragment F on Q @f { d @x }";
        // @d @op @include @skip @s @f @x @i
        assert_eq!(run(query).unwrap().directives, 8);
        let many = format!("{{ a {} }}", "@skip(if: false) ".repeat(21));
        let violation = refused(&many);
        assert_eq!(
            (violation.limit, violation.max, violation.actual),
            ("directives", 20, 21)
        );
    }

    #[test]
    fn fragment_definitions_are_counted() {
        let mut query = String::from("{ a }");
        for i in 0..51 {
            query.push_str(&format!(" fragment F{i} on Q {{ a }}"));
        }
        let violation = refused(&query);
        assert_eq!(
            (violation.limit, violation.max, violation.actual),
            ("fragments", 50, 51)
        );
        assert_eq!(
            run("{ ...A } fragment A on Q { a } fragment B on Q { b }")
                .unwrap()
                .fragments,
            2
        );
    }

    #[test]
    fn ceilings_are_checked_in_order() {
        // Too deep, too costly and too many aliases: depth wins.
        let query = "{ x: a(first: 100) { y: b(first: 100) { c { d { e { f { g { h { i { j { k { l { m } } } } } } } } } } } } }";
        assert_eq!(refused(query).limit, "depth");
        let limits = Limits {
            max_depth: 100,
            ..Limits::default()
        };
        let violation = analyze(query, None, &json!({}), &limits).unwrap_err();
        assert_eq!(violation.limit, "complexity");
        let limits = Limits {
            max_complexity: usize::MAX,
            max_aliases: 1,
            ..limits
        };
        let violation = analyze(query, None, &json!({}), &limits).unwrap_err();
        assert_eq!((violation.limit, violation.actual), ("aliases", 2));
    }
}
