//! Relay: global object identification (`Node`, `node`, `nodes`) and the
//! `conversationsConnection` over the same list as `conversations` (contract section 4).

use serde_json::{json, Value};

use crate::helpers::{
    assert_error, assert_refused, contract_examples, ids_of, inbox_of_120, spawn_app, OtherWorkspace, TestApp,
    ALL_FIELDS,
};

/// What a node reads back as, whatever its type.
const NODE_FIELDS: &str = "fragment Fields on Node {
    __typename nodeId
    ... on Conversation { id summary }
    ... on Customer { id name }
    ... on User { id name }
    ... on Note { id content } }";

fn node_query() -> String {
    format!("query($nodeId: ID!) {{ node(nodeId: $nodeId) {{ ...Fields }} }} {NODE_FIELDS}")
}

fn nodes_query() -> String {
    format!("query($nodeIds: [ID!]!) {{ nodes(nodeIds: $nodeIds) {{ ...Fields }} }} {NODE_FIELDS}")
}

/// The `nodeId`s of a conversation, its customer, its assignee and its first note.
const IDS_OF: &str = "nodeId customer { nodeId } assignee { nodeId } notes { nodeId }";

/// The nodeIds of conversation `id` as `who` (key, workspace) reads them:
/// [conversation, customer, assignee, first note].
async fn node_ids_as(app: &TestApp, (key, workspace): (&str, &str), id: &str) -> [String; 4] {
    let query = format!("query($id: ID!) {{ conversation(id: $id) {{ {IDS_OF} }} }}");
    let answer = app.gql_as(key, workspace, &query, json!({"id": id})).await;
    let c = &answer.data()["conversation"];
    let text = |v: &Value| v.as_str().unwrap_or_else(|| panic!("a nodeId in {c}")).to_owned();
    [text(&c["nodeId"]), text(&c["customer"]["nodeId"]), text(&c["assignee"]["nodeId"]), text(&c["notes"][0]["nodeId"])]
}

/// The contract's examples, `conv_abc123` with a note.
async fn examples_with_a_note(app: &TestApp) {
    let mut examples = contract_examples();
    examples[0]["notes"] = json!([{"id": "note_gate", "content": "Gate code 4411", "internal": true, "created_at": "2024-01-20T14:40:00Z"}]);
    app.import(&examples).await;
}

async fn node(app: &TestApp, node_id: &str) -> Value {
    app.gql(&node_query(), json!({"nodeId": node_id})).await.data()["node"].clone()
}

#[tokio::test]
async fn node_finds_each_type_by_its_node_id() {
    let app = spawn_app().await;
    examples_with_a_note(&app).await;
    let [conversation, customer, user, note] = node_ids_as(&app, app.own(), "conv_abc123").await;
    let expected = [
        (
            &conversation,
            json!({"__typename": "Conversation", "id": "conv_abc123", "summary": "No hot water - needs emergency service"}),
        ),
        (&customer, json!({"__typename": "Customer", "id": "cust_456", "name": "John Smith"})),
        (&user, json!({"__typename": "User", "id": "user_789", "name": "Sarah Johnson"})),
        (&note, json!({"__typename": "Note", "id": "note_gate", "content": "Gate code 4411"})),
    ];
    for (node_id, mut fields) in expected {
        fields["nodeId"] = json!(node_id);
        assert_eq!(node(&app, node_id).await, fields, "{node_id}");
    }
    // The documented shape, kept so that ids clients stored keep working.
    assert_eq!(conversation, "Q29udmVyc2F0aW9uOmNvbnZfYWJjMTIz", "base64url of Conversation:conv_abc123");
    let all: std::collections::HashSet<_> = [&conversation, &customer, &user, &note].into_iter().collect();
    assert_eq!(all.len(), 4, "distinct across types");
}

