//! `updateConversationStatus`: the RESOLVED rules for `resolvedAt` and `resolutionNotes`,
//! `STATUS_CHANGED` events, refusals that change nothing, and `lastActivityAt` left alone.

use chrono::Utc;
use serde_json::{json, Value};

use crate::helpers::{
    assert_error, assert_recent, assert_refused, assert_refused_unchanged, conversation, imported_created, instant,
    kinds_and_details, read_back, spawn_app, Answer, Mutation, OtherWorkspace, TestApp, LAST_ACTIVITY,
};

const RESOLVED_AT: &str = "2024-01-09T08:00:00Z";

fn fixtures() -> Value {
    json!([
        conversation("conv_open", json!({})),
        conversation("conv_pending", json!({"status": "pending"})),
        conversation(
            "conv_resolved",
            json!({"status": "resolved", "resolved_at": RESOLVED_AT,
                                             "resolution_notes": "Replaced the igniter"})
        ),
        conversation(
            "conv_resolved_2",
            json!({"status": "resolved", "resolved_at": RESOLVED_AT,
                                               "resolution_notes": "Cleared the drain"})
        ),
    ])
}

async fn set_status(app: &TestApp, id: &str, status: &str, notes: Option<&str>) -> Answer {
    Mutation::set_status(id, status, notes).send(app).await
}

/// Sets a status that must be accepted; returns the payload's conversation after checking
/// it against a read-back.
async fn set_ok(app: &TestApp, id: &str, status: &str, notes: Option<&str>) -> Value {
    let payload = Mutation::set_status(id, status, notes).send_ok(app).await["conversation"].clone();
    assert_eq!(payload["status"], status);
    payload
}

/// The details of the `STATUS_CHANGED` events that follow the import's event.
fn status_events(conversation: &Value) -> Vec<Value> {
    let activity = conversation["activity"].as_array().expect("activity is a list");
    assert_eq!(kinds_and_details(conversation)[0], imported_created(), "the import's event comes first");
    activity[1..]
        .iter()
        .map(|e| {
            assert_eq!(e["kind"], "STATUS_CHANGED", "{e}");
            e["details"].clone()
        })
        .collect()
}

#[tokio::test]
async fn resolving_sets_resolved_at_to_now_and_stores_the_notes() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let before = Utc::now();

    let resolved = set_ok(&app, "conv_open", "RESOLVED", Some("Relit the pilot")).await;

    assert_recent(&resolved["resolvedAt"], before);
    assert!(resolved["resolvedAt"].as_str().unwrap().ends_with('Z'), "UTC with Z: {}", resolved["resolvedAt"]);
    assert_eq!(resolved["resolutionNotes"], "Relit the pilot");
    assert_eq!(status_events(&resolved), [json!({"from": "OPEN", "to": "RESOLVED"})]);
    assert_recent(&resolved["activity"][1]["at"], before);
    assert_eq!(resolved["lastActivityAt"], LAST_ACTIVITY);
}

#[tokio::test]
async fn resolving_without_notes_leaves_them_null() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let before = Utc::now();

    let resolved = set_ok(&app, "conv_pending", "RESOLVED", None).await;

    assert_recent(&resolved["resolvedAt"], before);
    assert_eq!(resolved["resolutionNotes"], Value::Null);
    assert_eq!(status_events(&resolved), [json!({"from": "PENDING", "to": "RESOLVED"})]);
}

#[tokio::test]
async fn explicit_null_notes_are_no_notes() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    let mut explicit_null = Mutation::set_status("conv_open", "PENDING", None);
    explicit_null.input["resolutionNotes"] = Value::Null;
    let answer = explicit_null.send(&app).await;

    let conversation = &answer.data()["updateConversationStatus"]["conversation"];
    assert_eq!(conversation["status"], "PENDING");
    assert_eq!(read_back(&app, "conv_open").await, *conversation);
}

#[tokio::test]
async fn resolving_again_with_notes_keeps_resolved_at_and_replaces_the_notes() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    let imported = set_ok(&app, "conv_resolved", "RESOLVED", Some("Replaced the thermocouple")).await;
    let first = set_ok(&app, "conv_open", "RESOLVED", Some("First visit")).await;
    let second = set_ok(&app, "conv_open", "RESOLVED", Some("Second visit")).await;

    assert_eq!(imported["resolvedAt"], RESOLVED_AT);
    assert_eq!(imported["resolutionNotes"], "Replaced the thermocouple");
    assert_eq!(status_events(&imported), [json!({"from": "RESOLVED", "to": "RESOLVED"})]);
    assert_eq!(second["resolvedAt"], first["resolvedAt"]);
    assert_eq!(second["resolutionNotes"], "Second visit");
    assert_eq!(
        status_events(&second),
        [json!({"from": "OPEN", "to": "RESOLVED"}), json!({"from": "RESOLVED", "to": "RESOLVED"})]
    );
}

