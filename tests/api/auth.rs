//! Authentication (contract section 3): who may call, and which workspace they see.

use inbox_gateway::domain::{ApiKey, WorkspaceId};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{answer, assert_refused, conversation, ids_of, spawn_app, Answer, TestApp};

const TOTAL: &str = "{ conversations { pagination { total } } }";

/// POSTs `TOTAL` with exactly these headers.
async fn post_with(app: &TestApp, headers: &[(&str, String)]) -> Answer {
    let mut request = app.client.post(format!("{}/graphql", app.address)).json(&json!({ "query": TOTAL }));
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    answer(request).await
}

/// Asserts a refusal with this HTTP status and error code.
fn assert_turned_away(answer: &Answer, status: StatusCode, code: &str, case: &str) {
    assert_eq!(answer.status, status, "{case}: {}", answer.body);
    assert_refused(answer, code, None, case);
}

fn now() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

#[tokio::test]
async fn missing_malformed_and_unknown_keys_are_unauthenticated() {
    let app = spawn_app().await;
    let unknown = format!("igk_{}", "ab".repeat(32));
    assert!(ApiKey::parse(&unknown).is_some(), "well-formed");
    let cases: Vec<(&str, Option<String>)> = vec![
        ("missing Authorization", None),
        ("Basic scheme", Some(format!("Basic {}", app.api_key))),
        ("Bearer with nothing", Some("Bearer".to_owned())),
        ("Bearer with a blank", Some("Bearer    ".to_owned())),
        ("key without a scheme", Some(app.api_key.clone())),
        ("garbage token", Some(bearer("not-a-key"))),
        ("truncated key", Some(bearer(&app.api_key[..40]))),
        ("well-formed unknown key", Some(bearer(&unknown))),
    ];
    for (case, authorization) in cases {
        let mut headers = vec![("X-Workspace-ID", app.workspace.clone())];
        if let Some(value) = authorization {
            headers.push(("Authorization", value));
        }
        let answer = post_with(&app, &headers).await;
        assert_turned_away(&answer, StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", case);
    }
}

#[tokio::test]
async fn a_valid_key_is_let_in() {
    let app = spawn_app().await;
    let answer =
        post_with(&app, &[("Authorization", bearer(&app.api_key)), ("X-Workspace-ID", app.workspace.clone())]).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.data()["conversations"]["pagination"]["total"], 0);
}

