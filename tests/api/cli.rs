//! The command line (contract section 1): the real binary on the test app's database,
//! its effects checked over HTTP against the running app.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use inbox_gateway::domain::{ApiKey, ApiKeyId};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    abc123_read_back, contract_examples, conversation, graphql_post, imported_changed, imported_created,
    kinds_and_details, read_back, spawn_app, TestApp,
};

const BIN: &str = env!("CARGO_BIN_EXE_inbox-gateway");
const TOTAL: &str = "{ conversations { pagination { total } } }";
const UNREACHABLE: &str = "postgres://postgres@127.0.0.1:1/nope";

/// What a run of the binary left behind.
#[derive(Debug)]
pub(crate) struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The one JSON line a successful command prints.
    pub fn json_line(&self) -> Value {
        assert!(self.status.success(), "the command succeeds: {self:?}");
        let lines: Vec<&str> = self.stdout.lines().collect();
        assert_eq!(lines.len(), 1, "one line on stdout: {self:?}");
        serde_json::from_str(lines[0]).expect("a JSON line")
    }

    /// Asserts a refusal: non-zero exit, nothing on stdout, one line on stderr naming `problem`.
    pub fn assert_refused(&self, problem: &str) {
        assert!(!self.status.success(), "the command fails: {self:?}");
        assert_eq!(self.stdout, "", "nothing on stdout: {self:?}");
        let message = self.stderr.trim_end();
        assert!(!message.is_empty(), "a message on stderr");
        assert!(!message.contains('\n'), "one line on stderr: {message:?}");
        assert!(message.contains(problem), "{message:?} names {problem:?}");
    }
}

fn command(database_url: &str) -> Command {
    let mut command = Command::new(BIN);
    command
        .arg("--database-url")
        .arg(database_url)
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG")
        .env_remove("INBOX_LOG_FORMAT")
        .env_remove("INBOX_BIND")
        .env_remove("INBOX_DEMO");
    command
}

/// Runs `inbox-gateway --database-url URL ARGS…` to completion, off the async runtime.
pub(crate) async fn run(database_url: &str, args: &[&str], stdin: Option<&str>) -> Run {
    let mut command = command(database_url);
    command
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let stdin = stdin.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().expect("the binary starts");
        if let Some(text) = stdin {
            let mut pipe = child.stdin.take().expect("a stdin pipe");
            pipe.write_all(text.as_bytes()).expect("write stdin");
        }
        let output = child.wait_with_output().expect("the binary ends");
        Run {
            status: output.status,
            stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
            stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
        }
    })
    .await
    .expect("the run completes")
}

/// An import file on disk, removed when dropped.
pub(crate) fn import_file(content: &Value) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("a temp file");
    file.write_all(content.to_string().as_bytes()).expect("write the file");
    file
}

fn path_of(file: &tempfile::NamedTempFile) -> &str {
    file.path().to_str().expect("a UTF-8 path")
}

