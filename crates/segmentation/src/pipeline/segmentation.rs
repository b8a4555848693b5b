//! The saved artifact: a fitted transform and its segment model.

use ndarray::Array2;
use seg_cluster::{Challenge, ChallengeParams, SegmentModel, TrainParams, Window};
use seg_features::{Transformer, Value};

use super::drift::RecordDrift;
use super::error::{PipelineError, Result, shift_row};
use super::fields::FieldBaseline;
use super::json::PIPELINE;
use super::monitor::RecordMonitor;

/// Records per chunk of a batch: each chunk is transformed into a
/// matrix of this many rows and assigned, so that a batch never holds
/// more than one chunk's features per thread.
const CHUNK: usize = 8_192;

/// A fitted segmentation: the feature transform and the segment model
/// over its features, saved and loaded as one versioned artifact.
///
/// Made by [`Segmenter::fit`](super::Segmenter::fit) (version 1) or
/// [`retrain`](Self::retrain) (the next version, whose parent is this
/// one). It assigns raw records to segments, one at a time without
/// allocating ([`assign_one`](Self::assign_one)) or in batches
/// ([`assign`](Self::assign), on all cores with the `parallel` feature),
/// reports drift of a batch of raw records ([`drift`](Self::drift)) or of
/// a stream ([`monitor`](Self::monitor)), and saves itself atomically.
///
/// The JSON file is `{"format": "segmentation-pipeline", "format_version":
/// 1, "transform": …, "model": …}`, where `transform` is seg-features'
/// [`Transformer`] JSON and `model` seg-cluster's [`SegmentModel`] JSON
/// (version, parent, creation time, centroids, per-k table, quality
/// verdict, baseline). Loading checks the format and version, each part
/// with its own checks, and that the transform's output features are the
/// model's features, name for name.
///
/// # Example
///
/// See [`Segmenter`](super::Segmenter).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(try_from = "super::json::RawSegmentation")]
pub struct Segmentation {
    pub(super) transformer: Transformer,
    pub(super) model: SegmentModel,
    /// The raw fields' training distribution (segmentations fitted by a
    /// [`Segmenter`](super::Segmenter) have one).
    pub(super) fields: Option<FieldBaseline>,
}

impl Segmentation {
    /// A segmentation of `model` over the features of `transformer`.
    ///
    /// # Errors
    ///
    /// [`PipelineError::InvalidArtifact`] unless the transform's feature
    /// names are the model's, in the same order.
    pub fn new(transformer: Transformer, model: SegmentModel) -> Result<Self> {
        let names = transformer.feature_names();
        if names.as_slice() != model.feature_names() {
            let first = names
                .iter()
                .zip(model.feature_names())
                .position(|(a, b)| a != b);
            let reason = match first {
                Some(i) => format!(
                    "feature {i} is `{}` in the transform but `{}` in the model",
                    names[i],
                    model.feature_names()[i]
                ),
                None => format!(
                    "the transform has {} features, the model {}",
                    names.len(),
                    model.feature_names().len()
                ),
            };
            return Err(PipelineError::InvalidArtifact {
                artifact: PIPELINE,
                reason,
            });
        }
        Ok(Segmentation {
            transformer,
            model,
            fields: None,
        })
    }

    /// The fitted feature transform.
    pub fn transformer(&self) -> &Transformer {
        &self.transformer
    }

    /// The segment model: centroids, version and parent, the per-k table
    /// and the reason for k, the quality verdict, the drift baseline.
    pub fn model(&self) -> &SegmentModel {
        &self.model
    }

    /// The parts, by value.
    pub fn into_parts(self) -> (Transformer, SegmentModel) {
        (self.transformer, self.model)
    }

    /// The number of segments.
    pub fn k(&self) -> usize {
        self.model.k()
    }

    /// The model's version (1 for a first fit).
    pub fn model_version(&self) -> u64 {
        self.model.model_version()
    }

    /// The version this one was retrained from.
    pub fn parent_version(&self) -> Option<u64> {
        self.model.parent_version()
    }

    /// The name of each feature, in column order.
    pub fn feature_names(&self) -> &[String] {
        self.model.feature_names()
    }

    /// The number of features: the length of the scratch buffer of
    /// [`assign_one`](Self::assign_one).
    pub fn n_features(&self) -> usize {
        self.model.n_features()
    }

