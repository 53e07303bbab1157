//! The database schema of inbox-gateway, as sea-orm-migration migrations.
//! One file serves SQLite and PostgreSQL; id and search-term columns use the "C"
//! collation on PostgreSQL so that they compare byte-wise, as they do on SQLite.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_create_inbox;
mod m20261126_000002_tag_counts;
mod m20261126_000003_search_facets;
mod m20261130_000004_note_origin;
mod m20261130_000005_api_key_public_ids;
mod m20261130_000006_workspace_search_keys;
mod m20261130_000007_event_positions;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_inbox::Migration),
            Box::new(m20261126_000002_tag_counts::Migration),
            Box::new(m20261126_000003_search_facets::Migration),
            Box::new(m20261130_000004_note_origin::Migration),
            Box::new(m20261130_000005_api_key_public_ids::Migration),
            Box::new(m20261130_000006_workspace_search_keys::Migration),
            Box::new(m20261130_000007_event_positions::Migration),
        ]
    }
}
