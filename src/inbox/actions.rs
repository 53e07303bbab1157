//! The five actions on a conversation. Each is one transaction in the store that records
//! what it changed; a conversation of another workspace is `NOT_FOUND`.

use super::Inbox;
use crate::domain::{Conversation, Note, NoteContent, StatusChange, TagList};
use crate::error::AppError;

impl Inbox<'_> {
    /// Assigns to a user of the workspace (`NOT_FOUND` otherwise), or unassigns (`None`).
    pub async fn assign(&self, id: &str, assignee: Option<&str>) -> Result<Conversation, AppError> {
        self.store.assign(self.workspace, id, assignee, self.clock).await
    }

    pub async fn set_status(&self, id: &str, change: StatusChange) -> Result<Conversation, AppError> {
        self.store.set_status(self.workspace, id, change, self.clock).await
    }

    pub async fn add_tags(&self, id: &str, tags: &TagList) -> Result<Conversation, AppError> {
        self.store.add_tags(self.workspace, id, tags, self.clock).await
    }

    pub async fn remove_tags(&self, id: &str, tags: &TagList) -> Result<Conversation, AppError> {
        self.store.remove_tags(self.workspace, id, tags, self.clock).await
    }

    pub async fn add_note(
        &self,
        id: &str,
        content: NoteContent,
        internal: bool,
    ) -> Result<(Note, Conversation), AppError> {
        self.store.add_note(self.workspace, id, content, internal, self.clock).await
    }
}
