//! The quality gate: a go / no-go verdict before a segmentation model is
//! deployed.

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::check::centred;
use crate::error::{Result, ValidateError};
use crate::indices::{davies_bouldin, sizes};
use crate::silhouette::{exact_score, stratified_score};

/// Thresholds a clustering must meet before it is deployed.
///
/// Defaults, and why:
///
/// - **silhouette ≥ 0.25.** Kaufman & Rousseeuw's interpretation bands of
///   the mean silhouette: above 0.70 a strong structure, 0.51–0.70 a
///   reasonable one, 0.26–0.50 a weak one that may be artificial, 0.25 or
///   less no substantial structure. Visitor data rarely forms strong
///   clusters, so the gate asks for at least weak structure and leaves the
///   business value to an outcome check ([`crate::segment_outcomes`]).
/// - **Davies-Bouldin ≤ 1.5.** A cluster's scatter plus its nearest
///   neighbour's, over their separation: above 1.5 the typical cluster
///   overlaps its neighbour more than it stands apart.
/// - **smallest cluster ≥ 1% of rows.** A segment smaller than that cannot
///   reach a useful sample size in an experiment and is usually a handful of
///   outliers.
/// - **silhouette sampled above 20,000 rows** (stratified, 20,000 rows,
///   seed 0): the exact score is O(n²).
///
/// # Example
///
/// ```
/// use ndarray::Array2;
/// use seg_validate::QualityGate;
///
/// let x = Array2::from_shape_fn((300, 2), |(i, j)| (i % 3) as f64 * 10.0 + ((i * 7 + j) % 5) as f64 * 0.2);
/// let labels: Vec<usize> = (0..300).map(|i| i % 3).collect();
/// let verdict = QualityGate::new().check(x.view(), &labels)?;
/// assert!(verdict.passed, "{:?}", verdict.failed().collect::<Vec<_>>());
///
/// let strict = QualityGate::new().min_silhouette(0.99).check(x.view(), &labels)?;
/// assert!(!strict.passed);
/// assert_eq!(strict.failed().next().unwrap().name, "silhouette");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Saving
///
/// A gate saves as JSON with its five settings (`min_silhouette`,
/// `max_davies_bouldin`, `min_cluster_share`, `sample_above`, `seed`) and
/// loads through the same checks as [`QualityGate::check`]: a file with a
/// threshold out of its domain does not load, and a gate that would not
/// load is not saved.
///
/// ```
/// use seg_validate::QualityGate;
///
/// let gate = QualityGate::new().min_silhouette(0.3);
/// let json = serde_json::to_string(&gate)?;
/// assert_eq!(serde_json::from_str::<QualityGate>(&json)?, gate);
///
/// let bad = json.replace("0.3", "1.5");
/// assert!(serde_json::from_str::<QualityGate>(&bad).is_err());
/// assert!(serde_json::to_string(&QualityGate::new().min_cluster_share(-1.0)).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # References
///
/// Kaufman, L., Rousseeuw, P. J. (1990). *Finding Groups in Data*, Wiley,
/// ch. 2 (the silhouette bands).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RawQualityGate")]
pub struct QualityGate {
    min_silhouette: f64,
    max_davies_bouldin: f64,
    min_cluster_share: f64,
    sample_above: usize,
    seed: u64,
}

/// The saved form of a [`QualityGate`], before its checks.
#[derive(Serialize, Deserialize)]
struct RawQualityGate {
    min_silhouette: f64,
    max_davies_bouldin: f64,
    min_cluster_share: f64,
    sample_above: usize,
    seed: u64,
}

impl TryFrom<RawQualityGate> for QualityGate {
    type Error = ValidateError;

    fn try_from(raw: RawQualityGate) -> Result<Self> {
        let gate = QualityGate {
            min_silhouette: raw.min_silhouette,
            max_davies_bouldin: raw.max_davies_bouldin,
            min_cluster_share: raw.min_cluster_share,
            sample_above: raw.sample_above,
            seed: raw.seed,
        };
        gate.validate()?;
        Ok(gate)
    }
}

impl Serialize for QualityGate {
    /// Saves a gate that passes its checks; any other gate would not load
    /// back, so it is an error.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.validate().map_err(serde::ser::Error::custom)?;
        RawQualityGate {
            min_silhouette: self.min_silhouette,
            max_davies_bouldin: self.max_davies_bouldin,
            min_cluster_share: self.min_cluster_share,
            sample_above: self.sample_above,
            seed: self.seed,
        }
        .serialize(serializer)
    }
}

