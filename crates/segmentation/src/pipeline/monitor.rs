//! A streaming drift monitor fed raw records.

use seg_cluster::{DriftMonitor, SegmentDrift, Window, WindowCounts};
use seg_features::{Transformer, Value};
use serde::{Deserialize, Serialize};

use super::drift::RecordDrift;
use super::error::PipelineError;
use super::error::Result;
use super::fields::{FieldBaseline, FieldCounts, FieldTally};

/// A drift monitor for services, fed raw records one at a time: each
/// record is transformed into a reused buffer and given to seg-cluster's
/// [`DriftMonitor`], so that a push does not allocate. With a tumbling
/// window it also counts the raw fields (allocating only for a category
/// never seen in training). Its report equals
/// [`Segmentation::drift`](super::Segmentation::drift) over the records of
/// its window, without the Kolmogorov-Smirnov tests (which need the raw
/// values); a decaying window reports the features only.
///
/// Made by [`Segmentation::monitor`](super::Segmentation::monitor); it
/// owns a copy of the transform, so it can outlive the segmentation.
///
/// # Example
///
/// ```
/// use segmentation::cluster::Window;
/// use segmentation::features::Value;
/// use segmentation::pipeline::{Segmenter, numeric_schema};
///
/// let records: Vec<[Value; 1]> = (0..400).map(|i| [Value::from((i % 2) as f64 * 50.0 + (i % 7) as f64)]).collect();
/// let segmentation = Segmenter::new(numeric_schema(&["pages"])?).k(2).fit(&records)?;
/// let mut monitor = segmentation.monitor(Window::Tumbling { size: 400 })?;
/// for record in &records {
///     monitor.push(record)?;
/// }
/// let streamed = monitor.report()?;
/// let batch = segmentation.drift(&records)?;
/// assert_eq!(streamed.score, batch.score);
/// assert_eq!(streamed.fields, batch.fields);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RecordMonitor {
    transformer: Transformer,
    monitor: DriftMonitor,
    model_version: u64,
    feature_names: Vec<String>,
    scratch: Vec<f64>,
    /// The raw fields' baseline and counts (tumbling windows of a
    /// segmentation with a field baseline).
    fields: Option<(FieldBaseline, FieldTally)>,
    /// A tumbling window's size.
    size: Option<usize>,
}

impl RecordMonitor {
    pub(super) fn new(
        transformer: Transformer,
        monitor: DriftMonitor,
        model_version: u64,
        feature_names: Vec<String>,
        fields: Option<FieldBaseline>,
    ) -> Self {
        let scratch = vec![0.0; transformer.n_features()];
        let size = match monitor.window() {
            Window::Tumbling { size } => Some(size),
            Window::Decaying { .. } => None,
        };
        let fields = fields.filter(|_| size.is_some()).map(|f| {
            let tally = FieldTally::new(&f);
            (f, tally)
        });
        RecordMonitor {
            transformer,
            monitor,
            model_version,
            feature_names,
            scratch,
            fields,
            size,
        }
    }

