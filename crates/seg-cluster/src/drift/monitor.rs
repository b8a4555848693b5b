//! The streaming drift monitor: one visitor at a time, no allocation.

use serde::{Deserialize, Serialize};

use super::baseline::{Baseline, FeatureBaseline};
use super::counts::WindowCounts;
use super::report::{DriftReport, Tally};
use super::significance::DEFAULT_ALPHA;
use crate::error::{ClusterError, Result};
use crate::input::find_non_finite;
use crate::kernel::Packed;
use crate::model::KMeans;
use crate::params::invalid;

/// The visitors a [`DriftMonitor`] reports on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// The visitors since the last reset, at most `size`: the window is
    /// complete after `size` visitors, and the next push starts a new
    /// one. Between those two moments, a report covers exactly the last
    /// `size` visitors and equals [`Baseline::report`] on them (except
    /// for the Kolmogorov-Smirnov tests, which need raw values).
    Tumbling {
        /// Visitors per window, at least 1.
        size: usize,
    },
    /// All visitors since the monitor was created (or reset), each
    /// weighted by 2^(−age / half_life), age counted in visitors (0 for
    /// the latest). Every share of the report is a weighted share, and
    /// the report's `n` is the effective number of visitors
    /// (Σw)²/Σw² (about 2·half_life/ln 2 in the long run), which is
    /// what [`RetrainPolicy`](crate::RetrainPolicy) compares with its
    /// minimum batch.
    Decaying {
        /// Visitors after which a visitor's weight has halved: finite
        /// and at least 1.
        half_life: f64,
    },
}

/// The default run length of a [`DriftMonitor`]'s alarms: at most one
/// false alarm per 1,000 checks on average under stable traffic.
pub const DEFAULT_RUN_LENGTH: u64 = 1_000;

/// Weights above this are renormalised to 1 (amortised O(d × bins)
/// every ~330 half-lives); their squares stay far from overflow.
const RESCALE_ABOVE: f64 = 1e100;

/// A drift monitor for services: fed one visitor at a time, it reports
/// at any moment on the visitors of its [`Window`], as
/// [`Baseline::report`] would on the same visitors.
///
/// [`push`](Self::push) takes O(k·d) for the nearest centre plus
/// O(d·log bins) for the bins, without allocating; the monitor holds
/// O(d × bins + k·d) values: counts per bin and segment, the baseline's
/// bins and the model's centres (not the reference samples nor the
/// model's training labels).
///
/// Streaming reports have no Kolmogorov-Smirnov tests
/// ([`FeatureDrift::ks_p_value`](crate::FeatureDrift::ks_p_value) is
/// `None`): those need the raw values, which the monitor does not keep.
///
/// # Example
///
/// ```
/// use ndarray::Array2;
/// use seg_cluster::{Baseline, BaselineParams, DriftLevel, KMeans, Window};
///
/// let x = Array2::from_shape_fn((1_000, 2), |(i, j)| ((i * 37 + j * 11) % 101) as f64 + (i % 2) as f64 * 200.0);
/// let model = KMeans::params(2).seed(0).fit(x.view())?;
/// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
/// let mut monitor = baseline.monitor(&model, Window::Tumbling { size: 500 })?;
/// for row in x.rows().into_iter().take(500) {
///     monitor.push(row.as_slice().unwrap())?;
/// }
/// assert!(monitor.is_window_complete());
/// let streamed = monitor.report()?;
/// let batch = baseline.report(&model, x.slice_axis(ndarray::Axis(0), ndarray::Slice::from(..500)))?;
/// assert_eq!(streamed.score, batch.score);
/// assert_eq!(streamed.features[0].ks_p_value, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct DriftMonitor {
    /// The baseline without its reference samples.
    baseline: Baseline,
    /// The model's centres (not its training labels).
    centres: Packed,
    window: Window,
    tally: Tally,
    /// Per-visitor growth of the weight of a decaying window (1/λ).
    growth: f64,
    /// The weight of the next visitor of a decaying window.
    weight: f64,
    /// Visitors pushed since creation (or the last reset).
    seen: u64,
    /// Checks of [`DriftMonitor::alarm`] per false alarm, on average.
    run_length: u64,
}