#[tokio::test]
async fn node_ids_are_stable_across_requests_changes_and_fields() {
    let app = spawn_app().await;
    examples_with_a_note(&app).await;
    let first = node_ids_as(&app, app.own(), "conv_abc123").await;
    let assign = "mutation { assignConversation(input: {conversationId: \"conv_abc123\", assigneeId: \"user_789\"}) { conversation { id } } }";
    app.gql(assign, json!({})).await.data();
    let status = "mutation { updateConversationStatus(input: {conversationId: \"conv_abc123\", status: PENDING}) { conversation { nodeId } } }";
    let changed = app.gql(status, json!({})).await;
    assert_eq!(changed.data()["updateConversationStatus"]["conversation"]["nodeId"], json!(first[0]));
    assert_eq!(node_ids_as(&app, app.own(), "conv_abc123").await, first, "the same ids on another request");
    let listed = app
        .gql(
            &format!(
                "{{ conversations(filter: {{assigneeId: \"user_789\"}}) {{ conversations {{ {IDS_OF} }} }}
                    conversationsConnection(filter: {{assigneeId: \"user_789\"}}) {{ edges {{ node {{ {IDS_OF} }} }} }} }}"
            ),
            json!({}),
        )
        .await;
    let data = listed.data();
    for read in [&data["conversations"]["conversations"][0], &data["conversationsConnection"]["edges"][0]["node"]] {
        let ids =
            [&read["nodeId"], &read["customer"]["nodeId"], &read["assignee"]["nodeId"], &read["notes"][0]["nodeId"]];
        assert_eq!(ids.map(|v| v.as_str().unwrap().to_owned()), first, "the same ids wherever they are read");
    }
}

#[tokio::test]
async fn unknown_and_foreign_ids_are_null_like_missing_ones() {
    let app = spawn_app().await;
    examples_with_a_note(&app).await;
    let theirs = OtherWorkspace::holding_theirs(
        &app,
        json!({"assignee": {"id": "user_theirs", "name": "Their Tech"},
               "notes": [{"id": "note_theirs", "content": "their note", "created_at": "2024-01-10T10:30:00Z"}]}),
    )
    .await;
    let foreign = node_ids_as(&app, theirs.who(), "conv_theirs").await;
    let unknown = [
        inbox_gateway::domain::NodeKind::Conversation.node_id("conv_nope"),
        inbox_gateway::domain::NodeKind::Customer.node_id("cust_nope"),
        inbox_gateway::domain::NodeKind::User.node_id("user_nope"),
        inbox_gateway::domain::NodeKind::Note.node_id("note_nope"),
        // A real id under another type.
        inbox_gateway::domain::NodeKind::Customer.node_id("conv_abc123"),
    ];
    for node_id in foreign.iter().chain(&unknown) {
        assert_eq!(node(&app, node_id).await, Value::Null, "{node_id}");
    }
    let answer = app.gql(&nodes_query(), json!({"nodeIds": foreign})).await;
    assert_eq!(answer.data()["nodes"], json!([null, null, null, null]));
    // Their own workspace finds them: the ids were good.
    let query = node_query();
    for node_id in &foreign {
        let answer = app.gql_as(&theirs.key, &theirs.workspace, &query, json!({"nodeId": node_id})).await;
        assert_eq!(answer.data()["node"]["nodeId"], json!(node_id));
    }
}

#[tokio::test]
async fn the_same_id_in_two_workspaces_finds_each_workspace_its_own() {
    let app = spawn_app().await;
    app.import(&contract_examples()).await;
    let mut copy = contract_examples();
    copy[0]["summary"] = json!("Their copy of abc123");
    let theirs = OtherWorkspace::holding(&app, &copy, "conv_abc123").await;
    let node_id_as = |(key, workspace): (&str, &str)| {
        let app = &app;
        let (key, workspace) = (key.to_owned(), workspace.to_owned());
        async move {
            let answer =
                app.gql_as(&key, &workspace, "{ conversation(id: \"conv_abc123\") { nodeId } }", json!({})).await;
            answer.data()["conversation"]["nodeId"].as_str().unwrap().to_owned()
        }
    };
    let ours = node_id_as(app.own()).await;
    let their_id = node_id_as(theirs.who()).await;
    assert_eq!(ours, their_id, "the workspace is not part of the id");
    assert_eq!(node(&app, &ours).await["summary"], "No hot water - needs emergency service");
    let answer = app.gql_as(&theirs.key, &theirs.workspace, &node_query(), json!({"nodeId": ours})).await;
    assert_eq!(answer.data()["node"]["summary"], "Their copy of abc123");
}

#[tokio::test]
async fn malformed_node_ids_are_bad_user_input_on_their_path() {
    let app = spawn_app().await;
    examples_with_a_note(&app).await;
    let [good, ..] = node_ids_as(&app, app.own(), "conv_abc123").await;
    let b64 = |text: &str| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
    };
    let malformed = [
        "conv_abc123".to_owned(),
        String::new(),
        "!!!".to_owned(),
        format!("{good}=="),
        b64("Workspace:ws_1"),
        b64("Conversation"),
        b64("Conversation:"),
        b64("conversation:conv_abc123"),
    ];
    for raw in &malformed {
        let answer = app.gql(&node_query(), json!({"nodeId": raw})).await;
        assert_error(&answer, "BAD_USER_INPUT", Some("nodeId"), raw);
        assert_eq!(answer.body["data"]["node"], Value::Null, "{raw}");

        let ids = [good.as_str(), good.as_str(), good.as_str(), raw.as_str()];
        let answer = app.gql(&nodes_query(), json!({"nodeIds": ids})).await;
        assert_refused(&answer, "BAD_USER_INPUT", Some("nodeIds[3]"), raw);
    }
    let literal = app.gql("{ node(nodeId: \"conv_abc123\") { nodeId } }", json!({})).await;
    assert_error(&literal, "BAD_USER_INPUT", Some("nodeId"), "written in the document");
}

#[tokio::test]
async fn nodes_answers_in_the_order_asked_with_null_for_unknown_ones() {
    let app = spawn_app().await;
    examples_with_a_note(&app).await;
    let [conversation, customer, user, note] = node_ids_as(&app, app.own(), "conv_abc123").await;
    let def456 = inbox_gateway::domain::NodeKind::Conversation.node_id("conv_def456");
    let unknown = inbox_gateway::domain::NodeKind::Note.node_id("note_nope");
    let asked = [&note, &unknown, &def456, &customer, &conversation, &user, &note, &unknown];
    let answer = app.gql(&nodes_query(), json!({"nodeIds": asked})).await;
    let found = answer.data()["nodes"].as_array().unwrap().clone();
    let described: Vec<Value> = found.iter().map(|n| json!([n["__typename"], n["id"]])).collect();
    assert_eq!(
        described,
        [
            json!(["Note", "note_gate"]),
            json!([null, null]),
            json!(["Conversation", "conv_def456"]),
            json!(["Customer", "cust_456"]),
            json!(["Conversation", "conv_abc123"]),
            json!(["User", "user_789"]),
            json!(["Note", "note_gate"]),
            json!([null, null]),
        ]
    );
    assert_eq!(found[1], Value::Null);
    let empty = app.gql(&nodes_query(), json!({"nodeIds": []})).await;
    assert_eq!(empty.data()["nodes"], json!([]));
}

#[tokio::test]
async fn nodes_takes_at_most_100_ids() {
    let app = spawn_app().await;
    examples_with_a_note(&app).await;
    let [conversation, ..] = node_ids_as(&app, app.own(), "conv_abc123").await;
    let hundred = vec![conversation.clone(); 100];
    let answer = app.gql("query($ids: [ID!]!) { nodes(nodeIds: $ids) { nodeId } }", json!({"ids": hundred})).await;
    assert_eq!(answer.data()["nodes"].as_array().unwrap().len(), 100);
    for n in [101, 1_000] {
        let before = app.store.statements_sent();
        let ids = vec![conversation.clone(); n];
        let answer = app.gql("query($ids: [ID!]!) { nodes(nodeIds: $ids) { nodeId } }", json!({"ids": ids})).await;
        assert_refused(&answer, "BAD_USER_INPUT", Some("nodeIds"), &format!("{n} ids"));
        assert_eq!(app.store.statements_sent() - before, 1, "only the key lookup ran");
    }
}

/// Sends `query` and returns its answer and the SQL statements it cost (the key lookup included).
async fn costing(app: &TestApp, query: &str, variables: Value) -> (Value, u64) {
    let before = app.store.statements_sent();
    let answer = app.gql(query, variables).await;
    let data = answer.data().clone();
    (data, app.store.statements_sent() - before)
}

#[tokio::test]
async fn nodes_costs_one_query_per_type_however_many_ids() {
    let app = spawn_app().await;
    inbox_of_120(&app).await;
    let listed =
        app.gql(&format!("{{ conversations(limit: 100) {{ conversations {{ {IDS_OF} }} }} }}"), json!({})).await;
    let rows = listed.data()["conversations"]["conversations"].as_array().unwrap().clone();
    let of = |pick: &dyn Fn(&Value) -> &Value| -> Vec<String> {
        rows.iter().filter_map(|r| pick(r).as_str().map(str::to_owned)).collect()
    };
    let conversations = of(&|r| &r["nodeId"]);
    let customers = of(&|r| &r["customer"]["nodeId"]);
    let users = of(&|r| &r["assignee"]["nodeId"]);
    let notes = of(&|r| &r["notes"][0]["nodeId"]);
    let query = format!(
        "query($ids: [ID!]!) {{ nodes(nodeIds: $ids) {{ nodeId
           ... on Conversation {{ {ALL_FIELDS} }} ... on Customer {{ name }} ... on User {{ name }} ... on Note {{ content }} }} }}"
    );

    let (one, sent_for_one) = costing(&app, &query, json!({"ids": &conversations[1..2]})).await;
    assert_eq!(one["nodes"][0]["assignee"]["name"], "Tech");
    let (hundred, sent_for_hundred) = costing(&app, &query, json!({"ids": conversations})).await;
    let found = hundred["nodes"].as_array().unwrap();
    assert_eq!(found.len(), 100);
    assert!(found.iter().all(|n| n["notes"][0]["content"] == "gate code 4411" && n["tags"][0] == "hvac"));
    assert_eq!(sent_for_one, sent_for_hundred, "1 conversation vs 100");
    assert_eq!(sent_for_hundred, 7, "key, conversations, customers, users, tags, notes, activity");

    let mixed: Vec<&String> =
        conversations[..25].iter().chain(&customers[..25]).chain(&users[..25]).chain(&notes[..25]).collect();
    let (answer, sent) = costing(&app, &query, json!({"ids": mixed})).await;
    let types: Vec<&str> = answer["nodes"].as_array().unwrap().iter().map(|n| n["nodeId"].as_str().unwrap()).collect();
    assert_eq!(types, mixed.iter().map(|s| s.as_str()).collect::<Vec<_>>(), "in the order asked");
    // The customers and users asked for are those of the conversations asked for: their
    // fields find them in the request's cache.
    assert_eq!(sent, 8, "key, one per type, then the conversations' tags, notes and activity");
}