async fn total(app: &TestApp, key: &str, workspace: &str) -> i64 {
    let answer = app.gql_as(key, workspace, TOTAL, json!({})).await;
    answer.data()["conversations"]["pagination"]["total"].as_i64().unwrap()
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value.as_object().expect("an object").keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

#[tokio::test]
async fn workspace_create_prints_a_key_that_works_against_the_running_app() {
    let app = spawn_app().await;
    let printed = run(&app.database_url, &["workspace", "create", "--name", "Acme Heating"], None).await.json_line();
    assert_eq!(keys(&printed), ["api_key", "key_id", "workspace_id"]);
    let workspace = printed["workspace_id"].as_str().unwrap();
    let key = printed["api_key"].as_str().unwrap();
    let key = ApiKey::parse(key).unwrap_or_else(|| panic!("{key} has the shape of a key"));
    assert_eq!(printed["key_id"], key.public_id().as_str());
    let key = key.expose();
    assert_ne!(workspace, app.workspace);

    assert_eq!(total(&app, key, workspace).await, 0);
    let elsewhere = app.gql_as(key, &app.workspace, TOTAL, json!({})).await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn api_key_create_issues_a_working_key() {
    let app = spawn_app().await;
    let printed = run(&app.database_url, &["api-key", "create", "--workspace", &app.workspace], None).await.json_line();
    assert_eq!(keys(&printed), ["api_key", "key_id"]);
    let key = printed["api_key"].as_str().unwrap();
    assert_ne!(key, app.api_key);
    assert!(ApiKeyId::parse(printed["key_id"].as_str().unwrap()).is_some(), "{printed}");
    assert_eq!(total(&app, key, &app.workspace).await, 0);
}

#[tokio::test]
async fn api_key_revoke_shuts_the_key_out_of_the_running_app_at_once() {
    let app = spawn_app().await;
    let created = run(&app.database_url, &["api-key", "create", "--workspace", &app.workspace], None).await.json_line();
    let key = created["api_key"].as_str().unwrap();
    assert_eq!(total(&app, key, &app.workspace).await, 0);

    let revoke = run(&app.database_url, &["api-key", "revoke", key], None).await;
    assert!(revoke.status.success(), "{revoke:?}");

    let answer = app.gql_as(key, &app.workspace, TOTAL, json!({})).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.code(), "UNAUTHENTICATED");
    assert_eq!(total(&app, &app.api_key, &app.workspace).await, 0, "other keys keep working");
}

/// `api-key list --workspace ID`'s one line.
async fn list_keys(app: &TestApp, workspace: &str) -> Value {
    let listed = run(&app.database_url, &["api-key", "list", "--workspace", workspace], None).await.json_line();
    assert_eq!(listed["workspace_id"], workspace);
    listed
}

/// The listed key with this public id.
fn listed<'a>(listed: &'a Value, key_id: &str) -> &'a Value {
    let keys = listed["api_keys"].as_array().expect("a list of keys");
    keys.iter().find(|k| k["key_id"] == key_id).unwrap_or_else(|| panic!("{key_id} in {listed}"))
}

#[tokio::test]
async fn api_key_list_names_every_key_by_its_public_id_and_never_shows_a_secret() {
    let app = spawn_app().await;
    let create = ["api-key", "create", "--workspace", app.workspace.as_str()];
    let used = run(&app.database_url, &create, None).await.json_line();
    let unused = run(&app.database_url, &create, None).await.json_line();
    let (used_key, used_id) = (used["api_key"].as_str().unwrap(), used["key_id"].as_str().unwrap());
    let (unused_key, unused_id) = (unused["api_key"].as_str().unwrap(), unused["key_id"].as_str().unwrap());
    assert_eq!(total(&app, used_key, &app.workspace).await, 0);
    run(&app.database_url, &["api-key", "revoke", unused_id], None).await.json_line();
    let (other_workspace, other_key) = app.other_workspace().await;

    // The last use is written off the request's path: give it a moment.
    let mut list = list_keys(&app, &app.workspace).await;
    for _ in 0..50 {
        if !listed(&list, used_id)["last_used_at"].is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        list = list_keys(&app, &app.workspace).await;
    }
    let own_id = ApiKey::parse(&app.api_key).unwrap().public_id();
    let ids: Vec<&str> = list["api_keys"].as_array().unwrap().iter().map(|k| k["key_id"].as_str().unwrap()).collect();
    assert_eq!(ids, [own_id.as_str(), used_id, unused_id], "every key of the workspace, oldest first: {list}");
    for key in list["api_keys"].as_array().unwrap() {
        assert_eq!(keys(key), ["created_at", "key_id", "last_used_at", "revoked", "revoked_at"], "{key}");
        assert!(key["created_at"].as_str().unwrap().ends_with('Z'), "{key}");
    }
    let used_line = listed(&list, used_id);
    assert!(used_line["last_used_at"].as_str().is_some_and(|t| t.ends_with('Z')), "{list}");
    assert_eq!((&used_line["revoked"], &used_line["revoked_at"]), (&json!(false), &Value::Null), "{list}");
    let unused_line = listed(&list, unused_id);
    assert_eq!(unused_line["last_used_at"], Value::Null, "{list}");
    assert_eq!(unused_line["revoked"], true, "{list}");
    assert!(unused_line["revoked_at"].is_string(), "{list}");

    let printed = list.to_string();
    for secret in [app.api_key.as_str(), used_key, unused_key, other_key.as_str()] {
        let hex = secret.trim_start_matches("igk_");
        assert!(!printed.contains(&hex[..16]), "no secret, not even a part of one: {printed}");
        let hash = ApiKey::parse(secret).unwrap().hash();
        assert!(!printed.contains(&hash), "no whole hash: {printed}");
    }
    let other = list_keys(&app, &other_workspace).await;
    assert_eq!(other["api_keys"].as_array().unwrap().len(), 1, "only that workspace's keys: {other}");
}

