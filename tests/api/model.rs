//! The actions against a model of the contract: random sequences of assign, status, tag
//! and note calls go to the server over HTTP and to a small in-test model. Every answer
//! (success, or which error code and field) must be the model's, every payload must show
//! the model's state, and at the end so must a read-back and the list filters.
//!
//! The seed is fixed so runs repeat; `PROPTEST_RNG_SEED=<n>` explores other sequences.

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, RngSeed, TestRunner};
use serde_json::{json, Map, Value};

use crate::helpers::{
    assert_error, assert_recent, conversation, imported_created, numbered, read_fields_as, spawn_app, Mutation,
    TestApp, LAST_ACTIVITY,
};

const CASES: u32 = 16;
const SEED: u64 = 0x1b0c_5eed;

const USERS: [&str; 3] = ["user_ana", "user_ben", "user_cy"];
/// A user no workspace has.
const GHOST: &str = "user_ghost";
/// A user of another workspace only.
const STRANGER: &str = "user_stranger";

/// Valid, normalisable and invalid tags; bulk calls add `bulk<block>_<nn>`.
const TAG_POOL: [&str; 10] = ["a", "b", "c", "d", "e", " B ", "C", "Ab:c-1", "bad tag", "_x"];
const BULK_SIZES: [usize; 3] = [10, 20, 21];
/// Tags a case's conversation starts with (`held_<nn>`), some close to the limit of 50.
const HELD_AT_START: [usize; 4] = [0, 0, 40, 46];
const RESOLUTION_NOTES: [&str; 2] = ["Flushed the tank", "Swapped thermostat"];
const NOTE_POOL: [&str; 6] = ["Gate code 4321", "  caller prefers MORNINGS  ", "valve replaced", "ok", "", "  \n "];
/// Tags whose filter totals are checked at the end of every case.
const FILTER_TAGS: [&str; 10] = ["a", "b", "c", "d", "e", "ab:c-1", "bulk0_00", "bulk1_15", "bulk2_19", "held_00"];
/// Search words whose totals are checked at the end of every case.
const SEARCH_WORDS: [&str; 4] = ["gate", "morning", "valve", "ok"];

/// The state fields every payload and read-back returns.
const STATE: &str = "status assignee { id } resolvedAt resolutionNotes tags
                     notes { id content internal } activity { kind details } lastActivityAt";

#[derive(Debug, Clone, Copy)]
enum Assignee {
    User(usize),
    Nobody,
    Ghost,
    Stranger,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Status {
    #[default]
    Open,
    Pending,
    Resolved,
}

impl Status {
    fn name(self) -> &'static str {
        match self {
            Status::Open => "OPEN",
            Status::Pending => "PENDING",
            Status::Resolved => "RESOLVED",
        }
    }
}

