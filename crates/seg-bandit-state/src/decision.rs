//! The decision log: every served decision with the probability it was
//! served with (its propensity), the allocation it was drawn from and the
//! policy that computed it; outcomes joined to decisions as rewards; and
//! outcomes aggregated per segment × variant × period with the period's
//! propensity. From these, [`crate::off_policy`] evaluates any policy and
//! [`crate::adaptive`] estimates each variant honestly under adaptive
//! allocation.
//!
//! A logged propensity must be the probability actually used. A single
//! Thompson draw has no known probability, so a decision to be logged is drawn
//! from a computed allocation ([`crate::Allocation::draw`]): the logged
//! propensity is then exact, whatever the Monte Carlo error of the
//! allocation. That error (how far the allocation is from the exact Thompson
//! probabilities) is kept in the record as
//! [`Decision::allocation_error`]; it does not bias any estimate, which only
//! needs the probability used.

use serde::Serialize;

use crate::error::{BanditError, Result};
use crate::event::check_count;
use crate::experiment::check_name;

/// How far an allocation's probabilities may sum from 1.
pub const ALLOCATION_TOLERANCE: f64 = 1e-9;

/// The policy that chose a decision: a name and a version (e.g. the sampler's
/// settings and the model version of the segments).
///
/// # Example
/// ```
/// use seg_bandit_state::Policy;
///
/// let policy = Policy::new("thompson", "floor=0.05;segments=v3")?;
/// assert_eq!(policy.name(), "thompson");
/// assert!(Policy::new("", "1").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Policy {
    name: String,
    version: String,
}

impl Policy {
    /// A policy `name` at `version` (the version may be empty, the name not).
    ///
    /// # Errors
    /// [`BanditError::InvalidParameter`] for an empty name.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::Policy;
    ///
    /// assert_eq!(Policy::new("uniform", "")?.version(), "");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Result<Self> {
        let name = name.into();
        check_name("policy", &name)?;
        Ok(Self {
            name,
            version: version.into(),
        })
    }

    /// The policy's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The policy's version.
    #[must_use]
    pub fn version(&self) -> &str {
        &self.version
    }
}

/// Checks one probability: finite, in `[0, 1]` (`(0, 1]` when `positive`).
fn check_probability(parameter: &'static str, p: f64, positive: bool) -> Result<()> {
    let ok = p.is_finite() && p <= 1.0 && if positive { p > 0.0 } else { p >= 0.0 };
    if ok {
        Ok(())
    } else {
        Err(BanditError::InvalidParameter {
            parameter,
            value: p.to_string(),
            reason: if positive {
                "must be in (0, 1]"
            } else {
                "must be in [0, 1]"
            },
        })
    }
}

/// Checks an allocation's Monte Carlo error: finite, non-negative.
fn check_allocation_error(error: f64) -> Result<()> {
    if error.is_finite() && error >= 0.0 {
        Ok(())
    } else {
        Err(BanditError::InvalidParameter {
            parameter: "allocation_error",
            value: error.to_string(),
            reason: "must be finite and non-negative",
        })
    }
}

/// Checks an allocation: at least two probabilities in `[0, 1]` summing to 1
/// within [`ALLOCATION_TOLERANCE`].
pub(crate) fn check_allocation(allocation: &[f64]) -> Result<()> {
    if allocation.len() < 2 {
        return Err(BanditError::InvalidParameter {
            parameter: "allocation",
            value: format!("{allocation:?}"),
            reason: "must have one probability per variant (at least two)",
        });
    }
    for &p in allocation {
        check_probability("allocation", p, false)?;
    }
    let sum: f64 = allocation.iter().sum();
    if (sum - 1.0).abs() > ALLOCATION_TOLERANCE {
        return Err(BanditError::InvalidParameter {
            parameter: "allocation",
            value: format!("{allocation:?}"),
            reason: "must sum to 1 (within 1e-9)",
        });
    }
    Ok(())
}

