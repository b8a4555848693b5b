//! The builder of a group-sequential design: classical or error-spending,
//! looks, α, sides, grid, futility; [`GroupSequential::design`] computes
//! the boundaries.

use serde::{Deserialize, Serialize};

use crate::common::Alternative;
use crate::dist::norm_isf;
use crate::error::{PowerError, Result, probability};
use crate::root::brent;

use super::design::{GroupSequentialDesign, nominal_p_of, z_fixed_of};
use super::recursion::{crossings, futility_bounds, lower_of, spending_bounds};
use super::spending::{SpendingFunction, TwoSidedSpending};

/// The default grid parameter r of the Jennison-Turnbull quadrature.
pub const DEFAULT_GRID: usize = 32;

/// The largest grid parameter r accepted (by the builder and when loading
/// a design): about 12r nodes per look, and a cost of order K·(12r)² per
/// probability, so larger grids are refused rather than allocated.
pub const MAX_GRID: usize = 1000;

/// The largest number of looks accepted (by the builder and when loading
/// a design).
pub const MAX_LOOKS: usize = 100;

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
    looks: usize,
    /// `None`: `looks` equally spaced looks (expanded when the design is
    /// computed, after `looks` is checked).
    fractions: Option<Vec<f64>>,
    alpha: f64,
    alternative: Alternative,
    convention: TwoSidedSpending,
    grid: usize,
    futility: Option<(SpendingFunction, f64)>,
}

impl GroupSequential {
    /// A Lan-DeMets error-spending design with `looks` equally spaced looks.
    ///
    /// The setters below are consuming and chain; their values are checked by
    /// [`design`](Self::design).
    ///
    /// # Example
    /// ```
    /// use seg_power::{Alternative, GroupSequential, SpendingFunction, TwoSidedSpending};
    /// let d = GroupSequential::spending(SpendingFunction::Pocock, 3)
    ///     .information_fractions(vec![0.25, 0.5, 1.0])
    ///     .alpha(0.025)
    ///     .alternative(Alternative::OneSided)
    ///     .two_sided_spending(TwoSidedSpending::Total)
    ///     .grid(24)
    ///     .design()?;
    /// assert_eq!(d.information_fractions(), [0.25, 0.5, 1.0]);
    /// assert_eq!(d.alpha(), 0.025);
    /// // The whole α is spent by the last look.
    /// assert!((d.cumulative_alpha()[2] - 0.025).abs() < 1e-6);
    /// // Boundaries are checked when designing.
    /// assert!(GroupSequential::spending(SpendingFunction::Pocock, 3).alpha(2.0).design().is_err());
    /// assert!(GroupSequential::spending(SpendingFunction::Pocock, 3).grid(2).design().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn spending(function: SpendingFunction, looks: usize) -> Self {
        Self::new(Kind::Spending(function), looks)
    }

    /// A classical Pocock or O'Brien-Fleming design with `looks` equally
    /// spaced looks (the constant c solves P₀(reject) = α).
    ///
    /// # Example
    /// ```
    /// use seg_power::{ClassicalDesign, GroupSequential};
    /// // Pocock (1977), two looks, α = 0.05 two-sided: c = 2.178.
    /// let d = GroupSequential::classical(ClassicalDesign::Pocock, 2).design()?;
    /// assert!((d.constant().unwrap() - 2.178).abs() < 1e-3);
    /// assert_eq!(d.upper()[0], d.upper()[1]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn classical(design: ClassicalDesign, looks: usize) -> Self {
        Self::new(Kind::Classical(design), looks)
    }

    fn new(kind: Kind, looks: usize) -> Self {
        GroupSequential {
            kind,
            looks,
            fractions: None,
            alpha: 0.05,
            alternative: Alternative::TwoSided,
            convention: TwoSidedSpending::Total,
            grid: DEFAULT_GRID,
            futility: None,
        }
    }

    /// Information fractions 0 < t₁ < … < t_K = 1 of the looks (replaces the
    /// equally spaced default and the number of looks). Meant for spending
    /// designs: a classical design keeps the boundary shapes of equally
    /// spaced looks and evaluates them at these fractions.
    ///
    /// Checked by [`design`](Self::design); see the chain example on
    /// [`spending`](Self::spending).
    pub fn information_fractions(mut self, t: Vec<f64>) -> Self {
        self.fractions = Some(t);
        self
    }

    /// The overall type I error α (two-sided total, or one-sided), in
    /// (0, 1). Default 0.05.
    ///
    /// See the chain example on [`spending`](Self::spending).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Two-sided symmetric (default) or one-sided (upper boundary only).
    ///
    /// See the chain example on [`spending`](Self::spending).
    pub fn alternative(mut self, alternative: Alternative) -> Self {
        self.alternative = alternative;
        self
    }

    /// How a two-sided spending design spends α (default
    /// [`TwoSidedSpending::Total`]).
    ///
    /// See the chain example on [`spending`](Self::spending) and the type's
    /// example for [`TwoSidedSpending::PerSide`].
    pub fn two_sided_spending(mut self, convention: TwoSidedSpending) -> Self {
        self.convention = convention;
        self
    }

    /// The grid parameter r in 8..=[`MAX_GRID`] of the quadrature (default
    /// 32: about 12r − 3 nodes per look; boundaries accurate to ~2e-7).
    ///
    /// See the chain example on [`spending`](Self::spending).
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
    ///
    /// # Example
    /// ```
    /// use seg_power::{Alternative, GroupSequential, SpendingFunction};
    /// let d = GroupSequential::spending(SpendingFunction::ObrienFleming, 3)
    ///     .alternative(Alternative::OneSided)
    ///     .futility(SpendingFunction::ObrienFleming, 0.9)
    ///     .design()?;
    /// let (futility, upper) = (d.futility().unwrap(), d.upper());
    /// assert!(futility.iter().zip(upper).all(|(f, u)| f <= u));
    /// // The boundaries meet at the last look.
    /// assert!((futility[2] - upper[2]).abs() < 1e-6);
    /// assert!(d.futility_theta().unwrap() > 0.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn futility(mut self, function: SpendingFunction, power: f64) -> Self {
        self.futility = Some((function, power));
        self
    }

    /// The information fractions of the looks, once their number is
    /// known to be in 1..=[`MAX_LOOKS`].
    fn fractions(&self) -> Result<Vec<f64>> {
        let t = match &self.fractions {
            Some(t) => t.clone(),
            None => {
                check_looks(self.looks)?;
                let k = self.looks as f64;
                (1..=self.looks).map(|i| i as f64 / k).collect()
            }
        };
        check_fractions(&t)?;
        Ok(t)
    }

    fn check(&self) -> Result<()> {
        probability("alpha", self.alpha)?;
        check_grid(self.grid)?;
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
    /// more than [`MAX_LOOKS`], or a grid outside 8..=[`MAX_GRID`] (checked
    /// before anything is allocated); [`PowerError::InvalidParameter`] for
    /// a futility boundary on a two-sided design, a power not above α or an
    /// extreme γ; [`PowerError::NoSolution`] when a look cannot spend its
    /// share of α; [`PowerError::NotConverged`] if a root (a boundary, the
    /// classical constant or the futility drift) cannot be found.
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
        probability("alpha", self.alpha)?;
        let t = self.fractions()?;
        self.check()?;
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
        let nominal_p = upper.iter().map(|&z| nominal_p_of(z, two)).collect();
        let z_fixed = z_fixed_of(self.alpha, two);
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
            let (theta, lower) = futility_bounds(
                &design.t,
                &design.upper,
                design.grid,
                design.z_fixed,
                f,
                power,
            )?;
            design.futility = Some(lower);
            design.futility_theta = Some(theta);
        }
        design.expected_t_h0 = design.crossing(0.0).expected_t;
        Ok(design)
    }
}

