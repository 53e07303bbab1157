//! The bulk load: every conversation of a batch (an import file, the demo, a batch of
//! `generate`), with its customer, assignee, tags, messages and notes, upserted by id in
//! one transaction, with the search index and the counts kept in step, and (but for
//! `generate`) an `IMPORTED` event for each conversation it creates or changes. What it
//! reads is in [`lookups`], the rows it writes in [`rows`], the events in [`activity`].

mod activity;
mod lookups;
mod rows;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sea_orm::{DatabaseTransaction, EntityTrait, QuerySelect};
use tracing::instrument;

use super::counts::{Deltas, Group};
use super::entity::{conversation, workspace};
use super::events;
use super::search_index::{self, customer_texts, words_of, Document, Facets};
use super::Store;
use crate::domain::{Clock, Customer, ImportSummary, ImportedConversation, User, WorkspaceId};
use crate::error::AppError;
use activity::{imported_events, Children};
use lookups::{conversations_of, lock_existing, renamed_customers, seqs_of, tags_of, with_action_notes};
use rows::{replace_children, upsert_conversations, upsert_customers, upsert_users, NotesReplaced};

/// Whether a bulk load records an `IMPORTED` activity event for each conversation it
/// creates or changes (see [`activity`] for what a change is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportEvents {
    /// Record them, stamped with the store's clock: an import file, the demo.
    Record,
    /// Record none: `generate`'s synthetic inboxes, whose millions of conversations are
    /// benchmark data that nobody watches arrive, and whose batches skip the reads that
    /// telling a change apart takes.
    Skip,
}

impl Store {
    /// Upserts every conversation (and its customer and assignee) by id, and records an
    /// `IMPORTED` event for each it creates or changes; the same batch written twice
    /// leaves the same state (and records nothing the second time). All or nothing.
    #[instrument(name = "db.import", skip_all, err(level = "debug"), fields(conversations = batch.len()))]
    pub async fn import(
        &self,
        workspace: &WorkspaceId,
        batch: &[ImportedConversation],
    ) -> Result<ImportSummary, AppError> {
        self.import_with_words(workspace, batch, &search_words(batch), ImportEvents::Record).await
    }

    /// [`Store::import`] with the batch's search words already drawn up by
    /// [`search_words`] (bulk writers do that on another thread while a batch is
    /// written), recording its events or not.
    #[instrument(name = "db.import", skip_all, err(level = "debug"), fields(conversations = batch.len()))]
    pub async fn import_with_words(
        &self,
        workspace: &WorkspaceId,
        batch: &[ImportedConversation],
        words: &SearchWords,
        events: ImportEvents,
    ) -> Result<ImportSummary, AppError> {
        let write = self.begin_write().await?;
        let clock = (events == ImportEvents::Record).then_some(self.clock.as_ref());
        let written = write_batch(&write.txn, workspace, batch, words, clock).await?;
        write.txn.commit().await?;
        if written.recorded {
            self.committed(workspace);
        }
        Ok(written.summary)
    }
}

/// Each conversation's search words, by conversation id (a later occurrence wins).
pub type SearchWords = HashMap<String, BTreeSet<String>>;

/// The words each conversation of the batch is found by: its summary, messages and
/// notes, and its customer's name and email. CPU only; needs no transaction.
///
/// A customer the batch writes more than once is stored as its last copy, so every one
/// of its conversations is found by that copy, not by the one written beside it.
pub fn search_words(batch: &[ImportedConversation]) -> SearchWords {
    let customers: HashMap<&str, &Customer> = batch.iter().map(|c| (c.customer.id.as_str(), &c.customer)).collect();
    batch
        .iter()
        .map(|c| {
            let customer = customers.get(c.customer.id.as_str()).copied().unwrap_or(&c.customer);
            let texts = c
                .conversation
                .summary
                .as_deref()
                .into_iter()
                .chain(c.messages.iter().map(|m| m.body.as_str()))
                .chain(c.notes.iter().map(|n| n.content.as_str()))
                .chain(customer_texts(customer));
            (c.conversation.id.clone(), words_of(texts))
        })
        .collect()
}

/// What [`write_batch`] did.
struct Written {
    summary: ImportSummary,
    /// Whether it appended events to the log.
    recorded: bool,
}

/// Writes the batch; with a clock, appends its `IMPORTED` events last, stamped with the
/// clock's time once the import holds its locks.
async fn write_batch(
    txn: &DatabaseTransaction,
    workspace: &WorkspaceId,
    batch: &[ImportedConversation],
    words: &SearchWords,
    clock: Option<&dyn Clock>,
) -> Result<Written, AppError> {
    let batch = Batch::of(batch);
    let before = read_before(txn, workspace, &batch).await?;
    let recording = match clock {
        Some(clock) => Some((Children::read(txn, workspace, &before.rows).await?, clock.now())),
        None => None,
    };
    let notes = write_rows(txn, workspace, &batch).await?;
    write_search(txn, workspace, &batch, words, &before.renamed, &notes).await?;
    write_counts(txn, workspace, &batch, &before).await?;
    let mut recorded = false;
    if let Some((children, now)) = recording {
        let imported = imported_events(txn, workspace, &batch, &before, &children, &notes, now).await?;
        recorded = !imported.is_empty();
        events::append(txn, workspace, imported).await?;
    }
    let summary = ImportSummary {
        conversations: batch.conversations.len(),
        customers: batch.customers.len(),
        users: batch.users.len(),
    };
    Ok(Written { summary, recorded })
}

/// A batch as it is written: one of each id, the later occurrence winning as if the file
/// were imported in order; ids in sorted order, so that concurrent imports lock rows in
/// the same order.
struct Batch<'a> {
    customers: BTreeMap<&'a str, &'a Customer>,
    users: BTreeMap<&'a str, &'a User>,
    conversations: Vec<&'a ImportedConversation>,
    ids: Vec<&'a str>,
}

