//! The REST API of contract section 8, beside GraphQL over the same inbox service: one
//! handler per endpoint, one router line each. Every answer is an envelope,
//! `{"data": ..., "meta": {"request_id", "timestamp"}}` or `{"error": {"code",
//! "message", "field"}, "meta": ...}`, written by [`envelope`] around what the handler
//! (or the edge before it) left in the response.

mod body;
mod conversations;
pub mod dto;
mod openapi;
mod params;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::format_timestamp;
use crate::error::{code, AppError, RestError};
use crate::http::{deadline, metrics_layer, HttpState};
use crate::telemetry::RequestId;

pub use openapi::document;

/// The REST routes, each request counted, bounded and timed as GraphQL's are.
pub fn router(state: &HttpState) -> Router<HttpState> {
    Router::new()
        .route("/v1/inbox/conversations", get(conversations::list))
        .route("/v1/inbox/conversations/{id}", get(conversations::show))
        .route("/v1/inbox/conversations/{id}/assign", put(conversations::assign))
        .route("/v1/inbox/conversations/{id}/status", put(conversations::status))
        .route("/v1/inbox/conversations/{id}/tags", post(conversations::add_tags).delete(conversations::remove_tags))
        .route("/v1/inbox/conversations/{id}/notes", post(conversations::add_note))
        .layer(middleware::from_fn_with_state(state.clone(), deadline))
        .route_layer(middleware::from_fn_with_state(state.clone(), metrics_layer))
        .route("/v1/openapi.json", get(openapi::serve))
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

/// `data`, serialised, waiting for the envelope.
#[derive(Clone)]
struct Payload(Bytes);

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
    request_id: String,
    /// When the answer was made (RFC 3339, UTC).
    timestamp: String,
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

/// The error of a REST answer that the handler did not write: axum's own refusals
/// (an unknown method, a path that does not decode) say only their status.
fn error_of_status(response: &Response) -> RestError {
    let status = response.status();
    let (code, message, field) = match status {
        StatusCode::NOT_FOUND => (code::NOT_FOUND, "there is no such path".to_owned(), None),
        StatusCode::METHOD_NOT_ALLOWED => {
            let allow = response.headers().get(header::ALLOW).and_then(|v| v.to_str().ok()).unwrap_or("");
            let message = if allow.is_empty() {
                "this method is not allowed on this path".to_owned()
            } else {
                format!("this path takes only {allow}")
            };
            (code::BAD_USER_INPUT, message, Some("method".to_owned()))
        }
        StatusCode::PAYLOAD_TOO_LARGE | StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            (code::BAD_USER_INPUT, "the request body cannot be read".to_owned(), Some("body".to_owned()))
        }
        s if s.is_client_error() => {
            (code::BAD_USER_INPUT, "the request is malformed".to_owned(), Some("path".to_owned()))
        }
        StatusCode::SERVICE_UNAVAILABLE => (code::SERVICE_UNAVAILABLE, "try again shortly".to_owned(), None),
        _ => (code::INTERNAL_SERVER_ERROR, "internal server error".to_owned(), None),
    };
    RestError { code, message, field }
}

/// Writes the envelope around a REST answer: the handler's data, or the error it (or
/// the edge before it) failed with, and `meta`.
pub async fn envelope(State(state): State<HttpState>, request: Request, next: Next) -> Response {
    let request_id = request.extensions().get::<RequestId>().map(|id| id.0.clone()).unwrap_or_default();
    let is_rest = request.uri().path().starts_with("/v1/");
    let mut response = next.run(request).await;
    let payload = response.extensions_mut().remove::<Payload>();
    let error = response.extensions().get::<RestError>().cloned();
    let (key, body) = match (payload, error) {
        (Some(Payload(data)), _) => ("data", data.to_vec()),
        (None, Some(error)) => ("error", serde_json::to_vec(&error).unwrap_or_default()),
        (None, None) if is_rest && (response.status().is_client_error() || response.status().is_server_error()) => {
            let error = error_of_status(&response);
            let body = serde_json::to_vec(&error).unwrap_or_default();
            response.extensions_mut().insert(error);
            ("error", body)
        }
        (None, None) => return response,
    };
    let meta = Meta { request_id, timestamp: format_timestamp(state.app.clock.now()) };
    let mut out = Vec::with_capacity(body.len() + 120);
    out.extend_from_slice(b"{\"");
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
    out.extend_from_slice(&body);
    out.extend_from_slice(b",\"meta\":");
    out.extend_from_slice(&serde_json::to_vec(&meta).unwrap_or_default());
    out.push(b'}');
    let (mut parts, _) = response.into_parts();
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    parts.headers.insert(header::VARY, HeaderValue::from_static("Authorization, X-Workspace-ID, Accept-Encoding"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(out))
}
