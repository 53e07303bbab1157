//! The REST API of contract section 8 over HTTP: every endpoint, every list parameter,
//! the documented shapes byte for byte, and every error with its envelope.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    contract_examples, conversation, ids_of, inbox_of_120, read_back, spawn_app, spawn_app_with, TestApp,
};

/// A REST answer: status, headers, the body as sent and parsed (keys in their order).
#[derive(Debug)]
pub struct Rest {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Rest {
    /// Asserts the answer's `meta`, its JSON content type and that `meta.request_id` is the header's.
    fn assert_envelope(&self, top: &str) {
        let content_type = self.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(content_type.starts_with("application/json"), "content type {content_type:?} of {}", self.text);
        let keys: Vec<&str> = self.body.as_object().expect("an object").keys().map(String::as_str).collect();
        assert_eq!(keys, [top, "meta"], "envelope of {}", self.text);
        let meta = self.body["meta"].as_object().expect("meta is an object");
        assert_eq!(meta.keys().map(String::as_str).collect::<Vec<_>>(), ["request_id", "timestamp"]);
        let header = self.headers.get("x-request-id").expect("an X-Request-Id header").to_str().unwrap();
        assert_eq!(meta["request_id"], json!(header), "meta.request_id is the header's");
        let at: chrono::DateTime<chrono::Utc> =
            meta["timestamp"].as_str().expect("a timestamp").parse().expect("RFC 3339");
        assert!(meta["timestamp"].as_str().unwrap().ends_with('Z'), "UTC timestamp");
        assert!((chrono::Utc::now() - at).num_seconds().abs() < 60, "a current timestamp");
    }

    /// The `data` of a success with `status`.
    pub fn data_with(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "status of {}", self.text);
        self.assert_envelope("data");
        &self.body["data"]
    }

    /// The `data` of a 200.
    pub fn data(&self) -> &Value {
        self.data_with(200)
    }

    /// Asserts an error answer: its status, code and field (`None`: no field or null).
    pub fn assert_error(&self, status: u16, code: &str, field: Option<&str>, context: &str) {
        assert_eq!(self.status.as_u16(), status, "{context}: status of {}", self.text);
        self.assert_envelope("error");
        let error = self.body["error"].as_object().expect("error is an object");
        assert_eq!(error.keys().map(String::as_str).collect::<Vec<_>>(), ["code", "message", "field"], "{context}");
        assert_eq!(self.body["error"]["code"], json!(code), "{context}: {}", self.text);
        assert!(!self.body["error"]["message"].as_str().expect("a message").is_empty(), "{context}: a message");
        assert_eq!(self.body["error"]["field"], json!(field), "{context}: field of {}", self.text);
    }
}

pub async fn send(request: reqwest::RequestBuilder) -> Rest {
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("a JSON body ({e}): {text:?}"));
    Rest { status, headers, text, body }
}

/// A request to `path_and_query` without credentials.
fn bare(app: &TestApp, method: Method, path_and_query: &str) -> reqwest::RequestBuilder {
    app.client.request(method, format!("{}{path_and_query}", app.address))
}

/// A request as `who` (key, workspace), with a JSON body when given.
pub async fn rest_as(
    app: &TestApp,
    (key, workspace): (&str, &str),
    method: Method,
    path_and_query: &str,
    body: Option<Value>,
) -> Rest {
    let mut request = bare(app, method, path_and_query).bearer_auth(key).header("X-Workspace-ID", workspace);
    if let Some(body) = body {
        request = request.json(&body);
    }
    send(request).await
}

/// A request with this app's own key and workspace.
pub async fn rest(app: &TestApp, method: Method, path_and_query: &str, body: Option<Value>) -> Rest {
    rest_as(app, app.own(), method, path_and_query, body).await
}

/// `GET /v1/inbox/conversations?{query}`.
pub async fn list(app: &TestApp, query: &str) -> Rest {
    rest(app, Method::GET, &format!("/v1/inbox/conversations?{query}"), None).await
}

/// The ids a list query returns.
async fn ids(app: &TestApp, query: &str) -> Vec<String> {
    let answer = list(app, query).await;
    ids_of(&answer.data()["conversations"])
}

fn path(id: &str, action: &str) -> String {
    format!("/v1/inbox/conversations/{id}{action}")
}

/// Five conversations, each telling itself apart by every filter and sort:
/// default order (last activity desc) `conv_2`, `conv_5`, `conv_3`, `conv_4`, `conv_1`.
fn five() -> Value {
    let ana = json!({"id": "user_ana", "name": "Ana Tech", "avatar_url": "https://a.example/ana.png"});
    let ben = json!({"id": "user_ben", "name": "Ben Tech"});
    let alice = json!({"id": "cust_x", "name": "Alice Müller", "phone": "+13105551234", "email": "alice@example.com"});
    let bob = json!({"id": "cust_y", "name": "Bob Stone", "phone": "+14155550000", "email": "bob@example.com"});
    let carl = json!({"id": "cust_z", "name": "Carl Reed", "phone": "+12125559999", "email": "carl@example.com"});
    json!([
        conversation(
            "conv_1",
            json!({"channel": "voice", "status": "open", "priority": "urgent", "assignee": ana,
            "customer": alice, "tags": ["hvac", "vip"], "summary": "Furnace making noise",
            "created_at": "2024-01-05T08:00:00Z", "last_activity_at": "2024-01-10T01:00:00Z"})
        ),
        conversation(
            "conv_2",
            json!({"channel": "sms", "status": "pending", "priority": "high", "assignee": ben,
            "customer": bob, "tags": ["plumbing"], "summary": "Water pressure low",
            "created_at": "2024-01-05T23:30:00Z", "last_activity_at": "2024-01-10T05:00:00Z"})
        ),
        conversation(
            "conv_3",
            json!({"channel": "email", "status": "resolved", "priority": "normal",
            "customer": alice, "tags": ["hvac"], "summary": "Invoice copy",
            "resolved_at": "2024-01-09T00:00:00Z", "resolution_notes": "Sent the invoice",
            "created_at": "2024-01-06T00:00:00Z", "last_activity_at": "2024-01-10T03:00:00Z"})
        ),
        conversation(
            "conv_4",
            json!({"channel": "live_chat", "status": "open", "priority": "low", "assignee": ana,
            "customer": carl, "tags": ["vip", "plumbing"], "summary": "Leaking faucet",
            "created_at": "2024-01-07T12:00:00Z", "last_activity_at": "2024-01-10T02:00:00Z"})
        ),
        conversation(
            "conv_5",
            json!({"channel": "voice", "status": "pending", "priority": "normal", "assignee": ben,
            "customer": bob, "tags": [], "summary": "Thermostat schedule",
            "created_at": "2024-01-08T09:00:00Z", "last_activity_at": "2024-01-10T04:00:00Z"})
        ),
    ])
}

