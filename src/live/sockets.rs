//! The sockets of this process: how each is told to close, which API key each runs on
//! (a revoked key's sockets are closed within the key check's interval), how many
//! subscriptions each key has open, and the shutdown every socket hears.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use super::{Live, LiveLimits};
use crate::error::AppError;
use crate::store::Store;

/// Why a socket is closed: its WebSocket close code and reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Close {
    pub code: u16,
    pub reason: &'static str,
}

impl Close {
    pub const UNAUTHORIZED: Self = Self { code: 4401, reason: "Unauthorized" };
    pub const REVOKED: Self = Self { code: 4401, reason: "API key revoked" };
    pub const FORBIDDEN: Self = Self { code: 4403, reason: "Forbidden" };
    pub const TOO_SLOW: Self = Self { code: 4429, reason: "Subscriber too slow; resume with the last cursor" };
    pub const DUPLICATE_ID: Self = Self { code: 4409, reason: "Subscriber for this id already exists" };
    pub const INIT_TIMEOUT: Self = Self { code: 4408, reason: "Connection initialisation timeout" };
    pub const GOING_AWAY: Self = Self { code: 1001, reason: "Server shutting down" };
    pub const NO_PONG: Self = Self { code: 1001, reason: "No answer to pings" };
}

/// Tells one socket to close; the first reason wins.
#[derive(Debug, Clone)]
pub struct Closer(mpsc::UnboundedSender<Close>);

impl Closer {
    pub fn new() -> (Self, mpsc::UnboundedReceiver<Close>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        (Self(sender), receiver)
    }

    pub fn close(&self, why: Close) {
        let _ = self.0.send(why);
    }
}

pub(crate) struct Sockets {
    limits: LiveLimits,
    keys: Mutex<HashMap<String, Key>>,
    stopping: watch::Sender<bool>,
    next_id: AtomicU64,
}

#[derive(Default)]
struct Key {
    sockets: HashMap<u64, Closer>,
    subscriptions: usize,
}

impl Sockets {
    pub fn new(limits: LiveLimits) -> Self {
        Self { limits, keys: Mutex::default(), stopping: watch::channel(false).0, next_id: AtomicU64::new(1) }
    }

    pub fn shut_down(&self) {
        self.stopping.send_replace(true);
    }

    fn keys(&self) -> std::sync::MutexGuard<'_, HashMap<String, Key>> {
        self.keys.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A socket's place among its key's sockets, given up when dropped.
pub struct SocketGuard {
    sockets: Weak<Sockets>,
    key_hash: String,
    id: u64,
    open: prometheus::IntGauge,
}

impl Drop for SocketGuard {
    fn drop(&mut self) {
        self.open.dec();
        if let Some(sockets) = self.sockets.upgrade() {
            let mut keys = sockets.keys();
            if let Some(key) = keys.get_mut(&self.key_hash) {
                key.sockets.remove(&self.id);
                if key.sockets.is_empty() && key.subscriptions == 0 {
                    keys.remove(&self.key_hash);
                }
            }
        }
    }
}

/// One open subscription of a key, given back when dropped.
pub struct SubscriptionSlot {
    sockets: Weak<Sockets>,
    key_hash: String,
}

impl Drop for SubscriptionSlot {
    fn drop(&mut self) {
        if let Some(sockets) = self.sockets.upgrade() {
            let mut keys = sockets.keys();
            if let Some(key) = keys.get_mut(&self.key_hash) {
                key.subscriptions = key.subscriptions.saturating_sub(1);
                if key.sockets.is_empty() && key.subscriptions == 0 {
                    keys.remove(&self.key_hash);
                }
            }
        }
    }
}

impl Live {
    /// True once the server is stopping: new sockets are refused.
    pub fn stopping(&self) -> watch::Receiver<bool> {
        self.sockets.stopping.subscribe()
    }

    /// Counts an authenticated socket under its key, so that revoking the key closes it.
    pub fn authenticated(&self, key_hash: &str, closer: Closer) -> SocketGuard {
        let id = self.sockets.next_id.fetch_add(1, Ordering::Relaxed);
        self.sockets.keys().entry(key_hash.to_owned()).or_default().sockets.insert(id, closer);
        self.metrics.sockets.inc();
        SocketGuard {
            sockets: Arc::downgrade(&self.sockets),
            key_hash: key_hash.to_owned(),
            id,
            open: self.metrics.sockets.clone(),
        }
    }

    /// A place for one more subscription of this key; `RATE_LIMITED` when it has
    /// `--max-subscriptions-per-key` open in this process.
    pub fn admit_subscription(&self, key_hash: &str) -> Result<SubscriptionSlot, AppError> {
        let max = self.sockets.limits.max_subscriptions_per_key;
        let mut keys = self.sockets.keys();
        let key = keys.entry(key_hash.to_owned()).or_default();
        if key.subscriptions >= max {
            return Err(AppError::RateLimited {
                message: format!("this API key has {max} subscriptions open, the most it may have"),
                retry_after_seconds: 1,
            });
        }
        key.subscriptions += 1;
        Ok(SubscriptionSlot { sockets: Arc::downgrade(&self.sockets), key_hash: key_hash.to_owned() })
    }
}

/// Every interval, checks the keys that have sockets here and closes the sockets of
/// those revoked (4401).
pub(crate) fn spawn_key_checks(store: &Store, sockets: &Arc<Sockets>, every: Duration) {
    let store = store.clone();
    let weak = Arc::downgrade(sockets);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(sockets) = weak.upgrade() else { return };
            let hashes: Vec<String> =
                sockets.keys().iter().filter(|(_, k)| !k.sockets.is_empty()).map(|(h, _)| h.clone()).collect();
            if hashes.is_empty() {
                continue;
            }
            let valid = match store.valid_key_hashes(&hashes).await {
                Ok(valid) => valid,
                Err(err) => {
                    tracing::warn!(error = %err, "live updates: could not check the sockets' API keys");
                    continue;
                }
            };
            for (hash, key) in sockets.keys().iter() {
                if !valid.contains(hash) {
                    for closer in key.sockets.values() {
                        closer.close(Close::REVOKED);
                    }
                }
            }
        }
    });
}
