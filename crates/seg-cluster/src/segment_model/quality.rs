//! The quality verdict stored in a segment model: seg-validate's
//! [`Verdict`] in a form that saves and loads (owned names, checked).

use seg_validate::Verdict;
use serde::{Deserialize, Serialize};

use crate::error::{ClusterError, Result};

/// The artifact named in the errors of a saved verdict.
const QUALITY: &str = "quality verdict";

/// The outcome of seg-validate's [`QualityGate`](seg_validate::QualityGate)
/// on the training data of a [`SegmentModel`](crate::SegmentModel): whether
/// it passed, and every check with its measured value and threshold.
///
/// Loads through the checks of [`QualityVerdict::from_verdict`]: finite
/// values and thresholds, a comparison `>=` or `<=`, each check's `passed`
/// equal to its comparison, and `passed` true exactly when every check
/// passed.
///
/// # Example
///
/// ```
/// use ndarray::Array2;
/// use seg_cluster::QualityVerdict;
/// use seg_validate::QualityGate;
///
/// let x = Array2::from_shape_fn((300, 2), |(i, j)| (i % 3) as f64 * 10.0 + ((i * 7 + j) % 5) as f64 * 0.2);
/// let labels: Vec<usize> = (0..300).map(|i| i % 3).collect();
/// let verdict = QualityVerdict::from_verdict(&QualityGate::new().check(x.view(), &labels)?)?;
/// assert!(verdict.passed());
/// assert_eq!(verdict.failed().count(), 0);
/// assert_eq!(verdict.checks()[0].name(), "silhouette");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawVerdict")]
pub struct QualityVerdict {
    passed: bool,
    sampled: bool,
    checks: Vec<QualityCheck>,
}

/// One check of a [`QualityVerdict`] (saved and loaded only as part of
/// it, through its checks).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualityCheck {
    name: String,
    value: f64,
    threshold: f64,
    comparison: String,
    passed: bool,
}

impl QualityCheck {
    /// `silhouette`, `davies_bouldin` or `min_cluster_share` (the names of
    /// seg-validate's checks).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The measured value.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// The threshold it was compared with.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// `>=` or `<=`: how value and threshold must compare.
    pub fn comparison(&self) -> &str {
        &self.comparison
    }

    /// Whether the check passed.
    pub fn passed(&self) -> bool {
        self.passed
    }
}

/// The saved form of a [`QualityCheck`] (checked as part of its verdict).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    name: String,
    value: f64,
    threshold: f64,
    comparison: String,
    passed: bool,
}

impl From<RawCheck> for QualityCheck {
    fn from(r: RawCheck) -> Self {
        QualityCheck {
            name: r.name,
            value: r.value,
            threshold: r.threshold,
            comparison: r.comparison,
            passed: r.passed,
        }
    }
}

/// The saved form of a [`QualityVerdict`], before its checks.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVerdict {
    passed: bool,
    sampled: bool,
    checks: Vec<RawCheck>,
}

impl TryFrom<RawVerdict> for QualityVerdict {
    type Error = ClusterError;

    fn try_from(raw: RawVerdict) -> Result<Self> {
        let checks = raw.checks.into_iter().map(QualityCheck::from).collect();
        QualityVerdict::from_parts(raw.passed, raw.sampled, checks)
    }
}

impl QualityVerdict {
    /// The verdict of seg-validate's quality gate, in a form that saves.
    ///
    /// # Errors
    ///
    /// [`ClusterError::InvalidArtifact`] when a measured value is not
    /// finite (JSON could not hold it).
    pub fn from_verdict(verdict: &Verdict) -> Result<Self> {
        let checks = verdict
            .checks
            .iter()
            .map(|c| QualityCheck {
                name: c.name.to_owned(),
                value: c.value,
                threshold: c.threshold,
                comparison: c.comparison.to_owned(),
                passed: c.passed,
            })
            .collect();
        QualityVerdict::from_parts(verdict.passed, verdict.sampled, checks)
    }

    /// The one check of every verdict, made or loaded.
    fn from_parts(passed: bool, sampled: bool, checks: Vec<QualityCheck>) -> Result<Self> {
        let invalid = |reason: String| ClusterError::InvalidArtifact {
            artifact: QUALITY,
            reason,
        };
        for c in &checks {
            if !(c.value.is_finite() && c.threshold.is_finite()) {
                return Err(invalid(format!(
                    "check {:?}: value {} and threshold {} must be finite",
                    c.name, c.value, c.threshold
                )));
            }
            let holds = match c.comparison.as_str() {
                ">=" => c.value >= c.threshold,
                "<=" => c.value <= c.threshold,
                other => {
                    return Err(invalid(format!(
                        "check {:?}: comparison {other:?} is not \">=\" or \"<=\"",
                        c.name
                    )));
                }
            };
            if holds != c.passed {
                return Err(invalid(format!(
                    "check {:?}: passed is {} but {} {} {} is {holds}",
                    c.name, c.passed, c.value, c.comparison, c.threshold
                )));
            }
        }
        let all = checks.iter().all(|c| c.passed);
        if passed != all {
            return Err(invalid(format!(
                "passed is {passed} but the checks say {all}"
            )));
        }
        Ok(QualityVerdict {
            passed,
            sampled,
            checks,
        })
    }

    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.passed
    }

    /// Whether the silhouette was computed on a stratified sample.
    pub fn sampled(&self) -> bool {
        self.sampled
    }

    /// Every check, in seg-validate's order.
    pub fn checks(&self) -> &[QualityCheck] {
        &self.checks
    }

    /// The checks that failed.
    pub fn failed(&self) -> impl Iterator<Item = &QualityCheck> {
        self.checks.iter().filter(|c| !c.passed)
    }
}
