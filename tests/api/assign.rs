//! `assignConversation`: users of the workspace only, null unassigns, ASSIGNED and
//! UNASSIGNED events, no-ops record nothing, and `lastActivityAt` never moves.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::helpers::{
    assert_recent, assert_refused, assert_refused_unchanged, conversation, imported_created, kinds_and_details,
    read_back, spawn_app, Answer, Mutation, OtherWorkspace, TestApp, LAST_ACTIVITY,
};

/// One unassigned conversation (`LAST_ACTIVITY`) and two assigned ones, which bring
/// users Ana and Ben; their activity brackets that of `conv_1`.
fn fixtures() -> Value {
    json!([
        conversation("conv_1", json!({})),
        conversation(
            "conv_2",
            json!({"assignee": {"id": "user_ana", "name": "Ana Ortiz",
                                                   "avatar_url": "https://avatars.example/ana.jpg"},
                                      "last_activity_at": "2024-01-10T12:00:00Z"})
        ),
        conversation(
            "conv_3",
            json!({"assignee": {"id": "user_ben", "name": "Ben Okafor"},
                                      "last_activity_at": "2024-01-10T09:00:00Z"})
        ),
    ])
}

async fn assign(app: &TestApp, conversation_id: &str, assignee: Value) -> Answer {
    Mutation::assign(conversation_id, assignee).send(app).await
}

/// An assignment that must be accepted: the payload's conversation, checked against a read-back.
async fn assign_ok(app: &TestApp, conversation_id: &str, assignee: Value) -> Value {
    Mutation::assign(conversation_id, assignee).send_ok(app).await["conversation"].clone()
}

/// An assignment that must be refused as `NOT_FOUND` and leave conversation `id` as it was.
async fn assert_not_found_unchanged(app: &TestApp, id: &str, assignee: &str) {
    assert_refused_unchanged(app, id, assign(app, id, json!(assignee)), ("NOT_FOUND", None), assignee).await;
}

#[tokio::test]
async fn assigns_an_unassigned_conversation_to_a_user_of_the_workspace() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let before = Utc::now();

    let conversation = assign_ok(&app, "conv_1", json!("user_ana")).await;

    assert_eq!(
        conversation["assignee"],
        json!({"id": "user_ana", "name": "Ana Ortiz", "avatarUrl": "https://avatars.example/ana.jpg"})
    );
    assert_eq!(
        kinds_and_details(&conversation),
        json!([imported_created(), {"kind": "ASSIGNED", "details": {"assigneeId": "user_ana"}}])
    );
    assert_recent(&conversation["activity"][1]["at"], before);
    assert_eq!(conversation["lastActivityAt"], LAST_ACTIVITY);
    assert_eq!(conversation["status"], "OPEN");
}

#[tokio::test]
async fn reassigns_to_another_user() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    let conversation = assign_ok(&app, "conv_2", json!("user_ben")).await;

    assert_eq!(conversation["assignee"], json!({"id": "user_ben", "name": "Ben Okafor", "avatarUrl": null}));
    assert_eq!(
        kinds_and_details(&conversation),
        json!([imported_created(), {"kind": "ASSIGNED", "details": {"assigneeId": "user_ben"}}])
    );
    let ana =
        app.gql("{ conversations(filter: {assigneeId: \"user_ana\"}) { pagination { total } } }", json!({})).await;
    assert_eq!(ana.data()["conversations"]["pagination"]["total"], 0, "Ana no longer holds it");
}

#[tokio::test]
async fn null_unassigns() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    let conversation = assign_ok(&app, "conv_2", Value::Null).await;

    assert_eq!(conversation["assignee"], Value::Null);
    assert_eq!(kinds_and_details(&conversation), json!([imported_created(), {"kind": "UNASSIGNED", "details": {}}]));
}

