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
use crate::store::checks::{check_priors, new_segment_priors};
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

/// The variant names of an experiment, in order.
fn variant_names(
    tx: &mut Tx<'_>,
    experiment_id: i64,
) -> std::result::Result<Vec<Name>, postgres::Error> {
    first_column(&tx.query(sql::VARIANT_NAMES, &[&experiment_id])?)
}

/// The stored definition of an experiment.
fn load_experiment(tx: &mut Tx<'_>, name: &str) -> TxResult<Experiment> {
    let Some((id, alpha, beta)) = experiment_row(tx, name)? else {
        return Ok(Err(Refused::UnknownExperiment));
    };
    let variants = variant_names(tx, id)?;
    Ok(STORED
        .experiment(name, (alpha, beta), variants)
        .map_err(Refused::Invalid))
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
        let stored = load_experiment(&mut tx, experiment.name())?;
        return Ok(create_again(stored, experiment));
    };
    let id: i64 = row.try_get(0)?;
    for (position, variant) in (0_i32..).zip(experiment.variants()) {
        tx.execute(sql::INSERT_VARIANT, &[&id, &position, &variant.as_bytes()])?;
    }
    tx.commit()?;
    Ok(Ok(true))
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
    let name = segment.as_bytes();
    if let Some(row) = tx.query_opt(sql::SEGMENT_ID, &[&experiment_id, &name])? {
        return Ok(Ok((row.try_get(0)?, false)));
    }
    let Some(row) = tx.query_opt(sql::INSERT_SEGMENT, &[&experiment_id, &name])? else {
        // Another transaction created it and has committed (ON CONFLICT
        // waited for it): this statement's snapshot sees it.
        let row = tx.query_one(sql::SEGMENT_ID, &[&experiment_id, &name])?;
        return Ok(Ok((row.try_get(0)?, false)));
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

/// Creates a segment with explicit priors.
fn create_segment(
    session: &mut Session,
    experiment: &str,
    segment: &str,
    priors: &[Prior],
) -> TxResult<bool> {
    let mut tx = session.begin()?;
    let Some(row) = experiment_row(&mut tx, experiment)? else {
        return Ok(Err(Refused::UnknownExperiment));
    };
    let n_variants = variant_names(&mut tx, row.0)?.len();
    if let Err(error) = check_priors(n_variants, priors) {
        return Ok(Err(Refused::Invalid(error)));
    }
    let created = match ensure_segment(&mut tx, row, segment, Some(priors))? {
        Ok((_, created)) => created,
        Err(refused) => return Ok(Err(refused)),
    };
    tx.commit()?;
    Ok(Ok(created))
}

/// Reads the state rows of an experiment (of one segment when given) in one
/// statement.
fn states(
    session: &mut Session,
    experiment: &str,
    segment: Option<&str>,
) -> TxResult<Vec<StateRow<Name>>> {
    let mut tx = session.begin()?;
    let Some((experiment_id, _, _)) = experiment_row(&mut tx, experiment)? else {
        return Ok(Err(Refused::UnknownExperiment));
    };
    let segment_id: Option<i64> = match segment {
        None => None,
        Some(name) => match tx.query_opt(sql::SEGMENT_ID, &[&experiment_id, &name.as_bytes()])? {
            Some(row) => Some(row.try_get(0)?),
            None => return Ok(Err(Refused::UnknownSegment)),
        },
    };
    let rows = tx
        .query(sql::STATES, &[&experiment_id, &segment_id])?
        .iter()
        .map(six_columns)
        .collect::<std::result::Result<Vec<StateRow<Name>>, postgres::Error>>()?;
    tx.commit()?;
    Ok(Ok(rows))
}

/// Reads at most `limit` events of an experiment after `after`, holding the
/// experiment's events lock exclusively: every writer that took a `seq` has
/// committed or rolled back, so no smaller `seq` can appear later.
fn events(
    session: &mut Session,
    experiment: &str,
    after: i64,
    limit: i64,
) -> TxResult<Vec<EventRow<Name>>> {
    let mut tx = session.begin()?;
    let Some((experiment_id, _, _)) = experiment_row(&mut tx, experiment)? else {
        return Ok(Err(Refused::UnknownExperiment));
    };
    lock_events(&mut tx, experiment_id, false)?;
    // READ COMMITTED: this statement's snapshot is taken after the lock.
    let rows = tx
        .query(sql::EVENTS_AFTER, &[&experiment_id, &after, &limit])?
        .iter()
        .map(six_columns)
        .collect::<std::result::Result<Vec<EventRow<Name>>, postgres::Error>>()?;
    tx.commit()?;
    Ok(Ok(rows))
}

/// Counts the events of an experiment.
fn event_count(session: &mut Session, experiment: &str) -> TxResult<i64> {
    let mut tx = session.begin()?;
    let Some((experiment_id, _, _)) = experiment_row(&mut tx, experiment)? else {
        return Ok(Err(Refused::UnknownExperiment));
    };
    let n = tx
        .query_one(sql::EVENT_COUNT, &[&experiment_id])?
        .try_get(0)?;
    tx.commit()?;
    Ok(Ok(n))
}

impl Transactions for PostgresStore {
    type Name = Name;
    const STORED: Stored = STORED;

    fn create_experiment_tx(&mut self, experiment: &Experiment) -> Result<bool> {
        let name = experiment.name();
        self.run("create an experiment", name, ("", ""), None, |s, _, _| {
            create_experiment(s, experiment)
        })
    }

    fn experiment_tx(&mut self, experiment: &str) -> Result<Experiment> {
        self.run(
            "read an experiment",
            experiment,
            ("", ""),
            None,
            |s, _, _| {
                let mut tx = s.begin()?;
                let loaded = load_experiment(&mut tx, experiment)?;
                tx.commit()?;
                Ok(loaded)
            },
        )
    }

    fn create_segment_tx(
        &mut self,
        experiment: &str,
        segment: &str,
        priors: &[Prior],
    ) -> Result<bool> {
        self.run(
            "create a segment",
            experiment,
            (segment, ""),
            None,
            |s, _, _| create_segment(s, experiment, segment, priors),
        )
    }

    /// Records `batch` under a fresh idempotency key, retried with that key
    /// after a transient failure (see [`PostgresStore`]).
    fn record_tx(&mut self, experiment: &str, batch: &Batch, counts: (i64, i64)) -> Result<i64> {
        self.record_with_key(experiment, None, batch, counts)
    }

    fn states_tx(
        &mut self,
        experiment: &str,
        segment: Option<&str>,
    ) -> Result<Vec<StateRow<Name>>> {
        let operation = match segment {
            Some(_) => "read the states of a segment",
            None => "read all states",
        };
        let names = (segment.unwrap_or(""), "");
        self.run(operation, experiment, names, None, |s, _, _| {
            states(s, experiment, segment)
        })
    }

    fn events_tx(
        &mut self,
        experiment: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<EventRow<Name>>> {
        self.run("read events", experiment, ("", ""), None, |s, _, _| {
            events(s, experiment, after, limit)
        })
    }

    fn event_count_tx(&mut self, experiment: &str) -> Result<i64> {
        self.run("count events", experiment, ("", ""), None, |s, _, _| {
            event_count(s, experiment)
        })
    }
}
