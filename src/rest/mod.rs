//! The REST API of contract section 8, beside GraphQL over the same inbox service: one
//! handler per endpoint, one router line each. Every answer is an envelope,
//! `{"data": ..., "meta": {"request_id", "timestamp"}}` or `{"error": {"code",
//! "message", "field"}, "meta": ...}`, written by the edge's envelope layer
//! (`http::envelope`) around what the handler (or the edge before it) left in the
//! response.

mod body;
mod conversations;
pub mod dto;
mod openapi;
mod params;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::AppError;
use crate::http::{deadline, metrics_layer, HttpState, Payload};

pub use openapi::document;

/// The endpoints, one line each: the line routes the handler at the method and path its
/// `#[utoipa::path]` documents, and adds that to the OpenAPI document.
fn endpoints() -> OpenApiRouter<HttpState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(conversations::list))
        .routes(routes!(conversations::show))
        .routes(routes!(conversations::assign))
        .routes(routes!(conversations::status))
        .routes(routes!(conversations::add_tags, conversations::remove_tags))
        .routes(routes!(conversations::add_note))
}

/// The REST routes, each request counted, bounded and timed as GraphQL's are.
pub fn router(state: &HttpState) -> Router<HttpState> {
    let (routes, _) = endpoints().split_for_parts();
    routes
        .layer(middleware::from_fn_with_state(state.clone(), deadline))
        .route_layer(middleware::from_fn_with_state(state.clone(), metrics_layer))
        .route("/v1/openapi.json", get(openapi::serve))
}

/// The OpenAPI document of the endpoints.
fn api() -> utoipa::openapi::OpenApi {
    endpoints().split_for_parts().1
}

/// Any path the gateway does not have.
pub async fn unknown_path() -> AppError {
    AppError::NotFound("there is no such path; the REST API is documented at /v1/openapi.json".into())
}

/// A success: its status and the `data` of its envelope, serialised.
pub struct Data<T> {
    status: StatusCode,
    data: T,
}

impl<T> Data<T> {
    pub fn ok(data: T) -> Self {
        Self { status: StatusCode::OK, data }
    }

    pub fn new(status: StatusCode, data: T) -> Self {
        Self { status, data }
    }
}

impl<T: Serialize> IntoResponse for Data<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.data) {
            Ok(bytes) => {
                let mut response = self.status.into_response();
                response.extensions_mut().insert(Payload(Bytes::from(bytes)));
                response
            }
            Err(err) => AppError::internal(err).into_response(),
        }
    }
}

/// The envelope of every answer (documented shape).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Envelope<T> {
    data: T,
    meta: Meta,
}

/// What every answer carries besides its data or error.
#[derive(Serialize, ToSchema)]
pub struct Meta {
    /// As the `X-Request-Id` header.
    pub request_id: String,
    /// When the answer was made (RFC 3339, UTC).
    pub timestamp: String,
}

/// An error answer (documented shape).
#[derive(ToSchema)]
#[schema(as = Error)]
#[allow(dead_code)]
pub struct ErrorDoc {
    error: ErrorBodyDoc,
    meta: Meta,
}

#[derive(ToSchema)]
#[schema(as = ErrorBody)]
#[allow(dead_code)]
struct ErrorBodyDoc {
    /// One of the contract's codes.
    #[schema(example = "BAD_USER_INPUT")]
    code: String,
    message: String,
    /// With `BAD_USER_INPUT`: the parameter or body key, e.g. `date_from`, `tags[2]`.
    field: Option<String>,
}

/// The errors an action on a conversation may answer, each with the error envelope.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum ActionErrors {
    /// A body key broke a rule (`field` names it), or the method or body is wrong.
    #[response(status = 400)]
    BadInput(ErrorDoc),
    /// No valid API key.
    #[response(status = 401)]
    Unauthenticated(ErrorDoc),
    /// The key is not the workspace's.
    #[response(status = 403)]
    Forbidden(ErrorDoc),
    /// No such conversation in the workspace (or, for `assign`, no such user).
    #[response(status = 404)]
    NotFound(ErrorDoc),
    /// The body is over the limit.
    #[response(status = 413)]
    TooLarge(ErrorDoc),
    /// The body is not JSON.
    #[response(status = 415)]
    NotJson(ErrorDoc),
    /// Too many requests for the key; see `Retry-After`.
    #[response(status = 429)]
    RateLimited(ErrorDoc),
    /// The database is unreachable or overloaded, or the request ran out of time.
    #[response(status = 503)]
    Unavailable(ErrorDoc),
}

/// `PUT .../assign`.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct AssignBody {
    /// A user of the workspace; null unassigns.
    #[schema(required = true)]
    assignee_id: Option<String>,
}

/// `PUT .../status`.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct StatusBody {
    #[schema(value_type = dto::StatusValue)]
    status: String,
    /// What was done; only with status `resolved`.
    resolution_notes: Option<String>,
}

/// `POST` and `DELETE .../tags`: 1 to 20 tags, each trimmed and lower-cased, then
/// `^[a-z0-9][a-z0-9_:-]{0,63}$`.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct TagsBody {
    #[schema(min_items = 1, max_items = 20)]
    tags: Vec<TagDoc>,
}

/// A tag as stored (one sent with spaces around it or in upper case is normalised first).
#[derive(ToSchema, serde::Deserialize)]
#[schema(as = Tag, pattern = "^[a-z0-9][a-z0-9_:-]{0,63}$")]
#[allow(dead_code)]
pub struct TagDoc(String);

/// `POST .../notes`.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct NoteBody {
    /// Trimmed; 1 to 10,000 characters.
    #[schema(min_length = 1, max_length = 10000, pattern = "\\S")]
    content: String,
    /// True (the default) when only the team sees it.
    #[schema(default = true)]
    internal: Option<bool>,
}
