//! Whether a PSI is more than sampling noise: its no-drift expectation and
//! p-value at the batch's size, and the verdict over many PSIs at once.
//!
//! PSI is biased upward in small batches: two samples of one distribution
//! over B bins, n and m rows, score about (1/n + 1/m)·χ²(B − 1) (PSI is the
//! symmetrised Kullback-Leibler divergence, which to second order is
//! Pearson's χ² statistic divided by the sample size). A fixed threshold
//! therefore flags every small batch and hides nothing in a large one. Each
//! PSI here comes with that expectation and a p-value, and the level of a
//! report needs both a significant test (Holm's step-down over all the
//! report's PSIs) and a size above the conventional thresholds.

use rand::SeedableRng;
use rand_distr::{Binomial, Distribution};
use rand_pcg::Pcg64;
use serde::{Deserialize, Serialize};

use super::psi::{check_histograms, expected_psi_without_drift, psi_term};
use super::report::DriftLevel;
use crate::error::{ClusterError, Result};

/// The family-wise error rate of a report's verdict (default): a batch
/// drawn from the training distribution reads stable at least 99% of the
/// time.
pub const DEFAULT_ALPHA: f64 = 0.01;

/// The smallest expected count per bin (in both samples) at which the χ²
/// approximations are used; below it the no-drift distributions are
/// simulated.
pub const MIN_EXPECTED_COUNT: f64 = 10.0;

/// Draws of the simulated no-drift distribution (p-values resolve to
/// 1 / 4,001 ≈ 2.5e-4) …
pub const NULL_DRAWS: usize = 4_000;

/// … and when none of them reaches the batch's statistic, the draws of a
/// second, longer simulation (p-values resolve to 1.5e-5, below the
/// per-test level of a streaming alarm's Holm correction over up to 65
/// PSIs at a run length of 1,000).
pub const MAX_NULL_DRAWS: usize = 65_536;

/// A simulated p-value stops at this many draws reaching the statistic
/// (Besag and Clifford's sequential Monte Carlo test): a PSI far from
/// significant costs a few dozen draws, not thousands.
pub const STOP_AFTER: usize = 20;

/// The largest no-drift expectation of a PSI whose size is read as it is:
/// above it (batches of fewer than about 450 rows over 10 bins, 50 rows
/// over 2) sampling noise alone moves PSI by as much as the distance
/// between the thresholds 0.1 and 0.2, and a significant PSI is sized only
/// when it is at least [`SIZE_RATIO`] times its expectation; otherwise the
/// level is [`DriftLevel::Insufficient`].
pub const MAX_NOISE_PSI: f64 = 0.02;

/// How many times its no-drift expectation a PSI of a small batch must be
/// for its size to be read: about a tenth of it can then be noise (for 10
/// bins, a PSI that large without drift has a probability near 10⁻¹⁴).
pub const SIZE_RATIO: f64 = 10.0;

/// The seed of the simulated no-drift distributions: the same inputs give
/// the same p-value.
const NULL_SEED: u64 = 0x5eed_d21f_7e57;

/// How a [`PsiTest`]'s no-drift distributions were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NullMethod {
    /// PSI ≈ (1/n + 1/m)·χ²(B' − 1) and Pearson's statistic ~ χ²(B' − 1),
    /// B' the bins with a baseline share (every expected count at least
    /// [`MIN_EXPECTED_COUNT`]).
    ChiSquare,
    /// [`NULL_DRAWS`] seeded draws of both samples from the baseline shares
    /// (multinomial, n and m rows), their PSI and Pearson's statistic
    /// computed as the batch's.
    Simulation,
}

/// A PSI with what it would be without drift at this batch size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PsiTest {
    /// The population stability index of the batch against the baseline.
    pub psi: f64,
    /// Its expectation when the batch and the baseline come from one
    /// distribution: (B' − 1)(1/n + 1/m) under [`NullMethod::ChiSquare`],
    /// the mean of the draws under [`NullMethod::Simulation`].
    pub expected_psi: f64,
    /// The p-value of the no-drift hypothesis on the same bins (Pearson's
    /// two-sample χ² test of homogeneity; see [`psi_test`]).
    pub p_value: f64,
    /// How the no-drift distribution was obtained.
    pub method: NullMethod,
}

