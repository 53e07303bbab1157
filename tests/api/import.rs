//! Import (contract section 6 and the README's "Import"): both file shapes, upserts by
//! id, defaults, and refusals that name the first bad place and write nothing.

use inbox_gateway::domain::WorkspaceId;
use inbox_gateway::seed::import_file::parse_file;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{json, Value};

use crate::cli::{import_file, run};
use crate::helpers::{
    contract_examples, conversation, found_by, fresh_database, imported_changed, imported_created, kinds_and_details,
    read_back, read_fields_as, spawn_app, spawn_app_on, without_activity, Mutation, TestApp, ALL_FIELDS,
};

/// The contract's examples and a resolved conversation with messages and notes.
fn rich_file() -> Value {
    let mut list = contract_examples();
    list.as_array_mut().unwrap().push(json!({
        "id": "conv_ghi789", "channel": "email", "status": "resolved", "priority": "high",
        "customer": {"id": "cust_900", "name": "Zoë Müller", "email": "zoe@example.com",
                     "servicetitan_id": 4321},
        "assignee": {"id": "user_789", "name": "Sarah Johnson", "avatar_url": "https://avatars.avoca.ai/sarah.jpg"},
        "summary": "Invoice question", "unread_count": 2,
        "tags": ["billing", "follow_up"],
        "metadata": {"thread_id": "mail_77", "cc": ["office@example.com"]},
        "created_at": "2024-02-01T09:00:00Z", "resolved_at": "2024-02-02T10:00:00Z",
        "resolution_notes": "Refund issued",
        "messages": [
            {"id": "m1", "direction": "inbound", "body": "Why was I charged twice?", "sent_at": "2024-02-01T09:00:00Z"},
            {"id": "m2", "direction": "outbound", "body": "Looking into it", "sent_at": "2024-02-01T12:30:00Z"}
        ],
        "notes": [
            {"id": "note_b", "content": "Refund approved", "internal": true, "created_at": "2024-02-02T09:00:00Z"},
            {"id": "note_a", "content": "Called the bank", "internal": false, "created_at": "2024-02-01T15:00:00Z"}
        ]
    }));
    list
}

/// What `rich_file`'s third conversation reads back as, but for its `activity` (see
/// [`without_activity`]).
fn ghi789_read_back() -> Value {
    json!({
        "id": "conv_ghi789", "channel": "EMAIL", "status": "RESOLVED", "priority": "HIGH",
        "summary": "Invoice question", "messagesCount": 2, "unreadCount": 2,
        "tags": ["billing", "follow_up"],
        "metadata": {"thread_id": "mail_77", "cc": ["office@example.com"]},
        "createdAt": "2024-02-01T09:00:00Z", "lastActivityAt": "2024-02-01T12:30:00Z",
        "resolvedAt": "2024-02-02T10:00:00Z", "resolutionNotes": "Refund issued",
        "customer": {"id": "cust_900", "name": "Zoë Müller", "phone": null,
                     "email": "zoe@example.com", "servicetitanId": "4321"},
        "assignee": {"id": "user_789", "name": "Sarah Johnson", "avatarUrl": "https://avatars.avoca.ai/sarah.jpg"},
        "notes": [
            {"id": "note_a", "content": "Called the bank", "internal": false, "createdAt": "2024-02-01T15:00:00Z"},
            {"id": "note_b", "content": "Refund approved", "internal": true, "createdAt": "2024-02-02T09:00:00Z"}
        ]
    })
}

/// Parses a file and writes it with the store, returning the summary as JSON.
async fn import_text(app: &TestApp, workspace: &str, text: &str) -> Value {
    let batch = parse_file(text).expect("a valid file");
    let summary =
        app.store.import(&WorkspaceId::new_unchecked(workspace), &batch).await.expect("the import is written");
    serde_json::to_value(summary).unwrap()
}

fn file(conversations: &Value) -> String {
    json!({ "conversations": conversations }).to_string()
}

/// Every conversation of a workspace with every field, in a fixed order, and the total.
async fn read_workspace(app: &TestApp, key: &str, workspace: &str) -> Value {
    let query = format!(
        "{{ conversations(sort: CREATED_ASC, limit: 100) {{
             pagination {{ total }} conversations {{ {ALL_FIELDS} }} }} }}"
    );
    app.gql_as(key, workspace, &query, json!({})).await.data().clone()
}

