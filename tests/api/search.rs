//! `filter.search` (contract section 5, "Search"): folded word prefixes over a
//! conversation's text and its customer's name and email, or a phone fragment.

use serde_json::{json, Value};

use crate::helpers::{conversation, ids_of, spawn_app, TestApp};

/// `base` with the keys of the object `fields` replaced.
fn merged(mut base: Value, fields: Value) -> Value {
    let Value::Object(fields) = fields else { panic!("fields are an object: {fields}") };
    for (key, value) in fields {
        base[key] = value;
    }
    base
}

/// A conversation whose only searchable text is what `fields` gives it, with its own
/// customer "Nobody" (no email, no phone) unless `fields` names one.
fn plain(id: &str, fields: Value) -> Value {
    let base = conversation(id, json!({"summary": null, "customer": {"id": format!("cust_{id}"), "name": "Nobody"}}));
    merged(base, fields)
}

fn with_summary(id: &str, summary: &str) -> Value {
    plain(id, json!({"summary": summary}))
}

fn with_customer(id: &str, customer: Value) -> Value {
    let mut c = plain(id, json!({}));
    c["customer"] = merged(c["customer"].take(), customer);
    c
}

fn note(id: &str, content: &str) -> Value {
    json!({"id": id, "content": content, "internal": true, "created_at": "2024-01-10T10:30:00Z"})
}

const SEARCH: &str = "query($search: String) {
    conversations(filter: {search: $search}, sort: CREATED_ASC, limit: 100) {
      conversations { id } pagination { total } } }";

/// The ids a search finds (every fixture shares its timestamps, so they come in id order).
async fn found(app: &TestApp, search: &str) -> Vec<String> {
    let answer = app.gql(SEARCH, json!({"search": search})).await;
    let list = &answer.data()["conversations"];
    let ids = ids_of(&list["conversations"]);
    assert_eq!(list["pagination"]["total"], json!(ids.len()), "total for {search:?}");
    ids
}

async fn assert_searches(app: &TestApp, cases: &[(&str, &[&str])]) {
    for (search, expected) in cases {
        assert_eq!(found(app, search).await, *expected, "search {search:?}");
    }
}

async fn app_with(conversations: Value) -> TestApp {
    let app = spawn_app().await;
    app.import(&conversations).await;
    app
}

#[tokio::test]
async fn every_query_word_must_prefix_some_word() {
    let app = app_with(json!([
        with_summary("conv_1", "Water heater leaking in the garage"),
        with_summary("conv_2", "Heater makes noise"),
        with_summary("conv_3", "Waterproof sealing of the basement"),
        with_summary("conv_4", "Furnace inspection"),
    ]))
    .await;
    assert_searches(
        &app,
        &[
            ("wat", &["conv_1", "conv_3"]),
            ("water", &["conv_1", "conv_3"]),
            ("water hea", &["conv_1"]),
            ("hea water", &["conv_1"]),
            ("garage   leak", &["conv_1"]),
            ("heater", &["conv_1", "conv_2"]),
            ("water water", &["conv_1", "conv_3"]),
            ("ater", &[]),
            ("eater", &[]),
            ("proof", &[]),
            ("heaters", &[]),
            ("water furnace", &[]),
            ("w", &["conv_1", "conv_3"]),
        ],
    )
    .await;
}

#[tokio::test]
async fn case_and_accents_are_folded() {
    let app = app_with(json!([
        with_customer("conv_1", json!({"name": "José Álvarez"})),
        with_customer("conv_2", json!({"name": "Hans Müller"})),
        with_summary("conv_3", "Call jose back about the WATER HEATER"),
        with_summary("conv_4", "Jose\u{301}'s boiler"),
        with_summary("conv_5", "ﬁx the thermostat"),
    ]))
    .await;
    assert_searches(
        &app,
        &[
            ("jose", &["conv_1", "conv_3", "conv_4"]),
            ("José", &["conv_1", "conv_3", "conv_4"]),
            ("JOSÉ", &["conv_1", "conv_3", "conv_4"]),
            ("Jose\u{301}", &["conv_1", "conv_3", "conv_4"]),
            ("alv", &["conv_1"]),
            ("ÁLV", &["conv_1"]),
            ("muller", &["conv_2"]),
            ("Müller", &["conv_2"]),
            ("MÜLL", &["conv_2"]),
            ("water heater", &["conv_3"]),
            ("WaTeR", &["conv_3"]),
            ("fix", &["conv_5"]),
            ("ﬁx", &["conv_5"]),
        ],
    )
    .await;
}

