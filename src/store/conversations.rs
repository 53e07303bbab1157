//! Reading conversations: one filter, one condition, shared by the page and the count.

use std::collections::HashMap;
use std::fmt::Write as _;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, PostgresQueryBuilder, Query, SimpleExpr, SqliteQueryBuilder};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait, FromQueryResult, IdenStatic, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QueryTrait, Statement,
};
use tracing::instrument;

use super::entity::{conversation, conversation_count, conversation_tag, customer, user};
use super::{convert, counts, search_index, Store};
use crate::domain::{
    Conversation, ConversationFilter, ConversationSort, Customer, PageRequest, SearchQuery, SortKey, StatusFilter,
    TagList, TagMatch, TagName, User, WorkspaceId,
};
use crate::error::AppError;

use conversation::Column as C;

impl Store {
    /// One page of the workspace's conversations matching `filter`, in `page.sort` order,
    /// with the related rows `related` asks for, all in one statement.
    #[instrument(name = "db.conversations.list", skip_all, err(level = "debug"))]
    pub async fn list_conversations(
        &self,
        workspace: &WorkspaceId,
        filter: &ConversationFilter,
        page: &PageRequest,
        related: Related,
    ) -> Result<Page, AppError> {
        let mut query = conversation::Entity::find().filter(condition(self.backend(), workspace, filter));
        if let Some(after) = &page.after {
            query = query.filter(after_key(page.sort, after));
        }
        for (column, order) in sort_columns(page.sort) {
            query = query.order_by(column, order);
        }
        let select = query.into_query();
        // LIMIT and OFFSET are written as numbers, not parameters: a prepared statement's
        // generic plan then knows the page is small and PostgreSQL need not plan every
        // execution again (a parameter limit is planned as a tenth of the rows).
        let (sql, values) = match self.backend() {
            DatabaseBackend::Postgres => select.build(PostgresQueryBuilder),
            _ => select.build(SqliteQueryBuilder),
        };
        let sql = format!("{sql} LIMIT {} OFFSET {}", page.limit, page.offset);
        let sql = with_related(self.backend(), sql, page.sort, related);
        let rows = self.db().query_all_raw(Statement::from_sql_and_values(self.backend(), sql, values)).await?;
        let mut out = Page { tags: related.tags.then(Vec::new), ..Page::default() };
        for row in rows {
            let model = conversation::Model::from_query_result(&row, "")?;
            if related.customers {
                if let Some(id) = row.try_get::<Option<String>>("", "k_id")? {
                    out.customers.push(convert::customer(customer::Model {
                        workspace_id: model.workspace_id.clone(),
                        id,
                        name: row.try_get("", "k_name")?,
                        phone: row.try_get("", "k_phone")?,
                        email: row.try_get("", "k_email")?,
                        servicetitan_id: row.try_get("", "k_servicetitan_id")?,
                    }));
                }
            }
            if related.assignees {
                if let Some(id) = row.try_get::<Option<String>>("", "u_id")? {
                    out.users.push(convert::user(user::Model {
                        workspace_id: model.workspace_id.clone(),
                        id,
                        name: row.try_get("", "u_name")?,
                        avatar_url: row.try_get("", "u_avatar_url")?,
                    }));
                }
            }
            if let Some(tags) = &mut out.tags {
                let list: Option<String> = row.try_get("", "tag_list")?;
                let list = list.unwrap_or_default();
                tags.push((model.id.clone(), list.split(' ').filter(|t| !t.is_empty()).map(str::to_owned).collect()));
            }
            out.conversations.push(convert::conversation(model)?);
        }
        Ok(out)
    }

    /// How many of the workspace's conversations match `filter`, by the cheapest path
    /// that counts it exactly ([`CountPath::of`]).
    #[instrument(name = "db.conversations.count", skip_all, err(level = "debug"))]
    pub async fn count_conversations(
        &self,
        workspace: &WorkspaceId,
        filter: &ConversationFilter,
    ) -> Result<u64, AppError> {
        match CountPath::of(self.backend(), filter) {
            CountPath::Groups => counts::total(self.db(), workspace, filter).await,
            CountPath::SearchIndex(search) => {
                search_index::count(self.db(), workspace, search, filter.status, &filter.channels).await
            }
            CountPath::Scan => self.count_conversations_by_scan(workspace, filter).await,
        }
    }

    /// Counts the matching rows themselves, whatever the filter.
    #[instrument(name = "db.conversations.count_by_scan", skip_all, err(level = "debug"))]
    pub async fn count_conversations_by_scan(
        &self,
        workspace: &WorkspaceId,
        filter: &ConversationFilter,
    ) -> Result<u64, AppError> {
        let query = conversation::Entity::find().filter(condition(self.backend(), workspace, filter));
        Ok(query.count(self.db()).await?)
    }

