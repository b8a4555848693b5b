//! A drift report with the names of the features it measures.

use serde::Serialize;

use crate::drift::{DriftLevel, DriftReport, FeatureDrift};

/// The drift of a batch against a [`SegmentModel`](crate::SegmentModel)'s
/// baseline ([`SegmentModel::drift`](crate::SegmentModel::drift)): the
/// [`DriftReport`], whose features are indexed by column, with the
/// model's feature names and version.
///
/// # Example
///
/// ```
/// use ndarray::Array2;
/// use seg_cluster::{AutoK, DriftLevel, RetrainPolicy, SegmentModel, TrainParams};
///
/// let x = Array2::from_shape_fn((2_000, 2), |(i, j)| (i % 2) as f64 * 10.0 + ((i * 13 + j * 7) % 17) as f64 * 0.2);
/// let params = TrainParams::new().auto_k(AutoK::params().k_range(2..=3));
/// let model = SegmentModel::train(x.view(), &["pages", "minutes"], &params)?;
///
/// // Every visitor now spends 3 more minutes.
/// let moved = x.mapv(|v| v) + &ndarray::array![0.0, 3.0];
/// let drift = model.drift(moved.view())?;
/// let (name, worst) = drift.worst_feature().unwrap();
/// assert_eq!(name, "minutes");
/// assert!(worst.psi > 0.2);
/// assert_eq!(drift.level(), DriftLevel::Significant);
/// assert!(RetrainPolicy::default().decide(&drift.report).is_retrain());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentDrift {
    /// The version of the model the batch was compared with.
    pub model_version: u64,
    /// The model's feature names, in column order.
    pub feature_names: Vec<String>,
    /// The report; `report.features[i]` is feature `feature_names[i]`.
    pub report: DriftReport,
}

impl SegmentDrift {
    /// Each feature's name with its drift, in column order.
    pub fn features(&self) -> impl Iterator<Item = (&str, &FeatureDrift)> {
        self.report
            .features
            .iter()
            .filter_map(|f| Some((self.feature_names.get(f.index)?.as_str(), f)))
    }

    /// The feature of highest PSI, with its name (`None` without
    /// features).
    pub fn worst_feature(&self) -> Option<(&str, &FeatureDrift)> {
        self.features().fold(None, |best, f| match best {
            Some((_, b)) if b.psi >= f.1.psi => best,
            _ => Some(f),
        })
    }

    /// The overall score ([`DriftReport::score`]).
    pub fn score(&self) -> f64 {
        self.report.score
    }

    /// The level of the score ([`DriftReport::level`]).
    pub fn level(&self) -> DriftLevel {
        self.report.level
    }
}
