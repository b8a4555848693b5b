//! Distribution functions: Student t, noncentral t, chi-square; the
//! normal tails and the incomplete beta function come from `seg-special`.

use std::f64::consts::PI;

use seg_special::beta_tails_with_prefactor;
pub(crate) use seg_special::{chi2_sf, norm_cdf, norm_isf, norm_sf};
use statrs::function::gamma::ln_gamma;

use crate::error::{PowerError, Result, finite};
use crate::root::brent;

/// `ln √π`.
const LN_SQRT_PI: f64 = 0.572_364_942_924_700_1;

/// Upper tail of Student's t with `df` degrees of freedom.
///
/// ½ I_x(ν/2, ½) with x = ν/(ν + t²), through [`inc_beta`] with an
/// accurate ln B(ν/2, ½), so that huge ν (where statrs' `beta_reg` loses
/// digits to ln Γ cancellation) stays accurate.
pub(crate) fn t_sf(t: f64, df: f64) -> f64 {
    if t.is_nan() {
        return f64::NAN;
    }
    if t.is_infinite() {
        return if t > 0.0 { 0.0 } else { 1.0 };
    }
    if df > LARGE_DF && t.abs() < 10.0 {
        return t_sf_large_df(t, df);
    }
    // u = t²/ν; x = 1/(1 + u), y = u/(1 + u), logarithms through ln_1p so
    // that a·ln x keeps its absolute precision when a = ν/2 is huge.
    let u = t * t / df;
    let (x, y) = (1.0 / (1.0 + u), u / (1.0 + u));
    let l1p = u.ln_1p();
    let a = 0.5 * df;
    let ln_front = -a * l1p + 0.5 * (u.ln() - l1p) - (LN_SQRT_PI + ln_gamma_ratio_half(a));
    let half = 0.5 * inc_beta(a, 0.5, x, y, ln_front);
    if t >= 0.0 { half } else { 1.0 - half }
}

/// Above this many degrees of freedom (and for |t| < 10), Student's t tail
/// comes from an asymptotic expansion rather than the continued
/// fraction, whose rounding errors grow with the number of terms.
const LARGE_DF: f64 = 2e4;

/// The t tail for large ν through the Cornish-Fisher expansion of the t
/// quantile in the normal quantile (Abramowitz & Stegun 26.7.5):
/// t = x + g1(x)/ν + g2(x)/ν² + g3(x)/ν³ + g4(x)/ν⁴ + O(ν⁻⁵); solving for
/// x by fixed-point iteration gives 1 − F(t) = 1 − Φ(x). For ν > 2·10⁴ and
/// |t| < 10 the truncation error is below 1e-14 relative (checked against
/// 40-digit mpmath).
fn t_sf_large_df(t: f64, df: f64) -> f64 {
    let inv = 1.0 / df;
    let correction = |x: f64| {
        let x2 = x * x;
        let g1 = (x2 + 1.0) * x / 4.0;
        let g2 = ((5.0 * x2 + 16.0) * x2 + 3.0) * x / 96.0;
        let g3 = (((3.0 * x2 + 19.0) * x2 + 17.0) * x2 - 15.0) * x / 384.0;
        let g4 = ((((79.0 * x2 + 776.0) * x2 + 1482.0) * x2 - 1920.0) * x2 - 945.0) * x / 92160.0;
        inv * (g1 + inv * (g2 + inv * (g3 + inv * g4)))
    };
    let mut x = t;
    for _ in 0..50 {
        let next = t - correction(x);
        let done = (next - x).abs() <= 1e-17 * next.abs().max(1e-300);
        x = next;
        if done {
            break;
        }
    }
    norm_sf(x)
}

/// The regularized incomplete beta function I_x(a, b) with `y = 1 − x`
/// given separately and the log prefactor `ln_front = a ln x + b ln y −
/// ln B(a, b)` computed accurately by the caller (the continued fraction of
/// `seg-special`, with the symmetry I_x(a, b) = 1 − I_y(b, a) beyond the
/// mode).
pub(crate) fn inc_beta(a: f64, b: f64, x: f64, y: f64, ln_front: f64) -> f64 {
    beta_tails_with_prefactor(a, b, x, y, ln_front).lower
}

