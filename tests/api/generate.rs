//! `inbox-gateway generate`: the real binary fills a workspace of the test app's database
//! with a synthetic inbox; the workspace is read back over HTTP with the key it printed.

use std::collections::{BTreeMap, BTreeSet};

use inbox_gateway::domain::{ApiKey, WorkspaceId};
use serde_json::{json, Value};

use crate::cli::run;
use crate::helpers::{spawn_app, TestApp, ALL_FIELDS};

const CONVERSATIONS: usize = 300;
const CHANNELS: [&str; 4] = ["VOICE", "SMS", "EMAIL", "LIVE_CHAT"];
const STATUSES: [&str; 3] = ["OPEN", "PENDING", "RESOLVED"];
const PRIORITIES: [&str; 4] = ["URGENT", "HIGH", "NORMAL", "LOW"];

/// A workspace `generate` filled, and the line it printed.
struct Generated {
    workspace: String,
    key: String,
    printed: Value,
}

async fn generate(app: &TestApp, workspace: &str, seed: &str) -> Generated {
    let count = CONVERSATIONS.to_string();
    let args = ["generate", "--workspace", workspace, "--conversations", &count, "--seed", seed];
    let printed = run(&app.database_url, &args, None).await.json_line();
    let key = printed["api_key"].as_str().expect("a key").to_owned();
    Generated { workspace: workspace.to_owned(), key, printed }
}

impl Generated {
    async fn query(&self, app: &TestApp, query: &str) -> Value {
        app.gql_as(&self.key, &self.workspace, query, json!({})).await.data().clone()
    }

    async fn total(&self, app: &TestApp, filter: &str) -> u64 {
        let query = format!("{{ conversations(filter: {{{filter}}}) {{ pagination {{ total }} }} }}");
        self.query(app, &query).await["conversations"]["pagination"]["total"].as_u64().expect("a total")
    }

    /// Every conversation, a few fields each, page by page.
    async fn all(&self, app: &TestApp) -> Vec<Value> {
        let mut all = Vec::new();
        for offset in (0..CONVERSATIONS).step_by(100) {
            let query = format!(
                "{{ conversations(limit: 100, offset: {offset}, sort: CREATED_ASC) {{
                     conversations {{ id customer {{ id }} assignee {{ id }} tags messagesCount notes {{ id }} }} }} }}"
            );
            let page = self.query(app, &query).await;
            all.extend(page["conversations"]["conversations"].as_array().expect("a list").iter().cloned());
        }
        all
    }

    async fn first_page(&self, app: &TestApp) -> Value {
        self.query(app, &format!("{{ conversations {{ conversations {{ {ALL_FIELDS} }} }} }}")).await
    }
}

fn distinct<'a>(all: &'a [Value], pick: impl Fn(&'a Value) -> Option<&'a str>) -> BTreeSet<&'a str> {
    all.iter().filter_map(pick).collect()
}