#[tokio::test]
async fn letters_without_a_decomposition_stay() {
    let app = app_with(json!([
        with_customer("conv_1", json!({"name": "Søren Kierkegaard"})),
        with_customer("conv_2", json!({"name": "Łukasz Nowak"})),
        with_summary("conv_3", "Leak on Hauptstraße"),
    ]))
    .await;
    assert_searches(
        &app,
        &[
            ("soren", &[]),
            ("søren", &["conv_1"]),
            ("SØREN", &["conv_1"]),
            ("lukasz", &[]),
            ("łukasz", &["conv_2"]),
            ("ŁUK", &["conv_2"]),
            ("hauptstrasse", &[]),
            ("hauptstraße", &["conv_3"]),
        ],
    )
    .await;
}

#[tokio::test]
async fn every_searchable_source_is_searched() {
    let message = json!({"id": "msg_1", "direction": "inbound",
                         "body": "The compressor rattles", "sent_at": "2024-01-10T10:10:00Z"});
    let app = app_with(json!([
        with_summary("conv_1", "Thermostat blinking"),
        plain("conv_2", json!({"messages": [message]})),
        plain(
            "conv_3",
            json!({"notes": [note("note_1", "Gate code is behind the mailbox")],
                               "customer": {"id": "cust_3", "name": "Ivo Brandt"}})
        ),
        with_customer("conv_4", json!({"name": "Ophelia Quartermain"})),
        with_customer("conv_5", json!({"email": "john.smith@example.com"})),
        with_summary("conv_6", "water-heater flush"),
    ]))
    .await;
    assert_searches(
        &app,
        &[
            ("thermo", &["conv_1"]),
            ("compress", &["conv_2"]),
            ("mailbox", &["conv_3"]),
            ("quarterm", &["conv_4"]),
            ("john", &["conv_5"]),
            ("smith", &["conv_5"]),
            ("example", &["conv_5"]),
            ("com", &["conv_2", "conv_5"]),
            ("smith@example", &["conv_5"]),
            ("john.smith@example.com", &["conv_5"]),
            ("water", &["conv_6"]),
            ("heater", &["conv_6"]),
            ("water-heater", &["conv_6"]),
            ("brandt gate", &["conv_3"]),
            ("ophelia mailbox", &[]),
        ],
    )
    .await;
}

#[tokio::test]
async fn ids_metadata_tags_assignee_and_resolution_notes_are_not_searched() {
    let app = app_with(json!([plain(
        "conv_1",
        json!({
            "summary": "Boiler check",
            "status": "resolved", "resolution_notes": "Replaced capacitor",
            "customer": {"id": "cust_1", "name": "Nobody", "phone": "+15550001111",
                         "servicetitan_id": "778899"},
            "assignee": {"id": "user_1", "name": "Sarah Johnson"},
            "metadata": {"thread_id": "sms_thread_zebra", "recording_url": "https://walrus.example"},
            "tags": ["penguin"],
        })
    )]))
    .await;
    assert_searches(
        &app,
        &[
            ("boiler", &["conv_1"]),
            ("778899", &[]),
            ("zebra", &[]),
            ("walrus", &[]),
            ("penguin", &[]),
            ("sarah", &[]),
            ("capacitor", &[]),
        ],
    )
    .await;
}

