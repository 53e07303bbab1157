use std::sync::Arc;

use async_graphql::Context;

use super::Loaders;
use crate::domain::{Clock, WorkspaceId};
use crate::store::Store;

/// What every request shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
}

/// What one authenticated request carries: its workspace comes from the API key and
/// the `X-Workspace-ID` header, never from arguments.
pub struct RequestContext {
    pub workspace: WorkspaceId,
}

/// Typed access to the context; the data is always there, since the HTTP layer and
/// `build_schema` put it there before any resolver runs.
pub trait ContextExt {
    fn state(&self) -> &AppState;
    fn workspace(&self) -> &WorkspaceId;
    fn loaders(&self) -> &Loaders;
}

impl ContextExt for Context<'_> {
    fn state(&self) -> &AppState {
        self.data_unchecked::<AppState>()
    }

    fn workspace(&self) -> &WorkspaceId {
        &self.data_unchecked::<RequestContext>().workspace
    }

    fn loaders(&self) -> &Loaders {
        self.data_unchecked::<Loaders>()
    }
}
