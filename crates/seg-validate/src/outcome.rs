//! Segment usefulness against a binary outcome: per-segment rates with
//! confidence intervals, the chi-square test of segment × outcome and
//! Cramér's V.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

use crate::error::{Result, ValidateError};
use crate::labels::densify;

/// The outcome rate of one segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentRate {
    /// The segment's label id.
    pub label: usize,
    /// Rows in the segment.
    pub n: usize,
    /// Rows with a positive outcome.
    pub successes: usize,
    /// `successes / n`.
    pub rate: f64,
    /// Lower end of the Wilson score interval.
    pub ci_low: f64,
    /// Upper end of the Wilson score interval.
    pub ci_high: f64,
}

/// How strongly segments separate a binary outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentOutcomes {
    /// One entry per segment, by ascending label id.
    pub segments: Vec<SegmentRate>,
    /// The overall outcome rate.
    pub overall_rate: f64,
    /// Pearson's chi-square statistic of the segments × outcome table
    /// (no continuity correction).
    pub chi_square: f64,
    /// Degrees of freedom, segments − 1.
    pub df: usize,
    /// Upper-tail p-value of the statistic.
    pub p_value: f64,
    /// Cramér's V, `sqrt(χ² / n)` for a binary outcome, in [0, 1]: 0 when
    /// every segment has the overall rate.
    pub cramers_v: f64,
}

/// Per-segment outcome rates with Wilson intervals at `confidence`, the
/// chi-square test of independence of segment and outcome, and Cramér's V.
///
/// Geometric scores (silhouette and friends) are not comparable between
/// feature spaces; whether segments differ in the behaviour that matters —
/// conversion — is, and this is the yardstick for personalisation.
///
/// # Formula
///
/// ```text
/// χ² = Σ_segments Σ_outcome (O − E)² / E,   E = n_segment · n_outcome / n
/// V  = sqrt(χ² / (n · (min(segments, 2) − 1)))
/// Wilson: (p̂ + z²/2n ± z·sqrt(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n)
/// ```
///
/// # Errors
///
/// [`ValidateError::LengthMismatch`] unless there is one outcome per label,
/// [`ValidateError::EmptyInput`] for no labels,
/// [`ValidateError::InvalidClusterCount`] for fewer than 2 segments,
/// [`ValidateError::InvalidParameter`] for a confidence outside (0, 1) or
/// an outcome that never (or always) happens.
///
/// # Example
///
/// ```
/// use seg_validate::segment_outcomes;
///
/// let labels = [0, 0, 0, 0, 1, 1, 1, 1];
/// let converted = [true, true, true, false, false, false, false, true];
/// let report = segment_outcomes(&labels, &converted, 0.95)?;
/// assert_eq!(report.segments[0].rate, 0.75);
/// assert_eq!(report.chi_square, 2.0);
/// assert_eq!(report.cramers_v, 0.5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # References
///
/// Cramér, H. (1946). *Mathematical Methods of Statistics*, p. 282.
/// Wilson, E. B. (1927). Probable inference, the law of succession, and
/// statistical inference. *JASA* 22, 209–212.
pub fn segment_outcomes(
    labels: &[usize],
    outcomes: &[bool],
    confidence: f64,
) -> Result<SegmentOutcomes> {
    if labels.len() != outcomes.len() {
        return Err(ValidateError::LengthMismatch {
            parameter: "outcomes",
            expected: labels.len(),
            got: outcomes.len(),
            one_per: "label",
        });
    }
    if labels.is_empty() {
        return Err(ValidateError::EmptyInput { rows: 0, cols: 0 });
    }
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(ValidateError::InvalidParameter {
            parameter: "confidence",
            value: confidence.to_string(),
            reason: "must be in (0, 1)",
        });
    }
    let dense = densify(labels);
    if dense.k() < 2 {
        return Err(ValidateError::InvalidClusterCount {
            k: dense.k(),
            min: 2,
            max: labels.len(),
        });
    }
    let mut successes = vec![0usize; dense.k()];
    for (&c, &y) in dense.labels.iter().zip(outcomes) {
        successes[c] += usize::from(y);
    }
    let n = labels.len() as f64;
    let total_successes: usize = successes.iter().sum();
    if total_successes == 0 || total_successes == labels.len() {
        return Err(ValidateError::InvalidParameter {
            parameter: "outcomes",
            value: format!("{total_successes} of {} positive", labels.len()),
            reason: "the outcome must vary for a test of independence",
        });
    }
    let overall = total_successes as f64 / n;
    let z = normal_quantile(confidence);
    let mut chi_square = 0.0;
    let segments = dense
        .ids
        .iter()
        .zip(&dense.sizes)
        .zip(&successes)
        .map(|((&label, &size), &s)| {
            let m = size as f64;
            for (observed, share) in [(s as f64, overall), ((size - s) as f64, 1.0 - overall)] {
                let expected = m * share;
                chi_square += (observed - expected) * (observed - expected) / expected;
            }
            let (ci_low, ci_high) = wilson(s as f64, m, z);
            SegmentRate {
                label,
                n: size,
                successes: s,
                rate: s as f64 / m,
                ci_low,
                ci_high,
            }
        })
        .collect();
    let df = dense.k() - 1;
    let p_value = chi_square_sf(df, chi_square);
    Ok(SegmentOutcomes {
        segments,
        overall_rate: overall,
        chi_square,
        df,
        p_value,
        cramers_v: (chi_square / n).sqrt().min(1.0),
    })
}

