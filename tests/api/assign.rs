//! `assignConversation`: users of the workspace only, null unassigns, ASSIGNED and
//! UNASSIGNED events, no-ops record nothing, and `lastActivityAt` never moves.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::helpers::{conversation, spawn_app, Answer, TestApp, ALL_FIELDS};

const LAST_ACTIVITY: &str = "2024-01-10T11:00:00Z";

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

async fn assign_as(app: &TestApp, (key, workspace): (&str, &str), conversation_id: &str, assignee: Value) -> Answer {
    let query = format!(
        "mutation($input: AssignConversationInput!) {{
           assignConversation(input: $input) {{ conversation {{ {ALL_FIELDS} }} }} }}"
    );
    let input = json!({"conversationId": conversation_id, "assigneeId": assignee});
    app.gql_as(key, workspace, &query, json!({"input": input})).await
}

async fn assign(app: &TestApp, conversation_id: &str, assignee: Value) -> Answer {
    assign_as(app, (&app.api_key, &app.workspace), conversation_id, assignee).await
}

async fn read_back_as(app: &TestApp, (key, workspace): (&str, &str), id: &str) -> Value {
    let query = format!("query($id: ID!) {{ conversation(id: $id) {{ {ALL_FIELDS} }} }}");
    let answer = app.gql_as(key, workspace, &query, json!({"id": id})).await;
    answer.data()["conversation"].clone()
}

async fn read_back(app: &TestApp, id: &str) -> Value {
    read_back_as(app, (&app.api_key, &app.workspace), id).await
}

/// The conversation of a successful payload, checked against a fresh read-back.
async fn payload_matching_read_back(app: &TestApp, answer: &Answer, id: &str) -> Value {
    let payload = answer.data()["assignConversation"]["conversation"].clone();
    assert_eq!(payload, read_back(app, id).await, "payload and read-back agree");
    payload
}

fn kinds_and_details(conversation: &Value) -> Value {
    conversation["activity"]
        .as_array()
        .expect("activity is a list")
        .iter()
        .map(|e| json!({"kind": e["kind"], "details": e["details"]}))
        .collect()
}

fn assert_between(at: &Value, before: DateTime<Utc>) {
    let at: DateTime<Utc> = at.as_str().expect("a date-time").parse().expect("RFC 3339");
    let after = Utc::now();
    let slack = chrono::Duration::seconds(1);
    assert!(before - slack <= at && at <= after + slack, "{at} is not between {before} and {after}");
}

fn assert_refused(answer: &Answer, code: &str) {
    assert_eq!(answer.code(), code, "{}", answer.body);
    assert!(answer.body["data"].is_null(), "{}", answer.body);
}

#[tokio::test]
async fn assigns_an_unassigned_conversation_to_a_user_of_the_workspace() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let before = Utc::now();

    let answer = assign(&app, "conv_1", json!("user_ana")).await;

    let conversation = payload_matching_read_back(&app, &answer, "conv_1").await;
    assert_eq!(
        conversation["assignee"],
        json!({"id": "user_ana", "name": "Ana Ortiz", "avatarUrl": "https://avatars.example/ana.jpg"})
    );
    assert_eq!(kinds_and_details(&conversation), json!([{"kind": "ASSIGNED", "details": {"assigneeId": "user_ana"}}]));
    assert_between(&conversation["activity"][0]["at"], before);
    assert_eq!(conversation["lastActivityAt"], LAST_ACTIVITY);
    assert_eq!(conversation["status"], "OPEN");
}

#[tokio::test]
async fn reassigns_to_another_user() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    let answer = assign(&app, "conv_2", json!("user_ben")).await;

    let conversation = payload_matching_read_back(&app, &answer, "conv_2").await;
    assert_eq!(conversation["assignee"], json!({"id": "user_ben", "name": "Ben Okafor", "avatarUrl": null}));
    assert_eq!(kinds_and_details(&conversation), json!([{"kind": "ASSIGNED", "details": {"assigneeId": "user_ben"}}]));
    let ana =
        app.gql("{ conversations(filter: {assigneeId: \"user_ana\"}) { pagination { total } } }", json!({})).await;
    assert_eq!(ana.data()["conversations"]["pagination"]["total"], 0, "Ana no longer holds it");
}

