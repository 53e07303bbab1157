//! The GraphQL API of the contract: schema, context, loaders and resolvers.

mod context;
mod conversation;
mod depth;
pub mod inputs_check;
mod limits;
mod live;
mod loaders;
mod node;
mod scalars;

use async_graphql::{MergedObject, SDLExportOptions, Schema};

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

pub use live::{LiveSession, SubscriptionRoot};

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema with the shared state; each request adds its [`RequestContext`] and [`Loaders`].
pub fn build_schema(state: AppState, limits: QueryLimits) -> AppSchema {
    // The depth limit is the guard's: async-graphql's would count introspection's levels.
    let builder = Schema::build(QueryRoot::default(), MutationRoot::default(), SubscriptionRoot)
        .data(state)
        .extension(Guard(limits))
        .limit_complexity(limits.complexity);
    if limits.introspection {
        builder.finish()
    } else {
        builder.disable_introspection().finish()
    }
}

/// The root fields of the schema (`Query`'s, `Mutation`'s) and introspection's: the
/// only names a request's metrics label may hold, read from the schema itself so that a
/// new field needs no list of its own.
pub fn root_fields() -> &'static std::collections::HashSet<String> {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    static FIELDS: std::sync::OnceLock<std::collections::HashSet<String>> = std::sync::OnceLock::new();
    FIELDS.get_or_init(|| {
        let mut fields: std::collections::HashSet<String> =
            ["__schema", "__type", "__typename"].into_iter().map(str::to_owned).collect();
        let Ok(document) = async_graphql::parser::parse_schema(sdl()) else { return fields };
        for definition in document.definitions {
            let TypeSystemDefinition::Type(ty) = definition else { continue };
            let ty = ty.node;
            if !matches!(ty.name.node.as_str(), "Query" | "Mutation" | "Subscription") {
                continue;
            }
            if let TypeKind::Object(object) = ty.kind {
                fields.extend(object.fields.into_iter().map(|f| f.node.name.node.to_string()));
            }
        }
        fields
    })
}

/// The SDL the server serves, with sorted fields: what `schema.graphql` holds.
pub fn sdl() -> String {
    Schema::build(QueryRoot::default(), MutationRoot::default(), SubscriptionRoot)
        .finish()
        .sdl_with_options(SDLExportOptions::new().sorted_fields().sorted_enum_items())
}

#[cfg(test)]
mod tests {
    #[test]
    fn root_fields_come_from_the_schema() {
        let fields = super::root_fields();
        for name in [
            "conversations",
            "conversationsConnection",
            "conversation",
            "node",
            "nodes",
            "assignConversation",
            "addConversationNote",
            "__typename",
        ] {
            assert!(fields.contains(name), "{name}");
        }
        assert!(!fields.contains("id"), "fields of other types are not root fields");
    }
}
