//! Live updates (contract section 9): `conversationEvents` over WebSocket, with both
//! protocols, its credentials and close codes, resuming by cursor, and its bounds.

use std::time::Duration;

use futures::{SinkExt as _, StreamExt as _};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{conversation, spawn_app, spawn_app_with, TestApp};

pub const EVENTS: &str = "subscription Events($filter: ConversationFilter, $after: String) {
  conversationEvents(filter: $filter, after: $after) {
    cursor matches
    event { id kind details }
    conversation { id status tags assignee { id } }
  }
}";

type Stream = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What a socket received.
#[derive(Debug)]
pub enum Received {
    Json(Value),
    Closed(u16, String),
}

/// A GraphQL WebSocket client, as graphql-ws or subscriptions-transport-ws speak.
pub struct Socket {
    stream: Stream,
    legacy: bool,
}

impl Socket {
    /// Opens a socket to the app with the protocol; `headers` adds the upgrade's credentials.
    pub async fn open(address: &str, protocol: &str, headers: Option<(&str, &str)>) -> Self {
        let url = format!("{}/graphql", address.replacen("http", "ws", 1));
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert("Sec-WebSocket-Protocol", protocol.parse().unwrap());
        if let Some((key, workspace)) = headers {
            request.headers_mut().insert("Authorization", format!("Bearer {key}").parse().unwrap());
            request.headers_mut().insert("X-Workspace-ID", workspace.parse().unwrap());
        }
        let (stream, response) = tokio_tungstenite::connect_async(request).await.expect("the upgrade succeeds");
        assert_eq!(response.headers()["sec-websocket-protocol"], protocol);
        Self { stream, legacy: protocol == "graphql-ws" }
    }

    /// Opens and initialises a graphql-transport-ws socket with the app's own credentials.
    pub async fn ready(app: &TestApp) -> Self {
        let mut socket = Self::open(&app.address, "graphql-transport-ws", None).await;
        socket.init(json!({"Authorization": format!("Bearer {}", app.api_key), "X-Workspace-ID": app.workspace})).await;
        socket
    }

    pub async fn send(&mut self, message: Value) {
        self.stream.send(Message::Text(message.to_string().into())).await.expect("the socket takes it");
    }

    /// The next message, or the close; pings are answered by the library and skipped.
    pub async fn recv(&mut self) -> Received {
        loop {
            let next =
                tokio::time::timeout(Duration::from_secs(15), self.stream.next()).await.expect("a message in time");
            match next {
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(&text).expect("JSON");
                    if self.legacy && value["type"] == "ka" {
                        continue;
                    }
                    return Received::Json(value);
                }
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) =
                        frame.map(|f| (u16::from(f.code), f.reason.to_string())).unwrap_or((1005, String::new()));
                    return Received::Closed(code, reason);
                }
                Some(Ok(_)) => {}
                Some(Err(err)) => return Received::Closed(1006, err.to_string()),
                None => return Received::Closed(1006, "ended".into()),
            }
        }
    }

    pub async fn json(&mut self) -> Value {
        match self.recv().await {
            Received::Json(value) => value,
            Received::Closed(code, reason) => panic!("closed {code} {reason}, a message was expected"),
        }
    }

    /// The close code the server ends the socket with (messages before it are skipped).
    pub async fn closed(&mut self) -> (u16, String) {
        loop {
            if let Received::Closed(code, reason) = self.recv().await {
                return (code, reason);
            }
        }
    }

    pub async fn init(&mut self, payload: Value) {
        self.send(json!({"type": "connection_init", "payload": payload})).await;
        assert_eq!(self.json().await["type"], "connection_ack");
    }

    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let kind = if self.legacy { "start" } else { "subscribe" };
        self.send(json!({"id": id, "type": kind, "payload": {"query": query, "variables": variables}})).await;
    }

    /// Subscribes to the workspace's events with a filter and cursor.
    pub async fn events(&mut self, id: &str, filter: Value, after: Option<&str>) {
        self.subscribe(id, EVENTS, json!({"filter": filter, "after": after})).await;
    }

    /// The next event of subscription `id` (its `conversationEvents`).
    pub async fn event(&mut self, id: &str) -> Value {
        let message = self.json().await;
        let kind = if self.legacy { "data" } else { "next" };
        assert_eq!(message["type"], kind, "{message}");
        assert_eq!(message["id"], id, "{message}");
        assert!(message["payload"].get("errors").is_none(), "{message}");
        message["payload"]["data"]["conversationEvents"].clone()
    }

    /// The next `n` events of subscription `id`.
    pub async fn events_n(&mut self, id: &str, n: usize) -> Vec<Value> {
        let mut events = Vec::with_capacity(n);
        for _ in 0..n {
            events.push(self.event(id).await);
        }
        events
    }

    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}

