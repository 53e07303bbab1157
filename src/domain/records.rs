//! The inbox's records as the rest of the gateway sees them.

use serde_json::{Map, Value};

use super::{ActivityKind, Channel, ConversationSort, ConversationStatus, Priority, Timestamp};

#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    pub id: String,
    pub channel: Channel,
    pub status: ConversationStatus,
    pub priority: Priority,
    pub customer_id: String,
    pub assignee_id: Option<String>,
    pub summary: Option<String>,
    pub messages_count: i32,
    pub unread_count: i32,
    /// Channel details, a JSON object with its keys in the order they were stored.
    pub metadata: Map<String, Value>,
    pub created_at: Timestamp,
    pub last_activity_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    pub resolution_notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub servicetitan_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub name: String,
    pub avatar_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub id: String,
    pub conversation_id: String,
    pub content: String,
    pub internal: bool,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActivityEvent {
    pub id: String,
    pub conversation_id: String,
    pub kind: ActivityKind,
    pub at: Timestamp,
    pub details: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: Option<String>,
    pub direction: Option<String>,
    pub body: String,
    pub sent_at: Timestamp,
}

/// One page request over a filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageRequest {
    pub sort: ConversationSort,
    pub limit: u64,
    pub offset: u64,
    /// Keyset paging: the page starts after this conversation.
    pub after: Option<super::SortKey>,
}

/// One conversation of an import file, with everything it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedConversation {
    pub conversation: Conversation,
    pub customer: Customer,
    pub assignee: Option<User>,
    /// Normalised, in file order, without duplicates.
    pub tags: Vec<String>,
    pub messages: Vec<Message>,
    pub notes: Vec<Note>,
}

/// What an import wrote: distinct conversations, customers and users of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    pub conversations: usize,
    pub customers: usize,
    pub users: usize,
}