async fn read_own(app: &TestApp) -> Value {
    read_workspace(app, &app.api_key, &app.workspace).await
}

/// A [`read_workspace`] answer with each conversation's activity as its `kind` and
/// `details` only: events of two workspaces have their own ids and times.
fn without_event_ids(mut read: Value) -> Value {
    for c in read["conversations"]["conversations"].as_array_mut().expect("conversations") {
        c["activity"] = kinds_and_details(c);
    }
    read
}

#[tokio::test]
async fn both_file_shapes_import_the_same_conversations() {
    let app = spawn_app().await;
    let (other, other_key) = app.other_workspace().await;
    let plain = file(&rich_file());
    let rest_response = json!({
        "data": {"conversations": rich_file()},
        "pagination": {"total": 3, "limit": 20, "offset": 0, "has_more": false}
    })
    .to_string();

    let expected = json!({"conversations": 3, "customers": 3, "users": 1});
    assert_eq!(import_text(&app, &app.workspace, &plain).await, expected);
    assert_eq!(import_text(&app, &other, &rest_response).await, expected);

    let own = read_own(&app).await;
    assert_eq!(own["conversations"]["pagination"]["total"], 3);
    let (ghi, activity) = without_activity(own["conversations"]["conversations"][2].clone());
    assert_eq!(ghi, ghi789_read_back());
    assert_eq!(activity, json!([imported_created()]));
    assert_eq!(without_event_ids(read_workspace(&app, &other_key, &other).await), without_event_ids(own));
}

#[tokio::test]
async fn importing_the_same_file_twice_leaves_the_same_state() {
    let app = spawn_app().await;
    let text = file(&rich_file());
    let first = import_text(&app, &app.workspace, &text).await;
    let after_first = read_own(&app).await;
    let second = import_text(&app, &app.workspace, &text).await;

    assert_eq!(first, json!({"conversations": 3, "customers": 3, "users": 1}));
    assert_eq!(second, first);
    assert_eq!(read_own(&app).await, after_first);
    let (ghi, activity) = without_activity(read_back(&app, "conv_ghi789").await);
    assert_eq!(ghi, ghi789_read_back());
    assert_eq!(activity, json!([imported_created()]), "the first import's event only");
    assert_eq!(found_by(&app, "charged twice").await, ["conv_ghi789"]);
    assert_eq!(found_by(&app, "refund approved").await, ["conv_ghi789"]);
}

#[tokio::test]
async fn a_second_file_replaces_what_the_first_said_about_a_conversation() {
    let app = spawn_app().await;
    app.import(&rich_file()).await;
    let changed = json!({
        "id": "conv_ghi789", "channel": "live_chat", "status": "pending", "priority": "low",
        "customer": {"id": "cust_900", "name": "Zoë Müller", "email": "zoe@example.com"},
        "summary": "Second thoughts", "tags": ["waiting", "billing"],
        "metadata": {"widget": "site"},
        "created_at": "2024-02-01T09:00:00Z", "last_activity_at": "2024-02-03T08:00:00Z",
        "messages": [{"body": "Still there?", "sent_at": "2024-02-03T08:00:00Z"}],
        "notes": [{"id": "note_c", "content": "Chat reopened", "created_at": "2024-02-03T08:05:00Z"}]
    });
    let summary = import_text(&app, &app.workspace, &file(&json!([changed]))).await;
    assert_eq!(summary, json!({"conversations": 1, "customers": 1, "users": 0}));

    let (ghi, activity) = without_activity(read_back(&app, "conv_ghi789").await);
    assert_eq!(activity, json!([imported_created(), imported_changed()]));
    assert_eq!(
        ghi,
        json!({
            "id": "conv_ghi789", "channel": "LIVE_CHAT", "status": "PENDING", "priority": "LOW",
            "summary": "Second thoughts", "messagesCount": 1, "unreadCount": 0,
            "tags": ["waiting", "billing"], "metadata": {"widget": "site"},
            "createdAt": "2024-02-01T09:00:00Z", "lastActivityAt": "2024-02-03T08:00:00Z",
            "resolvedAt": null, "resolutionNotes": null,
            "customer": {"id": "cust_900", "name": "Zoë Müller", "phone": null,
                         "email": "zoe@example.com", "servicetitanId": null},
            "assignee": null,
            "notes": [{"id": "note_c", "content": "Chat reopened", "internal": true,
                       "createdAt": "2024-02-03T08:05:00Z"}]
        })
    );
    let cases = [
        ("invoice", vec![]),
        ("charged", vec![]),
        ("refund", vec![]),
        ("second thoughts", vec!["conv_ghi789"]),
        ("still there", vec!["conv_ghi789"]),
        ("chat reopened", vec!["conv_ghi789"]),
    ];
    for (words, expected) in cases {
        assert_eq!(found_by(&app, words).await, expected, "search {words:?}");
    }
    assert_eq!(app.ids("(filter: {tags: [\"follow_up\"]})").await, Vec::<String>::new());
    assert_eq!(
        app.ids("(sort: CREATED_ASC)").await,
        ["conv_def456", "conv_abc123", "conv_ghi789"],
        "the other conversations are untouched"
    );
    for id in ["conv_abc123", "conv_def456"] {
        assert_eq!(kinds_and_details(&read_back(&app, id).await), json!([imported_created()]), "{id}: no new event");
    }
}

