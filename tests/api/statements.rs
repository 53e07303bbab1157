//! The SQL a `conversations` request sends does not grow with the page size: customers,
//! assignees, tags, notes and activity go through DataLoaders.

use serde_json::{json, Value};

use crate::helpers::{conversation, spawn_app, TestApp, ALL_FIELDS};

async fn statements_for(app: &TestApp, limit: usize) -> u64 {
    let query = format!(
        "query($limit: Int) {{ conversations(limit: $limit) {{ conversations {{ {ALL_FIELDS} }}
           pagination {{ total limit offset hasMore }} }} }}"
    );
    let before = app.store.statements_sent();
    let answer = app.gql(&query, json!({"limit": limit})).await;
    let after = app.store.statements_sent();
    assert_eq!(answer.data()["conversations"]["conversations"].as_array().unwrap().len(), limit);
    after - before
}

#[tokio::test]
async fn a_page_of_100_sends_as_many_statements_as_a_page_of_1() {
    let app = spawn_app().await;
    let conversations: Vec<Value> = (0..120)
        .map(|i| {
            conversation(
                &format!("conv_{i:03}"),
                json!({
                    "customer": {"id": format!("cust_{}", i % 40), "name": format!("Customer {}", i % 40)},
                    "assignee": if i % 3 == 0 { Value::Null } else { json!({"id": format!("user_{}", i % 7), "name": "Tech"}) },
                    "tags": ["hvac", format!("zone-{}", i % 5)],
                    "notes": [{"id": format!("note_{i}"), "content": "gate code 4411", "created_at": "2024-01-10T10:30:00Z"}],
                }),
            )
        })
        .collect();
    app.import(&Value::Array(conversations)).await;

    let one = statements_for(&app, 1).await;
    let hundred = statements_for(&app, 100).await;
    assert_eq!(one, hundred, "statements for 1 row vs 100 rows");
    // key lookup, page, count, customers, users, tags, notes, activity
    assert_eq!(hundred, 8, "key, page, total, customers, users, tags, notes, activity");
}
