//! The HTTP surface (contract section 2): request ids, timestamps, GET and POST,
//! media types, `GraphiQL`, health, and errors that always carry a code.

use reqwest::header::{ACCEPT, ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};
use reqwest::{RequestBuilder, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{answer, contract_examples, spawn_app, Answer, TestApp};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const TOTAL: &str = "{ conversations { pagination { total } } }";
const CODES: [&str; 9] = [
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "SERVICE_UNAVAILABLE",
    "RATE_LIMITED",
    "INTERNAL_SERVER_ERROR",
];

#[derive(Debug, Clone, Copy)]
enum Method {
    Get,
    Post,
}

fn url(app: &TestApp, path: &str) -> String {
    format!("{}{path}", app.address)
}

fn authed(app: &TestApp, request: RequestBuilder) -> RequestBuilder {
    request.bearer_auth(&app.api_key).header("X-Workspace-ID", &app.workspace)
}

/// A GraphQL request with this app's credentials, by GET or POST.
fn graphql(app: &TestApp, method: Method, query: &str) -> RequestBuilder {
    let request = match method {
        Method::Get => app.client.get(url(app, "/graphql")).query(&[("query", query)]),
        Method::Post => app.client.post(url(app, "/graphql")).json(&json!({ "query": query })),
    };
    authed(app, request)
}

fn media_type(answer: &Answer) -> &str {
    answer.headers[CONTENT_TYPE].to_str().unwrap().split(';').next().unwrap().trim()
}

fn request_id_header(headers: &reqwest::header::HeaderMap) -> &str {
    headers.get("x-request-id").expect("an X-Request-Id header").to_str().unwrap()
}

/// Every error of the body carries one of the contract's codes; returns the codes.
fn error_codes(body: &Value) -> Vec<&str> {
    let errors = body["errors"].as_array().expect("an errors list");
    assert!(!errors.is_empty(), "at least one error in {body}");
    errors
        .iter()
        .map(|e| {
            assert!(e["message"].is_string(), "a message in {e}");
            let code = e["extensions"]["code"].as_str().unwrap_or_else(|| panic!("no extensions.code in {e}"));
            assert!(CODES.contains(&code), "{code} is a contract code");
            code
        })
        .collect()
}

#[tokio::test]
async fn a_sane_client_request_id_is_echoed() {
    let app = spawn_app().await;
    for sent in ["trace-42", "0f8fad5b-d9cb-469f-a165-70867728950e", "svc.web:req_7"] {
        let answer = answer(graphql(&app, Method::Post, TOTAL).header("X-Request-Id", sent)).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(request_id_header(&answer.headers), sent);
        assert_eq!(answer.body["extensions"]["requestId"], sent);
    }
    let health = app.client.get(url(&app, "/healthz")).header("X-Request-Id", "trace-43").send().await.unwrap();
    assert_eq!(request_id_header(health.headers()), "trace-43");
}

#[tokio::test]
async fn a_missing_or_insane_request_id_is_replaced_by_a_generated_one() {
    let app = spawn_app().await;
    let long = "a".repeat(200);
    let cases = [None, Some("has space"), Some(long.as_str()), Some("quote\"d"), Some("semi;colon")];
    let mut seen = Vec::new();
    for sent in cases {
        let mut request = graphql(&app, Method::Post, TOTAL);
        if let Some(sent) = sent {
            request = request.header("X-Request-Id", sent);
        }
        let answer = answer(request).await;
        let id = request_id_header(&answer.headers).to_owned();
        assert!(id.starts_with("req_"), "{sent:?} gave {id}");
        assert_eq!(answer.body["extensions"]["requestId"], id.as_str());
        assert!(!seen.contains(&id), "{id} is fresh");
        seen.push(id);
    }
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let requests = [
        ("healthz", app.client.get(url(&app, "/healthz"))),
        ("readyz", app.client.get(url(&app, "/readyz"))),
        ("graphiql", app.client.get(url(&app, "/"))),
        ("unauthenticated", app.client.post(url(&app, "/graphql")).json(&json!({"query": TOTAL}))),
        ("not found", app.client.get(url(&app, "/nowhere"))),
    ];
    for (case, request) in requests {
        let response = request.send().await.unwrap();
        assert!(request_id_header(response.headers()).starts_with("req_"), "{case}");
    }
}

#[tokio::test]
async fn the_timestamp_is_rfc3339_in_utc() {
    let app = spawn_app().await;
    let anonymous = app.client.post(url(&app, "/graphql")).json(&json!({"query": TOTAL}));
    for request in [graphql(&app, Method::Post, TOTAL), anonymous] {
        let before = chrono::Utc::now();
        let answer = answer(request).await;
        let after = chrono::Utc::now();
        let raw =
            answer.body["extensions"]["timestamp"].as_str().unwrap_or_else(|| panic!("a timestamp in {}", answer.body));
        assert!(raw.ends_with('Z'), "{raw} is in UTC with Z");
        let at = chrono::DateTime::parse_from_rfc3339(raw).expect("RFC 3339");
        assert_eq!(at.offset().local_minus_utc(), 0);
        let at = at.with_timezone(&chrono::Utc);
        let slack = chrono::Duration::seconds(1);
        assert!(before - slack <= at && at <= after + slack, "{raw} is now");
    }
}

#[tokio::test]
async fn get_runs_queries() {
    let app = spawn_app().await;
    app.import(&contract_examples()).await;
    let request = authed(
        &app,
        app.client.get(url(&app, "/graphql")).query(&[
            ("query", "query One($id: ID!) { conversation(id: $id) { id status tags } }"),
            ("variables", r#"{"id": "conv_def456"}"#),
            ("operationName", "One"),
        ]),
    );
    let answer = answer(request).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.data()["conversation"],
        json!({"id": "conv_def456", "status": "PENDING", "tags": ["sales_inquiry", "maintenance_plan"]})
    );
}

/// A document with a query and a mutation; `operationName` chooses one.
const READ_AND_WRITE: &str = r#"query Read { conversation(id: "conv_abc123") { tags } }
    mutation Write { addConversationTags(input: {conversationId: "conv_abc123", tags: ["via_get"]}) { conversation { id } } }"#;

#[tokio::test]
async fn get_refuses_mutations_and_changes_nothing() {
    let app = spawn_app().await;
    app.import(&contract_examples()).await;
    let add = r#"mutation { addConversationTags(input: {conversationId: "conv_abc123", tags: ["via_get"]}) { conversation { id } } }"#;
    let refused = [("a mutation", add, None), ("a mutation chosen by name", READ_AND_WRITE, Some("Write"))];
    for (case, query, operation) in refused {
        let mut params = vec![("query", query)];
        params.extend(operation.map(|name| ("operationName", name)));
        let answer = answer(authed(&app, app.client.get(url(&app, "/graphql")).query(&params))).await;
        assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{case}: {}", answer.body);
        error_codes(&answer.body);
        assert!(answer.body["data"].is_null(), "{case}: nothing ran");
    }

    let read = app.gql("{ conversation(id: \"conv_abc123\") { tags } }", json!({})).await;
    assert_eq!(
        read.data()["conversation"]["tags"],
        json!(["emergency", "water_heater"]),
        "the refused mutations changed nothing"
    );
}

#[tokio::test]
async fn get_runs_the_query_that_operation_name_chooses() {
    let app = spawn_app().await;
    app.import(&contract_examples()).await;
    let request = authed(
        &app,
        app.client.get(url(&app, "/graphql")).query(&[("query", READ_AND_WRITE), ("operationName", "Read")]),
    );
    let answer = answer(request).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.data()["conversation"]["tags"], json!(["emergency", "water_heater"]));
}

