#![allow(dead_code)]

use std::future::Future;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use inbox_gateway::config::Config;
use inbox_gateway::domain::WorkspaceId;
use inbox_gateway::startup::App;
use inbox_gateway::store::{NewWorkspace, Store};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use serde::Serialize;
use serde_json::{json, Value};

/// A running server: the signal that stops it, and its task.
type Running = (tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<std::io::Result<()>>);

pub struct TestApp {
    pub address: String,
    pub store: Store,
    pub client: reqwest::Client,
    pub workspace: String,
    pub api_key: String,
    pub database_url: String,
    stop: std::sync::Mutex<Option<Running>>,
    _dir: Option<tempfile::TempDir>,
}

/// A GraphQL answer: HTTP status and the JSON body.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn data(&self) -> &Value {
        assert!(self.body.get("errors").is_none(), "unexpected errors: {}", self.body);
        &self.body["data"]
    }

    /// The first error's `extensions.code`.
    pub fn code(&self) -> &str {
        self.body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error code in {}", self.body))
    }

    /// The first error's `extensions.field`.
    pub fn field(&self) -> &str {
        self.body["errors"][0]["extensions"]["field"]
            .as_str()
            .unwrap_or_else(|| panic!("no error field in {}", self.body))
    }
}

static NEXT_DB: AtomicU64 = AtomicU64::new(0);

/// A fresh, empty database for one test: its URL, and the directory of a SQLite file.
pub async fn fresh_database() -> (String, Option<tempfile::TempDir>) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = format!(
                "it_{}_{}_{}",
                std::process::id(),
                NEXT_DB.fetch_add(1, Ordering::Relaxed),
                inbox_gateway::domain::new_id("db").trim_start_matches("db_").get(..8).unwrap_or("x")
            );
            let admin = Database::connect(&admin_url).await.expect("TEST_DATABASE_URL must be reachable");
            admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create test database");
            admin.close().await.ok();
            let (base, _) = admin_url.rsplit_once('/').expect("TEST_DATABASE_URL ends with /DBNAME");
            (format!("{base}/{name}"), None)
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            (url, Some(dir))
        }
    }
}

/// Builds the real application on a random port with its own database and one workspace.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// As [`spawn_app`], with settings changed first.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    let (database_url, dir) = fresh_database().await;
    spawn_app_on(database_url, dir, configure).await
}

/// As [`spawn_app_with`], on a database [`fresh_database`] made (and a test may have
/// filled); the app migrates it first.
pub async fn spawn_app_on(
    database_url: String,
    dir: Option<tempfile::TempDir>,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        inbox_gateway::telemetry::init(inbox_gateway::telemetry::LogFormat::Text);
    }
    let mut config = Config::new("127.0.0.1:0", database_url.clone());
    configure(&mut config);
    let app = App::build(&config).await.expect("the app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let store = app.store().clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let created = store.create_workspace("Test HVAC", 0).await.expect("workspace");
    record_first_use(&store, &created).await;
    TestApp {
        address,
        store,
        client: reqwest::Client::new(),
        workspace: created.workspace_id.as_str().to_owned(),
        api_key: created.api_key.expose().to_owned(),
        database_url,
        stop: std::sync::Mutex::new(Some((stop, server))),
        _dir: dir,
    }
}

