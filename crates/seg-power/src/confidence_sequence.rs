//! Asymptotic confidence sequences (Waudby-Smith et al. 2023), as used by
//! GrowthBook's sequential testing.

use serde::{Deserialize, Serialize};

use crate::decision::Decision;
use crate::error::{PowerError, Result, finite, positive, probability};

/// A two-sided asymptotic confidence sequence for a mean or a difference
/// of means.
///
/// The tuning parameter ρ² sets the sample size n* at which the sequence
/// is tightest: ρ² = (−2 ln α + ln(−2 ln α + 1))/n*. Pick n* near the
/// sample size you expect to stop at ([`AsymptoticCs::tuned`]); any choice
/// keeps the (asymptotic) time-uniform coverage 1 − α.
///
/// # Formula
///
/// ```text
/// θ̂_n ± σ̂_n · √( 2(nρ² + 1)/(n²ρ²) · ln( √(nρ² + 1)/α ) )
/// ```
///
/// For a difference of two groups, n = n_a + n_b and σ̂² = n·(s_a²/n_a +
/// s_b²/n_b), so that σ̂²/n is the variance of the difference.
///
/// # Example
///
/// ```
/// use seg_power::AsymptoticCs;
///
/// let cs = AsymptoticCs::tuned(0.05, 5_000.0)?;
/// let ci = cs.interval(5_000.0, 0.1, 1.0)?;
/// // Wider than the fixed-n 95 % interval ±1.96/√5000 = ±0.0277.
/// assert!(ci.half_width > 0.0277 && ci.half_width < 0.05);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # References
///
/// - Waudby-Smith, I., Arbour, D., Sinha, R., Kennedy, E. H., Ramdas, A.
///   (2023). Time-uniform central limit theory and asymptotic confidence
///   sequences. arXiv:2103.06476 (*Ann. Statist.*, 2024).
/// - GrowthBook documentation, "Sequential testing".
///
/// # Loading
///
/// Deserialisation runs the checks of [`AsymptoticCs::new`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawAsymptoticCs")]
pub struct AsymptoticCs {
    alpha: f64,
    rho2: f64,
}

/// The serialised fields of an [`AsymptoticCs`], before their checks.
#[derive(Deserialize)]
struct RawAsymptoticCs {
    alpha: f64,
    rho2: f64,
}

impl TryFrom<RawAsymptoticCs> for AsymptoticCs {
    type Error = PowerError;

    fn try_from(raw: RawAsymptoticCs) -> Result<Self> {
        AsymptoticCs::new(raw.alpha, raw.rho2)
    }
}

/// One interval of a confidence sequence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CsInterval {
    /// The point estimate.
    pub estimate: f64,
    /// Half the width.
    pub half_width: f64,
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
    /// `StopEfficacy` when the interval excludes 0, `Continue` otherwise.
    pub decision: Decision,
}

