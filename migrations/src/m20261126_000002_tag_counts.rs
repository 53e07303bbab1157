//! Exact totals for a tag filter without scanning: how many conversations of each
//! (status, channel, priority, assignee) group carry each tag, kept in the same
//! transaction as every write that moves a tagged conversation or changes its tags.
//! Filled here from the rows that exist.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, text};

use crate::m20261126_000001_create_inbox::{primary_key, Cols};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ConversationTagCounts {
    Table,
    WorkspaceId,
    Tag,
    Status,
    Channel,
    Priority,
    AssigneeId,
    N,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ConversationTagCounts as N;
        let c = Cols(manager.get_database_backend());
        manager
            .create_table(
                Table::create()
                    .table(N::Table)
                    .if_not_exists()
                    .col(c.id(N::WorkspaceId))
                    .col(c.id(N::Tag))
                    .col(text(N::Status))
                    .col(text(N::Channel))
                    .col(text(N::Priority))
                    .col(c.id(N::AssigneeId))
                    .col(big_integer(N::N))
                    .primary_key(&mut primary_key(vec![
                        N::WorkspaceId.into_iden(),
                        N::Tag.into_iden(),
                        N::Status.into_iden(),
                        N::Channel.into_iden(),
                        N::Priority.into_iden(),
                        N::AssigneeId.into_iden(),
                    ]))
                    .to_owned(),
            )
            .await?;
        // An unassigned conversation counts under the assignee '', as in conversation_counts.
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO conversation_tag_counts (workspace_id, tag, status, channel, priority, assignee_id, n) \
                 SELECT t.workspace_id, t.tag, c.status, c.channel, c.priority, COALESCE(c.assignee_id, ''), COUNT(*) \
                 FROM conversation_tags t \
                 JOIN conversations c ON c.workspace_id = t.workspace_id AND c.id = t.conversation_id \
                 GROUP BY t.workspace_id, t.tag, c.status, c.channel, c.priority, COALESCE(c.assignee_id, '')",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ConversationTagCounts::Table).if_exists().to_owned()).await
    }
}
