//! `addConversationNote`: trimmed content of 1 to 10,000 characters, `internal` defaulting
//! to true, notes oldest first, `NOTE_ADDED` naming the note, searchable at once, and
//! `lastActivityAt` left alone.

use chrono::Utc;
use serde_json::{json, Value};

use crate::helpers::{
    assert_error, assert_recent, assert_refused, assert_refused_unchanged, conversation, found_by, imported_created,
    kinds_and_details, read_back, spawn_app, Answer, Mutation, OtherWorkspace, TestApp, LAST_ACTIVITY,
};

fn fixtures() -> Value {
    json!([
        conversation(
            "conv_1",
            json!({"notes": [{"id": "note_imported", "content": "Imported earlier",
                                                 "internal": false, "created_at": "2024-01-10T10:30:00Z"}]})
        ),
        conversation("conv_2", json!({"last_activity_at": "2024-01-10T12:00:00Z"})),
    ])
}

async fn add_note(app: &TestApp, id: &str, content: &str) -> Answer {
    Mutation::add_note(id, content, None).send(app).await
}

/// A note that must be accepted: (note, conversation) of the payload, the conversation
/// checked against a read-back.
async fn added(app: &TestApp, mutation: &Mutation) -> (Value, Value) {
    let payload = mutation.send_ok(app).await;
    let conversation = payload["conversation"].clone();
    assert_eq!(conversation["lastActivityAt"], read_back(app, mutation.id()).await["lastActivityAt"]);
    (payload["note"].clone(), conversation)
}

async fn add_ok(app: &TestApp, id: &str, content: &str) -> (Value, Value) {
    added(app, &Mutation::add_note(id, content, None)).await
}

/// A note that must be refused as bad input and leave the conversation as it was.
async fn assert_content_refused(app: &TestApp, id: &str, content: &str) {
    let shown: String = content.chars().take(20).collect();
    let refusal = ("BAD_USER_INPUT", Some("input.content"));
    assert_refused_unchanged(app, id, add_note(app, id, content), refusal, &format!("{shown:?}")).await;
}

fn note_ids(list: &Value) -> Vec<Value> {
    list.as_array().expect("a list").iter().map(|n| n["id"].clone()).collect()
}

#[tokio::test]
async fn adds_a_trimmed_internal_note_and_records_note_added() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let before = Utc::now();

    let (note, conversation) = add_ok(&app, "conv_1", "  Gate code 4321, dog in yard \n\t").await;

    assert_eq!(note["content"], "Gate code 4321, dog in yard");
    assert_eq!(note["internal"], true);
    assert_recent(&note["createdAt"], before);
    assert!(note["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(conversation["notes"][1], note, "the payload holds the new note");
    assert_eq!(conversation["notes"].as_array().unwrap().len(), 2);
    let events = conversation["activity"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(kinds_and_details(&conversation)[0], imported_created(), "the import's event comes first");
    assert_eq!(events[1]["kind"], "NOTE_ADDED");
    assert_eq!(events[1]["details"], json!({"noteId": note["id"]}));
    assert_recent(&events[1]["at"], before);
    assert_eq!(conversation["lastActivityAt"], LAST_ACTIVITY);
}

#[tokio::test]
async fn internal_defaults_to_true_and_false_is_kept() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    let mut internals = Vec::new();
    for (content, internal) in [("Default", None), ("Shared with the customer", Some(false)), ("Team only", Some(true))]
    {
        let (note, _) = added(&app, &Mutation::add_note("conv_2", content, internal)).await;
        internals.push(note["internal"].clone());
    }

    assert_eq!(internals, [true, false, true]);
    let notes = &read_back(&app, "conv_2").await["notes"];
    let kept: Vec<(Value, Value)> =
        notes.as_array().unwrap().iter().map(|n| (n["content"].clone(), n["internal"].clone())).collect();
    assert_eq!(
        kept,
        [
            (json!("Default"), json!(true)),
            (json!("Shared with the customer"), json!(false)),
            (json!("Team only"), json!(true))
        ]
    );
}

#[tokio::test]
async fn blank_content_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    for blank in ["", " ", "   \n\t  ", "\u{3000}"] {
        assert_content_refused(&app, "conv_1", blank).await;
    }
}

#[tokio::test]
async fn more_than_ten_thousand_characters_are_refused() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    assert_content_refused(&app, "conv_1", &"é".repeat(10_001)).await;
    assert_content_refused(&app, "conv_1", &"a".repeat(10_001)).await;
    assert_content_refused(&app, "conv_1", &format!("{} x", "a".repeat(9_999))).await;
}

#[tokio::test]
async fn ten_thousand_characters_are_fine_whatever_their_bytes() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let accents = "é".repeat(10_000);
    assert_eq!(accents.len(), 20_000, "two bytes each");

    let (note, _) = add_ok(&app, "conv_2", &accents).await;
    let (padded, conversation) = add_ok(&app, "conv_2", &format!("  {accents}\n")).await;

    assert_eq!(note["content"], accents);
    assert_eq!(padded["content"], accents, "trimmed before counting");
    assert_eq!(conversation["notes"].as_array().unwrap().len(), 2);
    assert_eq!(found_by(&app, "eeee").await, ["conv_2"], "folded and searchable");
}

