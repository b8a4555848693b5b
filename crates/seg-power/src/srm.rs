//! Sample-ratio mismatch: the chi-square goodness-of-fit test of observed
//! group sizes against the intended split.

use serde::{Deserialize, Serialize};

use crate::dist::chi2_sf;
use crate::error::{PowerError, Result, probability};

/// The default p-value threshold below which a split is flagged.
pub const SRM_THRESHOLD: f64 = 0.001;

/// The result of a sample-ratio-mismatch test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SrmTest {
    /// Pearson's χ² = Σ (o − e)² / e.
    pub statistic: f64,
    /// Upper tail of χ²(df) at the statistic.
    pub p_value: f64,
    /// Degrees of freedom, groups − 1.
    pub df: usize,
    /// `p_value < threshold`.
    pub mismatch: bool,
    /// Expected counts, N·wᵢ/Σw.
    pub expected: Vec<f64>,
    /// The threshold used.
    pub threshold: f64,
}

/// Validates intended ratios (positive finite weights, at least two, one
/// per group) and returns them normalised to sum to 1.
pub(crate) fn normalise_ratios(ratios: &[f64], groups: Option<usize>) -> Result<Vec<f64>> {
    if ratios.len() < 2 {
        return Err(PowerError::TooShort {
            parameter: "ratios",
            min: 2,
            got: ratios.len(),
        });
    }
    if let Some(g) = groups
        && g != ratios.len()
    {
        return Err(PowerError::LengthMismatch {
            parameter: "observed",
            expected: ratios.len(),
            got: g,
        });
    }
    for (index, &w) in ratios.iter().enumerate() {
        if !(w.is_finite() && w > 0.0) {
            return Err(PowerError::InvalidElement {
                parameter: "ratios",
                index,
                value: w,
                reason: "ratios must be positive and finite",
            });
        }
    }
    let total: f64 = ratios.iter().sum();
    if !total.is_finite() {
        return Err(PowerError::InvalidParameter {
            parameter: "ratios",
            value: total,
            reason: "the ratios must add up to a finite number",
        });
    }
    Ok(ratios.iter().map(|w| w / total).collect())
}

/// Chi-square sample-ratio-mismatch test with the default threshold
/// p < 0.001.
///
/// See [`srm_test_at`].
///
/// # Errors
///
/// As [`srm_test_at`].
///
/// # Example
///
/// ```
/// use seg_power::srm_test;
///
/// // Cookie Cats: 44,700 vs 45,489 for an intended 50/50 split.
/// let t = srm_test(&[44_700, 45_489], &[0.5, 0.5])?;
/// assert!((t.p_value - 0.008607987810836262).abs() < 1e-12);
/// assert!(!t.mismatch); // not below 0.001
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn srm_test(observed: &[u64], ratios: &[f64]) -> Result<SrmTest> {
    srm_test_at(observed, ratios, SRM_THRESHOLD)
}

/// Chi-square goodness-of-fit test of `observed` group sizes against the
/// intended `ratios` (weights that need not sum to 1), flagging a mismatch
/// when p < `threshold`.
///
/// The p-value is taken directly from the regularized upper incomplete
/// gamma function Q(df/2, χ²/2), never as 1 − cdf, so values like 1e-50
/// keep their relative precision (scipy `chisquare` semantics).
///
/// # Errors
///
/// [`PowerError::TooShort`] for fewer than two groups,
/// [`PowerError::LengthMismatch`] when `observed` and `ratios` differ in
/// length, [`PowerError::InvalidElement`] for a non-positive ratio,
/// [`PowerError::InvalidParameter`] when all counts are zero,
/// [`PowerError::InvalidProbability`] for a threshold outside (0, 1).
///
/// # Formula
///
/// ```text
/// N = Σ oᵢ,  eᵢ = N·wᵢ/Σw,  χ² = Σ (oᵢ − eᵢ)²/eᵢ,  df = k − 1
/// p = Q(df/2, χ²/2)
/// ```
///
/// # Example
///
/// ```
/// use seg_power::srm_test_at;
///
/// // Four arms, the first inflated (srm.json srm-015).
/// let t = srm_test_at(&[52_945, 48_829, 49_210, 49_016], &[1.0, 1.0, 1.0, 1.0], 0.001)?;
/// assert_eq!(t.df, 3);
/// assert!((t.p_value / 3.5482603962775386e-50 - 1.0).abs() < 1e-9);
/// assert!(t.mismatch);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # References
///
/// - Fabijan, A. et al. (2019). Diagnosing sample ratio mismatch in online
///   controlled experiments. *KDD '19*.
/// - scipy `stats.chisquare`.
pub fn srm_test_at(observed: &[u64], ratios: &[f64], threshold: f64) -> Result<SrmTest> {
    probability("threshold", threshold)?;
    normalise_ratios(ratios, Some(observed.len()))?;
    let n: f64 = observed.iter().map(|&o| o as f64).sum();
    if n <= 0.0 {
        return Err(PowerError::InvalidParameter {
            parameter: "observed",
            value: n,
            reason: "total count must be positive",
        });
    }
    let raw_total: f64 = ratios.iter().sum();
    let expected: Vec<f64> = ratios.iter().map(|w| n * w / raw_total).collect();
    let statistic: f64 = observed
        .iter()
        .zip(&expected)
        .map(|(&o, &e)| (o as f64 - e).powi(2) / e)
        .sum();
    let df = observed.len() - 1;
    let p_value = chi2_sf(statistic, df as f64);
    Ok(SrmTest {
        statistic,
        p_value,
        df,
        mismatch: p_value < threshold,
        expected,
        threshold,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_split_has_p_value_one() {
        let t = srm_test(&[500, 500], &[1.0, 1.0]).unwrap();
        assert_eq!(t.statistic, 0.0);
        assert_eq!(t.p_value, 1.0);
        assert!(!t.mismatch);
    }

    #[test]
    fn ratios_are_weights() {
        let a = srm_test(&[9_000, 1_100], &[0.9, 0.1]).unwrap();
        let b = srm_test(&[9_000, 1_100], &[9.0, 1.0]).unwrap();
        assert!((a.statistic - b.statistic).abs() < 1e-12);
        assert!((a.p_value - b.p_value).abs() < 1e-15);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(matches!(
            srm_test(&[1, 2], &[1.0]),
            Err(PowerError::TooShort { .. })
        ));
        assert!(matches!(
            srm_test(&[1, 2, 3], &[1.0, 1.0]),
            Err(PowerError::LengthMismatch { .. })
        ));
        assert!(matches!(
            srm_test(&[1, 2], &[1.0, -1.0]),
            Err(PowerError::InvalidElement { index: 1, .. })
        ));
        assert!(matches!(
            srm_test(&[0, 0], &[1.0, 1.0]),
            Err(PowerError::InvalidParameter { .. })
        ));
        assert!(matches!(
            srm_test_at(&[1, 2], &[1.0, 1.0], 1.0),
            Err(PowerError::InvalidProbability { .. })
        ));
    }
}
