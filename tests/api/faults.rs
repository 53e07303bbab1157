//! Database faults: requests fail fast with SERVICE_UNAVAILABLE and 503, `/readyz`
//! says 503, and the gateway recovers by itself when the database returns.
//! These need a database that can be taken away: they run on PostgreSQL only. SQLite is
//! a file the process holds open, so there is no server to go away (and, run as root,
//! a file made unreadable still opens); its busy and locked errors are contention, which
//! is answered 503 but deliberately does not mark the database down.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use crate::helpers::{contract_examples, spawn_app_with, Answer, TestApp};

/// Takes the test database away (no new connections, existing ones cut) or gives it back.
async fn set_database_available(database_url: &str, available: bool) {
    let admin_url = std::env::var("TEST_DATABASE_URL").expect("PostgreSQL tests");
    let name = database_url.rsplit('/').next().unwrap();
    let admin = Database::connect(&admin_url).await.unwrap();
    admin.execute_unprepared(&format!("ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS {available}")).await.unwrap();
    if !available {
        admin
            .execute_unprepared(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            ))
            .await
            .unwrap();
    }
    admin.close().await.ok();
}

#[tokio::test]
async fn a_lost_database_gives_fast_503s_and_the_gateway_recovers_on_its_own() {
    if std::env::var("TEST_DATABASE_URL").map_or(true, |u| u.is_empty()) {
        eprintln!("skipped: needs TEST_DATABASE_URL (PostgreSQL)");
        return;
    }
    let app = spawn_app_with(|c| c.database.acquire_timeout = Duration::from_secs(1)).await;
    app.import(&contract_examples()).await;
    let page = "{ conversations { pagination { total } } }";
    app.gql(page, json!({})).await.data();

    set_database_available(&app.database_url, false).await;
    let started = Instant::now();
    let down = app.gql(page, json!({})).await;
    assert_eq!(down.status, 503, "{}", down.body);
    assert_eq!(down.code(), "SERVICE_UNAVAILABLE");
    assert!(started.elapsed() < Duration::from_secs(5), "failed fast: {:?}", started.elapsed());
    let message = down.body["errors"][0]["message"].as_str().unwrap();
    assert!(!message.contains("postgres") && !message.contains("connection"), "no internal detail: {message}");
    let ready = app.client.get(format!("{}/readyz", app.address)).send().await.unwrap();
    assert_eq!(ready.status(), 503);

    set_database_available(&app.database_url, true).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer = app.gql(page, json!({})).await;
        if answer.status == 200 {
            assert_eq!(answer.data()["conversations"]["pagination"]["total"], 2);
            break;
        }
        assert!(Instant::now() < deadline, "no recovery: {}", answer.body);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let ready = app.client.get(format!("{}/readyz", app.address)).send().await.unwrap();
    assert_eq!(ready.status(), 200);
}

/// A TCP relay in front of the test's PostgreSQL server that can go away the way a stopped
/// server does: new connections refused, open ones cut. Stopping the server itself would
/// take it from every other test; `ALLOW_CONNECTIONS false` is refused at once, so it does
/// not show the wait a stopped server causes (the pool retries a refused connection until
/// its acquire timeout).
struct Relay {
    listen: SocketAddr,
    target: String,
    running: Option<JoinHandle<()>>,
}

impl Relay {
    async fn start(target: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let mut relay = Self { listen: listener.local_addr().unwrap(), target: target.to_owned(), running: None };
        relay.serve(listener);
        relay
    }

    fn serve(&mut self, listener: TcpListener) {
        let target = self.target.clone();
        self.running = Some(tokio::spawn(async move {
            // Dropped with this task when the relay stops: every open connection is cut.
            let mut connections = JoinSet::new();
            while let Ok((mut client, _)) = listener.accept().await {
                let target = target.clone();
                connections.spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        }));
    }

    /// `url` with its host and port replaced by the relay's.
    fn in_front_of(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").expect("a URL");
        let (authority, path) = rest.split_once('/').expect("a URL with a database");
        let user = authority.rsplit_once('@').map_or(String::new(), |(user, _)| format!("{user}@"));
        format!("{scheme}://{user}{}/{path}", self.listen)
    }

    async fn stop(&mut self) {
        if let Some(task) = self.running.take() {
            task.abort();
            let _ = task.await;
        }
    }

    async fn resume(&mut self) {
        let listener = TcpListener::bind(self.listen).await.expect("the relay's port again");
        self.serve(listener);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some(task) = self.running.take() {
            task.abort();
        }
    }
}

/// The `host:port` of a database URL.
fn host_and_port(url: &str) -> &str {
    let rest = url.split_once("://").expect("a URL").1;
    let authority = rest.split_once('/').map_or(rest, |(authority, _)| authority);
    authority.rsplit_once('@').map_or(authority, |(_, host)| host)
}

/// How long one request takes, and its answer.
async fn timed(app: &TestApp, query: &str) -> (Duration, Answer) {
    let started = Instant::now();
    let answer = app.gql(query, json!({})).await;
    (started.elapsed(), answer)
}

async fn readyz(app: &TestApp) -> (Duration, u16) {
    let started = Instant::now();
    let ready = app.client.get(format!("{}/readyz", app.address)).send().await.unwrap();
    (started.elapsed(), ready.status().as_u16())
}

#[tokio::test]
async fn a_database_known_down_is_answered_503_at_once_and_served_again_within_a_second_of_its_return() {
    let Some(admin_url) = std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!("skipped: needs TEST_DATABASE_URL (PostgreSQL)");
        return;
    };
    let mut relay = Relay::start(host_and_port(&admin_url)).await;
    let app = spawn_app_with(|c| c.database.url = relay.in_front_of(&c.database.url)).await;
    app.import(&contract_examples()).await;
    let page = "{ conversations { pagination { total } } }";
    app.gql(page, json!({})).await.data();

    relay.stop().await;
    let (first, down) = timed(&app, page).await;
    assert_eq!(down.status, 503, "{}", down.body);
    assert_eq!(down.code(), "SERVICE_UNAVAILABLE");
    let mut latencies = Vec::new();
    for _ in 0..10 {
        let (took, answer) = timed(&app, page).await;
        assert_eq!((answer.status.as_u16(), answer.code()), (503, "SERVICE_UNAVAILABLE"), "{}", answer.body);
        latencies.push(took);
    }
    let (ready_took, ready) = readyz(&app).await;
    println!(
        "database stopped: first 503 in {first:?}, the next ten in {latencies:?}, /readyz {ready} in {ready_took:?}"
    );
    assert!(latencies.iter().all(|t| *t < Duration::from_millis(500)), "503 at once: {latencies:?}");
    assert_eq!(ready, 503);
    assert!(ready_took < Duration::from_millis(500), "/readyz at once: {ready_took:?}");

    relay.resume().await;
    let back = Instant::now();
    loop {
        let (_, answer) = timed(&app, page).await;
        if answer.status == 200 {
            assert_eq!(answer.data()["conversations"]["pagination"]["total"], 2);
            break;
        }
        assert_eq!(answer.code(), "SERVICE_UNAVAILABLE", "{}", answer.body);
        assert!(back.elapsed() < Duration::from_secs(5), "no recovery: {}", answer.body);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let recovered = back.elapsed();
    let (_, ready) = readyz(&app).await;
    println!("database back: served again after {recovered:?}, /readyz {ready}");
    assert!(recovered < Duration::from_secs(1), "served again within a second: {recovered:?}");
    assert_eq!(ready, 200);
}
