//! Sample-ratio mismatch under adaptive allocation: the observed group sizes
//! against the allocation that was logged for each period (a bandit that
//! updates its split every day), not against one fixed ratio.

use serde::{Deserialize, Serialize};

use crate::dist::chi2_sf;
use crate::error::{PowerError, Result, probability};
use crate::srm::SRM_THRESHOLD;

/// Relative size below which a Cholesky pivot of the covariance counts as
/// zero (the counts' covariance is then numerically singular).
const PIVOT_TOLERANCE: f64 = 1e-13;

/// The result of a sample-ratio-mismatch test under adaptive allocation.
///
/// `statistic`, `p_value`, `df`, `mismatch`, `expected` and `threshold`
/// mean what they mean in [`SrmTest`](crate::SrmTest); the statistic is the
/// quadratic form of the sum of multinomials rather than Pearson's χ²,
/// which is reported beside it for information.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdaptiveSrmTest {
    /// The quadratic form (O − E)ᵀ V⁻¹ (O − E) over all groups but one,
    /// χ²(df) when the split is as logged.
    pub statistic: f64,
    /// Upper tail of χ²(df) at the statistic.
    pub p_value: f64,
    /// Degrees of freedom: groups − 1 (less when the periods' allocations
    /// split the groups into sets that never share a period, see
    /// [`AdaptiveSrm`]).
    pub df: usize,
    /// `p_value < threshold`.
    pub mismatch: bool,
    /// Expected counts E = Σₜ Nₜ·pₜ, one per group.
    pub expected: Vec<f64>,
    /// The threshold used.
    pub threshold: f64,
    /// Pearson's χ² = Σ (O − E)²/E against the same expected counts (groups
    /// with E = 0 left out), for information only: it is conservative when
    /// the allocation changes (see [`AdaptiveSrm`]).
    pub pearson_statistic: f64,
    /// Upper tail of χ²(df) at `pearson_statistic`: too large when the
    /// allocation moves (a conservative test), for information only.
    pub pearson_p_value: f64,
    /// The number of periods.
    pub periods: usize,
}

