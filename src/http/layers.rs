//! What every REST request goes through besides its handler: a place among the requests
//! handled at once, the request deadline, and its metrics and access-log note.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::HttpState;
use crate::error::{AppError, RestError};
use crate::telemetry::AccessNote;

/// At most `--max-in-flight` requests at once (503 at once past that), each cancelled at
/// `--request-timeout` (its transaction rolled back) and answered 503.
pub async fn deadline(State(state): State<HttpState>, request: Request, next: Next) -> Response {
    let Ok(_permit) = Arc::clone(&state.in_flight).try_acquire_owned() else {
        if request.extensions().get::<Counted>().is_none() {
            // No metrics layer around (GraphQL counts in its handler, which this skips).
            state.metrics.observe("unparsed", crate::error::code::SERVICE_UNAVAILABLE, 0.0);
        }
        return AppError::Overloaded("the gateway is handling as many requests as it may; try again shortly".into())
            .into_response();
    };
    let limit = state.limits.request_timeout;
    if let Ok(response) = tokio::time::timeout(limit, next.run(request)).await {
        return response;
    }
    tracing::warn!(timeout = ?limit, "request cancelled at its deadline");
    let message = format!("the request did not finish within {} s and was cancelled", limit.as_secs_f64());
    AppError::Overloaded(message).into_response()
}

/// Counts each request under its route (`GET /v1/inbox/conversations/{id}`: bounded
/// cardinality, never client text) and outcome (the error code, or `ok`).
pub async fn metrics(State(state): State<HttpState>, mut request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
    let label = format!("{} {route}", method_label(request.method()));
    let started = Instant::now();
    let counted = Counted::default();
    request.extensions_mut().insert(counted.clone());
    let mut response = next.run(request).await;
    let code = response.extensions().get::<RestError>().map(|e| e.code);
    state.metrics.observe(&label, code.unwrap_or("ok"), started.elapsed().as_secs_f64());
    let workspace = counted.workspace.lock().ok().and_then(|w| w.clone());
    let note = AccessNote { operation: None, label, workspace, code: code.map(str::to_owned) };
    response.extensions_mut().insert(note);
    response
}

/// A method as a metrics label: the standard ones by name, any other (a client may make
/// one up for every request) as `OTHER`, so the series stay a closed set.
fn method_label(method: &axum::http::Method) -> &'static str {
    const KNOWN: [&str; 9] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"];
    KNOWN.into_iter().find(|known| *known == method.as_str()).unwrap_or("OTHER")
}

/// Put in a request's extensions by [`metrics`]: it counts the request, and the caller's
/// extractor tells it the workspace for the access log.
#[derive(Clone, Default)]
pub struct Counted {
    workspace: Arc<Mutex<Option<String>>>,
}

impl Counted {
    pub fn workspace_is(&self, workspace: &str) {
        if let Ok(mut slot) = self.workspace.lock() {
            *slot = Some(workspace.to_owned());
        }
    }
}
