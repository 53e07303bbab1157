use super::RuleError;

/// Page size: 1 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(u64);

impl Limit {
    pub const MAX: i64 = 100;
    pub const DEFAULT: i32 = 20;

    pub fn parse(raw: i32) -> Result<Self, RuleError> {
        Self::parse_as("limit", raw)
    }

    /// As [`Limit::parse`], for an argument of another name (a connection's `first`).
    pub fn parse_as(name: &str, raw: i32) -> Result<Self, RuleError> {
        match u64::try_from(raw) {
            Ok(n) if (1..=100).contains(&n) => Ok(Self(n)),
            _ => Err(RuleError(format!("{name} must be between 1 and {}, got {raw}", Self::MAX))),
        }
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

impl Default for Limit {
    fn default() -> Self {
        Self(20)
    }
}

/// Rows to skip: 0 or more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Offset(u64);

impl Offset {
    pub fn parse(raw: i32) -> Result<Self, RuleError> {
        u64::try_from(raw).map(Self).map_err(|_| RuleError(format!("offset must be 0 or more, got {raw}")))
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_bounds() {
        assert!(Limit::parse(0).is_err());
        assert!(Limit::parse(-1).is_err());
        assert_eq!(Limit::parse(1).unwrap().get(), 1);
        assert_eq!(Limit::parse(100).unwrap().get(), 100);
        assert!(Limit::parse(101).is_err());
        assert_eq!(Limit::parse_as("first", 0).unwrap_err().0, "first must be between 1 and 100, got 0");
    }

    #[test]
    fn offset_bounds() {
        assert!(Offset::parse(-1).is_err());
        assert_eq!(Offset::parse(0).unwrap().get(), 0);
        assert_eq!(Offset::parse(i32::MAX).unwrap().get(), 2_147_483_647);
    }
}
