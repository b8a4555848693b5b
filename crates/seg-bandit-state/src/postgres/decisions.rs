//! The decision-log transactions of the PostgreSQL store (schema version 2).
//!
//! As for batches (`record`): a write holds the events lock of its
//! experiment shared until it commits and a read takes it exclusively, so
//! decision ids and period batches are read in commit order; each logged
//! decision and period batch carries an idempotency key, so that one retried
//! after a lost connection is recorded once.

use super::PostgresStore;
use super::connect::{Session, Tx};
use super::events_lock::lock_events;
use super::transactions::{Name, TxResult, in_experiment};
use crate::decision::{Decision, PeriodBatch};
use crate::error::{BanditError, Result};
use crate::store::decisions::{DecisionRow, DecisionTransactions, PeriodRow, sql_decision_log};
use crate::store::refused::Refused;

/// The id of variant `$2` of experiment `$1`.
const VARIANT_ID: &str = "SELECT id FROM variants WHERE experiment_id = $1 AND name = $2";

const DECISION_OF_KEY: &str =
    "SELECT id FROM decisions WHERE experiment_id = $1 AND decision_key = $2";

const INSERT_DECISION: &str = "INSERT INTO decisions (experiment_id, segment, variant_id,
         propensity, allocation, allocation_error, policy, policy_version, timestamp, unit,
         decision_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id";

const PERIOD_OF_KEY: &str =
    "SELECT 1 FROM period_batches WHERE experiment_id = $1 AND period_key = $2";

const INSERT_PERIOD: &str = "INSERT INTO period_batches (experiment_id, segment, variant_id,
         period, propensity, count, reward_sum, reward_sum_squares, period_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// The id of the experiment's variant `name`, the experiment's events lock
/// taken shared.
fn variant_for_write(
    tx: &mut Tx<'_>,
    experiment_id: i64,
    name: &str,
) -> std::result::Result<Option<i64>, postgres::Error> {
    let id = tx
        .query_opt(VARIANT_ID, &[&experiment_id, &name.as_bytes()])?
        .map(|row| row.try_get(0))
        .transpose()?;
    if id.is_some() {
        lock_events(tx, experiment_id, true)?;
    }
    Ok(id)
}

impl PostgresStore {
    /// Runs the keyed write `op` (its idempotency key drawn here): a retry
    /// after a lost connection first looks the key up.
    fn keyed_write<T>(
        &mut self,
        operation: &'static str,
        experiment: &str,
        names: (&str, &str),
        mut op: impl FnMut(&mut Session, &str, bool, &mut bool) -> TxResult<T>,
    ) -> Result<T> {
        let key = self.next_key();
        self.run(
            operation,
            experiment,
            names,
            Some(&key),
            |session, attempt, commit_sent| op(session, &key, attempt > 0, commit_sent),
        )
    }
}

impl DecisionTransactions for PostgresStore {
    fn record_decision_tx(
        &mut self,
        experiment: &str,
        decision: &Decision,
        allocation: &[u8],
    ) -> Result<i64> {
        let names = (decision.segment(), decision.variant());
        self.keyed_write(
            "record a decision (nothing was recorded)",
            experiment,
            names,
            |session, key, look_up, commit_sent| {
                in_experiment(session, experiment, |tx, (experiment_id, _, _)| {
                    let Some(variant_id) =
                        variant_for_write(tx, experiment_id, decision.variant())?
                    else {
                        return Ok(Err(Refused::UnknownVariant));
                    };
                    if look_up
                        && let Some(row) = tx.query_opt(DECISION_OF_KEY, &[&experiment_id, &key])?
                    {
                        return Ok(Ok(row.try_get(0)?));
                    }
                    let policy = decision.policy();
                    let unit = decision.unit().map(str::as_bytes);
                    let id: i64 = tx
                        .query_one(
                            INSERT_DECISION,
                            &[
                                &experiment_id,
                                &decision.segment().as_bytes(),
                                &variant_id,
                                &decision.propensity(),
                                &allocation,
                                &decision.allocation_error(),
                                &policy.name().as_bytes(),
                                &policy.version().as_bytes(),
                                &decision.timestamp(),
                                &unit,
                                &key,
                            ],
                        )?
                        .try_get(0)?;
                    *commit_sent = true;
                    Ok(Ok(id))
                })
            },
        )
    }

