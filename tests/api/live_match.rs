//! The filter's in-memory match is its SQL (contract section 5): live subscriptions decide
//! `matches` in memory (`ConversationFilter::matches`), lists decide it in the store. For
//! random inboxes, imported in two batches through the import path, and random filters
//! parsed as the transports parse them, the conversations a `conversations` query walks
//! to its end (by offset or by cursor), and its `total`, are exactly those the in-memory
//! match accepts over the facts and texts the store holds.
//!
//! The seed is fixed so runs repeat; `PROPTEST_RNG_SEED=<n>` explores other inboxes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};

use inbox_gateway::domain::{
    Channel, ConversationFilter, ConversationStatus, FilterFacts, FilterField, FilterInput, Priority, SearchText,
    StatusFilter, TagMatch, WorkspaceId,
};
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use proptest::test_runner::{Config, RngSeed, TestRunner};
use serde_json::{json, Map, Value};

use crate::helpers::{ids_of, spawn_app, TestApp};

/// Inboxes; each is asked [`FILTERS_PER_INBOX`] filters.
const CASES: u32 = 16;
const FILTERS_PER_INBOX: std::ops::RangeInclusive<usize> = 9..=11;
const SEED: u64 = 0x11fe_3a7c;

const CHANNELS: [&str; 4] = ["voice", "sms", "email", "live_chat"];
const STATUSES: [&str; 3] = ["open", "pending", "resolved"];
const PRIORITIES: [&str; 4] = ["urgent", "high", "normal", "low"];
const SORTS: [&str; 5] = ["LAST_ACTIVITY_DESC", "LAST_ACTIVITY_ASC", "CREATED_DESC", "CREATED_ASC", "PRIORITY_DESC"];
const USERS: [&str; 3] = ["user_ana", "user_ben", "user_cy"];
const TAGS: [&str; 6] = ["hvac", "vip", "emergency", "zone-1", "zone:2", "water_heater"];
/// Filter tags as a client may write them: normalised by the filter, or held by no one.
const FILTER_TAGS: [&str; 7] = ["hvac", " VIP ", "Emergency", "zone-1", "zone:2", "water_heater", "nope"];