#[tokio::test]
async fn resolving_again_without_notes_keeps_everything_and_records_nothing() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let imported = read_back(&app, "conv_resolved").await;
    let first = set_ok(&app, "conv_open", "RESOLVED", Some("Relit the pilot")).await;

    let imported_again = set_ok(&app, "conv_resolved", "RESOLVED", None).await;
    let again = set_ok(&app, "conv_open", "RESOLVED", None).await;

    assert_eq!(imported_again, imported);
    assert_eq!(imported_again["resolutionNotes"], "Replaced the igniter");
    assert_eq!(again, first);
    assert_eq!(status_events(&again).len(), 1);
}

#[tokio::test]
async fn leaving_resolved_clears_resolved_at_and_notes() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    let opened = set_ok(&app, "conv_resolved", "OPEN", None).await;
    let pending = set_ok(&app, "conv_resolved_2", "PENDING", None).await;

    for (conversation, to) in [(&opened, "OPEN"), (&pending, "PENDING")] {
        assert_eq!(conversation["resolvedAt"], Value::Null);
        assert_eq!(conversation["resolutionNotes"], Value::Null);
        assert_eq!(status_events(conversation), [json!({"from": "RESOLVED", "to": to})]);
        assert_eq!(conversation["lastActivityAt"], LAST_ACTIVITY);
    }
}

#[tokio::test]
async fn reopening_and_resolving_again_sets_a_new_resolved_at() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    let first = set_ok(&app, "conv_open", "RESOLVED", Some("Relit the pilot")).await;
    set_ok(&app, "conv_open", "OPEN", None).await;
    let before_second = Utc::now();
    let second = set_ok(&app, "conv_open", "RESOLVED", None).await;

    assert!(instant(&second["resolvedAt"]) > instant(&first["resolvedAt"]));
    assert_recent(&second["resolvedAt"], before_second);
    assert_eq!(second["resolutionNotes"], Value::Null, "old notes are gone");
    assert_eq!(
        status_events(&second),
        [
            json!({"from": "OPEN", "to": "RESOLVED"}),
            json!({"from": "RESOLVED", "to": "OPEN"}),
            json!({"from": "OPEN", "to": "RESOLVED"})
        ]
    );
}

#[tokio::test]
async fn moves_between_open_and_pending() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    set_ok(&app, "conv_open", "PENDING", None).await;
    let back = set_ok(&app, "conv_open", "OPEN", None).await;

    assert_eq!(back["resolvedAt"], Value::Null);
    assert_eq!(back["resolutionNotes"], Value::Null);
    assert_eq!(
        status_events(&back),
        [json!({"from": "OPEN", "to": "PENDING"}), json!({"from": "PENDING", "to": "OPEN"})]
    );
    let pending = app.gql("{ conversations(filter: {status: PENDING}) { conversations { id } } }", json!({})).await;
    assert_eq!(pending.data()["conversations"]["conversations"], json!([{"id": "conv_pending"}]));
}

#[tokio::test]
async fn setting_the_current_status_records_nothing() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    for (id, status) in [("conv_open", "OPEN"), ("conv_pending", "PENDING")] {
        let before = read_back(&app, id).await;
        let after = set_ok(&app, id, status, None).await;
        assert_eq!(after, before);
        assert_eq!(kinds_and_details(&after), json!([imported_created()]), "the import's event only");
    }
}

#[tokio::test]
async fn resolution_notes_without_resolved_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    for (id, status) in [
        ("conv_open", "OPEN"),
        ("conv_open", "PENDING"),
        ("conv_pending", "OPEN"),
        ("conv_resolved", "OPEN"),
        ("conv_resolved", "PENDING"),
    ] {
        let call = set_status(&app, id, status, Some("Should not be kept"));
        let refusal = ("BAD_USER_INPUT", Some("input.resolutionNotes"));
        assert_refused_unchanged(&app, id, call, refusal, &format!("{id} -> {status}")).await;
    }
}

#[tokio::test]
async fn unknown_conversation_is_not_found() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    let answer = set_status(&app, "conv_nope", "RESOLVED", Some("Done")).await;

    assert_refused(&answer, "NOT_FOUND", None, "conv_nope");
    assert_eq!(read_back(&app, "conv_nope").await, Value::Null);
}

#[tokio::test]
async fn another_workspaces_conversation_is_not_found_and_keeps_its_status() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let theirs = OtherWorkspace::holding_theirs(&app, json!({})).await;

    let answer = set_status(&app, "conv_theirs", "RESOLVED", Some("Done")).await;

    assert_error(&answer, "NOT_FOUND", None, "conv_theirs");
    theirs.assert_unchanged(&app).await;
}

#[tokio::test]
async fn last_activity_never_changes() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    for (status, notes) in
        [("PENDING", None), ("RESOLVED", Some("Fixed")), ("RESOLVED", Some("Fixed for good")), ("OPEN", None)]
    {
        let conversation = set_ok(&app, "conv_open", status, notes).await;
        assert_eq!(conversation["lastActivityAt"], LAST_ACTIVITY);
    }
}
