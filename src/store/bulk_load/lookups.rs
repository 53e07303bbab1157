//! What the bulk load reads: the conversations it replaces (locked), their tags,
//! messages and imported notes, the customers it renames, and what the search index
//! needs after the write. Each an `IN (...)` query per chunk of ids.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::domain::{Customer, WorkspaceId};
use crate::error::AppError;
use crate::store::entity::{conversation, conversation_tag, customer, message, note};
use crate::store::INSERT_CHUNK;

/// Locks the conversations that exist already (row locks on PostgreSQL) and returns
/// their rows as they are now, by id.
pub(super) async fn lock_existing<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    ids: &[&str],
) -> Result<BTreeMap<String, conversation::Model>, AppError> {
    let mut existing = BTreeMap::new();
    for chunk in ids.chunks(INSERT_CHUNK) {
        let rows = conversation::Entity::find()
            .filter(conversation::Column::WorkspaceId.eq(workspace.as_str()))
            .filter(conversation::Column::Id.is_in(chunk.iter().copied()))
            .order_by_asc(conversation::Column::Id)
            .lock_exclusive()
            .all(db)
            .await?;
        existing.extend(rows.into_iter().map(|row| (row.id.clone(), row)));
    }
    Ok(existing)
}

/// The tags these conversations carry now (before the import replaces them), in the
/// order they were added, by conversation id.
pub(super) async fn tags_of<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    ids: &[&str],
) -> Result<BTreeMap<String, Vec<String>>, AppError> {
    let mut tags: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for chunk in ids.chunks(INSERT_CHUNK) {
        let rows = conversation_tag::Entity::find()
            .filter(conversation_tag::Column::WorkspaceId.eq(workspace.as_str()))
            .filter(conversation_tag::Column::ConversationId.is_in(chunk.iter().copied()))
            .order_by_asc(conversation_tag::Column::Seq)
            .all(db)
            .await?;
        for row in rows {
            tags.entry(row.conversation_id).or_default().push(row.tag);
        }
    }
    Ok(tags)
}

/// The messages of these conversations, in the order they were written, by conversation id.
pub(super) async fn messages_of<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    ids: &[&str],
) -> Result<BTreeMap<String, Vec<message::Model>>, AppError> {
    let mut messages: BTreeMap<String, Vec<message::Model>> = BTreeMap::new();
    for chunk in ids.chunks(INSERT_CHUNK) {
        let rows = message::Entity::find()
            .filter(message::Column::WorkspaceId.eq(workspace.as_str()))
            .filter(message::Column::ConversationId.is_in(chunk.iter().copied()))
            .order_by_asc(message::Column::Seq)
            .all(db)
            .await?;
        for row in rows {
            messages.entry(row.conversation_id.clone()).or_default().push(row);
        }
    }
    Ok(messages)
}

/// The notes of these conversations that an import wrote, oldest first (as they are
/// read back), by conversation id.
pub(super) async fn imported_notes_of<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    ids: &[&str],
) -> Result<BTreeMap<String, Vec<note::Model>>, AppError> {
    let mut notes: BTreeMap<String, Vec<note::Model>> = BTreeMap::new();
    for chunk in ids.chunks(INSERT_CHUNK) {
        let rows = note::Entity::find()
            .filter(note::Column::WorkspaceId.eq(workspace.as_str()))
            .filter(note::Column::ConversationId.is_in(chunk.iter().copied()))
            .filter(note::Column::Origin.eq(note::IMPORTED))
            .order_by_asc(note::Column::CreatedAt)
            .order_by_asc(note::Column::Seq)
            .all(db)
            .await?;
        for row in rows {
            notes.entry(row.conversation_id.clone()).or_default().push(row);
        }
    }
    Ok(notes)
}

/// The customers of the batch whose searchable text (name, email) changes.
pub(super) async fn renamed_customers<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    customers: &BTreeMap<&str, &Customer>,
) -> Result<Vec<String>, AppError> {
    let ids: Vec<&str> = customers.keys().copied().collect();
    let mut renamed = Vec::new();
    for chunk in ids.chunks(INSERT_CHUNK) {
        let rows = customer::Entity::find()
            .filter(customer::Column::WorkspaceId.eq(workspace.as_str()))
            .filter(customer::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        for row in rows {
            let new = customers[row.id.as_str()];
            if new.name != row.name || new.email != row.email {
                renamed.push(row.id);
            }
        }
    }
    Ok(renamed)
}

/// The ids of the conversations of these customers.
pub(super) async fn conversations_of<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    customers: &[String],
) -> Result<BTreeSet<String>, AppError> {
    let mut ids = BTreeSet::new();
    for chunk in customers.chunks(INSERT_CHUNK) {
        let found: Vec<String> = conversation::Entity::find()
            .select_only()
            .column(conversation::Column::Id)
            .filter(conversation::Column::WorkspaceId.eq(workspace.as_str()))
            .filter(conversation::Column::CustomerId.is_in(chunk))
            .into_tuple()
            .all(db)
            .await?;
        ids.extend(found);
    }
    Ok(ids)
}

/// Those of these conversations that hold notes `addConversationNote` wrote.
pub(super) async fn with_action_notes<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    ids: &[&str],
) -> Result<BTreeSet<String>, AppError> {
    let mut found = BTreeSet::new();
    for chunk in ids.chunks(INSERT_CHUNK) {
        let holding: Vec<String> = note::Entity::find()
            .select_only()
            .column(note::Column::ConversationId)
            .distinct()
            .filter(note::Column::WorkspaceId.eq(workspace.as_str()))
            .filter(note::Column::ConversationId.is_in(chunk.iter().copied()))
            .filter(note::Column::Origin.eq(note::ACTION))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(holding);
    }
    Ok(found)
}

/// Each conversation's `seq`, by id.
pub(super) async fn seqs_of<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    ids: &[&str],
) -> Result<BTreeMap<String, i64>, AppError> {
    let mut seqs = BTreeMap::new();
    for chunk in ids.chunks(INSERT_CHUNK) {
        let found: Vec<(i64, String)> = conversation::Entity::find()
            .select_only()
            .column(conversation::Column::Seq)
            .column(conversation::Column::Id)
            .filter(conversation::Column::WorkspaceId.eq(workspace.as_str()))
            .filter(conversation::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        seqs.extend(found.into_iter().map(|(seq, id)| (id, seq)));
    }
    Ok(seqs)
}
