//! What each subcommand does. Results go to stdout as one JSON line; errors are returned
//! to `main`, which prints them on one line and exits non-zero.

use std::io::Read;
use std::path::Path;

use anyhow::{anyhow, bail, Context};
use serde_json::json;

use crate::cli::{ApiKeyCommand, Cli, Command, ServeArgs, WorkspaceCommand};
use crate::config::Config;
use crate::domain::{format_timestamp, ApiKey, ApiKeyId, WorkspaceId};
use crate::seed::demo;
use crate::startup::{open_serving_store, open_store, App};
use crate::store::{ApiKeyInfo, Store};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = Config::new(String::new(), cli.global.database_url);
    match cli.command {
        Command::Serve(args) => {
            args.apply(&mut config)?;
            serve(&config, args.demo, args.wait_for_database).await
        }
        Command::Migrate => {
            open_store(&config).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Workspace(WorkspaceCommand::Create { name }) => {
            let store = open_store(&config).await?;
            let created = store.create_workspace(&name, config.clock.now()).await?;
            print_line(&json!({
                "workspace_id": created.workspace_id.as_str(),
                "api_key": created.api_key.expose(),
                "key_id": created.api_key.public_id().as_str(),
            }));
            Ok(())
        }
        Command::ApiKey(ApiKeyCommand::Create { workspace }) => {
            let store = open_store(&config).await?;
            let workspace = existing_workspace(&store, &workspace).await?;
            let key = store.create_api_key(&workspace, config.clock.now()).await?;
            print_line(&json!({"api_key": key.expose(), "key_id": key.public_id().as_str()}));
            Ok(())
        }
        Command::ApiKey(ApiKeyCommand::List { workspace }) => {
            let store = open_store(&config).await?;
            let workspace = existing_workspace(&store, &workspace).await?;
            let keys = store.api_keys(&workspace).await?;
            print_line(&json!({
                "workspace_id": workspace.as_str(),
                "api_keys": keys.iter().map(key_line).collect::<Vec<_>>(),
            }));
            Ok(())
        }
        Command::ApiKey(ApiKeyCommand::Revoke { key }) => revoke(&config, key.trim()).await,
        Command::Import { workspace, file } => {
            let text = read_input(&file)?;
            let batch = crate::seed::import_file::parse_file(&text).map_err(|e| anyhow!("invalid import file: {e}"))?;
            let store = open_store(&config).await?;
            let workspace = existing_workspace(&store, &workspace).await?;
            let summary = store.import(&workspace, &batch).await?;
            print_line(&serde_json::to_value(summary)?);
            Ok(())
        }
        Command::Generate { workspace, conversations, seed } => {
            let store = open_store(&config).await?;
            let conversations = usize::try_from(conversations)?;
            let report =
                crate::seed::generate::run(&store, &workspace, conversations, seed, config.clock.now()).await?;
            print_line(&serde_json::to_value(report)?);
            Ok(())
        }
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            Ok(())
        }
    }
}

async fn serve(config: &Config, demo: bool, wait_for_database: bool) -> anyhow::Result<()> {
    let store = if wait_for_database { open_store_patiently(config).await } else { open_serving_store(config).await? };
    let demo_key = if demo { Some(demo::load(&store, config.clock.as_ref()).await?) } else { None };
    let app = App::with_store(config, store).await?;
    // The port really bound: `--bind 127.0.0.1:0` takes any free one, and the printed
    // URL must name it.
    let address = match config.bind.rsplit_once(':') {
        Some((host, _)) => format!("http://{}:{}", host.replace("0.0.0.0", "127.0.0.1"), app.port()),
        None => format!("http://{}", config.bind),
    };
    if let Some(key) = demo_key {
        let workspace = demo::DEMO_WORKSPACE_ID;
        print_line(&json!({
            "workspace_id": workspace,
            "api_key": key.expose(),
            "graphiql_url": format!("{address}/#workspaceId={workspace}&apiKey={}", key.expose()),
        }));
    }
    tracing::info!(address = %address, "serving GraphQL at /graphql, GraphiQL at /");
    app.run_until_stopped().await?;
    Ok(())
}

/// Retries until the database answers, saying so in the log every time.
async fn open_store_patiently(config: &Config) -> Store {
    loop {
        match open_serving_store(config).await {
            Ok(store) => return store,
            Err(err) => {
                tracing::warn!(error = %format!("{err:#}"), "database unreachable; retrying in 2 s (--wait-for-database)");
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            }
        }
    }
}

