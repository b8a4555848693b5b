//! Posterior analytics of Beta states: mean and credible interval, lift,
//! P(B > A) and expected losses by numerical integration, probability to be
//! best and expected loss for any number of variants by seeded Monte Carlo
//! (with standard errors), and the expected-loss stopping rule.
//!
//! # Two variants (exact up to quadrature error)
//! `P(p_B > p_A) = ∫ f_B(x) F_A(x) dx` and the expected losses
//! `E[(p_B − p_A)⁺] = ∫ f_B(x) [(x − μ_A) F_A(x) + x(1−x) f_A(x)/(α_A+β_A)] dx`,
//! `E[(p_A − p_B)⁺] = ∫ f_B(x) [(μ_A − x) Q_A(x) + x(1−x) f_A(x)/(α_A+β_A)] dx`
//! (`Q = 1 − F`), integrated by Gauss–Legendre panels over B's central
//! `1 − 2·10⁻¹⁶` mass (the mass outside is added with the integrands at the
//! ends). A's CDF and survival function at the nodes are integrated along
//! from A's exact CDF at the start of the range and its exact survival
//! function at the end (cumulative Gauss–Legendre weights), so a node costs
//! two densities, not an incomplete beta function. Panels start at
//! approximate quantiles of both posteriors and are split, and their rules
//! (6 to 20 nodes) chosen, by an error estimate per panel (1e-12 absolute):
//! the panel's width in standard deviations and its distance to a branch
//! point of `x^(α−1)` at an end of [0, 1], weighted by the panel's masses.
//! The integral runs over a posterior whose mass lies below ½ (reflecting
//! `p → 1 − p`, or exchanging A and B), where doubles resolve it.
//! When a shape of the integrated posterior is below 1, its mass piled at
//! that end (below 1% of its mean, and below A's mass) is integrated in
//! `ln x` (resp. `ln(1 − x)`), where it is smooth, down to 1e-300, and by
//! the power laws of both CDFs below that.
//! When α_B is an integer up to 1,000, the exact finite sum (Evan Miller's
//! formula, summed by its term ratio) replaces the quadrature. Matches the
//! reference values to 1e-6 relative (tests/reference.rs), mpmath at 30
//! digits to 1e-9 (tests/analytics.rs, including mass piled next to 1), and
//! the exact finite sum for integer shapes.
//!
//! Shapes must lie in [1e-6, 1e20] (see [`Beta::new`](crate::Beta::new)):
//! beyond, the functions that evaluate Beta distributions return an error.

use rand::Rng;
use rand_distr::Distribution;

mod pair;

use seg_special::Beta;

use crate::monte_carlo;
use crate::{BanditError, BetaState, Prior, Result};

fn check_state(parameter: &'static str, state: &BetaState) -> Result<()> {
    for v in [state.alpha, state.beta] {
        if !(v.is_finite() && v > 0.0) {
            return Err(BanditError::InvalidParameter {
                parameter,
                value: format!("Beta({}, {})", state.alpha, state.beta),
                reason: "alpha and beta must be finite and > 0",
            });
        }
    }
    Ok(())
}

/// The checked Beta distribution of a state; an error names `parameter`
/// when α or β is not finite and > 0 or lies outside the range in which the
/// beta functions are accurate ([`seg_special::MIN_SHAPE`] to
/// [`seg_special::MAX_SHAPE`]).
fn posterior(parameter: &'static str, state: &BetaState) -> Result<Beta> {
    check_state(parameter, state)?;
    Beta::new(state.alpha, state.beta).map_err(|_| BanditError::InvalidParameter {
        parameter,
        value: format!("Beta({}, {})", state.alpha, state.beta),
        reason: "alpha and beta must be between 1e-6 and 1e20, the range in which the beta \
                 functions are accurate",
    })
}

fn check_probability(parameter: &'static str, p: f64, reason: &'static str) -> Result<()> {
    if p.is_finite() && p > 0.0 && p < 1.0 {
        Ok(())
    } else {
        Err(BanditError::InvalidParameter {
            parameter,
            value: p.to_string(),
            reason,
        })
    }
}

/// Mean, variance and an equal-tailed credible interval of a posterior.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PosteriorSummary {
    /// α/(α+β).
    pub mean: f64,
    /// αβ/((α+β)²(α+β+1)), closed form.
    pub variance: f64,
    /// The credible level, e.g. 0.95.
    pub level: f64,
    /// Lower end: the (1 − level)/2 quantile.
    pub lower: f64,
    /// Upper end: the (1 + level)/2 quantile.
    pub upper: f64,
}

/// The `p` quantile of a Beta posterior.
///
/// # Errors
/// [`BanditError::InvalidParameter`] naming `state` when α or β is not finite
/// and > 0 or outside [1e-6, 1e20] (see [`Beta::new`]), or `p` when it is
/// not in [0, 1].
pub fn quantile(state: &BetaState, p: f64) -> Result<f64> {
    let d = posterior("state", state)?;
    if !(0.0..=1.0).contains(&p) {
        return Err(BanditError::InvalidParameter {
            parameter: "p",
            value: p.to_string(),
            reason: "must be in [0, 1]",
        });
    }
    d.quantile(p).map_err(|_| BanditError::InvalidParameter {
        parameter: "p",
        value: p.to_string(),
        reason: "must be in [0, 1]",
    })
}

