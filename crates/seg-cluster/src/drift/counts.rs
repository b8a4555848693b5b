//! The counts of a tumbling window as a value: what a distributed engine
//! sends between machines to merge windows filled on each.

use serde::{Deserialize, Serialize};

use crate::error::{ClusterError, Result};
use crate::params::invalid;

/// The counts of a tumbling [`DriftMonitor`](crate::DriftMonitor)'s window:
/// rows per bin of every feature, per segment and per distance bin, and the
/// sum of distances. Taken with [`DriftMonitor::counts`](crate::DriftMonitor::counts)
/// on each shard of a batch and added with
/// [`DriftMonitor::merge_counts`](crate::DriftMonitor::merge_counts), they
/// give the report of the whole batch: the same counts (integers), and the
/// same mean distance to rounding (the sum of distances is added in another
/// order).
///
/// Serialisable; a loaded value goes through the same checks as one taken
/// from a monitor (finite, non-negative whole counts; as many rows in the
/// segments and in the distance bins as the window has).
///
/// # Example
///
/// ```
/// use ndarray::array;
/// use seg_cluster::{Baseline, BaselineParams, KMeans, Window, WindowCounts};
/// let x = array![[0.0], [1.0], [10.0], [11.0]];
/// let model = KMeans::params(2).seed(0).fit(x.view())?;
/// let baseline = Baseline::fit(x.view(), &model, &BaselineParams::default())?;
/// let window = Window::Tumbling { size: 4 };
/// let (mut left, mut right) = (baseline.monitor(&model, window)?, baseline.monitor(&model, window)?);
/// left.push(&[0.0])?;
/// left.push(&[1.0])?;
/// right.push(&[10.0])?;
/// right.push(&[11.0])?;
/// let shipped: WindowCounts = serde_json::from_str(&serde_json::to_string(&right.counts()?)?)?;
/// left.merge_counts(&shipped)?;
/// assert_eq!(left.len(), 4);
/// assert_eq!(left.report()?.score, 0.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CountsFile", deny_unknown_fields)]
pub struct WindowCounts {
    pub(crate) features: Vec<f64>,
    pub(crate) clusters: Vec<f64>,
    pub(crate) distances: Vec<f64>,
    pub(crate) distance_sum: f64,
    pub(crate) rows: usize,
}

/// [`WindowCounts`] as read, before its checks.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CountsFile {
    features: Vec<f64>,
    clusters: Vec<f64>,
    distances: Vec<f64>,
    distance_sum: f64,
    rows: usize,
}

impl TryFrom<CountsFile> for WindowCounts {
    type Error = ClusterError;

    fn try_from(f: CountsFile) -> Result<Self> {
        let counts = WindowCounts {
            features: f.features,
            clusters: f.clusters,
            distances: f.distances,
            distance_sum: f.distance_sum,
            rows: f.rows,
        };
        counts.check()?;
        Ok(counts)
    }
}

impl WindowCounts {
    /// Rows counted.
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
    /// assert_eq!(monitor.counts()?.rows(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The checks of a loaded value: whole, non-negative, finite counts
    /// that add up to `rows` over the segments and over the distance bins.
    fn check(&self) -> Result<()> {
        let whole = |v: &f64| v.is_finite() && *v >= 0.0 && v.fract() == 0.0;
        if !self
            .features
            .iter()
            .chain(&self.clusters)
            .chain(&self.distances)
            .all(whole)
        {
            return Err(invalid(
                "window counts",
                "a count",
                "counts must be finite, non-negative whole numbers",
            ));
        }
        if !(self.distance_sum.is_finite() && self.distance_sum >= 0.0) {
            return Err(invalid(
                "window counts",
                self.distance_sum,
                "the sum of distances must be finite and >= 0",
            ));
        }
        let rows = self.rows as f64;
        for (what, v) in [
            ("segments", &self.clusters),
            ("distance bins", &self.distances),
        ] {
            if v.iter().sum::<f64>() != rows {
                return Err(invalid(
                    "window counts",
                    what,
                    "the counts of the segments and of the distance bins must add up to the rows",
                ));
            }
        }
        Ok(())
    }
}
