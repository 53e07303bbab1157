//! The `conversations` list (contract section 5): every filter alone and combined, every
//! sort with its tie-breakers, pagination, and the validation of arguments.

use serde_json::{json, Value};

use crate::helpers::{conversation, ids_of, spawn_app, TestApp};

/// A conversation created (and last active) at `at`, with the given fields.
fn created(id: &str, at: &str, fields: Value) -> Value {
    let mut c = conversation(id, fields);
    c["created_at"] = json!(at);
    c["last_activity_at"] = json!(at);
    c
}

fn customer(id: &str) -> Value {
    json!({"id": id, "name": "Pat Customer"})
}

fn user(id: &str) -> Value {
    json!({"id": id, "name": "Tech"})
}

/// Five conversations that differ in every filtered property; ids follow `createdAt`.
fn filter_fixture() -> Value {
    json!([
        created(
            "conv_1",
            "2024-01-19T23:59:59Z",
            json!({
            "channel": "voice", "status": "open", "priority": "urgent",
            "assignee": user("user_1"), "customer": customer("cust_a"),
            "tags": ["emergency", "water_heater"]})
        ),
        created(
            "conv_2",
            "2024-01-20T00:00:00Z",
            json!({
            "channel": "sms", "status": "pending", "priority": "high",
            "assignee": user("user_2"), "customer": customer("cust_b"),
            "tags": ["sales_inquiry"]})
        ),
        created(
            "conv_3",
            "2024-01-20T14:00:00Z",
            json!({
            "channel": "email", "status": "resolved", "priority": "normal",
            "customer": customer("cust_a"), "tags": ["emergency"]})
        ),
        created(
            "conv_4",
            "2024-01-20T23:59:59.999Z",
            json!({
            "channel": "live_chat", "status": "open", "priority": "low",
            "assignee": user("user_1"), "customer": customer("cust_c"), "tags": []})
        ),
        created(
            "conv_5",
            "2024-01-21T00:00:00Z",
            json!({
            "channel": "voice", "status": "pending", "priority": "normal",
            "assignee": user("user_2"), "customer": customer("cust_b"),
            "tags": ["water_heater", "maintenance"]})
        ),
    ])
}

const EVERY: &[&str] = &["conv_1", "conv_2", "conv_3", "conv_4", "conv_5"];

async fn filter_app() -> TestApp {
    let app = spawn_app().await;
    app.import(&filter_fixture()).await;
    app
}

/// Checks each `(filter literal, ids in createdAt order)`, and that `total` agrees.
async fn assert_filters(app: &TestApp, cases: &[(&str, &[&str])]) {
    for (filter, expected) in cases {
        let query = format!(
            "{{ conversations(filter: {filter}, sort: CREATED_ASC, limit: 100) {{
                 conversations {{ id }} pagination {{ total }} }} }}"
        );
        let answer = app.gql(&query, json!({})).await;
        let list = &answer.data()["conversations"];
        assert_eq!(ids_of(&list["conversations"]), *expected, "filter {filter}");
        assert_eq!(list["pagination"]["total"], json!(expected.len()), "total for filter {filter}");
    }
}

#[tokio::test]
async fn status_filter_matches_one_status_and_defaults_to_all() {
    let app = filter_app().await;
    assert_filters(
        &app,
        &[
            ("{status: OPEN}", &["conv_1", "conv_4"]),
            ("{status: PENDING}", &["conv_2", "conv_5"]),
            ("{status: RESOLVED}", &["conv_3"]),
            ("{status: ALL}", EVERY),
            ("{}", EVERY),
            ("null", EVERY),
        ],
    )
    .await;
    assert_eq!(app.ids("(sort: CREATED_ASC)").await, EVERY, "no filter at all");
}

#[tokio::test]
async fn channels_filter_matches_any_listed_channel() {
    let app = filter_app().await;
    assert_filters(
        &app,
        &[
            ("{channels: [VOICE]}", &["conv_1", "conv_5"]),
            ("{channels: [LIVE_CHAT]}", &["conv_4"]),
            ("{channels: [SMS, EMAIL]}", &["conv_2", "conv_3"]),
            ("{channels: [EMAIL, LIVE_CHAT, SMS, VOICE]}", EVERY),
            ("{channels: []}", EVERY),
            ("{channels: null}", EVERY),
        ],
    )
    .await;
}

