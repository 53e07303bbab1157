//! The request deadline inside the database: no statement runs longer than the limit, so
//! a request cancelled at its deadline does not leave its statement running and its
//! connection busy. PostgreSQL enforces `statement_timeout` itself (set per connection
//! at connect). SQLite has no such setting: each connection notes when its current
//! statement began (a trace callback) and a progress handler interrupts the statement
//! once it has run longer than the limit; it then fails with `SQLITE_INTERRUPT`.

use std::ffi::{c_int, c_uint, c_void};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use libsqlite3_sys::{sqlite3_trace_v2, SQLITE_OK, SQLITE_TRACE_CLOSE, SQLITE_TRACE_STMT};
use sea_orm::sqlx::sqlite::SqliteConnection;

/// SQLite virtual-machine instructions between two looks at the clock (well under a
/// millisecond of work).
const CHECK_EVERY: i32 = 10_000;

/// When the connection's current statement began.
struct StatementClock {
    epoch: Instant,
    /// Nanoseconds from `epoch` to the start of the current statement.
    started: AtomicU64,
}

impl StatementClock {
    fn new() -> Self {
        Self { epoch: Instant::now(), started: AtomicU64::new(0) }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    fn start(&self) {
        self.started.store(self.now(), Ordering::Relaxed);
    }

    fn overran(&self, limit: Duration) -> bool {
        let running = self.now().saturating_sub(self.started.load(Ordering::Relaxed));
        u128::from(running) > limit.as_nanos()
    }
}

/// Makes SQLite interrupt any statement of this connection that runs longer than `limit`.
pub async fn limit_sqlite_statements(conn: &mut SqliteConnection, limit: Duration) -> Result<(), sea_orm::sqlx::Error> {
    let clock = Arc::new(StatementClock::new());
    let mut handle = conn.lock_handle().await?;
    // The trace callback holds its own reference, given back when the connection closes.
    let context = Arc::into_raw(Arc::clone(&clock)).cast_mut().cast::<c_void>();
    // SAFETY: the handle is locked out of sqlx's worker for this call; the callback only
    // reads `context`, which stays alive until SQLITE_TRACE_CLOSE, the last event SQLite
    // delivers for a connection (sqlx finalizes every statement before closing).
    let status = unsafe {
        sqlite3_trace_v2(
            handle.as_raw_handle().as_ptr(),
            SQLITE_TRACE_STMT | SQLITE_TRACE_CLOSE,
            Some(on_trace),
            context,
        )
    };
    if status != SQLITE_OK {
        // SAFETY: SQLite refused the callback, so nothing else holds this reference.
        drop(unsafe { Arc::from_raw(context.cast::<StatementClock>()) });
        return Err(sea_orm::sqlx::Error::Protocol(format!("sqlite3_trace_v2 failed with {status}")));
    }
    handle.set_progress_handler(CHECK_EVERY, move || !clock.overran(limit));
    Ok(())
}

/// SQLite's trace callback: a statement begins, or the connection closes.
unsafe extern "C" fn on_trace(event: c_uint, context: *mut c_void, _: *mut c_void, _: *mut c_void) -> c_int {
    let clock = context.cast::<StatementClock>().cast_const();
    match event {
        // SAFETY: `context` is the reference `limit_sqlite_statements` handed over, alive
        // until the close event below.
        SQLITE_TRACE_STMT => unsafe { (*clock).start() },
        // SAFETY: the connection is closing; no event follows, so the reference is released.
        SQLITE_TRACE_CLOSE => drop(unsafe { Arc::from_raw(clock) }),
        _ => {}
    }
    0
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use sea_orm::{ConnectionTrait, DbErr};

    use crate::error::AppError;
    use crate::store::{Store, StoreOptions};

    /// A statement that keeps SQLite or PostgreSQL busy for many seconds.
    const HEAVY: &str = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 200000000) \
                         SELECT count(*) FROM n";

    async fn store(limit: Option<Duration>) -> (Store, Option<tempfile::TempDir>) {
        let (url, dir) = match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => (url, None),
            _ => {
                let dir = tempfile::tempdir().unwrap();
                (format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display()), Some(dir))
            }
        };
        let mut options = StoreOptions::new(url);
        options.max_connections = 1;
        options.statement_timeout = limit;
        (Store::connect(&options).await.unwrap(), dir)
    }

    #[tokio::test]
    async fn a_statement_longer_than_the_limit_is_stopped_in_the_database_as_unavailable() {
        let (store, _dir) = store(Some(Duration::from_millis(200))).await;
        let started = Instant::now();
        let err: DbErr = store.db().execute_unprepared(HEAVY).await.expect_err("stopped");
        let took = started.elapsed();
        eprintln!("stopped after {took:?}: {err}");
        assert!(took < Duration::from_secs(3), "stopped near its limit, not after {took:?}");
        assert_eq!(AppError::from(err).code(), "SERVICE_UNAVAILABLE");
        store.db().execute_unprepared("SELECT 1").await.expect("the connection still works");
    }

    #[tokio::test]
    async fn an_abandoned_statement_frees_its_connection_at_the_limit() {
        let (store, _dir) = store(Some(Duration::from_millis(300))).await;
        let abandoned = tokio::time::timeout(Duration::from_millis(100), store.db().execute_unprepared(HEAVY)).await;
        assert!(abandoned.is_err(), "the heavy statement was still running when dropped");
        // The pool has one connection: the next statement gets it once the abandoned one stops.
        let started = Instant::now();
        store.db().execute_unprepared("SELECT 1").await.expect("the pool is free again");
        let waited = started.elapsed();
        eprintln!("the next statement waited {waited:?}");
        assert!(waited < Duration::from_secs(3), "waited {waited:?}");
    }
}