#[tokio::test]
async fn nodes_counts_each_id_against_the_complexity_limit() {
    let app = spawn_app().await;
    inbox_of_120(&app).await;
    let listed = app.gql("{ conversations(limit: 100) { conversations { nodeId } } }", json!({})).await;
    let ids: Vec<Value> = listed.data()["conversations"]["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["nodeId"].clone())
        .collect();
    let one = format!("a: nodes(nodeIds: $ids) {{ ... on Conversation {{ {ALL_FIELDS} }} }}");
    let query = |body: &str| format!("query($ids: [ID!]!) {{ {body} }}");
    let answer = app.gql(&query(&one), json!({"ids": ids})).await;
    assert_eq!(answer.data()["a"].as_array().unwrap().len(), 100, "one rich call of 100 passes");
    let twice = format!("{one} {}", one.replacen("a:", "b:", 1));
    let before = app.store.statements_sent();
    let answer = app.gql(&query(&twice), json!({"ids": ids})).await;
    assert_refused(&answer, "GRAPHQL_VALIDATION_FAILED", None, "two rich calls of 100");
    assert!(answer.body["errors"][0]["message"].as_str().unwrap().contains("complexity"), "{}", answer.body);
    assert_eq!(app.store.statements_sent() - before, 1, "refused before any SQL but the key lookup");
    let answer = app.gql(&query(&twice), json!({"ids": &ids[..10]})).await;
    assert_eq!(answer.data()["b"].as_array().unwrap().len(), 10, "two calls of 10 pass");
}

const CONNECTION: &str = "query($filter: ConversationFilter, $sort: ConversationSort, $first: Int, $after: String) {
    conversationsConnection(filter: $filter, sort: $sort, first: $first, after: $after) {
      edges { cursor node { id } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      totalCount } }";

const LIST: &str = "query($filter: ConversationFilter, $sort: ConversationSort, $limit: Int, $after: String) {
    conversations(filter: $filter, sort: $sort, limit: $limit, after: $after) {
      conversations { id } pagination { total nextCursor } } }";

