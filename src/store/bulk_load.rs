//! Writing an import: every conversation of a file, with its customer, assignee, tags,
//! messages and notes, upserted by id in one transaction, with the search index and the
//! counts kept in step.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use tracing::instrument;

use super::chunked::insert_chunked;
use super::counts::{Deltas, Group};
use super::entity::{conversation, conversation_tag, customer, message, note, user, workspace};
use super::search_index::{self, customer_texts, words_of, Document, Facets};
use super::{Store, INSERT_CHUNK};
use crate::domain::{Customer, ImportSummary, ImportedConversation, User, WorkspaceId};
use crate::error::AppError;

impl Store {
    /// Upserts every conversation (and its customer and assignee) by id; the same batch
    /// written twice leaves the same state. All or nothing.
    #[instrument(name = "db.import", skip_all, err(level = "debug"), fields(conversations = batch.len()))]
    pub async fn import(
        &self,
        workspace: &WorkspaceId,
        batch: &[ImportedConversation],
    ) -> Result<ImportSummary, AppError> {
        self.import_with_words(workspace, batch, &search_words(batch)).await
    }

    /// [`Store::import`] with the batch's search words already drawn up by
    /// [`search_words`] (bulk writers do that on another thread while a batch is written).
    #[instrument(name = "db.import", skip_all, err(level = "debug"), fields(conversations = batch.len()))]
    pub async fn import_with_words(
        &self,
        workspace: &WorkspaceId,
        batch: &[ImportedConversation],
        words: &SearchWords,
    ) -> Result<ImportSummary, AppError> {
        let write = self.begin_write().await?;
        let summary = write_batch(&write.txn, workspace, batch, words).await?;
        write.txn.commit().await?;
        Ok(summary)
    }
}

/// Each conversation's search words, by conversation id (a later occurrence wins).
pub type SearchWords = HashMap<String, BTreeSet<String>>;

/// The words each conversation of the batch is found by: its summary, messages and
/// notes, and its customer's name and email. CPU only; needs no transaction.
pub fn search_words(batch: &[ImportedConversation]) -> SearchWords {
    batch
        .iter()
        .map(|c| {
            let texts = c
                .conversation
                .summary
                .as_deref()
                .into_iter()
                .chain(c.messages.iter().map(|m| m.body.as_str()))
                .chain(c.notes.iter().map(|n| n.content.as_str()))
                .chain(customer_texts(&c.customer));
            (c.conversation.id.clone(), words_of(texts))
        })
        .collect()
}