impl Baseline {
    /// A streaming monitor of this baseline, with `model` the k-means
    /// model it was computed with, over `window`.
    ///
    /// # Errors
    ///
    /// [`ClusterError::BaselineMismatch`] when `model` has another number
    /// of features or clusters than the baseline,
    /// [`ClusterError::InvalidParameter`] for a tumbling window of size 0
    /// (`size`) or a half-life below 1 or not finite (`half_life`).
    ///
    /// # Example
    ///
    /// See [`DriftMonitor`] for a stream of visitors; in short:
    ///
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans, Window};
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// let monitor = baseline.monitor(&model, Window::Decaying { half_life: 100.0 })?;
    /// assert!(monitor.is_empty());
    /// assert!(baseline.monitor(&model, Window::Tumbling { size: 0 }).is_err());
    /// let other = KMeans::params(3).seed(0).fit(x.view())?;
    /// assert!(baseline.monitor(&other, Window::Tumbling { size: 10 }).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn monitor(&self, model: &KMeans, window: Window) -> Result<DriftMonitor> {
        self.check_model(model)?;
        let growth = match window {
            Window::Tumbling { size } => {
                if size == 0 {
                    return Err(ClusterError::InvalidParameter {
                        parameter: "size",
                        value: "0".into(),
                        reason: "a tumbling window holds at least 1 visitor",
                    });
                }
                1.0
            }
            Window::Decaying { half_life } => {
                if !(half_life.is_finite() && half_life >= 1.0) {
                    return Err(ClusterError::InvalidParameter {
                        parameter: "half_life",
                        value: half_life.to_string(),
                        reason: "must be finite and at least 1 visitor",
                    });
                }
                // 1/λ with λ = 2^(−1/half_life), in (1, 2].
                (std::f64::consts::LN_2 / half_life).exp()
            }
        };
        // The reference samples serve batch reports only; without them
        // (and without the model's training labels) the monitor holds
        // O(d × bins + k·d) values.
        let baseline = Baseline {
            sample_size: 0,
            features: self
                .features
                .iter()
                .map(|f| FeatureBaseline {
                    edges: f.edges.clone(),
                    shares: f.shares.clone(),
                    sample: Vec::new(),
                })
                .collect(),
            ..self.clone_without_features()
        };
        Ok(DriftMonitor {
            baseline,
            centres: model.packed.clone(),
            window,
            tally: Tally::new(self),
            growth,
            weight: 1.0,
            seen: 0,
            run_length: DEFAULT_RUN_LENGTH,
        })
    }
}

impl DriftMonitor {
    /// Adds one visitor (its d features, as the model was trained on).
    /// A tumbling window that is complete is emptied first.
    /// O(k·d + d·log bins), no allocation.
    ///
    /// # Errors
    ///
    /// [`ClusterError::DimensionMismatch`] for a visitor with another
    /// number of features, [`ClusterError::NonFinite`] for a NaN or
    /// infinite value, whose `row` is the number of visitors pushed
    /// before it (since creation or the last reset) and `column` the
    /// feature. The monitor is unchanged on error.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans, Window};
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// let mut monitor = baseline.monitor(&model, Window::Tumbling { size: 2 })?;
    /// monitor.push(&[0.5])?;
    /// assert_eq!(monitor.len(), 1);
    /// assert!(monitor.push(&[0.5, 1.0]).is_err()); // two features
    /// assert!(monitor.push(&[f64::NAN]).is_err());
    /// assert_eq!(monitor.len(), 1); // unchanged on error
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push(&mut self, row: &[f64]) -> Result<()> {
        let d = self.baseline.n_features();
        if row.len() != d {
            return Err(ClusterError::DimensionMismatch {
                expected: d,
                got: row.len(),
            });
        }
        if let Err(ClusterError::NonFinite { column, value, .. }) = find_non_finite(row, d) {
            return Err(ClusterError::NonFinite {
                row: usize::try_from(self.seen).unwrap_or(usize::MAX),
                column,
                value,
            });
        }
        let w = match self.window {
            Window::Tumbling { size } => {
                if self.tally.rows() >= size {
                    self.tally.reset();
                }
                1.0
            }
            Window::Decaying { .. } => {
                if self.tally.rows() > 0 {
                    self.weight *= self.growth;
                }
                if self.weight > RESCALE_ABOVE {
                    self.tally.scale(1.0 / self.weight);
                    self.weight = 1.0;
                }
                self.weight
            }
        };
        self.tally.add(&self.baseline, &self.centres, row, w);
        self.seen += 1;
        Ok(())
    }

