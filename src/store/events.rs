//! The activity table as the log live updates read. A write appends its events just
//! before it commits ([`append`]): their positions come from the workspace's counter in
//! `event_heads`, whose row stays locked until the commit, so that the positions of one
//! workspace increase in commit order (ids and `seq` are drawn earlier, and two
//! PostgreSQL transactions can commit out of their order). A reader that has seen
//! position `p` has seen every committed event before it. Each event keeps what a
//! subscription's filter reads of its conversation before and after the change, and the
//! conversation as the change left it. On PostgreSQL the commit also wakes the other
//! gateways (`NOTIFY`, delivered only if the transaction commits).

use std::collections::HashMap;

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tracing::instrument;

use super::chunked::insert_chunked;
use super::entity::{activity_event, event_head};
use super::{convert, search_index, Store, INSERT_CHUNK};
use crate::domain::{
    new_id, ActivityEvent, ActivityKind, Conversation, FilterFacts, SearchText, Timestamp, WorkspaceId,
};
use crate::error::AppError;

/// The PostgreSQL channel a commit with events notifies, its payload the workspace id.
pub const CHANNEL: &str = "inbox_events";

/// An event a write records.
pub struct NewEvent {
    pub conversation_id: String,
    pub kind: ActivityKind,
    pub at: Timestamp,
    pub details: Value,
    /// What the filter read before the change; `None` for a conversation it created.
    pub before: Option<FilterFacts>,
    /// The conversation as the change left it, and its tags.
    pub after: Conversation,
    pub after_tags: Vec<String>,
}

/// An event as the log holds it.
#[derive(Debug, Clone)]
pub struct LoggedEvent {
    /// Its place in its workspace's commit order.
    pub position: i64,
    pub event: ActivityEvent,
    /// The conversation as the change left it.
    pub conversation: Conversation,
    pub tags: Vec<String>,
    pub before: Option<FilterFacts>,
}

impl LoggedEvent {
    /// What the filter reads after the change.
    pub fn after(&self) -> FilterFacts {
        FilterFacts::of(&self.conversation, &self.tags)
    }
}

/// Appends the events of a write in its transaction, at the next positions of its
/// workspace; the counter's row stays locked until the transaction ends. Call it last
/// before the commit: every write to the workspace waits for that lock, so it is held
/// for as little as can be, on PostgreSQL one statement and the commit.
pub(super) async fn append(
    txn: &DatabaseTransaction,
    workspace: &WorkspaceId,
    events: Vec<NewEvent>,
) -> Result<(), AppError> {
    if events.is_empty() {
        return Ok(());
    }
    let backend = txn.get_database_backend();
    let rows = events.into_iter().map(EventRow::of).collect::<Result<Vec<_>, _>>()?;
    if backend == DatabaseBackend::Postgres {
        // Sent before the counter is taken; delivered only if the transaction commits.
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), workspace.as_str().into()],
        ))
        .await?;
        if rows.len() <= INSERT_CHUNK {
            return append_in_one_statement(txn, workspace, rows).await;
        }
    }
    let n = i64::try_from(rows.len()).map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
    let sql = match backend {
        DatabaseBackend::Postgres => {
            r#"INSERT INTO "event_heads" ("workspace_id", "position") VALUES ($1, $2)
               ON CONFLICT ("workspace_id") DO UPDATE SET "position" = "event_heads"."position" + EXCLUDED."position"
               RETURNING "position""#
        }
        _ => {
            r#"INSERT INTO "event_heads" ("workspace_id", "position") VALUES (?, ?)
               ON CONFLICT ("workspace_id") DO UPDATE SET "position" = "event_heads"."position" + excluded."position"
               RETURNING "position""#
        }
    };
    let head = txn
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [workspace.as_str().into(), n.into()]))
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the event counter returned no row")))?
        .try_get_by_index::<i64>(0)?;
    let first = head - n + 1;
    let models = rows
        .into_iter()
        .zip(first..)
        .map(|(row, position)| activity_event::ActiveModel {
            workspace_id: Set(workspace.as_str().to_owned()),
            conversation_id: Set(row.conversation_id),
            id: Set(row.id),
            kind: Set(row.kind),
            at: Set(row.at),
            details: Set(row.details),
            position: Set(Some(position)),
            snapshot: Set(Some(row.snapshot)),
            ..Default::default()
        })
        .collect();
    insert_chunked(txn, models, None).await?;
    Ok(())
}

