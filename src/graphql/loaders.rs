//! One DataLoader per lookup, built per request for its workspace: each batch of keys
//! becomes one `IN (...)` query, so a page's SQL does not grow with its size.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};

use crate::domain::{ActivityEvent, Customer, Note, User, WorkspaceId};
use crate::error::AppError;
use crate::store::Store;

/// The loaders of one request.
pub struct Loaders {
    pub customers: DataLoader<ById<Customer>>,
    pub users: DataLoader<ById<User>>,
    pub tags: DataLoader<ById<Tags>>,
    pub notes: DataLoader<ById<Vec<Note>>>,
    pub activity: DataLoader<ById<Vec<ActivityEvent>>>,
}

impl Loaders {
    pub fn new(store: &Store, workspace: &WorkspaceId) -> Self {
        fn loader<T: Send + Sync + 'static>(store: &Store, workspace: &WorkspaceId) -> DataLoader<ById<T>>
        where
            ById<T>: Loader<String>,
        {
            DataLoader::new(
                ById { store: store.clone(), workspace: workspace.clone(), _value: std::marker::PhantomData },
                tokio::spawn,
            )
        }
        Self {
            customers: loader(store, workspace),
            users: loader(store, workspace),
            tags: loader(store, workspace),
            notes: loader(store, workspace),
            activity: loader(store, workspace),
        }
    }
}

/// Loads values of type `T` by id within one workspace.
pub struct ById<T> {
    store: Store,
    workspace: WorkspaceId,
    _value: std::marker::PhantomData<fn() -> T>,
}

/// A conversation's tags, in the order they were added.
pub type Tags = Vec<String>;

type LoadResult<T> = Result<HashMap<String, T>, Arc<AppError>>;

macro_rules! by_id_loader {
    ($value:ty, $method:ident) => {
        impl Loader<String> for ById<$value> {
            type Value = $value;
            type Error = Arc<AppError>;

            fn load(&self, keys: &[String]) -> impl Future<Output = LoadResult<$value>> + Send {
                async move { self.store.$method(&self.workspace, keys).await.map_err(Arc::new) }
            }
        }
    };
}

by_id_loader!(Customer, customers_by_ids);
by_id_loader!(User, users_by_ids);
by_id_loader!(Tags, tags_by_conversations);
by_id_loader!(Vec<Note>, notes_by_conversations);
by_id_loader!(Vec<ActivityEvent>, activity_by_conversations);

/// A loader's failure as the GraphQL error of the field that asked.
pub fn loader_error(err: Arc<AppError>) -> async_graphql::Error {
    async_graphql::ErrorExtensions::extend(err.as_ref())
}