#[tokio::test]
async fn api_key_revoke_by_public_id_shuts_the_key_out_of_the_running_app_at_once() {
    let app = spawn_app().await;
    let created = run(&app.database_url, &["api-key", "create", "--workspace", &app.workspace], None).await.json_line();
    let (key, key_id) = (created["api_key"].as_str().unwrap(), created["key_id"].as_str().unwrap());
    assert_eq!(total(&app, key, &app.workspace).await, 0);

    let revoked = run(&app.database_url, &["api-key", "revoke", key_id], None).await.json_line();
    assert_eq!(revoked, json!({"revoked": true, "key_id": key_id}));

    let answer = app.gql_as(key, &app.workspace, TOTAL, json!({})).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.code(), "UNAUTHENTICATED");
    assert_eq!(total(&app, &app.api_key, &app.workspace).await, 0, "other keys keep working");
    let list = list_keys(&app, &app.workspace).await;
    assert_eq!(listed(&list, key_id)["revoked"], true, "{list}");
}

#[tokio::test]
async fn revoking_an_unknown_or_revoked_key_id_is_a_one_line_error() {
    let app = spawn_app().await;
    let created = run(&app.database_url, &["api-key", "create", "--workspace", &app.workspace], None).await.json_line();
    let key_id = created["key_id"].as_str().unwrap();
    run(&app.database_url, &["api-key", "revoke", key_id], None).await.json_line();

    let unknown = "key_0123456789abcdef";
    for id in [unknown, key_id] {
        run(&app.database_url, &["api-key", "revoke", id], None).await.assert_refused(id);
    }
    let malformed = run(&app.database_url, &["api-key", "revoke", "igk_not-quite-a-key"], None).await;
    malformed.assert_refused("key_");
    assert!(!malformed.stderr.contains("not-quite"), "the argument, maybe a secret, is not echoed");
    run(&app.database_url, &["api-key", "list", "--workspace", "ws_nope"], None).await.assert_refused("ws_nope");
    assert_eq!(total(&app, &app.api_key, &app.workspace).await, 0, "the app's own key still works");
}

