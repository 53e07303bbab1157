//! Requests built to take the gateway down or make it work for nothing: values nested
//! 100,000 deep, work before authentication, floods of bad keys, slow headers and
//! bodies, too many connections or requests at once.

use std::time::{Duration, Instant};

use inbox_gateway::http::MAX_NESTING;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{answer, contract_examples, spawn_app, spawn_app_with, Answer, TestApp};

const DEEP: usize = 100_000;
/// A URL holds less (at most 64 KiB): GET documents nest this deep (the crash took 1,800).
const DEEP_URL: usize = 5_000;

fn deep_list(levels: usize) -> String {
    format!("{}1{}", "[".repeat(levels), "]".repeat(levels))
}

fn deep_object(levels: usize) -> String {
    format!("{}1{}", "{a: ".repeat(levels), "}".repeat(levels))
}

fn deep_selection(levels: usize) -> String {
    format!("{{ conversation(id: \"x\") {}id{} }}", "{ ".repeat(levels), " }".repeat(levels))
}

/// Built as text: serde_json's own recursion limit would refuse to build it as a Value.
fn deep_json_text(levels: usize) -> String {
    format!("{}1{}", "{\"a\": [".repeat(levels / 2), "]}".repeat(levels / 2))
}

fn documents(levels: usize) -> [String; 3] {
    [
        format!("{{ conversation(id: {}) {{ id }} }}", deep_list(levels)),
        format!("{{ conversations(filter: {}) {{ pagination {{ total }} }} }}", deep_object(levels)),
        deep_selection(levels),
    ]
}

const FILTERED: &str = "query Q($f: ConversationFilter) { conversations(filter: $f) { pagination { total } } }";

async fn post_raw(app: &TestApp, credentials: bool, body: String) -> Answer {
    let mut request = app.client.post(format!("{}/graphql", app.address)).header("Content-Type", "application/json");
    if credentials {
        request = request.bearer_auth(&app.api_key).header("X-Workspace-ID", &app.workspace);
    }
    answer(request.body(body)).await
}

async fn get_raw(app: &TestApp, credentials: bool, params: &[(&str, &str)]) -> Answer {
    let mut request = app.client.get(format!("{}/graphql", app.address)).query(params);
    if credentials {
        request = request.bearer_auth(&app.api_key).header("X-Workspace-ID", &app.workspace);
    }
    answer(request).await
}

async fn still_serving(app: &TestApp) {
    let answer = app.gql("{ conversation(id: \"conv_abc123\") { id } }", json!({})).await;
    assert_eq!(answer.data()["conversation"]["id"], "conv_abc123");
}

#[tokio::test]
async fn values_nested_100000_deep_are_refused_and_the_server_keeps_serving() {
    let app = spawn_app().await;
    app.import(&contract_examples()).await;
    let deep_variables = format!(r#"{{"query": "{FILTERED}", "variables": {{"f": {}}}}}"#, deep_json_text(DEEP));
    for credentials in [true, false] {
        let mut answers = Vec::new();
        for document in documents(DEEP) {
            answers.push(post_raw(&app, credentials, json!({ "query": document }).to_string()).await);
        }
        for document in documents(DEEP_URL) {
            answers.push(get_raw(&app, credentials, &[("query", &document)]).await);
        }
        answers.push(post_raw(&app, credentials, deep_variables.clone()).await);
        let variables = format!("{{\"f\": {}}}", deep_json_text(DEEP_URL));
        answers.push(get_raw(&app, credentials, &[("query", FILTERED), ("variables", &variables)]).await);
        for answer in answers {
            if credentials {
                assert_eq!(answer.code(), "GRAPHQL_PARSE_FAILED", "{}", answer.body);
                let message = answer.body["errors"][0]["message"].as_str().unwrap();
                assert!(message.contains(&format!("at most {MAX_NESTING} levels")), "{message}");
            } else {
                assert_eq!(answer.status, 401, "no key: refused before the body is read");
            }
        }
        still_serving(&app).await;
    }
}

#[tokio::test]
async fn nesting_up_to_the_bound_is_served() {
    let app = spawn_app().await;
    // The bound, exactly: lists inside the argument's parentheses and the selection set.
    let document = |levels: usize| {
        let list = format!("{}\"conv_abc123\"{}", "[".repeat(levels), "]".repeat(levels));
        format!("{{ conversation(id: {list}) {{ id }} }}")
    };
    let at_the_bound = app.gql(&document(MAX_NESTING - 2), json!({})).await;
    assert_eq!(
        at_the_bound.code(),
        "GRAPHQL_VALIDATION_FAILED",
        "a list is not an ID, but it parses: {}",
        at_the_bound.body
    );
    let one_more = app.gql(&document(MAX_NESTING - 1), json!({})).await;
    assert_eq!(one_more.code(), "GRAPHQL_PARSE_FAILED");
}

#[tokio::test]
async fn the_key_is_checked_before_the_body_is_read() {
    let app = spawn_app_with(|c| c.limits.max_body_bytes = 1_000).await;
    // Neither an unparsable nor an oversized body is looked at without a valid key.
    for body in ["{ not json".to_owned(), "x".repeat(5_000)] {
        let anonymous = post_raw(&app, false, body.clone()).await;
        assert_eq!(anonymous.status, 401);
        assert_eq!(anonymous.code(), "UNAUTHENTICATED");
        let bad_key = answer(
            app.client
                .post(format!("{}/graphql", app.address))
                .bearer_auth(format!("igk_{}", "0".repeat(64)))
                .header("X-Workspace-ID", &app.workspace)
                .body(body.clone()),
        )
        .await;
        assert_eq!(bad_key.status, 401);
        let known = post_raw(&app, true, body).await;
        assert!(matches!(known.status.as_u16(), 400 | 413), "with a key the body is read: {}", known.status);
    }
}

#[tokio::test]
async fn failed_authentications_are_limited_per_address_before_any_lookup() {
    let app = spawn_app_with(|c| {
        c.limits.auth_failure_rate = 1;
        c.limits.auth_failure_burst = 3;
    })
    .await;
    let bad_key = format!("igk_{}", "1".repeat(64));
    for _ in 0..3 {
        let answer = app.gql_as(&bad_key, &app.workspace, "{ __typename }", json!({})).await;
        assert_eq!(answer.status, 401);
    }
    let refused = app.gql_as(&bad_key, &app.workspace, "{ __typename }", json!({})).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.code(), "RATE_LIMITED");
    let retry_after: u64 = refused.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert_eq!(retry_after, 1);
    let before = app.store.statements_sent();
    let again = app.gql_as(&bad_key, &app.workspace, "{ __typename }", json!({})).await;
    assert_eq!(again.status, 429);
    assert_eq!(app.store.statements_sent(), before, "a refused address costs no database round trip");
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    app.gql("{ __typename }", json!({})).await.data();
}

