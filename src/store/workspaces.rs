//! Workspaces and their API keys.

use std::sync::PoisonError;

use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tracing::instrument;

use super::entity::{api_key, workspace};
use super::Store;
use crate::domain::{new_id, ApiKey, ApiKeyId, Timestamp, WorkspaceId};
use crate::error::AppError;

/// A key's last use is written at most this often (microseconds): a minute.
const LAST_USED_EVERY: Timestamp = 60_000_000;

/// What an operator may see of a key: never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyInfo {
    pub id: ApiKeyId,
    pub created_at: Timestamp,
    /// Within a minute of the key's last use; `None` if it was never used.
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// A workspace as created: its id and its first key (shown once).
#[derive(Debug, Clone)]
pub struct NewWorkspace {
    pub workspace_id: WorkspaceId,
    pub api_key: ApiKey,
}

impl Store {
    #[instrument(name = "db.workspaces.create", skip_all, err(level = "debug"))]
    pub async fn create_workspace(&self, name: &str, now: Timestamp) -> Result<NewWorkspace, AppError> {
        let workspace_id = WorkspaceId::new_unchecked(new_id("ws"));
        self.ensure_workspace(&workspace_id, name, now).await?;
        let api_key = self.create_api_key(&workspace_id, now).await?;
        Ok(NewWorkspace { workspace_id, api_key })
    }

    /// Creates the workspace with this id unless it exists (used by the demo).
    #[instrument(name = "db.workspaces.ensure", skip_all, err(level = "debug"))]
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
    #[instrument(name = "db.workspaces.find", skip_all, err(level = "debug"))]
    pub async fn find_workspace(&self, id: &str) -> Result<Option<WorkspaceId>, AppError> {
        let found = workspace::Entity::find_by_id(id.to_owned()).one(self.db()).await?;
        Ok(found.map(|w| WorkspaceId::new_unchecked(w.id)))
    }

    #[instrument(name = "db.api_keys.create", skip_all, err(level = "debug"))]
    pub async fn create_api_key(&self, workspace: &WorkspaceId, now: Timestamp) -> Result<ApiKey, AppError> {
        let key = ApiKey::generate();
        let row = api_key::ActiveModel {
            key_hash: Set(key.hash()),
            workspace_id: Set(workspace.as_str().to_owned()),
            created_at: Set(now),
            revoked_at: Set(None),
            public_id: Set(Some(key.public_id().as_str().to_owned())),
            last_used_at: Set(None),
        };
        api_key::Entity::insert(row).exec_without_returning(self.db()).await?;
        Ok(key)
    }

    /// Revokes a key; false when no live key matches.
    #[instrument(name = "db.api_keys.revoke", skip_all, err(level = "debug"))]
    pub async fn revoke_api_key(&self, key: &ApiKey, now: Timestamp) -> Result<bool, AppError> {
        let result = api_key::Entity::update_many()
            .col_expr(api_key::Column::RevokedAt, now.into())
            .filter(api_key::Column::KeyHash.eq(key.hash()))
            .filter(api_key::Column::RevokedAt.is_null())
            .exec(self.db())
            .await?;
        Ok(result.rows_affected > 0)
    }

    /// Revokes the key with this public id; false when no live key has it.
    #[instrument(name = "db.api_keys.revoke_by_id", skip_all, err(level = "debug"))]
    pub async fn revoke_api_key_by_id(&self, id: &ApiKeyId, now: Timestamp) -> Result<bool, AppError> {
        // A key written by a gateway older than its public id column is found by its hash.
        let named = Condition::any().add(api_key::Column::PublicId.eq(id.as_str())).add(
            Condition::all()
                .add(api_key::Column::PublicId.is_null())
                .add(api_key::Column::KeyHash.starts_with(id.hash_prefix())),
        );
        let result = api_key::Entity::update_many()
            .col_expr(api_key::Column::RevokedAt, now.into())
            .filter(named)
            .filter(api_key::Column::RevokedAt.is_null())
            .exec(self.db())
            .await?;
        Ok(result.rows_affected > 0)
    }

