//! The estimators' arithmetic, from the cells to the report (the formulas
//! are on [`crate::AdaptiveEstimator`]).

use std::collections::BTreeMap;

use super::cells::{Cell, SegmentCells};
use super::report::{
    AdaptiveEstimate, AdaptiveEstimates, AdaptiveLift, AdaptiveReport, AdaptiveSegment,
    LiftEstimates, VariantEstimates,
};

/// The value and variance of one estimate of a mean.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Moments {
    value: f64,
    variance: f64,
}

/// Count, Σ reward and Σ reward² of one variant's units.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Sums {
    count: u64,
    sum: f64,
    sum_squares: f64,
}

impl Sums {
    /// The sample variance (n − 1) of the rewards; needs `count ≥ 2`.
    fn sample_variance(self) -> f64 {
        let n = self.count as f64;
        (self.sum_squares - self.sum * (self.sum / n)).max(0.0) / (n - 1.0)
    }

    /// The mean and the variance of the mean.
    fn moments(self) -> Moments {
        let n = self.count as f64;
        Moments {
            value: self.sum / n,
            variance: self.sample_variance() / n,
        }
    }
}

/// The per-variant moments of one segment, or of all segments pooled.
#[derive(Debug, Clone, Default, PartialEq)]
struct StratumMoments {
    units: u64,
    naive: Vec<Sums>,
    period_weighted: Vec<Moments>,
    dropped: Vec<f64>,
    ipw: Vec<Moments>,
    /// The covariance of each variant's IPW mean with the control's (the
    /// control's own entry is unused).
    ipw_covariance: Vec<f64>,
}

/// The moments of one segment; every variant has at least 2 units there.
fn segment_moments(cells: &SegmentCells, n_variants: usize) -> StratumMoments {
    let totals: Vec<f64> = cells
        .periods
        .values()
        .map(|c| c.iter().map(|x| x.count).sum::<u64>() as f64)
        .collect();
    let profile = period_profile(cells);
    let units = cells.units as f64;
    let mut m = StratumMoments {
        units: cells.units,
        ..StratumMoments::default()
    };
    for v in 0..n_variants {
        let mut naive = Sums::default();
        let (mut ipw_sum, mut ipw_sum_squares) = (0.0, 0.0);
        for c in cells.periods.values().filter_map(|c| c.get(v)) {
            naive.count += c.count;
            naive.sum += c.sum;
            naive.sum_squares += c.sum_squares;
            ipw_sum += c.weighted_sum;
            ipw_sum_squares += c.weighted_sum_squares;
        }
        let (period_weighted, dropped) =
            period_weighted(cells, &totals, profile.as_deref(), v, naive);
        let ipw_mean = ipw_sum / units;
        m.naive.push(naive);
        m.period_weighted.push(period_weighted);
        m.dropped.push(dropped);
        m.ipw.push(Moments {
            value: ipw_mean,
            variance: (ipw_sum_squares - ipw_sum * ipw_mean).max(0.0) / (units - 1.0) / units,
        });
    }
    // The per-unit terms of two variants are never both non-zero, so their
    // sample covariance is −N·m_c·m_v/(N − 1), and that of the means −m_c·m_v/(N − 1).
    let control = m.ipw.first().map_or(0.0, |c| c.value);
    m.ipw_covariance = m
        .ipw
        .iter()
        .map(|t| -control * t.value / (units - 1.0))
        .collect();
    m
}

/// The within-cell sum of squares `Σ (r − ȳ)²` of a cell and its degrees of
/// freedom `n − 1` (0 and 0 for an empty cell).
fn within(c: &Cell) -> (f64, f64) {
    if c.count == 0 {
        return (0.0, 0.0);
    }
    let n = c.count as f64;
    ((c.sum_squares - c.sum * (c.sum / n)).max(0.0), n - 1.0)
}

