//! The `IMPORTED` events of a bulk load: one for each conversation it creates
//! (`{"created": true}`) or changes (`{"created": false}`), none for one it leaves as it
//! was. A conversation is changed when the file says something else than what is stored
//! of its own fields, its tags (in order), its messages or its imported notes, or when it
//! loses an imported note to another conversation of the file. The customer's and the
//! assignee's records are not part of the conversation: a file that only renames a
//! customer or a user changes none of their conversations. The notes
//! `addConversationNote` wrote are never touched by an import, so they never make a change.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use sea_orm::DatabaseTransaction;
use serde_json::json;

use super::lookups::{imported_notes_of, lock_existing, messages_of, tags_of};
use super::rows::{row_holds, written_notes, NotesReplaced};
use super::{Batch, Before};
use crate::domain::{
    ActivityKind, Conversation, FilterFacts, ImportedConversation, Message, Note, Timestamp, WorkspaceId,
};
use crate::error::AppError;
use crate::store::convert;
use crate::store::entity::{conversation, message, note};
use crate::store::events::NewEvent;

/// What an import compares of the conversations that exist already, besides their rows
/// and tags: read before the write, and only by an import that records its events.
pub(super) struct Children {
    messages: BTreeMap<String, Vec<message::Model>>,
    /// The notes an import wrote, oldest first.
    notes: BTreeMap<String, Vec<note::Model>>,
}

impl Children {
    pub(super) async fn read(
        txn: &DatabaseTransaction,
        workspace: &WorkspaceId,
        existing: &BTreeMap<String, conversation::Model>,
    ) -> Result<Self, AppError> {
        let ids: Vec<&str> = existing.keys().map(String::as_str).collect();
        Ok(Self {
            messages: messages_of(txn, workspace, &ids).await?,
            notes: imported_notes_of(txn, workspace, &ids).await?,
        })
    }
}

/// The events of the batch's conversations that the write created or changed, then of
/// those outside the batch that lost an imported note to it.
pub(super) async fn imported_events(
    txn: &DatabaseTransaction,
    workspace: &WorkspaceId,
    batch: &Batch<'_>,
    before: &Before,
    children: &Children,
    replaced: &NotesReplaced,
    now: Timestamp,
) -> Result<Vec<NewEvent>, AppError> {
    let notes = notes_by_conversation(&batch.conversations, &replaced.kept_by_actions);
    let mut events = Vec::new();
    for &file in &batch.conversations {
        let id = file.conversation.id.as_str();
        let written = notes.get(id).map_or(&[][..], Vec::as_slice);
        let Some(row) = before.rows.get(id) else {
            events.push(imported(file.conversation.clone(), file.tags.clone(), None, now));
            continue;
        };
        let tags = before.tags.get(id).map_or(&[][..], Vec::as_slice);
        let stored = Stored {
            row,
            tags,
            messages: children.messages.get(id).map_or(&[][..], Vec::as_slice),
            notes: children.notes.get(id).map_or(&[][..], Vec::as_slice),
        };
        if stored.changed_by(file, written) {
            let facts = FilterFacts::of(&convert::conversation(row.clone())?, tags);
            events.push(imported(file.conversation.clone(), file.tags.clone(), Some(facts), now));
        }
    }
    events.extend(lost_note_events(txn, workspace, batch, &replaced.moved_from, now).await?);
    Ok(events)
}

/// The events of the conversations outside the batch that lost an imported note to it:
/// nothing else of theirs changed.
async fn lost_note_events(
    txn: &DatabaseTransaction,
    workspace: &WorkspaceId,
    batch: &Batch<'_>,
    moved_from: &BTreeSet<String>,
    now: Timestamp,
) -> Result<Vec<NewEvent>, AppError> {
    let ids: Vec<&str> =
        moved_from.iter().map(String::as_str).filter(|id| batch.ids.binary_search(id).is_err()).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = lock_existing(txn, workspace, &ids).await?;
    let mut tags = tags_of(txn, workspace, &ids).await?;
    rows.into_values()
        .map(|row| {
            let held = tags.remove(&row.id).unwrap_or_default();
            let conversation = convert::conversation(row)?;
            let facts = FilterFacts::of(&conversation, &held);
            Ok(imported(conversation, held, Some(facts), now))
        })
        .collect()
}

/// An `IMPORTED` event; `before` is `None` for a conversation the import created.
fn imported(after: Conversation, after_tags: Vec<String>, before: Option<FilterFacts>, now: Timestamp) -> NewEvent {
    NewEvent {
        conversation_id: after.id.clone(),
        kind: ActivityKind::Imported,
        at: now,
        details: json!({"created": before.is_none()}),
        before,
        after,
        after_tags,
    }
}

/// The notes the write gives each conversation of the batch, oldest first (as they are
/// read back), by conversation id.
fn notes_by_conversation<'a>(
    conversations: &'a [&'a ImportedConversation],
    kept_by_actions: &'a HashSet<String>,
) -> BTreeMap<&'a str, Vec<&'a Note>> {
    let mut notes: BTreeMap<&str, Vec<&Note>> = BTreeMap::new();
    for note in written_notes(conversations, kept_by_actions) {
        notes.entry(note.conversation_id.as_str()).or_default().push(note);
    }
    for list in notes.values_mut() {
        list.sort_by_key(|n| n.created_at);
    }
    notes
}

/// A conversation as it is stored, before the write.
struct Stored<'a> {
    row: &'a conversation::Model,
    tags: &'a [String],
    messages: &'a [message::Model],
    /// Its imported notes, oldest first.
    notes: &'a [note::Model],
}

impl Stored<'_> {
    /// Whether writing `file`, with the notes it is given (`notes`, oldest first),
    /// changes the conversation.
    fn changed_by(&self, file: &ImportedConversation, notes: &[&Note]) -> bool {
        !(row_holds(self.row, &file.conversation)
            && self.tags == file.tags.as_slice()
            && self.messages.len() == file.messages.len()
            && self.messages.iter().zip(&file.messages).all(|(row, m)| same_message(row, m))
            && self.notes.len() == notes.len()
            && self.notes.iter().zip(notes).all(|(row, n)| same_note(row, n)))
    }
}

fn same_message(row: &message::Model, m: &Message) -> bool {
    let message::Model { seq: _, workspace_id: _, conversation_id: _, id, direction, body, sent_at } = row;
    *id == m.id && *direction == m.direction && *body == m.body && *sent_at == m.sent_at
}

fn same_note(row: &note::Model, n: &Note) -> bool {
    let note::Model { seq: _, workspace_id: _, conversation_id, id, content, internal, created_at, origin: _ } = row;
    *conversation_id == n.conversation_id
        && *id == n.id
        && *content == n.content
        && *internal == n.internal
        && *created_at == n.created_at
}
