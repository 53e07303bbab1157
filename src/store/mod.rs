//! The conversation store: sea-orm entities, the queries, writes in transactions.
//! Every function that reads or writes workspace data takes the workspace first.

mod bulk_load;
mod chunked;
mod conversations;
mod convert;
mod counts;
mod deadline;
pub mod entity;
mod events;
mod health;
mod mutations;
mod related;
mod search_index;
mod workspaces;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

pub use conversations::{CountPath, Page, Related};

use crate::domain::{Clock, SystemClock, Timestamp, WorkspaceId};
pub use bulk_load::{search_words, ImportEvents, SearchWords};
pub use events::{LoggedEvent, CHANNEL as EVENTS_CHANNEL};
pub use workspaces::{ApiKeyInfo, NewWorkspace};

/// Handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
    statements: Arc<AtomicU64>,
    /// SQLite has one writer at a time: writers of this process queue here, in order,
    /// rather than polling the database's lock (which makes the slowest wait long).
    sqlite_writer: Arc<tokio::sync::Mutex<()>>,
    health: Arc<health::Health>,
    url: String,
    max_connections: u32,
    connect_timeout: Duration,
    clock: Arc<dyn Clock>,
    /// When this process last started writing each key's last use (see `authenticate`).
    last_used_started: Arc<Mutex<HashMap<String, Timestamp>>>,
    /// Told the workspace of every write of this process that committed events.
    commits: tokio::sync::broadcast::Sender<WorkspaceId>,
}

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub url: String,
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    /// The longest a statement may run in the database (and, on SQLite, wait for a
    /// lock); `None` for no limit beyond SQLite's busy timeout of 10 s.
    pub statement_timeout: Option<Duration>,
}

impl StoreOptions {
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into(), max_connections: 16, acquire_timeout: Duration::from_secs(3), statement_timeout: None }
    }
}

impl Store {
    /// Connects (SQLite in WAL mode with a busy timeout; PostgreSQL as given), with the
    /// statement timeout on every connection of the pool. When no connection can be made,
    /// the error says why (the pool alone says only that it timed out).
    pub async fn connect(options: &StoreOptions) -> Result<Self, DbErr> {
        match Self::connect_pool(options).await {
            Err(err) if crate::error::is_unreachable(&err) => Err(Self::why_unreachable(options).await.unwrap_or(err)),
            connected => connected,
        }
    }

    /// The error of one connection made directly, without the pool, within the acquire
    /// timeout; `None` when it connects after all.
    async fn why_unreachable(options: &StoreOptions) -> Option<DbErr> {
        use sea_orm::sqlx::Connection;
        let attempt = async {
            if options.url.starts_with("postgres") {
                sea_orm::sqlx::PgConnection::connect(&options.url).await.err()
            } else {
                sea_orm::sqlx::SqliteConnection::connect(&options.url).await.err()
            }
        };
        let err = tokio::time::timeout(options.acquire_timeout, attempt).await.ok()??;
        Some(DbErr::Conn(sea_orm::RuntimeErr::SqlxError(err.into())))
    }

    async fn connect_pool(options: &StoreOptions) -> Result<Self, DbErr> {
        let limit = options.statement_timeout;
        let busy_timeout = limit.map_or(SQLITE_BUSY_TIMEOUT, |limit| limit.min(SQLITE_BUSY_TIMEOUT));
        let mut opts = ConnectOptions::new(options.url.clone());
        opts.max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_timeout(options.acquire_timeout)
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(move |o| {
                // `sqlite://inbox.db` works without `?mode=rwc`: the file is made when missing.
                o.create_if_missing(true)
                    .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .busy_timeout(busy_timeout)
            });
        if let Some(limit) = limit {
            opts.statement_timeout(limit).map_sqlx_sqlite_pool_opts(move |pool| {
                pool.after_connect(move |conn, _| Box::pin(deadline::limit_sqlite_statements(conn, limit)))
            });
        }
        let mut db = Database::connect(opts).await?;
        let statements = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&statements);
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        Ok(Self {
            db,
            statements,
            sqlite_writer: Arc::default(),
            health: Arc::default(),
            url: options.url.clone(),
            max_connections: options.max_connections,
            connect_timeout: options.acquire_timeout,
            clock: Arc::new(SystemClock),
            last_used_started: Arc::default(),
            commits: tokio::sync::broadcast::channel(COMMITS_BUFFER).0,
        })
    }

    /// The clock for the times the store notes by itself (a key's last use).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Applies pending migrations; safe to run again.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        Migrator::up(&self.db, None).await
    }

    /// Closes the pool's connections.
    pub async fn close(self) {
        if let Err(err) = self.db.close().await {
            tracing::warn!(error = %err, "closing the database pool");
        }
    }

    /// True when the database answers; false at once while it is known to be down.
    pub async fn ping(&self) -> bool {
        self.available().is_ok() && self.db.ping().await.map_err(|e| self.observe(e)).is_ok()
    }

    /// Refreshes the planner's statistics (PostgreSQL; SQLite needs none). A new database
    /// has none and autovacuum may be off: without them each `IN (...)` lookup of a large
    /// import reads every row of the workspace, so bulk writes call this as they grow.
    pub async fn refresh_statistics(&self) -> Result<(), DbErr> {
        if self.backend() == DatabaseBackend::Postgres {
            self.db.execute_unprepared("ANALYZE").await?;
        }
        Ok(())
    }

    /// SQL statements sent since the store was opened (for tests and benchmarks).
    pub fn statements_sent(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Connections of the pool in use and idle.
    pub fn pool_status(&self) -> (u32, u32) {
        let (size, idle) = match self.backend() {
            DatabaseBackend::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => {
                let pool = self.db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
        };
        let idle = u32::try_from(idle).unwrap_or(u32::MAX);
        (size.saturating_sub(idle), idle)
    }

    /// The workspaces of this process's writes that committed events, as they commit (a
    /// receiver that falls behind is told it lagged, and should read every workspace).
    pub fn commits(&self) -> tokio::sync::broadcast::Receiver<WorkspaceId> {
        self.commits.subscribe()
    }

    /// Says that a write to the workspace committed events.
    pub(crate) fn committed(&self, workspace: &WorkspaceId) {
        let _ = self.commits.send(workspace.clone());
    }

    /// The database's URL, as given.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.db.get_database_backend()
    }

    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Begins a write transaction: on SQLite in this process's writer queue, and with
    /// the database's write lock taken at BEGIN (other processes wait on the busy timeout).
    pub(crate) async fn begin_write(&self) -> Result<WriteTransaction, DbErr> {
        let queued = match self.backend() {
            DatabaseBackend::Sqlite => Some(Arc::clone(&self.sqlite_writer).lock_owned().await),
            _ => None,
        };
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        let txn = self.db.begin_with_options(options).await.map_err(|e| self.observe(e))?;
        Ok(WriteTransaction { txn, queued })
    }
}

/// A write transaction, and this process's SQLite writer turn: keep `queued` until the
/// transaction ends.
pub(crate) struct WriteTransaction {
    pub txn: DatabaseTransaction,
    pub queued: Option<tokio::sync::OwnedMutexGuard<()>>,
}

/// Commits a slow reader of [`Store::commits`] may fall behind by before it lags.
const COMMITS_BUFFER: usize = 1024;

/// How long a SQLite statement waits for another writer's lock, at most.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Rows bound per multi-row INSERT, far below SQLite's and PostgreSQL's parameter limits.
const INSERT_CHUNK: usize = 500;
