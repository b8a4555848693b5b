//! The builder that fits a [`Segmentation`].

use std::ops::RangeInclusive;

use seg_cluster::{AutoK, AutoKParams, BaselineParams, ChallengeParams, SegmentModel, TrainParams};
use seg_features::{Numeric, Scaler, Schema, Value};
use seg_validate::QualityGate;

use super::error::{PipelineError, Result};
use super::segmentation::{Challenger, Segmentation};

/// Fits a feature transform and a segment model in one go: the schema's
/// transform is fitted on the records, k is chosen automatically on the
/// transformed rows ([`AutoK`]), the quality gate measures the segments,
/// and the training baseline is recorded for drift.
///
/// Defaults are those of [`TrainParams::new`]: k in `2..=8`, 3 k-means++
/// restarts per k, seed 0, a smallest segment share of 1%,
/// [`QualityGate::new`], [`BaselineParams::default`], the creation time
/// from the system clock (set [`created_at`](Self::created_at) for
/// reproducible files).
///
/// # Example
///
/// ```
/// use segmentation::features::Value;
/// use segmentation::pipeline::{Segmentation, Segmenter, numeric_schema};
///
/// // Two groups of visitors: few pages and short visits, many pages and long visits.
/// let records: Vec<[Value; 2]> = (0..200)
///     .map(|i| {
///         let (pages, minutes) = if i % 2 == 0 { (2.0, 1.0) } else { (20.0, 30.0) };
///         [Value::from(pages + (i % 7) as f64 * 0.1), Value::from(minutes + (i % 5) as f64 * 0.2)]
///     })
///     .collect();
/// let segmentation = Segmenter::new(numeric_schema(&["pages", "minutes"])?)
///     .k_range(2..=4)
///     .seed(7)
///     .created_at(1_700_000_000)
///     .fit(&records)?;
/// assert_eq!(segmentation.k(), 2);
/// assert!(segmentation.model().quality().passed());
/// assert_eq!(segmentation.model_version(), 1);
///
/// let mut scratch = vec![0.0; segmentation.n_features()];
/// let long_visit = [Value::from(19.0), Value::from(28.0)];
/// let segment = segmentation.assign_one(&long_visit, &mut scratch)?;
/// assert_eq!(segment, segmentation.assign(&records)?[1]);
///
/// let restored = Segmentation::from_json(&segmentation.to_json()?)?;
/// assert_eq!(restored, segmentation);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Segmenter {
    schema: Schema,
    auto_k: AutoKParams,
    gate: QualityGate,
    baseline: BaselineParams,
    created_at: Option<u64>,
}

impl Segmenter {
    /// A segmenter of records of `schema`, with the defaults above.
    pub fn new(schema: Schema) -> Self {
        Segmenter {
            schema,
            auto_k: AutoK::params(),
            gate: QualityGate::new(),
            baseline: BaselineParams::default(),
            created_at: None,
        }
    }

    /// The candidate numbers of segments (default `2..=8`): the range must
    /// start at 2 or more and not be empty (checked by
    /// [`fit`](Self::fit)).
    pub fn k_range(mut self, range: RangeInclusive<usize>) -> Self {
        self.auto_k = self.auto_k.k_range(range);
        self
    }

    /// A fixed number of segments: the range `k..=k` (k ≥ 2). The per-k
    /// table then has one row, and the reason says that k was the only
    /// candidate.
    pub fn k(self, k: usize) -> Self {
        self.k_range(k..=k)
    }

    /// The seed of every fit and sample (default 0); the same records and
    /// seed give the same artifact, bit for bit (with the same
    /// [`created_at`](Self::created_at)).
    pub fn seed(mut self, seed: u64) -> Self {
        self.auto_k = self.auto_k.seed(seed);
        self
    }

