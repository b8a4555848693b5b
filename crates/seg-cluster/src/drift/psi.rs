//! The population stability index of two histograms.

use crate::error::{ClusterError, Result};

/// The smallest share a bin is given before the logarithm of the
/// [population stability index](population_stability_index): shares
/// below it (in practice, empty bins) are raised to it, with no
/// renormalisation afterwards.
pub const PSI_EPSILON: f64 = 1e-4;

/// The population stability index (PSI) of an `actual` histogram against
/// an `expected` (baseline) one, given as counts or non-negative weights
/// per bin; each histogram is normalised by its own total.
///
/// PSI is the symmetrised Kullback-Leibler divergence (Jeffreys
/// divergence) of the two binned distributions, as used in credit
/// scoring[^1]. By convention it reads: below 0.1 no change, 0.1 to 0.2 a
/// moderate change, above 0.2 a significant change — a convention, not an
/// error rate (see [`DriftLevel`](crate::DriftLevel)).
///
/// # Formula
///
/// ```text
/// e_i = expected_i / Σ expected        a_i = actual_i / Σ actual
/// e'_i = max(e_i, ε)                   a'_i = max(a_i, ε)      (ε = PSI_EPSILON = 1e-4,
///                                                               no renormalisation)
/// PSI = Σ_i (a'_i − e'_i) · ln(a'_i / e'_i)
/// ```
///
/// The epsilon rule only changes bins whose share is below 1e-4 (empty
/// bins, in practice): an empty bin on one side contributes
/// (a − ε)·ln(a / ε) instead of infinity. Bins empty on both sides
/// contribute 0.
///
/// PSI is biased upward on small samples: with B bins, n rows in the
/// actual histogram and N in the expected one, its expectation when both
/// come from the same distribution is about (B − 1)(1/n + 1/N)[^2] (see
/// [`expected_psi_without_drift`]).
///
/// # Errors
///
/// [`ClusterError::EmptySample`] for an empty histogram,
/// [`ClusterError::LengthMismatch`] when the two have different lengths,
/// [`ClusterError::NonFiniteSample`] for a NaN or infinite weight, and
/// [`ClusterError::InvalidParameter`] for a negative weight or a
/// histogram whose total is not positive and finite.
///
/// # Example
///
/// ```
/// use seg_cluster::population_stability_index;
///
/// let psi = population_stability_index(&[100.0, 200.0, 300.0, 250.0, 150.0], &[120.0, 180.0, 310.0, 240.0, 150.0])?;
/// assert!((psi - 0.006489759622468082).abs() < 1e-15);
/// assert_eq!(population_stability_index(&[1.0, 2.0], &[2.0, 4.0])?, 0.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # References
///
/// [^1]: N. Siddiqi, *Credit Risk Scorecards*, Wiley, 2006, ch. 8.
/// [^2]: B. Yurdakul, *Statistical properties of population stability
///     index*, PhD dissertation, Western Michigan University, 2018.
///     <https://scholarworks.wmich.edu/dissertations/3208>
pub fn population_stability_index(expected: &[f64], actual: &[f64]) -> Result<f64> {
    let (te, ta) = check_histograms(expected, actual)?;
    Ok(expected
        .iter()
        .zip(actual)
        .map(|(&e, &a)| psi_term(e / te, a / ta))
        .sum())
}

/// The terms of [`population_stability_index`], one per bin (their sum,
/// in bin order, is the index).
///
/// # Errors
///
/// As [`population_stability_index`].
///
/// # Example
///
/// ```
/// use seg_cluster::population_stability_index_terms;
///
/// // An empty expected bin is given the share 1e-4.
/// let terms = population_stability_index_terms(&[50.0, 30.0, 20.0, 0.0], &[45.0, 30.0, 20.0, 5.0])?;
/// assert_eq!(terms[1], 0.0);
/// assert!((terms[3] - (0.05 - 1e-4) * (0.05f64 / 1e-4).ln()).abs() < 1e-15);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn population_stability_index_terms(expected: &[f64], actual: &[f64]) -> Result<Vec<f64>> {
    let (te, ta) = check_histograms(expected, actual)?;
    Ok(expected
        .iter()
        .zip(actual)
        .map(|(&e, &a)| psi_term(e / te, a / ta))
        .collect())
}

