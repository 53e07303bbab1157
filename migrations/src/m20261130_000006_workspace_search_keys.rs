//! Every search term starts with its workspace's key, so that a search reads its own
//! workspace's index entries only: `<key><word>`, and on PostgreSQL `<key>~w:<workspace>`,
//! `<key>~s:<status>`, `<key>~c:<channel>`. The key is the first 10 hex digits of the
//! SHA-256 of the workspace id (the gateway's `search_key`). Rewrites the documents that
//! exist: on PostgreSQL in one statement, with the GIN index rebuilt and analyzed afterwards; on SQLite
//! document by document, in `seq` order, then merges the FTS5 index.

use std::fmt::Write as _;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DatabaseBackend, Statement, Value};
use sha2::{Digest, Sha256};

#[derive(DeriveMigrationName)]
pub struct Migration;

const KEY_CHARS: usize = 10;
/// SQLite documents rewritten per statement.
const CHUNK: u64 = 500;

/// The workspace's search key; the gateway's `domain::search_key` must stay equal to it.
fn search_key(workspace_id: &str) -> String {
    let digest = Sha256::digest(workspace_id.as_bytes());
    digest.iter().take(KEY_CHARS / 2).fold(String::with_capacity(KEY_CHARS), |mut key, byte| {
        let _ = write!(key, "{byte:02x}");
        key
    })
}

const POSTGRES_KEY: &str = "substr(encode(sha256(convert_to(workspace_id, 'UTF8')), 'hex'), 1, 10)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                let keyed = format!(
                    "WITH keyed AS (SELECT seq, workspace_id, status, channel, {POSTGRES_KEY} AS key FROM conversations) \
                     UPDATE conversation_search s SET doc = array_to_tsvector( \
                         ARRAY(SELECT k.key || t.lexeme FROM unnest(tsvector_to_array(s.doc)) AS t(lexeme) \
                               WHERE left(t.lexeme, 1) <> '~') \
                         || ARRAY[k.key || '~w:' || k.workspace_id, k.key || '~s:' || k.status, k.key || '~c:' || k.channel]) \
                     FROM keyed k WHERE k.seq = s.seq"
                );
                rewrite_postgres(manager, &keyed).await
            }
            _ => rewrite_sqlite(manager, |workspace, term| format!("{}{term}", search_key(workspace))).await,
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let unkeyed = format!(
            "UPDATE conversation_search SET doc = array_to_tsvector( \
                 ARRAY(SELECT substr(t.lexeme, {}) FROM unnest(tsvector_to_array(doc)) AS t(lexeme)))",
            KEY_CHARS + 1
        );
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => rewrite_postgres(manager, &unkeyed).await,
            _ => rewrite_sqlite(manager, |_, term| term.get(KEY_CHARS..).unwrap_or_default().to_owned()).await,
        }
    }
}

/// Runs the rewrite without the GIN index, which is faster to build once than to update
/// for every document; then gives the planner the new terms' statistics.
async fn rewrite_postgres(manager: &SchemaManager<'_>, rewrite: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    db.execute_unprepared("DROP INDEX IF EXISTS conversation_search_doc").await?;
    db.execute_unprepared(rewrite).await?;
    db.execute_unprepared("CREATE INDEX conversation_search_doc ON conversation_search USING GIN (doc)").await?;
    db.execute_unprepared("ANALYZE conversation_search").await?;
    Ok(())
}

/// Rewrites each term of each SQLite document of a conversation: `rewrite(workspace, term)`.
async fn rewrite_sqlite(manager: &SchemaManager<'_>, rewrite: impl Fn(&str, &str) -> String) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = manager.get_database_backend();
    let mut after = i64::MIN;
    loop {
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT s.rowid AS seq, s.doc AS doc, c.workspace_id AS workspace_id \
                     FROM conversation_search s JOIN conversations c ON c.seq = s.rowid \
                     WHERE s.rowid > ? ORDER BY s.rowid LIMIT {CHUNK}"
                ),
                [after.into()],
            ))
            .await?;
        let Some(last) = rows.last() else { break };
        let last: i64 = last.try_get("", "seq")?;
        let mut values: Vec<Value> = Vec::with_capacity(rows.len() * 2);
        for row in &rows {
            let seq: i64 = row.try_get("", "seq")?;
            let doc: String = row.try_get("", "doc")?;
            let workspace: String = row.try_get("", "workspace_id")?;
            let terms: Vec<String> = doc.split_whitespace().map(|term| rewrite(&workspace, term)).collect();
            values.push(seq.into());
            values.push(terms.join(" ").into());
        }
        let seqs = vec!["?"; rows.len()].join(", ");
        let delete_values: Vec<Value> = values.iter().step_by(2).cloned().collect();
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            format!("DELETE FROM conversation_search WHERE rowid IN ({seqs})"),
            delete_values,
        ))
        .await?;
        let rows = vec!["(?, ?)"; rows.len()].join(", ");
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            format!("INSERT INTO conversation_search (rowid, doc) VALUES {rows}"),
            values,
        ))
        .await?;
        after = last;
    }
    db.execute_unprepared("INSERT INTO conversation_search (conversation_search) VALUES ('optimize')").await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_as_the_gateway_does() {
        assert_eq!(search_key("ws_demo"), "fe1142297f");
    }
}
