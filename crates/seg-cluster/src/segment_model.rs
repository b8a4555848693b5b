//! The segment model: everything a service needs to assign visitors to
//! segments, to notice drift and to retrain, in one versioned artifact.

mod challenge;
mod drift;
mod json;
mod quality;
mod time;

pub use challenge::{Challenge, ChallengeParams, ChallengeVerdict};
pub use drift::SegmentDrift;
pub use json::{SEGMENT_MODEL_FORMAT, SEGMENT_MODEL_FORMAT_VERSION};
pub use quality::{QualityCheck, QualityVerdict};

use std::collections::HashSet;

use ndarray::{Array2, ArrayView2};
use seg_validate::QualityGate;

use crate::auto_k::{AutoK, AutoKParams, KSelection};
use crate::drift::{Baseline, BaselineParams, DriftMonitor, Window};
use crate::error::{ClusterError, Result};
use crate::init::Init;
use crate::input::checked;
use crate::model::KMeans;

/// The artifact named in the errors of a saved segment model.
pub(crate) const SEGMENT_MODEL: &str = "segment model";

/// The largest creation time, in seconds since 1970-01-01T00:00:00Z:
/// 9999-12-31T23:59:59Z (the last second RFC 3339 can write).
pub const MAX_CREATED_AT: u64 = 253_402_300_799;

/// How much higher than a fresh fit's inertia a warm-started fit's may be
/// and still be kept by [`SegmentModel::retrain`] (1%).
pub const WARM_START_TOLERANCE: f64 = 0.01;

/// A versioned segmentation model: the k-means centroids over named
/// features, how k was chosen, whether the segments passed the quality
/// gate, and the training baseline that drift is measured against.
///
/// | field | getter |
/// |---|---|
/// | `format`, `format_version` | [`SEGMENT_MODEL_FORMAT`] `"seg-segment-model"`, [`SEGMENT_MODEL_FORMAT_VERSION`] 1 |
/// | version and its parent | [`model_version`](Self::model_version), [`parent_version`](Self::parent_version) |
/// | creation time, seconds since 1970 UTC | [`created_at`](Self::created_at), [`created_at_rfc3339`](Self::created_at_rfc3339) |
/// | feature names, one per column | [`feature_names`](Self::feature_names) |
/// | centroids (k-means model, training labels dropped) | [`kmeans`](Self::kmeans) |
/// | per-k table and the reason for k | [`selection`](Self::selection) |
/// | quality gate verdict | [`quality`](Self::quality) |
/// | drift baseline | [`baseline`](Self::baseline) |
///
/// Made by [`SegmentModel::train`] (version 1, no parent) or
/// [`SegmentModel::retrain`] (the next version, whose parent is this one);
/// saved with [`to_json`](Self::to_json) / [`save`](Self::save) and
/// loaded with [`from_json`](Self::from_json) / [`load`](Self::load),
/// which check everything: the format and version, finite numbers, feature
/// names that are unique and as many as the centroids' columns, the
/// selection's k equal to the centroids' rows, a baseline of the same
/// features and clusters, a parent version below the model's own (so
/// that a lineage always ends). A [`ModelHistory`](crate::ModelHistory)
/// keeps the versions.
///
/// # Example
///
/// ```
/// use ndarray::Array2;
/// use seg_cluster::{AutoK, SegmentModel, TrainParams};
///
/// // Three groups of 100 visitors.
/// let x = Array2::from_shape_fn((300, 2), |(i, j)| (i % 3) as f64 * 10.0 + ((i * 7 + j) % 5) as f64 * 0.3);
/// let params = TrainParams::new().auto_k(AutoK::params().k_range(2..=5));
/// let model = SegmentModel::train(x.view(), &["pages", "minutes"], &params)?;
/// assert_eq!(model.k(), 3);
/// assert!(model.quality().passed());
/// assert_eq!(model.assign_one(&[10.1, 10.2])?, model.assign(x.view())?[1]);
///
/// let drift = model.drift(x.view())?;
/// assert!(drift.report.score < 0.1);
/// assert_eq!(drift.features().next().map(|(name, _)| name), Some("pages"));
///
/// let restored = SegmentModel::from_json(&model.to_json()?)?;
/// assert_eq!(restored.to_json()?, model.to_json()?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentModel {
    model_version: u64,
    parent_version: Option<u64>,
    created_at: u64,
    feature_names: Vec<String>,
    kmeans: KMeans,
    selection: KSelection,
    quality: QualityVerdict,
    baseline: Baseline,
}

