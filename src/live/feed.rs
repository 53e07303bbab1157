//! The feeds: per workspace that has subscribers here, the position its events have
//! been read up to and the subscribers they go to. One reader task reads each woken
//! workspace's new events from the log and hands each to the subscribers whose filter
//! its conversation matches, before or after the change.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use futures::stream::BoxStream;
use futures::StreamExt as _;
use tokio::sync::{mpsc, Notify};

use super::metrics::LiveMetrics;
use super::sockets::{Close, Closer};
use super::LiveLimits;
use crate::domain::{ConversationFilter, SearchText, WorkspaceId};
use crate::error::AppError;
use crate::store::{LoggedEvent, Store};

/// Events read from the log at once.
const PAGE: u64 = 500;
/// How often an idle reader checks that its process still has live updates.
const IDLE_CHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// One event for one subscriber.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub event: Arc<LoggedEvent>,
    /// Whether the conversation matches the subscriber's filter after the change.
    pub matches: bool,
}

/// A subscriber's events: those after its cursor from the log, then the live ones.
pub type EventStream = BoxStream<'static, Result<Delivery, AppError>>;

pub(crate) struct Feeds {
    store: Store,
    limits: LiveLimits,
    metrics: LiveMetrics,
    feeds: Mutex<HashMap<WorkspaceId, Feed>>,
    /// Workspaces to read, and whether to read every one.
    woken: Mutex<(HashSet<WorkspaceId>, bool)>,
    wake: Notify,
    next_id: AtomicU64,
}

struct Feed {
    /// Every event up to this position has been handed out.
    last: i64,
    subscribers: Vec<Subscriber>,
}

struct Subscriber {
    id: u64,
    filter: Arc<ConversationFilter>,
    events: mpsc::Sender<Delivery>,
    closer: Closer,
}

impl Feeds {
    pub fn new(store: Store, limits: LiveLimits, metrics: LiveMetrics) -> Self {
        Self {
            store,
            limits,
            metrics,
            feeds: Mutex::default(),
            woken: Mutex::default(),
            wake: Notify::new(),
            next_id: AtomicU64::new(1),
        }
    }

    /// Asks the reader to read this workspace's new events (every workspace's for `None`).
    pub fn wake(&self, workspace: Option<&WorkspaceId>) {
        {
            let mut woken = self.woken.lock().unwrap_or_else(PoisonError::into_inner);
            match workspace {
                Some(workspace) => {
                    woken.0.insert(workspace.clone());
                }
                None => woken.1 = true,
            }
        }
        self.wake.notify_one();
    }

    /// A stream of the workspace's events that `filter` matches before or after: those
    /// after `after` from the log first (none without a cursor), then the live ones.
    pub async fn subscribe(
        self: &Arc<Self>,
        workspace: WorkspaceId,
        filter: ConversationFilter,
        after: Option<i64>,
        closer: Closer,
    ) -> Result<EventStream, AppError> {
        let filter = Arc::new(filter);
        let (sender, receiver) = mpsc::channel(self.limits.subscriber_buffer.max(1));
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let subscriber = Subscriber { id, filter: Arc::clone(&filter), events: sender, closer };
        let start = self.register(&workspace, subscriber).await?;
        let registration = Registration { feeds: Arc::downgrade(self), workspace: workspace.clone(), id };
        let state = StreamState {
            feeds: Arc::clone(self),
            workspace,
            filter,
            replay_from: after.unwrap_or(start).min(start),
            replay_to: start,
            pending: VecDeque::new(),
            live: receiver,
            // A cursor past the feed's position (another process may be ahead) skips
            // the live events up to it too.
            last: after.unwrap_or(start),
            done: false,
            _registration: registration,
        };
        Ok(futures::stream::unfold(state, StreamState::next).boxed())
    }

    /// Adds a subscriber to its workspace's feed (started at the log's head when this is
    /// the first), and says where the feed stands: later events reach it live.
    async fn register(&self, workspace: &WorkspaceId, subscriber: Subscriber) -> Result<i64, AppError> {
        let mut head = None;
        loop {
            {
                let mut feeds = self.feeds.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(feed) = feeds.get_mut(workspace) {
                    feed.subscribers.push(subscriber);
                    self.metrics.subscriptions.inc();
                    return Ok(feed.last);
                }
                if let Some(head) = head {
                    feeds.insert(workspace.clone(), Feed { last: head, subscribers: vec![subscriber] });
                    self.metrics.subscriptions.inc();
                    drop(feeds);
                    // Events committed while the head was read are read now.
                    self.wake(Some(workspace));
                    return Ok(head);
                }
            }
            head = Some(self.store.event_head(workspace).await?);
        }
    }

