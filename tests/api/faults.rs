//! Database faults: requests fail fast with SERVICE_UNAVAILABLE and 503, `/readyz`
//! says 503, and the gateway recovers by itself when the database returns.
//! These need a database that can be taken away: they run on PostgreSQL only.

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database};
use serde_json::json;

use crate::helpers::{contract_examples, spawn_app_with};

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
