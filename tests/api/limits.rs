//! What a hostile or careless client cannot do: oversized, too deep, too complex or
//! amplified queries, huge bodies, slow requests, floods; and a clean shutdown.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{answer, contract_examples, graphql_post, spawn_app, spawn_app_with, Mutation, ALL_FIELDS};

fn statements_of(app: &crate::helpers::TestApp) -> u64 {
    app.store.statements_sent()
}

#[tokio::test]
async fn the_richest_legitimate_page_of_100_passes() {
    let app = spawn_app().await;
    app.import(&contract_examples()).await;
    let query = format!(
        "{{ conversations(limit: 100) {{ conversations {{ {ALL_FIELDS} }} pagination {{ total limit offset hasMore nextCursor }} }} }}"
    );
    let answer = app.gql(&query, json!({})).await;
    assert_eq!(answer.data()["conversations"]["pagination"]["total"], 2);
    let searched = query.replace("(limit: 100)", "(limit: 100, filter: {search: \"water\"})");
    let answer = app.gql(&searched, json!({})).await;
    assert_eq!(answer.data()["conversations"]["pagination"]["total"], 1, "with a search and its total too");
}

#[tokio::test]
async fn aliased_searches_are_counted_at_their_cost_and_root_fields_are_capped_before_any_sql() {
    let app = spawn_app().await;
    app.import(&contract_examples()).await;
    let searches = |n: usize| -> String {
        (0..n)
            .map(|i| {
                format!("s{i}: conversations(limit: 1, filter: {{search: \"water\"}}) {{ conversations {{ id }} }} ")
            })
            .collect()
    };
    let totals: String = (0..20)
        .map(|i| format!("t{i}: conversations(limit: 1, filter: {{search: $q}}) {{ pagination {{ total }} }} "))
        .collect();
    let lookups: String = (0..21).map(|i| format!("c{i}: conversation(id: \"conv_abc123\") {{ id }} ")).collect();
    let cases = [
        (format!("{{ {} }}", searches(60)), json!({}), "the root field limit is 20"),
        (format!("{{ {} }}", searches(20)), json!({}), "complexity limit is 5000"),
        (format!("query($q: String) {{ {totals} }}"), json!({"q": "water"}), "complexity limit is 5000"),
        (format!("{{ {lookups} }}"), json!({}), "the root field limit is 20"),
    ];
    for (query, variables, names_the_limit) in cases {
        let before = statements_of(&app);
        let answer = app.gql(&query, variables).await;
        assert_eq!(answer.code(), "GRAPHQL_VALIDATION_FAILED", "{}", &query[..80]);
        let message = answer.body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(names_the_limit), "{message}");
        assert_eq!(statements_of(&app) - before, 1, "only the API key lookup ran: {message}");
    }
    let few = app.gql(&format!("{{ {} }}", searches(5)), json!({})).await;
    assert_eq!(few.data()["s4"]["conversations"][0]["id"], "conv_abc123", "a few searches pass");
}

#[tokio::test]
async fn over_limit_documents_are_refused_before_any_sql() {
    let app = spawn_app().await;
    app.import(&contract_examples()).await;
    let page = format!("conversations(limit: 100) {{ conversations {{ {ALL_FIELDS} }} }}");
    let aliased: String = (0..3).map(|i| format!("p{i}: {page} ")).collect();
    let many_aliases: String = (0..600).map(|i| format!("a{i}: __typename ")).collect();
    let mut bomb = String::from("query { ...F0 }");
    for i in 0..30 {
        bomb.push_str(&format!(" fragment F{i} on Query {{ ...F{n} ...F{n} }}", n = i + 1));
    }
    bomb.push_str(" fragment F30 on Query { __typename }");
    // Introspection has its own bound; the schema's own fields (known or not) this one.
    let nested = format!("{{ {}id{} }}", "conversation { ".repeat(13), " }".repeat(13));
    let cases = [
        (format!("{{ {aliased} }}"), "complexity limit is 5000"),
        (format!("{{ {many_aliases} }}"), "the limit is 500"),
        (bomb, "the limit is 500"),
        (nested, "depth limit is 12"),
    ];
    for (query, names_the_limit) in cases {
        let before = statements_of(&app);
        let answer = app.gql(&query, json!({})).await;
        assert_eq!(answer.code(), "GRAPHQL_VALIDATION_FAILED", "{}", &query[..60.min(query.len())]);
        let message = answer.body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(names_the_limit), "{message}");
        // Only the API key lookup ran.
        assert_eq!(statements_of(&app) - before, 1, "{message}");
    }
}

#[tokio::test]
async fn limits_are_configurable() {
    let shallow = spawn_app_with(|c| c.limits.query.depth = 3).await;
    let deep = shallow.gql("{ conversations { conversations { customer { id } } } }", json!({})).await;
    assert!(deep.body["errors"][0]["message"].as_str().unwrap().contains("depth limit is 3"), "{}", deep.body);
    shallow.gql("{ conversations { conversations { id } } }", json!({})).await.data();

    let simple = spawn_app_with(|c| c.limits.query.complexity = 50).await;
    let query = "{ conversations(limit: 10) { conversations { id summary channel status priority } } }";
    let complex = simple.gql(query, json!({})).await;
    assert!(
        complex.body["errors"][0]["message"].as_str().unwrap().contains("complexity limit is 50"),
        "{}",
        complex.body
    );
    simple.gql("{ conversations(limit: 5) { conversations { id } } }", json!({})).await.data();

    let narrow = spawn_app_with(|c| c.limits.query.root_fields = 2).await;
    let three = narrow.gql("{ a: __typename b: __typename c: __typename }", json!({})).await;
    assert!(three.body["errors"][0]["message"].as_str().unwrap().contains("root field limit is 2"), "{}", three.body);
    narrow.gql("{ a: __typename b: __typename }", json!({})).await.data();
}

