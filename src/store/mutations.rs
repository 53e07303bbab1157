//! The conversation actions. Each is one transaction that locks the conversation first:
//!
//! - PostgreSQL: `SELECT … FOR UPDATE` on the conversation row, so concurrent actions on
//!   one conversation run one after the other and each sees the state the previous one
//!   committed (no lost tag, a true `from` in STATUS_CHANGED, the 50-tag limit held).
//!   Actions on different conversations do not wait for each other.
//! - SQLite: writers of this process queue in order for their turn, and `BEGIN
//!   IMMEDIATE` takes the database's write lock at the start (writers of other processes
//!   wait on the busy timeout), which gives the same one-after-the-other order.
//!
//! The clock is read after the lock is held, so events are stamped in the order they
//! really happened. Any error rolls the whole action back. The counts behind `total`
//! change in the same transaction.

use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{json, Value};
use tracing::instrument;

use super::counts::{Deltas, Group};
use super::entity::{conversation, conversation_tag, note, user};
use super::events::{self, NewEvent};
use super::search_index::{append_words, move_status, words_of};
use super::{convert, Store, WriteTransaction};
use crate::domain::{
    abbreviate, new_id, ActivityKind, Clock, Conversation, ConversationStatus, FilterFacts, Note, NoteContent,
    RuleError, StatusChange, StatusState, TagList, Timestamp, WorkspaceId,
};
use crate::error::AppError;

/// One locked conversation inside its transaction.
struct Locked {
    txn: DatabaseTransaction,
    /// This process's SQLite writer turn, held until the action ends.
    _queued: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// The row as the action leaves it.
    row: conversation::Model,
    /// The counts group the conversation was in when locked.
    group: Group,
    /// Its tags when locked, once read.
    tags: Option<Vec<String>>,
    /// Its tags as the action leaves them, when the action changed them.
    new_tags: Option<Vec<String>>,
    /// The row as it was when locked.
    before: conversation::Model,
    /// The events the action records, appended when it commits.
    events: Vec<(ActivityKind, Value)>,
    workspace: WorkspaceId,
    now: Timestamp,
    store: Store,
}

