//! The cursor of a live event: its position in its workspace's commit order, written so
//! that later events' cursors also compare greater as strings (`e` and 16 hex digits),
//! for clients that keep the greatest one they have seen. Opaque to clients otherwise.

const PREFIX: char = 'e';
const DIGITS: usize = 16;

/// The cursor of the event at `position`.
pub fn encode(position: i64) -> String {
    format!("{PREFIX}{position:016x}")
}

/// The position a cursor names; `None` when it is not one of ours.
pub fn decode(cursor: &str) -> Option<i64> {
    let digits = cursor.strip_prefix(PREFIX)?;
    if digits.len() != DIGITS || !digits.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    i64::from_str_radix(digits, 16).ok().filter(|p| *p >= 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_others() {
        for position in [0, 1, 42, i64::MAX] {
            assert_eq!(decode(&encode(position)), Some(position));
        }
        for bad in [
            "",
            "e",
            "x0000000000000001",
            "e000000000000001",
            "e00000000000000001",
            "e000000000000000G",
            "eFFFFFFFFFFFFFFFF",
            "effffffffffffffff",
            "e+000000000000001",
        ] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn later_positions_compare_greater_as_strings() {
        let positions = [0, 9, 10, 15, 16, 255, 256, 1 << 40, i64::MAX];
        for pair in positions.windows(2) {
            assert!(encode(pair[0]) < encode(pair[1]), "{pair:?}");
        }
    }
}