#[tokio::test]
async fn a_revoked_key_is_refused_on_the_very_next_request() {
    let app = spawn_app().await;
    let workspace = WorkspaceId::new_unchecked(app.workspace.clone());
    let second = app.store.create_api_key(&workspace, now()).await.expect("a second key");
    assert_eq!(app.gql(TOTAL, json!({})).await.status, StatusCode::OK);

    let revoked = app.store.revoke_api_key(&ApiKey::parse(&app.api_key).unwrap(), now()).await.expect("revoke");
    assert!(revoked, "the key was live");

    let answer = app.gql(TOTAL, json!({})).await;
    assert_turned_away(&answer, StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", "revoked key");
    let other_key = app.gql_as(second.expose(), &app.workspace, TOTAL, json!({})).await;
    assert_eq!(other_key.data()["conversations"]["pagination"]["total"], 0, "the workspace's other key still works");
}

#[tokio::test]
async fn a_key_only_opens_its_own_workspace() {
    let app = spawn_app().await;
    let (other, other_key) = app.other_workspace().await;
    let cases: Vec<(&str, &str, Option<&str>)> = vec![
        ("missing X-Workspace-ID", &app.api_key, None),
        ("empty X-Workspace-ID", &app.api_key, Some("")),
        ("another workspace", &app.api_key, Some(&other)),
        ("a workspace that does not exist", &app.api_key, Some("ws_nope")),
        ("the other key on this workspace", &other_key, Some(&app.workspace)),
    ];
    for (case, key, workspace) in cases {
        let mut headers = vec![("Authorization", bearer(key))];
        if let Some(workspace) = workspace {
            headers.push(("X-Workspace-ID", workspace.to_owned()));
        }
        let answer = post_with(&app, &headers).await;
        assert_turned_away(&answer, StatusCode::FORBIDDEN, "FORBIDDEN", case);
    }
    let own = app.gql_as(&other_key, &other, TOTAL, json!({})).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
}

#[tokio::test]
async fn an_unknown_key_is_unauthenticated_whatever_workspace_it_names() {
    let app = spawn_app().await;
    let (other, _) = app.other_workspace().await;
    let unknown = format!("igk_{}", "0f".repeat(32));
    for workspace in [app.workspace.as_str(), other.as_str(), "ws_nope"] {
        let answer = app.gql_as(&unknown, workspace, TOTAL, json!({})).await;
        assert_turned_away(&answer, StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", workspace);
    }
}

/// The file both workspaces start from.
fn shared_file() -> Value {
    json!([
        conversation(
            "conv_1",
            json!({
            "customer": {"id": "cust_shared", "name": "Alice Walker", "phone": "+12145550101"},
            "assignee": {"id": "user_shared", "name": "Ann Dispatcher"},
            "summary": "Furnace rattles at night", "tags": ["hvac"]})
        ),
        conversation("conv_2", json!({"summary": "Thermostat screen blank", "tags": ["hvac"]})),
    ])
}

/// What the other workspace re-imports on top of the shared file.
fn other_changes() -> Value {
    let olga = json!({"id": "user_other", "name": "Olga Plumber"});
    json!([
        conversation(
            "conv_1",
            json!({
            "customer": {"id": "cust_shared", "name": "Alice Stone", "phone": "+12145550101"},
            "assignee": olga, "status": "pending",
            "summary": "Leaking faucet in kitchen", "tags": ["plumbing"]})
        ),
        conversation(
            "conv_only_other",
            json!({
            "customer": {"id": "cust_other", "name": "Bob Fixit", "phone": "+19725550199"},
            "assignee": olga, "summary": "Sewer line backup", "tags": ["plumbing"]})
        ),
    ])
}

struct Tenants {
    app: TestApp,
    other: String,
    other_key: String,
}

async fn two_tenants_from_one_file() -> Tenants {
    let app = spawn_app().await;
    let (other, other_key) = app.other_workspace().await;
    app.import(&shared_file()).await;
    app.import_into(&other, &shared_file()).await;
    app.import_into(&other, &other_changes()).await;
    Tenants { app, other, other_key }
}

impl Tenants {
    async fn gql_in(&self, own: bool, query: &str, variables: Value) -> Answer {
        if own {
            self.app.gql(query, variables).await
        } else {
            self.app.gql_as(&self.other_key, &self.other, query, variables).await
        }
    }

    /// The ids and total of `conversations(filter: …)` in one workspace.
    async fn matching(&self, own: bool, filter: Value) -> (Vec<String>, i64) {
        let query = "query($filter: ConversationFilter) { conversations(filter: $filter) {
                       conversations { id } pagination { total } } }";
        let answer = self.gql_in(own, query, json!({ "filter": filter })).await;
        let list = &answer.data()["conversations"];
        (ids_of(&list["conversations"]), list["pagination"]["total"].as_i64().unwrap())
    }
}