/// The PSI of a batch against a baseline, with its no-drift expectation
/// and p-value at this size.
///
/// `baseline_shares` are the baseline's bin shares (summing to 1) from
/// `baseline_rows` rows; `batch` the batch's weight in each bin (counts, or
/// decayed weights) from `batch_rows` rows (for weighted rows, their
/// effective number). The PSI is [`population_stability_index`]'s (shares
/// floored at [`PSI_EPSILON`](crate::PSI_EPSILON)).
///
/// The p-value tests the no-drift hypothesis (both samples from one
/// distribution, estimated by the pooled shares p̂ = (n·a + m·e)/(n + m))
/// with Pearson's two-sample statistic of homogeneity,
/// n·m/(n + m)·Σ (a − e)²/p̂, on the same bins. Pearson's statistic rather than PSI
/// because the χ² distribution fits its tail: measured on batches of 500
/// rows at a nominal 1% per window, the χ² tail of PSI / (1/n + 1/m)
/// raised 30% more false alarms than nominal (the logarithm makes PSI's
/// tail heavier), Pearson's kept it. The pooled shares, because a category
/// never seen in training has a small share in the population rather than
/// none: one visitor of a rare new category is not drift, a new source at
/// 10% of the batch is.
///
/// The statistic's distribution is χ²(B' − 1) (B' the bins with a pooled
/// share) when every such bin has a pooled expected count of at least
/// [`MIN_EXPECTED_COUNT`] in the smaller sample. Otherwise it is
/// simulated, on every bin (merging sparse bins would dilute a new
/// category among the rare old ones): [`NULL_DRAWS`] seeded
/// pairs of multinomial samples of sizes n and m from the pooled shares
/// (when none reaches the batch's statistic, [`MAX_NULL_DRAWS`] of them),
/// p = (1 + #{draws ≥ statistic}) / (draws + 1), never below
/// 1 / (draws + 1), or, as soon as [`STOP_AFTER`] draws have reached it
/// at draw l, p = [`STOP_AFTER`] / l (Besag and Clifford 1991; both are
/// valid p-values).
///
/// `expected_psi` is (B' − 1)(1/n + 1/m) when no bin is sparse; otherwise
/// PSI's expectation under the pooled shares summed bin by bin, exact for
/// the sparse bins (a double sum over the binomial counts of both samples:
/// the small-sample expectation the formula misses, since an empty bin's
/// share is floored at 10⁻⁴) and the first-order term (1 − p)(1/n + 1/m)
/// for the others. Either way the result depends on the inputs only (the
/// simulations are seeded).
///
/// [`population_stability_index`]: crate::population_stability_index
///
/// # Errors
///
/// [`ClusterError::LengthMismatch`] when the histograms differ in length,
/// [`ClusterError::EmptySample`], [`ClusterError::NonFiniteSample`] or
/// [`ClusterError::InvalidParameter`] for a histogram that is not a set of
/// non-negative finite weights with a positive total, or a row count of 0.
///
/// # Example
///
/// ```
/// use seg_cluster::{NullMethod, psi_test};
///
/// // Ten equal bins of a 100,000-row baseline, a 1,000-row batch.
/// let baseline = [0.1; 10];
/// let batch = [100.0, 90.0, 110.0, 95.0, 105.0, 100.0, 100.0, 98.0, 102.0, 100.0];
/// let t = psi_test(&baseline, 100_000, &batch, 1_000)?;
/// assert_eq!(t.method, NullMethod::ChiSquare);
/// assert!((t.expected_psi - 9.0 * (1.0 / 1_000.0 + 1.0 / 100_000.0)).abs() < 1e-15);
/// assert!(t.psi < t.expected_psi && t.p_value > 0.5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn psi_test(
    baseline_shares: &[f64],
    baseline_rows: usize,
    batch: &[f64],
    batch_rows: usize,
) -> Result<PsiTest> {
    let (shares_total, batch_total) = check_histograms(baseline_shares, batch)?;
    for (parameter, rows) in [("baseline_rows", baseline_rows), ("batch_rows", batch_rows)] {
        if rows == 0 {
            return Err(ClusterError::InvalidParameter {
                parameter,
                value: "0".into(),
                reason: "a test needs at least one row on each side",
            });
        }
    }
    let shares: Vec<f64> = baseline_shares.iter().map(|s| s / shares_total).collect();
    let actual: Vec<f64> = batch.iter().map(|w| w / batch_total).collect();
    Ok(test_shares(&shares, &actual, batch_rows, baseline_rows))
}

