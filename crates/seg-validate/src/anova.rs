//! Segment usefulness against a numeric outcome: per-segment means with t
//! intervals, the one-way analysis of variance of outcome by segment and
//! η².

use seg_special::Beta;
use serde::{Deserialize, Serialize};

use crate::error::{Result, ValidateError};
use crate::labels::densify;

/// The outcome mean of one segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentMean {
    /// The segment's label id.
    pub label: usize,
    /// Rows in the segment.
    pub n: usize,
    /// The mean outcome of the segment.
    pub mean: f64,
    /// The sample standard deviation (divisor `n − 1`); NaN when `n = 1`.
    pub std_dev: f64,
    /// Lower end of the Student t interval; NaN when `n = 1`.
    pub ci_low: f64,
    /// Upper end of the Student t interval; NaN when `n = 1`.
    pub ci_high: f64,
}

/// How strongly segments separate a numeric outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentMeans {
    /// One entry per segment, by ascending label id.
    pub segments: Vec<SegmentMean>,
    /// The overall mean outcome.
    pub overall_mean: f64,
    /// The one-way ANOVA statistic, between-segment mean square over
    /// within-segment mean square (infinite when every segment is
    /// constant but the segments differ).
    pub anova_f: f64,
    /// Degrees of freedom between segments, segments − 1.
    pub df_between: usize,
    /// Degrees of freedom within segments, rows − segments.
    pub df_within: usize,
    /// Upper-tail p-value of `anova_f` under the F(df_between, df_within)
    /// distribution.
    pub p_value: f64,
    /// η², the share of the outcome's sum of squares that lies between
    /// segments, in [0, 1].
    pub eta_squared: f64,
}