impl ServeArgs {
    /// Puts the flags into the configuration; refuses nonsensical durations.
    fn apply(&self, config: &mut Config) -> anyhow::Result<()> {
        let seconds = |flag: &str, value: f64| {
            std::time::Duration::try_from_secs_f64(value)
                .map_err(|_| anyhow!("--{flag} takes seconds, 0 or more; got {value}"))
        };
        let positive = |flag: &str, value: usize| {
            if value == 0 {
                Err(anyhow!("--{flag} must be at least 1"))
            } else {
                Ok(value)
            }
        };
        config.bind.clone_from(&self.bind);
        config.cors_origins.clone_from(&self.cors_origins);
        if self.demo && config.cors_origins.is_empty() {
            config.cors_origins.push("*".to_owned());
        }
        config.database.max_connections = self.db_max_connections.max(1);
        config.database.acquire_timeout = seconds("db-acquire-timeout", self.db_acquire_timeout)?;
        let limits = &mut config.limits;
        limits.max_body_bytes = self.max_body_bytes;
        limits.request_timeout = seconds("request-timeout", self.request_timeout)?;
        limits.query.depth = self.max_depth;
        limits.query.complexity = self.max_complexity;
        limits.query.selections = self.max_selections;
        limits.query.root_fields = self.max_root_fields;
        limits.workspace_concurrency = match self.workspace_concurrency {
            0 => (config.database.max_connections / 2).max(1),
            n => n,
        };
        limits.rate_per_second = self.rate_limit;
        limits.rate_burst = self.rate_burst;
        limits.shutdown_grace = seconds("shutdown-grace", self.shutdown_grace)?;
        limits.body_timeout = seconds("body-timeout", self.body_timeout)?;
        limits.header_timeout = seconds("header-timeout", self.header_timeout)?;
        limits.max_connections = positive("max-connections", self.max_connections)?;
        limits.max_in_flight = positive("max-in-flight", self.max_in_flight)?;
        limits.auth_failure_rate = self.auth_failure_rate;
        limits.auth_failure_burst = self.auth_failure_burst;
        limits.max_batch = positive("max-batch", self.max_batch)?;
        limits.apq_cache_size = positive("apq-cache-size", self.apq_cache_size)?;
        limits.query.introspection = self.introspection == crate::cli::Switch::On;
        limits.live.max_subscriptions_per_key = positive("max-subscriptions-per-key", self.max_subscriptions_per_key)?;
        limits.live.subscriber_buffer = positive("subscriber-buffer", self.subscriber_buffer)?;
        limits.live.ping_interval = seconds("ws-ping-interval", self.ws_ping_interval)?;
        limits.live.poll_interval = self.live_poll_interval.map(|s| seconds("live-poll-interval", s)).transpose()?;
        Ok(())
    }
}

/// Revokes a key named by its public id, or by the key itself.
async fn revoke(config: &Config, named: &str) -> anyhow::Result<()> {
    let now = config.clock.now();
    // The argument is never echoed: it may be a mistyped secret.
    let (id, revoked) = if let Some(key) = ApiKey::parse(named) {
        let store = open_store(config).await?;
        (key.public_id(), store.revoke_api_key(&key, now).await?)
    } else if let Some(id) = ApiKeyId::parse(named) {
        let store = open_store(config).await?;
        let revoked = store.revoke_api_key_by_id(&id, now).await?;
        (id, revoked)
    } else {
        bail!("that is neither an API key (igk_…) nor a key's public id (key_ and 16 hex digits)");
    };
    if !revoked {
        bail!("no live API key has the id {} (unknown, or already revoked)", id.as_str());
    }
    print_line(&json!({"revoked": true, "key_id": id.as_str()}));
    Ok(())
}

/// A key as `api-key list` prints it.
fn key_line(key: &ApiKeyInfo) -> serde_json::Value {
    json!({
        "key_id": key.id.as_str(),
        "created_at": format_timestamp(key.created_at),
        "last_used_at": key.last_used_at.map(format_timestamp),
        "revoked_at": key.revoked_at.map(format_timestamp),
        "revoked": key.revoked_at.is_some(),
    })
}

async fn existing_workspace(store: &Store, id: &str) -> anyhow::Result<WorkspaceId> {
    store.find_workspace(id).await?.ok_or_else(|| anyhow!("unknown workspace {id:?}"))
}

fn read_input(file: &Path) -> anyhow::Result<String> {
    if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).context("cannot read stdin")?;
        return Ok(text);
    }
    std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
}

fn print_line(value: &serde_json::Value) {
    println!("{value}");
}
