//! What conversations point at, fetched for many conversations in one query each
//! (the GraphQL DataLoaders call these). The lists have an entry for every id asked,
//! empty when there is nothing, so that a loader's cache knows about the empty ones too.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use tracing::instrument;

use super::entity::{activity_event, conversation_tag, customer, note, user};
use super::{convert, Store};
use crate::domain::{ActivityEvent, Customer, Note, User, WorkspaceId};
use crate::error::AppError;

impl Store {
    #[instrument(name = "db.customers.by_ids", skip_all, err(level = "debug"))]
    pub async fn customers_by_ids(
        &self,
        workspace: &WorkspaceId,
        ids: &[String],
    ) -> Result<HashMap<String, Customer>, AppError> {
        let rows = customer::Entity::find()
            .filter(customer::Column::WorkspaceId.eq(workspace.as_str()))
            .filter(customer::Column::Id.is_in(ids))
            .all(self.db())
            .await?;
        Ok(rows.into_iter().map(|r| (r.id.clone(), convert::customer(r))).collect())
    }

    #[instrument(name = "db.users.by_ids", skip_all, err(level = "debug"))]
    pub async fn users_by_ids(
        &self,
        workspace: &WorkspaceId,
        ids: &[String],
    ) -> Result<HashMap<String, User>, AppError> {
        let rows = user::Entity::find()
            .filter(user::Column::WorkspaceId.eq(workspace.as_str()))
            .filter(user::Column::Id.is_in(ids))
            .all(self.db())
            .await?;
        Ok(rows.into_iter().map(|r| (r.id.clone(), convert::user(r))).collect())
    }

    /// Each conversation's tags, in the order they were added.
    #[instrument(name = "db.tags.by_conversations", skip_all, err(level = "debug"))]
    pub async fn tags_by_conversations(
        &self,
        workspace: &WorkspaceId,
        ids: &[String],
    ) -> Result<HashMap<String, Vec<String>>, AppError> {
        let rows = conversation_tag::Entity::find()
            .filter(conversation_tag::Column::WorkspaceId.eq(workspace.as_str()))
            .filter(conversation_tag::Column::ConversationId.is_in(ids))
            .order_by_asc(conversation_tag::Column::Seq)
            .all(self.db())
            .await?;
        let mut tags: HashMap<String, Vec<String>> = ids.iter().map(|id| (id.clone(), Vec::new())).collect();
        for row in rows {
            tags.entry(row.conversation_id).or_default().push(row.tag);
        }
        Ok(tags)
    }

    /// Each conversation's notes, oldest first.
    #[instrument(name = "db.notes.by_conversations", skip_all, err(level = "debug"))]
    pub async fn notes_by_conversations(
        &self,
        workspace: &WorkspaceId,
        ids: &[String],
    ) -> Result<HashMap<String, Vec<Note>>, AppError> {
        let rows = note::Entity::find()
            .filter(note::Column::WorkspaceId.eq(workspace.as_str()))
            .filter(note::Column::ConversationId.is_in(ids))
            .order_by_asc(note::Column::CreatedAt)
            .order_by_asc(note::Column::Seq)
            .all(self.db())
            .await?;
        let mut notes: HashMap<String, Vec<Note>> = ids.iter().map(|id| (id.clone(), Vec::new())).collect();
        for row in rows {
            notes.entry(row.conversation_id.clone()).or_default().push(convert::note(row));
        }
        Ok(notes)
    }

    /// The workspace's notes with these ids (not by conversation: for global object ids).
    #[instrument(name = "db.notes.by_ids", skip_all, err(level = "debug"))]
    pub async fn notes_by_ids(
        &self,
        workspace: &WorkspaceId,
        ids: &[String],
    ) -> Result<HashMap<String, Note>, AppError> {
        let rows = note::Entity::find()
            .filter(note::Column::WorkspaceId.eq(workspace.as_str()))
            .filter(note::Column::Id.is_in(ids))
            .all(self.db())
            .await?;
        Ok(rows.into_iter().map(|r| (r.id.clone(), convert::note(r))).collect())
    }

    /// Each conversation's activity, oldest first: in the order the locked writes made it.
    #[instrument(name = "db.activity.by_conversations", skip_all, err(level = "debug"))]
    pub async fn activity_by_conversations(
        &self,
        workspace: &WorkspaceId,
        ids: &[String],
    ) -> Result<HashMap<String, Vec<ActivityEvent>>, AppError> {
        let rows = activity_event::Entity::find()
            .filter(activity_event::Column::WorkspaceId.eq(workspace.as_str()))
            .filter(activity_event::Column::ConversationId.is_in(ids))
            .order_by_asc(activity_event::Column::Seq)
            .all(self.db())
            .await?;
        let mut events: HashMap<String, Vec<ActivityEvent>> = ids.iter().map(|id| (id.clone(), Vec::new())).collect();
        for row in rows {
            let event = convert::activity_event(row)?;
            events.entry(event.conversation_id.clone()).or_default().push(event);
        }
        Ok(events)
    }
}
