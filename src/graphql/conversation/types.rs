//! GraphQL types wrapping the domain records.

use async_graphql::{Context, Enum, Json, Object, Result, ID};

use crate::domain;
use crate::error::{AppError, GqlResultExt};
use crate::graphql::loaders::loader_error;
use crate::graphql::scalars::DateTime;
use crate::graphql::ContextExt;

/// Declares a GraphQL enum mirroring a domain enum, both ways.
macro_rules! mirror_enum {
    ($(#[$doc:meta])* $name:ident => $domain:path { $($(#[$vdoc:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl From<$domain> for $name {
            fn from(value: $domain) -> Self {
                match value { $(<$domain>::$variant => Self::$variant),+ }
            }
        }

        impl From<$name> for $domain {
            fn from(value: $name) -> Self {
                match value { $($name::$variant => Self::$variant),+ }
            }
        }
    };
}

mirror_enum!(
    /// How the customer reached the business.
    Channel => domain::Channel {
        /// A phone call.
        Voice,
        /// A text message thread.
        Sms,
        /// An email thread.
        Email,
        /// A chat on the business's website.
        LiveChat,
    }
);

mirror_enum!(
    /// Where a conversation stands.
    ConversationStatus => domain::ConversationStatus {
        /// Needs attention.
        Open,
        /// Waiting on the customer or a third party.
        Pending,
        /// Done.
        Resolved,
    }
);

mirror_enum!(
    /// How soon a conversation needs attention.
    Priority => domain::Priority {
        /// Right now: no heat, flooding, no power.
        Urgent,
        /// Today.
        High,
        /// In the normal course.
        Normal,
        /// When there is time.
        Low,
    }
);

mirror_enum!(
    /// What happened to a conversation.
    ActivityKind => domain::ActivityKind {
        /// Assigned to a team member.
        Assigned,
        /// Assignee removed.
        Unassigned,
        /// Status changed.
        StatusChanged,
        /// Tags added.
        TagsAdded,
        /// Tags removed.
        TagsRemoved,
        /// A note added.
        NoteAdded,
        /// Created or changed by an import (`details`: `{"created": true|false}`).
        Imported,
    }
);

/// One thread with one customer, over one channel.
pub struct Conversation(pub domain::Conversation);

#[Object]
impl Conversation {
    /// Unique within the workspace.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// The global id (Relay's): opaque and stable; `node` and `nodes` take it.
    pub(crate) async fn node_id(&self) -> ID {
        ID(domain::NodeKind::Conversation.node_id(&self.0.id))
    }

    /// The channel it came in on.
    async fn channel(&self) -> Channel {
        self.0.channel.into()
    }

    async fn status(&self) -> ConversationStatus {
        self.0.status.into()
    }

    async fn priority(&self) -> Priority {
        self.0.priority.into()
    }

    /// The customer on the other end.
    async fn customer(&self, ctx: &Context<'_>) -> Result<Customer> {
        let found = ctx.loaders().customers.load_one(self.0.customer_id.clone()).await.map_err(loader_error)?;
        found
            .map(Customer)
            .ok_or_else(|| {
                AppError::internal(anyhow::anyhow!("conversation {} has no customer {}", self.0.id, self.0.customer_id))
            })
            .gql()
    }

    /// The team member working on it; null when unassigned.
    async fn assignee(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(id) = &self.0.assignee_id else {
            return Ok(None);
        };
        let found = ctx.loaders().users.load_one(id.clone()).await.map_err(loader_error)?;
        Ok(found.map(User))
    }

    /// A one-line summary.
    async fn summary(&self) -> Option<&str> {
        self.0.summary.as_deref()
    }

    /// Messages exchanged.
    async fn messages_count(&self) -> i32 {
        self.0.messages_count
    }

    /// Messages nobody on the team has read yet.
    async fn unread_count(&self) -> i32 {
        self.0.unread_count
    }

    /// Tags, in the order they were added.
    async fn tags(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        let found = ctx.loaders().tags.load_one(self.0.id.clone()).await.map_err(loader_error)?;
        Ok(found.unwrap_or_default())
    }

    /// Channel details, keys as stored (e.g. call_duration, recording_url, thread_id).
    async fn metadata(&self) -> Json<serde_json::Value> {
        Json(serde_json::Value::Object(self.0.metadata.clone()))
    }

    async fn created_at(&self) -> DateTime {
        DateTime::from_timestamp(self.0.created_at)
    }

    /// The last customer-facing activity; no mutation changes it.
    async fn last_activity_at(&self) -> DateTime {
        DateTime::from_timestamp(self.0.last_activity_at)
    }

    /// When it was resolved; null unless the status is RESOLVED.
    async fn resolved_at(&self) -> Option<DateTime> {
        self.0.resolved_at.map(DateTime::from_timestamp)
    }

    /// What was done, given when it was resolved.
    async fn resolution_notes(&self) -> Option<&str> {
        self.0.resolution_notes.as_deref()
    }

    /// Notes of the team, oldest first.
    async fn notes(&self, ctx: &Context<'_>) -> Result<Vec<Note>> {
        let found = ctx.loaders().notes.load_one(self.0.id.clone()).await.map_err(loader_error)?;
        Ok(found.unwrap_or_default().into_iter().map(Note).collect())
    }

    /// What the team did to it, oldest first.
    async fn activity(&self, ctx: &Context<'_>) -> Result<Vec<ActivityEvent>> {
        let found = ctx.loaders().activity.load_one(self.0.id.clone()).await.map_err(loader_error)?;
        Ok(found.unwrap_or_default().into_iter().map(ActivityEvent).collect())
    }
}

/// A customer of the business.
pub struct Customer(pub domain::Customer);

#[Object]
impl Customer {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// The global id (Relay's): opaque and stable; `node` and `nodes` take it.
    pub(crate) async fn node_id(&self) -> ID {
        ID(domain::NodeKind::Customer.node_id(&self.0.id))
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// As stored, usually E.164 (`+13105551234`).
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }

    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    /// The id of the customer's record in ServiceTitan.
    async fn servicetitan_id(&self) -> Option<&str> {
        self.0.servicetitan_id.as_deref()
    }
}

/// A member of the team.
pub struct User(pub domain::User);

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// The global id (Relay's): opaque and stable; `node` and `nodes` take it.
    pub(crate) async fn node_id(&self) -> ID {
        ID(domain::NodeKind::User.node_id(&self.0.id))
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn avatar_url(&self) -> Option<&str> {
        self.0.avatar_url.as_deref()
    }
}

/// A note the team wrote on a conversation.
pub struct Note(pub domain::Note);

#[Object]
impl Note {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// The global id (Relay's): opaque and stable; `node` and `nodes` take it.
    pub(crate) async fn node_id(&self) -> ID {
        ID(domain::NodeKind::Note.node_id(&self.0.id))
    }

    async fn content(&self) -> &str {
        &self.0.content
    }

    /// True when only the team sees it.
    async fn internal(&self) -> bool {
        self.0.internal
    }

    async fn created_at(&self) -> DateTime {
        DateTime::from_timestamp(self.0.created_at)
    }
}

/// One change the team made to a conversation.
pub struct ActivityEvent(pub domain::ActivityEvent);

#[Object]
impl ActivityEvent {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    async fn kind(&self) -> ActivityKind {
        self.0.kind.into()
    }

    async fn at(&self) -> DateTime {
        DateTime::from_timestamp(self.0.at)
    }

    /// What changed: `{"assigneeId"}`, `{"from","to"}`, `{"tags": [...]}`...
    async fn details(&self) -> Json<serde_json::Value> {
        Json(self.0.details.clone())
    }
}
