//! The SQL that the SQLite and the PostgreSQL store run alike: the same text,
//! written once. Parameters are `$1`, `$2`, … (positional in PostgreSQL; in
//! SQLite numbered in order of first use, which every statement here keeps,
//! so both bind them by position). Names are `TEXT` in SQLite and `BYTEA` in
//! PostgreSQL: each store binds and reads them in its own type.

/// The id and default prior of the experiment named `$1`.
pub(crate) const EXPERIMENT_ROW: &str =
    "SELECT id, prior_alpha, prior_beta FROM experiments WHERE name = $1";

/// The variant names of experiment `$1`, in order.
pub(crate) const VARIANT_NAMES: &str =
    "SELECT name FROM variants WHERE experiment_id = $1 ORDER BY position";

/// The variant ids of experiment `$1`, in order.
pub(crate) const VARIANT_IDS: &str =
    "SELECT id FROM variants WHERE experiment_id = $1 ORDER BY position";

/// Inserts experiment `$1` with prior Beta(`$2`, `$3`) and returns its id, or
/// no row when an experiment of that name exists.
pub(crate) const INSERT_EXPERIMENT: &str =
    "INSERT INTO experiments (name, prior_alpha, prior_beta) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO NOTHING RETURNING id";

/// Inserts variant `$3` of experiment `$1` at position `$2`.
pub(crate) const INSERT_VARIANT: &str =
    "INSERT INTO variants (experiment_id, position, name) VALUES ($1, $2, $3)";

/// The id of segment `$2` of experiment `$1`.
pub(crate) const SEGMENT_ID: &str =
    "SELECT id FROM segments WHERE experiment_id = $1 AND name = $2";

/// Inserts segment `$2` of experiment `$1` and returns its id, or no row when
/// it exists.
pub(crate) const INSERT_SEGMENT: &str = "INSERT INTO segments (experiment_id, name) VALUES ($1, $2)
     ON CONFLICT (experiment_id, name) DO NOTHING RETURNING id";

/// Inserts the state row of variant `$1` in segment `$2` with prior
/// Beta(`$3`, `$4`) and no counts.
pub(crate) const INSERT_STATE: &str =
    "INSERT INTO variant_segment_state (variant_id, segment_id, prior_alpha, prior_beta)
     VALUES ($1, $2, $3, $4)";

/// The recorded totals of variant `$1` in segment `$2`.
pub(crate) const STATE_TOTALS: &str = "SELECT successes, failures FROM variant_segment_state
     WHERE variant_id = $1 AND segment_id = $2";

/// The state rows (segment, variant, prior, totals) of experiment `$1`, of
/// the segment named `$2` only unless it is `NULL`: segments in creation
/// order, variants in the experiment's order. A segment has a row per
/// variant from its creation on, so no row for a named segment means that
/// it is unknown. (`s.name = $2` comes first: PostgreSQL takes the type of
/// `$2` from it.)
pub(crate) const STATES: &str =
    "SELECT s.name, v.name, st.prior_alpha, st.prior_beta, st.successes, st.failures
     FROM variant_segment_state st
     JOIN segments s ON s.id = st.segment_id
     JOIN variants v ON v.id = st.variant_id
     WHERE s.experiment_id = $1 AND (s.name = $2 OR $2 IS NULL)
     ORDER BY s.id, v.position";

/// At most `$3` events (seq, timestamp, segment, variant, successes,
/// failures) of experiment `$1` with `seq > $2`, in `seq` order.
pub(crate) const EVENTS_AFTER: &str =
    "SELECT e.seq, e.timestamp, s.name, v.name, e.successes, e.failures
     FROM events e
     JOIN segments s ON s.id = e.segment_id
     JOIN variants v ON v.id = e.variant_id
     WHERE e.experiment_id = $1 AND e.seq > $2
     ORDER BY e.seq
     LIMIT $3";

/// The number of events of experiment `$1`.
pub(crate) const EVENT_COUNT: &str = "SELECT count(*) FROM events WHERE experiment_id = $1";
