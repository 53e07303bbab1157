//! Live updates across gateway processes that share nothing but the database: writes
//! through one process reach the subscribers of another, in commit order, with
//! concurrent writers; a subscriber that drops mid-stream resumes by cursor and sees
//! every event exactly once; on PostgreSQL, a listener connection that drops is made
//! again and what was committed meanwhile still arrives.

use std::collections::{HashMap, HashSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use inbox_gateway::live::cursor;
use serde_json::{json, Value};

use crate::helpers::{conversation, spawn_app, spawn_app_with, TestApp};
use crate::live::{tag, wait_for_metric, Socket};

/// A second gateway process (the real binary) on the test's database; killed when dropped.
struct Gateway {
    child: std::process::Child,
    address: String,
}

impl Gateway {
    async fn start(database_url: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(env!("CARGO_BIN_EXE_inbox-gateway"))
            .args([
                "--database-url",
                database_url,
                "serve",
                "--bind",
                &format!("127.0.0.1:{port}"),
                "--rate-limit",
                "0",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let gateway = Self { child, address: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(30);
        while reqwest::get(format!("{}/readyz", gateway.address)).await.map(|r| r.status().as_u16()).ok() != Some(200) {
            assert!(Instant::now() < deadline, "the second gateway came up");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        gateway
    }

    /// This process's metric, once it reads `value`.
    async fn wait_for_metric(&self, name: &str, value: f64) {
        for _ in 0..400 {
            let text = reqwest::get(format!("{}/metrics", self.address)).await.unwrap().text().await.unwrap();
            let found = text
                .lines()
                .find(|l| l.starts_with(&format!("{name} ")))
                .and_then(|l| l.split(' ').nth(1)?.parse().ok());
            if found == Some(value) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("{name} never reached {value} on the second gateway");
    }

    async fn mutate(&self, app: &TestApp, query: &str) {
        let answer = crate::helpers::answer(
            crate::helpers::graphql_post(&app.client, &self.address, app.own()).json(&json!({"query": query})),
        )
        .await;
        answer.data();
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every stored event of these conversations, oldest first, by conversation.
async fn stored_events(app: &TestApp, ids: &[String]) -> HashMap<String, Vec<String>> {
    let mut events = HashMap::new();
    for id in ids {
        let answer = app.gql(&format!(r#"{{ conversation(id: "{id}") {{ activity {{ id }} }} }}"#), json!({})).await;
        let activity = answer.data()["conversation"]["activity"].as_array().unwrap().iter();
        events.insert(id.clone(), activity.map(|e| e["id"].as_str().unwrap().to_owned()).collect());
    }
    events
}

fn position(event: &Value) -> i64 {
    cursor::decode(event["cursor"].as_str().unwrap()).expect("a cursor of ours")
}

#[tokio::test]
async fn concurrent_writes_through_one_process_reach_another_in_commit_order_and_resume_without_gaps() {
    const WRITERS: usize = 4;
    const EACH: usize = 12;
    let app = spawn_app().await;
    let ids: Vec<String> = (0..WRITERS).map(|w| format!("w{w}")).collect();
    app.import(&Value::Array(ids.iter().map(|id| conversation(id, json!({}))).collect())).await;
    let already = stored_events(&app, &ids).await;
    let other = Gateway::start(&app.database_url).await;

    let mut here = Socket::ready(&app).await;
    here.events("here", json!(null), None).await;
    wait_for_metric(&app, "inbox_live_subscriptions", 1.0).await;
    let mut there = Socket::open(&other.address, "graphql-transport-ws", None).await;
    there.init(json!({"Authorization": format!("Bearer {}", app.api_key), "X-Workspace-ID": app.workspace})).await;
    there.events("there", json!(null), None).await;
    other.wait_for_metric("inbox_live_subscriptions", 1.0).await;

    // Writers on the other process, each on its own conversation, all at once.
    let writers: Vec<_> = ids
        .iter()
        .map(|id| {
            let (client, address, key, workspace, id) =
                (app.client.clone(), other.address.clone(), app.api_key.clone(), app.workspace.clone(), id.clone());
            tokio::spawn(async move {
                for i in 0..EACH {
                    let query = tag(&id, &format!("t{i}"));
                    let answer = crate::helpers::answer(
                        crate::helpers::graphql_post(&client, &address, (&key, &workspace))
                            .json(&json!({"query": query})),
                    )
                    .await;
                    answer.data();
                }
            })
        })
        .collect();

    // A subscriber drops mid-stream while the writes go on, and resumes with its last cursor.
    let mut seen = here.events_n("here", 15).await;
    here.close().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut resumed = Socket::ready(&app).await;
    resumed.events("again", json!(null), Some(seen.last().unwrap()["cursor"].as_str().unwrap())).await;
    seen.extend(resumed.events_n("again", WRITERS * EACH - 15).await);
    for writer in writers {
        writer.await.unwrap();
    }
    let on_the_writer = there.events_n("there", WRITERS * EACH).await;

    let stored = stored_events(&app, &ids).await;
    for events in [&seen, &on_the_writer] {
        // Commit order: positions only grow, none twice.
        let positions: Vec<i64> = events.iter().map(position).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
        // And so do the cursors, as strings.
        let cursors: Vec<&str> = events.iter().map(|e| e["cursor"].as_str().unwrap()).collect();
        assert!(cursors.windows(2).all(|w| w[0] < w[1]), "{cursors:?}");
        // Every event exactly once: those stored since the subscription began.
        let ids_seen: Vec<&str> = events.iter().map(|e| e["event"]["id"].as_str().unwrap()).collect();
        let distinct: HashSet<&str> = ids_seen.iter().copied().collect();
        assert_eq!(distinct.len(), ids_seen.len(), "an event arrived twice");
        for id in &ids {
            let new: Vec<&str> = stored[id].iter().skip(already[id].len()).map(String::as_str).collect();
            let arrived: Vec<&str> = events
                .iter()
                .filter(|e| e["conversation"]["id"] == id.as_str())
                .map(|e| e["event"]["id"].as_str().unwrap())
                .collect();
            assert_eq!(arrived, new, "the events of {id}, in their order");
        }
    }
    resumed.close().await;
    there.close().await;
}

#[tokio::test]
async fn a_dropped_listener_connection_is_made_again_and_what_was_committed_meanwhile_arrives() {
    // With a poll far away, only NOTIFY (and the read after listening again) can bring events.
    let app = spawn_app_with(|config| config.limits.live.poll_interval = Some(Duration::from_secs(600))).await;
    if !app.database_url.starts_with("postgres") {
        return; // SQLite processes hear each other by polling, which the test above covers.
    }
    app.import(&json!([conversation("c1", json!({}))])).await;
    let other = Gateway::start(&app.database_url).await;
    let mut socket = Socket::ready(&app).await;
    socket.events("1", json!(null), None).await;
    wait_for_metric(&app, "inbox_live_subscriptions", 1.0).await;
    other.mutate(&app, &tag("c1", "before")).await;
    assert_eq!(socket.event("1").await["event"]["details"]["tags"], json!(["before"]));

    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let kill = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                WHERE application_name = 'inbox-gateway-listener' AND datname = current_database()";
    sea_orm::ConnectionTrait::execute_unprepared(&db, kill).await.unwrap();
    for i in 0..3 {
        other.mutate(&app, &tag("c1", &format!("gap{i}"))).await;
    }
    let events = socket.events_n("1", 3).await;
    let tags: Vec<Value> = events.iter().map(|e| e["event"]["details"]["tags"][0].clone()).collect();
    assert_eq!(tags, [json!("gap0"), json!("gap1"), json!("gap2")]);
    db.close().await.unwrap();
    socket.close().await;
}