/// A customer as one conversation of a file writes it: (name, email, phone).
type Person = (&'static str, Option<&'static str>, Option<&'static str>);

/// Customers by id, each written two ways: files need not agree on a customer, the
/// last one written wins (section 6), and that one is what a search reads.
const CUSTOMERS: [(&str, [Person; 2]); 5] = [
    (
        "cust_jose",
        [
            ("José Álvarez", Some("jose.alvarez@example.com"), Some("+1 (310) 555-1234")),
            ("Pepe Álvarez", Some("pepe@correo.es"), Some("310-555-9876")),
        ],
    ),
    (
        "cust_anna",
        [
            ("Anna Müller", Some("anna.mueller@example.de"), Some("+49 30 1234567")),
            ("Anna Mueller", None, Some("+4930.123.4567")),
        ],
    ),
    ("cust_bjorn", [("Bjørn Lie", None, Some("5551234")), ("Bjorn Lie", Some("bjorn@lie.no"), None)]),
    (
        "cust_john",
        [
            ("John Smith", Some("john.smith@example.com"), Some("+13105551234")),
            ("Johnny Smith", Some("john.smith@example.com"), Some("(310) 555-1234")),
        ],
    ),
    (
        "cust_lukasz",
        [
            ("Łukasz Nowak", Some("lukasz@nowak.pl"), None),
            ("Łukasz Nowak-Kowalski", Some("l.nowak@example.com"), Some("+48 22 555 12 34")),
        ],
    ),
];

/// Summaries, message bodies and note contents.
const TEXTS: [&str; 16] = [
    "No hot water - water-heater leaking",
    "Furnace making a loud noise",
    "Call me back at 555-1234",
    "Müller asked about the maintenance plan",
    "José will be home after 5",
    "Thermostat shows wrong temperature",
    "Straße 4B, 2nd floor",
    "北京 office needs a ﬁx",
    "Gate code 4411, dog in yard",
    "Email sent to jose.alvarez@example.com",
    "heater ok",
    "ÉCOLE district, résumé attached",
    "Søren says the flue is blocked",
    "!!!",
    "  padded note  ",
    "HVAC tune-up booked",
];

/// Times of day, some at the edges of a day and some in other offsets.
const TIMES: [&str; 8] = [
    "00:00:00Z",
    "08:30:00Z",
    "12:00:00Z",
    "23:59:59Z",
    "23:59:59.999999Z",
    "14:15:16.5Z",
    "05:00:00+05:00",
    "22:30:00-03:00",
];

/// Searches chosen for their edges: phone fragments, several words, folding, no words.
const SEARCHES: [&str; 28] = [
    "555-1234",
    "(310) 555",
    "310.555.1234",
    "+1 310",
    "5551234",
    "1234",
    "123",
    "4930 123",
    "water heater",
    "water-heater",
    "hot wat",
    "JOSÉ",
    "jose alv",
    "Müller",
    "muller",
    "mueller",
    "bjørn",
    "example.com",
    "jose.alvarez@example.com",
    "北京",
    "ﬁx",
    "strasse",
    "",
    "   ",
    "--",
    "!!! ...",
    "zzz",
    "4b 2nd",
];

/// Words whose prefixes random searches are made of.
const WORDS: [&str; 30] = [
    "water",
    "heater",
    "furnace",
    "muller",
    "jose",
    "josé",
    "álvarez",
    "bjørn",
    "bjorn",
    "łukasz",
    "nowak",
    "kowalski",
    "example",
    "com",
    "smith",
    "johnny",
    "thermostat",
    "straße",
    "4b",
    "北京",
    "fix",
    "gate",
    "4411",
    "ecole",
    "resume",
    "maintenance",
    "søren",
    "tune",
    "pepe",
    "zzz",
];

#[derive(Debug, Clone)]
struct Conversation {
    channel: &'static str,
    status: &'static str,
    priority: &'static str,
    assignee: Option<&'static str>,
    /// Index into [`CUSTOMERS`], and which way this file writes the customer.
    customer: (usize, usize),
    day: u32,
    time: &'static str,
    tags: Vec<&'static str>,
    summary: Option<&'static str>,
    messages: Vec<&'static str>,
    notes: Vec<&'static str>,
}

impl Conversation {
    /// The conversation in the import format; `copy` tells apart the note ids of the
    /// copies of one conversation a file holds.
    fn file(&self, id: &str, copy: usize) -> Value {
        let (index, way) = self.customer;
        let (customer_id, ways) = CUSTOMERS[index];
        let (name, email, phone) = ways[way];
        let created_at = format!("2024-01-{:02}T{}", self.day, self.time);
        let messages: Vec<Value> = (self.messages.iter().enumerate())
            .map(|(k, body)| json!({"body": body, "direction": "inbound", "sent_at": format!("2024-02-01T10:{k:02}:00Z")}))
            .collect();
        let notes: Vec<Value> = (self.notes.iter().enumerate())
            .map(|(k, content)| json!({"id": format!("note_{id}_{copy}_{k}"), "content": content, "created_at": "2024-02-02T00:00:00Z"}))
            .collect();
        json!({
            "id": id, "channel": self.channel, "status": self.status, "priority": self.priority,
            "customer": {"id": customer_id, "name": name, "email": email, "phone": phone},
            "assignee": self.assignee.map(|user| json!({"id": user, "name": format!("Tech {user}")})),
            "summary": self.summary, "tags": self.tags, "created_at": created_at,
            "messages": messages, "notes": notes,
        })
    }
}

/// An inbox: its conversations, the first `split` of them imported first, the rest then
/// with `again` (conversations of the first batch written anew) in a second import.
#[derive(Debug, Clone)]
struct Inbox {
    conversations: Vec<Conversation>,
    split: usize,
    again: Vec<(usize, Conversation)>,
}

impl Inbox {
    fn batches(&self) -> [Value; 2] {
        let id = |i: usize| format!("conv_{i:03}");
        let file = |(i, c): (usize, &Conversation)| c.file(&id(i), 0);
        let first: Vec<Value> = self.conversations.iter().enumerate().take(self.split).map(file).collect();
        let mut second: Vec<Value> = self.conversations.iter().enumerate().skip(self.split).map(file).collect();
        second.extend(self.again.iter().enumerate().map(|(copy, (i, c))| c.file(&id(i % self.split), copy + 1)));
        [Value::Array(first), Value::Array(second)]
    }

    fn ids(&self) -> Vec<String> {
        (0..self.conversations.len()).map(|i| format!("conv_{i:03}")).collect()
    }
}

fn conversation() -> impl Strategy<Value = Conversation> {
    let text = || select(TEXTS.to_vec());
    (
        (
            select(CHANNELS.to_vec()),
            select(STATUSES.to_vec()),
            select(PRIORITIES.to_vec()),
            prop::option::weighted(0.7, select(USERS.to_vec())),
            (0..CUSTOMERS.len(), prop_oneof![3 => Just(0_usize), 1 => Just(1_usize)]),
        ),
        (
            1..=28_u32,
            select(TIMES.to_vec()),
            subsequence(TAGS.to_vec(), 0..=3),
            prop::option::weighted(0.8, text()),
            prop::collection::vec(text(), 0..=2),
            prop::collection::vec(text(), 0..=2),
        ),
    )
        .prop_map(
            |((channel, status, priority, assignee, customer), (day, time, tags, summary, messages, notes))| {
                Conversation {
                    channel,
                    status,
                    priority,
                    assignee,
                    customer,
                    day,
                    time,
                    tags,
                    summary,
                    messages,
                    notes,
                }
            },
        )
}

fn inbox() -> impl Strategy<Value = Inbox> {
    prop::collection::vec(conversation(), 70..=90).prop_flat_map(|conversations| {
        let n = conversations.len();
        (Just(conversations), n / 3..=n * 2 / 3, prop::collection::vec((0..n, conversation()), 0..=6))
            .prop_map(|(conversations, split, again)| Inbox { conversations, split, again })
    })
}

/// A bound of the date range: a full date, or a date-time at one of [`TIMES`].
#[derive(Debug, Clone)]
struct Bound {
    day: u32,
    time: Option<&'static str>,
}

impl Bound {
    fn text(&self) -> String {
        match self.time {
            None => format!("2024-01-{:02}", self.day),
            Some(time) => format!("2024-01-{:02}T{time}", self.day),
        }
    }
}

/// A filter as a client sends it.
#[derive(Debug, Clone)]
struct Filter {
    status: Option<&'static str>,
    /// `Some(vec![])` is sent as `[]`, which means every channel.
    channels: Option<Vec<&'static str>>,
    assignee: Option<&'static str>,
    customer: Option<&'static str>,
    from: Option<Bound>,
    to: Option<Bound>,
    search: Option<String>,
    tags: Option<Vec<&'static str>>,
    tag_match: Option<&'static str>,
    priority: Option<&'static str>,
    /// How the answer is walked: sort, page size, and by cursor rather than offset.
    sort: &'static str,
    limit: i64,
    by_cursor: bool,
}

impl Filter {
    fn variables(&self) -> Value {
        let mut filter = Map::new();
        let upper = |s: &str| json!(s.to_uppercase());
        let mut put = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                filter.insert(key.to_owned(), value);
            }
        };
        put("status", self.status.map(upper));
        put("channels", self.channels.as_ref().map(|list| list.iter().map(|c| upper(c)).collect()));
        put("assigneeId", self.assignee.map(|a| json!(a)));
        put("customerId", self.customer.map(|c| json!(c)));
        put("dateFrom", self.from.as_ref().map(|b| json!(b.text())));
        put("dateTo", self.to.as_ref().map(|b| json!(b.text())));
        put("search", self.search.as_ref().map(|s| json!(s)));
        put("tags", self.tags.as_ref().map(|t| json!(t)));
        put("tagMatch", self.tag_match.map(upper));
        put("priority", self.priority.map(upper));
        json!({"filter": filter, "sort": self.sort, "limit": self.limit})
    }

    /// The filter as the transports parse it.
    fn parse(&self) -> Result<ConversationFilter, FilterField> {
        let status = match self.status {
            None | Some("all") => StatusFilter::All,
            Some(status) => StatusFilter::Only(status.parse::<ConversationStatus>().expect("a status")),
        };
        let channels: Vec<Channel> = self.channels.iter().flatten().map(|c| c.parse().expect("a channel")).collect();
        let tags: Vec<String> = self.tags.iter().flatten().map(|t| (*t).to_owned()).collect();
        let from = self.from.as_ref().map(Bound::text);
        let to = self.to.as_ref().map(Bound::text);
        let input = FilterInput {
            status,
            channels,
            assignee_id: self.assignee.map(str::to_owned),
            customer_id: self.customer.map(str::to_owned),
            date_from: from.as_deref(),
            date_to: to.as_deref(),
            search: self.search.as_deref(),
            tags: &tags,
            tag_match: if self.tag_match == Some("all") { TagMatch::All } else { TagMatch::Any },
            priority: self.priority.map(|p| p.parse::<Priority>().expect("a priority")),
        };
        input.parse().map_err(|(field, _)| field)
    }
}

