//! Group-sequential designs: classical Pocock / O'Brien-Fleming constants
//! and Lan-DeMets error-spending boundaries, computed by the numerical
//! integration recursion of Armitage, McPherson & Rowe (1969) on the grid
//! of Jennison & Turnbull (2000, ch. 19).

use serde::{Deserialize, Serialize};

use crate::common::Alternative;
use crate::decision::Decision;
use crate::dist::{norm_cdf, norm_isf, norm_sf};
use crate::error::{PowerError, Result, finite, probability};
use crate::root::brent;

/// The default grid parameter r of the Jennison-Turnbull quadrature.
pub const DEFAULT_GRID: usize = 32;

/// Boundaries farther out than this are treated as never crossed.
const Z_MAX: f64 = 40.0;

/// A Lan-DeMets spending function f(t; a) with f(0) = 0 and f(1; a) = a.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "family")]
pub enum SpendingFunction {
    /// O'Brien-Fleming type: f = 2 − 2Φ(z(1 − a/2)/√t).
    ObrienFleming,
    /// Pocock type: f = a·ln(1 + (e − 1)t).
    Pocock,
    /// Hwang-Shih-DeCani: f = a(1 − e^(−γt))/(1 − e^(−γ)) (γ = 0 is linear).
    HwangShihDeCani {
        /// γ; negative values spend late (γ = −4 is O'Brien-Fleming-like),
        /// positive values early (γ = 1 is Pocock-like).
        gamma: f64,
    },
}

impl SpendingFunction {
    /// The error spent by information fraction `t` ∈ [0, 1] out of a total
    /// `a`.
    ///
    /// # Formula
    ///
    /// ```text
    /// O'Brien-Fleming type  f(t; a) = 2 − 2Φ(z(1 − a/2)/√t)
    /// Pocock type           f(t; a) = a·ln(1 + (e − 1)t)
    /// Hwang-Shih-DeCani     f(t; a) = a(1 − e^(−γt))/(1 − e^(−γ))
    /// ```
    ///
    /// # Example
    ///
    /// ```
    /// use seg_power::SpendingFunction;
    ///
    /// let obf = SpendingFunction::ObrienFleming;
    /// assert!((obf.spend(1.0, 0.05) - 0.05).abs() < 1e-15);
    /// assert!(obf.spend(0.2, 0.05) < 1e-4);
    /// let hsd = SpendingFunction::HwangShihDeCani { gamma: 1.0 };
    /// assert!(hsd.spend(0.5, 0.05) > 0.025);
    /// ```
    ///
    /// # References
    ///
    /// - Lan, K. K. G., DeMets, D. L. (1983). Discrete sequential boundaries
    ///   for clinical trials. *Biometrika* 70, 659–663.
    /// - Hwang, I. K., Shih, W. J., DeCani, J. S. (1990). Group sequential
    ///   designs using a family of type I error probability spending
    ///   functions. *Statist. Med.* 9, 1439–1445.
    pub fn spend(&self, t: f64, a: f64) -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        if t >= 1.0 {
            return a;
        }
        match *self {
            SpendingFunction::ObrienFleming => 2.0 * norm_sf(norm_isf(0.5 * a) / t.sqrt()),
            SpendingFunction::Pocock => a * ((std::f64::consts::E - 1.0) * t).ln_1p(),
            SpendingFunction::HwangShihDeCani { gamma } => {
                if gamma == 0.0 {
                    a * t
                } else {
                    a * (-gamma * t).exp_m1() / (-gamma).exp_m1()
                }
            }
        }
    }

    fn check(&self) -> Result<()> {
        if let SpendingFunction::HwangShihDeCani { gamma } = *self {
            finite("gamma", gamma)?;
            if gamma.abs() > 700.0 {
                return Err(PowerError::InvalidParameter {
                    parameter: "gamma",
                    value: gamma,
                    reason: "must be in [-700, 700]",
                });
            }
        }
        Ok(())
    }
}

