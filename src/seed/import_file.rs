//! The import file (contract section 6), parsed: whole into domain records before
//! anything is written, so an invalid file is refused with its first bad place named.
//! The store's bulk load writes what it gives.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::domain::{
    parse_rfc3339, Channel, Conversation, ConversationStatus, Customer, ImportedConversation, Message, Note,
    NoteContent, Priority, TagList, Timestamp, User, MAX_TAGS_PER_CONVERSATION,
};

/// What is wrong with a file, and where: `conversations[3].channel: unknown channel "fax"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ImportError {
    pub path: String,
    pub message: String,
}

/// Parses an import file: `{"conversations": [...]}` or a REST list response
/// `{"data": {"conversations": [...]}, ...}`.
pub fn parse_file(text: &str) -> Result<Vec<ImportedConversation>, ImportError> {
    let root: Value = serde_json::from_str(text).map_err(|e| ImportError {
        path: format!("line {}, column {}", e.line(), e.column()),
        message: format!("invalid JSON: {e}"),
    })?;
    let (path, list) = conversation_list(&root)?;
    let mut seen_notes = HashSet::new();
    list.iter()
        .enumerate()
        .map(|(i, value)| {
            let at = Place(format!("{path}[{i}]"));
            let conversation = parse_conversation(&at, value)?;
            for (j, note) in conversation.notes.iter().enumerate() {
                if !seen_notes.insert(note.id.clone()) {
                    return Err(at.child(&format!("notes[{j}].id")).error(format!("duplicate note id {:?}", note.id)));
                }
            }
            Ok(conversation)
        })
        .collect()
}

fn conversation_list(root: &Value) -> Result<(&'static str, &Vec<Value>), ImportError> {
    let top = Place(String::from("$"));
    if let Some(list) = root.get("conversations") {
        return Ok(("conversations", as_array(&Place("conversations".into()), list)?));
    }
    if let Some(list) = root.get("data").and_then(|d| d.get("conversations")) {
        return Ok(("data.conversations", as_array(&Place("data.conversations".into()), list)?));
    }
    Err(top.error("expected an object with a \"conversations\" list, or a list response with \"data.conversations\""))
}

/// A place in the file, for error messages.
struct Place(String);

impl Place {
    fn child(&self, key: &str) -> Place {
        Place(format!("{}.{key}", self.0))
    }

    fn error(&self, message: impl Into<String>) -> ImportError {
        ImportError { path: self.0.clone(), message: message.into() }
    }
}

fn as_array<'a>(at: &Place, value: &'a Value) -> Result<&'a Vec<Value>, ImportError> {
    value.as_array().ok_or_else(|| at.error(format!("expected a list, got {}", kind(value))))
}

fn as_object<'a>(at: &Place, value: &'a Value) -> Result<&'a Map<String, Value>, ImportError> {
    value.as_object().ok_or_else(|| at.error(format!("expected an object, got {}", kind(value))))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Typed access to one object's fields.
struct Fields<'a> {
    at: &'a Place,
    map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    /// The field's value; absent and `null` are both `None`.
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn required(&self, key: &str) -> Result<&'a Value, ImportError> {
        self.get(key).ok_or_else(|| self.at.child(key).error("is required"))
    }

    fn string(&self, key: &str) -> Result<Option<&'a str>, ImportError> {
        self.get(key)
            .map(|v| v.as_str().ok_or_else(|| self.at.child(key).error(format!("expected a string, got {}", kind(v)))))
            .transpose()
    }

    fn required_string(&self, key: &str) -> Result<&'a str, ImportError> {
        self.required(key)?;
        self.string(key).map(|s| s.unwrap_or_default())
    }

    fn id(&self, key: &str) -> Result<String, ImportError> {
        let id = self.required_string(key)?;
        if id.trim().is_empty() {
            return Err(self.at.child(key).error("must not be empty"));
        }
        Ok(id.to_owned())
    }

    fn parsed<T>(
        &self,
        key: &str,
        parse: impl FnOnce(&str) -> Result<T, crate::domain::RuleError>,
    ) -> Result<T, ImportError> {
        let raw = self.required_string(key)?;
        parse(raw).map_err(|e| self.at.child(key).error(e.0))
    }

    fn timestamp(&self, key: &str) -> Result<Option<Timestamp>, ImportError> {
        self.string(key)?.map(|raw| parse_rfc3339(raw).map_err(|e| self.at.child(key).error(e.0))).transpose()
    }

    fn count(&self, key: &str) -> Result<Option<i32>, ImportError> {
        self.get(key)
            .map(|v| {
                v.as_u64()
                    .and_then(|n| i32::try_from(n).ok())
                    .ok_or_else(|| self.at.child(key).error(format!("expected a whole number of 0 or more, got {v}")))
            })
            .transpose()
    }

    fn list(&self, key: &str) -> Result<Vec<(Place, &'a Value)>, ImportError> {
        let Some(value) = self.get(key) else {
            return Ok(Vec::new());
        };
        let place = self.at.child(key);
        let items = as_array(&place, value)?;
        Ok(items.iter().enumerate().map(|(i, v)| (Place(format!("{}[{i}]", place.0)), v)).collect())
    }
}