fn bound() -> impl Strategy<Value = Bound> {
    (1..=29_u32, prop::option::weighted(0.6, select(TIMES.to_vec()))).prop_map(|(day, time)| Bound { day, time })
}

/// Prefixes of known words, in either case, joined by spaces or punctuation.
fn prefixes() -> impl Strategy<Value = String> {
    let word = (select(WORDS.to_vec()), 1..=7_usize, prop::bool::weighted(0.2)).prop_map(|(word, cut, upper)| {
        let prefix: String = word.chars().take(cut).collect();
        if upper {
            prefix.to_uppercase()
        } else {
            prefix
        }
    });
    (prop::collection::vec(word, 1..=3), select(vec![" ", "  ", "-", ", ", "."]))
        .prop_map(|(words, sep)| words.join(sep))
}

fn search() -> impl Strategy<Value = String> {
    prop_oneof![select(SEARCHES.to_vec()).prop_map(str::to_owned), prefixes()]
}

fn filter() -> impl Strategy<Value = Filter> {
    let customers: Vec<&str> = CUSTOMERS.iter().map(|(id, _)| *id).chain(["cust_ghost"]).collect();
    (
        (
            prop::option::weighted(0.5, select(vec!["open", "pending", "resolved", "all"])),
            prop::option::weighted(0.35, prop::collection::vec(select(CHANNELS.to_vec()), 0..=3)),
            prop::option::weighted(0.2, select(vec![USERS[0], USERS[1], USERS[2], "user_ghost"])),
            prop::option::weighted(0.2, select(customers)),
            prop::option::weighted(0.35, bound()),
            prop::option::weighted(0.35, bound()),
            prop::bool::weighted(0.3),
        ),
        (
            prop::option::weighted(0.6, search()),
            prop::option::weighted(0.35, prop::collection::vec(select(FILTER_TAGS.to_vec()), 0..=3)),
            prop::option::of(select(vec!["any", "all"])),
            prop::option::weighted(0.25, select(PRIORITIES.to_vec())),
            (select(SORTS.to_vec()), prop_oneof![Just(100_i64), 7..=40_i64], any::<bool>()),
        ),
    )
        .prop_map(|((status, channels, assignee, customer, from, to, reversed), rest)| {
            let (search, tags, tag_match, priority, (sort, limit, by_cursor)) = rest;
            // Mostly an ordered range; a reversed one, which both sides must refuse, now
            // and then.
            let (from, to) = match (from, to) {
                (Some(f), Some(t)) if f.day > t.day && !reversed => (Some(t), Some(f)),
                pair => pair,
            };
            Filter {
                status,
                channels,
                assignee,
                customer,
                from,
                to,
                search,
                tags,
                tag_match,
                priority,
                sort,
                limit,
                by_cursor,
            }
        })
}

