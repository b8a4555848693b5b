//! Root finding: Brent's method (as scipy's `brentq`).

use crate::error::{PowerError, Result};

/// Finds a root of `f` in `[a, b]`, where `f(a)` and `f(b)` have opposite
/// signs (or one is zero), by Brent's method: inverse quadratic
/// interpolation with bisection safeguards. Stops when the bracket is
/// narrower than `xtol + rtol·|x|`, so with `rtol = 4ε` the root is found to
/// full double precision.
///
/// # References
///
/// Brent, R. P. (1973). *Algorithms for Minimization without Derivatives*,
/// ch. 4; scipy's `brentq.c`.
pub(crate) fn brent<F: FnMut(f64) -> f64>(
    mut f: F,
    a: f64,
    b: f64,
    xtol: f64,
    rtol: f64,
    maxiter: usize,
) -> Result<f64> {
    let (mut xpre, mut xcur) = (a, b);
    let (mut fpre, mut fcur) = (f(xpre), f(xcur));
    if fpre.is_nan() || fcur.is_nan() {
        return Err(PowerError::NotConverged {
            procedure: "root finding (NaN at the bracket)",
            iterations: 0,
        });
    }
    if fpre == 0.0 {
        return Ok(xpre);
    }
    if fcur == 0.0 {
        return Ok(xcur);
    }
    if fpre.signum() == fcur.signum() {
        return Err(PowerError::NotConverged {
            procedure: "root finding (no sign change)",
            iterations: 0,
        });
    }
    let xtol = xtol.max(f64::MIN_POSITIVE);
    let (mut xblk, mut fblk, mut spre, mut scur) = (0.0, 0.0, 0.0, 0.0);
    for _ in 0..maxiter {
        if fpre != 0.0 && fcur != 0.0 && fpre.signum() != fcur.signum() {
            xblk = xpre;
            fblk = fpre;
            spre = xcur - xpre;
            scur = spre;
        }
        if fblk.abs() < fcur.abs() {
            xpre = xcur;
            xcur = xblk;
            xblk = xpre;
            fpre = fcur;
            fcur = fblk;
            fblk = fpre;
        }
        let delta = 0.5 * (xtol + rtol * xcur.abs());
        let sbis = 0.5 * (xblk - xcur);
        if fcur == 0.0 || sbis.abs() < delta {
            return Ok(xcur);
        }
        if spre.abs() > delta && fcur.abs() < fpre.abs() {
            let stry = if xpre == xblk {
                -fcur * (xcur - xpre) / (fcur - fpre)
            } else {
                let dpre = (fpre - fcur) / (xpre - xcur);
                let dblk = (fblk - fcur) / (xblk - xcur);
                -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            };
            if 2.0 * stry.abs() < spre.abs().min(3.0 * sbis.abs() - delta) {
                spre = scur;
                scur = stry;
            } else {
                spre = sbis;
                scur = sbis;
            }
        } else {
            spre = sbis;
            scur = sbis;
        }
        xpre = xcur;
        fpre = fcur;
        if scur.abs() > delta {
            xcur += scur;
        } else {
            xcur += if sbis > 0.0 { delta } else { -delta };
        }
        fcur = f(xcur);
        if fcur.is_nan() {
            return Err(PowerError::NotConverged {
                procedure: "root finding (NaN inside the bracket)",
                iterations: 0,
            });
        }
    }
    Err(PowerError::NotConverged {
        procedure: "root finding",
        iterations: maxiter,
    })
}

/// Solves `f(x) = target` for an increasing `f` on `(lo, ∞)`: the upper end
/// of the bracket starts at `guess` and doubles until `f ≥ target`, then
/// Brent's method runs to full precision.
pub(crate) fn solve_increasing<F: FnMut(f64) -> f64>(
    mut f: F,
    target: f64,
    lo: f64,
    guess: f64,
    procedure: &'static str,
) -> Result<f64> {
    let mut hi = guess.max(lo + f64::EPSILON * lo.abs().max(1.0));
    let mut width = (hi - lo).max(1e-300);
    let mut steps = 0;
    while f(hi) < target {
        width *= 2.0;
        hi = lo + width;
        steps += 1;
        if steps > 2100 || !hi.is_finite() {
            return Err(PowerError::NotConverged {
                procedure,
                iterations: steps,
            });
        }
    }
    brent(|x| f(x) - target, lo, hi, 0.0, 4.0 * f64::EPSILON, 500)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brent_finds_roots_to_full_precision() {
        let r = brent(|x| x * x - 2.0, 0.0, 2.0, 0.0, 4.0 * f64::EPSILON, 100).unwrap();
        assert!((r - std::f64::consts::SQRT_2).abs() <= 4.0 * f64::EPSILON);
        let r = brent(|x| x.cos() - x, 0.0, 1.0, 0.0, 4.0 * f64::EPSILON, 100).unwrap();
        assert!((r.cos() - r).abs() < 1e-15);
    }

    #[test]
    fn brent_reports_a_missing_sign_change() {
        assert!(brent(|x| x * x + 1.0, -1.0, 1.0, 0.0, 1e-12, 100).is_err());
    }

    #[test]
    fn solve_increasing_expands_the_bracket() {
        let r = solve_increasing(|x| x.ln(), 10.0, 1.0, 2.0, "test").unwrap();
        assert!((r - 10f64.exp()).abs() / 10f64.exp() < 1e-14);
    }
}
