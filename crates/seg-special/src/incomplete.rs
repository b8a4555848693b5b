//! The regularised incomplete beta function `I_x(a, b)`: the continued
//! fraction with bounded iterations, and Temme's uniform asymptotic
//! expansion when both shapes are large.

use crate::gamma::{log1pmx, log1pmx_cubic};
use crate::normal::erfc;

/// Smallest `min(a, b)` at which [`Beta`](crate::Beta)'s CDF uses Temme's
/// asymptotic expansion instead of the continued fraction.
pub const TEMME_MIN_SHAPE: f64 = 50_000.0;

/// Bound on the continued fraction's iterations: far more than it needs at
/// any shape of [`Beta`](crate::Beta) (its terms shrink geometrically on
/// the side of the mean where it is used); the loop ends there at worst.
pub(crate) const MAX_CF_ITERATIONS: usize = 1_000_000;

const SQRT_2PI: f64 = 2.506_628_274_631_000_7;

/// Both tails of a distribution at one point, each accurate relative to
/// itself (the smaller one is never computed as `1 − p`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tails {
    /// The lower tail `P[X ≤ x]` (the CDF).
    pub lower: f64,
    /// The upper tail `P[X > x]` (the survival function).
    pub upper: f64,
}

impl Tails {
    pub(crate) const NAN: Tails = Tails {
        lower: f64::NAN,
        upper: f64::NAN,
    };

    /// Both tails clamped to [0, 1].
    pub(crate) fn clamped(lower: f64, upper: f64) -> Tails {
        Tails {
            lower: lower.clamp(0.0, 1.0),
            upper: upper.clamp(0.0, 1.0),
        }
    }
}

/// The regularised incomplete beta function `I_x(a, b)` and its complement
/// `1 − I_x(a, b) = I_y(b, a)`, given `y = 1 − x` separately and the
/// logarithm of the prefactor `x^a y^b / B(a, b)` computed by the caller.
///
/// Meant for callers that know the prefactor more accurately than a
/// generic evaluation would (Student's t for huge ν, where `ln B(ν/2, ½)`
/// is a ratio of gamma functions of close arguments). The continued
/// fraction (modified Lentz, at most a bounded number of iterations) is
/// evaluated on the side `x < (a+1)/(a+b+2)`, the other tail by symmetry.
/// [`Beta::tails`](crate::Beta::tails) computes its own prefactor and is
/// what other callers want. NaN tails when a shape is not finite and > 0, or
/// when `x` or `y` is NaN.
///
/// # Formula
/// ```text
/// I_x(a, b) = x^a y^b / (a B(a, b)) · 1/(1 + d₁/(1 + d₂/(1 + …)))
/// d_{2m+1} = −(a+m)(a+b+m) x / ((a+2m)(a+2m+1))
/// d_{2m}   = m(b−m) x / ((a+2m−1)(a+2m))
/// ```
///
/// # Example
/// ```
/// use seg_special::{beta_tails_with_prefactor, ln_beta};
///
/// // I_x(2, 3) = 6x²y² + 4x³y + x⁴ = 0.26171875 at x = 0.25
/// let (a, b, x) = (2.0, 3.0, 0.25f64);
/// let y = 1.0 - x;
/// let ln_front = a * x.ln() + b * y.ln() - ln_beta(a, b);
/// let t = beta_tails_with_prefactor(a, b, x, y, ln_front);
/// assert!((t.lower - 0.261_718_75).abs() < 1e-14);
/// assert!((t.upper - 0.738_281_25).abs() < 1e-14);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # References
/// - Press, Teukolsky, Vetterling & Flannery (2007), *Numerical Recipes*,
///   3rd ed., §6.4.
#[must_use]
pub fn beta_tails_with_prefactor(a: f64, b: f64, x: f64, y: f64, ln_prefactor: f64) -> Tails {
    let valid = a.is_finite() && b.is_finite() && a > 0.0 && b > 0.0;
    if !valid || x.is_nan() || y.is_nan() || ln_prefactor.is_nan() {
        return Tails::NAN;
    }
    if x <= 0.0 {
        return Tails::clamped(0.0, 1.0);
    }
    if y <= 0.0 {
        return Tails::clamped(1.0, 0.0);
    }
    if x * (a + b + 2.0) < a + 1.0 {
        let p = continued_fraction_tail(a, b, x, ln_prefactor);
        Tails::clamped(p, 1.0 - p)
    } else {
        let q = continued_fraction_tail(b, a, y, ln_prefactor);
        Tails::clamped(1.0 - q, q)
    }
}

