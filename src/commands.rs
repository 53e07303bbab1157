//! What each subcommand does. Results go to stdout as one JSON line; errors are returned
//! to `main`, which prints them on one line and exits non-zero.

use std::io::Read;
use std::path::Path;

use anyhow::{anyhow, bail, Context};
use serde_json::json;

use crate::cli::{ApiKeyCommand, Cli, Command, WorkspaceCommand};
use crate::config::Config;
use crate::demo;
use crate::domain::{ApiKey, ConversationFilter, WorkspaceId};
use crate::startup::{open_store, App};
use crate::store::Store;

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let bind = match &cli.command {
        Command::Serve { bind, .. } => bind.clone(),
        _ => String::new(),
    };
    let config = Config::new(bind, cli.global.database_url);
    match cli.command {
        Command::Serve { demo, .. } => serve(&config, demo).await,
        Command::Migrate => {
            open_store(&config).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Workspace(WorkspaceCommand::Create { name }) => {
            let store = open_store(&config).await?;
            let created = store.create_workspace(&name, config.clock.now()).await?;
            print_line(&json!({"workspace_id": created.workspace_id.as_str(), "api_key": created.api_key.expose()}));
            Ok(())
        }
        Command::ApiKey(ApiKeyCommand::Create { workspace }) => {
            let store = open_store(&config).await?;
            let workspace = existing_workspace(&store, &workspace).await?;
            let key = store.create_api_key(&workspace, config.clock.now()).await?;
            print_line(&json!({"api_key": key.expose()}));
            Ok(())
        }
        Command::ApiKey(ApiKeyCommand::Revoke { key }) => {
            let store = open_store(&config).await?;
            let key = ApiKey::parse(key.trim()).ok_or_else(|| anyhow!("that is not an API key"))?;
            if !store.revoke_api_key(&key, config.clock.now()).await? {
                bail!("no live API key matches");
            }
            print_line(&json!({"revoked": true}));
            Ok(())
        }
        Command::Import { workspace, file } => {
            let text = read_input(&file)?;
            let batch = crate::import::parse_file(&text).map_err(|e| anyhow!("invalid import file: {e}"))?;
            let store = open_store(&config).await?;
            let workspace = existing_workspace(&store, &workspace).await?;
            let summary = store.import(&workspace, &batch).await?;
            print_line(&serde_json::to_value(summary)?);
            Ok(())
        }
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            Ok(())
        }
    }
}

async fn serve(config: &Config, demo: bool) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let demo_key = if demo { Some(load_demo(&store, config).await?) } else { None };
    let app = App::with_store(config, store).await?;
    let address = format!("http://{}", config.bind.replace("0.0.0.0", "127.0.0.1"));
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

/// Loads the demo workspace unless it already holds conversations, and issues a key.
async fn load_demo(store: &Store, config: &Config) -> anyhow::Result<ApiKey> {
    let workspace = WorkspaceId::new_unchecked(demo::DEMO_WORKSPACE_ID);
    store.ensure_workspace(&workspace, demo::DEMO_WORKSPACE_NAME, config.clock.now()).await?;
    if store.count_conversations(&workspace, &ConversationFilter::default()).await? == 0 {
        let summary = store.import(&workspace, &demo::demo_conversations()).await?;
        tracing::info!(conversations = summary.conversations, "demo workspace loaded");
    }
    Ok(store.create_api_key(&workspace, config.clock.now()).await?)
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