/// What the store holds of an inbox: each conversation's facts and search text.
struct Stored {
    facts: BTreeMap<String, FilterFacts>,
    texts: HashMap<String, SearchText>,
}

impl Stored {
    async fn read(app: &TestApp, workspace: &WorkspaceId, ids: &[String]) -> Self {
        let conversations = app.store.conversations_by_ids(workspace, ids).await.expect("the conversations");
        let tags = app.store.tags_by_conversations(workspace, ids).await.expect("their tags");
        let texts = app.store.search_texts(workspace, ids).await.expect("their texts");
        assert_eq!(conversations.len(), ids.len(), "every conversation was imported");
        let facts = conversations.iter().map(|(id, c)| (id.clone(), FilterFacts::of(c, &tags[id]))).collect();
        Self { facts, texts }
    }

    /// The conversations the filter matches in memory.
    fn matching(&self, filter: &ConversationFilter) -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        for (id, facts) in &self.facts {
            let text = self.texts.get(id);
            let matches = filter.matches(facts, text);
            if !filter.needs_text() {
                assert_eq!(filter.matches(facts, None), matches, "{id}: a filter that needs no text ignores it");
            }
            if matches {
                found.insert(id.clone());
            }
        }
        found
    }
}

const LIST: &str =
    "query($filter: ConversationFilter, $sort: ConversationSort, $limit: Int, $offset: Int, $after: String) {
  conversations(filter: $filter, sort: $sort, limit: $limit, offset: $offset, after: $after) {
    conversations { id } pagination { total hasMore nextCursor } } }";