#[tokio::test]
async fn bodies_over_the_limit_get_413() {
    let app = spawn_app().await;
    let huge = json!({"query": "{ __typename }", "variables": {"pad": "x".repeat(1 << 20)}});
    let request = graphql_post(&app.client, &app.address, app.own()).json(&huge);
    let refused = answer(request).await;
    assert_eq!(refused.status, 413);
    assert_eq!((refused.code(), refused.field()), ("BAD_USER_INPUT", "body"));
    let fits = json!({"query": "{ __typename }", "variables": {"pad": "x".repeat(1000 * 1000)}});
    let request = graphql_post(&app.client, &app.address, app.own()).json(&fits);
    assert_eq!(answer(request).await.status, 200);
}

#[tokio::test]
async fn a_request_past_its_deadline_is_cancelled_with_a_clear_error_and_changes_nothing() {
    let app = spawn_app_with(|c| c.limits.request_timeout = Duration::from_millis(300)).await;
    app.import(&contract_examples()).await;
    // Held so that the note cannot finish in time.
    let lock = crate::helpers::hold_abc123(&app).await;
    let note =
        "mutation { addConversationNote(input: {conversationId: \"conv_abc123\", content: \"late\"}) { note { id } } }";
    let answer = app.gql(note, json!({})).await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert_eq!(answer.code(), "SERVICE_UNAVAILABLE");
    assert!(answer.body["errors"][0]["message"].as_str().unwrap().contains("did not finish within"));
    lock.rollback().await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let workspace = inbox_gateway::domain::WorkspaceId::new_unchecked(app.workspace.clone());
    let notes = app.store.notes_by_conversations(&workspace, &["conv_abc123".to_owned()]).await.unwrap();
    assert!(notes.values().all(Vec::is_empty), "the cancelled mutation left nothing");
}

#[tokio::test]
async fn a_flooding_key_is_rate_limited_with_retry_after() {
    let app = spawn_app_with(|c| {
        c.limits.rate_per_second = 1;
        c.limits.rate_burst = 3;
    })
    .await;
    let (other_workspace, other_key) = app.other_workspace().await;
    for _ in 0..3 {
        app.gql("{ __typename }", json!({})).await.data();
    }
    let limited = app.gql("{ __typename }", json!({})).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.code(), "RATE_LIMITED");
    let retry_after: u64 = limited.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=1).contains(&retry_after), "{retry_after}");
    app.gql_as(&other_key, &other_workspace, "{ __typename }", json!({})).await.data();

    let metrics = app.client.get(format!("{}/metrics", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("inbox_rate_limited_total 1"), "{metrics}");
}

#[tokio::test]
async fn metrics_count_requests_by_operation_and_outcome() {
    let app = spawn_app().await;
    app.gql("{ conversations { pagination { total } } }", json!({})).await.data();
    app.gql("{ conversations(limit: 0) { pagination { total } } }", json!({})).await;
    app.gql_as("igk_nope", &app.workspace, "{ conversation(id: \"x\") { id } }", json!({})).await;
    let metrics = app.client.get(format!("{}/metrics", app.address)).send().await.unwrap().text().await.unwrap();
    for line in [
        r#"inbox_http_requests_total{operation="conversations",outcome="ok"} 1"#,
        r#"inbox_http_requests_total{operation="conversations",outcome="BAD_USER_INPUT"} 1"#,
        // Refused before its body is read: no operation is known.
        r#"inbox_http_requests_total{operation="unparsed",outcome="UNAUTHENTICATED"} 1"#,
        r#"inbox_http_request_duration_seconds_count{operation="conversations",outcome="ok"} 1"#,
        "inbox_db_pool_connections{state=\"idle\"}",
        "inbox_db_statements_total",
    ] {
        assert!(metrics.contains(line), "{line} missing from\n{metrics}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn shutdown_lets_in_flight_writes_finish_and_loses_no_acknowledged_one() {
    let app = std::sync::Arc::new(spawn_app().await);
    app.import(&contract_examples()).await;
    let mut clients = Vec::new();
    for i in 0..40 {
        let app = std::sync::Arc::clone(&app);
        clients.push(tokio::spawn(async move {
            let note = Mutation::add_note("conv_abc123", &format!("note {i}"), None);
            let body = json!({"query": note.query("note { id }"), "variables": note.variables()});
            let request = graphql_post(&app.client, &app.address, app.own()).json(&body);
            let response = request.send().await.ok()?;
            let body: Value = response.json().await.ok()?;
            body["data"]["addConversationNote"]["note"]["id"].as_str().map(str::to_owned)
        }));
        if i == 20 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    tokio::time::sleep(Duration::from_millis(10)).await;
    app.shut_down().await.expect("a clean exit");
    let mut acknowledged = Vec::new();
    for client in clients {
        if let Some(id) = client.await.unwrap() {
            acknowledged.push(id);
        }
    }
    assert!(!acknowledged.is_empty(), "some writes were acknowledged before the stop");
    let workspace = inbox_gateway::domain::WorkspaceId::new_unchecked(app.workspace.clone());
    let stored = app.store.notes_by_conversations(&workspace, &["conv_abc123".to_owned()]).await.unwrap();
    let stored: Vec<&str> = stored.get("conv_abc123").into_iter().flatten().map(|n| n.id.as_str()).collect();
    for id in &acknowledged {
        assert!(stored.contains(&id.as_str()), "acknowledged note {id} was lost");
    }
    let refused = reqwest::Client::new().get(format!("{}/healthz", app.address)).send().await;
    assert!(refused.is_err(), "the server no longer accepts connections");
}
