//! The JSON documents of the REST API, with the keys of the REST documentation in its
//! order (contract sections 7 and 8): snake_case keys, lower-case values.

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::domain::{format_timestamp, ActivityEvent, ActivityKind, Customer, Note, User};
use crate::inbox::{ConversationPage, ConversationRecord};

/// A conversation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Conversation)]
pub struct ConversationDoc {
    #[schema(example = "conv_abc123")]
    pub id: String,
    #[schema(value_type = ChannelValue)]
    pub channel: &'static str,
    #[schema(value_type = StatusValue)]
    pub status: &'static str,
    #[schema(value_type = PriorityValue)]
    pub priority: &'static str,
    pub customer: CustomerDoc,
    pub assignee: Option<UserDoc>,
    pub summary: Option<String>,
    pub messages_count: i32,
    pub unread_count: i32,
    /// In the order they were added.
    pub tags: Vec<String>,
    /// Channel details, keys as stored (e.g. `call_duration`, `recording_url`, `thread_id`).
    #[schema(value_type = Object)]
    pub metadata: Map<String, Value>,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub last_activity_at: String,
    pub resolved_at: Option<String>,
    pub resolution_notes: Option<String>,
    /// Oldest first; in the single-conversation answers only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<Vec<NoteDoc>>,
    /// Oldest first; in the single-conversation answers only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity: Option<Vec<ActivityDoc>>,
}

/// A conversation's channel.
#[derive(ToSchema)]
#[schema(as = Channel)]
#[allow(dead_code)] // documents the values only
pub enum ChannelValue {
    #[schema(rename = "voice")]
    Voice,
    #[schema(rename = "sms")]
    Sms,
    #[schema(rename = "email")]
    Email,
    #[schema(rename = "live_chat")]
    LiveChat,
}

/// A conversation's status.
#[derive(ToSchema)]
#[schema(as = Status)]
#[allow(dead_code)]
pub enum StatusValue {
    #[schema(rename = "open")]
    Open,
    #[schema(rename = "pending")]
    Pending,
    #[schema(rename = "resolved")]
    Resolved,
}

/// A conversation's priority.
#[derive(ToSchema)]
#[schema(as = Priority)]
#[allow(dead_code)]
pub enum PriorityValue {
    #[schema(rename = "urgent")]
    Urgent,
    #[schema(rename = "high")]
    High,
    #[schema(rename = "normal")]
    Normal,
    #[schema(rename = "low")]
    Low,
}

/// What an activity event records.
#[derive(ToSchema)]
#[schema(as = ActivityKind)]
#[allow(dead_code)]
pub enum ActivityKindValue {
    #[schema(rename = "assigned")]
    Assigned,
    #[schema(rename = "unassigned")]
    Unassigned,
    #[schema(rename = "status_changed")]
    StatusChanged,
    #[schema(rename = "tags_added")]
    TagsAdded,
    #[schema(rename = "tags_removed")]
    TagsRemoved,
    #[schema(rename = "note_added")]
    NoteAdded,
    #[schema(rename = "imported")]
    Imported,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Customer)]
pub struct CustomerDoc {
    pub id: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// The customer's id in ServiceTitan.
    pub servicetitan_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = User)]
pub struct UserDoc {
    pub id: String,
    pub name: String,
    pub avatar_url: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Note)]
pub struct NoteDoc {
    pub id: String,
    pub content: String,
    pub internal: bool,
    pub created_at: String,
}

/// One thing that happened to a conversation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ActivityEvent)]
pub struct ActivityDoc {
    pub id: String,
    #[schema(value_type = ActivityKindValue)]
    pub kind: &'static str,
    pub at: String,
    /// What changed: `{"assignee_id"}`, `{"from", "to"}` (lower-case statuses),
    /// `{"tags"}`, `{"note_id"}`, `{"created"}` (an import).
    #[schema(value_type = Object)]
    pub details: Value,
}

