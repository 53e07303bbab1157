//! The request deadline reaches the database: a request cancelled at its deadline does
//! not leave its statement running (PostgreSQL's `statement_timeout`; on SQLite the
//! statement is interrupted, and a lock is waited for no longer than the deadline), so its
//! connection is back in the pool at once and the next request is served at once.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{contract_examples, hold_abc123, spawn_app_with, TestApp};

/// Connections of the pool in use, as `/metrics` reports them.
async fn connections_in_use(app: &TestApp) -> u64 {
    let metrics = app.client.get(format!("{}/metrics", app.address)).send().await.unwrap().text().await.unwrap();
    metrics
        .lines()
        .find_map(|line| line.strip_prefix("inbox_db_pool_connections{state=\"in_use\"} "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no pool figure in\n{metrics}"))
}

#[tokio::test]
async fn a_request_cancelled_at_its_deadline_frees_its_connection_while_the_database_is_still_blocked() {
    let app = spawn_app_with(|c| c.limits.request_timeout = Duration::from_millis(300)).await;
    app.import(&contract_examples()).await;
    // Held for longer than the whole test: the note's statement cannot finish.
    let lock = hold_abc123(&app).await;

    let started = Instant::now();
    let note =
        "mutation { addConversationNote(input: {conversationId: \"conv_abc123\", content: \"late\"}) { note { id } } }";
    let answer = app.gql(note, json!({})).await;
    let answered = started.elapsed();
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert_eq!(answer.code(), "SERVICE_UNAVAILABLE");

    // The lock is still held; the abandoned statement must have stopped in the database.
    let mut freed = None;
    while started.elapsed() < Duration::from_secs(5) {
        if connections_in_use(&app).await == 0 {
            freed = Some(started.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let read = Instant::now();
    app.gql("{ conversation(id: \"conv_def456\") { id } }", json!({})).await.data();
    let next = read.elapsed();
    eprintln!("answered 503 after {answered:?}; pool free after {freed:?}; next request took {next:?}");
    let freed = freed.expect("the pool is free again while the lock is still held");
    assert!(freed < Duration::from_secs(3), "the connection came back after {freed:?}");
    assert!(next < Duration::from_secs(1), "the next request took {next:?}");
    lock.rollback().await.unwrap();
}