#[tokio::test]
async fn a_key_made_before_public_ids_gets_one_and_can_be_revoked_by_it() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::{ConnectionTrait, Database};

    let app = spawn_app().await;
    let db = Database::connect(&app.database_url).await.unwrap();
    Migrator::down(&db, Some(1)).await.expect("the public id migration rolls back");
    let old = ApiKey::generate();
    db.execute_unprepared(&format!(
        "INSERT INTO api_keys (key_hash, workspace_id, created_at) VALUES ('{}', '{}', 1)",
        old.hash(),
        app.workspace
    ))
    .await
    .unwrap();
    Migrator::up(&db, None).await.expect("and applies again");
    db.close().await.unwrap();

    let key_id = old.public_id();
    let list = list_keys(&app, &app.workspace).await;
    assert_eq!(listed(&list, key_id.as_str())["revoked"], false, "{list}");
    assert_eq!(total(&app, old.expose(), &app.workspace).await, 0);
    run(&app.database_url, &["api-key", "revoke", key_id.as_str()], None).await.json_line();
    assert_eq!(app.gql_as(old.expose(), &app.workspace, TOTAL, json!({})).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn import_prints_its_counts_and_the_app_serves_the_data() {
    let app = spawn_app().await;
    let file = import_file(&json!({ "conversations": contract_examples() }));
    let printed =
        run(&app.database_url, &["import", "--workspace", &app.workspace, path_of(&file)], None).await.json_line();
    assert_eq!(printed, json!({"conversations": 2, "customers": 2, "users": 1}));
    let answer =
        app.gql("{ conversations { pagination { total } conversations { id customer { name } } } }", json!({})).await;
    assert_eq!(
        answer.data()["conversations"],
        json!({"pagination": {"total": 2}, "conversations": [
            {"id": "conv_def456", "customer": {"name": "Jane Doe"}},
            {"id": "conv_abc123", "customer": {"name": "John Smith"}}]})
    );
    for id in ["conv_abc123", "conv_def456"] {
        assert_eq!(kinds_and_details(&read_back(&app, id).await), json!([imported_created()]), "{id}");
    }
}

#[tokio::test]
async fn import_reads_stdin_when_the_file_is_a_dash() {
    let app = spawn_app().await;
    let rest_response = json!({
        "data": {"conversations": [conversation("conv_piped", json!({"summary": "Piped in"}))]},
        "pagination": {"total": 1, "limit": 20, "offset": 0, "has_more": false}
    });
    let printed =
        run(&app.database_url, &["import", "--workspace", &app.workspace, "-"], Some(&rest_response.to_string()))
            .await
            .json_line();
    assert_eq!(printed, json!({"conversations": 1, "customers": 1, "users": 0}));
    let answer = app.gql("{ conversation(id: \"conv_piped\") { summary } }", json!({})).await;
    assert_eq!(answer.data()["conversation"]["summary"], "Piped in");
}

#[tokio::test]
async fn refused_commands_exit_non_zero_with_one_line_and_write_nothing() {
    let app = spawn_app().await;
    let valid = import_file(&json!({ "conversations": contract_examples() }));
    let invalid = import_file(&json!({"conversations": [
        conversation("conv_ok", json!({})),
        conversation("conv_fax", json!({"channel": "fax"})),
    ]}));
    let cases: [(&[&str], &str); 4] = [
        (&["import", "--workspace", "ws_nope", path_of(&valid)], "ws_nope"),
        (&["import", "--workspace", &app.workspace, path_of(&invalid)], "conversations[1].channel"),
        (&["import", "--workspace", &app.workspace, "/nonexistent/inbox.json"], "/nonexistent/inbox.json"),
        (&["api-key", "create", "--workspace", "ws_nope"], "ws_nope"),
    ];
    for (args, problem) in cases {
        run(&app.database_url, args, None).await.assert_refused(problem);
    }
    assert_eq!(total(&app, &app.api_key, &app.workspace).await, 0);
    assert_eq!(app.store.find_workspace("ws_nope").await.unwrap(), None, "no workspace was made up");
}

#[tokio::test]
async fn migrate_can_run_again_and_again() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let fresh = format!("sqlite://{}?mode=rwc", dir.path().join("fresh.db").display());
    for database_url in [app.database_url.as_str(), fresh.as_str()] {
        for _ in 0..2 {
            let migrate = run(database_url, &["migrate"], None).await;
            assert!(migrate.status.success(), "{database_url}: {migrate:?}");
            assert_eq!(migrate.stdout, "");
        }
    }
    assert_eq!(total(&app, &app.api_key, &app.workspace).await, 0);
    run(&fresh, &["workspace", "create", "--name", "Fresh"], None).await.json_line();
}