#[tokio::test]
async fn customers_and_users_are_upserted_by_id() {
    let app = spawn_app().await;
    let customer = json!({"id": "cust_1", "name": "Olive Oldname", "phone": "+12145550100"});
    let user = json!({"id": "user_1", "name": "Sam Tech", "avatar_url": "https://a.example/sam.png"});
    app.import(&json!([
        conversation("conv_a", json!({"customer": customer, "assignee": user})),
        conversation("conv_b", json!({"customer": customer})),
    ]))
    .await;

    let renamed = json!({"id": "cust_1", "name": "Olive Newname", "phone": "+12145550100",
                         "email": "olive@example.com", "servicetitan_id": "77"});
    let promoted = json!({"id": "user_1", "name": "Samantha Tech", "avatar_url": null});
    let summary = import_text(
        &app,
        &app.workspace,
        &file(&json!([conversation("conv_c", json!({"customer": renamed, "assignee": promoted}))])),
    )
    .await;
    assert_eq!(summary, json!({"conversations": 1, "customers": 1, "users": 1}));

    let answer = app
        .gql(
            "{ conversations(sort: CREATED_ASC) { conversations {
                 id customer { id name phone email servicetitanId } assignee { id name avatarUrl } } } }",
            json!({}),
        )
        .await;
    let olive = json!({"id": "cust_1", "name": "Olive Newname", "phone": "+12145550100",
                       "email": "olive@example.com", "servicetitanId": "77"});
    let samantha = json!({"id": "user_1", "name": "Samantha Tech", "avatarUrl": null});
    assert_eq!(
        answer.data()["conversations"]["conversations"],
        json!([
            {"id": "conv_a", "customer": olive, "assignee": samantha},
            {"id": "conv_b", "customer": olive, "assignee": null},
            {"id": "conv_c", "customer": olive, "assignee": samantha},
        ])
    );
    assert_eq!(found_by(&app, "oldname").await, Vec::<String>::new());
    assert_eq!(found_by(&app, "newname").await, ["conv_c", "conv_b", "conv_a"]);
}

/// Only what the README requires of a conversation.
fn minimal(id: &str, extra: &Value) -> Value {
    let mut c = json!({"id": id, "channel": "sms", "status": "open", "priority": "normal",
                       "customer": {"id": "cust_min", "name": "Min Imal"}, "tags": [],
                       "created_at": "2024-03-01T10:00:00Z"});
    for (key, value) in extra.as_object().unwrap() {
        c[key] = value.clone();
    }
    c
}

