//! Data from outside the API: the demo workspace, the deterministic generator behind it
//! and `generate`, and the import file. Everything here ends as `ImportedConversation`s
//! that the store's bulk load writes.

pub mod demo;
pub mod generate;
pub mod import_file;
