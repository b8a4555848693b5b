//! The streaming evaluator: sufficient statistics per segment × variant.

use serde::Serialize;

use super::policy::TargetPolicy;
use crate::error::{BanditError, Result};

/// A sum of floating-point numbers with Neumaier's compensation.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct CompensatedSum {
    sum: f64,
    compensation: f64,
}

impl CompensatedSum {
    fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.compensation += (self.sum - t) + x;
        } else {
            self.compensation += (x - t) + self.sum;
        }
        self.sum = t;
    }

    fn value(&self) -> f64 {
        self.sum + self.compensation
    }
}

/// The sufficient statistics of the logged rows of one segment × variant,
/// with `u = 1 / propensity` (the importance weight is `w = π(a | s) · u`,
/// with π constant in the cell, applied at the end).
///
/// Means and sums of squared deviations are updated as in Welford's
/// algorithm (weighted, West 1979; groups merged by Chan et al.'s
/// formula), so no variance is ever a difference of two large sums.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Cell {
    /// Rows.
    n: u64,
    /// Mean reward: q(s, a).
    mean_r: f64,
    /// Σ u.
    sum_u: CompensatedSum,
    /// Σ u r / Σ u.
    mean_r_u: f64,
    /// Σ u².
    sum_u2: CompensatedSum,
    /// Σ u² r / Σ u².
    mean_r_u2: f64,
    /// Σ u² (r − mean_r_u2)².
    m2_r_u2: f64,
    /// Mean of x = u r.
    mean_x: f64,
    /// Σ (x − mean_x)².
    m2_x: f64,
}

impl CompensatedSum {
    fn merge(&mut self, other: &CompensatedSum) {
        self.add(other.sum);
        self.compensation += other.compensation;
    }
}

impl Cell {
    /// Adds the rows of `other` (Chan, Golub and LeVeque's pairwise
    /// update of means and sums of squared deviations, for each weighting).
    fn merge(&mut self, other: &Cell) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *other;
            return;
        }
        let (na, nb) = (self.n as f64, other.n as f64);
        self.n += other.n;
        let n = self.n as f64;
        self.mean_r += (other.mean_r - self.mean_r) * (nb / n);
        let delta_x = other.mean_x - self.mean_x;
        self.mean_x += delta_x * (nb / n);
        self.m2_x += other.m2_x + delta_x * delta_x * na * (nb / n);

        let wb = other.sum_u.value();
        self.sum_u.merge(&other.sum_u);
        self.mean_r_u += (other.mean_r_u - self.mean_r_u) * (wb / self.sum_u.value());

        let (wa2, wb2) = (self.sum_u2.value(), other.sum_u2.value());
        self.sum_u2.merge(&other.sum_u2);
        let share2 = wb2 / self.sum_u2.value();
        let delta2 = other.mean_r_u2 - self.mean_r_u2;
        self.mean_r_u2 += delta2 * share2;
        self.m2_r_u2 += other.m2_r_u2 + delta2 * delta2 * wa2 * share2;
    }

    /// Adds `k` rows with the same `u`, mean reward `mean` and sum of
    /// squared deviations `m2` around it.
    fn add(&mut self, k: u64, u: f64, mean: f64, m2: f64) {
        let kf = k as f64;
        let n_before = self.n as f64;
        self.n += k;
        let n_after = self.n as f64;
        let share = kf / n_after;

        // Unweighted reward mean.
        self.mean_r += (mean - self.mean_r) * share;

        // x = u r, unweighted.
        let delta_x = u * mean - self.mean_x;
        self.mean_x += delta_x * share;
        self.m2_x += u * u * m2 + delta_x * delta_x * n_before * share;

        // Weights u.
        let weight = kf * u;
        self.sum_u.add(weight);
        self.mean_r_u += (mean - self.mean_r_u) * (weight / self.sum_u.value());

        // Weights u².
        let weight2 = weight * u;
        let before2 = self.sum_u2.value();
        self.sum_u2.add(weight2);
        let delta2 = mean - self.mean_r_u2;
        let share2 = weight2 / self.sum_u2.value();
        self.mean_r_u2 += delta2 * share2;
        self.m2_r_u2 += u * u * m2 + delta2 * delta2 * before2 * share2;
    }
}