/// How a two-sided design spends α.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TwoSidedSpending {
    /// The spending function is applied to the total α: f(t; α) for both
    /// sides together.
    #[default]
    Total,
    /// Each side spends f(t; α/2), so 2·f(t; α/2) in total: the convention
    /// of gsDesign, rpact and ldbounds (O'Brien-Fleming type K = 5 gives the
    /// often-quoted 4.877, 3.357, 2.680, 2.290, 2.031). Identical to
    /// `Total` for the Pocock and Hwang-Shih-DeCani families.
    PerSide,
}

/// The classical constant-shape designs of Pocock (1977) and O'Brien &
/// Fleming (1979), for equally spaced looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassicalDesign {
    /// z_k = c for every look.
    Pocock,
    /// z_k = c·√(K/k).
    ObrienFleming,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
enum Kind {
    Spending(SpendingFunction),
    Classical(ClassicalDesign),
}

/// Builder of a group-sequential design; finish with
/// [`design`](Self::design).
///
/// Defaults: α = 0.05 two-sided, equally spaced looks, grid r = 32,
/// [`TwoSidedSpending::Total`], no futility boundary.
///
/// # Example
///
/// ```
/// use seg_power::{GroupSequential, SpendingFunction, TwoSidedSpending};
///
/// let d = GroupSequential::spending(SpendingFunction::ObrienFleming, 5)
///     .two_sided_spending(TwoSidedSpending::PerSide)
///     .design()?;
/// let want = [4.877, 3.357, 2.680, 2.290, 2.031];
/// for (z, w) in d.upper().iter().zip(want) {
///     assert!((z - w).abs() < 5e-4);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSequential {
    kind: Kind,
    fractions: Vec<f64>,
    alpha: f64,
    alternative: Alternative,
    convention: TwoSidedSpending,
    grid: usize,
    futility: Option<(SpendingFunction, f64)>,
}

impl GroupSequential {
    /// A Lan-DeMets error-spending design with `looks` equally spaced looks.
    pub fn spending(function: SpendingFunction, looks: usize) -> Self {
        Self::new(Kind::Spending(function), looks)
    }

    /// A classical Pocock or O'Brien-Fleming design with `looks` equally
    /// spaced looks (the constant c solves P₀(reject) = α).
    pub fn classical(design: ClassicalDesign, looks: usize) -> Self {
        Self::new(Kind::Classical(design), looks)
    }

    fn new(kind: Kind, looks: usize) -> Self {
        let fractions = (1..=looks).map(|k| k as f64 / looks as f64).collect();
        GroupSequential {
            kind,
            fractions,
            alpha: 0.05,
            alternative: Alternative::TwoSided,
            convention: TwoSidedSpending::Total,
            grid: DEFAULT_GRID,
            futility: None,
        }
    }

    /// Information fractions 0 < t₁ < … < t_K = 1 of the looks (replaces the
    /// equally spaced default; spending designs only).
    pub fn information_fractions(mut self, t: Vec<f64>) -> Self {
        self.fractions = t;
        self
    }

    /// The overall type I error α (two-sided total, or one-sided), in
    /// (0, 1). Default 0.05.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Two-sided symmetric (default) or one-sided (upper boundary only).
    pub fn alternative(mut self, alternative: Alternative) -> Self {
        self.alternative = alternative;
        self
    }

    /// How a two-sided spending design spends α (default
    /// [`TwoSidedSpending::Total`]).
    pub fn two_sided_spending(mut self, convention: TwoSidedSpending) -> Self {
        self.convention = convention;
        self
    }

    /// The grid parameter r ≥ 8 of the quadrature (default 32: about
    /// 12r − 3 nodes per look; boundaries accurate to ~2e-7).
    pub fn grid(mut self, r: usize) -> Self {
        self.grid = r;
        self
    }

    /// Adds a non-binding futility (lower) boundary by β-spending, for
    /// one-sided designs: β = 1 − `power` is spent with `function` under
    /// the drift θ at which the design has that power, and θ is chosen so
    /// that the boundaries meet at the last look. The efficacy boundary is
    /// computed without it (non-binding), so α is kept if futility stops
    /// are overruled.
    pub fn futility(mut self, function: SpendingFunction, power: f64) -> Self {
        self.futility = Some((function, power));
        self
    }