fn fields<'a>(at: &'a Place, value: &'a Value) -> Result<Fields<'a>, ImportError> {
    Ok(Fields { at, map: as_object(at, value)? })
}

fn parse_conversation(at: &Place, value: &Value) -> Result<ImportedConversation, ImportError> {
    let f = fields(at, value)?;
    let id = f.id("id")?;
    let channel: Channel = f.parsed("channel", str::parse)?;
    let status: ConversationStatus = f.parsed("status", str::parse)?;
    let priority: Priority = f.parsed("priority", str::parse)?;
    let customer = parse_customer(&at.child("customer"), f.required("customer")?)?;
    let assignee = f.get("assignee").map(|v| parse_user(&at.child("assignee"), v)).transpose()?;
    let tags = parse_tags(&f)?;
    let metadata = match f.get("metadata") {
        Some(v) => as_object(&at.child("metadata"), v)?.clone(),
        None => Map::new(),
    };
    let created_at = f.timestamp("created_at")?.ok_or_else(|| at.child("created_at").error("is required"))?;
    let messages = f.list("messages")?.iter().map(|(p, v)| parse_message(p, v)).collect::<Result<Vec<_>, _>>()?;
    let notes = f.list("notes")?.iter().map(|(p, v)| parse_note(p, v, &id)).collect::<Result<Vec<_>, _>>()?;
    let last_activity_at = match f.timestamp("last_activity_at")? {
        Some(ts) => ts,
        None => messages.iter().map(|m| m.sent_at).fold(created_at, i64::max),
    };
    let (resolved_at, resolution_notes) = parse_resolution(&f, status, last_activity_at)?;
    let messages_count = match f.count("messages_count")? {
        Some(n) => n,
        None => i32::try_from(messages.len()).map_err(|_| at.child("messages").error("too many messages"))?,
    };
    let conversation = Conversation {
        id,
        channel,
        status,
        priority,
        customer_id: customer.id.clone(),
        assignee_id: assignee.as_ref().map(|u: &User| u.id.clone()),
        summary: f.string("summary")?.map(str::to_owned),
        messages_count,
        unread_count: f.count("unread_count")?.unwrap_or(0),
        metadata,
        created_at,
        last_activity_at,
        resolved_at,
        resolution_notes,
    };
    Ok(ImportedConversation { conversation, customer, assignee, tags, messages, notes })
}

/// `resolved_at` and `resolution_notes` belong to resolved conversations only; a resolved
/// one without `resolved_at` is taken as resolved at its last activity.
fn parse_resolution(
    f: &Fields<'_>,
    status: ConversationStatus,
    last_activity_at: Timestamp,
) -> Result<(Option<Timestamp>, Option<String>), ImportError> {
    let resolved_at = f.timestamp("resolved_at")?;
    let notes = f.string("resolution_notes")?.map(str::to_owned);
    if status == ConversationStatus::Resolved {
        return Ok((Some(resolved_at.unwrap_or(last_activity_at)), notes));
    }
    for (key, present) in [("resolved_at", resolved_at.is_some()), ("resolution_notes", notes.is_some())] {
        if present {
            return Err(f.at.child(key).error(format!(
                "must be null unless status is \"resolved\" (status is {status:?})",
                status = status.as_str()
            )));
        }
    }
    Ok((None, None))
}

