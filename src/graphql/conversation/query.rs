use async_graphql::{Context, Lookahead, Object, Result, ID};

use super::inputs::{ConversationFilter, ConversationSort};
use super::pages::{ConversationConnection, ConversationEdge, ConversationList, PageInfo, PageState};
use super::types::Conversation;
use crate::domain::{self, Cursor, Limit, Offset, PageRequest, RuleError, SortKey};
use crate::error::{AppError, GqlResultExt};
use crate::graphql::loaders::{loader_error, Children};
use crate::graphql::ContextExt;

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
        let next_cursor = listed.rows.last().filter(|_| listed.has_more).map(|last| listed.cursor(last));
        Ok(ConversationList {
            conversations: listed.rows.into_iter().map(Conversation).collect(),
            pagination: PageState {
                filter: listed.filter,
                limit: listed.limit,
                offset: listed.offset,
                has_more: listed.has_more,
                next_cursor,
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
        let found = ctx.state().store.get_conversation(ctx.workspace(), &id).await.gql()?;
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

/// One page of conversations, and what its cursors and count are made from.
struct Listed {
    filter: domain::ConversationFilter,
    sort: domain::ConversationSort,
    limit: Limit,
    offset: Offset,
    /// The page, in the sort's order.
    rows: Vec<domain::Conversation>,
    /// Whether more conversations follow the page.
    has_more: bool,
}

impl Listed {
    /// The cursor of `row`: `after` takes it for the conversations that follow it.
    fn cursor(&self, row: &domain::Conversation) -> String {
        Cursor::new(&self.filter, self.sort, SortKey::of(row, self.sort)).encode()
    }
}

/// The one way both `conversations` and `conversationsConnection` read a page: the
/// arguments parsed, the page and what `selected` (the selection of each conversation)
/// reads of its customer, assignee and tags in one statement, fed to the loaders with
/// notes and activity loaded in one batch each.
async fn list(ctx: &Context<'_>, args: ListArgs, selected: &Lookahead<'_>) -> Result<Listed> {
    let filter = args.filter.unwrap_or_default().parse().gql()?;
    let sort: domain::ConversationSort = args.sort.unwrap_or_default().into();
    let (size_name, size) = args.size;
    let limit = Limit::parse_as(size_name, size).map_err(|e| AppError::bad_input(size_name, e)).gql()?;
    let offset = Offset::parse(args.offset).map_err(|e| AppError::bad_input("offset", e)).gql()?;
    let after = args
        .after
        .map(|raw| {
            if offset.get() != 0 {
                return Err(RuleError::new("after and a non-zero offset cannot be combined"));
            }
            Cursor::decode(&raw, &filter, sort).map(|c| c.key)
        })
        .transpose()
        .map_err(|e| AppError::bad_input("after", e))
        .gql()?;
    // One row past the page tells whether more follow, without counting.
    let page = PageRequest { sort, limit: limit.get() + 1, offset: offset.get(), after };
    let children = Children::selected(selected);
    let mut found =
        ctx.state().store.list_conversations(ctx.workspace(), &filter, &page, children.related).await.gql()?;
    ctx.loaders().feed(&mut found).await;
    let mut rows = found.conversations;
    let has_more = rows.len() as u64 > limit.get();
    rows.truncate(usize::try_from(limit.get()).unwrap_or(usize::MAX));
    ctx.loaders().preload(rows.iter(), children).await.map_err(loader_error)?;
    Ok(Listed { filter, sort, limit, offset, rows, has_more })
}
