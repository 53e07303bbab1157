use async_graphql::{Context, Object, Result, ID};

use super::inputs::{ConversationFilter, ConversationSort};
use super::types::{Conversation, ConversationList};
use crate::domain::{self, Cursor, Limit, Offset, PageRequest, RuleError, SortKey};
use crate::error::{AppError, GqlResultExt};
use crate::graphql::loaders::loader_error;
use crate::graphql::ContextExt;
use crate::store::Related;

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
        let filter = filter.unwrap_or_default().parse().gql()?;
        let sort: domain::ConversationSort = sort.unwrap_or_default().into();
        let limit = Limit::parse(limit.unwrap_or(20)).map_err(|e| AppError::bad_input("limit", e)).gql()?;
        let offset = Offset::parse(offset.unwrap_or(0)).map_err(|e| AppError::bad_input("offset", e)).gql()?;
        let after = after
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
        // The customers, assignees and tags the selection reads come with the page, in
        // its one statement, and are fed to the loaders the fields read from.
        let selected = ctx.look_ahead().field("conversations");
        let related = Related {
            customers: selected.field("customer").exists(),
            assignees: selected.field("assignee").exists(),
            tags: selected.field("tags").exists(),
        };
        let mut found = ctx.state().store.list_conversations(ctx.workspace(), &filter, &page, related).await.gql()?;
        ctx.loaders().feed(&mut found).await;
        // Notes and activity, when selected, are loaded for the whole page in one batch
        // each, before the rows resolve: no batch is cut short by the loader's timer.
        let ids: Vec<String> = found.conversations.iter().map(|c| c.id.clone()).collect();
        let loaders = ctx.loaders();
        let notes = async {
            if selected.field("notes").exists() {
                loaders.notes.load_many(ids.iter().cloned()).await.map_err(loader_error)?;
            }
            Ok::<(), async_graphql::Error>(())
        };
        let activity = async {
            if selected.field("activity").exists() {
                loaders.activity.load_many(ids.iter().cloned()).await.map_err(loader_error)?;
            }
            Ok::<(), async_graphql::Error>(())
        };
        futures::try_join!(notes, activity)?;
        let mut rows = found.conversations;
        let has_more = rows.len() as u64 > limit.get();
        rows.truncate(usize::try_from(limit.get()).unwrap_or(usize::MAX));
        let next_cursor =
            rows.last().filter(|_| has_more).map(|last| Cursor::new(&filter, sort, SortKey::of(last, sort)).encode());
        Ok(ConversationList {
            conversations: rows.into_iter().map(Conversation).collect(),
            pagination: PageState { filter, limit, offset, has_more, next_cursor },
        })
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

/// Where a page stands; `total` is counted only when a client asks for it.
pub struct PageState {
    filter: domain::ConversationFilter,
    limit: Limit,
    offset: Offset,
    has_more: bool,
    next_cursor: Option<String>,
}

#[Object(name = "Pagination")]
impl PageState {
    /// Every conversation matching the filter.
    async fn total(&self, ctx: &Context<'_>) -> Result<i32> {
        let total = ctx.state().store.count_conversations(ctx.workspace(), &self.filter).await.gql()?;
        Ok(i32::try_from(total).unwrap_or(i32::MAX))
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
