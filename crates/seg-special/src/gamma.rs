//! Logarithms of the gamma and beta functions without cancellation:
//! `log1pmx`, the Stirling correction, `ln B` and ratios of beta functions.

/// `ln √(2π)`.
pub(crate) const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// `ln(1 + u) − u` without cancellation near 0, for `u > −1`.
///
/// For |u| < 0.05, `ln(1+u) = 2 atanh(t)` with `t = u/(2+u)`, so
/// `ln(1+u) − u = −u t + 2 Σ_{k≥1} t^(2k+1)/(2k+1)`, six terms (|t| < 0.0257:
/// the next is below 1e-17 of the sum); beyond, `ln_1p(u) − u` loses under
/// two digits of a value that callers multiply by a shape, an absolute error
/// of about `shape · |u| · ε`. NaN for `u < −1` or NaN, `−∞` at `u = −1`.
///
/// # Example
/// ```
/// use seg_special::log1pmx;
///
/// // ln(1 + u) − u ≈ −u²/2 + u³/3 near 0, where the direct form cancels.
/// let u = 1e-9;
/// assert!((log1pmx(u) - (-u * u / 2.0 + u * u * u / 3.0)).abs() < 1e-33);
/// assert!((log1pmx(1.0) - (2f64.ln() - 1.0)).abs() < 1e-16);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn log1pmx(u: f64) -> f64 {
    if u.abs() < SERIES_BELOW {
        // ln(1 + u) = 2 atanh τ, τ = u/(2 + u), and 2τ − u = −u·τ
        let t = u / (2.0 + u);
        -u * t + atanh_beyond_linear(t)
    } else {
        u.ln_1p() - u
    }
}

/// `log1pmx(u) + u²/2 = ln(1 + u) − u + u²/2` without the cancellation of
/// its O(u²) terms: `u³/(2(2 + u)) + 2(atanh τ − τ)` for small `u`.
pub(crate) fn log1pmx_cubic(u: f64) -> f64 {
    if u.abs() < SERIES_BELOW {
        let t = u / (2.0 + u);
        u * u * u / (2.0 * (2.0 + u)) + atanh_beyond_linear(t)
    } else {
        log1pmx(u) + 0.5 * u * u
    }
}

/// Below this |u|, [`log1pmx`] sums the series of `atanh`.
const SERIES_BELOW: f64 = 0.05;

/// `2(atanh τ − τ) = 2τ³(1/3 + τ²/5 + …)` for |τ| < 0.026 (to rounding).
fn atanh_beyond_linear(t: f64) -> f64 {
    let t2 = t * t;
    let series = 1.0 / 3.0
        + t2 * (1.0 / 5.0 + t2 * (1.0 / 7.0 + t2 * (1.0 / 9.0 + t2 * (1.0 / 11.0 + t2 / 13.0))));
    2.0 * t * t2 * series
}

/// The Stirling correction `δ(z) = ln Γ(z) − (z − ½) ln z + z − ½ ln 2π`
/// for `z > 0` (NaN otherwise, 0 at `+∞`).
///
/// # Formula
/// ```text
/// z ≥ 15:  δ(z) = 1/(12z) − 1/(360z³) + 1/(1260z⁵) − … (seven terms)
/// z < 15:  δ(z) = δ(z + m) + (z + m − ½) ln(z + m) − (z + ½) ln z
///                 − ln Π_{j=1}^{m−1} (z + j) − m,   m = ⌈15 − z⌉
/// ```
///
/// # Example
/// ```
/// use seg_special::stirling_correction;
///
/// // δ(1) = 1 − ½ ln 2π
/// let want = 1.0 - 0.5 * (2.0 * std::f64::consts::PI).ln();
/// assert!((stirling_correction(1.0) - want).abs() < 1e-14);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn stirling_correction(z: f64) -> f64 {
    if z.is_nan() || z <= 0.0 {
        return f64::NAN;
    }
    if z == f64::INFINITY {
        return 0.0;
    }
    // Below 15, m steps of δ(z) = δ(z + 1) + (z + ½) ln(1 + 1/z) − 1, summed
    // in closed form (three logarithms instead of m).
    let (shifted, acc) = if z < 15.0 {
        let m = (15.0 - z).ceil();
        let shifted = z + m;
        let mut product = 1.0;
        let mut j = 1.0;
        while j < m {
            product *= z + j;
            j += 1.0;
        }
        let acc = (shifted - 0.5) * shifted.ln() - (z + 0.5) * z.ln() - product.ln() - m;
        (shifted, acc)
    } else {
        (z, 0.0)
    };
    let r = 1.0 / shifted;
    let r2 = r * r;
    let series = r
        * (1.0 / 12.0
            - r2 * (1.0 / 360.0
                - r2 * (1.0 / 1260.0
                    - r2 * (1.0 / 1680.0
                        - r2 * (1.0 / 1188.0 - r2 * (691.0 / 360_360.0 - r2 / 156.0))))));
    acc + series
}