pub async fn two_open(app: &TestApp) {
    app.import(&json!([conversation("c1", json!({})), conversation("c2", json!({}))])).await;
}

pub async fn mutate(app: &TestApp, query: &str) {
    app.gql(query, json!({})).await.data();
}

pub fn tag(id: &str, tag: &str) -> String {
    format!(
        r#"mutation {{ addConversationTags(input: {{conversationId: "{id}", tags: ["{tag}"]}}) {{ conversation {{ id }} }} }}"#
    )
}

pub fn resolve(id: &str) -> String {
    format!(
        r#"mutation {{ updateConversationStatus(input: {{conversationId: "{id}", status: RESOLVED}}) {{ conversation {{ id }} }} }}"#
    )
}

#[tokio::test]
async fn a_subscriber_sees_each_action_with_its_conversation_after_the_change() {
    let app = spawn_app().await;
    two_open(&app).await;
    let mut socket = Socket::ready(&app).await;
    socket.events("1", json!(null), None).await;
    // The subscription is registered before its first event can be missed: the
    // metrics say so.
    wait_for_metric(&app, "inbox_live_subscriptions", 1.0).await;

    mutate(&app, &tag("c1", "vip")).await;
    let event = socket.event("1").await;
    assert_eq!(event["event"]["kind"], "TAGS_ADDED");
    assert_eq!(event["event"]["details"], json!({"tags": ["vip"]}));
    assert_eq!(event["conversation"], json!({"id": "c1", "status": "OPEN", "tags": ["vip"], "assignee": null}));
    assert_eq!(event["matches"], true);

    // The same change made through REST arrives the same way.
    let rest = app
        .client
        .put(format!("{}/v1/inbox/conversations/c2/status", app.address))
        .bearer_auth(&app.api_key)
        .header("X-Workspace-ID", &app.workspace)
        .json(&json!({"status": "pending"}))
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), 200);
    let event = socket.event("1").await;
    assert_eq!(event["event"]["kind"], "STATUS_CHANGED");
    assert_eq!(event["event"]["details"], json!({"from": "OPEN", "to": "PENDING"}));
    assert_eq!(event["conversation"]["status"], "PENDING");

    mutate(
        &app,
        r#"mutation { addConversationNote(input: {conversationId: "c1", content: "Gate code 4411"}) { note { id } } }"#,
    )
    .await;
    let note = socket.event("1").await;
    assert_eq!(note["event"]["kind"], "NOTE_ADDED");
    // The event's id and time are the stored event's.
    let stored = app.gql(r#"{ conversation(id: "c1") { activity { id kind } } }"#, json!({})).await;
    let activity = stored.data()["conversation"]["activity"].as_array().unwrap().clone();
    assert_eq!(activity.last().unwrap()["id"], note["event"]["id"]);
    socket.close().await;
}