    /// Adds one raw record to the window, without allocating (but for a
    /// raw category never seen in training).
    ///
    /// # Errors
    ///
    /// [`PipelineError::Features`](super::PipelineError::Features) for a
    /// record the transform rejects (the monitor is then unchanged).
    pub fn push(&mut self, record: &[Value<'_>]) -> Result<()> {
        self.transformer.transform_one(record, &mut self.scratch)?;
        self.monitor.push(&self.scratch)?;
        if let (Some((baseline, tally)), Some(size)) = (&mut self.fields, self.size) {
            if tally.rows() >= size {
                tally.reset();
            }
            tally.push(baseline, self.transformer.schema(), record);
        }
        Ok(())
    }

    /// The drift of the records of the window, with the feature names and
    /// the model's version.
    ///
    /// # Errors
    ///
    /// [`PipelineError::Cluster`](super::PipelineError::Cluster) before
    /// the first record (an empty window has no shares).
    pub fn report(&self) -> Result<RecordDrift> {
        self.join(self.monitor.report()?)
    }

    /// The window's report with the raw fields, under one verdict.
    fn join(&self, report: seg_cluster::DriftReport) -> Result<RecordDrift> {
        let segments = SegmentDrift {
            model_version: self.model_version,
            feature_names: self.feature_names.clone(),
            report,
        };
        let fields = match &self.fields {
            Some((baseline, tally)) => tally.finish(baseline, self.transformer.schema())?,
            None => Vec::new(),
        };
        RecordDrift::new(segments, fields, |j| self.transformer.is_other_column(j))
    }

    /// The counts of a tumbling window (segments, features and raw fields),
    /// to merge into a monitor of the same segmentation elsewhere with
    /// [`merge_counts`](Self::merge_counts): how a distributed engine
    /// computes one report over shards of a batch.
    ///
    /// # Errors
    ///
    /// [`PipelineError::Cluster`] for a decaying window.
    ///
    /// # Example
    ///
    /// ```
    /// use segmentation::cluster::Window;
    /// use segmentation::features::Value;
    /// use segmentation::pipeline::{RecordCounts, Segmenter, numeric_schema};
    ///
    /// let records: Vec<[Value; 1]> = (0..400).map(|i| [Value::from((i % 2) as f64 * 50.0 + (i % 7) as f64)]).collect();
    /// let segmentation = Segmenter::new(numeric_schema(&["pages"])?).k(2).fit(&records)?;
    /// let window = Window::Tumbling { size: 400 };
    /// let (mut left, mut right) = (segmentation.monitor(window)?, segmentation.monitor(window)?);
    /// records[..150].iter().try_for_each(|r| left.push(r))?;
    /// records[150..].iter().try_for_each(|r| right.push(r))?;
    /// let shipped: RecordCounts = serde_json::from_str(&serde_json::to_string(&right.counts()?)?)?;
    /// left.merge_counts(&shipped)?;
    /// let batch = segmentation.drift(&records)?;
    /// assert_eq!(left.report()?.fields, batch.fields);
    /// assert_eq!(left.report()?.score, batch.score);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn counts(&self) -> Result<RecordCounts> {
        Ok(RecordCounts {
            segments: self.monitor.counts()?,
            fields: self.fields.as_ref().map(|(_, tally)| tally.counts()),
        })
    }

    /// Adds the counts of another monitor's tumbling window of the same
    /// segmentation, as if its records had been pushed here.
    ///
    /// # Errors
    ///
    /// [`PipelineError::Cluster`] for a decaying window, counts of another
    /// model, or more rows than the window's size;
    /// [`PipelineError::InvalidParameter`] for raw-field counts of another
    /// schema, or with raw fields missing on one side. The monitor is
    /// unchanged on error.
    ///
    /// See [`counts`](Self::counts) for an example.
    pub fn merge_counts(&mut self, counts: &RecordCounts) -> Result<()> {
        match (&self.fields, &counts.fields) {
            (Some((_, tally)), Some(theirs)) => tally.check_counts(theirs)?,
            (None, None) => {}
            _ => {
                return Err(PipelineError::InvalidParameter {
                    parameter: "counts",
                    value: "raw-field counts on one side only".to_string(),
                    reason: "both windows must count the raw fields, or neither",
                });
            }
        }
        // The monitor checks its counts before it changes anything, and
        // the field counts are checked above: an error leaves both whole.
        self.monitor.merge_counts(&counts.segments)?;
        if let (Some((_, tally)), Some(theirs)) = (&mut self.fields, &counts.fields) {
            tally.add_counts(theirs);
        }
        Ok(())
    }

    /// The monitor with alarms calibrated to `windows` checks between
    /// false alarms on average (see [`DriftMonitor::run_length`]).
    ///
    /// # Errors
    ///
    /// [`PipelineError::Cluster`](super::PipelineError::Cluster) for fewer
    /// than 2 windows.
    ///
    /// See the example on [`alarm`](Self::alarm).
    pub fn run_length(mut self, windows: u64) -> Result<Self> {
        self.monitor = self.monitor.run_length(windows)?;
        Ok(self)
    }