#[tokio::test]
async fn each_workspace_lists_only_its_own_copy() {
    let t = two_tenants_from_one_file().await;
    let query = "{ conversations { pagination { total } conversations {
                   id status summary tags customer { id name } assignee { id name } } } }";
    let own = t.gql_in(true, query, json!({})).await;
    assert_eq!(
        own.data()["conversations"],
        json!({"pagination": {"total": 2}, "conversations": [
            {"id": "conv_2", "status": "OPEN", "summary": "Thermostat screen blank", "tags": ["hvac"],
             "customer": {"id": "cust_conv_2", "name": "Pat Customer"}, "assignee": null},
            {"id": "conv_1", "status": "OPEN", "summary": "Furnace rattles at night", "tags": ["hvac"],
             "customer": {"id": "cust_shared", "name": "Alice Walker"},
             "assignee": {"id": "user_shared", "name": "Ann Dispatcher"}}]})
    );
    let other = t.gql_in(false, query, json!({})).await;
    assert_eq!(
        other.data()["conversations"],
        json!({"pagination": {"total": 3}, "conversations": [
            {"id": "conv_only_other", "status": "OPEN", "summary": "Sewer line backup", "tags": ["plumbing"],
             "customer": {"id": "cust_other", "name": "Bob Fixit"},
             "assignee": {"id": "user_other", "name": "Olga Plumber"}},
            {"id": "conv_2", "status": "OPEN", "summary": "Thermostat screen blank", "tags": ["hvac"],
             "customer": {"id": "cust_conv_2", "name": "Pat Customer"}, "assignee": null},
            {"id": "conv_1", "status": "PENDING", "summary": "Leaking faucet in kitchen", "tags": ["plumbing"],
             "customer": {"id": "cust_shared", "name": "Alice Stone"},
             "assignee": {"id": "user_other", "name": "Olga Plumber"}}]})
    );
}

#[tokio::test]
async fn an_id_of_another_workspace_reads_as_null() {
    let t = two_tenants_from_one_file().await;
    let query = "query($id: ID!) { conversation(id: $id) { id summary } }";
    let cases = [
        (true, "conv_only_other", Value::Null),
        (false, "conv_only_other", json!({"id": "conv_only_other", "summary": "Sewer line backup"})),
        (true, "conv_1", json!({"id": "conv_1", "summary": "Furnace rattles at night"})),
        (false, "conv_1", json!({"id": "conv_1", "summary": "Leaking faucet in kitchen"})),
    ];
    for (own, id, expected) in cases {
        let answer = t.gql_in(own, query, json!({ "id": id })).await;
        assert_eq!(answer.data()["conversation"], expected, "{id} seen from own workspace: {own}");
    }
}

#[tokio::test]
async fn filters_and_search_never_reach_into_another_workspace() {
    let t = two_tenants_from_one_file().await;
    let cases = [
        (true, json!({"customerId": "cust_other"}), vec![]),
        (false, json!({"customerId": "cust_other"}), vec!["conv_only_other"]),
        (true, json!({"customerId": "cust_shared"}), vec!["conv_1"]),
        (true, json!({"assigneeId": "user_other"}), vec![]),
        (false, json!({"assigneeId": "user_other"}), vec!["conv_only_other", "conv_1"]),
        (true, json!({"assigneeId": "user_shared"}), vec!["conv_1"]),
        (false, json!({"assigneeId": "user_shared"}), vec![]),
        (true, json!({"search": "faucet"}), vec![]),
        (true, json!({"search": "sewer"}), vec![]),
        (true, json!({"search": "stone"}), vec![]),
        (true, json!({"search": "bob fixit"}), vec![]),
        (true, json!({"search": "972-555-0199"}), vec![]),
        (false, json!({"search": "972-555-0199"}), vec!["conv_only_other"]),
        (true, json!({"search": "furnace"}), vec!["conv_1"]),
        (true, json!({"search": "walker"}), vec!["conv_1"]),
        (false, json!({"search": "furnace"}), vec![]),
        (false, json!({"search": "walker"}), vec![]),
        (false, json!({"search": "faucet"}), vec!["conv_1"]),
        (true, json!({"tags": ["plumbing"]}), vec![]),
        (false, json!({"tags": ["hvac"]}), vec!["conv_2"]),
        (true, json!({"status": "PENDING"}), vec![]),
    ];
    for (own, filter, expected) in cases {
        let (ids, total) = t.matching(own, filter.clone()).await;
        assert_eq!(ids, expected, "{filter} in own workspace: {own}");
        assert_eq!(total, i64::try_from(expected.len()).unwrap(), "{filter} total in own workspace: {own}");
    }
}

