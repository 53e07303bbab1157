//! Conversations: the queries, the actions and their types.

mod connection;
mod inputs;
mod mutation;
mod query;
mod types;

pub use mutation::ConversationMutation;
pub use query::ConversationQuery;
pub use types::{Conversation, Customer, Note, User};
