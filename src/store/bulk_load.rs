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
use crate::domain::{Conversation, Customer, ImportSummary, ImportedConversation, User, WorkspaceId};
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
    let batch = Batch::of(batch);
    let before = read_before(txn, workspace, &batch).await?;
    let notes = write_rows(txn, workspace, &batch).await?;
    write_search(txn, workspace, &batch, words, &before.renamed, notes).await?;
    write_counts(txn, workspace, &batch, &before).await?;
    Ok(ImportSummary {
        conversations: batch.conversations.len(),
        customers: batch.customers.len(),
        users: batch.users.len(),
    })
}

/// A batch as it is written: one of each id, the later occurrence winning as if the file
/// were imported in order; ids in sorted order, so that concurrent imports lock rows in
/// the same order.
struct Batch<'a> {
    customers: BTreeMap<&'a str, &'a Customer>,
    users: BTreeMap<&'a str, &'a User>,
    conversations: Vec<&'a ImportedConversation>,
    ids: Vec<&'a str>,
}

impl<'a> Batch<'a> {
    fn of(batch: &'a [ImportedConversation]) -> Self {
        let conversations: BTreeMap<&str, &ImportedConversation> =
            batch.iter().map(|c| (c.conversation.id.as_str(), c)).collect();
        Self {
            customers: batch.iter().map(|c| (c.customer.id.as_str(), &c.customer)).collect(),
            users: batch.iter().filter_map(|c| c.assignee.as_ref()).map(|u| (u.id.as_str(), u)).collect(),
            ids: conversations.keys().copied().collect(),
            conversations: conversations.into_values().collect(),
        }
    }
}

/// What the counts and the search index need to know of the state before the write.
struct Before {
    /// The group each conversation of the batch that exists already counts in.
    groups: BTreeMap<String, Group>,
    /// The tags those conversations carry.
    tags: BTreeMap<String, Vec<String>>,
    /// The customers of the batch whose searchable text (name, email) changes.
    renamed: Vec<String>,
}

/// Takes the workspace's import lock and the rows of the batch's conversations that
/// exist already, and reads what they were.
async fn read_before(
    txn: &DatabaseTransaction,
    workspace: &WorkspaceId,
    batch: &Batch<'_>,
) -> Result<Before, AppError> {
    // Imports into one workspace run one at a time (the workspace row is their lock), so
    // two imports can never both take a conversation for new and count it twice.
    workspace::Entity::find_by_id(workspace.as_str()).lock_exclusive().one(txn).await?;
    let groups = lock_existing(txn, workspace, &batch.ids).await?;
    let tags = tags_of(txn, workspace, &groups).await?;
    let renamed = renamed_customers(txn, workspace, &batch.customers).await?;
    Ok(Before { groups, tags, renamed })
}

/// Upserts the users, customers (with their phone suffixes) and conversations, and
/// replaces the conversations' tags, messages and imported notes.
async fn write_rows(
    txn: &DatabaseTransaction,
    workspace: &WorkspaceId,
    batch: &Batch<'_>,
) -> Result<NotesReplaced, AppError> {
    upsert_users(txn, workspace, batch.users.values().copied()).await?;
    let customers: Vec<&Customer> = batch.customers.values().copied().collect();
    upsert_customers(txn, workspace, &customers).await?;
    search_index::write_phone_suffixes(txn, workspace, &customers).await?;
    upsert_conversations(txn, workspace, &batch.conversations).await?;
    replace_children(txn, workspace, &batch.conversations).await
}

/// Writes the batch's search documents from its words, and makes again from what is
/// stored the documents those words cannot give.
async fn write_search(
    txn: &DatabaseTransaction,
    workspace: &WorkspaceId,
    batch: &Batch<'_>,
    words: &SearchWords,
    renamed: &[String],
    notes: NotesReplaced,
) -> Result<(), AppError> {
    let seqs = seqs_of(txn, workspace, &batch.ids).await?;
    search_index::write_documents(txn, &documents(workspace, batch, words, &seqs)).await?;
    let stale = stale_documents(txn, workspace, &batch.ids, renamed, notes).await?;
    search_index::reindex(txn, workspace, &stale).await
}

/// The batch's search documents, by the file's words.
fn documents<'a>(
    workspace: &'a WorkspaceId,
    batch: &Batch<'a>,
    words: &'a SearchWords,
    seqs: &BTreeMap<String, i64>,
) -> Vec<Document<'a>> {
    static NO_WORDS: BTreeSet<String> = BTreeSet::new();
    batch
        .conversations
        .iter()
        .map(|&c| {
            let id = c.conversation.id.as_str();
            Document {
                seq: seqs[id],
                words: words.get(id).unwrap_or(&NO_WORDS),
                facets: Facets {
                    workspace: workspace.as_str(),
                    status: c.conversation.status.as_str(),
                    channel: c.conversation.channel.as_str(),
                },
            }
        })
        .collect()
}

