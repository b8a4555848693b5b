//! The advisory lock that keeps the events of an experiment in commit order:
//! writers of the experiment hold it shared until they commit, a reader of
//! events takes it exclusively for the instant of its read (see
//! [`super::PostgresStore`]).

use super::connect::Tx;

/// The first key of the two-key advisory lock that orders events.
const EVENTS_LOCK_CLASS: i32 = 0x5E6B_0E75;

/// The second key of the events lock of an experiment: its id folded into
/// `integer` (two experiments sharing a key only wait for each other more).
fn events_lock_key(experiment_id: i64) -> i32 {
    i32::try_from(experiment_id & 0x7FFF_FFFF).unwrap_or(0)
}

/// Takes the events lock of an experiment, shared by writers (`shared`) or
/// exclusive for a reader, until the transaction ends.
pub(super) fn lock_events(
    tx: &mut Tx<'_>,
    experiment_id: i64,
    shared: bool,
) -> Result<(), postgres::Error> {
    let sql = if shared {
        "SELECT pg_advisory_xact_lock_shared($1, $2)"
    } else {
        "SELECT pg_advisory_xact_lock($1, $2)"
    };
    tx.execute(sql, &[&EVENTS_LOCK_CLASS, &events_lock_key(experiment_id)])
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_events_lock_key_is_a_non_negative_integer() {
        assert_eq!(events_lock_key(7), 7);
        assert_eq!(events_lock_key(i64::MAX), i32::MAX);
        assert!(events_lock_key(1 << 40) >= 0);
    }
}
