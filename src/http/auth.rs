//! Authentication (`Authorization: Bearer <key>`) and tenancy (`X-Workspace-ID`).

use axum::http::{header, HeaderMap};

use crate::domain::{ApiKey, WorkspaceId};
use crate::error::AppError;
use crate::store::Store;

pub const WORKSPACE_HEADER: &str = "x-workspace-id";

/// Who is calling: the workspace the request may act on, and its key (as its hash).
pub struct Caller {
    pub workspace: WorkspaceId,
    pub key_hash: String,
}

/// The workspace a request may act on: its key's, when the header names that one.
pub async fn authenticate(store: &Store, headers: &HeaderMap) -> Result<Caller, AppError> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .ok_or(AppError::Unauthenticated("missing Authorization header: send `Authorization: Bearer <api key>`"))?;
    let token = authorization
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or(AppError::Unauthenticated("malformed Authorization header: expected `Bearer <api key>`"))?;
    let key = ApiKey::parse(token).ok_or(AppError::Unauthenticated("invalid API key"))?;
    let workspace = store.authenticate(&key).await?.ok_or(AppError::Unauthenticated("invalid or revoked API key"))?;
    let asked = headers
        .get(WORKSPACE_HEADER)
        .ok_or(AppError::Forbidden("missing X-Workspace-ID header"))?
        .to_str()
        .map_err(|_| AppError::Forbidden("this API key does not give access to that workspace"))?;
    if asked.trim() != workspace.as_str() {
        return Err(AppError::Forbidden("this API key does not give access to that workspace"));
    }
    Ok(Caller { workspace, key_hash: key.hash() })
}