/// The parameters of [`SegmentModel::train`] and
/// [`SegmentModel::retrain`] (builder).
///
/// Defaults: [`AutoK::params`]`()` (k in 2..=8, 3 restarts, seed 0, 1%
/// minimum share), [`QualityGate::new`]`()`, `BaselineParams::default()`,
/// warm start on, the parent's k not forced (`keep_parent_k(false)`),
/// creation time from the system clock.
#[derive(Debug, Clone)]
pub struct TrainParams {
    auto_k: AutoKParams,
    gate: QualityGate,
    baseline: BaselineParams,
    warm_start: bool,
    keep_parent_k: bool,
    created_at: Option<u64>,
}

impl Default for TrainParams {
    fn default() -> Self {
        TrainParams::new()
    }
}

impl TrainParams {
    /// The defaults above.
    pub fn new() -> Self {
        TrainParams {
            auto_k: AutoK::params(),
            gate: QualityGate::new(),
            baseline: BaselineParams::default(),
            warm_start: true,
            keep_parent_k: false,
            created_at: None,
        }
    }

    /// The choice of k: range, restarts, seed, minimum share, samples.
    pub fn auto_k(mut self, params: AutoKParams) -> Self {
        self.auto_k = params;
        self
    }

    /// The quality gate the segments are measured with. A model that
    /// fails the gate is still made: its [`QualityVerdict`] says so, and a
    /// caller decides whether to deploy it.
    pub fn quality_gate(mut self, gate: QualityGate) -> Self {
        self.gate = gate;
        self
    }

    /// The drift baseline: quantile bins, reference sample.
    pub fn baseline(mut self, params: BaselineParams) -> Self {
        self.baseline = params;
        self
    }

    /// Whether [`SegmentModel::retrain`] refits from the old centres when
    /// the new choice of k equals the old k (default true).
    pub fn warm_start(mut self, on: bool) -> Self {
        self.warm_start = on;
        self
    }

    /// Whether [`SegmentModel::retrain`] keeps the parent's k when the
    /// rule chooses another k but the parent's k, refitted on the new
    /// data, has a silhouette at least as high as the rule's choice
    /// (default false). For services that value continuity: per-segment
    /// state (experiments, bandit arms) stays meaningful when the number
    /// of segments does not change. Off by default because it trades the
    /// rule's multi-metric choice for the silhouette alone, which prefers
    /// fewer clusters on nested structure: four groups in two pairs score
    /// a higher silhouette at k = 2 than at the true k = 4, so a parent
    /// with k = 2 would keep k = 2 (test
    /// `keeping_the_parents_k_is_a_choice_and_is_recorded`).
    pub fn keep_parent_k(mut self, on: bool) -> Self {
        self.keep_parent_k = on;
        self
    }

    /// The creation time to record, in seconds since
    /// 1970-01-01T00:00:00Z (default: the system clock when training).
    /// At most [`MAX_CREATED_AT`].
    pub fn created_at(mut self, unix_seconds: u64) -> Self {
        self.created_at = Some(unix_seconds);
        self
    }

    fn timestamp(&self) -> u64 {
        self.created_at
            .unwrap_or_else(crate::history::now_unix_seconds)
    }
}

impl SegmentModel {
    /// Trains version 1 (no parent) on `x`: [`AutoK`] chooses k and fits
    /// it, the quality gate measures the segments, and the baseline of
    /// the training data is recorded for drift.
    ///
    /// # Errors
    ///
    /// [`ClusterError::InvalidFeatureNames`] unless there is one name per
    /// column, non-empty and unique; [`ClusterError::EmptyInput`] and
    /// [`ClusterError::NonFinite`] (row and column named) for bad data;
    /// the errors of [`AutoKParams::fit`] (a k range that is empty or
    /// starts below 2, too few rows); [`ClusterError::Metric`] when the
    /// quality gate cannot measure the segments; the errors of
    /// [`Baseline::fit`]; [`ClusterError::InvalidParameter`] for a
    /// creation time above [`MAX_CREATED_AT`].
    pub fn train<S: AsRef<str>>(
        x: ArrayView2<'_, f64>,
        feature_names: &[S],
        params: &TrainParams,
    ) -> Result<SegmentModel> {
        let names: Vec<String> = feature_names
            .iter()
            .map(|s| s.as_ref().to_owned())
            .collect();
        check_names(&names, x.ncols())?;
        checked(&x)?;
        let (kmeans, selection) = params.auto_k.fit(x)?.into_parts();
        Self::finish(x, names, kmeans, selection, params, 1, None)
    }

