//! `inbox-gateway generate`: fills a workspace with a synthetic inbox of any size, drawn
//! by the demo's generator from a seed, and written batch by batch through the import
//! path: one transaction a batch, the search index and the counts kept in step. The same
//! arguments give the same data, so running it again leaves the same state.

use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde::Serialize;
use tokio::sync::mpsc;

use crate::demo::{Generator, Shape};
use crate::domain::{ImportedConversation, Timestamp, WorkspaceId};
use crate::store::{search_words, Store};

/// Conversations per import transaction.
const BATCH: usize = 2_000;
/// Batches drawn ahead of the one being written, so drawing and writing overlap.
const DRAWN_AHEAD: usize = 2;
const PROGRESS_EVERY: usize = 50_000;
const CONVERSATIONS_PER_CUSTOMER: usize = 5;
/// Conversations start within the two years before the generator's "now".
const DAYS: i64 = 730;
/// The team has 50 to 70 members, depending on the seed.
const SMALLEST_TEAM: usize = 50;
const TEAM_SIZES: u64 = 21;

/// What `generate` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub workspace_id: String,
    pub api_key: String,
    pub conversations: usize,
    pub customers: usize,
    pub users: usize,
    /// Wall time, to a tenth of a second.
    pub seconds: f64,
}

/// The shape of a generated workspace: a customer for every five conversations, a
/// team of 50 to 70, two years of conversations.
pub fn shape(conversations: usize, seed: u64) -> Shape {
    let team_size = usize::try_from(seed % TEAM_SIZES).unwrap_or(0);
    Shape {
        conversations,
        customers: (conversations / CONVERSATIONS_PER_CUSTOMER).max(1),
        team: SMALLEST_TEAM + team_size,
        days: DAYS,
        seed,
        contract_examples: false,
    }
}

/// Creates the workspace unless it exists, writes the generated inbox into it and
/// issues a fresh key for it.
pub async fn run(
    store: &Store,
    workspace: &str,
    conversations: usize,
    seed: u64,
    now: Timestamp,
) -> anyhow::Result<Report> {
    let started = Instant::now();
    let workspace = workspace_id(workspace)?;
    let name = format!("Generated: {conversations} conversations, seed {seed}");
    store.ensure_workspace(&workspace, &name, now).await?;
    let written = write(store, &workspace, shape(conversations, seed)).await?;
    let api_key = store.create_api_key(&workspace, now).await?;
    Ok(Report {
        workspace_id: workspace.as_str().to_owned(),
        api_key: api_key.expose().to_owned(),
        conversations: written.conversations,
        customers: written.customers.len(),
        users: written.users.len(),
        seconds: (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
    })
}

/// A workspace id as clients will send it in `X-Workspace-ID`.
fn workspace_id(raw: &str) -> anyhow::Result<WorkspaceId> {
    let sane =
        (1..=64).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !sane {
        bail!("invalid workspace id {raw:?}: use 1 to 64 letters, digits, '_' or '-'");
    }
    Ok(WorkspaceId::new_unchecked(raw))
}

/// What has been written so far.
#[derive(Debug, Default)]
struct Written {
    conversations: usize,
    customers: HashSet<String>,
    users: BTreeSet<String>,
    writing: Duration,
    waiting: Duration,
}

impl Written {
    fn add(&mut self, batch: &[ImportedConversation]) {
        self.conversations += batch.len();
        for c in batch {
            if !self.customers.contains(&c.customer.id) {
                self.customers.insert(c.customer.id.clone());
            }
            if let Some(user) = &c.assignee {
                if !self.users.contains(&user.id) {
                    self.users.insert(user.id.clone());
                }
            }
        }
    }
}

/// Draws the batches, and their search words, on a blocking thread while the previous
/// ones are being written.
async fn write(store: &Store, workspace: &WorkspaceId, shape: Shape) -> anyhow::Result<Written> {
    let (sender, mut batches) = mpsc::channel(DRAWN_AHEAD);
    let drawing = tokio::task::spawn_blocking(move || {
        for batch in Generator::new(shape).batches(BATCH) {
            let words = search_words(&batch);
            if sender.blocking_send((batch, words)).is_err() {
                break; // the writer gave up
            }
        }
    });
    let started = Instant::now();
    let mut written = Written::default();
    loop {
        let asked = Instant::now();
        let Some((batch, words)) = batches.recv().await else { break };
        let received = Instant::now();
        store.import_with_words(workspace, &batch, &words).await.context("cannot write a batch")?;
        let took = received.elapsed();
        written.waiting += received - asked;
        written.writing += took;
        tracing::debug!(conversations = batch.len(), ms = took.as_millis(), "batch written");
        let before = written.conversations;
        written.add(&batch);
        if before == 0 {
            store.refresh_statistics().await.context("cannot refresh the planner's statistics")?;
        }
        if before / PROGRESS_EVERY < written.conversations / PROGRESS_EVERY {
            report_progress(&written, shape.conversations, started.elapsed());
        }
    }
    drawing.await.context("the generator failed")?;
    store.refresh_statistics().await.context("cannot refresh the planner's statistics")?;
    tracing::info!(
        writing_seconds = written.writing.as_secs_f64(),
        waiting_for_the_generator_seconds = written.waiting.as_secs_f64(),
        "generated"
    );
    Ok(written)
}

fn report_progress(written: &Written, of: usize, elapsed: Duration) {
    let seconds = elapsed.as_secs_f64();
    #[allow(clippy::cast_precision_loss)] // a rate for people to read
    let per_second = (written.conversations as f64 / seconds.max(0.001)).round();
    tracing::info!(conversations = written.conversations, of, seconds, per_second, "generating");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_a_workspace_from_its_size_and_seed() {
        let shape = shape(1_000_000, 7);
        assert_eq!((shape.conversations, shape.customers, shape.days), (1_000_000, 200_000, 730));
        assert!(!shape.contract_examples);
        for seed in 0..100 {
            assert!((50..=70).contains(&super::shape(300, seed).team));
        }
        assert_eq!(super::shape(3, 1).customers, 1);
    }

    #[test]
    fn accepts_only_sane_workspace_ids() {
        assert!(workspace_id("ws_bench-1").is_ok());
        for bad in ["", "ws bench", "ws/x", "wś", &"x".repeat(65)] {
            assert!(workspace_id(bad).is_err(), "{bad:?}");
        }
    }
}