/// A sample-ratio-mismatch test under adaptive allocation, accumulated one
/// period at a time in O(groups²) memory.
///
/// Each period t (a day, an hour, one visitor) has the allocation pₜ the
/// visitors were drawn from (weights, normalised to sum to 1) and the
/// observed count of each group. Given the period totals Nₜ, the counts are
/// a sum of independent multinomials, so the expected counts and their
/// covariance are
///
/// ```text
/// E = Σₜ Nₜ pₜ,   V = Σₜ Nₜ (diag pₜ − pₜ pₜᵀ)
/// ```
///
/// and the statistic is the quadratic form (O − E)ᵀ V⁻¹ (O − E) over all
/// groups but one (V is singular because the counts add up to N; the
/// value does not depend on which group is left out, and the group with
/// the largest expected count is left out for accuracy), χ²(G − 1) when
/// nothing is wrong. With one period, or with the same allocation in every
/// period, it equals Pearson's χ² of [`srm_test`](crate::srm_test). When
/// the allocation is chosen from the data so far (Thompson sampling), the
/// periods' deviations are martingale differences with the same
/// conditional covariance, and the statistic is χ²(G − 1) asymptotically;
/// this needs the allocation that was actually used to draw the period's
/// visitors, fixed before they arrived.
///
/// A group may have allocation 0 in a period if its count there is 0 (a
/// count above 0 is an error naming the period and the group). A period
/// with visitors links the groups it allocates to; when the periods split
/// the groups into separate sets, each set's total is fixed by the data and
/// the test has G − (number of sets) degrees of freedom (a group never
/// allocated is a set of its own and adds nothing).
///
/// # Why not Pearson's χ² against E, or against a fixed ratio
///
/// Against one fixed ratio the expected counts are wrong as soon as the
/// allocation moves, and the test fires although nothing is wrong.
/// Pearson's χ² against the right E is not wrong in that way but is
/// *conservative*: with p̄ = E/N,
///
/// ```text
/// V = N (diag p̄ − p̄ p̄ᵀ) − Σₜ Nₜ (pₜ − p̄)(pₜ − p̄)ᵀ
/// ```
///
/// so the sum of multinomials with different p is under-dispersed relative
/// to one multinomial with p̄. Pearson's statistic is then asymptotically
/// Σ λᵢ Zᵢ² with every λᵢ ≤ 1 (the eigenvalues of diag(E)^-½ V diag(E)^-½),
/// stochastically smaller than χ²(G − 1); its mean is
/// G − 1 − Σₜ (Nₜ/N) Σ_g (pₜ_g − p̄_g)²/p̄_g. Its false-alarm rate is below
/// the nominal level and it misses mismatches the quadratic form finds.
///
/// # Formula
///
/// ```text
/// pₜ = wₜ / Σ_g wₜ_g,  Nₜ = Σ_g oₜ_g,  O = Σₜ oₜ,  E = Σₜ Nₜ pₜ
/// V = Σₜ Nₜ (diag pₜ − pₜ pₜᵀ),  K = all groups but one per linked set
/// χ² = (O − E)_Kᵀ (V_KK)⁻¹ (O − E)_K   (Cholesky: χ² = |L⁻¹ (O − E)_K|²)
/// df = |K|,  p = Q(df/2, χ²/2)
/// ```
///
/// # Example
///
/// ```
/// use seg_power::AdaptiveSrm;
///
/// let mut srm = AdaptiveSrm::new(2)?;
/// srm.push(&[498, 502], &[0.5, 0.5])?; // day 1: an even split
/// srm.push(&[205, 795], &[0.2, 0.8])?; // day 2: the bandit favours B
/// let t = srm.test_at(0.001)?;
/// assert_eq!(t.expected, vec![700.0, 1300.0]);
/// assert!(!t.mismatch && t.p_value > 0.8);
/// // Against a fixed 50/50 ratio the same counts look broken.
/// assert!(seg_power::srm_test(&[703, 1297], &[1.0, 1.0])?.mismatch);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # References
///
/// - Fabijan, A. et al. (2019). Diagnosing sample ratio mismatch in online
///   controlled experiments. *KDD '19*.
/// - Hall, P., Heyde, C. C. (1980). *Martingale Limit Theory and Its
///   Application*, ch. 3 (the martingale central limit theorem).
#[derive(Debug, Clone, PartialEq)]
pub struct AdaptiveSrm {
    observed: Vec<u64>,
    expected: Vec<f64>,
    /// V, groups × groups, row-major.
    covariance: Vec<f64>,
    /// Union-find parents of the groups linked by a period with visitors.
    parent: Vec<usize>,
    periods: usize,
}

