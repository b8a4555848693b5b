//! A sample-ratio-mismatch test that stays valid under continuous
//! monitoring: the Dirichlet-multinomial Bayes factor of Lindon & Malek.

use serde::{Deserialize, Serialize};
use statrs::function::gamma::ln_gamma;

use crate::error::{PowerError, Result, positive, probability};
use crate::srm::{SRM_THRESHOLD, normalise_ratios};

/// The default Dirichlet concentration Σαᵢ of [`SequentialSrm`].
pub const DEFAULT_CONCENTRATION: f64 = 100.0;

/// Builder of a [`SequentialSrm`] monitor; see [`SequentialSrm::builder`].
#[derive(Debug, Clone, PartialEq)]
pub struct SequentialSrmBuilder {
    ratios: Vec<f64>,
    concentration: f64,
    threshold: f64,
}

impl SequentialSrmBuilder {
    /// The prior concentration k = Σαᵢ, positive (default 100). The prior
    /// is Dirichlet(k·p₀): a larger k concentrates it near the intended
    /// split, which detects small imbalances slightly sooner and large ones
    /// later; the type I guarantee holds for every k.
    ///
    /// Checked by [`build`](Self::build); see the chain example on
    /// [`SequentialSrm::builder`].
    pub fn concentration(mut self, k: f64) -> Self {
        self.concentration = k;
        self
    }

    /// The anytime-valid p-value threshold α in (0, 1) below which a
    /// mismatch is flagged (default 0.001). The probability of ever
    /// flagging a correct split, over any number of looks, is at most α.
    ///
    /// Checked by [`build`](Self::build); see the chain example on
    /// [`SequentialSrm::builder`].
    pub fn threshold(mut self, alpha: f64) -> Self {
        self.threshold = alpha;
        self
    }

    /// Validates the parameters and returns a monitor with no data yet.
    ///
    /// # Errors
    ///
    /// [`PowerError::TooShort`] for fewer than two groups,
    /// [`PowerError::InvalidElement`] for a non-positive ratio (or one
    /// whose prior weight concentration × ratio underflows to 0),
    /// [`PowerError::InvalidParameter`] for a non-positive concentration,
    /// [`PowerError::InvalidProbability`] for a threshold outside (0, 1).
    ///
    /// # Example
    /// ```
    /// use seg_power::SequentialSrm;
    /// let srm = SequentialSrm::builder(&[1.0, 1.0]).build()?;
    /// assert_eq!(srm.p_value(), 1.0);
    /// assert!(SequentialSrm::builder(&[1.0]).build().is_err());
    /// assert!(SequentialSrm::builder(&[1.0, 1.0]).threshold(0.0).build().is_err());
    /// assert!(SequentialSrm::builder(&[1.0, 1.0]).concentration(-1.0).build().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build(self) -> Result<SequentialSrm> {
        SequentialSrm::fresh(&self.ratios, self.concentration, self.threshold)
    }
}

/// A sequential sample-ratio-mismatch monitor with an anytime-valid
/// p-value (Lindon & Malek 2022).
///
/// Under H0 the counts are multinomial with the intended probabilities p₀.
/// The alternative is a Dirichlet(k·p₀) mixture over the probabilities; the
/// Bayes factor of the cumulative counts is a nonnegative martingale under
/// H0, so by Ville's inequality P₀(sup_n BF_n ≥ 1/α) ≤ α. The p-value
/// pₙ = min(pₙ₋₁, 1/BFₙ) may be checked after every visitor without
/// inflating the false-alarm rate.
///
/// # Formula
///
/// ```text
/// αᵢ = k·p₀ᵢ,  n = Σ xᵢ
/// ln BF = ln Γ(k) − ln Γ(k + n) + Σᵢ [ln Γ(αᵢ + xᵢ) − ln Γ(αᵢ)] − Σᵢ xᵢ ln p₀ᵢ
/// pₙ = min(pₙ₋₁, 1/BFₙ),  p₀ = 1;  mismatch when pₙ < α
/// ```
///
/// # Example
///
/// ```
/// use seg_power::SequentialSrm;
///
/// let mut srm = SequentialSrm::builder(&[0.5, 0.5]).build()?;
/// // Cumulative counts at each look.
/// let look = srm.update(&[5_020, 4_980])?;
/// assert!(!look.mismatch && look.p_value > 0.5);
/// let look = srm.update(&[52_000, 48_000])?;
/// assert!(look.mismatch && look.p_value < 1e-6);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # References
///
/// - Lindon, M., Malek, A. (2022). Anytime-valid inference for multinomial
///   count data. *NeurIPS 2022*. arXiv:2011.03567.
/// - Ville, J. (1939). *Étude critique de la notion de collectif*.
///
/// # Saving and loading
///
/// The monitor serialises with its running state so that a service can
/// save it between looks. Loading runs the checks of
/// [`SequentialSrmBuilder::build`] on the intended ratios (recovered from
/// the prior), the concentration and the threshold, and checks that the
/// stored prior and log-ratios agree with them (to 1e-9), that `last` has
/// one count per group and that the p-value is in [0, 1]. After
/// `usize::MAX` looks an update is an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawSequentialSrm")]
pub struct SequentialSrm {
    prior: Vec<f64>,
    ln_p0: Vec<f64>,
    concentration: f64,
    threshold: f64,
    p_value: f64,
    last: Vec<u64>,
    looks: usize,
}

