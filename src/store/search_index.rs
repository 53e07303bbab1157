//! The search index. The gateway folds and splits text into words (contract section 5);
//! each conversation's words — of its summary, messages, notes, and its customer's name
//! and email — are stored as one document keyed by the conversation's `seq`:
//! a `tsvector` built without parser or dictionary on PostgreSQL, an FTS5 row with the
//! `ascii` tokenizer on SQLite. Every term starts with its workspace's search key
//! ([`search_key`]), and so does every term a search looks up: a query word matches by
//! prefix within its own workspace (`'<key>wat':*` / `"<key>wat"*`), and the index range
//! a search reads holds its own workspace's entries only. Customers' phone numbers are
//! indexed apart, as digit suffixes keyed by workspace. On PostgreSQL a document also
//! carries its conversation's workspace, status and channel as terms no query word can
//! match, so that a search's total is counted in the index alone.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder, Statement,
    Value,
};

use super::chunked::insert_chunked;
use super::entity::{conversation, customer, customer_phone_suffix, message, note};
use super::INSERT_CHUNK;
use crate::domain::{
    fold, phone_suffixes, prefix_upper_bound, search_key, words, Channel, Customer, SearchQuery, SearchText,
    StatusFilter, WorkspaceId,
};
use crate::error::AppError;

/// The distinct words of some texts.
pub fn words_of<'a>(texts: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    texts.into_iter().flat_map(|text| words(&fold(text)).collect::<Vec<_>>()).collect()
}

/// The texts of a customer that its conversations are found by.
pub fn customer_texts(customer: &Customer) -> impl Iterator<Item = &str> {
    [Some(customer.name.as_str()), customer.email.as_deref()].into_iter().flatten()
}

/// One conversation's search document: its words and, on PostgreSQL, its facets.
pub struct Document<'a> {
    pub seq: i64,
    pub words: &'a BTreeSet<String>,
    pub facets: Facets<'a>,
}

/// The conversation's workspace, whose key starts every term of the document, and what a
/// PostgreSQL document carries besides the words: its workspace, status and channel, as
/// terms that no query word can match (`<key>~w:<workspace>`, `<key>~s:<status>`,
/// `<key>~c:<channel>`: query words hold only letters and digits). A search's `total`
/// over those filters is then counted in the GIN index alone, without reading the
/// conversations; the workspace term keeps it exact even for two workspaces that share a
/// key.
#[derive(Debug, Clone, Copy)]
pub struct Facets<'a> {
    pub workspace: &'a str,
    pub status: &'a str,
    pub channel: &'a str,
}

const WORKSPACE_TERM: &str = "~w:";
const STATUS_TERM: &str = "~s:";
const CHANNEL_TERM: &str = "~c:";

/// One workspace's terms: its key, then the word or facet.
struct Terms(String);

impl Terms {
    fn of(workspace: &str) -> Self {
        Self(search_key(workspace))
    }

    fn term(&self, tail: &str) -> String {
        format!("{}{tail}", self.0)
    }

    fn facet(&self, kind: &str, value: &str) -> String {
        format!("{}{kind}{value}", self.0)
    }

    /// The words as one space-separated list of terms.
    fn join<'a>(&self, words: impl IntoIterator<Item = &'a String>) -> String {
        let mut joined = String::new();
        for word in words {
            if !joined.is_empty() {
                joined.push(' ');
            }
            joined.push_str(&self.0);
            joined.push_str(word);
        }
        joined
    }

    /// `'<key>w1':* & '<key>w2':*`. Words hold only letters and digits, so they need no
    /// escaping.
    fn tsquery(&self, words: &[String]) -> String {
        words.iter().map(|w| format!("'{}{w}':*", self.0)).collect::<Vec<_>>().join(" & ")
    }

    /// `"<key>w1"* AND "<key>w2"*`.
    fn fts5_query(&self, words: &[String]) -> String {
        words.iter().map(|w| format!("\"{}{w}\"*", self.0)).collect::<Vec<_>>().join(" AND ")
    }
}

