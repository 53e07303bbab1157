//! Who wrote each note: `origin` is `import` for the notes of an import file and `action`
//! for those `addConversationNote` wrote. An import replaces only the former. Notes that
//! exist already are taken as imported, except those a `NOTE_ADDED` event names.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notes {
    Table,
    Origin,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Notes::Table).add_column(text(Notes::Origin).default("import")).to_owned(),
            )
            .await?;
        // The `NOTE_ADDED` events hold `{"noteId":"<id>"}`, written exactly so.
        manager
            .get_connection()
            .execute_unprepared(
                r#"UPDATE "notes" SET "origin" = 'action' WHERE EXISTS (
                     SELECT 1 FROM "activity_events" AS "e"
                     WHERE "e"."workspace_id" = "notes"."workspace_id"
                       AND "e"."conversation_id" = "notes"."conversation_id"
                       AND "e"."kind" = 'note_added'
                       AND "e"."details" = '{"noteId":"' || "notes"."id" || '"}')"#,
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Notes::Table).drop_column(Notes::Origin).to_owned()).await
    }
}