/// One estimate with its normal-approximation interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OffPolicyEstimate {
    /// The point estimate of the target policy's mean reward per decision.
    pub value: f64,
    /// Lower end of the interval, `value − z(1 − α/2) · std_error`.
    pub ci_low: f64,
    /// Upper end of the interval, `value + z(1 − α/2) · std_error`.
    pub ci_high: f64,
    /// `s / √n` with `s` the sample standard deviation (n − 1) of the
    /// estimator's per-row terms.
    pub std_error: f64,
}

impl OffPolicyEstimate {
    fn new(value: f64, sum_squares: f64, n: f64, z: f64) -> Self {
        let std_error = (sum_squares.max(0.0) / (n - 1.0) / n).sqrt();
        OffPolicyEstimate {
            value,
            ci_low: value - z * std_error,
            ci_high: value + z * std_error,
            std_error,
        }
    }
}

/// The four estimates of an [`OffPolicyReport`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OffPolicyEstimators {
    /// Inverse propensity weighting: `mean(w r)`.
    pub ipw: OffPolicyEstimate,
    /// Self-normalised inverse propensity weighting: `Σ w r / Σ w`.
    pub snipw: OffPolicyEstimate,
    /// The direct method: `mean_i Σ_a π(a | s_i) q(s_i, a)`.
    pub dm: OffPolicyEstimate,
    /// Doubly robust: `dm + mean_i w_i (r_i − q(s_i, a_i))`.
    pub dr: OffPolicyEstimate,
}

/// The result of an off-policy evaluation (the JSON of `seg evaluate`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OffPolicyReport {
    /// Logged rows.
    pub n: u64,
    /// The mean logged reward: the value of the logging policy.
    pub logged_value: f64,
    /// `(Σ w)² / Σ w²`: how many rows the weighted estimates are worth.
    pub effective_sample_size: f64,
    /// The level of the intervals (each is a 1 − α interval).
    pub alpha: f64,
    /// The estimates of the target policy's value.
    pub estimators: OffPolicyEstimators,
}

