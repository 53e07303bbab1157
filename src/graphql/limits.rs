//! Limits on what one GraphQL document may ask for, checked before anything runs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation};
use async_graphql::parser::types::{
    ExecutableDocument, Field, FragmentDefinition, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, ServerError, ServerResult, ValidationResult, Variables};

use super::depth;
use crate::error::code;

/// The limits; the defaults let the richest legitimate inbox page of 100 conversations
/// through (every field of each, with customer, assignee, notes and activity, and its
/// total: a complexity of about 4,100 and 45 selections; with a search too, 4,700)
/// and refuse alias or fragment blow-ups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    /// Levels of nested fields of the schema's own types (introspection is bounded by
    /// its own rule: see [`super::depth`]).
    pub depth: usize,
    /// async-graphql's complexity, in which a page of `conversations` counts `limit`
    /// times (of `conversationsConnection`, `first` times; `nodes`, once per id),
    /// plus what its SQL costs beyond its rows ([`SEARCH_COST`], [`TOTAL_COST`]).
    pub complexity: usize,
    /// Fields selected once fragments are expanded (aliases each count).
    pub selections: usize,
    /// Fields at the root of an operation (aliases each count): each may run its own SQL
    /// at the same time as the others.
    pub root_fields: usize,
    /// Whether `__schema` and `__type` may be asked (`serve --introspection off`).
    pub introspection: bool,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self { depth: 12, complexity: 5_000, selections: 500, root_fields: 20, introspection: true }
    }
}

/// What a search adds to the complexity of a list of conversations (`conversations`,
/// `conversationsConnection`): it reads the search index besides the page's rows.
pub const SEARCH_COST: usize = 300;
/// What a list's total (`pagination.total`, `totalCount`) adds: a count; a search's total
/// counts every match, so it costs [`SEARCH_COST`] once more.
pub const TOTAL_COST: usize = 100;

/// Refuses documents over the limits with `GRAPHQL_VALIDATION_FAILED` and a message
/// naming the limit; also gives async-graphql's own parse and validation errors their
/// contract codes.
pub struct Guard(pub QueryLimits);

impl ExtensionFactory for Guard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(GuardExtension { limits: self.0, surcharge: AtomicUsize::new(0) })
    }
}

/// One request's guard: the limits, and what its document's SQL adds to its complexity
/// (found at parse, checked at validation).
struct GuardExtension {
    limits: QueryLimits,
    surcharge: AtomicUsize,
}

impl GuardExtension {
    fn too_complex(&self, complexity: Option<usize>) -> String {
        let its = complexity.map(|c| format!(" (this one: {c})")).unwrap_or_default();
        format!(
            "the query is too complex{its}: the complexity limit is {} (a conversations page counts once per row, \
             a search {SEARCH_COST} more, a total {TOTAL_COST} more)",
            self.limits.complexity
        )
    }
}

fn with_code(mut err: ServerError, code: &str) -> ServerError {
    let ext = err.extensions.get_or_insert_with(Default::default);
    if ext.get("code").is_none() {
        ext.set("code", code);
    }
    err
}

