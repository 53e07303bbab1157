//! Load with faults (PostgreSQL): 64 clients mixing the inbox query, search and all five
//! actions for `LOAD_SECONDS` (default 60); with `LOAD_RESTART=1`, PostgreSQL is restarted
//! once a third of the way in. Afterwards every acknowledged tag and note must be in the
//! store, no 5xx may appear but the 503s of the restart window, and service must come
//! back within 5 s of the database. Run alone (it restarts the server's database):
//! `TEST_DATABASE_URL=… LOAD_SECONDS=60 [LOAD_RESTART=1] cargo test --release --test api load -- --ignored --nocapture`

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use inbox_gateway::domain::WorkspaceId;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, TestApp};

const CLIENTS: usize = 64;

#[derive(Default)]
struct Tally {
    latencies_ms: Vec<f64>,
    by_outcome: BTreeMap<String, u64>,
    /// (seconds since start, status) of every 5xx.
    server_errors: Vec<(f64, u16)>,
    tags: Vec<(String, String)>,
    notes: Vec<(String, String)>,
    /// Seconds since start of every successful request.
    successes: Vec<f64>,
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn one_request(
    app: &TestApp,
    rng: &mut impl Rng,
    client: usize,
    n: usize,
    ids: &[String],
) -> (u16, Value, Option<(String, String, bool)>) {
    let id = ids[rng.random_range(0..ids.len())].clone();
    let (query, vars, write) = match rng.random_range(0..10) {
        0..=3 => ("query { conversations(filter: {status: OPEN, channels: [VOICE, SMS]}) { conversations { id customer { name } assignee { name } tags } pagination { total hasMore } } }".to_owned(), json!({}), None),
        4 | 5 => ("query($s: String) { conversations(filter: {search: $s}) { conversations { id } pagination { total } } }".to_owned(), {
            let word = ["heat", "water", "gate code", "555", "thermostat"][rng.random_range(0..5)];
            json!({"s": word})
        }, None),
        6 => {
            let tag = format!("load-c{client}-{n}");
            ("mutation($i: ConversationTagsInput!) { addConversationTags(input: $i) { conversation { id } } }".to_owned(), json!({"i": {"conversationId": id, "tags": [tag.clone()]}}), Some((id, tag, true)))
        }
        7 => {
            let content = format!("load note c{client} n{n}");
            ("mutation($i: AddConversationNoteInput!) { addConversationNote(input: $i) { note { id } } }".to_owned(), json!({"i": {"conversationId": id, "content": content}}), Some((id, String::new(), false)))
        }
        8 => ("mutation($i: AssignConversationInput!) { assignConversation(input: $i) { conversation { id } } }".to_owned(), {
            let assignee = if rng.random_bool(0.5) { Value::Null } else { json!("user_789") };
            json!({"i": {"conversationId": id, "assigneeId": assignee}})
        }, None),
        _ => match rng.random_range(0..2) {
            0 => ("mutation($i: UpdateConversationStatusInput!) { updateConversationStatus(input: $i) { conversation { id } } }".to_owned(), {
                let status = ["OPEN", "PENDING", "RESOLVED"][rng.random_range(0..3)];
                json!({"i": {"conversationId": id, "status": status}})
            }, None),
            _ => ("mutation($i: ConversationTagsInput!) { removeConversationTags(input: $i) { conversation { id } } }".to_owned(), json!({"i": {"conversationId": id, "tags": ["follow_up"]}}), None),
        },
    };
    let request = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&app.api_key)
        .header("X-Workspace-ID", &app.workspace)
        .timeout(Duration::from_secs(15))
        .json(&json!({"query": query, "variables": vars}));
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response.json().await.unwrap_or(Value::Null);
            (status, body, write)
        }
        Err(_) => (599, Value::Null, write),
    }
}