    fn check(&self) -> Result<()> {
        probability("alpha", self.alpha)?;
        let k = self.fractions.len();
        if k == 0 {
            return Err(PowerError::InvalidCount {
                parameter: "looks",
                value: 0,
                reason: "need at least one look",
            });
        }
        if k > 100 {
            return Err(PowerError::InvalidCount {
                parameter: "looks",
                value: k,
                reason: "at most 100 looks",
            });
        }
        if self.grid < 8 || self.grid > 1000 {
            return Err(PowerError::InvalidCount {
                parameter: "grid",
                value: self.grid,
                reason: "must be in 8..=1000",
            });
        }
        let mut prev = 0.0;
        for (index, &t) in self.fractions.iter().enumerate() {
            if !(t.is_finite() && t > prev && t <= 1.0) {
                return Err(PowerError::InvalidElement {
                    parameter: "information_fractions",
                    index,
                    value: t,
                    reason: "fractions must increase strictly within (0, 1]",
                });
            }
            prev = t;
        }
        if (prev - 1.0).abs() > 1e-12 {
            return Err(PowerError::InvalidElement {
                parameter: "information_fractions",
                index: k - 1,
                value: prev,
                reason: "the last look must be at information fraction 1",
            });
        }
        if let Kind::Spending(f) = self.kind {
            f.check()?;
        }
        if let Some((f, power)) = self.futility {
            f.check()?;
            probability("power", power)?;
            if self.alternative != Alternative::OneSided {
                return Err(PowerError::InvalidParameter {
                    parameter: "futility",
                    value: power,
                    reason: "futility boundaries need a one-sided design",
                });
            }
            if power <= self.alpha {
                return Err(PowerError::InvalidParameter {
                    parameter: "power",
                    value: power,
                    reason: "must exceed alpha",
                });
            }
        }
        Ok(())
    }

