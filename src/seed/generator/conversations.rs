//! The generator's conversations: a scenario played out on a channel the customer can
//! be reached on, with its messages, status, assignee, tags, notes and metadata.

use rand::seq::IndexedRandom;
use rand::Rng;
use serde_json::{json, Map, Value};

use super::customers::DemoCustomer;
use super::{
    base36, Generator, CLOSING_HOUR_UTC, DAY, HOUR, MAX_TAGS, NEWEST_DAY, OPENING_HOUR_UTC, PERIOD_END, RECENT_DAYS,
    SECOND,
};
use crate::domain::{
    Channel, Conversation, ConversationStatus, Customer, ImportedConversation, Message, Note, Priority, Timestamp, User,
};
use crate::seed::scenarios::{Scenario, SCENARIOS};
use crate::seed::tables::{
    CHANNEL_MIX, CHAT_PAGES, EXTRA_TAGS, GATE_CODES, HEATER_BRANDS, HVAC_BRANDS, INBOUND, NOTE_TEMPLATES,
    REPAIR_AMOUNTS, SYSTEM_PRICES, TECHNICIANS, VISIT_DAYS, VISIT_WINDOWS,
};
use crate::seed::{message, object};

/// The blanks of a scenario's lines and of notes, filled in for one conversation.
struct Details {
    first: String,
    agent: String,
    tech: &'static str,
    brand: &'static str,
    heater: &'static str,
    day: &'static str,
    window: &'static str,
    code: &'static str,
    amount: &'static str,
    system_price: &'static str,
}

impl Details {
    /// The template with every `{blank}` filled in, in one pass.
    fn fill(&self, template: &str) -> String {
        let mut text = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some((before, after)) = rest.split_once('{') {
            let Some((blank, after)) = after.split_once('}') else {
                break;
            };
            text.push_str(before);
            match self.value(blank) {
                Some(value) => text.push_str(value),
                None => text.push_str(&rest[before.len()..rest.len() - after.len()]),
            }
            rest = after;
        }
        text.push_str(rest);
        text
    }

    fn value(&self, blank: &str) -> Option<&str> {
        Some(match blank {
            "first" => &self.first,
            "agent" => &self.agent,
            "tech" => self.tech,
            "brand" => self.brand,
            "heater" => self.heater,
            "day" => self.day,
            "window" => self.window,
            "code" => self.code,
            "amount" => self.amount,
            "system_price" => self.system_price,
            _ => return None,
        })
    }
}

/// Conversations.
impl Generator {
    pub(super) fn conversation(&mut self, customer: &DemoCustomer) -> ImportedConversation {
        let scenario = SCENARIOS.choose(&mut self.rng).expect("there are scenarios");
        let suffix = self.next_suffix();
        let id = format!("conv_{suffix}");
        let channel = self.channel_for(&customer.customer);
        let priority = self.pick(scenario.priorities);
        let created_at = self.created_at(priority);
        let status = self.status(created_at);
        let assignee = self.assignee(status);
        let details = self.details(customer, assignee.as_ref());
        let messages = self.messages(&suffix, scenario, channel, created_at, &details);
        let last_activity_at = messages.last().map_or(created_at, |m| m.sent_at);
        let (resolved_at, resolution_notes) = self.resolution(status, scenario, last_activity_at);
        let conversation = Conversation {
            customer_id: customer.customer.id.clone(),
            assignee_id: assignee.as_ref().map(|u| u.id.clone()),
            summary: self.rng.random_bool(0.97).then(|| scenario.summary.to_owned()),
            messages_count: i32::try_from(messages.len()).expect("at most five messages"),
            unread_count: self.unread_count(status, &messages),
            metadata: self.metadata(channel, &suffix, scenario),
            id,
            channel,
            status,
            priority,
            created_at,
            last_activity_at,
            resolved_at,
            resolution_notes,
        };
        ImportedConversation {
            tags: self.tags(scenario, customer, status),
            notes: self.notes(&suffix, created_at, last_activity_at, &details),
            conversation,
            customer: customer.customer.clone(),
            assignee,
            messages,
        }
    }