#[tokio::test]
async fn optional_fields_take_their_defaults() {
    let app = spawn_app().await;
    let message = |at: &str| json!({"body": "hello", "sent_at": at});
    let cases = [
        ("conv_bare", json!({}), 0, "2024-03-01T10:00:00Z", Value::Null),
        (
            "conv_messages",
            json!({"messages": [message("2024-03-01T12:00:00Z"), message("2024-03-01T11:00:00+00:00")]}),
            2,
            "2024-03-01T12:00:00Z",
            Value::Null,
        ),
        (
            "conv_older_messages",
            json!({"messages": [message("2024-02-28T09:00:00Z")]}),
            1,
            "2024-03-01T10:00:00Z",
            Value::Null,
        ),
        (
            "conv_offset",
            json!({"messages": [message("2024-03-01T08:30:00-05:00")]}),
            1,
            "2024-03-01T13:30:00Z",
            Value::Null,
        ),
        (
            "conv_counted",
            json!({"messages_count": 7, "messages": [message("2024-03-01T10:30:00Z")]}),
            7,
            "2024-03-01T10:30:00Z",
            Value::Null,
        ),
        (
            "conv_resolved",
            json!({"status": "resolved", "last_activity_at": "2024-03-02T16:00:00Z"}),
            0,
            "2024-03-02T16:00:00Z",
            json!("2024-03-02T16:00:00Z"),
        ),
    ];
    let list: Vec<Value> = cases.iter().map(|(id, extra, ..)| minimal(id, extra)).collect();
    app.import(&Value::from(list)).await;

    let query = "query($id: ID!) { conversation(id: $id) {
                   summary messagesCount unreadCount metadata lastActivityAt resolvedAt
                   resolutionNotes assignee { id } notes { id }
                   customer { phone email servicetitanId } } }";
    for (id, _, messages, last_activity, resolved) in cases {
        let answer = app.gql(query, json!({ "id": id })).await;
        assert_eq!(
            answer.data()["conversation"],
            json!({"summary": null, "messagesCount": messages, "unreadCount": 0, "metadata": {},
                   "lastActivityAt": last_activity, "resolvedAt": resolved,
                   "resolutionNotes": null, "assignee": null, "notes": [],
                   "customer": {"phone": null, "email": null, "servicetitanId": null}}),
            "{id}"
        );
    }
}

fn error_of(conversations: &Value) -> String {
    parse_file(&file(conversations)).expect_err("the file is refused").to_string()
}

#[tokio::test]
async fn an_invalid_file_is_refused_naming_its_first_bad_place() {
    let good = |id: &str| conversation(id, json!({}));
    let fax = conversation("conv_3", json!({"channel": "fax"}));
    assert_eq!(
        error_of(&json!([
            good("conv_0"),
            good("conv_1"),
            good("conv_2"),
            fax,
            conversation("conv_4", json!({"status": "lost"}))
        ])),
        r#"conversations[3].channel: unknown channel "fax""#
    );

    let cases = [
        (json!({"created_at": null}), "conversations[1].created_at: "),
        (json!({"customer": {"id": "k"}}), "conversations[1].customer.name: "),
        (json!({"priority": "whenever"}), "conversations[1].priority: "),
        (json!({"tags": ["ok", "not ok"]}), "conversations[1].tags"),
        (json!({"messages": [{"body": "x", "sent_at": "yesterday"}]}), "conversations[1].messages[0].sent_at: "),
        (
            json!({"notes": [{"id": "n", "content": "   ", "created_at": "2024-01-01T00:00:00Z"}]}),
            "conversations[1].notes[0].content: ",
        ),
        (json!({"resolved_at": "2024-01-10T12:00:00Z"}), "conversations[1].resolved_at: "),
        (json!({"unread_count": -1}), "conversations[1].unread_count: "),
    ];
    for (overrides, place) in cases {
        let message = error_of(&json!([good("conv_0"), conversation("conv_1", overrides.clone())]));
        assert!(message.starts_with(place), "{overrides}: {message}");
    }
}

