//! The envelope of every answer the handlers leave unwritten: a REST success's `data`
//! (in a [`Payload`]), or an error from any handler, extractor or layer (in a
//! [`RestError`]), written in the shape of the transport the request came by: REST's
//! `{"data" | "error", "meta"}`, or a GraphQL response with `extensions.requestId` and
//! `extensions.timestamp`.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

use super::HttpState;
use crate::domain::format_timestamp;
use crate::error::{code, RestError};
use crate::rest::Meta;
use crate::telemetry::{AccessNote, RequestId};

/// A REST success's `data`, serialised, waiting for the envelope.
#[derive(Clone)]
pub struct Payload(pub Bytes);

/// The transport a request came by, as its path tells.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Transport {
    Rest,
    Graphql { graphql_response: bool },
    Other,
}

impl Transport {
    fn of(request: &Request) -> Self {
        let path = request.uri().path();
        if path.starts_with("/v1/") {
            Self::Rest
        } else if path == "/graphql" {
            let accept = request.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
            Self::Graphql { graphql_response: accept.contains("application/graphql-response+json") }
        } else {
            Self::Other
        }
    }
}

/// The error of an answer that no handler wrote: axum's own refusals (an unknown method,
/// a path that does not decode) say only their status.
fn error_of_status(response: &Response) -> RestError {
    let (code, message, field) = match response.status() {
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

/// Writes the envelope around an answer its handler left unwritten.
pub async fn envelope(State(state): State<HttpState>, request: Request, next: Next) -> Response {
    let request_id = request.extensions().get::<RequestId>().map(|id| id.0.clone()).unwrap_or_default();
    let transport = Transport::of(&request);
    let mut response = next.run(request).await;
    let payload = response.extensions_mut().remove::<Payload>();
    let mut error = response.extensions().get::<RestError>().cloned();
    if payload.is_none() && error.is_none() {
        let failed = response.status().is_client_error() || response.status().is_server_error();
        if transport != Transport::Rest || !failed {
            return response;
        }
        error = Some(error_of_status(&response));
    }
    let timestamp = format_timestamp(state.app.clock.now());
    let (content_type, vary, body) = match (transport, payload, &error) {
        (Transport::Graphql { graphql_response }, _, Some(error)) => {
            let mut extensions = json!({"code": error.code});
            if let Some(field) = &error.field {
                extensions["field"] = json!(field);
            }
            let body = json!({
                "errors": [{"message": error.message, "extensions": extensions}],
                "extensions": {"requestId": request_id, "timestamp": timestamp},
            });
            let content_type = if graphql_response { "application/graphql-response+json" } else { "application/json" };
            (content_type, "Authorization, X-Workspace-ID, Accept, Accept-Encoding", body.to_string().into_bytes())
        }
        (_, payload, error) => {
            let (key, inner) = match (payload, error) {
                (Some(Payload(data)), _) => ("data", data.to_vec()),
                (None, error) => ("error", serde_json::to_vec(&error).unwrap_or_default()),
            };
            let meta = serde_json::to_vec(&Meta { request_id, timestamp }).unwrap_or_default();
            let mut body = Vec::with_capacity(inner.len() + meta.len() + 20);
            body.extend_from_slice(format!("{{\"{key}\":").as_bytes());
            body.extend_from_slice(&inner);
            body.extend_from_slice(b",\"meta\":");
            body.extend_from_slice(&meta);
            body.push(b'}');
            ("application/json", "Authorization, X-Workspace-ID, Accept-Encoding", body)
        }
    };
    let (mut parts, _) = response.into_parts();
    set_headers(&mut parts.headers, content_type, vary);
    if let Some(error) = error {
        let mut note = parts.extensions.remove::<AccessNote>().unwrap_or_default();
        note.code.get_or_insert_with(|| error.code.to_owned());
        parts.extensions.insert(note);
        parts.extensions.insert(error);
    }
    Response::from_parts(parts, Body::from(body))
}

fn set_headers(headers: &mut HeaderMap, content_type: &'static str, vary: &'static str) {
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::VARY, HeaderValue::from_static(vary));
    headers.remove(header::CONTENT_LENGTH);
}