/// Walks the connection by `after`, checking each page's `pageInfo`; the ids in order,
/// and the `totalCount` every page gave.
async fn walk_connection(app: &TestApp, filter: &Value, sort: &str, first: usize) -> (Vec<String>, i64) {
    let mut ids = Vec::new();
    let mut after = Value::Null;
    let mut total = None;
    loop {
        let vars = json!({"filter": filter, "sort": sort, "first": first, "after": after});
        let answer = app.gql(CONNECTION, vars).await;
        let page = &answer.data()["conversationsConnection"];
        let edges = page["edges"].as_array().unwrap();
        let info = &page["pageInfo"];
        let context = format!("{filter} {sort} after {after}");
        assert_eq!(info["hasPreviousPage"], json!(!after.is_null()), "{context}");
        assert_eq!(info["startCursor"], edges.first().map_or(Value::Null, |e| e["cursor"].clone()), "{context}");
        assert_eq!(info["endCursor"], edges.last().map_or(Value::Null, |e| e["cursor"].clone()), "{context}");
        let has_next = info["hasNextPage"].as_bool().unwrap();
        assert!(edges.len() == first || (!has_next && edges.len() < first + 1), "{context}: {} edges", edges.len());
        let count = page["totalCount"].as_i64().unwrap();
        assert_eq!(*total.get_or_insert(count), count, "{context}: totalCount on every page");
        ids.extend(edges.iter().map(|e| e["node"]["id"].as_str().unwrap().to_owned()));
        if !has_next {
            return (ids, count);
        }
        after = info["endCursor"].clone();
    }
}

