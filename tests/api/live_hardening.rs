//! What no WebSocket client may do to the gateway: nest a document or its variables past
//! the bound every transport keeps (the parser would overflow the stack), or hold a
//! socket open by never reading what it is sent.

use std::time::{Duration, Instant};

use futures::SinkExt as _;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{conversation, spawn_app, spawn_app_with, TestApp};
use crate::live::{wait_for_metric, Received, Socket, EVENTS};

/// A subscription whose filter nests `levels` lists deep.
fn nested_document(levels: usize) -> String {
    format!(
        "subscription {{ conversationEvents(filter: {{tags: {}\"a\"{}}}) {{ cursor }} }}",
        "[".repeat(levels),
        "]".repeat(levels)
    )
}

fn nested_value(levels: usize) -> Value {
    (0..levels).fold(json!("a"), |inner, _| json!([inner]))
}

/// The first error of operation `id`, whatever protocol carried it.
async fn error_of(socket: &mut Socket, id: &str) -> Value {
    let message = socket.json().await;
    assert_eq!(message["id"], id, "{message}");
    let errors = match message["type"].as_str() {
        Some("error") => message["payload"].clone(),
        _ => message["payload"]["errors"].clone(),
    };
    // A result with errors is followed by the operation's end (graphql-transport-ws's
    // `error` is an end already).
    if message["type"] != "error" {
        let complete = socket.json().await;
        assert_eq!((complete["type"].as_str(), complete["id"].as_str()), (Some("complete"), Some(id)), "{complete}");
    }
    errors[0].clone()
}

/// The socket still serves: a subscription runs and sees a change.
async fn still_serves(app: &TestApp, socket: &mut Socket, id: &str) {
    socket.events(id, json!(null), None).await;
    wait_for_metric(app, "inbox_live_subscriptions", 1.0).await;
    crate::live::mutate(app, &crate::live::tag("c1", &format!("alive-{id}"))).await;
    assert_eq!(socket.event(id).await["conversation"]["id"], "c1");
}

#[tokio::test]
async fn a_document_nested_past_the_bound_is_refused_over_both_protocols_and_the_socket_lives() {
    let app = spawn_app().await;
    app.import(&json!([conversation("c1", json!({}))])).await;
    for protocol in ["graphql-transport-ws", "graphql-ws"] {
        let mut socket = Socket::open(&app.address, protocol, Some((&app.api_key, &app.workspace))).await;
        socket.send(json!({"type": "connection_init", "payload": {}})).await;
        assert_eq!(socket.json().await["type"], "connection_ack");
        socket.subscribe("deep", &nested_document(1_800), json!({})).await;
        let error = error_of(&mut socket, "deep").await;
        assert_eq!(error["extensions"]["code"], "GRAPHQL_PARSE_FAILED", "{protocol}: {error}");
        let query = "query($v: [[String]]) { __typename }";
        socket.subscribe("vars", query, json!({"v": nested_value(100)})).await;
        let error = error_of(&mut socket, "vars").await;
        assert_eq!(error["extensions"]["code"], "GRAPHQL_PARSE_FAILED", "{protocol}: {error}");
        still_serves(&app, &mut socket, if protocol == "graphql-ws" { "old" } else { "new" }).await;
        socket.close().await;
        wait_for_metric(&app, "inbox_live_subscriptions", 0.0).await;
    }
}

