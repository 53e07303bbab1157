//! Cursor paging: `after` and `nextCursor` (contract section 5, "Cursor paging").

use serde_json::{json, Value};

use crate::helpers::{conversation, ids_of, spawn_app, TestApp};

const PAGE: &str =
    "query($filter: ConversationFilter, $sort: ConversationSort, $limit: Int, $offset: Int, $after: String) {
    conversations(filter: $filter, sort: $sort, limit: $limit, offset: $offset, after: $after) {
      conversations { id }
      pagination { total hasMore nextCursor }
    } }";

/// 30 conversations with many ties on every sort key.
async fn tied_inbox(app: &TestApp) {
    let priorities = ["urgent", "high", "normal", "low"];
    let conversations: Vec<Value> = (0..30)
        .map(|i| {
            conversation(
                &format!("conv_{}", ["a", "B", "c", "Z", "10", "9"][i % 6].to_owned() + &i.to_string()),
                json!({
                    "status": if i % 4 == 0 { "resolved" } else { "open" },
                    "priority": priorities[i % 4],
                    "created_at": format!("2024-01-{:02}T10:00:00Z", 10 + i % 3),
                    "last_activity_at": format!("2024-01-{:02}T12:00:00Z", 13 + i % 2),
                }),
            )
        })
        .collect();
    app.import(&Value::Array(conversations)).await;
}

/// Walks every page by cursor; returns the ids in order and the number of pages.
async fn walk(app: &TestApp, filter: &Value, sort: &str, limit: i64) -> (Vec<String>, usize) {
    let mut ids = Vec::new();
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let vars = json!({"filter": filter, "sort": sort, "limit": limit, "after": after});
        let answer = app.gql(PAGE, vars).await;
        let page = &answer.data()["conversations"];
        pages += 1;
        ids.extend(ids_of(&page["conversations"]));
        let next = &page["pagination"]["nextCursor"];
        assert_eq!(page["pagination"]["hasMore"], json!(!next.is_null()), "hasMore follows nextCursor");
        if next.is_null() {
            return (ids, pages);
        }
        after = next.clone();
    }
}

async fn all_ids(app: &TestApp, filter: &Value, sort: &str) -> Vec<String> {
    let answer = app.gql(PAGE, json!({"filter": filter, "sort": sort, "limit": 100})).await;
    ids_of(&answer.data()["conversations"]["conversations"])
}

#[tokio::test]
async fn walking_by_cursor_visits_every_conversation_once_in_every_sort() {
    let app = spawn_app().await;
    tied_inbox(&app).await;
    for sort in ["LAST_ACTIVITY_DESC", "LAST_ACTIVITY_ASC", "CREATED_DESC", "CREATED_ASC", "PRIORITY_DESC"] {
        for filter in [json!({}), json!({"status": "OPEN"})] {
            let expected = all_ids(&app, &filter, sort).await;
            for limit in [1, 4, 7] {
                let (ids, pages) = walk(&app, &filter, sort, limit).await;
                assert_eq!(ids, expected, "{sort} {filter} limit {limit}");
                let limit = usize::try_from(limit).unwrap();
                assert_eq!(pages, expected.len().div_ceil(limit), "{sort} {filter} limit {limit}");
            }
        }
    }
}

#[tokio::test]
async fn the_last_page_has_no_cursor_and_total_keeps_its_meaning() {
    let app = spawn_app().await;
    tied_inbox(&app).await;
    let first = app.gql(PAGE, json!({"limit": 20})).await;
    let pagination = &first.data()["conversations"]["pagination"];
    assert_eq!(pagination["total"], 30);
    assert_eq!(pagination["hasMore"], true);
    let after = pagination["nextCursor"].as_str().unwrap();
    let second = app.gql(PAGE, json!({"limit": 20, "after": after})).await;
    let data = &second.data()["conversations"];
    assert_eq!(data["conversations"].as_array().unwrap().len(), 10);
    assert_eq!(data["pagination"], json!({"total": 30, "hasMore": false, "nextCursor": null}));

    let exact = app.gql(PAGE, json!({"limit": 30})).await;
    assert_eq!(exact.data()["conversations"]["pagination"]["nextCursor"], Value::Null, "no conversation follows");
}