/// Walks the `conversations` list by `nextCursor`: the ids in order, and its total.
async fn walk_list(app: &TestApp, filter: &Value, sort: &str) -> (Vec<String>, i64) {
    let mut ids = Vec::new();
    let mut after = Value::Null;
    loop {
        let answer = app.gql(LIST, json!({"filter": filter, "sort": sort, "limit": 100, "after": after})).await;
        let list = &answer.data()["conversations"];
        ids.extend(ids_of(&list["conversations"]));
        after = list["pagination"]["nextCursor"].clone();
        if after.is_null() {
            return (ids, list["pagination"]["total"].as_i64().unwrap());
        }
    }
}

async fn demo_inbox(app: &TestApp) {
    let workspace = inbox_gateway::domain::WorkspaceId::new_unchecked(app.workspace.clone());
    app.store.import(&workspace, &inbox_gateway::seed::demo::demo_conversations()).await.expect("the demo imports");
}

const SORTS: [&str; 5] = ["LAST_ACTIVITY_DESC", "LAST_ACTIVITY_ASC", "CREATED_DESC", "CREATED_ASC", "PRIORITY_DESC"];

#[tokio::test]
async fn the_connection_walks_the_same_list_as_conversations_in_every_sort() {
    let app = spawn_app().await;
    demo_inbox(&app).await;
    let filters = [
        json!({}),
        json!({"status": "OPEN", "channels": ["VOICE", "SMS"]}),
        json!({"search": "water"}),
        json!({"tags": ["emergency"], "priority": "URGENT"}),
        json!({"status": "RESOLVED", "dateFrom": "2024-01-01"}),
    ];
    for filter in &filters {
        for sort in SORTS {
            let (expected, total) = walk_list(&app, filter, sort).await;
            let (ids, count) = walk_connection(&app, filter, sort, 45).await;
            assert_eq!(ids, expected, "{filter} {sort}");
            assert_eq!(count, total, "{filter} {sort}: totalCount is pagination.total");
            assert_eq!(usize::try_from(total).unwrap(), ids.len(), "{filter} {sort}");
        }
    }
    let (all, total) = walk_list(&app, &json!({}), "LAST_ACTIVITY_DESC").await;
    assert!(total >= 400, "the demo's conversations: {total}");
    let (ids, _) = walk_connection(&app, &json!({}), "LAST_ACTIVITY_DESC", 100).await;
    assert_eq!(ids, all, "pages of 100");
}

