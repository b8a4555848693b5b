//! The transactions of the PostgreSQL store other than recording a batch
//! (see `record`): creating experiments and segments, reading them back. Each
//! is one `READ COMMITTED` transaction, run again by the store after a
//! transient failure.

use super::connect::{Session, Tx};
use super::events_lock::lock_events;
use super::rows::{first_column, six_columns};
use super::{PostgresStore, STORED};
use crate::error::Result;
use crate::event::Batch;
use crate::experiment::Experiment;
use crate::state::Prior;
use crate::store::checks::new_segment_priors;
use crate::store::refused::{Refused, create_again};
use crate::store::sql;
use crate::store::transactions::Transactions;
use crate::stored::{EventRow, StateRow, Stored};

/// A transaction's result: the PostgreSQL error (retried when transient)
/// outside, the refusal inside.
pub(super) type TxResult<T> = crate::store::refused::TxResult<T, postgres::Error>;

/// A name as stored: its UTF-8 bytes in a `BYTEA`.
pub(super) type Name = Vec<u8>;

/// The id and default prior of the experiment named `name`.
fn experiment_row(
    tx: &mut Tx<'_>,
    name: &str,
) -> std::result::Result<Option<(i64, f64, f64)>, postgres::Error> {
    tx.query_opt(sql::EXPERIMENT_ROW, &[&name.as_bytes()])?
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .transpose()
}

