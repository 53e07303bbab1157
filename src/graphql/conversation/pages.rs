//! The two shapes of a page of conversations: the `conversations` list with its
//! `pagination`, and the same page as a Relay connection. Both count their total only
//! when it is selected.

use async_graphql::{ComplexObject, Context, Object, Result, SimpleObject};

use super::types::Conversation;
use crate::domain::{self, Limit, Offset};
use crate::error::GqlResultExt;
use crate::graphql::ContextExt;

/// A page of conversations as a Relay connection.
pub struct ConversationConnection {
    pub edges: Vec<ConversationEdge>,
    pub page_info: PageInfo,
    /// What `totalCount` counts, when asked.
    pub filter: domain::ConversationFilter,
}

#[Object]
impl ConversationConnection {
    /// The page, in the requested order.
    // The list around the edges costs nothing of itself: a page of edges then counts
    // against the complexity limit as a `conversations` page of the same fields does
    // (and one more per row for `cursor`).
    #[graphql(complexity = "child_complexity")]
    async fn edges(&self) -> &[ConversationEdge] {
        &self.edges
    }

    /// Where the page stands.
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }

    /// Every conversation matching the filter (as `pagination.total`); counted only
    /// when asked for.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i32> {
        count(ctx, &self.filter).await
    }
}

/// One conversation of a connection, with its place in it.
#[derive(SimpleObject)]
pub struct ConversationEdge {
    /// Pass it back as `after` (same filter and sort) for the conversations that follow
    /// this one.
    pub cursor: String,
    /// The conversation.
    pub node: Conversation,
}

/// Where a connection's page stands.
#[derive(SimpleObject)]
pub struct PageInfo {
    /// True when conversations follow this page.
    pub has_next_page: bool,
    /// True exactly when the page was asked with `after`.
    pub has_previous_page: bool,
    /// The first edge's cursor; null when there are no edges.
    pub start_cursor: Option<String>,
    /// The last edge's cursor; null when there are no edges.
    pub end_cursor: Option<String>,
}

/// One page of conversations.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ConversationList {
    /// The page, in the requested order.
    pub conversations: Vec<Conversation>,
    #[graphql(skip)]
    pub pagination: PageState,
}

#[ComplexObject]
impl ConversationList {
    /// Where the page stands in the whole result.
    async fn pagination(&self) -> &PageState {
        &self.pagination
    }
}

/// Every conversation matching the filter, from the maintained counts when it can.
async fn count(ctx: &Context<'_>, filter: &domain::ConversationFilter) -> Result<i32> {
    let total = ctx.inbox().count_conversations(filter).await.gql()?;
    Ok(i32::try_from(total).unwrap_or(i32::MAX))
}

/// Where a page stands; `total` is counted only when a client asks for it.
pub struct PageState {
    pub filter: domain::ConversationFilter,
    pub limit: Limit,
    pub offset: Offset,
    pub has_more: bool,
    pub next_cursor: Option<String>,
}

#[Object(name = "Pagination")]
impl PageState {
    /// Every conversation matching the filter.
    async fn total(&self, ctx: &Context<'_>) -> Result<i32> {
        count(ctx, &self.filter).await
    }

    /// The page size asked for.
    async fn limit(&self) -> i32 {
        i32::try_from(self.limit.get()).unwrap_or(i32::MAX)
    }

    /// The matches skipped.
    async fn offset(&self) -> i32 {
        i32::try_from(self.offset.get()).unwrap_or(i32::MAX)
    }

    /// True when matches follow this page (`offset + returned < total`; with `after`,
    /// exactly when `nextCursor` is not null).
    async fn has_more(&self) -> bool {
        self.has_more
    }

    /// Pass it back as `after` (same filter and sort, offset 0) for the page that
    /// follows; null when no conversation follows this page.
    async fn next_cursor(&self) -> Option<&str> {
        self.next_cursor.as_deref()
    }
}