/// The expected value of the population stability index when both
/// histograms are drawn from the same distribution: about
/// (B − 1)(1/n + 1/N) for B bins, n rows in the actual histogram and N
/// in the expected one (the first-order term of its chi-square
/// approximation; Yurdakul 2018). Bins that are rare (share ≪ 1/n) or
/// empty make the true value differ.
///
/// Returns NaN for `n_actual` or `n_expected` of 0, and 0 for fewer
/// than 2 bins.
///
/// # Example
///
/// ```
/// use seg_cluster::expected_psi_without_drift;
///
/// // 10 bins, a batch of 1,000 rows against a baseline of 10,000.
/// let e = expected_psi_without_drift(10, 1_000, 10_000);
/// assert!((e - 0.0099).abs() < 1e-12);
/// ```
pub fn expected_psi_without_drift(bins: usize, n_actual: usize, n_expected: usize) -> f64 {
    if n_actual == 0 || n_expected == 0 {
        return f64::NAN;
    }
    bins.saturating_sub(1) as f64 * (1.0 / n_actual as f64 + 1.0 / n_expected as f64)
}

/// One term of the index for the shares `e` (expected) and `a` (actual),
/// after the epsilon rule.
pub(crate) fn psi_term(e: f64, a: f64) -> f64 {
    let (e, a) = (e.max(PSI_EPSILON), a.max(PSI_EPSILON));
    (a - e) * (a / e).ln()
}

/// The index of accumulated weights `actual` (total `total`, positive)
/// against baseline shares `expected`: the same arithmetic as
/// [`population_stability_index`] on `actual`, so that a streaming
/// report equals a batch report bit for bit.
pub(crate) fn psi_of_weights(expected_shares: &[f64], actual: &[f64], total: f64) -> f64 {
    expected_shares
        .iter()
        .zip(actual)
        .map(|(&e, &a)| psi_term(e, a / total))
        .sum()
}

/// Checks both histograms; returns their totals.
pub(crate) fn check_histograms(expected: &[f64], actual: &[f64]) -> Result<(f64, f64)> {
    if actual.len() != expected.len() {
        return Err(ClusterError::LengthMismatch {
            parameter: "actual",
            expected: expected.len(),
            got: actual.len(),
        });
    }
    Ok((
        check_weights(expected, "expected")?,
        check_weights(actual, "actual")?,
    ))
}

/// The total of one histogram, checked.
fn check_weights(w: &[f64], parameter: &'static str) -> Result<f64> {
    if w.is_empty() {
        return Err(ClusterError::EmptySample { parameter });
    }
    if let Some((index, &value)) = w.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(ClusterError::NonFiniteSample {
            parameter,
            index,
            value,
        });
    }
    if let Some((i, v)) = w.iter().enumerate().find(|(_, v)| **v < 0.0) {
        return Err(ClusterError::InvalidParameter {
            parameter,
            value: format!("{v} (bin {i})"),
            reason: "weights must be non-negative",
        });
    }
    let total: f64 = w.iter().sum();
    if !(total > 0.0 && total.is_finite()) {
        return Err(ClusterError::InvalidParameter {
            parameter,
            value: format!("total {total}"),
            reason: "the weights must have a positive finite total",
        });
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_histograms_have_zero_index() {
        assert_eq!(
            population_stability_index(&[3.0, 0.0, 1.0], &[6.0, 0.0, 2.0]).unwrap(),
            0.0
        );
    }

    #[test]
    fn index_is_symmetric() {
        let (a, b) = ([1.0, 2.0, 3.0], [3.0, 2.0, 1.5]);
        let ab = population_stability_index(&a, &b).unwrap();
        let ba = population_stability_index(&b, &a).unwrap();
        assert!((ab - ba).abs() < 1e-15 && ab > 0.0);
    }

    #[test]
    fn histogram_of_zero_total_is_an_error() {
        assert!(matches!(
            population_stability_index(&[0.0, 0.0], &[1.0, 1.0]),
            Err(ClusterError::InvalidParameter {
                parameter: "expected",
                ..
            })
        ));
    }

    #[test]
    fn histograms_of_different_lengths_are_an_error() {
        assert!(matches!(
            population_stability_index(&[1.0, 1.0], &[1.0]),
            Err(ClusterError::LengthMismatch {
                parameter: "actual",
                expected: 2,
                got: 1
            })
        ));
    }

    #[test]
    fn negative_or_nan_weights_are_errors() {
        assert!(matches!(
            population_stability_index(&[1.0, -1.0, 3.0], &[1.0, 1.0, 1.0]),
            Err(ClusterError::InvalidParameter {
                parameter: "expected",
                ..
            })
        ));
        assert!(matches!(
            population_stability_index(&[1.0, 1.0], &[1.0, f64::NAN]),
            Err(ClusterError::NonFiniteSample {
                parameter: "actual",
                index: 1,
                ..
            })
        ));
        assert!(matches!(
            population_stability_index(&[], &[]),
            Err(ClusterError::EmptySample {
                parameter: "expected"
            })
        ));
    }

    #[test]
    fn huge_weights_whose_total_overflows_are_an_error() {
        assert!(population_stability_index(&[1e308, 1e308], &[1.0, 1.0]).is_err());
    }
}
