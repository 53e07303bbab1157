use async_graphql::{Context, Lookahead, Object, Result, ID};

use super::inputs::{ConversationFilter, ConversationSort};
use super::pages::{ConversationConnection, ConversationEdge, ConversationList, PageInfo, PageState};
use super::types::Conversation;
use crate::domain::{Limit, Offset};
use crate::error::{AppError, GqlResultExt};
use crate::graphql::loaders::{loader_error, Children};
use crate::graphql::ContextExt;
use crate::inbox::{ConversationPage, ListQuery};

#[derive(Default)]
pub struct ConversationQuery;

#[Object]
impl ConversationQuery {
    /// The workspace's conversations matching `filter`, one page at a time: by `offset`,
    /// or by cursor (`after` takes a `nextCursor`, with the same filter and sort and
    /// offset 0; it costs what a first page costs, however deep).
    #[graphql(complexity = "page_complexity(limit, child_complexity)")]
    async fn conversations(
        &self,
        ctx: &Context<'_>,
        filter: Option<ConversationFilter>,
        #[graphql(default_with = "Some(ConversationSort::LastActivityDesc)")] sort: Option<ConversationSort>,
        #[graphql(default = 20, desc = "Page size, 1 to 100.")] limit: Option<i32>,
        #[graphql(default = 0, desc = "Matches to skip, 0 or more.")] offset: Option<i32>,
        #[graphql(desc = "A `nextCursor`: the page that follows it.")] after: Option<String>,
    ) -> Result<ConversationList> {
        let args = ListArgs { filter, sort, size: ("limit", limit.unwrap_or(20)), offset: offset.unwrap_or(0), after };
        let listed = list(ctx, args, &ctx.look_ahead().field("conversations")).await?;
        Ok(ConversationList {
            conversations: listed.rows.into_iter().map(Conversation).collect(),
            pagination: PageState {
                filter: listed.filter,
                limit: listed.limit,
                offset: listed.offset,
                has_more: listed.has_more,
                next_cursor: listed.next_cursor,
            },
        })
    }

    /// The same list as `conversations`, as a Relay connection (Apollo's
    /// `relayStylePagination` reads it too): `first` conversations after the edge whose
    /// `cursor` is `after`, under the same filter and sort.
    #[graphql(complexity = "page_complexity(first, child_complexity)")]
    async fn conversations_connection(
        &self,
        ctx: &Context<'_>,
        filter: Option<ConversationFilter>,
        #[graphql(default_with = "Some(ConversationSort::LastActivityDesc)")] sort: Option<ConversationSort>,
        #[graphql(default = 20, desc = "Page size, 1 to 100.")] first: Option<i32>,
        #[graphql(desc = "An edge's `cursor`: the conversations that follow it.")] after: Option<String>,
    ) -> Result<ConversationConnection> {
        let has_previous_page = after.is_some();
        let args = ListArgs { filter, sort, size: ("first", first.unwrap_or(20)), offset: 0, after };
        let listed = list(ctx, args, &ctx.look_ahead().field("edges").field("node")).await?;
        let cursors: Vec<String> = listed.rows.iter().map(|row| listed.cursor(row)).collect();
        let edges: Vec<ConversationEdge> = cursors
            .into_iter()
            .zip(listed.rows)
            .map(|(cursor, row)| ConversationEdge { cursor, node: Conversation(row) })
            .collect();
        let page_info = PageInfo {
            has_next_page: listed.has_more,
            has_previous_page,
            start_cursor: edges.first().map(|e| e.cursor.clone()),
            end_cursor: edges.last().map(|e| e.cursor.clone()),
        };
        Ok(ConversationConnection { edges, page_info, filter: listed.filter })
    }

    /// One conversation of the workspace; null when there is none with this id.
    async fn conversation(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Conversation>> {
        let found = ctx.inbox().get_conversation(&id).await.gql()?;
        Ok(found.map(Conversation))
    }
}

/// A page counts its fields once per row it may return.
fn page_complexity(limit: Option<i32>, child_complexity: usize) -> usize {
    let rows = usize::try_from(limit.unwrap_or(20).clamp(1, 100)).unwrap_or(1);
    rows.saturating_mul(child_complexity).saturating_add(1)
}

/// The arguments of a list of conversations, as sent.
struct ListArgs {
    filter: Option<ConversationFilter>,
    sort: Option<ConversationSort>,
    /// The page size, and the argument that gave it (`limit`, or a connection's `first`).
    size: (&'static str, i32),
    offset: i32,
    after: Option<String>,
}

/// The one way both `conversations` and `conversationsConnection` read a page: the
/// arguments parsed, the page read by the inbox with what `selected` (the selection of
/// each conversation) reads of its customer, assignee and tags in the same statement,
/// fed to the loaders with notes and activity loaded in one batch each.
async fn list(ctx: &Context<'_>, args: ListArgs, selected: &Lookahead<'_>) -> Result<ConversationPage> {
    let (size_name, size) = args.size;
    let query = ListQuery {
        filter: args.filter.unwrap_or_default().parse().gql()?,
        sort: args.sort.unwrap_or_default().into(),
        limit: Limit::parse_as(size_name, size).map_err(|e| AppError::bad_input(size_name, e)).gql()?,
        offset: Offset::parse(args.offset).map_err(|e| AppError::bad_input("offset", e)).gql()?,
        after: args.after,
        with_total: false,
    };
    let children = Children::selected(selected);
    let mut listed = ctx.inbox().list_conversations(query, children.related).await.gql()?;
    ctx.loaders().feed(&mut listed.related).await;
    ctx.loaders().preload(listed.rows.iter(), children).await.map_err(loader_error)?;
    Ok(listed)
}