impl Store {
    /// Begins the write transaction and locks the conversation; `NOT_FOUND` when the
    /// workspace has no conversation with this id.
    async fn lock(&self, workspace: &WorkspaceId, id: &str, clock: &dyn Clock) -> Result<Locked, AppError> {
        let WriteTransaction { txn, queued } = self.begin_write().await?;
        let row = conversation::Entity::find()
            .filter(conversation::Column::WorkspaceId.eq(workspace.as_str()))
            .filter(conversation::Column::Id.eq(id))
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::conversation_not_found(id))?;
        Ok(Locked {
            txn,
            _queued: queued,
            group: Group::of_row(&row),
            tags: None,
            new_tags: None,
            before: row.clone(),
            events: Vec::new(),
            row,
            workspace: workspace.clone(),
            now: clock.now(),
            store: self.clone(),
        })
    }

    #[instrument(name = "db.conversations.assign", skip_all, err(level = "debug"))]
    pub async fn assign(
        &self,
        workspace: &WorkspaceId,
        id: &str,
        assignee: Option<&str>,
        clock: &dyn Clock,
    ) -> Result<Conversation, AppError> {
        let mut locked = self.lock(workspace, id, clock).await?;
        if let Some(assignee) = assignee {
            let exists =
                user::Entity::find_by_id((workspace.as_str().to_owned(), assignee.to_owned())).one(&locked.txn).await?;
            if exists.is_none() {
                return Err(AppError::NotFound(format!("no user {:?} in this workspace", abbreviate(assignee, 64))));
            }
        }
        if locked.row.assignee_id.as_deref() != assignee {
            locked.row.assignee_id = assignee.map(str::to_owned);
            locked.save_row(|a| a.assignee_id = Set(assignee.map(str::to_owned))).await?;
            match assignee {
                Some(user) => locked.record(ActivityKind::Assigned, json!({"assigneeId": user})),
                None => locked.record(ActivityKind::Unassigned, json!({})),
            }
        }
        locked.commit().await
    }

    #[instrument(name = "db.conversations.set_status", skip_all, err(level = "debug"))]
    pub async fn set_status(
        &self,
        workspace: &WorkspaceId,
        id: &str,
        change: StatusChange,
        clock: &dyn Clock,
    ) -> Result<Conversation, AppError> {
        let mut locked = self.lock(workspace, id, clock).await?;
        let from: ConversationStatus =
            locked.row.status.parse().map_err(|e: RuleError| AppError::internal(anyhow::anyhow!(e)))?;
        let current = StatusState {
            status: from,
            resolved_at: locked.row.resolved_at,
            resolution_notes: locked.row.resolution_notes.clone(),
        };
        if let Some(next) = change.apply(&current, locked.now) {
            let to = next.status;
            let StatusState { resolved_at, resolution_notes: notes, .. } = next;
            locked.row.status = to.as_str().to_owned();
            locked.row.resolved_at = resolved_at;
            locked.row.resolution_notes = notes.clone();
            locked
                .save_row(|a| {
                    a.status = Set(to.as_str().to_owned());
                    a.resolved_at = Set(resolved_at);
                    a.resolution_notes = Set(notes);
                })
                .await?;
            if from != to {
                move_status(&locked.txn, &locked.workspace, locked.row.seq, from.as_str(), to.as_str()).await?;
            }
            let details = json!({"from": status_name(from), "to": status_name(to)});
            locked.record(ActivityKind::StatusChanged, details);
        }
        locked.commit().await
    }

    #[instrument(name = "db.conversations.add_tags", skip_all, err(level = "debug"))]
    pub async fn add_tags(
        &self,
        workspace: &WorkspaceId,
        id: &str,
        tags: &TagList,
        clock: &dyn Clock,
    ) -> Result<Conversation, AppError> {
        let mut locked = self.lock(workspace, id, clock).await?;
        let held = locked.tags().await?;
        // The action's own argument broke the rule: its field is the action's `tags`.
        let added = tags.added_to(&held).map_err(|e| AppError::bad_input("tags", e))?;
        if !added.is_empty() {
            let rows = added.iter().map(|tag| conversation_tag::ActiveModel {
                workspace_id: Set(workspace.as_str().to_owned()),
                conversation_id: Set(id.to_owned()),
                tag: Set(tag.clone()),
                ..Default::default()
            });
            conversation_tag::Entity::insert_many(rows).exec_without_returning(&locked.txn).await?;
            locked.record(ActivityKind::TagsAdded, json!({"tags": added}));
            locked.new_tags = Some(held.into_iter().chain(added).collect());
        }
        locked.commit().await
    }

    #[instrument(name = "db.conversations.remove_tags", skip_all, err(level = "debug"))]
    pub async fn remove_tags(
        &self,
        workspace: &WorkspaceId,
        id: &str,
        tags: &TagList,
        clock: &dyn Clock,
    ) -> Result<Conversation, AppError> {
        let mut locked = self.lock(workspace, id, clock).await?;
        let held = locked.tags().await?;
        let removed: Vec<String> = tags.iter().map(|t| t.as_str().to_owned()).filter(|t| held.contains(t)).collect();
        if !removed.is_empty() {
            conversation_tag::Entity::delete_many()
                .filter(conversation_tag::Column::WorkspaceId.eq(workspace.as_str()))
                .filter(conversation_tag::Column::ConversationId.eq(id))
                .filter(conversation_tag::Column::Tag.is_in(removed.clone()))
                .exec(&locked.txn)
                .await?;
            locked.record(ActivityKind::TagsRemoved, json!({"tags": removed}));
            locked.new_tags = Some(held.into_iter().filter(|t| !removed.contains(t)).collect());
        }
        locked.commit().await
    }

    /// Adds a note, searchable as soon as this returns.
    #[instrument(name = "db.conversations.add_note", skip_all, err(level = "debug"))]
    pub async fn add_note(
        &self,
        workspace: &WorkspaceId,
        id: &str,
        content: NoteContent,
        internal: bool,
        clock: &dyn Clock,
    ) -> Result<(Note, Conversation), AppError> {
        let mut locked = self.lock(workspace, id, clock).await?;
        let note = Note {
            id: new_id("note"),
            conversation_id: id.to_owned(),
            content: content.into_inner(),
            internal,
            created_at: locked.now,
        };
        note::Entity::insert(note::ActiveModel {
            workspace_id: Set(workspace.as_str().to_owned()),
            conversation_id: Set(id.to_owned()),
            id: Set(note.id.clone()),
            content: Set(note.content.clone()),
            internal: Set(internal),
            created_at: Set(note.created_at),
            origin: Set(note::ACTION.to_owned()),
            ..Default::default()
        })
        .exec_without_returning(&locked.txn)
        .await?;
        append_words(&locked.txn, &locked.workspace, locked.row.seq, &words_of([note.content.as_str()])).await?;
        locked.record(ActivityKind::NoteAdded, json!({"noteId": note.id}));
        Ok((note, locked.commit().await?))
    }
}