/// Uses the key once, as a request does, and waits until its last use is written (that
/// happens off the request's path, at most once a minute a key), so that a test counting
/// statements counts only its own.
async fn record_first_use(store: &Store, created: &NewWorkspace) {
    store.authenticate(&created.api_key).await.expect("the key is checked").expect("a live key");
    for _ in 0..500 {
        let keys = store.api_keys(&created.workspace_id).await.expect("the workspace's keys");
        if keys.iter().all(|k| k.last_used_at.is_some()) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the key's first use was never recorded");
}

impl TestApp {
    /// Asks the server to stop, as SIGTERM would, and waits until it has.
    pub async fn shut_down(&self) -> std::io::Result<()> {
        let (stop, server) = self.stop.lock().unwrap().take().expect("the app runs");
        let _ = stop.send(());
        server.await.expect("the server task ends")
    }

    /// POSTs a GraphQL request with this app's workspace and key.
    pub async fn gql(&self, query: &str, variables: Value) -> Answer {
        self.gql_as(&self.api_key, &self.workspace, query, variables).await
    }

    pub async fn gql_as(&self, key: &str, workspace: &str, query: &str, variables: Value) -> Answer {
        let request = graphql_post(&self.client, &self.address, (key, workspace));
        answer(request.json(&json!({"query": query, "variables": variables}))).await
    }

    /// This app's own (key, workspace), as the `*_as` helpers take them.
    pub fn own(&self) -> (&str, &str) {
        (&self.api_key, &self.workspace)
    }

    /// A second workspace with its own key: (workspace id, key).
    pub async fn other_workspace(&self) -> (String, String) {
        let created = self.store.create_workspace("Other Plumbing", 0).await.expect("workspace");
        (created.workspace_id.as_str().to_owned(), created.api_key.expose().to_owned())
    }

    /// Imports conversations (the file format of the contract) into a workspace.
    pub async fn import_into(&self, workspace: &str, conversations: &Value) {
        let text = json!({"conversations": conversations}).to_string();
        let batch = inbox_gateway::seed::import_file::parse_file(&text).expect("a valid import file");
        self.store.import(&WorkspaceId::new_unchecked(workspace), &batch).await.expect("import");
    }

    pub async fn import(&self, conversations: &Value) {
        self.import_into(&self.workspace.clone(), conversations).await;
    }

    /// The ids of a `conversations` page, in order.
    pub async fn ids(&self, args: &str) -> Vec<String> {
        let query = format!("{{ conversations{args} {{ conversations {{ id }} }} }}");
        let answer = self.gql(&query, json!({})).await;
        ids_of(&answer.data()["conversations"]["conversations"])
    }
}

pub fn ids_of(list: &Value) -> Vec<String> {
    list.as_array().expect("a list").iter().map(|c| c["id"].as_str().expect("an id").to_owned()).collect()
}

/// A POST to the `/graphql` of the server at `address` with this (key, workspace); the body is still to add.
pub fn graphql_post(
    client: &reqwest::Client,
    address: &str,
    (key, workspace): (&str, &str),
) -> reqwest::RequestBuilder {
    client.post(format!("{address}/graphql")).bearer_auth(key).header("X-Workspace-ID", workspace)
}

pub async fn answer(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.json().await.expect("a JSON body");
    Answer { status, headers, body }
}

/// The `last_activity_at` of every [`conversation`] that does not override it.
pub const LAST_ACTIVITY: &str = "2024-01-10T11:00:00Z";

/// A conversation in the import format; `overrides` replaces top-level fields.
pub fn conversation(id: &str, overrides: Value) -> Value {
    let mut c = json!({
        "id": id, "channel": "voice", "status": "open", "priority": "normal",
        "customer": {"id": format!("cust_{id}"), "name": "Pat Customer", "phone": "+15550000000", "email": "pat@example.com"},
        "summary": "Routine question", "tags": [],
        "created_at": "2024-01-10T10:00:00Z", "last_activity_at": LAST_ACTIVITY
    });
    for (key, value) in overrides.as_object().expect("overrides are an object") {
        c[key] = value.clone();
    }
    c
}

/// The contract's two example conversations (section 7), in the import format.
pub fn contract_examples() -> Value {
    json!([
      {"id": "conv_abc123", "channel": "voice", "status": "open", "priority": "urgent",
       "customer": {"id": "cust_456", "name": "John Smith", "phone": "+13105551234",
                    "email": "john.smith@example.com", "servicetitan_id": "12345"},
       "assignee": {"id": "user_789", "name": "Sarah Johnson", "avatar_url": "https://avatars.avoca.ai/sarah.jpg"},
       "summary": "No hot water - needs emergency service", "messages_count": 1, "unread_count": 0,
       "tags": ["emergency", "water_heater"],
       "metadata": {"call_duration": 245, "recording_url": "https://recordings.avoca.ai/call_abc123.mp3",
                    "transcript_available": true},
       "created_at": "2024-01-20T14:30:00Z", "last_activity_at": "2024-01-20T14:35:00Z", "resolved_at": null},
      {"id": "conv_def456", "channel": "sms", "status": "pending", "priority": "normal",
       "customer": {"id": "cust_789", "name": "Jane Doe", "phone": "+13105555678",
                    "email": "jane.doe@example.com", "servicetitan_id": "67890"},
       "assignee": null, "summary": "Question about maintenance plan pricing",
       "messages_count": 3, "unread_count": 1, "tags": ["sales_inquiry", "maintenance_plan"],
       "metadata": {"thread_id": "sms_thread_123"},
       "created_at": "2024-01-20T13:00:00Z", "last_activity_at": "2024-01-20T14:45:00Z", "resolved_at": null}
    ])
}

/// Every field of a conversation, for read-back tests.
pub const ALL_FIELDS: &str = "id channel status priority summary messagesCount unreadCount tags metadata
    createdAt lastActivityAt resolvedAt resolutionNotes
    customer { id name phone email servicetitanId }
    assignee { id name avatarUrl }
    notes { id content internal createdAt }
    activity { id kind at details }";

/// The contract's first example (`conv_abc123`) as [`ALL_FIELDS`] reads it back, but for
/// its `activity` (see [`without_activity`]): the import's event, with its own id and time.
pub fn abc123_read_back() -> Value {
    json!({
        "id": "conv_abc123", "channel": "VOICE", "status": "OPEN", "priority": "URGENT",
        "summary": "No hot water - needs emergency service", "messagesCount": 1, "unreadCount": 0,
        "tags": ["emergency", "water_heater"],
        "metadata": {"call_duration": 245, "recording_url": "https://recordings.avoca.ai/call_abc123.mp3",
                     "transcript_available": true},
        "createdAt": "2024-01-20T14:30:00Z", "lastActivityAt": "2024-01-20T14:35:00Z",
        "resolvedAt": null, "resolutionNotes": null,
        "customer": {"id": "cust_456", "name": "John Smith", "phone": "+13105551234",
                     "email": "john.smith@example.com", "servicetitanId": "12345"},
        "assignee": {"id": "user_789", "name": "Sarah Johnson", "avatarUrl": "https://avatars.avoca.ai/sarah.jpg"},
        "notes": []
    })
}

/// A read-back conversation without its `activity`, and that activity's `kind` and
/// `details` (see [`kinds_and_details`]).
pub fn without_activity(mut conversation: Value) -> (Value, Value) {
    let activity = kinds_and_details(&conversation);
    conversation.as_object_mut().expect("a conversation").remove("activity");
    (conversation, activity)
}

/// `prefix` and each number of `range` in two digits: `held_00`, `held_01`, …
pub fn numbered(prefix: &str, range: Range<usize>) -> Vec<String> {
    range.map(|i| format!("{prefix}{i:02}")).collect()
}

/// The strings of a JSON list.
pub fn strings(list: &Value) -> Vec<String> {
    list.as_array().expect("a list").iter().map(|s| s.as_str().expect("a string").to_owned()).collect()
}

/// The ids of the conversations the `search` filter finds with `words`, in the default order.
pub async fn found_by(app: &TestApp, words: &str) -> Vec<String> {
    app.ids(&format!("(filter: {{search: {}}})", json!(words))).await
}

/// Conversation `id` with `fields`, as `who` (key, workspace) reads it: null when it does not see it.
pub async fn read_fields_as(app: &TestApp, (key, workspace): (&str, &str), id: &str, fields: &str) -> Value {
    let query = format!("query($id: ID!) {{ conversation(id: $id) {{ {fields} }} }}");
    let answer = app.gql_as(key, workspace, &query, json!({"id": id})).await;
    answer.data()["conversation"].clone()
}

/// Conversation `id` with every field ([`ALL_FIELDS`]), as `who` (key, workspace) reads it.
pub async fn read_back_as(app: &TestApp, who: (&str, &str), id: &str) -> Value {
    read_fields_as(app, who, id, ALL_FIELDS).await
}

/// Conversation `id` with every field ([`ALL_FIELDS`]), as this app's own key reads it.
pub async fn read_back(app: &TestApp, id: &str) -> Value {
    read_back_as(app, app.own(), id).await
}

/// The instant an RFC 3339 date-time names.
pub fn instant(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap_or_else(|| panic!("a date-time, not {value}")).parse().expect("RFC 3339")
}

/// Asserts that `value` is a date-time between `before` and now, give or take a second.
pub fn assert_recent(value: &Value, before: DateTime<Utc>) {
    let at = instant(value);
    let after = Utc::now();
    let slack = chrono::Duration::seconds(1);
    assert!(before - slack <= at && at <= after + slack, "{at} is not between {before} and {after}");
}

/// The `kind` and `details` of the event an import records for a conversation it creates.
pub fn imported_created() -> Value {
    json!({"kind": "IMPORTED", "details": {"created": true}})
}

/// The `kind` and `details` of the event an import records for a conversation it changes.
pub fn imported_changed() -> Value {
    json!({"kind": "IMPORTED", "details": {"created": false}})
}

/// The `kind` and `details` of each activity event of a conversation, oldest first.
pub fn kinds_and_details(conversation: &Value) -> Value {
    conversation["activity"]
        .as_array()
        .expect("activity is a list")
        .iter()
        .map(|e| json!({"kind": e["kind"], "details": e["details"]}))
        .collect()
}

/// Asserts an error answer with `code`, and `field` when given; `context` names the case.
pub fn assert_error(answer: &Answer, code: &str, field: Option<&str>, context: &str) {
    assert!(answer.body.get("errors").is_some(), "{context}: accepted, but should be refused: {}", answer.body);
    assert_eq!(answer.code(), code, "{context}: {}", answer.body);
    if let Some(field) = field {
        assert_eq!(answer.field(), field, "{context}: {}", answer.body);
    }
}

/// As [`assert_error`], and without data: a refusal.
pub fn assert_refused(answer: &Answer, code: &str, field: Option<&str>, context: &str) {
    assert_error(answer, code, field, context);
    assert!(answer.body["data"].is_null(), "{context}: no data when refused, got {}", answer.body);
}

/// Asserts that `mutation` is refused (see [`assert_refused`]) and leaves conversation `id` as it was.
pub async fn assert_refused_unchanged(
    app: &TestApp,
    id: &str,
    mutation: impl Future<Output = Answer>,
    (code, field): (&str, Option<&str>),
    context: &str,
) {
    let before = read_back(app, id).await;
    let answer = mutation.await;
    assert_refused(&answer, code, field, context);
    assert_eq!(read_back(app, id).await, before, "{context}: changed nothing");
}

/// A second workspace holding some conversations, and what one of them read back as at first.
pub struct OtherWorkspace {
    pub workspace: String,
    pub key: String,
    id: String,
    before: Value,
}

impl OtherWorkspace {
    /// Makes the workspace, imports `conversations` into it and reads conversation `id` back.
    pub async fn holding(app: &TestApp, conversations: &Value, id: &str) -> Self {
        let (workspace, key) = app.other_workspace().await;
        app.import_into(&workspace, conversations).await;
        let before = read_back_as(app, (&key, &workspace), id).await;
        Self { workspace, key, id: id.to_owned(), before }
    }

    /// As [`OtherWorkspace::holding`], with one conversation, `conv_theirs`: a [`conversation`] with `overrides`.
    pub async fn holding_theirs(app: &TestApp, overrides: Value) -> Self {
        Self::holding(app, &json!([conversation("conv_theirs", overrides)]), "conv_theirs").await
    }

    /// Its (key, workspace), as the `*_as` helpers take them.
    pub fn who(&self) -> (&str, &str) {
        (&self.key, &self.workspace)
    }

    /// Asserts that the conversation read back at first still reads back the same.
    pub async fn assert_unchanged(&self, app: &TestApp) {
        assert_eq!(read_back_as(app, self.who(), &self.id).await, self.before, "{} changed nothing", self.id);
    }
}

/// One of the conversation mutations: its payload field, its input type and its input.
#[derive(Debug, Clone)]
pub struct Mutation {
    pub field: &'static str,
    input_type: &'static str,
    pub input: Value,
}

impl Mutation {
    /// `assignConversation`; a JSON null `assignee` unassigns.
    pub fn assign(id: &str, assignee: impl Serialize) -> Self {
        let input = json!({"conversationId": id, "assigneeId": assignee});
        Self { field: "assignConversation", input_type: "AssignConversationInput", input }
    }

    /// `updateConversationStatus`, with `resolutionNotes` only when given.
    pub fn set_status(id: &str, status: &str, notes: Option<&str>) -> Self {
        let mut input = json!({"conversationId": id, "status": status});
        if let Some(notes) = notes {
            input["resolutionNotes"] = json!(notes);
        }
        Self { field: "updateConversationStatus", input_type: "UpdateConversationStatusInput", input }
    }

    /// `addConversationTags`.
    pub fn add_tags(id: &str, tags: &[impl Serialize]) -> Self {
        let input = json!({"conversationId": id, "tags": tags});
        Self { field: "addConversationTags", input_type: "ConversationTagsInput", input }
    }

    /// `removeConversationTags`.
    pub fn remove_tags(id: &str, tags: &[impl Serialize]) -> Self {
        Self { field: "removeConversationTags", ..Self::add_tags(id, tags) }
    }

    /// `addConversationNote`, with `internal` only when given.
    pub fn add_note(id: &str, content: &str, internal: Option<bool>) -> Self {
        let mut input = json!({"conversationId": id, "content": content});
        if let Some(internal) = internal {
            input["internal"] = json!(internal);
        }
        Self { field: "addConversationNote", input_type: "AddConversationNoteInput", input }
    }

    /// The id of the conversation it changes.
    pub fn id(&self) -> &str {
        self.input["conversationId"].as_str().expect("a conversation id")
    }

    /// The mutation's document, its payload selecting `selection`.
    pub fn query(&self, selection: &str) -> String {
        let Self { field, input_type, .. } = self;
        format!("mutation($input: {input_type}!) {{ {field}(input: $input) {{ {selection} }} }}")
    }

    /// The variables that go with [`Mutation::query`].
    pub fn variables(&self) -> Value {
        json!({"input": self.input})
    }

    /// Sends it as `who` (key, workspace), asking for the whole payload: the note, if any, and
    /// every field of the conversation.
    pub async fn send_as(&self, app: &TestApp, (key, workspace): (&str, &str)) -> Answer {
        let note = if self.field == "addConversationNote" { "note { id content internal createdAt }" } else { "" };
        let query = self.query(&format!("{note} conversation {{ {ALL_FIELDS} }}"));
        app.gql_as(key, workspace, &query, self.variables()).await
    }

    /// As [`Mutation::send_as`], with this app's own key.
    pub async fn send(&self, app: &TestApp) -> Answer {
        self.send_as(app, app.own()).await
    }

    /// Sends it and expects success: the payload, its conversation checked against a fresh read-back.
    pub async fn send_ok(&self, app: &TestApp) -> Value {
        let answer = self.send(app).await;
        let payload = answer.data()[self.field].clone();
        assert_eq!(payload["conversation"], read_back(app, self.id()).await, "payload and read-back agree");
        payload
    }
}

/// Holds, until the returned transaction ends, what a write to `conv_abc123` needs: the
/// conversation's row lock on PostgreSQL, the database's write lock on SQLite.
pub async fn hold_abc123(app: &TestApp) -> sea_orm::DatabaseTransaction {
    use sea_orm::{DatabaseBackend, TransactionTrait};
    let other = Database::connect(&app.database_url).await.expect("a second connection");
    let lock = other.begin().await.expect("a transaction");
    let holding = match other.get_database_backend() {
        DatabaseBackend::Postgres => "SELECT 1 FROM conversations WHERE id = 'conv_abc123' FOR UPDATE",
        _ => "UPDATE workspaces SET name = name",
    };
    lock.execute_unprepared(holding).await.expect("the lock is taken");
    lock
}

/// 120 conversations on 40 customers and 7 users, with tags and a note each: pages of
/// every size whose rows share customers and users, for the statement-count tests.
pub async fn inbox_of_120(app: &TestApp) {
    let conversations: Vec<Value> = (0..120)
        .map(|i| {
            conversation(
                &format!("conv_{i:03}"),
                json!({
                    "customer": {"id": format!("cust_{}", i % 40), "name": format!("Customer {}", i % 40)},
                    "assignee": if i % 3 == 0 { Value::Null } else { json!({"id": format!("user_{}", i % 7), "name": "Tech"}) },
                    "tags": ["hvac", format!("zone-{}", i % 5)],
                    "notes": [{"id": format!("note_{i}"), "content": "gate code 4411", "created_at": "2024-01-10T10:30:00Z"}],
                    "last_activity_at": format!("2024-01-10T11:{:02}:00Z", i % 60),
                }),
            )
        })
        .collect();
    app.import(&Value::Array(conversations)).await;
}