#[tokio::test]
async fn a_conversation_leaving_the_view_arrives_with_matches_false_and_others_not_at_all() {
    let app = spawn_app().await;
    two_open(&app).await;
    mutate(&app, &resolve("c2")).await;
    let mut socket = Socket::ready(&app).await;
    socket.events("open", json!({"status": "OPEN"}), None).await;
    wait_for_metric(&app, "inbox_live_subscriptions", 1.0).await;

    // c2 is resolved: neither before nor after does it match, so nothing arrives for it.
    mutate(&app, &tag("c2", "ignored")).await;
    mutate(&app, &resolve("c1")).await;
    let leaving = socket.event("open").await;
    assert_eq!(leaving["conversation"]["id"], "c1");
    assert_eq!(leaving["event"]["kind"], "STATUS_CHANGED");
    assert_eq!(leaving["matches"], false);
    // Nor anything more for c1 now that it is out of the view.
    mutate(&app, &tag("c1", "late")).await;
    mutate(
        &app,
        r#"mutation { updateConversationStatus(input: {conversationId: "c2", status: OPEN}) { conversation { id } } }"#,
    )
    .await;
    let entering = socket.event("open").await;
    assert_eq!(entering["conversation"]["id"], "c2");
    assert_eq!(entering["matches"], true);
    socket.close().await;
}

#[tokio::test]
async fn after_replays_the_stored_events_then_continues_live_with_none_twice() {
    let app = spawn_app().await;
    two_open(&app).await;
    let mut first = Socket::ready(&app).await;
    first.events("a", json!(null), None).await;
    wait_for_metric(&app, "inbox_live_subscriptions", 1.0).await;
    for i in 0..3 {
        mutate(&app, &tag("c1", &format!("t{i}"))).await;
    }
    let seen = first.events_n("a", 3).await;
    first.close().await;
    // Changes while nobody listens.
    for i in 3..6 {
        mutate(&app, &tag("c2", &format!("t{i}"))).await;
    }
    let mut again = Socket::ready(&app).await;
    again.events("b", json!(null), Some(seen[1]["cursor"].as_str().unwrap())).await;
    let replayed = again.events_n("b", 4).await;
    let details: Vec<Value> = replayed.iter().map(|e| e["event"]["details"]["tags"][0].clone()).collect();
    assert_eq!(details, [json!("t2"), json!("t3"), json!("t4"), json!("t5")]);
    assert_eq!(replayed[0]["event"]["id"], seen[2]["event"]["id"]);
    // Then live.
    mutate(&app, &tag("c1", "t6")).await;
    let live = again.event("b").await;
    assert_eq!(live["event"]["details"]["tags"], json!(["t6"]));
    let mut cursors: Vec<&str> = replayed.iter().chain([&live]).map(|e| e["cursor"].as_str().unwrap()).collect();
    let before = cursors.clone();
    cursors.dedup();
    assert_eq!(cursors, before, "no event twice");
    again.close().await;
}

#[tokio::test]
async fn credentials_come_from_the_upgrade_headers_or_the_init_payload() {
    let app = spawn_app().await;
    two_open(&app).await;
    // From the headers, with an empty payload.
    let mut socket = Socket::open(&app.address, "graphql-transport-ws", Some((&app.api_key, &app.workspace))).await;
    socket.init(json!({})).await;
    socket.close().await;
    // Apollo-style: under `headers`.
    let mut socket = Socket::open(&app.address, "graphql-transport-ws", None).await;
    socket
        .init(json!({"headers": {"authorization": format!("Bearer {}", app.api_key), "x-workspace-id": app.workspace}}))
        .await;
    socket.close().await;

    for (payload, headers, code) in [
        (json!({}), None, 4401),
        (json!({"Authorization": "Bearer nope", "X-Workspace-ID": app.workspace}), None, 4401),
        (json!({"Authorization": format!("Bearer {}", app.api_key), "X-Workspace-ID": "ws_other"}), None, 4403),
        (json!({"Authorization": format!("Bearer {}", app.api_key)}), None, 4403),
    ] {
        let mut socket = Socket::open(&app.address, "graphql-transport-ws", headers).await;
        socket.send(json!({"type": "connection_init", "payload": payload})).await;
        assert_eq!(socket.closed().await.0, code, "{payload}");
    }
    // The older protocol is told why, then closed the same way.
    let mut legacy = Socket::open(&app.address, "graphql-ws", None).await;
    legacy.send(json!({"type": "connection_init", "payload": {}})).await;
    assert_eq!(legacy.json().await["type"], "connection_error");
    assert_eq!(legacy.closed().await.0, 4401);
    // A subscribe before the handshake.
    let mut early = Socket::open(&app.address, "graphql-transport-ws", None).await;
    early.events("1", json!(null), None).await;
    assert_eq!(early.closed().await.0, 4401);
}