    /// Trains the next version on new data `x`. The result has version
    /// `model_version() + 1`, this model as its parent, the same feature
    /// names, a new verdict and a new baseline.
    ///
    /// 1. k is chosen again by [`AutoK`] on `x` (the rule's choice).
    /// 2. **Warm start** (on by default): when the rule's choice equals
    ///    this model's k, that k is refitted from this model's centroids
    ///    ([`Init::Explicit`]); the warm fit is kept unless its inertia
    ///    exceeds the rule's fit's by more than [`WARM_START_TOLERANCE`],
    ///    so that segment numbers keep their meaning across versions when
    ///    the traffic allows.
    /// 3. **Parent's k kept** (off by default,
    ///    [`TrainParams::keep_parent_k`]): when the rule chooses another k
    ///    but this model's k is in the table and eligible, this model's k
    ///    is refitted on `x` (from the old centroids with warm start, else
    ///    by k-means++ with 3 restarts, seed 0) and kept if its
    ///    silhouette on `x` is at least the rule's choice's (exact up to
    ///    20,000 rows, else seg-validate's stratified sample of 20,000
    ///    rows, seed 0). The selection then records the parent's k, and
    ///    its reason says why; the rule's per-k table is unchanged. A
    ///    retrained model then never separates its training batch worse
    ///    than the parent's number of segments would.
    ///
    /// # Errors
    ///
    /// [`ClusterError::DimensionMismatch`] when `x` has another number of
    /// columns than the model's features, [`ClusterError::InvalidArtifact`]
    /// when the version number is `u64::MAX`, and the errors of
    /// [`train`](Self::train).
    pub fn retrain(&self, x: ArrayView2<'_, f64>, params: &TrainParams) -> Result<SegmentModel> {
        self.check_columns(x.ncols())?;
        checked(&x)?;
        let version = self
            .model_version
            .checked_add(1)
            .ok_or_else(|| invalid("model_version u64::MAX has no next version".to_owned()))?;
        let (mut kmeans, mut selection) = params.auto_k.fit(x)?.into_parts();
        let old_k = self.k();
        let warm = || {
            KMeans::params(old_k)
                .init(Init::Explicit(self.kmeans.centroids().to_owned()))
                .fit(x)
        };
        if kmeans.k() == old_k {
            if params.warm_start {
                let refit = warm()?;
                if refit.inertia() <= kmeans.inertia() * (1.0 + WARM_START_TOLERANCE) {
                    kmeans = refit;
                }
            }
        } else if params.keep_parent_k
            && selection.scores.iter().any(|s| s.k == old_k && s.eligible)
        {
            let refit = if params.warm_start {
                warm()?
            } else {
                KMeans::params(old_k).n_init(3).seed(0).fit(x)?
            };
            let parent = silhouette(x, refit.labels())?;
            let rule = silhouette(x, kmeans.labels())?;
            if parent >= rule {
                selection.reason = format!(
                    "k = {old_k} kept from model version {}: its silhouette on the new data ({parent:.3}) is at least that of the rule's choice k = {} ({rule:.3}); the rule said: {}",
                    self.model_version, selection.k, selection.reason
                );
                selection.k = old_k;
                kmeans = refit;
            }
        }
        let names = self.feature_names.clone();
        Self::finish(
            x,
            names,
            kmeans,
            selection,
            params,
            version,
            Some(self.model_version),
        )
    }

    /// Gate, baseline, labels dropped, then the checks of every model.
    fn finish(
        x: ArrayView2<'_, f64>,
        feature_names: Vec<String>,
        kmeans: KMeans,
        selection: KSelection,
        params: &TrainParams,
        model_version: u64,
        parent_version: Option<u64>,
    ) -> Result<SegmentModel> {
        let created_at = params.timestamp();
        if created_at > MAX_CREATED_AT {
            return Err(ClusterError::InvalidParameter {
                parameter: "created_at",
                value: created_at.to_string(),
                reason: "must be at most 253402300799 (9999-12-31T23:59:59Z)",
            });
        }
        let verdict = params
            .gate
            .check(x, kmeans.labels())
            .map_err(|source| ClusterError::Metric { source })?;
        let quality = QualityVerdict::from_verdict(&verdict)?;
        // `train` and `retrain` checked `x` before the fit.
        let baseline = Baseline::fit_checked(x, &kmeans, &params.baseline)?;
        SegmentModel::from_parts(
            model_version,
            parent_version,
            created_at,
            feature_names,
            without_labels(kmeans)?,
            selection,
            quality,
            baseline,
        )
    }