    /// Computes the boundaries and the operating characteristics under H0.
    ///
    /// # Errors
    ///
    /// [`PowerError::InvalidProbability`] for α outside (0, 1);
    /// [`PowerError::InvalidElement`] for information fractions that do not
    /// increase strictly to 1; [`PowerError::InvalidCount`] for no looks,
    /// more than 100, or a grid outside 8..=1000;
    /// [`PowerError::InvalidParameter`] for a futility boundary on a
    /// two-sided design or an extreme γ; [`PowerError::NotConverged`] if a
    /// root cannot be bracketed.
    ///
    /// # Formula
    ///
    /// ```text
    /// Z_k = S(t_k)/√t_k,  S Brownian motion with drift θ in information time
    /// spending: z_k solves P₀(no stop before k, |Z_k| ≥ z_k) = s_k − s_{k−1}
    ///   (one-sided: Z_k ≥ z_k), s_k = f(t_k; α) or 2 f(t_k; α/2) (per side)
    /// classical: z_k = c·shape_k, c solves P₀(stop at some look) = α
    /// ```
    ///
    /// Probabilities come from the recursion for the sub-density of Z_k on
    /// the continuation region, integrated by Simpson's rule on the
    /// Jennison-Turnbull grid (6r − 1 points plus midpoints, concentrated
    /// within ±3 of the mean); boundaries by Brent's method to 1e-14.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_power::{ClassicalDesign, GroupSequential};
    ///
    /// // Jennison & Turnbull Table 2.1: Pocock, K = 4, α = 0.05 → 2.361.
    /// let d = GroupSequential::classical(ClassicalDesign::Pocock, 4).design()?;
    /// assert!((d.constant().unwrap_or(0.0) - 2.361).abs() < 5e-4);
    /// assert!((d.cumulative_alpha()[3] - 0.05).abs() < 1e-9);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # References
    ///
    /// - Armitage, P., McPherson, C. K., Rowe, B. C. (1969). Repeated
    ///   significance tests on accumulating data. *JRSS A* 132, 235–244.
    /// - Jennison, C., Turnbull, B. W. (2000). *Group Sequential Methods
    ///   with Applications to Clinical Trials*, ch. 2, 7 and 19.
    /// - Pocock, S. J. (1977). *Biometrika* 64, 191–199.
    /// - O'Brien, P. C., Fleming, T. R. (1979). *Biometrics* 35, 549–556.
    pub fn design(&self) -> Result<GroupSequentialDesign> {
        self.check()?;
        let t = self.fractions.clone();
        let two = self.alternative == Alternative::TwoSided;
        let r = self.grid;
        let (upper, cumulative_spend, constant) = match self.kind {
            Kind::Spending(f) => {
                let spend: Vec<f64> = t
                    .iter()
                    .enumerate()
                    .map(|(i, &ti)| {
                        if i + 1 == t.len() {
                            self.alpha
                        } else if two && self.convention == TwoSidedSpending::PerSide {
                            2.0 * f.spend(ti, 0.5 * self.alpha)
                        } else {
                            f.spend(ti, self.alpha)
                        }
                    })
                    .collect();
                (spending_bounds(&t, &spend, two, r)?, Some(spend), None)
            }
            Kind::Classical(shape) => {
                let k = t.len() as f64;
                let shapes: Vec<f64> = match shape {
                    ClassicalDesign::Pocock => vec![1.0; t.len()],
                    ClassicalDesign::ObrienFleming => {
                        (1..=t.len()).map(|i| (k / i as f64).sqrt()).collect()
                    }
                };
                let z_fixed = if two {
                    norm_isf(0.5 * self.alpha)
                } else {
                    norm_isf(self.alpha)
                };
                let c = if t.len() == 1 {
                    z_fixed
                } else {
                    let size = |c: f64| {
                        let b: Vec<f64> = shapes.iter().map(|s| c * s).collect();
                        let lower = lower_of(&b, two);
                        let cr = crossings(&t, &lower, &b, 0.0, r);
                        cr.upper.iter().sum::<f64>() + cr.lower.iter().sum::<f64>() - self.alpha
                    };
                    brent(
                        size,
                        0.5 * z_fixed,
                        3.0 * z_fixed + 5.0,
                        1e-14,
                        4.0 * f64::EPSILON,
                        200,
                    )?
                };
                (shapes.iter().map(|s| c * s).collect(), None, Some(c))
            }
        };
        let lower_h0 = lower_of(&upper, two);
        let h0 = crossings(&t, &lower_h0, &upper, 0.0, r);
        let mut cumulative_alpha = Vec::with_capacity(t.len());
        let mut acc = 0.0;
        for (u, l) in h0.upper.iter().zip(&h0.lower) {
            acc += u + l;
            cumulative_alpha.push(acc);
        }
        let nominal_p = upper
            .iter()
            .map(|&z| if two { 2.0 * norm_sf(z) } else { norm_sf(z) })
            .collect();
        let z_fixed = if two {
            norm_isf(0.5 * self.alpha)
        } else {
            norm_isf(self.alpha)
        };
        let mut design = GroupSequentialDesign {
            t,
            upper,
            futility: None,
            alternative: self.alternative,
            alpha: self.alpha,
            cumulative_spend,
            cumulative_alpha,
            nominal_p,
            constant,
            z_fixed,
            expected_t_h0: 0.0,
            futility_theta: None,
            grid: r,
        };
        if let Some((f, power)) = self.futility {
            let (theta, lower) = design.futility_bounds(f, power)?;
            design.futility = Some(lower);
            design.futility_theta = Some(theta);
        }
        design.expected_t_h0 = design.crossing(0.0).expected_t;
        Ok(design)
    }
}