#[tokio::test]
async fn bad_arguments_exit_non_zero_with_the_usage() {
    let app = spawn_app().await;
    let cases: [&[&str]; 5] =
        [&["frobnicate"], &[], &["import", "inbox.json"], &["workspace", "create"], &["serve", "--port", "80"]];
    for args in cases {
        let refused = run(&app.database_url, args, None).await;
        assert_eq!(refused.status.code(), Some(2), "{args:?}: {refused:?}");
        assert_eq!(refused.stdout, "", "{args:?}");
        assert!(refused.stderr.contains("Usage:"), "{args:?}: {}", refused.stderr);
    }
}

#[tokio::test]
async fn an_unreachable_database_is_a_one_line_error() {
    let file = import_file(&json!({ "conversations": contract_examples() }));
    let cases: [&[&str]; 3] = [
        &["migrate"],
        &["workspace", "create", "--name", "Nowhere"],
        &["import", "--workspace", "ws_x", path_of(&file)],
    ];
    let runs = futures::future::join_all(cases.map(|args| run(UNREACHABLE, args, None))).await;
    for refused in runs {
        refused.assert_refused("database");
        // Why, not only that the pool timed out.
        refused.assert_refused("Connection refused");
    }
}

/// A `serve` process, killed when dropped, whatever happened meanwhile.
struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().unwrap().port()
}

/// Starts `serve --demo` on a free port; returns the server and the line it printed.
async fn serve_demo(database_url: &str) -> (Server, u16, Value) {
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let stderr = if std::env::var("TEST_LOG").is_ok() { Stdio::inherit() } else { Stdio::null() };
    let mut server = Server {
        child: command(database_url)
            .args(["serve", "--demo", "--bind", &bind])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("serve starts"),
    };
    let stdout = server.child.stdout.take().expect("a stdout pipe");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line).map(|_| line);
        let _ = sender.send(read);
    });
    let line = tokio::task::spawn_blocking(move || receiver.recv_timeout(Duration::from_secs(120)))
        .await
        .unwrap()
        .expect("serve --demo prints a line in time")
        .expect("stdout is readable");
    let printed = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line:?} is one JSON line: {e}"));
    (server, port, printed)
}

async fn get(app: &TestApp, port: u16, printed: &Value, query: &str) -> Value {
    let who = (printed["api_key"].as_str().unwrap(), printed["workspace_id"].as_str().unwrap());
    let request = graphql_post(&app.client, &format!("http://127.0.0.1:{port}"), who);
    let answer = crate::helpers::answer(request.json(&json!({ "query": query }))).await;
    answer.data().clone()
}

/// The `kind` and `details` of the activity of a demo conversation.
async fn demo_activity(app: &TestApp, port: u16, printed: &Value, id: &str) -> Value {
    let query = format!("{{ conversation(id: \"{id}\") {{ activity {{ kind details }} }} }}");
    get(app, port, printed, &query).await["conversation"]["activity"].clone()
}

const ABC123: &str = "{ conversation(id: \"conv_abc123\") {
    id channel status priority summary messagesCount unreadCount tags metadata
    createdAt lastActivityAt resolvedAt
    customer { id name phone email servicetitanId } assignee { id name avatarUrl } } }";

#[tokio::test]
async fn serve_demo_prints_its_workspace_and_a_key_and_serves_the_examples() {
    let app = spawn_app().await;
    let (server, port, printed) = serve_demo(&app.database_url).await;
    assert_eq!(keys(&printed), ["api_key", "graphiql_url", "workspace_id"]);
    assert_eq!(printed["workspace_id"], "ws_demo");
    let key = printed["api_key"].as_str().unwrap();
    assert!(ApiKey::parse(key).is_some(), "{key}");
    assert_eq!(printed["graphiql_url"], format!("http://127.0.0.1:{port}/#workspaceId=ws_demo&apiKey={key}"));

    let data = get(&app, port, &printed, ABC123).await;
    let mut expected = abc123_read_back();
    for field in ["resolutionNotes", "notes", "activity"] {
        expected.as_object_mut().unwrap().remove(field);
    }
    assert_eq!(data["conversation"], expected, "the example with the fields ABC123 asks for");
    drop(server);
}