#[tokio::test]
async fn after_takes_any_edges_cursor_and_a_next_cursor_alike() {
    let app = spawn_app().await;
    demo_inbox(&app).await;
    let filter = json!({"status": "OPEN"});
    let (all, _) = walk_list(&app, &filter, "PRIORITY_DESC").await;
    let first = app.gql(CONNECTION, json!({"filter": filter, "sort": "PRIORITY_DESC", "first": 30})).await;
    let edges = first.data()["conversationsConnection"]["edges"].as_array().unwrap().clone();
    let middle = edges[9]["cursor"].clone();
    let next =
        app.gql(CONNECTION, json!({"filter": filter, "sort": "PRIORITY_DESC", "first": 5, "after": middle})).await;
    let ids: Vec<String> = next.data()["conversationsConnection"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, all[10..15], "the five after the tenth edge");

    // An edge's cursor is the list's nextCursor for the same row, and each takes the other's.
    let list = app.gql(LIST, json!({"filter": filter, "sort": "PRIORITY_DESC", "limit": 30})).await;
    let next_cursor = list.data()["conversations"]["pagination"]["nextCursor"].clone();
    assert_eq!(next_cursor, edges[29]["cursor"]);
    let by_list = app.gql(LIST, json!({"filter": filter, "sort": "PRIORITY_DESC", "limit": 5, "after": middle})).await;
    assert_eq!(ids_of(&by_list.data()["conversations"]["conversations"]), all[10..15]);
}