/// `I_x(a, b)` by the continued fraction given `ln[x^a y^b / B(a, b)]`;
/// meant for `x < (a+1)/(a+b+2)`.
pub(crate) fn continued_fraction_tail(a: f64, b: f64, x: f64, ln_front: f64) -> f64 {
    if ln_front < -745.0 {
        return 0.0;
    }
    let qab = a + b;
    let qap = a + 1.0;
    let qam = a - 1.0;
    let mut c = 1.0;
    let mut d = 1.0 / not_tiny(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=MAX_CF_ITERATIONS {
        let m = m as f64;
        let m2 = 2.0 * m;
        h *= lentz_step(m * (b - m) * x / ((qam + m2) * (a + m2)), &mut c, &mut d);
        let del = lentz_step(
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
            &mut c,
            &mut d,
        );
        h *= del;
        if (del - 1.0).abs() <= 1e-16 {
            break;
        }
    }
    (ln_front.exp() * h / a).clamp(0.0, 1.0)
}

/// `v`, or a tiny number in its place when it is too close to zero to divide by.
fn not_tiny(v: f64) -> f64 {
    const TINY: f64 = 1e-300;
    if v.abs() < TINY { TINY } else { v }
}

/// One step of the modified Lentz algorithm with partial numerator `aa`:
/// updates `c` and `d` and returns the factor `d·c` of the convergent.
fn lentz_step(aa: f64, c: &mut f64, d: &mut f64) -> f64 {
    *d = 1.0 / not_tiny(1.0 + aa * *d);
    *c = not_tiny(1.0 + aa / *c);
    *d * *c
}

/// Temme's uniform asymptotic expansion (leading two terms), both tails.
///
/// `I_x(a, b) = ½ erfc(−η √(s/2)) + e^{−sη²/2}/√(2πs) · c₀(η) + E`, with
/// `−½η² = x₀ ln(x/x₀) + y₀ ln(y/y₀)`, `x₀ = a/s`, `y₀ = b/s`,
/// `c₀ = 1/η − √(x₀y₀)/(x − x₀)`; the neglected term is
/// `E = e^{−sη²/2}/√(2πs) · O(1/min(a, b))`.
/// `(log1pmx(u) + u²/2)/u²`, about `u/3` next to 0 (where `u²` would
/// underflow).
fn cubic_over_square(u: f64) -> f64 {
    if u.abs() < 1e-100 {
        u / 3.0
    } else {
        log1pmx_cubic(u) / (u * u)
    }
}

pub(crate) fn temme(a: f64, b: f64, x: f64, y: f64) -> (f64, f64) {
    let s = a + b;
    let x0 = a / s;
    let y0 = b / s;
    let ua = (x * s - a) / a;
    let ub = (y * s - b) / b;
    // L = sη²/2 ≥ 0
    let l = -(a * log1pmx(ua) + b * log1pmx(ub));
    let l = l.max(0.0);
    let t = x - x0;
    let sigma = (x0 * y0).sqrt();
    let eta_abs = (2.0 * l / s).sqrt();
    let z = eta_abs * s.sqrt();
    let c0 = if z < 1e-3 {
        // c₀ = σ(−e₁ + (e₁² − e₂) t), e₁ = −(σ²/3)(1/x₀² − 1/y₀²),
        // e₂ = (σ²/4)(1/x₀³ + 1/y₀³) − e₁²/2
        let s2 = sigma * sigma;
        let e1 = -(s2 / 3.0) * (1.0 / (x0 * x0) - 1.0 / (y0 * y0));
        let e2 = (s2 / 4.0) * (1.0 / (x0 * x0 * x0) + 1.0 / (y0 * y0 * y0)) - 0.5 * e1 * e1;
        sigma * (-e1 + (e1 * e1 - e2) * t)
    } else if ua.abs().max(ub.abs()) < 0.5 {
        // 1/η − σ/t cancels near the centre (both ~σ/t): with
        // σ²η² = t²(1 + g), g = −2σ²(h(u_α)/(x₀u_α²) + h(u_β)/(y₀u_β²)),
        // h(u) = log1pmx(u) + u²/2, it is −g/((√(1 + g) + 1)·η)
        let g = -2.0 * sigma * sigma * (cubic_over_square(ua) / x0 + cubic_over_square(ub) / y0);
        let eta = if t < 0.0 { -eta_abs } else { eta_abs };
        -g / (((1.0 + g).max(0.0).sqrt() + 1.0) * eta)
    } else {
        let eta = if t < 0.0 { -eta_abs } else { eta_abs };
        1.0 / eta - sigma / t
    };
    let tail_term = (-l).exp() / (SQRT_2PI * s.sqrt()) * c0;
    let half_erfc = 0.5 * erfc(z / std::f64::consts::SQRT_2);
    if t < 0.0 {
        let p = half_erfc + tail_term;
        (p, 1.0 - p)
    } else {
        let q = half_erfc - tail_term;
        (1.0 - q, q)
    }
}