#[tokio::test]
async fn serve_demo_again_duplicates_nothing_and_prints_a_new_key() {
    let app = spawn_app().await;
    let (first, port, printed) = serve_demo(&app.database_url).await;
    let before = get(&app, port, &printed, TOTAL).await;
    let abc_before = get(&app, port, &printed, ABC123).await;
    drop(first);

    let (second, port, again) = serve_demo(&app.database_url).await;
    assert_eq!(again["workspace_id"], "ws_demo");
    assert_ne!(again["api_key"], printed["api_key"], "a new key");
    assert_eq!(get(&app, port, &again, TOTAL).await, before);
    assert_eq!(get(&app, port, &again, ABC123).await, abc_before);
    assert_eq!(get(&app, port, &printed, TOTAL).await, before, "the earlier key keeps working");
    assert!(before["conversations"]["pagination"]["total"].as_i64().unwrap() >= 2);
    for id in ["conv_abc123", "conv_def456"] {
        let activity = demo_activity(&app, port, &again, id).await;
        assert_eq!(activity, json!([imported_created()]), "{id}: the first load's event only");
    }
    drop(second);
}

#[tokio::test]
async fn serve_demo_restores_the_documented_demo_at_each_start() {
    let app = spawn_app().await;
    let (first, port, printed) = serve_demo(&app.database_url).await;
    let documented = get(&app, port, &printed, ABC123).await;
    let total = get(&app, port, &printed, TOTAL).await;
    let readme_mutations = "mutation {
        s: updateConversationStatus(input: {conversationId: \"conv_abc123\", status: RESOLVED, resolutionNotes: \"Replaced the thermocouple\"}) { conversation { id } }
        t: addConversationTags(input: {conversationId: \"conv_abc123\", tags: [\"follow_up\", \"VIP\"]}) { conversation { id } }
        a: assignConversation(input: {conversationId: \"conv_def456\", assigneeId: \"user_789\"}) { conversation { id } } }";
    get(&app, port, &printed, readme_mutations).await;
    assert_ne!(get(&app, port, &printed, ABC123).await, documented);
    drop(first);

    let (second, port, again) = serve_demo(&app.database_url).await;
    assert_eq!(get(&app, port, &again, ABC123).await, documented);
    assert_eq!(get(&app, port, &again, TOTAL).await, total);
    let def = get(&app, port, &again, "{ conversation(id: \"conv_def456\") { assignee { id } } }").await;
    assert_eq!(def["conversation"]["assignee"], Value::Null);
    let abc = demo_activity(&app, port, &again, "conv_abc123").await;
    let kinds: Vec<&Value> = abc.as_array().unwrap().iter().map(|e| &e["kind"]).collect();
    assert_eq!(kinds, ["IMPORTED", "STATUS_CHANGED", "TAGS_ADDED", "IMPORTED"]);
    assert_eq!(abc[3], imported_changed(), "the restore is a change");
    let def = demo_activity(&app, port, &again, "conv_def456").await;
    assert_eq!(
        def,
        json!([imported_created(), {"kind": "ASSIGNED", "details": {"assigneeId": "user_789"}}, imported_changed()])
    );
    drop(second);
}

#[tokio::test]
async fn a_sqlite_url_without_mode_makes_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fresh.db");
    let url = format!("sqlite://{}", path.display());
    let created = run(&url, &["workspace", "create", "--name", "Fresh HVAC"], None).await.json_line();
    assert!(created["workspace_id"].is_string(), "{created}");
    assert!(path.exists(), "the database file was made");
}