/// Posterior mean, variance and equal-tailed credible interval at `level`.
///
/// # Errors
/// [`BanditError::InvalidParameter`] naming `state` (α or β not finite
/// and positive, or outside [1e-6, 1e20], see [`Beta::new`]) or `level`
/// (not strictly between 0 and 1).
pub fn summary(state: &BetaState, level: f64) -> Result<PosteriorSummary> {
    let d = posterior("state", state)?;
    check_probability("level", level, "must be strictly between 0 and 1")?;
    let tail = 0.5 * (1.0 - level);
    let bound = |p: f64| {
        d.quantile(p).map_err(|_| BanditError::InvalidParameter {
            parameter: "level",
            value: level.to_string(),
            reason: "must be strictly between 0 and 1",
        })
    };
    Ok(PosteriorSummary {
        mean: d.mean(),
        variance: d.variance(),
        level,
        lower: bound(tail)?,
        upper: bound(1.0 - tail)?,
    })
}

/// Relative lift of the variant's posterior mean over the control's:
/// `(μ_variant − μ_control) / μ_control`.
///
/// # Errors
/// [`BanditError::InvalidParameter`] naming `control` or `variant` when α or β
/// is not finite and > 0.
pub fn lift(control: &BetaState, variant: &BetaState) -> Result<f64> {
    check_state("control", control)?;
    check_state("variant", variant)?;
    let mc = control.alpha / (control.alpha + control.beta);
    let mv = variant.alpha / (variant.alpha + variant.beta);
    Ok((mv - mc) / mc)
}

/// P(B > A) and the expected losses of a two-variant comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairComparison {
    /// P(p_B > p_A).
    pub prob_b_beats_a: f64,
    /// E[max(p_B − p_A, 0)]: the expected loss of choosing A.
    pub expected_loss_choosing_a: f64,
    /// E[max(p_A − p_B, 0)]: the expected loss of choosing B.
    pub expected_loss_choosing_b: f64,
}

/// P(B > A) and expected losses by numerical integration (see the module
/// documentation).
///
/// # Errors
/// [`BanditError::InvalidParameter`] naming `a` or `b` when α or β is not
/// finite and > 0, or outside [1e-6, 1e20] (see [`Beta::new`]).
pub fn compare_pair(a: &BetaState, b: &BetaState) -> Result<PairComparison> {
    let pa = posterior("a", a)?;
    let pb = posterior("b", b)?;
    Ok(pair::compare(&pa, &pb))
}

/// P(B > A) by numerical integration.
///
/// # Errors
/// As [`compare_pair`].
pub fn prob_b_beats_a(a: &BetaState, b: &BetaState) -> Result<f64> {
    compare_pair(a, b).map(|c| c.prob_b_beats_a)
}

/// Probability to be best and expected loss of each variant, estimated by
/// Monte Carlo, with their standard errors.
#[derive(Debug, Clone, PartialEq)]
pub struct BestEstimate {
    /// Number of joint draws.
    pub draws: usize,
    /// P(variant i has the largest rate).
    pub prob_best: Vec<f64>,
    /// Standard error of each `prob_best`: √(p(1−p)/draws).
    pub prob_best_se: Vec<f64>,
    /// E[max_j p_j − p_i]: the expected loss of choosing variant i.
    pub expected_loss: Vec<f64>,
    /// Standard error of each expected loss (sample standard deviation / √draws).
    pub expected_loss_se: Vec<f64>,
}

/// Probability to be best and expected losses by seeded Monte Carlo: `draws`
/// joint draws from the posteriors with the caller's RNG (ties go to the
/// lower index).
///
/// # Errors
/// [`BanditError::InvalidParameter`] naming `states` (empty, or a state with
/// α or β not finite and > 0) or `draws` (0 or above [`crate::MAX_DRAWS`]).
pub fn probability_best<R: Rng + ?Sized>(
    states: &[BetaState],
    draws: usize,
    rng: &mut R,
) -> Result<BestEstimate> {
    monte_carlo::check_draws(draws)?;
    let dists = monte_carlo::samplers(states)?;
    let k = states.len();
    let mut wins = vec![0_u64; k];
    let mut loss_sum = vec![0.0_f64; k];
    let mut loss_sq = vec![0.0_f64; k];
    let mut sample = vec![0.0_f64; k];
    for _ in 0..draws {
        let mut best = 0;
        for (i, d) in dists.iter().enumerate() {
            sample[i] = d.sample(rng);
            if sample[i] > sample[best] {
                best = i;
            }
        }
        wins[best] += 1;
        let top = sample[best];
        for i in 0..k {
            let l = top - sample[i];
            loss_sum[i] += l;
            loss_sq[i] += l * l;
        }
    }
    let n = draws as f64;
    let prob_best: Vec<f64> = wins.iter().map(|&w| w as f64 / n).collect();
    let prob_best_se = prob_best
        .iter()
        .map(|p| (p * (1.0 - p) / n).sqrt())
        .collect();
    let expected_loss: Vec<f64> = loss_sum.iter().map(|s| s / n).collect();
    let expected_loss_se = loss_sq
        .iter()
        .zip(&expected_loss)
        .map(|(sq, m)| {
            let var = if draws > 1 {
                ((sq - n * m * m) / (n - 1.0)).max(0.0)
            } else {
                0.0
            };
            (var / n).sqrt()
        })
        .collect();
    Ok(BestEstimate {
        draws,
        prob_best,
        prob_best_se,
        expected_loss,
        expected_loss_se,
    })
}