/// The two-sided normal quantile `z` of `confidence` in (0, 1):
/// `Φ⁻¹(0.5 + confidence / 2)`, from the lower tail when `0.5 + confidence
/// / 2` rounds to 1 (a confidence within about 1e-16 of 1), where the
/// upper quantile would be infinite.
fn normal_quantile(confidence: f64) -> f64 {
    let normal = Normal::standard();
    let z = normal.inverse_cdf(0.5 + confidence / 2.0);
    if z.is_finite() {
        z
    } else {
        -normal.inverse_cdf((1.0 - confidence) / 2.0)
    }
}

/// The upper tail of the chi-square distribution with `df` ≥ 1 degrees of
/// freedom at `x` ≥ 0. Below the smallest normal number the tail is 1 to
/// every digit; statrs would halve such an `x` to 0 and panic in its
/// incomplete gamma function, so it is not asked.
fn chi_square_sf(df: usize, x: f64) -> f64 {
    if x < f64::MIN_POSITIVE {
        return 1.0;
    }
    ChiSquared::new(df as f64).map_or(f64::NAN, |d| d.sf(x))
}

/// The Wilson score interval of `s` successes in `n` trials.
fn wilson(s: f64, n: f64, z: f64) -> (f64, f64) {
    let p = s / n;
    let z2 = z * z;
    let centre = p + z2 / (2.0 * n);
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let denom = 1.0 + z2 / n;
    // At p = 0 or 1 the bound equals p mathematically; rounding must not
    // move it past p.
    (
        ((centre - half) / denom).clamp(0.0, p),
        ((centre + half) / denom).clamp(p, 1.0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi_square_tail_of_a_subnormal_statistic_is_one() {
        assert_eq!(chi_square_sf(1, 5e-324), 1.0);
        assert_eq!(chi_square_sf(3, 0.0), 1.0);
        assert!((chi_square_sf(1, 3.841_458_820_694_124) - 0.05).abs() < 1e-12);
    }

    #[test]
    fn confidence_next_to_one_has_a_finite_quantile() {
        let below_one = 1.0 - f64::EPSILON / 2.0;
        assert!(
            Normal::standard()
                .inverse_cdf(0.5 + below_one / 2.0)
                .is_infinite()
        );
        let z = normal_quantile(below_one);
        assert!(z.is_finite() && z > 8.0, "{z}");
        assert_eq!(normal_quantile(0.95), Normal::standard().inverse_cdf(0.975));
    }
}
