//! The one [`DecisionLog`](crate::DecisionLog) implementation of the SQL
//! stores: the checks before a write and the decoding of the rows read are
//! written once here; each store gives its transactions
//! ([`DecisionTransactions`]) and [`sql_decision_log!`] makes its
//! `DecisionLog` methods.

use crate::decision::{
    Decision, LoggedDecision, PeriodBatch, Policy, allocation_bytes, allocation_from_bytes,
    check_reward,
};
use crate::error::{BanditError, Result};
use crate::store::events::event_window;
use crate::store::refused::TxResult;
use crate::store::transactions::{Transactions, experiment};
use crate::stored::{StoredName, count_to_sql};

/// A decision row: id, segment, variant, propensity, allocation bytes,
/// allocation error, policy name and version, timestamp, unit, reward.
pub(crate) type DecisionRow<N> = (
    i64,
    N,
    N,
    f64,
    Vec<u8>,
    f64,
    N,
    N,
    i64,
    Option<N>,
    Option<f64>,
);

/// A period-batch row: segment, variant, period, propensity, count, sum of
/// rewards, sum of squares.
pub(crate) type PeriodRow<N> = (N, N, i64, f64, i64, f64, f64);

/// The decision-log transactions of an SQL store.
pub(crate) trait DecisionTransactions: Transactions {
    /// Inserts `decision` (checked against the experiment before) with its
    /// allocation as bytes; returns its id.
    fn record_decision_tx(
        &mut self,
        experiment: &str,
        decision: &Decision,
        allocation: &[u8],
    ) -> Result<i64>;

    /// Inserts `batch` (its count as `count`).
    fn record_period_tx(&mut self, experiment: &str, batch: &PeriodBatch, count: i64)
    -> Result<()>;

    /// Sets the reward of decision `id` when it has none: `Ok(None)` when
    /// set, `Ok(Some(r))` when it already had `r`, a refusal for an unknown
    /// experiment or decision.
    fn reward(
        conn: &mut Self::Conn,
        experiment: &str,
        id: i64,
        reward: f64,
    ) -> TxResult<Option<f64>, Self::Error>;

    /// At most `limit` decision rows of `experiment` after `after`.
    fn decisions(
        conn: &mut Self::Conn,
        experiment: &str,
        after: i64,
        limit: i64,
    ) -> TxResult<Vec<DecisionRow<Self::Name>>, Self::Error>;

    /// The number of decisions of `experiment`.
    fn decision_count(conn: &mut Self::Conn, experiment: &str) -> TxResult<i64, Self::Error>;

    /// The period rows of `experiment`, in recording order.
    fn periods(
        conn: &mut Self::Conn,
        experiment: &str,
    ) -> TxResult<Vec<PeriodRow<Self::Name>>, Self::Error>;
}

/// No segment or variant to name in an error.
const NO_NAMES: (&str, &str) = ("", "");

/// [`DecisionLog::record_decision`](crate::DecisionLog::record_decision):
/// the decision checked against the stored experiment (whose variants never
/// change), then inserted.
pub(crate) fn record_decision<T: DecisionTransactions>(
    store: &mut T,
    name: &str,
    decision: &Decision,
) -> Result<u64> {
    decision.check()?;
    decision.check_against(name, experiment(store, name)?.variants())?;
    let id = store.record_decision_tx(name, decision, &allocation_bytes(decision.allocation()))?;
    T::STORED.count("decisions.id", id)
}

/// [`DecisionLog::record_reward`](crate::DecisionLog::record_reward): the
/// same reward again is a no-op (a retried call), another one a conflict.
pub(crate) fn record_reward<T: DecisionTransactions>(
    store: &mut T,
    experiment: &str,
    id: u64,
    reward: f64,
) -> Result<()> {
    check_reward(reward)?;
    let unknown = || BanditError::UnknownDecision {
        experiment: experiment.to_owned(),
        id,
    };
    let sql_id = i64::try_from(id).map_err(|_| unknown())?;
    let before = store.run_tx("record a reward", experiment, NO_NAMES, |conn| {
        T::reward(conn, experiment, sql_id, reward)
    })?;
    match before {
        None => Ok(()),
        Some(r) if r.to_bits() == reward.to_bits() => Ok(()),
        Some(r) => Err(BanditError::RewardConflict {
            experiment: experiment.to_owned(),
            id,
            reward: r,
        }),
    }
}

/// [`DecisionLog::decisions_since`](crate::DecisionLog::decisions_since).
pub(crate) fn decisions_since<T: DecisionTransactions>(
    store: &mut T,
    experiment: &str,
    after: u64,
    limit: usize,
) -> Result<Vec<LoggedDecision>> {
    // Nothing follows an `after` beyond i64::MAX, but an unknown experiment
    // is still an error.
    let Some((after, limit)) = event_window(after, limit) else {
        decision_count(store, experiment)?;
        return Ok(Vec::new());
    };
    let rows = store.run_tx("read decisions", experiment, NO_NAMES, |conn| {
        T::decisions(conn, experiment, after, limit)
    })?;
    rows.into_iter()
        .map(|row| logged_decision::<T>(row))
        .collect()
}

