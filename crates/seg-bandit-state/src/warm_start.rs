//! Warm start: the prior of a new or sparse segment from what the other segments learned.

use crate::error::{BanditError, Result};
use crate::event::SegmentState;
use crate::experiment::Experiment;
use crate::state::{BetaState, Prior, check_shape};

/// Empirical-Bayes priors for a new segment, pooled from the same variant's
/// posteriors in the other segments and capped so the segment's own data
/// soon dominates.
///
/// # Formula
/// For one variant, with `μⱼ = αⱼ / (αⱼ + βⱼ)` its posterior mean in segment
/// `j` and weights `wⱼ` (1, or with [`WarmStart::weighted`] the segment's
/// size `(αⱼ + βⱼ) / 2`), the method-of-moments Beta fit across segments is
/// ```text
/// m = Σ wⱼ μⱼ / Σ wⱼ                      (pooled mean)
/// v = Σ wⱼ (μⱼ − m)² / Σ wⱼ               (between-segment variance)
/// κ = m (1 − m) / v − 1                    (pseudo-count; κ = cap when v = 0)
/// κ ← min(max(κ, min(2, cap)), cap)        (the cap, and at least a uniform's weight)
/// α₀ = m κ,  β₀ = (1 − m) κ
/// ```
/// so α₀ + β₀ ≤ cap: the prior weighs at most `cap` visitors, and after a few
/// times `cap` visitors of its own the segment's data dominate. Segments that
/// agree give a confident prior at their common mean; segments that disagree
/// (large `v`) give a weak one. The posterior means include each segment's
/// own prior, and their sampling noise adds to `v`, which only weakens the
/// prior (conservative).
///
/// Choosing the cap trades gain against harm. In the crate's seeded
/// simulation (`tests/warm_start.rs`: conversion rates of 4–7 %, 2,000
/// visitors), cap 10 cut a similar new segment's regret by about a fifth and
/// left an unlike segment's within noise of a flat prior's; caps 20 and 30
/// gained a little more on the similar segment but cost the unlike one about
/// 6 % more regret.
///
/// With fewer than `min_segments` other segments with data, or a degenerate
/// fit (a pooled mean of exactly 0 or 1 after rounding), the fallback prior is
/// used (the experiment's prior in [`WarmStart::priors`]).
///
/// # Example
/// ```
/// use seg_bandit_state::{BetaState, Prior, WarmStart};
/// let others = [BetaState::new(11.0, 91.0)?, BetaState::new(9.0, 89.0)?, BetaState::new(10.0, 90.0)?];
/// let prior = WarmStart::new(20.0)?.prior(&others, Prior::uniform())?;
/// assert!((prior.alpha() + prior.beta() - 20.0).abs() < 1e-9);
/// assert!((prior.alpha() / 20.0 - 0.1).abs() < 0.01);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WarmStart {
    cap: f64,
    weighted: bool,
    min_segments: usize,
}

