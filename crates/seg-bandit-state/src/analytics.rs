//! Posterior analytics of Beta states: mean and credible interval, lift,
//! P(B > A) and expected losses by numerical integration, probability to be
//! best and expected loss for any number of variants by seeded Monte Carlo
//! (with standard errors), and the expected-loss stopping rule.
//!
//! # Two variants (exact up to quadrature error)
//! `P(p_B > p_A) = ∫ f_B(x) F_A(x) dx` and the expected losses
//! `E[(p_B − p_A)⁺] = ∫ f_B(x) [(x − μ_A) F_A(x) + x(1−x) f_A(x)/(α_A+β_A)] dx`,
//! `E[(p_A − p_B)⁺] = ∫ f_B(x) [(μ_A − x) Q_A(x) + x(1−x) f_A(x)/(α_A+β_A)] dx`
//! (`Q = 1 − F`, computed without cancellation), integrated by 20-point
//! Gauss–Legendre rules on panels split at quantiles of both posteriors,
//! over B's central `1 − 2·10⁻¹⁷` mass; when α_B is an integer up to 1,000,
//! the exact finite sum (Evan Miller's formula, summed by its term ratio)
//! replaces the quadrature. Matches the reference values to 1e-6
//! relative (tests/reference.rs) and the exact finite sum for integer shapes.

use std::sync::OnceLock;

use rand::Rng;
use rand_distr::{Beta, Distribution};

use crate::beta;
use crate::{BanditError, BetaState, MAX_DRAWS, Prior, Result};

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
/// and > 0, or `p` when it is not in [0, 1].
pub fn quantile(state: &BetaState, p: f64) -> Result<f64> {
    check_state("state", state)?;
    if !(0.0..=1.0).contains(&p) {
        return Err(BanditError::InvalidParameter {
            parameter: "p",
            value: p.to_string(),
            reason: "must be in [0, 1]",
        });
    }
    Ok(beta::quantile(state.alpha, state.beta, p))
}

