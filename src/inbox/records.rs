//! Whole conversations, for transports that answer with documents rather than let the
//! client select fields: each with its customer, assignee and tags, and when asked its
//! notes and activity.

use std::collections::HashMap;

use super::{ConversationPage, Inbox};
use crate::domain::{ActivityEvent, Conversation, Customer, Note, User};
use crate::error::AppError;

/// A conversation with everything it refers to.
#[derive(Debug, Clone)]
pub struct ConversationRecord {
    pub conversation: Conversation,
    pub customer: Customer,
    pub assignee: Option<User>,
    /// In the order they were added.
    pub tags: Vec<String>,
    /// Its notes and activity, oldest first, when asked for.
    pub history: Option<History>,
}

#[derive(Debug, Clone, Default)]
pub struct History {
    pub notes: Vec<Note>,
    pub activity: Vec<ActivityEvent>,
}

impl Inbox<'_> {
    /// The page's rows as records, from what the page's statement brought along (it must
    /// have been asked for customers, assignees and tags): no statement more.
    pub fn page_records(&self, page: &mut ConversationPage) -> Result<Vec<ConversationRecord>, AppError> {
        let customers: HashMap<String, Customer> =
            std::mem::take(&mut page.related.customers).into_iter().map(|c| (c.id.clone(), c)).collect();
        let users: HashMap<String, User> =
            std::mem::take(&mut page.related.users).into_iter().map(|u| (u.id.clone(), u)).collect();
        let mut tags: HashMap<String, Vec<String>> = page.related.tags.take().unwrap_or_default().into_iter().collect();
        let rows = std::mem::take(&mut page.rows);
        rows.into_iter()
            .map(|conversation| {
                let customer =
                    customers.get(&conversation.customer_id).cloned().ok_or_else(|| missing(&conversation))?;
                let assignee = conversation.assignee_id.as_ref().and_then(|id| users.get(id)).cloned();
                let tags = tags.remove(&conversation.id).unwrap_or_default();
                Ok(ConversationRecord { conversation, customer, assignee, tags, history: None })
            })
            .collect()
    }

    /// One conversation as a record with its history.
    pub async fn record(&self, conversation: Conversation) -> Result<ConversationRecord, AppError> {
        let ids = [conversation.id.clone()];
        let assignee_ids: Vec<String> = conversation.assignee_id.iter().cloned().collect();
        let users = async {
            if assignee_ids.is_empty() {
                return Ok(HashMap::new());
            }
            self.store.users_by_ids(self.workspace, &assignee_ids).await
        };
        let (mut customers, mut users, mut tags, mut notes, mut activity) = futures::try_join!(
            self.store.customers_by_ids(self.workspace, std::slice::from_ref(&conversation.customer_id)),
            users,
            self.store.tags_by_conversations(self.workspace, &ids),
            self.store.notes_by_conversations(self.workspace, &ids),
            self.store.activity_by_conversations(self.workspace, &ids),
        )?;
        let customer = customers.remove(&conversation.customer_id).ok_or_else(|| missing(&conversation))?;
        let assignee = conversation.assignee_id.as_ref().and_then(|id| users.remove(id));
        let history = History {
            notes: notes.remove(&conversation.id).unwrap_or_default(),
            activity: activity.remove(&conversation.id).unwrap_or_default(),
        };
        let tags = tags.remove(&conversation.id).unwrap_or_default();
        Ok(ConversationRecord { conversation, customer, assignee, tags, history: Some(history) })
    }

    /// One conversation of the workspace as a record with its history; `None` when there
    /// is none with this id.
    pub async fn get_record(&self, id: &str) -> Result<Option<ConversationRecord>, AppError> {
        match self.get_conversation(id).await? {
            Some(conversation) => Ok(Some(self.record(conversation).await?)),
            None => Ok(None),
        }
    }
}

/// A conversation whose customer row is gone: the store broke its own invariant.
fn missing(conversation: &Conversation) -> AppError {
    AppError::internal(anyhow::anyhow!(
        "conversation {} has no customer row {}",
        conversation.id,
        conversation.customer_id
    ))
}
