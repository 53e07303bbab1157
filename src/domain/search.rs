//! The contract's search rules: folding, words, word prefixes and phone digits.
//!
//! Both engines index what these functions produce, so matching is exactly the same on
//! SQLite and PostgreSQL: a conversation's words (and its customer's) are stored as one
//! document, and a query word matches any stored word it is a prefix of.

use std::sync::LazyLock;

use regex::Regex;
use sha2::{Digest, Sha256};
use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

use super::RuleError;

/// The longest search a client may send, in characters, after trimming.
pub const MAX_SEARCH_CHARS: usize = 200;

/// Stored words are cut to this many characters (keeps index rows small on PostgreSQL).
/// A query word is cut the same way, so prefix matching stays exact for every query word
/// up to this length — which covers every word of a 200-character search unless folding
/// expands it (ligatures such as `ﬃ`).
pub const MAX_TERM_CHARS: usize = 200;

static WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[\p{L}\p{Nd}]+").expect("the word pattern is valid"));

/// Lower-cases, decomposes (NFKD) and strips combining marks.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        // ASCII has nothing to decompose and no marks: folding is lower-casing.
        return text.to_ascii_lowercase();
    }
    text.to_lowercase().nfkd().filter(|c| !is_combining_mark(*c)).collect()
}

/// The words of already-folded text: maximal runs of letters and digits, cut to
/// [`MAX_TERM_CHARS`].
pub fn words(folded: &str) -> impl Iterator<Item = String> + '_ {
    // In ASCII text the letters and digits are exactly the ASCII alphanumerics, found
    // without the Unicode-aware pattern (most text is ASCII; `generate` writes millions).
    let ascii = folded.is_ascii();
    let ascii_words = ascii.then(|| folded.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()));
    let unicode_words = (!ascii).then(|| WORD.find_iter(folded).map(|m| m.as_str()));
    ascii_words
        .into_iter()
        .flatten()
        .chain(unicode_words.into_iter().flatten())
        .map(|word| truncate_chars(word, MAX_TERM_CHARS).to_owned())
}

fn truncate_chars(s: &str, max: usize) -> &str {
    s.char_indices().nth(max).map_or(s, |(i, _)| &s[..i])
}

/// The fewest digits a phone search has.
pub const MIN_PHONE_DIGITS: usize = 4;

/// The digits of a phone number, as its search terms: every suffix long enough to be
/// searched for, so that "occurs in the digits" becomes "is a prefix of some suffix",
/// which an index answers.
pub fn phone_suffixes(phone: &str) -> Vec<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let last = digits.len().saturating_sub(MIN_PHONE_DIGITS);
    if digits.len() < MIN_PHONE_DIGITS {
        return Vec::new();
    }
    (0..=last).map(|i| digits[i..].to_owned()).collect()
}

/// A parsed, non-empty search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// Folded query words; each must be a prefix of some word of the conversation.
    pub words: Vec<String>,
    /// Set when the query is a phone fragment (4 or more digits once `+-(). ` are gone).
    pub phone_digits: Option<String>,
}

impl SearchQuery {
    /// `None` when the trimmed search is empty (no search at all).
    pub fn parse(raw: &str) -> Result<Option<Self>, RuleError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        let chars = trimmed.chars().count();
        if chars > MAX_SEARCH_CHARS {
            return Err(RuleError(format!(
                "search is {chars} characters long; at most {MAX_SEARCH_CHARS} are allowed"
            )));
        }
        let mut words: Vec<String> = words(&fold(trimmed)).collect();
        words.sort();
        words.dedup();
        Ok(Some(Self { words, phone_digits: phone_digits(trimmed) }))
    }

    /// True when the word rule matches everything: a query with no words at all
    /// (such as `"--"`), since every one of its zero words is a prefix of something.
    pub fn matches_every_text(&self) -> bool {
        self.words.is_empty()
    }
}

