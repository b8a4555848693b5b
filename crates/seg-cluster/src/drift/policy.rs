//! When drift calls for a new model.

use serde::{Deserialize, Serialize};

use super::report::{DriftLevel, DriftReport};
use crate::error::{ClusterError, Result};

/// The default minimum batch of a [`RetrainPolicy`]: 1,000 visitors.
///
/// Without drift, the PSI of one feature with B bins on a batch of n rows
/// against N training rows is about (1/n + 1/N)·χ²_{B−1}: mean
/// (B − 1)(1/n + 1/N), 0.009 + 9/N for 10 bins at n = 1,000 (Yurdakul
/// 2018). The score is the largest of d + 1 such values; even for
/// d + 1 = 50 features, the quantile of χ²₉ at 1 − 2·10⁻⁶ (about 45) gives
/// a score below 0.045·(1 + 1000/N), under 0.1 for any training set of
/// at least 820 rows. Measured: batches of 1,000 rows drawn from the
/// training distribution score below 0.1 (test
/// `batch_from_training_distribution_scores_stable_at_min_batch`).
pub const DEFAULT_MIN_BATCH: usize = 1_000;

/// The default retraining threshold of a [`RetrainPolicy`]: a score above
/// 0.2 (the "significant" cut-off of PSI, and the project's design
/// threshold).
pub const DEFAULT_RETRAIN_THRESHOLD: f64 = 0.2;

/// When a [`DriftReport`] calls for retraining: its score exceeds
/// `threshold` (default 0.2) on a batch of at least `min_batch` visitors
/// (default [`DEFAULT_MIN_BATCH`] = 1,000, because PSI is biased upward
/// on small batches).
///
/// # Example
///
/// ```
/// use seg_cluster::{RetrainDecision, RetrainPolicy};
///
/// let policy = RetrainPolicy::default();
/// assert_eq!((policy.threshold(), policy.min_batch()), (0.2, 1_000));
/// let strict = RetrainPolicy::new(0.1, 5_000)?;
/// assert_eq!(strict.threshold(), 0.1);
/// assert!(RetrainPolicy::new(-1.0, 10).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawPolicy")]
pub struct RetrainPolicy {
    threshold: f64,
    min_batch: usize,
}

/// The raw mirror of [`RetrainPolicy`] (unchecked).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    threshold: f64,
    min_batch: usize,
}

impl TryFrom<RawPolicy> for RetrainPolicy {
    type Error = ClusterError;

    fn try_from(r: RawPolicy) -> Result<Self> {
        RetrainPolicy::new(r.threshold, r.min_batch)
    }
}

impl Default for RetrainPolicy {
    fn default() -> Self {
        RetrainPolicy {
            threshold: DEFAULT_RETRAIN_THRESHOLD,
            min_batch: DEFAULT_MIN_BATCH,
        }
    }
}

/// What a [`RetrainPolicy`] decided about a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetrainDecision {
    /// The score exceeds the threshold on a large enough batch: train a
    /// new model version.
    Retrain {
        /// The report's score.
        score: f64,
        /// What exceeds the threshold, largest PSI first.
        drivers: Vec<DriftSource>,
    },
    /// The batch is below the minimum size: no decision (its PSIs are
    /// inflated by the small sample).
    TooFewRows {
        /// Rows of the batch (effective visitors of a decaying window).
        n: usize,
        /// The policy's minimum.
        min_batch: usize,
    },
    /// The score is at most the threshold but not stable (0.1 or more):
    /// keep the model and watch.
    Watch {
        /// The report's score.
        score: f64,
        /// Its level.
        level: DriftLevel,
    },
    /// The score is below 0.1 and at most the threshold.
    Stable {
        /// The report's score.
        score: f64,
    },
}

impl RetrainDecision {
    /// Whether the decision is [`RetrainDecision::Retrain`].
    ///
    /// # Example
    /// ```
    /// use seg_cluster::RetrainDecision;
    /// assert!(RetrainDecision::Retrain { score: 0.3, drivers: vec![] }.is_retrain());
    /// assert!(!RetrainDecision::Stable { score: 0.01 }.is_retrain());
    /// ```
    pub fn is_retrain(&self) -> bool {
        matches!(self, RetrainDecision::Retrain { .. })
    }
}

/// A part of a [`DriftReport`] whose PSI exceeds the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftSource {
    /// A feature, by position.
    Feature {
        /// The feature's column.
        index: usize,
        /// Its PSI.
        psi: f64,
    },
    /// The segment shares.
    Assignment {
        /// Their PSI.
        psi: f64,
    },
}

