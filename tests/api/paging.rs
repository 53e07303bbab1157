//! Offset paging against one answer computed in the test: random data sets are imported,
//! each into a workspace of its own, then random filters (every field of
//! `ConversationFilter`), sorts, limits and offsets go to the server. Every page must be
//! the matching slice of the whole answer the test computes from the imported data
//! alone, and `total` and `hasMore` must agree with it.
//!
//! The seed is fixed so runs repeat; `PROPTEST_RNG_SEED=<n>` explores other data.

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};

use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use proptest::test_runner::{Config, RngSeed, TestRunner};
use serde_json::{json, Map, Value};

use crate::helpers::{ids_of, spawn_app, TestApp};

const CASES: u32 = 32;
const SEED: u64 = 0x9a9e_5eed;

const CHANNELS: [&str; 4] = ["voice", "sms", "email", "live_chat"];
const STATUSES: [&str; 3] = ["open", "pending", "resolved"];
/// Highest first, as `PRIORITY_DESC` orders them.
const PRIORITIES: [&str; 4] = ["urgent", "high", "normal", "low"];
const SORTS: [&str; 5] = ["LAST_ACTIVITY_DESC", "LAST_ACTIVITY_ASC", "CREATED_DESC", "CREATED_ASC", "PRIORITY_DESC"];
/// Few tags, so that conversations often carry several of a filter's tags.
const TAGS: [&str; 5] = ["urgent_fix", "vip", "hvac", "follow_up", "billing"];
const USERS: [&str; 3] = ["user_ana", "user_ben", "user_cy"];
/// (name, email) of customer `cust_<i>`; its phone is `+1310555<i:04>`.
const CUSTOMERS: [(&str, &str); 5] = [
    ("Maria Lopez", "maria@example.com"),
    ("John Smith", "jsmith@heating.example"),
    ("Priya Patel", "priya.patel@example.org"),
    ("Tom O'Brien", "tom@plumbing.example"),
    ("Lena Fischer", "lena@example.net"),
];
const TEXTS: [&str; 8] = [
    "No hot water since Monday",
    "Water heater leaking in the basement",
    "Furnace makes a loud noise",
    "Thermostat shows the wrong temperature",
    "Question about a maintenance plan",
    "Breaker keeps tripping",
    "Gate code is 4411",
    "Customer prefers morning visits",
];
/// Search words; a query takes a prefix of one or two of them.
const SEARCH_WORDS: [&str; 14] = [
    "water",
    "heater",
    "hot",
    "furnace",
    "noise",
    "thermostat",
    "maintenance",
    "breaker",
    "gate",
    "morning",
    "maria",
    "smith",
    "example",
    "plumbing",
];
/// Days of the data set, from the day `at(0)` falls on; a conversation is created at one
/// of `HOURS` hours of one of them.
const DAYS: u32 = 4;
const HOURS: u32 = 6;

/// One imported conversation, as the test knows it.
#[derive(Debug, Clone)]
struct Row {
    channel: usize,
    status: usize,
    priority: usize,
    customer: usize,
    assignee: Option<usize>,
    /// Hours since the start of the first day.
    created: u32,
    /// Hours after `created`.
    idle: u32,
    tags: Vec<&'static str>,
    summary: usize,
    message: Option<usize>,
    note: Option<usize>,
}

impl Row {
    fn id(i: usize) -> String {
        format!("conv_{i:03}")
    }

    fn last_activity(&self) -> u32 {
        self.created + self.idle
    }

    /// The row in the import format.
    fn import(&self, i: usize) -> Value {
        let (name, email) = CUSTOMERS[self.customer];
        let mut c = json!({
            "id": Row::id(i), "channel": CHANNELS[self.channel], "status": STATUSES[self.status],
            "priority": PRIORITIES[self.priority],
            "customer": {"id": format!("cust_{}", self.customer), "name": name, "email": email, "phone": phone(self.customer)},
            "assignee": self.assignee.map(|u| json!({"id": USERS[u], "name": format!("Tech {u}")})),
            "summary": TEXTS[self.summary], "tags": self.tags,
            "created_at": at(self.created), "last_activity_at": at(self.last_activity()),
        });
        if let Some(m) = self.message {
            c["messages"] =
                json!([{"id": "m1", "direction": "inbound", "body": TEXTS[m], "sent_at": at(self.created)}]);
        }
        if let Some(n) = self.note {
            c["notes"] = json!([{"id": format!("note_{i}"), "content": TEXTS[n], "created_at": at(self.created)}]);
        }
        c
    }

