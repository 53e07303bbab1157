//! The activity an import records (contract section 6): one `IMPORTED` event for each
//! conversation it creates (`{"created": true}`) or changes (`{"created": false}`), none
//! for one it leaves as it was; the notes `addConversationNote` wrote survive it.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Utc;
use inbox_gateway::domain::{Clock, ConversationStatus, WorkspaceId};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{
    assert_recent, conversation, imported_changed, imported_created, kinds_and_details, read_back, spawn_app,
    spawn_app_with, Mutation, TestApp,
};
use crate::rest::rest;

const IDS: [&str; 3] = ["conv_a", "conv_b", "conv_c"];

/// Three conversations, two with tags, messages, imported notes and metadata.
fn file() -> Value {
    json!([
        conversation(
            "conv_a",
            json!({
                "assignee": {"id": "user_ana", "name": "Ana Ortiz"},
                "tags": ["hvac", "north"],
                "metadata": {"call_duration": 60, "transcript_available": true},
                "messages": [{"id": "msg_a1", "direction": "inbound", "body": "No heat", "sent_at": "2024-01-10T10:00:00Z"}],
                "notes": [
                    {"id": "note_a2", "content": "Parts ordered", "created_at": "2024-01-10T10:40:00Z"},
                    {"id": "note_a1", "content": "Gate code 4411", "created_at": "2024-01-10T10:30:00Z"}
                ]
            })
        ),
        conversation(
            "conv_b",
            json!({
                "tags": ["billing"],
                "messages": [
                    {"id": "msg_b1", "direction": "inbound", "body": "Charged twice", "sent_at": "2024-01-10T10:00:00Z"},
                    {"id": "msg_b2", "direction": "outbound", "body": "Looking into it", "sent_at": "2024-01-10T10:05:00Z"}
                ]
            })
        ),
        conversation("conv_c", json!({})),
    ])
}

fn workspace(app: &TestApp) -> WorkspaceId {
    WorkspaceId::new_unchecked(app.workspace.clone())
}

/// The position of the workspace's last event: how many events it has.
async fn events_recorded(app: &TestApp) -> i64 {
    app.store.event_head(&workspace(app)).await.expect("the event head")
}

/// The `kind` and `details` of the activity of each of `ids`, by id.
async fn activity_of(app: &TestApp, ids: &[&str]) -> BTreeMap<String, Value> {
    let mut activity = BTreeMap::new();
    for id in ids {
        activity.insert((*id).to_owned(), kinds_and_details(&read_back(app, id).await));
    }
    activity
}

#[tokio::test]
async fn an_import_records_one_created_event_for_each_conversation() {
    let app = spawn_app().await;
    let before = Utc::now();
    app.import(&file()).await;

    assert_eq!(events_recorded(&app).await, 3);
    for id in IDS {
        let read = read_back(&app, id).await;
        assert_eq!(kinds_and_details(&read), json!([imported_created()]), "{id}");
        assert_recent(&read["activity"][0]["at"], before);
        let answer = rest(&app, Method::GET, &format!("/v1/inbox/conversations/{id}"), None).await;
        let events = answer.data()["conversation"]["activity"].as_array().expect("a list").clone();
        assert_eq!(events.len(), 1, "{id}: {events:?}");
        assert_eq!(events[0]["kind"], "imported");
        assert_eq!(events[0]["details"], json!({"created": true}));
        assert_eq!(events[0]["id"], read["activity"][0]["id"], "{id}: the same event through REST");
        assert_eq!(events[0]["at"], read["activity"][0]["at"]);
    }
}

/// A clock that always says the same time.
struct Stopped(i64);

impl Clock for Stopped {
    fn now(&self) -> i64 {
        self.0
    }
}

#[tokio::test]
async fn the_events_are_stamped_with_the_stores_clock() {
    let at = 1_717_243_200_000_000; // 2024-06-01T12:00:00Z
    let app = spawn_app_with(|c| c.clock = Arc::new(Stopped(at))).await;
    app.import(&file()).await;

    for id in IDS {
        assert_eq!(read_back(&app, id).await["activity"][0]["at"], "2024-06-01T12:00:00Z", "{id}");
    }
}

