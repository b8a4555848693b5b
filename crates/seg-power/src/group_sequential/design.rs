//! A computed group-sequential design: its boundaries, the decision at a
//! look, crossing probabilities and the drift for a target power.

use serde::{Deserialize, Serialize};

use crate::common::Alternative;
use crate::decision::Decision;
use crate::dist::{norm_isf, norm_sf};
use crate::error::{PowerError, Result, finite, probability};
use crate::root::brent;

use super::builder::{check_fractions, check_grid};
use super::recursion::{crossings, lower_of};

/// A computed group-sequential design.
///
/// # Saving and loading
///
/// A design serialises with its boundaries and operating characteristics.
/// A boundary that is never crossed (+∞ for efficacy, −∞ for futility) is
/// saved as `null`, since JSON has no infinity; everything else is a
/// number, so a save → load round trip gives the same design. Loading runs
/// the checks of [`GroupSequential::design`](crate::GroupSequential::design)
/// on α, the information fractions (1..=[`MAX_LOOKS`](crate::MAX_LOOKS),
/// increasing to 1) and the grid (8..=[`MAX_GRID`](crate::MAX_GRID), so a
/// file cannot request an unbounded integration grid), then checks that
/// every per-look list has one value per look, that probabilities are in
/// [0, 1], that futility boundaries (one-sided designs only) lie below the
/// efficacy ones, and that the nominal p-values and the fixed-sample
/// critical value agree with the boundaries and α.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawDesign", into = "RawDesign")]
pub struct GroupSequentialDesign {
    pub(super) t: Vec<f64>,
    pub(super) upper: Vec<f64>,
    pub(super) futility: Option<Vec<f64>>,
    pub(super) alternative: Alternative,
    pub(super) alpha: f64,
    pub(super) cumulative_spend: Option<Vec<f64>>,
    pub(super) cumulative_alpha: Vec<f64>,
    pub(super) nominal_p: Vec<f64>,
    pub(super) constant: Option<f64>,
    pub(super) z_fixed: f64,
    pub(super) expected_t_h0: f64,
    pub(super) futility_theta: Option<f64>,
    pub(super) grid: usize,
}

/// The serialised form of a [`GroupSequentialDesign`]: efficacy boundaries
/// that are never crossed are `None` (+∞), futility boundaries that never
/// stop are `None` (−∞).
#[derive(Serialize, Deserialize)]
struct RawDesign {
    t: Vec<f64>,
    upper: Vec<Option<f64>>,
    futility: Option<Vec<Option<f64>>>,
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

impl From<GroupSequentialDesign> for RawDesign {
    fn from(d: GroupSequentialDesign) -> Self {
        let finite_or_none = |v: f64| Some(v).filter(|v| v.is_finite());
        RawDesign {
            t: d.t,
            upper: d.upper.into_iter().map(finite_or_none).collect(),
            futility: d
                .futility
                .map(|f| f.into_iter().map(finite_or_none).collect()),
            alternative: d.alternative,
            alpha: d.alpha,
            cumulative_spend: d.cumulative_spend,
            cumulative_alpha: d.cumulative_alpha,
            nominal_p: d.nominal_p,
            constant: d.constant,
            z_fixed: d.z_fixed,
            expected_t_h0: d.expected_t_h0,
            futility_theta: d.futility_theta,
            grid: d.grid,
        }
    }
}

/// Tolerance between a loaded derived value and the one recomputed.
const LOAD_TOLERANCE: f64 = 1e-9;

fn agrees(loaded: f64, recomputed: f64) -> bool {
    (loaded - recomputed).abs() <= LOAD_TOLERANCE * recomputed.abs().max(1e-3)
}

/// Checks that `values` has one element per look.
fn per_look<T>(parameter: &'static str, values: &[T], k: usize) -> Result<()> {
    if values.len() == k {
        Ok(())
    } else {
        Err(PowerError::LengthMismatch {
            parameter,
            expected: k,
            got: values.len(),
        })
    }
}

/// Checks that every element is a probability in [0, 1].
fn probabilities(parameter: &'static str, values: &[f64]) -> Result<()> {
    for (index, &value) in values.iter().enumerate() {
        if !(0.0..=1.0).contains(&value) {
            return Err(PowerError::InvalidElement {
                parameter,
                index,
                value,
                reason: "must be a probability in [0, 1]",
            });
        }
    }
    Ok(())
}

/// The nominal p-value of an efficacy boundary.
pub(super) fn nominal_p_of(z: f64, two_sided: bool) -> f64 {
    if two_sided {
        2.0 * norm_sf(z)
    } else {
        norm_sf(z)
    }
}

/// The fixed-sample critical value z(1 − α/2) or z(1 − α).
pub(super) fn z_fixed_of(alpha: f64, two_sided: bool) -> f64 {
    if two_sided {
        norm_isf(0.5 * alpha)
    } else {
        norm_isf(alpha)
    }
}

impl TryFrom<RawDesign> for GroupSequentialDesign {
    type Error = PowerError;

