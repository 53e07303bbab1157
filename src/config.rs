//! Typed settings with their defaults.

use std::sync::Arc;
use std::time::Duration;

use crate::domain::{Clock, SystemClock};
use crate::graphql::QueryLimits;
use crate::live::LiveLimits;
use crate::store::StoreOptions;

/// The database used when neither `--database-url` nor `DATABASE_URL` is given.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://inbox.db?mode=rwc";
/// Where `serve` listens by default.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// What `App::build` needs.
#[derive(Clone)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port.
    pub bind: String,
    pub database: StoreOptions,
    pub limits: Limits,
    pub clock: Arc<dyn Clock>,
    /// Origins whose browser pages may call the API (`*` for any); none by default.
    pub cors_origins: Vec<String>,
}

impl Config {
    pub fn new(bind: impl Into<String>, database_url: impl Into<String>) -> Self {
        Self {
            bind: bind.into(),
            database: StoreOptions::new(database_url),
            limits: Limits::default(),
            clock: Arc::new(SystemClock),
            cors_origins: Vec::new(),
        }
    }
}

/// What one client may ask of the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub query: QueryLimits,
    /// Larger request bodies are refused with 413.
    pub max_body_bytes: usize,
    /// A request still running after this is cancelled (its transaction rolled back).
    pub request_timeout: Duration,
    /// Requests per second each API key may sustain (token bucket refill rate); 0 turns
    /// the limit off.
    pub rate_per_second: u32,
    /// Requests an API key may send in a burst (token bucket size).
    pub rate_burst: u32,
    /// Root fields one workspace may have in execution at once (a request counts one per
    /// root field, at most this many): its share of the database pool, so that a noisy
    /// workspace cannot take every connection from the others.
    pub workspace_concurrency: u32,
    /// How long in-flight requests may take to finish after SIGTERM or Ctrl-C.
    pub shutdown_grace: Duration,
    /// A request body must arrive within this (else 408).
    pub body_timeout: Duration,
    /// A request's headers must arrive within this (else the connection is closed).
    pub header_timeout: Duration,
    /// Open connections at once; more wait to be accepted.
    pub max_connections: usize,
    /// GraphQL requests being handled at once; more are answered 503 at once.
    pub max_in_flight: usize,
    /// Failed authentications per second each client address may sustain (token
    /// bucket refill rate); 0 turns the limit off.
    pub auth_failure_rate: u32,
    /// Failed authentications an address may have in a burst (token bucket size).
    pub auth_failure_burst: u32,
    /// Requests one batch (a JSON array body) may hold.
    pub max_batch: usize,
    /// Automatic persisted queries remembered (least recently used first out).
    pub apq_cache_size: usize,
    pub live: LiveLimits,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            query: QueryLimits::default(),
            max_body_bytes: 1 << 20,
            request_timeout: Duration::from_secs(10),
            rate_per_second: 1_000,
            rate_burst: 2_000,
            workspace_concurrency: 8,
            shutdown_grace: Duration::from_secs(20),
            body_timeout: Duration::from_secs(5),
            header_timeout: Duration::from_secs(5),
            max_connections: 1_024,
            max_in_flight: 256,
            auth_failure_rate: 10,
            auth_failure_burst: 100,
            max_batch: 10,
            apq_cache_size: 1_000,
            live: LiveLimits::default(),
        }
    }
}

/// The URL with any password masked, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_passwords() {
        assert_eq!(redact_url("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url(DEFAULT_DATABASE_URL), DEFAULT_DATABASE_URL);
    }
}
