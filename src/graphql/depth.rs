//! How deep a document reaches, in two measures. The schema's own fields are held to
//! `--max-depth`; introspection (`__schema`, `__type`) is not, since the standard
//! introspection queries of graphql-js, GraphiQL and Apollo's tools nest 13 to 15 levels
//! through `ofType`. What can make introspection expensive is recursion through the list
//! fields `fields`, `inputFields`, `interfaces` and `possibleTypes`, which is bounded as
//! graphql-js's `MaxIntrospectionDepthRule` bounds it.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{ExecutableDocument, FragmentDefinition, Selection, SelectionSet};
use async_graphql::{Name, Positioned};

/// graphql-js's `MAX_LISTS_DEPTH`: a path through three of these list fields is refused.
pub const MAX_INTROSPECTION_LISTS: usize = 3;

const INTROSPECTION_LISTS: [&str; 4] = ["fields", "inputFields", "interfaces", "possibleTypes"];

/// Beyond this, fragment spreads nest in a cycle (validation refuses those).
const CYCLE: usize = 64;

type Fragments = HashMap<Name, Positioned<FragmentDefinition>>;

/// The deepest nesting of fields of any operation, fragments expanded; an introspection
/// field counts as one level, whatever it selects.
pub fn field_depth(doc: &ExecutableDocument) -> usize {
    let mut memo = HashMap::new();
    doc.operations
        .iter()
        .map(|(_, op)| set_depth(&op.node.selection_set, &doc.fragments, &mut memo, 0))
        .max()
        .unwrap_or(0)
}

fn set_depth<'a>(
    set: &'a Positioned<SelectionSet>,
    fragments: &'a Fragments,
    memo: &mut HashMap<&'a Name, usize>,
    nested: usize,
) -> usize {
    if nested > CYCLE {
        return usize::MAX;
    }
    let depth_of = |item: &'a Positioned<Selection>, memo: &mut HashMap<&'a Name, usize>| match &item.node {
        Selection::Field(field) if is_introspection(&field.node.name.node) => 1,
        Selection::Field(field) => set_depth(&field.node.selection_set, fragments, memo, nested + 1).saturating_add(1),
        Selection::InlineFragment(inline) => set_depth(&inline.node.selection_set, fragments, memo, nested + 1),
        Selection::FragmentSpread(spread) => {
            let name = &spread.node.fragment_name.node;
            if let Some(depth) = memo.get(name) {
                return *depth;
            }
            let Some((key, fragment)) = fragments.get_key_value(name) else { return 0 };
            let depth = set_depth(&fragment.node.selection_set, fragments, memo, nested + 1);
            memo.insert(key, depth);
            depth
        }
    };
    set.node.items.iter().map(|item| depth_of(item, memo)).max().unwrap_or(0)
}

/// Whether any operation asks for `__schema` or `__type`, at any depth.
pub fn asks_introspection(doc: &ExecutableDocument) -> bool {
    fn asks(set: &Positioned<SelectionSet>, fragments: &Fragments, nested: usize) -> bool {
        nested <= CYCLE
            && set.node.items.iter().any(|item| match &item.node {
                Selection::Field(field) => {
                    is_introspection(&field.node.name.node) || asks(&field.node.selection_set, fragments, nested + 1)
                }
                Selection::InlineFragment(inline) => asks(&inline.node.selection_set, fragments, nested + 1),
                Selection::FragmentSpread(spread) => fragments
                    .get(&spread.node.fragment_name.node)
                    .is_some_and(|f| asks(&f.node.selection_set, fragments, nested + 1)),
            })
    }
    doc.operations.iter().any(|(_, op)| asks(&op.node.selection_set, &doc.fragments, 0))
}

fn is_introspection(name: &str) -> bool {
    matches!(name, "__schema" | "__type")
}

/// Whether some path of the document runs through [`MAX_INTROSPECTION_LISTS`] of the
/// introspection list fields, following each fragment once per path, as graphql-js does.
pub fn introspection_too_deep(doc: &ExecutableDocument) -> bool {
    let mut visited = HashSet::new();
    doc.operations.iter().any(|(_, op)| lists_too_deep(&op.node.selection_set, &doc.fragments, &mut visited, 0))
}

fn lists_too_deep<'a>(
    set: &'a Positioned<SelectionSet>,
    fragments: &'a Fragments,
    visited: &mut HashSet<&'a Name>,
    lists: usize,
) -> bool {
    set.node.items.iter().any(|item| match &item.node {
        Selection::Field(field) => {
            let lists = lists + usize::from(INTROSPECTION_LISTS.contains(&field.node.name.node.as_str()));
            lists >= MAX_INTROSPECTION_LISTS || lists_too_deep(&field.node.selection_set, fragments, visited, lists)
        }
        Selection::InlineFragment(inline) => lists_too_deep(&inline.node.selection_set, fragments, visited, lists),
        Selection::FragmentSpread(spread) => {
            let Some((key, fragment)) = fragments.get_key_value(&spread.node.fragment_name.node) else { return false };
            if !visited.insert(key) {
                return false;
            }
            let too_deep = lists_too_deep(&fragment.node.selection_set, fragments, visited, lists);
            visited.remove(key);
            too_deep
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(query).unwrap()
    }

    #[test]
    fn counts_the_schemas_own_fields_and_one_level_for_introspection() {
        assert_eq!(field_depth(&parse("{ a }")), 1);
        assert_eq!(field_depth(&parse("{ a { b { c } } d }")), 3);
        assert_eq!(field_depth(&parse("{ a { ...F } } fragment F on A { b { c } }")), 3);
        assert_eq!(field_depth(&parse("{ a { ... on A { b } } }")), 2);
        let deep_introspection = "{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }";
        assert_eq!(field_depth(&parse(deep_introspection)), 1);
    }

    #[test]
    fn finds_introspection_anywhere() {
        assert!(asks_introspection(&parse("{ a { ...F } } fragment F on A { b { __type(name: \"A\") { name } } }")));
        assert!(!asks_introspection(&parse("{ __typename a { b } }")));
    }

    #[test]
    fn three_nested_introspection_lists_are_too_deep() {
        assert!(!introspection_too_deep(&parse("{ __schema { types { fields { type { interfaces { name } } } } } }")));
        assert!(introspection_too_deep(&parse(
            "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
        )));
        assert!(introspection_too_deep(&parse(
            "{ __type(name: \"Query\") { ...L } } fragment L on __Type { fields { type { possibleTypes { inputFields { name } } } } }"
        )));
        // Sibling lists do not add up, and a fragment is followed once a path.
        assert!(!introspection_too_deep(&parse(
            "{ __schema { types { fields { name } inputFields { name } interfaces { name } possibleTypes { name } } } }"
        )));
    }
}