/// The conversations whose documents the write made stale: those of renamed customers
/// and those that lost a note to the batch, outside it; and those of the batch whose
/// words the file cannot give.
async fn stale_documents(
    txn: &DatabaseTransaction,
    workspace: &WorkspaceId,
    ids: &[&str],
    renamed: &[String],
    notes: NotesReplaced,
) -> Result<Vec<String>, AppError> {
    let mut stale: BTreeSet<String> = conversations_of(txn, workspace, renamed).await?;
    stale.extend(notes.moved_from);
    for id in ids {
        stale.remove(*id);
    }
    // The file's words lack the notes actions wrote, and may hold a file note left out:
    // these documents are made again from what is stored.
    stale.extend(with_action_notes(txn, workspace, ids).await?);
    stale.extend(notes.left_out_of);
    Ok(stale.into_iter().collect())
}

/// Moves each conversation of the batch, and its tags, from the counts it was in to
/// those it is in now.
async fn write_counts(
    txn: &DatabaseTransaction,
    workspace: &WorkspaceId,
    batch: &Batch<'_>,
    before: &Before,
) -> Result<(), AppError> {
    let mut deltas = Deltas::default();
    let no_tags = Vec::new();
    for c in &batch.conversations {
        let id = c.conversation.id.as_str();
        let from = before.groups.get(id).map(|group| (group, before.tags.get(id).unwrap_or(&no_tags).as_slice()));
        deltas.moved_tagged(from, (&Group::of(&c.conversation), &c.tags));
    }
    deltas.apply(txn, workspace).await
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
    let rows = users.map(|u| user_row(workspace, u)).collect();
    let on_conflict = OnConflict::columns([U::WorkspaceId, U::Id]).update_columns([U::Name, U::AvatarUrl]).to_owned();
    Ok(insert_chunked(db, rows, Some(on_conflict)).await?)
}

async fn upsert_customers<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    customers: &[&Customer],
) -> Result<(), AppError> {
    use customer::Column as K;
    let rows = customers.iter().map(|c| customer_row(workspace, c)).collect();
    let on_conflict = OnConflict::columns([K::WorkspaceId, K::Id])
        .update_columns([K::Name, K::Phone, K::Email, K::ServicetitanId])
        .to_owned();
    Ok(insert_chunked(db, rows, Some(on_conflict)).await?)
}

async fn upsert_conversations<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    conversations: &[&ImportedConversation],
) -> Result<(), AppError> {
    use conversation::Column as V;
    let rows = conversations.iter().map(|i| conversation_row(workspace, &i.conversation)).collect();
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
    Ok(insert_chunked(db, rows, Some(on_conflict)).await?)
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
    delete_tags_and_messages(db, workspace, conversations).await?;
    insert_chunked(db, tag_rows(workspace, conversations), None).await?;
    insert_chunked(db, message_rows(workspace, conversations), None).await?;
    replace_notes(db, workspace, conversations).await
}

async fn delete_tags_and_messages<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    conversations: &[&ImportedConversation],
) -> Result<(), AppError> {
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
    Ok(())
}

/// Replaces the imported notes of these conversations with the file's. The notes
/// `addConversationNote` wrote stay, and so does what their `NOTE_ADDED` events name: a
/// file's note with the id of one of them is left out.
async fn replace_notes<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    conversations: &[&ImportedConversation],
) -> Result<NotesReplaced, AppError> {
    delete_imported_notes(db, workspace, conversations).await?;
    let note_ids: Vec<&str> = conversations.iter().flat_map(|c| c.notes.iter().map(|n| n.id.as_str())).collect();
    let taken = free_note_ids(db, workspace, &note_ids).await?;
    let left_out_of: BTreeSet<String> = conversations
        .iter()
        .flat_map(|c| c.notes.iter())
        .filter(|n| taken.by_actions.contains(&n.id))
        .map(|n| n.conversation_id.clone())
        .collect();
    insert_chunked(db, note_rows(workspace, conversations, &taken.by_actions), None).await?;
    Ok(NotesReplaced { moved_from: taken.moved_from, left_out_of })
}