    fn unregister(&self, workspace: &WorkspaceId, id: u64) {
        let mut feeds = self.feeds.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(feed) = feeds.get_mut(workspace) {
            let before = feed.subscribers.len();
            feed.subscribers.retain(|s| s.id != id);
            if feed.subscribers.len() < before {
                self.metrics.subscriptions.dec();
            }
            if feed.subscribers.is_empty() {
                feeds.remove(workspace);
            }
        }
    }

    /// The watched workspaces whose log is ahead of their feed (one query for them all),
    /// and those named; every watched one when the heads cannot be read.
    async fn behind(&self, named: HashSet<WorkspaceId>) -> Vec<WorkspaceId> {
        let positions: Vec<(WorkspaceId, i64)> = self
            .feeds
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(workspace, feed)| (workspace.clone(), feed.last))
            .collect();
        let watched: Vec<WorkspaceId> = positions.iter().map(|(w, _)| w.clone()).collect();
        let heads = match self.store.event_heads(&watched).await {
            Ok(heads) => heads,
            Err(err) => {
                tracing::warn!(error = %err, "live updates: could not read the event log's heads");
                return watched;
            }
        };
        let mut behind: HashSet<WorkspaceId> = named;
        behind.extend(
            positions
                .into_iter()
                .filter(|(workspace, last)| heads.get(workspace.as_str()).is_some_and(|head| head > last))
                .map(|(workspace, _)| workspace),
        );
        behind.into_iter().collect()
    }

    /// Reads the workspace's events after its feed's position and hands them out.
    async fn read(&self, workspace: &WorkspaceId) -> Result<(), AppError> {
        loop {
            let Some(last) = self.feeds.lock().unwrap_or_else(PoisonError::into_inner).get(workspace).map(|f| f.last)
            else {
                return Ok(());
            };
            let events = self.store.events_after(workspace, last, PAGE).await?;
            let Some(newest) = events.last().map(|e| e.position) else { return Ok(()) };
            let full = events.len() as u64 == PAGE;
            let events: Vec<Arc<LoggedEvent>> = events.into_iter().map(Arc::new).collect();
            let mut texts: Option<HashMap<String, SearchText>> = None;
            loop {
                let texts_needed = {
                    let mut feeds = self.feeds.lock().unwrap_or_else(PoisonError::into_inner);
                    let Some(feed) = feeds.get_mut(workspace) else { return Ok(()) };
                    let needs_text = feed.subscribers.iter().any(|s| s.filter.needs_text());
                    if needs_text && texts.is_none() {
                        true
                    } else {
                        self.hand_out(feed, &events, texts.as_ref());
                        false
                    }
                };
                if !texts_needed {
                    break;
                }
                texts = Some(self.store.search_texts(workspace, &conversation_ids(&events)).await?);
            }
            tracing::trace!(%workspace, newest, "live events handed out");
            if !full {
                return Ok(());
            }
        }
    }

    /// Gives each subscriber the events it matches; drops those whose buffer is full
    /// (their socket is closed with 4429) or whose stream has ended.
    fn hand_out(&self, feed: &mut Feed, events: &[Arc<LoggedEvent>], texts: Option<&HashMap<String, SearchText>>) {
        for event in events {
            if event.position <= feed.last {
                continue;
            }
            let text = texts.and_then(|t| t.get(&event.event.conversation_id));
            let after = event.after();
            feed.subscribers.retain(|subscriber| {
                let Some(matches) = relevant(&subscriber.filter, event, &after, text) else { return true };
                match subscriber.events.try_send(Delivery { event: Arc::clone(event), matches }) {
                    Ok(()) => true,
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        self.metrics.too_slow.inc();
                        subscriber.closer.close(Close::TOO_SLOW);
                        self.metrics.subscriptions.dec();
                        false
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => {
                        self.metrics.subscriptions.dec();
                        false
                    }
                }
            });
            feed.last = event.position;
            self.metrics.published.inc();
        }
    }

    /// The subscriber's events in `(from, to]` from the log, and the position read up to.
    async fn replay(
        &self,
        workspace: &WorkspaceId,
        filter: &ConversationFilter,
        from: i64,
        to: i64,
    ) -> Result<(Vec<Delivery>, i64), AppError> {
        let events = self.store.events_after(workspace, from, PAGE).await?;
        let reached = if events.len() as u64 == PAGE { events.last().map_or(to, |e| e.position.min(to)) } else { to };
        let events: Vec<LoggedEvent> = events.into_iter().filter(|e| e.position <= to).collect();
        let texts = if filter.needs_text() {
            let ids: Vec<String> = events.iter().map(|e| e.event.conversation_id.clone()).collect();
            self.store.search_texts(workspace, &dedup(ids)).await?
        } else {
            HashMap::new()
        };
        let deliveries = events
            .into_iter()
            .filter_map(|event| {
                let after = event.after();
                let text = texts.get(&event.event.conversation_id);
                let matches = relevant(filter, &event, &after, text)?;
                Some(Delivery { event: Arc::new(event), matches })
            })
            .collect();
        Ok((deliveries, reached))
    }
}

