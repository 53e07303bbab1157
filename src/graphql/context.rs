use async_graphql::Context;

use super::Loaders;
use crate::domain::WorkspaceId;
pub use crate::inbox::AppState;
use crate::inbox::Inbox;

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
    /// The caller's workspace's inbox.
    fn inbox(&self) -> Inbox<'_>;
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

    fn inbox(&self) -> Inbox<'_> {
        Inbox::new(self.state(), self.workspace())
    }
}