#[tokio::test]
async fn generate_fills_a_new_workspace_with_a_realistic_inbox() {
    let app = spawn_app().await;
    let generated = generate(&app, "ws_generated", "7").await;
    let printed = &generated.printed;
    assert_eq!(printed["workspace_id"], "ws_generated");
    assert!(ApiKey::parse(&generated.key).is_some(), "{printed}");
    assert_eq!(printed["conversations"], CONVERSATIONS);
    assert_eq!(printed["customers"], 60);
    assert!(printed["seconds"].as_f64().is_some_and(|s| s >= 0.0), "{printed}");

    assert_eq!(generated.total(&app, "").await, 300);
    for (field, values) in [("channels", &CHANNELS[..]), ("status", &STATUSES[..]), ("priority", &PRIORITIES[..])] {
        let mut sum = 0;
        for value in values {
            let total = generated.total(&app, &format!("{field}: {value}")).await;
            assert!(total > 0, "no conversation with {field} {value}");
            sum += total;
        }
        assert_eq!(sum, 300, "{field}");
    }

    let all = generated.all(&app).await;
    assert_eq!(all.len(), 300);
    assert_eq!(distinct(&all, |c| c["id"].as_str()).len(), 300);
    assert_eq!(distinct(&all, |c| c["customer"]["id"].as_str()).len(), 60);
    let users = distinct(&all, |c| c["assignee"]["id"].as_str()).len();
    assert_eq!(printed["users"], users);
    assert!((30..=70).contains(&users), "{users} users");
    let tags: Vec<&str> = all.iter().flat_map(|c| c["tags"].as_array().unwrap()).filter_map(Value::as_str).collect();
    let messages: u64 = all.iter().map(|c| c["messagesCount"].as_u64().unwrap()).sum();
    assert!((600..=1200).contains(&tags.len()), "{} tags", tags.len());
    assert!((600..=1200).contains(&messages), "{messages} messages");
    assert!(all.iter().filter(|c| !c["notes"].as_array().unwrap().is_empty()).count() > 30);

    let mut per_tag: BTreeMap<&str, u64> = BTreeMap::new();
    for tag in tags {
        *per_tag.entry(tag).or_default() += 1;
    }
    let (tag, count) = per_tag.iter().max_by_key(|(_, n)| **n).expect("tags");
    assert_eq!(generated.total(&app, &format!("tags: [\"{tag}\"]")).await, *count);
    let heat = generated.total(&app, "search: \"heat\"").await;
    assert!((1..300).contains(&heat), "search heat: {heat}");
}

#[tokio::test]
async fn generate_again_with_the_same_arguments_leaves_the_same_state() {
    let app = spawn_app().await;
    let first = generate(&app, "ws_again", "7").await;
    let page = first.first_page(&app).await;
    let again = generate(&app, "ws_again", "7").await;
    assert_eq!(again.printed["conversations"], CONVERSATIONS);
    assert_ne!(again.key, first.key, "a fresh key every run");
    assert_eq!(again.total(&app, "").await, 300);
    assert_eq!(again.first_page(&app).await, page);
    assert_eq!(first.total(&app, "").await, 300, "the first key still works");
    let workspace = WorkspaceId::new_unchecked("ws_again");
    assert_eq!(app.store.event_head(&workspace).await.unwrap(), 0, "generate records no activity");
    for c in page["conversations"]["conversations"].as_array().unwrap() {
        assert_eq!(c["activity"], json!([]), "{}", c["id"]);
    }
}

#[tokio::test]
async fn another_seed_draws_another_inbox() {
    let app = spawn_app().await;
    let seven = generate(&app, "ws_seven", "7").await;
    let eight = generate(&app, "ws_eight", "8").await;
    assert_eq!(eight.total(&app, "").await, 300);
    assert_ne!(seven.first_page(&app).await, eight.first_page(&app).await);
}

#[tokio::test]
async fn generate_refuses_bad_arguments() {
    let app = spawn_app().await;
    run(&app.database_url, &["generate", "--workspace", "bad id", "--conversations", "10"], None)
        .await
        .assert_refused("workspace");
    let zero = run(&app.database_url, &["generate", "--workspace", "ws_x", "--conversations", "0"], None).await;
    assert!(!zero.status.success() && zero.stdout.is_empty(), "{zero:?}");
}

#[tokio::test]
async fn generate_off_a_terminal_logs_its_progress_with_rate_and_time_left() {
    let app = spawn_app().await;
    // 5,000 conversations are three batches: lines at 2,000, 4,000 and 5,000 (each
    // tenth of the way that a batch passed).
    let ran =
        run(&app.database_url, &["generate", "--workspace", "ws_progress", "--conversations", "5000"], None).await;
    assert!(ran.status.success(), "{ran:?}");
    let lines: Vec<&str> = ran.stderr.lines().filter(|line| line.contains("generating")).collect();
    assert_eq!(lines.len(), 3, "{}", ran.stderr);
    for (line, written) in lines.iter().zip(["2000", "4000", "5000"]) {
        assert!(line.contains(&format!("conversations={written} of=5000")), "{line}");
        assert!(line.contains("per_second=") && line.contains("eta_seconds="), "{line}");
        assert!(!line.contains('\u{1b}'), "no terminal codes in a pipe: {line:?}");
    }
    assert!(lines[2].contains("eta_seconds=0"), "{}", lines[2]);
}