#[tokio::test]
async fn assign_then_reassign_then_unassign_records_each_change_in_order() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    assign(&app, "conv_1", json!("user_ana")).await.data();
    assign(&app, "conv_1", json!("user_ben")).await.data();
    let conversation = assign_ok(&app, "conv_1", Value::Null).await;

    assert_eq!(
        kinds_and_details(&conversation),
        json!([
            imported_created(),
            {"kind": "ASSIGNED", "details": {"assigneeId": "user_ana"}},
            {"kind": "ASSIGNED", "details": {"assigneeId": "user_ben"}},
            {"kind": "UNASSIGNED", "details": {}},
        ])
    );
    let times: Vec<DateTime<Utc>> = conversation["activity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["at"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "oldest first: {times:?}");
}

#[tokio::test]
async fn assigning_the_current_assignee_records_nothing() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let assigned = read_back(&app, "conv_2").await;
    let unassigned = read_back(&app, "conv_1").await;

    let again = assign(&app, "conv_2", json!("user_ana")).await;
    let nobody_again = assign(&app, "conv_1", Value::Null).await;

    assert_eq!(again.data()["assignConversation"]["conversation"], assigned);
    assert_eq!(read_back(&app, "conv_2").await, assigned);
    assert_eq!(nobody_again.data()["assignConversation"]["conversation"], unassigned);
    assert_eq!(read_back(&app, "conv_1").await, unassigned);
    assert_eq!(kinds_and_details(&assigned), json!([imported_created()]), "the import's event only");
    assert_eq!(kinds_and_details(&unassigned), json!([imported_created()]), "the import's event only");
}

#[tokio::test]
async fn unknown_assignee_is_not_found_and_changes_nothing() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    assert_not_found_unchanged(&app, "conv_2", "user_nobody").await;
}

#[tokio::test]
async fn a_customer_id_is_not_a_user() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    assert_not_found_unchanged(&app, "conv_1", "cust_conv_1").await;
}

#[tokio::test]
async fn unknown_conversation_is_not_found() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let before = [read_back(&app, "conv_1").await, read_back(&app, "conv_2").await];

    let answer = assign(&app, "conv_nope", json!("user_ana")).await;

    assert_refused(&answer, "NOT_FOUND", None, "conv_nope");
    assert_eq!(read_back(&app, "conv_nope").await, Value::Null);
    assert_eq!([read_back(&app, "conv_1").await, read_back(&app, "conv_2").await], before);
}

#[tokio::test]
async fn another_workspaces_conversation_is_not_found() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let theirs = OtherWorkspace::holding_theirs(&app, json!({})).await;

    let answer = assign(&app, "conv_theirs", json!("user_ana")).await;

    assert_refused(&answer, "NOT_FOUND", None, "conv_theirs");
    theirs.assert_unchanged(&app).await;
}

#[tokio::test]
async fn another_workspaces_user_is_not_found() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let zed = json!({"assignee": {"id": "user_zed", "name": "Zed Other"}});
    let theirs = OtherWorkspace::holding_theirs(&app, zed).await;

    assert_not_found_unchanged(&app, "conv_1", "user_zed").await;
    let own = Mutation::assign("conv_theirs", "user_zed").send_as(&app, theirs.who()).await;
    own.data();
}

#[tokio::test]
async fn the_same_id_in_two_workspaces_is_assigned_independently() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let theirs = OtherWorkspace::holding(&app, &fixtures(), "conv_1").await;

    assign(&app, "conv_1", json!("user_ben")).await.data();

    theirs.assert_unchanged(&app).await;
    assert_eq!(read_back(&app, "conv_1").await["assignee"]["id"], "user_ben");
}

#[tokio::test]
async fn last_activity_never_changes() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let order = app.ids("(sort: LAST_ACTIVITY_DESC)").await;

    for assignee in [json!("user_ana"), json!("user_ben"), Value::Null, json!("user_ben")] {
        let answer = assign(&app, "conv_1", assignee).await;
        assert_eq!(answer.data()["assignConversation"]["conversation"]["lastActivityAt"], LAST_ACTIVITY);
    }

    assert_eq!(read_back(&app, "conv_1").await["lastActivityAt"], LAST_ACTIVITY);
    assert_eq!(app.ids("(sort: LAST_ACTIVITY_DESC)").await, order);
}
