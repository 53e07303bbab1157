//! Limits on what one GraphQL document may ask for, checked before anything runs.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation};
use async_graphql::parser::types::{ExecutableDocument, FragmentDefinition, Selection, SelectionSet};
use async_graphql::{Name, Positioned, ServerError, ServerResult, ValidationResult, Variables};

use crate::error::code;

/// The limits; the defaults let the richest legitimate inbox page of 100 conversations
/// through (every field of each, with customer, assignee, notes and activity: a
/// complexity of about 3,700 and 45 selections) and refuse alias or fragment blow-ups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    /// Levels of nested selections.
    pub depth: usize,
    /// async-graphql's complexity, in which a `conversations` page counts `limit` times.
    pub complexity: usize,
    /// Fields selected once fragments are expanded (aliases each count).
    pub selections: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self { depth: 12, complexity: 5_000, selections: 500 }
    }
}

/// Refuses documents over the limits with `GRAPHQL_VALIDATION_FAILED` and a message
/// naming the limit; also gives async-graphql's own parse and validation errors their
/// contract codes.
pub struct Guard(pub QueryLimits);

impl ExtensionFactory for Guard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(GuardExtension(self.0))
    }
}

struct GuardExtension(QueryLimits);

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
            if selections > self.0.selections {
                let message = format!(
                    "the query selects {selections} fields once fragments are expanded; the limit is {}",
                    self.0.selections
                );
                return Err(with_code(ServerError::new(message, None), code::GRAPHQL_VALIDATION_FAILED));
            }
        }
        next.run(ctx, query, variables).await.map_err(|e| with_code(e, code::GRAPHQL_PARSE_FAILED))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|mut e| {
                    e.message = match e.message.as_str() {
                        "Query is too complex." => format!(
                            "the query is too complex: the complexity limit is {} (a conversations page counts once per row)",
                            self.0.complexity
                        ),
                        "Query is nested too deep." => {
                            format!("the query is nested too deep: the depth limit is {}", self.0.depth)
                        }
                        _ => e.message,
                    };
                    with_code(e, code::GRAPHQL_VALIDATION_FAILED)
                })
                .collect()
        })
    }
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
