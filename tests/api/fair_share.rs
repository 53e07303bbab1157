//! One workspace's heavy load does not starve another's: a noisy workspace saturating the
//! gateway with heavy searches holds at most its share of the database pool, so a quiet
//! workspace's simple query still finds a connection at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{contract_examples, graphql_post, spawn_app_with};

/// The middle of some durations.
fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_noisy_workspace_at_full_tilt_leaves_a_quiet_one_its_share_of_the_pool() {
    let app = Arc::new(
        spawn_app_with(|c| {
            c.database.max_connections = 4;
            c.limits.workspace_concurrency = 2;
            c.limits.rate_per_second = 0;
        })
        .await,
    );
    app.import(&contract_examples()).await;
    let noisy = inbox_gateway::seed::generate::run(&app.store, "ws_noisy", 2_000, 1, 0).await.expect("generated");
    // Six searches at once, each with its total: heavy, and within the query limits.
    let heavy: String = (0..6)
        .map(|i| format!("s{i}: conversations(limit: 20, filter: {{search: \"heater\"}}) {{ conversations {{ id summary }} pagination {{ total }} }} "))
        .collect();
    let heavy = json!({"query": format!("{{ {heavy} }}")});

    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for _ in 0..12 {
        let (app, stop, heavy) = (Arc::clone(&app), Arc::clone(&stop), heavy.clone());
        let who = (noisy.api_key.clone(), noisy.workspace_id.clone());
        clients.push(tokio::spawn(async move {
            let mut times = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                let request = graphql_post(&app.client, &app.address, (&who.0, &who.1)).json(&heavy);
                let status = request.send().await.expect("the server answers").status();
                assert_eq!(status, 200, "a noisy request failed");
                times.push(started.elapsed());
            }
            times
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut quiet = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        app.gql("{ conversations(limit: 5) { conversations { id } } }", json!({})).await.data();
        quiet.push(started.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut noisy_times = Vec::new();
    for client in clients {
        noisy_times.extend(client.await.expect("a noisy client"));
    }
    let (quiet_max, quiet_median) = (*quiet.iter().max().unwrap(), median(quiet));
    let noisy_median = median(noisy_times.clone());
    eprintln!(
        "noisy: {} requests, median {noisy_median:?}; quiet beside it: median {quiet_median:?}, max {quiet_max:?}",
        noisy_times.len()
    );
    assert!(quiet_median * 3 < noisy_median, "the quiet workspace waited like the noisy one");
}
