//! `total` comes from counts kept in the same transaction as every write; after any mix
//! of concurrent actions and imports they equal a `COUNT(*)` of the rows.

use inbox_gateway::domain::{
    Channel, ConversationFilter, ConversationStatus, Priority, SearchQuery, StatusFilter, TagList, TagMatch,
    WorkspaceId,
};
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use crate::helpers::{conversation, spawn_app, TestApp};

const STATUSES: [&str; 3] = ["open", "pending", "resolved"];
const CHANNELS: [&str; 4] = ["voice", "sms", "email", "live_chat"];
const PRIORITIES: [&str; 4] = ["urgent", "high", "normal", "low"];
const TAGS: [&str; 3] = ["counted", "vip", "leak"];
const SUMMARIES: [&str; 3] = ["Water heater leaking", "Furnace will not start", "Heat pump noise"];

fn random_tags(rng: &mut impl Rng) -> Vec<&'static str> {
    TAGS.into_iter().filter(|_| rng.random_range(0..3) == 0).collect()
}

fn random_conversation(rng: &mut impl Rng, id: usize) -> Value {
    let assignee = match rng.random_range(0..4) {
        0 => Value::Null,
        n => json!({"id": format!("user_{n}"), "name": format!("Tech {n}")}),
    };
    conversation(
        &format!("conv_{id}"),
        json!({
            "status": STATUSES[rng.random_range(0..3)],
            "channel": CHANNELS[rng.random_range(0..4)],
            "priority": PRIORITIES[rng.random_range(0..4)],
            "assignee": assignee,
            "tags": random_tags(rng),
            "summary": SUMMARIES[rng.random_range(0..3)],
        }),
    )
}

/// Every filter the counts serve (the group fields, alone or with one tag), and a few
/// they do not (two tags).
fn filters() -> Vec<ConversationFilter> {
    let mut filters = vec![ConversationFilter::default()];
    let tag_filters: Vec<(TagList, TagMatch)> = vec![
        (TagList::default(), TagMatch::Any),
        (TagList::parse(&["vip"], 0, 20).unwrap(), TagMatch::Any),
        (TagList::parse(&["counted"], 0, 20).unwrap(), TagMatch::All),
        (TagList::parse(&["vip", "leak"], 0, 20).unwrap(), TagMatch::Any),
        (TagList::parse(&["vip", "counted"], 0, 20).unwrap(), TagMatch::All),
    ];
    for (tags, tag_match) in &tag_filters {
        filters.push(ConversationFilter { tags: tags.clone(), tag_match: *tag_match, ..ConversationFilter::default() });
    }
    // Searches: counted in the search index on PostgreSQL when only status and channels
    // come with them, else over the conversations.
    for search in ["heat", "heater leak", "furnace"] {
        let search = SearchQuery::parse(search).unwrap();
        filters.push(ConversationFilter { search: search.clone(), ..ConversationFilter::default() });
        for status in [
            StatusFilter::All,
            StatusFilter::Only(ConversationStatus::Open),
            StatusFilter::Only(ConversationStatus::Resolved),
        ] {
            for channels in [vec![], vec![Channel::Voice, Channel::Sms], vec![Channel::Email]] {
                filters.push(ConversationFilter {
                    search: search.clone(),
                    status,
                    channels,
                    ..ConversationFilter::default()
                });
            }
        }
        filters.push(ConversationFilter {
            search: search.clone(),
            priority: Some(Priority::Urgent),
            ..ConversationFilter::default()
        });
    }
    for status in [ConversationStatus::Open, ConversationStatus::Pending, ConversationStatus::Resolved] {
        for channels in [vec![], vec![Channel::Voice, Channel::Sms], vec![Channel::Email]] {
            for priority in [None, Some(Priority::Urgent)] {
                for assignee in [None, Some("user_1".to_owned()), Some("user_none".to_owned())] {
                    for (tags, tag_match) in &tag_filters {
                        filters.push(ConversationFilter {
                            status: StatusFilter::Only(status),
                            channels: channels.clone(),
                            priority,
                            assignee_id: assignee.clone(),
                            tags: tags.clone(),
                            tag_match: *tag_match,
                            ..ConversationFilter::default()
                        });
                    }
                }
            }
        }
    }
    filters
}

async fn assert_counts_exact(app: &TestApp) {
    let workspace = WorkspaceId::new_unchecked(app.workspace.clone());
    for filter in filters() {
        let kept = app.store.count_conversations(&workspace, &filter).await.unwrap();
        let counted = app.store.count_conversations_by_scan(&workspace, &filter).await.unwrap();
        assert_eq!(kept, counted, "{filter:?}");
    }
}

async fn mutate(app: &TestApp, seed: u64) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    for _ in 0..15 {
        let id = format!("conv_{}", rng.random_range(0..40));
        let (query, input) = match rng.random_range(0..4) {
            0 => (
                "mutation($input: AssignConversationInput!) { assignConversation(input: $input) { conversation { id } } }",
                {
                    let assignee = [Value::Null, json!("user_1"), json!("user_2"), json!("user_3")][rng.random_range(0..4)].clone();
                    json!({"conversationId": id, "assigneeId": assignee})
                },
            ),
            1 => (
                "mutation($input: UpdateConversationStatusInput!) { updateConversationStatus(input: $input) { conversation { id } } }",
                {
                    let status = ["OPEN", "PENDING", "RESOLVED"][rng.random_range(0..3)];
                    json!({"conversationId": id, "status": status})
                },
            ),
            2 => (
                "mutation($input: ConversationTagsInput!) { addConversationTags(input: $input) { conversation { id } } }",
                json!({"conversationId": id, "tags": random_tags(&mut rng).into_iter().chain(["counted"]).collect::<Vec<_>>()}),
            ),
            _ => (
                "mutation($input: ConversationTagsInput!) { removeConversationTags(input: $input) { conversation { id } } }",
                json!({"conversationId": id, "tags": random_tags(&mut rng).into_iter().chain(["vip"]).collect::<Vec<_>>()}),
            ),
        };
        app.gql(query, json!({"input": input})).await.data();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn counts_equal_count_star_after_a_concurrent_workload() {
    let app = spawn_app().await;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let initial: Vec<Value> = (0..40).map(|i| random_conversation(&mut rng, i)).collect();
    app.import(&Value::Array(initial)).await;
    assert_counts_exact(&app).await;

    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for seed in 0..6 {
        let app = std::sync::Arc::clone(&app);
        tasks.push(tokio::spawn(async move {
            mutate(&app, seed).await;
        }));
    }
    for seed in 0..3u64 {
        let app = std::sync::Arc::clone(&app);
        tasks.push(tokio::spawn(async move {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(100 + seed);
            for _ in 0..3 {
                // Re-imports move existing conversations between groups and add new ones.
                let batch: Vec<Value> = (0..8)
                    .map(|_| {
                        let id = rng.random_range(0..60);
                        random_conversation(&mut rng, id)
                    })
                    .collect();
                app.import(&Value::Array(batch)).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_counts_exact(&app).await;
}