/// CDF of Student's t with `df` degrees of freedom.
pub(crate) fn t_cdf(t: f64, df: f64) -> f64 {
    t_sf(-t, df)
}

/// Upper-tail quantile of Student's t: the t with `t_sf(t, df) = q`, for q in
/// (0, 1/2]. Brent's method to full precision on a bracket built from the
/// normal quantile (the t quantile is further out).
pub(crate) fn t_isf(q: f64, df: f64) -> Result<f64> {
    if q >= 0.5 {
        return Ok(if q == 0.5 { 0.0 } else { -t_isf(1.0 - q, df)? });
    }
    let z = norm_isf(q);
    let lo = z;
    let mut hi = z.max(1.0) * 2.0;
    let mut steps = 0;
    while t_sf(hi, df) > q {
        hi *= 2.0;
        steps += 1;
        if steps > 2000 || !hi.is_finite() {
            return Err(PowerError::NotConverged {
                procedure: "t quantile bracketing",
                iterations: steps,
            });
        }
    }
    brent(|t| t_sf(t, df) - q, lo, hi, 0.0, 4.0 * f64::EPSILON, 200)
}

/// ln Γ(b) − ln Γ(b + ½), accurate for large b where the difference of two
/// large logarithms would cancel.
fn ln_gamma_ratio_half(b: f64) -> f64 {
    if b < 10.0 {
        return ln_gamma(b) - ln_gamma(b + 0.5);
    }
    // Stirling: ln Γ(x) = (x − ½) ln x − x + ½ ln 2π + S(x).
    fn s(x: f64) -> f64 {
        let x2 = x * x;
        let inv = 1.0 / x;
        let inv2 = 1.0 / x2;
        inv * (1.0 / 12.0
            - inv2 * (1.0 / 360.0 - inv2 * (1.0 / 1260.0 - inv2 * (1.0 / 1680.0 - inv2 / 1188.0))))
    }
    -0.5 * b.ln() + (0.5 - b * (0.5 / b).ln_1p()) + (s(b) - s(b + 0.5))
}

/// Lower and upper tail of the noncentral t distribution, `(cdf, sf)`.
///
/// Lenth (1989), AS 243, in the form of R's `pnt` (Poisson mixture of
/// incomplete beta functions, summed until the error bound is below 1e-12).
/// For |δ| > 37.62 (where e^(−δ²/2) underflows) the normal approximation of
/// Abramowitz & Stegun 26.7.10 is used, as R does.
pub(crate) fn nct_tails(t: f64, df: f64, nc: f64) -> Result<(f64, f64)> {
    const ITRMAX: usize = 1000;
    const ERRMAX: f64 = 1e-12;
    if nc == 0.0 {
        return Ok((t_cdf(t, df), t_sf(t, df)));
    }
    if t == f64::INFINITY {
        return Ok((1.0, 0.0));
    }
    if t == f64::NEG_INFINITY {
        return Ok((0.0, 1.0));
    }
    let (negdel, tt, del) = if t >= 0.0 {
        (false, t, nc)
    } else {
        (true, -t, -nc)
    };
    // `lower` is P(T' ≤ tt) for T' noncentral with parameter `del`.
    let lower = if del * del > 2.0 * std::f64::consts::LN_2 * 1021.0 {
        let s = 1.0 / (4.0 * df);
        norm_cdf((tt * (1.0 - s) - del) / (1.0 + tt * tt * 2.0 * s).sqrt())
    } else {
        let u = tt * tt / df;
        let l1p = u.ln_1p();
        let x = u / (1.0 + u);
        let ln_x = u.ln() - l1p;
        let mut tnc = 0.0;
        if x > 0.0 {
            let lambda = del * del;
            let mut p = 0.5 * (-0.5 * lambda).exp();
            let mut q = (2.0 / PI).sqrt() * p * del;
            let mut s = 0.5 - p;
            if s < 1e-7 {
                s = -0.5 * (-0.5 * lambda).exp_m1();
            }
            let mut a = 0.5;
            let b = 0.5 * df;
            let rxb = (-b * l1p).exp();
            let albeta = LN_SQRT_PI + ln_gamma_ratio_half(b);
            let mut xodd = inc_beta(a, b, x, 1.0 / (1.0 + u), a * ln_x - b * l1p - albeta);
            let mut godd = 2.0 * rxb * (a * ln_x - albeta).exp();
            let tnc0 = b * x;
            let mut xeven = if tnc0 < f64::EPSILON { tnc0 } else { 1.0 - rxb };
            let mut geven = tnc0 * rxb;
            tnc = p * xodd + q * xeven;
            let mut converged = false;
            for it in 1..=ITRMAX {
                a += 1.0;
                xodd -= godd;
                xeven -= geven;
                godd *= x * (a + b - 1.0) / a;
                geven *= x * (a + b - 0.5) / (a + 0.5);
                let itf = it as f64;
                p *= lambda / (2.0 * itf);
                q *= lambda / (2.0 * itf + 1.0);
                tnc += p * xodd + q * xeven;
                s -= p;
                if s < -1e-10 {
                    // Rounding has eaten the Poisson mass; the sum is as
                    // accurate as it will get.
                    converged = true;
                    break;
                }
                if s <= 0.0 && it > 1 {
                    converged = true;
                    break;
                }
                let errbd = 2.0 * s * (xodd - godd);
                if errbd.abs() < ERRMAX && it > 1 {
                    converged = true;
                    break;
                }
            }
            if !converged {
                return Err(PowerError::NotConverged {
                    procedure: "noncentral t series",
                    iterations: ITRMAX,
                });
            }
        }
        (tnc + norm_cdf(-del)).min(1.0)
    };
    let upper = 1.0 - lower;
    Ok(if negdel {
        (upper, lower)
    } else {
        (lower, upper)
    })
}

