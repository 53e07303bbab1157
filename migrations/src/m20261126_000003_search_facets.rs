//! PostgreSQL: each search document also carries its conversation's workspace, status
//! and channel as terms (`~w:<workspace>`, `~s:<status>`, `~c:<channel>`), which no query
//! word can match, so that a search's total over status and channels is counted in the
//! GIN index alone. Adds them to the documents that exist. SQLite: nothing to do.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE conversation_search s \
                 SET doc = s.doc || array_to_tsvector(ARRAY['~w:' || c.workspace_id, '~s:' || c.status, '~c:' || c.channel]) \
                 FROM conversations c WHERE c.seq = s.seq",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE conversation_search s \
                 SET doc = ts_delete(s.doc, ARRAY['~w:' || c.workspace_id, '~s:' || c.status, '~c:' || c.channel]) \
                 FROM conversations c WHERE c.seq = s.seq",
            )
            .await?;
        Ok(())
    }
}