#[tokio::test]
async fn a_refused_import_writes_nothing() {
    let app = spawn_app().await;
    app.import(&rich_file()).await;
    let before = read_own(&app).await;

    let update = conversation("conv_abc123", json!({"summary": "Overwritten", "tags": ["changed"]}));
    let new = conversation("conv_new", json!({}));
    let fax = conversation("conv_fax", json!({"channel": "fax"}));
    let refused = import_file(&json!({ "conversations": [update, new, fax] }));
    let path = refused.path().to_str().unwrap();
    run(&app.database_url, &["import", "--workspace", &app.workspace, path], None)
        .await
        .assert_refused(r#"conversations[2].channel: unknown channel "fax""#);

    assert_eq!(read_own(&app).await, before);
    assert_eq!(found_by(&app, "overwritten").await, Vec::<String>::new());
}

/// Asserts that every NOTE_ADDED event of a read-back conversation names one of its notes.
fn assert_note_events_point_at_notes(conversation: &Value, context: &str) {
    let notes: Vec<&Value> = conversation["notes"].as_array().expect("notes").iter().map(|n| &n["id"]).collect();
    for event in conversation["activity"].as_array().expect("activity") {
        if event["kind"] == "NOTE_ADDED" {
            assert!(notes.contains(&&event["details"]["noteId"]), "{context}: {event} names no note of {conversation}");
        }
    }
}

async fn add_note(app: &TestApp, id: &str, content: &str) -> Value {
    let payload = Mutation::add_note(id, content, None).send_ok(app).await;
    payload["note"].clone()
}

/// The `(id, content)` of a read-back conversation's notes, oldest first.
fn notes_of(conversation: &Value) -> Vec<(String, String)> {
    let notes = conversation["notes"].as_array().expect("notes");
    notes.iter().map(|n| (n["id"].as_str().unwrap().to_owned(), n["content"].as_str().unwrap().to_owned())).collect()
}

#[tokio::test]
async fn an_import_keeps_the_notes_that_add_conversation_note_wrote() {
    let app = spawn_app().await;
    let first = rich_file();
    app.import(&first).await;
    let on_ghi = add_note(&app, "conv_ghi789", "Gate code 4411, dog in the yard").await;
    let on_abc = add_note(&app, "conv_abc123", "Bring a ladder").await;
    let ghi_before = read_back(&app, "conv_ghi789").await;
    let abc_before = read_back(&app, "conv_abc123").await;

    // The same file again changes nothing, the notes written since included.
    app.import(&first).await;
    assert_eq!(read_back(&app, "conv_ghi789").await, ghi_before);
    assert_eq!(read_back(&app, "conv_abc123").await, abc_before);
    assert_eq!(found_by(&app, "ladder").await, ["conv_abc123"]);
    assert_eq!(found_by(&app, "gate dog").await, ["conv_ghi789"]);

    // A file that says something else replaces its own notes only.
    let mut second = first.clone();
    second[2]["notes"] =
        json!([{"id": "note_c", "content": "Chat reopened", "internal": true, "created_at": "2024-02-03T08:05:00Z"}]);
    second[0]["notes"] =
        json!([{"id": "note_d", "content": "Parts ordered", "internal": true, "created_at": "2024-01-21T08:00:00Z"}]);
    app.import(&second).await;
    let ghi = read_back(&app, "conv_ghi789").await;
    let expected = vec![
        ("note_c".to_owned(), "Chat reopened".to_owned()),
        (on_ghi["id"].as_str().unwrap().to_owned(), "Gate code 4411, dog in the yard".to_owned()),
    ];
    assert_eq!(notes_of(&ghi), expected);
    let abc = read_back(&app, "conv_abc123").await;
    assert_eq!(notes_of(&abc)[0].0, "note_d");
    assert_eq!(notes_of(&abc)[1], (on_abc["id"].as_str().unwrap().to_owned(), "Bring a ladder".to_owned()));
    for (conversation, context) in [(&ghi, "conv_ghi789"), (&abc, "conv_abc123")] {
        assert_note_events_point_at_notes(conversation, context);
    }
    assert_eq!(found_by(&app, "ladder").await, ["conv_abc123"]);
    assert_eq!(found_by(&app, "gate dog").await, ["conv_ghi789"]);
    assert_eq!(found_by(&app, "refund approved").await, Vec::<String>::new());
    assert_eq!(found_by(&app, "reopened").await, ["conv_ghi789"]);
}

#[tokio::test]
async fn a_file_note_with_the_id_of_a_note_an_action_wrote_leaves_that_note_as_written() {
    let app = spawn_app().await;
    app.import(&rich_file()).await;
    let note = add_note(&app, "conv_ghi789", "Gate code 4411").await;
    let id = note["id"].as_str().unwrap().to_owned();
    let before = read_back(&app, "conv_ghi789").await;

    let mut same = rich_file();
    let copy = json!({"id": id, "content": "Something else", "internal": false, "created_at": "2024-02-02T11:00:00Z"});
    same[2]["notes"].as_array_mut().unwrap().push(copy);
    app.import(&same).await;
    assert_eq!(read_back(&app, "conv_ghi789").await, before);

    let mut elsewhere = rich_file();
    elsewhere[0]["notes"] =
        json!([{"id": id, "content": "Elsewhere", "internal": false, "created_at": "2024-02-02T11:00:00Z"}]);
    app.import(&elsewhere).await;

    assert_eq!(read_back(&app, "conv_ghi789").await, before);
    assert_eq!(notes_of(&read_back(&app, "conv_abc123").await), Vec::new());
    assert_eq!(found_by(&app, "gate").await, ["conv_ghi789"]);
    assert_eq!(found_by(&app, "elsewhere").await, Vec::<String>::new());
}

/// A workspace as a gateway without note origins left it: one conversation with two
/// imported notes and one `addConversationNote` wrote (named by its NOTE_ADDED event).
const BEFORE_ORIGINS: [&str; 7] = [
    r#"INSERT INTO "workspaces" ("id", "name", "created_at") VALUES ('ws_old', 'Old HVAC', 0)"#,
    r#"INSERT INTO "customers" ("workspace_id", "id", "name") VALUES ('ws_old', 'cust_old', 'Pat Customer')"#,
    r#"INSERT INTO "conversations" ("workspace_id", "id", "channel", "status", "priority", "priority_rank",
         "customer_id", "summary", "messages_count", "unread_count", "metadata", "created_at", "last_activity_at")
       VALUES ('ws_old', 'conv_old', 'voice', 'open', 'normal', 2, 'cust_old', 'Routine question', 0, 0, '{}',
               1704880800000000, 1704884400000000)"#,
    r#"INSERT INTO "conversation_counts" ("workspace_id", "status", "channel", "priority", "assignee_id", "n")
       VALUES ('ws_old', 'open', 'voice', 'normal', '', 1)"#,
    r#"INSERT INTO "notes" ("workspace_id", "conversation_id", "id", "content", "internal", "created_at") VALUES
       ('ws_old', 'conv_old', 'note_file', 'From the file', TRUE, 1704880800000000),
       ('ws_old', 'conv_old', 'note_dropped', 'Dropped from the file', TRUE, 1704880800000000),
       ('ws_old', 'conv_old', 'note_typed', 'Typed by Ana', TRUE, 1704888000000000)"#,
    r#"INSERT INTO "activity_events" ("workspace_id", "conversation_id", "id", "kind", "at", "details")
       VALUES ('ws_old', 'conv_old', 'evt_1', 'note_added', 1704888000000000, '{"noteId":"note_typed"}')"#,
    r#"INSERT INTO "activity_events" ("workspace_id", "conversation_id", "id", "kind", "at", "details")
       VALUES ('ws_old', 'conv_old', 'evt_2', 'tags_added', 1704888000000000, '{"tags":["note_file"]}')"#,
];