#[tokio::test]
async fn importing_the_same_file_again_records_nothing() {
    let app = spawn_app().await;
    app.import(&file()).await;
    let mut first = Vec::new();
    for id in IDS {
        first.push(read_back(&app, id).await);
    }

    app.import(&file()).await;

    assert_eq!(events_recorded(&app).await, 3);
    for (id, before) in IDS.iter().zip(&first) {
        assert_eq!(&read_back(&app, id).await, before, "{id}: the same events, ids and times included");
    }
}

/// A change to the file: what it changes, the conversation it changes, and the change.
type Change = (&'static str, &'static str, fn(&mut Value));

#[tokio::test]
async fn each_import_that_changes_a_conversation_records_one_changed_event_for_it_only() {
    let app = spawn_app().await;
    let mut current = file();
    app.import(&current).await;
    let changes: [Change; 10] = [
        ("the summary", "conv_a", |f| f[0]["summary"] = json!("Heat is back")),
        ("a tag added", "conv_b", |f| f[1]["tags"].as_array_mut().unwrap().push(json!("vip"))),
        ("the tags' order", "conv_a", |f| f[0]["tags"] = json!(["north", "hvac"])),
        ("a message's body", "conv_b", |f| f[1]["messages"][1]["body"] = json!("Refund on its way")),
        ("a message dropped", "conv_b", |f| f[1]["messages"] = json!([f[1]["messages"][0].clone()])),
        ("an imported note's content", "conv_a", |f| f[0]["notes"][0]["content"] = json!("Parts arrived")),
        ("an imported note added", "conv_c", |f| {
            f[2]["notes"] = json!([{"id": "note_c1", "content": "Call back", "created_at": "2024-01-10T10:10:00Z"}]);
        }),
        ("the status", "conv_c", |f| f[2]["status"] = json!("pending")),
        ("the metadata's key order", "conv_a", |f| {
            f[0]["metadata"] = json!({"transcript_available": true, "call_duration": 60});
        }),
        ("the assignee", "conv_a", |f| f[0]["assignee"] = Value::Null),
    ];
    let mut expected: BTreeMap<String, Value> =
        IDS.iter().map(|id| ((*id).to_owned(), json!([imported_created()]))).collect();
    for (what, id, change) in changes {
        change(&mut current);
        let recorded = events_recorded(&app).await;
        app.import(&current).await;

        expected.get_mut(id).unwrap().as_array_mut().unwrap().push(imported_changed());
        assert_eq!(events_recorded(&app).await, recorded + 1, "{what}: one event");
        assert_eq!(activity_of(&app, &IDS).await, expected, "{what}: an event for {id} only");
        app.import(&current).await;
        assert_eq!(events_recorded(&app).await, recorded + 1, "{what}: none for the same file again");
    }
}

#[tokio::test]
async fn renaming_a_customer_or_a_user_changes_none_of_their_conversations() {
    let app = spawn_app().await;
    let mut renamed = file();
    app.import(&renamed).await;
    renamed[0]["customer"]["name"] = json!("Pat Renamed");
    renamed[0]["customer"]["phone"] = json!("+15559999999");
    renamed[0]["assignee"]["name"] = json!("Ana Ortiz-Reyes");

    app.import(&renamed).await;

    assert_eq!(events_recorded(&app).await, 3);
    let read = read_back(&app, "conv_a").await;
    assert_eq!(read["customer"]["name"], "Pat Renamed", "the customer is upserted");
    assert_eq!(read["assignee"]["name"], "Ana Ortiz-Reyes", "the user is upserted");
    assert_eq!(kinds_and_details(&read), json!([imported_created()]));
}

