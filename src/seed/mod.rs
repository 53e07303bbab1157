//! Data from outside the API: the demo workspace, the deterministic generator behind it
//! and `generate`, and the import file. Everything here ends as `ImportedConversation`s
//! that the store's bulk load writes.
//!
//! - [`demo`]: the demo workspace, loaded by `serve --demo`;
//! - [`generator`]: the seeded generator that draws the demo and `generate`'s inboxes,
//!   from the `tables` of names and places and the `scenarios` they play out, with the
//!   contract's `examples` first in the demo;
//! - [`generate`]: the `generate` command, writing what the generator draws batch by batch;
//! - [`import_file`]: the import file of the `import` command, parsed (contract section 6).

pub mod demo;
mod examples;
pub mod generate;
pub mod generator;
pub mod import_file;
mod scenarios;
mod tables;

use serde_json::{Map, Value};

use crate::domain::{Message, Timestamp};

fn message(id: &str, direction: &str, body: &str, sent_at: Timestamp) -> Message {
    Message { id: Some(id.to_owned()), direction: Some(direction.to_owned()), body: body.to_owned(), sent_at }
}

fn object<const N: usize>(entries: [(&str, Value); N]) -> Map<String, Value> {
    entries.into_iter().map(|(key, value)| (key.to_owned(), value)).collect()
}