#[tokio::test]
async fn a_socket_that_never_initialises_is_closed_4408() {
    let app = spawn_app_with(|config| config.limits.live.init_timeout = Duration::from_millis(300)).await;
    let mut socket = Socket::open(&app.address, "graphql-transport-ws", None).await;
    assert_eq!(socket.closed().await.0, 4408);
}

#[tokio::test]
async fn the_older_graphql_ws_protocol_delivers_the_same_events() {
    let app = spawn_app().await;
    two_open(&app).await;
    let mut socket = Socket::open(&app.address, "graphql-ws", None).await;
    socket.init(json!({"Authorization": format!("Bearer {}", app.api_key), "X-Workspace-ID": app.workspace})).await;
    socket.events("7", json!({"channels": ["VOICE"]}), None).await;
    wait_for_metric(&app, "inbox_live_subscriptions", 1.0).await;
    mutate(&app, &tag("c2", "legacy")).await;
    let event = socket.event("7").await;
    assert_eq!(event["conversation"]["id"], "c2");
    assert_eq!(event["event"]["kind"], "TAGS_ADDED");
    socket.send(json!({"id": "7", "type": "stop"})).await;
    assert_eq!(socket.json().await["type"], "complete");
    wait_for_metric(&app, "inbox_live_subscriptions", 0.0).await;
}

#[tokio::test]
async fn bad_arguments_are_refused_with_the_contracts_codes() {
    let app = spawn_app().await;
    let mut socket = Socket::ready(&app).await;
    for (filter, after, field) in [
        (json!({"dateFrom": "2024-02-01", "dateTo": "2024-01-01"}), None, "filter.dateFrom"),
        (json!(null), Some("not-a-cursor"), "after"),
        (json!({"status": "NOPE"}), None, "variables.filter"),
    ] {
        socket.events("x", filter, after).await;
        let message = socket.json().await;
        let errors =
            if message["type"] == "error" { message["payload"].clone() } else { message["payload"]["errors"].clone() };
        assert_eq!(errors[0]["extensions"]["code"], "BAD_USER_INPUT", "{message}");
        assert_eq!(errors[0]["extensions"]["field"], field, "{message}");
        // The socket stays open for the next subscription.
        if message["type"] == "next" {
            assert_eq!(socket.json().await["type"], "complete");
        }
    }
    // Over HTTP a subscription is refused with a clear error.
    let answer = app.gql(EVENTS, json!({})).await;
    assert!(answer.body["errors"][0]["message"].as_str().unwrap().contains("WebSocket"), "{}", answer.body);
    socket.close().await;
}

#[tokio::test]
async fn each_key_has_a_bounded_number_of_subscriptions() {
    let app = spawn_app_with(|config| config.limits.live.max_subscriptions_per_key = 2).await;
    let mut socket = Socket::ready(&app).await;
    socket.events("1", json!(null), None).await;
    socket.events("2", json!(null), None).await;
    wait_for_metric(&app, "inbox_live_subscriptions", 2.0).await;
    socket.events("3", json!(null), None).await;
    let refused = socket.json().await;
    assert_eq!(refused["id"], "3");
    assert_eq!(refused["payload"]["errors"][0]["extensions"]["code"], "RATE_LIMITED", "{refused}");
    // Another socket of the same key counts too; a subscription given back makes room.
    socket.send(json!({"id": "1", "type": "complete"})).await;
    wait_for_metric(&app, "inbox_live_subscriptions", 1.0).await;
    let mut other = Socket::ready(&app).await;
    other.events("4", json!(null), None).await;
    wait_for_metric(&app, "inbox_live_subscriptions", 2.0).await;
}