    /// The workspace's conversations with these ids, in one query; ids it lacks are absent.
    #[instrument(name = "db.conversations.by_ids", skip_all, err(level = "debug"))]
    pub async fn conversations_by_ids(
        &self,
        workspace: &WorkspaceId,
        ids: &[String],
    ) -> Result<HashMap<String, Conversation>, AppError> {
        let rows = conversation::Entity::find()
            .filter(C::WorkspaceId.eq(workspace.as_str()))
            .filter(C::Id.is_in(ids))
            .all(self.db())
            .await?;
        rows.into_iter().map(|row| Ok((row.id.clone(), convert::conversation(row)?))).collect()
    }

    #[instrument(name = "db.conversations.get", skip_all, err(level = "debug"))]
    pub async fn get_conversation(&self, workspace: &WorkspaceId, id: &str) -> Result<Option<Conversation>, AppError> {
        let row = conversation::Entity::find()
            .filter(C::WorkspaceId.eq(workspace.as_str()))
            .filter(C::Id.eq(id))
            .one(self.db())
            .await?;
        row.map(convert::conversation).transpose()
    }
}

/// How a filter's total is counted. Decided here once, from the whole filter: a new
/// field does not compile until it says which paths can count it.
#[derive(Debug, PartialEq)]
pub enum CountPath<'a> {
    /// The maintained counts: status, channels, priority and an assignee, with at most
    /// one tag.
    Groups,
    /// The search index alone (PostgreSQL): words, with status and channels as facets.
    SearchIndex(&'a SearchQuery),
    /// The matching rows themselves.
    Scan,
}

impl<'a> CountPath<'a> {
    pub fn of(backend: DatabaseBackend, filter: &'a ConversationFilter) -> Self {
        let ConversationFilter {
            // Both the groups and the index's facets hold these.
            status: _,
            channels: _,
            assignee_id,
            customer_id,
            created_from,
            created_to,
            search,
            tags,
            // With one tag at most, ANY and ALL are the same.
            tag_match: _,
            priority,
        } = filter;
        let only_group_fields = customer_id.is_none()
            && created_from.is_none()
            && created_to.is_none()
            && assignee_id.as_deref() != Some(conversation_count::UNASSIGNED);
        match search {
            None if only_group_fields && tags.len() <= 1 => Self::Groups,
            Some(search)
                if backend == DatabaseBackend::Postgres
                    && !search.matches_every_text()
                    && search.phone_digits.is_none()
                    && tags.is_empty()
                    && priority.is_none()
                    && assignee_id.is_none()
                    && customer_id.is_none()
                    && created_from.is_none()
                    && created_to.is_none() =>
            {
                Self::SearchIndex(search)
            }
            _ => Self::Scan,
        }
    }
}

/// What a page of conversations brings along, for the loaders the GraphQL fields read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Related {
    pub customers: bool,
    pub assignees: bool,
    pub tags: bool,
}

/// A page of conversations and the related rows it was asked to bring.
#[derive(Debug, Default)]
pub struct Page {
    pub conversations: Vec<Conversation>,
    pub customers: Vec<Customer>,
    pub users: Vec<User>,
    /// Each conversation's tags in the order they were added, when asked for.
    pub tags: Option<Vec<(String, Vec<String>)>>,
}

