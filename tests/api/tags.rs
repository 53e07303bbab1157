//! `addConversationTags` / `removeConversationTags`: normalisation, validation of the
//! whole call, no-ops, insertion order, the 50-tag limit, events with only the tags that
//! changed, and the `tags` filter seeing changes at once.

use serde_json::{json, Value};

use crate::helpers::{
    assert_error, assert_refused, assert_refused_unchanged, conversation, imported_created, kinds_and_details,
    numbered, read_back, spawn_app, strings, Answer, Mutation, OtherWorkspace, TestApp, LAST_ACTIVITY,
};

fn fixtures() -> Value {
    json!([
        conversation("conv_1", json!({"tags": ["emergency", "water_heater"]})),
        conversation("conv_2", json!({"tags": ["sales_inquiry"]})),
        conversation("conv_45", json!({"tags": numbered("held_", 0..45)})),
    ])
}

#[derive(Clone, Copy)]
enum Change {
    Add,
    Remove,
}

impl Change {
    fn mutation(self, id: &str, tags: &[&str]) -> Mutation {
        match self {
            Change::Add => Mutation::add_tags(id, tags),
            Change::Remove => Mutation::remove_tags(id, tags),
        }
    }
}

async fn change(app: &TestApp, change: Change, id: &str, tags: &[&str]) -> Answer {
    change.mutation(id, tags).send(app).await
}

/// A change that must be accepted: the payload's conversation, checked against a read-back.
async fn change_ok(app: &TestApp, kind: Change, id: &str, tags: &[&str]) -> Value {
    let payload = kind.mutation(id, tags).send_ok(app).await["conversation"].clone();
    assert_eq!(payload["lastActivityAt"], LAST_ACTIVITY);
    payload
}

async fn add_ok(app: &TestApp, id: &str, tags: &[&str]) -> Value {
    change_ok(app, Change::Add, id, tags).await
}

async fn remove_ok(app: &TestApp, id: &str, tags: &[&str]) -> Value {
    change_ok(app, Change::Remove, id, tags).await
}

/// A change that must be refused as bad input and leave the conversation as it was.
async fn assert_tags_refused(app: &TestApp, kind: Change, id: &str, tags: &[&str]) {
    let refusal = ("BAD_USER_INPUT", Some("input.tags"));
    assert_refused_unchanged(app, id, change(app, kind, id, tags), refusal, &format!("{tags:?}")).await;
}

fn tags_of(conversation: &Value) -> Vec<String> {
    strings(&conversation["tags"])
}

async fn tagged(app: &TestApp, filter: &str) -> Vec<String> {
    app.ids(&format!("(filter: {filter}, sort: CREATED_ASC)")).await
}

#[tokio::test]
async fn adds_normalised_tags_after_those_held() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    let conversation = add_ok(&app, "conv_1", &[" Emergency_Call ", "Zone:North-2", "9LIVES"]).await;

    assert_eq!(conversation["tags"], json!(["emergency", "water_heater", "emergency_call", "zone:north-2", "9lives"]));
    assert_eq!(
        kinds_and_details(&conversation),
        json!([imported_created(), {"kind": "TAGS_ADDED", "details": {"tags": ["emergency_call", "zone:north-2", "9lives"]}}])
    );
}

#[tokio::test]
async fn normalised_tag_equal_to_a_held_one_is_a_no_op() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let before = read_back(&app, "conv_1").await;

    let conversation = add_ok(&app, "conv_1", &[" Emergency ", "WATER_HEATER"]).await;

    assert_eq!(conversation, before);
    assert_eq!(kinds_and_details(&conversation), json!([imported_created()]), "the import's event only");
}

#[tokio::test]
async fn a_bad_tag_refuses_the_whole_call() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let too_long = "a".repeat(65);

    for bad in [
        "",
        "   ",
        "_leading",
        "-leading",
        ":leading",
        "two words",
        "café",
        "é",
        "bang!",
        "a/b",
        "a.b",
        too_long.as_str(),
    ] {
        assert_tags_refused(&app, Change::Add, "conv_1", &["fine_tag", bad]).await;
        assert_tags_refused(&app, Change::Remove, "conv_1", &["emergency", bad]).await;
    }
    assert_eq!(tagged(&app, "{tags: [\"fine_tag\"]}").await, Vec::<String>::new());
}