#[tokio::test]
async fn a_revoked_keys_sockets_are_closed_within_five_seconds() {
    let app = spawn_app().await;
    let mut socket = Socket::ready(&app).await;
    socket.events("1", json!(null), None).await;
    let key = inbox_gateway::domain::ApiKey::parse(&app.api_key).unwrap();
    assert!(app.store.revoke_api_key(&key, 1).await.unwrap());
    let started = std::time::Instant::now();
    assert_eq!(socket.closed().await.0, 4401);
    assert!(started.elapsed() < Duration::from_secs(5), "closed after {:?}", started.elapsed());
}

#[tokio::test]
async fn a_subscriber_that_falls_behind_is_closed_4429_and_resumes_by_cursor() {
    let app = spawn_app_with(|config| config.limits.live.subscriber_buffer = 3).await;
    two_open(&app).await;
    let mut socket = Socket::ready(&app).await;
    socket.events("1", json!(null), None).await;
    wait_for_metric(&app, "inbox_live_subscriptions", 1.0).await;
    mutate(&app, &tag("c1", "first")).await;
    let first = socket.event("1").await;
    // One commit of 12 events reaches the feed at once: more than the buffer holds.
    let burst: Vec<Value> = (0..12).map(|i| conversation(&format!("b{i}"), json!({}))).collect();
    app.import(&Value::Array(burst)).await;
    assert_eq!(socket.closed().await.0, 4429);
    // Resuming from the last event seen gives the whole burst, in order.
    let mut again = Socket::ready(&app).await;
    again.events("2", json!(null), Some(first["cursor"].as_str().unwrap())).await;
    let replayed = again.events_n("2", 12).await;
    let mut ids: Vec<String> = replayed.iter().map(|e| e["conversation"]["id"].as_str().unwrap().to_owned()).collect();
    ids.sort_unstable();
    let mut expected: Vec<String> = (0..12).map(|i| format!("b{i}")).collect();
    expected.sort_unstable();
    assert_eq!(ids, expected);
    assert!(replayed.iter().all(|e| e["event"]["kind"] == "IMPORTED"));
}

#[tokio::test]
async fn shutting_down_closes_sockets_with_1001() {
    let app = spawn_app().await;
    let mut socket = Socket::ready(&app).await;
    socket.events("1", json!(null), None).await;
    wait_for_metric(&app, "inbox_live_subscriptions", 1.0).await;
    let stopping = tokio::spawn(async move {
        app.shut_down().await.unwrap();
    });
    assert_eq!(socket.closed().await.0, u16::from(CloseCode::Away));
    stopping.await.unwrap();
}