/// The lower boundary used in probability calculations: −upper for
/// two-sided designs, none (−∞) for one-sided ones.
fn lower_of(upper: &[f64], two: bool) -> Vec<f64> {
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
struct Stepper {
    theta: f64,
    r: usize,
    t_prev: f64,
    z: Vec<f64>,
    h: Vec<f64>,
    started: bool,
}

const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

impl Stepper {
    fn new(theta: f64, r: usize) -> Self {
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
    fn upper(&self, t: f64, b: f64) -> f64 {
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
    fn lower(&self, t: f64, a: f64) -> f64 {
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
    fn advance(&mut self, t: f64, a: f64, b: f64) {
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
struct Crossings {
    upper: Vec<f64>,
    lower: Vec<f64>,
}

/// P_θ(first stop at look k through the upper / lower boundary) for given
/// boundaries (lower may be −∞, upper +∞).
fn crossings(t: &[f64], lower: &[f64], upper: &[f64], theta: f64, r: usize) -> Crossings {
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
fn spending_bounds(t: &[f64], spend: &[f64], two: bool, r: usize) -> Result<Vec<f64>> {
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

/// A computed group-sequential design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSequentialDesign {
    t: Vec<f64>,
    upper: Vec<f64>,
    futility: Option<Vec<f64>>,
    alternative: Alternative,
    alpha: f64,
    cumulative_spend: Option<Vec<f64>>,
    cumulative_alpha: Vec<f64>,
    nominal_p: Vec<f64>,
    constant: Option<f64>,
    z_fixed: f64,
    expected_t_h0: f64,
    futility_theta: Option<f64>,
    grid: usize,
}

/// Operating characteristics at one drift θ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Crossing {
    /// The drift θ = E\[Z_K\].
    pub theta: f64,
    /// P_θ(stop for efficacy at or before look k).
    pub cumulative_upper: Vec<f64>,
    /// P_θ(stop through the lower boundary at or before look k): the
    /// negative efficacy side for two-sided designs, futility for designs
    /// with a futility boundary, zeros otherwise.
    pub cumulative_lower: Vec<f64>,
    /// P_θ(stop for efficacy at some look).
    pub power: f64,
    /// E_θ\[t at stopping\] (a trial that never stops counts t_K = 1).
    pub expected_t: f64,
}

/// The drift that gives a target power, and what it costs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PowerCharacteristics {
    /// The target power.
    pub power: f64,
    /// z(power).
    pub z_power: f64,
    /// The drift θ = E\[Z_K\] at which P_θ(efficacy) = power (paths that
    /// first cross the lower boundary of a two-sided design do not count).
    pub theta: f64,
    /// R = (θ/(z_fixed + z_power))²: the maximum sample size over the fixed
    /// design's.
    pub inflation_factor: f64,
    /// P_θ(efficacy at or before look k); the last element is `power`.
    pub cumulative_upper_crossing: Vec<f64>,
    /// P_θ(lower crossing at or before look k).
    pub cumulative_lower_crossing: Vec<f64>,
    /// E_θ\[t at stopping\].
    pub expected_t_h1: f64,
    /// R·E_θ\[t\]: expected sample size under θ over the fixed design's.
    pub asn_ratio_h1: f64,
    /// R·E₀\[t\]: expected sample size under H0 over the fixed design's.
    pub asn_ratio_h0: f64,
}

/// The decision at one look, with the numbers behind it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LookDecision {
    /// The 1-based look.
    pub look: usize,
    /// The observed statistic Z_k.
    pub z: f64,
    /// The efficacy boundary (|Z| for two-sided designs).
    pub upper: f64,
    /// The futility boundary, if the design has one.
    pub futility: Option<f64>,
    /// The boundary's nominal p-value.
    pub nominal_p: f64,
    /// What to do.
    pub decision: Decision,
}

impl GroupSequentialDesign {
    /// Information fractions of the looks.
    pub fn information_fractions(&self) -> &[f64] {
        &self.t
    }

    /// Efficacy boundaries z_k (for |Z_k| in two-sided designs).
    pub fn upper(&self) -> &[f64] {
        &self.upper
    }

    /// Futility boundaries, if requested.
    pub fn futility(&self) -> Option<&[f64]> {
        self.futility.as_deref()
    }

    /// The drift used to place the futility boundary.
    pub fn futility_theta(&self) -> Option<f64> {
        self.futility_theta
    }

    /// The spending schedule s_k (spending designs).
    pub fn cumulative_spend(&self) -> Option<&[f64]> {
        self.cumulative_spend.as_deref()
    }

    /// P₀(reject at or before look k), recomputed from the boundaries
    /// (efficacy only: the futility boundary is non-binding).
    pub fn cumulative_alpha(&self) -> &[f64] {
        &self.cumulative_alpha
    }

    /// Nominal p-values of the boundaries: 2(1 − Φ(z_k)) two-sided,
    /// 1 − Φ(z_k) one-sided.
    pub fn nominal_p(&self) -> &[f64] {
        &self.nominal_p
    }

    /// The constant c of a classical design.
    pub fn constant(&self) -> Option<f64> {
        self.constant
    }

    /// The fixed-sample critical value z(1 − α/2) or z(1 − α).
    pub fn z_fixed(&self) -> f64 {
        self.z_fixed
    }

    /// E₀\[t at stopping\] (with the futility boundary respected, if any).
    pub fn expected_t_h0(&self) -> f64 {
        self.expected_t_h0
    }

    /// The overall α.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    fn lower_bounds(&self) -> Vec<f64> {
        match &self.futility {
            Some(f) => f.clone(),
            None => lower_of(&self.upper, self.alternative == Alternative::TwoSided),
        }
    }

    /// Crossing probabilities and expected stopping time at drift θ.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_power::{GroupSequential, SpendingFunction};
    ///
    /// let d = GroupSequential::spending(SpendingFunction::Pocock, 3).design()?;
    /// let c = d.crossing(0.0);
    /// assert!((c.power + c.cumulative_lower[2] - 0.05).abs() < 1e-9);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn crossing(&self, theta: f64) -> Crossing {
        let lower = self.lower_bounds();
        let cr = crossings(&self.t, &lower, &self.upper, theta, self.grid);
        let (mut cu, mut cl) = (Vec::new(), Vec::new());
        let (mut su, mut sl) = (0.0, 0.0);
        let mut expected_t = 0.0;
        for (k, (u, l)) in cr.upper.iter().zip(&cr.lower).enumerate() {
            su += u;
            sl += l;
            cu.push(su);
            cl.push(sl);
            expected_t += self.t[k] * (u + l);
        }
        let last = *self.t.last().unwrap_or(&1.0);
        expected_t += last * (1.0 - su - sl).max(0.0);
        Crossing {
            theta,
            cumulative_upper: cu,
            cumulative_lower: cl,
            power: su,
            expected_t,
        }
    }

    /// Finds the drift θ at which the design has the given power, and the
    /// sample-size inflation factor R = (θ/(z_fixed + z_power))².
    ///
    /// Brent's method on θ to 1e-13 over a bracket expanded from the fixed
    /// design's z_fixed + z_power.
    ///
    /// # Errors
    ///
    /// [`PowerError::InvalidProbability`] for power outside (0, 1),
    /// [`PowerError::InvalidParameter`] for power ≤ α.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_power::{ClassicalDesign, GroupSequential};
    ///
    /// // Pocock K = 5 at 90 % power needs about 1.2 times the fixed n
    /// // (Jennison & Turnbull Table 2.2: 1.207).
    /// let d = GroupSequential::classical(ClassicalDesign::Pocock, 5).design()?;
    /// let p = d.solve_power(0.9)?;
    /// assert!((p.inflation_factor - 1.207).abs() < 1e-3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn solve_power(&self, power: f64) -> Result<PowerCharacteristics> {
        probability("power", power)?;
        if power <= self.alpha {
            return Err(PowerError::InvalidParameter {
                parameter: "power",
                value: power,
                reason: "must exceed alpha",
            });
        }
        let z_power = -norm_isf(power);
        let guess = self.z_fixed + z_power;
        let f = |th: f64| self.crossing(th).power - power;
        let mut hi = guess * 1.3;
        let mut steps = 0;
        while f(hi) < 0.0 {
            hi *= 1.5;
            steps += 1;
            if steps > 60 {
                return Err(PowerError::NotConverged {
                    procedure: "drift bracketing",
                    iterations: steps,
                });
            }
        }
        let lo = if f(guess) < 0.0 { guess } else { 0.0 };
        let theta = brent(f, lo, hi, 1e-13, 4.0 * f64::EPSILON, 200)?;
        let c = self.crossing(theta);
        let r = (theta / guess).powi(2);
        Ok(PowerCharacteristics {
            power,
            z_power,
            theta,
            inflation_factor: r,
            cumulative_upper_crossing: c.cumulative_upper,
            cumulative_lower_crossing: c.cumulative_lower,
            expected_t_h1: c.expected_t,
            asn_ratio_h1: r * c.expected_t,
            asn_ratio_h0: r * self.expected_t_h0,
        })
    }

    /// Futility boundaries by β-spending at the drift θ that makes the two
    /// boundaries meet at the last look.
    fn futility_bounds(&self, f: SpendingFunction, power: f64) -> Result<(f64, Vec<f64>)> {
        let beta = 1.0 - power;
        let t = &self.t;
        let k_last = t.len() - 1;
        let beta_spend: Vec<f64> = t
            .iter()
            .enumerate()
            .map(|(i, &ti)| if i == k_last { beta } else { f.spend(ti, beta) })
            .collect();
        // For a drift θ, place a_1..a_{K−1} by β-spending and return the
        // β that would be spent at the last look with a_K = b_K, minus the
        // β left to spend.
        let place = |theta: f64| -> (Vec<f64>, f64) {
            let mut st = Stepper::new(theta, self.grid);
            let mut lower = Vec::with_capacity(t.len());
            let mut prev = 0.0;
            for k in 0..t.len() {
                let b = self.upper[k];
                let inc = beta_spend[k] - prev;
                prev = beta_spend[k];
                if k == k_last {
                    let at_b = st.lower(t[k], b);
                    lower.push(b);
                    return (lower, at_b - inc);
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
                    )
                    .unwrap_or(b)
                };
                lower.push(a);
                if a >= b {
                    // The boundaries met early: nothing continues.
                    for _ in k + 1..t.len() {
                        lower.push(b);
                    }
                    return (lower, -inc);
                }
                st.advance(t[k], a, b);
            }
            (lower, 0.0)
        };
        let z_power = -norm_isf(power);
        let guess = self.z_fixed + z_power;
        let gap = |th: f64| place(th).1;
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
        let theta = brent(gap, lo, hi, 1e-13, 4.0 * f64::EPSILON, 200)?;
        Ok((theta, place(theta).0))
    }

    /// The decision at look `look` (1-based) given the observed statistic
    /// `z` (the standardized treatment effect, positive when treatment is
    /// better).
    ///
    /// Two-sided designs stop for efficacy when |z| ≥ z_k; one-sided ones
    /// when z ≥ z_k, and for futility when z ≤ the futility boundary. At
    /// the last look a trial that does not cross stops without rejecting
    /// ([`Decision::StopFutility`]).
    ///
    /// # Errors
    ///
    /// [`PowerError::InvalidCount`] for a look outside 1..=K,
    /// [`PowerError::NonFinite`] for a NaN or infinite z.
    ///
    /// # Example
    ///
    /// ```
    /// use seg_power::{Decision, GroupSequential, SpendingFunction};
    ///
    /// let d = GroupSequential::spending(SpendingFunction::ObrienFleming, 4).design()?;
    /// assert_eq!(d.decide(1, 2.5)?.decision, Decision::Continue);
    /// assert_eq!(d.decide(3, -2.6)?.decision, Decision::StopEfficacy);
    /// assert_eq!(d.decide(4, 1.0)?.decision, Decision::StopFutility);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decide(&self, look: usize, z: f64) -> Result<LookDecision> {
        finite("z", z)?;
        if look == 0 || look > self.t.len() {
            return Err(PowerError::InvalidCount {
                parameter: "look",
                value: look,
                reason: "must be in 1..=K",
            });
        }
        let k = look - 1;
        let upper = self.upper[k];
        let stat = if self.alternative == Alternative::TwoSided {
            z.abs()
        } else {
            z
        };
        let futility = self.futility.as_ref().map(|f| f[k]);
        let decision = if stat >= upper {
            Decision::StopEfficacy
        } else if futility.is_some_and(|a| z <= a) || look == self.t.len() {
            Decision::StopFutility
        } else {
            Decision::Continue
        };
        Ok(LookDecision {
            look,
            z,
            upper,
            futility,
            nominal_p: self.nominal_p[k],
            decision,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_look_is_the_fixed_design() {
        let d = GroupSequential::spending(SpendingFunction::ObrienFleming, 1)
            .design()
            .unwrap();
        assert!((d.upper()[0] - norm_isf(0.025)).abs() < 1e-15);
        let p = d.solve_power(0.8).unwrap();
        assert!((p.inflation_factor - 1.0).abs() < 1e-9);
    }

    #[test]
    fn jennison_turnbull_constants() {
        // Jennison & Turnbull (2000) Tables 2.1 and 2.3, two-sided α = 0.05.
        let pocock = [2.178, 2.289, 2.361, 2.413];
        let obf = [1.977, 2.004, 2.024, 2.040];
        for (i, k) in (2..=5).enumerate() {
            let p = GroupSequential::classical(ClassicalDesign::Pocock, k)
                .design()
                .unwrap();
            assert!(
                (p.constant().unwrap_or(0.0) - pocock[i]).abs() < 5e-4,
                "Pocock K = {k}"
            );
            let o = GroupSequential::classical(ClassicalDesign::ObrienFleming, k)
                .design()
                .unwrap();
            assert!(
                (o.constant().unwrap_or(0.0) - obf[i]).abs() < 5e-4,
                "OBF K = {k}"
            );
        }
    }

    #[test]
    fn spending_is_respected_look_by_look() {
        let d = GroupSequential::spending(SpendingFunction::HwangShihDeCani { gamma: -2.0 }, 4)
            .information_fractions(vec![0.2, 0.5, 0.75, 1.0])
            .design()
            .unwrap();
        for (a, s) in d
            .cumulative_alpha()
            .iter()
            .zip(d.cumulative_spend().unwrap_or(&[]))
        {
            assert!((a - s).abs() < 1e-9, "{a} vs {s}");
        }
    }

    #[test]
    fn futility_boundary_meets_efficacy_and_keeps_power() {
        let d = GroupSequential::spending(SpendingFunction::ObrienFleming, 4)
            .alternative(Alternative::OneSided)
            .alpha(0.025)
            .futility(SpendingFunction::HwangShihDeCani { gamma: -2.0 }, 0.9)
            .design()
            .unwrap();
        let fut = d.futility().unwrap().to_vec();
        assert!((fut[3] - d.upper()[3]).abs() < 1e-12);
        for k in 0..3 {
            assert!(fut[k] < d.upper()[k]);
            assert!(fut[k] < fut[k + 1]);
        }
        let theta = d.futility_theta().unwrap();
        let c = d.crossing(theta);
        assert!((c.power - 0.9).abs() < 1e-8, "{}", c.power);
        // β is spent as scheduled.
        let f = SpendingFunction::HwangShihDeCani { gamma: -2.0 };
        assert!((c.cumulative_lower[1] - f.spend(0.5, 0.1)).abs() < 1e-8);
        // Non-binding: efficacy boundaries are those of the design without futility.
        let plain = GroupSequential::spending(SpendingFunction::ObrienFleming, 4)
            .alternative(Alternative::OneSided)
            .alpha(0.025)
            .design()
            .unwrap();
        assert_eq!(plain.upper(), d.upper());
        assert!(d.expected_t_h0() < plain.expected_t_h0());
    }

    #[test]
    fn invalid_designs_are_errors() {
        let e = GroupSequential::spending(SpendingFunction::Pocock, 0)
            .design()
            .unwrap_err();
        assert!(matches!(e, PowerError::InvalidCount { parameter: "looks", .. }));
        let e = GroupSequential::spending(SpendingFunction::Pocock, 2)
            .information_fractions(vec![0.6, 0.5])
            .design()
            .unwrap_err();
        assert!(matches!(e, PowerError::InvalidElement { .. }));
        let e = GroupSequential::spending(SpendingFunction::Pocock, 2)
            .information_fractions(vec![0.3, 0.9])
            .design()
            .unwrap_err();
        assert!(matches!(e, PowerError::InvalidElement { index: 1, .. }));
        let e = GroupSequential::spending(SpendingFunction::Pocock, 2)
            .futility(SpendingFunction::Pocock, 0.8)
            .design()
            .unwrap_err();
        assert!(matches!(
            e,
            PowerError::InvalidParameter {
                parameter: "futility",
                ..
            }
        ));
        let d = GroupSequential::spending(SpendingFunction::Pocock, 2)
            .design()
            .unwrap();
        assert!(d.decide(3, 1.0).is_err());
        assert!(d.decide(1, f64::NAN).is_err());
    }
}
