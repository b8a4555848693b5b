//! Sample size, power and minimum detectable effect for two means.

use serde::{Deserialize, Serialize};

use crate::common::{
    Alternative, Mde, SampleSize, check_alpha_power, check_n, check_ratio_rho, normal_lambda,
    normal_power,
};
use crate::dist::{nct_tails, t_isf};
use crate::error::{PowerError, Result, finite, positive};
use crate::root::solve_increasing;

/// The test used to compare two means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeanTestKind {
    /// The two-sample z-test (known variance; statsmodels `NormalIndPower`).
    Z,
    /// The two-sample t-test with pooled variance, df = n1 + n2 − 2
    /// (statsmodels `TTestIndPower`, R `power.t.test`). The default.
    #[default]
    T,
}

/// Planning calculator for comparing two means.
///
/// Effects are standardized (Cohen's d = difference / standard deviation)
/// unless a standard deviation is set with [`sd`](Self::sd): then
/// [`Mde::Absolute`] is in the metric's units, and with
/// [`baseline_mean`](Self::baseline_mean) also [`Mde::Relative`] works.
/// Group 1 (control) has `n1` units, group 2 (treatment) `ratio · n1`.
///
/// Defaults: α = 0.05, two-sided, ratio 1, t-test, sd 1 (Cohen's d), no
/// CUPED.
///
/// # Formula
///
/// ```text
/// d = Δ / sd,  n_eff = 1 / (1/n1 + 1/n2) = n1·r/(1 + r),  λ = |d| √n_eff
/// z-test power: Φ(λ − z_α) + Φ(−λ − z_α)    (one-sided: Φ(λ − z_α))
/// t-test power: P(T > t*) + P(T < −t*),  T ~ noncentral t(ν = n1 + n2 − 2, λ),
///               t* = t-quantile(1 − α/2, ν)  (one-sided: P(T > t_{1−α}))
/// CUPED: n1 ← n1·(1 − ρ²), i.e. power(n1) = power_without_cuped(n1 / (1 − ρ²))
/// ```
///
/// Sample sizes and effects are found by Brent's method to full double
/// precision (relative tolerance 4ε) after bracketing; the z-test sample
/// size solves λ first and is then closed form. With CUPED the t-test uses
/// the degrees of freedom of the effective sample, a negligible
/// approximation.
///
/// # Example
///
/// ```
/// use seg_power::{MeanTest, MeanTestKind, Mde};
///
/// // statsmodels TTestIndPower().solve_power(0.2, alpha=0.05, power=0.9) = 526.333…
/// let n = MeanTest::new().sample_size(Mde::Absolute(0.2), 0.9)?;
/// assert!((n.n1 / 526.3331885756568 - 1.0).abs() < 1e-10);
/// // In the metric's units: order value with mean 50 and sd 20, +2 %.
/// let t = MeanTest::new().sd(20.0).baseline_mean(50.0);
/// let n = t.sample_size(Mde::Relative(0.02), 0.8)?;
/// assert!(n.n1_ceil > 6000 && n.n1_ceil < 7000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # References
///
/// - Cohen, J. (1988). *Statistical Power Analysis for the Behavioral
///   Sciences*, 2nd ed., ch. 2.
/// - statsmodels `TTestIndPower`, `NormalIndPower`; R `power.t.test`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanTest {
    alpha: f64,
    alternative: Alternative,
    ratio: f64,
    kind: MeanTestKind,
    sd: f64,
    mean: Option<f64>,
    cuped_rho: f64,
}

/// A minimum detectable difference in means.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanMde {
    /// The standardized effect (Cohen's d).
    pub cohens_d: f64,
    /// The difference in the metric's units, `cohens_d · sd`.
    pub absolute: f64,
    /// The difference relative to the baseline mean, when one was set.
    pub relative: Option<f64>,
}

impl Default for MeanTest {
    fn default() -> Self {
        Self::new()
    }
}