#[tokio::test]
async fn a_tag_may_be_64_characters() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let longest = format!("z{}", "-".repeat(63));

    let conversation = add_ok(&app, "conv_2", &[&longest]).await;

    assert_eq!(conversation["tags"], json!(["sales_inquiry", longest]));
}

#[tokio::test]
async fn zero_or_twenty_one_tags_are_refused_twenty_are_fine() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let twenty_one = numbered("new_", 0..21);
    let twenty_one: Vec<&str> = twenty_one.iter().map(String::as_str).collect();

    for kind in [Change::Add, Change::Remove] {
        assert_tags_refused(&app, kind, "conv_2", &[]).await;
        assert_tags_refused(&app, kind, "conv_2", &twenty_one).await;
    }
    let added = add_ok(&app, "conv_2", &twenty_one[..20]).await;
    assert_eq!(tags_of(&added).len(), 21);
    let removed = remove_ok(&app, "conv_2", &twenty_one[..20]).await;
    assert_eq!(removed["tags"], json!(["sales_inquiry"]));
    assert_eq!(
        kinds_and_details(&removed),
        json!([
            imported_created(),
            {"kind": "TAGS_ADDED", "details": {"tags": twenty_one[..20]}},
            {"kind": "TAGS_REMOVED", "details": {"tags": twenty_one[..20]}},
        ])
    );
}

#[tokio::test]
async fn duplicates_within_a_call_count_once() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    let conversation = add_ok(&app, "conv_2", &["Leak", "leak ", "drain", "LEAK", " Drain"]).await;

    assert_eq!(conversation["tags"], json!(["sales_inquiry", "leak", "drain"]));
    assert_eq!(
        kinds_and_details(&conversation),
        json!([imported_created(), {"kind": "TAGS_ADDED", "details": {"tags": ["leak", "drain"]}}])
    );
}

#[tokio::test]
async fn events_list_only_the_tags_that_changed_in_the_order_given() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    add_ok(&app, "conv_1", &["vip", "emergency", "attic", "water_heater"]).await;
    let conversation = remove_ok(&app, "conv_1", &["nope", " VIP ", "emergency", "vip"]).await;

    assert_eq!(conversation["tags"], json!(["water_heater", "attic"]));
    assert_eq!(
        kinds_and_details(&conversation),
        json!([
            imported_created(),
            {"kind": "TAGS_ADDED", "details": {"tags": ["vip", "attic"]}},
            {"kind": "TAGS_REMOVED", "details": {"tags": ["vip", "emergency"]}},
        ])
    );
}

#[tokio::test]
async fn removing_absent_tags_is_a_no_op() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let before = read_back(&app, "conv_1").await;

    let conversation = remove_ok(&app, "conv_1", &["nope", "sales_inquiry"]).await;

    assert_eq!(conversation, before);
}

#[tokio::test]
async fn tags_keep_insertion_order_and_a_re_added_tag_goes_last() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    add_ok(&app, "conv_2", &["zeta"]).await;
    add_ok(&app, "conv_2", &["alpha", "mid"]).await;
    remove_ok(&app, "conv_2", &["sales_inquiry"]).await;
    let conversation = add_ok(&app, "conv_2", &["sales_inquiry"]).await;

    assert_eq!(conversation["tags"], json!(["zeta", "alpha", "mid", "sales_inquiry"]));
    assert_eq!(
        kinds_and_details(&conversation),
        json!([
            imported_created(),
            {"kind": "TAGS_ADDED", "details": {"tags": ["zeta"]}},
            {"kind": "TAGS_ADDED", "details": {"tags": ["alpha", "mid"]}},
            {"kind": "TAGS_REMOVED", "details": {"tags": ["sales_inquiry"]}},
            {"kind": "TAGS_ADDED", "details": {"tags": ["sales_inquiry"]}},
        ])
    );
}