    /// The words of its searchable text.
    fn words(&self) -> Vec<String> {
        let (name, email) = CUSTOMERS[self.customer];
        let texts = [Some(TEXTS[self.summary]), self.message.map(|m| TEXTS[m]), self.note.map(|n| TEXTS[n])];
        words_of(&texts.into_iter().flatten().chain([name, email]).collect::<Vec<_>>().join(" "))
    }
}

/// Folded words; the data set and the queries are ASCII, so folding is lower-casing.
fn words_of(text: &str) -> Vec<String> {
    text.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn phone(customer: usize) -> String {
    format!("+1310555{customer:04}")
}

/// Hours since the start of the first day, as an RFC 3339 date-time.
fn at(hours: u32) -> String {
    (start() + TimeDelta::hours(i64::from(hours))).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Day `day` of the data set, as a full date.
fn date(day: u32) -> String {
    (start() + TimeDelta::days(i64::from(day))).format("%Y-%m-%d").to_string()
}

fn start() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2024, 3, 4).expect("a date").and_time(NaiveTime::MIN)
}

/// A bound of `dateFrom` or `dateTo`: a date-time, or a full date (the whole day).
#[derive(Debug, Clone, Copy)]
enum Bound {
    Hour(u32),
    Day(u32),
}

impl Bound {
    fn json(self) -> Value {
        match self {
            Bound::Hour(h) => json!(at(h)),
            Bound::Day(d) => json!(date(d)),
        }
    }

    /// The first hour it admits as a `dateFrom`.
    fn first_hour(self) -> u32 {
        match self {
            Bound::Hour(h) => h,
            Bound::Day(d) => d * 24,
        }
    }

    /// The last hour it admits as a `dateTo`.
    fn last_hour(self) -> u32 {
        match self {
            Bound::Hour(h) => h,
            Bound::Day(d) => d * 24 + 23,
        }
    }
}

#[derive(Debug, Clone)]
enum Search {
    /// Prefixes of search words, and how they are written.
    Words(Vec<String>),
    /// A fragment of a customer's phone digits, maybe written with a dash.
    Phone(String),
}

impl Search {
    fn raw(&self) -> String {
        match self {
            Search::Words(words) => words.join(" "),
            Search::Phone(digits) => digits.clone(),
        }
    }

    /// The contract's two ways to match: every query word a prefix of a word of the
    /// text, or a phone fragment of 4 or more digits in the customer's phone digits.
    fn matches(&self, row: &Row) -> bool {
        let raw = self.raw();
        let own = row.words();
        let by_words = words_of(&raw).iter().all(|w| own.iter().any(|o| o.starts_with(w.as_str())));
        let fragment: String = raw.chars().filter(|c| !matches!(c, ' ' | '+' | '-' | '(' | ')' | '.')).collect();
        let is_fragment = fragment.len() >= 4 && fragment.chars().all(|c| c.is_ascii_digit());
        let phone_digits: String = phone(row.customer).chars().filter(char::is_ascii_digit).collect();
        by_words || (is_fragment && phone_digits.contains(&fragment))
    }
}

/// A `ConversationFilter`, every field optional.
#[derive(Debug, Clone, Default)]
struct Filter {
    /// An index of `STATUSES`, or `STATUSES.len()` for ALL.
    status: Option<usize>,
    channels: Option<Vec<usize>>,
    /// An index of `USERS`, or `USERS.len()` for a user nobody has.
    assignee: Option<usize>,
    /// An index of `CUSTOMERS`, or `CUSTOMERS.len()` for one nobody has.
    customer: Option<usize>,
    from: Option<Bound>,
    to: Option<Bound>,
    search: Option<Search>,
    /// As sent: some upper-cased or padded, as clients may.
    tags: Option<Vec<String>>,
    all_tags: Option<bool>,
    priority: Option<usize>,
}

impl Filter {
    fn json(&self) -> Value {
        let mut f = Map::new();
        if let Some(s) = self.status {
            f.insert("status".into(), json!(STATUSES.get(s).map_or("ALL".to_owned(), |s| s.to_uppercase())));
        }
        if let Some(channels) = &self.channels {
            f.insert("channels".into(), channels.iter().map(|c| CHANNELS[*c].to_uppercase()).collect());
        }
        if let Some(a) = self.assignee {
            f.insert("assigneeId".into(), json!(USERS.get(a).copied().unwrap_or("user_nobody")));
        }
        if let Some(c) = self.customer {
            f.insert("customerId".into(), json!(format!("cust_{c}")));
        }
        if let Some(from) = self.from {
            f.insert("dateFrom".into(), from.json());
        }
        if let Some(to) = self.to {
            f.insert("dateTo".into(), to.json());
        }
        if let Some(search) = &self.search {
            f.insert("search".into(), json!(search.raw()));
        }
        if let Some(tags) = &self.tags {
            f.insert("tags".into(), json!(tags));
        }
        if let Some(all) = self.all_tags {
            f.insert("tagMatch".into(), json!(if all { "ALL" } else { "ANY" }));
        }
        if let Some(p) = self.priority {
            f.insert("priority".into(), json!(PRIORITIES[p].to_uppercase()));
        }
        Value::Object(f)
    }