fn check_nct(t: f64, df: f64, nc: f64) -> Result<()> {
    if t.is_nan() {
        return Err(PowerError::InvalidParameter {
            parameter: "t",
            value: t,
            reason: "must be finite",
        });
    }
    finite("df", df)?;
    if df <= 0.0 {
        return Err(PowerError::InvalidParameter {
            parameter: "df",
            value: df,
            reason: "must be positive",
        });
    }
    finite("noncentrality", nc)?;
    Ok(())
}

/// The CDF of the noncentral t distribution, P(T ≤ t) for T with `df`
/// degrees of freedom and noncentrality `nc`.
///
/// statrs has no noncentral t; this is the distribution behind the power of
/// the two-sample t-test (statsmodels `TTestIndPower`, R `power.t.test`).
///
/// # Errors
///
/// [`PowerError::InvalidParameter`] if `t` is NaN or `df` or `nc` is not finite,
/// [`PowerError::InvalidParameter`] if `df ≤ 0`.
///
/// # Formula
///
/// ```text
/// T = (Z + δ) / √(V/ν),  Z ~ N(0, 1), V ~ χ²(ν)
/// for t ≥ 0, with x = t²/(t² + ν):
/// P(T ≤ t) = Φ(−δ) + ½ Σ_j [ p_j I_x(j + ½, ν/2) + q_j I_x(j + 1, ν/2) ]
/// p_j = e^(−δ²/2) (δ²/2)^j / j!
/// q_j = δ e^(−δ²/2) (δ²/2)^j / (√2 Γ(j + 3/2))
/// for t < 0: P(T ≤ t) = 1 − P(T' ≤ −t) with T' of noncentrality −δ
/// ```
///
/// The series is summed (Lenth's recurrences) until its error bound is
/// below 1e-12 (absolute). For |δ| > 37.62 the normal
/// approximation of Abramowitz & Stegun 26.7.10 is used, as in R.
///
/// # Example
///
/// ```
/// use seg_power::noncentral_t_cdf;
///
/// // With δ = 0 it is Student's t: P(T ≤ 2.228…) = 0.975 for ν = 10 (mpmath).
/// let p = noncentral_t_cdf(2.2281388519862747, 10.0, 0.0)?;
/// assert!((p - 0.975).abs() < 1e-14);
/// // A noncentral case, against 40-digit quadrature in mpmath.
/// let p = noncentral_t_cdf(1.0, 5.0, 1.0)?;
/// assert!((p - 0.480_926_141_242_105_231).abs() < 1e-12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # References
///
/// - Lenth, R. V. (1989). Algorithm AS 243: cumulative distribution function
///   of the non-central t distribution. *Applied Statistics* 38, 185–189.
/// - R Core Team, `src/nmath/pnt.c`.
pub fn noncentral_t_cdf(t: f64, df: f64, nc: f64) -> Result<f64> {
    check_nct(t, df, nc)?;
    Ok(nct_tails(t, df, nc)?.0)
}

