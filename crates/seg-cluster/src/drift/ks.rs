//! The two-sample Kolmogorov-Smirnov test.

use crate::error::{ClusterError, Result};
use crate::input::allocate;

/// [`ks_two_sample`] computes the exact p-value when the product of the
/// two sample sizes is at most this (10^7 lattice cells: tens of
/// milliseconds), and the limiting Kolmogorov distribution above it.
pub const KS_EXACT_LIMIT: u64 = 10_000_000;

/// The largest product of the sample sizes for which
/// [`ks_two_sample_with`] accepts [`KsMethod::Exact`] (10^9 cells, a few
/// seconds).
pub const KS_EXACT_MAX: u64 = 1_000_000_000;

/// How the p-value of a [`KsTest`] was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KsMethod {
    /// The exact null distribution of D for these two sample sizes,
    /// assuming continuous data (no tie correction), as scipy's
    /// `ks_2samp(method="exact")`. O(n·m) time, O(min(n, m)) memory.
    Exact,
    /// Kolmogorov's limiting distribution Q(√(n·m/(n+m))·D). scipy's
    /// `method="asymptotic"` differs: it evaluates the one-sample
    /// distribution `kstwo(round(n·m/(n+m)))` at D, which differs from
    /// the limit by O(1/√(n·m/(n+m))).
    Asymptotic,
}

/// The result of a two-sample Kolmogorov-Smirnov test ([`ks_two_sample`]).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KsTest {
    /// D = max over the observed values t of |F_x(t) − F_y(t)|, with
    /// right-continuous empirical distribution functions.
    pub statistic: f64,
    /// The first observed value t (in increasing order) where the
    /// maximum is reached.
    pub location: f64,
    /// +1 when F_x − F_y is positive at `location`, −1 when negative
    /// (+1 when the largest positive and negative gaps are equal, and
    /// when D = 0).
    pub sign: i8,
    /// The two-sided p-value, P(D' ≥ D) under the hypothesis that both
    /// samples come from the same continuous distribution.
    pub p_value: f64,
    /// How the p-value was computed.
    pub method: KsMethod,
}

/// The two-sample Kolmogorov-Smirnov test of `x` against `y`, two-sided:
/// the exact p-value when `x.len() · y.len() ≤` [`KS_EXACT_LIMIT`],
/// Kolmogorov's limiting distribution above it.
///
/// The statistic, its location and sign equal scipy's `ks_2samp`; the
/// exact p-value equals `ks_2samp(method="exact")` and the asymptotic
/// one is the Kolmogorov limit (see [`KsMethod::Asymptotic`] for how it
/// differs from scipy's `method="asymptotic"`). Ties are allowed, but
/// the p-value assumes continuous data (no tie correction: with ties it
/// is conservative).
///
/// The samples are copied and sorted: O((n + m) log(n + m)) time plus
/// the p-value.
///
/// # Formula
///
/// ```text
/// D = max_t |F_x(t) − F_y(t)| = max |i·m − j·n| / (n·m)
///     over the merged sorted sample (i values of x and j of y at most t)
/// exact: P(D' ≥ D) = probability that a uniformly random lattice path
///        from (0, 0) to (n, m) reaches |i·m − j·n| ≥ n·m·D
///        (dynamic programme with hypergeometric step probabilities;
///        the crossing probability is summed directly, without 1 − …)
/// limit: Q(√(n·m/(n+m))·D),  Q(t) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²t²}
/// ```
///
/// # Errors
///
/// [`ClusterError::EmptySample`] for an empty sample,
/// [`ClusterError::NonFiniteSample`] for a NaN or infinite value (named
/// by sample and index), [`ClusterError::OutOfMemory`] when the sorted
/// copies cannot be allocated.
///
/// # Example
///
/// ```
/// use seg_cluster::{KsMethod, ks_two_sample};
///
/// let x = [0.1, 0.4, 0.7, 0.9, 1.3];
/// let y = [1.0, 1.2, 1.5, 1.8, 2.0, 2.2];
/// let t = ks_two_sample(&x, &y)?;
/// assert!((t.statistic - 0.8).abs() < 1e-15);
/// assert_eq!((t.location, t.sign, t.method), (0.9, 1, KsMethod::Exact));
/// assert!(t.p_value < 0.05);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # References
///
/// - J. L. Hodges, "The significance probability of the Smirnov
///   two-sample test", *Arkiv för Matematik* 3 (1958), 469–486.
/// - scipy.stats.ks_2samp,
///   <https://docs.scipy.org/doc/scipy/reference/generated/scipy.stats.ks_2samp.html>
pub fn ks_two_sample(x: &[f64], y: &[f64]) -> Result<KsTest> {
    ks_with(x, y, None)
}