    /// The keys of a workspace, oldest first, revoked ones included.
    #[instrument(name = "db.api_keys.list", skip_all, err(level = "debug"))]
    pub async fn api_keys(&self, workspace: &WorkspaceId) -> Result<Vec<ApiKeyInfo>, AppError> {
        let rows = api_key::Entity::find()
            .filter(api_key::Column::WorkspaceId.eq(workspace.as_str()))
            .order_by_asc(api_key::Column::CreatedAt)
            .order_by_asc(api_key::Column::KeyHash)
            .all(self.db())
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| ApiKeyInfo {
                id: row
                    .public_id
                    .as_deref()
                    .and_then(ApiKeyId::parse)
                    .unwrap_or_else(|| ApiKeyId::of_hash(&row.key_hash)),
                created_at: row.created_at,
                last_used_at: row.last_used_at,
                revoked_at: row.revoked_at,
            })
            .collect())
    }

    /// The workspace a live key belongs to. Looked up by hash on every request, so a
    /// revocation takes effect at once for every gateway sharing the database. While the
    /// database is known to be down this fails at once (it is the first statement of every
    /// request), and a failure to reach it marks it down.
    /// Which of these keys (by hash) are still valid: not revoked, not deleted.
    #[instrument(name = "db.api_keys.still_valid", skip_all, err(level = "debug"))]
    pub async fn valid_key_hashes(&self, hashes: &[String]) -> Result<std::collections::HashSet<String>, AppError> {
        let rows: Vec<String> = api_key::Entity::find()
            .select_only()
            .column(api_key::Column::KeyHash)
            .filter(api_key::Column::KeyHash.is_in(hashes))
            .filter(api_key::Column::RevokedAt.is_null())
            .into_tuple()
            .all(self.db())
            .await
            .map_err(|e| self.observe(e))?;
        Ok(rows.into_iter().collect())
    }

    #[instrument(name = "db.api_keys.authenticate", skip_all, err(level = "debug"))]
    pub async fn authenticate(&self, key: &ApiKey) -> Result<Option<WorkspaceId>, AppError> {
        self.available()?;
        let found = api_key::Entity::find_by_id(key.hash())
            .filter(api_key::Column::RevokedAt.is_null())
            .one(self.db())
            .await
            .map_err(|e| self.observe(e))?;
        Ok(found.map(|row| {
            self.note_use(&row);
            WorkspaceId::new_unchecked(row.workspace_id)
        }))
    }

    /// Records that a key was used, at most once a minute a key: the row just read says
    /// when its last use was written, and only when that is a minute old is a write
    /// started, off the request's path (on SQLite it queues for the one writer), with a
    /// note in memory so that the requests meanwhile do not start more. The write's own
    /// condition keeps other gateways from writing it again within the minute.
    fn note_use(&self, row: &api_key::Model) {
        let now = self.clock.now();
        let fresh = |at: Timestamp| now - at < LAST_USED_EVERY;
        if row.last_used_at.is_some_and(fresh) {
            return;
        }
        {
            let mut started = self.last_used_started.lock().unwrap_or_else(PoisonError::into_inner);
            if started.get(&row.key_hash).copied().is_some_and(fresh) {
                return;
            }
            started.retain(|_, at| fresh(*at));
            started.insert(row.key_hash.clone(), now);
        }
        let store = self.clone();
        let key_hash = row.key_hash.clone();
        tokio::spawn(async move {
            if let Err(err) = store.record_use(&key_hash, now).await {
                tracing::warn!(error = %err, "could not record an API key's last use");
            }
        });
    }

    #[instrument(name = "db.api_keys.record_use", skip_all, err(level = "debug"))]
    async fn record_use(&self, key_hash: &str, now: Timestamp) -> Result<(), AppError> {
        let write = self.begin_write().await?;
        api_key::Entity::update_many()
            .col_expr(api_key::Column::LastUsedAt, now.into())
            .filter(api_key::Column::KeyHash.eq(key_hash))
            .filter(
                Condition::any()
                    .add(api_key::Column::LastUsedAt.is_null())
                    .add(api_key::Column::LastUsedAt.lte(now - LAST_USED_EVERY)),
            )
            .exec(&write.txn)
            .await?;
        write.txn.commit().await?;
        Ok(())
    }
}
