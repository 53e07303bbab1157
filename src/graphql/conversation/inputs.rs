//! Arguments of the `conversations` query, parsed into domain types; every rule broken
//! becomes `BAD_USER_INPUT` with the argument's path.

use async_graphql::{Enum, InputObject, ID};

use super::types::{Channel, Priority};
use crate::domain::{self, parse_date_bound, Bound, SearchQuery, TagList};
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

/// Tags a filter may name (more than a conversation can hold is still allowed, up to this).
const MAX_FILTER_TAGS: usize = 100;
/// Most entries `filter.channels` may list (there are four channels; repeats are folded).
const MAX_FILTER_CHANNELS: usize = 16;

impl ConversationFilter {
    pub fn parse(self) -> Result<domain::ConversationFilter, AppError> {
        let field = |name: &str| format!("filter.{name}");
        let created_from = self
            .date_from
            .map(|d| parse_date_bound(d.as_str(), Bound::From).map_err(|e| AppError::bad_input(field("dateFrom"), e)))
            .transpose()?;
        let created_to = self
            .date_to
            .map(|d| parse_date_bound(d.as_str(), Bound::To).map_err(|e| AppError::bad_input(field("dateTo"), e)))
            .transpose()?;
        if let (Some(from), Some(to)) = (created_from, created_to) {
            if from > to {
                return Err(AppError::bad_input(
                    field("dateFrom"),
                    domain::RuleError::new("dateFrom must not be after dateTo"),
                ));
            }
        }
        let search = self
            .search
            .as_deref()
            .map(SearchQuery::parse)
            .transpose()
            .map_err(|e| AppError::bad_input(field("search"), e))?
            .flatten();
        let tags = TagList::parse(self.tags.as_deref().unwrap_or_default(), 0, MAX_FILTER_TAGS)
            .map_err(|e| AppError::bad_input(field("tags"), e))?;
        let listed = self.channels.unwrap_or_default();
        if listed.len() > MAX_FILTER_CHANNELS {
            return Err(AppError::bad_input(
                field("channels"),
                domain::RuleError::new(format!("at most {MAX_FILTER_CHANNELS} channels may be listed")),
            ));
        }
        let mut channels: Vec<domain::Channel> = Vec::with_capacity(4);
        for channel in listed.into_iter().map(domain::Channel::from) {
            if !channels.contains(&channel) {
                channels.push(channel);
            }
        }
        Ok(domain::ConversationFilter {
            status: match self.status.unwrap_or_default() {
                StatusFilter::All => domain::StatusFilter::All,
                StatusFilter::Open => domain::StatusFilter::Only(domain::ConversationStatus::Open),
                StatusFilter::Pending => domain::StatusFilter::Only(domain::ConversationStatus::Pending),
                StatusFilter::Resolved => domain::StatusFilter::Only(domain::ConversationStatus::Resolved),
            },
            channels,
            assignee_id: self.assignee_id.map(|id| id.0),
            customer_id: self.customer_id.map(|id| id.0),
            created_from,
            created_to,
            search,
            tags,
            tag_match: match self.tag_match.unwrap_or_default() {
                TagMatch::Any => domain::TagMatch::Any,
                TagMatch::All => domain::TagMatch::All,
            },
            priority: self.priority.map(Into::into),
        })
    }
}
