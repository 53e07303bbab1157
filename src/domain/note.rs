use super::RuleError;

/// The content of a note: trimmed, 1 to 10,000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteContent(String);

impl NoteContent {
    pub const MAX_CHARS: usize = 10_000;

    pub fn parse(raw: &str) -> Result<Self, RuleError> {
        let trimmed = raw.trim();
        match trimmed.chars().count() {
            0 => Err(RuleError::new("content must not be empty")),
            n if n > Self::MAX_CHARS => {
                Err(RuleError(format!("content is {n} characters long; at most {} are allowed", Self::MAX_CHARS)))
            }
            _ => Ok(Self(trimmed.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_bounds() {
        assert_eq!(NoteContent::parse("  gate code 1234 \n").unwrap().as_str(), "gate code 1234");
        assert!(NoteContent::parse("   ").is_err());
        assert!(NoteContent::parse(&"é".repeat(10_000)).is_ok());
        assert!(NoteContent::parse(&"a".repeat(10_001)).is_err());
    }
}
