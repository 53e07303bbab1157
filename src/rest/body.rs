//! JSON request bodies: `Content-Type: application/json` (else 415), at most
//! `--max-body-bytes` (else 413), a JSON object whose keys are all known; each value read
//! with an error that names its key (`tags[2]`).

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde_json::{Map, Value};

use crate::domain::{abbreviate, RuleError};
use crate::error::AppError;
use crate::http::HttpState;

/// A request's JSON object, its keys checked against the endpoint's.
pub struct JsonObject(Map<String, Value>);

fn bad(field: &str, message: impl Into<String>) -> AppError {
    AppError::bad_input(field, RuleError::new(message))
}

impl FromRequest<HttpState> for JsonObject {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &HttpState) -> Result<Self, AppError> {
        let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if !(essence == "application/json" || essence.ends_with("+json")) {
            return Err(AppError::UnsupportedMediaType(
                "the request body must be JSON, sent with Content-Type: application/json".into(),
            ));
        }
        let limit = state.limits.max_body_bytes;
        let too_large =
            || AppError::PayloadTooLarge(format!("the request body is larger than the limit of {limit} bytes"));
        let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let read = tokio::time::timeout(
            state.limits.body_timeout,
            axum::body::to_bytes(Body::new(request.into_body()), limit),
        );
        let bytes = match read.await {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(_)) => return Err(too_large()),
            Err(_) => return Err(bad("body", "the request body did not arrive in time")),
        };
        crate::http::check_nesting(&bytes).map_err(|err| bad("body", err.to_string()))?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => {
                if let Some(path) = map.iter().find_map(|(key, value)| nul_in(key, value, key.clone())) {
                    return Err(bad(&path, "strings must not contain the NUL character"));
                }
                Ok(Self(map))
            }
            Ok(_) => Err(bad("body", "the request body must be a JSON object")),
            Err(err) => Err(bad("body", format!("the request body is not valid JSON: {err}"))),
        }
    }
}

/// The path of the first key or string holding a NUL character, which no database
/// column may store.
fn nul_in(key: &str, value: &Value, path: String) -> Option<String> {
    if key.contains('\0') {
        return Some(abbreviate(&path, 64).into_owned());
    }
    match value {
        Value::String(s) if s.contains('\0') => Some(path),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| nul_in("", v, format!("{path}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(k, v)| nul_in(k, v, format!("{path}.{k}"))),
        _ => None,
    }
}

impl JsonObject {
    /// Refuses a key the endpoint does not know.
    pub fn only(self, known: &[&str]) -> Result<Self, AppError> {
        if let Some(key) = self.0.keys().find(|k| !known.contains(&k.as_str())) {
            let shown = abbreviate(key, 64);
            return Err(bad(&shown, format!("unknown key {shown:?}; this body takes {}", known.join(", "))));
        }
        Ok(self)
    }

    fn present(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// A string the body must have.
    pub fn string(&self, key: &str) -> Result<String, AppError> {
        match self.present(key) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(bad(key, format!("{key} must be a string"))),
            None => Err(bad(key, format!("{key} is required"))),
        }
    }

    /// A key the body must have, a string or null.
    pub fn nullable_string(&self, key: &str) -> Result<Option<String>, AppError> {
        match self.present(key) {
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Null) => Ok(None),
            Some(_) => Err(bad(key, format!("{key} must be a string or null"))),
            None => Err(bad(key, format!("{key} is required (null for none)"))),
        }
    }

    /// A string or null the body may leave out.
    pub fn optional_string(&self, key: &str) -> Result<Option<String>, AppError> {
        match self.present(key) {
            None => Ok(None),
            Some(_) => self.nullable_string(key),
        }
    }

    /// A boolean the body may leave out (or send null for its default).
    pub fn optional_bool(&self, key: &str) -> Result<Option<bool>, AppError> {
        match self.present(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(bad(key, format!("{key} must be true or false"))),
        }
    }

    /// A list of strings the body must have; a non-string item is named by its index.
    pub fn strings(&self, key: &str) -> Result<Vec<String>, AppError> {
        match self.present(key) {
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(bad(&format!("{key}[{i}]"), format!("{key}[{i}] must be a string"))),
                })
                .collect(),
            Some(_) => Err(bad(key, format!("{key} must be a list of strings"))),
            None => Err(bad(key, format!("{key} is required"))),
        }
    }
}