#[tokio::test]
async fn the_content_type_follows_accept() {
    let app = spawn_app().await;
    let cases = [
        (None, "application/json"),
        (Some("application/json"), "application/json"),
        (Some("*/*"), "application/json"),
        (Some(GRAPHQL_RESPONSE), GRAPHQL_RESPONSE),
        (Some("application/graphql-response+json, application/json;q=0.9"), GRAPHQL_RESPONSE),
    ];
    for method in [Method::Get, Method::Post] {
        for (accept, expected) in cases {
            let mut request = graphql(&app, method, TOTAL);
            if let Some(accept) = accept {
                request = request.header(ACCEPT, accept);
            }
            let answer = answer(request).await;
            assert_eq!(answer.status, StatusCode::OK);
            assert_eq!(answer.data()["conversations"]["pagination"]["total"], 0);
            assert_eq!(media_type(&answer), expected, "{method:?} with {accept:?}");
        }
    }
}

#[tokio::test]
async fn graphiql_is_served_at_the_root_and_to_browsers() {
    let app = spawn_app().await;
    let requests = [
        ("GET /", app.client.get(url(&app, "/"))),
        (
            "GET /graphql from a browser",
            app.client.get(url(&app, "/graphql")).header(ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8"),
        ),
    ];
    for (case, request) in requests {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{case}");
        let content_type = response.headers()[CONTENT_TYPE].to_str().unwrap().to_owned();
        assert!(content_type.starts_with("text/html"), "{case}: {content_type}");
        let page = response.text().await.unwrap();
        assert!(page.contains("<html") && page.contains("GraphiQL"), "{case}");
    }
}

/// The page's `src`/`href` attribute values, in order.
fn page_references(page: &str) -> Vec<String> {
    ["src=\"", "href=\""]
        .iter()
        .flat_map(|attribute| page.match_indices(attribute).map(move |(at, _)| at + attribute.len()))
        .map(|start| page[start..].split('"').next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn graphiql_loads_every_asset_from_the_gateway_under_content_hashed_names() {
    use sha2::{Digest, Sha256};
    use std::io::Read;

    let app = spawn_app().await;
    let response = app.client.get(url(&app, "/")).send().await.unwrap();
    assert_eq!(response.headers()[CACHE_CONTROL], "no-cache", "the page is revalidated");
    let page = response.text().await.unwrap();
    assert!(!page.contains("://"), "the page names no other host: {page}");
    assert!(!page.contains("shouldPersistHeaders: true"), "headers are not persisted unless the user asks");
    let references = page_references(&page);
    assert_eq!(references.len(), 4, "GraphiQL's script and style, React and ReactDOM: {references:?}");
    for reference in &references {
        assert!(reference.starts_with("/graphiql/"), "{reference}");
        let response = app.client.get(url(&app, reference)).header(ACCEPT_ENCODING, "identity").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{reference}");
        assert_eq!(response.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable", "{reference}");
        assert!(response.headers().get(CONTENT_ENCODING).is_none(), "{reference}");
        let content_type = response.headers()[CONTENT_TYPE].to_str().unwrap().to_owned();
        let expected = if reference.ends_with(".css") { "text/css" } else { "text/javascript" };
        assert!(content_type.starts_with(expected), "{reference}: {content_type}");
        let body = response.bytes().await.unwrap();
        let hash = hex::encode(&Sha256::digest(&body)[..8]);
        assert!(reference.contains(&format!(".{hash}.")), "{reference} is named after its content ({hash})");

        // Gzipped for a browser, once, to the same bytes.
        let zipped =
            app.client.get(url(&app, reference)).header(ACCEPT_ENCODING, "gzip, deflate, br").send().await.unwrap();
        assert_eq!(zipped.headers()[CONTENT_ENCODING], "gzip", "{reference}");
        assert_eq!(zipped.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable", "{reference}");
        let zipped = zipped.bytes().await.unwrap();
        assert!(zipped.len() < body.len(), "{reference}");
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(zipped.as_ref()).read_to_end(&mut unzipped).unwrap();
        assert!(unzipped == body.as_ref(), "{reference}: gzip decodes to the asset");
    }
    let html = app.client.get(url(&app, "/graphql")).header(ACCEPT, "text/html").send().await.unwrap();
    assert_eq!(page_references(&html.text().await.unwrap()), references, "GET /graphql from a browser: the same page");
    for unknown in ["/graphiql/graphiql.min.js", "/graphiql/graphiql.0000000000000000.min.js", "/graphiql/"] {
        let response = app.client.get(url(&app, unknown)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{unknown}");
    }
}

#[tokio::test]
async fn health_and_readiness_answer_200() {
    let app = spawn_app().await;
    for path in ["/healthz", "/readyz"] {
        let response = app.client.get(url(&app, path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn bad_documents_answer_parse_and_validation_codes() {
    let app = spawn_app().await;
    let documents = [
        ("{ conversations {", "GRAPHQL_PARSE_FAILED"),
        ("query { conversation(id: ) { id } }", "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ conversations { conversations { nope } } }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ conversation(id: \"x\", extra: 1) { id } }", "GRAPHQL_VALIDATION_FAILED"),
    ];
    let formats = [
        (None, StatusCode::OK, "application/json"),
        (Some(GRAPHQL_RESPONSE), StatusCode::BAD_REQUEST, GRAPHQL_RESPONSE),
    ];
    for method in [Method::Post, Method::Get] {
        for (query, code) in documents {
            for (accept, status, content_type) in formats {
                let mut request = graphql(&app, method, query);
                if let Some(accept) = accept {
                    request = request.header(ACCEPT, accept);
                }
                let answer = answer(request).await;
                let case = format!("{method:?} {query} with {accept:?}");
                assert_eq!(answer.status, status, "{case}: {}", answer.body);
                assert_eq!(media_type(&answer), content_type, "{case}");
                assert_eq!(error_codes(&answer.body), [code], "{case}");
                assert!(answer.body["data"].is_null(), "{case}");
            }
        }
    }
}

#[tokio::test]
async fn a_body_that_is_not_a_graphql_request_is_400() {
    let app = spawn_app().await;
    for body in ["not json", "{\"query\": ", "[1, 2]", "{\"query\": 42}"] {
        let request =
            authed(&app, app.client.post(url(&app, "/graphql")).header(CONTENT_TYPE, "application/json").body(body));
        let answer = answer(request).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(media_type(&answer), "application/json", "{body}");
        assert_eq!(error_codes(&answer.body), ["GRAPHQL_PARSE_FAILED"], "{body}");
        assert!(answer.body["extensions"]["requestId"].is_string(), "{body}");
    }
}

#[tokio::test]
async fn refusals_carry_their_codes_in_every_format() {
    let app = spawn_app().await;
    let anonymous = || app.client.post(url(&app, "/graphql")).json(&json!({"query": TOTAL}));
    let cases = [
        (anonymous(), StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
        (anonymous().bearer_auth(&app.api_key), StatusCode::FORBIDDEN, "FORBIDDEN"),
        (
            graphql(&app, Method::Post, "{ conversations(limit: 0) { pagination { total } } }"),
            StatusCode::OK,
            "BAD_USER_INPUT",
        ),
    ];
    for (request, status, code) in cases {
        let answer = answer(request.header(ACCEPT, GRAPHQL_RESPONSE)).await;
        assert_eq!(answer.status, status, "{code}: {}", answer.body);
        assert_eq!(media_type(&answer), GRAPHQL_RESPONSE, "{code}");
        assert_eq!(error_codes(&answer.body), [code]);
        assert!(answer.body["extensions"]["requestId"].is_string());
        assert!(answer.body["extensions"]["timestamp"].is_string());
    }
}

#[tokio::test]
async fn metrics_count_the_sql_statements_sent() {
    let app = crate::helpers::spawn_app().await;
    let read = |body: String| -> u64 {
        body.lines()
            .find_map(|l| l.strip_prefix("inbox_db_statements_total "))
            .and_then(|v| v.trim().parse().ok())
            .expect("the statements counter")
    };
    let url = format!("{}/metrics", app.address);
    let before = read(app.client.get(&url).send().await.unwrap().text().await.unwrap());
    app.gql("{ conversations { pagination { total } } }", serde_json::json!({})).await.data();
    let after = read(app.client.get(&url).send().await.unwrap().text().await.unwrap());
    assert_eq!(after - before, 3, "key lookup, page, total");
}