    /// The drift report of the visitors in the window (see [`Window`]),
    /// without Kolmogorov-Smirnov tests.
    ///
    /// # Errors
    ///
    /// [`ClusterError::EmptyInput`] before the first visitor (or after a
    /// reset); [`ClusterError::OutOfMemory`] never in practice (the
    /// report's vectors).
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, DriftLevel, KMeans, Window};
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// let mut monitor = baseline.monitor(&model, Window::Tumbling { size: 4 })?;
    /// assert!(monitor.report().is_err()); // no visitor yet
    /// for row in x.rows() {
    ///     monitor.push(row.as_slice().unwrap())?;
    /// }
    /// let report = monitor.report()?;
    /// assert_eq!((report.n, report.score, report.level), (4, 0.0, DriftLevel::Stable));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn report(&self) -> Result<DriftReport> {
        self.report_at(DEFAULT_ALPHA)
    }

    /// The window's report at the alarm's family-wise error rate
    /// ([`alarm_alpha`](Self::alarm_alpha)), whether or not it raises: what
    /// a pipeline joins with its raw fields before deciding.
    ///
    /// # Errors
    ///
    /// As [`report`](Self::report).
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans, Window};
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// let mut monitor = baseline.monitor(&model, Window::Tumbling { size: 4 })?;
    /// monitor.push(&[0.0])?;
    /// assert_eq!(monitor.alarm_report()?.alpha, 1e-3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn alarm_report(&self) -> Result<DriftReport> {
        self.report_at(self.alarm_alpha())
    }

    fn report_at(&self, alpha: f64) -> Result<DriftReport> {
        let unit = matches!(self.window, Window::Tumbling { .. });
        self.tally.report(&self.baseline, |_| None, unit, alpha)
    }

    /// The monitor with alarms calibrated to `windows` checks between
    /// false alarms on average (default [`DEFAULT_RUN_LENGTH`], 1,000).
    ///
    /// # Errors
    ///
    /// [`ClusterError::InvalidParameter`] naming `run_length` for fewer
    /// than 2 windows.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans, Window};
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// let monitor = baseline.monitor(&model, Window::Tumbling { size: 4 })?.run_length(10_000)?;
    /// assert_eq!(monitor.alarm_alpha(), 1e-4);
    /// assert!(baseline.monitor(&model, Window::Tumbling { size: 4 })?.run_length(1).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run_length(mut self, windows: u64) -> Result<Self> {
        if windows < 2 {
            return Err(ClusterError::InvalidParameter {
                parameter: "run_length",
                value: windows.to_string(),
                reason: "must be at least 2 windows",
            });
        }
        self.run_length = windows;
        Ok(self)
    }

    /// The family-wise error rate of one check of [`alarm`](Self::alarm):
    /// 1 / run length.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans, Window};
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// assert_eq!(baseline.monitor(&model, Window::Tumbling { size: 4 })?.alarm_alpha(), 1e-3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn alarm_alpha(&self) -> f64 {
        1.0 / self.run_length as f64
    }

    /// One check of the streaming alarm: the window's report at the
    /// family-wise error rate 1 / run length when some PSI is significant
    /// there, `None` otherwise. The report's level then says whether the
    /// difference matters (it may be [`DriftLevel::Stable`](crate::DriftLevel::Stable): significant
    /// but below 0.1).
    ///
    /// Check once per window: for a tumbling window when
    /// [`is_window_complete`](Self::is_window_complete), for a decaying one
    /// every half-life or so. Under stable traffic each check raises with
    /// probability at most 1 / run length (Holm's correction over the
    /// window's PSIs, each with its exact or χ² no-drift distribution), so
    /// the expected number of false alarms in N checks is at most N / run
    /// length whatever the dependence between checks: at most one per run
    /// length on average (alibi-detect calls this the expected run time).
    /// Checked by seeded simulation in `tests/drift_alarms.rs`.
    ///
    /// # Errors
    ///
    /// As [`report`](Self::report).
    ///
    /// # Example
    /// ```
    /// use ndarray::Array2;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans, Window};
    /// let x = Array2::from_shape_fn((2_000, 1), |(i, _)| (i % 100) as f64);
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// let mut monitor = baseline.monitor(&model, Window::Tumbling { size: 500 })?;
    /// for i in 0..500 {
    ///     monitor.push(&[(i % 100) as f64])?; // as in training
    /// }
    /// assert!(monitor.alarm()?.is_none());
    /// for _ in 0..500 {
    ///     monitor.push(&[250.0])?; // far above every training value
    /// }
    /// assert!(monitor.alarm()?.is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn alarm(&self) -> Result<Option<DriftReport>> {
        let report = self.alarm_report()?;
        let raised = report.assignment_significant || report.features.iter().any(|f| f.significant);
        Ok(raised.then_some(report))
    }

    /// The counts of the window, to merge into a monitor of the same
    /// baseline elsewhere ([`merge_counts`](Self::merge_counts)).
    ///
    /// # Errors
    ///
    /// [`ClusterError::InvalidParameter`] for a decaying window (its
    /// weights depend on the order of all visitors, so it has no counts
    /// to merge).
    ///
    /// See [`WindowCounts`] for an example.
    pub fn counts(&self) -> Result<WindowCounts> {
        self.tumbling("counts")?;
        Ok(self.tally.counts())
    }

    /// Adds the counts of a window of another monitor of the same baseline
    /// and model (filled on another shard of a batch), as if its visitors
    /// had been pushed here. The window then holds both; the next
    /// [`push`](Self::push) after a complete window starts a new one, as
    /// usual.
    ///
    /// # Errors
    ///
    /// [`ClusterError::InvalidParameter`] for a decaying window, counts of
    /// another baseline (other numbers of bins or segments), or more rows
    /// than the window's size; [`ClusterError::RowCountOverflow`]. The
    /// monitor is unchanged on error.
    ///
    /// See [`WindowCounts`] for an example.
    pub fn merge_counts(&mut self, counts: &WindowCounts) -> Result<()> {
        let size = self.tumbling("merge_counts")?;
        let rows = self.tally.rows().saturating_add(counts.rows());
        if rows > size {
            return Err(invalid(
                "window counts",
                rows,
                "the merged window must not hold more rows than its size",
            ));
        }
        // `add_counts` checks everything before it changes anything.
        self.tally.add_counts(counts)?;
        self.seen = self.seen.saturating_add(counts.rows() as u64);
        Ok(())
    }

    /// The size of a tumbling window, or an error naming `operation`.
    fn tumbling(&self, operation: &'static str) -> Result<usize> {
        match self.window {
            Window::Tumbling { size } => Ok(size),
            Window::Decaying { .. } => Err(invalid(
                operation,
                "a decaying window",
                "only a tumbling window has counts to merge",
            )),
        }
    }

    /// Visitors in the current window (for a decaying window, all
    /// visitors since creation or the last reset).
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans, Window};
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// let mut monitor = baseline.monitor(&model, Window::Tumbling { size: 2 })?;
    /// for v in [0.0, 1.0, 10.0] {
    ///     monitor.push(&[v])?;
    /// }
    /// assert_eq!(monitor.len(), 1); // the third visitor started a new window
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn len(&self) -> usize {
        self.tally.rows()
    }

    /// Whether the window holds no visitor.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans, Window};
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// let mut monitor = baseline.monitor(&model, Window::Tumbling { size: 2 })?;
    /// assert!(monitor.is_empty());
    /// monitor.push(&[1.0])?;
    /// assert!(!monitor.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.tally.rows() == 0
    }

    /// Whether a tumbling window holds its `size` visitors (the next push
    /// starts a new window); always false for a decaying window.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans, Window};
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// let mut monitor = baseline.monitor(&model, Window::Tumbling { size: 2 })?;
    /// monitor.push(&[1.0])?;
    /// assert!(!monitor.is_window_complete());
    /// monitor.push(&[10.0])?;
    /// assert!(monitor.is_window_complete());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_window_complete(&self) -> bool {
        match self.window {
            Window::Tumbling { size } => self.tally.rows() >= size,
            Window::Decaying { .. } => false,
        }
    }

    /// Visitors pushed since creation or the last reset.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans, Window};
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// let mut monitor = baseline.monitor(&model, Window::Tumbling { size: 2 })?;
    /// for v in [0.0, 1.0, 10.0] {
    ///     monitor.push(&[v])?;
    /// }
    /// assert_eq!((monitor.seen(), monitor.len()), (3, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// The window.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans, Window};
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// let window = Window::Decaying { half_life: 50.0 };
    /// assert_eq!(baseline.monitor(&model, window)?.window(), window);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn window(&self) -> Window {
        self.window
    }

    /// The baseline the monitor compares with, without its reference
    /// samples (its sample size is 0).
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans, Window};
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// let monitor = baseline.monitor(&model, Window::Tumbling { size: 10 })?;
    /// assert_eq!(monitor.baseline().edges(0), baseline.edges(0));
    /// assert_eq!(monitor.baseline().reference_sample(0), Some(&[][..]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn baseline(&self) -> &Baseline {
        &self.baseline
    }

    /// Forgets every visitor.
    ///
    /// # Example
    /// ```
    /// use ndarray::array;
    /// use seg_cluster::{Baseline, BaselineParams, KMeans, Window};
    /// let x = array![[0.0], [1.0], [10.0], [11.0]];
    /// let model = KMeans::params(2).seed(0).fit(x.view())?;
    /// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
    /// let mut monitor = baseline.monitor(&model, Window::Tumbling { size: 10 })?;
    /// monitor.push(&[1.0])?;
    /// monitor.reset();
    /// assert!(monitor.is_empty() && monitor.seen() == 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reset(&mut self) {
        self.tally.reset();
        self.weight = 1.0;
        self.seen = 0;
    }
}