async fn app_with_five() -> TestApp {
    let app = spawn_app().await;
    app.import(&five()).await;
    app
}

// ---------------------------------------------------------------- the list

#[tokio::test]
async fn the_documented_example_query_answers_in_the_documented_shape() {
    let app = app_with_five().await;
    let answer = list(&app, "status=open&channel=voice,sms&limit=10").await;
    let data = answer.data();
    assert_eq!(data.as_object().unwrap().keys().collect::<Vec<_>>(), ["conversations", "pagination"]);
    assert_eq!(ids_of(&data["conversations"]), ["conv_1"]);
    let pagination = data["pagination"].as_object().unwrap();
    assert_eq!(pagination.keys().collect::<Vec<_>>(), ["total", "limit", "offset", "has_more", "next_cursor"]);
    assert_eq!(
        data["pagination"],
        json!({"total": 1, "limit": 10, "offset": 0, "has_more": false, "next_cursor": null})
    );
    assert_eq!(answer.headers["cache-control"], "no-store");

    let all = list(&app, "").await;
    assert_eq!(ids_of(&all.data()["conversations"]), ["conv_2", "conv_5", "conv_3", "conv_4", "conv_1"]);
    assert_eq!(all.data()["pagination"]["limit"], 20, "limit defaults to 20");
    assert_eq!(all.data()["pagination"]["total"], 5);
}

#[tokio::test]
async fn every_list_parameter_filters_as_documented() {
    let app = app_with_five().await;
    let cases: &[(&str, &[&str])] = &[
        ("status=all", &["conv_2", "conv_5", "conv_3", "conv_4", "conv_1"]),
        ("status=open", &["conv_4", "conv_1"]),
        ("status=pending", &["conv_2", "conv_5"]),
        ("status=resolved", &["conv_3"]),
        ("channel=voice,sms", &["conv_2", "conv_5", "conv_1"]),
        ("channel=voice&channel=sms", &["conv_2", "conv_5", "conv_1"]),
        ("channel=sms,voice", &["conv_2", "conv_5", "conv_1"]),
        ("channel=live_chat", &["conv_4"]),
        ("channel=email", &["conv_3"]),
        ("tags=vip", &["conv_4", "conv_1"]),
        ("tags=VIP", &["conv_4", "conv_1"]),
        ("tags=vip,plumbing", &["conv_2", "conv_4", "conv_1"]),
        ("tags=vip&tags=plumbing", &["conv_2", "conv_4", "conv_1"]),
        ("tags=vip,plumbing&tag_match=any", &["conv_2", "conv_4", "conv_1"]),
        ("tags=vip,plumbing&tag_match=all", &["conv_4"]),
        ("tags=vip&tags=plumbing&tag_match=all", &["conv_4"]),
        ("tags=hvac&tags=vip&tag_match=all", &["conv_1"]),
        ("priority=urgent", &["conv_1"]),
        ("priority=high", &["conv_2"]),
        ("priority=normal", &["conv_5", "conv_3"]),
        ("priority=low", &["conv_4"]),
        ("assignee_id=user_ana", &["conv_4", "conv_1"]),
        ("assignee_id=user_nobody", &[]),
        ("customer_id=cust_x", &["conv_3", "conv_1"]),
        ("customer_id=cust_y&status=pending", &["conv_2", "conv_5"]),
        // A full-date date_from is 00:00:00Z of that day, a full-date date_to its end.
        ("date_from=2024-01-06", &["conv_5", "conv_3", "conv_4"]),
        ("date_to=2024-01-05", &["conv_2", "conv_1"]),
        ("date_from=2024-01-05&date_to=2024-01-05", &["conv_2", "conv_1"]),
        // Date-times bound inclusively; offsets are honoured.
        ("date_from=2024-01-05T23:30:00Z&date_to=2024-01-06T00:00:00Z", &["conv_2", "conv_3"]),
        ("date_from=2024-01-06T01:00:00%2B02:00&date_to=2024-01-07T12:00:00Z", &["conv_2", "conv_3", "conv_4"]),
        ("date_to=2024-01-05T08:00:00Z", &["conv_1"]),
        ("search=furnace", &["conv_1"]),
        ("search=muller", &["conv_3", "conv_1"]),
        ("search=%20%20LEAK%20", &["conv_4"]),
        ("search=bob%20thermo", &["conv_5"]),
        ("search=water+pressure", &["conv_2"]),
        ("search=555-1234", &["conv_3", "conv_1"]),
        ("search=", &["conv_2", "conv_5", "conv_3", "conv_4", "conv_1"]),
        ("search=nothing-like-this", &[]),
        ("status=open&channel=voice,sms&priority=urgent&tags=hvac&assignee_id=user_ana", &["conv_1"]),
        // Sorts.
        ("sort=last_activity_desc", &["conv_2", "conv_5", "conv_3", "conv_4", "conv_1"]),
        ("sort=last_activity_asc", &["conv_1", "conv_4", "conv_3", "conv_5", "conv_2"]),
        ("sort=created_desc", &["conv_5", "conv_4", "conv_3", "conv_2", "conv_1"]),
        ("sort=created_asc", &["conv_1", "conv_2", "conv_3", "conv_4", "conv_5"]),
        ("sort=priority_desc", &["conv_1", "conv_2", "conv_5", "conv_3", "conv_4"]),
        // Pages.
        ("limit=2", &["conv_2", "conv_5"]),
        ("limit=2&offset=2", &["conv_3", "conv_4"]),
        ("limit=2&offset=4", &["conv_1"]),
        ("offset=5", &[]),
        ("sort=created_asc&limit=3&offset=1", &["conv_2", "conv_3", "conv_4"]),
    ];
    for (query, expected) in cases {
        assert_eq!(ids(&app, query).await, *expected, "?{query}");
    }
}

