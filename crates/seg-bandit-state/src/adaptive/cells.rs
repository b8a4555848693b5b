//! The sums kept per segment × period × variant, and the checks of a push.

use std::collections::BTreeMap;

use crate::error::{BanditError, Result};

/// Relative tolerance of the check `Σ reward² ≥ (Σ reward)² / count`, for
/// sums accumulated in floating point.
const SUMS_TOLERANCE: f64 = 1e-9;

/// Relative difference above which two propensities of one cell count as
/// different (see [`crate::AdaptiveSegment::cells_with_varying_propensity`]).
const PROPENSITY_TOLERANCE: f64 = 1e-12;

/// The count, Σ reward and Σ reward² of the units one variant served in one
/// period of one segment: the input of [`crate::AdaptiveEstimator::push_period`].
///
/// Rewards are any real numbers: 0/1 for conversions, amounts for revenue.
/// The fields are checked when pushed (finite sums, `Σ reward² ≥ 0`, and
/// `Σ reward² ≥ (Σ reward)²/count`, which any real rewards satisfy).
///
/// # Example
/// ```
/// use seg_bandit_state::RewardSums;
/// assert_eq!(RewardSums::binary(40, 3), RewardSums::new(40, 3.0, 3.0));
/// assert_eq!(RewardSums::from_rewards(&[0.0, 2.0, 3.0]), RewardSums::new(3, 5.0, 13.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct RewardSums {
    /// The number of units served.
    pub count: u64,
    /// Σ reward over those units.
    pub reward_sum: f64,
    /// Σ reward² over those units.
    pub reward_sum_squares: f64,
}

impl RewardSums {
    /// Sums of `count` units with Σ reward = `reward_sum` and Σ reward² =
    /// `reward_sum_squares` (checked when pushed).
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::RewardSums;
    /// let sums = RewardSums::new(2, 30.0, 500.0); // revenues 10 and 20
    /// assert_eq!(sums.count, 2);
    /// ```
    #[must_use]
    pub const fn new(count: u64, reward_sum: f64, reward_sum_squares: f64) -> Self {
        Self {
            count,
            reward_sum,
            reward_sum_squares,
        }
    }

    /// Sums of `count` units with 0/1 rewards, `successes` of them 1 (so
    /// Σ reward = Σ reward² = `successes`; more successes than units is
    /// refused when pushed).
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::RewardSums;
    /// assert_eq!(RewardSums::binary(280, 4).reward_sum_squares, 4.0);
    /// ```
    #[must_use]
    pub fn binary(count: u64, successes: u64) -> Self {
        let s = successes as f64;
        Self::new(count, s, s)
    }

    /// Sums of the given rewards.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::RewardSums;
    /// let sums = RewardSums::from_rewards(&[1.0, 0.0, 1.0]);
    /// assert_eq!(sums, RewardSums::binary(3, 2));
    /// ```
    #[must_use]
    pub fn from_rewards(rewards: &[f64]) -> Self {
        rewards.iter().fold(Self::default(), |acc, &r| {
            Self::new(
                acc.count + 1,
                acc.reward_sum + r,
                r.mul_add(r, acc.reward_sum_squares),
            )
        })
    }
}

/// The sums kept per segment × period × variant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Cell {
    pub(super) count: u64,
    pub(super) sum: f64,
    pub(super) sum_squares: f64,
    /// Σ reward / propensity.
    pub(super) weighted_sum: f64,
    /// Σ reward² / propensity².
    pub(super) weighted_sum_squares: f64,
    pub(super) min_propensity: f64,
    pub(super) max_propensity: f64,
}

impl Default for Cell {
    fn default() -> Self {
        Self {
            count: 0,
            sum: 0.0,
            sum_squares: 0.0,
            weighted_sum: 0.0,
            weighted_sum_squares: 0.0,
            min_propensity: f64::INFINITY,
            max_propensity: 0.0,
        }
    }
}

impl Cell {
    /// Whether the units of this cell were pushed with different propensities.
    pub(super) fn propensity_varies(&self) -> bool {
        self.count > 0 && self.max_propensity > self.min_propensity * (1.0 + PROPENSITY_TOLERANCE)
    }
}

/// The cells of one segment: per period, one cell per variant.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct SegmentCells {
    pub(super) units: u64,
    pub(super) periods: BTreeMap<i64, Vec<Cell>>,
}

impl Cell {
    /// Checks one push and returns its sums as a cell.
    pub(super) fn checked(
        segment: &str,
        period: i64,
        variant: &str,
        propensity: f64,
        rewards: RewardSums,
    ) -> Result<Cell> {
        let place = Place {
            segment,
            period,
            variant,
        };
        if !(propensity > 0.0 && propensity <= 1.0) {
            return Err(BanditError::InvalidCellPropensity {
                segment: segment.to_owned(),
                period,
                variant: variant.to_owned(),
                propensity,
            });
        }
        let RewardSums {
            count,
            reward_sum: sum,
            reward_sum_squares: sum_squares,
        } = rewards;
        if !sum.is_finite() {
            return Err(place.non_finite("reward_sum", sum));
        }
        if !sum_squares.is_finite() {
            return Err(place.non_finite("reward_sum_squares", sum_squares));
        }
        if sum_squares < 0.0 {
            return Err(place.inconsistent(rewards, "reward_sum_squares must be at least 0"));
        }
        if count == 0 {
            if sum != 0.0 || sum_squares != 0.0 {
                return Err(place.inconsistent(rewards, "a count of 0 must have sums of 0"));
            }
        } else if sum * (sum / count as f64) > sum_squares * (1.0 + SUMS_TOLERANCE) {
            return Err(place.inconsistent(
                rewards,
                "reward_sum_squares must be at least reward_sum² / count",
            ));
        }
        let weighted_sum = sum / propensity;
        let weighted_sum_squares = sum_squares / propensity / propensity;
        if !weighted_sum.is_finite() {
            return Err(place.non_finite("reward_sum / propensity", weighted_sum));
        }
        if !weighted_sum_squares.is_finite() {
            return Err(place.non_finite("reward_sum_squares / propensity²", weighted_sum_squares));
        }
        Ok(Cell {
            count,
            sum,
            sum_squares,
            weighted_sum,
            weighted_sum_squares,
            min_propensity: propensity,
            max_propensity: propensity,
        })
    }
}

/// Where a push goes, for its errors.
pub(super) struct Place<'a> {
    pub(super) segment: &'a str,
    pub(super) period: i64,
    pub(super) variant: &'a str,
}

impl Place<'_> {
    pub(super) fn non_finite(&self, field: &'static str, value: f64) -> BanditError {
        BanditError::NonFiniteCellReward {
            segment: self.segment.to_owned(),
            period: self.period,
            variant: self.variant.to_owned(),
            field,
            value,
        }
    }

    pub(super) fn inconsistent(&self, rewards: RewardSums, reason: &'static str) -> BanditError {
        BanditError::InconsistentRewards {
            segment: self.segment.to_owned(),
            period: self.period,
            variant: self.variant.to_owned(),
            count: rewards.count,
            reward_sum: rewards.reward_sum,
            reward_sum_squares: rewards.reward_sum_squares,
            reason,
        }
    }
}
