//! Cursors for keyset paging: where a page ended, under which filter and sort.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Conversation, ConversationFilter, ConversationSort, RuleError, Timestamp};

/// The sort key of one conversation: what a page that follows it starts after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SortKey {
    /// The priority rank, for `PRIORITY_DESC` only.
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<i16>,
    /// `lastActivityAt` or `createdAt`, as the sort says.
    #[serde(rename = "t")]
    pub time: Timestamp,
    #[serde(rename = "i")]
    pub id: String,
}

impl SortKey {
    pub fn of(conversation: &Conversation, sort: ConversationSort) -> Self {
        let time = match sort {
            ConversationSort::CreatedAsc | ConversationSort::CreatedDesc => conversation.created_at,
            _ => conversation.last_activity_at,
        };
        let rank = (sort == ConversationSort::PriorityDesc).then(|| conversation.priority.rank());
        Self { rank, time, id: conversation.id.clone() }
    }
}

/// An opaque `after` / `nextCursor` value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The sort it was made under.
    #[serde(rename = "s")]
    sort: String,
    /// A fingerprint of the filter it was made under.
    #[serde(rename = "f")]
    filter: String,
    #[serde(rename = "k")]
    pub key: SortKey,
}

const VERSION: &str = "c1.";

impl Cursor {
    pub fn new(filter: &ConversationFilter, sort: ConversationSort, key: SortKey) -> Self {
        Self { sort: sort_name(sort).to_owned(), filter: fingerprint(filter), key }
    }

    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        format!("{VERSION}{}", URL_SAFE_NO_PAD.encode(json))
    }

    /// Reads a cursor made under this filter and sort.
    pub fn decode(raw: &str, filter: &ConversationFilter, sort: ConversationSort) -> Result<Self, RuleError> {
        let malformed = || RuleError::new("malformed cursor: pass back a nextCursor unchanged");
        let body = raw.strip_prefix(VERSION).ok_or_else(malformed)?;
        let json = URL_SAFE_NO_PAD.decode(body).map_err(|_| malformed())?;
        let cursor: Self = serde_json::from_slice(&json).map_err(|_| malformed())?;
        if cursor.key.rank.is_some() != (sort == ConversationSort::PriorityDesc) || cursor.sort != sort_name(sort) {
            return Err(RuleError::new("this cursor was made under another sort"));
        }
        if cursor.filter != fingerprint(filter) {
            return Err(RuleError::new("this cursor was made under another filter"));
        }
        Ok(cursor)
    }
}

fn sort_name(sort: ConversationSort) -> &'static str {
    match sort {
        ConversationSort::LastActivityDesc => "LAD",
        ConversationSort::LastActivityAsc => "LAA",
        ConversationSort::CreatedDesc => "CD",
        ConversationSort::CreatedAsc => "CA",
        ConversationSort::PriorityDesc => "PD",
    }
}

/// Equal for filters that select the same conversations (they are normalised already).
fn fingerprint(filter: &ConversationFilter) -> String {
    let ConversationFilter {
        status,
        channels,
        assignee_id,
        customer_id,
        created_from,
        created_to,
        search,
        tags,
        tag_match,
        priority,
    } = filter;
    let text = format!(
        "{status:?}|{channels:?}|{assignee_id:?}|{customer_id:?}|{created_from:?}|{created_to:?}|{search:?}|{tags:?}|{tag_match:?}|{priority:?}"
    );
    hex::encode(&Sha256::digest(text.as_bytes())[..8])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Priority, SearchQuery, StatusFilter};

    fn filter() -> ConversationFilter {
        ConversationFilter {
            status: StatusFilter::Only(crate::domain::ConversationStatus::Open),
            search: SearchQuery::parse("water").unwrap(),
            ..ConversationFilter::default()
        }
    }

    fn key(rank: Option<i16>) -> SortKey {
        SortKey { rank, time: 1_705_752_000_000_000, id: "conv_abc123".into() }
    }

    #[test]
    fn round_trips() {
        let sort = ConversationSort::PriorityDesc;
        let cursor = Cursor::new(&filter(), sort, key(Some(Priority::Urgent.rank())));
        let encoded = cursor.encode();
        assert!(encoded.starts_with("c1."));
        assert_eq!(Cursor::decode(&encoded, &filter(), sort).unwrap(), cursor);
    }

    #[test]
    fn refuses_other_sorts_filters_and_garbage() {
        let encoded = Cursor::new(&filter(), ConversationSort::LastActivityDesc, key(None)).encode();
        assert!(Cursor::decode(&encoded, &filter(), ConversationSort::CreatedDesc).is_err());
        assert!(Cursor::decode(&encoded, &filter(), ConversationSort::PriorityDesc).is_err());
        assert!(Cursor::decode(&encoded, &ConversationFilter::default(), ConversationSort::LastActivityDesc).is_err());
        for garbage in ["", "c1.", "c1.!!!", "abc", "c1.e30", &encoded[..encoded.len() - 2]] {
            assert!(Cursor::decode(garbage, &filter(), ConversationSort::LastActivityDesc).is_err(), "{garbage:?}");
        }
    }
}
