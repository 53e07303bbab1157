//! One error type for the gateway, each variant with its contract code.

use async_graphql::ErrorExtensions;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sea_orm::DbErr;

use crate::domain::RuleError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// An argument broke a rule of the contract; `field` is its path, e.g. `filter.dateFrom`.
    #[error("{field}: {message}")]
    BadUserInput { field: String, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Unauthenticated(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    /// The database cannot be reached or is overloaded.
    #[error("the service is temporarily unavailable; try again shortly")]
    ServiceUnavailable(#[source] DbErr),
    /// The gateway itself is saturated or the request ran out of time.
    #[error("{0}")]
    Overloaded(String),
    /// Too many requests for a key, or failed authentications from an address.
    #[error("{message}")]
    RateLimited { message: String, retry_after_seconds: u64 },
    /// The request body is over the limit (`BAD_USER_INPUT`, field `body`).
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The request body is not JSON (`BAD_USER_INPUT`, field `body`).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The document cannot be read (`GRAPHQL_PARSE_FAILED`): not GraphQL, or nested
    /// deeper than the gateway reads.
    #[error("{0}")]
    ParseFailed(String),
    #[error("internal server error")]
    Internal(#[source] anyhow::Error),
}

/// The contract's error codes.
pub mod code {
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
    pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
    pub const SERVICE_UNAVAILABLE: &str = "SERVICE_UNAVAILABLE";
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
    pub const INTERNAL_SERVER_ERROR: &str = "INTERNAL_SERVER_ERROR";
}

impl AppError {
    pub fn bad_input(field: impl Into<String>, err: RuleError) -> Self {
        Self::BadUserInput { field: field.into(), message: err.0 }
    }

    /// The workspace has no conversation with this id (or it is another workspace's).
    pub fn conversation_not_found(id: &str) -> Self {
        Self::NotFound(format!("no conversation {:?} in this workspace", crate::domain::abbreviate(id, 64)))
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::BadUserInput { .. } => code::BAD_USER_INPUT,
            Self::NotFound(_) => code::NOT_FOUND,
            Self::Unauthenticated(_) => code::UNAUTHENTICATED,
            Self::Forbidden(_) => code::FORBIDDEN,
            Self::ServiceUnavailable(_) | Self::Overloaded(_) => code::SERVICE_UNAVAILABLE,
            Self::RateLimited { .. } => code::RATE_LIMITED,
            Self::PayloadTooLarge(_) | Self::UnsupportedMediaType(_) => code::BAD_USER_INPUT,
            Self::ParseFailed(_) => code::GRAPHQL_PARSE_FAILED,
            Self::Internal(_) => code::INTERNAL_SERVER_ERROR,
        }
    }

    /// The argument path a `BAD_USER_INPUT` names.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::BadUserInput { field, .. } => Some(field),
            Self::PayloadTooLarge(_) | Self::UnsupportedMediaType(_) => Some("body"),
            _ => None,
        }
    }

    /// The HTTP status of a response that fails with this error as a whole.
    pub fn http_status(&self) -> StatusCode {
        match self {
            Self::BadUserInput { .. } | Self::ParseFailed(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::ServiceUnavailable(_) | Self::Overloaded(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The headers such a response carries besides its body.
    pub fn http_headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        match self {
            Self::Unauthenticated(_) => vec![(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))],
            Self::RateLimited { retry_after_seconds, .. } => {
                vec![(header::RETRY_AFTER, HeaderValue::from(*retry_after_seconds.max(&1)))]
            }
            _ => Vec::new(),
        }
    }

    /// The message a client sees: never an internal cause.
    pub fn client_message(&self) -> String {
        match self {
            Self::BadUserInput { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }

    /// Logs what the client will not see, under the current span (which carries the
    /// request id).
    pub fn log_cause(&self) {
        match self {
            Self::ServiceUnavailable(err) => tracing::warn!(error = %err, "database unavailable"),
            Self::Internal(err) => tracing::error!(error = ?err, "internal error"),
            _ => {}
        }
    }
}

/// Connection-level failures mean "try again later"; anything else is our fault.
impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        if is_unreachable(&err) || sqlx_error(&err).is_some_and(is_busy) {
            Self::ServiceUnavailable(err)
        } else {
            Self::Internal(err.into())
        }
    }
}

/// The database cannot be reached, as opposed to busy: no connection could be made or
/// kept (refused, lost, timed out waiting for one), or PostgreSQL is shutting down or
/// refusing connections (SQLSTATE classes 08 and 57P).
pub fn is_unreachable(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error;
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        _ => sqlx_error(err).is_some_and(|e| match e {
            Error::Io(_) | Error::PoolTimedOut | Error::PoolClosed | Error::Tls(_) | Error::WorkerCrashed => true,
            Error::Database(db) => db.code().is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
            _ => false,
        }),
    }
}

/// The database is there but overloaded: PostgreSQL's too many connections (53300),
/// SQLite busy or locked, or a statement stopped at the request's deadline (PostgreSQL's
/// statement timeout 57014, SQLite 9 `SQLITE_INTERRUPT`).
fn is_busy(err: &sea_orm::sqlx::Error) -> bool {
    match err {
        sea_orm::sqlx::Error::Database(db) => {
            db.code().is_some_and(|code| matches!(code.as_ref(), "53300" | "5" | "6" | "57014" | "9"))
        }
        _ => false,
    }
}

fn sqlx_error(err: &DbErr) -> Option<&sea_orm::sqlx::Error> {
    match err {
        DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e)) | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e)) => Some(e),
        _ => None,
    }
}

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        self.log_cause();
        async_graphql::Error::new(self.client_message()).extend_with(|_, ext| {
            ext.set("code", self.code());
            if let Some(field) = self.field() {
                ext.set("field", field);
            }
        })
    }
}