#[tokio::test]
async fn notes_are_listed_oldest_first() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    let mut ids = vec![json!("note_imported")];
    for content in ["First", "Second", "Third"] {
        let (note, _) = add_ok(&app, "conv_1", content).await;
        ids.push(note["id"].clone());
    }

    let conversation = read_back(&app, "conv_1").await;
    assert_eq!(note_ids(&conversation["notes"]), ids);
    let contents: Vec<&Value> = conversation["notes"].as_array().unwrap().iter().map(|n| &n["content"]).collect();
    assert_eq!(contents, ["Imported earlier", "First", "Second", "Third"]);
    assert_eq!(kinds_and_details(&conversation)[0], imported_created(), "the import's event comes first");
    let event_notes: Vec<Value> = conversation["activity"].as_array().unwrap()[1..]
        .iter()
        .map(|e| {
            assert_eq!(e["kind"], "NOTE_ADDED");
            e["details"]["noteId"].clone()
        })
        .collect();
    assert_eq!(event_notes, ids[1..], "one event per note, in order");
    let distinct: std::collections::HashSet<String> = ids.iter().map(|id| id.as_str().unwrap().to_owned()).collect();
    assert_eq!(distinct.len(), ids.len(), "note ids are unique");
}

#[tokio::test]
async fn a_new_note_is_searchable_as_soon_as_the_mutation_returns() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let none: Vec<String> = Vec::new();
    assert_eq!(found_by(&app, "crawlspace").await, none);

    add_ok(&app, "conv_2", "Access through the crawlspace behind the Garage").await;
    assert_eq!(found_by(&app, "crawlspace").await, ["conv_2"]);
    assert_eq!(found_by(&app, "CRAWL gar").await, ["conv_2"], "word prefixes");
    assert_eq!(found_by(&app, "crawlspace attic").await, none);

    Mutation::add_note("conv_1", "Customer-visible: Müller valve", Some(false)).send(&app).await.data();
    assert_eq!(found_by(&app, "muller").await, ["conv_1"]);
    assert_eq!(found_by(&app, "valve").await, ["conv_1"]);
}

#[tokio::test]
async fn unknown_conversation_is_not_found() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;

    let answer = add_note(&app, "conv_nope", "Lost note").await;

    assert_refused(&answer, "NOT_FOUND", None, "conv_nope");
    assert_eq!(found_by(&app, "lost").await, Vec::<String>::new());
}

#[tokio::test]
async fn another_workspaces_conversation_is_not_found_and_gets_no_note() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let theirs = OtherWorkspace::holding_theirs(&app, json!({})).await;

    let answer = add_note(&app, "conv_theirs", "Intruding note").await;

    assert_error(&answer, "NOT_FOUND", None, "conv_theirs");
    theirs.assert_unchanged(&app).await;
    let search = app
        .gql_as(
            &theirs.key,
            &theirs.workspace,
            "{ conversations(filter: {search: \"intruding\"}) { pagination { total } } }",
            json!({}),
        )
        .await;
    assert_eq!(search.data()["conversations"]["pagination"]["total"], 0);
}

#[tokio::test]
async fn last_activity_never_changes() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    let order = app.ids("(sort: LAST_ACTIVITY_DESC)").await;
    assert_eq!(order, ["conv_2", "conv_1"]);

    for content in ["Called back", "Parts ordered", "Visit booked"] {
        let (_, conversation) = add_ok(&app, "conv_1", content).await;
        assert_eq!(conversation["lastActivityAt"], LAST_ACTIVITY);
    }

    assert_eq!(app.ids("(sort: LAST_ACTIVITY_DESC)").await, order);
}

/// The size of a conversation's search document: characters on SQLite, lexemes on PostgreSQL.
async fn search_document_size(app: &TestApp, id: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Database, DatabaseBackend, Statement};
    let db = Database::connect(&app.database_url).await.unwrap();
    let (sql, key) = match db.get_database_backend() {
        DatabaseBackend::Postgres => ("SELECT length(s.doc)::BIGINT AS n FROM conversation_search s JOIN conversations c ON c.seq = s.seq WHERE c.id = $1", "n"),
        _ => ("SELECT length(s.doc) AS n FROM conversation_search s JOIN conversations c ON c.seq = s.rowid WHERE c.id = ?", "n"),
    };
    let row =
        db.query_one_raw(Statement::from_sql_and_values(db.get_database_backend(), sql, [id.into()])).await.unwrap();
    row.unwrap().try_get::<i64>("", key).unwrap()
}

#[tokio::test]
async fn notes_that_repeat_words_do_not_grow_the_search_index() {
    let app = spawn_app().await;
    app.import(&fixtures()).await;
    add_ok(&app, "conv_1", "Gate code 4411, dog in the yard").await;
    let once = search_document_size(&app, "conv_1").await;
    for _ in 0..5 {
        add_ok(&app, "conv_1", "gate code 4411 - dog in the yard").await;
    }
    assert_eq!(search_document_size(&app, "conv_1").await, once);
    add_ok(&app, "conv_1", "Beware of the parrot").await;
    assert!(search_document_size(&app, "conv_1").await > once, "new words are added");
    assert_eq!(found_by(&app, "parrot").await, ["conv_1"]);
}
