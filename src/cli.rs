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
    Serve {
        /// Address to listen on.
        #[arg(long, env = "INBOX_BIND", default_value = DEFAULT_BIND)]
        bind: String,
        /// Load the demo workspace first (once) and print its id, a key and the GraphiQL URL.
        #[arg(long, env = "INBOX_DEMO")]
        demo: bool,
    },
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
    /// Revoke a key at once, for every running gateway.
    Revoke {
        /// The key to revoke.
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