/// Per-segment outcome means with Student t intervals at `confidence`, the
/// one-way analysis of variance of outcome by segment, its p-value and η².
///
/// The numeric counterpart of [`segment_outcomes`](crate::segment_outcomes)
/// (a binary outcome): whether segments differ in revenue, basket size or
/// time on site. Equal to scipy's `stats.f_oneway` and `stats.t.interval`.
///
/// # Formula
///
/// ```text
/// segment g: n_g rows, mean m_g, s_g² = Σ (y − m_g)² / (n_g − 1)
/// interval:  m_g ± t(1 − α/2, n_g − 1) · s_g / √n_g,   α = 1 − confidence
/// SSB = Σ_g n_g (m_g − m)²,   SSW = Σ_g Σ (y − m_g)²,   SST = SSB + SSW
/// F   = (SSB / (k − 1)) / (SSW / (n − k)),   p = P[F(k − 1, n − k) > F]
/// η²  = SSB / SST
/// ```
///
/// # Errors
///
/// [`ValidateError::LengthMismatch`] unless there is one outcome per label,
/// [`ValidateError::EmptyInput`] for no labels,
/// [`ValidateError::NonFinite`] for a NaN or infinite outcome (its row,
/// column 0),
/// [`ValidateError::InvalidClusterCount`] for fewer than 2 segments or no
/// more rows than segments (no within-segment degree of freedom),
/// [`ValidateError::InvalidParameter`] for a confidence outside (0, 1), an
/// outcome that never varies, or one so large (about 1e150) that its sums
/// of squares overflow.
///
/// # Example
///
/// ```
/// use seg_validate::segment_means;
///
/// let labels = [0, 0, 0, 1, 1, 1];
/// let revenue = [1.0, 2.0, 3.0, 5.0, 6.0, 7.0];
/// let report = segment_means(&labels, &revenue, 0.95)?;
/// assert_eq!(report.segments[1].mean, 6.0);
/// // SSB = 3·4 + 3·4 = 24 on 1 df, SSW = 2 + 2 = 4 on 4 df.
/// assert!((report.anova_f - 24.0).abs() < 1e-12);
/// assert!((report.eta_squared - 24.0 / 28.0).abs() < 1e-12);
/// // t(0.975, 2) = 4.302652729749462 (scipy): 2 ± 4.3027 / √3
/// assert!((report.segments[0].ci_high - 4.484_137_711_750_33).abs() < 1e-12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # References
///
/// Fisher, R. A. (1925). *Statistical Methods for Research Workers*,
/// chapter VII. Student (1908). The probable error of a mean.
/// *Biometrika* 6, 1–25.
pub fn segment_means(labels: &[usize], outcomes: &[f64], confidence: f64) -> Result<SegmentMeans> {
    if labels.len() != outcomes.len() {
        return Err(ValidateError::LengthMismatch {
            parameter: "outcomes",
            expected: labels.len(),
            got: outcomes.len(),
            one_per: "label",
        });
    }
    if labels.is_empty() {
        return Err(ValidateError::EmptyInput { rows: 0, cols: 0 });
    }
    if let Some((row, &value)) = outcomes.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(ValidateError::NonFinite {
            row,
            column: 0,
            value,
        });
    }
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(ValidateError::InvalidParameter {
            parameter: "confidence",
            value: confidence.to_string(),
            reason: "must be in (0, 1)",
        });
    }
    let dense = densify(labels);
    let k = dense.k();
    if k < 2 || labels.len() <= k {
        return Err(ValidateError::InvalidClusterCount {
            k,
            min: 2,
            max: labels.len().saturating_sub(1),
        });
    }
    let n = labels.len() as f64;
    let mut sums = vec![0.0; k];
    for (&c, &y) in dense.labels.iter().zip(outcomes) {
        sums[c] += y;
    }
    let means: Vec<f64> = sums
        .iter()
        .zip(&dense.sizes)
        .map(|(&s, &m)| s / m as f64)
        .collect();
    let mut within = vec![0.0; k];
    for (&c, &y) in dense.labels.iter().zip(outcomes) {
        within[c] += (y - means[c]) * (y - means[c]);
    }
    let overall_mean = outcomes.iter().sum::<f64>() / n;
    let ssb: f64 = means
        .iter()
        .zip(&dense.sizes)
        .map(|(&m, &size)| size as f64 * (m - overall_mean) * (m - overall_mean))
        .sum();
    let ssw: f64 = within.iter().sum();
    let sst = ssb + ssw;
    if !sst.is_finite() {
        return Err(ValidateError::InvalidParameter {
            parameter: "outcomes",
            value: format!("a sum of squares of {sst}"),
            reason: "the outcome is too large for its sums of squares: rescale it",
        });
    }
    if sst == 0.0 {
        return Err(ValidateError::InvalidParameter {
            parameter: "outcomes",
            value: format!("{overall_mean} in every row"),
            reason: "the outcome must vary for an analysis of variance",
        });
    }
    let df_between = k - 1;
    let df_within = labels.len() - k;
    let anova_f = if ssw == 0.0 {
        f64::INFINITY
    } else {
        (ssb / df_between as f64) / (ssw / df_within as f64)
    };
    let segments = dense
        .ids
        .iter()
        .zip(&dense.sizes)
        .zip(means.iter().zip(&within))
        .map(|((&label, &size), (&mean, &ss))| {
            let (std_dev, ci_low, ci_high) = if size < 2 {
                (f64::NAN, f64::NAN, f64::NAN)
            } else {
                let s = (ss / (size - 1) as f64).sqrt();
                let half =
                    t_quantile(1.0 - confidence, (size - 1) as f64) * s / (size as f64).sqrt();
                (s, mean - half, mean + half)
            };
            SegmentMean {
                label,
                n: size,
                mean,
                std_dev,
                ci_low,
                ci_high,
            }
        })
        .collect();
    Ok(SegmentMeans {
        segments,
        overall_mean,
        anova_f,
        df_between,
        df_within,
        p_value: f_sf(anova_f, df_between as f64, df_within as f64),
        eta_squared: (ssb / sst).clamp(0.0, 1.0),
    })
}

