//! The one filter of conversations. Every place that interprets it (the store's
//! condition, the count path, the cursor's fingerprint) destructures it whole, so a new
//! field does not compile until each of them handles it.

use std::collections::BTreeSet;

use super::{
    parse_date_bound, phone_suffixes, Bound, Channel, ConversationStatus, Priority, RuleError, SearchQuery,
    StatusFilter, TagList, TagMatch, Timestamp,
};

/// Every condition of the conversations filter, parsed; they combine with AND.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConversationFilter {
    pub status: StatusFilter,
    /// Any of these; empty means every channel.
    pub channels: Vec<Channel>,
    pub assignee_id: Option<String>,
    pub customer_id: Option<String>,
    /// `createdAt >= created_from`.
    pub created_from: Option<Timestamp>,
    /// `createdAt <= created_to`.
    pub created_to: Option<Timestamp>,
    pub search: Option<SearchQuery>,
    /// Empty means no tag filter.
    pub tags: TagList,
    pub tag_match: TagMatch,
    pub priority: Option<Priority>,
}

/// A filter as a transport received it: enums read, lists split, text not yet checked.
#[derive(Debug, Clone, Default)]
pub struct FilterInput<'a> {
    pub status: StatusFilter,
    pub channels: Vec<Channel>,
    pub assignee_id: Option<String>,
    pub customer_id: Option<String>,
    pub date_from: Option<&'a str>,
    pub date_to: Option<&'a str>,
    pub search: Option<&'a str>,
    pub tags: &'a [String],
    pub tag_match: TagMatch,
    pub priority: Option<Priority>,
}

/// The field of a filter that broke a rule; each transport says it in its own names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterField {
    Channels,
    DateFrom,
    DateTo,
    Search,
    Tags,
}

/// Tags a filter may name (more than a conversation can hold is still allowed, up to this).
const MAX_FILTER_TAGS: usize = 100;
/// Most channels a filter may list (there are four; repeats are folded).
const MAX_FILTER_CHANNELS: usize = 16;

impl FilterInput<'_> {
    /// The filter, normalised: repeated channels and tags folded, tags as
    /// `addConversationTags` normalises them, an empty search no search.
    pub fn parse(self) -> Result<ConversationFilter, (FilterField, RuleError)> {
        let Self { status, channels, assignee_id, customer_id, date_from, date_to, search, tags, tag_match, priority } =
            self;
        let bound = |raw: Option<&str>, bound, field| {
            raw.map(|d| parse_date_bound(d, bound).map_err(|e| (field, e))).transpose()
        };
        let created_from = bound(date_from, Bound::From, FilterField::DateFrom)?;
        let created_to = bound(date_to, Bound::To, FilterField::DateTo)?;
        if let (Some(from), Some(to)) = (created_from, created_to) {
            if from > to {
                let err = RuleError::new("the start of the date range must not be after its end");
                return Err((FilterField::DateFrom, err));
            }
        }
        let search = search.map(SearchQuery::parse).transpose().map_err(|e| (FilterField::Search, e))?.flatten();
        let tags = TagList::parse(tags, 0, MAX_FILTER_TAGS).map_err(|e| (FilterField::Tags, e))?;
        if channels.len() > MAX_FILTER_CHANNELS {
            let err = RuleError::new(format!("at most {MAX_FILTER_CHANNELS} channels may be listed"));
            return Err((FilterField::Channels, err));
        }
        let mut folded: Vec<Channel> = Vec::with_capacity(4);
        for channel in channels {
            if !folded.contains(&channel) {
                folded.push(channel);
            }
        }
        Ok(ConversationFilter {
            status,
            channels: folded,
            assignee_id,
            customer_id,
            created_from,
            created_to,
            search,
            tags,
            tag_match,
            priority,
        })
    }
}

/// What a filter reads of one conversation, but its text: the state a live event keeps
/// of the conversation before and after its change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterFacts {
    pub status: ConversationStatus,
    pub channel: Channel,
    pub priority: Priority,
    pub assignee_id: Option<String>,
    pub customer_id: String,
    pub created_at: Timestamp,
    /// The tags it carries, normalised.
    pub tags: Vec<String>,
}

impl FilterFacts {
    pub fn of(conversation: &super::Conversation, tags: &[String]) -> Self {
        Self {
            status: conversation.status,
            channel: conversation.channel,
            priority: conversation.priority,
            assignee_id: conversation.assignee_id.clone(),
            customer_id: conversation.customer_id.clone(),
            created_at: conversation.created_at,
            tags: tags.to_vec(),
        }
    }
}

