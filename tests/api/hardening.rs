//! Smaller holes the hardening closes on every surface: metrics series a client could
//! multiply, persisted queries shared between tenants, and ids the database cannot hold.

use base64::Engine as _;
use serde_json::json;

use crate::helpers::{answer, assert_error, graphql_post, spawn_app};

fn sha256(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

#[tokio::test]
async fn made_up_methods_add_no_metrics_series() {
    let app = spawn_app().await;
    let series = |text: &str| text.lines().filter(|l| !l.starts_with('#')).count();
    let url = format!("{}/v1/inbox/conversations", app.address);
    app.client.get(&url).send().await.unwrap();
    let before = app.client.get(format!("{}/metrics", app.address)).send().await.unwrap().text().await.unwrap();
    for i in 0..40 {
        let method = reqwest::Method::from_bytes(format!("MADEUP{i}").as_bytes()).unwrap();
        let response = app.client.request(method, &url).send().await.unwrap();
        assert!(response.status().is_client_error(), "{}", response.status());
    }
    let after = app.client.get(format!("{}/metrics", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(!after.contains("MADEUP"), "no client text in a label");
    assert!(after.contains("OTHER /v1/inbox/conversations"), "made-up methods share one label");
    // The first made-up method adds the OTHER series (a count, a sum and the buckets);
    // the 39 after it add none.
    let added = series(&after) - series(&before);
    assert!(added < 40, "{added} series added by 40 made-up methods");
}

#[tokio::test]
async fn a_persisted_query_is_the_workspaces_own() {
    let app = spawn_app().await;
    let (theirs, their_key) = app.other_workspace().await;
    let query = "query Mine { __typename }";
    let extensions = json!({"persistedQuery": {"version": 1, "sha256Hash": sha256(query)}});
    let post =
        |who: (&str, &str), body: serde_json::Value| answer(graphql_post(&app.client, &app.address, who).json(&body));
    let registered = post(app.own(), json!({"query": query, "extensions": extensions})).await;
    assert_eq!(registered.data()["__typename"], "Query");
    let by_hash = json!({"extensions": extensions});
    let other = post((&their_key, &theirs), by_hash.clone()).await;
    assert_eq!(other.code(), "PERSISTED_QUERY_NOT_FOUND", "another tenant cannot tell the query was run");
    let again = post(app.own(), by_hash).await;
    assert_eq!(again.data()["__typename"], "Query", "the workspace that sent it runs it by hash");
}

#[tokio::test]
async fn a_node_id_holding_a_nul_is_refused_as_malformed_on_every_engine() {
    let app = spawn_app().await;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("Conversation:conv\0abc");
    let one = app.gql("query($id: ID!) { node(nodeId: $id) { nodeId } }", json!({"id": raw})).await;
    assert_error(&one, "BAD_USER_INPUT", Some("nodeId"), "a NUL in node");
    let many = app.gql("query($ids: [ID!]!) { nodes(nodeIds: $ids) { nodeId } }", json!({"ids": [raw]})).await;
    assert_eq!(many.code(), "BAD_USER_INPUT", "{}", many.body);
}
