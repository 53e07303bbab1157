//! Exact totals without scanning: how many conversations each (status, channel,
//! priority, assignee) group of a workspace holds, changed in the same transaction as
//! every write that moves a conversation between groups. A filter on those four
//! fields alone (the inbox's filters) is totalled by summing a few group rows; with one
//! tag besides, by summing that tag's rows of those groups.

use std::collections::BTreeMap;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::chunked::insert_chunked;
use super::entity::{conversation, conversation_count, conversation_tag_count};
use crate::domain::{Conversation, ConversationFilter, StatusFilter, WorkspaceId};
use crate::error::AppError;

use conversation_count::Column as N;
use conversation_tag_count::Column as TN;

/// The group a conversation counts in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Group {
    status: String,
    channel: String,
    priority: String,
    assignee: String,
}

impl Group {
    pub fn of_row(row: &conversation::Model) -> Self {
        Self {
            status: row.status.clone(),
            channel: row.channel.clone(),
            priority: row.priority.clone(),
            assignee: row.assignee_id.clone().unwrap_or_else(|| conversation_count::UNASSIGNED.to_owned()),
        }
    }

    pub fn of(c: &Conversation) -> Self {
        Self {
            status: c.status.as_str().to_owned(),
            channel: c.channel.as_str().to_owned(),
            priority: c.priority.as_str().to_owned(),
            assignee: c.assignee_id.clone().unwrap_or_else(|| conversation_count::UNASSIGNED.to_owned()),
        }
    }
}

/// Changes to the counts, applied together.
#[derive(Debug, Default)]
pub struct Deltas {
    groups: BTreeMap<Group, i64>,
    tagged: BTreeMap<(String, Group), i64>,
}

impl Deltas {
    /// A conversation left group `from` (none when it is new) for group `to`.
    pub fn moved(&mut self, from: Option<Group>, to: Group) {
        if from.as_ref() == Some(&to) {
            return;
        }
        if let Some(from) = from {
            *self.groups.entry(from).or_default() -= 1;
        }
        *self.groups.entry(to).or_default() += 1;
    }

    /// A conversation counted in `from` with its tags (none when it is new) now counts
    /// in `to` with its tags: both the group counts and the tag counts move.
    pub fn moved_tagged(&mut self, from: Option<(&Group, &[String])>, to: (&Group, &[String])) {
        self.moved(from.map(|(group, _)| group.clone()), to.0.clone());
        if let Some((group, tags)) = from {
            for tag in tags {
                *self.tagged.entry((tag.clone(), group.clone())).or_default() -= 1;
            }
        }
        for tag in to.1 {
            *self.tagged.entry((tag.clone(), to.0.clone())).or_default() += 1;
        }
    }

    /// Writes the changes: group rows, then tag rows, each in key order, so concurrent
    /// writers lock the count rows in the same order and cannot deadlock.
    pub async fn apply<C: ConnectionTrait>(self, db: &C, workspace: &WorkspaceId) -> Result<(), AppError> {
        let ws = workspace.as_str();
        let rows: Vec<_> = self
            .groups
            .into_iter()
            .filter(|(_, delta)| *delta != 0)
            .map(|(group, delta)| conversation_count::ActiveModel {
                workspace_id: Set(ws.to_owned()),
                status: Set(group.status),
                channel: Set(group.channel),
                priority: Set(group.priority),
                assignee_id: Set(group.assignee),
                n: Set(delta),
            })
            .collect();
        let add = Expr::col((conversation_count::Entity, N::N)).add(Expr::col((Alias::new("excluded"), N::N)));
        let on_conflict = OnConflict::columns([N::WorkspaceId, N::Status, N::Channel, N::Priority, N::AssigneeId])
            .value(N::N, add)
            .to_owned();
        insert_chunked(db, rows, Some(on_conflict)).await?;
        let rows: Vec<_> = self
            .tagged
            .into_iter()
            .filter(|(_, delta)| *delta != 0)
            .map(|((tag, group), delta)| conversation_tag_count::ActiveModel {
                workspace_id: Set(ws.to_owned()),
                tag: Set(tag),
                status: Set(group.status),
                channel: Set(group.channel),
                priority: Set(group.priority),
                assignee_id: Set(group.assignee),
                n: Set(delta),
            })
            .collect();
        let add = Expr::col((conversation_tag_count::Entity, TN::N)).add(Expr::col((Alias::new("excluded"), TN::N)));
        let on_conflict =
            OnConflict::columns([TN::WorkspaceId, TN::Tag, TN::Status, TN::Channel, TN::Priority, TN::AssigneeId])
                .value(TN::N, add)
                .to_owned();
        insert_chunked(db, rows, Some(on_conflict)).await?;
        Ok(())
    }
}

/// The total of a filter on the group fields (status, channels, priority, assignee) and
/// at most one tag, as the count path decided: the sum of its groups' counts, or of its
/// one tag's counts in those groups.
pub async fn total<C: ConnectionTrait>(
    db: &C,
    workspace: &WorkspaceId,
    filter: &ConversationFilter,
) -> Result<u64, AppError> {
    let sum = || Expr::cust("CAST(COALESCE(SUM(\"n\"), 0) AS BIGINT)");
    let total: Option<i64> = if let (1, Some(tag)) = (filter.tags.len(), filter.tags.iter().next()) {
        conversation_tag_count::Entity::find()
            .select_only()
            .expr(sum())
            .filter(TN::WorkspaceId.eq(workspace.as_str()))
            .filter(TN::Tag.eq(tag.as_str()))
            .filter(groups(filter, [TN::Status, TN::Channel, TN::Priority, TN::AssigneeId]))
            .into_tuple()
            .one(db)
            .await?
    } else {
        conversation_count::Entity::find()
            .select_only()
            .expr(sum())
            .filter(N::WorkspaceId.eq(workspace.as_str()))
            .filter(groups(filter, [N::Status, N::Channel, N::Priority, N::AssigneeId]))
            .into_tuple()
            .one(db)
            .await?
    };
    Ok(u64::try_from(total.unwrap_or(0)).unwrap_or(0))
}

/// The count rows of the groups `filter` selects, given a count table's status, channel,
/// priority and assignee columns.
fn groups<Col: ColumnTrait>(
    filter: &ConversationFilter,
    [status_col, channel, priority_col, assignee]: [Col; 4],
) -> Condition {
    // The count path sends only filters without these here; the tag is the caller's.
    let ConversationFilter {
        status,
        channels,
        assignee_id,
        customer_id: _,
        created_from: _,
        created_to: _,
        search: _,
        tags: _,
        tag_match: _,
        priority,
    } = filter;
    let mut cond = Condition::all();
    if let StatusFilter::Only(wanted) = status {
        cond = cond.add(status_col.eq(wanted.as_str()));
    }
    if !channels.is_empty() {
        cond = cond.add(channel.is_in(channels.iter().map(|c| c.as_str())));
    }
    if let Some(wanted) = priority {
        cond = cond.add(priority_col.eq(wanted.as_str()));
    }
    if let Some(wanted) = assignee_id {
        cond = cond.add(assignee.eq(wanted.as_str()));
    }
    cond
}