/// One generated message: a subscribe (or the old protocol's start) of a query nested
/// anywhere from shallow to far past the bound, with variables deep or wide.
fn hostile_message() -> impl Strategy<Value = (bool, usize, usize, usize)> {
    (any::<bool>(), 0usize..4_000, 0usize..120, 0usize..2_000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_deep_and_wide_messages_always_get_an_answer_with_a_code() {
    let app = spawn_app().await;
    app.import(&json!([conversation("c1", json!({}))])).await;
    let cases = std::env::var("FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(24u32);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let runtime = tokio::runtime::Handle::current();
    let address = app.address.clone();
    let (key, workspace) = (app.api_key.clone(), app.workspace.clone());
    let result = tokio::task::block_in_place(|| {
        runner.run(&hostile_message(), |(legacy, depth, var_depth, width)| {
            runtime.block_on(async {
                let protocol = if legacy { "graphql-ws" } else { "graphql-transport-ws" };
                let mut socket = Socket::open(&address, protocol, Some((&key, &workspace))).await;
                socket.send(json!({"type": "connection_init", "payload": {}})).await;
                assert_eq!(socket.json().await["type"], "connection_ack");
                let wide: serde_json::Map<String, Value> = (0..width).map(|i| (format!("w{i}"), json!(i))).collect();
                let variables = json!({"v": nested_value(var_depth), "wide": wide});
                // A query, so that every case has an answer (a subscription that runs waits).
                let document = nested_document(depth)
                    .replace("subscription", "query")
                    .replace("conversationEvents", "conversations")
                    .replace("{ cursor }", "{ pagination { total } }");
                socket.subscribe("1", &document, variables).await;
                let mut received = socket.recv().await;
                while matches!(&received, Received::Json(m) if m["type"] == "complete") {
                    received = socket.recv().await;
                }
                match received {
                    Received::Json(message) => {
                        let code = message["payload"]["errors"][0]["extensions"]["code"]
                            .as_str()
                            .or_else(|| message["payload"][0]["extensions"]["code"].as_str())
                            .or_else(|| message["payload"]["data"].as_object().map(|_| "ok"));
                        assert!(code.is_some(), "an answer with a code: {message}");
                    }
                    Received::Closed(code, reason) => assert!((4000..5000).contains(&code), "closed {code} {reason}"),
                }
                socket.close().await;
            });
            Ok(())
        })
    });
    result.unwrap();
    let health = app.client.get(format!("{}/healthz", app.address)).send().await.unwrap();
    assert_eq!(health.status(), 200, "the process lives");
}

/// A socket whose client never reads: a tiny receive window, so the server's writes
/// soon find no room.
async fn never_reading(app: &TestApp) -> impl Sized {
    let address: std::net::SocketAddr = app.address.trim_start_matches("http://").parse().unwrap();
    let tcp = tokio::net::TcpSocket::new_v4().unwrap();
    tcp.set_recv_buffer_size(2048).unwrap();
    let stream = tcp.connect(address).await.unwrap();
    let mut request = format!("ws://{address}/graphql").into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::client_async(request, stream).await.unwrap();
    let init = json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {}", app.api_key), "X-Workspace-ID": app.workspace}});
    socket.send(Message::Text(init.to_string().into())).await.unwrap();
    let query = EVENTS.replace("cursor matches", "cursor matches conversation { summary }");
    let subscribe = json!({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": {}}});
    socket.send(Message::Text(subscribe.to_string().into())).await.unwrap();
    socket
}

async fn wait_for_no_socket(app: &TestApp, within: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let text = app.client.get(format!("{}/metrics", app.address)).send().await.unwrap().text().await.unwrap();
        if text.lines().any(|l| l == "inbox_live_sockets 0") {
            return started.elapsed();
        }
        assert!(started.elapsed() < within, "the socket is still open after {within:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `count` events of about `size` bytes each, from one import.
async fn flood(app: &TestApp, prefix: &str, count: usize, size: usize) {
    let summary = "s".repeat(size);
    let burst: Vec<Value> =
        (0..count).map(|i| conversation(&format!("{prefix}{i}"), json!({"summary": summary}))).collect();
    app.import(&Value::Array(burst)).await;
}

#[tokio::test]
async fn a_subscriber_that_never_reads_is_closed_as_too_slow_all_the_same() {
    let app = spawn_app_with(|config| config.limits.live.subscriber_buffer = 50).await;
    let socket = never_reading(&app).await;
    wait_for_metric(&app, "inbox_live_subscriptions", 1.0).await;
    // Fewer events than its buffer holds, but more bytes than the connection's: the
    // server's writes are stuck when the next burst overflows the buffer.
    flood(&app, "big", 40, 250_000).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    flood(&app, "small", 100, 10).await;
    wait_for_no_socket(&app, Duration::from_secs(10)).await;
    drop(socket);
}

#[tokio::test]
async fn a_revoked_keys_socket_that_never_reads_is_closed_within_five_seconds() {
    let app = spawn_app_with(|config| config.limits.live.subscriber_buffer = 100_000).await;
    let socket = never_reading(&app).await;
    wait_for_metric(&app, "inbox_live_subscriptions", 1.0).await;
    flood(&app, "f", 2_500, 4_000).await;
    // Its writes are stuck by now: the server has far more to send than the buffers hold.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let key = inbox_gateway::domain::ApiKey::parse(&app.api_key).unwrap();
    assert!(app.store.revoke_api_key(&key, 1).await.unwrap());
    let took = wait_for_no_socket(&app, Duration::from_secs(8)).await;
    assert!(took < Duration::from_secs(5), "closed after {took:?}");
    drop(socket);
}
