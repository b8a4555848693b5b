//! The storage interface of bandit state: what a service needs from a store,
//! and what every store does the same way whatever its database (in the
//! submodules: checks before a write, the events a write appends, and for the
//! SQL stores the refusals, rows, schema versions, shared SQL and the one
//! [`StateStore`] implementation over their transactions).

pub(crate) mod checks;
pub(crate) mod events;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) mod refused;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) mod schema;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) mod sql;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) mod transactions;

use crate::error::Result;
use crate::event::{Batch, Event, SegmentState};
use crate::experiment::Experiment;
use crate::state::Prior;

/// Where experiments, per-segment states and the event log live.
///
/// Implemented by [`crate::MemoryStore`] (one process) and, behind the
/// features `sqlite` and `postgres`, by the SQLite and PostgreSQL stores:
///
/// - every method takes `&mut self` (a `postgres::Client` or a pooled
///   connection needs `&mut` to run a query); sharing between threads is done
///   by giving each thread its own store value (its own connection), never by
///   locks inside the trait;
/// - no method exposes row ids, SQL, transactions or a database type; names
///   are plain strings, stored and compared verbatim (byte for byte);
/// - counts are `u64` limited to `i64::MAX` ([`crate::MAX_BATCH_COUNT`]) for
///   batches and totals, the range of SQLite `INTEGER` and PostgreSQL `BIGINT`;
/// - event sequence numbers are strictly increasing in commit order but may
///   have gaps (a PostgreSQL sequence skips rolled-back numbers);
/// - segments are listed in creation order (an auto-increment id or a
///   sequence), not by name (collations differ between databases);
/// - operations that a concurrent writer may race on are defined to be
///   idempotent: creating an existing experiment with the same definition, or
///   an existing segment, is not an error (`INSERT … ON CONFLICT DO NOTHING`
///   in both SQLite and PostgreSQL).
///
/// # Contract
/// - [`record`](Self::record) is atomic: the state increment and the appended
///   event are committed together or not at all, and concurrent `record`s on
///   the same variant × segment never lose an update (an atomic
///   `alpha = alpha + ?` increment, not read-modify-write in the caller).
/// - The state is the fold of the events: for every variant × segment, the
///   recorded `successes` / `failures` equal the sums over its events, and
///   `state` equals `prior` plus those sums.
///
/// Every error names the offending experiment, segment, variant or value.
pub trait StateStore {
    /// Creates `experiment`. Returns `true` when it was created, `false` when
    /// an identical experiment (same variants in the same order, same prior)
    /// already exists.
    ///
    /// # Errors
    /// [`crate::BanditError::ExperimentConflict`] when an experiment of that
    /// name exists with another definition; a store error.
    fn create_experiment(&mut self, experiment: &Experiment) -> Result<bool>;

    /// The experiment named `experiment`.
    ///
    /// # Errors
    /// [`crate::BanditError::UnknownExperiment`]; a store error.
    fn experiment(&mut self, experiment: &str) -> Result<Experiment>;

    /// Creates `segment` with one prior per variant (in the experiment's
    /// variant order), e.g. from [`crate::WarmStart::priors`].
    /// Returns `true` when created, `false` when the segment already exists
    /// (its priors are then left unchanged: the first creation wins).
    ///
    /// [`record`](Self::record) on an unknown segment creates it with the
    /// experiment's prior instead.
    ///
    /// # Errors
    /// [`crate::BanditError::UnknownExperiment`];
    /// [`crate::BanditError::InvalidParameter`] for an empty segment name or
    /// a number of `priors` other than the number of variants (`priors`); a
    /// store error.
    fn create_segment(&mut self, experiment: &str, segment: &str, priors: &[Prior])
    -> Result<bool>;

    /// Records `batch` atomically: adds its counts to the variant × segment
    /// state and appends its event. An unknown segment is created first with
    /// the experiment's prior for every variant. Returns the appended event.
    ///
    /// # Errors
    /// [`crate::BanditError::UnknownExperiment`],
    /// [`crate::BanditError::UnknownVariant`];
    /// [`crate::BanditError::InvalidParameter`] (`successes` or `failures`)
    /// when a total would exceed `i64::MAX` — nothing is recorded then; a
    /// store error.
    fn record(&mut self, experiment: &str, batch: &Batch) -> Result<Event>;

    /// The states of every variant in `segment`, in the experiment's variant
    /// order.
    ///
    /// # Errors
    /// [`crate::BanditError::UnknownExperiment`],
    /// [`crate::BanditError::UnknownSegment`]; a store error.
    fn segment_states(&mut self, experiment: &str, segment: &str) -> Result<Vec<SegmentState>>;

    /// The states of every variant × segment: segments in creation order,
    /// variants in the experiment's order within each segment. Empty when the
    /// experiment has no segment yet.
    ///
    /// # Errors
    /// [`crate::BanditError::UnknownExperiment`]; a store error.
    fn all_states(&mut self, experiment: &str) -> Result<Vec<SegmentState>>;

    /// At most `limit` events of `experiment` with `seq > after`, in
    /// increasing `seq` order. Pass `after = 0` to read from the start, then
    /// the last `seq` returned to page on.
    ///
    /// # Errors
    /// [`crate::BanditError::UnknownExperiment`]; a store error.
    fn events_since(&mut self, experiment: &str, after: u64, limit: usize) -> Result<Vec<Event>>;

    /// The number of events (recorded batches) of `experiment`.
    ///
    /// # Errors
    /// [`crate::BanditError::UnknownExperiment`]; a store error.
    fn event_count(&mut self, experiment: &str) -> Result<u64>;
}