#[tokio::test]
async fn pagination_counts_every_match_and_says_what_follows() {
    let app = app_with_five().await;
    let first = list(&app, "limit=2").await;
    let p = &first.data()["pagination"];
    assert_eq!(
        (&p["total"], &p["limit"], &p["offset"], &p["has_more"]),
        (&json!(5), &json!(2), &json!(0), &json!(true))
    );
    assert!(p["next_cursor"].is_string(), "a cursor when more follow: {p}");
    let last = list(&app, "limit=2&offset=4").await;
    assert_eq!(
        last.data()["pagination"],
        json!({"total": 5, "limit": 2, "offset": 4, "has_more": false, "next_cursor": null})
    );
    let middle = list(&app, "limit=2&offset=2&status=all").await;
    assert_eq!(middle.data()["pagination"]["has_more"], true);
    let beyond = list(&app, "offset=10").await;
    assert_eq!(
        beyond.data()["pagination"],
        json!({"total": 5, "limit": 20, "offset": 10, "has_more": false, "next_cursor": null})
    );
    assert_eq!(beyond.data()["conversations"], json!([]));
}

#[tokio::test]
async fn cursor_paging_walks_every_conversation_exactly_once() {
    let app = spawn_app().await;
    inbox_of_120(&app).await;
    for (filter, expected_total) in
        [("sort=last_activity_desc", 120), ("tags=zone-1&sort=created_asc", 24), ("sort=priority_desc", 120)]
    {
        let whole = ids(&app, &format!("{filter}&limit=100")).await;
        let rest_of_whole = ids(&app, &format!("{filter}&limit=100&offset=100")).await;
        let whole: Vec<String> = whole.into_iter().chain(rest_of_whole).collect();
        assert_eq!(whole.len(), expected_total, "{filter}");
        let mut walked: Vec<String> = Vec::new();
        let mut after: Option<String> = None;
        let mut pages = 0;
        loop {
            let query = match &after {
                Some(cursor) => format!("{filter}&limit=7&after={cursor}"),
                None => format!("{filter}&limit=7"),
            };
            let answer = list(&app, &query).await;
            let data = answer.data();
            let page = ids_of(&data["conversations"]);
            let p = &data["pagination"];
            assert_eq!(p["total"], expected_total, "total keeps its meaning with after ({filter})");
            assert_eq!(p["offset"], 0);
            assert_eq!(p["has_more"], json!(!p["next_cursor"].is_null()), "has_more is next_cursor's presence: {p}");
            walked.extend(page);
            pages += 1;
            assert!(pages <= 20, "the walk ends");
            match p["next_cursor"].as_str() {
                Some(cursor) => {
                    assert!(cursor.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)), "{cursor}");
                    after = Some(cursor.to_owned());
                }
                None => break,
            }
        }
        assert_eq!(walked, whole, "the walk by cursors returns every conversation once, in order ({filter})");
        assert_eq!(pages, expected_total.div_ceil(7), "{filter}");
    }
}

// ---------------------------------------------------------------- the shapes

/// A section 7 example as REST writes it: its keys in the documented order, plus
/// `resolution_notes`.
fn documented(example: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for (key, value) in example.as_object().unwrap() {
        out.insert(key.clone(), value.clone());
        if key == "resolved_at" {
            out.insert("resolution_notes".into(), Value::Null);
        }
    }
    Value::Object(out)
}

#[tokio::test]
async fn the_two_examples_read_back_byte_for_byte() {
    let app = spawn_app().await;
    app.import(&contract_examples()).await;
    let examples = contract_examples();
    let (abc, def) = (documented(&examples[0]), documented(&examples[1]));

    let answer = list(&app, "").await;
    let expected_list = serde_json::to_string(&json!([def, abc])).unwrap();
    let expected_text = format!("{{\"data\":{{\"conversations\":{expected_list},\"pagination\":");
    assert!(
        answer.text.starts_with(&expected_text),
        "the list, byte for byte:\n{}\nexpected to start with\n{expected_text}",
        answer.text
    );
    assert_eq!(serde_json::to_string(&answer.data()["conversations"]).unwrap(), expected_list);

    for (id, example) in [("conv_abc123", &abc), ("conv_def456", &def)] {
        let answer = rest(&app, Method::GET, &path(id, ""), None).await;
        let got = &answer.data()["conversation"];
        let mut expected = example.clone();
        expected["notes"] = json!([]);
        expected["activity"] = got["activity"].clone();
        let expected = serde_json::to_string(&expected).unwrap();
        assert_eq!(serde_json::to_string(got).unwrap(), expected, "{id} in order");
        assert!(
            answer.text.starts_with(&format!("{{\"data\":{{\"conversation\":{expected}}},\"meta\":")),
            "{id} byte for byte: {}",
            answer.text
        );
        assert_eq!(got["activity"].as_array().unwrap().len(), 1, "{id}: the import's event");
        for event in got["activity"].as_array().unwrap() {
            assert_eq!(event.as_object().unwrap().keys().collect::<Vec<_>>(), ["id", "kind", "at", "details"]);
            assert_eq!(event["kind"], "imported");
            assert_eq!(event["details"], json!({"created": true}));
        }
    }
}

