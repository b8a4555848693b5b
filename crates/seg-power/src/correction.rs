//! Multiple-testing corrections with statsmodels `multipletests` semantics.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{PowerError, Result, probability};

/// A multiple-testing correction, as in statsmodels `multipletests`.
///
/// Family-wise error rate (FWER): [`Bonferroni`](Self::Bonferroni),
/// [`Sidak`](Self::Sidak), [`Holm`](Self::Holm),
/// [`HolmSidak`](Self::HolmSidak), [`Hochberg`](Self::Hochberg),
/// [`Hommel`](Self::Hommel). False discovery rate (FDR):
/// [`FdrBh`](Self::FdrBh), [`FdrBy`](Self::FdrBy).
///
/// Parse from statsmodels' names with [`str::parse`]: `bonferroni`,
/// `sidak`, `holm`, `holm-sidak`, `hochberg` (or `simes-hochberg`),
/// `hommel`, `fdr_bh`, `fdr_by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Correction {
    /// m·p.
    #[serde(rename = "bonferroni")]
    Bonferroni,
    /// 1 − (1 − p)^m.
    #[serde(rename = "sidak")]
    Sidak,
    /// Step-down Bonferroni (Holm 1979).
    #[serde(rename = "holm")]
    Holm,
    /// Step-down Šidák.
    #[serde(rename = "holm-sidak")]
    HolmSidak,
    /// Step-up (Simes-)Hochberg (1988).
    #[serde(rename = "hochberg")]
    Hochberg,
    /// Hommel (1988).
    #[serde(rename = "hommel")]
    Hommel,
    /// Benjamini-Hochberg (1995) FDR.
    #[serde(rename = "fdr_bh")]
    FdrBh,
    /// Benjamini-Yekutieli (2001) FDR under arbitrary dependence.
    #[serde(rename = "fdr_by")]
    FdrBy,
}

/// Adjusted p-values and rejection decisions, in input order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adjusted {
    /// The adjusted p-values, each in [0, 1].
    pub adjusted: Vec<f64>,
    /// `adjusted[i] <= alpha`.
    pub reject: Vec<bool>,
    /// The correction used.
    pub correction: Correction,
    /// The family level α.
    pub alpha: f64,
}

impl Correction {
    /// All corrections, in statsmodels' documentation order.
    pub const ALL: [Correction; 8] = [
        Correction::Bonferroni,
        Correction::Sidak,
        Correction::Holm,
        Correction::HolmSidak,
        Correction::Hochberg,
        Correction::Hommel,
        Correction::FdrBh,
        Correction::FdrBy,
    ];

