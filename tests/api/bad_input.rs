//! Input a careless client sends is answered `BAD_USER_INPUT` with the offending field,
//! the same on both engines, and writes nothing: NUL characters, lists too long,
//! variables that do not fit their type, operation names that name nothing.

use serde_json::json;

use crate::helpers::{assert_error, contract_examples, read_back, spawn_app, Mutation};

#[tokio::test]
async fn nul_characters_are_bad_input_wherever_they_are() {
    let app = spawn_app().await;
    app.import(&contract_examples()).await;
    let before = read_back(&app, "conv_abc123").await;
    let cases = [
        ("{ conversation(id: \"conv\\u0000abc123\") { id } }", json!({}), "id"),
        (
            "query Q($s: String) { conversations(filter: {search: $s}) { pagination { total } } }",
            json!({"s": "water\u{0}heater"}),
            "variables.s",
        ),
        (
            "query Q($f: ConversationFilter) { conversations(filter: $f) { pagination { total } } }",
            json!({"f": {"assigneeId": "user\u{0}789"}}),
            "variables.f.assigneeId",
        ),
        (
            "{ conversations(filter: {tags: [\"ok\", \"b\\u0000d\"]}) { pagination { total } } }",
            json!({}),
            "filter.tags[1]",
        ),
        (
            "mutation { addConversationNote(input: {conversationId: \"conv_abc123\", content: \"gate\\u0000code\"}) { note { id } } }",
            json!({}),
            "input.content",
        ),
        (
            "mutation M($input: AddConversationNoteInput!) { addConversationNote(input: $input) { note { id } } }",
            json!({"input": {"conversationId": "conv_abc123", "content": "gate\u{0}code"}}),
            "variables.input.content",
        ),
        (
            "mutation M($id: ID!) { assignConversation(input: {conversationId: $id, assigneeId: \"user_789\"}) { conversation { id } } }",
            json!({"id": "conv_abc123\u{0}"}),
            "variables.id",
        ),
    ];
    for (query, variables, field) in cases {
        let answer = app.gql(query, variables).await;
        assert_error(&answer, "BAD_USER_INPUT", Some(field), query);
    }
    assert_eq!(read_back(&app, "conv_abc123").await, before, "nothing was written");
}

#[tokio::test]
async fn a_channel_list_of_40000_is_bad_input_and_repeats_are_folded() {
    let app = spawn_app().await;
    app.import(&contract_examples()).await;
    let query = "query Q($c: [Channel!]) { conversations(filter: {channels: $c}) { pagination { total } } }";
    let many = vec!["VOICE"; 40_000];
    assert_error(&app.gql(query, json!({"c": many})).await, "BAD_USER_INPUT", Some("filter.channels"), "40,000");
    let repeated = app.gql(query, json!({"c": ["SMS", "SMS", "VOICE", "SMS"]})).await;
    assert_eq!(repeated.data()["conversations"]["pagination"]["total"], 2);
}

#[tokio::test]
async fn the_operation_name_must_name_one_operation() {
    let app = spawn_app().await;
    let two = "query A { __typename } query B { __typename }";
    let cases = [("query A { __typename }", Some("B")), (two, None), (two, Some("C"))];
    for (query, name) in cases {
        let body = json!({ "query": query, "operationName": name });
        let answer =
            crate::helpers::answer(crate::helpers::graphql_post(&app.client, &app.address, app.own()).json(&body))
                .await;
        assert_error(&answer, "BAD_USER_INPUT", Some("operationName"), query);
    }
    let named = json!({ "query": two, "operationName": "B" });
    let answer =
        crate::helpers::answer(crate::helpers::graphql_post(&app.client, &app.address, app.own()).json(&named)).await;
    assert!(answer.data()["__typename"].is_string(), "{}", answer.body);
}

#[tokio::test]
async fn variables_that_do_not_fit_their_type_are_bad_input_on_the_variable() {
    let app = spawn_app().await;
    let limit = "query Q($l: Int) { conversations(limit: $l) { pagination { total } } }";
    let required = "query Q($l: Int!) { conversations(limit: $l) { pagination { total } } }";
    let filter = "query Q($f: ConversationFilter) { conversations(filter: $f) { pagination { total } } }";
    let id = "query Q($id: ID!) { conversation(id: $id) { id } }";
    let cases = [
        (limit, json!({"l": "ten"}), "variables.l"),
        (limit, json!({"l": 3_000_000_000_i64}), "variables.l"),
        (limit, json!({"l": 1e20}), "variables.l"),
        (limit, json!({"l": 2.5}), "variables.l"),
        (required, json!({"l": null}), "variables.l"),
        (required, json!({}), "variables.l"),
        (id, json!({}), "variables.id"),
        (filter, json!({"f": {"status": "NOPE"}}), "variables.f"),
        (filter, json!({"f": {"bogus": 1}}), "variables.f"),
        (filter, json!({"f": {"channels": ["FAX"]}}), "variables.f"),
    ];
    for (query, variables, field) in cases {
        let answer = app.gql(query, variables.clone()).await;
        assert_error(&answer, "BAD_USER_INPUT", Some(field), &format!("{query} {variables}"));
        for error in answer.body["errors"].as_array().unwrap() {
            assert!(error["extensions"]["code"].is_string(), "every error has a code: {}", answer.body);
        }
    }
    // A literal that does not fit is an error in the document itself.
    for literal in [
        "{ conversations(limit: 99999999999) { pagination { total } } }",
        "{ conversations(filter: 1) { pagination { total } } }",
    ] {
        assert_eq!(app.gql(literal, json!({})).await.code(), "GRAPHQL_VALIDATION_FAILED", "{literal}");
    }
}

#[tokio::test]
async fn a_refused_mutation_with_a_bad_variable_writes_nothing() {
    let app = spawn_app().await;
    app.import(&contract_examples()).await;
    let before = read_back(&app, "conv_abc123").await;
    let note = Mutation::add_note("conv_abc123", "fine", None);
    let answer =
        app.gql(&note.query("note { id }"), json!({"input": {"conversationId": "conv_abc123", "content": 5}})).await;
    assert_error(&answer, "BAD_USER_INPUT", Some("variables.input"), "content is not a string");
    assert_eq!(read_back(&app, "conv_abc123").await, before);
}
