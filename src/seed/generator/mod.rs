//! The deterministic generator: a seeded, realistic inbox of a home-services business in
//! the Dallas–Fort Worth area, of any [`Shape`]. The demo draws its 400 conversations
//! from it (the contract's two examples first), `inbox-gateway generate` inboxes of any
//! size.
//!
//! Everything comes from a seed and fixed instants, so every run on every machine
//! yields the same data.

mod conversations;
mod customers;

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::examples::{example_abc123, example_def456, jane_doe, john_smith};
use super::tables::{user, FIRST_NAMES, LAST_NAMES, TEAM};
use crate::domain::{ImportedConversation, Timestamp, User};
use customers::DemoCustomer;

const FIRST_CUSTOMER_NUMBER: u64 = 101;

const SECOND: Timestamp = 1_000_000;
const MINUTE: Timestamp = 60 * SECOND;
const HOUR: Timestamp = 60 * MINUTE;
pub(super) const DAY: Timestamp = 24 * HOUR;

/// 2024-03-01T00:00:00Z: the generator's "now"; conversations start in the days before it.
pub(super) const PERIOD_END: Timestamp = 1_709_251_200 * SECOND;
/// Conversations start at least this many days before `PERIOD_END`, so that every
/// message, note and resolution (at most 44 hours after the start) lies before it.
const NEWEST_DAY: i64 = 3;
/// Conversations started within these last days are mostly still being worked on.
const RECENT_DAYS: i64 = 21;
/// Office hours in UTC: 7am to 7pm in Dallas (UTC-6). Urgent calls come at any hour.
const OPENING_HOUR_UTC: i64 = 13;
const CLOSING_HOUR_UTC: i64 = 25;

pub(super) const MAX_TAGS: usize = 5;
/// In byte order, so that numbered ids sort as their numbers do.
pub(super) const ID_ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
/// Conversation ids carry at least this many characters after `conv_`.
const MIN_ID_LEN: u32 = 6;

/// What a [`Generator`] draws: how many conversations, customers and team members, over
/// how many days, from which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Conversations in all, the contract's examples included.
    pub conversations: usize,
    /// Customers in all (phone numbers stay unique up to eight million). Every customer
    /// has a conversation, so there are never more customers than conversations.
    pub customers: usize,
    /// Team members to assign conversations to: the demo's eight, then people with
    /// common names.
    pub team: usize,
    /// Conversations start within this many days before 2024-03-01.
    pub days: i64,
    pub seed: u64,
    /// The contract's two examples come first, and their customers are the first two.
    pub contract_examples: bool,
}

/// Every pair of a first and a last name.
const COMMON_NAMES: u64 = (FIRST_NAMES.len() * LAST_NAMES.len()) as u64;
/// Steps through the pairs of names in an order that looks drawn at random; coprime
/// with [`COMMON_NAMES`], so every pair comes once before any comes again.
const CUSTOMER_NAME_STEP: u64 = 1427;
const TEAM_NAME_STEP: u64 = 421;
/// Phone numbers: an exchange from 200 to 999 and a four-digit line.
const FIRST_EXCHANGE: u64 = 200;
const PHONE_NUMBERS: u64 = (1000 - FIRST_EXCHANGE) * 10_000;
/// `ServiceTitan` ids: seven digits.
const FIRST_SERVICETITAN_ID: u64 = 1_000_000;
const SERVICETITAN_IDS: u64 = 9_000_000;

/// Hands out the `n`-th of `count` numbers in `0..space`, each at a random place in its
/// own slot of the range: unique and increasing without remembering those handed out,
/// and spread over the whole range however few there are.
#[derive(Debug, Clone, Copy)]
struct Spread {
    slot: u64,
}

impl Spread {
    fn new(count: u64, space: u64) -> Self {
        Self { slot: (space / count.max(1)).max(1) }
    }

    fn nth(self, n: u64, rng: &mut ChaCha8Rng) -> u64 {
        n * self.slot + rng.random_range(0..self.slot)
    }
}

