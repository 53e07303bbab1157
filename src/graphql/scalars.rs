//! The contract's `DateTime` scalar.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

use crate::domain::{format_timestamp, Timestamp};

/// Output: RFC 3339 in UTC with "Z". Input: an RFC 3339 date-time, or a full-date such as
/// "2024-01-20". Inputs are kept as written and parsed by the resolver that knows their
/// meaning, so a bad value is reported as `BAD_USER_INPUT` with its argument path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateTime(String);

impl DateTime {
    pub fn from_timestamp(ts: Timestamp) -> Self {
        Self(format_timestamp(ts))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(s) => Ok(Self(s)),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(_))
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}
