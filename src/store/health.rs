//! Whether the database is known to be unreachable. A statement that fails to reach it
//! marks it down; while down, requests are refused at once instead of each waiting the
//! pool's acquire timeout, and a background probe tries a connection of its own every
//! [`PROBE_EVERY`] until one answers, which marks it up again.

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use sea_orm::sqlx::{self, ConnectOptions as _, Connection as _};
use sea_orm::{ConnAcquireErr, DatabaseBackend, DbErr};

use super::Store;
use crate::error::{is_unreachable, AppError};

/// How often the probe tries the database while it is down.
const PROBE_EVERY: Duration = Duration::from_millis(250);

/// How long a readiness answer is reused: `/readyz` needs no credentials, so however
/// often it is asked, the database is pinged for it at most this often.
const READINESS_FOR: Duration = Duration::from_secs(1);

#[derive(Default)]
pub(crate) struct Health {
    down: AtomicBool,
    /// The last readiness ping: when, and whether the database answered.
    readiness: tokio::sync::Mutex<Option<(Instant, bool)>>,
}

impl Store {
    /// Refuses at once, with 503's error, while the database is known to be down.
    pub fn available(&self) -> Result<(), AppError> {
        if self.health.down.load(Ordering::Relaxed) {
            Err(AppError::ServiceUnavailable(DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed)))
        } else {
            Ok(())
        }
    }

    /// Whether the database answers, from a ping at most [`READINESS_FOR`] old (callers
    /// meanwhile wait for the one ping under way); false at once while it is known down.
    pub async fn ready(&self) -> bool {
        if self.available().is_err() {
            return false;
        }
        let mut last = self.health.readiness.lock().await;
        if let Some((at, answered)) = *last {
            if at.elapsed() < READINESS_FOR {
                return answered;
            }
        }
        let answered = self.ping().await;
        *last = Some((Instant::now(), answered));
        answered
    }

    /// Passes `err` on, marking the database down first when it says it cannot be reached.
    /// A pool timeout with every connection in use is load, not absence, and marks nothing.
    pub(crate) fn observe(&self, err: DbErr) -> DbErr {
        let pool_full = || self.pool_status().0 >= self.max_connections;
        let unreachable = match err {
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout) => !pool_full(),
            ref other => is_unreachable(other),
        };
        if unreachable {
            self.mark_down();
        }
        err
    }

    fn mark_down(&self) {
        if self.health.down.swap(true, Ordering::Relaxed) {
            return;
        }
        tracing::warn!(every = ?PROBE_EVERY, "database unreachable: refusing requests at once while probing it");
        let probe = Probe {
            health: Arc::downgrade(&self.health),
            backend: self.backend(),
            url: self.url.clone(),
            timeout: self.connect_timeout,
        };
        tokio::spawn(probe.run());
    }
}

/// Tries a connection of its own, outside the pool: one attempt each time (the pool would
/// retry within its acquire timeout), and never held up by a pool that is merely busy.
struct Probe {
    health: Weak<Health>,
    backend: DatabaseBackend,
    url: String,
    timeout: Duration,
}

impl Probe {
    async fn run(self) {
        loop {
            tokio::time::sleep(PROBE_EVERY).await;
            let answered = matches!(tokio::time::timeout(self.timeout, self.ping()).await, Ok(Ok(())));
            let Some(health) = self.health.upgrade() else {
                return;
            };
            if answered {
                health.down.store(false, Ordering::Relaxed);
                tracing::info!("database reachable again");
                return;
            }
        }
    }

    async fn ping(&self) -> Result<(), sqlx::Error> {
        match self.backend {
            DatabaseBackend::Postgres => {
                let mut conn = sqlx::postgres::PgConnectOptions::from_str(&self.url)?.connect().await?;
                conn.ping().await?;
                conn.close().await
            }
            _ => {
                let mut conn = sqlx::sqlite::SqliteConnectOptions::from_str(&self.url)?.connect().await?;
                conn.ping().await?;
                conn.close().await
            }
        }
    }
}
