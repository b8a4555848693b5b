//! Always-valid inference with the mixture sequential probability ratio
//! test (mSPRT) for a normal mean or a difference of means / proportions.

use serde::{Deserialize, Serialize};

use crate::decision::Decision;
use crate::error::{PowerError, Result, finite, positive, probability};

/// An mSPRT monitor with always-valid p-values and confidence sequences.
///
/// The estimate θ̂ (a mean, or a difference of two means or proportions)
/// is approximately N(θ, V) with V its variance at the current look. Under
/// H0: θ = 0 the mixture likelihood ratio with a N(0, τ²) mixing
/// distribution over θ is a martingale, so p = min over looks of 1/Λ is a
/// valid p-value however often it is checked (Johari et al. 2017/2022;
/// the approach of Optimizely and Statsig). With a plug-in variance (for
/// proportions, p̂(1 − p̂)) validity is asymptotic.
///
/// τ² is the tuning parameter: the variance of effects you expect, in the
/// units of the estimate. Power is best for effects of size about τ.
///
/// # Formula
///
/// ```text
/// Λ_n = √(V/(V + τ²)) · exp( τ² θ̂² / (2V(V + τ²)) )
///     (for n observations of variance σ²: V = σ²/n, giving
///      √(σ²/(σ² + nτ²)) · exp( n²τ²θ̂² / (2σ²(σ² + nτ²)) ))
/// p_n = min(p_{n−1}, 1/Λ_n),  p_0 = 1
/// CS_n = θ̂ ± √( 2V(V + τ²)/τ² · (ln(1/α) + ½ ln((V + τ²)/V)) ),
///        intersected over looks
/// ```
///
/// # Example
///
/// ```
/// use seg_power::{Decision, Msprt};
///
/// let mut m = Msprt::new(1.0, 0.05)?;
/// // One-sample looks: n observations with variance 1, running mean.
/// let look = m.update_mean(25.0, 0.1, 1.0)?;
/// assert_eq!(look.decision, Decision::Continue);
/// let look = m.update_mean(400.0, 0.3, 1.0)?;
/// assert_eq!(look.decision, Decision::StopEfficacy);
/// assert!(look.ci_low > 0.0 && look.ci_high > 0.3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # References
///
/// - Robbins, H. (1970). Statistical methods related to the law of the
///   iterated logarithm. *Ann. Math. Statist.* 41, 1397–1409.
/// - Johari, R., Koomen, P., Pekelis, L., Walsh, D. (2022). Always valid
///   inference: continuous monitoring of A/B tests. *Operations Research*
///   70, 1806–1821.
///
/// # Saving and loading
///
/// The monitor serialises with its running p-value and confidence
/// sequence, so a service can save it between looks. Unbounded ends of the
/// confidence sequence (before the first look) are saved as `null`. Loading
/// runs the checks of [`Msprt::new`] on τ² and α and checks the running
/// state: a p-value in [0, 1] and finite ends. After `usize::MAX` looks an
/// update is an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawMsprt", into = "RawMsprt")]
pub struct Msprt {
    tau2: f64,
    alpha: f64,
    p_value: f64,
    ci_low: f64,
    ci_high: f64,
    looks: usize,
}

/// The serialised form of an [`Msprt`]: the ends of the confidence
/// sequence are `None` while unbounded (JSON has no infinity).
#[derive(Serialize, Deserialize)]
struct RawMsprt {
    tau2: f64,
    alpha: f64,
    p_value: f64,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
    looks: usize,
}

impl From<Msprt> for RawMsprt {
    fn from(m: Msprt) -> Self {
        RawMsprt {
            tau2: m.tau2,
            alpha: m.alpha,
            p_value: m.p_value,
            ci_low: Some(m.ci_low).filter(|v| v.is_finite()),
            ci_high: Some(m.ci_high).filter(|v| v.is_finite()),
            looks: m.looks,
        }
    }
}

impl TryFrom<RawMsprt> for Msprt {
    type Error = PowerError;