/// One served decision: which variant a unit of a segment was served, with
/// which probability, drawn from which allocation, by which policy, when.
///
/// The store checks it against the experiment: the variant must exist, the
/// allocation has one probability per variant in the experiment's order, and
/// the propensity is the allocation's probability of the served variant.
///
/// # Example
/// ```
/// use rand::SeedableRng;
/// use seg_bandit_state::{BetaState, Decision, Policy, ThompsonSampler};
///
/// let variants = ["control", "green"];
/// let states = [BetaState::new(3.0, 97.0)?, BetaState::new(5.0, 95.0)?];
/// let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
/// let allocation = ThompsonSampler::new().min_share(0.05)?.allocation(&states, 10_000, &mut rng)?;
/// let served = allocation.draw(&mut rng);
/// let policy = Policy::new("thompson", "floor=0.05")?;
/// let decision = Decision::served("mobile", &variants, &allocation, served, policy, 1_700_000_000)?
///     .with_unit("visitor-42")?;
/// assert_eq!(decision.variant(), variants[served]);
/// assert_eq!(decision.propensity(), allocation.probabilities[served]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    segment: String,
    variant: String,
    propensity: f64,
    allocation: Vec<f64>,
    allocation_error: f64,
    policy: Policy,
    timestamp: i64,
    unit: Option<String>,
}

