//! Logging set-up and request ids.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing_subscriber::{fmt, EnvFilter};

/// How log lines are written (to stderr; stdout is for command output).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Installs the global subscriber; `RUST_LOG` overrides the default level `info`.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    // Colour codes only for a person at a terminal, never into files or collectors.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    let result = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
    };
    // A second init (tests build many apps in one process) keeps the first subscriber.
    drop(result);
}

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of one HTTP request: the client's when sane, else a generated `req_…`.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl RequestId {
    fn from_client(value: &HeaderValue) -> Option<Self> {
        let s = value.to_str().ok()?;
        let sane = (1..=128).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
        sane.then(|| Self(s.to_owned()))
    }

    fn generate() -> Self {
        Self(crate::domain::new_id("req"))
    }
}

/// What a handler tells the access log about its request, in the response's extensions.
#[derive(Debug, Clone, Default)]
pub struct AccessNote {
    /// The client's operation name, abbreviated.
    pub operation: Option<String>,
    /// The metrics label: the schema's root fields the request selected.
    pub label: String,
    pub workspace: Option<String>,
    /// The contract's error code of the first error, if any.
    pub code: Option<String>,
}

/// Gives every request an id (in its extensions and its tracing span), echoes it in
/// the `X-Request-Id` response header, and writes one access line when it is answered.
/// The span holds the path only: query strings carry queries, variables and search
/// words, which are never logged.
pub async fn request_id(mut request: Request, next: Next) -> Response {
    let id = request.headers().get(&REQUEST_ID).and_then(RequestId::from_client).unwrap_or_else(RequestId::generate);
    request.extensions_mut().insert(id.clone());
    let path = crate::domain::abbreviate(request.uri().path(), 256).into_owned();
    let span = tracing::info_span!("http", request_id = %id.0, method = %request.method(), path = %path);
    let started = std::time::Instant::now();
    let mut response = tracing::Instrument::instrument(next.run(request), span.clone()).await;
    if let Ok(value) = HeaderValue::from_str(&id.0) {
        response.headers_mut().insert(REQUEST_ID.clone(), value);
    }
    let note = response.extensions().get::<AccessNote>().cloned().unwrap_or_default();
    span.in_scope(|| {
        tracing::info!(
            target: "inbox_gateway::access",
            status = response.status().as_u16(),
            latency_ms = started.elapsed().as_secs_f64() * 1000.0,
            operation = note.operation.as_deref().unwrap_or("-"),
            workspace = note.workspace.as_deref().unwrap_or("-"),
            code = note.code.as_deref().unwrap_or("-"),
            "request"
        );
    });
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_sane_client_ids_only() {
        let ok = HeaderValue::from_static("abc-123_x.y:z");
        assert_eq!(RequestId::from_client(&ok).unwrap().0, "abc-123_x.y:z");
        for bad in ["", "has space", "quote\"", &"a".repeat(129)] {
            let value = HeaderValue::from_str(bad).unwrap();
            assert!(RequestId::from_client(&value).is_none(), "{bad:?}");
        }
        assert!(RequestId::generate().0.starts_with("req_"));
    }
}