#[tokio::test]
async fn first_and_after_are_checked_as_limit_and_after_are() {
    let app = spawn_app().await;
    demo_inbox(&app).await;
    let open = json!({"status": "OPEN"});
    for first in [0, 101, -1, 1_000_000] {
        let before = app.store.statements_sent();
        let answer = app.gql(CONNECTION, json!({"first": first})).await;
        assert_refused(&answer, "BAD_USER_INPUT", Some("first"), &format!("first {first}"));
        assert!(answer.body["errors"][0]["message"].as_str().unwrap().starts_with("first must be"), "{}", answer.body);
        assert_eq!(app.store.statements_sent() - before, 1, "only the key lookup ran");
    }
    for first in [1, 100] {
        let answer = app.gql(CONNECTION, json!({"first": first})).await;
        let edges = answer.data()["conversationsConnection"]["edges"].as_array().unwrap().len();
        assert_eq!(edges, usize::try_from(first).unwrap(), "never clamped");
    }
    let defaulted = app.gql(CONNECTION, json!({"first": null})).await;
    assert_eq!(defaulted.data()["conversationsConnection"]["edges"].as_array().unwrap().len(), 20, "first: null is 20");
    let page = app.gql(CONNECTION, json!({"filter": open, "first": 3})).await;
    let cursor = page.data()["conversationsConnection"]["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
    let cases = [
        json!({"filter": open, "after": "not-a-cursor"}),
        json!({"filter": open, "after": ""}),
        json!({"filter": open, "after": format!("{}x", &cursor[..cursor.len() - 1])}),
        json!({"filter": {"status": "PENDING"}, "after": cursor}),
        json!({"filter": open, "sort": "CREATED_DESC", "after": cursor}),
        json!({"filter": open, "sort": "PRIORITY_DESC", "after": cursor}),
    ];
    for vars in cases {
        let answer = app.gql(CONNECTION, vars.clone()).await;
        assert_refused(&answer, "BAD_USER_INPUT", Some("after"), &vars.to_string());
    }
}

#[tokio::test]
async fn page_info_of_first_middle_last_and_empty_pages() {
    let app = spawn_app().await;
    inbox_of_120(&app).await;
    let page = |first: i64, after: Value, filter: Value| {
        let app = &app;
        async move {
            let answer = app.gql(CONNECTION, json!({"first": first, "after": after, "filter": filter})).await;
            answer.data()["conversationsConnection"].clone()
        }
    };
    let first = page(50, Value::Null, json!({})).await;
    let info = &first["pageInfo"];
    assert_eq!((info["hasNextPage"].clone(), info["hasPreviousPage"].clone()), (json!(true), json!(false)));
    assert_eq!(info["startCursor"], first["edges"][0]["cursor"]);
    assert_eq!(info["endCursor"], first["edges"][49]["cursor"]);
    let middle = page(50, info["endCursor"].clone(), json!({})).await;
    assert_eq!(middle["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(middle["pageInfo"]["hasNextPage"], true);
    let last = page(50, middle["pageInfo"]["endCursor"].clone(), json!({})).await;
    assert_eq!(last["edges"].as_array().unwrap().len(), 20);
    assert_eq!(last["pageInfo"]["hasNextPage"], false);
    assert_eq!(last["pageInfo"]["endCursor"], last["edges"][19]["cursor"], "the last page has an end cursor too");
    let half = page(60, Value::Null, json!({})).await;
    let exact = page(60, half["pageInfo"]["endCursor"].clone(), json!({})).await;
    assert_eq!(exact["edges"].as_array().unwrap().len(), 60);
    assert_eq!(exact["pageInfo"]["hasNextPage"], false, "no conversation follows");
    assert_eq!(exact["totalCount"], 120);

    let past_the_end = page(10, last["pageInfo"]["endCursor"].clone(), json!({})).await;
    assert_eq!(
        past_the_end,
        json!({"edges": [], "totalCount": 120,
               "pageInfo": {"hasNextPage": false, "hasPreviousPage": true, "startCursor": null, "endCursor": null}})
    );
    let empty = page(10, Value::Null, json!({"status": "PENDING"})).await;
    assert_eq!(
        empty,
        json!({"edges": [], "totalCount": 0,
               "pageInfo": {"hasNextPage": false, "hasPreviousPage": false, "startCursor": null, "endCursor": null}})
    );
}

#[tokio::test]
async fn total_count_is_counted_only_when_selected_and_a_page_costs_what_the_list_costs() {
    let app = spawn_app().await;
    inbox_of_120(&app).await;
    let connection = |fields: &str| {
        format!("{{ conversationsConnection(first: 100) {{ edges {{ cursor node {{ {fields} }} }} pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }} }}")
    };
    let list = |fields: &str| {
        format!(
            "{{ conversations(limit: 100) {{ conversations {{ {fields} }} pagination {{ hasMore nextCursor }} }} }}"
        )
    };

    let (_, page_alone) = costing(&app, &connection("id"), json!({})).await;
    assert_eq!(page_alone, 2, "the key lookup and the page: no count");
    let (_, list_alone) = costing(&app, &list("id"), json!({})).await;
    assert_eq!(page_alone, list_alone);

    let counted = connection("id").replace("pageInfo", "totalCount pageInfo");
    let (data, page_counted) = costing(&app, &counted, json!({})).await;
    assert_eq!(data["conversationsConnection"]["totalCount"], 120);
    let (_, list_counted) = costing(&app, &list("id").replace("hasMore", "total hasMore"), json!({})).await;
    assert_eq!(page_counted, 3, "the key lookup, the page and the count");
    assert_eq!(page_counted, list_counted);

    let (rich, rich_page) =
        costing(&app, &counted.replace("node { id }", &format!("node {{ nodeId {ALL_FIELDS} }}")), json!({})).await;
    let edges = rich["conversationsConnection"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 100);
    assert!(edges
        .iter()
        .all(|e| e["node"]["customer"]["name"].is_string() && e["node"]["notes"][0]["content"].is_string()));
    let rich_list = list(ALL_FIELDS).replace("hasMore", "total limit offset hasMore");
    let (_, rich_list_sent) = costing(&app, &rich_list, json!({})).await;
    assert_eq!(rich_page, rich_list_sent, "a connection page of 100 with every field vs the list's");
    assert_eq!(rich_page, 5, "key, page with customers, users and tags, total, notes, activity");
}

#[tokio::test]
async fn the_connection_is_counted_against_the_limits_as_the_list_is() {
    let app = spawn_app().await;
    inbox_of_120(&app).await;
    let rich = |alias: &str, filter: &str| {
        format!(
            "{alias}: conversationsConnection(first: 100{filter}) {{ edges {{ cursor node {{ nodeId {ALL_FIELDS} }} }}
               pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} totalCount }}"
        )
    };
    let search = ", filter: {search: \"gate\"}";
    let answer = app.gql(&format!("{{ {} }}", rich("a", search)), json!({})).await;
    assert_eq!(answer.data()["a"]["totalCount"], 120, "the richest page of 100, searched and counted, passes");
    let before = app.store.statements_sent();
    let answer = app.gql(&format!("{{ {} {} }}", rich("a", ""), rich("b", "")), json!({})).await;
    assert_refused(&answer, "GRAPHQL_VALIDATION_FAILED", None, "two of them");
    let searches: Vec<String> =
        (0..17).map(|i| format!("s{i}: conversationsConnection(first: 1{search}) {{ edges {{ cursor }} }}")).collect();
    let answer = app.gql(&format!("{{ {} }}", searches.join(" ")), json!({})).await;
    assert_refused(&answer, "GRAPHQL_VALIDATION_FAILED", None, "17 aliased searches");
    assert!(answer.body["errors"][0]["message"].as_str().unwrap().contains("complexity"), "{}", answer.body);
    assert_eq!(app.store.statements_sent() - before, 2, "only the key lookups ran");
}
