//! REST and GraphQL are one service (contract section 8): for random filters, sorts and
//! pages over one varied inbox, `GET /v1/inbox/conversations` and the `conversations`
//! query return the same conversations in the same order, with the same fields (each in
//! its transport's spelling) and the same pagination, or refuse the same argument.
//!
//! The seed is fixed so runs repeat; `PROPTEST_RNG_SEED=<n>` explores other filters.

use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use proptest::test_runner::{Config, RngSeed, TestRunner};
use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::helpers::{spawn_app, TestApp};
use crate::rest::rest;

const CASES: u32 = 40;
const SEED: u64 = 0x5e57_9a71;

const CHANNELS: [&str; 4] = ["voice", "sms", "email", "live_chat"];
const STATUSES: [&str; 3] = ["open", "pending", "resolved"];
const PRIORITIES: [&str; 4] = ["urgent", "high", "normal", "low"];
const SORTS: [&str; 5] = ["last_activity_desc", "last_activity_asc", "created_desc", "created_asc", "priority_desc"];
const USERS: [&str; 4] = ["user_ana", "user_ben", "user_cy", "user_dee"];
const CUSTOMERS: usize = 12;
const NAMES: [&str; 6] = ["José Álvarez", "Anna Müller", "Bjørn Lie", "John Smith", "Jane Doe", "Łukasz Nowak"];
const TAGS: [&str; 7] = ["hvac", "plumbing", "vip", "emergency", "electrical", "zone-1", "zone:2"];
const SUMMARIES: [&str; 6] = [
    "No hot water - water heater leaking",
    "Furnace making a loud noise",
    "Question about maintenance plan pricing",
    "Breaker keeps tripping in kitchen",
    "Reschedule the tune-up visit",
    "Thermostat shows wrong temperature",
];
const SEARCHES: [&str; 12] =
    ["water", "furnace", "muller", "jose", "bjørn", "heat", "plan pricing", "555", "5551", "(310) 555", "  ", "zzz"];

/// 90 conversations spread over every channel, status, priority, customer, user, tag
/// set and a few weeks, with ties in last activity so that tie-breakers matter.
fn inbox() -> Value {
    let conversations: Vec<Value> = (0..90_usize)
        .map(|i| {
            let customer = i * 7 % CUSTOMERS;
            let status = STATUSES[i * 5 % 3];
            let tags: Vec<&str> = TAGS.iter().enumerate().filter(|(t, _)| (i * 11 + t * 3) % 5 < 2).map(|(_, t)| *t).collect();
            let day = 1 + i * 13 % 21;
            let hour = i * 5 % 24;
            let channel = CHANNELS[i % 4];
            let metadata = match channel {
                "voice" => json!({"call_duration": i * 10, "recording_url": format!("https://r.example/{i}.mp3"), "transcript_available": i % 2 == 0}),
                "sms" => json!({"thread_id": format!("sms_thread_{i}")}),
                "email" => json!({"subject": SUMMARIES[i % 6], "cc": []}),
                _ => json!({}),
            };
            let mut c = json!({
                "id": format!("conv_{i:03}"),
                "channel": channel,
                "status": status,
                "priority": PRIORITIES[i / 3 % 4],
                "customer": {
                    "id": format!("cust_{customer:02}"),
                    "name": NAMES[customer % NAMES.len()],
                    "phone": format!("+1310555{:04}", 1000 + customer * 37),
                    "email": format!("customer{customer}.{}@example.com", ["ops", "home", "mail"][customer % 3]),
                    "servicetitan_id": if customer % 3 == 0 { Value::Null } else { json!(format!("{}", 10_000 + customer)) },
                },
                "assignee": if i % 5 == 4 { Value::Null } else {
                    json!({"id": USERS[i / 2 % 4], "name": format!("Tech {}", i / 2 % 4),
                           "avatar_url": if i / 2 % 4 == 1 { Value::Null } else { json!(format!("https://a.example/{}.png", i / 2 % 4)) }})
                },
                "summary": if i % 9 == 8 { Value::Null } else { json!(SUMMARIES[i % 6]) },
                "messages_count": i % 6, "unread_count": i % 3 % (i % 6 + 1),
                "tags": tags,
                "metadata": metadata,
                "created_at": format!("2024-01-{day:02}T{hour:02}:{:02}:00Z", i % 60),
                "last_activity_at": format!("2024-02-{:02}T{:02}:00:00Z", 1 + i % 9, i % 4),
                "notes": if i % 4 == 0 { json!([{"id": format!("note_{i}"), "content": "gate code 4411, dog in yard", "created_at": "2024-02-10T00:00:00Z"}]) } else { json!([]) },
            });
            if status == "resolved" {
                c["resolved_at"] = json!(format!("2024-02-{:02}T12:00:00Z", 10 + i % 5));
                c["resolution_notes"] = if i % 2 == 0 { json!("Fixed on site") } else { Value::Null };
            }
            c
        })
        .collect();
    Value::Array(conversations)
}