#[async_graphql::async_trait::async_trait]
impl Extension for GuardExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // Counted before async-graphql's own parse step and validation, which walk
        // fragments expanded (a fragment bomb makes them exponential): on the HTTP layer's
        // parse when it counted them, else on a parse of our own.
        let counted = match ctx.data_opt::<SelectionCount>() {
            Some(SelectionCount(n)) => Some(*n),
            None => async_graphql::parser::parse_query(query).ok().map(|doc| count_selections(&doc)),
        };
        if let Some(selections) = counted {
            if selections > self.limits.selections {
                let message = format!(
                    "the query selects {selections} fields once fragments are expanded; the limit is {}",
                    self.limits.selections
                );
                return Err(with_code(ServerError::new(message, None), code::GRAPHQL_VALIDATION_FAILED));
            }
        }
        let doc = next.run(ctx, query, variables).await.map_err(|e| with_code(e, code::GRAPHQL_PARSE_FAILED))?;
        let refuse = |message: String| Err(with_code(ServerError::new(message, None), code::GRAPHQL_VALIDATION_FAILED));
        if depth::field_depth(&doc) > self.limits.depth {
            return refuse(format!("the query is nested too deep: the depth limit is {}", self.limits.depth));
        }
        if !self.limits.introspection && depth::asks_introspection(&doc) {
            return refuse("introspection (__schema, __type) is turned off on this gateway".to_owned());
        }
        if depth::introspection_too_deep(&doc) {
            return refuse(format!(
                "the introspection query is nested too deep: a path may hold at most {} of fields, inputFields, \
                 interfaces and possibleTypes",
                depth::MAX_INTROSPECTION_LISTS - 1
            ));
        }
        let cost = DocumentCost::of(&doc, variables);
        if cost.root_fields > self.limits.root_fields {
            let message = format!(
                "the query has {} fields at its root (aliases count); the root field limit is {}",
                cost.root_fields, self.limits.root_fields
            );
            return Err(with_code(ServerError::new(message, None), code::GRAPHQL_VALIDATION_FAILED));
        }
        self.surcharge.store(cost.surcharge, Ordering::Relaxed);
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|mut e| {
                    e.message = match e.message.as_str() {
                        "Query is too complex." => self.too_complex(None),
                        _ => e.message,
                    };
                    with_code(e, code::GRAPHQL_VALIDATION_FAILED)
                })
                .collect::<Vec<_>>()
        })?;
        let complexity = result.complexity.saturating_add(self.surcharge.load(Ordering::Relaxed));
        if complexity > self.limits.complexity {
            let error = ServerError::new(self.too_complex(Some(complexity)), None);
            return Err(vec![with_code(error, code::GRAPHQL_VALIDATION_FAILED)]);
        }
        Ok(result)
    }
}

/// What a document asks of the database beyond async-graphql's complexity, for its
/// costliest operation (only one of them runs).
#[derive(Debug, Default, PartialEq, Eq)]
struct DocumentCost {
    /// Fields at the root, fragments expanded.
    root_fields: usize,
    /// [`SEARCH_COST`] per search of `conversations` or `conversationsConnection`, and
    /// [`TOTAL_COST`] per total (`pagination.total`, `totalCount`).
    surcharge: usize,
}

impl DocumentCost {
    fn of(doc: &ExecutableDocument, variables: &Variables) -> Self {
        doc.operations.iter().fold(Self::default(), |most, (_, op)| {
            let cost = Self::of_operation(&op.node, &doc.fragments, variables);
            Self { root_fields: most.root_fields.max(cost.root_fields), surcharge: most.surcharge.max(cost.surcharge) }
        })
    }

    fn of_operation(
        op: &OperationDefinition,
        fragments: &HashMap<Name, Positioned<FragmentDefinition>>,
        variables: &Variables,
    ) -> Self {
        let variable = |name: Name| {
            variables.get(&name).cloned().or_else(|| {
                op.variable_definitions
                    .iter()
                    .find(|v| v.node.name.node == name)
                    .and_then(|v| v.node.default_value.as_ref().map(|d| d.node.clone()))
            })
        };
        let roots = expanded(&op.selection_set, fragments);
        let surcharge = roots
            .iter()
            .filter_map(|field| {
                LISTS.iter().find(|(name, _)| field.node.name.node == *name).map(|(_, total)| (field, *total))
            })
            .map(|(field, total_path)| {
                let filter = field
                    .node
                    .get_argument("filter")
                    .and_then(|v| v.node.clone().into_const_with(|name| variable(name).ok_or(())).ok());
                let search = filter.as_ref().is_some_and(has_search);
                let total = selects(&field.node.selection_set, total_path, fragments);
                match (search, total) {
                    (true, true) => 2 * SEARCH_COST + TOTAL_COST,
                    (true, false) => SEARCH_COST,
                    (false, true) => TOTAL_COST,
                    (false, false) => 0,
                }
            })
            .fold(0usize, usize::saturating_add);
        Self { root_fields: roots.len(), surcharge }
    }
}

