//! The `conversations` list as a Relay connection.

use async_graphql::{Context, Object, Result, SimpleObject};

use super::types::Conversation;
use crate::domain;

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
        super::query::count(ctx, &self.filter).await
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