impl AdaptiveSrm {
    /// An empty test of `groups` groups.
    ///
    /// # Errors
    ///
    /// [`PowerError::TooShort`] (`groups`) for fewer than two groups.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_power::AdaptiveSrm;
    /// let srm = AdaptiveSrm::new(3)?;
    /// assert_eq!((srm.groups(), srm.periods()), (3, 0));
    /// assert!(AdaptiveSrm::new(1).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(groups: usize) -> Result<Self> {
        if groups < 2 {
            return Err(PowerError::TooShort {
                parameter: "groups",
                min: 2,
                got: groups,
            });
        }
        Ok(Self {
            observed: vec![0; groups],
            expected: vec![0.0; groups],
            covariance: vec![0.0; groups * groups],
            parent: (0..groups).collect(),
            periods: 0,
        })
    }

    /// Adds one period: the count of each group and the allocation its
    /// visitors were drawn from (non-negative weights, normalised to sum to
    /// 1; a weight may be 0 where the count is 0). The period's index in
    /// error messages is [`periods`](Self::periods) before the call; on an
    /// error nothing is added.
    ///
    /// # Errors
    ///
    /// [`PowerError::PeriodLengthMismatch`] when `counts` or `allocation`
    /// does not have one entry per group; [`PowerError::InvalidPeriodEntry`]
    /// for a negative or non-finite weight, or a count above 0 in a group
    /// whose weight is 0; [`PowerError::InvalidPeriod`] when the weights add
    /// up to 0 or overflow, or when the total count overflows `u64`.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_power::{AdaptiveSrm, PowerError};
    /// let mut srm = AdaptiveSrm::new(3)?;
    /// srm.push(&[40, 60, 0], &[2.0, 3.0, 0.0])?; // group 2 not served yet
    /// let err = srm.push(&[40, 55, 5], &[1.0, 1.0, 0.0]).unwrap_err();
    /// assert!(matches!(err, PowerError::InvalidPeriodEntry { period: 1, group: 2, .. }));
    /// assert_eq!(err.to_string(), "observed of group 2 in period 1 = 5 is invalid: \
    ///     visitors were counted in a group whose allocation is 0");
    /// assert_eq!(srm.periods(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push(&mut self, counts: &[u64], allocation: &[f64]) -> Result<()> {
        let groups = self.groups();
        let period = self.periods;
        for (parameter, got) in [("observed", counts.len()), ("allocation", allocation.len())] {
            if got != groups {
                return Err(PowerError::PeriodLengthMismatch {
                    parameter,
                    period,
                    expected: groups,
                    got,
                });
            }
        }
        for (group, &w) in allocation.iter().enumerate() {
            if !(w.is_finite() && w >= 0.0) {
                return Err(PowerError::InvalidPeriodEntry {
                    parameter: "allocation",
                    period,
                    group,
                    value: w,
                    reason: "allocation weights must be non-negative and finite",
                });
            }
        }
        let total_weight: f64 = allocation.iter().sum();
        if !(total_weight.is_finite() && total_weight > 0.0) {
            return Err(PowerError::InvalidPeriod {
                parameter: "allocation",
                period,
                value: total_weight,
                reason: "the weights of a period must add up to a positive finite number",
            });
        }
        for (group, (&o, &w)) in counts.iter().zip(allocation).enumerate() {
            if o > 0 && w == 0.0 {
                return Err(PowerError::InvalidPeriodEntry {
                    parameter: "observed",
                    period,
                    group,
                    value: o as f64,
                    reason: "visitors were counted in a group whose allocation is 0",
                });
            }
        }
        let overflow = || PowerError::InvalidPeriod {
            parameter: "observed",
            period,
            value: counts.iter().map(|&o| o as f64).sum(),
            reason: "the counts overflow a 64-bit total",
        };
        let mut totals = self.observed.clone();
        let mut n_t: u64 = 0;
        for (total, &o) in totals.iter_mut().zip(counts) {
            *total = total.checked_add(o).ok_or_else(overflow)?;
            n_t = n_t.checked_add(o).ok_or_else(overflow)?;
        }
        // Validated: from here on nothing fails.
        self.observed = totals;
        self.periods += 1;
        if n_t == 0 {
            return Ok(());
        }
        let n = n_t as f64;
        let p: Vec<f64> = allocation.iter().map(|w| w / total_weight).collect();
        for (g, (e, &w)) in self.expected.iter_mut().zip(allocation).enumerate() {
            // The same expression as `srm_test_at`, so one period agrees exactly.
            *e += n * w / total_weight;
            let row = &mut self.covariance[g * groups..(g + 1) * groups];
            for (h, (v, &ph)) in row.iter_mut().zip(&p).enumerate() {
                let diagonal = if g == h { p[g] } else { 0.0 };
                *v += n * (diagonal - p[g] * ph);
            }
        }
        let mut served = allocation.iter().enumerate().filter(|(_, w)| **w > 0.0);
        if let Some((first, _)) = served.next() {
            for (g, _) in served {
                self.union(first, g);
            }
        }
        Ok(())
    }

    /// The number of groups.
    ///
    /// See the example of [`new`](Self::new).
    pub fn groups(&self) -> usize {
        self.observed.len()
    }

    /// The number of periods added.
    ///
    /// See the example of [`new`](Self::new).
    pub fn periods(&self) -> usize {
        self.periods
    }

    /// The total count of each group so far.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_power::AdaptiveSrm;
    /// let mut srm = AdaptiveSrm::new(2)?;
    /// srm.push(&[3, 7], &[0.5, 0.5])?;
    /// srm.push(&[1, 9], &[0.1, 0.9])?;
    /// assert_eq!(srm.observed(), &[4, 16]);
    /// assert_eq!(srm.expected(), &[6.0, 14.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn observed(&self) -> &[u64] {
        &self.observed
    }

    /// The expected count of each group so far, Σₜ Nₜ pₜ.
    ///
    /// See the example of [`observed`](Self::observed).
    pub fn expected(&self) -> &[f64] {
        &self.expected
    }

    /// The test with the default threshold p < 0.001.
    ///
    /// # Errors
    ///
    /// As [`test_at`](Self::test_at).
    ///
    /// # Example
    ///
    /// ```
    /// use seg_power::AdaptiveSrm;
    /// let mut srm = AdaptiveSrm::new(2)?;
    /// srm.push(&[5_000, 5_000], &[0.5, 0.5])?;
    /// srm.push(&[600, 8_400], &[0.1, 0.9])?; // A got 600 of its expected 900
    /// let t = srm.test()?;
    /// assert_eq!(t.threshold, 0.001);
    /// assert!(t.mismatch && t.p_value < 1e-5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn test(&self) -> Result<AdaptiveSrmTest> {
        self.test_at(SRM_THRESHOLD)
    }

    /// The test, flagging a mismatch when p < `threshold`.
    ///
    /// # Errors
    ///
    /// [`PowerError::InvalidProbability`] for a threshold outside (0, 1),
    /// [`PowerError::InvalidParameter`] (`observed`) when there are no
    /// visitors, [`PowerError::InvalidCount`] (`df`) when no period with
    /// visitors allocates to two groups (the counts are then fixed by the
    /// allocation), [`PowerError::NoSolution`] when the covariance of the
    /// counts is numerically singular (allocations linking groups only
    /// through probabilities near the rounding error).
    ///
    /// # Example
    ///
    /// ```
    /// use seg_power::AdaptiveSrm;
    /// let mut srm = AdaptiveSrm::new(3)?;
    /// srm.push(&[310, 330, 360], &[1.0, 1.0, 1.0])?;
    /// srm.push(&[90, 150, 760], &[0.1, 0.15, 0.75])?;
    /// let t = srm.test_at(0.05)?;
    /// assert_eq!(t.df, 2);
    /// assert!(!t.mismatch);
    /// assert!(srm.test_at(1.0).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn test_at(&self, threshold: f64) -> Result<AdaptiveSrmTest> {
        probability("threshold", threshold)?;
        let n: f64 = self.observed.iter().map(|&o| o as f64).sum();
        if n <= 0.0 {
            return Err(PowerError::InvalidParameter {
                parameter: "observed",
                value: n,
                reason: "total count must be positive",
            });
        }
        let groups = self.groups();
        // Leave out, in every linked set, the group with the largest E.
        let mut left_out: Vec<Option<usize>> = vec![None; groups];
        for g in 0..groups {
            let root = self.find(g);
            match left_out[root] {
                Some(k) if self.expected[k] >= self.expected[g] => {}
                _ => left_out[root] = Some(g),
            }
        }
        let kept: Vec<usize> = (0..groups)
            .filter(|&g| left_out[self.find(g)] != Some(g))
            .collect();
        let df = kept.len();
        if df == 0 {
            return Err(PowerError::InvalidCount {
                parameter: "df",
                value: 0,
                reason: "no period with visitors allocates to two groups, so the counts \
                         carry no information about the split",
            });
        }
        let deviation: Vec<f64> = kept
            .iter()
            .map(|&g| self.observed[g] as f64 - self.expected[g])
            .collect();
        let matrix: Vec<f64> = kept
            .iter()
            .flat_map(|&g| kept.iter().map(move |&h| (g, h)))
            .map(|(g, h)| self.covariance[g * groups + h])
            .collect();
        let statistic =
            cholesky_quadratic_form(matrix, &deviation).ok_or_else(|| PowerError::NoSolution {
                quantity: "adaptive srm statistic",
                reason: "the covariance of the counts is numerically singular".to_string(),
            })?;
        let pearson_statistic: f64 = self
            .observed
            .iter()
            .zip(&self.expected)
            .filter(|(_, e)| **e > 0.0)
            .map(|(&o, &e)| (o as f64 - e).powi(2) / e)
            .sum();
        let p_value = chi2_sf(statistic, df as f64);
        Ok(AdaptiveSrmTest {
            statistic,
            p_value,
            df,
            mismatch: p_value < threshold,
            expected: self.expected.clone(),
            threshold,
            pearson_statistic,
            pearson_p_value: chi2_sf(pearson_statistic, df as f64),
            periods: self.periods,
        })
    }

    fn find(&self, mut g: usize) -> usize {
        while self.parent[g] != g {
            g = self.parent[g];
        }
        g
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // The smaller index becomes the root: the order of the periods
            // does not matter.
            let (root, child) = (ra.min(rb), ra.max(rb));
            self.parent[child] = root;
        }
    }
}