/// Pages of a filter a `conversations` query is walked through, at most.
const MAX_PAGES: usize = 20;

/// The ids the server finds for a filter, walked page by page to the end, and its total;
/// or its refusal.
async fn server_ids(app: &TestApp, who: (&str, &str), filter: &Filter) -> Result<(BTreeSet<String>, u64), Value> {
    let mut variables = filter.variables();
    let mut found = BTreeSet::new();
    let mut offset = 0;
    for _ in 0..MAX_PAGES {
        if !filter.by_cursor {
            variables["offset"] = json!(offset);
        }
        let answer = app.gql_as(who.0, who.1, LIST, variables.clone()).await;
        if answer.body.get("errors").is_some() {
            assert!(found.is_empty(), "a later page is refused: {}", answer.body);
            return Err(answer.body);
        }
        let list = &answer.data()["conversations"];
        let page = ids_of(&list["conversations"]);
        offset += page.len();
        for id in page {
            assert!(found.insert(id.clone()), "{id} comes twice walking {variables}");
        }
        let pagination = &list["pagination"];
        let total = pagination["total"].as_u64().expect("a total");
        let next = if filter.by_cursor { pagination["nextCursor"].as_str() } else { None };
        match next {
            Some(cursor) => variables["after"] = json!(cursor),
            None if filter.by_cursor || !pagination["hasMore"].as_bool().expect("hasMore") => {
                return Ok((found, total));
            }
            None => {}
        }
    }
    panic!("{variables} is not walked in {MAX_PAGES} pages");
}

/// How the cases of a run went, to check that they were worth running.
#[derive(Default)]
struct Tally {
    filters: AtomicUsize,
    refused: AtomicUsize,
    /// Matching some conversation.
    some: AtomicUsize,
    /// Matching some conversation, but not all.
    partial: AtomicUsize,
    /// With a search that has words, matching some conversation but not all.
    partial_searches: AtomicUsize,
}