/// The test of a batch with shares `actual` (of `n` rows) against the
/// baseline's `expected` (of `m` rows).
///
/// The no-drift hypothesis is that both samples come from one
/// distribution, estimated by the pooled shares (n·a + m·e)/(n + m): a
/// category never seen in training then has a small pooled share rather
/// than none, so one visitor of a rare new category is not an alarm while
/// a new source of 10% is.
pub(crate) fn test_shares(expected: &[f64], actual: &[f64], n: usize, m: usize) -> PsiTest {
    let (nf, mf) = (n as f64, m as f64);
    let psi: f64 = expected
        .iter()
        .zip(actual)
        .map(|(&e, &a)| psi_term(e, a))
        .sum();
    let pooled: Vec<f64> = expected
        .iter()
        .zip(actual)
        .map(|(&e, &a)| (nf * a + mf * e) / (nf + mf))
        .collect();
    let small = nf.min(mf);
    let support = pooled.iter().filter(|&&p| p > 0.0).count();
    let x2 = pearson(expected, actual, nf, mf);
    if support >= 2
        && pooled
            .iter()
            .all(|&p| p == 0.0 || p * small >= MIN_EXPECTED_COUNT)
    {
        let df = (support - 1) as f64;
        return PsiTest {
            psi,
            expected_psi: expected_psi_without_drift(support, n, m),
            p_value: seg_special::chi2_sf(x2, df),
            method: NullMethod::ChiSquare,
        };
    }
    let expected_psi = expected_psi_of(&pooled, m, n);
    // Draws equal to the statistic up to rounding count as reaching it
    // (ties are common for discrete data).
    let reach = x2 - 1e-9 * x2.abs().max(1e-12);
    let p_value = match sequential_p(&pooled, m, n, reach, NULL_DRAWS) {
        // Beyond every draw: a longer simulation resolves how far
        // (P(p ≤ t) ≤ t still holds: below 2 / 4,001 only the longer
        // simulation can give such a p-value).
        None => sequential_p(&pooled, m, n, reach, MAX_NULL_DRAWS)
            .unwrap_or(1.0 / (MAX_NULL_DRAWS as f64 + 1.0)),
        Some(p) => p,
    };
    PsiTest {
        psi,
        expected_psi,
        p_value,
        method: NullMethod::Simulation,
    }
}

/// PSI's expectation when m baseline rows and n batch rows come from
/// `shares`: by linearity, the sum over bins of E[term(E/m, A/n)] for the
/// independent binomial counts E ~ B(m, p) and A ~ B(n, p) of each bin —
/// exact (a double sum over both counts' ranges, ±12 standard deviations)
/// for bins with fewer than [`MIN_EXPECTED_COUNT`] expected rows in the
/// smaller sample, the first-order term (1 − p)(1/n + 1/m) elsewhere.
fn expected_psi_of(shares: &[f64], m: usize, n: usize) -> f64 {
    let (mf, nf) = (m as f64, n as f64);
    let mut total = 0.0;
    let (mut base, mut batch) = (Vec::new(), Vec::new());
    for &p in shares.iter().filter(|&&p| p > 0.0) {
        if p * mf.min(nf) >= MIN_EXPECTED_COUNT {
            total += (1.0 - p) * (1.0 / nf + 1.0 / mf);
            continue;
        }
        binomial_pmf(m as u64, p, &mut base);
        binomial_pmf(n as u64, p, &mut batch);
        for &(k, pk) in &base {
            for &(l, pl) in &batch {
                total += pk * pl * psi_term(k as f64 / mf, l as f64 / nf);
            }
        }
    }
    total
}