impl<'a> Batch<'a> {
    fn of(batch: &'a [ImportedConversation]) -> Self {
        let conversations: BTreeMap<&str, &ImportedConversation> =
            batch.iter().map(|c| (c.conversation.id.as_str(), c)).collect();
        Self {
            customers: batch.iter().map(|c| (c.customer.id.as_str(), &c.customer)).collect(),
            users: batch.iter().filter_map(|c| c.assignee.as_ref()).map(|u| (u.id.as_str(), u)).collect(),
            ids: conversations.keys().copied().collect(),
            conversations: conversations.into_values().collect(),
        }
    }
}

/// What the counts, the search index and the events need to know of the state before
/// the write.
struct Before {
    /// The rows of the batch's conversations that exist already.
    rows: BTreeMap<String, conversation::Model>,
    /// The tags those conversations carry, in the order they were added.
    tags: BTreeMap<String, Vec<String>>,
    /// The customers of the batch whose searchable text (name, email) changes.
    renamed: Vec<String>,
}

/// Takes the workspace's import lock and the rows of the batch's conversations that
/// exist already, and reads what they were.
async fn read_before(
    txn: &DatabaseTransaction,
    workspace: &WorkspaceId,
    batch: &Batch<'_>,
) -> Result<Before, AppError> {
    // Imports into one workspace run one at a time (the workspace row is their lock), so
    // two imports can never both take a conversation for new and count it twice.
    workspace::Entity::find_by_id(workspace.as_str()).lock_exclusive().one(txn).await?;
    let rows = lock_existing(txn, workspace, &batch.ids).await?;
    let existing: Vec<&str> = rows.keys().map(String::as_str).collect();
    let tags = tags_of(txn, workspace, &existing).await?;
    let renamed = renamed_customers(txn, workspace, &batch.customers).await?;
    Ok(Before { rows, tags, renamed })
}

/// Upserts the users, customers (with their phone suffixes) and conversations, and
/// replaces the conversations' tags, messages and imported notes.
async fn write_rows(
    txn: &DatabaseTransaction,
    workspace: &WorkspaceId,
    batch: &Batch<'_>,
) -> Result<NotesReplaced, AppError> {
    upsert_users(txn, workspace, batch.users.values().copied()).await?;
    let customers: Vec<&Customer> = batch.customers.values().copied().collect();
    upsert_customers(txn, workspace, &customers).await?;
    search_index::write_phone_suffixes(txn, workspace, &customers).await?;
    upsert_conversations(txn, workspace, &batch.conversations).await?;
    replace_children(txn, workspace, &batch.conversations).await
}

/// Writes the batch's search documents from its words, and makes again from what is
/// stored the documents those words cannot give.
async fn write_search(
    txn: &DatabaseTransaction,
    workspace: &WorkspaceId,
    batch: &Batch<'_>,
    words: &SearchWords,
    renamed: &[String],
    notes: &NotesReplaced,
) -> Result<(), AppError> {
    let seqs = seqs_of(txn, workspace, &batch.ids).await?;
    search_index::write_documents(txn, &documents(workspace, batch, words, &seqs)).await?;
    let stale = stale_documents(txn, workspace, &batch.ids, renamed, notes).await?;
    search_index::reindex(txn, workspace, &stale).await
}

/// The batch's search documents, by the file's words.
fn documents<'a>(
    workspace: &'a WorkspaceId,
    batch: &Batch<'a>,
    words: &'a SearchWords,
    seqs: &BTreeMap<String, i64>,
) -> Vec<Document<'a>> {
    static NO_WORDS: BTreeSet<String> = BTreeSet::new();
    batch
        .conversations
        .iter()
        .map(|&c| {
            let id = c.conversation.id.as_str();
            Document {
                seq: seqs[id],
                words: words.get(id).unwrap_or(&NO_WORDS),
                facets: Facets {
                    workspace: workspace.as_str(),
                    status: c.conversation.status.as_str(),
                    channel: c.conversation.channel.as_str(),
                },
            }
        })
        .collect()
}

/// The conversations whose documents the write made stale: those of renamed customers
/// and those that lost a note to the batch, outside it; and those of the batch whose
/// words the file cannot give.
async fn stale_documents(
    txn: &DatabaseTransaction,
    workspace: &WorkspaceId,
    ids: &[&str],
    renamed: &[String],
    notes: &NotesReplaced,
) -> Result<Vec<String>, AppError> {
    let mut stale: BTreeSet<String> = conversations_of(txn, workspace, renamed).await?;
    stale.extend(notes.moved_from.iter().cloned());
    for id in ids {
        stale.remove(*id);
    }
    // The file's words lack the notes actions wrote, and may hold a file note left out:
    // these documents are made again from what is stored.
    stale.extend(with_action_notes(txn, workspace, ids).await?);
    stale.extend(notes.left_out_of.iter().cloned());
    Ok(stale.into_iter().collect())
}

/// Moves each conversation of the batch, and its tags, from the counts it was in to
/// those it is in now.
async fn write_counts(
    txn: &DatabaseTransaction,
    workspace: &WorkspaceId,
    batch: &Batch<'_>,
    before: &Before,
) -> Result<(), AppError> {
    let mut deltas = Deltas::default();
    let no_tags = Vec::new();
    for c in &batch.conversations {
        let id = c.conversation.id.as_str();
        let group = before.rows.get(id).map(Group::of_row);
        let from = group.as_ref().map(|group| (group, before.tags.get(id).unwrap_or(&no_tags).as_slice()));
        deltas.moved_tagged(from, (&Group::of(&c.conversation), &c.tags));
    }
    deltas.apply(txn, workspace).await
}
