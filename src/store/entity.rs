//! sea-orm entities: the rows as stored. The store turns them into domain types.

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}
        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod workspace {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "workspaces")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub name: String,
        pub created_at: i64,
    }
    no_relations!();
}

pub mod api_key {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key_hash: String,
        pub workspace_id: String,
        pub created_at: i64,
        pub revoked_at: Option<i64>,
        /// `key_` and 16 hex digits of the hash: names the key without its secret.
        pub public_id: Option<String>,
        /// Written at most once a minute a key (see `Store::authenticate`).
        pub last_used_at: Option<i64>,
    }
    no_relations!();
}

pub mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub workspace_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub name: String,
        pub avatar_url: Option<String>,
    }
    no_relations!();
}

pub mod customer {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "customers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub workspace_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub name: String,
        pub phone: Option<String>,
        pub email: Option<String>,
        pub servicetitan_id: Option<String>,
    }
    no_relations!();
}

pub mod conversation {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "conversations")]
    pub struct Model {
        /// Keys the search index; clients know conversations by (workspace, id).
        #[sea_orm(primary_key)]
        pub seq: i64,
        pub workspace_id: String,
        pub id: String,
        pub channel: String,
        pub status: String,
        pub priority: String,
        pub priority_rank: i16,
        pub customer_id: String,
        pub assignee_id: Option<String>,
        pub summary: Option<String>,
        pub messages_count: i32,
        pub unread_count: i32,
        pub metadata: String,
        pub created_at: i64,
        pub last_activity_at: i64,
        pub resolved_at: Option<i64>,
        pub resolution_notes: Option<String>,
    }
    no_relations!();
}

pub mod conversation_tag {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "conversation_tags")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub seq: i64,
        pub workspace_id: String,
        pub conversation_id: String,
        pub tag: String,
    }
    no_relations!();
}

pub mod message {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "messages")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub seq: i64,
        pub workspace_id: String,
        pub conversation_id: String,
        pub id: Option<String>,
        pub direction: Option<String>,
        pub body: String,
        pub sent_at: i64,
    }
    no_relations!();
}

pub mod note {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notes")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub seq: i64,
        pub workspace_id: String,
        pub conversation_id: String,
        pub id: String,
        pub content: String,
        pub internal: bool,
        pub created_at: i64,
        /// [`IMPORTED`] or [`ACTION`]: an import replaces only the notes it wrote.
        pub origin: String,
    }
    no_relations!();

    /// A note of an import file.
    pub const IMPORTED: &str = "import";
    /// A note `addConversationNote` wrote.
    pub const ACTION: &str = "action";
}

pub mod activity_event {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "activity_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub seq: i64,
        pub workspace_id: String,
        pub conversation_id: String,
        pub id: String,
        pub kind: String,
        pub at: i64,
        pub details: String,
        /// Its place in its workspace's commit order (see `store::events`).
        pub position: Option<i64>,
        /// The conversation before and after the change, as JSON (see `store::events`).
        pub snapshot: Option<String>,
    }
    no_relations!();
}

pub mod event_head {
    use sea_orm::entity::prelude::*;

    /// Where each workspace's event counter stands (see `store::events`).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "event_heads")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub workspace_id: String,
        pub position: i64,
    }
    no_relations!();
}

pub mod conversation_count {
    use sea_orm::entity::prelude::*;

    /// Conversations per (status, channel, priority, assignee) group of a workspace;
    /// `assignee_id` is [`UNASSIGNED`] for conversations without one.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "conversation_counts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub workspace_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub status: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub channel: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub priority: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub assignee_id: String,
        pub n: i64,
    }
    no_relations!();

    pub const UNASSIGNED: &str = "";
}

pub mod conversation_tag_count {
    use sea_orm::entity::prelude::*;

    /// Conversations carrying `tag` per (status, channel, priority, assignee) group of a
    /// workspace; `assignee_id` is [`super::conversation_count::UNASSIGNED`] when none.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "conversation_tag_counts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub workspace_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub tag: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub status: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub channel: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub priority: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub assignee_id: String,
        pub n: i64,
    }
    no_relations!();
}

pub mod customer_phone_suffix {
    use sea_orm::entity::prelude::*;

    /// Every suffix (of 4 digits or more) of the digits of a customer's phone number: a
    /// digit fragment occurs in the number exactly when it is a prefix of one of these.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "customer_phone_suffixes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub workspace_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub customer_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub suffix: String,
    }
    no_relations!();
}
