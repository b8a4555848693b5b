//! Vocabulary shared by the proportion and mean calculators.

use serde::{Deserialize, Serialize};

use crate::dist::{norm_cdf, norm_isf};
use crate::error::{PowerError, Result, finite, probability};
use crate::root::brent;

/// The alternative hypothesis of a two-group test.
///
/// One-sided tests are taken in the direction of the effect (statsmodels'
/// `alternative='larger'` for a positive effect) and do not halve α.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Alternative {
    /// H1: the groups differ in either direction (α split over two tails).
    #[default]
    TwoSided,
    /// H1: the treatment differs in the direction of the effect (all of α in
    /// one tail).
    OneSided,
}

impl Alternative {
    /// The critical value of the normal test: z(1 − α/2) for two-sided,
    /// z(1 − α) for one-sided tests.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_power::Alternative;
    ///
    /// assert!((Alternative::TwoSided.z_alpha(0.05) - 1.959963984540054).abs() < 1e-15);
    /// assert!((Alternative::OneSided.z_alpha(0.05) - 1.6448536269514722).abs() < 1e-15);
    /// ```
    pub fn z_alpha(self, alpha: f64) -> f64 {
        match self {
            Alternative::TwoSided => norm_isf(0.5 * alpha),
            Alternative::OneSided => norm_isf(alpha),
        }
    }

    /// The α in the tail of the effect: α/2 for two-sided, α for one-sided.
    pub(crate) fn tail_alpha(self, alpha: f64) -> f64 {
        match self {
            Alternative::TwoSided => 0.5 * alpha,
            Alternative::OneSided => alpha,
        }
    }
}

/// A minimum detectable effect, relative to the baseline or absolute.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Mde {
    /// A relative change: the treatment value is `baseline · (1 + r)`
    /// (`Relative(0.1)` is a 10 % lift).
    Relative(f64),
    /// An absolute change: the treatment value is `baseline + d`
    /// (`Absolute(0.005)` is half a percentage point on a rate).
    Absolute(f64),
}

impl Mde {
    /// The treatment value for a baseline.
    pub(crate) fn treatment(self, baseline: f64) -> f64 {
        match self {
            Mde::Relative(r) => baseline * (1.0 + r),
            Mde::Absolute(d) => baseline + d,
        }
    }

    /// The numeric value, whatever the kind.
    pub(crate) fn value(self) -> f64 {
        match self {
            Mde::Relative(v) | Mde::Absolute(v) => v,
        }
    }
}

/// A required sample size: control group (`n1`) and treatment group
/// (`n2 = ratio · n1`), unrounded and rounded up.
///
/// The unrounded values are what statsmodels and R print; the rounded-up
/// integers are what to plan with. Note that a one-ulp difference in the
/// unrounded value can move the ceiling when it sits just below an integer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SampleSize {
    /// Control-group size, unrounded.
    pub n1: f64,
    /// Treatment-group size `ratio · n1`, unrounded.
    pub n2: f64,
    /// `⌈n1⌉`.
    pub n1_ceil: u64,
    /// `⌈n2⌉`.
    pub n2_ceil: u64,
    /// `n1 + n2`, unrounded.
    pub total: f64,
    /// `⌈n1⌉ + ⌈n2⌉`.
    pub total_ceil: u64,
}

impl SampleSize {
    pub(crate) fn new(n1: f64, ratio: f64) -> Self {
        let n2 = ratio * n1;
        let n1_ceil = ceil_u64(n1);
        let n2_ceil = ceil_u64(n2);
        SampleSize {
            n1,
            n2,
            n1_ceil,
            n2_ceil,
            total: n1 + n2,
            total_ceil: n1_ceil.saturating_add(n2_ceil),
        }
    }

    /// The size of each group when the allocation is 1:1 (the control size
    /// otherwise), unrounded.
    ///
    /// # Example
    /// ```
    /// use seg_power::{Mde, ProportionTest};
    /// let n = ProportionTest::new(0.05).sample_size(Mde::Relative(0.10), 0.8)?;
    /// assert_eq!(n.n_per_group(), n.n1);
    /// assert_eq!(n.n1, n.n2); // 1:1 allocation
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn n_per_group(&self) -> f64 {
        self.n1
    }
}

/// `⌈x⌉` as an integer, saturating at `u64::MAX`.
pub(crate) fn ceil_u64(x: f64) -> u64 {
    let c = x.ceil();
    if c >= u64::MAX as f64 {
        u64::MAX
    } else if c <= 0.0 {
        0
    } else {
        c as u64
    }
}

/// Power of the normal test at standardized distance λ ≥ 0 (the mean of the
/// test statistic): two-sided includes the far rejection tail,
/// Φ(λ − z) + Φ(−λ − z); one-sided is Φ(λ − z).
pub(crate) fn normal_power(lambda: f64, z_alpha: f64, alternative: Alternative) -> f64 {
    match alternative {
        Alternative::TwoSided => norm_cdf(lambda - z_alpha) + norm_cdf(-lambda - z_alpha),
        Alternative::OneSided => norm_cdf(lambda - z_alpha),
    }
}

/// The λ at which [`normal_power`] equals `power`: closed form z_α + z_β for
/// one-sided tests, Brent's method to full precision for two-sided tests
/// (the far tail makes it slightly smaller than z_α + z_β).
pub(crate) fn normal_lambda(alpha: f64, power: f64, alternative: Alternative) -> Result<f64> {
    let z = alternative.z_alpha(alpha);
    let closed = z - norm_isf(power);
    match alternative {
        Alternative::OneSided => Ok(closed),
        Alternative::TwoSided => brent(
            |l| normal_power(l, z, alternative) - power,
            0.0,
            closed,
            0.0,
            4.0 * f64::EPSILON,
            200,
        ),
    }
}

/// Validated (α, power) pair: both in (0, 1) and power > α.
pub(crate) fn check_alpha_power(alpha: f64, power: f64) -> Result<()> {
    probability("alpha", alpha)?;
    probability("power", power)?;
    if power <= alpha {
        return Err(PowerError::InvalidParameter {
            parameter: "power",
            value: power,
            reason: "must exceed alpha (a test has power alpha at zero effect)",
        });
    }
    Ok(())
}

/// Validated allocation ratio and CUPED correlation; returns the CUPED
/// variance factor 1 − ρ².
pub(crate) fn check_ratio_rho(ratio: f64, rho: f64) -> Result<f64> {
    finite("ratio", ratio)?;
    if ratio <= 0.0 {
        return Err(PowerError::InvalidParameter {
            parameter: "ratio",
            value: ratio,
            reason: "must be positive",
        });
    }
    finite("cuped_rho", rho)?;
    if rho.abs() >= 1.0 {
        return Err(PowerError::InvalidParameter {
            parameter: "cuped_rho",
            value: rho,
            reason: "must be in (-1, 1)",
        });
    }
    Ok(1.0 - rho * rho)
}

/// Validated control-group size.
pub(crate) fn check_n(n1: f64) -> Result<f64> {
    finite("n1", n1)?;
    if n1 <= 0.0 {
        return Err(PowerError::InvalidParameter {
            parameter: "n1",
            value: n1,
            reason: "must be positive",
        });
    }
    Ok(n1)
}