/// What a search reads of one conversation: the folded words of its summary, messages,
/// notes and its customer's name and email, and its customer's phone number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchText {
    pub words: BTreeSet<String>,
    pub phone: Option<String>,
}

impl ConversationFilter {
    /// Whether a conversation matches, in memory: the same rules as the store's SQL
    /// condition (section 5), which a property test holds them to. A filter whose search
    /// has words needs the conversation's text; without it such a search matches nothing.
    pub fn matches(&self, facts: &FilterFacts, text: Option<&SearchText>) -> bool {
        let Self {
            status,
            channels,
            assignee_id,
            customer_id,
            created_from,
            created_to,
            search,
            tags,
            tag_match,
            priority,
        } = self;
        let status_ok = match status {
            StatusFilter::Only(status) => facts.status == *status,
            StatusFilter::All => true,
        };
        let tags_ok = tags.is_empty() || {
            let mut wanted = tags.iter().map(|tag| facts.tags.iter().any(|held| held == tag.as_str()));
            match tag_match {
                TagMatch::Any => wanted.any(|held| held),
                TagMatch::All => wanted.all(|held| held),
            }
        };
        status_ok
            && (channels.is_empty() || channels.contains(&facts.channel))
            && priority.is_none_or(|p| p == facts.priority)
            && assignee_id.as_deref().is_none_or(|a| facts.assignee_id.as_deref() == Some(a))
            && customer_id.as_deref().is_none_or(|c| facts.customer_id == c)
            && created_from.is_none_or(|from| facts.created_at >= from)
            && created_to.is_none_or(|to| facts.created_at <= to)
            && tags_ok
            && search.as_ref().is_none_or(|search| search_matches(search, text))
    }

    /// True when [`ConversationFilter::matches`] needs the conversation's text.
    pub fn needs_text(&self) -> bool {
        self.search.as_ref().is_some_and(|search| !search.matches_every_text())
    }
}