/// The binomial(n, p) probabilities within 12 standard deviations (plus 5)
/// of the mean, as (count, probability), into `out`.
fn binomial_pmf(n: u64, p: f64, out: &mut Vec<(u64, f64)>) {
    out.clear();
    if p >= 1.0 {
        out.push((n, 1.0));
        return;
    }
    let (nf, q) = (n as f64, 1.0 - p);
    let mean = nf * p;
    let spread = 12.0 * (mean * q).sqrt() + 5.0;
    let lo = (mean - spread).floor().max(0.0) as u64;
    let hi = ((mean + spread).ceil() as u64).min(n);
    let mode = (((nf + 1.0) * p).floor() as u64).clamp(lo, hi);
    let k = mode as f64;
    let ln_choose = -(nf + 1.0).ln() - seg_special::ln_beta(nf - k + 1.0, k + 1.0);
    let at_mode = (ln_choose + k * p.ln() + (nf - k) * q.ln()).exp();
    let ratio = p / q;
    let mut pk = at_mode;
    for j in mode..hi {
        pk *= (nf - j as f64) / (j as f64 + 1.0) * ratio;
        out.push((j + 1, pk));
    }
    pk = at_mode;
    out.push((mode, at_mode));
    for j in (lo + 1..=mode).rev() {
        pk *= j as f64 / (nf - j as f64 + 1.0) / ratio;
        out.push((j - 1, pk));
    }
}

/// Besag and Clifford's (1991) sequential Monte Carlo p-value of Pearson's
/// statistic `reach` over at most `draws` simulated pairs: h/l when the
/// h-th draw reaching it ([`STOP_AFTER`]) comes at draw l, else
/// (1 + g)/(draws + 1) for g draws reaching it; `None` when none does.
fn sequential_p(shares: &[f64], m: usize, n: usize, reach: f64, draws: usize) -> Option<f64> {
    let mut at_least = 0usize;
    let done = simulate(shares, m, n, draws, |_, x| {
        at_least += usize::from(x >= reach);
        at_least < STOP_AFTER
    });
    match at_least {
        0 => None,
        h if h >= STOP_AFTER => Some(h as f64 / done as f64),
        g => Some((1.0 + g as f64) / (draws as f64 + 1.0)),
    }
}

/// Pearson's two-sample statistic of homogeneity on shares `e` (of `m`
/// rows) and `a` (of `n` rows): n·m/(n + m) · Σ (a − e)² / p̂ with p̂ the
/// pooled share, over the bins where p̂ > 0.
fn pearson(e: &[f64], a: &[f64], n: f64, m: f64) -> f64 {
    let sum: f64 = e
        .iter()
        .zip(a)
        .map(|(&e, &a)| {
            let pooled = (n * a + m * e) / (n + m);
            if pooled > 0.0 {
                (a - e) * (a - e) / pooled
            } else {
                0.0
            }
        })
        .sum();
    n * m / (n + m) * sum
}

/// `draws` seeded pairs of multinomial samples (m baseline rows, n batch
/// rows) from `shares`, each given to `each` as (PSI, Pearson's statistic).
/// Stops early when `each` returns false; returns the draws made.
fn simulate(
    shares: &[f64],
    m: usize,
    n: usize,
    draws: usize,
    mut each: impl FnMut(f64, f64) -> bool,
) -> usize {
    let (mf, nf) = (m as f64, n as f64);
    let mut rng = Pcg64::seed_from_u64(NULL_SEED);
    let k = shares.len();
    let (mut base, mut batch) = (vec![0u64; k], vec![0u64; k]);
    let (mut e, mut a) = (vec![0.0; k], vec![0.0; k]);
    for done in 1..=draws {
        multinomial(&mut rng, m as u64, shares, &mut base);
        multinomial(&mut rng, n as u64, shares, &mut batch);
        for i in 0..k {
            e[i] = base[i] as f64 / mf;
            a[i] = batch[i] as f64 / nf;
        }
        let psi = e.iter().zip(&a).map(|(&e, &a)| psi_term(e, a)).sum::<f64>();
        if !each(psi, pearson(&e, &a, nf, mf)) {
            return done;
        }
    }
    draws
}

/// A multinomial draw of `n` over `shares` into `out`, by conditional
/// binomials.
fn multinomial(rng: &mut Pcg64, n: u64, shares: &[f64], out: &mut [u64]) {
    let (mut left, mut mass) = (n, 1.0f64);
    for (o, &s) in out.iter_mut().zip(shares) {
        let k = if left == 0 || s <= 0.0 {
            0
        } else if s >= mass {
            left
        } else {
            Binomial::new(left, (s / mass).clamp(0.0, 1.0))
                .map(|b| b.sample(rng))
                .unwrap_or(0)
        };
        *o = k;
        left -= k.min(left);
        mass -= s;
    }
}

