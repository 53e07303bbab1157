//! The standard introspection queries (graphql-js's `getIntrospectionQuery()` with its
//! default options and with every option, which GraphiQL and Apollo's tools send) pass
//! at the default limits; introspection's recursion through its list fields is bounded as
//! graphql-js bounds it; `--introspection off` refuses it all.

use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with};

const DEFAULTS: &str = include_str!("fixtures/introspection-defaults.graphql");
const ALL_OPTIONS: &str = include_str!("fixtures/introspection-all-options.graphql");

#[tokio::test]
async fn the_standard_introspection_queries_pass_at_the_default_limits() {
    let app = spawn_app().await;
    for query in [DEFAULTS, ALL_OPTIONS] {
        let answer = app.gql(query, json!({})).await;
        let schema = &answer.data()["__schema"];
        assert_eq!(schema["queryType"]["name"], "Query");
        assert_eq!(schema["mutationType"]["name"], "Mutation");
        let types = schema["types"].as_array().unwrap();
        let conversation = types.iter().find(|t| t["name"] == "Conversation").expect("the Conversation type");
        assert!(conversation["fields"].as_array().unwrap().iter().any(|f| f["name"] == "lastActivityAt"));
    }
}

#[tokio::test]
async fn introspection_recursion_through_its_lists_is_bounded() {
    let app = spawn_app().await;
    let two = "{ __schema { types { fields { type { interfaces { name } } } } } }";
    app.gql(two, json!({})).await.data();
    for three in [
        "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }",
        "{ __type(name: \"Query\") { ...L } } fragment L on __Type { fields { type { possibleTypes { inputFields { name } } } } }",
    ] {
        let answer = app.gql(three, json!({})).await;
        assert_eq!(answer.code(), "GRAPHQL_VALIDATION_FAILED", "{three}");
        assert!(answer.body["errors"][0]["message"].as_str().unwrap().contains("introspection"), "{}", answer.body);
    }
}

#[tokio::test]
async fn the_schemas_own_fields_keep_their_depth_limit() {
    let app = spawn_app_with(|c| c.limits.query.depth = 3).await;
    let answer = app.gql("{ conversations { conversations { customer { id } } } }", json!({})).await;
    assert_eq!(answer.code(), "GRAPHQL_VALIDATION_FAILED");
    assert!(answer.body["errors"][0]["message"].as_str().unwrap().contains("depth limit is 3"));
    // Introspection is not held to it.
    app.gql(DEFAULTS, json!({})).await.data();
}

#[tokio::test]
async fn introspection_can_be_turned_off() {
    let app = spawn_app_with(|c| c.limits.query.introspection = false).await;
    for query in [DEFAULTS, "{ __type(name: \"Conversation\") { name } }"] {
        let answer = app.gql(query, json!({})).await;
        assert_eq!(answer.code(), "GRAPHQL_VALIDATION_FAILED", "{}", answer.body);
    }
    let answer = app.gql("{ __typename }", json!({})).await;
    assert_eq!(answer.data()["__typename"], "Query");
}