/// dᵀ A⁻¹ d for a symmetric positive definite `a` (m × m, row-major) by
/// Cholesky, A = L Lᵀ, as |L⁻¹ d|². `None` when a pivot is not positive
/// (relative to its diagonal entry) or not finite.
fn cholesky_quadratic_form(mut a: Vec<f64>, d: &[f64]) -> Option<f64> {
    let m = d.len();
    for j in 0..m {
        let diagonal = a[j * m + j];
        let pivot = diagonal - (0..j).map(|k| a[j * m + k].powi(2)).sum::<f64>();
        if !(pivot.is_finite() && pivot > PIVOT_TOLERANCE * diagonal) {
            return None;
        }
        let l_jj = pivot.sqrt();
        a[j * m + j] = l_jj;
        for i in j + 1..m {
            let s = a[i * m + j] - (0..j).map(|k| a[i * m + k] * a[j * m + k]).sum::<f64>();
            a[i * m + j] = s / l_jj;
        }
    }
    let mut y = vec![0.0; m];
    for i in 0..m {
        let s = d[i] - (0..i).map(|k| a[i * m + k] * y[k]).sum::<f64>();
        y[i] = s / a[i * m + i];
    }
    let q: f64 = y.iter().map(|v| v * v).sum();
    q.is_finite().then_some(q)
}

