//! The one [`StateStore`](crate::StateStore) implementation of the SQL
//! stores. Each store gives its transactions and how it runs them
//! ([`Transactions`]: connecting, retrying and SQL are the database's);
//! everything around them — the checks before a write, the operation named
//! in an error, the event a write returns, the decoding of the rows read — is
//! written once here, in the functions below, which [`sql_state_store!`]
//! makes the store's `StateStore` methods.

use crate::error::{BanditError, Result};
use crate::event::{Batch, Event, SegmentState};
use crate::experiment::{Experiment, check_name};
use crate::state::Prior;
use crate::store::checks::check_priors;
use crate::store::events::{event_window, recorded_event};
use crate::store::refused::TxResult;
use crate::stored::{EventRow, StateRow, Stored, StoredName, batch_counts};

/// How an SQL store runs a transaction: on what, with which retries.
pub(crate) trait RunTx {
    /// What a transaction runs on: a connection, a session.
    type Conn;
    /// The database's error, which the store may retry.
    type Error;

    /// Runs `op` (one whole transaction) with the store's retries, and turns
    /// its failures into errors naming `operation`, `experiment` and `names`
    /// (segment, variant).
    fn run_tx<T>(
        &mut self,
        operation: &'static str,
        experiment: &str,
        names: (&str, &str),
        op: impl FnMut(&mut Self::Conn) -> TxResult<T, Self::Error>,
    ) -> Result<T>;
}

/// The transactions of an SQL store.
pub(crate) trait Transactions: RunTx {
    /// How the database returns a name.
    type Name: StoredName;

    /// The database, named in errors about stored values.
    const STORED: Stored;

    /// Records `batch` with its `counts` (successes, failures) as
    /// [`record`] needs (a store may retry it in its own way); returns the
    /// event's sequence number.
    fn record_tx(&mut self, experiment: &str, batch: &Batch, counts: (i64, i64)) -> Result<i64>;

    /// Creates `experiment`: `true` when created, `false` when the same
    /// definition is stored, a conflict otherwise.
    fn create_experiment(
        conn: &mut Self::Conn,
        experiment: &Experiment,
    ) -> TxResult<bool, Self::Error>;

    /// The stored experiment named `name`.
    fn load_experiment(conn: &mut Self::Conn, name: &str) -> TxResult<Experiment, Self::Error>;

    /// Creates `segment` of `experiment` with `priors` (one per variant,
    /// checked before) unless it exists; its id, and `true` when created.
    fn create_segment(
        conn: &mut Self::Conn,
        experiment: &str,
        segment: &str,
        priors: &[Prior],
    ) -> TxResult<(i64, bool), Self::Error>;

    /// The state rows of `experiment` (of `segment` only, when given: none
    /// when it is unknown).
    fn states(
        conn: &mut Self::Conn,
        experiment: &str,
        segment: Option<&str>,
    ) -> TxResult<Vec<StateRow<Self::Name>>, Self::Error>;

    /// At most `limit` event rows of `experiment` after `after`.
    fn events(
        conn: &mut Self::Conn,
        experiment: &str,
        after: i64,
        limit: i64,
    ) -> TxResult<Vec<EventRow<Self::Name>>, Self::Error>;

    /// The number of events of `experiment`.
    fn event_count(conn: &mut Self::Conn, experiment: &str) -> TxResult<i64, Self::Error>;
}

/// No segment or variant to name in an error.
const NO_NAMES: (&str, &str) = ("", "");

/// [`StateStore::create_experiment`](crate::StateStore::create_experiment).
pub(crate) fn create_experiment<T: Transactions>(store: &mut T, e: &Experiment) -> Result<bool> {
    store.run_tx("create an experiment", e.name(), NO_NAMES, |conn| {
        T::create_experiment(conn, e)
    })
}

/// [`StateStore::experiment`](crate::StateStore::experiment).
pub(crate) fn experiment<T: Transactions>(store: &mut T, name: &str) -> Result<Experiment> {
    store.run_tx("read an experiment", name, NO_NAMES, |conn| {
        T::load_experiment(conn, name)
    })
}

/// [`StateStore::create_segment`](crate::StateStore::create_segment): the
/// name and the number of priors checked before the transaction (the
/// variants of an experiment never change once it is created).
pub(crate) fn create_segment<T: Transactions>(
    store: &mut T,
    experiment: &str,
    segment: &str,
    priors: &[Prior],
) -> Result<bool> {
    check_name("segment", segment)?;
    check_priors(
        self::experiment(store, experiment)?.variants().len(),
        priors,
    )?;
    let (_, created) = store.run_tx("create a segment", experiment, (segment, ""), |conn| {
        T::create_segment(conn, experiment, segment, priors)
    })?;
    Ok(created)
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
    let operation = match segment {
        Some(_) => "read the states of a segment",
        None => "read all states",
    };
    let names = (segment.unwrap_or(""), "");
    let rows = store.run_tx(operation, experiment, names, |conn| {
        T::states(conn, experiment, segment)
    })?;
    if let (true, Some(segment)) = (rows.is_empty(), segment) {
        return Err(BanditError::UnknownSegment {
            experiment: experiment.to_owned(),
            segment: segment.to_owned(),
        });
    }
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
    let rows = store.run_tx("read events", experiment, NO_NAMES, |conn| {
        T::events(conn, experiment, after, limit)
    })?;
    T::STORED.events(experiment, rows)
}

/// [`StateStore::event_count`](crate::StateStore::event_count).
pub(crate) fn event_count<T: Transactions>(store: &mut T, experiment: &str) -> Result<u64> {
    let n = store.run_tx("count events", experiment, NO_NAMES, |conn| {
        T::event_count(conn, experiment)
    })?;
    T::STORED.count("event count", n)
}

/// Implements [`StateStore`](crate::StateStore) for an SQL store `$store`
/// that implements [`Transactions`], with the functions of this module.
macro_rules! sql_state_store {
    ($store:ty) => {
        impl $crate::store::StateStore for $store {
            fn create_experiment(
                &mut self,
                experiment: &$crate::Experiment,
            ) -> $crate::Result<bool> {
                $crate::store::transactions::create_experiment(self, experiment)
            }

            fn experiment(&mut self, experiment: &str) -> $crate::Result<$crate::Experiment> {
                $crate::store::transactions::experiment(self, experiment)
            }

            fn create_segment(
                &mut self,
                experiment: &str,
                segment: &str,
                priors: &[$crate::Prior],
            ) -> $crate::Result<bool> {
                $crate::store::transactions::create_segment(self, experiment, segment, priors)
            }

            fn record(
                &mut self,
                experiment: &str,
                batch: &$crate::Batch,
            ) -> $crate::Result<$crate::Event> {
                $crate::store::transactions::record(self, experiment, batch)
            }

            fn segment_states(
                &mut self,
                experiment: &str,
                segment: &str,
            ) -> $crate::Result<Vec<$crate::SegmentState>> {
                $crate::store::transactions::states(self, experiment, Some(segment))
            }

            fn all_states(
                &mut self,
                experiment: &str,
            ) -> $crate::Result<Vec<$crate::SegmentState>> {
                $crate::store::transactions::states(self, experiment, None)
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_sql_stores_are_send() {
        fn check<T: Send>() {}
        #[cfg(feature = "sqlite")]
        check::<crate::SqliteStore>();
        #[cfg(feature = "postgres")]
        check::<crate::PostgresStore>();
    }
}