    fn record_period_tx(
        &mut self,
        experiment: &str,
        batch: &PeriodBatch,
        count: i64,
    ) -> Result<()> {
        let names = (batch.segment(), batch.variant());
        self.keyed_write(
            "record a period batch (nothing was recorded)",
            experiment,
            names,
            |session, key, look_up, commit_sent| {
                in_experiment(session, experiment, |tx, (experiment_id, _, _)| {
                    let Some(variant_id) = variant_for_write(tx, experiment_id, batch.variant())?
                    else {
                        return Ok(Err(Refused::UnknownVariant));
                    };
                    if look_up
                        && tx
                            .query_opt(PERIOD_OF_KEY, &[&experiment_id, &key])?
                            .is_some()
                    {
                        return Ok(Ok(()));
                    }
                    tx.execute(
                        INSERT_PERIOD,
                        &[
                            &experiment_id,
                            &batch.segment().as_bytes(),
                            &variant_id,
                            &batch.period(),
                            &batch.propensity(),
                            &count,
                            &batch.reward_sum(),
                            &batch.reward_sum_squares(),
                            &key,
                        ],
                    )?;
                    *commit_sent = true;
                    Ok(Ok(()))
                })
            },
        )
    }

    fn reward(
        session: &mut Session,
        experiment: &str,
        id: i64,
        reward: f64,
    ) -> TxResult<Option<f64>> {
        in_experiment(session, experiment, |tx, (experiment_id, _, _)| {
            let found = tx.query_opt(
                "SELECT reward FROM decisions WHERE experiment_id = $1 AND id = $2 FOR UPDATE",
                &[&experiment_id, &id],
            )?;
            let Some(row) = found else {
                return Ok(Err(Refused::Invalid(BanditError::UnknownDecision {
                    experiment: experiment.to_owned(),
                    id: id.unsigned_abs(),
                })));
            };
            if let Some(before) = row.try_get::<_, Option<f64>>(0)? {
                return Ok(Ok(Some(before)));
            }
            tx.execute(
                "UPDATE decisions SET reward = $1 WHERE experiment_id = $2 AND id = $3",
                &[&reward, &experiment_id, &id],
            )?;
            Ok(Ok(None))
        })
    }

    fn decisions(
        session: &mut Session,
        experiment: &str,
        after: i64,
        limit: i64,
    ) -> TxResult<Vec<DecisionRow<Name>>> {
        in_experiment(session, experiment, |tx, (experiment_id, _, _)| {
            lock_events(tx, experiment_id, false)?;
            // READ COMMITTED: this statement's snapshot is taken after the lock.
            let rows = tx.query(
                "SELECT d.id, d.segment, v.name, d.propensity, d.allocation, d.allocation_error,
                        d.policy, d.policy_version, d.timestamp, d.unit, d.reward
                 FROM decisions d JOIN variants v ON v.id = d.variant_id
                 WHERE d.experiment_id = $1 AND d.id > $2
                 ORDER BY d.id LIMIT $3",
                &[&experiment_id, &after, &limit],
            )?;
            let decoded = rows
                .iter()
                .map(|r| {
                    Ok((
                        r.try_get(0)?,
                        r.try_get(1)?,
                        r.try_get(2)?,
                        r.try_get(3)?,
                        r.try_get(4)?,
                        r.try_get(5)?,
                        r.try_get(6)?,
                        r.try_get(7)?,
                        r.try_get(8)?,
                        r.try_get(9)?,
                        r.try_get(10)?,
                    ))
                })
                .collect::<std::result::Result<_, postgres::Error>>()?;
            Ok(Ok(decoded))
        })
    }

    fn decision_count(session: &mut Session, experiment: &str) -> TxResult<i64> {
        in_experiment(session, experiment, |tx, (experiment_id, _, _)| {
            Ok(Ok(tx
                .query_one(
                    "SELECT count(*) FROM decisions WHERE experiment_id = $1",
                    &[&experiment_id],
                )?
                .try_get(0)?))
        })
    }

    fn periods(session: &mut Session, experiment: &str) -> TxResult<Vec<PeriodRow<Name>>> {
        in_experiment(session, experiment, |tx, (experiment_id, _, _)| {
            lock_events(tx, experiment_id, false)?;
            let rows = tx.query(
                "SELECT p.segment, v.name, p.period, p.propensity, p.count, p.reward_sum,
                        p.reward_sum_squares
                 FROM period_batches p JOIN variants v ON v.id = p.variant_id
                 WHERE p.experiment_id = $1 ORDER BY p.seq",
                &[&experiment_id],
            )?;
            let decoded = rows
                .iter()
                .map(|r| {
                    Ok((
                        r.try_get(0)?,
                        r.try_get(1)?,
                        r.try_get(2)?,
                        r.try_get(3)?,
                        r.try_get(4)?,
                        r.try_get(5)?,
                        r.try_get(6)?,
                    ))
                })
                .collect::<std::result::Result<_, postgres::Error>>()?;
            Ok(Ok(decoded))
        })
    }
}

sql_decision_log!(PostgresStore);
