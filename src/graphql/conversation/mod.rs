//! Conversations: the queries, the actions and their types.

mod inputs;
mod mutation;
mod pages;
mod query;
mod types;

pub use inputs::ConversationFilter;
pub use mutation::ConversationMutation;
pub use query::ConversationQuery;
pub use types::{ActivityEvent, Conversation, Customer, Note, User};