// ---------------------------------------------------------------- one conversation

#[tokio::test]
async fn one_conversation_comes_with_its_notes_and_activity() {
    let app = spawn_app().await;
    app.import(&json!([conversation("conv_n", json!({
        "notes": [{"id": "note_1", "content": "gate code 4411", "internal": false, "created_at": "2024-01-10T10:30:00Z"}]
    }))]))
    .await;
    let added = rest(&app, Method::POST, &path("conv_n", "/notes"), Some(json!({"content": "  second  "}))).await;
    added.data_with(201);
    rest(&app, Method::PUT, &path("conv_n", "/status"), Some(json!({"status": "pending"}))).await.data();
    let answer = rest(&app, Method::GET, &path("conv_n", ""), None).await;
    let c = &answer.data()["conversation"];
    assert_eq!(c["id"], "conv_n");
    assert_eq!(c["status"], "pending");
    let notes = c["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(
        notes[0],
        json!({"id": "note_1", "content": "gate code 4411", "internal": false, "created_at": "2024-01-10T10:30:00Z"})
    );
    assert_eq!(notes[1]["content"], "second");
    assert_eq!(notes[1]["internal"], true);
    let kinds: Vec<&str> = c["activity"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["imported", "note_added", "status_changed"]);
    assert_eq!(c["activity"][0]["details"], json!({"created": true}));
    let status_changed = c["activity"].as_array().unwrap().iter().find(|e| e["kind"] == "status_changed").unwrap();
    assert_eq!(status_changed["details"], json!({"from": "open", "to": "pending"}));

    let unknown = rest(&app, Method::GET, &path("conv_nope", ""), None).await;
    unknown.assert_error(404, "NOT_FOUND", None, "unknown id");
    let (workspace, key) = app.other_workspace().await;
    app.import_into(&workspace, &json!([conversation("conv_theirs", json!({}))])).await;
    let foreign = rest(&app, Method::GET, &path("conv_theirs", ""), None).await;
    foreign.assert_error(404, "NOT_FOUND", None, "another workspace's id");
    assert_eq!(
        foreign.body["error"]["message"].as_str().unwrap().replace("conv_theirs", "conv_nope"),
        unknown.body["error"]["message"].as_str().unwrap(),
        "a foreign id is an unknown id"
    );
    let theirs = rest_as(&app, (&key, &workspace), Method::GET, &path("conv_theirs", ""), None).await;
    assert_eq!(theirs.data()["conversation"]["id"], "conv_theirs");
}

// ---------------------------------------------------------------- the actions

#[tokio::test]
async fn assign_sets_and_clears_the_assignee() {
    let app = spawn_app().await;
    app.import(&contract_examples()).await;
    let assigned =
        rest(&app, Method::PUT, &path("conv_def456", "/assign"), Some(json!({"assignee_id": "user_789"}))).await;
    let c = &assigned.data()["conversation"];
    assert_eq!(
        c["assignee"],
        json!({"id": "user_789", "name": "Sarah Johnson", "avatar_url": "https://avatars.avoca.ai/sarah.jpg"})
    );
    let last = c["activity"].as_array().unwrap().last().unwrap();
    assert_eq!((&last["kind"], &last["details"]), (&json!("assigned"), &json!({"assignee_id": "user_789"})));
    assert_eq!(c["last_activity_at"], "2024-01-20T14:45:00Z", "actions leave last_activity_at alone");
    assert_eq!(c.as_object().unwrap().keys().next_back().unwrap(), "activity");

    let cleared = rest(&app, Method::PUT, &path("conv_def456", "/assign"), Some(json!({"assignee_id": null}))).await;
    let c = &cleared.data()["conversation"];
    assert_eq!(c["assignee"], Value::Null);
    assert_eq!(c["activity"].as_array().unwrap().last().unwrap()["kind"], "unassigned");

    let before = read_back(&app, "conv_def456").await;
    let ghost =
        rest(&app, Method::PUT, &path("conv_def456", "/assign"), Some(json!({"assignee_id": "user_ghost"}))).await;
    ghost.assert_error(404, "NOT_FOUND", None, "unknown user");
    let missing = rest(&app, Method::PUT, &path("conv_def456", "/assign"), Some(json!({}))).await;
    missing.assert_error(400, "BAD_USER_INPUT", Some("assignee_id"), "no assignee_id");
    let number = rest(&app, Method::PUT, &path("conv_def456", "/assign"), Some(json!({"assignee_id": 7}))).await;
    number.assert_error(400, "BAD_USER_INPUT", Some("assignee_id"), "a number");
    let (workspace, _) = app.other_workspace().await;
    let stranger = json!({"id": "user_stranger", "name": "Stranger"});
    app.import_into(&workspace, &json!([conversation("conv_theirs", json!({"assignee": stranger}))])).await;
    let foreign =
        rest(&app, Method::PUT, &path("conv_def456", "/assign"), Some(json!({"assignee_id": "user_stranger"}))).await;
    foreign.assert_error(404, "NOT_FOUND", None, "another workspace's user");
    let nowhere = rest(&app, Method::PUT, &path("conv_nope", "/assign"), Some(json!({"assignee_id": null}))).await;
    nowhere.assert_error(404, "NOT_FOUND", None, "unknown conversation");
    assert_eq!(read_back(&app, "conv_def456").await, before, "refused actions change nothing");
}

