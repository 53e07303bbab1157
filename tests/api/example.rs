//! The contract's example conversations read back through GraphQL, field by field.

use serde_json::json;

use crate::helpers::{abc123_read_back, contract_examples, imported_created, read_back, spawn_app, without_activity};

#[tokio::test]
async fn example_conversations_read_back_unchanged() {
    let app = spawn_app().await;
    app.import(&contract_examples()).await;

    let (abc, activity) = without_activity(read_back(&app, "conv_abc123").await);
    assert_eq!(abc, abc123_read_back());
    assert_eq!(activity, json!([imported_created()]), "the import's event");
    let keys: Vec<&String> = abc["metadata"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["call_duration", "recording_url", "transcript_available"], "metadata keys keep their order");

    let (def, activity) = without_activity(read_back(&app, "conv_def456").await);
    assert_eq!(activity, json!([imported_created()]), "the import's event");
    assert_eq!(
        def,
        json!({
            "id": "conv_def456", "channel": "SMS", "status": "PENDING", "priority": "NORMAL",
            "summary": "Question about maintenance plan pricing", "messagesCount": 3, "unreadCount": 1,
            "tags": ["sales_inquiry", "maintenance_plan"], "metadata": {"thread_id": "sms_thread_123"},
            "createdAt": "2024-01-20T13:00:00Z", "lastActivityAt": "2024-01-20T14:45:00Z",
            "resolvedAt": null, "resolutionNotes": null,
            "customer": {"id": "cust_789", "name": "Jane Doe", "phone": "+13105555678",
                         "email": "jane.doe@example.com", "servicetitanId": "67890"},
            "assignee": null, "notes": []
        })
    );
}

#[tokio::test]
async fn unknown_id_is_null() {
    let app = spawn_app().await;
    app.import(&contract_examples()).await;
    let answer = app.gql("{ conversation(id: \"conv_nope\") { id } }", json!({})).await;
    assert_eq!(answer.data()["conversation"], serde_json::Value::Null);
}

#[tokio::test]
async fn demo_data_holds_both_examples_with_contract_values() {
    let app = spawn_app().await;
    let demo = inbox_gateway::seed::demo::demo_conversations();
    let workspace = inbox_gateway::domain::WorkspaceId::new_unchecked(app.workspace.clone());
    app.store.import(&workspace, &demo).await.unwrap();

    let query = "{ conversations(limit: 100) { pagination { total } }
                   conversation(id: \"conv_abc123\") { customer { name } assignee { name } tags summary } }";
    let answer = app.gql(query, json!({})).await;
    let data = answer.data();
    assert!(data["conversations"]["pagination"]["total"].as_i64().unwrap() >= 300, "several hundred conversations");
    assert_eq!(
        data["conversation"],
        json!({"customer": {"name": "John Smith"}, "assignee": {"name": "Sarah Johnson"},
               "tags": ["emergency", "water_heater"], "summary": "No hot water - needs emergency service"})
    );
}