/// The serialised fields of a [`SequentialSrm`], before their checks.
#[derive(Deserialize)]
struct RawSequentialSrm {
    prior: Vec<f64>,
    ln_p0: Vec<f64>,
    concentration: f64,
    threshold: f64,
    p_value: f64,
    last: Vec<u64>,
    looks: usize,
}

/// Relative tolerance between a loaded prior (or log-ratio) and the one
/// recomputed from it.
const LOAD_TOLERANCE: f64 = 1e-9;

impl TryFrom<RawSequentialSrm> for SequentialSrm {
    type Error = PowerError;

    fn try_from(raw: RawSequentialSrm) -> Result<Self> {
        positive("concentration", raw.concentration)?;
        let ratios: Vec<f64> = raw.prior.iter().map(|a| a / raw.concentration).collect();
        // The same checks as the builder, on the ratios the prior encodes.
        let fresh = SequentialSrm::fresh(&ratios, raw.concentration, raw.threshold)?;
        let close =
            |a: f64, b: f64| (a - b).abs() <= LOAD_TOLERANCE * a.abs().max(b.abs()).max(1.0);
        if raw.ln_p0.len() != fresh.ln_p0.len() {
            return Err(PowerError::LengthMismatch {
                parameter: "ln_p0",
                expected: fresh.ln_p0.len(),
                got: raw.ln_p0.len(),
            });
        }
        for (name, loaded, want) in [
            ("prior", &raw.prior, &fresh.prior),
            ("ln_p0", &raw.ln_p0, &fresh.ln_p0),
        ] {
            for (index, (&a, &b)) in loaded.iter().zip(want).enumerate() {
                if !close(a, b) {
                    return Err(PowerError::InvalidElement {
                        parameter: name,
                        index,
                        value: a,
                        reason: "disagrees with the prior's normalised ratios",
                    });
                }
            }
        }
        if raw.last.len() != fresh.last.len() {
            return Err(PowerError::LengthMismatch {
                parameter: "last",
                expected: fresh.last.len(),
                got: raw.last.len(),
            });
        }
        if !(0.0..=1.0).contains(&raw.p_value) {
            return Err(PowerError::InvalidParameter {
                parameter: "p_value",
                value: raw.p_value,
                reason: "must be in [0, 1]",
            });
        }
        Ok(SequentialSrm {
            prior: raw.prior,
            ln_p0: raw.ln_p0,
            p_value: raw.p_value,
            last: raw.last,
            looks: raw.looks,
            ..fresh
        })
    }
}

/// The state of a [`SequentialSrm`] after one look.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SequentialSrmLook {
    /// Total units so far.
    pub n: u64,
    /// ln of the Dirichlet-multinomial Bayes factor against H0.
    pub log_bayes_factor: f64,
    /// The anytime-valid p-value, min over looks of 1/BF, at most 1.
    pub p_value: f64,
    /// `p_value < threshold`.
    pub mismatch: bool,
    /// The 1-based number of this look.
    pub look: usize,
}

