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
    Seq,
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
enum ConversationCounts {
    Table,
    WorkspaceId,
    Status,
    Channel,
    Priority,
    AssigneeId,
    N,
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
enum CustomerPhoneSuffixes {
    Table,
    WorkspaceId,
    CustomerId,
    Suffix,
}

/// Builds columns for one engine: byte-wise text where ids and terms live.
pub(crate) struct Cols(pub(crate) DatabaseBackend);

impl Cols {
    pub(crate) fn id<T: IntoIden>(&self, name: T) -> ColumnDef {
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
    stmt
}

pub(crate) fn primary_key(cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut pk = Index::create();
    for col in cols {
        pk.col(col);
    }
    pk
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
        manager.create_index(index("api_keys_workspace", ApiKeys::Table, cols![ApiKeys::WorkspaceId])).await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .if_not_exists()
                    .col(c.id(Users::WorkspaceId))
                    .col(c.id(Users::Id))
                    .col(text(Users::Name))
                    .col(text_null(Users::AvatarUrl))
                    .primary_key(&mut primary_key(cols![Users::WorkspaceId, Users::Id]))
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
                    .primary_key(&mut primary_key(cols![Customers::WorkspaceId, Customers::Id]))
                    .to_owned(),
            )
            .await?;

        // `seq` keys the search index; (workspace_id, id) is what clients know.
        use Conversations as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .if_not_exists()
                    .col(big_pk_auto(C::Seq))
                    .col(c.id(C::WorkspaceId))
                    .col(c.id(C::Id))
                    .col(text(C::Channel))
                    .col(text(C::Status))
                    .col(text(C::Priority))
                    .col(small_integer(C::PriorityRank))
                    .col(c.id(C::CustomerId))
                    .col(c.id_null(C::AssigneeId))
                    .col(text_null(C::Summary))
                    .col(integer(C::MessagesCount))
                    .col(integer(C::UnreadCount))
                    .col(text(C::Metadata))
                    .col(big_integer(C::CreatedAt))
                    .col(big_integer(C::LastActivityAt))
                    .col(big_integer_null(C::ResolvedAt))
                    .col(text_null(C::ResolutionNotes))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("conversations_id", C::Table, cols![C::WorkspaceId, C::Id]).unique().to_owned())
            .await?;
        for (name, columns) in [
            ("conversations_last_activity", cols![C::WorkspaceId, C::LastActivityAt, C::Id]),
            ("conversations_created", cols![C::WorkspaceId, C::CreatedAt, C::Id]),
            ("conversations_priority", cols![C::WorkspaceId, C::PriorityRank, C::LastActivityAt, C::Id]),
            ("conversations_status_activity", cols![C::WorkspaceId, C::Status, C::LastActivityAt, C::Id]),
            ("conversations_customer", cols![C::WorkspaceId, C::CustomerId]),
            ("conversations_assignee", cols![C::WorkspaceId, C::AssigneeId]),
        ] {
            manager.create_index(index(name, C::Table, columns)).await?;
        }

        // How many conversations each (status, channel, priority, assignee) group holds,
        // kept in the transaction of every write that moves a conversation between groups.
        // An unassigned conversation counts under the assignee ''.
        use ConversationCounts as N;
        manager
            .create_table(
                Table::create()
                    .table(N::Table)
                    .if_not_exists()
                    .col(c.id(N::WorkspaceId))
                    .col(text(N::Status))
                    .col(text(N::Channel))
                    .col(text(N::Priority))
                    .col(c.id(N::AssigneeId))
                    .col(big_integer(N::N))
                    .primary_key(&mut primary_key(cols![
                        N::WorkspaceId,
                        N::Status,
                        N::Channel,
                        N::Priority,
                        N::AssigneeId
                    ]))
                    .to_owned(),
            )
            .await?;

        use ConversationTags as T;
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .if_not_exists()
                    .col(big_pk_auto(T::Seq))
                    .col(c.id(T::WorkspaceId))
                    .col(c.id(T::ConversationId))
                    .col(c.id(T::Tag))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("conversation_tags_unique", T::Table, cols![T::WorkspaceId, T::ConversationId, T::Tag])
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("conversation_tags_by_tag", T::Table, cols![T::WorkspaceId, T::Tag, T::ConversationId]))
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
                index("notes_unique_id", Notes::Table, cols![Notes::WorkspaceId, Notes::Id]).unique().to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "notes_conversation",
                Notes::Table,
                cols![Notes::WorkspaceId, Notes::ConversationId, Notes::Seq],
            ))
            .await?;

        use ActivityEvents as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .if_not_exists()
                    .col(big_pk_auto(E::Seq))
                    .col(c.id(E::WorkspaceId))
                    .col(c.id(E::ConversationId))
                    .col(c.id(E::Id))
                    .col(text(E::Kind))
                    .col(big_integer(E::At))
                    .col(text(E::Details))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "activity_events_conversation",
                E::Table,
                cols![E::WorkspaceId, E::ConversationId, E::Seq],
            ))
            .await?;

        create_search_index(manager).await?;

        use CustomerPhoneSuffixes as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .if_not_exists()
                    .col(c.id(P::WorkspaceId))
                    .col(c.id(P::CustomerId))
                    .col(c.id(P::Suffix))
                    .primary_key(&mut primary_key(cols![P::WorkspaceId, P::CustomerId, P::Suffix]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "customer_phone_suffixes_by_suffix",
                P::Table,
                cols![P::WorkspaceId, P::Suffix, P::CustomerId],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("DROP TABLE IF EXISTS conversation_search").await?;
        for table in [
            CustomerPhoneSuffixes::Table.into_iden(),
            ActivityEvents::Table.into_iden(),
            Notes::Table.into_iden(),
            Messages::Table.into_iden(),
            ConversationTags::Table.into_iden(),
            ConversationCounts::Table.into_iden(),
            Conversations::Table.into_iden(),
            Customers::Table.into_iden(),
            Users::Table.into_iden(),
            ApiKeys::Table.into_iden(),
            Workspaces::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}

/// The full-text index over each conversation's folded words. The gateway folds and
/// splits; the engines only store and prefix-match whole words, so matching is exact.
/// PostgreSQL: a `tsvector` per conversation built with `array_to_tsvector` (no parser,
/// no dictionary) under a GIN index. SQLite: an FTS5 table with the `ascii` tokenizer,
/// which splits only at ASCII spaces and punctuation, never inside a folded word. Both
/// are keyed by the conversation's `seq`.
async fn create_search_index(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let statements: &[&str] = match manager.get_database_backend() {
        DatabaseBackend::Postgres => &[
            "CREATE TABLE IF NOT EXISTS conversation_search (seq BIGINT PRIMARY KEY, doc TSVECTOR NOT NULL)",
            "CREATE INDEX IF NOT EXISTS conversation_search_doc ON conversation_search USING GIN (doc)",
        ],
        _ => &["CREATE VIRTUAL TABLE IF NOT EXISTS conversation_search USING fts5(doc, tokenize = 'ascii')"],
    };
    for statement in statements {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}