#[tokio::test]
async fn a_call_that_would_pass_fifty_tags_is_refused_whole() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let six = numbered("new_", 0..6);
    let six: Vec<&str> = six.iter().map(String::as_str).collect();

    assert_tags_refused(&app, Change::Add, "conv_45", &six).await;
    assert_eq!(tags_of(&read_back(&app, "conv_45").await).len(), 45);

    let mut five_and_repeats = six[..5].to_vec();
    five_and_repeats.extend(["held_00", "NEW_00", " new_01 "]);
    let full = add_ok(&app, "conv_45", &five_and_repeats).await;
    let mut expected = numbered("held_", 0..45);
    expected.extend(numbered("new_", 0..5));
    assert_eq!(tags_of(&full), expected, "exactly fifty is fine");

    assert_tags_refused(&app, Change::Add, "conv_45", &["new_05"]).await;
    assert_tags_refused(&app, Change::Add, "conv_45", &["held_01", "new_05"]).await;
    let unchanged = add_ok(&app, "conv_45", &["held_01", "new_04"]).await;
    assert_eq!(unchanged, full, "adding held tags at fifty is a no-op");

    remove_ok(&app, "conv_45", &["held_00"]).await;
    let again = add_ok(&app, "conv_45", &["new_05"]).await;
    assert_eq!(tags_of(&again).len(), 50);
    assert_eq!(
        kinds_and_details(&again),
        json!([
            imported_created(),
            {"kind": "TAGS_ADDED", "details": {"tags": ["new_00", "new_01", "new_02", "new_03", "new_04"]}},
            {"kind": "TAGS_REMOVED", "details": {"tags": ["held_00"]}},
            {"kind": "TAGS_ADDED", "details": {"tags": ["new_05"]}},
        ])
    );
}

#[tokio::test]
async fn the_tags_filter_sees_changes_at_once() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let none: Vec<String> = Vec::new();
    assert_eq!(tagged(&app, "{tags: [\"same_day\"]}").await, none);

    add_ok(&app, "conv_2", &["Same_Day"]).await;
    assert_eq!(tagged(&app, "{tags: [\"same_day\"]}").await, ["conv_2"]);
    assert_eq!(tagged(&app, "{tags: [\" SAME_DAY \"]}").await, ["conv_2"]);
    assert_eq!(tagged(&app, "{tags: [\"same_day\", \"sales_inquiry\"], tagMatch: ALL}").await, ["conv_2"]);
    assert_eq!(tagged(&app, "{tags: [\"same_day\", \"emergency\"], tagMatch: ANY}").await, ["conv_1", "conv_2"]);

    remove_ok(&app, "conv_2", &["same_day"]).await;
    assert_eq!(tagged(&app, "{tags: [\"same_day\"]}").await, none);
    remove_ok(&app, "conv_1", &["emergency"]).await;
    assert_eq!(tagged(&app, "{tags: [\"emergency\"]}").await, none);
    assert_eq!(tagged(&app, "{tags: [\"water_heater\"]}").await, ["conv_1"]);
}

#[tokio::test]
async fn unknown_conversation_is_not_found() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    for kind in [Change::Add, Change::Remove] {
        let answer = change(&app, kind, "conv_nope", &["emergency"]).await;
        assert_refused(&answer, "NOT_FOUND", None, "conv_nope");
    }
    assert_eq!(read_back(&app, "conv_nope").await, Value::Null);
}

#[tokio::test]
async fn another_workspaces_conversation_is_not_found_and_keeps_its_tags() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let theirs = OtherWorkspace::holding_theirs(&app, json!({"tags": ["emergency"]})).await;

    for (kind, tag) in [(Change::Add, "intruder"), (Change::Remove, "emergency")] {
        let answer = change(&app, kind, "conv_theirs", &[tag]).await;
        assert_error(&answer, "NOT_FOUND", None, tag);
    }

    theirs.assert_unchanged(&app).await;
}

#[tokio::test]
async fn the_same_id_in_two_workspaces_keeps_separate_tags() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let theirs = OtherWorkspace::holding(&app, &fixtures(), "conv_1").await;

    add_ok(&app, "conv_1", &["ours_only"]).await;
    remove_ok(&app, "conv_1", &["emergency"]).await;

    theirs.assert_unchanged(&app).await;
}