/// Runs `body` in one transaction on the experiment named `experiment` (its
/// id and prior), and commits when `body` accepts the request.
pub(super) fn in_experiment<R>(
    session: &mut Session,
    experiment: &str,
    body: impl FnOnce(&mut Tx<'_>, (i64, f64, f64)) -> TxResult<R>,
) -> TxResult<R> {
    let mut tx = session.begin()?;
    let Some(row) = experiment_row(&mut tx, experiment)? else {
        return Ok(Err(Refused::UnknownExperiment));
    };
    let outcome = body(&mut tx, row)?;
    if outcome.is_ok() {
        tx.commit()?;
    }
    Ok(outcome)
}

/// The variant names of an experiment, in order.
fn variant_names(
    tx: &mut Tx<'_>,
    experiment_id: i64,
) -> std::result::Result<Vec<Name>, postgres::Error> {
    first_column(&tx.query(sql::VARIANT_NAMES, &[&experiment_id])?)
}

/// The id of segment `name` of an experiment.
fn segment_id(
    tx: &mut Tx<'_>,
    experiment_id: i64,
    name: &str,
) -> std::result::Result<Option<i64>, postgres::Error> {
    tx.query_opt(sql::SEGMENT_ID, &[&experiment_id, &name.as_bytes()])?
        .map(|row| row.try_get(0))
        .transpose()
}

/// The stored definition of an experiment.
fn load(tx: &mut Tx<'_>, name: &str) -> TxResult<Experiment> {
    let Some((id, alpha, beta)) = experiment_row(tx, name)? else {
        return Ok(Err(Refused::UnknownExperiment));
    };
    let variants = variant_names(tx, id)?;
    Ok(STORED
        .experiment(name, (alpha, beta), variants)
        .map_err(Refused::Invalid))
}

/// The id of `segment`, creating it when absent with `priors` (one per
/// variant in order) or else the experiment's prior `(alpha, beta)` for
/// every variant; `true` when created.
pub(super) fn ensure_segment(
    tx: &mut Tx<'_>,
    (experiment_id, alpha, beta): (i64, f64, f64),
    segment: &str,
    priors: Option<&[Prior]>,
) -> TxResult<(i64, bool)> {
    if let Some(id) = segment_id(tx, experiment_id, segment)? {
        return Ok(Ok((id, false)));
    }
    let inserted = tx.query_opt(sql::INSERT_SEGMENT, &[&experiment_id, &segment.as_bytes()])?;
    let Some(row) = inserted else {
        // Another transaction created it and has committed (ON CONFLICT
        // waited for it): this statement's snapshot sees it.
        let id = segment_id(tx, experiment_id, segment)?;
        return Ok(id.map(|id| (id, false)).ok_or(Refused::UnknownSegment));
    };
    let id: i64 = row.try_get(0)?;
    let ids: Vec<i64> = first_column(&tx.query(sql::VARIANT_IDS, &[&experiment_id])?)?;
    let priors = match new_segment_priors(priors, ids.len(), || {
        STORED.prior("experiment", alpha, beta)
    }) {
        Ok(priors) => priors,
        Err(error) => return Ok(Err(Refused::Invalid(error))),
    };
    for (variant_id, prior) in ids.iter().zip(&priors) {
        tx.execute(
            sql::INSERT_STATE,
            &[variant_id, &id, &prior.alpha(), &prior.beta()],
        )?;
    }
    Ok(Ok((id, true)))
}

impl Transactions for PostgresStore {
    type Name = Name;
    const STORED: Stored = STORED;

    /// Records `batch` under a fresh idempotency key, retried with that key
    /// after a transient failure (see [`PostgresStore`]).
    fn record_tx(&mut self, experiment: &str, batch: &Batch, counts: (i64, i64)) -> Result<i64> {
        self.record_with_key(experiment, None, batch, counts)
    }

    /// Creates the experiment; an existing one of this name is compared with it.
    fn create_experiment(session: &mut Session, experiment: &Experiment) -> TxResult<bool> {
        let mut tx = session.begin()?;
        let prior = experiment.prior();
        let inserted = tx.query_opt(
            sql::INSERT_EXPERIMENT,
            &[&experiment.name().as_bytes(), &prior.alpha(), &prior.beta()],
        )?;
        let Some(row) = inserted else {
            // Created by someone else (perhaps a moment ago: ON CONFLICT waited
            // for that transaction to commit, and this statement sees it).
            let stored = load(&mut tx, experiment.name())?;
            return Ok(create_again(stored, experiment));
        };
        let id: i64 = row.try_get(0)?;
        for (position, variant) in (0_i32..).zip(experiment.variants()) {
            tx.execute(sql::INSERT_VARIANT, &[&id, &position, &variant.as_bytes()])?;
        }
        tx.commit()?;
        Ok(Ok(true))
    }

    fn load_experiment(session: &mut Session, name: &str) -> TxResult<Experiment> {
        let mut tx = session.begin()?;
        let loaded = load(&mut tx, name)?;
        tx.commit()?;
        Ok(loaded)
    }

    /// Creates a segment with explicit priors.
    fn create_segment(
        session: &mut Session,
        experiment: &str,
        segment: &str,
        priors: &[Prior],
    ) -> TxResult<(i64, bool)> {
        in_experiment(session, experiment, |tx, row| {
            ensure_segment(tx, row, segment, Some(priors))
        })
    }

    /// Reads the state rows of an experiment (of one segment when given) in
    /// one statement.
    fn states(
        session: &mut Session,
        experiment: &str,
        segment: Option<&str>,
    ) -> TxResult<Vec<StateRow<Name>>> {
        in_experiment(session, experiment, |tx, (id, _, _)| {
            let rows = tx.query(sql::STATES, &[&id, &segment.map(str::as_bytes)])?;
            Ok(Ok(rows
                .iter()
                .map(six_columns)
                .collect::<Result<_, _>>()?))
        })
    }

    /// Reads at most `limit` events of an experiment after `after`, holding
    /// the experiment's events lock exclusively: every writer that took a
    /// `seq` has committed or rolled back, so no smaller `seq` can appear
    /// later.
    fn events(
        session: &mut Session,
        experiment: &str,
        after: i64,
        limit: i64,
    ) -> TxResult<Vec<EventRow<Name>>> {
        in_experiment(session, experiment, |tx, (id, _, _)| {
            lock_events(tx, id, false)?;
            // READ COMMITTED: this statement's snapshot is taken after the lock.
            let rows = tx.query(sql::EVENTS_AFTER, &[&id, &after, &limit])?;
            Ok(Ok(rows
                .iter()
                .map(six_columns)
                .collect::<Result<_, _>>()?))
        })
    }

    /// Counts the events of an experiment.
    fn event_count(session: &mut Session, experiment: &str) -> TxResult<i64> {
        in_experiment(session, experiment, |tx, (id, _, _)| {
            Ok(Ok(tx.query_one(sql::EVENT_COUNT, &[&id])?.try_get(0)?))
        })
    }
}