/// A streaming off-policy evaluator: push the logged decisions one by one
/// (or in batches), then [`finish`](Self::finish).
///
/// Given a log of decisions (segment `s_i`, variant served `a_i`, the
/// propensity `p_i` with which it was chosen, reward `r_i`), it estimates
/// the mean reward per decision that a [`TargetPolicy`] π would have
/// earned on the same traffic, with the estimators of the Open Bandit
/// Pipeline[^obp] and `q(s, a)` the mean reward of the log's rows of
/// segment `s` and variant `a`:
///
/// - **IPW** (inverse propensity weighting) reweights each logged reward by
///   `w_i = π(a_i | s_i) / p_i`. Unbiased when the logged propensities are
///   the probabilities actually used and every variant the target serves
///   in a segment was served there with a positive probability (the
///   target's support is covered by the log). Its variance grows as the
///   propensities of the variants the target favours shrink; the
///   effective sample size `(Σ w)² / Σ w²` says how many rows it is worth.
/// - **SNIPW** (self-normalised IPW) divides by `Σ w` instead of `n`:
///   biased in small samples (consistent), with a lower variance, and
///   invariant to adding a constant to every reward.
/// - **DM** (direct method) averages the model `q` under the target
///   policy; it ignores the propensities and is biased when `q` is (here
///   `q` is a per-cell mean, so it is biased only when the reward depends
///   on more than the segment and the variant in ways the logging policy
///   correlates with).
/// - **DR** (doubly robust) adds the IPW estimate of DM's error: unbiased
///   when either the propensities or `q` are right, with a variance
///   usually between those of DM and IPW.
///
/// # Formula
///
/// ```text
/// w_i   = π(a_i | s_i) / p_i
/// ipw   = (1/n) Σ w_i r_i
/// snipw = Σ w_i r_i / Σ w_i
/// dm    = (1/n) Σ_i Σ_a π(a | s_i) q(s_i, a)
/// dr    = (1/n) Σ_i [ Σ_a π(a | s_i) q(s_i, a) + w_i (r_i − q(s_i, a_i)) ]
/// interval: value ± z(1 − α/2) · sd(t) / √n
/// ```
///
/// with `sd(t)` the sample standard deviation (n − 1) of the estimator's
/// per-row terms `t_i`: `w_i r_i` for IPW, `w_i (r_i − snipw) / mean(w)`
/// for SNIPW, the bracket above for DM (its first part) and DR.
///
/// # How the variances are computed in one pass
///
/// Memory is proportional to segments × variants, never to the log. With
/// `u = 1 / p` and π constant within a segment × variant, every sum over
/// the rows of a cell is a sum of `u`, `r` and their products, so each cell
/// keeps: the row count and mean reward (`q`), `Σ u` and the `u`-weighted
/// mean reward, `Σ u²` with the `u²`-weighted mean reward and sum of
/// squared deviations around it, and the mean and sum of squared
/// deviations of `x = u r`. They are updated as in Welford's algorithm
/// (weighted by West's; a batch merged by the formula of Chan, Golub and
/// LeVeque), and the weight totals with Neumaier's compensated sum. At the
/// end each estimator's sum of squared deviations is the expansion of
/// `Σ (t_i − t̄)²` over the cells, every term of which is a sum of
/// squares: for IPW `π² Σ(x − x̄)² + n_c (π x̄ − ipw)²`; for SNIPW
/// `π² [Σ u²(r − m)² + Σ u² (m − snipw)²] / mean(w)²` with `m` the
/// `u²`-weighted mean; for DM `n_s (dm_s − dm)²` per segment; for DR
/// `n_c d² + 2 d π Σ u (r − q) + π² Σ u² (r − q)²` with `d = dm_s − dr`.
/// No variance is a difference of two large raw sums, so rewards far from
/// 0 (revenue) keep their digits.
///
/// Logged variants that the target policy never names (probability 0)
/// share one extra cell per segment.
///
/// # Example
///
/// ```
/// use seg_bandit_state::{OffPolicyEvaluator, TargetPolicy};
///
/// let policy = TargetPolicy::everyone("green", ["mobile"])?;
/// let mut evaluator = OffPolicyEvaluator::new(&policy);
/// // Served 50/50; green converted twice as often.
/// for (variant, reward) in [("control", 1.0), ("control", 0.0), ("green", 1.0), ("green", 1.0)] {
///     evaluator.push("mobile", variant, 0.5, reward)?;
/// }
/// let report = evaluator.finish(0.05)?;
/// assert_eq!(report.n, 4);
/// assert_eq!(report.logged_value, 0.75);
/// assert_eq!(report.estimators.snipw.value, 1.0);
/// assert_eq!(report.estimators.ipw.value, 1.0); // (2 · 1 + 2 · 1) / 4
/// assert_eq!(report.estimators.dm.value, 1.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # References
///
/// [^obp]: Saito, Aihara, Matsutani, Narita (2021), *Open Bandit Dataset and
///     Pipeline: Towards Realistic and Reproducible Off-Policy Evaluation*,
///     NeurIPS Datasets and Benchmarks. <https://arxiv.org/abs/2008.07146>
#[derive(Debug, Clone)]
pub struct OffPolicyEvaluator {
    policy: TargetPolicy,
    /// `segments × (variants + 1)` cells; the last of each segment holds the
    /// rows of variants the policy does not name.
    cells: Vec<Cell>,
    rows: u64,
}

impl OffPolicyEvaluator {
    /// An evaluator of `policy` with an empty log.
    pub fn new(policy: &TargetPolicy) -> Self {
        let width = policy.variants().len() + 1;
        OffPolicyEvaluator {
            policy: policy.clone(),
            cells: vec![Cell::default(); policy.segments().len() * width],
            rows: 0,
        }
    }

    /// The target policy.
    pub fn policy(&self) -> &TargetPolicy {
        &self.policy
    }

    /// The number of rows pushed so far.
    pub fn n(&self) -> u64 {
        self.rows
    }

