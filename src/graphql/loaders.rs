//! One DataLoader per lookup, built per request for its workspace: each batch of keys
//! becomes one `IN (...)` query, so a page's SQL does not grow with its size. A page of
//! conversations that brought its customers, assignees and tags along feeds them to the
//! loaders first (their per-request cache), so those fields cost no statement at all.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use async_graphql::Lookahead;

use crate::domain::{ActivityEvent, Conversation, Customer, Note, User, WorkspaceId};
use crate::error::AppError;
use crate::store::{Page, Related, Store};

/// A loader caching what it loaded, or was fed, for the rest of its request.
type Cached<T> = DataLoader<ById<T>, HashMapCache>;

/// The loaders of one request.
pub struct Loaders {
    pub conversations: Cached<Conversation>,
    pub customers: Cached<Customer>,
    pub users: Cached<User>,
    pub tags: Cached<Tags>,
    /// A conversation's notes, by conversation id.
    pub notes: Cached<Vec<Note>>,
    /// Notes by their own id.
    pub notes_by_id: Cached<Note>,
    pub activity: Cached<Vec<ActivityEvent>>,
}

impl Loaders {
    pub fn new(store: &Store, workspace: &WorkspaceId) -> Self {
        fn loader<T: Send + Sync + 'static>(store: &Store, workspace: &WorkspaceId) -> Cached<T>
        where
            ById<T>: Loader<String>,
        {
            DataLoader::with_cache(
                ById { store: store.clone(), workspace: workspace.clone(), _value: std::marker::PhantomData },
                tokio::spawn,
                HashMapCache::default(),
            )
        }
        Self {
            conversations: loader(store, workspace),
            customers: loader(store, workspace),
            users: loader(store, workspace),
            tags: loader(store, workspace),
            notes: loader(store, workspace),
            notes_by_id: loader(store, workspace),
            activity: loader(store, workspace),
        }
    }
}

impl Loaders {
    /// Forgets the tags, notes and activity cached so far: a mutation has just changed a
    /// conversation's, and each payload must show the state its own mutation left (the
    /// mutations of a document run one after the other, each payload resolved before the
    /// next mutation starts). Customers and users are not changed by mutations.
    pub fn forget_conversation_children(&self) {
        self.tags.clear::<String>();
        self.notes.clear::<String>();
        self.activity.clear::<String>();
    }

    /// Forgets everything cached so far (a live event shows its conversation as it is).
    pub fn forget_all(&self) {
        self.conversations.clear::<String>();
        self.customers.clear::<String>();
        self.users.clear::<String>();
        self.forget_conversation_children();
        self.notes_by_id.clear::<String>();
    }

    /// Feeds what a page brought along; the fields then read it from the cache.
    pub async fn feed(&self, page: &mut Page) {
        let customers = std::mem::take(&mut page.customers);
        self.customers.feed_many(customers.into_iter().map(|c| (c.id.clone(), c))).await;
        let users = std::mem::take(&mut page.users);
        self.users.feed_many(users.into_iter().map(|u| (u.id.clone(), u))).await;
        if let Some(tags) = page.tags.take() {
            self.tags.feed_many(tags).await;
        }
    }

    /// Loads what the selected fields of `conversations` read, one batch per loader,
    /// before the rows resolve: no batch is cut short by the loader's timer, and what a
    /// page brought along and was fed costs nothing more.
    pub async fn preload<'a>(
        &self,
        conversations: impl Iterator<Item = &'a Conversation> + Clone + Send,
        wanted: Children,
    ) -> Result<(), Arc<AppError>> {
        let ids = || conversations.clone().map(|c| c.id.clone());
        futures::try_join!(
            load_if(wanted.related.customers, &self.customers, conversations.clone().map(|c| c.customer_id.clone())),
            load_if(wanted.related.assignees, &self.users, conversations.clone().filter_map(|c| c.assignee_id.clone())),
            load_if(wanted.related.tags, &self.tags, ids()),
            load_if(wanted.notes, &self.notes, ids()),
            load_if(wanted.activity, &self.activity, ids()),
        )
        .map(|_| ())
    }
}

/// Loads `keys` into `loader`'s cache when `wanted`.
async fn load_if<T: Send + Sync + 'static>(
    wanted: bool,
    loader: &Cached<T>,
    keys: impl Iterator<Item = String> + Send,
) -> Result<(), Arc<AppError>>
where
    ById<T>: Loader<String, Error = Arc<AppError>>,
{
    if wanted {
        loader.load_many(keys).await?;
    }
    Ok(())
}

/// Which of a conversation's fields that read through the loaders a selection asks for:
/// those a page can bring along in its statement, and the others.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Children {
    pub related: Related,
    pub notes: bool,
    pub activity: bool,
}

impl Children {
    /// What the selection of conversations `selected` asks for (fragments included).
    pub fn selected(selected: &Lookahead<'_>) -> Self {
        let has = |name: &str| selected.field(name).exists();
        Self {
            related: Related { customers: has("customer"), assignees: has("assignee"), tags: has("tags") },
            notes: has("notes"),
            activity: has("activity"),
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

by_id_loader!(Conversation, conversations_by_ids);
by_id_loader!(Customer, customers_by_ids);
by_id_loader!(User, users_by_ids);
by_id_loader!(Tags, tags_by_conversations);
by_id_loader!(Vec<Note>, notes_by_conversations);
by_id_loader!(Note, notes_by_ids);
by_id_loader!(Vec<ActivityEvent>, activity_by_conversations);

/// A loader's failure as the GraphQL error of the field that asked.
pub fn loader_error(err: Arc<AppError>) -> async_graphql::Error {
    async_graphql::ErrorExtensions::extend(err.as_ref())
}