/// Replaces the documents of these conversations (by `seq`).
pub async fn write_documents<C: ConnectionTrait>(db: &C, documents: &[Document<'_>]) -> Result<(), AppError> {
    let backend = db.get_database_backend();
    for chunk in documents.chunks(INSERT_CHUNK) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 5);
        for d in chunk {
            let terms = Terms::of(d.facets.workspace);
            values.push(d.seq.into());
            values.push(terms.join(d.words).into());
            if backend == DatabaseBackend::Postgres {
                values.push(terms.facet(WORKSPACE_TERM, d.facets.workspace).into());
                values.push(terms.facet(STATUS_TERM, d.facets.status).into());
                values.push(terms.facet(CHANNEL_TERM, d.facets.channel).into());
            }
        }
        let sql = match backend {
            DatabaseBackend::Postgres => {
                let rows = vec!["(?, ?, ?, ?, ?)"; chunk.len()].join(", ");
                let sql = format!(
                    "INSERT INTO conversation_search (seq, doc) \
                     SELECT v.seq, array_to_tsvector(string_to_array(v.words, ' ') || ARRAY[v.w, v.s, v.c]) \
                     FROM (VALUES {rows}) AS v(seq, words, w, s, c) ON CONFLICT (seq) DO UPDATE SET doc = EXCLUDED.doc"
                );
                statement(backend, &sql, values)
            }
            _ => {
                let seqs = vec!["?"; chunk.len()].join(", ");
                let delete_values: Vec<Value> = chunk.iter().map(|d| Value::from(d.seq)).collect();
                let delete = format!("DELETE FROM conversation_search WHERE rowid IN ({seqs})");
                db.execute_raw(statement(backend, &delete, delete_values)).await?;
                let rows = vec!["(?, ?)"; chunk.len()].join(", ");
                statement(backend, &format!("INSERT INTO conversation_search (rowid, doc) VALUES {rows}"), values)
            }
        };
        db.execute_raw(sql).await?;
    }
    Ok(())
}

/// Moves a conversation's document to its new status (PostgreSQL's facet terms; SQLite
/// documents hold words only).
pub async fn move_status<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    seq: i64,
    from: &str,
    to: &str,
) -> Result<(), AppError> {
    let backend = db.get_database_backend();
    if backend != DatabaseBackend::Postgres {
        return Ok(());
    }
    let sql = "UPDATE conversation_search SET doc = ts_delete(doc, CAST(? AS text)) || array_to_tsvector(ARRAY[CAST(? AS text)]) \
               WHERE seq = ?";
    let terms = Terms::of(workspace.as_str());
    let values = vec![terms.facet(STATUS_TERM, from).into(), terms.facet(STATUS_TERM, to).into(), seq.into()];
    db.execute_raw(statement(backend, sql, values)).await?;
    Ok(())
}

/// The total of a search on PostgreSQL counted in the index alone, as the count path
/// decided: the query's words, within the workspace, and the status and channels facets.
pub async fn count<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    search: &SearchQuery,
    status: StatusFilter,
    channels: &[Channel],
) -> Result<u64, AppError> {
    let backend = db.get_database_backend();
    let terms = Terms::of(workspace.as_str());
    let mut query = terms.tsquery(&search.words);
    let _ = write!(query, " & {}", quoted_term(&terms.facet(WORKSPACE_TERM, workspace.as_str())));
    if let StatusFilter::Only(status) = status {
        let _ = write!(query, " & {}", quoted_term(&terms.facet(STATUS_TERM, status.as_str())));
    }
    if !channels.is_empty() {
        let any: Vec<String> = channels.iter().map(|c| quoted_term(&terms.facet(CHANNEL_TERM, c.as_str()))).collect();
        let _ = write!(query, " & ({})", any.join(" | "));
    }
    let sql = "SELECT COUNT(*) AS n FROM conversation_search WHERE doc @@ CAST(? AS tsquery)";
    let row = db.query_one_raw(statement(backend, sql, vec![query.into()])).await?;
    let n: i64 = row.map(|r| r.try_get("", "n")).transpose()?.unwrap_or(0);
    Ok(u64::try_from(n).unwrap_or(0))
}

/// A lexeme as a tsquery operand: quoted, with `'` and `\` escaped.
fn quoted_term(term: &str) -> String {
    format!("'{}'", term.replace('\\', "\\\\").replace('\'', "''"))
}