    /// The statsmodels name (`hochberg` for statsmodels' `simes-hochberg`).
    ///
    /// # Example
    /// ```
    /// use seg_power::Correction;
    /// assert_eq!(Correction::Holm.name(), "holm");
    /// assert_eq!(Correction::FdrBh.name(), "fdr_bh");
    /// assert_eq!(Correction::ALL.map(Correction::name).len(), 8);
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Correction::Bonferroni => "bonferroni",
            Correction::Sidak => "sidak",
            Correction::Holm => "holm",
            Correction::HolmSidak => "holm-sidak",
            Correction::Hochberg => "hochberg",
            Correction::Hommel => "hommel",
            Correction::FdrBh => "fdr_bh",
            Correction::FdrBy => "fdr_by",
        }
    }

    /// The α to plan each of `m` comparisons with, so that the family is
    /// controlled at `alpha`.
    ///
    /// For the single-step methods this is their threshold. For the
    /// step-wise methods the threshold depends on the rank of the p-value;
    /// planning uses the most conservative one, the first step — the one
    /// the smallest p-value faces: α/m for Holm, Hochberg, Hommel and
    /// Benjamini-Hochberg, Šidák's 1 − (1 − α)^(1/m) for Holm-Šidák, and
    /// α/(m·H_m) with H_m = Σ 1/k for Benjamini-Yekutieli. A sample size
    /// planned with it is enough for every step.
    ///
    /// # Errors
    ///
    /// [`PowerError::InvalidProbability`] for α outside (0, 1),
    /// [`PowerError::InvalidCount`] for m = 0.
    ///
    /// # Formula
    ///
    /// ```text
    /// bonferroni, holm, hochberg, hommel, fdr_bh:  α / m
    /// sidak, holm-sidak:                           1 − (1 − α)^(1/m)
    /// fdr_by:                                      α / (m · Σ_{k=1..m} 1/k)
    /// ```
    ///
    /// # Example
    ///
    /// ```
    /// use seg_power::Correction;
    ///
    /// assert_eq!(Correction::Bonferroni.per_comparison_alpha(0.05, 5)?, 0.01);
    /// let s = Correction::Sidak.per_comparison_alpha(0.05, 5)?;
    /// assert!((s - 0.010206218313011495).abs() < 1e-17);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn per_comparison_alpha(self, alpha: f64, m: usize) -> Result<f64> {
        probability("alpha", alpha)?;
        if m == 0 {
            return Err(PowerError::InvalidCount {
                parameter: "comparisons",
                value: m,
                reason: "must be at least 1",
            });
        }
        let mf = m as f64;
        Ok(match self {
            Correction::Bonferroni
            | Correction::Holm
            | Correction::Hochberg
            | Correction::Hommel
            | Correction::FdrBh => alpha / mf,
            Correction::Sidak | Correction::HolmSidak => -((-alpha).ln_1p() / mf).exp_m1(),
            Correction::FdrBy => alpha / (mf * harmonic(m)),
        })
    }

    /// Adjusts `pvalues` and decides rejections at family level `alpha`,
    /// exactly as statsmodels `multipletests(pvalues, alpha, method)`.
    ///
    /// Results are in input order; ties, 0 and 1 are allowed. Every
    /// adjusted value is capped at 1, and `reject[i]` is
    /// `adjusted[i] <= alpha`.
    ///
    /// # Errors
    ///
    /// [`PowerError::TooShort`] for an empty list,
    /// [`PowerError::InvalidElement`] for a p-value outside [0, 1] or NaN,
    /// [`PowerError::InvalidProbability`] for α outside (0, 1).
    ///
    /// # Formula
    ///
    /// With p(1) ≤ … ≤ p(m) sorted:
    ///
    /// ```text
    /// bonferroni  m·p
    /// sidak       1 − (1 − p)^m
    /// holm        cummax_i (m − i + 1)·p(i)
    /// holm-sidak  cummax_i 1 − (1 − p(i))^(m − i + 1)
    /// hochberg    cummin from the largest down of (m − i + 1)·p(i)
    /// hommel      Hommel (1988), statsmodels' algorithm
    /// fdr_bh      cummin from the largest down of p(i) / (i/m)
    /// fdr_by      fdr_bh with i/m replaced by i/(m·Σ_{k≤m} 1/k)
    /// ```
    ///
    /// # Example
    ///
    /// ```
    /// use seg_power::Correction;
    ///
    /// let r = Correction::Holm.adjust(&[0.01, 0.04, 0.03, 0.005], 0.05)?;
    /// assert_eq!(r.adjusted, vec![0.03, 0.06, 0.06, 0.02]);
    /// assert_eq!(r.reject, vec![true, false, false, true]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # References
    ///
    /// - Holm, S. (1979). A simple sequentially rejective multiple test
    ///   procedure. *Scand. J. Statist.* 6, 65–70.
    /// - Hochberg, Y. (1988). A sharper Bonferroni procedure for multiple
    ///   tests of significance. *Biometrika* 75, 800–802.
    /// - Hommel, G. (1988). A stagewise rejective multiple test procedure
    ///   based on a modified Bonferroni test. *Biometrika* 75, 383–386.
    /// - Benjamini, Y., Hochberg, Y. (1995). *JRSS B* 57, 289–300.
    /// - Benjamini, Y., Yekutieli, D. (2001). *Ann. Statist.* 29, 1165–1188.
    /// - statsmodels `stats.multitest.multipletests`.
    pub fn adjust(self, pvalues: &[f64], alpha: f64) -> Result<Adjusted> {
        probability("alpha", alpha)?;
        if pvalues.is_empty() {
            return Err(PowerError::TooShort {
                parameter: "pvalues",
                min: 1,
                got: 0,
            });
        }
        for (index, &p) in pvalues.iter().enumerate() {
            if !(0.0..=1.0).contains(&p) {
                return Err(PowerError::InvalidElement {
                    parameter: "pvalues",
                    index,
                    value: p,
                    reason: "p-values must be in [0, 1]",
                });
            }
        }
        let m = pvalues.len();
        let mf = m as f64;
        let mut order: Vec<usize> = (0..m).collect();
        order.sort_by(|&a, &b| pvalues[a].total_cmp(&pvalues[b]));
        let sorted: Vec<f64> = order.iter().map(|&i| pvalues[i]).collect();
        let adjusted_sorted: Vec<f64> = match self {
            Correction::Bonferroni => sorted.iter().map(|p| p * mf).collect(),
            Correction::Sidak => sorted
                .iter()
                .map(|p| -(mf * (-p).ln_1p()).exp_m1())
                .collect(),
            Correction::Holm => {
                let raw = sorted.iter().enumerate().map(|(i, p)| p * (m - i) as f64);
                cummax(raw)
            }
            Correction::HolmSidak => {
                let raw = sorted
                    .iter()
                    .enumerate()
                    .map(|(i, p)| -((m - i) as f64 * (-p).ln_1p()).exp_m1());
                cummax(raw)
            }
            Correction::Hochberg => {
                let raw: Vec<f64> = sorted
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (m - i) as f64 * p)
                    .collect();
                cummin_from_top(raw)
            }
            Correction::Hommel => hommel(&sorted),
            Correction::FdrBh => {
                let raw: Vec<f64> = sorted
                    .iter()
                    .enumerate()
                    .map(|(i, p)| p / ((i + 1) as f64 / mf))
                    .collect();
                cummin_from_top(raw)
            }
            Correction::FdrBy => {
                let cm = harmonic(m);
                let raw: Vec<f64> = sorted
                    .iter()
                    .enumerate()
                    .map(|(i, p)| p / (((i + 1) as f64 / mf) / cm))
                    .collect();
                cummin_from_top(raw)
            }
        };
        let mut adjusted = vec![0.0; m];
        for (k, &i) in order.iter().enumerate() {
            adjusted[i] = adjusted_sorted[k].min(1.0);
        }
        let reject = adjusted.iter().map(|&p| p <= alpha).collect();
        Ok(Adjusted {
            adjusted,
            reject,
            correction: self,
            alpha,
        })
    }
}