impl Decision {
    /// `variant` served in `segment` with probability `propensity`, drawn from
    /// `allocation` (one probability per variant of the experiment, in its
    /// order), by `policy`, at the caller's `timestamp` (any unit, stored as
    /// given). The allocation's Monte Carlo error starts at 0 (an exact
    /// allocation); see [`with_allocation_error`](Self::with_allocation_error).
    ///
    /// # Errors
    /// [`BanditError::InvalidParameter`] for an empty segment or variant, a
    /// propensity outside `(0, 1]`, or an allocation that is not a
    /// distribution over at least two variants (probabilities in `[0, 1]`
    /// summing to 1 within [`ALLOCATION_TOLERANCE`]) or that does not contain
    /// the propensity.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{Decision, Policy};
    ///
    /// let policy = Policy::new("fixed", "50/50")?;
    /// let d = Decision::new("mobile", "green", 0.5, vec![0.5, 0.5], policy.clone(), 0)?;
    /// assert_eq!(d.propensity(), 0.5);
    /// assert!(Decision::new("mobile", "green", 0.0, vec![1.0, 0.0], policy.clone(), 0).is_err());
    /// assert!(Decision::new("mobile", "green", 0.5, vec![0.5, 0.6], policy, 0).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        segment: impl Into<String>,
        variant: impl Into<String>,
        propensity: f64,
        allocation: Vec<f64>,
        policy: Policy,
        timestamp: i64,
    ) -> Result<Self> {
        let decision = Self {
            segment: segment.into(),
            variant: variant.into(),
            propensity,
            allocation,
            allocation_error: 0.0,
            policy,
            timestamp,
            unit: None,
        };
        decision.check()?;
        Ok(decision)
    }

    /// The decision of serving `variants[served]` from a computed
    /// `allocation` (e.g. [`crate::ThompsonSampler::allocation`] then
    /// [`crate::Allocation::draw`]): its propensity is the allocation's
    /// probability of that variant and its allocation error the largest
    /// Monte Carlo standard error of the allocation.
    ///
    /// # Errors
    /// [`BanditError::InvalidParameter`] when `served` is not an index of
    /// `variants`, the allocation has another length, or as
    /// [`new`](Self::new).
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{Allocation, Decision, Policy};
    ///
    /// let allocation = Allocation {
    ///     probabilities: vec![0.25, 0.75],
    ///     standard_errors: vec![0.001, 0.001],
    ///     draws: 100_000,
    /// };
    /// let policy = Policy::new("thompson", "1")?;
    /// let d = Decision::served("mobile", &["a", "b"], &allocation, 1, policy, 0)?;
    /// assert_eq!((d.variant(), d.propensity(), d.allocation_error()), ("b", 0.75, 0.001));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn served<S: AsRef<str>>(
        segment: impl Into<String>,
        variants: &[S],
        allocation: &crate::Allocation,
        served: usize,
        policy: Policy,
        timestamp: i64,
    ) -> Result<Self> {
        if variants.len() != allocation.probabilities.len() {
            return Err(BanditError::InvalidParameter {
                parameter: "allocation",
                value: format!("{} probabilities", allocation.probabilities.len()),
                reason: "must have one probability per variant",
            });
        }
        let (Some(variant), Some(&propensity)) =
            (variants.get(served), allocation.probabilities.get(served))
        else {
            return Err(BanditError::InvalidParameter {
                parameter: "served",
                value: served.to_string(),
                reason: "must be the index of a variant",
            });
        };
        let error = allocation
            .standard_errors
            .iter()
            .copied()
            .fold(0.0_f64, f64::max);
        Self::new(
            segment,
            variant.as_ref(),
            propensity,
            allocation.probabilities.clone(),
            policy,
            timestamp,
        )?
        .with_allocation_error(error)
    }

    /// The same decision with the allocation's Monte Carlo standard error
    /// (how far its probabilities may be from the exact Thompson
    /// probabilities; the logged propensity itself is exact).
    ///
    /// # Errors
    /// [`BanditError::InvalidParameter`] for a negative or non-finite error.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{Decision, Policy};
    ///
    /// let d = Decision::new("s", "a", 0.5, vec![0.5, 0.5], Policy::new("p", "1")?, 0)?;
    /// assert_eq!(d.clone().with_allocation_error(0.002)?.allocation_error(), 0.002);
    /// assert!(d.with_allocation_error(-1.0).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_allocation_error(mut self, error: f64) -> Result<Self> {
        check_allocation_error(error)?;
        self.allocation_error = error;
        Ok(self)
    }

    /// The same decision for the unit (visitor, user) `unit`.
    ///
    /// # Errors
    /// [`BanditError::InvalidParameter`] for an empty unit id.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{Decision, Policy};
    ///
    /// let d = Decision::new("s", "a", 0.5, vec![0.5, 0.5], Policy::new("p", "1")?, 0)?;
    /// assert_eq!(d.clone().with_unit("u1")?.unit(), Some("u1"));
    /// assert!(d.with_unit("").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_unit(mut self, unit: impl Into<String>) -> Result<Self> {
        let unit = unit.into();
        check_name("unit", &unit)?;
        self.unit = Some(unit);
        Ok(self)
    }

    /// Every check of [`new`](Self::new) and the builders.
    pub(crate) fn check(&self) -> Result<()> {
        check_name("segment", &self.segment)?;
        check_name("variant", &self.variant)?;
        check_probability("propensity", self.propensity, true)?;
        check_allocation(&self.allocation)?;
        if !self.allocation.contains(&self.propensity) {
            return Err(BanditError::InvalidParameter {
                parameter: "propensity",
                value: self.propensity.to_string(),
                reason: "must be the allocation's probability of the served variant",
            });
        }
        check_allocation_error(self.allocation_error)?;
        if let Some(unit) = &self.unit {
            check_name("unit", unit)?;
        }
        Ok(())
    }

    /// Checks the decision against the experiment's `variants`: returns the
    /// served variant's index.
    pub(crate) fn check_against(&self, experiment: &str, variants: &[String]) -> Result<usize> {
        let Some(index) = variants.iter().position(|v| *v == self.variant) else {
            return Err(BanditError::UnknownVariant {
                experiment: experiment.to_owned(),
                variant: self.variant.clone(),
            });
        };
        if self.allocation.len() != variants.len() {
            return Err(BanditError::InvalidParameter {
                parameter: "allocation",
                value: format!("{} probabilities", self.allocation.len()),
                reason: "must have one probability per variant of the experiment",
            });
        }
        if self.allocation.get(index) != Some(&self.propensity) {
            return Err(BanditError::InvalidParameter {
                parameter: "propensity",
                value: self.propensity.to_string(),
                reason: "must be the allocation's probability of the served variant",
            });
        }
        Ok(index)
    }

    /// The segment of the unit served.
    #[must_use]
    pub fn segment(&self) -> &str {
        &self.segment
    }

    /// The variant served.
    #[must_use]
    pub fn variant(&self) -> &str {
        &self.variant
    }

    /// The probability with which the variant was served.
    #[must_use]
    pub fn propensity(&self) -> f64 {
        self.propensity
    }

    /// The allocation the variant was drawn from, in the experiment's
    /// variant order.
    #[must_use]
    pub fn allocation(&self) -> &[f64] {
        &self.allocation
    }

    /// The allocation's Monte Carlo standard error (0 for an exact one).
    #[must_use]
    pub fn allocation_error(&self) -> f64 {
        self.allocation_error
    }

    /// The policy that chose the variant.
    #[must_use]
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// When the decision was served (the caller's unit).
    #[must_use]
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// The unit served, when given.
    #[must_use]
    pub fn unit(&self) -> Option<&str> {
        self.unit.as_deref()
    }
}

/// A decision as stored: its id (increasing in recording order, possibly
/// with gaps), the decision, and its reward once one is recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoggedDecision {
    /// The decision's id in its experiment's log.
    pub id: u64,
    /// The decision.
    pub decision: Decision,
    /// Its outcome (0/1, revenue, …), `None` until recorded.
    pub reward: Option<f64>,
}