/// Reads from a raw connection until the server closes it or `limit` passes; returns
/// what arrived, and whether the connection was closed.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let mut received = Vec::new();
    let deadline = Instant::now() + limit;
    let mut buffer = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => return (String::from_utf8_lossy(&received).into_owned(), true),
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
            Err(_) => return (String::from_utf8_lossy(&received).into_owned(), false),
        }
    }
}

fn host_port(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_owned()
}

#[tokio::test]
async fn slow_headers_lose_their_connection() {
    let app = spawn_app_with(|c| c.limits.header_timeout = Duration::from_secs(1)).await;
    let mut stream = TcpStream::connect(host_port(&app)).await.unwrap();
    stream.write_all(b"POST /graphql HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(10)).await;
    assert!(closed, "a connection whose headers never finish is closed");
    still_serving_empty(&app).await;
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed() {
    let app = spawn_app_with(|c| c.limits.header_timeout = Duration::from_secs(1)).await;
    let mut stream = TcpStream::connect(host_port(&app)).await.unwrap();
    let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(10)).await;
    assert!(closed, "a silent connection does not hold its place for ever");
}

async fn still_serving_empty(app: &TestApp) {
    app.gql("{ __typename }", json!({})).await.data();
}

#[tokio::test]
async fn a_slow_body_is_answered_408_and_releases_its_place() {
    let app = spawn_app_with(|c| {
        c.limits.body_timeout = Duration::from_secs(1);
        c.limits.max_in_flight = 1;
    })
    .await;
    let mut stream = TcpStream::connect(host_port(&app)).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nX-Workspace-ID: {}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{\"query\": \"",
        app.api_key, app.workspace
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // While the body trickles, the one place for a request in flight is taken.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let busy = app.gql("{ __typename }", json!({})).await;
    assert_eq!(busy.status, 503);
    assert_eq!(busy.code(), "SERVICE_UNAVAILABLE");
    let metrics = app.client.get(format!("{}/metrics", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains(r#"inbox_http_requests_total{operation="unparsed",outcome="SERVICE_UNAVAILABLE"} 1"#),
        "the refusal is counted:\n{metrics}"
    );
    let (received, _) = read_until_closed(&mut stream, Duration::from_secs(10)).await;
    assert!(received.starts_with("HTTP/1.1 408"), "{received}");
    assert!(received.contains("\"field\":\"body\""), "{received}");
    still_serving_empty(&app).await;
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_one_to_close() {
    let app = spawn_app_with(|c| {
        c.limits.max_connections = 2;
        c.limits.header_timeout = Duration::from_secs(60);
    })
    .await;
    let first = TcpStream::connect(host_port(&app)).await.unwrap();
    let second = TcpStream::connect(host_port(&app)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let client = reqwest::Client::builder().timeout(Duration::from_millis(700)).build().unwrap();
    let over = client.get(format!("{}/healthz", app.address)).send().await;
    assert!(over.is_err(), "a third connection is not served while two are open");
    drop(first);
    drop(second);
    let served = reqwest::Client::new().get(format!("{}/healthz", app.address)).send().await.unwrap();
    assert_eq!(served.status(), 200);
}
