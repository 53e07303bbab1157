//! The demo workspace, and the generator behind it: a seeded, realistic inbox of a
//! home-services business in the Dallas–Fort Worth area. The demo covers the winter of
//! 2023/24 and holds the contract's two example conversations (section 7) with exactly
//! their values; `inbox-gateway generate` draws inboxes of any size from the same
//! generator (see [`Shape`]).
//!
//! Everything comes from a seed and fixed instants, so every run on every machine
//! yields the same data, and loading it twice changes nothing.

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};

use crate::domain::{
    parse_rfc3339, Channel, Conversation, ConversationStatus, Customer, ImportedConversation, Message, Note, Priority,
    Timestamp, User,
};

pub const DEMO_WORKSPACE_ID: &str = "ws_demo";
pub const DEMO_WORKSPACE_NAME: &str = "Demo: Comfort Pro Home Services";

/// The demo: 400 conversations of 150 customers over the 120 days before `PERIOD_END`,
/// the contract's two examples and their customers among them.
pub const DEMO_SHAPE: Shape =
    Shape { conversations: 400, customers: 150, team: TEAM.len(), days: 120, seed: SEED, contract_examples: true };

const SEED: u64 = 0x00C0_FFEE_2024_0301;
const FIRST_CUSTOMER_NUMBER: u64 = 101;

const SECOND: Timestamp = 1_000_000;
const MINUTE: Timestamp = 60 * SECOND;
const HOUR: Timestamp = 60 * MINUTE;
const DAY: Timestamp = 24 * HOUR;

/// 2024-03-01T00:00:00Z: the generator's "now"; conversations start in the days before it.
const PERIOD_END: Timestamp = 1_709_251_200 * SECOND;
/// Conversations start at least this many days before `PERIOD_END`, so that every
/// message, note and resolution (at most 44 hours after the start) lies before it.
const NEWEST_DAY: i64 = 3;
/// Conversations started within these last days are mostly still being worked on.
const RECENT_DAYS: i64 = 21;
/// Office hours in UTC: 7am to 7pm in Dallas (UTC-6). Urgent calls come at any hour.
const OPENING_HOUR_UTC: i64 = 13;
const CLOSING_HOUR_UTC: i64 = 25;

const INBOUND: &str = "inbound";
const OUTBOUND: &str = "outbound";
const MAX_TAGS: usize = 5;
/// In byte order, so that numbered ids sort as their numbers do.
const ID_ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
/// Conversation ids carry at least this many characters after `conv_`.
const MIN_ID_LEN: u32 = 6;

