//! The Beta posterior of one variant in one segment, and the prior it starts from.

use serde::{Deserialize, Serialize};

use crate::error::{BanditError, Result};

/// Checks one Beta shape parameter: finite and strictly positive.
pub(crate) fn check_shape(parameter: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(BanditError::InvalidParameter {
            parameter,
            value: value.to_string(),
            reason: "must be finite and > 0",
        })
    }
}

/// The Beta(α, β) posterior of a conversion rate: one per variant × segment.
///
/// With a Beta(α₀, β₀) prior and `s` successes and `f` failures observed,
/// the posterior is Beta(α₀ + s, β₀ + f) (the Beta–Bernoulli conjugate pair,
/// see [Wikipedia](https://en.wikipedia.org/wiki/Beta_distribution#Bayesian_inference)).
///
/// The fields are public for reading; [`BetaState::new`] and the JSON loader
/// check that both are finite and > 0. Every function of this crate that reads
/// a `BetaState` copes with any value (it returns an error or a value in range,
/// never panics), so a state built by hand with bad fields is not unsafe.
///
/// # Example
/// ```
/// use seg_bandit_state::BetaState;
/// let mut s = BetaState::new(1.0, 1.0)?;
/// s.observe(3, 1);
/// assert_eq!((s.alpha, s.beta), (4.0, 2.0));
/// assert!((s.mean() - 4.0 / 6.0).abs() < 1e-15);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawBetaState")]
pub struct BetaState {
    /// α: prior pseudo-successes plus observed successes.
    pub alpha: f64,
    /// β: prior pseudo-failures plus observed failures.
    pub beta: f64,
}

impl BetaState {
    /// A Beta(α, β) state.
    ///
    /// # Errors
    /// [`BanditError::InvalidParameter`] naming `alpha` or `beta` when it is not
    /// finite and > 0.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::BetaState;
    /// let s = BetaState::new(3.0, 7.0)?;
    /// assert_eq!((s.alpha, s.beta), (3.0, 7.0));
    /// assert!(BetaState::new(-1.0, 1.0).is_err());
    /// assert!(BetaState::new(1.0, f64::NAN).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(alpha: f64, beta: f64) -> Result<Self> {
        check_shape("alpha", alpha)?;
        check_shape("beta", beta)?;
        Ok(Self { alpha, beta })
    }

    /// The state a prior starts from (no data yet).
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{BetaState, Prior};
    /// let s = BetaState::from_prior(Prior::new(2.0, 8.0)?);
    /// assert_eq!((s.alpha, s.beta), (2.0, 8.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn from_prior(prior: Prior) -> Self {
        Self {
            alpha: prior.alpha,
            beta: prior.beta,
        }
    }

    /// The posterior mean α / (α + β).
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::BetaState;
    /// assert_eq!(BetaState::new(2.0, 6.0)?.mean(), 0.25);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn mean(&self) -> f64 {
        self.alpha / (self.alpha + self.beta)
    }

    /// The posterior variance αβ / ((α + β)² (α + β + 1)).
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::BetaState;
    /// // Beta(1, 1) is uniform on [0, 1]: variance 1/12.
    /// assert!((BetaState::new(1.0, 1.0)?.variance() - 1.0 / 12.0).abs() < 1e-15);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn variance(&self) -> f64 {
        let n = self.alpha + self.beta;
        self.alpha * self.beta / (n * n * (n + 1.0))
    }

    /// Adds `successes` to α and `failures` to β (the conjugate update).
    ///
    /// Counts are converted to `f64`; above 2⁵³ the sum is rounded, it never
    /// overflows (f64 reaches ~1.8e308).
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::BetaState;
    /// let mut s = BetaState::default();
    /// s.observe(9, 1);
    /// assert_eq!((s.alpha, s.beta), (10.0, 2.0));
    /// ```
    #[expect(
        clippy::cast_precision_loss,
        reason = "counts above 2^53 are rounded, documented"
    )]
    pub fn observe(&mut self, successes: u64, failures: u64) {
        self.alpha += successes as f64;
        self.beta += failures as f64;
    }
}

