use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    KeyHash,
    WorkspaceId,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    WorkspaceId,
    Id,
    Name,
    AvatarUrl,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    WorkspaceId,
    Id,
    Name,
    Phone,
    Email,
    ServicetitanId,
}

#[derive(DeriveIden)]
enum Conversations {
    Table,
    WorkspaceId,
    Id,
    Channel,
    Status,
    Priority,
    PriorityRank,
    CustomerId,
    AssigneeId,
    Summary,
    MessagesCount,
    UnreadCount,
    Metadata,
    CreatedAt,
    LastActivityAt,
    ResolvedAt,
    ResolutionNotes,
}

#[derive(DeriveIden)]
enum ConversationTags {
    Table,
    Seq,
    WorkspaceId,
    ConversationId,
    Tag,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Seq,
    WorkspaceId,
    ConversationId,
    Id,
    Direction,
    Body,
    SentAt,
}

#[derive(DeriveIden)]
enum Notes {
    Table,
    Seq,
    WorkspaceId,
    ConversationId,
    Id,
    Content,
    Internal,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ActivityEvents {
    Table,
    Seq,
    WorkspaceId,
    ConversationId,
    Id,
    Kind,
    At,
    Details,
}

#[derive(DeriveIden)]
enum ConversationTerms {
    Table,
    WorkspaceId,
    ConversationId,
    Term,
}

#[derive(DeriveIden)]
enum CustomerTerms {
    Table,
    WorkspaceId,
    CustomerId,
    Kind,
    Term,
}

/// Builds columns for one engine: byte-wise text where ids and terms live.
struct Cols(DatabaseBackend);

impl Cols {
    fn id<T: IntoIden>(&self, name: T) -> ColumnDef {
        let mut col = text(name);
        if self.0 == DatabaseBackend::Postgres {
            col.extra("COLLATE \"C\"");
        }
        col
    }

    fn id_null<T: IntoIden>(&self, name: T) -> ColumnDef {
        let mut col = self.id(name);
        col.null();
        col
    }
}

fn index(name: &str, table: impl IntoIden, cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table).if_not_exists();
    for col in cols {
        stmt.col(col);
    }
    stmt.to_owned()
}