type TeamMember = (&'static str, &'static str, Option<&'static str>);

const TEAM: [TeamMember; 8] = [
    ("user_789", "Sarah Johnson", Some("https://avatars.avoca.ai/sarah.jpg")),
    ("user_101", "Marcus Reed", Some("https://avatars.avoca.ai/marcus.jpg")),
    ("user_102", "Priya Patel", None),
    ("user_103", "Dave Kowalski", Some("https://avatars.avoca.ai/dave.jpg")),
    ("user_104", "Keisha Williams", None),
    ("user_105", "Tom O'Brien", Some("https://avatars.avoca.ai/tom.jpg")),
    ("user_106", "Linh Nguyen", None),
    ("user_107", "Carlos Mendoza", Some("https://avatars.avoca.ai/carlos.jpg")),
];

/// Customers worth finding by name: accented and other non-ASCII names, and businesses.
/// (full name, name to greet, e-mail local part, is a business)
const NOTABLE_CUSTOMERS: [(&str, &str, &str, bool); 12] = [
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

const FIRST_NAMES: [&str; 60] = [
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

const LAST_NAMES: [&str; 60] = [
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

const AREA_CODES: [&str; 6] = ["214", "469", "972", "817", "682", "940"];
const EMAIL_DOMAINS: [&str; 3] = ["example.com", "example.net", "example.org"];
const NO_PHONE_PERCENT: u32 = 4;
const NO_EMAIL_PERCENT: u32 = 6;

/// Channels in the proportions calls, texts, e-mails and chats reach the office.
const CHANNEL_MIX: [Channel; 10] = [
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

const CHAT_PAGES: [&str; 6] = [
    "https://comfortpro.example.com/",
    "https://comfortpro.example.com/services/heating-repair",
    "https://comfortpro.example.com/services/water-heaters",
    "https://comfortpro.example.com/services/electrical",
    "https://comfortpro.example.com/comfort-club",
    "https://comfortpro.example.com/financing",
];

const TECHNICIANS: [&str; 7] = ["Ray", "Dale", "Hector", "Jess", "Andre", "Mike", "Tyler"];
const HVAC_BRANDS: [&str; 7] = ["Carrier", "Trane", "Lennox", "Goodman", "Rheem", "Daikin", "American Standard"];
const HEATER_BRANDS: [&str; 5] = ["Rheem", "A.O. Smith", "Bradford White", "Navien", "Rinnai"];
const VISIT_DAYS: [&str; 7] = ["tomorrow", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const VISIT_WINDOWS: [&str; 5] = ["8-10am", "10am-12pm", "12-2pm", "2-4pm", "4-6pm"];
const GATE_CODES: [&str; 5] = ["4411", "1379", "2580", "7720", "3906"];
const REPAIR_AMOUNTS: [&str; 5] = ["$289", "$465", "$780", "$1,150", "$1,890"];
const SYSTEM_PRICES: [&str; 4] = ["$9,400", "$11,250", "$12,600", "$14,200"];

const EMERGENCY: &[Priority] = &[Priority::Urgent, Priority::Urgent, Priority::High];
const PROMPT: &[Priority] = &[Priority::High, Priority::High, Priority::Normal];
const ROUTINE: &[Priority] = &[Priority::Normal, Priority::Normal, Priority::Low, Priority::High];
const RELAXED: &[Priority] = &[Priority::Low, Priority::Low, Priority::Normal];

/// Tags a CSR adds now and then on top of a situation's own.
const EXTRA_TAGS: [&str; 10] = [
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

const NOTE_TEMPLATES: [&str; 14] = [
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

/// A situation that brings a customer to the office, scripted as the exchange it leads to;
/// a conversation keeps its first one to five lines.
struct Scenario {
    summary: &'static str,
    subject: &'static str,
    tags: &'static [&'static str],
    priorities: &'static [Priority],
    lines: [(&'static str, &'static str); 5],
    resolution: &'static str,
}

const SCENARIOS: [Scenario; 26] = [
    Scenario {
        summary: "No heat - furnace won't turn on",
        subject: "No heat in the house",
        tags: &["hvac", "emergency"],
        priorities: EMERGENCY,
        lines: [
            (INBOUND, "Our furnace quit overnight and there's no heat in the house. The thermostat says heating but only cold air comes out of the vents."),
            (OUTBOUND, "Hi {first}, this is {agent}. Sorry you're dealing with that! Can you check that the furnace switch is on and the filter isn't clogged? If that doesn't help we can have {tech} out {day} between {window}."),
            (INBOUND, "Switch is on and the filter is new. It's 58 degrees in here and we have a baby, is there anything sooner?"),
            (OUTBOUND, "Understood, I've moved you to an emergency visit today. {tech} will call about 20 minutes out."),
            (INBOUND, "Thank you! The gate code is {code} and the furnace is in the attic."),
        ],
        resolution: "Replaced failed flame sensor and cleaned burners; furnace heating normally.",
    },
    Scenario {
        summary: "Furnace making loud banging noise at startup",
        subject: "Loud bang from furnace",
        tags: &["hvac"],
        priorities: PROMPT,
        lines: [
            (INBOUND, "The furnace makes a loud bang every time it kicks on, and there's a rattling noise in the ducts after. Is that dangerous?"),
            (OUTBOUND, "Hi {first}, thanks for letting us know. A bang at startup is often delayed ignition, so we'd like to look at it soon. {tech} can come {day} between {window}. Does that work?"),
            (INBOUND, "That works. It's a {brand} unit, maybe 15 years old."),
            (OUTBOUND, "You're booked for {day}, {window}. If you smell gas before then, leave the house and call 911 and the gas company."),
            (INBOUND, "Will do, see you then."),
        ],
        resolution: "Cleaned burners and adjusted gas pressure to fix delayed ignition; secured a loose duct strap.",
    },
    Scenario {
        summary: "Heat pump iced over and blowing cool air",
        subject: "Heat pump covered in ice",
        tags: &["hvac"],
        priorities: PROMPT,
        lines: [
            (INBOUND, "Our outdoor heat pump unit is completely covered in ice and the air from the vents feels lukewarm at best."),
            (OUTBOUND, "Hi {first}, this is {agent}. Some frost is normal in this cold, but a solid block of ice usually means a defrost problem. Please switch the thermostat to emergency heat until {tech} gets there {day}."),
            (INBOUND, "Switched to emergency heat and the house is warming up. Our electric bill is going to hate this."),
            (OUTBOUND, "It should only be for a day or so. {tech} has you down for {day} between {window}."),
            (INBOUND, "Great. The side gate is unlocked, the dog will be inside."),
        ],
        resolution: "Replaced faulty defrost control board; heat pump defrosting and heating correctly.",
    },
    Scenario {
        summary: "Thermostat screen blank, system won't respond",
        subject: "Thermostat not working",
        tags: &["hvac"],
        priorities: ROUTINE,
        lines: [
            (INBOUND, "Our thermostat screen went blank after I changed the batteries and now neither the heat nor the fan will come on."),
            (OUTBOUND, "Hi {first}, {agent} here. Can you check the breaker for the furnace and the switch next to it? A blank thermostat often means the system lost power."),
            (INBOUND, "The breaker looked fine. I flipped it off and on anyway, still nothing on the thermostat."),
            (OUTBOUND, "Thanks for checking. It could be a blown fuse on the control board. {tech} can come {day} between {window} and bring a new smart thermostat in case we need it."),
            (INBOUND, "Sounds good. If we replace it, can it be a Wi-Fi one I can control from my phone?"),
        ],
        resolution: "Replaced blown 3A fuse on the furnace control board and installed a new Wi-Fi thermostat.",
    },
    Scenario {
        summary: "Carbon monoxide alarm going off near furnace",
        subject: "CO alarm sounding",
        tags: &["hvac", "emergency", "safety"],
        priorities: EMERGENCY,
        lines: [
            (INBOUND, "Our carbon monoxide alarm is going off in the hallway right next to the furnace closet. What should we do?"),
            (OUTBOUND, "Please get everyone out of the house now and call 911 or the gas company. Do not turn anything back on. We're sending {tech} as soon as the fire department clears it."),
            (INBOUND, "We're outside. The fire department measured CO near the furnace and shut off the gas."),
            (OUTBOUND, "Thank you for acting fast, {first}. {tech} is on the way with a combustion analyzer and will check the heat exchanger and the flue."),
            (INBOUND, "OK. Gate code {code}. We'll wait at the neighbor's."),
        ],
        resolution: "Found a cracked heat exchanger; furnace red-tagged and a replacement estimate sent.",
    },
    Scenario {
        summary: "AC not cooling - running but blowing warm air",
        subject: "AC blowing warm air",
        tags: &["hvac"],
        priorities: PROMPT,
        lines: [
            (INBOUND, "It's 82 out today and the AC is running nonstop but not cooling at all. The air from the vents is warm."),
            (OUTBOUND, "Hi {first}, this is {agent}. Can you check whether the fan on the outdoor unit is spinning? Also make sure the thermostat is set to cool and not fan only."),
            (INBOUND, "Thermostat is on cool. The outside unit hums but the fan isn't spinning."),
            (OUTBOUND, "That sounds like a failed capacitor or fan motor. Please turn the AC off so the compressor isn't damaged. {tech} can be there {day} between {window}."),
            (INBOUND, "Turned it off. We'll keep the windows open until then."),
        ],
        resolution: "Replaced failed run capacitor on the condenser; AC cooling with a 19-degree split.",
    },
    Scenario {
        summary: "Schedule furnace tune-up under maintenance plan",
        subject: "Time for your heating tune-up",
        tags: &["maintenance_plan", "hvac"],
        priorities: RELAXED,
        lines: [
            (OUTBOUND, "Hi {first}, it's {agent} from Comfort Pro. Your maintenance plan includes a heating tune-up this season. Would {day} between {window} work?"),
            (INBOUND, "Yes, that works. Can the tech also look at the upstairs thermostat? It reads a few degrees off."),
            (OUTBOUND, "Absolutely, I've added a note for {tech}. You're all set for {day}."),
            (INBOUND, "Perfect. Do we need to be home or can you use the lockbox?"),
            (OUTBOUND, "The lockbox is fine. We'll text you when {tech} arrives and when the visit is done."),
        ],
        resolution: "Completed furnace tune-up and recalibrated the upstairs thermostat; plan visit logged.",
    },
    Scenario {
        summary: "Estimate for replacing furnace and AC",
        subject: "Quote for a new furnace and AC",
        tags: &["hvac", "estimate", "sales_inquiry"],
        priorities: ROUTINE,
        lines: [
            (INBOUND, "Our furnace and AC are both 20 years old and we'd like an estimate to replace the whole system before summer."),
            (OUTBOUND, "Hi {first}, thanks for thinking of us! A comfort advisor can come {day} between {window} to measure the house and go over options. The estimate is free."),
            (INBOUND, "Great. Do you carry {brand}? A neighbor recommended them."),
            (OUTBOUND, "We do. After the visit you'll get good, better and best options by email; the mid-range system usually comes in around {system_price} installed."),
            (INBOUND, "OK, see you {day}. Please also bring information about financing."),
        ],
        resolution: "Estimate presented for a 3-ton system; customer chose the mid-range option, install scheduled.",
    },
    Scenario {
        summary: "Water heater leaking in garage",
        subject: "Water heater leaking",
        tags: &["plumbing", "water_heater", "emergency"],
        priorities: EMERGENCY,
        lines: [
            (INBOUND, "Our water heater is leaking from the bottom and there's a puddle spreading across the garage floor."),
            (OUTBOUND, "Hi {first}, this is {agent}. Please turn the cold water valve on top of the tank clockwise to shut it off, and set the gas control to pilot. We can have {tech} there today."),
            (INBOUND, "Done, the leak has slowed down. It's a {heater} 50 gallon, about 12 years old."),
            (OUTBOUND, "At that age a leak from the tank usually means it needs replacing. {tech} will bring a new tank so you have hot water again tonight."),
            (INBOUND, "Thank you! The gate code is {code}."),
        ],
        resolution: "Replaced leaking 50-gallon gas water heater, added an expansion tank and a drain pan.",
    },
    Scenario {
        summary: "No hot water - pilot light keeps going out",
        subject: "No hot water again",
        tags: &["plumbing", "water_heater"],
        priorities: PROMPT,
        lines: [
            (INBOUND, "No hot water since this morning. I relit the pilot light twice but it keeps going out after a few minutes."),
            (OUTBOUND, "Hi {first}, {agent} here. A pilot that won't stay lit usually points to the thermocouple. {tech} can come {day} between {window}."),
            (INBOUND, "Is there any way to get it sooner? There are five of us showering here."),
            (OUTBOUND, "I got you the first stop tomorrow morning. {tech} carries thermocouples on the truck, so it should be a quick fix."),
            (INBOUND, "Perfect, thanks."),
        ],
        resolution: "Replaced thermocouple and cleaned the pilot assembly; water heater relit and holding.",
    },
    Scenario {
        summary: "Frozen pipes - no water in kitchen",
        subject: "Frozen pipes",
        tags: &["plumbing", "emergency"],
        priorities: EMERGENCY,
        lines: [
            (INBOUND, "We have no water at the kitchen sink after last night's freeze. I think the pipes under the sink are frozen."),
            (OUTBOUND, "Hi {first}, this is {agent}. Please open the cabinet doors and keep the faucet open so water can move once it thaws. Never use an open flame on the pipe. Do you know where your main shut-off is?"),
            (INBOUND, "The main shut-off is in the box by the curb. The pipe along the outside wall feels ice cold."),
            (OUTBOUND, "Good. We're seeing a lot of frozen pipes today; {tech} is scheduled for {day} between {window} and will check for splits before the water comes back on."),
            (INBOUND, "Thank you. The gate code is {code} if we're not home."),
        ],
        resolution: "Thawed frozen supply line on the exterior wall, no leaks found; added pipe insulation.",
    },
    Scenario {
        summary: "Burst pipe flooding basement",
        subject: "Burst pipe - water everywhere",
        tags: &["plumbing", "emergency"],
        priorities: EMERGENCY,
        lines: [
            (INBOUND, "A pipe burst in the basement and water is spraying everywhere. Please send someone right away!"),
            (OUTBOUND, "Please shut off the main water valve right now, {first}. It's usually where the water line enters the house. {tech} is being dispatched to you as an emergency."),
            (INBOUND, "Found it and shut it off. There's about an inch of water on the floor."),
            (OUTBOUND, "Good job. Stay away from any outlets near the water. {tech} is about 30 minutes out, and we can refer a water mitigation company."),
            (INBOUND, "Yes please send me their number. Our insurance will want pictures."),
        ],
        resolution: "Replaced burst copper section in the basement ceiling and pressure-tested; referred to water mitigation.",
    },
    Scenario {
        summary: "Main drain backing up into shower",
        subject: "Drain backing up",
        tags: &["plumbing", "drain"],
        priorities: PROMPT,
        lines: [
            (INBOUND, "Every time we run the washing machine, dirty water backs up into the downstairs shower drain."),
            (OUTBOUND, "Hi {first}, that sounds like a clog in the main line. Please hold off on laundry and long showers. {tech} can come {day} between {window} with a drain camera."),
            (INBOUND, "OK. We had roots in the sewer line a few years ago, probably the same problem."),
            (OUTBOUND, "Good to know, I've noted it for {tech}. If it's roots again we'll show you the camera footage and the options."),
            (INBOUND, "Sounds good. See you {day}."),
        ],
        resolution: "Cleared root intrusion in the main sewer line with a cable machine; camera inspection recorded.",
    },
    Scenario {
        summary: "Running toilet and dripping kitchen faucet",
        subject: "Toilet running and faucet dripping",
        tags: &["plumbing"],
        priorities: RELAXED,
        lines: [
            (INBOUND, "Not urgent, but the upstairs toilet keeps running and the kitchen faucet drips all night. Can we schedule someone?"),
            (OUTBOUND, "Hi {first}, happy to help. We have an opening {day} between {window}; does that work?"),
            (INBOUND, "Yes. Do you bring parts or should I buy the faucet?"),
            (OUTBOUND, "{tech} carries most fill valves and cartridges. If you want a new faucet, buy it ahead and we'll install it."),
            (INBOUND, "Great, I'll pick one up this weekend."),
        ],
        resolution: "Replaced toilet fill valve and flapper, installed the new kitchen faucet supplied by the customer.",
    },
    Scenario {
        summary: "Quote for tankless water heater",
        subject: "Tankless water heater quote",
        tags: &["plumbing", "water_heater", "estimate"],
        priorities: ROUTINE,
        lines: [
            (INBOUND, "We're thinking about replacing our old tank with a tankless water heater. What would that cost?"),
            (OUTBOUND, "Hi {first}, this is {agent}. It depends on the gas line size and venting; most installs we do run between $3,800 and $5,500. We can send {tech} {day} for a free estimate."),
            (INBOUND, "That would be great. Do you install {heater}?"),
            (OUTBOUND, "Yes, we're a certified {heater} installer. You're booked for {day} between {window}."),
            (INBOUND, "Thanks, see you then."),
        ],
        resolution: "Estimate sent for a tankless install with a gas line upsize; customer reviewing.",
    },
    Scenario {
        summary: "Sump pump not kicking on",
        subject: "Sump pump not working",
        tags: &["plumbing"],
        priorities: PROMPT,
        lines: [
            (INBOUND, "The sump pump isn't kicking on and the pit is almost full. It's supposed to rain all night."),
            (OUTBOUND, "Hi {first}, {agent} here. Please check it's plugged in and the float isn't stuck against the side of the pit. {tech} can be there {day}."),
            (INBOUND, "It's plugged in. I lifted the float and the motor just hums."),
            (OUTBOUND, "Sounds like the motor or impeller has failed. We'll bring a replacement pump; {tech} will be there {day} between {window}."),
            (INBOUND, "Thanks, I'll bail it out with a bucket in the meantime."),
        ],
        resolution: "Replaced seized sump pump and added a check valve; tested with a full pit.",
    },
    Scenario {
        summary: "Breaker keeps tripping in kitchen",
        subject: "Breaker keeps tripping",
        tags: &["electrical"],
        priorities: PROMPT,
        lines: [
            (INBOUND, "The breaker for our kitchen keeps tripping whenever the microwave and the toaster run at the same time. Lately it trips with just the microwave."),
            (OUTBOUND, "Hi {first}, this is {agent}. Please don't keep resetting it over and over. Is the breaker or the panel warm to the touch?"),
            (INBOUND, "The breaker feels a bit warm. The panel is in the garage, it's pretty old."),
            (OUTBOUND, "We'd like {tech}, one of our licensed electricians, to take a look {day} between {window}. Keep heavy appliances on other circuits until then."),
            (INBOUND, "OK, thanks. Is there a trip charge?"),
        ],
        resolution: "Replaced worn 20A breaker and split the kitchen countertop circuit; no more tripping.",
    },
    Scenario {
        summary: "Burning smell from outlet, power out in half the house",
        subject: "Burning smell and power out",
        tags: &["electrical", "emergency", "safety"],
        priorities: EMERGENCY,
        lines: [
            (INBOUND, "Half the house lost power and there's a burning smell coming from an outlet in the living room."),
            (OUTBOUND, "Please turn off the main breaker now, {first}, and call 911 if you see smoke or scorch marks. We're dispatching {tech}, one of our electricians."),
            (INBOUND, "Main breaker is off. The outlet cover looks brown and melted."),
            (OUTBOUND, "Thank you. Don't use that outlet again. {tech} is about 40 minutes out."),
            (INBOUND, "OK. Gate code {code}, we'll be out front."),
        ],
        resolution: "Replaced melted receptacle and loose back-stabbed connections on the circuit; power restored.",
    },
    Scenario {
        summary: "Estimate for EV charger and panel upgrade",
        subject: "EV charger installation",
        tags: &["electrical", "estimate", "sales_inquiry"],
        priorities: RELAXED,
        lines: [
            (INBOUND, "We just bought an electric car and want a Level 2 charger in the garage. Our panel is only 100 amps, is that a problem?"),
            (OUTBOUND, "Hi {first}, thanks for reaching out! It depends on the load: often a load calculation shows it fits, sometimes a panel upgrade is needed. {tech} can come {day} for a free estimate."),
            (INBOUND, "Great. Does the estimate include the permit?"),
            (OUTBOUND, "Yes, our estimates include the permit and the inspection. You're booked for {day} between {window}."),
            (INBOUND, "Perfect. The side door will be open."),
        ],
        resolution: "Load calculation done; estimate sent for a 200A panel upgrade plus a 48A charger circuit.",
    },
    Scenario {
        summary: "Lights flickering throughout the house",
        subject: "Flickering lights",
        tags: &["electrical"],
        priorities: ROUTINE,
        lines: [
            (INBOUND, "Lights all over the house flicker when the furnace or the dryer starts. Should I be worried?"),
            (OUTBOUND, "Hi {first}, it's worth checking: it can be a loose neutral at the panel or the meter. {tech} can come {day} between {window}."),
            (INBOUND, "OK. A couple of bulbs burned out this week too."),
            (OUTBOUND, "That fits a voltage problem. Please avoid running big appliances at the same time until we check. See you {day}."),
            (INBOUND, "Thanks, will do."),
        ],
        resolution: "Tightened a loose neutral in the main panel; voltage steady under load. Utility notified about the meter base.",
    },
    Scenario {
        summary: "Question about invoice charges",
        subject: "Question about my invoice",
        tags: &["billing"],
        priorities: RELAXED,
        lines: [
            (INBOUND, "I got an invoice for last week's visit and it has a diagnostic fee on it. I thought that was waived with the maintenance plan?"),
            (OUTBOUND, "Hi {first}, this is {agent}. You're right, plan members don't pay the diagnostic fee. Let me check with billing and fix the invoice."),
            (INBOUND, "Thanks. Also the total shows {amount} but the tech quoted less on site."),
            (OUTBOUND, "I've removed the diagnostic fee and emailed a corrected invoice. The rest of the difference was the part, and I've applied your 15% member discount to it."),
            (INBOUND, "Got it, thanks for sorting it out."),
        ],
        resolution: "Removed the diagnostic fee, applied the member discount and re-sent a corrected invoice.",
    },
    Scenario {
        summary: "Warranty claim - AC compressor failed",
        subject: "Is this covered under warranty?",
        tags: &["warranty", "hvac"],
        priorities: ROUTINE,
        lines: [
            (INBOUND, "Your team installed our AC three years ago and now the compressor has failed. Is this covered under warranty?"),
            (OUTBOUND, "Hi {first}, {agent} here. Your {brand} system has a 10-year parts warranty if it was registered. I'm checking the registration now."),
            (INBOUND, "I think we registered it when it was installed. Is labor covered too?"),
            (OUTBOUND, "It's registered, so the compressor is covered. Labor was covered for the first 2 years, so there will be a labor charge. {tech} can come {day} between {window} to confirm the diagnosis."),
            (INBOUND, "OK, please book it."),
        ],
        resolution: "Compressor replaced under the manufacturer's parts warranty; labor billed at the member rate.",
    },
    Scenario {
        summary: "Question about maintenance plan pricing",
        subject: "Maintenance plan pricing",
        tags: &["maintenance_plan", "sales_inquiry"],
        priorities: RELAXED,
        lines: [
            (INBOUND, "How much is your maintenance plan and what does it cover? We have one furnace and one AC."),
            (OUTBOUND, "Hi {first}, thanks for asking! The Comfort Club plan is $189 a year: a heating tune-up in the fall, a cooling tune-up in the spring, priority scheduling and 15% off repairs."),
            (INBOUND, "Does it cover the water heater too?"),
            (OUTBOUND, "A yearly water heater flush comes with the Plus plan for $249. Want me to sign you up and schedule the first visit?"),
            (INBOUND, "Let's do the Plus plan. {day} works for the first visit."),
        ],
        resolution: "Enrolled in Comfort Club Plus; first tune-up scheduled.",
    },
    Scenario {
        summary: "Reschedule tomorrow's appointment",
        subject: "Need to reschedule",
        tags: &["follow_up"],
        priorities: RELAXED,
        lines: [
            (INBOUND, "Hi, something came up at work. Can we move tomorrow's appointment to later in the week?"),
            (OUTBOUND, "No problem, {first}. I can do {day} between {window}; would that work?"),
            (INBOUND, "Yes, that's better. Same tech?"),
            (OUTBOUND, "Yes, {tech} is still your technician. You'll get a text when they're on the way."),
            (INBOUND, "Great, thank you."),
        ],
        resolution: "Appointment moved; customer confirmed the new time.",
    },
    Scenario {
        summary: "Follow-up: furnace still short cycling after repair",
        subject: "Still having the same problem",
        tags: &["follow_up", "hvac"],
        priorities: PROMPT,
        lines: [
            (INBOUND, "{tech} was here last week for the furnace, but it's doing it again: it runs for two minutes, shuts off, then starts again."),
            (OUTBOUND, "Hi {first}, I'm sorry about that. Since it's within 30 days, there's no charge for the return visit. Can {tech} come {day} between {window}?"),
            (INBOUND, "Yes. It seems worse when it's really cold at night."),
            (OUTBOUND, "Thanks, that helps. {tech} will check the flame sensor again, the high-limit switch and the filter size."),
            (INBOUND, "Thanks, see you {day}."),
        ],
        resolution: "Found an undersized return filter causing high-limit trips; installed the correct filter and cleaned the flame sensor.",
    },
    Scenario {
        summary: "Financing options for new system",
        subject: "Financing options",
        tags: &["sales_inquiry", "billing"],
        priorities: RELAXED,
        lines: [
            (INBOUND, "Do you offer financing for a new furnace? We got your estimate for {system_price}."),
            (OUTBOUND, "Hi {first}, we do! We offer 0% for 18 months, or low monthly payments for up to 10 years, subject to credit approval."),
            (INBOUND, "What would the monthly payment be on the 10-year option?"),
            (OUTBOUND, "Roughly $110 to $150 a month depending on the approved rate. I can email you the application link."),
            (INBOUND, "Please do, thanks."),
        ],
        resolution: "Financing application sent; customer approved for 0% over 18 months.",
    },
];

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

/// The demo's conversations: the contract's two examples first, then the seeded rest.
pub fn demo_conversations() -> Vec<ImportedConversation> {
    Generator::new(DEMO_SHAPE).collect()
}

fn example_abc123() -> ImportedConversation {
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

fn example_def456() -> ImportedConversation {
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

fn john_smith() -> Customer {
    Customer {
        id: "cust_456".to_owned(),
        name: "John Smith".to_owned(),
        phone: Some("+13105551234".to_owned()),
        email: Some("john.smith@example.com".to_owned()),
        servicetitan_id: Some("12345".to_owned()),
    }
}

fn jane_doe() -> Customer {
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

fn user((id, name, avatar_url): TeamMember) -> User {
    User { id: id.to_owned(), name: name.to_owned(), avatar_url: avatar_url.map(str::to_owned) }
}

fn message(id: &str, direction: &str, body: &str, sent_at: Timestamp) -> Message {
    Message { id: Some(id.to_owned()), direction: Some(direction.to_owned()), body: body.to_owned(), sent_at }
}

fn at(rfc3339: &str) -> Timestamp {
    parse_rfc3339(rfc3339).expect("demo instants are valid RFC 3339")
}

fn object<const N: usize>(entries: [(&str, Value); N]) -> Map<String, Value> {
    entries.into_iter().map(|(key, value)| (key.to_owned(), value)).collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// A customer with what the scripts need to address them.
#[derive(Debug, Clone)]
struct DemoCustomer {
    customer: Customer,
    first_name: String,
    vip: bool,
}

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

/// Customers.
impl Generator {
    fn next_customer(&mut self) -> Option<(DemoCustomer, u32)> {
        let index = self.customers_begun;
        let count = *self.plan.get(index)?;
        self.customers_begun += 1;
        Some((self.customer_at(index), count))
    }

    /// The regulars, the notable customers, then people with common names.
    fn customer_at(&mut self, index: usize) -> DemoCustomer {
        if let Some(regular) = self.regulars.get(index) {
            return regular.clone();
        }
        let numbered = index - self.regulars.len();
        if let Some(&(name, first_name, email_local, business)) = NOTABLE_CUSTOMERS.get(numbered) {
            return self.customer(numbered as u64, name.to_owned(), first_name, email_local, business);
        }
        let common = (numbered - NOTABLE_CUSTOMERS.len()) as u64;
        let (first, last) = common_name(self.first_name + common * CUSTOMER_NAME_STEP);
        let mut email_local = self.email_local(first, last);
        // Names come round again after every pair was used; their e-mails stay apart.
        let round = common / COMMON_NAMES;
        if round > 0 {
            email_local = format!("{email_local}.{round}");
        }
        self.customer(numbered as u64, format!("{first} {last}"), first, &email_local, false)
    }

    fn email_local(&mut self, first: &str, last: &str) -> String {
        let (first, last) = (ascii_lower(first), ascii_lower(last));
        match self.rng.random_range(0..4) {
            0 => format!("{first}{last}"),
            1 => format!("{first}_{last}"),
            2 => format!("{first}.{last}{}", self.rng.random_range(60..100)),
            _ => format!("{first}.{last}"),
        }
    }

    /// The `n`-th numbered customer.
    fn customer(&mut self, n: u64, name: String, first_name: &str, email_local: &str, business: bool) -> DemoCustomer {
        let reach = if business { 99 } else { self.rng.random_range(0..100) };
        let has_phone = reach >= NO_PHONE_PERCENT;
        let has_email = !(NO_PHONE_PERCENT..NO_PHONE_PERCENT + NO_EMAIL_PERCENT).contains(&reach);
        let phone = has_phone.then(|| self.phone(n));
        let email = has_email.then(|| format!("{email_local}@{}", self.pick(&EMAIL_DOMAINS)));
        let servicetitan_id = self.rng.random_bool(0.85).then(|| self.servicetitan_id(n));
        let vip = business || self.rng.random_bool(0.08);
        let customer =
            Customer { id: format!("cust_{}", FIRST_CUSTOMER_NUMBER + n), name, phone, email, servicetitan_id };
        DemoCustomer { customer, first_name: first_name.to_owned(), vip }
    }

    /// `+1`, a local area code, then an exchange and a line that are the `n`-th
    /// customer's own.
    fn phone(&mut self, n: u64) -> String {
        let area = self.pick(&AREA_CODES);
        let number = self.phone_numbers.nth(n, &mut self.rng);
        format!("+1{area}{}{:04}", FIRST_EXCHANGE + number / 10_000, number % 10_000)
    }

    fn servicetitan_id(&mut self, n: u64) -> String {
        (FIRST_SERVICETITAN_ID + self.servicetitan_ids.nth(n, &mut self.rng)).to_string()
    }
}

/// Conversations.
impl Generator {
    fn conversation(&mut self, customer: &DemoCustomer) -> ImportedConversation {
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
    use std::collections::{BTreeMap, HashMap, HashSet};

    use super::*;
    use crate::domain::{fold, format_timestamp, words, TagName};

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
    fn period_end_is_the_first_of_march() {
        assert_eq!(format_timestamp(PERIOD_END), "2024-03-01T00:00:00Z");
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
        let all = demo_conversations();
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
        for channel in Channel::ALL {
            assert!(all.iter().any(|c| c.conversation.channel == *channel), "{channel}");
        }
        for status in ConversationStatus::ALL {
            assert!(all.iter().any(|c| c.conversation.status == *status), "{status}");
        }
        for priority in Priority::ALL {
            assert!(all.iter().any(|c| c.conversation.priority == *priority), "{priority}");
        }
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