fn phone_digits(query: &str) -> Option<String> {
    let digits: String =
        query.chars().filter(|c| !(c.is_whitespace() || matches!(c, '+' | '-' | '(' | ')' | '.'))).collect();
    (digits.len() >= MIN_PHONE_DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// The length of a workspace's search key, in characters.
pub const SEARCH_KEY_CHARS: usize = 10;

/// The key that scopes a workspace's search terms: every term the index stores for the
/// workspace starts with it, and so does every term a search of the workspace looks up,
/// so that a search reads its own workspace's index entries only (its cost, and what
/// its timing could tell, depend on the caller's data alone).
///
/// The first 10 hex digits of the SHA-256 of the workspace id: letters and digits, which
/// the SQLite tokenizer keeps in one token with the word after them (PostgreSQL computes
/// the same with `sha256`), and of one length, so a key followed by a word never starts
/// with another key. Two workspaces share a key with a chance of 2^-40; their results
/// still stay apart (each search also filters on its workspace), only their index ranges
/// would not. Stored in every document: changing it needs a migration that rewrites them.
pub fn search_key(workspace_id: &str) -> String {
    let digest = Sha256::digest(workspace_id.as_bytes());
    let mut key = hex::encode(&digest[..SEARCH_KEY_CHARS.div_ceil(2)]);
    key.truncate(SEARCH_KEY_CHARS);
    key
}

/// The smallest string greater than every string that starts with `prefix`: the upper
/// bound of a prefix range scan. No word contains `char::MAX` (it is not a letter).
pub fn prefix_upper_bound(prefix: &str) -> String {
    let mut bound = String::with_capacity(prefix.len() + 4);
    bound.push_str(prefix);
    bound.push(char::MAX);
    bound
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn split(text: &str) -> Vec<String> {
        words(&fold(text)).collect()
    }

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(fold("José Müller"), "jose muller");
        assert_eq!(fold("ÉCOLE"), "ecole");
        assert_eq!(fold("ﬁx"), "fix");
    }

    #[test]
    fn folds_in_the_contract_order() {
        // Lower-casing comes before NFKD, so a letter whose compatibility form is upper
        // case keeps it: the query and the text fold the same way all the same.
        assert_eq!(fold("𝒢"), "G");
    }

    #[test]
    fn keeps_letters_without_decomposition() {
        assert_eq!(fold("Søren Łukasz Straße"), "søren łukasz straße");
    }

    #[test]
    fn splits_emails_urls_and_hyphens() {
        assert_eq!(split("john.smith@example.com"), ["john", "smith", "example", "com"]);
        assert_eq!(split("water-heater"), ["water", "heater"]);
        assert_eq!(split("https://x.io/a_b?c=1"), ["https", "x", "io", "a", "b", "c", "1"]);
        assert_eq!(split("unit 4B, 2nd floor"), ["unit", "4b", "2nd", "floor"]);
        assert_eq!(split("北京 heat"), ["北京", "heat"]);
    }

    #[test]
    fn parses_queries() {
        assert_eq!(SearchQuery::parse("   ").unwrap(), None);
        let q = SearchQuery::parse(" Water HEA ").unwrap().unwrap();
        assert_eq!(q.words, ["hea", "water"]);
        assert_eq!(q.phone_digits, None);
        assert!(SearchQuery::parse(&"a".repeat(200)).unwrap().is_some());
        assert!(SearchQuery::parse(&"a".repeat(201)).is_err());
        assert!(SearchQuery::parse(&format!("  {}  ", "a".repeat(200))).is_ok());
    }

    #[test]
    fn recognises_each_phone_form() {
        for form in ["310-555-1234", "(310) 555-1234", "5551234", "+1 310.555.1234", "1234"] {
            let q = SearchQuery::parse(form).unwrap().unwrap();
            let digits = q.phone_digits.unwrap();
            assert!("13105551234".contains(&digits), "{form}");
        }
        assert_eq!(SearchQuery::parse("123").unwrap().unwrap().phone_digits, None);
        assert_eq!(SearchQuery::parse("12a34").unwrap().unwrap().phone_digits, None);
        assert_eq!(SearchQuery::parse("12/34").unwrap().unwrap().phone_digits, None);
    }

    #[test]
    fn phone_suffixes_cover_every_substring_as_a_prefix() {
        let suffixes = phone_suffixes("+1 (310) 555-1234");
        assert_eq!(suffixes.len(), 8);
        assert!(suffixes.iter().any(|s| s.starts_with("5551234")));
        assert_eq!(suffixes.last().map(String::as_str), Some("1234"));
        assert!(phone_suffixes("123").is_empty());
    }

    #[test]
    fn search_keys_are_fixed_hex_prefixes_of_the_sha256_of_the_id() {
        // Pinned: the documents store these keys (the migration that wrote them agrees).
        assert_eq!(search_key("ws_demo"), "fe1142297f");
        let key = search_key("ws_01");
        assert_eq!(key.len(), SEARCH_KEY_CHARS);
        assert!(key.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_ne!(search_key("ws_01"), search_key("ws_02"));
    }

    #[test]
    fn upper_bound_sorts_after_every_extension() {
        let bound = prefix_upper_bound("wat");
        for word in ["wat", "water", "watzzzz", "wat北京", "wat\u{10FFFD}"] {
            assert!(word < bound.as_str(), "{word}");
        }
        assert!("wau" > bound.as_str());
    }

    proptest! {
        #[test]
        fn the_ascii_path_folds_and_splits_as_the_unicode_rules_do(text in "[ -~]{0,60}") {
            let by_rules: String = text.to_lowercase().nfkd().filter(|c| !is_combining_mark(*c)).collect();
            prop_assert_eq!(fold(&text), by_rules.clone());
            let by_pattern: Vec<String> = WORD.find_iter(&by_rules).map(|m| m.as_str().to_owned()).collect();
            prop_assert_eq!(words(&by_rules).collect::<Vec<_>>(), by_pattern);
        }

        #[test]
        fn a_word_is_one_word(text in "\\PC{0,40}") {
            for word in split(&text) {
                prop_assert_eq!(words(&word).collect::<Vec<_>>(), vec![word.clone()]);
            }
        }

        #[test]
        fn every_word_prefix_finds_its_text(text in "[a-zA-Zàéîøü0-9 .@-]{1,40}", cut in 1usize..6) {
            let text_words = split(&text);
            for word in &text_words {
                let prefix: String = word.chars().take(cut).collect();
                let q = SearchQuery::parse(&prefix).unwrap().unwrap();
                prop_assert!(q.words.iter().all(|w| text_words.iter().any(|t| t.starts_with(w.as_str()))));
            }
        }
    }
}
