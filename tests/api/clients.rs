//! What the usual GraphQL clients rely on (contract section 2): the root type names,
//! error locations, CORS for browser pages on other origins, compression and caching.

use std::io::{Read, Write};

use serde_json::{json, Value};

use crate::helpers::{conversation, graphql_post, numbered, spawn_app, spawn_app_with, TestApp};

#[tokio::test]
async fn the_roots_are_named_query_and_mutation() {
    let app = spawn_app().await;
    let answer = app.gql("{ __typename __schema { queryType { name } mutationType { name } } }", json!({})).await;
    assert_eq!(
        answer.data(),
        &json!({"__typename": "Query", "__schema": {"queryType": {"name": "Query"}, "mutationType": {"name": "Mutation"}}})
    );
    let sdl = inbox_gateway::graphql::sdl();
    assert!(sdl.contains("type Query {") && sdl.contains("type Mutation {"), "{sdl}");
}

#[tokio::test]
async fn refusals_carry_no_location() {
    let app = spawn_app().await;
    let (other_workspace, _) = app.other_workspace().await;
    let unknown_key = format!("igk_{}", "2".repeat(64));
    for (key, workspace, status) in
        [(unknown_key.as_str(), app.workspace.as_str(), 401), (&app.api_key, &other_workspace, 403)]
    {
        let answer = app.gql_as(key, workspace, "{ __typename }", json!({})).await;
        assert_eq!(answer.status, status);
        assert!(answer.body["errors"][0].get("locations").is_none(), "{}", answer.body);
    }
    // Errors in the document point at it, 1-based.
    let answer = app.gql("{ nope }", json!({})).await;
    assert_eq!(answer.body["errors"][0]["locations"], json!([{"line": 1, "column": 3}]));
}

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type,x-workspace-id,x-request-id,apollographql-client-name,apollographql-client-version",
        )
        .send()
        .await
        .unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response.headers().get(name).map_or("", |v| v.to_str().unwrap())
}

#[tokio::test]
async fn allowed_origins_may_call_the_api_from_a_browser() {
    let app = spawn_app_with(|c| c.cors_origins = vec!["http://localhost:5173".into()]).await;
    let allowed = preflight(&app, "http://localhost:5173").await;
    assert_eq!(allowed.status(), 204);
    assert_eq!(header(&allowed, "access-control-allow-origin"), "http://localhost:5173");
    let headers = header(&allowed, "access-control-allow-headers").to_ascii_lowercase();
    for wanted in ["authorization", "x-workspace-id", "content-type", "x-request-id", "apollographql-client-name"] {
        assert!(headers.contains(wanted), "{wanted} in {headers}");
    }
    let methods = header(&allowed, "access-control-allow-methods");
    for wanted in ["GET", "POST", "PUT", "DELETE"] {
        assert!(methods.contains(wanted), "{wanted} in {methods}: the REST actions too");
    }

    let call = graphql_post(&app.client, &app.address, app.own())
        .header("Origin", "http://localhost:5173")
        .json(&json!({"query": "{ __typename }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&call, "access-control-allow-origin"), "http://localhost:5173");
    let exposed = header(&call, "access-control-expose-headers").to_ascii_lowercase();
    assert!(exposed.contains("x-request-id") && exposed.contains("retry-after"), "{exposed}");

    let other = preflight(&app, "https://evil.example").await;
    assert_eq!(header(&other, "access-control-allow-origin"), "", "another origin is not allowed");
}

#[tokio::test]
async fn no_origin_is_allowed_by_default_and_any_with_a_star() {
    let closed = spawn_app().await;
    let refused = preflight(&closed, "http://localhost:5173").await;
    assert_eq!(header(&refused, "access-control-allow-origin"), "");
    let open = spawn_app_with(|c| c.cors_origins = vec!["*".into()]).await;
    let allowed = preflight(&open, "https://app.example").await;
    assert_eq!(allowed.status(), 204);
    assert_eq!(header(&allowed, "access-control-allow-origin"), "*");
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

const PAGE: &str = "{ conversations(limit: 20) { conversations { id channel status priority summary tags metadata createdAt lastActivityAt customer { id name phone email } } } }";

#[tokio::test]
async fn large_answers_are_compressed_for_clients_that_accept_it() {
    let app = spawn_app().await;
    let many: Vec<Value> = numbered("conv", 0..30).iter().map(|id| conversation(id, json!({}))).collect();
    app.import(&Value::Array(many)).await;
    let send = |encoding: &'static str, query: &'static str| {
        graphql_post(&app.client, &app.address, app.own())
            .header("Accept-Encoding", encoding)
            .json(&json!({ "query": query }))
            .send()
    };
    let plain = send("identity", PAGE).await.unwrap();
    assert_eq!(header(&plain, "content-encoding"), "");
    let plain: Value = plain.json().await.unwrap();
    assert!(plain.to_string().len() > 1024, "the page is over 1 KiB");

    let gzipped = send("gzip", PAGE).await.unwrap();
    assert_eq!(header(&gzipped, "content-encoding"), "gzip");
    let bytes = gzipped.bytes().await.unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..]).read_to_string(&mut text).unwrap();
    let unzipped: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(unzipped["data"], plain["data"]);

    let brotli = send("br", PAGE).await.unwrap();
    assert_eq!(header(&brotli, "content-encoding"), "br");
    let small = send("gzip", "{ __typename }").await.unwrap();
    assert_eq!(header(&small, "content-encoding"), "", "answers under 1 KiB are sent as they are");
}

#[tokio::test]
async fn gzip_request_bodies_are_read_and_the_limit_counts_what_they_unpack_to() {
    let app = spawn_app_with(|c| c.limits.max_body_bytes = 2_000).await;
    let body = json!({"query": "{ __typename }"}).to_string();
    let answer = graphql_post(&app.client, &app.address, app.own())
        .header("Content-Type", "application/json")
        .header("Content-Encoding", "gzip")
        .body(gzip(body.as_bytes()))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.json::<Value>().await.unwrap()["data"]["__typename"], "Query");

    let padded = json!({"query": "{ __typename }", "variables": {"pad": "x".repeat(50_000)}}).to_string();
    let packed = gzip(padded.as_bytes());
    assert!(packed.len() < 2_000, "small on the wire: {}", packed.len());
    let refused = graphql_post(&app.client, &app.address, app.own())
        .header("Content-Type", "application/json")
        .header("Content-Encoding", "gzip")
        .body(packed)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 413);
}