impl BetaState {
    /// Discounts the evidence for non-stationary traffic: moves the state
    /// toward `prior` by keeping a share `gamma` of what the data added.
    ///
    /// Discounted Thompson sampling (Raj & Kalyani 2017, "Taming
    /// non-stationary bandits: a Bayesian approach") applies this once per
    /// period before adding the period's outcomes, so an outcome `k` periods
    /// old weighs `gammaᵏ` and the effective sample size stays below
    /// `1 / (1 − gamma)` periods of traffic. `gamma = 1` changes nothing;
    /// `gamma = 0` forgets everything. Stores keep the undiscounted totals
    /// (the audit trail); a service discounts the states it samples from.
    ///
    /// # Formula
    /// ```text
    /// α ← α₀ + γ·(α − α₀)        β ← β₀ + γ·(β − β₀)
    /// ```
    /// a convex combination of two positive numbers, so the state stays valid.
    ///
    /// # Errors
    /// [`BanditError::InvalidParameter`] (`gamma`) outside [0, 1], or
    /// (`alpha`, `beta`) when this state is not finite and > 0.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{BetaState, Prior};
    /// let mut s = BetaState::new(11.0, 21.0)?;
    /// s.discount(Prior::uniform(), 0.5)?;
    /// assert_eq!((s.alpha, s.beta), (6.0, 11.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn discount(&mut self, prior: Prior, gamma: f64) -> Result<()> {
        if !(0.0..=1.0).contains(&gamma) {
            return Err(BanditError::InvalidParameter {
                parameter: "gamma",
                value: gamma.to_string(),
                reason: "must be in [0, 1]",
            });
        }
        check_shape("alpha", self.alpha)?;
        check_shape("beta", self.beta)?;
        self.alpha = gamma.mul_add(self.alpha - prior.alpha, prior.alpha);
        self.beta = gamma.mul_add(self.beta - prior.beta, prior.beta);
        Ok(())
    }
}

impl Default for BetaState {
    /// The uniform Beta(1, 1).
    fn default() -> Self {
        Self::from_prior(Prior::uniform())
    }
}

/// The unchecked mirror of [`BetaState`] read from JSON.
#[derive(Deserialize)]
struct RawBetaState {
    alpha: f64,
    beta: f64,
}

impl TryFrom<RawBetaState> for BetaState {
    type Error = BanditError;
    fn try_from(raw: RawBetaState) -> Result<Self> {
        Self::new(raw.alpha, raw.beta)
    }
}

/// A Beta(α, β) prior: the state of a variant in a segment before any data.
///
/// α and β are pseudo-counts of successes and failures; their sum is the
/// weight of the prior in data points.
///
/// # Example
/// ```
/// use seg_bandit_state::Prior;
/// let p = Prior::new(2.0, 8.0)?;
/// assert_eq!((p.alpha(), p.beta()), (2.0, 8.0));
/// assert_eq!(Prior::uniform(), Prior::new(1.0, 1.0)?);
/// assert!(Prior::new(0.0, 1.0).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawBetaState")]
pub struct Prior {
    alpha: f64,
    beta: f64,
}

