//! The inbox as a service: what every transport (GraphQL, REST) calls. Arguments arrive
//! here already parsed into domain types (each transport names its own fields in its
//! errors); what leaves is domain values. Paging, cursors and the count are decided
//! here once, so no transport holds half of them.

mod actions;
mod list;
mod records;

use std::sync::Arc;

use crate::domain::{Clock, WorkspaceId};
use crate::store::Store;

pub use list::{ConversationPage, ListQuery};
pub use records::{ConversationRecord, History};

/// What every request shares: the store and the clock.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    /// This process's live updates.
    pub live: crate::live::Live,
}

/// The inbox of one workspace, as its caller may act on it.
#[derive(Clone, Copy)]
pub struct Inbox<'a> {
    store: &'a Store,
    clock: &'a dyn Clock,
    workspace: &'a WorkspaceId,
}

impl<'a> Inbox<'a> {
    /// The workspace comes from the caller's key and `X-Workspace-ID`, never from arguments.
    pub fn new(state: &'a AppState, workspace: &'a WorkspaceId) -> Self {
        Self { store: &state.store, clock: state.clock.as_ref(), workspace }
    }
}