/// Posterior mean, variance and equal-tailed credible interval at `level`.
///
/// # Errors
/// [`BanditError::InvalidParameter`] naming `state` (α or β not finite and
/// > 0) or `level` (not strictly between 0 and 1).
pub fn summary(state: &BetaState, level: f64) -> Result<PosteriorSummary> {
    check_state("state", state)?;
    check_probability("level", level, "must be strictly between 0 and 1")?;
    let (a, b) = (state.alpha, state.beta);
    let s = a + b;
    let tail = 0.5 * (1.0 - level);
    Ok(PosteriorSummary {
        mean: a / s,
        variance: (a / s) * (b / s) / (s + 1.0),
        level,
        lower: beta::quantile(a, b, tail),
        upper: beta::quantile(a, b, 1.0 - tail),
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
/// finite and > 0.
pub fn compare_pair(a: &BetaState, b: &BetaState) -> Result<PairComparison> {
    check_state("a", a)?;
    check_state("b", b)?;
    let (pa, pb) = ((a.alpha, a.beta), (b.alpha, b.beta));
    Ok(pair_finite_sums(pa, pb).unwrap_or_else(|| pair_integrals(pa, pb)))
}

/// P(B > A) by numerical integration.
///
/// # Errors
/// As [`compare_pair`].
pub fn prob_b_beats_a(a: &BetaState, b: &BetaState) -> Result<f64> {
    compare_pair(a, b).map(|c| c.prob_b_beats_a)
}

const GL_POINTS: usize = 20;

/// Gauss–Legendre nodes and weights on [−1, 1] (Newton on P_n, computed once).
fn gauss_legendre() -> &'static [(f64, f64); GL_POINTS] {
    static RULE: OnceLock<[(f64, f64); GL_POINTS]> = OnceLock::new();
    RULE.get_or_init(|| {
        let n = GL_POINTS;
        let mut rule = [(0.0, 0.0); GL_POINTS];
        for i in 0..n.div_ceil(2) {
            let mut z = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
            let mut pp = 1.0;
            for _ in 0..100 {
                let (mut p1, mut p2) = (1.0, 0.0);
                for j in 0..n {
                    let p3 = p2;
                    p2 = p1;
                    p1 = ((2.0 * j as f64 + 1.0) * z * p2 - j as f64 * p3) / (j as f64 + 1.0);
                }
                pp = n as f64 * (z * p1 - p2) / (z * z - 1.0);
                let dz = p1 / pp;
                z -= dz;
                if dz.abs() < 1e-16 {
                    break;
                }
            }
            let w = 2.0 / ((1.0 - z * z) * pp * pp);
            rule[i] = (-z, w);
            rule[n - 1 - i] = (z, w);
        }
        rule
    })
}

/// Largest integer α_B for which the exact finite sum is used.
const FINITE_SUM_MAX: f64 = 1_000.0;

/// `P(p_B > p_A) = Σ_{i<α_B} B(α_A+i, β_A+β_B) / ((β_B+i) B(1+i, β_B) B(α_A, β_A))`
/// for integer α_B, with the term ratio
/// `(α_A+i)(β_B+i) / ((α_A+β_A+β_B+i)(1+i))`, summed with a running scale
/// so that neither the first term's underflow nor growth overflows.
fn finite_sum(aa: f64, ba: f64, ab: f64, bb: f64) -> f64 {
    // first term: B(α_A, β_A+β_B) / (β_B B(1, β_B) B(α_A, β_A)), B(1, β_B) = 1/β_B
    let ln_first = beta::ln_beta_fn(aa, ba + bb) - beta::ln_beta_fn(aa, ba);
    let (mut term, mut sum, mut shift) = (1.0_f64, 0.0_f64, ln_first);
    let n = ab as u64;
    for i in 0..n {
        sum += term;
        let i = i as f64;
        term *= (aa + i) * (bb + i) / ((aa + ba + bb + i) * (1.0 + i));
        if term > 1e250 {
            term *= 1e-250;
            sum *= 1e-250;
            shift += 250.0 * std::f64::consts::LN_10;
        }
    }
    if sum <= 0.0 {
        return 0.0;
    }
    (sum.ln() + shift).exp().clamp(0.0, 1.0)
}

/// The exact finite sums when α_B is an integer up to [`FINITE_SUM_MAX`]:
/// `E[(p_B − p_A)⁺] = μ_B P(B⁺ > A) − μ_A P(B > A⁺)` with `X⁺ = Beta(α_X + 1, β_X)`,
/// and `E[(p_A − p_B)⁺] = E[(p_B − p_A)⁺] − (μ_B − μ_A)`.
fn pair_finite_sums(a: (f64, f64), b: (f64, f64)) -> Option<PairComparison> {
    let (aa, ba) = a;
    let (ab, bb) = b;
    if !(ab.fract() == 0.0 && ab <= FINITE_SUM_MAX) {
        return None;
    }
    let p = finite_sum(aa, ba, ab, bb);
    let mean_a = aa / (aa + ba);
    let mean_b = ab / (ab + bb);
    let loss_a =
        mean_b * finite_sum(aa, ba, ab + 1.0, bb) - mean_a * finite_sum(aa + 1.0, ba, ab, bb);
    let loss_b = loss_a - (mean_b - mean_a);
    Some(PairComparison {
        prob_b_beats_a: p,
        expected_loss_choosing_a: loss_a.clamp(0.0, 1.0),
        expected_loss_choosing_b: loss_b.clamp(0.0, 1.0),
    })
}

fn pair_integrals(a: (f64, f64), b: (f64, f64)) -> PairComparison {
    let (aa, ba) = a;
    let (ab, bb) = b;
    const EDGE: f64 = 1e-17;
    let lo = beta::quantile(ab, bb, EDGE);
    // Doubles cannot resolve 1 − x below ~1e-16: B's mass above TOP (which
    // matters when β_B < 1) is added from its survival function, with the
    // integrands taken at TOP (error ≤ that mass × (1e-12 + A's mass above TOP)).
    const TOP: f64 = 1.0 - 1e-12;
    let hi = beta::quantile(ab, bb, 1.0 - EDGE).min(TOP);
    let mut cuts: Vec<f64> = Vec::with_capacity(24);
    cuts.push(lo);
    cuts.push(hi);
    for p in [
        1e-10,
        1e-6,
        1e-3,
        0.02,
        0.1,
        0.3,
        0.5,
        0.7,
        0.9,
        0.98,
        0.999,
        0.999_999,
        0.999_999_999_9,
    ] {
        cuts.push(beta::approximate_quantile(ab, bb, p));
    }
    for p in [1e-6, 1e-3, 0.02, 0.5, 0.98, 0.999, 0.999_999] {
        cuts.push(beta::approximate_quantile(aa, ba, p));
    }
    cuts.retain(|x| x.is_finite() && *x >= lo && *x <= hi);
    cuts.sort_by(f64::total_cmp);
    cuts.dedup();
    // Near an end the density may behave like x^(α−1) or (1−x)^(β−1) with a
    // shape below 1: no panel may span more than a factor RATIO in the
    // distance to the nearer end, so that each panel's integrand is smooth.
    const RATIO: f64 = 16.0;
    let mut refined = Vec::with_capacity(cuts.len() * 2);
    for w in cuts.windows(2) {
        let (l, h) = (w[0], w[1]);
        refined.push(l);
        if l > 0.0 && l < 0.5 {
            let mut x = l * RATIO;
            while x < h.min(0.5) && refined.len() < 4_096 {
                refined.push(x);
                x *= RATIO;
            }
        }
        if h < 1.0 && h > 0.5 {
            let top = 1.0 - h;
            let mut d = (1.0 - l.max(0.5)) / RATIO;
            let mut upper = Vec::new();
            while d > top && upper.len() < 2_048 {
                upper.push(1.0 - d);
                d /= RATIO;
            }
            refined.extend(upper.into_iter().filter(|x| *x > l));
        }
    }
    if let Some(last) = cuts.last() {
        refined.push(*last);
    }
    let mut cuts = refined;
    cuts.sort_by(f64::total_cmp);
    cuts.dedup();
    let mean_a = aa / (aa + ba);
    let sa = aa + ba;
    let rule = gauss_legendre();
    let (mut p, mut loss_choosing_a, mut loss_choosing_b) = (0.0, 0.0, 0.0);
    for w in cuts.windows(2) {
        let (l, h) = (w[0], w[1]);
        let half = 0.5 * (h - l);
        let mid = 0.5 * (h + l);
        if half <= 0.0 {
            continue;
        }
        for &(z, weight) in rule {
            let x = mid + half * z;
            let fb = beta::pdf(ab, bb, x);
            if fb == 0.0 || !fb.is_finite() {
                continue;
            }
            let (fa_cdf, fa_sf) = beta::cdf_both(aa, ba, x);
            let dens_a = beta::pdf(aa, ba, x);
            let extra = if dens_a.is_finite() {
                x * (1.0 - x) * dens_a / sa
            } else {
                0.0
            };
            let wt = weight * half * fb;
            p += wt * fa_cdf;
            loss_choosing_a += wt * ((x - mean_a) * fa_cdf + extra);
            loss_choosing_b += wt * ((mean_a - x) * fa_sf + extra);
        }
    }
    let mass_above = beta::sf(ab, bb, hi);
    if mass_above > 0.0 {
        let (fa_cdf, fa_sf) = beta::cdf_both(aa, ba, hi);
        let dens_a = beta::pdf(aa, ba, hi);
        let extra = if dens_a.is_finite() {
            hi * (1.0 - hi) * dens_a / sa
        } else {
            0.0
        };
        p += mass_above * fa_cdf;
        loss_choosing_a += mass_above * ((hi - mean_a) * fa_cdf + extra);
        loss_choosing_b += mass_above * ((mean_a - hi) * fa_sf + extra);
    }
    PairComparison {
        prob_b_beats_a: p.clamp(0.0, 1.0),
        expected_loss_choosing_a: loss_choosing_a.clamp(0.0, 1.0),
        expected_loss_choosing_b: loss_choosing_b.clamp(0.0, 1.0),
    }
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
/// α or β not finite and > 0) or `draws` (0 or above [`MAX_DRAWS`]).
pub fn probability_best<R: Rng + ?Sized>(
    states: &[BetaState],
    draws: usize,
    rng: &mut R,
) -> Result<BestEstimate> {
    if states.is_empty() {
        return Err(BanditError::InvalidParameter {
            parameter: "states",
            value: "[]".to_string(),
            reason: "at least one variant is needed",
        });
    }
    if draws == 0 || draws > MAX_DRAWS {
        return Err(BanditError::InvalidParameter {
            parameter: "draws",
            value: draws.to_string(),
            reason: "must be between 1 and 100000000",
        });
    }
    let mut dists = Vec::with_capacity(states.len());
    for s in states {
        check_state("states", s)?;
        let d = Beta::new(s.alpha, s.beta).map_err(|_| BanditError::InvalidParameter {
            parameter: "states",
            value: format!("Beta({}, {})", s.alpha, s.beta),
            reason: "alpha and beta must be finite and > 0",
        })?;
        dists.push(d);
    }
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