    /// Adds the rows of `other`, an evaluator of the same policy that read
    /// another part of the log (another file, thread or partition): the
    /// result equals one evaluator that read both parts, up to rounding.
    ///
    /// # Errors
    ///
    /// [`BanditError::InvalidParameter`] (`other`) when `other` evaluates
    /// another target policy; nothing is added then.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_bandit_state::{OffPolicyEvaluator, TargetPolicy};
    ///
    /// let policy = TargetPolicy::uniform(["s"], ["a", "b"])?;
    /// let rows = [("a", 0.5, 1.0), ("b", 0.5, 0.0), ("a", 0.25, 3.0), ("b", 0.75, 2.0)];
    /// let (mut first, mut second, mut all) = (
    ///     OffPolicyEvaluator::new(&policy),
    ///     OffPolicyEvaluator::new(&policy),
    ///     OffPolicyEvaluator::new(&policy),
    /// );
    /// for (i, &(variant, p, r)) in rows.iter().enumerate() {
    ///     all.push("s", variant, p, r)?;
    ///     if i < 2 { first.push("s", variant, p, r)? } else { second.push("s", variant, p, r)? }
    /// }
    /// first.merge(&second)?;
    /// let (merged, whole) = (first.finish(0.05)?, all.finish(0.05)?);
    /// assert_eq!(merged.n, 4);
    /// assert!((merged.estimators.dr.value - whole.estimators.dr.value).abs() < 1e-12);
    /// assert!((merged.estimators.ipw.ci_high - whole.estimators.ipw.ci_high).abs() < 1e-12);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn merge(&mut self, other: &OffPolicyEvaluator) -> Result<()> {
        if self.policy != other.policy {
            return Err(BanditError::InvalidParameter {
                parameter: "other",
                value: "an evaluator of another target policy".to_owned(),
                reason: "only evaluators of the same target policy can be merged",
            });
        }
        for (cell, o) in self.cells.iter_mut().zip(&other.cells) {
            cell.merge(o);
        }
        self.rows += other.rows;
        Ok(())
    }

    fn check_propensity(&self, propensity: f64) -> Result<f64> {
        if propensity > 0.0 && propensity <= 1.0 {
            Ok(1.0 / propensity)
        } else {
            Err(BanditError::InvalidPropensity {
                row: self.rows,
                propensity,
            })
        }
    }

    fn check_reward(&self, reward: f64) -> Result<()> {
        if reward.is_finite() {
            Ok(())
        } else {
            Err(BanditError::NonFiniteReward {
                row: self.rows,
                reward,
            })
        }
    }

    fn cell_index(&self, segment: &str, variant: &str) -> Result<usize> {
        let s =
            self.policy
                .segment_index(segment)
                .ok_or_else(|| BanditError::SegmentNotInPolicy {
                    segment: segment.to_owned(),
                })?;
        let width = self.policy.variants().len();
        let v = self.policy.variant_index(variant).unwrap_or(width);
        Ok(s * (width + 1) + v)
    }

    /// Adds one logged decision: the segment, the variant served, the
    /// probability with which it was chosen, and the reward observed.
    ///
    /// A variant the target policy does not name is allowed (its weight is
    /// 0). Nothing is added when an error is returned.
    ///
    /// # Errors
    ///
    /// [`BanditError::InvalidPropensity`] for a propensity outside (0, 1]
    /// or NaN, [`BanditError::NonFiniteReward`] for a reward that is not
    /// finite (both naming the row's 0-based index), and
    /// [`BanditError::SegmentNotInPolicy`] for a segment the target policy
    /// does not know.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_bandit_state::{BanditError, OffPolicyEvaluator, TargetPolicy};
    ///
    /// let mut evaluator = OffPolicyEvaluator::new(&TargetPolicy::everyone("a", ["s"])?);
    /// evaluator.push("s", "a", 0.5, 1.0)?;
    /// let err = evaluator.push("s", "a", 0.0, 1.0).unwrap_err();
    /// assert!(matches!(err, BanditError::InvalidPropensity { row: 1, .. }));
    /// assert_eq!(evaluator.n(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push(
        &mut self,
        segment: &str,
        variant: &str,
        propensity: f64,
        reward: f64,
    ) -> Result<()> {
        let u = self.check_propensity(propensity)?;
        self.check_reward(reward)?;
        let c = self.cell_index(segment, variant)?;
        self.cells[c].add(1, u, reward, 0.0);
        self.rows += 1;
        Ok(())
    }

    /// [`push`](Self::push) by the indices of the policy's
    /// [`segment_index`](TargetPolicy::segment_index) and
    /// [`variant_index`](TargetPolicy::variant_index): no hashing. A
    /// logged variant that the policy does not name has no index: push it
    /// by name.
    ///
    /// # Errors
    ///
    /// As [`push`](Self::push), and [`BanditError::InvalidParameter`]
    /// (`segment`, `variant`) for an index out of range.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_bandit_state::{OffPolicyEvaluator, TargetPolicy};
    ///
    /// let policy = TargetPolicy::uniform(["s"], ["a", "b"])?;
    /// let (s, a) = (policy.segment_index("s").unwrap(), policy.variant_index("a").unwrap());
    /// let mut by_index = OffPolicyEvaluator::new(&policy);
    /// let mut by_name = OffPolicyEvaluator::new(&policy);
    /// by_index.push_indexed(s, a, 0.25, 3.0)?;
    /// by_name.push("s", "a", 0.25, 3.0)?;
    /// by_index.push_indexed(s, a + 1, 0.75, 1.0)?;
    /// by_name.push("s", "b", 0.75, 1.0)?;
    /// assert_eq!(by_index.finish(0.05)?, by_name.finish(0.05)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push_indexed(
        &mut self,
        segment: usize,
        variant: usize,
        propensity: f64,
        reward: f64,
    ) -> Result<()> {
        let width = self.policy.variants().len();
        if segment >= self.policy.segments().len() {
            return Err(index_error(
                "segment",
                segment,
                "must be a segment index of the policy",
            ));
        }
        if variant >= width {
            return Err(index_error(
                "variant",
                variant,
                "must be a variant index of the policy",
            ));
        }
        let u = self.check_propensity(propensity)?;
        self.check_reward(reward)?;
        self.cells[segment * (width + 1) + variant].add(1, u, reward, 0.0);
        self.rows += 1;
        Ok(())
    }

    /// Adds `count` logged decisions of one segment and variant, all
    /// served with the same propensity, by the sum and the sum of squares
    /// of their rewards (a service that logs aggregated batches per
    /// period). Equivalent to pushing the rows one by one, up to rounding;
    /// the rows' spread is `Σr² − (Σr)²/count`, so sums of rewards far
    /// from 0 relative to their spread lose digits in the variances. A
    /// `count` of 0 with zero sums adds nothing.
    ///
    /// # Errors
    ///
    /// As [`push`](Self::push) (the row named is the batch's first), and
    /// [`BanditError::InvalidParameter`] for a `count` of 0 with non-zero
    /// sums or a `reward_sum_squares` below `reward_sum² / count` (beyond
    /// rounding).
    ///
    /// # Example
    ///
    /// ```
    /// use seg_bandit_state::{OffPolicyEvaluator, TargetPolicy};
    ///
    /// let policy = TargetPolicy::everyone("a", ["s"])?;
    /// let mut batched = OffPolicyEvaluator::new(&policy);
    /// batched.push_batch("s", "a", 0.5, 3, 6.0, 14.0)?; // rewards 1, 2, 3
    /// let mut single = OffPolicyEvaluator::new(&policy);
    /// for r in [1.0, 2.0, 3.0] {
    ///     single.push("s", "a", 0.5, r)?;
    /// }
    /// let (b, s) = (batched.finish(0.05)?, single.finish(0.05)?);
    /// assert_eq!(b.estimators.ipw.value, s.estimators.ipw.value);
    /// assert!((b.estimators.ipw.std_error - s.estimators.ipw.std_error).abs() < 1e-12);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push_batch(
        &mut self,
        segment: &str,
        variant: &str,
        propensity: f64,
        count: u64,
        reward_sum: f64,
        reward_sum_squares: f64,
    ) -> Result<()> {
        let u = self.check_propensity(propensity)?;
        self.check_reward(reward_sum)?;
        self.check_reward(reward_sum_squares)?;
        let c = self.cell_index(segment, variant)?;
        if count == 0 {
            if reward_sum == 0.0 && reward_sum_squares == 0.0 {
                return Ok(());
            }
            return Err(BanditError::InvalidParameter {
                parameter: "count",
                value: "0".to_owned(),
                reason: "a batch of 0 rows must have zero reward sums",
            });
        }
        let mean = reward_sum / count as f64;
        let m2 = reward_sum_squares - reward_sum * mean;
        if m2 < -1e-9 * reward_sum_squares.abs().max(f64::MIN_POSITIVE) {
            return Err(BanditError::InvalidParameter {
                parameter: "reward_sum_squares",
                value: reward_sum_squares.to_string(),
                reason: "must be at least reward_sum² / count",
            });
        }
        self.cells[c].add(count, u, mean, m2.max(0.0));
        self.rows += count;
        Ok(())
    }

    /// The estimates and their 1 − `alpha` intervals from the rows pushed
    /// so far (the evaluator may go on taking rows afterwards).
    ///
    /// # Errors
    ///
    /// [`BanditError::InvalidParameter`] (`alpha`) for `alpha` outside
    /// (0, 1); [`BanditError::TooFewLoggedRows`] for an empty log or a
    /// single row; [`BanditError::TargetNotCovered`] when the target
    /// policy gives a positive probability to a variant without logged rows
    /// in a segment of the log (segments of the policy that the log never
    /// visits do not enter the estimates and are not checked).
    ///
    /// # Example
    ///
    /// ```
    /// use seg_bandit_state::{BanditError, OffPolicyEvaluator, TargetPolicy};
    ///
    /// let policy = TargetPolicy::uniform(["s"], ["a", "b"])?;
    /// let mut evaluator = OffPolicyEvaluator::new(&policy);
    /// evaluator.push("s", "a", 0.9, 1.0)?;
    /// evaluator.push("s", "a", 0.9, 0.0)?;
    /// let err = evaluator.finish(0.05).unwrap_err(); // "b" was never served
    /// assert!(matches!(err, BanditError::TargetNotCovered { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn finish(&self, alpha: f64) -> Result<OffPolicyReport> {
        if !(alpha > 0.0 && alpha < 1.0) {
            return Err(BanditError::InvalidParameter {
                parameter: "alpha",
                value: alpha.to_string(),
                reason: "must be in (0, 1)",
            });
        }
        let n_rows = self.rows;
        if n_rows < 2 {
            return Err(BanditError::TooFewLoggedRows { n: n_rows });
        }
        let n = n_rows as f64;
        let z = seg_special::norm_isf(alpha / 2.0);
        let width = self.policy.variants().len();
        let stride = width + 1;
        let pi = |s: usize, v: usize| {
            if v < width {
                self.policy.probability_indexed(s, v).unwrap_or(0.0)
            } else {
                0.0
            }
        };

        // The direct method's term of each segment (checking the support).
        let segments = self.policy.segments().len();
        let mut dm_s = vec![0.0; segments];
        let mut n_s = vec![0_u64; segments];
        for s in 0..segments {
            let cells = &self.cells[s * stride..(s + 1) * stride];
            n_s[s] = cells.iter().map(|c| c.n).sum();
            if n_s[s] == 0 {
                continue;
            }
            let mut term = 0.0;
            for (v, cell) in cells.iter().enumerate().take(width) {
                let p = pi(s, v);
                if p > 0.0 {
                    if cell.n == 0 {
                        return Err(BanditError::TargetNotCovered {
                            segment: self.policy.segments()[s].clone(),
                            variant: self.policy.variants()[v].clone(),
                            probability: p,
                        });
                    }
                    term += p * cell.mean_r;
                }
            }
            dm_s[s] = term;
        }

        // Point estimates.
        let mut sum_r = 0.0;
        let mut sum_w = 0.0;
        let mut sum_w2 = 0.0;
        let mut sum_wr = 0.0;
        let mut sum_correction = 0.0;
        let mut sum_dm = 0.0;
        for s in 0..segments {
            sum_dm += n_s[s] as f64 * dm_s[s];
            for v in 0..stride {
                let cell = &self.cells[s * stride + v];
                if cell.n == 0 {
                    continue;
                }
                let p = pi(s, v);
                let su = cell.sum_u.value();
                sum_r += cell.n as f64 * cell.mean_r;
                sum_w += p * su;
                sum_w2 += p * p * cell.sum_u2.value();
                sum_wr += p * su * cell.mean_r_u;
                sum_correction += p * su * (cell.mean_r_u - cell.mean_r);
            }
        }
        let logged_value = sum_r / n;
        let ipw = sum_wr / n;
        let snipw = sum_wr / sum_w;
        let mean_w = sum_w / n;
        let dm = sum_dm / n;
        let dr = dm + sum_correction / n;

        // Sums of squared deviations of the per-row terms.
        let mut ss_ipw = 0.0;
        let mut sum_t_snipw = 0.0;
        let mut sum_t2_snipw = 0.0;
        let mut ss_dm = 0.0;
        let mut ss_dr = 0.0;
        for s in 0..segments {
            ss_dm += n_s[s] as f64 * (dm_s[s] - dm).powi(2);
            let d = dm_s[s] - dr;
            for v in 0..stride {
                let cell = &self.cells[s * stride + v];
                if cell.n == 0 {
                    continue;
                }
                let p = pi(s, v);
                let nc = cell.n as f64;
                let su = cell.sum_u.value();
                let su2 = cell.sum_u2.value();
                ss_ipw += p * p * cell.m2_x + nc * (p * cell.mean_x - ipw).powi(2);
                sum_t_snipw += p * su * (cell.mean_r_u - snipw) / mean_w;
                sum_t2_snipw += p * p * (cell.m2_r_u2 + su2 * (cell.mean_r_u2 - snipw).powi(2))
                    / (mean_w * mean_w);
                ss_dr += nc * d * d
                    + 2.0 * d * p * su * (cell.mean_r_u - cell.mean_r)
                    + p * p * (cell.m2_r_u2 + su2 * (cell.mean_r_u2 - cell.mean_r).powi(2));
            }
        }
        let ss_snipw = sum_t2_snipw - sum_t_snipw * sum_t_snipw / n;

        Ok(OffPolicyReport {
            n: n_rows,
            logged_value,
            effective_sample_size: if sum_w2 > 0.0 {
                sum_w * sum_w / sum_w2
            } else {
                0.0
            },
            alpha,
            estimators: OffPolicyEstimators {
                ipw: OffPolicyEstimate::new(ipw, ss_ipw, n, z),
                snipw: OffPolicyEstimate::new(snipw, ss_snipw, n, z),
                dm: OffPolicyEstimate::new(dm, ss_dm, n, z),
                dr: OffPolicyEstimate::new(dr, ss_dr, n, z),
            },
        })
    }
}