#[tokio::test]
async fn every_phone_form_finds_the_customer() {
    let app = app_with(json!([
        with_customer("conv_1", json!({"phone": "+13105551234"})),
        with_customer("conv_2", json!({"phone": "+14155559876"})),
        with_summary("conv_3", "Invoice 12345 disputed"),
    ]))
    .await;
    assert_searches(
        &app,
        &[
            ("310-555-1234", &["conv_1"]),
            ("(310) 555-1234", &["conv_1"]),
            ("5551234", &["conv_1"]),
            ("+13105551234", &["conv_1"]),
            ("+1 310.555.1234", &["conv_1"]),
            ("9876", &["conv_2"]),
            ("555-9", &["conv_2"]),
            ("1234", &["conv_1", "conv_3"]),
            ("5556", &[]),
            ("310-555-9876", &[]),
        ],
    )
    .await;
}

#[tokio::test]
async fn three_digits_are_words_not_a_phone_fragment() {
    let app = app_with(json!([
        with_customer("conv_1", json!({"phone": "+13105551234"})),
        with_summary("conv_2", "Invoice 12345 disputed"),
    ]))
    .await;
    assert_searches(&app, &[("123", &["conv_2"]), ("555", &[]), ("310", &[]), ("(234)", &[])]).await;
}

#[tokio::test]
async fn search_is_trimmed_and_blank_means_no_search() {
    let app =
        app_with(json!(
            [with_summary("conv_1", "Water heater leaking"), with_summary("conv_2", "Furnace inspection"),]
        ))
        .await;
    assert_searches(
        &app,
        &[
            ("  water  ", &["conv_1"]),
            ("\tfurnace\n", &["conv_2"]),
            ("", &["conv_1", "conv_2"]),
            ("   ", &["conv_1", "conv_2"]),
            ("\t \n", &["conv_1", "conv_2"]),
            ("--", &["conv_1", "conv_2"]),
        ],
    )
    .await;
    let everything = app.gql(SEARCH, json!({"search": null})).await;
    assert_eq!(ids_of(&everything.data()["conversations"]["conversations"]), ["conv_1", "conv_2"], "a null search");
    let query = r#"{ conversations(filter: {search: "  ", tags: ["nope"]}) { pagination { total } } }"#;
    assert_eq!(
        app.gql(query, json!({})).await.data()["conversations"]["pagination"]["total"],
        0,
        "a blank search still applies the other filters"
    );
}

#[tokio::test]
async fn search_combines_with_other_filters_and_total() {
    let app = app_with(json!([
        plain("conv_1", json!({"summary": "No hot water", "tags": ["emergency"], "status": "open"})),
        plain(
            "conv_2",
            json!({"summary": "Water heater pilot out", "tags": ["emergency", "water_heater"], "status": "open"})
        ),
        plain("conv_3", json!({"summary": "Water heater quote", "tags": ["sales_inquiry"], "status": "open"})),
        plain("conv_4", json!({"summary": "Water heater installed", "tags": ["emergency"], "status": "resolved"})),
        plain("conv_5", json!({"summary": "Furnace noise", "tags": ["emergency"], "status": "open"})),
    ]))
    .await;
    let query = "query($filter: ConversationFilter, $limit: Int) {
        conversations(filter: $filter, sort: CREATED_ASC, limit: $limit) {
          conversations { id } pagination { total hasMore } } }";
    // (filter, limit, ids, total, hasMore)
    let cases: [(Value, u8, &[&str], u8, bool); 5] = [
        (json!({"search": "water hea", "tags": ["emergency"]}), 20, &["conv_2", "conv_4"], 2, false),
        (json!({"search": "water", "status": "OPEN"}), 20, &["conv_1", "conv_2", "conv_3"], 3, false),
        (json!({"search": "water", "status": "OPEN"}), 1, &["conv_1"], 3, true),
        (json!({"search": "water hea", "status": "OPEN", "tags": ["Emergency"]}), 20, &["conv_2"], 1, false),
        (json!({"search": "furnace", "status": "RESOLVED"}), 20, &[], 0, false),
    ];
    for (filter, limit, ids, total, has_more) in cases {
        let answer = app.gql(query, json!({"filter": filter, "limit": limit})).await;
        let list = &answer.data()["conversations"];
        assert_eq!(ids_of(&list["conversations"]), ids, "{filter} limit {limit}");
        assert_eq!(list["pagination"], json!({"total": total, "hasMore": has_more}), "{filter} limit {limit}");
    }
}

