//! The GraphQL API of the contract: schema, context, loaders and resolvers.

mod context;
mod conversation;
mod depth;
pub mod inputs_check;
mod limits;
mod loaders;
mod node;
mod scalars;

use async_graphql::{EmptySubscription, MergedObject, SDLExportOptions, Schema};

pub use context::{AppState, ContextExt, RequestContext};
pub use limits::{count_selections, Guard, QueryLimits, SelectionCount};
pub use loaders::Loaders;

/// The workspace's inbox: a filtered, sorted page of conversations (as a list or a
/// Relay connection), one by id, or any object by its global `nodeId`.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(conversation::ConversationQuery, node::NodeQuery);

/// The actions on a conversation; each is one transaction that records what it changed.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(conversation::ConversationMutation);

pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// The schema with the shared state; each request adds its [`RequestContext`] and [`Loaders`].
pub fn build_schema(state: AppState, limits: QueryLimits) -> AppSchema {
    // The depth limit is the guard's: async-graphql's would count introspection's levels.
    let builder = Schema::build(QueryRoot::default(), MutationRoot::default(), EmptySubscription)
        .data(state)
        .extension(Guard(limits))
        .limit_complexity(limits.complexity);
    if limits.introspection {
        builder.finish()
    } else {
        builder.disable_introspection().finish()
    }
}

/// The SDL the server serves, with sorted fields: what `schema.graphql` holds.
pub fn sdl() -> String {
    Schema::build(QueryRoot::default(), MutationRoot::default(), EmptySubscription)
        .finish()
        .sdl_with_options(SDLExportOptions::new().sorted_fields().sorted_enum_items())
}
