//! Each workspace's share of the database: at most `share` root fields of one workspace's
//! GraphQL requests run at once (a request counts one per root field, at most the whole
//! share); the others wait their turn, within their deadline. A noisy workspace then holds
//! at most its share of the pooled connections, and another's requests still find one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::domain::WorkspaceId;

/// Workspaces kept before idle ones are forgotten.
const FORGET_IDLE_OVER: usize = 1_024;

/// The workspaces' shares; cheap to clone.
#[derive(Clone)]
pub struct FairShare {
    share: u32,
    workspaces: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

impl FairShare {
    pub fn new(share: u32) -> Self {
        Self { share: share.max(1), workspaces: Arc::default() }
    }

    /// Waits until the workspace has room for `weight` root fields (at most its whole
    /// share); the room is given back when the permit drops.
    pub async fn enter(&self, workspace: &WorkspaceId, weight: usize) -> Option<OwnedSemaphorePermit> {
        let weight = u32::try_from(weight).unwrap_or(u32::MAX).clamp(1, self.share);
        self.semaphore(workspace).acquire_many_owned(weight).await.ok()
    }

    fn semaphore(&self, workspace: &WorkspaceId) -> Arc<Semaphore> {
        let mut workspaces = self.workspaces.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if workspaces.len() > FORGET_IDLE_OVER {
            // Only this map holds an idle workspace's semaphore: no permit, no waiter.
            workspaces.retain(|_, semaphore| Arc::strong_count(semaphore) > 1);
        }
        let share = usize::try_from(self.share).unwrap_or(usize::MAX);
        Arc::clone(workspaces.entry(workspace.as_str().to_owned()).or_insert_with(|| Arc::new(Semaphore::new(share))))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_workspace_waits_for_its_own_share_only() {
        let shares = FairShare::new(2);
        let noisy = WorkspaceId::new_unchecked("ws_noisy");
        let quiet = WorkspaceId::new_unchecked("ws_quiet");
        let held = shares.enter(&noisy, 20).await.expect("the whole share");
        let more = tokio::time::timeout(Duration::from_millis(50), shares.enter(&noisy, 1)).await;
        assert!(more.is_err(), "the noisy workspace waits for its own share");
        let other = tokio::time::timeout(Duration::from_millis(50), shares.enter(&quiet, 1)).await;
        assert!(other.is_ok_and(|p| p.is_some()), "another workspace does not wait");
        drop(held);
        assert!(shares.enter(&noisy, 1).await.is_some());
    }
}
