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

/// When drift calls for retraining. The rule: **retrain when the batch
/// has at least `min_batch` visitors (default [`DEFAULT_MIN_BATCH`] =
/// 1,000) and some PSI of the report — of a feature, of the segment
/// shares, or (from a pipeline) of a raw field — is significant after
/// Holm's correction over all of the report's PSIs at its α (default
/// 0.01) and exceeds `threshold` (default 0.2).** Each PSI that does is a
/// driver of the decision.
///
/// A new category is a bin with no baseline share: at share s of the batch
/// it alone adds about s·ln(s / 10⁻⁴) to its field's PSI, 0.69 at 10% and
/// 2.4 at 30%, so a new traffic source at 10% of a 1,000-visitor batch
/// retrains by default (significance comes from the size: such a share
/// has a p-value far below 10⁻⁶ at that size).
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
    /// Some significant PSI exceeds the threshold on a large enough batch:
    /// train a new model version.
    Retrain {
        /// The report's score.
        score: f64,
        /// The significant PSIs above the threshold, largest first.
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
    /// No driver, but the level is not stable (moderate, or significant
    /// in a batch too small to size it, or significant with no single PSI
    /// above a raised threshold): keep the model and watch.
    Watch {
        /// The report's score.
        score: f64,
        /// Its level.
        level: DriftLevel,
    },
    /// No driver and a stable level.
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
    /// A raw field of a pipeline's schema, by position.
    Field {
        /// The field's position in the schema.
        index: usize,
        /// Its PSI.
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
            DriftSource::Feature { psi, .. }
            | DriftSource::Assignment { psi }
            | DriftSource::Field { psi, .. } => psi,
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
    /// the minimum batch, else [`RetrainDecision::Retrain`] when some
    /// significant PSI (feature or segment shares) exceeds the threshold
    /// (a NaN PSI counts as exceeding), else [`RetrainDecision::Watch`]
    /// when the report's level is not stable, else
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
        let features = report.features.iter().map(|f| {
            (
                DriftSource::Feature {
                    index: f.index,
                    psi: f.psi,
                },
                f.significant,
            )
        });
        let assignment = (
            DriftSource::Assignment {
                psi: report.assignment_psi,
            },
            report.assignment_significant,
        );
        self.decide_over(
            report.n,
            report.score,
            report.level,
            features.chain(std::iter::once(assignment)),
        )
    }

    /// The decision over any set of PSIs (a pipeline adds its raw fields
    /// to a report's): `n` rows, the `score` and `level` of the whole, and
    /// each PSI with whether it is significant after the correction. The
    /// rule is [`RetrainPolicy`]'s; drivers come sorted by PSI, largest
    /// first.
    ///
    /// # Example
    /// ```
    /// use seg_cluster::{DriftLevel, DriftSource, RetrainPolicy};
    /// let policy = RetrainPolicy::default();
    /// let tests = [(DriftSource::Field { index: 3, psi: 0.7 }, true), (DriftSource::Assignment { psi: 0.3 }, false)];
    /// let decision = policy.decide_over(5_000, 0.7, DriftLevel::Significant, tests);
    /// assert!(decision.is_retrain());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decide_over(
        &self,
        n: usize,
        score: f64,
        level: DriftLevel,
        tests: impl IntoIterator<Item = (DriftSource, bool)>,
    ) -> RetrainDecision {
        if n < self.min_batch {
            return RetrainDecision::TooFewRows {
                n,
                min_batch: self.min_batch,
            };
        }
        // NaN PSIs (never produced by a report of this crate) count as
        // exceeding.
        let exceeds = |psi: f64| psi > self.threshold || psi.is_nan();
        let mut drivers: Vec<DriftSource> = tests
            .into_iter()
            .filter(|(source, significant)| *significant && exceeds(source.psi()))
            .map(|(source, _)| source)
            .collect();
        if !drivers.is_empty() {
            drivers.sort_by(|a, b| b.psi().total_cmp(&a.psi()));
            return RetrainDecision::Retrain { score, drivers };
        }
        match level {
            DriftLevel::Stable => RetrainDecision::Stable { score },
            level => RetrainDecision::Watch { score, level },
        }
    }
}