/// A bound of the date range: a day, at an hour when given, in an offset when given.
#[derive(Debug, Clone)]
struct Bound {
    day: u32,
    time: Option<(u32, Option<i32>)>,
}

impl Bound {
    fn text(&self) -> String {
        match self.time {
            None => format!("2024-01-{:02}", self.day),
            Some((hour, None)) => format!("2024-01-{:02}T{hour:02}:30:00Z", self.day),
            Some((hour, Some(offset))) => {
                format!(
                    "2024-01-{:02}T{hour:02}:30:00{}{:02}:00",
                    self.day,
                    if offset < 0 { '-' } else { '+' },
                    offset.abs()
                )
            }
        }
    }
}

/// An argument that breaks a rule, added to an otherwise random query.
#[derive(Debug, Clone, Copy)]
enum Invalid {
    LimitZero,
    LimitOver,
    NegativeOffset,
    LongSearch,
    BadTag,
    ReversedDates,
    BadDate,
}

impl Invalid {
    /// The REST parameter and the GraphQL argument path it names.
    fn fields(self) -> (&'static str, &'static str) {
        match self {
            Invalid::LimitZero | Invalid::LimitOver => ("limit", "limit"),
            Invalid::NegativeOffset => ("offset", "offset"),
            Invalid::LongSearch => ("search", "filter.search"),
            Invalid::BadTag => ("tags", "filter.tags"),
            Invalid::ReversedDates => ("date_from", "filter.dateFrom"),
            Invalid::BadDate => ("date_to", "filter.dateTo"),
        }
    }
}

#[derive(Debug, Clone)]
struct Query {
    status: Option<&'static str>,
    channels: Vec<&'static str>,
    /// Lists sent repeated (`channel=a&channel=b`) rather than comma-separated.
    repeated: bool,
    priority: Option<&'static str>,
    assignee: Option<&'static str>,
    customer: Option<usize>,
    from: Option<Bound>,
    to: Option<Bound>,
    search: Option<&'static str>,
    tags: Vec<&'static str>,
    tag_match: Option<&'static str>,
    sort: Option<&'static str>,
    limit: Option<i64>,
    offset: Option<i64>,
    invalid: Option<Invalid>,
}

