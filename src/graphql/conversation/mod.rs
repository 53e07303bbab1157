//! Conversations: the queries, the actions and their types.

mod inputs;
mod mutation;
mod pages;
mod query;
mod types;

pub use mutation::ConversationMutation;
pub use query::ConversationQuery;
pub use types::{Conversation, Customer, Note, User};