#[tokio::test]
async fn status_moves_and_keeps_its_rules() {
    let app = spawn_app().await;
    app.import(&contract_examples()).await;
    let started = chrono::Utc::now();
    let resolved = rest(
        &app,
        Method::PUT,
        &path("conv_abc123", "/status"),
        Some(json!({"status": "resolved", "resolution_notes": "Replaced the heating element"})),
    )
    .await;
    let c = &resolved.data()["conversation"];
    assert_eq!(c["status"], "resolved");
    assert_eq!(c["resolution_notes"], "Replaced the heating element");
    crate::helpers::assert_recent(&c["resolved_at"], started);
    assert!(c["resolved_at"].as_str().unwrap().ends_with('Z'));
    let last = c["activity"].as_array().unwrap().last().unwrap();
    assert_eq!(
        (&last["kind"], &last["details"]),
        (&json!("status_changed"), &json!({"from": "open", "to": "resolved"}))
    );

    let before = read_back(&app, "conv_abc123").await;
    let notes_with_open = rest(
        &app,
        Method::PUT,
        &path("conv_abc123", "/status"),
        Some(json!({"status": "open", "resolution_notes": "no"})),
    )
    .await;
    notes_with_open.assert_error(400, "BAD_USER_INPUT", Some("resolution_notes"), "notes with open");
    for bad in [json!({"status": "OPEN"}), json!({"status": "closed"}), json!({"status": 1}), json!({})] {
        let answer = rest(&app, Method::PUT, &path("conv_abc123", "/status"), Some(bad.clone())).await;
        answer.assert_error(400, "BAD_USER_INPUT", Some("status"), &format!("{bad}"));
    }
    assert_eq!(read_back(&app, "conv_abc123").await, before, "refused actions change nothing");

    let reopened = rest(&app, Method::PUT, &path("conv_abc123", "/status"), Some(json!({"status": "open"}))).await;
    let c = &reopened.data()["conversation"];
    assert_eq!((&c["status"], &c["resolved_at"], &c["resolution_notes"]), (&json!("open"), &Value::Null, &Value::Null));
}

#[tokio::test]
async fn tags_are_added_and_removed_with_their_rules() {
    let app = spawn_app().await;
    app.import(&contract_examples()).await;
    let added =
        rest(&app, Method::POST, &path("conv_abc123", "/tags"), Some(json!({"tags": [" VIP_Customer ", "emergency"]})))
            .await;
    let c = &added.data()["conversation"];
    assert_eq!(c["tags"], json!(["emergency", "water_heater", "vip_customer"]));
    let last = c["activity"].as_array().unwrap().last().unwrap();
    assert_eq!((&last["kind"], &last["details"]), (&json!("tags_added"), &json!({"tags": ["vip_customer"]})));

    let removed =
        rest(&app, Method::DELETE, &path("conv_abc123", "/tags"), Some(json!({"tags": ["emergency", "absent"]}))).await;
    let c = &removed.data()["conversation"];
    assert_eq!(c["tags"], json!(["water_heater", "vip_customer"]));
    let last = c["activity"].as_array().unwrap().last().unwrap();
    assert_eq!((&last["kind"], &last["details"]), (&json!("tags_removed"), &json!({"tags": ["emergency"]})));

    let before = read_back(&app, "conv_abc123").await;
    let twenty_one: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
    for method in [Method::POST, Method::DELETE] {
        let cases = [
            (json!({"tags": ["ok", "fine", "-bad"]}), "tags[2]"),
            (json!({"tags": ["ok", "fine", "has space"]}), "tags[2]"),
            (json!({"tags": ["ok", "fine", 3]}), "tags[2]"),
            (json!({"tags": []}), "tags"),
            (json!({"tags": twenty_one}), "tags"),
            (json!({"tags": "vip"}), "tags"),
            (json!({}), "tags"),
        ];
        for (body, field) in cases {
            let answer = rest(&app, method.clone(), &path("conv_abc123", "/tags"), Some(body.clone())).await;
            answer.assert_error(400, "BAD_USER_INPUT", Some(field), &format!("{method} {body}"));
        }
    }
    let twenty: Vec<String> = (0..20).map(|i| format!("t{i}")).collect();
    let nowhere = rest(&app, Method::POST, &path("conv_nope", "/tags"), Some(json!({"tags": ["vip"]}))).await;
    nowhere.assert_error(404, "NOT_FOUND", None, "unknown conversation");
    assert_eq!(read_back(&app, "conv_abc123").await, before, "refused actions change nothing");
    let many = rest(&app, Method::POST, &path("conv_abc123", "/tags"), Some(json!({"tags": twenty}))).await;
    assert_eq!(many.data()["conversation"]["tags"].as_array().unwrap().len(), 22, "20 tags a call are allowed");
}

#[tokio::test]
async fn the_fifty_tag_limit_names_the_body_key() {
    let app = spawn_app().await;
    let held: Vec<String> = (0..45).map(|i| format!("held_{i:02}")).collect();
    app.import(&json!([conversation("conv_full", json!({"tags": held}))])).await;
    let ten: Vec<String> = (0..10).map(|i| format!("new_{i}")).collect();
    let over = rest(&app, Method::POST, &path("conv_full", "/tags"), Some(json!({"tags": ten}))).await;
    over.assert_error(400, "BAD_USER_INPUT", Some("tags"), "a 51st tag");
    let stored = rest(&app, Method::GET, &path("conv_full", ""), None).await;
    assert_eq!(stored.data()["conversation"]["tags"].as_array().unwrap().len(), 45, "nothing added");
    let five: Vec<String> = (0..5).map(|i| format!("new_{i}")).collect();
    let fits = rest(&app, Method::POST, &path("conv_full", "/tags"), Some(json!({"tags": five}))).await;
    assert_eq!(fits.data()["conversation"]["tags"].as_array().unwrap().len(), 50, "up to 50");
}

