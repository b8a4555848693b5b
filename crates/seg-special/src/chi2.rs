//! The chi-square distribution's upper tail.

use statrs::function::gamma::{gamma_lr, gamma_ur};

use crate::normal::erfc;

/// Upper tail of the chi-square distribution with `df` degrees of freedom,
/// Q(df/2, x/2) taken directly from the regularized upper incomplete gamma
/// function (not as 1 − cdf), so tiny p-values keep their relative
/// precision.
///
/// NaN for a NaN argument or a `df` that is not finite and positive; 1 for
/// `x <= 0`; 0 for `x = ∞`.
///
/// # Example
///
/// ```
/// use seg_special::chi2_sf;
///
/// // Two degrees of freedom: the tail is exp(−x/2).
/// assert!((chi2_sf(3.0, 2.0) - (-1.5f64).exp()).abs() < 1e-15);
/// assert_eq!(chi2_sf(0.0, 4.0), 1.0);
/// assert!(chi2_sf(1.0, -1.0).is_nan());
/// ```
pub fn chi2_sf(x: f64, df: f64) -> f64 {
    if x.is_nan() || df.is_nan() || !(df > 0.0 && df < f64::INFINITY) {
        // Outside statrs' domain (it would panic): no tail probability.
        f64::NAN
    } else if x <= 0.0 {
        1.0
    } else if x == f64::INFINITY {
        0.0
    } else if df == 1.0 {
        // Exact identity with a cheaper evaluation: Q(½, x/2) = erfc(√(x/2)).
        erfc((0.5 * x).sqrt())
    } else {
        let a = 0.5 * df;
        let h = 0.5 * x;
        if h == 0.0 || a == 0.0 {
            // x/2 or df/2 underflowed (x or df below 1e-323): statrs rejects a
            // zero argument with a panic; the tail is 1 to double precision
            // when x vanishes, and 0 when the shape vanishes.
            if h == 0.0 { 1.0 } else { 0.0 }
        } else if h < a {
            1.0 - gamma_lr(a, h)
        } else {
            gamma_ur(a, h)
        }
    }
}