    /// The segment of one raw record, using `scratch` (length
    /// [`n_features`](Self::n_features)) for its features: no allocation.
    ///
    /// # Errors
    ///
    /// [`PipelineError::Features`] for a scratch buffer of another length
    /// and for a record the transform rejects (wrong length or kind, a
    /// non-finite number, an unknown category under `Unknown::Error`;
    /// named as row 0).
    ///
    /// # Example
    ///
    /// ```
    /// use segmentation::features::Value;
    /// use segmentation::pipeline::{Segmenter, numeric_schema};
    ///
    /// let records: Vec<[Value; 1]> = (0..100).map(|i| [Value::from((i % 2) as f64 * 50.0 + (i % 3) as f64)]).collect();
    /// let segmentation = Segmenter::new(numeric_schema(&["pages"])?).k(2).fit(&records)?;
    /// let mut scratch = [0.0];
    /// let a = segmentation.assign_one(&[Value::from(1.0)], &mut scratch)?;
    /// let b = segmentation.assign_one(&[Value::from(51.0)], &mut scratch)?;
    /// assert_ne!(a, b);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn assign_one(&self, record: &[Value<'_>], scratch: &mut [f64]) -> Result<usize> {
        self.transformer.transform_one(record, scratch)?;
        Ok(self.model.assign_one(scratch)?)
    }

    /// The segment of every record, equal to [`assign_one`](Self::assign_one)
    /// record by record. Records are transformed and assigned in chunks of
    /// 8,192; with the `parallel` feature the chunks run on all cores.
    ///
    /// # Errors
    ///
    /// [`PipelineError::Features`] for the first record (in order) the
    /// transform rejects, naming its row in `records`.
    pub fn assign<'v, R: AsRef<[Value<'v>]> + Sync>(&self, records: &[R]) -> Result<Vec<usize>> {
        let chunk = |(i, chunk): (usize, &[R])| -> Result<Vec<usize>> {
            let x = self
                .transformer
                .transform(chunk)
                .map_err(|e| shift_row(e, i * CHUNK))?;
            Ok(self.model.assign(x.view())?)
        };
        #[cfg(feature = "parallel")]
        let parts: Vec<Result<Vec<usize>>> = {
            use rayon::prelude::*;
            records.par_chunks(CHUNK).enumerate().map(chunk).collect()
        };
        #[cfg(not(feature = "parallel"))]
        let parts: Vec<Result<Vec<usize>>> = records.chunks(CHUNK).enumerate().map(chunk).collect();
        let mut labels = Vec::with_capacity(records.len());
        for part in parts {
            labels.extend(part?);
        }
        Ok(labels)
    }

    /// The features of `records`, an `n × n_features()` matrix (the rows
    /// [`assign`](Self::assign) assigns).
    ///
    /// # Errors
    ///
    /// [`PipelineError::Features`] for no records or a record the
    /// transform rejects, naming its row.
    pub fn transform<'v, R: AsRef<[Value<'v>]>>(&self, records: &[R]) -> Result<Array2<f64>> {
        Ok(self.transformer.transform(records)?)
    }

    /// The drift of a batch of raw records against the training baseline:
    /// PSI per feature with a Kolmogorov-Smirnov p-value, PSI of the
    /// segment shares, the ratio of mean distances to the nearest centre,
    /// the overall score and level ([`SegmentModel::drift`]).
    ///
    /// # Errors
    ///
    /// [`PipelineError::Features`] for no records or a record the
    /// transform rejects, and [`PipelineError::Cluster`] for the errors of
    /// [`SegmentModel::drift`].
    pub fn drift<'v, R: AsRef<[Value<'v>]>>(&self, records: &[R]) -> Result<RecordDrift> {
        let x = self.transformer.transform(records)?;
        let segments = self.model.drift(x.view())?;
        let fields = match &self.fields {
            Some(f) => f.report(self.transformer.schema(), records)?,
            None => Vec::new(),
        };
        RecordDrift::new(segments, fields, |j| self.transformer.is_other_column(j))
    }

    /// A streaming drift monitor fed raw records one at a time
    /// ([`RecordMonitor`]).
    ///
    /// # Errors
    ///
    /// [`PipelineError::Cluster`] for a tumbling window of size 0 or a
    /// half-life below 1.
    pub fn monitor(&self, window: Window) -> Result<RecordMonitor> {
        let monitor = self.model.monitor(window)?;
        Ok(RecordMonitor::new(
            self.transformer.clone(),
            monitor,
            self.model.model_version(),
            self.model.feature_names().to_vec(),
            self.fields.clone(),
        ))
    }

    /// The next version, trained on new records: the transform is kept,
    /// so that the features keep their meaning and the new version is
    /// comparable with its parent; the model is retrained by
    /// [`SegmentModel::retrain`] (k chosen again, warm start from these
    /// centroids when k is unchanged, a new quality verdict and baseline).
    /// The result has version `model_version() + 1` and this version as
    /// its parent. To change the features, fit a new
    /// [`Segmenter`](super::Segmenter).
    ///
    /// # Errors
    ///
    /// [`PipelineError::Features`] for no records or a record the
    /// transform rejects, and [`PipelineError::Cluster`] for the errors of
    /// [`SegmentModel::retrain`].
    pub fn retrain<'v, R: AsRef<[Value<'v>]>>(
        &self,
        records: &[R],
        params: &TrainParams,
    ) -> Result<Segmentation> {
        let x = self.transformer.transform(records)?;
        let model = self.model.retrain(x.view(), params)?;
        Segmentation::new(self.transformer.clone(), model)?.with_field_baseline(records)
    }

    /// A challenger for this segmentation on new `records`: the segment
    /// model's [`SegmentModel::challenge`] (a seeded hold-out of
    /// `params.holdout` of the rows, the challenger trained on the rest,
    /// both scored by their held-out silhouette; promote iff the challenger
    /// passes its quality gate and scores at least the current model's
    /// minus the tolerance), with the same transform and a field baseline
    /// of `records`. Save [`Challenger::segmentation`] as the next version
    /// only when [`Challenger::is_promoted`]; otherwise
    /// [`Challenger::reason`] says why the current one stays.
    ///
    /// # Errors
    ///
    /// Those of [`transform`](Self::transform) and of
    /// [`SegmentModel::challenge`] (too few rows to hold some out, bad
    /// parameters).
    ///
    /// # Example
    ///
    /// ```
    /// use segmentation::cluster::{ChallengeParams, TrainParams};
    /// use segmentation::features::Value;
    /// use segmentation::pipeline::{Segmenter, numeric_schema};
    ///
    /// let old: Vec<[Value; 1]> = (0..600).map(|i| [Value::from((i % 2) as f64 * 10.0 + (i % 5) as f64 * 0.01)]).collect();
    /// let s = Segmenter::new(numeric_schema(&["x"])?).k_range(2..=4).fit(&old)?;
    /// // A third group appears between the two (within the range the
    /// // transform was fitted on: the challenger keeps the transform).
    /// let new: Vec<[Value; 1]> = (0..900).map(|i| [Value::from((i % 3) as f64 * 5.0 + (i % 5) as f64 * 0.01)]).collect();
    /// let c = s.challenge(&new, &TrainParams::new(), &ChallengeParams::default())?;
    /// assert!(c.is_promoted(), "{:?}", c.reason());
    /// assert_eq!((c.segmentation.model_version(), c.segmentation.parent_version()), (2, Some(1)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn challenge<'v, R: AsRef<[Value<'v>]>>(
        &self,
        records: &[R],
        train: &TrainParams,
        params: &ChallengeParams,
    ) -> Result<Challenger> {
        let x = self.transformer.transform(records)?;
        let challenge = self.model.challenge(x.view(), train, params)?;
        let segmentation =
            Segmentation::new(self.transformer.clone(), challenge.challenger().clone())?
                .with_field_baseline(records)?;
        Ok(Challenger {
            segmentation,
            challenge,
        })
    }

    /// This segmentation with the raw fields' distribution in `records`
    /// as its field baseline (what [`drift`](Self::drift) compares raw
    /// fields with).
    pub(super) fn with_field_baseline<'v, R: AsRef<[Value<'v>]>>(
        mut self,
        records: &[R],
    ) -> Result<Segmentation> {
        self.fields = Some(FieldBaseline::fit(self.transformer.schema(), records)?);
        Ok(self)
    }

    /// Whether [`drift`](Self::drift) reports the raw fields (the
    /// segmentation was fitted by a [`Segmenter`](super::Segmenter), or
    /// loaded from a file that has the field baseline).
    ///
    /// # Example
    /// ```
    /// use segmentation::features::Value;
    /// use segmentation::pipeline::{Segmenter, numeric_schema};
    /// let records: Vec<[Value; 1]> = (0..60).map(|i| [Value::from((i % 30) as f64)]).collect();
    /// let s = Segmenter::new(numeric_schema(&["x"])?).k(2).fit(&records)?;
    /// assert!(s.has_field_baseline());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn has_field_baseline(&self) -> bool {
        self.fields.is_some()
    }
}

/// A challenger for a [`Segmentation`] ([`Segmentation::challenge`]): the
/// retrained segmentation and the challenge that decides whether it
/// replaces the current one.
#[derive(Debug, Clone, PartialEq)]
pub struct Challenger {
    /// The retrained segmentation (version n + 1, parent n).
    pub segmentation: Segmentation,
    /// Both models' held-out silhouettes and the verdict.
    pub challenge: Challenge,
}

impl Challenger {
    /// Whether the challenger passed (see [`Segmentation::challenge`]).
    ///
    /// See the example on [`Segmentation::challenge`].
    pub fn is_promoted(&self) -> bool {
        self.challenge.verdict().is_promote()
    }

    /// Why the current segmentation stays (the failed rules with their
    /// numbers), or `None` when the challenger is promoted.
    ///
    /// See the example on [`Segmentation::challenge`].
    pub fn reason(&self) -> Option<&str> {
        match self.challenge.verdict() {
            seg_cluster::ChallengeVerdict::Keep { reason } => Some(reason),
            _ => None,
        }
    }
}