fn parse_tags(f: &Fields<'_>) -> Result<Vec<String>, ImportError> {
    let at = f.at.child("tags");
    let raw = as_array(&at, f.required("tags")?)?;
    let mut strings = Vec::with_capacity(raw.len());
    for (i, v) in raw.iter().enumerate() {
        let s = v
            .as_str()
            .ok_or_else(|| Place(format!("{}[{i}]", at.0)).error(format!("expected a string, got {}", kind(v))))?;
        strings.push(s);
    }
    let tags = TagList::parse(&strings, 0, usize::MAX).map_err(|e| at.error(e.0))?;
    if tags.len() > MAX_TAGS_PER_CONVERSATION {
        return Err(
            at.error(format!("a conversation holds at most {MAX_TAGS_PER_CONVERSATION} tags, got {}", tags.len()))
        );
    }
    Ok(tags.as_strings())
}

fn parse_customer(at: &Place, value: &Value) -> Result<Customer, ImportError> {
    let f = fields(at, value)?;
    let servicetitan_id = match f.get("servicetitan_id") {
        Some(Value::Number(n)) if n.is_u64() => Some(n.to_string()),
        _ => f.string("servicetitan_id")?.map(str::to_owned),
    };
    Ok(Customer {
        id: f.id("id")?,
        name: f.required_string("name")?.to_owned(),
        phone: f.string("phone")?.map(str::to_owned),
        email: f.string("email")?.map(str::to_owned),
        servicetitan_id,
    })
}

fn parse_user(at: &Place, value: &Value) -> Result<User, ImportError> {
    let f = fields(at, value)?;
    Ok(User {
        id: f.id("id")?,
        name: f.required_string("name")?.to_owned(),
        avatar_url: f.string("avatar_url")?.map(str::to_owned),
    })
}

fn parse_message(at: &Place, value: &Value) -> Result<Message, ImportError> {
    let f = fields(at, value)?;
    let direction = f.string("direction")?;
    if let Some(d) = direction {
        if d != "inbound" && d != "outbound" {
            return Err(at.child("direction").error(format!("unknown direction {d:?}")));
        }
    }
    Ok(Message {
        id: f.string("id")?.map(str::to_owned),
        direction: direction.map(str::to_owned),
        body: f.required_string("body")?.to_owned(),
        sent_at: f.timestamp("sent_at")?.ok_or_else(|| at.child("sent_at").error("is required"))?,
    })
}