#[tokio::test]
async fn offset_pages_give_a_cursor_too() {
    let app = spawn_app().await;
    tied_inbox(&app).await;
    let expected = all_ids(&app, &json!({}), "LAST_ACTIVITY_DESC").await;
    let first = app.gql(PAGE, json!({"limit": 5, "offset": 10})).await;
    let cursor = first.data()["conversations"]["pagination"]["nextCursor"].clone();
    let next = app.gql(PAGE, json!({"limit": 5, "after": cursor})).await;
    assert_eq!(ids_of(&next.data()["conversations"]["conversations"]), expected[15..20]);
}

#[tokio::test]
async fn bad_cursors_are_bad_user_input_on_after() {
    let app = spawn_app().await;
    tied_inbox(&app).await;
    let open = json!({"status": "OPEN"});
    let first = app.gql(PAGE, json!({"filter": open, "limit": 3})).await;
    let cursor = first.data()["conversations"]["pagination"]["nextCursor"].as_str().unwrap().to_owned();
    let cases = [
        json!({"filter": open, "after": "not-a-cursor"}),
        json!({"filter": open, "after": ""}),
        json!({"filter": open, "after": format!("{}x", &cursor[..cursor.len() - 1])}),
        json!({"filter": {"status": "PENDING"}, "after": cursor}),
        json!({"filter": {"status": "OPEN", "search": "routine"}, "after": cursor}),
        json!({"filter": open, "sort": "CREATED_DESC", "after": cursor}),
        json!({"filter": open, "sort": "PRIORITY_DESC", "after": cursor}),
        json!({"filter": open, "offset": 3, "after": cursor}),
    ];
    for vars in cases {
        let answer = app.gql(PAGE, vars.clone()).await;
        assert_eq!((answer.code(), answer.field()), ("BAD_USER_INPUT", "after"), "{vars}");
        assert_eq!(answer.body["data"], Value::Null);
    }
    let same_filter_spelled_otherwise = json!({"filter": {"status": "OPEN", "tags": []}, "after": cursor});
    assert!(app.gql(PAGE, same_filter_spelled_otherwise).await.body.get("errors").is_none());
}

#[tokio::test]
async fn a_walk_under_concurrent_changes_repeats_none_and_skips_no_unchanged_one() {
    let app = spawn_app().await;
    tied_inbox(&app).await;
    let filter = json!({"status": "OPEN"});
    let before = all_ids(&app, &filter, "LAST_ACTIVITY_DESC").await;
    let mut seen: Vec<String> = Vec::new();
    let mut changed: Vec<String> = Vec::new();
    let mut after = Value::Null;
    let mut round = 0;
    loop {
        let answer = app.gql(PAGE, json!({"filter": filter, "limit": 4, "after": after})).await;
        let page = &answer.data()["conversations"];
        seen.extend(ids_of(&page["conversations"]));
        // Between pages: resolve one conversation not yet seen, and import new ones on
        // both sides of the walk's position.
        if let Some(ahead) = before.iter().find(|id| !seen.contains(id) && !changed.contains(id)) {
            let input = json!({"conversationId": ahead, "status": "RESOLVED"});
            let resolve = "mutation($input: UpdateConversationStatusInput!) { updateConversationStatus(input: $input) { conversation { id } } }";
            app.gql(resolve, json!({"input": input})).await.data();
            changed.push(ahead.clone());
        }
        round += 1;
        app.import(&json!([
            conversation(&format!("conv_new_early_{round}"), json!({"last_activity_at": "2024-01-20T00:00:00Z"})),
            conversation(&format!("conv_new_late_{round}"), json!({"last_activity_at": "2023-12-01T00:00:00Z"})),
        ]))
        .await;
        let next = &page["pagination"]["nextCursor"];
        if next.is_null() {
            break;
        }
        after = next.clone();
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no conversation twice: {seen:?}");
    for id in before.iter().filter(|id| !changed.contains(id)) {
        assert!(seen.contains(id), "{id} did not change and was skipped");
    }
    assert!(!seen.iter().any(|id| id.starts_with("conv_new_early")), "nothing behind the walk's position appears");
}
