//! Response fields in the order the operation selected them.
//!
//! The GraphQL spec orders a response's fields by the selection set (after expanding
//! fragments: a field's first appearance decides its place). The executor assembles each
//! object in the order its fields finish, so two identical requests could answer with keys in
//! different orders, which breaks snapshot tests, response hashing and ETags. [`by_selection`]
//! puts every object of a response back in selection order, deterministically.

use std::collections::HashMap;

use async_graphql::{
    parser::types::{DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet},
    Name, Value,
};

/// Reorders `data` (the `data` of a response to `operation_name` in `doc`) by the selection
/// sets that produced it. Keys the selection does not name (none, in practice) go last, in
/// the order they came.
pub fn by_selection(doc: &ExecutableDocument, operation_name: Option<&str>, data: &mut Value) {
    let Some(op) = operation(doc, operation_name) else {
        return;
    };
    order(doc, &[&op.selection_set.node], data);
}

fn operation<'a>(doc: &'a ExecutableDocument, name: Option<&str>) -> Option<&'a OperationDefinition> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(n)) => ops.get(n).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next().map(|op| &op.node),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

fn order(doc: &ExecutableDocument, sets: &[&SelectionSet], value: &mut Value) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&Name> = Vec::new();
            let mut subs: HashMap<&Name, Vec<&SelectionSet>> = HashMap::new();
            for set in sets {
                collect(doc, set, &mut keys, &mut subs, 0);
            }
            let rank: HashMap<&Name, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
            map.sort_by(|a, _, b, _| {
                rank.get(a)
                    .copied()
                    .unwrap_or(usize::MAX)
                    .cmp(&rank.get(b).copied().unwrap_or(usize::MAX))
            });
            for (k, v) in map.iter_mut() {
                if let Some(s) = subs.get(k) {
                    order(doc, s, v);
                }
            }
        }
        Value::List(items) => {
            for item in items {
                order(doc, sets, item);
            }
        }
        _ => {}
    }
}

/// The response keys of `set` in order of first appearance (through fragments), with the
/// sub-selections of each key (a key selected twice merges both). `level` bounds the walk;
/// fragment cycles were refused before execution.
fn collect<'a>(
    doc: &'a ExecutableDocument,
    set: &'a SelectionSet,
    keys: &mut Vec<&'a Name>,
    subs: &mut HashMap<&'a Name, Vec<&'a SelectionSet>>,
    level: usize,
) {
    if level > 64 {
        return;
    }
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => {
                let key = &f.node.response_key().node;
                let entry = subs.entry(key).or_default();
                if entry.is_empty() && !keys.contains(&key) {
                    keys.push(key);
                }
                entry.push(&f.node.selection_set.node);
            }
            Selection::InlineFragment(i) => collect(doc, &i.node.selection_set.node, keys, subs, level + 1),
            Selection::FragmentSpread(s) => {
                if let Some(frag) = doc.fragments.get(&s.node.fragment_name.node) {
                    collect(doc, &frag.node.selection_set.node, keys, subs, level + 1);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn keys(v: &Value) -> Vec<String> {
        match v {
            Value::Object(m) => m.keys().map(|k| k.to_string()).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn objects_follow_their_selection_through_aliases_fragments_and_lists() {
        let doc = parse_query(
            "query Q { b: grids { z a } ...F c { ... on X { y x } } }
             fragment F on Query { a d: viewer { role subject } }",
        )
        .expect("parses");
        let json = serde_json::json!({
            "c": [{ "x": 1, "y": 2 }, { "x": 3, "y": 4 }],
            "d": { "subject": "s", "role": "r" },
            "a": 1,
            "b": { "a": 1, "z": 2 }
        });
        let mut v = Value::from_json(json).expect("value");
        by_selection(&doc, Some("Q"), &mut v);
        assert_eq!(keys(&v), ["b", "a", "d", "c"]);
        let Value::Object(m) = &v else { panic!("object") };
        assert_eq!(keys(&m[&Name::new("b")]), ["z", "a"]);
        assert_eq!(keys(&m[&Name::new("d")]), ["role", "subject"]);
        let Value::List(items) = &m[&Name::new("c")] else {
            panic!("list")
        };
        assert!(items.iter().all(|i| keys(i) == ["y", "x"]));
    }
}