/// Adds words to one conversation's document. PostgreSQL merges repeated lexemes itself;
/// on SQLite only the words the document lacks are appended, so it does not grow with
/// every note that repeats a word.
pub async fn append_words<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    seq: i64,
    words: &BTreeSet<String>,
) -> Result<(), AppError> {
    let backend = db.get_database_backend();
    let terms = Terms::of(workspace.as_str());
    let (sql, words) = match backend {
        DatabaseBackend::Postgres => (
            "UPDATE conversation_search SET doc = doc || array_to_tsvector(string_to_array(?, ' ')) WHERE seq = ?",
            terms.join(words),
        ),
        _ => {
            let held = db
                .query_one_raw(statement(
                    backend,
                    "SELECT doc FROM conversation_search WHERE rowid = ?",
                    vec![seq.into()],
                ))
                .await?
                .map(|row| row.try_get::<String>("", "doc"))
                .transpose()?
                .unwrap_or_default();
            let held: BTreeSet<&str> = held.split(' ').collect();
            let missing = words.iter().filter(|w| !held.contains(terms.term(w).as_str()));
            ("UPDATE conversation_search SET doc = doc || ' ' || ? WHERE rowid = ?", terms.join(missing))
        }
    };
    if words.is_empty() {
        return Ok(());
    }
    db.execute_raw(statement(backend, sql, vec![words.into(), seq.into()])).await?;
    Ok(())
}

/// Rebuilds the documents of these conversations from what the store holds (after a
/// customer's name changed, or a note moved away).
pub async fn reindex<C: ConnectionTrait>(db: &C, workspace: &WorkspaceId, ids: &[String]) -> Result<(), AppError> {
    let ws = workspace.as_str();
    for chunk in ids.chunks(INSERT_CHUNK) {
        let stored = stored_texts(db, workspace, chunk).await?;
        let documents: Vec<Document<'_>> = stored
            .iter()
            .map(|(c, text)| Document {
                seq: c.seq,
                words: &text.words,
                facets: Facets { workspace: ws, status: &c.status, channel: &c.channel },
            })
            .collect();
        write_documents(db, &documents).await?;
    }
    Ok(())
}