/// Counts one more when `yes`.
fn tick(counter: &AtomicUsize, yes: bool) {
    counter.fetch_add(usize::from(yes), Ordering::Relaxed);
}

/// Imports an inbox into a fresh workspace, reads it back from the store, and checks
/// every filter against it.
async fn run_case(app: &TestApp, inbox: &Inbox, filters: &[Filter], tally: &Tally) -> Result<(), TestCaseError> {
    let (workspace, key) = app.other_workspace().await;
    for batch in inbox.batches() {
        app.import_into(&workspace, &batch).await;
    }
    let ids = inbox.ids();
    let stored = Stored::read(app, &WorkspaceId::new_unchecked(&workspace), &ids).await;
    for filter in filters {
        tick(&tally.filters, true);
        let by_server = server_ids(app, (&key, &workspace), filter).await;
        let parsed = match filter.parse() {
            Ok(parsed) => parsed,
            Err(field) => {
                let refusal = by_server.expect_err("the server refuses what the parse refuses");
                let field = format!("filter.{}", graphql_name(field));
                assert_eq!(refusal["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{filter:?}: {refusal}");
                assert_eq!(refusal["errors"][0]["extensions"]["field"], json!(field), "{filter:?}: {refusal}");
                tick(&tally.refused, true);
                continue;
            }
        };
        let (found, total) = by_server.unwrap_or_else(|refusal| panic!("{filter:?} is refused: {refusal}"));
        let expected = stored.matching(&parsed);
        prop_assert_eq!(&found, &expected, "the server's and the in-memory match of {:?} ({:?})", filter, parsed);
        prop_assert_eq!(total, u64::try_from(expected.len()).unwrap(), "the total of {:?}", filter);
        let partial = !expected.is_empty() && expected.len() < ids.len();
        tick(&tally.some, !expected.is_empty());
        tick(&tally.partial, partial);
        tick(&tally.partial_searches, partial && parsed.needs_text());
    }
    Ok(())
}

/// A filter field's name in the GraphQL schema.
fn graphql_name(field: FilterField) -> &'static str {
    match field {
        FilterField::Channels => "channels",
        FilterField::DateFrom => "dateFrom",
        FilterField::DateTo => "dateTo",
        FilterField::Search => "search",
        FilterField::Tags => "tags",
    }
}

fn config() -> Config {
    let defaults = Config::default();
    let rng_seed = match defaults.rng_seed {
        RngSeed::Random => RngSeed::Fixed(SEED),
        chosen @ RngSeed::Fixed(_) => chosen,
    };
    Config { cases: CASES, max_shrink_iters: 30, failure_persistence: None, rng_seed, ..defaults }
}

#[test]
fn the_in_memory_match_finds_what_the_store_finds() {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let app = runtime.block_on(spawn_app());
    let tally = Tally::default();
    let strategy = (inbox(), prop::collection::vec(filter(), FILTERS_PER_INBOX));
    let result = TestRunner::new(config())
        .run(&strategy, |(inbox, filters)| runtime.block_on(run_case(&app, &inbox, &filters, &tally)));
    runtime.block_on(async move { drop(app) });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    let filters = tally.filters.into_inner();
    let refused = tally.refused.into_inner();
    let (some, partial, partial_searches) =
        (tally.some.into_inner(), tally.partial.into_inner(), tally.partial_searches.into_inner());
    let valid = filters - refused;
    assert!(valid >= 60, "filters checked: {valid} ({refused} refused)");
    assert!(some * 2 >= valid, "half the filters match something: {some} of {valid}");
    assert!(partial * 5 >= valid * 2, "two in five match some but not all: {partial} of {valid}");
    assert!(partial_searches * 5 >= valid, "one in five are searches that tell apart: {partial_searches} of {valid}");
}