#[tokio::test]
async fn graphql_answers_are_not_stored_by_caches() {
    let app = spawn_app().await;
    let answer = app.gql("{ __typename }", json!({})).await;
    assert_eq!(answer.headers["cache-control"], "no-store");
    let vary = answer
        .headers
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(", ");
    for wanted in ["authorization", "x-workspace-id", "accept", "accept-encoding"] {
        assert!(vary.split(", ").any(|v| v == wanted), "{wanted} in {vary}");
    }
}

/// POSTs a JSON body (one request or a batch); the status and the JSON answer.
async fn post_json(app: &TestApp, body: &Value) -> (u16, Value) {
    let response = graphql_post(&app.client, &app.address, app.own()).json(body).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_batch_is_answered_in_order_each_operation_on_its_own() {
    let app = spawn_app().await;
    app.import(&crate::helpers::contract_examples()).await;
    let batch = json!([
        {"query": "query One { conversation(id: \"conv_abc123\") { id } }"},
        {"query": "mutation Tag($input: ConversationTagsInput!) { addConversationTags(input: $input) { conversation { tags } } }",
         "variables": {"input": {"conversationId": "conv_def456", "tags": ["vip"]}}},
        {"query": "{ conversations(limit: 0) { pagination { total } } }"},
        {"query": "{ nope }"},
        {"query": "query Two { conversation(id: \"conv_def456\") { tags } }"},
    ]);
    let (status, answers) = post_json(&app, &batch).await;
    assert_eq!(status, 200);
    let answers = answers.as_array().unwrap();
    assert_eq!(answers.len(), 5);
    assert_eq!(answers[0]["data"]["conversation"]["id"], "conv_abc123");
    assert_eq!(
        answers[1]["data"]["addConversationTags"]["conversation"]["tags"],
        json!(["sales_inquiry", "maintenance_plan", "vip"])
    );
    assert_eq!(answers[2]["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(answers[3]["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
    assert_eq!(answers[4]["data"]["conversation"]["tags"], json!(["sales_inquiry", "maintenance_plan", "vip"]));
    for answer in answers {
        assert!(answer["extensions"]["requestId"].is_string(), "{answer}");
    }
}

#[tokio::test]
async fn a_batch_is_bounded_and_each_operation_counts_against_the_limits() {
    let app = spawn_app_with(|c| {
        c.limits.rate_per_second = 1;
        c.limits.rate_burst = 2;
    })
    .await;
    let one = json!({"query": "{ __typename }"});
    // The bucket holds two: the third operation of the batch is over the rate limit.
    let (status, answers) = post_json(&app, &json!([one, one, one])).await;
    assert_eq!(status, 200);
    assert_eq!(answers[0]["data"]["__typename"], "Query");
    assert_eq!(answers[1]["data"]["__typename"], "Query");
    assert_eq!(answers[2]["errors"][0]["extensions"]["code"], "RATE_LIMITED");

    let app = spawn_app_with(|c| c.limits.max_batch = 3).await;
    let (status, refused) = post_json(&app, &json!([one, one, one, one])).await;
    assert_eq!(status, 400);
    assert_eq!(refused["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(refused["errors"][0]["extensions"]["field"], "body");
    let (_, empty) = post_json(&app, &json!([])).await;
    assert_eq!(empty["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    // Each operation is held to the query limits on its own.
    let app = spawn_app_with(|c| c.limits.query.depth = 3).await;
    let deep = json!({"query": "{ conversations { conversations { customer { id } } } }"});
    let (_, answers) = post_json(&app, &json!([one, deep])).await;
    assert_eq!(answers[0]["data"]["__typename"], "Query");
    assert_eq!(answers[1]["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
}

fn sha256(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

fn persisted(query: Option<&str>, hash: &str) -> Value {
    let mut body = json!({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": hash}}});
    if let Some(query) = query {
        body["query"] = json!(query);
    }
    body
}

#[tokio::test]
async fn automatic_persisted_queries_follow_apollos_protocol() {
    let app = spawn_app().await;
    let query = "query Hello { __typename }";
    let hash = sha256(query);

    let (status, unknown) = post_json(&app, &persisted(None, &hash)).await;
    assert_eq!(status, 200);
    assert_eq!(unknown["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(unknown["errors"][0]["message"], "PersistedQueryNotFound");

    let (_, registered) = post_json(&app, &persisted(Some(query), &hash)).await;
    assert_eq!(registered["data"]["__typename"], "Query");
    let (_, by_hash) = post_json(&app, &persisted(None, &hash)).await;
    assert_eq!(by_hash["data"]["__typename"], "Query");

    // GET with the hash alone, so that a CDN can cache it.
    let extensions = json!({"persistedQuery": {"version": 1, "sha256Hash": hash}}).to_string();
    let got = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("operationName", "Hello"), ("extensions", extensions.as_str())])
        .bearer_auth(&app.api_key)
        .header("X-Workspace-ID", &app.workspace)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.json::<Value>().await.unwrap()["data"]["__typename"], "Query");

    let (_, mismatch) = post_json(&app, &persisted(Some("{ __typename }"), &sha256("{ other }"))).await;
    assert_eq!(mismatch["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(mismatch["errors"][0]["extensions"]["field"], "extensions.persistedQuery");
}

#[tokio::test]
async fn a_persisted_mutation_is_not_run_over_get_and_the_store_is_bounded() {
    let app = spawn_app_with(|c| c.limits.apq_cache_size = 1).await;
    let mutation =
        "mutation { addConversationTags(input: {conversationId: \"nope\", tags: [\"a\"]}) { conversation { id } } }";
    let (_, registered) = post_json(&app, &persisted(Some(mutation), &sha256(mutation))).await;
    assert_eq!(registered["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let extensions = json!({"persistedQuery": {"version": 1, "sha256Hash": sha256(mutation)}}).to_string();
    let got = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("extensions", extensions.as_str())])
        .bearer_auth(&app.api_key)
        .header("X-Workspace-ID", &app.workspace)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 405);

    let query = "{ __typename }";
    post_json(&app, &persisted(Some(query), &sha256(query))).await;
    let (_, forgotten) = post_json(&app, &persisted(None, &sha256(mutation))).await;
    assert_eq!(forgotten["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND", "one query is kept");
    let (_, kept) = post_json(&app, &persisted(None, &sha256(query))).await;
    assert_eq!(kept["data"]["__typename"], "Query");
}
