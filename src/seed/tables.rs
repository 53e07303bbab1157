//! The tables the generator draws from: the demo's team, customers' names, area codes,
//! channels in their proportions, the blanks of the scripts and notes (technicians,
//! brands, visit windows, amounts), and tags. The scripted situations are in
//! `scenarios`.

use crate::domain::{Channel, User};

pub(super) const INBOUND: &str = "inbound";
pub(super) const OUTBOUND: &str = "outbound";

pub(super) type TeamMember = (&'static str, &'static str, Option<&'static str>);

pub(super) const TEAM: [TeamMember; 8] = [
    ("user_789", "Sarah Johnson", Some("https://avatars.avoca.ai/sarah.jpg")),
    ("user_101", "Marcus Reed", Some("https://avatars.avoca.ai/marcus.jpg")),
    ("user_102", "Priya Patel", None),
    ("user_103", "Dave Kowalski", Some("https://avatars.avoca.ai/dave.jpg")),
    ("user_104", "Keisha Williams", None),
    ("user_105", "Tom O'Brien", Some("https://avatars.avoca.ai/tom.jpg")),
    ("user_106", "Linh Nguyen", None),
    ("user_107", "Carlos Mendoza", Some("https://avatars.avoca.ai/carlos.jpg")),
];

pub(super) fn user((id, name, avatar_url): TeamMember) -> User {
    User { id: id.to_owned(), name: name.to_owned(), avatar_url: avatar_url.map(str::to_owned) }
}

/// Customers worth finding by name: accented and other non-ASCII names, and businesses.
/// (full name, name to greet, e-mail local part, is a business)
pub(super) const NOTABLE_CUSTOMERS: [(&str, &str, &str, bool); 12] = [
    ("José García", "José", "jose.garcia", false),
    ("Zoë Müller", "Zoë", "zoe.muller", false),
    ("Søren Ødegaard", "Søren", "soren.odegaard", false),
    ("Łukasz Nowak", "Łukasz", "lukasz.nowak", false),
    ("Nguyễn Thị Mai", "Mai", "mai.nguyen", false),
    ("François Lefèvre", "François", "francois.lefevre", false),
    ("Renée O'Connor", "Renée", "renee.oconnor", false),
    ("Björn Åkesson", "Björn", "bjorn.akesson", false),
    ("Chloé Dubois", "Chloé", "chloe.dubois", false),
    ("Maple Street Dental", "Dr. Lee", "frontdesk.maplestreetdental", true),
    ("Sunrise Property Management", "Dana", "maintenance.sunrisepm", true),
    ("Oak Hollow HOA", "Gary", "board.oakhollowhoa", true),
];

pub(super) const FIRST_NAMES: [&str; 60] = [
    "James",
    "Maria",
    "Robert",
    "Linda",
    "Michael",
    "Patricia",
    "David",
    "Jennifer",
    "William",
    "Elizabeth",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Christopher",
    "Karen",
    "Daniel",
    "Lisa",
    "Matthew",
    "Nancy",
    "Anthony",
    "Betty",
    "Mark",
    "Sandra",
    "Steven",
    "Ashley",
    "Andrew",
    "Kimberly",
    "Kevin",
    "Emily",
    "Brian",
    "Donna",
    "Juan",
    "Rosa",
    "Luis",
    "Carmen",
    "Miguel",
    "Ana",
    "Darnell",
    "Tamika",
    "Wei",
    "Mei",
    "Raj",
    "Anita",
    "Tyrone",
    "Latoya",
    "Ethan",
    "Olivia",
    "Noah",
    "Ava",
    "Hannah",
    "Derek",
    "Brenda",
    "Gloria",
    "Ahmed",
    "Fatima",
    "Kenji",
    "Yuki",
    "Grace",
];

pub(super) const LAST_NAMES: [&str; 60] = [
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Patel",
    "Kim",
    "Chen",
    "Washington",
    "O'Neil",
    "Okafor",
    "Reyes",
    "Morales",
    "Bennett",
    "Brooks",
    "Price",
    "Hughes",
    "Foster",
];

pub(super) const AREA_CODES: [&str; 6] = ["214", "469", "972", "817", "682", "940"];
pub(super) const EMAIL_DOMAINS: [&str; 3] = ["example.com", "example.net", "example.org"];
pub(super) const NO_PHONE_PERCENT: u32 = 4;
pub(super) const NO_EMAIL_PERCENT: u32 = 6;

/// Channels in the proportions calls, texts, e-mails and chats reach the office.
pub(super) const CHANNEL_MIX: [Channel; 10] = [
    Channel::Voice,
    Channel::Voice,
    Channel::Voice,
    Channel::Voice,
    Channel::Sms,
    Channel::Sms,
    Channel::Sms,
    Channel::Email,
    Channel::Email,
    Channel::LiveChat,
];

pub(super) const CHAT_PAGES: [&str; 6] = [
    "https://comfortpro.example.com/",
    "https://comfortpro.example.com/services/heating-repair",
    "https://comfortpro.example.com/services/water-heaters",
    "https://comfortpro.example.com/services/electrical",
    "https://comfortpro.example.com/comfort-club",
    "https://comfortpro.example.com/financing",
];

pub(super) const TECHNICIANS: [&str; 7] = ["Ray", "Dale", "Hector", "Jess", "Andre", "Mike", "Tyler"];
pub(super) const HVAC_BRANDS: [&str; 7] =
    ["Carrier", "Trane", "Lennox", "Goodman", "Rheem", "Daikin", "American Standard"];
pub(super) const HEATER_BRANDS: [&str; 5] = ["Rheem", "A.O. Smith", "Bradford White", "Navien", "Rinnai"];
pub(super) const VISIT_DAYS: [&str; 7] =
    ["tomorrow", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
pub(super) const VISIT_WINDOWS: [&str; 5] = ["8-10am", "10am-12pm", "12-2pm", "2-4pm", "4-6pm"];
pub(super) const GATE_CODES: [&str; 5] = ["4411", "1379", "2580", "7720", "3906"];
pub(super) const REPAIR_AMOUNTS: [&str; 5] = ["$289", "$465", "$780", "$1,150", "$1,890"];
pub(super) const SYSTEM_PRICES: [&str; 4] = ["$9,400", "$11,250", "$12,600", "$14,200"];

/// Tags a CSR adds now and then on top of a situation's own.
pub(super) const EXTRA_TAGS: [&str; 10] = [
    "follow_up",
    "warranty",
    "estimate",
    "billing",
    "callback",
    "repeat_customer",
    "new_customer",
    "same_day",
    "referral",
    "review_request",
];

pub(super) const NOTE_TEMPLATES: [&str; 14] = [
    "Gate code {code}. Dog in the backyard - text the customer before going in.",
    "Customer is on the Comfort Club maintenance plan: waive the diagnostic fee, 15% off repairs.",
    "{brand} equipment is registered for the 10-year parts warranty, serial number on file.",
    "Prefers text messages over calls; works nights, don't call before noon.",
    "{tech} noted a cracked heat exchanger on the furnace; replacement quoted at {system_price}.",
    "Card on file was declined for the last invoice. Billing to follow up.",
    "Elderly homeowner living alone: no heat is a priority, give them the first slot.",
    "Sent an estimate for {amount}; customer is comparing with another quote. Follow up Friday.",
    "Second visit for the same issue within 30 days: no charge under the callback policy.",
    "{heater} water heater is 14 years old; recommended replacement, customer considering tankless.",
    "Federal Pacific breaker panel, flagged as a safety concern. Upgrade estimate to follow.",
    "Lockbox on the side door, code {code}.",
    "Two cats in the house: keep the garage door closed.",
    "Customer asked for {tech} again after the last visit.",
];
