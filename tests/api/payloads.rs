//! Several mutations in one GraphQL document: they run one after the other, and each
//! payload shows the conversation as its own mutation left it, not as the request saw
//! it before (the request's DataLoaders cache tags, notes and activity).

use serde_json::{json, Value};

use crate::helpers::{conversation, read_back, spawn_app, strings};

const STATE: &str = "conversation { tags notes { id content } activity { kind details } assignee { id } status }";

fn kinds(payload: &Value) -> Vec<String> {
    payload["conversation"]["activity"]
        .as_array()
        .expect("activity is a list")
        .iter()
        .map(|e| e["kind"].as_str().expect("a kind").to_owned())
        .collect()
}

fn note_contents(payload: &Value) -> Vec<String> {
    payload["conversation"]["notes"]
        .as_array()
        .expect("notes are a list")
        .iter()
        .map(|n| n["content"].as_str().expect("a content").to_owned())
        .collect()
}

#[tokio::test]
async fn each_payload_of_a_document_shows_the_state_its_own_mutation_left() {
    let app = spawn_app().await;
    let owner = conversation("conv_owner", json!({"assignee": {"id": "user_ana", "name": "Ana"}}));
    app.import(&json!([conversation("conv_1", json!({"tags": ["hvac"]})), owner])).await;
    let query = format!(
        r#"mutation {{
          a: addConversationTags(input: {{conversationId: "conv_1", tags: ["vip"]}}) {{ {STATE} }}
          b: addConversationNote(input: {{conversationId: "conv_1", content: "Gate code 4411"}}) {{ note {{ id }} {STATE} }}
          c: removeConversationTags(input: {{conversationId: "conv_1", tags: ["hvac"]}}) {{ {STATE} }}
          d: addConversationNote(input: {{conversationId: "conv_1", content: "Dog in the yard"}}) {{ note {{ id }} {STATE} }}
          e: assignConversation(input: {{conversationId: "conv_1", assigneeId: "user_ana"}}) {{ {STATE} }}
          f: updateConversationStatus(input: {{conversationId: "conv_1", status: RESOLVED}}) {{ {STATE} }}
        }}"#
    );
    let answer = app.gql(&query, json!({})).await;
    let data = answer.data();

    let tags = |alias: &str| strings(&data[alias]["conversation"]["tags"]);
    assert_eq!(tags("a"), ["hvac", "vip"], "a");
    assert_eq!(tags("b"), ["hvac", "vip"], "b");
    assert_eq!(tags("c"), ["vip"], "c");
    assert_eq!(tags("f"), ["vip"], "f");

    assert_eq!(note_contents(&data["a"]), Vec::<String>::new(), "a");
    assert_eq!(note_contents(&data["b"]), ["Gate code 4411"], "b");
    assert_eq!(note_contents(&data["c"]), ["Gate code 4411"], "c");
    assert_eq!(note_contents(&data["d"]), ["Gate code 4411", "Dog in the yard"], "d");
    assert_eq!(data["d"]["conversation"]["notes"][1]["id"], data["d"]["note"]["id"], "d's note");

    let mut expected = vec!["IMPORTED", "TAGS_ADDED"];
    let added = [
        ("a", None),
        ("b", Some("NOTE_ADDED")),
        ("c", Some("TAGS_REMOVED")),
        ("d", Some("NOTE_ADDED")),
        ("e", Some("ASSIGNED")),
        ("f", Some("STATUS_CHANGED")),
    ];
    for (alias, kind) in added {
        expected.extend(kind);
        assert_eq!(kinds(&data[alias]), expected, "{alias}");
    }
    assert_eq!(data["e"]["conversation"]["assignee"]["id"], "user_ana");
    assert_eq!(data["f"]["conversation"]["status"], "RESOLVED");

    let last = read_back(&app, "conv_1").await;
    assert_eq!(last["tags"], data["f"]["conversation"]["tags"], "the last payload is the state read back");
    assert_eq!(last["notes"].as_array().map(Vec::len), Some(2));
}