#[tokio::test]
async fn mutations_on_another_workspaces_ids_are_not_found_and_change_nothing() {
    let t = two_tenants_from_one_file().await;
    let cases = [
        (
            "tag a conversation of the other workspace",
            r#"mutation { addConversationTags(input: {conversationId: "conv_only_other", tags: ["mine"]}) { conversation { id } } }"#,
        ),
        (
            "assign to a user of the other workspace",
            r#"mutation { assignConversation(input: {conversationId: "conv_2", assigneeId: "user_other"}) { conversation { id } } }"#,
        ),
        (
            "note on a conversation of the other workspace",
            r#"mutation { addConversationNote(input: {conversationId: "conv_only_other", content: "hi"}) { note { id } } }"#,
        ),
    ];
    for (case, mutation) in cases {
        let answer = t.gql_in(true, mutation, json!({})).await;
        assert_eq!(answer.code(), "NOT_FOUND", "{case}: {}", answer.body);
    }

    let changed = t
        .gql_in(
            true,
            r#"mutation { addConversationTags(input: {conversationId: "conv_1", tags: ["mine"]}) { conversation { tags } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(changed.data()["addConversationTags"]["conversation"]["tags"], json!(["hvac", "mine"]));

    let read = "{ a: conversation(id: \"conv_only_other\") { tags notes { id } }
                  b: conversation(id: \"conv_1\") { tags }
                  c: conversation(id: \"conv_2\") { assignee { id } } }";
    let other = t.gql_in(false, read, json!({})).await;
    assert_eq!(
        other.data(),
        &json!({"a": {"tags": ["plumbing"], "notes": []}, "b": {"tags": ["plumbing"]},
                "c": {"assignee": null}})
    );
    let own = t.gql_in(true, "{ conversation(id: \"conv_2\") { assignee { id } } }", json!({})).await;
    assert_eq!(own.data()["conversation"], json!({"assignee": null}));
}

/// A clock the test moves by hand.
struct HandClock(std::sync::atomic::AtomicI64);

impl inbox_gateway::domain::Clock for HandClock {
    fn now(&self) -> i64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// The statements sent since `from` once no write is pending (a last use is written off
/// the request's path: wait until the count stops moving), and then the key's
/// `last_used_at` as the store has it.
async fn settled(app: &TestApp, from: u64) -> (u64, Option<i64>) {
    let mut seen = app.store.statements_sent();
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let now = app.store.statements_sent();
        if now == seen {
            break;
        }
        seen = now;
    }
    let keys = app.store.api_keys(&WorkspaceId::new_unchecked(&app.workspace)).await.unwrap();
    (seen - from, keys[0].last_used_at)
}

#[tokio::test]
async fn a_keys_last_use_is_written_at_most_once_a_minute() {
    const SECOND: i64 = 1_000_000;
    let clock = std::sync::Arc::new(HandClock(std::sync::atomic::AtomicI64::new(1_000 * SECOND)));
    let app = crate::helpers::spawn_app_with(|c| c.clock = clock.clone()).await;
    let (_, first) = settled(&app, 0).await;
    assert_eq!(first, Some(1_000 * SECOND), "spawn_app's first use");

    for (at, written) in [(1_059, first), (1_060, Some(1_060 * SECOND))] {
        clock.0.store(at * SECOND, std::sync::atomic::Ordering::SeqCst);
        let before = app.store.statements_sent();
        for _ in 0..20 {
            assert_eq!(app.gql(TOTAL, json!({})).await.status, StatusCode::OK);
        }
        let (sent, last_used) = settled(&app, before).await;
        assert_eq!(last_used, written, "at {at} s");
        let writes = u64::from(written != first);
        assert_eq!(sent, 20 * 3 + writes, "at {at} s: key, page and total a request, and {writes} write");
    }
}
