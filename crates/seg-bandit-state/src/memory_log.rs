//! The decision log of [`crate::MemoryStore`]: decisions kept compact (names,
//! allocations and policies interned, so that logging a decision allocates
//! nothing but its optional unit id), rewards beside them, period batches as
//! given.

use std::collections::HashMap;

use crate::decision::{Decision, LoggedDecision, PeriodBatch, Policy, check_reward};
use crate::error::{BanditError, Result};

/// A decision with its names, allocation and policy as indices.
#[derive(Debug, Clone, PartialEq)]
struct CompactDecision {
    segment: u32,
    variant: u32,
    allocation: u32,
    policy: u32,
    propensity: f64,
    allocation_error: f64,
    timestamp: i64,
    unit: Option<Box<str>>,
    reward: Option<f64>,
}

/// One experiment's decision log. Decision `id` is its position + 1.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct MemoryLog {
    decisions: Vec<CompactDecision>,
    segments: Vec<String>,
    segment_index: HashMap<String, u32>,
    /// Per interned segment, the index of the last allocation it used.
    last_allocation: Vec<Option<u32>>,
    allocations: Vec<Box<[f64]>>,
    policies: Vec<Policy>,
    policy_index: HashMap<Policy, u32>,
    periods: Vec<PeriodBatch>,
}

/// An index as `u32`, or an error when the log outgrows it.
fn index_u32(len: usize, what: &'static str) -> Result<u32> {
    u32::try_from(len).map_err(|_| BanditError::InvalidParameter {
        parameter: what,
        value: len.to_string(),
        reason: "more distinct values than an in-memory log holds (2^32)",
    })
}

impl MemoryLog {
    /// Logs `decision` (already checked against the experiment: `variant` is
    /// the served variant's index); returns its id.
    pub(crate) fn record(&mut self, decision: &Decision, variant: usize) -> Result<u64> {
        let segment = match self.segment_index.get(decision.segment()) {
            Some(&i) => i,
            None => {
                let i = index_u32(self.segments.len(), "segments")?;
                self.segments.push(decision.segment().to_owned());
                self.segment_index.insert(decision.segment().to_owned(), i);
                self.last_allocation.push(None);
                i
            }
        };
        let allocation = self.intern_allocation(segment, decision.allocation())?;
        let last_policy = self.decisions.last().map(|d| d.policy);
        let policy = match last_policy {
            Some(i) if self.policies.get(i as usize) == Some(decision.policy()) => i,
            _ => match self.policy_index.get(decision.policy()) {
                Some(&i) => i,
                None => {
                    let i = index_u32(self.policies.len(), "policies")?;
                    self.policies.push(decision.policy().clone());
                    self.policy_index.insert(decision.policy().clone(), i);
                    i
                }
            },
        };
        self.decisions.push(CompactDecision {
            segment,
            variant: index_u32(variant, "variants")?,
            allocation,
            policy,
            propensity: decision.propensity(),
            allocation_error: decision.allocation_error(),
            timestamp: decision.timestamp(),
            unit: decision.unit().map(Box::from),
            reward: None,
        });
        Ok(self.decisions.len() as u64)
    }

    /// The allocation's index: the segment's last one when equal (decisions
    /// of one segment share an allocation until it is recomputed), else a new
    /// one.
    fn intern_allocation(&mut self, segment: u32, allocation: &[f64]) -> Result<u32> {
        let slot = self.last_allocation.get_mut(segment as usize);
        if let Some(Some(last)) = slot.as_deref()
            && self.allocations.get(*last as usize).is_some_and(|a| {
                a.iter()
                    .map(|p| p.to_bits())
                    .eq(allocation.iter().map(|p| p.to_bits()))
            })
        {
            return Ok(*last);
        }
        let i = index_u32(self.allocations.len(), "allocations")?;
        self.allocations.push(allocation.into());
        if let Some(slot) = self.last_allocation.get_mut(segment as usize) {
            *slot = Some(i);
        }
        Ok(i)
    }

    /// Joins `reward` to decision `id`.
    pub(crate) fn reward(&mut self, experiment: &str, id: u64, reward: f64) -> Result<()> {
        check_reward(reward)?;
        let found = usize::try_from(id)
            .ok()
            .and_then(|id| id.checked_sub(1))
            .and_then(|i| self.decisions.get_mut(i));
        let Some(decision) = found else {
            return Err(BanditError::UnknownDecision {
                experiment: experiment.to_owned(),
                id,
            });
        };
        if let Some(before) = decision.reward
            && before.to_bits() != reward.to_bits()
        {
            return Err(BanditError::RewardConflict {
                experiment: experiment.to_owned(),
                id,
                reward: before,
            });
        }
        decision.reward = Some(reward);
        Ok(())
    }

    /// At most `limit` decisions after id `after`, with the experiment's
    /// `variants` for their names.
    pub(crate) fn since(
        &self,
        variants: &[String],
        after: u64,
        limit: usize,
    ) -> Vec<LoggedDecision> {
        let start = usize::try_from(after).unwrap_or(usize::MAX);
        self.decisions
            .iter()
            .enumerate()
            .skip(start)
            .take(limit)
            .filter_map(|(i, d)| {
                // Indices come from `record`, which interns before pushing.
                let decision = Decision::new(
                    self.segments.get(d.segment as usize)?.clone(),
                    variants.get(d.variant as usize)?.clone(),
                    d.propensity,
                    self.allocations.get(d.allocation as usize)?.to_vec(),
                    self.policies.get(d.policy as usize)?.clone(),
                    d.timestamp,
                )
                .and_then(|x| x.with_allocation_error(d.allocation_error))
                .and_then(|x| match &d.unit {
                    Some(unit) => x.with_unit(unit.as_ref()),
                    None => Ok(x),
                })
                .ok()?;
                Some(LoggedDecision {
                    id: i as u64 + 1,
                    decision,
                    reward: d.reward,
                })
            })
            .collect()
    }

    /// The number of decisions.
    pub(crate) fn count(&self) -> u64 {
        self.decisions.len() as u64
    }

    /// Logs a period batch.
    pub(crate) fn record_period(&mut self, batch: &PeriodBatch) {
        self.periods.push(batch.clone());
    }

    /// The period batches in recording order.
    pub(crate) fn periods(&self) -> &[PeriodBatch] {
        &self.periods
    }
}