/// `Some(matches after)` when the event concerns the subscriber: its conversation
/// matches the filter before or after the change.
fn relevant(
    filter: &ConversationFilter,
    event: &LoggedEvent,
    after: &crate::domain::FilterFacts,
    text: Option<&SearchText>,
) -> Option<bool> {
    let matches = filter.matches(after, text);
    let matched = event.before.as_ref().is_some_and(|before| filter.matches(before, text));
    (matches || matched).then_some(matches)
}

fn conversation_ids(events: &[Arc<LoggedEvent>]) -> Vec<String> {
    dedup(events.iter().map(|e| e.event.conversation_id.clone()).collect())
}

fn dedup(mut ids: Vec<String>) -> Vec<String> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Takes the subscriber out of its feed when its stream is dropped.
struct Registration {
    feeds: Weak<Feeds>,
    workspace: WorkspaceId,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(feeds) = self.feeds.upgrade() {
            feeds.unregister(&self.workspace, self.id);
        }
    }
}

struct StreamState {
    feeds: Arc<Feeds>,
    workspace: WorkspaceId,
    filter: Arc<ConversationFilter>,
    /// The log is read from here up to `replay_to` before the live events.
    replay_from: i64,
    replay_to: i64,
    pending: VecDeque<Delivery>,
    live: mpsc::Receiver<Delivery>,
    /// The position of the last event given out.
    last: i64,
    done: bool,
    _registration: Registration,
}

impl StreamState {
    async fn next(mut self) -> Option<(Result<Delivery, AppError>, Self)> {
        loop {
            if self.done {
                return None;
            }
            if let Some(delivery) = self.pending.pop_front() {
                self.last = delivery.event.position;
                return Some((Ok(delivery), self));
            }
            if self.replay_from < self.replay_to {
                match self.feeds.replay(&self.workspace, &self.filter, self.replay_from, self.replay_to).await {
                    Ok((deliveries, reached)) => {
                        self.pending.extend(deliveries);
                        self.replay_from = reached;
                        continue;
                    }
                    Err(err) => {
                        self.done = true;
                        return Some((Err(err), self));
                    }
                }
            }
            let delivery = self.live.recv().await?;
            if delivery.event.position > self.last {
                self.last = delivery.event.position;
                return Some((Ok(delivery), self));
            }
        }
    }
}

/// Runs the reader: each wake-up reads the woken workspaces that have feeds here.
pub(crate) fn spawn_reader(feeds: &Arc<Feeds>) {
    let weak = Arc::downgrade(feeds);
    tokio::spawn(async move {
        loop {
            let Some(feeds) = weak.upgrade() else { return };
            let (named, all) = std::mem::take(&mut *feeds.woken.lock().unwrap_or_else(PoisonError::into_inner));
            let workspaces: Vec<WorkspaceId> =
                if all { feeds.behind(named).await } else { named.into_iter().collect() };
            if workspaces.is_empty() && !all {
                // A wake-up between the take and here left a permit: this returns at once.
                let _ = tokio::time::timeout(IDLE_CHECK, feeds.wake.notified()).await;
                continue;
            }
            for workspace in &workspaces {
                if let Err(err) = feeds.read(workspace).await {
                    // The feed stays where it was; the next wake-up or poll reads again.
                    tracing::warn!(error = %err, %workspace, "could not read the event log");
                }
            }
        }
    });
}