    /// The one check of every segment model, trained or loaded.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_parts(
        model_version: u64,
        parent_version: Option<u64>,
        created_at: u64,
        feature_names: Vec<String>,
        kmeans: KMeans,
        selection: KSelection,
        quality: QualityVerdict,
        baseline: Baseline,
    ) -> Result<SegmentModel> {
        if model_version == 0 {
            return Err(invalid("model_version must be at least 1".to_owned()));
        }
        if let Some(parent) = parent_version
            && parent >= model_version
        {
            return Err(invalid(format!(
                "parent_version {parent} must be below model_version {model_version}"
            )));
        }
        if created_at > MAX_CREATED_AT {
            return Err(invalid(format!(
                "created_at {created_at} is after 9999-12-31T23:59:59Z"
            )));
        }
        let (k, d) = (kmeans.k(), kmeans.n_features());
        check_names(&feature_names, d).map_err(|e| invalid(e.to_string()))?;
        if selection.k != k {
            return Err(invalid(format!(
                "the selection chose k = {} but the centroids have {k} rows",
                selection.k
            )));
        }
        if !selection.scores.iter().any(|s| s.k == k) {
            return Err(invalid(format!(
                "the selection's table has no row for its k = {k}"
            )));
        }
        if baseline.n_features() != d || baseline.k() != k {
            return Err(invalid(format!(
                "the baseline is for {} features and {} clusters, the centroids {d} and {k}",
                baseline.n_features(),
                baseline.k()
            )));
        }
        Ok(SegmentModel {
            model_version,
            parent_version,
            created_at,
            feature_names,
            kmeans,
            selection,
            quality,
            baseline,
        })
    }

    /// The model under another version number, parent kept (for
    /// [`ModelHistory::save`](crate::ModelHistory::save), which only
    /// raises numbers, so the parent stays below).
    pub(crate) fn renumbered(&self, model_version: u64) -> SegmentModel {
        SegmentModel {
            model_version,
            ..self.clone()
        }
    }

    /// A copy of this model whose parent is this model, made at
    /// `created_at` (for a rollback; the history numbers it).
    pub(crate) fn rolled_back_copy(&self, created_at: u64) -> SegmentModel {
        SegmentModel {
            model_version: self.model_version.saturating_add(1),
            parent_version: Some(self.model_version),
            created_at: created_at.min(MAX_CREATED_AT),
            ..self.clone()
        }
    }

    /// The version of this model (1 for a first training).
    pub fn model_version(&self) -> u64 {
        self.model_version
    }

    /// The version this model was retrained from (or rolled back to).
    pub fn parent_version(&self) -> Option<u64> {
        self.parent_version
    }

    /// When the model was made, in seconds since 1970-01-01T00:00:00Z.
    pub fn created_at(&self) -> u64 {
        self.created_at
    }

    /// [`created_at`](Self::created_at) as an RFC 3339 UTC timestamp,
    /// e.g. `2023-11-14T22:13:20Z`.
    pub fn created_at_rfc3339(&self) -> String {
        time::rfc3339(self.created_at)
    }

    /// The name of each feature (column), in order.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The k-means model: centroids, inertia and iterations of the
    /// training fit. Its training labels are not kept (`labels()` is
    /// empty): they would make the file as large as the data.
    pub fn kmeans(&self) -> &KMeans {
        &self.kmeans
    }

    /// The centroids, k × d.
    pub fn centroids(&self) -> ArrayView2<'_, f64> {
        self.kmeans.centroids()
    }

    /// The number of segments.
    pub fn k(&self) -> usize {
        self.kmeans.k()
    }

    /// The number of features.
    pub fn n_features(&self) -> usize {
        self.kmeans.n_features()
    }

    /// How k was chosen: the per-k table and the reason.
    pub fn selection(&self) -> &KSelection {
        &self.selection
    }

    /// The quality gate's verdict on the training data.
    pub fn quality(&self) -> &QualityVerdict {
        &self.quality
    }

    /// The training baseline that drift is measured against.
    pub fn baseline(&self) -> &Baseline {
        &self.baseline
    }

    /// The segment of each row of `batch`.
    ///
    /// # Errors
    ///
    /// [`ClusterError::DimensionMismatch`] for a batch with another number
    /// of features, [`ClusterError::EmptyInput`], and
    /// [`ClusterError::NonFinite`] naming row and column.
    pub fn assign(&self, batch: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
        self.check_columns(batch.ncols())?;
        self.kmeans.predict(batch)
    }

    /// The segment of one visitor, without allocating.
    ///
    /// # Errors
    ///
    /// [`ClusterError::DimensionMismatch`] for a row of another length,
    /// [`ClusterError::NonFinite`] (row 0) for a NaN or infinite value.
    pub fn assign_one(&self, row: &[f64]) -> Result<usize> {
        self.kmeans.predict_one(row)
    }

    /// The drift of `batch` against the training baseline
    /// ([`Baseline::report`]: PSI per feature on the baseline's quantile
    /// bins with a Kolmogorov-Smirnov p-value, PSI of the segment shares,
    /// the ratio of mean distances to the nearest centre, the overall
    /// score and level), with the feature names and this model's version.
    /// Give [`SegmentDrift::report`] to a
    /// [`RetrainPolicy`](crate::RetrainPolicy) to decide on retraining.
    ///
    /// # Errors
    ///
    /// [`ClusterError::DimensionMismatch`] for a batch with another number
    /// of features, [`ClusterError::EmptyInput`],
    /// [`ClusterError::NonFinite`] naming row and column, and the errors
    /// of [`Baseline::report`].
    pub fn drift(&self, batch: ArrayView2<'_, f64>) -> Result<SegmentDrift> {
        self.check_columns(batch.ncols())?;
        checked(&batch)?;
        let report = self.baseline.report(&self.kmeans, batch)?;
        Ok(SegmentDrift {
            model_version: self.model_version,
            feature_names: self.feature_names.clone(),
            report,
        })
    }

    /// A streaming drift monitor of this model ([`Baseline::monitor`]):
    /// fed one visitor at a time, its report equals [`drift`](Self::drift)
    /// over the same visitors (without the Kolmogorov-Smirnov tests,
    /// which need the raw values).
    ///
    /// # Errors
    ///
    /// The errors of [`Baseline::monitor`] (a window of size 0, a
    /// half-life below 1).
    pub fn monitor(&self, window: Window) -> Result<DriftMonitor> {
        self.baseline.monitor(&self.kmeans, window)
    }

    fn check_columns(&self, got: usize) -> Result<()> {
        if got != self.n_features() {
            return Err(ClusterError::DimensionMismatch {
                expected: self.n_features(),
                got,
            });
        }
        Ok(())
    }
}