macro_rules! cols {
    ($($c:expr),+ $(,)?) => { vec![$($c.into_iden()),+] };
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    #[allow(clippy::too_many_lines)]
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let c = Cols(manager.get_database_backend());

        manager
            .create_table(
                Table::create()
                    .table(Workspaces::Table)
                    .if_not_exists()
                    .col(c.id(Workspaces::Id).primary_key())
                    .col(text(Workspaces::Name))
                    .col(big_integer(Workspaces::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .if_not_exists()
                    .col(c.id(ApiKeys::KeyHash).primary_key())
                    .col(c.id(ApiKeys::WorkspaceId))
                    .col(big_integer(ApiKeys::CreatedAt))
                    .col(big_integer_null(ApiKeys::RevokedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "api_keys_workspace",
                ApiKeys::Table,
                cols![ApiKeys::WorkspaceId],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .if_not_exists()
                    .col(c.id(Users::WorkspaceId))
                    .col(c.id(Users::Id))
                    .col(text(Users::Name))
                    .col(text_null(Users::AvatarUrl))
                    .primary_key(Index::create().col(Users::WorkspaceId).col(Users::Id))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Customers::Table)
                    .if_not_exists()
                    .col(c.id(Customers::WorkspaceId))
                    .col(c.id(Customers::Id))
                    .col(text(Customers::Name))
                    .col(text_null(Customers::Phone))
                    .col(text_null(Customers::Email))
                    .col(text_null(Customers::ServicetitanId))
                    .primary_key(
                        Index::create()
                            .col(Customers::WorkspaceId)
                            .col(Customers::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Conversations::Table)
                    .if_not_exists()
                    .col(c.id(Conversations::WorkspaceId))
                    .col(c.id(Conversations::Id))
                    .col(text(Conversations::Channel))
                    .col(text(Conversations::Status))
                    .col(text(Conversations::Priority))
                    .col(small_integer(Conversations::PriorityRank))
                    .col(c.id(Conversations::CustomerId))
                    .col(c.id_null(Conversations::AssigneeId))
                    .col(text_null(Conversations::Summary))
                    .col(integer(Conversations::MessagesCount))
                    .col(integer(Conversations::UnreadCount))
                    .col(text(Conversations::Metadata))
                    .col(big_integer(Conversations::CreatedAt))
                    .col(big_integer(Conversations::LastActivityAt))
                    .col(big_integer_null(Conversations::ResolvedAt))
                    .col(text_null(Conversations::ResolutionNotes))
                    .primary_key(
                        Index::create()
                            .col(Conversations::WorkspaceId)
                            .col(Conversations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        use Conversations as C;
        for (name, columns) in [
            (
                "conversations_last_activity",
                cols![C::WorkspaceId, C::LastActivityAt, C::Id],
            ),
            (
                "conversations_created",
                cols![C::WorkspaceId, C::CreatedAt, C::Id],
            ),
            (
                "conversations_priority",
                cols![C::WorkspaceId, C::PriorityRank, C::LastActivityAt, C::Id],
            ),
            (
                "conversations_status_activity",
                cols![C::WorkspaceId, C::Status, C::LastActivityAt, C::Id],
            ),
            (
                "conversations_customer",
                cols![C::WorkspaceId, C::CustomerId],
            ),
            (
                "conversations_assignee",
                cols![C::WorkspaceId, C::AssigneeId],
            ),
        ] {
            manager.create_index(index(name, C::Table, columns)).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ConversationTags::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ConversationTags::Seq))
                    .col(c.id(ConversationTags::WorkspaceId))
                    .col(c.id(ConversationTags::ConversationId))
                    .col(c.id(ConversationTags::Tag))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "conversation_tags_unique",
                    ConversationTags::Table,
                    cols![
                        ConversationTags::WorkspaceId,
                        ConversationTags::ConversationId,
                        ConversationTags::Tag
                    ],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "conversation_tags_by_tag",
                ConversationTags::Table,
                cols![
                    ConversationTags::WorkspaceId,
                    ConversationTags::Tag,
                    ConversationTags::ConversationId
                ],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Messages::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Messages::Seq))
                    .col(c.id(Messages::WorkspaceId))
                    .col(c.id(Messages::ConversationId))
                    .col(c.id_null(Messages::Id))
                    .col(text_null(Messages::Direction))
                    .col(text(Messages::Body))
                    .col(big_integer(Messages::SentAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "messages_conversation",
                Messages::Table,
                cols![Messages::WorkspaceId, Messages::ConversationId],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Notes::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Notes::Seq))
                    .col(c.id(Notes::WorkspaceId))
                    .col(c.id(Notes::ConversationId))
                    .col(c.id(Notes::Id))
                    .col(text(Notes::Content))
                    .col(boolean(Notes::Internal))
                    .col(big_integer(Notes::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "notes_unique_id",
                    Notes::Table,
                    cols![Notes::WorkspaceId, Notes::Id],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "notes_conversation",
                Notes::Table,
                cols![Notes::WorkspaceId, Notes::ConversationId, Notes::Seq],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ActivityEvents::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ActivityEvents::Seq))
                    .col(c.id(ActivityEvents::WorkspaceId))
                    .col(c.id(ActivityEvents::ConversationId))
                    .col(c.id(ActivityEvents::Id))
                    .col(text(ActivityEvents::Kind))
                    .col(big_integer(ActivityEvents::At))
                    .col(text(ActivityEvents::Details))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "activity_events_conversation",
                ActivityEvents::Table,
                cols![
                    ActivityEvents::WorkspaceId,
                    ActivityEvents::ConversationId,
                    ActivityEvents::Seq
                ],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ConversationTerms::Table)
                    .if_not_exists()
                    .col(c.id(ConversationTerms::WorkspaceId))
                    .col(c.id(ConversationTerms::ConversationId))
                    .col(c.id(ConversationTerms::Term))
                    .primary_key(
                        Index::create()
                            .col(ConversationTerms::WorkspaceId)
                            .col(ConversationTerms::ConversationId)
                            .col(ConversationTerms::Term),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "conversation_terms_by_term",
                ConversationTerms::Table,
                cols![
                    ConversationTerms::WorkspaceId,
                    ConversationTerms::Term,
                    ConversationTerms::ConversationId
                ],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CustomerTerms::Table)
                    .if_not_exists()
                    .col(c.id(CustomerTerms::WorkspaceId))
                    .col(c.id(CustomerTerms::CustomerId))
                    .col(c.id(CustomerTerms::Kind))
                    .col(c.id(CustomerTerms::Term))
                    .primary_key(
                        Index::create()
                            .col(CustomerTerms::WorkspaceId)
                            .col(CustomerTerms::CustomerId)
                            .col(CustomerTerms::Kind)
                            .col(CustomerTerms::Term),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "customer_terms_by_term",
                CustomerTerms::Table,
                cols![
                    CustomerTerms::WorkspaceId,
                    CustomerTerms::Kind,
                    CustomerTerms::Term,
                    CustomerTerms::CustomerId
                ],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CustomerTerms::Table.into_iden(),
            ConversationTerms::Table.into_iden(),
            ActivityEvents::Table.into_iden(),
            Notes::Table.into_iden(),
            Messages::Table.into_iden(),
            ConversationTags::Table.into_iden(),
            Conversations::Table.into_iden(),
            Customers::Table.into_iden(),
            Users::Table.into_iden(),
            ApiKeys::Table.into_iden(),
            Workspaces::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