/// The variance profile of the periods: each period's within-variant
/// variance of all its units, `τ_t = Σ_v Σ_i (r_i − ȳ_tv)² / Σ_v (n_tv − 1)`
/// (stable: every unit of the period counts). A period without degrees of
/// freedom gets the pooled profile of all periods; `None` when no period
/// has any (every cell a single unit).
fn period_profile(cells: &SegmentCells) -> Option<Vec<f64>> {
    let per_period: Vec<(f64, f64)> = cells
        .periods
        .values()
        .map(|cs| {
            cs.iter()
                .map(within)
                .fold((0.0, 0.0), |(s, d), (ws, wd)| (s + ws, d + wd))
        })
        .collect();
    let (all_squares, all_df) = per_period
        .iter()
        .fold((0.0, 0.0), |(s, d), &(ws, wd)| (s + ws, d + wd));
    if all_df < 1.0 {
        return None;
    }
    let pooled = all_squares / all_df;
    Some(
        per_period
            .iter()
            .map(|&(squares, df)| if df >= 1.0 { squares / df } else { pooled })
            .collect(),
    )
}

/// The period-weighted mean of variant `v` and the traffic share of the
/// periods dropped for it (no unit of `v`); `totals` are the periods' units,
/// `profile` their variance profile.
///
/// The variance of `v` in period `t` is modelled as `λ_v·τ_t`: the periods'
/// profile (a weekend or a campaign that changes every variant's variance)
/// times the variant's level, `λ_v = Σ_t Σ_i (r_i − ȳ_tv)² / Σ_t (n_tv − 1)·τ_t`,
/// estimated from all its units at once (a period's own variance would be
/// unstable with few events).
fn period_weighted(
    cells: &SegmentCells,
    totals: &[f64],
    profile: Option<&[f64]>,
    v: usize,
    naive: Sums,
) -> (Moments, f64) {
    // kept: Σ N_t; weighted: Σ N_t ȳ_tv; inverse: Σ N_t² τ_t / n_tv and
    // flat: Σ N_t² / n_tv; squares: Σ_t Σ_i (r_i − ȳ_tv)²; expected:
    // Σ_t (n_tv − 1)·τ_t, over the periods kept.
    let (mut kept, mut weighted, mut inverse, mut flat, mut squares, mut expected) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for (t, (period_cells, &n_t)) in cells.periods.values().zip(totals).enumerate() {
        let Some(c) = period_cells.get(v).filter(|c| c.count > 0) else {
            continue;
        };
        let n = c.count as f64;
        let tau = profile.and_then(|p| p.get(t)).copied().unwrap_or(1.0);
        let (cell_squares, cell_df) = within(c);
        kept += n_t;
        weighted += n_t * (c.sum / n);
        inverse += n_t * n_t * tau / n;
        flat += n_t * n_t / n;
        squares += cell_squares;
        expected += cell_df * tau;
    }
    let variance = if expected > 0.0 {
        squares / expected * inverse
    } else {
        // No within-period variance to scale (a single unit in each of the
        // variant's periods, or none varied): the variance of all the
        // variant's rewards stands in for every period (count ≥ 2).
        naive.sample_variance() * flat
    };
    let moments = Moments {
        value: weighted / kept,
        variance: variance / (kept * kept),
    };
    (moments, 1.0 - kept / cells.units as f64)
}

/// All segments pooled: the naive sums add up; the other estimates are
/// weighted by the segments' traffic shares `w_s` (variances by `w_s²`).
fn pooled(segments: &[StratumMoments], n_variants: usize) -> StratumMoments {
    let units: u64 = segments.iter().map(|m| m.units).sum();
    let total = units as f64;
    let mut p = StratumMoments {
        units,
        naive: vec![Sums::default(); n_variants],
        period_weighted: vec![Moments::default(); n_variants],
        dropped: vec![0.0; n_variants],
        ipw: vec![Moments::default(); n_variants],
        ipw_covariance: vec![0.0; n_variants],
    };
    for m in segments {
        let w = m.units as f64 / total;
        for v in 0..n_variants {
            if let (Some(pn), Some(sn)) = (p.naive.get_mut(v), m.naive.get(v)) {
                pn.count += sn.count;
                pn.sum += sn.sum;
                pn.sum_squares += sn.sum_squares;
            }
            for (pooled, segment) in [
                (&mut p.period_weighted, &m.period_weighted),
                (&mut p.ipw, &m.ipw),
            ] {
                if let (Some(pm), Some(sm)) = (pooled.get_mut(v), segment.get(v)) {
                    pm.value += w * sm.value;
                    pm.variance += w * w * sm.variance;
                }
            }
            if let (Some(pd), Some(sd)) = (p.dropped.get_mut(v), m.dropped.get(v)) {
                *pd += w * sd;
            }
            if let (Some(pc), Some(sc)) = (p.ipw_covariance.get_mut(v), m.ipw_covariance.get(v)) {
                *pc += w * w * sc;
            }
        }
    }
    p
}