    fn matches(&self, row: &Row) -> bool {
        let tags: Vec<String> =
            self.tags.iter().flatten().map(|t| t.trim().to_lowercase()).collect::<BTreeSet<_>>().into_iter().collect();
        let carries = |t: &String| row.tags.iter().any(|held| held == t);
        let tags_match = tags.is_empty()
            || if self.all_tags == Some(true) { tags.iter().all(carries) } else { tags.iter().any(carries) };
        self.status.is_none_or(|s| s == STATUSES.len() || s == row.status)
            && self.channels.as_ref().is_none_or(|cs| cs.is_empty() || cs.contains(&row.channel))
            && self.assignee.is_none_or(|a| row.assignee == Some(a))
            && self.customer.is_none_or(|c| c == row.customer)
            && self.from.is_none_or(|b| row.created >= b.first_hour())
            && self.to.is_none_or(|b| row.created <= b.last_hour())
            && self.search.as_ref().is_none_or(|s| s.matches(row))
            && tags_match
            && self.priority.is_none_or(|p| p == row.priority)
    }
}

/// The ids of the rows `filter` matches, in `sort` order with the contract's tie-breakers.
fn expected(rows: &[Row], filter: &Filter, sort: &str) -> Vec<String> {
    let mut found: Vec<(usize, &Row)> = rows.iter().enumerate().filter(|(_, r)| filter.matches(r)).collect();
    found.sort_by(|(i, a), (j, b)| {
        let (ia, ib) = (Row::id(*i), Row::id(*j));
        match sort {
            "LAST_ACTIVITY_DESC" => (b.last_activity(), ib).cmp(&(a.last_activity(), ia)),
            "LAST_ACTIVITY_ASC" => (a.last_activity(), ia).cmp(&(b.last_activity(), ib)),
            "CREATED_DESC" => (b.created, ib).cmp(&(a.created, ia)),
            "CREATED_ASC" => (a.created, ia).cmp(&(b.created, ib)),
            // A lower index of PRIORITIES is a higher priority.
            _ => (a.priority, b.last_activity(), ib).cmp(&(b.priority, a.last_activity(), ia)),
        }
    });
    found.into_iter().map(|(i, _)| Row::id(i)).collect()
}

/// A filter, a sort, and the pages asked of it: each a limit and where its offset lies,
/// in thousandths of the way from the first match to a little past the last.
#[derive(Debug, Clone)]
struct Walk {
    filter: Filter,
    sort: &'static str,
    pages: Vec<(usize, usize)>,
}

fn row() -> impl Strategy<Value = Row> {
    let text = 0..TEXTS.len();
    (
        (0..CHANNELS.len(), 0..STATUSES.len(), 0..PRIORITIES.len(), 0..CUSTOMERS.len()),
        (prop::option::of(0..USERS.len()), 0..(DAYS * 24), 0..3_u32),
        (subsequence(TAGS.to_vec(), 0..=4), text.clone(), prop::option::of(text.clone()), prop::option::of(text)),
    )
        .prop_map(
            |((channel, status, priority, customer), (assignee, created, idle), (tags, summary, message, note))| {
                // Conversations start at one of a few hours of each day, so sort keys tie often.
                let created = created / 24 * 24 + created % HOURS * 4;
                Row { channel, status, priority, customer, assignee, created, idle, tags, summary, message, note }
            },
        )
}

fn bound() -> impl Strategy<Value = Bound> {
    prop_oneof![(0..(DAYS * 24)).prop_map(Bound::Hour), (0..DAYS).prop_map(Bound::Day),]
}

fn search() -> impl Strategy<Value = Search> {
    let prefix = (select(SEARCH_WORDS.to_vec()), 1..8_usize, any::<bool>()).prop_map(|(word, len, upper)| {
        let prefix = &word[..len.min(word.len())];
        if upper {
            prefix.to_uppercase()
        } else {
            prefix.to_owned()
        }
    });
    let phone_fragment =
        (0..CUSTOMERS.len(), 0..8_usize, 4..9_usize, any::<bool>()).prop_map(|(c, start, len, dash)| {
            let digits: String = phone(c).chars().filter(char::is_ascii_digit).collect();
            let start = start.min(digits.len() - 4);
            let fragment = &digits[start..(start + len).min(digits.len())];
            if dash {
                format!("{}-{}", &fragment[..2], &fragment[2..])
            } else {
                fragment.to_owned()
            }
        });
    prop_oneof![
        3 => prop::collection::vec(prefix, 1..=2).prop_map(Search::Words),
        1 => phone_fragment.prop_map(Search::Phone),
    ]
}

