//! Import (contract section 6 and the README's "Import"): both file shapes, upserts by
//! id, defaults, and refusals that name the first bad place and write nothing.

use inbox_gateway::domain::WorkspaceId;
use inbox_gateway::import::parse_file;
use serde_json::{json, Value};

use crate::cli::{import_file, run};
use crate::helpers::{contract_examples, conversation, found_by, read_back, spawn_app, TestApp, ALL_FIELDS};

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

/// What `rich_file`'s third conversation reads back as.
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
        ],
        "activity": []
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
    assert_eq!(own["conversations"]["conversations"][2], ghi789_read_back());
    assert_eq!(read_workspace(&app, &other_key, &other).await, own);
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
    assert_eq!(read_back(&app, "conv_ghi789").await, ghi789_read_back());
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

    assert_eq!(
        read_back(&app, "conv_ghi789").await,
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
                       "createdAt": "2024-02-03T08:05:00Z"}],
            "activity": []
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
