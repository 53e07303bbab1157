//! The demo workspace that `serve --demo` loads: the contract's two example
//! conversations (section 7) and a few hundred more from the generator, a home-services
//! business over the winter of 2023/24. The same every run, so loading it again only
//! restores it.

use super::generator::{Generator, Shape};
use super::tables::TEAM;
use crate::domain::{ApiKey, Clock, ImportedConversation, WorkspaceId};
use crate::store::Store;

pub const DEMO_WORKSPACE_ID: &str = "ws_demo";
pub const DEMO_WORKSPACE_NAME: &str = "Demo: Comfort Pro Home Services";

/// The demo: 400 conversations of 150 customers over the 120 days before `PERIOD_END`,
/// the contract's two examples and their customers among them.
pub const DEMO_SHAPE: Shape =
    Shape { conversations: 400, customers: 150, team: TEAM.len(), days: 120, seed: SEED, contract_examples: true };

const SEED: u64 = 0x00C0_FFEE_2024_0301;

/// The demo's conversations: the contract's two examples first, then the seeded rest.
pub fn demo_conversations() -> Vec<ImportedConversation> {
    Generator::new(DEMO_SHAPE).collect()
}

/// Loads the demo workspace, or restores it to its documented state (statuses,
/// assignees, tags and imported notes as shipped: an import upserts every conversation),
/// and issues a key.
///
/// The demo is loaded as any import file is, `IMPORTED` events included: the first load
/// gives each conversation one (`{"created": true}`), so the demo shows the kind and its
/// subscribers see conversations arrive; loading it again records none, unless someone
/// changed a conversation since and the load restores it (`{"created": false}`). The
/// contract's two examples still read back as its section 7 shows, their `activity`
/// holding that first event.
pub async fn load(store: &Store, clock: &dyn Clock) -> anyhow::Result<ApiKey> {
    let workspace = WorkspaceId::new_unchecked(DEMO_WORKSPACE_ID);
    store.ensure_workspace(&workspace, DEMO_WORKSPACE_NAME, clock.now()).await?;
    let summary = store.import(&workspace, &demo_conversations()).await?;
    tracing::info!(conversations = summary.conversations, "demo workspace loaded in its documented state");
    Ok(store.create_api_key(&workspace, clock.now()).await?)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap, HashSet};

    use serde_json::{json, Map, Value};

    use super::*;
    use crate::domain::{
        fold, format_timestamp, words, Channel, ConversationStatus, Customer, Priority, TagName, User,
    };
    use crate::seed::examples::jane_doe;
    use crate::seed::generator::{assert_every_channel_status_and_priority, DAY, ID_ALPHABET, MAX_TAGS, PERIOD_END};
    use crate::seed::tables::{INBOUND, OUTBOUND};

    fn find(all: &[ImportedConversation], id: &str) -> ImportedConversation {
        all.iter().find(|c| c.conversation.id == id).cloned().expect("the example is present")
    }

    fn keys(metadata: &Map<String, Value>) -> Vec<&str> {
        metadata.keys().map(String::as_str).collect()
    }

    #[test]
    fn is_deterministic() {
        assert_eq!(demo_conversations(), demo_conversations());
    }

    #[test]
    fn holds_the_voice_example_of_the_contract() {
        let all = demo_conversations();
        let abc = find(&all, "conv_abc123");
        let c = &abc.conversation;
        assert_eq!((c.channel, c.status, c.priority), (Channel::Voice, ConversationStatus::Open, Priority::Urgent));
        assert_eq!(abc.customer.id, "cust_456");
        assert_eq!(abc.customer.name, "John Smith");
        assert_eq!(abc.customer.phone.as_deref(), Some("+13105551234"));
        assert_eq!(abc.customer.email.as_deref(), Some("john.smith@example.com"));
        assert_eq!(abc.customer.servicetitan_id.as_deref(), Some("12345"));
        let sarah = abc.assignee.as_ref().expect("assigned");
        assert_eq!((sarah.id.as_str(), sarah.name.as_str()), ("user_789", "Sarah Johnson"));
        assert_eq!(sarah.avatar_url.as_deref(), Some("https://avatars.avoca.ai/sarah.jpg"));
        assert_eq!(c.assignee_id.as_deref(), Some("user_789"));
        assert_eq!(c.summary.as_deref(), Some("No hot water - needs emergency service"));
        assert_eq!((c.messages_count, c.unread_count, abc.messages.len()), (1, 0, 1));
        assert_eq!(abc.tags, ["emergency", "water_heater"]);
        assert_eq!(keys(&c.metadata), ["call_duration", "recording_url", "transcript_available"]);
        assert_eq!(
            Value::Object(c.metadata.clone()),
            json!({"call_duration": 245, "recording_url": "https://recordings.avoca.ai/call_abc123.mp3", "transcript_available": true})
        );
        assert_eq!(format_timestamp(c.created_at), "2024-01-20T14:30:00Z");
        assert_eq!(format_timestamp(c.last_activity_at), "2024-01-20T14:35:00Z");
        assert_eq!((c.resolved_at, c.resolution_notes.as_deref()), (None, None));
    }

    #[test]
    fn holds_the_sms_example_of_the_contract() {
        let all = demo_conversations();
        let def = find(&all, "conv_def456");
        let c = &def.conversation;
        assert_eq!((c.channel, c.status, c.priority), (Channel::Sms, ConversationStatus::Pending, Priority::Normal));
        assert_eq!(def.customer, jane_doe());
        assert_eq!(def.customer.name, "Jane Doe");
        assert_eq!(def.customer.phone.as_deref(), Some("+13105555678"));
        assert_eq!(def.customer.email.as_deref(), Some("jane.doe@example.com"));
        assert_eq!(def.customer.servicetitan_id.as_deref(), Some("67890"));
        assert_eq!(c.customer_id, "cust_789");
        assert_eq!((def.assignee.as_ref(), c.assignee_id.as_ref()), (None, None));
        assert_eq!(c.summary.as_deref(), Some("Question about maintenance plan pricing"));
        assert_eq!((c.messages_count, c.unread_count, def.messages.len()), (3, 1, 3));
        assert_eq!(def.tags, ["sales_inquiry", "maintenance_plan"]);
        assert_eq!(Value::Object(c.metadata.clone()), json!({"thread_id": "sms_thread_123"}));
        assert_eq!(format_timestamp(c.created_at), "2024-01-20T13:00:00Z");
        assert_eq!(format_timestamp(c.last_activity_at), "2024-01-20T14:45:00Z");
        let latest = def.messages.iter().map(|m| m.sent_at).max().expect("messages");
        assert_eq!(format_timestamp(latest), "2024-01-20T14:45:00Z");
        assert_eq!(c.resolved_at, None);
    }

    #[test]
    fn has_the_promised_size() {
        let all = demo_conversations();
        let customers: HashSet<&str> = all.iter().map(|c| c.customer.id.as_str()).collect();
        let users: HashSet<&str> = all.iter().filter_map(|c| c.assignee.as_ref()).map(|u| u.id.as_str()).collect();
        assert_eq!(all.len(), 400);
        assert_eq!(customers.len(), 150);
        assert_eq!(users.len(), 8);
        let unassigned = all.iter().filter(|c| c.assignee.is_none()).count();
        assert!((40..=120).contains(&unassigned), "{unassigned} unassigned");
    }

    #[test]
    fn ids_are_unique_and_well_formed() {
        let all = demo_conversations();
        let mut conversations = HashSet::new();
        let mut messages = HashSet::new();
        let mut notes = HashSet::new();
        for c in &all {
            let id = &c.conversation.id;
            let suffix = id.strip_prefix("conv_").expect("conv_ prefix");
            assert!(suffix.len() == 6 && suffix.bytes().all(|b| ID_ALPHABET.contains(&b)), "{id}");
            assert!(conversations.insert(id.clone()), "{id} twice");
            let number = c.customer.id.strip_prefix("cust_").expect("cust_ prefix");
            assert!(number.parse::<u32>().is_ok(), "{}", c.customer.id);
            for m in &c.messages {
                let mid = m.id.clone().expect("messages have ids");
                assert!(mid.starts_with("msg_"));
                assert!(messages.insert(mid.clone()), "{mid} twice");
            }
            for n in &c.notes {
                assert!(n.id.starts_with(&format!("note_{suffix}_")), "{}", n.id);
                assert!(notes.insert(n.id.clone()), "{} twice", n.id);
            }
        }
    }

    #[test]
    fn covers_every_channel_status_and_priority() {
        assert_every_channel_status_and_priority(&demo_conversations());
    }

    #[test]
    fn tags_are_valid_and_already_normalised() {
        for c in demo_conversations() {
            assert!(c.tags.len() <= MAX_TAGS, "{:?}", c.tags);
            let unique: HashSet<&String> = c.tags.iter().collect();
            assert_eq!(unique.len(), c.tags.len(), "{:?}", c.tags);
            for tag in &c.tags {
                assert_eq!(TagName::parse(tag).expect("valid tag").as_str(), tag);
            }
        }
    }

    #[test]
    fn conversations_are_consistent() {
        for c in demo_conversations() {
            let v = &c.conversation;
            assert_eq!(v.customer_id, c.customer.id);
            assert_eq!(v.assignee_id, c.assignee.as_ref().map(|u| u.id.clone()));
            assert!(v.last_activity_at >= v.created_at, "{}", v.id);
            let latest = c.messages.iter().map(|m| m.sent_at).max().unwrap_or(v.created_at);
            assert_eq!(v.last_activity_at, latest, "{}", v.id);
            assert_eq!(usize::try_from(v.messages_count).unwrap(), c.messages.len(), "{}", v.id);
            assert!((1..=5).contains(&c.messages.len()), "{}", v.id);
            assert!((0..=v.messages_count).contains(&v.unread_count), "{}", v.id);
            for m in &c.messages {
                assert!((v.created_at..=v.last_activity_at).contains(&m.sent_at), "{}", v.id);
                assert!(matches!(m.direction.as_deref(), Some(INBOUND | OUTBOUND)));
                assert!(!m.body.contains('{'), "unfilled blank in {:?}", m.body);
            }
            let resolved = v.status == ConversationStatus::Resolved;
            assert_eq!(v.resolved_at.is_some(), resolved, "{}", v.id);
            assert!(v.resolved_at.is_none_or(|r| r >= v.created_at), "{}", v.id);
            assert!(resolved || v.resolution_notes.is_none(), "{}", v.id);
            for n in &c.notes {
                assert_eq!(n.conversation_id, v.id);
                assert!(n.created_at >= v.created_at);
                assert!(!n.content.contains('{'), "unfilled blank in {:?}", n.content);
            }
            assert!(c.notes.windows(2).all(|w| w[0].created_at <= w[1].created_at));
        }
    }

    #[test]
    fn generated_conversations_lie_in_the_period() {
        let start = PERIOD_END - (DEMO_SHAPE.days + 1) * DAY;
        for c in demo_conversations().iter().skip(2) {
            let v = &c.conversation;
            let latest = [Some(v.last_activity_at), v.resolved_at, c.notes.last().map(|n| n.created_at)];
            assert!(v.created_at >= start, "{}", v.id);
            assert!(latest.into_iter().flatten().all(|t| t < PERIOD_END), "{}", v.id);
        }
    }

    #[test]
    fn the_same_customer_or_user_is_always_the_same() {
        let all = demo_conversations();
        let mut customers: HashMap<&str, &Customer> = HashMap::new();
        let mut users: HashMap<&str, &User> = HashMap::new();
        for c in &all {
            assert_eq!(**customers.entry(&c.customer.id).or_insert(&c.customer), c.customer);
            if let Some(u) = &c.assignee {
                assert_eq!(**users.entry(&u.id).or_insert(u), *u);
            }
        }
        let mut per_customer: BTreeMap<&str, usize> = BTreeMap::new();
        for c in &all {
            *per_customer.entry(&c.customer.id).or_default() += 1;
        }
        assert!(per_customer.values().filter(|n| **n >= 3).count() >= 20);
    }

    #[test]
    fn customers_look_real() {
        let all = demo_conversations();
        let customers: BTreeMap<&str, &Customer> = all.iter().map(|c| (c.customer.id.as_str(), &c.customer)).collect();
        for name in ["José García", "Zoë Müller", "Søren Ødegaard", "Łukasz Nowak"] {
            assert!(customers.values().any(|c| c.name == name), "{name}");
        }
        let phones: Vec<&str> = customers.values().filter_map(|c| c.phone.as_deref()).collect();
        for phone in &phones {
            let digits = phone.strip_prefix("+1").expect("+1");
            assert!(digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit()), "{phone}");
        }
        assert_eq!(phones.iter().collect::<HashSet<_>>().len(), phones.len());
        let emails: Vec<&str> = customers.values().filter_map(|c| c.email.as_deref()).collect();
        assert_eq!(emails.iter().collect::<HashSet<_>>().len(), emails.len());
        for c in customers.values() {
            assert!(c.phone.is_some() || c.email.is_some(), "{}", c.id);
            if let Some(id) = &c.servicetitan_id {
                assert!(id.bytes().all(|b| b.is_ascii_digit()), "{id}");
            }
        }
        assert!(customers.values().any(|c| c.phone.is_none()));
        assert!(customers.values().any(|c| c.email.is_none()));
        assert!(customers.values().any(|c| c.servicetitan_id.is_none()));
    }

    #[test]
    fn metadata_fits_the_channel() {
        for c in demo_conversations() {
            let expected: &[&str] = match c.conversation.channel {
                Channel::Voice => &["call_duration", "recording_url", "transcript_available"],
                Channel::Sms => &["thread_id"],
                Channel::Email => &["subject", "thread_id"],
                Channel::LiveChat => &["session_id", "page_url"],
            };
            assert_eq!(keys(&c.conversation.metadata), expected, "{}", c.conversation.id);
        }
    }

    #[test]
    fn has_words_worth_searching() {
        let all = demo_conversations();
        let texts: Vec<String> = all
            .iter()
            .flat_map(|c| c.messages.iter().map(|m| m.body.clone()).chain(c.notes.iter().map(|n| n.content.clone())))
            .collect();
        for query in ["heat", "water", "gate", "4411", "thermostat", "breaker", "warranty", "frozen"] {
            let hits = texts.iter().filter(|t| words(&fold(t)).any(|w| w.starts_with(query))).count();
            assert!(hits >= 3, "{query}: {hits}");
        }
    }
}
