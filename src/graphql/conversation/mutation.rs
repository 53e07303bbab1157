//! The conversation actions: arguments become domain types here (errors name the
//! argument's path), then the inbox service acts.

use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};

use super::types::{Conversation, ConversationStatus, Note};
use crate::domain::{NoteContent, StatusChange, TagList};
use crate::error::{AppError, GqlResultExt};
use crate::graphql::ContextExt;

#[derive(Default)]
pub struct ConversationMutation;

/// Who should work on a conversation.
#[derive(InputObject)]
pub struct AssignConversationInput {
    pub conversation_id: ID,
    /// A user of the workspace; null unassigns.
    pub assignee_id: Option<ID>,
}

/// A new status.
#[derive(InputObject)]
pub struct UpdateConversationStatusInput {
    pub conversation_id: ID,
    pub status: ConversationStatus,
    /// What was done; only with status RESOLVED.
    pub resolution_notes: Option<String>,
}

/// Tags to add or remove: 1 to 20, each trimmed and lower-cased, then
/// `^[a-z0-9][a-z0-9_:-]{0,63}$`.
#[derive(InputObject)]
pub struct ConversationTagsInput {
    pub conversation_id: ID,
    pub tags: Vec<String>,
}

/// A note for the team.
#[derive(InputObject)]
pub struct AddConversationNoteInput {
    pub conversation_id: ID,
    /// Trimmed; 1 to 10,000 characters.
    pub content: String,
    /// True (the default) when only the team sees it.
    #[graphql(default_with = "Some(true)")]
    pub internal: Option<bool>,
}

/// The conversation after the action.
#[derive(SimpleObject)]
pub struct ConversationPayload {
    pub conversation: Conversation,
}

/// The note added, and its conversation.
#[derive(SimpleObject)]
pub struct AddConversationNotePayload {
    pub note: Note,
    pub conversation: Conversation,
}

/// The payload of a mutation that changed `conversation`: its fields read the state the
/// mutation left, not what the request's loaders cached before it.
fn payload(ctx: &Context<'_>, conversation: crate::domain::Conversation) -> ConversationPayload {
    ctx.loaders().forget_conversation_children();
    ConversationPayload { conversation: Conversation(conversation) }
}

/// An action's rule broken by one of its arguments names that argument (`tags`); in the
/// schema it is a field of `input`.
fn in_input(err: AppError) -> AppError {
    match err {
        AppError::BadUserInput { field, message } => {
            AppError::BadUserInput { field: format!("input.{field}"), message }
        }
        other => other,
    }
}

fn tags(raw: &[String]) -> Result<TagList> {
    TagList::parse_call(raw).map_err(|e| AppError::bad_input("input.tags", e)).gql()
}

#[Object]
impl ConversationMutation {
    /// Assigns a conversation to a user of the workspace, or unassigns it (null).
    /// Records ASSIGNED or UNASSIGNED when the assignee really changes.
    async fn assign_conversation(
        &self,
        ctx: &Context<'_>,
        input: AssignConversationInput,
    ) -> Result<ConversationPayload> {
        let assignee = input.assignee_id.as_ref().map(|id| id.as_str());
        let updated = ctx.inbox().assign(&input.conversation_id, assignee).await.gql()?;
        Ok(payload(ctx, updated))
    }

    /// Moves a conversation to a status. Into RESOLVED sets `resolvedAt` and stores the
    /// notes; RESOLVED again keeps `resolvedAt` and replaces the notes when given; out of
    /// RESOLVED clears both. Records STATUS_CHANGED.
    async fn update_conversation_status(
        &self,
        ctx: &Context<'_>,
        input: UpdateConversationStatusInput,
    ) -> Result<ConversationPayload> {
        let change = StatusChange::parse(input.status.into(), input.resolution_notes)
            .map_err(|e| AppError::bad_input("input.resolutionNotes", e))
            .gql()?;
        let updated = ctx.inbox().set_status(&input.conversation_id, change).await.gql()?;
        Ok(payload(ctx, updated))
    }

    /// Adds tags; those already there are left alone. A conversation holds at most 50.
    /// Records TAGS_ADDED with the tags really added.
    async fn add_conversation_tags(
        &self,
        ctx: &Context<'_>,
        input: ConversationTagsInput,
    ) -> Result<ConversationPayload> {
        let tags = tags(&input.tags)?;
        let updated = ctx.inbox().add_tags(&input.conversation_id, &tags).await.map_err(in_input).gql()?;
        Ok(payload(ctx, updated))
    }

    /// Removes tags; those not there are ignored. Records TAGS_REMOVED with the tags
    /// really removed.
    async fn remove_conversation_tags(
        &self,
        ctx: &Context<'_>,
        input: ConversationTagsInput,
    ) -> Result<ConversationPayload> {
        let tags = tags(&input.tags)?;
        let updated = ctx.inbox().remove_tags(&input.conversation_id, &tags).await.gql()?;
        Ok(payload(ctx, updated))
    }

    /// Adds a note, searchable as soon as this returns. Records NOTE_ADDED.
    async fn add_conversation_note(
        &self,
        ctx: &Context<'_>,
        input: AddConversationNoteInput,
    ) -> Result<AddConversationNotePayload> {
        let content = NoteContent::parse(&input.content).map_err(|e| AppError::bad_input("input.content", e)).gql()?;
        let internal = input.internal.unwrap_or(true);
        let (note, conversation) = ctx.inbox().add_note(&input.conversation_id, content, internal).await.gql()?;
        ctx.loaders().forget_conversation_children();
        Ok(AddConversationNotePayload { note: Note(note), conversation: Conversation(conversation) })
    }
}