impl DriftSource {
    /// The PSI of the source.
    ///
    /// # Example
    /// ```
    /// use seg_cluster::DriftSource;
    /// assert_eq!(DriftSource::Feature { index: 2, psi: 0.4 }.psi(), 0.4);
    /// assert_eq!(DriftSource::Assignment { psi: 0.25 }.psi(), 0.25);
    /// ```
    pub fn psi(&self) -> f64 {
        match *self {
            DriftSource::Feature { psi, .. } | DriftSource::Assignment { psi } => psi,
        }
    }
}

impl RetrainPolicy {
    /// A policy retraining when the score exceeds `threshold` on at
    /// least `min_batch` visitors.
    ///
    /// # Errors
    ///
    /// [`ClusterError::InvalidParameter`] naming `threshold` (not finite
    /// and positive) or `min_batch` (0).
    ///
    /// # Example
    /// ```
    /// use seg_cluster::RetrainPolicy;
    /// let p = RetrainPolicy::new(0.25, 500)?;
    /// assert_eq!((p.threshold(), p.min_batch()), (0.25, 500));
    /// assert!(RetrainPolicy::new(f64::NAN, 500).is_err());
    /// assert!(RetrainPolicy::new(0.25, 0).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(threshold: f64, min_batch: usize) -> Result<Self> {
        if !(threshold.is_finite() && threshold > 0.0) {
            return Err(ClusterError::InvalidParameter {
                parameter: "threshold",
                value: threshold.to_string(),
                reason: "must be finite and positive",
            });
        }
        if min_batch == 0 {
            return Err(ClusterError::InvalidParameter {
                parameter: "min_batch",
                value: "0".into(),
                reason: "must be at least 1",
            });
        }
        Ok(RetrainPolicy {
            threshold,
            min_batch,
        })
    }

    /// The score above which to retrain.
    ///
    /// # Example
    /// ```
    /// use seg_cluster::{DEFAULT_RETRAIN_THRESHOLD, RetrainPolicy};
    /// assert_eq!(RetrainPolicy::default().threshold(), DEFAULT_RETRAIN_THRESHOLD);
    /// ```
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// The smallest batch on which to decide.
    ///
    /// # Example
    /// ```
    /// use seg_cluster::{DEFAULT_MIN_BATCH, RetrainPolicy};
    /// assert_eq!(RetrainPolicy::default().min_batch(), DEFAULT_MIN_BATCH);
    /// ```
    pub fn min_batch(&self) -> usize {
        self.min_batch
    }

    /// The decision for `report`: [`RetrainDecision::TooFewRows`] below
    /// the minimum batch, else [`RetrainDecision::Retrain`] when the score
    /// exceeds the threshold (a NaN score counts as exceeding), else
    /// [`RetrainDecision::Watch`] for a score of 0.1 or more, else
    /// [`RetrainDecision::Stable`].
    ///
    /// # Example
    ///
    /// ```
    /// use ndarray::Array2;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans, RetrainDecision, RetrainPolicy};
    ///
    /// let x = Array2::from_shape_fn((2_000, 1), |(i, _)| ((i * 37) % 101) as f64 + (i % 2) as f64 * 200.0);
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// let policy = RetrainPolicy::default();
    /// let same = baseline.report(&model, x.view())?;
    /// assert_eq!(policy.decide(&same), RetrainDecision::Stable { score: 0.0 });
    /// let moved = x.mapv(|v| v + 40.0);
    /// assert!(policy.decide(&baseline.report(&model, moved.view())?).is_retrain());
    /// let few = baseline.report(&model, moved.slice_axis(ndarray::Axis(0), ndarray::Slice::from(..100)))?;
    /// assert!(matches!(policy.decide(&few), RetrainDecision::TooFewRows { n: 100, min_batch: 1_000 }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decide(&self, report: &DriftReport) -> RetrainDecision {
        if report.n < self.min_batch {
            return RetrainDecision::TooFewRows {
                n: report.n,
                min_batch: self.min_batch,
            };
        }
        let score = report.score;
        // NaN PSIs (never produced by a report of this crate) count as
        // exceeding.
        let exceeds = |psi: f64| psi > self.threshold || psi.is_nan();
        if exceeds(score) {
            let mut drivers: Vec<DriftSource> = report
                .features
                .iter()
                .filter(|f| exceeds(f.psi))
                .map(|f| DriftSource::Feature {
                    index: f.index,
                    psi: f.psi,
                })
                .collect();
            if exceeds(report.assignment_psi) {
                drivers.push(DriftSource::Assignment {
                    psi: report.assignment_psi,
                });
            }
            drivers.sort_by(|a, b| b.psi().total_cmp(&a.psi()));
            return RetrainDecision::Retrain { score, drivers };
        }
        match DriftLevel::from_score(score) {
            DriftLevel::Stable => RetrainDecision::Stable { score },
            level => RetrainDecision::Watch { score, level },
        }
    }
}