impl Locked {
    /// The tags the conversation held when it was locked (read once).
    async fn tags(&mut self) -> Result<Vec<String>, AppError> {
        if let Some(tags) = &self.tags {
            return Ok(tags.clone());
        }
        let rows = conversation_tag::Entity::find()
            .filter(conversation_tag::Column::WorkspaceId.eq(self.workspace.as_str()))
            .filter(conversation_tag::Column::ConversationId.eq(self.row.id.as_str()))
            .order_by_asc(conversation_tag::Column::Seq)
            .all(&self.txn)
            .await?;
        let tags: Vec<String> = rows.into_iter().map(|r| r.tag).collect();
        self.tags = Some(tags.clone());
        Ok(tags)
    }

    /// Writes the columns `set` marks on this conversation's row.
    async fn save_row(&self, set: impl FnOnce(&mut conversation::ActiveModel)) -> Result<(), AppError> {
        let mut active =
            conversation::ActiveModel { seq: sea_orm::ActiveValue::Unchanged(self.row.seq), ..Default::default() };
        set(&mut active);
        conversation::Entity::update(active).exec(&self.txn).await?;
        Ok(())
    }

    /// Records an event of the action, appended to the log when it commits.
    fn record(&mut self, kind: ActivityKind, details: Value) {
        self.events.push((kind, details));
    }

    /// Moves the conversation, and its tags, between count groups if the action did,
    /// appends its events to the log, and commits.
    async fn commit(mut self) -> Result<Conversation, AppError> {
        let group = Group::of_row(&self.row);
        if group != self.group || self.new_tags.is_some() {
            let held = self.tags().await?;
            let now = self.new_tags.as_ref().unwrap_or(&held);
            let mut deltas = Deltas::default();
            deltas.moved_tagged(Some((&self.group, &held)), (&group, now));
            deltas.apply(&self.txn, &self.workspace).await?;
        }
        let conversation = convert::conversation(self.row.clone())?;
        let recorded = !self.events.is_empty();
        if recorded {
            let held = self.tags().await?;
            let after_tags = self.new_tags.clone().unwrap_or_else(|| held.clone());
            let before = FilterFacts::of(&convert::conversation(self.before.clone())?, &held);
            let events = std::mem::take(&mut self.events)
                .into_iter()
                .map(|(kind, details)| NewEvent {
                    conversation_id: self.row.id.clone(),
                    kind,
                    at: self.now,
                    details,
                    before: Some(before.clone()),
                    after: conversation.clone(),
                    after_tags: after_tags.clone(),
                })
                .collect();
            events::append(&self.txn, &self.workspace, events).await?;
        }
        self.txn.commit().await?;
        if recorded {
            self.store.committed(&self.workspace);
        }
        Ok(conversation)
    }
}

/// Statuses in events are spelled as clients see them: `OPEN`, `PENDING`, `RESOLVED`.
fn status_name(status: ConversationStatus) -> String {
    status.as_str().to_uppercase()
}