async fn write_batch(
    txn: &DatabaseTransaction,
    workspace: &WorkspaceId,
    batch: &[ImportedConversation],
    words: &SearchWords,
) -> Result<ImportSummary, AppError> {
    // Later occurrences win, as if the file were imported in order; ids in sorted order,
    // so that concurrent imports lock rows in the same order.
    let customers: BTreeMap<&str, &Customer> = batch.iter().map(|c| (c.customer.id.as_str(), &c.customer)).collect();
    let users: BTreeMap<&str, &User> =
        batch.iter().filter_map(|c| c.assignee.as_ref()).map(|u| (u.id.as_str(), u)).collect();
    let conversations: BTreeMap<&str, &ImportedConversation> =
        batch.iter().map(|c| (c.conversation.id.as_str(), c)).collect();
    let ids: Vec<&str> = conversations.keys().copied().collect();

    // Imports into one workspace run one at a time (the workspace row is their lock), so
    // two imports can never both take a conversation for new and count it twice.
    workspace::Entity::find_by_id(workspace.as_str()).lock_exclusive().one(txn).await?;
    let before = lock_existing(txn, workspace, &ids).await?;
    let tags_before = tags_of(txn, workspace, &before).await?;
    let renamed = renamed_customers(txn, workspace, &customers).await?;
    upsert_users(txn, workspace, users.values().copied()).await?;
    let customer_list: Vec<&Customer> = customers.values().copied().collect();
    upsert_customers(txn, workspace, &customer_list).await?;
    search_index::write_phone_suffixes(txn, workspace, &customer_list).await?;
    let conversations: Vec<&ImportedConversation> = conversations.into_values().collect();
    upsert_conversations(txn, workspace, &conversations).await?;
    let notes = replace_children(txn, workspace, &conversations).await?;

    let seqs = seqs_of(txn, workspace, &ids).await?;
    let empty = BTreeSet::new();
    let documents: Vec<Document<'_>> = conversations
        .iter()
        .map(|c| {
            let id = c.conversation.id.as_str();
            Document {
                seq: seqs[id],
                words: words.get(id).unwrap_or(&empty),
                facets: Facets {
                    workspace: workspace.as_str(),
                    status: c.conversation.status.as_str(),
                    channel: c.conversation.channel.as_str(),
                },
            }
        })
        .collect();
    search_index::write_documents(txn, &documents).await?;
    let mut stale: BTreeSet<String> = conversations_of(txn, workspace, &renamed).await?;
    stale.extend(notes.moved_from);
    for id in &ids {
        stale.remove(*id);
    }
    // The file's words lack the notes actions wrote, and may hold a file note left out:
    // these documents are made again from what is stored.
    stale.extend(with_action_notes(txn, workspace, &ids).await?);
    stale.extend(notes.left_out_of);
    search_index::reindex(txn, workspace, &stale.into_iter().collect::<Vec<_>>()).await?;

    let mut deltas = Deltas::default();
    let no_tags = Vec::new();
    for c in &conversations {
        let id = c.conversation.id.as_str();
        let from = before.get(id).map(|group| (group, tags_before.get(id).unwrap_or(&no_tags).as_slice()));
        deltas.moved_tagged(from, (&Group::of(&c.conversation), &c.tags));
    }
    deltas.apply(txn, workspace).await?;
    Ok(ImportSummary { conversations: conversations.len(), customers: customer_list.len(), users: users.len() })
}

/// Locks the conversations that exist already (row locks on PostgreSQL) and returns
/// the group each counts in now.
async fn lock_existing<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    ids: &[&str],
) -> Result<BTreeMap<String, Group>, AppError> {
    let mut groups = BTreeMap::new();
    for chunk in ids.chunks(INSERT_CHUNK) {
        let rows = conversation::Entity::find()
            .filter(conversation::Column::WorkspaceId.eq(workspace.as_str()))
            .filter(conversation::Column::Id.is_in(chunk.iter().copied()))
            .order_by_asc(conversation::Column::Id)
            .lock_exclusive()
            .all(db)
            .await?;
        groups.extend(rows.into_iter().map(|row| (row.id.clone(), Group::of_row(&row))));
    }
    Ok(groups)
}

