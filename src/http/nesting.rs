//! How deep a request's brackets nest, found by one linear pass over its text before
//! any recursive parser sees it. The GraphQL parser and async-graphql's handling of
//! values recurse once per level of a list, an object or a selection set, so a few
//! kilobytes of `[[[[…` would overflow a worker's stack and abort the process.

/// Deepest nesting of `{`, `[` and `(` a GraphQL document, or a variables value, may
/// have. The richest legitimate document (the standard introspection query) nests about
/// 12 levels; a selection deeper than `--max-depth` is refused later anyway.
pub const MAX_NESTING: usize = 32;

/// A GraphQL document nesting at most [`MAX_NESTING`] levels.
pub fn check_document(text: &str) -> Result<(), TooDeep> {
    check(text.as_bytes(), Syntax::GraphQl, MAX_NESTING).map_err(|_| TooDeep { limit: MAX_NESTING })
}

/// A variables object (one level) whose values nest at most [`MAX_NESTING`] levels.
pub fn check_variables(json: &str) -> Result<(), TooDeep> {
    check(json.as_bytes(), Syntax::Json, MAX_NESTING + 1).map_err(|_| TooDeep { limit: MAX_NESTING })
}

/// A request that arrived already decoded (a WebSocket message, decoded by the protocol
/// with serde_json's own recursion limit): its document and its variables, bounded as
/// every other transport bounds them before anything recursive touches the document.
pub fn check_request(request: &async_graphql::Request) -> Result<(), TooDeep> {
    check_document(&request.query)?;
    let deepest = request.variables.iter().map(|(_, value)| value_depth(value, 0)).max().unwrap_or(0);
    if deepest > MAX_NESTING {
        return Err(TooDeep { limit: MAX_NESTING });
    }
    Ok(())
}

/// How deep a value nests below `depth` levels (a scalar adds none), counting no
/// further than just past the bound.
fn value_depth(value: &async_graphql::Value, depth: usize) -> usize {
    let children: Box<dyn Iterator<Item = &async_graphql::Value>> = match value {
        async_graphql::Value::List(items) => Box::new(items.iter()),
        async_graphql::Value::Object(fields) => Box::new(fields.values()),
        _ => return depth,
    };
    if depth + 1 > MAX_NESTING {
        return depth + 1;
    }
    children.map(|v| value_depth(v, depth + 1)).max().unwrap_or(depth + 1)
}

/// A POST body: the request object and its variables object (two levels) around
/// values nesting at most [`MAX_NESTING`] levels.
pub fn check_body(json: &[u8]) -> Result<(), TooDeep> {
    check(json, Syntax::Json, MAX_NESTING + 2).map_err(|_| TooDeep { limit: MAX_NESTING })
}

/// A batch: an array of request bodies.
pub fn check_batch(json: &[u8]) -> Result<(), TooDeep> {
    check(json, Syntax::Json, MAX_NESTING + 3).map_err(|_| TooDeep { limit: MAX_NESTING })
}

/// The text being scanned: GraphQL has comments and block strings, JSON has neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    GraphQl,
    Json,
}

/// `Err` as soon as the brackets of `text` outside strings (and GraphQL comments) nest
/// deeper than `limit`. Unbalanced brackets are left to the parser: only depth counts.
pub fn check(text: &[u8], syntax: Syntax, limit: usize) -> Result<(), TooDeep> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'"' if syntax == Syntax::GraphQl && text[i..].starts_with(b"\"\"\"") => i = skip_block_string(text, i + 3),
            b'"' => i = skip_string(text, i + 1),
            b'#' if syntax == Syntax::GraphQl => i = skip_comment(text, i + 1),
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > limit {
                    return Err(TooDeep { limit });
                }
                i += 1;
            }
            b'}' | b']' | b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// What a document nested too deep is refused with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooDeep {
    pub limit: usize,
}

impl std::fmt::Display for TooDeep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "lists, objects and selections may nest at most {} levels deep", self.limit)
    }
}

