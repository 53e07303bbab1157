//! The status rules of `updateConversationStatus` (contract, section 5): what a change
//! asks for, and what it does to a conversation's status, `resolvedAt` and
//! `resolutionNotes`. The store applies the outcome inside its transaction.

use super::{ConversationStatus, RuleError, Timestamp};

/// A status change as asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub status: ConversationStatus,
    pub resolution_notes: Option<String>,
}

/// Where a conversation stands, as far as its status goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusState {
    pub status: ConversationStatus,
    pub resolved_at: Option<Timestamp>,
    pub resolution_notes: Option<String>,
}

impl StatusChange {
    /// `resolutionNotes` belong to RESOLVED only.
    pub fn parse(status: ConversationStatus, resolution_notes: Option<String>) -> Result<Self, RuleError> {
        if resolution_notes.is_some() && status != ConversationStatus::Resolved {
            return Err(RuleError::new("resolutionNotes may only be given with status RESOLVED"));
        }
        Ok(Self { status, resolution_notes })
    }

    /// The state this change leaves, at `now`: moving into RESOLVED sets `resolvedAt` to
    /// now and stores the notes; RESOLVED again keeps `resolvedAt` and replaces the notes
    /// only when given; moving out of RESOLVED clears both. `None` when nothing changes
    /// (then no event is recorded).
    pub fn apply(self, current: &StatusState, now: Timestamp) -> Option<StatusState> {
        let (resolved_at, resolution_notes) = match (current.status, self.status) {
            (ConversationStatus::Resolved, ConversationStatus::Resolved) => {
                (current.resolved_at, self.resolution_notes.or_else(|| current.resolution_notes.clone()))
            }
            (_, ConversationStatus::Resolved) => (Some(now), self.resolution_notes),
            _ => (None, None),
        };
        let changed = current.status != self.status || resolution_notes != current.resolution_notes;
        changed.then_some(StatusState { status: self.status, resolved_at, resolution_notes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConversationStatus::{Open, Pending, Resolved};

    fn at(seconds: i64) -> Timestamp {
        seconds * 1_000_000
    }

    fn state(status: ConversationStatus, resolved_at: Option<i64>, notes: Option<&str>) -> StatusState {
        StatusState { status, resolved_at: resolved_at.map(at), resolution_notes: notes.map(str::to_owned) }
    }

    fn change(status: ConversationStatus, notes: Option<&str>) -> StatusChange {
        StatusChange::parse(status, notes.map(str::to_owned)).expect("a valid change")
    }

    #[test]
    fn resolution_notes_belong_to_resolved_only() {
        for status in [Open, Pending] {
            assert!(StatusChange::parse(status, Some("done".into())).is_err());
            assert!(StatusChange::parse(status, None).is_ok());
        }
        assert!(StatusChange::parse(Resolved, Some("done".into())).is_ok());
    }

    #[test]
    fn resolving_stamps_now_and_keeps_the_notes() {
        let open = state(Open, None, None);
        assert_eq!(
            change(Resolved, Some("fixed")).apply(&open, at(50)),
            Some(state(Resolved, Some(50), Some("fixed")))
        );
        assert_eq!(change(Resolved, None).apply(&open, at(50)), Some(state(Resolved, Some(50), None)));
    }

    #[test]
    fn resolved_again_keeps_its_time_and_replaces_notes_only_when_given() {
        let resolved = state(Resolved, Some(10), Some("first"));
        assert_eq!(
            change(Resolved, Some("second")).apply(&resolved, at(50)),
            Some(state(Resolved, Some(10), Some("second")))
        );
        assert_eq!(change(Resolved, None).apply(&resolved, at(50)), None, "nothing changes, nothing is recorded");
        assert_eq!(change(Resolved, Some("first")).apply(&resolved, at(50)), None);
    }

    #[test]
    fn leaving_resolved_clears_time_and_notes() {
        let resolved = state(Resolved, Some(10), Some("first"));
        for status in [Open, Pending] {
            assert_eq!(change(status, None).apply(&resolved, at(50)), Some(state(status, None, None)));
        }
    }

    #[test]
    fn the_same_open_or_pending_status_is_no_change() {
        for status in [Open, Pending] {
            assert_eq!(change(status, None).apply(&state(status, None, None), at(50)), None);
        }
        assert_eq!(change(Pending, None).apply(&state(Open, None, None), at(50)), Some(state(Pending, None, None)));
    }
}
