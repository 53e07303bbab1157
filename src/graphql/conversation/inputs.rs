//! Arguments of the `conversations` query, parsed into domain types; every rule broken
//! becomes `BAD_USER_INPUT` with the argument's path.

use async_graphql::{Enum, InputObject, ID};

use super::types::{Channel, Priority};
use crate::domain::{self, FilterField, FilterInput};
use crate::error::AppError;
use crate::graphql::scalars::DateTime;

/// Which statuses to include.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum StatusFilter {
    /// Only OPEN.
    Open,
    /// Only PENDING.
    Pending,
    /// Only RESOLVED.
    Resolved,
    /// Every status.
    #[default]
    All,
}

/// How `tags` combine.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum TagMatch {
    /// At least one of the tags.
    #[default]
    Any,
    /// Every one of the tags.
    All,
}

/// The order of a page; ties are broken by id, so paging is stable.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum ConversationSort {
    /// lastActivityAt desc, id desc.
    #[default]
    LastActivityDesc,
    /// lastActivityAt asc, id asc.
    LastActivityAsc,
    /// createdAt desc, id desc.
    CreatedDesc,
    /// createdAt asc, id asc.
    CreatedAsc,
    /// priority URGENT > HIGH > NORMAL > LOW, then lastActivityAt desc, id desc.
    PriorityDesc,
}

impl From<ConversationSort> for domain::ConversationSort {
    fn from(sort: ConversationSort) -> Self {
        match sort {
            ConversationSort::LastActivityDesc => Self::LastActivityDesc,
            ConversationSort::LastActivityAsc => Self::LastActivityAsc,
            ConversationSort::CreatedDesc => Self::CreatedDesc,
            ConversationSort::CreatedAsc => Self::CreatedAsc,
            ConversationSort::PriorityDesc => Self::PriorityDesc,
        }
    }
}

/// Conditions on conversations; they combine with AND.
#[derive(InputObject, Default, Debug)]
pub struct ConversationFilter {
    /// ALL (the default) matches every status.
    #[graphql(default_with = "Some(StatusFilter::All)")]
    pub status: Option<StatusFilter>,
    /// Any of these channels; null or [] means every channel.
    pub channels: Option<Vec<Channel>>,
    /// Conversations assigned to this user.
    pub assignee_id: Option<ID>,
    /// Conversations with this customer.
    pub customer_id: Option<ID>,
    /// createdAt >= dateFrom; a full date means 00:00:00Z of that day.
    pub date_from: Option<DateTime>,
    /// createdAt <= dateTo; a full date means the end of that day (UTC).
    pub date_to: Option<DateTime>,
    /// Words (each a prefix of a word of the conversation's text, customer name or
    /// email), or 4 or more digits of the customer's phone number. At most 200 characters.
    pub search: Option<String>,
    /// Normalised like addConversationTags; null or [] means no tag filter.
    pub tags: Option<Vec<String>>,
    /// ANY (the default): at least one of the tags; ALL: every one.
    #[graphql(default_with = "Some(TagMatch::Any)")]
    pub tag_match: Option<TagMatch>,
    /// Only this priority.
    pub priority: Option<Priority>,
}

impl ConversationFilter {
    pub fn parse(self) -> Result<domain::ConversationFilter, AppError> {
        let Self { status, channels, assignee_id, customer_id, date_from, date_to, search, tags, tag_match, priority } =
            self;
        let tags = tags.unwrap_or_default();
        let input = FilterInput {
            status: match status.unwrap_or_default() {
                StatusFilter::All => domain::StatusFilter::All,
                StatusFilter::Open => domain::StatusFilter::Only(domain::ConversationStatus::Open),
                StatusFilter::Pending => domain::StatusFilter::Only(domain::ConversationStatus::Pending),
                StatusFilter::Resolved => domain::StatusFilter::Only(domain::ConversationStatus::Resolved),
            },
            channels: channels.unwrap_or_default().into_iter().map(domain::Channel::from).collect(),
            assignee_id: assignee_id.map(|id| id.0),
            customer_id: customer_id.map(|id| id.0),
            date_from: date_from.as_ref().map(DateTime::as_str),
            date_to: date_to.as_ref().map(DateTime::as_str),
            search: search.as_deref(),
            tags: &tags,
            tag_match: match tag_match.unwrap_or_default() {
                TagMatch::Any => domain::TagMatch::Any,
                TagMatch::All => domain::TagMatch::All,
            },
            priority: priority.map(Into::into),
        };
        input.parse().map_err(|(field, err)| AppError::bad_input(format!("filter.{}", field_name(field)), err))
    }
}

/// A filter field's name in the schema.
fn field_name(field: FilterField) -> &'static str {
    match field {
        FilterField::Channels => "channels",
        FilterField::DateFrom => "dateFrom",
        FilterField::DateTo => "dateTo",
        FilterField::Search => "search",
        FilterField::Tags => "tags",
    }
}