async fn delete_imported_notes<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    conversations: &[&ImportedConversation],
) -> Result<(), AppError> {
    for chunk in conversations.chunks(INSERT_CHUNK) {
        note::Entity::delete_many()
            .filter(note::Column::WorkspaceId.eq(workspace.as_str()))
            .filter(note::Column::ConversationId.is_in(chunk.iter().map(|c| c.conversation.id.as_str())))
            .filter(note::Column::Origin.eq(note::IMPORTED))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Who held the ids of the file's notes.
struct NoteIdsTaken {
    /// The conversations of imported notes that held them (those notes are gone now).
    moved_from: BTreeSet<String>,
    /// The ids that notes `addConversationNote` wrote hold (those notes stay).
    by_actions: HashSet<String>,
}

/// Frees these note ids for the file where imported notes hold them, and says who held
/// them.
async fn free_note_ids<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    note_ids: &[&str],
) -> Result<NoteIdsTaken, AppError> {
    let ws = workspace.as_str();
    let mut taken = NoteIdsTaken { moved_from: BTreeSet::new(), by_actions: HashSet::new() };
    for chunk in note_ids.chunks(INSERT_CHUNK) {
        let holders: Vec<(String, String, String)> = note::Entity::find()
            .select_only()
            .column(note::Column::Id)
            .column(note::Column::ConversationId)
            .column(note::Column::Origin)
            .filter(note::Column::WorkspaceId.eq(ws))
            .filter(note::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        for (id, conversation, origin) in holders {
            if origin == note::IMPORTED {
                taken.moved_from.insert(conversation);
            } else {
                taken.by_actions.insert(id);
            }
        }
        note::Entity::delete_many()
            .filter(note::Column::WorkspaceId.eq(ws))
            .filter(note::Column::Id.is_in(chunk.iter().copied()))
            .filter(note::Column::Origin.eq(note::IMPORTED))
            .exec(db)
            .await?;
    }
    Ok(taken)
}

fn user_row(workspace: &WorkspaceId, u: &User) -> user::ActiveModel {
    user::ActiveModel {
        workspace_id: Set(workspace.as_str().to_owned()),
        id: Set(u.id.clone()),
        name: Set(u.name.clone()),
        avatar_url: Set(u.avatar_url.clone()),
    }
}

fn customer_row(workspace: &WorkspaceId, c: &Customer) -> customer::ActiveModel {
    customer::ActiveModel {
        workspace_id: Set(workspace.as_str().to_owned()),
        id: Set(c.id.clone()),
        name: Set(c.name.clone()),
        phone: Set(c.phone.clone()),
        email: Set(c.email.clone()),
        servicetitan_id: Set(c.servicetitan_id.clone()),
    }
}

/// A conversation as a row to insert (its `seq` comes from the database).
fn conversation_row(workspace: &WorkspaceId, c: &Conversation) -> conversation::ActiveModel {
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

fn tag_rows(workspace: &WorkspaceId, conversations: &[&ImportedConversation]) -> Vec<conversation_tag::ActiveModel> {
    conversations
        .iter()
        .flat_map(|c| {
            c.tags.iter().map(|tag| conversation_tag::ActiveModel {
                workspace_id: Set(workspace.as_str().to_owned()),
                conversation_id: Set(c.conversation.id.clone()),
                tag: Set(tag.clone()),
                ..Default::default()
            })
        })
        .collect()
}

fn message_rows(workspace: &WorkspaceId, conversations: &[&ImportedConversation]) -> Vec<message::ActiveModel> {
    conversations
        .iter()
        .flat_map(|c| {
            c.messages.iter().map(|m| message::ActiveModel {
                workspace_id: Set(workspace.as_str().to_owned()),
                conversation_id: Set(c.conversation.id.clone()),
                id: Set(m.id.clone()),
                direction: Set(m.direction.clone()),
                body: Set(m.body.clone()),
                sent_at: Set(m.sent_at),
                ..Default::default()
            })
        })
        .collect()
}

/// The file's notes as rows: the first of each id, none with an id an action's note keeps.
fn note_rows(
    workspace: &WorkspaceId,
    conversations: &[&ImportedConversation],
    kept_by_actions: &HashSet<String>,
) -> Vec<note::ActiveModel> {
    let mut seen_notes = HashSet::new();
    conversations
        .iter()
        .flat_map(|c| c.notes.iter())
        .filter(|n| seen_notes.insert(n.id.as_str()) && !kept_by_actions.contains(&n.id))
        .map(|n| note::ActiveModel {
            workspace_id: Set(workspace.as_str().to_owned()),
            conversation_id: Set(n.conversation_id.clone()),
            id: Set(n.id.clone()),
            content: Set(n.content.clone()),
            internal: Set(n.internal),
            created_at: Set(n.created_at),
            origin: Set(note::IMPORTED.to_owned()),
            ..Default::default()
        })
        .collect()
}