    /// One check of the streaming alarm over the raw fields and the
    /// features together: the window's report at the family-wise error
    /// rate 1 / run length when some PSI (field, feature or segment
    /// shares) is significant there, `None` otherwise. Check once per
    /// window; under stable traffic at most one false alarm per run length
    /// of checks on average (see [`DriftMonitor::alarm`]).
    ///
    /// # Errors
    ///
    /// As [`report`](Self::report).
    ///
    /// # Example
    /// ```
    /// use segmentation::cluster::Window;
    /// use segmentation::features::{Categorical, Schema, Value};
    /// use segmentation::pipeline::Segmenter;
    ///
    /// let schema = Schema::builder().categorical("source", Categorical::new()).build()?;
    /// let sources = ["ads", "search", "direct"];
    /// let train: Vec<[Value; 1]> = (0..3_000).map(|i| [Value::from(sources[i % 3])]).collect();
    /// let s = Segmenter::new(schema).k(3).fit(&train)?;
    /// let mut monitor = s.monitor(Window::Tumbling { size: 600 })?.run_length(10_000)?;
    /// for r in train.iter().take(600) {
    ///     monitor.push(r)?;
    /// }
    /// assert!(monitor.alarm()?.is_none());
    /// for i in 0..600 {
    ///     monitor.push(&[Value::from(if i % 10 == 0 { "tiktok" } else { sources[i % 3] })])?;
    /// }
    /// let alarm = monitor.alarm()?.expect("a new source at 10%");
    /// assert_eq!(alarm.fields[0].new_categories[0].value, "tiktok");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn alarm(&self) -> Result<Option<RecordDrift>> {
        let drift = self.join(self.monitor.alarm_report()?)?;
        let r = &drift.segments.report;
        let raised = r.assignment_significant
            || r.features.iter().any(|f| f.significant)
            || drift.fields.iter().any(|f| f.significant);
        Ok(raised.then_some(drift))
    }

    /// Records pushed since the monitor was made or reset.
    pub fn seen(&self) -> u64 {
        self.monitor.seen()
    }

    /// Whether a tumbling window holds its full size.
    pub fn is_window_complete(&self) -> bool {
        self.monitor.is_window_complete()
    }

    /// Forgets every record pushed.
    pub fn reset(&mut self) {
        self.monitor.reset();
        if let Some((_, tally)) = &mut self.fields {
            tally.reset();
        }
    }
}

/// The counts of a [`RecordMonitor`]'s tumbling window: those of the
/// features and segments ([`WindowCounts`]) and of the raw fields.
/// Serialisable, and checked on load like the counts it was taken from;
/// see [`RecordMonitor::counts`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawRecordCounts")]
pub struct RecordCounts {
    segments: WindowCounts,
    fields: Option<FieldCounts>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecordCounts {
    segments: WindowCounts,
    fields: Option<FieldCounts>,
}

impl TryFrom<RawRecordCounts> for RecordCounts {
    type Error = PipelineError;

    fn try_from(raw: RawRecordCounts) -> Result<Self> {
        if let Some(f) = &raw.fields
            && f.rows() != raw.segments.rows()
        {
            return Err(PipelineError::InvalidParameter {
                parameter: "record counts",
                value: format!("{} and {} rows", f.rows(), raw.segments.rows()),
                reason: "the raw fields and the segments must count the same rows",
            });
        }
        Ok(RecordCounts {
            segments: raw.segments,
            fields: raw.fields,
        })
    }
}

impl RecordCounts {
    /// Records counted.
    ///
    /// # Example
    /// ```
    /// use segmentation::cluster::Window;
    /// use segmentation::features::Value;
    /// use segmentation::pipeline::{Segmenter, numeric_schema};
    /// let records: Vec<[Value; 1]> = (0..100).map(|i| [Value::from(i as f64)]).collect();
    /// let segmentation = Segmenter::new(numeric_schema(&["pages"])?).k(2).fit(&records)?;
    /// let mut monitor = segmentation.monitor(Window::Tumbling { size: 10 })?;
    /// monitor.push(&records[0])?;
    /// assert_eq!(monitor.counts()?.rows(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rows(&self) -> usize {
        self.segments.rows()
    }
}
