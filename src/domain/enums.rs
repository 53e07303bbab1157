use std::fmt;
use std::str::FromStr;

use super::RuleError;

/// Declares a closed set of values stored and imported as lower-case strings.
macro_rules! string_enum {
    ($name:ident, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stored (and imported) spelling.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = RuleError;
            fn from_str(s: &str) -> Result<Self, RuleError> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    other => Err(RuleError(format!(concat!("unknown ", $what, " {:?}"), other))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(Channel, "channel", { Voice => "voice", Sms => "sms", Email => "email", LiveChat => "live_chat" });
string_enum!(ConversationStatus, "status", { Open => "open", Pending => "pending", Resolved => "resolved" });
string_enum!(Priority, "priority", { Urgent => "urgent", High => "high", Normal => "normal", Low => "low" });
string_enum!(ActivityKind, "activity kind", {
    Assigned => "assigned", Unassigned => "unassigned", StatusChanged => "status_changed",
    TagsAdded => "tags_added", TagsRemoved => "tags_removed", NoteAdded => "note_added", Imported => "imported",
});

impl Priority {
    /// Sort rank: URGENT sorts first under `PRIORITY_DESC`.
    pub fn rank(self) -> i16 {
        match self {
            Self::Urgent => 4,
            Self::High => 3,
            Self::Normal => 2,
            Self::Low => 1,
        }
    }
}

/// `status` of the conversations filter: one status, or all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    Only(ConversationStatus),
    #[default]
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TagMatch {
    #[default]
    Any,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum ConversationSort {
    #[default]
    LastActivityDesc,
    LastActivityAsc,
    CreatedDesc,
    CreatedAsc,
    PriorityDesc,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_stored_spelling() {
        for c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>().unwrap(), *c);
        }
        assert_eq!("live_chat".parse::<Channel>().unwrap(), Channel::LiveChat);
    }

    #[test]
    fn names_the_unknown_value() {
        let err = "fax".parse::<Channel>().unwrap_err();
        assert_eq!(err.0, r#"unknown channel "fax""#);
    }

    #[test]
    fn priority_ranks_urgent_first() {
        let mut all = Priority::ALL.to_vec();
        all.sort_by_key(|p| std::cmp::Reverse(p.rank()));
        assert_eq!(all, [Priority::Urgent, Priority::High, Priority::Normal, Priority::Low]);
    }
}
