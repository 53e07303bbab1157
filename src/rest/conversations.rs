//! One handler per documented endpoint (contract section 8), each over the inbox service.

use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::StatusCode;

use super::body::JsonObject;
use super::dto::{ConversationDoc, ConversationList, NewNote, NoteDoc, OneConversation, Pagination};
use super::{params, ActionErrors, Data, ErrorDoc};
use crate::domain::{NoteContent, StatusChange, TagList, MAX_TAGS_PER_CALL};
use crate::error::AppError;
use crate::http::{Caller, HttpState};
use crate::inbox::Inbox;
use crate::store::Related;

/// The `{id}` of a conversation's path; a NUL in it is refused (no column stores one).
pub struct ConversationId(String);

impl<S: Send + Sync> FromRequestParts<S> for ConversationId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let bad = |message: &str| AppError::bad_input("id", crate::domain::RuleError::new(message));
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| bad("the conversation id in the path is not valid UTF-8"))?;
        if id.contains('\0') {
            return Err(bad("the conversation id must not contain the NUL character"));
        }
        Ok(Self(id))
    }
}

/// The workspace's conversations matching the filter, one page at a time.
#[utoipa::path(
    get,
    path = "/v1/inbox/conversations",
    tag = "conversations",
    params(params::ListParams),
    responses(
        (status = 200, description = "One page and where it stands", body = super::Envelope<ConversationList>),
        (status = 400, description = "A parameter broke a rule", body = ErrorDoc),
        (status = 401, body = ErrorDoc), (status = 403, body = ErrorDoc), (status = 429, body = ErrorDoc),
        (status = 503, body = ErrorDoc),
    ),
    security(("bearer" = [], "workspace" = [])),
)]
pub async fn list(
    State(state): State<HttpState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Data<ConversationList>, AppError> {
    let query = params::parse(query.as_deref().unwrap_or(""))?;
    let inbox = Inbox::new(&state.app, &caller.workspace);
    let related = Related { customers: true, assignees: true, tags: true };
    let mut page = inbox.list_conversations(query, related).await?;
    let records = inbox.page_records(&mut page)?;
    let pagination = Pagination::of(&page);
    Ok(Data::ok(ConversationList { conversations: records.into_iter().map(Into::into).collect(), pagination }))
}

/// One conversation, with its notes and activity.
#[utoipa::path(
    get,
    path = "/v1/inbox/conversations/{id}",
    tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id")),
    responses(
        (status = 200, body = super::Envelope<OneConversation>),
        (status = 400, description = "The id holds a NUL character", body = ErrorDoc),
        (status = 401, body = ErrorDoc), (status = 403, body = ErrorDoc),
        (status = 404, description = "No such conversation in this workspace", body = ErrorDoc),
        (status = 429, body = ErrorDoc), (status = 503, body = ErrorDoc),
    ),
    security(("bearer" = [], "workspace" = [])),
)]
pub async fn show(
    State(state): State<HttpState>,
    caller: Caller,
    ConversationId(id): ConversationId,
) -> Result<Data<OneConversation>, AppError> {
    let inbox = Inbox::new(&state.app, &caller.workspace);
    let record = inbox.get_record(&id).await?.ok_or_else(|| AppError::conversation_not_found(&id))?;
    Ok(Data::ok(OneConversation { conversation: record.into() }))
}

/// The conversation after an action, with its notes and activity.
async fn answer(
    inbox: Inbox<'_>,
    conversation: crate::domain::Conversation,
) -> Result<Data<OneConversation>, AppError> {
    let record = inbox.record(conversation).await?;
    Ok(Data::ok(OneConversation { conversation: record.into() }))
}

/// Assigns the conversation to a user of the workspace; `null` unassigns.
#[utoipa::path(
    put,
    path = "/v1/inbox/conversations/{id}/assign",
    tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id")),
    request_body(content = super::AssignBody, content_type = "application/json"),
    responses(
        (status = 200, body = super::Envelope<OneConversation>),
        ActionErrors,
    ),
    security(("bearer" = [], "workspace" = [])),
)]
pub async fn assign(
    State(state): State<HttpState>,
    caller: Caller,
    ConversationId(id): ConversationId,
    body: JsonObject,
) -> Result<Data<OneConversation>, AppError> {
    let body = body.only(&["assignee_id"])?;
    let assignee = body.nullable_string("assignee_id")?;
    let inbox = Inbox::new(&state.app, &caller.workspace);
    let conversation = inbox.assign(&id, assignee.as_deref()).await?;
    answer(inbox, conversation).await
}

