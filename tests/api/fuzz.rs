//! Nothing a client sends makes the server panic or answer 500: random documents,
//! variables and headers, for a bounded number of cases (`FUZZ_CASES`, default 200).

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};

use crate::helpers::{contract_examples, spawn_app};

const PIECES: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ":",
    "...",
    "@skip(if: true)",
    "query",
    "mutation",
    "fragment F on Query",
    "conversations",
    "conversation",
    "conversationsConnection",
    "first:",
    "edges",
    "cursor",
    "pageInfo",
    "totalCount",
    "node",
    "nodes",
    "nodeId",
    "nodeId:",
    "nodeIds:",
    "\"Q29udmVyc2F0aW9uOmNvbnZfYWJjMTIz\"",
    "id",
    "limit:",
    "offset:",
    "after:",
    "filter:",
    "search:",
    "\"water\"",
    "100",
    "-1",
    "1e309",
    "null",
    "$v",
    "status: OPEN",
    "tags: [\"a\"]",
    "pagination",
    "total",
    "customer",
    "name",
    "addConversationTags",
    "input:",
    "conversationId:",
    "\"conv_abc123\"",
    "__schema",
    "__typename",
    "\"\\u0000\"",
    "#",
    "\"\"\"",
    "é",
    "𝒢",
    ",",
    "...F",
    "on",
    "Conversation",
];

fn document() -> impl Strategy<Value = String> {
    prop_oneof![prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|p| p.join(" ")), "\\PC{0,200}",]
}

fn variables() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        "\\PC{0,30}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 20, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::hash_map("[a-zA-Z]{1,8}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn cases() -> u32 {
    std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200)
}

#[test]
fn random_requests_never_crash_the_server() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = runtime.block_on(async {
        let app = spawn_app().await;
        app.import(&contract_examples()).await;
        app
    });
    let strategy = (document(), variables(), prop::option::of("\\PC{0,40}"), "[ -~]{0,60}", any::<bool>());
    let mut runner = TestRunner::new(Config { cases: cases(), failure_persistence: None, ..Config::default() });
    runner
        .run(&strategy, |(query, vars, operation, header, use_get)| {
            runtime.block_on(async {
                let url = format!("{}/graphql", app.address);
                let request = if use_get {
                    app.client.get(&url).query(&[("query", query.as_str()), ("variables", &vars.to_string())])
                } else {
                    app.client.post(&url).json(&json!({"query": query, "variables": vars, "operationName": operation}))
                };
                let mut request = request.bearer_auth(&app.api_key).header("X-Workspace-ID", &app.workspace);
                if let Ok(value) = reqwest::header::HeaderValue::from_str(&header) {
                    request = request.header("X-Request-Id", value.clone()).header("Accept", value);
                }
                let response = request.send().await.expect("the server answers");
                let status = response.status().as_u16();
                prop_assert!([200, 400, 405, 413].contains(&status), "status {status} for {query:?}");
                let body: Value = response.json().await.expect("a JSON body");
                if let Some(errors) = body.get("errors").and_then(Value::as_array) {
                    for error in errors {
                        let code = error["extensions"]["code"].as_str().unwrap_or_default();
                        prop_assert!(!code.is_empty(), "an error without a code: {error}");
                        prop_assert_ne!(code, "INTERNAL_SERVER_ERROR", "for {:?}", query);
                    }
                }
                Ok(())
            })
        })
        .unwrap();
    let health = runtime.block_on(app.client.get(format!("{}/healthz", app.address)).send()).unwrap();
    assert_eq!(health.status(), 200, "still serving");
}

/// A document or variables nested `depth` deep in one of four ways, or `width` wide.
#[derive(Debug, Clone)]
enum Shape {
    List(usize),
    Object(usize),
    Selection(usize),
    Variables(usize),
    Aliases(usize),
    LongList(usize),
}

