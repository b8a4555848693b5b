//! The events a store hands back: the one a write appended, and the window of
//! sequence numbers a read of events covers.

use crate::event::{Batch, Event};

/// The event appended by recording `batch` in `experiment` with sequence
/// number `seq`. The stored names equal the batch's (every store looks them
/// up by exact match), so the event is built from the batch without reading
/// the store again.
pub(crate) fn recorded_event(seq: u64, experiment: &str, batch: &Batch) -> Event {
    Event {
        seq,
        timestamp: batch.timestamp(),
        experiment: experiment.to_owned(),
        segment: batch.segment().to_owned(),
        variant: batch.variant().to_owned(),
        successes: batch.successes(),
        failures: batch.failures(),
    }
}

/// `after` and `limit` of [`crate::StateStore::events_since`] as SQL
/// `BIGINT`s, or `None` when nothing can follow `after` (sequence numbers are
/// at most `i64::MAX`). A limit above `i64::MAX` is no limit.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn event_window(after: u64, limit: usize) -> Option<(i64, i64)> {
    let after = i64::try_from(after).ok()?;
    Some((after, i64::try_from(limit).unwrap_or(i64::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recorded_event_carries_the_batch() {
        let batch = Batch::new("mobile", "green", 3, 17, 1_700_000_000).unwrap();
        let event = recorded_event(9, "checkout", &batch);
        assert_eq!(
            (event.seq, event.timestamp, event.successes, event.failures),
            (9, 1_700_000_000, 3, 17)
        );
        assert_eq!(
            (
                event.experiment.as_str(),
                event.segment.as_str(),
                event.variant.as_str()
            ),
            ("checkout", "mobile", "green")
        );
    }

    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    #[test]
    fn an_after_beyond_i64_max_reads_nothing_and_a_huge_limit_is_no_limit() {
        assert_eq!(event_window(5, 10), Some((5, 10)));
        assert_eq!(event_window(u64::MAX, 10), None);
        assert_eq!(event_window(0, usize::MAX), Some((0, i64::MAX)));
    }
}
