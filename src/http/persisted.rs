//! Automatic persisted queries, Apollo's protocol version 1: a request may name its query
//! by the SHA-256 of its text (`extensions.persistedQuery.sha256Hash`); sent with the
//! text, the pair is remembered (the hash must be the text's); sent alone, a known hash
//! runs its query and an unknown one answers `PERSISTED_QUERY_NOT_FOUND`, after which the
//! client sends the text too. The store is bounded: the least recently used goes first.
//! Each workspace has queries of its own: one tenant can neither tell whether another
//! ran a query nor run it by its hash.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::Value;
use sha2::{Digest, Sha256};

use crate::domain::WorkspaceId;
use crate::error::AppError;

/// Longest query text remembered: the store holds at most `capacity` times this
/// (a longer query still runs when sent with its text; it is just not kept).
pub const MAX_REMEMBERED_BYTES: usize = 64 * 1024;

/// Queries by the hex SHA-256 of their text; cheap to clone.
#[derive(Clone)]
pub struct PersistedQueries {
    queries: Arc<Mutex<lru::LruCache<(WorkspaceId, String), Arc<str>>>>,
}

/// Why a request naming a persisted query cannot run.
#[derive(Debug)]
pub enum Unresolved {
    /// The hash names no query this gateway knows: the client should send the text.
    NotFound,
    Invalid(AppError),
}

impl PersistedQueries {
    pub fn new(capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        Self { queries: Arc::new(Mutex::new(lru::LruCache::new(capacity))) }
    }

    /// Fills in, or remembers, the query of a request that names one by its hash; leaves
    /// any other request as it is.
    pub fn resolve(&self, workspace: &WorkspaceId, request: &mut async_graphql::Request) -> Result<(), Unresolved> {
        let Some(persisted) = request.extensions.0.get("persistedQuery") else { return Ok(()) };
        let invalid = |message: &str| {
            Unresolved::Invalid(AppError::BadUserInput {
                field: "extensions.persistedQuery".to_owned(),
                message: message.to_owned(),
            })
        };
        let Value::Object(persisted) = persisted else {
            return Err(invalid("persistedQuery must be an object {\"version\": 1, \"sha256Hash\": \"…\"}"));
        };
        if persisted.get("version").is_some_and(|v| *v != Value::from(1)) {
            return Err(invalid("only version 1 of persisted queries is supported"));
        }
        let hash = match persisted.get("sha256Hash") {
            Some(Value::String(hash)) if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
                hash.to_ascii_lowercase()
            }
            _ => return Err(invalid("sha256Hash must be the 64 hex digits of the query's SHA-256")),
        };
        let mut queries = self.queries.lock().unwrap_or_else(PoisonError::into_inner);
        if request.query.is_empty() {
            let query = queries.get(&(workspace.clone(), hash)).ok_or(Unresolved::NotFound)?;
            request.query = query.to_string();
            return Ok(());
        }
        if hex::encode(Sha256::digest(request.query.as_bytes())) != hash {
            return Err(invalid("sha256Hash is not the SHA-256 of the query"));
        }
        if request.query.len() <= MAX_REMEMBERED_BYTES {
            queries.put((workspace.clone(), hash), Arc::from(request.query.as_str()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn request(query: &str, hash: &str) -> async_graphql::Request {
        serde_json::from_value(json!({
            "query": query,
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": hash}},
        }))
        .unwrap()
    }

    fn ours() -> WorkspaceId {
        WorkspaceId::new_unchecked("ws_ours")
    }

    #[test]
    fn another_workspace_neither_finds_nor_evicts_a_query() {
        let store = PersistedQueries::new(1);
        let query = "{ mine }";
        store.resolve(&ours(), &mut request(query, &hash_of(query))).unwrap();
        let theirs = WorkspaceId::new_unchecked("ws_theirs");
        assert!(matches!(store.resolve(&theirs, &mut request("", &hash_of(query))), Err(Unresolved::NotFound)));
        assert!(store.resolve(&ours(), &mut request("", &hash_of(query))).is_ok());
    }

    fn hash_of(query: &str) -> String {
        hex::encode(Sha256::digest(query.as_bytes()))
    }

    #[test]
    fn remembers_a_query_sent_with_its_hash_and_runs_it_by_the_hash() {
        let store = PersistedQueries::new(10);
        let query = "{ __typename }";
        let mut by_hash = request("", &hash_of(query));
        assert!(matches!(store.resolve(&ours(), &mut by_hash), Err(Unresolved::NotFound)));
        store.resolve(&ours(), &mut request(query, &hash_of(query))).unwrap();
        let mut by_hash = request("", &hash_of(query));
        store.resolve(&ours(), &mut by_hash).unwrap();
        assert_eq!(by_hash.query, query);
    }

    #[test]
    fn refuses_a_hash_that_is_not_the_querys() {
        let store = PersistedQueries::new(10);
        let mut wrong = request("{ __typename }", &hash_of("{ other }"));
        assert!(matches!(store.resolve(&ours(), &mut wrong), Err(Unresolved::Invalid(_))));
        let mut malformed = request("{ __typename }", "abc");
        assert!(matches!(store.resolve(&ours(), &mut malformed), Err(Unresolved::Invalid(_))));
    }

    #[test]
    fn forgets_the_least_recently_used_first() {
        let store = PersistedQueries::new(2);
        for query in ["{ a }", "{ b }"] {
            store.resolve(&ours(), &mut request(query, &hash_of(query))).unwrap();
        }
        store.resolve(&ours(), &mut request("", &hash_of("{ a }"))).unwrap();
        store.resolve(&ours(), &mut request("{ c }", &hash_of("{ c }"))).unwrap();
        assert!(store.resolve(&ours(), &mut request("", &hash_of("{ a }"))).is_ok(), "used last");
        assert!(matches!(store.resolve(&ours(), &mut request("", &hash_of("{ b }"))), Err(Unresolved::NotFound)));
    }

    #[test]
    fn runs_but_does_not_keep_a_query_too_long_to_remember() {
        let store = PersistedQueries::new(10);
        let long = format!("{{ __typename {} }}", "# padding\n".repeat(MAX_REMEMBERED_BYTES / 10));
        store.resolve(&ours(), &mut request(&long, &hash_of(&long))).unwrap();
        assert!(matches!(store.resolve(&ours(), &mut request("", &hash_of(&long))), Err(Unresolved::NotFound)));
    }

    #[test]
    fn leaves_other_requests_alone() {
        let store = PersistedQueries::new(1);
        let mut plain = async_graphql::Request::new("{ a }");
        store.resolve(&ours(), &mut plain).unwrap();
        assert_eq!(plain.query, "{ a }");
    }
}