/// Outcomes of one variant in one segment over one period during which the
/// allocation was constant: how many units were served, with which
/// propensity, and the sum and sum of squares of their rewards. A service
/// that updates its allocation once a day logs one per segment × variant ×
/// day instead of each decision.
///
/// # Example
/// ```
/// use seg_bandit_state::PeriodBatch;
///
/// // Day 3: 1,000 mobile visitors served "green" with probability 0.8, 31 converted.
/// let b = PeriodBatch::new("mobile", "green", 3, 0.8, 1_000, 31.0, 31.0)?;
/// assert_eq!((b.count(), b.reward_sum()), (1_000, 31.0));
/// assert!(PeriodBatch::new("mobile", "green", 3, 1.5, 1_000, 31.0, 31.0).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodBatch {
    segment: String,
    variant: String,
    period: i64,
    propensity: f64,
    count: u64,
    reward_sum: f64,
    reward_sum_squares: f64,
}

impl PeriodBatch {
    /// `count` units of `segment` served `variant` with probability
    /// `propensity` during `period` (any integer label, e.g. a day number),
    /// their rewards summing to `reward_sum` and their squares to
    /// `reward_sum_squares` (for 0/1 rewards both are the conversions).
    ///
    /// # Errors
    /// [`BanditError::InvalidParameter`] for an empty name, a propensity
    /// outside `(0, 1]`, a count above [`crate::MAX_BATCH_COUNT`], non-finite
    /// sums, a negative sum of squares, or sums that no `count` real rewards
    /// can have (`reward_sum² > count · reward_sum_squares`, beyond rounding).
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::PeriodBatch;
    ///
    /// // Revenue of 3 orders: 10, 20 and 30.
    /// assert!(PeriodBatch::new("s", "a", 0, 0.5, 3, 60.0, 1_400.0).is_ok());
    /// // Three rewards summing to 60 have squares summing to at least 1,200.
    /// assert!(PeriodBatch::new("s", "a", 0, 0.5, 3, 60.0, 1_000.0).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        segment: impl Into<String>,
        variant: impl Into<String>,
        period: i64,
        propensity: f64,
        count: u64,
        reward_sum: f64,
        reward_sum_squares: f64,
    ) -> Result<Self> {
        let batch = Self {
            segment: segment.into(),
            variant: variant.into(),
            period,
            propensity,
            count,
            reward_sum,
            reward_sum_squares,
        };
        batch.check()?;
        Ok(batch)
    }

    /// Every check of [`new`](Self::new).
    pub(crate) fn check(&self) -> Result<()> {
        check_name("segment", &self.segment)?;
        check_name("variant", &self.variant)?;
        check_probability("propensity", self.propensity, true)?;
        check_count("count", self.count)?;
        if !self.reward_sum.is_finite() {
            return Err(BanditError::InvalidParameter {
                parameter: "reward_sum",
                value: self.reward_sum.to_string(),
                reason: "must be finite",
            });
        }
        let ss = self.reward_sum_squares;
        // Cauchy–Schwarz: (Σr)² ≤ n·Σr², with room for rounding.
        #[allow(clippy::cast_precision_loss)]
        let n = self.count as f64;
        let bound = n * ss * (1.0 + 1e-12) + f64::MIN_POSITIVE;
        if !(ss.is_finite() && ss >= 0.0) || self.reward_sum * self.reward_sum > bound {
            return Err(BanditError::InvalidParameter {
                parameter: "reward_sum_squares",
                value: ss.to_string(),
                reason: "must be finite, non-negative and at least reward_sum²/count",
            });
        }
        Ok(())
    }

    /// The segment.
    #[must_use]
    pub fn segment(&self) -> &str {
        &self.segment
    }

    /// The variant.
    #[must_use]
    pub fn variant(&self) -> &str {
        &self.variant
    }

    /// The period's label.
    #[must_use]
    pub fn period(&self) -> i64 {
        self.period
    }

    /// The probability with which the variant was served in the period.
    #[must_use]
    pub fn propensity(&self) -> f64 {
        self.propensity
    }

    /// The number of units served.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The sum of their rewards.
    #[must_use]
    pub fn reward_sum(&self) -> f64 {
        self.reward_sum
    }

    /// The sum of their squared rewards.
    #[must_use]
    pub fn reward_sum_squares(&self) -> f64 {
        self.reward_sum_squares
    }
}