/// [`ks_two_sample`] with the method of the p-value chosen by the caller.
///
/// # Errors
///
/// As [`ks_two_sample`], and [`ClusterError::InvalidParameter`] for
/// [`KsMethod::Exact`] when `x.len() · y.len()` exceeds [`KS_EXACT_MAX`].
///
/// # Example
///
/// ```
/// use seg_cluster::{KsMethod, ks_two_sample_with};
///
/// let x = [0.1, 0.4, 0.7, 0.9, 1.3];
/// let y = [1.0, 1.2, 1.5, 1.8, 2.0, 2.2];
/// let limit = ks_two_sample_with(&x, &y, KsMethod::Asymptotic)?;
/// assert_eq!(limit.method, KsMethod::Asymptotic);
/// assert!(limit.p_value > 0.0 && limit.p_value < 0.1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn ks_two_sample_with(x: &[f64], y: &[f64], method: KsMethod) -> Result<KsTest> {
    ks_with(x, y, Some(method))
}

fn ks_with(x: &[f64], y: &[f64], method: Option<KsMethod>) -> Result<KsTest> {
    check_sample(x, "x")?;
    check_sample(y, "y")?;
    let cells = x.len() as u128 * y.len() as u128;
    if method == Some(KsMethod::Exact) && cells > u128::from(KS_EXACT_MAX) {
        return Err(ClusterError::InvalidParameter {
            parameter: "method",
            value: format!("exact for {} x {} samples", x.len(), y.len()),
            reason: "the exact p-value is limited to KS_EXACT_MAX = 10^9 cells",
        });
    }
    let sorted = |s: &[f64]| -> Result<Vec<f64>> {
        let mut v = allocate(s.len())?;
        v.extend_from_slice(s);
        v.sort_unstable_by(f64::total_cmp);
        Ok(v)
    };
    let (xs, ys) = (sorted(x)?, sorted(y)?);
    Ok(ks_sorted(&xs, &ys, method))
}

/// The test on sorted, finite, non-empty samples; `None` chooses the
/// method by [`KS_EXACT_LIMIT`].
pub(crate) fn ks_sorted(x: &[f64], y: &[f64], method: Option<KsMethod>) -> KsTest {
    let (n, m) = (x.len(), y.len());
    let (h, statistic, location, sign) = statistic(x, y);
    let cells = n as u128 * m as u128;
    let method = method.unwrap_or(if cells <= u128::from(KS_EXACT_LIMIT) {
        KsMethod::Exact
    } else {
        KsMethod::Asymptotic
    });
    let p_value = match method {
        KsMethod::Exact => exact_p_value(n, m, h),
        KsMethod::Asymptotic => {
            let en = n as f64 * m as f64 / (n as f64 + m as f64);
            kolmogorov_sf(en.sqrt() * statistic)
        }
    };
    KsTest {
        statistic,
        location,
        sign,
        p_value,
        method,
    }
}

/// Checks one sample: non-empty and finite.
fn check_sample(s: &[f64], parameter: &'static str) -> Result<()> {
    if s.is_empty() {
        return Err(ClusterError::EmptySample { parameter });
    }
    match s.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        Some((index, &value)) => Err(ClusterError::NonFiniteSample {
            parameter,
            index,
            value,
        }),
        None => Ok(()),
    }
}