/// Waits until `/metrics` shows the metric at this value.
pub async fn wait_for_metric(app: &TestApp, name: &str, value: f64) {
    let mut last = None;
    for _ in 0..200 {
        let text = app.client.get(format!("{}/metrics", app.address)).send().await.unwrap().text().await.unwrap();
        last = text.lines().find(|l| l.starts_with(&format!("{name} "))).map(str::to_owned);
        if let Some(line) = &last {
            if line.split(' ').nth(1).and_then(|v| v.parse::<f64>().ok()) == Some(value) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{name} never reached {value}: {last:?}");
}

#[tokio::test]
async fn idle_sockets_are_pinged_and_a_silent_one_is_closed() {
    let app = spawn_app_with(|config| config.limits.live.ping_interval = Duration::from_millis(100)).await;
    let mut socket = Socket::ready(&app).await;
    // A client that reads answers the pings (tungstenite does it as it reads): open.
    let ping = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Some(Ok(Message::Ping(_))) = socket.stream.next().await {
                return;
            }
        }
    })
    .await;
    assert!(ping.is_ok(), "a ping within the interval");
    tokio::time::sleep(Duration::from_millis(150)).await;
    let _ = tokio::time::timeout(Duration::from_millis(50), socket.stream.next()).await;
    // One that neither reads nor answers for two intervals is closed by the server (its
    // close frame, 1001, may be lost to the pongs the client sends too late).
    tokio::time::sleep(Duration::from_millis(500)).await;
    wait_for_metric(&app, "inbox_live_sockets", 0.0).await;
    let (code, _) = socket.closed().await;
    assert!(code == 1001 || code == 1006, "{code}");
}

#[tokio::test]
async fn the_metrics_count_subscriptions_events_and_their_lag() {
    let app = spawn_app().await;
    two_open(&app).await;
    let mut socket = Socket::ready(&app).await;
    socket.events("1", json!(null), None).await;
    socket.events("2", json!({"status": "RESOLVED"}), None).await;
    wait_for_metric(&app, "inbox_live_subscriptions", 2.0).await;
    wait_for_metric(&app, "inbox_live_sockets", 1.0).await;
    mutate(&app, &tag("c1", "a")).await;
    mutate(&app, &tag("c2", "b")).await;
    socket.events_n("1", 2).await;
    // Two events read from the log, two sent (the resolved-only subscriber had none).
    wait_for_metric(&app, "inbox_live_events_published_total", 2.0).await;
    wait_for_metric(&app, "inbox_live_events_delivered_total", 2.0).await;
    wait_for_metric(&app, "inbox_live_delivery_lag_seconds_count", 2.0).await;
    socket.close().await;
    wait_for_metric(&app, "inbox_live_subscriptions", 0.0).await;
    wait_for_metric(&app, "inbox_live_sockets", 0.0).await;
}

#[tokio::test]
async fn an_events_conversation_keeps_its_tags_in_the_order_they_were_added() {
    let app = spawn_app().await;
    app.import(&json!([conversation("c1", json!({"tags": ["zeta", "alpha"]}))])).await;
    let mut socket = Socket::ready(&app).await;
    socket.events("1", json!(null), None).await;
    wait_for_metric(&app, "inbox_live_subscriptions", 1.0).await;
    mutate(&app, &tag("c1", "mid")).await;
    mutate(&app, &resolve("c1")).await;
    let events = socket.events_n("1", 2).await;
    assert_eq!(events[0]["conversation"]["tags"], json!(["zeta", "alpha", "mid"]));
    assert_eq!(events[1]["conversation"]["tags"], json!(["zeta", "alpha", "mid"]));
    socket.close().await;
}

#[tokio::test]
async fn a_subscribe_with_an_id_in_use_closes_4409_and_a_completed_id_may_be_reused() {
    let app = spawn_app().await;
    two_open(&app).await;
    let mut socket = Socket::ready(&app).await;
    socket.events("1", json!(null), None).await;
    wait_for_metric(&app, "inbox_live_subscriptions", 1.0).await;
    socket.send(json!({"id": "1", "type": "complete"})).await;
    // async-graphql acknowledges the completion.
    assert_eq!(socket.json().await, json!({"type": "complete", "id": "1"}));
    wait_for_metric(&app, "inbox_live_subscriptions", 0.0).await;
    // Completed: the id is free again.
    socket.events("1", json!(null), None).await;
    wait_for_metric(&app, "inbox_live_subscriptions", 1.0).await;
    mutate(&app, &tag("c1", "reused")).await;
    assert_eq!(socket.event("1").await["event"]["details"]["tags"], json!(["reused"]));
    socket.events("1", json!(null), None).await;
    assert_eq!(socket.closed().await.0, 4409);
}