    fn try_from(raw: RawMsprt) -> Result<Self> {
        let mut m = Msprt::new(raw.tau2, raw.alpha)?;
        if !(0.0..=1.0).contains(&raw.p_value) {
            return Err(PowerError::InvalidParameter {
                parameter: "p_value",
                value: raw.p_value,
                reason: "must be in [0, 1]",
            });
        }
        if let Some(v) = raw.ci_low {
            m.ci_low = finite("ci_low", v)?;
        }
        if let Some(v) = raw.ci_high {
            m.ci_high = finite("ci_high", v)?;
        }
        m.p_value = raw.p_value;
        m.looks = raw.looks;
        Ok(m)
    }
}

/// The state of an [`Msprt`] after one look.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MsprtLook {
    /// The 1-based look.
    pub look: usize,
    /// The estimate θ̂.
    pub estimate: f64,
    /// Its standard error √V.
    pub std_error: f64,
    /// ln Λ.
    pub log_lambda: f64,
    /// Λ, the mixture likelihood ratio.
    pub lambda: f64,
    /// The always-valid p-value, non-increasing over looks.
    pub p_value: f64,
    /// Lower end of the confidence sequence (intersected over looks).
    pub ci_low: f64,
    /// Upper end of the confidence sequence (intersected over looks).
    pub ci_high: f64,
    /// `StopEfficacy` once p < α, `Continue` before.
    pub decision: Decision,
}

/// ln Λ for an estimate with variance `v` and mixing variance `tau2`.
fn log_lambda(estimate: f64, v: f64, tau2: f64) -> f64 {
    0.5 * (v / (v + tau2)).ln() + tau2 * estimate * estimate / (2.0 * v * (v + tau2))
}

/// ln Λ of `n` observations with variance `sigma2` and running mean
/// `mean`, in the form of `testdata/reference/README.md` (msprt section).
fn log_lambda_n(n: f64, mean: f64, sigma2: f64, tau2: f64) -> f64 {
    let s = sigma2 + n * tau2;
    0.5 * (sigma2 / s).ln() + n * n * tau2 * mean * mean / (2.0 * sigma2 * s)
}