impl fmt::Display for Correction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Correction {
    type Err = PowerError;

    fn from_str(s: &str) -> Result<Self> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "bonferroni" | "b" => Correction::Bonferroni,
            "sidak" | "s" => Correction::Sidak,
            "holm" | "h" => Correction::Holm,
            "holm-sidak" | "hs" => Correction::HolmSidak,
            "hochberg" | "simes-hochberg" | "sh" => Correction::Hochberg,
            "hommel" | "ho" => Correction::Hommel,
            "fdr_bh" | "fdr_i" | "indep" | "bh" => Correction::FdrBh,
            "fdr_by" | "fdr_n" | "by" => Correction::FdrBy,
            _ => {
                return Err(PowerError::UnknownName {
                    kind: "correction",
                    value: s.to_string(),
                });
            }
        })
    }
}

/// Σ_{k=1..m} 1/k, summed as numpy does (in order).
fn harmonic(m: usize) -> f64 {
    (1..=m).map(|k| 1.0 / k as f64).sum()
}

fn cummax(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut best = f64::NEG_INFINITY;
    values
        .map(|v| {
            best = best.max(v);
            best
        })
        .collect()
}

fn cummin_from_top(mut values: Vec<f64>) -> Vec<f64> {
    let mut best = f64::INFINITY;
    for v in values.iter_mut().rev() {
        best = best.min(*v);
        *v = best;
    }
    values
}

