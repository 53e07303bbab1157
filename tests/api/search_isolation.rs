//! Workspaces' searches are kept apart in the index itself, not only in their results:
//! every term stored for a workspace starts with its search key, and so does every term
//! its searches look up, so a search reads none of another workspace's index entries and
//! its cost (and timing) does not depend on another workspace's data.

use std::collections::BTreeMap;

use inbox_gateway::domain::search_key;
use migration::MigratorTrait;
use sea_orm::{
    ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, Statement, TransactionTrait, Value as SqlValue,
};
use serde_json::{json, Value};

use crate::helpers::{conversation, ids_of, spawn_app, TestApp};

const SEARCH: &str = "query($search: String) {
    conversations(filter: {search: $search, status: OPEN, channels: [VOICE, SMS]}, sort: CREATED_ASC, limit: 100) {
      conversations { id } pagination { total } } }";

fn with_summary(id: &str, summary: &str) -> Value {
    conversation(id, json!({"summary": summary}))
}

/// A's few conversations, and B's many that share A's words and have their own.
fn small() -> Value {
    json!([with_summary("a_1", "Water heater leaking"), with_summary("a_2", "Thermostat blank")])
}

fn large() -> Value {
    (0..60).map(|i| with_summary(&format!("b_{i}"), &format!("Heater {i} heats; zebra pattern heatwave"))).collect()
}

/// (ids, total) of a search in a workspace.
async fn search_in(app: &TestApp, (key, workspace): (&str, &str), search: &str) -> (Vec<String>, i64) {
    let answer = app.gql_as(key, workspace, SEARCH, json!({"search": search})).await;
    let list = &answer.data()["conversations"];
    (ids_of(&list["conversations"]), list["pagination"]["total"].as_i64().expect("a total"))
}

async fn rows(db: &DatabaseConnection, sql: &str, values: Vec<SqlValue>) -> Vec<sea_orm::QueryResult> {
    let backend = db.get_database_backend();
    db.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await.expect("the query runs")
}

/// The terms the search index holds for a workspace's documents, as the index itself
/// splits them (on SQLite, the FTS5 vocabulary; on PostgreSQL, the documents' lexemes,
/// which are the GIN index's keys).
async fn stored_terms(db: &DatabaseConnection, workspace: &str) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            "SELECT DISTINCT t.lexeme AS term FROM conversation_search s JOIN conversations c ON c.seq = s.seq \
             CROSS JOIN unnest(tsvector_to_array(s.doc)) AS t(lexeme) WHERE c.workspace_id = $1 ORDER BY 1"
        }
        _ => {
            "SELECT DISTINCT v.term AS term FROM conversation_search_instances v JOIN conversations c ON c.seq = v.doc \
             WHERE c.workspace_id = ? ORDER BY 1"
        }
    };
    let found = rows(db, sql, vec![workspace.into()]).await;
    found.iter().map(|r| r.try_get::<String>("", "term").expect("a term")).collect()
}

/// Every term of the whole index that a lookup of `prefix` reaches, with the number of
/// documents (index entries) it holds.
async fn reachable(db: &DatabaseConnection, prefix: &str) -> BTreeMap<String, i64> {
    let sql = match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            "SELECT word AS term, ndoc::BIGINT AS n FROM ts_stat('SELECT doc FROM conversation_search') \
             WHERE starts_with(word, $1)"
        }
        _ => "SELECT term, doc AS n FROM conversation_search_rows WHERE substr(term, 1, length(?1)) = ?1",
    };
    let found = rows(db, sql, vec![prefix.into()]).await;
    found
        .iter()
        .map(|r| (r.try_get::<String>("", "term").expect("a term"), r.try_get::<i64>("", "n").expect("a count")))
        .collect()
}

/// The database of the app, with (on SQLite) views of the FTS5 index's vocabulary.
async fn index_of(app: &TestApp) -> DatabaseConnection {
    let db = Database::connect(&app.database_url).await.expect("the database");
    if db.get_database_backend() == DatabaseBackend::Sqlite {
        for sql in [
            "CREATE VIRTUAL TABLE IF NOT EXISTS conversation_search_instances USING fts5vocab(conversation_search, instance)",
            "CREATE VIRTUAL TABLE IF NOT EXISTS conversation_search_rows USING fts5vocab(conversation_search, row)",
        ] {
            db.execute_unprepared(sql).await.expect("an FTS5 vocabulary table");
        }
    }
    db
}

/// How many conversations the index lookup of a search answers with, before any
/// workspace filter: on SQLite the FTS5 match, on PostgreSQL the GIN bitmap scan's rows.
async fn index_lookup_rows(db: &DatabaseConnection, workspace: &str, word: &str) -> i64 {
    let key = search_key(workspace);
    match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            // A tiny table would be read whole, or walked through another index, whichever
            // its statistics of the moment favour; the point is what the GIN index gives,
            // and a bitmap scan is the only way to read it.
            let txn = db.begin().await.expect("a transaction");
            for setting in ["enable_seqscan", "enable_indexscan", "enable_indexonlyscan"] {
                txn.execute_unprepared(&format!("SET LOCAL {setting} = off")).await.expect("set");
            }
            let sql = format!(
                "EXPLAIN (ANALYZE, FORMAT JSON) SELECT seq FROM conversation_search WHERE doc @@ CAST('{key}{word}:*' AS tsquery)"
            );
            let plan = txn.query_one_raw(Statement::from_string(DatabaseBackend::Postgres, sql)).await;
            let plan: Value = plan.expect("EXPLAIN runs").expect("a plan").try_get("", "QUERY PLAN").expect("JSON");
            txn.rollback().await.expect("rollback");
            let scan = find_node(&plan[0]["Plan"], "Bitmap Index Scan").expect("the GIN index is used");
            scan["Actual Rows"].as_f64().expect("actual rows") as i64
        }
        _ => {
            let found = rows(
                db,
                "SELECT COUNT(*) AS n FROM conversation_search WHERE conversation_search MATCH ?",
                vec![format!("\"{key}{word}\"*").into()],
            )
            .await;
            found[0].try_get::<i64>("", "n").expect("a count")
        }
    }
}

