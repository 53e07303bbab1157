//! What the bulk load writes: users, customers and conversations upserted by id, and
//! the conversations' tags, messages and imported notes replaced by the file's, all
//! through [`insert_chunked`].

use std::collections::{BTreeSet, HashSet};

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::domain::{Conversation, Customer, ImportedConversation, Note, User, WorkspaceId};
use crate::error::AppError;
use crate::store::chunked::insert_chunked;
use crate::store::entity::{conversation, conversation_tag, customer, message, note, user};
use crate::store::INSERT_CHUNK;

pub(super) async fn upsert_users<'a, C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    users: impl Iterator<Item = &'a User>,
) -> Result<(), AppError> {
    use user::Column as U;
    let rows = users.map(|u| user_row(workspace, u)).collect();
    let on_conflict = OnConflict::columns([U::WorkspaceId, U::Id]).update_columns([U::Name, U::AvatarUrl]).to_owned();
    Ok(insert_chunked(db, rows, Some(on_conflict)).await?)
}

pub(super) async fn upsert_customers<C: ConnectionTrait>(
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

pub(super) async fn upsert_conversations<C: ConnectionTrait>(
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
pub(super) struct NotesReplaced {
    /// Other conversations that lost an imported note to the file (a note id is unique in
    /// the workspace, so the file's copy moves it).
    pub(super) moved_from: BTreeSet<String>,
    /// The file's conversations whose notes were left out: notes with the id of a note
    /// `addConversationNote` wrote, which stays as written.
    pub(super) left_out_of: BTreeSet<String>,
    /// The ids of those notes.
    pub(super) kept_by_actions: HashSet<String>,
}

/// Replaces the tags, messages and imported notes of these conversations with the file's.
pub(super) async fn replace_children<C: ConnectionTrait>(
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
    Ok(NotesReplaced { moved_from: taken.moved_from, left_out_of, kept_by_actions: taken.by_actions })
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
        metadata: Set(metadata_text(c)),
        created_at: Set(c.created_at),
        last_activity_at: Set(c.last_activity_at),
        resolved_at: Set(c.resolved_at),
        resolution_notes: Set(c.resolution_notes.clone()),
    }
}

/// Whether upserting `c` leaves `row` as it is: every column [`conversation_row`]
/// writes holds what it would write.
pub(super) fn row_holds(row: &conversation::Model, c: &Conversation) -> bool {
    let conversation::Model {
        seq: _,
        workspace_id: _,
        id,
        channel,
        status,
        priority,
        priority_rank,
        customer_id,
        assignee_id,
        summary,
        messages_count,
        unread_count,
        metadata,
        created_at,
        last_activity_at,
        resolved_at,
        resolution_notes,
    } = row;
    *id == c.id
        && channel == c.channel.as_str()
        && status == c.status.as_str()
        && priority == c.priority.as_str()
        && *priority_rank == c.priority.rank()
        && *customer_id == c.customer_id
        && *assignee_id == c.assignee_id
        && *summary == c.summary
        && *messages_count == c.messages_count
        && *unread_count == c.unread_count
        && *metadata == metadata_text(c)
        && *created_at == c.created_at
        && *last_activity_at == c.last_activity_at
        && *resolved_at == c.resolved_at
        && *resolution_notes == c.resolution_notes
}

/// The `metadata` column as written: the JSON text, its keys in their order (compared
/// as text, so that a change of order is a change).
fn metadata_text(c: &Conversation) -> String {
    serde_json::Value::Object(c.metadata.clone()).to_string()
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

/// The file's notes as they are written: the first of each id, none with an id an
/// action's note keeps.
pub(super) fn written_notes<'a>(
    conversations: &'a [&'a ImportedConversation],
    kept_by_actions: &'a HashSet<String>,
) -> impl Iterator<Item = &'a Note> + 'a {
    let mut seen_notes = HashSet::new();
    conversations
        .iter()
        .flat_map(|c| c.notes.iter())
        .filter(move |n| seen_notes.insert(n.id.as_str()) && !kept_by_actions.contains(&n.id))
}

fn note_rows(
    workspace: &WorkspaceId,
    conversations: &[&ImportedConversation],
    kept_by_actions: &HashSet<String>,
) -> Vec<note::ActiveModel> {
    written_notes(conversations, kept_by_actions)
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
