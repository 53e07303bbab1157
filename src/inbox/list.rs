//! Reading conversations: a page (with its cursor and, when asked, its total), the
//! total alone, and one conversation.

use super::Inbox;
use crate::domain::{
    Conversation, ConversationFilter, ConversationSort, Cursor, Limit, Offset, PageRequest, RuleError, SortKey,
};
use crate::error::AppError;
use crate::store::{self, Related};

/// A page asked for: the filter and sort, its size and where it starts.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub filter: ConversationFilter,
    pub sort: ConversationSort,
    pub limit: Limit,
    pub offset: Offset,
    /// A cursor made by an earlier page of the same filter and sort, as sent.
    pub after: Option<String>,
    /// Count every match too (else the transport counts later, only when asked).
    pub with_total: bool,
}

/// One page of conversations and where it stands.
#[derive(Debug)]
pub struct ConversationPage {
    /// The page, in the sort's order.
    pub rows: Vec<Conversation>,
    /// What the page's statement brought along of the rows' customers, assignees and tags.
    pub related: store::Page,
    /// Every match, when the query asked for it.
    pub total: Option<u64>,
    /// Whether more conversations follow the page.
    pub has_more: bool,
    /// The cursor of the page's last row when more follow.
    pub next_cursor: Option<String>,
    pub filter: ConversationFilter,
    pub sort: ConversationSort,
    pub limit: Limit,
    pub offset: Offset,
}

impl ConversationPage {
    /// The cursor of `row`: `after` takes it for the conversations that follow it.
    pub fn cursor(&self, row: &Conversation) -> String {
        Cursor::new(&self.filter, self.sort, SortKey::of(row, self.sort)).encode()
    }
}

impl Inbox<'_> {
    /// One page of the workspace's conversations, with the related rows `related` asks
    /// for read in the same statement. `after` is refused (field `after`) when malformed,
    /// made under another filter or sort, or combined with an offset.
    pub async fn list_conversations(&self, query: ListQuery, related: Related) -> Result<ConversationPage, AppError> {
        let ListQuery { filter, sort, limit, offset, after, with_total } = query;
        let after = after
            .map(|raw| {
                if offset.get() != 0 {
                    return Err(RuleError::new("after and a non-zero offset cannot be combined"));
                }
                Cursor::decode(&raw, &filter, sort).map(|c| c.key)
            })
            .transpose()
            .map_err(|e| AppError::bad_input("after", e))?;
        // One row past the page tells whether more follow, without counting.
        let page = PageRequest { sort, limit: limit.get() + 1, offset: offset.get(), after };
        let mut found = self.store.list_conversations(self.workspace, &filter, &page, related).await?;
        let mut rows = std::mem::take(&mut found.conversations);
        let has_more = rows.len() as u64 > limit.get();
        rows.truncate(usize::try_from(limit.get()).unwrap_or(usize::MAX));
        let total = if with_total { Some(self.count_conversations(&filter).await?) } else { None };
        let mut listed =
            ConversationPage { rows, related: found, total, has_more, next_cursor: None, filter, sort, limit, offset };
        listed.next_cursor = listed.rows.last().filter(|_| has_more).map(|last| listed.cursor(last));
        Ok(listed)
    }

    /// Every conversation of the workspace matching `filter`.
    pub async fn count_conversations(&self, filter: &ConversationFilter) -> Result<u64, AppError> {
        self.store.count_conversations(self.workspace, filter).await
    }

    /// One conversation of the workspace; `None` when it has none with this id.
    pub async fn get_conversation(&self, id: &str) -> Result<Option<Conversation>, AppError> {
        self.store.get_conversation(self.workspace, id).await
    }
}