impl MeanTest {
    /// A calculator with the defaults: α = 0.05, two-sided, ratio 1,
    /// t-test, effects in standard deviations (sd = 1), no CUPED.
    ///
    /// The setters below are consuming and chain; their values are checked when
    /// solving ([`sample_size`](Self::sample_size), [`power`](Self::power),
    /// [`mde`](Self::mde)).
    ///
    /// # Example
    /// ```
    /// use seg_power::{Alternative, MeanTest, MeanTestKind, Mde};
    /// let test = MeanTest::new()
    ///     .alpha(0.01)
    ///     .alternative(Alternative::OneSided)
    ///     .ratio(2.0)
    ///     .test(MeanTestKind::Z)
    ///     .sd(20.0)
    ///     .baseline_mean(50.0)
    ///     .cuped_rho(0.5);
    /// let n = test.sample_size(Mde::Relative(0.05), 0.8)?;
    /// assert!((n.n2 / n.n1 - 2.0).abs() < 1e-12);
    /// // CUPED with ρ = 0.5 needs 1 − ρ² = 75 % of the units.
    /// let plain = test.cuped_rho(0.0).sample_size(Mde::Relative(0.05), 0.8)?;
    /// assert!((n.n1 / plain.n1 - 0.75).abs() < 1e-9);
    /// assert!(MeanTest::new().sd(-1.0).sample_size(Mde::Absolute(1.0), 0.8).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new() -> Self {
        MeanTest {
            alpha: 0.05,
            alternative: Alternative::TwoSided,
            ratio: 1.0,
            kind: MeanTestKind::T,
            sd: 1.0,
            mean: None,
            cuped_rho: 0.0,
        }
    }

    /// The significance level α in (0, 1) (default 0.05).
    ///
    /// Checked when solving; see the chain example on [`MeanTest::new`].
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Two-sided (default) or one-sided.
    ///
    /// Checked when solving; see the chain example on [`MeanTest::new`].
    pub fn alternative(mut self, alternative: Alternative) -> Self {
        self.alternative = alternative;
        self
    }

    /// Allocation ratio `n2 / n1`, positive (default 1).
    ///
    /// Checked when solving; see the chain example on [`MeanTest::new`].
    pub fn ratio(mut self, ratio: f64) -> Self {
        self.ratio = ratio;
        self
    }

    /// z-test or t-test (default t).
    ///
    /// Checked when solving; see the chain example on [`MeanTest::new`].
    pub fn test(mut self, kind: MeanTestKind) -> Self {
        self.kind = kind;
        self
    }

    /// The standard deviation of the metric in one group (default 1, which
    /// makes effects Cohen's d).
    ///
    /// Checked when solving; see the chain example on [`MeanTest::new`].
    pub fn sd(mut self, sd: f64) -> Self {
        self.sd = sd;
        self
    }

    /// The control mean, needed for [`Mde::Relative`].
    ///
    /// Checked when solving; see the chain example on [`MeanTest::new`].
    pub fn baseline_mean(mut self, mean: f64) -> Self {
        self.mean = Some(mean);
        self
    }

    /// CUPED correlation ρ in (−1, 1) (default 0).
    ///
    /// Checked when solving; see the chain example on [`MeanTest::new`].
    pub fn cuped_rho(mut self, rho: f64) -> Self {
        self.cuped_rho = rho;
        self
    }

    /// The significance level set with `alpha`.
    pub(crate) fn alpha_value(&self) -> f64 {
        self.alpha
    }

    fn check(&self) -> Result<f64> {
        crate::error::probability("alpha", self.alpha)?;
        positive("sd", self.sd)?;
        if let Some(m) = self.mean {
            finite("baseline_mean", m)?;
        }
        check_ratio_rho(self.ratio, self.cuped_rho)
    }

    /// The standardized effect |d| of an MDE.
    fn effect(&self, mde: Mde) -> Result<f64> {
        finite("mde", mde.value())?;
        let diff = match mde {
            Mde::Absolute(d) => d,
            Mde::Relative(r) => match self.mean {
                Some(m) if m != 0.0 => r * m,
                _ => {
                    return Err(PowerError::InvalidParameter {
                        parameter: "mde",
                        value: r,
                        reason: "a relative MDE needs a non-zero baseline_mean",
                    });
                }
            },
        };
        if diff == 0.0 {
            return Err(PowerError::InvalidParameter {
                parameter: "mde",
                value: mde.value(),
                reason: "must be non-zero",
            });
        }
        Ok((diff / self.sd).abs())
    }

    fn n_eff(&self, n1: f64) -> f64 {
        n1 * self.ratio / (1.0 + self.ratio)
    }

    /// Power at standardized effect `d ≥ 0` and effective control size
    /// `n1`. Inputs are valid; the t-test needs df > 0.
    fn power_at(&self, d: f64, n1: f64) -> Result<f64> {
        let lambda = d * self.n_eff(n1).sqrt();
        match self.kind {
            MeanTestKind::Z => Ok(normal_power(
                lambda,
                self.alternative.z_alpha(self.alpha),
                self.alternative,
            )),
            MeanTestKind::T => {
                let df = n1 * (1.0 + self.ratio) - 2.0;
                let crit = t_isf(self.alternative.tail_alpha(self.alpha), df)?;
                let upper = nct_tails(crit, df, lambda)?.1;
                Ok(match self.alternative {
                    Alternative::TwoSided => upper + nct_tails(-crit, df, lambda)?.0,
                    Alternative::OneSided => upper,
                })
            }
        }
    }

    /// The smallest control size for which the t-test has a positive df.
    fn min_n1(&self) -> f64 {
        2.0 / (1.0 + self.ratio)
    }

    fn check_df(&self, n_eff: f64) -> Result<()> {
        if self.kind == MeanTestKind::T && n_eff <= self.min_n1() {
            return Err(PowerError::InvalidParameter {
                parameter: "n1",
                value: n_eff,
                reason: "the t-test needs n1 + n2 > 2 (positive degrees of freedom)",
            });
        }
        Ok(())
    }

    /// Sample size for detecting `mde` with probability `power`.
    ///
    /// # Errors
    ///
    /// [`PowerError::InvalidProbability`] for α or power outside (0, 1);
    /// [`PowerError::InvalidParameter`] for power ≤ α, a zero MDE, a
    /// relative MDE without a baseline mean, a non-positive sd or ratio,
    /// |ρ| ≥ 1; [`PowerError::InvalidParameter`] for NaN or infinite inputs.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_power::{MeanTest, MeanTestKind, Mde};
    ///
    /// // z-test, d = 0.1: the exact two-tailed root (power.json mean-000).
    /// let n = MeanTest::new().test(MeanTestKind::Z).sample_size(Mde::Absolute(0.1), 0.8)?;
    /// assert!((n.n1 / 1569.7721018652398 - 1.0).abs() < 1e-12);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sample_size(&self, mde: Mde, power: f64) -> Result<SampleSize> {
        let cuped = self.check()?;
        check_alpha_power(self.alpha, power)?;
        let d = self.effect(mde)?;
        let lambda = normal_lambda(self.alpha, power, self.alternative)?;
        let n_z = lambda * lambda * (1.0 + 1.0 / self.ratio) / (d * d);
        if !n_z.is_finite() {
            return Err(PowerError::NoSolution {
                quantity: "sample size",
                reason: format!(
                    "the effect d = {d} is so small that the sample size exceeds every \
                     representable number"
                ),
            });
        }
        let n1 = match self.kind {
            MeanTestKind::Z => n_z,
            MeanTestKind::T => {
                // The t-test is less powerful than the z-test at every n, so
                // its root lies above the z-test's n (when that leaves df > 0).
                let lo = n_z.max(self.min_n1() * (1.0 + 1e-6));
                let f = |n: f64| self.power_at(d, n).unwrap_or(f64::NAN);
                let at_lo = f(lo);
                if at_lo.is_nan() || at_lo >= power {
                    return Err(PowerError::NoSolution {
                        quantity: "t-test sample size",
                        reason: format!(
                            "the effect d = {d} is so large that fewer than two units are needed; \
                             the t-test is undefined there (use the z-test)"
                        ),
                    });
                }
                solve_increasing(f, power, lo, lo * 1.05 + 2.0, "t-test sample size")?
            }
        };
        Ok(SampleSize::new(n1 * cuped, self.ratio))
    }

    /// Power with `n1` units in control and `ratio · n1` in treatment when
    /// the true difference is `mde`.
    ///
    /// # Errors
    ///
    /// As [`sample_size`](Self::sample_size), plus
    /// [`PowerError::InvalidParameter`] for a non-positive `n1` or, for the
    /// t-test, n1 + n2 ≤ 2.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_power::{MeanTest, Mde};
    ///
    /// // statsmodels TTestIndPower().power(0.8, 20, 0.01) (power.json pow-003).
    /// let p = MeanTest::new().alpha(0.01).power(Mde::Absolute(0.8), 20.0)?;
    /// assert!((p - 0.43797260451926584).abs() < 1e-12);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn power(&self, mde: Mde, n1: f64) -> Result<f64> {
        let cuped = self.check()?;
        check_n(n1)?;
        let d = self.effect(mde)?;
        let n_eff = n1 / cuped;
        self.check_df(n_eff)?;
        self.power_at(d, n_eff)
    }

    /// The minimum detectable effect with `n1` units in control (and
    /// `ratio · n1` in treatment) at the requested power, found by Brent's
    /// method to full precision (z-test: closed form after the exact λ).
    ///
    /// # Errors
    ///
    /// As [`power`](Self::power).
    ///
    /// # Example
    ///
    /// ```
    /// use seg_power::MeanTest;
    ///
    /// // The exact root of the t-test power equation (power.json mde-000).
    /// let m = MeanTest::new().mde(50.0, 0.8)?;
    /// assert!((m.cohens_d / 0.5658822437555725 - 1.0).abs() < 1e-10);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn mde(&self, n1: f64, power: f64) -> Result<MeanMde> {
        let cuped = self.check()?;
        check_n(n1)?;
        check_alpha_power(self.alpha, power)?;
        let n_eff = n1 / cuped;
        self.check_df(n_eff)?;
        let lambda = normal_lambda(self.alpha, power, self.alternative)?;
        let d_z = lambda / self.n_eff(n_eff).sqrt();
        let d = match self.kind {
            MeanTestKind::Z => d_z,
            MeanTestKind::T => solve_increasing(
                |d| self.power_at(d, n_eff).unwrap_or(f64::NAN),
                power,
                0.0,
                d_z * 1.05,
                "t-test minimum detectable effect",
            )?,
        };
        let absolute = d * self.sd;
        Ok(MeanMde {
            cohens_d: d,
            absolute,
            relative: self.mean.filter(|m| *m != 0.0).map(|m| absolute / m),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_test_needs_more_units_than_z_test() {
        for &d in &[0.1, 0.5, 1.5] {
            let z = MeanTest::new()
                .test(MeanTestKind::Z)
                .sample_size(Mde::Absolute(d), 0.8)
                .unwrap();
            let t = MeanTest::new().sample_size(Mde::Absolute(d), 0.8).unwrap();
            assert!(t.n1 > z.n1, "d = {d}");
        }
    }

    #[test]
    fn a_vanishing_effect_is_called_too_small() {
        for kind in [MeanTestKind::Z, MeanTestKind::T] {
            let err = MeanTest::new()
                .test(kind)
                .sample_size(Mde::Absolute(1e-300), 0.8)
                .unwrap_err();
            assert!(err.to_string().contains("so small"), "{kind:?}: {err}");
        }
    }

    #[test]
    fn matches_r_power_t_test() {
        // R: power.t.test(delta = 1, sd = 1, power = 0.9)$n = 22.02110
        let n = MeanTest::new()
            .sample_size(Mde::Absolute(1.0), 0.9)
            .unwrap();
        assert!((n.n1 - 22.02110).abs() < 1e-4, "{}", n.n1);
    }

    #[test]
    fn solvers_are_mutually_inverse() {
        for kind in [MeanTestKind::Z, MeanTestKind::T] {
            for alt in [Alternative::TwoSided, Alternative::OneSided] {
                let t = MeanTest::new()
                    .test(kind)
                    .alternative(alt)
                    .ratio(0.7)
                    .sd(3.0)
                    .cuped_rho(0.3);
                let n = t.sample_size(Mde::Absolute(-0.9), 0.85).unwrap();
                let p = t.power(Mde::Absolute(0.9), n.n1).unwrap();
                assert!((p - 0.85).abs() < 1e-11, "{kind:?} {alt:?}: {p}");
                let m = t.mde(n.n1, 0.85).unwrap();
                assert!((m.absolute - 0.9).abs() < 1e-9, "{kind:?} {alt:?}: {m:?}");
            }
        }
    }

    #[test]
    fn relative_mde_needs_a_baseline_mean() {
        let e = MeanTest::new()
            .sample_size(Mde::Relative(0.1), 0.8)
            .unwrap_err();
        assert!(matches!(
            e,
            PowerError::InvalidParameter {
                parameter: "mde",
                ..
            }
        ));
        let n = MeanTest::new()
            .baseline_mean(10.0)
            .sd(2.0)
            .sample_size(Mde::Relative(0.1), 0.8)
            .unwrap();
        let same = MeanTest::new()
            .sample_size(Mde::Absolute(0.5), 0.8)
            .unwrap();
        assert!((n.n1 - same.n1).abs() < 1e-9);
    }

    #[test]
    fn t_test_rejects_too_few_units() {
        let e = MeanTest::new().power(Mde::Absolute(1.0), 1.0).unwrap_err();
        assert!(matches!(
            e,
            PowerError::InvalidParameter {
                parameter: "n1",
                ..
            }
        ));
        assert!(
            MeanTest::new()
                .test(MeanTestKind::Z)
                .power(Mde::Absolute(1.0), 1.0)
                .is_ok()
        );
        let e = MeanTest::new()
            .sd(0.0)
            .power(Mde::Absolute(1.0), 10.0)
            .unwrap_err();
        assert!(matches!(
            e,
            PowerError::InvalidParameter {
                parameter: "sd",
                ..
            }
        ));
    }
}