/// Section 5's search: every query word a prefix of some word of the text, or the
/// query's digits within the customer's phone number's.
fn search_matches(search: &SearchQuery, text: Option<&SearchText>) -> bool {
    if search.matches_every_text() {
        return true;
    }
    let Some(text) = text else { return false };
    let by_words = search.words.iter().all(|word| {
        text.words
            .range::<str, _>((std::ops::Bound::Included(word.as_str()), std::ops::Bound::Unbounded))
            .next()
            .is_some_and(|w| w.starts_with(word.as_str()))
    });
    let by_phone = || {
        let (Some(digits), Some(phone)) = (&search.phone_digits, &text.phone) else { return false };
        phone_suffixes(phone).iter().any(|suffix| suffix.starts_with(digits.as_str()))
    };
    by_words || by_phone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_repeats_and_empty_search() {
        let tags = vec!["VIP".to_owned(), "vip".to_owned()];
        let input = FilterInput {
            channels: vec![Channel::Sms, Channel::Sms, Channel::Voice],
            search: Some("   "),
            tags: &tags,
            ..FilterInput::default()
        };
        let filter = input.parse().unwrap();
        assert_eq!(filter.channels, [Channel::Sms, Channel::Voice]);
        assert_eq!(filter.search, None);
        assert_eq!(filter.tags.len(), 1);
    }

    #[test]
    fn names_the_field_that_broke_a_rule() {
        let field = |input: FilterInput<'_>| input.parse().unwrap_err().0;
        assert_eq!(
            field(FilterInput { date_from: Some("2024-02-01"), date_to: Some("2024-01-01"), ..Default::default() }),
            FilterField::DateFrom
        );
        assert_eq!(field(FilterInput { date_to: Some("yesterday"), ..Default::default() }), FilterField::DateTo);
        assert_eq!(field(FilterInput { search: Some(&"x".repeat(201)), ..Default::default() }), FilterField::Search);
        let bad = vec!["-no".to_owned()];
        assert_eq!(field(FilterInput { tags: &bad, ..Default::default() }), FilterField::Tags);
        assert_eq!(
            field(FilterInput { channels: vec![Channel::Sms; 17], ..Default::default() }),
            FilterField::Channels
        );
    }

    /// An open voice conversation of `cust_1` (phone `+1 (310) 555-1234`), created at
    /// noon on 2024-01-20, tagged `hvac` and `vip`, whose text is "José Müller: water-heater".
    fn conversation() -> (FilterFacts, SearchText) {
        let facts = FilterFacts {
            status: ConversationStatus::Open,
            channel: Channel::Voice,
            priority: Priority::Normal,
            assignee_id: None,
            customer_id: "cust_1".to_owned(),
            created_at: 1_705_752_000_000_000,
            tags: vec!["hvac".to_owned(), "vip".to_owned()],
        };
        let words = ["jose", "muller", "water", "heater"].map(str::to_owned).into();
        (facts, SearchText { words, phone: Some("+1 (310) 555-1234".to_owned()) })
    }

    fn matches(input: FilterInput<'_>) -> bool {
        let (facts, text) = conversation();
        input.parse().unwrap().matches(&facts, Some(&text))
    }

    fn searched(search: &str) -> bool {
        matches(FilterInput { search: Some(search), ..Default::default() })
    }

    #[test]
    fn tags_match_any_or_all() {
        let tagged = |tags: &[&str], tag_match| {
            let tags: Vec<String> = tags.iter().map(|t| (*t).to_owned()).collect();
            matches(FilterInput { tags: &tags, tag_match, ..Default::default() })
        };
        assert!(tagged(&["vip", "nope"], TagMatch::Any));
        assert!(!tagged(&["vip", "nope"], TagMatch::All));
        assert!(tagged(&[" VIP ", "HVAC"], TagMatch::All), "filter tags are normalised");
        assert!(!tagged(&["nope"], TagMatch::Any));
        assert!(tagged(&[], TagMatch::All), "no tags, no tag filter");
    }

    #[test]
    fn words_match_by_prefix_after_folding() {
        assert!(searched("JOSÉ"));
        assert!(searched("mül wat"));
        assert!(searched("water-heat"));
        assert!(!searched("water cooler"), "every word must match");
        assert!(!searched("ose"), "a prefix, not any part");
    }

    #[test]
    fn phone_fragments_match_the_customers_digits() {
        assert!(searched("555-1234"));
        assert!(searched("(310) 555"));
        assert!(searched("13105551234"));
        assert!(!searched("555-9999"));
        assert!(!searched("555"), "three digits are a word, not a fragment");
        let (facts, text) = conversation();
        let no_phone = SearchText { phone: None, ..text };
        let filter = FilterInput { search: Some("5551234"), ..Default::default() }.parse().unwrap();
        assert!(!filter.matches(&facts, Some(&no_phone)));
    }

    #[test]
    fn a_search_without_words_matches_everything_and_needs_no_text() {
        let (facts, _) = conversation();
        for search in ["--", "!!! ...", "  "] {
            let filter = FilterInput { search: Some(search), ..Default::default() }.parse().unwrap();
            assert!(!filter.needs_text(), "{search:?}");
            assert!(filter.matches(&facts, None), "{search:?}");
        }
        let filter = FilterInput { search: Some("jose"), ..Default::default() }.parse().unwrap();
        assert!(filter.needs_text());
        assert!(!filter.matches(&facts, None), "a search with words needs the text");
    }

    #[test]
    fn dates_bound_created_at_inclusively() {
        let between = |from: Option<&str>, to: Option<&str>| {
            matches(FilterInput { date_from: from, date_to: to, ..Default::default() })
        };
        assert!(between(Some("2024-01-20"), Some("2024-01-20")), "a full date covers its whole day");
        assert!(between(Some("2024-01-20T12:00:00Z"), Some("2024-01-20T12:00:00Z")), "both bounds inclusive");
        assert!(between(None, Some("2024-01-20T14:00:00+02:00")), "offsets are honoured");
        assert!(!between(Some("2024-01-20T12:00:00.000001Z"), None));
        assert!(!between(None, Some("2024-01-19")));
        assert!(!between(Some("2024-01-21"), None));
    }

    #[test]
    fn the_other_fields_must_all_hold() {
        assert!(matches(FilterInput {
            status: StatusFilter::Only(ConversationStatus::Open),
            channels: vec![Channel::Sms, Channel::Voice],
            customer_id: Some("cust_1".to_owned()),
            priority: Some(Priority::Normal),
            ..Default::default()
        }));
        assert!(!matches(FilterInput {
            status: StatusFilter::Only(ConversationStatus::Pending),
            ..Default::default()
        }));
        assert!(!matches(FilterInput { channels: vec![Channel::Sms], ..Default::default() }));
        assert!(!matches(FilterInput { assignee_id: Some("user_1".to_owned()), ..Default::default() }));
        assert!(!matches(FilterInput { customer_id: Some("cust_2".to_owned()), ..Default::default() }));
        assert!(!matches(FilterInput { priority: Some(Priority::Urgent), ..Default::default() }));
    }

    #[test]
    fn a_full_date_range_covers_both_days() {
        let input = FilterInput { date_from: Some("2024-01-20"), date_to: Some("2024-01-20"), ..Default::default() };
        let filter = input.parse().unwrap();
        assert_eq!(filter.created_to.unwrap() - filter.created_from.unwrap(), 86_400_000_000 - 1);
    }
}