/// The silhouette of a labelling of `x`, as the quality gate measures it:
/// exact up to 20,000 rows, else on a stratified sample of 20,000 rows
/// (seed 0).
fn silhouette(x: ArrayView2<'_, f64>, labels: &[usize]) -> Result<f64> {
    const EXACT_UP_TO: usize = 20_000;
    let score = if x.nrows() <= EXACT_UP_TO {
        seg_validate::silhouette_score(x, labels)
    } else {
        seg_validate::silhouette_score_stratified(x, labels, EXACT_UP_TO, 0)
    };
    score.map_err(|source| ClusterError::Metric { source })
}

/// One non-empty, unique name per column.
fn check_names(names: &[String], columns: usize) -> Result<()> {
    let bad = |reason| Err(ClusterError::InvalidFeatureNames { reason });
    if names.len() != columns {
        return bad(format!("{} names for {columns} columns", names.len()));
    }
    if let Some(i) = names.iter().position(|n| n.is_empty()) {
        return bad(format!("name {i} is empty"));
    }
    let mut seen = HashSet::with_capacity(names.len());
    if let Some(dup) = names.iter().find(|n| !seen.insert(n.as_str())) {
        return bad(format!("{dup:?} is repeated"));
    }
    Ok(())
}

/// The model without its training labels.
fn without_labels(m: KMeans) -> Result<KMeans> {
    let centroids: Array2<f64> = m.centroids().to_owned();
    KMeans::from_parts(
        centroids,
        Vec::new(),
        m.inertia(),
        m.n_iter(),
        m.converged(),
    )
}

/// An [`ClusterError::InvalidArtifact`] naming the segment model.
pub(crate) fn invalid(reason: String) -> ClusterError {
    ClusterError::InvalidArtifact {
        artifact: SEGMENT_MODEL,
        reason,
    }
}
