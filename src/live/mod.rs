//! Live updates (contract section 9): each gateway process follows the event log of the
//! workspaces its subscribers watch and fans each committed event out to them, filtered
//! per subscription in memory.
//!
//! - The log is the truth: an event is delivered once it is read from the activity
//!   table, in position order (its workspace's commit order, see `store::events`).
//!   Wake-ups only say when to read: this process's own commits, PostgreSQL's `NOTIFY`
//!   from every gateway, and a poll (the only way to hear other processes on SQLite, and
//!   a safety net on PostgreSQL). A wake-up lost, or a listener connection dropped, costs
//!   latency, never an event: the next read starts where the last one ended.
//! - A subscriber registers at the position its workspace's feed has reached; what comes
//!   later reaches it through its bounded buffer, what came before (after its `after`
//!   cursor) it reads from the log itself. A subscriber whose buffer is full is dropped
//!   and its socket closed with 4429.

pub mod cursor;
mod feed;
mod metrics;
mod sockets;
mod wake;

use std::sync::Arc;
use std::time::Duration;

pub use feed::{Delivery, EventStream};
pub use metrics::LiveMetrics;
pub use sockets::{Close, Closer, SocketGuard, SubscriptionSlot};

use crate::store::Store;

/// What bounds live updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveLimits {
    /// Subscriptions one API key may have open in this process.
    pub max_subscriptions_per_key: usize,
    /// Events a subscriber may have waiting; one more and it is closed (4429).
    pub subscriber_buffer: usize,
    /// An idle socket is pinged this often; one silent for two intervals is closed.
    pub ping_interval: Duration,
    /// The event log's heads are read at least this often: how processes sharing a
    /// SQLite file hear each other, a safety net beside PostgreSQL's `NOTIFY`. `None`:
    /// 250 ms on SQLite, 5 s on PostgreSQL.
    pub poll_interval: Option<Duration>,
    /// A socket's API key is checked this often (a revoked key's sockets are closed).
    pub key_check_interval: Duration,
    /// A socket must complete `connection_init` within this.
    pub init_timeout: Duration,
}

impl Default for LiveLimits {
    fn default() -> Self {
        Self {
            max_subscriptions_per_key: 100,
            subscriber_buffer: 1_000,
            ping_interval: Duration::from_secs(15),
            poll_interval: None,
            key_check_interval: Duration::from_secs(2),
            init_timeout: Duration::from_secs(10),
        }
    }
}

/// This process's live updates; cheap to clone.
#[derive(Clone)]
pub struct Live {
    pub(crate) feeds: Arc<feed::Feeds>,
    pub(crate) sockets: Arc<sockets::Sockets>,
    pub limits: LiveLimits,
    pub metrics: LiveMetrics,
}

impl Live {
    /// Starts following the log (the wake-up sources, the reader, the key checks).
    pub fn start(store: &Store, limits: LiveLimits) -> Self {
        let metrics = LiveMetrics::new();
        let feeds = Arc::new(feed::Feeds::new(store.clone(), limits, metrics.clone()));
        let sockets = Arc::new(sockets::Sockets::new(limits));
        wake::spawn(store, &feeds, limits.poll_interval);
        feed::spawn_reader(&feeds);
        sockets::spawn_key_checks(store, &sockets, limits.key_check_interval);
        Self { feeds, sockets, limits, metrics }
    }

    /// The workspace's events that `filter` matches before or after their change: those
    /// after the cursor's position from the log first, then the live ones.
    pub async fn subscribe(
        &self,
        workspace: crate::domain::WorkspaceId,
        filter: crate::domain::ConversationFilter,
        after: Option<i64>,
        closer: Closer,
    ) -> Result<EventStream, crate::error::AppError> {
        self.feeds.subscribe(workspace, filter, after, closer).await
    }

    /// Closes every socket (1001, going away) and refuses new ones: the server is stopping.
    pub fn shut_down(&self) {
        self.sockets.shut_down();
    }
}