    /// The next conversation's id after `conv_`.
    fn next_suffix(&mut self) -> String {
        let n = self.conversation_ids.nth(self.conversations_begun, &mut self.rng);
        self.conversations_begun += 1;
        base36(n, self.id_len)
    }

    /// A channel the customer can be reached on: calls and texts need a phone number,
    /// e-mail an address; anyone can chat on the website.
    fn channel_for(&mut self, customer: &Customer) -> Channel {
        let usable: Vec<Channel> = CHANNEL_MIX
            .into_iter()
            .filter(|channel| match channel {
                Channel::Voice | Channel::Sms => customer.phone.is_some(),
                Channel::Email => customer.email.is_some(),
                Channel::LiveChat => true,
            })
            .collect();
        self.pick(&usable)
    }

    fn created_at(&mut self, priority: Priority) -> Timestamp {
        let day = self.rng.random_range(NEWEST_DAY..=self.days);
        let (from, to) = if priority == Priority::Urgent { (0, 24) } else { (OPENING_HOUR_UTC, CLOSING_HOUR_UTC) };
        PERIOD_END - day * DAY + self.seconds(from * 3600, to * 3600)
    }

    /// Older conversations are mostly resolved; recent ones are still being worked on.
    fn status(&mut self, created_at: Timestamp) -> ConversationStatus {
        let recent = created_at > PERIOD_END - RECENT_DAYS * DAY;
        let (open, pending) = if recent { (45, 25) } else { (7, 8) };
        match self.rng.random_range(0..100) {
            roll if roll < open => ConversationStatus::Open,
            roll if roll < open + pending => ConversationStatus::Pending,
            _ => ConversationStatus::Resolved,
        }
    }

    fn assignee(&mut self, status: ConversationStatus) -> Option<User> {
        let unassigned = match status {
            ConversationStatus::Open => 0.55,
            ConversationStatus::Pending => 0.3,
            ConversationStatus::Resolved => 0.15,
        };
        if self.rng.random_bool(unassigned) {
            return None;
        }
        self.team.choose(&mut self.rng).cloned()
    }

    fn details(&mut self, customer: &DemoCustomer, assignee: Option<&User>) -> Details {
        let agent = assignee.and_then(|u| u.name.split_whitespace().next()).unwrap_or("the dispatch team").to_owned();
        Details {
            first: customer.first_name.clone(),
            agent,
            tech: self.pick(&TECHNICIANS),
            brand: self.pick(&HVAC_BRANDS),
            heater: self.pick(&HEATER_BRANDS),
            day: self.pick(&VISIT_DAYS),
            window: self.pick(&VISIT_WINDOWS),
            code: self.pick(&GATE_CODES),
            amount: self.pick(&REPAIR_AMOUNTS),
            system_price: self.pick(&SYSTEM_PRICES),
        }
    }

    fn messages(
        &mut self,
        suffix: &str,
        scenario: &Scenario,
        channel: Channel,
        created_at: Timestamp,
        details: &Details,
    ) -> Vec<Message> {
        let count = self.rng.random_range(match channel {
            Channel::Voice => 1..=4,
            Channel::Sms => 1..=5,
            Channel::Email | Channel::LiveChat => 2..=5,
        });
        let mut sent_at = created_at;
        let mut messages = Vec::with_capacity(count);
        for (n, (direction, line)) in scenario.lines[..count].iter().enumerate() {
            if n > 0 {
                sent_at += self.reply_gap(channel);
            }
            messages.push(message(&format!("msg_{suffix}_{}", n + 1), direction, &details.fill(line), sent_at));
        }
        messages
    }

    /// Chats go back and forth within minutes, e-mails within hours.
    fn reply_gap(&mut self, channel: Channel) -> Timestamp {
        match channel {
            Channel::Voice => self.seconds(5 * 60, 3 * 3600),
            Channel::Sms => self.seconds(60, 90 * 60),
            Channel::Email => self.seconds(20 * 60, 8 * 3600),
            Channel::LiveChat => self.seconds(15, 4 * 60),
        }
    }