/// Where served decisions, their rewards and per-period batches are logged:
/// implemented by [`crate::MemoryStore`] and, behind their features, the
/// SQLite and PostgreSQL stores, next to their [`crate::StateStore`] (the
/// decision log of an experiment lives in the same database as its state).
///
/// Logging a decision does not change the Beta states: a service records
/// outcomes into the state with [`crate::StateStore::record`] as before, and
/// the log keeps what the estimators need.
///
/// # Contract
/// - Decision ids are strictly increasing in commit order within an
///   experiment (they may have gaps);
/// - a reward is recorded at most once per decision (recording the same
///   value again is a no-op);
/// - every name is stored verbatim, every probability and reward bit for bit.
pub trait DecisionLog {
    /// Logs `decision` in `experiment`; returns its id.
    ///
    /// # Errors
    /// [`BanditError::UnknownExperiment`], [`BanditError::UnknownVariant`];
    /// [`BanditError::InvalidParameter`] when the allocation does not have
    /// one probability per variant or the propensity is not the served
    /// variant's; a store error.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{Decision, DecisionLog, Experiment, MemoryStore, Policy, Prior, StateStore};
    ///
    /// let mut store = MemoryStore::new();
    /// store.create_experiment(&Experiment::new("checkout", ["control", "green"], Prior::uniform())?)?;
    /// let policy = Policy::new("thompson", "1")?;
    /// let decision = Decision::new("mobile", "green", 0.8, vec![0.2, 0.8], policy, 1_700_000_000)?;
    /// let id = store.record_decision("checkout", &decision)?;
    /// store.record_reward("checkout", id, 1.0)?;
    /// let logged = store.decisions_since("checkout", 0, 10)?;
    /// assert_eq!((logged[0].id, logged[0].reward), (id, Some(1.0)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn record_decision(&mut self, experiment: &str, decision: &Decision) -> Result<u64>;

    /// Joins `reward` (0/1, revenue: any finite number) to decision `id`.
    ///
    /// # Errors
    /// [`BanditError::UnknownExperiment`]; [`BanditError::UnknownDecision`];
    /// [`BanditError::RewardConflict`] when the decision already has
    /// another reward (the same reward again is a no-op, so that a retried
    /// call is harmless); [`BanditError::InvalidParameter`] for a non-finite reward; a
    /// store error.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{BanditError, Decision, DecisionLog, Experiment, MemoryStore, Policy, Prior, StateStore};
    ///
    /// let mut store = MemoryStore::new();
    /// store.create_experiment(&Experiment::new("checkout", ["a", "b"], Prior::uniform())?)?;
    /// let d = Decision::new("s", "a", 0.5, vec![0.5, 0.5], Policy::new("p", "1")?, 0)?;
    /// let id = store.record_decision("checkout", &d)?;
    /// store.record_reward("checkout", id, 12.5)?;
    /// store.record_reward("checkout", id, 12.5)?; // a retry: no change
    /// assert!(matches!(store.record_reward("checkout", id, 1.0), Err(BanditError::RewardConflict { .. })));
    /// assert!(matches!(store.record_reward("checkout", id + 1, 1.0), Err(BanditError::UnknownDecision { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn record_reward(&mut self, experiment: &str, id: u64, reward: f64) -> Result<()>;

    /// At most `limit` decisions of `experiment` with `id > after`, in
    /// increasing id order (page on with the last id returned).
    ///
    /// # Errors
    /// [`BanditError::UnknownExperiment`]; a store error.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{Decision, DecisionLog, Experiment, MemoryStore, Policy, Prior, StateStore};
    ///
    /// let mut store = MemoryStore::new();
    /// store.create_experiment(&Experiment::new("e", ["a", "b"], Prior::uniform())?)?;
    /// let policy = Policy::new("p", "1")?;
    /// for t in 0..5 {
    ///     store.record_decision("e", &Decision::new("s", "a", 0.5, vec![0.5, 0.5], policy.clone(), t)?)?;
    /// }
    /// let (mut after, mut seen) = (0, Vec::new());
    /// loop {
    ///     let page = store.decisions_since("e", after, 2)?;
    ///     let Some(last) = page.last() else { break };
    ///     after = last.id;
    ///     seen.extend(page.iter().map(|d| d.decision.timestamp()));
    /// }
    /// assert_eq!(seen, [0, 1, 2, 3, 4]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn decisions_since(
        &mut self,
        experiment: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<LoggedDecision>>;

    /// The number of decisions logged in `experiment`.
    ///
    /// # Errors
    /// [`BanditError::UnknownExperiment`]; a store error.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{DecisionLog, Experiment, MemoryStore, Prior, StateStore};
    ///
    /// let mut store = MemoryStore::new();
    /// store.create_experiment(&Experiment::new("e", ["a", "b"], Prior::uniform())?)?;
    /// assert_eq!(store.decision_count("e")?, 0);
    /// assert!(store.decision_count("f").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn decision_count(&mut self, experiment: &str) -> Result<u64>;

