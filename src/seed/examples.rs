//! The contract's two example conversations (section 7), `conv_abc123` and
//! `conv_def456`, with exactly their values, and their customers and assignee.

use serde_json::json;

use super::tables::{user, INBOUND, OUTBOUND, TEAM};
use super::{message, object};
use crate::domain::{
    parse_rfc3339, Channel, Conversation, ConversationStatus, Customer, ImportedConversation, Priority, Timestamp, User,
};

pub(super) fn example_abc123() -> ImportedConversation {
    let id = "conv_abc123";
    let created_at = at("2024-01-20T14:30:00Z");
    let last_activity_at = at("2024-01-20T14:35:00Z");
    let messages = vec![message(
        "msg_abc123_1",
        INBOUND,
        "Hi, this is John Smith. We have no hot water at all and there's water pooling around the base of the water heater in the garage. Can someone come out today?",
        last_activity_at,
    )];
    let conversation = Conversation {
        id: id.to_owned(),
        channel: Channel::Voice,
        status: ConversationStatus::Open,
        priority: Priority::Urgent,
        customer_id: john_smith().id,
        assignee_id: Some(sarah_johnson().id),
        summary: Some("No hot water - needs emergency service".to_owned()),
        messages_count: 1,
        unread_count: 0,
        metadata: object([
            ("call_duration", json!(245)),
            ("recording_url", json!("https://recordings.avoca.ai/call_abc123.mp3")),
            ("transcript_available", json!(true)),
        ]),
        created_at,
        last_activity_at,
        resolved_at: None,
        resolution_notes: None,
    };
    ImportedConversation {
        conversation,
        customer: john_smith(),
        assignee: Some(sarah_johnson()),
        tags: strings(&["emergency", "water_heater"]),
        messages,
        notes: Vec::new(),
    }
}

pub(super) fn example_def456() -> ImportedConversation {
    let id = "conv_def456";
    let created_at = at("2024-01-20T13:00:00Z");
    let last_activity_at = at("2024-01-20T14:45:00Z");
    let messages = vec![
        message(
            "msg_def456_1",
            INBOUND,
            "Hi, I saw you offer a maintenance plan. How much is it per year and what does it cover?",
            created_at,
        ),
        message(
            "msg_def456_2",
            OUTBOUND,
            "Hi Jane, thanks for reaching out! Our Comfort Club plan is $189 a year: a furnace tune-up in the fall, an AC tune-up in the spring, priority scheduling and 15% off repairs. Want me to send the details?",
            at("2024-01-20T13:12:00Z"),
        ),
        message(
            "msg_def456_3",
            INBOUND,
            "Is there a discount if we have two AC units? And does it cover a water heater flush?",
            last_activity_at,
        ),
    ];
    let conversation = Conversation {
        id: id.to_owned(),
        channel: Channel::Sms,
        status: ConversationStatus::Pending,
        priority: Priority::Normal,
        customer_id: jane_doe().id,
        assignee_id: None,
        summary: Some("Question about maintenance plan pricing".to_owned()),
        messages_count: 3,
        unread_count: 1,
        metadata: object([("thread_id", json!("sms_thread_123"))]),
        created_at,
        last_activity_at,
        resolved_at: None,
        resolution_notes: None,
    };
    ImportedConversation {
        conversation,
        customer: jane_doe(),
        assignee: None,
        tags: strings(&["sales_inquiry", "maintenance_plan"]),
        messages,
        notes: Vec::new(),
    }
}

pub(super) fn john_smith() -> Customer {
    Customer {
        id: "cust_456".to_owned(),
        name: "John Smith".to_owned(),
        phone: Some("+13105551234".to_owned()),
        email: Some("john.smith@example.com".to_owned()),
        servicetitan_id: Some("12345".to_owned()),
    }
}

pub(super) fn jane_doe() -> Customer {
    Customer {
        id: "cust_789".to_owned(),
        name: "Jane Doe".to_owned(),
        phone: Some("+13105555678".to_owned()),
        email: Some("jane.doe@example.com".to_owned()),
        servicetitan_id: Some("67890".to_owned()),
    }
}

fn sarah_johnson() -> User {
    user(TEAM[0])
}

fn at(rfc3339: &str) -> Timestamp {
    parse_rfc3339(rfc3339).expect("demo instants are valid RFC 3339")
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}