/// An error as a REST response carries it, before the envelope adds `meta`
/// (`{"error": {"code", "message", "field"}, "meta": {...}}`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct RestError {
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
}

impl AppError {
    pub fn to_rest(&self) -> RestError {
        RestError { code: self.code(), message: self.client_message(), field: self.field().map(str::to_owned) }
    }
}

/// A handler's or extractor's failure: its status and headers, the cause logged, and the
/// REST error in the response's extensions for the envelope to write.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log_cause();
        let mut response = self.http_status().into_response();
        response.headers_mut().extend(self.http_headers());
        response.extensions_mut().insert(self.to_rest());
        response
    }
}

impl AppError {
    /// The error as a response's error outside any field: no location, no path.
    pub fn to_server_error(&self) -> async_graphql::ServerError {
        let error = self.extend();
        let mut server_error = async_graphql::ServerError::new(error.message, None);
        server_error.extensions = error.extensions;
        server_error
    }
}

/// `?` in resolvers: turns any `AppError` into a GraphQL error with its code.
pub trait GqlResultExt<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T, E: Into<AppError>> GqlResultExt<T> for Result<T, E> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|e| e.into().extend())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extensions(err: &AppError) -> serde_json::Value {
        let gql = err.extend();
        serde_json::to_value(gql.extensions).unwrap()
    }

    #[test]
    fn bad_input_carries_code_and_field() {
        let err = AppError::bad_input("filter.dateFrom", RuleError::new("bad date"));
        assert_eq!(err.client_message(), "bad date");
        assert_eq!(extensions(&err), serde_json::json!({"code": "BAD_USER_INPUT", "field": "filter.dateFrom"}));
    }

    #[test]
    fn each_variant_has_its_code() {
        assert_eq!(AppError::NotFound("x".into()).code(), "NOT_FOUND");
        assert_eq!(AppError::Unauthenticated("x").code(), "UNAUTHENTICATED");
        assert_eq!(AppError::Forbidden("x").code(), "FORBIDDEN");
        assert_eq!(
            AppError::from(DbErr::Conn(sea_orm::RuntimeErr::Internal("down".into()))).code(),
            "SERVICE_UNAVAILABLE"
        );
    }

    #[test]
    fn only_a_database_out_of_reach_is_unreachable() {
        use sea_orm::{sqlx, ConnAcquireErr, RuntimeErr};
        let lost = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        let lost = DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(sqlx::Error::Io(lost))));
        assert!(is_unreachable(&lost));
        assert!(is_unreachable(&DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)));
        assert!(is_unreachable(&DbErr::Conn(RuntimeErr::Internal("refused".into()))));
        assert_eq!(AppError::from(lost).code(), "SERVICE_UNAVAILABLE");
        assert!(!is_unreachable(&DbErr::Custom("syntax error".into())));
        assert!(!is_unreachable(&DbErr::RecordNotFound("x".into())));
    }

    #[test]
    fn internal_errors_leak_nothing() {
        let err = AppError::internal(anyhow::anyhow!("secret table xyz is corrupt"));
        assert_eq!(err.code(), "INTERNAL_SERVER_ERROR");
        let gql = err.extend();
        assert!(!gql.message.contains("xyz"));
        let db = AppError::from(DbErr::Custom("syntax error near SELECT".into()));
        assert_eq!(db.code(), "INTERNAL_SERVER_ERROR");
        assert!(!db.client_message().contains("SELECT"));
    }
}