/// The statistic of sorted samples: its integer form h = max |i·m − j·n|,
/// D, the location and the sign (first maxima; +1 on a tie of the two
/// signs).
fn statistic(x: &[f64], y: &[f64]) -> (u128, f64, f64, i8) {
    let (n, m) = (x.len(), y.len());
    let (mut i, mut j) = (0usize, 0usize);
    // (gap, i, j, t) of the largest positive and negative gaps.
    let mut pos = (0i128, 0usize, 0usize, f64::NAN);
    let mut neg = (0i128, 0usize, 0usize, f64::NAN);
    while i < n || j < m {
        let t = match (x.get(i), y.get(j)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        while i < n && x[i] <= t {
            i += 1;
        }
        while j < m && y[j] <= t {
            j += 1;
        }
        let gap = i as i128 * m as i128 - j as i128 * n as i128;
        if gap > pos.0 {
            pos = (gap, i, j, t);
        }
        if -gap > neg.0 {
            neg = (-gap, i, j, t);
        }
    }
    let (best, sign) = if pos.0 >= neg.0 { (pos, 1) } else { (neg, -1) };
    let (gap, bi, bj, t) = best;
    if gap == 0 {
        // Identical empirical distributions: D = 0 everywhere; scipy
        // reports the first value.
        let first = x[0].min(y[0]);
        return (0, 0.0, first, 1);
    }
    let d = (bi as f64 / n as f64 - bj as f64 / m as f64).abs();
    (gap.unsigned_abs(), d, t, sign)
}

/// Exact two-sided P(D' ≥ h/(n·m)) for continuous data: the probability
/// that a uniformly random monotone lattice path from (0, 0) to (n, m)
/// reaches a node with |i·m − j·n| ≥ h. Each node's probability of being
/// visited without having left the band is propagated with the
/// hypergeometric step probabilities (no binomial coefficients, no
/// overflow); the mass that steps outside is summed, so small p-values
/// keep their relative precision. O(n·m) time, O(min(n, m)) memory.
fn exact_p_value(n: usize, m: usize, h: u128) -> f64 {
    if h == 0 {
        return 1.0;
    }
    // The inner loop runs over the smaller sample; the statistic is
    // symmetric in the two.
    let (n, m) = if m > n { (m, n) } else { (n, m) };
    let outside =
        |i: usize, j: usize| (i as i128 * m as i128 - j as i128 * n as i128).unsigned_abs() >= h;
    let mut row = vec![0.0f64; m + 1];
    let mut crossed = 0.0f64;
    for i in 0..=n {
        for j in 0..=m {
            if i == 0 && j == 0 {
                row[0] = 1.0;
                continue;
            }
            // Steps left before reaching (i, j), i.e. from its parent.
            let left = (n + m + 1 - i - j) as f64;
            let from_x = if i > 0 {
                row[j] * (n + 1 - i) as f64 / left
            } else {
                0.0
            };
            let from_y = if j > 0 {
                row[j - 1] * (m + 1 - j) as f64 / left
            } else {
                0.0
            };
            let v = from_x + from_y;
            if outside(i, j) {
                crossed += v;
                row[j] = 0.0;
            } else {
                row[j] = v;
            }
        }
    }
    crossed.clamp(0.0, 1.0)
}

/// Kolmogorov's limiting distribution, Q(t) = P(K > t) =
/// 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²t²}; for t < 1, where that series
/// converges slowly, 1 − √(2π)/t Σ_{k≥1} e^{−(2k−1)²π²/(8t²)}.
pub(crate) fn kolmogorov_sf(t: f64) -> f64 {
    use std::f64::consts::PI;
    if t.is_nan() {
        return f64::NAN;
    }
    if t <= 0.0 {
        return 1.0;
    }
    if t < 1.0 {
        let c = -PI * PI / (8.0 * t * t);
        let mut cdf = 0.0;
        for k in 1..=60u32 {
            let odd = f64::from(2 * k - 1);
            let term = (c * odd * odd).exp();
            cdf += term;
            if term < 1e-300 {
                break;
            }
        }
        return (1.0 - cdf * (2.0 * PI).sqrt() / t).clamp(0.0, 1.0);
    }
    let mut s = 0.0;
    for k in 1..=100u32 {
        let kf = f64::from(k);
        let term = (-2.0 * kf * kf * t * t).exp();
        s += if k % 2 == 1 { term } else { -term };
        if term < 1e-300 {
            break;
        }
    }
    (2.0 * s).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_samples_have_p_value_one() {
        let x = [1.0, 2.0, 3.0];
        let t = ks_two_sample(&x, &x).unwrap();
        assert_eq!((t.statistic, t.p_value, t.sign), (0.0, 1.0, 1));
    }

    #[test]
    fn exact_p_value_of_disjoint_samples_is_two_over_binomial() {
        // All of x below all of y: only the two extreme paths reach D = 1.
        let x = [1.0, 2.0, 3.0, 4.0];
        let y = [5.0, 6.0, 7.0];
        let t = ks_two_sample(&x, &y).unwrap();
        assert_eq!(t.statistic, 1.0);
        assert!((t.p_value - 2.0 / 35.0).abs() < 1e-15);
        let t = ks_two_sample(&y, &x).unwrap();
        assert_eq!(t.sign, -1);
        assert!((t.p_value - 2.0 / 35.0).abs() < 1e-15);
    }

    #[test]
    fn small_exact_p_values_keep_their_relative_precision() {
        // D = 1 with n = m = 40: p = 2 / C(80, 40), about 1.9e-23.
        let x: Vec<f64> = (0..40).map(f64::from).collect();
        let y: Vec<f64> = (100..140).map(f64::from).collect();
        let t = ks_two_sample(&x, &y).unwrap();
        let log_binom: f64 = (1..=40).map(|k| ((40 + k) as f64 / k as f64).ln()).sum();
        let want = 2.0 * (-log_binom).exp();
        assert!(
            ((t.p_value - want) / want).abs() < 1e-12,
            "{} {want}",
            t.p_value
        );
    }

    #[test]
    fn kolmogorov_series_agree_at_one() {
        let below = kolmogorov_sf(1.0 - 1e-12);
        let above = kolmogorov_sf(1.0);
        assert!((below - above).abs() < 1e-11);
        assert!((kolmogorov_sf(1.0) - 0.26999967167735456).abs() < 1e-15);
    }

    #[test]
    fn nan_sample_is_an_error() {
        assert!(matches!(
            ks_two_sample(&[1.0, f64::NAN], &[1.0]),
            Err(ClusterError::NonFiniteSample {
                parameter: "x",
                index: 1,
                ..
            })
        ));
        assert!(matches!(
            ks_two_sample(&[1.0], &[]),
            Err(ClusterError::EmptySample { parameter: "y" })
        ));
    }

    #[test]
    fn forced_exact_method_on_huge_samples_is_an_error() {
        let x = vec![0.0; 40_000];
        assert!(matches!(
            ks_two_sample_with(&x, &x, KsMethod::Exact),
            Err(ClusterError::InvalidParameter {
                parameter: "method",
                ..
            })
        ));
    }
}
