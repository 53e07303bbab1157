//! The SQL a `conversations` request sends does not grow with the page size: customers,
//! assignees, tags, notes and activity go through DataLoaders (the page brings the
//! first three along and feeds them to theirs).

use serde_json::{json, Value};

use crate::helpers::{conversation, inbox_of_120, spawn_app, TestApp, ALL_FIELDS};

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
    inbox_of_120(&app).await;

    let one = statements_for(&app, 1).await;
    let hundred = statements_for(&app, 100).await;
    assert_eq!(one, hundred, "statements for 1 row vs 100 rows");
    // key lookup, page (with customers, users and tags), count, notes, activity
    assert_eq!(hundred, 5, "key, page with customers, users and tags, total, notes, activity");
}

#[tokio::test]
async fn the_inbox_page_is_one_statement_after_the_key() {
    let app = spawn_app().await;
    let conversations: Vec<Value> = (0..30)
        .map(|i| {
            conversation(
                &format!("conv_{i:03}"),
                json!({
                    "customer": {"id": format!("cust_{}", i % 9), "name": format!("Customer {}", i % 9)},
                    "assignee": if i % 2 == 0 { Value::Null } else { json!({"id": format!("user_{}", i % 4), "name": "Tech"}) },
                    "tags": if i % 3 == 0 { json!([]) } else { json!(["hvac", format!("zone-{}", i % 5)]) },
                }),
            )
        })
        .collect();
    app.import(&Value::Array(conversations)).await;
    let query = "{ conversations(limit: 20) { conversations { id customer { id name phone } assignee { id name } tags }
                   pagination { hasMore nextCursor } } }";
    let before = app.store.statements_sent();
    let answer = app.gql(query, json!({})).await;
    let sent = app.store.statements_sent() - before;
    let rows = answer.data()["conversations"]["conversations"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 20);
    assert_eq!(sent, 2, "the key lookup and the page");
    // What the page brought is what the loaders would have loaded.
    for row in &rows {
        let id = row["id"].as_str().unwrap();
        let i: usize = id.trim_start_matches("conv_").parse().unwrap();
        assert_eq!(row["customer"]["id"], json!(format!("cust_{}", i % 9)), "{id}");
        assert_eq!(row["customer"]["name"], json!(format!("Customer {}", i % 9)), "{id}");
        let assignee = if i % 2 == 0 { Value::Null } else { json!({"id": format!("user_{}", i % 4), "name": "Tech"}) };
        assert_eq!(row["assignee"], assignee, "{id}");
        let tags = if i % 3 == 0 { json!([]) } else { json!(["hvac", format!("zone-{}", i % 5)]) };
        assert_eq!(row["tags"], tags, "{id}");
    }
}