/// Checks a number of looks: 1..=[`MAX_LOOKS`].
fn check_looks(k: usize) -> Result<()> {
    if k == 0 {
        return Err(PowerError::InvalidCount {
            parameter: "looks",
            value: 0,
            reason: "need at least one look",
        });
    }
    if k > MAX_LOOKS {
        return Err(PowerError::InvalidCount {
            parameter: "looks",
            value: k,
            reason: "at most 100 looks",
        });
    }
    Ok(())
}

/// Checks the grid parameter: 8..=[`MAX_GRID`].
pub(super) fn check_grid(r: usize) -> Result<()> {
    if !(8..=MAX_GRID).contains(&r) {
        return Err(PowerError::InvalidCount {
            parameter: "grid",
            value: r,
            reason: "must be in 8..=1000",
        });
    }
    Ok(())
}

/// Checks information fractions: 1..=[`MAX_LOOKS`] of them, increasing
/// strictly within (0, 1], the last at 1.
pub(super) fn check_fractions(t: &[f64]) -> Result<()> {
    check_looks(t.len())?;
    let mut prev = 0.0;
    for (index, &v) in t.iter().enumerate() {
        if !(v.is_finite() && v > prev && v <= 1.0) {
            return Err(PowerError::InvalidElement {
                parameter: "information_fractions",
                index,
                value: v,
                reason: "fractions must increase strictly within (0, 1]",
            });
        }
        prev = v;
    }
    if (prev - 1.0).abs() > 1e-12 {
        return Err(PowerError::InvalidElement {
            parameter: "information_fractions",
            index: t.len() - 1,
            value: prev,
            reason: "the last look must be at information fraction 1",
        });
    }
    Ok(())
}