/// Percent-encodes a query parameter's value.
fn enc(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Query {
    /// The query with its invalid argument, if any, applied.
    fn effective(&self) -> Self {
        let mut q = self.clone();
        match self.invalid {
            None => {}
            Some(Invalid::LimitZero) => q.limit = Some(0),
            Some(Invalid::LimitOver) => q.limit = Some(101),
            Some(Invalid::NegativeOffset) => q.offset = Some(-1),
            Some(Invalid::LongSearch) => q.search = Some(LONG_SEARCH),
            Some(Invalid::BadTag) => q.tags.push("-bad"),
            Some(Invalid::ReversedDates) => {
                q.from = Some(Bound { day: 20, time: None });
                q.to = Some(Bound { day: 3, time: None });
            }
            Some(Invalid::BadDate) => q.to = None,
        }
        q
    }

    fn rest_query(&self) -> String {
        let q = self.effective();
        let mut parts: Vec<String> = Vec::new();
        let mut list = |name: &str, values: &[&str]| {
            if values.is_empty() {
                return;
            }
            if self.repeated {
                parts.extend(values.iter().map(|v| format!("{name}={}", enc(v))));
            } else {
                parts.push(format!("{name}={}", enc(&values.join(","))));
            }
        };
        list("channel", &q.channels);
        list("tags", &q.tags);
        let mut one = |name: &str, value: Option<String>| {
            if let Some(value) = value {
                parts.push(format!("{name}={}", enc(&value)));
            }
        };
        one("status", q.status.map(str::to_owned));
        one("priority", q.priority.map(str::to_owned));
        one("assignee_id", q.assignee.map(str::to_owned));
        one("customer_id", q.customer.map(|c| format!("cust_{c:02}")));
        one("date_from", q.from.as_ref().map(Bound::text));
        one("date_to", q.to.as_ref().map(Bound::text));
        if matches!(self.invalid, Some(Invalid::BadDate)) {
            one("date_to", Some("2024-01-32".to_owned()));
        }
        one("search", q.search.map(str::to_owned));
        one("tag_match", q.tag_match.map(str::to_owned));
        one("sort", q.sort.map(str::to_owned));
        one("limit", q.limit.map(|l| l.to_string()));
        one("offset", q.offset.map(|o| o.to_string()));
        parts.join("&")
    }

    fn graphql_variables(&self) -> Value {
        let q = self.effective();
        let upper = |s: &str| json!(s.to_uppercase());
        let mut filter = Map::new();
        if let Some(s) = q.status {
            filter.insert("status".into(), upper(s));
        }
        if !q.channels.is_empty() {
            filter.insert("channels".into(), q.channels.iter().map(|c| upper(c)).collect());
        }
        if let Some(p) = q.priority {
            filter.insert("priority".into(), upper(p));
        }
        if let Some(a) = q.assignee {
            filter.insert("assigneeId".into(), json!(a));
        }
        if let Some(c) = q.customer {
            filter.insert("customerId".into(), json!(format!("cust_{c:02}")));
        }
        if let Some(f) = &q.from {
            filter.insert("dateFrom".into(), json!(f.text()));
        }
        if let Some(t) = &q.to {
            filter.insert("dateTo".into(), json!(t.text()));
        }
        if matches!(self.invalid, Some(Invalid::BadDate)) {
            filter.insert("dateTo".into(), json!("2024-01-32"));
        }
        if let Some(s) = q.search {
            filter.insert("search".into(), json!(s));
        }
        if !q.tags.is_empty() {
            filter.insert("tags".into(), json!(q.tags));
        }
        if let Some(m) = q.tag_match {
            filter.insert("tagMatch".into(), upper(m));
        }
        let mut variables = json!({"filter": filter});
        if let Some(s) = q.sort {
            variables["sort"] = upper(s);
        }
        if let Some(l) = q.limit {
            variables["limit"] = json!(l);
        }
        if let Some(o) = q.offset {
            variables["offset"] = json!(o);
        }
        variables
    }
}

static LONG_SEARCH: &str = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz";

fn bound() -> impl Strategy<Value = Bound> {
    let time = prop::option::of((0..24_u32, prop::option::of(-5..=5_i32)));
    (1..=22_u32, time).prop_map(|(day, time)| Bound { day, time })
}

fn query() -> impl Strategy<Value = Query> {
    let invalid = select(vec![
        Invalid::LimitZero,
        Invalid::LimitOver,
        Invalid::NegativeOffset,
        Invalid::LongSearch,
        Invalid::BadTag,
        Invalid::ReversedDates,
        Invalid::BadDate,
    ]);
    (
        (
            prop::option::of(select(vec!["open", "pending", "resolved", "all"])),
            prop::option::weighted(0.4, subsequence(CHANNELS.to_vec(), 1..=3)),
            any::<bool>(),
            prop::option::weighted(0.25, select(PRIORITIES.to_vec())),
            prop::option::weighted(0.25, select(vec![USERS[0], USERS[1], USERS[2], USERS[3], "user_ghost"])),
            prop::option::weighted(0.15, 0..CUSTOMERS + 1),
            prop::option::weighted(0.3, bound()),
            prop::option::weighted(0.3, bound()),
        ),
        (
            prop::option::weighted(0.3, select(SEARCHES.to_vec())),
            prop::option::weighted(
                0.35,
                subsequence(vec!["hvac", " VIP ", "zone-1", "zone:2", "emergency", "nope"], 1..=3),
            ),
            prop::option::of(select(vec!["any", "all"])),
            prop::option::of(select(SORTS.to_vec())),
            prop::option::weighted(0.8, prop_oneof![1..=10_i64, 1..=100_i64]),
            prop::option::weighted(0.5, 0..=95_i64),
            prop::option::weighted(0.15, invalid),
        ),
    )
        .prop_map(|((status, channels, repeated, priority, assignee, customer, from, to), rest)| {
            let (search, tags, tag_match, sort, limit, offset, invalid) = rest;
            // A reversed range is the invalid case's business; here the bounds are kept apart by
            // more than a day, so that no offset can reverse them.
            let (from, to) = match (from, to) {
                (Some(f), Some(t)) if f.day > t.day + 1 => (Some(t), Some(f)),
                (Some(f), Some(t)) if f.day + 1 >= t.day => (Some(f), None),
                pair => pair,
            };
            Query {
                status,
                channels: channels.unwrap_or_default(),
                repeated,
                priority,
                assignee,
                customer,
                from,
                to,
                search,
                tags: tags.unwrap_or_default(),
                tag_match,
                sort,
                limit,
                offset,
                invalid,
            }
        })
}

const LIST: &str =
    "query($filter: ConversationFilter, $sort: ConversationSort, $limit: Int, $offset: Int, $after: String) {
  conversations(filter: $filter, sort: $sort, limit: $limit, offset: $offset, after: $after) {
    conversations { id channel status priority
      customer { id name phone email servicetitanId } assignee { id name avatarUrl }
      summary messagesCount unreadCount tags metadata createdAt lastActivityAt resolvedAt resolutionNotes }
    pagination { total limit offset hasMore nextCursor } } }";