/// Moves the conversation to a status.
#[utoipa::path(
    put,
    path = "/v1/inbox/conversations/{id}/status",
    tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id")),
    request_body(content = super::StatusBody, content_type = "application/json"),
    responses(
        (status = 200, body = super::Envelope<OneConversation>),
        ActionErrors,
    ),
    security(("bearer" = [], "workspace" = [])),
)]
pub async fn status(
    State(state): State<HttpState>,
    caller: Caller,
    ConversationId(id): ConversationId,
    body: JsonObject,
) -> Result<Data<OneConversation>, AppError> {
    let body = body.only(&["status", "resolution_notes"])?;
    let status = params::one_of("status", &body.string("status")?, params::CONVERSATION_STATUSES)?;
    let notes = body.optional_string("resolution_notes")?;
    let change = StatusChange::parse(status, notes).map_err(|_| {
        AppError::bad_input(
            "resolution_notes",
            crate::domain::RuleError::new("resolution_notes may only be given with status resolved"),
        )
    })?;
    let inbox = Inbox::new(&state.app, &caller.workspace);
    let conversation = inbox.set_status(&id, change).await?;
    answer(inbox, conversation).await
}

fn tags(body: JsonObject) -> Result<TagList, AppError> {
    let body = body.only(&["tags"])?;
    let raw = body.strings("tags")?;
    TagList::parse_indexed(&raw, 1, MAX_TAGS_PER_CALL).map_err(|(index, err)| match index {
        Some(i) => AppError::bad_input(format!("tags[{i}]"), err),
        None => AppError::bad_input("tags", err),
    })
}

/// Adds tags; those already there are left alone.
#[utoipa::path(
    post,
    path = "/v1/inbox/conversations/{id}/tags",
    tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id")),
    request_body(content = super::TagsBody, content_type = "application/json"),
    responses(
        (status = 200, body = super::Envelope<OneConversation>),
        ActionErrors,
    ),
    security(("bearer" = [], "workspace" = [])),
)]
pub async fn add_tags(
    State(state): State<HttpState>,
    caller: Caller,
    ConversationId(id): ConversationId,
    body: JsonObject,
) -> Result<Data<OneConversation>, AppError> {
    let tags = tags(body)?;
    let inbox = Inbox::new(&state.app, &caller.workspace);
    answer(inbox, inbox.add_tags(&id, &tags).await?).await
}

/// Removes tags; those not there are ignored.
#[utoipa::path(
    delete,
    path = "/v1/inbox/conversations/{id}/tags",
    tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id")),
    request_body(content = super::TagsBody, content_type = "application/json"),
    responses(
        (status = 200, body = super::Envelope<OneConversation>),
        ActionErrors,
    ),
    security(("bearer" = [], "workspace" = [])),
)]
pub async fn remove_tags(
    State(state): State<HttpState>,
    caller: Caller,
    ConversationId(id): ConversationId,
    body: JsonObject,
) -> Result<Data<OneConversation>, AppError> {
    let tags = tags(body)?;
    let inbox = Inbox::new(&state.app, &caller.workspace);
    answer(inbox, inbox.remove_tags(&id, &tags).await?).await
}

/// Adds a note, searchable as soon as this returns.
#[utoipa::path(
    post,
    path = "/v1/inbox/conversations/{id}/notes",
    tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id")),
    request_body(content = super::NoteBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The note and its conversation", body = super::Envelope<NewNote>),
        ActionErrors,
    ),
    security(("bearer" = [], "workspace" = [])),
)]
pub async fn add_note(
    State(state): State<HttpState>,
    caller: Caller,
    ConversationId(id): ConversationId,
    body: JsonObject,
) -> Result<Data<NewNote>, AppError> {
    let body = body.only(&["content", "internal"])?;
    let content = NoteContent::parse(&body.string("content")?).map_err(|e| AppError::bad_input("content", e))?;
    let internal = body.optional_bool("internal")?.unwrap_or(true);
    let inbox = Inbox::new(&state.app, &caller.workspace);
    let (note, conversation) = inbox.add_note(&id, content, internal).await?;
    let conversation: ConversationDoc = inbox.record(conversation).await?.into();
    Ok(Data::new(StatusCode::CREATED, NewNote { note: NoteDoc::from(note), conversation }))
}
