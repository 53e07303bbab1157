//! API keys get a public id, which names a key in `api-key list` and `api-key revoke`
//! without its secret, and the time of their last use. The public id is `key_` and the
//! first 16 hex digits of the key's hash (the hash is all the store has of a key); keys
//! that exist get theirs here.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::big_integer_null;

use crate::m20261126_000001_create_inbox::Cols;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    PublicId,
    LastUsedAt,
}

const PUBLIC_ID_INDEX: &str = "api_keys_public_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let c = Cols(manager.get_database_backend());
        // One column a statement: SQLite's ALTER TABLE adds one at a time.
        let mut public_id = c.id(ApiKeys::PublicId);
        public_id.null();
        manager.alter_table(Table::alter().table(ApiKeys::Table).add_column(public_id).to_owned()).await?;
        manager
            .alter_table(
                Table::alter().table(ApiKeys::Table).add_column(big_integer_null(ApiKeys::LastUsedAt)).to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE api_keys SET public_id = 'key_' || substr(key_hash, 1, 16) WHERE public_id IS NULL",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(PUBLIC_ID_INDEX)
                    .table(ApiKeys::Table)
                    .col(ApiKeys::PublicId)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(PUBLIC_ID_INDEX).table(ApiKeys::Table).to_owned()).await?;
        for column in [ApiKeys::LastUsedAt, ApiKeys::PublicId] {
            manager.alter_table(Table::alter().table(ApiKeys::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