impl Msprt {
    /// A monitor with mixing variance `tau2 > 0` (in squared units of the
    /// estimate) and level `alpha` in (0, 1).
    ///
    /// # Errors
    ///
    /// [`PowerError::InvalidParameter`] for a non-positive τ²,
    /// [`PowerError::InvalidProbability`] for α outside (0, 1),
    /// [`PowerError::InvalidParameter`] for NaN or infinite inputs.
    ///
    /// # Example
    /// ```
    /// use seg_power::Msprt;
    /// let m = Msprt::new(0.01, 0.05)?;
    /// assert_eq!(m.p_value(), 1.0);
    /// assert!(Msprt::new(0.0, 0.05).is_err());
    /// assert!(Msprt::new(0.01, 1.0).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(tau2: f64, alpha: f64) -> Result<Self> {
        positive("tau2", tau2)?;
        probability("alpha", alpha)?;
        Ok(Msprt {
            tau2,
            alpha,
            p_value: 1.0,
            ci_low: f64::NEG_INFINITY,
            ci_high: f64::INFINITY,
            looks: 0,
        })
    }

    /// The current always-valid p-value (1 before any look).
    ///
    /// # Example
    /// ```
    /// use seg_power::Msprt;
    /// let mut m = Msprt::new(1.0, 0.05)?;
    /// let look = m.update(3.0, 1.0)?;
    /// assert_eq!(m.p_value(), look.p_value);
    /// assert!(m.p_value() < 1.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn p_value(&self) -> f64 {
        self.p_value
    }

    /// Records a look; the state is left unchanged on error.
    fn record(&mut self, estimate: f64, v: f64, llr: f64) -> Result<MsprtLook> {
        let tau2 = self.tau2;
        let half = (2.0 * v * (v + tau2) / tau2
            * (-(self.alpha.ln()) + 0.5 * ((v + tau2) / v).ln()))
        .sqrt();
        if llr.is_nan() || !half.is_finite() {
            return Err(PowerError::NoSolution {
                quantity: "mixture likelihood ratio",
                reason: format!(
                    "estimate {estimate} with variance {v} and tau2 {tau2} overflow double precision"
                ),
            });
        }
        let looks = self.looks.checked_add(1).ok_or(PowerError::InvalidCount {
            parameter: "looks",
            value: self.looks,
            reason: "no more looks can be counted",
        })?;
        self.looks = looks;
        self.p_value = self.p_value.min((-llr).exp()).min(1.0);
        self.ci_low = self.ci_low.max(estimate - half);
        self.ci_high = self.ci_high.min(estimate + half);
        Ok(MsprtLook {
            look: self.looks,
            estimate,
            std_error: v.sqrt(),
            log_lambda: llr,
            lambda: llr.exp(),
            p_value: self.p_value,
            ci_low: self.ci_low,
            ci_high: self.ci_high,
            decision: if self.p_value < self.alpha {
                Decision::StopEfficacy
            } else {
                Decision::Continue
            },
        })
    }

    /// A look at an estimate with variance `variance` (its squared
    /// standard error).
    ///
    /// # Errors
    ///
    /// [`PowerError::InvalidParameter`] for a NaN or infinite estimate,
    /// [`PowerError::InvalidParameter`] for a non-positive variance.
    /// [`PowerError::NoSolution`] when the look overflows double precision
    /// (the monitor is then left unchanged).
    ///
    /// # Formula
    /// ```text
    /// ln Λ = ½ ln(V / (V + τ²)) + τ² θ̂² / (2V (V + τ²))        p = min(p_prev, 1/Λ, 1)
    /// ```
    ///
    /// # Example
    /// ```
    /// use seg_power::Msprt;
    /// let mut m = Msprt::new(1.0, 0.05)?;
    /// let look = m.update(3.0, 1.0)?;
    /// let want = 0.5 * 0.5_f64.ln() + 9.0 / 4.0;
    /// assert!((look.log_lambda - want).abs() < 1e-12);
    /// assert!((look.p_value - (-want).exp()).abs() < 1e-12);
    /// assert!(m.update(3.0, 0.0).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn update(&mut self, estimate: f64, variance: f64) -> Result<MsprtLook> {
        finite("estimate", estimate)?;
        positive("variance", variance)?;
        let llr = log_lambda(estimate, variance, self.tau2);
        self.record(estimate, variance, llr)
    }

    /// A look after `n` observations (or paired differences) with variance
    /// `sigma2` each and running mean `mean`.
    ///
    /// # Errors
    ///
    /// [`PowerError::InvalidParameter`] for non-positive `n` or `sigma2`,
    /// [`PowerError::InvalidParameter`] for a NaN or infinite mean.
    /// [`PowerError::NoSolution`] when the look overflows double precision
    /// (the monitor is then left unchanged).
    ///
    /// # Example
    ///
    /// ```
    /// use seg_power::Msprt;
    ///
    /// // testdata/reference/sequential.json, msprt-000, look at n = 2.
    /// let mut m = Msprt::new(1.0, 0.05)?;
    /// let look = m.update_mean(2.0, 1.0836011677829722, 1.0)?;
    /// assert!((look.log_lambda - 0.23348818287969242).abs() < 1e-15);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn update_mean(&mut self, n: f64, mean: f64, sigma2: f64) -> Result<MsprtLook> {
        positive("n", n)?;
        finite("mean", mean)?;
        positive("sigma2", sigma2)?;
        let llr = log_lambda_n(n, mean, sigma2, self.tau2);
        self.record(mean, sigma2 / n, llr)
    }

    /// A look at the difference of two means, B − A, from group sizes,
    /// means and variances; V = var_a/n_a + var_b/n_b.
    ///
    /// # Errors
    ///
    /// [`PowerError::InvalidParameter`] for non-positive sizes or
    /// variances, [`PowerError::InvalidParameter`] for NaN or infinite means.
    /// [`PowerError::NoSolution`] when the look overflows double precision
    /// (the monitor is then left unchanged).
    ///
    /// # Example
    /// ```
    /// use seg_power::Msprt;
    /// let mut m = Msprt::new(1.0, 0.05)?;
    /// // B − A = 0.5 with V = 1/100 + 1/100.
    /// let look = m.update_means((100.0, 10.0, 1.0), (100.0, 10.5, 1.0))?;
    /// assert!((look.estimate - 0.5).abs() < 1e-12);
    /// assert!((look.std_error - 0.02_f64.sqrt()).abs() < 1e-12);
    /// assert!(m.update_means((0.0, 10.0, 1.0), (100.0, 10.5, 1.0)).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn update_means(
        &mut self,
        (n_a, mean_a, var_a): (f64, f64, f64),
        (n_b, mean_b, var_b): (f64, f64, f64),
    ) -> Result<MsprtLook> {
        for (name, v) in [
            ("n_a", n_a),
            ("var_a", var_a),
            ("n_b", n_b),
            ("var_b", var_b),
        ] {
            positive(name, v)?;
        }
        finite("mean_a", mean_a)?;
        finite("mean_b", mean_b)?;
        self.update(mean_b - mean_a, var_a / n_a + var_b / n_b)
    }

    /// A look at the difference of two proportions, B − A, from
    /// conversions and group sizes, with the plug-in variance
    /// p̂_a(1 − p̂_a)/n_a + p̂_b(1 − p̂_b)/n_b.
    ///
    /// # Errors
    ///
    /// [`PowerError::InvalidParameter`] for empty groups, more conversions
    /// than units, or a zero plug-in variance (all or no conversions in
    /// both groups).
    /// [`PowerError::NoSolution`] when the look overflows double precision
    /// (the monitor is then left unchanged).
    ///
    /// # Example
    ///
    /// ```
    /// use seg_power::{Decision, Msprt};
    ///
    /// let mut m = Msprt::new(0.01f64.powi(2), 0.05)?;
    /// let look = m.update_proportions((20_000, 2_000), (20_000, 2_300))?;
    /// assert_eq!(look.decision, Decision::StopEfficacy);
    /// assert!((look.estimate - 0.015).abs() < 1e-15);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn update_proportions(
        &mut self,
        (n_a, x_a): (u64, u64),
        (n_b, x_b): (u64, u64),
    ) -> Result<MsprtLook> {
        for (name, n, x) in [("a", n_a, x_a), ("b", n_b, x_b)] {
            if n == 0 || x > n {
                return Err(PowerError::InvalidParameter {
                    parameter: if name == "a" {
                        "conversions_a"
                    } else {
                        "conversions_b"
                    },
                    value: x as f64,
                    reason: "need a non-empty group with conversions ≤ units",
                });
            }
        }
        let (pa, pb) = (x_a as f64 / n_a as f64, x_b as f64 / n_b as f64);
        let v = pa * (1.0 - pa) / n_a as f64 + pb * (1.0 - pb) / n_b as f64;
        if v <= 0.0 {
            return Err(PowerError::InvalidParameter {
                parameter: "variance",
                value: v,
                reason: "the plug-in variance is zero (all or no conversions in both groups)",
            });
        }
        self.update(pb - pa, v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_value_is_non_increasing_and_at_most_one() {
        let mut m = Msprt::new(0.5, 0.05).unwrap();
        let mut prev = 1.0;
        for (n, mean) in [(10.0, 0.0), (20.0, 0.5), (30.0, 0.0), (40.0, -0.2)] {
            let look = m.update_mean(n, mean, 4.0).unwrap();
            assert!(look.p_value <= prev && look.p_value <= 1.0);
            prev = look.p_value;
        }
    }

    #[test]
    fn variance_form_equals_observation_form() {
        let (n, mean, s2, tau2) = (37.0, 0.42, 2.25, 0.1);
        let a = log_lambda_n(n, mean, s2, tau2);
        let b = log_lambda(mean, s2 / n, tau2);
        assert!((a - b).abs() < 1e-13);
    }

    #[test]
    fn confidence_sequence_boundary_has_lambda_one_over_alpha() {
        // At θ = the CS end, the likelihood ratio of (θ̂ − θ) is exactly 1/α.
        let mut m = Msprt::new(0.3, 0.1).unwrap();
        let look = m.update(0.8, 0.05).unwrap();
        let at_edge = log_lambda(look.estimate - look.ci_low, 0.05, 0.3);
        assert!((at_edge - (1.0f64 / 0.1).ln()).abs() < 1e-12);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(Msprt::new(0.0, 0.05).is_err());
        assert!(Msprt::new(1.0, 1.5).is_err());
        let mut m = Msprt::new(1.0, 0.05).unwrap();
        assert!(m.update(f64::NAN, 1.0).is_err());
        assert!(m.update_proportions((10, 11), (10, 5)).is_err());
        assert!(m.update_proportions((10, 0), (10, 0)).is_err());
    }
}