/// The outcome of the expected-loss stopping rule.
#[derive(Debug, Clone, PartialEq)]
pub struct StopDecision {
    /// Index of the variant with the smallest expected loss.
    pub best: usize,
    /// Expected loss of choosing each variant.
    pub expected_loss: Vec<f64>,
    /// Standard errors of the losses (0 for two variants: numerical
    /// integration, no sampling).
    pub expected_loss_se: Vec<f64>,
    /// True when the smallest expected loss is below the threshold.
    pub stop: bool,
}

/// Expected-loss stopping rule for one segment: stop when the variant with
/// the smallest expected loss has a loss below `threshold` (in rate units,
/// e.g. 0.001 = 0.1 percentage point). Two variants use numerical
/// integration; more use [`probability_best`] with `draws` draws.
///
/// # Errors
/// As [`probability_best`], and `threshold` when not finite and > 0.
pub fn stopping_rule<R: Rng + ?Sized>(
    states: &[BetaState],
    threshold: f64,
    draws: usize,
    rng: &mut R,
) -> Result<StopDecision> {
    if !(threshold.is_finite() && threshold > 0.0) {
        return Err(BanditError::InvalidParameter {
            parameter: "threshold",
            value: threshold.to_string(),
            reason: "must be finite and > 0",
        });
    }
    let (losses, ses) = if let [a, b] = states {
        let c = compare_pair(a, b)?;
        (
            vec![c.expected_loss_choosing_a, c.expected_loss_choosing_b],
            vec![0.0, 0.0],
        )
    } else {
        let e = probability_best(states, draws, rng)?;
        (e.expected_loss, e.expected_loss_se)
    };
    let mut best = 0;
    for (i, l) in losses.iter().enumerate() {
        if *l < losses[best] {
            best = i;
        }
    }
    let stop = losses[best] < threshold;
    Ok(StopDecision {
        best,
        expected_loss: losses,
        expected_loss_se: ses,
        stop,
    })
}

/// Pools each variant's states across segments: `α = prior α + Σ(α_s − prior α)`
/// (the same for β), i.e. the posterior of all the segments' data under one prior.
///
/// # Errors
/// [`BanditError::InvalidParameter`] naming `segments` when they are empty, have
/// different numbers of variants, or pool to a non-positive shape.
pub fn pool_segments(segments: &[Vec<BetaState>], prior: Prior) -> Result<Vec<BetaState>> {
    let Some(first) = segments.first() else {
        return Err(BanditError::InvalidParameter {
            parameter: "segments",
            value: "[]".to_string(),
            reason: "at least one segment is needed",
        });
    };
    let k = first.len();
    let p = prior.state();
    let mut pooled = vec![p; k];
    for seg in segments {
        if seg.len() != k {
            return Err(BanditError::InvalidParameter {
                parameter: "segments",
                value: format!("{} variants", seg.len()),
                reason: "every segment must list the same variants",
            });
        }
        for (acc, s) in pooled.iter_mut().zip(seg) {
            check_state("segments", s)?;
            acc.alpha += s.alpha - p.alpha;
            acc.beta += s.beta - p.beta;
        }
    }
    for s in &pooled {
        check_state("segments", s)?;
    }
    Ok(pooled)
}

/// The stopping rule per segment and overall (on the pooled states, see
/// [`pool_segments`]): returns `(per_segment, overall)`.
///
/// # Errors
/// As [`stopping_rule`] and [`pool_segments`].
pub fn stopping_rule_by_segment<R: Rng + ?Sized>(
    segments: &[Vec<BetaState>],
    prior: Prior,
    threshold: f64,
    draws: usize,
    rng: &mut R,
) -> Result<(Vec<StopDecision>, StopDecision)> {
    let pooled = pool_segments(segments, prior)?;
    let per_segment = segments
        .iter()
        .map(|s| stopping_rule(s, threshold, draws, rng))
        .collect::<Result<Vec<_>>>()?;
    let overall = stopping_rule(&pooled, threshold, draws, rng)?;
    Ok((per_segment, overall))
}