#[derive(Debug, Clone)]
enum Tags {
    Few(Vec<&'static str>),
    Bulk { block: usize, count: usize },
}

impl Tags {
    fn raw(&self) -> Vec<String> {
        match self {
            Tags::Few(tags) => tags.iter().map(|t| (*t).to_owned()).collect(),
            Tags::Bulk { block, count } => numbered(&format!("bulk{block}_"), 0..*count),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum NoteText {
    Pool(&'static str),
    /// This many `é`: two bytes each.
    Accents(usize),
}

impl NoteText {
    fn raw(self) -> String {
        match self {
            NoteText::Pool(text) => text.to_owned(),
            NoteText::Accents(n) => "é".repeat(n),
        }
    }
}

#[derive(Debug, Clone)]
enum Step {
    Assign(Assignee),
    SetStatus(Status, Option<&'static str>),
    AddTags(Tags),
    RemoveTags(Tags),
    AddNote(NoteText, Option<bool>),
}

impl Step {
    /// The mutation this step makes of conversation `id`.
    fn mutation(&self, id: &str) -> Mutation {
        match self {
            Step::Assign(who) => {
                let assignee = match who {
                    Assignee::User(i) => json!(USERS[*i]),
                    Assignee::Nobody => Value::Null,
                    Assignee::Ghost => json!(GHOST),
                    Assignee::Stranger => json!(STRANGER),
                };
                Mutation::assign(id, assignee)
            }
            Step::SetStatus(status, notes) => Mutation::set_status(id, status.name(), *notes),
            Step::AddTags(tags) => Mutation::add_tags(id, &tags.raw()),
            Step::RemoveTags(tags) => Mutation::remove_tags(id, &tags.raw()),
            Step::AddNote(text, internal) => Mutation::add_note(id, &text.raw(), *internal),
        }
    }
}

/// A mutation's document, its payload selecting the note, if any, and `STATE`.
fn state_query(mutation: &Mutation) -> String {
    let note = if mutation.field == "addConversationNote" { "note { id content internal }" } else { "" };
    mutation.query(&format!("{note} conversation {{ {STATE} }}"))
}

/// An error the model expects: code, and field when the contract names one.
type Refusal = (&'static str, Option<&'static str>);

/// What the model learns only from the server's answer.
#[derive(Debug)]
enum Awaiting {
    Nothing,
    ResolvedAt,
    NoteId,
}

/// The contract's view of one conversation.
#[derive(Debug, Default)]
struct Model {
    assignee: Option<usize>,
    status: Status,
    resolved_at: Option<String>,
    resolution_notes: Option<String>,
    tags: Vec<String>,
    /// `{id, content, internal}`, oldest first.
    notes: Vec<Value>,
    /// `{kind, details}`, oldest first.
    events: Vec<Value>,
}

impl Model {
    fn apply(&mut self, step: &Step) -> Result<Awaiting, Refusal> {
        match step {
            Step::Assign(who) => self.assign(*who),
            Step::SetStatus(status, notes) => self.set_status(*status, *notes),
            Step::AddTags(tags) => self.add_tags(&tags.raw()),
            Step::RemoveTags(tags) => self.remove_tags(&tags.raw()),
            Step::AddNote(text, internal) => self.add_note(&text.raw(), *internal),
        }
    }

    fn record(&mut self, kind: &str, details: &Value) {
        self.events.push(json!({"kind": kind, "details": details}));
    }

    fn assign(&mut self, who: Assignee) -> Result<Awaiting, Refusal> {
        let to = match who {
            Assignee::User(i) => Some(i),
            Assignee::Nobody => None,
            Assignee::Ghost | Assignee::Stranger => return Err(("NOT_FOUND", None)),
        };
        if to != self.assignee {
            self.assignee = to;
            match to {
                Some(i) => self.record("ASSIGNED", &json!({"assigneeId": USERS[i]})),
                None => self.record("UNASSIGNED", &json!({})),
            }
        }
        Ok(Awaiting::Nothing)
    }

    fn set_status(&mut self, to: Status, notes: Option<&str>) -> Result<Awaiting, Refusal> {
        if notes.is_some() && to != Status::Resolved {
            return Err(("BAD_USER_INPUT", Some("input.resolutionNotes")));
        }
        let from = self.status;
        let notes = notes.map(str::to_owned);
        let awaiting = match (from, to) {
            (Status::Resolved, Status::Resolved) => {
                let kept = notes.or_else(|| self.resolution_notes.clone());
                if kept == self.resolution_notes {
                    return Ok(Awaiting::Nothing);
                }
                self.resolution_notes = kept;
                Awaiting::Nothing
            }
            (_, Status::Resolved) => {
                self.resolution_notes = notes;
                self.resolved_at = None;
                Awaiting::ResolvedAt
            }
            _ if from == to => return Ok(Awaiting::Nothing),
            _ => {
                self.resolution_notes = None;
                self.resolved_at = None;
                Awaiting::Nothing
            }
        };
        self.status = to;
        self.record("STATUS_CHANGED", &json!({"from": from.name(), "to": to.name()}));
        Ok(awaiting)
    }

    fn add_tags(&mut self, raw: &[String]) -> Result<Awaiting, Refusal> {
        let added: Vec<String> = normalised_call(raw)?.into_iter().filter(|t| !self.tags.contains(t)).collect();
        if self.tags.len() + added.len() > 50 {
            return Err(TAGS_REFUSED);
        }
        if !added.is_empty() {
            self.tags.extend(added.iter().cloned());
            self.record("TAGS_ADDED", &json!({"tags": added}));
        }
        Ok(Awaiting::Nothing)
    }

    fn remove_tags(&mut self, raw: &[String]) -> Result<Awaiting, Refusal> {
        let removed: Vec<String> = normalised_call(raw)?.into_iter().filter(|t| self.tags.contains(t)).collect();
        if !removed.is_empty() {
            self.tags.retain(|t| !removed.contains(t));
            self.record("TAGS_REMOVED", &json!({"tags": removed}));
        }
        Ok(Awaiting::Nothing)
    }

    fn add_note(&mut self, raw: &str, internal: Option<bool>) -> Result<Awaiting, Refusal> {
        let content = raw.trim();
        if content.is_empty() || content.chars().count() > 10_000 {
            return Err(("BAD_USER_INPUT", Some("input.content")));
        }
        let internal = internal.unwrap_or(true);
        self.notes.push(json!({"id": null, "content": content, "internal": internal}));
        self.record("NOTE_ADDED", &json!({"noteId": null}));
        Ok(Awaiting::NoteId)
    }

    /// Takes from a successful payload what only the server can know.
    fn learn(&mut self, awaiting: &Awaiting, payload: &Value, started: DateTime<Utc>) {
        match awaiting {
            Awaiting::Nothing => {}
            Awaiting::ResolvedAt => {
                let at = &payload["conversation"]["resolvedAt"];
                assert_recent(at, started);
                self.resolved_at = at.as_str().map(str::to_owned);
            }
            Awaiting::NoteId => {
                let id = payload["note"]["id"].clone();
                assert!(id.as_str().is_some_and(|id| !id.is_empty()), "a note id: {payload}");
                let note = self.notes.last_mut().expect("the note just added");
                note["id"] = id.clone();
                let event = self.events.last_mut().expect("its NOTE_ADDED");
                event["details"]["noteId"] = id;
                assert_eq!(payload["note"], *note, "the payload's note");
            }
        }
    }

    /// The conversation as `STATE` should return it.
    fn expected(&self) -> Value {
        json!({
            "status": self.status.name(),
            "assignee": self.assignee.map(|i| json!({"id": USERS[i]})),
            "resolvedAt": self.resolved_at,
            "resolutionNotes": self.resolution_notes,
            "tags": self.tags,
            "notes": self.notes,
            "activity": self.events,
            "lastActivityAt": LAST_ACTIVITY,
        })
    }

    /// True when `word` is a prefix of some word of a note (the notes are the only text
    /// of the case's conversation that the search words can reach).
    fn notes_find(&self, word: &str) -> bool {
        self.notes.iter().any(|note| {
            note["content"]
                .as_str()
                .unwrap_or_default()
                .to_lowercase()
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w.starts_with(word))
        })
    }
}

const TAGS_REFUSED: Refusal = ("BAD_USER_INPUT", Some("input.tags"));

/// The tags of one call as the contract reads them: 1 to 20 given, each trimmed,
/// lower-cased and matching `^[a-z0-9][a-z0-9_:-]{0,63}$`, duplicates counted once.
fn normalised_call(raw: &[String]) -> Result<Vec<String>, Refusal> {
    if raw.is_empty() || raw.len() > 20 {
        return Err(TAGS_REFUSED);
    }
    let mut tags: Vec<String> = Vec::new();
    for tag in raw {
        let tag = tag.trim().to_lowercase();
        if !is_valid_tag(&tag) {
            return Err(TAGS_REFUSED);
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    Ok(tags)
}

fn is_valid_tag(tag: &str) -> bool {
    let mut chars = tag.chars();
    let starts_well = chars.next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let rest_well = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | ':' | '-'));
    starts_well && rest_well && tag.len() <= 64
}

/// A case: the tags held at the start, then the steps.
fn case() -> impl Strategy<Value = (usize, Vec<Step>)> {
    (select(HELD_AT_START.to_vec()), steps())
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let assignee = prop_oneof![
        3 => (0..USERS.len()).prop_map(Assignee::User),
        2 => Just(Assignee::Nobody),
        1 => Just(Assignee::Ghost),
        1 => Just(Assignee::Stranger),
    ];
    let status = prop_oneof![Just(Status::Open), Just(Status::Pending), Just(Status::Resolved)];
    let resolution_notes = prop::option::of(select(RESOLUTION_NOTES.to_vec()));
    let note = prop_oneof![
        5 => select(NOTE_POOL.to_vec()).prop_map(NoteText::Pool),
        1 => select(vec![10_000, 10_001]).prop_map(NoteText::Accents),
    ];
    let step = prop_oneof![
        3 => assignee.prop_map(Step::Assign),
        4 => (status, resolution_notes).prop_map(|(s, n)| Step::SetStatus(s, n)),
        4 => tags().prop_map(Step::AddTags),
        2 => tags().prop_map(Step::RemoveTags),
        3 => (note, prop::option::of(any::<bool>())).prop_map(|(t, i)| Step::AddNote(t, i)),
    ];
    prop::collection::vec(step, 1..25)
}

fn tags() -> impl Strategy<Value = Tags> {
    prop_oneof![
        4 => prop::collection::vec(select(TAG_POOL.to_vec()), 0..5).prop_map(Tags::Few),
        2 => (0..3_usize, select(BULK_SIZES.to_vec()))
            .prop_map(|(block, count)| Tags::Bulk { block, count }),
    ]
}

/// The users' conversations of this workspace, and the stranger in another one.
async fn seed_users(app: &TestApp) {
    let owners: Vec<Value> = USERS
        .iter()
        .enumerate()
        .map(|(i, user)| {
            conversation(&format!("conv_owner_{i}"), json!({"assignee": {"id": user, "name": format!("User {i}")}}))
        })
        .collect();
    app.import(&Value::Array(owners)).await;
    let (workspace, _) = app.other_workspace().await;
    let stranger = json!([conversation("conv_stranger", json!({"assignee": {"id": STRANGER, "name": "Stranger"}}))]);
    app.import_into(&workspace, &stranger).await;
}

async fn read_back(app: &TestApp, id: &str) -> Value {
    read_fields_as(app, app.own(), id, STATE).await
}

async fn run_case(app: &TestApp, id: &str, held: usize, steps: &[Step]) {
    let tags = numbered("held_", 0..held);
    app.import(&json!([conversation(id, json!({"tags": tags}))])).await;
    let mut model = Model { tags, events: vec![imported_created()], ..Model::default() };
    for (n, step) in steps.iter().enumerate() {
        let context = format!("{id} step {n}: {step:?}");
        let mutation = step.mutation(id);
        let started = Utc::now();
        let answer = app.gql(&state_query(&mutation), mutation.variables()).await;
        match model.apply(step) {
            Ok(awaiting) => {
                assert!(answer.body.get("errors").is_none(), "{context}: {}", answer.body);
                let payload = &answer.body["data"][mutation.field];
                model.learn(&awaiting, payload, started);
                assert_eq!(payload["conversation"], model.expected(), "{context}");
            }
            Err((code, field)) => {
                assert_error(&answer, code, field, &context);
                assert_eq!(read_back(app, id).await, model.expected(), "{context} changed nothing");
            }
        }
    }
    assert_eq!(read_back(app, id).await, model.expected(), "{id} read back");
    assert_filters(app, id, &model).await;
}

/// The filters checked at the end of a case: alias and filter, all within the case's
/// own customer so other cases' conversations stay out.
fn filters(model: &Model) -> Vec<(String, String, bool)> {
    let mut filters = Vec::new();
    for (i, tag) in FILTER_TAGS.iter().enumerate() {
        let has = model.tags.iter().any(|t| t == tag);
        filters.push((format!("tag{i}"), format!("tags: [{tag:?}]"), has));
    }
    let has = |t: &str| model.tags.iter().any(|held| held == t);
    filters.push(("all_ab".into(), "tags: [\"A\", \" b\"], tagMatch: ALL".into(), has("a") && has("b")));
    filters.push(("any_ab".into(), "tags: [\"a\", \"b\"], tagMatch: ANY".into(), has("a") || has("b")));
    for (i, word) in SEARCH_WORDS.iter().enumerate() {
        filters.push((format!("search{i}"), format!("search: {word:?}"), model.notes_find(word)));
    }
    for status in [Status::Open, Status::Pending, Status::Resolved] {
        let name = status.name();
        filters.push((name.to_lowercase(), format!("status: {name}"), model.status == status));
    }
    for (i, user) in USERS.iter().enumerate() {
        filters.push((format!("user{i}"), format!("assigneeId: {user:?}"), model.assignee == Some(i)));
    }
    filters
}

/// Every filter of `filters`, a few a query (within the root field and complexity
/// limits), whose totals must be 1 exactly where the model says the conversation matches.
async fn assert_filters(app: &TestApp, id: &str, model: &Model) {
    for filters in filters(model).chunks(8) {
        let fields: Vec<String> = filters
            .iter()
            .map(|(alias, filter, _)| {
                format!(
                    "{alias}: conversations(filter: {{customerId: $customer, {filter}}}) {{ pagination {{ total }} }}"
                )
            })
            .collect();
        let query = format!("query($customer: ID!) {{ {} }}", fields.join("\n"));
        let answer = app.gql(&query, json!({"customer": format!("cust_{id}")})).await;
        let expected: Map<String, Value> = filters
            .iter()
            .map(|(alias, _, matches)| (alias.clone(), json!({"pagination": {"total": i32::from(*matches)}})))
            .collect();
        assert_eq!(*answer.data(), Value::Object(expected), "{id} filters");
    }
}

fn config() -> Config {
    let defaults = Config::default();
    let rng_seed = match defaults.rng_seed {
        RngSeed::Random => RngSeed::Fixed(SEED),
        chosen @ RngSeed::Fixed(_) => chosen,
    };
    Config { cases: CASES, max_shrink_iters: 200, failure_persistence: None, rng_seed, ..defaults }
}

#[test]
fn random_action_sequences_agree_with_the_model() {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let app = runtime.block_on(async {
        let app = spawn_app().await;
        seed_users(&app).await;
        app
    });
    let next_case = AtomicUsize::new(0);

    let result = TestRunner::new(config()).run(&case(), |(held, steps)| {
        let id = format!("conv_case_{}", next_case.fetch_add(1, Ordering::Relaxed));
        runtime.block_on(run_case(&app, &id, held, &steps));
        Ok(())
    });

    runtime.block_on(async move { drop(app) });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