impl Default for QualityGate {
    fn default() -> Self {
        QualityGate::new()
    }
}

/// One check of a [`Verdict`], with the measured value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// `silhouette`, `davies_bouldin` or `min_cluster_share`.
    pub name: &'static str,
    /// The measured value.
    pub value: f64,
    /// The threshold it was compared with.
    pub threshold: f64,
    /// `>=` or `<=`: how value and threshold must compare.
    pub comparison: &'static str,
    /// Whether the check passed.
    pub passed: bool,
}

/// The outcome of [`QualityGate::check`]: every check with its value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Whether every check passed.
    pub passed: bool,
    /// Whether the silhouette was computed on a stratified sample.
    pub sampled: bool,
    /// All checks, in a fixed order.
    pub checks: Vec<Check>,
}

impl Verdict {
    /// The checks that failed.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_validate::QualityGate;
    /// let x = array![[0.0], [0.1], [0.2], [5.0], [5.1], [5.2]];
    /// let verdict = QualityGate::new().max_davies_bouldin(0.0).check(x.view(), &[0, 0, 0, 1, 1, 1])?;
    /// let failed: Vec<_> = verdict.failed().map(|c| c.name).collect();
    /// assert_eq!(failed, ["davies_bouldin"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn failed(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.passed)
    }
}