#[tokio::test]
async fn notes_written_before_origins_were_stored_are_told_apart_by_their_note_added_events() {
    let (url, dir) = fresh_database().await;
    let db = Database::connect(&url).await.expect("the database");
    Migrator::up(&db, Some(3)).await.expect("the migrations before note origins");
    for statement in BEFORE_ORIGINS {
        db.execute_unprepared(statement).await.expect(statement);
    }
    db.close().await.expect("closed");
    let app = spawn_app_on(url, dir, |_| {}).await;
    let workspace = WorkspaceId::new_unchecked("ws_old");
    let key = app.store.create_api_key(&workspace, 0).await.expect("a key");
    let who = (key.expose(), "ws_old");

    let file = json!([conversation(
        "conv_old",
        json!({
            "customer": {"id": "cust_old", "name": "Pat Customer"},
            "notes": [{"id": "note_file", "content": "From the file", "created_at": "2024-01-10T10:00:00Z"}]
        })
    )]);
    app.import_into("ws_old", &file).await;

    let read = read_fields_as(&app, who, "conv_old", "notes { id content } activity { kind details }").await;
    let ids: Vec<&str> = read["notes"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["note_file", "note_typed"], "{read}");
    assert_note_events_point_at_notes(&read, "conv_old");
    let search = r#"{ conversations(filter: {search: "typed ana"}) { conversations { id } } }"#;
    let found = app.gql_as(who.0, who.1, search, json!({})).await;
    assert_eq!(found.data()["conversations"]["conversations"], json!([{"id": "conv_old"}]));
}