impl WarmStart {
    /// Warm start with the pseudo-count cap `cap` (α₀ + β₀ ≤ cap), unweighted,
    /// needing at least 2 other segments with data.
    ///
    /// # Errors
    /// [`BanditError::InvalidParameter`] (`cap`) unless finite and > 0.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::WarmStart;
    /// assert_eq!(WarmStart::new(10.0)?.cap(), 10.0);
    /// assert!(WarmStart::new(0.0).is_err());
    /// assert!(WarmStart::new(f64::INFINITY).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(cap: f64) -> Result<Self> {
        check_shape("cap", cap)?;
        Ok(Self {
            cap,
            weighted: false,
            min_segments: 2,
        })
    }

    /// Weights each segment by its size `(α + β) / 2` instead of equally.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{BetaState, Prior, WarmStart};
    /// // A large segment at 10 % and a small one at 50 %.
    /// let others = [BetaState::new(100.0, 900.0)?, BetaState::new(1.0, 1.0)?];
    /// let plain = WarmStart::new(10.0)?.prior(&others, Prior::uniform())?;
    /// let weighted = WarmStart::new(10.0)?.weighted(true).prior(&others, Prior::uniform())?;
    /// let mean = |p: Prior| p.alpha() / (p.alpha() + p.beta());
    /// assert!((mean(plain) - 0.3).abs() < 1e-12); // the plain average of 0.1 and 0.5
    /// assert!(mean(weighted) < 0.11); // dominated by the large segment
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn weighted(mut self, weighted: bool) -> Self {
        self.weighted = weighted;
        self
    }

    /// The fewest other segments needed for a fit (default 2).
    ///
    /// # Errors
    /// [`BanditError::InvalidParameter`] (`min_segments`) for 0.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{BetaState, Prior, WarmStart};
    /// let others = [BetaState::new(5.0, 45.0)?, BetaState::new(6.0, 44.0)?];
    /// let fallback = Prior::new(1.0, 3.0)?;
    /// // Two segments are too few when three are required: the fallback is used.
    /// let ws = WarmStart::new(10.0)?.min_segments(3)?;
    /// assert_eq!(ws.prior(&others, fallback)?, fallback);
    /// assert!(WarmStart::new(10.0)?.min_segments(0).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn min_segments(mut self, min_segments: usize) -> Result<Self> {
        if min_segments == 0 {
            return Err(BanditError::InvalidParameter {
                parameter: "min_segments",
                value: "0".to_owned(),
                reason: "must be at least 1",
            });
        }
        self.min_segments = min_segments;
        Ok(self)
    }

    /// The pseudo-count cap.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::WarmStart;
    /// assert_eq!(WarmStart::new(25.0)?.cap(), 25.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn cap(&self) -> f64 {
        self.cap
    }

    /// The prior of one variant from its posteriors `others` in the other
    /// segments, or `fallback` (see the type's documentation).
    ///
    /// # Errors
    /// [`BanditError::InvalidParameter`] (`alpha`, `beta`) for a state whose α
    /// or β is not finite and > 0.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{BetaState, Prior, WarmStart};
    /// let ws = WarmStart::new(10.0)?;
    /// // Segments that agree exactly: the prior sits at their mean with weight `cap`.
    /// let same = [BetaState::new(2.0, 8.0)?, BetaState::new(4.0, 16.0)?];
    /// let p = ws.prior(&same, Prior::uniform())?;
    /// assert!((p.alpha() - 2.0).abs() < 1e-12 && (p.beta() - 8.0).abs() < 1e-12);
    /// // Too few segments: the fallback.
    /// assert_eq!(ws.prior(&same[..1], Prior::uniform())?, Prior::uniform());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn prior(&self, others: &[BetaState], fallback: Prior) -> Result<Prior> {
        for s in others {
            check_shape("alpha", s.alpha)?;
            check_shape("beta", s.beta)?;
        }
        if others.len() < self.min_segments {
            return Ok(fallback);
        }
        let weight = |s: &BetaState| {
            if self.weighted {
                s.alpha / 2.0 + s.beta / 2.0
            } else {
                1.0
            }
        };
        let total: f64 = others.iter().map(weight).sum();
        // Normalised weights stay finite: each weight is finite and at most the total.
        let wsum = |f: &dyn Fn(&BetaState) -> f64| -> f64 {
            others.iter().map(|s| weight(s) / total * f(s)).sum()
        };
        let m = wsum(&|s: &BetaState| s.mean());
        let v = wsum(&|s: &BetaState| (s.mean() - m).powi(2));
        let kappa = if v > 0.0 {
            m * (1.0 - m) / v - 1.0
        } else {
            self.cap
        };
        let kappa = if kappa.is_finite() { kappa } else { self.cap };
        let kappa = kappa.max(self.cap.min(2.0)).min(self.cap);
        Ok(Prior::new(m * kappa, (1.0 - m) * kappa).unwrap_or(fallback))
    }

    /// The priors of every variant (in the experiment's order) for a new
    /// segment, from `states` (e.g. [`crate::StateStore::all_states`]) of the
    /// other segments. Segments without data for a variant are skipped for
    /// that variant; the fallback is the experiment's prior.
    ///
    /// # Errors
    /// [`BanditError::UnknownVariant`] for a state of a variant the
    /// experiment does not have; [`BanditError::InvalidParameter`] as
    /// [`WarmStart::prior`].
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{Experiment, Prior, SegmentState, WarmStart};
    /// let e = Experiment::new("checkout", ["a", "b"], Prior::uniform())?;
    /// let states = [
    ///     SegmentState::new("mobile", "a", Prior::uniform(), 9, 91),
    ///     SegmentState::new("desktop", "a", Prior::uniform(), 11, 89),
    /// ];
    /// let priors = WarmStart::new(10.0)?.priors(&e, &states)?;
    /// // Variant "a" is fitted from two segments; "b" has no data and keeps the experiment's prior.
    /// assert!((priors[0].alpha() + priors[0].beta() - 10.0).abs() < 1e-9);
    /// assert_eq!(priors[1], Prior::uniform());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn priors(&self, experiment: &Experiment, states: &[SegmentState]) -> Result<Vec<Prior>> {
        let mut per_variant = vec![Vec::new(); experiment.variants().len()];
        for s in states {
            let i = experiment.variant_index(&s.variant)?;
            if (s.successes > 0 || s.failures > 0)
                && let Some(v) = per_variant.get_mut(i)
            {
                v.push(s.state);
            }
        }
        per_variant
            .iter()
            .map(|others| self.prior(others, experiment.prior()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prior_is_capped_at_the_pseudo_count() {
        let others = [BetaState::new(1000.0, 9000.0).unwrap(); 4];
        let p = WarmStart::new(30.0)
            .unwrap()
            .prior(&others, Prior::uniform())
            .unwrap();
        assert!((p.alpha() - 3.0).abs() < 1e-9 && (p.beta() - 27.0).abs() < 1e-9);
    }

    #[test]
    fn disagreeing_segments_give_a_weak_prior() {
        let others = [
            BetaState::new(90.0, 10.0).unwrap(),
            BetaState::new(10.0, 90.0).unwrap(),
        ];
        let p = WarmStart::new(100.0)
            .unwrap()
            .prior(&others, Prior::uniform())
            .unwrap();
        // m = 0.5, v = 0.16: κ = 0.25 / 0.16 − 1 = 0.5625, raised to 2.
        assert!((p.alpha() - 1.0).abs() < 1e-12 && (p.beta() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn too_few_segments_fall_back() {
        let fallback = Prior::new(3.0, 4.0).unwrap();
        let p = WarmStart::new(10.0)
            .unwrap()
            .prior(&[BetaState::default()], fallback)
            .unwrap();
        assert_eq!(p, fallback);
    }

    #[test]
    fn bad_cap_or_state_is_an_error() {
        assert!(WarmStart::new(0.0).is_err());
        assert!(WarmStart::new(f64::INFINITY).is_err());
        assert!(WarmStart::new(1.0).unwrap().min_segments(0).is_err());
        let bad = BetaState {
            alpha: 0.0,
            beta: 1.0,
        };
        assert!(
            WarmStart::new(1.0)
                .unwrap()
                .prior(&[bad, bad], Prior::uniform())
                .is_err()
        );
    }

    #[test]
    fn extreme_states_give_a_valid_prior() {
        let ws = WarmStart::new(1e300).unwrap().weighted(true);
        let others = [
            BetaState::new(f64::MAX, 1e-300).unwrap(),
            BetaState::new(1e-300, f64::MAX).unwrap(),
        ];
        let p = ws.prior(&others, Prior::uniform()).unwrap();
        assert!(p.alpha() > 0.0 && p.beta() > 0.0 && p.alpha().is_finite() && p.beta().is_finite());
    }
}