/// What a search reads of these conversations (at most [`INSERT_CHUNK`] of them), as
/// the store holds them: the words of their summary, messages, notes and customer's
/// name and email, and the customer's phone; with each conversation's row.
pub async fn stored_texts<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    ids: &[String],
) -> Result<Vec<(conversation::Model, SearchText)>, AppError> {
    let ws = workspace.as_str();
    let conversations = conversation::Entity::find()
        .filter(conversation::Column::WorkspaceId.eq(ws))
        .filter(conversation::Column::Id.is_in(ids))
        .all(db)
        .await?;
    let customer_ids: BTreeSet<&str> = conversations.iter().map(|c| c.customer_id.as_str()).collect();
    let customers: BTreeMap<String, customer::Model> = customer::Entity::find()
        .filter(customer::Column::WorkspaceId.eq(ws))
        .filter(customer::Column::Id.is_in(customer_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    let mut texts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for m in message::Entity::find()
        .filter(message::Column::WorkspaceId.eq(ws))
        .filter(message::Column::ConversationId.is_in(ids))
        .order_by_asc(message::Column::Seq)
        .all(db)
        .await?
    {
        texts.entry(m.conversation_id).or_default().push(m.body);
    }
    for n in note::Entity::find()
        .filter(note::Column::WorkspaceId.eq(ws))
        .filter(note::Column::ConversationId.is_in(ids))
        .all(db)
        .await?
    {
        texts.entry(n.conversation_id).or_default().push(n.content);
    }
    Ok(conversations
        .into_iter()
        .map(|c| {
            let customer = customers.get(&c.customer_id);
            let own = texts.get(&c.id).into_iter().flatten().map(String::as_str);
            let customer_text =
                customer.into_iter().flat_map(|k| [Some(k.name.as_str()), k.email.as_deref()]).flatten();
            let words = words_of(c.summary.as_deref().into_iter().chain(own).chain(customer_text));
            let text = SearchText { words, phone: customer.and_then(|k| k.phone.clone()) };
            (c, text)
        })
        .collect())
}

/// Replaces the phone suffixes of these customers.
pub async fn write_phone_suffixes<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    customers: &[&Customer],
) -> Result<(), AppError> {
    use customer_phone_suffix::Column as P;
    for chunk in customers.chunks(INSERT_CHUNK) {
        customer_phone_suffix::Entity::delete_many()
            .filter(P::WorkspaceId.eq(workspace.as_str()))
            .filter(P::CustomerId.is_in(chunk.iter().map(|c| c.id.as_str())))
            .exec(db)
            .await?;
    }
    let rows: Vec<_> = customers
        .iter()
        .flat_map(|c| {
            let suffixes: BTreeSet<String> =
                c.phone.as_deref().map(phone_suffixes).unwrap_or_default().into_iter().collect();
            suffixes.into_iter().map(|suffix| customer_phone_suffix::ActiveModel {
                workspace_id: Set(workspace.as_str().to_owned()),
                customer_id: Set(c.id.clone()),
                suffix: Set(suffix),
            })
        })
        .collect();
    insert_chunked(db, rows, None).await?;
    Ok(())
}

/// The search as a condition on `conversations`: the word rule OR the phone rule;
/// `None` when it matches every conversation.
///
/// Both rules give `seq`s, united in one subquery: a row-by-row `OR` of two subqueries
/// would keep the planner from using either index, and a phone fragment (a handful of
/// conversations) would then cost a walk over the whole workspace.
pub fn condition(backend: DatabaseBackend, ws: &str, search: &SearchQuery) -> Option<SimpleExpr> {
    if search.matches_every_text() {
        return None;
    }
    let postgres = backend == DatabaseBackend::Postgres;
    let by_words = if postgres {
        r#"SELECT "seq" FROM "conversation_search" WHERE "doc" @@ CAST($1 AS tsquery)"#
    } else {
        r#"SELECT "rowid" FROM "conversation_search" WHERE "conversation_search" MATCH ?"#
    };
    let terms = Terms::of(ws);
    let words = if postgres { terms.tsquery(&search.words) } else { terms.fts5_query(&search.words) };
    let Some(digits) = &search.phone_digits else {
        return Some(Expr::cust_with_values(format!(r#""conversations"."seq" IN ({by_words})"#), [words]));
    };
    let by_phone = if postgres {
        r#"SELECT "k"."seq" FROM "conversations" AS "k" WHERE "k"."workspace_id" = $2 AND "k"."customer_id" IN
           (SELECT "p"."customer_id" FROM "customer_phone_suffixes" AS "p"
            WHERE "p"."workspace_id" = $3 AND "p"."suffix" >= $4 AND "p"."suffix" < $5)"#
    } else {
        r#"SELECT "k"."seq" FROM "conversations" AS "k" WHERE "k"."workspace_id" = ? AND "k"."customer_id" IN
           (SELECT "p"."customer_id" FROM "customer_phone_suffixes" AS "p"
            WHERE "p"."workspace_id" = ? AND "p"."suffix" >= ? AND "p"."suffix" < ?)"#
    };
    Some(Expr::cust_with_values(
        format!(r#""conversations"."seq" IN ({by_words} UNION ALL {by_phone})"#),
        [words, ws.to_owned(), ws.to_owned(), digits.clone(), prefix_upper_bound(digits)],
    ))
}

/// A raw statement with `?` placeholders, numbered for PostgreSQL.
fn statement(backend: DatabaseBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DatabaseBackend::Postgres => {
            let mut numbered = String::with_capacity(sql.len() + 16);
            let mut n = 0;
            for ch in sql.chars() {
                if ch == '?' {
                    n += 1;
                    let _ = write!(numbered, "${n}");
                } else {
                    numbered.push(ch);
                }
            }
            numbered
        }
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_engine_queries_in_the_workspace_key() {
        let terms = Terms::of("ws_demo");
        let words = vec!["jose".to_owned(), "wat".to_owned()];
        assert_eq!(terms.tsquery(&words), "'fe1142297fjose':* & 'fe1142297fwat':*");
        assert_eq!(terms.fts5_query(&words), "\"fe1142297fjose\"* AND \"fe1142297fwat\"*");
        let stored: BTreeSet<String> = ["heat", "wat"].map(String::from).into();
        assert_eq!(terms.join(&stored), "fe1142297fheat fe1142297fwat");
        assert_eq!(terms.facet(STATUS_TERM, "open"), "fe1142297f~s:open");
    }

    #[test]
    fn numbers_placeholders_for_postgres() {
        let stmt = statement(DatabaseBackend::Postgres, "a = ? AND b = ?", vec![1.into(), 2.into()]);
        assert_eq!(stmt.sql, "a = $1 AND b = $2");
        let stmt = statement(DatabaseBackend::Sqlite, "a = ?", vec![1.into()]);
        assert_eq!(stmt.sql, "a = ?");
    }

    #[test]
    fn customer_texts_are_name_and_email() {
        let customer = Customer {
            id: "c".into(),
            name: "José Müller".into(),
            phone: Some("+1 (310) 555-1234".into()),
            email: Some("jose.m@example.com".into()),
            servicetitan_id: Some("999".into()),
        };
        let words = words_of(customer_texts(&customer));
        let expected: BTreeSet<String> = ["jose", "muller", "m", "example", "com"].map(String::from).into();
        assert_eq!(words, expected, "the ServiceTitan id and phone are not words");
    }
}