/// A stored decision row, checked as [`Decision::new`] checks.
fn logged_decision<T: DecisionTransactions>(row: DecisionRow<T::Name>) -> Result<LoggedDecision> {
    let stored = T::STORED;
    let (
        id,
        segment,
        variant,
        propensity,
        allocation,
        error,
        policy,
        version,
        timestamp,
        unit,
        reward,
    ) = row;
    let what = format!("decision {id}");
    let invalid = |e: BanditError| BanditError::InvalidArtifact {
        artifact: stored.0,
        reason: format!("{what}: {e}"),
    };
    let allocation =
        allocation_from_bytes(&allocation).ok_or_else(|| BanditError::InvalidArtifact {
            artifact: stored.0,
            reason: format!("{what}: allocation of {} bytes", allocation.len()),
        })?;
    let policy = Policy::new(
        policy.into_name(stored, &what)?,
        version.into_name(stored, &what)?,
    )
    .map_err(invalid)?;
    let mut decision = Decision::new(
        segment.into_name(stored, &what)?,
        variant.into_name(stored, &what)?,
        propensity,
        allocation,
        policy,
        timestamp,
    )
    .and_then(|d| d.with_allocation_error(error))
    .map_err(invalid)?;
    if let Some(unit) = unit {
        decision = decision
            .with_unit(unit.into_name(stored, &what)?)
            .map_err(invalid)?;
    }
    if let Some(r) = reward {
        check_reward(r).map_err(invalid)?;
    }
    Ok(LoggedDecision {
        id: stored.count("decisions.id", id)?,
        decision,
        reward,
    })
}

/// [`DecisionLog::decision_count`](crate::DecisionLog::decision_count).
pub(crate) fn decision_count<T: DecisionTransactions>(
    store: &mut T,
    experiment: &str,
) -> Result<u64> {
    let n = store.run_tx("count decisions", experiment, NO_NAMES, |conn| {
        T::decision_count(conn, experiment)
    })?;
    T::STORED.count("decision count", n)
}

/// [`DecisionLog::record_period`](crate::DecisionLog::record_period).
pub(crate) fn record_period<T: DecisionTransactions>(
    store: &mut T,
    experiment: &str,
    batch: &PeriodBatch,
) -> Result<()> {
    batch.check()?;
    let count = count_to_sql("count", batch.count())?;
    store.record_period_tx(experiment, batch, count)
}

/// [`DecisionLog::period_batches`](crate::DecisionLog::period_batches).
pub(crate) fn period_batches<T: DecisionTransactions>(
    store: &mut T,
    experiment: &str,
) -> Result<Vec<PeriodBatch>> {
    let stored = T::STORED;
    let rows = store.run_tx("read period batches", experiment, NO_NAMES, |conn| {
        T::periods(conn, experiment)
    })?;
    rows.into_iter()
        .map(
            |(segment, variant, period, propensity, count, sum, squares)| {
                let what = format!("period batch of period {period}");
                PeriodBatch::new(
                    segment.into_name(stored, &what)?,
                    variant.into_name(stored, &what)?,
                    period,
                    propensity,
                    stored.count(&what, count)?,
                    sum,
                    squares,
                )
                .map_err(|e| BanditError::InvalidArtifact {
                    artifact: stored.0,
                    reason: format!("{what}: {e}"),
                })
            },
        )
        .collect()
}

/// Implements [`DecisionLog`](crate::DecisionLog) for an SQL store `$store`
/// that implements [`DecisionTransactions`], with the functions of this
/// module.
macro_rules! sql_decision_log {
    ($store:ty) => {
        impl $crate::decision::DecisionLog for $store {
            fn record_decision(
                &mut self,
                experiment: &str,
                decision: &$crate::Decision,
            ) -> $crate::Result<u64> {
                $crate::store::decisions::record_decision(self, experiment, decision)
            }

            fn record_reward(
                &mut self,
                experiment: &str,
                id: u64,
                reward: f64,
            ) -> $crate::Result<()> {
                $crate::store::decisions::record_reward(self, experiment, id, reward)
            }

            fn decisions_since(
                &mut self,
                experiment: &str,
                after: u64,
                limit: usize,
            ) -> $crate::Result<Vec<$crate::LoggedDecision>> {
                $crate::store::decisions::decisions_since(self, experiment, after, limit)
            }

            fn decision_count(&mut self, experiment: &str) -> $crate::Result<u64> {
                $crate::store::decisions::decision_count(self, experiment)
            }

            fn record_period(
                &mut self,
                experiment: &str,
                batch: &$crate::PeriodBatch,
            ) -> $crate::Result<()> {
                $crate::store::decisions::record_period(self, experiment, batch)
            }

            fn period_batches(
                &mut self,
                experiment: &str,
            ) -> $crate::Result<Vec<$crate::PeriodBatch>> {
                $crate::store::decisions::period_batches(self, experiment)
            }
        }
    };
}

pub(crate) use sql_decision_log;
