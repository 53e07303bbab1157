//! Live updates over WebSocket (contract section 9): `Subscription.conversationEvents`.

use async_graphql::{Context, Object, Result, Subscription};
use futures::{Stream, StreamExt as _};

use super::conversation::{ActivityEvent, Conversation, ConversationFilter};
use super::ContextExt;
use crate::domain::RuleError;
use crate::error::{AppError, GqlResultExt};
use crate::live::{cursor, Closer, Delivery};

/// What a WebSocket connection adds to each of its operations: whose key it runs on,
/// and how to close it.
pub struct LiveSession {
    pub key_hash: String,
    pub closer: Closer,
}

/// The root of subscriptions.
#[derive(Default)]
pub struct SubscriptionRoot;

#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// One event for every committed activity event of the workspace whose conversation
    /// matches the filter before or after the change (one leaving the view arrives with
    /// `matches: false`), in commit order, whichever gateway or transport committed it.
    /// With `after` (an event's `cursor`), the stored events after it come first, then
    /// the live ones, none twice and none missing. Over WebSocket only.
    async fn conversation_events(
        &self,
        ctx: &Context<'_>,
        filter: Option<ConversationFilter>,
        after: Option<String>,
    ) -> Result<impl Stream<Item = Result<ConversationEvent>>> {
        let session = ctx.data_opt::<LiveSession>().ok_or_else(|| {
            AppError::bad_input(
                "operation",
                RuleError::new(
                    "subscriptions are served over WebSocket at /graphql (graphql-transport-ws or graphql-ws)",
                ),
            )
        });
        let session = session.gql()?;
        let filter = filter.unwrap_or_default().parse().gql()?;
        let after = after
            .map(|raw| {
                cursor::decode(&raw).ok_or_else(|| AppError::bad_input("after", RuleError::new("malformed cursor")))
            })
            .transpose()
            .gql()?;
        let state = ctx.state();
        let live = state.live.clone();
        let slot = live.admit_subscription(&session.key_hash).gql()?;
        let events = live.subscribe(ctx.workspace().clone(), filter, after, session.closer.clone()).await.gql()?;
        let clock = state.clock.clone();
        Ok(events.map(move |delivery| {
            let _open = &slot;
            let delivery = delivery.gql()?;
            live.metrics.delivered.inc();
            let lag_micros = clock.now() - delivery.event.event.at;
            if lag_micros >= 0 {
                #[allow(clippy::cast_precision_loss)]
                live.metrics.lag.observe(lag_micros as f64 / 1e6);
            }
            Ok(ConversationEvent(delivery))
        }))
    }
}

/// One committed change, as a subscriber sees it.
pub struct ConversationEvent(Delivery);

#[Object]
impl ConversationEvent {
    /// Pass back as `after` to resume after this event.
    async fn cursor(&self) -> String {
        cursor::encode(self.0.event.position)
    }

    /// What happened.
    async fn event(&self) -> ActivityEvent {
        ActivityEvent(self.0.event.event.clone())
    }

    /// The conversation after the change.
    async fn conversation(&self, ctx: &Context<'_>) -> Conversation {
        // Each event is resolved on its own: what the subscription's loaders hold of the
        // previous one may have changed since.
        let loaders = ctx.loaders();
        loaders.forget_all();
        let conversation = &self.0.event.conversation;
        loaders.tags.feed_one(conversation.id.clone(), self.0.event.tags.clone()).await;
        Conversation(conversation.clone())
    }

    /// Whether it matches the filter after the change.
    async fn matches(&self) -> bool {
        self.0.matches
    }
}