    fn try_from(raw: RawDesign) -> Result<Self> {
        // The checks of the builder.
        probability("alpha", raw.alpha)?;
        check_fractions(&raw.t)?;
        check_grid(raw.grid)?;
        let k = raw.t.len();
        let two = raw.alternative == Alternative::TwoSided;
        per_look("upper", &raw.upper, k)?;
        let upper: Vec<f64> = raw
            .upper
            .iter()
            .map(|b| b.unwrap_or(f64::INFINITY))
            .collect();
        per_look("nominal_p", &raw.nominal_p, k)?;
        for (index, (&p, &b)) in raw.nominal_p.iter().zip(&upper).enumerate() {
            if !agrees(p, nominal_p_of(b, two)) {
                return Err(PowerError::InvalidElement {
                    parameter: "nominal_p",
                    index,
                    value: p,
                    reason: "disagrees with the efficacy boundary",
                });
            }
        }
        finite("z_fixed", raw.z_fixed)?;
        if !agrees(raw.z_fixed, z_fixed_of(raw.alpha, two)) {
            return Err(PowerError::InvalidParameter {
                parameter: "z_fixed",
                value: raw.z_fixed,
                reason: "disagrees with alpha",
            });
        }
        per_look("cumulative_alpha", &raw.cumulative_alpha, k)?;
        probabilities("cumulative_alpha", &raw.cumulative_alpha)?;
        if let Some(spend) = &raw.cumulative_spend {
            per_look("cumulative_spend", spend, k)?;
            probabilities("cumulative_spend", spend)?;
        }
        let futility = match &raw.futility {
            None => None,
            Some(f) => {
                per_look("futility", f, k)?;
                if two {
                    return Err(PowerError::InvalidCount {
                        parameter: "futility",
                        value: f.len(),
                        reason: "futility boundaries need a one-sided design",
                    });
                }
                let lower: Vec<f64> = f.iter().map(|a| a.unwrap_or(f64::NEG_INFINITY)).collect();
                for (index, (&a, &b)) in lower.iter().zip(&upper).enumerate() {
                    if a > b {
                        return Err(PowerError::InvalidElement {
                            parameter: "futility",
                            index,
                            value: a,
                            reason: "must not exceed the efficacy boundary",
                        });
                    }
                }
                Some(lower)
            }
        };
        if let Some(c) = raw.constant {
            finite("constant", c)?;
        }
        if let Some(theta) = raw.futility_theta {
            finite("futility_theta", theta)?;
        }
        if !(0.0..=1.0 + LOAD_TOLERANCE).contains(&raw.expected_t_h0) {
            return Err(PowerError::InvalidParameter {
                parameter: "expected_t_h0",
                value: raw.expected_t_h0,
                reason: "must be an information fraction in [0, 1]",
            });
        }
        Ok(GroupSequentialDesign {
            t: raw.t,
            upper,
            futility,
            alternative: raw.alternative,
            alpha: raw.alpha,
            cumulative_spend: raw.cumulative_spend,
            cumulative_alpha: raw.cumulative_alpha,
            nominal_p: raw.nominal_p,
            constant: raw.constant,
            z_fixed: raw.z_fixed,
            expected_t_h0: raw.expected_t_h0,
            futility_theta: raw.futility_theta,
            grid: raw.grid,
        })
    }
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
    ///
    /// # Example
    /// ```
    /// use seg_power::{GroupSequential, SpendingFunction};
    /// let d = GroupSequential::spending(SpendingFunction::Pocock, 4).design()?;
    /// assert_eq!(d.information_fractions(), [0.25, 0.5, 0.75, 1.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn information_fractions(&self) -> &[f64] {
        &self.t
    }