#[test]
#[ignore = "a load run: see the module's documentation"]
fn load_with_an_optional_database_restart() {
    if std::env::var("TEST_DATABASE_URL").map_or(true, |u| u.is_empty()) {
        panic!("the load run needs TEST_DATABASE_URL (PostgreSQL)");
    }
    let seconds = env_u64("LOAD_SECONDS", 60);
    let restart = std::env::var("LOAD_RESTART").is_ok_and(|v| v == "1");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async move {
        let app = Arc::new(
            spawn_app_with(|c| {
                c.limits.rate_per_second = 0;
                c.database.acquire_timeout = Duration::from_secs(2);
                c.database.max_connections = 16;
            })
            .await,
        );
        let workspace = WorkspaceId::new_unchecked(app.workspace.clone());
        app.store.import(&workspace, &inbox_gateway::seed::demo::demo_conversations()).await.unwrap();
        let ids: Arc<Vec<String>> =
            Arc::new(inbox_gateway::seed::demo::demo_conversations().into_iter().map(|c| c.conversation.id).collect());
        let tally = Arc::new(Mutex::new(Tally::default()));
        let start = Instant::now();
        let end = start + Duration::from_secs(seconds);
        let restart_window = Arc::new(Mutex::new(None::<(f64, f64)>));
        let restarter = restart.then(|| {
            let window = Arc::clone(&restart_window);
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(seconds / 3)).await;
                let began = start.elapsed().as_secs_f64();
                let version = std::fs::read_dir("/etc/postgresql").ok().and_then(|mut d| d.next()).and_then(Result::ok);
                let version = version.map(|e| e.file_name().to_string_lossy().into_owned()).unwrap_or_default();
                let status = tokio::process::Command::new("pg_ctlcluster")
                    .args(["--skip-systemctl-redirect", &version, "main", "restart"])
                    .status()
                    .await
                    .expect("pg_ctlcluster runs");
                assert!(status.success(), "PostgreSQL restarted");
                *window.lock().unwrap() = Some((began, start.elapsed().as_secs_f64()));
            })
        });
        let mut clients = Vec::new();
        for client in 0..CLIENTS {
            let (app, tally, ids) = (Arc::clone(&app), Arc::clone(&tally), Arc::clone(&ids));
            let window = Arc::clone(&restart_window);
            clients.push(tokio::spawn(async move {
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(client as u64);
                let mut n = 0;
                // With a restart, go on until 6 s after the database is back, to see recovery.
                while Instant::now() < end || (restart && restart_pending(&window, start)) {
                    n += 1;
                    let sent = Instant::now();
                    let (status, body, write) = one_request(&app, &mut rng, client, n, &ids).await;
                    let at = start.elapsed().as_secs_f64();
                    let code = body["errors"][0]["extensions"]["code"].as_str().map(str::to_owned);
                    let mut t = tally.lock().unwrap();
                    t.latencies_ms.push(sent.elapsed().as_secs_f64() * 1000.0);
                    *t.by_outcome.entry(code.clone().unwrap_or_else(|| format!("HTTP {status}"))).or_default() += 1;
                    if status >= 500 {
                        t.server_errors.push((at, status));
                    }
                    if status == 200 && code.is_none() {
                        t.successes.push(at);
                        match write {
                            Some((id, tag, true)) => t.tags.push((id, tag)),
                            Some((id, _, false)) => {
                                let note =
                                    body["data"]["addConversationNote"]["note"]["id"].as_str().unwrap().to_owned();
                                t.notes.push((id, note));
                            }
                            None => {}
                        }
                    }
                }
            }));
        }
        for client in clients {
            client.await.unwrap();
        }
        if let Some(restarter) = restarter {
            restarter.await.unwrap();
        }
        let t = std::mem::take(&mut *tally.lock().unwrap());
        let window = *restart_window.lock().unwrap();
        report_and_check(&app, &workspace, t, seconds, window).await;
    });
}

/// True until 6 s after the restarted database came back.
fn restart_pending(window: &Mutex<Option<(f64, f64)>>, start: Instant) -> bool {
    window.lock().unwrap().is_none_or(|(_, back)| start.elapsed().as_secs_f64() < back + 6.0)
}

async fn report_and_check(
    app: &TestApp,
    workspace: &WorkspaceId,
    mut t: Tally,
    seconds: u64,
    window: Option<(f64, f64)>,
) {
    t.latencies_ms.sort_by(f64::total_cmp);
    let pct = |p: f64| t.latencies_ms[((t.latencies_ms.len() - 1) as f64 * p) as usize];
    eprintln!(
        "LOAD: {} requests in {seconds} s by {CLIENTS} clients ({:.0}/s), p50 {:.1} ms, p99 {:.1} ms",
        t.latencies_ms.len(),
        t.latencies_ms.len() as f64 / seconds as f64,
        pct(0.5),
        pct(0.99)
    );
    eprintln!("LOAD: outcomes {:?}", t.by_outcome);
    if let Some((began, back)) = window {
        let recovered = t.successes.iter().copied().filter(|at| *at > back).fold(f64::INFINITY, f64::min);
        eprintln!("LOAD: restart from {began:.1} s to {back:.1} s; first success after it at {recovered:.1} s ({:.2} s later)", recovered - back);
        assert!(recovered - back <= 5.0, "recovered within 5 s of the database's return");
        let outside: Vec<_> =
            t.server_errors.iter().filter(|(at, status)| *status != 503 || *at < began || *at > back + 5.0).collect();
        assert!(outside.is_empty(), "5xx outside the restart window: {outside:?}");
    } else {
        assert!(t.server_errors.is_empty(), "5xx on a healthy database: {:?}", t.server_errors);
    }
    let ids: Vec<String> = t
        .tags
        .iter()
        .chain(&t.notes)
        .map(|(id, _)| id.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let tags = app.store.tags_by_conversations(workspace, &ids).await.unwrap();
    let notes = app.store.notes_by_conversations(workspace, &ids).await.unwrap();
    let lost_tags: Vec<_> =
        t.tags.iter().filter(|(id, tag)| !tags.get(id).is_some_and(|held| held.contains(tag))).collect();
    let lost_notes: Vec<_> = t
        .notes
        .iter()
        .filter(|(id, note)| !notes.get(id).is_some_and(|held| held.iter().any(|n| &n.id == note)))
        .collect();
    eprintln!(
        "LOAD: acknowledged {} tags and {} notes; lost {} and {}",
        t.tags.len(),
        t.notes.len(),
        lost_tags.len(),
        lost_notes.len()
    );
    assert!(lost_tags.is_empty() && lost_notes.is_empty(), "lost acknowledged writes: {lost_tags:?} {lost_notes:?}");
    assert!(!t.tags.is_empty() && !t.notes.is_empty(), "the run acknowledged writes");
}