/// statsmodels' Hommel algorithm on sorted p-values:
///
/// ```text
/// a = p
/// for m in n, n−1, …, 2:
///     c = min_{k=1..m} m·p[n−m+k−1] / k
///     a[n−m..] = max(a[n−m..], c)
///     a[..n−m] = max(a[..n−m], min(m·p[..n−m], c))
/// ```
fn hommel(p: &[f64]) -> Vec<f64> {
    let n = p.len();
    let mut a = p.to_vec();
    for m in (2..=n).rev() {
        let mf = m as f64;
        let tail = &p[n - m..];
        let cim = tail
            .iter()
            .enumerate()
            .map(|(k, &v)| mf * v / (k + 1) as f64)
            .fold(f64::INFINITY, f64::min);
        for v in &mut a[n - m..] {
            *v = v.max(cim);
        }
        for (v, &pv) in a[..n - m].iter_mut().zip(&p[..n - m]) {
            *v = v.max((mf * pv).min(cim));
        }
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_parse() {
        for c in Correction::ALL {
            assert_eq!(c.name().parse::<Correction>().unwrap(), c);
            assert_eq!(c.to_string(), c.name());
        }
        assert_eq!(
            "simes-hochberg".parse::<Correction>().unwrap(),
            Correction::Hochberg
        );
        assert!(matches!(
            "tukey".parse::<Correction>(),
            Err(PowerError::UnknownName { .. })
        ));
    }

    #[test]
    fn single_p_value_is_unchanged() {
        for c in Correction::ALL {
            let r = c.adjust(&[0.03], 0.05).unwrap();
            assert!((r.adjusted[0] - 0.03).abs() < 1e-16, "{c}");
        }
    }

    #[test]
    fn invalid_p_values_are_reported_with_their_position() {
        let e = Correction::Holm.adjust(&[0.1, f64::NAN], 0.05).unwrap_err();
        assert!(matches!(e, PowerError::InvalidElement { index: 1, .. }));
        let e = Correction::Holm.adjust(&[1.5], 0.05).unwrap_err();
        assert!(matches!(e, PowerError::InvalidElement { index: 0, .. }));
        assert!(matches!(
            Correction::Holm.adjust(&[], 0.05),
            Err(PowerError::TooShort { .. })
        ));
    }

    #[test]
    fn hommel_is_between_hochberg_and_bonferroni_bounds() {
        // Hommel is uniformly more powerful than Hochberg: adjusted ≤.
        let p = [0.011, 0.02, 0.027, 0.04, 0.3, 0.001];
        let ho = Correction::Hommel.adjust(&p, 0.05).unwrap();
        let hb = Correction::Hochberg.adjust(&p, 0.05).unwrap();
        for (a, b) in ho.adjusted.iter().zip(&hb.adjusted) {
            assert!(a <= b, "{a} > {b}");
            assert!(*a >= 0.0);
        }
    }

    #[test]
    fn per_comparison_alpha_first_step_is_most_conservative() {
        let m = 6;
        let bh = Correction::FdrBh.per_comparison_alpha(0.05, m).unwrap();
        assert_eq!(bh, 0.05 / 6.0);
        let by = Correction::FdrBy.per_comparison_alpha(0.05, m).unwrap();
        assert!(by < bh);
        let s = Correction::Sidak.per_comparison_alpha(0.05, m).unwrap();
        assert!(((1.0 - s).powi(6) - 0.95).abs() < 1e-15);
        assert!(Correction::Holm.per_comparison_alpha(0.05, 0).is_err());
    }
}