fn parse_note(at: &Place, value: &Value, conversation_id: &str) -> Result<Note, ImportError> {
    let f = fields(at, value)?;
    let internal = match f.get("internal") {
        None => true,
        Some(v) => {
            v.as_bool().ok_or_else(|| at.child("internal").error(format!("expected a boolean, got {}", kind(v))))?
        }
    };
    Ok(Note {
        id: f.id("id")?,
        conversation_id: conversation_id.to_owned(),
        content: f.parsed("content", NoteContent::parse)?.into_inner(),
        internal,
        created_at: f.timestamp("created_at")?.ok_or_else(|| at.child("created_at").error("is required"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn minimal() -> Value {
        json!({"id": "c1", "channel": "voice", "status": "open", "priority": "urgent",
               "customer": {"id": "k1", "name": "John Smith"}, "tags": [],
               "created_at": "2024-01-20T14:30:00Z"})
    }

    fn parse(value: &Value) -> Result<Vec<ImportedConversation>, ImportError> {
        parse_file(&value.to_string())
    }

    fn error_of(conversation: Value) -> String {
        parse(&json!({"conversations": [minimal(), conversation]})).unwrap_err().to_string()
    }

    fn with(key: &str, value: Value) -> Value {
        let mut c = minimal();
        c[key] = value;
        c
    }

    #[test]
    fn accepts_both_shapes() {
        assert_eq!(parse(&json!({"conversations": [minimal()]})).unwrap().len(), 1);
        assert_eq!(parse(&json!({"data": {"conversations": [minimal()]}, "pagination": {}})).unwrap().len(), 1);
        assert!(parse(&json!([minimal()])).is_err());
    }

    #[test]
    fn defaults_optional_fields() {
        let c = with(
            "messages",
            json!([
            {"id": "m1", "direction": "inbound", "body": "no heat", "sent_at": "2024-01-20T15:00:00Z"},
            {"body": "on our way", "sent_at": "2024-01-20T14:40:00+00:00"}]),
        );
        let parsed = parse(&json!({"conversations": [c]})).unwrap().remove(0);
        assert_eq!(parsed.conversation.messages_count, 2);
        assert_eq!(parsed.conversation.unread_count, 0);
        assert_eq!(crate::domain::format_timestamp(parsed.conversation.last_activity_at), "2024-01-20T15:00:00Z");
        assert!(parsed.conversation.metadata.is_empty());
        assert_eq!(parsed.assignee, None);
    }

    #[test]
    fn names_the_first_bad_place() {
        assert_eq!(error_of(with("channel", json!("fax"))), r#"conversations[1].channel: unknown channel "fax""#);
        assert_eq!(error_of(with("created_at", json!(null))), "conversations[1].created_at: is required");
        assert_eq!(
            error_of(with("tags", json!(["ok", "bad tag"]))).split(':').next().unwrap(),
            "conversations[1].tags"
        );
        assert!(error_of(with("customer", json!({"id": "k"}))).starts_with("conversations[1].customer.name"));
        assert!(error_of(with("messages", json!([{"body": "x", "sent_at": "nope"}])))
            .starts_with("conversations[1].messages[0].sent_at"));
        assert!(error_of(with("metadata", json!([1]))).starts_with("conversations[1].metadata"));
        assert!(
            error_of(with("resolved_at", json!("2024-01-20T15:00:00Z"))).starts_with("conversations[1].resolved_at")
        );
        assert!(error_of(with("unread_count", json!(-1))).starts_with("conversations[1].unread_count"));
        assert!(parse_file("{\"conversations\": [").unwrap_err().message.starts_with("invalid JSON"));
    }

    #[test]
    fn refuses_duplicate_note_ids() {
        let note = json!([{"id": "n1", "content": "gate code", "created_at": "2024-01-20T15:00:00Z"}]);
        let a = with("notes", note.clone());
        let mut b = with("notes", note);
        b["id"] = json!("c2");
        let err = parse(&json!({"conversations": [a, b]})).unwrap_err();
        assert_eq!(err.path, "conversations[1].notes[0].id");
    }

    #[test]
    fn resolved_without_resolved_at_takes_last_activity() {
        let c = with("status", json!("resolved"));
        let parsed = parse(&json!({"conversations": [c]})).unwrap().remove(0);
        assert_eq!(parsed.conversation.resolved_at, Some(parsed.conversation.last_activity_at));
    }

    fn any_json() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "\\PC{0,12}".prop_map(Value::from),
            prop::sample::select(vec!["voice", "open", "urgent", "2024-01-20T14:30:00Z", "emergency"])
                .prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 40, 6, |inner| {
            let keys = prop::sample::select(vec![
                "conversations",
                "data",
                "id",
                "channel",
                "status",
                "priority",
                "customer",
                "name",
                "tags",
                "created_at",
                "messages",
                "notes",
                "body",
                "sent_at",
                "content",
                "assignee",
                "metadata",
                "resolved_at",
                "messages_count",
                "internal",
            ]);
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((keys, inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
            ]
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 500, failure_persistence: None, ..Default::default() })]

        #[test]
        fn any_json_is_parsed_or_refused_with_a_place(value in any_json()) {
            if let Err(err) = parse_file(&value.to_string()) {
                proptest::prop_assert!(!err.path.is_empty() && !err.message.is_empty());
            }
        }

        #[test]
        fn any_text_is_parsed_or_refused_with_a_place(text in "\\PC{0,300}") {
            if let Err(err) = parse_file(&text) {
                proptest::prop_assert!(err.to_string().contains(": "), "{err}");
            }
        }
    }
}