    /// Efficacy boundaries z_k (for |Z_k| in two-sided designs).
    ///
    /// # Example
    /// ```
    /// use seg_power::{ClassicalDesign, GroupSequential};
    /// // O'Brien & Fleming (1979): z_k = c·√(K/k), decreasing over the looks.
    /// let d = GroupSequential::classical(ClassicalDesign::ObrienFleming, 2).design()?;
    /// let (z, c) = (d.upper(), d.constant().unwrap());
    /// assert!((z[0] - c * 2f64.sqrt()).abs() < 1e-9 && (z[1] - c).abs() < 1e-9);
    /// assert!((z[1] - 1.977).abs() < 1e-3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn upper(&self) -> &[f64] {
        &self.upper
    }

    /// Futility boundaries, if requested.
    ///
    /// # Example
    /// ```
    /// use seg_power::{Alternative, GroupSequential, SpendingFunction};
    /// let plain = GroupSequential::spending(SpendingFunction::Pocock, 2).design()?;
    /// assert!(plain.futility().is_none());
    /// let with = GroupSequential::spending(SpendingFunction::Pocock, 2)
    ///     .alternative(Alternative::OneSided)
    ///     .futility(SpendingFunction::Pocock, 0.8)
    ///     .design()?;
    /// assert_eq!(with.futility().map(<[f64]>::len), Some(2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn futility(&self) -> Option<&[f64]> {
        self.futility.as_deref()
    }

    /// The drift used to place the futility boundary.
    ///
    /// # Example
    /// ```
    /// use seg_power::{Alternative, GroupSequential, SpendingFunction};
    /// let d = GroupSequential::spending(SpendingFunction::Pocock, 2)
    ///     .alternative(Alternative::OneSided)
    ///     .futility(SpendingFunction::Pocock, 0.8)
    ///     .design()?;
    /// // The drift with 80 % power exceeds the fixed design's z(0.95) + z(0.8).
    /// assert!(d.futility_theta().unwrap() > 1.6449 + 0.8416);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn futility_theta(&self) -> Option<f64> {
        self.futility_theta
    }

    /// The spending schedule s_k (spending designs).
    ///
    /// # Example
    /// ```
    /// use seg_power::{ClassicalDesign, GroupSequential, SpendingFunction};
    /// let d = GroupSequential::spending(SpendingFunction::ObrienFleming, 3).design()?;
    /// let spend = d.cumulative_spend().unwrap();
    /// assert!(spend.windows(2).all(|w| w[0] < w[1]));
    /// assert!((spend[2] - 0.05).abs() < 1e-12);
    /// let classical = GroupSequential::classical(ClassicalDesign::Pocock, 3).design()?;
    /// assert!(classical.cumulative_spend().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cumulative_spend(&self) -> Option<&[f64]> {
        self.cumulative_spend.as_deref()
    }

    /// P₀(reject at or before look k), recomputed from the boundaries
    /// (efficacy only: the futility boundary is non-binding).
    ///
    /// # Example
    /// ```
    /// use seg_power::{ClassicalDesign, GroupSequential};
    /// let d = GroupSequential::classical(ClassicalDesign::Pocock, 3).design()?;
    /// let a = d.cumulative_alpha();
    /// assert!(a.windows(2).all(|w| w[0] < w[1]));
    /// assert!((a[2] - 0.05).abs() < 1e-6);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cumulative_alpha(&self) -> &[f64] {
        &self.cumulative_alpha
    }

    /// Nominal p-values of the boundaries: 2(1 − Φ(z_k)) two-sided,
    /// 1 − Φ(z_k) one-sided.
    ///
    /// # Example
    /// ```
    /// use seg_power::{ClassicalDesign, GroupSequential};
    /// // Pocock with 2 looks tests each look at about 0.0294 instead of 0.05.
    /// let d = GroupSequential::classical(ClassicalDesign::Pocock, 2).design()?;
    /// assert!(d.nominal_p().iter().all(|&p| (p - 0.0294).abs() < 2e-4));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn nominal_p(&self) -> &[f64] {
        &self.nominal_p
    }

    /// The constant c of a classical design.
    ///
    /// # Example
    /// ```
    /// use seg_power::{ClassicalDesign, GroupSequential, SpendingFunction};
    /// // Pocock, 5 looks, α = 0.05 two-sided: c = 2.413 (Jennison & Turnbull, table 2.1).
    /// let d = GroupSequential::classical(ClassicalDesign::Pocock, 5).design()?;
    /// assert!((d.constant().unwrap() - 2.413).abs() < 1e-3);
    /// let s = GroupSequential::spending(SpendingFunction::Pocock, 5).design()?;
    /// assert!(s.constant().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn constant(&self) -> Option<f64> {
        self.constant
    }

    /// The fixed-sample critical value z(1 − α/2) or z(1 − α).
    ///
    /// # Example
    /// ```
    /// use seg_power::{Alternative, GroupSequential, SpendingFunction};
    /// let two = GroupSequential::spending(SpendingFunction::Pocock, 2).design()?;
    /// assert!((two.z_fixed() - 1.959_963_985).abs() < 1e-8);
    /// let one = GroupSequential::spending(SpendingFunction::Pocock, 2)
    ///     .alternative(Alternative::OneSided)
    ///     .design()?;
    /// assert!((one.z_fixed() - 1.644_853_627).abs() < 1e-8);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn z_fixed(&self) -> f64 {
        self.z_fixed
    }

    /// E₀\[t at stopping\] (with the futility boundary respected, if any).
    ///
    /// # Example
    /// ```
    /// use seg_power::{ClassicalDesign, GroupSequential};
    /// // Under H0 the trial rarely stops early: E₀[t] is just below 1.
    /// let d = GroupSequential::classical(ClassicalDesign::ObrienFleming, 4).design()?;
    /// assert!(d.expected_t_h0() > 0.95 && d.expected_t_h0() < 1.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expected_t_h0(&self) -> f64 {
        self.expected_t_h0
    }

    /// The overall α.
    ///
    /// # Example
    /// ```
    /// use seg_power::{GroupSequential, SpendingFunction};
    /// let d = GroupSequential::spending(SpendingFunction::Pocock, 2).alpha(0.01).design()?;
    /// assert_eq!(d.alpha(), 0.01);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    /// θ should be finite: a NaN θ gives NaN probabilities (never a panic).
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
    /// [`PowerError::InvalidParameter`] for a NaN or infinite z.
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
