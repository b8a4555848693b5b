//! Mean rewards and lifts that stay unbiased when the allocation adapts to
//! the data: period-weighted and inverse-propensity-weighted estimates, with
//! the naive pooled mean for contrast.

use std::collections::BTreeMap;

mod cells;
mod estimate;
mod report;

pub use self::report::{
    AdaptiveEstimate, AdaptiveEstimates, AdaptiveLift, AdaptiveReport, AdaptiveSegment,
    LiftEstimates, VariantEstimates,
};

pub use self::cells::RewardSums;

use self::cells::{Cell, Place, SegmentCells};
use crate::PeriodBatch;
use crate::error::{BanditError, Result};

/// Estimates of each variant's mean reward, and of the lifts against the
/// control, that stay unbiased when the allocation changes from period to
/// period with the data, as Thompson sampling does.
///
/// # The problem
/// Under adaptive allocation the naive mean of a variant (its Σ reward over
/// its units, all periods pooled) is biased. A variant that starts badly by
/// chance is served less, so its unlucky early units keep a large weight and
/// its estimate recovers slowly: with rates of 1.34% and 2.28%, Thompson
/// sampling with a 5% floor updated in 28 daily batches of 280 visitors, the
/// naive mean of the worse variant averages about 1.24% (−8%), and the lift is
/// overstated. When the rates also change over time (weekends, campaigns),
/// pooling the periods mixes them in different proportions for each variant
/// (Simpson's paradox). The naive estimate is reported for contrast only.
///
/// # The estimates
/// Units are pushed per segment × period × variant with the variant's
/// *propensity* (its allocation probability when the unit was served). In a
/// segment with `N` units, `N_t` of them in period `t`, of which `n_tv` were
/// served variant `v`, each with reward `r_i` and propensity `p_i`:
///
/// ```text
/// target      θ_v = Σ_t (N_t / N) μ_tv     (μ_tv: v's mean reward in period t)
/// naive       Σ_i∈v r_i / n_v                                  (biased, for contrast)
/// period-weighted  Σ_t (N_t / N) ȳ_tv      (ȳ_tv: mean of v's units in period t)
/// IPW         (1/N) Σ_i 1[a_i = v] r_i / p_i                  (Horvitz–Thompson)
/// ```
///
/// `θ_v` is the mean reward the variant would have had, had it been served
/// to all the segment's traffic. Within a period the allocation is constant,
/// so `ȳ_tv` is an unbiased estimate of `μ_tv` whatever happened before; the
/// **period-weighted** mean combines the periods in proportion to their whole
/// traffic (all variants), not the variant's, as GrowthBook does. The
/// **inverse-propensity-weighted** (IPW, Horvitz–Thompson[^ht]) mean is
/// unbiased because `E[1[a_i = v] / p_i] = 1` for each unit given the past.
/// Pooled over segments, each segment is weighted by its traffic share
/// `N_s / N`. Lifts are differences `θ_v − θ_control` of the same estimator
/// (the control is the first variant), with a relative lift `θ_v / θ_control
/// − 1` when the control's estimate is positive.
///
/// # Standard errors and intervals
/// ```text
/// naive       s_v² / n_v                 (s_v²: sample variance of v's rewards)
/// period-weighted  λ_v Σ_t (N_t / N)² τ_t / n_tv
///             τ_t = Σ_w Σ_i∈tw (r_i − ȳ_tw)² / Σ_w (n_tw − 1)   (all units of period t)
///             λ_v = Σ_t Σ_i∈tv (r_i − ȳ_tv)² / Σ_t (n_tv − 1) τ_t
/// IPW         s_y² / N                   (s_y²: sample variance of y_i = 1[a_i = v] r_i / p_i)
/// ```
/// The period-weighted variance models the variance of `v` in period `t` as
/// `λ_v·τ_t`: a profile `τ_t` over the periods, the within-variant variance
/// of all the period's units (many, so it is stable), times the variant's
/// own level `λ_v`, estimated from all its units at once. A period's own
/// variance of `v` would be unstable with few events (0 conversions give a
/// variance of 0, and an interval too short exactly when the estimate is
/// low), and a single variance pooled over the periods would miss a weekend
/// or a campaign that raises every variant's variance while the variant's
/// units are scarce. It assumes the periods change the variants' variances
/// in proportion (true for conversions at a common multiplicative effect and
/// rates well below ½). A period where no variant has two units takes the
/// profile pooled over the periods; a variant without two units in any
/// period uses the sample variance of all its rewards. The IPW variance uses
/// the per-unit terms `y_i`, computed from the cells (`Σ y_i² = Σ_cells
/// Σ r²/p²`); centred on the overall mean, it is slightly conservative when
/// the mean changes between periods. For lifts the variances add (the two
/// variants' units are disjoint) and IPW uses the per-unit differences
/// `y_i(v) − y_i(control)`; the relative lift uses the delta method.
/// Intervals are normal: `estimate ± z(1 − α/2)·se`.
///
/// # Assumptions
/// - **The logged propensity is the probability actually used** to choose
///   the unit's variant (after any floor), and units within a period are
///   alike (exchangeable) whichever variant they got.
/// - **The allocation is constant within a period** for the period-weighted
///   estimate (its `n_tv / N_t` stands in for the propensity). Units may be
///   pushed with different propensities in one cell: IPW stays exact (it
///   accumulates `Σ r/p` and `Σ r²/p²` unit by unit), but the period-weighted
///   estimate is then biased if the rates also change within the period;
///   [`AdaptiveSegment::cells_with_varying_propensity`] counts such cells (use
///   shorter periods, or IPW).
/// - **Propensities stay away from 0**: a floor on the allocation
///   ([`crate::ThompsonSampler::min_share`]) keeps them at or above it. IPW's
///   variance grows roughly as `1/p` as the floor shrinks (one unit served at
///   `p = 0.01` weighs 100), and a propensity of 0 leaves the variant
///   unobserved in that period.
/// - **A period with no units of a variant** cannot be used for that
///   variant's period-weighted estimate: it is dropped for that variant and
///   the weights of the other periods renormalised. The estimate then
///   targets the variant's mean over the periods kept, biased by the dropped
///   share times the difference between the dropped periods' mean and the
///   others' ([`VariantEstimates::dropped_traffic_share`] reports that
///   share). With a floor and enough traffic per period it is rare: at a 5%
///   floor and 280 units a period, `0.95²⁸⁰ ≈ 6·10⁻⁷`. IPW needs no such
///   rule.
/// - **Normal intervals need enough events**: tens of successes per variant
///   for conversions, and no few units dominating a revenue's variance.
///   Under adaptive allocation the weights themselves depend on the data, so
///   the coverage is close to, not exactly, the nominal level; the
///   simulations of `tests/adaptive_simulation.rs` measure it (95%
///   intervals: 93.7–95.4% with 3,000 visitors a day at 5–12%, down to 91.5%
///   for a variant with about 100 conversions).
///
/// # Example
/// ```
/// use seg_bandit_state::{AdaptiveEstimator, RewardSums};
/// let mut est = AdaptiveEstimator::new(["control", "green"])?;
/// // Day 1: a 50/50 split. Day 2: green got 90% of the traffic.
/// est.push_period("all", 1, "control", 0.5, RewardSums::binary(500, 50))?;
/// est.push_period("all", 1, "green", 0.5, RewardSums::binary(500, 60))?;
/// est.push_period("all", 2, "control", 0.1, RewardSums::binary(100, 20))?;
/// est.push_period("all", 2, "green", 0.9, RewardSums::binary(900, 216))?;
/// let report = est.report(0.05)?;
/// let control = report.pooled.variant("control").ok_or("no control")?;
/// // Naive: 70 / 600; period-weighted: (1000·0.10 + 1000·0.20) / 2000.
/// assert!((control.naive.value - 70.0 / 600.0).abs() < 1e-12);
/// assert!((control.period_weighted.value - 0.15).abs() < 1e-12);
/// // IPW: (50/0.5 + 20/0.1) / 2000.
/// assert!((control.ipw.value - 0.15).abs() < 1e-12);
/// let lift = report.pooled.lift("green").ok_or("no lift")?;
/// assert!((lift.period_weighted.difference.value - 0.03).abs() < 1e-12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// [^ht]: D. G. Horvitz and D. J. Thompson (1952), "A generalization of
///     sampling without replacement from a finite universe", *JASA* 47,
///     663–685. For the period-weighted estimate see GrowthBook's
///     documentation of its multi-armed bandits ("Simpson's paradox").
#[derive(Debug, Clone, PartialEq)]
pub struct AdaptiveEstimator {
    variants: Vec<String>,
    segments: BTreeMap<String, SegmentCells>,
    units: u64,
}

