//! Recording a batch in the PostgreSQL store exactly once: one transaction
//! that holds the experiment's events lock shared, finds a batch already
//! recorded with the same idempotency key, creates the segment on first use,
//! then increments the state row and appends the event in one statement.

use super::PostgresStore;
use super::connect::Session;
use super::events_lock::lock_events;
use super::rows::six_columns;
use super::transactions::{Name, TxResult, ensure_segment};
use crate::error::{BanditError, Result};
use crate::event::Batch;
use crate::store::checks::first_overflow;
use crate::store::refused::Refused;
use crate::store::sql;
use crate::stored::EventRow;

/// The experiment's id and prior with the id of one of its variants (`NULL`
/// when it has none of that name).
const EXPERIMENT_AND_VARIANT: &str =
    "SELECT e.id, (SELECT v.id FROM variants v WHERE v.experiment_id = e.id AND v.name = $2),
        e.prior_alpha, e.prior_beta
     FROM experiments e WHERE e.name = $1";

/// The event recorded with idempotency key `$2` in experiment `$1`.
const EVENT_OF_KEY: &str = "SELECT e.seq, e.timestamp, s.name, v.name, e.successes, e.failures
     FROM events e
     JOIN segments s ON s.id = e.segment_id
     JOIN variants v ON v.id = e.variant_id
     WHERE e.experiment_id = $1 AND e.batch_key = $2";

/// The increment and the event in one statement; the row is locked from
/// here to the commit, so this is the whole time a hot row is held. The
/// WHERE clause refuses a total beyond i64::MAX (the UPDATE then changes no
/// row, the event is not inserted and the sequence number is `NULL`).
const INCREMENT_AND_APPEND: &str = "WITH state AS (
         UPDATE variant_segment_state
         SET successes = successes + $1, failures = failures + $2
         WHERE variant_id = $3 AND segment_id = $4
           AND successes <= 9223372036854775807 - $1
           AND failures <= 9223372036854775807 - $2
         RETURNING 1
     ), event AS (
         INSERT INTO events
             (timestamp, experiment_id, segment_id, variant_id, successes, failures, batch_key)
         SELECT $5::bigint, $6::bigint, $4::bigint, $3::bigint, $1::bigint, $2::bigint, $7::text
         WHERE EXISTS (SELECT 1 FROM state)
         RETURNING seq
     )
     SELECT (SELECT seq FROM event)";

/// Records one batch with its `counts` under `key`, looking for an earlier
/// commit of that key first when `look_up_key`; sets `commit_sent` just
/// before committing. Returns the event's `seq`.
fn record(
    session: &mut Session,
    experiment: &str,
    key: &str,
    look_up_key: bool,
    batch: &Batch,
    (successes, failures): (i64, i64),
    commit_sent: &mut bool,
) -> TxResult<i64> {
    let mut tx = session.begin()?;
    let found = tx.query_opt(
        EXPERIMENT_AND_VARIANT,
        &[&experiment.as_bytes(), &batch.variant().as_bytes()],
    )?;
    let Some(row) = found else {
        return Ok(Err(Refused::UnknownExperiment));
    };
    let experiment_id: i64 = row.try_get(0)?;
    let Some(variant_id) = row.try_get::<_, Option<i64>>(1)? else {
        return Ok(Err(Refused::UnknownVariant));
    };
    let prior: (f64, f64) = (row.try_get(2)?, row.try_get(3)?);
    lock_events(&mut tx, experiment_id, true)?;
    if look_up_key && let Some(row) = tx.query_opt(EVENT_OF_KEY, &[&experiment_id, &key])? {
        let (seq, timestamp, segment, variant, s, f): EventRow<Name> = six_columns(&row)?;
        let same = segment == batch.segment().as_bytes()
            && variant == batch.variant().as_bytes()
            && (s, f) == (successes, failures)
            && timestamp == batch.timestamp();
        return Ok(if same {
            Ok(seq)
        } else {
            Err(Refused::Invalid(BanditError::InvalidParameter {
                parameter: "key",
                value: key.to_owned(),
                reason: "was already used for a different batch of this experiment",
            }))
        });
    }
    let experiment_row = (experiment_id, prior.0, prior.1);
    let segment_id = match ensure_segment(&mut tx, experiment_row, batch.segment(), None)? {
        Ok((id, _)) => id,
        Err(refused) => return Ok(Err(refused)),
    };
    let params: [&(dyn postgres::types::ToSql + Sync); 7] = [
        &successes,
        &failures,
        &variant_id,
        &segment_id,
        &batch.timestamp(),
        &experiment_id,
        &key,
    ];
    let seq: Option<i64> = tx.query_one(INCREMENT_AND_APPEND, &params)?.try_get(0)?;
    let Some(seq) = seq else {
        let row = tx.query_one(sql::STATE_TOTALS, &[&variant_id, &segment_id])?;
        let totals: (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
        let (parameter, total, add) = first_overflow(totals, (successes, failures))
            .unwrap_or(("failures", totals.1, failures));
        return Ok(Err(Refused::Overflow {
            parameter,
            total,
            add,
        }));
    };
    *commit_sent = true;
    tx.commit()?;
    Ok(Ok(seq))
}

impl PostgresStore {
    /// Records `batch` with its `counts` under `key` (a fresh one when
    /// `None`) through [`Self::run`]; returns the event's `seq`.
    pub(super) fn record_with_key(
        &mut self,
        experiment: &str,
        key: Option<&str>,
        batch: &Batch,
        counts: (i64, i64),
    ) -> Result<i64> {
        let (key, fresh) = match key {
            Some(key) => (key.to_owned(), false),
            None => (self.next_key(), true),
        };
        self.run(
            "record a batch (nothing was recorded)",
            experiment,
            (batch.segment(), batch.variant()),
            Some(&key),
            |session, attempt, commit_sent| {
                // A fresh key cannot be in the table before the first try.
                let look_up_key = !fresh || attempt > 0;
                record(
                    session,
                    experiment,
                    &key,
                    look_up_key,
                    batch,
                    counts,
                    commit_sent,
                )
            },
        )
    }

    /// A key that no other batch has: the store's UUID and a counter.
    pub(super) fn next_key(&mut self) -> String {
        self.keys += 1;
        format!("{}/{}", self.key_prefix, self.keys)
    }
}