impl Prior {
    /// A Beta(α, β) prior.
    ///
    /// # Errors
    /// [`BanditError::InvalidParameter`] naming `alpha` or `beta` when it is not
    /// finite and > 0.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::Prior;
    /// let p = Prior::new(1.0, 9.0)?;
    /// assert_eq!(p.alpha() + p.beta(), 10.0); // the prior weighs 10 visitors
    /// assert!(Prior::new(1.0, 0.0).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(alpha: f64, beta: f64) -> Result<Self> {
        check_shape("alpha", alpha)?;
        check_shape("beta", beta)?;
        Ok(Self { alpha, beta })
    }

    /// The uniform prior Beta(1, 1).
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::Prior;
    /// let p = Prior::uniform();
    /// assert_eq!((p.alpha(), p.beta()), (1.0, 1.0));
    /// assert_eq!(p.state().mean(), 0.5);
    /// ```
    #[must_use]
    pub const fn uniform() -> Self {
        Self {
            alpha: 1.0,
            beta: 1.0,
        }
    }

    /// α, the prior pseudo-successes.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::Prior;
    /// assert_eq!(Prior::new(2.0, 8.0)?.alpha(), 2.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn alpha(&self) -> f64 {
        self.alpha
    }

    /// β, the prior pseudo-failures.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::Prior;
    /// assert_eq!(Prior::new(2.0, 8.0)?.beta(), 8.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn beta(&self) -> f64 {
        self.beta
    }

    /// The prior as a state with no data.
    ///
    /// # Example
    /// ```
    /// use seg_bandit_state::{BetaState, Prior};
    /// assert_eq!(Prior::new(2.0, 8.0)?.state(), BetaState::new(2.0, 8.0)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn state(&self) -> BetaState {
        BetaState::from_prior(*self)
    }
}

impl Default for Prior {
    fn default() -> Self {
        Self::uniform()
    }
}

impl TryFrom<RawBetaState> for Prior {
    type Error = BanditError;
    fn try_from(raw: RawBetaState) -> Result<Self> {
        Self::new(raw.alpha, raw.beta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prior_with_zero_or_negative_or_nan_shape_is_an_error() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                Prior::new(bad, 1.0),
                Err(BanditError::InvalidParameter {
                    parameter: "alpha",
                    ..
                })
            ));
            assert!(matches!(
                Prior::new(1.0, bad),
                Err(BanditError::InvalidParameter {
                    parameter: "beta",
                    ..
                })
            ));
            assert!(BetaState::new(bad, 1.0).is_err());
        }
    }

    #[test]
    fn observe_adds_counts() {
        let mut s = Prior::new(2.0, 3.0).unwrap().state();
        s.observe(5, 7);
        assert_eq!(s, BetaState::new(7.0, 10.0).unwrap());
    }

    #[test]
    fn observe_of_maximal_counts_stays_finite() {
        let mut s = BetaState::default();
        s.observe(u64::MAX, u64::MAX);
        assert!(s.alpha.is_finite() && s.beta.is_finite());
        assert!((s.mean() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn discount_moves_toward_the_prior_and_checks_gamma() {
        let mut s = BetaState::new(101.0, 1.0).unwrap();
        s.discount(Prior::uniform(), 1.0).unwrap();
        assert_eq!(s, BetaState::new(101.0, 1.0).unwrap());
        s.discount(Prior::uniform(), 0.0).unwrap();
        assert_eq!(s, BetaState::default());
        assert!(s.discount(Prior::uniform(), 1.5).is_err());
        assert!(s.discount(Prior::uniform(), f64::NAN).is_err());
        let mut bad = BetaState {
            alpha: -1.0,
            beta: 1.0,
        };
        assert!(bad.discount(Prior::uniform(), 0.5).is_err());
    }

    #[test]
    fn json_load_checks_shapes() {
        let s: BetaState = serde_json::from_str(r#"{"alpha":2.0,"beta":3.0}"#).unwrap();
        assert_eq!(s, BetaState::new(2.0, 3.0).unwrap());
        assert!(serde_json::from_str::<BetaState>(r#"{"alpha":0.0,"beta":3.0}"#).is_err());
        assert!(serde_json::from_str::<Prior>(r#"{"alpha":1.0,"beta":-3.0}"#).is_err());
        let p = Prior::new(0.5, 0.5).unwrap();
        let back: Prior = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<BetaState>();
        check::<Prior>();
    }
}