impl QualityGate {
    /// The gate with its documented defaults.
    ///
    /// The setters below are consuming and chain; each threshold is checked
    /// by [`QualityGate::check`], not by its setter.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_validate::QualityGate;
    /// let gate = QualityGate::new()
    ///     .min_silhouette(0.5)
    ///     .max_davies_bouldin(1.0)
    ///     .min_cluster_share(0.2)
    ///     .sample_above(10_000)
    ///     .seed(7);
    /// let x = array![[0.0], [0.1], [0.2], [5.0], [5.1], [5.2]];
    /// let verdict = gate.check(x.view(), &[0, 0, 0, 1, 1, 1])?;
    /// assert!(verdict.passed && !verdict.sampled);
    /// assert_eq!(verdict.checks.len(), 3);
    /// assert!(QualityGate::new().min_silhouette(2.0).check(x.view(), &[0, 0, 0, 1, 1, 1]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new() -> Self {
        QualityGate {
            min_silhouette: 0.25,
            max_davies_bouldin: 1.5,
            min_cluster_share: 0.01,
            sample_above: 20_000,
            seed: 0,
        }
    }

    /// The smallest acceptable mean silhouette (default 0.25).
    ///
    /// Must be in [-1, 1] (checked when used); see the chain example on
    /// [`QualityGate::new`].
    pub fn min_silhouette(mut self, value: f64) -> Self {
        self.min_silhouette = value;
        self
    }

    /// The largest acceptable Davies-Bouldin index (default 1.5; finite,
    /// so that the gate can be saved: use `f64::MAX` for no limit).
    ///
    /// See the chain example on [`QualityGate::new`].
    pub fn max_davies_bouldin(mut self, value: f64) -> Self {
        self.max_davies_bouldin = value;
        self
    }

    /// The smallest acceptable share of rows in one cluster (default 0.01).
    ///
    /// Must be in [0, 1) (checked when used); see the chain example on
    /// [`QualityGate::new`].
    pub fn min_cluster_share(mut self, value: f64) -> Self {
        self.min_cluster_share = value;
        self
    }

    /// Above this many rows the silhouette is computed on a stratified
    /// sample of this many rows (default 20,000).
    ///
    /// At least 3 (checked when used); see the chain example on
    /// [`QualityGate::new`].
    pub fn sample_above(mut self, rows: usize) -> Self {
        self.sample_above = rows;
        self
    }

    /// The seed of the silhouette sample (default 0).
    ///
    /// See the chain example on [`QualityGate::new`].
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The checks of [`check`](QualityGate::check) and of loading.
    fn validate(&self) -> Result<()> {
        let bad = |parameter, value: f64, reason| {
            Err(ValidateError::InvalidParameter {
                parameter,
                value: value.to_string(),
                reason,
            })
        };
        if !(-1.0..=1.0).contains(&self.min_silhouette) {
            return bad("min_silhouette", self.min_silhouette, "must be in [-1, 1]");
        }
        if !(self.max_davies_bouldin.is_finite() && self.max_davies_bouldin >= 0.0) {
            return bad(
                "max_davies_bouldin",
                self.max_davies_bouldin,
                "must be finite and >= 0",
            );
        }
        if !(0.0..1.0).contains(&self.min_cluster_share) {
            return bad(
                "min_cluster_share",
                self.min_cluster_share,
                "must be in [0, 1)",
            );
        }
        if self.sample_above < 3 {
            return bad(
                "sample_above",
                self.sample_above as f64,
                "must be at least 3",
            );
        }
        Ok(())
    }

    /// Measures the clustering and compares every measure with its
    /// threshold.
    ///
    /// The input is checked, its labels mapped to clusters and its data
    /// scanned for non-finite values once, for all three measures.
    ///
    /// # Errors
    ///
    /// [`ValidateError::InvalidParameter`] for a threshold out of its
    /// domain, and the input errors of the metrics (empty input, length
    /// mismatch, non-finite values, fewer than 2 or more than n − 1
    /// clusters, a view too large to copy).
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_validate::QualityGate;
    /// let x = array![[0.0, 0.0], [0.0, 0.2], [9.0, 9.0], [9.0, 9.2]];
    /// let verdict = QualityGate::new().check(x.view(), &[0, 0, 1, 1])?;
    /// assert!(verdict.passed);
    /// let silhouette = &verdict.checks[0];
    /// assert_eq!(silhouette.name, "silhouette");
    /// assert!(silhouette.value > 0.9 && silhouette.value <= 1.0);
    /// // A label per row is required.
    /// assert!(QualityGate::new().check(x.view(), &[0, 1]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check(&self, x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<Verdict> {
        self.validate()?;
        let input = centred(x, labels, 2, x.nrows().saturating_sub(1))?;
        let sampled = x.nrows() > self.sample_above;
        let silhouette = if sampled {
            stratified_score(x, &input.dense, self.sample_above, self.seed)?
        } else {
            exact_score(x, &input.dense)
        };
        let davies_bouldin = davies_bouldin(&input);
        let min_share = sizes(input.dense).min_share;
        let checks = vec![
            Check {
                name: "silhouette",
                value: silhouette,
                threshold: self.min_silhouette,
                comparison: ">=",
                passed: silhouette >= self.min_silhouette,
            },
            Check {
                name: "davies_bouldin",
                value: davies_bouldin,
                threshold: self.max_davies_bouldin,
                comparison: "<=",
                passed: davies_bouldin <= self.max_davies_bouldin,
            },
            Check {
                name: "min_cluster_share",
                value: min_share,
                threshold: self.min_cluster_share,
                comparison: ">=",
                passed: min_share >= self.min_cluster_share,
            },
        ];
        Ok(Verdict {
            passed: checks.iter().all(|c| c.passed),
            sampled,
            checks,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn infinite_davies_bouldin_bound_is_rejected_as_it_cannot_be_saved() {
        let gate = QualityGate::new().max_davies_bouldin(f64::INFINITY);
        let x = Array2::from_shape_fn((4, 1), |(i, _)| i as f64);
        assert!(matches!(
            gate.check(x.view(), &[0, 0, 1, 1]),
            Err(ValidateError::InvalidParameter {
                parameter: "max_davies_bouldin",
                ..
            })
        ));
        assert!(gate.validate().is_err());
    }

    #[test]
    fn gate_checks_once_what_the_metrics_check_one_by_one() {
        let x = Array2::from_shape_fn((60, 2), |(i, j)| {
            (i % 3) as f64 * 5.0 + ((i * 7 + j) % 5) as f64 * 0.3
        });
        let labels: Vec<usize> = (0..60).map(|i| i % 3).collect();
        for gate in [
            QualityGate::new(),
            QualityGate::new().sample_above(20).seed(4),
        ] {
            let verdict = gate.check(x.view(), &labels).unwrap();
            let silhouette = if verdict.sampled {
                crate::silhouette_score_stratified(x.view(), &labels, 20, 4)
            } else {
                crate::silhouette_score(x.view(), &labels)
            };
            assert_eq!(verdict.checks[0].value, silhouette.unwrap());
            assert_eq!(
                verdict.checks[1].value,
                crate::davies_bouldin_score(x.view(), &labels).unwrap()
            );
            assert_eq!(
                verdict.checks[2].value,
                crate::cluster_sizes(&labels).unwrap().min_share
            );
        }
    }

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<QualityGate>();
        check::<Verdict>();
        check::<Check>();
        check::<ValidateError>();
    }
}
