//! Stored rows to domain records. A row that does not parse is a corrupt store: an
//! internal error, never shown to clients.

use anyhow::{anyhow, Context};
use serde_json::{Map, Value};

use super::entity::{activity_event, conversation, customer, note, user};
use crate::domain::{ActivityEvent, Conversation, Customer, Note, User};
use crate::error::AppError;

pub fn conversation(row: conversation::Model) -> Result<Conversation, AppError> {
    let corrupt = |what: &str| anyhow!("conversation {} has a bad {what}", row.id);
    let metadata: Map<String, Value> = serde_json::from_str(&row.metadata).map_err(|_| corrupt("metadata"))?;
    Ok(Conversation {
        channel: row.channel.parse().map_err(|_| corrupt("channel"))?,
        status: row.status.parse().map_err(|_| corrupt("status"))?,
        priority: row.priority.parse().map_err(|_| corrupt("priority"))?,
        metadata,
        id: row.id,
        customer_id: row.customer_id,
        assignee_id: row.assignee_id,
        summary: row.summary,
        messages_count: row.messages_count,
        unread_count: row.unread_count,
        created_at: row.created_at,
        last_activity_at: row.last_activity_at,
        resolved_at: row.resolved_at,
        resolution_notes: row.resolution_notes,
    })
}

pub fn customer(row: customer::Model) -> Customer {
    Customer { id: row.id, name: row.name, phone: row.phone, email: row.email, servicetitan_id: row.servicetitan_id }
}

pub fn user(row: user::Model) -> User {
    User { id: row.id, name: row.name, avatar_url: row.avatar_url }
}

pub fn note(row: note::Model) -> Note {
    Note {
        id: row.id,
        conversation_id: row.conversation_id,
        content: row.content,
        internal: row.internal,
        created_at: row.created_at,
    }
}

pub fn activity_event(row: activity_event::Model) -> Result<ActivityEvent, AppError> {
    let kind = row.kind.parse().map_err(|_| anyhow!("event {} has a bad kind", row.id))?;
    let details = serde_json::from_str(&row.details).with_context(|| format!("event {} has bad details", row.id))?;
    Ok(ActivityEvent { id: row.id, conversation_id: row.conversation_id, kind, at: row.at, details })
}

impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> Self {
        Self::Internal(err)
    }
}
