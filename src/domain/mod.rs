//! Plain types and rules of the inbox: no I/O, everything unit-tested in place.

mod cursor;
mod enums;
mod filter;
mod ids;
mod node_id;
mod note;
mod page;
mod records;
mod search;
mod status;
mod tag;
mod time;

pub use cursor::{Cursor, SortKey};
pub use enums::{ActivityKind, Channel, ConversationSort, ConversationStatus, Priority, StatusFilter, TagMatch};
pub use filter::{ConversationFilter, FilterFacts, FilterField, FilterInput, SearchText};
pub use ids::{new_id, ApiKey, ApiKeyId, WorkspaceId};
pub use node_id::{NodeId, NodeKind};
pub use note::NoteContent;
pub use page::{Limit, Offset};
pub use records::{
    ActivityEvent, Conversation, Customer, ImportSummary, ImportedConversation, Message, Note, PageRequest, User,
};
pub use search::{
    fold, phone_suffixes, prefix_upper_bound, search_key, words, SearchQuery, MAX_SEARCH_CHARS, MAX_TERM_CHARS,
    SEARCH_KEY_CHARS,
};
pub use status::{StatusChange, StatusState};
pub use tag::{TagList, TagName, MAX_TAGS_PER_CALL, MAX_TAGS_PER_CONVERSATION};
pub use time::{format_timestamp, parse_date_bound, parse_rfc3339, Bound, Clock, SystemClock, Timestamp};

/// A rule of the contract that an input broke; the resolver adds the argument path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RuleError(pub String);

impl RuleError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// At most `max` characters of a client-sent value, for messages and log lines: a
/// longer one is cut and says how much was left out.
pub fn abbreviate(value: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match value.char_indices().nth(max) {
        None => std::borrow::Cow::Borrowed(value),
        Some((end, _)) => {
            let left_out = value[end..].chars().count();
            std::borrow::Cow::Owned(format!("{}…(+{left_out} characters)", &value[..end]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::abbreviate;

    #[test]
    fn abbreviates_long_values_only() {
        assert_eq!(abbreviate("conv_1", 64), "conv_1");
        assert_eq!(abbreviate("ééééé", 2), "éé…(+3 characters)");
        assert_eq!(abbreviate(&"x".repeat(500_000), 64).len(), 64 + "…(+499936 characters)".len());
    }
}