    /// k-means++ restarts per candidate k (default 3).
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.auto_k = self.auto_k.n_init(n_init);
        self
    }

    /// The smallest share of records a segment may hold for its k to be
    /// chosen, in [0, 1) (default 0.01).
    pub fn min_share(mut self, share: f64) -> Self {
        self.auto_k = self.auto_k.min_share(share);
        self
    }

    /// Every parameter of the automatic choice of k at once (replaces
    /// [`k_range`](Self::k_range), [`seed`](Self::seed),
    /// [`n_init`](Self::n_init) and [`min_share`](Self::min_share) given
    /// before).
    pub fn auto_k(mut self, params: AutoKParams) -> Self {
        self.auto_k = params;
        self
    }

    /// The quality gate the segments are measured with (default
    /// [`QualityGate::new`]). A segmentation that fails it is still
    /// returned; its verdict says so
    /// (`segmentation.model().quality().passed()`).
    pub fn quality_gate(mut self, gate: QualityGate) -> Self {
        self.gate = gate;
        self
    }

    /// The drift baseline: quantile bins per feature, reference sample.
    pub fn baseline(mut self, params: BaselineParams) -> Self {
        self.baseline = params;
        self
    }

    /// The creation time recorded in the model, in seconds since
    /// 1970-01-01T00:00:00Z (default: the system clock when fitting).
    pub fn created_at(mut self, unix_seconds: u64) -> Self {
        self.created_at = Some(unix_seconds);
        self
    }

    /// The schema of the records.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The parameters given to seg-cluster's
    /// [`SegmentModel::train`] and [`SegmentModel::retrain`].
    pub fn train_params(&self) -> TrainParams {
        let params = TrainParams::new()
            .auto_k(self.auto_k.clone())
            .quality_gate(self.gate.clone())
            .baseline(self.baseline.clone());
        match self.created_at {
            Some(t) => params.created_at(t),
            None => params,
        }
    }

    /// Fits the schema's transform on `records`, transforms them, chooses
    /// k, fits it, checks the quality gate and records the baseline:
    /// version 1 of a [`Segmentation`], without a parent.
    ///
    /// # Errors
    ///
    /// [`PipelineError::Features`] when the transform cannot be fitted or
    /// applied (no records, a record of the wrong length or kind, a
    /// non-finite number, naming the row), and [`PipelineError::Cluster`]
    /// for the errors of [`SegmentModel::train`] (a bad k range, seed or
    /// share, fewer distinct rows than the largest k, no k whose segments
    /// are all large enough, a creation time after year 9999).
    pub fn fit<'v, R: AsRef<[Value<'v>]>>(&self, records: &[R]) -> Result<Segmentation> {
        self.auto_k.check()?;
        let transformer = self.schema.fit(records)?;
        let x = transformer.transform(records)?;
        let names = transformer.feature_names();
        let model = SegmentModel::train(x.view(), &names, &self.train_params())?;
        Segmentation::new(transformer, model)?.with_field_baseline(records)
    }

    /// The next version of `previous` on new records, with these
    /// parameters: [`Segmentation::retrain`]`(records,
    /// &self.train_params())`. The schema of this segmenter is not used:
    /// the previous transform is kept.
    ///
    /// # Errors
    ///
    /// Those of [`Segmentation::retrain`].
    pub fn retrain<'v, R: AsRef<[Value<'v>]>>(
        &self,
        previous: &Segmentation,
        records: &[R],
    ) -> Result<Segmentation> {
        previous.retrain(records, &self.train_params())
    }

    /// A challenger for `previous` on new records, with these training
    /// parameters: [`Segmentation::challenge`]`(records,
    /// &self.train_params(), params)`.
    ///
    /// # Errors
    ///
    /// Those of [`Segmentation::challenge`].
    ///
    /// See the example on [`Segmentation::challenge`].
    pub fn challenge<'v, R: AsRef<[Value<'v>]>>(
        &self,
        previous: &Segmentation,
        records: &[R],
        params: &ChallengeParams,
    ) -> Result<Challenger> {
        previous.challenge(records, &self.train_params(), params)
    }
}

/// A schema of numeric fields only, each scaled to [0, 1] by MinMax
/// (missing values imputed with the median): the default of tools that
/// read a CSV file without a schema.
///
/// # Errors
///
/// [`PipelineError::Features`] for no names, an empty name, a name with
/// `=`, or a repeated name.
///
/// # Example
///
/// ```
/// use segmentation::pipeline::numeric_schema;
///
/// let schema = numeric_schema(&["pages", "minutes"])?;
/// assert_eq!(schema.fields().len(), 2);
/// assert!(numeric_schema(&["a", "a"]).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn numeric_schema<S: AsRef<str>>(names: &[S]) -> Result<Schema> {
    let builder = names.iter().fold(Schema::builder(), |b, name| {
        b.numeric(name.as_ref(), Numeric::new(Scaler::MinMax))
    });
    builder.build().map_err(PipelineError::from)
}
