//! Workspaces and their API keys.

use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use tracing::instrument;

use super::entity::{api_key, workspace};
use super::Store;
use crate::domain::{new_id, ApiKey, Timestamp, WorkspaceId};
use crate::error::AppError;

/// A workspace as created: its id and its first key (shown once).
#[derive(Debug, Clone)]
pub struct NewWorkspace {
    pub workspace_id: WorkspaceId,
    pub api_key: ApiKey,
}

impl Store {
    #[instrument(name = "db.workspaces.create", skip_all, err)]
    pub async fn create_workspace(&self, name: &str, now: Timestamp) -> Result<NewWorkspace, AppError> {
        let workspace_id = WorkspaceId::new_unchecked(new_id("ws"));
        self.ensure_workspace(&workspace_id, name, now).await?;
        let api_key = self.create_api_key(&workspace_id, now).await?;
        Ok(NewWorkspace { workspace_id, api_key })
    }

    /// Creates the workspace with this id unless it exists (used by the demo).
    #[instrument(name = "db.workspaces.ensure", skip_all, err)]
    pub async fn ensure_workspace(&self, id: &WorkspaceId, name: &str, now: Timestamp) -> Result<(), AppError> {
        let row = workspace::ActiveModel {
            id: Set(id.as_str().to_owned()),
            name: Set(name.to_owned()),
            created_at: Set(now),
        };
        workspace::Entity::insert(row).on_conflict_do_nothing_on([workspace::Column::Id]).exec(self.db()).await?;
        Ok(())
    }

    /// The workspace with this id, if there is one.
    #[instrument(name = "db.workspaces.find", skip_all, err)]
    pub async fn find_workspace(&self, id: &str) -> Result<Option<WorkspaceId>, AppError> {
        let found = workspace::Entity::find_by_id(id.to_owned()).one(self.db()).await?;
        Ok(found.map(|w| WorkspaceId::new_unchecked(w.id)))
    }

    #[instrument(name = "db.api_keys.create", skip_all, err)]
    pub async fn create_api_key(&self, workspace: &WorkspaceId, now: Timestamp) -> Result<ApiKey, AppError> {
        let key = ApiKey::generate();
        let row = api_key::ActiveModel {
            key_hash: Set(key.hash()),
            workspace_id: Set(workspace.as_str().to_owned()),
            created_at: Set(now),
            revoked_at: Set(None),
        };
        api_key::Entity::insert(row).exec_without_returning(self.db()).await?;
        Ok(key)
    }

    /// Revokes a key; false when no live key matches.
    #[instrument(name = "db.api_keys.revoke", skip_all, err)]
    pub async fn revoke_api_key(&self, key: &ApiKey, now: Timestamp) -> Result<bool, AppError> {
        let result = api_key::Entity::update_many()
            .col_expr(api_key::Column::RevokedAt, now.into())
            .filter(api_key::Column::KeyHash.eq(key.hash()))
            .filter(api_key::Column::RevokedAt.is_null())
            .exec(self.db())
            .await?;
        Ok(result.rows_affected > 0)
    }

    /// The workspace a live key belongs to. Looked up by hash on every request, so a
    /// revocation takes effect at once for every gateway sharing the database. While the
    /// database is known to be down this fails at once (it is the first statement of every
    /// request), and a failure to reach it marks it down.
    #[instrument(name = "db.api_keys.authenticate", skip_all, err)]
    pub async fn authenticate(&self, key: &ApiKey) -> Result<Option<WorkspaceId>, AppError> {
        self.available()?;
        let found = api_key::Entity::find_by_id(key.hash())
            .filter(api_key::Column::RevokedAt.is_null())
            .one(self.db())
            .await
            .map_err(|e| self.observe(e))?;
        Ok(found.map(|k| WorkspaceId::new_unchecked(k.workspace_id)))
    }
}