impl SequentialSrm {
    /// A monitor before its first look; the checks shared by the builder
    /// and the loader.
    fn fresh(ratios: &[f64], concentration: f64, threshold: f64) -> Result<Self> {
        let p0 = normalise_ratios(ratios, None)?;
        positive("concentration", concentration)?;
        probability("threshold", threshold)?;
        let prior: Vec<f64> = p0.iter().map(|p| concentration * p).collect();
        if let Some((index, &a)) = prior
            .iter()
            .enumerate()
            .find(|(_, a)| !(a.is_finite() && **a > 0.0))
        {
            return Err(PowerError::InvalidElement {
                parameter: "prior",
                index,
                value: a,
                reason: "concentration × ratio must be positive and finite",
            });
        }
        let ln_p0 = p0.iter().map(|p| p.ln()).collect();
        Ok(SequentialSrm {
            prior,
            ln_p0,
            concentration,
            threshold,
            p_value: 1.0,
            last: vec![0; p0.len()],
            looks: 0,
        })
    }

    /// Starts building a monitor for the intended `ratios` (positive
    /// weights, one per group, need not sum to 1). Defaults:
    /// concentration 100, threshold 0.001.
    ///
    /// # Example
    /// ```
    /// use seg_power::SequentialSrm;
    /// let mut srm = SequentialSrm::builder(&[1.0, 1.0])
    ///     .concentration(50.0)
    ///     .threshold(0.001)
    ///     .build()?;
    /// srm.update(&[500, 510])?;
    /// assert!(!srm.mismatch());
    /// // 1,000 against 1,300 is far from 50/50 (z ≈ 6.3).
    /// srm.update(&[1_000, 1_300])?;
    /// assert!(srm.mismatch());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder(ratios: &[f64]) -> SequentialSrmBuilder {
        SequentialSrmBuilder {
            ratios: ratios.to_vec(),
            concentration: DEFAULT_CONCENTRATION,
            threshold: SRM_THRESHOLD,
        }
    }

    /// ln BF of cumulative counts (a pure function of the counts).
    ///
    /// # Errors
    ///
    /// [`PowerError::LengthMismatch`] for the wrong number of groups,
    /// [`PowerError::NoSolution`] when the Bayes factor is not a number in
    /// double precision (a concentration near 1e308).
    ///
    /// # Example
    /// ```
    /// use seg_power::SequentialSrm;
    /// let srm = SequentialSrm::builder(&[1.0, 2.0]).build()?;
    /// assert!(srm.log_bayes_factor(&[0, 0])?.abs() < 1e-12); // no data: BF = 1
    /// assert!(srm.log_bayes_factor(&[300, 300])? > 0.0); // 1:1 against 1:2
    /// assert!(srm.log_bayes_factor(&[1, 2, 3]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn log_bayes_factor(&self, counts: &[u64]) -> Result<f64> {
        if counts.len() != self.prior.len() {
            return Err(PowerError::LengthMismatch {
                parameter: "counts",
                expected: self.prior.len(),
                got: counts.len(),
            });
        }
        let n: f64 = counts.iter().map(|&c| c as f64).sum();
        let k = self.concentration;
        let mut lbf = ln_gamma(k) - ln_gamma(k + n);
        for ((&x, &a), &lp) in counts.iter().zip(&self.prior).zip(&self.ln_p0) {
            let x = x as f64;
            lbf += ln_gamma(a + x) - ln_gamma(a) - x * lp;
        }
        if lbf.is_nan() {
            return Err(PowerError::NoSolution {
                quantity: "log Bayes factor",
                reason: format!("concentration {k} with {n} units overflows double precision"),
            });
        }
        Ok(lbf)
    }

    /// Records a look at the cumulative `counts` (one per group, in the
    /// order of the ratios) and returns the updated p-value.
    ///
    /// # Errors
    ///
    /// [`PowerError::LengthMismatch`] for the wrong number of groups;
    /// [`PowerError::InvalidElement`] if a count decreased since the last
    /// look (counts must be cumulative); [`PowerError::InvalidParameter`]
    /// when the counts total more than `u64::MAX`; as
    /// [`log_bayes_factor`](Self::log_bayes_factor). The monitor is left
    /// unchanged on error.
    ///
    /// # Example
    /// ```
    /// use seg_power::SequentialSrm;
    /// let mut srm = SequentialSrm::builder(&[1.0, 1.0]).build()?;
    /// let first = srm.update(&[100, 140])?;
    /// let second = srm.update(&[200, 210])?;
    /// // The anytime-valid p-value never increases.
    /// assert!(second.p_value <= first.p_value);
    /// // Counts are cumulative: they may not decrease.
    /// assert!(srm.update(&[150, 210]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn update(&mut self, counts: &[u64]) -> Result<SequentialSrmLook> {
        let lbf = self.log_bayes_factor(counts)?;
        for (index, (&c, &prev)) in counts.iter().zip(&self.last).enumerate() {
            if c < prev {
                return Err(PowerError::InvalidElement {
                    parameter: "counts",
                    index,
                    value: c as f64,
                    reason: "counts are cumulative and cannot decrease",
                });
            }
        }
        let n = counts
            .iter()
            .try_fold(0u64, |s, &c| s.checked_add(c))
            .ok_or(PowerError::InvalidParameter {
                parameter: "counts",
                value: counts.iter().map(|&c| c as f64).sum(),
                reason: "the total must not exceed u64::MAX",
            })?;
        let looks = self.looks.checked_add(1).ok_or(PowerError::InvalidCount {
            parameter: "looks",
            value: self.looks,
            reason: "no more looks can be counted",
        })?;
        self.last.clear();
        self.last.extend_from_slice(counts);
        self.looks = looks;
        self.p_value = self.p_value.min((-lbf).exp()).min(1.0);
        Ok(SequentialSrmLook {
            n,
            log_bayes_factor: lbf,
            p_value: self.p_value,
            mismatch: self.p_value < self.threshold,
            look: self.looks,
        })
    }

    /// The current anytime-valid p-value (1 before any look).
    ///
    /// # Example
    /// ```
    /// use seg_power::SequentialSrm;
    /// let mut srm = SequentialSrm::builder(&[1.0, 1.0]).build()?;
    /// assert_eq!(srm.p_value(), 1.0);
    /// let look = srm.update(&[100, 100])?;
    /// assert_eq!(srm.p_value(), look.p_value);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn p_value(&self) -> f64 {
        self.p_value
    }

    /// Whether a mismatch has been flagged.
    ///
    /// # Example
    /// ```
    /// use seg_power::SequentialSrm;
    /// let mut srm = SequentialSrm::builder(&[1.0, 1.0]).build()?;
    /// srm.update(&[5_000, 5_600])?;
    /// assert!(srm.mismatch());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn mismatch(&self) -> bool {
        self.p_value < self.threshold
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bayes_factor_of_no_data_is_one() {
        let srm = SequentialSrm::builder(&[1.0, 2.0, 3.0]).build().unwrap();
        assert!(srm.log_bayes_factor(&[0, 0, 0]).unwrap().abs() < 1e-12);
    }

    #[test]
    fn bayes_factor_matches_beta_binomial_closed_form() {
        // Two groups: BF = B(a1 + x1, a2 + x2)/B(a1, a2) / (p1^x1 p2^x2).
        let srm = SequentialSrm::builder(&[0.3, 0.7])
            .concentration(10.0)
            .build()
            .unwrap();
        let (x1, x2) = (4.0f64, 9.0f64);
        let (a1, a2) = (3.0f64, 7.0f64);
        // B(7, 16)/B(3, 7) with integer arguments via factorials.
        let fact = |n: f64| (1..=n as u64).map(|k| k as f64).product::<f64>();
        let beta = |a: f64, b: f64| fact(a - 1.0) * fact(b - 1.0) / fact(a + b - 1.0);
        let bf = beta(a1 + x1, a2 + x2) / beta(a1, a2) / (0.3f64.powf(x1) * 0.7f64.powf(x2));
        let got = srm.log_bayes_factor(&[4, 9]).unwrap().exp();
        assert!((got / bf - 1.0).abs() < 1e-12, "{got} vs {bf}");
    }

    #[test]
    fn p_value_never_increases() {
        let mut srm = SequentialSrm::builder(&[0.5, 0.5]).build().unwrap();
        let a = srm.update(&[60, 40]).unwrap().p_value;
        let b = srm.update(&[100, 100]).unwrap().p_value;
        assert!(b <= a);
        assert!(b <= 1.0);
    }

    #[test]
    fn decreasing_counts_are_rejected() {
        let mut srm = SequentialSrm::builder(&[0.5, 0.5]).build().unwrap();
        srm.update(&[10, 10]).unwrap();
        assert!(matches!(
            srm.update(&[9, 12]),
            Err(PowerError::InvalidElement { index: 0, .. })
        ));
        assert!(matches!(
            srm.update(&[9]),
            Err(PowerError::LengthMismatch { .. })
        ));
        assert!(
            SequentialSrm::builder(&[0.5, 0.5])
                .concentration(0.0)
                .build()
                .is_err()
        );
    }
}