impl AdaptiveEstimator {
    /// An estimator for `variants`; the first is the control of the lifts.
    ///
    /// # Errors
    /// [`BanditError::InvalidParameter`] for no variant (`variants`), an empty
    /// name (`variant`) or a name given twice (`variants`).
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::AdaptiveEstimator;
    /// let est = AdaptiveEstimator::new(["a", "b"])?;
    /// assert_eq!(est.variants(), ["a", "b"]);
    /// assert!(AdaptiveEstimator::new(["a", "a"]).is_err());
    /// assert!(AdaptiveEstimator::new(Vec::<String>::new()).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new<I, S>(variants: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let variants: Vec<String> = variants.into_iter().map(Into::into).collect();
        if variants.is_empty() {
            return Err(BanditError::InvalidParameter {
                parameter: "variants",
                value: "[]".to_owned(),
                reason: "at least one variant is needed",
            });
        }
        for (i, v) in variants.iter().enumerate() {
            crate::experiment::check_name("variant", v)?;
            if variants.iter().take(i).any(|w| w == v) {
                return Err(BanditError::InvalidParameter {
                    parameter: "variants",
                    value: format!("{v:?}"),
                    reason: "variant names must be unique",
                });
            }
        }
        Ok(Self {
            variants,
            segments: BTreeMap::new(),
            units: 0,
        })
    }

    /// The variants, in the order given to [`AdaptiveEstimator::new`].
    #[must_use]
    pub fn variants(&self) -> &[String] {
        &self.variants
    }

    /// The number of units pushed, all segments.
    #[must_use]
    pub const fn units(&self) -> u64 {
        self.units
    }

    /// Adds the units that `variant` served in `period` of `segment`, all
    /// with the allocation probability `propensity`. Pushing the same
    /// segment × period × variant again adds to it. Periods are any integer
    /// labels (a day number, an hour); a period is a stretch of time in
    /// which the allocation was constant.
    ///
    /// # Errors
    /// Nothing is added when an error is returned:
    /// - [`BanditError::UndeclaredVariant`] for a variant not given to `new`;
    /// - [`BanditError::InvalidCellPropensity`] for a propensity outside (0, 1];
    /// - [`BanditError::NonFiniteCellReward`] for a sum that is NaN or infinite
    ///   or that would make an accumulated sum (such as Σ reward/propensity)
    ///   infinite;
    /// - [`BanditError::InconsistentRewards`] for `Σ reward² < 0`, sums other
    ///   than 0 with a count of 0, `Σ reward² < (Σ reward)²/count` (e.g. more
    ///   successes than units), or a total count above `u64::MAX`.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{AdaptiveEstimator, RewardSums};
    /// let mut est = AdaptiveEstimator::new(["a", "b"])?;
    /// est.push_period("mobile", 20_250, "a", 0.3, RewardSums::binary(30, 2))?;
    /// assert_eq!(est.units(), 30);
    /// assert!(est.push_period("mobile", 20_250, "a", 0.0, RewardSums::binary(1, 0)).is_err());
    /// assert!(est.push_period("mobile", 20_250, "c", 0.3, RewardSums::binary(1, 0)).is_err());
    /// assert!(est.push_period("mobile", 20_250, "a", 0.3, RewardSums::binary(1, 2)).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push_period(
        &mut self,
        segment: &str,
        period: i64,
        variant: &str,
        propensity: f64,
        rewards: RewardSums,
    ) -> Result<()> {
        let index = self.variant_index(variant)?;
        let cell = Cell::checked(segment, period, variant, propensity, rewards)?;
        let place = Place {
            segment,
            period,
            variant,
        };
        self.add_cell(&place, index, cell)
    }

    /// Adds a checked cell of variant `index` at `place`; nothing is added
    /// when an error is returned.
    fn add_cell(&mut self, place: &Place<'_>, index: usize, cell: Cell) -> Result<()> {
        let rewards = RewardSums::new(cell.count, cell.sum, cell.sum_squares);
        // Every cell's count is at most the total, so no sum of counts below overflows.
        let Some(total) = self.units.checked_add(cell.count) else {
            return Err(place.inconsistent(rewards, "the total count would exceed u64::MAX"));
        };
        if cell.count == 0 {
            return Ok(());
        }
        let old = self
            .segments
            .get(place.segment)
            .and_then(|s| s.periods.get(&place.period))
            .and_then(|cells| cells.get(index))
            .copied()
            .unwrap_or_default();
        let merged = Cell {
            count: old.count + cell.count,
            sum: old.sum + cell.sum,
            sum_squares: old.sum_squares + cell.sum_squares,
            weighted_sum: old.weighted_sum + cell.weighted_sum,
            weighted_sum_squares: old.weighted_sum_squares + cell.weighted_sum_squares,
            min_propensity: old.min_propensity.min(cell.min_propensity),
            max_propensity: old.max_propensity.max(cell.max_propensity),
        };
        for (field, value) in [
            ("accumulated reward_sum", merged.sum),
            ("accumulated reward_sum_squares", merged.sum_squares),
            ("accumulated reward_sum / propensity", merged.weighted_sum),
            (
                "accumulated reward_sum_squares / propensity²",
                merged.weighted_sum_squares,
            ),
        ] {
            if !value.is_finite() {
                return Err(place.non_finite(field, value));
            }
        }
        let n_variants = self.variants.len();
        let segment_cells = self.segments.entry(place.segment.to_owned()).or_default();
        segment_cells.units += cell.count;
        let cells = segment_cells
            .periods
            .entry(place.period)
            .or_insert_with(|| vec![Cell::default(); n_variants]);
        if let Some(slot) = cells.get_mut(index) {
            *slot = merged;
        }
        self.units = total;
        Ok(())
    }

    /// Adds everything `other` holds: partial sums gathered elsewhere (other
    /// partitions, processes or machines) for the same variants. The result
    /// equals pushing all the units into one estimator, up to the rounding of
    /// the sums.
    ///
    /// # Errors
    /// Nothing is added when an error is returned:
    /// - [`BanditError::InvalidParameter`] (`other`) when its variants differ
    ///   (names or order);
    /// - [`BanditError::InconsistentRewards`] or
    ///   [`BanditError::NonFiniteCellReward`] when a total would overflow.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{AdaptiveEstimator, RewardSums};
    /// let mut monday = AdaptiveEstimator::new(["a", "b"])?;
    /// monday.push_period("s", 1, "a", 0.5, RewardSums::binary(100, 5))?;
    /// let mut tuesday = AdaptiveEstimator::new(["a", "b"])?;
    /// tuesday.push_period("s", 2, "a", 0.2, RewardSums::binary(20, 1))?;
    /// monday.merge(&tuesday)?;
    /// assert_eq!(monday.units(), 120);
    /// assert!(monday.merge(&AdaptiveEstimator::new(["b", "a"])?).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        if other.variants != self.variants {
            return Err(BanditError::InvalidParameter {
                parameter: "other",
                value: format!("{:?}", other.variants),
                reason: "must have the same variants in the same order",
            });
        }
        let mut merged = self.clone();
        for (segment, cells) in &other.segments {
            for (&period, row) in &cells.periods {
                for ((index, cell), variant) in row.iter().enumerate().zip(&self.variants) {
                    let place = Place {
                        segment,
                        period,
                        variant,
                    };
                    merged.add_cell(&place, index, *cell)?;
                }
            }
        }
        *self = merged;
        Ok(())
    }

    /// Adds a [`PeriodBatch`] of the decision log: its units, propensity and
    /// reward sums, under its segment, period and variant.
    ///
    /// # Errors
    /// As [`AdaptiveEstimator::push_period`].
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{AdaptiveEstimator, PeriodBatch};
    /// let mut est = AdaptiveEstimator::new(["control", "green"])?;
    /// est.push_batch(&PeriodBatch::new("mobile", "green", 3, 0.8, 1_000, 31.0, 31.0)?)?;
    /// assert_eq!(est.units(), 1_000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push_batch(&mut self, batch: &PeriodBatch) -> Result<()> {
        self.push_period(
            batch.segment(),
            batch.period(),
            batch.variant(),
            batch.propensity(),
            RewardSums::new(
                batch.count(),
                batch.reward_sum(),
                batch.reward_sum_squares(),
            ),
        )
    }

    /// Adds one unit: `variant` served in `period` of `segment` with
    /// probability `propensity`, and its `reward`. Units of one segment ×
    /// period × variant may carry different propensities: the IPW estimate
    /// uses each unit's own (see the type's documentation for the
    /// period-weighted one).
    ///
    /// # Errors
    /// As [`AdaptiveEstimator::push_period`] (a `reward` that is not finite,
    /// or whose square is not, is a [`BanditError::NonFiniteCellReward`]).
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::AdaptiveEstimator;
    /// let mut est = AdaptiveEstimator::new(["a", "b"])?;
    /// est.push_decision("all", 1, "b", 0.8, 12.5)?;
    /// assert!(est.push_decision("all", 1, "b", 0.8, f64::NAN).is_err());
    /// assert_eq!(est.units(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push_decision(
        &mut self,
        segment: &str,
        period: i64,
        variant: &str,
        propensity: f64,
        reward: f64,
    ) -> Result<()> {
        self.push_period(
            segment,
            period,
            variant,
            propensity,
            RewardSums::new(1, reward, reward * reward),
        )
    }

    /// The estimates per segment and pooled over segments, with `(1 −
    /// alpha)` normal intervals (see the type's documentation).
    ///
    /// # Errors
    /// - [`BanditError::InvalidParameter`] (`alpha`) outside (0, 1);
    /// - [`BanditError::NoUnits`] when nothing was pushed;
    /// - [`BanditError::TooFewUnits`] when a variant has fewer than 2 units
    ///   in a segment.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{AdaptiveEstimator, RewardSums};
    /// let mut est = AdaptiveEstimator::new(["a", "b"])?;
    /// assert!(est.report(0.05).is_err()); // nothing pushed
    /// est.push_period("s", 0, "a", 0.5, RewardSums::binary(100, 10))?;
    /// est.push_period("s", 0, "b", 0.5, RewardSums::binary(100, 20))?;
    /// let report = est.report(0.05)?;
    /// let b = report.segment("s").ok_or("no segment")?.estimates.variant("b").ok_or("no b")?;
    /// assert!(b.ipw.ci_low < 0.2 && 0.2 < b.ipw.ci_high);
    /// assert!(est.report(1.0).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn report(&self, alpha: f64) -> Result<AdaptiveReport> {
        if !(alpha > 0.0 && alpha < 1.0) {
            return Err(BanditError::InvalidParameter {
                parameter: "alpha",
                value: alpha.to_string(),
                reason: "must be strictly between 0 and 1",
            });
        }
        if self.units == 0 {
            return Err(BanditError::NoUnits);
        }
        for (segment, cells) in &self.segments {
            for (v, variant) in self.variants.iter().enumerate() {
                let units: u64 = cells
                    .periods
                    .values()
                    .filter_map(|c| c.get(v))
                    .map(|c| c.count)
                    .sum();
                if units < 2 {
                    return Err(BanditError::TooFewUnits {
                        segment: segment.clone(),
                        variant: variant.clone(),
                        units,
                    });
                }
            }
        }
        Ok(estimate::report(&self.variants, &self.segments, alpha))
    }

    fn variant_index(&self, variant: &str) -> Result<usize> {
        self.variants
            .iter()
            .position(|v| v == variant)
            .ok_or_else(|| BanditError::UndeclaredVariant {
                variant: variant.to_owned(),
                known: self.variants.clone(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<AdaptiveEstimator>();
        check::<AdaptiveReport>();
        check::<RewardSums>();
    }

    #[test]
    fn a_refused_push_changes_nothing() {
        let mut est = AdaptiveEstimator::new(["a", "b"]).unwrap();
        est.push_period("s", 1, "a", 0.5, RewardSums::binary(10, 3))
            .unwrap();
        let before = est.clone();
        let huge = RewardSums::new(1, f64::MAX, f64::MAX);
        assert!(est.push_period("s", 1, "a", 0.5, huge).is_err());
        assert!(
            est.push_period("s", 1, "a", 0.5, RewardSums::binary(u64::MAX, 0))
                .is_err()
        );
        assert!(
            est.push_period("t", 2, "b", f64::NAN, RewardSums::binary(1, 0))
                .is_err()
        );
        assert_eq!(est, before);
    }

    #[test]
    fn differing_propensities_in_a_cell_are_flagged() {
        let mut cell = Cell::default();
        assert!(!cell.propensity_varies());
        cell.count = 2;
        cell.min_propensity = 0.5;
        cell.max_propensity = 0.5;
        assert!(!cell.propensity_varies());
        cell.max_propensity = 0.5 + 1e-9;
        assert!(cell.propensity_varies());
    }
}
