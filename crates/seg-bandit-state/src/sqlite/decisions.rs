//! The decision-log transactions of the SQLite store (schema version 2):
//! inserts in `BEGIN IMMEDIATE` transactions, reads in deferred ones.

use rusqlite::TransactionBehavior::{Deferred, Immediate};
use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use super::transactions::{Name, TxResult, in_experiment};
use crate::decision::{Decision, PeriodBatch};
use crate::error::Result;
use crate::store::decisions::{DecisionRow, DecisionTransactions, PeriodRow, sql_decision_log};
use crate::store::refused::Refused;
use crate::store::transactions::RunTx;

/// The id of variant `?2` of experiment `?1`.
const VARIANT_ID: &str = "SELECT id FROM variants WHERE experiment_id = ?1 AND name = ?2";

impl DecisionTransactions for SqliteStore {
    fn record_decision_tx(
        &mut self,
        experiment: &str,
        decision: &Decision,
        allocation: &[u8],
    ) -> Result<i64> {
        let names = (decision.segment(), decision.variant());
        self.run_tx("record a decision", experiment, names, |conn| {
            in_experiment(conn, Immediate, experiment, |tx, (experiment_id, _, _)| {
                let variant_id: Option<i64> = tx
                    .prepare_cached(VARIANT_ID)?
                    .query_row(params![experiment_id, decision.variant()], |r| r.get(0))
                    .optional()?;
                let Some(variant_id) = variant_id else {
                    return Ok(Err(Refused::UnknownVariant));
                };
                let policy = decision.policy();
                let id: i64 = tx
                    .prepare_cached(
                        "INSERT INTO decisions (experiment_id, segment, variant_id, propensity,
                             allocation, allocation_error, policy, policy_version, timestamp, unit)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
                    )?
                    .query_row(
                        params![
                            experiment_id,
                            decision.segment(),
                            variant_id,
                            decision.propensity(),
                            allocation,
                            decision.allocation_error(),
                            policy.name(),
                            policy.version(),
                            decision.timestamp(),
                            decision.unit(),
                        ],
                        |r| r.get(0),
                    )?;
                Ok(Ok(id))
            })
        })
    }

    fn record_period_tx(
        &mut self,
        experiment: &str,
        batch: &PeriodBatch,
        count: i64,
    ) -> Result<()> {
        let names = (batch.segment(), batch.variant());
        self.run_tx("record a period batch", experiment, names, |conn| {
            in_experiment(conn, Immediate, experiment, |tx, (experiment_id, _, _)| {
                let variant_id: Option<i64> = tx
                    .prepare_cached(VARIANT_ID)?
                    .query_row(params![experiment_id, batch.variant()], |r| r.get(0))
                    .optional()?;
                let Some(variant_id) = variant_id else {
                    return Ok(Err(Refused::UnknownVariant));
                };
                tx.prepare_cached(
                    "INSERT INTO period_batches (experiment_id, segment, variant_id, period,
                         propensity, count, reward_sum, reward_sum_squares)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )?
                .execute(params![
                    experiment_id,
                    batch.segment(),
                    variant_id,
                    batch.period(),
                    batch.propensity(),
                    count,
                    batch.reward_sum(),
                    batch.reward_sum_squares(),
                ])?;
                Ok(Ok(()))
            })
        })
    }

    fn reward(
        conn: &mut Connection,
        experiment: &str,
        id: i64,
        reward: f64,
    ) -> TxResult<Option<f64>> {
        in_experiment(conn, Immediate, experiment, |tx, (experiment_id, _, _)| {
            let found: Option<Option<f64>> = tx
                .prepare_cached(
                    "SELECT reward FROM decisions WHERE experiment_id = ?1 AND id = ?2",
                )?
                .query_row(params![experiment_id, id], |r| r.get(0))
                .optional()?;
            match found {
                None => Ok(Err(Refused::Invalid(crate::BanditError::UnknownDecision {
                    experiment: experiment.to_owned(),
                    id: id.unsigned_abs(),
                }))),
                Some(Some(before)) => Ok(Ok(Some(before))),
                Some(None) => {
                    tx.prepare_cached("UPDATE decisions SET reward = ?1 WHERE id = ?2")?
                        .execute(params![reward, id])?;
                    Ok(Ok(None))
                }
            }
        })
    }

    fn decisions(
        conn: &mut Connection,
        experiment: &str,
        after: i64,
        limit: i64,
    ) -> TxResult<Vec<DecisionRow<Name>>> {
        in_experiment(conn, Deferred, experiment, |tx, (experiment_id, _, _)| {
            let mut statement = tx.prepare_cached(
                "SELECT d.id, d.segment, v.name, d.propensity, d.allocation, d.allocation_error,
                        d.policy, d.policy_version, d.timestamp, d.unit, d.reward
                 FROM decisions d JOIN variants v ON v.id = d.variant_id
                 WHERE d.experiment_id = ?1 AND d.id > ?2
                 ORDER BY d.id LIMIT ?3",
            )?;
            let rows = statement.query_map(params![experiment_id, after, limit], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                ))
            })?;
            Ok(Ok(rows.collect::<rusqlite::Result<_>>()?))
        })
    }

    fn decision_count(conn: &mut Connection, experiment: &str) -> TxResult<i64> {
        in_experiment(conn, Deferred, experiment, |tx, (experiment_id, _, _)| {
            let n = tx
                .prepare_cached("SELECT count(*) FROM decisions WHERE experiment_id = ?1")?
                .query_row(params![experiment_id], |r| r.get(0))?;
            Ok(Ok(n))
        })
    }

    fn periods(conn: &mut Connection, experiment: &str) -> TxResult<Vec<PeriodRow<Name>>> {
        in_experiment(conn, Deferred, experiment, |tx, (experiment_id, _, _)| {
            let mut statement = tx.prepare_cached(
                "SELECT p.segment, v.name, p.period, p.propensity, p.count, p.reward_sum,
                        p.reward_sum_squares
                 FROM period_batches p JOIN variants v ON v.id = p.variant_id
                 WHERE p.experiment_id = ?1 ORDER BY p.seq",
            )?;
            let rows = statement.query_map(params![experiment_id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })?;
            Ok(Ok(rows.collect::<rusqlite::Result<_>>()?))
        })
    }
}

sql_decision_log!(SqliteStore);