    fn resolution(
        &mut self,
        status: ConversationStatus,
        scenario: &Scenario,
        last_activity_at: Timestamp,
    ) -> (Option<Timestamp>, Option<String>) {
        if status != ConversationStatus::Resolved {
            return (None, None);
        }
        let resolved_at = last_activity_at + self.seconds(10 * 60, 12 * 3600);
        let notes = self.rng.random_bool(0.85).then(|| scenario.resolution.to_owned());
        (Some(resolved_at), notes)
    }

    /// The customer's messages since the office last wrote, unless someone read them already.
    fn unread_count(&mut self, status: ConversationStatus, messages: &[Message]) -> i32 {
        if status == ConversationStatus::Resolved || self.rng.random_bool(0.3) {
            return 0;
        }
        let waiting = messages.iter().rev().take_while(|m| m.direction.as_deref() == Some(INBOUND)).count();
        i32::try_from(waiting).expect("at most five messages")
    }

    fn metadata(&mut self, channel: Channel, suffix: &str, scenario: &Scenario) -> Map<String, Value> {
        match channel {
            Channel::Voice => object([
                ("call_duration", json!(self.rng.random_range(45..=900))),
                ("recording_url", json!(format!("https://recordings.avoca.ai/call_{suffix}.mp3"))),
                ("transcript_available", json!(self.rng.random_bool(0.85))),
            ]),
            Channel::Sms => object([("thread_id", json!(format!("sms_thread_{}", self.next_thread())))]),
            Channel::Email => object([
                ("subject", json!(scenario.subject)),
                ("thread_id", json!(format!("email_thread_{}", self.next_thread()))),
            ]),
            Channel::LiveChat => object([
                ("session_id", json!(format!("chat_{}", self.token(10)))),
                ("page_url", json!(self.pick(&CHAT_PAGES))),
            ]),
        }
    }

    fn next_thread(&mut self) -> u32 {
        self.threads_opened += 1;
        self.threads_opened
    }

    /// The situation's tags, a few more now and then, and `vip` for those customers; new
    /// open conversations are sometimes not triaged yet and carry none.
    fn tags(&mut self, scenario: &Scenario, customer: &DemoCustomer, status: ConversationStatus) -> Vec<String> {
        if status == ConversationStatus::Open && self.rng.random_bool(0.2) {
            return Vec::new();
        }
        let mut tags = scenario.tags.to_vec();
        for _ in 0..self.rng.random_range(0..=2) {
            tags.push(self.pick(&EXTRA_TAGS));
        }
        if customer.vip {
            tags.push("vip");
        }
        let mut unique: Vec<String> = Vec::with_capacity(MAX_TAGS);
        for tag in tags {
            if unique.len() < MAX_TAGS && !unique.iter().any(|t| t == tag) {
                unique.push(tag.to_owned());
            }
        }
        unique
    }

    fn notes(&mut self, suffix: &str, from: Timestamp, to: Timestamp, details: &Details) -> Vec<Note> {
        let count = match self.rng.random_range(0..20) {
            0..11 => 0,
            11..18 => 1,
            _ => 2,
        };
        let templates: Vec<&str> = NOTE_TEMPLATES.choose_multiple(&mut self.rng, count).copied().collect();
        let mut times: Vec<Timestamp> =
            (0..count).map(|_| from + self.seconds(0, (to - from + HOUR) / SECOND)).collect();
        times.sort_unstable();
        templates
            .into_iter()
            .zip(times)
            .enumerate()
            .map(|(n, (template, created_at))| Note {
                id: format!("note_{suffix}_{}", n + 1),
                conversation_id: format!("conv_{suffix}"),
                content: details.fill(template),
                internal: self.rng.random_bool(0.9),
                created_at,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_every_blank_in_one_pass() {
        let details = Details {
            first: "Ana".into(),
            agent: "Sarah".into(),
            tech: "Ray",
            brand: "Trane",
            heater: "Rheem",
            day: "Monday",
            window: "8-10am",
            code: "4411",
            amount: "$289",
            system_price: "$9,400",
        };
        assert_eq!(details.fill("Hi {first}, {tech} comes {day} {window}."), "Hi Ana, Ray comes Monday 8-10am.");
        assert_eq!(details.fill("{unknown} {first} {"), "{unknown} Ana {");
    }
}
