//! The numerical integration behind every group-sequential probability:
//! the recursion of Armitage, McPherson & Rowe (1969) for the sub-density
//! of Z_k on the continuation region, integrated by Simpson's rule on the
//! grid of Jennison & Turnbull (2000, ch. 19), and the boundaries it
//! solves for (efficacy by α-spending, futility by β-spending).

use std::cell::RefCell;

use crate::dist::{norm_cdf, norm_isf, norm_sf};
use crate::error::{PowerError, Result};
use crate::root::brent;

use super::spending::SpendingFunction;

/// Boundaries farther out than this are treated as never crossed.
pub(super) const Z_MAX: f64 = 40.0;

/// The lower boundary used in probability calculations: −upper for
/// two-sided designs, none (−∞) for one-sided ones.
pub(super) fn lower_of(upper: &[f64], two: bool) -> Vec<f64> {
    upper
        .iter()
        .map(|&b| if two { -b } else { f64::NEG_INFINITY })
        .collect()
}

/// A quadrature grid: nodes and Simpson weights.
struct Grid {
    z: Vec<f64>,
    w: Vec<f64>,
}

/// The Jennison-Turnbull grid for a statistic with mean `mu`, restricted to
/// the continuation interval (a, b) whose finite ends are added as nodes,
/// with Simpson midpoints and weights.
fn make_grid(mu: f64, a: f64, b: f64, r: usize) -> Grid {
    let rf = r as f64;
    let mut x = Vec::with_capacity(6 * r + 1);
    if a.is_finite() {
        x.push(a);
    }
    for i in 1..6 * r {
        let fi = i as f64;
        let xi = if i < r {
            mu - 3.0 - 4.0 * (rf / fi).ln()
        } else if i <= 5 * r {
            mu - 3.0 + 3.0 * (fi - rf) / (2.0 * rf)
        } else {
            mu + 3.0 + 4.0 * (rf / (6.0 * rf - fi)).ln()
        };
        if xi > a && xi < b {
            x.push(xi);
        }
    }
    if b.is_finite() {
        x.push(b);
    }
    if x.len() < 2 {
        return Grid {
            z: Vec::new(),
            w: Vec::new(),
        };
    }
    let m = x.len();
    let mut z = Vec::with_capacity(2 * m - 1);
    let mut w = vec![0.0; 2 * m - 1];
    for j in 0..m {
        z.push(x[j]);
        if j + 1 < m {
            z.push(0.5 * (x[j] + x[j + 1]));
        }
    }
    for j in 0..m - 1 {
        let h = (x[j + 1] - x[j]) / 6.0;
        w[2 * j] += h;
        w[2 * j + 1] += 4.0 * h;
        w[2 * j + 2] += h;
    }
    Grid { z, w }
}

/// The sub-density of Z_k on the continuation region of look k, as
/// weighted node values h_j = w_j·f_k(z_j), moving look by look.
pub(super) struct Stepper {
    theta: f64,
    r: usize,
    t_prev: f64,
    z: Vec<f64>,
    h: Vec<f64>,
    started: bool,
}

const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

impl Stepper {
    pub(super) fn new(theta: f64, r: usize) -> Self {
        Stepper {
            theta,
            r,
            t_prev: 0.0,
            z: Vec::new(),
            h: Vec::new(),
            started: false,
        }
    }

    /// P(no stop before this look, Z_k ≥ b).
    pub(super) fn upper(&self, t: f64, b: f64) -> f64 {
        if b == f64::INFINITY {
            return 0.0;
        }
        if !self.started {
            return norm_sf(b - self.theta * t.sqrt());
        }
        let d = t - self.t_prev;
        let sd = d.sqrt();
        let (st, sp) = (t.sqrt(), self.t_prev.sqrt());
        let c = b * st - self.theta * d;
        self.z
            .iter()
            .zip(&self.h)
            .map(|(&zj, &hj)| hj * norm_sf((c - zj * sp) / sd))
            .sum()
    }