#[tokio::test]
async fn a_note_imported_later_is_searchable_and_dropped_with_it() {
    let app = app_with(json!([with_summary("conv_1", "Leaking pipe")])).await;
    assert_searches(&app, &[("gate", &[]), ("leak", &["conv_1"])]).await;

    let with_note = plain("conv_1", json!({"summary": "Leaking pipe", "notes": [note("note_1", "Gate code 4411")]}));
    app.import(&json!([with_note])).await;
    assert_searches(&app, &[("gate", &["conv_1"]), ("4411", &["conv_1"]), ("leak", &["conv_1"])]).await;

    app.import(&json!([with_summary("conv_1", "Leaking pipe")])).await;
    assert_searches(&app, &[("gate", &[]), ("leak", &["conv_1"])]).await;
}

#[tokio::test]
async fn a_note_moved_by_import_is_found_only_where_it_now_is() {
    let app = app_with(json!([
        plain("conv_1", json!({"notes": [note("note_1", "Gate code 4411")]})),
        plain("conv_2", json!({})),
    ]))
    .await;
    assert_searches(&app, &[("gate", &["conv_1"])]).await;

    app.import(&json!([plain("conv_2", json!({"notes": [note("note_1", "Gate code 4411")]}))])).await;
    let notes = app.gql(r#"{ conversation(id: "conv_1") { notes { id } } }"#, json!({})).await;
    assert_eq!(notes.data()["conversation"]["notes"], json!([]), "the note left conv_1");
    assert_searches(&app, &[("gate", &["conv_2"])]).await;
}

#[tokio::test]
async fn a_note_added_by_mutation_is_searchable_at_once() {
    let app = app_with(json!([plain("conv_1", json!({})), plain("conv_2", json!({}))])).await;
    let added = app
        .gql(
            "mutation($input: AddConversationNoteInput!) {
               addConversationNote(input: $input) { note { content } } }",
            json!({"input": {"conversationId": "conv_2", "content": "Dog in the yard, call first"}}),
        )
        .await;
    assert_eq!(added.data()["addConversationNote"]["note"]["content"], "Dog in the yard, call first");
    assert_searches(&app, &[("dog yard", &["conv_2"]), ("call", &["conv_2"])]).await;
}

#[tokio::test]
async fn a_customer_renamed_by_import_is_found_by_the_new_name_only() {
    let old = json!({"id": "cust_shared", "name": "Olga Petrova", "email": "olga@oldmail.com",
                     "phone": "+13105551234"});
    let app = app_with(json!([
        plain("conv_1", json!({"customer": old})),
        plain("conv_2", json!({"customer": old})),
        plain("conv_3", json!({})),
    ]))
    .await;
    assert_searches(&app, &[("petrova", &["conv_1", "conv_2"])]).await;

    let renamed = json!({"id": "cust_shared", "name": "Olga Ivanova", "email": "olga@newmail.com",
                         "phone": "+14155559876"});
    app.import(&json!([plain("conv_1", json!({"customer": renamed}))])).await;
    assert_searches(
        &app,
        &[
            ("petrova", &[]),
            ("oldmail", &[]),
            ("5551234", &[]),
            ("ivanova", &["conv_1", "conv_2"]),
            ("newmail", &["conv_1", "conv_2"]),
            ("5559876", &["conv_1", "conv_2"]),
            ("olga", &["conv_1", "conv_2"]),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_customer_written_twice_in_one_file_is_found_by_the_last_copy_only() {
    let first = json!({"id": "cust_shared", "name": "Olga Petrova", "email": "olga@oldmail.com"});
    let last = json!({"id": "cust_shared", "name": "Olga Ivanova", "email": "olga@newmail.com"});
    let app =
        app_with(json!([plain("conv_1", json!({"customer": first})), plain("conv_2", json!({"customer": last})),]))
            .await;
    assert_searches(
        &app,
        &[("petrova", &[]), ("oldmail", &[]), ("ivanova", &["conv_1", "conv_2"]), ("newmail", &["conv_1", "conv_2"])],
    )
    .await;
}