fn index_error(parameter: &'static str, index: usize, reason: &'static str) -> BanditError {
    BanditError::InvalidParameter {
        parameter,
        value: index.to_string(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The per-row definitions, computed directly from the rows.
    fn direct(rows: &[(f64, f64)], pi: f64) -> (f64, f64) {
        let terms: Vec<f64> = rows.iter().map(|&(p, r)| pi / p * r).collect();
        let n = terms.len() as f64;
        let mean = terms.iter().sum::<f64>() / n;
        let ss = terms.iter().map(|t| (t - mean).powi(2)).sum::<f64>();
        (mean, ss)
    }

    #[test]
    fn welford_cells_reproduce_the_per_row_sums_of_squares() {
        let rows = [(0.5, 1.0), (0.25, 0.0), (0.8, 3.5), (0.1, -2.0), (1.0, 7.0)];
        let mut cell = Cell::default();
        for &(p, r) in &rows {
            cell.add(1, 1.0 / p, r, 0.0);
        }
        let (mean, ss) = direct(&rows, 1.0);
        assert!((cell.mean_x - mean).abs() < 1e-14);
        assert!((cell.m2_x - ss).abs() < 1e-12 * ss);
        let su2: f64 = rows.iter().map(|&(p, _)| 1.0 / (p * p)).sum();
        let m: f64 = rows.iter().map(|&(p, r)| r / (p * p)).sum::<f64>() / su2;
        let m2: f64 = rows.iter().map(|&(p, r)| (r - m).powi(2) / (p * p)).sum();
        assert!((cell.mean_r_u2 - m).abs() < 1e-13);
        assert!((cell.m2_r_u2 - m2).abs() < 1e-12 * m2);
    }

    #[test]
    fn a_shifted_reward_keeps_the_spread_of_the_weighted_terms() {
        // Rewards near 1e8 with a spread of 1: the sums of squares come
        // from deviations, not from differences of sums near 1e16.
        let mut a = Cell::default();
        let mut b = Cell::default();
        for (i, p) in [0.5, 0.25, 0.5, 0.125].into_iter().enumerate() {
            a.add(1, 1.0 / p, i as f64, 0.0);
            b.add(1, 1.0 / p, 1e8 + i as f64, 0.0);
        }
        assert!((a.m2_r_u2 - b.m2_r_u2).abs() < 1e-6 * a.m2_r_u2);
    }

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<OffPolicyEvaluator>();
        check::<OffPolicyReport>();
        check::<TargetPolicy>();
    }
}