/// Draws an inbox of a [`Shape`] from its seed, one conversation at a time (it is an
/// iterator; [`Generator::batches`] cuts it into batches), so memory stays flat however
/// many it draws. Customers come one after the other, each with all of their
/// conversations, so that a batch touches few customers. Ids, phone numbers and
/// `ServiceTitan` ids are numbered and spread over their range (see [`Spread`]), so they
/// are unique without remembering those handed out.
pub struct Generator {
    rng: ChaCha8Rng,
    days: i64,
    team: Vec<User>,
    examples: std::vec::IntoIter<ImportedConversation>,
    /// Customers that come first as they are: the contract's two, in the demo.
    regulars: Vec<DemoCustomer>,
    /// How many conversations each customer has, in customer order.
    plan: Vec<u32>,
    customers_begun: usize,
    /// The customer being served, and how many of their conversations are still to come.
    serving: Option<(DemoCustomer, u32)>,
    conversations_begun: u64,
    conversation_ids: Spread,
    /// Characters of a conversation id after `conv_`.
    id_len: u32,
    phone_numbers: Spread,
    servicetitan_ids: Spread,
    /// Where the customers' walk through the common names starts.
    first_name: u64,
    threads_opened: u32,
}

impl Generator {
    pub fn new(shape: Shape) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(shape.seed);
        let (examples, regulars) = if shape.contract_examples {
            let regulars = vec![
                DemoCustomer { customer: john_smith(), first_name: "John".to_owned(), vip: false },
                DemoCustomer { customer: jane_doe(), first_name: "Jane".to_owned(), vip: false },
            ];
            (vec![example_abc123(), example_def456()], regulars)
        } else {
            (Vec::new(), Vec::new())
        };
        let conversations = shape.conversations.saturating_sub(examples.len());
        let customers = shape.customers.min(conversations);
        let numbered_customers = customers.saturating_sub(regulars.len()) as u64;
        let id_len = id_len(conversations as u64);
        let team = (0..shape.team).map(|k| team_member(k, &mut rng)).collect();
        let plan = plan(&mut rng, conversations, customers);
        Self {
            first_name: rng.random_range(0..COMMON_NAMES),
            rng,
            days: shape.days.max(NEWEST_DAY),
            team,
            examples: examples.into_iter(),
            regulars,
            plan,
            customers_begun: 0,
            serving: None,
            conversations_begun: 0,
            conversation_ids: Spread::new(conversations as u64, 36_u64.pow(id_len)),
            id_len,
            phone_numbers: Spread::new(numbered_customers, PHONE_NUMBERS),
            servicetitan_ids: Spread::new(numbered_customers, SERVICETITAN_IDS),
            threads_opened: 1000,
        }
    }

    /// The same conversations, in batches of up to `size`.
    pub fn batches(mut self, size: usize) -> impl Iterator<Item = Vec<ImportedConversation>> {
        std::iter::from_fn(move || {
            let batch: Vec<ImportedConversation> = self.by_ref().take(size.max(1)).collect();
            (!batch.is_empty()).then_some(batch)
        })
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        *items.choose(&mut self.rng).expect("demo tables are not empty")
    }

    fn token(&mut self, len: usize) -> String {
        (0..len).map(|_| char::from(self.pick(ID_ALPHABET))).collect()
    }

    fn seconds(&mut self, from: i64, to: i64) -> Timestamp {
        self.rng.random_range(from..to) * SECOND
    }
}

impl Iterator for Generator {
    type Item = ImportedConversation;

    fn next(&mut self) -> Option<ImportedConversation> {
        if let Some(example) = self.examples.next() {
            return Some(example);
        }
        let (customer, left) = match self.serving.take() {
            Some((customer, left)) if left > 0 => (customer, left),
            _ => self.next_customer()?,
        };
        let conversation = self.conversation(&customer);
        self.serving = Some((customer, left - 1));
        Some(conversation)
    }
}