#[tokio::test]
async fn a_note_is_created_with_201_and_is_searchable_at_once() {
    let app = spawn_app().await;
    app.import(&contract_examples()).await;
    let started = chrono::Utc::now();
    let answer = rest(
        &app,
        Method::POST,
        &path("conv_def456", "/notes"),
        Some(json!({"content": "  Customer wants Zanzibar plan  "})),
    )
    .await;
    let data = answer.data_with(201);
    assert_eq!(data.as_object().unwrap().keys().collect::<Vec<_>>(), ["note", "conversation"]);
    let note = &data["note"];
    assert_eq!(note.as_object().unwrap().keys().collect::<Vec<_>>(), ["id", "content", "internal", "created_at"]);
    assert_eq!(note["content"], "Customer wants Zanzibar plan");
    assert_eq!(note["internal"], true, "internal defaults to true");
    crate::helpers::assert_recent(&note["created_at"], started);
    assert_eq!(data["conversation"]["notes"].as_array().unwrap().last().unwrap(), note);
    let last = data["conversation"]["activity"].as_array().unwrap().last().unwrap();
    assert_eq!(last["kind"], "note_added");
    assert_eq!(last["details"], json!({"note_id": note["id"]}), "details in REST's spelling");
    assert_eq!(ids(&app, "search=zanzibar").await, ["conv_def456"]);

    let public = rest(
        &app,
        Method::POST,
        &path("conv_def456", "/notes"),
        Some(json!({"content": "call back", "internal": false})),
    )
    .await;
    assert_eq!(public.data_with(201)["note"]["internal"], false);
    let null_internal =
        rest(&app, Method::POST, &path("conv_def456", "/notes"), Some(json!({"content": "x", "internal": null}))).await;
    assert_eq!(null_internal.data_with(201)["note"]["internal"], true);

    let before = read_back(&app, "conv_def456").await;
    for (body, field) in [
        (json!({"content": ""}), "content"),
        (json!({"content": "   \n "}), "content"),
        (json!({"content": "x".repeat(10_001)}), "content"),
        (json!({"content": 5}), "content"),
        (json!({}), "content"),
        (json!({"content": "ok", "internal": "yes"}), "internal"),
    ] {
        let answer = rest(&app, Method::POST, &path("conv_def456", "/notes"), Some(body.clone())).await;
        answer.assert_error(400, "BAD_USER_INPUT", Some(field), &format!("{body}"));
    }
    let nowhere = rest(&app, Method::POST, &path("conv_nope", "/notes"), Some(json!({"content": "hi"}))).await;
    nowhere.assert_error(404, "NOT_FOUND", None, "unknown conversation");
    assert_eq!(read_back(&app, "conv_def456").await, before, "refused notes change nothing");
}