/// The tags the conversations that exist already carry now (before the import
/// replaces them), by conversation id.
async fn tags_of<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    existing: &BTreeMap<String, Group>,
) -> Result<BTreeMap<String, Vec<String>>, AppError> {
    let ids: Vec<&str> = existing.keys().map(String::as_str).collect();
    let mut tags: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for chunk in ids.chunks(INSERT_CHUNK) {
        let rows = conversation_tag::Entity::find()
            .filter(conversation_tag::Column::WorkspaceId.eq(workspace.as_str()))
            .filter(conversation_tag::Column::ConversationId.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        for row in rows {
            tags.entry(row.conversation_id).or_default().push(row.tag);
        }
    }
    Ok(tags)
}

/// The customers of the batch whose searchable text (name, email) changes.
async fn renamed_customers<C: ConnectionTrait>(
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
async fn conversations_of<C: ConnectionTrait>(
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
async fn with_action_notes<C: ConnectionTrait>(
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
async fn seqs_of<C: ConnectionTrait>(
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

async fn upsert_users<'a, C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    users: impl Iterator<Item = &'a User>,
) -> Result<(), AppError> {
    use user::Column as U;
    let rows: Vec<_> = users
        .map(|u| user::ActiveModel {
            workspace_id: Set(workspace.as_str().to_owned()),
            id: Set(u.id.clone()),
            name: Set(u.name.clone()),
            avatar_url: Set(u.avatar_url.clone()),
        })
        .collect();
    let on_conflict = OnConflict::columns([U::WorkspaceId, U::Id]).update_columns([U::Name, U::AvatarUrl]).to_owned();
    insert_chunked(db, rows, Some(on_conflict)).await?;
    Ok(())
}

async fn upsert_customers<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    customers: &[&Customer],
) -> Result<(), AppError> {
    use customer::Column as K;
    let rows: Vec<_> = customers
        .iter()
        .map(|c| customer::ActiveModel {
            workspace_id: Set(workspace.as_str().to_owned()),
            id: Set(c.id.clone()),
            name: Set(c.name.clone()),
            phone: Set(c.phone.clone()),
            email: Set(c.email.clone()),
            servicetitan_id: Set(c.servicetitan_id.clone()),
        })
        .collect();
    let on_conflict = OnConflict::columns([K::WorkspaceId, K::Id])
        .update_columns([K::Name, K::Phone, K::Email, K::ServicetitanId])
        .to_owned();
    insert_chunked(db, rows, Some(on_conflict)).await?;
    Ok(())
}

async fn upsert_conversations<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    conversations: &[&ImportedConversation],
) -> Result<(), AppError> {
    use conversation::Column as V;
    let rows: Vec<_> = conversations.iter().map(|i| active_conversation(workspace, &i.conversation)).collect();
    let updated = [
        V::Channel,
        V::Status,
        V::Priority,
        V::PriorityRank,
        V::CustomerId,
        V::AssigneeId,
        V::Summary,
        V::MessagesCount,
        V::UnreadCount,
        V::Metadata,
        V::CreatedAt,
        V::LastActivityAt,
        V::ResolvedAt,
        V::ResolutionNotes,
    ];
    let on_conflict = OnConflict::columns([V::WorkspaceId, V::Id]).update_columns(updated).to_owned();
    insert_chunked(db, rows, Some(on_conflict)).await?;
    Ok(())
}

/// A conversation as a row to insert (its `seq` comes from the database).
pub fn active_conversation(workspace: &WorkspaceId, c: &crate::domain::Conversation) -> conversation::ActiveModel {
    conversation::ActiveModel {
        seq: sea_orm::ActiveValue::NotSet,
        workspace_id: Set(workspace.as_str().to_owned()),
        id: Set(c.id.clone()),
        channel: Set(c.channel.as_str().to_owned()),
        status: Set(c.status.as_str().to_owned()),
        priority: Set(c.priority.as_str().to_owned()),
        priority_rank: Set(c.priority.rank()),
        customer_id: Set(c.customer_id.clone()),
        assignee_id: Set(c.assignee_id.clone()),
        summary: Set(c.summary.clone()),
        messages_count: Set(c.messages_count),
        unread_count: Set(c.unread_count),
        metadata: Set(serde_json::Value::Object(c.metadata.clone()).to_string()),
        created_at: Set(c.created_at),
        last_activity_at: Set(c.last_activity_at),
        resolved_at: Set(c.resolved_at),
        resolution_notes: Set(c.resolution_notes.clone()),
    }
}

/// What replacing the notes did beyond the file's own conversations.
struct NotesReplaced {
    /// Other conversations that lost an imported note to the file (a note id is unique in
    /// the workspace, so the file's copy moves it).
    moved_from: BTreeSet<String>,
    /// The file's conversations whose notes were left out: notes with the id of a note
    /// `addConversationNote` wrote, which stays as written.
    left_out_of: BTreeSet<String>,
}

/// Replaces the tags, messages and imported notes of these conversations with the file's.
async fn replace_children<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    conversations: &[&ImportedConversation],
) -> Result<NotesReplaced, AppError> {
    let ws = workspace.as_str();
    for chunk in conversations.chunks(INSERT_CHUNK) {
        let ids: Vec<&str> = chunk.iter().map(|c| c.conversation.id.as_str()).collect();
        conversation_tag::Entity::delete_many()
            .filter(conversation_tag::Column::WorkspaceId.eq(ws))
            .filter(conversation_tag::Column::ConversationId.is_in(ids.clone()))
            .exec(db)
            .await?;
        message::Entity::delete_many()
            .filter(message::Column::WorkspaceId.eq(ws))
            .filter(message::Column::ConversationId.is_in(ids))
            .exec(db)
            .await?;
    }
    let tags: Vec<_> = conversations
        .iter()
        .flat_map(|c| {
            c.tags.iter().map(|tag| conversation_tag::ActiveModel {
                workspace_id: Set(ws.to_owned()),
                conversation_id: Set(c.conversation.id.clone()),
                tag: Set(tag.clone()),
                ..Default::default()
            })
        })
        .collect();
    insert_chunked(db, tags, None).await?;
    let messages: Vec<_> = conversations
        .iter()
        .flat_map(|c| {
            c.messages.iter().map(|m| message::ActiveModel {
                workspace_id: Set(ws.to_owned()),
                conversation_id: Set(c.conversation.id.clone()),
                id: Set(m.id.clone()),
                direction: Set(m.direction.clone()),
                body: Set(m.body.clone()),
                sent_at: Set(m.sent_at),
                ..Default::default()
            })
        })
        .collect();
    insert_chunked(db, messages, None).await?;
    replace_notes(db, workspace, conversations).await
}

/// Replaces the imported notes of these conversations with the file's. The notes
/// `addConversationNote` wrote stay, and so does what their `NOTE_ADDED` events name: a
/// file's note with the id of one of them is left out.
async fn replace_notes<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    conversations: &[&ImportedConversation],
) -> Result<NotesReplaced, AppError> {
    let ws = workspace.as_str();
    for chunk in conversations.chunks(INSERT_CHUNK) {
        note::Entity::delete_many()
            .filter(note::Column::WorkspaceId.eq(ws))
            .filter(note::Column::ConversationId.is_in(chunk.iter().map(|c| c.conversation.id.as_str())))
            .filter(note::Column::Origin.eq(note::IMPORTED))
            .exec(db)
            .await?;
    }
    let note_ids: Vec<&str> = conversations.iter().flat_map(|c| c.notes.iter().map(|n| n.id.as_str())).collect();
    let mut moved_from = BTreeSet::new();
    let mut action_notes = HashSet::new();
    for chunk in note_ids.chunks(INSERT_CHUNK) {
        let taken: Vec<(String, String, String)> = note::Entity::find()
            .select_only()
            .column(note::Column::Id)
            .column(note::Column::ConversationId)
            .column(note::Column::Origin)
            .filter(note::Column::WorkspaceId.eq(ws))
            .filter(note::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        for (id, conversation, origin) in taken {
            if origin == note::IMPORTED {
                moved_from.insert(conversation);
            } else {
                action_notes.insert(id);
            }
        }
        note::Entity::delete_many()
            .filter(note::Column::WorkspaceId.eq(ws))
            .filter(note::Column::Id.is_in(chunk.iter().copied()))
            .filter(note::Column::Origin.eq(note::IMPORTED))
            .exec(db)
            .await?;
    }
    let left_out_of: BTreeSet<String> = conversations
        .iter()
        .flat_map(|c| c.notes.iter())
        .filter(|n| action_notes.contains(&n.id))
        .map(|n| n.conversation_id.clone())
        .collect();
    let mut seen_notes = HashSet::new();
    let notes: Vec<_> = conversations
        .iter()
        .flat_map(|c| c.notes.iter())
        .filter(|n| seen_notes.insert(n.id.as_str()) && !action_notes.contains(&n.id))
        .map(|n| note::ActiveModel {
            workspace_id: Set(ws.to_owned()),
            conversation_id: Set(n.conversation_id.clone()),
            id: Set(n.id.clone()),
            content: Set(n.content.clone()),
            internal: Set(n.internal),
            created_at: Set(n.created_at),
            origin: Set(note::IMPORTED.to_owned()),
            ..Default::default()
        })
        .collect();
    insert_chunked(db, notes, None).await?;
    Ok(NotesReplaced { moved_from, left_out_of })
}