/// The fewest characters, at least [`MIN_ID_LEN`], that number this many conversations.
fn id_len(conversations: u64) -> u32 {
    let mut len = MIN_ID_LEN;
    while 36_u64.checked_pow(len).is_some_and(|space| space < conversations) {
        len += 1;
    }
    len
}

/// `n` in base 36 over [`ID_ALPHABET`], `len` characters.
fn base36(mut n: u64, len: u32) -> String {
    let base = ID_ALPHABET.len() as u64;
    let mut digits = vec![ID_ALPHABET[0]; len as usize];
    for digit in digits.iter_mut().rev() {
        *digit = ID_ALPHABET[usize::try_from(n % base).expect("a digit")];
        n /= base;
    }
    String::from_utf8(digits).expect("ASCII")
}

/// How many conversations each customer has: one each, and the rest to customers drawn
/// at random, so that many customers come back with several.
fn plan(rng: &mut ChaCha8Rng, conversations: usize, customers: usize) -> Vec<u32> {
    let mut plan = vec![1; customers];
    if customers > 0 {
        for _ in customers..conversations {
            plan[rng.random_range(0..customers)] += 1;
        }
    }
    plan
}

/// The `i`-th pair of the common first and last names, round and round.
fn common_name(i: u64) -> (&'static str, &'static str) {
    let pair = usize::try_from(i % COMMON_NAMES).expect("a pair of names");
    (FIRST_NAMES[pair / LAST_NAMES.len()], LAST_NAMES[pair % LAST_NAMES.len()])
}

/// The `k`-th member of the team: the demo's eight, then people with common names,
/// half of them with a photo.
fn team_member(k: usize, rng: &mut ChaCha8Rng) -> User {
    if let Some(member) = TEAM.get(k) {
        return user(*member);
    }
    let (first, last) = common_name((k - TEAM.len()) as u64 * TEAM_NAME_STEP);
    let avatar_url = rng
        .random_bool(0.5)
        .then(|| format!("https://avatars.avoca.ai/{}.{}.jpg", ascii_lower(first), ascii_lower(last)));
    User { id: format!("user_{}", 100 + k), name: format!("{first} {last}"), avatar_url }
}

fn ascii_lower(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase()
}

