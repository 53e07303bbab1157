//! Authentication (`Authorization: Bearer <key>`), tenancy (`X-Workspace-ID`) and the
//! rate limits, as one step every transport takes first: [`admit`], and [`Caller`] as
//! an extractor for handlers.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use tokio::sync::OwnedSemaphorePermit;

use super::HttpState;
use crate::domain::{ApiKey, WorkspaceId};
use crate::error::AppError;
use crate::store::Store;

pub const WORKSPACE_HEADER: &str = "x-workspace-id";

/// Who is calling: the workspace the request may act on, and its key (as its hash).
pub struct Caller {
    pub workspace: WorkspaceId,
    pub key_hash: String,
    /// The request's place in its workspace's share of the database, when the extractor
    /// took one (a GraphQL request takes one per operation instead).
    _share: Option<OwnedSemaphorePermit>,
}

/// Whole seconds to wait, rounded up, as `Retry-After` and messages say it.
pub fn retry_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

fn rate_limited(why: &str, wait: Duration) -> AppError {
    let seconds = retry_seconds(wait).max(1);
    AppError::RateLimited { message: format!("{why}; retry in {seconds} s"), retry_after_seconds: seconds }
}

/// The caller, from the headers alone: an address that failed too often is refused
/// without a database lookup, a failure is counted against its address, and a known key
/// must have a token in its bucket.
pub async fn admit(state: &HttpState, headers: &HeaderMap, peer: Option<IpAddr>) -> Result<Caller, AppError> {
    if let Some(peer) = peer {
        state.auth_failures.check(peer).map_err(|wait| {
            state.metrics.rate_limited();
            rate_limited("too many failed authentications from this address", wait)
        })?;
    }
    let caller = match authenticate(&state.app.store, headers).await {
        Ok(caller) => caller,
        Err(err) => {
            if let (Some(peer), AppError::Unauthenticated(_) | AppError::Forbidden(_)) = (peer, &err) {
                if let Err(wait) = state.auth_failures.failed(peer) {
                    state.metrics.rate_limited();
                    return Err(rate_limited("too many failed authentications from this address", wait));
                }
            }
            return Err(err);
        }
    };
    if let Err(wait) = state.rate_limiter.check(&caller.key_hash) {
        state.metrics.rate_limited();
        return Err(rate_limited("too many requests for this API key", wait));
    }
    Ok(caller)
}

/// The caller of a REST request, admitted, holding one place in its workspace's share.
impl FromRequestParts<HttpState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &HttpState) -> Result<Self, AppError> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let caller = admit(state, &parts.headers, peer).await?;
        if let Some(counted) = parts.extensions.get::<super::layers::Counted>() {
            counted.workspace_is(caller.workspace.as_str());
        }
        let share = state.fair_share.enter(&caller.workspace, 1).await;
        Ok(Self { _share: share, ..caller })
    }
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
    Ok(Caller { workspace, key_hash: key.hash(), _share: None })
}
