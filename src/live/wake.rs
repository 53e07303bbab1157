//! When the reader reads: at once after this process's own commits, when PostgreSQL
//! says another gateway committed (`LISTEN`), after the listener's connection was made
//! again (whatever was missed meanwhile is in the log), and on every poll.

use std::sync::{Arc, Weak};
use std::time::Duration;

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::DatabaseBackend;
use tokio::sync::broadcast::error::RecvError;

use super::feed::Feeds;
use crate::domain::WorkspaceId;
use crate::store::{Store, EVENTS_CHANNEL};

/// The listener connection's `application_name`, by which an operator (or a test) finds it.
pub const LISTENER_NAME: &str = "inbox-gateway-listener";

pub(crate) fn spawn(store: &Store, feeds: &Arc<Feeds>, poll: Option<Duration>) {
    let postgres = store.backend() == DatabaseBackend::Postgres;
    let poll = poll.unwrap_or(if postgres { Duration::from_secs(5) } else { Duration::from_millis(250) });
    let mut commits = store.commits();
    let weak = Arc::downgrade(feeds);
    tokio::spawn(async move {
        loop {
            let commit = commits.recv().await;
            let Some(feeds) = weak.upgrade() else { return };
            match commit {
                Ok(workspace) => feeds.wake(Some(&workspace)),
                Err(RecvError::Lagged(_)) => feeds.wake(None),
                Err(RecvError::Closed) => return,
            }
        }
    });
    let weak = Arc::downgrade(feeds);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(poll);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let Some(feeds) = weak.upgrade() else { return };
            feeds.wake(None);
        }
    });
    if postgres {
        tokio::spawn(listen(store.url().to_owned(), Arc::downgrade(feeds)));
    }
}

/// Follows `NOTIFY`s on the events channel. A dropped connection is made again, and
/// every feed is read as soon as the new one listens: what was committed while no
/// connection listened is in the log.
async fn listen(url: String, feeds: Weak<Feeds>) {
    let url = with_application_name(&url);
    let mut listener: Option<PgListener> = None;
    loop {
        if feeds.strong_count() == 0 {
            return;
        }
        let Some(active) = listener.as_mut() else {
            match connect(&url).await {
                Ok(connected) => {
                    listener = Some(connected);
                    wake(&feeds, None);
                }
                Err(err) => {
                    tracing::warn!(error = %err, "live updates: cannot listen for other gateways' events; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            continue;
        };
        match active.try_recv().await {
            Ok(Some(notification)) => {
                let workspace = WorkspaceId::new_unchecked(notification.payload().to_owned());
                wake(&feeds, Some(&workspace));
            }
            Ok(None) => {
                // Made again below, explicitly: every feed is read once the new
                // connection listens, so that nothing committed meanwhile waits for a poll.
                tracing::info!("live updates: the listener's connection was lost; listening again");
                listener = None;
            }
            Err(err) => {
                tracing::warn!(error = %err, "live updates: the listener failed; connecting again");
                listener = None;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

async fn connect(url: &str) -> Result<PgListener, sea_orm::sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(EVENTS_CHANNEL).await?;
    Ok(listener)
}

fn wake(feeds: &Weak<Feeds>, workspace: Option<&WorkspaceId>) {
    if let Some(feeds) = feeds.upgrade() {
        feeds.wake(workspace);
    }
}

fn with_application_name(url: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}application_name={LISTENER_NAME}")
}