    /// Logs a period batch in `experiment`.
    ///
    /// # Errors
    /// [`BanditError::UnknownExperiment`], [`BanditError::UnknownVariant`];
    /// a store error.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{DecisionLog, Experiment, MemoryStore, PeriodBatch, Prior, StateStore};
    ///
    /// let mut store = MemoryStore::new();
    /// store.create_experiment(&Experiment::new("e", ["a", "b"], Prior::uniform())?)?;
    /// store.record_period("e", &PeriodBatch::new("mobile", "b", 1, 0.7, 700, 21.0, 21.0)?)?;
    /// assert_eq!(store.period_batches("e")?[0].count(), 700);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn record_period(&mut self, experiment: &str, batch: &PeriodBatch) -> Result<()>;

    /// Every period batch of `experiment`, in recording order.
    ///
    /// # Errors
    /// [`BanditError::UnknownExperiment`]; a store error.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{DecisionLog, Experiment, MemoryStore, Prior, StateStore};
    ///
    /// let mut store = MemoryStore::new();
    /// store.create_experiment(&Experiment::new("e", ["a", "b"], Prior::uniform())?)?;
    /// assert!(store.period_batches("e")?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn period_batches(&mut self, experiment: &str) -> Result<Vec<PeriodBatch>>;
}

/// Checks a reward: finite.
pub(crate) fn check_reward(reward: f64) -> Result<()> {
    if reward.is_finite() {
        Ok(())
    } else {
        Err(BanditError::InvalidParameter {
            parameter: "reward",
            value: reward.to_string(),
            reason: "must be finite",
        })
    }
}

/// The allocation as stored: little-endian `f64`s (exact round trip).
#[cfg(any(feature = "sqlite", feature = "postgres", test))]
pub(crate) fn allocation_bytes(allocation: &[f64]) -> Vec<u8> {
    allocation.iter().flat_map(|p| p.to_le_bytes()).collect()
}

/// The allocation from its stored bytes; `None` when they are not a whole
/// number of `f64`s.
#[cfg(any(feature = "sqlite", feature = "postgres", test))]
pub(crate) fn allocation_from_bytes(bytes: &[u8]) -> Option<Vec<f64>> {
    if !bytes.len().is_multiple_of(8) {
        return None;
    }
    Some(
        bytes
            .chunks_exact(8)
            .map(|c| {
                let mut b = [0_u8; 8];
                b.copy_from_slice(c);
                f64::from_le_bytes(b)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocations_round_trip_bit_for_bit() {
        let a = [0.1, 0.2 + 1e-17, 0.7 - 1e-17, 5e-324];
        let back = allocation_from_bytes(&allocation_bytes(&a)).unwrap();
        assert_eq!(
            back.iter().map(|p| p.to_bits()).collect::<Vec<_>>(),
            a.iter().map(|p| p.to_bits()).collect::<Vec<_>>()
        );
        assert!(allocation_from_bytes(&[0; 7]).is_none());
    }

    #[test]
    fn a_propensity_not_in_its_allocation_is_refused() {
        let p = Policy::new("p", "1").unwrap();
        assert!(Decision::new("s", "a", 0.3, vec![0.5, 0.5], p.clone(), 0).is_err());
        let d = Decision::new("s", "a", 0.5, vec![0.5, 0.5], p, 0).unwrap();
        let variants = ["a".to_owned(), "b".to_owned(), "c".to_owned()];
        assert!(d.check_against("e", &variants).is_err());
        assert_eq!(d.check_against("e", &variants[..2]).unwrap(), 0);
    }

    #[test]
    fn impossible_sums_of_squares_are_refused() {
        assert!(PeriodBatch::new("s", "a", 0, 0.5, 10, 3.0, 3.0).is_ok());
        assert!(PeriodBatch::new("s", "a", 0, 0.5, 0, 0.0, 0.0).is_ok());
        assert!(PeriodBatch::new("s", "a", 0, 0.5, 0, 1.0, 0.0).is_err());
        assert!(PeriodBatch::new("s", "a", 0, 0.5, 4, 4.0, 3.9).is_err());
        assert!(PeriodBatch::new("s", "a", 0, 0.5, 4, f64::NAN, 3.9).is_err());
    }
}
