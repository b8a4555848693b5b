//! The one [`StateStore`](crate::StateStore) implementation of the SQL
//! stores: each store runs its own transactions ([`Transactions`]: connecting,
//! retrying and SQL are the database's), and everything around them — the
//! checks before a write, the event a write returns, the decoding of the rows
//! read — is written once here, in the functions below, which
//! [`sql_state_store!`] makes the store's `StateStore` methods.

use crate::error::Result;
use crate::event::{Batch, Event, SegmentState};
use crate::experiment::{Experiment, check_name};
use crate::state::Prior;
use crate::store::events::{event_window, recorded_event};
use crate::stored::{EventRow, StateRow, Stored, StoredName, batch_counts};

/// The transactions of an SQL store, each retried by the store as its
/// database needs and returning the store's errors.
pub(crate) trait Transactions {
    /// How the database returns a name.
    type Name: StoredName;

    /// The database, named in errors about stored values.
    const STORED: Stored;

    /// Creates `experiment`: `true` when created, `false` when the same
    /// definition is stored, a conflict otherwise.
    fn create_experiment_tx(&mut self, experiment: &Experiment) -> Result<bool>;

    /// The stored experiment named `experiment`.
    fn experiment_tx(&mut self, experiment: &str) -> Result<Experiment>;

    /// Creates `segment` with `priors` (checked: one per variant); `true`
    /// when created.
    fn create_segment_tx(
        &mut self,
        experiment: &str,
        segment: &str,
        priors: &[Prior],
    ) -> Result<bool>;

    /// Records `batch` with its `counts` (successes, failures); returns the
    /// event's sequence number.
    fn record_tx(&mut self, experiment: &str, batch: &Batch, counts: (i64, i64)) -> Result<i64>;

    /// The state rows of `experiment`, of `segment` only when given.
    fn states_tx(
        &mut self,
        experiment: &str,
        segment: Option<&str>,
    ) -> Result<Vec<StateRow<Self::Name>>>;

    /// At most `limit` event rows of `experiment` after `after`.
    fn events_tx(
        &mut self,
        experiment: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<EventRow<Self::Name>>>;

    /// The number of events of `experiment`.
    fn event_count_tx(&mut self, experiment: &str) -> Result<i64>;
}

/// [`StateStore::create_segment`](crate::StateStore::create_segment): the
/// name checked before the transaction.
pub(crate) fn create_segment<T: Transactions>(
    store: &mut T,
    experiment: &str,
    segment: &str,
    priors: &[Prior],
) -> Result<bool> {
    check_name("segment", segment)?;
    store.create_segment_tx(experiment, segment, priors)
}

/// [`StateStore::record`](crate::StateStore::record): the counts checked
/// before the transaction, the event built from the batch.
pub(crate) fn record<T: Transactions>(
    store: &mut T,
    experiment: &str,
    batch: &Batch,
) -> Result<Event> {
    let counts = batch_counts(batch)?;
    let seq = store.record_tx(experiment, batch, counts)?;
    Ok(recorded_event(T::STORED.seq(seq)?, experiment, batch))
}

/// [`StateStore::segment_states`](crate::StateStore::segment_states) and
/// [`StateStore::all_states`](crate::StateStore::all_states) (`segment`
/// `None`).
pub(crate) fn states<T: Transactions>(
    store: &mut T,
    experiment: &str,
    segment: Option<&str>,
) -> Result<Vec<SegmentState>> {
    let rows = store.states_tx(experiment, segment)?;
    T::STORED.segment_states(rows)
}

/// [`StateStore::events_since`](crate::StateStore::events_since).
pub(crate) fn events_since<T: Transactions>(
    store: &mut T,
    experiment: &str,
    after: u64,
    limit: usize,
) -> Result<Vec<Event>> {
    // Nothing follows an `after` beyond i64::MAX, but an unknown experiment
    // is still an error.
    let Some((after, limit)) = event_window(after, limit) else {
        event_count(store, experiment)?;
        return Ok(Vec::new());
    };
    let rows = store.events_tx(experiment, after, limit)?;
    T::STORED.events(experiment, rows)
}

/// [`StateStore::event_count`](crate::StateStore::event_count).
pub(crate) fn event_count<T: Transactions>(store: &mut T, experiment: &str) -> Result<u64> {
    let n = store.event_count_tx(experiment)?;
    T::STORED.count("event count", n)
}

/// Implements [`StateStore`](crate::StateStore) for an SQL store `$store`
/// that implements [`Transactions`], with the functions of this module.
macro_rules! sql_state_store {
    ($store:ty) => {
        impl $crate::store::StateStore for $store {
            fn create_experiment(&mut self, e: &$crate::Experiment) -> $crate::Result<bool> {
                $crate::store::transactions::Transactions::create_experiment_tx(self, e)
            }

            fn experiment(&mut self, experiment: &str) -> $crate::Result<$crate::Experiment> {
                $crate::store::transactions::Transactions::experiment_tx(self, experiment)
            }

            fn create_segment(
                &mut self,
                experiment: &str,
                segment: &str,
                priors: &[$crate::Prior],
            ) -> $crate::Result<bool> {
                $crate::store::transactions::create_segment(self, experiment, segment, priors)
            }

            fn record(&mut self, e: &str, batch: &$crate::Batch) -> $crate::Result<$crate::Event> {
                $crate::store::transactions::record(self, e, batch)
            }

            fn segment_states(
                &mut self,
                experiment: &str,
                segment: &str,
            ) -> $crate::Result<Vec<$crate::SegmentState>> {
                $crate::store::transactions::states(self, experiment, Some(segment))
            }

            fn all_states(&mut self, e: &str) -> $crate::Result<Vec<$crate::SegmentState>> {
                $crate::store::transactions::states(self, e, None)
            }

            fn events_since(
                &mut self,
                experiment: &str,
                after: u64,
                limit: usize,
            ) -> $crate::Result<Vec<$crate::Event>> {
                $crate::store::transactions::events_since(self, experiment, after, limit)
            }

            fn event_count(&mut self, experiment: &str) -> $crate::Result<u64> {
                $crate::store::transactions::event_count(self, experiment)
            }
        }
    };
}

pub(crate) use sql_state_store;