/// The index just past the string whose opening quote is before `i`.
fn skip_string(text: &[u8], mut i: usize) -> usize {
    while i < text.len() {
        match text[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    text.len()
}

/// The index just past the block string (`"""…"""`, where `\"""` is an escaped quote)
/// whose opening quotes are before `i`.
fn skip_block_string(text: &[u8], mut i: usize) -> usize {
    while i < text.len() {
        if text[i..].starts_with(b"\\\"\"\"") {
            i += 4;
        } else if text[i..].starts_with(b"\"\"\"") {
            return i + 3;
        } else {
            i += 1;
        }
    }
    text.len()
}

fn skip_comment(text: &[u8], i: usize) -> usize {
    text[i..].iter().position(|&b| b == b'\n' || b == b'\r').map_or(text.len(), |n| i + n + 1)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn graphql(text: &str, limit: usize) -> bool {
        check(text.as_bytes(), Syntax::GraphQl, limit).is_ok()
    }

    #[test]
    fn counts_every_kind_of_bracket() {
        assert!(graphql("{ a(b: [{c: 1}]) { d } }", 4));
        assert!(!graphql("{ a(b: [{c: 1}]) { d } }", 3));
        assert!(check(br#"{"a": [[1]]}"#, Syntax::Json, 3).is_ok());
        assert!(check(br#"{"a": [[1]]}"#, Syntax::Json, 2).is_err());
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        assert!(graphql(r#"{ a(s: "[[[[[[\"[[[[") }"#, 2));
        assert!(graphql("{ a(s: \"\"\"[[[[\\\"\"\"[[[[\"\"\") }", 2));
        assert!(graphql("{ a # [[[[[[[[\n }", 1));
        assert!(check(br#"{"q": "{{{{{{\"{{{{"}"#, Syntax::Json, 1).is_ok());
        assert!(check(br##"{"q": 1, "x": "#"}"##, Syntax::Json, 1).is_ok());
    }

    #[test]
    fn a_decoded_requests_document_and_variables_are_bounded() {
        let deep = |n: usize| {
            format!(
                "subscription {{ conversationEvents(filter: {}{}) {{ cursor }} }}",
                "{a: [".repeat(n),
                "]}".repeat(n)
            )
        };
        assert!(check_request(&async_graphql::Request::new(deep(10))).is_ok());
        assert!(check_request(&async_graphql::Request::new(deep(1_800))).is_err());
        let nested = |n: usize| {
            let mut value = serde_json::json!(1);
            for _ in 0..n {
                value = serde_json::json!([value]);
            }
            async_graphql::Request::new("{ __typename }")
                .variables(async_graphql::Variables::from_json(serde_json::json!({ "v": value })))
        };
        assert!(check_request(&nested(MAX_NESTING)).is_ok());
        assert!(check_request(&nested(MAX_NESTING + 1)).is_err());
    }

    #[test]
    fn a_hundred_thousand_levels_are_refused_quickly() {
        let deep = format!("{{ conversation(id: {}1{}) {{ id }} }}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(check(deep.as_bytes(), Syntax::GraphQl, MAX_NESTING), Err(TooDeep { limit: MAX_NESTING }));
        let json = format!("{}{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
        assert!(check(json.as_bytes(), Syntax::Json, MAX_NESTING).is_err());
    }

    proptest! {
        /// The scan agrees with the nesting a generator built, whatever the strings,
        /// comments and brackets between.
        #[test]
        fn finds_the_depth_that_was_built(levels in proptest::collection::vec((0u8..3, "[a-z \"\\[\\]#]{0,6}"), 0..60)) {
            let mut text = String::new();
            for (kind, filler) in &levels {
                text.push(match kind { 0 => '{', 1 => '[', _ => '(' });
                // Filler goes inside a string, so it never changes the depth.
                text.push('"');
                text.push_str(&filler.replace('\\', "").replace('"', "\\\""));
                text.push('"');
            }
            for (kind, _) in levels.iter().rev() {
                text.push(match kind { 0 => '}', 1 => ']', _ => ')' });
            }
            prop_assert!(check(text.as_bytes(), Syntax::GraphQl, levels.len()).is_ok());
            if !levels.is_empty() {
                prop_assert!(check(text.as_bytes(), Syntax::GraphQl, levels.len() - 1).is_err());
            }
        }
    }
}
