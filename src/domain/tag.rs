use std::sync::LazyLock;

use regex::Regex;

use super::RuleError;

/// Tags a single add or remove call may carry.
pub const MAX_TAGS_PER_CALL: usize = 20;
/// Tags a conversation may hold.
pub const MAX_TAGS_PER_CONVERSATION: usize = 50;

static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9][a-z0-9_:-]{0,63}$").expect("the tag pattern is valid"));

/// A normalised tag: trimmed, lower-cased, `^[a-z0-9][a-z0-9_:-]{0,63}$`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TagName(String);

impl TagName {
    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        let normalised = raw.trim().to_lowercase();
        if TAG.is_match(&normalised) {
            Ok(Self(normalised))
        } else {
            Err(RuleError(format!(
                "invalid tag {raw:?}: a tag is 1 to 64 of a-z, 0-9, '_', ':' and '-', starting with a letter or digit"
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Normalised tags in the order given, duplicates dropped.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TagList(Vec<TagName>);

impl TagList {
    /// Parses tags, requiring between `min` and `max` of them as given.
    pub fn parse<S: AsRef<str>>(raw: &[S], min: usize, max: usize) -> Result<Self, RuleError> {
        Self::parse_indexed(raw, min, max).map_err(|(_, err)| err)
    }

    /// As [`TagList::parse`]; an error says which tag broke the rules (its index), or
    /// none when the count did.
    pub fn parse_indexed<S: AsRef<str>>(raw: &[S], min: usize, max: usize) -> Result<Self, (Option<usize>, RuleError)> {
        if raw.len() < min || raw.len() > max {
            return Err((
                None,
                RuleError(if min == max {
                    format!("exactly {min} tags are required, got {}", raw.len())
                } else {
                    format!("between {min} and {max} tags are required, got {}", raw.len())
                }),
            ));
        }
        let mut tags: Vec<TagName> = Vec::with_capacity(raw.len());
        for (i, tag) in raw.iter().enumerate() {
            let tag = TagName::parse(tag.as_ref()).map_err(|err| (Some(i), err))?;
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        Ok(Self(tags))
    }

    /// The tags of one add or remove call: 1 to 20.
    pub fn parse_call<S: AsRef<str>>(raw: &[S]) -> Result<Self, RuleError> {
        Self::parse(raw, 1, MAX_TAGS_PER_CALL)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &TagName> {
        self.0.iter()
    }

    pub fn as_strings(&self) -> Vec<String> {
        self.0.iter().map(|t| t.0.clone()).collect()
    }

    /// The tags of these that a conversation holding `held` lacks, in order; refused when
    /// it would then hold more than it may.
    pub fn added_to(&self, held: &[String]) -> Result<Vec<String>, RuleError> {
        let added: Vec<String> = self.iter().map(|t| t.as_str().to_owned()).filter(|t| !held.contains(t)).collect();
        if held.len() + added.len() > MAX_TAGS_PER_CONVERSATION {
            return Err(RuleError(format!(
                "a conversation holds at most {MAX_TAGS_PER_CONVERSATION} tags; it has {} and this adds {}",
                held.len(),
                added.len()
            )));
        }
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises() {
        assert_eq!(TagName::parse("  Water_Heater ").unwrap().as_str(), "water_heater");
        assert_eq!(TagName::parse("zone:north-2").unwrap().as_str(), "zone:north-2");
        assert_eq!(TagName::parse("9lives").unwrap().as_str(), "9lives");
    }

    #[test]
    fn rejects_bad_tags() {
        for bad in ["", "  ", "_x", "-x", ":x", "a b", "é", "a!", &"a".repeat(65)] {
            assert!(TagName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(TagName::parse(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn adds_only_what_is_missing_up_to_fifty() {
        let call = TagList::parse_call(&["a", "b"]).unwrap();
        assert_eq!(call.added_to(&["a".to_owned()]).unwrap(), ["b"]);
        let full: Vec<String> = (0..50).map(|i| format!("t{i}")).collect();
        assert!(call.added_to(&full).is_err());
        let again = TagList::parse_call(&["t1"]).unwrap();
        assert_eq!(again.added_to(&full).unwrap(), Vec::<String>::new(), "adding a held tag to a full one is a no-op");
    }

    #[test]
    fn call_takes_one_to_twenty_and_dedupes() {
        assert!(TagList::parse_call::<&str>(&[]).is_err());
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert!(TagList::parse_call(&many).is_err());
        assert!(TagList::parse_call(&many[..20]).is_ok());
        let list = TagList::parse_call(&["B", "a", "b "]).unwrap();
        assert_eq!(list.as_strings(), ["b", "a"]);
    }
}