/// `ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b)` for positive shapes with a
/// finite sum, without the cancellation of large log-gammas (NaN outside).
///
/// # Formula
/// ```text
/// ln B(a, b) = (a − ½) ln a + (b − ½) ln b − (s − ½) ln s + ½ ln 2π
///              + δ(a) + δ(b) − δ(s),   s = a + b
/// ```
///
/// # Example
/// ```
/// use seg_special::ln_beta;
///
/// // B(2, 3) = 1/12
/// assert!((ln_beta(2.0, 3.0) - (1.0f64 / 12.0).ln()).abs() < 1e-14);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn ln_beta(a: f64, b: f64) -> f64 {
    let s = a + b;
    if !(a > 0.0 && b > 0.0 && s.is_finite()) {
        return f64::NAN;
    }
    (a - 0.5) * a.ln() + (b - 0.5) * b.ln() - (s - 0.5) * s.ln()
        + LN_SQRT_2PI
        + stirling_correction(a)
        + stirling_correction(b)
        - stirling_correction(s)
}

/// `ln[B(a, b + c) / B(a, b)]` for `a, b, c > 0` without the cancellation
/// of log-gammas of large arguments (NaN outside).
///
/// # Formula
/// ```text
/// (b − ½) ln(1 + ac/(b(a+b+c))) − c ln(1 + a/(b+c)) − a ln(1 + c/(a+b))
///   + δ(b+c) − δ(b) − δ(a+b+c) + δ(a+b)
/// ```
/// every term of the size of the result.
///
/// # Example
/// ```
/// use seg_special::ln_beta_ratio;
///
/// // B(a, a + 1)/B(a, a) = ½ at any size
/// assert!((ln_beta_ratio(1e12, 1e12, 1.0) - 0.5f64.ln()).abs() < 1e-14);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn ln_beta_ratio(a: f64, b: f64, c: f64) -> f64 {
    if !(a > 0.0 && b > 0.0 && c > 0.0 && (a + b + c).is_finite()) {
        return f64::NAN;
    }
    (b - 0.5) * (a * c / (b * (a + b + c))).ln_1p()
        - c * (a / (b + c)).ln_1p()
        - a * (c / (a + b)).ln_1p()
        + stirling_correction(b + c)
        - stirling_correction(b)
        - stirling_correction(a + b + c)
        + stirling_correction(a + b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stirling_correction_satisfies_its_recurrence_across_the_switch() {
        // δ(1) = 1 − ½ ln 2π; below 15 the closed form of the recurrence
        // sums terms up to ~40 (ln of 14!, …): a few units of 1e-15 absolute
        assert!((stirling_correction(1.0) - (1.0 - LN_SQRT_2PI)).abs() < 1e-14);
        // δ(z) = δ(z + 1) + (z + ½) ln(1 + 1/z) − 1 across the switch at 15
        for z in [1e-3_f64, 0.5, 1.0, 2.75, 9.0, 14.2, 14.99, 15.0, 40.5] {
            let step = (z + 0.5) * (1.0 / z).ln_1p() - 1.0;
            let got = stirling_correction(z) - stirling_correction(z + 1.0) - step;
            assert!(got.abs() < 2e-14, "{z}: {got:e}");
        }
        // ln B(2, 3) = ln(1/12)
        assert!((ln_beta(2.0, 3.0) - (1.0_f64 / 12.0).ln()).abs() < 1e-14);
        // B(a, b + c)/B(a, b) against ln B by its definition at small shapes
        for (x, y, z) in [(1.0, 1.0, 1.0), (0.3, 2.5, 7.0), (12.5, 0.7, 3.25)] {
            let want = ln_beta(x, y + z) - ln_beta(x, y);
            assert!((ln_beta_ratio(x, y, z) - want).abs() < 1e-13, "{x} {y} {z}");
        }
        // B(a, a + 1)/B(a, a) = a/(2a) = ½ at any size
        for x in [1e3, 1e9, 1e15] {
            assert!(
                (ln_beta_ratio(x, x, 1.0) - 0.5f64.ln()).abs() < 1e-14,
                "{x}"
            );
        }
    }

    #[test]
    fn log1pmx_matches_direct_form() {
        for &u in &[-0.4, -1e-3, 1e-8, 0.3, 0.49, 0.51, 3.0] {
            let direct = f64::ln_1p(u) - u;
            assert!((log1pmx(u) - direct).abs() <= 1e-15 * direct.abs().max(1e-300) + 1e-17);
        }
    }

    #[test]
    fn functions_outside_their_domain_return_nan() {
        assert!(stirling_correction(0.0).is_nan());
        assert!(stirling_correction(f64::NAN).is_nan());
        assert!(ln_beta(-1.0, 2.0).is_nan());
        assert!(ln_beta(f64::MAX, f64::MAX).is_nan());
        assert!(ln_beta_ratio(1.0, 0.0, 1.0).is_nan());
    }
}
