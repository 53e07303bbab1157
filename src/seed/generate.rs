//! `inbox-gateway generate`: fills a workspace with a synthetic inbox of any size, drawn
//! by the [generator](super::generator) from a seed, and written batch by batch by the
//! store's bulk load: one transaction a batch, the search index and the counts kept in
//! step, and no `IMPORTED` events (synthetic data for benchmarks, written as fast as it
//! can be). The same arguments give the same data, so running it again leaves the same state.

use std::collections::{BTreeSet, HashSet};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use serde::Serialize;
use tokio::sync::mpsc;

use super::generator::{Generator, Shape};
use crate::domain::{ImportedConversation, Timestamp, WorkspaceId};
use crate::store::{search_words, ImportEvents, Store};

/// Conversations per import transaction.
const BATCH: usize = 2_000;
/// Batches drawn ahead of the one being written, so drawing and writing overlap.
const DRAWN_AHEAD: usize = 2;
/// Off a terminal, a progress line each tenth of the way.
const PROGRESS_LINES: usize = 10;
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
    let mut written = Written::default();
    let mut progress = Progress::new(shape.conversations);
    loop {
        let asked = Instant::now();
        let Some((batch, words)) = batches.recv().await else { break };
        let received = Instant::now();
        let stored = store.import_with_words(workspace, &batch, &words, ImportEvents::Skip).await;
        stored.context("cannot write a batch")?;
        let took = received.elapsed();
        written.waiting += received - asked;
        written.writing += took;
        tracing::debug!(conversations = batch.len(), ms = took.as_millis(), "batch written");
        let before = written.conversations;
        written.add(&batch);
        if before == 0 {
            store.refresh_statistics().await.context("cannot refresh the planner's statistics")?;
        }
        progress.advance(written.conversations);
    }
    progress.finish();
    drawing.await.context("the generator failed")?;
    store.refresh_statistics().await.context("cannot refresh the planner's statistics")?;
    tracing::info!(
        writing_seconds = written.writing.as_secs_f64(),
        waiting_for_the_generator_seconds = written.waiting.as_secs_f64(),
        "generated"
    );
    Ok(written)
}

/// How far `generate` is: a bar with rate and time left when stderr is a terminal, else
/// a log line each tenth of the way (logs collected from a pipe stay readable).
enum Progress {
    Bar { bar: ProgressBar, started: Instant },
    Lines { of: usize, started: Instant, next_line: usize },
}

impl Progress {
    fn new(of: usize) -> Self {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(of as u64), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40.cyan/blue} {human_pos}/{human_len} conversations · {rate} · {elapsed} elapsed, about {eta} left",
                )
                .expect("a valid template")
                .with_key("rate", |state: &ProgressState, out: &mut dyn std::fmt::Write| {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // a rate to read
                    let _ = write!(out, "{}/s", HumanCount(state.per_sec().round() as u64));
                })
                .progress_chars("=> "),
            );
            Self::Bar { bar, started: Instant::now() }
        } else {
            Self::Lines { of, started: Instant::now(), next_line: step(of) }
        }
    }

    fn advance(&mut self, written: usize) {
        match self {
            Self::Bar { bar, .. } => bar.set_position(written as u64),
            Self::Lines { of, started, next_line } => {
                if written >= *next_line {
                    log_progress(written, *of, started.elapsed());
                    while *next_line <= written {
                        *next_line += step(*of);
                    }
                }
            }
        }
    }

    /// The bar gives way to one last line, which the log lines after it follow.
    fn finish(self) {
        if let Self::Bar { bar, started } = self {
            bar.finish_and_clear();
            let count = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
            log_progress(count(bar.position()), count(bar.length().unwrap_or_default()), started.elapsed());
        }
    }
}

/// The rows between two progress lines.
fn step(of: usize) -> usize {
    of.div_ceil(PROGRESS_LINES).max(1)
}

fn log_progress(written: usize, of: usize, elapsed: Duration) {
    let (per_second, eta_seconds) = rate_and_eta(written, of, elapsed);
    let seconds = (elapsed.as_secs_f64() * 10.0).round() / 10.0;
    tracing::info!(conversations = written, of, seconds, per_second, eta_seconds, "generating");
}

/// Rows a second so far, and the whole seconds left at that rate.
fn rate_and_eta(written: usize, of: usize, elapsed: Duration) -> (u64, u64) {
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    // a rate and a time for people to read
    {
        let per_second = written as f64 / elapsed.as_secs_f64().max(0.001);
        let left = of.saturating_sub(written) as f64 / per_second.max(f64::MIN_POSITIVE);
        (per_second.round() as u64, left.ceil().min(u64::MAX as f64) as u64)
    }
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
    fn progress_lines_come_each_tenth_with_rate_and_time_left() {
        assert_eq!(step(200_000), 20_000);
        assert_eq!(step(3), 1);
        assert_eq!(step(0), 1);
        assert_eq!(rate_and_eta(50_000, 200_000, Duration::from_secs(10)), (5_000, 30));
        assert_eq!(rate_and_eta(200_000, 200_000, Duration::from_secs(40)), (5_000, 0));
        assert_eq!(rate_and_eta(1, 3, Duration::from_secs(3)), (0, 6));
    }

    #[test]
    fn accepts_only_sane_workspace_ids() {
        assert!(workspace_id("ws_bench-1").is_ok());
        for bad in ["", "ws bench", "ws/x", "wś", &"x".repeat(65)] {
            assert!(workspace_id(bad).is_err(), "{bad:?}");
        }
    }
}