/// Asserts that every channel, status and priority comes up among these conversations.
#[cfg(test)]
pub(super) fn assert_every_channel_status_and_priority(all: &[ImportedConversation]) {
    use crate::domain::{Channel, ConversationStatus, Priority};
    for channel in Channel::ALL {
        assert!(all.iter().any(|c| c.conversation.channel == *channel), "{channel}");
    }
    for status in ConversationStatus::ALL {
        assert!(all.iter().any(|c| c.conversation.status == *status), "{status}");
    }
    for priority in Priority::ALL {
        assert!(all.iter().any(|c| c.conversation.priority == *priority), "{priority}");
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashSet};

    use super::*;
    use crate::domain::{format_timestamp, Customer};

    #[test]
    fn period_end_is_the_first_of_march() {
        assert_eq!(format_timestamp(PERIOD_END), "2024-03-01T00:00:00Z");
    }

    fn shape(conversations: usize, customers: usize, team: usize, seed: u64) -> Shape {
        Shape { conversations, customers, team, days: 730, seed, contract_examples: false }
    }

    #[test]
    fn a_large_shape_keeps_ids_and_numbers_unique() {
        let all: Vec<ImportedConversation> = Generator::new(shape(20_000, 4_000, 64, 7)).collect();
        assert_eq!(all.len(), 20_000);
        assert!(all.windows(2).all(|w| w[0].conversation.id < w[1].conversation.id), "ids increase");
        let notes: Vec<&str> = all.iter().flat_map(|c| c.notes.iter().map(|n| n.id.as_str())).collect();
        assert_eq!(notes.iter().collect::<HashSet<_>>().len(), notes.len());
        let customers: BTreeMap<&str, &Customer> = all.iter().map(|c| (c.customer.id.as_str(), &c.customer)).collect();
        assert_eq!(customers.len(), 4_000);
        let fields: [fn(&Customer) -> Option<&String>; 3] =
            [|c| c.phone.as_ref(), |c| c.email.as_ref(), |c| c.servicetitan_id.as_ref()];
        for field in fields {
            let values: Vec<&String> = customers.values().filter_map(|c| field(c)).collect();
            assert!(values.len() > 3_000);
            assert_eq!(values.iter().collect::<HashSet<_>>().len(), values.len(), "{:?}", &values[..3]);
        }
        for phone in customers.values().filter_map(|c| c.phone.as_deref()) {
            let digits = phone.strip_prefix("+1").expect("+1");
            assert!(digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit()), "{phone}");
        }
        assert!(customers.values().any(|c| c.name == "José García"));
        let users: BTreeMap<&str, &User> =
            all.iter().filter_map(|c| c.assignee.as_ref()).map(|u| (u.id.as_str(), u)).collect();
        assert_eq!(users.len(), 64);
        assert_eq!(users.values().map(|u| u.name.as_str()).collect::<HashSet<_>>().len(), 64);
    }

    #[test]
    #[allow(clippy::cast_precision_loss)] // averages of small counts
    fn a_large_shape_looks_like_an_inbox_over_two_years() {
        let all: Vec<ImportedConversation> = Generator::new(shape(10_000, 2_000, 50, 11)).collect();
        let average =
            |count: fn(&ImportedConversation) -> usize| all.iter().map(count).sum::<usize>() as f64 / all.len() as f64;
        let tags = average(|c| c.tags.len());
        let messages = average(|c| c.messages.len());
        let notes = average(|c| c.notes.len());
        assert!((2.5..3.5).contains(&tags), "{tags} tags");
        assert!((2.5..3.5).contains(&messages), "{messages} messages");
        assert!((0.3..1.0).contains(&notes), "{notes} notes");
        assert_every_channel_status_and_priority(&all);
        let created = all.iter().map(|c| c.conversation.created_at);
        let (first, last) = (created.clone().min().unwrap(), created.max().unwrap());
        assert!((PERIOD_END - 731 * DAY..PERIOD_END - 720 * DAY).contains(&first), "{}", format_timestamp(first));
        assert!(last > PERIOD_END - 10 * DAY && last < PERIOD_END, "{}", format_timestamp(last));
    }

    #[test]
    fn customers_come_one_after_the_other() {
        let mut served = HashSet::new();
        let mut current = String::new();
        for c in Generator::new(shape(3_000, 600, 50, 1)) {
            if c.customer.id != current {
                current.clone_from(&c.customer.id);
                assert!(served.insert(current.clone()), "{current} comes back later");
            }
        }
        assert_eq!(served.len(), 600);
    }

    #[test]
    fn batches_cut_the_same_conversations() {
        let whole: Vec<ImportedConversation> = Generator::new(shape(1_000, 200, 50, 3)).collect();
        let batches: Vec<Vec<ImportedConversation>> = Generator::new(shape(1_000, 200, 50, 3)).batches(300).collect();
        assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), [300, 300, 300, 100]);
        assert_eq!(batches.concat(), whole);
    }

    #[test]
    fn the_seed_decides() {
        let draw = |seed| Generator::new(shape(500, 100, 50, seed)).collect::<Vec<_>>();
        assert_eq!(draw(5), draw(5));
        assert_ne!(draw(5), draw(6));
    }

    #[test]
    fn ids_grow_longer_only_when_they_must() {
        assert_eq!(id_len(0), 6);
        assert_eq!(id_len(36_u64.pow(6)), 6);
        assert_eq!(id_len(36_u64.pow(6) + 1), 7);
        assert_eq!(base36(0, 6), "000000");
        assert_eq!(base36(36 * 36 - 1, 3), "0zz");
    }
}