fn lower(value: &Value) -> Value {
    json!(value.as_str().expect("an enum value").to_lowercase())
}

/// A GraphQL conversation written as REST writes it: `snake_case` keys in the documented
/// order, lower-case values.
fn as_rest(c: &Value) -> Value {
    let customer = &c["customer"];
    let assignee = match &c["assignee"] {
        Value::Null => Value::Null,
        a => json!({"id": a["id"], "name": a["name"], "avatar_url": a["avatarUrl"]}),
    };
    json!({
        "id": c["id"], "channel": lower(&c["channel"]), "status": lower(&c["status"]), "priority": lower(&c["priority"]),
        "customer": {"id": customer["id"], "name": customer["name"], "phone": customer["phone"],
                     "email": customer["email"], "servicetitan_id": customer["servicetitanId"]},
        "assignee": assignee,
        "summary": c["summary"], "messages_count": c["messagesCount"], "unread_count": c["unreadCount"],
        "tags": c["tags"], "metadata": c["metadata"],
        "created_at": c["createdAt"], "last_activity_at": c["lastActivityAt"],
        "resolved_at": c["resolvedAt"], "resolution_notes": c["resolutionNotes"],
    })
}

fn as_rest_pagination(p: &Value) -> Value {
    json!({"total": p["total"], "limit": p["limit"], "offset": p["offset"],
           "has_more": p["hasMore"], "next_cursor": p["nextCursor"]})
}

/// Asserts that the REST list answer and the GraphQL one are the same page.
fn assert_same_page(rest_data: &Value, graphql_data: &Value, context: &str) {
    let graphql_list = &graphql_data["conversations"];
    let expected: Vec<Value> = graphql_list["conversations"].as_array().expect("a list").iter().map(as_rest).collect();
    let got = rest_data["conversations"].as_array().expect("a list");
    let ids = |list: &[Value]| list.iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert_eq!(ids(got), ids(&expected), "ids in order, {context}");
    for (r, g) in got.iter().zip(&expected) {
        // Byte for byte: the same values, the keys in the same (documented) order.
        assert_eq!(serde_json::to_string(r).unwrap(), serde_json::to_string(g).unwrap(), "{} of {context}", r["id"]);
    }
    assert_eq!(rest_data["pagination"], as_rest_pagination(&graphql_list["pagination"]), "pagination, {context}");
}

/// Runs one query both ways; the number of conversations compared.
async fn run_case(app: &TestApp, query: &Query) -> Result<usize, TestCaseError> {
    let rest_query = query.rest_query();
    let variables = query.graphql_variables();
    let context = format!("?{rest_query} vs {variables}");
    let by_rest = rest(app, Method::GET, &format!("/v1/inbox/conversations?{rest_query}"), None).await;
    let by_graphql = app.gql(LIST, variables.clone()).await;
    if let Some(invalid) = query.invalid {
        let (rest_field, graphql_field) = invalid.fields();
        by_rest.assert_error(400, "BAD_USER_INPUT", Some(rest_field), &context);
        crate::helpers::assert_refused(&by_graphql, "BAD_USER_INPUT", Some(graphql_field), &context);
        return Ok(0);
    }
    let rest_data = by_rest.data();
    assert_same_page(rest_data, by_graphql.data(), &context);
    let mut compared = rest_data["conversations"].as_array().map_or(0, Vec::len);
    // The cursor of one is the cursor of the other: the next page agrees too.
    if let Some(cursor) = rest_data["pagination"]["next_cursor"].as_str() {
        let without_offset = rest_query
            .split('&')
            .filter(|p| !p.starts_with("offset="))
            .chain(std::iter::once(format!("after={}", enc(cursor)).as_str()))
            .collect::<Vec<_>>()
            .join("&");
        let next_rest = rest(app, Method::GET, &format!("/v1/inbox/conversations?{without_offset}"), None).await;
        let mut next_variables = variables.clone();
        next_variables["after"] = json!(cursor);
        next_variables.as_object_mut().unwrap().remove("offset");
        let next_graphql = app.gql(LIST, next_variables).await;
        assert_same_page(next_rest.data(), next_graphql.data(), &format!("the page after, {context}"));
        compared += next_rest.data()["conversations"].as_array().map_or(0, Vec::len);
    }
    Ok(compared)
}