#[tokio::test]
async fn rest_and_graphql_see_each_others_changes_at_once() {
    let app = spawn_app().await;
    app.import(&contract_examples()).await;
    // REST writes, GraphQL reads.
    rest(&app, Method::POST, &path("conv_def456", "/tags"), Some(json!({"tags": ["vip"]}))).await.data();
    rest(&app, Method::PUT, &path("conv_def456", "/assign"), Some(json!({"assignee_id": "user_789"}))).await.data();
    let note = rest(&app, Method::POST, &path("conv_def456", "/notes"), Some(json!({"content": "from rest"}))).await;
    let note_id = note.data_with(201)["note"]["id"].clone();
    let seen = read_back(&app, "conv_def456").await;
    assert_eq!(seen["tags"], json!(["sales_inquiry", "maintenance_plan", "vip"]));
    assert_eq!(seen["assignee"]["id"], "user_789");
    assert_eq!(seen["notes"][0]["id"], note_id);
    assert_eq!(seen["notes"][0]["content"], "from rest");

    // GraphQL writes, REST reads.
    let mutation = "mutation { updateConversationStatus(input: {conversationId: \"conv_abc123\", status: RESOLVED, resolutionNotes: \"done\"}) { conversation { id } }
                    removeConversationTags(input: {conversationId: \"conv_abc123\", tags: [\"emergency\"]}) { conversation { id } } }";
    app.gql(mutation, json!({})).await.data();
    let c = rest(&app, Method::GET, &path("conv_abc123", ""), None).await;
    let c = &c.data()["conversation"];
    assert_eq!(
        (&c["status"], &c["resolution_notes"], &c["tags"]),
        (&json!("resolved"), &json!("done"), &json!(["water_heater"]))
    );
    assert_eq!(ids(&app, "status=resolved").await, ["conv_abc123"]);
    assert_eq!(ids(&app, "tags=vip").await, ["conv_def456"]);

    // Both speak of the same thing in their own spelling.
    let graphql = read_back(&app, "conv_abc123").await;
    assert_eq!(graphql["resolvedAt"], c["resolved_at"]);
    let kinds: Vec<String> =
        c["activity"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect();
    let graphql_kinds: Vec<String> =
        graphql["activity"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_lowercase()).collect();
    assert_eq!(kinds, graphql_kinds);
}

// ---------------------------------------------------------------- errors

#[tokio::test]
async fn credentials_are_checked_with_401_and_403() {
    let app = app_with_five().await;
    let url = "/v1/inbox/conversations";
    let none = send(bare(&app, Method::GET, url).header("X-Workspace-ID", &app.workspace)).await;
    none.assert_error(401, "UNAUTHENTICATED", None, "no key");
    assert_eq!(none.headers["www-authenticate"], "Bearer");
    let unknown =
        send(bare(&app, Method::GET, url).bearer_auth("igk_not_a_key").header("X-Workspace-ID", &app.workspace)).await;
    unknown.assert_error(401, "UNAUTHENTICATED", None, "unknown key");
    let malformed = send(
        bare(&app, Method::GET, url)
            .header("Authorization", "Basic Zm9vOmJhcg==")
            .header("X-Workspace-ID", &app.workspace),
    )
    .await;
    malformed.assert_error(401, "UNAUTHENTICATED", None, "not a bearer key");
    // Actions too, before their body is read.
    let action = send(
        bare(&app, Method::PUT, &path("conv_1", "/assign")).header("X-Workspace-ID", &app.workspace).body("not json"),
    )
    .await;
    action.assert_error(401, "UNAUTHENTICATED", None, "an action without a key");

    let (other_workspace, other_key) = app.other_workspace().await;
    let foreign = rest_as(&app, (&app.api_key, &other_workspace), Method::GET, url, None).await;
    foreign.assert_error(403, "FORBIDDEN", None, "another workspace's id");
    let no_workspace = send(bare(&app, Method::GET, url).bearer_auth(&app.api_key)).await;
    no_workspace.assert_error(403, "FORBIDDEN", None, "no workspace header");
    let theirs = rest_as(&app, (&other_key, &other_workspace), Method::GET, url, None).await;
    assert_eq!(theirs.data()["pagination"]["total"], 0, "a workspace sees only its own");
    let write = rest_as(
        &app,
        (&other_key, &app.workspace),
        Method::POST,
        &path("conv_1", "/tags"),
        Some(json!({"tags": ["x"]})),
    )
    .await;
    write.assert_error(403, "FORBIDDEN", None, "a write to another workspace");
    assert_eq!(read_back(&app, "conv_1").await["tags"], json!(["hvac", "vip"]));
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_404_and_405_in_the_envelope() {
    let app = app_with_five().await;
    for unknown in ["/v1/nope", "/v1/inbox/conversations/conv_1/nope", "/v1/inbox", "/v2/inbox/conversations"] {
        let answer = rest(&app, Method::GET, unknown, None).await;
        answer.assert_error(404, "NOT_FOUND", None, unknown);
    }
    let anonymous = send(bare(&app, Method::GET, "/v1/nope")).await;
    anonymous.assert_error(404, "NOT_FOUND", None, "an unknown path needs no key");

    for (method, url, allowed) in [
        (Method::PATCH, path("conv_1", ""), "GET"),
        (Method::DELETE, path("conv_1", ""), "GET"),
        (Method::POST, "/v1/inbox/conversations".to_owned(), "GET"),
        (Method::GET, path("conv_1", "/assign"), "PUT"),
        (Method::POST, path("conv_1", "/status"), "PUT"),
        (Method::PUT, path("conv_1", "/tags"), "POST"),
        (Method::GET, path("conv_1", "/notes"), "POST"),
    ] {
        let answer = rest(&app, method.clone(), &url, Some(json!({}))).await;
        let context = format!("{method} {url}");
        assert_eq!(answer.status, 405, "{context}: {}", answer.text);
        let allow =
            answer.headers.get("allow").unwrap_or_else(|| panic!("{context}: an Allow header")).to_str().unwrap();
        assert!(allow.contains(allowed), "{context}: Allow {allow:?}");
        assert!(!allow.contains(method.as_str()), "{context}: Allow {allow:?}");
        answer.assert_error(405, "BAD_USER_INPUT", Some("method"), &context);
    }
    let tags = rest(&app, Method::PATCH, &path("conv_1", "/tags"), Some(json!({}))).await;
    let allow = tags.headers["allow"].to_str().unwrap();
    assert!(allow.contains("POST") && allow.contains("DELETE"), "{allow}");
}

#[tokio::test]
async fn bodies_must_be_json_objects_of_known_keys() {
    let app = app_with_five().await;
    let url = format!("{}{}", app.address, path("conv_1", "/notes"));
    let authed =
        |request: reqwest::RequestBuilder| request.bearer_auth(&app.api_key).header("X-Workspace-ID", &app.workspace);
    let text =
        send(authed(app.client.post(&url)).header("Content-Type", "text/plain").body(r#"{"content": "x"}"#)).await;
    text.assert_error(415, "BAD_USER_INPUT", Some("body"), "text/plain");
    let untyped = send(authed(app.client.post(&url)).body(r#"{"content": "x"}"#)).await;
    untyped.assert_error(415, "BAD_USER_INPUT", Some("body"), "no content type");
    let charset = send(
        authed(app.client.post(&url))
            .header("Content-Type", "application/json; charset=utf-8")
            .body(r#"{"content": "x"}"#),
    )
    .await;
    charset.data_with(201);

    for (raw, what) in [
        ("{\"content\": ", "truncated JSON"),
        ("not json", "not JSON"),
        ("[1, 2]", "a list"),
        ("\"x\"", "a string"),
        ("", "empty"),
    ] {
        let answer = send(authed(app.client.post(&url)).header("Content-Type", "application/json").body(raw)).await;
        answer.assert_error(400, "BAD_USER_INPUT", Some("body"), what);
    }
    let unknown_key =
        rest(&app, Method::POST, &path("conv_1", "/notes"), Some(json!({"content": "x", "colour": "red"}))).await;
    unknown_key.assert_error(400, "BAD_USER_INPUT", Some("colour"), "unknown body key");
    let camel = rest(&app, Method::PUT, &path("conv_1", "/assign"), Some(json!({"assigneeId": null}))).await;
    camel.assert_error(400, "BAD_USER_INPUT", Some("assigneeId"), "a GraphQL spelling");
    let deep = format!("{{\"content\": {}1{}}}", "[".repeat(200), "]".repeat(200));
    let nested = send(authed(app.client.post(&url)).header("Content-Type", "application/json").body(deep)).await;
    nested.assert_error(400, "BAD_USER_INPUT", Some("body"), "nesting");
    assert_eq!(read_back(&app, "conv_1").await["notes"].as_array().unwrap().len(), 1, "only the good note");
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let app = spawn_app_with(|c| c.limits.max_body_bytes = 256).await;
    app.import(&five()).await;
    let fits = rest(&app, Method::POST, &path("conv_1", "/notes"), Some(json!({"content": "x".repeat(200)}))).await;
    fits.data_with(201);
    let large = rest(&app, Method::POST, &path("conv_1", "/notes"), Some(json!({"content": "x".repeat(300)}))).await;
    large.assert_error(413, "BAD_USER_INPUT", Some("body"), "over the limit");
    // Compressed under the limit, over it once decompressed: the limit counts what it decompresses to.
    let raw = format!("{{\"content\": \"{}\"}}", "y".repeat(2_000));
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gzip, raw.as_bytes()).unwrap();
    let gzipped = gzip.finish().unwrap();
    assert!(gzipped.len() < 256);
    let streamed = send(
        bare(&app, Method::POST, &path("conv_1", "/notes"))
            .bearer_auth(&app.api_key)
            .header("X-Workspace-ID", &app.workspace)
            .header("Content-Type", "application/json")
            .header("Content-Encoding", "gzip")
            .body(gzipped),
    )
    .await;
    streamed.assert_error(413, "BAD_USER_INPUT", Some("body"), "a gzip body over the limit once decompressed");
    let stored = rest(&app, Method::GET, &path("conv_1", ""), None).await;
    assert_eq!(stored.data()["conversation"]["notes"].as_array().unwrap().len(), 1, "only the note that fit");
}

#[tokio::test]
async fn every_bad_parameter_is_refused_by_name() {
    let app = app_with_five().await;
    let first = list(&app, "limit=2").await;
    let cursor = first.data()["pagination"]["next_cursor"].as_str().unwrap().to_owned();
    let cases: Vec<(String, &str)> = vec![
        ("colour=red".into(), "colour"),
        ("status=open&assigneeId=user_ana".into(), "assigneeId"),
        ("page=2".into(), "page"),
        ("limit=0".into(), "limit"),
        ("limit=101".into(), "limit"),
        ("limit=-5".into(), "limit"),
        ("limit=ten".into(), "limit"),
        ("limit=".into(), "limit"),
        ("offset=-1".into(), "offset"),
        ("offset=x".into(), "offset"),
        ("limit=2&limit=3".into(), "limit"),
        ("status=OPEN".into(), "status"),
        ("status=closed".into(), "status"),
        ("channel=fax".into(), "channel"),
        ("channel=voice,VOICE".into(), "channel"),
        ("priority=URGENT".into(), "priority"),
        ("sort=newest".into(), "sort"),
        ("sort=LAST_ACTIVITY_DESC".into(), "sort"),
        ("tag_match=some".into(), "tag_match"),
        ("tags=-bad".into(), "tags"),
        ("date_from=yesterday".into(), "date_from"),
        ("date_to=2024-13-01".into(), "date_to"),
        ("date_from=2024-02-01&date_to=2024-01-01".into(), "date_from"),
        (format!("search={}", "x".repeat(201)), "search"),
        (format!("limit=2&offset=2&after={cursor}"), "after"),
        ("after=not-a-cursor".into(), "after"),
        ("after=".into(), "after"),
        (format!("limit=2&status=open&after={cursor}"), "after"),
        (format!("limit=2&sort=created_asc&after={cursor}"), "after"),
    ];
    for (query, field) in &cases {
        let answer = list(&app, query).await;
        answer.assert_error(400, "BAD_USER_INPUT", Some(field), &format!("?{query}"));
    }
    // The cursor itself is good.
    let next = list(&app, &format!("limit=2&after={cursor}")).await;
    assert_eq!(ids_of(&next.data()["conversations"]), ["conv_3", "conv_4"]);
    let with_zero_offset = list(&app, &format!("limit=2&offset=0&after={cursor}")).await;
    assert_eq!(ids_of(&with_zero_offset.data()["conversations"]), ["conv_3", "conv_4"]);
}

#[tokio::test]
async fn the_request_id_is_the_clients_when_sane() {
    let app = app_with_five().await;
    let mine = send(
        bare(&app, Method::GET, "/v1/inbox/conversations?limit=1")
            .bearer_auth(&app.api_key)
            .header("X-Workspace-ID", &app.workspace)
            .header("X-Request-Id", "client-req-42"),
    )
    .await;
    mine.data();
    assert_eq!(mine.body["meta"]["request_id"], "client-req-42");
    let error = send(bare(&app, Method::GET, "/v1/nope").header("X-Request-Id", "client-req-43")).await;
    error.assert_error(404, "NOT_FOUND", None, "unknown path");
    assert_eq!(error.body["meta"]["request_id"], "client-req-43");
    let generated = list(&app, "").await;
    generated.data();
    assert!(generated.body["meta"]["request_id"].as_str().unwrap().starts_with("req_"), "{}", generated.body["meta"]);
    let other = list(&app, "").await;
    other.data();
    assert_ne!(generated.body["meta"]["request_id"], other.body["meta"]["request_id"], "one id a request");
}

#[tokio::test]
async fn a_flooding_key_is_rate_limited_over_rest_with_retry_after() {
    let app = spawn_app_with(|c| {
        c.limits.rate_per_second = 1;
        c.limits.rate_burst = 3;
    })
    .await;
    app.import(&five()).await;
    let (other_workspace, other_key) = app.other_workspace().await;
    for _ in 0..3 {
        list(&app, "limit=1").await.data();
    }
    let limited = list(&app, "limit=1").await;
    limited.assert_error(429, "RATE_LIMITED", None, "the fourth request");
    let retry_after: u64 = limited.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert_eq!(retry_after, 1);
    let action = rest(&app, Method::POST, &path("conv_1", "/tags"), Some(json!({"tags": ["new"]}))).await;
    action.assert_error(429, "RATE_LIMITED", None, "an action while limited");
    // GraphQL and REST share the key's bucket.
    let graphql = app.gql("{ __typename }", json!({})).await;
    assert_eq!(graphql.status, 429);
    // Another key has its own bucket.
    rest_as(&app, (&other_key, &other_workspace), Method::GET, "/v1/inbox/conversations", None).await.data();
    // A token comes back after a second.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let stored = rest(&app, Method::GET, &path("conv_1", ""), None).await;
    assert_eq!(stored.data()["conversation"]["tags"], json!(["hvac", "vip"]), "the limited action did nothing");
}
