//! Concurrent mutations on one conversation lose no update: many clients released at the
//! same moment by a barrier, then the state and the activity checked for every write.
//! A multi-threaded runtime lets the clients and the server really run in parallel.

use std::collections::{BTreeSet, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use tokio::sync::Barrier;

use crate::helpers::{
    answer, conversation, graphql_post, imported_created, instant, kinds_and_details, numbered, read_back, spawn_app,
    strings, Answer, Mutation, TestApp, LAST_ACTIVITY,
};

/// What one task needs to talk to the app on its own.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    address: String,
    key: String,
    workspace: String,
}

impl Client {
    fn of(app: &TestApp) -> Self {
        Self {
            http: app.client.clone(),
            address: app.address.clone(),
            key: app.api_key.clone(),
            workspace: app.workspace.clone(),
        }
    }

    /// A mutation, not yet sent, its payload selecting `selection`, that owns what it needs
    /// to run on its own task.
    fn send(&self, mutation: &Mutation, selection: &str) -> Request {
        let client = self.clone();
        let body = json!({"query": mutation.query(selection), "variables": mutation.variables()});
        Box::pin(async move {
            let request = graphql_post(&client.http, &client.address, (&client.key, &client.workspace));
            answer(request.json(&body)).await
        })
    }

    fn add_tags(&self, id: &str, tags: &[&str]) -> Request {
        self.send(&Mutation::add_tags(id, tags), "conversation { tags }")
    }

    fn remove_tags(&self, id: &str, tags: &[&str]) -> Request {
        self.send(&Mutation::remove_tags(id, tags), "conversation { tags }")
    }

    fn add_note(&self, id: &str, content: &str) -> Request {
        self.send(&Mutation::add_note(id, content, None), "note { id content } conversation { id }")
    }

    fn set_status(&self, id: &str, status: &str, notes: Option<&str>) -> Request {
        self.send(&Mutation::set_status(id, status, notes), "conversation { status }")
    }

    fn assign(&self, id: &str, assignee: Option<&str>) -> Request {
        self.send(&Mutation::assign(id, assignee), "conversation { assignee { id } }")
    }
}

type Request = Pin<Box<dyn Future<Output = Answer> + Send>>;

/// Starts every request on its own task, releases them together, and returns the
/// answers in the order of `requests`.
async fn all_at_once(requests: Vec<Request>) -> Vec<Answer> {
    let barrier = Arc::new(Barrier::new(requests.len()));
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|request| {
            let barrier = Arc::clone(&barrier);
            tokio::spawn(async move {
                barrier.wait().await;
                request.await
            })
        })
        .collect();
    let mut answers = Vec::with_capacity(tasks.len());
    for task in tasks {
        answers.push(task.await.expect("the client task completes"));
    }
    answers
}

fn events_of<'a>(conversation: &'a Value, kind: &str) -> Vec<&'a Value> {
    conversation["activity"].as_array().expect("activity is a list").iter().filter(|e| e["kind"] == kind).collect()
}

