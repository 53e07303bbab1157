#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};

use inbox_gateway::config::Config;
use inbox_gateway::domain::WorkspaceId;
use inbox_gateway::startup::App;
use inbox_gateway::store::Store;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{json, Value};

pub struct TestApp {
    pub address: String,
    pub store: Store,
    pub client: reqwest::Client,
    pub workspace: String,
    pub api_key: String,
    pub database_url: String,
    stop: std::sync::Mutex<Option<(tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<std::io::Result<()>>)>>,
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

/// A fresh, empty database for one test.
async fn fresh_database() -> (String, Option<tempfile::TempDir>) {
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
    if std::env::var("TEST_LOG").is_ok() {
        inbox_gateway::telemetry::init(inbox_gateway::telemetry::LogFormat::Text);
    }
    let (database_url, dir) = fresh_database().await;
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
        let request = self
            .client
            .post(format!("{}/graphql", self.address))
            .bearer_auth(key)
            .header("X-Workspace-ID", workspace)
            .json(&json!({"query": query, "variables": variables}));
        answer(request).await
    }

    /// A second workspace with its own key: (workspace id, key).
    pub async fn other_workspace(&self) -> (String, String) {
        let created = self.store.create_workspace("Other Plumbing", 0).await.expect("workspace");
        (created.workspace_id.as_str().to_owned(), created.api_key.expose().to_owned())
    }

    /// Imports conversations (the file format of the contract) into a workspace.
    pub async fn import_into(&self, workspace: &str, conversations: &Value) {
        let text = json!({"conversations": conversations}).to_string();
        let batch = inbox_gateway::import::parse_file(&text).expect("a valid import file");
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

pub async fn answer(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.json().await.expect("a JSON body");
    Answer { status, headers, body }
}

/// A conversation in the import format; `overrides` replaces top-level fields.
pub fn conversation(id: &str, overrides: Value) -> Value {
    let mut c = json!({
        "id": id, "channel": "voice", "status": "open", "priority": "normal",
        "customer": {"id": format!("cust_{id}"), "name": "Pat Customer", "phone": "+15550000000", "email": "pat@example.com"},
        "summary": "Routine question", "tags": [],
        "created_at": "2024-01-10T10:00:00Z", "last_activity_at": "2024-01-10T11:00:00Z"
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