/// The root fields that list conversations, and the path of the total in each.
const LISTS: [(&str, &[&str]); 2] =
    [("conversations", &["pagination", "total"]), ("conversationsConnection", &["totalCount"])];

/// True when the selection set asks for the field at `path`, fragments expanded.
fn selects(
    set: &Positioned<SelectionSet>,
    path: &[&str],
    fragments: &HashMap<Name, Positioned<FragmentDefinition>>,
) -> bool {
    let Some((first, rest)) = path.split_first() else {
        return true;
    };
    expanded(set, fragments)
        .iter()
        .any(|f| f.node.name.node == *first && selects(&f.node.selection_set, rest, fragments))
}

/// True when a `ConversationFilter` value holds a search (a non-blank `search`).
fn has_search(filter: &async_graphql::Value) -> bool {
    match filter {
        async_graphql::Value::Object(fields) => {
            matches!(fields.get("search"), Some(async_graphql::Value::String(text)) if !text.trim().is_empty())
        }
        _ => false,
    }
}

/// The fields of a selection set with its fragments expanded (one level; the selection
/// limit, checked first, bounds the work).
fn expanded<'a>(
    set: &'a Positioned<SelectionSet>,
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
) -> Vec<&'a Positioned<Field>> {
    fn collect<'a>(
        set: &'a Positioned<SelectionSet>,
        fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
        depth: usize,
        out: &mut Vec<&'a Positioned<Field>>,
    ) {
        if depth > 64 {
            return;
        }
        for item in &set.node.items {
            match &item.node {
                Selection::Field(field) => out.push(field),
                Selection::InlineFragment(inline) => collect(&inline.node.selection_set, fragments, depth + 1, out),
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = fragments.get(&spread.node.fragment_name.node) {
                        collect(&fragment.node.selection_set, fragments, depth + 1, out);
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    collect(set, fragments, 0, &mut out);
    out
}

/// The selections of the request's document, counted by whoever parsed it first (the
/// HTTP layer parses each document once and hands it on, parsed, to async-graphql).
#[derive(Debug, Clone, Copy)]
pub struct SelectionCount(pub usize);

/// Fields of every operation with fragments expanded, each fragment counted once and
/// reused (so a fragment bomb is counted, not expanded); saturates instead of overflowing.
pub fn count_selections(doc: &ExecutableDocument) -> usize {
    let mut memo: HashMap<&Name, usize> = HashMap::new();
    doc.operations
        .iter()
        .fold(0, |total, (_, op)| total.saturating_add(count_set(&op.node.selection_set, &doc.fragments, &mut memo, 0)))
}

fn count_set<'a>(
    set: &'a Positioned<SelectionSet>,
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    memo: &mut HashMap<&'a Name, usize>,
    depth: usize,
) -> usize {
    // Fragment cycles are refused by validation; stop counting long before recursion hurts.
    if depth > 64 {
        return usize::MAX;
    }
    set.node.items.iter().fold(0usize, |total, item| {
        let n = match &item.node {
            Selection::Field(field) => {
                1usize.saturating_add(count_set(&field.node.selection_set, fragments, memo, depth + 1))
            }
            Selection::InlineFragment(inline) => count_set(&inline.node.selection_set, fragments, memo, depth + 1),
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                if let Some(n) = memo.get(name) {
                    *n
                } else if let Some((key, fragment)) = fragments.get_key_value(name) {
                    let n = count_set(&fragment.node.selection_set, fragments, memo, depth + 1);
                    memo.insert(key, n);
                    n
                } else {
                    0
                }
            }
        };
        total.saturating_add(n)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(query: &str) -> usize {
        count_selections(&async_graphql::parser::parse_query(query).unwrap())
    }

    #[test]
    fn counts_fields_aliases_and_fragments() {
        assert_eq!(count("{ a b { c d } }"), 4);
        assert_eq!(count("{ x: a y: a z: a }"), 3);
        assert_eq!(count("{ ...F ...F } fragment F on Q { a b }"), 4);
        assert_eq!(count("{ ... on Q { a } }"), 1);
    }

    fn cost(query: &str, variables: serde_json::Value) -> DocumentCost {
        let doc = async_graphql::parser::parse_query(query).unwrap();
        DocumentCost::of(&doc, &Variables::from_json(variables))
    }

    #[test]
    fn searches_and_totals_cost_more_than_their_rows() {
        let none = serde_json::json!({});
        assert_eq!(cost("{ conversations { conversations { id } } }", none.clone()).surcharge, 0);
        let total = "{ conversations { pagination { total } } }";
        assert_eq!(cost(total, none.clone()).surcharge, TOTAL_COST);
        let search = r#"{ a: conversations(filter: {search: "heater"}) { conversations { id } } }"#;
        assert_eq!(cost(search, none.clone()).surcharge, SEARCH_COST);
        let blank = r#"{ conversations(filter: {search: "  "}) { conversations { id } } }"#;
        assert_eq!(cost(blank, none.clone()).surcharge, 0);
        let by_variable = "query($f: ConversationFilter) { conversations(filter: $f) { ...P } } \
                           fragment P on ConversationList { pagination { total } }";
        assert_eq!(
            cost(by_variable, serde_json::json!({"f": {"search": "jose"}})).surcharge,
            2 * SEARCH_COST + TOTAL_COST
        );
        let by_default =
            r#"query($s: String = "jose") { conversations(filter: {search: $s}) { pagination { hasMore } } }"#;
        assert_eq!(cost(by_default, none).surcharge, SEARCH_COST);
    }

    #[test]
    fn a_connection_costs_what_the_list_costs() {
        let none = serde_json::json!({});
        let page = "{ conversationsConnection(first: 100) { edges { cursor node { id } } pageInfo { hasNextPage } } }";
        assert_eq!(cost(page, none.clone()).surcharge, 0);
        assert_eq!(cost("{ conversationsConnection { totalCount } }", none.clone()).surcharge, TOTAL_COST);
        let searched = r#"{ conversationsConnection(filter: {search: "heater"}) { edges { cursor } } }"#;
        assert_eq!(cost(searched, none.clone()).surcharge, SEARCH_COST);
        let by_fragment = "query($f: ConversationFilter) { a: conversationsConnection(filter: $f) { ...T } \
                           b: conversations { pagination { total } } } \
                           fragment T on ConversationConnection { totalCount }";
        assert_eq!(
            cost(by_fragment, serde_json::json!({"f": {"search": "jose"}})).surcharge,
            2 * SEARCH_COST + 2 * TOTAL_COST
        );
        let not_a_total = "{ conversations { totalCount: pagination { limit } } conversationsConnection { pageInfo { total: endCursor } } }";
        assert_eq!(cost(not_a_total, none).surcharge, 0, "aliases do not make a total");
    }

    #[test]
    fn root_fields_count_aliases_and_fragments_for_the_largest_operation() {
        let none = serde_json::json!({});
        let aliased: String = (0..25).map(|i| format!("c{i}: __typename ")).collect();
        assert_eq!(cost(&format!("{{ {aliased} }}"), none.clone()).root_fields, 25);
        let fragments = "query A { ...F ...F __typename } query B { __typename } fragment F on Query { a: __typename b: __typename }";
        assert_eq!(cost(fragments, none).root_fields, 5);
    }

    #[test]
    fn a_fragment_bomb_is_counted_without_expanding_it() {
        let mut query = String::from("{ ...F0 }");
        for i in 0..40 {
            query.push_str(&format!(" fragment F{i} on Q {{ ...F{n} ...F{n} }}", n = i + 1));
        }
        query.push_str(" fragment F40 on Q { a }");
        assert_eq!(count(&query), 1usize << 40);
    }
}