/// PostgreSQL: takes the positions and inserts the events in one statement.
async fn append_in_one_statement(
    txn: &DatabaseTransaction,
    workspace: &WorkspaceId,
    rows: Vec<EventRow>,
) -> Result<(), AppError> {
    let n = i64::try_from(rows.len()).map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
    let mut values: Vec<sea_orm::Value> = vec![workspace.as_str().into(), n.into()];
    let mut tuples = Vec::with_capacity(rows.len());
    for (ord, row) in (1_i64..).zip(rows) {
        let p = values.len();
        tuples.push(format!(
            "(${}::text, ${}::text, ${}::text, ${}::bigint, ${}::text, ${}::bigint, ${}::text)",
            p + 1,
            p + 2,
            p + 3,
            p + 4,
            p + 5,
            p + 6,
            p + 7
        ));
        values.extend([
            row.conversation_id.into(),
            row.id.into(),
            row.kind.into(),
            row.at.into(),
            row.details.into(),
            ord.into(),
            row.snapshot.into(),
        ]);
    }
    let sql = format!(
        r#"WITH "head" AS (
             INSERT INTO "event_heads" ("workspace_id", "position") VALUES ($1, $2)
             ON CONFLICT ("workspace_id") DO UPDATE SET "position" = "event_heads"."position" + EXCLUDED."position"
             RETURNING "position")
           INSERT INTO "activity_events"
             ("workspace_id", "conversation_id", "id", "kind", "at", "details", "position", "snapshot")
           SELECT $1, "e"."conversation_id", "e"."id", "e"."kind", "e"."at", "e"."details",
                  "head"."position" - $2 + "e"."ord", "e"."snapshot"
           FROM "head", (VALUES {}) AS "e"("conversation_id", "id", "kind", "at", "details", "ord", "snapshot")"#,
        tuples.join(", ")
    );
    txn.execute_raw(Statement::from_sql_and_values(DatabaseBackend::Postgres, sql, values)).await?;
    Ok(())
}

/// An event as its row stores it, but its position.
struct EventRow {
    conversation_id: String,
    id: String,
    kind: String,
    at: i64,
    details: String,
    snapshot: String,
}

impl EventRow {
    fn of(event: NewEvent) -> Result<Self, AppError> {
        let state =
            State { before: event.before.as_ref().map(Facts::of), after: Snapshot::of(&event.after, event.after_tags) };
        let snapshot = serde_json::to_string(&state).map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
        Ok(Self {
            conversation_id: event.conversation_id,
            id: new_id("evt"),
            kind: event.kind.as_str().to_owned(),
            at: event.at,
            details: event.details.to_string(),
            snapshot,
        })
    }
}

impl Store {
    /// The position of the workspace's last committed event (0 when it has none).
    #[instrument(name = "db.events.head", skip_all, err(level = "debug"))]
    pub async fn event_head(&self, workspace: &WorkspaceId) -> Result<i64, AppError> {
        let last = activity_event::Entity::find()
            .select_only()
            .column(activity_event::Column::Position)
            .filter(activity_event::Column::WorkspaceId.eq(workspace.as_str()))
            .filter(activity_event::Column::Position.is_not_null())
            .order_by_desc(activity_event::Column::Position)
            .limit(1)
            .into_tuple::<Option<i64>>()
            .one(self.db())
            .await
            .map_err(|e| self.observe(e))?;
        Ok(last.flatten().unwrap_or(0))
    }

    /// The positions the workspaces' counters stand at, as committed (a workspace without
    /// events is absent): one query, however many workspaces.
    #[instrument(name = "db.events.heads", skip_all, err(level = "debug"))]
    pub async fn event_heads(&self, workspaces: &[WorkspaceId]) -> Result<HashMap<String, i64>, AppError> {
        let mut heads = HashMap::with_capacity(workspaces.len());
        for chunk in workspaces.chunks(INSERT_CHUNK) {
            let ids = chunk.iter().map(WorkspaceId::as_str);
            let rows: Vec<(String, i64)> = event_head::Entity::find()
                .filter(event_head::Column::WorkspaceId.is_in(ids))
                .into_tuple()
                .all(self.db())
                .await
                .map_err(|e| self.observe(e))?;
            heads.extend(rows);
        }
        Ok(heads)
    }

    /// The workspace's committed events after `after`, in commit order, at most `limit`.
    #[instrument(name = "db.events.after", skip_all, err(level = "debug"))]
    pub async fn events_after(
        &self,
        workspace: &WorkspaceId,
        after: i64,
        limit: u64,
    ) -> Result<Vec<LoggedEvent>, AppError> {
        let rows = activity_event::Entity::find()
            .filter(activity_event::Column::WorkspaceId.eq(workspace.as_str()))
            .filter(activity_event::Column::Position.gt(after))
            .order_by_asc(activity_event::Column::Position)
            .limit(limit)
            .all(self.db())
            .await
            .map_err(|e| self.observe(e))?;
        // Events written before the log kept snapshots show the conversation as it is now.
        let bare: Vec<String> =
            rows.iter().filter(|r| r.snapshot.is_none()).map(|r| r.conversation_id.clone()).collect();
        let mut now: HashMap<String, (Conversation, Vec<String>)> = HashMap::new();
        if !bare.is_empty() {
            let conversations = self.conversations_by_ids(workspace, &bare).await?;
            let mut tags = self.tags_by_conversations(workspace, &bare).await?;
            for (id, conversation) in conversations {
                let held = tags.remove(&id).unwrap_or_default();
                now.insert(id, (conversation, held));
            }
        }
        let mut events = Vec::with_capacity(rows.len());
        for mut row in rows {
            let position = row.position.unwrap_or(row.seq);
            let snapshot = row.snapshot.take();
            let event = convert::activity_event(row)?;
            let (conversation, tags, before) = match snapshot {
                Some(snapshot) => {
                    let state: State = serde_json::from_str(&snapshot).map_err(|e| {
                        AppError::internal(anyhow::anyhow!("event {} has a bad snapshot: {e}", event.id))
                    })?;
                    let before = state.before.map(Facts::into_facts).transpose()?;
                    let (conversation, tags) = state.after.into_conversation()?;
                    (conversation, tags, before)
                }
                None => match now.get(&event.conversation_id) {
                    Some((conversation, tags)) => (conversation.clone(), tags.clone(), None),
                    None => continue,
                },
            };
            events.push(LoggedEvent { position, event, conversation, tags, before });
        }
        Ok(events)
    }

