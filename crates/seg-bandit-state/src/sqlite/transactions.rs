//! The transactions of the SQLite store: one per [`StateStore`] operation,
//! writes in `BEGIN IMMEDIATE` transactions (the write lock taken first, so a
//! busy database fails at once and the whole transaction is retried), reads
//! in deferred ones.
//!
//! [`StateStore`]: crate::StateStore

use rusqlite::TransactionBehavior::{Deferred, Immediate};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::{STORED, SqliteStore};
use crate::error::Result;
use crate::event::Batch;
use crate::experiment::Experiment;
use crate::state::Prior;
use crate::store::checks::{first_overflow, new_segment_priors};
use crate::store::refused::{Refused, create_again};
use crate::store::sql;
use crate::store::transactions::{RunTx, Transactions};
use crate::stored::{EventRow, StateRow, Stored};

/// A name as stored: `TEXT`.
pub(super) type Name = String;

/// A transaction's result: SQLite's error (retried when busy) outside, the
/// refusal inside.
pub(super) type TxResult<T> = crate::store::refused::TxResult<T, rusqlite::Error>;

/// The id and default prior of the experiment named `name`.
fn experiment_row(tx: &Transaction<'_>, name: &str) -> rusqlite::Result<Option<(i64, f64, f64)>> {
    tx.prepare_cached(sql::EXPERIMENT_ROW)?
        .query_row(params![name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()
}

/// Runs `body` in one transaction (`behavior`) on the experiment named
/// `experiment` (its id and prior), and commits when `body` accepts the
/// request.
pub(super) fn in_experiment<R>(
    conn: &mut Connection,
    behavior: TransactionBehavior,
    experiment: &str,
    body: impl FnOnce(&Transaction<'_>, (i64, f64, f64)) -> TxResult<R>,
) -> TxResult<R> {
    let tx = conn.transaction_with_behavior(behavior)?;
    let Some(row) = experiment_row(&tx, experiment)? else {
        return Ok(Err(Refused::UnknownExperiment));
    };
    let outcome = body(&tx, row)?;
    if outcome.is_ok() {
        tx.commit()?;
    }
    Ok(outcome)
}

/// The ids of the variants of an experiment (`sql::VARIANT_IDS`) or their
/// names (`sql::VARIANT_NAMES`), in order.
fn variant_column<T: rusqlite::types::FromSql>(
    tx: &Transaction<'_>,
    query: &str,
    experiment_id: i64,
) -> rusqlite::Result<Vec<T>> {
    tx.prepare_cached(query)?
        .query_map(params![experiment_id], |r| r.get(0))?
        .collect()
}

/// The id of segment `name` of an experiment.
fn segment_id(
    tx: &Transaction<'_>,
    experiment_id: i64,
    name: &str,
) -> rusqlite::Result<Option<i64>> {
    tx.prepare_cached(sql::SEGMENT_ID)?
        .query_row(params![experiment_id, name], |r| r.get(0))
        .optional()
}

/// The stored definition of an experiment.
fn load(tx: &Transaction<'_>, name: &str) -> TxResult<Experiment> {
    let Some((id, alpha, beta)) = experiment_row(tx, name)? else {
        return Ok(Err(Refused::UnknownExperiment));
    };
    let variants: Vec<String> = variant_column(tx, sql::VARIANT_NAMES, id)?;
    Ok(STORED
        .experiment(name, (alpha, beta), variants)
        .map_err(Refused::Invalid))
}

/// The id of `segment`, creating it when absent with `priors` (one per
/// variant in order) or else the experiment's prior `(alpha, beta)` for
/// every variant; `true` when created.
fn ensure_segment(
    tx: &Transaction<'_>,
    (experiment_id, alpha, beta): (i64, f64, f64),
    segment: &str,
    priors: Option<&[Prior]>,
) -> TxResult<(i64, bool)> {
    if let Some(id) = segment_id(tx, experiment_id, segment)? {
        return Ok(Ok((id, false)));
    }
    let inserted: Option<i64> = tx
        .prepare_cached(sql::INSERT_SEGMENT)?
        .query_row(params![experiment_id, segment], |r| r.get(0))
        .optional()?;
    let Some(id) = inserted else {
        // Not reached under the write lock; the segment exists then.
        let id = segment_id(tx, experiment_id, segment)?;
        return Ok(id.map(|id| (id, false)).ok_or(Refused::UnknownSegment));
    };
    let ids: Vec<i64> = variant_column(tx, sql::VARIANT_IDS, experiment_id)?;
    let priors = match new_segment_priors(priors, ids.len(), || {
        STORED.prior("experiment", alpha, beta)
    }) {
        Ok(priors) => priors,
        Err(error) => return Ok(Err(Refused::Invalid(error))),
    };
    let mut insert = tx.prepare_cached(sql::INSERT_STATE)?;
    for (variant_id, prior) in ids.iter().zip(&priors) {
        insert.execute(params![variant_id, id, prior.alpha(), prior.beta()])?;
    }
    Ok(Ok((id, true)))
}

/// Records one batch in the write transaction `tx` on the experiment `row`:
/// creates the segment on first use, increments the state row (`successes =
/// successes + ?`) and appends the event. Returns the event's sequence
/// number.
fn record(
    tx: &Transaction<'_>,
    row: (i64, f64, f64),
    batch: &Batch,
    (successes, failures): (i64, i64),
) -> TxResult<i64> {
    let experiment_id = row.0;
    let Some(variant_id) = tx
        .prepare_cached("SELECT id FROM variants WHERE experiment_id = ?1 AND name = ?2")?
        .query_row(params![experiment_id, batch.variant()], |r| {
            r.get::<_, i64>(0)
        })
        .optional()?
    else {
        return Ok(Err(Refused::UnknownVariant));
    };
    let segment_id = match ensure_segment(tx, row, batch.segment(), None)? {
        Ok((id, _)) => id,
        Err(refused) => return Ok(Err(refused)),
    };
    let totals: (i64, i64) = tx
        .prepare_cached(sql::STATE_TOTALS)?
        .query_row(params![variant_id, segment_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    // Checked inside the write transaction, so no other writer can move the
    // totals between this check and the increment.
    if let Some((parameter, total, add)) = first_overflow(totals, (successes, failures)) {
        return Ok(Err(Refused::Overflow {
            parameter,
            total,
            add,
        }));
    }
    tx.prepare_cached(
        "UPDATE variant_segment_state
         SET successes = successes + ?1, failures = failures + ?2
         WHERE variant_id = ?3 AND segment_id = ?4",
    )?
    .execute(params![successes, failures, variant_id, segment_id])?;
    let seq: i64 = tx
        .prepare_cached(
            "INSERT INTO events (timestamp, experiment_id, segment_id, variant_id, successes, failures)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING seq",
        )?
        .query_row(
            params![batch.timestamp(), experiment_id, segment_id, variant_id, successes, failures],
            |r| r.get(0),
        )?;
    Ok(Ok(seq))
}

impl Transactions for SqliteStore {
    type Name = Name;
    const STORED: Stored = STORED;

    fn record_tx(&mut self, experiment: &str, batch: &Batch, counts: (i64, i64)) -> Result<i64> {
        let names = (batch.segment(), batch.variant());
        self.run_tx("record a batch", experiment, names, |conn| {
            in_experiment(conn, Immediate, experiment, |tx, row| {
                record(tx, row, batch, counts)
            })
        })
    }

    /// Creates the experiment; an existing one of this name is compared with it.
    fn create_experiment(conn: &mut Connection, experiment: &Experiment) -> TxResult<bool> {
        let tx = conn.transaction_with_behavior(Immediate)?;
        let prior = experiment.prior();
        let inserted: Option<i64> = tx
            .prepare_cached(sql::INSERT_EXPERIMENT)?
            .query_row(
                params![experiment.name(), prior.alpha(), prior.beta()],
                |r| r.get(0),
            )
            .optional()?;
        let Some(id) = inserted else {
            return Ok(create_again(load(&tx, experiment.name())?, experiment));
        };
        {
            let mut insert = tx.prepare_cached(sql::INSERT_VARIANT)?;
            for (position, variant) in (0_i64..).zip(experiment.variants()) {
                insert.execute(params![id, position, variant])?;
            }
        }
        tx.commit()?;
        Ok(Ok(true))
    }

    fn load_experiment(conn: &mut Connection, name: &str) -> TxResult<Experiment> {
        load(&conn.transaction_with_behavior(Deferred)?, name)
    }

    /// Creates a segment with explicit priors.
    fn create_segment(
        conn: &mut Connection,
        experiment: &str,
        segment: &str,
        priors: &[Prior],
    ) -> TxResult<(i64, bool)> {
        in_experiment(conn, Immediate, experiment, |tx, row| {
            ensure_segment(tx, row, segment, Some(priors))
        })
    }

    /// Reads the state rows of an experiment (of one segment when given) in
    /// one read transaction.
    fn states(
        conn: &mut Connection,
        experiment: &str,
        segment: Option<&str>,
    ) -> TxResult<Vec<StateRow<Name>>> {
        in_experiment(conn, Deferred, experiment, |tx, (id, _, _)| {
            let mut statement = tx.prepare_cached(sql::STATES)?;
            let rows = statement.query_map(params![id, segment], |r| StateRow::try_from(r))?;
            Ok(Ok(rows.collect::<rusqlite::Result<_>>()?))
        })
    }

    /// Reads at most `limit` events of an experiment after `after`.
    fn events(
        conn: &mut Connection,
        experiment: &str,
        after: i64,
        limit: i64,
    ) -> TxResult<Vec<EventRow<Name>>> {
        in_experiment(conn, Deferred, experiment, |tx, (id, _, _)| {
            let mut statement = tx.prepare_cached(sql::EVENTS_AFTER)?;
            let rows = statement.query_map(params![id, after, limit], |r| EventRow::try_from(r))?;
            Ok(Ok(rows.collect::<rusqlite::Result<_>>()?))
        })
    }

    /// Counts the events of an experiment.
    fn event_count(conn: &mut Connection, experiment: &str) -> TxResult<i64> {
        in_experiment(conn, Deferred, experiment, |tx, (id, _, _)| {
            let mut statement = tx.prepare_cached(sql::EVENT_COUNT)?;
            Ok(Ok(statement.query_row(params![id], |r| r.get(0))?))
        })
    }
}
