//! Building and running the application; tests build it on port 0.

use std::future::Future;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::config::{redact_url, Config};
use crate::graphql::{build_schema, AppState};
use crate::http::{router, serve, ConnectionLimits, HttpState};
use crate::store::Store;

pub struct App {
    listener: TcpListener,
    router: axum::Router,
    state: AppState,
    port: u16,
    shutdown_grace: std::time::Duration,
    connection_limits: ConnectionLimits,
}

/// Connects to the database and applies pending migrations.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let url = redact_url(&config.database.url);
    let store =
        Store::connect(&config.database).await.with_context(|| format!("cannot reach the database at {url}"))?;
    let store = store.with_clock(config.clock.clone());
    store.migrate().await.with_context(|| format!("cannot migrate the database at {url}"))?;
    Ok(store)
}

/// The store `serve` runs on: migrated without a limit (a migration may take long), then
/// connected again with every statement bounded by the request timeout, so a request
/// cancelled at its deadline stops in the database too and frees its connection.
pub async fn open_serving_store(config: &Config) -> anyhow::Result<Store> {
    let migrated = open_store(config).await?;
    migrated.close().await;
    let mut options = config.database.clone();
    options.statement_timeout.get_or_insert(config.limits.request_timeout);
    let url = redact_url(&options.url);
    let store = Store::connect(&options).await.with_context(|| format!("cannot reach the database at {url}"))?;
    Ok(store.with_clock(config.clock.clone()))
}

impl App {
    /// Connects, migrates, builds the schema and router, and binds the port.
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let store = open_serving_store(config).await?;
        Self::with_store(config, store).await
    }

    pub async fn with_store(config: &Config, store: Store) -> anyhow::Result<Self> {
        let live = crate::live::Live::start(&store, config.limits.live);
        let state = AppState { store, clock: config.clock.clone(), live };
        let schema = build_schema(state.clone(), config.limits.query);
        let router = router(HttpState::new(schema, state.clone(), config.limits), &config.cors_origins);
        let listener =
            TcpListener::bind(&config.bind).await.with_context(|| format!("cannot listen on {}", config.bind))?;
        let port = listener.local_addr()?.port();
        let connection_limits = ConnectionLimits {
            max_connections: config.limits.max_connections,
            header_timeout: config.limits.header_timeout,
        };
        Ok(Self { listener, router, state, port, shutdown_grace: config.limits.shutdown_grace, connection_limits })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// Serves until SIGTERM or Ctrl-C, then stops accepting and lets in-flight requests
    /// finish, for at most the grace period.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `stop` completes; then as `run_until_stopped`.
    pub async fn run_until(self, stop: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
        let live = self.state.live.clone();
        let signal = async move {
            stop.await;
            // WebSockets are upgraded away from the server's connections: they are told
            // to close (1001) here, while the server finishes its requests.
            live.shut_down();
            let _ = stopping_tx.send(());
        };
        let server = serve(self.listener, self.router, self.connection_limits, signal);
        let grace = self.shutdown_grace;
        let grace_over = async move {
            if stopping_rx.await.is_ok() {
                tokio::time::sleep(grace).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            result = server => result,
            () = grace_over => {
                tracing::warn!(grace = ?grace, "grace period over; exiting with requests still in flight");
                Ok(())
            }
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