fn config() -> Config {
    let defaults = Config::default();
    let rng_seed = match defaults.rng_seed {
        RngSeed::Random => RngSeed::Fixed(SEED),
        chosen @ RngSeed::Fixed(_) => chosen,
    };
    Config { cases: CASES, max_shrink_iters: 50, failure_persistence: None, rng_seed, ..defaults }
}

#[test]
fn rest_and_graphql_answer_every_list_query_alike() {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let app = runtime.block_on(async {
        let app = spawn_app().await;
        app.import(&inbox()).await;
        app
    });
    let (valid, non_empty, compared) = (AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0));
    let result = TestRunner::new(config()).run(&query(), |query| {
        let n = runtime.block_on(run_case(&app, &query))?;
        valid.fetch_add(usize::from(query.invalid.is_none()), Ordering::Relaxed);
        non_empty.fetch_add(usize::from(n > 0), Ordering::Relaxed);
        compared.fetch_add(n, Ordering::Relaxed);
        Ok(())
    });
    runtime.block_on(async move { drop(app) });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    let cases = usize::try_from(CASES).unwrap();
    let (valid, non_empty, compared) = (valid.into_inner(), non_empty.into_inner(), compared.into_inner());
    assert!(valid >= cases / 2, "most cases are valid queries: {valid} of {cases}");
    assert!(non_empty >= cases / 4, "many cases find something: {non_empty} of {cases}");
    assert!(compared >= cases * 2, "conversations compared: {compared}");
}

/// The same check over hand-picked queries whose answers are known not to be empty, so
/// that the comparison above is not comparing empty pages only.
#[tokio::test]
async fn hand_picked_queries_agree_and_find_something() {
    let app = spawn_app().await;
    app.import(&inbox()).await;
    for (rest_query, variables, at_least) in [
        ("limit=100", json!({"limit": 100}), 90),
        ("channel=voice,sms&status=open", json!({"filter": {"channels": ["VOICE", "SMS"], "status": "OPEN"}}), 5),
        (
            "tags=vip&tags=hvac&tag_match=all&sort=priority_desc",
            json!({"filter": {"tags": ["vip", "hvac"], "tagMatch": "ALL"}, "sort": "PRIORITY_DESC"}),
            3,
        ),
        ("search=muller", json!({"filter": {"search": "muller"}}), 3),
        ("search=5551", json!({"filter": {"search": "5551"}}), 3),
        (
            "date_from=2024-01-05&date_to=2024-01-12&sort=created_asc&limit=50",
            json!({"filter": {"dateFrom": "2024-01-05", "dateTo": "2024-01-12"}, "sort": "CREATED_ASC", "limit": 50}),
            10,
        ),
        ("assignee_id=user_ben&priority=high", json!({"filter": {"assigneeId": "user_ben", "priority": "HIGH"}}), 1),
        (
            "status=resolved&sort=last_activity_asc&limit=5&offset=3",
            json!({"filter": {"status": "RESOLVED"}, "sort": "LAST_ACTIVITY_ASC", "limit": 5, "offset": 3}),
            5,
        ),
    ] {
        let by_rest = rest(&app, Method::GET, &format!("/v1/inbox/conversations?{rest_query}"), None).await;
        let by_graphql = app.gql(LIST, variables.clone()).await;
        assert_same_page(by_rest.data(), by_graphql.data(), rest_query);
        let found = by_rest.data()["conversations"].as_array().unwrap().len();
        assert!(found >= at_least, "?{rest_query} finds {found}, expected at least {at_least}");
    }
}