/// Where a page stands in the whole result.
#[derive(Debug, Serialize, ToSchema)]
pub struct Pagination {
    /// Every conversation matching the filter.
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
    /// `offset + returned < total`; with `after`, exactly when `next_cursor` is not null.
    pub has_more: bool,
    /// Pass it back as `after` (same filter and sort, offset 0) for the page that follows.
    pub next_cursor: Option<String>,
}

/// `data` of the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationList {
    pub conversations: Vec<ConversationDoc>,
    pub pagination: Pagination,
}

/// `data` of the answers about one conversation.
#[derive(Debug, Serialize, ToSchema)]
pub struct OneConversation {
    pub conversation: ConversationDoc,
}

/// `data` of a new note.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewNote {
    pub note: NoteDoc,
    pub conversation: ConversationDoc,
}

impl From<ConversationRecord> for ConversationDoc {
    fn from(record: ConversationRecord) -> Self {
        let ConversationRecord { conversation: c, customer, assignee, tags, history } = record;
        let (notes, activity) = match history {
            Some(h) => (
                Some(h.notes.into_iter().map(NoteDoc::from).collect()),
                Some(h.activity.into_iter().map(ActivityDoc::from).collect()),
            ),
            None => (None, None),
        };
        Self {
            id: c.id,
            channel: c.channel.as_str(),
            status: c.status.as_str(),
            priority: c.priority.as_str(),
            customer: customer.into(),
            assignee: assignee.map(UserDoc::from),
            summary: c.summary,
            messages_count: c.messages_count,
            unread_count: c.unread_count,
            tags,
            metadata: c.metadata,
            created_at: format_timestamp(c.created_at),
            last_activity_at: format_timestamp(c.last_activity_at),
            resolved_at: c.resolved_at.map(format_timestamp),
            resolution_notes: c.resolution_notes,
            notes,
            activity,
        }
    }
}

impl From<Customer> for CustomerDoc {
    fn from(c: Customer) -> Self {
        Self { id: c.id, name: c.name, phone: c.phone, email: c.email, servicetitan_id: c.servicetitan_id }
    }
}

impl From<User> for UserDoc {
    fn from(u: User) -> Self {
        Self { id: u.id, name: u.name, avatar_url: u.avatar_url }
    }
}

impl From<Note> for NoteDoc {
    fn from(n: Note) -> Self {
        Self { id: n.id, content: n.content, internal: n.internal, created_at: format_timestamp(n.created_at) }
    }
}

impl From<ActivityEvent> for ActivityDoc {
    fn from(e: ActivityEvent) -> Self {
        Self { id: e.id, kind: e.kind.as_str(), at: format_timestamp(e.at), details: rest_details(e.kind, e.details) }
    }
}

/// An event's details in REST's spelling: snake_case keys, lower-case statuses.
fn rest_details(kind: ActivityKind, details: Value) -> Value {
    let Value::Object(map) = details else { return details };
    let lower = kind == ActivityKind::StatusChanged;
    Value::Object(
        map.into_iter()
            .map(|(key, value)| {
                let value = match value {
                    Value::String(s) if lower => Value::String(s.to_lowercase()),
                    other => other,
                };
                (snake_case(&key), value)
            })
            .collect(),
    )
}

fn snake_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for ch in key.chars() {
        if ch.is_ascii_uppercase() {
            out.push('_');
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

impl Pagination {
    pub fn of(page: &ConversationPage) -> Self {
        Self {
            total: page.total.unwrap_or_default(),
            limit: page.limit.get(),
            offset: page.offset.get(),
            has_more: page.has_more,
            next_cursor: page.next_cursor.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_speak_rest() {
        let details = rest_details(ActivityKind::StatusChanged, serde_json::json!({"from": "OPEN", "to": "RESOLVED"}));
        assert_eq!(details, serde_json::json!({"from": "open", "to": "resolved"}));
        let details = rest_details(ActivityKind::Assigned, serde_json::json!({"assigneeId": "user_1"}));
        assert_eq!(details, serde_json::json!({"assignee_id": "user_1"}));
        let details = rest_details(ActivityKind::TagsAdded, serde_json::json!({"tags": ["VIP"]}));
        assert_eq!(details, serde_json::json!({"tags": ["VIP"]}));
    }
}