    /// P(no stop before this look, Z_k ≤ a).
    pub(super) fn lower(&self, t: f64, a: f64) -> f64 {
        if a == f64::NEG_INFINITY {
            return 0.0;
        }
        if !self.started {
            return norm_cdf(a - self.theta * t.sqrt());
        }
        let d = t - self.t_prev;
        let sd = d.sqrt();
        let (st, sp) = (t.sqrt(), self.t_prev.sqrt());
        let c = a * st - self.theta * d;
        self.z
            .iter()
            .zip(&self.h)
            .map(|(&zj, &hj)| hj * norm_cdf((c - zj * sp) / sd))
            .sum()
    }

    /// Moves to look k with continuation region (a, b).
    pub(super) fn advance(&mut self, t: f64, a: f64, b: f64) {
        let mu = self.theta * t.sqrt();
        let grid = make_grid(mu, a, b, self.r);
        let h: Vec<f64> = if !self.started {
            grid.z
                .iter()
                .zip(&grid.w)
                .map(|(&z, &w)| w * FRAC_1_SQRT_2PI * (-0.5 * (z - mu) * (z - mu)).exp())
                .collect()
        } else {
            let d = t - self.t_prev;
            let inv_sd = 1.0 / d.sqrt();
            let (st, sp) = (t.sqrt(), self.t_prev.sqrt());
            let scale = st * inv_sd * FRAC_1_SQRT_2PI;
            let prev: Vec<f64> = self.z.iter().map(|&zj| zj * sp).collect();
            grid.z
                .iter()
                .zip(&grid.w)
                .map(|(&zi, &wi)| {
                    let ci = zi * st - self.theta * d;
                    let mut s = 0.0;
                    for (&pj, &hj) in prev.iter().zip(&self.h) {
                        let u = (ci - pj) * inv_sd;
                        if u.abs() < 38.0 {
                            s += hj * (-0.5 * u * u).exp();
                        }
                    }
                    wi * scale * s
                })
                .collect()
        };
        self.z = grid.z;
        self.h = h;
        self.t_prev = t;
        self.started = true;
    }
}

/// Per-look crossing probabilities under drift θ.
pub(super) struct Crossings {
    pub(super) upper: Vec<f64>,
    pub(super) lower: Vec<f64>,
}

/// P_θ(first stop at look k through the upper / lower boundary) for given
/// boundaries (lower may be −∞, upper +∞).
pub(super) fn crossings(
    t: &[f64],
    lower: &[f64],
    upper: &[f64],
    theta: f64,
    r: usize,
) -> Crossings {
    let mut st = Stepper::new(theta, r);
    let mut up = Vec::with_capacity(t.len());
    let mut lo = Vec::with_capacity(t.len());
    for k in 0..t.len() {
        let (a, b) = (lower[k], upper[k]);
        if a >= b {
            // The boundaries meet: every path still running stops here.
            let cont = if st.started {
                st.h.iter().sum::<f64>()
            } else {
                1.0
            };
            let u = st.upper(t[k], b);
            up.push(u);
            lo.push((cont - u).max(0.0));
            st.z.clear();
            st.h.clear();
            st.started = true;
            st.t_prev = t[k];
            continue;
        }
        up.push(st.upper(t[k], b));
        lo.push(st.lower(t[k], a));
        if k + 1 < t.len() {
            st.advance(t[k], a, b);
        }
    }
    Crossings {
        upper: up,
        lower: lo,
    }
}

/// Efficacy boundaries of a spending design under H0, look by look.
pub(super) fn spending_bounds(t: &[f64], spend: &[f64], two: bool, r: usize) -> Result<Vec<f64>> {
    let mut st = Stepper::new(0.0, r);
    let mut bounds = Vec::with_capacity(t.len());
    let mut prev = 0.0;
    for k in 0..t.len() {
        let inc = spend[k] - prev;
        prev = spend[k];
        let b = if inc <= 0.0 {
            f64::INFINITY
        } else if k == 0 {
            if two {
                norm_isf(0.5 * inc)
            } else {
                norm_isf(inc)
            }
        } else {
            let cross = |b: f64| {
                let u = st.upper(t[k], b);
                if two { u + st.lower(t[k], -b) } else { u }
            };
            if cross(0.0) < inc {
                return Err(PowerError::NoSolution {
                    quantity: "spending boundary",
                    reason: format!(
                        "look {} cannot spend {inc}: too little probability is left",
                        k + 1
                    ),
                });
            }
            if cross(Z_MAX) > inc {
                Z_MAX
            } else {
                brent(
                    |b| cross(b) - inc,
                    0.0,
                    Z_MAX,
                    1e-14,
                    4.0 * f64::EPSILON,
                    300,
                )?
            }
        };
        bounds.push(b);
        if k + 1 < t.len() {
            st.advance(t[k], if two { -b } else { f64::NEG_INFINITY }, b);
        }
    }
    Ok(bounds)
}