#[tokio::test]
async fn assignee_and_customer_filters_match_exact_ids() {
    let app = filter_app().await;
    assert_filters(
        &app,
        &[
            (r#"{assigneeId: "user_1"}"#, &["conv_1", "conv_4"]),
            (r#"{assigneeId: "user_2"}"#, &["conv_2", "conv_5"]),
            (r#"{assigneeId: "user_nobody"}"#, &[]),
            (r#"{customerId: "cust_a"}"#, &["conv_1", "conv_3"]),
            (r#"{customerId: "cust_c"}"#, &["conv_4"]),
            (r#"{customerId: "CUST_A"}"#, &[]),
        ],
    )
    .await;
}

#[tokio::test]
async fn priority_filter_matches_one_priority() {
    let app = filter_app().await;
    assert_filters(
        &app,
        &[
            ("{priority: URGENT}", &["conv_1"]),
            ("{priority: HIGH}", &["conv_2"]),
            ("{priority: NORMAL}", &["conv_3", "conv_5"]),
            ("{priority: LOW}", &["conv_4"]),
        ],
    )
    .await;
}

#[tokio::test]
async fn full_dates_cover_whole_utc_days_inclusively() {
    let app = filter_app().await;
    assert_filters(
        &app,
        &[
            (r#"{dateFrom: "2024-01-20"}"#, &["conv_2", "conv_3", "conv_4", "conv_5"]),
            (r#"{dateTo: "2024-01-20"}"#, &["conv_1", "conv_2", "conv_3", "conv_4"]),
            (r#"{dateFrom: "2024-01-20", dateTo: "2024-01-20"}"#, &["conv_2", "conv_3", "conv_4"]),
            (r#"{dateTo: "2024-01-19"}"#, &["conv_1"]),
            (r#"{dateFrom: "2024-01-21"}"#, &["conv_5"]),
            (r#"{dateFrom: "2024-01-22"}"#, &[]),
        ],
    )
    .await;
}

#[tokio::test]
async fn date_times_are_inclusive_and_honour_offsets() {
    let app = filter_app().await;
    assert_filters(
        &app,
        &[
            (r#"{dateFrom: "2024-01-20T14:00:00Z"}"#, &["conv_3", "conv_4", "conv_5"]),
            (r#"{dateTo: "2024-01-20T14:00:00Z"}"#, &["conv_1", "conv_2", "conv_3"]),
            (r#"{dateFrom: "2024-01-20T14:00:00Z", dateTo: "2024-01-20T14:00:00Z"}"#, &["conv_3"]),
            (r#"{dateFrom: "2024-01-20T09:00:00-05:00"}"#, &["conv_3", "conv_4", "conv_5"]),
            (r#"{dateTo: "2024-01-20T08:59:59-05:00"}"#, &["conv_1", "conv_2"]),
            (r#"{dateFrom: "2024-01-21T01:00:00+01:00"}"#, &["conv_5"]),
            (r#"{dateTo: "2024-01-20T01:59:59+02:00"}"#, &["conv_1"]),
            (r#"{dateFrom: "2024-01-20T23:59:59.999Z", dateTo: "2024-01-20T23:59:59.999Z"}"#, &["conv_4"]),
        ],
    )
    .await;
}

#[tokio::test]
async fn tags_match_any_by_default_or_all() {
    let app = filter_app().await;
    assert_filters(
        &app,
        &[
            (r#"{tags: ["emergency"]}"#, &["conv_1", "conv_3"]),
            (r#"{tags: ["emergency", "maintenance"]}"#, &["conv_1", "conv_3", "conv_5"]),
            (r#"{tags: ["emergency", "maintenance"], tagMatch: ANY}"#, &["conv_1", "conv_3", "conv_5"]),
            (r#"{tags: ["emergency", "water_heater"], tagMatch: ALL}"#, &["conv_1"]),
            (r#"{tags: ["water_heater"], tagMatch: ALL}"#, &["conv_1", "conv_5"]),
            (r#"{tags: ["emergency", "sales_inquiry"], tagMatch: ALL}"#, &[]),
            (r#"{tags: ["no_such_tag"]}"#, &[]),
            ("{tags: []}", EVERY),
            ("{tags: [], tagMatch: ALL}", EVERY),
            ("{tags: null}", EVERY),
        ],
    )
    .await;
}

#[tokio::test]
async fn filter_tags_are_normalised_before_matching() {
    let app = filter_app().await;
    assert_filters(
        &app,
        &[
            (r#"{tags: [" Emergency "]}"#, &["conv_1", "conv_3"]),
            (r#"{tags: ["EMERGENCY", "Water_Heater"], tagMatch: ALL}"#, &["conv_1"]),
            (r#"{tags: ["emergency", " EMERGENCY"], tagMatch: ALL}"#, &["conv_1", "conv_3"]),
        ],
    )
    .await;
}

#[tokio::test]
async fn filters_combine_with_and() {
    let app = filter_app().await;
    assert_filters(
        &app,
        &[
            ("{status: OPEN, channels: [VOICE]}", &["conv_1"]),
            (r#"{assigneeId: "user_2", priority: NORMAL}"#, &["conv_5"]),
            (r#"{customerId: "cust_a", tags: ["emergency"], status: RESOLVED}"#, &["conv_3"]),
            (r#"{channels: [VOICE, SMS], dateFrom: "2024-01-20"}"#, &["conv_2", "conv_5"]),
            (r#"{tags: ["water_heater"], tagMatch: ALL, assigneeId: "user_1", dateTo: "2024-01-19"}"#, &["conv_1"]),
            (r#"{status: PENDING, tags: ["emergency"]}"#, &[]),
            (r#"{customerId: "cust_b", assigneeId: "user_1"}"#, &[]),
        ],
    )
    .await;
}

/// Ties on every sort key, and ids that a case-insensitive or numeric collation would
/// order differently from byte order (`conv_10` < `conv_9` < `conv_B` < `conv_Z` < `conv_a`).
fn sort_fixture() -> Value {
    let at = |id: &str, created: &str, last: &str, priority: &str| {
        conversation(
            id,
            json!({"created_at": format!("2024-01-10T{created}:00Z"),
                   "last_activity_at": format!("2024-01-11T{last}:00Z"),
                   "priority": priority}),
        )
    };
    json!([
        at("conv_B", "01:00", "02:00", "high"),
        at("conv_a", "01:00", "02:00", "urgent"),
        at("conv_Z", "02:00", "02:00", "high"),
        at("conv_10", "01:00", "02:00", "high"),
        at("conv_9", "01:00", "01:00", "high"),
        at("conv_old", "00:00", "03:00", "low"),
        at("conv_new", "03:00", "00:00", "normal"),
    ])
}

const SORTS: [(&str, [&str; 7]); 5] = [
    ("LAST_ACTIVITY_DESC", ["conv_old", "conv_a", "conv_Z", "conv_B", "conv_10", "conv_9", "conv_new"]),
    ("LAST_ACTIVITY_ASC", ["conv_new", "conv_9", "conv_10", "conv_B", "conv_Z", "conv_a", "conv_old"]),
    ("CREATED_DESC", ["conv_new", "conv_Z", "conv_a", "conv_B", "conv_9", "conv_10", "conv_old"]),
    ("CREATED_ASC", ["conv_old", "conv_10", "conv_9", "conv_B", "conv_a", "conv_Z", "conv_new"]),
    ("PRIORITY_DESC", ["conv_a", "conv_Z", "conv_B", "conv_10", "conv_9", "conv_new", "conv_old"]),
];

#[tokio::test]
async fn every_sort_breaks_ties_by_id_in_byte_order() {
    let app = spawn_app().await;
    app.import(&sort_fixture()).await;
    for (sort, expected) in SORTS {
        assert_eq!(app.ids(&format!("(sort: {sort})")).await, expected, "{sort}");
    }
}

#[tokio::test]
async fn default_sort_is_last_activity_desc() {
    let app = spawn_app().await;
    app.import(&sort_fixture()).await;
    assert_eq!(app.ids("").await, SORTS[0].1);
    assert_eq!(app.ids("(sort: LAST_ACTIVITY_DESC)").await, SORTS[0].1);
}

/// `conv_00`..: one minute apart, so `LAST_ACTIVITY_DESC` (the default) lists them backwards.
fn numbered(n: usize) -> Value {
    (0..n)
        .map(|i| {
            conversation(&format!("conv_{i:02}"), json!({"last_activity_at": format!("2024-01-10T12:{i:02}:00Z")}))
        })
        .collect()
}

/// The ids of `numbered(total)` a page at `offset` of `limit` should hold.
fn newest_first(total: usize, offset: usize, limit: usize) -> Vec<String> {
    (offset..total.min(offset + limit)).map(|k| format!("conv_{:02}", total - 1 - k)).collect()
}

/// One page: its ids and its pagination object.
async fn page(app: &TestApp, args: &str) -> (Vec<String>, Value) {
    let query =
        format!("{{ conversations{args} {{ conversations {{ id }} pagination {{ total limit offset hasMore }} }} }}");
    let answer = app.gql(&query, json!({})).await;
    let list = &answer.data()["conversations"];
    (ids_of(&list["conversations"]), list["pagination"].clone())
}

#[tokio::test]
async fn pagination_defaults_to_20_from_offset_0() {
    let app = spawn_app().await;
    app.import(&numbered(25)).await;
    let (ids, pagination) = page(&app, "").await;
    assert_eq!(ids, newest_first(25, 0, 20));
    assert_eq!(pagination, json!({"total": 25, "limit": 20, "offset": 0, "hasMore": true}));
}

#[tokio::test]
async fn null_limit_and_offset_mean_the_defaults() {
    let app = spawn_app().await;
    app.import(&numbered(25)).await;
    let query = "query($limit: Int, $offset: Int) {
        conversations(limit: $limit, offset: $offset) {
          conversations { id } pagination { total limit offset hasMore } } }";
    for variables in [json!({"limit": null, "offset": null}), json!({})] {
        let answer = app.gql(query, variables.clone()).await;
        let list = &answer.data()["conversations"];
        assert_eq!(ids_of(&list["conversations"]), newest_first(25, 0, 20), "{variables}");
        assert_eq!(list["pagination"], json!({"total": 25, "limit": 20, "offset": 0, "hasMore": true}), "{variables}");
    }
    let (ids, pagination) = page(&app, "(limit: null, offset: null)").await;
    assert_eq!(ids, newest_first(25, 0, 20), "null literals");
    assert_eq!(pagination, json!({"total": 25, "limit": 20, "offset": 0, "hasMore": true}));
}

#[tokio::test]
async fn has_more_is_offset_plus_returned_below_total() {
    let app = spawn_app().await;
    app.import(&numbered(25)).await;
    // (limit, offset, hasMore)
    let cases = [
        (1, 0, true),
        (100, 0, false),
        (24, 0, true),
        (25, 0, false),
        (26, 0, false),
        (5, 19, true),
        (5, 20, false),
        (10, 20, false),
        (1, 24, false),
        (1, 23, true),
        (10, 25, false),
        (10, 30, false),
        (100, 1000, false),
    ];
    for (limit, offset, has_more) in cases {
        let (ids, pagination) = page(&app, &format!("(limit: {limit}, offset: {offset})")).await;
        let case = format!("limit {limit}, offset {offset}");
        assert_eq!(ids, newest_first(25, offset, limit), "{case}");
        assert_eq!(pagination, json!({"total": 25, "limit": limit, "offset": offset, "hasMore": has_more}), "{case}");
    }
}

#[tokio::test]
async fn total_counts_every_match_whatever_the_page() {
    let app = spawn_app().await;
    app.import(&numbered(25)).await;
    let resolved: Vec<Value> =
        ["conv_r1", "conv_r2", "conv_r3"].iter().map(|id| conversation(id, json!({"status": "resolved"}))).collect();
    app.import(&Value::Array(resolved)).await;

    let (ids, pagination) = page(&app, "(filter: {status: RESOLVED}, limit: 1)").await;
    assert_eq!(ids, ["conv_r3"]);
    assert_eq!(pagination, json!({"total": 3, "limit": 1, "offset": 0, "hasMore": true}));
    let (ids, pagination) = page(&app, "(filter: {status: RESOLVED}, offset: 5)").await;
    assert!(ids.is_empty());
    assert_eq!(pagination, json!({"total": 3, "limit": 20, "offset": 5, "hasMore": false}));
    let (_, pagination) = page(&app, "(filter: {status: OPEN}, limit: 2, offset: 3)").await;
    assert_eq!(pagination, json!({"total": 25, "limit": 2, "offset": 3, "hasMore": true}));
}

/// Conversations sharing a handful of timestamps and priorities, so that most of every
/// sort's order comes from its tie-breakers.
fn tied(n: usize) -> Value {
    const PRIORITIES: [&str; 4] = ["urgent", "high", "normal", "low"];
    (0..n)
        .map(|i| {
            conversation(
                &format!("conv_{}{i}", ["B", "a", "Z", "9", "10"][i % 5]),
                json!({"created_at": format!("2024-01-10T0{}:00:00Z", i % 3),
                       "last_activity_at": format!("2024-01-11T0{}:00:00Z", i % 4),
                       "priority": PRIORITIES[i % PRIORITIES.len()]}),
            )
        })
        .collect()
}

#[tokio::test]
async fn paging_by_offset_visits_every_conversation_once_in_every_sort() {
    let app = spawn_app().await;
    app.import(&tied(23)).await;
    for (sort, _) in SORTS {
        let whole = app.ids(&format!("(sort: {sort}, limit: 100)")).await;
        let mut walked = Vec::new();
        for offset in (0..23).step_by(5) {
            walked.extend(app.ids(&format!("(sort: {sort}, limit: 5, offset: {offset})")).await);
        }
        assert_eq!(walked, whole, "{sort}: pages of 5 against one page of 100");
        let mut distinct = walked.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 23, "{sort}: each conversation once");
    }
}

#[tokio::test]
async fn out_of_range_arguments_are_bad_user_input_with_their_field() {
    let app = spawn_app().await;
    let too_long = "x".repeat(201);
    let too_many_tags = format!("{:?}", vec!["hvac"; 101]);
    let cases = [
        ("limit: 0".to_owned(), "limit"),
        ("limit: 101".to_owned(), "limit"),
        ("limit: -1".to_owned(), "limit"),
        ("offset: -1".to_owned(), "offset"),
        (r#"filter: {dateFrom: "2024-01-21", dateTo: "2024-01-20"}"#.to_owned(), "filter.dateFrom"),
        (r#"filter: {dateFrom: "2024-01-20T12:00:00Z", dateTo: "2024-01-20T11:59:59Z"}"#.to_owned(), "filter.dateFrom"),
        (
            r#"filter: {dateFrom: "2024-01-20T09:00:00-05:00", dateTo: "2024-01-20T13:59:59Z"}"#.to_owned(),
            "filter.dateFrom",
        ),
        (r#"filter: {dateFrom: "yesterday"}"#.to_owned(), "filter.dateFrom"),
        (r#"filter: {dateFrom: "2024-13-01"}"#.to_owned(), "filter.dateFrom"),
        (r#"filter: {dateFrom: ""}"#.to_owned(), "filter.dateFrom"),
        (r#"filter: {dateTo: "2024-02-30"}"#.to_owned(), "filter.dateTo"),
        (r#"filter: {dateTo: "2024-01-20 14:30"}"#.to_owned(), "filter.dateTo"),
        (r#"filter: {dateTo: "20/01/2024"}"#.to_owned(), "filter.dateTo"),
        (r#"filter: {tags: ["ok", "bad tag"]}"#.to_owned(), "filter.tags"),
        (r#"filter: {tags: [""]}"#.to_owned(), "filter.tags"),
        (r#"filter: {tags: ["-leading-dash"]}"#.to_owned(), "filter.tags"),
        (format!("filter: {{tags: {too_many_tags}}}"), "filter.tags"),
        (format!(r#"filter: {{search: "{too_long}"}}"#), "filter.search"),
    ];
    for (args, field) in &cases {
        let query = format!("{{ conversations({args}) {{ conversations {{ id }} }} }}");
        let answer = app.gql(&query, json!({})).await;
        assert_eq!((answer.code(), answer.field()), ("BAD_USER_INPUT", *field), "{args}");
    }
}

#[tokio::test]
async fn a_search_of_exactly_200_characters_is_accepted() {
    let app = spawn_app().await;
    app.import(&numbered(1)).await;
    let query = "query($search: String) {
        conversations(filter: {search: $search}) { conversations { id } pagination { total } } }";
    for search in ["x".repeat(200), "é".repeat(200), format!("   {}   ", "x".repeat(200))] {
        let answer = app.gql(query, json!({"search": search})).await;
        assert_eq!(
            answer.data()["conversations"],
            json!({"conversations": [], "pagination": {"total": 0}}),
            "{search}"
        );
    }
}

#[tokio::test]
async fn unknown_enum_values_fail_graphql_validation() {
    let app = spawn_app().await;
    for args in [
        "filter: {status: CLOSED}",
        "filter: {channels: [FAX]}",
        "filter: {priority: CRITICAL}",
        "filter: {tagMatch: SOME}",
        "sort: NEWEST",
        "filter: {status: open}",
    ] {
        let query = format!("{{ conversations({args}) {{ conversations {{ id }} }} }}");
        let answer = app.gql(&query, json!({})).await;
        assert_eq!(answer.code(), "GRAPHQL_VALIDATION_FAILED", "{args}");
    }
}
