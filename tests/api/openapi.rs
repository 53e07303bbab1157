//! `openapi.json` at the project's root is the document `GET /v1/openapi.json` serves.

use crate::helpers::spawn_app;

#[test]
fn openapi_json_is_up_to_date() {
    let served = inbox_gateway::rest::document();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    if std::env::var("UPDATE_SCHEMA").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &served).expect("write openapi.json");
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == served,
        "openapi.json differs from the document the server serves.\n\
         Regenerate it with `UPDATE_SCHEMA=1 cargo test --test api openapi` and review the diff."
    );
}

#[tokio::test]
async fn the_document_is_served_without_credentials() {
    let app = spawn_app().await;
    let response = app.client.get(format!("{}/v1/openapi.json", app.address)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let document: serde_json::Value = response.json().await.unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let paths: Vec<&String> = document["paths"].as_object().unwrap().keys().collect();
    assert_eq!(
        paths,
        [
            "/v1/inbox/conversations",
            "/v1/inbox/conversations/{id}",
            "/v1/inbox/conversations/{id}/assign",
            "/v1/inbox/conversations/{id}/status",
            "/v1/inbox/conversations/{id}/tags",
            "/v1/inbox/conversations/{id}/notes",
        ]
    );
    assert_eq!(document, serde_json::from_str::<serde_json::Value>(&inbox_gateway::rest::document()).unwrap());
}
