//! Global object ids (Relay's `nodeId`): an object's type and id, opaque to clients and
//! stable. The workspace is not part of it: ids are unique within a workspace, and the
//! caller's workspace scopes every lookup, so another workspace's id finds nothing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::RuleError;

/// The types of object a `nodeId` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Conversation,
    Customer,
    User,
    Note,
}

impl NodeKind {
    pub const ALL: [Self; 4] = [Self::Conversation, Self::Customer, Self::User, Self::Note];

    /// The GraphQL type's name, the part of the `nodeId` before the id.
    fn type_name(self) -> &'static str {
        match self {
            Self::Conversation => "Conversation",
            Self::Customer => "Customer",
            Self::User => "User",
            Self::Note => "Note",
        }
    }

    /// The `nodeId` of this type's object `id`: base64url, unpadded, of `Type:id`.
    pub fn node_id(self, id: &str) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}:{id}", self.type_name()))
    }
}

/// A `nodeId` a client sent, read back into the type and id it names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NodeId {
    pub kind: NodeKind,
    pub id: String,
}

impl NodeId {
    /// Reads a `nodeId` this API gave out; anything else (another encoding, an unknown
    /// type, an empty id) is refused. Each object has exactly one `nodeId`: the decoding
    /// refuses padding and stray trailing bits, so no second spelling reads as the same.
    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        let malformed = || RuleError::new("not a nodeId of this API: pass back a nodeId unchanged");
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| malformed())?;
        let text = String::from_utf8(bytes).map_err(|_| malformed())?;
        let (type_name, id) = text.split_once(':').ok_or_else(malformed)?;
        let kind = NodeKind::ALL.into_iter().find(|k| k.type_name() == type_name).ok_or_else(malformed)?;
        // No stored id holds a NUL (PostgreSQL text cannot), so no nodeId given out does.
        if id.is_empty() || id.contains('\0') {
            return Err(malformed());
        }
        Ok(Self { kind, id: id.to_owned() })
    }

    pub fn encode(&self) -> String {
        self.kind.node_id(&self.id)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_nul_in_the_id_is_not_a_node_id_of_this_api() {
        assert!(NodeId::parse(&URL_SAFE_NO_PAD.encode("Conversation:conv\0x")).is_err());
    }

    #[test]
    fn round_trips_and_reads_as_documented() {
        let encoded = NodeKind::Conversation.node_id("conv_abc123");
        assert_eq!(encoded, "Q29udmVyc2F0aW9uOmNvbnZfYWJjMTIz");
        assert_eq!(URL_SAFE_NO_PAD.decode(&encoded).unwrap(), b"Conversation:conv_abc123");
        let parsed = NodeId::parse(&encoded).unwrap();
        assert_eq!(parsed, NodeId { kind: NodeKind::Conversation, id: "conv_abc123".into() });
        assert_eq!(parsed.encode(), encoded);
    }

    #[test]
    fn the_same_id_differs_by_type() {
        let ids: Vec<String> = NodeKind::ALL.iter().map(|k| k.node_id("x_1")).collect();
        for (i, a) in ids.iter().enumerate() {
            assert!(ids[i + 1..].iter().all(|b| b != a), "{ids:?}");
        }
    }

    #[test]
    fn refuses_what_it_did_not_give_out() {
        let b64 = |text: &str| URL_SAFE_NO_PAD.encode(text);
        let padded = base64::engine::general_purpose::URL_SAFE.encode("Note:note_1");
        let standard = base64::engine::general_purpose::STANDARD_NO_PAD.encode("User:u?>>");
        let cases = [
            String::new(),
            "conv_abc123".into(),
            "!!!".into(),
            padded,
            standard,
            b64("Conversation"),
            b64("Conversation:"),
            b64("Workspace:ws_demo"),
            b64("conversation:conv_abc123"),
            b64(":conv_abc123"),
            URL_SAFE_NO_PAD.encode([0xff, 0xfe, b':', b'x']),
            with_trailing_bit(&NodeKind::Note.node_id("ab")),
        ];
        for raw in cases {
            assert!(NodeId::parse(&raw).is_err(), "{raw:?}");
        }
    }

    /// The same bytes spelled otherwise: the last character's unused low bit set.
    fn with_trailing_bit(encoded: &str) -> String {
        const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        assert_eq!(encoded.len() % 4, 2, "a length whose last character has unused bits");
        let (head, last) = encoded.split_at(encoded.len() - 1);
        let value = ALPHABET.find(last).unwrap();
        format!("{head}{}", &ALPHABET[(value | 1)..=(value | 1)])
    }

    fn kind() -> impl Strategy<Value = NodeKind> {
        prop::sample::select(NodeKind::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn every_id_round_trips(kind in kind(), id in "\\PC{1,40}") {
            let encoded = kind.node_id(&id);
            prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            prop_assert_eq!(NodeId::parse(&encoded), Ok(NodeId { kind, id }));
        }

        #[test]
        fn distinct_objects_have_distinct_ids(a in (kind(), "[a-z_:0-9]{1,12}"), b in (kind(), "[a-z_:0-9]{1,12}")) {
            prop_assume!(a != b);
            prop_assert_ne!(a.0.node_id(&a.1), b.0.node_id(&b.1));
        }

        #[test]
        fn any_string_parses_or_is_refused_without_panic(raw in "\\PC{0,60}") {
            if let Ok(parsed) = NodeId::parse(&raw) {
                prop_assert_eq!(parsed.encode(), raw);
            }
        }
    }
}