/// The lift of `treatment` over `control`, with their covariance.
fn lift(control: Moments, treatment: Moments, covariance: f64, z: f64) -> AdaptiveLift {
    let difference = AdaptiveEstimate::new(
        treatment.value - control.value,
        2.0f64.mul_add(-covariance, treatment.variance + control.variance),
        z,
    );
    let (c, t) = (control.value, treatment.value);
    let ratio = t / c;
    // Delta method: (var_t − 2·r·cov + r²·var_c) / c².
    let relative = (c > 0.0 && ratio.is_finite()).then(|| {
        let variance = (ratio * ratio).mul_add(
            control.variance,
            (2.0 * ratio).mul_add(-covariance, treatment.variance),
        ) / (c * c);
        AdaptiveEstimate::new(ratio - 1.0, variance, z)
    });
    AdaptiveLift {
        difference,
        relative,
    }
}

/// The report's estimates from the moments.
fn estimates(m: &StratumMoments, variants: &[String], z: f64) -> AdaptiveEstimates {
    let variant_estimates: Vec<VariantEstimates> = variants
        .iter()
        .enumerate()
        .map(|(v, name)| {
            let naive = m.naive.get(v).copied().unwrap_or_default();
            let pw = m.period_weighted.get(v).copied().unwrap_or_default();
            let ipw = m.ipw.get(v).copied().unwrap_or_default();
            let naive_moments = naive.moments();
            VariantEstimates {
                variant: name.clone(),
                units: naive.count,
                naive: AdaptiveEstimate::new(naive_moments.value, naive_moments.variance, z),
                period_weighted: AdaptiveEstimate::new(pw.value, pw.variance, z),
                ipw: AdaptiveEstimate::new(ipw.value, ipw.variance, z),
                dropped_traffic_share: m.dropped.get(v).copied().unwrap_or_default(),
            }
        })
        .collect();
    let control_name = variants.first().cloned().unwrap_or_default();
    let at = |x: &[Moments], v: usize| x.get(v).copied().unwrap_or_default();
    let naive: Vec<Moments> = m.naive.iter().map(|s| s.moments()).collect();
    let lifts = variants
        .iter()
        .enumerate()
        .skip(1)
        .map(|(v, name)| LiftEstimates {
            control: control_name.clone(),
            treatment: name.clone(),
            naive: lift(at(&naive, 0), at(&naive, v), 0.0, z),
            period_weighted: lift(at(&m.period_weighted, 0), at(&m.period_weighted, v), 0.0, z),
            ipw: lift(
                at(&m.ipw, 0),
                at(&m.ipw, v),
                m.ipw_covariance.get(v).copied().unwrap_or_default(),
                z,
            ),
        })
        .collect();
    AdaptiveEstimates {
        units: m.units,
        variants: variant_estimates,
        lifts,
    }
}

/// The report; the caller has checked `alpha` and that every variant has
/// at least 2 units in every segment.
pub(super) fn report(
    variants: &[String],
    segments: &BTreeMap<String, SegmentCells>,
    alpha: f64,
) -> AdaptiveReport {
    let z = seg_special::norm_isf(alpha / 2.0);
    let moments: Vec<StratumMoments> = segments
        .values()
        .map(|c| segment_moments(c, variants.len()))
        .collect();
    let all = pooled(&moments, variants.len());
    let total = all.units as f64;
    let segment_reports = segments
        .iter()
        .zip(&moments)
        .map(|((segment, cells), m)| AdaptiveSegment {
            segment: segment.clone(),
            traffic_share: m.units as f64 / total,
            periods: cells.periods.len(),
            cells_with_varying_propensity: cells
                .periods
                .values()
                .flatten()
                .filter(|c| c.propensity_varies())
                .count(),
            estimates: estimates(m, variants, z),
        })
        .collect();
    AdaptiveReport {
        alpha,
        control: variants.first().cloned().unwrap_or_default(),
        segments: segment_reports,
        pooled: estimates(&all, variants, z),
    }
}
