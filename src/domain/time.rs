use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, TimeZone, Utc};

use super::RuleError;

/// A moment, stored as microseconds since the Unix epoch on both engines: one integer
/// column sorts and compares the same everywhere.
pub type Timestamp = i64;

/// RFC 3339 in UTC with `Z`; fractional seconds only when there are any.
pub fn format_timestamp(ts: Timestamp) -> String {
    to_datetime(ts).to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn to_datetime(ts: Timestamp) -> DateTime<Utc> {
    Utc.timestamp_micros(ts).single().unwrap_or_default()
}

/// An RFC 3339 date-time with its offset honoured.
pub fn parse_rfc3339(raw: &str) -> Result<Timestamp, RuleError> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|dt| dt.with_timezone(&Utc).timestamp_micros())
        .map_err(|_| RuleError(format!("{raw:?} is not an RFC 3339 date-time such as \"2024-01-20T14:30:00Z\"")))
}

/// Which end of a date range a value bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    From,
    To,
}

/// A date-time, or a full date meaning the start (`From`) or the end (`To`) of that UTC day.
pub fn parse_date_bound(raw: &str, bound: Bound) -> Result<Timestamp, RuleError> {
    let raw = raw.trim();
    if let Ok(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        let start = date.and_time(NaiveTime::MIN).and_utc().timestamp_micros();
        return Ok(match bound {
            Bound::From => start,
            Bound::To => start + 86_400_000_000 - 1,
        });
    }
    parse_rfc3339(raw).map_err(|_| {
        RuleError(format!(
            "{raw:?} is neither an RFC 3339 date-time (\"2024-01-20T14:30:00Z\") nor a full date (\"2024-01-20\")"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOON: Timestamp = 1_705_752_000_000_000; // 2024-01-20T12:00:00Z

    #[test]
    fn formats_utc_with_z() {
        assert_eq!(format_timestamp(NOON), "2024-01-20T12:00:00Z");
        assert_eq!(format_timestamp(NOON + 250_000), "2024-01-20T12:00:00.250Z");
    }

    #[test]
    fn honours_offsets() {
        assert_eq!(parse_rfc3339("2024-01-20T14:00:00+02:00").unwrap(), NOON);
        assert_eq!(parse_rfc3339("2024-01-20T07:00:00-05:00").unwrap(), NOON);
        assert!(parse_rfc3339("2024-01-20").is_err());
        assert!(parse_rfc3339("yesterday").is_err());
    }

    #[test]
    fn full_dates_cover_the_whole_day() {
        let from = parse_date_bound("2024-01-20", Bound::From).unwrap();
        let to = parse_date_bound("2024-01-20", Bound::To).unwrap();
        assert_eq!(format_timestamp(from), "2024-01-20T00:00:00Z");
        assert_eq!(format_timestamp(to), "2024-01-20T23:59:59.999999Z");
        assert_eq!(parse_date_bound("2024-01-20T12:00:00Z", Bound::To).unwrap(), NOON);
        assert!(parse_date_bound("2024-02-30", Bound::From).is_err());
    }
}

/// Where "now" comes from; tests may inject a fixed one.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Utc::now().timestamp_micros()
    }
}