fn shape() -> impl Strategy<Value = Shape> {
    // Depths around the bound, and far past it (the old crash took ~1,800 levels).
    let depth = prop_oneof![0usize..40, 1_000usize..100_001];
    let width = prop_oneof![0usize..50, 400usize..5_000];
    prop_oneof![
        depth.clone().prop_map(Shape::List),
        depth.clone().prop_map(Shape::Object),
        depth.clone().prop_map(Shape::Selection),
        depth.prop_map(Shape::Variables),
        width.clone().prop_map(Shape::Aliases),
        width.prop_map(Shape::LongList),
    ]
}

/// The request body's `query` and `variables` (as JSON text) for a shape.
fn shaped(shape: &Shape) -> (String, String) {
    let filtered = "query Q($f: ConversationFilter) { conversations(filter: $f) { pagination { total } } }";
    match *shape {
        Shape::List(n) => {
            (format!("{{ conversation(id: {}\"x\"{}) {{ id }} }}", "[".repeat(n), "]".repeat(n)), "{}".into())
        }
        Shape::Object(n) => (
            format!(
                "{{ conversations(filter: {}1{}) {{ pagination {{ total }} }} }}",
                "{search: ".repeat(n),
                "}".repeat(n)
            ),
            "{}".into(),
        ),
        Shape::Selection(n) => {
            (format!("{{ conversation(id: \"x\") {}id{} }}", "{ customer ".repeat(n), " }".repeat(n)), "{}".into())
        }
        Shape::Variables(n) => {
            (filtered.into(), format!("{{\"f\": {}\"x\"{}}}", "{\"search\": [".repeat(n), "]}".repeat(n)))
        }
        Shape::Aliases(n) => {
            let fields: String = (0..n)
                .map(|i| {
                    format!(
                        "a{i}: conversations(limit: 1, filter: {{search: \"water\"}}) {{ pagination {{ total }} }} "
                    )
                })
                .collect();
            (format!("{{ {fields} }}"), "{}".into())
        }
        Shape::LongList(n) => (filtered.into(), format!("{{\"f\": {{\"channels\": {}}}}}", json!(vec!["VOICE"; n]))),
    }
}

#[test]
fn deep_and_wide_requests_are_refused_with_a_code_and_never_crash_the_server() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = runtime.block_on(async {
        let app = spawn_app().await;
        app.import(&contract_examples()).await;
        app
    });
    let strategy = (shape(), any::<bool>(), any::<bool>());
    let cases = (cases() / 4).max(16);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    runner
        .run(&strategy, |(shape, use_get, credentials)| {
            runtime.block_on(async {
                let (query, variables) = shaped(&shape);
                let url = format!("{}/graphql", app.address);
                // A URL holds at most 64 KiB: longer documents go by POST.
                let request = if use_get && query.len() + variables.len() < 20_000 {
                    app.client.get(&url).query(&[("query", query.as_str()), ("variables", variables.as_str())])
                } else {
                    let body = format!("{{\"query\": {}, \"variables\": {variables}}}", json!(query));
                    app.client.post(&url).header("Content-Type", "application/json").body(body)
                };
                let request = if credentials {
                    request.bearer_auth(&app.api_key).header("X-Workspace-ID", &app.workspace)
                } else {
                    request
                };
                let response = request.send().await.expect("the server answers");
                let status = response.status().as_u16();
                let body: Value = response.json().await.expect("a JSON body");
                if !credentials {
                    // Past the failed-authentication burst, the address is refused for a moment.
                    prop_assert!([401, 429].contains(&status), "status {status} without a key");
                }
                prop_assert!([200, 400, 401, 413, 429].contains(&status), "status {status} for {shape:?}: {body}");
                if let Some(errors) = body.get("errors").and_then(Value::as_array) {
                    for error in errors {
                        let code = error["extensions"]["code"].as_str().unwrap_or_default();
                        prop_assert!(!code.is_empty(), "an error without a code: {error}");
                        prop_assert_ne!(code, "INTERNAL_SERVER_ERROR", "for {:?}", shape);
                    }
                }
                let health = app.client.get(format!("{}/healthz", app.address)).send().await.expect("still serving");
                prop_assert_eq!(health.status().as_u16(), 200);
                Ok(())
            })
        })
        .unwrap();
}