fn filter_tags() -> impl Strategy<Value = Vec<String>> {
    let tag = (select(TAGS.to_vec()), 0..4_u8).prop_map(|(tag, how)| match how {
        0 => tag.to_uppercase(),
        1 => format!(" {tag} "),
        _ => tag.to_owned(),
    });
    prop::collection::vec(tag, 0..=4)
}

fn filter() -> impl Strategy<Value = Filter> {
    // Each field is set now and then, so most filters match enough rows to page through.
    fn sometimes<T: std::fmt::Debug>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Option<T>> {
        prop::option::weighted(0.25, s)
    }
    (
        (
            sometimes(0..=STATUSES.len()),
            sometimes(subsequence((0..CHANNELS.len()).collect::<Vec<_>>(), 0..=3)),
            sometimes(0..=USERS.len()),
            sometimes(0..=CUSTOMERS.len()),
            sometimes(bound()),
        ),
        (
            sometimes(bound()),
            prop::option::weighted(0.2, search()),
            prop::option::weighted(0.7, filter_tags()),
            prop::option::of(any::<bool>()),
            sometimes(0..PRIORITIES.len()),
        ),
    )
        .prop_map(|((status, channels, assignee, customer, from), (to, search, tags, all_tags, priority))| {
            // dateFrom after dateTo is refused; this test is about the pages of valid filters.
            let (from, to) = match (from, to) {
                (Some(f), Some(t)) if f.first_hour() > t.last_hour() => (Some(t), Some(f)),
                pair => pair,
            };
            let (from, to) = match (from, to) {
                (Some(f), Some(t)) if f.first_hour() > t.last_hour() => (None, Some(t)),
                pair => pair,
            };
            Filter { status, channels, assignee, customer, from, to, search, tags, all_tags, priority }
        })
}

fn walk() -> impl Strategy<Value = Walk> {
    let limit = prop_oneof![1..=100_usize, 1..=20_usize];
    let pages = prop::collection::vec((limit, 0..=1000_usize), 2..=4);
    (filter(), select(SORTS.to_vec()), pages).prop_map(|(filter, sort, pages)| Walk { filter, sort, pages })
}

fn case() -> impl Strategy<Value = (Vec<Row>, Vec<Walk>)> {
    (prop::collection::vec(row(), 40..=140), prop::collection::vec(walk(), 3..=5))
}

const PAGE: &str = "query($filter: ConversationFilter, $sort: ConversationSort, $limit: Int, $offset: Int) {
    conversations(filter: $filter, sort: $sort, limit: $limit, offset: $offset) {
      conversations { id } pagination { total hasMore } } }";

async fn run_case(app: &TestApp, rows: &[Row], walks: &[Walk]) {
    let (workspace, key) = app.other_workspace().await;
    let file: Vec<Value> = rows.iter().enumerate().map(|(i, r)| r.import(i)).collect();
    app.import_into(&workspace, &Value::Array(file)).await;
    for walk in walks {
        let whole = expected(rows, &walk.filter, walk.sort);
        for &(limit, place) in &walk.pages {
            let offset = place * (whole.len() + 3) / 1000;
            let variables = json!({"filter": walk.filter.json(), "sort": walk.sort, "limit": limit, "offset": offset});
            let answer = app.gql_as(&key, &workspace, PAGE, variables.clone()).await;
            let list = &answer.data()["conversations"];
            let slice: Vec<String> = whole.iter().skip(offset).take(limit).cloned().collect();
            let context = format!("{variables} over {} rows; {} match", rows.len(), whole.len());
            assert_eq!(ids_of(&list["conversations"]), slice, "page of {context}");
            assert_eq!(list["pagination"]["total"], json!(whole.len()), "total of {context}");
            assert_eq!(
                list["pagination"]["hasMore"],
                json!(offset + slice.len() < whole.len()),
                "hasMore of {context}"
            );
        }
    }
}

fn config() -> Config {
    let defaults = Config::default();
    let rng_seed = match defaults.rng_seed {
        RngSeed::Random => RngSeed::Fixed(SEED),
        chosen @ RngSeed::Fixed(_) => chosen,
    };
    Config { cases: CASES, max_shrink_iters: 100, failure_persistence: None, rng_seed, ..defaults }
}

#[test]
fn every_page_is_the_slice_of_the_whole_answer() {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let app = runtime.block_on(spawn_app());
    let result = TestRunner::new(config()).run(&case(), |(rows, walks)| {
        runtime.block_on(run_case(&app, &rows, &walks));
        Ok(())
    });
    runtime.block_on(async move { drop(app) });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
