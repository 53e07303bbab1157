//! Live updates read the activity table as a log. Each event gets a `position`, drawn
//! from its workspace's counter in `event_heads` when its transaction is about to commit:
//! the counter's row stays locked until the commit, so positions of one workspace
//! increase in commit order (ids and `seq` do not, on PostgreSQL). `snapshot` keeps what
//! a subscription's filter reads of the conversation before and after the change, and
//! the conversation as the change left it. Events that exist already take their `seq` as
//! position, in their workspace's counter too.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000001_create_inbox::Cols;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ActivityEvents {
    Table,
    WorkspaceId,
    Position,
    Snapshot,
}

#[derive(DeriveIden)]
enum EventHeads {
    Table,
    WorkspaceId,
    Position,
}

const INDEX: &str = "activity_events_position";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ActivityEvents::Table)
                    .add_column(big_integer_null(ActivityEvents::Position))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(ActivityEvents::Table).add_column(text_null(ActivityEvents::Snapshot)).to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(r#"UPDATE "activity_events" SET "position" = "seq""#).await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(ActivityEvents::Table)
                    .col(ActivityEvents::WorkspaceId)
                    .col(ActivityEvents::Position)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EventHeads::Table)
                    .col(Cols(manager.get_database_backend()).id(EventHeads::WorkspaceId).primary_key())
                    .col(big_integer(EventHeads::Position))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            r#"INSERT INTO "event_heads" ("workspace_id", "position")
               SELECT "workspace_id", MAX("seq") FROM "activity_events" GROUP BY "workspace_id""#,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(EventHeads::Table).to_owned()).await?;
        manager.drop_index(Index::drop().name(INDEX).table(ActivityEvents::Table).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(ActivityEvents::Table).drop_column(ActivityEvents::Snapshot).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(ActivityEvents::Table).drop_column(ActivityEvents::Position).to_owned())
            .await
    }
}