/// The sample-ratio-mismatch test under adaptive allocation with the
/// default threshold p < 0.001.
///
/// See [`adaptive_srm_test_at`].
///
/// # Errors
///
/// As [`adaptive_srm_test_at`].
///
/// # Example
///
/// ```
/// use seg_power::adaptive_srm_test;
///
/// // Three days of a two-variant bandit: counts and the logged allocation.
/// let observed = [[500_u64, 500], [310, 690], [148, 852]];
/// let allocation = [[0.5, 0.5], [0.3, 0.7], [0.15, 0.85]];
/// let t = adaptive_srm_test(&observed, &allocation)?;
/// assert_eq!(t.expected, vec![950.0, 2050.0]);
/// assert!(!t.mismatch);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn adaptive_srm_test<C: AsRef<[u64]>, A: AsRef<[f64]>>(
    observed: &[C],
    allocation: &[A],
) -> Result<AdaptiveSrmTest> {
    adaptive_srm_test_at(observed, allocation, SRM_THRESHOLD)
}

/// Sample-ratio-mismatch test of per-period counts against each period's
/// logged allocation, flagging a mismatch when p < `threshold`.
///
/// `observed[t][g]` is the count of group g in period t and
/// `allocation[t][g]` its allocation weight in that period (normalised per
/// period; 0 allowed where the count is 0). The statistic is the quadratic
/// form of the sum of multinomials described on [`AdaptiveSrm`], χ²(G − 1)
/// when nothing is wrong; with one period it equals
/// [`srm_test_at`](crate::srm_test_at).
///
/// # Errors
///
/// [`PowerError::TooShort`] for no periods (`observed`) or fewer than two
/// groups (`groups`), [`PowerError::LengthMismatch`] (`allocation`) when
/// the two tables have different numbers of periods, and the errors of
/// [`AdaptiveSrm::push`] (naming the period and the group) and
/// [`AdaptiveSrm::test_at`].
///
/// # Example
///
/// ```
/// use seg_power::{adaptive_srm_test_at, srm_test_at};
///
/// let observed = [vec![1_020_u64, 980, 2_000], vec![700, 1_310, 1_990]];
/// let allocation = [vec![1.0, 1.0, 2.0], vec![0.175, 0.325, 0.5]];
/// let t = adaptive_srm_test_at(&observed, &allocation, 0.05)?;
/// assert_eq!(t.df, 2);
/// assert!(!t.mismatch);
/// // One period: Pearson's χ², as `srm_test_at`.
/// let one = adaptive_srm_test_at(&observed[..1], &allocation[..1], 0.05)?;
/// let fixed = srm_test_at(&observed[0], &allocation[0], 0.05)?;
/// assert!((one.statistic - fixed.statistic).abs() <= 1e-12 * fixed.statistic);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn adaptive_srm_test_at<C: AsRef<[u64]>, A: AsRef<[f64]>>(
    observed: &[C],
    allocation: &[A],
    threshold: f64,
) -> Result<AdaptiveSrmTest> {
    let first = observed.first().ok_or(PowerError::TooShort {
        parameter: "observed",
        min: 1,
        got: 0,
    })?;
    if allocation.len() != observed.len() {
        return Err(PowerError::LengthMismatch {
            parameter: "allocation",
            expected: observed.len(),
            got: allocation.len(),
        });
    }
    let mut srm = AdaptiveSrm::new(first.as_ref().len())?;
    for (counts, weights) in observed.iter().zip(allocation) {
        srm.push(counts.as_ref(), weights.as_ref())?;
    }
    srm.test_at(threshold)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::srm::srm_test_at;

    #[test]
    fn one_period_equals_pearson() {
        let t = adaptive_srm_test_at(&[[9_000_u64, 1_100]], &[[0.9, 0.1]], 0.001).unwrap();
        let s = srm_test_at(&[9_000, 1_100], &[0.9, 0.1], 0.001).unwrap();
        assert!((t.statistic / s.statistic - 1.0).abs() < 1e-12);
        assert!((t.pearson_statistic / s.statistic - 1.0).abs() < 1e-12);
        assert_eq!(t.expected, s.expected);
    }

    #[test]
    fn constant_allocation_over_periods_equals_pearson_of_totals() {
        let observed = [[120_u64, 260, 20], [300, 590, 110], [51, 99, 50]];
        let allocation = [[0.3, 0.6, 0.1]; 3];
        let t = adaptive_srm_test_at(&observed, &allocation, 0.001).unwrap();
        let s = srm_test_at(&[471, 949, 180], &[0.3, 0.6, 0.1], 0.001).unwrap();
        assert!((t.statistic / s.statistic - 1.0).abs() < 1e-12);
        assert!((t.p_value / s.p_value - 1.0).abs() < 1e-11);
    }

    #[test]
    fn two_groups_is_the_binomial_z_squared() {
        // G = 2: χ² = (O₀ − E₀)² / Σₜ Nₜ pₜ(1 − pₜ).
        let observed = [[50_u64, 50], [30, 170], [10, 290]];
        let allocation = [[0.5, 0.5], [0.2, 0.8], [0.05, 0.95]];
        let t = adaptive_srm_test_at(&observed, &allocation, 0.001).unwrap();
        let e0 = 50.0 + 40.0 + 15.0;
        let var = 100.0 * 0.25 + 200.0 * 0.16 + 300.0 * 0.05 * 0.95;
        let want = (90.0_f64 - e0).powi(2) / var;
        assert!((t.statistic / want - 1.0).abs() < 1e-12);
        assert_eq!(t.df, 1);
    }

    #[test]
    fn pearson_against_expected_has_mean_below_df_when_allocation_moves() {
        // E[Pearson] = Σ_g V_gg / E_g = G − 1 − Σₜ (Nₜ/N) Σ_g (pₜ_g − p̄_g)²/p̄_g.
        let n_t = [1_000.0, 1_000.0, 2_000.0];
        let p = [[0.5, 0.3, 0.2], [0.2, 0.2, 0.6], [0.1, 0.1, 0.8]];
        let mut srm = AdaptiveSrm::new(3).unwrap();
        for (nt, pt) in n_t.iter().zip(&p) {
            let counts: Vec<u64> = pt.iter().map(|q| (nt * q) as u64).collect();
            srm.push(&counts, pt).unwrap();
        }
        let n: f64 = n_t.iter().sum();
        let mean: f64 = (0..3)
            .map(|g| srm.covariance[g * 3 + g] / srm.expected[g])
            .sum();
        let pbar: Vec<f64> = srm.expected.iter().map(|e| e / n).collect();
        let spread: f64 = n_t
            .iter()
            .zip(&p)
            .map(|(nt, pt)| {
                nt / n
                    * pt.iter()
                        .zip(&pbar)
                        .map(|(a, b)| (a - b).powi(2) / b)
                        .sum::<f64>()
            })
            .sum();
        assert!((mean - (2.0 - spread)).abs() < 1e-12);
        assert!(mean < 2.0 - 0.1);
    }

    #[test]
    fn zero_allocation_with_zero_count_is_allowed() {
        let t = adaptive_srm_test_at(
            &[[100_u64, 100, 0], [50, 60, 90]],
            &[[0.5, 0.5, 0.0], [0.25, 0.25, 0.5]],
            0.001,
        )
        .unwrap();
        assert_eq!(t.df, 2);
        assert!(t.p_value > 0.001);
    }

    #[test]
    fn separate_sets_of_groups_lose_a_degree_of_freedom_each() {
        // Groups {0, 1} and {2, 3} never share a period: two binomial tests.
        let observed = [[480_u64, 520, 0, 0], [0, 0, 300, 700]];
        let allocation = [[0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.3, 0.7]];
        let t = adaptive_srm_test_at(&observed, &allocation, 0.001).unwrap();
        let a = srm_test_at(&[480, 520], &[0.5, 0.5], 0.001).unwrap();
        let b = srm_test_at(&[300, 700], &[0.3, 0.7], 0.001).unwrap();
        assert_eq!(t.df, 2);
        assert!((t.statistic - (a.statistic + b.statistic)).abs() < 1e-12);
        // A group never served adds nothing.
        let t = adaptive_srm_test_at(&[[480_u64, 520, 0]], &[[1.0, 1.0, 0.0]], 0.001).unwrap();
        assert_eq!(t.df, 1);
        assert!((t.statistic - a.statistic).abs() < 1e-12);
    }

    #[test]
    fn periods_serving_one_group_leave_nothing_to_test() {
        let err = adaptive_srm_test_at(&[[10_u64, 0], [0, 10]], &[[1.0, 0.0], [0.0, 1.0]], 0.001)
            .unwrap_err();
        assert!(matches!(
            err,
            PowerError::InvalidCount {
                parameter: "df",
                ..
            }
        ));
    }

    #[test]
    fn errors_name_the_period_and_group() {
        let e =
            adaptive_srm_test(&[[1_u64, 2], [3, 4]], &[[1.0, 1.0], [1.0, f64::NAN]]).unwrap_err();
        assert!(matches!(
            e,
            PowerError::InvalidPeriodEntry {
                parameter: "allocation",
                period: 1,
                group: 1,
                ..
            }
        ));
        assert_eq!(
            e.to_string(),
            "allocation of group 1 in period 1 = NaN is invalid: \
             allocation weights must be non-negative and finite"
        );
        let e = adaptive_srm_test(&[[1_u64, 2], [3, 4]], &[[1.0, 1.0], [0.0, 0.0]]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid allocation of period 1 = 0: \
             the weights of a period must add up to a positive finite number"
        );
        let e =
            adaptive_srm_test(&[vec![1_u64, 2], vec![3]], &[[1.0, 1.0], [1.0, 1.0]]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "observed of period 1 has 1 groups, expected 2"
        );
        let e = adaptive_srm_test(&[[1_u64, 2]], &[[1.0, 1.0, 1.0]]).unwrap_err();
        assert!(matches!(
            e,
            PowerError::PeriodLengthMismatch {
                parameter: "allocation",
                period: 0,
                expected: 2,
                got: 3
            }
        ));
        let e = adaptive_srm_test(&[[u64::MAX, 2]], &[[1.0, 1.0]]).unwrap_err();
        assert!(matches!(
            e,
            PowerError::InvalidPeriod {
                parameter: "observed",
                period: 0,
                ..
            }
        ));
        let e = adaptive_srm_test(&[[1_u64, 2]], &[[1.0, 1.0], [1.0, 1.0]]).unwrap_err();
        assert!(matches!(e, PowerError::LengthMismatch { .. }));
        let none: [[u64; 2]; 0] = [];
        let e = adaptive_srm_test(&none, &none.map(|_| [1.0, 1.0])).unwrap_err();
        assert!(matches!(
            e,
            PowerError::TooShort {
                parameter: "observed",
                ..
            }
        ));
        let e = adaptive_srm_test(&[[1_u64]], &[[1.0]]).unwrap_err();
        assert!(matches!(
            e,
            PowerError::TooShort {
                parameter: "groups",
                ..
            }
        ));
        let e = adaptive_srm_test(&[[0_u64, 0]], &[[1.0, 1.0]]).unwrap_err();
        assert!(matches!(
            e,
            PowerError::InvalidParameter {
                parameter: "observed",
                ..
            }
        ));
        let e = adaptive_srm_test_at(&[[1_u64, 1]], &[[1.0, 1.0]], 0.0).unwrap_err();
        assert!(matches!(e, PowerError::InvalidProbability { .. }));
    }

    #[test]
    fn failed_push_adds_nothing() {
        let mut srm = AdaptiveSrm::new(2).unwrap();
        srm.push(&[5, 5], &[1.0, 1.0]).unwrap();
        let before = srm.clone();
        assert!(srm.push(&[5, u64::MAX], &[1.0, 1.0]).is_err());
        assert!(srm.push(&[5, 5], &[1.0, 0.0]).is_err());
        assert_eq!(srm, before);
    }

    #[test]
    fn singular_covariance_is_an_error_not_a_huge_statistic() {
        let a = vec![1.0, 1.0, 1.0, 1.0];
        assert_eq!(cholesky_quadratic_form(a, &[1.0, -1.0]), None);
        let a = vec![4.0, 2.0, 2.0, 3.0];
        // [4 2; 2 3]⁻¹ = [3 −2; −2 4]/8, so dᵀA⁻¹d at d = (1, 1) is 3/8.
        let q = cholesky_quadratic_form(a, &[1.0, 1.0]).unwrap();
        assert!((q - 0.375).abs() < 1e-15);
    }
}
