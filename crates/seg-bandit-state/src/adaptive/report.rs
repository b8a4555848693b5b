//! The report of [`crate::AdaptiveEstimator::report`].

use serde::Serialize;

/// An estimate with its standard error and normal interval
/// `value ± z(1 − α/2)·standard_error`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AdaptiveEstimate {
    /// The point estimate.
    pub value: f64,
    /// Its estimated standard error.
    pub standard_error: f64,
    /// The lower end of the interval.
    pub ci_low: f64,
    /// The upper end of the interval.
    pub ci_high: f64,
}

impl AdaptiveEstimate {
    /// The estimate `value` with variance `variance` (negative rounding
    /// residues count as 0) and the normal quantile `z`.
    pub(super) fn new(value: f64, variance: f64, z: f64) -> Self {
        let standard_error = variance.max(0.0).sqrt();
        Self {
            value,
            standard_error,
            ci_low: z.mul_add(-standard_error, value),
            ci_high: z.mul_add(standard_error, value),
        }
    }

    /// Whether `x` lies in the interval (ends included).
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{AdaptiveEstimator, RewardSums};
    /// let mut est = AdaptiveEstimator::new(["a"])?;
    /// est.push_period("s", 0, "a", 1.0, RewardSums::binary(1_000, 100))?;
    /// let a = est.report(0.05)?.pooled.variants[0].naive;
    /// assert!(a.contains(0.1) && !a.contains(0.2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn contains(&self, x: f64) -> bool {
        self.ci_low <= x && x <= self.ci_high
    }
}

/// The three estimates of one variant's mean reward.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantEstimates {
    /// The variant.
    pub variant: String,
    /// Its number of units.
    pub units: u64,
    /// Σ reward / units over all periods (and segments, when pooled):
    /// **biased under adaptive allocation**, reported for contrast.
    pub naive: AdaptiveEstimate,
    /// The period-weighted mean: per period the variant's mean, periods
    /// weighted by their whole traffic.
    pub period_weighted: AdaptiveEstimate,
    /// The inverse-propensity-weighted (Horvitz–Thompson) mean.
    pub ipw: AdaptiveEstimate,
    /// The share of the traffic in periods where the variant had no unit,
    /// dropped from its period-weighted estimate (0 in the usual case).
    pub dropped_traffic_share: f64,
}

/// A lift of one estimator: the difference of the means and, when the
/// control's mean is positive, the relative lift.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AdaptiveLift {
    /// `mean(treatment) − mean(control)`.
    pub difference: AdaptiveEstimate,
    /// `mean(treatment) / mean(control) − 1`, delta-method interval; `None`
    /// when the control's estimate is not positive.
    pub relative: Option<AdaptiveEstimate>,
}

/// The lift of one variant over the control, by each estimator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiftEstimates {
    /// The control (the estimator's first variant).
    pub control: String,
    /// The variant compared with it.
    pub treatment: String,
    /// From the naive means (biased under adaptive allocation).
    pub naive: AdaptiveLift,
    /// From the period-weighted means.
    pub period_weighted: AdaptiveLift,
    /// From the IPW means (per-unit differences for the variance).
    pub ipw: AdaptiveLift,
}

/// The estimates of one segment, or of all segments pooled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdaptiveEstimates {
    /// The number of units (all variants).
    pub units: u64,
    /// Per variant, in the estimator's order.
    pub variants: Vec<VariantEstimates>,
    /// Each variant but the control against the control, in the estimator's order.
    pub lifts: Vec<LiftEstimates>,
}

impl AdaptiveEstimates {
    /// The estimates of `variant`, if it is one of the estimator's.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{AdaptiveEstimator, RewardSums};
    /// let mut est = AdaptiveEstimator::new(["a", "b"])?;
    /// est.push_period("s", 0, "a", 0.5, RewardSums::binary(10, 1))?;
    /// est.push_period("s", 0, "b", 0.5, RewardSums::binary(10, 2))?;
    /// let report = est.report(0.1)?;
    /// assert_eq!(report.pooled.variant("b").map(|v| v.units), Some(10));
    /// assert!(report.pooled.variant("c").is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn variant(&self, variant: &str) -> Option<&VariantEstimates> {
        self.variants.iter().find(|v| v.variant == variant)
    }

    /// The lift of `treatment` over the control (none for the control itself).
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{AdaptiveEstimator, RewardSums};
    /// let mut est = AdaptiveEstimator::new(["a", "b"])?;
    /// est.push_period("s", 0, "a", 0.5, RewardSums::binary(10, 1))?;
    /// est.push_period("s", 0, "b", 0.5, RewardSums::binary(10, 2))?;
    /// let lift = est.report(0.1)?.pooled.lift("b").ok_or("no lift")?.clone();
    /// assert!((lift.ipw.difference.value - 0.1).abs() < 1e-12);
    /// assert!((lift.ipw.relative.ok_or("no relative lift")?.value - 1.0).abs() < 1e-12);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn lift(&self, treatment: &str) -> Option<&LiftEstimates> {
        self.lifts.iter().find(|l| l.treatment == treatment)
    }
}

/// The estimates of one segment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdaptiveSegment {
    /// The segment.
    pub segment: String,
    /// Its share of all units: its weight in the pooled estimates.
    pub traffic_share: f64,
    /// The number of periods with units.
    pub periods: usize,
    /// The number of period × variant cells whose units were pushed with
    /// different propensities: the period-weighted estimate assumes there
    /// are none (see [`crate::AdaptiveEstimator`]).
    pub cells_with_varying_propensity: usize,
    /// The estimates.
    pub estimates: AdaptiveEstimates,
}

/// AdaptiveEstimates of the variants' mean rewards and lifts under adaptive
/// allocation, per segment and pooled (see [`crate::AdaptiveEstimator`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdaptiveReport {
    /// The intervals' `alpha`: their level is `1 − alpha`.
    pub alpha: f64,
    /// The control of the lifts (the first variant).
    pub control: String,
    /// Per segment, in the order of their names.
    pub segments: Vec<AdaptiveSegment>,
    /// All segments pooled, each weighted by its traffic share (the naive
    /// estimate pools every unit).
    pub pooled: AdaptiveEstimates,
}

impl AdaptiveReport {
    /// The report of `segment`, if it has units.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{AdaptiveEstimator, RewardSums};
    /// let mut est = AdaptiveEstimator::new(["a"])?;
    /// est.push_period("mobile", 0, "a", 1.0, RewardSums::binary(10, 1))?;
    /// let report = est.report(0.05)?;
    /// assert_eq!(report.segment("mobile").map(|s| s.traffic_share), Some(1.0));
    /// assert!(report.segment("desktop").is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn segment(&self, segment: &str) -> Option<&AdaptiveSegment> {
        self.segments.iter().find(|s| s.segment == segment)
    }
}
