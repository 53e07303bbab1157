//! The cursor of a live event: its position in its workspace's commit order, opaque to
//! clients.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

const PREFIX: &str = "event:";

/// The cursor of the event at `position`.
pub fn encode(position: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{PREFIX}{position}"))
}

/// The position a cursor names; `None` when it is not one of ours.
pub fn decode(cursor: &str) -> Option<i64> {
    if cursor.len() > 64 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim_end_matches('=')).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let position: i64 = text.strip_prefix(PREFIX)?.parse().ok()?;
    (position >= 0 && encode(position) == cursor.trim_end_matches('=')).then_some(position)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_others() {
        for position in [0, 1, 42, i64::MAX] {
            assert_eq!(decode(&encode(position)), Some(position));
        }
        for bad in ["", "x", "ZXZlbnQ6LTE", "ZXZlbnQ6MDE", &"a".repeat(100), "ZXZlbnQ6"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }
}
