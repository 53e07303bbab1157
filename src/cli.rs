//! The command line: clap definitions. Every flag also reads an environment variable.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{DEFAULT_BIND, DEFAULT_DATABASE_URL};
use crate::telemetry::LogFormat;

/// The GraphQL gateway over a unified inbox for home-services businesses.
#[derive(Debug, Parser)]
#[command(name = "inbox-gateway", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Database URL: `sqlite://FILE?mode=rwc` or `postgres://…`.
    #[arg(long, global = true, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
    /// Log format on stderr.
    #[arg(long, global = true, env = "INBOX_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run pending migrations, then serve HTTP.
    Serve(ServeArgs),
    /// Run pending migrations and exit.
    Migrate,
    /// Manage workspaces.
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
    /// Manage API keys.
    #[command(subcommand, name = "api-key")]
    ApiKey(ApiKeyCommand),
    /// Import conversations from a JSON file (`-` for stdin).
    Import {
        /// The workspace to import into.
        #[arg(long)]
        workspace: String,
        /// The file, or `-` for stdin.
        file: PathBuf,
    },
    /// Print the GraphQL schema (SDL) the server serves.
    Schema,
    /// Fill a workspace (created if need be) with a realistic synthetic inbox drawn from a seed.
    Generate {
        /// The workspace to fill.
        #[arg(long)]
        workspace: String,
        /// How many conversations; customers are a fifth of that.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
        conversations: u32,
        /// The same seed and number of conversations give the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// `serve`'s settings; the defaults are in `config::Limits` and `store::StoreOptions`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "INBOX_BIND", default_value = DEFAULT_BIND)]
    pub bind: String,
    /// Load the demo workspace first (once) and print its id, a key and the GraphiQL URL.
    #[arg(long, env = "INBOX_DEMO")]
    pub demo: bool,
    /// Wait for an unreachable database (logging every retry) instead of exiting.
    #[arg(long, env = "INBOX_WAIT_FOR_DATABASE")]
    pub wait_for_database: bool,
    /// Database connections in the pool.
    #[arg(long, env = "INBOX_DB_MAX_CONNECTIONS", default_value_t = 16)]
    pub db_max_connections: u32,
    /// Seconds a request waits for a database connection before failing with 503.
    #[arg(long, env = "INBOX_DB_ACQUIRE_TIMEOUT", default_value_t = 3.0)]
    pub db_acquire_timeout: f64,
    /// Largest request body in bytes (larger: 413).
    #[arg(long, env = "INBOX_MAX_BODY_BYTES", default_value_t = 1 << 20)]
    pub max_body_bytes: usize,
    /// Seconds before a request is cancelled (its transaction rolled back) with 503; no
    /// SQL statement runs longer in the database either.
    #[arg(long, env = "INBOX_REQUEST_TIMEOUT", default_value_t = 10.0)]
    pub request_timeout: f64,
    /// Deepest selection nesting a query may have.
    #[arg(long, env = "INBOX_MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,
    /// Highest query complexity (a conversations page counts once per row).
    #[arg(long, env = "INBOX_MAX_COMPLEXITY", default_value_t = 5_000)]
    pub max_complexity: usize,
    /// Most fields a query may select once fragments are expanded (aliases each count).
    #[arg(long, env = "INBOX_MAX_SELECTIONS", default_value_t = 500)]
    pub max_selections: usize,
    /// Most fields at the root of an operation (aliases each count).
    #[arg(long, env = "INBOX_MAX_ROOT_FIELDS", default_value_t = 20)]
    pub max_root_fields: usize,
    /// GraphQL requests one workspace may run at once (each counts one per root field);
    /// the rest wait, within their deadline. 0: half of --db-max-connections.
    #[arg(long, env = "INBOX_WORKSPACE_CONCURRENCY", default_value_t = 0)]
    pub workspace_concurrency: u32,
    /// Requests per second each API key may sustain; 0 turns the limit off.
    #[arg(long, env = "INBOX_RATE_LIMIT", default_value_t = 1_000)]
    pub rate_limit: u32,
    /// Requests an API key may send in a burst.
    #[arg(long, env = "INBOX_RATE_BURST", default_value_t = 2_000)]
    pub rate_burst: u32,
    /// Seconds in-flight requests get to finish after SIGTERM or Ctrl-C.
    #[arg(long, env = "INBOX_SHUTDOWN_GRACE", default_value_t = 20.0)]
    pub shutdown_grace: f64,
    /// Seconds a request's body may take to arrive (slower: 408).
    #[arg(long, env = "INBOX_BODY_TIMEOUT", default_value_t = 5.0)]
    pub body_timeout: f64,
    /// Seconds a request's headers may take to arrive (slower: the connection is closed).
    #[arg(long, env = "INBOX_HEADER_TIMEOUT", default_value_t = 5.0)]
    pub header_timeout: f64,
    /// Open connections at once; further ones wait to be accepted.
    #[arg(long, env = "INBOX_MAX_CONNECTIONS", default_value_t = 1_024)]
    pub max_connections: usize,
    /// GraphQL requests handled at once; further ones are answered 503 at once.
    #[arg(long, env = "INBOX_MAX_IN_FLIGHT", default_value_t = 256)]
    pub max_in_flight: usize,
    /// Failed authentications per second each client address may sustain (over it:
    /// 429 without a database lookup); 0 turns the limit off.
    #[arg(long, env = "INBOX_AUTH_FAILURE_RATE", default_value_t = 10)]
    pub auth_failure_rate: u32,
    /// Whether clients may ask for the schema (`__schema`, `__type`); `off` in production
    /// if the schema is not to be shown.
    #[arg(long, env = "INBOX_INTROSPECTION", value_enum, default_value_t = Switch::On)]
    pub introspection: Switch,
    /// Requests one batch (a JSON array body) may hold.
    #[arg(long, env = "INBOX_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,
    /// Automatic persisted queries remembered (least recently used first out).
    #[arg(long, env = "INBOX_APQ_CACHE_SIZE", default_value_t = 1_000)]
    pub apq_cache_size: usize,
    /// An origin whose browser pages may call the API (repeatable; `*` for any). Default:
    /// none, except that `--demo` allows any.
    #[arg(long = "cors-origin", env = "INBOX_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Failed authentications a client address may have in a burst.
    #[arg(long, env = "INBOX_AUTH_FAILURE_BURST", default_value_t = 100)]
    pub auth_failure_burst: u32,
    /// Live subscriptions one API key may have open in this process.
    #[arg(long, env = "INBOX_MAX_SUBSCRIPTIONS_PER_KEY", default_value_t = 100)]
    pub max_subscriptions_per_key: usize,
    /// Events a live subscriber may have waiting to be sent; a subscriber further behind
    /// is closed (4429) and resumes with its last cursor.
    #[arg(long, env = "INBOX_SUBSCRIBER_BUFFER", default_value_t = 1_000)]
    pub subscriber_buffer: usize,
    /// Seconds between pings on an idle WebSocket (one silent for two is closed).
    #[arg(long, env = "INBOX_WS_PING_INTERVAL", default_value_t = 15.0)]
    pub ws_ping_interval: f64,
    /// Seconds between reads of the event log's heads when nothing woke the reader (the
    /// way gateways sharing a SQLite file hear each other; a safety net beside
    /// PostgreSQL's NOTIFY). Default: 0.25 on SQLite, 5 on PostgreSQL.
    #[arg(long, env = "INBOX_LIVE_POLL_INTERVAL")]
    pub live_poll_interval: Option<f64>,
}

/// A setting that is on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Switch {
    On,
    Off,
}

#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// Create a workspace and its first API key.
    Create {
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Issue a new key for a workspace.
    Create {
        #[arg(long)]
        workspace: String,
    },
    /// List a workspace's keys by their public ids (never their secrets).
    List {
        #[arg(long)]
        workspace: String,
    },
    /// Revoke a key at once, for every running gateway.
    Revoke {
        /// The key's public id (`key_…`, as `list` and `create` print it), or the key itself.
        key: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_command_takes_a_database_url() {
        let cli = Cli::try_parse_from(["inbox-gateway", "migrate", "--database-url", "sqlite://x.db"]).unwrap();
        assert_eq!(cli.global.database_url, "sqlite://x.db");
        let cli = Cli::try_parse_from(["inbox-gateway", "api-key", "revoke", "k", "--database-url", "postgres://h/db"])
            .unwrap();
        assert_eq!(cli.global.database_url, "postgres://h/db");
    }
}
