//! Browser calls from other origins: the allowed origins (`*` for any) may call the API
//! with the contract's headers and methods (the REST actions' PUT and DELETE too) and read
//! `X-Request-Id` and `Retry-After`.

use std::time::Duration;

use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The headers a client sends: ours and Apollo's client awareness.
const ALLOWED_HEADERS: [&str; 6] = [
    "authorization",
    "content-type",
    "x-workspace-id",
    "x-request-id",
    "apollographql-client-name",
    "apollographql-client-version",
];

/// None when no origin is allowed (the default): no CORS headers at all.
pub fn layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok()))
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow_origin)
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS])
            .allow_headers(ALLOWED_HEADERS.map(HeaderName::from_static))
            .expose_headers([HeaderName::from_static("x-request-id"), header::RETRY_AFTER])
            .max_age(Duration::from_secs(600)),
    )
}

/// A preflight has nothing to say but its headers: 204, as the contract asks (the CORS
/// layer answers 200). Preflight answers are the only ones that allow methods.
pub async fn preflight_no_content(mut response: Response) -> Response {
    if response.status() == StatusCode::OK && response.headers().contains_key(header::ACCESS_CONTROL_ALLOW_METHODS) {
        *response.status_mut() = StatusCode::NO_CONTENT;
    }
    response
}