/// The two-sided Student t quantile: the `t > 0` with `P[|T| > t] =
/// alpha` for `df` degrees of freedom, from the Beta distribution of
/// `Y = T² / (df + T²)`, Beta(½, df/2), or of `1 − Y`, Beta(df/2, ½),
/// whichever is below ½ (so that the ratio keeps its relative precision).
fn t_quantile(alpha: f64, df: f64) -> f64 {
    let y = Beta::new(0.5, 0.5 * df).and_then(|b| b.quantile(1.0 - alpha));
    match y {
        Ok(y) if y <= 0.5 => (df * y / (1.0 - y)).sqrt(),
        _ => {
            let x = Beta::new(0.5 * df, 0.5).and_then(|b| b.quantile(alpha));
            x.map_or(f64::NAN, |x| (df * (1.0 - x) / x).sqrt())
        }
    }
}

/// The upper tail of the F(`d1`, `d2`) distribution at `f ≥ 0`:
/// `I_{d2/(d2 + d1 f)}(d2/2, d1/2)`, taken as the lower tail of
/// Beta(d2/2, d1/2) or the upper tail of Beta(d1/2, d2/2), whichever has
/// the argument below ½.
fn f_sf(f: f64, d1: f64, d2: f64) -> f64 {
    if f.is_nan() {
        return f64::NAN;
    }
    if f <= 0.0 {
        return 1.0;
    }
    if f == f64::INFINITY {
        return 0.0;
    }
    let (u, w) = (d1 * f, d2);
    let tail = if u > w {
        Beta::new(0.5 * d2, 0.5 * d1).map(|b| b.cdf(w / (u + w)))
    } else {
        Beta::new(0.5 * d1, 0.5 * d2).map(|b| b.sf(u / (u + w)))
    };
    tail.unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantile_matches_closed_forms() {
        // One degree of freedom: Cauchy, t = tan(π (1 − α) / 2).
        let t = t_quantile(0.05, 1.0);
        let want = (std::f64::consts::PI * 0.475).tan();
        assert!((t - want).abs() < 1e-12 * want, "{t} vs {want}");
        // Two degrees of freedom: t = sqrt(2 / (α (2 − α)) − 2).
        let alpha: f64 = 0.05;
        let want = (2.0 / (alpha * (2.0 - alpha)) - 2.0).sqrt();
        assert!((t_quantile(alpha, 2.0) - want).abs() < 1e-12 * want);
        // Large df: close to the normal quantile 1.959963984540054.
        assert!((t_quantile(0.05, 1e9) - 1.959_963_984_540_054).abs() < 1e-8);
    }

    #[test]
    fn f_tail_matches_closed_forms() {
        // F(2, d2): P[F > f] = (1 + 2 f / d2)^(−d2/2).
        for (f, d2) in [(0.3_f64, 5.0_f64), (4.0, 10.0), (50.0, 7.0)] {
            let want = (1.0 + 2.0 * f / d2).powf(-0.5 * d2);
            let got = f_sf(f, 2.0, d2);
            assert!(
                (got - want).abs() < 1e-13 * want,
                "{f} {d2}: {got} vs {want}"
            );
        }
        assert_eq!(f_sf(0.0, 3.0, 4.0), 1.0);
        assert_eq!(f_sf(f64::INFINITY, 3.0, 4.0), 0.0);
    }

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<SegmentMean>();
        check::<SegmentMeans>();
    }

    #[test]
    fn outcomes_whose_squares_overflow_are_refused() {
        let err = segment_means(&[0, 0, 1, 1], &[1e200, -1e200, 3e200, 1e200], 0.95);
        assert!(matches!(
            err,
            Err(ValidateError::InvalidParameter {
                parameter: "outcomes",
                ..
            })
        ));
    }

    #[test]
    fn constant_segments_that_differ_have_infinite_f_and_zero_p() {
        let report = segment_means(&[0, 0, 1, 1], &[1.0, 1.0, 2.0, 2.0], 0.95).unwrap();
        assert_eq!(report.anova_f, f64::INFINITY);
        assert_eq!(report.p_value, 0.0);
        assert_eq!(report.eta_squared, 1.0);
        assert_eq!(report.segments[0].ci_low, 1.0);
    }
}
