//! The storage interface of bandit state: what a service needs from a store,
//! and what every store does the same way whatever its database (in the
//! submodules: checks before a write, the events a write appends, and for the
//! SQL stores the refusals, rows, schema versions, shared SQL and the one
//! [`StateStore`] implementation over their transactions).

pub(crate) mod checks;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) mod decisions;
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
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{BanditError, Experiment, MemoryStore, Prior, StateStore};
    ///
    /// let mut store = MemoryStore::new();
    /// let experiment = Experiment::new("checkout", ["control", "green"], Prior::uniform())?;
    /// assert!(store.create_experiment(&experiment)?);
    /// // The same definition again (e.g. a second replica starting) is a no-op…
    /// assert!(!store.create_experiment(&experiment)?);
    /// // …another definition under the same name is a conflict.
    /// let other = Experiment::new("checkout", ["control", "red"], Prior::uniform())?;
    /// assert!(matches!(
    ///     store.create_experiment(&other),
    ///     Err(BanditError::ExperimentConflict { .. })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn create_experiment(&mut self, experiment: &Experiment) -> Result<bool>;

    /// The experiment named `experiment`.
    ///
    /// # Errors
    /// [`crate::BanditError::UnknownExperiment`]; a store error.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{BanditError, Experiment, MemoryStore, Prior, StateStore};
    ///
    /// let mut store = MemoryStore::new();
    /// store.create_experiment(&Experiment::new("checkout", ["control", "green"], Prior::new(2.0, 8.0)?)?)?;
    /// let experiment = store.experiment("checkout")?;
    /// assert_eq!(experiment.variants(), ["control", "green"]);
    /// assert_eq!(experiment.prior(), Prior::new(2.0, 8.0)?);
    /// assert!(matches!(
    ///     store.experiment("pricing"),
    ///     Err(BanditError::UnknownExperiment { .. })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{Experiment, MemoryStore, Prior, StateStore};
    ///
    /// let mut store = MemoryStore::new();
    /// store.create_experiment(&Experiment::new("checkout", ["control", "green"], Prior::uniform())?)?;
    /// // One prior per variant, in the experiment's variant order.
    /// let priors = [Prior::new(1.0, 9.0)?, Prior::new(2.0, 8.0)?];
    /// assert!(store.create_segment("checkout", "mobile", &priors)?);
    /// // The first creation wins: the priors are left unchanged.
    /// assert!(!store.create_segment("checkout", "mobile", &[Prior::uniform(); 2])?);
    /// assert_eq!(store.segment_states("checkout", "mobile")?[1].prior, priors[1]);
    /// // A number of priors other than the number of variants is refused.
    /// assert!(store.create_segment("checkout", "desktop", &[Prior::uniform()]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{BanditError, Batch, Experiment, MemoryStore, Prior, StateStore};
    ///
    /// let mut store = MemoryStore::new();
    /// store.create_experiment(&Experiment::new("checkout", ["control", "green"], Prior::uniform())?)?;
    /// // The segment "mobile" does not exist yet: it is created with the experiment's prior.
    /// let event = store.record("checkout", &Batch::new("mobile", "green", 3, 7, 1_700_000_000)?)?;
    /// assert_eq!((event.seq, event.successes, event.failures), (1, 3, 7));
    /// let green = &store.segment_states("checkout", "mobile")?[1];
    /// assert_eq!((green.state.alpha, green.state.beta), (4.0, 8.0));
    /// // An unknown variant records nothing.
    /// assert!(matches!(
    ///     store.record("checkout", &Batch::new("mobile", "red", 1, 0, 1_700_000_001)?),
    ///     Err(BanditError::UnknownVariant { .. })
    /// ));
    /// assert_eq!(store.event_count("checkout")?, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn record(&mut self, experiment: &str, batch: &Batch) -> Result<Event>;

    /// The states of every variant in `segment`, in the experiment's variant
    /// order.
    ///
    /// # Errors
    /// [`crate::BanditError::UnknownExperiment`],
    /// [`crate::BanditError::UnknownSegment`]; a store error.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{BanditError, Batch, Experiment, MemoryStore, Prior, StateStore};
    ///
    /// let mut store = MemoryStore::new();
    /// store.create_experiment(&Experiment::new("checkout", ["control", "green"], Prior::uniform())?)?;
    /// store.record("checkout", &Batch::new("mobile", "green", 3, 7, 1_700_000_000)?)?;
    /// let states = store.segment_states("checkout", "mobile")?;
    /// let rows: Vec<(&str, u64, u64)> = states
    ///     .iter()
    ///     .map(|s| (s.variant.as_str(), s.successes, s.failures))
    ///     .collect();
    /// assert_eq!(rows, [("control", 0, 0), ("green", 3, 7)]);
    /// assert!(matches!(
    ///     store.segment_states("checkout", "desktop"),
    ///     Err(BanditError::UnknownSegment { .. })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn segment_states(&mut self, experiment: &str, segment: &str) -> Result<Vec<SegmentState>>;

    /// The states of every variant × segment: segments in creation order,
    /// variants in the experiment's order within each segment. Empty when the
    /// experiment has no segment yet.
    ///
    /// # Errors
    /// [`crate::BanditError::UnknownExperiment`]; a store error.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{Batch, Experiment, MemoryStore, Prior, StateStore};
    ///
    /// let mut store = MemoryStore::new();
    /// store.create_experiment(&Experiment::new("checkout", ["control", "green"], Prior::uniform())?)?;
    /// assert!(store.all_states("checkout")?.is_empty());
    /// store.record("checkout", &Batch::new("mobile", "green", 3, 7, 1_700_000_000)?)?;
    /// store.record("checkout", &Batch::new("desktop", "control", 5, 5, 1_700_000_001)?)?;
    /// // Segments in creation order, variants in the experiment's order.
    /// let states = store.all_states("checkout")?;
    /// let rows: Vec<(&str, &str, u64)> = states
    ///     .iter()
    ///     .map(|s| (s.segment.as_str(), s.variant.as_str(), s.successes))
    ///     .collect();
    /// assert_eq!(
    ///     rows,
    ///     [
    ///         ("mobile", "control", 0),
    ///         ("mobile", "green", 3),
    ///         ("desktop", "control", 5),
    ///         ("desktop", "green", 0),
    ///     ]
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn all_states(&mut self, experiment: &str) -> Result<Vec<SegmentState>>;

    /// At most `limit` events of `experiment` with `seq > after`, in
    /// increasing `seq` order. Pass `after = 0` to read from the start, then
    /// the last `seq` returned to page on.
    ///
    /// # Errors
    /// [`crate::BanditError::UnknownExperiment`]; a store error.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{Batch, Experiment, MemoryStore, Prior, StateStore};
    ///
    /// let mut store = MemoryStore::new();
    /// store.create_experiment(&Experiment::new("checkout", ["control", "green"], Prior::uniform())?)?;
    /// for t in 0..5 {
    ///     store.record("checkout", &Batch::new("mobile", "green", 1, 9, t)?)?;
    /// }
    /// // Read the log two events at a time, from the start.
    /// let mut after = 0;
    /// let mut timestamps = Vec::new();
    /// loop {
    ///     let page = store.events_since("checkout", after, 2)?;
    ///     let Some(last) = page.last() else { break };
    ///     after = last.seq;
    ///     timestamps.extend(page.iter().map(|e| e.timestamp));
    /// }
    /// assert_eq!(timestamps, [0, 1, 2, 3, 4]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn events_since(&mut self, experiment: &str, after: u64, limit: usize) -> Result<Vec<Event>>;

    /// The number of events (recorded batches) of `experiment`.
    ///
    /// # Errors
    /// [`crate::BanditError::UnknownExperiment`]; a store error.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{Batch, Experiment, MemoryStore, Prior, StateStore};
    ///
    /// let mut store = MemoryStore::new();
    /// store.create_experiment(&Experiment::new("checkout", ["control", "green"], Prior::uniform())?)?;
    /// assert_eq!(store.event_count("checkout")?, 0);
    /// store.record("checkout", &Batch::new("mobile", "green", 3, 7, 1_700_000_000)?)?;
    /// store.record("checkout", &Batch::new("mobile", "control", 2, 8, 1_700_000_000)?)?;
    /// assert_eq!(store.event_count("checkout")?, 2);
    /// assert!(store.event_count("pricing").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn event_count(&mut self, experiment: &str) -> Result<u64>;
}