/// The upper tail of the noncentral t distribution, P(T > t).
///
/// Computed without forming `1 − cdf` where the series gives the upper tail
/// directly (negative `t`).
///
/// # Errors
///
/// As [`noncentral_t_cdf`].
///
/// # Example
///
/// ```
/// use seg_power::{noncentral_t_cdf, noncentral_t_sf};
///
/// let (c, s) = (noncentral_t_cdf(1.5, 20.0, 2.0)?, noncentral_t_sf(1.5, 20.0, 2.0)?);
/// assert!((c + s - 1.0).abs() < 1e-15);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn noncentral_t_sf(t: f64, df: f64, nc: f64) -> Result<f64> {
    check_nct(t, df, nc)?;
    Ok(nct_tails(t, df, nc)?.1)
}

// Reference values are kept at the precision mpmath printed them.
#[cfg(test)]
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;

    #[test]
    fn t_quantile_inverts_tail_and_approaches_normal() {
        for &df in &[1.0, 2.5, 10.0, 98.0, 1e6] {
            for &q in &[1e-8, 0.005, 0.025, 0.1, 0.4] {
                let t = t_isf(q, df).unwrap();
                let back = t_sf(t, df);
                assert!(
                    ((back - q) / q).abs() < 1e-12,
                    "df {df}, q {q}: t = {t}, rel {}",
                    back / q - 1.0
                );
            }
        }
        // Cauchy: t_{0.975}(1) = tan(0.475π).
        let t = t_isf(0.025, 1.0).unwrap();
        assert!((t - (0.475 * PI).tan()).abs() < 1e-12);
        // Cornish-Fisher: t ≈ z + (z³ + z)/(4ν) for large ν.
        let z = norm_isf(0.025);
        let t = t_isf(0.025, 1e9).unwrap();
        assert!((t - (z + (z.powi(3) + z) / 4e9)).abs() < 1e-14, "{t}");
    }

    #[test]
    fn t_tail_expansion_agrees_with_continued_fraction_near_the_switch() {
        // Both evaluations are valid around ν = 2·10⁴; disagreement would
        // reveal a wrong coefficient (g2/ν² ~ 1e-7, g4/ν⁴ ~ 1e-14 here).
        for &df in &[5e3f64, 2e4, 5e4] {
            for &t in &[-2.5f64, 0.3, 1.0, 1.96, 3.0, 5.0] {
                let u = t * t / df;
                let a = 0.5 * df;
                let ln_front = -a * u.ln_1p() + 0.5 * (u.ln() - u.ln_1p())
                    - (LN_SQRT_PI + ln_gamma_ratio_half(a));
                let half = 0.5 * inc_beta(a, 0.5, 1.0 / (1.0 + u), u / (1.0 + u), ln_front);
                let cf = if t >= 0.0 { half } else { 1.0 - half };
                let ex = t_sf_large_df(t, df);
                let tol = if df < 1e4 { 1e-10 } else { 3e-12 };
                assert!(
                    ((cf - ex) / cf).abs() < tol,
                    "df {df}, t {t}: cf {cf}, expansion {ex}"
                );
            }
        }
    }

    #[test]
    fn ln_gamma_ratio_half_is_continuous_at_the_switch() {
        let direct = ln_gamma(10.0) - ln_gamma(10.5);
        assert!((ln_gamma_ratio_half(10.0) - direct).abs() < 1e-13);
        // Γ(b)/Γ(b + ½) ≈ b^(−½) (1 + 1/(8b)) for large b.
        let b = 1e8;
        let approx = -0.5 * f64::ln(b) + (1.0 / (8.0 * b));
        assert!((ln_gamma_ratio_half(b) - approx).abs() < 1e-15);
    }

    #[test]
    fn noncentral_t_matches_mpmath_quadrature() {
        // P(T ≤ t) = ∫ Φ(t√(v/ν) − δ) f_χ²(v; ν) dv evaluated by mpmath 1.3.0
        // `quad` at 40 significant digits.
        let cases = [
            (1.96, 98.0, 2.5, 0.294_679_312_122_898_968_94),
            (2.0, 10.0, 1.0, 0.807_611_562_530_375_262_03),
            (-1.0, 5.0, 0.5, 0.082_444_091_056_723_458_307),
            (-2.0, 20.0, 3.0, 9.574_419_716_599_807_689e-7),
            (1.97, 3000.0, 2.8, 0.203_298_838_175_496_635_74),
            (0.3, 3.0, -1.2, 0.928_757_426_702_100_744_98),
            (5.0, 40.0, 6.0, 0.183_757_887_599_016_355_03),
            (-1.9603, 3139.0, 2.8, 9.742_743_179_817_102_329_3e-7),
        ];
        for (t, df, nc, want) in cases {
            let (cdf, sf) = nct_tails(t, df, nc).unwrap();
            assert!(
                (cdf - want).abs() < 1e-12,
                "({t}, {df}, {nc}): {cdf} vs {want}"
            );
            assert!((cdf + sf - 1.0).abs() < 1e-15);
        }
    }

    #[test]
    fn t_tail_matches_mpmath() {
        // ½ I_x(ν/2, ½), mpmath 1.3.0 `betainc` at 40 digits.
        let cases = [
            (1.96, 1e6, 0.024_998_033_792_634_895_343),
            (-3.0, 7.0, 0.990_028_936_934_003_731_04),
            (2.5, 5e4, 0.006_211_253_905_555_799_002_3),
            (0.5, 2.5, 0.328_848_959_934_857_344_67),
        ];
        for (t, df, want) in cases {
            let got = t_sf(t, df);
            assert!(
                ((got - want) / want).abs() < 1e-13,
                "t_sf({t}, {df}) = {got}, want {want}"
            );
        }
    }

    #[test]
    fn noncentral_t_reduces_to_central() {
        for &(t, df) in &[(1.0, 3.0), (-2.0, 7.0), (0.0, 1.0)] {
            assert_eq!(noncentral_t_cdf(t, df, 0.0).unwrap(), t_cdf(t, df));
        }
        // A tiny noncentrality is continuous with δ = 0.
        let a = noncentral_t_cdf(1.3, 9.0, 1e-9).unwrap();
        assert!((a - t_cdf(1.3, 9.0)).abs() < 1e-9);
    }

    #[test]
    fn noncentral_t_rejects_bad_parameters() {
        assert!(matches!(
            noncentral_t_cdf(1.0, 0.0, 1.0),
            Err(PowerError::InvalidParameter { .. })
        ));
        assert!(matches!(
            noncentral_t_cdf(f64::NAN, 3.0, 1.0),
            Err(PowerError::InvalidParameter { .. })
        ));
        assert!(matches!(
            noncentral_t_sf(1.0, 3.0, f64::INFINITY),
            Err(PowerError::InvalidParameter { .. })
        ));
    }

    #[test]
    fn chi_square_tail_keeps_relative_precision() {
        // scipy.stats.chi2.sf(232.73244, 3) (srm.json, srm-015).
        let p = chi2_sf(232.73244, 3.0);
        assert!(((p - 3.548_260_396_277_538_6e-50) / 3.548_260_396_277_538_6e-50).abs() < 1e-12);
        // df = 2 has the closed form e^(−x/2).
        for &x in &[0.1, 3.0, 80.0] {
            assert!(((chi2_sf(x, 2.0) - (-0.5 * x).exp()) / (-0.5 * x).exp()).abs() < 1e-14);
        }
        assert_eq!(chi2_sf(0.0, 4.0), 1.0);
    }

    #[test]
    fn chi_square_tail_of_a_vanishing_statistic_is_one() {
        assert_eq!(chi2_sf(5e-324, 3.0), 1.0);
        assert_eq!(chi2_sf(5e-324, 1.0), 1.0);
        assert!(chi2_sf(1.0, f64::NAN).is_nan());
        assert!(chi2_sf(1.0, 0.0).is_nan());
    }
}