impl AsymptoticCs {
    /// A sequence at level `alpha` with tuning parameter `rho2 > 0`.
    ///
    /// # Errors
    ///
    /// [`PowerError::InvalidProbability`] for α outside (0, 1),
    /// [`PowerError::InvalidParameter`] for a non-positive ρ².
    ///
    /// # Example
    /// ```
    /// use seg_power::AsymptoticCs;
    /// let cs = AsymptoticCs::new(0.05, 1e-3)?;
    /// assert_eq!(cs.rho2(), 1e-3);
    /// assert!(AsymptoticCs::new(1.5, 1e-3).is_err());
    /// assert!(AsymptoticCs::new(0.05, 0.0).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(alpha: f64, rho2: f64) -> Result<Self> {
        probability("alpha", alpha)?;
        positive("rho2", rho2)?;
        Ok(AsymptoticCs { alpha, rho2 })
    }

    /// A sequence tightest at sample size `n_star` (GrowthBook's "tuning
    /// parameter", default 5,000 there).
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new), and for a non-positive `n_star`.
    ///
    /// # Formula
    /// ```text
    /// ρ² = (−2 ln α + ln(−2 ln α + 1)) / n*
    /// ```
    ///
    /// # Example
    /// ```
    /// use seg_power::AsymptoticCs;
    /// let l = -2.0 * 0.05_f64.ln();
    /// let cs = AsymptoticCs::tuned(0.05, 5_000.0)?;
    /// assert!((cs.rho2() - (l + (l + 1.0).ln()) / 5_000.0).abs() < 1e-18);
    /// assert!(AsymptoticCs::tuned(0.05, -1.0).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn tuned(alpha: f64, n_star: f64) -> Result<Self> {
        probability("alpha", alpha)?;
        positive("n_star", n_star)?;
        let l = -2.0 * alpha.ln();
        Self::new(alpha, (l + (l + 1.0).ln()) / n_star)
    }

    /// The tuning parameter ρ².
    ///
    /// # Example
    /// ```
    /// use seg_power::AsymptoticCs;
    /// assert_eq!(AsymptoticCs::new(0.05, 0.25)?.rho2(), 0.25);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rho2(&self) -> f64 {
        self.rho2
    }

    /// The interval after `n` observations with estimate `estimate` and
    /// per-observation variance `sigma2`.
    ///
    /// # Errors
    ///
    /// [`PowerError::InvalidParameter`] for non-positive `n` or negative
    /// `sigma2`, [`PowerError::InvalidParameter`] for NaN or infinite inputs,
    /// [`PowerError::NoSolution`] when the interval overflows double
    /// precision (for example `n·ρ²` beyond 1e308).
    ///
    /// # Example
    /// ```
    /// use seg_power::{AsymptoticCs, Decision};
    /// let cs = AsymptoticCs::tuned(0.05, 5_000.0)?;
    /// let early = cs.interval(100.0, 0.1, 1.0)?;
    /// assert_eq!(early.decision, Decision::Continue); // 0 is inside
    /// let late = cs.interval(100_000.0, 0.1, 1.0)?;
    /// assert_eq!(late.decision, Decision::StopEfficacy);
    /// assert!(late.low > 0.0 && late.half_width < early.half_width);
    /// assert!(cs.interval(0.0, 0.1, 1.0).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn interval(&self, n: f64, estimate: f64, sigma2: f64) -> Result<CsInterval> {
        positive("n", n)?;
        finite("estimate", estimate)?;
        finite("sigma2", sigma2)?;
        if sigma2 < 0.0 {
            return Err(PowerError::InvalidParameter {
                parameter: "sigma2",
                value: sigma2,
                reason: "must be non-negative",
            });
        }
        let nr = n * self.rho2;
        let half =
            (sigma2 * 2.0 * (nr + 1.0) / (n * nr) * ((nr + 1.0).sqrt() / self.alpha).ln()).sqrt();
        let (low, high) = (estimate - half, estimate + half);
        if !(half.is_finite() && low.is_finite() && high.is_finite()) {
            return Err(PowerError::NoSolution {
                quantity: "confidence sequence half-width",
                reason: format!(
                    "n = {n}, sigma2 = {sigma2}, rho2 = {} overflow double precision",
                    self.rho2
                ),
            });
        }
        let decision = if low > 0.0 || high < 0.0 {
            Decision::StopEfficacy
        } else {
            Decision::Continue
        };
        Ok(CsInterval {
            estimate,
            half_width: half,
            low,
            high,
            decision,
        })
    }

    /// The interval for the difference of means B − A, from each group's
    /// size, mean and variance.
    ///
    /// # Errors
    ///
    /// As [`interval`](Self::interval), for either group.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_power::{AsymptoticCs, Decision};
    ///
    /// let cs = AsymptoticCs::tuned(0.05, 10_000.0)?;
    /// let ci = cs.interval_difference((5_000.0, 10.0, 25.0), (5_000.0, 10.5, 25.0))?;
    /// assert_eq!(ci.decision, Decision::StopEfficacy);
    /// assert!((ci.estimate - 0.5).abs() < 1e-12);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn interval_difference(
        &self,
        (n_a, mean_a, var_a): (f64, f64, f64),
        (n_b, mean_b, var_b): (f64, f64, f64),
    ) -> Result<CsInterval> {
        positive("n_a", n_a)?;
        positive("n_b", n_b)?;
        for (name, v) in [("var_a", var_a), ("var_b", var_b)] {
            finite(name, v)?;
            if v < 0.0 {
                return Err(PowerError::InvalidParameter {
                    parameter: name,
                    value: v,
                    reason: "must be non-negative",
                });
            }
        }
        let n = n_a + n_b;
        self.interval(n, mean_b - mean_a, n * (var_a / n_a + var_b / n_b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tightest_near_the_tuning_sample_size() {
        // Relative to the 1/√n rate, the width is smallest near n*.
        let cs = AsymptoticCs::tuned(0.05, 1_000.0).unwrap();
        let scaled = |n: f64| cs.interval(n, 0.0, 1.0).unwrap().half_width * n.sqrt();
        assert!(scaled(1_000.0) < scaled(100.0));
        assert!(scaled(1_000.0) < scaled(10_000.0));
    }

    #[test]
    fn always_wider_than_the_fixed_interval() {
        let cs = AsymptoticCs::tuned(0.05, 500.0).unwrap();
        for n in [10.0, 500.0, 1e5] {
            let hw = cs.interval(n, 0.0, 1.0).unwrap().half_width;
            assert!(hw > 1.959_963_984_540_054 / f64::sqrt(n));
        }
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(AsymptoticCs::new(0.05, 0.0).is_err());
        assert!(AsymptoticCs::tuned(2.0, 10.0).is_err());
        let cs = AsymptoticCs::tuned(0.05, 10.0).unwrap();
        assert!(cs.interval(0.0, 1.0, 1.0).is_err());
        assert!(cs.interval(10.0, 1.0, -1.0).is_err());
    }
}