/// The verdict over a report's PSIs: which are significant after Holm's
/// step-down correction at family-wise error rate `alpha`, and the level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Holm-adjusted p-values, in the order of the tests.
    pub adjusted_p_values: Vec<f64>,
    /// Whether each test is significant (adjusted p-value ≤ `alpha`).
    pub significant: Vec<bool>,
    /// The level (see [`verdict`]).
    pub level: DriftLevel,
}

/// The level of a set of PSI tests, with the family-wise error rate kept
/// at `alpha` across all of them (Holm's step-down correction, valid under
/// any dependence between the tests).
///
/// - No significant test: [`DriftLevel::Stable`]. Without drift this is
///   the verdict with probability at least 1 − `alpha`, at every batch size
///   (measured in `tests/drift_levels.rs`: 98–100% at 30 to 1,000,000
///   rows for `alpha` = 0.01).
/// - Otherwise the largest PSI among the significant tests that can be
///   sized (no-drift expectation at most [`MAX_NOISE_PSI`], or a PSI at
///   least [`SIZE_RATIO`] times it) sets the level by
///   the conventional thresholds ([`DriftLevel::from_score`]: stable below
///   0.1, so a real but negligible shift in a huge batch stays stable;
///   moderate to 0.2; significant above).
/// - Significant tests that cannot be sized and no sized test above 0.1:
///   [`DriftLevel::Insufficient`].
///
/// # Errors
///
/// [`ClusterError::InvalidParameter`] naming `alpha` outside (0, 1) or a
/// p-value outside [0, 1].
///
/// # Example
///
/// ```
/// use seg_cluster::{DriftLevel, NullMethod, PsiTest, verdict};
///
/// let t = |psi, expected_psi, p_value| PsiTest { psi, expected_psi, p_value, method: NullMethod::ChiSquare };
/// // A large, clear shift in one of three features.
/// let v = verdict(&[t(0.35, 0.01, 1e-9), t(0.01, 0.01, 0.4), t(0.02, 0.01, 0.2)], 0.05)?;
/// assert_eq!((v.level, v.significant.clone()), (DriftLevel::Significant, vec![true, false, false]));
/// // The same PSI with nothing significant after the correction.
/// assert_eq!(verdict(&[t(0.35, 0.3, 0.03), t(0.3, 0.3, 0.2)], 0.05)?.level, DriftLevel::Stable);
/// // Significant, but at a size where noise alone reaches 0.3.
/// assert_eq!(verdict(&[t(0.9, 0.3, 1e-4)], 0.05)?.level, DriftLevel::Insufficient);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verdict(tests: &[PsiTest], alpha: f64) -> Result<Verdict> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(ClusterError::InvalidParameter {
            parameter: "alpha",
            value: alpha.to_string(),
            reason: "must be in (0, 1)",
        });
    }
    if tests.is_empty() {
        return Ok(Verdict {
            adjusted_p_values: Vec::new(),
            significant: Vec::new(),
            level: DriftLevel::Stable,
        });
    }
    let p: Vec<f64> = tests.iter().map(|t| t.p_value).collect();
    let adjusted = seg_power::Correction::Holm.adjust(&p, alpha).map_err(|e| {
        ClusterError::InvalidParameter {
            parameter: "p_value",
            value: e.to_string(),
            reason: "p-values must be in [0, 1]",
        }
    })?;
    let mut sized = f64::NEG_INFINITY;
    let mut unsized_ = false;
    for (t, &s) in tests.iter().zip(&adjusted.reject) {
        if !s {
            continue;
        }
        if t.expected_psi <= MAX_NOISE_PSI || t.psi >= SIZE_RATIO * t.expected_psi {
            sized = sized.max(t.psi);
        } else {
            unsized_ = true;
        }
    }
    let level = if sized >= 0.1 || (sized.is_finite() && !unsized_) {
        DriftLevel::from_score(sized)
    } else if unsized_ {
        DriftLevel::Insufficient
    } else {
        DriftLevel::Stable
    };
    Ok(Verdict {
        adjusted_p_values: adjusted.adjusted,
        significant: adjusted.reject,
        level,
    })
}