/// The events the actions recorded: every event but the first, which must be the one
/// the import that created the conversation recorded.
fn after_the_import(conversation: &Value) -> &[Value] {
    assert_eq!(kinds_and_details(conversation)[0], imported_created(), "the import's event comes first");
    &conversation["activity"].as_array().expect("activity is a list")[1..]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_clients_adding_ten_different_tags_leave_all_ten() {
    let app = spawn_app().await;
    app.import(&json!([conversation("conv_1", json!({"tags": ["existing"]}))])).await;
    let client = Client::of(&app);
    let tags: Vec<String> = (0..10).map(|i| format!("crew_{i}")).collect();

    let answers = all_at_once(tags.iter().map(|tag| client.add_tags("conv_1", &[tag.as_str()])).collect()).await;

    for (answer, tag) in answers.iter().zip(&tags) {
        let held = strings(&answer.data()["addConversationTags"]["conversation"]["tags"]);
        assert!(held.contains(tag), "{tag} is in its own payload: {held:?}");
    }
    let conversation = read_back(&app, "conv_1").await;
    let held = strings(&conversation["tags"]);
    assert_eq!(held.len(), 11, "{held:?}");
    assert_eq!(held[0], "existing");
    assert_eq!(held[1..].iter().collect::<BTreeSet<_>>(), tags.iter().collect::<BTreeSet<_>>());
    let events = events_of(&conversation, "TAGS_ADDED");
    assert_eq!(events.len(), 10);
    assert_eq!(after_the_import(&conversation).len(), 10);
    let added_in_event_order: Vec<String> = events
        .iter()
        .flat_map(|e| {
            let tags = strings(&e["details"]["tags"]);
            assert_eq!(tags.len(), 1, "{e}");
            tags
        })
        .collect();
    assert_eq!(added_in_event_order, held[1..], "tags and events agree on the order");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_notes_leave_twenty_notes_and_events() {
    let app = spawn_app().await;
    app.import(&json!([conversation("conv_1", json!({}))])).await;
    let client = Client::of(&app);
    let contents: Vec<String> = (0..20).map(|i| format!("Callback number {i} from dispatcher")).collect();

    let answers = all_at_once(contents.iter().map(|content| client.add_note("conv_1", content)).collect()).await;

    let mut payload_ids = HashSet::new();
    for (answer, content) in answers.iter().zip(&contents) {
        let note = &answer.data()["addConversationNote"]["note"];
        assert_eq!(note["content"], *content);
        payload_ids.insert(note["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(payload_ids.len(), 20, "twenty distinct note ids");
    let conversation = read_back(&app, "conv_1").await;
    let notes = conversation["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 20);
    let stored: BTreeSet<&str> = notes.iter().map(|n| n["content"].as_str().unwrap()).collect();
    assert_eq!(stored, contents.iter().map(String::as_str).collect());
    let note_ids: Vec<&str> = notes.iter().map(|n| n["id"].as_str().unwrap()).collect();
    let events = events_of(&conversation, "NOTE_ADDED");
    assert_eq!(events.len(), 20);
    assert_eq!(after_the_import(&conversation).len(), 20);
    let event_ids: Vec<&str> = events.iter().map(|e| e["details"]["noteId"].as_str().unwrap()).collect();
    assert_eq!(event_ids, note_ids, "notes and events agree on the order");
    assert_eq!(note_ids.iter().map(|id| (*id).to_owned()).collect::<HashSet<_>>(), payload_ids);
    assert_eq!(app.ids("(filter: {search: \"callback dispatcher\"})").await, ["conv_1"]);
}

/// Checks the row and the `STATUS_CHANGED` chain of a conversation that started OPEN.
fn assert_consistent_status(conversation: &Value, started: DateTime<Utc>) {
    let status = conversation["status"].as_str().unwrap();
    let resolved = status == "RESOLVED";
    assert_eq!(!conversation["resolvedAt"].is_null(), resolved, "{conversation}");
    if !resolved {
        assert!(conversation["resolutionNotes"].is_null(), "{conversation}");
    }
    let events = events_of(conversation, "STATUS_CHANGED");
    assert_eq!(events.len(), after_the_import(conversation).len());
    let mut current = "OPEN";
    let mut left_resolved_at = started;
    for event in &events {
        let (from, to) = (&event["details"]["from"], &event["details"]["to"]);
        assert_eq!(from, current, "each event starts where the previous ended: {events:?}");
        assert!(from != to || to == "RESOLVED", "a real change: {event}");
        if from == "RESOLVED" && to != "RESOLVED" {
            left_resolved_at = instant(&event["at"]);
        }
        current = to.as_str().unwrap();
    }
    assert_eq!(current, status, "the last event ends at the current status");
    if resolved {
        let resolved_at = instant(&conversation["resolvedAt"]);
        assert!(
            resolved_at >= left_resolved_at && resolved_at <= Utc::now(),
            "resolvedAt {resolved_at} belongs to the latest resolution (after {left_resolved_at})"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_status_changes_leave_a_consistent_row_and_event_chain() {
    let app = spawn_app().await;
    app.import(&json!([conversation("conv_1", json!({}))])).await;
    let client = Client::of(&app);
    let started = Utc::now();

    for round in 0..10 {
        let fixed = format!("Fixed in round {round}");
        let flushed = format!("Flushed in round {round}");
        let answers = all_at_once(vec![
            client.set_status("conv_1", "RESOLVED", Some(&fixed)),
            client.set_status("conv_1", "OPEN", None),
            client.set_status("conv_1", "RESOLVED", Some(&flushed)),
            client.set_status("conv_1", "PENDING", None),
        ])
        .await;
        for answer in &answers {
            answer.data();
        }

        let conversation = read_back(&app, "conv_1").await;
        assert_consistent_status(&conversation, started);
        if conversation["status"] == "RESOLVED" {
            let notes = &conversation["resolutionNotes"];
            assert!(
                *notes == fixed || *notes == flushed,
                "round {round}: the notes of this round's last resolution, not {notes}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_fifty_tag_limit_holds_under_concurrency() {
    let app = spawn_app().await;
    let held = numbered("held_", 0..45);
    app.import(&json!([conversation("conv_1", json!({"tags": held}))])).await;
    let client = Client::of(&app);
    let extra: Vec<String> = (0..10).map(|i| format!("extra_{i}")).collect();

    let answers = all_at_once(extra.iter().map(|tag| client.add_tags("conv_1", &[tag.as_str()])).collect()).await;

    let mut accepted = BTreeSet::new();
    for (answer, tag) in answers.iter().zip(&extra) {
        if answer.body.get("errors").is_some() {
            assert_eq!(answer.code(), "BAD_USER_INPUT", "{}", answer.body);
            assert_eq!(answer.field(), "input.tags", "{}", answer.body);
        } else {
            accepted.insert(tag.clone());
        }
    }
    assert_eq!(accepted.len(), 5, "exactly five fit: {accepted:?}");
    let conversation = read_back(&app, "conv_1").await;
    let tags = strings(&conversation["tags"]);
    assert_eq!(tags.len(), 50);
    assert_eq!(tags[..45], held);
    assert_eq!(tags[45..].iter().cloned().collect::<BTreeSet<_>>(), accepted);
    let events = events_of(&conversation, "TAGS_ADDED");
    assert_eq!(events.len(), 5);
    assert_eq!(after_the_import(&conversation).len(), 5);
    let in_events: Vec<String> = events.iter().flat_map(|e| strings(&e["details"]["tags"])).collect();
    assert_eq!(in_events, tags[45..]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn different_actions_at_once_all_land() {
    let app = spawn_app().await;
    app.import(&json!([
        conversation("conv_1", json!({"tags": ["old"]})),
        conversation("conv_2", json!({"assignee": {"id": "user_ana", "name": "Ana Ortiz"}})),
    ]))
    .await;
    let client = Client::of(&app);
    let requests = vec![
        client.assign("conv_1", Some("user_ana")),
        client.set_status("conv_1", "PENDING", None),
        client.add_tags("conv_1", &["north"]),
        client.add_tags("conv_1", &["south"]),
        client.remove_tags("conv_1", &["old"]),
        client.add_note("conv_1", "Ladder needed"),
        client.add_note("conv_1", "Bring filters"),
    ];
    for answer in all_at_once(requests).await {
        answer.data();
    }

    let conversation = read_back(&app, "conv_1").await;
    assert_eq!(conversation["assignee"]["id"], "user_ana");
    assert_eq!(conversation["status"], "PENDING");
    assert_eq!(
        strings(&conversation["tags"]).into_iter().collect::<BTreeSet<_>>(),
        ["north".to_owned(), "south".to_owned()].into_iter().collect()
    );
    assert_eq!(conversation["notes"].as_array().unwrap().len(), 2);
    let by_actions = after_the_import(&conversation);
    let kinds: BTreeSet<String> = by_actions.iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect();
    assert_eq!(by_actions.len(), 7);
    assert_eq!(
        kinds,
        ["ASSIGNED", "STATUS_CHANGED", "TAGS_ADDED", "TAGS_REMOVED", "NOTE_ADDED"]
            .map(str::to_owned)
            .into_iter()
            .collect()
    );
    assert_eq!(conversation["lastActivityAt"], LAST_ACTIVITY);
}
