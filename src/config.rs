//! Typed settings with their defaults.

use std::sync::Arc;

use crate::domain::{Clock, SystemClock};
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
    pub clock: Arc<dyn Clock>,
}

impl Config {
    pub fn new(bind: impl Into<String>, database_url: impl Into<String>) -> Self {
        Self { bind: bind.into(), database: StoreOptions::new(database_url), clock: Arc::new(SystemClock) }
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