/// The page's SQL with its related rows: the page itself is chosen first (a subquery
/// with its LIMIT and OFFSET), then only its rows are joined with their customer and
/// assignee (one row each at most: both are keyed by workspace and id) and given their
/// tags as one space-separated list (tags hold no spaces) in the order they were added.
/// Joining before the OFFSET would join every skipped row too.
fn with_related(backend: DatabaseBackend, page_sql: String, sort: ConversationSort, related: Related) -> String {
    if related == Related::default() {
        return page_sql;
    }
    let mut columns = String::new();
    let mut joins = String::new();
    let mut join = |alias: &str, table: &str, key: &str, names: &[&str]| {
        for name in names {
            let _ = write!(columns, r#", "{alias}"."{name}" AS "{alias}_{name}""#);
        }
        let _ = write!(
            joins,
            r#" LEFT JOIN "{table}" AS "{alias}" ON "{alias}"."workspace_id" = "conversations"."workspace_id" AND "{alias}"."id" = "conversations"."{key}""#
        );
    };
    if related.customers {
        join("k", "customers", "customer_id", &["id", "name", "phone", "email", "servicetitan_id"]);
    }
    if related.assignees {
        join("u", "users", "assignee_id", &["id", "name", "avatar_url"]);
    }
    if related.tags {
        let aggregate = match backend {
            DatabaseBackend::Postgres => "string_agg",
            _ => "group_concat",
        };
        let _ = write!(
            columns,
            r#", (SELECT {aggregate}("t"."tag", ' ' ORDER BY "t"."seq") FROM "conversation_tags" AS "t" WHERE "t"."workspace_id" = "conversations"."workspace_id" AND "t"."conversation_id" = "conversations"."id") AS "tag_list""#
        );
    }
    let order: Vec<String> = sort_columns(sort)
        .into_iter()
        .map(|(column, order)| {
            let direction = if matches!(order, Order::Asc) { "ASC" } else { "DESC" };
            format!(r#""conversations"."{}" {direction}"#, column.as_str())
        })
        .collect();
    format!(
        r#"SELECT "conversations".*{columns} FROM ({page_sql}) AS "conversations"{joins} ORDER BY {}"#,
        order.join(", ")
    )
}

/// The order of a sort, tie-breakers included.
fn sort_columns(sort: ConversationSort) -> Vec<(C, Order)> {
    use Order::{Asc, Desc};
    match sort {
        ConversationSort::LastActivityDesc => vec![(C::LastActivityAt, Desc), (C::Id, Desc)],
        ConversationSort::LastActivityAsc => vec![(C::LastActivityAt, Asc), (C::Id, Asc)],
        ConversationSort::CreatedDesc => vec![(C::CreatedAt, Desc), (C::Id, Desc)],
        ConversationSort::CreatedAsc => vec![(C::CreatedAt, Asc), (C::Id, Asc)],
        ConversationSort::PriorityDesc => vec![(C::PriorityRank, Desc), (C::LastActivityAt, Desc), (C::Id, Desc)],
    }
}

/// Rows strictly after `key` in `sort` order: one row-value comparison over the sort's
/// columns, which the sort's index answers (keyset paging: no rows are skipped by count).
fn after_key(sort: ConversationSort, key: &SortKey) -> SimpleExpr {
    let columns = sort_columns(sort);
    let mut values: Vec<SimpleExpr> = Vec::with_capacity(3);
    if let Some(rank) = key.rank {
        values.push(Expr::val(rank));
    }
    values.push(Expr::val(key.time));
    values.push(Expr::val(key.id.as_str()));
    let left = Expr::tuple(columns.iter().map(|(column, _)| Expr::col((conversation::Entity, *column))));
    let right = Expr::tuple(values);
    match columns[0].1 {
        Order::Asc => left.gt(right),
        _ => left.lt(right),
    }
}

/// The filter as one condition on `conversations`, tenancy first.
fn condition(backend: DatabaseBackend, workspace: &WorkspaceId, filter: &ConversationFilter) -> Condition {
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
    let ws = workspace.as_str();
    let mut cond = Condition::all().add(C::WorkspaceId.eq(ws));
    if let StatusFilter::Only(status) = status {
        cond = cond.add(C::Status.eq(status.as_str()));
    }
    if !channels.is_empty() {
        cond = cond.add(C::Channel.is_in(channels.iter().map(|c| c.as_str())));
    }
    if let Some(priority) = priority {
        cond = cond.add(C::Priority.eq(priority.as_str()));
    }
    if let Some(assignee) = assignee_id {
        cond = cond.add(C::AssigneeId.eq(assignee.as_str()));
    }
    if let Some(customer) = customer_id {
        cond = cond.add(C::CustomerId.eq(customer.as_str()));
    }
    if let Some(from) = *created_from {
        cond = cond.add(C::CreatedAt.gte(from));
    }
    if let Some(to) = *created_to {
        cond = cond.add(C::CreatedAt.lte(to));
    }
    if !tags.is_empty() {
        cond = cond.add(tags_condition(backend, ws, tags, *tag_match));
    }
    if let Some(search) = search.as_ref().and_then(|s| search_index::condition(backend, ws, s)) {
        cond = cond.add(search);
    }
    cond
}

/// Conversations carrying the filter's tags. PostgreSQL plans `id IN (tagged ids)` as
/// a semi-join it can walk in the sort's order; SQLite would first collect every tagged
/// id, so there each row is checked in the (workspace, conversation, tag) index instead.
///
/// The `LIMIT 1` keeps that check a correlated subquery: without it, the bundled
/// `SQLite` (3.51) turns the `EXISTS` into a join whose loop over the matching tags stops
/// early only once the row is returned, so a row the `OFFSET` skips is counted once per
/// matching tag and an offset page of `tags: [a, b]` starts too far down.
fn tags_condition(backend: DatabaseBackend, ws: &str, tags: &TagList, tag_match: TagMatch) -> Condition {
    use conversation_tag::Column as T;
    let tagged = |tags: Vec<&str>| -> SimpleExpr {
        if backend == DatabaseBackend::Postgres {
            let ids = Query::select()
                .column(T::ConversationId)
                .from(conversation_tag::Entity)
                .and_where(T::WorkspaceId.eq(ws))
                .and_where(T::Tag.is_in(tags))
                .to_owned();
            C::Id.in_subquery(ids)
        } else {
            let t = Alias::new("t");
            let row = Query::select()
                .expr(Expr::val(1))
                .from_as(conversation_tag::Entity, t.clone())
                .and_where(Expr::col((t.clone(), T::WorkspaceId)).equals((conversation::Entity, C::WorkspaceId)))
                .and_where(Expr::col((t.clone(), T::ConversationId)).equals((conversation::Entity, C::Id)))
                .and_where(Expr::col((t, T::Tag)).is_in(tags))
                .limit(1)
                .to_owned();
            Expr::exists(row)
        }
    };
    match tag_match {
        TagMatch::Any => Condition::all().add(tagged(tags.iter().map(TagName::as_str).collect())),
        TagMatch::All => tags.iter().fold(Condition::all(), |cond, tag| cond.add(tagged(vec![tag.as_str()]))),
    }
}