#[tokio::test]
async fn a_note_add_conversation_note_wrote_survives_re_imports_and_makes_no_change() {
    let app = spawn_app().await;
    app.import(&file()).await;
    let payload = Mutation::add_note("conv_a", "Dog in the yard", None).send_ok(&app).await;
    let note_id = payload["note"]["id"].clone();
    let before = read_back(&app, "conv_a").await;

    app.import(&file()).await;
    assert_eq!(read_back(&app, "conv_a").await, before, "the same file again: the note kept, no event");
    assert_eq!(events_recorded(&app).await, 4);

    let mut changed = file();
    changed[0]["notes"] = json!([]);
    app.import(&changed).await;
    let read = read_back(&app, "conv_a").await;
    let notes: Vec<&Value> = read["notes"].as_array().unwrap().iter().map(|n| &n["id"]).collect();
    assert_eq!(notes, [&note_id], "the file's notes go, the action's stays");
    assert_eq!(
        kinds_and_details(&read),
        json!([imported_created(), {"kind": "NOTE_ADDED", "details": {"noteId": note_id}}, imported_changed()])
    );
    app.import(&changed).await;
    assert_eq!(events_recorded(&app).await, 5, "the changed file again records nothing");
}

#[tokio::test]
async fn a_file_listing_a_conversation_twice_records_one_event_for_it() {
    let app = spawn_app().await;
    let twice = |first: &str, second: &str| {
        json!([
            conversation("conv_twice", json!({"summary": first})),
            conversation("conv_once", json!({})),
            conversation("conv_twice", json!({"summary": second})),
        ])
    };

    app.import(&twice("First", "Second")).await;
    assert_eq!(events_recorded(&app).await, 2);
    let read = read_back(&app, "conv_twice").await;
    assert_eq!(read["summary"], "Second", "the later occurrence wins");
    assert_eq!(kinds_and_details(&read), json!([imported_created()]));

    app.import(&twice("First", "Second")).await;
    assert_eq!(events_recorded(&app).await, 2, "the same file again");

    app.import(&twice("Second", "First")).await;
    let read = read_back(&app, "conv_twice").await;
    assert_eq!(read["summary"], "First");
    assert_eq!(kinds_and_details(&read), json!([imported_created(), imported_changed()]));
    assert_eq!(kinds_and_details(&read_back(&app, "conv_once").await), json!([imported_created()]));
}

#[tokio::test]
async fn a_conversation_that_loses_an_imported_note_to_another_is_changed() {
    let app = spawn_app().await;
    let note = json!([{"id": "note_moving", "content": "Gate code 4411", "created_at": "2024-01-10T10:30:00Z"}]);
    app.import(&json!([conversation("conv_from", json!({"notes": note}))])).await;

    app.import(&json!([conversation("conv_to", json!({"notes": note}))])).await;

    let from = read_back(&app, "conv_from").await;
    assert_eq!(from["notes"], json!([]), "a note id is unique in the workspace: the file's copy moves it");
    assert_eq!(kinds_and_details(&from), json!([imported_created(), imported_changed()]));
    let to = read_back(&app, "conv_to").await;
    assert_eq!(to["notes"][0]["id"], "note_moving");
    assert_eq!(kinds_and_details(&to), json!([imported_created()]));
}

#[tokio::test]
async fn the_log_keeps_what_the_filter_read_before_and_after_an_imported_change() {
    let app = spawn_app().await;
    let mut current = file();
    app.import(&current).await;
    current[2]["status"] = json!("pending");
    current[2]["tags"] = json!(["waiting"]);
    app.import(&current).await;

    let logged = app.store.events_after(&workspace(&app), 0, 100).await.expect("the log");
    let positions: Vec<i64> = logged.iter().map(|e| e.position).collect();
    assert_eq!(positions, [1, 2, 3, 4]);
    assert!(logged[..3].iter().all(|e| e.before.is_none()), "created: nothing before");
    let changed = &logged[3];
    assert_eq!(changed.event.conversation_id, "conv_c");
    let before = changed.before.as_ref().expect("what the filter read before");
    assert_eq!((before.status, before.tags.as_slice()), (ConversationStatus::Open, &[][..]));
    let after = changed.after();
    assert_eq!((after.status, after.tags), (ConversationStatus::Pending, vec!["waiting".to_owned()]));
}