/// Futility boundaries by β-spending at the drift θ that makes the two
/// boundaries meet at the last look.
///
/// `t` and `upper` are the fractions and efficacy boundaries of a design
/// (at least one look, equally long), `r` its grid, `z_fixed` its
/// fixed-sample critical value.
pub(super) fn futility_bounds(
    t: &[f64],
    upper: &[f64],
    r: usize,
    z_fixed: f64,
    f: SpendingFunction,
    power: f64,
) -> Result<(f64, Vec<f64>)> {
    let beta = 1.0 - power;
    let Some(k_last) = t.len().checked_sub(1) else {
        return Err(PowerError::InvalidCount {
            parameter: "looks",
            value: 0,
            reason: "need at least one look",
        });
    };
    let beta_spend: Vec<f64> = t
        .iter()
        .enumerate()
        .map(|(i, &ti)| if i == k_last { beta } else { f.spend(ti, beta) })
        .collect();
    // For a drift θ, place a_1..a_{K−1} by β-spending and return the
    // β that would be spent at the last look with a_K = b_K, minus the
    // β left to spend.
    // A failure of the inner root finder is kept here and reported
    // (instead of placing the boundary at b).
    let failure: RefCell<Option<PowerError>> = RefCell::new(None);
    let place = |theta: f64| -> Result<(Vec<f64>, f64)> {
        let mut st = Stepper::new(theta, r);
        let mut lower = Vec::with_capacity(t.len());
        let mut prev = 0.0;
        for k in 0..t.len() {
            let b = upper[k];
            let inc = beta_spend[k] - prev;
            prev = beta_spend[k];
            if k == k_last {
                let at_b = st.lower(t[k], b);
                lower.push(b);
                return Ok((lower, at_b - inc));
            }
            let a = if inc <= 0.0 {
                f64::NEG_INFINITY
            } else if st.lower(t[k], b) <= inc {
                b
            } else {
                brent(
                    |a| st.lower(t[k], a) - inc,
                    -Z_MAX,
                    b,
                    1e-14,
                    4.0 * f64::EPSILON,
                    300,
                )?
            };
            lower.push(a);
            if a >= b {
                // The boundaries met early: nothing continues.
                for _ in k + 1..t.len() {
                    lower.push(b);
                }
                return Ok((lower, -inc));
            }
            st.advance(t[k], a, b);
        }
        Ok((lower, 0.0))
    };
    let z_power = -norm_isf(power);
    let guess = z_fixed + z_power;
    let gap = |th: f64| match place(th) {
        Ok((_, gap)) => gap,
        Err(e) => {
            failure.borrow_mut().get_or_insert(e);
            f64::NAN
        }
    };
    let (mut lo, mut hi) = (0.5 * guess, 1.5 * guess);
    let mut steps = 0;
    while gap(lo) < 0.0 {
        lo *= 0.5;
        steps += 1;
        if steps > 60 {
            return Err(PowerError::NotConverged {
                procedure: "futility drift bracketing",
                iterations: steps,
            });
        }
    }
    while gap(hi) > 0.0 {
        hi *= 1.5;
        steps += 1;
        if steps > 120 {
            return Err(PowerError::NotConverged {
                procedure: "futility drift bracketing",
                iterations: steps,
            });
        }
    }
    let theta = brent(gap, lo, hi, 1e-13, 4.0 * f64::EPSILON, 200);
    if let Some(e) = failure.into_inner() {
        return Err(e);
    }
    let theta = theta?;
    Ok((theta, place(theta)?.0))
}
