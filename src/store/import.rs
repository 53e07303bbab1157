//! Writing an import: every conversation of a file, with its customer, assignee, tags,
//! messages and notes, upserted by id in one transaction.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use tracing::instrument;

use super::entity::{conversation, conversation_tag, customer, message, note, user};
use super::terms::{replace_conversation_terms, replace_customer_terms, words_of};
use super::{Store, INSERT_CHUNK};
use crate::domain::{Customer, ImportSummary, ImportedConversation, User, WorkspaceId};
use crate::error::AppError;

/// Options for the write transactions of this store: on SQLite, take the write lock at
/// BEGIN, so that concurrent writers queue on the busy timeout instead of failing.
pub fn write_transaction() -> TransactionOptions {
    TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    }
}

impl Store {
    /// Upserts every conversation (and its customer and assignee) by id; the same batch
    /// written twice leaves the same state. All or nothing.
    #[instrument(name = "db.import", skip_all, err, fields(conversations = batch.len()))]
    pub async fn import(
        &self,
        workspace: &WorkspaceId,
        batch: &[ImportedConversation],
    ) -> Result<ImportSummary, AppError> {
        let txn = self.db().begin_with_options(write_transaction()).await?;
        let summary = write_batch(&txn, workspace, batch).await?;
        txn.commit().await?;
        Ok(summary)
    }
}

async fn write_batch(
    txn: &DatabaseTransaction,
    workspace: &WorkspaceId,
    batch: &[ImportedConversation],
) -> Result<ImportSummary, AppError> {
    // Later occurrences of a customer or user win, as if the file were imported in order.
    let customers: BTreeMap<&str, &Customer> = batch
        .iter()
        .map(|c| (c.customer.id.as_str(), &c.customer))
        .collect();
    let users: BTreeMap<&str, &User> = batch
        .iter()
        .filter_map(|c| c.assignee.as_ref())
        .map(|u| (u.id.as_str(), u))
        .collect();
    let mut conversations: BTreeMap<&str, &ImportedConversation> = BTreeMap::new();
    for c in batch {
        conversations.insert(c.conversation.id.as_str(), c);
    }
    let conversations: Vec<&ImportedConversation> = conversations.into_values().collect();

    upsert_users(txn, workspace, users.values().copied()).await?;
    let customers: Vec<&Customer> = customers.into_values().collect();
    upsert_customers(txn, workspace, &customers).await?;
    replace_customer_terms(txn, workspace, &customers).await?;
    upsert_conversations(txn, workspace, &conversations).await?;
    replace_children(txn, workspace, &conversations).await?;
    let terms: Vec<(String, BTreeSet<String>)> = conversations
        .iter()
        .map(|c| {
            let texts = c
                .conversation
                .summary
                .as_deref()
                .into_iter()
                .chain(c.messages.iter().map(|m| m.body.as_str()))
                .chain(c.notes.iter().map(|n| n.content.as_str()));
            (c.conversation.id.clone(), words_of(texts))
        })
        .collect();
    replace_conversation_terms(txn, workspace, &terms).await?;
    Ok(ImportSummary {
        conversations: conversations.len(),
        customers: customers.len(),
        users: users.len(),
    })
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
    for chunk in rows.chunks(INSERT_CHUNK) {
        user::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([U::WorkspaceId, U::Id])
                    .update_columns([U::Name, U::AvatarUrl])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
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
    for chunk in rows.chunks(INSERT_CHUNK) {
        customer::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([K::WorkspaceId, K::Id])
                    .update_columns([K::Name, K::Phone, K::Email, K::ServicetitanId])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

async fn upsert_conversations<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    conversations: &[&ImportedConversation],
) -> Result<(), AppError> {
    use conversation::Column as V;
    let rows: Vec<_> = conversations
        .iter()
        .map(|i| {
            let c = &i.conversation;
            conversation::ActiveModel {
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
        })
        .collect();
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
    for chunk in rows.chunks(INSERT_CHUNK) {
        conversation::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([V::WorkspaceId, V::Id])
                    .update_columns(updated)
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Replaces the tags, messages and notes of these conversations with the file's.
async fn replace_children<C: ConnectionTrait>(
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
            .filter(message::Column::ConversationId.is_in(ids.clone()))
            .exec(db)
            .await?;
        note::Entity::delete_many()
            .filter(note::Column::WorkspaceId.eq(ws))
            .filter(note::Column::ConversationId.is_in(ids))
            .exec(db)
            .await?;
    }
    // A note id is unique in the workspace: the file's copy replaces one held elsewhere.
    let note_ids: Vec<&str> = conversations
        .iter()
        .flat_map(|c| c.notes.iter().map(|n| n.id.as_str()))
        .collect();
    for chunk in note_ids.chunks(INSERT_CHUNK) {
        note::Entity::delete_many()
            .filter(note::Column::WorkspaceId.eq(ws))
            .filter(note::Column::Id.is_in(chunk.iter().copied()))
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
    for chunk in tags.chunks(INSERT_CHUNK) {
        conversation_tag::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
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
    for chunk in messages.chunks(INSERT_CHUNK) {
        message::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    let mut seen_notes = HashSet::new();
    let notes: Vec<_> = conversations
        .iter()
        .flat_map(|c| c.notes.iter())
        .filter(|n| seen_notes.insert(n.id.as_str()))
        .map(|n| note::ActiveModel {
            workspace_id: Set(ws.to_owned()),
            conversation_id: Set(n.conversation_id.clone()),
            id: Set(n.id.clone()),
            content: Set(n.content.clone()),
            internal: Set(n.internal),
            created_at: Set(n.created_at),
            ..Default::default()
        })
        .collect();
    for chunk in notes.chunks(INSERT_CHUNK) {
        note::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}