    /// What a search reads of these conversations now, by id.
    #[instrument(name = "db.events.texts", skip_all, err(level = "debug"))]
    pub async fn search_texts(
        &self,
        workspace: &WorkspaceId,
        ids: &[String],
    ) -> Result<HashMap<String, SearchText>, AppError> {
        let mut texts = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(INSERT_CHUNK) {
            let stored = search_index::stored_texts(self.db(), workspace, chunk).await?;
            texts.extend(stored.into_iter().map(|(row, text)| (row.id, text)));
        }
        Ok(texts)
    }
}

/// What an event row's `snapshot` holds.
#[derive(Serialize, Deserialize)]
struct State {
    before: Option<Facts>,
    after: Snapshot,
}

#[derive(Serialize, Deserialize)]
struct Facts {
    status: String,
    channel: String,
    priority: String,
    assignee_id: Option<String>,
    customer_id: String,
    created_at: i64,
    tags: Vec<String>,
}

impl Facts {
    fn of(facts: &FilterFacts) -> Self {
        Self {
            status: facts.status.as_str().to_owned(),
            channel: facts.channel.as_str().to_owned(),
            priority: facts.priority.as_str().to_owned(),
            assignee_id: facts.assignee_id.clone(),
            customer_id: facts.customer_id.clone(),
            created_at: facts.created_at,
            tags: facts.tags.clone(),
        }
    }

    fn into_facts(self) -> Result<FilterFacts, AppError> {
        Ok(FilterFacts {
            status: stored(&self.status)?,
            channel: stored(&self.channel)?,
            priority: stored(&self.priority)?,
            assignee_id: self.assignee_id,
            customer_id: self.customer_id,
            created_at: self.created_at,
            tags: self.tags,
        })
    }
}

/// An enum value of a snapshot; one that does not parse is a corrupt store.
fn stored<T: std::str::FromStr>(value: &str) -> Result<T, AppError> {
    value.parse().map_err(|_| AppError::internal(anyhow::anyhow!("an event's snapshot has a bad value {value:?}")))
}

/// The conversation as a change left it.
#[derive(Serialize, Deserialize)]
struct Snapshot {
    id: String,
    channel: String,
    status: String,
    priority: String,
    customer_id: String,
    assignee_id: Option<String>,
    summary: Option<String>,
    messages_count: i32,
    unread_count: i32,
    metadata: Map<String, Value>,
    created_at: i64,
    last_activity_at: i64,
    resolved_at: Option<i64>,
    resolution_notes: Option<String>,
    tags: Vec<String>,
}

impl Snapshot {
    fn of(c: &Conversation, tags: Vec<String>) -> Self {
        Self {
            id: c.id.clone(),
            channel: c.channel.as_str().to_owned(),
            status: c.status.as_str().to_owned(),
            priority: c.priority.as_str().to_owned(),
            customer_id: c.customer_id.clone(),
            assignee_id: c.assignee_id.clone(),
            summary: c.summary.clone(),
            messages_count: c.messages_count,
            unread_count: c.unread_count,
            metadata: c.metadata.clone(),
            created_at: c.created_at,
            last_activity_at: c.last_activity_at,
            resolved_at: c.resolved_at,
            resolution_notes: c.resolution_notes.clone(),
            tags,
        }
    }

    fn into_conversation(self) -> Result<(Conversation, Vec<String>), AppError> {
        let conversation = Conversation {
            channel: stored(&self.channel)?,
            status: stored(&self.status)?,
            priority: stored(&self.priority)?,
            id: self.id,
            customer_id: self.customer_id,
            assignee_id: self.assignee_id,
            summary: self.summary,
            messages_count: self.messages_count,
            unread_count: self.unread_count,
            metadata: self.metadata,
            created_at: self.created_at,
            last_activity_at: self.last_activity_at,
            resolved_at: self.resolved_at,
            resolution_notes: self.resolution_notes,
        };
        Ok((conversation, self.tags))
    }
}