#[tokio::test]
async fn null_unassigns() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    let answer = assign(&app, "conv_2", Value::Null).await;

    let conversation = payload_matching_read_back(&app, &answer, "conv_2").await;
    assert_eq!(conversation["assignee"], Value::Null);
    assert_eq!(kinds_and_details(&conversation), json!([{"kind": "UNASSIGNED", "details": {}}]));
}

#[tokio::test]
async fn assign_then_reassign_then_unassign_records_each_change_in_order() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    assign(&app, "conv_1", json!("user_ana")).await.data();
    assign(&app, "conv_1", json!("user_ben")).await.data();
    let answer = assign(&app, "conv_1", Value::Null).await;

    let conversation = payload_matching_read_back(&app, &answer, "conv_1").await;
    assert_eq!(
        kinds_and_details(&conversation),
        json!([
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
    assert_eq!(assigned["activity"], json!([]));
    assert_eq!(unassigned["activity"], json!([]));
}

#[tokio::test]
async fn unknown_assignee_is_not_found_and_changes_nothing() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let before = read_back(&app, "conv_2").await;

    let answer = assign(&app, "conv_2", json!("user_nobody")).await;

    assert_refused(&answer, "NOT_FOUND");
    assert_eq!(read_back(&app, "conv_2").await, before);
}

#[tokio::test]
async fn a_customer_id_is_not_a_user() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let before = read_back(&app, "conv_1").await;

    let answer = assign(&app, "conv_1", json!("cust_conv_1")).await;

    assert_refused(&answer, "NOT_FOUND");
    assert_eq!(read_back(&app, "conv_1").await, before);
}

#[tokio::test]
async fn unknown_conversation_is_not_found() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let before = [read_back(&app, "conv_1").await, read_back(&app, "conv_2").await];

    let answer = assign(&app, "conv_nope", json!("user_ana")).await;

    assert_refused(&answer, "NOT_FOUND");
    assert_eq!(read_back(&app, "conv_nope").await, Value::Null);
    assert_eq!([read_back(&app, "conv_1").await, read_back(&app, "conv_2").await], before);
}

#[tokio::test]
async fn another_workspaces_conversation_is_not_found() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let (workspace, key) = app.other_workspace().await;
    let theirs = json!([conversation("conv_theirs", json!({}))]);
    app.import_into(&workspace, &theirs).await;
    let before = read_back_as(&app, (&key, &workspace), "conv_theirs").await;

    let answer = assign(&app, "conv_theirs", json!("user_ana")).await;

    assert_refused(&answer, "NOT_FOUND");
    assert_eq!(read_back_as(&app, (&key, &workspace), "conv_theirs").await, before);
}

#[tokio::test]
async fn another_workspaces_user_is_not_found() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let (workspace, key) = app.other_workspace().await;
    let theirs = json!([conversation("conv_theirs", json!({"assignee": {"id": "user_zed", "name": "Zed Other"}}))]);
    app.import_into(&workspace, &theirs).await;
    let before = read_back(&app, "conv_1").await;

    let answer = assign(&app, "conv_1", json!("user_zed")).await;

    assert_refused(&answer, "NOT_FOUND");
    assert_eq!(read_back(&app, "conv_1").await, before);
    let own = assign_as(&app, (&key, &workspace), "conv_theirs", json!("user_zed")).await;
    own.data();
}

#[tokio::test]
async fn the_same_id_in_two_workspaces_is_assigned_independently() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let (workspace, key) = app.other_workspace().await;
    app.import_into(&workspace, &fixtures()).await;
    let theirs = read_back_as(&app, (&key, &workspace), "conv_1").await;

    assign(&app, "conv_1", json!("user_ben")).await.data();

    assert_eq!(read_back_as(&app, (&key, &workspace), "conv_1").await, theirs);
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