fn find_node<'a>(node: &'a Value, kind: &str) -> Option<&'a Value> {
    if node["Node Type"] == kind {
        return Some(node);
    }
    node["Plans"].as_array()?.iter().find_map(|child| find_node(child, kind))
}

#[tokio::test]
async fn a_workspace_stores_and_reads_only_its_own_index_terms() {
    let app = spawn_app().await;
    let db = index_of(&app).await;
    let (a_ws, b_ws) = (app.workspace.clone(), app.other_workspace().await);
    let (a, b) = ((app.api_key.as_str(), a_ws.as_str()), (b_ws.1.as_str(), b_ws.0.as_str()));
    app.import_into(a.1, &small()).await;
    let (a_key, b_key) = (search_key(a.1), search_key(b.1));
    let heat_before = reachable(&db, &format!("{a_key}heat")).await;
    assert_eq!(heat_before.values().sum::<i64>(), 1, "A's own heater: {heat_before:?}");

    app.import_into(b.1, &large()).await;

    let (a_terms, b_terms) = (stored_terms(&db, a.1).await, stored_terms(&db, b.1).await);
    assert!(a_terms.contains(&format!("{a_key}heater")), "{a_terms:?}");
    assert!(a_terms.iter().all(|t| t.starts_with(&a_key)), "{a_terms:?}");
    assert!(b_terms.iter().all(|t| t.starts_with(&b_key)), "{b_terms:?}");
    for (mine, theirs) in [(&a_terms, &b_terms), (&b_terms, &a_terms)] {
        for term in mine {
            assert!(!theirs.iter().any(|t| t.starts_with(term.as_str())), "{term} prefixes another workspace's term");
        }
    }

    // What A's searches can reach in the index is what it was before B had any data.
    assert_eq!(reachable(&db, &format!("{a_key}heat")).await, heat_before);
    assert!(reachable(&db, &format!("{a_key}zebra")).await.is_empty());
    assert_eq!(index_lookup_rows(&db, a.1, "zebra").await, 0);
    assert_eq!(index_lookup_rows(&db, a.1, "heat").await, 1);
    assert_eq!(index_lookup_rows(&db, b.1, "zebra").await, 60);

    assert_eq!(search_in(&app, a, "zebra").await, (vec![], 0));
    assert_eq!(search_in(&app, a, "heat").await, (vec!["a_1".to_owned()], 1));
    assert_eq!(search_in(&app, b, "zebra heatw").await.1, 60);
    assert_eq!(search_in(&app, b, "thermostat").await, (vec![], 0));
}

#[tokio::test]
async fn notes_and_status_changes_keep_their_workspace_key() {
    let app = spawn_app().await;
    let db = index_of(&app).await;
    let (b_ws, b_key_header) = app.other_workspace().await;
    let b = (b_key_header.as_str(), b_ws.as_str());
    app.import(&small()).await;
    app.import_into(b.1, &large()).await;
    let note = app
        .gql(
            r#"mutation { addConversationNote(input: {conversationId: "a_1", content: "Zebra-striped pipe"}) { note { id } } }"#,
            json!({}),
        )
        .await;
    note.data();
    let status = app
        .gql(
            r#"mutation { updateConversationStatus(input: {conversationId: "a_2", status: PENDING}) { conversation { id } } }"#,
            json!({}),
        )
        .await;
    status.data();
    let a_key = search_key(&app.workspace);
    assert!(stored_terms(&db, &app.workspace).await.iter().all(|t| t.starts_with(&a_key)));
    assert_eq!(index_lookup_rows(&db, &app.workspace, "zebra").await, 1);
    assert_eq!(search_in(&app, app.own(), "zebra").await, (vec!["a_1".to_owned()], 1));
    assert_eq!(search_in(&app, b, "zebra").await.1, 60);
    let pending = "{ conversations(filter: {search: \"thermostat\", status: PENDING}) { pagination { total } } }";
    assert_eq!(app.gql(pending, json!({})).await.data()["conversations"]["pagination"]["total"], 1);
}

#[tokio::test]
async fn the_migration_keys_documents_written_before_it() {
    let app = spawn_app().await;
    let db = index_of(&app).await;
    let (b_ws, b_api_key) = app.other_workspace().await;
    app.import(&small()).await;
    app.import_into(&b_ws, &large()).await;
    let keyed = stored_terms(&db, &app.workspace).await;

    // Down through the keys' migration (the event log's came after it).
    migration::Migrator::down(&db, Some(2)).await.expect("the last migrations go down");
    let unkeyed = stored_terms(&db, &app.workspace).await;
    assert!(unkeyed.contains(&"heater".to_owned()), "documents as they were before keys: {unkeyed:?}");
    migration::Migrator::up(&db, None).await.expect("the migrations go up");

    assert_eq!(stored_terms(&db, &app.workspace).await, keyed);
    assert_eq!(index_lookup_rows(&db, &app.workspace, "zebra").await, 0);
    assert_eq!(search_in(&app, app.own(), "heat").await, (vec!["a_1".to_owned()], 1));
    assert_eq!(search_in(&app, (&b_api_key, &b_ws), "zebra").await.1, 60);
}
